"""The account of a scan: per corpus, files in, files used, files skipped per reason.

Every file found under a data folder is either used or skipped with a reason (the scan,
:func:`ser_utils.data.corpus.scan`, guarantees that); this module counts them per corpus,
so a report can say, for each corpus, ``in == used + skipped`` and which files were left out
and why. Later steps may leave out more files for their own reasons (the cross-corpus
evaluation adds ``not_sampled``, ``emotion_not_shared`` and ``analysis_failed``): they pass
those rows as skipped too, and the account keeps them apart by reason.

A used file's corpus is its manifest row's. A skipped file's corpus is read from its name
when the name is one of a corpus's (a duplicate, a silent or too short file); a file whose
name says nothing (``.DS_Store``, ``Info.txt``, a misspelt name) belongs to the corpus most
of the files with a corpus's name in its folder (or the nearest folder above it that has
some) are from, ties to the first by name, and to ``"unknown"`` when there are none.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..errors import DataError, FilenameError
from .corpora import read_name
from .corpus import SKIP_REASONS

__all__ = ["UNKNOWN_CORPUS", "account", "account_frame", "attribute_corpus", "scan_account", "skipped_table"]

#: The corpus of a skipped file that nothing ties to a corpus.
UNKNOWN_CORPUS = "unknown"


def attribute_corpus(paths: Sequence[str], manifest: pd.DataFrame) -> list[str]:
    """The corpus of each (skipped) file, from its name or from the used files beside it.

    Parameters
    ----------
    paths : sequence of str, shape (n,)
        Files (typically a scan's ``skipped["path"]``).
    manifest : pd.DataFrame
        The used files: ``path`` and, when present, ``corpus`` (without it every file is
        ``"ravdess"``, the manifest's only corpus before the column existed).

    Returns
    -------
    list of str, shape (n,)
        A corpus name per path (see the module docstring), or :data:`UNKNOWN_CORPUS`.
        The neighbours counted are the used files and the given files with a corpus's name.
    """
    if "path" not in manifest.columns:
        raise DataError(f"attribute_corpus needs a manifest with a path column; got {list(manifest.columns)}")
    corpora = manifest["corpus"].astype(str) if "corpus" in manifest.columns else ["ravdess"] * len(manifest)
    named: list[str | None] = []
    for p in paths:
        try:
            named.append(str(read_name(str(p))["corpus"]))
        except FilenameError:
            named.append(None)
    below: dict[str, Counter] = {}
    known = list(zip(manifest["path"].astype(str), corpora))
    known += [(str(p), c) for p, c in zip(paths, named) if c is not None]
    for p, c in known:
        d = os.path.dirname(os.path.abspath(p))
        while True:
            below.setdefault(d, Counter())[c] += 1
            up = os.path.dirname(d)
            if up == d:
                break
            d = up
    out = []
    for p, c in zip(paths, named):
        if c is not None:
            out.append(c)
            continue
        d = os.path.dirname(os.path.abspath(str(p)))
        while d not in below and os.path.dirname(d) != d:
            d = os.path.dirname(d)
        counts = below.get(d)
        out.append(min(counts, key=lambda k: (-counts[k], k)) if counts else UNKNOWN_CORPUS)
    return out


def skipped_table(skipped: pd.DataFrame, manifest: pd.DataFrame) -> pd.DataFrame:
    """The skipped files with the corpus each belongs to.

    Parameters
    ----------
    skipped : pd.DataFrame, shape (n, ...)
        ``path``, ``reason``, ``detail`` (a scan's ``skipped``, maybe with later steps' rows);
        a ``corpus`` column, when present, is kept as it is.
    manifest : pd.DataFrame
        The used files (``path``, ``corpus``): where a skipped file's corpus is looked up.

    Returns
    -------
    pd.DataFrame, shape (n, 4)
        ``corpus, path, reason, detail``, sorted by corpus, then path.
    """
    missing = {"path", "reason"} - set(skipped.columns)
    if missing:
        raise DataError(f"skipped_table needs columns path and reason; missing {sorted(missing)}")
    df = skipped.copy()
    if "detail" not in df.columns:
        df["detail"] = ""
    if "corpus" not in df.columns:
        df["corpus"] = attribute_corpus(list(df["path"]), manifest)
    df = df[["corpus", "path", "reason", "detail"]].astype(str)
    return df.sort_values(["corpus", "path"], kind="stable").reset_index(drop=True)


def _reason_order(reasons: Sequence[str], extra: Sequence[str]) -> list[str]:
    order = list(SKIP_REASONS) + [r for r in extra if r not in SKIP_REASONS]
    return order + sorted(set(reasons) - set(order))


def _counts(reasons: Sequence[str], order: Sequence[str]) -> dict[str, int]:
    c = Counter(reasons)
    return {r: int(c[r]) for r in order if c.get(r)}


def account(
    used: pd.DataFrame, skipped: pd.DataFrame, *, extra_reasons: Sequence[str] = ()
) -> dict[str, Any]:
    """Files in, used and skipped per reason, in total and per corpus (JSON-able).

    Parameters
    ----------
    used : pd.DataFrame, shape (n_used, ...)
        The files used: ``path`` and ``corpus`` (without ``corpus``: all ``"ravdess"``).
    skipped : pd.DataFrame, shape (n_skipped, ...)
        The files left out: ``path``, ``reason`` and ``corpus`` (:func:`skipped_table`
        adds it).
    extra_reasons : sequence of str
        Reasons beyond :data:`~ser_utils.data.corpus.SKIP_REASONS`, in report order.

    Returns
    -------
    dict
        ``n_in``, ``n_used``, ``n_skipped``, ``skipped_by_reason`` (only reasons that
        occur, in report order) and ``per_corpus``: corpus -> the same four keys. For the
        whole and for each corpus ``n_in == n_used + n_skipped``.

    Raises
    ------
    DataError
        A file is both used and skipped, or a column is missing.
    """
    if "path" not in used.columns or not {"path", "reason", "corpus"} <= set(skipped.columns):
        raise DataError("account needs used files (path, corpus) and skipped files (path, reason, corpus)")
    both = set(used["path"].astype(str)) & set(skipped["path"].astype(str))
    if both:
        raise DataError(f"{len(both)} files are both used and skipped, e.g. {sorted(both)[0]}")
    used_corpus = list(used["corpus"].astype(str)) if "corpus" in used.columns else ["ravdess"] * len(used)
    reasons = list(skipped["reason"].astype(str))
    skip_corpus = list(skipped["corpus"].astype(str))
    order = _reason_order(reasons, extra_reasons)

    def one(n_used: int, why: list[str]) -> dict[str, Any]:
        return {"n_in": n_used + len(why), "n_used": n_used, "n_skipped": len(why),
                "skipped_by_reason": _counts(why, order)}

    n_used = Counter(used_corpus)
    per = {
        c: one(int(n_used.get(c, 0)), [r for r, k in zip(reasons, skip_corpus) if k == c])
        for c in sorted(set(used_corpus) | set(skip_corpus))
    }
    return {**one(len(used), reasons), "per_corpus": per}


def scan_account(manifest: pd.DataFrame, skipped: pd.DataFrame) -> dict[str, Any]:
    """The :func:`account` of a scan's two tables (its ``manifest`` and ``skipped``).

    Parameters
    ----------
    manifest : pd.DataFrame, shape (n_used, ...)
        ``path`` and ``corpus`` of each used file.
    skipped : pd.DataFrame, shape (n_skipped, ...)
        ``path``, ``reason``, ``detail`` of each skipped file.

    Returns
    -------
    dict
        As :func:`account`; each skipped file counted with its corpus (:func:`attribute_corpus`).
    """
    return account(manifest, skipped_table(skipped, manifest))


def account_frame(acc: Mapping[str, Any] | Sequence[tuple[str, Mapping[str, Any]]]) -> pd.DataFrame:
    """One row per corpus: ``files in``, ``used``, ``skipped``, then ``skipped: <reason>``.

    Parameters
    ----------
    acc : dict or sequence of (str, dict)
        An :func:`account` (its ``per_corpus`` rows and a ``total`` row when it has more
        than one corpus), or ``(label, account-like dict)`` pairs (one row each).

    Returns
    -------
    pd.DataFrame
        Indexed by corpus (or label); reason columns in report order, 0 where none.
    """
    if isinstance(acc, Mapping):
        per = acc.get("per_corpus") or {}
        rows = list(per.items()) + ([("total", acc)] if len(per) != 1 else [])
    else:
        rows = list(acc)
    reasons: list[str] = []
    for _, a in rows:
        reasons += [r for r in a.get("skipped_by_reason", {}) if r not in reasons]
    order = [r for r in _reason_order(reasons, reasons) if r in reasons]
    table = [
        {"": label, "files in": int(a["n_in"]), "used": int(a["n_used"]), "skipped": int(a["n_skipped"]),
         **{f"skipped: {r}": int(a.get("skipped_by_reason", {}).get(r, 0)) for r in order}}
        for label, a in rows
    ]
    cols = ["", "files in", "used", "skipped", *(f"skipped: {r}" for r in order)]
    return pd.DataFrame(table, columns=cols).set_index("")
