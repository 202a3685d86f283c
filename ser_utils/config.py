"""Every parameter of the pipeline, its default, the profiles, and the project's paths.

This is the one place where parameters are defined, and :data:`NOTEBOOK_PARAMS` the one
place that says which notebook takes which. A notebook's ``parameters`` cell assigns
:data:`START_PARAMS` and its registered names, each ``None`` ("the profile's value"; a test
holds the cell equal to the registry), and calls ``pipeline.start(NAME, globals())``, which
reads them and calls :func:`resolve` to get a validated, complete configuration.

Run ``python -m ser_utils.config [--profile NAME]`` to print the table of parameters and
the notebooks that take each.
"""

from __future__ import annotations

import argparse
import ast
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = [
    "EMOTIONS",
    "FRAME_FEATURES",
    "POOL_STATS",
    "PARAMS",
    "PROFILES",
    "NOTEBOOK_PARAMS",
    "START_PARAMS",
    "notebook_params",
    "notebooks_taking",
    "check_notebook_files",
    "Param",
    "resolve",
    "check",
    "parse_value",
    "project_root",
    "default_artifacts_dir",
    "default_data_dir",
    "artifact_path",
    "ARTIFACTS",
]

#: The eight RAVDESS emotions, in label order (label ``i`` is emotion id ``i + 1``).
EMOTIONS: tuple[str, ...] = (
    "neutral",
    "calm",
    "happy",
    "sad",
    "angry",
    "fearful",
    "disgust",
    "surprised",
)

FRAME_FEATURES: tuple[str, ...] = (
    "mfcc",
    "mfcc_delta",
    "mfcc_delta2",
    "chroma",
    "contrast",
    "zcr",
    "rms",
    "centroid",
    "bandwidth",
    "rolloff",
    "f0",
)

#: Statistics over time that can pool a frame-level feature into a per-file vector
#: (``pool_stats``): mean, standard deviation, 10th/50th/90th percentiles, the standard
#: deviation of the frame-to-frame differences, and the least-squares slope per frame.
POOL_STATS: tuple[str, ...] = ("mean", "std", "p10", "p50", "p90", "delta_std", "slope")


@dataclass(frozen=True)
class Param:
    """One parameter: its default, what it means, and how it is checked.

    ``kind`` is one of ``"int"``, ``"float"``, ``"bool"``, ``"str"``, ``"path"``,
    ``"int_list"``, ``"str_list"``; ``choices`` restricts the value (or, for
    ``str_list``, each item); ``low``/``high`` bound numbers (inclusive);
    ``optional`` allows ``None`` as a value.
    """

    default: Any
    help: str
    kind: str
    section: str
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    optional: bool = False


def _p(section: str, default: Any, kind: str, help: str, **kw: Any) -> Param:
    return Param(default=default, help=help, kind=kind, section=section, **kw)


