"""Readers of CREMA-D, TESS and SAVEE names: layouts, Kaggle copies, quirks, every file accounted."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from ser_utils.config import EMOTIONS
from ser_utils.data import audio
from ser_utils.data import corpus as data
from ser_utils.data.corpora import CORPUS_EMOTIONS, read_name
from ser_utils.errors import DataError, FilenameError
from ser_utils.prep.split import check_disjoint, make_split

SR = 16000


def _tone(seed: int, duration_s: float = 0.8, sr: int = SR) -> np.ndarray:
    t = np.arange(int(duration_s * sr)) / sr
    rng = np.random.default_rng(seed)
    return (0.3 * np.sin(2 * np.pi * (200 + 20 * seed) * t) + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


def _n_files(root) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "path, corpus, emotion, actor, speaker, file_id",
    [
        ("AudioWAV/1001_DFA_ANG_XX.wav", "crema-d", "angry", 1001, "crema-d:1001", "1001_DFA_ANG_XX"),
        ("x/1091_IEO_FEA_HI.flac", "crema-d", "fearful", 1091, "crema-d:1091", "1091_IEO_FEA_HI"),
        ("OAF_angry/OAF_back_angry.wav", "tess", "angry", 2001, "tess:OAF", "OAF_back_angry"),
        ("YAF_pleasant_surprised/YAF_tool_ps.wav", "tess", "surprised", 2002, "tess:YAF", "YAF_tool_ps"),
        ("OAF_Fear/oaf_Food_Fear.wav", "tess", "fearful", 2001, "tess:OAF", "OAF_food_fear"),
        ("tess/YAF_neutral/YAF_late_neutral.WAV", "tess", "neutral", 2002, "tess:YAF", "YAF_late_neutral"),
        ("AudioData/DC/a01.wav", "savee", "angry", 3001, "savee:DC", "DC_a01"),
        ("AudioData/kl/sa15.wav", "savee", "sad", 3004, "savee:KL", "KL_sa15"),
        ("ALL/JE_su03.wav", "savee", "surprised", 3002, "savee:JE", "JE_su03"),
        ("ALL/JK_n30.wav", "savee", "neutral", 3003, "savee:JK", "JK_n30"),
        ("Actor_12/03-01-02-02-01-01-12.wav", "ravdess", "calm", 12, "ravdess:12", "03-01-02-02-01-01-12"),
    ],
)
def test_read_name(path, corpus, emotion, actor, speaker, file_id):
    row = read_name(path)
    assert (row["corpus"], row["emotion"], row["actor"], row["speaker"], row["file_id"]) == (
        corpus,
        emotion,
        actor,
        speaker,
        file_id,
    )
    assert row["label"] == EMOTIONS.index(emotion) and row["emotion_id"] == row["label"] + 1
    assert row["emotion"] in CORPUS_EMOTIONS[corpus]


@pytest.mark.parametrize(
    "path, match",
    [
        ("AudioWAV/1200_DFA_ANG_XX.wav", "actor 1200"),
        ("AudioWAV/1001_ABC_ANG_XX.wav", "sentence 'ABC'"),
        ("AudioWAV/1001_DFA_CAL_XX.wav", "emotion 'CAL'"),
        ("OAF_bored/OAF_back_bored.wav", "emotion 'bored'"),
        ("misc/a01.wav", "not a known corpus"),  # SAVEE's short names need a speaker folder
        ("DC/a00.wav", "00"),
        ("DC/b01.wav", "not a known corpus"),
        ("OAF_angry/OAF_back_angry.mp3", "not an audio file name"),
        ("notes.txt", "not an audio file name"),
    ],
)
def test_unparseable_names_say_why(path, match):
    with pytest.raises(FilenameError, match=match):
        read_name(path)


def test_crema_d_gender_from_its_demographics_table(tmp_path):
    (tmp_path / "AudioWAV").mkdir()
    (tmp_path / "VideoDemographics.csv").write_text(
        "ActorID,Age,Sex,Race,Ethnicity\n1001,51,Male,Caucasian,Not Hispanic\n1002,21,Female,Caucasian,Not Hispanic\n"
    )
    assert read_name(tmp_path / "AudioWAV" / "1001_DFA_ANG_XX.wav")["gender"] == "male"
    assert read_name(tmp_path / "AudioWAV" / "1002_DFA_ANG_XX.wav")["gender"] == "female"
    assert read_name(tmp_path / "AudioWAV" / "1003_DFA_ANG_XX.wav")["gender"] == "unknown"
    assert read_name("elsewhere/AudioWAV/1001_DFA_ANG_XX.wav")["gender"] == "unknown"


# --------------------------------------------------------------------------- layouts


@pytest.fixture
def mixed(tmp_path, write_wav):
    """The three corpora in their own and their Kaggle layouts, quirks included; ``{name: reason or None}``."""
    import soundfile as sf

    root = tmp_path / "corpora"
    expect: dict[str, str | None] = {}

    def add(rel: str, reason: str | None = None, seed: int = 0, sr: int = SR):
        p = write_wav(root / rel, _tone(seed, sr=sr), sr)
        expect[rel] = reason
        return p

    # CREMA-D, with its demographics table
    (root / "crema-d").mkdir(parents=True)
    (root / "crema-d" / "VideoDemographics.csv").write_text("ActorID,Age,Sex\n1001,51,Male\n1002,21,Female\n")
    expect["crema-d/VideoDemographics.csv"] = "unparseable_name"
    add("crema-d/AudioWAV/1001_DFA_ANG_XX.wav", seed=1)
    add("crema-d/AudioWAV/1002_IEO_HAP_HI.wav", seed=2)
    add("crema-d/AudioWAV/1002_IEO_SAD_LO.wav", seed=3)
    add("crema-d/AudioWAV/1200_DFA_ANG_XX.wav", "unparseable_name", seed=4)
    # TESS: odd folder spellings, a 96 kHz file, an AIFF file named .wav, the Kaggle double tree
    add("tess/OAF_angry/OAF_back_angry.wav", seed=5)
    add("tess/oaf_Fear/OAF_food_fear.wav", seed=6, sr=96000)
    add("tess/YAF_pleasant_surprised/YAF_tool_ps.wav", seed=7)
    aiff = root / "tess/YAF_angry/YAF_germ_angry.wav"
    aiff.parent.mkdir(parents=True)
    sf.write(str(aiff), _tone(8, sr=24414), 24414, format="AIFF", subtype="PCM_16")
    expect["tess/YAF_angry/YAF_germ_angry.wav"] = None
    kaggle = "tess/TESS Toronto emotional speech set data"
    inner = f"{kaggle}/{kaggle.split('/')[1]}/YAF_Sad/YAF_page_sad.wav"  # sorts first: kept
    add(inner, seed=9)
    (root / kaggle / "YAF_Sad").mkdir()
    shutil.copyfile(root / inner, root / kaggle / "YAF_Sad" / "YAF_page_sad.wav")
    expect[f"{kaggle}/YAF_Sad/YAF_page_sad.wav"] = "duplicate"
    add("tess/OAF_bored/OAF_back_bored.wav", "unparseable_name", seed=10)
    # SAVEE: speaker folders and the flat Kaggle copy (one recording in both: a duplicate)
    add("savee/AudioData/DC/a01.wav", "duplicate", seed=11)
    add("savee/AudioData/JE/su03.wav", seed=12)
    add("savee/AudioData/kl/sa15.wav", seed=13)
    add("savee/ALL/JK_n30.wav", seed=14)
    add("savee/ALL/DC_a01.wav", seed=15)  # "ALL" sorts before "AudioData": kept
    add("savee/AudioData/misc/a01.wav", "unparseable_name", seed=16)
    (root / "savee/AudioData/Info.txt").write_text("SAVEE\n")
    expect["savee/AudioData/Info.txt"] = "unparseable_name"
    # and RAVDESS beside them
    add("ravdess/Actor_01/03-01-05-01-01-01-01.wav", seed=17)
    add("ravdess/Actor_02/03-01-03-02-01-01-02.wav", seed=18)
    return root, expect


def test_every_file_of_every_layout_is_accounted_for(mixed):
    root, expect = mixed
    res = data.scan(root, n_jobs=2)
    assert res.n_files == _n_files(root) == len(expect)
    assert list(res.manifest.columns) == list(data.MANIFEST_COLUMNS)
    got = {os.path.relpath(p, root): r for p, r in zip(res.skipped["path"], res.skipped["reason"])}
    got |= {os.path.relpath(p, root): None for p in res.manifest["path"]}
    assert got == expect
    m = res.manifest.set_index("file_id")
    assert m.loc["OAF_food_fear", "sample_rate"] == 96000
    assert m.loc["YAF_germ_angry", "sample_rate"] == 24414  # the AIFF file
    assert m.loc["YAF_tool_ps", "emotion"] == "surprised"
    assert m.loc["DC_a01", "path"].endswith("ALL/DC_a01.wav")  # kept: first by path
    assert m.loc["1001_DFA_ANG_XX", "gender"] == "male" and m.loc["1002_IEO_HAP_HI", "gender"] == "female"
    assert m.loc["1002_IEO_HAP_HI", "intensity"] == "high"
    assert set(m["corpus"]) == {"ravdess", "crema-d", "tess", "savee"}
    assert "calm" not in set(m.loc[m["corpus"] != "ravdess", "emotion"])
    # one actor number per speaker and back: no corpus's speaker collides with another's
    pairs = m[["actor", "speaker"]].drop_duplicates()
    assert pairs["actor"].is_unique and pairs["speaker"].is_unique
    unparseable = res.skipped.loc[res.skipped["reason"] == "unparseable_name", "detail"]
    assert unparseable.str.contains("expected|looks like").all()


def test_the_account_counts_every_file_per_corpus(mixed):
    from ser_utils.data import account

    root, expect = mixed
    res = data.scan(root, n_jobs=1)
    acc = account.scan_account(res.manifest, res.skipped)
    # each corpus's files, names that say nothing (Info.txt, a misspelt name) included, are its folder's
    assert {c: a["n_in"] for c, a in acc["per_corpus"].items()} == {
        c: _n_files(root / c) for c in ("crema-d", "ravdess", "savee", "tess")
    }
    assert acc["n_in"] == _n_files(root) == acc["n_used"] + acc["n_skipped"]
    for c, a in acc["per_corpus"].items():
        assert a["n_in"] == a["n_used"] + a["n_skipped"] == a["n_used"] + sum(a["skipped_by_reason"].values())
        want = [r for rel, r in expect.items() if rel.startswith(c + "/") and r is not None]
        assert a["skipped_by_reason"] == {r: want.count(r) for r in data.SKIP_REASONS if r in want}
    table = account.account_frame(acc)
    assert list(table.index) == ["crema-d", "ravdess", "savee", "tess", "total"]
    assert table.loc["total", "files in"] == len(expect) and table.loc["savee", "skipped: unparseable_name"] == 2
    named = account.skipped_table(res.skipped, res.manifest).set_index("path")
    assert named.loc[str(root / "savee/AudioData/Info.txt"), "corpus"] == "savee"
    assert named.loc[str(root / "crema-d/AudioWAV/1200_DFA_ANG_XX.wav"), "corpus"] == "crema-d"


def test_a_skipped_file_counts_with_its_nearest_neighbours():
    import pandas as pd

    from ser_utils.data import account

    tess = ["/a/tess/OAF_x/OAF_back_angry.wav", "/a/tess/OAF_x/OAF_bar_angry.wav"]
    savee = ["/a/savee/DC/a01.wav", "/a/savee/DC/a02.wav", "/a/savee/DC/a03.wav"]
    m = pd.DataFrame({"path": tess + savee, "corpus": ["tess"] * 2 + ["savee"] * 3})
    got = account.attribute_corpus(["/a/tess/readme.txt", "/a/readme.txt", "/a/tess/OAF_y/DC_a04.wav"], m)
    assert got == ["tess", "savee", "savee"]  # nearest folder; else the majority above; a corpus's name wins
    assert account.attribute_corpus(["/b/notes.txt"], m.iloc[:0]) == [account.UNKNOWN_CORPUS]
    skipped = pd.DataFrame({"path": [m["path"][0]], "reason": ["silent"], "corpus": ["tess"]})
    with pytest.raises(DataError, match="both used and skipped"):
        account.account(m, skipped)


def test_aiff_named_wav_loads_with_the_audio_functions(mixed):
    root, _ = mixed
    p = root / "tess/YAF_angry/YAF_germ_angry.wav"
    assert audio.info(p).format == "AIFF"
    y = audio.load(p, sr=SR)
    assert y.ndim == 1 and abs(y.shape[0] - round(0.8 * SR)) <= 2


def test_96_khz_file_loads_with_the_audio_functions(mixed):
    root, _ = mixed
    y = audio.load(root / "tess/oaf_Fear/OAF_food_fear.wav", sr=SR)
    assert abs(y.shape[0] - round(0.8 * SR)) <= 2


def test_speaker_split_keeps_corpora_apart(mixed):
    root, _ = mixed
    m = data.scan(root, n_jobs=1).manifest
    df = make_split(m, {"split": "speaker", "test_actors": [2001, 2002], "n_val_actors": 1})
    check_disjoint(df)
    test = set(df.loc[df["part"] == "test", "file_id"])
    assert test == set(m.loc[m["speaker"].str.startswith("tess:"), "file_id"])


def test_song_only_excludes_the_speech_of_every_corpus(mixed):
    root, _ = mixed
    res = data.scan(root, vocal_channels=("song",), n_jobs=1)
    assert len(res.manifest) == 0
    assert res.skip_counts["excluded_channel"] == sum(v in (None, "duplicate") for v in mixed[1].values())


# --------------------------------------------------------------------------- the shared samples


@pytest.mark.shared
def test_shared_cross_corpus_samples_are_all_read(shared_data):
    root = shared_data / "cross-corpus-samples"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    res = data.scan(root, n_jobs=2)
    assert res.n_files == _n_files(root) == 172
    assert len(res.skipped) == 0, res.skipped.to_string()
    m = res.manifest
    assert m["corpus"].value_counts().to_dict() == {"crema-d": 72, "savee": 56, "tess": 44}
    for name, g in m.groupby("corpus"):
        assert tuple(e for e in EMOTIONS if e in set(g["emotion"])) == CORPUS_EMOTIONS[name]
    assert m.groupby("corpus")["speaker"].nunique().to_dict() == {"crema-d": 6, "savee": 4, "tess": 2}
    rates = m.set_index("file_id")["sample_rate"]
    assert rates["OAF_food_fear"] == 96000 and rates["YAF_germ_angry"] == 24414
    assert set(m.loc[m["corpus"] == "tess", "gender"]) == {"female"}
    assert set(m.loc[m["corpus"] == "savee", "gender"]) == {"male"}


@pytest.mark.shared
def test_shared_ravdess_and_cross_corpus_samples_together_account_for_every_file(shared_data):
    samples = shared_data / "cross-corpus-samples"
    if not samples.is_dir():
        pytest.skip(f"{samples} is absent")
    roots = [shared_data / "ravdess-22k", samples]
    res = data.scan(roots, n_jobs=2)
    folders = {"ravdess": shared_data / "ravdess-22k", "crema-d": samples / "crema-d", "tess": samples / "tess",
               "savee": samples / "savee"}
    assert res.n_files == sum(_n_files(r) for r in roots)
    for corpus_name, folder in folders.items():  # per corpus: manifest + skipped == files on disk
        inside = f"{os.path.realpath(folder)}{os.sep}"
        kept = res.manifest[res.manifest["path"].map(os.path.realpath).str.startswith(inside)]
        skipped = res.skipped[res.skipped["path"].map(os.path.realpath).str.startswith(inside)]
        assert len(kept) + len(skipped) == _n_files(folder), corpus_name
        assert set(kept["corpus"]) == {corpus_name}
    m = res.manifest
    assert m["corpus"].value_counts().to_dict() == {"ravdess": 2035, "crema-d": 72, "savee": 56, "tess": 44}
    assert res.skip_counts == {"duplicate": 1}  # Actor 07's byte-identical pair
    # a speaker split of all four: every speaker in one part, every big corpus in every test fold
    for fold in range(5):
        df = make_split(m, {"split": "speaker", "n_folds": 5, "fold": fold, "n_val_actors": 2, "seed": 42})
        check_disjoint(df)
        assert not set(df.loc[df["part"] == "test", "actor"]) & set(df.loc[df["part"] != "test", "actor"])
        assert {"ravdess", "crema-d"} <= set(df.loc[df["part"] == "test", "corpus"])
        assert set(df.loc[df["part"] == "val", "corpus"]) >= {"ravdess", "crema-d"}


def test_corpus_table_counts_files_speakers_and_classes(mixed):
    root, _ = mixed
    m = data.scan(root, n_jobs=1).manifest
    t = data.corpus_table(m)
    assert t.index.tolist() == ["crema-d", "ravdess", "savee", "tess"]
    assert t["files"].sum() == len(m)
    assert t.loc["tess", "speakers"] == m.loc[m["corpus"] == "tess", "actor"].nunique()
    for name, g in m.groupby("corpus"):
        assert t.loc[name, "emotions"] == ", ".join(e for e in EMOTIONS if e in set(g["emotion"]))
    assert "calm" not in t.loc["crema-d", "emotions"]
    one = data.corpus_table(m.drop(columns=["corpus"]))
    assert one.index.tolist() == ["ravdess"] and one["files"].iloc[0] == len(m)
