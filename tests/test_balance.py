"""Balancing: oversampling and SMOTE give balanced classes; class weights; clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from ser_utils.errors import ConfigError, DataError
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


def test_smote_single_example_class_is_a_clear_error():
    X, y = _data(counts=(5, 1))
    with pytest.raises(DataError, match=r"class\(es\) \[1\] have 1"):
        balance(X, y, method="smote")


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
