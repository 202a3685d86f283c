"""Tests of ser_utils.evaluation.plots: every figure function returns a small, titled Figure."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from ser_utils.config import EMOTIONS
from ser_utils.errors import DataError
from ser_utils.evaluation import metrics as E
from ser_utils.evaluation import plots as P

SR = 8000
HOP = 128
MAX_PNG_BYTES = 200 * 1024


def _manifest(n: int = 160, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "emotion": rng.choice(EMOTIONS, n),
            "vocal_channel": rng.choice(["speech", "song"], n),
            "intensity": rng.choice(["normal", "strong"], n),
            "gender": rng.choice(["female", "male"], n),
            "actor": rng.integers(1, 9, n),
            "duration_s": rng.uniform(3, 6, n),
        }
    )


def _wave(seconds: float = 1.0, f0: float = 220.0) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return (0.4 * np.sin(2 * np.pi * f0 * t) * np.hanning(t.size)).astype(np.float32)


def _logmel(t: int = 60, n_mels: int = 40) -> np.ndarray:
    # smooth, speech-like in size: a few bands that move over time, in dB
    f = np.arange(n_mels)[:, None]
    k = np.arange(t)[None, :]
    S = -80 + 70 * np.exp(-((f - 10 - 5 * np.sin(k / 7)) ** 2) / 20)
    return S.astype(np.float32)


def _text_of(fig: Figure) -> str:
    titles = [ax.get_title() for ax in fig.axes]
    sup = fig._suptitle.get_text() if fig._suptitle is not None else ""
    return " ".join([sup, *titles]).strip()


def _png_size(fig: Figure) -> int:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return len(buf.getvalue())


def _cases():
    man = _manifest()
    rng = np.random.default_rng(1)
    yt = man["emotion"].map(EMOTIONS.index).to_numpy()
    yp = np.where(rng.random(len(yt)) < 0.6, yt, rng.integers(0, 8, len(yt)))
    pred = man.assign(y_true=yt, y_pred=yp)
    split = man.assign(part=np.where(man["actor"] > 6, "test", np.where(man["actor"] > 5, "val", "train")))
    epochs = 12
    hist = {
        "loss": np.linspace(2, 0.6, epochs).tolist(),
        "val_loss": (np.linspace(2, 1.0, epochs) + 0.2 * np.sin(np.arange(epochs))).tolist(),
        "accuracy": np.linspace(0.1, 0.8, epochs).tolist(),
        "val_accuracy": np.linspace(0.1, 0.5, epochs).tolist(),
    }
    X = np.stack([_logmel(50, 32).T] * 3)[..., None]
    table = E.comparison_table(
        {"CRNN": E.fold_summary([E.metrics(yt, yp), E.metrics(yt, yt)]), "SVM": E.metrics(yt, yp)}
    )
    probs = dict(zip(EMOTIONS, rng.dirichlet(np.ones(8)).tolist()))
    m = E.metrics(yt, yp)
    long_names = E.comparison_table({  # names as long as notebook 05's
        "CRNN (crnn) + SVM, probabilities weighted 0.6 / 0.4: the bundle": m,
        "CRNN (crnn) alone": m,
        "SVM on pooled features (per-speaker standardised) alone": m,
        "majority class": E.majority_baseline(yt, yt),
    })
    cross = {
        "crema-d": {"n_files": 300, "classes": ["neutral", "happy", "sad", "angry", "fearful", "disgust"],
                    "chance_uar": 1 / 6, "single_clip": {"uar": 0.31, "accuracy": 0.3},
                    "per_speaker": {"uar": 0.38, "accuracy": 0.37}, "n_speakers": 20},
        "tess": {"n_files": 200, "classes": list(EMOTIONS[:7]), "chance_uar": 1 / 7,
                 "single_clip": {"uar": 0.2, "accuracy": 0.2}, "per_speaker": {"uar": 0.25, "accuracy": 0.25}},
    }
    breakdown = E.breakdowns(pred)
    return {
        "class_counts": (lambda: P.class_counts(man), 1),
        "class_counts_hue": (lambda: P.class_counts(man, by="actor", hue="gender"), 1),
        "duration_hist": (lambda: P.duration_hist(man), 1),
        "duration_hist_nohue": (lambda: P.duration_hist(man, hue=None), 1),
        "waveform": (lambda: P.waveform(_wave(), sr=SR, title="A waveform"), 1),
        "spectrogram": (lambda: P.spectrogram(_logmel(), sr=SR, hop_length=HOP, title="A log-mel"), 2),
        "emotion_gallery": (
            lambda: P.emotion_gallery(
                [(e, _wave(0.8, 200 + 40 * i), _logmel()) for i, e in enumerate(EMOTIONS[:3])], sr=SR, hop_length=HOP
            ),
            6,
        ),
        "emotion_gallery_eight_named_files": (
            lambda: P.emotion_gallery(
                [
                    (f"{e} (03-01-0{i + 1}-01-01-01-01)", _wave(0.8, 200 + 40 * i), _logmel())
                    for i, e in enumerate(EMOTIONS)
                ],
                sr=SR,
                hop_length=HOP,
            ),
            16,
        ),
        "feature_examples_long_titles": (
            lambda: P.feature_examples(
                np.concatenate([X, X[:1]]),
                np.array([50, 30, 10, 20]),
                [f"{e} · actor 1 · speech" for e in EMOTIONS[:4]],
            ),
            4,
        ),
        "feature_examples": (
            lambda: P.feature_examples(X, np.array([50, 30, 10]), ["one", "two", "three"], ncols=2),
            3,
        ),
        "class_distribution": (
            lambda: P.class_distribution(man["emotion"].value_counts(), pd.Series(yt).value_counts() * 2),
            1,
        ),
        "actors_by_part": (lambda: P.actors_by_part(split), 1),
        "history": (lambda: P.history(hist), 2),
        "confusion_matrix": (lambda: P.confusion_matrix(E.confusion(yt, yp), E.confusion(yt, yp, normalise=True)), 2),
        "breakdown_bars": (lambda: P.breakdown_bars(E.breakdowns(pred)), 4),
        "comparison_bars": (lambda: P.comparison_bars(table), 1),
        "comparison_bars_long_names": (lambda: P.comparison_bars(long_names), 1),
        "confusion_heatmap": (lambda: P.confusion_heatmap(E.confusion(yt, yp)), 1),
        "recall_bars": (lambda: P.recall_bars(m["per_class"]), 1),
        "group_bars_actor": (lambda: P.group_bars(breakdown["actor"], by="actor"), 1),
        "group_bars_gender": (lambda: P.group_bars(breakdown["gender"], by="gender"), 1),
        "cross_corpus_bars": (
            lambda: P.cross_corpus_bars(
                cross, in_corpus={"label": "RAVDESS test actors", "per_speaker": 0.6, "single_clip": 0.5}
            ),
            1,
        ),
        "class_counts_intensity_by_emotion": (lambda: P.class_counts(man, by="intensity", hue="emotion"), 1),
        "probabilities": (lambda: P.probabilities(probs, title="03-01-05-01-01-01-12", true_label="angry"), 1),
    }


CASES = _cases()


@pytest.mark.parametrize("name", list(CASES))
def test_plot_returns_small_titled_figure(name):
    make, n_axes = CASES[name]
    fig = make()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n_axes
    assert _text_of(fig), "figure has no title"
    assert _png_size(fig) < MAX_PNG_BYTES


def _overlaps(boxes) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


@pytest.mark.parametrize("name", list(CASES))
def test_no_two_labels_overlap(name):
    """Tick labels of an axis never run into one another, nor off the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = CASES[name][0]()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    page = fig.bbox
    for ax in fig.axes:
        for axis in ("x", "y"):
            lo, hi = sorted(getattr(ax, f"get_{axis}lim")())
            locs = getattr(ax, f"get_{axis}ticks")()
            drawn = [t for t, loc in zip(getattr(ax, f"get_{axis}ticklabels")(), locs) if lo - 1e-9 <= loc <= hi + 1e-9]
            labels = [t for t in drawn if t.get_visible() and t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            angle = labels[0].get_rotation() % 180 if labels else 0
            if angle % 90:  # rotated text: parallel labels clear each other when spaced a line height apart
                ends = sorted((b.x0 if axis == "x" else b.y0) for b in boxes)
                gaps = np.diff(ends) * abs(np.sin(np.radians(angle)))
                height = max(t.get_fontsize() for t in labels) * fig.dpi / 72
                assert gaps.size == 0 or gaps.min() >= 0.9 * height, f"{name}: rotated {axis} labels overlap"
                continue
            clash = _overlaps(boxes)
            assert not clash, (
                f"{name}: {axis} labels overlap: {[(labels[i].get_text(), labels[j].get_text()) for i, j in clash]}"
            )
            for t, b in zip(labels, boxes):
                assert b.x0 >= page.x0 - 1 and b.x1 <= page.x1 + 1, f"{name}: {t.get_text()!r} runs off the figure"
    # titles and axis labels of every axes, and the figure's title, clear one another
    texts = [
        t for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label) if t.get_visible() and t.get_text()
    ]
    if fig._suptitle is not None:
        texts.append(fig._suptitle)
    boxes = [t.get_window_extent(renderer) for t in texts]
    clash = [(texts[i].get_text(), texts[j].get_text()) for i, j in _overlaps(boxes)]
    assert not clash, f"{name}: labels overlap: {clash}"


