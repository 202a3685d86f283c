"""Where the code runs (local, Kaggle, Colab) and where the audio is (RAVDESS, and other corpora beside it).

The notebooks call :func:`setup_notebook` in their first cell (a no-op on a local
machine; on Colab or Kaggle it installs what is missing and says where the data is) and
:func:`resolve_data_dir` to turn their ``data_dir`` parameter into folders to scan:

1. an explicit path (or list of paths), or the ``SER_DATA_DIR`` environment variable;
2. on Kaggle, the attached RAVDESS datasets (:func:`find_kaggle_ravdess`);
3. ``data/`` in the project, when it holds RAVDESS files (outside ``data/demo-corpus``);
4. otherwise the synthetic demo corpus, made once under ``data/demo-corpus``.

Everything that looks at the outside world (environment variables, imported modules,
``/kaggle/input``, the project's ``data/`` folder, ``pip``) can be injected, for tests.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import config
from ..errors import DataError, FilenameError
from .ravdess import AUDIO_EXTENSIONS, parse_filename

__all__ = [
    "REPO_URL",
    "DEMO_MARKER",
    "DEMO_DIRNAME",
    "DATA_HELP",
    "detect",
    "find_kaggle_ravdess",
    "has_ravdess_audio",
    "has_corpus_audio",
    "is_demo_corpus",
    "resolve_data_dir",
    "missing_packages",
    "setup_notebook",
]

#: The project's public repository (used by the README's "Open in Colab" links).
REPO_URL: str = "https://github.com/ser-ravdess/ser-ravdess"

#: The file at the root of a synthetic demo corpus (written by ``ser_utils.data.synth``).
DEMO_MARKER: str = "SYNTHETIC_DEMO_CORPUS.txt"

#: The demo corpus's folder name, under the project's ``data/``.
DEMO_DIRNAME: str = "demo-corpus"

#: What to tell a user who has no data where we looked.
DATA_HELP: str = (
    "Put the RAVDESS audio (any layout: the official Audio_Speech_Actors_01-24.zip and "
    "Audio_Song_Actors_01-24.zip extracted, the Kaggle datasets, or a flat folder of "
    "files named like 03-01-05-02-01-01-12.wav) under data/ in the project, or pass its "
    "folder (--data-dir DIR, the notebooks' data_dir parameter, or the SER_DATA_DIR "
    "environment variable). Download it with `python -m ser_utils.download --out data/` "
    "or from https://zenodo.org/records/1188976 (CC BY-NC-SA 4.0)."
)

_KAGGLE_INPUT = "/kaggle/input"
_KAGGLE_SLUGS = ("ravdess-emotional-speech-audio", "ravdess-emotional-song-audio")

# Distribution name -> module to look for, for the packages a notebook needs at run time
# (the runner's own tools, Jupyter and pytest are not needed inside a Colab/Kaggle kernel).
_RUNTIME_MODULES: dict[str, str] = {
    "tensorflow-cpu": "tensorflow",
    "keras": "keras",
    "librosa": "librosa",
    "numpy": "numpy",
    "pandas": "pandas",
    "scikit-learn": "sklearn",
    "imbalanced-learn": "imblearn",
    "matplotlib": "matplotlib",
    "seaborn": "seaborn",
    "soundfile": "soundfile",
    "soxr": "soxr",
    "joblib": "joblib",
    "skops": "skops",
    "tqdm": "tqdm",
    "pyyaml": "yaml",
}


# --- where are we ---------------------------------------------------------------------


def detect(
    environ: Mapping[str, str] | None = None,
    modules: Mapping[str, Any] | None = None,
    *,
    kaggle_input: str | os.PathLike = _KAGGLE_INPUT,
) -> str:
    """Say where the code runs.

    Parameters
    ----------
    environ : mapping, optional
        Environment variables (default ``os.environ``).
    modules : mapping, optional
        Imported modules (default ``sys.modules``).
    kaggle_input : path-like
        Kaggle's read-only input folder; its existence means Kaggle.

    Returns
    -------
    str
        ``"kaggle"`` (``KAGGLE_KERNEL_RUN_TYPE`` set or ``/kaggle/input`` exists),
        ``"colab"`` (``COLAB_RELEASE_TAG``/``COLAB_GPU`` set or ``google.colab`` imported),
        else ``"local"``.
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if environ.get("KAGGLE_KERNEL_RUN_TYPE") or Path(kaggle_input).is_dir():
        return "kaggle"
    if environ.get("COLAB_RELEASE_TAG") or environ.get("COLAB_GPU") is not None or "google.colab" in modules:
        return "colab"
    return "local"


