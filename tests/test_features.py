"""Tests of ser_utils.features: shapes, fixed length, the content-keyed cache, transforms."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from ser_utils import config
from ser_utils import features as F
from ser_utils.errors import ArtifactMissingError, ConfigError, FeatureError, SERError
from ser_utils.features import extraction

SR = 16000
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _settings(**kw):
    cfg = config.resolve(
        "demo", **{"n_mels": 32, "n_fft": 512, "hop_length": 256, "n_mfcc": 13, "pool_stats": ["mean", "std"], **kw}
    )
    return F.feature_settings(cfg)


def _tone(i: int, seconds: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(i)
    t = np.arange(int(seconds * SR)) / SR
    y = 0.3 * np.sin(2 * np.pi * (150 + 40 * i) * t) + 0.01 * rng.standard_normal(t.size)
    y[: SR // 5] *= 0.001  # quiet lead-in that trimming removes
    return y.astype(np.float32)


def _sha1(p: Path) -> str:
    return hashlib.sha1(p.read_bytes()).hexdigest()


def _manifest(folder: Path, n: int = 6) -> pd.DataFrame:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        p = folder / f"03-01-0{1 + i % 8}-01-01-01-{1 + i:02d}.wav"
        sf.write(p, _tone(i), SR, subtype="PCM_16")
        rows.append({"path": str(p), "file_id": p.stem, "sha1": _sha1(p), "actor": 1 + i, "label": i % 8})
    return pd.DataFrame(rows)


def _entries(cache: Path, group: str) -> list[Path]:
    return sorted(cache.glob(f"{group}-*/*.npy"))


# --- per-signal functions ------------------------------------------------------------


def test_logmel_shape_range_and_short_inputs():
    y = _tone(0)
    S = F.logmel(y, sr=SR, n_mels=32, n_fft=512, hop_length=256)
    assert S.shape == (32, 1 + y.size // 256) and S.dtype == np.float32
    assert S.max() == pytest.approx(0.0) and S.min() >= -80.0 - 1e-4
    for y in (np.zeros(SR // 2, np.float32), np.zeros(1, np.float32), np.ones(10, np.float32) * 0.1):
        S = F.logmel(y, sr=SR, n_mels=32, n_fft=512, hop_length=256)
        assert S.shape[0] == 32 and S.shape[1] >= 1 and np.isfinite(S).all()
    with pytest.raises(FeatureError):
        F.logmel(np.zeros((2, 100), np.float32), sr=SR, n_mels=32, n_fft=512, hop_length=256)
    with pytest.raises(FeatureError):
        F.logmel(np.zeros(0, np.float32), sr=SR, n_mels=32, n_fft=512, hop_length=256)


@pytest.mark.parametrize("t", [1, 2, 5, 40])
def test_add_deltas_shapes(t):
    S = np.random.default_rng(0).standard_normal((16, t)).astype(np.float32)
    for order in (0, 1, 2):
        C = F.add_deltas(S, order=order)
        assert C.shape == (order + 1, 16, t) and C.dtype == np.float32
        np.testing.assert_array_equal(C[0], S)
    ramp = np.tile(np.arange(40, dtype=np.float32), (3, 1))
    np.testing.assert_allclose(F.add_deltas(ramp, order=1)[1][:, 5:-5], 1.0, atol=1e-4)
    with pytest.raises(FeatureError):
        F.add_deltas(S, order=3)


def test_frame_features_shapes_names_and_order():
    y = _tone(2)
    names = list(config.FRAME_FEATURES)
    Fm = F.frame_features(y, sr=SR, names=names, n_mfcc=13, n_fft=512, hop_length=256)
    rows = F.frame_feature_names(names, n_mfcc=13)
    assert Fm.shape == (len(rows), 1 + y.size // 256)
    assert len(rows) == 3 * 13 + 12 + 7 + 6 and len(set(rows)) == len(rows)
    assert np.isfinite(Fm).all()
    # order of `names` does not matter; rows follow config.FRAME_FEATURES
    G = F.frame_features(y, sr=SR, names=["f0", "zcr"], n_mfcc=13, n_fft=512, hop_length=256)
    assert F.frame_feature_names(["f0", "zcr"], n_mfcc=13) == ["zcr", "f0"]
    np.testing.assert_allclose(G[0], Fm[rows.index("zcr")])
    # yin finds the tone's pitch (150 + 40 * 2 = 230 Hz) in the voiced part
    f0 = G[1, 20:-5]
    assert abs(np.median(f0) - 230.0) < 5.0
    with pytest.raises(FeatureError):
        F.frame_features(y, sr=SR, names=["nope"], n_mfcc=13, n_fft=512, hop_length=256)
    with pytest.raises(FeatureError):
        F.frame_feature_names(["mfcc"], n_mfcc=50)


def test_pool():
    X = np.array([[1.0, 3.0], [2.0, 2.0]], dtype=np.float32)
    v = F.pool(X)
    np.testing.assert_allclose(v, [2.0, 2.0, 1.0, 0.0])
    assert F.pooled_feature_names(["a", "b"]) == ["a_mean", "b_mean", "a_std", "b_std"]
    with pytest.raises(FeatureError):
        F.pool(np.zeros((3, 0)))


def test_fix_length_crop_pad_lengths():
    long = np.arange(4 * 10, dtype=np.float32).reshape(4, 10)
    short = np.arange(4 * 3, dtype=np.float32).reshape(4, 3) - 50.0
    X, lengths = F.fix_length([long, short], n_frames=6)
    assert X.shape == (2, 6, 4) and X.dtype == np.float32
    np.testing.assert_array_equal(lengths, [6, 3])
    np.testing.assert_array_equal(X[0], long[:, 2:8].T)  # centred crop: (10 - 6) // 2 = 2
    np.testing.assert_array_equal(X[1, :3], short.T)
    assert (X[1, 3:] == short.min()).all()
    X, lengths = F.fix_length([long], n_frames=10)
    np.testing.assert_array_equal(X[0], long.T)
    with pytest.raises(FeatureError):
        F.fix_length([long, np.zeros((5, 3), np.float32)], n_frames=4)
    with pytest.raises(FeatureError):
        F.fix_length([], n_frames=4)
    with pytest.raises(FeatureError):
        F.fix_length([long], n_frames=0)


def test_feature_settings_and_validation(tmp_path):
    s = _settings(frame_features=["f0", "mfcc"])
    assert set(s) == set(F.SETTING_KEYS) and s["frame_features"] == ["mfcc", "f0"]
    with pytest.raises(FeatureError):
        F.feature_settings({"n_mels": 64})
    m = _manifest(tmp_path / "a", n=1)
    with pytest.raises(ConfigError):
        F.extract(m, settings={**s, "n_mels": 2}, cache_dir=None, progress=False)
    with pytest.raises(FeatureError):
        F.extract(m.drop(columns="path"), settings=s, cache_dir=None, progress=False)
    with pytest.raises(FeatureError):
        F.extract(m.iloc[:0], settings=s, cache_dir=None, progress=False)
    with pytest.raises(FeatureError, match="transform_key"):
        F.extract(m, settings=s, cache_dir=tmp_path / "c", transform=lambda y, sr, rng: y, progress=False)
    assert issubclass(FeatureError, SERError)


# --- extract and the cache -----------------------------------------------------------


def test_extract_outputs_and_cache_reuse(tmp_path, capsys):
    m = _manifest(tmp_path / "audio")
    s = _settings()
    cache = tmp_path / "cache"
    a = F.extract(m, settings=s, cache_dir=cache, n_jobs=1, progress=False)
    out = capsys.readouterr().out
    assert "extracted 6 files (0 cached, 6 computed)" in out and "files/s" in out
    assert len(a.logmels) == 6 and all(S.shape[0] == 32 for S in a.logmels)
    assert list(a.index["n_frames"]) == [S.shape[1] for S in a.logmels]
    # trimming removed the quiet 0.2 s lead-in
    assert (a.index["trimmed_duration_s"] < 0.9).all() and (a.index["trimmed_duration_s"] > 0.5).all()
    assert list(a.index["actor"]) == list(m["actor"])  # manifest columns kept, in order
    # default pooled set: log-mel bands + MFCC + MFCC deltas
    assert a.pooled.shape == (6, 2 * (32 + 2 * 13)) == (6, len(a.pooled_names))
    assert a.pooled_names[0] == "logmel_001_mean" and "mfcc_delta_13_std" in a.pooled_names
    assert a.stats["misses"] == 12 and a.stats["computed_files"] == 6
    assert len(_entries(cache, "logmel")) == 6 and len(_entries(cache, "frame")) == 6
    assert len(list(cache.glob("*.json"))) == 2  # settings beside each group folder
    mtimes = {p: p.stat().st_mtime_ns for p in cache.rglob("*.npy")}

    b = F.extract(m, settings=s, cache_dir=cache, n_jobs=1, progress=False)
    assert b.stats["misses"] == 0 and b.stats["cached_files"] == 6 and b.stats["hits"] == 12
    assert "(6 cached, 0 computed)" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*.npy")} == mtimes
    for x, y in zip(a.logmels, b.logmels):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.pooled, b.pooled)
    pd.testing.assert_frame_equal(a.index, b.index)


def test_extract_matches_the_per_signal_functions(tmp_path):
    from ser_utils.data import audio

    m = _manifest(tmp_path / "audio", n=2)
    s = _settings(frame_features=["f0", "mfcc", "rms"])
    fs = F.extract(m, settings=s, cache_dir=None, n_jobs=1, progress=False)
    y, _ = audio.trim(audio.load(m.loc[1, "path"], sr=SR), sr=SR, top_db=s["trim_top_db"])
    S = F.logmel(y, sr=SR, n_mels=32, n_fft=512, hop_length=256)
    np.testing.assert_allclose(fs.logmels[1], S, atol=1e-5)
    assert fs.index.loc[1, "trimmed_duration_s"] == pytest.approx(y.size / SR)
    parts = [F.pool(S)] + [
        F.pool(F.frame_features(y, sr=SR, names=[n], n_mfcc=13, n_fft=512, hop_length=256))
        for n in ("mfcc", "rms", "f0")
    ]
    np.testing.assert_allclose(fs.pooled[1], np.concatenate(parts), rtol=1e-5, atol=1e-4)
    assert fs.pooled_names[2 * 32] == "mfcc_01_mean" and fs.pooled_names[-2:] == ["f0_mean", "f0_std"]


def test_setting_change_recomputes_only_the_affected_group(tmp_path):
    m = _manifest(tmp_path / "audio")
    cache = tmp_path / "cache"
    base = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)

    r = F.extract(m, settings=_settings(n_mfcc=20), cache_dir=cache, n_jobs=1, progress=False)
    assert r.stats["groups"]["logmel"] == {**r.stats["groups"]["logmel"], "hits": 6, "misses": 0}
    assert r.stats["groups"]["frame"]["misses"] == 6
    assert r.pooled.shape[1] == 2 * (32 + 2 * 20)

    r = F.extract(m, settings=_settings(n_mels=24), cache_dir=cache, n_jobs=1, progress=False)
    assert r.stats["groups"]["frame"]["hits"] == 6 and r.stats["groups"]["logmel"]["misses"] == 6
    assert r.logmels[0].shape[0] == 24
    np.testing.assert_array_equal(r.pooled[:, 2 * 24 :], base.pooled[:, 2 * 32 :])  # same MFCC stats

    # adding a frame feature computes only it; the MFCC keys already stored are reused
    r = F.extract(m, settings=_settings(frame_features=["mfcc", "f0"]), cache_dir=cache, n_jobs=1, progress=False)
    assert r.stats["groups"]["logmel"]["misses"] == 0 and r.stats["groups"]["frame"]["misses"] == 6
    r2 = F.extract(m, settings=_settings(frame_features=["mfcc", "f0"]), cache_dir=cache, n_jobs=1, progress=False)
    assert r2.stats["misses"] == 0
    r3 = F.extract(m, settings=_settings(frame_features=["mfcc"]), cache_dir=cache, n_jobs=1, progress=False)
    assert r3.stats["misses"] == 0 and r3.pooled.shape[1] == 2 * (32 + 13)

    # trimming changes both groups
    r = F.extract(m, settings=_settings(trim_silence=False), cache_dir=cache, n_jobs=1, progress=False)
    assert r.stats["groups"]["logmel"]["misses"] == 6 and r.stats["groups"]["frame"]["misses"] == 6
    assert (r.index["n_frames"] > base.index["n_frames"]).all()


def test_changed_file_content_is_recomputed(tmp_path):
    m = _manifest(tmp_path / "audio")
    cache = tmp_path / "cache"
    a = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    p = Path(m.loc[2, "path"])
    sf.write(p, _tone(40), SR, subtype="PCM_16")
    m.loc[2, "sha1"] = _sha1(p)
    b = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    assert b.stats["computed_files"] == 1 and b.stats["cached_files"] == 5
    assert not np.array_equal(a.pooled[2], b.pooled[2])
    np.testing.assert_array_equal(a.pooled[[0, 1, 3, 4, 5]], b.pooled[[0, 1, 3, 4, 5]])
    # without a sha1 column the content hash is computed
    c = F.extract(m.drop(columns="sha1"), settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    assert c.stats["misses"] == 0 and list(c.index["sha1"]) == list(m["sha1"])


def test_failed_cache_write_is_recomputed_later(tmp_path, monkeypatch):
    m = _manifest(tmp_path / "audio")
    cache = tmp_path / "cache"
    real = os.replace
    calls = {"n": 0}

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    a = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    monkeypatch.setattr(os, "replace", real)
    assert a.stats["cache_write_errors"] == 1 and len(a.logmels) == 6
    assert not list(cache.rglob("*.tmp"))
    assert len(_entries(cache, "logmel")) + len(_entries(cache, "frame")) == 11
    b = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    assert b.stats["misses"] == 1 and b.stats["computed_files"] == 1 and b.stats["corrupt_entries"] == 0
    np.testing.assert_array_equal(a.pooled, b.pooled)


def test_crash_mid_write_leaves_no_partial_entry(tmp_path, monkeypatch):
    m = _manifest(tmp_path / "audio")
    cache = tmp_path / "cache"
    real = np.save
    calls = {"n": 0}

    class Killed(Exception):
        pass

    def dying(file, arr, **kw):
        calls["n"] += 1
        if calls["n"] == 5:
            file.write(b"\x93NUMPY half an entry")
            raise Killed("process killed during a cache write")
        return real(file, arr, **kw)

    monkeypatch.setattr(np, "save", dying)
    with pytest.raises(Killed):
        F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    monkeypatch.setattr(np, "save", real)
    assert not list(cache.rglob("*.tmp"))
    assert len(list(cache.rglob("*.npy"))) == 4  # two whole files; nothing half-written
    b = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    assert b.stats["corrupt_entries"] == 0 and b.stats["hits"] == 4 and b.stats["computed_files"] == 4


def test_corrupt_entry_is_a_miss(tmp_path):
    m = _manifest(tmp_path / "audio")
    cache = tmp_path / "cache"
    a = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    lm = _entries(cache, "logmel")[0]
    data = lm.read_bytes()
    lm.write_bytes(data[: len(data) // 2])
    fr = _entries(cache, "frame")[1]
    fr.write_bytes(b"garbage")
    b = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    assert b.stats["corrupt_entries"] == 2 and b.stats["misses"] == 2 and b.stats["computed_files"] == 2
    for x, y in zip(a.logmels, b.logmels):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.pooled, b.pooled)
    c = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    assert c.stats["misses"] == 0 and c.stats["corrupt_entries"] == 0


def _noise(y, sr, rng):
    return (y + 0.05 * rng.standard_normal(y.size)).astype(np.float32)


def test_transform_changes_features_and_key(tmp_path):
    m = _manifest(tmp_path / "audio", n=3)
    cache = tmp_path / "cache"
    plain = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    a = F.extract(
        m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False, transform=_noise, transform_key="noise"
    )
    assert a.stats["misses"] == 6  # its own cache entries, not the plain ones
    assert not np.allclose(a.pooled, plain.pooled)
    assert a.settings["transform_key"] == "noise"
    b = F.extract(
        m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False, transform=_noise, transform_key="noise"
    )
    assert b.stats["misses"] == 0
    np.testing.assert_array_equal(a.pooled, b.pooled)
    # reproducible without the cache, different with another seed
    c = F.extract(
        m, settings=_settings(), cache_dir=None, n_jobs=1, progress=False, transform=_noise, transform_key="noise"
    )
    np.testing.assert_array_equal(a.pooled, c.pooled)
    d = F.extract(
        m,
        settings=_settings(),
        cache_dir=cache,
        n_jobs=1,
        progress=False,
        transform=_noise,
        transform_key="noise",
        seed=1,
    )
    assert d.stats["misses"] == 6 and not np.array_equal(a.pooled, d.pooled)
    assert len(list(cache.glob("logmel-*/"))) == 3


def test_silent_and_very_short_files_never_empty(tmp_path):
    folder = tmp_path / "audio"
    folder.mkdir()
    rows = []
    for i, y in enumerate([np.zeros(SR // 2), np.zeros(5), 0.2 * np.ones(30), _tone(1, seconds=0.05)]):
        p = folder / f"03-01-01-01-01-01-{i + 1:02d}.wav"
        sf.write(p, y.astype(np.float32), SR, subtype="PCM_16")
        rows.append({"path": str(p), "file_id": p.stem})
    m = pd.DataFrame(rows)
    for trim in (True, False):
        fs = F.extract(m, settings=_settings(trim_silence=trim, frame_features=list(config.FRAME_FEATURES)),
                       cache_dir=tmp_path / "c", n_jobs=1, progress=False)
        for S in fs.logmels:
            assert S.shape[0] == 32 and S.shape[1] >= 2 and np.isfinite(S).all()
        assert np.isfinite(fs.pooled).all()
        assert (fs.index["trimmed_duration_s"] > 0).all()
        X, lengths = F.fix_length(fs.logmels, n_frames=20)
        assert (lengths >= 1).all() and np.isfinite(X).all()


@pytest.mark.slow
def test_parallel_matches_sequential(tmp_path, monkeypatch):
    monkeypatch.setattr(extraction, "_MIN_FILES_PER_WORKER", 1)  # parallel even for a few files
    m = _manifest(tmp_path / "audio", n=10)
    s = _settings(frame_features=["mfcc", "chroma", "f0"])
    a = F.extract(m, settings=s, cache_dir=tmp_path / "c1", n_jobs=1, progress=False)
    b = F.extract(m, settings=s, cache_dir=tmp_path / "c2", n_jobs=2, progress=False)
    assert b.stats["n_jobs"] == 2 and a.stats["n_jobs"] == 1
    for x, y in zip(a.logmels, b.logmels):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.pooled, b.pooled)
    # both caches hold the same bytes' worth of arrays
    c = F.extract(m, settings=s, cache_dir=tmp_path / "c2", n_jobs=1, progress=False)
    assert c.stats["misses"] == 0
    np.testing.assert_array_equal(a.pooled, c.pooled)


def test_first_chunk_computed_here_before_workers(tmp_path, monkeypatch):
    """numba's on-disk cache is compiled by this process first, so no two workers race to write it."""
    import joblib

    monkeypatch.setattr(extraction, "_MIN_FILES_PER_WORKER", 1)
    handed: list = []

    class Recording:
        def __init__(self, **kw):
            pass

        def __call__(self, tasks):
            tasks = list(tasks)
            handed.extend(args[0] for _, args, _ in tasks)
            return [fn(*args, **kw) for fn, args, kw in tasks]

    monkeypatch.setattr(joblib, "Parallel", Recording)
    m = _manifest(tmp_path / "audio", n=6)
    s = _settings(frame_features=["f0"])
    fs = F.extract(m, settings=s, cache_dir=tmp_path / "c", n_jobs=2, progress=False)
    assert fs.stats["computed_files"] == 6
    handed_files = sum(len(c) for c in handed)
    assert 1 <= handed_files < 6  # the workers got every chunk but the first one