def test_one_colour_per_emotion_in_every_figure():
    assert list(P.EMOTION_COLORS) == list(EMOTIONS)
    assert len(set(P.EMOTION_COLORS.values())) == len(EMOTIONS)
    from matplotlib.colors import to_hex

    def bar_colours(fig):
        return [to_hex(p.get_facecolor(), keep_alpha=False) for p in fig.axes[0].patches]

    probs = {"sad": 0.1, "angry": 0.7, "calm": 0.2}
    assert bar_colours(P.probabilities(probs)) == [P.EMOTION_COLORS[e] for e in probs]
    per_class = {e: {"recall": 0.5, "support": 3} for e in EMOTIONS}
    assert bar_colours(P.recall_bars(per_class)) == list(P.EMOTION_COLORS.values())
    counts = P.class_counts(_manifest())
    assert bar_colours(counts) == list(P.EMOTION_COLORS.values())
    dist = P.class_distribution(pd.Series({"sad": 3, "angry": 2}), pd.Series({"sad": 3, "angry": 3}))
    assert bar_colours(dist)[:2] == [P.EMOTION_COLORS["sad"], P.EMOTION_COLORS["angry"]] == bar_colours(dist)[2:4]


def test_recall_bars_follow_the_metrics():
    per_class = {e: {"recall": i / 10, "support": 5} for i, e in enumerate(EMOTIONS)}
    per_class["calm"]["support"] = 0
    fig = P.recall_bars(per_class)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(EMOTIONS)
    assert ax.get_yticks()[0] == max(ax.get_yticks())  # neutral on top
    widths = [round(p.get_width(), 3) for p in ax.patches]
    assert widths == [i / 10 for i in range(8)]
    assert "absent" in [t.get_text() for t in ax.texts]
    with pytest.raises(DataError, match="recall"):
        P.recall_bars({"sad": 1.5})


