"""Each step of ser_utils.pipeline on a tiny synthetic corpus (4 actors x 8 emotions x 2 statements).

The corpus and the artifacts of notebooks 01-03 are made once for this module; training is
left to tests/test_series.py (slow), and ``predict_one`` gets a stand-in bundle.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ser_utils import config, pipeline
from ser_utils.data import synth
from ser_utils.data.locate import DEMO_MARKER
from ser_utils.data.ravdess import make_filename
from ser_utils.errors import ArtifactMissingError, ConfigError

ACTORS = (1, 2, 3, 4)
#: Small settings so that each step takes a second or two.
FAST = {"n_mels": 32, "n_fft": 512, "hop_length": 256, "n_jobs": 1}


def _write_corpus(base: Path, *, synthetic: bool) -> Path:
    """RAVDESS-named files under ``base/audio``; the demo marker (when synthetic) in ``base``."""
    import soundfile as sf

    root = base / "audio"
    for actor in ACTORS:
        for emotion in range(1, 9):
            for statement in (1, 2):
                name = make_filename(emotion_id=emotion, statement_id=statement, actor=actor)
                path = root / f"Actor_{actor:02d}" / name
                path.parent.mkdir(parents=True, exist_ok=True)
                sf.write(str(path), synth.synthesize(name, seed=3, sample_rate=16000), 16000)
    if synthetic:
        (base / DEMO_MARKER).write_text("synthetic test corpus\n")
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return _write_corpus(tmp_path_factory.mktemp("corpus"), synthetic=True)


@pytest.fixture(scope="module")
def steps(corpus, tmp_path_factory) -> dict:
    """Notebooks 01-03's steps run once: the runs, the manifest, the feature set, the prepared data."""
    adir = tmp_path_factory.mktemp("artifacts")
    r1 = pipeline.start(
        "01_eda", data_dir=str(corpus), artifacts_dir=adir, sample_rate=16000, n_mels=32, n_fft=512, hop_length=256
    )
    scan = pipeline.scan_corpus(r1)
    r2 = pipeline.start("02_features", artifacts_dir=adir, **FAST)
    fs = pipeline.extract_features(r2, pipeline.load_manifest(r2))
    overview = pipeline.feature_overview(fs)
    fs_again = pipeline.extract_features(r2, pipeline.load_manifest(r2))
    r3 = pipeline.start("03_oversampling", artifacts_dir=adir, test_actors=[4], n_val_actors=1, n_jobs=1)
    prepared = pipeline.prepare(r3, pipeline.load_features(r3))
    return {"adir": adir, "r1": r1, "scan": scan, "r2": r2, "fs": fs, "overview": overview,
            "overview_again": pipeline.feature_overview(fs_again), "r3": r3, "prepared": prepared}


# --- start -------------------------------------------------------------------------------------


def test_start_picks_demo_on_synthetic_and_full_on_real(corpus, tmp_path):
    real = _write_corpus(tmp_path / "real", synthetic=False)
    assert pipeline.start("01_eda", data_dir=str(corpus), artifacts_dir=tmp_path / "a").cfg["profile"] == "demo"
    assert pipeline.start("01_eda", data_dir=str(real), artifacts_dir=tmp_path / "b").cfg["profile"] == "full"
    assert (
        pipeline.start("01_eda", data_dir=str(real), artifacts_dir=tmp_path / "b", profile="seed004").cfg["profile"]
        == "seed004"
    )
    # later notebooks follow what notebook 01 recorded
    for synthetic, want in ((True, "demo"), (False, "full")):
        adir = tmp_path / f"later-{synthetic}"
        pipeline.write_json(config.artifact_path(adir, "dataset"), {"synthetic": synthetic, "n_files": 1})
        run = pipeline.start("05_evaluation", artifacts_dir=adir)
        assert run.cfg["profile"] == want and run.synthetic is synthetic


def test_start_without_notebook_01_says_which_notebook_to_run(tmp_path):
    with pytest.raises(ArtifactMissingError, match=r"notebooks/01_eda\.ipynb"):
        pipeline.start("02_features", artifacts_dir=tmp_path)


