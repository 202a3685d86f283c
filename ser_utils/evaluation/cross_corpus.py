"""Cross-corpus evaluation: the saved bundle scored on other corpora (CREMA-D, TESS, SAVEE).

A corpus is scored over the emotions it shares with the bundle's labels (CREMA-D has six
of our eight, TESS and SAVEE seven; none has ``calm``). The bundle's probabilities are
**restricted to those shared classes and renormalised** to sum to 1, so the prediction is
the most probable shared class and chance is ``1 / n_shared`` UAR.

Two prediction modes, as the bundle is used (named as in ``metrics.json``):

- ``single_clip``: each clip on its own, with the training part's global statistics
  (no statistics of the test speaker; what one uploaded clip gets);
- ``per_speaker``: all clips of one speaker standardised together with statistics of
  that speaker's own (unlabelled) clips, as unseen test actors are in notebook 05.

Bundles normalised ``global`` or ``per_utterance`` use no speaker statistics, so both
modes give the same numbers for them.

Every file of each folder is accounted for, per corpus (:attr:`CorpusResult.account`):
files in = files used (scored) + files skipped, by reason: the scan's reasons
(:data:`ser_utils.data.corpus.SKIP_REASONS`: duplicates, unreadable names, silent files...)
and this step's own (:data:`EVAL_REASONS`): ``not_sampled`` (not drawn when
``max_files`` is set), ``emotion_not_shared`` (an emotion the bundle has no label for) and
``analysis_failed`` (the bundle could not read the file). A skipped file whose name names
no corpus (``.DS_Store``) belongs to the corpus of the files beside it
(:func:`ser_utils.data.account.attribute_corpus`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from . import metrics as metrics_mod

__all__ = [
    "EVAL_REASONS",
    "MODES",
    "CorpusResult",
    "account_table",
    "analyse",
    "bundle_probabilities",
    "evaluate_corpus",
    "evaluate_dirs",
    "failed_table",
    "load_corpus",
    "metrics_entry",
    "mode_descriptions",
    "per_speaker_table",
    "predictions_frame",
    "remove_entry",
    "restrict",
    "score",
    "shared_classes",
    "skipped_files_table",
    "summary_table",
    "write_entry",
]

#: Files per feature extraction call when one file of a corpus cannot be analysed.
_CHUNK = 128

_SKIPPED_COLUMNS = ["corpus", "path", "reason", "detail"]

#: The prediction modes, in report order.
MODES: tuple[str, ...] = ("single_clip", "per_speaker")

#: Why this step leaves out a file the scan used (beside the scan's ``SKIP_REASONS``).
EVAL_REASONS: tuple[str, ...] = ("not_sampled", "emotion_not_shared", "analysis_failed")

#: At most this many skipped files are named per corpus in ``metrics.json`` (all are counted).
MAX_LISTED = 100

_MODE_TEXT = {
    "single_clip": "each clip alone, with the training part's global statistics (no statistics of the test speaker)",
    "per_speaker": "all clips of a speaker standardised together with statistics of that speaker's own clips",
}


@dataclass
class CorpusResult:
    """One corpus scored by one bundle.

    Attributes
    ----------
    name : str
        The corpus (``"crema-d"``, ``"tess"``, ``"savee"``, ...).
    classes : list of str
        The shared emotions scored, in the bundle's label order.
    n_files : int
        Files scored (after ``max_files``; failed files excluded): the account's ``n_used``.
    n_speakers : int
    scores : dict
        Per mode: the dict of :func:`score`.
    failed : list of (str, str)
        ``(path, reason)`` of files the bundle could not read.
    predictions : pd.DataFrame, shape (n_files, ...)
        ``path, speaker, emotion`` and, per mode, ``pred_<mode>``.
    folder : str
        The folder the corpus was found in (:func:`evaluate_dirs`; ``""`` otherwise).
    account : dict
        ``n_in``, ``n_used``, ``n_skipped``, ``skipped_by_reason`` of this corpus in that
        folder (:func:`ser_utils.data.account.account`; empty when not made by
        :func:`evaluate_dirs`), ``n_in == n_used + n_skipped``.
    skipped : pd.DataFrame, shape (n_skipped, 4)
        ``corpus, path, reason, detail``: every file of the corpus not scored.
    """

    name: str
    classes: list[str]
    n_files: int
    n_speakers: int
    scores: dict[str, dict[str, Any]]
    failed: list[tuple[str, str]] = field(default_factory=list)
    predictions: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    folder: str = ""
    account: dict[str, Any] = field(default_factory=dict)
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_SKIPPED_COLUMNS), repr=False)


# --------------------------------------------------------------------------- scoring


def shared_classes(labels: Sequence[str], emotions: Sequence[str]) -> list[str]:
    """The bundle's labels that occur in ``emotions``, in label order."""
    present = set(emotions)
    out = [lab for lab in labels if lab in present]
    if not out:
        raise DataError(
            f"no emotion in common between the bundle's labels {list(labels)} and the corpus's {sorted(present)}"
        )
    return out


