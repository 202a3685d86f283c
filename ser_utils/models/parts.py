"""The bundle's parts per prediction mode: encoder heads, classic models, fusion weights.

:func:`fit_mode_parts` is notebook 04's second step after the CRNN. It fits, for each mode
of :mod:`ser_utils.models.modes`,

- ``encoder``: a logistic regression (``encoder_C``; :func:`ser_utils.models.classic.fit`,
  kind ``logreg``: standard scaler + balanced multinomial logistic regression) on the
  Whisper-base statistics (:mod:`ser_utils.features.encoder`), per-speaker standardised
  for the per-speaker mode, raw for the single-clip mode;
- ``classic``: the classic model on the handcrafted pooled vectors (the per-speaker one is
  :func:`ser_utils.models.recipe.fit_classic`'s; the single-clip one is fitted on raw vectors);
- ``crnn``: the trained CRNN (per-speaker or global normalisation of its input);
- ``frame`` (with ``frame_head``): the small Keras head over the encoder frame sequence
  (:mod:`ser_utils.models.frame_head`), frames standardised per speaker or with the
  training frames' global statistics; trained on the training actors with early stopping
  on the validation actors (like the CRNN), and kept as trained.

The fusion weights of each mode are chosen (:func:`ser_utils.models.modes.choose_weights`)
on the **validation** actors with heads fitted on the training actors only; the heads kept
are then refitted on training + validation files (as the classic part always was). The
test part never reaches this module. A folder too small for a validation part gets equal
weights and no frame head, and ``prediction_modes["fallbacks"]`` says so (with every other
fallback of the heads, e.g. the logistic regression in place of an SVM that cannot be
calibrated).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..config import EMOTIONS
from ..errors import ModelError, fallback, recording_fallbacks
from ..prep import normalise, prepare
from . import classic, frame_head, modes

__all__ = ["rows_by_id", "fit_mode_parts", "encoder_probabilities", "frame_probabilities"]


def rows_by_id(file_ids: Any, wanted: Any) -> np.ndarray:
    """Row numbers of ``wanted`` file ids in ``file_ids``, shape (len(wanted),); ModelError if one is absent."""
    pos = {str(f): i for i, f in enumerate(file_ids)}
    missing = [str(w) for w in wanted if str(w) not in pos]
    if missing:
        raise ModelError(
            f"{len(missing)} file(s) have no encoder features (e.g. {missing[0]}); run notebook 02 with the encoder on"
        )
    return np.array([pos[str(w)] for w in wanted], dtype=np.int64)


def _fit_head(X: np.ndarray, y: np.ndarray, cfg: dict) -> Any:
    return classic.fit(X, y, kind="logreg", C_logreg=cfg["encoder_C"], seed=cfg["seed"])


def _per_speaker(X: np.ndarray, actors: np.ndarray, norm: dict | None = None) -> tuple[np.ndarray, dict]:
    norm = normalise.fit_pooled(X, actors) if norm is None else norm
    return normalise.apply_pooled(X, norm, actors=[int(a) for a in actors]), norm


def encoder_probabilities(head: Any, norm: dict | None, E: np.ndarray, actors: list[int | None]) -> np.ndarray:
    """An encoder head's probabilities ``(n, 8)`` of raw statistics ``E`` ``(n, d)``.

    With ``norm`` (per-speaker statistics) each speaker's rows are standardised first.
    """
    E = np.asarray(E, np.float64)
    if norm is not None and len(E):
        E = normalise.apply_pooled(E, norm, actors=actors)
    return classic.probabilities(head, E, n_classes=len(EMOTIONS))


def frame_probabilities(
    head: Any, norm: dict, frames: list[np.ndarray], actors: list[int | None], *, max_frames: int | None
) -> np.ndarray:
    """The frame head's probabilities ``(n, 8)`` of raw encoder frames, each ``(t_i, 512)``.

    Frames of a known speaker use its stored statistics, of a new speaker its own frames',
    and of ``None`` (single clip) the training frames' global statistics.
    """
    if not len(frames):
        return np.zeros((0, len(EMOTIONS)))
    Z = frame_head.standardise(frames, norm, actors=actors)
    return frame_head.probabilities(head, Z, max_frames=max_frames)


def _fit_frame_heads(
    cfg: dict, enc, *, train: tuple, val: tuple, log=print
) -> tuple[dict[str, Any], dict[str, np.ndarray], dict]:
    """Both modes' frame heads (training actors; early stopping on the validation actors).

    ``train`` and ``val`` are ``(file_ids, actors, labels)`` of each part. Returns the heads and
    their validation probabilities by mode, and the frame statistics of the training files.
    """
    (tr_ids, a_tr, y_tr), (va_ids, a_va, y_va) = train, val
    ids = enc.index["file_id"]
    F_tr = [enc.frames[i] for i in rows_by_id(ids, tr_ids)]
    F_va = [enc.frames[i] for i in rows_by_id(ids, va_ids)]
    if not F_tr or not len(F_tr[0]):
        raise ModelError("the frame head needs the encoder frames (run notebook 02 with the encoder on)")
    norm = frame_head.fit_stats(F_tr, [int(a) for a in a_tr])
    heads, probs = {}, {}
    for mode in modes.MODES:
        act_tr = [int(a) for a in a_tr] if mode == "per_speaker" else [None] * len(F_tr)
        act_va = [int(a) for a in a_va] if mode == "per_speaker" else [None] * len(F_va)
        Z_tr = frame_head.standardise(F_tr, norm, actors=act_tr)
        Z_va = frame_head.standardise(F_va, norm, actors=act_va)
        heads[mode], info = frame_head.fit(Z_tr, y_tr, val_frames=Z_va, y_val=y_va, cfg=cfg)
        probs[mode] = frame_head.probabilities(heads[mode], Z_va, max_frames=cfg["frame_head_max_frames"])
        if log:
            log(f"frame head [{mode}]: {info['epochs']} epochs, best {info['best_epoch']}")
    return heads, probs, norm


def _crnn_global(model: Any, prepared, logmels: list[np.ndarray]) -> np.ndarray:
    """The CRNN's probabilities of files normalised with the global training statistics (single clip)."""
    X, _ = prepare.inputs_like_training(logmels, prepared.settings, actors=None)
    return np.asarray(model.predict(np.asarray(X, np.float32), verbose=0), np.float64)


