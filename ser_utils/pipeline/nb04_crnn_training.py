"""Notebook 04, training: the CRNN, the classic model and the prediction modes, saved as one bundle."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import config
from .nb02_features import load_encoder, load_features
from .run import Run, write_json

__all__ = ["fit_model", "fit_classic", "train_model", "load_model_bundle"]


def fit_model(cfg: dict[str, Any], prepared, *, log=print):
    """Build ``cfg["model"]`` and fit it on ``prepared``'s training part: :func:`ser_utils.models.recipe.fit_model`."""
    from ..models import recipe

    return recipe.fit_model(cfg, prepared, log=log)


def fit_classic(cfg: dict[str, Any], prepared) -> tuple[Any, dict[str, np.ndarray] | None, dict[str, Any]]:
    """Fit the classic model on the training and validation files: :func:`ser_utils.models.recipe.fit_classic`."""
    from ..models import recipe

    return recipe.fit_classic(cfg, prepared)


def train_model(run: Run, prepared):
    """Fit the chosen model (:func:`fit_model`) and save the bundle, history and training info.

    Returns
    -------
    model : keras.Model
    info : dict
        ``history``, ``epochs_run``, ``best_epoch``, ``train_time_s``, ``bundle_dir``...
    """
    from ..models import bundle

    cfg = run.cfg
    m, info = fit_model(cfg, prepared)
    classic_model, classic_norm, classic_info = fit_classic(cfg, prepared)
    print(
        f"classic model ({classic_info['kind']}) fitted on {classic_info['n_files']} pooled vectors "
        f"of {classic_info['n_features']} features in {classic_info['fit_time_s']:.1f} s; "
        f"fusion weight {classic_info['fusion_weight']}"
    )
    info["classic"] = {k: v for k, v in classic_info.items() if k != "feature_names"}
    bundle_dir = run.path("bundle")
    settings = dict(prepared.settings)
    settings["model"] = {
        k: cfg[k] for k in ("model", "conv_filters", "lstm_units", "dense_units", "dropout", "attention_heads")
    }
    settings["training"] = {k: v for k, v in info.items() if k not in ("history", "classic", "prediction_modes")}
    settings["training"]["parameters"] = {k: cfg[k] for k, s in config.PARAMS.items() if s.section == "train"}
    settings["classic"] = classic_info
    # what it was trained on, for whoever loads the bundle (the app flags the synthetic demo corpus)
    settings["data"] = {k: run.dataset.get(k) for k in ("synthetic", "n_files", "fingerprint", "corpora")}
    # the prediction modes: encoder heads, a single-clip classic model, fusion weights on validation actors
    from ..models import parts

    fs = load_features(run)
    enc = load_encoder(run, frames=bool(cfg["frame_head"]), fs=fs)
    mp = parts.fit_mode_parts(cfg, prepared, model=m, enc=enc, fs=fs)
    settings.update(mp["settings"])
    info["prediction_modes"] = mp["settings"]["prediction_modes"]
    bundle.save_bundle(
        bundle_dir,
        m,
        settings=settings,
        classic=classic_model,
        classic_norm=classic_norm,
        parts=mp["files"],
        part_norms=mp["norms"],
    )
    pd.DataFrame(info["history"]).rename_axis("epoch").to_csv(run.path("history"))
    info = dict(info, bundle_dir=str(bundle_dir))
    write_json(run.path("train_info"), {k: v for k, v in info.items() if k != "history"})
    return m, info


def load_model_bundle(run: Run):
    """The model bundle notebook 04 saved."""
    from ..models import bundle

    return bundle.load_bundle(run.path("bundle", must_exist=True))
