"""Build the model that ships with the project: ``models/ravdess-actors-01-20/``.

Usage::

    python -m ser_utils.build_model [--data-dir DIR] [--out DIR] [--work-dir DIR]
    ./run_all.sh --build-model [--data-dir DIR]

Two trainings of the ``full`` profile on real RAVDESS (never the synthetic demo corpus):

1. **evaluation**: actors 17-20 held out (:data:`EVAL_TEST_ACTORS`), validation actors
   from the other 16; the held-out actors are scored in both prediction modes
   (:func:`score_modes`) through the bundle itself, as ``python -m ser_utils.predict`` and
   the app would predict them;
2. **the shipped model**: the same recipe on every actor of the data (no test part),
   validation actors chosen inside them (early stopping only); saved to ``--out`` with
   the measured scores in ``bundle.json`` (``evaluation``) and a ``MODEL_CARD.md``.

The feature cache under ``--work-dir`` is shared by both trainings, so the second one
re-extracts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import config, pipeline
from .errors import DataError, SERError
from .files import write_json, write_text
from .models.shipped import SHIPPED_NAME

__all__ = ["EVAL_TEST_ACTORS", "SHIPPED_NAME", "build", "main", "model_card", "score_modes"]

#: Actors held out to measure the recipe on unseen speakers (the run_all.sh protocol).
EVAL_TEST_ACTORS: tuple[int, ...] = (17, 18, 19, 20)

#: The shipped bundle stays under this many bytes (it lives in git).
SIZE_LIMIT = 20e6


def _bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


def compact(folder: str | Path, settings: dict[str, Any], *, limit: float = SIZE_LIMIT) -> list[str]:
    """Store SVM support vectors as float16 until the bundle is under ``limit`` bytes.

    The classic parts are taken in order of their fusion weight (the per-speaker
    ``classic.skops`` by its per-speaker weight, ``classic_single_clip.skops`` by its
    single-clip weight), the smallest first, so the probabilities that move most move least
    in the fused result.

    Returns
    -------
    list of str
        The files stored as float16, in order: ``settings["compacted"]`` (files already
        there are not rewritten) and those rewritten now; empty when the bundle was small enough.
    """
    from .models import classic

    folder = Path(folder)
    pm = settings.get("prediction_modes", {})
    weight = {m: pm.get(m, {}).get("weights", {}).get("classic", 1.0) for m in ("per_speaker", "single_clip")}
    order = sorted(
        [("classic.skops", weight["per_speaker"]), ("classic_single_clip.skops", weight["single_clip"])],
        key=lambda t: t[1],
    )
    done = list(settings.get("compacted", []))
    for name, _ in order:
        if _bytes(folder) < limit:
            break
        if (folder / name).is_file() and name not in settings.get("compacted", []):
            classic.save(classic.load(folder / name), folder / name, precision="float16")
            done.append(name)
    return done

def score_modes(bundle, paths: list[str], labels_true: list[str]) -> dict[str, dict[str, Any]]:
    """Score files in both prediction modes through the bundle's own modes.

    Each mode is forced for every file (:meth:`Bundle.mode_probabilities`, what
    ``python -m ser_utils.predict`` and the app use): ``per_speaker`` with all files in one
    call, each file's speaker from its name (:func:`ser_utils.models.bundle.speaker_of`), so
    each unseen actor is standardised with the statistics of all its files;
    ``single_clip``: no statistics of any test speaker, what one upload of a stranger gets.

    Parameters
    ----------
    bundle : ser_utils.models.bundle.Bundle
    paths : list of str, length n
        Corpus-named files (their names give their speakers).
    labels_true : list of str, length n
        Each file's true emotion.

    Returns
    -------
    dict
        ``{"per_speaker": {...}, "single_clip": {...}}``, each with ``accuracy``, ``uar``,
        ``macro_f1``, ``n``, ``description``.

    Raises
    ------
    DataError
        A file cannot be read, or its name gives no speaker.
    """
    from .evaluation import metrics as ev
    from .models.bundle import speaker_of

    mels, P, ok, errors = bundle.analyse(paths)
    if errors:
        raise DataError(f"{len(errors)} evaluation file(s) could not be read, e.g. {errors[0][1]}")
    speakers = [speaker_of(p) for p in ok]
    if None in speakers:
        raise DataError(f"score_modes needs corpus file names (for their speakers), got {ok[speakers.index(None)]!r}")
    truth = [labels_true[paths.index(p)] for p in ok]
    E = bundle.encoder_features(ok)
    texts = {
        "per_speaker": "all clips of each unseen actor predicted together: features standardised per speaker",
        "single_clip": "each clip alone, speaker unknown: no statistics of the test speaker",
    }
    out: dict[str, dict[str, Any]] = {}
    for mode, text in texts.items():
        probs = bundle.mode_probabilities(mels, P, E, speakers, [mode] * len(ok))
        pred = [bundle.labels[int(i)] for i in np.argmax(probs, axis=1)]
        m = ev.metrics(truth, pred, labels=bundle.labels)
        out[mode] = {"accuracy": float(m["accuracy"]), "uar": float(m["uar"]), "macro_f1": float(m["macro_f1"]),
                     "n": len(ok), "description": text}
    return out


def _train(run: pipeline.Run, fs, log) -> Path:
    t0 = time.perf_counter()
    prepared = pipeline.prepare(run, fs)
    pipeline.train_model(run, prepared)
    log(f"trained in {time.perf_counter() - t0:.0f} s; actors {prepared.settings['actors']}")
    return run.path("bundle", must_exist=True)


def build(
    data_dir: str | Path | None,
    *,
    out_dir: str | Path,
    work_dir: str | Path,
    test_actors: tuple[int, ...] = EVAL_TEST_ACTORS,
    overrides: dict[str, Any] | None = None,
    log=print,
) -> dict[str, Any]:
    """Train, evaluate and save the shipped model (see the module docstring).

    Parameters
    ----------
    data_dir : path or None
        Real RAVDESS audio (``None``: ``data/`` when it holds RAVDESS files).
    out_dir, work_dir : path
        Where the bundle goes; where the trainings' artifacts and the feature cache go.
    test_actors : tuple of int
        Held out in the evaluation run.
    overrides : dict, optional
        Parameters on top of the ``full`` profile (tests use tiny ones; the shipped
        model uses none).

    Returns
    -------
    dict
        What went into ``bundle.json``'s ``evaluation`` key (scores, actors, timings).

    Raises
    ------
    DataError
        The data is the synthetic demo corpus, or lacks the evaluation actors.
    """
    t_start = time.perf_counter()
    work = Path(work_dir)
    given = {"data_dir": None if data_dir is None else str(data_dir), "cache_dir": str(work / "cache"),
             "split": "speaker", "test_actors": list(test_actors)}
    cfg = config.resolve("full", **given, **(overrides or {}))
    run = pipeline.Run(notebook="01_eda", cfg=cfg, artifacts_dir=work / "eval",
                       given={k: v for k, v in given.items() if v is not None})
    scan = pipeline.scan_corpus(run)
    if run.synthetic:
        raise DataError(
            "the shipped model must be trained on real RAVDESS, not the synthetic demo corpus: give --data-dir"
        )
    fs = pipeline.extract_features(run, scan.manifest)
    pipeline.extract_encoder(run, scan.manifest)  # the encoder heads' inputs (nothing when encoder is none)
    log(f"1/2 evaluation run: actors {list(test_actors)} held out")
    eval_bundle_dir = _train(run, fs, log)
    from .models.bundle import load_bundle

    b = load_bundle(eval_bundle_dir)
    eval_training = {k: b.settings.get("training", {}).get(k) for k in ("epochs_run", "best_epoch", "train_time_s")}
    test = scan.manifest[scan.manifest["actor"].isin(test_actors)]
    scores = score_modes(b, [str(p) for p in test["path"]], list(test["emotion"]))
    log("scores on unseen actors: " + json.dumps({k: round(v["uar"], 3) for k, v in scores.items()}))

    log("2/2 the shipped model: every actor, validation actors inside them, no test part")
    final = pipeline.Run(notebook="04_crnn_training", cfg=dict(run.cfg, test_actors=[]),
                         artifacts_dir=work / "final", dataset=run.dataset)
    shutil.copytree(run.path("features").parent, final.path("features").parent, dirs_exist_ok=True)  # what it loads
    final_dir = _train(final, fs, log)
    settings = json.loads((final_dir / "bundle.json").read_text(encoding="utf-8"))
    evaluation = {
        "protocol": f"the same recipe trained with actors {list(test_actors)} held out "
        "(validation actors from the others), "
        "those actors scored through the bundle",
        "test_actors": list(test_actors),
        "n_test_files": len(test),
        "prediction_modes": scores,
        "training": eval_training,
        "built": time.strftime("%Y-%m-%d"),
        "build_time_s": round(time.perf_counter() - t_start, 1),
    }
    settings["evaluation"] = evaluation
    settings["compacted"] = compact(final_dir, settings)  # support vectors stored as float16, if any
    settings["data"] = {"synthetic": False, "corpus": "RAVDESS", "n_files": run.dataset["n_files"],
                        "actors": sorted(int(a) for a in scan.manifest["actor"].unique()),
                        "fingerprint": run.dataset["fingerprint"]}
    write_json(final_dir / "bundle.json", settings)
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(final_dir, out)
    write_text(out / "MODEL_CARD.md", model_card(settings))
    log(f"saved {out} ({sum(f.stat().st_size for f in out.iterdir()) / 1e6:.1f} MB)")
    return evaluation


def _fmt(m: dict[str, Any]) -> str:
    return f"| {m['uar']:.3f} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | {m['n']} |"


def _parts_text(settings: dict[str, Any]) -> str:
    """The card's lines on the encoder and on each prediction mode's fusion weights."""
    enc, pm = settings.get("encoder"), settings.get("prediction_modes")
    lines = []
    if enc:
        lines.append(
            f"- Pretrained encoder: {enc['encoder']} (OpenAI Whisper base, MIT licence; CTranslate2, "
            f"{enc['compute_type']}; `model.bin` SHA-256 `{enc['model_sha256']}`, checked before loading), "
            f"frozen; a logistic regression (C {enc.get('C')}) on the {' + '.join(enc['pool_stats'])} of its "
            f"frames ({enc.get('n_features')} values) per prediction mode."
        )
    if settings.get("frame_head"):
        lines.append(f"- A small Keras head over the encoder frame sequence: {settings['frame_head']}.")
    if pm:
        for mode in ("per_speaker", "single_clip"):
            w = ", ".join(f"{k} {v:g}" for k, v in pm[mode]["weights"].items() if v)
            lines.append(f"- {mode.replace('_', '-')} mode: {w} (validation UAR {pm[mode]['val_uar']:.3f}).")
        lines.append(f"- Fusion weights chosen on {pm['chosen_on']}.")
    return "\n".join(lines)


def model_card(settings: dict[str, Any]) -> str:
    """The ``MODEL_CARD.md`` text of a shipped bundle's ``bundle.json`` contents."""
    ev = settings["evaluation"]
    data = settings["data"]
    modes = ev["prediction_modes"]
    sp = settings.get("actors", {})
    model = settings.get("model", {})
    cl = settings.get("classic", {})
    tr = settings.get("training", {})
    actors = data["actors"]
    fused_with = " and the encoder heads" if settings.get("encoder") else f" with weight {cl.get('fusion_weight')}"
    compacted = (
        f"; those of {', '.join(settings['compacted'])} as float16, to keep the bundle under "
        f"{SIZE_LIMIT / 1e6:.0f} MB (the part with the smallest fusion weight first: its probabilities "
        "moved by at most 0.08, mean 1e-5, on its 2035 training files, no label changed; the fused ones by that "
        "times its weight)"
        if settings.get("compacted")
        else ""
    )
    return f"""# Model card: {SHIPPED_NAME}

The project's `full` recipe trained on real RAVDESS speech and song, actors
{actors[0]:02d}-{actors[-1]:02d} ({data['n_files']} files). Rebuild it from the data with

    ./run_all.sh --build-model --data-dir ../shared/data/ravdess-22k

## Model
- {model.get('model')} (convolutions {model.get('conv_filters')}, LSTM {model.get('lstm_units')}) on
  {settings['features']['n_mels']}-band log-mels at {settings['features']['sample_rate']} Hz,
  silence-trimmed, fixed to {settings['n_frames']} frames; fused with a classic model
  ({cl.get('kind')}, on {cl.get('n_features')} pooled handcrafted features){fused_with}.
{_parts_text(settings)}
- Normalisation: {settings.get('normalisation')} ({settings.get('normalisation_description', '')}).
- Labels: {', '.join(settings['labels'])}.
- Trained for {tr.get('epochs_run', '?')} epochs (best {tr.get('best_epoch', '?')}); training actors
  {sp.get('train')}, validation actors (early stopping only) {sp.get('val')}; no test part: every
  actor we have is in the training data.

## Data and protocol
RAVDESS (Livingstone & Russo 2018), actors {actors[0]:02d}-{actors[-1]:02d}; actors 21-24 are
absent from the data this was built on. The scores below come from {ev['protocol']}:
{ev['n_test_files']} files of actors {ev['test_actors']}, never seen in training or validation
(that run stopped after {ev.get('training', {}).get('epochs_run', '?')} epochs, best
{ev.get('training', {}).get('best_epoch', '?')}; the shipped weights were early-stopped on
their own validation actors).

| prediction mode | UAR | accuracy | macro F1 | files |
|---|---|---|---|---|
| per speaker ({modes['per_speaker']['description']}) {_fmt(modes['per_speaker'])}
| single clip ({modes['single_clip']['description']}) {_fmt(modes['single_clip'])}

Chance UAR is 0.125 (eight classes). The shipped model itself was trained on those actors
too, so these are the scores of its recipe, not of these weights on new actors. Built
{ev.get('built', '?')} in {ev['build_time_s'] / 60:.0f} minutes (both trainings) on a 2-core CPU.
The SVMs' support vectors are stored as float32 (half the size; probabilities move by about
1e-8){compacted}.

## Intended use and limits
- For trying the model on your own recordings (the app, `python -m ser_utils.predict`) and
  for research and teaching; not for decisions about people.
- Acted North-American English speech and song of 20 of RAVDESS's 24 professional actors, two read sentences,
  studio quality: expect lower scores on spontaneous speech, other languages, accents,
  noise, children's voices or telephone audio.
- Per-speaker mode needs several clips of one speaker (best: a few of each emotion);
  a single clip of an unknown speaker is standardised with training statistics and is less
  accurate (table above).
- Eight acted categories only; mixed or subtle emotions are forced into one of them.

## Licence
RAVDESS is licensed CC BY-NC-SA 4.0 (Livingstone SR, Russo FA (2018), "The Ryerson
Audio-Visual Database of Emotional Speech and Song (RAVDESS)", PLoS ONE 13(5): e0196391).
These weights are derived from it and inherit the licence: CC BY-NC-SA 4.0 (attribution,
non-commercial, share alike).
"""


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring); returns the exit status."""
    root = config.project_root()
    ap = argparse.ArgumentParser(
        prog="python -m ser_utils.build_model", description="Rebuild the shipped model from RAVDESS."
    )
    ap.add_argument("--data-dir", default=None, help="RAVDESS audio (default: data/ if it holds RAVDESS files)")
    ap.add_argument("--out", default=str(root / "models" / SHIPPED_NAME), help="where the bundle goes")
    ap.add_argument(
        "--work-dir", default=str(root / "artifacts" / ".build-model"), help="training artifacts and feature cache"
    )
    args = ap.parse_args(argv)
    try:
        build(args.data_dir, out_dir=args.out, work_dir=args.work_dir)
    except SERError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
