"""Run the notebook series with papermill: the command line ``python -m ser_utils.reporting``.

``python -m ser_utils.reporting`` (what ``./run_all.sh`` runs) does, in order:

1. checks every ``-p NAME VALUE`` (known name, valid value, declared by a notebook)
   before anything runs;
2. finds the data (:func:`ser_utils.data.locate.resolve_data_dir`: ``--data-dir``, else ``data/``
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
import contextlib
import dataclasses
import datetime as _dt
import difflib
import logging
import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import config
from ..errors import ConfigError, DataError, ReportError
from ..files import read_json, write_json

__all__ = [
    "NotebookRun",
    "KERNEL_ENV",
    "RUN_RECORD",
    "find_notebooks",
    "declared_parameters",
    "parse_overrides",
    "check_declared",
    "run_notebooks",
    "run_info",
    "write_reports",
    "main",
]

#: Environment of the notebook kernels: quiet, no progress bars, inline plots.
KERNEL_ENV: dict[str, str] = {
    "SER_NO_PROGRESS": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONWARNINGS": "ignore",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

#: The record of the last run, beside the executed notebooks (what ``--render-only`` reads).
RUN_RECORD = "run.json"

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


@dataclass
class NotebookRun:
    """What happened to one notebook.

    ``status`` is ``"ok"``, ``"failed"`` or ``"not run"`` (after an earlier failure);
    ``error`` the exception line of a failure; ``html`` the reader version of its report
    (code hidden) and ``full_html`` the version with the code, if rendered; ``title`` the
    notebook's first heading.
    """

    name: str
    source: Path
    executed: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    status: str = "not run"
    seconds: float | None = None
    error: str | None = None
    html: Path | None = None
    html_bytes: int | None = None
    full_html: Path | None = None
    title: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The run as JSON-able values (paths as strings), for the record of the last run."""
        d = dataclasses.asdict(self)
        for k in ("source", "executed", "html", "full_html"):
            d[k] = None if d[k] is None else str(d[k])
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NotebookRun:
        """The inverse of :meth:`as_dict` (paths back to :class:`~pathlib.Path`)."""
        kw = {f.name: d.get(f.name) for f in dataclasses.fields(cls) if f.name in d}
        for k in ("source", "executed", "html", "full_html"):
            if kw.get(k) is not None:
                kw[k] = Path(kw[k])
        kw["parameters"] = dict(kw.get("parameters") or {})
        return cls(**kw)


# --- notebooks and parameters -------------------------------------------------------------


def find_notebooks(notebooks_dir: str | os.PathLike) -> list[Path]:
    """The notebooks ``NN_name.ipynb`` of a folder, in order.

    Raises
    ------
    ReportError
        The folder does not exist or holds no ``NN_*.ipynb``.
    """
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise ReportError(f"the notebooks folder {folder} does not exist; expected the project's notebooks/ folder")
    found = sorted(p for p in folder.glob(NOTEBOOK_GLOB) if p.is_file())
    if not found:
        raise ReportError(f"no notebook named like 01_name.ipynb in {folder}")
    return found


