"""Build the model that ships with the project: ``models/four-corpora/``.

Usage::

    python -m ser_utils.build_model --data-dir RAVDESS [CREMA-D TESS SAVEE] [--out DIR] [--work-dir DIR]
    ./run_all.sh --build-model --data-dir RAVDESS CREMA-D TESS SAVEE

Two trainings of one recipe on real recordings (never the synthetic demo corpus): the ``full``
profile for one folder, the ``multi`` profile for several (with the logistic regression as the
classic model, :data:`MULTI_OVERRIDES`, so that the bundle stays under :data:`SIZE_LIMIT`):

1. **evaluation**: speakers held out, validation speakers from the others; the held-out
   speakers are scored in both prediction modes (:func:`score_modes`, per corpus too)
   through the bundle itself, as ``python -m ser_utils.predict`` and the app would predict
   them. One folder: RAVDESS actors 17-20 (:data:`EVAL_TEST_ACTORS`); several: the first of the
   5 speaker folds dealt per corpus (what ``./run_all.sh --profile multi`` tests on);
2. **the shipped model**: the same recipe on every speaker of the data (no test part),
   validation speakers chosen inside them (early stopping, fusion weights); saved to
   ``--out`` with the measured scores in ``bundle.json`` (``evaluation``) and a ``MODEL_CARD.md``.

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
from .data.download import OTHER_CORPORA
from .errors import DataError, SERError
from .evaluation.metrics import corpus_name
from .files import write_json, write_text
from .models.shipped import SHIPPED_NAME

__all__ = ["EVAL_TEST_ACTORS", "MULTI_OVERRIDES", "SHIPPED_NAME", "build", "main", "model_card", "score_modes"]

#: RAVDESS actors held out to measure a one-folder recipe on unseen speakers.
EVAL_TEST_ACTORS: tuple[int, ...] = (17, 18, 19, 20)

#: On top of the ``multi`` profile for a shipped model of several corpora: two RBF SVMs fitted
#: on ~10,000 files keep ~8,000 support vectors of 1,463 values each (88 MB measured on the
#: four corpora), so the classic part is the logistic regression alone (kilobytes).
MULTI_OVERRIDES: dict[str, Any] = {"classic_model": "logreg"}

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

def score_modes(
    bundle, paths: list[str], labels_true: list[str], *, corpora: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Score files in both prediction modes through the bundle's own modes.

    Each mode is forced for every file (:meth:`Bundle.mode_probabilities`, what
    ``python -m ser_utils.predict`` and the app use): ``per_speaker`` with all files in one
    call, each file's speaker from its name (:func:`ser_utils.models.bundle.speaker_of`), so
    each unseen speaker is standardised with the statistics of all its files;
    ``single_clip``: no statistics of any test speaker, what one upload of a stranger gets.

    Parameters
    ----------
    bundle : ser_utils.models.bundle.Bundle
    paths : list of str, length n
        Corpus-named files (their names give their speakers).
    labels_true : list of str, length n
        Each file's true emotion.
    corpora : list of str, length n, optional
        Each file's corpus: each mode then has ``per_corpus`` scores, each over the classes
        that corpus has (:func:`ser_utils.evaluation.scoring.mode_metrics`).

    Returns
    -------
    dict
        ``{"per_speaker": {...}, "single_clip": {...}}``, each with ``accuracy``, ``uar``,
        ``macro_f1``, ``n``, ``description`` (and ``per_corpus``).

    Raises
    ------
    DataError
        A file cannot be read, or its name gives no speaker.
    """
    from .evaluation import scoring
    from .models.bundle import speaker_of

    mels, P, ok, errors = bundle.analyse(paths)
    if errors:
        raise DataError(f"{len(errors)} evaluation file(s) could not be read, e.g. {errors[0][1]}")
    speakers = [speaker_of(p) for p in ok]
    if None in speakers:
        raise DataError(f"score_modes needs corpus file names (for their speakers), got {ok[speakers.index(None)]!r}")
    row = {p: i for i, p in enumerate(paths)}
    y = np.array([bundle.labels.index(labels_true[row[p]]) for p in ok])
    E = bundle.encoder_features(ok)
    texts = {
        "per_speaker": "all clips of each unseen speaker predicted together: features standardised per speaker",
        "single_clip": "each clip alone, speaker unknown: no statistics of the test speaker",
    }
    probs = {mode: bundle.mode_probabilities(mels, P, E, speakers, [mode] * len(ok)) for mode in texts}
    out = scoring.mode_metrics(y, probs, corpus=None if corpora is None else [corpora[row[p]] for p in ok],
                               descriptions=texts, labels=bundle.labels)
    return {mode: {k: (float(v) if k in ("accuracy", "uar", "macro_f1") else v) for k, v in m.items()}
            for mode, m in out.items()}


