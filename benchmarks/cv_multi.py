"""More voices: the heads trained on several corpora, scored per corpus on speaker folds (issue 18).

The heads of ``cv_encoder.py`` (logistic regression on the Whisper-base encoder's mean + std,
``encoder_C`` of the ``full`` profile; the ``full`` profile's classic model on the handcrafted
pooled vectors; their average with weight ``--fuse``), trained on one or more **training sets**
of corpora and scored on the unseen speakers of every corpus, in the same run with the same
folds:

1. **Folds**: for each corpus separately, :func:`ser_utils.prep.split.speaker_folds`
   (``--folds``, seed 42; a corpus with fewer speakers gets one fold per speaker: TESS 2,
   SAVEE 4). Fold ``k``'s test part is the union of every corpus's fold ``k``; RAVDESS's
   folds are those of ``cv_encoder.py`` (same test actors).
2. **Training**: for each ``--train-sets`` entry (corpora joined by ``+``; ``all`` = every
   corpus scanned), every speaker of those corpora outside fold ``k``. No setting is chosen
   on the reported folds: C, the classic model and the fusion weight are the ``full``
   profile's fixed values.
3. **Scores**: UAR (accuracy, macro-F1) of each test corpus separately, over the classes
   present in it (a ``calm`` prediction on a CREMA-D file is an error), in both prediction
   modes: *per-speaker* (each speaker's vectors standardised with its own statistics) and
   *single clip* (a scaler fitted on the training rows only). ``--restricted`` also scores
   the probabilities restricted to the corpus's own classes (as ``cross_corpus`` does).
4. ``--perturb`` (optional): speed- or pitch-perturbed copies of the training RAVDESS audio
   (written once to ``--perturb-dir``, outside the repository) added to the training rows of
   every training set holding RAVDESS, as extra training sets suffixed ``+perturbed``.

Each fold prints one line per (training set, head, mode) with the UAR of every test corpus;
the summary gives the mean +/- std over the folds holding that corpus; one JSON line is
appended to ``benchmarks/results.jsonl``.

Usage::

    python benchmarks/cv_multi.py --data-dirs ../shared/data/ravdess-22k /data/crema-d /data/tess /data/savee
        [--train-sets ravdess all] [--folds 5] [--classic-model logreg] [--fuse 0.5]
        [--cache-dir DIR] [--features-cache DIR] [--perturb speed:0.9 speed:1.1 --perturb-dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import cv_encoder as cve
import numpy as np
import pandas as pd
from results_table import append_result

from ser_utils import config, features
from ser_utils.data import corpus
from ser_utils.data.corpora import CORPORA, CORPUS_EMOTIONS
from ser_utils.evaluation import metrics as evaluate
from ser_utils.features import cache as feature_cache
from ser_utils.features import encoder
from ser_utils.models import classic
from ser_utils.prep import split as split_mod
from ser_utils.prep.normalise import standardise_per_actor

DEFAULT_DIRS = [
    REPO.parent / "shared" / "data" / "ravdess-22k",
    REPO.parent / "shared" / "data" / "cross-corpus-samples",
]
RESULTS = REPO / "benchmarks" / "results.jsonl"
N_CLASSES = cve.N_CLASSES
_KEYS = cve._KEYS


def corpus_folds(manifest: pd.DataFrame, *, n_folds: int, seed: int) -> dict[str, list[list[int]]]:
    """Speaker folds of each corpus separately.

    Parameters
    ----------
    manifest : pd.DataFrame
        Rows of every corpus (``corpus``, ``actor``, ``gender`` columns).
    n_folds : int
        Folds per corpus; a corpus with fewer speakers gets one fold per speaker.
    seed : int

    Returns
    -------
    dict
        corpus name -> list of folds (sorted actor numbers), in :data:`CORPORA` order.
    """
    out = {}
    for c in [c for c in CORPORA if c in set(manifest["corpus"])]:
        sub = manifest[manifest["corpus"] == c]
        out[c] = split_mod.speaker_folds(sub, n_folds=min(n_folds, sub["actor"].nunique()), seed=seed)
    return out


def _parse_train_sets(specs: list[str], present: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    sets = []
    for spec in specs:
        names = tuple(present) if spec == "all" else tuple(spec.split("+"))
        unknown = [n for n in names if n not in present]
        if unknown:
            raise SystemExit(f"training set {spec!r}: corpora {unknown} not scanned (present: {present})")
        sets.append(("+".join(names), names))
    return sets


def _restricted(p: np.ndarray, corpus_name: str) -> np.ndarray:
    """The probabilities of the corpus's own classes only (others set to 0)."""
    keep = [config.EMOTIONS.index(e) for e in CORPUS_EMOTIONS[corpus_name]]
    q = np.zeros_like(p)
    q[:, keep] = p[:, keep]
    return q


