"""The web app's logic: everything ``app/streamlit_app.py`` shows, as plain testable functions.

The page (``./run_all.sh --app``) only lays out what these return:

- :func:`load_model` picks and loads the bundle (:func:`ser_utils.models.shipped.find_model`)
  and says what it was trained on (:func:`model_summary`);
- :func:`read_clip` turns an upload or a recording (its name and bytes) into a waveform
  at the model's rate through :func:`ser_utils.data.audio.load`, or an :class:`InputError`
  whose message is meant for the page (empty, not audio, corrupt, a video without sound,
  silent, too short); a very long file is cut to its first :data:`MAX_SECONDS`, and says so;
- :func:`predict` scores clips through the bundle's own prediction modes
  (:meth:`Bundle.file_modes`, :meth:`Bundle.mode_probabilities`), so a clip gets exactly
  what ``python -m ser_utils.predict`` gives it: several clips of one speaker are scored
  together (per-speaker mode) only when there are at least the bundle's
  ``min_speaker_clips`` of them, else each is a single clip and :func:`clip_modes` says
  why; clips longer than :data:`LONG_SECONDS` also get an emotion timeline over windows of
  :data:`WINDOW_SECONDS`;
- :func:`probability_chart`, :func:`timeline_chart` draw them, one colour per emotion
  (:data:`ser_utils.evaluation.plots.EMOTION_COLORS`);
- :func:`probability_table`, :func:`timeline_table` give the same numbers as text (percentages),
  for an HTML table (``st.table``, styled by :func:`styled_table`) that screen readers read and
  copy-paste copies: never a canvas grid (``st.dataframe``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import EMOTIONS, project_root
from .data import audio
from .errors import AudioError, SERError
from .evaluation.plots import EMOTION_COLORS  # the project's one palette
from .models import shipped
from .models.modes import ONE_SPEAKER, speaker_of

__all__ = [
    "EMOTION_COLORS",
    "LONG_SECONDS",
    "MAX_SECONDS",
    "MIN_SECONDS",
    "MODES",
    "SILENCE_DB",
    "WINDOW_SECONDS",
    "Clip",
    "ClipResult",
    "InputError",
    "LoadedModel",
    "Prediction",
    "clip_modes",
    "load_model",
    "logmel_chart",
    "model_summary",
    "predict",
    "percent",
    "probability_chart",
    "probability_table",
    "read_clip",
    "read_clips",
    "styled_table",
    "timeline_chart",
    "timeline_table",
    "waveform_chart",
    "windows",
]

#: Clips shorter than this (seconds) are refused (the training data's shortest is 0.5 s).
MIN_SECONDS = 0.5
#: Only the first this many seconds of a longer file are scored.
MAX_SECONDS = 120.0
#: Clips longer than this get the emotion over time.
LONG_SECONDS = 6.0
#: Window length (and hop) of the timeline, seconds; the training clips are 3-5 s.
WINDOW_SECONDS = 3.0
#: A clip whose peak is below this level (dBFS) counts as silent.
SILENCE_DB = -50.0  # as ser_utils.models.predict.SILENCE_DB
#: The prediction modes, as the page names and explains them.
MODES: dict[str, tuple[str, str]] = {
    "single_clip": (
        "single clip",
        "each clip on its own, speaker unknown: standardised with the training speakers' statistics",
    ),
    "per_speaker": (
        "per speaker",
        (
            "the clips taken as one speaker and standardised together with their own statistics, "
            "as the model was evaluated on unseen actors"
        ),
    ),
    "mixed": (
        "per speaker for some clips, single clip for the others",
        "each clip's mode is shown with it",
    ),
}


class InputError(SERError):
    """An upload or recording that cannot be scored; the message is written for the page."""


@dataclass(frozen=True)
class Clip:
    """One upload or recording, decoded.

    Attributes
    ----------
    name : str
    y : np.ndarray, float32, shape (n,)
        Mono, at ``sr``; at most :data:`MAX_SECONDS` long.
    sr : int
    full_duration_s : float
        Of the whole file.
    truncated : bool
        Only the first :data:`MAX_SECONDS` are in ``y``.
    source : bytes
        The file itself, kept for clips up to :data:`LONG_SECONDS` (scored whole, from the
        very bytes ``python -m ser_utils.predict`` would read); empty for longer ones.
    """

    name: str
    y: np.ndarray = field(repr=False)
    sr: int
    full_duration_s: float
    truncated: bool
    source: bytes = field(default=b"", repr=False, compare=False)

    @property
    def duration_s(self) -> float:
        """The length of ``y`` in seconds."""
        return len(self.y) / self.sr


@dataclass
class LoadedModel:
    """A bundle, where it came from and what it learnt from."""

    bundle: Any
    choice: shipped.ModelChoice
    data: dict[str, Any]

    @property
    def sr(self) -> int:
        """The sample rate (Hz) the bundle's features were extracted at."""
        return int(self.bundle.features["sample_rate"])

    @property
    def synthetic(self) -> bool:
        """Whether the bundle was trained on the synthetic demo corpus."""
        return bool(self.data.get("synthetic"))


