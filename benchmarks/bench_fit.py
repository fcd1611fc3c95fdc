#!/usr/bin/env python3
"""Logistic regression fitting, ristra beside R's glm.fit and scikit-learn's
newton-cholesky solver, in one run.

Makes 1,000,000 patients x 40 features (correlated numeric columns and
indicators, about 16% events), writes them once as little-endian binary
doubles, then times
  * R's glm.fit(cbind(1, X), y, family = binomial()) inside R (benchmarks/
    bench_fit.R; reading the data is not timed), --r-repeats times as
    installed (Debian's R runs its BLAS calls on OpenBLAS, whose threads use
    every CPU for large vectors) and --r-repeats times with
    OPENBLAS_NUM_THREADS=1;
  * scikit-learn's LogisticRegression(solver="newton-cholesky",
    penalty=None), the unpenalised fit with an intercept, --sk-repeats times
    in a subprocess of this script with OPENBLAS_NUM_THREADS=1 and
    OMP_NUM_THREADS=1 (its Hessian is a numpy/OpenBLAS gemm; reading the
    data is not timed);
  * ristra_fit_logistic() on the same numbers through ctypes, --repeats
    times single-threaded and --repeats times with one thread per CPU
    (the whole call: checks, IRLS, standard errors);
checks that every coefficient agrees with R's to 1e-6 relative (and reports,
without requiring anything, how far scikit-learn's are from R's: its
default tolerance is looser) and prints median seconds and the ratios
(single-threaded against single-threaded,
all CPUs against R as installed), by wall-clock and by CPU (user + system)
time: on a shared machine the CPU ratio is the steadier of the two.

    /usr/bin/python3 benchmarks/bench_fit.py [--rows N] [--cols P] [--repeats K]
        [--r-repeats K] [--sk-repeats K] [--build DIR]
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "parity"))
import fitlib  # noqa: E402  (the ctypes binding shared with the parity test)


def make_data(rows, cols, seed=2024):
    rng = np.random.default_rng(seed)
    cov = 0.5 ** np.abs(np.subtract.outer(np.arange(cols), np.arange(cols)))
    Z = rng.standard_normal((rows, cols)) @ np.linalg.cholesky(cov).T
    X = Z * rng.uniform(0.5, 15, cols) + rng.uniform(-20, 80, cols)
    X[:, ::4] = (Z[:, ::4] > 0.8).astype(float)
    b = rng.normal(size=cols) * 0.25 / X.std(axis=0)
    eta = -2.2 + (X - X.mean(axis=0)) @ b
    y = (rng.random(rows) < 1 / (1 + np.exp(-eta))).astype(float)
    return np.ascontiguousarray(X), y


def run_r(work, rows, cols, repeats, single_thread):
    env = dict(os.environ)
    if single_thread:
        env["OPENBLAS_NUM_THREADS"] = "1"
    else:
        env.pop("OPENBLAS_NUM_THREADS", None)
    proc = subprocess.run(["Rscript", "--vanilla", str(ROOT / "benchmarks" / "bench_fit.R"),
                           str(work), str(rows), str(cols), str(repeats)],
                          capture_output=True, text=True, check=True, env=env)
    return parse_peer(proc.stdout)


def sklearn_peer(work, rows, cols, repeats):
    """Runs in the subprocess: fits with scikit-learn, prints like bench_fit.R."""
    import sklearn
    from sklearn.linear_model import LogisticRegression
    X = np.fromfile(work / "x.bin", dtype="<f8").reshape(rows, cols)
    y = np.fromfile(work / "y.bin", dtype="<f8")
    for _ in range(repeats):
        model = LogisticRegression(solver="newton-cholesky", penalty=None, fit_intercept=True)
        t0, c0 = time.perf_counter(), time.process_time()
        model.fit(X, y)
        print("seconds", time.perf_counter() - t0, time.process_time() - c0)
    for i, c in enumerate(np.r_[model.intercept_, model.coef_.ravel()]):
        print("coef", i, repr(float(c)))
    print("iter", int(model.n_iter_[0]))
    print("version", sklearn.__version__)
    return 0


def run_sklearn(work, rows, cols, repeats):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, __file__, "--sklearn-peer", str(work),
                           "--rows", str(rows), "--cols", str(cols),
                           "--sk-repeats", str(repeats)],
                          capture_output=True, text=True, check=True, env=env)
    return parse_peer(proc.stdout)


def parse_peer(stdout):
    seconds, coef, info = [], [], {}
    for line in stdout.splitlines():
        parts = line.split()
        if parts[0] == "seconds":
            seconds.append((float(parts[1]), float(parts[2])))
        elif parts[0] == "coef":
            coef.append(float(parts[2]))
        else:
            info[parts[0]] = parts[1]
    return seconds, np.array(coef), info


def time_ristra(lib, X, y, threads, repeats):
    seconds, out = [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fitlib.fit(lib, X, y, n_threads=threads)
        seconds.append((time.perf_counter() - t0, time.process_time() - c0))
    return seconds, out


def median(runs, k):
    return statistics.median(r[k] for r in runs)


def show(label, runs, extra):
    print(f"{label:<24} {median(runs, 0):8.3f} s wall, {median(runs, 1):8.3f} s CPU  "
          f"(median of {len(runs)}; wall: {', '.join(f'{r[0]:.2f}' for r in runs)}; {extra})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cols", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--r-repeats", type=int, default=1)
    ap.add_argument("--sk-repeats", type=int, default=3)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--sklearn-peer", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.sklearn_peer:
        return sklearn_peer(pathlib.Path(args.sklearn_peer), args.rows, args.cols,
                            args.sk_repeats)
    work = pathlib.Path(args.build) / "bench-work" / "fit"
    work.mkdir(parents=True, exist_ok=True)
    lib = fitlib.load(str(pathlib.Path(args.build) / "libristra.so"))

    X, y = make_data(args.rows, args.cols)
    X.astype("<f8").tofile(work / "x.bin")
    y.astype("<f8").tofile(work / "y.bin")
    print(f"data: {args.rows} rows x {args.cols} features, {y.mean():.1%} events, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    r_seconds, r_coef, r_info = run_r(work, args.rows, args.cols, args.r_repeats, False)
    r1_seconds, r1_coef, _ = run_r(work, args.rows, args.cols, args.r_repeats, True)
    sk_seconds, sk_coef, sk_info = run_sklearn(work, args.rows, args.cols, args.sk_repeats)
    one, fit1 = time_ristra(lib, X, y, 1, args.repeats)
    every, fit_all = time_ristra(lib, X, y, 0, args.repeats)

    ours = np.r_[fit1["intercept"], fit1["coef"]]
    assert np.array_equal(ours, np.r_[fit_all["intercept"], fit_all["coef"]]), \
        "the thread count changed the coefficients"
    # (R's own coefficients change in the last digits with OpenBLAS's thread count)
    rel = max(np.max(np.abs(ours - c) / np.abs(c)) for c in (r_coef, r1_coef))
    same = rel <= 1e-6 and int(r_info["iter"]) == fit1["iterations"]
    show("R glm.fit, 1 thread", r1_seconds, f"{r_info['iter']} iterations")
    show("R glm.fit, as installed", r_seconds, "OpenBLAS threads on every CPU")
    show("scikit-learn, 1 thread", sk_seconds,
         f"newton-cholesky, {sk_info['iter']} iterations, sklearn {sk_info['version']}")
    show("ristra, 1 thread", one, f"{fit1['iterations']} iterations")
    show("ristra, all CPUs", every, f"{os.cpu_count()} CPUs")
    print(f"load average now {os.getloadavg()[0]:.1f}")
    for k, what in ((0, "wall"), (1, "CPU")):
        print(f"ratio R / ristra ({what}): {median(r1_seconds, k) / median(one, k):.1f}x "
              f"single-threaded, {median(r_seconds, k) / median(every, k):.1f}x with all CPUs")
        print(f"ratio scikit-learn / ristra ({what}), single-threaded: "
              f"{median(sk_seconds, k) / median(one, k):.1f}x")
    print(f"coefficients: max relative difference from R {rel:.2e} "
          f"({'same' if same else 'DIFFERENT'} to 1e-6, same iterations: "
          f"{int(r_info['iter']) == fit1['iterations']})")
    sk_rel = np.max(np.abs(sk_coef - r1_coef) / np.abs(r1_coef))
    print(f"scikit-learn's coefficients: max relative difference from R {sk_rel:.2e} "
          f"(reported only: its default tol 1e-4 is looser)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
