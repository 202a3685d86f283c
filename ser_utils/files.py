"""Layer 0, files: the one way this package writes a file and turns values into JSON.

Every artifact, cache entry and report is written through :func:`atomic_write` (a temp
file beside the target, then :func:`os.replace`), so a run killed half-way never leaves a
half-written file under the final name. :func:`to_json` is the one JSON encoder: numpy
scalars and arrays, paths and sets become plain JSON values.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["TMP_SUFFIX", "atomic_write", "json_default", "read_json", "to_json", "write_json", "write_text"]

#: Suffix of the temp files :func:`atomic_write` leaves only when the process is killed.
TMP_SUFFIX: str = ".tmp"


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Write ``path`` through ``write(fileobj)`` into a temp file beside it, then rename.

    Parameters
    ----------
    path : str or os.PathLike
        The final file. Its folder is created when missing.
    write : callable
        Called once with a binary file object open for writing.

    Returns
    -------
    path : Path
        The file written, with the mode a plain ``open(path, "w")`` gives (``0o666`` less the
        umask), so reports stay readable by others. On any error the temp file is removed and the error re-raised;
        an earlier file under ``path`` is then left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes it 0600: give it a plain file's mode
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    data = text.encode("utf-8")
    return atomic_write(path, lambda f: f.write(data))


def json_default(o: Any) -> Any:
    """``json.dumps(default=...)`` hook: numpy scalars/arrays, paths and sets as JSON values.

    Raises
    ------
    TypeError
        For any other type, naming it (as :func:`json.dumps` itself does).
    """
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, os.PathLike):
        return os.fspath(o)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def to_json(obj: Any, *, indent: int | None = 2, sort_keys: bool = False) -> str:
    """``obj`` as JSON text (numpy values, paths and sets converted), ending in a newline."""
    return json.dumps(obj, indent=indent, sort_keys=sort_keys, default=json_default) + "\n"


def write_json(path: str | os.PathLike, obj: Any, *, sort_keys: bool = False) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically; returns the path."""
    return write_text(path, to_json(obj, sort_keys=sort_keys))


def read_json(path: str | os.PathLike) -> Any:
    """The JSON value stored in ``path``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
