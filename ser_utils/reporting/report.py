"""Run the notebook series with papermill and write the reports.

``python -m ser_utils.reporting`` (what ``./run_all.sh`` runs) does, in order:

1. checks every ``-p NAME VALUE`` (known name, valid value, declared by a notebook)
   before anything runs;
2. finds the data (:func:`ser_utils.data.locate.resolve_data_dir`: ``--data-dir``, else ``data/``
   if it holds RAVDESS files, else the synthetic demo corpus made once under
   ``data/demo-corpus``); the profile defaults to ``demo`` on synthetic data and
   ``full`` on real data;
3. runs ``notebooks/NN_*.ipynb`` in order (:func:`run_notebooks`), saving each executed
   notebook under ``<artifacts>/executed/`` and stopping at the first failure;
4. renders each executed notebook to ``reports/NN_name.html`` (:func:`render_html`:
   readable offline, no scripts, no widget residue, progress bars reduced to their last
   state), then ``reports/index.html`` (:func:`write_index`), the single-file
   ``reports/report.html`` (:func:`write_report`) and ``reports/metrics.json``
   (:func:`write_metrics`).

Exit status: 0 when every notebook ran, 1 when one failed (its HTML report shows the
traceback), 2 for a usage, parameter or data error found before running, 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import datetime as _dt
import difflib
import html
import json
import logging
import os
import platform
import re
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
from ..errors import ConfigError, DataError, ReportError, SERError

__all__ = [
    "ReportError",
    "NotebookRun",
    "MAX_REPORT_BYTES",
    "KERNEL_ENV",
    "find_notebooks",
    "declared_parameters",
    "parse_overrides",
    "check_declared",
    "run_notebooks",
    "clean_stream_text",
    "sanitize_notebook",
    "render_html",
    "run_info",
    "summary_html",
    "write_index",
    "write_report",
    "write_metrics",
    "main",
]

#: Largest HTML report we accept without a warning (bytes).
MAX_REPORT_BYTES: int = 3 * 1024 * 1024

#: Environment of the notebook kernels: quiet, no progress bars, inline plots.
KERNEL_ENV: dict[str, str] = {
    "SER_NO_PROGRESS": "1",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONWARNINGS": "ignore",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

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

_HEADLINE = (("accuracy", "Accuracy"), ("uar", "UAR (unweighted average recall)"), ("macro_f1", "Macro-F1"))

# The offline HTML template: JupyterLab's look, without anything loaded from the network
# (require.js, MathJax, mermaid, widget manager). The notebooks use no math nor widgets.
# Raw cells that this module writes itself (metadata ser_report_html) are emitted as they
# are; nbconvert would otherwise pass them through bleach, which escapes headings.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block rawcell scoped -%}
{%- if cell.metadata.get('ser_report_html') -%}
{{ cell.source }}
{%- else -%}
{{ super() }}
{%- endif -%}
{%- endblock rawcell -%}
{%- block extra_css -%}
<style type="text/css">
.ser-summary { font-family: var(--jp-content-font-family, sans-serif); max-width: 70em; }
.ser-summary table { border-collapse: collapse; margin: 0.5em 0 1em 0; }
.ser-summary th, .ser-summary td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top; }
.ser-warning { background: #fff3cd; border: 1px solid #e0b100; padding: 0.5em 1em; }
.ser-failed { background: #f8d7da; border: 1px solid #c00; padding: 0.5em 1em; }
.ser-nb-start { border-top: 4px solid #1976d2; margin-top: 2em; padding-top: 0.5em; }
</style>
{%- endblock extra_css -%}
"""

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { border-bottom: 2px solid #1976d2; padding-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em 0; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top; }
th { background: #f3f6fa; }
code { background: #f4f4f4; padding: 0 3px; }
.ser-warning { background: #fff3cd; border: 1px solid #e0b100; padding: 0.5em 1em; }
.ser-failed { background: #f8d7da; border: 1px solid #c00; padding: 0.5em 1em; }
.ser-override { font-weight: bold; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


@dataclass
class NotebookRun:
    """What happened to one notebook.

    ``status`` is ``"ok"``, ``"failed"`` or ``"not run"`` (after an earlier failure);
    ``error`` the exception line of a failure; ``html`` the rendered report, if any.
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

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for k in ("source", "executed", "html"):
            d[k] = None if d[k] is None else str(d[k])
        return d


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
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
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


def _error_line(exc: BaseException) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        text = f"{ename}: {evalue}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


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
    import papermill
    from papermill.exceptions import PapermillExecutionError

    executed = Path(executed_dir)
    executed.mkdir(parents=True, exist_ok=True)
    runs = [NotebookRun(name=Path(nb).stem, source=Path(nb), executed=executed / Path(nb).name) for nb in notebooks]
    for run in runs:
        declared = declared_parameters(run.source)
        run.parameters = {k: v for k, v in parameters.items() if k in declared}
        if run.executed.exists():
            run.executed.unlink()  # never mistake an old run's output for this one's
    n = len(runs)
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
                log(f"[{i}/{n}] {run.name} ... ", end="", flush=True)
            t0 = time.perf_counter()
            try:
                papermill.execute_notebook(
                    str(run.source),
                    str(run.executed),
                    parameters=run.parameters,
                    kernel_name=kernel_name,
                    cwd=str(cwd if cwd is not None else run.source.parent),
                    log_output=False,
                    progress_bar=False,
                    execution_timeout=execution_timeout,
                    extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no TCP-encryption chatter
                )
                run.status = "ok"
            except PapermillExecutionError as exc:
                run.status, run.error = "failed", _error_line(exc)
            except KeyboardInterrupt:
                run.status, run.error = "failed", "KeyboardInterrupt: interrupted by the user"
            except Exception as exc:  # kernel died, timeout, unreadable notebook ...
                run.status, run.error = "failed", _error_line(exc)
            run.seconds = round(time.perf_counter() - t0, 2)
            if log:
                log(f"{run.status} ({run.seconds:.1f} s)" + (f": {run.error}" if run.error else ""), flush=True)
            if run.status != "ok":
                break
    return runs


# --- HTML rendering -------------------------------------------------------------------------

_ANSI_MOVE = re.compile(r"\x1b\[[0-9;]*[ABCDEFGHJKST]")
# TensorFlow's C++ (absl/glog) log lines, e.g. "I0000 00:00:1795249371.122603   17895 port.cc:153] oneDNN ...",
# written to the kernel's stderr before TF_CPP_MIN_LOG_LEVEL takes effect.
_NATIVE_LOG = re.compile(
    r"^(?:[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.\-]+:\d+\] .*"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)\n?",
    re.M,
)


def clean_stream_text(text: str) -> str:
    """Reduce terminal-style progress output to what a terminal would finally show.

    Each line is replayed as a terminal would: ``\\r`` returns to the line start,
    ``\\b`` steps back one character, later characters overwrite earlier ones; cursor
    movement escape codes are dropped (colour codes are kept). So a tqdm bar that
    rewrote itself a hundred times becomes its last state.

    Parameters
    ----------
    text : str
        Stream output text.

    Returns
    -------
    str
    """
    if "\r" not in text and "\b" not in text and "\x1b[" not in text:
        return text
    text = _ANSI_MOVE.sub("", text.replace("\r\n", "\n"))
    out_lines = []
    for line in text.split("\n"):
        if "\r" not in line and "\b" not in line:
            out_lines.append(line)
            continue
        buf: list[str] = []
        pos = 0
        for ch in line:
            if ch == "\r":
                pos = 0
            elif ch == "\b":
                pos = max(0, pos - 1)
            else:
                if pos < len(buf):
                    buf[pos] = ch
                else:
                    buf.append(ch)
                pos += 1
        out_lines.append("".join(buf).rstrip())
    return "\n".join(out_lines)


def _is_widget_key(key: str) -> bool:
    return key.startswith("application/vnd.jupyter.widget")


def sanitize_notebook(nb: Any, *, drop_native_logs: bool = True) -> Any:
    """A copy of a notebook fit for a static report.

    Widget state and widget outputs are removed (a widget's text fallback too: it would
    read ``HBox(children=...)``), consecutive stream outputs are merged and reduced with
    :func:`clean_stream_text`.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    drop_native_logs : bool
        Remove TensorFlow's C++ log lines (``I0000 00:00:... port.cc:153] oneDNN ...``)
        from stderr outputs; they stay in the executed notebook and the kernel log.

    Returns
    -------
    nbformat.NotebookNode
    """
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("widgets", None)
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            otype = out.get("output_type")
            if otype in ("display_data", "execute_result"):
                data = out.get("data", {})
                widget_keys = [k for k in data if _is_widget_key(k)]
                if widget_keys:
                    for k in widget_keys:
                        data.pop(k)
                    if set(data) <= {"text/plain"}:
                        continue  # only the widget's repr was left
                for k in [k for k in out.get("metadata", {}) if _is_widget_key(k)]:
                    out["metadata"].pop(k)
            if otype == "stream" and outputs and outputs[-1].get("output_type") == "stream" and outputs[-1].get("name") == out.get("name"):
                outputs[-1]["text"] += out.get("text", "")
                continue
            outputs.append(out)
        for out in outputs:
            if out.get("output_type") == "stream":
                out["text"] = clean_stream_text(out.get("text", ""))
                if drop_native_logs and out.get("name") == "stderr":
                    out["text"] = _NATIVE_LOG.sub("", out["text"])
        cell.outputs = [o for o in outputs if not (o.get("output_type") == "stream" and not o.get("text"))]
    return nb


# <script src=http...>, <link href=http...>, <img src=http...>: what an offline reader would miss.
_REMOTE = re.compile(r"<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.I)


def _exporter() -> Any:
    import jinja2
    from nbconvert import HTMLExporter

    quiet = logging.getLogger("ser_utils.reporting.report.nbconvert")
    quiet.setLevel(logging.ERROR)  # not "Alternative text is missing on 1 image(s)" per figure
    return HTMLExporter(
        log=quiet,
        extra_loaders=[jinja2.DictLoader({"ser_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="ser_offline.html.j2",
        embed_images=True,
    )


def _export(nb: Any, html_path: Path, *, title: str, resources_dir: str | os.PathLike | None, max_bytes: int) -> Path:
    body, _ = _exporter().from_notebook_node(
        nb, resources={"metadata": {"name": title, "path": str(resources_dir or html_path.parent)}}
    )
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(body, encoding="utf-8")
    remote = _REMOTE.findall(body)
    if remote:
        print(f"warning: {html_path} loads {len(remote)} resource(s) from the network ({remote[0]}, ...): "
              "it will be incomplete offline", file=sys.stderr)
    size = html_path.stat().st_size
    if size > max_bytes:
        print(
            f"warning: {html_path} is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.1f} MB limit "
            "for a report that is easy to send (fewer or smaller figures would help)",
            file=sys.stderr,
        )
    return html_path


def render_html(
    nb_path: str | os.PathLike,
    html_path: str | os.PathLike,
    *,
    resources_dir: str | os.PathLike | None = None,
    max_bytes: int = MAX_REPORT_BYTES,
) -> Path:
    """Render an executed notebook to one offline HTML file.

    No ``<script>`` is emitted (nothing loaded from a CDN), images are embedded (they
    are base64 outputs already; markdown images are inlined from ``resources_dir``),
    widget residue is removed and progress bars are reduced to their last state
    (:func:`sanitize_notebook`). A file over ``max_bytes`` gives a warning on stderr.

    Parameters
    ----------
    nb_path : path-like
        The executed notebook.
    html_path : path-like
        The HTML file to write (its folder is made).
    resources_dir : path-like, optional
        Folder that relative markdown image paths refer to (default: the notebook's).
    max_bytes : int
        Size above which to warn.

    Returns
    -------
    Path
        ``html_path``.
    """
    import nbformat

    nb_path = Path(nb_path)
    if not nb_path.is_file():
        raise ReportError(f"cannot render {nb_path}: no such notebook")
    nb = sanitize_notebook(nbformat.read(nb_path, as_version=4))
    return _export(nb, Path(html_path), title=nb_path.stem, resources_dir=resources_dir or nb_path.parent, max_bytes=max_bytes)


# --- run information -------------------------------------------------------------------------


def _git(args: list[str], root: Path) -> str | None:
    try:
        res = subprocess.run(["git", "--no-optional-locks", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() if res.returncode == 0 else None


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
    versions: dict[str, str | None] = {}
    for key, dists in _VERSION_PACKAGES:
        if key == "python":
            versions[key] = platform.python_version()
            continue
        versions[key] = None
        for dist in dists:
            try:
                versions[key] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
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
        "versions": versions,
    }


# --- summary, index, report, metrics ------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _artifact(artifacts_dir: Path, name: str, runs: Sequence[NotebookRun]) -> dict[str, Any] | None:
    """An artifact JSON, only if the notebook that writes it ran successfully in this run."""
    _, writer = config.ARTIFACTS[name]
    if not any(r.name == writer and r.status == "ok" for r in runs):
        return None
    return _read_json(config.artifact_path(artifacts_dir, name))


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _fmt_metric(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.3f} ({100 * value:.1f} %)"
    return "n/a" if value is None else _e(value)


def _table(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None, *, raw: bool = False) -> str:
    parts = ["<table>"]
    if header:
        parts.append("<tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{c if raw else _e(c)}</td>" for c in row) + "</tr>")
    parts.append("</table>")
    return "\n".join(parts)


def _protocol_text(metrics: Mapping[str, Any]) -> str:
    proto = metrics.get("protocol")
    if isinstance(proto, Mapping):
        return "; ".join(f"{k}: {_fmt(v)}" for k, v in proto.items())
    if proto:
        return str(proto)
    bits = [f"split: {metrics.get('split', '?')}"]
    for part in ("train", "val", "test"):
        if metrics.get(f"{part}_actors") is not None:
            bits.append(f"{part} actors: {_fmt(metrics[f'{part}_actors'])}")
    return "; ".join(bits)


def summary_html(
    *,
    runs: Sequence[NotebookRun],
    cfg: Mapping[str, Any],
    data: Mapping[str, Any],
    metrics: Mapping[str, Any] | None,
    info: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    link: Callable[[NotebookRun], str | None] = lambda r: None,
) -> str:
    """The run summary as an HTML fragment (data, metrics, notebooks, parameters, environment).

    Parameters
    ----------
    runs : sequence of NotebookRun
    cfg : mapping
        The resolved configuration.
    data : mapping
        ``data_dir``/``roots``, ``synthetic``, and when known ``n_files``, ``n_skipped``,
        ``fingerprint`` (notebook 01's ``dataset.json``).
    metrics : mapping or None
        Notebook 05's ``metrics.json`` (None when it did not run).
    info : mapping
        :func:`run_info`.
    overrides : mapping, optional
        The ``-p`` overrides (highlighted in the parameter table).
    link : callable
        Link target of a notebook's report (None: no link).
    """
    overrides = overrides or {}
    out: list[str] = []
    failed = [r for r in runs if r.status == "failed"]
    if failed:
        r = failed[0]
        target = link(r)
        where = f' &mdash; see <a href="{_e(target)}">{_e(r.name)}</a>' if target else ""
        out.append(f'<p class="ser-failed"><b>Notebook {_e(r.name)} failed</b>: <code>{_e(r.error)}</code>{where}. '
                   "Later notebooks did not run; the results below are incomplete.</p>")

    # data
    out.append('<h2 id="summary-data">Data</h2>')
    if data.get("synthetic"):
        out.append('<p class="ser-warning"><b>Synthetic demo data.</b> The audio is synthesised (speech-like sounds whose emotions the generator built in), not human speech: '
                   "the run shows the pipeline works end to end, and its numbers say nothing about recognising "
                   "emotion in real voices. Run with the real RAVDESS (<code>--data-dir DIR</code>) for real results.</p>")
    else:
        out.append("<p>Real RAVDESS audio.</p>")
    roots = data.get("roots") or data.get("data_dir")
    rows = [
        ("folder(s)", ", ".join(map(str, roots)) if isinstance(roots, list) else roots),
        ("synthetic", "yes (demo corpus)" if data.get("synthetic") else "no (RAVDESS)"),
        ("files used", data.get("n_files", "n/a")),
        ("files skipped", data.get("n_skipped", "n/a")),
        ("fingerprint", data.get("fingerprint", "n/a")),
    ]
    out.append(_table(rows))

    # metrics
    out.append('<h2 id="summary-metrics">Headline metrics</h2>')
    if metrics:
        model = metrics.get("model")
        if model:
            w = metrics.get("fusion_weight")
            how = (f" (probabilities of the CRNN and the classic model, weighted {1 - float(w):g} / {float(w):g})"
                   if isinstance(w, (int, float)) and w > 0 else "")
            out.append(f"<p>The saved model bundle: <code>{_e(model)}</code>{_e(how)}.</p>")
        rows = [(label, _fmt_metric(metrics.get(key))) for key, label in _HEADLINE]
        out.append(_table(rows, ("metric", "test set")))
        protocol = _protocol_text(metrics).strip()
        protocol = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", _e(protocol if protocol.endswith(".") else protocol + "."))
        out.append(f"<p>Protocol: {protocol} Test files: {_e(metrics.get('n_test', 'n/a'))}, "
                   f"training files: {_e(metrics.get('n_train', 'n/a'))}.</p>")
        baselines = metrics.get("baselines")
        if isinstance(baselines, Mapping) and baselines:
            brows = []
            for name, vals in baselines.items():
                if isinstance(vals, Mapping):
                    brows.append((name, *(_fmt_metric(vals.get(k)) for k, _ in _HEADLINE)))
            if brows:
                out.append("<p>On the same test set: each part of the bundle alone, and the baselines.</p>")
                out.append(_table(brows, ("baseline", *(label for _, label in _HEADLINE))))
    else:
        out.append("<p>No metrics: the evaluation notebook did not run to the end.</p>")

    # notebooks
    out.append('<h2 id="summary-notebooks">Notebooks</h2>')
    rows = []
    for r in runs:
        target = link(r)
        name = f'<a href="{_e(target)}">{_e(r.name)}</a>' if target else _e(r.name)
        secs = f"{r.seconds:.1f}" if r.seconds is not None else ""
        rows.append((name, _e(r.status) + (f": <code>{_e(r.error)}</code>" if r.error else ""), f'<span class="num">{secs}</span>'))
    total = sum(r.seconds or 0 for r in runs)
    rows.append(("<b>total</b>", "", f"<b>{total:.1f}</b>"))
    out.append(_table(rows, ("notebook", "status", "time (s)"), raw=True))

    # parameters
    out.append('<h2 id="summary-parameters">Parameters</h2>')
    profile = cfg.get("profile", "?")
    out.append(f"<p>Profile <code>{_e(profile)}</code>; parameters set with <code>-p</code> are in bold.</p>")
    rows = []
    for name, spec in config.PARAMS.items():
        value = cfg.get(name)
        if name in overrides:
            source = "-p"
        elif name == "data_dir":
            source = data.get("data_dir_source", "found")
        elif name in config.PROFILES.get(profile, {}):
            source = f"profile {profile}"
        else:
            source = "default"
        cls = ' class="ser-override"' if name in overrides else ""
        rows.append((_e(spec.section), f"<code{cls}>{_e(name)}</code>", f"<span{cls}>{_e(_fmt(value))}</span>", _e(source), _e(spec.help)))
    out.append(_table(rows, ("section", "name", "value", "from", "meaning"), raw=True))

    # environment
    out.append('<h2 id="summary-environment">Environment</h2>')
    commit = info.get("git_commit", "unknown")
    if info.get("git_dirty"):
        commit = f"{commit} (with uncommitted changes)"
    machine = info.get("machine", {})
    rows = [
        ("date", info.get("date", "")),
        ("git commit", commit),
        ("machine", f"{machine.get('platform', '')}, {machine.get('processor', '')}, {machine.get('cpu_count', '?')} CPUs"),
    ]
    rows += [(k, v if v is not None else "not installed") for k, v in info.get("versions", {}).items()]
    out.append(_table(rows))
    return "\n".join(out)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n<title>{_e(title)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def write_index(
    reports_dir: str | os.PathLike,
    *,
    runs: Sequence[NotebookRun],
    cfg: Mapping[str, Any],
    data: Mapping[str, Any],
    metrics: Mapping[str, Any] | None,
    info: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``reports_dir/index.html``: the summary with a link to each notebook's report.

    Plain HTML with inline CSS, no scripts. Returns its path.
    """
    reports = Path(reports_dir)
    reports.mkdir(parents=True, exist_ok=True)

    def link(r: NotebookRun) -> str | None:
        return r.html.name if r.html is not None and r.html.exists() else None

    files = [f'<a href="{name}">{name}</a>' for name in ("report.html", "metrics.json") if (reports / name).exists()]
    intro = "<p>Everything in one file: " + " &middot; ".join(files) + "</p>" if files else ""
    body = (
        "<h1>Speech emotion recognition on RAVDESS: run report</h1>\n" + intro + "\n"
        + summary_html(runs=runs, cfg=cfg, data=data, metrics=metrics, info=info, overrides=overrides, link=link)
    )
    path = reports / "index.html"
    path.write_text(_page("SER run report", body), encoding="utf-8")
    return path


_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _plain(md: str) -> str:
    """Markdown heading text without markup (for the table of contents)."""
    md = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", md)
    md = re.sub(r"<[^>]+>", "", md)
    return re.sub(r"[*_`]", "", md).strip()


def _anchor_headings(source: str, prefix: str, counter: list[int], toc: list[tuple[int, str, str]]) -> str:
    """Put ``<div id=...>`` before each ATX heading of a markdown cell; record it in ``toc``."""
    lines, out, fenced = source.split("\n"), [], False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        m = None if fenced else _HEADING.match(line)
        if m:
            counter[0] += 1
            anchor = f"{prefix}-h{counter[0]}"
            toc.append((len(m.group(1)), anchor, _plain(m.group(2))))
            out += ["", f'<div id="{anchor}"></div>', "", line]
        else:
            out.append(line)
    return "\n".join(out)


def write_report(
    reports_dir: str | os.PathLike,
    *,
    runs: Sequence[NotebookRun],
    cfg: Mapping[str, Any],
    data: Mapping[str, Any],
    metrics: Mapping[str, Any] | None,
    info: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    resources_dir: str | os.PathLike | None = None,
    max_bytes: int = MAX_REPORT_BYTES,
    toc_depth: int = 3,
) -> Path:
    """Write ``reports_dir/report.html``: the summary, a table of contents, then every notebook.

    The executed notebooks are merged into one notebook (a raw HTML summary and
    contents cell first, an anchored separator before each notebook, an anchor before
    each markdown heading) and exported like :func:`render_html`, so the file is
    self-contained and readable offline.

    Returns
    -------
    Path
        The report's path.
    """
    import nbformat

    reports = Path(reports_dir)
    present = [r for r in runs if r.executed.is_file()]
    toc: list[tuple[int, str, str]] = []
    cells: list[Any] = []
    nb_meta: dict[str, Any] = {}
    for k, r in enumerate(present, 1):
        nb = sanitize_notebook(nbformat.read(r.executed, as_version=4))
        if not nb_meta:
            nb_meta = {key: nb.metadata[key] for key in ("kernelspec", "language_info") if key in nb.metadata}
        anchor = f"nb-{r.name}"
        toc.append((0, anchor, f"{r.name} ({r.status}{f', {r.seconds:.1f} s' if r.seconds is not None else ''})"))
        sep = (f'<div id="{anchor}" class="ser-nb-start"><p><b>Notebook {k} of {len(runs)}: {_e(r.source.name)}</b> '
               f"&mdash; {_e(r.status)}" + (f": <code>{_e(r.error)}</code>" if r.error else "")
               + ' &middot; <a href="#contents">contents</a></p></div>')
        cells.append(nbformat.v4.new_raw_cell(sep, metadata={"raw_mimetype": "text/html", "ser_report_html": True}))
        counter = [0]
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _anchor_headings(cell.source, anchor, counter, toc)
            cells.append(cell)

    def link(r: NotebookRun) -> str | None:
        return f"#nb-{r.name}" if r in present else None

    items = []
    for level, anchor, text in toc:
        if level > toc_depth:
            continue
        items.append(f'<li style="margin-left:{1.5 * level:.1f}em"><a href="#{anchor}">{_e(text)}</a></li>')
    contents = '<h2 id="contents">Contents</h2>\n<ul style="list-style:none;padding-left:0">\n' + "\n".join(items) + "\n</ul>"
    head = (
        '<div class="ser-summary"><h1 id="top">Speech emotion recognition on RAVDESS: run report</h1>\n'
        + summary_html(runs=runs, cfg=cfg, data=data, metrics=metrics, info=info, overrides=overrides, link=link)
        + "\n" + contents + "</div>"
    )
    merged = nbformat.v4.new_notebook(metadata=nb_meta)
    merged.cells = [nbformat.v4.new_raw_cell(head, metadata={"raw_mimetype": "text/html", "ser_report_html": True}), *cells]
    for i, cell in enumerate(merged.cells):
        cell["id"] = f"c{i}"
    return _export(merged, reports / "report.html", title="SER run report", resources_dir=resources_dir, max_bytes=max_bytes)


def write_metrics(
    path: str | os.PathLike,
    *,
    runs: Sequence[NotebookRun],
    cfg: Mapping[str, Any],
    data: Mapping[str, Any],
    metrics: Mapping[str, Any] | None,
    info: Mapping[str, Any],
) -> dict[str, Any]:
    """Write the machine-readable summary of the run (JSON) and return it.

    Keys: everything of notebook 05's ``metrics.json`` (``accuracy``, ``uar``,
    ``macro_f1``, ``weighted_f1``, ``per_class``, ``split``, ``*_actors``, ``n_train``,
    ``n_test``, ``model_dir``, ``baselines``, ``protocol`` ...; None when it did not run)
    plus ``status`` (``"ok"``/``"failed"``), ``failed_notebook``, ``error``,
    ``timings_s`` (per notebook and ``total``), ``notebooks`` (status per notebook),
    ``parameters`` (resolved), ``profile``, ``data_dir``, ``synthetic``, ``n_files``,
    ``fingerprint``, ``git_commit``, ``git_dirty``, ``date``, ``machine``, ``versions``.
    """
    failed = next((r for r in runs if r.status != "ok"), None)
    out: dict[str, Any] = {
        "status": "ok" if failed is None else "failed",
        "failed_notebook": None if failed is None else failed.name,
        "error": None if failed is None else failed.error,
    }
    keys = ("accuracy", "uar", "macro_f1", "weighted_f1", "per_class", "split", "train_actors", "val_actors",
            "test_actors", "n_train", "n_test", "model_dir", "baselines", "protocol")
    out.update({k: None for k in keys})
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
            "fingerprint": data.get("fingerprint"),
            "git_commit": info.get("git_commit"),
            "git_dirty": info.get("git_dirty"),
            "date": info.get("date"),
            "machine": info.get("machine"),
            "versions": info.get("versions"),
        }
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return out


# --- command line ----------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m ser_utils.reporting",
        description="Run notebooks/NN_*.ipynb in order with papermill and write reports/NN_name.html, "
        "reports/index.html, reports/report.html (everything in one file) and reports/metrics.json.",
        epilog="Exit status: 0 all notebooks ran, 1 a notebook failed, 2 bad arguments/parameters/data.",
    )
    ap.add_argument("--data-dir", metavar="DIR", help="RAVDESS audio (default: data/ if it holds RAVDESS files, "
                    "else the synthetic demo corpus, made once under data/demo-corpus/)")
    ap.add_argument("--profile", choices=sorted(config.PROFILES), help="parameter profile (default: demo on the "
                    "demo corpus, full on real data)")
    ap.add_argument("-p", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                    help="override one parameter (VALUE read as YAML-like: 17, 0.5, true, none, '[17, 18]'); "
                    "repeatable. `python -m ser_utils.config` lists them")
    ap.add_argument("--artifacts-dir", metavar="DIR", help="where notebooks write artifacts (default: artifacts/)")
    ap.add_argument("--reports-dir", metavar="DIR", help="where the reports go (default: reports/)")
    ap.add_argument("--notebooks-dir", metavar="DIR", help="the notebooks to run (default: notebooks/)")
    ap.add_argument("--timeout", type=float, default=None, metavar="S", help="seconds one cell may run (default: no limit)")
    return ap


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the notebooks and write the reports; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help or a usage error
        return int(exc.code or 0)

    def fail(msg: str, status: int = 2) -> int:
        print(f"error: {msg}", file=sys.stderr)
        return status

    root = config.project_root()
    try:
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
                    print(f"warning: {nb} declares no artifacts_dir parameter: it will use its default folder",
                          file=sys.stderr)
        if args.profile:
            cfg = config.resolve(args.profile, **overrides)
        from ..data import locate as env

        roots, synthetic = env.resolve_data_dir(args.data_dir, make_demo=False)
        profile = args.profile or ("demo" if synthetic else "full")
        cfg = config.resolve(profile, **overrides)
        if synthetic and args.data_dir is None:
            roots, synthetic = env.resolve_data_dir(None, demo_actors=cfg["demo_actors"])
    except (ConfigError, DataError, ReportError) as exc:
        return fail(str(exc))

    artifacts = Path(args.artifacts_dir) if args.artifacts_dir else config.default_artifacts_dir()
    reports = Path(args.reports_dir) if args.reports_dir else root / "reports"
    notebooks_dir = notebooks[0].parent
    data_param: Any = str(roots[0]) if len(roots) == 1 else [str(r) for r in roots]
    cfg = dict(cfg, data_dir=data_param)
    parameters = {"profile": profile, "data_dir": data_param, "artifacts_dir": str(artifacts.resolve()), **overrides}

    kind = "SYNTHETIC demo corpus" if synthetic else "RAVDESS"
    print(f"data: {', '.join(map(str, roots))} ({kind}); profile: {profile}"
          + (f"; overrides: {', '.join(f'{k}={v!r}' for k, v in overrides.items())}" if overrides else ""))
    reports.mkdir(parents=True, exist_ok=True)
    for stale in [*(reports / f"{nb.stem}.html" for nb in notebooks), reports / "index.html",
                  reports / "report.html", reports / "metrics.json"]:
        stale.unlink(missing_ok=True)

    kernel_log = artifacts / "executed" / "kernels.log"
    kernel_log.unlink(missing_ok=True)
    runs = run_notebooks(notebooks, parameters=parameters, executed_dir=artifacts / "executed", cwd=notebooks_dir,
                         execution_timeout=args.timeout, kernel_log=kernel_log)
    for r in runs:
        if r.executed.is_file():
            try:
                r.html = render_html(r.executed, reports / f"{r.name}.html", resources_dir=notebooks_dir)
                r.html_bytes = r.html.stat().st_size
            except Exception as exc:  # a report that cannot render must not hide the others
                print(f"warning: could not render {r.name}: {_error_line(exc)}", file=sys.stderr)

    dataset = _artifact(artifacts, "dataset", runs) or {}
    data = {"roots": [str(r) for r in roots], "synthetic": synthetic,
            "data_dir_source": "--data-dir" if args.data_dir else "found (data/ or the demo corpus)"}
    data.update({k: v for k, v in dataset.items() if k in ("n_files", "n_skipped", "fingerprint")})
    if "synthetic" in dataset:
        data["synthetic"] = bool(dataset["synthetic"])
    metrics = _artifact(artifacts, "metrics", runs)
    cross = _artifact(artifacts, "cross_corpus", runs)  # notebook 06, when other corpora were given
    if cross:
        metrics = {**(metrics or {}), "cross_corpus": cross}
    info = run_info(root)
    kw = dict(runs=runs, cfg=cfg, data=data, metrics=metrics, info=info)
    write_metrics(reports / "metrics.json", **kw)
    try:
        write_report(reports, overrides=overrides, resources_dir=notebooks_dir, **kw)
    except Exception as exc:
        print(f"warning: could not write report.html: {_error_line(exc)}", file=sys.stderr)
    index = write_index(reports, overrides=overrides, **kw)

    failed = next((r for r in runs if r.status != "ok"), None)
    if failed is not None:
        see = f"; see {_rel(failed.html)}" if failed.html else ""
        print(f"notebook {failed.name} failed: {failed.error}{see}", file=sys.stderr)
        print(f"partial reports: {_rel(index)}; kernel messages: {_rel(kernel_log)}", file=sys.stderr)
        return 130 if failed.error and failed.error.startswith("KeyboardInterrupt") else 1
    total = sum(r.seconds or 0 for r in runs)
    print(f"done in {total:.1f} s: {_rel(index)}, {_rel(reports / 'report.html')}, {_rel(reports / 'metrics.json')}")
    if metrics:
        print("test set: " + ", ".join(f"{k} {metrics[k]:.3f}" for k, _ in _HEADLINE if isinstance(metrics.get(k), (int, float))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
