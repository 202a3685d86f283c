"""Recipes: build and train a model from a configuration, and fit the classic part.

The one place a model is built and trained from a configuration (:func:`fit_model`) and
the classic model on pooled vectors is fitted (:func:`fit_classic`): notebook 04 (through
:func:`ser_utils.pipeline.train_model`), notebook 05 (for a bundle without a classic part)
and ``benchmarks/cv_speaker.py`` all call these. Both take the output of
:func:`ser_utils.prep.prepare.prepare_datasets`; test data never reaches them.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..config import EMOTIONS
from ..errors import recording_fallbacks
from ..prep import normalise
from . import architectures, classic, train

__all__ = ["fit_model", "fit_classic", "classic_probabilities"]


def fit_model(cfg: dict[str, Any], prepared, *, log=print):
    """Build ``cfg["model"]`` and fit it on ``prepared``'s training part (validation for early stopping).

    Parameters
    ----------
    cfg : dict
        A resolved configuration (:func:`ser_utils.config.resolve`).
    prepared : ser_utils.prep.prepare.Prepared
        ``X_train`` of shape ``(n, n_frames, n_mels, n_channels)``, ``y_train`` ``(n,)``,
        ``X_val``/``y_val``, ``class_weight`` and ``len_train``.
    log : callable or None
        Receives one line per epoch.

    Returns
    -------
    model : keras.Model
    info : dict
        ``history``, ``epochs_run``, ``best_epoch``, ``train_time_s``, ``stopped_early``...
        (:func:`ser_utils.models.train.fit`), and ``fallbacks``: what small data changed
        (e.g. no validation part, so no early stopping), each a sentence, also sent to ``log``.
    """
    train.configure_threads()
    m = architectures.build_model(
        cfg["model"],
        input_shape=tuple(prepared.X_train.shape[1:]),
        n_classes=len(EMOTIONS),
        **architectures.model_params(cfg),
    )
    with recording_fallbacks(log=log, label="CRNN training") as notes:
        info = train.fit(
            m,
            X_train=prepared.X_train,
            y_train=prepared.y_train,
            X_val=prepared.X_val,
            y_val=prepared.y_val,
            cfg=cfg,
            class_weight=prepared.class_weight,
            len_train=prepared.len_train,
            log=log,
        )
    info["fallbacks"] = list(notes)
    return m, info


def _pooled_fit_part(prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled vectors, labels and actors of the training and validation files.

    Shapes ``(n, d)``, ``(n,)`` and ``(n,)``; original files only.
    """
    parts = prepared.split_df["part"].to_numpy()
    actors = np.concatenate(
        [prepared.split_df["actor"].to_numpy()[parts == "train"], prepared.meta_val["actor"].to_numpy()]
    )
    P = np.concatenate([prepared.P_train, prepared.P_val])
    y = np.concatenate([prepared.y_train_pooled, prepared.y_val])
    return P, y, actors.astype(np.int64)


def fit_classic(
    cfg: dict[str, Any], prepared, *, log=print
) -> tuple[Any, dict[str, np.ndarray] | None, dict[str, Any]]:
    """Fit the classic model (:mod:`ser_utils.models.classic`) on the training and validation pooled vectors.

    It needs no validation part (nothing is early-stopped), so it learns from every
    non-test file; the test part never reaches it. With ``normalisation="per_speaker"``
    each actor's vectors are standardised with that actor's statistics first
    (:func:`ser_utils.prep.normalise.fit_pooled` / :func:`~ser_utils.prep.normalise.apply_pooled`;
    the statistics of the training actors are returned for the bundle).

    Returns
    -------
    model : sklearn Pipeline
    norm : dict of np.ndarray or None
        :func:`ser_utils.prep.normalise.fit_pooled` of the training vectors (per_speaker only).
    info : dict
        The bundle's ``classic`` settings: ``kind`` (what was fitted:
        :func:`ser_utils.models.classic.kind_of`), ``kind_asked`` (``classic_model``), ``C``,
        ``gamma``, ``logreg_C``, ``fusion_weight``, ``n_features``, ``feature_names``,
        ``normalisation``, ``n_files``, ``fit_time_s``, ``fallbacks`` (what small data
        changed, each a sentence, also sent to ``log``; e.g. fewer calibration folds).
    """
    P, y, actors = _pooled_fit_part(prepared)
    norm = None
    per_speaker = prepared.settings.get("normalisation", cfg["normalisation"]) == "per_speaker"
    if per_speaker:
        norm = normalise.fit_pooled(P, actors)
        P = normalise.apply_pooled(P, norm, actors=list(actors))
    t0 = time.perf_counter()
    with recording_fallbacks(log=log, label="classic model") as notes:
        model = classic.fit_configured(P, y, cfg)
    info = {
        "kind": classic.kind_of(model),
        "kind_asked": cfg["classic_model"],
        "C": cfg["classic_C"],
        "gamma": cfg["classic_gamma"],
        "logreg_C": cfg["classic_logreg_C"],
        "fusion_weight": cfg["fusion_weight"],
        "n_features": int(P.shape[1]),
        "feature_names": list(prepared.pooled_names),
        "normalisation": "per_speaker" if per_speaker else "none",
        "n_files": int(P.shape[0]),
        "fit_time_s": round(time.perf_counter() - t0, 2),
        "fallbacks": list(notes),
    }
    return model, norm, info


def classic_probabilities(
    model: Any,
    norm: dict[str, np.ndarray] | None,
    P: np.ndarray,
    actors: list[int | None],
    *,
    n_classes: int = len(EMOTIONS),
) -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` of raw pooled vectors ``P`` ``(n, d)`` by a :func:`fit_classic` model.

    With ``norm`` (per-speaker statistics) each actor's vectors are standardised first, as
    in training (:func:`ser_utils.prep.normalise.apply_pooled`); ``actors`` has length n.
    The bundle's classic part and the benchmark both use this.
    """
    P = np.asarray(P, dtype=np.float64)
    if len(P) and norm is not None:
        P = normalise.apply_pooled(P, norm, actors=actors)
    return classic.probabilities(model, P, n_classes=n_classes)
