"""Cross-corpus scoring: restriction to shared classes, known numbers, both modes, the metrics entry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ser_utils.config import EMOTIONS
from ser_utils.errors import DataError
from ser_utils.evaluation import cross_corpus as cc
from ser_utils.prep import normalise

LABELS = list(EMOTIONS)


def test_restrict_renormalises_over_the_shared_classes():
    p = np.zeros((2, 8))
    p[0, [0, 1, 2]] = [0.2, 0.6, 0.2]  # calm wins overall, but calm is not shared
    p[1, 1] = 1.0  # all mass on calm: nothing left, so uniform
    r = cc.restrict(p, LABELS, ["neutral", "happy", "sad"])
    assert np.allclose(r, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    with pytest.raises(DataError, match="shape"):
        cc.restrict(p[:, :7], LABELS, ["neutral"])


def test_shared_classes_keep_label_order():
    assert cc.shared_classes(LABELS, ["sad", "angry", "neutral"]) == ["neutral", "sad", "angry"]
    with pytest.raises(DataError, match="no emotion in common"):
        cc.shared_classes(["a", "b"], ["c"])


def test_score_known_numbers():
    classes = ["happy", "sad"]
    y = ["happy", "happy", "happy", "sad"]
    P = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])  # 2/3 happy right, 1/1 sad right
    s = cc.score(y, P, classes=classes, speakers=["a", "a", "b", "b"])
    assert s["accuracy"] == pytest.approx(0.75)
    assert s["uar"] == pytest.approx((2 / 3 + 1) / 2)
    assert s["chance_uar"] == 0.5
    assert s["confusion"].loc["happy", "sad"] == 1 and s["confusion"].loc["sad", "sad"] == 1
    assert s["per_speaker"].loc["a", "accuracy"] == 1.0 and s["per_speaker"].loc["b", "accuracy"] == 0.5


class _FakeBundle:
    """Just enough of ``Bundle``: fixed probabilities, per-speaker statistics, no classic part."""

    labels = LABELS
    n_frames = 10
    deltas = 0
    fusion_weight = 0.0

    def __init__(self, probs: dict[str, np.ndarray], fail: set[str] = frozenset()):
        self.probs, self.fail, self.seen = probs, fail, []
        rng = np.random.default_rng(0)
        X = rng.standard_normal((6, 10, 4, 1)).astype(np.float32)
        self.norm_stats = normalise.fit(X, np.full(6, 10), method="per_speaker", actors=[1, 1, 1, 2, 2, 2])
        self.settings = {"features": {"n_mels": 4}}
        self.order: list[str] = []

    def analyse(self, paths):
        ok = [p for p in paths if p not in self.fail]
        self.order = ok
        rng = np.random.default_rng(1)
        mels = [rng.standard_normal((4, 12)).astype(np.float32) + (3.0 if "spk2" in p else 0.0) for p in ok]
        return mels, np.zeros((len(ok), 3)), ok, [(p, "cannot load") for p in paths if p in self.fail]

    def predict(self, X):
        self.seen.append(np.asarray(X))
        return np.stack([self.probs[p] for p in self.order]).astype(np.float32)


def _onehot(name: str, also: str | None = None) -> np.ndarray:
    v = np.full(8, 0.01)
    v[LABELS.index(name)] = 0.5
    if also:
        v[LABELS.index(also)] = 0.9  # a larger, non-shared class
    return v / v.sum()


def test_evaluate_corpus_known_numbers_in_both_modes():
    # a CREMA-D-like corpus: six classes, two speakers; calm would win two files if not restricted
    rows = [
        ("spk1_a.wav", "angry", "angry", None),
        ("spk1_b.wav", "sad", "sad", "calm"),
        ("spk1_c.wav", "happy", "sad", None),
        ("spk2_a.wav", "neutral", "neutral", "calm"),
        ("spk2_b.wav", "disgust", "disgust", "surprised"),
        ("spk2_c.wav", "fearful", "angry", None),
        ("spk2_d.wav", "fearful", "fearful", None),
    ]
    m = pd.DataFrame(
        {
            "path": [r[0] for r in rows],
            "emotion": [r[1] for r in rows],
            "actor": [1001 if r[0].startswith("spk1") else 1002 for r in rows],
            "speaker": ["crema-d:1001" if r[0].startswith("spk1") else "crema-d:1002" for r in rows],
        }
    )
    probs = {r[0]: _onehot(r[2], r[3]) for r in rows}
    probs["broken.wav"] = _onehot("sad")
    b = _FakeBundle(probs, fail={"broken.wav"})
    m = pd.concat(
        [m, pd.DataFrame([{"path": "broken.wav", "emotion": "sad", "actor": 1001, "speaker": "crema-d:1001"}])]
    )
    r = cc.evaluate_corpus(b, m, name="crema-d")
    assert r.classes == ["neutral", "happy", "sad", "angry", "fearful", "disgust"]
    assert r.n_files == 7 and r.n_speakers == 2 and r.failed == [("broken.wav", "cannot load")]
    for mode in cc.MODES:
        s = r.scores[mode]
        assert s["accuracy"] == pytest.approx(5 / 7)
        # recalls: neutral 1, happy 0, sad 1, angry 1, fearful 1/2, disgust 1
        assert s["uar"] == pytest.approx((1 + 0 + 1 + 1 + 0.5 + 1) / 6)
        assert s["chance_uar"] == pytest.approx(1 / 6)
        assert s["per_speaker"].loc["crema-d:1001", "n"] == 3
    # single clip: global statistics; per speaker: each speaker's own statistics (different inputs)
    single, per = b.seen
    assert not np.allclose(single, per)
    assert abs(per[3:, :, :, 0][per[3:, :, :, 0] != 0].mean()) < 0.2  # speaker 2's offset removed
    entry = cc.metrics_entry([r])
    assert set(entry["crema-d"]) >= {"n_files", "classes", "chance_uar", "single_clip", "per_speaker", "n_speakers"}
    assert entry["crema-d"]["single_clip"]["uar"] == pytest.approx(4.5 / 6)
    table = cc.summary_table([r])
    assert table.loc[("crema-d", "per speaker"), "files"] == 7
    with pytest.raises(DataError, match="given twice"):
        cc.metrics_entry([r, r])


@pytest.mark.parametrize("chunk", [128, 2])
def test_analyse_batches_and_records_files_it_cannot_read(tmp_path, write_wav, monkeypatch, chunk):
    monkeypatch.setattr(cc, "_CHUNK", chunk)  # 2: the first chunk (two good files) in one call
    from ser_utils import config, features

    class _Settings:
        settings = {"features": features.feature_settings(config.resolve("demo", n_mels=16))}
        deltas = 0

    rng = np.random.default_rng(0)
    paths = [write_wav(tmp_path / f"100{i}_DFA_ANG_XX.wav", 0.3 * rng.standard_normal(8000), 16000) for i in (1, 2)]
    m = pd.DataFrame({"path": [str(p) for p in paths], "file_id": ["a", "b"]})
    mels, pooled, ok, failed = cc.analyse(_Settings(), m, cache_dir=tmp_path / "cache", n_jobs=1)
    assert ok == list(m["path"]) and failed == [] and pooled.shape[0] == 2 and mels[0].shape[0] == 16
    bad = tmp_path / "1003_DFA_ANG_XX.wav"
    bad.write_text("not audio at all\n" * 50)
    m2 = pd.concat([m, pd.DataFrame({"path": [str(bad)], "file_id": ["c"]})], ignore_index=True)
    mels2, pooled2, ok2, failed2 = cc.analyse(_Settings(), m2, cache_dir=tmp_path / "cache", n_jobs=1)
    assert ok2 == ok and [p for p, _ in failed2] == [str(bad)] and str(bad) in failed2[0][1]
    assert np.allclose(pooled2, pooled) and all(np.array_equal(a, b) for a, b in zip(mels, mels2))


def test_bundles_with_named_modes_predict_through_them():
    modes = pytest.importorskip(
        "ser_utils.models.modes", reason="the prediction modes of the encoder branch are not merged yet"
    )

    class _ModeBundle:
        known_speakers = [1, 2]
        prediction_modes = {"min_speaker_clips": 2}

        def __init__(self):
            self.calls = []

        def encoder_features(self, paths):
            return None

        def mode_probabilities(self, logmels, P, E, speakers, file_modes):
            self.calls.append((list(speakers), list(file_modes)))
            return np.tile(np.linspace(0.05, 0.2, 8), (len(logmels), 1))

    b = _ModeBundle()
    mels = [np.zeros((4, 5))] * 3
    cc.bundle_probabilities(b, mels, np.zeros((3, 2)), actors=None, paths=["a", "b", "c"])
    cc.bundle_probabilities(b, mels, np.zeros((3, 2)), actors=[1001, 1001, 1002], paths=["a", "b", "c"])
    assert b.calls[0] == ([None] * 3, ["single_clip"] * 3)
    # 1002 has one clip: too few for its own statistics, so single clip (the bundle's rule)
    assert b.calls[1] == (
        [1001, 1001, 1002],
        modes.file_modes([1001, 1001, 1002], known=[1, 2], min_clips=2, mode="per_speaker"),
    )


# --------------------------------------------------------------------------- every file accounted for


class _ExtractBundle:
    """A bundle whose features are really extracted (16 log-mels) and whose probabilities are fixed."""

    n_frames = 20
    deltas = 0
    fusion_weight = 0.0

    def __init__(self, labels=LABELS):
        from ser_utils import config, features

        self.labels = list(labels)
        self.settings = {"features": features.feature_settings(config.resolve("demo", n_mels=16))}
        X = np.random.default_rng(0).standard_normal((4, 20, 16, 1)).astype(np.float32)
        self.norm_stats = normalise.fit(X, np.full(4, 20), method="global")

    def predict(self, X):
        p = np.random.default_rng(len(X)).random((len(X), len(self.labels)))
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


def _on_disk(root) -> int:
    import os

    return sum(len(files) for _, _, files in os.walk(root))


def _check_account(results, root) -> None:
    """in == used + skipped for each corpus, the reasons add up, and the entry says the same."""
    entry = cc.metrics_entry(results)
    for r in results:
        a = r.account
        assert a["n_in"] == a["n_used"] + a["n_skipped"] == r.n_files + len(r.skipped)
        assert sum(a["skipped_by_reason"].values()) == a["n_skipped"]
        assert r.n_files == a["n_used"] == len(r.predictions)
        files = entry[r.name]["files"]
        keys = ("n_in", "n_used", "n_skipped")
        assert {k: files[k] for k in keys} == {k: a[k] for k in keys}
        assert len(files["skipped_files"]) + files["n_not_listed"] == a["n_skipped"]
    table = cc.account_table(results)
    assert (table["files in"] == table["used"] + table["skipped"]).all()
    assert sum(r.account["n_in"] for r in results) == _on_disk(root)


@pytest.mark.shared
def test_every_file_of_the_shared_samples_is_counted_per_corpus(shared_data, tmp_path):
    root = shared_data / "cross-corpus-samples"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    b = _ExtractBundle()
    results, _ = cc.evaluate_dirs(b, [root], cache_dir=tmp_path / "cache", n_jobs=2)
    _check_account(results, root)
    assert _on_disk(root) == 172
    # per corpus, against the files in each corpus's own folder
    assert {r.name: r.account["n_in"] for r in results} == {c: _on_disk(root / c) for c in ("crema-d", "savee", "tess")}
    assert all(r.account["n_used"] == r.account["n_in"] for r in results)  # the samples hold no odd file
    # a sample of 50: every other file is counted as not sampled, with the same totals
    sampled, _ = cc.evaluate_dirs(b, [root], max_files=50, cache_dir=tmp_path / "cache", n_jobs=2)
    _check_account(sampled, root)
    assert sum(r.n_files for r in sampled) == 50
    assert sum(r.account["skipped_by_reason"].get("not_sampled", 0) for r in sampled) == 172 - 50
    assert cc.skipped_files_table(sampled).empty and len(cc.skipped_files_table(sampled, not_sampled=True)) == 122


def test_odd_files_are_skipped_with_reasons_in_the_account(tmp_path, write_wav, monkeypatch):
    import os

    rng = np.random.default_rng(0)
    root = tmp_path / "other"
    crema = root / "crema-d" / "AudioWAV"
    for a in (1001, 1002):
        for e in ("ANG", "HAP", "NEU", "SAD"):
            write_wav(crema / f"{a}_IEO_{e}_HI.wav", 0.2 * rng.standard_normal(12000), 16000)
    (crema / "1001_DFA_ANG_XX.wav").write_text("this is a text file, not audio\n" * 20)  # not audio
    (crema / "1001_DFA_DIS_XX.wav").write_bytes(b"")  # empty
    write_wav(crema / "1001_DFA_FEA_XX.wav", 0.2 * rng.standard_normal(3200), 16000)  # 0.2 s: too short
    (crema / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # no corpus's name: counted with crema-d
    os.symlink(crema / "missing.wav", crema / "1001_DFA_HAP_XX.wav")  # a link to nothing
    for w, e in (("back", "angry"), ("bar", "angry"), ("base", "happy")):
        write_wav(root / "tess" / f"OAF_{e}" / f"OAF_{w}_{e}.wav", 0.2 * rng.standard_normal(16000), 24414)
    tess = root / "tess" / "OAF_angry"
    (tess / "OAF_copy_angry.wav").write_bytes((tess / "OAF_back_angry.wav").read_bytes())  # duplicate
    (root / "tess" / "README.txt").write_text("about TESS\n")

    real = cc.analyse
    fails = str(crema / "1002_IEO_NEU_HI.wav")

    def analyse(bundle, manifest, **kw):  # the bundle cannot read one file
        mels, pooled, ok, failed = real(bundle, manifest[manifest["path"] != fails], **kw)
        return mels, pooled, ok, failed + ([(fails, "cannot decode it")] if fails in set(manifest["path"]) else [])

    monkeypatch.setattr(cc, "analyse", analyse)
    b = _ExtractBundle(labels=[e for e in LABELS if e != "sad"])  # sad: an emotion the bundle lacks
    results, _ = cc.evaluate_dirs(b, [root], cache_dir=tmp_path / "cache", n_jobs=1)
    _check_account(results, root)
    by = {r.name: r for r in results}
    assert set(by) == {"crema-d", "tess"}
    assert by["crema-d"].account == {
        "n_in": 13,
        "n_used": 5,
        "n_skipped": 8,
        "skipped_by_reason": {
            "unparseable_name": 1, "not_audio": 1, "corrupt": 1, "empty": 1, "too_short": 1,
            "emotion_not_shared": 2, "analysis_failed": 1,
        },
    }
    assert by["tess"].account == {"n_in": 5, "n_used": 3, "n_skipped": 2,
                                  "skipped_by_reason": {"unparseable_name": 1, "duplicate": 1}}
    table = cc.skipped_files_table(results).set_index("path")
    assert table.loc["crema-d/AudioWAV/1001_DFA_ANG_XX.wav", "reason"] == "not_audio"
    assert table.loc["crema-d/AudioWAV/1001_DFA_DIS_XX.wav", "reason"] == "empty"
    assert table.loc["crema-d/AudioWAV/1001_DFA_FEA_XX.wav", "reason"] == "too_short"
    assert table.loc["crema-d/AudioWAV/1001_DFA_HAP_XX.wav", "reason"] == "corrupt"
    assert table.loc["crema-d/AudioWAV/.DS_Store", "corpus"] == "crema-d"
    assert table.loc["crema-d/AudioWAV/1002_IEO_NEU_HI.wav", "detail"] == "cannot decode it"
    assert table.loc["tess/README.txt", "corpus"] == "tess"
    assert table.loc["tess/OAF_angry/OAF_copy_angry.wav", "reason"] == "duplicate"
    listed = {f["path"]: f["reason"] for f in cc.metrics_entry(results)["crema-d"]["files"]["skipped_files"]}
    assert listed["crema-d/AudioWAV/1001_DFA_DIS_XX.wav"] == "empty" and len(listed) == 8
