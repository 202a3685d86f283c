"""Notebook 02, features: the log-mels, pooled vectors and encoder statistics of every file."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .run import Run

__all__ = [
    "extract_features",
    "load_features",
    "extract_encoder",
    "load_encoder",
    "encoder_overview",
    "feature_overview",
]


def extract_features(run: Run, manifest: pd.DataFrame):
    """Extract (or read from the cache) every file's log-mel and pooled vector, and save them."""
    from .. import features

    settings = features.feature_settings(run.cfg)
    fs = features.extract(
        manifest, settings=settings, cache_dir=run.cache_dir, n_jobs=run.cfg["n_jobs"], progress=True
    )
    folder = run.path("features").parent
    features.save_feature_set(fs, folder)
    return fs


def load_features(run: Run):
    """The feature set notebook 02 saved."""
    from .. import features

    run.path("features", must_exist=True)
    return features.load_feature_set(run.path("features").parent)


def extract_encoder(run: Run, manifest: pd.DataFrame):
    """The pretrained encoder's statistics of every file (cached), saved for notebook 04.

    None when the ``encoder`` parameter is ``none``.
    """
    from ..features import encoder as enc

    if run.cfg["encoder"] == "none":
        print("encoder: none (this profile uses no pretrained encoder)")
        path = run.path("encoder_features")
        if path.exists():
            path.unlink()  # a stale file of an earlier run must not be used
        return None
    ef = enc.extract_encoder(
        manifest,
        settings=enc.encoder_settings(run.cfg),
        cache_dir=run.cache_dir,
        n_jobs=run.cfg["n_jobs"],
        progress=True,
    )
    enc.save_encoder_features(ef, run.path("encoder_features"))
    return ef


def load_encoder(run: Run, *, frames: bool = False, fs=None):
    """The encoder statistics notebook 02 saved, or None when that run used no encoder.

    Notebook 02 removes the file when it runs without an encoder, so its presence decides.
    With ``frames`` (the frame head needs them) the frame sequences are read back from the
    feature cache with the saved settings (a cache hit: notebook 02 computed them), for the
    files of ``fs`` (the feature set of :func:`load_features`), in its order.
    """
    from ..features import encoder as enc

    if not run.path("encoder_features").exists():
        return None
    saved = enc.load_encoder_features(run.path("encoder_features"))
    if not frames:
        return saved
    fs = load_features(run) if fs is None else fs
    cols = [c for c in ("path", "file_id", "sha1") if c in fs.index.columns]
    return enc.extract_encoder(
        fs.index[cols], settings=saved.settings, cache_dir=run.cache_dir, n_jobs=run.cfg["n_jobs"], progress=False
    )


def encoder_overview(ef) -> pd.DataFrame:
    """What the encoder group produced, one row per quantity."""
    frames = ef.index["n_encoder_frames"].to_numpy()
    s = ef.settings
    rows = {
        "encoder": f"{s['encoder']} ({s['compute_type']}), model.bin SHA-256 {s['model_sha256'][:16]}...",
        "files": len(ef.index),
        "encoder frames per file, 20 ms each (min / median / max)": (
            f"{frames.min()} / {int(np.median(frames))} / {frames.max()}"
        ),
        "pooled statistics per file": f"{ef.pooled.shape[1]} ({' + '.join(s['pool_stats'])} of 512 dimensions)",
        "extraction time s": ef.stats.get("seconds", "?"),
        "computed / from cache": f"{ef.stats.get('computed_files', '?')} / {ef.stats.get('cached_files', '?')}",
    }
    return pd.DataFrame({"value": [str(v) for v in rows.values()]}, index=list(rows))


def feature_overview(fs) -> pd.DataFrame:
    """Shapes and lengths of a feature set, one row per quantity."""
    frames = fs.index["n_frames"].to_numpy()
    dur = fs.index["trimmed_duration_s"].to_numpy()
    rows = {
        "files": len(fs.logmels),
        "mel bands": int(fs.logmels[0].shape[0]) if fs.logmels else 0,
        "frames per file (min / median / max)": f"{frames.min()} / {int(np.median(frames))} / {frames.max()}",
        "trimmed duration s (min / median / max)": f"{dur.min():.2f} / {np.median(dur):.2f} / {dur.max():.2f}",
        "pooled vector length": int(fs.pooled.shape[1]),
        "extraction time s": fs.stats.get("seconds", "?"),
        "computed / from cache": f"{fs.stats.get('computed_files', '?')} / {fs.stats.get('cached_files', '?')}",
    }
    return pd.DataFrame({"value": [str(v) for v in rows.values()]}, index=list(rows))
