"""Corpus scan: the usable audio under the data roots, and every other file with its reason.

Usable audio of RAVDESS, CREMA-D, TESS and SAVEE goes into a manifest; every other file
goes into a table of skipped files with the reason.

:func:`scan` walks one or more roots (any layout: the official zips, Kaggle's copies,
``ravdess-22k/{speech,song}/Actor_XX``, a flat folder), reads each file name with
:func:`ser_utils.data.corpora.read_name` (which corpus, speaker, emotion...), checks each
audio file's content, and drops duplicates. Every file found lands in exactly one of the
two tables.

Content checks, per file (measured on the 2036 FLAC files of ``ravdess-22k``, 2 cores:
hashing all files takes ~0.4 s, reading the headers ~0.15 s, decoding every file in full
~2.1 s in one thread and ~1.2 s in two threads; reading 8 blocks spread over each FLAC
file is *slower* than a full decode because each seek restarts the decoder, so every
file is decoded in full, in a thread pool — soundfile releases the GIL while decoding,
and threads start instantly where a process pool costs 1-2 s):

- the bytes are read once, hashed (SHA-1) and sniffed (RIFF/WAVE or fLaC magic);
- a WAV file's ``data`` chunk size is compared with the bytes that follow it (libsndfile
  silently shortens a truncated WAV, so its frame count alone cannot tell);
- the samples are decoded to the end: a decode error or fewer frames than the header
  promises means truncated (when the last block cannot be read) or corrupt;
- the peak level decides silence (``-60 dBFS``).
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import EMOTIONS
from ..errors import AudioError, DataError, FilenameError
from .corpora import read_name
from .ravdess import MODALITIES, VOCAL_CHANNELS

__all__ = [
    "SKIP_REASONS",
    "MANIFEST_COLUMNS",
    "SKIPPED_COLUMNS",
    "SYNTHETIC_MARKER",
    "SILENCE_THRESHOLD_DB",
    "ScanResult",
    "scan",
    "require_files",
    "is_synthetic",
    "fingerprint",
    "summary",
    "corpus_table",
]

#: Why a file is left out of the manifest (the ``reason`` column of ``skipped``).
SKIP_REASONS: tuple[str, ...] = (
    "unparseable_name",
    "not_audio",
    "corrupt",
    "truncated",
    "empty",
    "silent",
    "too_short",
    "audio_visual",
    "duplicate",
    "excluded_channel",
)

MANIFEST_COLUMNS: tuple[str, ...] = (
    "path",
    "file_id",
    "emotion",
    "emotion_id",
    "label",
    "vocal_channel",
    "intensity",
    "statement",
    "statement_id",
    "repetition",
    "actor",
    "gender",
    "sample_rate",
    "channels",
    "duration_s",
    "size_bytes",
    "sha1",
    "corpus",
    "speaker",
)
SKIPPED_COLUMNS: tuple[str, ...] = ("path", "reason", "detail")

_INT_COLUMNS = ("emotion_id", "label", "statement_id", "repetition", "actor", "sample_rate", "channels", "size_bytes")

#: The demo corpus (``ser_utils.data.synth``) writes this file at its root.
SYNTHETIC_MARKER = "SYNTHETIC_DEMO_CORPUS.txt"

#: A file whose peak is below this level (dB relative to full scale) is silent.
SILENCE_THRESHOLD_DB = -60.0

_LAST_BLOCK = 1024  # frames read at the end to tell truncation from corruption


@dataclass(frozen=True)
class ScanResult:
    """What :func:`scan` found.

    Attributes
    ----------
    manifest : pd.DataFrame
        One row per usable file, columns :data:`MANIFEST_COLUMNS`, sorted by ``file_id``.
    skipped : pd.DataFrame
        One row per file left out, columns :data:`SKIPPED_COLUMNS`, sorted by ``path``.
    roots : tuple of Path
        The absolute roots scanned.
    elapsed_s : float
        Wall time of the scan.
    """

    manifest: pd.DataFrame
    skipped: pd.DataFrame
    roots: tuple[Path, ...] = ()
    elapsed_s: float = 0.0

    @property
    def n_files(self) -> int:
        """Files found under the roots (``len(manifest) + len(skipped)``)."""
        return len(self.manifest) + len(self.skipped)

    @property
    def skip_counts(self) -> dict[str, int]:
        """Number of skipped files per reason (only reasons that occur)."""
        counts = self.skipped["reason"].value_counts()
        return {r: int(counts[r]) for r in SKIP_REASONS if r in counts.index}


# --------------------------------------------------------------------------- walking


def _as_roots(roots: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    if isinstance(roots, (str, os.PathLike)):
        items = [roots]
    else:
        try:
            items = list(roots)
        except TypeError:
            raise DataError(f"roots must be a path or a list of paths, got {type(roots).__name__}") from None
    if not items:
        raise DataError("no data root given: expected a folder (or a list of folders) holding RAVDESS audio")
    out = []
    for r in items:
        if not isinstance(r, (str, os.PathLike)):
            raise DataError(f"a data root must be a path, got {r!r}")
        p = Path(r).expanduser().absolute()
        if not p.exists():
            raise DataError(f"data root {str(p)!r} does not exist: expected a folder holding RAVDESS .wav/.flac files")
        out.append(p)
    return out


def _walk(root: Path, seen_dirs: set[str]) -> tuple[list[Path], list[dict]]:
    """Every file under ``root`` (recursively, following links, each folder once).

    Returns the regular files, and a skipped row for every other entry that is not a
    folder (a link whose target is missing, a FIFO, a socket, a device), so that nothing
    a listing shows as a file is dropped silently.
    """
    if root.is_file():
        return [root], []
    files: list[Path] = []
    odd: list[dict] = []
    stack = [root]
    while stack:
        d = stack.pop()
        real = os.path.realpath(d)
        if real in seen_dirs:
            continue
        seen_dirs.add(real)
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            try:
                if e.is_dir():
                    stack.append(Path(e.path))
                elif e.is_file():
                    files.append(Path(e.path))
                else:
                    odd.append(_odd_entry(e.path))
            except OSError as exc:
                odd.append(_skip(e.path, "corrupt", f"cannot be examined ({exc.strerror or exc})"))
    return files, odd


def _odd_entry(path: str) -> dict:
    """The skipped row of a directory entry that is neither a folder nor a regular file."""
    if os.path.islink(path) and not os.path.exists(path):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return _skip(path, "corrupt", f"a link to {target!r}, which does not exist")
    return _skip(path, "not_audio", "not a regular file (a FIFO, socket or device): not read")


# --------------------------------------------------------------------------- content checks


def _wav_truncation(head: bytes, size: int) -> str | None:
    """For a RIFF/WAVE file: a sentence when its ``data`` chunk ends before the file does."""
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
        return None
    fmt = "<I" if head[:4] == b"RIFF" else ">I"
    pos, block_align = 12, 0
    while pos + 8 <= len(head):
        cid = head[pos : pos + 4]
        (csize,) = struct.unpack(fmt, head[pos + 4 : pos + 8])
        if cid == b"fmt " and pos + 22 <= len(head):
            block_align = struct.unpack(fmt[0] + "H", head[pos + 20 : pos + 22])[0]
        if cid == b"data":
            avail = size - (pos + 8)
            if csize == 0xFFFFFFFF or csize <= avail:
                return None
            if block_align:
                return (
                    f"the WAV header declares {csize // block_align} frames but the data ends "
                    f"after {max(avail, 0) // block_align} ({csize - avail} bytes missing)"
                )
            return f"the WAV header declares {csize} bytes of audio data but only {max(avail, 0)} follow"
        pos += 8 + csize + (csize & 1)
    return None


def _magic_ok(head: bytes) -> bool:
    if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE":
        return True
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):  # e.g. TESS's AIFF named .wav
        return True
    if head[:4] == b"fLaC":
        return True
    if head[:3] == b"ID3" and len(head) >= 10:  # ID3v2 tag before a FLAC stream
        n = head[6:10]
        tag = ((n[0] & 0x7F) << 21) | ((n[1] & 0x7F) << 14) | ((n[2] & 0x7F) << 7) | (n[3] & 0x7F)
        return head[10 + tag : 14 + tag] == b"fLaC"
    return False


class _Skip(Exception):
    """One content check failed: ``reason`` (from :data:`SKIP_REASONS`) and ``detail``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def _inspect(path: Path, min_duration_s: float) -> dict:
    """Check one named file's content; a dict with either ``reason`` or header fields."""
    try:
        data = _read_bytes(path)
        hdr = _header(path, data)
        y = _decode(path, hdr.frames)
        _check_samples(y)
        if hdr.duration_s < min_duration_s:
            raise _Skip("too_short", f"lasts {hdr.duration_s:.3f} s, shorter than min_duration_s={min_duration_s:g} s")
    except _Skip as s:
        return {"reason": s.reason, "detail": s.detail}
    return {
        "sample_rate": hdr.sample_rate,
        "channels": hdr.channels,
        "duration_s": hdr.duration_s,
        "size_bytes": len(data),
        "sha1": hashlib.sha1(data).hexdigest(),
    }


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Skip("corrupt", f"cannot be read ({exc.strerror or exc})") from None
    if not data:
        raise _Skip("empty", "the file has 0 bytes")
    return data


