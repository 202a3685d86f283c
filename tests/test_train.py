"""ser_utils.models.train: fitting, determinism, validation-only early stopping, augmented batches."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

from ser_utils import config
from ser_utils.errors import FallbackWarning, ModelError
from ser_utils.models.architectures import build_model
from ser_utils.models.train import MONITOR, AugmentedBatches, configure_threads, fit

SHAPE = (32, 16, 1)
TINY = dict(conv_filters=[4, 8], lstm_units=[8], dense_units=8, dropout=0.0)


def _data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4
    X = rng.normal(size=(n,) + SHAPE).astype(np.float32)
    X[..., 0] += y[:, None, None] * 0.5  # a little signal
    return X, y


def _cfg(**kw):
    base = dict(
        epochs=1, batch_size=16, specaug_time_masks=0, specaug_freq_masks=0, mixup_alpha=0.0, lr_schedule="none"
    )
    base.update(kw)
    return config.resolve("demo", **base)


def test_threads_configured_in_a_fresh_process():
    import os
    import subprocess
    import sys

    code = (
        "import tensorflow as tf; from ser_utils.models.train import configure_threads as c; "
        "a = c(); tf.constant(1.0) + 1; b = c(intra=1); "  # TF has started: too late to change
        "print(a['intra'], a['inter'], b['intra'], tf.config.threading.get_intra_op_parallelism_threads())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    cores = len(os.sched_getaffinity(0))
    assert out == [str(cores), "1", str(cores), str(cores)]
    with pytest.raises(ModelError, match="thread counts"):
        configure_threads(intra=0)


def test_one_epoch_returns_jsonable_info_and_one_line_per_epoch():
    X, y = _data(48, 0)
    Xv, yv = _data(16, 1)
    lines: list[str] = []
    m = build_model("attn_crnn", input_shape=SHAPE, n_classes=4, **TINY)
    info = fit(m, X_train=X, y_train=y, X_val=Xv, y_val=yv, cfg=_cfg(epochs=2, lr_schedule="cosine"), log=lines.append)
    json.dumps(info)  # JSON-able
    assert info["epochs_run"] == 2 and info["best_epoch"] in (1, 2) and info["stopped_early"] is False
    assert info["monitor"] == MONITOR == "val_loss"
    assert set(info["history"]) >= {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(v) == 2 for v in info["history"].values())
    assert info["history"]["lr"][1] < info["history"]["lr"][0]  # cosine decay
    assert len(lines) == 2
    assert lines[0].startswith("epoch 1/2  loss ") and "val_loss " in lines[0] and "val_acc " in lines[0]
    assert lines[0].endswith(" s") and " lr 1.0e-03 " in lines[0]


def test_same_settings_give_identical_weights_with_augmentation_on():
    X, y = _data(40, 2)
    Xv, yv = _data(12, 3)
    cfg = _cfg(
        specaug_time_masks=2, specaug_time_width=4, specaug_freq_masks=1, specaug_freq_width=3, mixup_alpha=0.4, seed=7
    )
    weights = []
    for _ in range(2):
        m = build_model("crnn", input_shape=SHAPE, n_classes=4, seed=7, **TINY)
        fit(m, X_train=X, y_train=y, X_val=Xv, y_val=yv, cfg=cfg, class_weight={0: 1.0, 1: 2.0, 2: 1.0, 3: 0.5},
            len_train=np.full(40, 28), log=None)
        weights.append(m.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights))


def test_fit_has_no_test_data_and_callbacks_watch_validation(monkeypatch):
    params = inspect.signature(fit).parameters
    assert not [p for p in params if "test" in p.lower()]
    import keras

    X, y = _data(32, 4)
    Xv, yv = _data(8, 5)
    m = build_model("crnn", input_shape=SHAPE, n_classes=4, **TINY)
    seen = {}
    orig = keras.Model.fit

    def spy(self, *a, **k):
        seen["callbacks"] = k["callbacks"]
        seen["validation_data"] = k["validation_data"]
        return orig(self, *a, **k)

    monkeypatch.setattr(keras.Model, "fit", spy)
    cfg = _cfg(lr_schedule="plateau", optimizer="adamw", weight_decay=0.01, clipnorm=1.0, label_smoothing=0.1)
    fit(m, X_train=X, y_train=y, X_val=Xv, y_val=yv, cfg=cfg, log=None)
    assert isinstance(m.optimizer, keras.optimizers.AdamW)
    assert m.optimizer.weight_decay == pytest.approx(0.01) and m.optimizer.clipnorm == pytest.approx(1.0)
    assert m.loss.label_smoothing == pytest.approx(0.1)
    es = [c for c in seen["callbacks"] if isinstance(c, keras.callbacks.EarlyStopping)]
    rl = [c for c in seen["callbacks"] if isinstance(c, keras.callbacks.ReduceLROnPlateau)]
    assert len(es) == 1 and es[0].monitor.startswith("val_") and es[0].restore_best_weights
    assert len(rl) == 1 and rl[0].monitor.startswith("val_") and rl[0].factor == 0.5
    assert seen["validation_data"][0] is Xv or np.array_equal(seen["validation_data"][0], Xv)


def test_without_a_validation_part_it_trains_every_epoch_and_says_so(monkeypatch):
    import keras

    X, y = _data(32, 4)
    m = build_model("crnn", input_shape=SHAPE, n_classes=4, **TINY)
    seen = {}
    orig = keras.Model.fit

    def spy(self, *a, **k):
        seen.update(callbacks=k["callbacks"], validation_data=k["validation_data"])
        return orig(self, *a, **k)

    monkeypatch.setattr(keras.Model, "fit", spy)
    empty_X, empty_y = np.zeros((0,) + SHAPE, np.float32), np.zeros(0, np.int64)
    with pytest.warns(FallbackWarning, match="no validation part.*all 3 epochs without early stopping"):
        info = fit(m, X_train=X, y_train=y, X_val=empty_X, y_val=empty_y, cfg=_cfg(epochs=3, lr_schedule="plateau"),
                   log=None)
    assert seen["validation_data"] is None  # nothing else stands in for the validation part
    assert not [c for c in seen["callbacks"] if isinstance(c, keras.callbacks.EarlyStopping)]
    rl = [c for c in seen["callbacks"] if isinstance(c, keras.callbacks.ReduceLROnPlateau)]
    assert len(rl) == 1 and rl[0].monitor == "loss"
    assert info["epochs_run"] == 3 and info["best_epoch"] == 3 and not info["stopped_early"]
    assert info["monitor"] == "loss" and info["n_val"] == 0 and "val_loss" not in info["history"]
    json.dumps(info)


@pytest.mark.slow
def test_early_stopping_restores_the_best_validation_epoch():
    # random labels and a large learning rate: the validation loss gets worse after a while
    rng = np.random.default_rng(6)
    X = rng.normal(size=(48,) + SHAPE).astype(np.float32)
    y = rng.integers(0, 4, 48)
    Xv = rng.normal(size=(24,) + SHAPE).astype(np.float32)
    yv = rng.integers(0, 4, 24)
    m = build_model("crnn", input_shape=SHAPE, n_classes=4, **TINY)
    cfg = _cfg(epochs=12, learning_rate=0.03, early_stopping_patience=2, batch_size=8)
    info = fit(m, X_train=X, y_train=y, X_val=Xv, y_val=yv, cfg=cfg, log=None)
    vl = info["history"]["val_loss"]
    assert info["stopped_early"] and info["epochs_run"] < 12
    assert info["best_epoch"] == int(np.argmin(vl)) + 1 < info["epochs_run"]
    # the model now holds the best epoch's weights: its validation loss is that epoch's
    now = m.evaluate(Xv, np.eye(4)[yv], verbose=0, batch_size=8, return_dict=True)["loss"]
    assert now == pytest.approx(vl[info["best_epoch"] - 1], rel=1e-4)
    assert now != pytest.approx(vl[-1], rel=1e-4)


def test_augmented_batches_are_reproducible_and_masked():
    X = np.ones((10, 20, 8, 1), np.float32)
    Y = np.eye(4, dtype=np.float32)[np.arange(10) % 4]
    w = np.linspace(1, 2, 10).astype(np.float32)
    kw = dict(w=w, lengths=np.full(10, 15), batch_size=4, seed=3,
              specaug=dict(time_masks=2, time_width=5, freq_masks=1, freq_width=3), mixup_alpha=0.5)
    a, b = AugmentedBatches(X, Y, **kw), AugmentedBatches(X, Y, **kw)
    assert len(a) == 3
    xa, ya, wa = a[0]
    xb, yb, wb = b[0]
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(ya, yb)
    assert xa.shape == (4, 20, 8, 1)
    np.testing.assert_allclose(ya.sum(axis=1), 1.0, rtol=1e-6)
    assert ((ya > 0) & (ya < 1)).any()  # labels mixed
    assert wa.min() >= 1.0 and wa.max() <= 2.0 and not np.isin(wa, w).all()  # weights mixed too
    no_mix = dict(kw, mixup_alpha=0.0, specaug=dict(time_masks=2, time_width=5, freq_masks=0, freq_width=1))
    xm, ym, _ = AugmentedBatches(X, Y, **no_mix)[1]
    assert (xm == 0).any() and (xm[:, 15:] == 1).all()  # time masks, only on real frames
    assert set(np.unique(ym)) == {0.0, 1.0}
    assert a[2][0].shape[0] == 2  # short last batch
    a.on_epoch_end()
    assert not np.array_equal(a._order, b._order)  # a new order each epoch
    np.testing.assert_array_equal(X, 1.0)  # the inputs are never modified


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(y_train=np.full(16, 9)), "labels must lie in 0..3"),
        (dict(X_train=np.zeros((16, 32, 16), np.float32)), "shape \\(n, n_frames"),
        (dict(X_val=np.zeros((4, 30, 16, 1), np.float32)), "the model expects"),
        (dict(class_weight={0: 1.0}), "no weight for label"),
        (dict(monitor="loss"), "validation part"),
        (dict(cfg={"epochs": 1}), "lacks the training parameter"),
        (dict(len_train=np.ones(3)), "len_train"),
    ],
)
def test_bad_inputs_raise_model_error(change, match):
    m = build_model("crnn", input_shape=SHAPE, n_classes=4, **TINY)
    X, y = _data(16, 0)
    args = dict(X_train=X, y_train=y, X_val=X[:4], y_val=y[:4], cfg=_cfg(), log=None)
    args.update(change)
    with pytest.raises(ModelError, match=match):
        fit(m, **args)
