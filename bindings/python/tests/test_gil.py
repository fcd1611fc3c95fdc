"""The GIL is released while libristra scores: another Python thread runs
during the call. The switch interval is raised so far that the interpreter
never takes the GIL from a thread by force: the watcher can then run while
the scorer is inside ristra_model_score only if that call released it. The
same protocol through ctypes.PyDLL (which keeps the GIL) is the control
showing the test can fail."""
import ctypes
import sys
import threading
import time

import numpy as np
import pytest

import ristra
from conftest import EXAMPLE_MODEL
from ristra import _lib


@pytest.fixture
def no_forced_switches():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    yield
    sys.setswitchinterval(old)


def watcher_runs_during(score, attempts):
    """Calls score() up to `attempts` times while a watcher thread polls;
    returns how often the watcher saw a call in progress."""
    state = {"inside": False, "done": False, "seen": 0}

    def watch():
        while not state["done"]:
            if state["inside"]:
                state["seen"] += 1
            time.sleep(0.0005)   # sleeping releases the GIL

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(attempts):
            state["inside"] = True
            score()
            state["inside"] = False
            if state["seen"]:
                break
    finally:
        state["done"] = True
        watcher.join()
    return state["seen"]


def block(model, n=400_000):
    return np.ones((n, model.n_features))   # every value within every valid range


def test_scoring_releases_the_gil(no_forced_switches):
    with ristra.Model.load(EXAMPLE_MODEL) as model:
        X = block(model)
        assert watcher_runs_during(lambda: model.predict(X, n_threads=1), attempts=200) > 0


def test_control_a_call_that_keeps_the_gil_is_detected(no_forced_switches):
    with ristra.Model.load(EXAMPLE_MODEL) as model:
        score = ctypes.PyDLL(_lib.path()).ristra_model_score   # same library, GIL kept
        score.restype, score.argtypes = _lib._SIGNATURES["ristra_model_score"]
        X = block(model)
        out = np.empty(len(X))

        def call():
            assert score(out.ctypes.data, None, None, model._ptr, X.ctypes.data, 2, len(X),
                         X.shape[1], X.shape[1], 1, None) == 0
        assert watcher_runs_during(call, attempts=5) == 0
