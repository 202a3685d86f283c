"""A SYNTHETIC stand-in for RAVDESS: speech-like audio that carries emotion, in RAVDESS's layout.

No recordings can ship with the project, so the notebook series runs out of the box on
this demo corpus. It is **not speech**: every file is made by a small source-filter
synthesiser, and a ``SYNTHETIC_DEMO_CORPUS.txt`` marker at the corpus root says so
(:func:`ser_utils.data.corpus.is_synthetic` looks for it). Numbers measured on it say that the
pipeline works, not how well it recognises human emotion.

Layout and names are RAVDESS's exactly (:func:`ser_utils.data.ravdess.make_filename`)::

    DIR/SYNTHETIC_DEMO_CORPUS.txt
    DIR/speech/Actor_01/03-01-01-01-01-01-01.wav   60 files per actor
    DIR/song/Actor_01/03-02-01-01-01-01-01.wav     44 files per actor (none for actor 18)

24 actors (odd male, even female) give 24 * 60 + 23 * 44 = 2452 mono 16-bit PCM WAV files.

How the sound is made (one file, :func:`synthesize`):

- a glottal-like source: a band-limited sawtooth (polyBLEP) following an F0 contour, with
  per-period jitter and shimmer, optional creak (alternating periods), and aspiration
  noise mixed in by the voice's breathiness; a first-order filter sets the spectral tilt;
- syllable-like segments (the two statements have their own syllable, stress and
  consonant patterns), each shaped by a cascade of vowel formant resonators (scaled by
  the actor's vocal-tract length) and separated by stop closures, bursts and fricatives;
- silence with a low noise floor (-74 to -64 dBFS) before and after (about 0.3-1.1 s each;
  clips of 2.9-5.6 s for speech, 3.4-6.4 s for song, median about 4.2 s);
- song holds the notes of a short melody per statement (stable pitch per note, glides
  and vibrato), with emotion moving tempo, register, loudness and brightness.

Emotion moves pitch level and range, rate, loudness, breathiness, jitter, creak, spectral
tilt, first-formant opening and the final contour in the directions the speech literature
reports (:data:`EMOTION_PROFILES`); strong intensity exaggerates these deviations from
neutral. Each actor has a voice of its own (F0 by gender, vocal-tract length, loudness,
tilt, rate, expressiveness), and every file draws its own variation of every parameter,
so that classes overlap: a pooled log-mel classifier on unseen actors lands well above
chance and well below 100 %, with calm and neutral the hardest pair to tell apart
(``benchmarks/synth_separability.py`` measures it).

Same seed, same bytes: each file's generator is ``numpy.random.default_rng`` seeded from
(seed, file name), each actor's voice from (seed, actor).

Command line::

    python -m ser_utils.synth --out data/demo-corpus --actors 8 --seed 0
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from joblib import Parallel, cpu_count, delayed, effective_n_jobs
from tqdm.auto import tqdm

from ..errors import ConfigError, DataError, FilenameError
from ..files import write_text
from .ravdess import RavdessName, make_filename, parse_filename

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MARKER_NAME",
    "GENERATOR_VERSION",
    "EMOTION_PROFILES",
    "ACTORS_WITHOUT_SONG",
    "corpus_plan",
    "synthesize",
    "make_corpus",
    "read_marker",
    "main",
]

#: Name of the marker file at the corpus root (``ser_utils.data.corpus.is_synthetic`` looks for it).
MARKER_NAME = "SYNTHETIC_DEMO_CORPUS.txt"
#: Bumped whenever the synthesiser's output changes, so that an old corpus is rewritten.
GENERATOR_VERSION = 1
#: RAVDESS actors who recorded no song.
ACTORS_WITHOUT_SONG: tuple[int, ...] = (18,)
_SONG_EMOTION_IDS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)  # no disgust (7) or surprised (8)
_SETTINGS_PREFIX = "SETTINGS_JSON: "
_RATE_RANGE = (8000, 48000)

# --- emotion and voice parameters ------------------------------------------------------

#: Parameters of the voice that emotion moves, as deviations from neutral:
#: ``pitch`` semitones of mean F0; ``range`` log2 factor of the pitch excursions;
#: ``rate`` log2 factor of speaking rate (syllables per second); ``loud`` dB;
#: ``tilt`` spectral brightness (+ brighter); ``breath`` aspiration-noise ratio;
#: ``jitter`` relative period-to-period F0 perturbation; ``creak`` 0-1 period
#: alternation (vocal fry); ``rise`` semitones of pitch movement over the last syllable;
#: ``f1`` relative shift of the first formant (mouth opening, vocal effort).
_PARAM_NAMES: tuple[str, ...] = ("pitch", "range", "rate", "loud", "tilt", "breath", "jitter", "creak", "rise", "f1")

#: Per-emotion deviations from neutral (normal intensity); strong intensity multiplies them.
EMOTION_PROFILES: dict[str, dict[str, float]] = {
    "neutral": dict(
        pitch=0.0, range=0.0, rate=0.0, loud=0.0, tilt=0.0, breath=0.0, jitter=0.0, creak=0.0, rise=0.0, f1=0.0
    ),
    # calm: a little lower, softer, slower and darker than neutral, slightly breathy
    "calm": dict(
        pitch=-0.7,
        range=-0.12,
        rate=-0.07,
        loud=-1.5,
        tilt=-0.4,
        breath=0.03,
        jitter=0.0,
        creak=0.0,
        rise=-0.4,
        f1=-0.02,
    ),
    # happy: high, wide range, fast-ish, louder, bright (smile)
    "happy": dict(
        pitch=3.0, range=0.7, rate=0.12, loud=2.0, tilt=0.6, breath=0.0, jitter=0.002, creak=0.0, rise=0.0, f1=0.05
    ),
    # sad: low, narrow, slow, soft, dark, breathy, falling
    "sad": dict(
        pitch=-2.5,
        range=-0.7,
        rate=-0.35,
        loud=-6.0,
        tilt=-2.2,
        breath=0.18,
        jitter=0.004,
        creak=0.10,
        rise=-1.5,
        f1=-0.06,
    ),
    # angry: high, loud, fast, bright, wide-open mouth
    "angry": dict(
        pitch=3.5, range=0.3, rate=0.15, loud=7.0, tilt=2.2, breath=0.0, jitter=0.004, creak=0.0, rise=-1.0, f1=0.15
    ),
    # fearful: high, fast, jittery, breathy
    "fearful": dict(
        pitch=5.0, range=0.05, rate=0.2, loud=1.0, tilt=0.3, breath=0.14, jitter=0.016, creak=0.0, rise=0.5, f1=0.0
    ),
    # disgust: low, slow, creaky
    "disgust": dict(
        pitch=-2.0,
        range=-0.1,
        rate=-0.25,
        loud=-1.0,
        tilt=-0.5,
        breath=0.04,
        jitter=0.006,
        creak=0.45,
        rise=-1.0,
        f1=-0.03,
    ),
    # surprised: high, wide, with a rising contour
    "surprised": dict(
        pitch=4.5, range=0.65, rate=-0.05, loud=3.0, tilt=0.9, breath=0.04, jitter=0.002, creak=0.0, rise=7.0, f1=0.06
    ),
}
_STRONG_FACTOR = 1.6

#: Standard deviation of each file's own variation of every parameter (in the units above).
_FILE_SD: dict[str, float] = dict(
    pitch=1.1, range=0.2, rate=0.07, loud=2.0, tilt=0.5, breath=0.025, jitter=0.0025, creak=0.07, rise=1.0, f1=0.025
)

#: Vowel formants F1-F4 (Hz) of an adult male vocal tract (Peterson & Barney style).
_VOWELS: dict[str, tuple[float, float, float, float]] = {
    "i": (280.0, 2250.0, 2900.0, 3500.0),
    "I": (400.0, 1950.0, 2550.0, 3500.0),
    "E": (550.0, 1800.0, 2500.0, 3500.0),
    "a": (730.0, 1100.0, 2450.0, 3500.0),
    "O": (590.0, 880.0, 2450.0, 3500.0),
    "o": (460.0, 820.0, 2500.0, 3500.0),
    "u": (320.0, 900.0, 2250.0, 3500.0),
    "@": (500.0, 1450.0, 2500.0, 3500.0),
    "N": (280.0, 1300.0, 2300.0, 3500.0),  # nasal murmur
}
_BANDWIDTHS = (70.0, 100.0, 140.0, 220.0)

# A statement is a sequence of syllables: (onset consonant, vowel(s), relative duration, stress).
# Onsets: "" none, "k"/"t"/"d"/"b" stops (closure + burst), "s"/"D" fricatives.
# Consonant codas are folded into the next onset. A tuple of vowels is a diphthong.
_STATEMENTS: dict[int, list[tuple[str, tuple[str, ...], float, float]]] = {
    # "Kids are talking by the door": KIDS are TALK-ing by the DOOR
    1: [("k", ("I",), 0.85, 1.0), ("s", ("a",), 0.6, 0.0), ("t", ("O",), 1.05, 0.9), ("k", ("I", "N"), 0.75, 0.0),
        ("b", ("a", "i"), 1.0, 0.3), ("D", ("@",), 0.45, 0.0), ("d", ("O", "o"), 1.45, 0.7)],
    # "Dogs are sitting by the door": DOGS are SIT-ting by the DOOR
    2: [("d", ("O",), 1.05, 1.0), ("s", ("a",), 0.55, 0.0), ("s", ("I",), 0.8, 0.9), ("t", ("I", "N"), 0.7, 0.0),
        ("b", ("a", "i"), 1.0, 0.4), ("D", ("@",), 0.45, 0.0), ("d", ("O", "o"), 1.5, 0.6)],
}
# Song: one note per syllable, (semitones above the tonic, beats).
_MELODIES: dict[int, list[tuple[float, float]]] = {
    1: [(0, 1), (2, 1), (4, 1), (5, 1), (4, 1), (2, 1), (0, 2)],
    2: [(0, 1), (4, 1), (7, 1), (5, 1), (4, 1), (2, 1), (0, 2)],
}


def _rng(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator seeded from ``seed`` and keys (stable across processes and runs)."""
    words = [int(seed)]
    for key in keys:
        if isinstance(key, int):
            words.append(key)
        else:
            digest = hashlib.sha256(key.encode("utf-8")).digest()
            words.extend(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    return np.random.default_rng(np.random.SeedSequence(words))


def _actor_voice(actor: int, seed: int) -> dict[str, float]:
    """The voice of one actor: base F0 by gender, vocal-tract length and personal habits."""
    rng = _rng(seed, "actor", actor)
    male = actor % 2 == 1
    return dict(
        f0=(112.0 if male else 205.0) * 2.0 ** (rng.normal(0.0, 2.2) / 12.0),
        formant_scale=(1.0 if male else 1.16) * float(np.exp(rng.normal(0.0, 0.045))),
        loud=rng.normal(0.0, 2.5),
        tilt=rng.normal(0.0, 0.7),
        rate=rng.normal(0.0, 0.1),
        range=rng.normal(0.0, 0.2),
        breath=rng.uniform(0.02, 0.09),
        jitter=rng.uniform(0.004, 0.010),
        shimmer=rng.uniform(0.03, 0.08),
        creak=rng.uniform(0.0, 0.12),
        expressiveness=rng.uniform(0.75, 1.3),
        vibrato_rate=rng.uniform(4.8, 6.4),
        vibrato_depth=rng.uniform(0.25, 0.55),
    )


def _file_params(name: RavdessName, voice: dict[str, float], rng: np.random.Generator) -> dict[str, float]:
    """Combine emotion (scaled by intensity and the actor's expressiveness), voice and per-file variation."""
    profile = EMOTION_PROFILES[name.emotion]
    scale = voice["expressiveness"] * (_STRONG_FACTOR if name.intensity_id == 2 else 1.0)
    noise = rng.normal(0.0, 1.0, len(_PARAM_NAMES))
    p = {k: scale * profile[k] + _FILE_SD[k] * z for k, z in zip(_PARAM_NAMES, noise)}
    p["pitch_hz"] = voice["f0"] * 2.0 ** (p["pitch"] / 12.0)
    p["range_st"] = 4.0 * 2.0 ** (p["range"] + voice["range"])
    p["rate_factor"] = float(np.clip(2.0 ** (p["rate"] + voice["rate"]), 0.55, 1.8))
    p["gain_db"] = -25.0 + voice["loud"] + p["loud"]
    p["tilt_total"] = voice["tilt"] + p["tilt"]
    p["breath_total"] = float(np.clip(voice["breath"] + p["breath"], 0.0, 0.6))
    p["jitter_total"] = float(np.clip(voice["jitter"] + p["jitter"], 0.0, 0.06))
    p["creak_total"] = float(np.clip(voice["creak"] + p["creak"], 0.0, 0.85))
    return p


# --- signal building blocks ------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _band_sos(sr: int, lo: float, hi: float) -> np.ndarray:
    from scipy.signal import butter

    nyq = sr / 2.0
    hi = min(hi, 0.95 * nyq)
    lo = min(lo, 0.6 * hi)
    return butter(2, [lo / nyq, hi / nyq], btype="bandpass", output="sos")


def _formant_sos(formants: Sequence[float], sr: int) -> np.ndarray:
    """Cascade of unit-DC-gain two-pole resonators, one per formant below 0.45 * sr. Shape ``(k, 6)``."""
    rows = []
    for f, bw in zip(formants, _BANDWIDTHS):
        if f >= 0.45 * sr:
            continue
        r = np.exp(-np.pi * bw / sr)
        c = 2.0 * r * np.cos(2.0 * np.pi * f / sr)
        rows.append([1.0 - c + r * r, 0.0, 0.0, 1.0, -c, r * r])
    return np.asarray(rows, dtype=np.float64)


def _raised_cosine_envelope(n: int, ramp: int) -> np.ndarray:
    """Envelope of ``n`` samples rising and falling over ``ramp`` samples. Shape ``(n,)``."""
    env = np.ones(n, dtype=np.float32)
    ramp = max(1, min(ramp, n // 2))
    edge = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp) + 0.5) / ramp)
    env[:ramp] = edge
    env[n - ramp :] = edge[::-1]
    return env


