"""From extracted features to model-ready datasets, without leakage (notebook 03).

:func:`prepare_datasets` does, in this order:

1. **split** the files (:func:`ser_utils.prep.split.make_split`), on the manifest only;
2. **length**: ``n_frames`` = ``max_frames`` if set, else the ``length_percentile``-th
   percentile of the *training* files' (trimmed) frame counts, rounded up;
3. **augmented copies** of the *training* files only: ``aug_copies`` passes of
   ``features.extract(transform=...)`` over the training files, appended to the
   training part (``augmented=True``, ``source_file_id``);
4. **deltas** (``deltas`` = 0, 1, 2 extra channels), computed on each file's whole
   log-mel before cropping/padding, so padding never leaks into the deltas; then every
   channel is cropped (centred) or padded to ``n_frames`` by ``features.fix_length``;
5. **normalise** (:mod:`ser_utils.prep.normalise`), statistics fitted on the *original*
   training files only (not their augmented copies, not validation or test files), then
   applied to every part. So the validation and test inputs do not depend on the
   augmentation or balancing settings at all;
6. **balance** (:mod:`ser_utils.prep.balance`) the training part only.

Where a folder is too small for a step (a class with fewer files than parts, too few
actors for the folds, SMOTE's neighbours), the step falls back to what the data allows;
``settings["fallbacks"]`` lists each such change in a sentence (notebook 03 prints them as
they happen; ``metrics.json`` carries them).

Pooled vectors ``P_*`` (for the classic baseline) are the extracted ones of the
original files of each part: no augmented copies, no balancing (``y_train_pooled``
labels ``P_train``; ``P_val``/``P_test`` rows follow ``y_val``/``y_test``).

:func:`save_prepared` / :func:`load_prepared` store it all as NPZ + CSV + JSON.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import EMOTIONS
from ..errors import ArtifactMissingError, ConfigError, DataError, recording_fallbacks
from ..files import atomic_write, read_json, to_json, write_text
from . import augment, normalise
from . import balance as balance_mod
from . import split as split_mod

__all__ = [
    "Prepared",
    "prepare_datasets",
    "save_prepared",
    "load_prepared",
    "make_inputs",
    "inputs_like_training",
    "META_COLUMNS",
]

#: Columns of ``meta_train`` / ``meta_val`` / ``meta_test`` (those of the manifest that exist).
META_COLUMNS: tuple[str, ...] = (
    "file_id",
    "path",
    "actor",
    "gender",
    "emotion",
    "label",
    "vocal_channel",
    "intensity",
    "statement",
    "repetition",
    "corpus",
    "speaker",
)
_ARRAYS = ("X", "y", "len")
_PARTS = ("train", "val", "test")


@dataclass
class Prepared:
    """Model-ready datasets.

    ``X_*``: float32 ``(n, n_frames, n_mels, n_channels)``; ``y_*``: int ``(n,)``;
    ``len_*``: int ``(n,)`` real frames. ``meta_*``: one row per row of ``X_*``
    (``file_id, path, actor, gender, emotion, label, vocal_channel, intensity, ...,
    source_file_id, augmented, resampled``; rows added by balancing have
    ``resampled=True``, SMOTE's synthetic rows also ``actor=-1`` and ``file_id``
    ``"smote-<k>"``). ``P_*``: pooled vectors ``(n_files, d)`` of the original files
    (``y_train_pooled`` labels ``P_train``). ``class_weight``: dict for
    ``balance="class_weight"``, else None. ``settings``: JSON-able record of what was
    done (see :func:`prepare_datasets`).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    len_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    len_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    len_test: np.ndarray
    meta_train: pd.DataFrame
    meta_val: pd.DataFrame
    meta_test: pd.DataFrame
    P_train: np.ndarray
    y_train_pooled: np.ndarray
    P_val: np.ndarray
    P_test: np.ndarray
    split_df: pd.DataFrame
    class_weight: dict[int, float] | None
    settings: dict = field(default_factory=dict)
    pooled_names: list[str] = field(default_factory=list)


