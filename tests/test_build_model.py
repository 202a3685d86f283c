"""The shipped model's build: two trainings, scores of both modes, the card; never on the demo corpus."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from ser_utils import build_model
from ser_utils.data import synth
from ser_utils.errors import DataError

TINY = {
    "epochs": 1,
    "frame_features": ["rms"],
    "n_mels": 16,
    "sample_rate": 16000,
    "conv_filters": [4],
    "lstm_units": [8],
    "n_val_actors": 1,
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A small RAVDESS-named corpus of 5 actors.

    Synthetic voices, without the demo marker: it stands in for real data.
    """
    made = tmp_path_factory.mktemp("made")
    synth.make_corpus(made, actors=5, seed=2, sample_rate=16000, n_jobs=1)
    root = tmp_path_factory.mktemp("ravdess")
    for f in made.rglob("03-01-*-01-0[12]-01-*.wav"):  # speech, normal and strong intensity, 2 statements
        dest = root / f.parent.name / f.name
        dest.parent.mkdir(exist_ok=True)
        shutil.copy(f, dest)
    return root


@pytest.mark.slow
def test_build_trains_scores_both_modes_and_writes_the_card(corpus, tmp_path):
    out = tmp_path / "models" / "ravdess-only"
    ev = build_model.build(
        corpus, out_dir=out, work_dir=tmp_path / "work", test_actors=(5,), overrides=TINY, log=lambda m: None
    )
    assert set(ev["prediction_modes"]) == {"per_speaker", "single_clip"} and ev["test_actors"] == [5]
    settings = json.loads((out / "bundle.json").read_text())
    assert settings["actors"]["test"] == [] and 5 in settings["actors"]["train"] + settings["actors"]["val"]
    assert settings["data"]["synthetic"] is False and settings["evaluation"] == ev
    card = (out / "MODEL_CARD.md").read_text()
    assert "CC BY-NC-SA 4.0" in card and f"{ev['prediction_modes']['single_clip']['uar']:.3f}" in card
    # each mode's fusion weights, and where they were chosen
    assert "per-speaker mode: " in card and "single-clip mode: " in card and "validation actors" in card
    from ser_utils.models.bundle import PART_FILES

    assert {p.name for p in out.iterdir()} <= {
        "bundle.json",
        "model.keras",
        "classic.skops",
        "classic_norm.npz",
        "MODEL_CARD.md",
        *PART_FILES.values(),  # the prediction modes' extra parts
    }
    assert set(settings["prediction_modes"]) >= {"min_speaker_clips", "per_speaker", "single_clip"}


@pytest.fixture(scope="module")
def crema(tmp_path_factory):
    """A CREMA-D-named folder of 3 speakers (synthetic voices), 6 emotions x 2 sentences each."""
    import soundfile as sf

    root = tmp_path_factory.mktemp("crema-d") / "AudioWAV"
    root.mkdir()
    for i, actor in enumerate((1001, 1002, 1003)):
        for code, emo in [("ANG", "05"), ("DIS", "07"), ("FEA", "06"), ("HAP", "03"), ("NEU", "01"), ("SAD", "04")]:
            for k, sentence in enumerate(("DFA", "IEO")):
                y = synth.synthesize(f"03-01-{emo}-01-0{k + 1}-01-{i + 1:02d}", seed=7, sample_rate=16000)
                sf.write(root / f"{actor}_{sentence}_{code}_XX.wav", y, 16000)
    return root.parent


@pytest.mark.slow
def test_build_of_several_corpora_holds_out_a_fold_of_each_and_scores_each(corpus, crema, tmp_path):
    out = tmp_path / "models" / "four-corpora"
    ev = build_model.build([corpus, crema], out_dir=out, work_dir=tmp_path / "work", overrides=TINY,
                           log=lambda m: None)
    assert ev["profile"] == "multi"
    held = set(ev["test_actors"])
    assert held & {1, 2, 3, 4, 5} and held & {1001, 1002, 1003}  # the first fold of each corpus
    for mode in ("per_speaker", "single_clip"):
        pc = ev["prediction_modes"][mode]["per_corpus"]
        assert set(pc) == {"ravdess", "crema-d"} and len(pc["crema-d"]["classes"]) == 6
    settings = json.loads((out / "bundle.json").read_text())
    assert settings["classic"]["kind"] == "logreg"  # MULTI_OVERRIDES: no support vectors to ship
    assert settings["actors"]["test"] == [] and held <= set(settings["actors"]["train"] + settings["actors"]["val"])
    n_ravdess = len(list(corpus.rglob("*.wav")))
    assert settings["data"]["corpora"] == {"crema-d": {"files": 36, "speakers": 3},
                                           "ravdess": {"files": n_ravdess, "speakers": 5}}
    card = (out / "MODEL_CARD.md").read_text()
    assert "most restrictive" in card and "| single clip | CREMA-D (6 classes) |" in card


@pytest.mark.slow
def test_build_refuses_the_demo_corpus(tmp_path, corpus):
    demo = tmp_path / "demo"
    shutil.copytree(corpus, demo)
    (demo / "SYNTHETIC_DEMO_CORPUS.txt").write_text("synthetic")
    with pytest.raises(DataError, match="real RAVDESS"):
        build_model.build(demo, out_dir=tmp_path / "out", work_dir=tmp_path / "work", test_actors=(5,), overrides=TINY)
    assert not (tmp_path / "out").exists()


