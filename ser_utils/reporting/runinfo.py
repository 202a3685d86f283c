"""What the record of a run says about the code and the machine: commit, versions, date (:func:`run_info`)."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import config

__all__ = ["run_info"]

_VERSION_PACKAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("python", ()),
    ("tensorflow", ("tensorflow-cpu", "tensorflow", "tensorflow-macos")),
    ("keras", ("keras",)),
    ("librosa", ("librosa",)),
    ("numpy", ("numpy",)),
    ("pandas", ("pandas",)),
    ("scikit-learn", ("scikit-learn",)),
    ("imbalanced-learn", ("imbalanced-learn",)),
    ("papermill", ("papermill",)),
    ("nbconvert", ("nbconvert",)),
)

def _git(args: list[str], root: Path) -> str | None:
    try:
        res = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=root, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() if res.returncode == 0 else None


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for key, dists in _VERSION_PACKAGES:
        versions[key] = platform.python_version() if key == "python" else None
        for dist in dists:
            try:
                versions[key] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
    return versions


def run_info(root: str | os.PathLike | None = None) -> dict[str, Any]:
    """Versions, git commit, date and machine, for the record.

    Returns
    -------
    dict
        ``git_commit`` (short hash or ``"unknown"``), ``git_dirty`` (True when tracked
        files are modified or files not ignored are untracked, so the commit alone does
        not describe the code; None when unknown),
        ``date`` (ISO 8601, local time with offset), ``machine`` (platform, processor,
        CPU count, Python), ``versions`` (package -> version or None when missing).
    """
    root = Path(root) if root is not None else config.project_root()
    commit = _git(["rev-parse", "--short", "HEAD"], root)
    dirty = None
    if commit:
        status = _git(["status", "--porcelain"], root)  # modified or untracked (not ignored) files
        dirty = bool(status) if status is not None else None
    return {
        "git_commit": commit or "unknown",
        "git_dirty": dirty,
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
        },
        "versions": _versions(),
    }
