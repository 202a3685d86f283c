"""The Keras head over sequences of pretrained encoder frames (issue 11).

The encoder group (:mod:`ser_utils.features.encoder`) keeps, beside its pooled statistics,
each clip's frames ``(t, 512)`` (averaged over ``frame_pool`` neighbours). This module
turns them into the input of :func:`ser_utils.models.architectures.build_frame_head` and
trains it:

- :func:`fit_stats` / :func:`standardise`: frame statistics per speaker (per-speaker mode)
  or of all training frames (single-clip mode), the same arithmetic as the pooled vectors'
  (:func:`ser_utils.prep.normalise.fit_pooled`, one row per frame);
- :func:`pad`: a batch ``(n, T, 512)``, zero rows after each clip's end (the model's mask);
- :func:`fit`: early stopping on the validation actors' files, balanced class weights;
- :func:`probabilities`: ``(n, 8)`` for any clips, in batches of similar length.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import config
from ..config import EMOTIONS
from ..errors import ModelError
from ..prep import normalise
from .architectures import build_frame_head
from .backend import keras

__all__ = ["fit_stats", "standardise", "pad", "fit", "probabilities", "HEAD_KEYS"]

#: Configuration keys of the head (those of ``config.PARAMS`` named ``frame_head_*``).
HEAD_KEYS = tuple(k for k in config.PARAMS if k.startswith("frame_head_"))


def _stack(frames: Sequence[np.ndarray], actors: Sequence[int | None]) -> tuple[np.ndarray, list[int | None]]:
    if len(frames) != len(actors):
        raise ModelError(f"{len(frames)} frame sequences but {len(actors)} actors")
    if not len(frames):
        raise ModelError("no frame sequences")
    rows = np.concatenate([np.asarray(f, np.float32) for f in frames])
    per_row = [a for f, a in zip(frames, actors, strict=True) for _ in range(len(f))]
    return rows, per_row


def fit_stats(frames: Sequence[np.ndarray], actors: Sequence[int]) -> dict[str, np.ndarray]:
    """Per-actor and global mean / std of the frames of training clips.

    Parameters
    ----------
    frames : sequence of np.ndarray, each shape (t_i, d)
    actors : sequence of int, shape (n_clips,)

    Returns
    -------
    dict of np.ndarray
        As :func:`ser_utils.prep.normalise.fit_pooled`, with one row per frame.
    """
    rows, per_row = _stack(frames, actors)
    return normalise.fit_pooled(rows, per_row)


def standardise(
    frames: Sequence[np.ndarray], stats: dict[str, np.ndarray], *, actors: Sequence[int | None]
) -> list[np.ndarray]:
    """Standardise each clip's frames: known actors with their statistics, new ones with their own frames', ``None`` globally.

    Returns
    -------
    list of np.ndarray, float32, each shape (t_i, d)
    """
    rows, per_row = _stack(frames, actors)
    Z = normalise.apply_pooled(rows, stats, actors=per_row).astype(np.float32)
    ends = np.cumsum([len(f) for f in frames])[:-1]
    return np.split(Z, ends)


def _crop(f: np.ndarray, max_frames: int | None) -> np.ndarray:
    if max_frames is None or len(f) <= max_frames:
        return f
    start = (len(f) - max_frames) // 2
    return f[start : start + max_frames]


def pad(frames: Sequence[np.ndarray], *, max_frames: int | None = None) -> np.ndarray:
    """One batch of frame sequences.

    Parameters
    ----------
    frames : sequence of np.ndarray, each shape (t_i, d), t_i >= 1
    max_frames : int, optional
        Longer clips keep their central ``max_frames`` frames.

    Returns
    -------
    np.ndarray, float32, shape (n, T, d)
        ``T`` = the longest (cropped) clip; zeros after each clip's end.
    """
    fr = [_crop(np.asarray(f, np.float32), max_frames) for f in frames]
    if not fr or any(f.ndim != 2 or len(f) == 0 for f in fr):
        raise ModelError("pad needs one or more non-empty (t, d) frame sequences")
    out = np.zeros((len(fr), max(len(f) for f in fr), fr[0].shape[1]), np.float32)
    for i, f in enumerate(fr):
        out[i, : len(f)] = f
    return out


def _class_weights(y: np.ndarray) -> dict[int, float]:
    counts = np.bincount(y, minlength=len(EMOTIONS)).astype(np.float64)
    present = counts > 0
    w = np.zeros_like(counts)
    w[present] = counts[present].sum() / (present.sum() * counts[present])
    return {i: float(v) for i, v in enumerate(w) if v > 0}


def fit(
    frames: Sequence[np.ndarray],
    y: Any,
    *,
    val_frames: Sequence[np.ndarray],
    y_val: Any,
    cfg: dict[str, Any],
    verbose: int = 0,
) -> tuple[Any, dict[str, Any]]:
    """Train the frame head on standardised training clips, early stopping on validation clips.

    Parameters
    ----------
    frames, val_frames : sequence of np.ndarray, each shape (t_i, d)
        Standardised frames (:func:`standardise`) of the training and validation clips.
    y, y_val : array of int, shape (n,), (n_val,)
    cfg : dict
        ``frame_head_*`` settings (:data:`HEAD_KEYS`) and ``seed``.

    Returns
    -------
    model : keras.Model
        The weights of the epoch with the lowest validation loss.
    info : dict
        ``epochs`` run and ``best_epoch``.
    """
    y, y_val = np.asarray(y, np.int64), np.asarray(y_val, np.int64)
    if len(frames) != len(y) or len(val_frames) != len(y_val) or not len(y_val):
        raise ModelError("the frame head needs labels for every clip and at least one validation clip")
    mf = cfg["frame_head_max_frames"]
    model = build_frame_head(
        dim=int(np.asarray(frames[0]).shape[1]),
        n_classes=len(EMOTIONS),
        units=int(cfg["frame_head_units"]),
        dropout=float(cfg["frame_head_dropout"]),
        l2=float(cfg["frame_head_l2"]),
        seed=int(cfg["seed"]),
    )
    model.compile(optimizer=keras.optimizers.Adam(float(cfg["frame_head_lr"])), loss="sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=int(cfg["frame_head_patience"]), restore_best_weights=True
    )
    hist = model.fit(
        pad(frames, max_frames=mf),
        y,
        validation_data=(pad(val_frames, max_frames=mf), y_val),
        epochs=int(cfg["frame_head_epochs"]),
        batch_size=32,
        class_weight=_class_weights(y),
        callbacks=[stop],
        verbose=verbose,
    )
    losses = hist.history["val_loss"]
    return model, {"epochs": len(losses), "best_epoch": int(np.argmin(losses)) + 1}


def probabilities(model: Any, frames: Sequence[np.ndarray], *, max_frames: int | None = None) -> np.ndarray:
    """The head's probabilities ``(n, 8)`` of standardised clips, batched by length (little padding)."""
    out = np.zeros((len(frames), len(EMOTIONS)), np.float64)
    if not len(frames):
        return out
    order = np.argsort([len(f) for f in frames])
    for chunk in np.array_split(order, max(1, len(order) // 64)):
        X = pad([frames[i] for i in chunk], max_frames=max_frames)
        out[chunk] = np.asarray(model(X, training=False), np.float64)  # a call: no retracing per length
    return out