def test_score_modes_forces_each_mode_through_the_bundles_own_modes(tmp_path, monkeypatch):
    import soundfile as sf
    from appkit import SR, tiny_bundle, voice

    from ser_utils.models.bundle import load_bundle

    b = load_bundle(tiny_bundle(tmp_path / "b", min_speaker_clips=8))
    paths, truth = [], []
    for i, (actor, emo) in enumerate([(5, "01"), (5, "05"), (1001, None), (5, "03")]):
        name = f"03-01-{emo}-01-01-0{i % 2 + 1}-{actor:02d}.wav" if emo else f"{actor}_DFA_ANG_XX.wav"
        sf.write(tmp_path / name, voice(1.5, seed=i, f0=120 + 30 * i), SR)
        paths.append(str(tmp_path / name))
        truth.append("angry" if emo is None else {"01": "neutral", "05": "angry", "03": "happy"}[emo])
    calls = []
    real = b.mode_probabilities

    def spy(mels, P, E, speakers, file_modes):
        calls.append((list(speakers), list(file_modes)))
        return real(mels, P, E, speakers, file_modes)

    monkeypatch.setattr(b, "mode_probabilities", spy)
    scores = build_model.score_modes(b, paths, truth)
    # every file in one call per mode, each mode forced (3 files of actor 5 are fewer than 8, yet per speaker)
    assert calls == [([5, 5, 1001, 5], ["per_speaker"] * 4), ([5, 5, 1001, 5], ["single_clip"] * 4)]
    monkeypatch.undo()
    single = b.predict_paths(paths, mode="single_clip")
    acc = float((single["emotion"] == truth).mean())
    assert scores["single_clip"]["accuracy"] == pytest.approx(acc) and scores["single_clip"]["n"] == 4
    assert "per_corpus" not in scores["single_clip"]
    by_corpus = build_model.score_modes(b, paths, truth, corpora=["ravdess", "ravdess", "crema-d", "ravdess"])
    for mode in ("per_speaker", "single_clip"):
        pc = by_corpus[mode]["per_corpus"]
        assert {c: v["n"] for c, v in pc.items()} == {"crema-d": 1, "ravdess": 3}
        assert by_corpus[mode]["uar"] == pytest.approx(scores[mode]["uar"])
    json.dumps(by_corpus)  # it goes into bundle.json
    with pytest.raises(DataError, match="corpus file names"):
        sf.write(tmp_path / "mine.wav", voice(1.5), SR)
        build_model.score_modes(b, [str(tmp_path / "mine.wav")], ["angry"])


def test_compact_stores_the_lightest_parts_support_vectors_as_float16_until_small_enough(tmp_path):
    from ser_utils.models import classic

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(160, 40)), np.arange(160) % 8
    m = classic.fit(X, y, kind="svm", C_svm=1.0, gamma=1.0, seed=0)
    for name in ("classic.skops", "classic_single_clip.skops"):
        classic.save(m, tmp_path / name)
    settings = {
        "prediction_modes": {"per_speaker": {"weights": {"classic": 0.6}}, "single_clip": {"weights": {"classic": 0.2}}}
    }
    size = build_model._bytes(tmp_path)
    assert build_model.compact(tmp_path, settings, limit=size + 1) == []
    # one file's halving is enough: the single-clip part (weight 0.2) goes first
    assert build_model.compact(tmp_path, settings, limit=size - 100) == ["classic_single_clip.skops"]
    assert build_model._bytes(tmp_path) < size - 100
    p0 = classic.probabilities(m, X, n_classes=8)
    p1 = classic.probabilities(classic.load(tmp_path / "classic_single_clip.skops"), X, n_classes=8)
    assert 0 < np.abs(p0 - p1).max() < 0.1
    settings["compacted"] = ["classic_single_clip.skops"]
    assert build_model.compact(tmp_path, settings, limit=1) == ["classic_single_clip.skops", "classic.skops"]


def _multi_settings() -> dict:
    scores = {"accuracy": 0.7, "uar": 0.71, "macro_f1": 0.69, "n": 3000}
    per_corpus = {"crema-d": {**scores, "uar": 0.654, "classes": ["neutral"] * 6},
                  "ravdess": {**scores, "uar": 0.732, "classes": ["neutral"] * 8}}
    modes = {m: {**scores, "description": m, "per_corpus": per_corpus} for m in ("per_speaker", "single_clip")}
    return {
        "evaluation": {"protocol": "the first fold held out", "profile": "multi", "test_actors": [1, 1001],
                       "n_test_files": 3000, "prediction_modes": modes, "build_time_s": 1800},
        "data": {"synthetic": False, "corpus": "CREMA-D, RAVDESS, SAVEE, TESS", "n_files": 12751,
                 "actors": [1, 1001, 2001, 3001],
                 "corpora": {"crema-d": {"files": 7437, "speakers": 91}, "ravdess": {"files": 2035, "speakers": 20},
                             "savee": {"files": 480, "speakers": 4}, "tess": {"files": 2799, "speakers": 2}}},
        "labels": ["neutral", "calm"], "features": {"n_mels": 64, "sample_rate": 22050}, "n_frames": 164,
    }


def test_the_card_of_a_model_of_several_corpora_names_each_with_its_licence_and_scores():
    card = build_model.model_card(_multi_settings())
    for text in ("CC BY-NC-SA 4.0", "CC BY-NC-ND 4.0", "Open Database License", "research purposes",
                 "most restrictive", "non-commercial", "| 7437 | 91 |", "--data-dir data/crema-d data/ravdess"):
        assert text in card, text
    assert "| single clip | CREMA-D (6 classes) | 0.654 |" in card
    assert "| per speaker | RAVDESS (8 classes) | 0.732 |" in card
    one = _multi_settings()
    one["data"].pop("corpora")
    assert "CC BY-NC-SA 4.0" in build_model.model_card(one) and "CC BY-NC-ND" not in build_model.model_card(one)
