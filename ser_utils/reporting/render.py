"""Executed notebooks to offline HTML: clean-up, then nbconvert with the project's template.

Each notebook gets two files: the **reader version** ``NN_name.html`` (code cells hidden,
only the narrative and the outputs: what the front page links first) and the **full
version** ``NN_name.full.html`` (with the code). Both are one file readable offline: no
script, nothing loaded from the network, images embedded, widget residue removed, progress
bars reduced to their last state, and laid out to fit a phone-width screen.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..files import write_text

__all__ = [
    "MAX_REPORT_BYTES",
    "TEMPLATES",
    "clean_stream_text",
    "sanitize_notebook",
    "remote_resources",
    "check_written",
    "export_notebook",
    "render_html",
    "render_versions",
    "version_names",
    "notebook_title",
]

#: Largest HTML report we accept without a warning (bytes).
MAX_REPORT_BYTES: int = 3 * 1024 * 1024

#: The Jinja2 templates and style sheets of the reports (package data).
TEMPLATES: Path = Path(__file__).resolve().parent / "templates"

_ANSI_MOVE = re.compile(r"\x1b\[[0-9;]*[ABCDEFGHJKST]")
# TensorFlow's C++ (absl/glog) log lines, e.g. "I0000 00:00:1795249371.122603   17895 port.cc:153] oneDNN ...",
# written to the kernel's stderr before TF_CPP_MIN_LOG_LEVEL takes effect.
_NATIVE_LOG = re.compile(
    r"^(?:[IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.\-]+:\d+\] .*"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)\n?",
    re.MULTILINE,
)
# <script src=http...>, <link href=http...>, <img src=http...>: what an offline reader would miss.
_REMOTE = re.compile(
    r"<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE
)
_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def clean_stream_text(text: str) -> str:
    r"""Reduce terminal-style progress output to what a terminal would finally show.

    Each line is replayed as a terminal would: ``\r`` returns to the line start,
    ``\b`` steps back one character, later characters overwrite earlier ones; cursor
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
    return "\n".join(_replay(line) if ("\r" in line or "\b" in line) else line for line in text.split("\n"))


def _replay(line: str) -> str:
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
    return "".join(buf).rstrip()


def _is_widget_key(key: str) -> bool:
    return key.startswith("application/vnd.jupyter.widget")


def _without_widgets(out: Any) -> Any | None:
    """An output without its widget parts; None when nothing but the widget's repr is left."""
    if out.get("output_type") in ("display_data", "execute_result"):
        data = out.get("data", {})
        widget_keys = [k for k in data if _is_widget_key(k)]
        for k in widget_keys:
            data.pop(k)
        if widget_keys and set(data) <= {"text/plain"}:
            return None
        for k in [k for k in out.get("metadata", {}) if _is_widget_key(k)]:
            out["metadata"].pop(k)
    return out


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
        outputs: list[Any] = []
        for out in filter(None, map(_without_widgets, cell.get("outputs", []))):
            last = outputs[-1] if outputs else None
            if out.get("output_type") == "stream" and last is not None and last.get("output_type") == "stream" \
                    and last.get("name") == out.get("name"):
                last["text"] += out.get("text", "")
                continue
            outputs.append(out)
        for out in outputs:
            if out.get("output_type") == "stream":
                out["text"] = clean_stream_text(out.get("text", ""))
                if drop_native_logs and out.get("name") == "stderr":
                    out["text"] = _NATIVE_LOG.sub("", out["text"])
        cell.outputs = [o for o in outputs if not (o.get("output_type") == "stream" and not o.get("text"))]
    return nb


def remote_resources(html_text: str) -> list[str]:
    """The URLs a page's ``<script>``, ``<link>`` and ``<img>`` tags would load from the network."""
    return _REMOTE.findall(html_text)


def _exporter(*, code: bool) -> Any:
    import jinja2
    from nbconvert import HTMLExporter

    quiet = logging.getLogger("ser_utils.reporting.nbconvert")
    quiet.setLevel(logging.ERROR)  # not "Alternative text is missing on 1 image(s)" per figure
    return HTMLExporter(
        log=quiet,
        extra_loaders=[jinja2.FileSystemLoader(str(TEMPLATES))],
        template_file="ser_notebook.html.j2",
        embed_images=True,
        exclude_input=not code,
        exclude_input_prompt=not code,
        exclude_output_prompt=not code,
    )


