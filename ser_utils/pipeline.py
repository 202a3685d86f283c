"""The notebooks' steps: what each one loads from and saves to the artifacts folder.

Each notebook starts with :func:`start`, which resolves its parameters (``None`` = the
profile's value), finds the artifacts folder, and says which earlier notebook to run
when something it needs is missing. The step functions below are thin: they call the
modules that hold the logic and save their results under plain, documented names
(see :data:`ser_utils.config.ARTIFACTS`).

Profiles: ``profile=None`` means ``demo`` on the synthetic demo corpus and ``full`` on
real RAVDESS.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import config, files
from .errors import ArtifactMissingError, ConfigError

__all__ = [
    "Run",
    "start",
    "scan_corpus",
    "load_manifest",
    "emotion_examples",
    "extract_features",
    "load_features",
    "extract_encoder",
    "load_encoder",
    "encoder_overview",
    "feature_overview",
    "prepare",
    "load_prepared",
    "fit_model",
    "fit_classic",
    "train_model",
    "load_model_bundle",
    "evaluate_model",
    "predict_one",
    "write_json",
    "read_json",
]


@dataclass
class Run:
    """One notebook's resolved settings.

    Attributes
    ----------
    notebook : str
        e.g. ``"02_features"``.
    cfg : dict
        The complete configuration (:func:`ser_utils.config.resolve`).
    artifacts_dir : Path
        Where notebooks read and write their artifacts.
    given : dict
        The parameters the notebook was given (not ``None``).
    dataset : dict
        What notebook 01 recorded about the data (empty in notebook 01 before the scan).
    """

    notebook: str
    cfg: dict[str, Any]
    artifacts_dir: Path
    given: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)

    def path(self, name: str, *, must_exist: bool = False) -> Path:
        """Path of a named artifact (``ser_utils.config.ARTIFACTS``); parent folders are made."""
        p = config.artifact_path(self.artifacts_dir, name, must_exist=must_exist)
        if not must_exist:
            p.parent.mkdir(parents=True, exist_ok=True)
        return p

    @property
    def cache_dir(self) -> Path:
        """The feature cache: the ``cache_dir`` parameter, else ``<artifacts_dir>/cache``."""
        return Path(self.cfg["cache_dir"]) if self.cfg.get("cache_dir") else self.artifacts_dir / "cache"

    @property
    def synthetic(self) -> bool:
        """True when the run's data is the synthetic demo corpus (notebook 01 recorded it)."""
        return bool(self.dataset.get("synthetic", False))

    def parameters_table(self) -> pd.DataFrame:
        """The notebook's own parameters (:data:`ser_utils.config.NOTEBOOK_PARAMS`) in force, with their meaning.

        Returns
        -------
        pd.DataFrame
            Indexed by parameter, in the order of the notebook's ``parameters`` cell;
            columns ``value``, ``set by``, ``meaning``.
        """
        rows = []
        for name in config.notebook_params(self.notebook):
            spec = config.PARAMS[name]
            rows.append(
                {
                    "parameter": name,
                    "value": repr(self.cfg[name]),
                    "set by": "notebook parameter" if name in self.given else f"profile {self.cfg['profile']!r}",
                    "meaning": spec.help,
                }
            )
        return pd.DataFrame(rows).set_index("parameter")

    def banner(self) -> str:
        """A one-paragraph statement of the data and profile, for the top of a notebook."""
        d = self.dataset
        if not d:
            return f"profile {self.cfg['profile']!r}; artifacts in {self.artifacts_dir}"
        kind = "SYNTHETIC demo corpus (not real speech)" if d.get("synthetic") else "real RAVDESS recordings"
        return (
            f"Data: {kind}, {d.get('n_files', '?')} usable files from {', '.join(d.get('roots', []))} "
            f"(fingerprint {d.get('fingerprint', '?')}). Profile {self.cfg['profile']!r}. "
            f"Artifacts in {self.artifacts_dir}."
        )


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write JSON atomically (numpy values and paths converted): :func:`ser_utils.files.write_json`."""
    return files.write_json(path, obj)


def read_json(path: str | os.PathLike) -> Any:
    """The JSON value stored in ``path``: :func:`ser_utils.files.read_json`."""
    return files.read_json(path)


def _auto_profile(profile: str | None, synthetic: bool | None) -> str:
    if profile:
        return profile
    return "demo" if synthetic in (True, None) else "full"


def _from_namespace(notebook: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The notebook's registered parameters (and :data:`ser_utils.config.START_PARAMS`) from its namespace."""
    names = (*config.START_PARAMS, *config.notebook_params(notebook))
    missing = [n for n in names if n not in namespace]
    if missing:
        raise ConfigError(
            f"notebook {notebook!r}: its parameters cell does not assign {', '.join(missing)} "
            f"(ser_utils.config.NOTEBOOK_PARAMS registers them); add `NAME = None` for each"
        )
    return {n: namespace[n] for n in names}


