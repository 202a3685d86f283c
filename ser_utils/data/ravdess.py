"""RAVDESS file names: ``MM-VV-EE-II-SS-RR-AA.wav`` (or ``.flac``).

Fields, in order (Livingstone & Russo 2018):

====  ==============  =====================================================
MM    modality        01 full-AV, 02 video-only, 03 audio-only
VV    vocal channel   01 speech, 02 song
EE    emotion         01 neutral ... 08 surprised (see :data:`EMOTION_NAMES`)
II    intensity       01 normal, 02 strong (neutral has no strong intensity)
SS    statement       01 "Kids are talking by the door", 02 "Dogs are sitting by the door"
RR    repetition      01, 02
AA    actor           01-24; odd actors are male, even actors female
====  ==============  =====================================================
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from pathlib import PurePath

from ..config import EMOTIONS
from ..errors import FilenameError

__all__ = [
    "AUDIO_EXTENSIONS",
    "EMOTION_NAMES",
    "MODALITIES",
    "VOCAL_CHANNELS",
    "INTENSITIES",
    "STATEMENTS",
    "RavdessName",
    "parse_filename",
    "make_filename",
]

AUDIO_EXTENSIONS: tuple[str, ...] = (".wav", ".flac")
EMOTION_NAMES: dict[int, str] = {i + 1: name for i, name in enumerate(EMOTIONS)}
MODALITIES: dict[int, str] = {1: "full-AV", 2: "video-only", 3: "audio-only"}
VOCAL_CHANNELS: dict[int, str] = {1: "speech", 2: "song"}
INTENSITIES: dict[int, str] = {1: "normal", 2: "strong"}
STATEMENTS: dict[int, str] = {1: "Kids are talking by the door", 2: "Dogs are sitting by the door"}

_PATTERN = re.compile(r"^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$")
_EXPECTED = "MM-VV-EE-II-SS-RR-AA.wav or .flac, seven two-digit fields such as 03-01-05-02-01-01-12.wav"


@dataclass(frozen=True)
class RavdessName:
    """The fields of one RAVDESS file name, with readable names."""

    modality_id: int
    vocal_channel_id: int
    emotion_id: int
    intensity_id: int
    statement_id: int
    repetition: int
    actor: int

    @property
    def modality(self) -> str:
        """The modality's name (``modality_id`` looked up)."""
        return MODALITIES[self.modality_id]

    @property
    def vocal_channel(self) -> str:
        """The vocal channel's name, speech or song (``vocal_channel_id`` looked up)."""
        return VOCAL_CHANNELS[self.vocal_channel_id]

    @property
    def emotion(self) -> str:
        """The emotion's name (``emotion_id`` looked up)."""
        return EMOTION_NAMES[self.emotion_id]

    @property
    def label(self) -> int:
        """Zero-based class index (``emotion_id - 1``)."""
        return self.emotion_id - 1

    @property
    def intensity(self) -> str:
        """The intensity's name, normal or strong (``intensity_id`` looked up)."""
        return INTENSITIES[self.intensity_id]

    @property
    def statement(self) -> str:
        """The spoken statement (``statement_id`` looked up)."""
        return STATEMENTS[self.statement_id]

    @property
    def gender(self) -> str:
        """The actor's gender: odd actors are male, even ones female."""
        return "male" if self.actor % 2 else "female"

    def as_dict(self) -> dict:
        """All fields and readable names as a flat dict."""
        d = asdict(self)
        d.update(
            modality=self.modality,
            vocal_channel=self.vocal_channel,
            emotion=self.emotion,
            label=self.label,
            intensity=self.intensity,
            statement=self.statement,
            gender=self.gender,
        )
        return d

    def stem(self) -> str:
        """The name without extension, e.g. ``"03-01-05-02-01-01-12"``."""
        return make_filename(self, ext="")


def parse_filename(name: str | os.PathLike) -> RavdessName:
    """Parse a RAVDESS file name (a bare name or a path).

    Parameters
    ----------
    name : str or path-like
        ``"03-01-05-02-01-01-12.wav"``, ``".../Actor_12/03-01-05-02-01-01-12.flac"``.

    Returns
    -------
    RavdessName

    Raises
    ------
    FilenameError
        The name does not have the RAVDESS pattern or a field is out of range;
        the message quotes the name and says what was expected.
    """
    base = PurePath(os.fspath(name)).name
    stem, dot, ext = base.rpartition(".")
    if not dot or "." + ext.lower() not in AUDIO_EXTENSIONS:
        raise FilenameError(f"{base!r} is not a RAVDESS audio file name: expected {_EXPECTED}")
    m = _PATTERN.match(stem)
    if not m:
        raise FilenameError(f"{base!r} is not a RAVDESS file name: expected {_EXPECTED}")
    mm, vv, ee, ii, ss, rr, aa = (int(g) for g in m.groups())
    checks = [
        ("modality", mm, MODALITIES),
        ("vocal channel", vv, VOCAL_CHANNELS),
        ("emotion", ee, EMOTION_NAMES),
        ("intensity", ii, INTENSITIES),
        ("statement", ss, STATEMENTS),
        ("repetition", rr, {1: "", 2: ""}),
        ("actor", aa, {a: "" for a in range(1, 25)}),
    ]
    for field, value, allowed in checks:
        if value not in allowed:
            lo, hi = min(allowed), max(allowed)
            raise FilenameError(
                f"{base!r}: {field} {value:02d} is out of range {lo:02d}-{hi:02d} (expected {_EXPECTED})"
            )
    if ee == 1 and ii == 2:
        raise FilenameError(f"{base!r}: neutral (emotion 01) has no strong intensity (02) in RAVDESS")
    return RavdessName(mm, vv, ee, ii, ss, rr, aa)


def make_filename(
    fields: RavdessName | None = None,
    *,
    modality_id: int = 3,
    vocal_channel_id: int = 1,
    emotion_id: int = 1,
    intensity_id: int = 1,
    statement_id: int = 1,
    repetition: int = 1,
    actor: int = 1,
    ext: str = ".wav",
) -> str:
    """Build a RAVDESS file name from fields (the inverse of :func:`parse_filename`)."""
    if fields is not None:
        modality_id, vocal_channel_id, emotion_id = fields.modality_id, fields.vocal_channel_id, fields.emotion_id
        intensity_id, statement_id, repetition, actor = (
            fields.intensity_id,
            fields.statement_id,
            fields.repetition,
            fields.actor,
        )
    parts = (modality_id, vocal_channel_id, emotion_id, intensity_id, statement_id, repetition, actor)
    return "-".join(f"{p:02d}" for p in parts) + ext
