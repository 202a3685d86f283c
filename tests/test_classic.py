"""ser_utils.models.classic and the bundle's classic part: fitting, pickle-free storage, fusion, no leakage."""

from __future__ import annotations

import json
import math
import zipfile

import numpy as np
import pytest

from ser_utils import config
from ser_utils.errors import DataError, ModelError
from ser_utils.models import classic
from ser_utils.prep import normalise

N_CLASSES = len(config.EMOTIONS)


def _data(n_per_class: int = 12, d: int = 20, classes=range(4), seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, size=(N_CLASSES, d))
    y = np.repeat(np.asarray(list(classes)), n_per_class)
    P = centres[y] + rng.normal(0, 1, size=(y.size, d))
    return P, y


@pytest.mark.parametrize("kind", classic.KINDS)
def test_fit_learns_and_gives_probabilities_over_all_labels(kind):
    P, y = _data()
    Pt, yt = _data(seed=0)  # same centres: a learnable task
    model = classic.fit(P, y, kind=kind, seed=1)
    pr = classic.probabilities(model, Pt, n_classes=N_CLASSES)
    assert pr.shape == (len(yt), N_CLASSES)
    np.testing.assert_allclose(pr.sum(axis=1), 1.0, rtol=1e-6)
    assert np.all(pr[:, 4:] == 0)  # classes never seen get probability 0
    assert (pr.argmax(axis=1) == yt).mean() > 0.9
    scaler = model.named_steps["scale"]  # statistics of the training vectors, and only those
    np.testing.assert_allclose(scaler.mean_, P.mean(axis=0))
    assert scaler.n_samples_seen_ == len(P)


def test_fit_rejects_bad_input_clearly():
    P, y = _data()
    with pytest.raises(ModelError, match="kind"):
        classic.fit(P, y, kind="forest")
    with pytest.raises(ModelError, match="C_svm"):
        classic.fit(P, y, C_svm=0)
    with pytest.raises(DataError, match="shape"):
        classic.fit(P, y[:-1])
    with pytest.raises(DataError, match="NaN"):
        classic.fit(np.where(P > 2, np.nan, P), y)
    with pytest.raises(DataError, match="two classes"):
        classic.fit(P[:5], np.zeros(5, int))
    with pytest.raises(DataError, match="two training files"):
        classic.fit(P[:13], y[:13], kind="svm")  # class 1 has a single file
    model = classic.fit(P, y, kind="logreg")
    with pytest.raises(DataError, match="20 pooled features"):
        classic.probabilities(model, P[:, :5], n_classes=N_CLASSES)


def test_save_load_round_trip_without_pickle(tmp_path):
    P, y = _data()
    model = classic.fit(P, y, kind="svm+logreg")
    path = classic.save(model, tmp_path / "c.skops")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        schema = json.loads(z.read("schema.json"))
    assert all(n.endswith((".npy", ".json")) for n in names)  # arrays and JSON, no pickle stream
    assert schema["__class__"] == "Pipeline"
    back = classic.load(path)
    # support vectors are stored as float32 (half the size): the probabilities move by ~1e-8
    np.testing.assert_allclose(back.predict_proba(P), model.predict_proba(P), atol=1e-6)
    svms = classic._svms(back)
    assert svms and all(m.support_vectors_.dtype == np.float64 for m in svms)  # what libsvm needs
    assert all(m.support_vectors_.dtype == np.float64 for m in classic._svms(model))  # the fitted model is untouched


def test_load_refuses_foreign_types_and_reports_bad_files(tmp_path):
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    odd = Pipeline([("f", FunctionTransformer(math.sqrt))])
    sio.dump(odd, tmp_path / "odd.skops")
    with pytest.raises(ModelError, match="outside scikit-learn"):
        classic.load(tmp_path / "odd.skops")
    (tmp_path / "junk.skops").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="junk.skops"):
        classic.load(tmp_path / "junk.skops")
    with pytest.raises(ModelError, match="missing"):
        classic.load(tmp_path / "absent.skops")


def test_apply_pooled_uses_stored_own_or_global_statistics():
    rng = np.random.default_rng(0)
    P = rng.normal(5, 2, size=(8, 3))
    actors = [1, 1, 1, 1, 2, 2, 2, 2]
    stats = normalise.fit_pooled(P, actors)
    assert stats["actors"].tolist() == [1, 2] and stats["mean"].shape == (2, 3)
    new = rng.normal(50, 10, size=(4, 3))
    out = normalise.apply_pooled(new, stats, actors=[1, 9, 9, None])
    np.testing.assert_allclose(out[0], (new[0] - P[:4].mean(0)) / P[:4].std(0))  # stored: actor 1
    own = new[1:3]
    np.testing.assert_allclose(out[1:3], (own - own.mean(0)) / own.std(0))  # unseen actor 9: its own rows
    np.testing.assert_allclose(out[3], (new[3] - P.mean(0)) / P.std(0))  # no actor: global
    # what the classic model is trained on equals per-actor standardisation
    np.testing.assert_allclose(
        normalise.apply_pooled(P, stats, actors=actors), normalise.standardise_per_actor(P, np.array(actors))
    )
    with pytest.raises(Exception, match="entries"):
        normalise.apply_pooled(new, stats, actors=[1])