def _header(path: Path, data: bytes):
    """The header (:func:`ser_utils.data.audio.info`), after the signature and truncation checks."""
    from .audio import info

    try:
        hdr = info(path)
    except AudioError as exc:
        if _magic_ok(data[:4096]):
            detail = f"has a WAV/FLAC/AIFF signature but its header cannot be read ({_short(exc)})"
            raise _Skip("corrupt", detail) from None
        raise _Skip("not_audio", f"the content is not WAV, FLAC or AIFF audio (starts with {data[:8]!r})") from None
    trunc = _wav_truncation(data[:65536], len(data))
    if trunc:
        raise _Skip("truncated", trunc)
    if hdr.frames == 0:
        raise _Skip("empty", "the header declares 0 frames")
    return hdr


def _decode(path: Path, frames: int) -> np.ndarray:
    """Every sample, shape ``(frames, channels)``; truncated or corrupt files raise :class:`_Skip`."""
    import soundfile as sf

    try:
        with sf.SoundFile(path) as f:
            y = f.read(dtype="float32", always_2d=True)
    except Exception as exc:
        raise _Skip(*_decode_failure(path, frames, exc)) from None
    if y.shape[0] < frames:
        raise _Skip("truncated", f"the header declares {frames} frames but only {y.shape[0]} could be decoded")
    return y