def _glottal_source(
    f0: np.ndarray, sr: int, p: dict[str, float], voice: dict[str, float], rng: np.random.Generator
) -> np.ndarray:
    """Band-limited sawtooth with jitter, shimmer, creak and aspiration noise. Shape ``(n,)``."""
    inc0 = f0 / sr
    k0 = np.floor(np.cumsum(inc0)).astype(np.int64)
    n_periods = int(k0[-1]) + 2
    jit = p["jitter_total"] + 0.025 * p["creak_total"]  # creaky voice is also irregular
    inc = inc0 * (1.0 + jit * rng.standard_normal(n_periods)[k0])
    # creak: every other period longer (period doubling at low F0)
    inc = inc / (1.0 + 0.35 * p["creak_total"] * (k0 % 2))
    phase = np.cumsum(inc)
    k = np.floor(phase).astype(np.int64)
    t = phase - k
    dt = np.clip(inc, 1e-6, 0.5)
    saw = 2.0 * t - 1.0
    # polyBLEP correction at the wrap of each period
    lo = t < dt
    x = t[lo] / dt[lo]
    saw[lo] -= x + x - x * x - 1.0
    hi = t > 1.0 - dt
    x = (t[hi] - 1.0) / dt[hi]
    saw[hi] -= x * x + x + x + 1.0
    n_k = int(k[-1]) + 2
    amp = 1.0 + voice["shimmer"] * rng.standard_normal(n_k)[k]
    amp *= 1.0 - 0.6 * p["creak_total"] * (k % 2)
    src = -saw * amp
    # aspiration: high-passed noise, stronger in the open phase of each period
    noise = rng.standard_normal(len(f0), dtype=np.float32)
    noise[1:] -= 0.9 * noise[:-1]
    noise *= 0.6 + 0.8 * t
    src = src / (np.std(src) + 1e-9) + p["breath_total"] * 2.5 * noise / (np.std(noise) + 1e-9)
    return _tilt(src, p["tilt_total"], sr)


