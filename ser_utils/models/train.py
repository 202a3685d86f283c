"""Training: compile and fit a Keras model on the training part, stop on the validation part.

:func:`fit` never sees test data. Early stopping and the learning-rate schedule watch the
validation loss (``val_loss``, see :data:`MONITOR`) and the best validation epoch's
weights are restored at the end. SpecAugment and mixup are applied to training batches
only, inside a :class:`keras.utils.PyDataset` (:class:`AugmentedBatches`), whose
randomness is a pure function of ``(seed, epoch, batch)`` so runs repeat exactly.

Why ``val_loss`` and not ``val_accuracy``: the validation part of a speaker split is a few
hundred files of two actors, so its accuracy moves in coarse steps and plateaus for many
epochs (ties count as "no improvement"); the loss is continuous, reacts to the confidence
of every prediction and is what ``ReduceLROnPlateau`` needs as well. Pass
``monitor="val_accuracy"`` to :func:`fit` to stop on accuracy instead.

A folder too small for a validation part (every class with fewer than three files, or
a speaker split of two actors) trains for ``epochs`` epochs without early stopping, the
plateau schedule watching the training loss, and says so (a
:class:`ser_utils.errors.FallbackWarning`); the test part is never used instead.

Keras is imported at module top through :mod:`ser_utils.models.backend`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ModelError, fallback
from ..prep import augment
from .backend import keras, tf

__all__ = ["MONITOR", "fit", "configure_threads", "AugmentedBatches", "EpochLine"]

#: What early stopping and ReduceLROnPlateau watch by default.
MONITOR = "val_loss"

_REQUIRED = (
    "epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "weight_decay",
    "lr_schedule",
    "label_smoothing",
    "clipnorm",
    "early_stopping_patience",
    "reduce_lr_patience",
    "deterministic",
    "seed",
    "specaug_time_masks",
    "specaug_time_width",
    "specaug_freq_masks",
    "specaug_freq_width",
    "mixup_alpha",
)

_THREADS_DONE: dict[str, int] | None = None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def configure_threads(*, intra: int | None = None, inter: int | None = None) -> dict[str, int]:
    """Set TensorFlow's CPU thread pools (call before any model is built).

    Parameters
    ----------
    intra : int, optional
        Threads inside one op (matrix products, convolutions); default: the number of
        CPU cores available to this process.
    inter : int, optional
        Ops run in parallel; default 1. The CRNN's graph is a chain (conv blocks, then a
        recurrent loop), so independent ops are rare; on 2 shared cores, one inter-op
        thread avoids oversubscription.

    Measured on 2 shared CPU cores (``attn_crnn``, demo sizes, 384 inputs of 128 x 64,
    median epoch over epochs 2-6, two runs each): intra 2 / inter 1: 1.4 and 1.6 s;
    intra 1 / inter 1: 1.8 and 2.7 s; intra 2 / inter 2: 1.4 and 1.7 s with about 10 %
    more CPU time. So all cores inside ops, one op at a time.

    Returns
    -------
    dict
        ``{"intra": ..., "inter": ...}`` as in effect. When TensorFlow has already
        started (threads can no longer be changed) the values in effect are returned
        unchanged.
    """
    global _THREADS_DONE
    intra = _cores() if intra is None else int(intra)
    inter = 1 if inter is None else int(inter)
    if intra < 1 or inter < 1:
        raise ModelError(f"thread counts must be >= 1, got intra={intra}, inter={inter}")
    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)
        _THREADS_DONE = {"intra": intra, "inter": inter}
    except RuntimeError:  # TensorFlow already initialised
        if _THREADS_DONE is None:
            _THREADS_DONE = {
                "intra": tf.config.threading.get_intra_op_parallelism_threads(),
                "inter": tf.config.threading.get_inter_op_parallelism_threads(),
            }
    return dict(_THREADS_DONE)


def _one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    Y = np.zeros((len(y), n_classes), dtype=np.float32)
    Y[np.arange(len(y)), y] = 1.0
    return Y


class AugmentedBatches(keras.utils.PyDataset):
    """Shuffled training batches with SpecAugment and mixup (a ``keras.utils.PyDataset``).

    Parameters
    ----------
    X : np.ndarray, float32, shape (n, n_frames, n_mels, n_channels)
    Y : np.ndarray, float32, shape (n, n_classes)
        One-hot (or soft) labels.
    w : np.ndarray, shape (n,), optional
        Per-example weights (class weights looked up per label); mixed along with the
        labels under mixup.
    lengths : np.ndarray of int, shape (n,), optional
        Real frames per example, so SpecAugment's time masks fall on real frames.
    batch_size : int
    seed : int
        Batch order and masks of epoch ``e``, batch ``i`` come from
        ``np.random.default_rng([seed, e, i])``: the same seed gives the same batches.
    specaug : dict, optional
        Keyword arguments of :func:`ser_utils.prep.augment.spec_augment` (``time_masks``,
        ``time_width``, ``freq_masks``, ``freq_width``); None = off.
    mixup_alpha : float
        :func:`ser_utils.prep.augment.mixup` with this alpha; 0 = off.

    Each batch is ``(x, y)`` or ``(x, y, sample_weight)``; the last batch may be short.
    """

    def __init__(self, X, Y, *, w=None, lengths=None, batch_size, seed, specaug=None, mixup_alpha=0.0):
        super().__init__(workers=1, use_multiprocessing=False)
        self.X, self.Y, self.w, self.lengths = X, Y, w, lengths
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.specaug = specaug
        self.mixup_alpha = float(mixup_alpha)
        self.epoch = 0
        self._order = self._permutation(0)

    def _permutation(self, epoch):
        return np.random.default_rng([self.seed, epoch, 0]).permutation(len(self.X))

    @property
    def num_batches(self):
        """The number of batches per epoch (the last one may be short)."""
        return math.ceil(len(self.X) / self.batch_size)

    def __len__(self):
        return self.num_batches

    def __getitem__(self, i):
        """Batch ``i`` of the current epoch.

        Returns
        -------
        tuple
            ``(x, y)`` or ``(x, y, sample_weight)``, float32, shapes
            ``(b, n_frames, n_mels, n_channels)``, ``(b, n_classes)`` and ``(b,)``.
        """
        idx = self._order[i * self.batch_size : (i + 1) * self.batch_size]
        xb, yb = self.X[idx], self.Y[idx]
        wb = None if self.w is None else self.w[idx]
        rng = np.random.default_rng([self.seed, self.epoch, i + 1])
        if self.specaug is not None:
            lb = None if self.lengths is None else self.lengths[idx]
            xb = augment.spec_augment(xb, rng=rng, lengths=lb, **self.specaug)
        if self.mixup_alpha > 0:
            xb, yb, wb = self._mixup(xb, yb, wb, rng)
        xb = np.asarray(xb, dtype=np.float32)
        yb = np.asarray(yb, dtype=np.float32)
        if wb is None:
            return xb, yb
        return xb, yb, np.asarray(wb, dtype=np.float32)

    def _mixup(self, xb, yb, wb, rng):
        # mix labels and weights with the same partner and factor as the inputs:
        # pack the weights as an extra label column so mixup mixes them too
        yw = yb if wb is None else np.concatenate([yb, wb[:, None]], axis=1)
        xb, yw = augment.mixup(xb, yw, rng=rng, alpha=self.mixup_alpha)
        yb = yw if wb is None else yw[:, :-1]
        wb = None if wb is None else yw[:, -1]
        return xb, yb, wb

    def on_epoch_end(self):
        """Step to the next epoch and reshuffle the batch order."""
        self.epoch += 1
        self._order = self._permutation(self.epoch)


class EpochLine(keras.callbacks.Callback):
    """A Keras callback printing one line per epoch through ``log``.

    ``EpochLine(epochs, log)``; the line reads
    ``epoch 3/20  loss 1.234  acc 0.456  val_loss 1.345  val_acc 0.400  lr 1.0e-03  2.1 s``
    (the learning rate in effect at the start of the epoch). Its ``lrs`` list holds that
    learning rate of every epoch.
    """

    def __init__(self, epochs: int, log: Callable[[str], Any] | None):
        super().__init__()
        self.epochs = epochs
        self.log = log
        self.lrs: list[float] = []
        self._t0 = 0.0

    def _lr(self) -> float:
        opt = self.model.optimizer
        try:
            return float(keras.ops.convert_to_numpy(opt.learning_rate))
        except Exception:  # pragma: no cover - exotic optimizers
            return float("nan")

    def on_epoch_begin(self, epoch, logs=None):
        """Start the epoch's clock and note its learning rate."""
        self._t0 = time.perf_counter()
        self._lr_start = self._lr()

    def on_epoch_end(self, epoch, logs=None):
        """Print the epoch's line through ``log`` and record its learning rate."""
        logs = logs or {}
        dt = time.perf_counter() - self._t0
        self.lrs.append(self._lr_start)
        parts = [f"epoch {epoch + 1}/{self.epochs}"]
        for key, label in (
            ("loss", "loss"),
            ("accuracy", "acc"),
            ("val_loss", "val_loss"),
            ("val_accuracy", "val_acc"),
        ):
            if key in logs:
                parts.append(f"{label} {float(logs[key]):.3f}")
        parts.append(f"lr {self._lr_start:.1e}")
        parts.append(f"{dt:.1f} s")
        if self.log is not None:
            self.log("  ".join(parts))