@dataclass
class ClipResult:
    """The verdict on one clip.

    ``probabilities`` (label -> p, summing to 1), ``mode`` (``"per_speaker"`` or
    ``"single_clip"``) and, for long clips, ``timeline`` (one row per window: ``start_s``,
    ``end_s``, ``emotion``, one column per label).
    """

    name: str
    emotion: str
    confidence: float
    probabilities: dict[str, float]
    timeline: pd.DataFrame | None
    mode: str = "single_clip"


@dataclass
class Prediction:
    """The verdicts on all clips of one request.

    ``mode`` is a key of :data:`MODES` (``"mixed"`` when the clips got different modes);
    ``note`` says why clips are single clips (None when none is).
    """

    mode: str
    clips: list[ClipResult]
    note: str | None = None

    @property
    def mode_title(self) -> str:
        """The short name of the mode, as the page shows it."""
        return MODES[self.mode][0]

    @property
    def mode_description(self) -> str:
        """One sentence on how the mode standardises the clips."""
        return MODES[self.mode][1]


def load_model(given: str | os.PathLike | None = None) -> LoadedModel:
    """Find (:func:`ser_utils.models.shipped.find_model`) and load the bundle.

    Raises
    ------
    ModelError
        No bundle, or a broken one.
    """
    from .models.bundle import load_bundle

    choice = shipped.find_model(given)
    bundle = load_bundle(choice.folder)
    return LoadedModel(bundle=bundle, choice=choice, data=shipped.training_data(choice.folder, bundle.settings))


def model_summary(model: LoadedModel) -> dict[str, Any]:
    """What the page says about the model.

    A dict of ``name``, ``source``, ``trained_on``, ``recipe``, ``scores`` (mode ->
    UAR/accuracy on unseen actors, when the bundle records them), ``min_speaker_clips``
    and ``warning``.
    """
    s = model.bundle.settings
    m = s.get("model") or {}
    where = {
        "given": "the folder given",
        "artifacts": "the newest bundle under artifacts/ (overrides the shipped model)",
        "shipped": "the model shipped with the project",
    }[model.choice.source]
    recipe = f"{m.get('model', '?')}"
    if s.get("prediction_modes"):
        weights = {k: s["prediction_modes"][k]["weights"] for k in ("per_speaker", "single_clip")}
        recipe += "; " + "; ".join(
            f"{MODES[k][0]}: " + " + ".join(f"{v:g} {part}" for part, v in w.items() if v) for k, w in weights.items()
        )
    elif model.bundle.fusion_weight > 0:
        recipe += (
            f" fused with {(s.get('classic') or {}).get('kind', 'a classic model')}"
            f" (weight {model.bundle.fusion_weight:g})"
        )
    ev = (s.get("evaluation") or {}).get("prediction_modes") or {}
    scores = {
        MODES[k][0]: {"uar": v["uar"], "accuracy": v["accuracy"], "n": v["n"]} for k, v in ev.items() if k in MODES
    }
    folder = model.choice.folder.resolve()
    root = project_root().resolve()
    return {
        "name": str(folder.relative_to(root)) if folder.is_relative_to(root) else str(folder),
        "folder": str(model.choice.folder),
        "source": where,
        "trained_on": model.data["description"],
        "recipe": recipe,
        "scores": scores,
        "scores_on": _held_out_text((s.get("evaluation") or {}).get("test_actors")),
        "min_speaker_clips": model.bundle.min_speaker_clips,
        "warning": shipped.DEMO_WARNING if model.synthetic else None,
    }


