"""ser_utils.reporting on a series of small fake notebooks (papermill runs real kernels), and its pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import soundfile as sf

from ser_utils.errors import ConfigError
from ser_utils.reporting import cli, execute, figures, overrides, render, runinfo, summary

# Comments holding "=" as in the real notebooks (papermill's own inspection skips such lines).
PARAMS_CELL = (
    'profile = "demo"  # "demo" or "full"; None = from the data\n'
    "data_dir = None\n"
    "artifacts_dir = None  # None = artifacts/\n"
)

EDA_CODE = r"""
import json, sys, time
from pathlib import Path
import matplotlib.pyplot as plt
from tqdm import tqdm
from IPython.display import display
from ser_utils import config

cfg = config.resolve(profile, test_actors=test_actors)
out = config.artifact_path(artifacts_dir, "dataset")
out.parent.mkdir(parents=True, exist_ok=True)
files = sorted(p.name for p in Path(data_dir).rglob("*.wav"))
out.write_text(json.dumps({"data_dir": data_dir, "roots": [data_dir], "n_files": len(files),
                           "n_skipped": 0, "synthetic": False, "fingerprint": "feedc0ffee"}))
for _ in tqdm(range(40), file=sys.stderr, mininterval=0, ascii=True, desc="scanning"):
    time.sleep(0.002)
display({"application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
         "text/plain": "HB" + "ox(children=(FloatProgress(value=0.0),))"}, raw=True)
import os
os.write(2, b"I0000 00:00:1795249371.122603   17895 port.cc:153] native" + b" noise from C++\n")
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([0, 1, 2], [1, 0, 1])
plt.show()
print("files:", len(files), "profile:", cfg["profile"])
"""

EVAL_CODE = r"""
import json
from ser_utils import config, EMOTIONS
out = config.artifact_path(artifacts_dir, "metrics")
out.parent.mkdir(parents=True, exist_ok=True)
per_class = {e: {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 4} for e in EMOTIONS}
out.write_text(json.dumps({
    "accuracy": 0.625, "uar": 0.6, "macro_f1": 0.58, "weighted_f1": 0.61, "per_class": per_class,
    "split": "speaker", "train_actors": [1, 2, 3], "val_actors": [4], "test_actors": test_actors,
    "test_actors_type": type(test_actors).__name__, "n_train": 30, "n_test": 32, "model_dir": "bundle",
    "baselines": {"svm": {"accuracy": 0.4, "uar": 0.38, "macro_f1": 0.37}},
    "protocol": "speaker-independent, actors 17-18 held out"}))