def _equal_weights(names: list[str]) -> dict[str, float]:
    """Equal fusion weights over ``names`` (summing to exactly 1)."""
    w = {k: round(1.0 / len(names), 6) for k in names}
    w[names[-1]] = round(1.0 - sum(w[k] for k in names[:-1]), 6)
    return w


def fit_mode_parts(cfg: dict, prepared, *, model: Any, enc, fs, log=print) -> dict[str, Any]:
    """Fit the encoder heads and the single-clip classic model, and choose each mode's fusion weights.

    Parameters
    ----------
    cfg : dict
        Resolved configuration (``encoder_C``, ``classic_*``, ``seed``).
    prepared : ser_utils.prep.prepare.Prepared
        Notebook 03's datasets (``split_df``, ``P_train``, ``P_val``, ``meta_val``, ``X_val``...).
    model : keras.Model
        The trained CRNN.
    enc : ser_utils.features.encoder.EncoderFeatures or None
        Encoder statistics of every file (notebook 02); None: no encoder part.
    fs : ser_utils.features.FeatureSet
        The log-mels (for the CRNN's single-clip validation inputs).
    log : callable or None
        Receives the chosen weights and each fallback.

    Returns
    -------
    dict
        ``files`` (name -> fitted scikit-learn model, for the bundle), ``norms`` (name -> statistics),
        ``settings`` (``prediction_modes`` and ``encoder`` for ``bundle.json``;
        ``prediction_modes["fallbacks"]`` lists what small data changed, each a sentence:
        e.g. no validation files, so equal weights and no frame head).

    Notes
    -----
    Without validation files (a folder too small for a validation part) nothing can be
    chosen: each mode fuses its parts with equal weights, the frame head (which needs
    validation files for its early stopping) is left out, and ``val_uar`` is None. The
    test part is never used instead.
    """
    with recording_fallbacks(log=log, label="prediction modes") as notes:
        out = _fit_mode_parts(cfg, prepared, model=model, enc=enc, fs=fs, log=log)
    out["settings"]["prediction_modes"]["fallbacks"] = list(notes)
    return out


