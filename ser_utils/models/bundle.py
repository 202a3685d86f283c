"""The model bundle: one folder with everything needed to predict from audio files.

A bundle folder holds

- ``model.keras``: the trained Keras model (Keras' own zip format; no pickle);
- ``classic.skops`` and ``classic_norm.npz`` (when the bundle has a classic part): the
  scikit-learn model on pooled vectors (:mod:`ser_utils.models.classic`, skops format, no pickle)
  and the per-speaker statistics of its inputs; the bundle predicts
  ``(1 - fusion_weight) * CRNN + fusion_weight * classic`` probabilities;
- ``bundle.json``: the label order, every feature setting (sample rate, mel bands, FFT,
  hop, band limits, silence trimming...), the delta order, the fixed input length
  ``n_frames``, the normalisation statistics (:func:`ser_utils.prep.normalise.fit`'s dict), the
  model's name and parameters, training information, and the versions of ``ser_utils``,
  Keras and TensorFlow that wrote it.

:meth:`Bundle.preprocess` turns audio files into model inputs exactly as the training
pipeline did: :func:`ser_utils.data.audio.load` at the stored rate → :func:`ser_utils.data.audio.trim`
(when ``trim_silence``) → :func:`ser_utils.features.core.logmel` → deltas on the whole log-mel
and every channel cropped/padded to ``n_frames`` (:func:`ser_utils.prep.prepare.make_inputs`,
the very function that made the training inputs: ``features.add_deltas`` then
``features.fix_length``) → :func:`ser_utils.prep.normalise.apply`.

Normalisation of new files (``per_speaker`` bundles): files with RAVDESS names are grouped
by actor; an actor seen in training uses its stored statistics, any other actor is
standardised with statistics of *its files in the same call* (so predict all of a new
speaker's files together for the same treatment as in evaluation; a single file is then
standardised by itself). Files whose names are not RAVDESS names fall back to the global
statistics of the training part stored in the bundle. ``global`` and ``per_utterance``
bundles need no actor information.

Files are analysed by :func:`ser_utils.features.core.extract` itself (one file at a time,
no cache), so the log-mels and pooled vectors are those of training.

This module imports TensorFlow only when a model is saved or loaded, so reading
``bundle.json`` (:func:`read_settings`) stays light.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import EMOTIONS
from ..errors import ModelError, SERError
from ..features.settings import SETTING_KEYS

__all__ = [
    "MODEL_FILE",
    "SETTINGS_FILE",
    "REQUIRED_FEATURE_KEYS",
    "Bundle",
    "save_bundle",
    "load_bundle",
    "read_settings",
]

MODEL_FILE = "model.keras"
SETTINGS_FILE = "bundle.json"
CLASSIC_FILE = "classic.skops"
CLASSIC_NORM_FILE = "classic_norm.npz"
FORMAT_VERSION = 1

#: Feature settings a bundle must hold to reproduce the model's inputs: those of
#: :data:`ser_utils.features.core.SETTING_KEYS`, less ``deltas`` (it may sit at the top level) and
#: ``pool_stats`` (bundles written before it existed pooled mean and std).
REQUIRED_FEATURE_KEYS: tuple[str, ...] = tuple(k for k in SETTING_KEYS if k not in ("deltas", "pool_stats"))


def _jsonable(obj: Any) -> Any:
    """numpy scalars/arrays and paths to plain JSON types (for ``json.dumps(default=...)``)."""
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def _norm_stats(settings: dict[str, Any]) -> dict[str, Any] | None:
    """The normalisation statistics in ``settings``: ``normalisation_stats`` (as
    :func:`ser_utils.prep.prepare.prepare_datasets` names them), else ``norm_stats``, else
    ``normalisation`` when it is the stats dict itself."""
    for key in ("normalisation_stats", "norm_stats", "normalisation"):
        v = settings.get(key)
        if isinstance(v, dict) and "method" in v:
            return v
    return None


def _deltas(settings: dict[str, Any]) -> Any:
    if "deltas" in settings:
        return settings["deltas"]
    return settings.get("features", {}).get("deltas")


def _validate_settings(settings: Any, where: str) -> None:
    if not isinstance(settings, dict):
        raise ModelError(f"{where}: settings must be a dict, got {type(settings).__name__}")
    feats = settings.get("features")
    if not isinstance(feats, dict):
        raise ModelError(
            f"{where}: settings lack 'features' (the dict from features.feature_settings(cfg): "
            f"{', '.join(REQUIRED_FEATURE_KEYS)})"
        )
    missing = [k for k in REQUIRED_FEATURE_KEYS if k not in feats]
    if missing:
        raise ModelError(f"{where}: settings['features'] lacks {', '.join(missing)}")
    n_frames = settings.get("n_frames")
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
        raise ModelError(f"{where}: settings need 'n_frames', the fixed input length in frames (int >= 1), got {n_frames!r}")
    d = _deltas(settings)
    if d not in (0, 1, 2):
        raise ModelError(f"{where}: settings need 'deltas' (0, 1 or 2, top level or in 'features'), got {d!r}")
    if _norm_stats(settings) is None:
        raise ModelError(
            f"{where}: settings need 'normalisation_stats', the statistics dict from normalise.fit (with a 'method')"
        )
    labels = settings.get("labels", list(EMOTIONS))
    if not isinstance(labels, (list, tuple)) or not labels or not all(isinstance(x, str) for x in labels):
        raise ModelError(f"{where}: 'labels' must be a non-empty list of class names, got {labels!r}")


def read_settings(folder: str | os.PathLike) -> dict[str, Any]:
    """Read and check ``bundle.json`` of a bundle folder, without loading the model (or TensorFlow).

    Raises
    ------
    ModelError
        The folder or ``bundle.json`` is missing, not JSON, or lacks required settings.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"model bundle folder {folder} does not exist (expected a folder with {MODEL_FILE} and {SETTINGS_FILE})")
    path = folder / SETTINGS_FILE
    if not path.is_file():
        raise ModelError(f"model bundle {folder} is incomplete: {SETTINGS_FILE} is missing")
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model bundle {folder}: {SETTINGS_FILE} is not readable JSON ({exc})") from None
    _validate_settings(settings, str(path))
    return settings


