"""The classic model: scikit-learn classifiers on pooled per-file vectors, and their storage.

The pooled vectors (:func:`ser_utils.features.pool`: statistics over time of every log-mel
band and frame feature) carry most of what separates emotions across speakers
(docs/experiments.md). This module fits the classifier that the model bundle keeps beside
the CRNN and averages with it (``fusion_weight``), and saves it without pickle: in the
`skops <https://skops.readthedocs.io>`_ format (a zip of JSON and ``.npy`` arrays), loaded
back trusting scikit-learn types only.

Kinds (``classic_model``):

- ``"svm"``: ``StandardScaler`` → RBF ``SVC(C, gamma=classic_gamma / n_features,
  class_weight="balanced")`` with Platt-scaled probabilities fitted by internal 5-fold
  cross-validation (``CalibratedClassifierCV(method="sigmoid", ensemble=False)``);
- ``"logreg"``: ``StandardScaler`` → multinomial ``LogisticRegression(C,
  class_weight="balanced")``;
- ``"svm+logreg"``: the average of the two models' probabilities (soft voting).

Small training sets (:func:`fit` says so with a :class:`ser_utils.errors.FallbackWarning`):
the SVM's calibration uses as many folds as the smallest class has files (2 to 5); a class
with a single training file leaves no fold to calibrate on, so the logistic regression
alone is fitted instead (``"svm"`` and ``"svm+logreg"``); with a single class the model
predicts that class (a constant model, :func:`kind_of` ``"constant"``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..config import EMOTIONS
from ..errors import DataError, ModelError, fallback

__all__ = ["KINDS", "fit", "fit_configured", "kind_of", "probabilities", "save", "load"]

#: Classifier kinds :func:`fit` builds.
KINDS: tuple[str, ...] = ("svm", "logreg", "svm+logreg")


def _check_matrix(P: Any, name: str) -> np.ndarray:
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] == 0 or P.shape[1] == 0:
        raise DataError(f"{name} must be a non-empty matrix of shape (n_files, n_features), got shape {P.shape}")
    if not np.isfinite(P).all():
        raise DataError(f"{name} holds NaN or infinite values")
    return P


def _estimator(kind: str, *, n_features: int, C_svm: float, C_logreg: float, gamma: float, seed: int, cv: int):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    svm = CalibratedClassifierCV(
        SVC(kernel="rbf", C=C_svm, gamma=gamma / n_features, class_weight="balanced", random_state=seed),
        method="sigmoid",
        cv=cv,
        ensemble=False,
    )
    logreg = LogisticRegression(C=C_logreg, max_iter=3000, class_weight="balanced", random_state=seed)
    if kind == "svm":
        return svm
    if kind == "logreg":
        return logreg
    return VotingClassifier([("svm", svm), ("logreg", logreg)], voting="soft")


def fit(
    P: Any,
    y: Any,
    *,
    kind: str = "svm",
    C_svm: float = 10.0,
    C_logreg: float = 0.01,
    gamma: float = 0.3,
    seed: int = 42,
):
    """Fit the classic model on pooled vectors (already normalised as the caller wants).

    Parameters
    ----------
    P : array-like, shape (n_files, n_features)
        Pooled vectors of the training files only.
    y : array-like of int, shape (n_files,)
        Labels ``0 .. n_classes - 1``.
    kind : {"svm", "logreg", "svm+logreg"}
    C_svm, C_logreg : float > 0
        Inverse regularisation of the SVM and of the logistic regression.
    gamma : float > 0
        RBF width as a multiple of ``1 / n_features`` (the inputs are standardised, so
        ``gamma=1`` is scikit-learn's ``"scale"``).
    seed : int

    Returns
    -------
    sklearn.pipeline.Pipeline
        ``StandardScaler`` then the classifier; has ``predict_proba`` and ``classes_``.

    Raises
    ------
    ModelError
        Unknown ``kind`` or a non-positive ``C``/``gamma``.
    DataError
        Shapes that do not match, or no finite vectors.

    Warns
    -----
    FallbackWarning
        Fewer than 5 files of a class (calibration folds reduced), a class with a single
        file (the logistic regression instead of the SVM: :func:`kind_of` tells what was
        fitted), or a single class (a constant model).
    """
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if kind not in KINDS:
        raise ModelError(f"classic model kind must be one of {', '.join(KINDS)}, got {kind!r}")
    for name, v in (("C_svm", C_svm), ("C_logreg", C_logreg), ("gamma", gamma)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            raise ModelError(f"{name} must be a positive number, got {v!r}")
    X = _check_matrix(P, "P")
    yy = np.asarray(y, dtype=np.int64)
    if yy.shape != (X.shape[0],):
        raise DataError(f"y must have shape ({X.shape[0]},) to match P, got {yy.shape}")
    classes, counts = np.unique(yy, return_counts=True)
    if classes.size < 2:
        from sklearn.dummy import DummyClassifier

        fallback(
            f"the classic model ({kind}) needs training files of at least two classes, but all {len(yy)} are "
            f"{_name(classes[0])}: a constant model that always predicts {_name(classes[0])} instead"
        )
        est: Any = DummyClassifier(strategy="prior")
    else:
        if "svm" in kind and counts.min() < 2:
            lonely = ", ".join(_name(c) for c in classes[counts < 2])
            fallback(
                f"the SVM's probability calibration needs at least two training files of every class, but {lonely} "
                f"{'has' if (counts < 2).sum() == 1 else 'have'} one (of {len(yy)} files): "
                f"the logistic regression alone instead of {kind}"
            )
            kind = "logreg"
        elif "svm" in kind and counts.min() < 5:
            small = classes[counts == counts.min()][0]
            fallback(
                f"the SVM's probability calibration uses {int(counts.min())} cross-validation folds instead of 5 "
                f"({_name(small)} has {int(counts.min())} training files of {len(yy)})"
            )
        est = _estimator(
            kind, n_features=X.shape[1], C_svm=float(C_svm), C_logreg=float(C_logreg), gamma=float(gamma),
            seed=int(seed), cv=int(min(5, counts.min())),
        )
    model = Pipeline([("scale", StandardScaler()), ("clf", est)])
    model.fit(X, yy)
    return model


def _name(label: Any) -> str:
    """The emotion of a label ``0..7`` (else the label itself)."""
    i = int(label)
    return EMOTIONS[i] if 0 <= i < len(EMOTIONS) else str(label)


def kind_of(model) -> str:
    """What :func:`fit` fitted: ``"svm"``, ``"logreg"``, ``"svm+logreg"`` or ``"constant"`` (one class).

    Parameters
    ----------
    model : fitted Pipeline from :func:`fit` (or :func:`load`)
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import VotingClassifier

    clf = model.named_steps["clf"] if hasattr(model, "named_steps") else model
    if isinstance(clf, VotingClassifier):
        return "svm+logreg"
    if isinstance(clf, CalibratedClassifierCV):
        return "svm"
    if isinstance(clf, DummyClassifier):
        return "constant"
    return "logreg"


def probabilities(model, P: Any, *, n_classes: int) -> np.ndarray:
    """Class probabilities of pooled vectors.

    Parameters
    ----------
    model : fitted Pipeline from :func:`fit` (or :func:`load`)
    P : array-like, shape (n, n_features)
    n_classes : int

    Returns
    -------
    np.ndarray, float64, shape (n, n_classes)
        Rows sum to 1; a class the model never saw gets probability 0.
    """
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2:
        raise DataError(f"P must have shape (n, n_features), got {P.shape}")
    out = np.zeros((P.shape[0], n_classes))
    if P.shape[0] == 0:
        return out
    n_in = getattr(model, "n_features_in_", P.shape[1])
    if P.shape[1] != n_in:
        raise DataError(f"the classic model takes {n_in} pooled features, got {P.shape[1]}")
    classes = np.asarray(model.classes_, dtype=np.int64)
    if classes.min() < 0 or classes.max() >= n_classes:
        raise ModelError(f"the classic model's classes {classes.tolist()} do not fit {n_classes} labels")
    out[:, classes] = model.predict_proba(P)
    return out


def fit_configured(P: Any, y: Any, cfg: dict[str, Any]):
    """:func:`fit` with a configuration's ``classic_model``, ``classic_C``, ``classic_logreg_C``, ``classic_gamma``, ``seed``.

    Parameters
    ----------
    P : array, shape (n, d)
    y : array of int, shape (n,)
    cfg : dict
        From :func:`ser_utils.config.resolve`.
    """
    return fit(
        P,
        y,
        kind=cfg["classic_model"],
        C_svm=cfg["classic_C"],
        C_logreg=cfg["classic_logreg_C"],
        gamma=cfg["classic_gamma"],
        seed=cfg["seed"],
    )


def _svms(obj, seen: set[int] | None = None) -> list:
    """Every fitted SVC inside a (nested) scikit-learn model: pipelines, voting, calibration."""
    from sklearn.base import BaseEstimator
    from sklearn.svm import SVC

    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, SVC):
        return [obj] if hasattr(obj, "support_vectors_") else []
    if isinstance(obj, (list, tuple)):
        return [m for x in obj for m in _svms(x, seen)]
    if isinstance(obj, BaseEstimator) or type(obj).__module__.startswith("sklearn."):
        return [m for v in vars(obj).values() for m in _svms(v, seen)]
    return []


