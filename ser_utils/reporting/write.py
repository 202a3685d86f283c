"""Step 4 of the run: every report of a run, from the executed notebooks and the artifacts (:func:`write_reports`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .execute import NotebookRun, error_line

__all__ = ["write_reports"]


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