def _plain(exc: AudioError, tmp: Path, name: str) -> str:
    """The audio error's reason with the temp file's path replaced by the user's file name."""
    return str(exc).replace(str(tmp), name)


def read_clip(name: str, data: bytes, *, sr: int, max_seconds: float = MAX_SECONDS) -> Clip:
    """Decode an upload or recording to a mono waveform at ``sr``.

    Parameters
    ----------
    name : str
        The file's name (its ending is kept: it helps some decoders).
    data : bytes
        Its content.
    sr : int
        The model's rate.
    max_seconds : float
        Only the first this many seconds are decoded.

    Returns
    -------
    Clip

    Raises
    ------
    InputError
        Empty, not audio, corrupt, a video without sound, silent, or shorter than
        :data:`MIN_SECONDS`.
    """
    if not data:
        raise InputError(f"{name}: the file is empty.")
    with tempfile.TemporaryDirectory(prefix="ser-upload-") as d:
        tmp = Path(d) / f"upload{Path(name).suffix.lower()[:8]}"
        tmp.write_bytes(data)
        try:
            full = audio.info(tmp).duration_s
            y = audio.load(tmp, sr=sr, duration_s=max_seconds if full > max_seconds else None)
        except AudioError as exc:
            raise InputError(_plain(exc, tmp, name)) from None
    full = max(full, len(y) / sr)
    if len(y) < MIN_SECONDS * sr:
        raise InputError(
            f"{name}: the clip is {len(y) / sr:.2f} s long; the model needs at least {MIN_SECONDS} s of speech."
        )
    if audio.is_silent(y, threshold_db=SILENCE_DB):
        raise InputError(
            f"{name}: the clip is silent (its loudest sample is below {SILENCE_DB:g} dBFS); nothing to score."
        )
    truncated = full > max_seconds + 1.0 / sr
    keep = not truncated and len(y) <= LONG_SECONDS * sr
    return Clip(name=name, y=y, sr=sr, full_duration_s=float(full), truncated=truncated, source=data if keep else b"")


def read_clips(
    items: list[tuple[str, bytes]], *, sr: int, max_seconds: float = MAX_SECONDS
) -> tuple[list[Clip], list[str]]:
    """:func:`read_clip` of every ``(name, bytes)``: the clips that decoded and one message per one that did not."""
    clips: list[Clip] = []
    problems: list[str] = []
    for name, data in items:
        try:
            clips.append(read_clip(name, data, sr=sr, max_seconds=max_seconds))
        except InputError as exc:
            problems.append(str(exc))
    return clips, problems


def windows(n: int, sr: int, *, seconds: float = WINDOW_SECONDS) -> list[tuple[int, int]]:
    """Consecutive windows ``(start, end)`` (samples) of a clip of ``n`` samples.

    A last piece shorter than half a window joins the one before.
    """
    w = round(seconds * sr)
    starts = list(range(0, n, w))
    spans = [(s, min(s + w, n)) for s in starts]
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < w // 2:
        spans[-2:] = [(spans[-2][0], n)]
    return spans