def _check_feature_set(fs: Any) -> None:
    for attr in ("logmels", "index", "settings", "pooled"):
        if not hasattr(fs, attr):
            raise DataError(f"expected a ser_utils.features.FeatureSet, got {type(fs).__name__} without .{attr}")
    if len(fs.logmels) == 0:
        raise DataError("the feature set is empty: there is nothing to prepare")
    if len(fs.logmels) != len(fs.index) or len(fs.pooled) != len(fs.index):
        raise DataError(
            f"inconsistent feature set: {len(fs.logmels)} log-mels, {len(fs.pooled)} pooled rows, "
            f"{len(fs.index)} index rows; expected one of each per file"
        )
    missing = [c for c in ("file_id", "path", "actor", "emotion", "label") if c not in fs.index.columns]
    if missing:
        raise DataError(f"the feature set's index lacks column(s) {', '.join(missing)}")


def make_inputs(logmels: list[np.ndarray], *, n_frames: int, deltas: int, n_mels: int) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs from log-mels: deltas on each whole log-mel, then every channel to ``n_frames``.

    Parameters
    ----------
    logmels : list of np.ndarray, each (n_mels, t_i)
    n_frames : int
    deltas : {0, 1, 2}
    n_mels : int
        Used for the shape of an empty result.

    Returns
    -------
    X : np.ndarray, float32, shape (n, n_frames, n_mels, 1 + deltas)
        Not normalised (see :func:`inputs_like_training`).
    lengths : np.ndarray, int64, shape (n,)
    """
    from .. import features

    n_ch = 1 + int(deltas)
    if not logmels:
        return np.zeros((0, n_frames, n_mels, n_ch), np.float32), np.zeros(0, np.int64)
    if deltas:
        stacks = [
            np.asarray(features.add_deltas(np.asarray(S, np.float32), order=int(deltas)), np.float32) for S in logmels
        ]
    else:
        stacks = [np.asarray(S, np.float32)[None] for S in logmels]
    X = np.empty((len(logmels), n_frames, n_mels, n_ch), np.float32)
    lengths = None
    for c in range(n_ch):
        Xc, Lc = features.fix_length([s[c] for s in stacks], n_frames=n_frames)
        X[..., c] = Xc
        lengths = np.asarray(Lc, np.int64) if lengths is None else lengths
    return X, lengths


def _meta(index: pd.DataFrame, split_df: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in META_COLUMNS if c in index.columns]
    m = index[cols].reset_index(drop=True).copy()
    if "gender" not in m.columns:
        m["gender"] = split_df.set_index("file_id").loc[m["file_id"], "gender"].to_numpy()
    m["source_file_id"] = m["file_id"]
    m["augmented"] = False
    m["aug_copy"] = 0
    m["resampled"] = False
    return m


def _counts(y: np.ndarray) -> dict[str, int]:
    c = np.bincount(np.asarray(y, np.int64), minlength=len(EMOTIONS)) if len(y) else np.zeros(len(EMOTIONS), int)
    return {e: int(c[i]) for i, e in enumerate(EMOTIONS)}


def prepare_datasets(
    fs: Any,
    cfg: Mapping[str, Any],
    *,
    cache_dir: str | os.PathLike | None,
    progress: bool = True,
    log: Callable[[str], Any] | None = print,
) -> Prepared:
    """Split, fix the length, augment, normalise and balance, each fitted on training data only.

    Parameters
    ----------
    fs : ser_utils.features.FeatureSet
        Every usable file's log-mel ``(n_mels, t)``, pooled vector and index row.
    cfg : mapping
        A resolved configuration (:func:`ser_utils.config.resolve`); uses the split,
        ``max_frames``, ``length_percentile``, ``deltas``, ``aug_*``, ``normalisation``,
        ``balance``, ``seed``, ``n_jobs`` parameters.
    cache_dir : path or None
        Feature cache for the augmented copies (``features.extract``).
    progress : bool
        Progress bars while extracting augmented copies.
    log : callable or None
        Receives each fallback as it happens (``"fallback: ..."``).

    Returns
    -------
    Prepared
        ``settings`` holds ``n_frames``, ``n_frames_from`` (``"max_frames"`` or
        ``"percentile"``), ``length_percentile``, ``n_mels``, ``channels``, ``deltas``,
        ``features`` (``fs.settings``), ``split`` (kind and parameters, and ``notes``:
        what a split of several corpora had to say), ``actors`` (per part), ``n_files``
        (per part), ``corpora`` (``{corpus: {part: files}}``, when the index has a
        ``corpus`` column), ``augmentation``,
        ``normalisation``, ``normalisation_description``, ``normalisation_stats``
        (what ``normalise.apply`` needs at prediction time), ``balance``,
        ``class_counts_files`` (original training files), ``class_counts_before`` /
        ``class_counts_after`` (training rows incl. augmented copies, before / after
        balancing; by emotion), ``class_weight``, ``pooled_from``, ``seed``.

    Raises
    ------
    DataError
        Not a feature set, an empty training part; see also :func:`split.make_split`.
    ConfigError
        Bad parameters.
    """
    _check_feature_set(fs)
    with recording_fallbacks(log=log, label="data preparation") as notes:
        p = _prepare(fs, cfg, cache_dir=cache_dir, progress=progress)
    p.settings["fallbacks"] = list(notes)
    return p


def _prepare(fs: Any, cfg: Mapping[str, Any], *, cache_dir: str | os.PathLike | None, progress: bool) -> Prepared:
    seed, deltas, norm_method, bal_method = _options(cfg)
    index = fs.index.reset_index(drop=True)
    logmels = list(fs.logmels)
    n_mels = int(np.asarray(logmels[0]).shape[0])
    split_df, pos, used = _split(index, cfg)  # 1.
    n_frames, n_from, pct = _fixed_length(logmels, pos["train"], cfg)  # 2.
    X: dict[str, np.ndarray] = {}
    L: dict[str, np.ndarray] = {}
    meta: dict[str, pd.DataFrame] = {}
    for p in _PARTS:
        X[p], L[p] = make_inputs([logmels[i] for i in pos[p]], n_frames=n_frames, deltas=deltas, n_mels=n_mels)
        meta[p] = _meta(index.iloc[pos[p]], split_df)
    n_original_train = len(X["train"])
    shape = {"n_frames": n_frames, "deltas": deltas, "n_mels": n_mels}
    aug_info = _augment(
        fs, index.iloc[pos["train"]], split_df, X, L, meta, cfg, shape, cache_dir=cache_dir, progress=progress
    )  # 3.
    stats = _normalise(X, L, meta, n_original_train, norm_method)  # 4. (deltas are in make_inputs) and 5.
    y = {p: meta[p]["label"].to_numpy().astype(np.int64) for p in _PARTS}
    files_counts, before = _counts(y["train"][:n_original_train]), _counts(y["train"])
    cw = _balance(X, L, meta, y, bal_method, seed=seed, n_frames=n_frames)  # 6.
    settings = {
        "n_frames": n_frames,
        "n_frames_from": n_from,
        "length_percentile": pct,
        "n_mels": n_mels,
        "channels": 1 + deltas,
        "deltas": deltas,
        "features": dict(fs.settings),
        "split": {**_split_record(cfg, seed), **{f"{k}_used": v for k, v in used.items()},
                  "notes": split_mod.split_notes(split_df)},
        "actors": split_mod.actors_by_part(split_df),
        "corpora": _corpus_counts(split_df),
        "n_files": {p: int(len(pos[p])) for p in _PARTS},
        "n_rows": {p: int(len(y[p])) for p in _PARTS},
        "augmentation": aug_info,
        "normalisation": norm_method,
        "normalisation_description": normalise.describe(stats),
        "normalisation_stats": stats,
        "balance": bal_method,
        "class_counts_files": files_counts,
        "class_counts_before": before,
        "class_counts_after": _counts(y["train"]),
        "class_weight": {str(k): v for k, v in cw.items()} if cw is not None else None,
        "pooled_from": "original files of each part (no augmented copies, no balancing)",
        "seed": seed,
    }
    pooled = np.asarray(fs.pooled, np.float32)
    return Prepared(
        X_train=X["train"], y_train=y["train"], len_train=L["train"],
        X_val=X["val"], y_val=y["val"], len_val=L["val"],
        X_test=X["test"], y_test=y["test"], len_test=L["test"],
        meta_train=meta["train"], meta_val=meta["val"], meta_test=meta["test"],
        P_train=pooled[pos["train"]], y_train_pooled=index["label"].to_numpy()[pos["train"]].astype(np.int64),
        P_val=pooled[pos["val"]], P_test=pooled[pos["test"]],
        split_df=split_df, class_weight=cw, settings=settings,
        pooled_names=list(getattr(fs, "pooled_names", []) or []),
    )


# --- the steps of prepare_datasets ------------------------------------------------------------


def _options(cfg: Mapping[str, Any]) -> tuple[int, int, str, str]:
    """``seed``, ``deltas`` (checked), the normalisation and the balancing method."""
    seed = int(cfg.get("seed", 42))
    deltas = int(cfg.get("deltas", 0) or 0)
    if deltas not in (0, 1, 2):
        raise ConfigError(f"deltas must be 0, 1 or 2, got {deltas!r}")
    return seed, deltas, cfg.get("normalisation", "per_speaker"), cfg.get("balance", "oversample")


def _split(
    index: pd.DataFrame, cfg: Mapping[str, Any]
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, Any]]:
    """1. Split, on the manifest only; the row positions of each part, and what a speaker split used."""
    split_df, used = split_mod.make_split_info(index, cfg)
    pos = {p: np.flatnonzero(split_df["part"].to_numpy() == p) for p in _PARTS}
    if len(pos["train"]) == 0:
        raise DataError("the split left no training files; check test_size / test_actors / fold")
    return split_df, pos, used


def _fixed_length(logmels: list[np.ndarray], train_pos: np.ndarray, cfg: Mapping[str, Any]) -> tuple[int, str, float]:
    """2. ``n_frames`` from ``max_frames``, else the training files' frame-count percentile."""
    frames = np.array([np.asarray(S).shape[1] for S in logmels], dtype=np.int64)
    pct = float(cfg.get("length_percentile", 95.0))
    if cfg.get("max_frames") is not None:
        n_frames, n_from = int(cfg["max_frames"]), "max_frames"
    else:
        n_frames, n_from = int(math.ceil(np.percentile(frames[train_pos], pct))), "percentile"
    if n_frames < 1:
        raise ConfigError(f"n_frames must be >= 1, got {n_frames}")
    return n_frames, n_from, pct


