"""Speed of the encoder feature group (issue 11): cold extraction and cache hits on real files.

Extracts ``--n`` files of the corpus into a fresh temporary cache folder (cold), then
again (cache hits), and prints wall time, the process's CPU time and files per second.
On a shared machine the wall time depends on the other jobs; ``files_per_cpu_s x
threads`` is what that many idle cores would give (an upper bound: it ignores the
time threads wait for each other).

Usage::

    python benchmarks/bench_encoder.py [--data-dir ../shared/data/ravdess-22k] [--n 300] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ser_utils.data import corpus  # noqa: E402
from ser_utils.features import encoder  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring); returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "ravdess-22k")
    ap.add_argument("--n", type=int, default=300, help="files (every k-th file of the corpus; 0 = all)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compute-type", default="int8")
    args = ap.parse_args(argv)
    m = corpus.scan(args.data_dir, n_jobs=2).manifest
    if args.n and args.n < len(m):
        m = m.iloc[:: max(1, len(m) // args.n)].head(args.n)
    s = encoder.encoder_settings({"encoder_compute_type": args.compute_type})
    t0 = time.perf_counter()
    encoder.load_model(compute_type=args.compute_type, threads=args.threads)
    load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as cache:
        t0, c0 = time.perf_counter(), time.process_time()
        encoder.extract_encoder(m, settings=s, cache_dir=cache, n_jobs=args.threads, progress=False)
        cold, cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        encoder.extract_encoder(m, settings=s, cache_dir=cache, n_jobs=args.threads, progress=False)
        hit = time.perf_counter() - t0
    out = {
        "n_files": len(m),
        "threads": args.threads,
        "compute_type": args.compute_type,
        "model_load_s": round(load_s, 1),
        "cold_s": round(cold, 1),
        "cold_files_per_s": round(len(m) / cold, 1),
        "cold_cpu_s": round(cpu, 1),
        "files_per_cpu_s": round(len(m) / cpu, 1),
        "hit_s": round(hit, 2),
        "load_avg_1min": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