# --- where is the data ------------------------------------------------------------------


def _is_ravdess_audio(name: str) -> bool:
    if name.startswith(".") or not name.lower().endswith(AUDIO_EXTENSIONS):
        return False
    try:
        parse_filename(name)
    except FilenameError:
        return False
    return True


def has_ravdess_audio(folder: str | os.PathLike, *, exclude: Iterable[str | os.PathLike] = ()) -> bool:
    """True when ``folder`` (recursively) holds at least one RAVDESS-named ``.wav``/``.flac``.

    Parameters
    ----------
    folder : path-like
        Where to look; a file counts when it is itself RAVDESS-named audio.
    exclude : iterable of path-like
        Sub-folders not to look into (e.g. the demo corpus inside ``data/``).
    """
    folder = Path(folder)
    if folder.is_file():
        return _is_ravdess_audio(folder.name)
    skip = {Path(p).resolve() for p in exclude}
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and (Path(dirpath) / d).resolve() not in skip
        )
        if any(_is_ravdess_audio(f) for f in filenames):
            return True
    return False


def _is_corpus_audio(path: Path) -> bool:
    if path.name.startswith(".") or not path.name.lower().endswith(AUDIO_EXTENSIONS):
        return False
    from .corpora import read_name

    try:
        read_name(path)
    except FilenameError:
        return False
    return True


def has_corpus_audio(folder: str | os.PathLike) -> bool:
    """True when ``folder`` (recursively) holds audio named as RAVDESS, CREMA-D, TESS or SAVEE name it.

    Parameters
    ----------
    folder : path-like
        Where to look; a file counts when it is itself such a file
        (:func:`ser_utils.data.corpora.read_name` reads its name).
    """
    folder = Path(folder)
    if folder.is_file():
        return _is_corpus_audio(folder)
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if any(_is_corpus_audio(Path(dirpath) / f) for f in filenames):
            return True
    return False


def is_demo_corpus(folder: str | os.PathLike) -> bool:
    """True when ``folder`` or one of its parents has the synthetic demo corpus marker."""
    folder = Path(folder).resolve()
    return any((p / DEMO_MARKER).is_file() for p in (folder, *folder.parents))


def _actor_dirs(root: Path, *, max_depth: int) -> list[Path]:
    """Folders named ``Actor_XX`` holding RAVDESS audio, at most ``max_depth`` levels down."""
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if not entry.is_dir() or entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.name.lower().startswith("actor_"):
                try:
                    names = os.listdir(path)
                except OSError:
                    continue
                if any(_is_ravdess_audio(n) for n in names):
                    found.append(path)
            elif depth < max_depth:
                walk(path, depth + 1)

    walk(root, 1)
    return found