#: Every parameter, by name. The defaults here are the ``full`` profile's base values.
PARAMS: dict[str, Param] = {
    # --- data -----------------------------------------------------------------------
    "data_dir": _p(
        "data",
        None,
        "path",
        "RAVDESS audio root(s); None = data/ if it has RAVDESS files, else the demo corpus",
        optional=True,
    ),
    "demo_actors": _p(
        "data", 24, "int", "actors in the synthetic demo corpus made when no data is given", low=1, high=24
    ),
    "sample_rate": _p("data", 22050, "int", "rate every file is resampled to (Hz)", low=8000, high=48000),
    "min_duration_s": _p("data", 0.5, "float", "files shorter than this are skipped", low=0.0),
    "vocal_channels": _p(
        "data", ["speech", "song"], "str_list", "which RAVDESS channels to use", choices=("speech", "song")
    ),
    # --- features -------------------------------------------------------------------
    "n_mels": _p("features", 128, "int", "mel bands of the log-mel input", low=8, high=256),
    "n_fft": _p("features", 2048, "int", "FFT size (samples)", low=64, high=8192),
    "hop_length": _p("features", 512, "int", "hop between frames (samples)", low=16, high=4096),
    "fmin": _p("features", 0.0, "float", "lowest mel frequency (Hz)", low=0.0),
    "fmax": _p("features", None, "float", "highest mel frequency (Hz); None = sample_rate / 2", low=0.0, optional=True),
    "trim_silence": _p("features", True, "bool", "trim leading and trailing silence before fixing the length"),
    "trim_top_db": _p("features", 40.0, "float", "silence threshold for trimming (dB below the peak)", low=1.0),
    "length_percentile": _p(
        "features",
        95.0,
        "float",
        "fixed input length = this percentile of (trimmed) training-corpus durations",
        low=1.0,
        high=100.0,
    ),
    "max_frames": _p(
        "features", None, "int", "fixed input length in frames; None = from length_percentile", low=1, optional=True
    ),
    "deltas": _p(
        "features",
        0,
        "int",
        "log-mel channels: 0 = log-mel only, 1 = + delta, 2 = + delta and delta-delta",
        low=0,
        high=2,
    ),
    "frame_features": _p(
        "features", [], "str_list", "extra frame-level features, also pooled for the baseline", choices=FRAME_FEATURES
    ),
    "pool_stats": _p(
        "features",
        list(POOL_STATS),
        "str_list",
        "statistics over time that pool each band and frame feature into the classic model's vector",
        choices=POOL_STATS,
    ),
    "n_mfcc": _p("features", 40, "int", "MFCC coefficients", low=13, high=40),
    "n_jobs": _p("features", -1, "int", "parallel workers for extraction (-1 = all cores)"),
    "encoder": _p(
        "features",
        "whisper-base",
        "str",
        "pretrained speech encoder beside the log-mels (Whisper-base through CTranslate2, "
        "weights checked by SHA-256); none = off",
        choices=("whisper-base", "none"),
    ),
    "encoder_compute_type": _p(
        "features",
        "int8",
        "str",
        "CTranslate2 compute type of the encoder on the CPU",
        choices=("int8", "int8_float32", "float32"),
    ),
    "encoder_frame_pool": _p(
        "features", 4, "int", "encoder frames averaged for the stored frame sequence (x 20 ms)", low=1, high=50
    ),
    "encoder_pool_stats": _p(
        "features",
        ["mean", "std"],
        "str_list",
        "statistics over the encoder frames that make its pooled vector",
        choices=POOL_STATS,
    ),
    "cache_dir": _p("features", None, "path", "feature cache folder; None = <artifacts_dir>/cache", optional=True),
    # --- split ----------------------------------------------------------------------
    "split": _p(
        "split",
        "speaker",
        "str",
        "random: stratified by emotion; speaker: actor-disjoint",
        choices=("random", "speaker"),
    ),
    "test_actors": _p(
        "split",
        None,
        "int_list",
        "with split=speaker: exactly these actors form the test set; None = use `fold`",
        optional=True,
    ),
    "n_folds": _p(
        "split",
        None,
        "int",
        "with split=speaker and no test_actors: folds of actors (None = actors // 4)",
        low=2,
        optional=True,
    ),
    "fold": _p("split", 0, "int", "which actor fold is the test set", low=0),
    "n_val_actors": _p(
        "split",
        2,
        "int",
        "with split=speaker: validation actors taken from the training actors (gender-balanced)",
        low=1,
    ),
    "test_size": _p("split", 0.2, "float", "with split=random: test fraction", low=0.05, high=0.5),
    "val_size": _p(
        "split",
        0.1,
        "float",
        "with split=random: validation fraction (of all files, carved from training)",
        low=0.02,
        high=0.5,
    ),
    "seed": _p("split", 42, "int", "seed for splits, augmentation, sampling and training", low=0),
    # --- augmentation (training part only) ------------------------------------------
    "aug_copies": _p(
        "augment", 1, "int", "augmented copies per training file (0 = no waveform augmentation)", low=0, high=10
    ),
    "aug_noise_snr_db": _p("augment", 20.0, "float", "Gaussian noise at this SNR (dB); None = off", optional=True),
    "aug_pitch_semitones": _p(
        "augment", 2.0, "float", "random pitch shift within +/- this many semitones; 0 = off", low=0.0, high=12.0
    ),
    "aug_stretch": _p(
        "augment", 0.1, "float", "random time stretch by a factor within 1 +/- this; 0 = off", low=0.0, high=0.5
    ),
    "aug_shift_s": _p(
        "augment", 0.2, "float", "random circular time shift within +/- this many seconds; 0 = off", low=0.0
    ),
    "aug_gain_db": _p("augment", 6.0, "float", "random gain within +/- this many dB; 0 = off", low=0.0),
    "specaug_time_masks": _p("augment", 2, "int", "SpecAugment time masks per training example; 0 = off", low=0),
    "specaug_time_width": _p("augment", 20, "int", "largest time mask (frames)", low=1),
    "specaug_freq_masks": _p("augment", 2, "int", "SpecAugment frequency masks per training example; 0 = off", low=0),
    "specaug_freq_width": _p("augment", 12, "int", "largest frequency mask (mel bands)", low=1),
    "mixup_alpha": _p("augment", 0.0, "float", "mixup Beta(alpha, alpha) on training batches; 0 = off", low=0.0),
    # --- balancing and normalisation --------------------------------------------------
    "balance": _p(
        "balance",
        "oversample",
        "str",
        "training-set balancing",
        choices=("oversample", "smote", "class_weight", "none"),
    ),
    "normalisation": _p(
        "balance",
        "per_speaker",
        "str",
        "feature standardisation, statistics from the training part (per_speaker: each actor's own)",
        choices=("per_utterance", "global", "per_speaker"),
    ),
    # --- model ----------------------------------------------------------------------
    "model": _p(
        "model", "crnn", "str", "architecture", choices=("crnn", "cnn_bilstm", "cnn_bilstm_attention", "attn_crnn")
    ),
    "conv_filters": _p("model", [32, 64], "int_list", "filters of each convolution block"),
    "lstm_units": _p("model", [128, 64], "int_list", "units of each (Bi)LSTM layer"),
    "dense_units": _p("model", 64, "int", "units of the dense layer before the output (0 = none)", low=0),
    "dropout": _p("model", 0.3, "float", "dropout rate", low=0.0, high=0.9),
    "attention_heads": _p("model", 4, "int", "heads of multi-head attention (attention models)", low=1),
    # --- training -------------------------------------------------------------------
    "epochs": _p("train", 60, "int", "most epochs (early stopping may end sooner)", low=1),
    "batch_size": _p("train", 32, "int", "batch size", low=1),
    "optimizer": _p("train", "adam", "str", "optimizer", choices=("adam", "adamw")),
    "learning_rate": _p("train", 1e-3, "float", "initial learning rate", low=0.0),
    "weight_decay": _p("train", 1e-4, "float", "AdamW weight decay", low=0.0),
    "lr_schedule": _p(
        "train",
        "plateau",
        "str",
        "plateau: ReduceLROnPlateau on validation loss; cosine: cosine decay; none",
        choices=("plateau", "cosine", "none"),
    ),
    "label_smoothing": _p("train", 0.0, "float", "label smoothing", low=0.0, high=0.5),
    "clipnorm": _p("train", None, "float", "gradient clipping by norm; None = off", low=0.0, optional=True),
    "early_stopping_patience": _p(
        "train", 10, "int", "epochs without validation improvement before stopping (best weights restored)", low=1
    ),
    "reduce_lr_patience": _p(
        "train", 4, "int", "epochs without validation improvement before halving the learning rate", low=1
    ),
    "deterministic": _p("train", True, "bool", "seed everything and use deterministic ops"),
    # --- the classic model on pooled vectors, fused with the CRNN --------------------------
    "classic_model": _p(
        "classic",
        "svm+logreg",
        "str",
        "classifier on the pooled vectors, kept in the bundle beside the CRNN",
        choices=("svm", "logreg", "svm+logreg"),
    ),
    "classic_C": _p("classic", 10.0, "float", "SVM: inverse regularisation C", low=1e-6),
    "classic_gamma": _p(
        "classic", 0.3, "float", "SVM: RBF gamma as a multiple of 1 / n_features (1 = scikit-learn's 'scale')", low=1e-6
    ),
    "classic_logreg_C": _p("classic", 0.01, "float", "logistic regression: inverse regularisation C", low=1e-6),
    "fusion_weight": _p(
        "classic",
        0.6,
        "float",
        "the bundle predicts (1 - w) * CRNN + w * classic probabilities; 0 = the CRNN alone",
        low=0.0,
        high=1.0,
    ),
    "encoder_C": _p(
        "classic", 0.01, "float", "logistic regression on the encoder statistics: inverse regularisation C", low=1e-6
    ),
    "min_speaker_clips": _p(
        "classic",
        8,
        "int",
        "per-speaker prediction needs at least this many clips of a new speaker in one call; fewer: single clip",
        low=2,
    ),
    "frame_head": _p(
        "classic",
        False,
        "bool",
        "also train the small Keras head over the encoder frame sequence (attentive statistics pooling) as a part",
    ),
    "frame_head_units": _p("classic", 64, "int", "frame head: units of the per-frame projection (0 = none)", low=0),
    "frame_head_dropout": _p("classic", 0.5, "float", "frame head: dropout rate", low=0.0, high=0.9),
    "frame_head_l2": _p("classic", 0.01, "float", "frame head: L2 penalty of the output layer", low=0.0),
    "frame_head_epochs": _p("classic", 60, "int", "frame head: most epochs (early stopping on validation loss)", low=1),
    "frame_head_patience": _p("classic", 8, "int", "frame head: epochs without validation improvement", low=1),
    "frame_head_lr": _p("classic", 1e-3, "float", "frame head: Adam learning rate", low=1e-6),
    "frame_head_max_frames": _p(
        "classic", 150, "int", "frame head: longer clips keep their central frames (frame_pool * 20 ms each)", low=1
    ),
    # --- evaluation -----------------------------------------------------------------
    "predict_file": _p(
        "evaluate",
        None,
        "path",
        "one audio file to predict at the end of notebook 5; None = the first test file",
        optional=True,
    ),
    # --- cross-corpus evaluation (notebook 06) -------------------------------------------
    "cross_corpus_dirs": _p(
        "cross_corpus",
        [],
        "str_list",
        "folders of other corpora (CREMA-D, TESS, SAVEE) the saved bundle is scored on; [] = skip notebook 6",
    ),
    "cross_corpus_max_files": _p(
        "cross_corpus", None, "int", "score at most this many random files per folder; None = all", optional=True, low=1
    ),
}

