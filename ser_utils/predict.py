"""``python -m ser_utils.predict``: the command of :mod:`ser_utils.models.predict`."""

from .models.predict import main

if __name__ == "__main__":
    raise SystemExit(main())