def _check_xy(name: str, X: Any, y: Any, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 4:
        raise ModelError(f"{name}: X must have shape (n, n_frames, n_mels, n_channels), got {X.shape}")
    if y.ndim != 1 or len(y) != len(X):
        raise ModelError(f"{name}: y must be integer labels of shape ({len(X)},), got shape {y.shape}")
    if len(X) == 0:
        raise ModelError(f"{name}: no examples")
    if not np.issubdtype(y.dtype, np.integer):
        raise ModelError(f"{name}: y must hold integer labels 0..{n_classes - 1}, got dtype {y.dtype}")
    if y.min() < 0 or y.max() >= n_classes:
        raise ModelError(
            f"{name}: labels must lie in 0..{n_classes - 1} (the model's outputs), got {y.min()}..{y.max()}"
        )
    if not np.isfinite(X).all():
        raise ModelError(f"{name}: X holds NaN or infinite values")
    return X.astype(np.float32, copy=False), y.astype(np.int64, copy=False)


# --- the steps of fit -----------------------------------------------------------------------


def _check_cfg(cfg: dict[str, Any], monitor: str) -> None:
    missing = [k for k in _REQUIRED if k not in cfg]
    if missing:
        raise ModelError(f"cfg lacks the training parameter(s) {', '.join(missing)}; use ser_utils.config.resolve()")
    if monitor not in ("val_loss", "val_accuracy"):
        raise ModelError(f"monitor must be 'val_loss' or 'val_accuracy' (the validation part), got {monitor!r}")
    if cfg["optimizer"] not in ("adam", "adamw"):
        raise ModelError(f"cfg['optimizer'] must be 'adam' or 'adamw', got {cfg['optimizer']!r}")
    if cfg["lr_schedule"] not in ("plateau", "cosine", "none"):
        raise ModelError(f"cfg['lr_schedule'] must be 'plateau', 'cosine' or 'none', got {cfg['lr_schedule']!r}")


def _check_shapes(model, X_train: np.ndarray, X_val: np.ndarray, len_train: Any) -> np.ndarray | None:
    in_shape = tuple(model.input_shape[1:])
    for name, X in (("training part", X_train), ("validation part", X_val)):
        if any(a is not None and a != b for a, b in zip(in_shape, X.shape[1:])):
            raise ModelError(f"{name}: X has example shape {X.shape[1:]}, the model expects {in_shape}")
    if len_train is None:
        return None
    len_train = np.asarray(len_train)
    if len_train.shape != (len(X_train),):
        raise ModelError(f"len_train must have shape ({len(X_train)},), got {len_train.shape}")
    return len_train


def _sample_weights(class_weight: dict[int, float] | None, y_train: np.ndarray, n_classes: int) -> np.ndarray | None:
    """Per-example weights from the class weights (None without them), shape ``(n,)``."""
    if not class_weight:
        return None
    missing_w = sorted(set(np.unique(y_train).tolist()) - set(int(k) for k in class_weight))
    if missing_w:
        raise ModelError(f"class_weight has no weight for label(s) {missing_w} present in y_train")
    table = np.ones(n_classes, dtype=np.float32)
    for k, v in class_weight.items():
        if 0 <= int(k) < n_classes:
            table[int(k)] = float(v)
    return table[y_train]


def _seed_everything(cfg: dict[str, Any]) -> int:
    seed = int(cfg["seed"])
    keras.utils.set_random_seed(seed)  # Python, NumPy, TensorFlow (dropout, ...)
    if cfg["deterministic"]:
        tf.config.experimental.enable_op_determinism()  # process-wide, cannot be undone
    return seed


def _compile(model, cfg: dict[str, Any], *, steps: int) -> None:
    """The optimizer (Adam/AdamW, cosine schedule or a fixed rate, clipnorm) and the loss."""
    epochs = int(cfg["epochs"])
    lr: Any = float(cfg["learning_rate"])
    if cfg["lr_schedule"] == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(lr, decay_steps=max(1, epochs * steps))
    opt_kw: dict[str, Any] = {"learning_rate": lr}
    if cfg["clipnorm"]:
        opt_kw["clipnorm"] = float(cfg["clipnorm"])
    if cfg["optimizer"] == "adamw":
        opt = keras.optimizers.AdamW(weight_decay=float(cfg["weight_decay"]), **opt_kw)
    else:
        opt = keras.optimizers.Adam(**opt_kw)
    model.compile(
        optimizer=opt,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=float(cfg["label_smoothing"])),
        metrics=["accuracy"],
    )


