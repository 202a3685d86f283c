"""Which notebook takes which parameter: :data:`NOTEBOOK_PARAMS`, the one registry, and its checks."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigError
from .params import PARAMS

__all__ = ["START_PARAMS", "NOTEBOOK_PARAMS", "notebook_params", "notebooks_taking", "check_notebook_files"]

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
        "encoder_layers",
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
