"""The reports in a real browser (headless Chromium): they fit a phone, every figure shows, nothing is fetched.

:func:`check_pages` is the check; ``tests/test_series.py`` runs it on the pages of its demo
run (the front page, each notebook's reader and full version, ``report.html``). Here it runs
on a front page made from made-up scores, so the fast suite checks the layout too.
"""

from __future__ import annotations

from pathlib import Path

from ser_utils import config
from ser_utils.reporting import execute, figures, runinfo, summary

#: The widths every page is checked at: a desktop and a phone.
WIDTHS = (1300, 400)


def check_pages(browser, reports: Path, names: list[str], shots: Path) -> dict[str, dict[int, int]]:
    """Open each page at each of :data:`WIDTHS`, every ``<details>`` open; fail on a sideways scroll or a broken image.

    A figure fails when it does not load (``naturalWidth`` 0) or is shown narrower than
    200 px (or its own width, when smaller) or lower than 50 px.

    Saves a full-page screenshot ``shots/<page>-<width>.png`` of each, and fails when a page
    asks for anything but local files and inline images.

    Returns
    -------
    dict
        Page name -> width -> number of images shown.
    """
    shots.mkdir(parents=True, exist_ok=True)
    images: dict[str, dict[int, int]] = {}
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 900})
        fetched: list[str] = []
        page.on("request", lambda req, fetched=fetched: fetched.append(req.url))
        for name in names:
            page.goto((reports / name).resolve().as_uri(), wait_until="load")
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            wide = page.evaluate(
                f"[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > {width} + 1"
                " && !e.closest('.ser-scroll, .jp-OutputArea-output, table')).slice(0, 3)"
                ".map(e => e.tagName + '.' + e.className)"
            )
            assert scroll <= width, f"{name} scrolls sideways at {width} px (it is {scroll} px wide: {wide})"
            broken = page.evaluate(
                "[...document.images].filter(i => !(i.complete && i.naturalWidth > 0))"
                ".map(i => i.alt || i.src.slice(0, 60))"
            )
            assert not broken, f"{name} at {width} px: figure(s) missing or broken: {broken}"
            # shown, and at a size one can read: not squeezed to nothing by the layout
            squeezed = page.evaluate(
                "[...document.images].filter(i => i.clientWidth < Math.min(i.naturalWidth, 200) || i.clientHeight < 50)"
                ".map(i => [i.alt || i.src.slice(0, 40), i.clientWidth, i.clientHeight])"
            )
            assert not squeezed, f"{name} at {width} px: figure(s) shown too small: {squeezed}"
            images.setdefault(name, {})[width] = page.evaluate("document.images.length")
            page.screenshot(path=str(shots / f"{Path(name).stem}-{width}.png"), full_page=True)
        page.close()
        remote = [u for u in fetched if not u.startswith(("file:", "data:"))]
        assert not remote, f"the pages fetched {remote[:3]}"
    return images


def test_front_page_fits_a_phone_with_every_figure(browser, tmp_path):
    import pandas as pd

    per_class = {e: {"recall": 0.3 + 0.08 * i, "support": 20} for i, e in enumerate(config.EMOTIONS)}
    modes = {m: {"accuracy": 0.5, "uar": 0.45, "macro_f1": 0.44, "n": 160, "description": f"the {m} mode, described"}
             for m in ("per_speaker", "single_clip")}
    cross = {"crema-d": {"n_files": 300, "classes": ["neutral", "happy", "sad", "angry", "fearful", "disgust"],
                         "chance_uar": 1 / 6, "single_clip": {"uar": 0.3, "accuracy": 0.3},
                         "per_speaker": {"uar": 0.35, "accuracy": 0.35}, "n_speakers": 20}}
    metrics = {"accuracy": 0.5, "uar": 0.45, "macro_f1": 0.44, "per_class": per_class, "split": "speaker",
               "train_actors": list(range(1, 17)), "val_actors": [17, 18], "test_actors": [19, 20, 21, 22, 23, 24],
               "n_train": 960, "n_test": 160, "model": "crnn + svm", "fusion_weight": 0.4,
               "protocol": "A long protocol " * 30, "prediction_modes": modes, "cross_corpus": cross,
               "baselines": {"SVM on pooled features (per-speaker standardised) alone": {"accuracy": 0.4, "uar": 0.4,
                                                                                          "macro_f1": 0.4},
                             "majority class": {"accuracy": 0.125, "uar": 0.125, "macro_f1": 0.03}}}
    preds = pd.DataFrame({"true": list(config.EMOTIONS) * 3, "predicted": list(config.EMOTIONS)[::-1] * 3})
    runs = [
        execute.NotebookRun(
            name=f"0{i}_notebook_with_a_rather_long_name",
            source=tmp_path / "x",
            executed=tmp_path / "x",
            status="ok",
            seconds=12.5,
            title=f"{i} · A notebook title long enough to wrap on a phone",
        )
        for i in range(1, 7)
    ]
    cfg = dict(config.resolve("demo"), data_dir="/a/very/long/folder/name/without/any/break/" * 4)
    summary.write_index(
        tmp_path,
        runs=runs,
        cfg=cfg,
        data={"roots": [cfg["data_dir"]], "synthetic": True},
        metrics=metrics,
        info=runinfo.run_info(),
        figures=figures.front_page_figures(metrics, predictions=preds),
    )
    shown = check_pages(browser, tmp_path, ["index.html"], tmp_path / "screenshots")
    assert shown["index.html"] == {1300: 4, 400: 4}  # confusion, recall, comparison, other corpora
    assert (tmp_path / "screenshots" / "index-400.png").stat().st_size > 10_000
