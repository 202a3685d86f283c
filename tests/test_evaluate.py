"""Tests of ser_utils.evaluation.metrics: metrics, tables, breakdowns, baselines, summaries, protocol."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    f1_score,
    precision_recall_fscore_support,
    recall_score,
)

from ser_utils.config import EMOTIONS
from ser_utils.errors import ConfigError, DataError, SERError
from ser_utils.evaluation import metrics as E

ABC = ("a", "b", "c")
# 3 classes, supports 3/3/4, recalls 1/3, 1/3, 1: accuracy 6/10, UAR 5/9
TOY_TRUE = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
TOY_PRED = [0, 1, 2, 1, 0, 2, 2, 2, 2, 2]


def _random_pair(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 8, n)
    p = np.where(rng.random(n) < 0.55, t, rng.integers(0, 8, n))
    return t, p


# --- metrics ---------------------------------------------------------------------------


def test_metrics_hand_computed_toy():
    m = E.metrics(TOY_TRUE, TOY_PRED, labels=ABC)
    assert m["accuracy"] == pytest.approx(0.6)
    assert m["uar"] == pytest.approx(5 / 9)
    assert round(m["uar"], 4) == 0.5556
    assert m["n"] == 10
    assert m["per_class"]["a"] == {
        "precision": pytest.approx(0.5),
        "recall": pytest.approx(1 / 3),
        "f1": pytest.approx(0.4),
        "support": 3,
    }
    # c: predicted 6 times, 4 right -> precision 2/3, recall 1, f1 0.8
    assert m["per_class"]["c"]["precision"] == pytest.approx(2 / 3)
    assert m["per_class"]["c"]["f1"] == pytest.approx(0.8)
    assert m["absent_classes"] == []


def test_metrics_agree_with_sklearn():
    t, p = _random_pair()
    m = E.metrics(t, p)
    assert m["accuracy"] == pytest.approx(accuracy_score(t, p))
    assert m["uar"] == pytest.approx(recall_score(t, p, average="macro"))
    assert m["macro_f1"] == pytest.approx(f1_score(t, p, average="macro"))
    assert m["weighted_f1"] == pytest.approx(f1_score(t, p, average="weighted"))
    prec, rec, f1, sup = precision_recall_fscore_support(t, p, labels=range(8))
    for i, name in enumerate(EMOTIONS):
        pc = m["per_class"][name]
        assert (pc["precision"], pc["recall"], pc["f1"], pc["support"]) == pytest.approx(
            (prec[i], rec[i], f1[i], sup[i])
        )
    # JSON-able, plain Python types
    back = json.loads(json.dumps(m))
    assert back["per_class"]["angry"]["support"] == int(sup[4])
    assert type(m["accuracy"]) is float and type(m["n"]) is int


def test_metrics_accepts_names_and_ints_alike():
    t, p = _random_pair(120, seed=1)
    names_t = [EMOTIONS[i] for i in t]
    names_p = pd.Series([EMOTIONS[i] for i in p])
    assert E.metrics(names_t, names_p) == E.metrics(t, p)


def test_uar_differs_from_accuracy_when_imbalanced():
    t = np.array([0] * 90 + [1] * 10)
    p = np.zeros(100, dtype=int)
    m = E.metrics(t, p, labels=("x", "y"))
    assert m["accuracy"] == pytest.approx(0.9)
    assert m["uar"] == pytest.approx(0.5)


def test_absent_class_is_stated_without_warnings():
    t = np.array([0, 1, 2, 3, 4, 5, 6, 6])  # no 'surprised' in the truth
    p = np.array([0, 1, 2, 3, 4, 5, 7, 6])  # ...but predicted once
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = E.metrics(t, p)
    assert m["absent_classes"] == ["surprised"]
    assert "surprised" not in m["averaged_over"]
    assert m["per_class"]["surprised"]["support"] == 0
    # UAR averages the 7 present classes: six recalls of 1 and disgust's 1/2
    assert m["uar"] == pytest.approx((6 + 0.5) / 7)
    assert m["accuracy"] == pytest.approx(7 / 8)


@pytest.mark.parametrize(
    "y_true, y_pred, match",
    [
        ([0, 1], [0], "same length"),
        ([[0, 1]], [[0, 1]], "one-dimensional"),
        ([0, 8], [0, 1], "outside 0..7"),
        ([0, -1], [0, 1], "outside 0..7"),
        (["happy", "joyful"], ["happy", "sad"], "unknown class"),
        ([], [], "empty"),
        ([0.5, 1.0], [0, 1], "whole class indices"),
    ],
)
def test_metrics_rejects_bad_input(y_true, y_pred, match):
    with pytest.raises(DataError, match=match) as err:
        E.metrics(y_true, y_pred)
    assert isinstance(err.value, SERError)


def test_classification_table_matches_sklearn_report():
    t, p = _random_pair(200, seed=2)
    table = E.classification_table(t, p)
    rep = classification_report(t, p, labels=list(range(8)), target_names=list(EMOTIONS), output_dict=True)
    assert list(table.index) == list(EMOTIONS) + ["macro avg", "weighted avg", "accuracy"]
    for row in list(EMOTIONS) + ["macro avg", "weighted avg"]:
        assert table.loc[row, "precision"] == pytest.approx(rep[row]["precision"])
        assert table.loc[row, "recall"] == pytest.approx(rep[row]["recall"])
        assert table.loc[row, "f1"] == pytest.approx(rep[row]["f1-score"])
        assert table.loc[row, "support"] == rep[row]["support"]
    assert table.loc["accuracy", "f1"] == pytest.approx(rep["accuracy"])


def test_confusion_counts_and_normalised():
    cm = E.confusion(TOY_TRUE, TOY_PRED, labels=ABC)
    assert cm.loc["a"].tolist() == [1, 1, 1]
    assert cm.loc["c", "c"] == 4
    assert cm.to_numpy().sum() == 10
    assert cm.index.name == "true" and cm.columns.name == "predicted"
    norm = E.confusion(TOY_TRUE, TOY_PRED, labels=ABC, normalise=True)
    np.testing.assert_allclose(norm.sum(axis=1), 1.0)
    assert norm.loc["b", "b"] == pytest.approx(1 / 3)
    # a class absent from the truth has a zero row, not NaN
    norm2 = E.confusion([0, 0], [0, 2], labels=ABC, normalise=True)
    assert norm2.loc["b"].tolist() == [0.0, 0.0, 0.0]


def test_confused_pairs_ordering():
    # a->b 3 times (of 5 a), c->b 3 times (of 4 c), b->a once (of 3 b), c->a once
    t = ["a"] * 5 + ["b"] * 3 + ["c"] * 4
    p = ["a", "a", "b", "b", "b"] + ["b", "b", "a"] + ["b", "b", "b", "a"]
    pairs = E.confused_pairs(t, p, labels=ABC, top=3)
    assert list(pairs.columns) == ["true", "predicted", "count", "share"]
    # equal counts: the larger share (c: 3/4) comes first
    assert pairs[["true", "predicted", "count"]].values.tolist() == [["c", "b", 3], ["a", "b", 3], ["b", "a", 1]]
    assert pairs["share"].tolist() == pytest.approx([0.75, 0.6, 1 / 3])
    assert len(E.confused_pairs(t, p, labels=ABC, top=10)) == 4  # never-confused pairs left out
    with pytest.raises(ConfigError):
        E.confused_pairs(t, p, labels=ABC, top=0)


# --- breakdowns ------------------------------------------------------------------------


def test_breakdowns_count_and_score_per_group():
    df = pd.DataFrame(
        {
            "y_true": [0, 1, 2, 3, 0, 1, 2, 3],
            "y_pred": [0, 1, 0, 0, 0, 0, 0, 0],
            "vocal_channel": ["speech"] * 4 + ["song"] * 4,
            "intensity": ["normal", "strong"] * 4,
            "gender": ["male", "male", "female", "female"] * 2,
            "actor": [1, 1, 2, 2, 3, 3, 4, 4],
        }
    )
    b = E.breakdowns(df)
    assert list(b) == ["vocal_channel", "intensity", "gender", "actor"]
    vc = b["vocal_channel"]
    assert vc.loc["speech", "n"] == 4 and vc.loc["song", "n"] == 4
    assert vc.loc["speech", "accuracy"] == pytest.approx(0.5)
    assert vc.loc["song", "accuracy"] == pytest.approx(0.25)
    assert vc.loc["song", "uar"] == pytest.approx(0.25)
    assert b["gender"].loc["male", "accuracy"] == pytest.approx(3 / 4)
    assert b["gender"].loc["female", "accuracy"] == pytest.approx(0.0)
    actor = b["actor"]
    assert actor.index.tolist() == [1, 2, 3, 4]
    assert actor["n"].tolist() == [2, 2, 2, 2]
    assert actor["accuracy"].tolist() == pytest.approx([1.0, 0.0, 0.5, 0.0])
    assert int(sum(t["n"].sum() for t in b.values())) == 4 * len(df)


def test_breakdowns_validates_columns():
    with pytest.raises(DataError, match="y_pred"):
        E.breakdowns(pd.DataFrame({"y_true": [0], "actor": [1]}))
    with pytest.raises(DataError, match="grouping"):
        E.breakdowns(pd.DataFrame({"y_true": [0], "y_pred": [0]}))
    only_actor = E.breakdowns(pd.DataFrame({"y_true": ["sad", "sad"], "y_pred": ["sad", "calm"], "actor": [5, 5]}))
    assert list(only_actor) == ["actor"] and only_actor["actor"].loc[5, "accuracy"] == 0.5


# --- several corpora ----------------------------------------------------------------------

# CREMA-D's six classes (no calm, no surprised), two files each; RAVDESS's eight, one file each
_CREMA = ["neutral", "happy", "sad", "angry", "fearful", "disgust"]


def _two_corpora(crema_pred: dict[str, str] | None = None):
    true = [e for e in _CREMA for _ in range(2)] + list(EMOTIONS)
    pred = list(true)
    for i, e in enumerate(true[:12]):
        pred[i] = (crema_pred or {}).get(e, e)
    corpus = ["crema-d"] * 12 + ["ravdess"] * 8
    return true, pred, corpus


def test_per_corpus_uar_averages_over_the_classes_of_that_corpus_only():
    true, pred, corpus = _two_corpora()
    pc = E.per_corpus(true, pred, corpus)
    assert list(pc) == ["crema-d", "ravdess"]
    assert pc["crema-d"]["classes"] == _CREMA and pc["crema-d"]["n"] == 12
    assert pc["crema-d"]["uar"] == 1.0  # calm and surprised are absent: not averaged in as 0
    assert pc["crema-d"]["chance_uar"] == pytest.approx(1 / 6)
    assert pc["ravdess"]["classes"] == list(EMOTIONS) and pc["ravdess"]["uar"] == 1.0
    assert "calm" not in pc["crema-d"]["per_class_recall"]
    json.dumps(pc)


def test_calm_predictions_on_crema_d_neutral_files_lower_crema_d_uar():
    true, pred, corpus = _two_corpora({"neutral": "calm"})  # both CREMA-D neutral files predicted calm
    pc = E.per_corpus(true, pred, corpus)
    crema = pc["crema-d"]
    assert crema["per_class_recall"]["neutral"] == 0.0  # an error of the file's true class
    assert crema["uar"] == pytest.approx(5 / 6)
    assert crema["accuracy"] == pytest.approx(10 / 12)
    assert crema["predicted_absent"] == 2 and crema["classes"] == _CREMA  # calm still not a CREMA-D class
    assert pc["ravdess"]["uar"] == 1.0  # the other corpus is untouched
    one_wrong = E.per_corpus(*_two_corpora({"neutral": "sad"}))["crema-d"]
    assert one_wrong["uar"] == pytest.approx(crema["uar"])  # calm is as wrong as any other wrong class
    assert one_wrong["predicted_absent"] == 0
    # the corpus breakdown tells the same, and the pooled score averages calm (RAVDESS's) in
    b = E.breakdowns(pd.DataFrame({"y_true": true, "y_pred": pred, "corpus": corpus, "actor": [1001] * 12 + [1] * 8}))
    assert list(b) == ["corpus", "actor"]
    assert b["corpus"].loc["crema-d", "uar"] == pytest.approx(5 / 6)
    assert E.metrics(true, pred)["averaged_over"] == list(EMOTIONS)


def test_corpus_breakdown_left_out_for_one_corpus_and_per_corpus_validates():
    df = pd.DataFrame({"y_true": [0, 1], "y_pred": [0, 0], "corpus": ["ravdess"] * 2, "actor": [1, 2]})
    assert list(E.breakdowns(df)) == ["actor"]
    assert list(E.breakdowns(df[["y_true", "y_pred", "corpus"]])) == ["corpus"]
    with pytest.raises(DataError, match="corpus must have shape"):
        E.per_corpus([0, 1], [0, 1], ["ravdess"])
    with pytest.raises(DataError, match="missing values"):
        E.per_corpus([0, 1], [0, 1], ["ravdess", None])


def test_protocol_text_names_the_corpora():
    info = {
        "split": "speaker", "synthetic": False, "n_files": {"train": 90, "val": 20, "test": 30},
        "actors": {"train": [1, 2, 1001, 1002], "val": [3, 1003], "test": [4, 1004, 2001]},
        "corpora": {"ravdess": 60, "crema-d": 70, "tess": 10},
        "speakers_by_corpus": {"train": {"ravdess": 2, "crema-d": 2}, "val": {"ravdess": 1, "crema-d": 1},
                               "test": {"ravdess": 1, "crema-d": 1, "tess": 1}},
    }
    text = E.protocol_text(info)
    assert "**Data: RAVDESS, CREMA-D and TESS**" in text and "CREMA-D 70 files" in text
    assert "test: 3 speakers (RAVDESS 1, CREMA-D 1, TESS 1) (30 files)" in text
    assert "Data: RAVDESS**" not in text


# --- baselines -------------------------------------------------------------------------


def test_majority_baseline():
    y_train = [3, 3, 3, 1, 2, 3, 0]
    y_test = [3, 3, 1, 0, 5]
    out = E.majority_baseline(y_train, y_test)
    assert out["majority_class"] == "sad"
    assert out["y_pred"].tolist() == [3] * 5
    assert out["accuracy"] == pytest.approx(0.4)
    assert out["uar"] == pytest.approx(1 / 4)  # four classes present in the test part
    # ties go to the first label
    assert E.majority_baseline([2, 1], [1])["majority_class"] == "calm"


# --- summaries -------------------------------------------------------------------------


def test_fold_summary_and_format():
    folds = [
        {"accuracy": 0.5, "uar": 0.4, "macro_f1": 0.3},
        {"accuracy": 0.7, "uar": 0.6, "macro_f1": 0.5},
        {"accuracy": 0.6, "uar": 0.5, "macro_f1": 0.4},
    ]
    s = E.fold_summary(folds)
    assert s["n_folds"] == 3
    assert s["accuracy"]["mean"] == pytest.approx(0.6)
    assert s["accuracy"]["std"] == pytest.approx(np.std([0.5, 0.7, 0.6], ddof=1))
    assert s["uar"]["values"] == [0.4, 0.6, 0.5]
    json.dumps(s)
    assert E.format_mean_std(s["accuracy"]) == "60.0 ± 10.0 %"
    assert E.format_mean_std(0.61234, 0.0345, percent=False, digits=3) == "0.612 ± 0.035"
    assert E.format_mean_std(0.5) == "50.0 %"
    assert E.fold_summary(folds[:1])["uar"]["std"] == 0.0
    with pytest.raises(DataError):
        E.fold_summary([{"accuracy": 0.5}])
    with pytest.raises(DataError):
        E.fold_summary([])


def test_comparison_table():
    t, p = _random_pair(100, seed=5)
    crnn = E.fold_summary([E.metrics(t, p), E.metrics(t, t)])
    table = E.comparison_table({"CRNN (5 folds)": crnn, "SVM": E.metrics(t, p), "majority": E.majority_baseline(t, t)})
    assert table.index.tolist() == ["CRNN (5 folds)", "SVM", "majority"]
    assert list(table.columns) == ["accuracy", "uar", "macro_f1", "accuracy_std", "uar_std", "macro_f1_std"]
    assert table.loc["SVM", "accuracy"] == pytest.approx(accuracy_score(t, p))
    assert table.loc["CRNN (5 folds)", "accuracy"] == pytest.approx((accuracy_score(t, p) + 1) / 2)
    assert np.isnan(table.loc["SVM", "uar_std"])
    plain = E.comparison_table({"SVM": E.metrics(t, p)})
    assert list(plain.columns) == ["accuracy", "uar", "macro_f1"]
    with pytest.raises(DataError, match="lacks"):
        E.comparison_table({"x": {"accuracy": 1.0}})


# --- protocol --------------------------------------------------------------------------


def _split_df() -> pd.DataFrame:
    actors = [1, 2, 3, 4, 17, 18]
    parts = {1: "train", 2: "train", 3: "val", 4: "train", 17: "test", 18: "test"}
    rows = [{"actor": a, "part": parts[a], "file_id": f"x{a}-{k}"} for a in actors for k in range(3)]
    return pd.DataFrame(rows)


def test_protocol_text_speaker_split():
    info = E.describe_split(_split_df(), split="speaker", synthetic=False, seed=42)
    assert info["actors"] == {"train": [1, 2, 4], "val": [3], "test": [17, 18]}
    assert info["n_files"] == {"train": 9, "val": 3, "test": 6}
    json.dumps(info)
    text = E.protocol_text(info)
    assert "speaker-independent" in text
    assert "test: actors 17, 18 (6 files)" in text
    assert "val: actors 03 (3 files)" in text
    assert "RAVDESS" in text and "synthetic" not in text
    assert "\n" not in text  # one paragraph


def test_protocol_text_random_split_warns_about_speakers():
    info = E.describe_split(_split_df(), split="random", synthetic=True, test_size=0.2, val_size=0.1)
    text = E.protocol_text(info)
    assert "random split" in text
    assert "same actors" in text and "overstate" in text
    assert "20 % of the files for test" in text
    assert "synthetic" in text


def test_protocol_text_validates():
    with pytest.raises(DataError, match="random"):
        E.protocol_text({"split": "kfold", "synthetic": False})
    with pytest.raises(DataError, match="synthetic"):
        E.protocol_text({"split": "random"})


def test_import_is_light():
    code = (
        "import sys, ser_utils.evaluation.metrics, ser_utils.evaluation.plots; "
        "bad = [m for m in ('tensorflow', 'keras', 'matplotlib.pyplot', 'sklearn', 'librosa') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