def test_start_reads_the_registered_names_from_the_namespace(tmp_path):
    pipeline.write_json(config.artifact_path(tmp_path, "dataset"), {"synthetic": True})
    ns = {name: None for name in (*config.START_PARAMS, *config.notebook_params("04_crnn_training"))}
    ns.update(artifacts_dir=str(tmp_path), epochs=3, unrelated=1)
    run = pipeline.start("04_crnn_training", ns)
    assert run.cfg["epochs"] == 3 and run.given == {"epochs": 3}
    assert run.cfg["dense_units"] == config.PROFILES["demo"]["dense_units"]  # None = the profile's value
    assert list(run.parameters_table().index) == list(config.notebook_params("04_crnn_training"))
    assert run.parameters_table().loc["epochs", "set by"] == "notebook parameter"
    del ns["mixup_alpha"]
    with pytest.raises(ConfigError, match="does not assign mixup_alpha"):
        pipeline.start("04_crnn_training", ns)


def test_start_refuses_unregistered_notebooks_and_foreign_parameters(tmp_path):
    with pytest.raises(ConfigError, match="'06_nothing' is not registered"):
        pipeline.start("06_nothing", {}, artifacts_dir=tmp_path)
    with pytest.raises(ConfigError, match="does not take 'epochs'"):
        pipeline.start("01_eda", artifacts_dir=tmp_path, epochs=3)


# --- 01: scan ----------------------------------------------------------------------------------


def test_scan_corpus_saves_manifest_and_dataset(steps):
    adir, scan = steps["adir"], steps["scan"]
    assert len(scan.manifest) == len(ACTORS) * 8 * 2 and scan.skipped.empty
    ds = json.loads(config.artifact_path(adir, "dataset").read_text())
    assert ds["n_files"] == 64 and ds["synthetic"] is True and ds["n_skipped"] == 0
    manifest = pipeline.load_manifest(steps["r2"])
    assert sorted(manifest["actor"].unique()) == list(ACTORS)
    assert set(manifest["emotion"]) == set(config.EMOTIONS)
    assert "SYNTHETIC" in steps["r2"].banner()
    assert ds["corpora"] == {"ravdess": 64}


def test_banner_names_the_corpora_and_their_files(tmp_path):
    run = pipeline.Run(notebook="02_features", cfg=config.resolve("multi"), artifacts_dir=tmp_path, dataset={
        "n_files": 2207, "roots": ["/a", "/b"], "synthetic": False, "fingerprint": "f",
        "corpora": {"ravdess": 2035, "crema-d": 72, "savee": 56, "tess": 44}})
    text = run.banner()
    assert "real recordings of RAVDESS (2035 files), CREMA-D (72 files), SAVEE (56 files), TESS (44 files)" in text
    assert "2207 usable files from /a, /b" in text and "RAVDESS recordings" not in text
    run.dataset["corpora"] = {"ravdess": 2035}
    assert "real RAVDESS recordings" in run.banner()
    run.dataset.pop("corpora")  # a dataset.json of before
    assert "real RAVDESS recordings" in run.banner()


def test_parameters_table_lists_exactly_the_notebooks_parameters(steps):
    table = steps["r2"].parameters_table()
    assert list(table.index) == list(config.NOTEBOOK_PARAMS["02_features"])
    assert "sample_rate" in table.index and "deltas" not in table.index and "max_frames" not in table.index
    assert table.loc["n_mels", "set by"] == "notebook parameter"
    assert table.loc["fmin", "set by"] == "profile 'demo'"
    assert "specaug_time_masks" not in steps["r3"].parameters_table().index


# --- 02: features ------------------------------------------------------------------------------


def test_extract_features_saves_what_load_features_reads(steps):
    fs, loaded = steps["fs"], pipeline.load_features(steps["r3"])
    assert len(fs) == len(loaded) == 64
    assert all(S.shape[0] == 32 for S in loaded.logmels)
    np.testing.assert_array_equal(fs.pooled, loaded.pooled)
    assert loaded.settings["n_mels"] == 32 and loaded.settings["sample_rate"] == 16000


def test_feature_overview_shows_the_real_time_and_cache_counts(steps):
    """The bug: the overview read time_s/computed/cached, which extraction never writes."""
    first, again = steps["overview"]["value"], steps["overview_again"]["value"]
    assert first["files"] == "64" and first["mel bands"] == "32"
    assert first["computed / from cache"] == "64 / 0"
    assert again["computed / from cache"] == "0 / 64"
    seconds = float(first["extraction time s"])  # a number, not "None"
    assert seconds == steps["fs"].stats["seconds"] and seconds > 0


