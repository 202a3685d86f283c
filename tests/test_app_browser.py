"""The app in a real browser: streamlit run on a free 127.0.0.1 port, Chromium uploads a real recording."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from appkit import tiny_bundle

from ser_utils.models import shipped

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.shared]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"streamlit did not answer at {url} within {timeout_s} s")


@pytest.fixture
def app_url(tmp_path):
    model = (
        shipped.shipped_dir() if (shipped.shipped_dir() / "bundle.json").is_file() else tiny_bundle(tmp_path / "bundle")
    )
    port = _free_port()
    env = dict(os.environ, SER_MODEL_DIR=str(model), PYTHONPATH=str(ROOT))
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, timeout_s=120)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


PERCENT = re.compile(r"(\d{1,3}\.\d)%")


def _percent(text: str) -> float:
    """``"12.3%"`` as the page writes it -> 0.123; anything else fails."""
    m = PERCENT.fullmatch(text)
    assert m, f"not a percentage: {text!r}"
    return float(m.group(1)) / 100


def _table_text(table) -> tuple[list[str], list[list[str]]]:
    """An HTML table's header and rows, as the DOM's text (what a screen reader reads and copy-paste copies)."""
    header = [t.strip() for t in table.locator("thead th").all_inner_texts()]
    rows = [[t.strip() for t in r.locator("td").all_inner_texts()] for r in table.locator("tbody tr").all()]
    return header, rows


def _long_clip(wavs: list[Path], path: Path) -> Path:
    """The recordings one after the other, in one WAV."""
    import numpy as np
    import soundfile as sf

    parts = [sf.read(w, dtype="float32") for w in wavs]
    sf.write(path, np.concatenate([y for y, _ in parts]), parts[0][1])
    return path


def test_a_real_recording_gets_a_verdict_in_the_browser(browser, app_url, shared_data, tmp_path):
    wavs = sorted((shared_data / "cross-corpus-samples" / "crema-d").rglob("*.wav"))  # speakers RAVDESS never had
    real = wavs[0]
    upload = shutil.copy(real, tmp_path / real.name)
    long = _long_clip(wavs[:4], tmp_path / "four-sentences.wav")  # over 6 s: the emotion over time too
    outside: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    page.goto(app_url, wait_until="domcontentloaded", timeout=120_000)
    page.get_by_text("Upload a file or record").wait_for(timeout=180_000)
    page.locator("input[type=file]").first.set_input_files([str(upload), str(long)])
    page.get_by_text("Emotion over time").wait_for(timeout=300_000)
    page.get_by_text("Prediction mode: single clip").wait_for(timeout=30_000)
    # per clip the waveform, the log-mel and the probabilities, then the timeline: the last chart of the run
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=stMainBlockContainer] img').length >= 7", timeout=120_000
    )
    page.wait_for_timeout(1500)  # let the charts settle
    verdicts = [t.strip() for t in page.locator("[data-testid=stMetricValue]").all_inner_texts()]
    tables = page.locator("[data-testid=stMainBlockContainer] table")
    texts = [_table_text(tables.nth(i)) for i in range(tables.count())]
    labels = [tables.nth(i).get_attribute("aria-label") for i in range(tables.count())]
    grids = page.locator("[data-testid=stDataFrame]").count()  # canvas grids: no text to read
    # Streamlit scrolls inside its main block, not the document: grow the viewport to show it all
    height = page.evaluate(
        "(() => { const b = document.querySelector('[data-testid=stMainBlockContainer]') || document.body;"
        " const r = b.getBoundingClientRect(); return r.top + b.scrollHeight + 100; })()"
    )
    page.set_viewport_size({"width": 1280, "height": int(height) + 50})
    page.wait_for_timeout(1000)
    shot = tmp_path / "app.png"
    page.screenshot(path=str(shot), full_page=True)
    body = page.inner_text("body")
    page.close()
    assert shot.stat().st_size > 20_000
    # the probabilities are text: one table per clip, then the long clip's windows
    assert grids == 0 and len(texts) == 3 and len(verdicts) == 2
    assert labels[:2] == [f"Probability of each emotion in {n}" for n in (real.name, long.name)]
    for verdict, (header, rows) in zip(verdicts, texts[:2]):
        assert header == ["emotion", "probability"] and len(rows) == 8 and all(len(r) == 2 for r in rows)
        probs = {emotion: _percent(p) for emotion, p in rows}
        assert len(probs) == 8 and all(0 <= p <= 1 for p in probs.values())
        assert abs(sum(probs.values()) - 1) <= 8 * 0.0005 + 1e-9  # eight roundings to 0.1 %
        assert verdict in probs and probs[verdict] == max(probs.values())  # the verdict shown is the top one
    header, rows = texts[2]
    assert header[:2] == ["window", "emotion"] and len(header) == 10
    assert [r[0] for r in rows][:2] == ["0.0-3.0 s", "3.0-6.0 s"] and len(rows) >= 2
    for r in rows:
        p = dict(zip(header[2:], map(_percent, r[2:])))
        assert abs(sum(p.values()) - 1) <= 0.004 + 1e-9 and p[r[1]] == max(p.values())
    assert real.name in body and "Trained on:" in body and "Traceback" not in body
    assert not outside, f"the page fetched from the network: {outside[:5]}"
    print(f"screenshot: {shot}")
