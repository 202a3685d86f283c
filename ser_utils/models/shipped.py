"""Which model bundle to use, and what it was trained on.

The project ships one bundle, ``models/four-corpora/`` (the ``multi`` recipe on real
RAVDESS, CREMA-D, TESS and SAVEE, rebuilt by ``./run_all.sh --build-model``). :func:`find_model` picks, in order:
a folder given explicitly (``--model DIR``), else the newest bundle under the artifacts
folder (what the last ``./run_all.sh`` trained), else the shipped one.
:func:`training_data` says what a bundle learnt from, so that a bundle trained on the
synthetic demo corpus is flagged (:data:`DEMO_WARNING`) wherever it is used.

Reads ``bundle.json`` only: no TensorFlow here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import default_artifacts_dir, project_root
from ..errors import ModelError
from .settings import SETTINGS_FILE

__all__ = ["DEMO_WARNING", "SHIPPED_NAME", "ModelChoice", "find_model", "newest_bundle", "shipped_dir", "training_data"]

#: Folder name of the shipped bundle under ``<repo>/models/``.
SHIPPED_NAME = "four-corpora"

#: Said wherever a bundle trained on the synthetic demo corpus predicts.
DEMO_WARNING = (
    "WARNING: this model was trained on the SYNTHETIC demo corpus (generated tones, not speech). "
    "Its predictions on real recordings mean nothing. Use the shipped model (models/"
    f"{SHIPPED_NAME}) or one trained on real RAVDESS (./run_all.sh --data-dir DIR)."
)


@dataclass(frozen=True)
class ModelChoice:
    """A bundle folder and why it was chosen: ``source`` is ``"given"``, ``"artifacts"`` or ``"shipped"``."""

    folder: Path
    source: str


def shipped_dir() -> Path:
    """``<repo>/models/four-corpora``."""
    return project_root() / "models" / SHIPPED_NAME


def newest_bundle(artifacts_dir: str | os.PathLike | None = None) -> Path | None:
    """The bundle folder under ``artifacts_dir`` whose ``bundle.json`` is newest (None when there is none).

    Folders whose name starts with a dot (``.build-model``: the shipped model's work) are skipped,
    and so are bundles trained on the synthetic demo corpus: the first ``./run_all.sh`` of a fresh
    clone makes one, and it must not take the real shipped model's place unless it is asked for
    (``--model DIR``, where it is flagged).
    """
    root = Path(artifacts_dir) if artifacts_dir is not None else default_artifacts_dir()
    if not root.is_dir():
        return None
    found = [
        p for p in root.rglob(SETTINGS_FILE)
        if not any(part.startswith(".") for part in p.relative_to(root).parts)
        and (p.parent / "model.keras").is_file()
        and not _synthetic(p)
    ]
    return max(found, key=lambda p: p.stat().st_mtime).parent if found else None


def _synthetic(settings_file: Path) -> bool:
    """True when the bundle of ``settings_file`` says (or its run says) it learnt the demo corpus."""
    try:
        settings = json.loads(settings_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(training_data(settings_file.parent, settings if isinstance(settings, dict) else {})["synthetic"])


def find_model(
    given: str | os.PathLike | None = None, *, artifacts_dir: str | os.PathLike | None = None
) -> ModelChoice:
    """The bundle to predict with: ``given``, else the newest under the artifacts, else the shipped one.

    Raises
    ------
    ModelError
        ``given`` is not a folder, or there is no bundle at all.
    """
    if given is not None:
        if not Path(given).is_dir():
            raise ModelError(
                f"model bundle folder {given} does not exist (expected a folder with model.keras and {SETTINGS_FILE})"
            )
        return ModelChoice(Path(given), "given")
    newest = newest_bundle(artifacts_dir)
    if newest is not None:
        return ModelChoice(newest, "artifacts")
    if (shipped_dir() / SETTINGS_FILE).is_file():
        return ModelChoice(shipped_dir(), "shipped")
    raise ModelError(
        f"no model bundle: none under the artifacts folder and the shipped one ({shipped_dir()}) is missing; "
        "rebuild it with ./run_all.sh --build-model --data-dir DIR, or pass --model DIR"
    )


def training_data(folder: str | os.PathLike, settings: dict[str, Any]) -> dict[str, Any]:
    """What a bundle was trained on.

    Parameters
    ----------
    folder : path
        The bundle folder (for bundles of notebook 04 that predate ``settings["data"]``,
        ``01_eda/dataset.json`` of the same artifacts folder is read).
    settings : dict
        Its ``bundle.json``.

    Returns
    -------
    dict
        ``synthetic`` (True, False or None when unknown), ``description`` (one sentence),
        ``actors`` (the training and validation actors).
    """
    data = settings.get("data") if isinstance(settings.get("data"), dict) else None
    if data is None:
        ds = Path(folder).parent.parent / "01_eda" / "dataset.json"
        try:
            data = json.loads(ds.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
    actors = settings.get("actors") or {}
    used = sorted({int(a) for part in ("train", "val") for a in actors.get(part, [])})
    synthetic = data.get("synthetic")
    n = data.get("n_files", "?")
    who = f"actors {', '.join(f'{a:02d}' for a in used)}" if used else "unknown actors"
    corpora = sorted(str(c).upper() for c in (data.get("corpora") or {}))  # {corpus: files or {...}}
    if synthetic is False and len(corpora) > 1:
        names = ", ".join(corpora[:-1]) + " and " + corpora[-1]
        text = f"real recordings of {names} ({n} files; trained on {len(used)} speakers)"
        return {"synthetic": False, "description": text, "actors": used}
    if synthetic:
        text = f"the SYNTHETIC demo corpus ({n} generated files, {who}): not speech"
    elif synthetic is False:
        text = f"real RAVDESS recordings ({n} files; trained on {who})"
    else:
        text = f"unknown data ({who}; the bundle does not record its corpus)"
    return {"synthetic": synthetic, "description": text, "actors": used}
