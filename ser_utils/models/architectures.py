"""Keras models for log-mel inputs: the CRNN family.

Every model takes a batch ``X`` of shape ``(n, n_frames, n_mels, n_channels)`` (time
first, channels last, as :mod:`ser_utils.prep.prepare` produces it) and returns class
probabilities of shape ``(n, n_classes)`` (softmax).

=========================  =============================================================
``crnn``                   Conv2D blocks, then stacked LSTMs; the last LSTM state feeds
                           the dense head (seed 004's recipe).
``cnn_bilstm``             mel bands as features: Conv1D blocks over time, then
                           bidirectional LSTMs (seeds 000/002).
``cnn_bilstm_attention``   as ``cnn_bilstm``, then multi-head self-attention with a
                           residual connection and layer normalisation, averaged over
                           time (seed 003).
``attn_crnn``              the Conv2D front end of ``crnn``, a per-frame linear
                           projection (to ``2 * lstm_units[0]``, LayerNorm, ReLU), one or
                           more bidirectional GRUs returning sequences, then *attentive
                           statistics pooling* (attention-weighted mean and standard
                           deviation over time) instead of the last state. Small and fast
                           on a CPU; our model for speaker-independent work.
=========================  =============================================================

Each architecture is one builder function in a lookup table (:data:`MODELS` are its keys);
the input, the convolutional front ends and the dense head are written once and shared.
Keras is imported at module top through :mod:`ser_utils.models.backend`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ModelError
from .backend import keras

__all__ = ["MODELS", "AttentiveStatsPooling", "build_frame_head", "build_model", "import_keras", "model_params"]

_PARAM_NAMES = ("conv_filters", "lstm_units", "dense_units", "dropout", "attention_heads")

layers = keras.layers


def import_keras():
    """Return ``keras`` (imported by :mod:`ser_utils.models.backend`, TensorFlow's logs quiet)."""
    return keras


def model_params(cfg: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :func:`build_model` taken from a configuration dict.

    Parameters
    ----------
    cfg : dict
        A configuration from :func:`ser_utils.config.resolve` (or any dict holding
        ``conv_filters``, ``lstm_units``, ``dense_units``, ``dropout``, ``attention_heads``
        and optionally ``seed``).

    Returns
    -------
    params : dict
        JSON-able; ``build_model(cfg["model"], input_shape=..., **params)`` builds the model.
    """
    missing = [k for k in _PARAM_NAMES if k not in cfg]
    if missing:
        raise ModelError(f"configuration lacks the model parameter(s) {', '.join(missing)}")
    out = {k: (list(cfg[k]) if isinstance(cfg[k], (list, tuple)) else cfg[k]) for k in _PARAM_NAMES}
    if "seed" in cfg:
        out["seed"] = int(cfg["seed"])
    return out


@keras.saving.register_keras_serializable(package="ser_utils", name="AttentiveStatsPooling")
class AttentiveStatsPooling(keras.layers.Layer):
    """Attentive statistics pooling over time.

    Input ``(n, t, d)``; a small scorer (Dense(``units``, tanh) then Dense(1)) gives one
    score per frame, softmax over time gives weights ``w``; the output is the weighted
    mean and the weighted standard deviation concatenated, shape ``(n, 2 * d)``
    (Okabe et al., 2018). With ``stats=False`` only the weighted mean, ``(n, d)``.
    """

    def __init__(self, units: int = 64, stats: bool = True, eps: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.units = int(units)
        self.stats = bool(stats)
        self.eps = float(eps)
        self.hidden = keras.layers.Dense(self.units, activation="tanh", name="score_hidden")
        self.score = keras.layers.Dense(1, name="score")

    def build(self, input_shape):
        """Build the two Dense scorers for inputs of ``input_shape``, ``(n, t, d)``."""
        self.hidden.build(input_shape)
        self.score.build(tuple(input_shape[:-1]) + (self.units,))

    def call(self, h, mask=None):
        """The pooled vectors.

        Parameters
        ----------
        h : tensor, shape (n, t, d)
            Frame vectors.
        mask : tensor, shape (n, t), optional
            True for real frames (Keras passes it from a ``Masking`` layer); padded frames
            get zero weight.

        Returns
        -------
        tensor, shape (n, 2 * d), or (n, d) with ``stats=False``
            Weighted mean (and weighted standard deviation) over time.
        """
        ops = keras.ops
        s = self.score(self.hidden(h))  # (n, t, 1)
        if mask is not None:
            s = ops.where(ops.expand_dims(ops.cast(mask, "bool"), -1), s, ops.full_like(s, -1e9))
        w = ops.softmax(s, axis=1)
        mean = ops.sum(w * h, axis=1)
        if not self.stats:
            return mean
        var = ops.sum(w * ops.square(h), axis=1) - ops.square(mean)
        std = ops.sqrt(ops.maximum(var, self.eps))
        return ops.concatenate([mean, std], axis=-1)

    def compute_mask(self, inputs, mask=None):
        """No mask after pooling over time."""
        return None

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` ``(n, t, d)``: ``(n, 2 * d)``, or ``(n, d)`` with ``stats=False``."""
        d = input_shape[-1]
        return (input_shape[0], (2 * d if self.stats and d is not None else d))

    def get_config(self):
        """The layer's configuration (Keras's plus ``units``, ``stats``, ``eps``), for saving."""
        cfg = super().get_config()
        cfg.update(units=self.units, stats=self.stats, eps=self.eps)
        return cfg


def _register(keras_module=None):
    """The custom layer class (kept for callers of the old lazy registration)."""
    return AttentiveStatsPooling


@dataclass(frozen=True)
class _Parts:
    """Checked arguments of :func:`build_model`, shared by every builder."""

    shape: tuple[int | None, int, int]
    conv: list[int]
    rnn: list[int]
    n_classes: int
    dense_units: int
    dropout: float
    attention_heads: int

    @property
    def n_mels(self) -> int:
        return self.shape[1]

    @property
    def n_ch(self) -> int:
        return self.shape[2]


# --- shared parts: conv front ends and the head -----------------------------------------------


def _conv2d_front(x, p: _Parts):
    """Conv2D blocks (each halves time and mels), then frames as a sequence ``(n, t', mels' * filters)``."""
    for i, f in enumerate(p.conv, 1):
        x = layers.Conv2D(f, (3, 3), padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.ReLU(name=f"conv{i}_relu")(x)
        x = layers.MaxPooling2D((2, 2), name=f"conv{i}_pool")(x)
    feat = (p.n_mels // 2 ** len(p.conv)) * p.conv[-1]
    return layers.Reshape((-1, feat), name="to_sequence")(x)


def _conv1d_front(x, p: _Parts):
    """Mel bands (x channels) as features, then Conv1D blocks over time (each halves it)."""
    x = layers.Reshape((-1, p.n_mels * p.n_ch), name="to_sequence")(x)
    for i, f in enumerate(p.conv, 1):
        x = layers.Conv1D(f, 5, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.ReLU(name=f"conv{i}_relu")(x)
        x = layers.MaxPooling1D(2, name=f"conv{i}_pool")(x)
        x = layers.Dropout(p.dropout, name=f"conv{i}_dropout")(x)
    return x


def _head(x, p: _Parts, *, dense_dropout: bool):
    """Optional dense ReLU layer (with dropout when ``dense_dropout``), then the softmax output."""
    if p.dense_units:
        x = layers.Dense(p.dense_units, activation="relu", name="dense")(x)
        if dense_dropout:
            x = layers.Dropout(p.dropout, name="dense_dropout")(x)
    return layers.Dense(p.n_classes, activation="softmax", name="probabilities")(x)


# --- one builder per architecture: inputs -> pooled features (before the head) ----------------


def _crnn(inputs, p: _Parts):
    x = _conv2d_front(inputs, p)
    for i, u in enumerate(p.rnn, 1):
        last = i == len(p.rnn)
        x = layers.LSTM(u, return_sequences=not last, name=f"lstm{i}")(x)
        x = layers.Dropout(p.dropout, name=f"lstm{i}_dropout")(x)
    return x


def _cnn_bilstm(inputs, p: _Parts):
    x = _conv1d_front(inputs, p)
    for i, u in enumerate(p.rnn, 1):
        last = i == len(p.rnn)
        x = layers.Bidirectional(layers.LSTM(u, return_sequences=not last), name=f"bilstm{i}")(x)
    return x


def _cnn_bilstm_attention(inputs, p: _Parts):
    x = _conv1d_front(inputs, p)
    for i, u in enumerate(p.rnn, 1):
        x = layers.Bidirectional(layers.LSTM(u, return_sequences=True), name=f"bilstm{i}")(x)
    key_dim = max(1, 2 * p.rnn[-1] // p.attention_heads)
    att = layers.MultiHeadAttention(p.attention_heads, key_dim, dropout=p.dropout, name="self_attention")(x, x)
    x = layers.Add(name="attention_residual")([x, att])
    x = layers.LayerNormalization(name="attention_norm")(x)
    return layers.GlobalAveragePooling1D(name="time_average")(x)


def _attn_crnn(inputs, p: _Parts):
    x = _conv2d_front(inputs, p)
    # project each frame's (mels' x filters) features down before the recurrent loop:
    # the GRU's per-step cost then no longer grows with n_mels (the main CPU saving)
    x = layers.Dense(2 * p.rnn[0], use_bias=False, name="frame_projection")(x)
    x = layers.LayerNormalization(name="frame_projection_norm")(x)
    x = layers.ReLU(name="frame_projection_relu")(x)
    x = layers.Dropout(p.dropout, name="front_dropout")(x)
    for i, u in enumerate(p.rnn, 1):
        x = layers.Bidirectional(layers.GRU(u, return_sequences=True), name=f"bigru{i}")(x)
    x = AttentiveStatsPooling(units=max(8, p.rnn[-1]), stats=True, name="attentive_stats_pooling")(x)
    return layers.Dropout(p.dropout, name="pool_dropout")(x)


@dataclass(frozen=True)
class _Arch:
    """One table entry: the builder, whether its front end pools the mel axis, head dropout."""

    build: Callable[[Any, _Parts], Any]
    pools_mels: bool
    dense_dropout: bool


_ARCHS: dict[str, _Arch] = {
    "crnn": _Arch(_crnn, pools_mels=True, dense_dropout=False),
    "cnn_bilstm": _Arch(_cnn_bilstm, pools_mels=False, dense_dropout=True),
    "cnn_bilstm_attention": _Arch(_cnn_bilstm_attention, pools_mels=False, dense_dropout=True),
    "attn_crnn": _Arch(_attn_crnn, pools_mels=True, dense_dropout=True),
}

#: Architectures known to :func:`build_model` (the keys of its lookup table).
MODELS: tuple[str, ...] = tuple(_ARCHS)


def _check_int_list(name: str, value: Any, *, allow_empty: bool = False) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ModelError(f"{name} must be a list of positive integers, got {value!r}")
    if not value and not allow_empty:
        raise ModelError(f"{name} must hold at least one layer size, got an empty list")
    if any(v < 1 for v in value):
        raise ModelError(f"{name} must hold positive integers, got {list(value)!r}")
    return [int(v) for v in value]


def _check_shape(input_shape: Any) -> tuple[int | None, int, int]:
    try:
        shape = tuple(None if d is None else int(d) for d in input_shape)
    except (TypeError, ValueError):
        raise ModelError(f"input_shape must be (n_frames, n_mels, n_channels), got {input_shape!r}") from None
    if len(shape) != 3:
        raise ModelError(f"input_shape must be (n_frames, n_mels, n_channels) with 3 entries, got {input_shape!r}")
    n_frames, n_mels, n_ch = shape
    if n_mels is None or n_ch is None or n_mels < 1 or n_ch < 1 or (n_frames is not None and n_frames < 1):
        raise ModelError(
            f"input_shape needs positive n_mels and n_channels (n_frames may be None), got {input_shape!r}"
        )
    return shape  # type: ignore[return-value]


def _check_scalars(*, n_classes: Any, dense_units: Any, dropout: Any, attention_heads: Any) -> None:
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
        raise ModelError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if isinstance(dense_units, bool) or not isinstance(dense_units, int) or dense_units < 0:
        raise ModelError(f"dense_units must be an integer >= 0 (0 = no dense layer), got {dense_units!r}")
    if not isinstance(dropout, (int, float)) or not 0.0 <= float(dropout) < 1.0:
        raise ModelError(f"dropout must be a rate in [0, 1), got {dropout!r}")
    if isinstance(attention_heads, bool) or not isinstance(attention_heads, int) or attention_heads < 1:
        raise ModelError(f"attention_heads must be a positive integer, got {attention_heads!r}")


def _check_pooling(name: str, shape: tuple[int | None, int, int], conv: list[int]) -> None:
    shrink = 2 ** len(conv)
    n_frames, n_mels, _ = shape
    if n_frames is not None and n_frames < shrink:
        raise ModelError(
            f"n_frames={n_frames} is too short for {len(conv)} pooling blocks: need at least {shrink} frames"
        )
    if _ARCHS[name].pools_mels and n_mels < shrink:
        raise ModelError(f"n_mels={n_mels} is too small for {len(conv)} 2-D pooling blocks: need at least {shrink}")


def build_model(
    name: str = "crnn",
    *,
    input_shape: Sequence[int],
    n_classes: int = 8,
    conv_filters: Sequence[int] = (32, 64),
    lstm_units: Sequence[int] = (128, 64),
    dense_units: int = 64,
    dropout: float = 0.3,
    attention_heads: int = 4,
    seed: int = 42,
):
    """Build (uncompiled) one of the :data:`MODELS`.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`.
    input_shape : sequence of int
        ``(n_frames, n_mels, n_channels)``; ``n_frames`` may be ``None`` (variable length)
        for every model; ``n_mels`` and ``n_channels`` must be known.
    n_classes : int
        Output classes (8 for RAVDESS).
    conv_filters : sequence of int
        Filters of each convolution block (each block halves the time axis, and for the
        2-D models also the mel axis).
    lstm_units : sequence of int
        Units of each recurrent layer (per direction for bidirectional layers).
    dense_units : int
        Units of the dense ReLU layer before the output; 0 = none.
    dropout : float
        Dropout rate in [0, 1).
    attention_heads : int
        Heads of the multi-head self-attention (``cnn_bilstm_attention``).
    seed : int
        Seeds Python, NumPy and TensorFlow (``keras.utils.set_random_seed``) before the
        layers are made, so the same arguments give the same initial weights.

    Returns
    -------
    model : keras.Model
        Input ``(None, n_frames, n_mels, n_channels)``, output ``(None, n_classes)``
        softmax probabilities. Named ``name``; layers have readable names.

    Raises
    ------
    ModelError
        Unknown name, an empty or non-positive layer list, a bad rate, or an input shape
        that the pooling would reduce to nothing.
    """
    if name not in _ARCHS:
        raise ModelError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    shape = _check_shape(input_shape)
    conv = _check_int_list("conv_filters", conv_filters)
    rnn = _check_int_list("lstm_units", lstm_units)
    _check_scalars(n_classes=n_classes, dense_units=dense_units, dropout=dropout, attention_heads=attention_heads)
    _check_pooling(name, shape, conv)
    parts = _Parts(shape, conv, rnn, n_classes, dense_units, float(dropout), attention_heads)
    arch = _ARCHS[name]
    keras.utils.set_random_seed(int(seed))
    inputs = keras.Input(shape=shape, name="logmel")
    outputs = _head(arch.build(inputs, parts), parts, dense_dropout=arch.dense_dropout)
    return keras.Model(inputs, outputs, name=name)


def build_frame_head(
    *,
    dim: int = 512,
    n_classes: int = 8,
    units: int = 64,
    attention_units: int = 64,
    dropout: float = 0.5,
    l2: float = 0.01,
    seed: int = 42,
):
    """Build (uncompiled) the small head over a sequence of pretrained encoder frames.

    ``Masking`` (all-zero frames are padding), a per-frame Dense(``units``, ReLU) with
    dropout (none with ``units=0``), :class:`AttentiveStatsPooling` over the real frames,
    dropout and a softmax layer (L2 penalty ``l2`` on its weights).

    Parameters
    ----------
    dim : int
        Size of each frame vector (512 for Whisper-base).
    n_classes : int
        Output classes.
    units : int
        Units of the per-frame projection; 0 = none (attention over the frames themselves).
    attention_units : int
        Hidden units of the attention scorer.
    dropout : float
        Dropout rate in [0, 1), after the projection and after the pooling.
    l2 : float
        L2 penalty of the output layer's weights (>= 0).
    seed : int
        Seeds the initial weights.

    Returns
    -------
    model : keras.Model
        Input ``(None, t, dim)`` (``t`` variable; zero rows after a clip's last frame are
        padding), output ``(None, n_classes)`` probabilities.
    """
    for name, v in (("dim", dim), ("n_classes", n_classes), ("units", units + 1), ("attention_units", attention_units)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ModelError(f"{name} must be a {'non-negative' if name == 'units' else 'positive'} integer, got {v!r}")
    if not 0 <= float(dropout) < 1:
        raise ModelError(f"dropout must be in [0, 1), got {dropout!r}")
    if not float(l2) >= 0:
        raise ModelError(f"l2 must be >= 0, got {l2!r}")
    keras.utils.set_random_seed(int(seed))
    inputs = keras.Input(shape=(None, dim), name="encoder_frames")
    x = layers.Masking(0.0, name="padding")(inputs)
    if units:
        x = layers.Dense(units, activation="relu", name="frame_projection")(x)
        x = layers.Dropout(dropout, name="frame_dropout")(x)
    x = AttentiveStatsPooling(attention_units, name="attentive_stats_pooling")(x)
    x = layers.Dropout(dropout, name="pooled_dropout")(x)
    reg = keras.regularizers.L2(float(l2)) if l2 else None
    outputs = layers.Dense(n_classes, activation="softmax", kernel_regularizer=reg, name="emotion")(x)
    return keras.Model(inputs, outputs, name="frame_head")
