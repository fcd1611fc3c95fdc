"""`ristra score`: a synthetic population scored end to end and every figure
recomputed independently: ranks, percentiles and tiers in pandas (tiers
with exact decimal arithmetic), the summary in pandas and AUROC in
scikit-learn, risks against the Python binding; bad rows, gzip, failed runs
and the command line. The models are fitted here (scikit-learn, XGBoost)
on the synthetic data, not typed in."""
import gzip
import json
import math
import os
import pty
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from conftest import CLI, SOURCE, run

sys.path.insert(0, str(SOURCE / "bindings" / "python"))
import ristra  # noqa: E402  (the binding under test, from the source tree)

OUTCOME = "emergency_admission_next_12m"
FEATURES = ["age", "female", "imd_decile", "care_home", "hypertension", "diabetes", "copd",
            "asthma", "heart_failure", "ckd", "af", "dementia", "cancer", "depression",
            "frailty_index", "n_ltc", "n_medications", "ae_attendances_12m",
            "emergency_admissions_12m"]
RANGES = {"age": [0, 120], "imd_decile": [1, 10], "frailty_index": [0, 1]}
DEFAULT_CUTS = ["0.005", "0.02", "0.05", "0.2"]
DEFAULT_NAMES = ["top 0.5%", "top 2%", "top 5%", "top 20%"]
COLUMNS = ["nhs_number", "practice", "risk", "rank_in_practice", "percentile_in_practice",
           "percentile_overall", "tier"]


def read_csv(path, **kw):
    """Numbers exactly as written (pandas' default parser may be 1 ulp off)."""
    return pd.read_csv(path, float_precision="round_trip", keep_default_na=False,
                       na_values=[""], dtype={"nhs_number": str, "practice": str}, **kw)


def native_model(kind_block, kind, extra=None):
    meta = {"name": "test model fitted on synthetic data", "version": "1",
            "outcome": "emergency hospital admission", "horizon_days": 365,
            "intended_use": "TESTS ONLY - NOT FOR CLINICAL USE",
            "training_population": {"description": "ristra synth", "synthetic": True}}
    feats = []
    for name in FEATURES:
        f = {"name": name, "missing": {"policy": "impute", "value": 0 if name != "imd_decile"
                                       else 5}}
        if name in RANGES:
            f["valid_range"] = RANGES[name]
        feats.append(f)
    doc = {"format": "ristra-model", "format_version": 1, "kind": kind, "metadata": meta,
           "features": feats, "link": "logit", kind: kind_block}
    doc.update(extra or {})
    return doc


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("score")


@pytest.fixture(scope="module")
def population(work):
    """40,000 patients in 7 practices (file and DataFrame)."""
    path = work / "pop.csv"
    run("synth", "--patients", 40000, "--practices", 7, "--seed", 11, "--output", path,
        check=True)
    return path, read_csv(path)


@pytest.fixture(scope="module")
def logistic(work, population):
    """A logistic model fitted by scikit-learn on the population."""
    _, df = population
    fit = LogisticRegression(C=1e4, max_iter=5000).fit(df[FEATURES], df[OUTCOME])
    doc = native_model({"intercept": float(fit.intercept_[0]),
                        "coefficients": [float(c) for c in fit.coef_[0]]}, "logistic")
    path = work / "logistic.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture(scope="module")
def gbdt(work, population):
    """A small XGBoost model trained on the population, converted by ristra."""
    import xgboost as xgb
    _, df = population
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3,
                         "nthread": 1, "seed": 1},
                        xgb.DMatrix(df[FEATURES], label=df[OUTCOME]), num_boost_round=30)
    raw = work / "xgb.json"
    booster.save_model(raw)
    path = work / "gbdt.json"
    run("convert", "--from", "xgboost", raw, path, check=True)
    return path


def score(model, population_path, out, *args):
    return run("score", "--model", model, "--input", population_path, "--output", out, *args)


def exact_cut(cut, n):
    """ceil(c * n) for the decimal c, in exact arithmetic."""
    return math.ceil(Fraction(cut) * n)


