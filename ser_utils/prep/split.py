"""Train / validation / test splits without leakage.

Two kinds of split:

- ``random``: files drawn at random, stratified by emotion (the seeds' choice; the same
  actors appear in every part, so it measures speaker-*dependent* accuracy);
- ``speaker``: actor-disjoint; the test actors are either named or one of ``k`` folds of
  actors balanced by gender, and the validation actors are taken from the training
  actors, never from the test actors.

A manifest of several corpora (its ``corpus`` column holds more than one name: RAVDESS,
CREMA-D, TESS, SAVEE read together, see :mod:`ser_utils.data.corpora`) is split per
corpus: each corpus's speakers are dealt into the folds on their own (gender-balanced
within the corpus), so every corpus with at least ``n_folds`` speakers has speakers in
every test fold, and each corpus with enough training speakers gives its own validation
speakers. A speaker is one ``actor`` number, which the scan makes unique across corpora
(RAVDESS 1-24, CREMA-D 1001-1091, TESS 2001-2002, SAVEE 3001-3004), so the same raw id in
two corpora (CREMA-D's ``1012`` and another corpus's ``1012``) is two speakers. A manifest of
one corpus is split exactly as it was before corpora were told apart.

Every split is decided on the manifest only, before any augmentation, normalisation or
balancing, so nothing fitted later can see the test files.

Small folders fall back to what the data allows and say so (a
:class:`ser_utils.errors.FallbackWarning`): a class with two files is split between
training and test (none for validation), a class with one file is for training only; a
speaker split of few actors takes smaller test folds and fewer validation actors, down to
no validation part. A test part is never given up, and never used for validation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, fallback

__all__ = [
    "PARTS",
    "random_split",
    "speaker_folds",
    "speaker_split",
    "make_split",
    "make_split_info",
    "check_disjoint",
    "actors_by_part",
    "corpus_of_actors",
    "split_notes",
]

#: The three parts, in order.
PARTS: tuple[str, ...] = ("train", "val", "test")


def _require_columns(manifest: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(manifest, pd.DataFrame):
        raise DataError(f"expected a manifest DataFrame, got {type(manifest).__name__}")
    missing = [c for c in columns if c not in manifest.columns]
    if missing:
        raise DataError(
            f"manifest lacks column(s) {', '.join(missing)}; expected the columns of "
            "ser_utils.data.corpus.scan(...).manifest"
        )
    if len(manifest) == 0:
        raise DataError("the manifest is empty: there is nothing to split")


def _actor_genders(manifest: pd.DataFrame) -> dict[int, str]:
    """Actor -> ``"male"``/``"female"``, from the ``gender`` column or RAVDESS parity (odd = male)."""
    actors = manifest["actor"].astype(int)
    if "gender" in manifest.columns:
        pairs = pd.DataFrame({"actor": actors, "gender": manifest["gender"].astype(str)}).drop_duplicates()
        dup = pairs["actor"][pairs["actor"].duplicated()]
        if len(dup):
            raise DataError(f"actor(s) {sorted(set(dup.tolist()))} have more than one gender in the manifest")
        return {int(a): str(g) for a, g in zip(pairs["actor"], pairs["gender"])}
    return {int(a): ("male" if a % 2 else "female") for a in sorted(set(actors.tolist()))}


def corpus_of_actors(manifest: pd.DataFrame) -> dict[int, str]:
    """Actor -> its corpus (``"ravdess"``, ``"crema-d"``...); every actor ``""`` without a ``corpus`` column.

    Raises
    ------
    DataError
        An actor number names speakers of two corpora, or two different ``speaker`` ids
        (the scan gives every speaker of every corpus its own number: a manifest that
        breaks this would merge two voices in the per-speaker statistics).
    """
    _require_columns(manifest, ["actor"])
    actors = manifest["actor"].astype(int)
    if "corpus" not in manifest.columns:
        return {int(a): "" for a in sorted(set(actors.tolist()))}
    cols = {"actor": actors, "corpus": manifest["corpus"].astype(str)}
    if "speaker" in manifest.columns:
        cols["speaker"] = manifest["speaker"].astype(str)
    pairs = pd.DataFrame(cols).drop_duplicates()
    dup = sorted(set(pairs["actor"][pairs["actor"].duplicated()].tolist()))
    if dup:
        who = pairs[pairs["actor"] == dup[0]]
        names = ", ".join(" ".join(map(str, r[1:])) for r in who.itertuples(index=False))
        raise DataError(
            f"actor number(s) {dup} each name more than one speaker (actor {dup[0]}: {names}); expected one number "
            "per speaker of every corpus, as ser_utils.data.corpus.scan gives (RAVDESS 1-24, CREMA-D 1001-1091, "
            "TESS 2001-2002, SAVEE 3001-3004)"
        )
    return {int(a): str(c) for a, c in zip(pairs["actor"], pairs["corpus"])}


def _corpora(owner: Mapping[int, str]) -> list[str]:
    """The corpora of a manifest, sorted by name (a single ``""`` without a ``corpus`` column)."""
    return sorted(set(owner.values()))


def split_notes(split: pd.Series | pd.DataFrame) -> list[str]:
    """What a speaker split of several corpora had to say (a corpus too small for every fold or for validation).

    Parameters
    ----------
    split : pd.Series or pd.DataFrame
        What :func:`speaker_split` or :func:`make_split` returned.

    Returns
    -------
    list of str
        One sentence per note; empty for one corpus, a random split, or nothing to say.
    """
    return list(getattr(split, "attrs", {}).get("notes", []))


def random_split(
    manifest: pd.DataFrame,
    *,
    test_size: float = 0.2,
    val_size: float = 0.1,
    seed: int = 42,
) -> pd.Series:
    """Split files at random, stratified by emotion, with every class in every part where it has the files.

    On folders large enough, scikit-learn's stratified ``train_test_split`` decides (as
    it always has); when it cannot, or it leaves a class out of a part (small folders:
    a test part of 20 % of 50 files is smaller than eight classes), each class is split
    on its own: at least one file in the test part, one in the validation part (when
    ``val_size > 0``) and one in training, the rest by the requested fractions.

    A class with fewer files than parts falls back (a ``FallbackWarning`` naming each such
    class): two files go one to training and one to the test part, a single file to
    training only (that class is then not tested).

    Parameters
    ----------
    manifest : pd.DataFrame, shape (n_files, ...)
        Needs a ``label`` (or ``emotion``) column.
    test_size : float
        Fraction of all files in the test part, in (0, 1).
    val_size : float
        Fraction of all files in the validation part (carved from the training part);
        ``0`` for no validation part. ``test_size + val_size`` must be below 1.
    seed : int
        Same seed, same split.

    Returns
    -------
    part : pd.Series of str, shape (n_files,)
        ``"train"``, ``"val"`` or ``"test"``, index aligned with ``manifest``. Every class
        with at least as many files as parts is in every part.

    Raises
    ------
    ConfigError
        Sizes out of range.
    DataError
        Every class has a single file: no test part is possible.

    Warns
    -----
    FallbackWarning
        A class has fewer files than parts; the message names each such class, its count
        and where its files went.
    """
    strat_col = "label" if "label" in getattr(manifest, "columns", ()) else "emotion"
    _require_columns(manifest, [strat_col])
    if not 0.0 < test_size < 1.0:
        raise ConfigError(f"test_size must be in (0, 1), got {test_size!r}")
    if not 0.0 <= val_size < 1.0 or test_size + val_size >= 1.0:
        raise ConfigError(
            "val_size must be in [0, 1) with test_size + val_size < 1, "
            f"got val_size={val_size!r}, test_size={test_size!r}"
        )
    strat = manifest[strat_col].to_numpy()
    small = _small_classes(manifest, strat_col, n_parts=3 if val_size > 0 else 2)
    part = None if small else _sklearn_split(strat, test_size=test_size, val_size=val_size, seed=seed)
    if part is None:
        part = _per_class_split(strat, test_size=test_size, val_size=val_size, seed=seed)
    return pd.Series(part, index=manifest.index, name="part")


def _small_classes(manifest: pd.DataFrame, strat_col: str, *, n_parts: int) -> bool:
    """Whether a class has fewer files than the ``n_parts`` parts; say which and where their files go.

    Raises DataError when every class has a single file (nothing could be tested).
    """
    counts = manifest[strat_col].value_counts()
    small = counts[counts < n_parts].sort_index()
    if not len(small):
        return False
    has_names = "emotion" in manifest.columns
    names = manifest.drop_duplicates(strat_col).set_index(strat_col)["emotion"] if has_names else None

    def name(c: Any) -> str:
        return str(names[c]) if names is not None else str(c)

    if (counts < 2).all():
        raise DataError(
            f"cannot split {len(manifest)} files at random: every class has a single file "
            f"({', '.join(name(c) for c in sorted(counts.index))}), so none is left for a test part; "
            "expected at least one class with 2 files (3 for a validation part too)"
        )
    where = {1: "training only, so it is not tested", 2: "one for training, one for the test part, none for validation"}
    desc = "; ".join(f"{name(c)} has {int(n)} ({where[int(n)]})" for c, n in small.items())
    parts = "training, validation and test" if n_parts == 3 else "training and test"
    fallback(
        f"random split of {len(manifest)} files: not every class can be in {parts} (that needs {n_parts} files "
        f"of a class): {desc}"
    )
    return True


def _sklearn_split(strat: np.ndarray, *, test_size: float, val_size: float, seed: int) -> np.ndarray | None:
    """scikit-learn's stratified split; None when it fails or leaves a class out of a part."""
    from sklearn.model_selection import train_test_split

    pos = np.arange(len(strat))
    try:
        rest, test = train_test_split(pos, test_size=test_size, stratify=strat, random_state=seed)
        val = np.array([], dtype=int)
        if val_size > 0:
            frac = val_size / (1.0 - test_size)
            rest, val = train_test_split(rest, test_size=frac, stratify=strat[rest], random_state=seed)
    except ValueError:
        return None
    classes = set(strat.tolist())
    if any(set(strat[idx].tolist()) != classes for idx in ([rest, test, val] if val_size > 0 else [rest, test])):
        return None
    part = np.empty(len(strat), dtype=object)
    part[rest], part[val], part[test] = "train", "val", "test"
    return part


