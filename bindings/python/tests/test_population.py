"""ristra.read_population: the library's reader into a DataFrame. Values
are checked against pandas' round-trip parser on a synthetic population,
and every row status of docs/population-files.md shows up with its reason."""
import gzip
import subprocess

import numpy as np
import pandas as pd
import pytest

import ristra
from conftest import SOURCE, cli_path

FIXTURES = SOURCE / "tests" / "fixtures" / "population"
S = ristra.RowStatus


@pytest.fixture(scope="module")
def synth_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "population.csv"
    subprocess.run([cli_path(), "synth", "--patients", "5000", "--practices", "4", "--seed", "3",
                    "--output", path], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def age_imd_model():
    """A model of age and imd_decile, valid ranges [0, 110] and [1, 10]
    (the ranges seen in training), that rejects missing values."""
    rng = np.random.default_rng(1)
    n = 2000
    X = pd.DataFrame({"age": rng.integers(0, 111, n).astype(float),
                      "imd_decile": rng.integers(1, 11, n).astype(float)})
    X.loc[0, "age"], X.loc[1, "age"], X.loc[0, "imd_decile"], X.loc[1, "imd_decile"] = 0, 110, 1, 10
    y = (rng.random(n) < 1 / (1 + np.exp(-(X.age / 30 - 2)))).astype(float)
    fit = ristra.fit_logistic(X, y)
    return fit.to_model(name="test", outcome="y", horizon_days=365, intended_use="tests")


def test_synth_writes_what_the_command_line_tool_writes(tmp_path):
    subprocess.run([cli_path(), "synth", "--patients", "3000", "--practices", "3", "--seed", "8",
                    "--truth", "--output", tmp_path / "cli.csv.gz"], check=True,
                   capture_output=True)
    ristra.synth(tmp_path / "py.csv.gz", patients=3000, practices=3, seed=8, true_risk=True)
    assert gzip.decompress((tmp_path / "py.csv.gz").read_bytes()) == \
        gzip.decompress((tmp_path / "cli.csv.gz").read_bytes())
    ristra.synth(tmp_path / "plain.csv", patients=20000, outcome=False)
    header = (tmp_path / "plain.csv").read_text().splitlines()[0]
    assert "emergency_admission_next_12m" not in header
    assert len(set(pd.read_csv(tmp_path / "plain.csv").practice)) == 2
    with pytest.raises(ristra.InvalidArgumentError, match="practices"):
        ristra.synth(tmp_path / "x.csv", patients=10, practices=11)


def test_synth_defaults_are_the_command_line_tools(tmp_path):
    """No default of synth lives in the binding: 25,000 patients make the
    same 3 practices (one per 10,000, rounded), byte for byte, as
    `ristra synth --patients 25000`."""
    subprocess.run([cli_path(), "synth", "--patients", "25000", "--output", tmp_path / "cli.csv"],
                   check=True, capture_output=True)
    ristra.synth(tmp_path / "py.csv", patients=25000)
    ours = (tmp_path / "py.csv").read_bytes()
    assert ours == (tmp_path / "cli.csv").read_bytes()
    assert len(set(pd.read_csv(tmp_path / "py.csv").practice)) == 3


def test_the_values_are_those_pandas_reads_back_exactly(synth_file):
    want = pd.read_csv(synth_file, float_precision="round_trip", dtype={"practice": str})
    names = ["age", "frailty_index", "imd_decile", "n_medications"]
    got = ristra.read_population(synth_file, columns=names,
                                 outcome_column="emergency_admission_next_12m",
                                 extra_columns=["female"])
    assert list(got.columns) == ["line", "nhs_number", "practice", "status", "reason", *names,
                                 "emergency_admission_next_12m", "female"]
    assert (got.status == 0).all() and (got.reason == "").all()
    np.testing.assert_array_equal(got.line, np.arange(2, len(want) + 2))
    np.testing.assert_array_equal(got.nhs_number, want.nhs_number)
    assert list(got.practice) == list(want.practice)
    for name in [*names, "emergency_admission_next_12m", "female"]:
        np.testing.assert_array_equal(got[name].to_numpy(), want[name].to_numpy(float), name)


def test_bytes_gzip_and_small_blocks_read_alike(synth_file, tmp_path):
    want = ristra.read_population(synth_file, columns=["age", "frailty_index"])
    packed = tmp_path / "population.csv.gz"
    packed.write_bytes(gzip.compress(synth_file.read_bytes()))
    for got in (ristra.read_population(synth_file.read_bytes(), columns=["age", "frailty_index"]),
                ristra.read_population(packed, columns=["age", "frailty_index"]),
                ristra.read_population(synth_file, columns=["age", "frailty_index"],
                                       block_rows=333, threads=2)):
        pd.testing.assert_frame_equal(got, want)


def test_every_kind_of_bad_row_has_its_status_and_reason(age_imd_model):
    df = ristra.read_population(FIXTURES / "bad_rows.csv", age_imd_model, outcome_column="y")
    assert list(df.status) == [S.OK, S.BAD_NHS_NUMBER, S.BAD_PRACTICE, S.NOT_NUMERIC,
                               S.OUT_OF_RANGE, S.MISSING, S.FIELD_COUNT, S.BAD_OUTCOME,
                               S.DUPLICATE, S.OK]
    assert list(df.line) == list(range(2, 12))
    assert df.reason[0] == "" and all(df.reason[1:9] != "")
    for row in (3, 4, 5):
        assert '"age"' in df.reason[row] or "age" in df.reason[row], df.reason[row]
    assert "seventy" in df.reason[3]
    assert "line 2" in df.reason[8]             # the duplicate names the earlier line
    assert df.nhs_number[1] == 0 and df.practice[2] is None
    assert np.isnan(df.age[3]) and df.age[0] == 70
    np.testing.assert_array_equal(df.y[[0, 9]], [1, 0])
    # The model scores the usable rows as read.
    ok = df[df.status == 0]
    risk = age_imd_model.predict(ok)
    assert np.all((risk > 0) & (risk < 1))


def test_whole_file_errors_name_the_file():
    with pytest.raises(ristra.NotFoundError, match="missing_columns.csv"):
        ristra.read_population(FIXTURES / "missing_columns.csv", columns=["age"])
    with pytest.raises(ristra.FormatError, match="unterminated_quote.csv"):
        ristra.read_population(FIXTURES / "unterminated_quote.csv", columns=["age"])
    with pytest.raises(ristra.FormatError, match="truncated.csv.gz"):
        ristra.read_population(FIXTURES / "truncated.csv.gz", columns=["age"])
    with pytest.raises(ristra.InvalidArgumentError, match="either a model"):
        ristra.read_population(FIXTURES / "good.csv")


def test_collect_gives_the_rows_the_reader_and_model_accept_with_their_groups(tmp_path):
    """ristra.collect (ristra_population_collect): the usable rows in file
    order with the model's risks, practices in code order and the library's
    age bands, checked against read_population, predict and pandas."""
    path = tmp_path / "p.csv"
    ristra.synth(path, patients=3000, practices=3, seed=4)
    lines = path.read_text().splitlines()
    lines[5] = "1" + lines[5][1:]                              # one bad NHS number
    path.write_text("\n".join(lines) + "\n")
    model = ristra.Model.load(SOURCE / "models" / "demo_logistic.json")
    rows = ristra.collect(path, model, extra_columns=["age"])
    df = ristra.read_population(path, model, outcome_column="emergency_admission_next_12m",
                                extra_columns=["age"])
    ok = df[df.status == 0]
    assert rows.n_read == len(df) and len(rows.risk) == len(ok) == len(df) - 1
    assert sum(rows.rejected.values()) == 1
    np.testing.assert_array_equal(rows.risk, model.predict(ok[model.feature_names].to_numpy()))
    assert rows.practice_codes == sorted(set(ok.practice))
    assert list(np.array(rows.practice_codes)[rows.practice]) == list(ok.practice)
    bands = pd.cut(ok.age, [-1, 17, 44, 64, 74, 84, 200], labels=False).to_numpy()
    np.testing.assert_array_equal(rows.group(ristra.Grouping.AGE_BAND, "age"), bands)
    assert ristra.group_name(ristra.Grouping.AGE_BAND, 3) == "65-74"
    with pytest.raises(ristra.NotFoundError):
        rows.group(ristra.Grouping.AGE_BAND, "not_read")