def find_kaggle_ravdess(input_root: str | os.PathLike = _KAGGLE_INPUT, *, max_depth: int = 6) -> list[Path]:
    """Find the RAVDESS audio attached to a Kaggle notebook, without the user typing a path.

    The Kaggle datasets ``ravdess-emotional-speech-audio`` and
    ``ravdess-emotional-song-audio`` hold each actor folder twice (``Actor_XX/`` and
    ``audio_*_actors_01-24/Actor_XX/``); any other input folder with ``Actor_XX``
    folders of RAVDESS-named files counts too. One copy of each is returned.

    Parameters
    ----------
    input_root : path-like
        Kaggle's input folder.
    max_depth : int
        How deep to look for ``Actor_XX`` folders below ``input_root``.

    Returns
    -------
    list of Path
        The folders that hold ``Actor_XX`` folders (one per distinct copy), sorted;
        empty when there are none (or ``input_root`` does not exist).
    """
    root = Path(input_root)
    if not root.is_dir():
        return []
    parents: dict[Path, set[str]] = {}
    for actor_dir in _actor_dirs(root, max_depth=max_depth):
        names = {f"{actor_dir.name}/{n}" for n in os.listdir(actor_dir) if _is_ravdess_audio(n)}
        parents.setdefault(actor_dir.parent, set()).update(names)
    roots: list[Path] = []
    seen: set[str] = set()
    # Shallowest first, so that Actor_XX/ is kept over audio_speech_actors_01-24/Actor_XX/.
    for parent in sorted(parents, key=lambda p: (len(p.parts), str(p))):
        names = parents[parent]
        if names <= seen:
            continue  # another copy of files already found
        roots.append(parent)
        seen |= names
    return sorted(roots)


def _as_paths(data_dir: str | os.PathLike | Iterable[str | os.PathLike], *, sep: str | None = None) -> list[Path]:
    if isinstance(data_dir, str) and sep and sep in data_dir:  # SER_DATA_DIR=A:B (os.pathsep)
        data_dir = [p for p in data_dir.split(sep) if p]
    if isinstance(data_dir, (str, os.PathLike)):
        return [Path(data_dir).expanduser()]
    paths = [Path(p).expanduser() for p in data_dir]
    if not paths:
        raise DataError(f"data_dir is an empty list; expected one or more folders. {DATA_HELP}")
    return paths


def _check_roots(paths: list[Path], *, source: str) -> list[Path]:
    for p in paths:
        if not p.exists():
            raise DataError(f"the data folder {p} ({source}) does not exist. {DATA_HELP}")
        if not has_corpus_audio(p):
            raise DataError(
                f"the data folder {p} ({source}) holds no RAVDESS-named .wav/.flac file "
                "(names like 03-01-05-02-01-01-12.wav), nor one named as CREMA-D, TESS or SAVEE name theirs "
                f"(1001_DFA_ANG_XX.wav, OAF_back_angry.wav, DC/a01.wav). {DATA_HELP}"
            )
    return [p.resolve() for p in paths]


def _make_demo(demo_dir: Path, *, actors: int, seed: int) -> None:
    """Make (or complete, or re-make for other settings) the demo corpus; a no-op when it is there."""
    from . import synth  # lazily: synth is a higher layer

    if not (demo_dir / DEMO_MARKER).is_file():
        print(f"making the synthetic demo corpus ({actors} actors) in {demo_dir} ...", file=sys.stderr, flush=True)
    synth.make_corpus(demo_dir, actors=actors, seed=seed)