def _augment(
    fs: Any,
    train_index: pd.DataFrame,
    split_df: pd.DataFrame,
    X: dict[str, np.ndarray],
    L: dict[str, np.ndarray],
    meta: dict[str, pd.DataFrame],
    cfg: Mapping[str, Any],
    shape: dict[str, int],
    *,
    cache_dir: str | os.PathLike | None,
    progress: bool,
) -> dict[str, Any]:
    """3. Augmented copies of the training files only, appended to ``X/L/meta["train"]``; the record."""
    copies = int(cfg.get("aug_copies", 0) or 0)
    transform, key = augment.make_transform(cfg) if copies > 0 else (None, None)
    aug_info: dict[str, Any] = {
        "copies": copies if transform is not None else 0,
        "transform": json.loads(key) if key else None,
        "rows": 0,
    }
    if transform is None:
        return aug_info
    train_manifest = train_index.drop(columns=["n_frames", "trimmed_duration_s"], errors="ignore")
    n_before = len(X["train"])
    xs, ls, ms = [X["train"]], [L["train"]], [meta["train"]]
    for c in range(copies):
        xa, la, ma = _augmented_copy(
            fs,
            train_manifest,
            split_df,
            cfg,
            shape,
            c,
            transform,
            f"{key}#copy{c}",
            cache_dir=cache_dir,
            progress=progress,
        )
        xs.append(xa)
        ls.append(la)
        ms.append(ma)
    X["train"] = np.concatenate(xs)
    L["train"] = np.concatenate(ls)
    meta["train"] = pd.concat(ms, ignore_index=True)
    aug_info["rows"] = int(len(X["train"]) - n_before)
    return aug_info