#: What every notebook's ``parameters`` cell assigns first: not configuration values but
#: how to find them (``--profile`` and ``--artifacts-dir`` of ``./run_all.sh``).
START_PARAMS: tuple[str, ...] = ("profile", "artifacts_dir")

#: The parameters each notebook takes, in the order of its ``parameters`` cell (after
#: :data:`START_PARAMS`). Adding a parameter or a notebook: one line here plus the cell.
NOTEBOOK_PARAMS: dict[str, tuple[str, ...]] = {
    "01_eda": (
        "data_dir",
        "demo_actors",
        "min_duration_s",
        "vocal_channels",
        "sample_rate",
        "n_mels",
        "n_fft",
        "hop_length",
    ),
    "02_features": (
        "sample_rate",
        "n_mels",
        "n_fft",
        "hop_length",
        "fmin",
        "fmax",
        "trim_silence",
        "trim_top_db",
        "frame_features",
        "pool_stats",
        "n_mfcc",
        "n_jobs",
        "cache_dir",
        "encoder",
        "encoder_compute_type",
        "encoder_frame_pool",
        "encoder_pool_stats",
    ),
    "03_oversampling": (
        "split",
        "test_actors",
        "n_folds",
        "fold",
        "n_val_actors",
        "test_size",
        "val_size",
        "seed",
        "length_percentile",
        "max_frames",
        "deltas",
        "aug_copies",
        "aug_noise_snr_db",
        "aug_pitch_semitones",
        "aug_stretch",
        "aug_shift_s",
        "aug_gain_db",
        "normalisation",
        "balance",
        "n_jobs",
        "cache_dir",
    ),
    "04_crnn_training": (
        "model",
        "conv_filters",
        "lstm_units",
        "dense_units",
        "dropout",
        "attention_heads",
        "epochs",
        "batch_size",
        "optimizer",
        "learning_rate",
        "weight_decay",
        "lr_schedule",
        "label_smoothing",
        "clipnorm",
        "early_stopping_patience",
        "reduce_lr_patience",
        "specaug_time_masks",
        "specaug_time_width",
        "specaug_freq_masks",
        "specaug_freq_width",
        "mixup_alpha",
        "deterministic",
        "seed",
        "classic_model",
        "classic_C",
        "classic_gamma",
        "classic_logreg_C",
        "fusion_weight",
        "encoder_C",
        "min_speaker_clips",
        "frame_head",
        "frame_head_units",
        "frame_head_dropout",
        "frame_head_l2",
        "frame_head_epochs",
        "frame_head_patience",
        "frame_head_lr",
        "frame_head_max_frames",
        "cache_dir",
    ),
    "05_evaluation": ("predict_file",),
    "06_cross_corpus": ("cross_corpus_dirs", "cross_corpus_max_files", "min_duration_s", "seed", "n_jobs", "cache_dir"),
}