def _piece_file(folder: Path, k: int, clip: Clip, start: int, end: int) -> str:
    """A file of one piece for the bundle: the upload itself when scored whole, else a WAV of the window."""
    if clip.source and start == 0 and end == len(clip.y):
        path = folder / f"clip{k:04d}{Path(clip.name).suffix.lower()[:8]}"
        path.write_bytes(clip.source)  # the very file `python -m ser_utils.predict` would read
        return str(path)
    import soundfile as sf

    path = folder / f"clip{k:04d}.wav"
    sf.write(path, clip.y[start:end], clip.sr, subtype="FLOAT")
    return str(path)


def _probabilities(
    model: LoadedModel, clips: list[Clip], pieces: list[tuple[int, int, int]], speakers: list[int | None],
    piece_modes: list[str],
) -> np.ndarray:
    """The bundle's probabilities of pieces ``(clip, start, end)``, each in its mode; ``(len(pieces), n_classes)``.

    The bundle's own prediction modes (:meth:`Bundle.analyse`, :meth:`Bundle.encoder_features`,
    :meth:`Bundle.mode_probabilities`), as :meth:`Bundle.predict_paths` uses them.
    """
    b = model.bundle
    with tempfile.TemporaryDirectory(prefix="ser-clips-") as d:
        paths = [_piece_file(Path(d), k, clips[i], s, e) for k, (i, s, e) in enumerate(pieces)]
        mels, P, ok, errors = b.analyse(paths)
        if errors:
            bad = clips[pieces[paths.index(errors[0][0])][0]].name
            raise InputError(f"{bad}: the audio could not be analysed: {errors[0][1].replace(errors[0][0], bad)}")
        E = b.encoder_features(ok)
    return np.asarray(b.mode_probabilities(mels, P, E, speakers, piece_modes), np.float64)


def clip_modes(
    model: LoadedModel, clips: list[Clip], *, same_speaker: bool
) -> tuple[list[int | None], list[str], str | None]:
    """Each clip's speaker and prediction mode, as ``python -m ser_utils.predict`` gives them, and why.

    Parameters
    ----------
    model : LoadedModel
    clips : list of Clip, length n
    same_speaker : bool
        The clips are of one speaker (``--same-speaker``); otherwise each clip's speaker is
        the one its name gives (corpus file names), else unknown.

    Returns
    -------
    speakers : list of int or None, length n
    modes : list of str, length n
        ``"per_speaker"`` only for a speaker the model was trained on or with at least the
        bundle's ``min_speaker_clips`` clips (:meth:`Bundle.file_modes`).
    note : str or None
        Why clips are single clips (None when none is).
    """
    b = model.bundle
    speakers = [ONE_SPEAKER if same_speaker else speaker_of(c.name) for c in clips]
    fm = b.file_modes(speakers)
    if "single_clip" not in fm:
        return speakers, fm, None
    n = b.min_speaker_clips
    if same_speaker or len(clips) == 1:
        note = f"per-speaker needs {n} clips of the speaker; you gave {len(clips)}"
    else:
        note = (f"clips not marked as one speaker are scored one by one (per-speaker needs {n} clips "
                "of one speaker)")
    return speakers, fm, note


def _held_out_text(actors: list[int] | None) -> str | None:
    """Who the recorded scores were measured on: a few actors by number, many as a count."""
    if not actors:
        return None
    if len(actors) <= 8:
        return f"unseen actors {', '.join(f'{int(a):02d}' for a in actors)}"
    return f"{len(actors)} speakers it never heard"