def _augmented_copy(fs, train_manifest, split_df, cfg, shape, c, transform, transform_key, *, cache_dir, progress):
    """Copy ``c`` of every training file: inputs ``(n, n_frames, n_mels, channels)``, lengths, metadata."""
    from .. import features

    afs = features.extract(
        train_manifest,
        settings=fs.settings,
        cache_dir=cache_dir,
        n_jobs=int(cfg.get("n_jobs", -1)),
        progress=progress,
        transform=transform,
        transform_key=transform_key,
        seed=int(cfg.get("seed", 42)),
    )
    got = afs.index["file_id"].astype(str).tolist()
    if sorted(got) != sorted(train_manifest["file_id"].astype(str)):
        raise DataError(
            f"augmented copy {c}: extracted {len(got)} files, expected the {len(train_manifest)} training files"
        )
    xa, la = make_inputs(list(afs.logmels), **shape)
    ma = _meta(afs.index.reset_index(drop=True), split_df)
    if (ma["actor"].to_numpy() != split_df.set_index("file_id").loc[got, "actor"].to_numpy()).any():
        raise DataError(f"augmented copy {c}: index rows do not match their files' actors")
    ma["source_file_id"] = ma["file_id"]
    ma["file_id"] = ma["file_id"] + f"+aug{c + 1}"
    ma["augmented"] = True
    ma["aug_copy"] = c + 1
    return xa, la, ma