def notebook_params(notebook: str) -> tuple[str, ...]:
    """The parameters a notebook takes (:data:`NOTEBOOK_PARAMS`), less :data:`START_PARAMS`.

    Parameters
    ----------
    notebook : str
        The notebook's name without ``.ipynb``, e.g. ``"04_crnn_training"``.

    Raises
    ------
    ConfigError
        The notebook is not registered, or its entry names a parameter :data:`PARAMS` lacks.
    """
    if notebook not in NOTEBOOK_PARAMS:
        raise ConfigError(
            f"notebook {notebook!r} is not registered in ser_utils.config.NOTEBOOK_PARAMS "
            f"(registered: {', '.join(NOTEBOOK_PARAMS)}); add a line naming the parameters it takes"
        )
    names = NOTEBOOK_PARAMS[notebook]
    unknown = [n for n in names if n not in PARAMS]
    if unknown:
        raise ConfigError(
            f"NOTEBOOK_PARAMS[{notebook!r}] names {', '.join(map(repr, unknown))}, which ser_utils.config.PARAMS "
            "does not define; add them to PARAMS or remove them from the entry"
        )
    return names


def notebooks_taking(name: str) -> list[str]:
    """The registered notebooks that take parameter ``name`` (empty when none does)."""
    return [nb for nb, names in NOTEBOOK_PARAMS.items() if name in names]


