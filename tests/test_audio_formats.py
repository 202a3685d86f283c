"""Every container/codec the app accepts decodes to its WAV source's waveform (within the codec's tolerance).

Each file is encoded here with PyAV from one known signal (tests/media.py). Tolerance: the
SNR of the decoded waveform against the source after the best shift (cross-correlation,
codec delay up to 0.1 s) and a least-squares gain. The lossy codecs at their default
bit rates measured 26-30 dB on this signal (MP3 26.4, AAC 29.6, Opus 28.7), so they must
reach 15 dB, which any real decoding bug (wrong channel order, rate, sample format, a
dropped or repeated block) falls far below; lossless PCM measured 82 dB and must reach 60 dB.
"""

from __future__ import annotations

import numpy as np
import pytest
from media import KINDS, aligned_snr_db, encode, tone

from ser_utils.data import audio
from ser_utils.errors import AudioError

SR = 48000
MIN_SNR_DB = {"mkv-pcm": 60.0}
LOSSY_MIN_SNR_DB = 15.0


@pytest.fixture(scope="module")
def source():
    return tone(SR)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_format_decodes_to_its_wav_source(kind, source, tmp_path, write_wav):
    wav = write_wav(tmp_path / "src.wav", source, SR)
    ref = audio.load(wav, sr=SR)
    channels = 2 if kind in ("mp4", "mov") else 1  # RAVDESS's videos carry stereo AAC
    p = encode(tmp_path / f"clip{KINDS[kind][2]}", source, SR, kind, channels=channels)
    y = audio.load(p, sr=SR)
    snr, lag = aligned_snr_db(ref, y, max_lag=int(0.1 * SR))
    assert snr >= MIN_SNR_DB.get(kind, LOSSY_MIN_SNR_DB), f"{kind}: SNR {snr:.1f} dB (lag {lag})"
    assert abs(len(y) - len(ref)) <= 0.05 * SR  # encoder padding only
    i = audio.info(p)
    assert i.sample_rate == SR and i.channels == channels
    assert i.duration_s == pytest.approx(len(ref) / SR, abs=0.05)


def test_resampling_and_stereo_of_a_video(source, tmp_path):
    p = encode(tmp_path / "clip.mp4", source, SR, "mp4", channels=2)
    y2 = audio.load(p, sr=SR, mono=False)
    assert (
        y2.shape[0] == 2 and np.corrcoef(y2[0], y2[1])[0, 1] > 0.99
    )  # the same signal in both (AAC codes them jointly)
    y = audio.load(p, sr=16000)
    assert abs(len(y) - len(source) / 3) <= 0.05 * 16000
    assert aligned_snr_db(audio.load(p, sr=SR)[::3], y, max_lag=2000)[0] > 20


def test_offset_and_duration_of_a_decoded_file(source, tmp_path):
    p = encode(tmp_path / "clip.webm", source, SR, "webm")
    full = audio.load(p, sr=SR)
    part = audio.load(p, sr=SR, offset_s=0.5, duration_s=0.5)
    assert len(part) == SR // 2
    assert np.allclose(part, full[SR // 2 : SR], atol=1e-6)


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("hello, this is not a recording\n"), "not audio (it is a text file)"),
        (
            lambda p: p.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes()),
            "not audio or video",
        ),
    ],
    ids=["empty", "text", "random-bytes"],
)
def test_bad_files_say_why(make, reason, tmp_path):
    p = tmp_path / "clip.wav"
    make(p)
    for fn in (audio.load, audio.info):
        with pytest.raises(AudioError, match="clip.wav") as e:
            fn(p)
        assert reason in str(e.value)


def test_a_video_without_sound_says_so(tmp_path):
    p = encode(tmp_path / "silent-film.mp4", None, SR, "mp4")
    for fn in (audio.load, audio.info):
        with pytest.raises(AudioError, match="a video without a sound track"):
            fn(p)


def test_a_truncated_file_is_an_audio_error(source, tmp_path):
    good = encode(tmp_path / "clip.mp3", source, SR, "mp3")
    bad = tmp_path / "cut.m4a"
    m4a = encode(tmp_path / "clip.m4a", source, SR, "m4a")
    bad.write_bytes(m4a.read_bytes()[: m4a.stat().st_size // 2])
    with pytest.raises(AudioError, match="cut.m4a"):
        audio.load(bad)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])  # MP3 frames: the first half still plays
    y = audio.load(cut, sr=SR)
    assert 0.3 * SR < len(y) < 0.95 * SR


def test_the_folder_suffixes_cover_every_format():
    assert {s for _, _, s, _ in KINDS.values()} <= set(audio.AUDIO_SUFFIXES)
