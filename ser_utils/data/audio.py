"""Audio input: header info, loading to mono at a fixed rate, silence trimming.

One way to read audio, whatever the file: :func:`info` and :func:`load` read what
libsndfile can (WAV 16/24/32-bit integer or float, FLAC, AIFF, OGG) through
``soundfile``, and everything else (MP3, M4A/AAC, Opus, WebM, and the sound track of
MP4/MOV/MKV videos, RAVDESS's audio-visual ``.mp4`` included) through PyAV (``av``,
FFmpeg's decoders). Channels are averaged to mono and the result resampled with ``soxr``
(high quality). Every failure is an :class:`~ser_utils.errors.AudioError` naming the file
and saying why in plain words (no such file, empty, not audio, a video without a sound
track, corrupt or truncated, an unsupported rate, no samples).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AudioError

__all__ = ["AUDIO_SUFFIXES", "FILE_RATES", "SUPPORTED_RATES", "AudioInfo", "info", "is_silent", "load", "trim"]

#: Sample rates :func:`load` resamples to (Hz, inclusive).
SUPPORTED_RATES: tuple[int, int] = (8000, 48000)

#: Sample rates a file may have (Hz, inclusive): studio files at 88.2-192 kHz (TESS has one
#: at 96 kHz) are read and resampled down.
FILE_RATES: tuple[int, int] = (8000, 192000)


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says."""

    sample_rate: int
    channels: int
    frames: int
    duration_s: float
    format: str
    subtype: str


#: File name endings the data scan and ``python -m ser_utils.predict`` look for in folders
#: (a file given by name is tried whatever its ending).
AUDIO_SUFFIXES: tuple[str, ...] = (
    ".wav", ".flac", ".aif", ".aiff", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac",
    ".webm", ".mp4", ".mov", ".mkv",
)


def _soundfile():
    import soundfile as sf  # local: keeps `import ser_utils` cheap

    return sf


def _av():
    import av  # local: FFmpeg's libraries load only when a file needs them

    av.logging.set_level(av.logging.PANIC)  # our errors say what went wrong; no FFmpeg chatter on stderr
    return av


def _check_file(p: Path) -> None:
    if not p.is_file():
        raise AudioError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise AudioError(f"{p}: the file is empty (0 bytes)")


def _looks_like_text(p: Path) -> bool:
    head = p.read_bytes()[:512] if p.stat().st_size < 512 else p.open("rb").read(512)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)


def _not_media(p: Path) -> AudioError:
    if _looks_like_text(p):
        return AudioError(f"{p}: not audio (it is a text file)")
    return AudioError(f"{p}: not audio or video in any format we can read (unknown format, or a corrupt header)")


def _open_av(p: Path):
    """The open PyAV container and its first audio stream."""
    av = _av()
    try:
        c = av.open(str(p), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError):
        raise _not_media(p) from None
    if not c.streams.audio:
        kind = "a video without a sound track" if c.streams.video else "not audio (the file holds no sound track)"
        c.close()
        raise AudioError(f"{p}: {kind}")
    return c, c.streams.audio[0]


def _check_rate(p: Path, file_sr: int) -> None:
    if not FILE_RATES[0] <= file_sr <= FILE_RATES[1]:
        raise AudioError(f"{p}: sample rate {file_sr} Hz is outside the supported {FILE_RATES[0]}-{FILE_RATES[1]} Hz")


def _info_soundfile(p: Path) -> AudioInfo | None:
    try:
        i = _soundfile().info(str(p))
    except Exception:  # LibsndfileError / RuntimeError / TypeError: not libsndfile's format
        return None
    sr, frames = int(i.samplerate), int(i.frames)
    return AudioInfo(sample_rate=sr, channels=int(i.channels), frames=frames,
                     duration_s=frames / sr if sr else 0.0, format=str(i.format), subtype=str(i.subtype))


