"""The table of every parameter: ``python -m ser_utils.config [--profile NAME]``."""

from __future__ import annotations

import argparse

from .notebooks import NOTEBOOK_PARAMS, notebooks_taking
from .params import PARAMS
from .profiles import PROFILES
from .validate import resolve

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Print every parameter with its value in a profile and the notebooks that take it."""
    ap = argparse.ArgumentParser(prog="python -m ser_utils.config", description=main.__doc__)
    ap.add_argument("--profile", default="full", choices=sorted(PROFILES))
    args = ap.parse_args(argv)
    cfg = resolve(args.profile)
    section = None
    for name, spec in PARAMS.items():
        if spec.section != section:
            section = spec.section
            print(f"\n[{section}]")
        takers = ", ".join(nb.split("_", 1)[0] for nb in notebooks_taking(name)) or "no notebook"
        print(f"  {name:<26} = {cfg[name]!r:<22} [{takers}] {spec.help}")
    print("\n[notebooks] " + "; ".join(f"{nb.split('_', 1)[0]} = {nb}" for nb in NOTEBOOK_PARAMS))
    return 0