def _normalise(
    X: dict[str, np.ndarray],
    L: dict[str, np.ndarray],
    meta: dict[str, pd.DataFrame],
    n_original_train: int,
    method: str,
) -> dict:
    """5. Statistics fitted on the original training files only, applied to every part (in place); the stats."""
    orig = np.arange(n_original_train)
    actors_tr = meta["train"]["actor"].to_numpy()
    stats = normalise.fit(X["train"][orig], L["train"][orig], method=method, actors=actors_tr[orig])
    for p in _PARTS:
        if len(X[p]):
            X[p] = normalise.apply(X[p], L[p], stats, actors=meta[p]["actor"].to_numpy())
    return stats


def _balance(X, L, meta, y, method: str, *, seed: int, n_frames: int) -> dict[int, float] | None:
    """6. Balance the training part only (``X/L/meta/y["train"]`` replaced); the class weights or None."""
    Xb, yb, idx = balance_mod.balance(X["train"], y["train"], method=method, seed=seed)
    if Xb is not X["train"]:
        real = idx >= 0
        lb = np.empty(len(yb), np.int64)
        lb[real] = L["train"][idx[real]]
        if (~real).any():  # SMOTE rows: padding is exactly 0 in both neighbours, so it stays 0
            nz = (Xb[~real] != 0).any(axis=(2, 3))
            lb[~real] = np.where(nz.any(axis=1), n_frames - np.argmax(nz[:, ::-1], axis=1), 1)
        mb = _balanced_meta(meta["train"], idx, yb, n_before=len(y["train"]))
        X["train"], y["train"], L["train"], meta["train"] = Xb, yb.astype(np.int64), lb, mb
    return balance_mod.class_weights(y["train"], n_classes=len(EMOTIONS)) if method == "class_weight" else None


def _balanced_meta(meta_train: pd.DataFrame, idx: np.ndarray, yb: np.ndarray, *, n_before: int) -> pd.DataFrame:
    """Metadata of the balanced rows: copies marked ``resampled``, SMOTE rows as ``smote-<k>`` of actor -1."""
    real = idx >= 0
    mb = meta_train.iloc[np.where(real, idx, 0)].reset_index(drop=True).copy()
    mb["resampled"] = np.arange(len(yb)) >= n_before
    if (~real).any():
        k = np.flatnonzero(~real)
        mb.loc[k, "label"] = yb[k]
        mb.loc[k, "emotion"] = [EMOTIONS[int(v)] for v in yb[k]]
        mb.loc[k, "file_id"] = [f"smote-{j}" for j in range(len(k))]
        mb.loc[k, "source_file_id"] = ""
        mb.loc[k, "actor"] = -1
        for col in ("gender", "path", "vocal_channel", "intensity", "statement", "corpus", "speaker"):
            if col in mb.columns:
                mb[col] = mb[col].astype(object)
                mb.loc[k, col] = ""
    return mb


