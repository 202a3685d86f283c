"""Model inputs: variable-length log-mel spectrograms and pooled per-file vectors, cached.

Pipeline of one file (:func:`extract`)::

    load (sample_rate) -> transform (optional augmentation) -> trim silence
        -> |STFT|^2 -> log-mel (n_mels, t)           [cache group "logmel"]
                    -> frame features -> pooled      [cache group "frame"]

The fixed model-input length is *not* chosen here: :func:`extract` keeps every file's
own number of frames (``FeatureSet.index["n_frames"]``) and :func:`fix_length` crops or
pads to a length that ``prepare`` picks from the training part only.

The cache
---------
Entries are keyed by the file's **content** (manifest column ``sha1``) and by the
settings that affect each *feature group*, so that changing a setting recomputes only
what depends on it::

    cache_dir/
      logmel-<hash12>.json        settings of the group (readable)
      logmel-<hash12>/<sha1>.npy  fields logmel (n_mels, t) float32, n_samples (trimmed length)
      frame-<hash12>.json
      frame-<hash12>/<sha1>.npy   one field per frame feature: its pooled vector, e.g. "mfcc.n40", "f0"

Each entry is one ``.npy`` file holding a 0-d structured array (no pickle; a single
read, ~2.5x faster than an ``.npz``: 2036 entries of each group read in well under a
second).

* ``logmel`` depends on sample_rate, trim_silence, trim_top_db, n_mels, n_fft,
  hop_length, fmin, fmax (and the transform key / seed, and the code version);
* ``frame`` depends on sample_rate, trimming, n_fft, hop_length (and transform);
  inside an entry each feature is stored under its own key (``n_mfcc`` is part of the
  MFCC keys), so adding a feature or changing ``n_mfcc`` computes only the missing
  keys, and changing ``n_mels`` never recomputes F0 or chroma.
* ``deltas`` is recorded in the settings for ``prepare`` but affects no cache entry.

Writes are atomic: each entry is written to a temporary file in the same folder and
moved into place with :func:`os.replace`, so a run killed half-way never leaves a
half-written entry under its final name (stale ``*.tmp`` files older than an hour are
swept). An entry that cannot be read back (truncated, corrupt, wrong shape) counts as a
miss and is recomputed and rewritten. A failed cache *write* (``OSError``, e.g. a full
disk) is counted in ``stats["cache_write_errors"]`` and does not stop the extraction.
Entries are not fsync'ed: after a power loss a damaged entry is simply recomputed.

Progress
--------
:func:`extract` shows a ``tqdm.auto`` bar (a widget in JupyterLab) and prints a one-line
summary. Set the environment variable ``SER_NO_PROGRESS=1`` to disable the bar (the
report runner does this: under papermill/nbconvert a widget bar renders as broken
output in the HTML); the summary line is still printed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ..data import audio
from ..config import FRAME_FEATURES, PARAMS, POOL_STATS
from ..errors import ArtifactMissingError, ConfigError, FeatureError

__all__ = [
    "SETTING_KEYS",
    "DEFAULT_POOLED_FEATURES",
    "FeatureSet",
    "feature_settings",
    "logmel",
    "add_deltas",
    "frame_features",
    "frame_feature_names",
    "pool",
    "pooled_feature_names",
    "extract",
    "fix_length",
    "save_feature_set",
    "load_feature_set",
]

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

#: Frame features pooled for the classic baseline when ``frame_features`` is empty:
#: MFCCs (``n_mfcc``, 40 by default) and their deltas, as the seed notebooks used.
DEFAULT_POOLED_FEATURES: tuple[str, ...] = ("mfcc", "mfcc_delta")

#: Bumped whenever the computation changes, so that old cache entries are not reused.
_CACHE_VERSION = 2
#: Trimming never keeps less than this much audio (seconds); see :func:`ser_utils.data.audio.trim`.
MIN_TRIMMED_S = 0.25
#: Mel bands behind the MFCCs (librosa's default), independent of ``n_mels``.
_MFCC_MELS = 128
#: Spectral contrast: bands and the highest lowest-band edge (librosa's defaults).
_CONTRAST_BANDS = 6
_CONTRAST_FMIN = 200.0
#: F0 search range (Hz), C2..C7.
_F0_MIN, _F0_MAX = 65.4, 2093.0
_PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: Parallel workers only when each gets at least this many files to compute.
_MIN_FILES_PER_WORKER = 200
_TMP_SUFFIX = ".tmp"
_STALE_TMP_S = 3600.0

Transform = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]


# ----------------------------------------------------------------------------------
# settings
# ----------------------------------------------------------------------------------


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
    return _validate_settings({k: cfg[k] for k in SETTING_KEYS})


def _validate_settings(settings: dict) -> dict:
    from ..config import check

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
    out["pool_stats"] = _check_stats(out["pool_stats"])
    if out["fmax"] is not None and out["fmax"] > out["sample_rate"] / 2:
        raise ConfigError(f"fmax={out['fmax']} is above the Nyquist frequency of sample_rate={out['sample_rate']}")
    if out["fmax"] is not None and out["fmax"] <= out["fmin"]:
        raise ConfigError(f"fmax={out['fmax']} must be above fmin={out['fmin']}")
    if out["hop_length"] > out["n_fft"]:
        raise ConfigError(f"hop_length={out['hop_length']} must not exceed n_fft={out['n_fft']}")
    return out


# ----------------------------------------------------------------------------------
# per-signal features
# ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _mel_basis(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None, quiet: bool = False) -> np.ndarray:
    """librosa's mel filterbank, memoised; ``quiet`` silences its empty-filter warning
    (for the MFCCs' fixed 128 bands; the log-mel input's own bands do warn once)."""
    import librosa

    with warnings.catch_warnings():
        if quiet:
            warnings.filterwarnings("ignore", message=".*[Ee]mpty filters.*")
        basis = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, dtype=np.float32)
    basis.setflags(write=False)
    return basis


def _check_wave(y: np.ndarray, what: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise FeatureError(f"{what} must be a mono waveform of shape (n,), got shape {y.shape}")
    if y.shape[0] == 0:
        raise FeatureError(f"{what} is empty; expected at least one sample")
    if not np.issubdtype(y.dtype, np.floating):
        raise FeatureError(f"{what} must be floating point in [-1, 1], got dtype {y.dtype}")
    return np.ascontiguousarray(y, dtype=np.float32)


def _check_frames(sr: int, n_fft: int, hop_length: int) -> None:
    if int(sr) <= 0 or int(n_fft) <= 0 or int(hop_length) <= 0:
        raise FeatureError(f"sr, n_fft and hop_length must be positive, got sr={sr}, n_fft={n_fft}, hop_length={hop_length}")
    if hop_length > n_fft:
        raise FeatureError(f"hop_length={hop_length} must not exceed n_fft={n_fft}")


def _pad_to(y: np.ndarray, n: int) -> np.ndarray:
    return y if y.shape[0] >= n else np.pad(y, (0, n - y.shape[0]))


def _magnitude(y: np.ndarray, *, n_fft: int, hop_length: int) -> np.ndarray:
    """|STFT| of ``y`` (zero-padded to ``n_fft`` if shorter), shape (1 + n_fft // 2, t)."""
    import librosa

    y = _pad_to(y, n_fft)
    return np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length, center=True))


