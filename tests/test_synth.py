"""Tests of the synthetic demo corpus (ser_utils.data.synth): layout, names, format, determinism, emotion cues."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ser_utils.config import EMOTIONS
from ser_utils.data import synth
from ser_utils.data.ravdess import parse_filename
from ser_utils.errors import ConfigError, DataError, FilenameError, SERError

RATE = 8000  # low rate keeps the written corpus small and quick


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    """One actor's corpus, written through the command line."""
    out = tmp_path_factory.mktemp("synth") / "corpus"
    assert (
        synth.main(
            ["--out", str(out), "--actors", "1", "--seed", "3", "--sample-rate", str(RATE), "--n-jobs", "1", "--quiet"]
        )
        == 0
    )
    return out


# --- the plan (names only) -------------------------------------------------------------


def test_plan_full_size_counts():
    plan = synth.corpus_plan(24)
    assert len(plan) == 2452
    per = plan.groupby(["vocal_channel", "actor"]).size()
    assert (per["speech"] == 60).all() and len(per["speech"]) == 24
    assert (per["song"] == 44).all() and sorted(per["song"].index) == [a for a in range(1, 25) if a != 18]
    assert plan["file_id"].is_unique and plan["file_id"].is_monotonic_increasing


@pytest.mark.parametrize("n", [2, 3])
def test_plan_counts_per_channel_emotion_intensity(n):
    plan = synth.corpus_plan(n)
    assert len(plan) == n * (60 + 44)
    speech = plan[plan.vocal_channel == "speech"]
    song = plan[plan.vocal_channel == "song"]
    for e in EMOTIONS:
        s = speech[speech.emotion == e]
        if e == "neutral":
            assert len(s) == 4 * n and set(s.intensity) == {"normal"}
        else:
            assert len(s) == 8 * n and (s.intensity == "strong").sum() == 4 * n
        g = song[song.emotion == e]
        if e in ("disgust", "surprised"):
            assert len(g) == 0
        elif e == "neutral":
            assert len(g) == 4 * n and set(g.intensity) == {"normal"}
        else:
            assert len(g) == 8 * n
    assert set(plan.statement_id) == {1, 2} and set(plan.repetition) == {1, 2}
    assert (plan.groupby(["actor", "statement_id", "repetition"]).size() == 26).all()


def test_plan_actor_18_has_no_song():
    plan = synth.corpus_plan(18)
    assert len(plan) == 18 * 60 + 17 * 44
    assert not ((plan.actor == 18) & (plan.vocal_channel == "song")).any()
    assert ((plan.actor == 18) & (plan.vocal_channel == "speech")).sum() == 60
    assert len(synth.corpus_plan([18, 19])) == 60 + 104


def test_plan_names_parse_and_match_layout():
    plan = synth.corpus_plan(24)
    for row in plan.itertuples():
        name = parse_filename(row.relpath)
        assert name.modality_id == 3
        assert (name.vocal_channel, name.emotion, name.intensity, name.actor) == (
            row.vocal_channel,
            row.emotion,
            row.intensity,
            row.actor,
        )
        assert name.gender == ("male" if row.actor % 2 else "female") == row.gender
        assert row.relpath == f"{row.vocal_channel}/Actor_{row.actor:02d}/{row.file_id}.wav"


@pytest.mark.parametrize("bad", [0, 25, -3, [], [0, 1], [1, 30], True, "8", 2.5])
def test_plan_rejects_bad_actors(bad):
    with pytest.raises(ConfigError):
        synth.corpus_plan(bad)


# --- the written corpus -----------------------------------------------------------------


def test_corpus_files_match_plan_and_marker(corpus_dir):
    files = sorted(p.relative_to(corpus_dir).as_posix() for p in corpus_dir.rglob("*.wav"))
    assert files == sorted(synth.corpus_plan(1)["relpath"])
    assert not list(corpus_dir.rglob("*.tmp"))
    marker = (corpus_dir / synth.MARKER_NAME).read_text()
    assert "SYNTHETIC" in marker and "NOT REAL SPEECH" in marker
    settings = synth.read_marker(corpus_dir)
    assert settings["complete"] is True
    assert (settings["seed"], settings["sample_rate"], settings["actors"], settings["n_files"]) == (3, RATE, [1], 104)