def _check_samples(y: np.ndarray) -> None:
    """Non-finite samples are corrupt; a peak under :data:`SILENCE_THRESHOLD_DB` is silent."""
    from .audio import is_silent

    if not np.isfinite(y).all():
        raise _Skip("corrupt", "holds NaN or infinite samples")
    if is_silent(y, threshold_db=SILENCE_THRESHOLD_DB):
        peak = float(np.max(np.abs(y)))
        if peak == 0.0:
            raise _Skip("silent", "every sample is zero (digital silence)")
        level = 20.0 * np.log10(peak)
        raise _Skip("silent", f"peak level {level:.1f} dBFS is below {SILENCE_THRESHOLD_DB:.0f} dBFS")


def _decode_failure(path: Path, frames: int, exc: Exception) -> tuple[str, str]:
    """Decoding failed: truncated when the last block cannot be read, corrupt otherwise."""
    import soundfile as sf

    try:
        with sf.SoundFile(path) as f:
            f.seek(max(0, frames - _LAST_BLOCK))
            tail = f.read(_LAST_BLOCK, dtype="float32", always_2d=True)
        end_ok = tail.shape[0] == min(frames, _LAST_BLOCK)
    except Exception:
        end_ok = False
    if not end_ok:
        return "truncated", f"the header declares {frames} frames but the last ones cannot be read ({_short(exc)})"
    return "corrupt", f"the audio data cannot be decoded ({_short(exc)})"


