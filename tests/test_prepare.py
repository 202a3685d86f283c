"""The preparation pipeline: training-only augmentation, normalisation and balancing; a test set
that does not depend on any of them; save/load round trip."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest

from ser_utils import features
from ser_utils.config import resolve
from ser_utils.data.ravdess import make_filename, parse_filename
from ser_utils.prep.prepare import load_prepared, prepare_datasets, save_prepared

SR = 8000
ACTORS = list(range(1, 9))  # 4 men, 4 women
OVERRIDES = dict(
    sample_rate=SR, n_mels=16, n_fft=512, hop_length=128, n_mfcc=13, n_jobs=1,
    test_actors=[7, 8], n_val_actors=2, length_percentile=90.0, deltas=0,
    aug_noise_snr_db=20.0, aug_pitch_semitones=1.0, aug_stretch=0.1, aug_shift_s=0.05, aug_gain_db=3.0,
)


def _cfg(**kw):
    return resolve("demo", **{**OVERRIDES, **kw})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A tiny corpus (8 actors; 'angry' over-represented) and its FeatureSet."""
    import soundfile as sf

    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(0)
    rows = []
    for a in ACTORS:
        for e in range(8):
            for rep in (1, 2) if e == 4 else (1,):
                for st in (1, 2) if e == 4 else (1,):
                    name = make_filename(emotion_id=e + 1, intensity_id=1, statement_id=st, repetition=rep, actor=a)
                    dur = 0.4 + 0.1 * ((a + e + rep) % 4)  # 0.4-0.7 s: lengths differ
                    t = np.arange(int(dur * SR)) / SR
                    y = 0.2 * np.sin(2 * np.pi * (150 + 40 * e + 5 * a) * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
                    y = np.concatenate([np.zeros(400), y + 0.01 * rng.normal(size=len(t)), np.zeros(400)])
                    path = root / f"Actor_{a:02d}" / name
                    path.parent.mkdir(exist_ok=True)
                    sf.write(str(path), y.astype(np.float32), SR, subtype="PCM_16")
                    d = parse_filename(name).as_dict()
                    d.update(path=str(path), file_id=path.stem)
                    rows.append(d)
    manifest = pd.DataFrame(rows).sort_values("file_id").reset_index(drop=True)
    cache = tmp_path_factory.mktemp("cache")
    fs = features.extract(
        manifest, settings=features.feature_settings(_cfg()), cache_dir=cache, n_jobs=1, progress=False
    )
    return fs, cache


def _parts(p):
    return {part: getattr(p, f"meta_{part}")["file_id"].tolist() for part in ("train", "val", "test")}


@pytest.mark.parametrize("norm", ["global", "per_speaker"])
def test_test_set_identical_whatever_augmentation_and_balancing(corpus, norm):
    fs, cache = corpus
    plain = prepare_datasets(
        fs, _cfg(aug_copies=0, balance="none", normalisation=norm), cache_dir=cache, progress=False
    )
    heavy = prepare_datasets(
        fs, _cfg(aug_copies=1, balance="oversample", normalisation=norm), cache_dir=cache, progress=False
    )
    smote = prepare_datasets(
        fs, _cfg(aug_copies=1, balance="smote", normalisation=norm), cache_dir=cache, progress=False
    )
    for other in (heavy, smote):
        # test and validation parts: same files, same values, bit for bit
        for part in ("val", "test"):
            assert _parts(other)[part] == _parts(plain)[part]
            np.testing.assert_array_equal(getattr(other, f"X_{part}"), getattr(plain, f"X_{part}"))
            np.testing.assert_array_equal(getattr(other, f"len_{part}"), getattr(plain, f"len_{part}"))
            np.testing.assert_array_equal(getattr(other, f"y_{part}"), getattr(plain, f"y_{part}"))
        np.testing.assert_array_equal(other.P_test, plain.P_test)
        # only the training part grows
        assert len(other.X_train) > len(plain.X_train)
        assert other.settings["augmentation"]["rows"] == len(plain.X_train)
        assert other.meta_train["augmented"].sum() >= len(plain.X_train)
        assert set(other.meta_train.loc[other.meta_train["augmented"], "source_file_id"]) == set(_parts(plain)["train"])
    assert sorted(set(plain.meta_test["actor"])) == [7, 8]
    assert not set(plain.meta_val["actor"]) & {7, 8}
    assert not set(heavy.meta_train["actor"]) & (set(plain.meta_test["actor"]) | set(plain.meta_val["actor"]))
    # balanced training parts
    assert len(set(np.bincount(heavy.y_train).tolist())) == 1
    assert len(set(np.bincount(smote.y_train).tolist())) == 1
    syn = np.flatnonzero(smote.meta_train["actor"].to_numpy() == -1)
    assert len(syn) and smote.meta_train["resampled"].to_numpy()[syn].all()
    for i in syn:  # synthetic rows: real frames end where both neighbours' padding begins
        L = smote.len_train[i]
        assert (
            1 <= L <= smote.X_train.shape[1]
            and (smote.X_train[i, L:] == 0).all()
            and (smote.X_train[i, L - 1] != 0).any()
        )
    assert heavy.settings["class_counts_after"]["angry"] == heavy.settings["class_counts_after"]["calm"]
    assert plain.settings["class_counts_before"]["angry"] == 4 * plain.settings["class_counts_before"]["calm"]


def test_n_frames_and_scaler_from_training_rows_only(corpus):
    fs, cache = corpus
    cfg = _cfg(aug_copies=0, balance="none", normalisation="global")
    p = prepare_datasets(fs, cfg, cache_dir=cache, progress=False)
    train_ids = set(p.meta_train["file_id"])
    pos = [i for i, f in enumerate(fs.index["file_id"]) if f in train_ids]
    frames = np.array([fs.logmels[i].shape[1] for i in pos])
    n = math.ceil(np.percentile(frames, 90.0))
    assert p.settings["n_frames"] == n and p.X_train.shape[1:] == (n, 16, 1)
    X, L = features.fix_length([fs.logmels[i] for i in pos], n_frames=n)
    real = np.concatenate([X[i, :l] for i, l in enumerate(L)]).astype(np.float64)
    np.testing.assert_allclose(
        np.asarray(p.settings["normalisation_stats"]["mean"])[:, 0], real.mean(axis=0), rtol=1e-5
    )
    np.testing.assert_allclose(np.asarray(p.settings["normalisation_stats"]["std"])[:, 0], real.std(axis=0), rtol=1e-5)
    # change every validation and test log-mel: nothing fitted may move
    fs2 = copy.copy(fs)
    held_out = set(p.meta_test["file_id"]) | set(p.meta_val["file_id"])
    fs2.logmels = [S + 25.0 if f in held_out else S for S, f in zip(fs.logmels, fs.index["file_id"])]
    fs2.logmels[[i for i, f in enumerate(fs.index["file_id"]) if f in held_out][0]] = np.zeros((16, 400), np.float32)
    p2 = prepare_datasets(fs2, cfg, cache_dir=cache, progress=False)
    assert p2.settings["normalisation_stats"] == p.settings["normalisation_stats"]
    assert p2.settings["n_frames"] == p.settings["n_frames"]
    np.testing.assert_array_equal(p2.X_train, p.X_train)
    assert not np.array_equal(p2.X_test, p.X_test)


def test_per_speaker_each_actor_standardised_with_own_stats(corpus):
    fs, cache = corpus
    p = prepare_datasets(
        fs, _cfg(aug_copies=0, balance="none", normalisation="per_speaker", deltas=1), cache_dir=cache, progress=False
    )
    assert p.X_test.shape[-1] == 2 and p.settings["channels"] == 2
    for part in ("train", "test"):
        X, L, meta = getattr(p, f"X_{part}"), getattr(p, f"len_{part}"), getattr(p, f"meta_{part}")
        for a in sorted(set(meta["actor"])):
            rows = np.flatnonzero(meta["actor"].to_numpy() == a)
            real = np.concatenate([X[i, : L[i]] for i in rows]).astype(np.float64)
            np.testing.assert_allclose(real.mean(axis=0), 0.0, atol=1e-4)
            for i in rows:
                assert (X[i, L[i]:] == 0).all()
    assert sorted(p.settings["normalisation_stats"]["actors"]) == sorted(str(a) for a in set(p.meta_train["actor"]))
    assert "transductive" in p.settings["normalisation_description"]


def test_save_load_round_trip(corpus, tmp_path):
    fs, cache = corpus
    p = prepare_datasets(
        fs, _cfg(aug_copies=1, balance="class_weight", normalisation="global"), cache_dir=cache, progress=False
    )
    assert p.class_weight is not None and p.class_weight[4] < p.class_weight[1]
    assert len(set(p.y_train.tolist())) == 8 and p.settings["class_counts_after"] == p.settings["class_counts_before"]
    save_prepared(p, tmp_path / "03")
    q = load_prepared(tmp_path / "03")
    for name in (
        "X_train",
        "y_train",
        "len_train",
        "X_val",
        "X_test",
        "y_test",
        "len_test",
        "P_train",
        "y_train_pooled",
        "P_test",
    ):
        np.testing.assert_array_equal(getattr(q, name), getattr(p, name))
    assert q.X_train.dtype == np.float32
    pd.testing.assert_frame_equal(q.meta_test, p.meta_test, check_dtype=False)
    assert q.meta_train["augmented"].astype(bool).sum() == p.meta_train["augmented"].sum()
    assert q.meta_test["file_id"].tolist() == p.meta_test["file_id"].tolist()
    assert q.class_weight == p.class_weight and q.settings == p.settings
    assert q.split_df["part"].tolist() == p.split_df["part"].tolist()
    assert len(q.P_train) == len(p.meta_train.query("not augmented"))


def test_random_split_prepares_stratified(corpus):
    fs, cache = corpus
    p = prepare_datasets(
        fs,
        _cfg(
            split="random",
            test_size=0.25,
            val_size=0.125,
            aug_copies=0,
            balance="oversample",
            normalisation="global",
            max_frames=20,
        ),
        cache_dir=cache,
        progress=False,
    )
    assert p.settings["n_frames"] == 20 and p.settings["n_frames_from"] == "max_frames"
    assert p.X_test.shape[1] == 20
    n = len(fs.logmels)
    assert len(p.y_test) == round(0.25 * n) or abs(len(p.y_test) - 0.25 * n) <= 1
    assert set(p.meta_test["file_id"]).isdisjoint(p.meta_train["file_id"])
    assert set(np.unique(p.y_test)) == set(range(8))


def test_a_three_actor_folder_falls_back_and_records_it(corpus, tmp_path):
    """Speaker split of 3 actors (3 folds, 1 validation actor) and SMOTE with single rows: recorded, saved, said."""
    fs, cache = corpus
    keep = np.flatnonzero(fs.index["actor"].isin([1, 2, 3]).to_numpy())
    small = copy.copy(fs)
    small.logmels = [fs.logmels[i] for i in keep]
    small.pooled = fs.pooled[keep]
    small.index = fs.index.iloc[keep].reset_index(drop=True)
    lines: list[str] = []
    cfg = _cfg(test_actors=None, n_folds=None, n_val_actors=2, aug_copies=0, balance="smote")
    p = prepare_datasets(small, cfg, cache_dir=cache, progress=False, log=lines.append)
    actors = p.settings["actors"]
    assert [len(actors[k]) for k in ("train", "val", "test")] == [1, 1, 1]
    assert p.settings["split"]["n_folds_used"] == 3 and p.settings["split"]["n_val_actors_used"] == 1
    notes = p.settings["fallbacks"]
    assert any("3 folds instead of the default 2" in n for n in notes)
    assert any("1 validation actor(s) instead of 2" in n for n in notes)
    assert any("SMOTE needs two training rows" in n and "that row is repeated" in n for n in notes)
    assert lines == [f"fallback (data preparation): {n}" for n in notes]
    counts = np.bincount(p.y_train, minlength=8)
    assert (counts == counts.max()).all()  # balanced all the same
    assert load_prepared(save_prepared(p, tmp_path / "p")).settings["fallbacks"] == notes
    big = prepare_datasets(fs, _cfg(aug_copies=0, balance="oversample"), cache_dir=cache, progress=False, log=None)
    assert big.settings["fallbacks"] == []  # eight actors: nothing to fall back from


def test_modules_import_without_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys; import ser_utils.prep.split, ser_utils.prep.augment, ser_utils.prep.normalise, "
        "ser_utils.prep.balance, ser_utils.prep.prepare; "
        "print('tensorflow' in sys.modules, 'librosa' in sys.modules, 'imblearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "False"]


def test_inputs_like_training_reproduces_test_inputs(corpus):
    from ser_utils.prep.prepare import inputs_like_training

    fs, cache = corpus
    p = prepare_datasets(
        fs, _cfg(aug_copies=0, balance="none", normalisation="per_speaker", deltas=2), cache_dir=cache, progress=False
    )
    pos = [fs.index["file_id"].tolist().index(f) for f in p.meta_test["file_id"]]
    X, L = inputs_like_training([fs.logmels[i] for i in pos], p.settings, actors=p.meta_test["actor"].to_numpy())
    np.testing.assert_array_equal(X, p.X_test)
    np.testing.assert_array_equal(L, p.len_test)
    Xg, _ = inputs_like_training([fs.logmels[pos[0]]], p.settings)  # no actor: global fallback
    assert Xg.shape == (1,) + p.X_test.shape[1:] and not np.array_equal(Xg[0], p.X_test[0])


@pytest.mark.parametrize("norm", ["global", "per_speaker"])
def test_classic_model_never_sees_the_test_part(corpus, norm):
    """pipeline.fit_classic learns from training and validation files only; moving test vectors changes nothing."""
    from ser_utils import pipeline

    fs, cache = corpus
    cfg = _cfg(aug_copies=1, balance="oversample", normalisation=norm, classic_model="logreg")
    p = prepare_datasets(fs, cfg, cache_dir=cache, progress=False)
    model, stats, info = pipeline.fit_classic(cfg, p)
    n_fit = int((p.split_df["part"] != "test").sum())
    assert len(p.y_train) > n_fit - len(p.meta_val)  # the CRNN's training rows include copies...
    assert info["n_files"] == n_fit  # original files, no augmented copies or oversampled rows
    assert info["normalisation"] == ("per_speaker" if norm == "per_speaker" else "none")
    if norm == "per_speaker":
        fit_actors = set(p.meta_train["actor"]) | set(p.meta_val["actor"])
        assert set(stats["actors"].tolist()) == fit_actors and not fit_actors & {7, 8}
    p2 = copy.copy(p)
    p2.P_test = p.P_test * 3.0 + 100.0
    p2.y_test = (p.y_test + 1) % 8
    model2, stats2, _ = pipeline.fit_classic(cfg, p2)
    P_fit = np.concatenate([p.P_train, p.P_val])
    np.testing.assert_array_equal(model.predict_proba(P_fit[:5]), model2.predict_proba(P_fit[:5]))
    if norm == "per_speaker":
        for k in stats:
            np.testing.assert_array_equal(stats[k], stats2[k])


# --------------------------------------------------------------------------- several corpora


def _multi_feature_set(seed: int = 0):
    """A FeatureSet of three corpora, no audio: RAVDESS 1-12 (8 classes), CREMA-D 1001-1008 (6), SAVEE 3001-3004."""
    from ser_utils.config import EMOTIONS
    from ser_utils.features.featureset import FeatureSet

    classes = {
        "ravdess": EMOTIONS,
        "crema-d": ("neutral", "happy", "sad", "angry", "fearful", "disgust"),
        "savee": ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"),
    }
    speakers = [("ravdess", a, "male" if a % 2 else "female") for a in range(1, 13)]
    speakers += [("crema-d", 1000 + i, "male" if i % 2 else "female") for i in range(1, 9)]
    speakers += [("savee", 3000 + i, "male") for i in range(1, 5)]
    rng = np.random.default_rng(seed)
    rows, mels = [], []
    for corpus_name, a, g in speakers:
        for e in classes[corpus_name]:
            for r in range(3 if corpus_name == "crema-d" else 2):
                fid = f"{corpus_name}-{a}-{e}-{r}"
                t = int(rng.integers(20, 40))
                mels.append((rng.normal(size=(16, t)) + EMOTIONS.index(e)).astype(np.float32))
                rows.append(dict(file_id=fid, path=f"/x/{fid}.wav", actor=a, gender=g, emotion=e,
                                 label=EMOTIONS.index(e), vocal_channel="speech", intensity="normal", statement="",
                                 repetition=r + 1, corpus=corpus_name, speaker=f"{corpus_name}:{a}", n_frames=t,
                                 trimmed_duration_s=t / 50))
    index = pd.DataFrame(rows)
    pooled = np.stack([m.mean(axis=1) for m in mels]).astype(np.float32)
    return FeatureSet(logmels=mels, pooled=pooled, pooled_names=[f"b{i}" for i in range(16)], index=index,
                      settings={"n_mels": 16})


def test_multi_corpus_meta_carries_corpus_and_class_weights_are_pooled(tmp_path):
    fs = _multi_feature_set()
    cfg = _cfg(test_actors=None, n_folds=4, fold=1, n_val_actors=1, aug_copies=0, balance="class_weight",
               normalisation="per_speaker")
    p = prepare_datasets(fs, cfg, cache_dir=None, progress=False)
    for part in ("train", "val", "test"):
        meta = getattr(p, f"meta_{part}")
        assert {"corpus", "speaker"} <= set(meta.columns)
        assert (meta["speaker"] == meta["corpus"] + ":" + meta["actor"].astype(str)).all()
    assert set(p.meta_test["corpus"]) == {"ravdess", "crema-d", "savee"}  # each corpus in the test fold
    assert set(p.split_df.columns) >= {"corpus", "speaker"}
    counts = p.settings["corpora"]
    assert sum(c[part] for c in counts.values() for part in ("train", "val", "test")) == len(fs.index)
    assert counts["ravdess"]["test"] == int((p.meta_test["corpus"] == "ravdess").sum())
    assert isinstance(p.settings["split"]["notes"], list) and p.settings["split"]["n_folds_used"] == 4
    # the loss: ordinary cross-entropy over the eight classes, weights from the pooled training part
    # ("balanced": n / (8 * count)), so calm, which only RAVDESS has, weighs by its pooled count
    y = p.y_train
    n, present = len(y), np.unique(y)
    assert len(present) == 8 and len(p.X_train) == p.settings["n_files"]["train"]  # no rows added
    calm = int(np.sum(y == 1))
    assert calm == int(((p.meta_train["corpus"] == "ravdess") & (p.meta_train["emotion"] == "calm")).sum())
    assert p.class_weight[1] == pytest.approx(n / (8 * calm))
    assert p.class_weight[1] > p.class_weight[0]  # calm is rarer than neutral, which every corpus has
    save_prepared(p, tmp_path / "03")
    q = load_prepared(tmp_path / "03")
    pd.testing.assert_frame_equal(q.meta_test, p.meta_test, check_dtype=False)
    assert q.split_df["speaker"].tolist() == p.split_df["speaker"].tolist()
    assert q.settings == p.settings
