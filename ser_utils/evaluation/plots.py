"""Every figure the notebooks show.

Each function returns a :class:`matplotlib.figure.Figure` made directly (not through
``pyplot``), so nothing is registered globally, nothing needs closing, and a notebook
shows a figure exactly once: as a cell's last expression or with ``display(fig)``
(``plt.show()`` does not know these figures; in IPython the PNG display is switched on
when the first figure is made, even if ``pyplot`` was never imported). Save one with
``fig.savefig(path)``. Sizes and resolution are moderate so that the PNGs embedded in
the HTML reports stay small (under about 150 KB each, measured on real RAVDESS speech).
Class names, not indices, label every axis, and one colour stands for one emotion in
every figure (:data:`EMOTION_COLORS`). Long labels are wrapped or put on a horizontal
axis so that no two overlap.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config import EMOTIONS
from ..errors import DataError

__all__ = [
    "DPI",
    "EMOTION_COLORS",
    "class_counts",
    "duration_hist",
    "waveform",
    "spectrogram",
    "emotion_gallery",
    "feature_examples",
    "class_distribution",
    "actors_by_part",
    "history",
    "confusion_matrix",
    "breakdown_bars",
    "comparison_bars",
    "group_bars",
    "recall_bars",
    "confusion_heatmap",
    "cross_corpus_bars",
    "probabilities",
]

#: Resolution of every figure (dots per inch).
DPI: int = 90
#: Resolution of the figures that hold many spectrogram images (they dominate PNG size).
_IMAGE_DPI: int = 72

#: One colour per emotion (:data:`ser_utils.config.EMOTIONS`), used by every figure that
#: tells emotions apart by colour: grey for neutral, blue for sad, red for angry...
EMOTION_COLORS: dict[str, str] = {
    "neutral": "#8c8c8c",
    "calm": "#17becf",
    "happy": "#e6ab02",
    "sad": "#1f77b4",
    "angry": "#d62728",
    "fearful": "#9467bd",
    "disgust": "#2ca02c",
    "surprised": "#ff7f0e",
}
assert tuple(EMOTION_COLORS) == EMOTIONS, "EMOTION_COLORS must follow config.EMOTIONS"

_PART_COLORS = {"train": "#4C72B0", "val": "#DD8452", "test": "#55A868"}
_CHANCE = 1.0 / len(EMOTIONS)


# --- helpers ---------------------------------------------------------------------------


def _notebook_display() -> None:
    """In IPython/Jupyter, let a Figure show as a PNG even if pyplot was never imported.

    Figures made without ``pyplot`` are displayed through IPython's formatters, which
    matplotlib's inline backend registers only once pyplot has loaded it; register them
    here (the same call the inline backend makes) when they are missing.
    """
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    try:
        from IPython.core.pylabtools import select_figure_formats
        from matplotlib.figure import Figure

        png = shell.display_formatter.formatters["image/png"]
        if Figure not in png.type_printers:
            select_figure_formats(shell, {"png"})
    except (ImportError, AttributeError, KeyError):  # an IPython without these: text repr only
        pass


def _figure(width: float, height: float, *, dpi: int = DPI):
    from matplotlib.figure import Figure

    _notebook_display()
    return Figure(figsize=(width, height), dpi=dpi, layout="constrained")


def _sns():
    import seaborn as sns  # local: keeps `import ser_utils` cheap

    return sns


def _specshow():
    import librosa.display  # local: slow import

    return librosa.display


def _emotion_color(name: Any, default: str = "#4C72B0") -> str:
    """The colour of an emotion, also for a label that starts with one (``"sad (03-01-04-...)"``)."""
    words = str(name).split()
    return EMOTION_COLORS.get(str(name), EMOTION_COLORS.get(words[0] if words else "", default))


def _wrap(label: Any, width: int = 22) -> str:
    """A label broken into lines of at most ``width`` characters (long words kept whole)."""
    return "\n".join(textwrap.wrap(str(label), width=width, break_long_words=False)) or str(label)


def _check_frame(df: Any, name: str, columns: Sequence[str]) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{name} lacks column(s) {missing}; it has {list(df.columns)}")
    if df.empty:
        raise DataError(f"{name} is empty: nothing to plot")
    return df


def _order(values: Sequence[Any] | pd.Series) -> list[Any]:
    """Emotion order for emotion names, numeric order for numbers, else sorted."""
    present = list(pd.unique(pd.Series(values).dropna()))
    if present and all(isinstance(v, str) for v in present) and set(present) <= set(EMOTIONS):
        return [e for e in EMOTIONS if e in present]
    try:
        return sorted(present)
    except TypeError:
        return sorted(present, key=str)


def _check_rate(sr: Any) -> int:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise DataError(f"sr must be a positive integer sample rate, got {sr!r}")
    return int(sr)


def _check_wave(y: Any, sr: Any) -> np.ndarray:
    arr = np.asarray(y, dtype=np.float32)
    if arr.ndim != 1 or arr.size == 0:
        raise DataError(f"a waveform must be a non-empty 1-D array (n_samples,), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError("the waveform holds NaN or infinite samples")
    _check_rate(sr)
    return arr


def _check_spec(S_db: Any, hop_length: Any) -> np.ndarray:
    arr = np.asarray(S_db, dtype=np.float32)
    if arr.ndim != 2 or 0 in arr.shape:
        raise DataError(f"a log-mel must be a non-empty 2-D array (n_mels, t), got shape {arr.shape}")
    if isinstance(hop_length, bool) or not isinstance(hop_length, (int, np.integer)) or hop_length <= 0:
        raise DataError(f"hop_length must be a positive integer, got {hop_length!r}")
    return arr


def _draw_wave(ax, y: np.ndarray, sr: int, *, color: Any = "#4C72B0") -> None:
    # min/max envelope over ~pixel-wide columns, drawn without antialiasing: as faithful
    # as every sample to the eye, with far fewer points and a much smaller PNG
    t = np.arange(y.size) / sr
    n_cols = 600
    if y.size > 2 * n_cols:
        edges = np.linspace(0, y.size, n_cols + 1).astype(int)
        lo = np.minimum.reduceat(y, edges[:-1])
        hi = np.maximum.reduceat(y, edges[:-1])
        ax.fill_between(t[edges[:-1]], lo, hi, color=color, linewidth=0, antialiased=False)
    else:
        ax.plot(t, y, color=color, linewidth=0.7)
    ax.set_xlim(0, y.size / sr)
    peak = float(np.max(np.abs(y))) or 1.0
    ax.set_ylim(-1.05 * peak, 1.05 * peak)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")


def _image_cmap(levels: int):
    # a few dozen colour levels: indistinguishable by eye, and the PNG compresses far better
    import matplotlib

    return matplotlib.colormaps["magma"].resampled(levels)


def _draw_spec(ax, S: np.ndarray, sr: int, hop_length: int, fmax: float | None, *, levels: int = 32):
    return _specshow().specshow(
        S, sr=sr, hop_length=hop_length, x_axis="time", y_axis="mel", fmax=fmax, ax=ax, cmap=_image_cmap(levels)
    )


def _label_bars(ax, *, fmt: str = "{:.0f}", fontsize: float = 7) -> None:
    for container in ax.containers:
        ax.bar_label(container, fmt=fmt, fontsize=fontsize, padding=1)


# --- EDA -------------------------------------------------------------------------------


def class_counts(manifest: pd.DataFrame, *, by: str = "emotion", hue: str | None = None, title: str | None = None):
    """Bar chart of how many files each value of a column has (seaborn countplot).

    Parameters
    ----------
    manifest : pandas.DataFrame
        One row per file (the scan's manifest).
    by : str
        Column on the x axis: ``"emotion"``, ``"vocal_channel"``, ``"intensity"``,
        ``"gender"``, ``"actor"``...
    hue : str, optional
        Column whose values split each bar (e.g. ``"vocal_channel"``).

    Returns
    -------
    matplotlib.figure.Figure
        One axes, counts written on the bars.
    """
    cols = [by] + ([hue] if hue else [])
    df = _check_frame(manifest, "manifest", cols)
    order = _order(df[by])
    width = min(14.0, max(5.5, 0.45 * len(order) * (1.6 if hue else 1.0) + 2.0))
    fig = _figure(width, 3.8)
    ax = fig.add_subplot()
    kw: dict[str, Any] = {}
    if hue == "emotion":
        hue_order = _order(df[hue])
        kw.update(hue=hue, hue_order=hue_order, palette=[_emotion_color(e) for e in hue_order])
    elif hue:
        kw.update(hue=hue, hue_order=_order(df[hue]), palette="Set2")
    elif by == "emotion":
        kw.update(hue=by, hue_order=order, palette=[_emotion_color(e) for e in order], legend=False)
    else:
        kw.update(color="#4C72B0")
    _sns().countplot(data=df, x=by, order=order, ax=ax, saturation=1.0, **kw)
    _label_bars(ax)
    ax.margins(y=0.1)
    if hue and ax.get_legend() is not None:  # beside the bars, never over them
        _sns().move_legend(ax, "upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title=hue.replace("_", " "))
    ax.set_xlabel(by.replace("_", " "))
    ax.set_ylabel("files")
    if by == "actor":
        ax.set_xticks(range(len(order)), [f"{int(a):02d}" for a in order])
    elif len(order) > 4:
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(
        title
        or f"Files per {by.replace('_', ' ')}" + (f" and {hue.replace('_', ' ')}" if hue else "") + f" (n = {len(df)})"
    )
    return fig


def duration_hist(
    manifest: pd.DataFrame,
    *,
    hue: str | None = "vocal_channel",
    column: str = "duration_s",
    bins: int = 30,
    title: str | None = None,
):
    """Histogram of the recordings' durations, one colour per ``hue`` value.

    Parameters
    ----------
    manifest : pandas.DataFrame
        With the ``column`` of durations in seconds (``duration_s``, or
        ``trimmed_duration_s`` of a feature index).
    hue : str or None
        Column splitting the histogram; the legend states each group's median.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    cols = [column] + ([hue] if hue else [])
    df = _check_frame(manifest, "manifest", cols)
    fig = _figure(6.5, 3.6)
    ax = fig.add_subplot()
    sns = _sns()
    if hue:
        levels = _order(df[hue])
        palette = dict(zip(levels, sns.color_palette("Set2", len(levels))))
        sns.histplot(data=df, x=column, hue=hue, hue_order=levels, bins=bins, element="step", palette=palette, ax=ax)
        for level in levels:
            med = float(df.loc[df[hue] == level, column].median())
            ax.axvline(med, color=palette[level], linestyle="--", linewidth=1)
        legend = ax.get_legend()
        if legend is not None:
            for text in legend.get_texts():
                sub = df.loc[df[hue].astype(str) == text.get_text(), column]
                if len(sub):
                    text.set_text(f"{text.get_text()} (median {sub.median():.2f} s)")
    else:
        sns.histplot(data=df, x=column, bins=bins, ax=ax, color="#4C72B0")
        ax.axvline(float(df[column].median()), color="k", linestyle="--", linewidth=1, label="median")
        ax.legend()
    ax.set_xlabel(f"{column.replace('_s', '').replace('_', ' ')} (s)")
    ax.set_ylabel("files")
    ax.set_title(title or f"Durations of the {len(df)} recordings (dashed: medians)")
    return fig


def waveform(y: Any, *, sr: int, title: str = "Waveform"):
    """Plot a waveform against time.

    Parameters
    ----------
    y : np.ndarray, shape (n_samples,)
    sr : int
        Sample rate (Hz).

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    arr = _check_wave(y, sr)
    fig = _figure(7.5, 2.6)
    ax = fig.add_subplot()
    _draw_wave(ax, arr, int(sr))
    ax.set_title(title)
    return fig


def spectrogram(S_db: Any, *, sr: int, hop_length: int, title: str = "Log-mel spectrogram", fmax: float | None = None):
    """Show a log-mel spectrogram (time on x, mel-scaled frequency on y, dB colour bar).

    Parameters
    ----------
    S_db : np.ndarray, shape (n_mels, t)
        In dB.
    sr, hop_length : int
        Of the analysis, so that the axes read in seconds and Hz.
    fmax : float, optional
        Highest mel frequency used (default ``sr / 2``).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the spectrogram and its colour bar.
    """
    S = _check_spec(S_db, hop_length)
    _check_rate(sr)
    fig = _figure(7.5, 3.4)
    ax = fig.add_subplot()
    img = _draw_spec(ax, S, int(sr), int(hop_length), fmax)
    fig.colorbar(img, ax=ax, format="%+.0f dB")
    ax.set_xlabel("time (s)")
    ax.set_title(title)
    return fig


def emotion_gallery(
    examples: Sequence[tuple[str, Any, Any]],
    *,
    sr: int,
    hop_length: int,
    fmax: float | None = None,
    title: str | None = None,
):
    """One row per example: its waveform (left) and log-mel spectrogram (right).

    Parameters
    ----------
    examples : sequence of (emotion, y, S_db)
        ``y`` shape ``(n_samples,)``; ``S_db`` shape ``(n_mels, t)`` in dB.
    sr, hop_length : int

    Returns
    -------
    matplotlib.figure.Figure
        ``2 * len(examples)`` axes (no colour bars: every spectrogram uses the same
        80 dB range).
    """
    if not isinstance(examples, Sequence) or not examples:
        raise DataError("examples must be a non-empty list of (emotion, y, S_db) tuples")
    checked = []
    for i, ex in enumerate(examples):
        if not isinstance(ex, (tuple, list)) or len(ex) != 3:
            raise DataError(f"examples[{i}] must be an (emotion, y, S_db) tuple")
        name, y, S = ex
        checked.append((str(name), _check_wave(y, sr), _check_spec(S, hop_length)))
    n = len(checked)
    fig = _figure(7.6, 1.0 * n + 0.7, dpi=_IMAGE_DPI)
    axes = fig.subplots(n, 2, squeeze=False, sharex=True, gridspec_kw={"width_ratios": [1, 1.3]})
    t_max = max(max(y.size / sr, S.shape[1] * hop_length / sr) for _, y, S in checked)
    for row, (name, y, S) in enumerate(checked):
        ax_w, ax_s = axes[row]
        _draw_wave(ax_w, y, int(sr), color=_emotion_color(name))
        _draw_spec(ax_s, S, int(sr), int(hop_length), fmax, levels=16)
        # horizontal, beside the row: a long label ("surprised (03-01-08-...)") never runs into the next row
        ax_w.set_ylabel(name.replace(" (", "\n("), fontsize=8, fontweight="bold", rotation=0, ha="right", va="center")
        ax_w.set_yticks([])
        ax_s.set_ylabel("")
        ax_s.tick_params(labelsize=7)
        ax_w.tick_params(labelsize=7)
        if row < n - 1:
            ax_w.set_xlabel("")
            ax_s.set_xlabel("")
            ax_w.tick_params(labelbottom=False)
            ax_s.tick_params(labelbottom=False)
        else:
            ax_s.set_xlabel("time (s)")
    axes[0, 0].set_xlim(0, t_max)  # shared by every panel: one time scale
    axes[0, 0].set_title("waveform (own scale per row)", fontsize=9)
    axes[0, 1].set_title("log-mel spectrogram (Hz, mel scale; 80 dB range)", fontsize=9)
    fig.suptitle(title or "One recording per emotion")
    return fig


def feature_examples(
    X: Any, lengths: Any, titles: Sequence[str], *, channel: int = 0, ncols: int = 4, title: str | None = None
):
    """Show model inputs as images (mel band vs frame), with the end of the real frames marked.

    Parameters
    ----------
    X : np.ndarray, shape (n, n_frames, n_mels) or (n, n_frames, n_mels, n_channels)
        A batch of model inputs (time first).
    lengths : array-like of int, shape (n,)
        Real (non-padding) frames of each input; a dashed line marks it when shorter
        than ``n_frames``.
    titles : sequence of str, length n
    channel : int
        Which channel to show (0 = the log-mel, 1 = its deltas...).

    Returns
    -------
    matplotlib.figure.Figure
        ``n`` axes.
    """
    arr = np.asarray(X, dtype=np.float32)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4 or 0 in arr.shape:
        raise DataError(f"X must have shape (n, n_frames, n_mels[, n_channels]), got {np.shape(X)}")
    n, n_frames = arr.shape[:2]
    if not 0 <= channel < arr.shape[3]:
        raise DataError(f"channel {channel} is out of range for {arr.shape[3]} channel(s)")
    lens = np.asarray(lengths)
    if lens.shape != (n,):
        raise DataError(f"lengths must have shape ({n},) like X's first axis, got {lens.shape}")
    if isinstance(titles, str) or len(titles) != n:
        raise DataError(f"titles must be a list of {n} strings, one per input")
    if n > 24:
        raise DataError(f"feature_examples shows at most 24 inputs, got {n}; pass a few")
    ncols = max(1, min(int(ncols), n))
    nrows = int(np.ceil(n / ncols))
    fig = _figure(2.6 * ncols + 0.4, 2.1 * nrows + 0.5, dpi=_IMAGE_DPI)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= n:
            fig.delaxes(ax)
            continue
        ax.imshow(arr[k, :, :, channel].T, origin="lower", aspect="auto", cmap=_image_cmap(16),
                  interpolation="antialiased", interpolation_stage="data")
        if 0 < lens[k] < n_frames:
            ax.axvline(float(lens[k]) - 0.5, color="cyan", linestyle="--", linewidth=1)
        ax.set_title(_wrap(f"{titles[k]} ({int(lens[k])}/{n_frames} frames)", 30), fontsize=8)
        ax.set_xlabel("frame", fontsize=8)
        ax.set_ylabel("mel band", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle(title or f"Model inputs, channel {channel} (dashed: end of the real frames; after it, padding)")
    return fig


# --- split and balance -----------------------------------------------------------------


def _as_counts(s: Any, name: str) -> pd.Series:
    """Counts per emotion name from value counts (index = name or label) or raw labels."""
    ser = s if isinstance(s, pd.Series) else pd.Series(np.asarray(s))
    if ser.empty:
        raise DataError(f"{name} is empty")
    numeric = pd.api.types.is_numeric_dtype(ser.dtype) and not pd.api.types.is_bool_dtype(ser.dtype)
    if not numeric or len(ser) > len(EMOTIONS) or not ser.index.is_unique:
        ser = ser.value_counts()  # raw labels
    out: dict[str, int] = {}
    for key, val in ser.items():
        if isinstance(key, (int, np.integer)) and 0 <= int(key) < len(EMOTIONS):
            key = EMOTIONS[int(key)]
        if key not in EMOTIONS:
            raise DataError(f"{name}: {key!r} is neither an emotion name nor a label 0..{len(EMOTIONS) - 1}")
        out[str(key)] = out.get(str(key), 0) + int(val)
    return pd.Series(out)


def class_distribution(
    before: Any, after: Any, *, labels: tuple[str, str] = ("before", "after"), title: str | None = None
):
    """Side-by-side bars of the class counts before and after augmentation and balancing.

    Parameters
    ----------
    before, after : pandas.Series
        Counts per class (index = emotion name or label ``0..7``, as ``value_counts()``
        gives), or the raw labels themselves (names or ints), which are counted.
    labels : (str, str)
        Legend names of the two series.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    b = _as_counts(before, "before")
    a = _as_counts(after, "after")
    order = [e for e in EMOTIONS if e in b.index or e in a.index]
    b, a = b.reindex(order, fill_value=0), a.reindex(order, fill_value=0)
    fig = _figure(8.0, 3.8)
    ax = fig.add_subplot()
    x = np.arange(len(order))
    colors = [_emotion_color(e) for e in order]
    # each emotion keeps its colour: light and hatched before, solid after
    ax.bar(x - 0.2, b.to_numpy(), width=0.4, color=colors, alpha=0.45, hatch="//", edgecolor="white", linewidth=0)
    ax.bar(x + 0.2, a.to_numpy(), width=0.4, color=colors)
    _label_bars(ax)
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(
                facecolor="#8c8c8c",
                alpha=0.45,
                hatch="//",
                edgecolor="white",
                label=f"{labels[0]} ({int(b.sum())} files)",
            ),
            Patch(facecolor="#8c8c8c", label=f"{labels[1]} ({int(a.sum())} files)"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
    )
    ax.set_xticks(x, order, rotation=30)
    ax.set_ylabel("training files")
    ax.set_xlabel("emotion")
    ax.margins(y=0.12)
    ax.set_title(title or f"Training classes {labels[0]} and {labels[1]} augmentation and balancing")
    return fig


def actors_by_part(split_df: pd.DataFrame, *, title: str | None = None):
    """Files per actor, coloured by the part (train / val / test) the actor's files are in.

    Parameters
    ----------
    split_df : pandas.DataFrame
        One row per file with ``actor`` and ``part``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes (stacked bars: with a speaker-independent split each bar has one colour).
    """
    df = _check_frame(split_df, "split_df", ["actor", "part"])
    table = pd.crosstab(df["actor"], df["part"])
    parts = [p for p in ("train", "val", "test") if p in table.columns] + [
        p for p in table.columns if p not in ("train", "val", "test")
    ]
    table = table.reindex(columns=parts).sort_index()
    fig = _figure(min(14.0, max(6.0, 0.38 * len(table) + 2.0)), 3.6)
    ax = fig.add_subplot()
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for part in parts:
        vals = table[part].to_numpy()
        ax.bar(
            x, vals, bottom=bottom, label=f"{part} ({int(vals.sum())} files)", color=_PART_COLORS.get(part), width=0.8
        )
        bottom += vals
    many = len(table) > 40  # several corpora: 100+ speakers
    ax.set_xticks(x, [f"{int(a):02d}" for a in table.index], rotation=90 if many else 0,
                  fontsize="xx-small" if many else None)
    ax.set_xlabel("actor")
    ax.set_ylabel("files")
    ax.legend(ncols=len(parts), loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    ax.margins(y=0.08)
    if title is None:
        test_actors = [int(a) for a in table.index if "test" in table.columns and table.loc[a, "test"] > 0]
        title = "Files per actor and part" + (
            (f" (test actors: {', '.join(f'{a:02d}' for a in test_actors)})" if len(test_actors) <= 12
             else f" ({len(test_actors)} test actors)")
            if 0 < len(test_actors) < len(table) else ""
        )
    ax.set_title(title)
    return fig


# --- training --------------------------------------------------------------------------

_ACC_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


def history(
    history: Mapping[str, Sequence[float]] | pd.DataFrame, *, best_epoch: int | None = None, title: str | None = None
):
    """Loss and accuracy per epoch, training and validation, with the best epoch marked.

    Parameters
    ----------
    history : dict of str to list of float, or pandas.DataFrame
        Keras' ``History.history`` (``loss``, ``val_loss``, ``accuracy``,
        ``val_accuracy``; other accuracy names such as ``sparse_categorical_accuracy``
        work too), or the same as a table with one row per epoch.
    best_epoch : int, optional
        1-based epoch to mark; default: the epoch of the lowest ``val_loss``
        (none marked without validation loss).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: loss (left) and accuracy (right).
    """
    df = pd.DataFrame(history) if not isinstance(history, pd.DataFrame) else history
    if "loss" not in df.columns or df.empty:
        raise DataError(f"history needs a non-empty 'loss' series (Keras History.history), got keys {list(df.columns)}")
    acc = next((k for k in _ACC_KEYS if k in df.columns), None)
    epochs = np.arange(1, len(df) + 1)
    if best_epoch is None and "val_loss" in df.columns and df["val_loss"].notna().any():
        best_epoch = int(np.nanargmin(df["val_loss"].to_numpy(dtype=float))) + 1
    if best_epoch is not None and not 1 <= int(best_epoch) <= len(df):
        raise DataError(f"best_epoch must be between 1 and {len(df)} (1-based), got {best_epoch}")
    fig = _figure(11.0, 3.8)
    axes = fig.subplots(1, 2)
    panels = [("loss", "loss", axes[0])]
    if acc:
        panels.append((acc, "accuracy", axes[1]))
    for key, label, ax in panels:
        ax.plot(epochs, df[key].to_numpy(dtype=float), label="training", color="#4C72B0", marker=".")
        if f"val_{key}" in df.columns:
            ax.plot(epochs, df[f"val_{key}"].to_numpy(dtype=float), label="validation", color="#DD8452", marker=".")
        if best_epoch is not None:
            ax.axvline(
                int(best_epoch), color="gray", linestyle="--", linewidth=1, label=f"best epoch ({int(best_epoch)})"
            )
            if f"val_{key}" in df.columns:
                ax.plot([best_epoch], [df[f"val_{key}"].iloc[int(best_epoch) - 1]], "o", color="#C44E52", zorder=3)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(f"{label.capitalize()} per epoch")
        ax.legend(fontsize=8)
    if not acc:
        axes[1].text(0.5, 0.5, "no accuracy recorded", ha="center", va="center", transform=axes[1].transAxes)
        axes[1].set_title("Accuracy per epoch")
        axes[1].set_axis_off()
    else:
        axes[1].axhline(_CHANCE, color="k", linestyle=":", linewidth=0.8)
    fig.suptitle(title or f"Training history ({len(df)} epochs)")
    return fig


# --- evaluation ------------------------------------------------------------------------

#: Colours of the three scores (not emotions: blues, so they never read as one).
_SCORE_COLORS = {"accuracy": "#1b3a5c", "uar": "#4f7cac", "macro_f1": "#a3c4e0"}
_SCORE_LABELS = {"accuracy": "accuracy", "uar": "UAR", "macro_f1": "macro F1"}
#: Colours of the two prediction modes.
_MODE_COLORS = {"per_speaker": "#1b3a5c", "single_clip": "#7fa7d0"}
_MODE_LABELS = {"per_speaker": "per speaker", "single_clip": "single clip"}


def _normalised(cm: pd.DataFrame) -> pd.DataFrame:
    totals = cm.sum(axis=1).replace(0, np.nan)
    return cm.div(totals, axis=0).fillna(0.0)


def _check_square(cm: Any, name: str) -> pd.DataFrame:
    if not isinstance(cm, pd.DataFrame) or cm.empty or cm.shape[0] != cm.shape[1]:
        raise DataError(f"{name} must be a square DataFrame (true class x predicted class)")
    return cm


def _heatmap(
    ax, cm: pd.DataFrame, *, fmt: str, vmax: float | None, title: str, fontsize: float | str = "small"
) -> None:
    _sns().heatmap(
        cm, annot=True, fmt=fmt, cmap="Blues", cbar=False, square=True, ax=ax, vmin=0.0 if vmax else None, vmax=vmax,
        linewidths=0.5, linecolor="white", annot_kws={"fontsize": fontsize},
    )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=45)
    ax.tick_params(axis="y", labelrotation=0)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
        label.set_rotation_mode("anchor")


def confusion_matrix(cm_counts: pd.DataFrame, cm_norm: pd.DataFrame | None = None, *, title: str | None = None):
    """Two heatmaps side by side: counts, and rows normalised to 1 (per-class recall).

    Parameters
    ----------
    cm_counts : pandas.DataFrame, shape (n_classes, n_classes)
        Rows true class, columns predicted class (:func:`ser_utils.evaluation.metrics.confusion`).
    cm_norm : pandas.DataFrame, optional
        The row-normalised matrix; computed from ``cm_counts`` when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes.
    """
    _check_square(cm_counts, "cm_counts")
    if cm_norm is None:
        cm_norm = _normalised(cm_counts)
    if not isinstance(cm_norm, pd.DataFrame) or cm_norm.shape != cm_counts.shape:
        raise DataError(f"cm_norm must be a DataFrame of the same shape as cm_counts {cm_counts.shape}")
    k = cm_counts.shape[0]
    fig = _figure(6.0 * 2 + 0.5, 0.55 * k + 2.3)
    axes = fig.subplots(1, 2)
    n = int(np.asarray(cm_counts).sum())
    _heatmap(axes[0], cm_counts.astype(int), fmt="d", vmax=None, title=f"Counts (n = {n})")
    _heatmap(axes[1], cm_norm.astype(float), fmt=".2f", vmax=1.0, title="Normalised by true class (diagonal = recall)")
    fig.suptitle(title or "Confusion matrix on the test part")
    return fig


def confusion_heatmap(cm: pd.DataFrame, *, title: str | None = None):
    """One heatmap of the confusion matrix with each row normalised (diagonal = recall).

    Parameters
    ----------
    cm : pandas.DataFrame, shape (n_classes, n_classes)
        Rows true class, columns predicted class: counts (normalised here) or an already
        normalised matrix (rows summing to 1 or 0).

    Returns
    -------
    matplotlib.figure.Figure
        One axes; cells read in percent of the true class.
    """
    _check_square(cm, "cm")
    values = cm.to_numpy(dtype=float)
    n = None if np.allclose(values.sum(axis=1)[values.sum(axis=1) > 0], 1.0) else int(values.sum())
    norm = _normalised(cm.astype(float)) * 100
    k = cm.shape[0]
    fig = _figure(0.5 * k + 2.2, 0.45 * k + 1.9)
    ax = fig.add_subplot()
    _heatmap(ax, norm, fmt=".0f", vmax=100.0, title="% of each true emotion", fontsize="small")
    fig.suptitle(title or "Confusion matrix" + (f" (n = {n})" if n else ""))
    return fig


def _per_class_recall(per_class: Mapping[str, Any]) -> tuple[list[str], np.ndarray, list[int | None]]:
    if not isinstance(per_class, Mapping) or not per_class:
        raise DataError("per_class must be a non-empty dict of emotion -> recall (or -> {'recall', 'support'})")
    names, recall, support = [], [], []
    for name, v in per_class.items():
        r = v.get("recall") if isinstance(v, Mapping) else v
        if isinstance(r, bool) or not isinstance(r, (int, float, np.number)) or not 0 <= float(r) <= 1:
            raise DataError(f"per_class[{name!r}]: the recall must be a number in [0, 1], got {r!r}")
        names.append(str(name))
        recall.append(float(r))
        support.append(int(v["support"]) if isinstance(v, Mapping) and v.get("support") is not None else None)
    return names, np.asarray(recall), support


def recall_bars(per_class: Mapping[str, Any], *, title: str | None = None):
    """Horizontal bars of the recall of each emotion, in its own colour, chance marked.

    Parameters
    ----------
    per_class : dict
        Emotion -> recall in [0, 1], or emotion -> ``{"recall": float, "support": int, ...}``
        (``metrics.json``'s ``per_class``). A class with support 0 is marked "absent".

    Returns
    -------
    matplotlib.figure.Figure
        One axes; emotions top to bottom in label order.
    """
    names, recall, support = _per_class_recall(per_class)
    order = _order(names) if set(names) <= set(EMOTIONS) else names
    idx = [names.index(n) for n in order]
    fig = _figure(5.6, 0.36 * len(order) + 1.3)
    ax = fig.add_subplot()
    y = np.arange(len(order))[::-1]
    bars = ax.barh(y, recall[idx], color=[_emotion_color(n) for n in order], height=0.7)
    texts = []
    for i in idx:
        absent = support[i] == 0
        texts.append("absent" if absent else f"{recall[i]:.2f}" + (f" (n={support[i]})" if support[i] else ""))
    ax.bar_label(bars, labels=texts, fontsize="small", padding=3)
    ax.axvline(1.0 / len(order), color="k", linestyle=":", linewidth=0.9)
    ax.set_yticks(y, order)
    ax.set_xlim(0, 1.3)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel(f"recall (dotted: chance, 1/{len(order)})")
    present = [recall[i] for i in range(len(names)) if support[i] != 0]
    ax.set_title(title or f"Recall per emotion (mean = UAR = {np.mean(present):.2f})")
    return fig


def _group_panel(ax, table: pd.DataFrame, key: str) -> None:
    x = np.arange(len(table))
    names = [f"{int(g):02d}" if key == "actor" else str(g) for g in table.index]
    ticks = [f"{g}\nn={int(n)}" for g, n in zip(names, table["n"])]
    for off, col in ((-0.2, "accuracy"), (0.2, "uar")):
        bars = ax.bar(
            x + off, table[col].to_numpy(dtype=float), width=0.4, label=_SCORE_LABELS[col], color=_SCORE_COLORS[col]
        )
        if len(table) <= 8:
            ax.bar_label(bars, fmt="{:.2f}", fontsize="x-small", padding=1)
    ax.axhline(_CHANCE, color="k", linestyle=":", linewidth=0.8, label="chance (1/8)")
    ax.set_xticks(x, ticks, fontsize="small" if len(table) <= 12 else 7)
    ax.set_xlim(-0.6, len(table) - 0.4)
    ax.set_ylim(0, 1.1)
    ax.set_title(f"By {key.replace('_', ' ')}")


def group_bars(table: pd.DataFrame, *, by: str, title: str | None = None):
    """Accuracy and UAR per group of one breakdown (speech/song, intensity, gender, actor).

    Parameters
    ----------
    table : pandas.DataFrame
        One table of :func:`ser_utils.evaluation.metrics.breakdowns`: indexed by group, with
        ``n``, ``accuracy``, ``uar``.
    by : str
        The grouping (``"actor"`` writes the groups as two-digit actor numbers).

    Returns
    -------
    matplotlib.figure.Figure
        One axes, as wide as the number of groups needs.
    """
    t = _check_frame(table, "table", ["n", "accuracy", "uar"])
    fig = _figure(min(11.0, max(4.2, 0.5 * len(t) + 2.2)), 3.2)
    ax = fig.add_subplot()
    _group_panel(ax, t, str(by))
    ax.set_ylabel("score")
    ax.legend(fontsize="x-small", ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.22), frameon=False)
    if title:
        ax.set_title(title)
    return fig


