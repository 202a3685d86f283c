"""ser_utils.config: resolving profiles, checking values, parsing -p values, artifact paths,
and the registry of each notebook's parameters (held equal to the notebooks' cells)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from ser_utils import config
from ser_utils.errors import ArtifactMissingError, ConfigError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


# --- resolve -------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", sorted(config.PROFILES))
def test_resolve_applies_the_profile_over_the_defaults(profile):
    cfg = config.resolve(profile)
    assert set(cfg) == {*config.PARAMS, "profile"} and cfg["profile"] == profile
    for name, value in config.PROFILES[profile].items():
        assert cfg[name] == value, name
    untouched = next(n for n in config.PARAMS if n not in config.PROFILES[profile] and n != "test_actors")
    assert cfg[untouched] == config.PARAMS[untouched].default


def test_the_multi_profile_is_the_full_recipe_for_several_corpora():
    full, multi = config.resolve("full"), config.resolve("multi")
    assert multi["n_folds"] == 5 and multi["balance"] == "class_weight"
    assert multi["epochs"] < full["epochs"]
    changed = {k for k in config.PARAMS if full[k] != multi[k]}
    assert changed <= {"n_folds", "balance", "epochs", "early_stopping_patience", "reduce_lr_patience",
                       "classic_model", "encoder_layers"}, changed
    assert full["encoder_layers"] == 3 and multi["encoder_layers"] == 6  # multi: as measured on four corpora
    assert config.resolve("multi", test_actors=[1, 1001, 2001, 3001])["test_actors"] == [1, 1001, 2001, 3001]


def test_resolve_overrides_and_none_keeps_the_profile():
    cfg = config.resolve("demo", epochs=3, n_mels=None, test_actors="[18, 17, 18]", vocal_channels="speech")
    assert cfg["epochs"] == 3
    assert cfg["n_mels"] == config.PROFILES["demo"]["n_mels"]
    assert cfg["test_actors"] == [17, 18]  # parsed, deduplicated, sorted
    assert cfg["vocal_channels"] == ["speech"]
    assert config.resolve("demo", epochs=4.0)["epochs"] == 4 and isinstance(
        config.resolve("demo", epochs=4.0)["epochs"], int
    )
    assert config.resolve("demo", fmax="none")["fmax"] is None
    assert config.resolve("demo", learning_rate="1e-3")["learning_rate"] == pytest.approx(0.001)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": "many"}, "'epochs' must be an integer, got 'many'"),
        ({"epochs": True}, "'epochs' must be an integer"),
        ({"epochs": 2.5}, "'epochs' must be an integer"),
        ({"epochs": 0}, "'epochs' must be >= 1"),
        ({"dropout": 0.95}, "'dropout' must be <= 0.9"),
        ({"learning_rate": float("nan")}, "'learning_rate' must be a number"),
        ({"deterministic": "maybe"}, "'deterministic' must be true or false"),
        ({"split": "by_moon"}, "'by_moon' is not one of random, speaker"),
        ({"frame_features": ["mfcc", "bogus"]}, "'bogus' is not one of"),
        ({"conv_filters": [16, "x"]}, "'conv_filters' must be a list of int"),
        ({"conv_filters": {"a": 1}}, "'conv_filters' must be a list"),
        ({"model": 3}, "'model' must be a string"),
        ({"fmax": 9000.0}, "above the Nyquist frequency of sample_rate=16000"),
        ({"hop_length": 2048}, "hop_length=2048 must not exceed n_fft=1024"),
        ({"test_actors": [30]}, "test_actors must be a non-empty list of actor numbers (RAVDESS 1-24, CREMA-D"),
        ({"test_actors": [1000]}, "got [1000]"),
        ({"data_dir": []}, "'data_dir' must be a folder or a non-empty list of folders"),
        ({"data_dir": ["a", 3]}, "'data_dir' must be a folder or a non-empty list of folders"),
        ({"test_actors": []}, "test_actors must be a non-empty list"),
    ],
)
def test_resolve_refuses_bad_values_clearly(kwargs, message):
    with pytest.raises(ConfigError, match=_literal(message)):
        config.resolve("demo", **kwargs)


def _literal(text: str) -> str:
    import re

    return re.escape(text)


def test_resolve_refuses_unknown_profiles_and_names():
    with pytest.raises(ConfigError, match="unknown profile 'fast'; choose one of full, demo, seed004, multi"):
        config.resolve("fast")
    with pytest.raises(ConfigError, match=r"unknown parameter\(s\) 'epoch', 'zzz'.*python -m ser_utils.config"):
        config.resolve("demo", zzz=1, epoch=3)


# --- check ---------------------------------------------------------------------------------------


def test_check_coerces_and_validates_one_value(tmp_path):
    assert config.check("seed", "7") == 7
    assert config.check("data_dir", tmp_path) == str(tmp_path)
    # several folders: a list, or "[A, B]" as -p data_dir gives it; one item is one folder
    assert config.check("data_dir", [tmp_path / "a", "b"]) == [str(tmp_path / "a"), "b"]
    assert config.check("data_dir", "[/x/ravdess, '/x/crema d']") == ["/x/ravdess", "/x/crema d"]
    assert config.check("data_dir", ["/x/ravdess"]) == "/x/ravdess"
    assert config.check("test_actors", "[1001, 2002]") == [1001, 2002]
    assert config.check("fmax", None) is None  # optional
    assert config.check("test_actors", 17) == [17]
    assert config.check("trim_silence", "off") is False
    with pytest.raises(ConfigError, match="'epochs' may not be None"):
        config.check("epochs", None)
    with pytest.raises(ConfigError, match="unknown parameter 'nope'"):
        config.check("nope", 1)


# --- parse_value (the VALUE of -p NAME VALUE) ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("17", 17),
        (" 0.5 ", 0.5),
        ("1e-3", 0.001),
        ("-1", -1),
        ("'17'", "17"),  # a number quoted stays a string
        ('"speaker"', "speaker"),
        ("speaker", "speaker"),
        ("true", True),
        ("Yes", True),
        ("on", True),
        ("false", False),
        ("NO", False),
        ("off", False),
        ("none", None),
        ("null", None),
        ("~", None),
        ("", None),
        ("[17, 18]", [17, 18]),
        ("[]", []),
        ("17,18", [17, 18]),
        ("17, 18,", [17, 18]),
        ("[speech, song]", ["speech", "song"]),  # YAML's list of bare words
        ("['mean', std]", ["mean", "std"]),
        ("mean,std", ["mean", "std"]),
        ("/data/ravdess", "/data/ravdess"),
    ],
)
def test_parse_value(text, value):
    out = config.parse_value(text)
    assert out == value and type(out) is type(value)


def test_parsed_values_resolve():
    assert config.resolve("demo", vocal_channels=config.parse_value("[speech]"))["vocal_channels"] == ["speech"]
    assert config.resolve("demo", pool_stats=config.parse_value("[mean, std]"))["pool_stats"] == ["mean", "std"]


# --- artifact_path -------------------------------------------------------------------------------


def test_artifact_path_must_exist_names_the_notebook(tmp_path):
    path = config.artifact_path(tmp_path, "features")
    assert path == tmp_path / "02_features" / "features.npz" and not path.exists()
    with pytest.raises(ArtifactMissingError, match=r"run notebooks/02_features\.ipynb first"):
        config.artifact_path(tmp_path, "features", must_exist=True)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    assert config.artifact_path(tmp_path, "features", must_exist=True) == path
    with pytest.raises(ConfigError, match="unknown artifact 'featurez'"):
        config.artifact_path(tmp_path, "featurez")


def test_artifact_path_default_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("SER_ARTIFACTS_DIR", str(tmp_path))
    assert config.artifact_path(None, "metrics") == tmp_path / "05_evaluation" / "metrics.json"
    monkeypatch.delenv("SER_ARTIFACTS_DIR")
    assert (
        config.artifact_path(None, "metrics") == config.project_root() / "artifacts" / "05_evaluation" / "metrics.json"
    )


# --- the notebook registry -----------------------------------------------------------------------


def _parameters_cell(nb_path: Path) -> list[tuple[str, object]]:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{nb_path.name}: expected one cell tagged parameters"
    out = []
    for node in ast.parse("".join(cells[0]["source"])).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, f"{nb_path.name}: only `name = None` lines"
        out.append((node.targets[0].id, ast.literal_eval(node.value)))
    return out


@pytest.mark.parametrize("notebook", sorted(config.NOTEBOOK_PARAMS))
def test_each_notebooks_parameters_cell_equals_the_registry(notebook):
    cell = _parameters_cell(NOTEBOOKS / f"{notebook}.ipynb")
    assert [name for name, _ in cell] == [*config.START_PARAMS, *config.notebook_params(notebook)]
    assert all(value is None for _, value in cell), f"{notebook}: every parameter defaults to None"


def test_the_registry_matches_the_notebook_files_and_params():
    assert [p.stem for p in config.check_notebook_files(NOTEBOOKS)] == list(config.NOTEBOOK_PARAMS)
    for notebook, names in config.NOTEBOOK_PARAMS.items():
        assert len(set(names)) == len(names), f"{notebook} lists a parameter twice"
        assert set(names) <= set(config.PARAMS), notebook
    orphans = [name for name in config.PARAMS if not config.notebooks_taking(name)]
    assert not orphans, f"parameters no notebook takes: {orphans}"
    assert config.notebooks_taking("seed") == ["03_oversampling", "04_crnn_training", "06_cross_corpus"]


def test_an_unregistered_or_missing_notebook_is_named(tmp_path, monkeypatch):
    for nb in config.NOTEBOOK_PARAMS:
        (tmp_path / f"{nb}.ipynb").write_text("{}")
    (tmp_path / "07_unregistered.ipynb").write_text("{}")
    with pytest.raises(
        ConfigError, match=r"07_unregistered\.ipynb not registered in ser_utils\.config\.NOTEBOOK_PARAMS"
    ):
        config.check_notebook_files(tmp_path)
    (tmp_path / "07_unregistered.ipynb").unlink()
    (tmp_path / "05_evaluation.ipynb").unlink()
    with pytest.raises(ConfigError, match=r"registered notebook\(s\) 05_evaluation missing"):
        config.check_notebook_files(tmp_path)
    with pytest.raises(ConfigError, match="'07_unregistered' is not registered"):
        config.notebook_params("07_unregistered")
    monkeypatch.setitem(config.NOTEBOOK_PARAMS, "07_unregistered", ("no_such_parameter",))
    with pytest.raises(ConfigError, match="names 'no_such_parameter', which ser_utils.config.PARAMS does not define"):
        config.notebook_params("07_unregistered")


def test_main_lists_every_parameter_and_its_notebooks(capsys):
    assert config.main(["--profile", "demo"]) == 0
    out = capsys.readouterr().out
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.startswith("  ")}
    assert set(lines) == set(config.PARAMS)
    assert "[01, 02]" in lines["sample_rate"] and "[03, 04, 06]" in lines["seed"] and "[05]" in lines["predict_file"]
    assert "= 16000" in lines["sample_rate"]  # the demo profile's value
    assert "04 = 04_crnn_training" in out
