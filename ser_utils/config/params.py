"""Every parameter of the pipeline: its default, meaning, section and check (:class:`Param`, :data:`PARAMS`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .labels import FRAME_FEATURES, POOL_STATS

__all__ = ["Param", "PARAMS"]


@dataclass(frozen=True)
class Param:
    """One parameter: its default, what it means, and how it is checked.

    ``kind`` is one of ``"int"``, ``"float"``, ``"bool"``, ``"str"``, ``"path"``,
    ``"paths"`` (one path, or a list of paths), ``"int_list"``, ``"str_list"``; ``choices`` restricts the value (or, for
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
        "paths",
        "audio folder, or a list of folders (RAVDESS, CREMA-D, TESS, SAVEE read together); "
        "None = data/ if it has RAVDESS files, else the demo corpus",
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
    "encoder_layers": _p(
        "features",
        6,
        "int",
        "Whisper-base encoder layers run: 6 = all (its output); fewer = a middle layer's output, through the "
        "final layer norm (docs/experiments.md, session 6)",
        low=1,
        high=6,
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