def resolve_data_dir(
    data_dir: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
    *,
    demo_actors: int = 8,
    seed: int = 0,
    project_data: str | os.PathLike | None = None,
    make_demo: bool = True,
    environ: Mapping[str, str] | None = None,
    kaggle_input: str | os.PathLike = _KAGGLE_INPUT,
) -> tuple[list[Path], bool]:
    """Decide which folders hold the audio to use.

    Parameters
    ----------
    data_dir : path-like or list of path-like, optional
        Explicit folder(s); each must exist and hold audio named as RAVDESS, CREMA-D,
        TESS or SAVEE name theirs (several folders: several corpora, read together).
        ``None``: ``$SER_DATA_DIR`` if set (several folders separated by ``os.pathsep``), else on Kaggle the attached RAVDESS datasets, else
        ``project_data`` when it holds RAVDESS files outside its ``demo-corpus``
        sub-folder, else the demo corpus ``project_data/demo-corpus``.
    demo_actors : int
        Actors of the demo corpus. ``ser_utils.data.synth.make_corpus`` makes it when it is
        missing or incomplete, re-makes it when it was made with other settings, and
        otherwise leaves it alone.
    seed : int
        Seed of the demo corpus.
    project_data : path-like, optional
        The project's data folder (default :func:`ser_utils.config.default_data_dir`).
    make_demo : bool
        Make the demo corpus when it is needed and missing; with ``False`` its path is
        returned even though it does not exist yet.
    environ : mapping, optional
        Environment variables (default ``os.environ``).
    kaggle_input : path-like
        Kaggle's input folder.

    Returns
    -------
    roots : list of Path
        Folders to scan (absolute).
    synthetic : bool
        True when the audio is the synthetic demo corpus.

    Raises
    ------
    DataError
        A given folder does not exist or holds no audio of the four corpora; or loose RAVDESS
        files lie directly in ``data/`` beside the demo corpus.
    """
    environ = os.environ if environ is None else environ
    if data_dir is None and environ.get("SER_DATA_DIR"):
        roots = _check_roots(_as_paths(environ["SER_DATA_DIR"], sep=os.pathsep), source="from $SER_DATA_DIR")
        return roots, all(is_demo_corpus(r) for r in roots)
    if data_dir is not None:
        roots = _check_roots(_as_paths(data_dir), source="given as data_dir")
        return roots, all(is_demo_corpus(r) for r in roots)

    if detect(environ, {}, kaggle_input=kaggle_input) == "kaggle":
        found = find_kaggle_ravdess(kaggle_input)
        if found:
            return found, False
        print(
            f"no RAVDESS dataset found under {kaggle_input}: attach one with 'Add Input' "
            "(search 'ravdess-emotional-speech-audio'); using the synthetic demo corpus.",
            file=sys.stderr,
        )

    data = Path(project_data) if project_data is not None else config.default_data_dir()
    demo_dir = data / DEMO_DIRNAME
    if data.is_dir() and has_ravdess_audio(data, exclude=[demo_dir]):
        if not demo_dir.exists():
            return [data.resolve()], False
        loose = [f for f in os.listdir(data) if (data / f).is_file() and _is_ravdess_audio(f)]
        if loose:
            raise DataError(
                f"{data} holds RAVDESS files directly ({loose[0]}, ...) beside the demo corpus "
                f"{demo_dir}: move them into a sub-folder (e.g. {data / 'ravdess'}) or delete "
                f"{demo_dir}, or pass the folder explicitly (--data-dir)."
            )
        roots = [
            (data / d).resolve()
            for d in sorted(os.listdir(data))
            if d != DEMO_DIRNAME and not d.startswith(".") and (data / d).is_dir() and has_ravdess_audio(data / d)
        ]
        return roots, False

    if make_demo:
        data.mkdir(parents=True, exist_ok=True)
        _make_demo(demo_dir, actors=demo_actors, seed=seed)
    return [demo_dir.resolve()], True


# --- notebook set-up ------------------------------------------------------------------------


def _requirement_specs(requirements: str | os.PathLike | None) -> dict[str, str]:
    """Distribution name (lower case) -> pip spec, from a requirements file if there is one."""
    path = Path(requirements) if requirements is not None else config.project_root() / "requirements.txt"
    specs: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name = line
            for sep in ("~=", "==", ">=", "<=", "!=", ">", "<", "[", ";", " "):
                name = name.split(sep, 1)[0]
            specs[name.strip().lower()] = line
    return specs


def missing_packages(
    *,
    find_spec: Callable[[str], Any] = importlib.util.find_spec,
    requirements: str | os.PathLike | None = None,
) -> list[str]:
    """Pip specs of the run-time packages whose module cannot be imported.

    Parameters
    ----------
    find_spec : callable
        ``importlib.util.find_spec`` (injectable for tests).
    requirements : path-like, optional
        A requirements file giving the version pins (default the project's
        ``requirements.txt``; bare names when it is missing).
    """
    specs = _requirement_specs(requirements)
    missing = []
    for dist, module in _RUNTIME_MODULES.items():
        if find_spec(module) is None:
            missing.append(specs.get(dist, dist))
    return missing


