"""The real notebook series, end to end, through the same runner as ./run_all.sh.

A tiny demo corpus (6 actors, 16 kHz) and one training epoch keep this to about a minute.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ser_utils import config

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = list(config.NOTEBOOK_PARAMS)
TINY = [
    "-p", "test_actors", "[5, 6]",
    "-p", "epochs", "1",
    "-p", "n_mels", "32",
    "-p", "conv_filters", "[4, 8]",
    "-p", "lstm_units", "[8]",
    "-p", "dense_units", "8",
]


def _report(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ser_utils.reporting", *args],
        cwd=tmp,  # the runner must not depend on the current folder
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from ser_utils.data import synth

    out = tmp_path_factory.mktemp("corpus") / "demo"
    synth.make_corpus(out, actors=6, seed=1, sample_rate=16000)
    return out


@pytest.fixture(scope="module")
def series(corpus, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("series")
    args = ["--data-dir", str(corpus), "--artifacts-dir", str(tmp / "artifacts"), "--reports-dir", str(tmp / "reports")]
    args += TINY
    proc = _report(args, tmp)
    return proc, tmp


def test_series_exits_zero_and_names_every_notebook(series):
    proc, tmp = series
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for name in NOTEBOOKS:
        assert f"{name} ... ok" in proc.stdout
    m = json.loads((tmp / "reports" / "metrics.json").read_text())
    acc = m["data_account"]  # the training data's account: every file found, used or skipped per reason
    assert acc["n_used"] == m["n_files"] and acc["n_skipped"] == m["n_skipped"]
    assert list(acc["per_corpus"]) == ["ravdess"]
    assert acc["n_in"] == acc["n_used"] + sum(acc["skipped_by_reason"].values())


def test_every_report_is_offline_and_small(series):
    _, tmp = series
    reports = tmp / "reports"
    for name in [*NOTEBOOKS, *(f"{n}.full" for n in NOTEBOOKS), "index", "report"]:
        html = (reports / f"{name}.html").read_text()
        assert not re.search(r"<script[^>]+src=[\"']https?:", html), name
        assert not re.search(r"<link[^>]+href=[\"']https?:", html), name
        assert "Failed to display Jupyter Widget" not in html, name
        assert (reports / f"{name}.html").stat().st_size < 3 * 1024 * 1024, name
    # plots are embedded, and the synthetic data is called synthetic
    assert "data:image/png;base64" in (reports / "01_eda.html").read_text()
    assert "SYNTHETIC" in (reports / "index.html").read_text().upper()
    assert "The saved model bundle: <code>" in (reports / "index.html").read_text()


def _output_html(executed: Path, call: str) -> str:
    """The HTML output of the executed notebook's cell that contains ``call``."""
    nb = json.loads(executed.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and call in "".join(c["source"]))
    return "".join("".join(o["data"]["text/html"]) for o in cell["outputs"] if "text/html" in o.get("data", {}))


def test_each_parameter_table_lists_exactly_its_notebooks_parameters(series):
    _, tmp = series
    for name in NOTEBOOKS:
        html = _output_html(tmp / "artifacts" / "executed" / f"{name}.ipynb", "run.parameters_table()")
        rows = re.findall(r"<tr>\s*<th>(\w+)</th>", html.split("<tbody>", 1)[-1])
        assert rows == list(config.NOTEBOOK_PARAMS[name]), name


def test_feature_overview_shows_time_and_cache_counts(series):
    _, tmp = series
    html = _output_html(tmp / "artifacts" / "executed" / "02_features.ipynb", "feature_overview(")
    counts = re.search(r"computed / from cache</th>\s*<td>(\d+) / (\d+)</td>", html)
    seconds = re.search(r"extraction time s</th>\s*<td>([0-9.]+)</td>", html)
    assert counts and seconds, html[-2000:]
    assert int(counts[1]) + int(counts[2]) > 0 and float(seconds[1]) > 0


