"""The shared golden vectors (tests/golden/), checked exactly as the C and R
tests check them: statuses equal, margins and probabilities within 1e-12
(logistic) or 1e-6 (gbdt)."""
import numpy as np
import pytest

import ristra
from conftest import GOLDEN_CASES, Golden, assert_close


def test_every_golden_kind_is_present():
    kinds = {case.split("_")[0] for case in GOLDEN_CASES}
    assert kinds == {"logistic", "gbdt"}


def check(g, model, X, **kw):
    prob, status = model.predict(X, return_status=True, **kw)
    margin = model.predict(X, output="margin", **kw)
    np.testing.assert_array_equal(status, g.status, err_msg=f"{g.case}: statuses")
    assert_close(margin, g.margin, g.tolerance, f"{g.case} margin")
    assert_close(prob, g.prob, g.tolerance, f"{g.case} probability")


def test_numpy_float64_block_matches_golden(golden):
    with ristra.Model.load(golden.model_path) as model:
        check(golden, model, golden.block)


def test_dataframe_with_shuffled_and_extra_columns_matches_golden(golden):
    frame = golden.frame.sample(frac=1.0, axis=1, random_state=7)
    frame.insert(0, "practice", "C81010")
    with ristra.Model.load(golden.model_path) as model:
        check(golden, model, frame)


def test_single_thread_matches_golden(golden):
    with ristra.Model.load(golden.model_path) as model:
        check(golden, model, golden.block, n_threads=1)


@pytest.mark.parametrize("case", [c for c in GOLDEN_CASES if c.startswith("gbdt")])
def test_gbdt_float32_block_matches_golden(case):
    # The gbdt inputs are float32 values (XGBoost's own precision), so a
    # float32 block scores exactly as the float64 one.
    g = Golden(case)
    with ristra.Model.load(g.model_path) as model:
        check(g, model, g.block.astype(np.float32))