def _train(run: pipeline.Run, fs, log) -> Path:
    t0 = time.perf_counter()
    prepared = pipeline.prepare(run, fs)
    pipeline.train_model(run, prepared)
    log(f"trained in {time.perf_counter() - t0:.0f} s; actors {prepared.settings['actors']}")
    return run.path("bundle", must_exist=True)


def _data_dirs(data_dir: str | Path | list | tuple | None) -> str | list[str] | None:
    if isinstance(data_dir, (list, tuple)):
        dirs = [str(d) for d in data_dir]
        return dirs[0] if len(dirs) == 1 else dirs
    return None if data_dir is None else str(data_dir)


def _data_info(run: pipeline.Run, manifest) -> dict[str, Any]:
    """``bundle.json``'s ``data``: what the shipped model learnt from, per corpus."""
    counts = manifest.groupby("corpus").agg(files=("actor", "size"), speakers=("actor", "nunique"))
    return {"synthetic": False, "corpus": ", ".join(corpus_name(c) for c in counts.index),
            "corpora": {c: {"files": int(r.files), "speakers": int(r.speakers)} for c, r in counts.iterrows()},
            "n_files": run.dataset["n_files"], "actors": sorted(int(a) for a in manifest["actor"].unique()),
            "fingerprint": run.dataset["fingerprint"]}


def _evaluate(run: pipeline.Run, fs, manifest, *, per_corpus: bool, log) -> tuple[dict, Any, dict]:
    """Train the evaluation bundle and score its held-out speakers through it: (scores, their rows, training)."""
    from .models.bundle import load_bundle

    b = load_bundle(_train(run, fs, log))
    training = {k: b.settings.get("training", {}).get(k) for k in ("epochs_run", "best_epoch", "train_time_s")}
    test = manifest[manifest["actor"].isin([int(a) for a in b.settings["actors"]["test"]])]
    scores = score_modes(b, [str(p) for p in test["path"]], list(test["emotion"]),
                         corpora=list(test["corpus"]) if per_corpus else None)
    log("scores on unseen speakers: " + json.dumps({k: round(v["uar"], 3) for k, v in scores.items()}))
    return scores, test, training


