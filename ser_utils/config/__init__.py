"""Layer 0, config: every parameter of the pipeline, its default, the profiles, and the project's paths.

This is the one place where parameters are defined, and :data:`NOTEBOOK_PARAMS` the one
place that says which notebook takes which. A notebook's ``parameters`` cell assigns
:data:`START_PARAMS` and its registered names, each ``None`` ("the profile's value"; a test
holds the cell equal to the registry), and calls ``pipeline.start(NAME, globals())``, which
reads them and calls :func:`resolve` to get a validated, complete configuration.

Run ``python -m ser_utils.config [--profile NAME]`` to print the table of parameters and
the notebooks that take each.

Modules, in the order they build on each other: ``labels`` (emotions, frame features,
pooling statistics), ``params`` (:class:`Param`, :data:`PARAMS`), ``notebooks``
(:data:`NOTEBOOK_PARAMS` and its checks), ``profiles`` (:data:`PROFILES`), ``validate``
(:func:`resolve`, :func:`check`, :func:`parse_value`), ``paths`` (the project root, the
default folders, :data:`ARTIFACTS`), ``table`` (the command line). Every public name is
importable from ``ser_utils.config`` itself.
"""

from __future__ import annotations

from .labels import EMOTIONS, FRAME_FEATURES, POOL_STATS
from .notebooks import NOTEBOOK_PARAMS, START_PARAMS, check_notebook_files, notebook_params, notebooks_taking
from .params import PARAMS, Param
from .paths import ARTIFACTS, artifact_path, default_artifacts_dir, default_data_dir, project_root
from .profiles import PROFILES
from .table import main as main  # `python -m ser_utils.config` (config.main(argv) in tests)
from .validate import check, parse_value, resolve

__all__ = [
    "EMOTIONS",
    "FRAME_FEATURES",
    "POOL_STATS",
    "PARAMS",
    "PROFILES",
    "NOTEBOOK_PARAMS",
    "START_PARAMS",
    "notebook_params",
    "notebooks_taking",
    "check_notebook_files",
    "Param",
    "resolve",
    "check",
    "parse_value",
    "project_root",
    "default_artifacts_dir",
    "default_data_dir",
    "artifact_path",
    "ARTIFACTS",
]
