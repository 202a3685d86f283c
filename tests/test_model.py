"""ser_utils.models.architectures: every architecture builds, has the right shapes, trains a step, saves."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from ser_utils.errors import ModelError, SERError
from ser_utils.models.architectures import MODELS, build_model, model_params

TINY = dict(conv_filters=[4, 8], lstm_units=[8], dense_units=8, attention_heads=2, dropout=0.1)


def test_models_package_and_classic_import_without_tensorflow():
    # the package itself, the classic model, the settings reader and the CLI stay light;
    # architectures/train/bundle import Keras at module top (tests/test_imports.py checks the rest)
    code = (
        "import sys, ser_utils.models, ser_utils.models.classic, ser_utils.models.settings, ser_utils.models.predict; "
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"


def test_architectures_import_keras_at_module_top_with_quiet_logs():
    code = (
        "import os, sys, ser_utils.models.architectures; "
        "print('keras' in sys.modules, os.environ.get('TF_CPP_MIN_LOG_LEVEL'))"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split() == ["True", "2"]


def test_builders_table_is_the_models_list():
    from ser_utils.models import architectures

    assert tuple(architectures._ARCHS) == MODELS
    assert all(callable(a.build) for a in architectures._ARCHS.values())


@pytest.mark.parametrize("name", MODELS)
def test_builds_and_trains_a_step(name):
    model = build_model(name, input_shape=(32, 16, 2), n_classes=5, seed=1, **TINY)
    assert model.name == name
    assert model.input_shape == (None, 32, 16, 2)
    assert model.output_shape == (None, 5)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 32, 16, 2)).astype("float32")
    Y = np.eye(5, dtype="float32")[rng.integers(0, 5, 6)]
    p = model.predict(X, verbose=0)
    assert p.shape == (6, 5)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(X, Y)
    assert np.isfinite(loss)
    changed = [not np.array_equal(a, b) for a, b in zip(before, model.get_weights())]
    assert any(changed)


def test_same_seed_same_weights_other_seed_differs():
    a = build_model("crnn", input_shape=(16, 8, 1), seed=3, **TINY).get_weights()
    b = build_model("crnn", input_shape=(16, 8, 1), seed=3, **TINY).get_weights()
    c = build_model("crnn", input_shape=(16, 8, 1), seed=4, **TINY).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_layer_sizes_follow_parameters():
    m = build_model(
        "crnn", input_shape=(32, 16, 1), conv_filters=[4, 8, 6], lstm_units=[8, 5], dense_units=0, dropout=0.0
    )
    names = [layer.name for layer in m.layers]
    assert [n for n in names if n.startswith("conv") and n[4:].isdigit()] == ["conv1", "conv2", "conv3"]
    assert m.get_layer("conv3").filters == 6
    assert m.get_layer("lstm1").units == 8 and m.get_layer("lstm2").units == 5
    assert "dense" not in names  # dense_units=0: straight to the output
    m2 = build_model("cnn_bilstm_attention", input_shape=(32, 16, 1), **TINY)
    assert m2.get_layer("self_attention").num_heads == 2
    assert m2.get_layer("dense").units == 8


def test_variable_length_input():
    m = build_model("attn_crnn", input_shape=(None, 16, 1), **TINY)
    assert m.predict(np.zeros((2, 24, 16, 1), "float32"), verbose=0).shape == (2, 8)
    assert m.predict(np.zeros((1, 40, 16, 1), "float32"), verbose=0).shape == (1, 8)


def test_attn_crnn_round_trips_through_keras_file(tmp_path):
    import keras

    m = build_model("attn_crnn", input_shape=(16, 8, 1), **TINY)
    X = np.random.default_rng(0).normal(size=(3, 16, 8, 1)).astype("float32")
    m.save(tmp_path / "m.keras")
    m2 = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(m.predict(X, verbose=0), m2.predict(X, verbose=0), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(name="transformer"), "unknown model.*crnn, cnn_bilstm"),
        (dict(conv_filters=[]), "conv_filters.*empty"),
        (dict(lstm_units=[8, 0]), "lstm_units.*positive"),
        (dict(dropout=1.0), "dropout"),
        (dict(dense_units=-1), "dense_units"),
        (dict(attention_heads=0), "attention_heads"),
        (dict(n_classes=1), "n_classes"),
        (dict(input_shape=(16, 8)), "input_shape"),
        (dict(input_shape=(2, 8, 1)), "n_frames=2 is too short"),
        (dict(input_shape=(16, 2, 1)), "n_mels=2 is too small"),
    ],
)
def test_bad_arguments_raise_model_error(kwargs, match):
    args = dict(name="crnn", input_shape=(16, 8, 1), conv_filters=[4, 8], lstm_units=[8])
    args.update(kwargs)
    name = args.pop("name")
    with pytest.raises(ModelError, match=match) as exc:
        build_model(name, **args)
    assert isinstance(exc.value, SERError)


def test_model_params_from_config():
    from ser_utils import config

    cfg = config.resolve("demo")
    p = model_params(cfg)
    assert p["conv_filters"] == cfg["conv_filters"] and p["seed"] == cfg["seed"]
    with pytest.raises(ModelError, match="dropout"):
        model_params({"conv_filters": [1]})