def expected_list(df, risk, cuts=DEFAULT_CUTS, names=DEFAULT_NAMES, untiered="-"):
    """The ranked list, recomputed in pandas from the risks."""
    d = pd.DataFrame({"nhs_number": df["nhs_number"], "practice": df["practice"],
                      "risk": risk})
    d = d.sort_values(["risk", "nhs_number", "practice"], ascending=[False, True, True],
                      kind="mergesort").reset_index(drop=True)
    n = len(d)
    d["percentile_overall"] = 100 * (np.arange(n, dtype=np.float64) + 1) / n
    d = d.sort_values(["practice"], kind="mergesort").reset_index(drop=True)
    d["rank_in_practice"] = d.groupby("practice").cumcount() + 1
    size = d.groupby("practice")["risk"].transform("size")
    d["percentile_in_practice"] = 100 * d["rank_in_practice"].astype(np.float64) / size
    tiers = []
    for rank, n_p in zip(d["rank_in_practice"], size):
        name = untiered
        for cut, tier_name in zip(cuts, names):
            if rank <= exact_cut(cut, n_p):
                name = tier_name
                break
        tiers.append(name)
    d["tier"] = tiers
    return d[COLUMNS]


# ---------------------------------------------------------------- the list


@pytest.mark.parametrize("kind", ["logistic", "gbdt"])
def test_every_patient_is_listed_once_with_the_bindings_risk(kind, request, population, tmp_path):
    model_path = request.getfixturevalue(kind)
    path, df = population
    out = tmp_path / "out.csv"
    p = score(model_path, path, out, "--quiet")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "" and p.stderr == ""
    got = read_csv(out)
    assert list(got.columns) == COLUMNS
    assert len(got) == len(df)
    assert got["nhs_number"].is_unique
    assert set(got["nhs_number"]) == set(df["nhs_number"])
    risk = ristra.Model.load(model_path).predict(df)
    by_nhs = pd.Series(risk, index=df["nhs_number"])
    # to the bit: the text in the file reads back as the binding's double
    assert np.array_equal(got["risk"].to_numpy(), by_nhs[got["nhs_number"]].to_numpy())


def test_ranks_percentiles_and_tiers_are_what_pandas_recomputes(logistic, population, tmp_path):
    path, df = population
    out = tmp_path / "out.csv"
    assert score(logistic, path, out, "--quiet").returncode == 0
    got = read_csv(out)
    risk = ristra.Model.load(logistic).predict(df)
    want = expected_list(df, risk)
    assert int(pd.Series(risk).duplicated().sum()) > 0, "the test wants tied risks"
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_custom_tiers_names_and_column_names(logistic, population, tmp_path):
    path, df = population
    renamed = tmp_path / "renamed.csv"
    df.rename(columns={"nhs_number": "nhs", "practice": "ods", OUTCOME: "y"}).to_csv(
        renamed, index=False)
    out, summary = tmp_path / "out.csv", tmp_path / "summary.csv"
    p = score(logistic, renamed, out, "--tiers", "0.01,0.07,0.3", "--tier-names",
              "intensive,\"enhanced\",watch", "--id-column", "nhs", "--practice-column", "ods",
              "--outcome-column", "y", "--summary", summary, "--threads", "1", "--quiet")
    assert p.returncode == 0, p.stderr
    got = read_csv(out)
    want = expected_list(df, ristra.Model.load(logistic).predict(df), ["0.01", "0.07", "0.3"],
                         ["intensive", "\"enhanced\"", "watch"])
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    s = read_csv(summary)
    assert list(s.columns)[3:6] == ["intensive", "\"enhanced\"", "watch"]
    assert "auroc" in s.columns


