"""ristra convert --min-present / --all-trees and ristra inspect: how much
may be missing is a decision a model carries, shown by inspect; an
early-stopped XGBoost model keeps the trees predict_proba() uses."""
import json

import numpy as np
import xgboost as xgb

from conftest import run

GOOD = "tests/fixtures/xgboost/good"


def test_convert_sets_a_safe_minimum_and_inspect_shows_it(source, tmp_path):
    out = tmp_path / "m.json"
    run("convert", "--from", "xgboost", source / GOOD / "numeric.json", out, check=True)
    assert json.loads(out.read_text())["min_present_features"] == 1
    p = run("inspect", out, check=True)
    assert "min present: 1 of 4 features" in p.stdout
    run("convert", "--from", "xgboost", source / GOOD / "numeric.json", out,
        "--min-present", "3", check=True)
    assert json.loads(out.read_text())["min_present_features"] == 3
    assert "min present: 3 of 4 features" in run("inspect", out, check=True).stdout
    run("convert", "--from", "xgboost", source / GOOD / "numeric.json", out,
        "--min-present", "0", check=True)
    assert "min_present_features" not in json.loads(out.read_text())
    assert "min present: none" in run("inspect", out, check=True).stdout
    p = run("convert", "--from", "xgboost", source / GOOD / "numeric.json", out,
            "--min-present", "5")
    assert p.returncode == 1 and "more than the model's 4 features" in p.stderr
    assert run("convert", "--from", "xgboost", source / GOOD / "numeric.json", out,
               "--min-present", "-1").returncode == 2


def test_an_early_stopped_model_keeps_trees_up_to_best_iteration(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3000, 4)).astype(np.float32)
    y = (rng.random(3000) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    clf = xgb.XGBClassifier(n_estimators=200, early_stopping_rounds=5, learning_rate=0.6,
                            max_depth=4, n_jobs=2, random_state=1)
    clf.fit(X[:2000], y[:2000], eval_set=[(X[2000:], y[2000:])], verbose=False)
    src = tmp_path / "es.json"
    clf.get_booster().save_model(str(src))
    n_all = len(clf.get_booster().get_dump())
    out = tmp_path / "m.json"
    p = run("convert", "--from", "xgboost", src, out, "--feature-names", "a,b,c,d", check=True)
    assert f"{clf.best_iteration + 1} trees" in p.stdout
    meta = json.loads(out.read_text())["metadata"]["xgboost"]
    assert meta["best_iteration"] == str(clf.best_iteration)
    assert meta["trees_used"].startswith(f"the first {clf.best_iteration + 1} of {n_all}")
    p = run("convert", "--from", "xgboost", src, out, "--feature-names", "a,b,c,d",
            "--all-trees", check=True)
    assert f"{n_all} trees" in p.stdout


def test_score_rejects_an_empty_record_and_says_how_much_was_present(source, tmp_path):
    model = source / "models/demo_gbdt.json.gz"
    names = [line.split()[1] for line in run("inspect", model, check=True).stdout.splitlines()
             if line.startswith("  ") and line.split()[0].isdigit()]
    assert len(names) == 19
    full = ["70", "1", "5", "0", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0.1", "1",
            "3", "0", "0"]
    rows = ["nhs_number,practice," + ",".join(names),
            "9434765919,A81001," + ",".join(full),
            "9434765870,A81001," + ",".join([""] * 19)]
    src = tmp_path / "in.csv"
    src.write_text("\n".join(rows) + "\n")
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    # one row of two rejected is over the default failure threshold (5%)
    run("score", "--model", model, "--input", src, "--output", out, "--rejects", rejects,
        "--max-reject-rate", "1", "--quiet", check=True)
    assert len(out.read_text().splitlines()) == 2
    text = rejects.read_text()
    assert "too few features present" in text and "0 of 19 features present, it needs 4" in text
