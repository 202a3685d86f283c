"""Step 3 of the run: the notebooks executed in order with papermill (:func:`run_notebooks`)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .overrides import declared_parameters

__all__ = ["NotebookRun", "KERNEL_ENV", "run_notebooks", "error_line"]

#: Environment of the notebook kernels: quiet, no progress bars, inline plots.
KERNEL_ENV: dict[str, str] = {
    "SER_NO_PROGRESS": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONWARNINGS": "ignore",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


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
