"""The app's logic (ser_utils.app), the model choice (models.shipped) and the page itself (AppTest)."""

from __future__ import annotations

import os
import re
import time

import numpy as np
import pytest
from appkit import SR, tiny_bundle, voice, wav_bytes
from media import encode

from ser_utils import app as core
from ser_utils.config import EMOTIONS
from ser_utils.errors import SERError
from ser_utils.models import shipped

APP = os.path.join(os.path.dirname(__file__), "..", "app", "streamlit_app.py")


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    return tiny_bundle(tmp_path_factory.mktemp("app") / "bundle")


@pytest.fixture(scope="module")
def model(bundle_dir):
    return core.load_model(bundle_dir)


@pytest.fixture(scope="module")
def bundle3_dir(tmp_path_factory):
    """A bundle whose prediction modes need 3 clips of a new speaker."""
    return tiny_bundle(tmp_path_factory.mktemp("app3") / "bundle", min_speaker_clips=3)


@pytest.fixture(scope="module")
def model3(bundle3_dir):
    return core.load_model(bundle3_dir)


# --- bad input: one plain message each ------------------------------------------------------------

def _video_without_sound(tmp_path) -> bytes:
    return encode(tmp_path / "film.mp4", None, 48000, "mp4").read_bytes()


BAD = {
    "empty": (lambda tmp: b"", "the file is empty"),
    "text": (lambda tmp: b"just some notes, not a recording\n", "not audio (it is a text file)"),
    "corrupt": (lambda tmp: b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4, "not audio or video"),
    "video without sound": (_video_without_sound, "a video without a sound track"),
    "silent": (lambda tmp: wav_bytes(np.zeros(2 * SR, np.float32)), "the clip is silent"),
    "too short": (lambda tmp: wav_bytes(voice(0.2)), "the model needs at least 0.5 s"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_each_bad_input_gets_its_message(kind, tmp_path):
    make, message = BAD[kind]
    with pytest.raises(core.InputError) as e:
        core.read_clip("my clip.wav", make(tmp_path), sr=SR)
    assert message in str(e.value) and str(e.value).startswith("my clip.wav: ")
    assert "ser-upload-" not in str(e.value)  # the temp file's path is never shown


def test_a_long_file_is_cut_to_its_first_minutes_and_says_so():
    clip = core.read_clip("long.wav", wav_bytes(voice(12.0)), sr=SR, max_seconds=5.0)
    assert clip.truncated and clip.duration_s == pytest.approx(5.0, abs=0.01)
    assert clip.full_duration_s == pytest.approx(12.0, abs=0.01)
    assert not core.read_clip("short.wav", wav_bytes(voice(2.0)), sr=SR).truncated


def test_any_format_and_rate_becomes_the_models_rate(tmp_path):
    data = encode(tmp_path / "v.mov", voice(2.0, sr=48000), 48000, "mov", channels=2).read_bytes()
    clip = core.read_clip("v.mov", data, sr=SR)
    assert clip.sr == SR and clip.duration_s == pytest.approx(2.0, abs=0.05) and clip.y.ndim == 1


def test_windows_cover_the_clip_and_fold_a_short_tail():
    spans = core.windows(10 * SR, SR, seconds=3.0)
    assert spans == [(0, 3 * SR), (3 * SR, 6 * SR), (6 * SR, 10 * SR)]
    assert (
        core.windows(7 * SR, SR, seconds=3.0)[-1] == (6 * SR, 7 * SR) or len(core.windows(7 * SR, SR, seconds=3.0)) == 2
    )


# --- scoring ----------------------------------------------------------------------------------------------

def _clip(seconds: float, name: str = "c.wav", seed: int = 0) -> core.Clip:
    return core.read_clip(name, wav_bytes(voice(seconds, seed=seed, f0=140 + 20 * seed)), sr=SR)


def _probs(prediction: core.Prediction) -> np.ndarray:
    return np.array([list(r.probabilities.values()) for r in prediction.clips])


def test_one_clip_is_single_clip_mode_with_probabilities_summing_to_one(model):
    p = core.predict(model, [_clip(2.0)], same_speaker=True)
    assert p.mode == "single_clip" and p.mode_title == "single clip"
    assert p.note == "per-speaker needs 8 clips of the speaker; you gave 1"
    r = p.clips[0]
    assert list(r.probabilities) == model.bundle.labels and len(r.probabilities) == 8
    assert sum(r.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
    assert r.emotion == max(r.probabilities, key=r.probabilities.get) and r.timeline is None


def test_the_app_gives_what_predict_paths_gives_for_the_same_file(model, tmp_path):
    path = encode(tmp_path / "me.m4a", voice(2.5, sr=48000, seed=4), 48000, "m4a")
    clip = core.read_clip("me.m4a", path.read_bytes(), sr=SR)
    row = model.bundle.predict_paths([str(path)]).iloc[0]
    got = core.predict(model, [clip], same_speaker=False)
    assert got.clips[0].mode == row["mode"] == "single_clip"
    np.testing.assert_allclose(_probs(got)[0], row[model.bundle.labels].to_numpy(float), rtol=0, atol=1e-7)


def test_a_clip_named_for_a_training_actor_gets_its_statistics_as_the_command_does(model, tmp_path):
    name = "03-01-05-01-01-01-01.wav"  # actor 1: the bundle stores its statistics
    (tmp_path / name).write_bytes(wav_bytes(voice(2.0, seed=5)))
    clip = core.read_clip(name, (tmp_path / name).read_bytes(), sr=SR)
    row = model.bundle.predict_paths([str(tmp_path / name)]).iloc[0]
    got = core.predict(model, [clip], same_speaker=False)
    assert got.mode == row["mode"] == "per_speaker" and got.note is None
    np.testing.assert_allclose(_probs(got)[0], row[model.bundle.labels].to_numpy(float), rtol=0, atol=1e-7)


def test_two_clips_of_a_new_speaker_stay_single_clips_below_min_speaker_clips(model):
    assert model.bundle.min_speaker_clips == 8  # an old bundle: no prediction_modes, the measured default
    clips = [_clip(2.0, f"c{i}.wav", seed=i) for i in range(2)]
    together = core.predict(model, clips, same_speaker=True)
    assert together.mode == "single_clip" and [r.mode for r in together.clips] == ["single_clip"] * 2
    assert together.note == "per-speaker needs 8 clips of the speaker; you gave 2"
    alone = [core.predict(model, [c], same_speaker=False) for c in clips]
    np.testing.assert_allclose(_probs(together), np.vstack([_probs(p) for p in alone]), rtol=0, atol=1e-7)


def test_enough_clips_of_one_speaker_are_standardised_together_as_the_command_does(model3, tmp_path):
    assert model3.bundle.min_speaker_clips == 3  # read from the bundle
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"c{i}.wav")
        paths[-1].write_bytes(wav_bytes(voice(2.0, seed=i, f0=140 + 20 * i)))
    clips = [core.read_clip(p.name, p.read_bytes(), sr=SR) for p in paths]
    together = core.predict(model3, clips, same_speaker=True)
    assert together.mode == "per_speaker" and together.note is None
    df = model3.bundle.predict_paths([str(p) for p in paths], speaker="cli")  # --same-speaker
    assert list(df["mode"]) == ["per_speaker"] * 3
    np.testing.assert_allclose(_probs(together), df[model3.bundle.labels].to_numpy(float), rtol=0, atol=1e-7)
    two = core.predict(model3, clips[:2], same_speaker=True)
    assert two.mode == "single_clip" and two.note == "per-speaker needs 3 clips of the speaker; you gave 2"
    apart = core.predict(model3, clips, same_speaker=False)
    assert apart.mode == "single_clip" and "not marked as one speaker" in apart.note
    assert np.allclose(_probs(together).sum(axis=1), 1) and not np.allclose(_probs(together), _probs(apart), atol=1e-4)


def test_a_long_clip_gets_a_timeline_and_the_verdict_averages_it(model):
    r = core.predict(model, [_clip(10.0)]).clips[0]
    t = r.timeline
    assert t is not None and list(t["start_s"]) == [0.0, 3.0, 6.0] and t["end_s"].iloc[-1] == pytest.approx(10.0)
    labels = model.bundle.labels
    assert np.allclose(t[labels].sum(axis=1), 1)
    w = (t["end_s"] - t["start_s"]).to_numpy()
    assert np.allclose((t[labels].to_numpy() * w[:, None]).sum(0) / w.sum(), list(r.probabilities.values()), atol=1e-6)


def test_the_tables_write_the_numbers_as_percentages_in_the_charts_order(model):
    r = core.predict(model, [_clip(10.0)]).clips[0]
    table = core.probability_table(r.probabilities)
    assert list(table["emotion"]) == list(EMOTIONS) and table.shape == (8, 2)
    assert [float(t[:-1]) for t in table["probability"]] == [round(100 * r.probabilities[e], 1) for e in EMOTIONS]
    assert core.percent(0.12345) == "12.3%" and core.percent(1.0) == "100.0%" and core.percent(0.0004) == "0.0%"
    t = core.timeline_table(r.timeline)
    assert list(t.columns) == ["window", "emotion", *EMOTIONS] and list(t["window"])[0] == "0.0-3.0 s"
    assert list(t["emotion"]) == list(r.timeline["emotion"])
    assert t.loc[1, "calm"] == core.percent(r.timeline.loc[1, "calm"])


def test_the_styled_table_keeps_the_cells_and_marks_the_colours_and_the_verdict():
    from ser_utils.evaluation.plots import EMOTION_COLORS

    table = core.probability_table({"calm": 0.7, "angry": 0.2, "neutral": 0.1})
    assert list(table["emotion"]) == ["neutral", "calm", "angry"]
    sty = core.styled_table(table, caption="Probabilities", bold_row=1)
    assert sty.caption == "Probabilities"
    rules = {(i, j): "; ".join(f"{k}: {v}" for k, v in props) for (i, j), props in sty._compute().ctx.items()}
    assert [rules[(i, 0)].split("; ")[0] for i in range(3)] == [
        f"border-left: 0.5rem solid {EMOTION_COLORS[e]}" for e in table["emotion"]
    ]
    assert sorted(k for k, v in rules.items() if "font-weight: bold" in v) == [(1, 0), (1, 1)]  # the verdict's row
    assert all(("text-align: right" in rules[(i, j)]) == (j == 1) for i in range(3) for j in range(2))  # numbers
    assert core.styled_table(table, caption="x").data is table
    with pytest.raises(SERError, match="'emotion' column"):
        core.styled_table(table.rename(columns={"emotion": "label"}), caption="x")


def test_charts_use_one_colour_per_emotion(model):
    r = core.predict(model, [_clip(10.0)]).clips[0]
    fig = core.probability_chart(r.probabilities)
    colours = {tuple(np.round(b.get_facecolor(), 3)) for b in fig.axes[0].patches}
    from matplotlib.colors import to_rgba

    from ser_utils.evaluation.plots import EMOTION_COLORS

    assert core.EMOTION_COLORS is EMOTION_COLORS  # the project's one palette
    want = [tuple(np.round(to_rgba(EMOTION_COLORS[e]), 3)) for e in r.probabilities]
    assert [tuple(np.round(b.get_facecolor(), 3)) for b in fig.axes[0].patches] == want and len(colours) == 8
    areas = core.timeline_chart(r.timeline).axes[0].collections
    assert len(areas) == 8
    xs = np.concatenate([path.vertices[:, 0] for a in areas for path in a.get_paths()])
    assert xs.min() == pytest.approx(0.0) and xs.max() == pytest.approx(10.0)  # the windows' whole span, no gaps


# --- which model ----------------------------------------------------------------------------------------

def test_find_model_prefers_given_then_newest_artifact_then_shipped(tmp_path, bundle_dir, monkeypatch):
    import shutil

    monkeypatch.setattr(shipped, "shipped_dir", lambda: bundle_dir)
    arts = tmp_path / "artifacts"
    assert shipped.find_model(artifacts_dir=arts).source == "shipped"
    shutil.copytree(bundle_dir, arts / ".build-model" / "b")  # work folders never count
    assert shipped.find_model(artifacts_dir=arts).source == "shipped"
    old = shutil.copytree(bundle_dir, arts / "run1" / "bundle")
    time.sleep(0.05)
    new = shutil.copytree(bundle_dir, arts / "run2" / "bundle")
    os.utime(old / "bundle.json", (time.time() + 100, time.time() + 100))
    assert shipped.find_model(artifacts_dir=arts) == shipped.ModelChoice(old, "artifacts")
    assert shipped.find_model(new, artifacts_dir=arts) == shipped.ModelChoice(new, "given")
    with pytest.raises(shipped.ModelError, match="does not exist"):
        shipped.find_model(tmp_path / "nope")


def test_a_demo_corpus_bundle_under_artifacts_never_replaces_the_shipped_model(tmp_path, bundle_dir, monkeypatch):
    monkeypatch.setattr(shipped, "shipped_dir", lambda: bundle_dir)
    arts = tmp_path / "artifacts"
    demo = tiny_bundle(arts / "04_crnn_training" / "bundle", synthetic=True)
    assert shipped.find_model(artifacts_dir=arts) == shipped.ModelChoice(bundle_dir, "shipped")
    assert shipped.find_model(demo, artifacts_dir=arts) == shipped.ModelChoice(demo, "given")  # asked for: used


def test_a_demo_corpus_bundle_is_flagged(tmp_path):
    from ser_utils.files import write_json

    d = tmp_path / "artifacts" / "04_crnn_training" / "bundle"
    d.mkdir(parents=True)
    write_json(tmp_path / "artifacts" / "01_eda" / "dataset.json", {"synthetic": True, "n_files": 9})
    assert (
        shipped.training_data(d, {"actors": {"train": [1, 2]}})["synthetic"] is True
    )  # older bundles: the run's dataset.json
    assert "SYNTHETIC" in shipped.training_data(d, {"data": {"synthetic": True}})["description"]
    assert shipped.training_data(d, {"data": {"synthetic": False, "n_files": 3}})["synthetic"] is False
    several = {"synthetic": False, "n_files": 9, "corpora": {"ravdess": 3, "crema-d": 6}}
    text = shipped.training_data(d, {"data": several, "actors": {"train": [1, 1001], "val": [2]}})["description"]
    assert text == "real recordings of CREMA-D and RAVDESS (9 files; trained on 3 speakers)"


def test_predict_command_names_the_model_and_shouts_about_the_demo_corpus(tmp_path, capsys):
    from ser_utils.models.predict import main

    demo = tiny_bundle(tmp_path / "demo", synthetic=True)
    clip = tmp_path / "me.m4a"
    encode(clip, voice(1.5, sr=48000), 48000, "m4a")
    assert main([str(clip), "--model", str(demo), "--json"]) == 0
    out, err = capsys.readouterr()
    assert "SYNTHETIC demo corpus" in err and f"model: {demo}" in err
    assert out.count('"emotion"') == 1


# --- the page -------------------------------------------------------------------------------------------

@pytest.fixture
def page(bundle_dir, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SER_MODEL_DIR", str(bundle_dir))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def _percent(text: str) -> float:
    """``"12.3%"`` -> 0.123; anything else fails."""
    assert re.fullmatch(r"\d{1,3}\.\d%", text), text
    return float(text[:-1]) / 100


def _verdict(at) -> tuple[str, dict[str, float]]:
    """The verdict and the probabilities as the page writes them: text in a table, never a canvas grid."""
    assert not at.exception, at.exception
    assert not at.dataframe  # st.dataframe draws on a canvas: no text for screen readers or copy-paste
    (m,) = [m for m in at.metric if m.label == "Predicted emotion"]
    table = at.table[0].value
    assert list(table.columns) == ["emotion", "probability"]
    return m.value, {e: _percent(p) for e, p in zip(table["emotion"], table["probability"])}


def test_the_page_says_which_model_and_waits_for_input(page):
    text = " ".join(md.value for md in page.markdown)
    assert "bundle" in text and "Trained on:" in text and "real RAVDESS" in text
    assert not page.metric and page.info


def test_an_upload_gets_a_verdict_and_eight_probabilities_as_text(page):
    page.file_uploader[0].set_value(("hello.wav", wav_bytes(voice(2.5)), "audio/wav"))
    page.run()
    emotion, probs = _verdict(page)
    assert sorted(probs) == sorted(EMOTIONS) and all(0 <= p <= 1 for p in probs.values())
    assert sum(probs.values()) == pytest.approx(1.0, abs=8 * 0.0005 + 1e-9)  # eight roundings to 0.1 %
    assert probs[emotion] == max(probs.values())
    assert list(probs) == list(EMOTIONS)  # the chart's order
    assert page.table[0].proto.alt == "Probability of each emotion in hello.wav"
    assert any("Prediction mode: single clip" in md.value for md in page.markdown)


def test_a_recording_gets_a_verdict(page):
    page.audio_input[0].set_value(("recording.wav", wav_bytes(voice(2.0, seed=3)), "audio/wav"))
    page.run()
    emotion, probs = _verdict(page)
    assert len(probs) == 8 and sum(probs.values()) == pytest.approx(1.0, abs=0.004) and emotion in probs


def test_each_bad_input_shows_its_message_and_no_exception(page, tmp_path):
    files = [
        (f"{k}.wav" if k != "video without sound" else "film.mp4", BAD[k][0](tmp_path), "audio/wav")
        for k in sorted(BAD)
    ]
    page.file_uploader[0].set_value(files)
    page.run()
    assert not page.exception
    errors = " ".join(e.value for e in page.error)
    for k in BAD:
        assert BAD[k][1] in errors, k
    assert not page.metric


def test_a_long_clip_gets_the_timeline_and_a_very_long_one_says_it_was_cut(page, monkeypatch):
    monkeypatch.setattr(core, "MAX_SECONDS", 9.0)
    page.file_uploader[0].set_value(("long.wav", wav_bytes(voice(20.0)), "audio/wav"))
    page.run()
    _verdict(page)
    assert [s.value for s in page.subheader] == ["Emotion over time"]
    windows = page.table[1].value  # as text too
    assert list(windows["window"]) == ["0.0-3.0 s", "3.0-6.0 s", "6.0-9.0 s"]  # 9 s: three windows of 3 s
    for _, row in windows.iterrows():
        p = {e: _percent(row[e]) for e in EMOTIONS}
        assert sum(p.values()) == pytest.approx(1.0, abs=0.004) and p[row["emotion"]] == max(p.values())
    assert any("only its first" in w.value for w in page.warning)


def test_two_clips_of_one_speaker_stay_single_clips_and_the_page_says_why(page):
    page.file_uploader[0].set_value([(f"c{i}.wav", wav_bytes(voice(2.0, seed=i)), "audio/wav") for i in range(2)])
    page.run()
    assert not page.exception and len(page.metric) == 2
    assert page.checkbox[0].value is True
    assert any("Prediction mode: single clip" in md.value for md in page.markdown)
    assert any("per-speaker needs 8 clips of the speaker; you gave 2" in c.value for c in page.caption)


def test_enough_clips_of_one_speaker_use_per_speaker_mode_on_the_page(bundle3_dir, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SER_MODEL_DIR", str(bundle3_dir))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.file_uploader[0].set_value([(f"c{i}.wav", wav_bytes(voice(2.0, seed=i)), "audio/wav") for i in range(3)])
    at.run()
    assert not at.exception and len(at.metric) == 3
    assert any("Prediction mode: per speaker" in md.value for md in at.markdown)
    assert not any("per-speaker needs" in c.value for c in at.caption)
    at.checkbox[0].uncheck().run()
    assert any("Prediction mode: single clip" in md.value for md in at.markdown)


def test_predict_command_skips_silence_with_a_reason(tmp_path, bundle_dir, capsys, write_wav):
    from ser_utils.models.predict import main

    quiet = write_wav(tmp_path / "quiet.wav", np.zeros(2 * SR, np.float32), SR)
    speech = write_wav(tmp_path / "speech.wav", voice(2.0), SR)
    assert main([str(quiet), str(speech), "--model", str(bundle_dir), "--json"]) == 0
    out, err = capsys.readouterr()
    assert "quiet.wav: silent" in err and out.count('"emotion"') == 1


def test_clips_of_different_modes_say_so_each(model):
    known = core.read_clip("03-01-05-01-01-01-01.wav", wav_bytes(voice(2.0, seed=5)), sr=SR)  # training actor 1
    p = core.predict(model, [known, _clip(2.0, "mine.wav")], same_speaker=False)
    assert p.mode == "mixed" and [r.mode for r in p.clips] == ["per_speaker", "single_clip"]
    assert "per speaker for some clips" in p.mode_title and "not marked as one speaker" in p.note


def test_the_held_out_speakers_are_named_when_few_and_counted_when_many():
    assert core._held_out_text([17, 18, 19, 20]) == "unseen actors 17, 18, 19, 20"
    assert core._held_out_text(list(range(1001, 1025))) == "24 speakers it never heard"
    assert core._held_out_text(None) is None
