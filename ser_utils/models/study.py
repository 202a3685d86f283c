r"""A hyper-parameter study with Optuna over speaker folds of the training actors only.

The objective is the mean UAR, over inner speaker folds of the **training actors** (the
test actors are left out before anything else), of the bundle's linear parts in one
prediction mode: a logistic regression on the encoder statistics (``encoder_C``) averaged
(``encoder_weight``) with a logistic regression on the handcrafted pooled vectors
(``classic_logreg_C``), each per-speaker standardised (``--mode per_speaker``) or not
(``single_clip``); the pooled statistics of the encoder frames (``encoder_pool_stats``)
are searched too. Each trial reports its running mean after every fold, so the median
pruner stops poor trials early.

The study lives in an SQLite database under the artifacts folder
(``<artifacts>/optuna/<name>.db``): a killed study resumes where it stopped with the same
command. At the end the best settings are written as ``<artifacts>/optuna/<name>_best.json``
(``{"overrides": {...}}``: parameters a profile or ``-p NAME VALUE`` takes) and the
optimisation history as ``<name>_history.png``.

Usage::

    python -m ser_utils.models.study --data-dir ../shared/data/ravdess-22k --test-actors 17 18 19 20 \\
        [--trials 30] [--mode per_speaker|single_clip] [--name NAME] [--artifacts-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..config import POOL_STATS, default_artifacts_dir, resolve
from ..errors import ConfigError
from ..files import write_json
from .modes import uar

__all__ = ["STAT_CHOICES", "objective_data", "make_objective", "run_study", "main"]

#: The encoder pooling statistics the study may choose (names of POOL_STATS joined by "+").
STAT_CHOICES: tuple[str, ...] = ("mean+std", "mean+std+p10+p50+p90", "mean+std+delta_std+slope")


def _logreg(X: np.ndarray, y: np.ndarray, C: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000, class_weight="balanced")).fit(
        X.astype(np.float32), y
    )


def _proba(m, X: np.ndarray, n: int = 8) -> np.ndarray:
    out = np.zeros((len(X), n))
    out[:, m.classes_] = m.predict_proba(X.astype(np.float32))
    return out


def objective_data(
    E_all: np.ndarray, H: np.ndarray, y: np.ndarray, actors: np.ndarray, *, test_actors: list[int]
) -> dict[str, Any]:
    """The study's data: training actors' rows only (every row of a test actor dropped here).

    Parameters
    ----------
    E_all : np.ndarray, shape (n, len(POOL_STATS) * 512)
        Encoder statistics with every statistic (the cache records' ``stats``).
    H : np.ndarray, shape (n, d)
        Handcrafted pooled vectors.
    y, actors : np.ndarray of int, shape (n,)
    test_actors : list of int
        Actors held out of the study.
    """
    keep = ~np.isin(actors, test_actors)
    if keep.all() and test_actors:
        raise ConfigError(f"none of the test actors {test_actors} is in the data")
    return {"E": E_all[keep], "H": H[keep], "y": y[keep], "actors": actors[keep], "test_actors": list(test_actors)}


def _encoder_columns(stats: str, d: int = 512) -> np.ndarray:
    return np.concatenate([np.arange(d) + d * POOL_STATS.index(s) for s in stats.split("+")])


def make_objective(data: dict[str, Any], *, mode: str, n_folds: int = 4, seed: int = 42):
    """The Optuna objective: mean UAR over ``n_folds`` speaker folds of ``data`` (training actors only)."""
    import optuna
    import pandas as pd

    from ..prep import split as split_mod
    from ..prep.normalise import standardise_per_actor

    folds = split_mod.speaker_folds(pd.DataFrame({"actor": data["actors"]}), n_folds=n_folds, seed=seed)
    a, y = data["actors"], data["y"]

    def objective(trial: optuna.Trial) -> float:
        C_e = trial.suggest_float("encoder_C", 1e-3, 1e-1, log=True)
        C_h = trial.suggest_float("classic_logreg_C", 1e-3, 1e-1, log=True)
        w = trial.suggest_float("encoder_weight", 0.0, 1.0, step=0.1)
        stats = trial.suggest_categorical("encoder_pool_stats", list(STAT_CHOICES))
        E, H = data["E"][:, _encoder_columns(stats)], data["H"]
        if mode == "per_speaker":
            E, H = standardise_per_actor(E, a), standardise_per_actor(H, a)
        uars = []
        for k, fold in enumerate(folds):
            te = np.isin(a, fold)
            p = w * _proba(_logreg(E[~te], y[~te], C_e), E[te]) + (1 - w) * _proba(_logreg(H[~te], y[~te], C_h), H[te])
            uars.append(uar(y[te], p.argmax(1)))
            trial.report(float(np.mean(uars)), k)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return float(np.mean(uars))

    return objective


def run_study(
    data: dict[str, Any], *, name: str, folder: Path, trials: int, mode: str, seed: int = 42
) -> dict[str, Any]:
    """Run (or resume) the study ``name`` in ``folder/<name>.db`` up to ``trials`` finished trials.

    Writes the best settings (``<name>_best.json``) and the history plot; returns the best settings.
    """
    import optuna
    from threadpoolctl import threadpool_limits

    folder.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        study_name=name,
        storage=f"sqlite:///{folder / (name + '.db')}",
        load_if_exists=True,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1),
    )
    done = len([t for t in study.trials if t.state.is_finished()])
    with threadpool_limits(limits=1, user_api="blas"):
        study.optimize(make_objective(data, mode=mode, seed=seed), n_trials=max(0, trials - done))
    best = study.best_trial
    stats = best.params["encoder_pool_stats"].split("+")
    out = {
        "study": name,
        "mode": mode,
        "best_value_uar": round(best.value, 4),
        "trials": len(study.trials),
        "pruned": len([t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]),
        "test_actors_held_out": data["test_actors"],
        "n_training_actors": len(set(data["actors"].tolist())),
        "overrides": {
            "encoder_C": round(best.params["encoder_C"], 6),
            "classic_logreg_C": round(best.params["classic_logreg_C"], 6),
            "encoder_pool_stats": stats,
        },
        "encoder_weight": best.params["encoder_weight"],
    }
    write_json(folder / f"{name}_best.json", out)
    import matplotlib

    matplotlib.use("Agg")
    import warnings

    from optuna.visualization.matplotlib import plot_optimization_history

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "experimental" since optuna 2.2
        ax = plot_optimization_history(study)
    ax.figure.savefig(folder / f"{name}_history.png", dpi=100, bbox_inches="tight")
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(prog="python -m ser_utils.models.study", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument(
        "--test-actors", type=int, nargs="+", required=True, help="held out of the study (the reported test actors)"
    )
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--mode", choices=("per_speaker", "single_clip"), default="single_clip")
    ap.add_argument("--name", default=None)
    ap.add_argument("--artifacts-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    from .. import features
    from ..data import corpus
    from ..features import encoder

    art = Path(args.artifacts_dir) if args.artifacts_dir else default_artifacts_dir()
    cfg = resolve("full")
    m = corpus.scan(args.data_dir, n_jobs=2).manifest
    ef = encoder.extract_encoder(
        m,
        settings=encoder.encoder_settings({"encoder_pool_stats": list(POOL_STATS)}),
        cache_dir=art / "cache",
        progress=False,
    )
    fs = features.extract(m, settings=features.feature_settings(cfg), cache_dir=art / "cache", progress=False)
    data = objective_data(
        np.asarray(ef.pooled, np.float64),
        np.asarray(fs.pooled, np.float64),
        m["label"].to_numpy(),
        m["actor"].to_numpy(),
        test_actors=args.test_actors,
    )
    name = args.name or f"encoder_{args.mode}_test{'-'.join(map(str, args.test_actors))}"
    out = run_study(data, name=name, folder=art / "optuna", trials=args.trials, mode=args.mode)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