def predict(model: LoadedModel, clips: list[Clip], *, same_speaker: bool = True) -> Prediction:
    """Score clips: one, or several of one speaker together.

    Parameters
    ----------
    model : LoadedModel
    clips : list of Clip
        At the model's rate.
    same_speaker : bool
        The clips are of one speaker: per-speaker mode when there are at least the
        bundle's ``min_speaker_clips`` of them (:func:`clip_modes`), else single clip.

    Returns
    -------
    Prediction
        ``mode`` and one :class:`ClipResult` per clip, probabilities as
        ``python -m ser_utils.predict`` gives them for a clip up to :data:`LONG_SECONDS`
        (``--same-speaker`` when ``same_speaker``). A longer clip is scored window by
        window (each window in its clip's mode); its verdict is the windows'
        probabilities averaged, weighted by their length, and ``timeline`` lists them.
    """
    if not clips:
        raise InputError("nothing to score: upload a file or record one.")
    speakers, fm, note = clip_modes(model, clips, same_speaker=same_speaker)
    pieces: list[tuple[int, int, int]] = []  # (clip, start, end)
    for i, c in enumerate(clips):
        spans = windows(len(c.y), c.sr) if c.duration_s > LONG_SECONDS else [(0, len(c.y))]
        pieces += [(i, s, e) for s, e in spans]
    probs = _probabilities(model, clips, pieces, [speakers[i] for i, _, _ in pieces], [fm[i] for i, _, _ in pieces])
    labels = model.bundle.labels
    results = []
    for i, c in enumerate(clips):
        rows = [k for k, (j, _, _) in enumerate(pieces) if j == i]
        weights = np.array([pieces[k][2] - pieces[k][1] for k in rows], np.float64)
        p = (probs[rows] * weights[:, None]).sum(axis=0) / weights.sum()
        timeline = None
        if len(rows) > 1 or c.duration_s > LONG_SECONDS:
            timeline = pd.DataFrame(probs[rows], columns=labels)
            timeline.insert(0, "emotion", [labels[int(j)] for j in probs[rows].argmax(axis=1)])
            timeline.insert(0, "end_s", [pieces[k][2] / c.sr for k in rows])
            timeline.insert(0, "start_s", [pieces[k][1] / c.sr for k in rows])
        top = int(np.argmax(p))
        results.append(ClipResult(name=c.name, emotion=labels[top], confidence=float(p[top]), mode=fm[i],
                                  probabilities={lab: float(p[j]) for j, lab in enumerate(labels)}, timeline=timeline))
    return Prediction(mode=fm[0] if len(set(fm)) == 1 else "mixed", clips=results, note=note)


def _figure(width: float = 6.0, height: float = 2.6):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _label_order(labels) -> list[str]:
    """``labels`` in the project's emotion order (:data:`ser_utils.config.EMOTIONS`), others after."""
    labels = list(labels)
    return [e for e in EMOTIONS if e in labels] + [e for e in labels if e not in EMOTIONS]


def percent(p: float, *, digits: int = 1) -> str:
    """A probability as the page writes it in its tables: ``0.1234`` -> ``"12.3%"``."""
    return f"{p:.{digits}%}"


def probability_table(probabilities: dict[str, float], *, digits: int = 1) -> pd.DataFrame:
    """The probabilities as text, in the chart's order (:func:`probability_chart`).

    Parameters
    ----------
    probabilities : dict of str to float, length n_classes
        Label -> probability (summing to 1).
    digits : int
        Decimals of the percentages.

    Returns
    -------
    pandas.DataFrame, shape (n_classes, 2)
        Columns ``emotion`` and ``probability`` (:func:`percent` strings).
    """
    labels = _label_order(probabilities)
    return pd.DataFrame({"emotion": labels, "probability": [percent(probabilities[e], digits=digits) for e in labels]})


def timeline_table(timeline: pd.DataFrame, *, digits: int = 1) -> pd.DataFrame:
    """The timeline (:attr:`ClipResult.timeline`) as text.

    Parameters
    ----------
    timeline : pandas.DataFrame, shape (n_windows, 3 + n_classes)
        ``start_s``, ``end_s``, ``emotion`` and one probability column per label.
    digits : int
        Decimals of the percentages.

    Returns
    -------
    pandas.DataFrame, shape (n_windows, 2 + n_classes)
        ``window`` (``"0.0-3.0 s"``), ``emotion`` (the window's top one) and one column of
        :func:`percent` strings per label, in the chart's order.
    """
    labels = _label_order(c for c in timeline.columns if c not in ("start_s", "end_s", "emotion"))
    out = pd.DataFrame(
        {
            "window": [f"{s:.1f}-{e:.1f} s" for s, e in zip(timeline["start_s"], timeline["end_s"])],
            "emotion": list(timeline["emotion"]),
        }
    )
    for e in labels:
        out[e] = [percent(float(p), digits=digits) for p in timeline[e]]
    return out


