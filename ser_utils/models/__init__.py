"""Layer 4, models: from prepared inputs to a saved model bundle and its predictions.

The only layer that imports TensorFlow/Keras, and it does so at module top, through
``backend`` (which quietens TensorFlow's logging first). ``architectures`` (the CRNN
family, one builder per architecture), ``train`` (Keras training with SpecAugment and
mixup), ``classic`` (the scikit-learn model on pooled vectors, no TensorFlow), ``recipe``
(build and train a model from a configuration; fit the classic part), ``parts`` and
``modes`` (each prediction mode's parts and fusion weights), ``frame_head`` (the Keras head
over encoder frame sequences), ``study`` (Optuna), ``bundle`` (the
saved, fused model, ``fuse`` and ``predict_paths``), ``settings`` (reading and checking
``bundle.json``, no TensorFlow) and ``predict`` (the command line). Importing this package
itself imports nothing heavy.
"""
