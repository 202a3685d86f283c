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
