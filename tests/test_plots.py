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

from ser_utils.evaluation import metrics as E
from ser_utils.evaluation import plots as P
from ser_utils.config import EMOTIONS
from ser_utils.errors import DataError

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
    return {
        "class_counts": (lambda: P.class_counts(man), 1),
        "class_counts_hue": (lambda: P.class_counts(man, by="actor", hue="gender"), 1),
        "duration_hist": (lambda: P.duration_hist(man), 1),
        "duration_hist_nohue": (lambda: P.duration_hist(man, hue=None), 1),
        "waveform": (lambda: P.waveform(_wave(), sr=SR, title="A waveform"), 1),
        "spectrogram": (lambda: P.spectrogram(_logmel(), sr=SR, hop_length=HOP, title="A log-mel"), 2),
        "emotion_gallery": (
            lambda: P.emotion_gallery([(e, _wave(0.8, 200 + 40 * i), _logmel()) for i, e in enumerate(EMOTIONS[:3])], sr=SR, hop_length=HOP),
            6,
        ),
        "feature_examples": (lambda: P.feature_examples(X, np.array([50, 30, 10]), ["one", "two", "three"], ncols=2), 3),
        "class_distribution": (lambda: P.class_distribution(man["emotion"].value_counts(), pd.Series(yt).value_counts() * 2), 1),
        "actors_by_part": (lambda: P.actors_by_part(split), 1),
        "history": (lambda: P.history(hist), 2),
        "confusion_matrix": (lambda: P.confusion_matrix(E.confusion(yt, yp), E.confusion(yt, yp, normalise=True)), 2),
        "breakdown_bars": (lambda: P.breakdown_bars(E.breakdowns(pred)), 4),
        "comparison_bars": (lambda: P.comparison_bars(table), 1),
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
    hist = {"loss": [3, 2, 1, 0.5], "val_loss": [3, 1.5, 2, 2.5], "accuracy": [0.1, 0.2, 0.3, 0.4], "val_accuracy": [0.1, 0.3, 0.2, 0.2]}
    fig = P.history(hist)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "best epoch (2)" in labels
    fig = P.history(pd.DataFrame(hist), best_epoch=4)
    assert "best epoch (4)" in fig.axes[1].get_legend_handles_labels()[1]
    with pytest.raises(DataError, match="1-based"):
        P.history(hist, best_epoch=9)


def test_class_distribution_accepts_raw_labels():
    fig = P.class_distribution(pd.Series(["sad"] * 9 + ["calm"] * 3 + ["neutral"]), pd.Series([3] * 9 + [1] * 9 + [0] * 9))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["neutral", "calm", "sad"]
    heights = [int(p.get_height()) for p in ax.patches]
    assert heights == [1, 3, 9, 9, 9, 9]


def test_probabilities_highlights_top_class():
    fig = P.probabilities({"sad": 0.1, "angry": 0.7, "calm": 0.2})
    assert "angry (70%)" in fig.axes[0].get_title()
    colors = {tuple(p.get_facecolor()) for p in fig.axes[0].patches}
    assert len(colors) == 2


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
        S = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, n_mels=128, hop_length=512), ref=np.max, top_db=80)
        examples.append((emotion, y, S))
    fig = P.emotion_gallery(examples, sr=sr, hop_length=512)
    assert len(fig.axes) == 16
    assert _png_size(fig) < 150 * 1024
