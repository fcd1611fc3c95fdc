"""ristra_fit_logistic() never makes OpenBLAS use its own threads.

OpenBLAS 0.3.21 spreads some calls over a pool of threads of its own: gemv,
dsyrk, dgemm and dtrmm above size thresholds, and dtrmv, dlauum and dtrtri
always. Inside ristra's row loop that would stack OpenBLAS's threads on top
of ristra's, so every call is sized (or replaced) to stay on the calling
thread (lib/fit/irls.c, tsqr.c, fit_solve.c). This test fits, by both
solvers and with a narrow and a wide model, in a fresh process whose data
come from numpy without any BLAS call, and requires that no thread but the
caller's used any CPU time during the fits: before the sizes were fixed,
OpenBLAS's pool thread used 0.1 to 0.6 s here.
"""
import os
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import fitlib

    def other_threads_cpu():
        total = 0
        for tid in os.listdir("/proc/self/task"):
            if int(tid) == os.getpid():
                continue
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in ticks
        return total

    lib = fitlib.load()
    rng = np.random.default_rng(1)
    for p in (40, 120):
        X = rng.standard_normal((300_000, p))  # no BLAS: numpy's own pool stays asleep
        y = (rng.random(300_000) < 0.2).astype(float)
        for solver in (fitlib.SOLVER_AUTO, fitlib.SOLVER_QR):
            time.sleep(0.2)
            before = other_threads_cpu()
            fitlib.fit(lib, X, y, solver=solver, n_threads=1)
            used = other_threads_cpu() - before
            print(p, solver, used)
            assert used == 0, f"{p} columns, solver {solver}: other threads used {used} ticks"
""")


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_no_thread_but_the_callers_works_during_a_fit():
    proc = subprocess.run([sys.executable, "-c", CHILD, HERE], capture_output=True, text=True,
                          env=dict(os.environ))
    assert proc.returncode == 0, proc.stdout + proc.stderr