print("evaluated", type(test_actors).__name__)
"""


def make_nb(path: Path, cells: list, params: str = PARAMS_CELL) -> Path:
    nb = nbformat.v4.new_notebook()
    pcell = nbformat.v4.new_code_cell(params)
    pcell.metadata["tags"] = ["parameters"]
    nb.cells = [cells[0], pcell, *cells[1:]]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def md(text: str):
    return nbformat.v4.new_markdown_cell(text)


def code(text: str):
    return nbformat.v4.new_code_cell(text)


@pytest.fixture(scope="module")
def fake_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    for name in ("03-01-01-01-01-01-17.wav", "03-01-05-02-01-01-18.wav"):
        (root / "Actor_x").mkdir(exist_ok=True)
        sf.write(root / "Actor_x" / name, np.zeros(1600, dtype=np.float32), 16000)
    return root


@pytest.fixture(scope="module")
def good_series(tmp_path_factory, fake_data):
    base = tmp_path_factory.mktemp("good")
    nbdir = base / "notebooks"
    nbdir.mkdir()
    make_nb(
        nbdir / "01_eda.ipynb",
        [md("# Exploring the corpus\n\n```python\n# not a heading\n```\n\n## Files found"), code(EDA_CODE)],
        PARAMS_CELL + "test_actors = None\n",
    )
    make_nb(
        nbdir / "05_evaluation.ipynb",
        [md("# Evaluation results\n\n## Files found"), code(EVAL_CODE)],
        PARAMS_CELL + "test_actors = None\nseed = None\n",
    )
    argv = [
        "--data-dir",
        str(fake_data),
        "--profile",
        "demo",
        "-p",
        "test_actors",
        "[17, 18]",
        "--notebooks-dir",
        str(nbdir),
        "--artifacts-dir",
        str(base / "artifacts"),
        "--reports-dir",
        str(base / "reports"),
    ]
    status = cli.main(argv)
    return {"status": status, "reports": base / "reports", "artifacts": base / "artifacts"}


def check_offline_html(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?https?:", text, re.I), path
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?:", text, re.I), path
    assert "Failed to display Jupyter Widget" not in text
    assert path.stat().st_size < render.MAX_REPORT_BYTES
    return text


@pytest.mark.slow
def test_series_runs_and_renders(good_series, capsys):
    assert good_series["status"] == 0
    reports = good_series["reports"]
    for name in ("01_eda", "05_evaluation", "index", "report"):
        check_offline_html(reports / f"{name}.html")
    check_offline_html(reports / "01_eda.full.html")
    eda = (reports / "01_eda.full.html").read_text(encoding="utf-8")
    reader = (reports / "01_eda.html").read_text(encoding="utf-8")
    # the reader version hides the code and keeps the outputs; the full version keeps both
    assert (
        'class="jp-CodeMirrorEditor' in eda
        and 'class="jp-CodeMirrorEditor' not in reader
        and "files: 2 profile: demo" in reader
    )
    assert 'href="01_eda.full.html"' in reader and 'href="01_eda.html"' in eda
    for text in (eda, reader):
        assert "data:image/png;base64," in text  # the plot is embedded
        assert "HBox(children" not in text  # widget residue removed
    injected = eda[eda.index("celltag_injected-parameters") :][:4000]  # the parameters used are shown
    assert "test_actors" in injected and ">17<" in injected and ">18<" in injected
    executed = (good_series["artifacts"] / "executed" / "01_eda.ipynb").read_text()
    assert "\\r" in executed  # tqdm really rewrote its line ...
    assert "40/40" in eda and "20/40" not in eda  # ... and only its last state is shown
    # the kernels' own stderr (TensorFlow's C++ logs) goes to a log file, not the terminal nor the HTML
    assert "native noise" in (good_series["artifacts"] / "executed" / "kernels.log").read_text()
    assert "native noise" not in eda


@pytest.mark.slow
def test_index_links_and_summary(good_series):
    reports = good_series["reports"]
    text = check_offline_html(reports / "index.html")
    hrefs = re.findall(r'href="([^"#][^"]*)"', text)
    assert {"01_eda.html", "05_evaluation.html", "01_eda.full.html", "report.html", "metrics.json"} <= set(hrefs)
    assert text.index('href="01_eda.html"') < text.index('href="01_eda.full.html"')  # the reader version first
    for href in hrefs:
        assert (reports / href).is_file(), href
    assert "feedc0ffee" in text and "0.625" in text and "UAR" in text and "held out. Test files" in text
    assert "62.5 %" in text and "60.0 %" in text  # accuracy and UAR as large numbers
    assert "test_actors" in text and "[17, 18]" in text and "<details>" in text
    assert "<script" not in text
    # the figures drawn from notebook 05's metrics: recall per emotion and the comparison (no predictions.csv)
    assert text.count('<img src="data:image/png;base64,') == 2


@pytest.mark.slow
def test_single_file_report_has_toc_and_all_headings(good_series):
    text = check_offline_html(good_series["reports"] / "report.html")
    assert 'id="contents"' in text
    for anchor in ("nb-01_eda", "nb-05_evaluation"):
        assert f'href="#{anchor}"' in text and f'id="{anchor}"' in text
    for heading in ("Exploring the corpus", "Evaluation results"):
        assert heading in text
    # the same heading in two notebooks gets two distinct anchors, both in the TOC
    assert 'href="#nb-01_eda-h2"' in text and 'href="#nb-05_evaluation-h2"' in text
    assert "not a heading</a>" not in text  # code fences are not headings
    assert "0.625" in text  # summary on top
    assert '<h1 id="top">' in text and "&lt;h2" not in text  # the summary's HTML is not escaped
    assert 'class="jp-CodeMirrorEditor' not in text  # the reader version of every notebook


@pytest.mark.slow
def test_metrics_json(good_series):
    m = json.loads((good_series["reports"] / "metrics.json").read_text())
    for key in (
        "accuracy",
        "uar",
        "macro_f1",
        "per_class",
        "split",
        "train_actors",
        "val_actors",
        "test_actors",
        "n_train",
        "n_test",
        "timings_s",
        "parameters",
        "data_dir",
        "synthetic",
        "model_dir",
        "profile",
        "git_commit",
        "versions",
        "fingerprint",
    ):
        assert key in m, key
    assert m["status"] == "ok" and m["profile"] == "demo" and m["synthetic"] is False
    assert 0 <= m["accuracy"] <= 1 and m["uar"] == 0.6
    assert set(m["per_class"]) == {"neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"}
    assert m["test_actors"] == [17, 18] and m["test_actors_type"] == "list"  # -p reached the notebook as a list
    assert m["parameters"]["test_actors"] == [17, 18]
    t = m["timings_s"]
    assert set(t) == {"01_eda", "05_evaluation", "total"} and t["total"] >= t["01_eda"] > 0
    assert m["versions"]["numpy"] and m["fingerprint"] == "feedc0ffee"


@pytest.mark.slow
def test_failing_notebook_stops_and_is_reported(tmp_path, fake_data, capsys):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    make_nb(nbdir / "01_boom.ipynb", [md("# Boom"), code("x = 1\nraise ValueError('deliberate failure 42')")])
    make_nb(nbdir / "02_after.ipynb", [md("# After"), code("print('never')")])
    status = cli.main(
        [
            "--data-dir",
            str(fake_data),
            "--notebooks-dir",
            str(nbdir),
            "--artifacts-dir",
            str(tmp_path / "a"),
            "--reports-dir",
            str(tmp_path / "r"),
        ]
    )
    err = capsys.readouterr().err
    assert status == 1
    assert "notebook 01_boom failed: ValueError: deliberate failure 42" in err and "01_boom.html" in err
    html_text = check_offline_html(tmp_path / "r" / "01_boom.html")
    assert "deliberate failure 42" in html_text and "Traceback" in html_text or "ValueError" in html_text
    assert not (tmp_path / "r" / "02_after.html").exists()
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert m["status"] == "failed" and m["failed_notebook"] == "01_boom" and m["accuracy"] is None
    assert m["notebooks"] == {"01_boom": "failed", "02_after": "not run"}
    index = check_offline_html(tmp_path / "r" / "index.html")
    assert "01_boom failed" in index


# --- checks made before anything runs (no kernel) -------------------------------------------------


@pytest.fixture
def tiny_series(tmp_path):
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    make_nb(nbdir / "01_a.ipynb", [md("# A"), code("print(1)")], PARAMS_CELL + "test_actors = None\n")
    return nbdir


def _run_nothing(*a, **k):
    raise AssertionError("no notebook may run")


@pytest.mark.slow
def test_render_only_rewrites_the_reports_without_running(good_series, capsys, monkeypatch):
    monkeypatch.setattr(cli, "run_notebooks", _run_nothing)
    reports, artifacts = good_series["reports"], good_series["artifacts"]
    (reports / "index.html").unlink()
    (reports / "01_eda.full.html").unlink()
    argv = ["--render-only", "--artifacts-dir", str(artifacts), "--reports-dir", str(reports)]
    assert cli.main(argv) == 0
    assert (reports / "01_eda.full.html").is_file()
    assert "01_eda.html" in check_offline_html(reports / "index.html")
    assert cli.main([*argv, "-p", "seed", "3"]) == 2
    assert "takes no -p" in capsys.readouterr().err
    assert cli.main(["--render-only", "--artifacts-dir", str(reports / "nowhere")]) == 2
    assert "run without --render-only first" in capsys.readouterr().err


def test_unknown_parameter_fails_before_running(tiny_series, fake_data, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "run_notebooks", _run_nothing)
    base = ["--data-dir", str(fake_data), "--notebooks-dir", str(tiny_series), "--reports-dir", str(tmp_path / "r")]
    assert cli.main([*base, "-p", "unknown_param", "1"]) == 2
    assert "unknown parameter 'unknown_param'" in capsys.readouterr().err
    assert cli.main([*base, "-p", "test_actor", "[17]"]) == 2
    assert "did you mean 'test_actors'" in capsys.readouterr().err
    assert cli.main([*base, "-p", "n_mels", "32"]) == 2  # valid, but no notebook declares it
    assert "declared by none" in capsys.readouterr().err
    assert cli.main([*base, "--profile", "demo", "-p", "test_actors", "[30]"]) == 2  # invalid value
    assert "test_actors" in capsys.readouterr().err
    assert cli.main([*base, "-p", "profile", "full"]) == 2
    assert "--profile" in capsys.readouterr().err
    assert cli.main(["--data-dir", str(tmp_path / "nope"), "--notebooks-dir", str(tiny_series)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_declared_parameters_reads_the_cell_with_ast(tmp_path):
    nb = make_nb(
        tmp_path / "01_x.ipynb",
        [md("# X"), code("y = 2")],
        "%matplotlib inline\nprofile = None  # a; None = auto\nseed: int = None\n"
        "conv_filters = [\n    16,  # = first\n    32,\n]\n",
    )
    assert overrides.declared_parameters(nb) == {"profile", "seed", "conv_filters"}
    plain = nbformat.v4.new_notebook()
    plain.cells = [code("a = 1")]
    nbformat.write(plain, tmp_path / "02_y.ipynb")
    assert overrides.declared_parameters(tmp_path / "02_y.ipynb") == set()


def test_help_exits_zero(capsys):
    assert cli.main(["--help"]) == 0
    assert "--data-dir" in capsys.readouterr().out


def test_parse_overrides_values():
    assert overrides.parse_overrides([["test_actors", "[17, 18]"], ["epochs", "3"], ["fmax", "none"]]) == {
        "test_actors": [17, 18],
        "epochs": 3,
        "fmax": None,
    }


def test_clean_stream_text():
    bar = "\r  0%|          | 0/3\r 33%|###       | 1/3\r100%|##########| 3/3\n"
    assert render.clean_stream_text("start\n" + bar + "done\n") == "start\n100%|##########| 3/3\ndone\n"
    assert render.clean_stream_text("abc\b\bXY\n") == "aXY\n"
    assert render.clean_stream_text("left\r") == "left"
    assert render.clean_stream_text("plain\ntext") == "plain\ntext"


def test_sanitize_notebook_strips_widgets_and_merges_streams():
    nb = nbformat.v4.new_notebook(metadata={"widgets": {"state": {}}})
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="\r 10%|#"),
        nbformat.v4.new_output("stream", name="stderr", text="\r100%|##########|\n"),
        nbformat.v4.new_output(
            "display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "m"}, "text/plain": "HBox()"}
        ),
        nbformat.v4.new_output(
            "display_data",
            data={"application/vnd.jupyter.widget-view+json": {"model_id": "m"}, "text/html": "<b>kept</b>"},
        ),
    ]
    nb.cells = [cell]
    tf_log = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1795249371.122603   17895 port.cc:153] oneDNN custom operations are on.\n"
        "real warning kept\n"
    )
    cell2 = nbformat.v4.new_code_cell("import tensorflow")
    cell2.outputs = [nbformat.v4.new_output("stream", name="stderr", text=tf_log)]
    nb.cells.append(cell2)
    out = render.sanitize_notebook(nb)
    assert "widgets" not in out.metadata and "widgets" in nb.metadata  # a copy
    outs = out.cells[0].outputs
    assert len(outs) == 2 and outs[0].text == "100%|##########|\n"
    assert out.cells[1].outputs[0].text == "real warning kept\n"
    assert render.sanitize_notebook(nb, drop_native_logs=False).cells[1].outputs[0].text == tf_log
    assert outs[1].data == {"text/html": "<b>kept</b>"}


def test_render_html_is_offline(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [md("# Title\n\nSome $x^2$ text"), code("print(1)")]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nbformat.write(nb, tmp_path / "n.ipynb")
    path = render.render_html(tmp_path / "n.ipynb", tmp_path / "out" / "n.html")
    text = check_offline_html(path)
    assert "<script" not in text and "Title" in text and 'class="jp-CodeMirrorEditor' in text
    reader = check_offline_html(render.render_html(tmp_path / "n.ipynb", tmp_path / "out" / "r.html", code=False))
    assert (
        'class="jp-CodeMirrorEditor' not in reader
        and "Title" in reader
        and "ser-reader" in reader
        and "<pre>1" in reader
    )


def test_run_info_keys():
    info = runinfo.run_info()
    assert set(info) >= {"git_commit", "git_dirty", "date", "machine", "versions"}
    assert info["machine"]["cpu_count"] >= 1 and info["versions"]["numpy"]
    assert re.fullmatch(r"[0-9a-f]{4,40}|unknown", info["git_commit"])


def test_check_declared_names_the_notebooks_that_take_a_parameter():
    declared = {"01_eda": {"profile", "artifacts_dir", "data_dir", "n_mels"}}
    overrides.check_declared({"n_mels": 32}, declared)  # declared: fine
    with pytest.raises(
        ConfigError,
        match=r"'seed' are declared by none of the notebooks \(01_eda\).*"
        r"'seed' is taken by 03_oversampling, 04_crnn_training",
    ):
        overrides.check_declared({"seed": 1, "n_mels": 32}, declared)


def test_the_projects_notebooks_must_match_the_registry(tmp_path):
    from ser_utils import config

    nbdir = Path(__file__).resolve().parents[1] / "notebooks"
    declared = {nb.stem: overrides.declared_parameters(nb) for nb in overrides.find_notebooks(nbdir)}
    overrides._check_registered(nbdir, declared)  # the project as committed passes
    declared["05_evaluation"] = declared["05_evaluation"] | {"seed"}
    with pytest.raises(ConfigError, match=r"05_evaluation\.ipynb: its parameters cell differs .* also assigns seed"):
        overrides._check_registered(nbdir, declared)
    for nb in config.NOTEBOOK_PARAMS:
        make_nb(tmp_path / f"{nb}.ipynb", [md("# x")])
    make_nb(tmp_path / "07_unregistered.ipynb", [md("# x")])
    with pytest.raises(ConfigError, match="07_unregistered.ipynb not registered"):
        overrides._check_registered(tmp_path, {})


# --- the front page, from the templates (no kernel) ------------------------------------------------


def _fake_runs(tmp_path: Path, *, error: str | None = None) -> list:
    runs = []
    for name in ("01_eda", "05_evaluation"):
        (tmp_path / f"{name}.html").write_text("<p>reader</p>")
        (tmp_path / f"{name}.full.html").write_text("<p>full</p>")
        runs.append(
            execute.NotebookRun(
                name=name,
                source=tmp_path / f"{name}.ipynb",
                executed=tmp_path / f"{name}.ipynb",
                status="ok",
                seconds=2.5,
                html=tmp_path / f"{name}.html",
                full_html=tmp_path / f"{name}.full.html",
                title=f"Title of {name}",
            )
        )
    if error:
        runs[-1].status, runs[-1].error = "failed", error
    return runs


def _fake_metrics(**extra) -> dict:
    from ser_utils.config import EMOTIONS

    per_class = {
        e: {"precision": 0.5, "recall": 0.25 + 0.05 * i, "f1": 0.5, "support": 10} for i, e in enumerate(EMOTIONS)
    }
    m = {
        "accuracy": 0.41,
        "uar": 0.4,
        "macro_f1": 0.39,
        "per_class": per_class,
        "split": "speaker",
        "train_actors": [1, 2],
        "val_actors": [3],
        "test_actors": [4],
        "n_train": 40,
        "n_test": 80,
        "model": "crnn + svm",
        "fusion_weight": 0.4,
        "protocol": "**Speaker-independent** split",
        "baselines": {
            "CRNN (crnn) alone": {"accuracy": 0.3, "uar": 0.3, "macro_f1": 0.3},
            "majority class": {"accuracy": 0.125, "uar": 0.125, "macro_f1": 0.03},
        },
    }
    m.update(extra)
    return m


def _index(tmp_path: Path, metrics: dict | None, *, runs=None, predictions=None) -> str:
    from ser_utils import config

    cfg = dict(config.resolve("demo"), data_dir=str(tmp_path))
    figs = figures.front_page_figures(metrics, predictions=predictions)
    path = summary.write_index(
        tmp_path,
        runs=runs or _fake_runs(tmp_path),
        cfg=cfg,
        data={"roots": [str(tmp_path)], "synthetic": False},
        metrics=metrics,
        info=runinfo.run_info(),
        overrides={"seed": 3},
        figures=figs,
    )
    return check_offline_html(path)


def test_front_page_shows_both_prediction_modes_and_the_other_corpora(tmp_path):
    import pandas as pd

    modes = {
        "per_speaker": {
            "accuracy": 0.61,
            "uar": 0.6,
            "macro_f1": 0.59,
            "n": 80,
            "description": "all clips of a speaker",
        },
        "single_clip": {"accuracy": 0.52, "uar": 0.5, "macro_f1": 0.49, "n": 80, "description": "each clip alone"},
    }
    cross = {
        "crema-d": {
            "n_files": 30,
            "classes": ["sad", "angry"],
            "chance_uar": 0.5,
            "n_speakers": 3,
            "single_clip": {"uar": 0.55, "accuracy": 0.5},
            "per_speaker": {"uar": 0.6, "accuracy": 0.6},
        }
    }
    preds = pd.DataFrame({"true": ["sad", "sad", "angry", "calm"], "predicted": ["sad", "angry", "angry", "calm"]})
    text = _index(tmp_path, _fake_metrics(prediction_modes=modes, cross_corpus=cross), predictions=preds)
    for number in ("60.0 %", "50.0 %", "61.0 %", "52.0 %"):
        assert number in text
    assert "Per speaker" in text and "Single clip" in text and "all clips of a speaker" in text
    assert "one prediction mode" not in text and "No other corpus" not in text
    assert text.count('<img src="data:image/png;base64,') == 4  # confusion, recall, comparison, other corpora
    assert "by actors 04, whom the model never heard" in text  # the protocol in one sentence
    assert text.index('href="01_eda.html"') < text.index('href="01_eda.full.html"')
    assert "<b>Speaker-independent</b> split." in text  # the protocol's markdown, rendered
    params = text[text.index('id="summary-parameters"') :]
    assert "<details>" in text[: text.index('id="summary-parameters"')] and 'class="ser-override"' in params


def test_front_page_counts_the_files_of_each_other_corpus(tmp_path):
    files = {"folder": "/data/CREMA-D", "n_in": 7442, "n_used": 7437, "n_skipped": 5,
             "skipped_by_reason": {"unparseable_name": 1, "silent": 1, "duplicate": 3},
             "skipped_files": [{"path": "AudioWAV/1040_ITH_SAD_X.wav", "reason": "unparseable_name", "detail": "x"},
                               {"path": "AudioWAV/1076_MTI_SAD_XX.wav", "reason": "silent", "detail": "x"}],
             "n_not_listed": 3}
    cross = {"crema-d": {"n_files": 7437, "classes": ["sad", "angry"], "chance_uar": 0.5, "n_speakers": 91,
                         "single_clip": {"uar": 0.55, "accuracy": 0.5}, "files": files},
             "tess": {"n_files": 0, "classes": [], "chance_uar": None, "n_speakers": 0}}  # all skipped, no account
    text = _index(tmp_path, _fake_metrics(cross_corpus=cross))
    section = text[text.index("Files of the other corpora") :]
    row = section[section.index("<td>crema-d</td>") : section.index("</tr>", section.index("<td>crema-d</td>"))]
    for cell in ("/data/CREMA-D", ">7442<", ">7437<", ">5<", "1 unparseable name, 1 silent, 3 duplicate",
                 "AudioWAV/1040_ITH_SAD_X.wav (unparseable name)", "and 3 more"):
        assert cell in row, cell
    assert "<td>tess</td>" not in section


def test_metrics_json_carries_the_training_data_account(tmp_path):
    import pandas as pd

    from ser_utils import config
    from ser_utils.reporting import metrics as report_metrics

    adir = tmp_path / "artifacts"
    manifest = pd.DataFrame({"path": [f"/d/Actor_01/03-01-0{e}-01-01-01-01.wav" for e in (1, 2, 3)],
                             "corpus": ["ravdess"] * 3, "file_id": ["a", "b", "c"]})
    skipped = pd.DataFrame({"path": ["/d/Actor_01/03-01-04-01-01-01-01.wav", "/d/Actor_01/notes.txt",
                                     "/d/OAF_angry/OAF_back_angry.wav"],
                            "reason": ["silent", "unparseable_name", "duplicate"], "detail": ["", "", ""]})
    for name, df in (("manifest", manifest), ("skipped", skipped)):
        path = config.artifact_path(adir, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(path, index=False)
    runs = _fake_runs(tmp_path)
    runs[0].parameters = {"artifacts_dir": str(adir)}  # the folder notebook 01 was given
    out = report_metrics.write_metrics(tmp_path / "metrics.json", runs=runs, cfg={}, data={}, metrics=None,
                                       info={})
    want = {"n_in": 6, "n_used": 3, "n_skipped": 3,
            "skipped_by_reason": {"unparseable_name": 1, "silent": 1, "duplicate": 1},
            "per_corpus": {"ravdess": {"n_in": 5, "n_used": 3, "n_skipped": 2,
                                       "skipped_by_reason": {"unparseable_name": 1, "silent": 1}},
                           "tess": {"n_in": 1, "n_used": 0, "n_skipped": 1, "skipped_by_reason": {"duplicate": 1}}}}
    assert out["data_account"] == want
    assert json.loads((tmp_path / "metrics.json").read_text())["data_account"] == want
    runs[0].status = "failed"  # notebook 01 did not run: no account rather than a stale one
    assert report_metrics.write_metrics(tmp_path / "m2.json", runs=runs, cfg={}, data={}, metrics=None,
                                        info={})["data_account"] is None


def test_front_page_says_when_a_mode_or_the_other_corpora_are_absent(tmp_path):
    text = _index(tmp_path, _fake_metrics())
    assert "40.0 %" in text and "one prediction mode" in text and "No other corpus" in text
    assert text.count('<img src="data:image/png;base64,') == 2  # no predictions: no confusion matrix


def test_front_page_escapes_what_the_run_wrote(tmp_path):
    runs = _fake_runs(tmp_path, error="ValueError: <script>alert(1)</script>")
    text = _index(
        tmp_path,
        _fake_metrics(model="<b>bold</b>", baselines={"<i>x</i>": {"accuracy": 0.1, "uar": 0.1, "macro_f1": 0.1}}),
        runs=runs,
    )
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>bold</b>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "<i>x</i>" not in text and "05_evaluation failed" in text


def test_front_page_lists_what_small_data_changed(tmp_path):
    notes = ["data preparation: random split of 45 files: <surprised> has 2", "CRNN training: no validation part"]
    text = _index(tmp_path, _fake_metrics(fallbacks=notes))
    assert "<b>Small data.</b> 2 step(s)" in text
    assert "<li>data preparation: random split of 45 files: &lt;surprised&gt; has 2</li>" in text  # escaped
    assert "<li>CRNN training: no validation part</li>" in text
    assert "Small data." not in _index(tmp_path, _fake_metrics())


def test_front_page_without_metrics(tmp_path):
    text = _index(tmp_path, None)
    assert "No scores" in text and "<img" not in text and "Title of 01_eda" in text


def test_the_front_page_names_the_per_mode_fusion_weights_when_the_bundle_has_them():
    from ser_utils.reporting.summary import _model_text

    m = {"model": "crnn + svm+logreg", "fusion_weight": 0.6}
    assert _model_text(m).endswith("weighted 0.4 / 0.6")
    m["prediction_modes_weights"] = {"per_speaker": {"crnn": 0.7, "classic": 0.3}, "single_clip": {"classic": 1.0}}
    text = _model_text(m)
    assert "per speaker: crnn 0.7, classic 0.3" in text and "single clip: classic 1" in text and "0.4 / 0.6" not in text


# --- several data folders (several corpora) --------------------------------------------------------


def test_data_dir_takes_several_folders_on_the_command_line():
    ap = cli._parser()
    assert ap.parse_args(["--data-dir", "a", "b", "--data-dir", "c"]).data_dir == ["a", "b", "c"]
    assert ap.parse_args(["--data-dir", "a"]).data_dir == ["a"]
    assert ap.parse_args([]).data_dir is None
    # -p data_dir "[A, B]": folders stay strings, even a folder named like a number
    assert overrides.parse_overrides([["data_dir", "[/x/ravdess, /x/2024]"]]) == {"data_dir": ["/x/ravdess", "/x/2024"]}
    assert overrides.parse_overrides([["data_dir", "/x/ravdess"]]) == {"data_dir": "/x/ravdess"}


@pytest.mark.slow
def test_several_data_folders_reach_the_notebooks_as_a_list(tmp_path, fake_data):
    crema = tmp_path / "crema-d" / "AudioWAV"
    crema.mkdir(parents=True)
    sf.write(crema / "1001_DFA_ANG_XX.wav", np.zeros(1600, dtype=np.float32), 16000)
    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    got = 'import json, pathlib\npathlib.Path(artifacts_dir, "got.json").write_text(json.dumps(data_dir))'
    make_nb(nbdir / "01_a.ipynb", [md("# A"), code(got)])
    for k, how in enumerate((["--data-dir", str(fake_data), str(crema.parent)],
                             ["-p", "data_dir", f"[{fake_data}, {crema.parent}]"])):
        art = tmp_path / f"art{k}"
        argv = [*how, "--notebooks-dir", str(nbdir), "--artifacts-dir", str(art), "--reports-dir", str(tmp_path / "r")]
        assert cli.main(argv) == 0
        assert json.loads((art / "got.json").read_text()) == [str(fake_data.resolve()), str(crema.parent.resolve())]
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert m["data_dir"] == [str(fake_data.resolve()), str(crema.parent.resolve())]


def _per_corpus(crema_uar: float, ravdess_uar: float) -> dict:
    from ser_utils.config import EMOTIONS

    return {
        "crema-d": {"n": 40, "accuracy": crema_uar, "uar": crema_uar, "macro_f1": crema_uar, "chance_uar": 1 / 6,
                    "classes": ["neutral", "happy", "sad", "angry", "fearful", "disgust"], "predicted_absent": 3},
        "ravdess": {"n": 20, "accuracy": ravdess_uar, "uar": ravdess_uar, "macro_f1": ravdess_uar,
                    "chance_uar": 1 / 8, "classes": list(EMOTIONS), "predicted_absent": 0},
    }


def test_front_page_shows_each_corpus_in_both_modes_side_by_side(tmp_path):
    modes = {
        "per_speaker": {"accuracy": 0.61, "uar": 0.6, "macro_f1": 0.59, "n": 60, "description": "together",
                        "per_corpus": _per_corpus(0.553, 0.712)},
        "single_clip": {"accuracy": 0.52, "uar": 0.5, "macro_f1": 0.49, "n": 60, "description": "alone",
                        "per_corpus": _per_corpus(0.447, 0.621)},
    }
    m = _fake_metrics(prediction_modes=modes, corpora={"crema-d": {"test": 40}, "ravdess": {"test": 20}},
                      speakers_by_corpus={"test": {"crema-d": 3, "ravdess": 4}, "train": {"crema-d": 9, "ravdess": 12},
                                          "val": {"crema-d": 2, "ravdess": 2}})
    text = _index(tmp_path, m)
    table = text[text.index("By corpus"):]
    table = table[: table.index("</table>")]
    assert re.search(r"CREMA-D.*55\.3 %.*44\.7 %.*16\.7 %", table, re.S)  # per speaker, single clip, chance
    assert re.search(r"RAVDESS.*71\.2 %.*62\.1 %.*12\.5 %", table, re.S)
    assert "UAR, per speaker" in table and "UAR, single clip" in table
    assert "Speech emotion recognition on CREMA-D and RAVDESS" in text
    assert "by 7 speakers (CREMA-D 3, RAVDESS 4)" in text
    # one corpus in the test part: no table, the RAVDESS title
    one = {k: dict(v, per_corpus={"ravdess": v["per_corpus"]["ravdess"]}) for k, v in modes.items()}
    text = _index(tmp_path, _fake_metrics(prediction_modes=one))
    assert "By corpus" not in text and "Speech emotion recognition on RAVDESS" in text