def _specaug(cfg: dict[str, Any]) -> dict[str, int] | None:
    if cfg["specaug_time_masks"] > 0 or cfg["specaug_freq_masks"] > 0:
        return {
            "time_masks": int(cfg["specaug_time_masks"]),
            "time_width": int(cfg["specaug_time_width"]),
            "freq_masks": int(cfg["specaug_freq_masks"]),
            "freq_width": int(cfg["specaug_freq_width"]),
        }
    return None


def _callbacks(cfg: dict[str, Any], monitor: str, line: EpochLine) -> tuple[Any, list[Any]]:
    """Early stopping (best weights restored; none when ``monitor`` is the training ``loss``), the plateau schedule, then the epoch line."""
    mode = "max" if monitor == "val_accuracy" else "min"
    early = None
    callbacks: list[Any] = []
    if monitor != "loss":
        early = keras.callbacks.EarlyStopping(
            monitor=monitor, mode=mode, patience=int(cfg["early_stopping_patience"]), restore_best_weights=True,
            verbose=0,
        )
        callbacks.append(early)
    if cfg["lr_schedule"] == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, mode=mode, factor=0.5, patience=int(cfg["reduce_lr_patience"]), min_lr=1e-6, verbose=0
            )
        )
    callbacks.append(line)  # last: prints the learning rate the epoch used
    return early, callbacks


