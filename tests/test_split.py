"""Splits: actor-disjoint speaker splits, gender-balanced folds, stratified random splits."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ser_utils.config import EMOTIONS
from ser_utils.errors import ConfigError, DataError, FallbackWarning
from ser_utils.prep.split import (
    actors_by_part,
    check_disjoint,
    make_split,
    make_split_info,
    random_split,
    speaker_folds,
    speaker_split,
)


def _manifest(n_actors: int = 24, per_emotion: int = 2, actors=None) -> pd.DataFrame:
    actors = list(actors) if actors is not None else list(range(1, n_actors + 1))
    rows = []
    for a in actors:
        for e in range(8):
            for r in range(per_emotion):
                fid = f"03-01-{e + 1:02d}-01-01-{r + 1:02d}-{a:02d}"
                rows.append(
                    dict(
                        file_id=fid,
                        path=f"/x/{fid}.wav",
                        actor=a,
                        gender="male" if a % 2 else "female",
                        emotion=EMOTIONS[e],
                        label=e,
                    )
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("n_actors,expected_folds", [(24, 6), (20, 5)])
def test_folds_partition_actors_gender_balanced(n_actors, expected_folds):
    m = _manifest(n_actors)
    folds = speaker_folds(m, seed=3)
    assert len(folds) == expected_folds
    flat = [a for f in folds for a in f]
    assert sorted(flat) == list(range(1, n_actors + 1))  # each actor exactly once
    for f in folds:
        assert len(f) == 4
        males = sum(a % 2 for a in f)
        assert males == 2, f
    assert folds == speaker_folds(m, seed=3)  # deterministic
    assert folds != speaker_folds(m, seed=4)


def test_folds_uneven_genders_stay_close():
    m = _manifest(actors=[1, 3, 5, 7, 9, 11, 13, 2, 4, 6, 8, 10])  # 7 men, 5 women
    folds = speaker_folds(m, n_folds=3, seed=0)
    assert [len(f) for f in folds] == [4, 4, 4]
    women = [sum(1 - a % 2 for a in f) for f in folds]
    assert max(women) - min(women) <= 1


@pytest.mark.parametrize("n_actors", [24, 20])
def test_every_fold_is_actor_disjoint_and_val_not_test(n_actors):
    m = _manifest(n_actors)
    folds = speaker_folds(m, seed=42)
    seen_test = []
    for k in range(len(folds)):
        df = make_split(m, {"split": "speaker", "fold": k, "n_val_actors": 2, "seed": 42})
        check_disjoint(df)
        parts = actors_by_part(df)
        assert parts["test"] == folds[k]
        assert not set(parts["val"]) & set(parts["test"])
        assert not set(parts["train"]) & set(parts["test"])
        assert not set(parts["train"]) & set(parts["val"])
        assert len(parts["val"]) == 2 and sum(a % 2 for a in parts["val"]) == 1  # 1 man + 1 woman
        assert set(parts["train"]) | set(parts["val"]) | set(parts["test"]) == set(range(1, n_actors + 1))
        seen_test += parts["test"]
    assert sorted(seen_test) == list(range(1, n_actors + 1))  # folds cover all actors once


def test_named_test_actors_form_the_test_set_exactly():
    m = _manifest(20)
    part = speaker_split(m, test_actors=[17, 18, 19, 20], n_val_actors=2, seed=1)
    assert sorted(set(m.loc[part == "test", "actor"])) == [17, 18, 19, 20]
    assert (part[m["actor"].isin([17, 18, 19, 20])] == "test").all()
    val = set(m.loc[part == "val", "actor"])
    assert len(val) == 2 and not val & {17, 18, 19, 20}
    df = make_split(m, {"split": "speaker", "test_actors": [17, 18, 19, 20], "seed": 1})
    assert list(df.columns) == ["file_id", "path", "actor", "gender", "emotion", "label", "part"]
    assert actors_by_part(df)["test"] == [17, 18, 19, 20]


def test_speaker_split_errors():
    m = _manifest(8)
    with pytest.raises(ConfigError, match="no files"):
        speaker_split(m, test_actors=[23])
    with pytest.raises(ConfigError, match="fold=5 is out of range"):
        speaker_split(m, fold=5)
    with pytest.raises(ConfigError, match="too few actors"):
        speaker_folds(m, n_folds=9)
    with pytest.raises(ConfigError, match="no training actor"):
        speaker_split(m, test_actors=list(range(1, 9)), n_val_actors=2)
    # named test actors leaving two others: one validation actor, not two (and it says so)
    with pytest.warns(FallbackWarning, match=r"1 validation actor\(s\) instead of 2.*\[7, 8\]"):
        part = speaker_split(m, test_actors=[1, 2, 3, 4, 5, 6], n_val_actors=2)
    assert sorted(set(m.loc[part == "val", "actor"])) in ([7], [8]) and (part == "train").sum() == 16


def test_check_disjoint_names_the_leaking_actor():
    m = _manifest(8)
    df = make_split(m, {"split": "speaker", "fold": 0, "seed": 0})
    leak = df.copy()
    a = int(leak.loc[leak["part"] == "test", "actor"].iloc[0])
    leak.loc[leak.index[(leak["actor"] == a)][0], "part"] = "train"
    with pytest.raises(DataError, match=f"actor {a} in test and train"):
        check_disjoint(leak)


def test_random_split_is_stratified_and_deterministic():
    m = _manifest(24, per_emotion=5)  # 960 files, 120 per class
    p1 = random_split(m, test_size=0.2, val_size=0.1, seed=7)
    p2 = random_split(m, test_size=0.2, val_size=0.1, seed=7)
    p3 = random_split(m, test_size=0.2, val_size=0.1, seed=8)
    assert p1.equals(p2)
    assert not p1.equals(p3)
    counts = pd.crosstab(m["label"], p1)
    assert counts["test"].sum() == 192 and counts["val"].sum() == 96
    # every class has the same share in each part (within one file)
    assert counts["test"].max() - counts["test"].min() <= 1
    assert counts["val"].max() - counts["val"].min() <= 1
    df = make_split(m, {"split": "random", "test_size": 0.2, "val_size": 0.1, "seed": 7})
    assert (df["part"].to_numpy() == p1.to_numpy()).all()
    with pytest.raises(ConfigError):
        random_split(m, test_size=0.6, val_size=0.5)


# --------------------------------------------------------------------------- small folders


def _small(counts: dict[str, int]) -> pd.DataFrame:
    """A manifest with ``counts[emotion]`` files of each emotion, over two actors."""
    rows = []
    for e, n in counts.items():
        for i in range(n):
            a = 1 + i % 2
            fid = f"03-01-{EMOTIONS.index(e) + 1:02d}-01-01-{i + 1:02d}-{a:02d}"
            gender = "male" if a % 2 else "female"
            row = {"file_id": fid, "path": f"/x/{fid}.wav", "actor": a, "gender": gender}
            rows.append({**row, "emotion": e, "label": EMOTIONS.index(e)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_random_split_of_a_50_file_folder_has_every_class_in_every_part(seed):
    counts = dict(zip(EMOTIONS, [4, 7, 7, 7, 7, 7, 6, 5]))  # 50 files: a 10 % validation part (5) < 8 classes
    m = _small(counts)
    assert len(m) == 50
    part = random_split(m, test_size=0.2, val_size=0.1, seed=seed)
    table = pd.crosstab(m["emotion"], part)
    assert (table[["train", "val", "test"]] >= 1).all().all()
    assert part.equals(random_split(m, test_size=0.2, val_size=0.1, seed=seed))  # deterministic
    assert 8 <= (part == "test").sum() <= 16 and (part == "train").sum() >= 25


def test_random_split_of_a_large_folder_is_unchanged():
    # the scikit-learn split decides wherever it can (same parts as before this change)
    from sklearn.model_selection import train_test_split

    m = _manifest(24, per_emotion=5)
    pos = np.arange(len(m))
    rest, test = train_test_split(pos, test_size=0.2, stratify=m["label"], random_state=3)
    rest, val = train_test_split(rest, test_size=0.1 / 0.8, stratify=m["label"].to_numpy()[rest], random_state=3)
    part = random_split(m, test_size=0.2, val_size=0.1, seed=3)
    assert set(np.flatnonzero(part == "test")) == set(test) and set(np.flatnonzero(part == "val")) == set(val)


def test_random_split_of_classes_with_too_few_files_falls_back_and_says_where_they_went():
    m = _small({"neutral": 2, "calm": 5, "happy": 1, "sad": 5})
    with pytest.warns(FallbackWarning) as rec:
        part = random_split(m, test_size=0.2, val_size=0.1)
    msg = " ".join(str(w.message) for w in rec if w.category is FallbackWarning)
    assert "neutral has 2 (one for training, one for the test part, none for validation)" in msg
    assert "happy has 1 (training only, so it is not tested)" in msg
    table = pd.crosstab(m["emotion"], part).reindex(columns=["train", "val", "test"], fill_value=0)
    assert table.loc["neutral"].tolist() == [1, 0, 1]
    assert table.loc["happy"].tolist() == [1, 0, 0]
    assert (table.loc[["calm", "sad"]] >= 1).all().all()  # the others still in every part
    with pytest.warns(FallbackWarning):
        assert part.equals(random_split(m, test_size=0.2, val_size=0.1))  # deterministic
    with pytest.warns(FallbackWarning, match=r"happy has 1 \(training only"):
        part = random_split(m, test_size=0.2, val_size=0.0)
    assert set(part) == {"train", "test"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", FallbackWarning)  # enough files: no fallback
        part = random_split(m[m["emotion"] != "happy"], test_size=0.2, val_size=0.0)
    assert set(part) == {"train", "test"}


def test_random_split_of_single_files_has_no_test_part_and_says_so():
    m = _small({"neutral": 1, "calm": 1, "happy": 1})
    with pytest.raises(DataError, match=r"every class has a single file \(neutral, calm, happy\)"):
        random_split(m, test_size=0.2, val_size=0.1)


def test_speaker_split_with_few_actors_falls_back_and_says_so():
    two = _small({"neutral": 4, "calm": 4})  # two actors: one for test, one for training, no validation
    with pytest.warns(FallbackWarning, match=r"0 validation actor\(s\) instead of 2.*no validation part"):
        part = speaker_split(two, n_val_actors=2)
    assert set(part) == {"train", "test"}
    check_disjoint(two.assign(part=part))
    one = two[two["actor"] == 1]
    with pytest.raises(ConfigError, match="too few actors.*1 actor.*split random"):
        speaker_split(one)
    three = _manifest(actors=[1, 2, 3])  # the default 2 folds give a test fold of 2: three folds of one instead
    with pytest.warns(FallbackWarning) as rec:
        df, used = make_split_info(three, {"split": "speaker", "seed": 42, "n_val_actors": 2})
    msg = " ".join(str(w.message) for w in rec)
    assert "3 folds instead of the default 2" in msg and "1 validation actor(s) instead of 2" in msg
    parts = actors_by_part(df)
    assert [len(parts[p]) for p in ("train", "val", "test")] == [1, 1, 1]
    assert used == {"n_folds": 3, "n_val_actors": 1}
    check_disjoint(df)
    # n_val_actors 0 needs only one actor beside the test fold: the default folds stay
    df0, used0 = make_split_info(three, {"split": "speaker", "seed": 42, "n_val_actors": 0})
    assert used0["n_folds"] == 2 and not (df0["part"] == "val").any()


# --------------------------------------------------------------------------- one corpus: as before


def test_single_corpus_folds_and_validation_are_the_recorded_ones():
    # recorded with the split of before corpora were told apart (commit 5330a8c), seed 42
    folds20 = [[5, 10, 11, 20], [9, 13, 16, 18], [1, 6, 8, 19], [2, 3, 14, 15], [4, 7, 12, 17]]
    val20 = [[2, 15], [2, 15], [2, 13], [4, 13], [2, 13]]
    folds24 = [[1, 4, 11, 12], [5, 15, 18, 24], [6, 9, 13, 14], [10, 19, 21, 22], [3, 8, 20, 23], [2, 7, 16, 17]]
    m20 = _manifest(20)
    with_corpus = m20.assign(corpus="ravdess", speaker=[f"ravdess:{a:02d}" for a in m20["actor"]])
    for m in (m20, with_corpus):
        assert speaker_folds(m, seed=42) == folds20
        for k in range(5):
            df = make_split(m, {"split": "speaker", "fold": k, "n_val_actors": 2, "seed": 42})
            parts = actors_by_part(df)
            assert parts["test"] == folds20[k] and parts["val"] == val20[k]
            assert df.attrs["notes"] == []
    assert speaker_folds(_manifest(24), seed=42) == folds24
    df = make_split(with_corpus, {"split": "speaker", "fold": 0, "seed": 42})
    assert list(df.columns) == ["file_id", "path", "actor", "gender", "emotion", "label", "corpus", "speaker", "part"]


# --------------------------------------------------------------------------- several corpora

_CORPUS_CLASSES = {
    "ravdess": EMOTIONS,
    "crema-d": ("neutral", "happy", "sad", "angry", "fearful", "disgust"),
    "tess": ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"),
    "savee": ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"),
}


def _multi(n_crema: int = 12, *, speaker_ids=None) -> pd.DataFrame:
    """Synthetic rows of four corpora: RAVDESS 1-20, CREMA-D 1001-, TESS 2001-2002, SAVEE 3001-3004."""
    speakers = [("ravdess", a, "male" if a % 2 else "female") for a in range(1, 21)]
    speakers += [("crema-d", 1000 + i, "male" if i % 2 else "female") for i in range(1, n_crema + 1)]
    speakers += [("tess", 2001, "female"), ("tess", 2002, "female")]
    speakers += [("savee", 3000 + i, "male") for i in range(1, 5)]
    rows = []
    for corpus, a, g in speakers:
        sid = (speaker_ids or {}).get(a, str(a))
        for e in _CORPUS_CLASSES[corpus]:
            for r in range(2):
                fid = f"{corpus}-{a}-{e}-{r}"
                rows.append(dict(file_id=fid, path=f"/x/{fid}.wav", actor=a, gender=g, emotion=e,
                                 label=EMOTIONS.index(e), corpus=corpus, speaker=f"{corpus}:{sid}"))
    return pd.DataFrame(rows)


def test_multi_corpus_folds_deal_every_corpus_into_every_fold():
    m = _multi()
    owner = m.drop_duplicates("actor").set_index("actor")["corpus"]
    gender = m.drop_duplicates("actor").set_index("actor")["gender"]
    folds = speaker_folds(m, n_folds=5, seed=42)
    flat = [a for f in folds for a in f]
    assert sorted(flat) == sorted(owner.index)  # every speaker exactly once
    sizes = [len(f) for f in folds]
    assert max(sizes) - min(sizes) <= 1
    for corpus, n in {"ravdess": 20, "crema-d": 12, "tess": 2, "savee": 4}.items():
        per_fold = [sum(owner[a] == corpus for a in f) for f in folds]
        assert sum(per_fold) == n
        assert max(per_fold) - min(per_fold) <= 1, (corpus, per_fold)  # in min(n, 5) folds
        assert sum(c > 0 for c in per_fold) == min(n, 5)
    for f in folds:  # RAVDESS: 2 men + 2 women in each fold; CREMA-D within one
        assert sum(owner[a] == "ravdess" and gender[a] == "male" for a in f) == 2
        crema = [gender[a] for a in f if owner[a] == "crema-d"]
        assert abs(crema.count("male") - crema.count("female")) <= 1
    assert folds == speaker_folds(m, n_folds=5, seed=42) != speaker_folds(m, n_folds=5, seed=1)
    assert len(speaker_folds(m, seed=42)) == 3  # default: the smallest corpus of >= 8 speakers (12) // 4
    assert make_split(m, {"split": "speaker", "seed": 42}).attrs["n_folds"] == 3  # recorded for the protocol


@pytest.mark.parametrize("n_crema", [6, 12])
def test_multi_corpus_no_speaker_in_two_parts_and_validation_per_corpus(n_crema):
    m = _multi(n_crema)
    owner = m.drop_duplicates("actor").set_index("actor")["corpus"]
    seen_test = []
    for k in range(5):
        df = make_split(m, {"split": "speaker", "n_folds": 5, "fold": k, "n_val_actors": 2, "seed": 42})
        check_disjoint(df)
        parts = actors_by_part(df)
        assert not set(parts["train"]) & set(parts["val"])
        assert not set(parts["train"]) & set(parts["test"])
        assert not set(parts["val"]) & set(parts["test"])
        for part in ("train", "val", "test"):  # and by (corpus, speaker)
            spk = set(zip(df.loc[df["part"] == part, "corpus"], df.loc[df["part"] == part, "speaker"]))
            others = set(zip(df.loc[df["part"] != part, "corpus"], df.loc[df["part"] != part, "speaker"]))
            assert not spk & others
        assert {"ravdess", "crema-d"} <= {owner[a] for a in parts["test"]}  # big corpora in every test fold
        val_by = pd.Series([owner[a] for a in parts["val"]]).value_counts().to_dict()
        assert val_by.get("ravdess") == 2 and val_by.get("crema-d") == 2
        assert "tess" not in val_by  # 2 speakers at most: never 2 x 2 training speakers
        n_savee_train = sum(owner[a] == "savee" for a in parts["train"]) + val_by.get("savee", 0)
        assert val_by.get("savee", 0) == (2 if n_savee_train >= 4 else 0)
        notes = " ".join(df.attrs["notes"])
        assert "tess has" in notes and "gives no validation speaker" in notes
        assert "tess has 2 speaker(s), fewer than the 5 folds" in notes
        assert sorted(df.columns) == sorted(["file_id", "path", "actor", "gender", "emotion", "label", "corpus",
                                             "speaker", "part"])
        seen_test += parts["test"]
    assert sorted(seen_test) == sorted(owner.index)


def test_same_speaker_id_in_two_corpora_is_two_speakers():
    # CREMA-D's speaker "1012" and a RAVDESS-style id "1012": the same string, two people
    m = _multi(12, speaker_ids={12: "1012", 1012: "1012"})
    assert set(m.loc[m["actor"] == 12, "speaker"]) == {"ravdess:1012"}
    assert set(m.loc[m["actor"] == 1012, "speaker"]) == {"crema-d:1012"}
    plain = m.assign(speaker=m["speaker"].str.split(":").str[1])  # not corpus-qualified at all
    for mm in (m, plain):
        folds = speaker_folds(mm, n_folds=5, seed=42)
        assert sum(len(f) for f in folds) == 38  # 12 and 1012 both counted
        where = {a: k for k, f in enumerate(folds) for a in f}
        assert where[12] != where[1012]
        df = make_split(mm, {"split": "speaker", "n_folds": 5, "fold": where[12], "seed": 42})
        check_disjoint(df)  # the two "1012" are in different parts: no leakage
        assert set(df.loc[df["actor"] == 12, "part"]) == {"test"}
        assert set(df.loc[df["actor"] == 1012, "part"]) != {"test"}
    # one speaker in two parts is still found, by number and by (corpus, speaker)
    df = make_split(plain, {"split": "speaker", "n_folds": 5, "fold": 0, "seed": 42})
    a = int(df.loc[df["part"] == "test", "actor"].iloc[0])
    leak = df.copy()
    leak.loc[leak.index[leak["actor"] == a][0], "part"] = "train"
    with pytest.raises(DataError, match=f"actor {a} in test and train"):
        check_disjoint(leak)
    renumbered = df.copy()  # the same (corpus, speaker) under a second number, in another part
    row = renumbered.index[renumbered["actor"] == a][0]
    renumbered.loc[row, ["actor", "part"]] = [9999, "train"]
    with pytest.raises(DataError, match="speaker .* in test and train|speaker .* in train and test"):
        check_disjoint(renumbered)
    # the same actor number for speakers of two corpora would merge two voices: refused
    clash = m.copy()
    clash.loc[clash["actor"] == 1012, "actor"] = 12
    with pytest.raises(DataError, match=r"actor number\(s\) \[12\] each name more than one speaker"):
        make_split(clash, {"split": "speaker", "n_folds": 5, "seed": 42})


def test_multi_corpus_without_validation_speakers_says_which_corpora():
    m = _multi()
    small = m[m["corpus"].isin(["tess", "savee"])]
    with pytest.raises(ConfigError, match="no corpus has enough training speakers.*savee has 2.*tess has 1"):
        speaker_split(small, n_folds=2, fold=0, n_val_actors=2, seed=0)
    part = speaker_split(small, n_folds=2, fold=0, n_val_actors=1, seed=0)
    val = set(small.loc[part == "val", "actor"])
    assert len(val) == 1 and val <= {3001, 3002, 3003, 3004}
    assert any("tess has 1 training speaker(s)" in n for n in part.attrs["notes"])
