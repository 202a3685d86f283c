"""Small folders run through the notebooks: a 50-file folder with a random split through 01-03, and
folders too small for parts of the pipeline through 01-05, each step falling back to what the data
allows and saying so (issue 19)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
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


# --------------------------------------------------------------------------- notebooks 01-05 on small folders

SERIES = ("01_eda", "02_features", "03_oversampling", "04_crnn_training", "05_evaluation")
QUICK = [
    "-p", "epochs", "2", "-p", "n_mels", "32", "-p", "conv_filters", "[4, 8]", "-p", "lstm_units", "[8]",
    "-p", "dense_units", "8", "-p", "n_jobs", "1",
]


def _synth_folder(out: Path, counts: dict[int, dict[str, int]], *, seed: int = 3) -> list[str]:
    """Speech files of the demo corpus's voices, ``counts[actor][emotion]`` of each, flat in ``out``; their ids.

    Only the chosen files are synthesised (:func:`ser_utils.data.synth.synthesize`), so the
    folder is quick to make.
    """
    import soundfile as sf

    from ser_utils.data import synth

    plan = synth.corpus_plan(sorted(counts))
    plan = plan[plan["vocal_channel"] == "speech"].sort_values("file_id")
    out.mkdir(parents=True, exist_ok=True)
    ids = []
    for actor, per in counts.items():
        for emotion, n in per.items():
            rows = plan[(plan["actor"] == actor) & (plan["emotion"] == emotion)].head(n)
            assert len(rows) == n, (actor, emotion, n)
            for fid in rows["file_id"]:
                sf.write(str(out / f"{fid}.wav"), synth.synthesize(fid, seed=seed, sample_rate=16000), 16000)
                ids.append(fid)
    return ids


def _odd_files(out: Path, *, actor: int, seed: int = 3) -> dict[str, str]:
    """The odd files of the issue, RAVDESS-named (actor ``actor``, ids no real file uses); name -> what it is."""
    import soundfile as sf
    from media import encode

    from ser_utils.data import synth

    rng = np.random.default_rng(0)
    sr = 16000

    def fid(k: int) -> str:  # strong intensity, repetition 2: ids _synth_folder's picks (normal intensity) never use
        return f"03-01-{(k % 7) + 2:02d}-02-{1 + (k < 7):02d}-02-{actor:02d}"

    def voice(k: int) -> np.ndarray:
        return synth.synthesize(fid(k), seed=seed, sample_rate=sr)

    odd: dict[str, str] = {}

    def put(k: int, ext: str, what: str) -> Path:
        p = out / f"{fid(k)}{ext}"
        odd[p.name] = what
        return p

    put(0, ".wav", "random bytes").write_bytes(rng.bytes(20000))
    put(1, ".wav", "empty").write_bytes(b"")
    p = put(2, ".wav", "truncated")
    sf.write(str(p), voice(2), sr)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 3])
    sf.write(str(put(3, ".wav", "silent")), np.zeros(2 * sr, np.float32), sr)
    sf.write(str(put(4, ".wav", "0.1 s")), voice(4)[: sr // 10], sr)
    put(5, ".wav", "text").write_text("not audio\n" * 50)
    y = voice(6).copy()
    y[100:600] = np.nan
    sf.write(str(put(6, ".wav", "NaN samples")), y, sr, subtype="FLOAT")
    # audio that is odd but usable: these become files of the corpus
    y = voice(7)
    sf.write(str(put(7, ".wav", "60 s")), np.tile(y, int(60 * sr / len(y)) + 1)[: 60 * sr], sr)
    sf.write(str(put(8, ".wav", "stereo")), np.stack([voice(8), 0.5 * voice(8)], 1), sr)
    sf.write(str(put(9, ".wav", "8 kHz")), synth.synthesize(fid(9), seed=seed, sample_rate=8000), 8000)
    sf.write(str(put(10, ".wav", "24-bit")), voice(10), sr, subtype="PCM_24")
    sf.write(str(put(11, ".wav", "float")), voice(11), sr, subtype="FLOAT")
    sf.write(str(put(12, ".flac", "FLAC")), voice(12), sr)
    encode(out / f"01{fid(13)[2:]}.mp4", voice(13), sr, "mp4")  # a video (RAVDESS full-AV name)
    odd[f"01{fid(13)[2:]}.mp4"] = "video"
    (out / "notes.txt").write_text("a note\n")
    odd["notes.txt"] = "text"
    return odd


def _run_series(data: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    nb = tmp / "notebooks"
    nb.mkdir(exist_ok=True)
    for name in SERIES:
        shutil.copyfile(ROOT / "notebooks" / f"{name}.ipynb", nb / f"{name}.ipynb")
    args = [
        sys.executable, "-m", "ser_utils.reporting", "--data-dir", str(data), "--profile", "demo",
        "--notebooks-dir", str(nb), "--artifacts-dir", str(tmp / "a"), "--reports-dir", str(tmp / "r"), *QUICK, *extra,
    ]
    return subprocess.run(args, check=False, cwd=tmp, capture_output=True, text=True, timeout=1200)


def _read(tmp: Path, name: str) -> dict:
    import json

    return json.loads(next((tmp / "a").rglob(name)).read_text())


def _outputs(tmp: Path, notebook: str) -> str:
    """Every stream output of an executed notebook, as one text."""
    import json

    nb = json.loads((tmp / "a" / "executed" / f"{notebook}.ipynb").read_text())
    return "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"])


def test_a_45_file_folder_of_three_actors_with_odd_files_runs_to_the_end(tmp_path):
    """The issue's report: 45 files of three actors plus odd ones, split random, notebooks 01-05 end to end."""
    common = {"calm": 2, "happy": 2, "sad": 2, "angry": 2, "fearful": 2, "disgust": 2}
    counts = {  # 15 files per actor; neutral has 3 files (one each), surprised 2
        1: {"neutral": 1, "surprised": 1, **common, "angry": 3},
        2: {"neutral": 1, "surprised": 1, **common, "angry": 3},
        3: {"neutral": 1, **common, "angry": 4},
    }
    data = tmp_path / "folder"
    ids = _synth_folder(data, counts)
    assert len(ids) == 45
    odd = _odd_files(data, actor=3)
    proc = _run_series(data, tmp_path, "-p", "split", "random")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for name in SERIES:
        assert f"{name} ... ok" in proc.stdout

    import pandas as pd

    skipped = pd.read_csv(next((tmp_path / "a").rglob("skipped.csv")))
    named = {Path(p).name for p in skipped["path"]}
    unusable = {n for n, what in odd.items() if what not in ("60 s", "stereo", "8 kHz", "24-bit", "float", "FLAC")}
    assert unusable <= named, unusable - named  # notebook 01 names every odd file it cannot use
    # the fallbacks, where the report shows them
    prep = _read(tmp_path, "prep_settings.json")["settings"]["fallbacks"]
    assert any("random split" in n and "surprised has 2" in n for n in prep), prep
    info = _read(tmp_path, "train_info.json")
    modes_notes = " ".join(info["prediction_modes"]["fallbacks"])
    assert "choosing the fusion weights" in modes_notes and "the logistic regression alone" in modes_notes
    assert "neutral" in modes_notes  # one neutral file in the training part
    assert info["classic"]["kind_asked"] == "svm+logreg" and isinstance(info["classic"]["fallbacks"], list)
    bundle = json.loads((Path(info["bundle_dir"]) / "bundle.json").read_text())
    from ser_utils.models.settings import fallbacks

    every = fallbacks(bundle)
    assert any(n.startswith("data preparation: random split") for n in every)
    assert any(n.startswith("prediction modes: choosing the fusion weights") for n in every)
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["n_test"] >= 8
    assert any("surprised has 2" in n for n in metrics["fallbacks"])
    assert any(n.startswith("prediction modes:") for n in metrics["fallbacks"])  # the training ones too
    assert "Small data" in metrics["protocol"]
    printed = _outputs(tmp_path, "04_crnn_training")
    assert "fallback (prediction modes): choosing the fusion weights" in printed
    assert "- data preparation: random split" in printed and "- prediction modes: choosing" in printed  # its list
    assert "fallback (data preparation): random split" in _outputs(tmp_path, "03_oversampling")