def _fit_mode_parts(cfg: dict, prepared, *, model: Any, enc, fs, log) -> dict[str, Any]:
    t0 = time.perf_counter()
    sd = prepared.split_df
    part = sd["part"].to_numpy()
    tr_ids, va_ids = sd["file_id"].to_numpy()[part == "train"], prepared.meta_val["file_id"].to_numpy()
    a_tr = sd["actor"].to_numpy()[part == "train"].astype(np.int64)
    a_va = prepared.meta_val["actor"].to_numpy().astype(np.int64)
    y_tr, y_va = np.asarray(prepared.y_train_pooled), np.asarray(prepared.y_val)
    P_tr, P_va = np.asarray(prepared.P_train, np.float64), np.asarray(prepared.P_val, np.float64)
    has_val = len(va_ids) > 0
    if not has_val:
        fallback(
            "no validation files (the folder is too small for a validation part): nothing is chosen on "
            "validation actors; each mode fuses its parts with equal weights"
        )
    n_cls = len(EMOTIONS)

    val: dict[str, dict[str, np.ndarray]] = {m: {} for m in modes.MODES}
    E_tr = E_va = None
    if enc is not None:
        ids = enc.index["file_id"]
        E_tr = np.asarray(enc.pooled, np.float64)[rows_by_id(ids, tr_ids)]
        E_va = np.asarray(enc.pooled, np.float64)[rows_by_id(ids, va_ids)]
    if has_val:
        with recording_fallbacks(log=None, prefix="choosing the fusion weights (parts fitted on the training part): "):
            val["per_speaker"]["crnn"] = np.asarray(model.predict(prepared.X_val, verbose=0), np.float64)
            fs_pos = rows_by_id(fs.index["file_id"], va_ids)
            val["single_clip"]["crnn"] = _crnn_global(model, prepared, [fs.logmels[i] for i in fs_pos])
            Ptr_ps, pnorm = _per_speaker(P_tr, a_tr)
            Pva_ps = normalise.apply_pooled(P_va, pnorm, actors=[int(a) for a in a_va])
            val["per_speaker"]["classic"] = classic.probabilities(
                classic.fit_configured(Ptr_ps, y_tr, cfg), Pva_ps, n_classes=n_cls
            )
            val["single_clip"]["classic"] = classic.probabilities(
                classic.fit_configured(P_tr, y_tr, cfg), P_va, n_classes=n_cls
            )
            if E_tr is not None:
                Etr_ps, enorm = _per_speaker(E_tr, a_tr)
                Eva_ps = normalise.apply_pooled(E_va, enorm, actors=[int(a) for a in a_va])
                val["per_speaker"]["encoder"] = classic.probabilities(
                    _fit_head(Etr_ps, y_tr, cfg), Eva_ps, n_classes=n_cls
                )
                val["single_clip"]["encoder"] = classic.probabilities(_fit_head(E_tr, y_tr, cfg), E_va, n_classes=n_cls)
    files: dict[str, Any] = {}
    norms: dict[str, dict] = {}
    frame_heads: dict[str, Any] = {}
    if cfg.get("frame_head") and enc is not None:
        if has_val:
            frame_heads, val_fr, fnorm = _fit_frame_heads(
                cfg, enc, train=(tr_ids, a_tr, y_tr), val=(va_ids, a_va, y_va), log=log
            )
            for m in modes.MODES:
                val[m]["frame"] = val_fr[m]
        else:
            fallback("the frame head needs validation files for its early stopping and there are none: no frame head")
    if has_val:
        weights = {m: modes.choose_weights(val[m], y_va, step=0.1) for m in modes.MODES}
        val_uar: dict[str, float | None] = {
            m: round(modes.uar(y_va, modes.fuse_parts(val[m], weights[m]).argmax(1)), 4) for m in modes.MODES
        }
    else:
        names = ["crnn", "classic"] + (["encoder"] if enc is not None else [])
        weights = {m: _equal_weights(names) for m in modes.MODES}
        val_uar = {m: None for m in modes.MODES}

    # the kept heads learn from training + validation files, as the classic part does
    y_all, a_all, P_all = np.concatenate([y_tr, y_va]), np.concatenate([a_tr, a_va]), np.concatenate([P_tr, P_va])
    if weights["single_clip"].get("classic", 0) > 0:
        with recording_fallbacks(log=None, prefix="the single-clip classic model: "):
            files["classic_single_clip"] = classic.fit_configured(P_all, y_all, cfg)
    if E_tr is not None:
        E_all = np.concatenate([E_tr, E_va])
        E_ps, enorm_all = _per_speaker(E_all, a_all)
        with recording_fallbacks(log=None, prefix="the encoder heads: "):
            if weights["per_speaker"].get("encoder", 0) > 0:
                files["encoder_per_speaker"] = _fit_head(E_ps, y_all, cfg)
                norms["encoder_norm"] = enorm_all
            if weights["single_clip"].get("encoder", 0) > 0:
                files["encoder_single_clip"] = _fit_head(E_all, y_all, cfg)
    for m, head in frame_heads.items():
        if weights[m].get("frame", 0) > 0:
            files[f"frame_{m}"] = head
            norms["frame_norm"] = fnorm
    va_actors = sorted(int(a) for a in set(a_va))
    settings = {
        "prediction_modes": {
            "min_speaker_clips": int(cfg["min_speaker_clips"]),
            **{
                m: {"weights": weights[m], "val_uar": val_uar[m], "description": modes.DESCRIPTIONS[m]}
                for m in modes.MODES
            },
            "chosen_on": (
                f"validation actors {va_actors} (heads fitted on the training actors only)"
                if has_val
                else "nothing: no validation files, equal weights"
            ),
        },
    }
    if enc is not None:
        settings["encoder"] = {
            **{k: enc.settings[k] for k in ("encoder", "model_sha256", "compute_type", "pool_stats")},
            "C": cfg["encoder_C"],
            "n_features": int(enc.pooled.shape[1]),
            "frame_pool": int(enc.settings.get("frame_pool", 4)),
            "layers": int(enc.settings.get("layers", 6)),  # encoder layers run (6: all)
        }
        if frame_heads:
            settings["frame_head"] = {k: cfg[k] for k in frame_head.HEAD_KEYS}
    if log:
        uar_text = {m: "none" if val_uar[m] is None else f"{val_uar[m]:.3f}" for m in modes.MODES}
        log(
            (f"fusion weights chosen on validation actors {va_actors}: " if has_val else "fusion weights (equal): ")
            + "; ".join(f"{m} {weights[m]} (val UAR {uar_text[m]})" for m in modes.MODES)
            + f" [{time.perf_counter() - t0:.0f} s]"
        )
    return {"files": files, "norms": norms, "settings": settings, "val": val, "y_val": y_va}
