"""The project's exception hierarchy.

Every error that ``ser_utils`` raises on purpose is a :class:`SERError`, so a caller
can catch them all at once; each subclass also derives from the closest built-in
exception (``ValueError``, ``FileNotFoundError``, ...) so that generic handlers work.

Small data is not an error: where a step needs more files than a folder has (the SVM's
calibration folds, a validation part, SMOTE's neighbours...), it does what the data allows
and says so with a :class:`FallbackWarning` (:func:`fallback`). Whoever runs the step
collects those messages with :func:`recording_fallbacks` and keeps them in what it
returns (a ``fallbacks`` list), so the notebooks, ``train_info.json``, ``bundle.json``
and ``metrics.json`` name them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "SERError",
    "ConfigError",
    "FilenameError",
    "AudioError",
    "DataError",
    "ArtifactMissingError",
    "DownloadError",
    "ChecksumError",
    "UnsafeArchiveError",
    "FeatureError",
    "ModelError",
    "WeightsError",
    "ReportError",
    "FallbackWarning",
    "fallback",
    "recording_fallbacks",
]


class SERError(Exception):
    """Base class of every error raised on purpose by ``ser_utils``."""


class ConfigError(SERError, ValueError):
    """A parameter is unknown, of the wrong type or out of range."""


class FilenameError(SERError, ValueError):
    """A file name does not follow the RAVDESS ``MM-VV-EE-II-SS-RR-AA.ext`` pattern."""


class AudioError(SERError):
    """An audio file cannot be read, is corrupt, truncated, empty or silent."""


class DataError(SERError):
    """A corpus is missing, empty, or unusable as a whole."""


class ArtifactMissingError(SERError, FileNotFoundError):
    """An artifact that an earlier notebook writes is missing (run that notebook first)."""


class DownloadError(SERError):
    """Fetching or extracting an archive failed."""


class ChecksumError(DownloadError):
    """A downloaded archive does not match its expected checksum."""


class UnsafeArchiveError(DownloadError):
    """An archive entry would be written outside the target folder."""


class FeatureError(SERError):
    """Feature extraction, caching or normalisation failed or was misused."""


class ModelError(SERError):
    """A model cannot be built, trained, saved or loaded as asked."""


class WeightsError(SERError, OSError):
    """Pretrained weights are missing, incomplete, or not the bytes the project trusts."""


class ReportError(SERError, RuntimeError):
    """The notebooks cannot be found, run or rendered as asked."""


class FallbackWarning(UserWarning):
    """A step did less than asked because the data is too small for it; the message says what it did instead."""


def fallback(message: str, *, stacklevel: int = 2) -> None:
    """Say that a step fell back to what the data allows (a :class:`FallbackWarning`).

    Parameters
    ----------
    message : str
        What was asked, why it was not possible, and what was done instead.
    stacklevel : int
        As :func:`warnings.warn`, counted from the caller of this function.
    """
    warnings.warn(message, FallbackWarning, stacklevel=stacklevel + 1)


@contextmanager
def recording_fallbacks(
    *, log: Callable[[str], Any] | None = None, prefix: str = "", label: str | None = None
) -> Iterator[list[str]]:
    """Collect the :class:`FallbackWarning` messages raised inside the block.

    Parameters
    ----------
    log : callable or None
        Receives ``"fallback (<label>): <message>"`` as each new message arrives (``print``
        in the notebooks); None: collect silently.
    prefix : str
        Put before each message (where it happened, e.g. ``"the encoder head: "``).
    label : str or None
        The step, named in the logged line only (e.g. ``"classic model"``).

    Yields
    ------
    list of str
        The messages, in order, each once; it fills as the block runs. Other warnings
        pass through untouched. A block inside another records a message, logs it if it
        has a ``log``, and passes it on: the outer block records it too and logs it only
        if no inner block did.
    """
    notes: list[str] = []

    def _add(text: str, *, said: bool) -> None:
        """Record ``text`` once; log it unless an inner block has; pass it to an outer block."""
        if text in notes:
            return
        notes.append(text)
        if not said and log is not None:
            log(f"fallback ({label}): {text}" if label else f"fallback: {text}")
        if outer is not None:
            outer(text, said=said or log is not None)

    with warnings.catch_warnings():
        warnings.simplefilter("always", FallbackWarning)
        previous = warnings.showwarning
        outer = getattr(previous, "_ser_fallbacks", None)

        def hook(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, FallbackWarning):
                _add(prefix + str(message), said=False)
            else:
                previous(message, category, filename, lineno, file, line)

        def forward(text: str, *, said: bool) -> None:
            _add(prefix + text, said=said)

        hook._ser_fallbacks = forward  # type: ignore[attr-defined]
        warnings.showwarning = hook
        yield notes
