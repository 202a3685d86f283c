"""Extraction: every file of a manifest to a log-mel and a pooled vector, cached, in parallel.

Pipeline of one file (:func:`extract`)::

    load (sample_rate) -> transform (optional augmentation) -> trim silence
        -> |STFT|^2 -> log-mel (n_mels, t)           [cache group "logmel"]
                    -> frame features -> pooled      [cache group "frame"]

The fixed model-input length is *not* chosen here: :func:`extract` keeps every file's
own number of frames (``FeatureSet.index["n_frames"]``) and
:func:`ser_utils.features.fix_length` crops or pads to a length that ``prepare`` picks
from the training part only.

Cache groups (:mod:`ser_utils.features.cache`; keyed by the file's content ``sha1`` and
by :func:`ser_utils.features.settings.group_settings`)::

    logmel-<hash12>/<sha1>.npy   fields logmel (n_mels, t) float32, n_samples (trimmed length)
    frame-<hash12>/<sha1>.npy    one field per frame feature: its pooled vector, e.g. "mfcc.n40", "f0"

* ``logmel`` depends on sample_rate, trim_silence, trim_top_db, n_mels, n_fft,
  hop_length, fmin, fmax (and the transform key / seed, and the code version);
* ``frame`` depends on sample_rate, trimming, n_fft, hop_length (and transform);
  inside an entry each feature is stored under its own key (``n_mfcc`` is part of the
  MFCC keys), so adding a feature or changing ``n_mfcc`` computes only the missing
  keys, and changing ``n_mels`` never recomputes F0 or chroma.
* ``deltas`` is recorded in the settings for ``prepare`` but affects no cache entry.

An entry that cannot be read back counts as a miss and is recomputed and rewritten
(``stats["corrupt_entries"]``). A failed cache *write* (``OSError``, e.g. a full disk) is
counted in ``stats["cache_write_errors"]`` and does not stop the extraction.

Progress
--------
:func:`extract` shows a ``tqdm.auto`` bar (a widget in JupyterLab) and prints a one-line
summary. Set the environment variable ``SER_NO_PROGRESS=1`` to disable the bar (the
report runner does this: under papermill/nbconvert a widget bar renders as broken
output in the HTML); the summary line is still printed.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data import audio
from ..errors import FeatureError
from . import cache
from .featureset import FeatureSet
from .pooling import frame_key, pool, pooled_layout, pooled_names
from .settings import MIN_TRIMMED_S, group_settings, validate_settings
from .signal import (
    check_wave,
    feature_rows,
    frame_feature_dict,
    logmel_from_power,
    magnitude,
)

__all__ = ["Transform", "extract"]

#: Parallel workers only when each gets at least this many files to compute.
_MIN_FILES_PER_WORKER = 200

Transform = Callable[[np.ndarray, int, np.random.Generator], np.ndarray]


# ----------------------------------------------------------------------------------
# the work on one file (runs in the workers)
# ----------------------------------------------------------------------------------


@dataclass
class _Job:
    sha1: str
    path: str
    need_logmel: bool
    need_frame: list[str]  # feature names to compute
    frame_old: dict[str, np.ndarray]  # existing (valid) frame entry to merge into


def _rng(seed: int, sha1: str, transform_key: str | None) -> np.random.Generator:
    k = int.from_bytes(hashlib.sha256(str(transform_key).encode()).digest()[:16], "big")
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(sha1, 16), k]))


def _load_signal(job: _Job, ctx: dict) -> np.ndarray:
    """The waveform of ``job`` as analysed: loaded, transformed, trimmed."""
    s = ctx["settings"]
    sr = s["sample_rate"]
    try:
        y = audio.load(job.path, sr=sr)
    except Exception as exc:  # noqa: BLE001 - any decoder error becomes a FeatureError naming the file
        raise FeatureError(f"{job.path}: cannot load for feature extraction ({exc})") from None
    transform = ctx["transform"]
    if transform is not None:
        y = transform(y, sr, _rng(ctx["seed"], job.sha1, ctx["transform_key"]))
        y = check_wave(y, what=f"transform(...) output for {job.path}")
        if not np.isfinite(y).all():
            raise FeatureError(f"transform(...) returned NaN or infinite samples for {job.path}")
    if s["trim_silence"]:
        y, _ = audio.trim(y, sr=sr, top_db=s["trim_top_db"], min_duration_s=MIN_TRIMMED_S)
    return y


def _store(ctx: dict, group: str, sha1: str, arrays: dict[str, np.ndarray]) -> int:
    """Write one cache record; returns the number of failed writes (0 or 1)."""
    if ctx["dirs"] is None:
        return 0
    try:
        cache.write_record(cache.record_path(ctx["dirs"][group], sha1), arrays)
    except OSError:
        return 1
    return 0


def _compute_one(job: _Job, ctx: dict) -> dict:
    s = ctx["settings"]
    sr, n_fft, hop = s["sample_rate"], s["n_fft"], s["hop_length"]
    y = _load_signal(job, ctx)
    n_samples = int(y.shape[0])
    mag = magnitude(y, n_fft=n_fft, hop_length=hop)
    out: dict[str, Any] = {"sha1": job.sha1, "write_errors": 0}
    mel_cache: dict = {}
    if job.need_logmel:
        P = mag**2
        # with the default 128 bands over 0..sr/2, the MFCCs reuse this mel power
        S = logmel_from_power(
            P, sr=sr, n_mels=s["n_mels"], n_fft=n_fft, fmin=s["fmin"], fmax=s["fmax"], mel_power_cache=mel_cache
        )
        out["logmel"], out["n_samples"] = S, n_samples
        out["write_errors"] += _store(ctx, "logmel", job.sha1, {"logmel": S, "n_samples": np.int64(n_samples)})
    if job.need_frame:
        d = frame_feature_dict(
            y,
            mag,
            sr=sr,
            names=job.need_frame,
            n_mfcc=s["n_mfcc"],
            n_fft=n_fft,
            hop_length=hop,
            mel_power_cache=mel_cache,
        )
        new = {frame_key(n, s["n_mfcc"], s["pool_stats"]): pool(F, stats=s["pool_stats"]) for n, F in d.items()}
        out["frame"] = new
        out["write_errors"] += _store(ctx, "frame", job.sha1, {**job.frame_old, **new})
    return out


def _compute_chunk(jobs: list[_Job], ctx: dict) -> list[dict]:
    return [_compute_one(j, ctx) for j in jobs]


# ----------------------------------------------------------------------------------
# the steps of extract
# ----------------------------------------------------------------------------------


def _progress_enabled(progress: bool | str) -> bool:
    if progress not in (True, False, "auto"):
        raise FeatureError(f"progress must be True, False or 'auto', got {progress!r}")
    if progress is False:
        return False
    return os.environ.get("SER_NO_PROGRESS", "").strip() not in ("1", "true", "yes")


def _check_args(manifest: Any, *, n_jobs: Any, transform: Any, transform_key: Any, seed: Any, cache_dir: Any) -> None:
    """Raise :class:`FeatureError` for a bad manifest or option of :func:`extract`."""
    if not isinstance(manifest, pd.DataFrame):
        raise FeatureError(f"manifest must be a pandas DataFrame, got {type(manifest).__name__}")
    missing = [c for c in ("path", "file_id") if c not in manifest.columns]
    if missing:
        raise FeatureError(
            f"manifest lacks column(s) {', '.join(missing)}; expected the output of ser_utils.data.corpus.scan"
        )
    if len(manifest) == 0:
        raise FeatureError("manifest is empty; expected at least one file to extract")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise FeatureError(f"n_jobs must be a non-zero integer (-1 = all cores), got {n_jobs!r}")
    if transform is not None and not callable(transform):
        raise FeatureError(f"transform must be callable as transform(y, sr, rng), got {type(transform).__name__}")
    if transform_key is not None and (not isinstance(transform_key, str) or not transform_key):
        raise FeatureError(f"transform_key must be a non-empty string, got {transform_key!r}")
    if transform is None and transform_key is not None:
        raise FeatureError("transform_key given without transform; pass both or neither")
    if transform is not None and transform_key is None and cache_dir is not None:
        raise FeatureError(
            "transform given without transform_key: the cache needs a key naming the transform and "
            "its parameters (e.g. transform_key='noise20_pitch2'); pass one, or cache_dir=None"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise FeatureError(f"seed must be a non-negative integer, got {seed!r}")


def _content_hashes(index: pd.DataFrame) -> list[str]:
    """Each row's content SHA-1: the manifest's ``sha1`` column, or hashed (and added) when absent."""
    if "sha1" in index.columns and index["sha1"].notna().all():
        sha1s = [str(h) for h in index["sha1"]]
    else:
        sha1s = [cache.content_sha1(p) for p in index["path"]]
        index["sha1"] = sha1s
    bad = [h for h in sha1s if len(h) != 40 or any(c not in "0123456789abcdef" for c in h)]
    if bad:
        raise FeatureError(f"manifest column sha1 must hold 40-digit lowercase hex digests, got {bad[0]!r}")
    return sha1s


def _open_cache(cache_dir: str | os.PathLike | None, groups: dict[str, dict]) -> dict[str, Path] | None:
    """The folder of each cache group, or None when the cache is off."""
    if cache_dir is None:
        return None
    return {g: cache.group_dir(cache_dir, g, gs) for g, gs in groups.items()}


def _valid_logmel(n_mels: int) -> cache.Validate:
    def ok(d: dict[str, np.ndarray]) -> bool:
        if list(d) != ["logmel", "n_samples"]:
            return False
        S, n = d["logmel"], int(d["n_samples"])
        return (
            S.dtype == np.float32
            and S.ndim == 2
            and S.shape[0] == n_mels
            and S.shape[1] >= 1
            and n >= 1
            and bool(np.isfinite(S).all())
        )

    return ok


def _valid_frame(d: dict[str, np.ndarray]) -> bool:
    return all(v.dtype == np.float32 and v.ndim == 1 and v.size > 0 and np.isfinite(v).all() for v in d.values())


@dataclass
class _Plan:
    """What the cache holds and what is left to compute, per distinct content."""

    logmels: dict[str, tuple[np.ndarray, int]]
    frames: dict[str, dict[str, np.ndarray]]
    jobs: list[_Job]
    counts: dict[str, list[int]]  # group: [hits, misses]
    corrupt: int


def _plan(first_path: dict[str, str], dirs: dict[str, Path] | None, s: dict) -> _Plan:
    """Read every cache entry of the distinct contents; a job for each one incomplete."""
    n_mfcc, pool_stats = s["n_mfcc"], s["pool_stats"]
    layout = pooled_layout(s)
    keys = [frame_key(n, n_mfcc, pool_stats) for n in layout]
    plan = _Plan({}, {}, [], {"logmel": [0, 0], "frame": [0, 0]}, 0)
    for h, path in first_path.items():
        lm = fr = None
        if dirs is not None:
            lm, st_lm = cache.probe_record(cache.record_path(dirs["logmel"], h), validate=_valid_logmel(s["n_mels"]))
            fr, st_fr = cache.probe_record(cache.record_path(dirs["frame"], h), validate=_valid_frame)
            plan.corrupt += (st_lm == "corrupt") + (st_fr == "corrupt")
        fr = fr or {}
        if any(k in fr and fr[k].size != len(pool_stats) * len(feature_rows(n, n_mfcc)) for n, k in zip(layout, keys)):
            plan.corrupt += 1  # a vector of the wrong length: rewrite the whole entry
            fr = {}
        need_frame = [n for n, k in zip(layout, keys) if k not in fr]
        if lm is not None:
            plan.logmels[h] = (lm["logmel"], int(lm["n_samples"]))
        plan.counts["logmel"][lm is None] += 1
        plan.counts["frame"][bool(need_frame)] += 1
        plan.frames[h] = fr
        if lm is None or need_frame:
            plan.jobs.append(_Job(h, path, lm is None, need_frame, fr))
    return plan


def _results(jobs: list[_Job], ctx: dict, n_workers: int) -> Iterable[list[dict]]:
    """The jobs' results, chunk by chunk: in this process, or from loky workers (unordered)."""
    if n_workers <= 1:
        return (_compute_chunk([j], ctx) for j in jobs)
    import joblib

    size = max(1, min(32, math.ceil(len(jobs) / (n_workers * 8))))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    # numba (behind librosa's yin, localmin, ...) caches what it compiles on disk, and two
    # processes compiling the same kernel at once can leave a cache index that points at the
    # other's code: every later run then dies with a segfault. The first chunk is computed
    # here, so the kernels are compiled and cached once before any worker starts.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # as in the workers: the same bytes
        first = _compute_chunk(chunks[0], ctx)
    par = joblib.Parallel(n_jobs=n_workers, backend="loky", return_as="generator_unordered")
    return itertools.chain([first], par(joblib.delayed(_compute_chunk)(c, ctx) for c in chunks[1:]))


