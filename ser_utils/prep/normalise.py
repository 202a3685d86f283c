"""Feature standardisation, with statistics from the training part only.

Methods (per mel band and channel, over real frames only, never padding):

- ``per_utterance``: each example standardised by its own mean and standard deviation
  (seed 004's choice). Nothing is fitted.
- ``global``: one mean and standard deviation per band and channel, over every real
  frame of the examples passed to :func:`fit` (the training part).
- ``per_speaker``: each actor's examples standardised with that actor's own statistics,
  which removes much of the speaker's voice and recording level (a strong choice for
  speaker-independent recognition). :func:`fit` stores the statistics of the training
  actors, plus global statistics of all of them as a fallback. At :func:`apply` time an
  actor that was not fitted (a validation or test actor) is standardised with
  statistics computed from that actor's own inputs being normalised: its *unlabelled*
  audio is used, which is transductive (no labels, no other actor's data), and
  :func:`describe` says so. An input with no actor information (a single file to
  predict) uses the global fallback.

After standardising, padding frames (``t >= lengths[i]``) are set to exactly 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import FeatureError

__all__ = ["METHODS", "fit", "apply", "describe", "standardise_per_actor", "fit_pooled", "apply_pooled"]

METHODS: tuple[str, ...] = ("per_utterance", "global", "per_speaker")
_EPS = 1e-6
_CHUNK = 256


def _check_batch(X: Any, lengths: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    if X.ndim != 4:
        raise FeatureError(f"X must have shape (n, n_frames, n_mels, n_channels), got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.floating):
        raise FeatureError(f"X must be floating point, got dtype {X.dtype}")
    L = np.asarray(lengths)
    if L.shape != (X.shape[0],) or (
        L.size and (not np.issubdtype(L.dtype, np.integer) or L.min() < 1 or L.max() > X.shape[1])
    ):
        raise FeatureError(
            f"lengths must be {X.shape[0]} integers in [1, {X.shape[1]}] (real frames of each example), "
            f"got shape {L.shape}, dtype {L.dtype}"
        )
    return X, L.astype(np.int64)


def _check_actors(actors: Any, n: int) -> np.ndarray:
    a = np.asarray(actors)
    if a.shape != (n,):
        raise FeatureError(f"actors must give one actor per example, shape ({n},), got shape {a.shape}")
    return a.astype(np.int64)


def _sums(X: np.ndarray, L: np.ndarray, rows: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """Count of real frames, and per (band, channel) sum and sum of squares over them (float64)."""
    idx = np.arange(len(X)) if rows is None else rows
    F, C = X.shape[2:]
    s = np.zeros((F, C))
    ss = np.zeros((F, C))
    count = 0.0
    t = np.arange(X.shape[1])
    for k in range(0, len(idx), _CHUNK):
        r = idx[k : k + _CHUNK]
        m = (t[None, :] < L[r, None])[:, :, None, None]
        x = np.where(m, X[r].astype(np.float64), 0.0)
        s += x.sum(axis=(0, 1))
        ss += np.square(x).sum(axis=(0, 1))
        count += float(L[r].sum())
    return count, s, ss


def _mean_std(X: np.ndarray, L: np.ndarray, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    count, s, ss = _sums(X, L, rows)
    mean = s / count
    var = np.maximum(ss / count - mean**2, 0.0)
    return mean, np.maximum(np.sqrt(var), _EPS)


def fit(X: np.ndarray, lengths: np.ndarray, *, method: str, actors: Sequence[int] | None = None) -> dict:
    """Fit normalisation statistics on the examples given (pass the training part only).

    Parameters
    ----------
    X : np.ndarray, shape (n, n_frames, n_mels, n_channels)
    lengths : np.ndarray of int, shape (n,)
        Real frames of each example; padding frames are ignored.
    method : {"per_utterance", "global", "per_speaker"}
    actors : array-like of int, shape (n,), optional
        Required for ``per_speaker``.

    Returns
    -------
    stats : dict
        JSON-able: ``method``, ``n_mels``, ``n_channels``, ``n_examples``; for
        ``global`` and ``per_speaker`` ``mean``/``std`` as nested lists of shape
        ``(n_mels, n_channels)``; for ``per_speaker`` also ``actors``:
        ``{"<actor>": {"mean": ..., "std": ...}}``.

    Raises
    ------
    FeatureError
        Unknown method, bad shapes, or ``per_speaker`` without actors.
    """
    if method not in METHODS:
        raise FeatureError(f"unknown normalisation method {method!r}; expected one of {', '.join(METHODS)}")
    X, L = _check_batch(X, lengths)
    if len(X) == 0:
        raise FeatureError("cannot fit normalisation statistics on 0 examples")
    stats: dict[str, Any] = {
        "method": method,
        "n_mels": int(X.shape[2]),
        "n_channels": int(X.shape[3]),
        "n_examples": int(len(X)),
    }
    if method == "per_utterance":
        return stats
    mean, std = _mean_std(X, L)
    stats["mean"] = mean.tolist()
    stats["std"] = std.tolist()
    if method == "per_speaker":
        if actors is None:
            raise FeatureError("per_speaker normalisation needs actors (one actor number per example)")
        a = _check_actors(actors, len(X))
        stats["actors"] = {}
        for actor in np.unique(a):
            m, s = _mean_std(X, L, np.flatnonzero(a == actor))
            stats["actors"][str(int(actor))] = {"mean": m.tolist(), "std": s.tolist()}
    return stats


def apply(X: np.ndarray, lengths: np.ndarray, stats: dict, *, actors: Sequence[int] | None = None) -> np.ndarray:
    """Standardise a batch with fitted statistics.

    Parameters
    ----------
    X : np.ndarray, shape (n, n_frames, n_mels, n_channels)
    lengths : np.ndarray of int, shape (n,)
    stats : dict
        From :func:`fit`.
    actors : array-like of int, shape (n,), optional
        ``per_speaker`` only: fitted actors use their stored statistics; any other actor
        is standardised with statistics computed from its own examples in ``X``
        (transductive, unlabelled). ``None``: the global fallback statistics for all.

    Returns
    -------
    X_norm : np.ndarray, float32, shape (n, n_frames, n_mels, n_channels)
        A new array; padding frames are 0.

    Raises
    ------
    FeatureError
        Stats of another shape or method, bad shapes.
    """
    X, L = _check_batch(X, lengths)
    if not isinstance(stats, dict) or stats.get("method") not in METHODS:
        raise FeatureError(f"stats must be a dict from normalise.fit with a method in {METHODS}, got {stats!r:.80}")
    if (stats.get("n_mels"), stats.get("n_channels")) != tuple(X.shape[2:]):
        raise FeatureError(
            f"stats were fitted on (n_mels, n_channels) = ({stats.get('n_mels')}, {stats.get('n_channels')}), "
            f"but X has {tuple(X.shape[2:])}"
        )
    method = stats["method"]
    n, T = X.shape[:2]
    out = np.empty(X.shape, dtype=np.float32)
    t = np.arange(T)

    def put(rows: np.ndarray, mean: np.ndarray, std: np.ndarray) -> None:
        for k in range(0, len(rows), _CHUNK):
            r = rows[k : k + _CHUNK]
            m = (t[None, :] < L[r, None])[:, :, None, None]
            out[r] = np.where(m, (X[r] - mean) / std, 0.0)

    if method == "per_utterance":
        for k in range(0, n, _CHUNK):
            r = np.arange(k, min(k + _CHUNK, n))
            m = (t[None, :] < L[r, None])[:, :, None, None]
            x = np.where(m, X[r].astype(np.float64), 0.0)
            cnt = L[r].astype(np.float64)[:, None, None, None]
            mean = x.sum(axis=1, keepdims=True) / cnt
            var = np.maximum(np.square(x).sum(axis=1, keepdims=True) / cnt - mean**2, 0.0)
            std = np.maximum(np.sqrt(var), _EPS)
            out[r] = np.where(m, (x - mean) / std, 0.0)
        return out
    g_mean, g_std = np.asarray(stats["mean"]), np.asarray(stats["std"])
    if method == "global" or actors is None:
        put(np.arange(n), g_mean, g_std)
        return out
    a = _check_actors(actors, n)
    fitted = stats.get("actors", {})
    for actor in np.unique(a):
        rows = np.flatnonzero(a == actor)
        key = str(int(actor))
        if key in fitted:
            mean, std = np.asarray(fitted[key]["mean"]), np.asarray(fitted[key]["std"])
        else:
            mean, std = _mean_std(X, L, rows)  # unseen actor: its own unlabelled inputs
        put(rows, mean, std)
    return out


def describe(stats: dict) -> str:
    """One sentence saying how inputs were standardised, for reports."""
    method = stats.get("method") if isinstance(stats, dict) else None
    n = stats.get("n_examples", "?") if isinstance(stats, dict) else "?"
    if method == "per_utterance":
        return (
            "Each example standardised by its own mean and standard deviation per mel band and channel "
            "over its real frames (nothing fitted)."
        )
    if method == "global":
        return (
            "Standardised per mel band and channel with one mean and standard deviation "
            f"fitted on the real frames of the {n} training examples only."
        )
    if method == "per_speaker":
        k = len(stats.get("actors", {}))
        return (
            f"Standardised per speaker: each of the {k} training actors with statistics from its own training examples "
            f"({n} in all); each validation or test actor with statistics computed from its own unlabelled inputs "
            "at normalisation time (transductive: no labels, no other actor's data); inputs without an actor "
            "(single files) with the training part's global statistics."
        )
    raise FeatureError(f"not normalisation stats: {stats!r:.80}")


def standardise_per_actor(P: np.ndarray, actors: np.ndarray) -> np.ndarray:
    """Standardise per-file vectors within each actor (per-speaker normalisation of pooled features).

    Each actor's rows are centred and scaled with that actor's own mean and standard
    deviation (:func:`apply_pooled` with :func:`fit_pooled` of ``P`` itself: the same
    arithmetic as the bundle's classic part), so no statistic crosses from one speaker (or
    one part of a split) to another. For test actors this uses their own unlabelled inputs, as ``per_speaker`` does for
    the CRNN's input.

    Parameters
    ----------
    P : np.ndarray, shape (n_files, d)
        Pooled feature vectors.
    actors : np.ndarray of int, shape (n_files,)
        The actor of each row.

    Returns
    -------
    np.ndarray, float64, shape (n_files, d)
        Each actor's rows minus that actor's mean, divided by its std (floored at 1e-8).
    """
    P = np.asarray(P, dtype=np.float64)
    actors = np.asarray(actors)
    if P.ndim != 2 or actors.shape != (P.shape[0],):
        raise FeatureError(f"expected P of shape (n, d) and actors of shape (n,), got {P.shape} and {actors.shape}")
    if P.shape[0] == 0:
        return P.copy()
    # the one per-speaker standardisation of pooled vectors: every actor "fitted" on its own rows
    return apply_pooled(P, fit_pooled(P, actors), actors=actors.tolist())


def fit_pooled(P: np.ndarray, actors: Sequence[int]) -> dict[str, np.ndarray]:
    """Per-actor statistics of pooled vectors (the training files'), for :func:`apply_pooled`.

    Parameters
    ----------
    P : np.ndarray, shape (n_files, d)
        Pooled vectors of the training files only.
    actors : sequence of int, shape (n_files,)

    Returns
    -------
    dict of np.ndarray
        ``actors`` (k,) int64, ``mean`` and ``std`` (k, d) float64 of each actor's rows
        (std floored at 1e-8), ``global_mean`` and ``global_std`` (d,) of all rows. Plain
        arrays, so the dict saves as an ``.npz`` without pickle.
    """
    P = np.asarray(P, dtype=np.float64)
    a = np.asarray(actors)
    if P.ndim != 2 or P.shape[0] == 0 or a.shape != (P.shape[0],):
        raise FeatureError(f"expected P of shape (n, d), n >= 1, and actors of shape (n,), got {P.shape} and {a.shape}")
    ids = np.unique(a).astype(np.int64)
    mean = np.stack([P[a == i].mean(axis=0) for i in ids])
    std = np.stack([np.maximum(P[a == i].std(axis=0), 1e-8) for i in ids])
    return {
        "actors": ids,
        "mean": mean,
        "std": std,
        "global_mean": P.mean(axis=0),
        "global_std": np.maximum(P.std(axis=0), 1e-8),
    }


def apply_pooled(P: np.ndarray, stats: dict[str, np.ndarray], *, actors: Sequence[int | None]) -> np.ndarray:
    """Standardise pooled vectors per speaker, as the classic model was trained.

    An actor in ``stats`` uses its stored statistics; any other actor uses statistics of
    its own rows in ``P`` (its unlabelled audio: transductive, as :func:`apply` does for
    unseen actors); a row whose actor is ``None`` uses the global statistics.

    Parameters
    ----------
    P : np.ndarray, shape (n, d)
    stats : dict
        From :func:`fit_pooled`.
    actors : sequence of int or None, shape (n,)

    Returns
    -------
    np.ndarray, float64, shape (n, d)
    """
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != np.asarray(stats["global_mean"]).shape[0]:
        raise FeatureError(f"P must have shape (n, {np.asarray(stats['global_mean']).shape[0]}), got {P.shape}")
    if len(actors) != P.shape[0]:
        raise FeatureError(f"actors has {len(actors)} entries for {P.shape[0]} rows")
    known = {int(a): i for i, a in enumerate(np.asarray(stats["actors"]))}
    out = np.empty_like(P)
    groups: dict[Any, list[int]] = {}
    for row, a in enumerate(actors):
        groups.setdefault(None if a is None else int(a), []).append(row)
    for a, rows in groups.items():
        r = np.asarray(rows)
        if a is None:
            mu, sd = stats["global_mean"], stats["global_std"]
        elif a in known:
            mu, sd = stats["mean"][known[a]], stats["std"][known[a]]
        else:
            mu, sd = P[r].mean(axis=0), np.maximum(P[r].std(axis=0), 1e-8)
        out[r] = (P[r] - mu) / sd
    return out
