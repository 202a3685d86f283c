"""Step 1 of the run: the notebooks to run, what their ``parameters`` cells declare, the ``-p`` overrides checked."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import config
from ..errors import ConfigError, ReportError

__all__ = ["find_notebooks", "declared_parameters", "parse_overrides", "check_declared"]

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"


def find_notebooks(notebooks_dir: str | os.PathLike) -> list[Path]:
    """The notebooks ``NN_name.ipynb`` of a folder, in order.

    Raises
    ------
    ReportError
        The folder does not exist or holds no ``NN_*.ipynb``.
    """
    folder = Path(notebooks_dir)
    if not folder.is_dir():
        raise ReportError(f"the notebooks folder {folder} does not exist; expected the project's notebooks/ folder")
    found = sorted(p for p in folder.glob(NOTEBOOK_GLOB) if p.is_file())
    if not found:
        raise ReportError(f"no notebook named like 01_name.ipynb in {folder}")
    return found


def declared_parameters(nb_path: str | os.PathLike) -> set[str]:
    """Names assigned in a notebook's cell tagged ``parameters``.

    The cell is read with :mod:`ast` (top-level ``name = ...`` and ``name: type = ...``;
    IPython ``%``/``!`` lines ignored), so comments such as ``# None = the profile's
    value`` are fine; ``papermill.inspect_notebook`` skips any line holding a second
    ``=`` and is used only when the cell is not valid Python.
    """
    import ast

    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    cell = next((c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        return set()
    source = "\n".join(ln for ln in cell.source.splitlines() if not ln.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        import papermill

        return set(papermill.inspect_notebook(str(nb_path)))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        else:
            targets = [node.target] if isinstance(node, ast.AnnAssign) else []
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Name):
                    names.add(sub.id)
    return names


def parse_overrides(pairs: Sequence[Sequence[str]] | None) -> dict[str, Any]:
    """Turn ``-p NAME VALUE`` pairs into ``{name: value}``.

    Values are read with :func:`ser_utils.config.parse_value` (``"[17, 18]"`` -> list).

    Raises
    ------
    ConfigError
        A name is not a parameter of :data:`ser_utils.config.PARAMS` (the message
        suggests close matches), or is given twice.
    """
    out: dict[str, Any] = {}
    for name, value in pairs or ():
        if name in ("profile", "artifacts_dir", "reports_dir", "notebooks_dir"):
            raise ConfigError(f"{name!r} is not a -p parameter: use --{name.replace('_', '-')} {value}")
        if name not in config.PARAMS:
            close = difflib.get_close_matches(name, config.PARAMS, n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise ConfigError(
                f"unknown parameter {name!r}{hint} (run `python -m ser_utils.config` to list every parameter)"
            )
        if name in out:
            raise ConfigError(f"parameter {name!r} is given twice with -p")
        parsed = config.parse_value(value)
        if parsed is not None and config.PARAMS[name].kind == "paths":  # "[A, B]": folders, never numbers
            parsed = config.check(name, value)
        out[name] = parsed
    return out


def check_declared(overrides: Mapping[str, Any], declared: Mapping[str, set[str]]) -> None:
    """Every override must be declared by at least one of the notebooks to run.

    ``declared`` maps each notebook to run to the names its ``parameters`` cell assigns
    (:func:`declared_parameters`; for the project's notebooks a test holds the cell equal
    to :data:`ser_utils.config.NOTEBOOK_PARAMS`). The message names the registered
    notebooks that take each refused parameter.

    Raises
    ------
    ConfigError
        Naming the overrides no notebook to run takes, and which notebooks would.
    """
    used = set().union(*declared.values()) if declared else set()
    unused = sorted(set(overrides) - used)
    if unused:
        takers = "; ".join(
            f"{name!r} is taken by {', '.join(config.notebooks_taking(name)) or 'no registered notebook'}"
            for name in unused
        )
        raise ConfigError(
            f"parameter(s) {', '.join(map(repr, unused))} are declared by none of the notebooks "
            f"({', '.join(declared)}), so setting them would change nothing ({takers})"
        )


def _check_registered(notebooks_dir: Path, declared: Mapping[str, set[str]]) -> None:
    """Each project notebook is in :data:`ser_utils.config.NOTEBOOK_PARAMS` and its cell assigns those names."""
    config.check_notebook_files(notebooks_dir)
    for nb, names in declared.items():
        want = {*config.START_PARAMS, *config.notebook_params(nb)}
        if names != want:
            extra, lacking = sorted(names - want), sorted(want - names)
            raise ConfigError(
                f"notebooks/{nb}.ipynb: its parameters cell differs from ser_utils.config.NOTEBOOK_PARAMS"
                + (f"; it also assigns {', '.join(extra)}" if extra else "")
                + (f"; it lacks {', '.join(lacking)}" if lacking else "")
            )