def test_duplicate_content_computed_once(tmp_path):
    m = _manifest(tmp_path / "audio", n=3)
    dup = m.iloc[[0]].assign(file_id="copy")
    m2 = pd.concat([m, dup], ignore_index=True)
    fs = F.extract(m2, settings=_settings(), cache_dir=tmp_path / "c", n_jobs=1, progress=False)
    assert fs.stats["n_files"] == 4 and fs.stats["computed_files"] == 3
    np.testing.assert_array_equal(fs.pooled[0], fs.pooled[3])


def test_progress_env_switch(monkeypatch):
    monkeypatch.setenv("SER_NO_PROGRESS", "1")
    assert extraction._progress_enabled(True) is False and extraction._progress_enabled("auto") is False
    monkeypatch.delenv("SER_NO_PROGRESS")
    assert extraction._progress_enabled(True) is True and extraction._progress_enabled(False) is False
    with pytest.raises(FeatureError):
        extraction._progress_enabled("yes")


def test_save_load_roundtrip(tmp_path):
    m = _manifest(tmp_path / "audio", n=3)
    fs = F.extract(m, settings=_settings(), cache_dir=None, n_jobs=1, progress=False)
    F.save_feature_set(fs, tmp_path / "fs")
    assert {p.name for p in (tmp_path / "fs").iterdir()} == {"features.npz", "index.csv", "feature_settings.json"}
    back = F.load_feature_set(tmp_path / "fs")
    for x, y in zip(fs.logmels, back.logmels):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(fs.pooled, back.pooled)
    assert back.pooled_names == fs.pooled_names and back.settings == fs.settings
    assert list(back.index["sha1"]) == list(fs.index["sha1"]) and list(back.index["n_frames"]) == list(
        fs.index["n_frames"]
    )
    with pytest.raises(ArtifactMissingError):
        F.load_feature_set(tmp_path / "nothing")
    (tmp_path / "fs" / "index.csv").write_text("path,file_id\nx,y\n")
    with pytest.raises(FeatureError):
        F.load_feature_set(tmp_path / "fs")