def _tilt(x: np.ndarray, tilt: float, sr: int) -> np.ndarray:
    """Spectral tilt: a first-order shelf at 800 Hz, highs +3 dB per unit of ``tilt`` (clipped to +-3)."""
    from scipy.signal import lfilter

    a = float(np.exp(-2.0 * np.pi * 800.0 / sr))
    low = lfilter([1.0 - a], [1.0, -a], x)
    gain = 10.0 ** (3.0 * float(np.clip(tilt, -3.0, 3.0)) / 20.0)
    return low + gain * (x - low)


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    if n <= 1:
        return x
    kernel = np.hanning(n + 2)[1:-1]
    kernel /= kernel.sum()
    pad = np.pad(x, (n, n), mode="edge")
    return np.convolve(pad, kernel, mode="same")[n:-n]


# --- one file ------------------------------------------------------------------------


def _as_name(name_fields: RavdessName | str | os.PathLike) -> RavdessName:
    if isinstance(name_fields, RavdessName):
        return name_fields
    if isinstance(name_fields, (str, os.PathLike)):
        text = os.fspath(name_fields)
        if "." not in Path(text).name:
            text += ".wav"
        return parse_filename(text)
    raise ConfigError(f"name_fields must be a RavdessName or a RAVDESS file name, got {type(name_fields).__name__}")