def test_index_links_resolve(series):
    _, tmp = series
    reports = tmp / "reports"
    html = (reports / "index.html").read_text()
    links = re.findall(r'href="([^"#:]+\.html)"', html)
    assert {f"{n}.html" for n in NOTEBOOKS} | {f"{n}.full.html" for n in NOTEBOOKS} <= set(links)
    for link in links:
        assert (reports / link).is_file(), link


def test_reports_read_well_in_a_browser(series, browser, tmp_path):
    """The front page and every report at desktop and phone widths: no sideways scroll, every figure shown."""
    from test_report_browser import check_pages

    _, tmp = series
    pages = ["index.html", "report.html", *(f"{n}.html" for n in NOTEBOOKS), *(f"{n}.full.html" for n in NOTEBOOKS)]
    shown = check_pages(browser, tmp / "reports", pages, tmp_path / "screenshots")
    assert shown["index.html"][400] >= 3  # confusion matrix, recall per emotion, the models compared
    # every notebook has figures (but 06, skipped here: no other corpus was given)
    assert all(shown[f"{n}.html"][400] > 0 for n in NOTEBOOKS if n != "06_cross_corpus")


def test_metrics_json_has_the_required_keys_and_honest_values(series):
    _, tmp = series
    m = json.loads((tmp / "reports" / "metrics.json").read_text())
    required = [
        "accuracy", "uar", "macro_f1", "per_class", "split", "train_actors", "val_actors", "test_actors",
        "n_train", "n_test", "timings_s", "parameters", "data_dir", "synthetic", "model_dir",
    ]
    missing = [k for k in required if k not in m]
    assert not missing, missing
    for k in ("accuracy", "uar", "macro_f1"):
        assert 0.0 <= m[k] <= 1.0
    assert m["synthetic"] is True
    assert m["split"] == "speaker"
    # the named test actors, and only they, are the test set; no actor in two parts
    assert sorted(m["test_actors"]) == [5, 6]
    train, val, test = set(m["train_actors"]), set(m["val_actors"]), set(m["test_actors"])
    assert not (train & test) and not (val & test) and not (train & val)
    assert m["n_test"] > 0 and m["n_train"] > 0
    assert set(m["per_class"]) >= {"neutral", "angry", "sad"}
    assert all(n in m["timings_s"] for n in NOTEBOOKS)
    assert Path(m["model_dir"], "model.keras").is_file()
    # the bundle is the CRNN fused with the classic model; each part is also scored alone
    assert m["fusion_weight"] == config.resolve("demo")["fusion_weight"] > 0
    assert Path(m["model_dir"], "classic.skops").is_file()
    alone = [name for name in m["baselines"] if name.endswith("alone")]
    assert len(alone) == 2 and any(name.startswith("CRNN") for name in alone), m["baselines"]
    assert "majority class" in m["baselines"]
    # each prediction mode scored per corpus too (one corpus here: the same numbers as the mode's)
    for mode in ("per_speaker", "single_clip"):
        pm = m["prediction_modes"][mode]
        assert set(pm["per_corpus"]) == {"ravdess"}
        one = pm["per_corpus"]["ravdess"]
        assert one["n"] == m["n_test"] == pm["n"] and one["uar"] == pytest.approx(pm["uar"])


