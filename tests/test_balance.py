"""Balancing: oversampling and SMOTE give balanced classes; class weights; clear errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ser_utils.errors import ConfigError, DataError, FallbackWarning
from ser_utils.prep.balance import balance, class_weights


def _data(counts=(10, 4, 2), shape=(6, 5, 1), seed=0):
    rng = np.random.default_rng(seed)
    y = np.concatenate([np.full(c, k) for k, c in enumerate(counts)])
    X = (rng.normal(size=(len(y),) + shape) + y[:, None, None, None] * 10).astype(np.float32)
    return X, y


def test_oversample_repeats_rows_and_balances():
    X, y = _data()
    Xr, yr, idx = balance(X, y, method="oversample", seed=1)
    assert np.bincount(yr).tolist() == [10, 10, 10]
    assert Xr.shape == (30,) + X.shape[1:] and Xr.dtype == np.float32
    np.testing.assert_array_equal(Xr, X[idx])
    np.testing.assert_array_equal(yr, y[idx])
    np.testing.assert_array_equal(idx[: len(y)], np.arange(len(y)))  # originals first
    idx2 = balance(X, y, method="oversample", seed=1)[2]
    np.testing.assert_array_equal(idx, idx2)


def test_smote_balances_and_marks_synthetic_rows():
    X, y = _data()
    with pytest.warns(FallbackWarning, match="1 neighbours instead of 5"):
        Xr, yr, idx = balance(X, y, method="smote", seed=0)
    assert np.bincount(yr).tolist() == [10, 10, 10]
    assert Xr.shape == (30,) + X.shape[1:] and Xr.dtype == np.float32
    np.testing.assert_array_equal(Xr[: len(y)], X)
    assert (idx[len(y):] == -1).all() and (idx[: len(y)] == np.arange(len(y))).all()
    # synthetic rows of class 2 lie between class-2 examples (k adapted to 1 neighbour)
    syn = Xr[idx == -1][yr[idx == -1] == 2]
    lo = np.minimum(X[y == 2][0], X[y == 2][1])
    hi = np.maximum(X[y == 2][0], X[y == 2][1])
    assert ((syn >= lo - 1e-5) & (syn <= hi + 1e-5)).all()


def test_smote_with_a_single_example_class_repeats_that_row_and_says_so():
    X, y = _data(counts=(5, 1, 3))
    with pytest.warns(FallbackWarning) as rec:
        Xr, yr, idx = balance(X, y, method="smote", seed=0)
    msg = " ".join(str(w.message) for w in rec)
    assert "calm has one: that row is repeated instead" in msg and "2 neighbours instead of 5" in msg
    assert np.bincount(yr).tolist() == [5, 5, 5]
    np.testing.assert_array_equal(Xr[: len(y)], X)  # originals first, in order
    lone = np.flatnonzero(y == 1)[0]
    copies = np.flatnonzero((yr == 1) & (np.arange(len(yr)) >= len(y)))
    assert len(copies) == 4 and (idx[copies] == lone).all()  # the row itself, not an interpolation
    np.testing.assert_array_equal(Xr[copies], np.repeat(X[lone : lone + 1], 4, axis=0))
    syn = np.flatnonzero(idx == -1)
    assert len(syn) == 2 and (yr[syn] == 2).all()  # class 2 interpolated as before
    lo, hi = X[y == 2].min(axis=0), X[y == 2].max(axis=0)
    assert ((Xr[syn] >= lo - 1e-5) & (Xr[syn] <= hi + 1e-5)).all()
    with pytest.warns(FallbackWarning):
        again = balance(X, y, method="smote", seed=0)
    np.testing.assert_array_equal(again[0], Xr)  # deterministic


def test_smote_of_a_large_training_set_is_unchanged():
    from imblearn.over_sampling import SMOTE

    X, y = _data(counts=(30, 12, 9))
    with warnings.catch_warnings():
        warnings.simplefilter("error", FallbackWarning)  # 9 rows: 5 neighbours, no fallback
        Xr, yr, idx = balance(X, y, method="smote", seed=3)
    Xs, ys = SMOTE(k_neighbors=5, random_state=3).fit_resample(X.reshape(len(y), -1), y)
    np.testing.assert_array_equal(Xr.reshape(len(yr), -1), Xs)
    np.testing.assert_array_equal(yr, ys)


def test_none_and_class_weight_unchanged():
    X, y = _data()
    for m in ("none", "class_weight"):
        Xr, yr, idx = balance(X, y, method=m)
        assert Xr is X and yr is y
        np.testing.assert_array_equal(idx, np.arange(len(y)))
    with pytest.raises(ConfigError, match="unknown balance"):
        balance(X, y, method="undersample")


def test_class_weights_balanced_and_absent_zero():
    y = np.array([0] * 6 + [1] * 3 + [3] * 3)
    w = class_weights(y, n_classes=5)
    assert sorted(w) == [0, 1, 2, 3, 4]
    assert w[2] == 0.0 and w[4] == 0.0
    np.testing.assert_allclose([w[0], w[1], w[3]], [12 / (3 * 6), 12 / (3 * 3), 12 / (3 * 3)])
    # weighted counts are equal across present classes
    assert w[0] * 6 == pytest.approx(w[1] * 3)
    with pytest.raises(DataError):
        class_weights(np.array([0, 9]), n_classes=8)
