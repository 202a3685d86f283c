"""The app in a real browser: streamlit run on a free 127.0.0.1 port, Chromium uploads a real recording."""

from __future__ import annotations

import os
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


def test_a_real_recording_gets_a_verdict_in_the_browser(browser, app_url, shared_data, tmp_path):
    real = min((shared_data / "cross-corpus-samples" / "crema-d").rglob("*.wav"))  # a speaker RAVDESS never had
    upload = shutil.copy(real, tmp_path / real.name)
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
    page.locator("input[type=file]").first.set_input_files(str(upload))
    page.get_by_text("Predicted emotion").wait_for(timeout=300_000)
    page.get_by_text("Prediction mode: single clip").wait_for(timeout=30_000)
    # the waveform, the log-mel and the probabilities: the last charts of the run
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=stMainBlockContainer] img').length >= 3", timeout=120_000
    )
    page.wait_for_timeout(1500)  # let the charts settle
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
    assert real.name in body and "Trained on:" in body and "Traceback" not in body
    assert not outside, f"the page fetched from the network: {outside[:5]}"
    print(f"screenshot: {shot}")
