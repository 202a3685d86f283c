"""Small media files for tests, encoded with PyAV from a known signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: name -> (container format, audio codec, file ending, with a video track)
KINDS: dict[str, tuple[str, str, str, bool]] = {
    "mp3": ("mp3", "libmp3lame", ".mp3", False),
    "m4a": ("ipod", "aac", ".m4a", False),
    "opus": ("ogg", "libopus", ".opus", False),
    "webm": ("webm", "libopus", ".webm", False),
    "mp4": ("mp4", "aac", ".mp4", True),
    "mov": ("mov", "aac", ".mov", True),
    "mkv": ("matroska", "libopus", ".mkv", True),
    "mkv-pcm": ("matroska", "pcm_s16le", ".mkv", True),
}


def tone(sr: int = 48000, seconds: float = 1.5, *, f0: float = 180.0, seed: int = 0) -> np.ndarray:
    """A speech-like test signal: harmonics of a gliding f0 under a syllable envelope, shape (n,)."""
    t = np.arange(int(sr * seconds)) / sr
    f = f0 * (1 + 0.15 * np.sin(2 * np.pi * 1.3 * t))
    phase = 2 * np.pi * np.cumsum(f) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, 12))
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t) ** 2
    rng = np.random.default_rng(seed)
    y = env * y + 0.01 * rng.standard_normal(len(t))
    return (0.3 * y / np.max(np.abs(y))).astype(np.float32)


def encode(
    path: str | Path, y: np.ndarray | None, sr: int, kind: str, *, video: bool | None = None, channels: int = 1
) -> Path:
    """Write ``y`` (shape (n,), or None for a video without sound) as ``kind`` (a key of :data:`KINDS`)."""
    import av

    fmt, codec, _, has_video = KINDS[kind]
    has_video = has_video if video is None else video
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    layout = "mono" if channels == 1 else "stereo"
    with av.open(str(p), "w", format=fmt) as c:
        v = None
        if has_video:
            v = c.add_stream("mpeg4", rate=10)
            v.width = v.height = 32
            v.pix_fmt = "yuv420p"
        if y is not None:
            a = c.add_stream(codec, rate=sr, layout=layout)
            frame_size = a.codec_context.frame_size or 1024
            to_codec = av.AudioResampler(
                format=a.codec_context.format.name, layout=layout, rate=sr, frame_size=frame_size
            )
            data = np.repeat(np.asarray(y, np.float32)[None], channels, axis=0).T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="flt", layout=layout)
            frame.sample_rate = sr
            for out in [*to_codec.resample(frame), *to_codec.resample(None)]:
                c.mux(a.encode(out))
            c.mux(a.encode(None))
        if v is not None:
            n = int(10 * (len(y) / sr if y is not None else 1.0))
            for i in range(max(1, n)):
                img = np.full((32, 32, 3), (i * 20) % 255, np.uint8)
                c.mux(v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
            c.mux(v.encode(None))
    return p


def aligned_snr_db(ref: np.ndarray, y: np.ndarray, *, max_lag: int) -> tuple[float, int]:
    """SNR (dB) of ``y`` against ``ref`` after the best integer shift within +/- ``max_lag`` samples.

    The shift maximises the cross-correlation (FFT); the gain is then fitted by least
    squares, so a codec's delay or level change does not count as noise.
    Returns ``(snr_db, lag)``: ``y[lag + i]`` matches ``ref[i]``.
    """
    from scipy.signal import correlate, correlation_lags

    ref = np.asarray(ref, np.float64)
    y = np.asarray(y, np.float64)
    xc = correlate(y, ref, mode="full", method="fft")
    lags = correlation_lags(len(y), len(ref), mode="full")
    keep = np.abs(lags) <= max_lag
    lag = int(lags[keep][np.argmax(xc[keep])])
    a = ref[max(0, -lag):]
    b = y[max(0, lag):]
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    g = float(a @ b) / max(float(b @ b), 1e-20)
    err = a - g * b
    return float(10 * np.log10(float(a @ a) / max(float(err @ err), 1e-20))), lag
