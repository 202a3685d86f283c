"""Audio input: header info, loading to mono at a fixed rate, silence trimming.

Loading reads WAV (16/24/32-bit integer or float) and FLAC through ``soundfile``,
averages channels to mono, and resamples with ``soxr`` (high quality).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AudioError

__all__ = ["AudioInfo", "info", "load", "trim", "is_silent", "SUPPORTED_RATES"]

#: Sample rates accepted on input and output (Hz, inclusive).
SUPPORTED_RATES: tuple[int, int] = (8000, 48000)


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says."""

    sample_rate: int
    channels: int
    frames: int
    duration_s: float
    format: str
    subtype: str


def _soundfile():
    import soundfile as sf  # local: keeps `import ser_utils` cheap

    return sf


def info(path: str | os.PathLike) -> AudioInfo:
    """Read an audio file's header (not its samples).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    AudioInfo

    Raises
    ------
    AudioError
        The file is missing or not a readable WAV/FLAC file.
    """
    sf = _soundfile()
    p = Path(path)
    if not p.is_file():
        raise AudioError(f"{p}: no such file")
    try:
        i = sf.info(str(p))
    except Exception as exc:  # soundfile raises LibsndfileError / RuntimeError / TypeError
        raise AudioError(f"{p}: not a readable audio file ({exc})") from None
    frames = int(i.frames)
    sr = int(i.samplerate)
    return AudioInfo(
        sample_rate=sr,
        channels=int(i.channels),
        frames=frames,
        duration_s=frames / sr if sr else 0.0,
        format=str(i.format),
        subtype=str(i.subtype),
    )


def load(
    path: str | os.PathLike,
    *,
    sr: int = 22050,
    mono: bool = True,
    offset_s: float = 0.0,
    duration_s: float | None = None,
) -> np.ndarray:
    """Load an audio file as float32, resampled to ``sr``.

    Parameters
    ----------
    path : str or path-like
        A WAV or FLAC file, 8-48 kHz, any number of channels.
    sr : int
        Target sample rate in Hz (8000-48000).
    mono : bool
        Average the channels to one.
    offset_s, duration_s : float
        Read only this part of the file (seconds); ``duration_s=None`` reads to the end.

    Returns
    -------
    y : np.ndarray, float32
        Shape ``(n,)`` when ``mono``, else ``(channels, n)``; values in [-1, 1].

    Raises
    ------
    AudioError
        Missing, unreadable, corrupt or truncated file, an unsupported rate, or no samples.
    """
    if not SUPPORTED_RATES[0] <= int(sr) <= SUPPORTED_RATES[1]:
        raise AudioError(f"target rate sr={sr} is outside the supported {SUPPORTED_RATES[0]}-{SUPPORTED_RATES[1]} Hz")
    if offset_s < 0 or (duration_s is not None and duration_s <= 0):
        raise AudioError(f"offset_s must be >= 0 and duration_s > 0, got offset_s={offset_s}, duration_s={duration_s}")
    sf = _soundfile()
    p = Path(path)
    if not p.is_file():
        raise AudioError(f"{p}: no such file")
    try:
        with sf.SoundFile(str(p)) as f:  # one open: header and samples
            file_sr = int(f.samplerate)
            if not SUPPORTED_RATES[0] <= file_sr <= SUPPORTED_RATES[1]:
                raise AudioError(
                    f"{p}: sample rate {file_sr} Hz is outside the supported {SUPPORTED_RATES[0]}-{SUPPORTED_RATES[1]} Hz"
                )
            start = int(round(offset_s * file_sr))
            frames = -1 if duration_s is None else int(round(duration_s * file_sr))
            if start:
                f.seek(min(start, f.frames))
            data = f.read(frames=frames, dtype="float32", always_2d=True)
    except AudioError:
        raise
    except Exception as exc:  # soundfile raises LibsndfileError / RuntimeError / TypeError
        raise AudioError(f"{p}: could not decode the audio ({exc}); the file may be corrupt or truncated") from None
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
