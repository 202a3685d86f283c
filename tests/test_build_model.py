"""The shipped model's build: two trainings, scores of both modes, the card; never on the demo corpus."""

from __future__ import annotations

import json
import shutil

import pytest

from ser_utils import build_model
from ser_utils.data import synth
from ser_utils.errors import DataError

pytestmark = pytest.mark.slow

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


def test_build_trains_scores_both_modes_and_writes_the_card(corpus, tmp_path):
    out = tmp_path / "models" / "ravdess-actors-01-20"
    ev = build_model.build(
        corpus, out_dir=out, work_dir=tmp_path / "work", test_actors=(5,), overrides=TINY, log=lambda m: None
    )
    assert set(ev["prediction_modes"]) == {"per_speaker", "single_clip"} and ev["test_actors"] == [5]
    settings = json.loads((out / "bundle.json").read_text())
    assert settings["actors"]["test"] == [] and 5 in settings["actors"]["train"] + settings["actors"]["val"]
    assert settings["data"]["synthetic"] is False and settings["evaluation"] == ev
    card = (out / "MODEL_CARD.md").read_text()
    assert "CC BY-NC-SA 4.0" in card and f"{ev['prediction_modes']['single_clip']['uar']:.3f}" in card
    assert {p.name for p in out.iterdir()} <= {
        "bundle.json",
        "model.keras",
        "classic.skops",
        "classic_norm.npz",
        "MODEL_CARD.md",
    }


def test_build_refuses_the_demo_corpus(tmp_path, corpus):
    demo = tmp_path / "demo"
    shutil.copytree(corpus, demo)
    (demo / "SYNTHETIC_DEMO_CORPUS.txt").write_text("synthetic")
    with pytest.raises(DataError, match="real RAVDESS"):
        build_model.build(demo, out_dir=tmp_path / "out", work_dir=tmp_path / "work", test_actors=(5,), overrides=TINY)
    assert not (tmp_path / "out").exists()