@pytest.mark.shared
@pytest.mark.slow
def test_real_corpus_subset(tmp_path):
    root = SHARED / "ravdess-22k"
    if not root.is_dir():
        pytest.skip("../shared/data/ravdess-22k is absent")
    paths = sorted(root.glob("speech/Actor_0[1-2]/*.flac"))[:50]
    m = pd.DataFrame({"path": [str(p) for p in paths], "file_id": [p.stem for p in paths]})
    s = F.feature_settings(config.resolve("full"))
    fs = F.extract(m, settings=s, cache_dir=tmp_path / "c", progress=False)
    assert len(fs) == 50 and all(S.shape[0] == s["n_mels"] for S in fs.logmels)
    # speech clips are 2.9-5.3 s with up to ~1 s of silence at each end
    d = fs.index["trimmed_duration_s"]
    assert d.min() > 0.8 and d.max() < 5.3
    assert (fs.index["n_frames"] == [S.shape[1] for S in fs.logmels]).all()
    again = F.extract(m, settings=s, cache_dir=tmp_path / "c", progress=False)
    assert again.stats["misses"] == 0


def test_pool_statistics_by_hand():
    F_ = np.array([[1.0, 3.0, 2.0, 6.0], [5.0, 5.0, 5.0, 5.0]])
    v = F.pool(F_, stats=["slope", "mean", "p50", "delta_std"])  # taken in POOL_STATS order
    names = F.pooled_feature_names(["a", "b"], stats=["slope", "mean", "p50", "delta_std"])
    assert names == ["a_mean", "b_mean", "a_p50", "b_p50", "a_delta_std", "b_delta_std", "a_slope", "b_slope"]
    got = dict(zip(names, v))
    assert got["a_mean"] == pytest.approx(3.0) and got["b_mean"] == pytest.approx(5.0)
    assert got["a_p50"] == pytest.approx(2.5)
    assert got["a_delta_std"] == pytest.approx(np.std([2.0, -1.0, 4.0]), rel=1e-6) and got["b_delta_std"] == 0
    assert got["a_slope"] == pytest.approx(np.polyfit(np.arange(4), F_[0], 1)[0], rel=1e-6) and got["b_slope"] == 0
    one = F.pool(np.array([[2.0]]), stats=config.POOL_STATS)  # a single frame: no movement
    assert one.tolist() == [2.0, 0.0, 2.0, 2.0, 2.0, 0.0, 0.0]
    with pytest.raises(FeatureError, match="unknown pooling statistic"):
        F.pool(F_, stats=["mean", "max"])
    with pytest.raises(FeatureError, match="empty"):
        F.pool(F_, stats=[])


def test_pool_stats_change_recomputes_only_the_frame_group(tmp_path):
    m = _manifest(tmp_path / "audio")
    cache = tmp_path / "cache"
    base = F.extract(m, settings=_settings(), cache_dir=cache, n_jobs=1, progress=False)
    r = F.extract(m, settings=_settings(pool_stats=list(config.POOL_STATS)), cache_dir=cache, n_jobs=1, progress=False)
    assert r.stats["groups"]["logmel"]["misses"] == 0 and r.stats["groups"]["frame"]["misses"] == 6
    assert r.pooled.shape[1] == 7 * (32 + 2 * 13) == len(r.pooled_names)
    # the mean and std blocks are the same numbers as the default pooling's
    idx = [r.pooled_names.index(n) for n in base.pooled_names]
    np.testing.assert_allclose(r.pooled[:, idx], base.pooled, rtol=1e-6)
    again = F.extract(
        m, settings=_settings(pool_stats=list(config.POOL_STATS)), cache_dir=cache, n_jobs=1, progress=False
    )
    assert again.stats["misses"] == 0
    np.testing.assert_array_equal(again.pooled, r.pooled)
