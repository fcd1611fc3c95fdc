"""ristra.convert_xgboost / Model.from_xgboost: models trained here by the
installed XGBoost score as XGBoost itself predicts, and the saved file is
byte for byte what `ristra convert --from xgboost` writes."""
import gzip
import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import ristra
from conftest import SOURCE, cli_path

xgb = pytest.importorskip("xgboost")

XGB_FIXTURES = SOURCE / "tests" / "fixtures" / "xgboost"
NAMES = ["age", "n_ltc", "imd_decile", "ae_attendances"]


def training_frame(n=3000, seed=3):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": rng.integers(0, 100, n).astype(float),
                       "n_ltc": rng.poisson(1.2, n).astype(float),
                       "imd_decile": rng.integers(1, 11, n).astype(float),
                       "ae_attendances": rng.poisson(0.4, n).astype(float)})
    z = -3 + df.age / 30 + 0.4 * df.n_ltc - 0.1 * df.imd_decile + 0.5 * df.ae_attendances
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    df[rng.random(df.shape) < 0.05] = np.nan           # missing values go down the default side
    return df, y


@pytest.fixture(scope="module")
def booster():
    df, y = training_frame()
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.2, "nthread": 1,
              "seed": 1, "verbosity": 0}
    return xgb.train(params, xgb.DMatrix(df, label=y), 30)


def scoring_rows():
    df, _ = training_frame(n=2000, seed=11)
    return df


def xgboost_predictions(bst, df):
    d = xgb.DMatrix(df)
    return bst.predict(d, output_margin=True).astype(np.float64), bst.predict(d).astype(np.float64)


def assert_scores_like_xgboost(model, bst, df):
    margin, prob = xgboost_predictions(bst, df)
    np.testing.assert_allclose(model.predict(df, output="margin"), margin, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.predict(df), prob, rtol=0, atol=1e-6)


def test_a_saved_booster_converts_and_scores_as_xgboost_predicts(tmp_path, booster):
    src = tmp_path / "booster.json"
    booster.save_model(src)
    model = ristra.convert_xgboost(src)
    assert model.kind == "gbdt"
    assert model.feature_names == NAMES
    assert model.n_trees == 30
    assert all(f.missing_policy == "native" for f in model.features)
    assert_scores_like_xgboost(model, booster, scoring_rows())


def without_source(model):
    """The model's document less what records where it was read from."""
    doc = json.loads(model.to_bytes())
    source = doc["metadata"].pop("xgboost")
    return doc, {k: v for k, v in source.items() if k not in ("file", "encoding")}


def test_ubjson_bytes_and_booster_objects_convert_alike(tmp_path, booster):
    booster.save_model(tmp_path / "booster.json")
    want = without_source(ristra.convert_xgboost(tmp_path / "booster.json", name="m"))
    from_ubj = ristra.convert_xgboost(bytes(booster.save_raw(raw_format="ubj")), name="m")
    assert from_ubj.metadata["xgboost"]["encoding"] == "ubjson"
    assert without_source(from_ubj) == want
    assert without_source(ristra.convert_xgboost(booster, name="m")) == want
    assert without_source(ristra.Model.from_xgboost(tmp_path / "booster.json", name="m")) == want


def test_the_saved_model_is_what_the_command_line_tool_writes(tmp_path, booster):
    src = tmp_path / "booster.ubj"
    booster.save_model(src)
    meta = {"name": "emergency admissions gbdt", "model_version": "2.1.0",
            "outcome": "emergency admission", "horizon_days": 365,
            "intended_use": "testing the binding", "training_population": "synthetic"}
    model = ristra.convert_xgboost(src, tmp_path / "python.json.gz", **meta)
    cli = subprocess.run(
        [cli_path(), "convert", "--from", "xgboost", src, tmp_path / "cli.json.gz",
         "--name", meta["name"], "--model-version", meta["model_version"],
         "--outcome", meta["outcome"], "--horizon-days", "365",
         "--intended-use", meta["intended_use"],
         "--training-population", meta["training_population"]],
        capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    ours = (tmp_path / "python.json.gz").read_bytes()
    assert ours[:2] == b"\x1f\x8b"                      # gzip because of the name, as the CLI
    assert gzip.decompress(ours) == gzip.decompress((tmp_path / "cli.json.gz").read_bytes())
    assert gzip.decompress(ours) == model.to_bytes()
    md = model.metadata
    assert (md["name"], md["version"], md["outcome"], md["horizon_days"]) == \
        (meta["name"], "2.1.0", "emergency admission", 365)
    assert md["intended_use"] == meta["intended_use"]


def test_plain_arrays_need_feature_names(tmp_path):
    df, y = training_frame(n=500)
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 2, "nthread": 1,
                     "verbosity": 0}, xgb.DMatrix(df.to_numpy(), label=y), 5)
    bst.save_model(tmp_path / "unnamed.json")
    with pytest.raises(ristra.InvalidArgumentError, match="feature"):
        ristra.convert_xgboost(tmp_path / "unnamed.json")
    model = ristra.convert_xgboost(tmp_path / "unnamed.json", feature_names=NAMES)
    assert model.feature_names == NAMES
    assert_scores_like_xgboost(model, bst, scoring_rows())
    with pytest.raises(ristra.InvalidArgumentError):
        ristra.convert_xgboost(tmp_path / "unnamed.json", feature_names=NAMES[:3])


