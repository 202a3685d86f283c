"""Speaker-independent cross-validation of a recipe on real RAVDESS (issue 6).

For each actor fold (``split=speaker``, ``n_folds`` folds of
:func:`ser_utils.prep.split.speaker_folds`, gender-balanced), prepare the datasets exactly as
notebook 03 does (:func:`ser_utils.prep.prepare.prepare_datasets`), train the configured
model as notebook 04 does (:func:`ser_utils.models.recipe.fit_model`, early stopping on the fold's
validation actors), and score it on the fold's test actors, which it has never seen.
The classic model of the configuration (``classic_model``: SVM, logistic regression or
both, on the pooled vectors, trained on every non-test actor: it needs no validation
part) is scored on the same folds, twice: with global standardisation, and with
per-speaker standardisation of the pooled vectors (each actor standardised with its own
mean and std, test actors included: that uses unlabelled audio of the test speaker, so
both figures are printed).

With a model trained, the **bundle** is scored too, exactly as notebooks 04-05 build it:
the CRNN's probabilities averaged with those of the classic model fitted by
:func:`ser_utils.models.recipe.fit_classic` and fused by :func:`ser_utils.models.bundle.fuse`
(``fusion_weight``). ``--save-probs`` keeps each
fold's test probabilities (CRNN, classic, bundle) under ``artifacts/cv_probs/``.

With ``--split random`` the seeds' protocol is run instead: one stratified 80/20 split
(seed 42, 10 % of all files carved from training for validation), which lets every actor
appear in training and test.

Prints per-fold accuracy / UAR / macro-F1, mean +/- std (sample std over folds) and the
wall time, and appends one JSON line per experiment to ``benchmarks/results.jsonl``.

Usage (from anywhere)::

    python benchmarks/cv_speaker.py [--data-dir ../shared/data/ravdess-22k] [--profile full]
        [--folds 5] [--only-folds 0 1] [--split speaker|random] [-p NAME VALUE ...]
        [--name LABEL] [--baseline-only] [--save-probs]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from results_table import append_result  # noqa: E402

from ser_utils import (
    config,  # noqa: E402
    features,  # noqa: E402
)
from ser_utils.data import corpus as data  # noqa: E402
from ser_utils.evaluation import metrics as evaluate  # noqa: E402
from ser_utils.models import classic  # noqa: E402
from ser_utils.prep import prepare  # noqa: E402
from ser_utils.prep import split as split_mod
from ser_utils.prep.normalise import standardise_per_actor  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "ravdess-22k"
DEFAULT_CACHE = REPO / "artifacts" / "cache"
RESULTS = REPO / "benchmarks" / "results.jsonl"
_KEYS = ("accuracy", "uar", "macro_f1")


def _machine() -> dict[str, Any]:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover
        load = float("nan")
    return {"cpu": model, "cores": cores, "load_at_start": round(load, 2), "host": platform.node()}


def _short(m: dict[str, Any]) -> dict[str, float]:
    return {k: round(float(m[k]), 4) for k in _KEYS}


def _fmt(m: dict[str, Any]) -> str:
    return "  ".join(f"{k} {m[k]:.3f}" for k in _KEYS)


def _summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    s = evaluate.fold_summary(rows)
    return {k: {"mean": round(s[k]["mean"], 4), "std": round(s[k]["std"], 4)} for k in _KEYS}


def _fmt_summary(s: dict[str, dict[str, float]]) -> str:
    return "  ".join(f"{k} {s[k]['mean']:.3f} ± {s[k]['std']:.3f}" for k in _KEYS)


def _classic_metrics(
    P: np.ndarray, y: np.ndarray, tr: np.ndarray, te: np.ndarray, cfg: dict[str, Any]
) -> dict[str, Any]:
    model = classic.fit(
        P[tr], y[tr], kind=cfg["classic_model"], C_svm=cfg["classic_C"], C_logreg=cfg["classic_logreg_C"],
        gamma=cfg["classic_gamma"], seed=cfg["seed"],
    )
    probs = classic.probabilities(model, P[te], n_classes=len(config.EMOTIONS))
    return evaluate.metrics(y[te], probs.argmax(axis=1))


def _baselines(fs, split_df, cfg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The classic model on pooled vectors: train = every non-test file, test = the test part."""
    part = split_df["part"].to_numpy()
    tr, te = part != "test", part == "test"
    P = np.asarray(fs.pooled, np.float64)
    y = split_df["label"].to_numpy()
    actors = split_df["actor"].to_numpy()
    kind = cfg["classic_model"]
    return {
        kind: _short(_classic_metrics(P, y, tr, te, cfg)),
        f"{kind}_per_speaker": _short(_classic_metrics(standardise_per_actor(P, actors), y, tr, te, cfg)),
    }