def build(
    data_dir: str | Path | list | tuple | None,
    *,
    out_dir: str | Path,
    work_dir: str | Path,
    test_actors: tuple[int, ...] | None = None,
    overrides: dict[str, Any] | None = None,
    log=print,
) -> dict[str, Any]:
    """Train, evaluate and save the shipped model (see the module docstring).

    Parameters
    ----------
    data_dir : path, list of paths, or None
        Real recordings: RAVDESS, or several corpora's folders (``None``: ``data/`` when it
        holds RAVDESS files). Several folders train the ``multi`` profile with
        :data:`MULTI_OVERRIDES`, one the ``full`` profile.
    out_dir, work_dir : path
        Where the bundle goes; where the trainings' artifacts and the feature cache go.
    test_actors : tuple of int, optional
        Held out in the evaluation run. Default: :data:`EVAL_TEST_ACTORS` for one folder,
        the first speaker fold dealt per corpus for several.
    overrides : dict, optional
        Parameters on top of the profile (tests use tiny ones).

    Returns
    -------
    dict
        What went into ``bundle.json``'s ``evaluation`` key (scores, speakers, timings).

    Raises
    ------
    DataError
        The data is the synthetic demo corpus, or lacks the evaluation actors.
    """
    t_start = time.perf_counter()
    work = Path(work_dir)
    dirs = _data_dirs(data_dir)
    several = isinstance(dirs, list)
    profile, extra = ("multi", MULTI_OVERRIDES) if several else ("full", {})
    if test_actors is None and not several:
        test_actors = EVAL_TEST_ACTORS
    held = {"fold": 0} if test_actors is None else {"test_actors": list(test_actors)}
    given = {"data_dir": dirs, "cache_dir": str(work / "cache"), "split": "speaker", **held}
    cfg = config.resolve(profile, **given, **{**extra, **(overrides or {})})
    run = pipeline.Run(notebook="01_eda", cfg=cfg, artifacts_dir=work / "eval",
                       given={k: v for k, v in given.items() if v is not None})
    scan = pipeline.scan_corpus(run)
    if run.synthetic:
        raise DataError(
            "the shipped model must be trained on real RAVDESS, not the synthetic demo corpus: give --data-dir"
        )
    fs = pipeline.extract_features(run, scan.manifest)
    pipeline.extract_encoder(run, scan.manifest)  # the encoder heads' inputs (nothing when encoder is none)
    log(f"1/2 evaluation run ({profile} profile): " + (f"actors {list(test_actors)} held out" if test_actors
                                                       else "the first speaker fold of each corpus held out"))
    scores, test, eval_training = _evaluate(run, fs, scan.manifest, per_corpus=several, log=log)

    log("2/2 the shipped model: every speaker, validation speakers inside them, no test part")
    final = pipeline.Run(notebook="04_crnn_training", cfg=dict(run.cfg, test_actors=[]),  # fold is then unused
                         artifacts_dir=work / "final", dataset=run.dataset)
    shutil.copytree(run.path("features").parent, final.path("features").parent, dirs_exist_ok=True)  # what it loads
    final_dir = _train(final, fs, log)
    settings = json.loads((final_dir / "bundle.json").read_text(encoding="utf-8"))
    what = f"actors {list(test_actors)}" if test_actors else "the first of 5 speaker folds dealt per corpus"
    evaluation = {
        "protocol": f"the same recipe trained with {what} held out (validation speakers from the others), "
        "those speakers scored through the bundle",
        "profile": profile,
        "test_actors": sorted(int(a) for a in test["actor"].unique()),
        "n_test_files": len(test),
        "prediction_modes": scores,
        "training": eval_training,
        "built": time.strftime("%Y-%m-%d"),
        "build_time_s": round(time.perf_counter() - t_start, 1),
    }
    settings.update(evaluation=evaluation, data=_data_info(run, scan.manifest))
    _save(final_dir, settings, Path(out_dir), log)
    return evaluation


def _save(final_dir: Path, settings: dict[str, Any], out: Path, log) -> None:
    """Compact the bundle if it must, write its ``bundle.json``, copy it to ``out`` with its card."""
    settings["compacted"] = compact(final_dir, settings)  # support vectors stored as float16, if any
    write_json(final_dir / "bundle.json", settings)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(final_dir, out)
    write_text(out / "MODEL_CARD.md", model_card(settings))
    log(f"saved {out} ({sum(f.stat().st_size for f in out.iterdir()) / 1e6:.1f} MB)")


def _fmt(m: dict[str, Any]) -> str:
    return f"| {m['uar']:.3f} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | {m['n']} |"


