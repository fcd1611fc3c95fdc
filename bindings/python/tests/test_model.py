"""Model: what it reports about itself (checked against the model files as
Python's json module reads them), save/load round trips, lifetime."""
import gzip
import json
import math
import pickle

import numpy as np
import pytest

import ristra
from conftest import EXAMPLE_MODEL, GOLDEN, Golden


def file_json(path):
    return json.loads(path.read_bytes())


@pytest.mark.parametrize("path", [EXAMPLE_MODEL, GOLDEN / "logistic_basic" / "model.json",
                                  GOLDEN / "gbdt_categorical" / "model.json"])
def test_features_and_metadata_are_those_of_the_file(path):
    doc = file_json(path)
    with ristra.Model.load(path) as model:
        assert model.kind == doc["kind"]
        assert model.metadata == doc["metadata"]
        assert model.n_features == len(doc["features"])
        assert model.feature_names == [f["name"] for f in doc["features"]]
        for got, want in zip(model.features, doc["features"]):
            lo, hi = want.get("valid_range", [None, None])
            assert got.valid_min == (-math.inf if lo is None else lo)
            assert got.valid_max == (math.inf if hi is None else hi)
            assert got.description == want.get("description", "")
            assert got.unit == want.get("unit", "")
            assert got.missing_policy == want["missing"]["policy"]
            assert got.impute_value == want["missing"].get("value")


def test_feature_index_finds_names_and_raises_for_unknown_ones(example_model):
    assert example_model.feature_index("n_ltc") == 3
    with pytest.raises(ristra.NotFoundError) as e:
        example_model.feature_index("bmi")
    assert e.value.code == -8


def test_gbdt_models_report_their_trees():
    path = GOLDEN / "gbdt_deep" / "model.json"
    trees = file_json(path)["gbdt"]["trees"]
    with ristra.Model.load(path) as model:
        assert model.n_trees == len(trees)
        assert model.trees.n_nodes == sum(len(t["left"]) for t in trees)
        assert model.max_depth > 0


def test_logistic_models_have_no_trees(example_model):
    assert example_model.trees == ristra.Trees(0, 0, 0, 0)


@pytest.mark.parametrize("case", ["logistic_calibrated", "gbdt_categorical"])
def test_save_and_load_round_trip_byte_for_byte(tmp_path, case):
    g = Golden(case)
    with ristra.Model.load(g.model_path) as model:
        text = model.to_bytes()
        model.save(tmp_path / "plain.json")
        model.save(tmp_path / "packed.json.gz", gzip=True)
        assert (tmp_path / "plain.json").read_bytes() == text
        packed = (tmp_path / "packed.json.gz").read_bytes()
        assert packed[:2] == b"\x1f\x8b" and gzip.decompress(packed) == text
        assert json.loads(model.to_bytes(indent=2)) == json.loads(text)
        for path in ("plain.json", "packed.json.gz"):
            with ristra.Model.load(tmp_path / path) as again:
                assert again.to_bytes() == text
                np.testing.assert_array_equal(again.predict(g.block, output="margin"),
                                              model.predict(g.block, output="margin"))
        again = ristra.Model.from_bytes(model.to_bytes(gzip=True))
        assert again.to_bytes() == text


def test_models_pickle_as_their_bytes(example_model):
    again = pickle.loads(pickle.dumps(example_model))
    assert again.to_bytes() == example_model.to_bytes()


def test_a_closed_model_refuses_use_and_closing_twice_is_harmless():
    with ristra.Model.load(EXAMPLE_MODEL) as model:
        pass
    model.close()
    assert "closed" in repr(model)
    with pytest.raises(ristra.InvalidArgumentError, match="closed"):
        model.predict(np.zeros((1, 7)))


def test_models_are_made_by_load_or_from_bytes_only():
    with pytest.raises(TypeError, match="Model.load"):
        ristra.Model()


def test_repr_names_kind_features_and_name(example_model):
    assert repr(example_model) == \
        "<ristra.Model logistic, 7 features, 'ristra example logistic model'>"


@pytest.mark.parametrize("text,valid,test_range", [
    ("9434765919", True, False), ("943 476 5919", True, False), ("9434765918", False, False),
    ("9990000018", None, True),
])
def test_nhs_number_checks_are_the_librarys(text, valid, test_range):
    if valid is not None:
        assert ristra.nhs_number_valid(text) is valid
    assert ristra.nhs_number_is_test(text) is test_range


def test_ods_practice_code_check_is_the_librarys():
    assert ristra.ods_practice_code_valid("C81010")
    assert not ristra.ods_practice_code_valid("c81010")
