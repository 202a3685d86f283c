"""Normalisation: statistics from training rows only, padding ignored and zeroed, per-speaker stats."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ser_utils.errors import FeatureError
from ser_utils.prep.normalise import apply, describe, fit


def _batch(n=6, T=12, F=5, C=2, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, T, F, C)) * 3 + offset).astype(np.float32)
    L = rng.integers(3, T + 1, size=n)
    for i, l in enumerate(L):
        X[i, l:] = 999.0  # padding garbage that must never count
    return X, L


def _by_hand(X, L):
    frames = np.concatenate([X[i, :l] for i, l in enumerate(L)]).astype(np.float64)  # (sum L, F, C)
    return frames.mean(axis=0), frames.std(axis=0)


def test_global_stats_equal_hand_computed_training_stats():
    X, L = _batch()
    stats = fit(X, L, method="global")
    json.dumps(stats)  # JSON-able
    mean, std = _by_hand(X, L)
    np.testing.assert_allclose(stats["mean"], mean, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(stats["std"], std, rtol=1e-6, atol=1e-6)


def test_fitted_stats_ignore_other_parts_and_apply_uses_them():
    Xtr, Ltr = _batch(seed=1)
    Xte, Lte = _batch(seed=2, offset=50.0)
    s1 = fit(Xtr, Ltr, method="global")
    Xn1 = apply(Xte, Lte, s1)
    Xte2 = Xte + 100.0  # change the test data: the fitted stats cannot change
    s2 = fit(Xtr, Ltr, method="global")
    assert s1 == s2
    Xn2 = apply(Xte2, Lte, s2)
    assert not np.allclose(Xn1, Xn2)
    # test data standardised with training stats is far from zero-mean
    real = np.concatenate([Xn1[i, :l] for i, l in enumerate(Lte)])
    assert real.mean() > 5


def test_apply_zeroes_padding_and_standardises_training():
    X, L = _batch()
    Xn = apply(X, L, fit(X, L, method="global"))
    assert Xn.dtype == np.float32 and Xn.shape == X.shape
    for i, l in enumerate(L):
        assert (Xn[i, l:] == 0).all()
    real = np.concatenate([Xn[i, :l] for i, l in enumerate(L)])
    np.testing.assert_allclose(real.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(real.std(axis=0), 1, atol=1e-4)


def test_per_utterance_each_example_own_stats():
    X, L = _batch()
    stats = fit(X, L, method="per_utterance")
    assert "mean" not in stats
    Xn = apply(X, L, stats)
    for i, l in enumerate(L):
        np.testing.assert_allclose(Xn[i, :l].mean(axis=0), 0, atol=1e-5)
        np.testing.assert_allclose(Xn[i, :l].std(axis=0), 1, atol=1e-4)
        assert (Xn[i, l:] == 0).all()


def test_per_speaker_uses_each_actors_own_stats():
    X, L = _batch(n=8)
    X[4:] += 40.0  # actor 2 is much louder
    actors = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    stats = fit(X, L, method="per_speaker", actors=actors)
    json.dumps(stats)
    for actor in (1, 2):
        rows = actors == actor
        mean, std = _by_hand(X[rows], L[rows])
        np.testing.assert_allclose(stats["actors"][str(actor)]["mean"], mean, rtol=1e-6, atol=1e-5)
        np.testing.assert_allclose(stats["actors"][str(actor)]["std"], std, rtol=1e-6, atol=1e-5)
    Xn = apply(X, L, stats, actors=actors)
    for actor in (1, 2):
        rows = np.flatnonzero(actors == actor)
        real = np.concatenate([Xn[i, :L[i]] for i in rows])
        np.testing.assert_allclose(real.mean(axis=0), 0, atol=1e-5)
    # an unseen actor (test) is standardised with its own inputs' statistics
    Xt, Lt = _batch(n=3, seed=5, offset=-30.0)
    Xtn = apply(Xt, Lt, stats, actors=[9, 9, 9])
    real = np.concatenate([Xtn[i, :l] for i, l in enumerate(Lt)])
    np.testing.assert_allclose(real.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(real.std(axis=0), 1, atol=1e-4)
    # without actors: the global fallback
    np.testing.assert_allclose(apply(Xt, Lt, stats), apply(Xt, Lt, fit(X, L, method="global")), atol=1e-6)
    assert "transductive" in describe(stats)


def test_errors():
    X, L = _batch()
    with pytest.raises(FeatureError, match="unknown normalisation"):
        fit(X, L, method="minmax")
    with pytest.raises(FeatureError, match="needs actors"):
        fit(X, L, method="per_speaker")
    with pytest.raises(FeatureError, match="lengths"):
        fit(X, L + 100, method="global")
    with pytest.raises(FeatureError, match="n_mels"):
        apply(X[:, :, :3], L, fit(X, L, method="global"))


def test_standardise_per_actor_uses_each_actors_own_statistics():
    from ser_utils.prep.normalise import standardise_per_actor

    rng = np.random.default_rng(0)
    actors = np.array([1] * 6 + [2] * 6)
    P = rng.normal(size=(12, 3))
    P[actors == 2] = P[actors == 2] * 5.0 + 100.0  # a very different speaker
    out = standardise_per_actor(P, actors)
    for a in (1, 2):
        rows = out[actors == a]
        np.testing.assert_allclose(rows.mean(axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(rows.std(axis=0), 1.0, atol=1e-12)
    # another actor's rows never change an actor's result
    P2 = P.copy()
    P2[actors == 2] += 1e6
    np.testing.assert_array_equal(standardise_per_actor(P2, actors)[actors == 1], out[actors == 1])


def test_per_speaker_standardisation_of_pooled_vectors_is_one_computation():
    """The benchmark's transductive version is apply_pooled on fit_pooled of the same rows, bit for bit."""
    from ser_utils.prep.normalise import apply_pooled, fit_pooled, standardise_per_actor

    rng = np.random.default_rng(1)
    actors = np.array([3, 1, 3, 2, 1, 2, 3])
    P = rng.normal(size=(7, 4)) * np.array([1, 10, 100, 1000])
    out = standardise_per_actor(P, actors)
    np.testing.assert_array_equal(out, apply_pooled(P, fit_pooled(P, actors), actors=actors.tolist()))
    # by hand for actor 2 (rows 3 and 5): each value minus the pair's mean over its std
    rows = P[[3, 5]]
    np.testing.assert_allclose(out[[3, 5]], (rows - rows.mean(axis=0)) / rows.std(axis=0))
    assert standardise_per_actor(np.zeros((0, 4)), np.zeros(0, int)).shape == (0, 4)
