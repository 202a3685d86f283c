"""A profile plus overrides to a complete, validated configuration (:func:`resolve`, :func:`check`)."""

from __future__ import annotations

import ast
import math
import os
from typing import Any

from ..errors import ConfigError
from .params import PARAMS
from .profiles import PROFILES

__all__ = ["parse_value", "check", "resolve"]


def parse_value(text: str) -> Any:
    """Read a command-line value the way a user means it.

    ``"17"`` -> 17, ``"0.5"`` -> 0.5, ``"true"`` -> True, ``"none"`` -> None,
    ``"[17, 18]"`` -> [17, 18], ``"17,18"`` -> [17, 18], ``"[speech, song]"`` ->
    ["speech", "song"], ``"'17'"`` -> "17"; anything else stays a string.
    """
    s = text.strip()
    low = s.lower()
    if low in ("none", "null", "~", ""):
        return None
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    try:
        value = ast.literal_eval(s)
    except (ValueError, SyntaxError):
        pass
    else:
        return list(value) if isinstance(value, tuple) else value  # "17,18" is a list, not a tuple
    if s.startswith("[") and s.endswith("]"):  # a YAML list of bare words: [speech, song]
        return [parse_value(part.strip().strip("'\"")) for part in s[1:-1].split(",") if part.strip()]
    if "," in s:
        return [parse_value(part) for part in s.split(",") if part.strip()]
    return s


def _check(name: str, value: Any) -> Any:
    spec = PARAMS[name]
    if isinstance(value, str) and spec.kind not in ("str", "path"):
        value = parse_value(value)
    if value is None:
        if spec.optional:
            return None
        raise ConfigError(f"parameter {name!r} may not be None ({spec.help})")
    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"parameter {name!r} must be true or false, got {value!r}")
    elif kind == "int":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"parameter {name!r} must be an integer, got {value!r}")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"parameter {name!r} must be a number, got {value!r}")
        value = float(value)
    elif kind in ("str", "path"):
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str):
            raise ConfigError(f"parameter {name!r} must be a string, got {value!r}")
    elif kind == "paths":
        value = _paths(name, value)
    elif kind in ("int_list", "str_list"):
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"parameter {name!r} must be a list, got {value!r}")
        item_type = int if kind == "int_list" else str
        if not all(isinstance(v, item_type) and not isinstance(v, bool) for v in value):
            raise ConfigError(f"parameter {name!r} must be a list of {item_type.__name__}, got {value!r}")
        value = list(value)
    if spec.choices is not None:
        items = value if kind.endswith("_list") else [value]
        bad = [v for v in items if v not in spec.choices]
        if bad:
            raise ConfigError(f"parameter {name!r}: {bad[0]!r} is not one of {', '.join(map(str, spec.choices))}")
    if kind in ("int", "float"):
        if spec.low is not None and value < spec.low:
            raise ConfigError(f"parameter {name!r} must be >= {spec.low}, got {value!r}")
        if spec.high is not None and value > spec.high:
            raise ConfigError(f"parameter {name!r} must be <= {spec.high}, got {value!r}")
    return value


def _paths(name: str, value: Any) -> str | list[str]:
    """One path (a string) or several (a list of strings, ``"[A, B]"`` on the command line)."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, str):
        s = value.strip()
        if not (s.startswith("[") and s.endswith("]")):
            return value
        value = [part.strip().strip("'\"") for part in s[1:-1].split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        items = [os.fspath(v) if isinstance(v, os.PathLike) else v for v in value]
        if not items or not all(isinstance(v, str) and v for v in items):
            raise ConfigError(f"parameter {name!r} must be a folder or a non-empty list of folders, got {value!r}")
        return items[0] if len(items) == 1 else list(items)
    raise ConfigError(f"parameter {name!r} must be a folder or a list of folders, got {value!r}")


def check(name: str, value: Any) -> Any:
    """Validate (and coerce) one parameter's value; raise :class:`ConfigError` when it is wrong."""
    if name not in PARAMS:
        raise ConfigError(f"unknown parameter {name!r}; run `python -m ser_utils.config` to list them")
    return _check(name, value)


def _is_actor(a: int) -> bool:
    """An actor number the scan gives (:mod:`ser_utils.data.corpora`)."""
    return 1 <= a <= 24 or 1001 <= a <= 1091 or 2001 <= a <= 2002 or 3001 <= a <= 3004


def resolve(profile: str = "full", /, **overrides: Any) -> dict[str, Any]:
    """Return the complete, validated configuration of a profile with overrides applied.

    Parameters
    ----------
    profile : str
        A key of :data:`PROFILES` (``"demo"``, ``"full"``, ``"seed004"``).
    **overrides
        Parameter values; ``None`` means "keep the profile's value" (this is how a
        notebook's ``parameters`` cell says "not set"). Strings are parsed for
        non-string parameters, so ``test_actors="[17, 18]"`` works.

    Returns
    -------
    config : dict
        Every name in :data:`PARAMS` with its value, plus ``"profile"``.

    Raises
    ------
    ConfigError
        Unknown profile or parameter, or a value of the wrong type or out of range.
    """
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    unknown = sorted(set(overrides) - set(PARAMS))
    if unknown:
        raise ConfigError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))}; run `python -m ser_utils.config` to list them"
        )
    cfg: dict[str, Any] = {name: spec.default for name, spec in PARAMS.items()}
    cfg.update(PROFILES[profile])
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    out = {name: _check(name, value) for name, value in cfg.items()}
    if out["fmax"] is not None and out["fmax"] > out["sample_rate"] / 2:
        raise ConfigError(f"fmax={out['fmax']} is above the Nyquist frequency of sample_rate={out['sample_rate']}")
    if out["hop_length"] > out["n_fft"]:
        raise ConfigError(f"hop_length={out['hop_length']} must not exceed n_fft={out['n_fft']}")
    if out["test_actors"] is not None:
        bad = [a for a in out["test_actors"] if not _is_actor(a)]
        if bad or not out["test_actors"]:
            raise ConfigError(
                "test_actors must be a non-empty list of actor numbers (RAVDESS 1-24, CREMA-D 1001-1091, "
                f"TESS 2001-2002, SAVEE 3001-3004), got {out['test_actors']!r}"
            )
        out["test_actors"] = sorted(set(out["test_actors"]))
    out["profile"] = profile
    return out
