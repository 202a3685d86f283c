"""The front page's figures, drawn by :mod:`ser_utils.evaluation.plots` from a run's artifacts.

Each figure is a PNG inlined as a ``data:`` URI, so the front page stays one file that
reads offline.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping
from typing import Any

from ..config import EMOTIONS

__all__ = ["FIGURE_DPI", "data_uri", "front_page_figures", "headline_rows"]

#: Resolution of the front page's PNGs (sharp on a phone, small enough to inline).
FIGURE_DPI: int = 100
#: Base font size of the front page's figures (larger than in the notebooks: they are shown
#: in a column a third of a desktop screen wide, or a phone's width).
FONT_SIZE: float = 12.5
#: Width of the front page's figures (inches at :data:`FIGURE_DPI`).
FIGURE_WIDTH: float = 5.6


def data_uri(fig: Any, *, dpi: int = FIGURE_DPI) -> str:
    """A matplotlib Figure as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def headline_rows(metrics: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The bundle's scores then each baseline's: model name -> {accuracy, uar, macro_f1}.

    The bundle's own row is named after ``metrics["model"]``; baselines lacking a score are left out.
    """
    keys = ("accuracy", "uar", "macro_f1")
    name = f"the bundle ({metrics['model']})" if metrics.get("model") else "the bundle"
    rows: dict[str, Mapping[str, Any]] = {}
    if all(isinstance(metrics.get(k), (int, float)) for k in keys):
        rows[name] = {k: metrics[k] for k in keys}
    for base, vals in (metrics.get("baselines") or {}).items():
        if isinstance(vals, Mapping) and all(isinstance(vals.get(k), (int, float)) for k in keys):
            rows[str(base)] = {k: vals[k] for k in keys}
    return rows


def _figure(key: str, title: str, draw: Callable[[], Any], caption: str, alt: str) -> dict[str, str]:
    """Draw a figure with the front page's font size and width; return it inlined."""
    import matplotlib

    with matplotlib.rc_context({"font.size": FONT_SIZE}):
        fig = draw()
        w, h = fig.get_size_inches()
        if w > FIGURE_WIDTH:
            fig.set_size_inches(FIGURE_WIDTH, h * (1 + FONT_SIZE / 10) / 2)
        src = data_uri(fig)
    return {"key": key, "title": title, "src": src, "caption": caption, "alt": alt}


def _confusion(predictions: Any) -> dict[str, str] | None:
    from ..evaluation import metrics as E
    from ..evaluation import plots

    cols = ("true", "predicted") if {"true", "predicted"} <= set(predictions.columns) else ("y_true", "y_pred")
    if not set(cols) <= set(predictions.columns) or predictions.empty:
        return None
    cm = E.confusion(predictions[cols[0]].to_numpy(), predictions[cols[1]].to_numpy())
    return _figure("confusion", "What it takes each emotion for",
                   lambda: plots.confusion_heatmap(cm, title=f"Confusion matrix ({len(predictions)} test files)"),
                   "Each row is one true emotion and sums to 100 %: the diagonal is how often it is recognised, "
                   "the rest what it is mistaken for.", "Normalised confusion matrix of the test files")


def _in_corpus(metrics: Mapping[str, Any]) -> dict[str, Any]:
    modes = metrics.get("prediction_modes")
    ref: dict[str, Any] = {"label": "RAVDESS test actors"}
    if isinstance(modes, Mapping):
        for mode in ("per_speaker", "single_clip"):
            if isinstance(modes.get(mode), Mapping):
                ref[mode] = modes[mode].get("uar")
    elif isinstance(metrics.get("uar"), (int, float)):
        ref["single_clip"] = metrics["uar"]
    return ref


def front_page_figures(metrics: Mapping[str, Any] | None, *, predictions: Any | None = None) -> list[dict[str, str]]:
    """The figures of the front page, each ``{"key", "title", "src", "caption", "alt"}``.

    Parameters
    ----------
    metrics : mapping or None
        Notebook 05's ``metrics.json`` (None: no figure).
    predictions : pandas.DataFrame, optional
        Notebook 05's ``predictions.csv`` (``true``/``predicted`` names or ``y_true``/``y_pred``
        indices), for the confusion matrix.

    Returns
    -------
    list of dict
        In page order: confusion matrix, recall per emotion, the models compared, and the
        other corpora when ``metrics`` has ``cross_corpus``.
    """
    from ..evaluation import metrics as E
    from ..evaluation import plots

    if not metrics:
        return []
    out: list[dict[str, str]] = []
    if predictions is not None:
        fig = _confusion(predictions)
        if fig:
            out.append(fig)
    per_class = metrics.get("per_class")
    if isinstance(per_class, Mapping) and set(per_class) <= set(EMOTIONS) and per_class:
        out.append(_figure("recall", "Recall per emotion", lambda: plots.recall_bars(per_class),
                           "The share of each emotion's test files recognised; their mean is the UAR.",
                           "Bar chart of the recall of each emotion"))
    rows = headline_rows(metrics)
    if len(rows) > 1:
        table = E.comparison_table(rows)
        out.append(_figure("comparison", "Compared with its parts and a baseline",
                           lambda: plots.comparison_bars(table, title="Models compared on the test files"),
                           "The same test files scored by the bundle, by each of its parts alone, and by always "
                           "answering the most frequent training emotion.", "Bar chart comparing the models"))
    cross = metrics.get("cross_corpus")
    if isinstance(cross, Mapping) and cross:
        out.append(_figure("cross_corpus", "On other corpora",
                           lambda: plots.cross_corpus_bars(cross, in_corpus=_in_corpus(metrics)),
                           "UAR on recordings of other corpora the model never trained on, next to its UAR on the "
                           "RAVDESS test actors; the black tick is each corpus's chance level.",
                           "Bar chart of the UAR on other corpora"))
    return out
