"""Keras, imported once for the models layer, with TensorFlow's C++ logging quiet.

Every Keras-using module of :mod:`ser_utils.models` imports ``keras`` (and, where it needs
it, ``tensorflow``) from here, at module top::

    from .backend import keras

Importing this module sets ``TF_CPP_MIN_LOG_LEVEL=2`` and ``KERAS_BACKEND=tensorflow``
(unless already set) before the first ``import keras``, so a notebook or the ``predict``
command does not print oneDNN/CPU-feature banners. Nothing outside :mod:`ser_utils.models`
imports this module at import time.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

__all__ = ["keras", "tf"]
