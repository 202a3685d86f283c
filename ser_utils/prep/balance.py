"""Class balancing, for the training part only (after the split, augmentation and normalisation).

- ``oversample``: random oversampling (``imblearn.over_sampling.RandomOverSampler``) of
  row indices, so ``X`` is never flattened: minority-class rows are repeated.
- ``smote``: SMOTE (``imblearn.over_sampling.SMOTE``) on flattened inputs, reshaped back;
  synthetic rows interpolate two same-class neighbours (``k_neighbors`` = 5, fewer when a
  class has fewer rows). A class with a single row has no neighbour: its row is repeated
  instead (random oversampling), and :func:`balance` says so (a
  :class:`ser_utils.errors.FallbackWarning`).
- ``class_weight``: data unchanged; train with :func:`class_weights`.
- ``none``: data unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import EMOTIONS
from ..errors import ConfigError, DataError, fallback

__all__ = ["METHODS", "balance", "class_weights"]

METHODS: tuple[str, ...] = ("oversample", "smote", "class_weight", "none")


def _check(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    y = np.asarray(y)
    if y.ndim != 1 or X.ndim < 2 or len(X) != len(y):
        raise DataError(f"expected X of shape (n, ...) and y of shape (n,), got {X.shape} and {y.shape}")
    if len(y) == 0:
        raise DataError("cannot balance an empty training set")
    if not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"y must hold integer class labels, got dtype {y.dtype}")
    return X, y


def balance(X: np.ndarray, y: np.ndarray, *, method: str, seed: int = 42) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Balance the classes of a training set.

    Parameters
    ----------
    X : np.ndarray, shape (n, ...)
        e.g. ``(n, n_frames, n_mels, n_channels)``.
    y : np.ndarray of int, shape (n,)
    method : {"oversample", "smote", "class_weight", "none"}
    seed : int

    Returns
    -------
    X_res : np.ndarray, shape (n_res, ...)
        The original rows first, in order, then the added rows. For ``class_weight``
        and ``none`` this is ``X`` itself (not a copy).
    y_res : np.ndarray of int, shape (n_res,)
    index : np.ndarray of int, shape (n_res,)
        Row of ``X`` each output row comes from; ``-1`` for SMOTE's synthetic rows.

    Raises
    ------
    ConfigError
        Unknown method.
    DataError
        Bad shapes.

    Warns
    -----
    FallbackWarning
        SMOTE with fewer than 6 rows of a class (fewer neighbours), or with a class of a
        single row (that row repeated instead; its index is then that row's, not -1).
    """
    if method not in METHODS:
        raise ConfigError(f"unknown balance method {method!r}; expected one of {', '.join(METHODS)}")
    X, y = _check(X, y)
    n = len(y)
    if method in ("class_weight", "none") or len(np.unique(y)) < 2:
        return X, y, np.arange(n)
    if method == "oversample":
        from imblearn.over_sampling import RandomOverSampler

        ros = RandomOverSampler(random_state=seed)
        ros.fit_resample(np.arange(n).reshape(-1, 1), y)
        index = np.asarray(ros.sample_indices_, dtype=np.int64)
        return X[index], y[index], index
    from imblearn.over_sampling import SMOTE

    classes, counts = np.unique(y, return_counts=True)
    target = int(counts.max())
    lonely = classes[(counts < 2) & (counts < target)]  # nothing to add when every class has one row
    if len(lonely):
        fallback(
            f"SMOTE needs two training rows of a class to interpolate between, but {_names(lonely)} "
            f"{'has' if len(lonely) == 1 else 'have'} one: that row is repeated instead (random oversampling)"
        )
    pairs = classes[(counts >= 2) & (counts < target)]
    n_min = int(counts[counts >= 2].min()) if (counts >= 2).any() else 0
    if len(pairs) and n_min < 6:
        fallback(
            f"SMOTE interpolates between {n_min - 1} neighbours instead of 5 (the smallest class has {n_min} rows)"
        )
    index = np.arange(n)
    X_out, y_out = X, y
    if len(pairs):
        sm = SMOTE(
            sampling_strategy={int(c): target for c in pairs},
            k_neighbors=int(min(5, n_min - 1)),
            random_state=seed,
        )
        keep = np.isin(y, classes[counts >= 2])
        X_flat, y_res = sm.fit_resample(X[keep].reshape(int(keep.sum()), -1), y[keep])
        added = len(y_res) - int(keep.sum())  # imblearn appends the synthetic rows after the rows it was given
        X_new = np.asarray(X_flat[len(X_flat) - added :], dtype=X.dtype).reshape((added,) + X.shape[1:])
        X_out = np.concatenate([X, X_new])
        y_out = np.concatenate([y, np.asarray(y_res[len(y_res) - added :], dtype=y.dtype)])
        index = np.concatenate([index, np.full(added, -1)])
    for c in lonely:
        row = int(np.flatnonzero(y == c)[0])
        copies = np.full(target - 1, row)
        X_out = np.concatenate([X_out, X[copies]])
        y_out = np.concatenate([y_out, y[copies]])
        index = np.concatenate([index, copies])
    return X_out, np.asarray(y_out, dtype=y.dtype), index.astype(np.int64)


def _names(labels: Any) -> str:
    """``"neutral, calm"`` for labels ``0..7`` (else the labels themselves)."""
    return ", ".join(EMOTIONS[int(c)] if 0 <= int(c) < len(EMOTIONS) else str(c) for c in labels)


def class_weights(y: np.ndarray, *, n_classes: int = 8) -> dict[int, float]:
    """Class weights inversely proportional to class frequency (scikit-learn's "balanced").

    ``weight[c] = n / (n_present_classes * count[c])``. Classes absent from ``y`` get
    weight ``0.0`` (they have no examples to weigh), so the dict always has
    ``n_classes`` keys, ready for ``keras.Model.fit(class_weight=...)``.

    Parameters
    ----------
    y : np.ndarray of int, shape (n,)
        Labels in ``0..n_classes-1``.
    n_classes : int

    Returns
    -------
    weights : dict of int to float
    """
    from sklearn.utils.class_weight import compute_class_weight

    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0 or not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"y must be a non-empty 1-D array of integer labels, got shape {y.shape}, dtype {y.dtype}")
    if y.min() < 0 or y.max() >= n_classes:
        raise DataError(f"labels must be in 0..{n_classes - 1}, got {y.min()}..{y.max()}")
    present = np.unique(y)
    w = compute_class_weight("balanced", classes=present, y=y)
    out = {c: 0.0 for c in range(n_classes)}
    out.update({int(c): float(v) for c, v in zip(present, w)})
    return out