def _train_and_score(
    fs, cfg: dict[str, Any], *, cache_dir: Path, log
) -> tuple[dict[str, Any], dict[str, Any], np.ndarray]:
    from ser_utils.models import bundle, recipe  # TensorFlow: only when a model is trained

    t0 = time.perf_counter()
    p = prepare.prepare_datasets(fs, cfg, cache_dir=cache_dir, progress=False)
    t_prep = time.perf_counter() - t0
    m, info = recipe.fit_model(cfg, p, log=log)
    probs = m.predict(p.X_test, batch_size=64, verbose=0)
    # the bundle's classic part, as notebook 04 fits it, and the bundle's fused prediction
    cmodel, cnorm, _ = recipe.fit_classic(cfg, p)
    p_classic = recipe.classic_probabilities(cmodel, cnorm, p.P_test, [int(a) for a in p.meta_test["actor"]])
    p_bundle = bundle.fuse(probs, p_classic, weight=cfg["fusion_weight"])
    extra_ids = p.meta_test["file_id"].astype(str).to_numpy()
    met = evaluate.metrics(p.y_test, probs.argmax(axis=1))
    extra = {
        "prep_s": round(t_prep, 1),
        "train_s": round(float(info["train_time_s"]), 1),
        "epochs_run": info["epochs_run"],
        "best_epoch": info["best_epoch"],
        "n_frames": p.settings["n_frames"],
        "n_train_rows": int(len(p.y_train)),
        "n_test": int(len(p.y_test)),
        "params": int(m.count_params()),
        "test_file_ids": extra_ids,
        "y_test": np.asarray(p.y_test),
        "p_classic": p_classic,
        "p_bundle": p_bundle,
    }
    return met, extra, probs