def setup_notebook(
    *,
    environ: Mapping[str, str] | None = None,
    modules: Mapping[str, Any] | None = None,
    install: bool = True,
    data_dir: str | os.PathLike | None = None,
    kaggle_input: str | os.PathLike = _KAGGLE_INPUT,
    find_spec: Callable[[str], Any] = importlib.util.find_spec,
    run: Callable[..., Any] = subprocess.run,
    requirements: str | os.PathLike | None = None,
    verbose: bool = True,
) -> dict[str, Any]:
    """First cell of every notebook: nothing locally; on Colab/Kaggle, install and find data.

    Parameters
    ----------
    environ, modules : mapping, optional
        Environment variables and imported modules (defaults: the real ones).
    install : bool
        On Colab/Kaggle, ``pip install`` the run-time packages that are missing (only
        those; quietly). With ``False``, only report them.
    data_dir : path-like, optional
        Where the data is on Colab (e.g. a folder of a mounted Google Drive); default
        ``$SER_DATA_DIR``.
    kaggle_input : path-like
        Kaggle's input folder.
    find_spec, run : callable
        ``importlib.util.find_spec`` and ``subprocess.run`` (injectable for tests).
    requirements : path-like, optional
        Requirements file with the version pins (default the project's).
    verbose : bool
        Print the message.

    Returns
    -------
    dict
        ``{"env": "local"}`` locally. On Colab/Kaggle also ``missing`` (pip specs that
        were missing), ``installed`` (those installed now), ``data_roots`` (str paths
        found, possibly empty) and ``message`` (what was done, and what to do if no
        data was found).

    Raises
    ------
    DataError
        On Colab, ``data_dir``/``$SER_DATA_DIR`` is given but does not exist or holds
        no RAVDESS audio.
    """
    environ = os.environ if environ is None else environ
    where = detect(environ, modules, kaggle_input=kaggle_input)
    if where == "local":
        return {"env": "local"}

    missing = missing_packages(find_spec=find_spec, requirements=requirements)
    installed: list[str] = []
    if missing and install:
        run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
        importlib.invalidate_caches()
        installed = list(missing)
    lines = [f"running on {where.capitalize()}"]
    if installed:
        lines.append(f"installed: {', '.join(installed)}")
    elif missing:
        lines.append(f"missing (install=False): {', '.join(missing)}")

    roots: list[Path] = []
    if where == "kaggle":
        roots = find_kaggle_ravdess(kaggle_input)
        if roots:
            lines.append("RAVDESS found: " + ", ".join(map(str, roots)))
        else:
            lines.append(
                f"no RAVDESS dataset under {kaggle_input}: in the notebook's side panel, "
                "'Add Input' -> search 'ravdess-emotional-speech-audio' (and "
                "'ravdess-emotional-song-audio'); until then the synthetic demo corpus is used."
            )
    else:  # colab
        given = data_dir if data_dir is not None else environ.get("SER_DATA_DIR")
        if given:
            roots = _check_roots(_as_paths(given), source="data_dir" if data_dir is not None else "from $SER_DATA_DIR")
            lines.append("RAVDESS found: " + ", ".join(map(str, roots)))
        else:
            lines.append(
                "no data folder given: to use RAVDESS from Google Drive, run "
                "`from google.colab import drive; drive.mount('/content/drive')`, then set "
                "`os.environ['SER_DATA_DIR'] = '/content/drive/MyDrive/RAVDESS'` (your folder) "
                "or pass data_dir; or download it with `!python -m ser_utils.download --out data/`. "
                "Until then the synthetic demo corpus is used."
            )
    message = "; ".join(lines)
    if verbose:
        print(message)
    return {
        "env": where,
        "missing": missing,
        "installed": installed,
        "data_roots": [str(r) for r in roots],
        "message": message,
    }
