"""Heads on the Whisper-base encoder features, over speaker folds of real RAVDESS (issue 11).

1. **Extraction**: the encoder group of every file (:func:`ser_utils.features.encoder.extract_encoder`,
   int8, 2 threads), cold (into a fresh cache folder unless ``--cache-dir`` already holds
   it: the line says which) and again from the cache (the cache-hit time).
2. **Heads** on the pooled statistics, scored on each of ``--folds`` actor folds of
   :func:`ser_utils.prep.split.speaker_folds` (seed 42) after training on every other actor,
   in two prediction modes:

   - *per-speaker*: each actor's vectors standardised with that actor's own mean and std
     (test actors included: their unlabelled clips), then a scaler fitted on training rows;
   - *single clip*: no statistic of the test speaker: a scaler fitted on the training
     rows only.

   Scorers: logistic regression (``--logreg-C``, one scorer per C), an RBF SVM, and
   the handcrafted pooled vectors of the ``full`` profile with its svm+logreg (the current
   bundle's classic part, for the ratio), alone and averaged with the encoder logreg.
   ``nested logreg`` chooses C on inner speaker folds of the training actors only (the
   honest figure: no choice sees the reported test actors).

Prints each fold and the mean +/- std, appends one JSON line to ``benchmarks/results.jsonl``.

Usage::

    python benchmarks/cv_encoder.py [--data-dir ../shared/data/ravdess-22k] [--folds 5]
        [--stats mean std] [--logreg-C 0.003 0.01 0.03] [--split speaker|random] [--name LABEL]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np
from results_table import append_result

from ser_utils import (
    config,
    features,
)
from ser_utils.data import corpus
from ser_utils.evaluation import metrics as evaluate
from ser_utils.features import encoder
from ser_utils.models import classic
from ser_utils.prep import split as split_mod
from ser_utils.prep.normalise import standardise_per_actor

DEFAULT_DATA = REPO.parent / "shared" / "data" / "ravdess-22k"
DEFAULT_CACHE = REPO / "artifacts" / "cache"
RESULTS = REPO / "benchmarks" / "results.jsonl"
N_CLASSES = len(config.EMOTIONS)
_KEYS = ("accuracy", "uar", "macro_f1")


def _machine() -> dict[str, Any]:
    import os
    import platform

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.machine(),
    )
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "load_at_start": round(os.getloadavg()[0], 2),
        "host": platform.node(),
    }


def _short(m: dict) -> dict[str, float]:
    return {k: round(float(m[k]), 4) for k in _KEYS}


def _fmt(m: dict) -> str:
    return "  ".join(f"{k} {m[k]:.3f}" for k in _KEYS)


def _summary(rows: list[dict]) -> dict[str, dict[str, float]]:
    s = evaluate.fold_summary(rows)
    return {k: {"mean": round(s[k]["mean"], 4), "std": round(s[k]["std"], 4)} for k in _KEYS}


def _fmt_summary(s: dict) -> str:
    return "  ".join(f"{k} {s[k]['mean']:.3f} ± {s[k]['std']:.3f}" for k in _KEYS)


def _logreg(Xtr: np.ndarray, ytr: np.ndarray, C: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    m = make_pipeline(
        StandardScaler(), LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=seed)
    )
    return m.fit(Xtr.astype(np.float32), ytr)


def _probs(model, X: np.ndarray) -> np.ndarray:
    out = np.zeros((X.shape[0], N_CLASSES))
    out[:, model.classes_] = model.predict_proba(X)
    return out


def _nested_C(X: np.ndarray, y: np.ndarray, actors: np.ndarray, grid: list[float], seed: int) -> float:
    """The C of ``grid`` with the best mean UAR over 4 inner speaker folds (these rows only)."""
    import pandas as pd

    inner = split_mod.speaker_folds(pd.DataFrame({"actor": actors}), n_folds=4, seed=seed)
    scores = []
    for C in grid:
        uars = []
        for fold in inner:
            te = np.isin(actors, fold)
            m = _logreg(X[~te], y[~te], C, seed)
            uars.append(evaluate.metrics(y[te], m.predict(X[te]))["uar"])
        scores.append(float(np.mean(uars)))
    return grid[int(np.argmax(scores))]


def _frame_head(F: list, y: np.ndarray, actors: np.ndarray, te: np.ndarray, mode: str, cfg) -> tuple[np.ndarray, dict]:
    """The Keras frame head's test probabilities: trained on the training actors, early stopping on 2 of them."""
    import pandas as pd

    from ser_utils.models import frame_head

    tr_actors = sorted(set(actors[~te].tolist()))
    inner = split_mod.speaker_folds(pd.DataFrame({"actor": tr_actors}), n_folds=len(tr_actors) // 2, seed=cfg["seed"])
    va = np.isin(actors, inner[0]) & ~te
    fit_rows = ~te & ~va
    if mode == "per_speaker":  # every actor standardised with its own frames (test actors: unlabelled)
        Z = frame_head.standardise(F, frame_head.fit_stats(F, actors.tolist()), actors=actors.tolist())
    else:  # statistics of the training frames only
        idx = np.flatnonzero(~te)
        st = frame_head.fit_stats([F[i] for i in idx], actors[idx].tolist())
        Z = frame_head.standardise(F, st, actors=[None] * len(F))
    pick = lambda m: [Z[i] for i in np.flatnonzero(m)]  # noqa: E731
    model, info = frame_head.fit(pick(fit_rows), y[fit_rows], val_frames=pick(va), y_val=y[va], cfg=cfg)
    p = frame_head.probabilities(model, pick(te), max_frames=cfg["frame_head_max_frames"])
    p_va = frame_head.probabilities(model, pick(va), max_frames=cfg["frame_head_max_frames"])
    return p, {**info, "val_actors": inner[0], "val": evaluate.metrics(y[va], p_va.argmax(1))}


def _nap(X: np.ndarray, actors: np.ndarray, tr: np.ndarray, k: int) -> np.ndarray:
    """Nuisance attribute projection: remove the ``k`` main directions of the training speakers' means.

    Statistics of the training rows only (global standardisation, then the actors' mean
    vectors and their principal directions); every row is projected the same way, so a single
    clip needs nothing of its speaker.
    """
    mu, sd = X[tr].mean(0), X[tr].std(0) + 1e-8
    Z = (X - mu) / sd
    a_tr = actors[tr]
    M = np.stack([Z[tr][a_tr == a].mean(0) for a in np.unique(a_tr)])
    _, _, Vt = np.linalg.svd(M - M.mean(0), full_matrices=False)
    V = Vt[:k].T
    return Z - (Z @ V) @ V.T


def _score_fold(
    E: np.ndarray, H: np.ndarray, y: np.ndarray, actors: np.ndarray, te: np.ndarray, args, cfg, F=None
) -> dict[str, dict]:
    """Every scorer on one split (train = ~te), in both modes."""
    out: dict[str, dict] = {}
    tr = ~te
    for mode in ("per_speaker", "single_clip"):
        Em = standardise_per_actor(E, actors) if mode == "per_speaker" else E
        Hm = standardise_per_actor(H, actors) if mode == "per_speaker" else H
        p_enc = {}
        for C in args.logreg_C:
            m = _logreg(Em[tr], y[tr], C, cfg["seed"])
            p_enc[C] = _probs(m, Em[te])
            out[f"enc logreg C={C:g} [{mode}]"] = evaluate.metrics(y[te], p_enc[C].argmax(1))
        if args.nested:
            C = _nested_C(Em[tr], y[tr], actors[tr], list(args.logreg_C), cfg["seed"])
            p = p_enc[C]
            out[f"enc nested logreg [{mode}]"] = {**evaluate.metrics(y[te], p.argmax(1)), "C": C}
        if args.svm:
            sv = classic.fit(Em[tr], y[tr], kind="svm", C_svm=args.svm_C, gamma=args.svm_gamma, seed=cfg["seed"])
            out[f"enc svm C={args.svm_C:g} g={args.svm_gamma:g} [{mode}]"] = evaluate.metrics(
                y[te], classic.probabilities(sv, Em[te], n_classes=N_CLASSES).argmax(1)
            )
        hm = classic.fit_configured(Hm[tr], y[tr], cfg)
        p_hand = classic.probabilities(hm, Hm[te], n_classes=N_CLASSES)
        out[f"handcrafted {cfg['classic_model']} [{mode}]"] = evaluate.metrics(y[te], p_hand.argmax(1))
        C0 = args.logreg_C[len(args.logreg_C) // 2]
        for w in args.fuse:
            p = (1 - w) * p_enc[C0] + w * p_hand
            out[f"enc logreg C={C0:g} + handcrafted, w={w:g} [{mode}]"] = evaluate.metrics(y[te], p.argmax(1))
        for k in args.nap if mode == "single_clip" else []:
            En, Hn = _nap(E, actors, tr, k), _nap(H, actors, tr, k)
            pe = _probs(_logreg(En[tr], y[tr], C0, cfg["seed"]), En[te])
            hn = classic.fit_configured(Hn[tr], y[tr], cfg)
            ph = classic.probabilities(hn, Hn[te], n_classes=N_CLASSES)
            out[f"NAP k={k}: enc logreg [{mode}]"] = evaluate.metrics(y[te], pe.argmax(1))
            out[f"NAP k={k}: handcrafted [{mode}]"] = evaluate.metrics(y[te], ph.argmax(1))
            out[f"NAP k={k}: enc logreg + handcrafted, w=0.5 [{mode}]"] = evaluate.metrics(y[te], (pe + ph).argmax(1))
        if F is not None:
            t0 = time.perf_counter()
            p_fr, info = _frame_head(F, y, actors, te, mode, cfg)
            out[f"frame head [{mode}]"] = {**evaluate.metrics(y[te], p_fr.argmax(1)), "best_epoch": info["best_epoch"]}
            out[f"frame head, its validation actors [{mode}]"] = info.pop("val")
            print(f"    frame head [{mode}]: {info}, {time.perf_counter() - t0:.0f} s", flush=True)
            out[f"frame head + handcrafted [{mode}]"] = evaluate.metrics(y[te], (p_fr + p_hand).argmax(1))
            out[f"frame head + enc logreg + handcrafted [{mode}]"] = evaluate.metrics(
                y[te], (p_fr + p_enc[C0] + p_hand).argmax(1)
            )
    return out


def _extract(manifest, args) -> tuple[Any, dict]:
    s = encoder.encoder_settings({"encoder_pool_stats": args.stats})
    cache = args.cache_dir
    fresh = cache is None
    if fresh:
        cache = Path(tempfile.mkdtemp(prefix="enc-cache-"))
    t0, c0 = time.perf_counter(), time.process_time()
    cold = encoder.extract_encoder(manifest, settings=s, cache_dir=cache, n_jobs=args.threads, progress=False)
    t_cold, cpu_cold = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    hot = encoder.extract_encoder(manifest, settings=s, cache_dir=cache, n_jobs=args.threads, progress=False)
    t_hit = time.perf_counter() - t0
    if not np.array_equal(hot.pooled, cold.pooled):
        raise SystemExit("cache hit differs from the cold run")
    info = {
        "n_files": len(manifest),
        "computed_files": cold.stats["computed_files"],
        "threads": args.threads,
        "cold_s": round(t_cold, 1),
        "cold_files_per_s": round(len(manifest) / t_cold, 1),
        "hit_s": round(t_hit, 2),
        # CPU seconds of this process: files per second that `threads` idle cores would give
        "cold_cpu_s": round(cpu_cold, 1),
        "files_per_cpu_s": round(len(manifest) / cpu_cold, 1),
        "cache": "fresh temp folder" if fresh else str(cache),
        "compute_type": s["compute_type"],
    }
    print(f"encoder extraction: {info}", flush=True)
    return hot, info


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring); returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--split", choices=("speaker", "random"), default="speaker")
    ap.add_argument("--stats", nargs="+", default=["mean", "std"], help="pooling statistics of the encoder frames")
    ap.add_argument("--logreg-C", type=float, nargs="+", default=[0.003, 0.01, 0.03])
    ap.add_argument("--no-nested", dest="nested", action="store_false")
    ap.add_argument("--svm", action="store_true", help="also an RBF SVM on the encoder statistics")
    ap.add_argument("--svm-C", type=float, default=10.0)
    ap.add_argument("--svm-gamma", type=float, default=1.0, help="RBF gamma as a multiple of 1 / n_features")
    ap.add_argument(
        "--fuse",
        type=float,
        nargs="*",
        default=[0.5],
        help="weights of the handcrafted classic model averaged with the encoder logreg",
    )
    ap.add_argument("--frame-head", action="store_true", help="also the Keras head over the encoder frames")
    ap.add_argument(
        "--nap", type=int, nargs="*", default=[], help="single clip: also with nuisance attribute projection, k dims"
    )
    ap.add_argument("--frame-head-set", nargs="*", default=[], metavar="KEY=VALUE", help="frame_head_* overrides")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, default=None, help="default: a fresh temp folder (a cold run)")
    ap.add_argument("--features-cache", type=Path, default=DEFAULT_CACHE, help="cache of the handcrafted features")
    ap.add_argument("--name", default=None)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    machine = _machine()
    cfg = config.resolve("full", **dict(kv.split("=", 1) for kv in args.frame_head_set))
    name = args.name or f"whisper-base encoder heads (stats {'+'.join(args.stats)})"
    print(f"experiment: {name}\ndata: {args.data_dir}; machine: {machine}", flush=True)
    manifest = corpus.scan(args.data_dir, vocal_channels=tuple(cfg["vocal_channels"]), n_jobs=2).manifest
    ef, ext = _extract(manifest, args)
    t0 = time.perf_counter()
    fs = features.extract(
        manifest, settings=features.feature_settings(cfg), cache_dir=args.features_cache, n_jobs=2, progress=False
    )
    print(f"handcrafted features: {time.perf_counter() - t0:.1f} s", flush=True)
    assert list(fs.index["file_id"]) == list(ef.index["file_id"])
    E, H = np.asarray(ef.pooled, np.float64), np.asarray(fs.pooled, np.float64)
    y, actors = fs.index["label"].to_numpy(), fs.index["actor"].to_numpy()

    if args.split == "random":
        sdf = split_mod.make_split(fs.index.reset_index(drop=True), config.resolve("full", split="random"))
        plan = [("random", (sdf["part"] == "test").to_numpy())]
    else:
        folds = split_mod.speaker_folds(manifest, n_folds=args.folds, seed=cfg["seed"])
        plan = [(f"fold {k} test actors {f}", np.isin(actors, f)) for k, f in enumerate(folds)]
    runs = []
    for label, te in plan:
        t_run = time.perf_counter()
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):  # 10x faster than threads fighting over 2 busy cores
            scores = _score_fold(E, H, y, actors, te, args, cfg, F=ef.frames if args.frame_head else None)
        print(label, flush=True)
        for k, v in scores.items():
            print(f"  {k:<58} {_fmt(v)}" + (f"  (C={v['C']:g})" if "C" in v else ""), flush=True)
        runs.append(
            {
                "label": label,
                "baselines": {k: {**_short(v), **({"C": v["C"]} if "C" in v else {})} for k, v in scores.items()},
                "wall_s": round(time.perf_counter() - t_run, 1),
            }
        )
    result: dict[str, Any] = {
        "name": name,
        "profile": "full",
        "overrides": {
            "encoder_pool_stats": args.stats,
            **({k: cfg[k] for k in cfg if k.startswith("frame_head")} if args.frame_head else {}),
        },
        "protocol": args.split,
        "folds": [r["label"] for r in runs],
        "n_folds": args.folds if args.split == "speaker" else 1,
        "runs": runs,
        "encoder_extraction": ext,
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine,
    }
    print("\nsummary")
    for key in runs[0]["baselines"]:
        s = _summary([r["baselines"][key] for r in runs])
        result.setdefault("summary", {})[key] = s
        print(f"  {key:<58} {_fmt_summary(s)}")
    result["minutes"] = round((time.perf_counter() - t_start) / 60, 2)
    print(f"  wall time: {result['minutes']:.1f} min")
    if not args.no_record:
        append_result(args.results, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
