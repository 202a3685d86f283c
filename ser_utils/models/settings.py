"""The bundle's settings file (``bundle.json``): its names, required keys and checks.

Reading and checking ``bundle.json`` needs neither Keras nor TensorFlow, so
:func:`read_settings` stays light (:mod:`ser_utils.models.bundle` re-exports it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..config import EMOTIONS
from ..errors import ModelError
from ..features.settings import SETTING_KEYS

__all__ = [
    "MODEL_FILE",
    "SETTINGS_FILE",
    "CLASSIC_FILE",
    "CLASSIC_NORM_FILE",
    "FORMAT_VERSION",
    "REQUIRED_FEATURE_KEYS",
    "read_settings",
    "fallbacks",
]

MODEL_FILE = "model.keras"
SETTINGS_FILE = "bundle.json"
CLASSIC_FILE = "classic.skops"
CLASSIC_NORM_FILE = "classic_norm.npz"
FORMAT_VERSION = 1

#: Feature settings a bundle must hold to reproduce the model's inputs: those of
#: :data:`ser_utils.features.SETTING_KEYS`, less ``deltas`` (it may sit at the top level) and
#: ``pool_stats`` (bundles written before it existed pooled mean and std).
REQUIRED_FEATURE_KEYS: tuple[str, ...] = tuple(k for k in SETTING_KEYS if k not in ("deltas", "pool_stats"))


def _norm_stats(settings: dict[str, Any]) -> dict[str, Any] | None:
    """The normalisation statistics in ``settings``.

    ``normalisation_stats`` (as :func:`ser_utils.prep.prepare.prepare_datasets` names them),
    else ``norm_stats``, else ``normalisation`` when it is the stats dict itself.
    """
    for key in ("normalisation_stats", "norm_stats", "normalisation"):
        v = settings.get(key)
        if isinstance(v, dict) and "method" in v:
            return v
    return None


def _deltas(settings: dict[str, Any]) -> Any:
    if "deltas" in settings:
        return settings["deltas"]
    return settings.get("features", {}).get("deltas")


def _validate_settings(settings: Any, where: str) -> None:
    if not isinstance(settings, dict):
        raise ModelError(f"{where}: settings must be a dict, got {type(settings).__name__}")
    feats = settings.get("features")
    if not isinstance(feats, dict):
        raise ModelError(
            f"{where}: settings lack 'features' (the dict from features.feature_settings(cfg): "
            f"{', '.join(REQUIRED_FEATURE_KEYS)})"
        )
    missing = [k for k in REQUIRED_FEATURE_KEYS if k not in feats]
    if missing:
        raise ModelError(f"{where}: settings['features'] lacks {', '.join(missing)}")
    n_frames = settings.get("n_frames")
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
        raise ModelError(
            f"{where}: settings need 'n_frames', the fixed input length in frames (int >= 1), got {n_frames!r}"
        )
    d = _deltas(settings)
    if d not in (0, 1, 2):
        raise ModelError(f"{where}: settings need 'deltas' (0, 1 or 2, top level or in 'features'), got {d!r}")
    if _norm_stats(settings) is None:
        raise ModelError(
            f"{where}: settings need 'normalisation_stats', the statistics dict from normalise.fit (with a 'method')"
        )
    labels = settings.get("labels", list(EMOTIONS))
    if not isinstance(labels, (list, tuple)) or not labels or not all(isinstance(x, str) for x in labels):
        raise ModelError(f"{where}: 'labels' must be a non-empty list of class names, got {labels!r}")


def read_settings(folder: str | os.PathLike) -> dict[str, Any]:
    """Read and check ``bundle.json`` of a bundle folder, without loading the model (or TensorFlow).

    Raises
    ------
    ModelError
        The folder or ``bundle.json`` is missing, not JSON, or lacks required settings.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(
            f"model bundle folder {folder} does not exist (expected a folder with {MODEL_FILE} and {SETTINGS_FILE})"
        )
    path = folder / SETTINGS_FILE
    if not path.is_file():
        raise ModelError(f"model bundle {folder} is incomplete: {SETTINGS_FILE} is missing")
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model bundle {folder}: {SETTINGS_FILE} is not readable JSON ({exc})") from None
    _validate_settings(settings, str(path))
    return settings


#: Where ``bundle.json`` keeps the fallbacks of each step (``None``: the top level, notebook 03's), with a label.
FALLBACK_PLACES: tuple[tuple[str | None, str], ...] = (
    (None, "data preparation"),
    ("training", "CRNN training"),
    ("classic", "classic model"),
    ("prediction_modes", "prediction modes"),
)


def fallbacks(settings: dict[str, Any]) -> list[str]:
    """Every fallback a run recorded (what small data changed), labelled by its step, in pipeline order.

    Parameters
    ----------
    settings : dict
        ``bundle.json`` (:func:`read_settings`): notebook 03's ``fallbacks`` at the top level,
        and those of ``training``, ``classic`` and ``prediction_modes``.

    Returns
    -------
    list of str
        ``"<step>: <what was done instead>"``; empty when the data sufficed for every step.
    """
    out: list[str] = []
    for key, label in FALLBACK_PLACES:
        section = settings if key is None else settings.get(key)
        notes = section.get("fallbacks") if isinstance(section, dict) else None
        out += [f"{label}: {n}" for n in (notes or []) if isinstance(n, str)]
    return out


def _check_classic_settings(c: Any, where: str) -> None:
    if not isinstance(c, dict):
        raise ModelError(
            f"{where}: settings['classic'] must describe the classic model (fusion_weight, n_features, normalisation)"
        )
    w = c.get("fusion_weight")
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0.0 <= float(w) <= 1.0:
        raise ModelError(f"{where}: settings['classic']['fusion_weight'] must be a number in [0, 1], got {w!r}")
    if c.get("normalisation") not in ("per_speaker", "none"):
        raise ModelError(
            f"{where}: settings['classic']['normalisation'] must be 'per_speaker' or 'none', "
            f"got {c.get('normalisation')!r}"
        )
    n = c.get("n_features")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ModelError(f"{where}: settings['classic']['n_features'] must be a positive integer, got {n!r}")
