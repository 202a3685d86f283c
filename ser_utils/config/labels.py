"""The label and feature vocabularies: the eight emotions, the frame features, the pooling statistics."""

from __future__ import annotations

__all__ = ["EMOTIONS", "FRAME_FEATURES", "POOL_STATS"]

#: The eight RAVDESS emotions, in label order (label ``i`` is emotion id ``i + 1``).
EMOTIONS: tuple[str, ...] = (
    "neutral",
    "calm",
    "happy",
    "sad",
    "angry",
    "fearful",
    "disgust",
    "surprised",
)

FRAME_FEATURES: tuple[str, ...] = (
    "mfcc",
    "mfcc_delta",
    "mfcc_delta2",
    "chroma",
    "contrast",
    "zcr",
    "rms",
    "centroid",
    "bandwidth",
    "rolloff",
    "f0",
)

#: Statistics over time that can pool a frame-level feature into a per-file vector
#: (``pool_stats``): mean, standard deviation, 10th/50th/90th percentiles, the standard
#: deviation of the frame-to-frame differences, and the least-squares slope per frame.
POOL_STATS: tuple[str, ...] = ("mean", "std", "p10", "p50", "p90", "delta_std", "slope")
