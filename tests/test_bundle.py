"""ser_utils.models.bundle: save/load round trip, input reproduction, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ser_utils import config, features
from ser_utils.data import audio
from ser_utils.errors import ModelError
from ser_utils.models.architectures import build_model
from ser_utils.models.bundle import MODEL_FILE, SETTINGS_FILE, load_bundle, read_settings, save_bundle
from ser_utils.prep import normalise

SR = 8000
N_FRAMES = 48


def _tone(freq: float, seconds: float = 1.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * freq * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return (y + 0.01 * rng.normal(size=t.size)).astype(np.float32)


def _settings(*, method: str = "global", deltas: int = 1, X=None, lengths=None, actors=None) -> dict:
    cfg = config.resolve("demo", sample_rate=SR, n_mels=16, n_fft=256, hop_length=128, deltas=deltas)
    feats = features.feature_settings(cfg)
    if X is None:
        rng = np.random.default_rng(1)
        X = rng.normal(-40, 10, size=(6, N_FRAMES, 16, deltas + 1)).astype(np.float32)
        lengths = np.full(6, N_FRAMES)
        actors = [1, 1, 2, 2, 3, 3]
    stats = normalise.fit(X, lengths, method=method, actors=actors if method == "per_speaker" else None)
    return {
        "features": feats,
        "deltas": deltas,
        "n_frames": N_FRAMES,
        "normalisation": method,
        "normalisation_stats": stats,  # the names prepare.prepare_datasets uses
        "model": {"model": "attn_crnn", "conv_filters": [4, 8], "lstm_units": [8]},
        "training": {"epochs_run": 0, "note": np.float32(1.5)},  # numpy scalars are fine
    }


def _model(deltas: int = 1, seed: int = 0):
    return build_model(
        "attn_crnn",
        input_shape=(N_FRAMES, 16, deltas + 1),
        conv_filters=[4, 8],
        lstm_units=[8],
        dense_units=8,
        seed=seed,
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A saved bundle (global stats, deltas=1) and three audio files for it."""
    root = tmp_path_factory.mktemp("bundle")
    m = _model()
    folder = save_bundle(root / "bundle", m, settings=_settings())
    import soundfile as sf

    paths = []
    for i, f in enumerate((220.0, 440.0, 880.0)):
        p = root / "audio" / f"clip{i}.wav"
        p.parent.mkdir(exist_ok=True)
        sf.write(p, _tone(f, seconds=0.6 + 0.4 * i, seed=i), SR)
        paths.append(str(p))
    return folder, m, paths


def test_save_writes_keras_and_json_without_pickle(saved):
    folder, m, _ = saved
    names = sorted(p.name for p in folder.iterdir())
    assert names == [SETTINGS_FILE, MODEL_FILE]
    doc = json.loads((folder / SETTINGS_FILE).read_text())
    assert doc["labels"] == list(config.EMOTIONS)
    assert doc["n_frames"] == N_FRAMES and doc["deltas"] == 1
    assert doc["features"]["sample_rate"] == SR and doc["features"]["trim_silence"] is True
    assert doc["normalisation_stats"]["method"] == "global"
    assert doc["model"]["input_shape"] == [N_FRAMES, 16, 2]
    assert doc["model"]["n_params"] == m.count_params()
    assert doc["versions"]["ser_utils"] == __import__("ser_utils").__version__
    assert doc["training"]["note"] == 1.5


def test_round_trip_gives_identical_predictions(saved):
    folder, m, paths = saved
    b = load_bundle(folder)
    X, lengths, ok, errors = b.preprocess(paths)
    assert X.shape == (3, N_FRAMES, 16, 2) and X.dtype == np.float32
    assert ok == paths and errors == []
    np.testing.assert_array_equal(b.predict(X), m.predict(X, verbose=0))
    df = b.predict_paths(paths)
    assert list(df.columns) == ["path", "emotion", *config.EMOTIONS, "error", "mode"]
    np.testing.assert_allclose(df[list(config.EMOTIONS)].sum(axis=1), 1.0, rtol=1e-5)
    assert df["error"].isna().all()
    assert df["emotion"].tolist() == [config.EMOTIONS[i] for i in m.predict(X, verbose=0).argmax(axis=1)]


