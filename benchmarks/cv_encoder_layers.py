"""The Whisper-base encoder's middle layers as features, over speaker folds (issue 18 item 4).

CTranslate2's ``Whisper.encode`` returns the last encoder layer only (after the encoder's
final layer norm); it has no option for the hidden states of the layers below. A model whose
``model.bin`` lacks the top encoder layers does give them: CTranslate2 builds as many encoder
layers as the file holds variables for (``encoder/layer_0`` ... ``layer_K``), so a copy of the
verified weights without ``encoder/layer_L`` and above returns layer ``L - 1``'s output, through
the same final layer norm. This script makes that copy in memory (``encoder.truncate_encoder``:
the model file is parsed, nothing is converted) for each ``--layers L`` and runs
``cv_encoder.py`` on it with a cache of its own, so each ``L`` is scored with the same heads,
folds and handcrafted features as the full encoder (``L = 6``).

Then ``--choose`` scores the honest version of "use the best layer": on each outer speaker fold
the layer count is chosen by inner speaker folds of that fold's training actors only (the
single-clip UAR of the encoder logistic regression averaged with the handcrafted one, w = 0.5),
and the chosen layer is scored on the outer fold's unseen actors.

The product's ``encoder_layers`` parameter does the same (this script predates it and names the
cache group ``whisper-base-layers-L`` instead).

Usage::

    python benchmarks/cv_encoder_layers.py --layers 2 3 4 5 6 --choose --no-nested --logreg-C 0.01 \
        --fuse 0.5 --frame-head-set classic_model=logreg [cv_encoder.py options ...]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
import tempfile
from pathlib import Path

import cv_encoder
import numpy as np
from results_table import append_result

from ser_utils.features import encoder

N_ENCODER_LAYERS = 6  # Whisper base
_ORIGINAL = encoder.read_weights, encoder.encoder_settings


def _use_layers(layers: int) -> None:
    """Make the encoder module load (and cache under its own name) the first ``layers`` layers."""
    read, settings = _ORIGINAL

    def read_truncated(*args, **kwargs):
        files = dict(read(*args, **kwargs))  # the verified bytes
        files["model.bin"] = encoder.truncate_encoder(files["model.bin"], layers=layers)
        return files

    def named(cfg):
        return {**settings(cfg), "encoder": f"{encoder.ENCODER_NAME}-layers-{layers}"}

    encoder._model.cache_clear()
    encoder.read_weights = read_truncated if layers < N_ENCODER_LAYERS else read
    encoder.encoder_settings = named if layers < N_ENCODER_LAYERS else settings


def _pooled(manifest, layers: int, cache: str) -> np.ndarray:
    """The pooled encoder statistics of ``layers`` layers (from the cache the run filled), (n, 1024)."""
    _use_layers(layers)
    s = encoder.encoder_settings({"encoder_pool_stats": ["mean", "std"]})
    ef = encoder.extract_encoder(manifest, settings=s, cache_dir=cache, n_jobs=2, progress=False)
    return np.asarray(ef.pooled, np.float64)


def _fused_uar(E, H, y, tr, te, cfg) -> float:
    """Single clip: encoder logreg (C 0.01) averaged with the handcrafted classic model, trained on ``tr``."""
    from ser_utils.evaluation import metrics as evaluate
    from ser_utils.models import classic

    p = cv_encoder._probs(cv_encoder._logreg(E[tr], y[tr], 0.01, cfg["seed"]), E[te])
    h = classic.probabilities(classic.fit_configured(H[tr], y[tr], cfg), H[te], n_classes=cv_encoder.N_CLASSES)
    return float(evaluate.metrics(y[te], (p + h).argmax(1))["uar"])


def choose(caches: dict[int, str], args_rest: list[str]) -> dict:
    """Nested choice of the layer count on each outer fold; returns the per-fold choices and scores."""
    from ser_utils import config, features
    from ser_utils.data import corpus
    from ser_utils.prep import split as split_mod

    opts = dict(kv.split("=", 1) for kv in _after(args_rest, "--frame-head-set"))
    cfg = config.resolve("full", **opts)
    data = Path(_after(args_rest, "--data-dir", [str(cv_encoder.DEFAULT_DATA)])[0])
    fcache = Path(_after(args_rest, "--features-cache", [str(cv_encoder.DEFAULT_CACHE)])[0])
    manifest = corpus.scan(data, vocal_channels=tuple(cfg["vocal_channels"]), n_jobs=2).manifest
    fs = features.extract(manifest, settings=features.feature_settings(cfg), cache_dir=fcache, n_jobs=2,
                          progress=False)
    H = np.asarray(fs.pooled, np.float64)
    y, actors = fs.index["label"].to_numpy(), fs.index["actor"].to_numpy()
    E = {L: _pooled(manifest, L, c) for L, c in caches.items()}
    rows = []
    for k, fold in enumerate(split_mod.speaker_folds(manifest, n_folds=5, seed=cfg["seed"])):
        te = np.isin(actors, fold)
        inner_manifest = manifest[~te]
        inner = split_mod.speaker_folds(inner_manifest, n_folds=4, seed=cfg["seed"])
        inner_uar = {L: float(np.mean([_fused_uar(E[L], H, y, ~te & ~np.isin(actors, f), np.isin(actors, f), cfg)
                                        for f in inner])) for L in E}
        best = max(inner_uar, key=inner_uar.get)
        rows.append({"fold": k, "test_actors": [int(a) for a in fold], "inner_uar": inner_uar, "chosen": best,
                     "uar": _fused_uar(E[best], H, y, ~te, te, cfg)})
        print(f"fold {k}: inner {({L: round(v, 3) for L, v in inner_uar.items()})} -> {best} layers, "
              f"outer single-clip UAR {rows[-1]['uar']:.3f}", flush=True)
    u = np.array([r["uar"] for r in rows])
    print(f"chosen on inner folds: single-clip UAR {u.mean():.3f} +/- {u.std(ddof=1):.3f}")
    return {"runs": rows, "mean": round(float(u.mean()), 4), "std": round(float(u.std(ddof=1)), 4)}


def _after(argv: list[str], flag: str, default: list[str] | None = None) -> list[str]:
    """The values that follow ``flag`` in ``argv`` (up to the next option)."""
    if flag not in argv:
        return default or []
    out = []
    for a in argv[argv.index(flag) + 1:]:
        if a.startswith("--"):
            break
        out.append(a)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run ``cv_encoder.py`` once per ``--layers`` value (other options are passed on); returns 0."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, nargs="+", default=[3, 4, 5, 6])
    ap.add_argument("--choose", action="store_true", help="then choose the layer count on inner folds (nested)")
    ap.add_argument("--reuse", nargs="*", default=[], metavar="L=CACHE", help="skip the run of L: its cache")
    args, rest = ap.parse_known_args(argv)
    caches = dict((int(a), b) for a, b in (kv.split("=", 1) for kv in args.reuse))
    for layers in args.layers:
        if not 1 <= layers <= N_ENCODER_LAYERS:
            raise SystemExit(f"--layers takes 1-{N_ENCODER_LAYERS}, got {layers}")
        if layers in caches:
            continue
        _use_layers(layers)
        caches[layers] = tempfile.mkdtemp(prefix=f"enc-layers-{layers}-")
        name = f"whisper-base encoder layers 1-{layers} of {N_ENCODER_LAYERS} (stats mean+std), heads on speaker folds"
        cv_encoder.main([*rest, "--cache-dir", caches[layers], "--name", name])
    if args.choose:
        result = choose({L: caches[L] for L in args.layers}, rest)
        append_result(cv_encoder.RESULTS, {
            "name": "whisper-base encoder layer count chosen on inner speaker folds of each outer fold's training "
            f"actors (from {args.layers}), encoder logreg C 0.01 + handcrafted logreg, single clip",
            "profile": "full", "overrides": {"classic_model": "logreg"}, "protocol": "speaker", "n_folds": 5,
            "runs": result["runs"], "summary": {"chosen layers + handcrafted [single_clip]": {
                "mean": result["mean"], "std": result["std"]}},
            "date": _dt.datetime.now().isoformat(timespec="seconds")})
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