def _per_class_split(strat: np.ndarray, *, test_size: float, val_size: float, seed: int) -> np.ndarray:
    """Each class split on its own: >= 1 file per part, the rest by the fractions.

    A class of two files (with ``val_size > 0``) has one in training and one in the test part;
    a class of one file is in training only.
    """
    rng = np.random.default_rng([seed, 14])
    part = np.full(len(strat), "train", dtype=object)
    for c in sorted(set(strat.tolist()), key=str):
        idx = rng.permutation(np.flatnonzero(strat == c))
        n = len(idx)
        if n < 2:
            continue  # training only
        with_val = val_size > 0 and n >= 3
        n_val_min = 1 if with_val else 0
        n_test = int(np.clip(round(n * test_size), 1, n - 1 - n_val_min))
        n_val = int(np.clip(round(n * val_size), n_val_min, n - 1 - n_test)) if with_val else 0
        part[idx[:n_test]] = "test"
        part[idx[n_test : n_test + n_val]] = "val"
    return part


def _default_n_folds(owner: Mapping[int, str]) -> int:
    """Folds of about four speakers; with several corpora, of the smallest corpus that has eight or more."""
    n_actors = len(owner)
    sizes = pd.Series(list(owner.values())).value_counts()
    if len(sizes) > 1 and (sizes >= 8).any():
        return max(2, int(sizes[sizes >= 8].min()) // 4)
    return max(2, n_actors // 4)


def speaker_folds(manifest: pd.DataFrame, *, n_folds: int | None = None, seed: int = 42) -> list[list[int]]:
    """Group the actors into folds balanced by gender (and, with several corpora, by corpus).

    One corpus: the actors of each gender are shuffled (by ``seed``) and dealt
    round-robin, males first, then females continuing where the males stopped, so fold
    sizes differ by at most one and each fold holds as equal a number of men and women as
    possible (24 actors, 6 folds: 2 + 2 in each; 20 actors, 5 folds: 2 + 2 in each).

    Several corpora (the ``corpus`` column holds more than one name): the same dealing,
    corpus by corpus (sorted by name), each corpus's men then women, every corpus
    continuing where the one before stopped. So a corpus with at least ``n_folds``
    speakers has speakers in every fold (sizes differing by at most one, genders balanced
    within the corpus), a smaller corpus is spread over as many folds as it has speakers,
    and the folds' totals differ by at most one.

    Parameters
    ----------
    manifest : pd.DataFrame
        Needs an ``actor`` column (and ``gender``, else odd actors are male; ``corpus``
        for several corpora).
    n_folds : int, optional
        Number of folds. Default: ``max(2, n_actors // 4)`` (folds of about 4 actors); with
        several corpora, ``max(2, n // 4)`` where ``n`` is the speaker count of the
        smallest corpus with at least 8 speakers (so that corpus has about 4 speakers per
        fold: RAVDESS 20 + CREMA-D 91 -> 5).
    seed : int

    Returns
    -------
    folds : list of list of int, length n_folds
        Sorted actor numbers of each fold; every actor is in exactly one fold.

    Raises
    ------
    ConfigError
        ``n_folds`` below 2 or above the number of actors.
    DataError
        An actor number names two speakers (:func:`corpus_of_actors`).
    """
    _require_columns(manifest, ["actor"])
    genders = _actor_genders(manifest)
    owner = corpus_of_actors(manifest)
    actors = sorted(genders)
    n_actors = len(actors)
    if n_folds is None:
        n_folds = _default_n_folds(owner)
    if isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise ConfigError(f"n_folds must be an integer >= 2, got {n_folds!r}")
    if n_actors < n_folds:
        raise ConfigError(
            f"too few actors for the folds: {n_actors} actor(s) ({actors}) cannot make {n_folds} folds; "
            "expected at least one actor per fold (lower n_folds, name test_actors, or use split random)"
        )
    rng = np.random.default_rng(seed)
    order: list[int] = []
    for corpus in _corpora(owner):  # one corpus: a single pass, exactly the dealing of one corpus
        mine = [a for a in actors if owner[a] == corpus]
        males = [a for a in mine if genders[a] == "male"]
        others = [a for a in mine if genders[a] != "male"]
        order += [int(a) for a in rng.permutation(males)] + [int(a) for a in rng.permutation(others)]
    folds: list[list[int]] = [[] for _ in range(int(n_folds))]
    for i, actor in enumerate(order):
        folds[i % n_folds].append(actor)
    return [sorted(f) for f in folds]


def _pick_val_actors(train_actors: list[int], genders: dict[int, str], n_val: int, seed: int) -> list[int]:
    """``n_val`` actors from ``train_actors``, alternating genders (the larger pool first)."""
    rng = np.random.default_rng([seed, 7])
    males = [int(a) for a in rng.permutation(sorted(a for a in train_actors if genders[a] == "male"))]
    others = [int(a) for a in rng.permutation(sorted(a for a in train_actors if genders[a] != "male"))]
    pools = [males, others] if len(males) >= len(others) else [others, males]
    picked: list[int] = []
    turn = 0
    while len(picked) < n_val:
        pool = pools[turn % 2] or pools[(turn + 1) % 2]
        picked.append(pool.pop(0))
        turn += 1
    return sorted(picked)


def _pick_val_per_corpus(
    train: list[int], genders: dict[int, str], owner: Mapping[int, str], n_val: int, seed: int
) -> tuple[list[int], list[str]]:
    """``n_val`` validation actors from each corpus keeping at least as many for training; and the notes.

    A corpus with fewer than ``2 * n_val`` training actors gives none (all its training
    actors train), and a note says so.
    """
    val: list[int] = []
    notes: list[str] = []
    for corpus in _corpora(owner):
        mine = [a for a in train if owner[a] == corpus]
        if n_val and len(mine) >= 2 * n_val:
            val += _pick_val_actors(mine, genders, n_val, seed)
        elif n_val:
            notes.append(
                f"{corpus} has {len(mine)} training speaker(s), fewer than 2 x n_val_actors = {2 * n_val}: "
                f"it gives no validation speaker (all {len(mine)} train)"
            )
    return sorted(val), notes


def speaker_split(
    manifest: pd.DataFrame,
    *,
    test_actors: Sequence[int] | None = None,
    n_folds: int | None = None,
    fold: int = 0,
    n_val_actors: int = 2,
    seed: int = 42,
) -> pd.Series:
    """Split by actor: no actor has files in two parts.

    With several corpora the folds are dealt per corpus (:func:`speaker_folds`) and the
    validation actors are picked per corpus: ``n_val_actors`` from each corpus that keeps at
    least as many training actors (``2 * n_val_actors`` or more before the pick); a corpus
    with fewer gives none, and the result's ``attrs["notes"]`` (:func:`split_notes`) says
    so, as it says which corpora are too small to be in every test fold.

    Parameters
    ----------
    manifest : pd.DataFrame, shape (n_files, ...)
        Needs ``actor`` (and ``gender``; else odd actors are male; ``corpus`` for
        several corpora).
    test_actors : sequence of int, optional
        These actors, and only these, form the test part; an empty sequence means no
        test part (training a model on every actor). ``None``: use fold ``fold`` of
        :func:`speaker_folds`.
    n_folds : int, optional
        See :func:`speaker_folds` (ignored when ``test_actors`` is given).
    fold : int
        Which fold is the test part, ``0 <= fold < n_folds``.
    n_val_actors : int
        Validation actors taken from the training actors (of each corpus, with several),
        genders alternating (2 -> one man and one woman when both are available); ``0``
        for none.
    seed : int

    Returns
    -------
    part : pd.Series of str, shape (n_files,)
        ``"train"``, ``"val"`` or ``"test"``, index aligned with ``manifest``;
        ``attrs["notes"]``: list of str (empty for one corpus); ``attrs["n_folds"]``: the
        number of folds used (when ``test_actors`` is None).

    Raises
    ------
    ConfigError
        Fold out of range; a named test actor has no files; no training actor would be
        left; several corpora of which none has enough training actors for validation;
        one actor only (nothing to test a speaker-independent model on).
    DataError
        An actor number names two speakers (:func:`corpus_of_actors`).

    Warns
    -----
    FallbackWarning
        Few actors: with ``n_folds=None``, more (smaller) folds than the default when the
        test fold would leave fewer than two actors for training and validation; fewer
        validation actors than ``n_val_actors`` (down to none) so that one actor is left
        for training.
    """
    return _speaker_split(
        manifest, test_actors=test_actors, n_folds=n_folds, fold=fold, n_val_actors=n_val_actors, seed=seed
    )[0]


def _speaker_split(
    manifest: pd.DataFrame,
    *,
    test_actors: Sequence[int] | None,
    n_folds: int | None,
    fold: int,
    n_val_actors: int,
    seed: int,
) -> tuple[pd.Series, dict[str, Any]]:
    """:func:`speaker_split`, and what it used: ``n_folds`` (None with named test actors) and ``n_val_actors``."""
    _require_columns(manifest, ["actor"])
    genders = _actor_genders(manifest)
    owner = corpus_of_actors(manifest)
    actors = sorted(genders)
    if isinstance(n_val_actors, bool) or not isinstance(n_val_actors, (int, np.integer)) or n_val_actors < 0:
        raise ConfigError(f"n_val_actors must be an integer >= 0, got {n_val_actors!r}")
    notes: list[str] = []
    used_folds = None
    if test_actors is not None:
        test = sorted({int(a) for a in test_actors})  # empty: no test part (a model to ship)
        absent = [a for a in test if a not in genders]
        if absent:
            raise ConfigError(
                f"test actor(s) {absent} have no files in the manifest; actors present: {actors}"
            )
    else:
        if len(actors) < 2:
            raise ConfigError(
                f"too few actors for a speaker split: the manifest has {len(actors)} actor ({actors}); it needs at "
                "least 2 (one to train on, one to test on). Use split random"
            )
        folds = speaker_folds(manifest, n_folds=n_folds, seed=seed)
        if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)) or not 0 <= fold < len(folds):
            raise ConfigError(f"fold={fold!r} is out of range: expected 0 <= fold < {len(folds)} (n_folds)")
        if n_folds is None:
            folds = _enough_outside(manifest, folds, fold=int(fold), need=min(2, int(n_val_actors) + 1), seed=seed)
        test = folds[int(fold)]
        used_folds = len(folds)
        notes += _small_corpus_notes(owner, folds, test, fold=int(fold))
    train = [a for a in actors if a not in test]
    if not train:
        raise ConfigError(
            f"too few actors for a speaker split: test actors {test} leave no training actor (the manifest has "
            f"{len(actors)}: {actors}). Name fewer test_actors, or use split random"
        )
    if len(_corpora(owner)) > 1:
        val, val_notes = _pick_val_per_corpus(train, genders, owner, int(n_val_actors), seed)
        notes += val_notes
        if n_val_actors and not val:
            raise ConfigError(
                f"no corpus has enough training speakers for {n_val_actors} validation speaker(s) each "
                f"({'; '.join(val_notes)}). Lower n_val_actors, name fewer test_actors, or use split random"
            )
        n_val = len(val)
    else:
        n_val = min(int(n_val_actors), len(train) - 1)
        if n_val < n_val_actors:
            fallback(
                f"speaker split: {n_val} validation actor(s) instead of {int(n_val_actors)}: the {len(train)} "
                f"actor(s) outside the test part ({train}) must leave one for training"
                + ("; there is no validation part" if n_val == 0 else "")
            )
        val = _pick_val_actors(train, genders, n_val, seed)
    a = manifest["actor"].astype(int)
    part = np.where(a.isin(test), "test", np.where(a.isin(val), "val", "train")).astype(object)
    out = pd.Series(part, index=manifest.index, name="part")
    out.attrs["notes"] = notes
    if used_folds is not None:
        out.attrs["n_folds"] = used_folds  # the folds used (n_folds=None: the default)
    return out, {"n_folds": used_folds, "n_val_actors": n_val}


