"""Notebook 05, evaluation: the bundle and the baselines scored on the test part, and one file predicted."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from .. import config
from ..errors import ArtifactMissingError, ConfigError
from .nb02_features import load_encoder, load_features
from .run import Run, write_json

__all__ = ["evaluate_model", "predict_one"]


def evaluate_model(run: Run, prepared, bundle_obj) -> dict[str, Any]:
    """Score the model and the baselines on the test part; save predictions and ``metrics.json``.

    Returns
    -------
    dict
        ``metrics`` (the bundle's: the CRNN fused with the classic part when
        ``fusion_weight > 0``), ``pred_df`` (one row per test file), ``comparison``
        (table), ``breakdowns``, ``confused``, ``protocol`` (markdown), ``per_corpus``
        (each test corpus's UAR, accuracy and files in both prediction modes,
        :func:`ser_utils.evaluation.scoring.per_corpus_table`), ``summary`` (``metrics.json``).
    """
    from ..evaluation import scoring
    from ..models import recipe
    from ..prep import split

    test_actors = [int(a) for a in prepared.meta_test["actor"]]
    p_crnn = np.asarray(bundle_obj.model.predict(prepared.X_test, verbose=0), dtype=np.float64)
    # The classic part of the bundle, scored on its own too. A bundle without one (an older
    # bundle) gets a classic model fitted here for the comparison, never used in the prediction.
    if bundle_obj.classic is not None:
        p_classic = bundle_obj.classic_probabilities(prepared.P_test, test_actors)
        classic_info = bundle_obj.settings["classic"]
    else:
        cmodel, cnorm, classic_info = recipe.fit_classic(run.cfg, prepared)
        p_classic = recipe.classic_probabilities(cmodel, cnorm, prepared.P_test, test_actors)
    kind = str(classic_info.get("kind", run.cfg["classic_model"]))
    w = bundle_obj.fusion_weight
    p_modes, extra = _mode_probabilities(run, prepared, bundle_obj)
    has_modes = "prediction_modes" in bundle_obj.settings
    scored = scoring.score(
        prepared.y_test,
        # the bundle's own prediction (per-speaker mode: the test actors' clips together)
        p_bundle=p_modes["per_speaker"] if has_modes else bundle_obj.fuse(p_crnn, p_classic),
        p_crnn=p_crnn,
        p_classic=p_classic,
        meta=prepared.meta_test,
        # the classic model learns from the training and validation files (fit_classic)
        y_fit=np.concatenate([prepared.y_train_pooled, prepared.y_val]),
        model_name=(bundle_obj.settings.get("model") or {}).get("model", run.cfg["model"]),
        classic_kind=kind,
        classic_per_speaker=classic_info.get("normalisation") == "per_speaker",
        fusion_weight=w,
        extra=extra,
        bundle_name=_bundle_name(bundle_obj) if has_modes else None,
    )
    scored["pred_df"].to_csv(run.path("predictions"), index=False)
    # What notebooks 03 and 04 actually did (not this notebook's own defaults).
    split_info, protocol = scoring.split_summary(
        prepared.settings,
        actors=split.actors_by_part(prepared.split_df),
        meta_train=prepared.meta_train,
        meta_val=prepared.meta_val,
        meta_test=prepared.meta_test,
        defaults=run.cfg,
        synthetic=run.synthetic,
    )
    out = dict(scored["metrics"])
    out.update(split_info)
    out.update(
        model_dir=str(run.path("bundle")),
        model=scored["model_label"],
        fusion_weight=w,
        classic_model=kind,
        baselines=scored["baselines"],
        protocol=protocol,
        normalisation_description=prepared.settings.get("normalisation_description"),
    )
    # every fallback of the run (notebook 03's, the CRNN's, the classic model's, the prediction modes'), labelled
    out["fallbacks"] = bundle_obj.fallbacks
    out["prediction_modes"] = _mode_metrics(prepared.y_test, p_modes, prepared.meta_test)
    if has_modes:
        out["prediction_modes_weights"] = {m: bundle_obj.prediction_modes[m]["weights"] for m in p_modes}
        out["min_speaker_clips"] = int(bundle_obj.prediction_modes["min_speaker_clips"])
    if bundle_obj.settings.get("encoder"):
        out["encoder"] = {k: bundle_obj.settings["encoder"][k] for k in ("encoder", "model_sha256", "compute_type")}
        out["encoder"]["layers"] = bundle_obj.settings["encoder"].get("layers", 6)
    write_json(run.path("metrics"), out)
    modes_table = pd.DataFrame(out["prediction_modes"]).T[["uar", "accuracy", "macro_f1", "n", "description"]]
    return {
        "prediction_modes": modes_table,
        "metrics": scored["metrics"],
        "pred_df": scored["pred_df"],
        "comparison": scored["comparison"],
        "breakdowns": scored["breakdowns"],
        "confused": scored["confused"],
        "protocol": protocol,
        "per_corpus": scoring.per_corpus_table(out["prediction_modes"]),
        "summary": out,
    }


def _test_encoder_features(run: Run, bundle_obj, fs, ids) -> Any:
    """The test files' encoder features for the bundle (``pooled``, and ``frames`` when a frame head needs them)."""
    from types import SimpleNamespace

    from ..models import parts

    if not bundle_obj.settings.get("encoder"):
        return None
    needs_frames = any(k.startswith("frame_") for k in bundle_obj.parts)
    ef = load_encoder(run, frames=needs_frames, fs=fs)
    if ef is None:
        return None
    rows = parts.rows_by_id(ef.index["file_id"], ids)
    return SimpleNamespace(pooled=np.asarray(ef.pooled)[rows], frames=[ef.frames[i] for i in rows] if ef.frames else [])


