"""RAVDESS file names: every valid combination parses; malformed names raise FilenameError."""

from __future__ import annotations

import itertools
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from ser_utils.config import EMOTIONS
from ser_utils.data.ravdess import (
    EMOTION_NAMES,
    INTENSITIES,
    MODALITIES,
    STATEMENTS,
    VOCAL_CHANNELS,
    RavdessName,
    make_filename,
    parse_filename,
)
from ser_utils.errors import FilenameError


def _valid_grid():
    for mm, vv, ee, ii, ss, rr, aa in itertools.product(
        (1, 2, 3), (1, 2), range(1, 9), (1, 2), (1, 2), (1, 2), range(1, 25)
    ):
        if ee == 1 and ii == 2:
            continue
        yield mm, vv, ee, ii, ss, rr, aa


def test_full_grid_of_valid_names():
    n = 0
    for mm, vv, ee, ii, ss, rr, aa in _valid_grid():
        stem = f"{mm:02d}-{vv:02d}-{ee:02d}-{ii:02d}-{ss:02d}-{rr:02d}-{aa:02d}"
        ext = (".wav", ".flac")[n % 2]
        r = parse_filename(stem + ext)
        assert (r.modality_id, r.vocal_channel_id, r.emotion_id, r.intensity_id) == (mm, vv, ee, ii)
        assert (r.statement_id, r.repetition, r.actor) == (ss, rr, aa)
        assert r.label == ee - 1 and EMOTIONS[r.label] == r.emotion
        assert r.gender == ("male" if aa % 2 else "female")
        assert r.modality == MODALITIES[mm] and r.vocal_channel == VOCAL_CHANNELS[vv]
        assert r.intensity == INTENSITIES[ii] and r.statement == STATEMENTS[ss]
        assert r.stem() == stem
        assert make_filename(r, ext=ext) == stem + ext
        n += 1
    assert n == 3 * 2 * 15 * 2 * 2 * 24  # 15 emotion x intensity pairs (no strong neutral)


def test_readable_names_and_dict():
    r = parse_filename("03-01-05-02-01-01-12.wav")
    d = r.as_dict()
    assert d["emotion"] == "angry" and d["label"] == 4
    assert d["modality"] == "audio-only" and d["vocal_channel"] == "speech"
    assert d["intensity"] == "strong" and d["statement"] == "Kids are talking by the door"
    assert d["gender"] == "female" and d["actor"] == 12
    assert parse_filename("03-02-08-01-02-02-01.flac").as_dict()["emotion"] == "surprised"
    assert parse_filename("03-02-08-01-02-02-01.flac").gender == "male"
    assert EMOTION_NAMES == {i + 1: e for i, e in enumerate(EMOTIONS)}
    assert r == RavdessName(3, 1, 5, 2, 1, 1, 12)


@pytest.mark.parametrize(
    "name",
    [
        "/data/ravdess/Actor_12/03-01-05-02-01-01-12.wav",
        Path("/kaggle/input/ravdess/audio_speech_actors_01-24/Actor_12/03-01-05-02-01-01-12.wav"),
        PurePosixPath("speech/Actor_12/03-01-05-02-01-01-12.flac"),
        "03-01-05-02-01-01-12.WAV",
        "03-01-05-02-01-01-12.Flac",
    ],
)
def test_paths_and_extension_case(name):
    r = parse_filename(name)
    assert r.stem() == "03-01-05-02-01-01-12"


def test_windows_path_name():
    assert parse_filename(PureWindowsPath(r"C:\data\Actor_12\03-01-05-02-01-01-12.wav").name).actor == 12


def test_make_filename_defaults_and_fields():
    assert make_filename() == "03-01-01-01-01-01-01.wav"
    assert make_filename(emotion_id=7, actor=24, vocal_channel_id=2, ext=".flac") == "03-02-07-01-01-01-24.flac"


MALFORMED = [
    "03-01-05-02-01-01.wav",  # six fields
    "03-01-05-02-01-01-12-01.wav",  # eight fields
    "03-01-05-02-01-1-12.wav",  # one digit
    "03-01-05-02-01-001-12.wav",  # three digits
    "03-01-0a-02-01-01-12.wav",  # letter
    "03_01_05_02_01_01_12.wav",  # wrong separator
    " 03-01-05-02-01-01-12.wav",  # leading space
    "04-01-05-02-01-01-12.wav",  # modality out of range
    "00-01-05-02-01-01-12.wav",
    "03-03-05-02-01-01-12.wav",  # vocal channel out of range
    "03-01-09-02-01-01-12.wav",  # emotion out of range
    "03-01-00-02-01-01-12.wav",
    "03-01-05-03-01-01-12.wav",  # intensity out of range
    "03-01-05-02-03-01-12.wav",  # statement out of range
    "03-01-05-02-01-03-12.wav",  # repetition out of range
    "03-01-05-02-01-01-25.wav",  # actor out of range
    "03-01-05-02-01-01-00.wav",
    "03-01-01-02-01-01-12.wav",  # neutral + strong
    "03-01-05-02-01-01-12.mp3",  # wrong extension
    "03-01-05-02-01-01-12.mp4",  # video
    "03-01-05-02-01-01-12.wav.txt",
    "03-01-05-02-01-01-12",  # no extension
    ".03-01-05-02-01-01-12.wav",  # hidden file
    "README.md",
    "",
]


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_names_raise(name):
    with pytest.raises(FilenameError) as ei:
        parse_filename(name)
    assert repr(name) in str(ei.value)  # the message quotes the name
    assert "expected" in str(ei.value) or "neutral" in str(ei.value)


def test_malformed_message_quotes_base_name_of_path():
    with pytest.raises(FilenameError, match=r"'03-01-05-02-01-01-25\.wav'.*actor 25"):
        parse_filename("/x/Actor_25/03-01-05-02-01-01-25.wav")
    with pytest.raises(FilenameError, match="neutral"):
        parse_filename("03-01-01-02-01-01-12.flac")


def test_filename_error_is_value_error():
    with pytest.raises(ValueError):
        parse_filename("nope.wav")