def _small_corpus_notes(owner: Mapping[int, str], folds: list[list[int]], test: list[int], *, fold: int) -> list[str]:
    """With several corpora: which have fewer speakers than folds (so are missing from some test folds)."""
    notes = []
    if len(_corpora(owner)) > 1:
        for corpus in _corpora(owner):
            n_c = sum(1 for c in owner.values() if c == corpus)
            if n_c < len(folds):
                notes.append(
                    f"{corpus} has {n_c} speaker(s), fewer than the {len(folds)} folds: it is in {n_c} of the "
                    f"test folds" + ("" if any(owner[a] == corpus for a in test) else f", not in fold {fold}")
                )
    return notes


def _enough_outside(
    manifest: pd.DataFrame, folds: list[list[int]], *, fold: int, need: int, seed: int
) -> list[list[int]]:
    """The default folds, or more and smaller ones until test fold ``fold`` leaves ``need`` actors outside it."""
    n_actors = sum(len(f) for f in folds)
    first = folds
    while len(folds) < n_actors and n_actors - len(folds[fold]) < need:
        folds = speaker_folds(manifest, n_folds=len(folds) + 1, seed=seed)
    if folds is not first:
        fallback(
            f"speaker split of {n_actors} actors: {len(folds)} folds instead of the default {len(first)}, so that the "
            f"test fold ({len(folds[fold])} actor(s)) leaves {n_actors - len(folds[fold])} for training and validation "
            f"(the default test fold of {len(first[fold])} would leave {n_actors - len(first[fold])})"
        )
    return folds