def test_corpus_format_and_durations(corpus_dir):
    durations = []
    for path in corpus_dir.rglob("*.wav"):
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.format, info.subtype) == (RATE, 1, "WAV", "PCM_16")
        durations.append(info.duration)
    durations = np.array(durations)
    assert len(durations) == 104
    assert durations.min() >= 2.5 and durations.max() <= 7.0
    assert 3.0 <= np.median(durations) <= 5.0


def test_same_seed_same_bytes_other_seed_other_bytes(corpus_dir):
    for rel in ["speech/Actor_01/03-01-05-02-01-02-01.wav", "song/Actor_01/03-02-04-01-02-01-01.wav"]:
        on_disk = (corpus_dir / rel).read_bytes()

        def wav_bytes(seed, rel=rel):
            buf = io.BytesIO()
            wave = synth.synthesize(Path(rel).name, seed=seed, sample_rate=RATE)
            sf.write(buf, wave, RATE, subtype="PCM_16", format="WAV")
            return buf.getvalue()

        assert wav_bytes(3) == on_disk
        assert wav_bytes(4) != on_disk
    a = synth.synthesize("03-01-02-01-01-01-05", seed=0)
    b = synth.synthesize("03-01-02-01-01-02-05", seed=0)  # other repetition: another take
    assert not np.array_equal(a[: min(len(a), len(b))], b[: min(len(a), len(b))])


def test_complete_corpus_is_not_rewritten(corpus_dir, capsys):
    before = {p: p.stat().st_mtime_ns for p in corpus_dir.rglob("*.wav")}
    df = synth.make_corpus(corpus_dir, actors=1, seed=3, sample_rate=RATE, n_jobs=1)
    assert df.attrs["skipped"] is True and len(df) == 104
    assert {p: p.stat().st_mtime_ns for p in corpus_dir.rglob("*.wav")} == before
    assert (df["duration_s"] > 2.5).all() and df["path"].map(lambda p: Path(p).is_file()).all()
    assert (
        synth.main(["--out", str(corpus_dir), "--actors", "1", "--seed", "3", "--sample-rate", str(RATE), "--quiet"])
        == 0
    )
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "nothing to do" in out


def test_rewrite_with_other_settings_removes_stale_files(tmp_path):
    out = tmp_path / "c"
    out.mkdir()
    (out / synth.MARKER_NAME).write_text("old synthetic corpus\n")
    stale = out / "speech" / "Actor_09" / "03-01-01-01-01-01-09.wav"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    df = synth.make_corpus(out, actors=[2], seed=1, sample_rate=RATE, n_jobs=1)
    assert df.attrs["skipped"] is False
    assert not stale.exists()
    assert len(list(out.rglob("*.wav"))) == len(df) == 104
    assert set(df.actor) == {2} and set(df.gender) == {"female"}
    assert synth.read_marker(out)["complete"] is True


