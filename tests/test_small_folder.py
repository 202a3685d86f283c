"""A 50-file folder with a random split runs through notebooks 01-03 (the issue's small-folder case)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory) -> Path:
    """50 files of the demo corpus (2 actors, every emotion), copied flat into a folder of their own."""
    from ser_utils.data import synth

    demo = tmp_path_factory.mktemp("demo") / "demo"
    m = synth.make_corpus(demo, actors=2, seed=1, sample_rate=16000, n_jobs=1)
    ranked = m.sort_values("file_id").assign(rank=lambda d: d.groupby("emotion").cumcount())
    pick = ranked[(ranked["rank"] < 6) | ((ranked["rank"] == 6) & ranked["emotion"].isin(["calm", "happy"]))]
    assert len(pick) == 50 and pick["emotion"].nunique() == 8
    out = tmp_path_factory.mktemp("small") / "ravdess-50"
    out.mkdir()
    for p in pick["path"]:
        shutil.copyfile(p, out / Path(p).name)
    return out


def test_fifty_files_with_a_random_split_run_through_notebook_03(small_folder, tmp_path):
    nb = tmp_path / "notebooks"
    nb.mkdir()
    for name in ("01_eda", "02_features", "03_oversampling"):
        shutil.copyfile(ROOT / "notebooks" / f"{name}.ipynb", nb / f"{name}.ipynb")
    args = [
        sys.executable,
        "-m",
        "ser_utils.reporting.report",
        "--data-dir",
        str(small_folder),
        "--profile",
        "demo",
        "--notebooks-dir",
        str(nb),
        "--artifacts-dir",
        str(tmp_path / "a"),
        "--reports-dir",
        str(tmp_path / "r"),
        "-p",
        "split",
        "random",
        "-p",
        "n_mels",
        "32",
    ]
    proc = subprocess.run(args, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    import pandas as pd

    split = pd.read_csv(next((tmp_path / "a").rglob("split.csv")))
    assert len(split) == 50
    table = pd.crosstab(split["emotion"], split["part"])
    assert table.shape == (8, 3) and (table >= 1).all().all()