def _check_taken(notebook: str, params: Mapping[str, Any]) -> None:
    """Every name in ``params`` is one the notebook takes (:data:`ser_utils.config.NOTEBOOK_PARAMS`)."""
    taken = config.notebook_params(notebook)
    foreign = sorted(set(params) - set(taken))
    if foreign:
        raise ConfigError(
            f"notebook {notebook!r} does not take {', '.join(map(repr, foreign))} "
            f"(it takes {', '.join(taken)}; see ser_utils.config.NOTEBOOK_PARAMS)"
        )


def start(
    notebook: str,
    namespace: Mapping[str, Any] | None = None,
    /,
    *,
    profile: str | None = None,
    artifacts_dir: str | os.PathLike | None = None,
    **params: Any,
) -> Run:
    """Resolve a notebook's parameters and check that what it needs exists.

    Parameters
    ----------
    notebook : str
        The notebook's name, e.g. ``"03_oversampling"``; it must be registered in
        :data:`ser_utils.config.NOTEBOOK_PARAMS`.
    namespace : mapping or None
        The notebook's ``globals()`` after its ``parameters`` cell: ``profile``,
        ``artifacts_dir`` and the notebook's registered parameters are read from it
        (``None`` = the profile's value). ``None`` takes them from the keywords instead.
    profile : str or None
        ``demo``, ``full`` or ``seed004``; ``None`` picks ``demo`` on synthetic data and
        ``full`` on real RAVDESS (as recorded by notebook 01).
    artifacts_dir : path or None
        ``None`` = ``<project>/artifacts`` (or ``$SER_ARTIFACTS_DIR``).
    **params
        With no ``namespace``: the notebook's parameters; ``None`` means "the profile's value".

    Raises
    ------
    ArtifactMissingError
        A notebook other than 01 runs before notebook 01 has recorded the data.
    ConfigError
        The notebook is not registered, its namespace lacks a registered parameter, or a
        parameter is unknown, not the notebook's, or invalid.
    """
    if namespace is not None:
        if params:
            raise ConfigError("pass the parameters either as a namespace or as keywords, not both")
        params = _from_namespace(notebook, namespace)
        profile = params.pop("profile") or profile
        artifacts_dir = params.pop("artifacts_dir") or artifacts_dir
    _check_taken(notebook, params)
    adir = Path(artifacts_dir) if artifacts_dir else config.default_artifacts_dir()
    given = {k: v for k, v in params.items() if v is not None}
    dataset: dict[str, Any] = {}
    if not notebook.startswith("01"):
        ds_path = config.artifact_path(adir, "dataset", must_exist=True)
        dataset = read_json(ds_path)
    synthetic = dataset.get("synthetic") if dataset else None
    if notebook.startswith("01") and not profile:
        # The data decides the profile: find out now whether it is synthetic.
        from .data.locate import resolve_data_dir

        probe = config.resolve("demo", **{k: v for k, v in given.items() if k != "data_dir"})
        _, synthetic = resolve_data_dir(given.get("data_dir"), demo_actors=probe["demo_actors"], seed=0)
    prof = _auto_profile(profile, synthetic)
    cfg = config.resolve(prof, **given)
    adir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SER_ARTIFACTS_DIR", str(adir))
    return Run(notebook=notebook, cfg=cfg, artifacts_dir=adir, given=given, dataset=dataset)


