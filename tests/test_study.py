"""The Optuna study: training actors only, resumes from its SQLite file, writes the best settings and a plot."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("optuna")

from ser_utils.config import POOL_STATS, resolve  # noqa: E402
from ser_utils.models import study  # noqa: E402


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    actors = np.repeat(np.arange(1, 11), 16)
    y = np.tile(np.arange(8), 20)
    E = np.eye(8)[y] @ rng.normal(size=(8, len(POOL_STATS) * 512)) + rng.normal(
        scale=2.0, size=(len(y), len(POOL_STATS) * 512)
    )
    H = np.eye(8)[y] @ rng.normal(size=(8, 20)) + rng.normal(scale=2.0, size=(len(y), 20))
    return E, H, y, actors


def test_the_study_sees_training_actors_only_resumes_and_writes_settings_a_profile_takes(tmp_path):
    E, H, y, actors = _data()
    data = study.objective_data(E, H, y, actors, test_actors=[9, 10])
    assert not set(data["actors"].tolist()) & {9, 10}
    # move every test vector and label: the study's data does not change
    E2, H2, y2 = E.copy(), H.copy(), y.copy()
    te = np.isin(actors, [9, 10])
    E2[te], H2[te], y2[te] = 0.0, 0.0, (y[te] + 1) % 8
    data2 = study.objective_data(E2, H2, y2, actors, test_actors=[9, 10])
    for k in ("E", "H", "y", "actors"):
        np.testing.assert_array_equal(data[k], data2[k])
    first = study.run_study(data, name="s", folder=tmp_path, trials=3, mode="single_clip")
    assert first["trials"] == 3
    again = study.run_study(data, name="s", folder=tmp_path, trials=5, mode="single_clip")  # resumes: 2 more
    assert again["trials"] == 5
    best = json.loads((tmp_path / "s_best.json").read_text())
    assert best["test_actors_held_out"] == [9, 10] and 0 <= best["best_value_uar"] <= 1
    assert (tmp_path / "s_history.png").stat().st_size > 1000 and (tmp_path / "s.db").is_file()
    cfg = resolve("full", **best["overrides"])  # a profile takes the best settings as they are
    assert cfg["encoder_C"] == best["overrides"]["encoder_C"]
