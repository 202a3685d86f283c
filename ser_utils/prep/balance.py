"""Class balancing, for the training part only (after the split, augmentation and normalisation).

- ``oversample``: random oversampling (``imblearn.over_sampling.RandomOverSampler``) of
  row indices, so ``X`` is never flattened: minority-class rows are repeated.
- ``smote``: SMOTE (``imblearn.over_sampling.SMOTE``) on flattened inputs, reshaped back;
  synthetic rows interpolate two same-class neighbours.
- ``class_weight``: data unchanged; train with :func:`class_weights`.
- ``none``: data unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError, DataError

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
        Bad shapes; SMOTE with a class of a single example.
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
    if counts.min() < 2:
        lonely = classes[counts < 2].tolist()
        raise DataError(
            f"SMOTE needs at least 2 examples of every class, but class(es) {lonely} have 1; "
            "use balance='oversample' or 'class_weight' instead"
        )
    k = int(min(5, counts.min() - 1))
    sm = SMOTE(k_neighbors=k, random_state=seed)
    flat = X.reshape(n, -1)
    X_flat, y_res = sm.fit_resample(flat, y)
    X_res = np.asarray(X_flat, dtype=X.dtype).reshape((len(y_res),) + X.shape[1:])
    index = np.concatenate([np.arange(n), np.full(len(y_res) - n, -1)]).astype(np.int64)
    return X_res, np.asarray(y_res, dtype=y.dtype), index


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
