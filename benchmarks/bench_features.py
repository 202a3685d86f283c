"""Benchmark feature extraction: a plain librosa loop vs ``ser_utils.features.extract``.

Measures files/s, over the same files in the same run, for

(a) baseline: a sequential loop of ``librosa.load(sr=22050)`` + ``melspectrogram`` +
    ``power_to_db`` (what the seed notebooks did, without trimming or caching), with
    BLAS limited to one thread (on a busy 2-core machine OpenBLAS's default 2 threads
    make the small mel products several times slower; limiting keeps the comparison fair);
(b) cold: ``features.extract`` into a fresh temporary cache (loading, trimming,
    log-mels, pooled baseline vectors, cache writes; parallel workers' start-up included);
(c) cached: the same call again, everything read from the cache.

The files are hashed (sha1, as ``data.scan`` does for the manifest) before any timing,
which also warms the OS file cache for every mode alike.

Usage::

    python benchmarks/bench_features.py [--data-dir DIR] [--limit N] [--n-jobs J] [--profile full] [-p NAME VALUE]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ser_utils import (
    config,
    features,  # noqa: E402
)


def _files(root: Path, limit: int | None) -> list[Path]:
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".wav", ".flac") and not p.name.startswith("."))
    return paths[:limit] if limit else paths


def _baseline(paths: list[Path], s: dict) -> float:
    import librosa
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        for p in paths:
            y, sr = librosa.load(p, sr=s["sample_rate"])
            M = librosa.feature.melspectrogram(
                y=y, sr=sr, n_mels=s["n_mels"], n_fft=s["n_fft"], hop_length=s["hop_length"]
            )
            librosa.power_to_db(M, ref=np.max)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """The command line: parse ``argv`` and run the benchmark.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments without the program name; None = ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0, or 2 when the data folder is missing or holds no audio.
    """
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "ravdess-22k",
                    help="folder scanned recursively for .wav/.flac (default: ../shared/data/ravdess-22k)")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N files (sorted by path)")
    ap.add_argument("--n-jobs", type=int, default=-1, help="workers for extract (-1 = all cores)")
    ap.add_argument("--profile", default="full", help="config profile for the feature settings (default: full)")
    ap.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="override one parameter, e.g. -p frame_features '[]' for the log-mel input alone")
    ap.add_argument("--skip-baseline", action="store_true", help="do not run the plain librosa loop")
    args = ap.parse_args(argv)

    if not args.data_dir.is_dir():
        print(f"no such folder: {args.data_dir}", file=sys.stderr)
        return 2
    paths = _files(args.data_dir, args.limit)
    if not paths:
        print(f"no .wav/.flac files under {args.data_dir}", file=sys.stderr)
        return 2
    overrides = {name: config.parse_value(value) for name, value in args.param}
    s = features.feature_settings(config.resolve(args.profile, **overrides))
    manifest = pd.DataFrame({
        "path": [str(p) for p in paths],
        "file_id": [p.stem for p in paths],
        "sha1": [hashlib.sha1(p.read_bytes()).hexdigest() for p in paths],
    })
    n = len(paths)
    print(
        f"{n} files under {args.data_dir}; settings: sr={s['sample_rate']} n_mels={s['n_mels']} "
        f"n_fft={s['n_fft']} hop={s['hop_length']} trim={s['trim_silence']} "
        f"frame_features={s['frame_features'] or 'default'}"
    )

    rows = []
    if not args.skip_baseline:
        import librosa

        y = np.zeros(4096, np.float32)  # warm-up: lazy imports, not timed
        librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=s["sample_rate"], n_fft=s["n_fft"]), ref=np.max)
        rows.append(("(a) librosa loop, sequential", _baseline(paths, s)))
    with tempfile.TemporaryDirectory(prefix="bench_features_") as tmp:
        t0 = time.perf_counter()
        cold = features.extract(manifest, settings=s, cache_dir=tmp, n_jobs=args.n_jobs, progress=False)
        rows.append((f"(b) extract, cold ({cold.stats['n_jobs']} workers)", time.perf_counter() - t0))
        t0 = time.perf_counter()
        hot = features.extract(manifest, settings=s, cache_dir=tmp, n_jobs=args.n_jobs, progress=False)
        rows.append(("(c) extract, cached", time.perf_counter() - t0))
        assert hot.stats["misses"] == 0, hot.stats
        same = all(np.array_equal(a, b) for a, b in zip(cold.logmels, hot.logmels))

    base = rows[0][1] if not args.skip_baseline else None
    print()
    print(f"{'mode':<36} {'seconds':>8} {'files/s':>9} {'vs (a)':>8}")
    for name, sec in rows:
        ratio = f"{base / sec:7.1f}x" if base else "      -"
        print(f"{name:<36} {sec:8.2f} {n / sec:9.1f} {ratio:>8}")
    print(f"\ncached == cold log-mels: {same}; median frames per file: {int(np.median(cold.index['n_frames']))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
