"""``python -m ser_utils.download``: the command of :mod:`ser_utils.data.download`."""

from .data.download import main

if __name__ == "__main__":
    raise SystemExit(main())