def _summarise(hist, early, line: EpochLine, *, monitor: str, epochs: int, log) -> dict[str, Any]:
    """History (plus ``lr``), epochs run, the restored best epoch and whether it stopped early."""
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items() if k != "learning_rate"}
    history["lr"] = [float(v) for v in line.lrs]
    values = history.get(monitor, [])
    epochs_run = len(values) if values else len(history.get("loss", []))
    # the epoch EarlyStopping restored; without early stopping (no validation part) the last one
    best = int(early.best_epoch) if values and early is not None else epochs_run - 1
    best_value = float(values[best]) if values else float("nan")
    stopped_early = bool(early is not None and early.stopped_epoch > 0 and epochs_run < epochs)
    if log is not None and stopped_early:
        log(
            f"early stopping after epoch {epochs_run}: best {monitor} {best_value:.3f} "
            f"at epoch {best + 1} (weights restored)"
        )
    return {
        "history": history,
        "epochs_run": int(epochs_run),
        "best_epoch": int(best + 1),
        "best_value": best_value,
        "monitor": monitor,
        "stopped_early": stopped_early,
    }


def fit(
    model,
    *,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    cfg: dict[str, Any],
    class_weight: dict[int, float] | None = None,
    len_train: np.ndarray | None = None,
    log: Callable[[str], Any] | None = print,
    monitor: str = MONITOR,
) -> dict[str, Any]:
    """Compile ``model`` and train it; early stopping on the validation part.

    Parameters
    ----------
    model : keras.Model
        From :func:`ser_utils.models.architectures.build_model` (softmax output of ``n_classes``).
    X_train : np.ndarray, float32, shape (n, n_frames, n_mels, n_channels)
    y_train : np.ndarray of int, shape (n,)
        Labels ``0..n_classes-1``.
    X_val, y_val : np.ndarray, shapes (m, n_frames, n_mels, n_channels) and (m,)
        The validation part: early stopping, ``ReduceLROnPlateau`` and the restored
        weights depend on it. Test data has no place here. ``m = 0`` (a folder too small
        for a validation part): ``epochs`` epochs without early stopping, the plateau
        schedule on the training loss, and a ``FallbackWarning``.
    cfg : dict
        A resolved configuration; uses ``epochs``, ``batch_size``, ``optimizer``
        (``adam``/``adamw``), ``learning_rate``, ``weight_decay`` (AdamW only),
        ``clipnorm``, ``label_smoothing``, ``lr_schedule`` (``plateau``: halve the rate after
        ``reduce_lr_patience`` epochs without improvement; ``cosine``: cosine decay to 0
        over all steps; ``none``), ``early_stopping_patience``, ``deterministic``, ``seed``,
        ``specaug_*`` and ``mixup_alpha``.
    class_weight : dict of int to float, optional
        Weight per label, applied as per-example sample weights (mixed under mixup).
    len_train : np.ndarray of int, shape (n,), optional
        Real frames per training example (SpecAugment's time masks stay inside them).
    log : callable or None
        Receives one line per epoch (``print`` by default); None = silent.
    monitor : str
        ``"val_loss"`` (default) or ``"val_accuracy"``: what early stopping and
        ``ReduceLROnPlateau`` watch.

    Returns
    -------
    info : dict
        JSON-able: ``history`` (dict of lists per metric, plus ``lr``), ``epochs_run``,
        ``best_epoch`` (1-based, the epoch whose weights the model now holds),
        ``best_value`` (of ``monitor``), ``monitor`` (``"loss"`` without a validation
        part), ``train_time_s``, ``stopped_early``, ``n_train``, ``n_val``.

    Raises
    ------
    ModelError
        Missing configuration keys, inconsistent shapes, labels outside the model's
        classes, or a monitor that does not look at the validation part.
    """
    _check_cfg(cfg, monitor)
    n_classes = int(model.output_shape[-1])
    X_train, y_train = _check_xy("training part", X_train, y_train, n_classes)
    has_val = len(np.asarray(y_val)) > 0 or len(np.asarray(X_val)) > 0
    if has_val:
        X_val, y_val = _check_xy("validation part", X_val, y_val, n_classes)
    else:
        X_val = np.zeros((0, *X_train.shape[1:]), np.float32)
        fallback(
            f"no validation part (the folder is too small for one): the model trains for all {int(cfg['epochs'])} "
            f"epochs without early stopping, and the learning-rate schedule watches the training loss"
        )
        monitor = "loss"
    len_train = _check_shapes(model, X_train, X_val, len_train)
    w = _sample_weights(class_weight, y_train, n_classes)
    seed = _seed_everything(cfg)
    epochs, batch_size = int(cfg["epochs"]), int(cfg["batch_size"])
    _compile(model, cfg, steps=math.ceil(len(X_train) / batch_size))
    train_data = AugmentedBatches(
        X_train, _one_hot(y_train, n_classes), w=w, lengths=len_train, batch_size=batch_size, seed=seed,
        specaug=_specaug(cfg), mixup_alpha=float(cfg["mixup_alpha"]),
    )
    line = EpochLine(epochs, log)
    early, callbacks = _callbacks(cfg, monitor, line)
    t0 = time.perf_counter()
    hist = model.fit(
        train_data,
        validation_data=(X_val, _one_hot(y_val, n_classes)) if has_val else None,
        validation_batch_size=batch_size if has_val else None,
        epochs=epochs,
        shuffle=False,  # AugmentedBatches shuffles, reproducibly
        callbacks=callbacks,
        verbose=0,
    )
    train_time = time.perf_counter() - t0
    info = _summarise(hist, early, line, monitor=monitor, epochs=epochs, log=log)
    return {
        **{k: info[k] for k in ("history", "epochs_run", "best_epoch", "best_value", "monitor")},
        "train_time_s": round(float(train_time), 3),
        "stopped_early": info["stopped_early"],
        "n_train": int(len(X_train)),
        "n_val": int(len(X_val)),
    }
