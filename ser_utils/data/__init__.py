"""Layer 1, data: from audio files on disk to a manifest.

Takes folders of audio (RAVDESS in any layout, CREMA-D, TESS, SAVEE, or the synthetic demo
corpus) and gives a manifest (one row per usable file: path, corpus, emotion, actor/speaker,
content hash, ...) plus a table of every skipped file with its reason. Modules: ``ravdess``
(RAVDESS file names), ``corpora`` (every corpus's names and speakers), ``audio`` (decoding,
resampling, trimming), ``corpus`` (the scan), ``account`` (files in, used and skipped per
reason, per corpus), ``download`` (the official zips),
``synth`` (the demo corpus), ``locate`` (local, Kaggle or Colab, and where the data is).
"""
