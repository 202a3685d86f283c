"""Layer 7, reporting: from the notebooks to the HTML reports.

Runs the notebooks with papermill and gives ``reports/``: the front page ``index.html``,
each notebook as offline HTML in a reader version (code hidden) and a full version,
``report.html`` (everything in one file) and ``metrics.json``. ``python -m
ser_utils.reporting`` (what ``./run_all.sh`` calls) is its command line.

Modules, in the order of a run: ``cli`` (the command line: plan, run, record, write),
``overrides`` (the notebooks to run and the ``-p`` parameters checked against their
``parameters`` cells), ``execute`` (papermill, one notebook after another), ``runinfo``
(commit, versions and machine for the record), ``write`` (every report of a run), ``render``
(nbconvert clean-up and offline HTML), ``summary`` (the front page and ``report.html``,
from the Jinja2 templates in ``templates/``), ``figures`` (the front page's figures,
drawn by :mod:`ser_utils.evaluation.plots`), ``metrics`` (``metrics.json``); ``report``
keeps the names of the former single module for old imports.
"""
