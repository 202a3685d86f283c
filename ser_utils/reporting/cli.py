"""Run the notebook series with papermill: the command line ``python -m ser_utils.reporting``.

``python -m ser_utils.reporting`` (what ``./run_all.sh`` runs) does, in order:

1. checks every ``-p NAME VALUE`` (known name, valid value, declared by a notebook)
   before anything runs;
2. finds the data (:func:`ser_utils.data.locate.resolve_data_dir`: ``--data-dir`` (one folder or
   several: RAVDESS with CREMA-D, TESS, SAVEE), else ``data/``
   if it holds RAVDESS files, else the synthetic demo corpus made once under
   ``data/demo-corpus``); the profile defaults to ``demo`` on synthetic data and
   ``full`` on real data;
3. runs ``notebooks/NN_*.ipynb`` in order (:func:`run_notebooks`), saving each executed
   notebook under ``<artifacts>/executed/`` and stopping at the first failure, and records
   the run there (``run.json``);
4. writes the reports (:func:`write_reports`): each notebook as ``reports/NN_name.html``
   (the reader version, code hidden) and ``reports/NN_name.full.html`` (with its code),
   then ``reports/metrics.json``, ``reports/report.html`` (everything in one file) and the
   front page ``reports/index.html``.

``--render-only`` skips steps 1-3 and writes the reports again from the executed
notebooks and the record of the last run (after a change to the report code).

Exit status: 0 when every notebook ran, 1 when one failed (its HTML report shows the
traceback), 2 for a usage, parameter or data error found before running, 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config
from ..errors import ConfigError, DataError, ReportError
from ..files import read_json, write_json
from .execute import NotebookRun, run_notebooks
from .overrides import _check_registered, check_declared, declared_parameters, find_notebooks, parse_overrides
from .runinfo import run_info
from .write import write_reports

__all__ = ["RUN_RECORD", "main"]

#: The record of the last run, beside the executed notebooks (what ``--render-only`` reads).
RUN_RECORD = "run.json"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m ser_utils.reporting",
        description="Run notebooks/NN_*.ipynb in order with papermill and write reports/index.html (the front page), "
        "reports/NN_name.html (each notebook, code hidden), reports/NN_name.full.html (with the code), "
        "reports/report.html (everything in one file) and reports/metrics.json.",
        epilog="Exit status: 0 all notebooks ran, 1 a notebook failed, 2 bad arguments/parameters/data.",
    )
    ap.add_argument(
        "--data-dir",
        metavar="DIR",
        nargs="+",
        action="extend",
        help="audio folder(s): RAVDESS, and CREMA-D, TESS or SAVEE beside it (several folders: "
        "--data-dir A B C, or --data-dir A --data-dir B; they are read together). "
        "Default: data/ if it holds RAVDESS files, else the synthetic demo corpus, made once under data/demo-corpus/",
    )
    ap.add_argument(
        "--profile",
        choices=sorted(config.PROFILES),
        help="parameter profile (default: demo on the demo corpus, full on real data)",
    )
    ap.add_argument(
        "-p",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        default=[],
        help="override one parameter (VALUE read as YAML-like: 17, 0.5, true, none, '[17, 18]'); "
        "repeatable. `python -m ser_utils.config` lists them",
    )
    ap.add_argument("--artifacts-dir", metavar="DIR", help="where notebooks write artifacts (default: artifacts/)")
    ap.add_argument("--reports-dir", metavar="DIR", help="where the reports go (default: reports/)")
    ap.add_argument("--notebooks-dir", metavar="DIR", help="the notebooks to run (default: notebooks/)")
    ap.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="seconds one cell may run (default: no limit)"
    )
    ap.add_argument(
        "--render-only",
        action="store_true",
        help="run nothing: write the reports again from the "
        "executed notebooks and the record of the last run (under <artifacts>/executed/)",
    )
    return ap


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class _Plan:
    """What a run will do, checked before anything runs."""

    notebooks: list[Path]
    overrides: dict[str, Any]
    profile: str
    cfg: dict[str, Any]
    roots: list[Path]
    synthetic: bool


def _plan(args: argparse.Namespace, root: Path) -> _Plan:
    """Check the arguments, overrides and data; raises ConfigError, DataError or ReportError."""
    overrides = parse_overrides(args.p)
    if "data_dir" in overrides:
        if args.data_dir:
            raise ConfigError("give the data folder once: --data-dir or -p data_dir, not both")
        args.data_dir = overrides.pop("data_dir")
    if isinstance(args.data_dir, list) and len(args.data_dir) == 1:
        args.data_dir = args.data_dir[0]
    notebooks = find_notebooks(args.notebooks_dir or root / "notebooks")
    declared = {nb.stem: declared_parameters(nb) for nb in notebooks}
    if args.notebooks_dir is None:  # the project's own notebooks: registered, cells as registered
        _check_registered(notebooks[0].parent, declared)
    check_declared(overrides, declared)
    if args.artifacts_dir:
        for nb, names in declared.items():
            if "artifacts_dir" not in names:
                print(
                    f"warning: {nb} declares no artifacts_dir parameter: it will use its default folder",
                    file=sys.stderr,
                )
    if args.profile:
        config.resolve(args.profile, **overrides)  # bad values fail before the data is looked for
    from ..data import locate

    roots, synthetic = locate.resolve_data_dir(args.data_dir, make_demo=False)
    profile = args.profile or ("demo" if synthetic else "full")
    cfg = config.resolve(profile, **overrides)
    if synthetic and args.data_dir is None:
        roots, synthetic = locate.resolve_data_dir(None, demo_actors=cfg["demo_actors"])
    return _Plan(notebooks, overrides, profile, dict(cfg), list(roots), bool(synthetic))


def _data_summary(plan: _Plan, artifacts: Path, runs: Sequence[NotebookRun], from_args: bool) -> dict[str, Any]:
    from . import metrics

    dataset = metrics.read_artifact(artifacts, "dataset", runs) or {}
    data: dict[str, Any] = {
        "roots": [str(r) for r in plan.roots],
        "synthetic": plan.synthetic,
        "data_dir_source": "--data-dir" if from_args else "found (data/ or the demo corpus)",
    }
    data.update({k: v for k, v in dataset.items() if k in ("n_files", "n_skipped", "fingerprint")})
    if "synthetic" in dataset:
        data["synthetic"] = bool(dataset["synthetic"])
    return data


def _run(args: argparse.Namespace, root: Path, artifacts: Path, reports: Path) -> dict[str, Any] | int:
    """Steps 1-3: check, run, record. Returns the run record, or an exit status."""
    try:
        plan = _plan(args, root)
    except (ConfigError, DataError, ReportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    data_param: Any = str(plan.roots[0]) if len(plan.roots) == 1 else [str(r) for r in plan.roots]
    cfg = dict(plan.cfg, data_dir=data_param)
    parameters = {
        "profile": plan.profile,
        "data_dir": data_param,
        "artifacts_dir": str(artifacts.resolve()),
        **plan.overrides,
    }
    kind = "SYNTHETIC demo corpus" if plan.synthetic else "real recordings"
    print(
        f"data: {', '.join(map(str, plan.roots))} ({kind}); profile: {plan.profile}"
        + (f"; overrides: {', '.join(f'{k}={v!r}' for k, v in plan.overrides.items())}" if plan.overrides else "")
    )
    reports.mkdir(parents=True, exist_ok=True)
    for nb in plan.notebooks:
        for stale in (reports / f"{nb.stem}.html", reports / f"{nb.stem}.full.html"):
            stale.unlink(missing_ok=True)
    for name in ("index.html", "report.html", "metrics.json"):
        (reports / name).unlink(missing_ok=True)
    executed = artifacts / "executed"
    kernel_log = executed / "kernels.log"
    kernel_log.unlink(missing_ok=True)
    runs = run_notebooks(
        plan.notebooks,
        parameters=parameters,
        executed_dir=executed,
        cwd=plan.notebooks[0].parent,
        execution_timeout=args.timeout,
        kernel_log=kernel_log,
    )
    record = {
        "runs": [r.as_dict() for r in runs],
        "cfg": cfg,
        "overrides": plan.overrides,
        "data": _data_summary(plan, artifacts, runs, args.data_dir is not None),
        "info": run_info(root),
        "resources_dir": str(plan.notebooks[0].parent),
    }
    write_json(executed / RUN_RECORD, record)
    return record


def _load_record(args: argparse.Namespace, artifacts: Path) -> dict[str, Any] | int:
    """The record of the last run, for ``--render-only``; or exit status 2 saying what is wrong."""
    if args.p or args.data_dir or args.profile:
        print("error: --render-only runs nothing, so it takes no -p, --data-dir nor --profile", file=sys.stderr)
        return 2
    path = artifacts / "executed" / RUN_RECORD
    try:
        return dict(read_json(path))
    except (OSError, ValueError, TypeError):
        print(f"error: no record of an earlier run at {path}: run without --render-only first", file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the notebooks and write the reports; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help or a usage error
        return int(exc.code or 0)
    root = config.project_root()
    artifacts = Path(args.artifacts_dir) if args.artifacts_dir else config.default_artifacts_dir()
    reports = Path(args.reports_dir) if args.reports_dir else root / "reports"
    record = _load_record(args, artifacts) if args.render_only else _run(args, root, artifacts, reports)
    if isinstance(record, int):
        return record
    runs = [NotebookRun.from_dict(r) for r in record["runs"]]
    index = write_reports(
        reports,
        runs=runs,
        artifacts_dir=artifacts,
        cfg=record["cfg"],
        data=record["data"],
        info=record["info"],
        overrides=record.get("overrides"),
        resources_dir=record.get("resources_dir"),
    )
    failed = next((r for r in runs if r.status != "ok"), None)
    if failed is not None:
        see = f"; see {_rel(failed.html)}" if failed.html else ""
        print(f"notebook {failed.name} failed: {failed.error}{see}", file=sys.stderr)
        print(
            f"partial reports: {_rel(index)}; kernel messages: {_rel(artifacts / 'executed' / 'kernels.log')}",
            file=sys.stderr,
        )
        return 130 if failed.error and failed.error.startswith("KeyboardInterrupt") else 1
    total = sum(r.seconds or 0 for r in runs)
    print(f"done in {total:.1f} s: {_rel(index)}, {_rel(reports / 'report.html')}, {_rel(reports / 'metrics.json')}")
    scores = read_json(reports / "metrics.json")
    shown = [f"{k} {scores[k]:.3f}" for k in ("accuracy", "uar", "macro_f1") if isinstance(scores.get(k), (int, float))]
    if shown:
        print("test set: " + ", ".join(shown))
    return 0