def breakdown_bars(breakdowns: Mapping[str, pd.DataFrame], *, title: str | None = None):
    """Accuracy and UAR per group (speech/song, intensity, gender, actor), one panel each.

    Parameters
    ----------
    breakdowns : dict of str to pandas.DataFrame
        :func:`ser_utils.evaluation.metrics.breakdowns`: tables indexed by group with ``n``,
        ``accuracy``, ``uar``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per table; an ``actor`` table gets a full-width panel below the others.
    """
    if not isinstance(breakdowns, Mapping) or not breakdowns:
        raise DataError("breakdowns must be a non-empty dict of group name -> table")
    for key, t in breakdowns.items():
        _check_frame(t, f"breakdowns[{key!r}]", ["n", "accuracy", "uar"])
    small = [k for k in breakdowns if k != "actor"]
    wide = [k for k in breakdowns if k == "actor"]
    nrows = (1 if small else 0) + (1 if wide else 0)
    fig = _figure(11.0, 3.3 * nrows + 0.4)
    grid = fig.add_gridspec(nrows, max(1, len(small)))
    panels = [(key, fig.add_subplot(grid[0, j])) for j, key in enumerate(small)]
    if wide:
        panels.append(("actor", fig.add_subplot(grid[nrows - 1, :])))
    for i, (key, ax) in enumerate(panels):
        _group_panel(ax, breakdowns[key], key)
        if i == 0:
            ax.set_ylabel("score")
    handles, names = panels[0][1].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper right", ncols=3, fontsize="small", frameon=False)
    fig.suptitle(title or "Test scores by group")
    return fig