def _perturbed_manifest(manifest: pd.DataFrame, specs: list[str], out_dir: Path) -> pd.DataFrame:
    """Speed (``speed:F``: resampled, tempo and pitch together) or pitch (``pitch:S`` semitones) copies.

    Written once as 22,050 Hz 16-bit WAV under ``out_dir/<spec>/``; rows keep the original's
    labels and actor, with ``file_id`` suffixed by the spec and ``perturbed`` naming it.
    """
    import librosa
    import soundfile as sf

    from ser_utils.data import audio

    rows = []
    sr = 22050
    for spec in specs:
        kind, val = spec.split(":")
        folder = out_dir / spec.replace(":", "_")
        folder.mkdir(parents=True, exist_ok=True)
        t0, made = time.perf_counter(), 0
        for r in manifest.itertuples(index=False):
            dst = folder / f"{r.file_id}.wav"
            if not dst.exists():
                y = audio.load(r.path, sr=sr)
                if kind == "speed":
                    # played F times faster: resample to sr / F and read back at sr
                    z = librosa.resample(y, orig_sr=sr, target_sr=int(round(sr / float(val))), res_type="soxr_hq")
                elif kind == "pitch":
                    z = librosa.effects.pitch_shift(y, sr=sr, n_steps=float(val))
                else:
                    raise SystemExit(f"unknown perturbation {spec!r} (speed:F or pitch:S)")
                tmp = dst.with_suffix(".tmp.wav")
                sf.write(tmp, np.clip(z, -1, 1), sr, subtype="PCM_16")
                tmp.rename(dst)
                made += 1
            d = r._asdict()
            d.update(path=str(dst), file_id=f"{r.file_id}~{spec}", sha1=None, perturbed=spec)
            rows.append(d)
        print(
            f"perturbed {spec}: {made} written, {len(manifest) - made} already there, {time.perf_counter() - t0:.0f} s"
        )
    out = pd.DataFrame(rows)
    out["sha1"] = [feature_cache.content_sha1(p) for p in out["path"]]
    return out


def _features(manifest: pd.DataFrame, cfg: dict, args) -> tuple[np.ndarray, np.ndarray, dict]:
    """Encoder (mean + std) and handcrafted pooled vectors of every row, both cached."""
    t0 = time.perf_counter()
    s = encoder.encoder_settings({"encoder_pool_stats": ["mean", "std"]})
    ef = encoder.extract_encoder(manifest, settings=s, cache_dir=args.cache_dir, n_jobs=args.threads, progress=False)
    t_enc = time.perf_counter() - t0
    t0 = time.perf_counter()
    fs = features.extract(
        manifest,
        settings=features.feature_settings(cfg),
        cache_dir=args.features_cache,
        n_jobs=args.threads,
        progress=False,
    )
    t_hand = time.perf_counter() - t0
    if list(fs.index["file_id"]) != list(ef.index["file_id"]):
        raise SystemExit("encoder and handcrafted rows differ")
    info = {
        "encoder_s": round(t_enc, 1),
        "encoder_computed": ef.stats["computed_files"],
        "handcrafted_s": round(t_hand, 1),
    }
    return np.asarray(ef.pooled, np.float64), np.asarray(fs.pooled, np.float64), info


def corpus_weights(corpora: np.ndarray) -> np.ndarray:
    """Sample weights giving every corpus the same total weight (mean weight 1).

    Parameters
    ----------
    corpora : np.ndarray of str, shape (n,)
        The corpus of each training row.

    Returns
    -------
    np.ndarray, float64, shape (n,)
        ``n / (n_corpora * n_rows_of_that_corpus)`` for each row.
    """
    names, inv, counts = np.unique(corpora, return_inverse=True, return_counts=True)
    return len(corpora) / (len(names) * counts[inv].astype(np.float64))


