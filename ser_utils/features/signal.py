"""Signal features of one waveform: log-mel spectrograms, deltas and frame-level descriptors.

Pure functions of a mono float waveform ``(n,)``: :func:`logmel` gives ``(n_mels, t)`` in
dB, :func:`add_deltas` stacks delta channels ``(order + 1, n_mels, t)``,
:func:`frame_features` gives ``(n_features, t)`` rows named by :func:`frame_feature_names`.
:func:`magnitude`, :func:`logmel_from_power` and :func:`frame_feature_dict` are the steps
:mod:`ser_utils.features.extraction` shares between the two cache groups of one file.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..config import FRAME_FEATURES, PARAMS
from ..errors import FeatureError

__all__ = [
    "add_deltas",
    "check_wave",
    "feature_rows",
    "frame_feature_dict",
    "frame_feature_names",
    "frame_features",
    "logmel",
    "logmel_from_power",
    "magnitude",
]

#: Mel bands behind the MFCCs (librosa's default), independent of ``n_mels``.
_MFCC_MELS = 128
#: Spectral contrast: bands and the highest lowest-band edge (librosa's defaults).
_CONTRAST_BANDS = 6
_CONTRAST_FMIN = 200.0
#: F0 search range (Hz), C2..C7.
_F0_MIN, _F0_MAX = 65.4, 2093.0
_PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@functools.lru_cache(maxsize=16)
def _mel_basis(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None, quiet: bool = False) -> np.ndarray:
    """Librosa's mel filterbank, memoised.

    ``quiet`` silences its empty-filter warning (for the MFCCs' fixed 128 bands; the log-mel
    input's own bands do warn once).
    """
    import librosa

    with warnings.catch_warnings():
        if quiet:
            warnings.filterwarnings("ignore", message=".*[Ee]mpty filters.*")
        basis = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, dtype=np.float32)
    basis.setflags(write=False)
    return basis


def check_wave(y: np.ndarray, what: str = "y") -> np.ndarray:
    """``y`` as a contiguous float32 mono waveform ``(n,)``, n >= 1; :class:`FeatureError` naming ``what`` otherwise."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise FeatureError(f"{what} must be a mono waveform of shape (n,), got shape {y.shape}")
    if y.shape[0] == 0:
        raise FeatureError(f"{what} is empty; expected at least one sample")
    if not np.issubdtype(y.dtype, np.floating):
        raise FeatureError(f"{what} must be floating point in [-1, 1], got dtype {y.dtype}")
    return np.ascontiguousarray(y, dtype=np.float32)


def _check_frames(sr: int, n_fft: int, hop_length: int) -> None:
    if int(sr) <= 0 or int(n_fft) <= 0 or int(hop_length) <= 0:
        raise FeatureError(
            f"sr, n_fft and hop_length must be positive, got sr={sr}, n_fft={n_fft}, hop_length={hop_length}"
        )
    if hop_length > n_fft:
        raise FeatureError(f"hop_length={hop_length} must not exceed n_fft={n_fft}")


def _pad_to(y: np.ndarray, n: int) -> np.ndarray:
    return y if y.shape[0] >= n else np.pad(y, (0, n - y.shape[0]))


def magnitude(y: np.ndarray, *, n_fft: int, hop_length: int) -> np.ndarray:
    """|STFT| of ``y`` (zero-padded to ``n_fft`` if shorter), shape (1 + n_fft // 2, t)."""
    import librosa

    y = _pad_to(y, n_fft)
    return np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length, center=True))


def logmel_from_power(
    P: np.ndarray,
    *,
    sr: int,
    n_mels: int,
    n_fft: int,
    fmin: float,
    fmax: float | None,
    mel_power_cache: dict | None = None,
) -> np.ndarray:
    """Log-mel from a power spectrogram; the mel power goes into ``mel_power_cache``."""
    import librosa

    key = (int(sr), int(n_fft), int(n_mels), float(fmin), None if fmax is None else float(fmax))
    M = _mel_basis(*key) @ P
    if mel_power_cache is not None:
        mel_power_cache[key] = M
    return librosa.power_to_db(M, ref=np.max, top_db=80.0).astype(np.float32, copy=False)