# --- 01 EDA ----------------------------------------------------------------------------


def scan_corpus(run: Run):
    """Find the data, scan it, save the manifest, the skipped table and ``dataset.json``.

    Returns
    -------
    ScanResult
        ``.manifest`` (one row per usable file) and ``.skipped`` (path, reason, detail).
    """
    from .data import corpus as data
    from .data.locate import resolve_data_dir

    cfg = run.cfg
    roots, synthetic = resolve_data_dir(cfg["data_dir"], demo_actors=cfg["demo_actors"], seed=0)
    t0 = time.perf_counter()
    result = data.scan(roots, min_duration_s=cfg["min_duration_s"], vocal_channels=tuple(cfg["vocal_channels"]))
    elapsed = time.perf_counter() - t0
    data.require_files(result)
    result.manifest.to_csv(run.path("manifest"), index=False)
    result.skipped.to_csv(run.path("skipped"), index=False)
    run.dataset = {
        "data_dir": str(roots[0]) if len(roots) == 1 else [str(r) for r in roots],
        "roots": [str(r) for r in roots],
        "n_files": int(len(result.manifest)),
        "n_skipped": int(len(result.skipped)),
        "n_seen": int(len(result.manifest) + len(result.skipped)),
        "synthetic": bool(synthetic),
        "fingerprint": data.fingerprint(result.manifest),
        "scan_time_s": round(elapsed, 2),
        "skipped_by_reason": result.skipped["reason"].value_counts().to_dict() if len(result.skipped) else {},
    }
    write_json(run.path("dataset"), run.dataset)
    reasons = ", ".join(f"{n} {r}" for r, n in run.dataset["skipped_by_reason"].items()) or "none"
    print(
        f"scanned {run.dataset['n_seen']} files in {elapsed:.1f} s: {run.dataset['n_files']} usable, "
        f"{run.dataset['n_skipped']} skipped ({reasons})"
    )
    if synthetic:
        print("NOTE: this is the SYNTHETIC demo corpus, not real speech; its numbers say nothing about RAVDESS.")
    return result


def load_manifest(run: Run) -> pd.DataFrame:
    """The manifest notebook 01 saved (one row per usable file)."""
    return pd.read_csv(run.path("manifest", must_exist=True))


def emotion_examples(run: Run, manifest: pd.DataFrame, *, seed: int = 0) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """One recording per emotion (the same actor where possible): ``(emotion, y, log-mel dB)``.

    Returns
    -------
    list of (str, np.ndarray shape (n,), np.ndarray shape (n_mels, t))
    """
    from . import features
    from .data import audio

    cfg = run.cfg
    speech = manifest[manifest["vocal_channel"] == "speech"]
    pool = speech if len(speech) else manifest
    actor = pool["actor"].value_counts().index[0]
    out = []
    for emotion in config.EMOTIONS:
        rows = pool[(pool["emotion"] == emotion) & (pool["actor"] == actor)]
        if rows.empty:
            rows = manifest[manifest["emotion"] == emotion]
        if rows.empty:
            continue
        row = rows.sort_values("file_id").iloc[0]
        y = audio.load(row["path"], sr=cfg["sample_rate"])
        S = features.logmel(
            y, sr=cfg["sample_rate"], n_mels=cfg["n_mels"], n_fft=cfg["n_fft"], hop_length=cfg["hop_length"],
            fmin=cfg["fmin"], fmax=cfg["fmax"],
        )
        out.append((f"{emotion} ({row['file_id']})", y, S))
    return out


# --- 02 features -----------------------------------------------------------------------


def extract_features(run: Run, manifest: pd.DataFrame):
    """Extract (or read from the cache) every file's log-mel and pooled vector, and save them."""
    from . import features

    settings = features.feature_settings(run.cfg)
    fs = features.extract(
        manifest, settings=settings, cache_dir=run.cache_dir, n_jobs=run.cfg["n_jobs"], progress=True
    )
    folder = run.path("features").parent
    features.save_feature_set(fs, folder)
    return fs