def _weighted_logreg(X: np.ndarray, y: np.ndarray, C: float, seed: int, w: np.ndarray):
    """``cv_encoder._logreg`` (= the classic model's logreg part) fitted with sample weights on the loss."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    m = make_pipeline(
        StandardScaler(), LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=seed)
    )
    return m.fit(X, y, logisticregression__sample_weight=w)


def _score_heads(
    out: dict[str, dict],
    name: str,
    heads: dict[str, np.ndarray],
    mode: str,
    y: np.ndarray,
    corp: np.ndarray,
    test_corpora: list[str],
    args,
) -> None:
    """Each head's metrics on each test corpus (and on its own classes with ``--restricted``) into ``out``."""
    for head, p in heads.items():
        for c in test_corpora:
            rows = corp == c
            m = evaluate.metrics(y[rows], p[rows].argmax(1))
            m["recall"] = {e: round(v["recall"], 4) for e, v in m["per_class"].items() if e in m["averaged_over"]}
            out[f"{name} | {head} [{mode}] @ {c}"] = m
            if args.restricted and c != "ravdess":
                pr = _restricted(p[rows], c)
                out[f"{name} | {head} [{mode}] @ {c} (own classes)"] = evaluate.metrics(y[rows], pr.argmax(1))


def _score_fold(
    E: np.ndarray,
    H: np.ndarray,
    idx: pd.DataFrame,
    te: np.ndarray,
    train_sets,
    args,
    cfg,
    aug: tuple[np.ndarray, np.ndarray, pd.DataFrame] | None = None,
) -> tuple[dict[str, dict], dict[str, float]]:
    """Every (training set, head, mode) on one fold, scored on each test corpus."""
    y, actors, corp = idx["label"].to_numpy(), idx["actor"].to_numpy(), idx["corpus"].to_numpy()
    test_corpora = [c for c in CORPORA if (te & (corp == c)).any()]
    present = [c for c in CORPORA if c in set(corp)]
    out: dict[str, dict] = {}
    fit_s: dict[str, float] = {}
    plans = [(name, names, False, False) for name, names in train_sets]
    if args.corpus_balance:
        plans += [(f"{name} (corpus-balanced)", names, False, True) for name, names in train_sets if len(names) > 1]
    if aug is not None:
        plans += [(f"{name}+perturbed", names, True, False) for name, names in train_sets if "ravdess" in names]
    for mode in ("per_speaker", "single_clip"):
        fused: dict[str, dict[str, np.ndarray]] = {}
        Em = standardise_per_actor(E, actors) if mode == "per_speaker" else E
        Hm = standardise_per_actor(H, actors) if mode == "per_speaker" else H
        if aug is not None:
            Ea, Ha, ia = aug
            a_act = ia["actor"].to_numpy()
            a_tr = ~np.isin(a_act, np.unique(actors[te]))  # copies of training actors only
            # a perturbed copy is its own "speaker" for the per-speaker statistics
            key = a_act * 100 + pd.factorize(ia["perturbed"])[0]
            Ea_m = standardise_per_actor(Ea, key) if mode == "per_speaker" else Ea
            Ha_m = standardise_per_actor(Ha, key) if mode == "per_speaker" else Ha
        for name, names, with_aug, balanced in plans:
            tr = ~te & np.isin(corp, names)
            Etr, Htr, ytr = Em[tr], Hm[tr], y[tr]
            if with_aug:
                Etr = np.concatenate([Etr, Ea_m[a_tr]])
                Htr = np.concatenate([Htr, Ha_m[a_tr]])
                ytr = np.concatenate([ytr, ia["label"].to_numpy()[a_tr]])
            t0 = time.perf_counter()
            if balanced:
                w = corpus_weights(corp[tr])
                p_enc = cve._probs(
                    _weighted_logreg(Etr.astype(np.float32), ytr, cfg["encoder_C"], cfg["seed"], w), Em[te]
                )
                t1 = time.perf_counter()
                p_hand = cve._probs(_weighted_logreg(Htr, ytr, cfg["classic_logreg_C"], cfg["seed"], w), Hm[te])
            else:
                p_enc = cve._probs(cve._logreg(Etr, ytr, cfg["encoder_C"], cfg["seed"]), Em[te])
                t1 = time.perf_counter()
                p_hand = classic.probabilities(classic.fit_configured(Htr, ytr, cfg), Hm[te], n_classes=N_CLASSES)
            fit_s[f"{name} [{mode}] n_train={len(ytr)}"] = {
                "encoder_logreg_s": round(t1 - t0, 1),
                "classic_s": round(time.perf_counter() - t1, 1),
            }
            heads = {"enc logreg": p_enc, cfg["classic_model"]: p_hand}
            for w in args.fuse:
                heads[f"enc + {cfg['classic_model']} w={w:g}"] = (1 - w) * p_enc + w * p_hand
            fused[name] = heads
            _score_heads(out, name, heads, mode, y[te], corp[te], test_corpora, args)
        for spec in args.ensembles:
            a, b = (_parse_train_sets([x], present)[0][0] for x in spec.split("&"))
            heads = {h: 0.5 * (fused[a][h] + fused[b][h]) for h in fused[a]}
            _score_heads(out, f"{a} & {b} (mean of the two)", heads, mode, y[te], corp[te], test_corpora, args)
    return out, fit_s