def make_split(manifest: pd.DataFrame, cfg: Mapping[str, Any]) -> pd.DataFrame:
    """Split a manifest as the configuration says.

    Parameters
    ----------
    manifest : pd.DataFrame, shape (n_files, ...)
        ``ser_utils.data.corpus.scan(...).manifest`` (``file_id``, ``path``, ``actor``,
        ``emotion``, ``label``; ``gender``, ``corpus``, ``speaker`` if present).
    cfg : mapping
        Uses ``split``, ``seed``, and ``test_size``/``val_size`` (random) or
        ``test_actors``/``n_folds``/``fold``/``n_val_actors`` (speaker).

    Returns
    -------
    split_df : pd.DataFrame, shape (n_files, 7 to 9)
        ``file_id, path, actor, gender, emotion, label`` (then ``corpus`` and ``speaker``
        when the manifest has them), ``part``, in manifest order (index reset);
        ``attrs["notes"]``: what the speaker split had to say (:func:`split_notes`), and
        ``attrs["n_folds"]`` the folds used (a speaker split by fold).

    Raises
    ------
    ConfigError, DataError
    """
    return make_split_info(manifest, cfg)[0]


def make_split_info(manifest: pd.DataFrame, cfg: Mapping[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`make_split`, and what a speaker split used where small data changed it.

    Returns
    -------
    split_df : pd.DataFrame, shape (n_files, 7 to 9)
        As :func:`make_split`.
    used : dict
        Speaker split: ``n_folds`` (None with named test actors) and ``n_val_actors`` as
        used (fewer than asked with few actors, see :func:`speaker_split`); random split: ``{}``.
    """
    _require_columns(manifest, ["file_id", "path", "actor", "emotion", "label"])
    if manifest["file_id"].duplicated().any():
        dup = manifest["file_id"][manifest["file_id"].duplicated()].iloc[0]
        raise DataError(f"file_id {dup!r} appears twice in the manifest: expected one row per file")
    kind = cfg.get("split", "speaker")
    seed = int(cfg.get("seed", 42))
    used: dict[str, Any] = {}
    if kind == "random":
        part = random_split(manifest, test_size=cfg.get("test_size", 0.2), val_size=cfg.get("val_size", 0.1), seed=seed)
    elif kind == "speaker":
        part, used = _speaker_split(
            manifest,
            test_actors=cfg.get("test_actors"),
            n_folds=cfg.get("n_folds"),
            fold=cfg.get("fold", 0),
            n_val_actors=cfg.get("n_val_actors", 2),
            seed=seed,
        )
    else:
        raise ConfigError(f"split must be 'random' or 'speaker', got {kind!r}")
    genders = _actor_genders(manifest)
    cols: dict[str, Any] = {
        "file_id": manifest["file_id"].astype(str).to_numpy(),
        "path": manifest["path"].astype(str).to_numpy(),
        "actor": manifest["actor"].astype(int).to_numpy(),
        "gender": [genders[int(a)] for a in manifest["actor"]],
        "emotion": manifest["emotion"].astype(str).to_numpy(),
        "label": manifest["label"].astype(int).to_numpy(),
    }
    for c in ("corpus", "speaker"):  # so the evaluation can group by corpus
        if c in manifest.columns:
            cols[c] = manifest[c].astype(str).to_numpy()
    cols["part"] = part.to_numpy()
    out = pd.DataFrame(cols)
    if kind == "speaker":
        check_disjoint(out)
    out.attrs["notes"] = split_notes(part)
    if "n_folds" in part.attrs:
        out.attrs["n_folds"] = int(part.attrs["n_folds"])
    return out, used


def check_disjoint(split_df: pd.DataFrame) -> None:
    """Make sure no speaker (and no file) is in two parts.

    Call it on speaker splits; a random split shares actors between parts by design. A
    speaker is an ``actor`` number; with ``corpus`` and ``speaker`` columns, also each
    ``(corpus, speaker)`` pair (so the same raw id in two corpora is two speakers, and one
    speaker under two numbers is still one).

    Raises
    ------
    DataError
        Naming each actor (or speaker) found in two parts, and the parts; or a file listed twice.
    """
    _require_columns(split_df, ["actor", "part"])
    bad_parts = sorted(set(split_df["part"]) - set(PARTS))
    if bad_parts:
        raise DataError(f"unknown part(s) {bad_parts}: expected {', '.join(PARTS)}")
    if "file_id" in split_df.columns and split_df["file_id"].duplicated().any():
        dup = sorted(set(split_df["file_id"][split_df["file_id"].duplicated()]))
        raise DataError(f"file(s) {dup[:5]} listed more than once in the split")
    parts_of = split_df.groupby(split_df["actor"].astype(int))["part"].agg(lambda s: sorted(set(s)))
    shared = {int(a): p for a, p in parts_of.items() if len(p) > 1}
    if shared:
        desc = "; ".join(f"actor {a} in {' and '.join(p)}" for a, p in shared.items())
        raise DataError(f"speaker leakage: {desc}. Expected each actor in exactly one part")
    if {"corpus", "speaker"} <= set(split_df.columns):
        keys = [split_df["corpus"].astype(str), split_df["speaker"].astype(str)]
        parts_of = split_df.groupby(keys)["part"].agg(lambda s: sorted(set(s)))
        shared_s = {k: p for k, p in parts_of.items() if len(p) > 1}
        if shared_s:
            desc = "; ".join(f"speaker {s!r} of {c} in {' and '.join(p)}" for (c, s), p in shared_s.items())
            raise DataError(f"speaker leakage: {desc}. Expected each speaker in exactly one part")


def actors_by_part(split_df: pd.DataFrame) -> dict[str, list[int]]:
    """The sorted actors of each part: ``{"train": [...], "val": [...], "test": [...]}``."""
    _require_columns(split_df, ["actor", "part"])
    return {
        p: sorted(int(a) for a in set(split_df.loc[split_df["part"] == p, "actor"]))
        for p in PARTS
    }