def save_bundle(
    folder: str | os.PathLike,
    model,
    *,
    settings: dict[str, Any],
    classic: Any = None,
    classic_norm: dict[str, np.ndarray] | None = None,
) -> Path:
    """Save a trained model and everything needed to reproduce its input, as one folder.

    Parameters
    ----------
    folder : str or path-like
        Created if missing; an existing bundle there is replaced (the new one is written
        beside it first, then moved into place).
    model : keras.Model
        Input ``(None, n_frames, n_mels, n_channels)``, output ``(None, n_classes)``.
    settings : dict
        JSON-able (numpy scalars are converted). Required: ``features`` (the dict of
        :func:`ser_utils.features.core.feature_settings`, with at least
        :data:`REQUIRED_FEATURE_KEYS`), ``n_frames`` (int), ``deltas`` (0/1/2, top level
        or in ``features``), ``normalisation_stats`` (the dict from
        :func:`ser_utils.prep.normalise.fit`; ``norm_stats`` is accepted too), so the
        ``settings`` of :func:`ser_utils.prep.prepare.prepare_datasets` are complete as they are. Optional: ``labels`` (default
        :data:`ser_utils.config.EMOTIONS`), ``model`` (name and parameters), ``training``
        (from :func:`ser_utils.models.train.fit`, history included if you like), and anything
        else JSON-able (kept as is). With ``classic``: ``classic`` (a dict with at least
        ``fusion_weight`` in [0, 1], ``n_features`` and ``normalisation``, ``"per_speaker"``
        or ``"none"``).
    classic : fitted scikit-learn Pipeline, optional
        The classic model on pooled vectors (:func:`ser_utils.models.classic.fit`).
    classic_norm : dict of np.ndarray, optional
        :func:`ser_utils.prep.normalise.fit_pooled` of its training vectors; required when
        ``settings["classic"]["normalisation"] == "per_speaker"``.

    Returns
    -------
    folder : Path

    Raises
    ------
    ModelError
        Missing settings, settings that do not match the model's input or output shape,
        or settings that are not JSON-able.
    """
    _validate_settings(settings, "save_bundle")
    from .architectures import import_keras

    keras = import_keras()
    import tensorflow as tf

    from .. import __version__

    feats = settings["features"]
    n_ch = int(_deltas(settings)) + 1
    expected = (int(settings["n_frames"]), int(feats["n_mels"]), n_ch)
    got = tuple(model.input_shape[1:])
    if any(g is not None and g != e for g, e in zip(got, expected)) or len(got) != 3:
        raise ModelError(
            f"save_bundle: the model takes inputs of shape {got}, but the settings describe "
            f"(n_frames, n_mels, deltas + 1) = {expected}"
        )
    labels = list(settings.get("labels", EMOTIONS))
    if int(model.output_shape[-1]) != len(labels):
        raise ModelError(f"save_bundle: the model has {model.output_shape[-1]} outputs but there are {len(labels)} labels")
    doc = dict(settings)
    doc["labels"] = labels
    doc["deltas"] = int(_deltas(settings))
    doc["n_frames"] = int(settings["n_frames"])
    model_info = dict(doc.get("model") or {})
    model_info.setdefault("name", model_info.get("model", model.name))
    model_info["input_shape"] = [None if d is None else int(d) for d in got]
    model_info["n_params"] = int(model.count_params())
    doc["model"] = model_info
    if classic is not None:
        _check_classic_settings(doc.get("classic"), "save_bundle")
        if doc["classic"]["normalisation"] == "per_speaker" and classic_norm is None:
            raise ModelError("save_bundle: a per_speaker classic model needs classic_norm (normalise.fit_pooled)")
    else:
        doc.pop("classic", None)
    doc["format_version"] = FORMAT_VERSION
    doc["versions"] = {"ser_utils": __version__, "keras": keras.__version__, "tensorflow": tf.__version__}
    try:
        text = json.dumps(doc, indent=2, default=_jsonable, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"save_bundle: settings are not JSON-able ({exc})") from None

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        model.save(tmp / MODEL_FILE)
        if classic is not None:
            from . import classic as classic_mod

            classic_mod.save(classic, tmp / CLASSIC_FILE)
            if classic_norm is not None:
                np.savez(tmp / CLASSIC_NORM_FILE, **{k: np.asarray(v) for k, v in classic_norm.items()})
        (tmp / SETTINGS_FILE).write_text(text + "\n", encoding="utf-8")
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def load_bundle(folder: str | os.PathLike) -> "Bundle":
    """Load a bundle saved by :func:`save_bundle`.

    Raises
    ------
    ModelError
        The folder, ``bundle.json`` or ``model.keras`` is missing or corrupt (the message
        names which), or the model does not match the stored settings.
    """
    folder = Path(folder)
    settings = read_settings(folder)
    path = folder / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"model bundle {folder} is incomplete: {MODEL_FILE} is missing")
    from .architectures import _register, import_keras

    keras = import_keras()
    _register(keras)  # custom layers of ser_utils.models.architectures
    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:  # zip/HDF5/config errors of many kinds
        raise ModelError(f"model bundle {folder}: {MODEL_FILE} could not be loaded ({type(exc).__name__}: {exc})") from None
    n_ch = int(_deltas(settings)) + 1
    expected = (int(settings["n_frames"]), int(settings["features"]["n_mels"]), n_ch)
    got = tuple(model.input_shape[1:])
    if len(got) != 3 or any(g is not None and g != e for g, e in zip(got, expected)):
        raise ModelError(f"model bundle {folder}: the model takes {got} but {SETTINGS_FILE} describes {expected}")
    if int(model.output_shape[-1]) != len(settings["labels"]):
        raise ModelError(f"model bundle {folder}: {model.output_shape[-1]} outputs but {len(settings['labels'])} labels")
    classic = classic_norm = None
    if settings.get("classic") is not None:
        from . import classic as classic_mod

        _check_classic_settings(settings["classic"], f"model bundle {folder}")
        classic = classic_mod.load(folder / CLASSIC_FILE)
        if settings["classic"]["normalisation"] == "per_speaker":
            try:
                with np.load(folder / CLASSIC_NORM_FILE, allow_pickle=False) as z:
                    classic_norm = {k: z[k] for k in z.files}
            except (OSError, ValueError) as exc:
                raise ModelError(f"model bundle {folder}: {CLASSIC_NORM_FILE} is missing or unreadable ({exc})") from None
    return Bundle(folder=folder, model=model, settings=settings, classic=classic, classic_norm=classic_norm)