def check_notebook_files(notebooks_dir: str | os.PathLike) -> list[Path]:
    """The notebooks ``NN_*.ipynb`` of a folder, in order, each one registered.

    Raises
    ------
    ConfigError
        A notebook file is not in :data:`NOTEBOOK_PARAMS`, or a registered notebook has no file.
    """
    folder = Path(notebooks_dir)
    files = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file())
    unregistered = [p.stem for p in files if p.stem not in NOTEBOOK_PARAMS]
    missing = [nb for nb in NOTEBOOK_PARAMS if not (folder / f"{nb}.ipynb").is_file()]
    problems = []
    if unregistered:
        problems.append(
            f"{', '.join(f'{n}.ipynb' for n in unregistered)} not registered in ser_utils.config.NOTEBOOK_PARAMS "
            "(add a line naming the parameters it takes)"
        )
    if missing:
        problems.append(
            f"registered notebook(s) {', '.join(missing)} missing from {folder} "
            "(restore the file or remove its NOTEBOOK_PARAMS line)"
        )
    if problems:
        raise ConfigError("; ".join(problems))
    for p in files:
        notebook_params(p.stem)
    return files


#: Named profiles: overrides of the defaults above.
PROFILES: dict[str, dict[str, Any]] = {
    # Real RAVDESS, the real recipe: chosen by 5-fold speaker-independent CV within a
    # 2-core CPU budget (docs/experiments.md, benchmarks/cv_speaker.py). A small
    # attention CRNN on trimmed, full-length 64-band log-mels, per-speaker
    # normalisation, SpecAugment, no waveform augmentation (too slow to extract), fused
    # (fusion_weight 0.6, the defaults above) with an SVM + logistic regression on the
    # 7-statistic pooled vectors: UAR 0.745 +/- 0.016 over 5 folds of 4 unseen actors.
    # Issue 11 adds the Whisper-base encoder (int8) with a logistic regression on its
    # mean + std statistics (encoder_C 0.01), per mode: per-speaker (>= min_speaker_clips
    # clips of a speaker) and single clip; the parts' fusion weights are chosen on the
    # validation actors. The whole product, 5 folds by actor (benchmarks/cv_product.py): UAR
    # 0.803 +/- 0.043 per-speaker, 0.734 +/- 0.045 single clip (docs/experiments.md, session 4).
    "full": {
        "encoder": "whisper-base",
        "n_mels": 64,
        "aug_copies": 0,
        "model": "attn_crnn",
        "conv_filters": [16, 32],
        "lstm_units": [64],
        # 40: the CRNN is one part of four now (fusion weight 0.3-0.4 on the validation
        # actors), and 40 epochs keep a cold run of 2452 files within 10 minutes on 2 cores
        # (60 epochs: 9.0 min for 2035 files, 7.5 of them in notebook 04; the run stopped at 50,
        # best 40). CRNN alone, 5 folds (session 2): 0.660 with 60 epochs, 0.634 with 30.
        "epochs": 40,
        # pooled (with every pool_stats statistic) for the classic model fused with the CRNN;
        # ~30 s more extraction on 2 cores
        "frame_features": [
            "mfcc",
            "mfcc_delta",
            "mfcc_delta2",
            "chroma",
            "contrast",
            "zcr",
            "rms",
            "centroid",
            "bandwidth",
            "rolloff",
            "f0",
        ],
    },
    # The synthetic demo corpus, quick on 2 CPU cores.
    # 12 actors -> 3 gender-balanced folds: 4 test, 2 validation and 6 training actors.
    # Measured on a 2-core CPU (2026-11-21): about 1.5 minutes for the five notebooks;
    # bundle UAR ~0.91 (CRNN alone ~0.59).
    "demo": {
        # the pretrained encoder is off: the demo (and the notebook-series test in CI) stays fast
        # and needs no weights; the full profile uses it
        "encoder": "none",
        "demo_actors": 12,
        "sample_rate": 16000,
        "n_mels": 64,
        "n_fft": 1024,
        "hop_length": 512,
        "aug_copies": 0,
        "conv_filters": [16, 32],
        "lstm_units": [32],
        "dense_units": 32,
        "epochs": 20,
        "early_stopping_patience": 6,
    },
    # Seed 004's recipe, reproduced for comparison (random split, 100 frames, no trimming).
    "seed004": {
        "encoder": "none",
        "split": "random",
        "trim_silence": False,
        "max_frames": 100,
        "aug_copies": 0,
        "specaug_time_masks": 0,
        "specaug_freq_masks": 0,
        "balance": "oversample",
        "normalisation": "per_utterance",
        "model": "crnn",
        "conv_filters": [32, 64],
        "lstm_units": [128, 64],
        "dense_units": 0,
        "learning_rate": 1e-4,
        "lr_schedule": "none",
        "epochs": 60,
        # the seeds pooled mean and std only, and predicted with the CRNN alone
        "pool_stats": ["mean", "std"],
        "fusion_weight": 0.0,
    },
}