def main(argv: list[str] | None = None) -> int:
    """The command line: parse ``argv`` and run the benchmark.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments without the program name; None = ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status (0).
    """
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--profile", default="full", choices=sorted(config.PROFILES))
    ap.add_argument("--folds", type=int, default=5, help="actor folds (n_folds)")
    ap.add_argument("--only-folds", type=int, nargs="+", default=None, help="run only these folds (screening)")
    ap.add_argument("--split", choices=("speaker", "random"), default="speaker")
    ap.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    ap.add_argument("--name", default=None, help="label of the experiment in results.jsonl")
    ap.add_argument("--baseline-only", action="store_true", help="only the SVM baselines (no CRNN)")
    ap.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    ap.add_argument(
        "--save-probs", action="store_true", help="save each fold's test probabilities under artifacts/cv_probs/"
    )
    ap.add_argument("--no-record", action="store_true", help="do not append to results.jsonl")
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    machine = _machine()
    overrides = {k: config.parse_value(v) for k, v in args.param}
    base_cfg = config.resolve(args.profile, **overrides)
    name = args.name or (args.profile + ("" if not overrides else " " + json.dumps(overrides, sort_keys=True)))
    print(f"experiment: {name}\nprotocol: {args.split}; data: {args.data_dir}; machine: {machine}", flush=True)

    scan = data.scan(args.data_dir, vocal_channels=tuple(base_cfg["vocal_channels"]), n_jobs=2)
    manifest = scan.manifest
    print(
        f"{len(manifest)} files ({len(scan.skipped)} skipped); actors {sorted(manifest['actor'].unique().tolist())}",
        flush=True,
    )
    t0 = time.perf_counter()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    fs = features.extract(
        manifest, settings=features.feature_settings(base_cfg), cache_dir=args.cache_dir, n_jobs=2, progress=False
    )
    t_feat = time.perf_counter() - t0
    print(f"features: {t_feat:.1f} s ({fs.stats})", flush=True)

    log = None if args.quiet else (lambda s: print("    " + s, flush=True))
    if not args.baseline_only:
        from ser_utils.models import train

        train.configure_threads()

    runs: list[dict[str, Any]] = []
    if args.split == "random":
        plan = [("random", dict(split="random"))]
    else:
        folds = split_mod.speaker_folds(manifest, n_folds=args.folds, seed=base_cfg["seed"])
        ks = args.only_folds if args.only_folds is not None else list(range(args.folds))
        plan = [(f"fold {k} test actors {folds[k]}", dict(split="speaker", n_folds=args.folds, fold=k)) for k in ks]

    for label, extra_cfg in plan:
        cfg = config.resolve(args.profile, **{**overrides, **extra_cfg})
        split_df = split_mod.make_split(fs.index.reset_index(drop=True), cfg)  # as prepare_datasets does
        actors = split_mod.actors_by_part(split_df)
        t_run = time.perf_counter()
        row: dict[str, Any] = {"label": label, "actors": actors}
        row["baselines"] = _baselines(fs, split_df, cfg)
        print(f"{label}: val actors {actors.get('val')}", flush=True)
        for k, v in row["baselines"].items():
            print(f"  {k:<18} {_fmt(v)}", flush=True)
        if not args.baseline_only:
            met, extra, probs = _train_and_score(fs, cfg, cache_dir=args.cache_dir, log=log)
            ids, y_test = extra.pop("test_file_ids"), extra.pop("y_test")
            p_classic, p_bundle = extra.pop("p_classic"), extra.pop("p_bundle")
            row["model"] = _short(met)
            row.update(extra)
            key = f"bundle: {cfg['model']} + {cfg['classic_model']}, w={cfg['fusion_weight']:g}"
            if cfg["fusion_weight"] > 0:
                fused = evaluate.metrics(y_test, p_bundle.argmax(axis=1))
                row["baselines"][key] = _short(fused)
                print(f"  {key:<18} {_fmt(fused)}", flush=True)
            if args.save_probs:
                out = REPO / "artifacts" / "cv_probs" / "".join(c if c.isalnum() else "_" for c in name)[:80]
                out.mkdir(parents=True, exist_ok=True)
                arrays = {
                    "file_id": ids.astype(str), "y_test": y_test, "p_model": probs.astype(np.float32),
                    "p_classic": p_classic.astype(np.float32), "p_bundle": p_bundle.astype(np.float32),
                }
                np.savez(out / f"{plan.index((label, extra_cfg))}.npz", **arrays)
            print(
                f"  {cfg['model']:<18} {_fmt(met)}   (train {extra['train_s']:.0f} s, {extra['epochs_run']} epochs, "
                f"best {extra['best_epoch']}, n_frames {extra['n_frames']})",
                flush=True,
            )
        row["wall_s"] = round(time.perf_counter() - t_run, 1)
        runs.append(row)

    total_min = (time.perf_counter() - t_start) / 60
    result: dict[str, Any] = {
        "name": name,
        "profile": args.profile,
        "overrides": overrides,
        "protocol": args.split,
        "folds": [r["label"] for r in runs],
        "n_folds": args.folds if args.split == "speaker" else 1,
        "runs": runs,
        "minutes": round(total_min, 2),
        "feature_s": round(t_feat, 1),
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine,
    }
    print("\nsummary" + (f" over {len(runs)} fold(s)" if args.split == "speaker" else ""))
    for key in ["model"] * (not args.baseline_only) + list(runs[0]["baselines"]):
        rows = [r[key] if key == "model" else r["baselines"][key] for r in runs]
        s = _summary(rows)
        result.setdefault("summary", {})[key if key != "model" else base_cfg["model"]] = s
        print(f"  {(key if key != 'model' else base_cfg['model']):<18} {_fmt_summary(s)}")
    if not args.baseline_only:
        tt = [r["train_s"] for r in runs]
        result["train_s_mean"] = round(float(np.mean(tt)), 1)
        print(f"  training per fold: {np.mean(tt):.0f} s mean ({min(tt):.0f}-{max(tt):.0f})")
    print(f"  wall time: {total_min:.1f} min (features {t_feat:.0f} s)")
    if not args.no_record:
        append_result(args.results, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