def _parts_text(settings: dict[str, Any]) -> str:
    """The card's lines on the encoder and on each prediction mode's fusion weights."""
    enc, pm = settings.get("encoder"), settings.get("prediction_modes")
    lines = []
    if enc:
        lines.append(
            f"- Pretrained encoder: {enc['encoder']}"
            + (f", its first {enc['layers']} of 6 layers (a middle layer's output)" if enc.get("layers", 6) < 6 else "")
            + " (OpenAI Whisper base, MIT licence; CTranslate2, "
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


#: Each corpus a shipped model may learn from: its citation and licence (the other corpora's
#: from :data:`ser_utils.data.download.OTHER_CORPORA`).
CORPUS_TERMS: dict[str, dict[str, str]] = {
    "ravdess": {
        "name": "RAVDESS (Livingstone SR, Russo FA (2018), PLoS ONE 13(5): e0196391)",
        "licence": "CC BY-NC-SA 4.0 (attribution, non-commercial, share alike)",
    },
    **{k: {"name": v["name"], "licence": v["licence"]} for k, v in OTHER_CORPORA.items()},
}


def _corpora_text(data: dict[str, Any]) -> str:
    """The card's table of the training corpora: files, speakers, licence."""
    corpora = data.get("corpora") or {"ravdess": {"files": data["n_files"], "speakers": len(data["actors"])}}
    rows = [f"| {CORPUS_TERMS.get(c, {}).get('name', corpus_name(c))} | {v['files']} | {v['speakers']} | "
            f"{CORPUS_TERMS.get(c, {}).get('licence', 'see the corpus')} |" for c, v in corpora.items()]
    return "| corpus | files | speakers | licence |\n|---|---|---|---|\n" + "\n".join(rows)


def _scores_text(modes: dict[str, Any]) -> str:
    """The card's score table: each mode, all held-out files, then each corpus over its own classes."""
    rows = []
    for mode in ("per_speaker", "single_clip"):
        m = modes[mode]
        rows.append(f"| {mode.replace('_', ' ')} ({m['description']}) | all {_fmt(m)}")
        for c, pc in (m.get("per_corpus") or {}).items() if len(m.get("per_corpus") or {}) > 1 else []:
            rows.append(f"| {mode.replace('_', ' ')} | {corpus_name(c)} ({len(pc['classes'])} classes) {_fmt(pc)}")
    return "| prediction mode | scored on | UAR | accuracy | macro F1 | files |\n|---|---|---|---|---|---|\n" + (
        "\n".join(rows)
    )


def _licence_text(data: dict[str, Any]) -> str:
    corpora = list(data.get("corpora") or ["ravdess"])
    if corpora == ["ravdess"]:
        return ("RAVDESS is licensed CC BY-NC-SA 4.0. These weights are derived from it and inherit the licence: "
                "CC BY-NC-SA 4.0 (attribution, non-commercial, share alike).")
    return (
        "The weights are derived from every corpus in the table above, so they inherit the most restrictive "
        "of their terms: **non-commercial research and teaching use only**, with attribution of each corpus "
        "(RAVDESS CC BY-NC-SA 4.0, TESS CC BY-NC-ND 4.0, SAVEE research use only; CREMA-D's ODbL is the "
        "least restrictive). Whether trained weights are a derivative work under TESS's no-derivatives "
        "clause is not settled; if it matters to you, rebuild the model without TESS "
        "(`--data-dir` without it). No audio of any corpus is shipped."
    )


def model_card(settings: dict[str, Any]) -> str:
    """The ``MODEL_CARD.md`` text of a shipped bundle's ``bundle.json`` contents."""
    ev = settings["evaluation"]
    data = settings["data"]
    sp = settings.get("actors", {})
    model = settings.get("model", {})
    cl = settings.get("classic", {})
    tr = settings.get("training", {})
    corpora = list(data.get("corpora") or ["ravdess"])
    several = len(corpora) > 1
    fused_with = " and the encoder heads" if settings.get("encoder") else f" with weight {cl.get('fusion_weight')}"
    compacted = (
        f"; those of {', '.join(settings['compacted'])} as float16, to keep the bundle under "
        f"{SIZE_LIMIT / 1e6:.0f} MB (the part with the smallest fusion weight first)"
        if settings.get("compacted")
        else ""
    )
    dirs = " ".join(f"data/{c}" for c in corpora) if several else "../shared/data/ravdess-22k"
    svm_text = (
        f"The SVMs' support vectors are stored as float32 (probabilities move by about 1e-8){compacted}."
        if "svm" in str(cl.get("kind", "svm"))
        else ""
    )
    scored = set(next(iter(ev["prediction_modes"].values())).get("per_corpus") or corpora)
    unscored = [corpus_name(c) for c in corpora if c not in scored]
    if unscored:
        svm_text = (f"{', '.join(unscored)}: no speaker in the held-out part (its speakers are in other "
                    f"folds), so no score above. " + svm_text).strip()
    voices = (
        "acted English speech: North-American (RAVDESS, TESS, CREMA-D: 91 actors of varied ages and "
        "ethnicities reading 12 sentences) and British (SAVEE, 4 men), studio or quiet-room quality"
        if several
        else "acted North-American English speech and song of 20 of RAVDESS's 24 professional actors, two read "
        "sentences, studio quality"
    )
    return f"""# Model card: {SHIPPED_NAME}

The project's `{ev.get('profile', 'full')}` recipe trained on real recordings of {data.get('corpus', 'RAVDESS')}
({data['n_files']} files, {len(data['actors'])} speakers). Rebuild it from the data with

    ./run_all.sh --build-model --data-dir {dirs}

## Training data
{_corpora_text(data)}

RAVDESS actors 21-24 are absent from the data this was built on (the project's held-out check).
Labels: the eight RAVDESS classes ({', '.join(settings['labels'])}); a corpus that lacks a class
(calm exists only in RAVDESS; TESS and SAVEE have no calm, CREMA-D no calm and no surprised) adds
no examples of it, and the loss weights each class by its pooled training count.

## Model
- {model.get('model')} (convolutions {model.get('conv_filters')}, LSTM {model.get('lstm_units')}) on
  {settings['features']['n_mels']}-band log-mels at {settings['features']['sample_rate']} Hz,
  silence-trimmed, fixed to {settings['n_frames']} frames; fused with a classic model
  ({cl.get('kind')}, on {cl.get('n_features')} pooled handcrafted features){fused_with}.
{_parts_text(settings)}
- Normalisation: {settings.get('normalisation')} ({settings.get('normalisation_description', '')}).
- Trained for {tr.get('epochs_run', '?')} epochs (best {tr.get('best_epoch', '?')}); {len(sp.get('train', []))}
  training speakers, validation speakers (early stopping and fusion weights only) {sp.get('val')}; no test
  part: every speaker we have is in the training data.

## How well it does on voices it never heard
The scores below come from {ev['protocol']}: {ev['n_test_files']} files of {len(ev['test_actors'])} speakers,
never seen in training or validation (that run stopped after
{ev.get('training', {}).get('epochs_run', '?')} epochs, best {ev.get('training', {}).get('best_epoch', '?')}).
Each corpus's UAR averages recall over the classes it has; a prediction of a class the corpus
lacks (calm on CREMA-D) counts as an error.

{_scores_text(ev['prediction_modes'])}

Chance UAR is one over the number of classes (0.125 for eight, 0.167 for six). The shipped
model itself was trained on those speakers too, so these are the scores of its recipe, not of
these weights on new speakers. Built
{ev.get('built', '?')} in {ev['build_time_s'] / 60:.0f} minutes (both trainings) on a 2-core CPU.
{svm_text}

## Intended use and limits
- For trying the model on your own recordings (the app, `python -m ser_utils.predict`) and
  for research and teaching; not for decisions about people.
- Trained on {voices}: expect lower scores on spontaneous speech, other languages, accents,
  noise, children's voices or telephone audio.
- Per-speaker mode needs several clips of one speaker (best: a few of each emotion);
  a single clip of an unknown speaker is standardised with training statistics and is less
  accurate (table above).
- Eight acted categories only; mixed or subtle emotions are forced into one of them.

## Licence
{_licence_text(data)}
"""


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring); returns the exit status."""
    root = config.project_root()
    ap = argparse.ArgumentParser(
        prog="python -m ser_utils.build_model", description="Rebuild the shipped model from real recordings."
    )
    ap.add_argument(
        "--data-dir", nargs="+", action="extend", default=None,
        help="RAVDESS audio, or several corpora's folders (the multi profile); default: data/ if it holds RAVDESS",
    )
    ap.add_argument("--out", default=str(root / "models" / SHIPPED_NAME), help="where the bundle goes")
    ap.add_argument(
        "--work-dir", default=str(root / "artifacts" / ".build-model"), help="training artifacts and feature cache"
    )
    args = ap.parse_args(argv)
    try:
        build(args.data_dir, out_dir=args.out, work_dir=args.work_dir)  # a list, or None
    except SERError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
