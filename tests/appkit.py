"""A tiny model bundle and speech-like clips for the app's tests."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

SR = 16000
N_FRAMES = 32


def voice(seconds: float, *, sr: int = SR, f0: float = 160.0, seed: int = 0) -> np.ndarray:
    """Harmonics under a syllable envelope plus a little noise, shape (n,)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = sum(0.2 / k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 5))
    env = 0.3 + 0.7 * np.sin(2 * np.pi * 2.0 * t) ** 2
    return (y * env + 0.005 * rng.normal(size=t.size)).astype(np.float32)


def wav_bytes(y: np.ndarray, sr: int = SR) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def tiny_bundle(folder: Path, *, synthetic: bool = False, min_speaker_clips: int | None = None) -> Path:
    """An untrained CRNN bundle at 16 kHz with per-speaker statistics of actors 1 and 2.

    Without ``min_speaker_clips`` it has no ``prediction_modes`` (as bundles saved before
    them, the shipped one included); with it, the CRNN alone in both modes.
    """
    from ser_utils import config, features
    from ser_utils.models.architectures import build_model
    from ser_utils.models.bundle import save_bundle
    from ser_utils.prep import normalise

    cfg = config.resolve("demo", sample_rate=SR, n_mels=16, n_fft=512, hop_length=256, deltas=0)
    X = np.random.default_rng(0).normal(-40, 10, size=(4, N_FRAMES, 16, 1)).astype(np.float32)
    settings = {
        "features": features.feature_settings(cfg),
        "deltas": 0,
        "n_frames": N_FRAMES,
        "norm_stats": normalise.fit(X, np.full(4, N_FRAMES), method="per_speaker", actors=[1, 1, 2, 2]),
        "actors": {"train": [1], "val": [2], "test": []},
        "data": {"synthetic": synthetic, "n_files": 4},
        "model": {"model": "crnn"},
    }
    if min_speaker_clips is not None:
        settings["prediction_modes"] = {
            "min_speaker_clips": min_speaker_clips,
            **{mode: {"weights": {"crnn": 1.0}} for mode in ("per_speaker", "single_clip")},
        }
    m = build_model("crnn", input_shape=(N_FRAMES, 16, 1), conv_filters=[4, 8], lstm_units=[8], dense_units=8)
    return save_bundle(folder, m, settings=settings)
