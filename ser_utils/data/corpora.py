"""File names of the four corpora the scan reads: RAVDESS, CREMA-D, TESS and SAVEE.

Each corpus is recognised by its own names (and, for SAVEE's original layout, its
speaker folder), so one folder may hold any mix of them:

=========  ============================================  ==========================================
corpus     names                                         speakers (``actor`` number)
=========  ============================================  ==========================================
ravdess    ``Actor_12/03-01-05-02-01-01-12.wav``         actors 01-24 (1-24), odd male
crema-d    ``AudioWAV/1001_DFA_ANG_XX.wav``              actors 1001-1091 (their own numbers)
tess       ``OAF_angry/OAF_back_angry.wav``              OAF, YAF (2001, 2002), both female
savee      ``DC/a01.wav`` or flat (Kaggle) ``DC_a01.wav``  DC, JE, JK, KL (3001-3004), all male
=========  ============================================  ==========================================

The ``actor`` numbers never collide between corpora, so every speaker split keeps them
apart; ``speaker`` names the same speaker readably (``"crema-d:1001"``, ``"tess:OAF"``).
Emotions map onto :data:`ser_utils.config.EMOTIONS`: TESS's "pleasant surprise" is
``surprised``; only RAVDESS has ``calm``. CREMA-D's genders come from its
``VideoDemographics.csv`` when it lies beside ``AudioWAV/`` (else ``"unknown"``).
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable
from pathlib import Path

from ..config import EMOTIONS
from ..errors import FilenameError
from .ravdess import AUDIO_EXTENSIONS, parse_filename

__all__ = [
    "CORPORA",
    "CORPUS_EMOTIONS",
    "CREMA_D_SENTENCES",
    "SAVEE_SPEAKERS",
    "TESS_SPEAKERS",
    "read_name",
]

#: The corpora the scan recognises, in the order their names are tried.
CORPORA: tuple[str, ...] = ("ravdess", "crema-d", "tess", "savee")

#: The emotions each corpus holds, in :data:`~ser_utils.config.EMOTIONS` order.
CORPUS_EMOTIONS: dict[str, tuple[str, ...]] = {
    "ravdess": tuple(EMOTIONS),
    "crema-d": ("neutral", "happy", "sad", "angry", "fearful", "disgust"),
    "tess": ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"),
    "savee": ("neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"),
}

#: CREMA-D's twelve sentences: code -> (number, text).
CREMA_D_SENTENCES: dict[str, tuple[int, str]] = {
    "IEO": (1, "It's eleven o'clock"),
    "TIE": (2, "That is exactly what happened"),
    "IOM": (3, "I'm on my way to the meeting"),
    "IWW": (4, "I wonder what this is about"),
    "TAI": (5, "The airplane is almost full"),
    "MTI": (6, "Maybe tomorrow it will be cold"),
    "IWL": (7, "I would like a new alarm clock"),
    "ITH": (8, "I think I have a doctor's appointment"),
    "DFA": (9, "Don't forget a jacket"),
    "ITS": (10, "I think I've seen this before"),
    "TSI": (11, "The surface is slick"),
    "WSI": (12, "We'll stop in a couple of minutes"),
}
_CREMA_EMOTIONS = {"ANG": "angry", "DIS": "disgust", "FEA": "fearful", "HAP": "happy", "NEU": "neutral", "SAD": "sad"}
_CREMA_LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
_CREMA_ACTORS = range(1001, 1092)

#: TESS speaker -> actor number (both speakers are women).
TESS_SPEAKERS: dict[str, int] = {"OAF": 2001, "YAF": 2002}
# spellings seen in file names -> (canonical token, emotion)
_TESS_EMOTIONS = {
    "angry": ("angry", "angry"),
    "anger": ("angry", "angry"),
    "disgust": ("disgust", "disgust"),
    "disgusted": ("disgust", "disgust"),
    "fear": ("fear", "fearful"),
    "fearful": ("fear", "fearful"),
    "happy": ("happy", "happy"),
    "neutral": ("neutral", "neutral"),
    "ps": ("ps", "surprised"),
    "pleasant_surprise": ("ps", "surprised"),
    "pleasant_surprised": ("ps", "surprised"),
    "surprise": ("ps", "surprised"),
    "surprised": ("ps", "surprised"),
    "sad": ("sad", "sad"),
}
_TESS_PATTERN = re.compile(r"^(OAF|YAF)_([A-Za-z']+)_(.+)$", re.IGNORECASE)

#: SAVEE speaker -> actor number (all four speakers are men).
SAVEE_SPEAKERS: dict[str, int] = {"DC": 3001, "JE": 3002, "JK": 3003, "KL": 3004}
_SAVEE_EMOTIONS = {
    "a": "angry",
    "d": "disgust",
    "f": "fearful",
    "h": "happy",
    "n": "neutral",
    "sa": "sad",
    "su": "surprised",
}
_SAVEE_CODE = r"(a|d|f|h|n|sa|su)(\d{2})"
_SAVEE_FLAT = re.compile(rf"^(DC|JE|JK|KL)_{_SAVEE_CODE}$", re.IGNORECASE)
_SAVEE_NESTED = re.compile(rf"^{_SAVEE_CODE}$", re.IGNORECASE)

_EXPECTED = (
    "a RAVDESS (03-01-05-02-01-01-12.wav), CREMA-D (1001_DFA_ANG_XX.wav), TESS (OAF_back_angry.wav) "
    "or SAVEE (DC/a01.wav or DC_a01.wav) audio file name, .wav or .flac"
)


def _row(corpus: str, *, file_id: str, emotion: str, actor: int, speaker: str, gender: str, **extra) -> dict:
    """The name-based manifest fields shared by every corpus."""
    label = EMOTIONS.index(emotion)
    return {
        "file_id": file_id,
        "emotion": emotion,
        "emotion_id": label + 1,
        "label": label,
        "vocal_channel": extra.get("vocal_channel", "speech"),
        "intensity": extra.get("intensity", "unspecified"),
        "statement": extra.get("statement", ""),
        "statement_id": extra.get("statement_id", 0),
        "repetition": extra.get("repetition", 1),
        "actor": int(actor),
        "gender": gender,
        "corpus": corpus,
        "speaker": f"{corpus}:{speaker}",
    }


# --------------------------------------------------------------------------- one reader per corpus


def _ravdess(path: Path, stem: str) -> dict | None:
    if not re.match(r"^\d{2}-\d{2}-", stem):
        return None
    name = parse_filename(path.name)  # raises FilenameError with the field that is wrong
    f = name.as_dict()
    row = _row(
        "ravdess",
        file_id=name.stem(),
        emotion=f["emotion"],
        actor=name.actor,
        speaker=f"{name.actor:02d}",
        gender=f["gender"],
        vocal_channel=f["vocal_channel"],
        intensity=f["intensity"],
        statement=f["statement"],
        statement_id=name.statement_id,
        repetition=name.repetition,
    )
    row["modality_id"] = name.modality_id  # for the audio-visual skip; not a manifest column
    return row


def _crema_d(path: Path, stem: str) -> dict | None:
    m = re.match(r"^(\d{4})_([A-Za-z]{3})_([A-Za-z]{3})_([A-Za-z]{1,2})$", stem)
    if not m:
        return None
    actor, sentence, emo, level = int(m[1]), m[2].upper(), m[3].upper(), m[4].upper()
    problems = [
        f"actor {actor} is not in 1001-1091" if actor not in _CREMA_ACTORS else "",
        f"sentence {sentence!r} is not one of {sorted(CREMA_D_SENTENCES)}" if sentence not in CREMA_D_SENTENCES else "",
        f"emotion {emo!r} is not one of {sorted(_CREMA_EMOTIONS)}" if emo not in _CREMA_EMOTIONS else "",
        f"level {level!r} is not one of {sorted(_CREMA_LEVELS)}" if level not in _CREMA_LEVELS else "",
    ]
    problems = [p for p in problems if p]
    if problems:
        raise FilenameError(f"{path.name!r} looks like a CREMA-D name (1001_DFA_ANG_XX.wav) but {'; '.join(problems)}")
    number, text = CREMA_D_SENTENCES[sentence]
    return _row(
        "crema-d",
        file_id=f"{actor}_{sentence}_{emo}_{level}",
        emotion=_CREMA_EMOTIONS[emo],
        actor=actor,
        speaker=str(actor),
        gender=_crema_d_gender(path.parent, actor),
        intensity=_CREMA_LEVELS[level],
        statement=text,
        statement_id=number,
    )


def _tess(path: Path, stem: str) -> dict | None:
    m = _TESS_PATTERN.match(stem)
    if not m:
        return None
    speaker, word, token = m[1].upper(), m[2].lower(), m[3].lower()
    if token not in _TESS_EMOTIONS:
        raise FilenameError(
            f"{path.name!r} looks like a TESS name (OAF_back_angry.wav) but its emotion {m[3]!r} is not one of "
            "angry, disgust, fear, happy, neutral, ps (pleasant surprise), sad"
        )
    canonical, emotion = _TESS_EMOTIONS[token]
    return _row(
        "tess",
        file_id=f"{speaker}_{word}_{canonical}",
        emotion=emotion,
        actor=TESS_SPEAKERS[speaker],
        speaker=speaker,
        gender="female",
        statement=f"Say the word {word}",
    )


def _savee(path: Path, stem: str) -> dict | None:
    m = _SAVEE_FLAT.match(stem)
    if m:
        speaker, code, nn = m[1].upper(), m[2].lower(), int(m[3])
    else:
        m = _SAVEE_NESTED.match(stem)
        folder = path.parent.name.upper()
        if not m or folder not in SAVEE_SPEAKERS:
            return None
        speaker, code, nn = folder, m[1].lower(), int(m[2])
    if nn < 1:
        raise FilenameError(
            f"{path.name!r} looks like a SAVEE name (a01.wav) but its sentence number is 00 (expected 01-30)"
        )
    return _row(
        "savee",
        file_id=f"{speaker}_{code}{nn:02d}",
        emotion=_SAVEE_EMOTIONS[code],
        actor=SAVEE_SPEAKERS[speaker],
        speaker=speaker,
        gender="male",
        statement=f"SAVEE sentence {code}{nn:02d}",
        statement_id=nn,
    )


_READERS: tuple[tuple[str, Callable[[Path, str], dict | None]], ...] = (
    ("ravdess", _ravdess),
    ("crema-d", _crema_d),
    ("tess", _tess),
    ("savee", _savee),
)


def read_name(path: str | Path) -> dict:
    """The manifest fields a file's name (and folder) give, for any of :data:`CORPORA`.

    Parameters
    ----------
    path : str or Path
        An audio file; only its name and its folder's name are used.

    Returns
    -------
    dict
        ``file_id, emotion, emotion_id, label, vocal_channel, intensity, statement,
        statement_id, repetition, actor, gender, corpus, speaker`` (RAVDESS names also
        give ``modality_id``).

    Raises
    ------
    FilenameError
        The name is none of the four corpora's, or has their shape with a field out of
        range; the message quotes the name and says what was expected.
    """
    p = Path(path)
    stem, dot, ext = p.name.rpartition(".")
    if not dot or "." + ext.lower() not in AUDIO_EXTENSIONS:
        raise FilenameError(f"{p.name!r} is not an audio file name: expected {_EXPECTED}")
    for _, reader in _READERS:
        row = reader(p, stem)
        if row is not None:
            return row
    raise FilenameError(f"{p.name!r} is not a known corpus file name: expected {_EXPECTED}")


# --------------------------------------------------------------------------- CREMA-D demographics


def _crema_d_gender(folder: Path, actor: int) -> str:
    """``"male"``/``"female"`` from ``VideoDemographics.csv`` near ``folder``, else ``"unknown"``."""
    for d in (folder, folder.parent, folder.parent.parent):
        table = _demographics(str(d / "VideoDemographics.csv"))
        if table:
            return table.get(actor, "unknown")
    return "unknown"


@functools.lru_cache(maxsize=16)
def _demographics(path: str) -> dict[int, str]:
    """ActorID -> gender of one CREMA-D ``VideoDemographics.csv`` (empty when absent or unreadable)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    out = {}
    for r in rows:
        try:
            sex = str(r.get("Sex", "")).strip().lower()
            out[int(str(r.get("ActorID", "")).strip())] = sex if sex in ("male", "female") else "unknown"
        except ValueError:
            continue
    return out
