"""Speech emotion recognition in the browser: ``./run_all.sh --app``.

Thin page code: every decision is in :mod:`ser_utils.app` (tested on its own).
``SER_MODEL_DIR`` names a bundle folder to use instead of the default choice.
"""

from __future__ import annotations

import os

import streamlit as st

from ser_utils import app as core
from ser_utils.errors import SERError

st.set_page_config(page_title="Speech emotion recognition", layout="wide")


@st.cache_resource(show_spinner="Loading the model ...")
def get_model(given: str | None) -> core.LoadedModel:
    return core.load_model(given)


st.title("What emotion does this voice carry?")
try:
    model = get_model(os.environ.get("SER_MODEL_DIR") or None)
except SERError as exc:
    st.error(f"No model to predict with: {exc}")
    st.stop()

info = core.model_summary(model)
if info["warning"]:
    st.error(info["warning"])
with st.container(border=True):
    st.markdown(
        f"**Model:** `{info['name']}` ({info['source']}): {info['recipe']}.  \n**Trained on:** {info['trained_on']}."
    )
    if info["scores"]:
        st.caption(
            f"Measured on {info['scores_on']}: "
            + "; ".join(
                f"{mode} UAR {v['uar']:.2f} (accuracy {v['accuracy']:.2f})" for mode, v in info["scores"].items()
            )
        )

left, right = st.columns(2)
uploads = left.file_uploader(
    "Upload recordings or videos (WAV, FLAC, MP3, M4A, OGG/Opus, WebM, MP4, MOV, MKV)", accept_multiple_files=True
)
recording = right.audio_input("... or record yourself", sample_rate=None)
items = [(f.name, f.getvalue()) for f in uploads or []]
if recording is not None:
    items.append(("recording.wav", recording.getvalue()))
if not items:
    st.info("Upload a file or record a few seconds of speech to see the predicted emotion.")
    st.stop()

clips, problems = core.read_clips(items, sr=model.sr, max_seconds=core.MAX_SECONDS)
for msg in problems:
    st.error(msg)
if not clips:
    st.stop()
same = len(clips) > 1 and st.checkbox(
    "These clips are all the same speaker: score them together (per-speaker mode, "
    f"from {info['min_speaker_clips']} clips)",
    value=True,
)
with st.spinner("Scoring ..."):
    result = core.predict(model, clips, same_speaker=same)
st.markdown(f"**Prediction mode: {result.mode_title}** ({result.mode_description}).")
if result.note:
    st.caption(f"Single clip: {result.note}.")

for clip, r in zip(clips, result.clips):
    st.header(clip.name)
    if result.mode == "mixed":
        st.caption(f"Prediction mode: {core.MODES[r.mode][0]}.")
    if clip.truncated:
        st.warning(
            f"The file is {clip.full_duration_s / 60:.1f} minutes long: only its first "
            f"{core.MAX_SECONDS / 60:g} minutes are scored."
        )
    st.audio(clip.y, sample_rate=clip.sr)
    a, b = st.columns(2)
    a.pyplot(core.waveform_chart(clip))
    b.pyplot(core.logmel_chart(model, clip))
    a, b = st.columns([1, 2])
    a.metric(
        "Predicted emotion",
        r.emotion,
        f"{r.confidence:.0%} confidence",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    table = core.probability_table(r.probabilities)  # text in the page (an HTML table), not a canvas grid
    a.table(
        core.styled_table(
            table,
            caption="The verdict, in bold, is the most probable emotion.",
            bold_row=list(table["emotion"]).index(r.emotion),
        ),
        hide_index=True,
        alt=f"Probability of each emotion in {clip.name}",
    )
    b.pyplot(core.probability_chart(r.probabilities))
    if r.timeline is not None:
        st.subheader("Emotion over time")
        st.caption(f"Windows of {core.WINDOW_SECONDS:g} s; the verdict above averages them.")
        st.pyplot(core.timeline_chart(r.timeline))
        st.table(
            core.styled_table(core.timeline_table(r.timeline), caption="emotion: each window's most probable one."),
            hide_index=True,
            alt=f"Probability of each emotion in each window of {clip.name}",
        )