def _logmel_from_power(
    P: np.ndarray, *, sr: int, n_mels: int, n_fft: int, fmin: float, fmax: float | None, mel_power_cache: dict | None = None
) -> np.ndarray:
    """Log-mel from a power spectrogram; the mel power goes into ``mel_power_cache``."""
    import librosa

    key = (int(sr), int(n_fft), int(n_mels), float(fmin), None if fmax is None else float(fmax))
    M = _mel_basis(*key) @ P
    if mel_power_cache is not None:
        mel_power_cache[key] = M
    return librosa.power_to_db(M, ref=np.max, top_db=80.0).astype(np.float32, copy=False)


def logmel(
    y: np.ndarray,
    *,
    sr: int,
    n_mels: int,
    n_fft: int,
    hop_length: int,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> np.ndarray:
    """Log-mel spectrogram in dB relative to the file's peak.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono waveform; shorter than ``n_fft`` is zero-padded at the end.
    sr : int
        Sample rate (Hz).
    n_mels, n_fft, hop_length : int
        Mel bands, FFT size, hop (samples); frames are centred (librosa's default).
    fmin, fmax : float
        Mel frequency range (Hz); ``fmax=None`` is ``sr / 2``.

    Returns
    -------
    S_db : np.ndarray, float32, shape (n_mels, t)
        ``power_to_db(mel, ref=np.max, top_db=80)``: values in [-80, 0] dB,
        ``t = 1 + max(n, n_fft) // hop_length``. A silent input gives all zeros.
    """
    y = _check_wave(y)
    _check_frames(sr, n_fft, hop_length)
    if n_mels < 1:
        raise FeatureError(f"n_mels must be >= 1, got {n_mels}")
    P = _magnitude(y, n_fft=n_fft, hop_length=hop_length) ** 2
    return _logmel_from_power(P, sr=sr, n_mels=n_mels, n_fft=n_fft, fmin=fmin, fmax=fmax)


def _delta(X: np.ndarray, order: int) -> np.ndarray:
    """librosa.feature.delta along time, working for any number of frames."""
    import librosa

    t = X.shape[-1]
    mode = "interp" if t >= 9 else "nearest"
    return librosa.feature.delta(X, order=order, width=9, axis=-1, mode=mode).astype(np.float32, copy=False)


def add_deltas(S: np.ndarray, *, order: int) -> np.ndarray:
    """Stack a spectrogram with its delta (and delta-delta) as channels.

    Parameters
    ----------
    S : np.ndarray, shape (n_mels, t)
    order : int
        0: ``S`` only; 1: ``S`` and its delta; 2: ``S``, delta and delta-delta
        (``librosa.feature.delta``, width 9; any ``t >= 1`` works).

    Returns
    -------
    C : np.ndarray, float32, shape (order + 1, n_mels, t)
    """
    S = np.asarray(S)
    if S.ndim != 2 or S.shape[1] == 0:
        raise FeatureError(f"add_deltas expects a spectrogram of shape (n_mels, t) with t >= 1, got shape {S.shape}")
    if order not in (0, 1, 2):
        raise FeatureError(f"order must be 0, 1 or 2, got {order!r}")
    S = S.astype(np.float32, copy=False)
    chans = [S] + [_delta(S, k) for k in range(1, order + 1)]
    return np.stack(chans, axis=0)


def _check_names(names: Iterable[str]) -> list[str]:
    if isinstance(names, str):
        names = [names]
    names = list(names)
    bad = [n for n in names if n not in FRAME_FEATURES]
    if bad:
        raise FeatureError(f"unknown frame feature(s) {', '.join(map(repr, bad))}; expected some of {', '.join(FRAME_FEATURES)}")
    return [n for n in FRAME_FEATURES if n in set(names)]


def _check_n_mfcc(n_mfcc: int) -> None:
    spec = PARAMS["n_mfcc"]
    if isinstance(n_mfcc, bool) or not isinstance(n_mfcc, (int, np.integer)) or not spec.low <= n_mfcc <= spec.high:
        raise FeatureError(f"n_mfcc must be an integer in {int(spec.low)}-{int(spec.high)}, got {n_mfcc!r}")


def frame_feature_names(names: Iterable[str], *, n_mfcc: int) -> list[str]:
    """Row names of :func:`frame_features` for the same ``names`` and ``n_mfcc``.

    Parameters
    ----------
    names : iterable of str
        Features from :data:`ser_utils.config.FRAME_FEATURES` (any order; the result
        follows the canonical order).
    n_mfcc : int

    Returns
    -------
    list of str
        e.g. ``mfcc_01..mfcc_40``, ``mfcc_delta_01..``, ``chroma_C..chroma_B``,
        ``contrast_1..contrast_7``, ``zcr``, ``rms``, ``centroid``, ``bandwidth``,
        ``rolloff``, ``f0``.
    """
    _check_n_mfcc(n_mfcc)
    out: list[str] = []
    for n in _check_names(names):
        out.extend(_rows(n, n_mfcc))
    return out


def _rows(name: str, n_mfcc: int) -> list[str]:
    if name.startswith("mfcc"):
        return [f"{name}_{i:02d}" for i in range(1, n_mfcc + 1)]
    if name == "chroma":
        return [f"chroma_{p}" for p in _PITCH_CLASSES]
    if name == "contrast":
        return [f"contrast_{i}" for i in range(1, _CONTRAST_BANDS + 2)]
    return [name]


def _frame_feature_dict(
    y: np.ndarray, mag: np.ndarray, *, sr: int, names: Sequence[str], n_mfcc: int, n_fft: int, hop_length: int,
    mel_power_cache: dict | None = None,
) -> dict[str, np.ndarray]:
    """Each requested feature as (k, t) float32, from the waveform and its |STFT|."""
    import librosa

    out: dict[str, np.ndarray] = {}
    P = None
    mfcc = None
    y = _pad_to(y, n_fft)
    for name in names:
        if name.startswith("mfcc"):
            if mfcc is None:
                key = (int(sr), int(n_fft), _MFCC_MELS, 0.0, None)
                M = None if mel_power_cache is None else mel_power_cache.get(key)
                if M is None:
                    P = mag**2 if P is None else P
                    M = _mel_basis(*key, quiet=True) @ P
                mfcc = librosa.feature.mfcc(S=librosa.power_to_db(M, top_db=80.0), n_mfcc=n_mfcc).astype(np.float32)
            F = mfcc if name == "mfcc" else _delta(mfcc, 1 if name == "mfcc_delta" else 2)
        elif name == "chroma":
            P = mag**2 if P is None else P
            F = librosa.feature.chroma_stft(S=P, sr=sr, n_fft=n_fft, hop_length=hop_length, tuning=0.0)
        elif name == "contrast":
            fmin = min(_CONTRAST_FMIN, 0.9 * (sr / 2) / 2 ** (_CONTRAST_BANDS - 1))
            with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
                # with a tiny n_fft the lowest bands hold no bin: NaN, set to 0 below
                warnings.simplefilter("ignore", RuntimeWarning)
                F = librosa.feature.spectral_contrast(S=mag, sr=sr, n_fft=n_fft, hop_length=hop_length, fmin=fmin, n_bands=_CONTRAST_BANDS)
        elif name == "zcr":
            F = librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length=hop_length, center=True)
        elif name == "rms":
            F = librosa.feature.rms(S=mag, frame_length=n_fft, hop_length=hop_length)
        elif name == "centroid":
            F = librosa.feature.spectral_centroid(S=mag, sr=sr, n_fft=n_fft, hop_length=hop_length)
        elif name == "bandwidth":
            F = librosa.feature.spectral_bandwidth(S=mag, sr=sr, n_fft=n_fft, hop_length=hop_length)
        elif name == "rolloff":
            F = librosa.feature.spectral_rolloff(S=mag, sr=sr, n_fft=n_fft, hop_length=hop_length)
        elif name == "f0":
            fmin = max(_F0_MIN, 1.01 * sr / (n_fft // 2))
            fmax = min(_F0_MAX, 0.5 * sr)
            fmin = min(fmin, 0.5 * fmax)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*periods of fmin.*")
                F = librosa.yin(y, fmin=fmin, fmax=fmax, sr=sr, frame_length=n_fft, hop_length=hop_length, center=True)[None, :]
        else:  # pragma: no cover - names are validated
            raise FeatureError(f"unknown frame feature {name!r}")
        F = np.nan_to_num(np.asarray(F, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        out[name] = F
    if out:
        t = min(F.shape[1] for F in out.values())
        out = {k: np.ascontiguousarray(F[:, :t]) for k, F in out.items()}
    return out


def frame_features(
    y: np.ndarray,
    *,
    sr: int,
    names: Iterable[str],
    n_mfcc: int,
    n_fft: int,
    hop_length: int,
) -> np.ndarray:
    """Frame-level descriptors of a waveform, stacked.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono waveform (zero-padded to ``n_fft`` if shorter).
    sr : int
    names : iterable of str
        Any of :data:`ser_utils.config.FRAME_FEATURES`:
        ``mfcc`` (``n_mfcc`` rows, from 128 mel bands, librosa's default),
        ``mfcc_delta``, ``mfcc_delta2`` (``n_mfcc`` rows each),
        ``chroma`` (12, ``chroma_stft``, tuning 0), ``contrast`` (7, spectral contrast,
        6 bands), ``zcr``, ``rms``, ``centroid``, ``bandwidth``, ``rolloff`` (1 each),
        ``f0`` (1, Hz, ``librosa.yin`` over C2-C7 with ``frame_length=n_fft``; pyin is
        ~100x slower and not used). Rows follow the canonical order, whatever the
        order of ``names``.
    n_mfcc : int
        13-40.
    n_fft, hop_length : int
        Frame size and hop (samples); frames are centred.

    Returns
    -------
    F : np.ndarray, float32, shape (n_features, t)
        ``n_features = len(frame_feature_names(names, n_mfcc=n_mfcc))``,
        ``t = 1 + max(n, n_fft) // hop_length``; finite.
    """
    y = _check_wave(y)
    _check_frames(sr, n_fft, hop_length)
    _check_n_mfcc(n_mfcc)
    names = _check_names(names)
    if not names:
        raise FeatureError("names is empty; expected at least one of " + ", ".join(FRAME_FEATURES))
    mag = _magnitude(y, n_fft=n_fft, hop_length=hop_length)
    d = _frame_feature_dict(y, mag, sr=sr, names=names, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length)
    return np.concatenate([d[n] for n in names], axis=0)


def _check_stats(stats: Iterable[str]) -> list[str]:
    """``stats`` in the canonical order of :data:`ser_utils.config.POOL_STATS`; at least one."""
    stats = [stats] if isinstance(stats, str) else list(stats)
    bad = [x for x in stats if x not in POOL_STATS]
    if bad:
        raise FeatureError(f"unknown pooling statistic(s) {', '.join(map(repr, bad))}; expected some of {', '.join(POOL_STATS)}")
    if not stats:
        raise FeatureError("pool_stats is empty; expected at least one of " + ", ".join(POOL_STATS))
    return [x for x in POOL_STATS if x in set(stats)]


def pool(F: np.ndarray, *, stats: Sequence[str] = ("mean", "std")) -> np.ndarray:
    """Statistics of each row over time: a fixed-size vector from a variable-length matrix.

    Parameters
    ----------
    F : np.ndarray, shape (n_features, t), t >= 1
    stats : sequence of str
        Any of :data:`ser_utils.config.POOL_STATS` (taken in that order): ``mean``,
        ``std``, ``p10``/``p50``/``p90`` (percentiles), ``delta_std`` (standard deviation
        of the frame-to-frame differences: how fast the row moves; 0 when ``t == 1``) and
        ``slope`` (least-squares slope per frame: rising or falling; 0 when ``t == 1``).

    Returns
    -------
    v : np.ndarray, float32, shape (len(stats) * n_features,)
        One block of ``n_features`` values per statistic, e.g.
        ``[mean_0, ..., mean_{k-1}, std_0, ..., std_{k-1}]`` for the default (see
        :func:`pooled_feature_names`).
    """
    stats = _check_stats(stats)
    F = np.asarray(F)
    if F.ndim != 2 or F.shape[1] == 0:
        raise FeatureError(f"pool expects a matrix of shape (n_features, t) with t >= 1, got shape {F.shape}")
    F = F.astype(np.float64, copy=False)
    t = F.shape[1]
    blocks = []
    pct = {"p10": 10.0, "p50": 50.0, "p90": 90.0}
    wanted = [pct[x] for x in stats if x in pct]
    q = dict(zip([x for x in stats if x in pct], np.percentile(F, wanted, axis=1))) if wanted else {}
    for x in stats:
        if x == "mean":
            blocks.append(F.mean(axis=1))
        elif x == "std":
            blocks.append(F.std(axis=1))
        elif x in pct:
            blocks.append(q[x])
        elif x == "delta_std":
            blocks.append(np.diff(F, axis=1).std(axis=1) if t > 1 else np.zeros(F.shape[0]))
        else:  # slope
            if t > 1:
                tc = np.arange(t, dtype=np.float64) - (t - 1) / 2.0
                blocks.append((F - F.mean(axis=1, keepdims=True)) @ tc / float(tc @ tc))
            else:
                blocks.append(np.zeros(F.shape[0]))
    return np.concatenate(blocks).astype(np.float32)


def pooled_feature_names(row_names: Sequence[str], *, stats: Sequence[str] = ("mean", "std")) -> list[str]:
    """Names of :func:`pool`'s output for rows named ``row_names``: ``<row>_mean``..., ``<row>_std``..."""
    return [f"{r}_{x}" for x in _check_stats(stats) for r in row_names]


def _pooled_layout(settings: dict) -> list[str]:
    """Frame features that :func:`extract` pools for these settings (canonical order)."""
    return list(settings["frame_features"]) or list(DEFAULT_POOLED_FEATURES)


def _frame_key(name: str, n_mfcc: int, stats: Sequence[str] = ("mean", "std")) -> str:
    key = f"{name}.n{n_mfcc}" if name.startswith("mfcc") else name
    stats = list(stats)
    # mean+std entries keep their original keys, so caches written before pool_stats stay valid
    return key if stats == ["mean", "std"] else key + "." + "-".join(stats)


# ----------------------------------------------------------------------------------
# FeatureSet
# ----------------------------------------------------------------------------------


@dataclass
class FeatureSet:
    """What :func:`extract` returns, aligned row by row with ``index``.

    Attributes
    ----------
    logmels : list of np.ndarray, float32, each (n_mels, t_i)
        Variable-length log-mels in dB (trimmed when ``trim_silence``).
    pooled : np.ndarray, float32, shape (n_files, d)
        Per-file vectors for the classic model: the ``pool_stats`` statistics over time of every
        log-mel band, then of each pooled frame feature (see :func:`extract`).
    pooled_names : list of str, length d
    index : pd.DataFrame
        The manifest's columns (reset index) plus ``n_frames`` (int, ``t_i``) and
        ``trimmed_duration_s`` (float, the analysed signal's duration).
    settings : dict
        :func:`feature_settings` of the run, plus ``transform_key`` and ``seed``.
    stats : dict
        ``n_files``, ``cached_files``, ``computed_files``, ``hits``, ``misses``,
        ``groups`` (per cache group: folder, hits, misses), ``corrupt_entries``,
        ``cache_write_errors``, ``seconds``, ``files_per_s``, ``n_jobs``.
    """

    logmels: list[np.ndarray]
    pooled: np.ndarray
    pooled_names: list[str]
    index: pd.DataFrame
    settings: dict
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.logmels)

    @property
    def n_mels(self) -> int:
        """Mel bands of the log-mels."""
        return int(self.settings["n_mels"])


# ----------------------------------------------------------------------------------
# cache
# ----------------------------------------------------------------------------------


def _hash(obj: Any, n: int = 12) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:n]


def _group_settings(settings: dict, *, transform_key: str | None, seed: int) -> dict[str, dict]:
    import librosa

    wave = {
        "sample_rate": settings["sample_rate"],
        "trim_silence": settings["trim_silence"],
        "trim_top_db": settings["trim_top_db"] if settings["trim_silence"] else None,
        "min_duration_s": MIN_TRIMMED_S if settings["trim_silence"] else None,
        "transform_key": transform_key,
        "seed": int(seed) if transform_key is not None else None,
        "cache_version": _CACHE_VERSION,
        "librosa": librosa.__version__,
    }
    return {
        "logmel": {**wave, **{k: settings[k] for k in ("n_mels", "n_fft", "hop_length", "fmin", "fmax")}},
        "frame": {**wave, "n_fft": settings["n_fft"], "hop_length": settings["hop_length"]},
    }


def _atomic_write(path: Path, write: Callable[[Any], None]) -> None:
    """Write through ``write(fileobj)`` into a temp file beside ``path``, then os.replace."""
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=_TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    _atomic_write(path, lambda f: np.savez(f, **arrays))


def _write_record(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """One ``.npy`` holding a 0-d structured array with a field per array."""
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    rec = np.zeros((), dtype=[(k, v.dtype.newbyteorder("<"), v.shape) for k, v in arrays.items()])
    for k, v in arrays.items():
        rec[k] = v
    _atomic_write(path, lambda f: np.save(f, rec, allow_pickle=False))


def _load_record(path: Path) -> np.ndarray | None:
    """A 0-d structured array from :func:`_write_record`; None when absent; _Corrupt when unreadable."""
    try:
        rec = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        return None
    except Exception:
        raise _Corrupt from None
    if not isinstance(rec, np.ndarray) or rec.shape != () or rec.dtype.names is None:
        raise _Corrupt
    return rec


def _write_json(path: Path, obj: Any) -> None:
    text = json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n"
    _atomic_write(path, lambda f: f.write(text.encode()))


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def _read_logmel(path: Path, n_mels: int) -> tuple[np.ndarray, int] | None:
    """A cached log-mel entry, or None when missing or unusable (a miss)."""
    rec = _load_record(path)
    if rec is None:
        return None
    if rec.dtype.names != ("logmel", "n_samples"):
        raise _Corrupt
    S, n_samples = rec["logmel"], int(rec["n_samples"])
    if S.dtype != np.float32 or S.ndim != 2 or S.shape[0] != n_mels or S.shape[1] < 1 or n_samples < 1 or not np.isfinite(S).all():
        raise _Corrupt
    return S, n_samples


def _read_frame(path: Path) -> dict[str, np.ndarray] | None:
    rec = _load_record(path)
    if rec is None:
        return None
    d = {k: rec[k] for k in rec.dtype.names}
    for v in d.values():
        if v.dtype != np.float32 or v.ndim != 1 or v.size == 0 or not np.isfinite(v).all():
            raise _Corrupt
    return d


class _Corrupt(Exception):
    """An unreadable cache entry (internal)."""


def _sweep_tmp(folder: Path) -> None:
    now = time.time()
    for p in folder.glob("*" + _TMP_SUFFIX):
        try:
            if now - p.stat().st_mtime > _STALE_TMP_S:
                p.unlink()
        except OSError:
            pass


def _file_sha1(path: str | os.PathLike) -> str:
    h = hashlib.sha1()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise FeatureError(f"{path}: cannot read the file to hash it ({exc})") from None
    return h.hexdigest()


def _rng(seed: int, sha1: str, transform_key: str | None) -> np.random.Generator:
    k = int.from_bytes(hashlib.sha256(str(transform_key).encode()).digest()[:16], "big")
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(sha1, 16), k]))


