"""Augmentation: waveform perturbations, the config-built transform, SpecAugment, mixup."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ser_utils.errors import ConfigError
from ser_utils.prep.augment import augment_waveform, make_transform, mixup, spec_augment

SR = 8000


def _tone(seconds: float = 0.5, sr: int = SR) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_all_off_returns_equal_float32_copy():
    y = _tone()
    out = augment_waveform(y, SR, np.random.default_rng(0))
    assert out.dtype == np.float32 and out is not y
    np.testing.assert_array_equal(out, y)


def test_noise_has_requested_snr():
    y = _tone(2.0)
    out = augment_waveform(y, SR, np.random.default_rng(0), noise_snr_db=10.0)
    noise = out - y
    snr = 10 * np.log10(np.mean(y**2) / np.mean(noise**2))
    assert abs(snr - 10.0) < 0.3


def test_shift_is_circular_roll_and_gain_clips():
    y = _tone()
    out = augment_waveform(y, SR, np.random.default_rng(1), shift_s=0.1)
    k = next(k for k in range(-800, 801) if np.array_equal(np.roll(y, k), out))
    assert k != 0
    loud = augment_waveform(np.full(100, 0.9, np.float32), SR, np.random.default_rng(2), gain_db=40.0)
    assert loud.max() <= 1.0 and loud.min() >= -1.0
    assert len(np.unique(loud)) == 1 and loud[0] != np.float32(0.9)


def test_pitch_and_stretch_change_signal_deterministically():
    y = _tone()
    a = augment_waveform(y, SR, np.random.default_rng(5), pitch_semitones=2.0, stretch=0.2)
    b = augment_waveform(y, SR, np.random.default_rng(5), pitch_semitones=2.0, stretch=0.2)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    assert len(a) != len(y)  # stretched
    p = augment_waveform(y, SR, np.random.default_rng(5), pitch_semitones=2.0)
    assert len(p) == len(y) and not np.allclose(p, y, atol=1e-3)


def test_bad_arguments():
    with pytest.raises(ConfigError, match="rng"):
        augment_waveform(_tone(), SR, 0)
    with pytest.raises(ConfigError, match="stretch"):
        augment_waveform(_tone(), SR, np.random.default_rng(0), stretch=1.5)
    with pytest.raises(ConfigError, match="shape"):
        augment_waveform(np.zeros((2, 10)), SR, np.random.default_rng(0))


def test_make_transform_key_and_off():
    cfg = dict(aug_noise_snr_db=20.0, aug_pitch_semitones=0.0, aug_stretch=0.0, aug_shift_s=0.1, aug_gain_db=3.0)
    fn, key = make_transform(cfg)
    assert json.loads(key)["augment_waveform"]["noise_snr_db"] == 20.0
    assert make_transform(dict(cfg))[1] == key  # stable
    assert make_transform({**cfg, "aug_gain_db": 4.0})[1] != key
    y = _tone()
    np.testing.assert_array_equal(
        fn(y, SR, np.random.default_rng(3)),
        augment_waveform(y, SR, np.random.default_rng(3), noise_snr_db=20.0, shift_s=0.1, gain_db=3.0),
    )
    off = dict(aug_noise_snr_db=None, aug_pitch_semitones=0.0, aug_stretch=0.0, aug_shift_s=0.0, aug_gain_db=0.0)
    assert make_transform(off) == (None, None)


def test_spec_augment_masks_within_lengths_and_copies():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 50, 20, 2)).astype(np.float32) + 5.0  # no natural zeros
    lengths = rng.integers(10, 40, size=16)
    X0 = X.copy()
    out = spec_augment(X, rng=np.random.default_rng(1), lengths=lengths, time_masks=2, time_width=8, freq_masks=0)
    np.testing.assert_array_equal(X, X0)  # input untouched
    assert out.shape == X.shape
    masked_any = False
    for i, L in enumerate(lengths):
        np.testing.assert_array_equal(out[i, L:], X[i, L:])  # nothing masked beyond the real frames
        frames = (out[i] == 0).all(axis=(1, 2))
        assert frames.sum() <= 16
        masked_any |= frames.any()
    assert masked_any
    f = spec_augment(X, rng=np.random.default_rng(2), time_masks=0, freq_masks=1, freq_width=5, fill=-1.0)
    bands = (f == -1.0).all(axis=(1, 3))  # (n, F) bands masked across all frames/channels
    assert bands.sum(axis=1).max() <= 5 and bands.any()
    assert ((f == -1.0) == bands[:, None, :, None]).all()  # masks are whole bands only


def test_mixup_convex_and_labels_sum_to_one():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4, 3, 1)).astype(np.float32)
    Y = np.eye(8, dtype=np.float32)[rng.integers(0, 8, size=10)]
    Xm, Ym = mixup(X, Y, rng=np.random.default_rng(1), alpha=0.4)
    assert Xm.shape == X.shape and Ym.shape == Y.shape
    np.testing.assert_allclose(Ym.sum(axis=1), 1.0, atol=1e-6)
    assert not np.allclose(Xm, X)
    assert Xm.min() >= X.min() - 1e-6 and Xm.max() <= X.max() + 1e-6
    Xs, Ys = mixup(X, Y, rng=np.random.default_rng(1), alpha=0.0)
    np.testing.assert_array_equal(Xs, X)
    with pytest.raises(ConfigError):
        mixup(X, Y[:5], rng=rng, alpha=0.2)