def _short(exc: Exception) -> str:
    msg = str(exc).strip().splitlines()
    return msg[-1] if msg else type(exc).__name__


# --------------------------------------------------------------------------- scan


def scan(
    roots: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    min_duration_s: float = 0.5,
    vocal_channels: Sequence[str] = ("speech", "song"),
    n_jobs: int = -1,
    progress: bool = False,
) -> ScanResult:
    """Find the usable audio of RAVDESS, CREMA-D, TESS and SAVEE under one or more roots.

    Parameters
    ----------
    roots : path or list of paths
        Folders searched recursively (symbolic links followed, each folder once), or
        single files. A path given twice counts once; a file reached again under another
        name (a link) is skipped as ``duplicate``; an entry that is not a regular file
        (a broken link, a FIFO) is skipped too (``corrupt``, ``not_audio``), never read.
    min_duration_s : float
        Files shorter than this (seconds) are skipped as ``too_short``.
    vocal_channels : sequence of str
        Channels to keep (``"speech"``, ``"song"``); others are ``excluded_channel``
        (only RAVDESS has song).
    n_jobs : int
        Threads that check file contents (``-1``: one per CPU core; ``1``: no pool).
    progress : bool
        Show a tqdm bar over the content checks.

    Returns
    -------
    ScanResult
        ``manifest`` (one row per usable file, sorted by ``file_id``; ``file_id`` unique;
        ``corpus`` and ``speaker`` say where each file is from, see
        :mod:`ser_utils.data.corpora`) and ``skipped`` (``path``, ``reason`` from
        :data:`SKIP_REASONS`, ``detail``). Duplicates: among byte-identical files, and
        among files with the same ``file_id`` (e.g. a ``.wav`` and a ``.flac`` of one
        recording, or one name in two roots), the first by (root order, path) is kept
        and the others are skipped as ``duplicate``, naming the kept file.

    Raises
    ------
    DataError
        A root does not exist, or an argument is invalid. A root without usable
        files is not an error here (the manifest is empty); see :func:`require_files`.
    """
    t0 = time.perf_counter()
    root_list = _as_roots(roots)
    vocal_channels = _check_options(min_duration_s, vocal_channels, n_jobs)
    found, not_files = _find_files(root_list)
    pending, skipped = _read_names(found, vocal_channels)
    good, bad = _check_contents(pending, min_duration_s=min_duration_s, n_jobs=n_jobs, progress=progress)
    kept, dups = _drop_duplicates(good)
    manifest = _manifest_frame(kept)
    skipped_df = _skipped_frame(not_files + skipped + bad + dups)
    _check_invariants(manifest, skipped_df, n_found=len(found) + len(not_files))
    return ScanResult(manifest=manifest, skipped=skipped_df, roots=tuple(root_list), elapsed_s=time.perf_counter() - t0)


def _check_options(min_duration_s: float, vocal_channels: Sequence[str] | str, n_jobs: int) -> tuple[str, ...]:
    """Validate :func:`scan`'s options; the vocal channels as a tuple."""
    if not isinstance(min_duration_s, (int, float)) or isinstance(min_duration_s, bool) or min_duration_s < 0:
        raise DataError(f"min_duration_s must be a number >= 0 (seconds), got {min_duration_s!r}")
    channels = (vocal_channels,) if isinstance(vocal_channels, str) else tuple(vocal_channels)
    allowed = tuple(VOCAL_CHANNELS.values())
    if not channels or any(c not in allowed for c in channels):
        raise DataError(f"vocal_channels must be a non-empty subset of {allowed}, got {channels!r}")
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0 or n_jobs < -1:
        raise DataError(f"n_jobs must be -1 (all cores) or a positive int, got {n_jobs!r}")
    return channels