def test_a_folder_where_one_class_has_one_file_runs_to_the_end(tmp_path):
    per = {"calm": 3, "happy": 3, "sad": 3, "angry": 3, "fearful": 2, "disgust": 2, "surprised": 2}
    data = tmp_path / "folder"
    _synth_folder(data, {1: {"neutral": 1, **per}, 2: per})
    proc = _run_series(data, tmp_path, "-p", "split", "random", "-p", "balance", "smote")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    import pandas as pd

    split = pd.read_csv(next((tmp_path / "a").rglob("split.csv")))
    assert split.loc[split["emotion"] == "neutral", "part"].tolist() == ["train"]  # trained on, not tested
    prep = " ".join(_read(tmp_path, "prep_settings.json")["settings"]["fallbacks"])
    assert "neutral has 1 (training only, so it is not tested)" in prep
    assert "SMOTE needs two training rows" in prep and "neutral" in prep
    info = _read(tmp_path, "train_info.json")
    assert info["classic"]["kind"] == "logreg"  # the one neutral file: no SVM calibration
    assert any("neutral has one" in n for n in info["classic"]["fallbacks"])
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["status"] == "ok" and "neutral" in metrics["per_class"]


def test_a_speaker_split_of_two_actors_runs_without_a_validation_part(tmp_path):
    per = {e: 2 for e in ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")}
    data = tmp_path / "folder"
    _synth_folder(data, {1: per, 2: per})
    proc = _run_series(data, tmp_path, "-p", "split", "speaker")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    prep = _read(tmp_path, "prep_settings.json")["settings"]
    assert prep["actors"]["val"] == [] and len(prep["actors"]["test"]) == 1
    assert any("0 validation actor(s) instead of 2" in n for n in prep["fallbacks"])
    info = _read(tmp_path, "train_info.json")
    assert info["epochs_run"] == 2 and info["monitor"] == "loss" and info["n_val"] == 0
    assert any("no validation part" in n for n in info["fallbacks"])
    pm = info["prediction_modes"]
    assert pm["per_speaker"]["weights"] == {"crnn": 0.5, "classic": 0.5} and pm["per_speaker"]["val_uar"] is None
    assert any("equal weights" in n for n in pm["fallbacks"])
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["status"] == "ok" and metrics["val_actors"] == []