def test_preprocess_reproduces_the_pipeline_by_hand(saved):
    folder, _, paths = saved
    b = load_bundle(folder)
    X, lengths, _, _ = b.preprocess(paths)
    f = b.features
    mels = []
    for p in paths:
        y = audio.load(p, sr=SR)
        y, _ = audio.trim(y, sr=SR, top_db=f["trim_top_db"])
        S = features.logmel(y, sr=SR, n_mels=16, n_fft=256, hop_length=128, fmin=0.0, fmax=None)
        mels.append(features.add_deltas(S, order=1))
    X0, L0 = features.fix_length([m[0] for m in mels], n_frames=N_FRAMES)
    X1, _ = features.fix_length([m[1] for m in mels], n_frames=N_FRAMES)
    expect = normalise.apply(np.stack([X0, X1], axis=-1), L0, b.norm_stats)
    np.testing.assert_array_equal(lengths, L0)
    assert lengths[0] < N_FRAMES  # the short clip is padded...
    assert np.all(X[0, lengths[0] :] == 0)  # ...and its padding is zero after normalisation
    np.testing.assert_allclose(X, expect, rtol=1e-6, atol=1e-6)


def test_unreadable_file_is_reported_not_raised(saved, tmp_path):
    folder, _, paths = saved
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    b = load_bundle(folder)
    df = b.predict_paths([paths[0], str(bad), str(tmp_path / "missing.flac")])
    assert len(df) == 3
    assert df.loc[0, "error"] is None and df.loc[0, "emotion"] in config.EMOTIONS
    assert "broken.wav" in df.loc[1, "error"] and df.loc[1, "emotion"] is None
    assert np.isnan(df.loc[1, "neutral"])
    assert "missing.flac" in df.loc[2, "error"]
    X, L, ok, errors = b.preprocess([str(bad)])
    assert X.shape == (0, N_FRAMES, 16, 2) and ok == [] and len(errors) == 1


def test_per_speaker_groups_ravdess_actors_and_falls_back_to_global(tmp_path):
    import soundfile as sf

    rng = np.random.default_rng(3)
    X = rng.normal(-40, 10, size=(4, N_FRAMES, 16, 1)).astype(np.float32)
    settings = _settings(method="per_speaker", deltas=0, X=X, lengths=np.full(4, N_FRAMES), actors=[1, 1, 2, 2])
    folder = save_bundle(tmp_path / "b", _model(deltas=0), settings=settings)
    b = load_bundle(folder)
    # two files of unseen actor 5 (quiet and loud copies), one of trained actor 1, one unnamed
    y = _tone(300.0, seed=7)
    p5a = tmp_path / "03-01-05-01-01-01-05.wav"
    p5b = tmp_path / "03-01-05-01-01-02-05.wav"
    p1 = tmp_path / "03-01-05-01-01-01-01.flac"
    px = tmp_path / "mine.wav"
    for p, gain in ((p5a, 0.2), (p5b, 1.0), (p1, 1.0), (px, 1.0)):
        sf.write(p, y * gain, SR)
    paths = [str(p) for p in (p5a, p5b, p1, px)]
    Xn, L, ok, _ = b.preprocess(paths)
    raw = [
        features.add_deltas(
            features.logmel(audio.trim(audio.load(p, sr=SR), sr=SR)[0], sr=SR, n_mels=16, n_fft=256, hop_length=128),
            order=0,
        )[0]
        for p in paths
    ]
    Xr, Lr = features.fix_length(raw, n_frames=N_FRAMES)
    Xr = Xr[..., None]
    stats = b.norm_stats
    np.testing.assert_allclose(Xn[:2], normalise.apply(Xr[:2], Lr[:2], stats, actors=[5, 5]), atol=1e-5)
    np.testing.assert_allclose(Xn[2:3], normalise.apply(Xr[2:3], Lr[2:3], stats, actors=[1]), atol=1e-5)
    np.testing.assert_allclose(Xn[3:], normalise.apply(Xr[3:], Lr[3:], stats, actors=None), atol=1e-5)
    # actor 1's stored statistics differ from the global ones, so the grouping matters
    assert not np.allclose(Xn[2], normalise.apply(Xr[2:3], Lr[2:3], stats, actors=None)[0], atol=1e-3)


def test_missing_or_corrupt_parts_raise_clear_errors(saved, tmp_path):
    folder, _, _ = saved
    with pytest.raises(ModelError, match="does not exist"):
        load_bundle(tmp_path / "nowhere")
    only_json = tmp_path / "only_json"
    only_json.mkdir()
    (only_json / SETTINGS_FILE).write_text((folder / SETTINGS_FILE).read_text())
    with pytest.raises(ModelError, match="model.keras is missing"):
        load_bundle(only_json)
    no_json = tmp_path / "no_json"
    no_json.mkdir()
    (no_json / MODEL_FILE).write_bytes((folder / MODEL_FILE).read_bytes())
    with pytest.raises(ModelError, match="bundle.json is missing"):
        load_bundle(no_json)
    bad_json = tmp_path / "bad_json"
    bad_json.mkdir()
    (bad_json / SETTINGS_FILE).write_text("{not json")
    with pytest.raises(ModelError, match="not readable JSON"):
        read_settings(bad_json)
    bad_model = tmp_path / "bad_model"
    bad_model.mkdir()
    (bad_model / SETTINGS_FILE).write_text((folder / SETTINGS_FILE).read_text())
    (bad_model / MODEL_FILE).write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelError, match="model.keras could not be loaded"):
        load_bundle(bad_model)


