"""Scoring a model bundle on the test part: from probabilities to ``metrics.json``.

:func:`score` takes the test part's class probabilities (the bundle's fused ones, the
CRNN's and the classic part's), its true labels and metadata, and gives the metrics of
the bundle, the comparison with its parts and the majority baseline, the table of
predictions and the ``metrics.json`` summary. :func:`split_summary` describes the split
the numbers come from. No TensorFlow, no files: :func:`ser_utils.pipeline.evaluate_model`
loads, calls these and saves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config import EMOTIONS
from ..errors import DataError
from . import metrics as evaluate

__all__ = ["predictions_table", "comparison_rows", "split_summary", "score", "mode_metrics", "per_corpus_table"]

_SHORT = ("accuracy", "uar", "macro_f1")


def _probs(name: str, p: Any, n: int, n_classes: int) -> np.ndarray:
    p = np.asarray(p)  # dtype kept: the predictions table shows the probabilities as given
    if p.shape != (n, n_classes):
        raise DataError(f"{name} must have shape ({n}, {n_classes}) (test files x classes), got {p.shape}")
    return p


def predictions_table(
    meta: pd.DataFrame, y_true: np.ndarray, probs: np.ndarray, *, labels: Sequence[str] = EMOTIONS
) -> pd.DataFrame:
    """One row per test file: its metadata, ``y_true``, ``y_pred``, ``true``, ``predicted``, ``p_<label>``.

    Parameters
    ----------
    meta : pd.DataFrame, n rows
        The test part's metadata (``file_id``, ``actor``, ...).
    y_true : np.ndarray of int, shape (n,)
    probs : np.ndarray, shape (n, n_classes)
        The predicted probabilities; ``y_pred`` is their argmax.
    """
    y_pred = np.asarray(probs).argmax(axis=1)
    df = meta.reset_index(drop=True).copy()
    df["y_true"] = y_true
    df["y_pred"] = y_pred
    df["true"] = [labels[i] for i in y_true]
    df["predicted"] = [labels[i] for i in y_pred]
    for i, e in enumerate(labels):
        df[f"p_{e}"] = probs[:, i]
    return df


def comparison_rows(
    y_true: np.ndarray,
    *,
    p_bundle: np.ndarray,
    p_crnn: np.ndarray,
    p_classic: np.ndarray,
    y_fit: np.ndarray,
    model_name: str,
    classic_kind: str,
    classic_per_speaker: bool,
    fusion_weight: float,
    labels: Sequence[str] = EMOTIONS,
    extra: Mapping[str, np.ndarray] | None = None,
    bundle_name: tuple[str, str] | None = None,
) -> tuple[str, str, dict[str, dict[str, Any]]]:
    """The bundle, its parts and the majority baseline, each with its metrics.

    ``extra`` (row name -> probabilities ``(n, n_classes)``) adds more parts alone before the
    majority row; ``bundle_name`` = ``(headline, model_label)`` names a bundle whose parts are
    more than the CRNN and the classic model (its prediction modes).

    Returns
    -------
    headline : str
        The bundle's row name.
    model_label : str
        ``"<model> + <classic kind>"`` when fused, else the model's name.
    rows : dict of str to dict
        Row name -> :func:`ser_utils.evaluation.metrics.metrics`; the bundle first, then
        the CRNN alone (fused bundles only), the classic model, ``majority class``
        (the most frequent label of ``y_fit``, the classic model's training labels).
    """
    m = evaluate.metrics(y_true, p_bundle.argmax(axis=1), labels=labels)
    classic_name = f"{classic_kind.upper()} on pooled features" + (
        " (per-speaker standardised)" if classic_per_speaker else ""
    )
    m_crnn = evaluate.metrics(y_true, p_crnn.argmax(axis=1), labels=labels)
    m_classic = evaluate.metrics(y_true, p_classic.argmax(axis=1), labels=labels)
    w = fusion_weight
    if w > 0:
        model_label = f"{model_name} + {classic_kind}"
        headline = f"CRNN ({model_name}) + {classic_kind.upper()}, probabilities weighted {1 - w:g} / {w:g}: the bundle"
        rows = {headline: m, f"CRNN ({model_name}) alone": m_crnn, f"{classic_name} alone": m_classic}
    else:
        model_label = model_name
        headline = f"CRNN ({model_name}): the bundle"
        rows = {headline: m, classic_name: m_classic}
    if bundle_name is not None:
        rows = {bundle_name[0]: rows.pop(headline), **rows}
        headline, model_label = bundle_name
    for name, p in (extra or {}).items():
        rows[name] = evaluate.metrics(y_true, np.asarray(p).argmax(axis=1), labels=labels)
    rows["majority class"] = evaluate.majority_baseline(y_fit, y_true, labels=labels)
    return headline, model_label, rows


def split_summary(
    settings: Mapping[str, Any],
    *,
    actors: Mapping[str, list[int]],
    meta_train: pd.DataFrame,
    meta_val: pd.DataFrame,
    meta_test: pd.DataFrame,
    defaults: Mapping[str, Any],
    synthetic: bool | None,
) -> tuple[dict[str, Any], str]:
    """What the split was (as notebook 03 recorded it) and the protocol paragraph.

    Parameters
    ----------
    settings : mapping
        ``Prepared.settings`` (``split``, ``n_files``, ``normalisation``, ``balance``, ``seed``).
    actors : mapping
        Actors per part (:func:`ser_utils.prep.split.actors_by_part`).
    meta_train, meta_val, meta_test : pd.DataFrame
        Rows of each part (training rows may include augmented copies).
    defaults : mapping
        The configuration's ``split``, ``normalisation``, ``balance`` and ``seed``, used
        where ``settings`` lacks them.
    synthetic : bool or None

    Returns
    -------
    split_info : dict
        ``split``, the actors of each part, file counts, ``synthetic``, ``normalisation``,
        ``balance``, ``fallbacks`` (what small data changed in notebook 03, each
        ``"data preparation: ..."``; :func:`ser_utils.models.settings.fallbacks`); ``corpora``
        (``{corpus: {part: files}}``) when the files have a corpus, and with several
        ``speakers_by_corpus`` (``{part: {corpus: speakers}}``).
    protocol : str
        :func:`ser_utils.evaluation.metrics.protocol_text` of it.
    """
    sp = dict(settings.get("split") or {})
    split_kind = sp.get("kind", defaults["split"])
    split_info = {
        "split": split_kind,
        "train_actors": actors.get("train", []),
        "val_actors": actors.get("val", []),
        "test_actors": actors.get("test", []),
        # files, not rows: augmentation and oversampling add rows, never files
        "n_train": int(settings.get("n_files", {}).get("train", len(meta_train))),
        "n_train_rows": int(len(meta_train)),
        "n_val": int(len(meta_val)),
        "n_test": int(len(meta_test)),
        "synthetic": synthetic,
        "normalisation": settings.get("normalisation", defaults["normalisation"]),
        "balance": settings.get("balance", defaults["balance"]),
        # labelled as ser_utils.models.settings.fallbacks labels them
        "fallbacks": [f"data preparation: {n}" for n in settings.get("fallbacks") or []],
    }
    every = pd.concat([meta_train, meta_val, meta_test])
    corpora = _corpora(settings)
    if corpora:
        split_info["corpora"] = corpora
    channels = every["vocal_channel"]
    details = {
        "actors": dict(actors),
        "n_files": settings.get("n_files", {}),
        "seed": sp.get("seed", settings.get("seed", defaults["seed"])),
        "vocal_channels": [c for c in ("speech", "song") if c in set(channels.dropna())],
    }
    if len(corpora) > 1:
        details["corpora"] = {c: sum(n.values()) for c, n in corpora.items()}
        details["speakers_by_corpus"] = split_info["speakers_by_corpus"] = {
            part: _speakers_by_corpus(m) for part, m in (("train", meta_train), ("val", meta_val), ("test", meta_test))
        }
    details.update({k: sp[k] for k in ("test_size", "val_size") if sp.get(k) is not None})
    if split_kind == "speaker" and not sp.get("test_actors"):
        n_actors = len({a for part in actors.values() for a in part})
        n_folds = sp.get("n_folds_used") or sp.get("n_folds") or max(2, n_actors // 4)
        details.update(fold=sp.get("fold", 0), n_folds=n_folds)
    return split_info, evaluate.protocol_text({**split_info, **details})


def _corpora(settings: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Files per corpus and part, as notebook 03 recorded them (``Prepared.settings["corpora"]``; none before)."""
    recorded = settings.get("corpora")
    if isinstance(recorded, Mapping) and recorded:
        return {str(c): {p: int(n) for p, n in v.items()} for c, v in recorded.items()}
    return {}


def _speakers_by_corpus(meta: pd.DataFrame) -> dict[str, int]:
    """Distinct speakers of each corpus among a part's real files (no SMOTE rows)."""
    if "corpus" not in meta.columns or not len(meta):
        return {}
    real = meta[(meta["actor"].astype(int) >= 0) & (meta["corpus"].astype(str) != "")]
    return {str(c): int(n) for c, n in real.groupby("corpus")["actor"].nunique().sort_index().items()}


def score(
    y_true: Any,
    *,
    p_bundle: Any,
    p_crnn: Any,
    p_classic: Any,
    meta: pd.DataFrame,
    y_fit: Any,
    model_name: str,
    classic_kind: str,
    classic_per_speaker: bool,
    fusion_weight: float,
    labels: Sequence[str] = EMOTIONS,
    extra: Mapping[str, Any] | None = None,
    bundle_name: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Score the bundle on the test part.

    Parameters
    ----------
    y_true : array of int, shape (n,)
        The test files' labels.
    p_bundle, p_crnn, p_classic : array, shape (n, n_classes)
        The bundle's (fused) probabilities, the CRNN's and the classic part's.
    meta : pd.DataFrame, n rows
        The test part's metadata (for the predictions table and the breakdowns).
    y_fit : array of int
        The classic model's training labels (the majority baseline's).
    model_name, classic_kind : str
    classic_per_speaker : bool
        Whether the classic inputs were standardised per speaker (its row's name says so).
    fusion_weight : float
        The classic part's weight in ``p_bundle``.
    labels : sequence of str
        Class names in column order (default :data:`ser_utils.config.EMOTIONS`).
    extra, bundle_name
        More parts scored alone, and the bundle's row name and label (:func:`comparison_rows`).

    Returns
    -------
    dict
        ``metrics`` (the bundle's), ``pred_df``, ``rows`` (every compared model's metrics),
        ``headline`` (the bundle's row), ``model_label``, ``comparison`` (table),
        ``baselines`` (accuracy, UAR and macro-F1 of every row but the bundle's),
        ``breakdowns`` and ``confused``.
    """
    y_true = np.asarray(y_true)
    if y_true.ndim != 1 or len(meta) != len(y_true):
        raise DataError(
            f"y_true must have shape (n,) with one row of meta per file, got {y_true.shape} and {len(meta)} rows"
        )
    n, k = len(y_true), len(labels)
    p_bundle = _probs("p_bundle", p_bundle, n, k)
    p_crnn = _probs("p_crnn", p_crnn, n, k)
    p_classic = _probs("p_classic", p_classic, n, k)
    headline, model_label, rows = comparison_rows(
        y_true, p_bundle=p_bundle, p_crnn=p_crnn, p_classic=p_classic, y_fit=np.asarray(y_fit), model_name=model_name,
        classic_kind=classic_kind, classic_per_speaker=classic_per_speaker, fusion_weight=fusion_weight, labels=labels,
        extra={name: _probs(name, p, n, k) for name, p in (extra or {}).items()}, bundle_name=bundle_name,
    )
    pred_df = predictions_table(meta, y_true, p_bundle, labels=labels)
    y_pred = pred_df["y_pred"].to_numpy()
    return {
        "metrics": rows[headline],
        "pred_df": pred_df,
        "rows": rows,
        "headline": headline,
        "model_label": model_label,
        "comparison": evaluate.comparison_table(rows),
        "baselines": {name: {key: r[key] for key in _SHORT} for name, r in rows.items() if name != headline},
        "breakdowns": evaluate.breakdowns(pred_df, labels=labels),
        "confused": evaluate.confused_pairs(y_true, y_pred, labels=labels),
    }


def mode_metrics(
    y_true: Any,
    p_modes: Mapping[str, Any],
    *,
    corpus: Any = None,
    descriptions: Mapping[str, str] | None = None,
    labels: Sequence[str] = EMOTIONS,
) -> dict[str, dict[str, Any]]:
    """``metrics.json``'s ``prediction_modes``: the scores of each prediction mode, per corpus too.

    Parameters
    ----------
    y_true : array of int, shape (n,)
    p_modes : mapping of str to array, each (n, n_classes)
        Mode (``"per_speaker"``, ``"single_clip"``) -> the bundle's probabilities in it.
    corpus : array-like of str, shape (n,), optional
        Each test file's corpus (the test part's ``corpus`` column); ``None`` for no
        ``per_corpus`` entry.
    descriptions : mapping of str to str, optional
        Mode -> a sentence (``ser_utils.models.modes.DESCRIPTIONS``).
    labels : sequence of str

    Returns
    -------
    dict of str to dict
        Mode -> ``accuracy``, ``uar``, ``macro_f1``, ``n``, ``description``, and with
        ``corpus`` given ``per_corpus`` (:func:`ser_utils.evaluation.metrics.per_corpus`:
        ``{corpus: {n, accuracy, uar, macro_f1, classes, chance_uar, predicted_absent,
        per_class_recall}}``; one entry for a single corpus).
    """
    y = np.asarray(y_true)
    out: dict[str, dict[str, Any]] = {}
    for mode, p in p_modes.items():
        pred = _probs(f"p_modes[{mode!r}]", p, len(y), len(labels)).argmax(axis=1)
        m = evaluate.metrics(y, pred, labels=labels)
        out[mode] = {
            "accuracy": float(m["accuracy"]),
            "uar": float(m["uar"]),
            "macro_f1": float(m["macro_f1"]),
            "n": int(len(y)),
            "description": (descriptions or {}).get(mode, ""),
        }
        if corpus is not None:
            out[mode]["per_corpus"] = evaluate.per_corpus(y, pred, corpus, labels=labels)
    return out


def per_corpus_table(prediction_modes: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The per-corpus scores of each mode side by side (notebook 05's table).

    Parameters
    ----------
    prediction_modes : mapping
        :func:`mode_metrics`'s result (with ``per_corpus``).

    Returns
    -------
    pd.DataFrame
        Indexed by ``corpus``; columns ``n``, ``classes`` (how many), ``chance_uar``, then
        ``uar <mode>``, ``accuracy <mode>`` and ``predicted_absent <mode>`` per mode.
        Empty (no rows) when no mode has ``per_corpus``.
    """
    rows: dict[str, dict[str, Any]] = {}
    for mode, m in prediction_modes.items():
        for corpus, c in (m.get("per_corpus") or {}).items():
            row = rows.setdefault(corpus, {"n": c["n"], "classes": len(c["classes"]), "chance_uar": c["chance_uar"]})
            row[f"uar {mode}"] = c["uar"]
            row[f"accuracy {mode}"] = c["accuracy"]
            row[f"predicted_absent {mode}"] = c["predicted_absent"]
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "corpus"
    return df
