"""How many clips of a speaker per-speaker statistics need (issue 11, item 4).

Per-speaker standardisation of a new speaker uses the statistics of the clips given for
that speaker. With one clip the "statistics" are the clip itself (std 0): the defect
the issue measured (UAR 0.32). This script measures, over the speaker folds of real
RAVDESS, the UAR of per-speaker prediction when only ``k`` clips of each test speaker
are given together (``k`` random clips, their own mean and std; ``--reps`` draws), beside
single-clip prediction of the same clips (no statistics of the test speaker: models
trained on globally standardised vectors). The smallest ``k`` whose per-speaker UAR is
above the single-clip UAR (by more than the spread of the draws) is the threshold the
predict command uses.

Models: logistic regression (C = 0.01) on the encoder statistics (mean + std) averaged
with a logistic regression on the ``full`` profile's handcrafted pooled vectors (w = 0.5),
trained on every non-test actor of the fold.

Usage::

    python benchmarks/min_clips.py [--data-dir ../shared/data/ravdess-22k] [--ks 1 2 4 8 16 32] [--reps 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np

from ser_utils import (
    config,
    features,
)
from ser_utils.data import corpus
from ser_utils.evaluation import metrics as evaluate
from ser_utils.features import encoder
from ser_utils.prep import split as split_mod
from ser_utils.prep.normalise import standardise_per_actor

N_CLASSES = len(config.EMOTIONS)


def _fit(X: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=3000, class_weight="balanced")).fit(
        X.astype(np.float32), y
    )


def _p(models, Xs) -> np.ndarray:
    out = np.zeros((Xs[0].shape[0], N_CLASSES))
    for m, X in zip(models, Xs):
        p = np.zeros_like(out)
        p[:, m.classes_] = m.predict_proba(X.astype(np.float32))
        out += p / len(models)
    return out


def _own_stats(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(0)) / np.maximum(X.std(0), 1e-8)


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring); returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "ravdess-22k")
    ap.add_argument("--cache-dir", type=Path, default=REPO / "artifacts" / "cache")
    ap.add_argument("--ks", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    cfg = config.resolve("full")
    m = corpus.scan(args.data_dir, n_jobs=2).manifest
    E = encoder.extract_encoder(
        m, settings=encoder.encoder_settings({}), cache_dir=args.cache_dir, progress=False
    ).pooled.astype(np.float64)
    H = features.extract(
        m, settings=features.feature_settings(cfg), cache_dir=args.cache_dir, progress=False
    ).pooled.astype(np.float64)
    y, actors = m["label"].to_numpy(), m["actor"].to_numpy()
    rng = np.random.default_rng(0)
    rows: dict[int, dict[str, list]] = {k: {"per_speaker": [], "single_clip": []} for k in args.ks}
    Es, Hs = standardise_per_actor(E, actors), standardise_per_actor(H, actors)
    for fold in split_mod.speaker_folds(m, n_folds=5, seed=42):
        te = np.isin(actors, fold)
        with threadpool_limits(limits=1, user_api="blas"):
            spk = [_fit(Es[~te], y[~te]), _fit(Hs[~te], y[~te])]
            glob = [_fit(E[~te], y[~te]), _fit(H[~te], y[~te])]
        p_glob = _p(glob, [E, H])
        for k in args.ks:
            for _ in range(args.reps):
                idx = np.concatenate(
                    [
                        rng.choice(np.flatnonzero(actors == a), size=min(k, int((actors == a).sum())), replace=False)
                        for a in fold
                    ]
                )
                Xe = np.concatenate([_own_stats(E[idx][actors[idx] == a]) for a in fold])
                Xh = np.concatenate([_own_stats(H[idx][actors[idx] == a]) for a in fold])
                order = np.concatenate([idx[actors[idx] == a] for a in fold])
                rows[k]["per_speaker"].append(evaluate.metrics(y[order], _p(spk, [Xe, Xh]).argmax(1))["uar"])
                rows[k]["single_clip"].append(evaluate.metrics(y[order], p_glob[order].argmax(1))["uar"])
        print(f"fold {fold} done", flush=True)
    out = {}
    for k in args.ks:
        ps, sc = np.array(rows[k]["per_speaker"]), np.array(rows[k]["single_clip"])
        out[k] = {
            "per_speaker": round(float(ps.mean()), 4),
            "per_speaker_std": round(float(ps.std()), 4),
            "single_clip": round(float(sc.mean()), 4),
            "single_clip_std": round(float(sc.std()), 4),
        }
        print(
            f"k={k:>3}  per-speaker UAR {ps.mean():.3f} ± {ps.std():.3f}   "
            f"single-clip UAR {sc.mean():.3f} ± {sc.std():.3f}",
            flush=True,
        )
    print(json.dumps({"min_clips_curve": out}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
