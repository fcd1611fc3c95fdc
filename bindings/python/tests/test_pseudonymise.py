"""ristra.pseudonymise() and score_file(id_kind="pseudonym"): the same
library calls as the command-line tool, so the same bytes (compared with
the CLI's files), and pseudonyms as Python's hmac makes them."""
import base64
import hashlib
import hmac
import os
import subprocess

import pandas as pd
import pytest

import ristra
from conftest import SOURCE, cli_path

MODEL = str(SOURCE / "models" / "demo_gbdt.json.gz")


@pytest.fixture
def area(tmp_path):
    pop = tmp_path / "pop.csv"
    ristra.synth(str(pop), patients=1500, practices=2, seed=9)
    key = tmp_path / "k.key"
    key.write_bytes(os.urandom(48))
    key.chmod(0o600)
    return tmp_path, pop, key


def test_python_and_the_cli_write_the_same_bytes(area):
    d, pop, key = area
    cli, model_path = cli_path(), MODEL
    counts = ristra.pseudonymise(pop, d / "py.csv", key)
    assert counts == {"n_rows": 1500, "n_pseudonymised": 1500, "n_invalid": 0}
    subprocess.run([cli, "pseudonymise", "--key-file", key, "--input", pop, "--output",
                    d / "cli.csv", "--quiet"], check=True)
    assert (d / "py.csv").read_bytes() == (d / "cli.csv").read_bytes()
    first = pd.read_csv(pop, dtype=str).nhs_number[0]
    mac = hmac.new(key.read_bytes(), first.encode(), hashlib.sha256).digest()
    want = base64.urlsafe_b64encode(mac).decode().rstrip("=")[:32]
    assert pd.read_csv(d / "py.csv", dtype=str).pseudonym[0] == want
    ristra.score_file(model_path, d / "py.csv", d / "py_list.csv", id_kind="pseudonym",
                      manifest="")
    subprocess.run([cli, "score", "--model", model_path, "--input", d / "cli.csv", "--output",
                    d / "cli_list.csv", "--id-kind", "pseudonym", "--manifest", "", "--quiet"],
                   check=True)
    assert (d / "py_list.csv").read_bytes() == (d / "cli_list.csv").read_bytes()
    assert (d / "py_list.csv").read_text().startswith("pseudonym,practice,risk,")
    frame = ristra.read_population(d / "py.csv", ristra.Model.load(model_path),
                                   id_kind="pseudonym")
    assert (frame.status == 0).all()
    assert "nhs_number" not in frame                 # the reader gives no numbers for these
    assert list(frame.pseudonym) == list(pd.read_csv(d / "py.csv", dtype=str).pseudonym)


def test_bad_arguments_are_refused(area):
    d, pop, key = area
    with pytest.raises(ristra.InvalidArgumentError, match="id_kind"):
        ristra.score_file(MODEL, pop, d / "list.csv", id_kind="nhs-ish")
    with pytest.raises(ristra.InvalidArgumentError, match="encoding"):
        ristra.pseudonymise(pop, d / "x.csv", key, encoding="base32")
    key.chmod(0o640)
    with pytest.raises(ristra.InvalidArgumentError, match="chmod 600"):
        ristra.pseudonymise(pop, d / "x.csv", key)
    assert not (d / "x.csv").exists() and not (d / "list.csv").exists()