def test_save_checks_settings_against_the_model(tmp_path):
    m = _model(deltas=1)
    s = _settings()
    with pytest.raises(ModelError, match="n_frames"):
        save_bundle(tmp_path / "a", m, settings={k: v for k, v in s.items() if k != "n_frames"})
    with pytest.raises(ModelError, match="normalisation_stats"):
        save_bundle(tmp_path / "a", m, settings={k: v for k, v in s.items() if k != "normalisation_stats"})
    with pytest.raises(ModelError, match="features.*lacks hop_length"):
        save_bundle(
            tmp_path / "a", m, settings=dict(s, features={k: v for k, v in s["features"].items() if k != "hop_length"})
        )
    with pytest.raises(ModelError, match="inputs of shape"):
        save_bundle(tmp_path / "a", m, settings=dict(s, deltas=0))
    assert not (tmp_path / "a").exists()


def test_save_replaces_an_existing_bundle(tmp_path):
    s = _settings()
    save_bundle(tmp_path / "b", _model(seed=0), settings=s)
    m2 = _model(seed=5)
    save_bundle(tmp_path / "b", m2, settings=s)
    X = np.random.default_rng(0).normal(size=(2, N_FRAMES, 16, 2)).astype(np.float32)
    np.testing.assert_array_equal(load_bundle(tmp_path / "b").predict(X), m2.predict(X, verbose=0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]  # no temp folders left


def test_read_settings_does_not_import_tensorflow(saved):
    import subprocess
    import sys

    folder, _, _ = saved
    code = (
        "import sys; from ser_utils.models.settings import read_settings; "
        f"s = read_settings({str(folder)!r}); print(s['n_frames'], 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == [str(N_FRAMES), "False"]


def _with_classic(saved, tmp_path, *, weight: float, per_speaker: bool = False):
    """A bundle whose classic part was fitted on jittered pooled vectors of the three clips."""
    import pandas as pd

    from ser_utils.models import classic

    _, m, paths = saved
    settings = _settings()
    fs = features.extract(
        pd.DataFrame({"path": paths, "file_id": ["a", "b", "c"]}),
        settings=settings["features"],
        cache_dir=None,
        n_jobs=1,
        progress=False,
    )
    rng = np.random.default_rng(0)
    P = np.concatenate([fs.pooled + rng.normal(0, 0.05, fs.pooled.shape) * np.abs(fs.pooled) for _ in range(4)])
    y = np.tile([0, 1, 2], 4)
    actors = np.repeat([1, 2, 3, 4], 3)
    norm = normalise.fit_pooled(P, actors) if per_speaker else None
    model = classic.fit(
        normalise.apply_pooled(P, norm, actors=list(actors)) if per_speaker else P, y, kind="logreg", C_logreg=1.0
    )
    settings["classic"] = {
        "kind": "logreg",
        "fusion_weight": weight,
        "n_features": int(P.shape[1]),
        "normalisation": "per_speaker" if per_speaker else "none",
    }
    folder = save_bundle(tmp_path / f"b{weight}", m, settings=settings, classic=model, classic_norm=norm)
    return folder, m, model, fs.pooled, paths


def test_bundle_with_classic_part_predicts_the_weighted_average(saved, tmp_path):
    from ser_utils.models import classic
    from ser_utils.models.bundle import CLASSIC_FILE

    folder, m, model, P, paths = _with_classic(saved, tmp_path, weight=0.3)
    assert sorted(p.name for p in folder.iterdir()) == [SETTINGS_FILE, CLASSIC_FILE, MODEL_FILE]
    b = load_bundle(folder)
    assert b.fusion_weight == pytest.approx(0.3)
    X, _, _, _ = b.preprocess(paths)
    p_crnn = m.predict(X, verbose=0)
    p_classic = classic.probabilities(model, P, n_classes=len(config.EMOTIONS))
    expect = 0.7 * p_crnn + 0.3 * p_classic
    df = b.predict_paths(paths)
    np.testing.assert_allclose(df[list(config.EMOTIONS)].to_numpy(), expect, rtol=1e-5, atol=1e-6)
    assert not np.allclose(expect, p_crnn, atol=1e-3)  # the classic part changed the answer
    # the pooled vectors the bundle computes are those of features.extract
    _, P_b, ok, _ = b.analyse(paths)
    np.testing.assert_allclose(P_b, P, rtol=1e-6)
    # weight 0: the CRNN alone, although the classic part is there
    b0 = load_bundle(_with_classic(saved, tmp_path, weight=0.0)[0])
    np.testing.assert_allclose(b0.predict_paths(paths)[list(config.EMOTIONS)].to_numpy(), p_crnn, rtol=1e-5, atol=1e-6)


def test_bundle_classic_part_per_speaker_and_missing_files(saved, tmp_path):
    from ser_utils.models.bundle import CLASSIC_FILE, CLASSIC_NORM_FILE

    folder, _, _, _, _ = _with_classic(saved, tmp_path, weight=0.5, per_speaker=True)
    assert (folder / CLASSIC_NORM_FILE).is_file()
    b = load_bundle(folder)
    assert b.classic_norm["actors"].tolist() == [1, 2, 3, 4]
    (folder / CLASSIC_NORM_FILE).unlink()
    with pytest.raises(ModelError, match=CLASSIC_NORM_FILE):
        load_bundle(folder)
    (folder / CLASSIC_FILE).unlink()
    with pytest.raises(ModelError, match="classic model file"):
        load_bundle(folder)
    with pytest.raises(ModelError, match="classic_norm"):
        s = _settings()
        s["classic"] = {"fusion_weight": 0.5, "n_features": 3, "normalisation": "per_speaker"}
        save_bundle(tmp_path / "x", _model(), settings=s, classic=object())
    with pytest.raises(ModelError, match="fusion_weight"):
        s["classic"]["fusion_weight"] = 2
        save_bundle(tmp_path / "x", _model(), settings=s, classic=object(), classic_norm={})


def test_save_requires_every_setting_the_feature_extraction_needs(tmp_path):
    s = _settings()
    del s["features"]["n_mfcc"]  # the pooled vectors could not be reproduced at predict time
    with pytest.raises(ModelError, match="n_mfcc"):
        save_bundle(tmp_path / "b", _model(), settings=s)


def test_fuse_is_the_weighted_sum_and_bundle_uses_it():
    from pathlib import Path

    from ser_utils.errors import ModelError
    from ser_utils.models.bundle import Bundle, fuse

    a = np.array([[0.8, 0.2], [0.4, 0.6]])
    b = np.array([[0.2, 0.8], [0.0, 1.0]])
    out = fuse(a, b, weight=0.25)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.65, 0.35], [0.3, 0.7]], rtol=1e-6)
    np.testing.assert_array_equal(fuse(a, b, weight=0.0), a.astype(np.float32))
    np.testing.assert_array_equal(fuse(a, None, weight=0.5), a.astype(np.float32))
    with pytest.raises(ModelError, match=r"\[0, 1\]"):
        fuse(a, b, weight=1.5)
    with pytest.raises(ModelError, match="shape"):
        fuse(a, b[:1], weight=0.5)
    bundle = Bundle(folder=Path("x"), model=None, settings={"classic": {"fusion_weight": 0.25}}, classic=object())
    np.testing.assert_array_equal(bundle.fuse(a, b), out)


