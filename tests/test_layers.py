"""The import rule of docs/ARCHITECTURE.md: lower layers never import upper ones.

Every ``import``/``from ... import`` in ``ser_utils`` (those inside functions too) is read
with :mod:`ast`, resolved to the top-level part of ``ser_utils`` it names, and checked
against the layer order below. A new top-level module or sub-package must be placed here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "ser_utils"

#: The pipeline's order: a part may import its own layer and the ones below it.
#: A package (``config/``, ``pipeline/``, ``reporting/`` ...) is one part: each of its modules
#: sits in the package's layer.
LAYERS: dict[str, int] = {
    "errors": 0, "config": 0, "files": 0,
    "data": 1,
    "features": 2,
    "prep": 3,
    "models": 4,
    "evaluation": 5,
    "pipeline": 6, "app": 6,
    "reporting": 7,
    # the commands kept at the top (`python -m ser_utils.predict` etc.) sit above everything
    "predict": 8, "synth": 8, "download": 8, "build_model": 8, "__init__": 8,
}


def _part(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _module(path: Path) -> list[str]:
    rel = path.relative_to(PKG).with_suffix("")
    parts = list(rel.parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported_parts(path: Path) -> list[tuple[int, str]]:
    """(line, top-level part of ser_utils) for every import of ser_utils in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module(path)
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
                if not target:  # `from . import x` at the top: x is the part
                    out += [(node.lineno, alias.name) for alias in node.names]
                    continue
                out.append((node.lineno, target[0]))
            elif node.module and node.module.split(".")[0] == "ser_utils":
                rest = node.module.split(".")[1:]
                out += [(node.lineno, rest[0])] if rest else [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bits = alias.name.split(".")
                if bits[0] == "ser_utils" and len(bits) > 1:
                    out.append((node.lineno, bits[1]))
    return out


FILES = sorted(PKG.rglob("*.py"))


def test_every_part_has_a_layer():
    unknown = sorted({_part(f) for f in FILES} - set(LAYERS))
    assert not unknown, f"place these parts of ser_utils in tests/test_layers.py LAYERS: {unknown}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PKG)))
def test_no_import_of_an_upper_layer(path):
    own = _part(path)
    if own not in LAYERS:
        pytest.skip("not placed yet (see test_every_part_has_a_layer)")
    bad = [
        f"line {line}: imports {part} (layer {LAYERS.get(part)}) from {own} (layer {LAYERS[own]})"
        for line, part in _imported_parts(path)
        if part in LAYERS and LAYERS[part] > LAYERS[own] and part != "__version__"
    ]
    assert not bad, "; ".join(bad)


def test_a_module_of_a_package_takes_the_package_layer():
    assert _part(PKG / "config" / "paths.py") == "config"
    assert _part(PKG / "pipeline" / "nb05_evaluation.py") == "pipeline"
    assert _part(PKG / "reporting" / "cli.py") == "reporting"
    # `from .. import config` inside pipeline/ names the config part
    run_py = PKG / "pipeline" / "run.py"
    assert run_py in FILES and "config" in {part for _, part in _imported_parts(run_py)}


def test_the_rule_catches_an_upward_import(tmp_path, monkeypatch):
    fake = PKG / "data" / "audio.py"
    src = "from ..models import bundle\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: src if self == fake else "")
    assert _imported_parts(fake) == [(1, "models")]
