"""Pooling: fixed-size per-file vectors from variable-length ``(n_features, t)`` matrices.

:func:`pool` takes statistics over time, :func:`pooled_feature_names` names them, and the
*pooled layout* (:func:`pooled_layout`, :func:`frame_key`, :func:`pooled_names`) says which
frame features :func:`ser_utils.features.extract` pools for given settings, under which
cache keys, and the names of the resulting ``(d,)`` vector.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..config import POOL_STATS
from ..errors import FeatureError
from .signal import feature_rows

__all__ = [
    "DEFAULT_POOLED_FEATURES",
    "check_stats",
    "frame_key",
    "pool",
    "pooled_feature_names",
    "pooled_layout",
    "pooled_names",
]

#: Frame features pooled for the classic baseline when ``frame_features`` is empty:
#: MFCCs (``n_mfcc``, 40 by default) and their deltas, as the seed notebooks used.
DEFAULT_POOLED_FEATURES: tuple[str, ...] = ("mfcc", "mfcc_delta")


def check_stats(stats: Iterable[str]) -> list[str]:
    """``stats`` in the canonical order of :data:`ser_utils.config.POOL_STATS`; at least one."""
    stats = [stats] if isinstance(stats, str) else list(stats)
    bad = [x for x in stats if x not in POOL_STATS]
    if bad:
        raise FeatureError(
            f"unknown pooling statistic(s) {', '.join(map(repr, bad))}; expected some of {', '.join(POOL_STATS)}"
        )
    if not stats:
        raise FeatureError("pool_stats is empty; expected at least one of " + ", ".join(POOL_STATS))
    return [x for x in POOL_STATS if x in set(stats)]


def pool(F: np.ndarray, *, stats: Sequence[str] = ("mean", "std")) -> np.ndarray:
    """Statistics of each row over time: a fixed-size vector from a variable-length matrix.

    Parameters
    ----------
    F : np.ndarray, shape (n_features, t), t >= 1
    stats : sequence of str
        Any of :data:`ser_utils.config.POOL_STATS` (taken in that order): ``mean``,
        ``std``, ``p10``/``p50``/``p90`` (percentiles), ``delta_std`` (standard deviation
        of the frame-to-frame differences: how fast the row moves; 0 when ``t == 1``) and
        ``slope`` (least-squares slope per frame: rising or falling; 0 when ``t == 1``).

    Returns
    -------
    v : np.ndarray, float32, shape (len(stats) * n_features,)
        One block of ``n_features`` values per statistic, e.g.
        ``[mean_0, ..., mean_{k-1}, std_0, ..., std_{k-1}]`` for the default (see
        :func:`pooled_feature_names`).
    """
    stats = check_stats(stats)
    F = np.asarray(F)
    if F.ndim != 2 or F.shape[1] == 0:
        raise FeatureError(f"pool expects a matrix of shape (n_features, t) with t >= 1, got shape {F.shape}")
    F = F.astype(np.float64, copy=False)
    t = F.shape[1]
    blocks = []
    pct = {"p10": 10.0, "p50": 50.0, "p90": 90.0}
    wanted = [pct[x] for x in stats if x in pct]
    q = dict(zip([x for x in stats if x in pct], np.percentile(F, wanted, axis=1))) if wanted else {}
    for x in stats:
        if x == "mean":
            blocks.append(F.mean(axis=1))
        elif x == "std":
            blocks.append(F.std(axis=1))
        elif x in pct:
            blocks.append(q[x])
        elif x == "delta_std":
            blocks.append(np.diff(F, axis=1).std(axis=1) if t > 1 else np.zeros(F.shape[0]))
        else:  # slope
            if t > 1:
                tc = np.arange(t, dtype=np.float64) - (t - 1) / 2.0
                blocks.append((F - F.mean(axis=1, keepdims=True)) @ tc / float(tc @ tc))
            else:
                blocks.append(np.zeros(F.shape[0]))
    return np.concatenate(blocks).astype(np.float32)


def pooled_feature_names(row_names: Sequence[str], *, stats: Sequence[str] = ("mean", "std")) -> list[str]:
    """Names of :func:`pool`'s output for rows named ``row_names``: ``<row>_mean``..., ``<row>_std``..."""
    return [f"{r}_{x}" for x in check_stats(stats) for r in row_names]


def pooled_layout(settings: dict) -> list[str]:
    """Frame features that :func:`ser_utils.features.extract` pools for these settings (canonical order)."""
    return list(settings["frame_features"]) or list(DEFAULT_POOLED_FEATURES)


def frame_key(name: str, n_mfcc: int, stats: Sequence[str] = ("mean", "std")) -> str:
    """The key of frame feature ``name``'s pooled vector inside a ``frame`` cache record, e.g. ``mfcc.n40``."""
    key = f"{name}.n{n_mfcc}" if name.startswith("mfcc") else name
    stats = list(stats)
    # mean+std entries keep their original keys, so caches written before pool_stats stay valid
    return key if stats == ["mean", "std"] else key + "." + "-".join(stats)


def pooled_names(settings: dict) -> list[str]:
    """Names of the pooled vector of :func:`ser_utils.features.extract` for ``settings``.

    Every log-mel band (``logmel_001..``), then each frame feature of
    :func:`pooled_layout`, each under the ``pool_stats`` statistics.
    """
    stats = settings["pool_stats"]
    names = pooled_feature_names([f"logmel_{i:03d}" for i in range(1, settings["n_mels"] + 1)], stats=stats)
    for n in pooled_layout(settings):
        names += pooled_feature_names(feature_rows(n, settings["n_mfcc"]), stats=stats)
    return names
