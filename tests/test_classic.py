"""ser_utils.models.classic and the bundle's classic part: fitting, pickle-free storage, fusion, no leakage."""

from __future__ import annotations

import json
import math
import warnings
import zipfile

import numpy as np
import pytest

from ser_utils import config
from ser_utils.errors import DataError, FallbackWarning, ModelError
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
    model = classic.fit(P, y, kind="logreg")
    with pytest.raises(DataError, match="20 pooled features"):
        classic.probabilities(model, P[:, :5], n_classes=N_CLASSES)


@pytest.mark.parametrize("kind", ["svm", "svm+logreg"])
def test_a_class_with_one_training_file_gets_the_logistic_regression_and_says_so(kind):
    P, y = _data()
    P, y = P[:13], y[:13]  # class 0: 12 files, class 1: one
    with pytest.warns(FallbackWarning, match=r"calm has one \(of 13 files\): the logistic regression alone"):
        model = classic.fit(P, y, kind=kind)
    assert classic.kind_of(model) == "logreg"
    pr = classic.probabilities(model, P, n_classes=N_CLASSES)
    assert pr.shape == (13, N_CLASSES) and np.allclose(pr.sum(axis=1), 1.0)
    assert (pr[:, 1] > 0).all() and np.all(pr[:, 2:] == 0)  # the lone class keeps a probability


def test_a_class_with_two_training_files_calibrates_with_two_folds_and_says_so():
    P, y = _data()
    keep = np.r_[0:12, 12:14, 24:36]  # class 1 has two files
    with pytest.warns(FallbackWarning, match="2 cross-validation folds instead of 5.*calm has 2"):
        model = classic.fit(P[keep], y[keep], kind="svm")
    assert classic.kind_of(model) == "svm"
    assert model.named_steps["clf"].cv == 2
    pr = classic.probabilities(model, P, n_classes=N_CLASSES)
    assert pr.shape == (len(P), N_CLASSES) and np.allclose(pr.sum(axis=1), 1.0) and (pr[:, 1] > 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FallbackWarning)  # 12 files of every class: no fallback
        assert classic.kind_of(classic.fit(P, y, kind="svm+logreg")) == "svm+logreg"


def test_a_single_class_gives_a_constant_model_and_says_so(tmp_path):
    P, y = _data()
    with pytest.warns(FallbackWarning, match="at least two classes, but all 5 are neutral: a constant model"):
        model = classic.fit(P[:5], np.zeros(5, int))
    assert classic.kind_of(model) == "constant"
    pr = classic.probabilities(model, P, n_classes=N_CLASSES)
    assert (pr[:, 0] == 1).all() and (pr[:, 1:] == 0).all()
    back = classic.load(classic.save(model, tmp_path / "c.skops"))  # still saved without pickle
    np.testing.assert_array_equal(classic.probabilities(back, P, n_classes=N_CLASSES), pr)


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


def test_fit_classic_records_what_it_fitted_and_its_fallbacks():
    from types import SimpleNamespace

    import pandas as pd

    from ser_utils.models import recipe

    P, y = _data()
    keep = np.r_[0:12, 12:13, 24:36]  # class 1 ("calm") has one file
    P, y = P[keep], y[keep]
    actors = np.arange(len(y)) % 3 + 1
    prepared = SimpleNamespace(
        split_df=pd.DataFrame({"part": ["train"] * len(y), "actor": actors}),
        meta_val=pd.DataFrame({"actor": np.zeros(0, int)}),
        P_train=P, P_val=P[:0], y_train_pooled=y, y_val=y[:0],
        settings={"normalisation": "per_speaker"}, pooled_names=[f"f{i}" for i in range(P.shape[1])],
    )
    lines: list[str] = []
    cfg = config.resolve("demo", classic_model="svm+logreg")
    model, norm, info = recipe.fit_classic(cfg, prepared, log=lines.append)
    assert info["kind"] == "logreg" and info["kind_asked"] == "svm+logreg"
    assert len(info["fallbacks"]) == 1 and "calm has one" in info["fallbacks"][0]
    assert lines == [f"fallback (classic model): {info['fallbacks'][0]}"]
    json.dumps(info)
    pr = recipe.classic_probabilities(model, norm, P, list(actors))
    assert pr.shape == (len(y), N_CLASSES) and (pr[:, 1] > 0).all()


def test_bundle_settings_name_every_fallback_by_its_step():
    from ser_utils.models import settings as S

    doc = {
        "fallbacks": ["random split: happy has 1"],
        "training": {"fallbacks": ["no validation part"]},
        "classic": {"fallbacks": []},
        "prediction_modes": {"fallbacks": ["equal weights"], "per_speaker": {}},
    }
    assert S.fallbacks(doc) == [
        "data preparation: random split: happy has 1",
        "CRNN training: no validation part",
        "prediction modes: equal weights",
    ]
    assert S.fallbacks({"training": {}}) == []  # a bundle saved before fallbacks were recorded