def save(model, path: str | os.PathLike, *, precision: str = "float32") -> Path:
    """Write a fitted model in the skops format (no pickle).

    The SVMs' support vectors (most of the file) are stored as ``precision``: float32
    halves the bundle, and kernel values then differ from the original by about 1e-7,
    relative; float16 halves it again, and probabilities move by up to about 0.1 (mean
    1e-5: the shipped model uses it only for a part with a small fusion weight). :func:`load`
    restores the float64 that libsvm needs.
    """
    import skops.io as sio

    if precision not in ("float32", "float16"):
        raise ModelError(f"precision must be 'float32' or 'float16', got {precision!r}")
    path = Path(path)
    svms = _svms(model)
    originals = [m.support_vectors_ for m in svms]
    try:
        for m in svms:
            m.support_vectors_ = m.support_vectors_.astype(precision)
        sio.dump(model, path)
    finally:
        for m, sv in zip(svms, originals):
            m.support_vectors_ = sv
    return path


def load(path: str | os.PathLike):
    """Read a model written by :func:`save`, trusting scikit-learn (and numpy) types only.

    Raises
    ------
    ModelError
        The file is missing or unreadable, or holds a type from outside scikit-learn.
    """
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"classic model file {path} is missing")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModelError(f"{path} is not a readable skops file ({type(exc).__name__}: {exc})") from None
    foreign = [t for t in untrusted if not t.startswith(("sklearn.", "numpy."))]
    if foreign:
        raise ModelError(f"{path} holds types from outside scikit-learn, refusing to load them: {', '.join(foreign)}")
    try:
        model = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelError(f"{path} could not be loaded ({type(exc).__name__}: {exc})") from None
    for m in _svms(model):  # stored as float32 (or float16) by save()
        m.support_vectors_ = np.ascontiguousarray(m.support_vectors_, dtype=np.float64)
    return model
