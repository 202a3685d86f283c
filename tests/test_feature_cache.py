"""Tests of ser_utils.features.cache: the API any feature group uses (folders, records)."""

from __future__ import annotations

import hashlib
import json
import os
import time

import numpy as np
import pytest

from ser_utils import features
from ser_utils.errors import FeatureError
from ser_utils.features import cache

SHA = hashlib.sha1(b"some audio").hexdigest()
SETTINGS = {"sample_rate": 16000, "model": "base", "cache_version": 1}


def _arrays():
    return {"emb": np.arange(12, dtype=np.float32).reshape(3, 4), "n_samples": np.int64(16000)}


def test_public_api_is_reexported():
    assert features.group_dir is cache.group_dir and features.read_record is cache.read_record
    assert features.write_record is cache.write_record and features.record_path is cache.record_path


def test_miss_then_hit(tmp_path):
    folder = cache.group_dir(tmp_path / "c", "encoder", SETTINGS)
    path = cache.record_path(folder, SHA)
    assert path == folder / f"{SHA}.npy"
    assert cache.read_record(path) is None
    assert cache.probe_record(path) == (None, "missing")
    cache.write_record(path, _arrays())
    got, status = cache.probe_record(path)
    assert status == "hit" and list(got) == ["emb", "n_samples"]
    np.testing.assert_array_equal(got["emb"], _arrays()["emb"])
    assert got["emb"].dtype == np.float32 and got["emb"].shape == (3, 4) and int(got["n_samples"]) == 16000
    assert not list(folder.glob("*.tmp"))


def test_folder_named_by_settings_hash_with_settings_beside(tmp_path):
    root = tmp_path / "c"
    folder = cache.group_dir(root, "encoder", SETTINGS)
    digest = hashlib.sha1(json.dumps(SETTINGS, sort_keys=True).encode()).hexdigest()[:12]
    assert folder == root / f"encoder-{digest}" and folder.is_dir()
    meta = json.loads((root / f"encoder-{digest}.json").read_text())
    assert meta == {"group": "encoder", "settings": SETTINGS}
    # the same settings in another key order: the same folder
    assert cache.group_dir(root, "encoder", dict(reversed(list(SETTINGS.items())))) == folder


def test_settings_change_gives_another_folder(tmp_path):
    root = tmp_path / "c"
    a = cache.group_dir(root, "encoder", SETTINGS)
    cache.write_record(cache.record_path(a, SHA), _arrays())
    b = cache.group_dir(root, "encoder", {**SETTINGS, "model": "small"})
    assert b != a and b.parent == a.parent
    assert cache.read_record(cache.record_path(b, SHA)) is None  # a miss under the new settings
    assert cache.read_record(cache.record_path(a, SHA)) is not None  # the old entry is kept
    assert cache.group_dir(root, "other", SETTINGS).name.startswith("other-")


def test_corrupt_record_is_a_miss_and_rewritten(tmp_path):
    folder = cache.group_dir(tmp_path / "c", "encoder", SETTINGS)
    path = cache.record_path(folder, SHA)
    cache.write_record(path, _arrays())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated
    assert cache.read_record(path) is None and cache.probe_record(path)[1] == "corrupt"
    path.write_bytes(b"not a numpy file at all")
    assert cache.probe_record(path)[1] == "corrupt"
    np.save(path, np.zeros(3, np.float32))  # a plain array, not a record
    assert cache.probe_record(path)[1] == "corrupt"
    cache.write_record(path, _arrays())  # the caller recomputes and rewrites
    assert cache.probe_record(path)[1] == "hit"


def test_validate_rejects_a_record(tmp_path):
    folder = cache.group_dir(tmp_path / "c", "encoder", SETTINGS)
    path = cache.record_path(folder, SHA)
    cache.write_record(path, _arrays())
    assert cache.read_record(path, validate=lambda d: d["emb"].shape == (3, 4)) is not None
    assert cache.read_record(path, validate=lambda d: d["emb"].shape == (5, 4)) is None
    assert cache.probe_record(path, validate=lambda d: "other" in d) == (None, "corrupt")


def test_failed_write_keeps_the_old_record(tmp_path, monkeypatch):
    folder = cache.group_dir(tmp_path / "c", "encoder", SETTINGS)
    path = cache.record_path(folder, SHA)
    cache.write_record(path, _arrays())

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", full_disk)
    with pytest.raises(OSError):
        cache.write_record(path, {"emb": np.ones(2, np.float32)})
    monkeypatch.undo()
    np.testing.assert_array_equal(cache.read_record(path)["emb"], _arrays()["emb"])
    assert not list(folder.glob("*.tmp"))


def test_stale_temp_files_are_swept(tmp_path):
    folder = cache.group_dir(tmp_path / "c", "encoder", SETTINGS)
    old, fresh = folder / f".{SHA}.npy.abc.tmp", folder / f".{SHA}.npy.def.tmp"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    past = time.time() - 2 * cache.STALE_TMP_S
    os.utime(old, (past, past))
    cache.group_dir(tmp_path / "c", "encoder", SETTINGS)
    assert not old.exists() and fresh.exists()


def test_bad_arguments_raise_feature_errors(tmp_path):
    with pytest.raises(FeatureError, match="plain name"):
        cache.group_dir(tmp_path, "../up", SETTINGS)
    with pytest.raises(FeatureError, match="40-digit"):
        cache.record_path(tmp_path, "abc")
    with pytest.raises(FeatureError, match="non-empty dict"):
        cache.write_record(tmp_path / "x.npy", {})
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(FeatureError, match="writable cache_dir"):
        cache.group_dir(blocker, "encoder", SETTINGS)


def test_content_sha1_is_the_file_hash(tmp_path):
    p = tmp_path / "a.bin"
    p.write_bytes(b"some audio")
    assert cache.content_sha1(p) == SHA
    with pytest.raises(FeatureError, match="cannot read"):
        cache.content_sha1(tmp_path / "missing.bin")
