"""One notebook's start: :func:`start` resolves its parameters into a :class:`Run`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import config, files
from ..errors import ConfigError

__all__ = ["Run", "start", "write_json", "read_json"]


@dataclass
class Run:
    """One notebook's resolved settings.

    Attributes
    ----------
    notebook : str
        e.g. ``"02_features"``.
    cfg : dict
        The complete configuration (:func:`ser_utils.config.resolve`).
    artifacts_dir : Path
        Where notebooks read and write their artifacts.
    given : dict
        The parameters the notebook was given (not ``None``).
    dataset : dict
        What notebook 01 recorded about the data (empty in notebook 01 before the scan).
    """

    notebook: str
    cfg: dict[str, Any]
    artifacts_dir: Path
    given: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)

    def path(self, name: str, *, must_exist: bool = False) -> Path:
        """Path of a named artifact (``ser_utils.config.ARTIFACTS``); parent folders are made."""
        p = config.artifact_path(self.artifacts_dir, name, must_exist=must_exist)
        if not must_exist:
            p.parent.mkdir(parents=True, exist_ok=True)
        return p

    @property
    def cache_dir(self) -> Path:
        """The feature cache: the ``cache_dir`` parameter, else ``<artifacts_dir>/cache``."""
        return Path(self.cfg["cache_dir"]) if self.cfg.get("cache_dir") else self.artifacts_dir / "cache"

    @property
    def synthetic(self) -> bool:
        """True when the run's data is the synthetic demo corpus (notebook 01 recorded it)."""
        return bool(self.dataset.get("synthetic", False))

    def parameters_table(self) -> pd.DataFrame:
        """The notebook's own parameters (:data:`ser_utils.config.NOTEBOOK_PARAMS`) in force, with their meaning.

        Returns
        -------
        pd.DataFrame
            Indexed by parameter, in the order of the notebook's ``parameters`` cell;
            columns ``value``, ``set by``, ``meaning``.
        """
        rows = []
        for name in config.notebook_params(self.notebook):
            spec = config.PARAMS[name]
            rows.append(
                {
                    "parameter": name,
                    "value": repr(self.cfg[name]),
                    "set by": "notebook parameter" if name in self.given else f"profile {self.cfg['profile']!r}",
                    "meaning": spec.help,
                }
            )
        return pd.DataFrame(rows).set_index("parameter")

    def banner(self) -> str:
        """A one-paragraph statement of the data and profile, for the top of a notebook."""
        d = self.dataset
        if not d:
            return f"profile {self.cfg['profile']!r}; artifacts in {self.artifacts_dir}"
        corpora = d.get("corpora") or {}
        if d.get("synthetic"):
            kind = "SYNTHETIC demo corpus (not real speech)"
        elif len(corpora) > 1:
            kind = "real recordings of " + ", ".join(f"{c.upper()} ({n} files)" for c, n in corpora.items())
        else:
            kind = f"real {next(iter(corpora), 'ravdess').upper()} recordings"
        return (
            f"Data: {kind}, {d.get('n_files', '?')} usable files from {', '.join(d.get('roots', []))} "
            f"(fingerprint {d.get('fingerprint', '?')}). Profile {self.cfg['profile']!r}. "
            f"Artifacts in {self.artifacts_dir}."
        )


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write JSON atomically (numpy values and paths converted): :func:`ser_utils.files.write_json`."""
    return files.write_json(path, obj)


def read_json(path: str | os.PathLike) -> Any:
    """The JSON value stored in ``path``: :func:`ser_utils.files.read_json`."""
    return files.read_json(path)


def _auto_profile(profile: str | None, synthetic: bool | None) -> str:
    if profile:
        return profile
    return "demo" if synthetic in (True, None) else "full"


def _from_namespace(notebook: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The notebook's registered parameters (and :data:`ser_utils.config.START_PARAMS`) from its namespace."""
    names = (*config.START_PARAMS, *config.notebook_params(notebook))
    missing = [n for n in names if n not in namespace]
    if missing:
        raise ConfigError(
            f"notebook {notebook!r}: its parameters cell does not assign {', '.join(missing)} "
            f"(ser_utils.config.NOTEBOOK_PARAMS registers them); add `NAME = None` for each"
        )
    return {n: namespace[n] for n in names}


def _check_taken(notebook: str, params: Mapping[str, Any]) -> None:
    """Every name in ``params`` is one the notebook takes (:data:`ser_utils.config.NOTEBOOK_PARAMS`)."""
    taken = config.notebook_params(notebook)
    foreign = sorted(set(params) - set(taken))
    if foreign:
        raise ConfigError(
            f"notebook {notebook!r} does not take {', '.join(map(repr, foreign))} "
            f"(it takes {', '.join(taken)}; see ser_utils.config.NOTEBOOK_PARAMS)"
        )


def start(
    notebook: str,
    namespace: Mapping[str, Any] | None = None,
    /,
    *,
    profile: str | None = None,
    artifacts_dir: str | os.PathLike | None = None,
    **params: Any,
) -> Run:
    """Resolve a notebook's parameters and check that what it needs exists.

    Parameters
    ----------
    notebook : str
        The notebook's name, e.g. ``"03_oversampling"``; it must be registered in
        :data:`ser_utils.config.NOTEBOOK_PARAMS`.
    namespace : mapping or None
        The notebook's ``globals()`` after its ``parameters`` cell: ``profile``,
        ``artifacts_dir`` and the notebook's registered parameters are read from it
        (``None`` = the profile's value). ``None`` takes them from the keywords instead.
    profile : str or None
        ``demo``, ``full`` or ``seed004``; ``None`` picks ``demo`` on synthetic data and
        ``full`` on real RAVDESS (as recorded by notebook 01).
    artifacts_dir : path or None
        ``None`` = ``<project>/artifacts`` (or ``$SER_ARTIFACTS_DIR``).
    **params
        With no ``namespace``: the notebook's parameters; ``None`` means "the profile's value".

    Raises
    ------
    ArtifactMissingError
        A notebook other than 01 runs before notebook 01 has recorded the data.
    ConfigError
        The notebook is not registered, its namespace lacks a registered parameter, or a
        parameter is unknown, not the notebook's, or invalid.
    """
    if namespace is not None:
        if params:
            raise ConfigError("pass the parameters either as a namespace or as keywords, not both")
        params = _from_namespace(notebook, namespace)
        profile = params.pop("profile") or profile
        artifacts_dir = params.pop("artifacts_dir") or artifacts_dir
    _check_taken(notebook, params)
    adir = Path(artifacts_dir) if artifacts_dir else config.default_artifacts_dir()
    given = {k: v for k, v in params.items() if v is not None}
    dataset: dict[str, Any] = {}
    if not notebook.startswith("01"):
        ds_path = config.artifact_path(adir, "dataset", must_exist=True)
        dataset = read_json(ds_path)
    synthetic = dataset.get("synthetic") if dataset else None
    if notebook.startswith("01") and not profile:
        # The data decides the profile: find out now whether it is synthetic.
        from ..data.locate import resolve_data_dir

        probe = config.resolve("demo", **{k: v for k, v in given.items() if k != "data_dir"})
        _, synthetic = resolve_data_dir(given.get("data_dir"), demo_actors=probe["demo_actors"], seed=0)
    prof = _auto_profile(profile, synthetic)
    cfg = config.resolve(prof, **given)
    adir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SER_ARTIFACTS_DIR", str(adir))
    return Run(notebook=notebook, cfg=cfg, artifacts_dir=adir, given=given, dataset=dataset)