def test_confusion_heatmap_normalises_counts():
    fig = P.confusion_heatmap(E.confusion([0, 0, 1, 2], [0, 1, 1, 2], labels=("x", "y", "z")))
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert cells[:3] == ["50", "50", "0"] and "n = 4" in fig._suptitle.get_text()


def test_cross_corpus_marks_each_chance_level():
    cross = {"tess": {"n_files": 10, "classes": ["sad", "angry"], "chance_uar": 0.5,
                      "single_clip": {"uar": 0.6}, "per_speaker": {"uar": 0.7}}}
    fig = P.cross_corpus_bars(cross)
    ax = fig.axes[0]
    assert sorted(round(p.get_width(), 2) for p in ax.patches) == [0.6, 0.7]
    assert ax.collections[0].get_offsets()[0][0] == 0.5
    assert "tess (10 files, 2 emotions)" in [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]


def test_figures_are_not_registered_with_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    P.probabilities({"sad": 0.7, "calm": 0.3})
    assert plt.get_fignums() == before


def test_class_counts_uses_emotion_names_in_order():
    man = _manifest()
    fig = P.class_counts(man)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == list(EMOTIONS)
    heights = [int(round(p.get_height())) for p in ax.patches]
    assert heights == [int((man["emotion"] == e).sum()) for e in EMOTIONS]


