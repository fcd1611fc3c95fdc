"""ristra convert --from xgboost: XGBoost files become native models that
load, inspect and keep XGBoost's metadata; bad files and bad usage fail
with exit codes 1 and 2."""
import gzip
import json

from conftest import run

GOOD = "tests/fixtures/xgboost/good"
BAD = "tests/fixtures/xgboost/bad"


def test_a_json_model_becomes_a_native_model(source, tmp_path):
    out = tmp_path / "model.json"
    p = run("convert", "--from", "xgboost", source / GOOD / "categorical.json", out, check=True)
    assert "gbdt, 4 features, 4 trees" in p.stdout
    doc = json.loads(out.read_text())
    assert doc["format"] == "ristra-model" and doc["kind"] == "gbdt"
    assert doc["metadata"]["source"] == "xgboost 1.7.4"
    assert doc["metadata"]["xgboost"]["encoding"] == "json"
    assert [f["name"] for f in doc["features"]] == ["age", "n_ltc", "prior_admissions",
                                                    "imd_decile"]
    assert all(f["missing"] == {"policy": "native"} for f in doc["features"])
    assert "categorical" in doc["features"][0]["description"]
    p = run("inspect", out, check=True)
    assert "trees:     4" in p.stdout


def test_gz_output_and_ubjson_input_with_metadata_options(source, tmp_path):
    out = tmp_path / "model.json.gz"
    run("convert", "--from=xgboost", source / GOOD / "numeric.ubj", out, "--name", "ae risk",
        "--model-version", "3", "--outcome", "emergency admission", "--horizon-days", "90",
        "--intended-use", "research", "--training-population", "synthetic", check=True)
    doc = json.loads(gzip.decompress(out.read_bytes()))
    meta = doc["metadata"]
    assert (meta["name"], meta["version"], meta["outcome"], meta["horizon_days"],
            meta["intended_use"]) == ("ae risk", "3", "emergency admission", 90, "research")
    assert meta["training_population"] == {"description": "synthetic"}
    assert meta["defaulted"] == []
    assert meta["xgboost"]["encoding"] == "ubjson"


def test_feature_names_for_a_model_saved_without_them(source, tmp_path):
    out = tmp_path / "m.json"
    p = run("convert", "--from", "xgboost", source / GOOD / "numeric_v1_0.json", out)
    assert p.returncode == 1 and "does not name its 4 features" in p.stderr
    run("convert", "--from", "xgboost", source / GOOD / "numeric_v1_0.json", out,
        "--feature-names", "a,b,c,d", check=True)
    assert [f["name"] for f in json.loads(out.read_text())["features"]] == list("abcd")
    p = run("convert", "--from", "xgboost", source / GOOD / "numeric_v1_0.json", out,
            "--feature-names", "a,b,,d")
    assert p.returncode == 1 and "feature 2: the name is empty" in p.stderr


def test_gblinear_becomes_a_logistic_model(source, tmp_path):
    out = tmp_path / "m.json"
    p = run("convert", "--from", "xgboost", source / GOOD / "gblinear.json", out, check=True)
    assert "logistic, 4 features" in p.stdout
    doc = json.loads(out.read_text())
    assert doc["kind"] == "logistic"
    assert doc["features"][0]["missing"] == {"policy": "impute", "value": 0.0}


def test_unsupported_and_malformed_models_fail_with_a_message(source, tmp_path):
    out = tmp_path / "m.json"
    for name, words in (("objective_ranking.json", "rank:pairwise"),
                        ("multiclass.ubj", "multi-class"),
                        ("dart.json", "\"dart\" is not supported"),
                        ("truncated.ubj", "invalid UBJSON"),
                        ("cycle.json", "trees[0].left_children[1]")):
        p = run("convert", "--from", "xgboost", source / BAD / name, out)
        assert p.returncode == 1, name
        assert p.stderr.startswith("ristra convert: cannot import ") and words in p.stderr, \
            p.stderr
        assert not out.exists()


def test_usage_errors_exit_2(source, tmp_path):
    model = source / GOOD / "numeric.json"
    for args in ((model, tmp_path / "m.json"),                               # no --from
                 ("--from", "lightgbm", model, tmp_path / "m.json"),
                 ("--from", "xgboost", model),                                # no OUT
                 ("--from", "xgboost", model, tmp_path / "m.json", "extra"),
                 ("--from", "xgboost", model, tmp_path / "m.json", "--horizon-days", "x"),
                 ("--from", "xgboost", model, tmp_path / "m.json", "--horizon-days", "0"),
                 ("--from", "xgboost", model, tmp_path / "m.json", "--bogus")):
        p = run("convert", *args)
        assert p.returncode == 2, (args, p.stderr)
        assert not (tmp_path / "m.json").exists()
    p = run("convert", "--help", check=True)
    assert p.stdout.startswith("usage: ristra convert")


def test_unwritable_output_fails(source, tmp_path):
    p = run("convert", "--from", "xgboost", source / GOOD / "numeric.json",
            tmp_path / "no" / "such" / "dir" / "m.json")
    assert p.returncode == 1 and "cannot write" in p.stderr