def test_predict_command_uses_the_saved_bundle(series, corpus):
    _, tmp = series
    m = json.loads((tmp / "reports" / "metrics.json").read_text())
    one = sorted((corpus / "speech" / "Actor_05").glob("*.wav"))[0]
    proc = subprocess.run(
        [sys.executable, "-m", "ser_utils.models.predict", str(one), "--model", m["model_dir"], "--json"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    row = json.loads(proc.stdout.strip().splitlines()[0])
    assert row["path"].endswith(one.name)
    assert abs(sum(row["probabilities"].values()) - 1.0) < 1e-3


def test_a_failing_notebook_stops_the_run_and_still_renders(corpus, tmp_path):
    # actor 24 is not in a 6-actor corpus: notebook 03 must fail, clearly
    args = ["--data-dir", str(corpus), "--artifacts-dir", str(tmp_path / "a"), "--reports-dir", str(tmp_path / "r"),
            *TINY[:0], "-p", "test_actors", "[24]"]
    proc = _report(args, tmp_path)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "03_oversampling" in out
    html = (tmp_path / "r" / "03_oversampling.html").read_text()
    assert "24" in html and ("Error" in html or "Traceback" in html)
    assert not (tmp_path / "r" / "04_crnn_training.html").exists()


def test_a_random_split_is_reported_as_random(corpus, tmp_path):
    # notebook 05 must report what notebook 03 did, not its own profile's default split
    args = ["--data-dir", str(corpus), "--artifacts-dir", str(tmp_path / "a"), "--reports-dir", str(tmp_path / "r"),
            *TINY[3:], "-p", "split", "random"]
    proc = _report(args, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert m["split"] == "random"
    assert "random split" in m["protocol"].lower() and "same actors" in m["protocol"]
    assert set(m["test_actors"]) == set(range(1, 7))  # a random split lets every actor into test


# --------------------------------------------------------------------------- notebook 06 (cross-corpus)


def test_cross_corpus_notebook_is_skipped_without_other_corpora(series):
    proc, tmp = series
    assert "06_cross_corpus ... ok" in proc.stdout
    html = (tmp / "reports" / "06_cross_corpus.html").read_text()
    assert "Skipped: no other corpus was given" in html
    assert "cross_corpus" not in json.loads((tmp / "reports" / "metrics.json").read_text())


def test_cross_corpus_notebook_scores_other_corpora(series, corpus, tmp_path):
    import shutil

    import numpy as np
    import soundfile as sf

    _, tmp = series
    other = tmp_path / "other"
    rng = np.random.default_rng(0)
    names = [f"AudioWAV/{a}_DFA_{e}_XX.wav" for a in (1001, 1002) for e in ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")]
    names += [f"ALL/DC_{c}01.wav" for c in ("a", "d", "f", "h", "n", "sa", "su")] + ["ALL/readme.txt"]
    for n in names:
        p = other / n
        p.parent.mkdir(parents=True, exist_ok=True)
        if n.endswith(".txt"):
            p.write_text("not audio\n")
        else:
            sf.write(str(p), (0.2 * rng.standard_normal(16000)).astype(np.float32), 16000)
    nb = tmp_path / "nb"
    nb.mkdir()
    for name in ("05_evaluation", "06_cross_corpus"):  # metrics.json reports what 05 and 06 of one run measured
        shutil.copyfile(ROOT / "notebooks" / f"{name}.ipynb", nb / f"{name}.ipynb")
    args = ["--data-dir", str(corpus), "--notebooks-dir", str(nb), "--artifacts-dir", str(tmp / "artifacts"),
            "--reports-dir", str(tmp_path / "r"), "-p", "cross_corpus_dirs", f"[{other}]"]
    proc = _report(args, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())["cross_corpus"]
    assert set(m) == {"crema-d", "savee"}
    assert m["crema-d"]["n_files"] == 12 and m["crema-d"]["n_speakers"] == 2 and len(m["crema-d"]["classes"]) == 6
    assert m["savee"]["classes"] == ["neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
    for entry in m.values():
        assert entry["chance_uar"] == 1 / len(entry["classes"])
        for mode in ("single_clip", "per_speaker"):
            assert 0.0 <= entry[mode]["uar"] <= 1.0 and 0.0 <= entry[mode]["accuracy"] <= 1.0
    # every file of the folder, per corpus: in == used + skipped (readme.txt counts with savee, beside it)
    assert {c: e["files"]["n_in"] for c, e in m.items()} == {"crema-d": 12, "savee": 8}
    assert m["savee"]["files"]["skipped_by_reason"] == {"unparseable_name": 1} and m["savee"]["files"]["n_used"] == 7
    assert m["savee"]["files"]["skipped_files"][0]["path"] == "ALL/readme.txt"
    html = (tmp_path / "r" / "06_cross_corpus.html").read_text()
    assert "restricted to those shared classes and renormalised" in html and "savee:DC" in html
    assert "ALL/readme.txt" in html and "files in" in html
    assert "Files of the other corpora" in (tmp_path / "r" / "index.html").read_text()