def _check_rate(sample_rate: Any) -> int:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer)):
        raise ConfigError(f"sample_rate must be an integer number of Hz, got {sample_rate!r}")
    if not _RATE_RANGE[0] <= int(sample_rate) <= _RATE_RANGE[1]:
        raise ConfigError(f"sample_rate must be within {_RATE_RANGE[0]}-{_RATE_RANGE[1]} Hz, got {sample_rate}")
    return int(sample_rate)


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def synthesize(name_fields: RavdessName | str | os.PathLike, *, seed: int = 0, sample_rate: int = 16000) -> np.ndarray:
    """Synthesise the audio of one (synthetic) RAVDESS file.

    Parameters
    ----------
    name_fields : RavdessName or str or path-like
        Which file: the parsed name, or a name such as ``"03-01-05-02-01-01-12.wav"``
        (a stem without extension is accepted). Modality is ignored; vocal channel,
        emotion, intensity, statement, repetition and actor decide the sound.
    seed : int, keyword-only
        Corpus seed (>= 0). The file's generator is seeded from (seed, file stem) and the
        actor's voice from (seed, actor).
    sample_rate : int, keyword-only
        Output rate in Hz, 8000-48000.

    Returns
    -------
    y : np.ndarray, float32, shape ``(n_samples,)``
        Mono waveform in [-1, 1], about 3-5 s (speech) or 3.5-6.5 s (song) long.

    Raises
    ------
    FilenameError
        ``name_fields`` is not a RAVDESS name.
    ConfigError
        ``seed`` or ``sample_rate`` is invalid.
    """
    name = _as_name(name_fields)
    seed = _check_seed(seed)
    sr = _check_rate(sample_rate)
    if name.vocal_channel == "song" and name.emotion_id not in _SONG_EMOTION_IDS:
        raise FilenameError(f"{name.stem()}: RAVDESS song has no {name.emotion} (only emotions 01-06)")
    name = dataclasses.replace(name, modality_id=3)  # the audio of an audio-only file
    voice = _actor_voice(name.actor, seed)
    rng = _rng(seed, "file", name.stem())
    p = _file_params(name, voice, rng)
    return _render(name, p, voice, rng, sr).astype(np.float32)


