"""The ``FeatureSet`` container, its files on disk, and the fixed-length model input.

A :class:`FeatureSet` holds, row by row with its ``index``, a variable-length log-mel
``(n_mels, t_i)`` and a pooled vector ``(d,)`` per file. :func:`save_feature_set` /
:func:`load_feature_set` write and read it (NPZ + CSV + JSON, no pickle), and
:func:`fix_length` crops or pads the log-mels to one ``(n, n_frames, n_mels)`` array.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ArtifactMissingError, FeatureError
from ..files import atomic_write, read_json, write_json, write_text

__all__ = ["FeatureSet", "fix_length", "load_feature_set", "save_feature_set"]

#: Version of the files :func:`save_feature_set` writes.
FS_FORMAT = 1


@dataclass
class FeatureSet:
    """What :func:`ser_utils.features.extract` returns, aligned row by row with ``index``.

    Attributes
    ----------
    logmels : list of np.ndarray, float32, each (n_mels, t_i)
        Variable-length log-mels in dB (trimmed when ``trim_silence``).
    pooled : np.ndarray, float32, shape (n_files, d)
        Per-file vectors for the classic model: the ``pool_stats`` statistics over time of every
        log-mel band, then of each pooled frame feature (see :func:`ser_utils.features.extract`).
    pooled_names : list of str, length d
    index : pd.DataFrame
        The manifest's columns (reset index) plus ``n_frames`` (int, ``t_i``) and
        ``trimmed_duration_s`` (float, the analysed signal's duration).
    settings : dict
        :func:`feature_settings` of the run, plus ``transform_key`` and ``seed``.
    stats : dict
        ``n_files``, ``cached_files``, ``computed_files``, ``hits``, ``misses``,
        ``groups`` (per cache group: folder, hits, misses), ``corrupt_entries``,
        ``cache_write_errors``, ``seconds``, ``files_per_s``, ``n_jobs``.
    """

    logmels: list[np.ndarray]
    pooled: np.ndarray
    pooled_names: list[str]
    index: pd.DataFrame
    settings: dict
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.logmels)

    @property
    def n_mels(self) -> int:
        """Mel bands of the log-mels."""
        return int(self.settings["n_mels"])



def fix_length(logmels: Sequence[np.ndarray], *, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Bring variable-length log-mels to one length, time first.

    Parameters
    ----------
    logmels : sequence of np.ndarray, each (n_mels, t_i)
        Same ``n_mels`` for all.
    n_frames : int
        Target number of frames (>= 1).

    Returns
    -------
    X : np.ndarray, float32, shape (n, n_frames, n_mels)
        Longer inputs are cropped around their centre (start ``(t_i - n_frames) // 2``);
        shorter ones are padded at the end with that file's own minimum (its silence
        level in dB).
    lengths : np.ndarray, int64, shape (n,)
        Real (non-padding) frames: ``min(t_i, n_frames)``.
    """
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
        raise FeatureError(f"n_frames must be a positive integer, got {n_frames!r}")
    logmels = list(logmels)
    if not logmels:
        raise FeatureError("fix_length got no log-mels; expected a non-empty sequence of (n_mels, t) arrays")
    n_mels = None
    for i, S in enumerate(logmels):
        if not isinstance(S, np.ndarray) or S.ndim != 2 or S.shape[1] < 1:
            raise FeatureError(
                f"log-mel {i} must be an array of shape (n_mels, t) with t >= 1, "
                f"got {getattr(S, 'shape', type(S).__name__)}"
            )
        if n_mels is None:
            n_mels = S.shape[0]
        elif S.shape[0] != n_mels:
            raise FeatureError(f"log-mel {i} has {S.shape[0]} mel bands, expected {n_mels} like the first")
    X = np.empty((len(logmels), int(n_frames), n_mels), dtype=np.float32)
    lengths = np.empty(len(logmels), dtype=np.int64)
    for i, S in enumerate(logmels):
        t = S.shape[1]
        if t >= n_frames:
            start = (t - n_frames) // 2
            X[i] = S[:, start : start + n_frames].T
            lengths[i] = n_frames
        else:
            X[i, :t] = S.T
            X[i, t:] = S.min()
            lengths[i] = t
    return X, lengths



def save_feature_set(fs: FeatureSet, folder: str | os.PathLike) -> Path:
    """Write a :class:`FeatureSet` as ``features.npz``, ``index.csv``, ``feature_settings.json``.

    ``features.npz`` holds ``logmels`` (n_mels, sum t_i) float32 (all log-mels
    concatenated along time), ``offsets`` (n + 1,) int64 (file ``i`` is columns
    ``offsets[i]:offsets[i+1]``) and ``pooled`` (n, d) float32. The JSON holds the
    settings, stats and ``pooled_names``. Every file is written atomically.

    Returns
    -------
    Path
        The folder.
    """
    if not isinstance(fs, FeatureSet):
        raise FeatureError(f"save_feature_set expects a FeatureSet, got {type(fs).__name__}")
    n = len(fs.logmels)
    if len(fs.index) != n or fs.pooled.shape[0] != n or fs.pooled.shape[1] != len(fs.pooled_names):
        raise FeatureError(
            f"inconsistent FeatureSet: {n} log-mels, {len(fs.index)} index rows, pooled {fs.pooled.shape}, "
            f"{len(fs.pooled_names)} pooled names"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lens = np.array([S.shape[1] for S in fs.logmels], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    cat = (
        np.concatenate(fs.logmels, axis=1).astype(np.float32, copy=False) if n else np.zeros((fs.n_mels, 0), np.float32)
    )
    arrays = {"logmels": cat, "offsets": offsets, "pooled": fs.pooled.astype(np.float32, copy=False)}
    atomic_write(folder / "features.npz", lambda f: np.savez(f, **arrays))
    write_text(folder / "index.csv", fs.index.to_csv(index=False))
    meta = {
        "format": FS_FORMAT,
        "n_files": n,
        "settings": fs.settings,
        "stats": fs.stats,
        "pooled_names": list(fs.pooled_names),
    }
    write_json(folder / "feature_settings.json", meta, sort_keys=True)
    return folder


def load_feature_set(folder: str | os.PathLike) -> FeatureSet:
    """Read a :class:`FeatureSet` written by :func:`save_feature_set`.

    Raises
    ------
    ArtifactMissingError
        A file of the set is missing (run the feature-extraction notebook first).
    FeatureError
        The files are unreadable or inconsistent with one another.
    """
    folder = Path(folder)
    files = [folder / "features.npz", folder / "index.csv", folder / "feature_settings.json"]
    absent = [p.name for p in files if not p.is_file()]
    if absent:
        raise ArtifactMissingError(
            f"{folder}: no saved feature set ({', '.join(absent)} missing); run notebooks/02 (features) first"
        )
    try:
        meta = read_json(files[2])
        with np.load(files[0], allow_pickle=False) as z:
            cat, offsets, pooled = z["logmels"], z["offsets"], z["pooled"]
        index = pd.read_csv(files[1], dtype={"sha1": str, "file_id": str, "path": str})
    except Exception as exc:  # noqa: BLE001 - any read error becomes a FeatureError naming the folder
        raise FeatureError(f"{folder}: cannot read the saved feature set ({exc})") from None
    n = len(index)
    if (
        offsets.ndim != 1 or offsets.shape[0] != n + 1 or pooled.shape[0] != n or meta.get("n_files") != n
        or cat.ndim != 2 or offsets[-1] != cat.shape[1] or np.any(np.diff(offsets) < 1)
        or pooled.shape[1] != len(meta.get("pooled_names", []))
    ):
        raise FeatureError(f"{folder}: features.npz, index.csv and feature_settings.json do not agree (n={n})")
    logmels = [np.ascontiguousarray(cat[:, offsets[i] : offsets[i + 1]]) for i in range(n)]
    return FeatureSet(logmels, pooled, list(meta["pooled_names"]), index, meta["settings"], meta.get("stats", {}))