def styled_table(table: pd.DataFrame, *, caption: str, bold_row: int | None = None):
    """``table`` for ``st.table``: emotions marked by their colour, numbers right-aligned, a caption.

    One row (the verdict) can be set in bold.

    Parameters
    ----------
    table : pandas.DataFrame
        With an ``emotion`` column (:func:`probability_table`, :func:`timeline_table`).
    caption : str
        Shown under the table.
    bold_row : int or None
        The position of a row to set in bold (the verdict).

    Returns
    -------
    pandas.io.formats.style.Styler
        The same cells; its ``data`` is ``table``.
    """
    if "emotion" not in table.columns:
        raise SERError(f"styled_table needs an 'emotion' column; got {list(table.columns)}")
    sty = table.style.set_caption(caption).map(
        lambda e: f"border-left: 0.5rem solid {EMOTION_COLORS.get(e, '#444444')}", subset=["emotion"]
    )
    numbers = [c for c in table.columns if c not in ("emotion", "window")]
    if numbers:
        right = "text-align: right !important"  # over the page's own left alignment of text cells
        sty = sty.map(lambda _: right, subset=numbers).set_table_styles(
            [{"selector": f"th.col{list(table.columns).index(c)}", "props": right} for c in numbers], overwrite=False
        )
    if bold_row is not None:
        sty = sty.apply(
            lambda row: ["font-weight: bold" if row.name == table.index[bold_row] else "" for _ in row], axis=1
        )
    return sty


def probability_chart(probabilities: dict[str, float]):
    """Horizontal bars, one per emotion in label order, in its colour; returns a matplotlib Figure."""
    labels = _label_order(probabilities)
    fig, ax = _figure(6.0, 2.8)
    vals = [probabilities[e] for e in labels]
    ax.barh(labels, vals, color=[EMOTION_COLORS.get(e, "#444444") for e in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    for k, v in enumerate(vals):
        ax.text(min(v + 0.01, 0.9), k, f"{v:.0%}", va="center", fontsize=8)
    return fig


def timeline_chart(timeline: pd.DataFrame):
    """Each emotion's probability over the windows (stacked areas in its colour); a matplotlib Figure.

    Each window's area spans the window, from its ``start_s`` to its ``end_s``.
    """
    labels = [c for c in timeline.columns if c not in ("start_s", "end_s", "emotion")]
    fig, ax = _figure(7.0, 2.8)
    edges = np.append(timeline["start_s"].to_numpy(float), float(timeline["end_s"].iloc[-1]))
    P = timeline[labels].to_numpy(float)
    ax.stackplot(
        edges,
        np.vstack([P, P[-1:]]).T,  # the last window's values again at its end
        labels=labels,
        colors=[EMOTION_COLORS.get(e, "#444444") for e in labels],
        step="post",
    )
    ax.set_xlim(float(timeline["start_s"].iloc[0]), float(timeline["end_s"].iloc[-1]))
    ax.set_ylim(0, 1)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("probability")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    return fig


def waveform_chart(clip: Clip):
    """The clip's waveform (:func:`ser_utils.evaluation.plots.waveform`)."""
    from .evaluation import plots

    return plots.waveform(clip.y, sr=clip.sr, title=f"Waveform: {clip.name}")


def logmel_chart(model: LoadedModel, clip: Clip):
    """The clip's log-mel as the model sees it (before silence trimming)."""
    from . import features
    from .evaluation import plots

    f = model.bundle.features
    S = features.logmel(clip.y, sr=clip.sr, n_mels=f["n_mels"], n_fft=f["n_fft"], hop_length=f["hop_length"],
                        fmin=f["fmin"], fmax=f["fmax"])
    return plots.spectrogram(S, sr=clip.sr, hop_length=f["hop_length"], fmax=f["fmax"], title=f"Log-mel: {clip.name}")
