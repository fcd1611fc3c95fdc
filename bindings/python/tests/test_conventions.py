"""ristra behaves as a notebook analyst's tools expect: a Model is a fitted
scikit-learn classifier (checked with the real scikit-learn), evaluate
takes scikit-learn's (y_true, y_score), exceptions are the built-in kinds
as well, DataFrames go in and come out of the batch, the namespace is
clean, and the plots render."""
import errno
import os
import warnings

import numpy as np
import pandas as pd
import pytest

import ristra

from conftest import SOURCE

DEMO = SOURCE / "models" / "demo_logistic.json"
OUTCOME = "emergency_admission_next_12m"


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    path = tmp_path_factory.mktemp("pop") / "population.csv"
    ristra.synth(path, patients=4000, practices=4, seed=7)
    return path


@pytest.fixture(scope="module")
def frame(population):
    return pd.read_csv(population, dtype={"nhs_number": str, "practice": str})


@pytest.fixture(scope="module")
def model():
    return ristra.Model.load(DEMO)


# ------------------------------------------------------------ scikit-learn


def test_predict_proba_is_n_by_2_with_classes_0_and_1(model, frame):
    p = model.predict_proba(frame)
    assert p.shape == (len(frame), 2)
    np.testing.assert_array_equal(p[:, 1], model.predict(frame))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert list(model.classes_) == [0, 1]
    assert model.n_features_in_ == model.n_features
    assert list(model.feature_names_in_) == model.feature_names


def test_sklearn_sees_a_fitted_classifier(model):
    from sklearn.base import is_classifier
    from sklearn.utils.validation import check_is_fitted
    assert is_classifier(model)
    check_is_fitted(model)


