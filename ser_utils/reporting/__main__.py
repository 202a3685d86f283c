"""``python -m ser_utils.reporting``: run the notebooks and write the reports."""

from .cli import main

raise SystemExit(main())