def parse_value(text: str) -> Any:
    """Read a command-line value the way a user means it.

    ``"17"`` -> 17, ``"0.5"`` -> 0.5, ``"true"`` -> True, ``"none"`` -> None,
    ``"[17, 18]"`` -> [17, 18], ``"17,18"`` -> [17, 18], ``"[speech, song]"`` ->
    ["speech", "song"], ``"'17'"`` -> "17"; anything else stays a string.
    """
    s = text.strip()
    low = s.lower()
    if low in ("none", "null", "~", ""):
        return None
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    try:
        value = ast.literal_eval(s)
    except (ValueError, SyntaxError):
        pass
    else:
        return list(value) if isinstance(value, tuple) else value  # "17,18" is a list, not a tuple
    if s.startswith("[") and s.endswith("]"):  # a YAML list of bare words: [speech, song]
        return [parse_value(part.strip().strip("'\"")) for part in s[1:-1].split(",") if part.strip()]
    if "," in s:
        return [parse_value(part) for part in s.split(",") if part.strip()]
    return s


def _check(name: str, value: Any) -> Any:
    spec = PARAMS[name]
    if isinstance(value, str) and spec.kind not in ("str", "path"):
        value = parse_value(value)
    if value is None:
        if spec.optional:
            return None
        raise ConfigError(f"parameter {name!r} may not be None ({spec.help})")
    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"parameter {name!r} must be true or false, got {value!r}")
    elif kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"parameter {name!r} must be an integer, got {value!r}")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"parameter {name!r} must be a number, got {value!r}")
        value = float(value)
    elif kind in ("str", "path"):
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str):
            raise ConfigError(f"parameter {name!r} must be a string, got {value!r}")
    elif kind in ("int_list", "str_list"):
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"parameter {name!r} must be a list, got {value!r}")
        item_type = int if kind == "int_list" else str
        if not all(isinstance(v, item_type) and not isinstance(v, bool) for v in value):
            raise ConfigError(f"parameter {name!r} must be a list of {item_type.__name__}, got {value!r}")
        value = list(value)
    if spec.choices is not None:
        items = value if kind.endswith("_list") else [value]
        bad = [v for v in items if v not in spec.choices]
        if bad:
            raise ConfigError(f"parameter {name!r}: {bad[0]!r} is not one of {', '.join(map(str, spec.choices))}")
    if kind in ("int", "float"):
        if spec.low is not None and value < spec.low:
            raise ConfigError(f"parameter {name!r} must be >= {spec.low}, got {value!r}")
        if spec.high is not None and value > spec.high:
            raise ConfigError(f"parameter {name!r} must be <= {spec.high}, got {value!r}")
    return value


