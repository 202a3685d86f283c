"""The front page ``reports/index.html`` and the single-file ``reports/report.html``.

Both come from Jinja2 templates under ``templates/`` with autoescaping on (every value
from a run is escaped; only HTML this module builds itself is marked safe). The front page
answers, in one screen, how good the model is (the headline scores of each prediction
mode as large numbers; with several corpora in the test part, each corpus's UAR in the two
modes side by side), on what (the protocol in one sentence) and where it fails (the
confusion matrix, the recall per emotion, the comparison with its parts and a baseline,
other corpora when the run scored them), with the run's duration and machine and a link
to each notebook's reader and full version; the parameters, data and versions are folded
below. ``report.html`` is the same summary, a table of contents, then every notebook's
reader version.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import config
from ..evaluation.metrics import corpus_name
from ..files import write_text
from . import render

__all__ = ["summary_context", "summary_html", "write_index", "write_report"]

_HEADLINE = (("accuracy", "Accuracy"), ("uar", "UAR (unweighted average recall)"), ("macro_f1", "Macro-F1"))
_MODE_LABELS = {"per_speaker": "Per speaker", "single_clip": "Single clip"}
_TITLE = "Speech emotion recognition on RAVDESS"


def _env() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(render.TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(pct=_pct, score=_fmt_metric, md=_md, value=_fmt)
    return env


def _render(template: str, **context: Any) -> str:
    return _env().get_template(template).render(**context)


# --- formatting ------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _pct(value: Any) -> str:
    return f"{100 * value:.1f} %" if isinstance(value, (int, float)) and not isinstance(value, bool) else "n/a"


def _fmt_metric(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.3f} ({100 * value:.1f} %)"
    return "n/a" if value is None else str(value)


def _md(text: Any) -> Any:
    """Escape, then turn markdown ``**bold**`` and ``*italic*`` into HTML (the protocol text)."""
    from markupsafe import Markup, escape

    safe = str(escape(str(text or "")))
    safe = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", safe)
    return Markup(re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", r"<i>\1</i>", safe))


def _sentence(text: Any) -> str:
    text = str(text or "").strip()
    return text if not text or text.endswith(".") else text + "."


def _actors(values: Any) -> str:
    if not isinstance(values, (list, tuple)) or not values:
        return "none"
    return ", ".join(f"{int(a):02d}" for a in values)


# --- the parts of the summary ------------------------------------------------------------------


def _modes(metrics: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """The headline scores per prediction mode, and a note when the run reports only one."""
    modes = metrics.get("prediction_modes")
    out = []
    if isinstance(modes, Mapping):
        for key, m in modes.items():
            if isinstance(m, Mapping):
                out.append({"key": key, "label": _MODE_LABELS.get(key, str(key).replace("_", " ").capitalize()),
                            "uar": m.get("uar"), "accuracy": m.get("accuracy"), "macro_f1": m.get("macro_f1"),
                            "n": m.get("n"), "description": m.get("description")})
    if out:
        return out, None
    single = {"key": "headline", "label": "On the test files", "uar": metrics.get("uar"),
              "accuracy": metrics.get("accuracy"), "macro_f1": metrics.get("macro_f1"), "n": metrics.get("n_test"),
              "description": "one prediction per recording"}
    return [single], ("This run reports one prediction mode (metrics.json has no prediction_modes): "
                      "each recording is predicted on its own.")


def _corpus_names(metrics: Mapping[str, Any]) -> list[str]:
    """The corpora of the run's files (``metrics["corpora"]``), as readers know them; empty for one corpus."""
    corpora = metrics.get("corpora")
    if not isinstance(corpora, Mapping) or len(corpora) < 2:
        return []
    return [corpus_name(c) for c in corpora]


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _per_corpus(metrics: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """The per-corpus scores of each prediction mode, side by side: the modes' labels and one row per corpus.

    Empty when the test part holds one corpus (or the run reports no ``per_corpus``).
    """
    modes = metrics.get("prediction_modes")
    if not isinstance(modes, Mapping):
        return [], []
    tables = {k: m["per_corpus"] for k, m in modes.items() if isinstance(m, Mapping)
              and isinstance(m.get("per_corpus"), Mapping)}
    corpora = sorted({c for t in tables.values() for c in t})
    if len(corpora) < 2:
        return [], []
    labels = [_MODE_LABELS.get(k, str(k).replace("_", " ").capitalize()) for k in tables]
    rows = []
    for c in corpora:
        first = next(t[c] for t in tables.values() if c in t)
        rows.append({
            "corpus": corpus_name(c), "n": first.get("n"), "classes": len(first.get("classes") or []),
            "chance": first.get("chance_uar"),
            "scores": [(t.get(c) or {}).get("uar") for t in tables.values()],
            "accuracy": [(t.get(c) or {}).get("accuracy") for t in tables.values()],
        })
    return labels, rows


def protocol_sentence(metrics: Mapping[str, Any], *, synthetic: bool) -> str:
    """The protocol in one sentence: how many test files, whose voices, trained on what."""
    names = _corpus_names(metrics)
    data = "the synthetic demo corpus (not real speech)" if synthetic else (_and(names) if names else "RAVDESS")
    n_test, n_train = metrics.get("n_test", "?"), metrics.get("n_train", "?")
    if names and metrics.get("split") != "random":
        spk = metrics.get("speakers_by_corpus") or {}

        def who(part: str, key: str) -> str:
            counts = spk.get(part) if isinstance(spk, Mapping) else None
            if isinstance(counts, Mapping) and counts:
                return (f"{sum(int(n) for n in counts.values())} speakers ("
                        + ", ".join(f"{corpus_name(c)} {int(n)}" for c, n in counts.items()) + ")")
            return f"{len(metrics.get(key) or [])} speakers"

        val = metrics.get("val_actors")
        return (f"Tested on {n_test} recordings of {data} by {who('test', 'test_actors')}, whom the model never "
                f"heard: it learned from {n_train} recordings of {who('train', 'train_actors')}"
                + (f" (validation: {who('val', 'val_actors')})" if val else "") + ".")
    if metrics.get("split") == "random":
        return (f"Tested on {n_test} recordings of {data} drawn at random from the same actors as the "
                f"{n_train} training recordings, so the model has heard these voices before "
                "and the scores overstate what it does on new speakers.")
    val = metrics.get("val_actors")
    return (f"Tested on {n_test} recordings of {data} by actors {_actors(metrics.get('test_actors'))}, "
            f"whom the model never heard: it learned from {n_train} recordings of actors "
            f"{_actors(metrics.get('train_actors'))}" + (f" (validation: actors {_actors(val)})" if val else "") + ".")


def _model_text(metrics: Mapping[str, Any]) -> str | None:
    model = metrics.get("model")
    if not model:
        return None
    modes = metrics.get("prediction_modes_weights")
    if isinstance(modes, Mapping) and modes:
        parts = "; ".join(
            f"{mode.replace('_', ' ')}: " + ", ".join(f"{k} {float(v):g}" for k, v in w.items())
            for mode, w in modes.items() if isinstance(w, Mapping)
        )
        return f"{model}: fused probabilities, weights chosen on the validation actors ({parts})"
    w = metrics.get("fusion_weight")
    if isinstance(w, (int, float)) and w > 0:
        return f"{model}: probabilities of the CRNN and the classic model, weighted {1 - float(w):g} / {float(w):g}"
    return str(model)


def _parameter_rows(
    cfg: Mapping[str, Any], data: Mapping[str, Any], overrides: Mapping[str, Any]
) -> list[dict[str, Any]]:
    profile = cfg.get("profile", "?")
    rows = []
    for name, spec in config.PARAMS.items():
        if name in overrides:
            source = "-p"
        elif name == "data_dir":
            source = data.get("data_dir_source", "found")
        elif name in config.PROFILES.get(profile, {}):
            source = f"profile {profile}"
        else:
            source = "default"
        rows.append({"section": spec.section, "name": name, "value": _fmt(cfg.get(name)), "source": source,
                     "help": spec.help, "override": name in overrides})
    return rows


def _when(date: Any) -> str:
    """An ISO 8601 time as ``2026-12-01 20:06 (UTC+01:00)``; anything else as it is."""
    import datetime as dt

    try:
        t = dt.datetime.fromisoformat(str(date))
    except ValueError:
        return str(date or "")
    return t.strftime("%Y-%m-%d %H:%M") + (f" (UTC{t.strftime('%z')[:3]}:{t.strftime('%z')[3:]})" if t.tzinfo else "")


def _machine_text(info: Mapping[str, Any]) -> str:
    m = info.get("machine") or {}
    return ", ".join(str(x) for x in (m.get("platform"), m.get("processor"),
                                      f"{m.get('cpu_count', '?')} CPUs", f"Python {m.get('python', '?')}") if x)


def _run_facts(runs: Sequence[Any], info: Mapping[str, Any]) -> dict[str, Any]:
    total = sum(r.seconds or 0 for r in runs)
    commit = info.get("git_commit", "unknown")
    if info.get("git_dirty"):
        commit = f"{commit} (with uncommitted changes)"
    minutes = f"{total / 60:.1f} min" if total >= 90 else f"{total:.0f} s"
    return {"duration": minutes, "seconds": total, "machine": _machine_text(info), "date": _when(info.get("date")),
            "commit": commit, "versions": [(k, v if v is not None else "not installed")
                                           for k, v in (info.get("versions") or {}).items()]}


def _notebook_rows(runs: Sequence[Any], link: Callable[[Any], tuple[str | None, str | None]]) -> list[dict[str, Any]]:
    rows = []
    for r in runs:
        reader, full = link(r)
        rows.append({"name": r.name, "title": r.title or r.name, "status": r.status, "error": r.error,
                     "seconds": r.seconds, "reader": reader, "full": full})
    return rows


def summary_context(
    *,
    runs: Sequence[Any],
    cfg: Mapping[str, Any],
    data: Mapping[str, Any],
    metrics: Mapping[str, Any] | None,
    info: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    figures: Sequence[Mapping[str, str]] = (),
    link: Callable[[Any], tuple[str | None, str | None]] = lambda r: (None, None),
) -> dict[str, Any]:
    """Everything the summary templates show, as plain values (escaped when rendered).

    Parameters
    ----------
    runs : sequence of NotebookRun
    cfg : mapping
        The resolved configuration.
    data : mapping
        ``roots``, ``synthetic``, and when known ``n_files``, ``n_skipped``,
        ``fingerprint`` (notebook 01's ``dataset.json``).
    metrics : mapping or None
        Notebook 05's ``metrics.json`` (None when it did not run).
    info : mapping
        :func:`ser_utils.reporting.runinfo.run_info`.
    overrides : mapping, optional
        The ``-p`` overrides (highlighted in the parameter table).
    figures : sequence of dict
        :func:`ser_utils.reporting.figures.front_page_figures`.
    link : callable
        A notebook run -> the hrefs of its reader and full versions (None: no link).
    """
    overrides = overrides or {}
    failed = next((r for r in runs if r.status == "failed"), None)
    synthetic = bool(data.get("synthetic"))
    ctx: dict[str, Any] = {
        "title": _TITLE, "synthetic": synthetic, "metrics": None, "figures": list(figures),
        "failed": None if failed is None else {"name": failed.name, "error": failed.error, "href": link(failed)[0]},
        "notebooks": _notebook_rows(runs, link), "run": _run_facts(runs, info), "profile": cfg.get("profile", "?"),
        "parameters": _parameter_rows(cfg, data, overrides), "chance": 1 / len(config.EMOTIONS),
        "n_emotions": len(config.EMOTIONS),
        "data": _data_rows(data), "has_cross_corpus": False, "cross_corpus_files": [],
        "corpus_modes": [], "corpus_rows": [],
    }
    if metrics and _corpus_names(metrics):
        ctx["title"] = f"Speech emotion recognition on {_and(_corpus_names(metrics))}"
    if metrics:
        modes, note = _modes(metrics)
        rows = [("the bundle", *(metrics.get(k) for k, _ in _HEADLINE))]
        rows += [(name, *(v.get(k) for k, _ in _HEADLINE)) for name, v in (metrics.get("baselines") or {}).items()
                 if isinstance(v, Mapping)]
        corpus_modes, corpus_rows = _per_corpus(metrics)
        ctx.update(
            metrics=metrics,
            modes=modes,
            corpus_modes=corpus_modes,
            corpus_rows=corpus_rows,
            modes_note=note,
            model=_model_text(metrics),
            protocol=protocol_sentence(metrics, synthetic=synthetic),
            protocol_full=_sentence(metrics.get("protocol")),
            scores=rows,
            score_labels=[label for _, label in _HEADLINE],
            has_cross_corpus=isinstance(metrics.get("cross_corpus"), Mapping) and bool(metrics["cross_corpus"]),
            cross_corpus_files=_cross_corpus_files(metrics.get("cross_corpus")),
            fallbacks=[str(f) for f in metrics.get("fallbacks") or []],
        )
    return ctx


def _cross_corpus_files(cross: Any) -> list[dict[str, Any]]:
    """Per other corpus: files in, used, skipped and why (its ``files`` account), for the front page."""
    rows = []
    for name, entry in (cross.items() if isinstance(cross, Mapping) else ()):
        files = entry.get("files") if isinstance(entry, Mapping) else None
        if not isinstance(files, Mapping):
            continue
        reasons = files.get("skipped_by_reason") or {}
        why = ", ".join(f"{n} {str(r).replace('_', ' ')}" for r, n in reasons.items()) if reasons else "none"
        listed = [f"{f.get('path')} ({str(f.get('reason')).replace('_', ' ')})"
                  for f in files.get("skipped_files") or [] if isinstance(f, Mapping)]
        rows.append({"corpus": name, "folder": files.get("folder", ""), "n_in": files.get("n_in"),
                     "n_used": files.get("n_used"), "n_skipped": files.get("n_skipped"), "why": why,
                     "listed": listed[:10], "more": max(0, len(listed) - 10) + int(files.get("n_not_listed") or 0)})
    return rows


def _data_rows(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    roots = data.get("roots") or data.get("data_dir")
    return [
        ("folder(s)", ", ".join(map(str, roots)) if isinstance(roots, list) else roots),
        ("synthetic", "yes (demo corpus)" if data.get("synthetic") else "no (RAVDESS)"),
        ("files used", data.get("n_files", "n/a")),
        ("files skipped", data.get("n_skipped", "n/a")),
        ("fingerprint", data.get("fingerprint", "n/a")),
    ]


def summary_html(**kw: Any) -> str:
    """The run summary as an HTML fragment (the front page's content); arguments as :func:`summary_context`."""
    return _render("summary.html.j2", **summary_context(**kw))


# --- the two pages -----------------------------------------------------------------------------


def write_index(
    reports_dir: str | os.PathLike,
    *,
    runs: Sequence[Any],
    cfg: Mapping[str, Any],
    data: Mapping[str, Any],
    metrics: Mapping[str, Any] | None,
    info: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    figures: Sequence[Mapping[str, str]] = (),
    max_bytes: int = render.MAX_REPORT_BYTES,
) -> Path:
    """Write ``reports_dir/index.html``, the front page: one offline file, no script, images inline.

    Links each notebook's reader version (``NN_name.html``) and full version
    (``NN_name.full.html``) when they exist, and ``report.html`` and ``metrics.json``.
    Returns its path.
    """
    reports = Path(reports_dir)

    def link(r: Any) -> tuple[str | None, str | None]:
        return tuple(p.name if p is not None and Path(p).exists() else None for p in (r.html, r.full_html))  # type: ignore[return-value]

    files = [name for name in ("report.html", "metrics.json") if (reports / name).exists()]
    ctx = summary_context(runs=runs, cfg=cfg, data=data, metrics=metrics, info=info, overrides=overrides,
                          figures=figures, link=link)
    body = _render("index.html.j2", files=files, **ctx)
    path = write_text(reports / "index.html", body)
    render.check_written(path, body, max_bytes=max_bytes)
    return path


_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _plain(md: str) -> str:
    """Markdown heading text without markup (for the table of contents)."""
    md = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", md)
    md = re.sub(r"<[^>]+>", "", md)
    return re.sub(r"[*_`]", "", md).strip()


def _anchor_headings(source: str, prefix: str, counter: list[int], toc: list[tuple[int, str, str]]) -> str:
    """Put ``<div id=...>`` before each ATX heading of a markdown cell; record it in ``toc``."""
    out, fenced = [], False
    for line in source.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        m = None if fenced else _HEADING.match(line)
        if m:
            counter[0] += 1
            anchor = f"{prefix}-h{counter[0]}"
            toc.append((len(m.group(1)), anchor, _plain(m.group(2))))
            out += ["", f'<div id="{anchor}"></div>', "", line]
        else:
            out.append(line)
    return "\n".join(out)


def _raw_html(source: str) -> Any:
    import nbformat

    return nbformat.v4.new_raw_cell(source, metadata={"raw_mimetype": "text/html", "ser_report_html": True})


def _merged_cells(runs: Sequence[Any], toc: list[tuple[int, str, str]]) -> tuple[list[Any], dict[str, Any]]:
    """Every executed notebook's cells, an anchored separator before each; fills ``toc``."""
    import nbformat

    present = [r for r in runs if r.executed.is_file()]
    cells: list[Any] = []
    nb_meta: dict[str, Any] = {}
    for k, r in enumerate(present, 1):
        nb = render.sanitize_notebook(nbformat.read(r.executed, as_version=4))
        nb_meta = nb_meta or {key: nb.metadata[key] for key in ("kernelspec", "language_info") if key in nb.metadata}
        anchor = f"nb-{r.name}"
        toc.append((0, anchor, f"{r.name} ({r.status}{f', {r.seconds:.1f} s' if r.seconds is not None else ''})"))
        cells.append(_raw_html(_render("separator.html.j2", anchor=anchor, k=k, n=len(runs), run=r)))
        counter = [0]
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _anchor_headings(cell.source, anchor, counter, toc)
            cells.append(cell)
    return cells, nb_meta


def write_report(
    reports_dir: str | os.PathLike,
    *,
    runs: Sequence[Any],
    cfg: Mapping[str, Any],
    data: Mapping[str, Any],
    metrics: Mapping[str, Any] | None,
    info: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    figures: Sequence[Mapping[str, str]] = (),
    resources_dir: str | os.PathLike | None = None,
    max_bytes: int = render.MAX_REPORT_BYTES,
    toc_depth: int = 3,
) -> Path:
    """Write ``reports_dir/report.html``: the summary, a table of contents, then every notebook.

    The executed notebooks are merged into one notebook (a raw HTML summary and contents
    cell first, an anchored separator before each notebook, an anchor before each markdown
    heading) and exported as the reader version (code hidden) like
    :func:`ser_utils.reporting.render.render_html`, so the file is self-contained and
    readable offline.

    Returns
    -------
    Path
        The report's path.
    """
    import nbformat

    toc: list[tuple[int, str, str]] = []
    cells, nb_meta = _merged_cells(runs, toc)
    present = {r.name for r in runs if r.executed.is_file()}

    def link(r: Any) -> tuple[str | None, str | None]:
        full = r.full_html.name if r.full_html is not None and Path(r.full_html).exists() else None
        return (f"#nb-{r.name}" if r.name in present else None), full

    ctx = summary_context(runs=runs, cfg=cfg, data=data, metrics=metrics, info=info, overrides=overrides,
                          figures=figures, link=link)
    contents = [(level, anchor, text) for level, anchor, text in toc if level <= toc_depth]
    head = _render("report_head.html.j2", contents=contents, **ctx)
    merged = nbformat.v4.new_notebook(metadata=nb_meta)
    merged.cells = [_raw_html(head), *cells]
    for i, cell in enumerate(merged.cells):
        cell["id"] = f"c{i}"
    return render.export_notebook(merged, Path(reports_dir) / "report.html", title="SER run report", code=False,
                                  nav={"front page": "index.html"}, resources_dir=resources_dir, max_bytes=max_bytes)
