"""The two prediction modes, the fusion weights chosen on validation actors, the encoder heads.

*Per-speaker*: several clips of one speaker are standardised together (each speaker with
its own mean and std: a training actor with its stored statistics, a new speaker with the
statistics of its clips in the same call). *Single clip*: no statistic of the test speaker:
every part uses the global statistics of the training part, and the parts trained for that
mode.

Per-speaker statistics of a new speaker need enough of its clips: with one clip the
"statistics" are the clip itself (the defect of issue 11: UAR 0.32). :func:`file_modes`
gives per-speaker mode only to a training actor or to a speaker with at least
``min_clips`` clips in the call (``min_speaker_clips``, measured by
``benchmarks/min_clips.py``); every other file is predicted as a single clip, even when
per-speaker mode is asked for.

The bundle's parts (``crnn``, ``classic``, ``encoder``) are averaged with weights per
mode; :func:`choose_weights` picks them on the validation actors (models fitted on the
training actors only), never on the test part.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..data.corpora import read_name
from ..errors import FilenameError, ModelError

__all__ = ["MODES", "ONE_SPEAKER", "file_modes", "speaker_of", "choose_weights", "fuse_parts", "uar", "DESCRIPTIONS"]

MODES: tuple[str, ...] = ("per_speaker", "single_clip")

#: One sentence per mode, for reports and the predict command.
DESCRIPTIONS: dict[str, str] = {
    "per_speaker": "several clips of one speaker standardised together (that speaker's own statistics)",
    "single_clip": "each clip on its own: no statistics of the test speaker (global statistics of training)",
}

#: The speaker id of files declared to be one speaker (``--same-speaker``): never a training actor.
ONE_SPEAKER = -1


def speaker_of(path: str | os.PathLike) -> int | None:
    """The speaker (``actor`` number) a corpus file name gives (:func:`ser_utils.data.corpora.read_name`), else None."""
    try:
        return int(read_name(path)["actor"])
    except (FilenameError, ValueError, KeyError, TypeError):
        return None


def file_modes(
    speakers: Sequence[int | None], *, known: Sequence[int] = (), min_clips: int, mode: str = "auto"
) -> list[str]:
    """The prediction mode of each file.

    Parameters
    ----------
    speakers : sequence of int or None, length n
        Each file's speaker (None: unknown).
    known : sequence of int
        Speakers whose statistics the bundle stores (its training actors).
    min_clips : int
        Clips of a new speaker in the call needed for per-speaker mode (>= 2).
    mode : {"auto", "per_speaker", "single_clip"}
        ``auto`` and ``per_speaker`` both give per-speaker mode exactly where it is
        possible (a known speaker, or ``min_clips`` clips of one speaker); ``single_clip``
        gives single-clip mode to every file.

    Returns
    -------
    list of str, length n
        ``"per_speaker"`` or ``"single_clip"`` per file. A file alone of its speaker is
        never ``"per_speaker"`` unless the speaker is known.
    """
    if mode not in ("auto", *MODES):
        raise ModelError(f"mode must be 'auto', 'per_speaker' or 'single_clip', got {mode!r}")
    if isinstance(min_clips, bool) or not isinstance(min_clips, (int, np.integer)) or min_clips < 2:
        raise ModelError(
            f"min_clips must be an integer >= 2 (one clip cannot give its own statistics), got {min_clips!r}"
        )
    if mode == "single_clip":
        return ["single_clip"] * len(speakers)
    counts = Counter(s for s in speakers if s is not None)
    known_set = {int(k) for k in known}
    return [
        "per_speaker" if s is not None and (int(s) in known_set or counts[s] >= min_clips) else "single_clip"
        for s in speakers
    ]


def uar(y: np.ndarray, pred: np.ndarray) -> float:
    """Unweighted average recall (mean of the per-class recalls over the classes present in ``y``)."""
    y, pred = np.asarray(y), np.asarray(pred)
    classes = np.unique(y)
    return float(np.mean([(pred[y == c] == c).mean() for c in classes]))


def choose_weights(parts: Mapping[str, np.ndarray], y: np.ndarray, *, step: float = 0.1) -> dict[str, float]:
    """Fusion weights (on a grid of the simplex) with the best UAR on ``y``.

    Parameters
    ----------
    parts : mapping of str to np.ndarray, each (n, n_classes)
        Each part's probabilities of the **validation** files (models fitted without them).
    y : np.ndarray of int, shape (n,)
    step : float
        Grid step (1 / step must be an integer).

    Returns
    -------
    dict of str to float
        One weight per part, summing to 1. Ties go to the first grid point in
        lexicographic order of the parts (deterministic).
    """
    names = list(parts)
    if not names:
        raise ModelError("choose_weights needs at least one part")
    y = np.asarray(y)
    P = [np.asarray(parts[k], np.float64) for k in names]
    if any(p.shape != (len(y), P[0].shape[1]) for p in P):
        raise ModelError(f"every part must be (n, n_classes) with n = {len(y)}, got {[p.shape for p in P]}")
    n = round(1.0 / step)
    if abs(n * step - 1.0) > 1e-9:
        raise ModelError(f"1 / step must be an integer, got step={step}")
    best, best_w = -1.0, None
    for combo in itertools.product(range(n + 1), repeat=len(names)):
        if sum(combo) != n:
            continue
        w = np.array(combo, np.float64) / n
        score = uar(y, sum(wi * p for wi, p in zip(w, P)).argmax(1))
        if score > best + 1e-12:
            best, best_w = score, w
    return {k: round(float(v), 6) for k, v in zip(names, best_w)}


def fuse_parts(parts: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """``sum_k weights[k] * parts[k]``, float32 ``(n, n_classes)``; parts with weight 0 may be absent."""
    out: Any = None
    for k, w in weights.items():
        if w == 0:
            continue
        if k not in parts:
            raise ModelError(f"fusion weight {w} for part {k!r}, which the bundle did not compute")
        term = float(w) * np.asarray(parts[k], np.float64)
        out = term if out is None else out + term
    if out is None:
        raise ModelError(f"every fusion weight is 0: {dict(weights)}")
    return out.astype(np.float32)