def check_written(path: Path, body: str, *, max_bytes: int) -> None:
    """Warn on stderr when a written page loads anything from the network or is over ``max_bytes``."""
    remote = remote_resources(body)
    if remote:
        print(f"warning: {path} loads {len(remote)} resource(s) from the network ({remote[0]}, ...): "
              "it will be incomplete offline", file=sys.stderr)
    size = path.stat().st_size
    if size > max_bytes:
        print(f"warning: {path} is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.1f} MB limit "
              "for a report that is easy to send (fewer or smaller figures would help)", file=sys.stderr)


def export_notebook(
    nb: Any,
    html_path: str | os.PathLike,
    *,
    title: str,
    code: bool = True,
    nav: dict[str, str] | None = None,
    resources_dir: str | os.PathLike | None = None,
    max_bytes: int = MAX_REPORT_BYTES,
) -> Path:
    """Export a (sanitised) notebook to one offline HTML file.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    html_path : path-like
        The file to write (its folder is made).
    title : str
        The page title.
    code : bool
        Keep the code cells (the full version) or hide them and the prompts (the reader version).
    nav : dict, optional
        Links shown at the top of the page, label -> href (e.g. the front page, the other version).
    resources_dir : path-like, optional
        Folder that relative markdown image paths refer to (default: the page's folder).
    max_bytes : int
        Size above which to warn.
    """
    html_path = Path(html_path)
    resources = {"metadata": {"name": title, "path": str(resources_dir or html_path.parent)},
                 "ser_nav": list((nav or {}).items()), "ser_reader": not code}
    body, _ = _exporter(code=code).from_notebook_node(nb, resources=resources)
    write_text(html_path, body)
    check_written(html_path, body, max_bytes=max_bytes)
    return html_path


def _read(nb_path: str | os.PathLike) -> Any:
    import nbformat

    nb_path = Path(nb_path)
    if not nb_path.is_file():
        raise ReportError(f"cannot render {nb_path}: no such notebook")
    return nbformat.read(nb_path, as_version=4)


def notebook_title(nb_path: str | os.PathLike) -> str | None:
    """The first top-level markdown heading of a notebook (``# 5 · Evaluation``), or None."""
    for cell in _read(nb_path).cells:
        if cell.cell_type == "markdown":
            m = _HEADING.search(cell.source)
            if m:
                return re.sub(r"[*_`]", "", m.group(1)).strip()
    return None


def render_html(
    nb_path: str | os.PathLike,
    html_path: str | os.PathLike,
    *,
    code: bool = True,
    nav: dict[str, str] | None = None,
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
    code : bool
        True: the full version, with the code; False: the reader version, code hidden.
    nav : dict, optional
        Links at the top of the page, label -> href.
    resources_dir : path-like, optional
        Folder that relative markdown image paths refer to (default: the notebook's).
    max_bytes : int
        Size above which to warn.

    Returns
    -------
    Path
        ``html_path``.
    """
    nb = sanitize_notebook(_read(nb_path))
    return export_notebook(nb, html_path, title=Path(nb_path).stem, code=code, nav=nav,
                           resources_dir=resources_dir or Path(nb_path).parent, max_bytes=max_bytes)


def version_names(name: str) -> tuple[str, str]:
    """File names of a notebook's reader and full versions: ``NN_name.html``, ``NN_name.full.html``."""
    return f"{name}.html", f"{name}.full.html"


def render_versions(
    nb_path: str | os.PathLike,
    reports_dir: str | os.PathLike,
    *,
    resources_dir: str | os.PathLike | None = None,
    max_bytes: int = MAX_REPORT_BYTES,
) -> tuple[Path, Path]:
    """Write both versions of an executed notebook into ``reports_dir``; returns (reader, full)."""
    name = Path(nb_path).stem
    reader, full = version_names(name)
    reports = Path(reports_dir)
    out = []
    for fname, code, other, label in ((reader, False, full, "the same with its code"),
                                      (full, True, reader, "the reader version (no code)")):
        nav = {"front page": "index.html", label: other}
        out.append(render_html(nb_path, reports / fname, code=code, nav=nav, resources_dir=resources_dir,
                               max_bytes=max_bytes))
    return out[0], out[1]
