"""Shared fixtures: the source tree, the golden vectors, the example model.

Run from the source tree with RISTRA_LIBRARY set to the built library (ctest
does this) or with the package installed and libristra on the loader path.
"""
import os
import pathlib

import numpy as np
import pandas as pd
import pytest

import ristra

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR",
                                     pathlib.Path(__file__).resolve().parents[3]))
GOLDEN = SOURCE / "tests" / "golden"
GOLDEN_CASES = sorted(p.parent.name for p in GOLDEN.glob("*/expected.csv"))
EXAMPLE_MODEL = SOURCE / "models" / "example_logistic.json"


def golden_tolerance(case):
    """The project's agreement targets: 1e-12 for logistic, 1e-6 for gbdt."""
    return 1e-12 if case.startswith("logistic") else 1e-6


class Golden:
    """One golden case: model.json, input.csv (header, "nan"), expected.csv."""

    def __init__(self, case):
        d = GOLDEN / case
        self.case = case
        self.model_path = d / "model.json"
        self.frame = pd.read_csv(d / "input.csv", na_values=["nan"], float_precision="round_trip")
        expected = pd.read_csv(d / "expected.csv", na_values=["nan"],
                               float_precision="round_trip")
        self.status = expected["status"].to_numpy(np.int32)
        self.margin = expected["margin"].to_numpy(np.float64)
        self.prob = expected["prob"].to_numpy(np.float64)
        self.tolerance = golden_tolerance(case)

    @property
    def block(self):
        return np.ascontiguousarray(self.frame.to_numpy(np.float64))


def assert_close(got, want, tolerance, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, what
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{what}: NaN rows")
    ok = ~np.isnan(want)
    worst = np.max(np.abs(got[ok] - want[ok]), initial=0.0)
    assert worst <= tolerance, f"{what}: largest difference {worst:.3g} > {tolerance:g}"


@pytest.fixture(params=GOLDEN_CASES)
def golden(request):
    return Golden(request.param)


@pytest.fixture
def example_model():
    with ristra.Model.load(EXAMPLE_MODEL) as model:
        yield model


def cli_path():
    """The `ristra` command-line tool of this build (RISTRA_CLI, set by
    ctest), for checking that the binding and the tool agree."""
    path = os.environ.get("RISTRA_CLI") or SOURCE / "build" / "bindings" / "cli" / "ristra"
    if not pathlib.Path(path).is_file():
        pytest.skip("the ristra command-line tool is not built (set RISTRA_CLI)")
    return str(path)
