"""Feature settings: which configuration keys determine the features, checked once.

:func:`feature_settings` takes a configuration of :func:`ser_utils.config.resolve` and
gives the JSON-able dict of :data:`SETTING_KEYS` that every other module of
:mod:`ser_utils.features` takes; :func:`validate_settings` checks such a dict, and
:func:`group_settings` says which of them (plus transform, seed and code version) key
each cache group.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import FRAME_FEATURES, check
from ..errors import ConfigError, FeatureError
from .pooling import check_stats

__all__ = ["CACHE_VERSION", "MIN_TRIMMED_S", "SETTING_KEYS", "feature_settings", "group_settings", "validate_settings"]

#: Config keys that :func:`feature_settings` keeps (the ones that determine features).
SETTING_KEYS: tuple[str, ...] = (
    "sample_rate",
    "n_mels",
    "n_fft",
    "hop_length",
    "fmin",
    "fmax",
    "trim_silence",
    "trim_top_db",
    "deltas",
    "frame_features",
    "pool_stats",
    "n_mfcc",
)

#: Bumped whenever the computation changes, so that old cache entries are not reused.
CACHE_VERSION = 2
#: Trimming never keeps less than this much audio (seconds); see :func:`ser_utils.data.audio.trim`.
MIN_TRIMMED_S = 0.25


def feature_settings(cfg: dict) -> dict:
    """The subset of a configuration that determines the features (JSON-able).

    Parameters
    ----------
    cfg : dict
        A configuration from :func:`ser_utils.config.resolve` (or any dict holding at
        least the keys of :data:`SETTING_KEYS`).

    Returns
    -------
    settings : dict
        ``{key: cfg[key] for key in SETTING_KEYS}`` with ``frame_features`` as a list
        in the canonical order of :data:`ser_utils.config.FRAME_FEATURES`, numbers as
        plain ``int``/``float``. ``deltas`` is kept for ``prepare``; it does not affect
        extraction.

    Raises
    ------
    FeatureError
        A key is missing.
    ConfigError
        A value is of the wrong type or out of range.
    """
    if not isinstance(cfg, dict):
        raise FeatureError(f"feature_settings expects a config dict, got {type(cfg).__name__}")
    missing = [k for k in SETTING_KEYS if k not in cfg]
    if missing:
        raise FeatureError(
            f"feature settings are missing {', '.join(missing)}; "
            "pass a config from ser_utils.config.resolve() or feature_settings(cfg)"
        )
    return validate_settings({k: cfg[k] for k in SETTING_KEYS})


def validate_settings(settings: dict) -> dict:
    """``settings`` checked and canonicalised (as :func:`feature_settings` returns them).

    Settings saved before ``pool_stats`` existed get ``["mean", "std"]``.

    Raises
    ------
    FeatureError
        Not a dict, or a key of :data:`SETTING_KEYS` is missing.
    ConfigError
        A value is of the wrong type or out of range, or values disagree (``fmax``
        above Nyquist or not above ``fmin``, ``hop_length`` above ``n_fft``).
    """
    if not isinstance(settings, dict):
        raise FeatureError(f"settings must be a dict from feature_settings(cfg), got {type(settings).__name__}")
    if "pool_stats" not in settings:  # settings saved before pool_stats existed pooled mean and std
        settings = {**settings, "pool_stats": ["mean", "std"]}
    missing = [k for k in SETTING_KEYS if k not in settings]
    if missing:
        raise FeatureError(f"settings are missing {', '.join(missing)}; build them with feature_settings(cfg)")
    out: dict[str, Any] = {}
    for k in SETTING_KEYS:
        v = settings[k]
        if isinstance(v, np.generic):
            v = v.item()
        out[k] = check(k, v)
    names = out["frame_features"]
    out["frame_features"] = [n for n in FRAME_FEATURES if n in set(names)]
    out["pool_stats"] = check_stats(out["pool_stats"])
    if out["fmax"] is not None and out["fmax"] > out["sample_rate"] / 2:
        raise ConfigError(f"fmax={out['fmax']} is above the Nyquist frequency of sample_rate={out['sample_rate']}")
    if out["fmax"] is not None and out["fmax"] <= out["fmin"]:
        raise ConfigError(f"fmax={out['fmax']} must be above fmin={out['fmin']}")
    if out["hop_length"] > out["n_fft"]:
        raise ConfigError(f"hop_length={out['hop_length']} must not exceed n_fft={out['n_fft']}")
    return out


def group_settings(settings: dict, *, transform_key: str | None, seed: int) -> dict[str, dict]:
    """The settings that key each cache group of :func:`ser_utils.features.extract`.

    Returns
    -------
    dict
        ``{"logmel": {...}, "frame": {...}}``: the waveform settings (sample rate,
        trimming, transform key and seed, cache version, librosa version) plus, for
        ``logmel``, the mel settings and, for ``frame``, ``n_fft`` and ``hop_length``.
        Their hashes name the cache folders, so a change here invalidates the cache.
    """
    import librosa

    wave = {
        "sample_rate": settings["sample_rate"],
        "trim_silence": settings["trim_silence"],
        "trim_top_db": settings["trim_top_db"] if settings["trim_silence"] else None,
        "min_duration_s": MIN_TRIMMED_S if settings["trim_silence"] else None,
        "transform_key": transform_key,
        "seed": int(seed) if transform_key is not None else None,
        "cache_version": CACHE_VERSION,
        "librosa": librosa.__version__,
    }
    return {
        "logmel": {**wave, **{k: settings[k] for k in ("n_mels", "n_fft", "hop_length", "fmin", "fmax")}},
        "frame": {**wave, "n_fft": settings["n_fft"], "hop_length": settings["hop_length"]},
    }

