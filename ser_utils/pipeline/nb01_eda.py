"""Notebook 01, EDA: scan the corpus, save the manifest, and read it back."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .. import config
from .run import Run, write_json

__all__ = ["scan_corpus", "load_manifest", "emotion_examples"]


def scan_corpus(run: Run):
    """Find the data, scan it, save the manifest, the skipped table and ``dataset.json``.

    Returns
    -------
    ScanResult
        ``.manifest`` (one row per usable file) and ``.skipped`` (path, reason, detail).
    """
    from ..data import corpus as data
    from ..data.locate import resolve_data_dir

    cfg = run.cfg
    roots, synthetic = resolve_data_dir(cfg["data_dir"], demo_actors=cfg["demo_actors"], seed=0)
    t0 = time.perf_counter()
    result = data.scan(roots, min_duration_s=cfg["min_duration_s"], vocal_channels=tuple(cfg["vocal_channels"]))
    elapsed = time.perf_counter() - t0
    data.require_files(result)
    result.manifest.to_csv(run.path("manifest"), index=False)
    result.skipped.to_csv(run.path("skipped"), index=False)
    run.dataset = {
        "data_dir": str(roots[0]) if len(roots) == 1 else [str(r) for r in roots],
        "roots": [str(r) for r in roots],
        "n_files": int(len(result.manifest)),
        "n_skipped": int(len(result.skipped)),
        "n_seen": int(len(result.manifest) + len(result.skipped)),
        "synthetic": bool(synthetic),
        "fingerprint": data.fingerprint(result.manifest),
        # usable files per corpus (RAVDESS, CREMA-D, TESS, SAVEE), largest first
        "corpora": {str(k): int(v) for k, v in result.manifest["corpus"].value_counts().items()},
        "scan_time_s": round(elapsed, 2),
        "skipped_by_reason": result.skipped["reason"].value_counts().to_dict() if len(result.skipped) else {},
    }
    write_json(run.path("dataset"), run.dataset)
    reasons = ", ".join(f"{n} {r}" for r, n in run.dataset["skipped_by_reason"].items()) or "none"
    print(
        f"scanned {run.dataset['n_seen']} files in {elapsed:.1f} s: {run.dataset['n_files']} usable"
        + (" (" + ", ".join(f"{c.upper()} {n}" for c, n in run.dataset["corpora"].items()) + ")"
           if len(run.dataset["corpora"]) > 1 else "")
        + f", {run.dataset['n_skipped']} skipped ({reasons})"
    )
    if synthetic:
        print("NOTE: this is the SYNTHETIC demo corpus, not real speech; its numbers say nothing about RAVDESS.")
    return result


def load_manifest(run: Run) -> pd.DataFrame:
    """The manifest notebook 01 saved (one row per usable file)."""
    return pd.read_csv(run.path("manifest", must_exist=True))


def emotion_examples(run: Run, manifest: pd.DataFrame, *, seed: int = 0) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """One recording per emotion (the same actor where possible): ``(emotion, y, log-mel dB)``.

    Returns
    -------
    list of (str, np.ndarray shape (n,), np.ndarray shape (n_mels, t))
    """
    from .. import features
    from ..data import audio

    cfg = run.cfg
    speech = manifest[manifest["vocal_channel"] == "speech"]
    pool = speech if len(speech) else manifest
    actor = pool["actor"].value_counts().index[0]
    out = []
    for emotion in config.EMOTIONS:
        rows = pool[(pool["emotion"] == emotion) & (pool["actor"] == actor)]
        if rows.empty:
            rows = manifest[manifest["emotion"] == emotion]
        if rows.empty:
            continue
        row = rows.sort_values("file_id").iloc[0]
        y = audio.load(row["path"], sr=cfg["sample_rate"])
        S = features.logmel(
            y, sr=cfg["sample_rate"], n_mels=cfg["n_mels"], n_fft=cfg["n_fft"], hop_length=cfg["hop_length"],
            fmin=cfg["fmin"], fmax=cfg["fmax"],
        )
        out.append((f"{emotion} ({row['file_id']})", y, S))
    return out
