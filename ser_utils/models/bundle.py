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
(when ``trim_silence``) → :func:`ser_utils.features.logmel` → deltas on the whole log-mel
and every channel cropped/padded to ``n_frames`` (:func:`ser_utils.prep.prepare.make_inputs`,
the very function that made the training inputs: ``features.add_deltas`` then
``features.fix_length``) → :func:`ser_utils.prep.normalise.apply`.

Normalisation of new files (``per_speaker`` bundles): files with corpus names (RAVDESS,
CREMA-D, TESS, SAVEE: :func:`ser_utils.data.corpora.read_name`) are grouped by speaker;
an actor seen in training uses its stored statistics, any other speaker is standardised
with statistics of *its files in the same call* (so predict all of a new speaker's files
together; with fewer than ``min_speaker_clips`` of them they are single clips, see
:mod:`ser_utils.models.modes`). Files whose names are no corpus's fall back to the global
statistics of the training part stored in the bundle. ``global`` and ``per_utterance``
bundles need no actor information.

Files are analysed by :func:`ser_utils.features.extract` itself (one file at a time,
no cache), so the log-mels and pooled vectors are those of training.

Keras is imported at module top (:mod:`ser_utils.models.backend`); reading ``bundle.json``
alone (:func:`ser_utils.models.settings.read_settings`) needs no TensorFlow.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__, features
from ..config import EMOTIONS
from ..errors import ModelError, SERError
from ..files import to_json, write_text
from ..prep import normalise, prepare
from . import classic as classic_mod
from . import modes, recipe
from .architectures import AttentiveStatsPooling  # noqa: F401  (registers the custom layer for loading)
from .backend import keras, tf
from .modes import ONE_SPEAKER, speaker_of
from .settings import (  # noqa: F401  (re-exported: the bundle's names)
    CLASSIC_FILE,
    CLASSIC_NORM_FILE,
    FORMAT_VERSION,
    MODEL_FILE,
    REQUIRED_FEATURE_KEYS,
    SETTINGS_FILE,
    _check_classic_settings,
    _deltas,
    _norm_stats,
    _validate_settings,
    fallbacks,
    read_settings,
)

#: Files of the prediction modes' extra parts (:mod:`ser_utils.models.parts`), by part name.
PART_FILES: dict[str, str] = {
    "encoder_per_speaker": "encoder_per_speaker.skops",
    "encoder_single_clip": "encoder_single_clip.skops",
    "classic_single_clip": "classic_single_clip.skops",
    "encoder_norm": "encoder_norm.npz",
    "frame_per_speaker": "frame_per_speaker.keras",
    "frame_single_clip": "frame_single_clip.keras",
    "frame_norm": "frame_norm.npz",
}

__all__ = [
    "PART_FILES",
    "MODEL_FILE",
    "SETTINGS_FILE",
    "REQUIRED_FEATURE_KEYS",
    "Bundle",
    "save_bundle",
    "load_bundle",
    "read_settings",
    "fallbacks",
    "fuse",
    "speaker_of",
    "ONE_SPEAKER",
]