# ----------------------------------------------------------------------------------
# the work on one file (runs in the workers)
# ----------------------------------------------------------------------------------


@dataclass
class _Job:
    sha1: str
    path: str
    need_logmel: bool
    need_frame: list[str]  # feature names to compute
    frame_old: dict[str, np.ndarray]  # existing (valid) frame entry to merge into


def _compute_one(job: _Job, ctx: dict) -> dict:
    s = ctx["settings"]
    sr, n_fft, hop = s["sample_rate"], s["n_fft"], s["hop_length"]
    try:
        y = audio.load(job.path, sr=sr)
    except Exception as exc:
        raise FeatureError(f"{job.path}: cannot load for feature extraction ({exc})") from None
    transform = ctx["transform"]
    if transform is not None:
        y = transform(y, sr, _rng(ctx["seed"], job.sha1, ctx["transform_key"]))
        y = _check_wave(y, what=f"transform(...) output for {job.path}")
        if not np.isfinite(y).all():
            raise FeatureError(f"transform(...) returned NaN or infinite samples for {job.path}")
    if s["trim_silence"]:
        y, _ = audio.trim(y, sr=sr, top_db=s["trim_top_db"], min_duration_s=MIN_TRIMMED_S)
    n_samples = int(y.shape[0])
    mag = _magnitude(y, n_fft=n_fft, hop_length=hop)
    out: dict[str, Any] = {"sha1": job.sha1, "write_errors": 0}
    mel_cache: dict = {}
    if job.need_logmel:
        P = mag**2
        # with the default 128 bands over 0..sr/2, the MFCCs reuse this mel power
        S = _logmel_from_power(P, sr=sr, n_mels=s["n_mels"], n_fft=n_fft, fmin=s["fmin"], fmax=s["fmax"], mel_power_cache=mel_cache)
        out["logmel"], out["n_samples"] = S, n_samples
        if ctx["dirs"] is not None:
            try:
                _write_record(ctx["dirs"]["logmel"] / f"{job.sha1}.npy", {"logmel": S, "n_samples": np.int64(n_samples)})
            except OSError:
                out["write_errors"] += 1
    if job.need_frame:
        d = _frame_feature_dict(y, mag, sr=sr, names=job.need_frame, n_mfcc=s["n_mfcc"], n_fft=n_fft, hop_length=hop, mel_power_cache=mel_cache)
        new = {_frame_key(n, s["n_mfcc"], s["pool_stats"]): pool(F, stats=s["pool_stats"]) for n, F in d.items()}
        out["frame"] = new
        if ctx["dirs"] is not None:
            try:
                _write_record(ctx["dirs"]["frame"] / f"{job.sha1}.npy", {**job.frame_old, **new})
            except OSError:
                out["write_errors"] += 1
    return out