def _run(plan: _Plan, ctx: dict, *, n_jobs: int, show: bool, total: int) -> tuple[int, int]:
    """Compute the plan's jobs into it; returns (workers used, failed cache writes)."""
    import joblib
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    jobs = plan.jobs
    # a worker costs ~2-3 s to start (imports); below ~200 files each, one process is faster
    n_workers = max(1, min(joblib.effective_n_jobs(int(n_jobs)), len(jobs) // _MIN_FILES_PER_WORKER))
    # small matrix products: one BLAS thread is faster, and far faster on a busy machine
    # (loky already limits each worker's BLAS to its share of the cores)
    limit = threadpool_limits(limits=1, user_api="blas") if n_workers <= 1 else contextlib.nullcontext()
    write_errors = 0
    bar = tqdm(total=total, initial=total - len(jobs), desc="features", unit="file", leave=False, disable=not show)
    with bar, limit:
        for res in _results(jobs, ctx, n_workers):
            for r in res:
                if "logmel" in r:
                    plan.logmels[r["sha1"]] = (r["logmel"], r["n_samples"])
                if "frame" in r:
                    plan.frames[r["sha1"]] = {**plan.frames[r["sha1"]], **r["frame"]}
                write_errors += r["write_errors"]
            bar.update(len(res))
    return n_workers, write_errors


def _assemble(
    plan: _Plan, sha1s: list[str], index: pd.DataFrame, s: dict
) -> tuple[list[np.ndarray], np.ndarray, list[str]]:
    """Log-mels, pooled matrix and its names in manifest order.

    Adds ``n_frames`` and ``trimmed_duration_s`` to ``index``.
    """
    seen: set[str] = set()
    logmels = []
    for h in sha1s:  # rows of duplicate content get their own copy
        logmels.append(plan.logmels[h][0] if h not in seen else plan.logmels[h][0].copy())
        seen.add(h)
    index["n_frames"] = np.array([S.shape[1] for S in logmels], dtype=np.int64)
    index["trimmed_duration_s"] = np.array([plan.logmels[h][1] / s["sample_rate"] for h in sha1s], dtype=np.float64)
    stats = s["pool_stats"]
    keys = [frame_key(n, s["n_mfcc"], stats) for n in pooled_layout(s)]
    rows = [np.concatenate([pool(S, stats=stats)] + [plan.frames[h][k] for k in keys]) for h, S in zip(sha1s, logmels)]
    pooled = np.stack(rows).astype(np.float32, copy=False)
    names = pooled_names(s)
    if len(names) != pooled.shape[1]:  # pragma: no cover - internal consistency
        raise FeatureError(f"internal error: {len(names)} pooled names for {pooled.shape[1]} columns")
    return logmels, pooled, names


def _stats(plan: _Plan, *, n_files: int, n_unique: int, dirs: dict[str, Path] | None, write_errors: int,
           seconds: float, n_workers: int, cache_dir: str | os.PathLike | None) -> dict:
    """``FeatureSet.stats`` of one run."""
    n_computed = len(plan.jobs)
    c = plan.counts
    return {
        "n_files": n_files,
        "n_unique": n_unique,
        "cached_files": n_unique - n_computed,
        "computed_files": n_computed,
        "hits": c["logmel"][0] + c["frame"][0],
        "misses": c["logmel"][1] + c["frame"][1],
        "groups": {
            g: {"folder": None if dirs is None else str(dirs[g]), "hits": c[g][0], "misses": c[g][1]} for g in c
        },
        "corrupt_entries": plan.corrupt,
        "cache_write_errors": write_errors,
        "seconds": round(seconds, 3),
        "files_per_s": round(n_files / seconds, 1) if seconds > 0 else float("inf"),
        "n_jobs": n_workers,
        "cache_dir": None if cache_dir is None else str(cache_dir),
    }


def _print_summary(stats: dict) -> None:
    extra = ""
    if stats["corrupt_entries"]:
        extra += f", {stats['corrupt_entries']} corrupt cache entries recomputed"
    if stats["cache_write_errors"]:
        extra += f", {stats['cache_write_errors']} cache writes failed"
    print(
        f"extracted {stats['n_files']} files "
        f"({stats['cached_files']} cached, {stats['computed_files']} computed{extra}) "
        f"in {stats['seconds']:.1f} s, {stats['files_per_s']:.0f} files/s"
    )


# ----------------------------------------------------------------------------------
# extract
# ----------------------------------------------------------------------------------


def extract(
    manifest: pd.DataFrame,
    *,
    settings: dict,
    cache_dir: str | os.PathLike | None,
    n_jobs: int = -1,
    progress: bool | str = True,
    transform: Transform | None = None,
    transform_key: str | None = None,
    seed: int = 0,
    summary: bool = True,
) -> FeatureSet:
    """Log-mels and pooled vectors of every file of a manifest, cached on disk.

    Each file is loaded at ``sample_rate`` (mono), passed through ``transform`` if
    given, trimmed of leading/trailing silence (``trim_silence``, ``trim_top_db``;
    never shorter than 0.25 s), then analysed. Cache hits are read in this process;
    misses are computed in parallel (joblib/loky, chunks of files per task) and written
    to the cache by the workers.

    What is pooled (``FeatureSet.pooled``: the ``pool_stats`` statistics over time,
    :func:`~ser_utils.features.pool`; see ``pooled_names``): every log-mel band
    (``logmel_001..``), then the frame features of ``settings["frame_features"]``; when
    that list is empty the baseline set :data:`~ser_utils.features.DEFAULT_POOLED_FEATURES`
    (MFCC ``n_mfcc`` + deltas, as the seeds used).

    Parameters
    ----------
    manifest : pd.DataFrame
        One row per file; needs ``path`` and ``file_id``; ``sha1`` (content hash, the
        cache key) is computed with hashlib when absent. Other columns are kept in
        ``FeatureSet.index``. The manifest's ``sha1`` is trusted: a file changed after
        its hash was taken must be rescanned.
    settings : dict
        :func:`~ser_utils.features.feature_settings` of the configuration.
    cache_dir : str, path-like or None
        Cache folder (created); ``None`` disables the cache.
    n_jobs : int
        Worker processes (-1: all cores; 1: in this process). Each worker must get at
        least 200 files to compute (a worker takes ~2-3 s to start), so runs with fewer
        misses are computed in this process whatever ``n_jobs``.
    progress : bool or "auto"
        Show a ``tqdm.auto`` bar; disabled when the environment variable
        ``SER_NO_PROGRESS=1`` is set (the report runner sets it for papermill).
        A one-line summary is printed at the end unless ``summary=False``.
    transform : callable, optional
        ``transform(y, sr, rng) -> y``, a waveform augmentation (``y`` float32 ``(n,)``),
        applied after loading and before trimming. Must be picklable by loky
        (module-level functions, ``functools.partial``, lambdas all work).
    transform_key : str, optional
        Names the transform and its parameters; part of the cache key and of the seed
        of ``rng``. Required with ``transform`` when the cache is on.
    seed : int
        With ``transform``: ``rng = np.random.default_rng`` seeded from
        ``(seed, file sha1, transform_key)``, so results are reproducible and cacheable.
    summary : bool
        Print the one-line summary (files, cache hits, seconds).

    Returns
    -------
    FeatureSet
        ``logmels`` (n_mels, t_i) float32 per file, ``pooled`` (n_files, d) float32.

    Raises
    ------
    FeatureError
        Bad manifest, settings or arguments; a file that cannot be loaded.
    ConfigError
        A setting is out of range.
    """
    t0 = time.perf_counter()
    s = validate_settings(settings)
    _check_args(
        manifest, n_jobs=n_jobs, transform=transform, transform_key=transform_key, seed=seed, cache_dir=cache_dir
    )
    show = _progress_enabled(progress)
    index = manifest.reset_index(drop=True).copy()
    sha1s = _content_hashes(index)
    dirs = _open_cache(cache_dir, group_settings(s, transform_key=transform_key, seed=int(seed)))
    first_path: dict[str, str] = {}  # one unit of work per distinct content
    for h, p in zip(sha1s, index["path"]):
        first_path.setdefault(h, str(p))
    plan = _plan(first_path, dirs, s)
    n_workers, write_errors = 1, 0
    if plan.jobs:
        ctx = {"settings": s, "dirs": dirs, "transform": transform, "transform_key": transform_key, "seed": int(seed)}
        n_workers, write_errors = _run(plan, ctx, n_jobs=n_jobs, show=show, total=len(first_path))
    logmels, pooled, names = _assemble(plan, sha1s, index, s)
    stats = _stats(plan, n_files=len(index), n_unique=len(first_path), dirs=dirs, write_errors=write_errors,
                   seconds=time.perf_counter() - t0, n_workers=n_workers, cache_dir=cache_dir)
    if summary:
        _print_summary(stats)
    return FeatureSet(logmels, pooled, names, index, {**s, "transform_key": transform_key, "seed": int(seed)}, stats)