def declared_parameters(nb_path: str | os.PathLike) -> set[str]:
    """Names assigned in a notebook's cell tagged ``parameters``.

    The cell is read with :mod:`ast` (top-level ``name = ...`` and ``name: type = ...``;
    IPython ``%``/``!`` lines ignored), so comments such as ``# None = the profile's
    value`` are fine; ``papermill.inspect_notebook`` skips any line holding a second
    ``=`` and is used only when the cell is not valid Python.
    """
    import ast

    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    cell = next((c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        return set()
    source = "\n".join(ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        import papermill

        return set(papermill.inspect_notebook(str(nb_path)))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        else:
            targets = [node.target] if isinstance(node, ast.AnnAssign) else []
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Name):
                    names.add(sub.id)
    return names


def parse_overrides(pairs: Sequence[Sequence[str]] | None) -> dict[str, Any]:
    """Turn ``-p NAME VALUE`` pairs into ``{name: value}``.

    Values are read with :func:`ser_utils.config.parse_value` (``"[17, 18]"`` -> list).

    Raises
    ------
    ConfigError
        A name is not a parameter of :data:`ser_utils.config.PARAMS` (the message
        suggests close matches), or is given twice.
    """
    out: dict[str, Any] = {}
    for name, value in pairs or ():
        if name in ("profile", "artifacts_dir", "reports_dir", "notebooks_dir"):
            raise ConfigError(f"{name!r} is not a -p parameter: use --{name.replace('_', '-')} {value}")
        if name not in config.PARAMS:
            close = difflib.get_close_matches(name, config.PARAMS, n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise ConfigError(
                f"unknown parameter {name!r}{hint} (run `python -m ser_utils.config` to list every parameter)"
            )
        if name in out:
            raise ConfigError(f"parameter {name!r} is given twice with -p")
        out[name] = config.parse_value(value)
    return out


def check_declared(overrides: Mapping[str, Any], declared: Mapping[str, set[str]]) -> None:
    """Every override must be declared by at least one of the notebooks to run.

    ``declared`` maps each notebook to run to the names its ``parameters`` cell assigns
    (:func:`declared_parameters`; for the project's notebooks a test holds the cell equal
    to :data:`ser_utils.config.NOTEBOOK_PARAMS`). The message names the registered
    notebooks that take each refused parameter.

    Raises
    ------
    ConfigError
        Naming the overrides no notebook to run takes, and which notebooks would.
    """
    used = set().union(*declared.values()) if declared else set()
    unused = sorted(set(overrides) - used)
    if unused:
        takers = "; ".join(
            f"{name!r} is taken by {', '.join(config.notebooks_taking(name)) or 'no registered notebook'}"
            for name in unused
        )
        raise ConfigError(
            f"parameter(s) {', '.join(map(repr, unused))} are declared by none of the notebooks "
            f"({', '.join(declared)}), so setting them would change nothing ({takers})"
        )


def _check_registered(notebooks_dir: Path, declared: Mapping[str, set[str]]) -> None:
    """Each project notebook is in :data:`ser_utils.config.NOTEBOOK_PARAMS` and its cell assigns those names."""
    config.check_notebook_files(notebooks_dir)
    for nb, names in declared.items():
        want = {*config.START_PARAMS, *config.notebook_params(nb)}
        if names != want:
            extra, lacking = sorted(names - want), sorted(want - names)
            raise ConfigError(
                f"notebooks/{nb}.ipynb: its parameters cell differs from ser_utils.config.NOTEBOOK_PARAMS"
                + (f"; it also assigns {', '.join(extra)}" if extra else "")
                + (f"; it lacks {', '.join(lacking)}" if lacking else "")
            )


# --- running ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables (inherited by the kernels) and restore them afterwards."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Point file descriptor 2 (inherited by child processes) at a file, then restore it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "ab") as f:
            os.dup2(f.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def error_line(exc: BaseException) -> str:
    """The first line of an exception as ``Name: message`` (papermill's ``ename``/``evalue`` when set)."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _execute(run: NotebookRun, *, kernel_name: str, cwd: Path, execution_timeout: float | None) -> None:
    """Run one notebook with papermill; sets ``status``, ``error`` and ``seconds``."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(run.source),
            str(run.executed),
            parameters=run.parameters,
            kernel_name=kernel_name,
            cwd=str(cwd),
            log_output=False,
            progress_bar=False,
            execution_timeout=execution_timeout,
            extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no TCP-encryption chatter
        )
        run.status = "ok"
    except PapermillExecutionError as exc:
        run.status, run.error = "failed", error_line(exc)
    except KeyboardInterrupt:
        run.status, run.error = "failed", "KeyboardInterrupt: interrupted by the user"
    except Exception as exc:  # kernel died, timeout, unreadable notebook ...
        run.status, run.error = "failed", error_line(exc)
    run.seconds = round(time.perf_counter() - t0, 2)


def run_notebooks(
    notebooks: Sequence[str | os.PathLike],
    *,
    parameters: Mapping[str, Any],
    executed_dir: str | os.PathLike,
    cwd: str | os.PathLike | None = None,
    kernel_name: str = "python3",
    execution_timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    kernel_log: str | os.PathLike | None = None,
    log: Callable[..., None] | None = print,
) -> list[NotebookRun]:
    """Execute notebooks in order with papermill, stopping at the first failure.

    Parameters
    ----------
    notebooks : sequence of path-like
        The notebooks, in the order to run them.
    parameters : mapping
        Every parameter to pass; each notebook gets only those its ``parameters`` cell
        declares (values must be JSON-like: str, numbers, bools, None, lists, dicts).
    executed_dir : path-like
        Where the executed notebooks are written (same file names).
    cwd : path-like, optional
        Working directory of the kernels (default: each notebook's folder).
    kernel_name : str
        Jupyter kernel.
    execution_timeout : float, optional
        Seconds one cell may run (None: no limit).
    env : mapping, optional
        Environment variables for the kernels (default :data:`KERNEL_ENV`).
    kernel_log : path-like, optional
        Send what the kernel processes write to their own stderr (TensorFlow's C++ logs,
        kernel warnings) to this file instead of the terminal (appended). The notebooks'
        outputs are not affected.
    log : callable, optional
        Called like ``print`` to show one line per notebook
        (``[2/5] 02_features ... ok (12.3 s)``); None for silence.

    Returns
    -------
    list of NotebookRun
        One per notebook; after a failure the rest are ``"not run"``.
    """
    executed = Path(executed_dir)
    executed.mkdir(parents=True, exist_ok=True)
    runs = [NotebookRun(name=Path(nb).stem, source=Path(nb), executed=executed / Path(nb).name) for nb in notebooks]
    for run in runs:
        declared = declared_parameters(run.source)
        run.parameters = {k: v for k, v in parameters.items() if k in declared}
        if run.executed.exists():
            run.executed.unlink()  # never mistake an old run's output for this one's
    # papermill's own parameter inspection warns about lines it cannot parse and about
    # "unknown" parameters; declared_parameters() has already done that job properly.
    pm_log = logging.getLogger("papermill")
    pm_level = pm_log.level
    pm_log.setLevel(logging.ERROR)
    with _environment(KERNEL_ENV if env is None else env), warnings.catch_warnings(), contextlib.ExitStack() as stack:
        stack.callback(pm_log.setLevel, pm_level)
        if kernel_log is not None:
            stack.enter_context(_stderr_to(Path(kernel_log)))
        warnings.simplefilter("ignore")
        for i, run in enumerate(runs, 1):
            if log:
                log(f"[{i}/{len(runs)}] {run.name} ... ", end="", flush=True)
            _execute(
                run,
                kernel_name=kernel_name,
                cwd=Path(cwd) if cwd is not None else run.source.parent,
                execution_timeout=execution_timeout,
            )
            if log:
                log(f"{run.status} ({run.seconds:.1f} s)" + (f": {run.error}" if run.error else ""), flush=True)
            if run.status != "ok":
                break
    return runs


# --- run information -------------------------------------------------------------------------


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


# --- reports ---------------------------------------------------------------------------------


def _render_notebooks(runs: Sequence[NotebookRun], reports: Path, *, resources_dir: Path) -> None:
    """Each executed notebook as its reader and full HTML versions (a failure only warns)."""
    from . import render

    for r in runs:
        if not r.executed.is_file():
            continue
        try:
            r.html, r.full_html = render.render_versions(r.executed, reports, resources_dir=resources_dir)
            r.html_bytes = r.html.stat().st_size
            r.title = render.notebook_title(r.executed)
        except Exception as exc:  # a report that cannot render must not hide the others
            print(f"warning: could not render {r.name}: {error_line(exc)}", file=sys.stderr)


def write_reports(
    reports_dir: str | os.PathLike,
    *,
    runs: Sequence[NotebookRun],
    artifacts_dir: str | os.PathLike,
    cfg: Mapping[str, Any],
    data: Mapping[str, Any],
    info: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    resources_dir: str | os.PathLike | None = None,
) -> Path:
    """Write every report of a run and return the front page's path.

    Each executed notebook as ``NN_name.html`` (reader version) and ``NN_name.full.html``
    (with code); ``metrics.json``; ``report.html`` (everything, reader version); the front
    page ``index.html``. The figures of the front page are drawn from notebook 05's
    artifacts (``metrics.json``, ``predictions.csv``) when it ran.
    """
    from . import figures, metrics, summary

    reports = Path(reports_dir)
    reports.mkdir(parents=True, exist_ok=True)
    res = Path(resources_dir) if resources_dir is not None else None
    _render_notebooks(runs, reports, resources_dir=res or reports)
    scores = metrics.read_artifact(artifacts_dir, "metrics", runs)
    cross = metrics.read_artifact(artifacts_dir, "cross_corpus", runs)  # notebook 06, when other corpora were given
    if cross and scores is not None:
        scores = {**scores, "cross_corpus": cross}
    kw: dict[str, Any] = {"runs": runs, "cfg": cfg, "data": data, "metrics": scores, "info": info}
    metrics.write_metrics(reports / "metrics.json", **kw)
    try:
        figs = figures.front_page_figures(scores, predictions=metrics.read_predictions(artifacts_dir, runs))
    except Exception as exc:  # the page must still say what it can
        print(f"warning: could not draw the front page's figures: {error_line(exc)}", file=sys.stderr)
        figs = []
    try:
        summary.write_report(reports, overrides=overrides, figures=figs, resources_dir=res, **kw)
    except Exception as exc:
        print(f"warning: could not write report.html: {error_line(exc)}", file=sys.stderr)
    return summary.write_index(reports, overrides=overrides, figures=figs, **kw)


# --- command line ----------------------------------------------------------------------------------


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
        help="RAVDESS audio (default: data/ if it holds RAVDESS files, "
        "else the synthetic demo corpus, made once under data/demo-corpus/)",
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
    kind = "SYNTHETIC demo corpus" if plan.synthetic else "RAVDESS"
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


if __name__ == "__main__":
    raise SystemExit(main())