def test_calibration_and_roc_displays_from_the_estimator(model, frame, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    from sklearn.calibration import CalibrationDisplay, calibration_curve
    from sklearn.metrics import RocCurveDisplay, roc_auc_score
    y = frame[OUTCOME].to_numpy()
    cal = CalibrationDisplay.from_estimator(model, frame, y, n_bins=5)
    want_true, want_pred = calibration_curve(y, model.predict(frame), n_bins=5)
    np.testing.assert_array_equal(cal.prob_true, want_true)
    np.testing.assert_array_equal(cal.prob_pred, want_pred)
    roc = RocCurveDisplay.from_estimator(model, frame, y)
    assert roc.roc_auc == pytest.approx(roc_auc_score(y, model.predict(frame)), abs=1e-12)
    assert roc.roc_auc == pytest.approx(ristra.evaluate(y, model.predict(frame)).overall["auroc"],
                                        abs=1e-12)
    roc.figure_.savefig(tmp_path / "roc.png")


def test_cross_val_predict_clones_the_model(model, frame):
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_predict
    copy = clone(model)
    assert copy is not model and copy.to_bytes() == model.to_bytes()
    y = frame[OUTCOME].to_numpy()
    got = cross_val_predict(model, frame, y, cv=3, method="predict_proba")
    np.testing.assert_array_equal(got, model.predict_proba(frame))


def test_a_pipeline_can_end_in_a_model(model, frame):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    pipe = make_pipeline(FunctionTransformer(lambda df: df[model.feature_names]), model)
    pipe.fit(frame, frame[OUTCOME])
    np.testing.assert_array_equal(pipe.predict_proba(frame), model.predict_proba(frame))


# ------------------------------------------------------------ evaluate


def test_evaluate_takes_sklearns_order_positionally_and_by_keyword(model, frame):
    from sklearn.metrics import roc_auc_score
    y, risk = frame[OUTCOME].to_numpy(), model.predict(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = ristra.evaluate(y, risk).overall
        b = ristra.evaluate(y_true=y, y_score=risk).overall
    assert a == b
    assert a["auroc"] == pytest.approx(roc_auc_score(y, risk), abs=1e-12)


def test_the_old_order_still_works_with_a_deprecation_warning(model, frame):
    y, risk = frame[OUTCOME].to_numpy(), model.predict(frame)
    want = ristra.evaluate(y, risk).overall
    with pytest.deprecated_call():
        assert ristra.evaluate(risk, y).overall == want
    with pytest.deprecated_call():
        assert ristra.evaluate(risk=risk, outcome=y).overall == want


@pytest.mark.parametrize("value,words", [(0.027, "0.027, not an outcome (0 or 1)"),
                                         (2, "2, not an outcome"),
                                         (np.nan, "NaN, a missing outcome")])
def test_an_outcome_outside_0_1_is_named_as_such(value, words):
    y = np.array([0.0, 1.0, 0.0, 1.0])
    y[2] = value
    with pytest.raises(ValueError, match=r"y_true\[2\] is " + words.replace("(", r"\(")
                       .replace(")", r"\)")):
        ristra.evaluate(y, [0.1, 0.2, 0.3, 0.4])


# ------------------------------------------------------------ exceptions


def test_file_errors_are_oserrors_with_errno_and_filename(tmp_path):
    missing = tmp_path / "no_such_model.json"
    with pytest.raises(OSError) as e:
        ristra.Model.load(missing)
    assert isinstance(e.value, ristra.FileError)
    assert e.value.errno == errno.ENOENT and e.value.filename == os.fsdecode(missing)
    with pytest.raises(FileNotFoundError.__mro__[1]):  # OSError, as open() raises
        ristra.score_file(DEMO, tmp_path / "no_such.csv", tmp_path / "out.csv")


def test_not_found_errors_are_key_errors(model):
    with pytest.raises(KeyError, match="no_such_feature"):
        model.feature_index("no_such_feature")


def test_invalid_arguments_are_value_or_type_errors_never_ctypes_errors(model, frame):
    import ctypes
    for call in (lambda: model.predict(frame, output="odds"),
                 lambda: ristra.score_file(model, frame, None, tiers=[0.5, 0.1]),
                 lambda: ristra.synth("x.csv", patients=-5),
                 lambda: ristra.score_file(model, frame, None, id_column=5)):
        with pytest.raises((ValueError, TypeError)) as e:
            call()
        assert not isinstance(e.value, ctypes.ArgumentError), e.value
        assert isinstance(e.value, ristra.Error), e.value


# ------------------------------------------------------------ DataFrames


def test_score_file_accepts_a_dataframe_and_gives_the_files_result(model, population, frame,
                                                                    tmp_path):
    from_file = ristra.score_file(model, population, tmp_path / "a.csv")
    from_frame = ristra.score_file(model, frame, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert from_file.totals == from_frame.totals
    assert sorted(os.listdir(tmp_path)) == ["a.csv", "a.csv.manifest.json", "b.csv",
                                            "b.csv.manifest.json"]


def test_score_returns_the_ranked_list_in_memory(model, population, frame, tmp_path):
    ranked = ristra.score(model, frame)
    ristra.score_file(model, population, tmp_path / "ranked.csv")
    want = pd.read_csv(tmp_path / "ranked.csv", dtype={"nhs_number": str, "practice": str,
                                                       "tier": str}, keep_default_na=False)
    pd.testing.assert_frame_equal(ranked, want)
    for column in ("rank_in_practice", "percentile_in_practice", "tier"):
        assert column in ranked.columns
    assert ranked["nhs_number"].str.len().eq(10).all()


# ------------------------------------------------------------ namespace and plots


def test_the_namespace_is_exactly_all():
    public = {n for n in dir(ristra) if not n.startswith("_")}
    assert public == set(ristra.__all__) - {"__version__"}


def test_plots_render_to_png(model, population, frame, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image
    import matplotlib.pyplot as plt
    y, risk = frame[OUTCOME].to_numpy(), model.predict(frame)
    result = ristra.score_file(model, population, None)
    drawings = {"calibration": lambda: ristra.plot_calibration(ristra.evaluate(y, risk)),
                "tiers": lambda: ristra.plot_risk_by_tier(ristra.score(model, frame)),
                "oe": lambda: ristra.plot_observed_expected(result.practices)}
    for name, draw in drawings.items():
        ax = draw()
        path = tmp_path / f"{name}.png"
        ax.figure.savefig(path)
        plt.close(ax.figure)
        image = matplotlib.image.imread(path)
        assert image.ndim == 3 and image.shape[0] > 100 and image[..., :3].std() > 0, name

