"""The names of the former single module ``ser_utils.reporting.report``, kept for old imports.

New code imports :mod:`~ser_utils.reporting.overrides`, :mod:`~ser_utils.reporting.execute`,
:mod:`~ser_utils.reporting.runinfo`, :mod:`~ser_utils.reporting.cli`, :mod:`~ser_utils.reporting.render`,
:mod:`~ser_utils.reporting.summary` or :mod:`~ser_utils.reporting.metrics`;
``python -m ser_utils.reporting.report`` still runs the command line.
"""

from __future__ import annotations

from ..errors import ReportError
from .cli import main
from .execute import KERNEL_ENV, NotebookRun, run_notebooks
from .metrics import write_metrics
from .overrides import check_declared, declared_parameters, find_notebooks, parse_overrides
from .render import MAX_REPORT_BYTES, clean_stream_text, render_html, sanitize_notebook
from .runinfo import run_info
from .summary import summary_html, write_index, write_report

__all__ = [
    "ReportError", "NotebookRun", "MAX_REPORT_BYTES", "KERNEL_ENV", "find_notebooks", "declared_parameters",
    "parse_overrides", "check_declared", "run_notebooks", "clean_stream_text", "sanitize_notebook", "render_html",
    "run_info", "summary_html", "write_index", "write_report", "write_metrics", "main",
]

if __name__ == "__main__":
    raise SystemExit(main())
