"""Notebook 03, split, augmentation and balancing: the leak-free datasets."""

from __future__ import annotations

from .run import Run

__all__ = ["prepare", "load_prepared"]


def prepare(run: Run, fs):
    """Split, fix the length, augment, normalise and balance (training part only), and save."""
    from ..prep import prepare as prep

    p = prep.prepare_datasets(fs, run.cfg, cache_dir=run.cache_dir, progress=True)
    for note in p.settings["split"].get("notes", []):  # several corpora: one too small for a fold or validation
        print(f"split: {note}")
    folder = run.path("datasets").parent
    prep.save_prepared(p, folder)
    return p


def load_prepared(run: Run):
    """The datasets notebook 03 saved."""
    from ..prep import prepare as prep

    run.path("datasets", must_exist=True)
    return prep.load_prepared(run.path("datasets").parent)
