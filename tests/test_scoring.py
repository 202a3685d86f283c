"""ser_utils.evaluation.scoring: the test part's numbers from probabilities, on a hand-made example."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ser_utils.errors import DataError
from ser_utils.evaluation import scoring

ABC = ("a", "b", "c")
Y = np.array([0, 0, 1, 2])
# argmax: 0 (right), 1 (wrong), 1 (right), 0 (wrong): accuracy 2/4, recalls 1/2, 1, 0
P_CRNN = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.5, 0.2, 0.3]])
# argmax: 2 (wrong), 0 (right), 2 (wrong), 2 (right): accuracy 2/4, recalls 1/2, 0, 1
P_CLASSIC = np.array([[0.1, 0.1, 0.8], [0.8, 0.1, 0.1], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]])
# half and half: [.35 .2 .45] -> 2 (wrong), [.5 .4 .1] -> 0, [.2 .55 .25] -> 1, [.3 .15 .55] -> 2
P_BUNDLE = 0.5 * P_CRNN + 0.5 * P_CLASSIC
META = pd.DataFrame(
    {"file_id": ["f1", "f2", "f3", "f4"], "actor": [1, 1, 2, 2], "gender": ["male", "male", "female", "female"]}
)


def _score(**kw):
    args = dict(
        p_bundle=P_BUNDLE, p_crnn=P_CRNN, p_classic=P_CLASSIC, meta=META, y_fit=np.array([0, 0, 0, 1, 2]),
        model_name="attn_crnn", classic_kind="svm", classic_per_speaker=True, fusion_weight=0.5, labels=ABC,
    )
    args.update(kw)
    return scoring.score(Y, **args)


def test_bundle_metrics_computed_by_hand():
    s = _score()
    m = s["metrics"]
    assert m["accuracy"] == pytest.approx(3 / 4)
    # recalls: a 1/2, b 1/1, c 1/1
    assert m["uar"] == pytest.approx((0.5 + 1 + 1) / 3)
    # F1: a P=1 R=1/2 -> 2/3; b P=1 R=1 -> 1; c P=1/2 R=1 -> 2/3
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1 + 2 / 3) / 3)
    assert s["pred_df"]["y_pred"].tolist() == [2, 0, 1, 2]
    assert s["pred_df"]["predicted"].tolist() == ["c", "a", "b", "c"]
    assert s["pred_df"]["file_id"].tolist() == ["f1", "f2", "f3", "f4"]
    np.testing.assert_array_equal(s["pred_df"][["p_a", "p_b", "p_c"]].to_numpy(), P_BUNDLE)


def test_rows_parts_and_majority_baseline():
    s = _score()
    names = list(s["rows"])
    assert names == [
        "CRNN (attn_crnn) + SVM, probabilities weighted 0.5 / 0.5: the bundle",
        "CRNN (attn_crnn) alone",
        "SVM on pooled features (per-speaker standardised) alone",
        "majority class",
    ]
    assert s["headline"] == names[0] and s["model_label"] == "attn_crnn + svm"
    b = s["baselines"]
    assert list(b) == names[1:]
    assert b["CRNN (attn_crnn) alone"]["accuracy"] == pytest.approx(0.5)
    assert b["CRNN (attn_crnn) alone"]["uar"] == pytest.approx(0.5)
    assert b[names[2]]["accuracy"] == pytest.approx(0.5)
    # majority class of y_fit is "a": right on 2 of 4, recall 1 for a, 0 for b and c
    assert b["majority class"]["accuracy"] == pytest.approx(0.5)
    assert b["majority class"]["uar"] == pytest.approx(1 / 3)
    assert list(s["comparison"].index) == names
    assert s["comparison"]["accuracy"].tolist() == pytest.approx([0.75, 0.5, 0.5, 0.5])


def test_a_bundle_with_modes_is_named_and_its_other_parts_are_rows_too():
    P_ENC = np.eye(3)[[0, 0, 1, 1]] * 0.8 + 0.1  # argmax 0, 0, 1, 1: right, right, right, wrong
    s = _score(extra={"Whisper-base head alone": P_ENC}, bundle_name=("the bundle, per-speaker mode", "crnn + encoder"))
    names = list(s["rows"])
    assert names[0] == s["headline"] == "the bundle, per-speaker mode" and s["model_label"] == "crnn + encoder"
    assert names[-2:] == ["Whisper-base head alone", "majority class"]
    assert s["baselines"]["Whisper-base head alone"]["accuracy"] == pytest.approx(0.75)
    assert s["metrics"]["accuracy"] == pytest.approx(3 / 4)  # still the bundle's own numbers
    with pytest.raises(DataError, match="Whisper"):
        _score(extra={"Whisper-base head alone": P_ENC[:2]})


def test_without_fusion_the_bundle_is_the_crnn():
    s = _score(p_bundle=P_CRNN, fusion_weight=0.0, classic_per_speaker=False)
    assert list(s["rows"]) == ["CRNN (attn_crnn): the bundle", "SVM on pooled features", "majority class"]
    assert s["model_label"] == "attn_crnn"
    assert s["metrics"]["accuracy"] == pytest.approx(0.5)


def test_bad_shapes_are_refused():
    with pytest.raises(DataError, match="p_crnn must have shape"):
        _score(p_crnn=P_CRNN[:3])
    with pytest.raises(DataError, match="one row of meta"):
        _score(meta=META.iloc[:3])


def test_split_summary_reads_what_notebook_03_recorded():
    meta = pd.DataFrame({"vocal_channel": ["speech", "speech"]})
    info, protocol = scoring.split_summary(
        {
            "split": {"kind": "speaker", "seed": 3, "test_actors": [5]},
            "n_files": {"train": 7},
            "normalisation": "global",
        },
        actors={"train": [1, 2], "val": [3], "test": [5]},
        meta_train=meta.iloc[:1],
        meta_val=meta.iloc[:1],
        meta_test=meta,
        defaults={"split": "random", "normalisation": "per_speaker", "balance": "none", "seed": 42},
        synthetic=True,
    )
    assert info["split"] == "speaker" and info["normalisation"] == "global" and info["balance"] == "none"
    assert info["n_train"] == 7 and info["n_train_rows"] == 1 and info["n_test"] == 2
    assert info["test_actors"] == [5]
    assert isinstance(protocol, str) and protocol


def test_split_summary_names_the_fallbacks_and_the_folds_used():
    meta = pd.DataFrame({"vocal_channel": ["speech", "speech"]})
    args = dict(
        actors={"train": [1], "val": [2], "test": [3]},
        meta_train=meta.iloc[:1],
        meta_val=meta.iloc[:1],
        meta_test=meta,
        defaults={"split": "speaker", "normalisation": "per_speaker", "balance": "none", "seed": 42},
        synthetic=False,
    )
    note = "speaker split: 1 validation actor(s) instead of 2"
    settings = {"split": {"kind": "speaker", "seed": 3, "n_folds": None, "fold": 0, "n_folds_used": 3},
                "fallbacks": [note]}
    info, protocol = scoring.split_summary(settings, **args)
    assert info["fallbacks"] == [f"data preparation: {note}"]
    assert "fold 1 of 3" in protocol  # the folds used, not the default of 3 actors (2)
    assert "Small data" in protocol and note in protocol
    info, protocol = scoring.split_summary({"split": {"kind": "speaker", "seed": 3}}, **args)
    assert info["fallbacks"] == [] and "Small data" not in protocol


def test_mode_metrics_per_corpus_in_both_modes():
    from ser_utils.config import EMOTIONS

    crema = ["neutral", "happy", "sad", "angry", "fearful", "disgust"]
    y = np.array([EMOTIONS.index(e) for e in crema] + list(range(8)))
    corpus = ["crema-d"] * 6 + ["ravdess"] * 8
    right = np.eye(8)[y]
    calm = right.copy()
    calm[0] = np.eye(8)[1]  # the CREMA-D neutral file predicted calm
    out = scoring.mode_metrics(y, {"per_speaker": right, "single_clip": calm}, corpus=corpus,
                               descriptions={"per_speaker": "together"})
    assert out["per_speaker"]["description"] == "together" and out["single_clip"]["description"] == ""
    for mode in ("per_speaker", "single_clip"):
        pc = out[mode]["per_corpus"]
        assert set(pc) == {"crema-d", "ravdess"} and pc["crema-d"]["n"] == 6 and pc["ravdess"]["n"] == 8
        assert pc["crema-d"]["classes"] == crema
    assert out["per_speaker"]["per_corpus"]["crema-d"]["uar"] == 1.0
    assert out["single_clip"]["per_corpus"]["crema-d"]["uar"] == pytest.approx(5 / 6)
    assert out["single_clip"]["per_corpus"]["ravdess"]["uar"] == 1.0
    assert out["single_clip"]["uar"] == pytest.approx((0.5 + 7) / 8)  # pooled: neutral 1 of 2, calm counted
    table = scoring.per_corpus_table(out)
    assert table.index.tolist() == ["crema-d", "ravdess"] and table.loc["crema-d", "classes"] == 6
    assert table.loc["crema-d", "uar single_clip"] == pytest.approx(5 / 6)
    assert table.loc["crema-d", "uar per_speaker"] == 1.0 and table.loc["crema-d", "predicted_absent single_clip"] == 1
    assert "per_corpus" not in scoring.mode_metrics(y, {"per_speaker": right})["per_speaker"]
    assert scoring.per_corpus_table(scoring.mode_metrics(y, {"per_speaker": right})).empty
    with pytest.raises(DataError, match="shape"):
        scoring.mode_metrics(y, {"per_speaker": right[:3]})


def test_split_summary_of_several_corpora_names_them():
    meta = pd.DataFrame({"vocal_channel": ["speech"] * 3, "actor": [1, 1001, 2001],
                         "corpus": ["ravdess", "crema-d", "tess"]})
    info, protocol = scoring.split_summary(
        {
            "split": {"kind": "speaker", "seed": 3, "fold": 0, "n_folds": 5},
            "n_files": {"train": 3, "val": 3, "test": 3},
            "corpora": {"crema-d": {"train": 1, "val": 1, "test": 1}, "ravdess": {"train": 1, "val": 1, "test": 1},
                        "tess": {"train": 1, "val": 1, "test": 1}},
        },
        actors={"train": [1, 1001, 2001], "val": [1, 1001, 2001], "test": [1, 1001, 2001]},
        meta_train=meta, meta_val=meta, meta_test=meta,
        defaults={"split": "speaker", "normalisation": "per_speaker", "balance": "none", "seed": 42},
        synthetic=False,
    )
    assert info["corpora"]["tess"] == {"train": 1, "val": 1, "test": 1}
    assert info["speakers_by_corpus"]["test"] == {"crema-d": 1, "ravdess": 1, "tess": 1}
    assert "CREMA-D, RAVDESS and TESS" in protocol and "test: 3 speakers (CREMA-D 1, RAVDESS 1, TESS 1)" in protocol