def _info_av(p: Path) -> AudioInfo:
    c, s = _open_av(p)
    with c:
        sr = int(s.codec_context.sample_rate or s.rate or 0)
        channels = int(s.codec_context.channels or 0)
        if s.duration is not None and s.time_base is not None:
            seconds = float(s.duration * s.time_base)
        elif c.duration is not None:
            seconds = c.duration / 1_000_000  # AV_TIME_BASE
        else:
            seconds = None
        fmt, codec = str(c.format.name), str(s.codec_context.name)
    if seconds is None or sr <= 0:  # e.g. a browser's WebM recording: no duration in its header
        data, sr = _read_av(p, 0.0, None)
        frames, channels = int(data.shape[0]), int(data.shape[1])
    else:
        frames = int(round(seconds * sr))
    return AudioInfo(sample_rate=sr, channels=channels, frames=frames,
                     duration_s=frames / sr if sr else 0.0, format=fmt, subtype=codec)


def info(path: str | os.PathLike) -> AudioInfo:
    """Read an audio or video file's header (not its samples, where the header says enough).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    AudioInfo
        For files read by PyAV, ``format`` is FFmpeg's container name and ``subtype`` the
        audio codec; ``frames`` comes from the header's duration (decoded when absent).

    Raises
    ------
    AudioError
        The file is missing, empty, not audio, a video without a sound track, or corrupt.
    """
    p = Path(path)
    _check_file(p)
    return _info_soundfile(p) or _info_av(p)


def _read_soundfile(p: Path, offset_s: float, duration_s: float | None) -> tuple[np.ndarray, int] | None:
    """``(data (n, channels) float32, rate)``, or None when libsndfile cannot open the file."""
    sf = _soundfile()
    try:
        f = sf.SoundFile(str(p))
    except Exception:  # not a libsndfile format (or its header is broken): PyAV's turn
        return None
    try:
        with f:  # one open: header and samples
            file_sr = int(f.samplerate)
            _check_rate(p, file_sr)
            start = int(round(offset_s * file_sr))
            frames = -1 if duration_s is None else int(round(duration_s * file_sr))
            if start:
                f.seek(min(start, f.frames))
            data = f.read(frames=frames, dtype="float32", always_2d=True)
    except AudioError:
        raise
    except Exception as exc:  # soundfile raises LibsndfileError / RuntimeError / TypeError
        raise AudioError(f"{p}: could not decode the audio ({exc}); the file may be corrupt or truncated") from None
    return data, file_sr


def _read_av(p: Path, offset_s: float, duration_s: float | None) -> tuple[np.ndarray, int]:
    """``(data (n, channels) float32, rate)`` of the first audio stream, decoded by PyAV."""
    av = _av()
    c, s = _open_av(p)
    chunks: list[np.ndarray] = []
    with c:
        file_sr = int(s.codec_context.sample_rate or 0)
        _check_rate(p, file_sr)
        start = int(round(offset_s * file_sr))
        stop = None if duration_s is None else start + int(round(duration_s * file_sr))
        to_float = av.AudioResampler(format="fltp")  # planar float32, same layout and rate
        got = 0
        try:
            for frame in c.decode(s):
                for out in to_float.resample(frame):
                    chunks.append(out.to_ndarray().T)
                    got += out.samples
                if stop is not None and got >= stop:
                    break
        except (av.error.FFmpegError, ValueError) as exc:
            if not chunks:
                raise AudioError(f"{p}: could not decode the audio ({exc}); the file is corrupt or truncated") from None
            # a truncated tail: keep what decoded, as players do
    if not chunks:
        return np.zeros((0, max(1, int(s.codec_context.channels or 1))), np.float32), file_sr
    data = np.concatenate(chunks).astype(np.float32, copy=False)
    return data[start:stop], file_sr


