"""Download the official RAVDESS audio-only archives from Zenodo, verify, extract safely.

Zenodo record 1188976 (Livingstone & Russo 2018, CC BY-NC-SA 4.0) holds, among the video
archives, the two audio-only zips used here:

=======  ===============================  ===========  ==================================
part     archive                          bytes        MD5
=======  ===============================  ===========  ==================================
speech   Audio_Speech_Actors_01-24.zip    208,468,073  bc696df654c87fed845eb13823edef8a
song     Audio_Song_Actors_01-24.zip      225,505,317  5411230427d67a21e18aa4d466e6d1b9
=======  ===============================  ===========  ==================================

Each archive is streamed to a temporary file beside the target, checked against its
MD5, and extracted into ``<out_dir>/Audio_Speech_Actors_01-24/`` (or ``..._Song_...``)
through a temporary folder that is renamed only once extraction succeeded, so an
existing part folder always holds a complete archive; such a part is skipped unless
``force``. Command line::

    python -m ser_utils.download --out data/ [--parts speech song] [--force]
    python -m ser_utils.download --other-corpora

The other corpora the scan reads (CREMA-D, TESS, SAVEE; :mod:`ser_utils.data.corpora`) are
**not** downloaded by this project and never shipped with it: each has its own licence and
its own official source, which :data:`OTHER_CORPORA` lists (``--other-corpora`` prints it,
and ``--help`` ends with it). Get them there, then pass their folders beside RAVDESS
(``./run_all.sh --data-dir data/ravdess data/crema-d data/tess data/savee``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import ChecksumError, DownloadError, SERError, UnsafeArchiveError

__all__ = [
    "ZENODO_RECORD",
    "ZENODO_URL",
    "ZENODO_API",
    "PARTS",
    "CHECKSUMS",
    "Part",
    "download_ravdess",
    "safe_extract",
    "fetch_zenodo_checksums",
    "OTHER_CORPORA",
    "other_corpora_text",
    "main",
]

ZENODO_RECORD = 1188976
#: Files of the record are served at ``{ZENODO_URL}/{archive}``.
ZENODO_URL = f"https://zenodo.org/records/{ZENODO_RECORD}/files"
#: The record's metadata (file names, sizes, ``md5:`` checksums) as JSON.
ZENODO_API = f"https://zenodo.org/api/records/{ZENODO_RECORD}"

#: Where a user gets each other corpus officially, under which licence, and the layout the
#: scan reads. Text only: the project has no download code for them and never ships them.
OTHER_CORPORA: dict[str, dict[str, str]] = {
    "crema-d": {
        "name": "CREMA-D (Crowd-sourced Emotional Multimodal Actors Dataset; Cao et al. 2014)",
        "source": "https://github.com/CheyneyComputerScience/CREMA-D (the audio is in AudioWAV/, "
        "stored with Git LFS: `git lfs clone` or the repository's download instructions)",
        "licence": "Open Database License (ODbL v1.0); the contents under the Database Contents License",
        "layout": "AudioWAV/1001_DFA_ANG_XX.wav (91 actors 1001-1091, 7442 files); keep VideoDemographics.csv "
        "beside AudioWAV/ so the scan reads each actor's gender",
    },
    "tess": {
        "name": "TESS (Toronto emotional speech set; Dupuis & Pichora-Fuller 2010)",
        "source": "the University of Toronto's TSpace, https://tspace.library.utoronto.ca/handle/1807/24487, "
        "and its Dataverse (Borealis): search for 'Toronto emotional speech set'",
        "licence": "CC BY-NC-ND 4.0 (attribution, non-commercial, no derivatives)",
        "layout": "OAF_angry/OAF_back_angry.wav, YAF_pleasant_surprised/YAF_tool_ps.wav ... "
        "(2 speakers, 2800 files; folder spellings vary, any is read)",
    },
    "savee": {
        "name": "SAVEE (Surrey Audio-Visual Expressed Emotion; Haq & Jackson 2009)",
        "source": "the University of Surrey's SAVEE page, http://kahlan.eps.surrey.ac.uk/savee/ "
        "(the database is released there on request)",
        "licence": "free of charge for research purposes, under the terms the SAVEE page states",
        "layout": "AudioData/DC/a01.wav ... (4 speakers DC, JE, JK, KL; 480 files), "
        "or the flat ALL/DC_a01.wav of copies that renamed them",
    },
}


def other_corpora_text() -> str:
    """Where to get CREMA-D, TESS and SAVEE officially, their licences and layouts, as plain text."""
    lines = [
        "Other corpora the pipeline reads beside RAVDESS (not downloaded by this project, never shipped with it;",
        "each under its own licence: get it from its official source and respect its terms):",
        "",
    ]
    for key, c in OTHER_CORPORA.items():
        lines += [f"  {key}: {c['name']}", f"    where:   {c['source']}", f"    licence: {c['licence']}",
                  f"    layout:  {c['layout']}", ""]
    lines += [
        "Then train on them together, e.g.:",
        "  ./run_all.sh --profile multi --data-dir data/ravdess data/crema-d data/tess data/savee",
    ]
    return "\n".join(lines)


_CHUNK = 1 << 20
_TIMEOUT_S = 60


@dataclass(frozen=True)
class Part:
    """One downloadable part of the corpus."""

    name: str
    archive: str
    md5: str
    size_bytes: int
    n_files: int

    @property
    def folder(self) -> str:
        """The folder (under ``out_dir``) the archive is extracted into."""
        return self.archive[: -len(".zip")]


# Checksums and sizes as stated by sources that verified the downloads:
# - speech: bc696df654c87fed845eb13823edef8a, 208,468,073 bytes — PaddlePaddle/PaddleSpeech
#   paddleaudio/paddleaudio/datasets/ravdess.py (its download table), and several other
#   projects' README/scripts that verify the Zenodo download against the same MD5 and size;
# - song: 5411230427d67a21e18aa4d466e6d1b9, 225,505,317 bytes — PaddlePaddle/PaddleSpeech
#   (same file) and an independent provenance table listing the provider MD5 and bytes of
#   both archives of Zenodo record 1188976 v1.0.0.
# The Zenodo record page itself lists "md5:<hex>" per file; fetch_zenodo_checksums() reads
# them from the records API when a checksum is passed as None.
PARTS: dict[str, Part] = {
    "speech": Part("speech", "Audio_Speech_Actors_01-24.zip", "bc696df654c87fed845eb13823edef8a", 208_468_073, 1440),
    "song": Part("song", "Audio_Song_Actors_01-24.zip", "5411230427d67a21e18aa4d466e6d1b9", 225_505_317, 1012),
}
#: Expected MD5 per part.
CHECKSUMS: dict[str, str] = {k: p.md5 for k, p in PARTS.items()}


# --------------------------------------------------------------------------- extraction


def _entry_problem(name: str, mode: int, root: Path) -> str | None:
    """Why a zip entry may not be extracted under ``root`` (None when it may)."""
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return "is an absolute path"
    if ".." in PurePosixPath(norm).parts:
        return "contains '..'"
    target = (root / norm).resolve()
    if target != root and root not in target.parents:
        return f"would be written outside {root}"
    return None


def safe_extract(zip_path: str | os.PathLike, out_dir: str | os.PathLike) -> list[Path]:
    """Extract a zip archive into ``out_dir``, refusing anything that could escape it.

    Every entry is checked before anything is written: absolute paths, ``..``
    components, symbolic links, and names that resolve outside ``out_dir`` make the
    whole archive refused.

    Parameters
    ----------
    zip_path : path-like
    out_dir : path-like
        Created if missing.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    UnsafeArchiveError
        An entry is unsafe (nothing of the archive is extracted).
    DownloadError
        The file is not a readable zip archive.
    """
    zip_path, out = Path(zip_path), Path(out_dir)
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DownloadError(f"{zip_path}: not a readable zip archive ({exc})") from None
    with zf:
        out.mkdir(parents=True, exist_ok=True)
        root = out.resolve()
        infos = zf.infolist()
        for info in infos:
            problem = _entry_problem(info.filename, info.external_attr >> 16, root)
            if problem:
                raise UnsafeArchiveError(
                    f"{zip_path}: refusing to extract: entry {info.filename!r} {problem}; nothing was extracted"
                )
        written = []
        try:
            for info in infos:
                target = root / info.filename.replace("\\", "/")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
                written.append(target)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise DownloadError(f"{zip_path}: extraction failed ({exc})") from None
    return written


# --------------------------------------------------------------------------- download


def _open(url: str):
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers={"User-Agent": "ser_utils-download/0.1"})
    try:
        return urllib.request.urlopen(req, timeout=_TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"could not download {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(
            f"could not download {url}: {reason} (is the network up? or fetch the archive by hand from "
            f"https://zenodo.org/records/{ZENODO_RECORD} and unzip it into the data folder)"
        ) from None


def fetch_zenodo_checksums(api_url: str = ZENODO_API) -> dict[str, str]:
    """MD5 of every file of the Zenodo record, by file name, from the records API.

    Raises
    ------
    DownloadError
        The API cannot be reached or answers something unexpected.
    """
    with _open(api_url) as resp:
        try:
            meta = json.loads(resp.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise DownloadError(f"{api_url}: not a JSON record ({exc})") from None
    files = meta.get("files")
    entries = files.get("entries", {}).values() if isinstance(files, dict) else (files or [])
    out = {}
    for e in entries:
        key, checksum = e.get("key") or e.get("filename"), str(e.get("checksum", ""))
        if key and checksum.startswith("md5:"):
            out[key] = checksum[4:]
    if not out:
        raise DownloadError(f"{api_url}: no md5 checksums found in the record")
    return out


def _fetch(url: str, dest_dir: Path, *, expected_md5: str, progress: bool, label: str) -> Path:
    """Stream ``url`` to a temporary file in ``dest_dir``; verify its MD5; return the path."""
    fd, tmp_name = tempfile.mkstemp(prefix=".download-", suffix=".zip.part", dir=dest_dir)
    tmp = Path(tmp_name)
    md5 = hashlib.md5()
    bar = None
    try:
        with os.fdopen(fd, "wb") as out, _open(url) as resp:
            total = resp.headers.get("Content-Length")
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=int(total) if total else None, unit="B", unit_scale=True, desc=label)
            while True:
                try:
                    chunk = resp.read(_CHUNK)
                except OSError as exc:
                    raise DownloadError(f"download of {url} was interrupted ({exc})") from None
                if not chunk:
                    break
                out.write(chunk)
                md5.update(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        digest = md5.hexdigest()
        if digest != expected_md5.lower():
            raise ChecksumError(
                f"{url}: MD5 {digest} does not match the expected {expected_md5} "
                "(incomplete or altered download; the file was removed — try again)"
            )
        return tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()


def _has_files(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return any(files for _, _, files in os.walk(folder))


def download_ravdess(
    out_dir: str | os.PathLike,
    *,
    parts: Sequence[str] = ("speech", "song"),
    base_url: str = ZENODO_URL,
    checksums: Mapping[str, str | None] | None = None,
    force: bool = False,
    progress: bool = True,
) -> list[Path]:
    """Download, verify and extract the RAVDESS audio-only archives.

    Parameters
    ----------
    out_dir : path-like
        Target folder (created); each part goes to ``out_dir / "Audio_<Part>_Actors_01-24"``.
    parts : sequence of str
        ``"speech"`` and/or ``"song"``.
    base_url : str
        Where the archives are: ``{base_url}/{archive name}``.
    checksums : mapping, optional
        Expected MD5 per part, overriding :data:`CHECKSUMS`; a value ``None`` means
        "read it from the Zenodo records API" (:func:`fetch_zenodo_checksums`).
    force : bool
        Download and extract again even when a part's folder already holds files.
    progress : bool
        Show a tqdm bar per download.

    Returns
    -------
    list of Path
        The part folders, in the order of ``parts`` (skipped ones included).

    Raises
    ------
    DownloadError
        Network failure, HTTP error, or an unreadable archive.
    ChecksumError
        The download does not match its MD5 (the temporary file is removed, nothing is extracted).
    UnsafeArchiveError
        The archive holds an entry that would escape the part folder (nothing is extracted).
    """
    if isinstance(parts, str):
        parts = (parts,)
    parts = tuple(parts)
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise DownloadError(f"parts must be a non-empty subset of {tuple(PARTS)}, got {parts!r}")
    expected = dict(CHECKSUMS)
    if checksums is not None:
        bad = [k for k in checksums if k not in PARTS]
        if bad:
            raise DownloadError(f"checksums has unknown parts {bad}; expected keys among {tuple(PARTS)}")
        expected.update(checksums)
    out = Path(out_dir).expanduser().absolute()
    out.mkdir(parents=True, exist_ok=True)

    zenodo_md5: dict[str, str] | None = None
    folders: list[Path] = []
    for name in dict.fromkeys(parts):
        part = PARTS[name]
        folder = out / part.folder
        folders.append(folder)
        if _has_files(folder) and not force:
            if progress:
                print(f"{name}: {folder} already holds files; skipped (force=True downloads again)")
            continue
        md5 = expected.get(name)
        if md5 is None:
            zenodo_md5 = zenodo_md5 if zenodo_md5 is not None else fetch_zenodo_checksums(ZENODO_API)
            if part.archive not in zenodo_md5:
                raise DownloadError(f"the Zenodo record lists no checksum for {part.archive}")
            md5 = zenodo_md5[part.archive]
        url = f"{base_url.rstrip('/')}/{part.archive}"
        zip_path = _fetch(url, out, expected_md5=md5, progress=progress, label=part.archive)
        staging = Path(tempfile.mkdtemp(prefix=f".{part.folder}-", dir=out))
        try:
            safe_extract(zip_path, staging)
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(staging, folder)
        finally:
            zip_path.unlink(missing_ok=True)
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        if progress:
            print(f"{name}: extracted {part.archive} into {folder}")
    return folders


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ser_utils.download --out DIR [--parts speech song] [--force]`` or ``--other-corpora``; the exit status."""
    ap = argparse.ArgumentParser(
        prog="python -m ser_utils.download",
        description=(
            f"Download the RAVDESS audio-only archives (Zenodo record {ZENODO_RECORD}), "
            "verify their MD5 and extract them."
        ),
        epilog=other_corpora_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--out", type=Path, help="target folder, e.g. data/ (required unless --other-corpora)")
    ap.add_argument(
        "--other-corpora", action="store_true",
        help="print where to get CREMA-D, TESS and SAVEE officially (and their licences), then exit",
    )
    ap.add_argument(
        "--parts", nargs="+", choices=tuple(PARTS), default=list(PARTS), help="which archives (default: both)"
    )
    ap.add_argument("--force", action="store_true", help="download again even when a part is already extracted")
    ap.add_argument("--base-url", default=ZENODO_URL, help="where the archives are served (default: Zenodo)")
    ap.add_argument("--quiet", action="store_true", help="no progress output")
    args = ap.parse_args(argv)
    if args.other_corpora:
        print(other_corpora_text())
        return 0
    if args.out is None:
        ap.error("--out DIR is required (or --other-corpora to see where to get CREMA-D, TESS and SAVEE)")
    try:
        folders = download_ravdess(
            args.out, parts=args.parts, base_url=args.base_url, force=args.force, progress=not args.quiet
        )
    except (SERError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 1
    for f in folders:
        print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
