"""ser_utils.data.locate: where we run and where the data is, with every environment faked."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from ser_utils.data import locate as env
from ser_utils.errors import DataError

SPEECH = "03-01-05-02-01-01-{a:02d}.wav"
SONG = "03-02-03-01-02-01-{a:02d}.wav"


def touch(path: Path, data: bytes = b"RIFF") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def fake_kaggle_input(root: Path) -> Path:
    """Both Kaggle RAVDESS datasets, each actor folder twice as on Kaggle, plus noise."""
    for a in (1, 2):
        for sub in ("", "audio_speech_actors_01-24/"):
            touch(root / "ravdess-emotional-speech-audio" / f"{sub}Actor_{a:02d}" / SPEECH.format(a=a))
        touch(root / "ravdess-emotional-song-audio" / "audio_song_actors_01-24" / f"Actor_{a:02d}" / SONG.format(a=a))
    touch(root / "some-other-dataset" / "Actor_01" / "readme.txt")
    touch(root / "some-other-dataset" / "train.csv")
    return root


# --- detect ------------------------------------------------------------------------------


def test_detect_each_environment(tmp_path):
    nowhere = tmp_path / "no-kaggle"
    assert env.detect({}, {}, kaggle_input=nowhere) == "local"
    assert env.detect({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, {}, kaggle_input=nowhere) == "kaggle"
    assert env.detect({}, {}, kaggle_input=fake_kaggle_input(tmp_path / "input")) == "kaggle"
    assert env.detect({"COLAB_RELEASE_TAG": "release-colab_2026"}, {}, kaggle_input=nowhere) == "colab"
    assert env.detect({"COLAB_GPU": "1"}, {}, kaggle_input=nowhere) == "colab"
    assert env.detect({}, {"google.colab": types.ModuleType("google.colab")}, kaggle_input=nowhere) == "colab"


# --- Kaggle -------------------------------------------------------------------------------


def test_find_kaggle_ravdess_finds_both_datasets_once(tmp_path):
    root = fake_kaggle_input(tmp_path / "input")
    found = env.find_kaggle_ravdess(root)
    assert found == sorted(
        [root / "ravdess-emotional-speech-audio", root / "ravdess-emotional-song-audio" / "audio_song_actors_01-24"]
    )
    assert env.find_kaggle_ravdess(tmp_path / "missing") == []


def test_resolve_on_kaggle_uses_attached_data(tmp_path):
    root = fake_kaggle_input(tmp_path / "input")
    roots, synthetic = env.resolve_data_dir(
        None, environ={"KAGGLE_KERNEL_RUN_TYPE": "Batch"}, kaggle_input=root, project_data=tmp_path / "data"
    )
    assert synthetic is False
    assert len(roots) == 2 and all("ravdess-emotional" in str(r) for r in roots)


# --- explicit paths and SER_DATA_DIR ---------------------------------------------------------


def test_explicit_path_is_checked(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        env.resolve_data_dir(tmp_path / "nope", environ={})
    (tmp_path / "empty").mkdir()
    touch(tmp_path / "empty" / "notes.wav")
    with pytest.raises(DataError, match="no RAVDESS-named"):
        env.resolve_data_dir(tmp_path / "empty", environ={})
    good = touch(tmp_path / "good" / "Actor_03" / SPEECH.format(a=3)).parent.parent
    other = touch(tmp_path / "other" / SONG.format(a=4)).parent
    roots, synthetic = env.resolve_data_dir([good, str(other)], environ={})
    assert roots == [good.resolve(), other.resolve()] and synthetic is False


def test_ser_data_dir_env_var(tmp_path):
    good = touch(tmp_path / "drive" / "RAVDESS" / SPEECH.format(a=5)).parent
    roots, synthetic = env.resolve_data_dir(None, environ={"SER_DATA_DIR": str(good)}, project_data=tmp_path / "d")
    assert roots == [good.resolve()] and not synthetic
    with pytest.raises(DataError, match="SER_DATA_DIR"):
        env.resolve_data_dir(None, environ={"SER_DATA_DIR": str(tmp_path / "nothing")})


# --- local: data/ with RAVDESS files vs not ----------------------------------------------------


def test_local_data_folder_with_ravdess(tmp_path):
    touch(tmp_path / "Actor_01" / SPEECH.format(a=1))
    roots, synthetic = env.resolve_data_dir(None, environ={}, project_data=tmp_path, kaggle_input=tmp_path / "k")
    assert roots == [tmp_path.resolve()] and synthetic is False


def test_local_data_beside_demo_corpus_excludes_it(tmp_path):
    touch(tmp_path / "demo-corpus" / env.DEMO_MARKER, b"synthetic")
    touch(tmp_path / "demo-corpus" / "Actor_01" / SPEECH.format(a=1))
    touch(tmp_path / "ravdess" / "Actor_02" / SPEECH.format(a=2))
    roots, synthetic = env.resolve_data_dir(None, environ={}, project_data=tmp_path, kaggle_input=tmp_path / "k")
    assert roots == [(tmp_path / "ravdess").resolve()] and synthetic is False
    touch(tmp_path / SONG.format(a=3))  # a loose file beside the demo corpus is ambiguous
    with pytest.raises(DataError, match="sub-folder"):
        env.resolve_data_dir(None, environ={}, project_data=tmp_path, kaggle_input=tmp_path / "k")


def test_local_without_data_uses_demo_corpus(tmp_path, monkeypatch):
    calls = []

    def fake_make_corpus(out_dir, *, actors, seed=0, sample_rate=16000, progress=False):
        calls.append((Path(out_dir), actors, seed))
        for a in range(1, actors + 1):
            touch(Path(out_dir) / f"Actor_{a:02d}" / SPEECH.format(a=a))
        touch(Path(out_dir) / env.DEMO_MARKER, b"synthetic")

    fake_synth = types.ModuleType("ser_utils.data.synth")
    fake_synth.make_corpus = fake_make_corpus
    monkeypatch.setitem(sys.modules, "ser_utils.data.synth", fake_synth)
    import ser_utils.data

    monkeypatch.setattr(ser_utils.data, "synth", fake_synth, raising=False)
    (tmp_path / "README.md").write_text("put RAVDESS here")
    kw = dict(environ={}, project_data=tmp_path, kaggle_input=tmp_path / "k")

    # make_demo=False: the path, not made yet
    roots, synthetic = env.resolve_data_dir(None, make_demo=False, **kw)
    assert synthetic and roots == [(tmp_path / "demo-corpus").resolve()] and not calls

    roots, synthetic = env.resolve_data_dir(None, demo_actors=3, seed=5, **kw)
    assert synthetic and roots == [(tmp_path / "demo-corpus").resolve()]
    assert calls == [(tmp_path / "demo-corpus", 3, 5)]
    # the demo corpus is not mistaken for real data on the next call
    roots, synthetic = env.resolve_data_dir(None, demo_actors=2, **kw)
    assert synthetic and calls[-1][1] == 2
    # an explicit path into the demo corpus is known to be synthetic
    assert env.resolve_data_dir(tmp_path / "demo-corpus" / "Actor_01", environ={})[1] is True


@pytest.mark.slow
def test_real_synth_demo_corpus_is_made_once(tmp_path):
    pytest.importorskip("ser_utils.data.synth")
    kw = dict(demo_actors=1, environ={}, project_data=tmp_path, kaggle_input=tmp_path / "k")
    roots, synthetic = env.resolve_data_dir(None, **kw)
    assert synthetic and (roots[0] / env.DEMO_MARKER).is_file()
    files = sorted(p for p in roots[0].rglob("*.wav"))
    assert files and env.has_ravdess_audio(roots[0])
    mtimes = [p.stat().st_mtime_ns for p in files]
    assert env.resolve_data_dir(None, **kw) == (roots, True)
    assert [p.stat().st_mtime_ns for p in files] == mtimes  # not re-made


# --- setup_notebook --------------------------------------------------------------------------


def _no_pip(*args, **kwargs):
    raise AssertionError(f"pip must not be called: {args}")


def test_setup_notebook_does_nothing_locally(tmp_path, monkeypatch):
    monkeypatch.setattr(subprocess, "run", _no_pip)
    monkeypatch.setattr(subprocess, "check_call", _no_pip)
    out = env.setup_notebook(environ={}, modules={}, kaggle_input=tmp_path / "k", find_spec=lambda m: None)
    assert out == {"env": "local"}


def test_setup_notebook_on_colab_installs_only_missing(tmp_path, capsys):
    req = tmp_path / "requirements.txt"
    req.write_text("numpy~=2.4.6\nimbalanced-learn~=0.14.2  # comment\nsoxr~=1.1.0\njupyterlab~=4.6.6\n")
    calls = []
    missing_modules = {"imblearn", "soxr"}
    out = env.setup_notebook(
        environ={"COLAB_RELEASE_TAG": "x"},
        modules={},
        kaggle_input=tmp_path / "k",
        find_spec=lambda m: None if m in missing_modules else object(),
        run=lambda cmd, **kw: calls.append(cmd),
        requirements=req,
    )
    assert out["env"] == "colab"
    assert len(calls) == 1
    assert calls[0][:4] == [sys.executable, "-m", "pip", "install"]
    assert sorted(calls[0][5:]) == ["imbalanced-learn~=0.14.2", "soxr~=1.1.0"]
    assert out["installed"] == out["missing"] and out["data_roots"] == []
    assert "drive.mount" in out["message"] and "SER_DATA_DIR" in out["message"]
    assert "drive.mount" in capsys.readouterr().out

    # nothing missing -> no pip; SER_DATA_DIR points at the data
    data = touch(tmp_path / "drive" / SPEECH.format(a=1)).parent
    calls.clear()
    out = env.setup_notebook(
        environ={"COLAB_GPU": "0", "SER_DATA_DIR": str(data)},
        kaggle_input=tmp_path / "k",
        find_spec=lambda m: object(),
        run=lambda cmd, **kw: calls.append(cmd),
        verbose=False,
    )
    assert calls == [] and out["installed"] == [] and out["data_roots"] == [str(data.resolve())]


def test_setup_notebook_on_kaggle_finds_data(tmp_path):
    root = fake_kaggle_input(tmp_path / "input")
    out = env.setup_notebook(
        environ={}, modules={}, kaggle_input=root, find_spec=lambda m: object(), run=_no_pip, verbose=False
    )
    assert out["env"] == "kaggle" and len(out["data_roots"]) == 2


def test_repo_url_constant():
    assert env.REPO_URL.startswith("https://github.com/")


@pytest.mark.shared
def test_real_ravdess_folder(shared_data):
    root = shared_data / "ravdess-22k"
    roots, synthetic = env.resolve_data_dir(root, environ={})
    assert roots == [root.resolve()] and synthetic is False
    assert env.has_ravdess_audio(shared_data / "ravdess-48k-samples")
    # the real corpus laid out as on Kaggle: Actor_XX folders under a dataset folder
    found = env.find_kaggle_ravdess(shared_data)
    assert {root / "song", root / "speech"} <= set(found)
    assert all(p.name in ("song", "speech") for p in found)


def test_several_corpora_folders_are_accepted(tmp_path):
    ravdess = touch(tmp_path / "ravdess" / "Actor_03" / SPEECH.format(a=3)).parent.parent
    crema = touch(tmp_path / "crema" / "AudioWAV" / "1001_DFA_ANG_XX.wav").parent.parent
    tess = touch(tmp_path / "tess" / "OAF_angry" / "OAF_back_angry.wav").parent.parent
    savee = touch(tmp_path / "savee" / "AudioData" / "DC" / "a01.wav").parent.parent.parent
    roots, synthetic = env.resolve_data_dir([ravdess, crema, tess, savee], environ={})
    assert roots == [p.resolve() for p in (ravdess, crema, tess, savee)] and synthetic is False
    roots, _ = env.resolve_data_dir(None, environ={"SER_DATA_DIR": f"{ravdess}{os.pathsep}{crema}"})
    assert roots == [ravdess.resolve(), crema.resolve()]
    touch(tmp_path / "odd" / "DC" / "x01.wav")  # neither a corpus name nor SAVEE's code
    with pytest.raises(DataError, match="nor one named as CREMA-D, TESS or SAVEE"):
        env.resolve_data_dir([crema, tmp_path / "odd"], environ={})