def restrict(probs: np.ndarray, labels: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """Probabilities over ``classes`` only, renormalised to sum to 1.

    Parameters
    ----------
    probs : np.ndarray, shape (n, len(labels))
        Rows of class probabilities in ``labels`` order.
    labels, classes : sequence of str
        All output labels, and the subset kept.

    Returns
    -------
    np.ndarray, float64, shape (n, len(classes))
        A row whose kept probabilities are all 0 becomes uniform.
    """
    P = np.asarray(probs, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != len(labels):
        raise DataError(f"probs must have shape (n, {len(labels)}), got {P.shape}")
    missing = [c for c in classes if c not in labels]
    if missing:
        raise DataError(f"classes {missing} are not among the labels {list(labels)}")
    sub = P[:, [list(labels).index(c) for c in classes]]
    total = sub.sum(axis=1, keepdims=True)
    uniform = np.full_like(sub, 1.0 / max(1, len(classes)))
    return np.where(total > 0, sub / np.where(total > 0, total, 1.0), uniform)


def score(
    y_true: Sequence[str], probs: np.ndarray, *, classes: Sequence[str], speakers: Sequence[Any]
) -> dict[str, Any]:
    """UAR, accuracy, confusion matrix and per-speaker results over ``classes``.

    Parameters
    ----------
    y_true : sequence of str, shape (n,)
        True emotions (each in ``classes``).
    probs : np.ndarray, shape (n, len(classes))
        Restricted probabilities (:func:`restrict`).
    classes : sequence of str
    speakers : sequence, shape (n,)

    Returns
    -------
    dict
        ``uar``, ``accuracy``, ``macro_f1``, ``n``, ``chance_uar`` (``1 / len(classes)``),
        ``per_class`` (recall), ``confusion`` (DataFrame, counts), ``per_speaker``
        (DataFrame: ``n``, ``accuracy``, ``uar`` per speaker) and ``y_pred``.
    """
    classes = list(classes)
    y_true = [str(y) for y in y_true]
    P = np.asarray(probs, dtype=np.float64)
    if P.shape != (len(y_true), len(classes)) or len(speakers) != len(y_true):
        raise DataError(
            f"score: {len(y_true)} labels, {len(speakers)} speakers and probs of shape {P.shape} "
            f"do not match {len(classes)} classes"
        )
    y_pred = [classes[i] for i in np.argmax(P, axis=1)] if len(P) else []
    m = metrics_mod.metrics(y_true, y_pred, labels=classes)
    rows = []
    for spk in sorted(set(speakers), key=str):
        idx = [i for i, s in enumerate(speakers) if s == spk]
        ms = metrics_mod.metrics([y_true[i] for i in idx], [y_pred[i] for i in idx], labels=classes)
        rows.append({"speaker": spk, "n": ms["n"], "accuracy": ms["accuracy"], "uar": ms["uar"]})
    return {
        "uar": m["uar"],
        "accuracy": m["accuracy"],
        "macro_f1": m["macro_f1"],
        "n": m["n"],
        "chance_uar": 1.0 / len(classes),
        "per_class": {c: m["per_class"][c]["recall"] for c in classes},
        "confusion": metrics_mod.confusion(y_true, y_pred, labels=classes),
        "per_speaker": pd.DataFrame(rows, columns=["speaker", "n", "accuracy", "uar"]).set_index("speaker"),
        "y_pred": y_pred,
    }


# --------------------------------------------------------------------------- the bundle


def bundle_probabilities(
    bundle: Any,
    logmels: list[np.ndarray],
    pooled: np.ndarray,
    *,
    actors: Sequence[int] | None,
    paths: Sequence[str] | None = None,
) -> np.ndarray:
    """The bundle's probabilities (CRNN fused with its classic part) for analysed files.

    Bundles with named prediction modes (``Bundle.mode_probabilities``) predict through
    it, each file in the mode asked for where possible (a speaker with too few clips
    falls back to single clip, as ``ser_utils.models.modes.file_modes`` decides).

    Parameters
    ----------
    bundle : ser_utils.models.bundle.Bundle
    logmels : list of np.ndarray, each (n_mels, t_i)
    pooled : np.ndarray, shape (n, d)
        From ``bundle.analyse``.
    actors : sequence of int, shape (n,), or None
        ``None``: single-clip mode (global statistics); else each file's speaker number,
        never one of the training actors (per-speaker mode).

    Returns
    -------
    np.ndarray, float32, shape (n, len(bundle.labels))
    """
    if hasattr(bundle, "mode_probabilities"):
        return _mode_probabilities(bundle, logmels, pooled, actors=actors, paths=paths)
    from ..prep import normalise, prepare

    n_mels = int(bundle.settings["features"]["n_mels"])
    X, lengths = prepare.make_inputs(logmels, n_frames=bundle.n_frames, deltas=bundle.deltas, n_mels=n_mels)
    lengths = np.asarray(lengths, dtype=np.int64)
    stats = bundle.norm_stats
    if stats["method"] == "per_speaker":
        X = normalise.apply(X, lengths, stats, actors=None if actors is None else list(actors))
    else:
        X = normalise.apply(X, lengths, stats)
    probs = bundle.predict(np.asarray(X, dtype=np.float32))
    if bundle.fusion_weight > 0 and len(probs):
        who = list(actors) if actors is not None else [None] * len(probs)
        probs = bundle.fuse(probs, bundle.classic_probabilities(pooled, who))
    return np.asarray(probs, dtype=np.float32)


def analyse(
    bundle: Any,
    manifest: pd.DataFrame,
    *,
    cache_dir: str | os.PathLike | None = None,
    n_jobs: int = -1,
    progress: bool = False,
) -> tuple[list[np.ndarray], np.ndarray, list[str], list[tuple[str, str]]]:
    """Log-mels and pooled vectors of a corpus with the bundle's feature settings.

    One parallel, cached :func:`ser_utils.features.extract` over all files (what
    ``Bundle.analyse`` does one file at a time); when a file cannot be analysed, the
    files are analysed in chunks, and the chunks that fail file by file (cache hits are
    cheap), and the failures are recorded.

    Returns
    -------
    logmels : list of np.ndarray, each (n_mels, t_i)
    pooled : np.ndarray, float32, shape (n_ok, d)
    ok_paths : list of str
    failed : list of (str, str)
        ``(path, reason)`` of each file that could not be analysed.
    """
    from .. import features
    from ..errors import SERError

    settings = {
        **{k: v for k, v in bundle.settings["features"].items() if k in features.SETTING_KEYS},
        "deltas": bundle.deltas,
    }
    df = manifest[["path", "file_id"]].astype(str).reset_index(drop=True)

    def run(part: pd.DataFrame, jobs: int, bar: bool):
        return features.extract(part, settings=settings, cache_dir=cache_dir, n_jobs=jobs, progress=bar, summary=False)

    mels, pooled, ok, failed = [], [], [], []

    def keep(fs, part: pd.DataFrame) -> None:
        mels.extend(fs.logmels)
        pooled.extend(np.asarray(fs.pooled, np.float32))
        ok.extend(part["path"])

    try:
        keep(run(df, n_jobs, progress), df)
        chunks = []
    except SERError:  # some file cannot be analysed: find it chunk by chunk, then file by file
        chunks = [df.iloc[i : i + _CHUNK] for i in range(0, len(df), _CHUNK)]
    for chunk in chunks:
        try:
            keep(run(chunk, n_jobs, False), chunk)
            continue
        except SERError:
            pass
        for i in range(len(chunk)):
            one = chunk.iloc[[i]]
            try:
                keep(run(one, 1, False), one)
            except SERError as exc:
                failed.append((str(one["path"].iloc[0]), str(exc)))
    return mels, (np.stack(pooled).astype(np.float32) if pooled else np.zeros((0, 0), np.float32)), ok, failed


def _mode_probabilities(
    bundle: Any,
    logmels: list[np.ndarray],
    pooled: np.ndarray,
    *,
    actors: Sequence[int] | None,
    paths: Sequence[str] | None,
) -> np.ndarray:
    """Through the bundle's own prediction modes (``single_clip`` when ``actors`` is None)."""
    from ..models import modes

    speakers = [None] * len(logmels) if actors is None else [int(a) for a in actors]
    fm = modes.file_modes(
        speakers,
        known=bundle.known_speakers,
        min_clips=int(bundle.prediction_modes["min_speaker_clips"]),
        mode="single_clip" if actors is None else "per_speaker",
    )
    E = bundle.encoder_features(list(paths)) if paths is not None else None
    return np.asarray(bundle.mode_probabilities(logmels, pooled, E, speakers, fm), dtype=np.float32)


# --------------------------------------------------------------------------- corpora


def load_corpus(
    root: str | os.PathLike, *, max_files: int | None = None, seed: int = 0, min_duration_s: float = 0.5
) -> tuple[pd.DataFrame, Any]:
    """Scan a corpus folder; optionally keep a random sample of ``max_files`` files.

    Returns
    -------
    manifest : pd.DataFrame
        The scan's manifest (all corpora found in ``root``), sampled when ``max_files``
        is set (the same files for the same seed).
    scan : ser_utils.data.corpus.ScanResult
        The whole scan (every file, used or skipped with its reason).
    """
    from ..data import corpus as data

    if max_files is not None and (isinstance(max_files, bool) or not isinstance(max_files, int) or max_files < 1):
        raise DataError(f"max_files must be a positive integer or None, got {max_files!r}")
    result = data.scan(root, min_duration_s=min_duration_s)
    m = result.manifest
    if max_files is not None and len(m) > max_files:
        m = m.sample(n=max_files, random_state=seed).sort_values("file_id").reset_index(drop=True)
    return m, result


def evaluate_corpus(
    bundle: Any, manifest: pd.DataFrame, *, name: str, cache_dir: str | os.PathLike | None = None, n_jobs: int = -1
) -> CorpusResult:
    """Score one corpus's files in both modes (see the module docstring).

    Parameters
    ----------
    bundle : ser_utils.models.bundle.Bundle
    manifest : pd.DataFrame, shape (n_files, ...)
        Rows of one corpus from the scan (``path``, ``file_id``, ``emotion``, ``actor``,
        ``speaker``); without ``file_id``, ``bundle.analyse`` reads the files one by one.
    name : str
    cache_dir : path, optional
        Feature cache (:func:`analyse`); ``None``: none.
    n_jobs : int
        Workers of the feature extraction.
    """
    missing = {"path", "emotion", "actor", "speaker"} - set(manifest.columns)
    if missing or not len(manifest):
        raise DataError(f"evaluate_corpus needs a non-empty scan manifest; missing columns {sorted(missing)}")
    classes = shared_classes(bundle.labels, manifest["emotion"].unique())
    m = manifest[manifest["emotion"].isin(classes)].reset_index(drop=True)
    if "file_id" in m.columns:
        mels, pooled, ok, failed = analyse(bundle, m, cache_dir=cache_dir, n_jobs=n_jobs)
    else:
        mels, pooled, ok, failed = bundle.analyse(list(m["path"]))
    m = m.set_index("path").loc[ok].reset_index()
    preds = m[["path", "speaker", "emotion"]].copy()
    scores = {}
    for mode in MODES:
        actors = [int(a) for a in m["actor"]] if mode == "per_speaker" else None
        P = (
            restrict(bundle_probabilities(bundle, mels, pooled, actors=actors, paths=ok), bundle.labels, classes)
            if ok
            else np.zeros((0, len(classes)))
        )
        scores[mode] = score(list(m["emotion"]), P, classes=classes, speakers=list(m["speaker"])) if ok else {}
        preds[f"pred_{mode}"] = scores[mode].get("y_pred", [])
    return CorpusResult(
        name=name,
        classes=classes,
        n_files=len(m),
        n_speakers=int(m["speaker"].nunique()),
        scores=scores,
        failed=list(failed),
        predictions=preds,
    )


def evaluate_dirs(
    bundle: Any,
    dirs: Sequence[str | os.PathLike],
    *,
    max_files: int | None = None,
    seed: int = 0,
    min_duration_s: float = 0.5,
    cache_dir: str | os.PathLike | None = None,
    n_jobs: int = -1,
) -> tuple[list[CorpusResult], list[Any]]:
    """Scan each folder and score every corpus found in it (one result per corpus name).

    Returns
    -------
    results : list of CorpusResult
        In folder order, then corpus name order; each with its ``folder``, ``account``
        and ``skipped`` table (every file of the corpus: scored, or skipped with its
        reason). A corpus whose files were all skipped has a result with 0 files.
    scans : list of ScanResult
        One per folder (every file accounted for: used or skipped with its reason).
    """
    results: list[CorpusResult] = []
    scans = []
    for d in dirs:
        m, sc = load_corpus(d, max_files=max_files, seed=seed, min_duration_s=min_duration_s)
        scans.append(sc)
        if not len(m):
            raise DataError(
                f"{d}: no usable CREMA-D, TESS, SAVEE or RAVDESS audio "
                f"({len(sc.skipped)} files skipped: {sc.skip_counts})"
            )
        results += _score_folder(bundle, d, m, sc, cache_dir=cache_dir, n_jobs=n_jobs)
    return results, scans


def _score_folder(
    bundle: Any,
    folder: str | os.PathLike,
    sample: pd.DataFrame,
    scan: Any,
    *,
    cache_dir: str | os.PathLike | None,
    n_jobs: int,
) -> list[CorpusResult]:
    """Score each corpus of one folder's (sampled) manifest and account for every file of the scan."""
    from ..data import account as acc

    full = scan.manifest
    skipped = acc.skipped_table(scan.skipped, full)
    unsampled = full[~full["path"].isin(set(sample["path"]))]
    skipped = pd.concat(
        [skipped, _rows(unsampled, "not_sampled", f"not among the {len(sample)} files drawn at random (max_files)")],
        ignore_index=True,
    )
    out = []
    for corpus in sorted(set(full["corpus"].astype(str)) | set(skipped["corpus"])):
        part = sample[sample["corpus"] == corpus]
        shared = set(part["emotion"]) & set(bundle.labels)
        if shared:
            r = evaluate_corpus(bundle, part, name=corpus, cache_dir=cache_dir, n_jobs=n_jobs)
        else:
            r = CorpusResult(name=corpus, classes=[], n_files=0, n_speakers=0, scores={})
        off = part[~part["emotion"].isin(r.classes)]
        why = {p: w for p, w in r.failed}
        failed = part[part["path"].isin(set(why))]
        mine = pd.concat(
            [
                skipped[skipped["corpus"] == corpus],
                _rows(off, "emotion_not_shared", "its emotion is not among the bundle's labels"),
                _rows(failed, "analysis_failed", [why[p] for p in failed["path"]]),
            ],
            ignore_index=True,
        )
        used = pd.DataFrame({"path": list(r.predictions["path"]) if len(r.predictions) else [], "corpus": corpus})
        r.folder, r.skipped = str(folder), mine.sort_values("path", kind="stable").reset_index(drop=True)
        account = acc.account(used, r.skipped, extra_reasons=EVAL_REASONS)
        r.account = {k: account[k] for k in ("n_in", "n_used", "n_skipped", "skipped_by_reason")}
        if r.account["n_used"] != r.n_files or len(used) + len(off) + len(failed) != len(part):
            raise DataError(
                f"internal error: {corpus} in {folder}: {len(part)} files drawn but {len(used)} scored, "
                f"{len(off)} without a shared emotion and {len(failed)} failed"
            )
        out.append(r)
    return out


def _rows(files: pd.DataFrame, reason: str, detail: str | Sequence[str]) -> pd.DataFrame:
    """Skipped rows (``corpus, path, reason, detail``) for manifest rows left out by this step."""
    n = len(files)
    details = [detail] * n if isinstance(detail, str) else [str(d) for d in detail]
    rows = {"corpus": files["corpus"].astype(str).tolist(), "path": files["path"].astype(str).tolist(),
            "reason": [reason] * n, "detail": details}
    return pd.DataFrame(rows, columns=_SKIPPED_COLUMNS)


# --------------------------------------------------------------------------- reporting


def metrics_entry(results: Sequence[CorpusResult]) -> dict[str, Any]:
    """The ``cross_corpus`` entry of ``metrics.json`` (see docs: contracts), JSON-able.

    Per corpus: ``n_files`` (scored), ``classes``, ``chance_uar`` (None without classes),
    per mode ``uar`` and ``accuracy``, ``n_speakers``, ``n_failed``, and, for results of
    :func:`evaluate_dirs`, ``files``: the ``folder``, ``n_in``, ``n_used``, ``n_skipped``,
    ``skipped_by_reason`` and ``skipped_files`` (``path`` relative to the folder,
    ``reason``, ``detail``; every skipped file but the ``not_sampled`` ones, at most
    :data:`MAX_LISTED`; ``n_not_listed`` says how many are counted but not named).
    """
    out: dict[str, Any] = {}
    for r in results:
        if r.name in out:
            raise DataError(f"corpus {r.name!r} was given twice: give each corpus in one folder only")
        out[r.name] = {
            "n_files": int(r.n_files),
            "classes": list(r.classes),
            "chance_uar": 1.0 / len(r.classes) if r.classes else None,
            **{
                mode: {"uar": float(r.scores[mode]["uar"]), "accuracy": float(r.scores[mode]["accuracy"])}
                for mode in MODES
                if r.scores.get(mode)
            },
            "n_speakers": int(r.n_speakers),
            "n_failed": len(r.failed),
            "probabilities": "restricted to the shared classes and renormalised",
        }
        if r.account:
            out[r.name]["files"] = _files_entry(r)
    return out


def _files_entry(r: CorpusResult) -> dict[str, Any]:
    listed = r.skipped[r.skipped["reason"] != "not_sampled"].head(MAX_LISTED)
    base = Path(r.folder).expanduser().absolute()
    return {
        "folder": r.folder,
        **{k: r.account[k] for k in ("n_in", "n_used", "n_skipped")},
        "skipped_by_reason": dict(r.account["skipped_by_reason"]),
        "skipped_files": [
            {"path": _relative(p, base), "reason": why, "detail": detail}
            for p, why, detail in zip(listed["path"], listed["reason"], listed["detail"])
        ],
        "n_not_listed": int(r.account["n_skipped"] - len(listed)),
    }


def _relative(path: str, base: Path) -> str:
    try:
        return Path(path).relative_to(base).as_posix()
    except ValueError:
        return str(path)


_SUMMARY_COLUMNS = ["corpus", "mode", "files", "speakers", "classes", "UAR", "accuracy", "chance UAR", "failed files"]


def summary_table(results: Sequence[CorpusResult], *, in_corpus: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One row per corpus and mode: files, speakers, classes, UAR, accuracy and chance UAR.

    Parameters
    ----------
    results : sequence of CorpusResult
    in_corpus : dict, optional
        Notebook 05's ``metrics.json`` (the bundle on its own test part), shown first
        for comparison (its ``prediction_modes`` when present, else its headline figures).
    """
    rows = []
    if in_corpus and in_corpus.get("uar") is not None:
        modes = in_corpus.get("prediction_modes") or {
            "as in notebook 5": {k: in_corpus.get(k) for k in ("uar", "accuracy", "n")}
        }
        for mode, v in modes.items():
            rows.append(
                [
                    "RAVDESS test part",
                    mode.replace("_", " "),
                    v.get("n", in_corpus.get("n_test")),
                    len(in_corpus.get("test_actors") or []),
                    len(in_corpus.get("per_class") or {}),
                    v.get("uar"),
                    v.get("accuracy"),
                    1.0 / max(1, len(in_corpus.get("per_class") or {})),
                    0,
                ]
            )
    for r in results:
        for mode in MODES:
            sc = r.scores.get(mode) or {}
            rows.append(
                [
                    r.name,
                    mode.replace("_", " "),
                    r.n_files,
                    r.n_speakers,
                    len(r.classes),
                    sc.get("uar", np.nan),
                    sc.get("accuracy", np.nan),
                    1.0 / len(r.classes) if r.classes else np.nan,
                    len(r.failed),
                ]
            )
    return pd.DataFrame(rows, columns=_SUMMARY_COLUMNS).set_index(["corpus", "mode"])


def account_table(results: Sequence[CorpusResult]) -> pd.DataFrame:
    """Per folder and corpus: files in, used (scored), skipped, and skipped per reason.

    Every file found is counted once: ``files in == used + skipped`` on each row.
    """
    from ..data import account as acc

    rows = [(r.name, r.account) for r in results if r.account]
    if not rows:
        return pd.DataFrame(columns=["folder", "files in", "used", "skipped"])
    table = acc.account_frame(rows)
    table.insert(0, "folder", [r.folder for r in results if r.account])
    table.index.name = "corpus"
    return table


def skipped_files_table(results: Sequence[CorpusResult], *, not_sampled: bool = False) -> pd.DataFrame:
    """Every skipped file: ``corpus, path`` (relative to its folder), ``reason, detail``.

    Parameters
    ----------
    results : sequence of CorpusResult
    not_sampled : bool
        Include the files left out by ``max_files`` (many; counted either way).
    """
    frames = []
    for r in results:
        t = r.skipped if not_sampled else r.skipped[r.skipped["reason"] != "not_sampled"]
        base = Path(r.folder).expanduser().absolute()
        frames.append(t.assign(path=[_relative(p, base) for p in t["path"]]))
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True)[_SKIPPED_COLUMNS] if frames else pd.DataFrame(columns=_SKIPPED_COLUMNS)


def failed_table(results: Sequence[CorpusResult]) -> pd.DataFrame:
    """The files the bundle could not read: ``corpus, path, reason`` (empty when none)."""
    rows = [{"corpus": r.name, "path": p, "reason": why} for r in results for p, why in r.failed]
    return pd.DataFrame(rows, columns=["corpus", "path", "reason"])


def per_speaker_table(result: CorpusResult) -> pd.DataFrame:
    """Per speaker: files, and accuracy and UAR in each mode (columns ``(mode, metric)``)."""
    parts = {
        mode.replace("_", " "): result.scores[mode]["per_speaker"][["accuracy", "uar"]]
        for mode in MODES
        if result.scores.get(mode)
    }
    if not parts:
        return pd.DataFrame()
    first = result.scores[MODES[0]]["per_speaker"]
    out = pd.concat(parts, axis=1)
    out.insert(0, ("", "files"), first["n"])
    return out


def predictions_frame(results: Sequence[CorpusResult]) -> pd.DataFrame:
    """Every scored file: ``corpus, path, speaker, emotion, pred_single_clip, pred_per_speaker``."""
    frames = [r.predictions.assign(corpus=r.name) for r in results]
    cols = ["corpus", "path", "speaker", "emotion", *(f"pred_{m}" for m in MODES)]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def write_entry(path: str | os.PathLike, results: Sequence[CorpusResult]) -> Path:
    """Write :func:`metrics_entry` as JSON (atomically) and return the path."""
    from ..files import write_json

    return Path(write_json(path, metrics_entry(results)))


def remove_entry(path: str | os.PathLike) -> None:
    """Remove an earlier run's entry, so a run without other corpora reports none."""
    Path(path).unlink(missing_ok=True)


def mode_descriptions() -> Mapping[str, str]:
    """``{mode: description}`` for every mode."""
    return dict(_MODE_TEXT)
