"""Predict the emotion of audio files with a saved model bundle.

Usage::

    python -m ser_utils.predict PATH [PATH ...] [--model DIR] [--json] [--mode auto|per-speaker|single-clip] [--same-speaker]

``PATH`` is an audio or video file (WAV, FLAC, MP3, M4A, OGG/Opus, WebM, MP4, MOV, MKV:
:func:`ser_utils.data.audio.load`) or a folder (searched recursively for those endings).
Without ``--model``, the newest bundle under ``artifacts/`` is used, else the one shipped
in ``models/`` (:func:`ser_utils.models.shipped.find_model`); stderr says which, and warns
loudly when the bundle was trained on the synthetic demo corpus.
By default a table is printed: one row per file with the predicted emotion and the
probability of every class. With ``--json`` each file gives one JSON object per line:
``{"path": ..., "emotion": ..., "mode": ..., "probabilities": {emotion: p, ...}}``.

Two prediction modes: *per-speaker* (the clips of one speaker standardised together) needs
at least the bundle's ``min_speaker_clips`` clips of that speaker in the call (speakers are
the actors of RAVDESS names, or one speaker for all files with ``--same-speaker``); every
other file is predicted as a *single clip* (no statistics of its speaker). A line on
stderr says which mode the files got; ``--mode single-clip`` forces single clip.

A file that cannot be read is reported on stderr and skipped. Exit status: 0 when at
least one file was predicted, 1 when none could be, 2 for usage errors (no audio files
found, a missing or broken model bundle).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..data.audio import AUDIO_SUFFIXES
from ..errors import SERError
from .settings import read_settings

__all__ = ["main", "collect_paths", "AUDIO_SUFFIXES"]


def collect_paths(inputs: list[str | os.PathLike]) -> tuple[list[Path], list[str]]:
    """Expand files and folders into audio files.

    Parameters
    ----------
    inputs : list of str or path-like
        Files (taken as given, whatever their extension) and folders (searched
        recursively for :data:`AUDIO_SUFFIXES`, case-insensitive, sorted).

    Returns
    -------
    files : list of Path
        In the order given, each folder's files sorted; duplicates removed.
    problems : list of str
        One message per input that does not exist or a folder without audio files.
    """
    files: list[Path] = []
    problems: list[str] = []
    seen: set[Path] = set()
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in AUDIO_SUFFIXES)
            if not found:
                problems.append(f"{p}: folder holds no audio or video files ({', '.join(AUDIO_SUFFIXES)})")
            new = found
        elif p.is_file():
            new = [p]
        else:
            problems.append(f"{p}: no such file or folder")
            new = []
        for f in new:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                files.append(f)
    return files, problems


#: A file whose peak (in its first two minutes) is below this level (dBFS) is skipped as silent.
SILENCE_DB = -50.0


def _silent(path: str) -> bool:
    from ..data import audio

    try:
        return audio.is_silent(audio.load(path, sr=16000, duration_s=120.0), threshold_db=SILENCE_DB)
    except SERError:
        return False  # unreadable files are reported by the prediction itself


def _table(df, labels: list[str]) -> str:
    name_w = min(60, max(4, *(len(str(p)) for p in df["path"])))
    emo_w = max(7, *(len(x) for x in labels))
    col_w = max(6, *(len(x[:9]) for x in labels))
    head = f"{'file':<{name_w}}  {'emotion':<{emo_w}}  " + "  ".join(f"{x[:9]:>{col_w}}" for x in labels)
    lines = [head, "-" * len(head)]
    for _, r in df.iterrows():
        path = str(r["path"])
        if len(path) > name_w:
            path = "..." + path[-(name_w - 3) :]
        lines.append(f"{path:<{name_w}}  {r['emotion']:<{emo_w}}  " + "  ".join(f"{r[x]:>{col_w}.3f}" for x in labels))
    return "\n".join(lines)


def _mode_line(file_modes: list[str], min_clips: int, asked: str) -> str:
    """One line saying which prediction mode the files got, and why."""
    n_ps, n_sc = file_modes.count("per_speaker"), file_modes.count("single_clip")
    parts = []
    if n_ps:
        parts.append(f"per-speaker for {n_ps} file(s)")
    if n_sc:
        why = "as asked" if asked == "single-clip" else f"fewer than {min_clips} clips of their speaker, or no speaker known"
        parts.append(f"single clip for {n_sc} file(s) ({why})")
    return "prediction mode: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    ap = argparse.ArgumentParser(
        prog="python -m ser_utils.predict",
        description="Predict the emotion of speech recordings (audio or video files) with a saved model bundle.",
    )
    ap.add_argument("paths", nargs="+", metavar="PATH", help="audio files or folders (searched recursively)")
    ap.add_argument("--model", default=None, metavar="DIR",
                    help="model bundle folder (model.keras + bundle.json); default: the newest under artifacts/, else the shipped one")
    ap.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")
    ap.add_argument(
        "--mode", choices=("auto", "per-speaker", "single-clip"), default="auto",
        help="per-speaker: standardise the clips of each speaker together (needs enough clips of that speaker in "
        "this call: the bundle's min_speaker_clips); single-clip: no statistics of the speaker; auto (default): "
        "per-speaker wherever there are enough clips, else single clip",
    )
    ap.add_argument("--same-speaker", action="store_true", help="all the files are of one speaker (otherwise: the actor of RAVDESS names)")
    ap.add_argument("--batch-size", type=int, default=32, help=argparse.SUPPRESS)
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)

    files, problems = collect_paths(args.paths)
    for msg in problems:
        print(f"warning: {msg}", file=sys.stderr)
    if not files:
        print("error: no audio files to predict (give audio or video files, or folders holding them)", file=sys.stderr)
        return 2

    from .bundle import load_bundle  # TensorFlow starts only after the inputs and settings are checked
    from .shipped import DEMO_WARNING, find_model, training_data

    try:
        choice = find_model(args.model)
        data = training_data(choice.folder, read_settings(choice.folder))  # fast check before TensorFlow starts
        bundle = load_bundle(choice.folder)
    except SERError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"model: {choice.folder} ({choice.source}); trained on {data['description']}", file=sys.stderr)
    if data["synthetic"]:
        print(f"\n*** {DEMO_WARNING} ***\n", file=sys.stderr)

    try:
        df = bundle.predict_paths([str(f) for f in files], batch_size=max(1, args.batch_size),
                                  mode=args.mode.replace("-", "_"), speaker="cli" if args.same_speaker else None)
    except SERError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for i in df.index[df["error"].isna()]:
        if _silent(df.at[i, "path"]):
            df.at[i, "error"] = f"{df.at[i, 'path']}: silent (its loudest sample is below {SILENCE_DB:g} dBFS); nothing to score"
            df.at[i, "mode"] = None
    failed = df[df["error"].notna()]
    for _, r in failed.iterrows():
        print(f"skipped {r['path']}: {r['error']}", file=sys.stderr)
    ok = df[df["error"].isna()]
    labels = bundle.labels
    if args.json:
        for _, r in ok.iterrows():
            probs = {x: round(float(r[x]), 6) for x in labels}
            print(json.dumps({"path": str(r["path"]), "emotion": r["emotion"], "mode": r["mode"], "probabilities": probs}))
    elif len(ok):
        print(_table(ok, labels))
    if len(ok):
        print(_mode_line(ok["mode"].tolist(), bundle.prediction_modes["min_speaker_clips"], args.mode), file=sys.stderr)
    if len(ok) == 0:
        print(f"error: none of the {len(df)} file(s) could be predicted", file=sys.stderr)
        return 1
    if len(failed):
        print(f"predicted {len(ok)} of {len(df)} file(s); {len(failed)} skipped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
