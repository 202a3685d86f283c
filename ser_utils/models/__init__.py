"""Layer 4, models: from prepared inputs to a saved model bundle and its predictions.

The only layer that imports TensorFlow/Keras. ``architectures`` (the CRNN family),
``train`` (Keras training with SpecAugment and mixup), ``classic`` (the scikit-learn model
on pooled vectors), ``bundle`` (the saved, fused model and its ``predict_paths``) and
``predict`` (the command line). Importing this package itself imports nothing heavy.
"""