def load(
    path: str | os.PathLike,
    *,
    sr: int = 22050,
    mono: bool = True,
    offset_s: float = 0.0,
    duration_s: float | None = None,
) -> np.ndarray:
    """Load an audio file, or a video's sound track, as float32 resampled to ``sr``.

    Parameters
    ----------
    path : str or path-like
        WAV, FLAC, AIFF or OGG (soundfile), or anything FFmpeg decodes (PyAV): MP3,
        M4A/AAC, Opus, WebM, MP4/MOV/MKV video; 8-192 kHz, any number of channels.
    sr : int
        Target sample rate in Hz (8000-48000).
    mono : bool
        Average the channels to one.
    offset_s, duration_s : float
        Read only this part of the file (seconds); ``duration_s=None`` reads to the end.

    Returns
    -------
    y : np.ndarray, float32
        Shape ``(n,)`` when ``mono``, else ``(channels, n)``; values in [-1, 1] (lossy
        decoders may overshoot slightly).

    Raises
    ------
    AudioError
        Missing, empty, not audio, a video without a sound track, corrupt or truncated,
        an unsupported rate, or no samples.
    """
    if not SUPPORTED_RATES[0] <= int(sr) <= SUPPORTED_RATES[1]:
        raise AudioError(f"target rate sr={sr} is outside the supported {SUPPORTED_RATES[0]}-{SUPPORTED_RATES[1]} Hz")
    if offset_s < 0 or (duration_s is not None and duration_s <= 0):
        raise AudioError(f"offset_s must be >= 0 and duration_s > 0, got offset_s={offset_s}, duration_s={duration_s}")
    p = Path(path)
    _check_file(p)
    data, file_sr = _read_soundfile(p, offset_s, duration_s) or _read_av(p, offset_s, duration_s)
    if data.shape[0] == 0:
        raise AudioError(f"{p}: the file holds no samples")
    if not np.isfinite(data).all():
        raise AudioError(f"{p}: the file holds NaN or infinite samples")
    y = data.mean(axis=1) if mono else data.T
    y = np.ascontiguousarray(y, dtype=np.float32)
    if file_sr != sr:
        import soxr

        if mono:
            y = soxr.resample(y, file_sr, sr, quality="HQ").astype(np.float32, copy=False)
        else:
            y = np.ascontiguousarray(soxr.resample(y.T, file_sr, sr, quality="HQ").T, dtype=np.float32)
    return y


def is_silent(y: np.ndarray, *, threshold_db: float = -60.0) -> bool:
    """True when the peak absolute amplitude of ``y`` is below ``threshold_db`` dBFS.

    Parameters
    ----------
    y : np.ndarray, shape (n,) or (channels, n)
    threshold_db : float
        Peak level (dB relative to full scale) under which the signal counts as silent.
    """
    if y.size == 0:
        return True
    peak = float(np.max(np.abs(y)))
    return peak <= 10.0 ** (threshold_db / 20.0)


def trim(
    y: np.ndarray,
    *,
    sr: int,
    top_db: float = 40.0,
    min_duration_s: float = 0.25,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Trim leading and trailing silence, never returning an empty or too-short signal.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono waveform.
    sr : int
        Its sample rate.
    top_db : float
        Frames quieter than the peak by more than this (dB) count as silence
        (``librosa.effects.trim``).
    min_duration_s : float
        The result keeps at least this much audio, centred on the trimmed region
        (or on the loudest sample when everything counts as silence); an input shorter
        than this is zero-padded at the end.

    Returns
    -------
    y_trimmed : np.ndarray, shape (m,), m >= max(1, round(min_duration_s * sr))
    interval : tuple of int
        ``(start, end)`` sample indices of the kept part in ``y`` (end exclusive, clipped to ``len(y)``).
    """
    if y.ndim != 1:
        raise AudioError(f"trim expects a mono waveform of shape (n,), got shape {y.shape}")
    n = y.shape[0]
    min_len = max(1, int(round(min_duration_s * sr)))
    if n == 0:
        return np.zeros(min_len, dtype=np.float32), (0, 0)
    if is_silent(y, threshold_db=-120.0):
        start, end = 0, n
    else:
        import librosa

        frame = 2048 if n >= 2048 else max(1, 1 << (n.bit_length() - 1))
        hop = max(1, frame // 4)
        _, (start, end) = librosa.effects.trim(y, top_db=top_db, frame_length=frame, hop_length=hop)
        start, end = int(start), int(end)
        if end <= start:
            start, end = 0, n
    if end - start < min_len:
        centre = (start + end) // 2 if end > start else int(np.argmax(np.abs(y)))
        start = max(0, min(centre - min_len // 2, n - min_len))
        end = min(n, start + min_len)
    out = np.asarray(y[start:end], dtype=np.float32)
    if out.shape[0] < min_len:
        out = np.pad(out, (0, min_len - out.shape[0]))
    return out, (start, end)