def comparison_bars(table: pd.DataFrame, *, title: str | None = None, wrap: int = 26):
    """Horizontal grouped bars of accuracy, UAR and macro F1 per model (error bars: std across folds).

    The model names are on the vertical axis, wrapped to ``wrap`` characters a line, so
    long names never run into one another.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`ser_utils.evaluation.metrics.comparison_table`: index model name, columns
        ``accuracy``, ``uar``, ``macro_f1`` and optionally ``*_std``. The first row is
        drawn on top.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    df = _check_frame(table, "table", ["accuracy", "uar", "macro_f1"])
    names = [_wrap(i, wrap) for i in df.index]
    lines = max(n.count("\n") + 1 for n in names)
    row_h = max(0.78, 0.2 * lines + 0.2)
    fig = _figure(7.0, row_h * len(df) + 1.5)
    ax = fig.add_subplot()
    y = np.arange(len(df))[::-1] * 1.0
    h = 0.8 / 3
    for i, col in enumerate(("accuracy", "uar", "macro_f1")):
        std = df[f"{col}_std"].to_numpy(dtype=float) if f"{col}_std" in df.columns else None
        if std is not None and np.all(np.isnan(std)):
            std = None
        bars = ax.barh(y + (1 - i) * h, df[col].to_numpy(dtype=float), height=h, label=_SCORE_LABELS[col],
                       color=_SCORE_COLORS[col], xerr=None if std is None else np.nan_to_num(std), capsize=2)
        ax.bar_label(bars, fmt="{:.2f}", fontsize="x-small", padding=2)
    ax.axvline(_CHANCE, color="k", linestyle=":", linewidth=0.8, label="chance (1/8)")
    ax.set_yticks(y, names, fontsize="small")
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("score on the test part")
    ax.legend(fontsize="small", ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.14 - 0.1 / len(df)), frameon=False)
    ax.set_title(title or "Models compared")
    return fig


def cross_corpus_bars(cross_corpus: Mapping[str, Mapping[str, Any]], *, in_corpus: Mapping[str, Any] | None = None,
                      title: str | None = None):
    """UAR on each other corpus, per prediction mode, with that corpus's chance level.

    Parameters
    ----------
    cross_corpus : dict
        ``metrics.json``'s ``cross_corpus``: corpus name -> ``{"n_files", "classes",
        "chance_uar", "single_clip": {"uar", ...}, "per_speaker": {"uar", ...}}``.
    in_corpus : dict, optional
        The in-corpus reference drawn first: ``{"label": str, "single_clip": uar,
        "per_speaker": uar}`` (either mode may be missing).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: one row per corpus (top: the in-corpus reference), a bar per mode, a
        black tick at the corpus's chance UAR.
    """
    if not isinstance(cross_corpus, Mapping) or not cross_corpus:
        raise DataError("cross_corpus must be a non-empty dict of corpus name -> results")
    rows: list[tuple[str, dict[str, float], float | None]] = []
    if in_corpus:
        rows.append((str(in_corpus.get("label", "in corpus")),
                     {m: float(in_corpus[m]) for m in _MODE_COLORS if isinstance(in_corpus.get(m), (int, float))},
                     _CHANCE))
    for name, r in cross_corpus.items():
        if not isinstance(r, Mapping):
            raise DataError(f"cross_corpus[{name!r}] must be a dict, got {type(r).__name__}")
        modes = {
            m: float(r[m]["uar"]) for m in _MODE_COLORS if isinstance(r.get(m), Mapping) and r[m].get("uar") is not None
        }
        n_cls = len(r.get("classes") or [])
        label = f"{name} ({r.get('n_files', '?')} files" + (f", {n_cls} emotions)" if n_cls else ")")
        chance = r.get("chance_uar")
        rows.append((label, modes, float(chance) if isinstance(chance, (int, float)) else None))
    fig = _figure(7.0, 0.62 * len(rows) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1] * 1.0
    h = 0.36
    for k, mode in enumerate(_MODE_COLORS):
        vals = np.array([r[1].get(mode, np.nan) for r in rows])
        bars = ax.barh(
            y + (0.5 - k) * h, np.nan_to_num(vals), height=h, color=_MODE_COLORS[mode], label=_MODE_LABELS[mode]
        )
        ax.bar_label(bars, labels=["" if np.isnan(v) else f"{v:.2f}" for v in vals], fontsize="x-small", padding=2)
    chances = [(yy, r[2]) for yy, r in zip(y, rows) if r[2] is not None]
    if chances:
        ax.scatter([c for _, c in chances], [yy for yy, _ in chances], marker="|", s=500, color="k", linewidths=1.5,
                   label="chance UAR", zorder=3)
    ax.set_yticks(y, [_wrap(r[0], 24) for r in rows], fontsize="small")
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("UAR")
    ax.legend(
        fontsize="small", ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.16 - 0.1 / len(rows)), frameon=False
    )
    ax.set_title(title or "Other corpora (never seen in training)")
    return fig


def probabilities(probs: Mapping[str, float], *, title: str = "Predicted probabilities", true_label: str | None = None):
    """Horizontal bars of the class probabilities for one file, each in its emotion's colour.

    The top class is outlined and its label bold; the others are paler.

    Parameters
    ----------
    probs : dict of str to float
        Class name -> probability in [0, 1] (e.g. a row of ``Bundle.predict_paths``).
    true_label : str, optional
        The file's true emotion, marked in the y labels when known.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    if not isinstance(probs, Mapping) or not probs:
        raise DataError("probs must be a non-empty dict of class name -> probability")
    names = [str(k) for k in probs]
    vals = np.asarray([float(v) for v in probs.values()])
    if not np.all(np.isfinite(vals)) or vals.min() < 0 or vals.max() > 1 + 1e-6:
        raise DataError(f"probabilities must lie in [0, 1], got {dict(zip(names, vals.round(3).tolist()))}")
    top = int(np.argmax(vals))
    fig = _figure(6.0, 0.32 * len(names) + 1.3)
    ax = fig.add_subplot()
    y = np.arange(len(names))[::-1]
    bars = ax.barh(y, vals, color=[_emotion_color(n) for n in names])
    for i, bar in enumerate(bars):
        if i == top:
            bar.set_edgecolor("black")
            bar.set_linewidth(1.5)
        else:
            bar.set_alpha(0.55)
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in vals], fontsize="small", padding=2)
    ticks = [f"{n} (true)" if true_label is not None and n == true_label else n for n in names]
    ax.set_yticks(y, ticks)
    ax.get_yticklabels()[top].set_fontweight("bold")
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("probability")
    ax.set_title(f"{title}: {names[top]} ({vals[top]:.0%})")
    return fig