def _print_fold(label: str, scores: dict[str, dict]) -> None:
    print(label, flush=True)
    lines: dict[str, list[str]] = {}
    for k, v in scores.items():
        left, c = k.rsplit(" @ ", 1)
        lines.setdefault(left, []).append(f"{c} {v['uar']:.3f}")
    for left, cells in lines.items():
        print(f"  {left:<64} UAR " + "  ".join(cells), flush=True)


def markdown_table(result: dict[str, Any], *, own_classes: bool = False) -> str:
    """The summary of one recorded run as a markdown table: UAR mean ± std per test corpus.

    Parameters
    ----------
    result : dict
        One line of ``results.jsonl`` written by this script.
    own_classes : bool
        Show the scores restricted to each corpus's own classes instead.

    Returns
    -------
    str
        One row per (training set, head, mode), one column per test corpus.
    """
    corpora = [c for c in CORPORA if c in result["data"]["files"]]
    rows: dict[str, dict[str, str]] = {}
    for key, s in result["summary"].items():
        left, c = key.rsplit(" @ ", 1)
        if c.endswith(" (own classes)") != own_classes:
            continue
        rows.setdefault(left, {})[c.replace(" (own classes)", "")] = f"{s['uar']['mean']:.3f} ± {s['uar']['std']:.3f}"
    head = "| training set | head [mode] | " + " | ".join(corpora) + " |"
    lines = [head, "|" + "---|" * (len(corpora) + 2)]
    for left, cells in rows.items():
        tset, rest = left.split(" | ", 1)
        lines.append(f"| {tset} | {rest} | " + " | ".join(cells.get(c, "–") for c in corpora) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring); returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dirs", type=Path, nargs="+", default=DEFAULT_DIRS)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument(
        "--train-sets",
        nargs="+",
        default=["ravdess", "all"],
        help="training sets: corpora joined by '+' (ravdess, crema-d, tess, savee), or 'all'",
    )
    ap.add_argument("--classic-model", choices=classic.KINDS, default=None, help="default: the full profile's")
    ap.add_argument("--fuse", type=float, nargs="+", default=[0.5], help="weights of the classic model in the fusion")
    ap.add_argument("--restricted", action="store_true", help="also score on each corpus's own classes")
    ap.add_argument(
        "--ensembles",
        nargs="*",
        default=[],
        metavar="A&B",
        help="also the mean of two training sets' probabilities, e.g. 'ravdess&all' (both among --train-sets)",
    )
    ap.add_argument(
        "--corpus-balance",
        action="store_true",
        help="also each multi-corpus training set with sample weights giving every corpus the same total weight "
        "(both heads logistic regressions: needs --classic-model logreg)",
    )
    ap.add_argument("--perturb", nargs="*", default=[], help="speed:F or pitch:S copies of the training RAVDESS audio")
    ap.add_argument("--perturb-dir", type=Path, default=None, help="where the perturbed copies are written")
    ap.add_argument("--max-folds", type=int, default=None, help="score only the first N folds (a quick check)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, default=None, help="encoder cache (default: none)")
    ap.add_argument("--features-cache", type=Path, default=None, help="handcrafted feature cache (default: none)")
    ap.add_argument("--name", default=None)
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--no-record", action="store_true")
    ap.add_argument(
        "--table",
        type=int,
        default=None,
        metavar="N",
        help="only print the markdown table of the N-th last line of --results written by this script (1 = last)",
    )
    args = ap.parse_args(argv)
    if args.table is not None:
        mine = [json.loads(ln) for ln in args.results.read_text(encoding="utf-8").splitlines() if '"train_sets"' in ln]
        res = mine[-args.table]
        print(
            f"{res['name']} ({res['date']})\n\n{markdown_table(res)}\n\nown classes only:\n\n"
            f"{markdown_table(res, own_classes=True)}"
        )
        return 0
    if args.corpus_balance and args.classic_model != "logreg":
        raise SystemExit("--corpus-balance weights logistic regressions only: add --classic-model logreg")
    if args.perturb and args.perturb_dir is None:
        raise SystemExit("--perturb needs --perturb-dir (outside the repository)")

    t_start = time.perf_counter()
    machine = cve._machine()
    over = {"classic_model": args.classic_model} if args.classic_model else {}
    cfg = config.resolve("full", **over)
    name = args.name or f"more voices: heads trained on {' vs '.join(args.train_sets)}"
    print(f"experiment: {name}\ndata: {[str(d) for d in args.data_dirs]}; machine: {machine}", flush=True)
    t0 = time.perf_counter()
    scan = corpus.scan(args.data_dirs, vocal_channels=tuple(cfg["vocal_channels"]), n_jobs=2)
    manifest = scan.manifest
    counts = manifest.groupby("corpus").agg(files=("file_id", "size"), speakers=("actor", "nunique"))
    print(f"scan {time.perf_counter() - t0:.0f} s, skipped {scan.skip_counts}\n{counts}", flush=True)
    present = [c for c in CORPORA if c in set(manifest["corpus"])]
    train_sets = _parse_train_sets(args.train_sets, present)

    E, H, ext = _features(manifest, cfg, args)
    print(f"features: {ext}", flush=True)
    idx = manifest.reset_index(drop=True)
    aug = None
    if args.perturb:
        rav = idx[idx["corpus"] == "ravdess"]
        am = _perturbed_manifest(rav, args.perturb, args.perturb_dir)
        Ea, Ha, ext_a = _features(am, cfg, args)
        ext["perturbed"] = ext_a
        print(f"perturbed features: {ext_a}", flush=True)
        aug = (Ea, Ha, am.reset_index(drop=True))

    folds = corpus_folds(manifest, n_folds=args.folds, seed=cfg["seed"])
    n_plan = max(len(f) for f in folds.values())
    if args.max_folds:
        n_plan = min(n_plan, args.max_folds)
    runs = []
    from threadpoolctl import threadpool_limits

    for k in range(n_plan):
        test = {c: f[k] for c, f in folds.items() if k < len(f)}
        te = np.isin(idx["actor"].to_numpy(), [a for fa in test.values() for a in fa])
        label = f"fold {k} test speakers " + "; ".join(f"{c} {a}" for c, a in test.items())
        t_run = time.perf_counter()
        with threadpool_limits(limits=1, user_api="blas"):
            scores, fit_s = _score_fold(E, H, idx, te, train_sets, args, cfg, aug=aug)
        _print_fold(label, scores)
        wall = time.perf_counter() - t_run
        print(f"  fits (s): {fit_s}; fold {wall:.0f} s", flush=True)
        runs.append(
            {
                "label": label,
                "test_speakers": test,
                "scores": {
                    k2: {**cve._short(v), "n": v["n"], **({"recall": v["recall"]} if "recall" in v else {})}
                    for k2, v in scores.items()
                },
                "fit_s": fit_s,
                "wall_s": round(wall, 1),
            }
        )
    result: dict[str, Any] = {
        "name": name,
        "profile": "full",
        "overrides": {**over, "encoder_pool_stats": ["mean", "std"], "fuse": args.fuse},
        "protocol": "speaker folds per corpus, test = union of each corpus's fold k",
        "data": {
            "dirs": [str(d) for d in args.data_dirs],
            "files": {c: int(n) for c, n in counts["files"].items()},
            "speakers": {c: int(n) for c, n in counts["speakers"].items()},
            "skipped": scan.skip_counts,
            **({"perturbed": args.perturb} if args.perturb else {}),
        },
        "train_sets": [n for n, _ in train_sets],
        "folds": {c: f for c, f in folds.items()},
        "n_folds": args.folds,
        "runs": runs,
        "extraction": ext,
        "command": "python benchmarks/cv_multi.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine,
    }
    print("\nsummary (mean ± std over the folds holding each test corpus)")
    keys = list(dict.fromkeys(k for r in runs for k in r["scores"]))
    for key in keys:
        vals = [r["scores"][key] for r in runs if key in r["scores"]]
        s = cve._summary(vals)
        rec = [v["recall"] for v in vals if "recall" in v]
        mean_recall = {e: round(float(np.mean([r[e] for r in rec if e in r])), 4) for e in rec[0]} if rec else {}
        result.setdefault("summary", {})[key] = {**s, "n_folds": len(vals), **({"recall": mean_recall} if rec else {})}
        print(f"  {key:<80} {cve._fmt_summary(s)}  ({len(vals)} folds)")
    result["minutes"] = round((time.perf_counter() - t_start) / 60, 2)
    print(f"  wall time: {result['minutes']:.1f} min\n\n{markdown_table(result)}")
    if not args.no_record:
        append_result(args.results, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
