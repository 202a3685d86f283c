"""ser_utils.files: atomic writes and the one JSON encoder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from ser_utils import files


def test_write_json_converts_numpy_paths_and_sets(tmp_path):
    p = files.write_json(
        tmp_path / "sub" / "x.json", {"a": np.float32(0.5), "b": np.arange(3), "c": Path("/x"), "d": {2, 1}}
    )
    assert json.loads(p.read_text()) == {"a": 0.5, "b": [0, 1, 2], "c": "/x", "d": [1, 2]}
    assert files.read_json(p)["b"] == [0, 1, 2]


def test_unknown_type_is_refused_by_name(tmp_path):
    with pytest.raises(TypeError, match="object is not JSON serialisable"):
        files.to_json({"x": object()})


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    p = files.write_text(tmp_path / "a.txt", "old")

    def boom(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.atomic_write(p, boom)
    assert p.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["a.txt"]


def test_written_files_get_a_plain_files_mode(tmp_path):
    mask = os.umask(0o022)
    try:
        p = files.write_text(tmp_path / "r.html", "<p>")
    finally:
        os.umask(mask)
    assert p.stat().st_mode & 0o777 == 0o644
