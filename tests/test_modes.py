"""The prediction modes: which file gets which mode, fusion weights chosen on validation actors
(never the test part), single-clip predictions independent of the other files of a call, and a
bundle that predicts the same after saving and loading, in both modes."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ser_utils import features
from ser_utils.config import EMOTIONS, resolve
from ser_utils.data.ravdess import make_filename, parse_filename
from ser_utils.errors import ModelError
from ser_utils.features.encoder import EncoderFeatures
from ser_utils.models import bundle as B
from ser_utils.models import classic, modes, parts, recipe
from ser_utils.models.architectures import build_model
from ser_utils.prep.prepare import prepare_datasets

SR = 8000
ACTORS = list(range(1, 9))


# --- file_modes, choose_weights, fuse_parts ------------------------------------------


def test_a_lone_file_of_a_new_speaker_is_a_single_clip_even_when_per_speaker_is_asked():
    for mode in ("auto", "per_speaker"):
        assert modes.file_modes([21], known=[1, 2], min_clips=8, mode=mode) == ["single_clip"]
        assert modes.file_modes([None], known=[1, 2], min_clips=2, mode=mode) == ["single_clip"]
    # a known (training) actor has stored statistics: per-speaker even alone
    assert modes.file_modes([1], known=[1, 2], min_clips=8) == ["per_speaker"]
    # enough clips of a new speaker in the call: per-speaker for them only
    got = modes.file_modes([21, 21, 21, 22, None], known=[1], min_clips=3)
    assert got == ["per_speaker"] * 3 + ["single_clip"] * 2
    assert modes.file_modes([1, 21, 21, 21], known=[1], min_clips=3, mode="single_clip") == ["single_clip"] * 4
    with pytest.raises(ModelError, match="min_clips"):
        modes.file_modes([1], min_clips=1)
    with pytest.raises(ModelError, match="mode"):
        modes.file_modes([1], min_clips=2, mode="both")


def test_choose_weights_finds_the_informative_part_and_sums_to_one():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(8), 10)
    good = np.eye(8)[y] * 0.6 + rng.random((80, 8)) * 0.5
    noise = rng.random((80, 8))
    w = modes.choose_weights({"noise": noise, "good": good}, y, step=0.1)
    assert abs(sum(w.values()) - 1) < 1e-9 and w["good"] >= 0.5
    fused = modes.fuse_parts({"noise": noise, "good": good}, w)
    assert fused.shape == (80, 8) and fused.dtype == np.float32
    with pytest.raises(ModelError, match="did not compute"):
        modes.fuse_parts({"good": good}, {"good": 0.5, "crnn": 0.5})
    with pytest.raises(ModelError, match="step"):
        modes.choose_weights({"good": good}, y, step=0.3)


# --- a tiny prepared corpus ------------------------------------------------------------


def _cfg(**kw):
    return resolve(
        "demo",
        **{
            **dict(
                sample_rate=SR,
                n_mels=16,
                n_fft=512,
                hop_length=128,
                n_mfcc=13,
                n_jobs=1,
                test_actors=[7, 8],
                n_val_actors=2,
                deltas=0,
                aug_copies=0,
                min_speaker_clips=3,
                pool_stats=["mean", "std"],
                classic_model="logreg",
                frame_head=True,
                frame_head_units=8,
                frame_head_epochs=3,
            ),
            **kw,
        },
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """8 actors x 8 emotions x 2 statements; features, prepared datasets, an untrained CRNN, fake encoder statistics."""
    import soundfile as sf

    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(0)
    rows = []
    for a in ACTORS:
        for e in range(8):
            for st in (1, 2):
                name = make_filename(emotion_id=e + 1, intensity_id=1, statement_id=st, repetition=1, actor=a)
                t = np.arange(int((0.4 + 0.05 * ((a + e) % 4)) * SR)) / SR
                y = 0.2 * np.sin(2 * np.pi * (150 + 40 * e + 7 * a) * t) + 0.01 * rng.normal(size=t.size)
                path = root / f"Actor_{a:02d}" / name
                path.parent.mkdir(exist_ok=True)
                sf.write(str(path), y.astype(np.float32), SR, subtype="PCM_16")
                d = parse_filename(name).as_dict()
                d.update(path=str(path), file_id=path.stem)
                rows.append(d)
    manifest = pd.DataFrame(rows).sort_values("file_id").reset_index(drop=True)
    cfg = _cfg()
    fs = features.extract(
        manifest, settings=features.feature_settings(cfg), cache_dir=None, n_jobs=1, progress=False, summary=False
    )
    prepared = prepare_datasets(fs, cfg, cache_dir=None, progress=False)
    model = build_model(
        "attn_crnn",
        input_shape=tuple(prepared.X_train.shape[1:]),
        conv_filters=[4, 8],
        lstm_units=[8],
        dense_units=8,
        seed=0,
    )
    # encoder statistics that carry the emotion (and the actor), 32 values per file
    lab = fs.index["label"].to_numpy()
    act = fs.index["actor"].to_numpy()
    E = np.eye(8)[lab] @ rng.normal(size=(8, 32)) + 0.3 * act[:, None] + rng.normal(scale=0.5, size=(len(lab), 32))
    # and frame sequences of 3-7 frames of 16 values that carry it too
    F = [
        (np.eye(8, 16)[lab[i]] + 0.1 * act[i] + rng.normal(scale=0.5, size=(3 + i % 5, 16))).astype(np.float16)
        for i in range(len(lab))
    ]
    enc = EncoderFeatures(
        E.astype(np.float32),
        [f"e{i}" for i in range(32)],
        F,
        fs.index[["file_id"]].copy(),
        {"encoder": "whisper-base", "model_sha256": "0" * 64, "compute_type": "int8", "pool_stats": ["mean", "std"]},
    )
    return SimpleNamespace(cfg=cfg, fs=fs, prepared=prepared, model=model, enc=enc, manifest=manifest)


def _probe(fitted: dict, d: dict[str, int]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    return {k: m.predict_proba(rng.normal(size=(7, d[k]))) for k, m in fitted.items()}


def test_fusion_weights_and_heads_never_see_the_test_part(corpus):
    p = corpus.prepared
    a = parts.fit_mode_parts(corpus.cfg, p, model=corpus.model, enc=corpus.enc, fs=corpus.fs, log=None)
    test_ids = set(p.meta_test["file_id"])
    # move every test vector and label: logmels, pooled vectors, encoder statistics, inputs, labels
    rng = np.random.default_rng(9)
    p2 = copy.copy(p)
    p2.P_test = rng.normal(size=p.P_test.shape).astype(np.float32)
    p2.X_test = rng.normal(size=p.X_test.shape).astype(np.float32)
    p2.y_test = (np.asarray(p.y_test) + 3) % 8
    p2.meta_test = p.meta_test.assign(label=p2.y_test)
    enc2 = copy.copy(corpus.enc)
    is_test = corpus.enc.index["file_id"].isin(test_ids).to_numpy()
    enc2.pooled = corpus.enc.pooled.copy()
    enc2.pooled[is_test] = rng.normal(size=(is_test.sum(), 32))
    enc2.frames = [rng.normal(size=f.shape).astype(f.dtype) if t else f for f, t in zip(corpus.enc.frames, is_test)]
    fs2 = copy.copy(corpus.fs)
    fs2.logmels = [
        S if fid not in test_ids else rng.normal(size=S.shape).astype(np.float32)
        for S, fid in zip(corpus.fs.logmels, corpus.fs.index["file_id"])
    ]
    b = parts.fit_mode_parts(corpus.cfg, p2, model=corpus.model, enc=enc2, fs=fs2, log=None)
    assert a["settings"] == b["settings"]
    assert set(a["files"]) == set(b["files"]) and a["files"]
    dims = {"encoder_per_speaker": 32, "encoder_single_clip": 32, "classic_single_clip": p.P_train.shape[1]}
    sk = {k: v for k, v in a["files"].items() if not k.startswith("frame_")}
    for k, v in _probe(sk, dims).items():
        np.testing.assert_array_equal(v, _probe({j: b["files"][j] for j in sk}, dims)[k])
    # the frame heads (Keras) learnt the same weights
    for k in [k for k in a["files"] if k.startswith("frame_")]:
        for w1, w2 in zip(a["files"][k].get_weights(), b["files"][k].get_weights(), strict=True):
            np.testing.assert_array_equal(w1, w2)
    for k in a["norms"]:
        for s in a["norms"][k]:
            np.testing.assert_array_equal(a["norms"][k][s], b["norms"][k][s])
    # the weights were chosen on the validation actors
    assert "validation actors" in a["settings"]["prediction_modes"]["chosen_on"]
    val_actors = sorted(set(int(x) for x in p.meta_val["actor"]))
    assert str(val_actors) in a["settings"]["prediction_modes"]["chosen_on"]
    assert not set(val_actors) & {7, 8}


def test_without_validation_files_every_mode_fuses_its_parts_equally_and_says_so(corpus):
    p = copy.copy(corpus.prepared)
    p.X_val, p.y_val, p.len_val = p.X_val[:0], p.y_val[:0], p.len_val[:0]
    p.P_val, p.meta_val = p.P_val[:0], p.meta_val.iloc[:0]
    lines: list[str] = []
    mp = parts.fit_mode_parts(corpus.cfg, p, model=corpus.model, enc=corpus.enc, fs=corpus.fs, log=lines.append)
    pm = mp["settings"]["prediction_modes"]
    for m in ("per_speaker", "single_clip"):
        assert pm[m]["weights"] == {"crnn": 0.333333, "classic": 0.333333, "encoder": 0.333334}
        assert pm[m]["val_uar"] is None
    assert "no validation files" in pm["chosen_on"]
    notes = " ".join(pm["fallbacks"])
    assert "no validation files" in notes and "equal weights" in notes
    assert "frame head needs validation files" in notes  # no frame head without early stopping
    assert not [k for k in mp["files"] if k.startswith("frame_")]
    assert {"classic_single_clip", "encoder_per_speaker", "encoder_single_clip"} <= set(mp["files"])
    assert any(line.startswith("fallback (prediction modes): no validation files") for line in lines)
    json.dumps(mp["settings"])


@pytest.fixture(scope="module")
def saved(corpus, tmp_path_factory):
    """A bundle with every part (CRNN, classic, single-clip classic, encoder heads) saved and loaded."""
    p = corpus.prepared
    mp = parts.fit_mode_parts(corpus.cfg, p, model=corpus.model, enc=corpus.enc, fs=corpus.fs, log=None)
    # every part in both modes, whatever the validation chose, so that each is exercised
    pm = mp["settings"]["prediction_modes"]
    pm["per_speaker"]["weights"] = {"crnn": 0.3, "classic": 0.2, "encoder": 0.3, "frame": 0.2}
    pm["single_clip"]["weights"] = {"crnn": 0.2, "classic": 0.3, "encoder": 0.3, "frame": 0.2}
    is_tr = (p.split_df["part"] == "train").to_numpy()
    heads, _, fnorm = parts._fit_frame_heads(
        corpus.cfg,
        corpus.enc,
        train=(p.split_df["file_id"][is_tr].to_numpy(), p.split_df["actor"][is_tr].to_numpy(), p.y_train_pooled),
        val=(p.meta_val["file_id"].to_numpy(), p.meta_val["actor"].to_numpy(), p.y_val),
        log=None,
    )
    E_all = np.asarray(corpus.enc.pooled, np.float64)
    sd = p.split_df
    fit_ids = sd["file_id"][sd["part"] != "test"].to_numpy()
    rows = parts.rows_by_id(corpus.enc.index["file_id"], fit_ids)
    y_fit, a_fit = corpus.fs.index["label"].to_numpy()[rows], corpus.fs.index["actor"].to_numpy()[rows]
    Eps, enorm = parts._per_speaker(E_all[rows], a_fit)
    files = {
        "encoder_per_speaker": parts._fit_head(Eps, y_fit, corpus.cfg),
        "encoder_single_clip": parts._fit_head(E_all[rows], y_fit, corpus.cfg),
        "classic_single_clip": classic.fit_configured(np.asarray(corpus.fs.pooled)[rows], y_fit, corpus.cfg),
        "frame_per_speaker": heads["per_speaker"],
        "frame_single_clip": heads["single_clip"],
    }
    cmodel, cnorm, cinfo = recipe.fit_classic(corpus.cfg, p)
    settings = {**p.settings, **mp["settings"], "classic": cinfo, "model": {"model": "attn_crnn"}}
    folder = B.save_bundle(
        tmp_path_factory.mktemp("b") / "bundle",
        corpus.model,
        settings=settings,
        classic=cmodel,
        classic_norm=cnorm,
        parts=files,
        part_norms={"encoder_norm": enorm, "frame_norm": fnorm},
    )
    mem = B.Bundle(
        folder=folder,
        model=corpus.model,
        settings=B.read_settings(folder),
        classic=cmodel,
        classic_norm=cnorm,
        parts={**files, "encoder_norm": enorm, "frame_norm": fnorm},
    )
    return SimpleNamespace(folder=folder, mem=mem, loaded=B.load_bundle(folder))


def _test_inputs(corpus):
    ids = corpus.prepared.meta_test["file_id"].to_numpy()
    r = parts.rows_by_id(corpus.fs.index["file_id"], ids)
    mels = [corpus.fs.logmels[i] for i in r]
    P = np.asarray(corpus.fs.pooled)[r]
    er = parts.rows_by_id(corpus.enc.index["file_id"], ids)
    E = SimpleNamespace(pooled=np.asarray(corpus.enc.pooled)[er], frames=[corpus.enc.frames[i] for i in er])
    actors = [int(a) for a in corpus.prepared.meta_test["actor"]]
    return mels, P, E, actors


def _one(E, i: int):
    return SimpleNamespace(pooled=E.pooled[i : i + 1], frames=E.frames[i : i + 1])


def test_saved_and_loaded_bundle_predicts_the_same_in_both_modes(corpus, saved):
    assert sorted(p.name for p in saved.folder.iterdir()) == sorted(
        [B.SETTINGS_FILE, B.MODEL_FILE, "classic.skops", "classic_norm.npz", *B.PART_FILES.values()]
    )
    mels, P, E, actors = _test_inputs(corpus)
    for mode in modes.MODES:
        fm = modes.file_modes(actors, known=saved.mem.known_speakers, min_clips=3, mode=mode)
        assert set(fm) == {mode}
        a = saved.mem.mode_probabilities(mels, P, E, actors, fm)
        b = saved.loaded.mode_probabilities(mels, P, E, actors, fm)
        assert np.abs(a - b).max() <= 1e-5
        assert np.allclose(a.sum(1), 1, atol=1e-4)
    ps = saved.loaded.mode_probabilities(mels, P, E, actors, ["per_speaker"] * len(actors))
    sc = saved.loaded.mode_probabilities(mels, P, E, actors, ["single_clip"] * len(actors))
    assert np.abs(ps - sc).max() > 1e-3  # the modes differ


def test_single_clip_of_a_file_does_not_depend_on_the_other_files_of_the_call(corpus, saved):
    mels, P, E, actors = _test_inputs(corpus)
    b = saved.loaded
    together = b.mode_probabilities(mels, P, E, actors, ["single_clip"] * len(actors))
    for i in (0, 5, len(actors) - 1):
        alone = b.mode_probabilities([mels[i]], P[i : i + 1], _one(E, i), [actors[i]], ["single_clip"])
        assert np.abs(alone[0] - together[i]).max() <= 1e-6


def test_predict_paths_gives_a_lone_unseen_file_single_clip_mode(corpus, tmp_path):
    p = corpus.prepared
    mp = parts.fit_mode_parts(
        corpus.cfg, p, model=corpus.model, enc=None, fs=corpus.fs, log=None
    )  # no encoder: no weights needed
    cmodel, cnorm, cinfo = recipe.fit_classic(corpus.cfg, p)
    folder = B.save_bundle(
        tmp_path / "bundle",
        corpus.model,
        settings={**p.settings, **mp["settings"], "classic": cinfo},
        classic=cmodel,
        classic_norm=cnorm,
        parts=mp["files"],
        part_norms=mp["norms"],
    )
    b = B.load_bundle(folder)
    test_paths = list(p.meta_test["path"])
    lone = b.predict_paths(test_paths[:1], mode="per_speaker")
    assert lone["mode"].tolist() == ["single_clip"]
    forced = b.predict_paths(test_paths[:1], mode="single_clip")
    np.testing.assert_allclose(lone[list(EMOTIONS)].to_numpy(float), forced[list(EMOTIONS)].to_numpy(float), atol=1e-6)
    many = b.predict_paths(test_paths)
    assert set(many["mode"]) == {"per_speaker"}  # 16 clips of each test actor, min_speaker_clips 3
    # the first file, single clip, alone and among the others' files
    among = b.predict_paths(test_paths, mode="single_clip")
    np.testing.assert_allclose(
        among[list(EMOTIONS)].to_numpy(float)[0], forced[list(EMOTIONS)].to_numpy(float)[0], atol=1e-6
    )
    assert b.prediction_modes["min_speaker_clips"] == 3


def test_a_bundle_missing_its_frame_head_is_refused_by_name(saved, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(saved.folder, broken)
    (broken / "frame_single_clip.keras").unlink()
    with pytest.raises(ModelError, match="frame_single_clip.keras is missing"):
        B.load_bundle(broken)
    (broken / "frame_single_clip.keras").write_bytes(b"not a keras file")
    with pytest.raises(ModelError, match="frame_single_clip.keras could not be loaded"):
        B.load_bundle(broken)


def test_the_frame_head_needs_frames_and_says_so(corpus, saved):
    mels, P, E, actors = _test_inputs(corpus)
    with pytest.raises(ModelError, match="frame"):
        saved.loaded.mode_probabilities(mels, P, E.pooled, actors, ["single_clip"] * len(actors))
