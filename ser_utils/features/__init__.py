"""Layer 2, features: from a manifest to per-file feature arrays.

Takes the manifest of :mod:`ser_utils.data` and gives a :class:`~ser_utils.features.core.FeatureSet`:
a variable-length log-mel ``(n_mels, t)`` per file and a pooled vector ``(d,)`` per file,
cached on disk by content and settings, computed in parallel.
"""
