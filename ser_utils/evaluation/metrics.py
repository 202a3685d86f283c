"""The verdict: metrics, breakdowns by group, confusions, the majority baseline, summaries.

Everything here works on label arrays and DataFrames (no TensorFlow). Labels may be given
as integers ``0..n_classes-1`` (the order of ``labels``, by default
:data:`ser_utils.config.EMOTIONS`) or as the class names themselves.

Averages over classes ("UAR", macro F1) are taken over the classes that occur in
``y_true``: a class absent from the test part (e.g. ``disgust`` in a song-only subset)
has no recall to average, and counting it as 0 would cap the score. The result states
which classes were absent (``absent_classes``) and which were averaged over.
Predictions of an absent class still count as errors (accuracy, the true class's recall).

Several corpora (RAVDESS with CREMA-D, TESS, SAVEE) share the eight RAVDESS classes, but not
every corpus has every class (only RAVDESS has ``calm``; CREMA-D has no ``surprised``).
:func:`per_corpus` scores each corpus's test files on their own, so a corpus's UAR averages
the recalls of the classes *its* test files hold, and a prediction of a class the corpus
lacks (``calm`` on a CREMA-D file) is an error of that file's true class.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config import EMOTIONS
from ..errors import ConfigError, DataError

__all__ = [
    "metrics",
    "classification_table",
    "confusion",
    "breakdowns",
    "BREAKDOWN_COLUMNS",
    "per_corpus",
    "confused_pairs",
    "majority_baseline",
    "comparison_table",
    "fold_summary",
    "format_mean_std",
    "describe_split",
    "protocol_text",
    "corpus_name",
]

#: The columns :func:`breakdowns` groups by, in the order of its result (``corpus`` only
#: when the test files come from more than one corpus).
BREAKDOWN_COLUMNS: tuple[str, ...] = ("corpus", "vocal_channel", "intensity", "gender", "actor")

_SUMMARY_KEYS: tuple[str, ...] = ("accuracy", "uar", "macro_f1")


# --- input checks --------------------------------------------------------------------


def _check_labels(labels: Sequence[str]) -> tuple[str, ...]:
    if isinstance(labels, str) or not isinstance(labels, Sequence) or len(labels) < 2:
        raise ConfigError(f"labels must be a sequence of at least two class names, got {labels!r}")
    out = tuple(str(x) for x in labels)
    if len(set(out)) != len(out):
        raise ConfigError(f"labels must be distinct, got {list(out)!r}")
    return out


def _as_label_array(y: Any, labels: tuple[str, ...], name: str) -> np.ndarray:
    """Integer class indices ``(n,)`` from integer labels or class names."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        hint = " (for scores or one-hot rows, pass their argmax along axis 1)" if arr.ndim == 2 else ""
        raise DataError(f"{name} must be one-dimensional (n,), got shape {arr.shape}{hint}")
    if (
        arr.dtype.kind == "O"
        and arr.size
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in arr.tolist())
    ):
        arr = arr.astype(np.int64)  # integers that came through an object column
    if arr.dtype.kind in "USO":
        index = {lab: i for i, lab in enumerate(labels)}
        bad = sorted({str(v) for v in arr.tolist() if v not in index})
        if bad:
            raise DataError(f"{name} holds unknown class name(s) {bad[:5]!r}; expected one of {list(labels)!r}")
        return np.fromiter((index[v] for v in arr.tolist()), dtype=np.int64, count=arr.size)
    if arr.dtype.kind == "b":
        raise DataError(f"{name} must hold class indices or names, got booleans")
    if arr.dtype.kind == "f":
        if arr.size and not (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))):
            raise DataError(f"{name} must hold whole class indices 0..{len(labels) - 1}, got non-integer values")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise DataError(f"{name} must hold class indices or names, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and (arr.min() < 0 or arr.max() >= len(labels)):
        raise DataError(
            f"{name} holds class index {int(arr.min() if arr.min() < 0 else arr.max())}, "
            f"outside 0..{len(labels) - 1} (the {len(labels)} labels {list(labels)!r})"
        )
    return arr


def _pair(y_true: Any, y_pred: Any, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    labs = _check_labels(labels)
    t = _as_label_array(y_true, labs, "y_true")
    p = _as_label_array(y_pred, labs, "y_pred")
    if t.shape != p.shape:
        raise DataError(f"y_true and y_pred must have the same length, got {t.size} and {p.size}")
    if t.size == 0:
        raise DataError("y_true and y_pred are empty: nothing to evaluate")
    return t, p, labs


# --- metrics ---------------------------------------------------------------------------


def metrics(y_true: Any, y_pred: Any, *, labels: Sequence[str] = EMOTIONS) -> dict[str, Any]:
    """Accuracy, UAR, F1 scores and per-class precision/recall/F1/support.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n,)
        Class indices ``0..len(labels)-1`` or class names.
    labels : sequence of str
        Class names in index order.

    Returns
    -------
    dict
        JSON-able: ``accuracy``, ``uar`` (unweighted average recall = macro recall),
        ``macro_f1``, ``weighted_f1`` (floats in [0, 1]), ``n`` (int), ``per_class``
        ``{name: {precision, recall, f1, support}}`` for every label,
        ``averaged_over`` (names present in ``y_true``) and ``absent_classes`` (names
        absent from ``y_true``: their recall is undefined, reported as 0 and left out
        of ``uar`` and ``macro_f1``).

    Raises
    ------
    DataError
        Arrays not 1-D, of different lengths, empty, or holding unknown classes.
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support, recall_score

    t, p, labs = _pair(y_true, y_pred, labels)
    all_idx = list(range(len(labs)))
    present = sorted(set(t.tolist()))
    prec, rec, f1, sup = precision_recall_fscore_support(t, p, labels=all_idx, zero_division=0)
    return {
        "accuracy": float(accuracy_score(t, p)),
        "uar": float(recall_score(t, p, labels=present, average="macro", zero_division=0)),
        "macro_f1": float(f1_score(t, p, labels=present, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(t, p, labels=present, average="weighted", zero_division=0)),
        "n": int(t.size),
        "per_class": {
            labs[i]: {
                "precision": float(prec[i]),
                "recall": float(rec[i]),
                "f1": float(f1[i]),
                "support": int(sup[i]),
            }
            for i in all_idx
        },
        "averaged_over": [labs[i] for i in present],
        "absent_classes": [labs[i] for i in all_idx if i not in present],
    }


def classification_table(y_true: Any, y_pred: Any, *, labels: Sequence[str] = EMOTIONS) -> pd.DataFrame:
    """The classification report as a table.

    Returns
    -------
    pandas.DataFrame
        One row per class (index = class name), then ``macro avg`` and ``weighted avg``
        (over the classes present in ``y_true``, as in :func:`metrics`) and ``accuracy``;
        columns ``precision``, ``recall``, ``f1``, ``support``. The ``accuracy`` row has
        the accuracy in ``f1`` (and ``precision``/``recall`` NaN), like scikit-learn's report.
    """
    m = metrics(y_true, y_pred, labels=labels)
    rows = {name: dict(d) for name, d in m["per_class"].items()}
    present = m["averaged_over"]
    sup = np.array([m["per_class"][c]["support"] for c in present], dtype=float)
    for key, w in (("macro avg", np.ones_like(sup)), ("weighted avg", sup)):
        rows[key] = {
            col: float(np.average([m["per_class"][c][col] for c in present], weights=w))
            for col in ("precision", "recall", "f1")
        }
        rows[key]["support"] = int(sup.sum())
    rows["accuracy"] = {"precision": np.nan, "recall": np.nan, "f1": m["accuracy"], "support": m["n"]}
    df = pd.DataFrame.from_dict(rows, orient="index")[["precision", "recall", "f1", "support"]]
    df["support"] = df["support"].astype(int)
    return df


def confusion(
    y_true: Any, y_pred: Any, *, labels: Sequence[str] = EMOTIONS, normalise: bool = False
) -> pd.DataFrame:
    """Confusion matrix with class names (rows: true class, columns: predicted class).

    Parameters
    ----------
    normalise : bool
        ``False``: counts (int). ``True``: each row divided by its total, so a row sums to 1
        (the diagonal is the per-class recall); a row of a class absent from ``y_true`` is 0.

    Returns
    -------
    pandas.DataFrame, shape (n_classes, n_classes)
        Index named ``true``, columns named ``predicted``.
    """
    from sklearn.metrics import confusion_matrix as sk_confusion

    t, p, labs = _pair(y_true, y_pred, labels)
    cm = sk_confusion(t, p, labels=list(range(len(labs))))
    if normalise:
        totals = cm.sum(axis=1, keepdims=True)
        cm = np.divide(cm, totals, out=np.zeros(cm.shape, dtype=float), where=totals > 0)
    df = pd.DataFrame(cm, index=pd.Index(labs, name="true"), columns=pd.Index(labs, name="predicted"))
    return df


def confused_pairs(
    y_true: Any, y_pred: Any, *, labels: Sequence[str] = EMOTIONS, top: int = 5
) -> pd.DataFrame:
    """The most frequent confusions (true class predicted as another class).

    Returns
    -------
    pandas.DataFrame
        At most ``top`` rows, columns ``true``, ``predicted`` (names), ``count`` (int) and
        ``share`` (count / number of test files of the true class), ordered by count, then
        share, both descending, then by label order. Pairs never confused are left out.
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ConfigError(f"top must be a positive integer, got {top!r}")
    cm = confusion(y_true, y_pred, labels=labels)
    counts = cm.to_numpy()
    support = counts.sum(axis=1)
    rows = []
    for i, true_name in enumerate(cm.index):
        for j, pred_name in enumerate(cm.columns):
            if i != j and counts[i, j] > 0:
                rows.append((true_name, pred_name, int(counts[i, j]), float(counts[i, j] / support[i]), i, j))
    df = pd.DataFrame(rows, columns=["true", "predicted", "count", "share", "_i", "_j"])
    df = df.sort_values(["count", "share", "_i", "_j"], ascending=[False, False, True, True], kind="mergesort")
    return df.drop(columns=["_i", "_j"]).head(int(top)).reset_index(drop=True)


# --- breakdowns ------------------------------------------------------------------------


def breakdowns(pred_df: pd.DataFrame, *, labels: Sequence[str] = EMOTIONS) -> dict[str, pd.DataFrame]:
    """Accuracy and UAR per group: corpus, speech vs song, normal vs strong, female vs male, actor.

    Parameters
    ----------
    pred_df : pandas.DataFrame
        One row per test file with ``y_true`` and ``y_pred`` (indices or names) and any
        of the columns in :data:`BREAKDOWN_COLUMNS` (``corpus``, ``vocal_channel``,
        ``intensity``, ``gender``, ``actor``); the missing ones are left out of the
        result, and so is ``corpus`` when it holds one corpus only.

    Returns
    -------
    dict of str to pandas.DataFrame
        For each grouping column present: a table indexed by group value (sorted) with
        columns ``n`` (int), ``accuracy`` and ``uar`` (UAR over the classes present in
        that group: a corpus's over its own classes, see :func:`per_corpus`).

    Raises
    ------
    DataError
        ``y_true``/``y_pred`` missing, none of the grouping columns present, or bad labels.
    """
    if not isinstance(pred_df, pd.DataFrame):
        raise DataError(f"pred_df must be a pandas DataFrame, got {type(pred_df).__name__}")
    missing = [c for c in ("y_true", "y_pred") if c not in pred_df.columns]
    if missing:
        raise DataError(f"pred_df lacks column(s) {missing}; it needs y_true and y_pred, got {list(pred_df.columns)}")
    groups = [c for c in BREAKDOWN_COLUMNS if c in pred_df.columns]
    if "corpus" in groups and pred_df["corpus"].nunique() < 2 and len(groups) > 1:
        groups.remove("corpus")  # one corpus: the breakdown would repeat the overall score
    if not groups:
        raise DataError(f"pred_df has none of the grouping columns {list(BREAKDOWN_COLUMNS)}")
    t, p, labs = _pair(pred_df["y_true"].to_numpy(), pred_df["y_pred"].to_numpy(), labels)
    out: dict[str, pd.DataFrame] = {}
    for col in groups:
        keys = pred_df[col].to_numpy()
        if pd.isna(keys).any():
            raise DataError(f"pred_df[{col!r}] has missing values; every test file needs its {col}")
        rows = {}
        for key in sorted(set(keys.tolist())):
            mask = keys == key
            m = metrics(t[mask], p[mask], labels=labs)
            rows[key] = {"n": m["n"], "accuracy": m["accuracy"], "uar": m["uar"]}
        df = pd.DataFrame.from_dict(rows, orient="index")
        df.index.name = col
        df["n"] = df["n"].astype(int)
        out[col] = df
    return out


def per_corpus(y_true: Any, y_pred: Any, corpus: Any, *, labels: Sequence[str] = EMOTIONS) -> dict[str, dict[str, Any]]:
    """The scores of each corpus's test files on their own.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n,)
        Class indices or names over all of ``labels`` (the eight RAVDESS classes).
    corpus : array-like of str, shape (n,)
        Each file's corpus (``"ravdess"``, ``"crema-d"``, ``"tess"``, ``"savee"``).
    labels : sequence of str

    Returns
    -------
    dict of str to dict
        Corpus (sorted) -> JSON-able ``n``, ``accuracy``, ``uar``, ``macro_f1``, ``classes``
        (the classes present in that corpus's test files: its UAR and macro F1 average
        over these only), ``chance_uar`` (``1 / len(classes)``), ``predicted_absent``
        (files predicted as a class that corpus's test files do not hold, e.g. ``calm`` on
        CREMA-D; each is an error of its true class) and ``per_class_recall``
        (``{class: recall}`` over ``classes``).

    Raises
    ------
    DataError
        Lengths differ, a corpus value is missing, or bad labels.
    """
    t, p, labs = _pair(y_true, y_pred, labels)
    c = np.asarray(corpus, dtype=object)
    if c.ndim != 1 or c.size != t.size:
        raise DataError(f"corpus must have shape ({t.size},) like y_true, got {np.shape(corpus)}")
    if pd.isna(c).any() or any(str(v) == "" for v in c.tolist()):
        raise DataError("corpus has missing values: every test file needs its corpus")
    c = c.astype(str)
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(set(c.tolist())):
        mask = c == name
        m = metrics(t[mask], p[mask], labels=labs)
        present = set(m["averaged_over"])
        out[name] = {
            "n": m["n"],
            "accuracy": m["accuracy"],
            "uar": m["uar"],
            "macro_f1": m["macro_f1"],
            "classes": m["averaged_over"],
            "chance_uar": 1.0 / len(present),
            "predicted_absent": int(sum(labs[i] not in present for i in p[mask].tolist())),
            "per_class_recall": {k: m["per_class"][k]["recall"] for k in m["averaged_over"]},
        }
    return out


# --- baselines -------------------------------------------------------------------------


def majority_baseline(y_train: Any, y_test: Any, *, labels: Sequence[str] = EMOTIONS) -> dict[str, Any]:
    """Predict the most frequent training class for every test file.

    Ties go to the class that comes first in ``labels``.

    Returns
    -------
    dict
        :func:`metrics` of that constant prediction, plus ``majority_class`` (name) and
        ``y_pred`` (int ndarray ``(n_test,)``).
    """
    labs = _check_labels(labels)
    ytr = _as_label_array(y_train, labs, "y_train")
    yte = _as_label_array(y_test, labs, "y_test")
    if ytr.size == 0:
        raise DataError("y_train is empty: no majority class")
    majority = int(np.argmax(np.bincount(ytr, minlength=len(labs))))
    y_pred = np.full(yte.shape, majority, dtype=np.int64)
    out = metrics(yte, y_pred, labels=labs)
    out.update(majority_class=labs[majority], y_pred=y_pred)
    return out


# --- summaries -------------------------------------------------------------------------


def comparison_table(rows: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per model: accuracy, UAR and macro F1.

    Parameters
    ----------
    rows : mapping of str to dict
        Model name -> a :func:`metrics` dict (or any dict with ``accuracy``, ``uar``,
        ``macro_f1``), or a :func:`fold_summary` (then its means, and the standard
        deviations in ``accuracy_std``, ``uar_std``, ``macro_f1_std``).

    Returns
    -------
    pandas.DataFrame
        Index ``model`` (in the given order); columns ``accuracy``, ``uar``, ``macro_f1``,
        plus the ``*_std`` columns when any row is a fold summary (NaN for the others).
    """
    if not isinstance(rows, Mapping) or not rows:
        raise DataError("rows must be a non-empty mapping of model name to metrics")
    table: dict[str, dict[str, float]] = {}
    with_std = False
    for name, m in rows.items():
        if not isinstance(m, Mapping):
            raise DataError(f"rows[{name!r}] must be a dict of metrics, got {type(m).__name__}")
        missing = [k for k in _SUMMARY_KEYS if k not in m]
        if missing:
            raise DataError(f"rows[{name!r}] lacks {missing}; expected the keys {list(_SUMMARY_KEYS)}")
        row: dict[str, float] = {}
        for k in _SUMMARY_KEYS:
            v = m[k]
            if isinstance(v, Mapping):
                row[k] = float(v["mean"])
                row[f"{k}_std"] = float(v["std"])
                with_std = True
            else:
                row[k] = float(v)
        table[str(name)] = row
    cols = list(_SUMMARY_KEYS) + ([f"{k}_std" for k in _SUMMARY_KEYS] if with_std else [])
    df = pd.DataFrame.from_dict(table, orient="index").reindex(columns=cols)
    df.index.name = "model"
    return df


def fold_summary(fold_metrics: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation of accuracy, UAR and macro F1 across folds.

    Parameters
    ----------
    fold_metrics : sequence of dict
        One :func:`metrics` dict per fold.

    Returns
    -------
    dict
        ``{"accuracy": {"mean", "std", "values"}, "uar": {...}, "macro_f1": {...},
        "n_folds": int}``; ``std`` is the sample standard deviation (``ddof=1``), 0 for
        a single fold. JSON-able.
    """
    if isinstance(fold_metrics, Mapping) or not isinstance(fold_metrics, Sequence) or not fold_metrics:
        raise DataError("fold_metrics must be a non-empty list of metrics dicts (one per fold)")
    out: dict[str, Any] = {}
    for k in _SUMMARY_KEYS:
        vals = []
        for i, m in enumerate(fold_metrics):
            if not isinstance(m, Mapping) or k not in m:
                raise DataError(f"fold {i} has no {k!r}; expected metrics dicts with {list(_SUMMARY_KEYS)}")
            vals.append(float(m[k]))
        arr = np.asarray(vals)
        out[k] = {
            "mean": float(arr.mean()),
            "std": float(arr.std(ddof=1)) if arr.size > 1 else 0.0,
            "values": vals,
        }
    out["n_folds"] = len(fold_metrics)
    return out


def format_mean_std(
    mean: float | Mapping[str, float], std: float | None = None, *, percent: bool = True, digits: int = 1
) -> str:
    """Format a mean and standard deviation, e.g. ``"61.2 ± 3.4 %"``.

    Parameters
    ----------
    mean : float or dict
        A fraction in [0, 1], or an entry of :func:`fold_summary` (``{"mean", "std"}``).
    std : float, optional
        Required when ``mean`` is a number; ``None`` there prints the mean alone.
    percent : bool
        Print as percentages (``"61.2 ± 3.4 %"``) rather than fractions (``"0.612 ± 0.034"``
        with ``digits=3``).
    digits : int
        Decimal places.
    """
    if isinstance(mean, Mapping):
        if "mean" not in mean:
            raise DataError(f"expected a dict with 'mean' and 'std', got keys {list(mean)}")
        mean, std = mean["mean"], mean.get("std")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ConfigError(f"digits must be a non-negative integer, got {digits!r}")
    scale, unit = (100.0, " %") if percent else (1.0, "")
    m = float(mean) * scale
    if std is None or (isinstance(std, float) and math.isnan(std)):
        return f"{m:.{digits}f}{unit}"
    return f"{m:.{digits}f} ± {float(std) * scale:.{digits}f}{unit}"


# --- protocol --------------------------------------------------------------------------


def describe_split(
    split_df: pd.DataFrame,
    *,
    split: str,
    synthetic: bool,
    seed: int | None = None,
    fold: int | None = None,
    n_folds: int | None = None,
    test_size: float | None = None,
    val_size: float | None = None,
    vocal_channels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Collect what :func:`protocol_text` needs from a split table.

    Parameters
    ----------
    split_df : pandas.DataFrame
        One row per file with ``actor`` and ``part`` (``"train"``, ``"val"``, ``"test"``),
        as :func:`ser_utils.prep.split.make_split` returns.
    split : {"random", "speaker"}
    synthetic : bool
        Whether the data is the synthetic demo corpus.

    Returns
    -------
    dict
        JSON-able: ``split``, ``synthetic``, ``n_files`` ``{part: int}``, ``actors``
        ``{part: [int, ...]}``, and the optional settings given.
    """
    if not isinstance(split_df, pd.DataFrame) or not {"actor", "part"} <= set(split_df.columns):
        raise DataError("split_df must be a DataFrame with the columns 'actor' and 'part'")
    parts = [p for p in ("train", "val", "test") if p in set(split_df["part"])]
    info: dict[str, Any] = {
        "split": split,
        "synthetic": bool(synthetic),
        "n_files": {p: int((split_df["part"] == p).sum()) for p in parts},
        "actors": {p: sorted(int(a) for a in split_df.loc[split_df["part"] == p, "actor"].unique()) for p in parts},
    }
    options = {"seed": seed, "fold": fold, "n_folds": n_folds, "test_size": test_size, "val_size": val_size}
    for key, val in options.items():
        if val is not None:
            info[key] = val
    if vocal_channels is not None:
        info["vocal_channels"] = list(vocal_channels)
    return info


def corpus_name(corpus: str) -> str:
    """A corpus as readers know it: ``"crema-d"`` -> ``"CREMA-D"``."""
    return str(corpus).upper()


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _actor_list(actors: Sequence[int]) -> str:
    return ", ".join(f"{int(a):02d}" for a in actors) if actors else "none"


def protocol_text(split_info: Mapping[str, Any]) -> str:
    """A one-paragraph markdown statement of the evaluation protocol.

    Parameters
    ----------
    split_info : dict
        ``split`` (``"random"`` or ``"speaker"``), ``synthetic`` (bool), and optionally
        ``n_files`` ``{part: int}``, ``actors`` ``{part: [int]}``, ``seed``, ``fold``,
        ``n_folds``, ``test_size``, ``val_size``, ``vocal_channels`` (as
        :func:`describe_split` returns), ``fallbacks`` (sentences: what small data changed);
        with several corpora ``corpora`` (``{corpus: files}``) and ``speakers_by_corpus``
        (``{part: {corpus: speakers}}``).

    Returns
    -------
    str
        Markdown: the data, how it was split, how many files each part holds, for a
        random split the warning that the same actors are in training and test, and
        the fallbacks small data caused.
    """
    if not isinstance(split_info, Mapping):
        raise DataError(f"split_info must be a dict, got {type(split_info).__name__}")
    split = split_info.get("split")
    if split not in ("random", "speaker"):
        raise DataError(f"split_info['split'] must be 'random' or 'speaker', got {split!r}")
    if "synthetic" not in split_info:
        raise DataError("split_info needs 'synthetic' (True for the demo corpus, False for real RAVDESS)")
    n_files: Mapping[str, int] = split_info.get("n_files") or {}
    actors: Mapping[str, Sequence[int]] = split_info.get("actors") or {}
    all_actors = sorted({int(a) for v in actors.values() for a in v})

    if split_info["synthetic"]:
        data = (
            "**Data: the synthetic demo corpus** (generated signals with RAVDESS-style names, "
            "not real speech): the numbers below only show that the pipeline runs end to end and "
            "say nothing about emotion recognition."
        )
    elif len(split_info.get("corpora") or {}) > 1:
        corpora: Mapping[str, int] = split_info["corpora"]
        names = [corpus_name(c) for c in corpora]
        data = (
            f"**Data: {_and(names)}** ("
            + ", ".join(f"{corpus_name(c)} {int(n)} files" for c, n in corpora.items())
            + ")"
            + (f", {len(all_actors)} speakers" if all_actors else "")
            + ", scored on the eight RAVDESS classes (each corpus's UAR over the classes it has)."
        )
    else:
        channels = split_info.get("vocal_channels")
        data = "**Data: RAVDESS** (audio-only" + (f", {' and '.join(channels)}" if channels else "") + ")"
        if all_actors:
            data += f", {len(all_actors)} actors ({_actor_list(all_actors)})"
        data += "."
    counts = ", ".join(f"{p} {n_files[p]}" for p in ("train", "val", "test") if p in n_files)
    count_text = f" Files per part: {counts}." if counts else ""
    seed = f"; seed {split_info['seed']}" if "seed" in split_info else ""

    if split == "random":
        test_size = split_info.get("test_size")
        val_size = split_info.get("val_size")
        test_pct = round(float(test_size) * 100) if test_size is not None else 20
        val = f", {round(float(val_size) * 100)} % for validation" if val_size else ""
        proto = (
            f"**Protocol: random split** stratified by emotion ({test_pct} % of the files for test{val}, "
            f"the rest for training{seed})."
            f"{count_text} *Caution:* a random split puts recordings of the same actors in "
            "training and test, so the model partly recognises voices it has heard; the "
            "scores overstate what it does on new speakers."
        )
    else:
        notes = []
        if "fold" in split_info and "n_folds" in split_info:
            notes.append(f"fold {int(split_info['fold']) + 1} of {split_info['n_folds']}")
        if "seed" in split_info:
            notes.append(f"seed {split_info['seed']}")
        fold = f" ({'; '.join(notes)})" if notes else ""
        by_corpus: Mapping[str, Mapping[str, int]] = split_info.get("speakers_by_corpus") or {}
        if len(split_info.get("corpora") or {}) > 1 and by_corpus:
            parts = "; ".join(
                f"{p}: {sum(by_corpus.get(p, {}).values())} speakers ("
                + ", ".join(f"{corpus_name(c)} {n}" for c, n in by_corpus.get(p, {}).items())
                + ")"
                + (f" ({n_files[p]} files)" if p in n_files else "")
                for p in ("train", "val", "test")
                if p in actors
            )
        else:
            parts = "; ".join(
                f"{p}: actors {_actor_list(actors[p])}" + (f" ({n_files[p]} files)" if p in n_files else "")
                for p in ("train", "val", "test")
                if p in actors
            )
        proto = (
            f"**Protocol: speaker-independent split**{fold}: no actor appears in more "
            "than one part, so test scores are on voices the model never heard."
        )
        if parts:
            proto += f" {parts}."
    small = [str(n) for n in split_info.get("fallbacks") or []]
    if small:
        proto += (
            f" *Small data:* {len(small)} step(s) did what the data allowed instead of what was asked: "
            + "; ".join(small)
            + "."
        )
    return f"{data} {proto}"
