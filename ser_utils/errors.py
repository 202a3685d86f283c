"""The project's exception hierarchy.

Every error that ``ser_utils`` raises on purpose is a :class:`SERError`, so a caller
can catch them all at once; each subclass also derives from the closest built-in
exception (``ValueError``, ``FileNotFoundError``, ...) so that generic handlers work.
"""

from __future__ import annotations

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