def _corpus_counts(split_df: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Files of each corpus in each part, ``{corpus: {"train": n, "val": n, "test": n}}`` (empty without ``corpus``)."""
    if "corpus" not in split_df.columns:
        return {}
    table = pd.crosstab(split_df["corpus"], split_df["part"]).reindex(columns=list(_PARTS), fill_value=0)
    return {str(c): {p: int(table.loc[c, p]) for p in _PARTS} for c in table.index}


def _split_record(cfg: Mapping[str, Any], seed: int) -> dict[str, Any]:
    kind = cfg.get("split", "speaker")
    split_params = (
        {k: cfg.get(k) for k in ("test_size", "val_size")}
        if kind == "random"
        else {k: cfg.get(k) for k in ("test_actors", "n_folds", "fold", "n_val_actors")}
    )
    return {"kind": kind, "seed": seed, **split_params}


def inputs_like_training(
    logmels: list[np.ndarray], settings: Mapping[str, Any], *, actors: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Turn new log-mels into inputs exactly as the training data was (for prediction).

    Parameters
    ----------
    logmels : list of np.ndarray, each (n_mels, t_i)
        Extracted with ``settings["features"]``.
    settings : mapping
        ``Prepared.settings`` (uses ``n_frames``, ``deltas``, ``n_mels``,
        ``normalisation_stats``).
    actors : array-like of int, shape (n,), optional
        For ``per_speaker`` stats: unseen actors are standardised with their own
        inputs' statistics; ``None`` uses the training part's global statistics.

    Returns
    -------
    X : np.ndarray, float32, shape (n, n_frames, n_mels, n_channels)
    lengths : np.ndarray, int64, shape (n,)
    """
    for k in ("n_frames", "deltas", "n_mels", "normalisation_stats"):
        if k not in settings:
            raise DataError(f"settings lack {k!r}: expected Prepared.settings from prepare_datasets")
    X, L = make_inputs(
        list(logmels),
        n_frames=int(settings["n_frames"]),
        deltas=int(settings["deltas"]),
        n_mels=int(settings["n_mels"]),
    )
    if len(X):
        X = normalise.apply(X, L, settings["normalisation_stats"], actors=actors)
    return X, L


def save_prepared(p: Prepared, folder: str | os.PathLike) -> Path:
    """Write the prepared datasets into ``folder``.

    ``datasets.npz`` (arrays), ``split.csv``, ``meta_{train,val,test}.csv`` and
    ``prep_settings.json`` (settings, class weights, pooled names).

    Returns
    -------
    folder : Path
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {f"{a}_{part}": np.asarray(getattr(p, f"{a}_{part}")) for a in _ARRAYS for part in _PARTS}
    arrays.update(P_train=p.P_train, y_train_pooled=p.y_train_pooled, P_val=p.P_val, P_test=p.P_test)
    atomic_write(folder / "datasets.npz", lambda f: np.savez(f, **arrays))
    p.split_df.to_csv(folder / "split.csv", index=False)
    for part in _PARTS:
        getattr(p, f"meta_{part}").to_csv(folder / f"meta_{part}.csv", index=False)
    doc = {
        "settings": p.settings,
        "class_weight": {str(k): float(v) for k, v in p.class_weight.items()} if p.class_weight is not None else None,
        "pooled_names": list(p.pooled_names),
    }
    write_text(folder / "prep_settings.json", to_json(doc, indent=1))
    return folder


def load_prepared(folder: str | os.PathLike) -> Prepared:
    """Read what :func:`save_prepared` wrote (``np.load(allow_pickle=False)``).

    Raises
    ------
    ArtifactMissingError
        A file is missing (run notebooks/03_oversampling.ipynb first).
    """
    folder = Path(folder)
    names = ["datasets.npz", "split.csv", "prep_settings.json"] + [f"meta_{p}.csv" for p in _PARTS]
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise ArtifactMissingError(
            f"{folder} lacks {', '.join(missing)}: run notebooks/03_oversampling.ipynb first"
        )
    with np.load(folder / "datasets.npz", allow_pickle=False) as z:
        arr = {k: z[k] for k in z.files}
    str_cols = {"file_id": str, "source_file_id": str, "path": str, "gender": str, "emotion": str,
                "vocal_channel": str, "intensity": str, "statement": str, "corpus": str, "speaker": str}

    def _csv(name: str) -> pd.DataFrame:
        df = pd.read_csv(folder / name, dtype=str_cols, keep_default_na=False)
        return df

    doc = read_json(folder / "prep_settings.json")
    cw = doc.get("class_weight")
    kw: dict[str, Any] = {k: arr[k] for k in arr}
    return Prepared(
        **kw,
        meta_train=_csv("meta_train.csv"),
        meta_val=_csv("meta_val.csv"),
        meta_test=_csv("meta_test.csv"),
        split_df=_csv("split.csv"),
        class_weight={int(k): float(v) for k, v in cw.items()} if cw is not None else None,
        settings=doc["settings"],
        pooled_names=list(doc.get("pooled_names", [])),
    )