def save_bundle(
    folder: str | os.PathLike,
    model,
    *,
    settings: dict[str, Any],
    classic: Any = None,
    classic_norm: dict[str, np.ndarray] | None = None,
    parts: dict[str, Any] | None = None,
    part_norms: dict[str, dict[str, np.ndarray]] | None = None,
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
        :func:`ser_utils.features.feature_settings`, with at least
        :data:`REQUIRED_FEATURE_KEYS`), ``n_frames`` (int), ``deltas`` (0/1/2, top level
        or in ``features``), ``normalisation_stats`` (the dict from
        :func:`ser_utils.prep.normalise.fit`; ``norm_stats`` is accepted too), so the
        ``settings`` of :func:`ser_utils.prep.prepare.prepare_datasets` are complete as they
        are. Optional: ``labels`` (default :data:`ser_utils.config.EMOTIONS`), ``model``
        (name and parameters), ``training`` (from :func:`ser_utils.models.train.fit`,
        history included if you like), and anything
        else JSON-able (kept as is). With ``classic``: ``classic`` (a dict with at least
        ``fusion_weight`` in [0, 1], ``n_features`` and ``normalisation``, ``"per_speaker"``
        or ``"none"``).
    classic : fitted scikit-learn Pipeline, optional
        The classic model on pooled vectors (:func:`ser_utils.models.classic.fit`).
    classic_norm : dict of np.ndarray, optional
        :func:`ser_utils.prep.normalise.fit_pooled` of its training vectors; required when
        ``settings["classic"]["normalisation"] == "per_speaker"``.
    parts : dict of str to fitted scikit-learn model, optional
        The prediction modes' extra parts (:func:`ser_utils.models.parts.fit_mode_parts`:
        ``encoder_per_speaker``, ``encoder_single_clip``, ``classic_single_clip``), each
        saved as ``<name>.skops``; with ``settings["prediction_modes"]`` (the weights per mode).
    part_norms : dict of str to dict of np.ndarray, optional
        Their statistics (``encoder_norm``), each saved as ``<name>.npz``.

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
    parts, part_norms = dict(parts or {}), dict(part_norms or {})
    bad = [k for k in [*parts, *part_norms] if k not in PART_FILES]
    if bad:
        raise ModelError(f"save_bundle: unknown part(s) {', '.join(bad)}; expected some of {', '.join(PART_FILES)}")
    settings = {**settings, "parts": sorted(parts), "part_norms": sorted(part_norms)}
    text = _settings_text(model, settings, classic=classic, classic_norm=classic_norm)
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        model.save(tmp / MODEL_FILE)
        if classic is not None:
            classic_mod.save(classic, tmp / CLASSIC_FILE)
            if classic_norm is not None:
                np.savez(tmp / CLASSIC_NORM_FILE, **{k: np.asarray(v) for k, v in classic_norm.items()})
        for name, part in parts.items():
            if PART_FILES[name].endswith(".keras"):
                part.save(tmp / PART_FILES[name])
            else:
                classic_mod.save(part, tmp / PART_FILES[name])
        for name, norm in part_norms.items():
            np.savez(tmp / PART_FILES[name], **{k: np.asarray(v) for k, v in norm.items()})
        write_text(tmp / SETTINGS_FILE, text)
        _swap_in(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _settings_text(model, settings: dict[str, Any], *, classic: Any, classic_norm: Any) -> str:
    """``bundle.json``'s text: the settings checked against the model, plus model info and versions."""
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
        raise ModelError(
            f"save_bundle: the model has {model.output_shape[-1]} outputs but there are {len(labels)} labels"
        )
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
        return to_json(doc)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"save_bundle: settings are not JSON-able ({exc})") from None


def _swap_in(tmp: Path, folder: Path) -> None:
    """Move the finished folder ``tmp`` to ``folder``, replacing an earlier bundle there."""
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, folder)


def fuse(p_crnn: np.ndarray, p_classic: np.ndarray | None, *, weight: float) -> np.ndarray:
    """The bundle's fused probabilities: ``(1 - weight) * p_crnn + weight * p_classic``.

    Parameters
    ----------
    p_crnn : np.ndarray, shape (n, n_classes)
        The CRNN's probabilities.
    p_classic : np.ndarray, shape (n, n_classes), or None
        The classic part's probabilities (None: no classic part).
    weight : float
        The classic part's weight in [0, 1] (``fusion_weight``).

    Returns
    -------
    np.ndarray, float32, shape (n, n_classes)
        ``p_crnn`` itself (as float32) when ``weight`` is 0 or ``p_classic`` is None;
        else the weighted sum, computed in float64.

    Raises
    ------
    ModelError
        A weight outside [0, 1] or arrays of different shapes.
    """
    w = float(weight)
    if not 0.0 <= w <= 1.0:
        raise ModelError(f"fusion weight must lie in [0, 1], got {weight!r}")
    if w == 0.0 or p_classic is None:
        return np.asarray(p_crnn, dtype=np.float32)
    a, b = np.asarray(p_crnn, np.float64), np.asarray(p_classic, np.float64)
    if a.shape != b.shape:
        raise ModelError(f"fuse: CRNN probabilities {a.shape} and classic probabilities {b.shape} differ in shape")
    return ((1.0 - w) * a + w * b).astype(np.float32)


