"""The Keras head over encoder frame sequences (ser_utils.models.frame_head)."""

from __future__ import annotations

import numpy as np
import pytest

from ser_utils import config
from ser_utils.errors import ModelError
from ser_utils.models import frame_head as fh
from ser_utils.models.architectures import build_frame_head


def _clips(n: int = 64, d: int = 12, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 8
    frames = [
        (rng.normal(size=(int(rng.integers(4, 25)), d)) + 2 * np.eye(8, d)[y[i]]).astype(np.float32) for i in range(n)
    ]
    return frames, y, [1 + i % 4 for i in range(n)]


def test_pad_puts_zeros_after_each_clip_and_crops_the_centre():
    a, b = np.ones((3, 2), np.float32), np.arange(20, dtype=np.float32).reshape(10, 2) + 1
    X = fh.pad([a, b])
    assert X.shape == (2, 10, 2)
    assert np.all(X[0, 3:] == 0) and np.all(X[0, :3] == 1)
    Xc = fh.pad([a, b], max_frames=4)
    assert Xc.shape == (2, 4, 2)
    np.testing.assert_array_equal(Xc[1], b[3:7])
    with pytest.raises(ModelError, match="non-empty"):
        fh.pad([np.zeros((0, 2))])


def test_padding_does_not_change_a_clips_probabilities():
    model = build_frame_head(dim=6, units=8, attention_units=4, seed=1)
    rng = np.random.default_rng(3)
    short, long = rng.normal(size=(5, 6)).astype(np.float32), rng.normal(size=(30, 6)).astype(np.float32)
    alone = np.asarray(model.predict(short[None], verbose=0))[0]
    padded = np.asarray(model.predict(fh.pad([short, long]), verbose=0))[0]
    assert np.abs(alone - padded).max() <= 1e-6
    # and the padding really is masked: zeros counted as frames would move the result
    unmasked = np.asarray(model.predict(np.concatenate([short, np.full((25, 6), 1e-3, np.float32)])[None], verbose=0))
    assert np.abs(alone - unmasked[0]).max() > 1e-6


def test_standardise_uses_known_speakers_statistics_and_global_ones_for_none():
    frames, _, actors = _clips()
    st = fh.fit_stats(frames, actors)
    Z = fh.standardise(frames, st, actors=actors)
    rows = np.concatenate([z for z, a in zip(Z, actors, strict=True) if a == 2])
    np.testing.assert_allclose(rows.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(rows.std(0), 1, atol=1e-4)
    G = np.concatenate(fh.standardise(frames, st, actors=[None] * len(frames)))
    np.testing.assert_allclose(G.mean(0), 0, atol=1e-5)
    assert [len(z) for z in Z] == [len(f) for f in frames]


def test_fit_learns_separable_clips_and_moving_test_clips_changes_nothing():
    frames, y, actors = _clips()
    cfg = config.resolve("full", frame_head_epochs=15, frame_head_patience=15, frame_head_lr=0.01)
    st = fh.fit_stats(frames[:48], actors[:48])
    Z = fh.standardise(frames, st, actors=[None] * len(frames))
    m, info = fh.fit(Z[:40], y[:40], val_frames=Z[40:48], y_val=y[40:48], cfg=cfg)
    p = fh.probabilities(m, Z[48:])
    assert p.shape == (16, 8)
    np.testing.assert_allclose(p.sum(1), 1, atol=1e-5)
    assert (p.argmax(1) == y[48:]).mean() >= 0.75
    assert 1 <= info["best_epoch"] <= info["epochs"] <= 15
    # the statistics come from the training clips only: other test clips change nothing
    moved = [f * 5 + 3 for f in frames[48:]]
    st2 = fh.fit_stats(frames[:48], actors[:48])
    for k in st:
        np.testing.assert_array_equal(st[k], st2[k])
    Z2 = fh.standardise(frames[:48] + moved, st2, actors=[None] * len(frames))
    m2, _ = fh.fit(Z2[:40], y[:40], val_frames=Z2[40:48], y_val=y[40:48], cfg=cfg)
    for w1, w2 in zip(m.get_weights(), m2.get_weights(), strict=True):
        np.testing.assert_array_equal(w1, w2)


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ModelError, match="units"):
        build_frame_head(units=-1)
    with pytest.raises(ModelError, match="dropout"):
        build_frame_head(dropout=1.0)
    frames, y, _ = _clips(8)
    with pytest.raises(ModelError, match="validation"):
        fh.fit(frames, y, val_frames=[], y_val=[], cfg=config.resolve("full"))
    with pytest.raises(ModelError, match="actors"):
        fh.fit_stats(frames, [1, 2])