def logmel(
    y: np.ndarray,
    *,
    sr: int,
    n_mels: int,
    n_fft: int,
    hop_length: int,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> np.ndarray:
    """Log-mel spectrogram in dB relative to the file's peak.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono waveform; shorter than ``n_fft`` is zero-padded at the end.
    sr : int
        Sample rate (Hz).
    n_mels, n_fft, hop_length : int
        Mel bands, FFT size, hop (samples); frames are centred (librosa's default).
    fmin, fmax : float
        Mel frequency range (Hz); ``fmax=None`` is ``sr / 2``.

    Returns
    -------
    S_db : np.ndarray, float32, shape (n_mels, t)
        ``power_to_db(mel, ref=np.max, top_db=80)``: values in [-80, 0] dB,
        ``t = 1 + max(n, n_fft) // hop_length``. A silent input gives all zeros.
    """
    y = check_wave(y)
    _check_frames(sr, n_fft, hop_length)
    if n_mels < 1:
        raise FeatureError(f"n_mels must be >= 1, got {n_mels}")
    P = magnitude(y, n_fft=n_fft, hop_length=hop_length) ** 2
    return logmel_from_power(P, sr=sr, n_mels=n_mels, n_fft=n_fft, fmin=fmin, fmax=fmax)


def _delta(X: np.ndarray, order: int) -> np.ndarray:
    """librosa.feature.delta along time, working for any number of frames."""
    import librosa

    t = X.shape[-1]
    mode = "interp" if t >= 9 else "nearest"
    return librosa.feature.delta(X, order=order, width=9, axis=-1, mode=mode).astype(np.float32, copy=False)


def add_deltas(S: np.ndarray, *, order: int) -> np.ndarray:
    """Stack a spectrogram with its delta (and delta-delta) as channels.

    Parameters
    ----------
    S : np.ndarray, shape (n_mels, t)
    order : int
        0: ``S`` only; 1: ``S`` and its delta; 2: ``S``, delta and delta-delta
        (``librosa.feature.delta``, width 9; any ``t >= 1`` works).

    Returns
    -------
    C : np.ndarray, float32, shape (order + 1, n_mels, t)
    """
    S = np.asarray(S)
    if S.ndim != 2 or S.shape[1] == 0:
        raise FeatureError(f"add_deltas expects a spectrogram of shape (n_mels, t) with t >= 1, got shape {S.shape}")
    if order not in (0, 1, 2):
        raise FeatureError(f"order must be 0, 1 or 2, got {order!r}")
    S = S.astype(np.float32, copy=False)
    chans = [S] + [_delta(S, k) for k in range(1, order + 1)]
    return np.stack(chans, axis=0)


def _check_names(names: Iterable[str]) -> list[str]:
    if isinstance(names, str):
        names = [names]
    names = list(names)
    bad = [n for n in names if n not in FRAME_FEATURES]
    if bad:
        raise FeatureError(
            f"unknown frame feature(s) {', '.join(map(repr, bad))}; expected some of {', '.join(FRAME_FEATURES)}"
        )
    return [n for n in FRAME_FEATURES if n in set(names)]


def _check_n_mfcc(n_mfcc: int) -> None:
    spec = PARAMS["n_mfcc"]
    if isinstance(n_mfcc, bool) or not isinstance(n_mfcc, (int, np.integer)) or not spec.low <= n_mfcc <= spec.high:
        raise FeatureError(f"n_mfcc must be an integer in {int(spec.low)}-{int(spec.high)}, got {n_mfcc!r}")


def frame_feature_names(names: Iterable[str], *, n_mfcc: int) -> list[str]:
    """Row names of :func:`frame_features` for the same ``names`` and ``n_mfcc``.

    Parameters
    ----------
    names : iterable of str
        Features from :data:`ser_utils.config.FRAME_FEATURES` (any order; the result
        follows the canonical order).
    n_mfcc : int

    Returns
    -------
    list of str
        e.g. ``mfcc_01..mfcc_40``, ``mfcc_delta_01..``, ``chroma_C..chroma_B``,
        ``contrast_1..contrast_7``, ``zcr``, ``rms``, ``centroid``, ``bandwidth``,
        ``rolloff``, ``f0``.
    """
    _check_n_mfcc(n_mfcc)
    out: list[str] = []
    for n in _check_names(names):
        out.extend(feature_rows(n, n_mfcc))
    return out


def feature_rows(name: str, n_mfcc: int) -> list[str]:
    """Row names of one frame feature ``name`` (``mfcc_01``.., ``chroma_C``.., ``contrast_1``.., or ``name``)."""
    if name.startswith("mfcc"):
        return [f"{name}_{i:02d}" for i in range(1, n_mfcc + 1)]
    if name == "chroma":
        return [f"chroma_{p}" for p in _PITCH_CLASSES]
    if name == "contrast":
        return [f"contrast_{i}" for i in range(1, _CONTRAST_BANDS + 2)]
    return [name]


@dataclass
class _Spectra:
    """One waveform's inputs to the frame features; power and MFCCs computed once, on demand."""

    y: np.ndarray  # padded to n_fft
    mag: np.ndarray  # |STFT|, (1 + n_fft // 2, t)
    sr: int
    n_fft: int
    hop_length: int
    n_mfcc: int
    mel_power_cache: dict | None
    _power: np.ndarray | None = None
    _mfcc: np.ndarray | None = None

    def power(self) -> np.ndarray:
        if self._power is None:
            self._power = self.mag**2
        return self._power

    def mfcc(self) -> np.ndarray:
        import librosa

        if self._mfcc is None:
            key = (int(self.sr), int(self.n_fft), _MFCC_MELS, 0.0, None)
            M = None if self.mel_power_cache is None else self.mel_power_cache.get(key)
            if M is None:
                M = _mel_basis(*key, quiet=True) @ self.power()
            self._mfcc = librosa.feature.mfcc(S=librosa.power_to_db(M, top_db=80.0), n_mfcc=self.n_mfcc).astype(
                np.float32
            )
        return self._mfcc

    def stft_kw(self) -> dict:
        return {"sr": self.sr, "n_fft": self.n_fft, "hop_length": self.hop_length}


def _chroma(x: _Spectra) -> np.ndarray:
    import librosa

    return librosa.feature.chroma_stft(S=x.power(), **x.stft_kw(), tuning=0.0)


def _contrast(x: _Spectra) -> np.ndarray:
    import librosa

    fmin = min(_CONTRAST_FMIN, 0.9 * (x.sr / 2) / 2 ** (_CONTRAST_BANDS - 1))
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # with a tiny n_fft the lowest bands hold no bin: NaN, set to 0 by frame_feature_dict
        warnings.simplefilter("ignore", RuntimeWarning)
        return librosa.feature.spectral_contrast(S=x.mag, **x.stft_kw(), fmin=fmin, n_bands=_CONTRAST_BANDS)


def _zcr(x: _Spectra) -> np.ndarray:
    import librosa

    return librosa.feature.zero_crossing_rate(x.y, frame_length=x.n_fft, hop_length=x.hop_length, center=True)


def _rms(x: _Spectra) -> np.ndarray:
    import librosa

    return librosa.feature.rms(S=x.mag, frame_length=x.n_fft, hop_length=x.hop_length)


def _spectral(fn_name: str) -> Callable[[_Spectra], np.ndarray]:
    """A librosa ``spectral_*`` descriptor of the magnitude spectrogram."""

    def feature(x: _Spectra) -> np.ndarray:
        import librosa

        return getattr(librosa.feature, fn_name)(S=x.mag, **x.stft_kw())

    return feature


def _f0(x: _Spectra) -> np.ndarray:
    import librosa

    fmax = min(_F0_MAX, 0.5 * x.sr)
    fmin = min(max(_F0_MIN, 1.01 * x.sr / (x.n_fft // 2)), 0.5 * fmax)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*periods of fmin.*")
        f0 = librosa.yin(x.y, fmin=fmin, fmax=fmax, sr=x.sr, frame_length=x.n_fft, hop_length=x.hop_length, center=True)
    return f0[None, :]


#: One function per frame feature of :data:`ser_utils.config.FRAME_FEATURES`: ``(k, t)``.
_FRAME_FEATURES: dict[str, Callable[[_Spectra], np.ndarray]] = {
    "mfcc": lambda x: x.mfcc(),
    "mfcc_delta": lambda x: _delta(x.mfcc(), 1),
    "mfcc_delta2": lambda x: _delta(x.mfcc(), 2),
    "chroma": _chroma,
    "contrast": _contrast,
    "zcr": _zcr,
    "rms": _rms,
    "centroid": _spectral("spectral_centroid"),
    "bandwidth": _spectral("spectral_bandwidth"),
    "rolloff": _spectral("spectral_rolloff"),
    "f0": _f0,
}


def frame_feature_dict(
    y: np.ndarray, mag: np.ndarray, *, sr: int, names: Sequence[str], n_mfcc: int, n_fft: int, hop_length: int,
    mel_power_cache: dict | None = None,
) -> dict[str, np.ndarray]:
    """Each requested feature as (k, t) float32, from the waveform and its |STFT| (finite, common t)."""
    x = _Spectra(_pad_to(y, n_fft), mag, sr, n_fft, hop_length, n_mfcc, mel_power_cache)
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name not in _FRAME_FEATURES:  # pragma: no cover - names are validated
            raise FeatureError(f"unknown frame feature {name!r}")
        out[name] = np.nan_to_num(
            np.asarray(_FRAME_FEATURES[name](x), dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0
        )
    if out:
        t = min(F.shape[1] for F in out.values())
        out = {k: np.ascontiguousarray(F[:, :t]) for k, F in out.items()}
    return out


def frame_features(
    y: np.ndarray,
    *,
    sr: int,
    names: Iterable[str],
    n_mfcc: int,
    n_fft: int,
    hop_length: int,
) -> np.ndarray:
    """Frame-level descriptors of a waveform, stacked.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono waveform (zero-padded to ``n_fft`` if shorter).
    sr : int
    names : iterable of str
        Any of :data:`ser_utils.config.FRAME_FEATURES`:
        ``mfcc`` (``n_mfcc`` rows, from 128 mel bands, librosa's default),
        ``mfcc_delta``, ``mfcc_delta2`` (``n_mfcc`` rows each),
        ``chroma`` (12, ``chroma_stft``, tuning 0), ``contrast`` (7, spectral contrast,
        6 bands), ``zcr``, ``rms``, ``centroid``, ``bandwidth``, ``rolloff`` (1 each),
        ``f0`` (1, Hz, ``librosa.yin`` over C2-C7 with ``frame_length=n_fft``; pyin is
        ~100x slower and not used). Rows follow the canonical order, whatever the
        order of ``names``.
    n_mfcc : int
        13-40.
    n_fft, hop_length : int
        Frame size and hop (samples); frames are centred.

    Returns
    -------
    F : np.ndarray, float32, shape (n_features, t)
        ``n_features = len(frame_feature_names(names, n_mfcc=n_mfcc))``,
        ``t = 1 + max(n, n_fft) // hop_length``; finite.
    """
    y = check_wave(y)
    _check_frames(sr, n_fft, hop_length)
    _check_n_mfcc(n_mfcc)
    names = _check_names(names)
    if not names:
        raise FeatureError("names is empty; expected at least one of " + ", ".join(FRAME_FEATURES))
    mag = magnitude(y, n_fft=n_fft, hop_length=hop_length)
    d = frame_feature_dict(y, mag, sr=sr, names=names, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length)
    return np.concatenate([d[n] for n in names], axis=0)

