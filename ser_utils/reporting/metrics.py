"""``reports/metrics.json``: the machine-readable summary of a run, and the artifacts it reads.

The evaluation notebook's own ``metrics.json`` (the bundle's scores on the test part, the
baselines, the split, and when the run made them ``prediction_modes`` and
``cross_corpus``) is copied as it is and completed with the run's record: status,
timings per notebook, parameters, data, machine, versions, and ``data_account``: the
training data's files in, used and skipped per reason, per corpus (from notebook 01's
manifest and skipped table), the same account the ``cross_corpus`` entry gives each corpus.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from .. import config
from ..files import read_json, write_json

__all__ = ["METRIC_KEYS", "read_artifact", "read_data_account", "read_predictions", "write_metrics"]

#: Keys of notebook 05's metrics that metrics.json always has (None when it did not run).
METRIC_KEYS: tuple[str, ...] = (
    "accuracy", "uar", "macro_f1", "weighted_f1", "per_class", "split", "train_actors", "val_actors",
    "test_actors", "n_train", "n_test", "model_dir", "baselines", "protocol",
)


def _ran(runs: Sequence[Any], notebook: str) -> bool:
    return any(r.name == notebook and r.status == "ok" for r in runs)


def read_artifact(artifacts_dir: str | os.PathLike, name: str, runs: Sequence[Any]) -> dict[str, Any] | None:
    """A JSON artifact (:data:`ser_utils.config.ARTIFACTS`), only if the notebook that writes it ran in this run.

    Returns None when that notebook did not run successfully or the file is unreadable.
    """
    _, writer = config.ARTIFACTS[name]
    if not _ran(runs, writer):
        return None
    try:
        value = read_json(config.artifact_path(artifacts_dir, name))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def read_predictions(artifacts_dir: str | os.PathLike, runs: Sequence[Any]) -> Any | None:
    """Notebook 05's ``predictions.csv`` (one row per test file) as a DataFrame, or None when it did not run."""
    import pandas as pd

    _, writer = config.ARTIFACTS["predictions"]
    path = config.artifact_path(artifacts_dir, "predictions")
    if not _ran(runs, writer) or not path.is_file():
        return None
    try:
        return pd.read_csv(path)
    except (OSError, ValueError):
        return None


def _artifacts_dir(runs: Sequence[Any], notebook: str) -> str | None:
    """The artifacts folder a notebook of the run was given (its ``artifacts_dir`` parameter)."""
    for r in runs:
        if r.name == notebook:
            value = (getattr(r, "parameters", None) or {}).get("artifacts_dir")
            return str(value) if value else None
    return None


def read_data_account(artifacts_dir: str | os.PathLike | None, runs: Sequence[Any]) -> dict[str, Any] | None:
    """The training data's account: notebook 01's manifest and skipped table, counted per corpus.

    Parameters
    ----------
    artifacts_dir : path or None
        Where the notebooks wrote; None: the ``artifacts_dir`` notebook 01 was given
        (else the default folder).
    runs : sequence of NotebookRun

    Returns
    -------
    dict or None
        :func:`ser_utils.data.account.account` (``n_in``, ``n_used``, ``n_skipped``,
        ``skipped_by_reason``, ``per_corpus``); None when notebook 01 did not run or its
        tables cannot be read.
    """
    import pandas as pd

    from ..data import account
    from ..errors import SERError

    _, writer = config.ARTIFACTS["manifest"]
    if not _ran(runs, writer):
        return None
    base = artifacts_dir if artifacts_dir is not None else _artifacts_dir(runs, writer)
    try:
        manifest = pd.read_csv(config.artifact_path(base, "manifest"), dtype={"path": str})
        skipped = pd.read_csv(config.artifact_path(base, "skipped"), dtype=str, keep_default_na=False)
        return account.scan_account(manifest, skipped)
    except (OSError, ValueError, KeyError, SERError):
        return None


def write_metrics(
    path: str | os.PathLike,
    *,
    runs: Sequence[Any],
    cfg: Mapping[str, Any],
    data: Mapping[str, Any],
    metrics: Mapping[str, Any] | None,
    info: Mapping[str, Any],
    artifacts_dir: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """Write the machine-readable summary of the run (JSON) and return it.

    Keys: everything of notebook 05's ``metrics.json`` (``accuracy``, ``uar``,
    ``macro_f1``, ``weighted_f1``, ``per_class``, ``split``, ``*_actors``, ``n_train``,
    ``n_test``, ``model_dir``, ``baselines``, ``protocol``, and ``prediction_modes`` and
    ``cross_corpus`` when the run made them ...; None when it did not run)
    plus ``status`` (``"ok"``/``"failed"``), ``failed_notebook``, ``error``,
    ``timings_s`` (per notebook and ``total``), ``notebooks`` (status per notebook),
    ``parameters`` (resolved), ``profile``, ``data_dir``, ``synthetic``, ``n_files``,
    ``n_skipped``, ``data_account`` (:func:`read_data_account`: files in, used and skipped
    per reason, in total and per corpus; None when notebook 01 did not run),
    ``fingerprint``, ``git_commit``, ``git_dirty``, ``date``, ``machine``, ``versions``.
    ``artifacts_dir`` is where notebook 01's tables are (None: the folder it was given).
    """
    failed = next((r for r in runs if r.status != "ok"), None)
    out: dict[str, Any] = {
        "status": "ok" if failed is None else "failed",
        "failed_notebook": None if failed is None else failed.name,
        "error": None if failed is None else failed.error,
    }
    out.update({k: None for k in METRIC_KEYS})
    if metrics:
        out.update(metrics)
    if out.get("split") is None:
        out["split"] = cfg.get("split")
    timings = {r.name: r.seconds for r in runs if r.seconds is not None}
    timings["total"] = round(sum(timings.values()), 2)
    roots = data.get("roots") or data.get("data_dir")
    out.update(
        {
            "timings_s": timings,
            "notebooks": {r.name: r.status for r in runs},
            "profile": cfg.get("profile"),
            "parameters": dict(cfg),
            "data_dir": roots[0] if isinstance(roots, list) and len(roots) == 1 else roots,
            "synthetic": bool(data.get("synthetic")),
            "n_files": data.get("n_files"),
            "n_skipped": data.get("n_skipped"),
            "data_account": data.get("account") or read_data_account(artifacts_dir, runs),
            "fingerprint": data.get("fingerprint"),
            "git_commit": info.get("git_commit"),
            "git_dirty": info.get("git_dirty"),
            "date": info.get("date"),
            "machine": info.get("machine"),
            "versions": info.get("versions"),
        }
    )
    write_json(path, out)
    return out
