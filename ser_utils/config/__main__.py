"""``python -m ser_utils.config [--profile NAME]``: the table of every parameter."""

from .table import main

raise SystemExit(main())
