"""examples/dask/score_population.py on a LocalCluster of 2 worker processes
(one thread each) writes, for a population split into 4 files, exactly the
ranked list that `ristra score` writes for the same rows in one file.

The model is fitted here (ristra.fit_logistic) on a synthetic population
whose whole-number features give many tied risks, so the tie-break by NHS
number is exercised; practices straddle the file boundaries; and the files
carry bad rows of each kind, an NHS number repeated in a later file (the
later row is a duplicate), and one repeated after an unusable first row
(the later row counts). The same again with the files pseudonymised under
one key (--id-kind pseudonym: equal risks ordered by pseudonym, the bad
NHS numbers now empty pseudonyms) and a gzip output."""
import gzip
import os
import re
import subprocess
import sys

import pytest

from conftest import CLI, SOURCE

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
sys.path.insert(0, str(SOURCE / "bindings" / "python"))
import ristra  # noqa: E402

EXAMPLE = SOURCE / "examples" / "dask" / "score_population.py"
FEATURES = ["age", "female", "imd_decile", "care_home", "n_ltc", "ae_attendances_12m",
            "emergency_admissions_12m"]


def split(lines, n):
    size = -(-len(lines) // n)
    return [lines[i:i + size] for i in range(0, len(lines), size)]


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dask")
    whole = tmp / "synth.csv"
    subprocess.run([CLI, "synth", "--patients", "24000", "--practices", "9", "--seed", "11",
                    "--output", whole], check=True, capture_output=True)
    rows = ristra.read_population(whole, columns=FEATURES,
                                  outcome_column="emergency_admission_next_12m")
    fit = ristra.fit_logistic(rows[FEATURES], rows.emergency_admission_next_12m)
    model = fit.to_model(name="dask test", outcome="emergency admission", horizon_days=365,
                         intended_use="tests", missing_policy="reject")
    model.save(tmp / "model.json")

    header, *body = whole.read_text().splitlines()
    names = header.split(",")
    first = body[0].split(",")

    def row(**changes):
        fields = list(first)
        for k, v in changes.items():
            fields[names.index(k)] = v
        return ",".join(fields)

    parts = split(body, 4)
    repeated = parts[0][5].split(",")[0]           # a usable row of the first file
    unusable_first = parts[1][7].split(",")[0]
    parts[1][7] = row(nhs_number=unusable_first, age="seventy")
    parts[3] += [row(nhs_number=repeated, age="40"),            # duplicate: rejected
                 row(nhs_number=unusable_first, age="41"),      # first usable: scored
                 row(nhs_number="9434765918"),                  # bad check digit
                 row(nhs_number="9434765919", practice="c81010"),
                 row(nhs_number="9434765870", age="130"),       # out of the training range
                 row(nhs_number="9434765889", imd_decile=""),   # missing, policy reject
                 row(nhs_number="9434765897")[:-2]]             # a field short
    files = []
    for i, part in enumerate(parts):
        path = tmp / f"part-{i}.csv"
        path.write_text("\n".join([header, *part]) + "\n")
        files.append(path)
    (tmp / "all.csv").write_text("\n".join([header, *[r for p in parts for r in p]]) + "\n")
    key = tmp / "practice.key"
    key.write_bytes(bytes(range(40)))
    key.chmod(0o600)
    for name in [f"part-{i}" for i in range(len(parts))] + ["all"]:
        subprocess.run([CLI, "pseudonymise", "--key-file", key, "--input", tmp / f"{name}.csv",
                        "--output", tmp / f"pseudo-{name}.csv", "--quiet"],
                       check=True, capture_output=True)
    return tmp, files


@pytest.mark.parametrize("id_kind, prefix, output", [("nhs", "", "dask.csv"),
                                                     ("pseudonym", "pseudo-", "dask.csv.gz")])
def test_the_dask_example_writes_what_ristra_score_writes(population, id_kind, prefix, output):
    tmp, files = population
    subprocess.run([CLI, "score", "--model", tmp / "model.json",
                    "--input", tmp / f"{prefix}all.csv", "--id-kind", id_kind,
                    "--output", tmp / "single.csv", "--rejects", tmp / "rejects.csv", "--quiet"],
                   check=True, capture_output=True)
    rejects = (tmp / "rejects.csv").read_text().splitlines()
    assert len(rejects) == 1 + 7, rejects                # every planted bad row, nothing else

    env = {**os.environ, "PYTHONPATH": str(SOURCE / "bindings" / "python")}
    proc = subprocess.run([sys.executable, EXAMPLE, tmp / "model.json",
                           str(tmp / f"{prefix}part-*.csv"), "--output", tmp / output,
                           "--id-kind", id_kind, "--workers", "2", "--threads-per-worker", "1"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    loads = re.search(r"model loads per worker: (\[.*\])", proc.stdout)
    assert loads and loads.group(1) == "[1, 1]", proc.stdout

    single = (tmp / "single.csv").read_text().splitlines()
    raw = (tmp / output).read_bytes()
    if output.endswith(".gz"):
        assert raw[:2] == b"\x1f\x8b"
        raw = gzip.decompress(raw)                          # one member a partition
    distributed = raw.decode().splitlines()
    assert single[0].startswith("nhs_number," if id_kind == "nhs" else "pseudonym,")
    assert len(distributed) == len(single) > 24000 - 10
    for i, (want, got) in enumerate(zip(single, distributed)):
        assert got == want, f"line {i + 1}: {got!r} != {want!r}"
    tied = len(single) - 1 - len({line.split(",")[2] for line in single[1:]})
    assert tied > 1000, "the population should have many tied risks"
