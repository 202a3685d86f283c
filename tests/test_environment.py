"""The installable environment: requirements.txt and environment.yml agree; imports stay cheap."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

#: conda-forge name -> pip name, where they differ.
CONDA_TO_PIP = {"tensorflow": "tensorflow-cpu", "pysoundfile": "soundfile", "soxr-python": "soxr"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pip_requirements() -> dict[str, str]:
    """pip name -> specifier (e.g. ``~=2.21.0``) from requirements.txt."""
    out = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*)", line)
        assert m, f"cannot read requirement {line!r}"
        out[_norm(m.group(1))] = m.group(3).replace(" ", "")
    return out


def conda_requirements() -> dict[str, str]:
    """pip name -> specifier, from environment.yml's conda dependencies (python and pip left out)."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    deps = []
    for dep in env["dependencies"]:
        deps += dep.get("pip", []) if isinstance(dep, dict) else [dep]  # a nested {pip: [...]} list too
    for dep in deps:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", dep.strip())
        name = _norm(m.group(1))
        if name in ("python", "pip"):
            continue
        spec = m.group(2).replace(" ", "")
        if spec.startswith("=") and not spec.startswith("=="):
            spec = "==" + spec[1:] + ".*"  # conda's "=1.2" means 1.2.*
        out[_norm(CONDA_TO_PIP.get(name, name))] = spec
    return out


def test_same_packages_in_requirements_and_environment_yml():
    pip, conda = pip_requirements(), conda_requirements()
    assert set(pip) == set(conda), (
        f"only in requirements.txt: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}"
    )


def _probes(pinned) -> list:
    """Versions around a ``~=`` pin: below it, at it, inside its range, at its (excluded) upper end."""
    from packaging.version import Version

    rel = list(pinned.release)
    upper = [*rel[:-2], rel[-2] + 1]
    inside = [*rel[:-1], rel[-1] + 3]
    probes = [pinned, Version(".".join(map(str, inside))), Version(".".join(map(str, upper)))]
    if rel[-1] > 0:
        probes.append(Version(".".join(map(str, [*rel[:-1], rel[-1] - 1]))))
    return probes


def test_versions_are_compatible():
    specifiers = pytest.importorskip("packaging.specifiers")
    from packaging.version import Version

    pip, conda = pip_requirements(), conda_requirements()
    for name, spec in pip.items():
        if spec.startswith("=="):  # an exact pin (the Whisper weights): the same exact pin in both
            assert conda[name] == spec, f"{name}: {spec!r} (requirements.txt) but {conda[name]!r} (environment.yml)"
            continue
        m = re.fullmatch(r"~=(\d+(?:\.\d+)+)", spec)
        assert m, f"{name}: requirements.txt should pin with ~=X.Y[.Z], got {spec!r}"
        pinned = Version(m.group(1))
        pip_set, conda_set = specifiers.SpecifierSet(spec), specifiers.SpecifierSet(conda[name])
        assert pinned in conda_set, f"{name}: {pinned} (requirements.txt) is outside {conda[name]!r} (environment.yml)"
        for v in _probes(pinned):
            assert (v in pip_set) == (v in conda_set), (
                f"{name}: {v} is {'in' if v in pip_set else 'not in'} {spec!r} (requirements.txt) "
                f"but {'in' if v in conda_set else 'not in'} {conda[name]!r} (environment.yml)"
            )


def test_import_ser_utils_does_not_import_tensorflow():
    code = "import ser_utils, sys; assert 'tensorflow' not in sys.modules, 'tensorflow imported'; " \
           "import ser_utils.reporting.report, ser_utils.data.locate; assert 'tensorflow' not in sys.modules"
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_run_all_help_prints_usage():
    res = subprocess.run(["bash", str(ROOT / "run_all.sh"), "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "SER_NO_VENV": "1"})
    assert res.returncode == 0, res.stderr
    assert "Usage:" in res.stdout and "--data-dir" in res.stdout and "-p NAME VALUE" in res.stdout