def _check_classic_settings(c: Any, where: str) -> None:
    if not isinstance(c, dict):
        raise ModelError(f"{where}: settings['classic'] must describe the classic model (fusion_weight, n_features, normalisation)")
    w = c.get("fusion_weight")
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0.0 <= float(w) <= 1.0:
        raise ModelError(f"{where}: settings['classic']['fusion_weight'] must be a number in [0, 1], got {w!r}")
    if c.get("normalisation") not in ("per_speaker", "none"):
        raise ModelError(f"{where}: settings['classic']['normalisation'] must be 'per_speaker' or 'none', got {c.get('normalisation')!r}")
    n = c.get("n_features")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ModelError(f"{where}: settings['classic']['n_features'] must be a positive integer, got {n!r}")


def _actor_of(path: str) -> int | None:
    from ..errors import FilenameError
    from ..data.ravdess import parse_filename

    try:
        return int(parse_filename(Path(path).name).actor)
    except (FilenameError, ValueError, AttributeError):
        return None


@dataclass
class Bundle:
    """A loaded model bundle.

    Attributes
    ----------
    folder : Path
    model : keras.Model
    settings : dict
        The contents of ``bundle.json``.
    classic : scikit-learn Pipeline or None
        The classic part (``classic.skops``), when the bundle has one.
    classic_norm : dict of np.ndarray or None
        Per-speaker statistics of the classic part's inputs (``classic_norm.npz``).
    """

    folder: Path
    model: Any = field(repr=False)
    settings: dict[str, Any] = field(repr=False)
    classic: Any = field(default=None, repr=False)
    classic_norm: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @property
    def labels(self) -> list[str]:
        """Class names in output order."""
        return list(self.settings["labels"])

    @property
    def features(self) -> dict[str, Any]:
        """The feature settings (sample rate, mel bands, ...)."""
        return dict(self.settings["features"])

    @property
    def n_frames(self) -> int:
        return int(self.settings["n_frames"])

    @property
    def deltas(self) -> int:
        return int(_deltas(self.settings))

    @property
    def norm_stats(self) -> dict[str, Any]:
        return _norm_stats(self.settings)  # type: ignore[return-value]

    @property
    def fusion_weight(self) -> float:
        """Weight of the classic part's probabilities in :meth:`predict_paths` (0 without one)."""
        if self.classic is None:
            return 0.0
        return float(self.settings["classic"]["fusion_weight"])

    def _analyse_one(self, path: str) -> tuple[np.ndarray, np.ndarray]:
        """One file → its log-mel ``(n_mels, t)`` and pooled vector ``(d,)``, by ``features.extract`` itself."""
        import pandas as pd

        from .. import features

        fs = features.extract(
            pd.DataFrame({"path": [path], "file_id": [Path(path).stem]}),
            settings={**{k: v for k, v in self.settings["features"].items() if k in features.SETTING_KEYS}, "deltas": self.deltas},
            cache_dir=None,
            n_jobs=1,
            progress=False,
            summary=False,
        )
        return fs.logmels[0], fs.pooled[0]

    def analyse(
        self, paths: list[str | os.PathLike] | tuple
    ) -> tuple[list[np.ndarray], np.ndarray, list[str], list[tuple[str, str]]]:
        """Log-mels and pooled vectors of audio files, exactly as in training.

        Parameters
        ----------
        paths : list of str or path-like

        Returns
        -------
        logmels : list of np.ndarray, each (n_mels, t_i)
        pooled : np.ndarray, float32, shape (n_ok, d)
        ok_paths : list of str
            The files that made it, in input order.
        errors : list of (str, str)
            ``(path, reason)`` of every file that could not be read or processed.
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        mels: list[np.ndarray] = []
        pooled: list[np.ndarray] = []
        ok: list[str] = []
        errors: list[tuple[str, str]] = []
        for p in paths:
            p = os.fspath(p)
            try:
                S, v = self._analyse_one(p)
            except SERError as exc:
                errors.append((p, str(exc)))
            except (OSError, ValueError, RuntimeError) as exc:  # anything else the decoders throw
                errors.append((p, f"{p}: {type(exc).__name__}: {exc}"))
            else:
                mels.append(S)
                pooled.append(v)
                ok.append(p)
        P = np.stack(pooled).astype(np.float32) if pooled else np.zeros((0, 0), np.float32)
        return mels, P, ok, errors

    def inputs(self, logmels: list[np.ndarray], paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The CRNN's normalised inputs from log-mels (``paths`` name the files, for their actors).

        Returns
        -------
        X : np.ndarray, float32, shape (n, n_frames, n_mels, n_channels)
        lengths : np.ndarray of int, shape (n,)
        """
        from ..prep import normalise, prepare

        n_mels = int(self.settings["features"]["n_mels"])
        n_ch = self.deltas + 1
        if not logmels:
            return np.zeros((0, self.n_frames, n_mels, n_ch), np.float32), np.zeros(0, np.int64)
        # deltas on each whole log-mel, then every channel cropped/padded: the training code itself
        X, lengths = prepare.make_inputs(logmels, n_frames=self.n_frames, deltas=self.deltas, n_mels=n_mels)
        lengths = np.asarray(lengths, dtype=np.int64)
        stats = self.norm_stats
        if stats["method"] == "per_speaker":
            actors = [_actor_of(p) for p in paths]
            named = np.array([a is not None for a in actors])
            Xn = np.empty(X.shape, dtype=np.float32)
            if named.any():
                rows = np.flatnonzero(named)
                Xn[rows] = normalise.apply(X[rows], lengths[rows], stats, actors=[actors[i] for i in rows])
            if (~named).any():
                rows = np.flatnonzero(~named)
                Xn[rows] = normalise.apply(X[rows], lengths[rows], stats, actors=None)  # global fallback
            X = Xn
        else:
            X = normalise.apply(X, lengths, stats)
        return np.asarray(X, dtype=np.float32), lengths

    def preprocess(
        self, paths: list[str | os.PathLike] | tuple
    ) -> tuple[np.ndarray, np.ndarray, list[str], list[tuple[str, str]]]:
        """Turn audio files into normalised CRNN inputs, as in training.

        Parameters
        ----------
        paths : list of str or path-like
            WAV or FLAC files (any rate 8-48 kHz, mono or multichannel).

        Returns
        -------
        X : np.ndarray, float32, shape (n_ok, n_frames, n_mels, n_channels)
        lengths : np.ndarray of int, shape (n_ok,)
            Real (non-padding) frames of each input.
        ok_paths : list of str
            The files that made it, in input order (rows of ``X``).
        errors : list of (str, str)
            ``(path, reason)`` of every file that could not be read or processed.
        """
        mels, _, ok, errors = self.analyse(paths)
        X, lengths = self.inputs(mels, ok)
        return X, lengths, ok, errors

    def classic_probabilities(self, P: np.ndarray, actors: list[int | None]) -> np.ndarray:
        """The classic part's class probabilities of raw pooled vectors.

        Parameters
        ----------
        P : np.ndarray, shape (n, d)
            Pooled vectors (:meth:`analyse`, or ``FeatureSet.pooled``), not normalised.
        actors : list of int or None, length n
            Each file's actor (None when unknown): per-speaker bundles standardise each
            actor's vectors as in training (:func:`ser_utils.prep.normalise.apply_pooled`).

        Returns
        -------
        np.ndarray, shape (n, n_classes)
        """
        from . import classic as classic_mod
        from ..prep import normalise

        if self.classic is None:
            raise ModelError(f"model bundle {self.folder} has no classic part")
        P = np.asarray(P, dtype=np.float64)
        if len(P) and self.classic_norm is not None:
            P = normalise.apply_pooled(P, self.classic_norm, actors=actors)
        return classic_mod.probabilities(self.classic, P, n_classes=len(self.labels))

    def fuse(self, p_crnn: np.ndarray, p_classic: np.ndarray | None) -> np.ndarray:
        """``(1 - w) * p_crnn + w * p_classic`` with ``w =`` :attr:`fusion_weight` (``p_crnn`` when w is 0)."""
        w = self.fusion_weight
        if w == 0.0 or p_classic is None:
            return np.asarray(p_crnn, dtype=np.float32)
        return ((1.0 - w) * np.asarray(p_crnn, np.float64) + w * np.asarray(p_classic, np.float64)).astype(np.float32)

    def predict(self, X: np.ndarray, *, batch_size: int = 32) -> np.ndarray:
        """Class probabilities of prepared inputs, shape ``(n, n_classes)``."""
        X = np.asarray(X, dtype=np.float32)
        if len(X) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        return np.asarray(self.model.predict(X, batch_size=batch_size, verbose=0), dtype=np.float32)

    def predict_paths(self, paths: list[str | os.PathLike] | tuple, *, batch_size: int = 32):
        """Predict the emotion of audio files; unreadable files are reported, not raised.

        The probabilities are the bundle's: the CRNN's, fused with the classic part's when
        the bundle has one (:meth:`fuse`).

        Parameters
        ----------
        paths : list of str or path-like

        Returns
        -------
        pd.DataFrame
            One row per input path, in input order: ``path``, ``emotion`` (the most
            probable label; None when the file failed), one float probability column per
            label (named by the label, NaN when failed), and ``error`` (None, or why the
            file could not be used). ``path``, ``emotion`` and ``error`` are object
            columns, so a missing value is ``None`` (falsy), not NaN.
        """
        import pandas as pd

        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = [os.fspath(p) for p in paths]
        mels, P, ok, errors = self.analyse(paths)
        X, _ = self.inputs(mels, ok)
        probs = self.predict(X, batch_size=batch_size)
        if self.fusion_weight > 0 and ok:
            probs = self.fuse(probs, self.classic_probabilities(P, [_actor_of(p) for p in ok]))
        labels = self.labels
        by_path = {p: probs[i] for i, p in enumerate(ok)}
        err = dict(errors)
        rows = []
        for p in paths:
            row: dict[str, Any] = {"path": p}
            if p in by_path:
                pr = by_path[p]
                row["emotion"] = labels[int(np.argmax(pr))]
                row.update({lab: float(pr[j]) for j, lab in enumerate(labels)})
                row["error"] = None
            else:
                row["emotion"] = None
                row.update({lab: float("nan") for lab in labels})
                row["error"] = err.get(p, "not processed")
            rows.append(row)
        cols = ["path", "emotion", *labels, "error"]
        df = pd.DataFrame({c: [r[c] for r in rows] for c in cols}, columns=cols)
        # object columns keep None as None (pandas 3 would turn it into NaN in a string column,
        # and NaN is truthy): `if row["error"]:` means "this file failed"
        for c in ("path", "emotion", "error"):
            df[c] = pd.Series([r[c] for r in rows], dtype=object)
        return df
