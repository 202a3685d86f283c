"""Layer 6, pipeline: the notebooks' steps, what each one loads from and saves to the artifacts folder.

Each notebook starts with :func:`start`, which resolves its parameters (``None`` = the
profile's value), finds the artifacts folder, and says which earlier notebook to run
when something it needs is missing. The step functions are thin: they call the
modules that hold the logic and save their results under plain, documented names
(see :data:`ser_utils.config.ARTIFACTS`).

Profiles: ``profile=None`` means ``demo`` on the synthetic demo corpus and ``full`` on
real RAVDESS.

Modules, in the notebooks' order: ``run`` (:class:`Run`, :func:`start`), ``nb01_eda``,
``nb02_features``, ``nb03_oversampling``, ``nb04_crnn_training``, ``nb05_evaluation``
(notebook 06 calls :mod:`ser_utils.evaluation.cross_corpus` directly). The notebooks call
every step as ``pipeline.NAME``.
"""

from __future__ import annotations

from .nb01_eda import emotion_examples, load_manifest, scan_corpus
from .nb02_features import (
    encoder_overview,
    extract_encoder,
    extract_features,
    feature_overview,
    load_encoder,
    load_features,
)
from .nb03_oversampling import load_prepared, prepare
from .nb04_crnn_training import fit_classic, fit_model, load_model_bundle, train_model
from .nb05_evaluation import evaluate_model, predict_one
from .run import Run, read_json, start, write_json

__all__ = [
    "Run",
    "start",
    "scan_corpus",
    "load_manifest",
    "emotion_examples",
    "extract_features",
    "load_features",
    "extract_encoder",
    "load_encoder",
    "encoder_overview",
    "feature_overview",
    "prepare",
    "load_prepared",
    "fit_model",
    "fit_classic",
    "train_model",
    "load_model_bundle",
    "evaluate_model",
    "predict_one",
    "write_json",
    "read_json",
]