def _timeline(name: RavdessName, p: dict[str, float], rng: np.random.Generator):
    """Segments of one utterance in seconds from the voice onset.

    Returns ``nuclei`` (list of (t0, t1, vowel, stress, syllable index)), ``consonants``
    (list of (t0, t1, kind)), per-syllable pitch targets (semitones) with their times,
    and the total voiced duration.
    """
    song = name.vocal_channel == "song"
    syllables = _STATEMENTS[name.statement_id]
    melody = _MELODIES[name.statement_id]
    if song:
        beat = 0.37 / p["rate_factor"] ** 0.7 * float(np.exp(rng.normal(0.0, 0.04)))
    else:
        syl = 0.26 / p["rate_factor"]
    nuclei, consonants, knots_t, knots_st = [], [], [], []
    t = 0.0
    n_syl = len(syllables)
    decl = np.linspace(0.45, -0.45, n_syl)
    for i, (onset, vowels, rel, stress) in enumerate(syllables):
        if song:
            dur = beat * melody[i][1] * float(np.exp(rng.normal(0.0, 0.05)))
            cons = 0.05 if onset else 0.0
        else:
            dur = syl * rel * float(np.exp(rng.normal(0.0, 0.1)))
            if i == n_syl - 1:  # final lengthening grows with a final rise (question-like)
                dur *= 1.0 + 0.05 * max(p["rise"], 0.0)
            cons = {"": 0.0, "s": 0.085, "D": 0.045}.get(onset, 0.06) / max(0.7, p["rate_factor"]) if onset else 0.0
        if onset:
            consonants.append((t, t + cons, onset))
            t += cons
        sub = dur / len(vowels)
        for j, v in enumerate(vowels):
            nuclei.append((t + j * sub, t + (j + 1) * sub, v, stress, i))
        if song:
            knots_t += [t + 0.04, t + dur - 0.03]
            st = melody[i][0] * 2.0 ** (0.3 * p["range"])
            knots_st += [st, st]
        else:
            target = p["range_st"] * (decl[i] + 0.8 * stress - 0.3) + rng.normal(0.0, 0.25 * p["range_st"] / 4.0 + 0.2)
            knots_t.append(t + 0.5 * dur)
            knots_st.append(target)
            if i == n_syl - 1:  # the last syllable carries the final contour
                knots_t.append(t + dur)
                knots_st.append(target + p["rise"] * (1.0 + 0.15 * p["range_st"] / 4.0) - 1.0)
        t += dur
        # short pause between some words (speech only)
        if not song and i in (1, 3) and rng.random() < 0.5:
            t += rng.uniform(0.03, 0.12) / p["rate_factor"]
    return nuclei, consonants, np.asarray(knots_t), np.asarray(knots_st), t


