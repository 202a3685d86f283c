"""Layer 7, reporting: from the notebooks to the HTML reports.

Runs the notebooks with papermill and gives ``reports/``: each notebook as offline HTML,
``index.html``, ``report.html`` and ``metrics.json``. ``python -m ser_utils.reporting``
(what ``./run_all.sh`` calls) is its command line.
"""