def _load_keras(path: Path, folder: Path) -> Any:
    if not path.is_file():
        raise ModelError(f"model bundle {folder} is incomplete: {path.name} is missing")
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:  # zip/HDF5/config errors of many kinds
        raise ModelError(
            f"model bundle {folder}: {path.name} could not be loaded ({type(exc).__name__}: {exc})"
        ) from None


def load_bundle(folder: str | os.PathLike) -> Bundle:
    """Load a bundle saved by :func:`save_bundle`.

    Raises
    ------
    ModelError
        The folder, ``bundle.json`` or ``model.keras`` is missing or corrupt (the message
        names which), or the model does not match the stored settings.
    """
    folder = Path(folder)
    settings = read_settings(folder)
    model = _load_keras(folder / MODEL_FILE, folder)
    n_ch = int(_deltas(settings)) + 1
    expected = (int(settings["n_frames"]), int(settings["features"]["n_mels"]), n_ch)
    got = tuple(model.input_shape[1:])
    if len(got) != 3 or any(g is not None and g != e for g, e in zip(got, expected)):
        raise ModelError(f"model bundle {folder}: the model takes {got} but {SETTINGS_FILE} describes {expected}")
    if int(model.output_shape[-1]) != len(settings["labels"]):
        raise ModelError(
            f"model bundle {folder}: {model.output_shape[-1]} outputs but {len(settings['labels'])} labels"
        )
    classic = classic_norm = None
    if settings.get("classic") is not None:
        _check_classic_settings(settings["classic"], f"model bundle {folder}")
        classic = classic_mod.load(folder / CLASSIC_FILE)
        if settings["classic"]["normalisation"] == "per_speaker":
            try:
                with np.load(folder / CLASSIC_NORM_FILE, allow_pickle=False) as z:
                    classic_norm = {k: z[k] for k in z.files}
            except (OSError, ValueError) as exc:
                raise ModelError(
                    f"model bundle {folder}: {CLASSIC_NORM_FILE} is missing or unreadable ({exc})"
                ) from None
    parts: dict[str, Any] = {}
    for name in settings.get("parts", []) + settings.get("part_norms", []):
        if name not in PART_FILES:
            raise ModelError(f"model bundle {folder}: unknown part {name!r} in {SETTINGS_FILE}")
        path = folder / PART_FILES[name]
        if path.suffix == ".skops":
            parts[name] = classic_mod.load(path)
        elif path.suffix == ".keras":
            parts[name] = _load_keras(path, folder)
        else:
            try:
                with np.load(path, allow_pickle=False) as z:
                    parts[name] = {k: z[k] for k in z.files}
            except (OSError, ValueError) as exc:
                raise ModelError(f"model bundle {folder}: {path.name} is missing or unreadable ({exc})") from None
    return Bundle(
        folder=folder, model=model, settings=settings, classic=classic, classic_norm=classic_norm, parts=parts
    )


