"""Corpus scan: layouts, every skip reason, duplicates, helpers, and the real corpus."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest

from ser_utils.data import corpus as data
from ser_utils.data.ravdess import make_filename
from ser_utils.errors import DataError

SR = 8000


def _tone(
    duration_s: float = 0.6, freq: float = 440.0, amp: float = 0.3, seed: int = 0, noise: float = 0.01
) -> np.ndarray:
    t = np.arange(int(round(duration_s * SR))) / SR
    rng = np.random.default_rng(seed)
    return (amp * np.sin(2 * np.pi * freq * t) + noise * rng.standard_normal(t.size)).astype(np.float32)


def _name(actor=1, emotion=1, intensity=1, statement=1, repetition=1, channel=1, modality=3, ext=".wav") -> str:
    return make_filename(
        modality_id=modality,
        vocal_channel_id=channel,
        emotion_id=emotion,
        intensity_id=intensity,
        statement_id=statement,
        repetition=repetition,
        actor=actor,
        ext=ext,
    )


def _n_files(root) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


def _check_invariants(res: data.ScanResult, n_files: int) -> None:
    assert len(res.manifest) + len(res.skipped) == n_files
    assert list(res.manifest.columns) == list(data.MANIFEST_COLUMNS)
    assert list(res.skipped.columns) == list(data.SKIPPED_COLUMNS)
    assert not res.manifest["file_id"].duplicated().any()
    assert res.manifest["file_id"].is_monotonic_increasing
    assert set(res.skipped["reason"]) <= set(data.SKIP_REASONS)
    assert all(os.path.isabs(p) for p in res.manifest["path"])
    assert not set(res.manifest["path"]) & set(res.skipped["path"])


# --------------------------------------------------------------------------- layouts


def _grid(actors=(1, 2), channel=1, ext=".wav"):
    """A few (actor, name) pairs per actor: 3 emotions x 2 repetitions."""
    for a in actors:
        for e in (1, 3, 5):
            for r in (1, 2):
                yield a, _name(actor=a, emotion=e, repetition=r, channel=channel, ext=ext)


def _write_grid(write_wav, folder_of, actors=(1, 2), channel=1, ext=".wav", subtype="PCM_16"):
    ids = set()
    for i, (a, name) in enumerate(_grid(actors, channel, ext)):
        write_wav(folder_of(a) / name, _tone(seed=i + 100 * channel), SR, subtype=subtype)
        ids.add(name.rsplit(".", 1)[0])
    return ids


LAYOUTS = ["kaggle_speech", "kaggle_nested", "kaggle_song", "official_zips", "ravdess_22k", "flat"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts(tmp_path, write_wav, layout):
    root = tmp_path / "input"
    expected_dupes = 0
    if layout == "kaggle_speech":
        base = root / "ravdess-emotional-speech-audio"
        ids = _write_grid(write_wav, lambda a: base / f"Actor_{a:02d}")
    elif layout == "kaggle_nested":
        # Kaggle's speech dataset holds each actor twice: Actor_XX/ and audio_speech_actors_01-24/Actor_XX/
        base = root / "ravdess-emotional-speech-audio"
        ids = _write_grid(write_wav, lambda a: base / "audio_speech_actors_01-24" / f"Actor_{a:02d}")
        shutil.copytree(base / "audio_speech_actors_01-24", base, dirs_exist_ok=True)
        expected_dupes = len(ids)
    elif layout == "kaggle_song":
        base = root / "ravdess-emotional-song-audio" / "audio_song_actors_01-24"
        ids = _write_grid(write_wav, lambda a: base / f"Actor_{a:02d}", channel=2)
    elif layout == "official_zips":
        ids = _write_grid(write_wav, lambda a: root / "Audio_Speech_Actors_01-24" / f"Actor_{a:02d}")
        ids |= _write_grid(write_wav, lambda a: root / "Audio_Song_Actors_01-24" / f"Actor_{a:02d}", channel=2)
    elif layout == "ravdess_22k":
        ids = _write_grid(write_wav, lambda a: root / "speech" / f"Actor_{a:02d}", ext=".flac")
        ids |= _write_grid(write_wav, lambda a: root / "song" / f"Actor_{a:02d}", channel=2, ext=".flac")
    else:
        ids = _write_grid(write_wav, lambda a: root, actors=(1, 2, 3))
    res = data.scan(root, n_jobs=2)
    _check_invariants(res, _n_files(root))
    assert set(res.manifest["file_id"]) == ids
    assert (res.skipped["reason"] == "duplicate").sum() == expected_dupes
    assert len(res.skipped) == expected_dupes
    row = res.manifest.iloc[0]
    assert row["sample_rate"] == SR and row["channels"] == 1
    assert row["duration_s"] == pytest.approx(0.6)
    assert len(row["sha1"]) == 40


def test_manifest_fields_from_name(tmp_path, write_wav):
    write_wav(tmp_path / "03-02-06-02-02-01-12.flac", _tone(), SR, channels=2)
    m = data.scan(tmp_path, n_jobs=1).manifest
    r = m.iloc[0].to_dict()
    assert r["file_id"] == "03-02-06-02-02-01-12"
    assert (r["emotion"], r["emotion_id"], r["label"]) == ("fearful", 6, 5)
    assert (r["vocal_channel"], r["intensity"], r["statement_id"], r["repetition"]) == ("song", "strong", 2, 1)
    assert r["statement"] == "Dogs are sitting by the door"
    assert (r["actor"], r["gender"], r["channels"]) == (12, "female", 2)
    assert r["size_bytes"] == (tmp_path / "03-02-06-02-02-01-12.flac").stat().st_size


# --------------------------------------------------------------------------- skip reasons


@pytest.fixture
def messy(tmp_path, write_wav):
    """A folder with 3 good files and one file for each skip reason; returns (root, {name: reason})."""
    root = tmp_path / "messy"
    good = [_name(actor=1, emotion=2), _name(actor=2, emotion=3), _name(actor=3, emotion=4, channel=2)]
    for i, n in enumerate(good):
        write_wav(root / n, _tone(seed=i), SR)
    expect = {}

    def add(name, reason):
        expect[name] = reason
        return root / name

    # corrupt: a FLAC whose middle bytes are overwritten (decodes to an error; its end is readable)
    p = add(_name(actor=4, emotion=5, ext=".flac"), "corrupt")
    write_wav(p, _tone(1.0, seed=4), SR)
    b = bytearray(p.read_bytes())
    b[len(b) // 3 : len(b) // 3 + 200] = b"\x5a" * 200
    p.write_bytes(bytes(b))
    # corrupt: a RIFF/WAVE signature with no usable chunks
    add(_name(actor=4, emotion=6), "corrupt").write_bytes(b"RIFF\x20\x00\x00\x00WAVEjunk" + b"\x00" * 24)
    # truncated WAV: the data chunk says more than the file holds
    p = add(_name(actor=5, emotion=5), "truncated")
    write_wav(p, _tone(1.0, seed=5), SR)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    # truncated FLAC: cut after two thirds
    p = add(_name(actor=5, emotion=6, ext=".flac"), "truncated")
    write_wav(p, _tone(1.0, seed=6), SR)
    p.write_bytes(p.read_bytes()[: p.stat().st_size * 2 // 3])
    # empty: zero frames, and zero bytes
    write_wav(add(_name(actor=6, emotion=5), "empty"), np.zeros(0, np.float32), SR)
    add(_name(actor=6, emotion=6), "empty").write_bytes(b"")
    # silent: digital silence, and a -70 dBFS hum
    write_wav(add(_name(actor=7, emotion=5), "silent"), np.zeros(SR, np.float32), SR)
    write_wav(
        add(_name(actor=7, emotion=6), "silent"), _tone(1.0, amp=10 ** (-70 / 20), noise=0.0), SR, subtype="FLOAT"
    )
    # not audio, with a RAVDESS name
    add(_name(actor=8, emotion=5), "not_audio").write_text("this is not a wave file\n" * 20)
    # byte-identical to the first good file
    shutil.copyfile(root / good[0], add(_name(actor=9, emotion=2), "duplicate"))
    # too short
    write_wav(add(_name(actor=10, emotion=5), "too_short"), _tone(0.2, seed=10), SR)
    # audio-visual modalities
    write_wav(add(_name(actor=11, emotion=5, modality=1), "audio_visual"), _tone(seed=11), SR)
    write_wav(add(_name(actor=11, emotion=6, modality=2), "audio_visual"), _tone(seed=12), SR)
    # names that are not RAVDESS audio names
    add("README.txt", "unparseable_name").write_text("RAVDESS\n")
    add("README.md", "unparseable_name").write_text("# RAVDESS\n")
    add(".DS_Store", "unparseable_name").write_bytes(b"\x00\x01")
    write_wav(add("." + _name(actor=12, emotion=5), "unparseable_name"), _tone(seed=13), SR)
    write_wav(add("03-01-01-02-01-01-01.wav", "unparseable_name"), _tone(seed=14), SR)  # neutral + strong
    write_wav(add("recording_01.wav", "unparseable_name"), _tone(seed=15), SR)
    return root, good, expect


def test_every_skip_reason(messy):
    root, good, expect = messy
    res = data.scan(root, n_jobs=2)
    _check_invariants(res, _n_files(root))
    assert set(res.manifest["path"]) == {str(root / g) for g in good}
    got = {os.path.basename(p): r for p, r in zip(res.skipped["path"], res.skipped["reason"])}
    assert got == expect
    assert set(expect.values()) == set(data.SKIP_REASONS) - {"excluded_channel"}
    dup = res.skipped.loc[res.skipped["reason"] == "duplicate", "detail"].iloc[0]
    assert str(root / good[0]) in dup and "byte-identical" in dup
    assert all(res.skipped["detail"].str.len() > 10)


def test_sequential_and_parallel_agree(messy):
    root, _, _ = messy
    a, b = data.scan(root, n_jobs=1), data.scan(root, n_jobs=-1)
    assert a.manifest.equals(b.manifest)
    assert a.skipped.equals(b.skipped)


def test_excluded_channel(messy):
    root, good, _ = messy
    res = data.scan(root, vocal_channels=("speech",))
    _check_invariants(res, _n_files(root))
    assert set(res.manifest["vocal_channel"]) == {"speech"}
    excl = res.skipped[res.skipped["reason"] == "excluded_channel"]
    assert list(excl["path"]) == [str(root / good[2])]
    assert "song" in excl["detail"].iloc[0]


def test_min_duration_is_applied(tmp_path, write_wav):
    write_wav(tmp_path / _name(emotion=2), _tone(0.6), SR)
    assert len(data.scan(tmp_path, min_duration_s=0.5).manifest) == 1
    res = data.scan(tmp_path, min_duration_s=1.0)
    assert len(res.manifest) == 0 and list(res.skipped["reason"]) == ["too_short"]


def test_same_file_id_two_formats_and_two_roots(tmp_path, write_wav):
    n = _name(actor=3, emotion=4)
    write_wav(tmp_path / "a" / n, _tone(seed=1), SR)
    write_wav(tmp_path / "a" / n.replace(".wav", ".flac"), _tone(seed=1), SR)  # same audio, other bytes
    write_wav(tmp_path / "b" / n, _tone(seed=2), SR)  # same name, other root, other audio
    res = data.scan([tmp_path / "b", tmp_path / "a"])
    _check_invariants(res, 3)
    assert list(res.manifest["path"]) == [str(tmp_path / "b" / n)]  # the first root wins
    assert list(res.skipped["reason"]) == ["duplicate", "duplicate"]
    assert all("same file_id" in d for d in res.skipped["detail"])


def test_overlapping_roots_count_each_file_once(tmp_path, write_wav):
    write_wav(tmp_path / "speech" / "Actor_01" / _name(), _tone(), SR)
    write_wav(tmp_path / "song" / "Actor_01" / _name(channel=2), _tone(seed=3), SR)
    res = data.scan([tmp_path, tmp_path / "speech", tmp_path / "speech" / "Actor_01" / _name()])
    _check_invariants(res, 2)
    assert len(res.manifest) == 2 and len(res.skipped) == 0


# --------------------------------------------------------------------------- errors and helpers


def test_links_and_special_files_are_skipped_never_lost(tmp_path, write_wav):
    root = tmp_path / "r"
    a = write_wav(root / "Actor_01" / _name(1, 1), _tone(), SR)
    os.symlink(a, root / "Actor_01" / _name(1, 2))  # the same file under another name
    os.symlink(root / "gone.wav", root / "Actor_01" / _name(1, 3))  # a link to nothing
    os.mkfifo(root / "Actor_01" / _name(1, 4))  # a FIFO: reading it would block
    os.symlink(root / "Actor_01", root / "again")  # the same folder again: its files count once
    res = data.scan(root, n_jobs=1)
    _check_invariants(res, _n_files(root))  # os.walk lists links and the FIFO as files
    assert len(res.manifest) == 1
    why = dict(zip(res.skipped["path"].map(os.path.basename), res.skipped["reason"]))
    assert why == {_name(1, 2): "duplicate", _name(1, 3): "corrupt", _name(1, 4): "not_audio"}
    detail = dict(zip(res.skipped["reason"], res.skipped["detail"]))
    assert "link" in detail["duplicate"] and str(a) in detail["duplicate"] and "does not exist" in detail["corrupt"]


def test_missing_root_raises(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        data.scan(tmp_path / "nope")
    with pytest.raises(DataError, match="does not exist"):
        data.scan([tmp_path, tmp_path / "nope"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"vocal_channels": ("speech", "opera")}, "vocal_channels"),
        ({"vocal_channels": ()}, "vocal_channels"),
        ({"min_duration_s": -1}, "min_duration_s"),
        ({"n_jobs": 0}, "n_jobs"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(DataError, match=match):
        data.scan(tmp_path, **kwargs)


def test_empty_root_and_require_files(tmp_path, write_wav):
    res = data.scan(tmp_path)
    assert len(res.manifest) == 0 and list(res.manifest.columns) == list(data.MANIFEST_COLUMNS)
    with pytest.raises(DataError, match="no files at all"):
        data.require_files(res)
    (tmp_path / "notes.txt").write_text("x")
    write_wav(tmp_path / _name(), np.zeros(SR, np.float32), SR)
    res = data.scan(tmp_path)
    with pytest.raises(DataError, match=r"all 2 files were skipped \(unparseable_name: 1, silent: 1\)"):
        data.require_files(res)
    write_wav(tmp_path / _name(emotion=2), _tone(), SR)
    assert len(data.require_files(data.scan(tmp_path))) == 1


def test_is_synthetic(tmp_path):
    corpus = tmp_path / "demo"
    (corpus / "speech" / "Actor_01").mkdir(parents=True)
    assert not data.is_synthetic(corpus)
    (corpus / data.SYNTHETIC_MARKER).write_text("synthetic")
    assert data.is_synthetic(corpus)
    assert data.is_synthetic(corpus / "speech")
    assert data.is_synthetic(corpus / "speech" / "Actor_01")
    (corpus / "a" / "b" / "c").mkdir(parents=True)
    assert not data.is_synthetic(corpus / "a" / "b" / "c")  # more than two levels down
    assert not data.is_synthetic(tmp_path)
    assert data.is_synthetic([tmp_path, corpus / "speech"])


def test_fingerprint_and_summary(tmp_path, write_wav):
    for i, (_, n) in enumerate(_grid(actors=(1, 2))):
        write_wav(tmp_path / n, _tone(seed=i), SR)
    m = data.scan(tmp_path).manifest
    fp = data.fingerprint(m)
    assert len(fp) == 16 and int(fp, 16) >= 0
    assert data.fingerprint(m.iloc[::-1]) == fp
    assert data.fingerprint(m.assign(path="/elsewhere")) == fp
    changed = m.copy()
    changed.loc[0, "sha1"] = "0" * 40
    assert data.fingerprint(changed) != fp
    assert data.fingerprint(m.iloc[1:]) != fp
    s = data.summary(m)
    json.dumps(s)
    assert s["n_files"] == 12 and s["n_actors"] == 2
    assert list(s["emotion"]) == list(data.EMOTIONS)
    assert s["emotion"]["neutral"] == 4 and s["emotion"]["disgust"] == 0
    assert s["gender"] == {"female": 6, "male": 6}
    assert s["actor"] == {1: 6, 2: 6}
    assert s["total_duration_s"] == pytest.approx(12 * 0.6)


# --------------------------------------------------------------------------- the real corpus


@pytest.mark.shared
def test_real_corpus(shared_data):
    root = shared_data / "ravdess-22k"
    res = data.scan(root)  # speed is a benchmark's business (benchmarks/), not a test's
    _check_invariants(res, 2036)
    assert len(res.manifest) == 2035
    assert res.skip_counts == {"duplicate": 1}
    dup = res.skipped.iloc[0]
    assert dup["path"].endswith("speech/Actor_07/03-01-03-01-02-02-07.flac")
    assert "03-01-03-01-02-01-07.flac" in dup["detail"]
    s = data.summary(res.manifest)
    assert s["vocal_channel"] == {"song": 836, "speech": 1199}
    assert s["n_actors"] == 20 and 18 in s["actor"] and s["actor"][18] == 60
    assert s["sample_rates"] == {"22050": 2035}
    assert 2.9 <= s["duration_s"]["min"] and s["duration_s"]["max"] <= 6.5
    assert not data.is_synthetic(root)


@pytest.mark.shared
def test_real_48k_samples(shared_data):
    res = data.scan(shared_data / "ravdess-48k-samples", n_jobs=1)
    _check_invariants(res, 6)
    assert len(res.manifest) == 6
    assert set(res.manifest["sample_rate"]) == {48000}
    assert (res.manifest["channels"] == 2).sum() == 3