def test_speaker_of_reads_every_corpus_name_and_none_for_others(tmp_path):
    from ser_utils.models.bundle import speaker_of

    assert speaker_of("Actor_12/03-01-05-02-01-01-12.wav") == 12
    assert speaker_of("AudioWAV/1001_DFA_ANG_XX.wav") == 1001
    assert speaker_of("OAF_back_angry.wav") == 2001 and speaker_of("YAF_dog_ps.wav") == 2002
    assert speaker_of("DC_a01.wav") == 3001 and speaker_of(tmp_path / "KL" / "h05.wav") == 3004
    assert speaker_of("hello.wav") is None and speaker_of("a01.wav") is None and speaker_of("notes.txt") is None


def test_a_bundle_runs_the_encoder_with_the_layers_it_was_trained_with(monkeypatch):
    from types import SimpleNamespace

    from ser_utils.features import encoder as enc
    from ser_utils.models.bundle import Bundle

    seen = []
    monkeypatch.setattr(enc, "extract_encoder", lambda manifest, *, settings, **kw: seen.append(settings))
    info = {"encoder": "whisper-base", "model_sha256": enc.MODEL_BIN_SHA256, "compute_type": "int8",
            "pool_stats": ["mean", "std"], "frame_pool": 4}
    for stored, runs in (({**info, "layers": 3}, 3), (info, enc.N_LAYERS)):  # older bundles: all layers
        fake = SimpleNamespace(settings={"encoder": stored}, parts=["encoder_single_clip"], folder="b")
        Bundle.encoder_features(fake, ["a.wav"])
        assert seen[-1]["layers"] == runs