def test_refuses_non_empty_folder_without_marker(tmp_path):
    (tmp_path / "real.wav").write_bytes(b"RIFF")
    with pytest.raises(DataError, match="marker"):
        synth.make_corpus(tmp_path, actors=1, sample_rate=RATE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.wav"]


# --- one file --------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [8000, 22050])
def test_synthesize_shape_range_and_silent_edges(rate):
    y = synth.synthesize("03-01-03-02-02-01-06", seed=0, sample_rate=rate)
    assert y.dtype == np.float32 and y.ndim == 1
    assert 2.5 <= len(y) / rate <= 7.0
    assert np.abs(y).max() <= 1.0 and np.abs(y).max() > 0.01
    frame = int(0.02 * rate)
    rms_db = 10 * np.log10(np.mean(y[: len(y) // frame * frame].reshape(-1, frame) ** 2, axis=1) + 1e-20)
    loudest = rms_db.max()
    edge = int(0.3 / 0.02)  # the first and last 0.3 s are near-silent
    assert rms_db[:edge].max() < loudest - 35
    assert rms_db[-edge:].max() < loudest - 35
    assert rms_db[edge:-edge].max() == loudest


def _voiced_stats(y: np.ndarray, sr: int) -> tuple[float, float]:
    """RMS (dB) of the non-silent part and median F0 (Hz, YIN) of its voiced frames."""
    import librosa

    core, _ = librosa.effects.trim(y, top_db=35)
    rms = 20 * np.log10(np.sqrt(np.mean(core**2)))
    f0 = librosa.yin(core, fmin=60, fmax=800, sr=sr, frame_length=1024)
    frame_rms = librosa.feature.rms(y=core, frame_length=1024, hop_length=256)[0][: len(f0)]
    voiced = f0[: len(frame_rms)][frame_rms > 0.3 * frame_rms.max()]
    return rms, float(np.median(voiced))


def test_angry_louder_and_higher_than_sad_for_one_actor():
    sr = 16000
    stats = {}
    for emo in (4, 5):  # sad, angry
        vals = [
            _voiced_stats(synth.synthesize(f"03-01-{emo:02d}-{i:02d}-{s:02d}-{r:02d}-07", seed=0, sample_rate=sr), sr)
            for i in (1, 2)
            for s in (1, 2)
            for r in (1, 2)
        ]
        stats[emo] = np.mean(vals, axis=0)
    (sad_db, sad_f0), (angry_db, angry_f0) = stats[4], stats[5]
    assert angry_db > sad_db + 6
    assert angry_f0 > sad_f0 * 2 ** (3 / 12)  # at least 3 semitones higher


def test_female_voices_higher_than_male():
    import librosa

    f0 = {}
    for actor in (3, 4):
        y = synth.synthesize(f"03-01-01-01-01-01-{actor:02d}", seed=0, sample_rate=16000)
        f0[actor] = _voiced_stats(y, 16000)[1]
    assert f0[4] > f0[3] * 1.3
    assert librosa is not None


def test_synthesize_rejects_bad_input():
    with pytest.raises(FilenameError):
        synth.synthesize("not-a-name.wav")
    with pytest.raises(FilenameError, match="song"):
        synth.synthesize("03-02-07-01-01-01-01.wav")  # song has no disgust
    with pytest.raises(ConfigError, match="8000-48000"):
        synth.synthesize("03-01-01-01-01-01-01", sample_rate=4000)
    with pytest.raises(ConfigError):
        synth.synthesize("03-01-01-01-01-01-01", seed=-1)
    with pytest.raises(SERError):
        synth.synthesize(42)


def test_make_corpus_rejects_bad_options(tmp_path):
    with pytest.raises(ConfigError):
        synth.make_corpus(tmp_path / "x", actors=0)
    with pytest.raises(ConfigError):
        synth.make_corpus(tmp_path / "x", actors=1, n_jobs=0)
    with pytest.raises(ConfigError):
        synth.make_corpus(tmp_path / "x", actors=1, sample_rate=96000)
    assert not (tmp_path / "x").exists()


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as exc:
        synth.main(["--help"])
    assert exc.value.code == 0
    assert "SYNTHETIC" in capsys.readouterr().out


def test_strong_intensity_exaggerates_loudness():
    def mean_rms_db(emo, intensity):
        vals = []
        for s in (1, 2):
            for r in (1, 2):
                y = synth.synthesize(f"03-01-{emo:02d}-{intensity:02d}-{s:02d}-{r:02d}-10", seed=0, sample_rate=RATE)
                vals.append(10 * np.log10(np.mean(y[np.abs(y) > 0.1 * np.abs(y).max()] ** 2)))
        return np.mean(vals)

    assert mean_rms_db(5, 2) > mean_rms_db(5, 1) + 2  # strong anger louder than normal anger
    assert mean_rms_db(4, 2) < mean_rms_db(4, 1) - 2  # strong sadness softer than normal sadness


def test_statements_have_their_own_syllable_patterns():
    s1 = [(onset, vowels) for onset, vowels, _, _ in synth._STATEMENTS[1]]
    s2 = [(onset, vowels) for onset, vowels, _, _ in synth._STATEMENTS[2]]
    assert s1 != s2
    y1 = synth.synthesize("03-01-01-01-01-01-01", seed=0, sample_rate=RATE)
    y2 = synth.synthesize("03-01-01-01-02-01-01", seed=0, sample_rate=RATE)
    assert len(y1) != len(y2)