def test_tiers_read_as_percentages_or_fractions_as_evaluate_reads_them(logistic, population,
                                                                      tmp_path):
    """One reader of tier text (ristra_tiers_parse) for score and evaluate:
    "2%" is 0.02, and names alone name the default tiers."""
    path, df = population
    runs = {"default": [], "percent": ["--tiers", "0.5%, 2%,5%,20%"],
            "fraction": ["--tiers", "0.005,0.02,0.05,0.2"]}
    lists = {}
    for name, args in runs.items():
        out = tmp_path / f"{name}.csv"
        p = score(logistic, path, out, *args, "--manifest", "", "--quiet")
        assert p.returncode == 0, p.stderr
        lists[name] = out.read_bytes()
    assert lists["percent"] == lists["default"] == lists["fraction"]
    p = score(logistic, path, tmp_path / "named.csv", "--tier-names", "a,b,c,d", "--quiet")
    assert p.returncode == 0, p.stderr
    want = expected_list(df, ristra.Model.load(logistic).predict(df), names=["a", "b", "c", "d"])
    pd.testing.assert_frame_equal(read_csv(tmp_path / "named.csv"), want, check_exact=True)
    p = score(logistic, path, tmp_path / "bad.csv", "--tiers", "2%,x%")
    assert p.returncode == 2 and "cut-point 2" in p.stderr and '"x%"' in p.stderr, p.stderr


# ---------------------------------------------------------------- the summary


def test_summary_figures_match_pandas_and_sklearn(gbdt, population, tmp_path):
    path, df = population
    out, summary = tmp_path / "out.csv", tmp_path / "summary.csv"
    assert score(gbdt, path, out, "--summary", summary, "--quiet").returncode == 0
    s = read_csv(summary)
    assert list(s.columns) == ["practice", "list_size", "rejected", *DEFAULT_NAMES,
                               "mean_risk", "expected_admissions", "observed_admissions",
                               "observed_expected", "auroc", "model_name", "model_version"]
    meta = ristra.Model.load(gbdt).metadata
    assert set(s["model_name"]) == {meta["name"]}
    assert set(s["model_version"].astype(str)) == {meta["version"]}
    d = df.assign(risk=ristra.Model.load(gbdt).predict(df))
    listed = read_csv(out)
    groups = [(code, g) for code, g in d.groupby("practice")] + [("ALL", d)]
    assert list(s["practice"]) == [code for code, _ in groups]
    for (code, g), (_, row) in zip(groups, s.iterrows()):
        assert row["list_size"] == len(g)
        assert row["rejected"] == 0
        assert row["expected_admissions"] == pytest.approx(g["risk"].sum(), rel=1e-12)
        assert row["mean_risk"] == pytest.approx(g["risk"].mean(), rel=1e-12)
        assert row["observed_admissions"] == g[OUTCOME].sum()
        assert row["observed_expected"] == pytest.approx(g[OUTCOME].sum() / g["risk"].sum(),
                                                         rel=1e-12)
        assert abs(row["auroc"] - roc_auc_score(g[OUTCOME], g["risk"])) < 1e-9
        tiers = listed["tier"] if code == "ALL" else listed.loc[listed["practice"] == code,
                                                                   "tier"]
        for name in DEFAULT_NAMES:
            assert row[name] == (tiers == name).sum()


def test_a_file_without_the_outcome_has_no_observed_columns(logistic, work, tmp_path):
    path = work / "no_outcome.csv"
    run("synth", "--patients", 3000, "--practices", 2, "--seed", 5, "--no-outcome",
        "--output", path, check=True)
    out, summary = tmp_path / "out.csv", tmp_path / "summary.csv"
    assert score(logistic, path, out, "--summary", summary, "--quiet").returncode == 0
    s = read_csv(summary)
    assert list(s.columns) == ["practice", "list_size", "rejected", *DEFAULT_NAMES,
                               "mean_risk", "expected_admissions", "model_name", "model_version"]
    assert list(s["practice"])[-1] == "ALL"


# ---------------------------------------------------------------- bad rows


SPOILERS = {  # how to spoil a row -> the status it then gets
    "nhs": "invalid NHS number",
    "range": "value out of range",
    "text": "value not numeric",
    "fields": "wrong number of fields",
    "practice": "invalid practice code",
    "outcome": "invalid outcome value",
}