def _compute_chunk(jobs: list[_Job], ctx: dict) -> list[dict]:
    return [_compute_one(j, ctx) for j in jobs]


# ----------------------------------------------------------------------------------
# extract
# ----------------------------------------------------------------------------------


def _progress_enabled(progress: bool | str) -> bool:
    if progress not in (True, False, "auto"):
        raise FeatureError(f"progress must be True, False or 'auto', got {progress!r}")
    if progress is False:
        return False
    return os.environ.get("SER_NO_PROGRESS", "").strip() not in ("1", "true", "yes")


def extract(
    manifest: pd.DataFrame,
    *,
    settings: dict,
    cache_dir: str | os.PathLike | None,
    n_jobs: int = -1,
    progress: bool | str = True,
    transform: Transform | None = None,
    transform_key: str | None = None,
    seed: int = 0,
    summary: bool = True,
) -> FeatureSet:
    """Log-mels and pooled vectors of every file of a manifest, cached on disk.

    Each file is loaded at ``sample_rate`` (mono), passed through ``transform`` if
    given, trimmed of leading/trailing silence (``trim_silence``, ``trim_top_db``;
    never shorter than 0.25 s), then analysed. Cache hits are read in this process;
    misses are computed in parallel (joblib/loky, chunks of files per task) and written
    to the cache by the workers.

    What is pooled (``FeatureSet.pooled``: the ``pool_stats`` statistics over time,
    :func:`pool`; see ``pooled_names``): every log-mel band (``logmel_001..``), then the frame features
    of ``settings["frame_features"]``; when that list is empty the baseline set
    :data:`DEFAULT_POOLED_FEATURES` (MFCC ``n_mfcc`` + deltas, as the seeds used).

    Parameters
    ----------
    manifest : pd.DataFrame
        One row per file; needs ``path`` and ``file_id``; ``sha1`` (content hash, the
        cache key) is computed with hashlib when absent. Other columns are kept in
        ``FeatureSet.index``. The manifest's ``sha1`` is trusted: a file changed after
        its hash was taken must be rescanned.
    settings : dict
        :func:`feature_settings` of the configuration.
    cache_dir : str, path-like or None
        Cache folder (created); ``None`` disables the cache.
    n_jobs : int
        Worker processes (-1: all cores; 1: in this process). Each worker must get at
        least 200 files to compute (a worker takes ~2-3 s to start), so runs with fewer
        misses are computed in this process whatever ``n_jobs``.
    progress : bool or "auto"
        Show a ``tqdm.auto`` bar; disabled when the environment variable
        ``SER_NO_PROGRESS=1`` is set (the report runner sets it for papermill).
        A one-line summary is printed at the end unless ``summary=False``.
    transform : callable, optional
        ``transform(y, sr, rng) -> y``, a waveform augmentation (``y`` float32 ``(n,)``),
        applied after loading and before trimming. Must be picklable by loky
        (module-level functions, ``functools.partial``, lambdas all work).
    transform_key : str, optional
        Names the transform and its parameters; part of the cache key and of the seed
        of ``rng``. Required with ``transform`` when the cache is on.
    seed : int
        With ``transform``: ``rng = np.random.default_rng`` seeded from
        ``(seed, file sha1, transform_key)``, so results are reproducible and cacheable.
    summary : bool
        Print the one-line summary (files, cache hits, seconds).

    Returns
    -------
    FeatureSet

    Raises
    ------
    FeatureError
        Bad manifest, settings or arguments; a file that cannot be loaded.
    ConfigError
        A setting is out of range.
    """
    t0 = time.perf_counter()
    s = _validate_settings(settings)
    if not isinstance(manifest, pd.DataFrame):
        raise FeatureError(f"manifest must be a pandas DataFrame, got {type(manifest).__name__}")
    missing = [c for c in ("path", "file_id") if c not in manifest.columns]
    if missing:
        raise FeatureError(f"manifest lacks column(s) {', '.join(missing)}; expected the output of ser_utils.data.corpus.scan")
    if len(manifest) == 0:
        raise FeatureError("manifest is empty; expected at least one file to extract")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise FeatureError(f"n_jobs must be a non-zero integer (-1 = all cores), got {n_jobs!r}")
    if transform is not None and not callable(transform):
        raise FeatureError(f"transform must be callable as transform(y, sr, rng), got {type(transform).__name__}")
    if transform_key is not None and (not isinstance(transform_key, str) or not transform_key):
        raise FeatureError(f"transform_key must be a non-empty string, got {transform_key!r}")
    if transform is None and transform_key is not None:
        raise FeatureError("transform_key given without transform; pass both or neither")
    if transform is not None and transform_key is None and cache_dir is not None:
        raise FeatureError(
            "transform given without transform_key: the cache needs a key naming the transform and "
            "its parameters (e.g. transform_key='noise20_pitch2'); pass one, or cache_dir=None"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise FeatureError(f"seed must be a non-negative integer, got {seed!r}")
    show = _progress_enabled(progress)

    index = manifest.reset_index(drop=True).copy()
    paths = [str(p) for p in index["path"]]
    if "sha1" in index.columns and index["sha1"].notna().all():
        sha1s = [str(h) for h in index["sha1"]]
    else:
        sha1s = [_file_sha1(p) for p in paths]
        index["sha1"] = sha1s
    bad = [h for h in sha1s if len(h) != 40 or any(c not in "0123456789abcdef" for c in h)]
    if bad:
        raise FeatureError(f"manifest column sha1 must hold 40-digit lowercase hex digests, got {bad[0]!r}")

    pooled_frame = _pooled_layout(s)
    n_mfcc = s["n_mfcc"]
    pool_stats = s["pool_stats"]
    frame_keys = [_frame_key(n, n_mfcc, pool_stats) for n in pooled_frame]
    groups = _group_settings(s, transform_key=transform_key, seed=int(seed))
    dirs: dict[str, Path] | None = None
    if cache_dir is not None:
        root = Path(cache_dir)
        dirs = {}
        try:
            for g, gs in groups.items():
                d = root / f"{g}-{_hash(gs)}"
                d.mkdir(parents=True, exist_ok=True)
                meta = root / f"{d.name}.json"
                if not meta.is_file():
                    _write_json(meta, {"group": g, "settings": gs})
                _sweep_tmp(d)
                dirs[g] = d
        except OSError as exc:
            raise FeatureError(f"cannot use cache folder {root} ({exc}); pass a writable cache_dir or None") from None

    # one unit of work per distinct content
    first_path: dict[str, str] = {}
    for h, p in zip(sha1s, paths):
        first_path.setdefault(h, p)
    unique = list(first_path)

    logmels: dict[str, tuple[np.ndarray, int]] = {}
    frames: dict[str, dict[str, np.ndarray]] = {}
    jobs: list[_Job] = []
    counts = {"logmel": [0, 0], "frame": [0, 0]}  # hits, misses
    corrupt = 0
    for h in unique:
        lm = fr = None
        if dirs is not None:
            try:
                lm = _read_logmel(dirs["logmel"] / f"{h}.npy", s["n_mels"])
            except _Corrupt:
                corrupt += 1
            try:
                fr = _read_frame(dirs["frame"] / f"{h}.npy")
            except _Corrupt:
                corrupt += 1
        fr = fr or {}
        if any(k in fr and fr[k].size != len(pool_stats) * len(_rows(n, n_mfcc)) for n, k in zip(pooled_frame, frame_keys)):
            corrupt += 1  # a vector of the wrong length: rewrite the whole entry
            fr = {}
        need_frame = [n for n, k in zip(pooled_frame, frame_keys) if k not in fr]
        if lm is not None:
            logmels[h] = lm
        counts["logmel"][lm is None] += 1
        counts["frame"][bool(need_frame)] += 1
        frames[h] = fr
        if lm is None or need_frame:
            jobs.append(_Job(h, first_path[h], lm is None, need_frame, fr))

    n_workers = 1
    write_errors = 0
    if jobs:
        ctx = {"settings": s, "dirs": dirs, "transform": transform, "transform_key": transform_key, "seed": int(seed)}
        bar = None
        if show:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(unique), initial=len(unique) - len(jobs), desc="features", unit="file", leave=False)
        import joblib

        # a worker costs ~2-3 s to start (imports); below ~200 files each, one process is faster
        n_workers = max(1, min(joblib.effective_n_jobs(int(n_jobs)), len(jobs) // _MIN_FILES_PER_WORKER))
        if n_workers <= 1:
            results: Iterable[list[dict]] = (_compute_chunk([j], ctx) for j in jobs)
        else:
            size = max(1, min(32, math.ceil(len(jobs) / (n_workers * 8))))
            chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
            par = joblib.Parallel(n_jobs=n_workers, backend="loky", return_as="generator_unordered")
            results = par(joblib.delayed(_compute_chunk)(c, ctx) for c in chunks)
        limit = contextlib.nullcontext()
        if n_workers <= 1:
            # small matrix products: one BLAS thread is faster, and far faster on a busy
            # machine (loky already limits each worker's BLAS to its share of the cores)
            from threadpoolctl import threadpool_limits

            limit = threadpool_limits(limits=1, user_api="blas")
        try:
            with limit:
                for res in results:
                    for r in res:
                        if "logmel" in r:
                            logmels[r["sha1"]] = (r["logmel"], r["n_samples"])
                        if "frame" in r:
                            frames[r["sha1"]] = {**frames[r["sha1"]], **r["frame"]}
                        write_errors += r["write_errors"]
                    if bar is not None:
                        bar.update(len(res))
        finally:
            if bar is not None:
                bar.close()

    # assemble, in manifest order
    sr = s["sample_rate"]
    seen: set[str] = set()
    out_logmels = []
    for h in sha1s:  # rows of duplicate content get their own copy
        out_logmels.append(logmels[h][0] if h not in seen else logmels[h][0].copy())
        seen.add(h)
    index["n_frames"] = np.array([S.shape[1] for S in out_logmels], dtype=np.int64)
    index["trimmed_duration_s"] = np.array([logmels[h][1] / sr for h in sha1s], dtype=np.float64)
    pooled_rows = []
    for h, S in zip(sha1s, out_logmels):
        pooled_rows.append(np.concatenate([pool(S, stats=pool_stats)] + [frames[h][k] for k in frame_keys]))
    pooled = np.stack(pooled_rows).astype(np.float32, copy=False)
    names = pooled_feature_names([f"logmel_{i:03d}" for i in range(1, s["n_mels"] + 1)], stats=pool_stats)
    for n in pooled_frame:
        names += pooled_feature_names(_rows(n, n_mfcc), stats=pool_stats)
    if len(names) != pooled.shape[1]:  # pragma: no cover - internal consistency
        raise FeatureError(f"internal error: {len(names)} pooled names for {pooled.shape[1]} columns")

    seconds = time.perf_counter() - t0
    n_computed = len(jobs)
    hits = counts["logmel"][0] + counts["frame"][0]
    misses = counts["logmel"][1] + counts["frame"][1]
    stats = {
        "n_files": len(index),
        "n_unique": len(unique),
        "cached_files": len(unique) - n_computed,
        "computed_files": n_computed,
        "hits": hits,
        "misses": misses,
        "groups": {
            g: {"folder": None if dirs is None else str(dirs[g]), "hits": counts[g][0], "misses": counts[g][1]}
            for g in counts
        },
        "corrupt_entries": corrupt,
        "cache_write_errors": write_errors,
        "seconds": round(seconds, 3),
        "files_per_s": round(len(index) / seconds, 1) if seconds > 0 else float("inf"),
        "n_jobs": n_workers,
        "cache_dir": None if cache_dir is None else str(cache_dir),
    }
    extra = ""
    if corrupt:
        extra += f", {corrupt} corrupt cache entries recomputed"
    if write_errors:
        extra += f", {write_errors} cache writes failed"
    if summary:
        print(
            f"extracted {len(index)} files ({len(unique) - n_computed} cached, {n_computed} computed{extra}) "
            f"in {seconds:.1f} s, {stats['files_per_s']:.0f} files/s"
        )
    out_settings = {**s, "transform_key": transform_key, "seed": int(seed)}
    return FeatureSet(out_logmels, pooled, names, index, out_settings, stats)


# ----------------------------------------------------------------------------------
# fixed length
# ----------------------------------------------------------------------------------


def fix_length(logmels: Sequence[np.ndarray], *, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Bring variable-length log-mels to one length, time first.

    Parameters
    ----------
    logmels : sequence of np.ndarray, each (n_mels, t_i)
        Same ``n_mels`` for all.
    n_frames : int
        Target number of frames (>= 1).

    Returns
    -------
    X : np.ndarray, float32, shape (n, n_frames, n_mels)
        Longer inputs are cropped around their centre (start ``(t_i - n_frames) // 2``);
        shorter ones are padded at the end with that file's own minimum (its silence
        level in dB).
    lengths : np.ndarray, int64, shape (n,)
        Real (non-padding) frames: ``min(t_i, n_frames)``.
    """
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
        raise FeatureError(f"n_frames must be a positive integer, got {n_frames!r}")
    logmels = list(logmels)
    if not logmels:
        raise FeatureError("fix_length got no log-mels; expected a non-empty sequence of (n_mels, t) arrays")
    n_mels = None
    for i, S in enumerate(logmels):
        if not isinstance(S, np.ndarray) or S.ndim != 2 or S.shape[1] < 1:
            raise FeatureError(f"log-mel {i} must be an array of shape (n_mels, t) with t >= 1, got {getattr(S, 'shape', type(S).__name__)}")
        if n_mels is None:
            n_mels = S.shape[0]
        elif S.shape[0] != n_mels:
            raise FeatureError(f"log-mel {i} has {S.shape[0]} mel bands, expected {n_mels} like the first")
    X = np.empty((len(logmels), int(n_frames), n_mels), dtype=np.float32)
    lengths = np.empty(len(logmels), dtype=np.int64)
    for i, S in enumerate(logmels):
        t = S.shape[1]
        if t >= n_frames:
            start = (t - n_frames) // 2
            X[i] = S[:, start : start + n_frames].T
            lengths[i] = n_frames
        else:
            X[i, :t] = S.T
            X[i, t:] = S.min()
            lengths[i] = t
    return X, lengths


# ----------------------------------------------------------------------------------
# save / load
# ----------------------------------------------------------------------------------

_FS_FORMAT = 1


def save_feature_set(fs: FeatureSet, folder: str | os.PathLike) -> Path:
    """Write a :class:`FeatureSet` as ``features.npz``, ``index.csv``, ``feature_settings.json``.

    ``features.npz`` holds ``logmels`` (n_mels, sum t_i) float32 (all log-mels
    concatenated along time), ``offsets`` (n + 1,) int64 (file ``i`` is columns
    ``offsets[i]:offsets[i+1]``) and ``pooled`` (n, d) float32. The JSON holds the
    settings, stats and ``pooled_names``. Every file is written atomically.

    Returns
    -------
    Path
        The folder.
    """
    if not isinstance(fs, FeatureSet):
        raise FeatureError(f"save_feature_set expects a FeatureSet, got {type(fs).__name__}")
    n = len(fs.logmels)
    if len(fs.index) != n or fs.pooled.shape[0] != n or fs.pooled.shape[1] != len(fs.pooled_names):
        raise FeatureError(
            f"inconsistent FeatureSet: {n} log-mels, {len(fs.index)} index rows, pooled {fs.pooled.shape}, "
            f"{len(fs.pooled_names)} pooled names"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lens = np.array([S.shape[1] for S in fs.logmels], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    cat = np.concatenate(fs.logmels, axis=1).astype(np.float32, copy=False) if n else np.zeros((fs.n_mels, 0), np.float32)
    _write_npz(folder / "features.npz", {"logmels": cat, "offsets": offsets, "pooled": fs.pooled.astype(np.float32, copy=False)})
    csv = fs.index.to_csv(index=False)
    _atomic_write(folder / "index.csv", lambda f: f.write(csv.encode()))
    _write_json(
        folder / "feature_settings.json",
        {"format": _FS_FORMAT, "n_files": n, "settings": fs.settings, "stats": fs.stats, "pooled_names": list(fs.pooled_names)},
    )
    return folder


def load_feature_set(folder: str | os.PathLike) -> FeatureSet:
    """Read a :class:`FeatureSet` written by :func:`save_feature_set`.

    Raises
    ------
    ArtifactMissingError
        A file of the set is missing (run the feature-extraction notebook first).
    FeatureError
        The files are unreadable or inconsistent with one another.
    """
    folder = Path(folder)
    files = [folder / "features.npz", folder / "index.csv", folder / "feature_settings.json"]
    absent = [p.name for p in files if not p.is_file()]
    if absent:
        raise ArtifactMissingError(
            f"{folder}: no saved feature set ({', '.join(absent)} missing); run notebooks/02 (features) first"
        )
    try:
        meta = json.loads(files[2].read_text())
        with np.load(files[0], allow_pickle=False) as z:
            cat, offsets, pooled = z["logmels"], z["offsets"], z["pooled"]
        index = pd.read_csv(files[1], dtype={"sha1": str, "file_id": str, "path": str})
    except Exception as exc:
        raise FeatureError(f"{folder}: cannot read the saved feature set ({exc})") from None
    n = len(index)
    if (
        offsets.ndim != 1 or offsets.shape[0] != n + 1 or pooled.shape[0] != n or meta.get("n_files") != n
        or cat.ndim != 2 or offsets[-1] != cat.shape[1] or np.any(np.diff(offsets) < 1)
        or pooled.shape[1] != len(meta.get("pooled_names", []))
    ):
        raise FeatureError(f"{folder}: features.npz, index.csv and feature_settings.json do not agree (n={n})")
    logmels = [np.ascontiguousarray(cat[:, offsets[i] : offsets[i + 1]]) for i in range(n)]
    return FeatureSet(logmels, pooled, list(meta["pooled_names"]), index, meta["settings"], meta.get("stats", {}))
