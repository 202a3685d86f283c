"""TensorFlow/Keras live in ser_utils.models only: nothing else imports them, at import time or in its source."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import ser_utils

PKG = Path(ser_utils.__file__).resolve().parent
HEAVY = ("tensorflow", "keras")


def _light_modules() -> list[str]:
    """Every module outside ser_utils.models (no ``__main__``), plus the light models modules."""
    names = ["ser_utils"]
    for info in pkgutil.walk_packages([str(PKG)], prefix="ser_utils."):
        name = info.name
        if name.endswith("__main__") or name.startswith("ser_utils.models."):
            continue
        names.append(name)
    return names + ["ser_utils.models", "ser_utils.models.classic", "ser_utils.models.settings"]


def test_the_module_list_covers_every_layer():
    names = _light_modules()
    for expected in (
        "ser_utils.pipeline",
        "ser_utils.pipeline.nb05_evaluation",
        "ser_utils.config.params",
        "ser_utils.reporting.cli",
        "ser_utils.prep.prepare",
        "ser_utils.evaluation.scoring",
        "ser_utils.data.synth",
    ):
        assert expected in names
    assert "ser_utils.models.train" not in names


def test_no_module_outside_models_imports_tensorflow_at_import_time():
    code = (
        "import importlib, sys\n"
        f"for name in {_light_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        f"    heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "    if heavy:\n"
        "        print('HEAVY', name, heavy)\n"
        "        break\n"
        "else:\n"
        "    print('OK')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "OK", out


def _imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    mods: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.append(node.module)
    return mods


def test_no_source_file_outside_models_imports_tensorflow_or_keras():
    offenders = []
    files = [p for p in PKG.rglob("*.py") if "models" not in p.relative_to(PKG).parts[:1]]
    assert len(files) > 10
    for path in files:
        for mod in _imports_of(path):
            if mod.split(".")[0] in HEAVY:
                offenders.append(f"{path.relative_to(PKG)}: import {mod}")
    assert offenders == []


def test_the_static_check_finds_an_import_inside_a_function(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def g():\n    import keras.layers\n    from tensorflow import config\n", encoding="utf-8")
    assert _imports_of(f) == ["keras.layers", "tensorflow"]


def test_benchmark_takes_its_recipes_from_models_not_from_the_notebook_glue():
    mods = _imports_of(PKG.parent / "benchmarks" / "cv_speaker.py")
    tree = ast.parse((PKG.parent / "benchmarks" / "cv_speaker.py").read_text(encoding="utf-8"))
    names = {
        a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module == "ser_utils.models"
        for a in n.names
    }
    assert "ser_utils.pipeline" not in mods
    assert not any(
        isinstance(n, ast.ImportFrom) and n.module == "ser_utils" and any(a.name == "pipeline" for a in n.names)
        for n in ast.walk(tree)
    )
    assert {"recipe", "bundle"} <= names