def spoil(fields, how, col):
    f = list(fields)
    if how == "nhs":  # another check digit is always a wrong one
        nhs = f[col["nhs_number"]]
        f[col["nhs_number"]] = nhs[:9] + str((int(nhs[9]) + 1) % 10)
    elif how == "range":
        f[col["age"]] = "130"
    elif how == "text":
        f[col["imd_decile"]] = "high"
    elif how == "fields":
        f = f[:-1]
    elif how == "practice":
        f[col["practice"]] = "X1"
    elif how == "outcome":
        f[col[OUTCOME]] = "yes"
    return ",".join(f)


def test_rejects_list_each_injected_bad_row_with_its_line(logistic, population, tmp_path):
    path, _ = population
    lines = path.read_text().splitlines()
    col = {name: i for i, name in enumerate(lines[0].split(","))}
    rng = np.random.default_rng(3)
    kinds = list(rng.permutation(list(SPOILERS) * 4))
    targets = set(rng.choice(np.arange(1, len(lines)), size=len(kinds), replace=False).tolist())
    out_lines = [lines[0]]
    bad = {}  # line of the spoilt file -> (status, practice code counted, or None)
    for i, text in enumerate(lines[1:], start=1):
        practice = text.split(",")[col["practice"]]
        if i in targets:
            how = kinds.pop()
            text = spoil(text.split(","), how, col)
            bad[len(out_lines) + 1] = (SPOILERS[how], None if how == "practice" else practice)
        out_lines.append(text)
        if i == 20000:  # a repeated NHS number, later in the file than the first
            first = lines[11] if 11 not in targets else lines[12]
            out_lines.append(first)
            bad[len(out_lines)] = ("duplicate identifier", first.split(",")[col["practice"]])
    spoilt = tmp_path / "spoilt.csv"
    spoilt.write_text("\n".join(out_lines) + "\n")

    out, rej, summary = tmp_path / "out.csv", tmp_path / "rejects.csv", tmp_path / "s.csv"
    p = score(logistic, spoilt, out, "--rejects", rej, "--summary", summary)
    assert p.returncode == 0, p.stderr
    assert f"{len(bad)} rejected" in p.stdout
    r = pd.read_csv(rej, keep_default_na=False, dtype=str)
    assert list(r.columns) == ["line", "nhs_number", "practice", "status", "reason"]
    assert [int(x) for x in r["line"]] == sorted(bad)
    assert list(r["status"]) == [bad[k][0] for k in sorted(bad)]
    for _, row in r.iterrows():
        fields = out_lines[int(row["line"]) - 1].split(",")
        assert row["nhs_number"] == fields[col["nhs_number"]]
        assert row["practice"] == fields[col["practice"]]
        assert len(row["reason"]) > 0
    listed = read_csv(out)
    assert len(listed) == len(out_lines) - 1 - len(bad)
    assert listed["nhs_number"].is_unique
    s = read_csv(summary).set_index("practice")
    counted = pd.Series([prac for _, prac in bad.values() if prac is not None]).value_counts()
    for code, row in s.drop(index="ALL").iterrows():
        assert row["rejected"] == counted.get(code, 0), code
    assert s.loc["ALL", "rejected"] == len(bad)


# ---------------------------------------------------------------- files


def test_gzip_in_and_out_give_the_plain_bytes(logistic, population, work, tmp_path):
    path, _ = population
    gz_in = work / "pop.csv.gz"
    gz_in.write_bytes(gzip.compress(path.read_bytes()))
    plain, gz_out = tmp_path / "out.csv", tmp_path / "out.csv.gz"
    s_plain, s_gz = tmp_path / "s.csv", tmp_path / "s.csv.gz"
    assert score(logistic, path, plain, "--summary", s_plain, "--quiet").returncode == 0
    assert score(logistic, gz_in, gz_out, "--summary", s_gz, "--quiet").returncode == 0
    assert gz_out.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(gz_out.read_bytes()) == plain.read_bytes()
    assert gzip.decompress(s_gz.read_bytes()) == s_plain.read_bytes()