def check(name: str, value: Any) -> Any:
    """Validate (and coerce) one parameter's value; raise :class:`ConfigError` when it is wrong."""
    if name not in PARAMS:
        raise ConfigError(f"unknown parameter {name!r}; run `python -m ser_utils.config` to list them")
    return _check(name, value)


def resolve(profile: str = "full", /, **overrides: Any) -> dict[str, Any]:
    """Return the complete, validated configuration of a profile with overrides applied.

    Parameters
    ----------
    profile : str
        A key of :data:`PROFILES` (``"demo"``, ``"full"``, ``"seed004"``).
    **overrides
        Parameter values; ``None`` means "keep the profile's value" (this is how a
        notebook's ``parameters`` cell says "not set"). Strings are parsed for
        non-string parameters, so ``test_actors="[17, 18]"`` works.

    Returns
    -------
    config : dict
        Every name in :data:`PARAMS` with its value, plus ``"profile"``.

    Raises
    ------
    ConfigError
        Unknown profile or parameter, or a value of the wrong type or out of range.
    """
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    unknown = sorted(set(overrides) - set(PARAMS))
    if unknown:
        raise ConfigError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))}; run `python -m ser_utils.config` to list them"
        )
    cfg: dict[str, Any] = {name: spec.default for name, spec in PARAMS.items()}
    cfg.update(PROFILES[profile])
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    out = {name: _check(name, value) for name, value in cfg.items()}
    if out["fmax"] is not None and out["fmax"] > out["sample_rate"] / 2:
        raise ConfigError(f"fmax={out['fmax']} is above the Nyquist frequency of sample_rate={out['sample_rate']}")
    if out["hop_length"] > out["n_fft"]:
        raise ConfigError(f"hop_length={out['hop_length']} must not exceed n_fft={out['n_fft']}")
    if out["test_actors"] is not None:
        bad = [a for a in out["test_actors"] if not 1 <= a <= 24]
        if bad or not out["test_actors"]:
            raise ConfigError(f"test_actors must be a non-empty list of actor numbers 1-24, got {out['test_actors']!r}")
        out["test_actors"] = sorted(set(out["test_actors"]))
    out["profile"] = profile
    return out