def _find_files(root_list: list[Path]) -> tuple[list[tuple[int, Path]], list[dict]]:
    """Step 1: every file once, with the index of the root it came from.

    Also returns the skipped rows of entries that are not regular files and of files
    reached a second time under another name (a link to a file already found:
    ``duplicate``). The same path given twice (a root inside another) counts once.
    """
    seen_dirs: set[str] = set()
    seen_files: dict[str, Path] = {}
    found: list[tuple[int, Path]] = []
    skipped: list[dict] = []
    for ri, root in enumerate(root_list):
        files, odd = _walk(root, seen_dirs)
        skipped += odd
        for p in sorted(files):
            real = os.path.realpath(p)
            first = seen_files.get(real)
            if first is None:
                seen_files[real] = p
                found.append((ri, p))
            elif first != p:
                skipped.append(_skip(p, "duplicate", f"the same file as {first} (kept), reached through a link"))
    return found, skipped


def _skip(path: Path | str, reason: str, detail: str) -> dict:
    return {"path": str(path), "reason": reason, "detail": detail}


def _read_names(
    found: list[tuple[int, Path]], vocal_channels: tuple[str, ...]
) -> tuple[list[tuple[int, Path, dict]], list[dict]]:
    """Step 2 (cheap): the fields each name gives, or why the name rules the file out.

    Returns ``pending`` (root index, path, name fields) of the files whose content must
    be checked, and the ``skipped`` rows.
    """
    pending: list[tuple[int, Path, dict]] = []
    skipped: list[dict] = []
    for ri, p in found:
        try:
            row = read_name(p)
        except FilenameError as exc:
            skipped.append(_skip(p, "unparseable_name", str(exc)))
            continue
        modality = row.pop("modality_id", 3)
        if modality in (1, 2):
            what = MODALITIES[modality]
            detail = f"modality {modality:02d} ({what}): its audio duplicates the audio-only (03) file"
            skipped.append(_skip(p, "audio_visual", detail))
        elif row["vocal_channel"] not in vocal_channels:
            skipped.append(
                _skip(
                    p,
                    "excluded_channel",
                    f"vocal channel {row['vocal_channel']!r} is not in vocal_channels={list(vocal_channels)}",
                )
            )
        else:
            pending.append((ri, p, {"path": str(p), **row}))
    return pending, skipped


def _check_contents(
    pending: list[tuple[int, Path, dict]], *, min_duration_s: float, n_jobs: int, progress: bool
) -> tuple[list[tuple[int, dict]], list[dict]]:
    """Step 3: content checks, in threads (soundfile and hashlib release the GIL)."""
    results = _run_checks([p for _, p, _ in pending], min_duration_s=min_duration_s, n_jobs=n_jobs, progress=progress)
    good: list[tuple[int, dict]] = []
    skipped: list[dict] = []
    for (ri, p, row), res in zip(pending, results):
        if "reason" in res:
            skipped.append(_skip(p, res["reason"], res["detail"]))
        else:
            good.append((ri, {**row, **res}))
    return good, skipped


def _drop_duplicates(good: list[tuple[int, dict]]) -> tuple[list[dict], list[dict]]:
    """Step 4: identical bytes, then one row per ``file_id``; keep the first by (root, path)."""
    kept: list[dict] = []
    skipped: list[dict] = []
    by_sha: dict[str, str] = {}
    by_id: dict[str, dict] = {}
    for _, row in sorted(good, key=lambda t: (t[0], t[1]["path"])):
        first = by_sha.get(row["sha1"])
        other = by_id.get(row["file_id"])
        if first is not None:
            skipped.append(_skip(row["path"], "duplicate", f"byte-identical to {first} (kept)"))
        elif other is not None:
            skipped.append(
                _skip(
                    row["path"],
                    "duplicate",
                    f"same file_id {row['file_id']} as {other['path']} (kept) but different content "
                    "(another format or copy of the same recording)",
                )
            )
        else:
            by_sha[row["sha1"]] = row["path"]
            by_id[row["file_id"]] = row
            kept.append(row)
    return kept, skipped