def test_gzip_outputs_are_read_by_gzip_zcat_and_python(logistic, population, tmp_path):
    """Whichever library compressed them (ISA-L or zlib), the outputs are
    standard gzip: gzip -t accepts them, zcat and Python's gzip give the
    plain run's bytes, and so does a multi-member input made by gzip."""
    path, _ = population
    plain, gz_out = tmp_path / "out.csv", tmp_path / "out.csv.gz"
    rej_plain, rej_gz = tmp_path / "r.csv", tmp_path / "r.csv.gz"
    assert score(logistic, path, plain, "--rejects", rej_plain, "--quiet").returncode == 0
    data = path.read_bytes()
    half = len(data) // 2
    two_members = tmp_path / "in.csv.gz"
    two_members.write_bytes(gzip.compress(data[:half], 1) + gzip.compress(data[half:], 9))
    assert score(logistic, two_members, gz_out, "--rejects", rej_gz, "--quiet").returncode == 0
    for gz, want in ((gz_out, plain), (rej_gz, rej_plain)):
        assert subprocess.run(["gzip", "-t", str(gz)]).returncode == 0
        assert subprocess.run(["zcat", str(gz)], capture_output=True).stdout == want.read_bytes()
        with gzip.open(gz, "rb") as f:
            assert f.read() == want.read_bytes()


def test_a_failed_run_leaves_no_output_and_older_files_untouched(logistic, population, work,
                                                                 tmp_path):
    path, _ = population
    truncated = tmp_path / "truncated.csv.gz"
    data = gzip.compress(path.read_bytes())
    truncated.write_bytes(data[: len(data) * 2 // 3])
    out, rej = tmp_path / "out.csv", tmp_path / "rejects.csv"
    out.write_text("yesterday's list\n")
    p = score(logistic, truncated, out, "--rejects", rej, "--summary", tmp_path / "s.csv")
    assert p.returncode == 1
    assert "truncated.csv.gz" in p.stderr and "nothing written" in p.stderr
    assert out.read_text() == "yesterday's list\n"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out.csv", "truncated.csv.gz"]


def test_a_missing_column_is_named_and_fails(logistic, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("nhs_number,practice,age\n9990000018,A81001,70\n")
    p = score(logistic, bad, tmp_path / "out.csv")
    assert p.returncode == 1
    assert "female" in p.stderr and "bad.csv" in p.stderr
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------- the command


def test_usage_errors_exit_2(logistic, population, tmp_path):
    path, _ = population
    out = tmp_path / "out.csv"
    assert run("score", "--model", logistic, "--input", path).returncode == 2
    for args in (["--tiers", "0.2,0.1"], ["--tiers", "0.1,x"], ["--tiers", "1.5"],
                 ["--tier-names", "a,b"], ["--threads", "-1"], ["--tiers", ",".join(["0.1"] * 9)],
                 ["--rejects", out]):
        p = score(logistic, path, out, *args)
        assert p.returncode == 2, (args, p.stderr)
        assert p.stderr.startswith("ristra score: ")
    assert not out.exists()
    p = run("score", "--help")
    assert p.returncode == 0 and "ristra score --model" in p.stdout


def test_prints_a_summary_paragraph_and_no_progress_without_a_terminal(logistic, population,
                                                                       tmp_path):
    path, df = population
    p = score(logistic, path, tmp_path / "out.csv", "--summary", tmp_path / "s.csv")
    assert p.returncode == 0
    assert p.stderr == ""
    text = " ".join(p.stdout.split())
    assert f"Read {len(df):,} rows" in text and f"{len(df):,} scored, 0 rejected" in text
    assert "7 practices" in text and "top 0.5%" in text
    assert "out.csv" in text and "s.csv" in text


def test_draws_a_progress_bar_when_stderr_is_a_terminal(logistic, population, tmp_path):
    path, _ = population
    master, slave = pty.openpty()
    proc = subprocess.run([CLI, "score", "--model", str(logistic), "--input", str(path),
                           "--output", str(tmp_path / "out.csv")],
                          stdout=subprocess.PIPE, stderr=slave, env={**os.environ})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.returncode == 0
    seen = b"".join(chunks).decode()
    assert "%" in seen and " patients, " in seen and "/s" in seen
