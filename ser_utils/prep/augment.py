"""Data augmentation, for training data only.

- :func:`augment_waveform`: noise, pitch shift, time stretch, time shift and gain on a
  waveform; :func:`make_transform` builds it from the configuration for
  ``features.extract(transform=..., transform_key=...)``, which the preparation step
  applies to the training files only (after the split).
- :func:`spec_augment`: SpecAugment-style time and frequency masks on a batch of inputs.
- :func:`mixup`: convex combinations of example pairs and their labels.

Cost per file, measured on a 4 s, 22,050 Hz RAVDESS clip on the (shared, 2-core)
development machine with librosa 0.11: noise, shift and gain together about 1 ms;
pitch shift about 15 ms; time stretch about 13 ms; everything on about 30 ms, so one
augmented copy of ~1,600 training files costs under a minute before feature extraction.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError

__all__ = ["augment_waveform", "make_transform", "spec_augment", "mixup", "AUG_PARAMS"]

#: The configuration parameters that define the waveform transform, and their keywords.
AUG_PARAMS: dict[str, str] = {
    "aug_noise_snr_db": "noise_snr_db",
    "aug_pitch_semitones": "pitch_semitones",
    "aug_stretch": "stretch",
    "aug_shift_s": "shift_s",
    "aug_gain_db": "gain_db",
}


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ConfigError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return rng


def _nonneg(name: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not np.isfinite(value)
        or value < 0
    ):
        raise ConfigError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def augment_waveform(
    y: np.ndarray,
    sr: int,
    rng: np.random.Generator,
    *,
    noise_snr_db: float | None = None,
    pitch_semitones: float = 0.0,
    stretch: float = 0.0,
    shift_s: float = 0.0,
    gain_db: float = 0.0,
) -> np.ndarray:
    """Randomly perturb a waveform.

    Applied in this order, each only when switched on: pitch shift by a number of
    semitones drawn uniformly in ``[-pitch_semitones, pitch_semitones]``
    (``librosa.effects.pitch_shift``); time stretch by a rate drawn in
    ``[1 - stretch, 1 + stretch]`` (``librosa.effects.time_stretch``; the length
    changes); circular shift by up to ``shift_s`` seconds either way (``np.roll``);
    gain drawn in ``[-gain_db, gain_db]`` dB; Gaussian noise at ``noise_snr_db`` dB
    signal-to-noise ratio (relative to the signal's mean power; skipped for an all-zero
    signal). The result is clipped to ``[-1, 1]``.

    Parameters
    ----------
    y : np.ndarray, shape (n_samples,)
        Mono waveform.
    sr : int
        Its sample rate (Hz).
    rng : np.random.Generator
        Source of every random draw (same generator state, same output).
    noise_snr_db : float or None
        ``None`` = no noise.
    pitch_semitones, stretch, shift_s, gain_db : float
        ``0`` = off. ``stretch`` must be below 1.

    Returns
    -------
    y_aug : np.ndarray, float32, shape (n_samples',)
        ``n_samples' == n_samples`` unless ``stretch`` is on.

    Raises
    ------
    ConfigError
        ``y`` not a non-empty 1-D array, a bad ``sr`` or ``rng``, a negative amount.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0:
        raise ConfigError(f"y must be a non-empty mono waveform of shape (n_samples,), got shape {y.shape}")
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ConfigError(f"sr must be a positive integer sample rate, got {sr!r}")
    rng = _check_rng(rng)
    pitch = _nonneg("pitch_semitones", pitch_semitones)
    stretch = _nonneg("stretch", stretch)
    shift = _nonneg("shift_s", shift_s)
    gain = _nonneg("gain_db", gain_db)
    if stretch >= 1.0:
        raise ConfigError(f"stretch must be below 1 (the rate is drawn in 1 +/- stretch), got {stretch}")
    if noise_snr_db is not None and (
        isinstance(noise_snr_db, bool)
        or not isinstance(noise_snr_db, (int, float, np.integer, np.floating))
        or not np.isfinite(noise_snr_db)
    ):
        raise ConfigError(f"noise_snr_db must be a finite number of dB or None, got {noise_snr_db!r}")

    out = y.astype(np.float32, copy=True)
    if pitch > 0:
        import librosa

        steps = float(rng.uniform(-pitch, pitch))
        out = librosa.effects.pitch_shift(out, sr=int(sr), n_steps=steps)
    if stretch > 0:
        import librosa

        rate = float(rng.uniform(1.0 - stretch, 1.0 + stretch))
        out = librosa.effects.time_stretch(out, rate=rate)
    if shift > 0:
        k = int(round(rng.uniform(-shift, shift) * sr))
        out = np.roll(out, k)
    if gain > 0:
        out = out * np.float32(10.0 ** (rng.uniform(-gain, gain) / 20.0))
    if noise_snr_db is not None:
        power = float(np.mean(np.square(out, dtype=np.float64)))
        if power > 0:
            noise_std = np.sqrt(power / 10.0 ** (float(noise_snr_db) / 10.0))
            out = out + rng.normal(0.0, noise_std, size=out.shape).astype(np.float32)
    return np.clip(out, -1.0, 1.0).astype(np.float32, copy=False)


def make_transform(cfg: Mapping[str, Any]) -> tuple[Callable[..., np.ndarray], str] | tuple[None, None]:
    """The waveform transform that the configuration describes.

    Parameters
    ----------
    cfg : mapping
        Uses ``aug_noise_snr_db``, ``aug_pitch_semitones``, ``aug_stretch``,
        ``aug_shift_s``, ``aug_gain_db`` (missing keys = off).

    Returns
    -------
    transform : callable ``(y, sr, rng) -> y`` or None
        :func:`augment_waveform` with those settings; ``None`` when all are off.
    key : str or None
        A stable JSON string of the settings (sorted keys), for the feature cache key.
    """
    kw: dict[str, Any] = {}
    for param, kwarg in AUG_PARAMS.items():
        value = cfg.get(param)
        if kwarg == "noise_snr_db":
            kw[kwarg] = None if value is None else float(value)
        else:
            kw[kwarg] = 0.0 if value is None else _nonneg(param, value)
    if kw["noise_snr_db"] is None and not any(kw[k] for k in kw if k != "noise_snr_db"):
        return None, None
    key = json.dumps({"augment_waveform": kw}, sort_keys=True)
    return functools.partial(augment_waveform, **kw), key


def spec_augment(
    X: np.ndarray,
    *,
    rng: np.random.Generator,
    lengths: np.ndarray | None = None,
    time_masks: int = 2,
    time_width: int = 20,
    freq_masks: int = 2,
    freq_width: int = 12,
    fill: float = 0.0,
) -> np.ndarray:
    """SpecAugment-style masking (Park et al. 2019) of a batch, without time warping.

    Each example gets ``time_masks`` time masks of width drawn in ``[0, time_width]``
    frames, placed inside its real frames when ``lengths`` is given, and ``freq_masks``
    frequency masks of width drawn in ``[0, freq_width]`` mel bands; masked cells (all
    channels) are set to ``fill`` (0 = the mean after normalisation).

    Parameters
    ----------
    X : np.ndarray, shape (n, n_frames, n_mels, n_channels)
    rng : np.random.Generator
    lengths : np.ndarray of int, shape (n,), optional
        Real (non-padding) frames of each example; default all ``n_frames``.
    time_masks, time_width, freq_masks, freq_width : int
        ``0`` masks = none of that kind.
    fill : float

    Returns
    -------
    X_masked : np.ndarray, shape (n, n_frames, n_mels, n_channels)
        A copy; ``X`` is left unchanged.
    """
    X = np.asarray(X)
    if X.ndim != 4:
        raise ConfigError(f"X must be a batch of shape (n, n_frames, n_mels, n_channels), got shape {X.shape}")
    rng = _check_rng(rng)
    for name, v in (
        ("time_masks", time_masks),
        ("time_width", time_width),
        ("freq_masks", freq_masks),
        ("freq_width", freq_width),
    ):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ConfigError(f"{name} must be an integer >= 0, got {v!r}")
    n, T, F, _ = X.shape
    if lengths is None:
        L = np.full(n, T, dtype=np.int64)
    else:
        L = np.asarray(lengths).astype(np.int64)
        if L.shape != (n,) or (L < 0).any() or (L > T).any():
            raise ConfigError(f"lengths must be {n} integers in [0, {T}], got shape {L.shape}")
    out = X.copy()
    if n == 0:
        return out
    t_idx = np.arange(T)
    tmask = np.zeros((n, T), dtype=bool)
    for _ in range(int(time_masks)):
        w = np.minimum(rng.integers(0, int(time_width) + 1, size=n), L)
        start = (rng.random(n) * (L - w + 1)).astype(np.int64)
        tmask |= (t_idx >= start[:, None]) & (t_idx < (start + w)[:, None])
    f_idx = np.arange(F)
    fmask = np.zeros((n, F), dtype=bool)
    for _ in range(int(freq_masks)):
        w = rng.integers(0, min(int(freq_width), F) + 1, size=n)
        start = rng.integers(0, F - w + 1)
        fmask |= (f_idx >= start[:, None]) & (f_idx < (start + w)[:, None])
    mask = tmask[:, :, None] | fmask[:, None, :]
    out[mask] = fill
    return out


def mixup(X: np.ndarray, Y: np.ndarray, *, rng: np.random.Generator, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Mixup (Zhang et al. 2018): mix each example with a random partner.

    ``lam ~ Beta(alpha, alpha)`` per example; ``X' = lam X + (1 - lam) X[perm]`` and the
    same for ``Y``.

    Parameters
    ----------
    X : np.ndarray, shape (n, ...)
    Y : np.ndarray, shape (n, n_classes)
        One-hot or soft labels.
    rng : np.random.Generator
    alpha : float
        ``> 0``; ``0`` returns float32 copies unchanged (mixup off).

    Returns
    -------
    X_mix : np.ndarray, float32, shape (n, ...)
    Y_mix : np.ndarray, float32, shape (n, n_classes)
        Rows still sum to 1 when ``Y``'s do.
    """
    X = np.asarray(X)
    Y = np.asarray(Y)
    rng = _check_rng(rng)
    if Y.ndim != 2 or X.shape[:1] != Y.shape[:1]:
        raise ConfigError(
            f"Y must be one-hot/soft labels of shape (n, n_classes) with n = len(X) = {len(X)}, got shape {Y.shape}"
        )
    a = _nonneg("alpha", alpha)
    if a == 0 or len(X) == 0:
        return X.astype(np.float32, copy=True), Y.astype(np.float32, copy=True)
    n = len(X)
    lam = rng.beta(a, a, size=n)
    perm = rng.permutation(n)
    lx = lam.reshape((n,) + (1,) * (X.ndim - 1))
    X_mix = lx * X + (1.0 - lx) * X[perm]
    Y_mix = lam[:, None] * Y + (1.0 - lam[:, None]) * Y[perm]
    return X_mix.astype(np.float32), Y_mix.astype(np.float32)