def _skipped_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(SKIPPED_COLUMNS)).sort_values("path", kind="stable")
    return df.reset_index(drop=True).astype({"path": str, "reason": str, "detail": str})


def _check_invariants(manifest: pd.DataFrame, skipped: pd.DataFrame, *, n_found: int) -> None:
    """Real checks, not asserts: they must hold under ``python -O`` too."""
    if len(manifest) + len(skipped) != n_found:
        raise DataError(
            f"internal error: {n_found} files found but {len(manifest)} in the manifest + {len(skipped)} skipped"
        )
    if manifest["file_id"].duplicated().any():
        raise DataError("internal error: the manifest holds a file_id twice")
    unknown = set(skipped["reason"]) - set(SKIP_REASONS)
    if unknown:
        raise DataError(f"internal error: unknown skip reasons {sorted(unknown)}")


def _run_checks(paths: list[Path], *, min_duration_s: float, n_jobs: int, progress: bool) -> list[dict]:
    if not paths:
        return []
    workers = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
    workers = max(1, min(workers, len(paths)))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(paths), desc="scan", unit="file")

    def one(p: Path) -> dict:
        r = _inspect(p, min_duration_s)
        if bar is not None:
            bar.update(1)
        return r

    try:
        if workers == 1:
            return [one(p) for p in paths]
        from joblib import Parallel, delayed

        return Parallel(n_jobs=workers, prefer="threads", batch_size=16)(delayed(one)(p) for p in paths)
    finally:
        if bar is not None:
            bar.close()


