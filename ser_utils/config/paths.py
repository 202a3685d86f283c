"""The project's paths: its root, the default data and artifacts folders, and each notebook's artifacts."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigError

__all__ = ["project_root", "default_artifacts_dir", "default_data_dir", "ARTIFACTS", "artifact_path"]


def project_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml``), else the current folder."""
    here = Path(__file__).resolve().parents[2]  # ser_utils/config/paths.py -> the repository
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
    from ..errors import ArtifactMissingError

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