def _render(
    name: RavdessName, p: dict[str, float], voice: dict[str, float], rng: np.random.Generator, sr: int
) -> np.ndarray:
    from scipy.signal import sosfilt

    song = name.vocal_channel == "song"
    nuclei, consonants, knots_t, knots_st, voiced_dur = _timeline(name, p, rng)
    lead = rng.uniform(0.45, 1.1)
    trail = rng.uniform(0.45, 1.1)
    min_total, max_total = (3.4, 6.4) if song else (2.9, 5.6)
    trail = max(trail, min_total - lead - voiced_dur)
    excess = lead + voiced_dur + trail - max_total
    spare = lead + trail - 0.6
    if excess > 0 and spare > 0:  # long (slow) utterances get shorter silences, down to 0.3 s each
        cut = min(excess, spare)
        lead, trail = lead - cut * (lead - 0.3) / spare, trail - cut * (trail - 0.3) / spare
    n = int(round((lead + voiced_dur + trail) * sr))
    off = int(round(lead * sr))
    n_voiced = int(np.ceil(voiced_dur * sr)) + 1

    # F0 contour over the voiced part (Hz): built and smoothed on a 5 ms grid, then interpolated
    tv = np.arange(n_voiced) / sr
    grid = np.arange(0.0, voiced_dur + 0.01, 0.005)
    st_grid = _smooth(np.interp(grid, knots_t, knots_st), 6 if song else 12)
    st_grid += _smooth(rng.normal(0.0, 0.6, len(grid)), 10)  # microprosody: slow wander
    st = np.interp(tv, grid, st_grid)
    base = p["pitch_hz"] * (1.3 if song else 1.0)
    if song:
        vib_depth = voice["vibrato_depth"] * (1.0 + 0.5 * p["jitter"] / 0.01 + 0.3 * max(p["loud"], 0.0) / 7.0)
        st = st + vib_depth * np.sin(2.0 * np.pi * voice["vibrato_rate"] * tv + rng.uniform(0, 2 * np.pi))
    f0 = np.clip(base * 2.0 ** (st / 12.0), 50.0, min(1100.0, 0.2 * sr))
    source = _glottal_source(f0, sr, p, voice, rng)

    out = np.zeros(n, dtype=np.float32)
    voiced = np.zeros(n_voiced, dtype=np.float32)
    fscale = voice["formant_scale"]
    ramp = int(0.025 * sr)
    pad = int(0.02 * sr)
    for t0, t1, vowel, stress, _ in nuclei:
        a, b = int(t0 * sr), int(t1 * sr)
        a0, b1 = max(0, a - pad), min(n_voiced, b + pad)
        if b1 - a0 < 4:
            continue
        fm = np.asarray(_VOWELS[vowel]) * fscale * np.exp(rng.normal(0.0, 0.03, 4))
        fm[0] *= 1.0 + float(np.clip(p["f1"], -0.15, 0.2))
        if name.emotion == "happy":
            fm[1] *= 1.04  # smiling shortens the vocal tract
        seg = sosfilt(_formant_sos(fm, sr), source[a0:b1])
        amp = (1.0 + 0.35 * stress) * (0.45 if vowel == "N" else 1.0)
        voiced[a0:b1] += amp * seg * _raised_cosine_envelope(b1 - a0, ramp + pad)
    # overall declination of loudness over the phrase
    voiced *= np.linspace(1.1, 0.8, n_voiced, dtype=np.float32)
    voiced /= np.sqrt(np.mean(voiced[voiced != 0] ** 2)) + 1e-9
    out[off : off + n_voiced] = voiced

    # consonants: stop closures are silent gaps; bursts and fricatives are band noise
    for t0, t1, kind in consonants:
        a, b = off + int(t0 * sr), off + int(t1 * sr)
        if b - a < 8:
            continue
        if kind in ("s",):
            band, level, m = (3800.0, 7500.0), 0.35, b - a
        elif kind == "D":
            band, level, m = (1500.0, 6000.0), 0.12, b - a
        else:  # stops: a burst at the end of the closure
            band, level, m = ((1500.0, 4500.0) if kind in ("k", "t") else (400.0, 2500.0)), 0.5, max(8, int(0.015 * sr))
        a2 = b - m
        burst = sosfilt(_band_sos(sr, *band), rng.standard_normal(m + 64))[64:]
        burst *= level * (10.0 ** (0.05 * p["tilt_total"])) / (np.std(burst) + 1e-9)
        out[a2:b] += burst * _raised_cosine_envelope(m, max(2, m // 4))

    out *= 10.0 ** (p["gain_db"] / 20.0)
    # low noise floor everywhere (room + microphone)
    floor_db = rng.uniform(-74.0, -64.0)
    hiss = rng.standard_normal(n, dtype=np.float32)
    hiss[1:] += 0.7 * hiss[:-1]
    out += 10.0 ** (floor_db / 20.0) * hiss / np.std(hiss)
    return np.tanh(out)


# --- the corpus ------------------------------------------------------------------------


def _check_actors(actors: int | Iterable[int]) -> list[int]:
    if isinstance(actors, bool):
        raise ConfigError(f"actors must be a number 1-24 or a list of actor numbers, got {actors!r}")
    if isinstance(actors, (int, np.integer)):
        if not 1 <= actors <= 24:
            raise ConfigError(f"actors must be between 1 and 24 (RAVDESS has 24 actors), got {actors}")
        return list(range(1, int(actors) + 1))
    try:
        items = list(actors)
    except TypeError:
        raise ConfigError(f"actors must be a number 1-24 or a list of actor numbers, got {actors!r}") from None
    bad = [a for a in items if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not 1 <= a <= 24]
    if bad or not items:
        raise ConfigError(f"actors must be a non-empty list of actor numbers 1-24, got {items!r}")
    return sorted({int(a) for a in items})


def corpus_plan(actors: int | Iterable[int] = 24) -> pd.DataFrame:
    """Every file of a synthetic corpus, without making any audio.

    Parameters
    ----------
    actors : int or iterable of int
        N for actors 1..N, or the actor numbers (1-24).

    Returns
    -------
    plan : pd.DataFrame
        One row per file, sorted by ``file_id``, with columns ``file_id`` (stem),
        ``relpath`` (``speech/Actor_01/03-01-....wav``, POSIX), ``vocal_channel``,
        ``vocal_channel_id``, ``emotion``, ``emotion_id``, ``label``, ``intensity``,
        ``intensity_id``, ``statement_id``, ``repetition``, ``actor``, ``gender``.
        24 actors give 2452 rows (60 speech per actor, 44 song per actor but actor 18).

    Raises
    ------
    ConfigError
        ``actors`` is not a number 1-24 or a list of them.
    """
    import pandas as pd

    rows = []
    for actor in _check_actors(actors):
        for channel_id, channel in ((1, "speech"), (2, "song")):
            if channel == "song" and actor in ACTORS_WITHOUT_SONG:
                continue
            emotion_ids = range(1, 9) if channel == "speech" else _SONG_EMOTION_IDS
            for emotion_id in emotion_ids:
                for intensity_id in (1,) if emotion_id == 1 else (1, 2):
                    for statement_id in (1, 2):
                        for repetition in (1, 2):
                            fields = RavdessName(
                                3, channel_id, emotion_id, intensity_id, statement_id, repetition, actor
                            )
                            fname = make_filename(fields)
                            rows.append(
                                dict(
                                    file_id=fname[:-4],
                                    relpath=f"{channel}/Actor_{actor:02d}/{fname}",
                                    vocal_channel=channel,
                                    vocal_channel_id=channel_id,
                                    emotion=fields.emotion,
                                    emotion_id=emotion_id,
                                    label=fields.label,
                                    intensity=fields.intensity,
                                    intensity_id=intensity_id,
                                    statement_id=statement_id,
                                    repetition=repetition,
                                    actor=actor,
                                    gender=fields.gender,
                                )
                            )
    return pd.DataFrame(rows).sort_values("file_id", kind="stable").reset_index(drop=True)


def _settings(actors: list[int], seed: int, sample_rate: int, n_files: int) -> dict[str, Any]:
    return dict(
        generator="ser_utils.data.synth",
        generator_version=GENERATOR_VERSION,
        actors=actors,
        seed=seed,
        sample_rate=sample_rate,
        n_files=n_files,
        format="WAV PCM_16 mono",
    )


def _marker_text(settings: dict[str, Any], *, complete: bool) -> str:
    status = "complete" if complete else "incomplete (generation in progress or interrupted)"
    return (
        "SYNTHETIC DEMO CORPUS - NOT REAL SPEECH, NOT RAVDESS RECORDINGS\n"
        "\n"
        "Every audio file in this folder was generated by ser_utils.data.synth, a small\n"
        "source-filter synthesiser (glottal-like pulses, vowel formants, noise), named and\n"
        "laid out like the RAVDESS corpus (Livingstone & Russo 2018) so that the notebook\n"
        "series runs without the real data. Emotion is imposed through pitch, rate,\n"
        "loudness, voice quality and spectral tilt by rule. Results measured on this data\n"
        "show that the pipeline works; they say nothing about recognising human emotion.\n"
        "\n"
        "To use the real corpus, download RAVDESS (python -m ser_utils.download --out data/)\n"
        "and pass its folder as --data-dir.\n"
        "\n"
        f"Status: {status}\n"
        f"{_SETTINGS_PREFIX}{json.dumps(settings | {'complete': complete}, sort_keys=True)}\n"
    )


def read_marker(out_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The settings recorded in a synthetic corpus's marker file, or ``None`` if there is none.

    Returns
    -------
    settings : dict or None
        ``generator_version``, ``actors``, ``seed``, ``sample_rate``, ``n_files``,
        ``complete`` ...; ``{}`` for a marker without a readable settings line.
    """
    marker = Path(out_dir) / MARKER_NAME
    if not marker.is_file():
        return None
    for line in marker.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(_SETTINGS_PREFIX):
            try:
                value = json.loads(line[len(_SETTINGS_PREFIX) :])
            except json.JSONDecodeError:
                return {}
            return value if isinstance(value, dict) else {}
    return {}


def _write_atomic_text(path: Path, text: str) -> None:
    write_text(path, text)


_MALLOC_TUNED = False


def _keep_freed_memory() -> None:
    """Ask glibc to keep freed memory for reuse rather than hand it back to the OS.

    Each file allocates and frees a few MB of arrays; by default glibc unmaps them and
    the next file page-faults them in again, which costs about a quarter of the time.
    Linux/glibc only (a no-op elsewhere); it only changes when memory is returned.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def _write_chunk(rows: list[tuple[str, str]], out_dir: str, seed: int, sample_rate: int) -> list[tuple[str, int]]:
    """Synthesise and write some files; returns (file_id, n_samples) per file."""
    import soundfile as sf

    _keep_freed_memory()
    done = []
    for file_id, relpath in rows:
        y = synthesize(file_id, seed=seed, sample_rate=sample_rate)
        path = Path(out_dir) / relpath
        tmp = path.with_name(f".{path.name}.tmp")
        sf.write(tmp, y, sample_rate, subtype="PCM_16", format="WAV")
        os.replace(tmp, path)
        done.append((file_id, len(y)))
    return done


def _stale_files(root: Path, keep: set[str]) -> list[Path]:
    """Synthetic-looking files under ``root`` that the current plan does not hold."""
    stale = []
    for channel in ("speech", "song"):
        for folder in sorted((root / channel).glob("Actor_*")):
            for f in sorted(folder.iterdir()):
                rel = f.relative_to(root).as_posix()
                if f.is_file() and rel not in keep and (f.suffix == ".wav" or f.name.endswith(".tmp")):
                    stale.append(f)
    return stale


def make_corpus(
    out_dir: str | os.PathLike,
    *,
    actors: int | Iterable[int] = 24,
    seed: int = 0,
    sample_rate: int = 16000,
    n_jobs: int = -1,
    progress: bool = False,
) -> pd.DataFrame:
    """Write the synthetic demo corpus (RAVDESS names and layout) into ``out_dir``.

    If ``out_dir`` already holds the complete corpus for the same settings (as recorded
    in its marker file), nothing is written. Otherwise every planned file is (re)written
    and files of an earlier synthetic corpus that the plan does not hold are removed.

    Parameters
    ----------
    out_dir : str or path-like
        Corpus root; created if missing. It must be empty or an earlier synthetic corpus
        (it has the marker file): real data is never mixed with or overwritten by this.
    actors : int or iterable of int, keyword-only
        N for actors 1..N (default all 24), or the actor numbers.
    seed : int, keyword-only
        Corpus seed; same seed, same bytes.
    sample_rate : int, keyword-only
        8000-48000 Hz (default 16000).
    n_jobs : int, keyword-only
        Parallel worker processes (joblib; -1 all cores, 1 in this process).
    progress : bool, keyword-only
        Show a tqdm progress bar.

    Returns
    -------
    corpus : pd.DataFrame
        :func:`corpus_plan`'s columns plus ``path`` (absolute), ``sample_rate``,
        ``n_samples`` and ``duration_s``; one row per file, sorted by ``file_id``.
        ``corpus.attrs["skipped"]`` is true when the corpus was already complete, and
        ``corpus.attrs["seconds"]`` holds the time taken.

    Raises
    ------
    ConfigError
        Invalid ``actors``, ``seed``, ``sample_rate`` or ``n_jobs``.
    DataError
        ``out_dir`` is a file, or a non-empty folder without the synthetic marker.
    """
    started = time.perf_counter()
    actor_list = _check_actors(actors)
    seed = _check_seed(seed)
    sample_rate = _check_rate(sample_rate)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ConfigError(f"n_jobs must be a non-zero integer (-1 = all cores), got {n_jobs!r}")
    root = Path(out_dir).resolve()
    if root.exists() and not root.is_dir():
        raise DataError(f"{root} is a file: make_corpus needs a folder to write the synthetic corpus into")
    if root.is_dir() and read_marker(root) is None and any(root.iterdir()):
        raise DataError(
            f"{root} is not empty and has no {MARKER_NAME} marker: refusing to write a synthetic "
            "corpus into a folder that may hold real data; choose an empty or new folder"
        )
    plan = corpus_plan(actor_list)
    settings = _settings(actor_list, seed, sample_rate, len(plan))
    plan["path"] = [str(root / rel) for rel in plan["relpath"]]
    plan["sample_rate"] = sample_rate

    recorded = read_marker(root)
    if recorded is not None and recorded.get("complete") and {k: recorded.get(k) for k in settings} == settings:
        if all(os.path.isfile(p) for p in plan["path"]):
            import soundfile as sf

            frames = [sf.info(p).frames for p in plan["path"]]
            plan["n_samples"] = frames
            plan["duration_s"] = plan["n_samples"] / sample_rate
            plan.attrs.update(skipped=True, seconds=time.perf_counter() - started)
            return plan

    root.mkdir(parents=True, exist_ok=True)
    _write_atomic_text(root / MARKER_NAME, _marker_text(settings, complete=False))
    for f in _stale_files(root, set(plan["relpath"])):
        f.unlink()
    for folder in {str(Path(p).parent) for p in plan["path"]}:
        Path(folder).mkdir(parents=True, exist_ok=True)

    jobs = [(fid, rel) for fid, rel in zip(plan["file_id"], plan["relpath"])]
    n_workers = _n_workers(n_jobs, len(jobs))
    chunk = max(1, min(64, int(np.ceil(len(jobs) / (4 * n_workers)))))
    chunks = [jobs[i : i + chunk] for i in range(0, len(jobs), chunk)]
    results: list[tuple[str, int]] = []
    bar = tqdm(total=len(jobs), desc="synthetic corpus", unit="file", disable=not progress)
    if n_workers == 1:
        for c in chunks:
            results += _write_chunk(c, str(root), seed, sample_rate)
            bar.update(len(c))
    else:
        # by reference to the importable module, also when this file runs as __main__ (-m)
        from ser_utils.data.synth import _write_chunk as write_chunk

        par = Parallel(n_jobs=n_workers, return_as="generator_unordered")
        for done in par(delayed(write_chunk)(c, str(root), seed, sample_rate) for c in chunks):
            results += done
            bar.update(len(done))
    bar.close()
    lengths = dict(results)
    plan["n_samples"] = [lengths[f] for f in plan["file_id"]]
    plan["duration_s"] = plan["n_samples"] / sample_rate
    _write_atomic_text(root / MARKER_NAME, _marker_text(settings, complete=True))
    plan.attrs.update(skipped=False, seconds=time.perf_counter() - started)
    return plan


def _n_workers(n_jobs: int, n_tasks: int) -> int:
    n = effective_n_jobs(int(n_jobs))  # -1 = all cores, -2 = all but one, ...
    # below ~150 files, starting worker processes costs more than it saves
    return max(1, min(n, cpu_count(), n_tasks // 150 or 1))


# --- command line ----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the SYNTHETIC demo corpus (RAVDESS names and layout)."""
    ap = argparse.ArgumentParser(
        prog="python -m ser_utils.synth",
        description=(
            "Write a SYNTHETIC demo corpus named and laid out like RAVDESS (speech/ and song/, "
            "Actor_XX/ folders, 03-VV-EE-II-SS-RR-AA.wav). The audio is machine-made, not human "
            "speech: it lets the pipeline run without the real data. A "
            f"{MARKER_NAME} marker at the root says so."
        ),
    )
    ap.add_argument("--out", required=True, help="folder to write into (empty, new, or an earlier synthetic corpus)")
    ap.add_argument("--actors", type=int, default=24, help="make actors 1..N (default 24: 2452 files)")
    ap.add_argument("--seed", type=int, default=0, help="corpus seed; same seed, same bytes (default 0)")
    ap.add_argument("--sample-rate", type=int, default=16000, help="Hz, 8000-48000 (default 16000)")
    ap.add_argument("--n-jobs", type=int, default=-1, help="worker processes (-1 = all cores)")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    try:
        corpus = make_corpus(
            args.out,
            actors=args.actors,
            seed=args.seed,
            sample_rate=args.sample_rate,
            n_jobs=args.n_jobs,
            progress=not args.quiet and sys.stderr.isatty(),
        )
    except (ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    root = Path(args.out).resolve()
    n_actors = corpus["actor"].nunique()
    hours = corpus["duration_s"].sum() / 3600.0
    if corpus.attrs.get("skipped"):
        print(
            f"SYNTHETIC demo corpus already complete in {root}: {len(corpus)} files, {n_actors} actors, "
            f"seed {args.seed}, {args.sample_rate} Hz - nothing to do. (Synthetic audio, not real speech.)"
        )
    else:
        print(
            f"Wrote a SYNTHETIC demo corpus (not real speech) to {root}: {len(corpus)} files "
            f"({(corpus['vocal_channel'] == 'speech').sum()} speech, "
            f"{(corpus['vocal_channel'] == 'song').sum()} song), "
            f"{n_actors} actors, {hours * 60:.1f} min of audio at {args.sample_rate} Hz, seed {args.seed}, "
            f"in {corpus.attrs['seconds']:.1f} s. See {MARKER_NAME}."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
