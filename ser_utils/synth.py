"""``python -m ser_utils.synth``: the command of :mod:`ser_utils.data.synth`."""

from .data.synth import main

if __name__ == "__main__":
    raise SystemExit(main())
