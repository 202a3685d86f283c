"""The whole product over actor folds: ``./run_all.sh`` once per fold, both prediction modes (issue 11).

Each fold is one complete run of the notebook series with ``-p split speaker -p fold K``
(the gender-balanced folds of :func:`ser_utils.prep.split.speaker_folds`, seed 42, the same
folds as ``cv_encoder.py`` and ``cv_speaker.py``): the CRNN, the classic model, the encoder
heads and the per-mode fusion weights chosen on the fold's validation actors, exactly what a
user's run trains, scored by notebook 05 on the fold's unseen test actors. The folds' feature
cache is shared (``--cache-dir``), so only the first run extracts.

Prints each fold and the mean +/- std of both modes (and of the parts alone), and appends one
JSON line to ``benchmarks/results.jsonl``. ``--aggregate-only`` reads the folds' existing
``metrics.json`` under ``--out`` instead of running them.

Usage::

    python benchmarks/cv_product.py [--data-dir ../shared/data/ravdess-22k] [--folds 5]
        [--out /tmp/cv_product] [--cache-dir DIR] [-p NAME VALUE ...] [--aggregate-only]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from results_table import append_result

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results.jsonl"
DEFAULT_DATA = REPO.parent / "shared" / "data" / "ravdess-22k"
_MODES = ("per_speaker", "single_clip")


def _run_fold(k: int, args) -> float:
    out = args.out / f"fold{k}"
    cmd = [str(REPO / "run_all.sh"), "--data-dir", *map(str, args.data_dir), "--profile", args.profile]
    cmd += ["-p", "split", "speaker", "-p", "fold", str(k), "--artifacts-dir", str(out)]
    cmd += ["--reports-dir", str(out / "reports")]
    if args.cache_dir:
        cmd += ["-p", "cache_dir", str(args.cache_dir)]
    for name, value in args.param:
        cmd += ["-p", name, value]
    t0 = time.perf_counter()
    with open(args.out / f"fold{k}.log", "w", encoding="utf-8") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO).returncode
    if rc:
        raise SystemExit(f"fold {k} failed (rc {rc}): see {args.out / f'fold{k}.log'}")
    return time.perf_counter() - t0


def _fold_row(k: int, args) -> dict:
    m = json.loads((args.out / f"fold{k}" / "reports" / "metrics.json").read_text(encoding="utf-8"))
    row = {
        "fold": k,
        "test_actors": m["test_actors"],
        "val_actors": m["val_actors"],
        "weights": m.get("prediction_modes_weights"),
        "seconds": m["timings_s"],
    }
    for mode in _MODES:
        row[mode] = {key: round(m["prediction_modes"][mode][key], 4) for key in ("uar", "accuracy", "macro_f1")}
    row["parts_alone_per_speaker_uar"] = {name: round(b["uar"], 4) for name, b in m["baselines"].items()}
    corpora = m["prediction_modes"][_MODES[0]].get("per_corpus") or {}
    if len(corpora) > 1:  # each test corpus's UAR over its own classes, in both modes
        row["per_corpus_uar"] = {
            c: {mode: round(m["prediction_modes"][mode]["per_corpus"][c]["uar"], 4) for mode in _MODES} for c in corpora
        }
    return row


def _mean_std(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, np.float64)
    return {"mean": round(float(a.mean()), 4), "std": round(float(a.std(ddof=1)) if len(a) > 1 else 0.0, 4)}


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring); returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, nargs="+", default=[DEFAULT_DATA], help="one folder, or several corpora")
    ap.add_argument("--profile", default="full", help="full, or multi for several corpora")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path("/tmp/cv_product"))
    ap.add_argument("--cache-dir", type=Path, default=None, help="shared feature cache (default: each fold's own)")
    ap.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    ap.add_argument("--of", type=int, default=None, help="the protocol's folds when --folds runs fewer (multi: 5)")
    ap.add_argument("--aggregate-only", action="store_true")
    ap.add_argument("--name", default="the full product (run_all.sh per fold), both prediction modes")
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    machine = {"cores": len(os.sched_getaffinity(0)), "load_at_start": round(os.getloadavg()[0], 2)}
    machine["host"] = platform.node()
    rows = []
    for k in range(args.folds):
        wall = None if args.aggregate_only else round(_run_fold(k, args), 1)
        row = {**_fold_row(k, args), "wall_s": wall}
        rows.append(row)
        print(
            f"fold {k} test actors {row['test_actors']} (validation {row['val_actors']}): "
            + "  ".join(f"{m} UAR {row[m]['uar']:.3f}" for m in _MODES),
            flush=True,
        )
    summary = {
        m: {key: _mean_std([r[m][key] for r in rows]) for key in ("uar", "accuracy", "macro_f1")} for m in _MODES
    }
    for name in rows[0]["parts_alone_per_speaker_uar"]:
        summary[f"{name} (per-speaker UAR)"] = _mean_std([r["parts_alone_per_speaker_uar"][name] for r in rows])
    for c in sorted({c for r in rows for c in r.get("per_corpus_uar", {})}):  # a corpus may miss a test fold
        scored = [r["per_corpus_uar"][c] for r in rows if c in r.get("per_corpus_uar", {})]
        for mode in _MODES:
            summary[f"{c} {mode} UAR"] = _mean_std([u[mode] for u in scored])
    print("summary")
    for key, s in summary.items():
        print(
            f"  {key:<70} "
            + (
                f"UAR {s['uar']['mean']:.3f} ± {s['uar']['std']:.3f}"
                if "uar" in s
                else f"{s['mean']:.3f} ± {s['std']:.3f}"
            )
        )
    result = {
        "name": args.name,
        "profile": args.profile,
        "overrides": dict(args.param),
        "data_dirs": [str(d) for d in args.data_dir],
        "protocol": "speaker",
        "n_folds": args.of or args.folds,
        "runs": rows,
        "summary": summary,
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine,
        "out": str(args.out),
        "aggregated_existing_runs": args.aggregate_only,
    }
    if not args.no_record:
        append_result(args.results, result, indent="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
