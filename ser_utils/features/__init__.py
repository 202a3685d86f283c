"""Layer 2, features: from a manifest to per-file feature arrays.

Takes the manifest of :mod:`ser_utils.data` (one row per file: ``path``, ``file_id``,
``sha1``) and the :func:`feature_settings` of a configuration, and gives a
:class:`FeatureSet`: a variable-length log-mel ``(n_mels, t)`` and a pooled vector
``(d,)`` per file, cached on disk by content and settings, computed in parallel. Modules:
``settings`` (which configuration keys matter, checked), ``signal`` (log-mel, deltas,
frame features of one waveform), ``pooling`` (statistics over time and the pooled
layout), ``cache`` (settings-hash folders of per-content ``.npy`` records, reusable by
any feature group), ``extraction`` (:func:`extract`: load, transform, trim, analyse,
cache, in parallel) and ``featureset`` (the container, its files, :func:`fix_length`).
"""

from .cache import group_dir, read_record, record_path, write_record
from .extraction import Transform, extract
from .featureset import FeatureSet, fix_length, load_feature_set, save_feature_set
from .pooling import DEFAULT_POOLED_FEATURES, pool, pooled_feature_names
from .settings import MIN_TRIMMED_S, SETTING_KEYS, feature_settings
from .signal import add_deltas, frame_feature_names, frame_features, logmel

__all__ = [
    "DEFAULT_POOLED_FEATURES",
    "MIN_TRIMMED_S",
    "SETTING_KEYS",
    "FeatureSet",
    "Transform",
    "add_deltas",
    "extract",
    "feature_settings",
    "fix_length",
    "frame_feature_names",
    "frame_features",
    "group_dir",
    "load_feature_set",
    "logmel",
    "pool",
    "pooled_feature_names",
    "read_record",
    "record_path",
    "save_feature_set",
    "write_record",
]