def test_the_encoder_step_and_its_frames_read_back_from_the_cache(steps):
    """Notebook 02 with the encoder on; notebook 04 reads the statistics, and the frames from the cache."""
    r2 = pipeline.start("02_features", artifacts_dir=steps["adir"], encoder="whisper-base", **FAST)
    ef = pipeline.extract_encoder(r2, pipeline.load_manifest(r2))
    r4 = pipeline.start("04_crnn_training", artifacts_dir=steps["adir"], frame_head=True)
    plain = pipeline.load_encoder(r4)
    np.testing.assert_array_equal(plain.pooled, ef.pooled)
    assert plain.frames == [] and ef.frames and ef.frames[0].shape[1] == 512
    fs = pipeline.load_features(r4)
    back = pipeline.load_encoder(r4, frames=True, fs=fs)
    assert back.stats["computed_files"] == 0  # a cache hit
    assert list(back.index["file_id"]) == list(fs.index["file_id"])
    pos = {f: i for i, f in enumerate(ef.index["file_id"])}
    for f, fr in zip(back.index["file_id"], back.frames):
        np.testing.assert_array_equal(fr, ef.frames[pos[f]])
    # a run without the encoder removes the file: notebook 04 then has none
    r2.cfg["encoder"] = "none"
    assert pipeline.extract_encoder(r2, pipeline.load_manifest(r2)) is None
    assert pipeline.load_encoder(r4) is None


# --- 03: prepare -------------------------------------------------------------------------------


def test_prepare_splits_by_actor_and_load_prepared_reads_it(steps):
    p, loaded = steps["prepared"], pipeline.load_prepared(steps["r3"])
    assert set(p.meta_test["actor"]) == {4}
    assert not set(p.meta_train["actor"]) & {4} and not set(p.meta_val["actor"]) & {4}
    assert len(p.meta_val) > 0 and set(p.meta_val["actor"]).isdisjoint(p.meta_train["actor"])
    np.testing.assert_array_equal(p.X_test, loaded.X_test)
    np.testing.assert_array_equal(p.y_train, loaded.y_train)
    assert p.X_train.shape[1:] == p.X_test.shape[1:] and p.X_train.shape[2] == 32  # (n, frames, mels, channels)


def test_load_steps_name_the_notebook_to_run(tmp_path):
    pipeline.write_json(config.artifact_path(tmp_path, "dataset"), {"synthetic": True})
    run = pipeline.start("05_evaluation", artifacts_dir=tmp_path)
    with pytest.raises(ArtifactMissingError, match="01_eda"):
        pipeline.load_manifest(run)
    with pytest.raises(ArtifactMissingError, match="02_features"):
        pipeline.load_features(run)
    with pytest.raises(ArtifactMissingError, match="03_oversampling"):
        pipeline.load_prepared(run)
    with pytest.raises(ArtifactMissingError, match="04_crnn_training"):
        pipeline.load_model_bundle(run)


# --- 05: predict_one (a stand-in for the bundle; training is in test_series) -------------------


class _Bundle:
    def __init__(self, settings: dict, fail: bool = False):
        self.settings = {"features": settings}
        self.fail = fail
        self.asked: list = []

    def predict_paths(self, paths):
        self.asked.extend(map(str, paths))
        if self.fail:
            return pd.DataFrame([{"path": str(paths[0]), "error": "unreadable"}])
        probs = np.full(len(config.EMOTIONS), 0.05)
        probs[4] = 1 - probs[:4].sum() - probs[5:].sum()
        return pd.DataFrame(
            [{"path": str(paths[0]), "emotion": "angry", "error": None, **dict(zip(config.EMOTIONS, probs))}]
        )


def test_predict_one_takes_the_first_test_file(steps):
    p = steps["prepared"]
    fake = _Bundle(steps["fs"].settings)
    out = pipeline.predict_one(steps["r3"], fake, None, p)
    assert fake.asked == [str(p.meta_test["path"].iloc[0])]
    assert out["emotion"] == "angry" and abs(sum(out["probabilities"].values()) - 1) < 1e-9
    assert out["S"].shape[0] == 32 and out["sr"] == 16000 and out["y"].ndim == 1


def test_predict_one_errors_are_clear(steps):
    with pytest.raises(ConfigError, match="no test file"):
        pipeline.predict_one(steps["r3"], _Bundle(steps["fs"].settings), None, None)
    with pytest.raises(ArtifactMissingError, match="could not predict .*unreadable"):
        pipeline.predict_one(
            steps["r3"], _Bundle(steps["fs"].settings, fail=True), steps["scan"].manifest["path"].iloc[0]
        )