#: ``min_speaker_clips`` of bundles saved before the prediction modes (``benchmarks/min_clips.py``).
DEFAULT_MIN_SPEAKER_CLIPS = 8
_SPEAKER_ID = ONE_SPEAKER
_actor_of = speaker_of


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
    parts: dict[str, Any] = field(default_factory=dict, repr=False)

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
        """Frames of every model input (cropped or padded to it)."""
        return int(self.settings["n_frames"])

    @property
    def deltas(self) -> int:
        """Delta order of the inputs (0, 1 or 2: ``deltas + 1`` channels)."""
        return int(_deltas(self.settings))

    @property
    def norm_stats(self) -> dict[str, Any]:
        """The CRNN inputs' normalisation statistics (:func:`ser_utils.prep.normalise.fit`'s dict)."""
        return _norm_stats(self.settings)  # type: ignore[return-value]

    @property
    def fusion_weight(self) -> float:
        """Weight of the classic part's probabilities in :meth:`predict_paths` (0 without one)."""
        if self.classic is None:
            return 0.0
        return float(self.settings["classic"]["fusion_weight"])

    def _analyse_one(self, path: str) -> tuple[np.ndarray, np.ndarray]:
        """One file → its log-mel ``(n_mels, t)`` and pooled vector ``(d,)``, by ``features.extract`` itself."""
        fs = features.extract(
            pd.DataFrame({"path": [path], "file_id": [Path(path).stem]}),
            settings={
                **{k: v for k, v in self.settings["features"].items() if k in features.SETTING_KEYS},
                "deltas": self.deltas,
            },
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

    def inputs(
        self, logmels: list[np.ndarray], paths: list[str] | None = None, *, actors: list[int | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The CRNN's normalised inputs from log-mels.

        Parameters
        ----------
        logmels : list of np.ndarray, each (n_mels, t_i)
        paths : list of str, optional
            Name the files, for their speakers (corpus names) when ``actors`` is not given.
        actors : list of int or None, optional
            Each file's speaker for ``per_speaker`` bundles; None entries (and files whose
            names carry no actor) get the training part's global statistics.

        Returns
        -------
        X : np.ndarray, float32, shape (n, n_frames, n_mels, n_channels)
        lengths : np.ndarray of int, shape (n,)
        """
        n_mels = int(self.settings["features"]["n_mels"])
        n_ch = self.deltas + 1
        if not logmels:
            return np.zeros((0, self.n_frames, n_mels, n_ch), np.float32), np.zeros(0, np.int64)
        # deltas on each whole log-mel, then every channel cropped/padded: the training code itself
        X, lengths = prepare.make_inputs(logmels, n_frames=self.n_frames, deltas=self.deltas, n_mels=n_mels)
        lengths = np.asarray(lengths, dtype=np.int64)
        stats = self.norm_stats
        if stats["method"] == "per_speaker":
            if actors is None:
                actors = [speaker_of(p) for p in paths] if paths is not None else [None] * len(logmels)
            named = np.array([a is not None for a in actors])
            Xn = np.empty(X.shape, dtype=np.float32)
            if named.any():
                rows = np.flatnonzero(named)
                Xn[rows] = normalise.apply(X[rows], lengths[rows], stats, actors=[actors[i] for i in rows])
            if (~named).any():
                rows = np.flatnonzero(~named)
                Xn[rows] = normalise.apply(X[rows], lengths[rows], stats, actors=None)  # global statistics
            X = Xn
        else:
            X = normalise.apply(X, lengths, stats)
        return np.asarray(X, dtype=np.float32), lengths

    @property
    def fallbacks(self) -> list[str]:
        """What small data changed when this bundle was made, one labelled sentence each (:func:`fallbacks`)."""
        return fallbacks(self.settings)

    @property
    def prediction_modes(self) -> dict[str, Any]:
        """``min_speaker_clips`` and, per mode, the fusion ``weights`` of the parts.

        Bundles saved before the modes existed: the CRNN + classic fusion in both modes,
        and :data:`DEFAULT_MIN_SPEAKER_CLIPS`.
        """
        pm = self.settings.get("prediction_modes")
        if pm:
            return pm
        w = self.fusion_weight
        weights = {"crnn": 1.0 - w, "classic": w} if w > 0 else {"crnn": 1.0}
        return {"min_speaker_clips": DEFAULT_MIN_SPEAKER_CLIPS, **{m: {"weights": weights} for m in modes.MODES}}

    @property
    def min_speaker_clips(self) -> int:
        """Clips of a new speaker needed in one call for per-speaker mode."""
        return int(self.prediction_modes["min_speaker_clips"])

    def file_modes(self, speakers: list[int | None], *, mode: str = "auto") -> list[str]:
        """:func:`ser_utils.models.modes.file_modes` with this bundle's known speakers and :attr:`min_speaker_clips`."""
        return modes.file_modes(speakers, known=self.known_speakers, min_clips=self.min_speaker_clips, mode=mode)

    @property
    def known_speakers(self) -> list[int]:
        """Actors whose per-speaker statistics the bundle stores (its training actors)."""
        stats = self.norm_stats
        if stats.get("method") != "per_speaker":
            return []
        a = stats.get("actors", {})
        return [int(k) for k in (a.keys() if isinstance(a, dict) else np.asarray(a))]

    def encoder_features(self, paths: list[str]) -> Any:
        """The encoder features of audio files, as in training; None when no part uses them.

        Returns
        -------
        ser_utils.features.encoder.EncoderFeatures or None
            ``pooled`` ``(n, d)`` and ``frames`` (each ``(t_i, 512)``), rows in the order of ``paths``.
        """
        info = self.settings.get("encoder")
        if not info or not any(k.startswith(("encoder_", "frame_")) for k in self.parts) or not paths:
            return None
        from ..features import encoder as enc

        if info["model_sha256"] != enc.MODEL_BIN_SHA256:
            raise ModelError(f"model bundle {self.folder} was trained with encoder weights {info['model_sha256']}, "
                             f"but this version of ser_utils loads {enc.MODEL_BIN_SHA256}")
        ef = enc.extract_encoder(
            pd.DataFrame({"path": list(paths), "file_id": [Path(p).stem for p in paths]}),
            settings={
                "compute_type": info["compute_type"],
                "pool_stats": info["pool_stats"],
                "frame_pool": info.get("frame_pool", 4),
                "layers": info.get("layers", enc.N_LAYERS),  # bundles before the option: all
            },
            cache_dir=None, n_jobs=1, progress=False, summary=False,
        )
        return ef

    def mode_probabilities(
        self,
        logmels: list[np.ndarray],
        P: np.ndarray,
        E: np.ndarray | None,
        speakers: list[int | None],
        file_modes: list[str],
    ) -> np.ndarray:
        """The bundle's probabilities ``(n, n_classes)``, each file in its mode (:meth:`file_modes`).

        Parameters
        ----------
        logmels : list of np.ndarray, each (n_mels, t_i)
        P : np.ndarray, shape (n, d)
            Raw pooled vectors.
        E : EncoderFeatures, np.ndarray of shape (n, d_enc), or None
            The files' encoder features (:meth:`encoder_features`), or just their raw pooled
            statistics (then no frame part can be used); None: the bundle has no encoder part.
        speakers : list of int or None, length n
        file_modes : list of str, length n
            ``"per_speaker"`` rows are standardised per speaker (among the rows of that mode
            in this call); ``"single_clip"`` rows use no statistics of their speaker.
        """
        from .parts import encoder_probabilities, frame_probabilities

        frames = getattr(E, "frames", None)
        E = getattr(E, "pooled", E)
        n = len(logmels)
        out = np.zeros((n, len(self.labels)), np.float32)
        for mode in modes.MODES:
            rows = [i for i, m in enumerate(file_modes) if m == mode]
            if not rows:
                continue
            w = self.prediction_modes[mode]["weights"]
            actors = [speakers[i] if mode == "per_speaker" else None for i in rows]
            got: dict[str, np.ndarray] = {}
            if w.get("crnn", 0) > 0:
                X, _ = self.inputs([logmels[i] for i in rows], actors=actors)
                got["crnn"] = self.predict(X)
            if w.get("classic", 0) > 0:
                single = self.parts.get("classic_single_clip")
                if mode == "single_clip" and single is not None:
                    got["classic"] = classic_mod.probabilities(
                        single, np.asarray(P, np.float64)[rows], n_classes=len(self.labels)
                    )
                else:
                    got["classic"] = self.classic_probabilities(np.asarray(P)[rows], actors)
            if w.get("encoder", 0) > 0:
                if E is None:
                    raise ModelError("the bundle's encoder part needs encoder features (Bundle.encoder_features)")
                norm = self.parts.get("encoder_norm") if mode == "per_speaker" else None
                got["encoder"] = encoder_probabilities(self.parts[f"encoder_{mode}"], norm, np.asarray(E)[rows], actors)
            if w.get("frame", 0) > 0:
                if not frames:
                    raise ModelError("the bundle's frame head needs encoder frames (Bundle.encoder_features)")
                got["frame"] = frame_probabilities(
                    self.parts[f"frame_{mode}"],
                    self.parts["frame_norm"],
                    [frames[i] for i in rows],
                    actors,
                    max_frames=self.settings.get("frame_head", {}).get("frame_head_max_frames"),
                )
            out[rows] = modes.fuse_parts(got, w)
        return out

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
        if self.classic is None:
            raise ModelError(f"model bundle {self.folder} has no classic part")
        return recipe.classic_probabilities(self.classic, self.classic_norm, P, actors, n_classes=len(self.labels))

    def fuse(self, p_crnn: np.ndarray, p_classic: np.ndarray | None) -> np.ndarray:
        """``(1 - w) * p_crnn + w * p_classic`` with ``w =`` :attr:`fusion_weight` (``p_crnn`` when w is 0)."""
        return fuse(p_crnn, p_classic, weight=self.fusion_weight)

    def predict(self, X: np.ndarray, *, batch_size: int = 32) -> np.ndarray:
        """Class probabilities of prepared inputs, shape ``(n, n_classes)``."""
        X = np.asarray(X, dtype=np.float32)
        if len(X) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        return np.asarray(self.model.predict(X, batch_size=batch_size, verbose=0), dtype=np.float32)

    def predict_paths(
        self,
        paths: list[str | os.PathLike] | tuple,
        *,
        batch_size: int = 32,
        mode: str = "auto",
        speaker: str | None = None,
    ):
        """Predict the emotion of audio files; unreadable files are reported, not raised.

        Each file is predicted in one of the two modes (:mod:`ser_utils.models.modes`):
        *per-speaker* when its speaker is a training actor or has at least
        ``min_speaker_clips`` readable files in this call, else *single clip* (no
        statistics of its speaker: a lone file is never standardised by itself).

        Parameters
        ----------
        paths : list of str or path-like
        mode : {"auto", "per_speaker", "single_clip"}
            ``single_clip`` forces single-clip mode for every file; ``auto`` and
            ``per_speaker`` use per-speaker mode wherever it is possible.
        speaker : str, optional
            All files are of this one speaker (otherwise the speaker of corpus names; files
            with other names have no known speaker).

        Returns
        -------
        pd.DataFrame
            One row per input path, in input order: ``path``, ``emotion`` (the most
            probable label; None when the file failed), one float probability column per
            label (named by the label, NaN when failed), ``mode`` (``per_speaker`` or
            ``single_clip``; None when failed) and ``error`` (None, or why the file could
            not be used). ``path``, ``emotion``, ``mode`` and ``error`` are object columns,
            so a missing value is ``None`` (falsy), not NaN.
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = [os.fspath(p) for p in paths]
        mels, P, ok, errors = self.analyse(paths)
        speakers: list[int | None] = [ONE_SPEAKER if speaker is not None else speaker_of(p) for p in ok]
        fm = self.file_modes(speakers, mode=mode)
        probs = np.zeros((0, len(self.labels)))
        if ok:
            probs = self.mode_probabilities(mels, P, self.encoder_features(ok), speakers, fm)
        mode_of = dict(zip(ok, fm))
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
                row["mode"] = mode_of[p]
                row["error"] = None
            else:
                row["emotion"] = None
                row.update({lab: float("nan") for lab in labels})
                row["mode"] = None
                row["error"] = err.get(p, "not processed")
            rows.append(row)
        cols = ["path", "emotion", *labels, "error", "mode"]
        df = pd.DataFrame({c: [r[c] for r in rows] for c in cols}, columns=cols)
        # object columns keep None as None (pandas 3 would turn it into NaN in a string column,
        # and NaN is truthy): `if row["error"]:` means "this file failed"
        for c in ("path", "emotion", "mode", "error"):
            df[c] = pd.Series([r[c] for r in rows], dtype=object)
        return df