def load_features(run: Run):
    """The feature set notebook 02 saved."""
    from . import features

    run.path("features", must_exist=True)
    return features.load_feature_set(run.path("features").parent)


def extract_encoder(run: Run, manifest: pd.DataFrame):
    """The pretrained encoder's statistics of every file (cached), saved for notebook 04.

    None when the ``encoder`` parameter is ``none``.
    """
    from .features import encoder as enc

    if run.cfg["encoder"] == "none":
        print("encoder: none (this profile uses no pretrained encoder)")
        path = run.path("encoder_features")
        if path.exists():
            path.unlink()  # a stale file of an earlier run must not be used
        return None
    ef = enc.extract_encoder(
        manifest,
        settings=enc.encoder_settings(run.cfg),
        cache_dir=run.cache_dir,
        n_jobs=run.cfg["n_jobs"],
        progress=True,
    )
    enc.save_encoder_features(ef, run.path("encoder_features"))
    return ef


def load_encoder(run: Run, *, frames: bool = False, fs=None):
    """The encoder statistics notebook 02 saved, or None when that run used no encoder.

    Notebook 02 removes the file when it runs without an encoder, so its presence decides.
    With ``frames`` (the frame head needs them) the frame sequences are read back from the
    feature cache with the saved settings (a cache hit: notebook 02 computed them), for the
    files of ``fs`` (the feature set of :func:`load_features`), in its order.
    """
    from .features import encoder as enc

    if not run.path("encoder_features").exists():
        return None
    saved = enc.load_encoder_features(run.path("encoder_features"))
    if not frames:
        return saved
    fs = load_features(run) if fs is None else fs
    cols = [c for c in ("path", "file_id", "sha1") if c in fs.index.columns]
    return enc.extract_encoder(
        fs.index[cols], settings=saved.settings, cache_dir=run.cache_dir, n_jobs=run.cfg["n_jobs"], progress=False
    )


def encoder_overview(ef) -> pd.DataFrame:
    """What the encoder group produced, one row per quantity."""
    frames = ef.index["n_encoder_frames"].to_numpy()
    s = ef.settings
    rows = {
        "encoder": f"{s['encoder']} ({s['compute_type']}), model.bin SHA-256 {s['model_sha256'][:16]}...",
        "files": len(ef.index),
        "encoder frames per file, 20 ms each (min / median / max)": (
            f"{frames.min()} / {int(np.median(frames))} / {frames.max()}"
        ),
        "pooled statistics per file": f"{ef.pooled.shape[1]} ({' + '.join(s['pool_stats'])} of 512 dimensions)",
        "extraction time s": ef.stats.get("seconds", "?"),
        "computed / from cache": f"{ef.stats.get('computed_files', '?')} / {ef.stats.get('cached_files', '?')}",
    }
    return pd.DataFrame({"value": [str(v) for v in rows.values()]}, index=list(rows))


def feature_overview(fs) -> pd.DataFrame:
    """Shapes and lengths of a feature set, one row per quantity."""
    frames = fs.index["n_frames"].to_numpy()
    dur = fs.index["trimmed_duration_s"].to_numpy()
    rows = {
        "files": len(fs.logmels),
        "mel bands": int(fs.logmels[0].shape[0]) if fs.logmels else 0,
        "frames per file (min / median / max)": f"{frames.min()} / {int(np.median(frames))} / {frames.max()}",
        "trimmed duration s (min / median / max)": f"{dur.min():.2f} / {np.median(dur):.2f} / {dur.max():.2f}",
        "pooled vector length": int(fs.pooled.shape[1]),
        "extraction time s": fs.stats.get("seconds", "?"),
        "computed / from cache": f"{fs.stats.get('computed_files', '?')} / {fs.stats.get('cached_files', '?')}",
    }
    return pd.DataFrame({"value": [str(v) for v in rows.values()]}, index=list(rows))


# --- 03 split, augmentation, balancing ---------------------------------------------------------


def prepare(run: Run, fs):
    """Split, fix the length, augment, normalise and balance (training part only), and save."""
    from .prep import prepare as prep

    p = prep.prepare_datasets(fs, run.cfg, cache_dir=run.cache_dir, progress=True)
    folder = run.path("datasets").parent
    prep.save_prepared(p, folder)
    return p


