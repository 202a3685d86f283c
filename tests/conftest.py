"""Shared fixtures: the real-data folder (or a skip) and a tiny-audio writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

#: ``shared/data`` beside the repository (read-only reference data; absent for most users).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``shared/data`` folder beside the repo; skips the test when it is absent."""
    if not (SHARED_DATA / "ravdess-22k").is_dir():
        pytest.skip(f"real data not available at {SHARED_DATA}")
    return SHARED_DATA


def _write_wav(path, y, sr: int, subtype: str = "PCM_16", channels: int = 1) -> Path:
    """Write ``y`` (shape ``(n,)`` or ``(n, channels)``) to ``path`` with soundfile.

    The format follows the extension (``.wav``, ``.flac``); a 1-D ``y`` is copied to
    every channel when ``channels > 1``. Parent folders are created. Returns the path.
    """
    import soundfile as sf

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    y = np.asarray(y, dtype=np.float32)
    if y.ndim == 1 and channels > 1:
        y = np.repeat(y[:, None], channels, axis=1)
    sf.write(str(p), y, int(sr), subtype=subtype)
    return p


@pytest.fixture
def write_wav() -> Callable[..., Path]:
    """``write_wav(path, y, sr, subtype="PCM_16", channels=1) -> Path``."""
    return _write_wav


#: Debian's Chromium, driven by Playwright (``./run_all.sh --test`` installs it; never downloaded).
CHROMIUM = Path("/usr/bin/chromium")

#: Flags for a headless Chromium on a machine without network: no background traffic.
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
)


@pytest.fixture(scope="session")
def browser():
    """A headless Playwright ``Browser`` on the system's Chromium; skips, saying why, without one."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (./run_all.sh --test installs Debian's chromium with apt-get)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS), headless=True)
        try:
            yield b
        finally:
            b.close()
