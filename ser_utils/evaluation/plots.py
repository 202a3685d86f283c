"""Every figure the notebooks show.

Each function returns a :class:`matplotlib.figure.Figure` made directly (not through
``pyplot``), so nothing is registered globally, nothing needs closing, and a notebook
shows a figure exactly once: as a cell's last expression or with ``display(fig)``
(``plt.show()`` does not know these figures; in IPython the PNG display is switched on
when the first figure is made, even if ``pyplot`` was never imported). Save one with
``fig.savefig(path)``. Sizes and resolution are moderate so that the PNGs embedded in
the HTML reports stay small (under about 150 KB each, measured on real RAVDESS speech).
Class names, not indices, label every axis.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config import EMOTIONS
from ..errors import DataError

__all__ = [
    "DPI",
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
    "probabilities",
]

#: Resolution of every figure (dots per inch).
DPI: int = 90
#: Resolution of the figures that hold many spectrogram images (they dominate PNG size).
_IMAGE_DPI: int = 72

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


def _emotion_colors() -> dict[str, Any]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return {e: cmap(i) for i, e in enumerate(EMOTIONS)}


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
    if hue:
        kw.update(hue=hue, hue_order=_order(df[hue]), palette="Set2")
    elif by == "emotion":
        colors = _emotion_colors()
        kw.update(hue=by, hue_order=order, palette=[colors[e] for e in order], legend=False)
    else:
        kw.update(color="#4C72B0")
    _sns().countplot(data=df, x=by, order=order, ax=ax, **kw)
    _label_bars(ax)
    ax.set_xlabel(by.replace("_", " "))
    ax.set_ylabel("files")
    if by == "actor":
        ax.set_xticks(range(len(order)), [f"{int(a):02d}" for a in order])
    elif len(order) > 4:
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(title or f"Files per {by.replace('_', ' ')}" + (f" and {hue.replace('_', ' ')}" if hue else "") + f" (n = {len(df)})")
    return fig


def duration_hist(
    manifest: pd.DataFrame, *, hue: str | None = "vocal_channel", column: str = "duration_s", bins: int = 30, title: str | None = None
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
    examples: Sequence[tuple[str, Any, Any]], *, sr: int, hop_length: int, fmax: float | None = None, title: str | None = None
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
    colors = _emotion_colors()
    for row, (name, y, S) in enumerate(checked):
        ax_w, ax_s = axes[row]
        _draw_wave(ax_w, y, int(sr), color=colors.get(name, "#4C72B0"))
        _draw_spec(ax_s, S, int(sr), int(hop_length), fmax, levels=16)
        ax_w.set_ylabel(name, fontsize=10, fontweight="bold")
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


def feature_examples(X: Any, lengths: Any, titles: Sequence[str], *, channel: int = 0, ncols: int = 4, title: str | None = None):
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
        ax.set_title(f"{titles[k]} ({int(lens[k])}/{n_frames} frames)", fontsize=9)
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


def class_distribution(before: Any, after: Any, *, labels: tuple[str, str] = ("before", "after"), title: str | None = None):
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
    ax.bar(x - 0.2, b.to_numpy(), width=0.4, label=f"{labels[0]} ({int(b.sum())} files)", color="#8DA0CB")
    ax.bar(x + 0.2, a.to_numpy(), width=0.4, label=f"{labels[1]} ({int(a.sum())} files)", color="#FC8D62")
    _label_bars(ax)
    ax.set_xticks(x, order, rotation=30)
    ax.set_ylabel("training files")
    ax.set_xlabel("emotion")
    ax.legend()
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
        ax.bar(x, vals, bottom=bottom, label=f"{part} ({int(vals.sum())} files)", color=_PART_COLORS.get(part), width=0.8)
        bottom += vals
    ax.set_xticks(x, [f"{int(a):02d}" for a in table.index])
    ax.set_xlabel("actor")
    ax.set_ylabel("files")
    ax.legend(ncols=len(parts), loc="upper center", bbox_to_anchor=(0.5, -0.18), frameon=False)
    ax.margins(y=0.08)
    if title is None:
        test_actors = [int(a) for a in table.index if "test" in table.columns and table.loc[a, "test"] > 0]
        title = "Files per actor and part" + (
            f" (test actors: {', '.join(f'{a:02d}' for a in test_actors)})" if 0 < len(test_actors) < len(table) else ""
        )
    ax.set_title(title)
    return fig


# --- training --------------------------------------------------------------------------

_ACC_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


def history(history: Mapping[str, Sequence[float]] | pd.DataFrame, *, best_epoch: int | None = None, title: str | None = None):
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
            ax.axvline(int(best_epoch), color="gray", linestyle="--", linewidth=1, label=f"best epoch ({int(best_epoch)})")
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
    if not isinstance(cm_counts, pd.DataFrame) or cm_counts.shape[0] != cm_counts.shape[1] or cm_counts.empty:
        raise DataError("cm_counts must be a square DataFrame (true class x predicted class)")
    if cm_norm is None:
        totals = cm_counts.sum(axis=1).replace(0, np.nan)
        cm_norm = cm_counts.div(totals, axis=0).fillna(0.0)
    if not isinstance(cm_norm, pd.DataFrame) or cm_norm.shape != cm_counts.shape:
        raise DataError(f"cm_norm must be a DataFrame of the same shape as cm_counts {cm_counts.shape}")
    sns = _sns()
    k = cm_counts.shape[0]
    fig = _figure(6.0 * 2 + 0.5, 0.55 * k + 2.3)
    axes = fig.subplots(1, 2)
    n = int(np.asarray(cm_counts).sum())
    specs = [
        (cm_counts.astype(int), "d", "Blues", f"Counts (n = {n})", None),
        (cm_norm.astype(float), ".2f", "Blues", "Normalised by true class (diagonal = recall)", (0.0, 1.0)),
    ]
    for ax, (cm, fmt, cmap, sub, lim) in zip(axes, specs):
        vmin, vmax = lim if lim else (None, None)
        sns.heatmap(
            cm, annot=True, fmt=fmt, cmap=cmap, cbar=False, square=True, ax=ax, vmin=vmin, vmax=vmax,
            linewidths=0.5, linecolor="white", annot_kws={"fontsize": 8},
        )
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(sub)
        ax.tick_params(axis="x", labelrotation=45)
        ax.tick_params(axis="y", labelrotation=0)
    fig.suptitle(title or "Confusion matrix on the test part")
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
    panels = []
    for j, key in enumerate(small):
        panels.append((key, fig.add_subplot(grid[0, j])))
    if wide:
        panels.append(("actor", fig.add_subplot(grid[nrows - 1, :])))
    for i, (key, ax) in enumerate(panels):
        t = breakdowns[key]
        x = np.arange(len(t))
        names = [f"{int(g):02d}" if key == "actor" else str(g) for g in t.index]
        ticks = [f"{g}\nn={int(n)}" for g, n in zip(names, t["n"])]
        ax.bar(x - 0.2, t["accuracy"].to_numpy(dtype=float), width=0.4, label="accuracy", color="#4C72B0")
        ax.bar(x + 0.2, t["uar"].to_numpy(dtype=float), width=0.4, label="UAR", color="#DD8452")
        if key != "actor":
            _label_bars(ax, fmt="{:.2f}")
        ax.axhline(_CHANCE, color="k", linestyle=":", linewidth=0.8, label="chance (1/8)")
        ax.set_xticks(x, ticks, fontsize=8 if key != "actor" else 7)
        ax.set_ylim(0, 1.08)
        ax.set_title(f"By {key.replace('_', ' ')}")
        if i == 0:
            ax.set_ylabel("score")
    handles, names = panels[0][1].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper right", ncols=3, fontsize=8, frameon=False)
    fig.suptitle(title or "Test scores by group")
    return fig


def comparison_bars(table: pd.DataFrame, *, title: str | None = None):
    """Grouped bars of accuracy, UAR and macro F1 per model (error bars: std across folds).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`ser_utils.evaluation.metrics.comparison_table`: index model name, columns
        ``accuracy``, ``uar``, ``macro_f1`` and optionally ``*_std``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    df = _check_frame(table, "table", ["accuracy", "uar", "macro_f1"])
    metrics = [("accuracy", "accuracy"), ("uar", "UAR"), ("macro_f1", "macro F1")]
    colors = ["#4C72B0", "#DD8452", "#55A868"]
    fig = _figure(max(6.0, 1.6 * len(df) + 2.5), 3.8)
    ax = fig.add_subplot()
    x = np.arange(len(df))
    w = 0.8 / len(metrics)
    for i, ((col, label), color) in enumerate(zip(metrics, colors)):
        std = df[f"{col}_std"].to_numpy(dtype=float) if f"{col}_std" in df.columns else None
        if std is not None and np.all(np.isnan(std)):
            std = None
        bars = ax.bar(x + (i - 1) * w, df[col].to_numpy(dtype=float), width=w, label=label, color=color,
                      yerr=None if std is None else np.nan_to_num(std), capsize=3)
        ax.bar_label(bars, fmt="{:.2f}", fontsize=7, padding=2)
    ax.axhline(_CHANCE, color="k", linestyle=":", linewidth=0.8, label="chance (1/8)")
    ax.set_xticks(x, [str(i) for i in df.index])
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("score on the test part")
    ax.legend(fontsize=8, ncols=4, loc="upper right")
    ax.set_title(title or "Models compared")
    return fig


def probabilities(probs: Mapping[str, float], *, title: str = "Predicted probabilities", true_label: str | None = None):
    """Horizontal bars of the class probabilities for one file; the top class highlighted.

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
    colors = ["#C44E52" if i == top else "#8DA0CB" for i in range(len(names))]
    bars = ax.barh(y, vals, color=colors)
    ax.bar_label(bars, labels=[f"{v:.0%}" for v in vals], fontsize=8, padding=2)
    ticks = [f"{n} (true)" if true_label is not None and n == true_label else n for n in names]
    ax.set_yticks(y, ticks)
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("probability")
    ax.set_title(f"{title}: {names[top]} ({vals[top]:.0%})")
    return fig