def _manifest_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    df = df.astype({c: "int64" for c in _INT_COLUMNS} | {"duration_s": "float64"})
    text = ("path", "file_id", "emotion", "vocal_channel", "intensity", "statement", "gender", "sha1")
    text += ("corpus", "speaker")
    for c in text:
        df[c] = df[c].astype(str)
    return df.sort_values("file_id", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- helpers


def require_files(result: ScanResult) -> pd.DataFrame:
    """The manifest of ``result``, or :class:`DataError` when it is empty.

    The message says where was searched and why each file was left out.
    """
    if len(result.manifest):
        return result.manifest
    roots = ", ".join(str(r) for r in result.roots) or "(no roots)"
    if not len(result.skipped):
        raise DataError(
            f"no files at all under {roots}: expected RAVDESS audio named like 03-01-05-02-01-01-12.wav "
            "(download it with `python -m ser_utils.download --out data/`)"
        )
    counts = ", ".join(f"{r}: {n}" for r, n in result.skip_counts.items())
    example = result.skipped.iloc[0]
    raise DataError(
        f"no usable RAVDESS audio under {roots}: all {len(result.skipped)} files were skipped ({counts}); "
        f"e.g. {example['path']}: {example['detail']}"
    )


def is_synthetic(root: str | os.PathLike | Sequence[str | os.PathLike]) -> bool:
    """True when ``root`` is (inside) the synthetic demo corpus.

    Looks for :data:`SYNTHETIC_MARKER` in ``root`` and up to two parent folders
    (a root may point at ``demo/speech`` or ``demo/speech/Actor_01``). A list of
    roots is synthetic when any of them is.
    """
    if not isinstance(root, (str, os.PathLike)):
        return any(is_synthetic(r) for r in root)
    p = Path(root).expanduser().absolute()
    if p.is_file():
        p = p.parent
    for d in [p, *list(p.parents)[:2]]:
        if (d / SYNTHETIC_MARKER).is_file():
            return True
    return False


def fingerprint(manifest: pd.DataFrame) -> str:
    """A 16-hex-digit identity of a manifest's content (sorted ``file_id`` and ``sha1``).

    Independent of row order and of where the files are; changes when a file is added,
    removed or its bytes change.
    """
    missing = {"file_id", "sha1"} - set(manifest.columns)
    if missing:
        raise DataError(f"fingerprint needs a manifest with columns file_id and sha1; missing {sorted(missing)}")
    h = hashlib.sha1()
    for fid, sha in sorted(zip(manifest["file_id"].astype(str), manifest["sha1"].astype(str))):
        h.update(f"{fid},{sha}\n".encode())
    return h.hexdigest()[:16]


def summary(manifest: pd.DataFrame) -> dict:
    """Counts of a manifest, JSON-able.

    Returns
    -------
    dict
        ``n_files``, ``n_actors``, ``total_duration_s``, ``duration_s`` (min/median/max),
        ``sample_rates``, and counts per ``emotion`` (all eight, in label order),
        ``vocal_channel``, ``intensity``, ``gender``, ``actor``, ``corpus`` (empty without
        that column).
    """
    missing = {"emotion", "vocal_channel", "intensity", "gender", "actor", "duration_s"} - set(manifest.columns)
    if missing:
        raise DataError(f"summary needs a scan manifest; missing columns {sorted(missing)}")

    def counts(col: str, order: Iterable | None = None) -> dict:
        vc = manifest[col].value_counts()
        keys = list(order) if order is not None else sorted(vc.index)
        return {(int(k) if col == "actor" else str(k)): int(vc.get(k, 0)) for k in keys}

    dur = manifest["duration_s"].astype(float)
    return {
        "n_files": len(manifest),
        "n_actors": int(manifest["actor"].nunique()),
        "total_duration_s": float(dur.sum()),
        "duration_s": {
            "min": float(dur.min()) if len(dur) else 0.0,
            "median": float(dur.median()) if len(dur) else 0.0,
            "max": float(dur.max()) if len(dur) else 0.0,
        },
        "sample_rates": counts("sample_rate") if "sample_rate" in manifest.columns else {},
        "emotion": counts("emotion", EMOTIONS),
        "vocal_channel": counts("vocal_channel"),
        "intensity": counts("intensity"),
        "gender": counts("gender"),
        "actor": counts("actor"),
        "corpus": counts("corpus") if "corpus" in manifest.columns else {},
    }


def corpus_table(manifest: pd.DataFrame) -> pd.DataFrame:
    """Files, speakers, hours and emotions of each corpus of a manifest.

    Parameters
    ----------
    manifest : pd.DataFrame
        :attr:`ScanResult.manifest` (a manifest without ``corpus`` counts as one corpus, ``"ravdess"``).

    Returns
    -------
    pd.DataFrame
        Indexed by ``corpus`` (sorted), columns ``files``, ``speakers``, ``hours`` and
        ``emotions`` (the classes present, in :data:`ser_utils.config.EMOTIONS` order, joined by ", ").
    """
    missing = {"actor", "emotion", "duration_s"} - set(manifest.columns)
    if missing:
        raise DataError(f"corpus_table needs a scan manifest; missing columns {sorted(missing)}")
    corpus = manifest["corpus"].astype(str) if "corpus" in manifest.columns else pd.Series("ravdess", manifest.index)
    rows = {}
    for name, g in manifest.groupby(corpus.to_numpy()):
        present = set(g["emotion"])
        rows[str(name)] = {
            "files": int(len(g)),
            "speakers": int(g["actor"].nunique()),
            "hours": round(float(g["duration_s"].sum()) / 3600, 2),
            "emotions": ", ".join(e for e in EMOTIONS if e in present),
        }
    df = pd.DataFrame.from_dict(rows, orient="index", columns=["files", "speakers", "hours", "emotions"])
    df.index.name = "corpus"
    return df.sort_index()
