"""``python -m ser_utils.reporting``: run the notebooks and write the reports."""

from .runner import main

raise SystemExit(main())