def load_prepared(run: Run):
    """The datasets notebook 03 saved."""
    from .prep import prepare as prep

    run.path("datasets", must_exist=True)
    return prep.load_prepared(run.path("datasets").parent)


# --- 04 training -----------------------------------------------------------------------------


def fit_model(cfg: dict[str, Any], prepared, *, log=print):
    """Build ``cfg["model"]`` and fit it on ``prepared``'s training part: :func:`ser_utils.models.recipe.fit_model`."""
    from .models import recipe

    return recipe.fit_model(cfg, prepared, log=log)


def fit_classic(cfg: dict[str, Any], prepared) -> tuple[Any, dict[str, np.ndarray] | None, dict[str, Any]]:
    """Fit the classic model on the training and validation files: :func:`ser_utils.models.recipe.fit_classic`."""
    from .models import recipe

    return recipe.fit_classic(cfg, prepared)


def train_model(run: Run, prepared):
    """Fit the chosen model (:func:`fit_model`) and save the bundle, history and training info.

    Returns
    -------
    model : keras.Model
    info : dict
        ``history``, ``epochs_run``, ``best_epoch``, ``train_time_s``, ``bundle_dir``...
    """
    from .models import bundle

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
    settings["data"] = {k: run.dataset.get(k) for k in ("synthetic", "n_files", "fingerprint")}
    # the prediction modes: encoder heads, a single-clip classic model, fusion weights on validation actors
    from .models import parts

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
    from .models import bundle

    return bundle.load_bundle(run.path("bundle", must_exist=True))


# --- 05 evaluation ---------------------------------------------------------------------------


def evaluate_model(run: Run, prepared, bundle_obj) -> dict[str, Any]:
    """Score the model and the baselines on the test part; save predictions and ``metrics.json``.

    Returns
    -------
    dict
        ``metrics`` (the bundle's: the CRNN fused with the classic part when
        ``fusion_weight > 0``), ``pred_df`` (one row per test file), ``comparison``
        (table), ``breakdowns``, ``confused``, ``protocol`` (markdown).
    """
    from .evaluation import scoring
    from .models import recipe
    from .prep import split

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
    out["prediction_modes"] = _mode_metrics(prepared.y_test, p_modes)
    if has_modes:
        out["prediction_modes_weights"] = {m: bundle_obj.prediction_modes[m]["weights"] for m in p_modes}
        out["min_speaker_clips"] = int(bundle_obj.prediction_modes["min_speaker_clips"])
    if bundle_obj.settings.get("encoder"):
        out["encoder"] = {k: bundle_obj.settings["encoder"][k] for k in ("encoder", "model_sha256", "compute_type")}
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
        "summary": out,
    }


def _test_encoder_features(run: Run, bundle_obj, fs, ids) -> Any:
    """The test files' encoder features for the bundle (``pooled``, and ``frames`` when a frame head needs them)."""
    from types import SimpleNamespace

    from .models import parts

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
    from .models import modes, parts

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


def _mode_metrics(y: np.ndarray, p_modes: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """``metrics.json``'s ``prediction_modes``: accuracy, UAR, macro F1, n and a description per mode."""
    from .evaluation import metrics as ev
    from .models import modes

    out = {}
    for mode, p in p_modes.items():
        m = ev.metrics(np.asarray(y), p.argmax(1))
        out[mode] = {
            "accuracy": float(m["accuracy"]),
            "uar": float(m["uar"]),
            "macro_f1": float(m["macro_f1"]),
            "n": int(len(y)),
            "description": modes.DESCRIPTIONS[mode],
        }
    return out


def predict_one(run: Run, bundle_obj, path: str | os.PathLike | None, prepared=None) -> dict[str, Any]:
    """Predict one file with the saved bundle, as ``python -m ser_utils.predict`` would.

    ``path=None`` takes the first test file. Returns ``path``, ``emotion``, ``probabilities``,
    ``y`` (the waveform at the model's rate) and ``S`` (its log-mel, dB).
    """
    from . import features
    from .data import audio

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
