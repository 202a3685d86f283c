"""Audio I/O: header info, loading (formats, channels, resampling), trimming, silence."""

from __future__ import annotations

import numpy as np
import pytest

from ser_utils.data import audio
from ser_utils.errors import AudioError

SR = 22050


def _sine(freq: float, sr: int, duration_s: float = 0.5, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(duration_s * sr))) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_freq(y: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    return float(np.fft.rfftfreq(y.size, 1.0 / sr)[np.argmax(spec)])


@pytest.mark.parametrize(
    "ext, subtype, tol",
    [
        (".wav", "PCM_16", 1e-4),
        (".wav", "PCM_24", 1e-6),
        (".wav", "FLOAT", 0.0),
        (".wav", "PCM_32", 1e-8),
        (".flac", "PCM_16", 1e-4),
        (".flac", "PCM_24", 1e-6),
    ],
)
def test_formats_load_exactly(tmp_path, write_wav, ext, subtype, tol):
    y = _sine(440, SR)
    p = write_wav(tmp_path / f"x{ext}", y, SR, subtype=subtype)
    i = audio.info(p)
    assert (i.sample_rate, i.channels, i.frames, i.subtype) == (SR, 1, y.size, subtype)
    assert i.duration_s == pytest.approx(0.5)
    out = audio.load(p, sr=SR)
    assert out.dtype == np.float32 and out.shape == y.shape
    assert np.max(np.abs(out - y)) <= tol + 1e-7


def test_stereo_is_averaged(tmp_path, write_wav):
    left, right = _sine(440, SR), _sine(1000, SR, amp=0.2)
    p = write_wav(tmp_path / "s.wav", np.stack([left, right], axis=1), SR, subtype="FLOAT")
    assert audio.info(p).channels == 2
    mono = audio.load(p, sr=SR)
    assert mono.shape == (left.size,)
    np.testing.assert_allclose(mono, (left + right) / 2, atol=1e-6)
    both = audio.load(p, sr=SR, mono=False)
    assert both.shape == (2, left.size)
    np.testing.assert_allclose(both[1], right, atol=1e-6)


def test_channels_helper_duplicates_mono(tmp_path, write_wav):
    p = write_wav(tmp_path / "d.wav", _sine(440, SR), SR, channels=2)
    assert audio.info(p).channels == 2


@pytest.mark.parametrize(
    "sr_in, freq", [(8000, 1000.0), (16000, 440.0), (44100, 3000.0), (48000, 440.0), (96000, 440.0), (192000, 3000.0)]
)
def test_resampling_keeps_length_and_frequency(tmp_path, write_wav, sr_in, freq):
    y = _sine(freq, sr_in, duration_s=1.0)
    p = write_wav(tmp_path / f"r{sr_in}.wav", y, sr_in)
    out = audio.load(p, sr=SR)
    assert out.dtype == np.float32 and out.ndim == 1
    assert abs(out.size - round(y.size * SR / sr_in)) <= 1
    assert _peak_freq(out, SR) == pytest.approx(freq, abs=2.0)
    assert np.max(np.abs(out)) == pytest.approx(0.5, abs=0.02)


def test_offset_and_duration(tmp_path, write_wav):
    y = np.arange(SR, dtype=np.float32) / SR  # a ramp, 1 s
    p = write_wav(tmp_path / "ramp.wav", y, SR, subtype="FLOAT")
    part = audio.load(p, sr=SR, offset_s=0.5, duration_s=0.25)
    assert part.size == SR // 4
    assert part[0] == pytest.approx(0.5, abs=1e-4)


def test_corrupt_and_missing_files(tmp_path, write_wav):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEgarbage" * 3)
    with pytest.raises(AudioError, match="bad.wav"):
        audio.info(bad)
    with pytest.raises(AudioError, match="bad.wav"):
        audio.load(bad)
    text = tmp_path / "t.flac"
    text.write_text("not audio")
    with pytest.raises(AudioError):
        audio.load(text)
    with pytest.raises(AudioError, match="no such file"):
        audio.load(tmp_path / "missing.wav")
    flac = write_wav(tmp_path / "c.flac", _sine(440, SR, duration_s=1.0), SR)
    b = bytearray(flac.read_bytes())
    b[len(b) // 3 : len(b) // 3 + 300] = b"\x00" * 300
    flac.write_bytes(bytes(b))
    with pytest.raises(AudioError, match="c.flac"):
        audio.load(flac)


def test_empty_file_and_bad_rates(tmp_path, write_wav):
    p = write_wav(tmp_path / "e.wav", np.zeros(0, np.float32), SR)
    with pytest.raises(AudioError, match="no samples"):
        audio.load(p)
    ok = write_wav(tmp_path / "ok.wav", _sine(440, SR), SR)
    with pytest.raises(AudioError, match="sr="):
        audio.load(ok, sr=4000)
    with pytest.raises(AudioError):
        audio.load(ok, offset_s=-1.0)
    too_fast = write_wav(tmp_path / "f.wav", _sine(440, 384000, duration_s=0.1), 384000)
    with pytest.raises(AudioError, match="384000 Hz is outside the supported 8000-192000 Hz"):
        audio.load(too_fast)


def test_trim_removes_silence_and_keeps_the_tone():
    tone = _sine(440, SR, duration_s=0.5)
    y = np.concatenate([np.zeros(SR, np.float32), tone, np.zeros(SR, np.float32)])
    out, (start, end) = audio.trim(y, sr=SR)
    assert out.size < y.size / 2 and out.size >= tone.size * 0.9
    assert start <= SR + 512 and end >= SR + tone.size - 512


@pytest.mark.parametrize("n", [0, 1, 7, 100, 3000, SR * 2])
def test_trim_never_empty_nor_too_short(n):
    min_len = int(round(0.25 * SR))
    for y in (np.zeros(n, np.float32), _sine(440, SR, duration_s=n / SR)[:n]):
        out, (start, end) = audio.trim(y, sr=SR, min_duration_s=0.25)
        assert out.dtype == np.float32 and out.ndim == 1
        assert out.size >= max(1, min_len)
        assert 0 <= start <= end <= max(n, 0)


def test_trim_short_burst_is_centred():
    y = np.zeros(SR, np.float32)
    y[SR // 2 : SR // 2 + 50] = 0.8
    out, (start, end) = audio.trim(y, sr=SR, min_duration_s=0.25)
    assert out.size == int(round(0.25 * SR))
    assert start < SR // 2 < end
    assert np.max(np.abs(out)) == pytest.approx(0.8)


def test_trim_rejects_stereo():
    with pytest.raises(AudioError, match="mono"):
        audio.trim(np.zeros((2, 100), np.float32), sr=SR)


def test_is_silent():
    assert audio.is_silent(np.zeros(100, np.float32))
    assert audio.is_silent(np.array([], np.float32))
    assert audio.is_silent(np.full(100, 10 ** (-70 / 20), np.float32))
    assert not audio.is_silent(np.full(100, 10 ** (-50 / 20), np.float32))
    assert not audio.is_silent(np.full(100, 10 ** (-70 / 20), np.float32), threshold_db=-80.0)


STEREO_SAMPLES = {
    "speech/Actor_01/03-01-02-01-01-02-01.wav",
    "speech/Actor_05/03-01-02-01-02-02-05.wav",
    "speech/Actor_20/03-01-06-01-01-02-20.wav",
}


@pytest.mark.shared
def test_real_48k_samples(shared_data):
    folder = shared_data / "ravdess-48k-samples"
    files = sorted(folder.rglob("*.wav"))
    assert len(files) == 6
    stereo = set()
    for p in files:
        i = audio.info(p)
        assert i.sample_rate == 48000 and i.subtype == "PCM_16"
        if i.channels == 2:
            stereo.add(p.relative_to(folder).as_posix())
        y = audio.load(p, sr=SR)
        assert y.ndim == 1 and y.dtype == np.float32
        assert abs(y.size - round(i.frames * SR / 48000)) <= 1
        assert 0.01 < np.max(np.abs(y)) <= 1.0
        assert not audio.is_silent(y)
    assert stereo == STEREO_SAMPLES