def test_confusion_matrix_labels_and_normalisation():
    t = [0, 0, 1, 2]
    p = [0, 1, 1, 2]
    fig = P.confusion_matrix(E.confusion(t, p, labels=("x", "y", "z")))  # normalised made from counts
    right = fig.axes[1]
    assert [t.get_text() for t in right.get_xticklabels()] == ["x", "y", "z"]
    cells = [txt.get_text() for txt in right.texts]
    assert cells[:3] == ["0.50", "0.50", "0.00"]


def test_history_marks_best_epoch():
    hist = {
        "loss": [3, 2, 1, 0.5],
        "val_loss": [3, 1.5, 2, 2.5],
        "accuracy": [0.1, 0.2, 0.3, 0.4],
        "val_accuracy": [0.1, 0.3, 0.2, 0.2],
    }
    fig = P.history(hist)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "best epoch (2)" in labels
    fig = P.history(pd.DataFrame(hist), best_epoch=4)
    assert "best epoch (4)" in fig.axes[1].get_legend_handles_labels()[1]
    with pytest.raises(DataError, match="1-based"):
        P.history(hist, best_epoch=9)


def test_class_distribution_accepts_raw_labels():
    fig = P.class_distribution(
        pd.Series(["sad"] * 9 + ["calm"] * 3 + ["neutral"]), pd.Series([3] * 9 + [1] * 9 + [0] * 9)
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["neutral", "calm", "sad"]
    heights = [int(p.get_height()) for p in ax.patches]
    assert heights == [1, 3, 9, 9, 9, 9]


def test_probabilities_highlights_top_class():
    fig = P.probabilities({"sad": 0.1, "angry": 0.7, "calm": 0.2})
    assert "angry (70%)" in fig.axes[0].get_title()
    widths = [p.get_linewidth() for p in fig.axes[0].patches]
    assert widths[1] > max(widths[0], widths[2])  # the top class is outlined
    assert fig.axes[0].get_yticklabels()[1].get_fontweight() == "bold"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: P.class_counts(pd.DataFrame({"x": [1]})), "emotion"),
        (lambda: P.waveform(np.zeros((2, 10)), sr=SR), "1-D"),
        (lambda: P.spectrogram(np.zeros(10), sr=SR, hop_length=HOP), "2-D"),
        (lambda: P.feature_examples(np.zeros((2, 5, 4)), [5], ["a", "b"]), "lengths"),
        (lambda: P.probabilities({"sad": 1.5}), r"\[0, 1\]"),
        (lambda: P.emotion_gallery([], sr=SR, hop_length=HOP), "non-empty"),
        (lambda: P.class_distribution(pd.Series({"joy": 3}), pd.Series({"sad": 1})), "emotion name"),
    ],
)
def test_plots_reject_bad_input(call, match):
    with pytest.raises(DataError, match=match):
        call()


SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.shared
def test_gallery_of_real_speech_stays_small():
    """The heaviest figure, on real RAVDESS speech (one file per emotion), embeds under ~150 KB."""
    import librosa
    import soundfile as sf

    root = SHARED / "ravdess-22k" / "speech" / "Actor_12"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    examples = []
    for i, emotion in enumerate(EMOTIONS):
        y, sr = sf.read(root / f"03-01-{i + 1:02d}-01-01-01-12.flac", dtype="float32")
        S = librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, sr=sr, n_mels=128, hop_length=512), ref=np.max, top_db=80
        )
        examples.append((emotion, y, S))
    fig = P.emotion_gallery(examples, sr=sr, hop_length=512)
    assert len(fig.axes) == 16
    assert _png_size(fig) < 150 * 1024