def test_gblinear_becomes_a_logistic_model(tmp_path):
    df, y = training_frame(n=1000)
    bst = xgb.train({"objective": "binary:logistic", "booster": "gblinear", "nthread": 1,
                     "verbosity": 0}, xgb.DMatrix(df.fillna(0), label=y), 20)
    model = ristra.convert_xgboost(bst)
    assert model.kind == "logistic"
    rows = scoring_rows().fillna(0)
    np.testing.assert_allclose(model.predict(rows), xgboost_predictions(bst, rows)[1],
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize("name,cls", [("multiclass.json", ristra.UnsupportedError),
                                      ("dart.json", ristra.UnsupportedError),
                                      ("objective_ranking.json", ristra.UnsupportedError),
                                      ("empty.json", ristra.FormatError),
                                      ("cycle.json", ristra.FormatError)])
def test_refusals_carry_the_librarys_message_naming_the_file(name, cls):
    with pytest.raises(cls) as e:
        ristra.convert_xgboost(XGB_FIXTURES / "bad" / name)
    assert name in str(e.value)


def test_a_missing_file_and_a_wrong_source_type_are_errors(tmp_path):
    with pytest.raises(ristra.FileError, match="nothing.json"):
        ristra.convert_xgboost(tmp_path / "nothing.json")
    with pytest.raises(ristra.InvalidArgumentError, match="Booster"):
        ristra.convert_xgboost(42)
    with pytest.raises(ristra.InvalidArgumentError, match="horizon_days"):
        ristra.convert_xgboost(XGB_FIXTURES / "good" / "gblinear.json", horizon_days=1.5)


def test_the_defaults_are_listed_in_the_metadata():
    model = ristra.convert_xgboost(XGB_FIXTURES / "good" / "gblinear.json")
    md = model.metadata
    assert "outcome" in md["defaulted"] and md["horizon_days"] == 365
    assert json.loads(model.to_bytes())["metadata"] == md


def test_min_present_and_all_trees_reach_the_importer():
    import numpy as np
    import xgboost as xgb

    import ristra
    rng = np.random.default_rng(9)
    X = rng.normal(size=(2000, 3)).astype(np.float32)
    y = (rng.random(2000) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    clf = xgb.XGBClassifier(n_estimators=150, early_stopping_rounds=5, learning_rate=0.6,
                            max_depth=3, n_jobs=1, random_state=2)
    clf.fit(X[:1500], y[:1500], eval_set=[(X[1500:], y[1500:])], verbose=False)
    names = ["a", "b", "c"]
    m = ristra.Model.from_xgboost(clf, names)
    assert m.trees.n_trees == clf.best_iteration + 1
    assert m.min_present == 1
    assert ristra.Model.from_xgboost(clf, names, all_trees=True).trees.n_trees == \
        len(clf.get_booster().get_dump())
    assert ristra.Model.from_xgboost(clf, names, min_present=0).min_present == 0
    assert ristra.Model.from_xgboost(clf, names, min_present=2).min_present == 2
    p, status = m.predict(np.full((1, 3), np.nan), return_status=True)
    assert status[0] == ristra.RowStatus.INSUFFICIENT_DATA and np.isnan(p[0])


def test_the_demo_model_does_not_score_an_empty_record():
    import pathlib

    import numpy as np

    import ristra
    root = pathlib.Path(__file__).resolve().parents[3]
    m = ristra.Model.load(root / "models" / "demo_gbdt.json.gz")
    p, status = m.predict(np.full((1, 19), np.nan), return_status=True)
    assert status[0] == ristra.RowStatus.INSUFFICIENT_DATA and np.isnan(p[0])
