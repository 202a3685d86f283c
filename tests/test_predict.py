"""python -m ser_utils.predict: files, folders, formats, corrupt files, exit codes, --json."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ser_utils import config, features
from ser_utils.models.architectures import build_model
from ser_utils.models.bundle import save_bundle
from ser_utils.models.predict import collect_paths, main
from ser_utils.prep import normalise

SR = 16000
N_FRAMES = 32


def _voice(seconds: float, sr: int, f0: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    y = sum(0.2 / k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 4))
    return (y * np.hanning(t.size) + 0.005 * rng.normal(size=t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    cfg = config.resolve("demo", sample_rate=SR, n_mels=16, n_fft=512, hop_length=256, deltas=0)
    rng = np.random.default_rng(0)
    X = rng.normal(-40, 10, size=(4, N_FRAMES, 16, 1)).astype(np.float32)
    settings = {
        "features": features.feature_settings(cfg),
        "deltas": 0,
        "n_frames": N_FRAMES,
        "norm_stats": normalise.fit(X, np.full(4, N_FRAMES), method="per_speaker", actors=[1, 1, 2, 2]),
    }
    m = build_model("crnn", input_shape=(N_FRAMES, 16, 1), conv_filters=[4, 8], lstm_units=[8], dense_units=8)
    return save_bundle(tmp_path_factory.mktemp("predict") / "bundle", m, settings=settings)


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory):
    """A folder with a 16 kHz WAV, a 22.05 kHz FLAC (RAVDESS name), a 48 kHz stereo 24-bit WAV in a
    subfolder, a corrupt .wav and a text file."""
    import soundfile as sf

    root = tmp_path_factory.mktemp("audio")
    sf.write(root / "a_mono16k.wav", _voice(1.0, SR, 150, 0), SR)
    sf.write(root / "03-01-05-01-01-01-07.flac", _voice(1.2, 22050, 220, 1), 22050)
    (root / "sub").mkdir()
    st = np.stack([_voice(0.8, 48000, 180, 2), 0.5 * _voice(0.8, 48000, 180, 3)], axis=1)
    sf.write(root / "sub" / "stereo48k.WAV", st, 48000, subtype="PCM_24")
    (root / "sub" / "broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage")
    (root / "notes.txt").write_text("not audio")
    return root


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_collect_paths_recurses_and_reports_missing(audio_dir, tmp_path):
    files, problems = collect_paths([audio_dir, audio_dir / "a_mono16k.wav", tmp_path / "nope.wav"])
    names = [f.name for f in files]
    assert names == ["03-01-05-01-01-01-07.flac", "a_mono16k.wav", "broken.wav", "stereo48k.WAV"]
    assert len(problems) == 1 and "nope.wav" in problems[0]


def test_folder_json_skips_corrupt_file(model_dir, audio_dir, capsys):
    rc = main([str(audio_dir), "--model", str(model_dir), "--json"])
    cap = capsys.readouterr()
    assert rc == 0  # partial success
    rows = _json_lines(cap.out)
    assert sorted(r["path"].rsplit("/", 1)[-1] for r in rows) == [
        "03-01-05-01-01-01-07.flac",
        "a_mono16k.wav",
        "stereo48k.WAV",
    ]
    for r in rows:
        assert set(r) == {"path", "emotion", "mode", "probabilities"} and r["mode"] == "single_clip"
        assert list(r["probabilities"]) == list(config.EMOTIONS)
        assert abs(sum(r["probabilities"].values()) - 1) < 1e-4
        assert r["emotion"] == max(r["probabilities"], key=r["probabilities"].get)
    assert "broken.wav" in cap.err and "skipped" in cap.err


def test_table_output_for_single_files(model_dir, audio_dir, capsys):
    rc = main([str(audio_dir / "a_mono16k.wav"), str(audio_dir / "sub" / "stereo48k.WAV"), "--model", str(model_dir)])
    cap = capsys.readouterr()
    assert rc == 0
    lines = cap.out.splitlines()
    assert lines[0].split()[:2] == ["file", "emotion"] and "surprised" in lines[0]
    assert len(lines) == 4  # header, rule, two files
    assert "a_mono16k.wav" in lines[2] and lines[2].split()[1] in config.EMOTIONS
    assert len(lines[3].split()) == 2 + len(config.EMOTIONS)


def test_exit_1_when_nothing_could_be_predicted(model_dir, audio_dir, capsys):
    rc = main([str(audio_dir / "sub" / "broken.wav"), "--model", str(model_dir), "--json"])
    cap = capsys.readouterr()
    assert rc == 1 and cap.out == ""
    assert "none of the 1 file(s)" in cap.err


def test_exit_2_for_missing_model_or_no_files(model_dir, audio_dir, tmp_path, capsys):
    assert main([str(audio_dir / "a_mono16k.wav"), "--model", str(tmp_path / "no_model")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty"), "--model", str(model_dir)]) == 2
    assert "no audio files" in capsys.readouterr().err
    assert main(["--model", str(model_dir)]) == 2  # no PATH: usage error


@pytest.mark.shared
def test_real_48k_stereo_samples(model_dir, shared_data, capsys):
    folder = shared_data / "ravdess-48k-samples"
    rc = main([str(folder), "--model", str(model_dir), "--json"])
    rows = _json_lines(capsys.readouterr().out)
    assert rc == 0 and len(rows) == 6


def test_the_command_says_which_prediction_mode_it_used(model_dir, audio_dir, capsys):
    one = str(audio_dir / "03-01-05-01-01-01-07.flac")  # a RAVDESS name: actor 7, one clip only
    assert main([one, "--model", str(model_dir), "--json"]) == 0
    cap = capsys.readouterr()
    assert _json_lines(cap.out)[0]["mode"] == "single_clip"
    assert "prediction mode: single clip for 1 file(s)" in cap.err
    assert main([str(audio_dir), "--model", str(model_dir), "--mode", "single-clip"]) == 0
    assert "single clip for 3 file(s) (as asked)" in capsys.readouterr().err