def _bundle_name(bundle_obj) -> tuple[str, str]:
    """The comparison's row name and the short label of a bundle with prediction modes."""
    pm = bundle_obj.prediction_modes
    used = {k for m in ("per_speaker", "single_clip") for k, v in pm[m]["weights"].items() if v}
    label = " + ".join(k for k in ("crnn", "classic", "encoder", "frame") if k in used)
    return f"the bundle, per-speaker mode ({label}; weights chosen on validation actors)", label


def _mode_probabilities(run: Run, prepared, bundle_obj) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The bundle's probabilities of the test part in each prediction mode, ``{mode: (n, 8)}``.

    And its encoder parts alone (per-speaker mode), ``{row name: (n, 8)}``, for the comparison.
    """
    from ..models import modes, parts

    fs = load_features(run)
    ids = prepared.meta_test["file_id"].to_numpy()
    mels = [fs.logmels[i] for i in parts.rows_by_id(fs.index["file_id"], ids)]
    E = _test_encoder_features(run, bundle_obj, fs, ids)
    actors = [int(a) for a in prepared.meta_test["actor"]]
    min_clips = int(bundle_obj.prediction_modes["min_speaker_clips"])
    out = {}
    for mode in modes.MODES:
        fm = modes.file_modes(actors, known=bundle_obj.known_speakers, min_clips=min_clips, mode=mode)
        out[mode] = bundle_obj.mode_probabilities(mels, prepared.P_test, E, actors, fm)
    extra = {}
    if E is not None and "encoder_per_speaker" in bundle_obj.parts:
        extra["Whisper-base head alone"] = parts.encoder_probabilities(
            bundle_obj.parts["encoder_per_speaker"], bundle_obj.parts.get("encoder_norm"), E.pooled, actors
        )
    if E is not None and "frame_per_speaker" in bundle_obj.parts and E.frames:
        extra["frame head alone"] = parts.frame_probabilities(
            bundle_obj.parts["frame_per_speaker"], bundle_obj.parts["frame_norm"], E.frames, actors,
            max_frames=bundle_obj.settings.get("frame_head", {}).get("frame_head_max_frames"),
        )
    return out, extra


def _mode_metrics(y: np.ndarray, p_modes: dict[str, np.ndarray], meta_test: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``metrics.json``'s ``prediction_modes``: accuracy, UAR, macro F1, n, a description, and ``per_corpus``.

    ``per_corpus`` (:func:`ser_utils.evaluation.metrics.per_corpus`) scores each corpus's test files
    on their own, over the classes that corpus's test files hold; it is left out for datasets
    prepared before files had a corpus.
    """
    from ..evaluation import scoring
    from ..models import modes

    corpus = meta_test["corpus"].to_numpy() if "corpus" in meta_test.columns else None
    return scoring.mode_metrics(y, p_modes, corpus=corpus, descriptions=modes.DESCRIPTIONS)


def predict_one(run: Run, bundle_obj, path: str | os.PathLike | None, prepared=None) -> dict[str, Any]:
    """Predict one file with the saved bundle, as ``python -m ser_utils.predict`` would.

    ``path=None`` takes the first test file. Returns ``path``, ``emotion``, ``probabilities``,
    ``y`` (the waveform at the model's rate) and ``S`` (its log-mel, dB).
    """
    from .. import features
    from ..data import audio

    if path is None:
        if prepared is None or prepared.meta_test.empty:
            raise ConfigError("predict_file is None and there is no test file to take instead")
        path = prepared.meta_test["path"].iloc[0]
    df = bundle_obj.predict_paths([path])
    if df.empty or df.iloc[0].get("error"):
        raise ArtifactMissingError(
            f"could not predict {path}: {df.iloc[0].get('error') if not df.empty else 'unreadable'}"
        )
    row = df.iloc[0]
    fset = bundle_obj.settings["features"]
    y = audio.load(path, sr=fset["sample_rate"])
    S = features.logmel(
        y,
        sr=fset["sample_rate"],
        n_mels=fset["n_mels"],
        n_fft=fset["n_fft"],
        hop_length=fset["hop_length"],
        fmin=fset["fmin"],
        fmax=fset["fmax"],
    )
    probs = {e: float(row[e]) for e in config.EMOTIONS}
    return {
        "path": str(path),
        "emotion": row["emotion"],
        "probabilities": probs,
        "y": y,
        "S": S,
        "sr": fset["sample_rate"],
        "hop_length": fset["hop_length"],
    }