# --- paths ---------------------------------------------------------------------------


def project_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml``), else the current folder."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").is_file():
        return here
    return Path.cwd()


def default_artifacts_dir() -> Path:
    """``$SER_ARTIFACTS_DIR`` if set, else ``<project root>/artifacts``."""
    env = os.environ.get("SER_ARTIFACTS_DIR")
    return Path(env) if env else project_root() / "artifacts"


def default_data_dir() -> Path:
    """``<project root>/data``: where users put RAVDESS and where the demo corpus is made."""
    return project_root() / "data"


#: What each notebook writes under the artifacts folder, and which notebook writes it.
ARTIFACTS: dict[str, tuple[str, str]] = {
    "dataset": ("01_eda/dataset.json", "01_eda"),
    "manifest": ("01_eda/manifest.csv", "01_eda"),
    "skipped": ("01_eda/skipped.csv", "01_eda"),
    "features": ("02_features/features.npz", "02_features"),
    "feature_settings": ("02_features/feature_settings.json", "02_features"),
    "feature_index": ("02_features/index.csv", "02_features"),
    "encoder_features": ("02_features/encoder.npz", "02_features"),
    "split": ("03_oversampling/split.csv", "03_oversampling"),
    "datasets": ("03_oversampling/datasets.npz", "03_oversampling"),
    "prep_settings": ("03_oversampling/prep_settings.json", "03_oversampling"),
    "bundle": ("04_crnn_training/bundle", "04_crnn_training"),
    "history": ("04_crnn_training/history.csv", "04_crnn_training"),
    "train_info": ("04_crnn_training/train_info.json", "04_crnn_training"),
    "metrics": ("05_evaluation/metrics.json", "05_evaluation"),
    "predictions": ("05_evaluation/predictions.csv", "05_evaluation"),
    "cross_corpus": ("06_cross_corpus/cross_corpus.json", "06_cross_corpus"),
    "cross_corpus_predictions": ("06_cross_corpus/predictions.csv", "06_cross_corpus"),
}


def artifact_path(artifacts_dir: str | os.PathLike | None, name: str, *, must_exist: bool = False) -> Path:
    """Path of a named artifact; with ``must_exist``, say which notebook to run when it is missing.

    Raises
    ------
    ArtifactMissingError
        ``must_exist`` is true and the artifact is not there.
    """
    from .errors import ArtifactMissingError

    if name not in ARTIFACTS:
        raise ConfigError(f"unknown artifact {name!r}; known: {', '.join(ARTIFACTS)}")
    rel, notebook = ARTIFACTS[name]
    base = Path(artifacts_dir) if artifacts_dir else default_artifacts_dir()
    path = base / rel
    if must_exist and not path.exists():
        raise ArtifactMissingError(
            f"{path} is missing: run notebooks/{notebook}.ipynb first "
            f"(it writes {rel} under the artifacts folder {base})"
        )
    return path


def main(argv: list[str] | None = None) -> int:
    """Print every parameter with its value in a profile and the notebooks that take it."""
    ap = argparse.ArgumentParser(prog="python -m ser_utils.config", description=main.__doc__)
    ap.add_argument("--profile", default="full", choices=sorted(PROFILES))
    args = ap.parse_args(argv)
    cfg = resolve(args.profile)
    section = None
    for name, spec in PARAMS.items():
        if spec.section != section:
            section = spec.section
            print(f"\n[{section}]")
        takers = ", ".join(nb.split("_", 1)[0] for nb in notebooks_taking(name)) or "no notebook"
        print(f"  {name:<26} = {cfg[name]!r:<22} [{takers}] {spec.help}")
    print("\n[notebooks] " + "; ".join(f"{nb.split('_', 1)[0]} = {nb}" for nb in NOTEBOOK_PARAMS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
