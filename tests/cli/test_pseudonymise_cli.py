"""`ristra pseudonymise` and `ristra score --id-kind pseudonym` end to end.

The pseudonyms are checked against Python's own hmac/hashlib (the peer):
base64url (unpadded) or hex of HMAC-SHA-256(key, the ten digits), cut to
the length asked for. Scoring the pseudonymised file must give each patient
exactly the risk, rank and tier that scoring the original file gives."""
import base64
import csv
import hashlib
import hmac
import json
import os
import stat

import pytest

from conftest import run

MODEL = "models/demo_gbdt.json.gz"


def pseudonym(key, nhs, length=32, encoding="base64url"):
    mac = hmac.new(key, nhs.encode(), hashlib.sha256).digest()
    text = mac.hex() if encoding == "hex" else base64.urlsafe_b64encode(mac).decode().rstrip("=")
    return text[:length]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def area(tmp_path):
    pop = tmp_path / "pop.csv"
    run("synth", "--patients", 3000, "--practices", 3, "--seed", 41, "--output", pop, check=True)
    key = tmp_path / "practice.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    return tmp_path, pop, key


def test_pseudonyms_are_hmac_sha256_of_the_nhs_number(area):
    d, pop, key = area
    out = d / "ps.csv"
    proc = run("pseudonymise", "--key-file", key, "--input", pop, "--output", out, check=True)
    original, pseud = rows(pop), rows(out)
    assert len(original) == len(pseud) == 3000
    k = key.read_bytes()
    for a, b in zip(original, pseud):
        assert b["pseudonym"] == pseudonym(k, a["nhs_number"])
        assert {c: v for c, v in a.items() if c != "nhs_number"} == \
            {c: v for c, v in b.items() if c != "pseudonym"}
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    # the key appears nowhere: not in the output, not on the terminal
    for text in (out.read_bytes(), proc.stdout.encode(), proc.stderr.encode()):
        assert k not in text and k.hex().encode() not in text
    hexed = d / "hex.csv"
    run("pseudonymise", "--key-file", key, "--input", pop, "--output", hexed, "--encoding", "hex",
        "--length", 64, "--quiet", check=True)
    assert rows(hexed)[0]["pseudonym"] == pseudonym(k, original[0]["nhs_number"], 64, "hex")


def test_quotes_crlf_a_bom_and_short_rows_are_read_as_the_scorer_reads_them(area):
    """The records and fields are the reader's (one CSV rule): a quoted
    number, CRLF line ends, a byte-order mark and a quoted comma elsewhere
    keep every other byte; a short row is left as it is, counted invalid;
    a header whose quoted name holds a line break is refused."""
    d, _, key = area
    k = key.read_bytes()
    src = d / "odd.csv"
    src.write_bytes(b'\xef\xbb\xbfpractice,"nhs_number",note\r\n'
                    b'A81001,"9990000018","a, quoted"\r\n'
                    b'A81002\r\n'
                    b'A81003,9990000026,"say ""hi"""\r\n')
    out = d / "odd_ps.csv"
    p = run("pseudonymise", "--key-file", key, "--input", src, "--output", out)
    assert p.returncode == 0, p.stderr
    assert "Pseudonymised 2 of 3 rows" in p.stdout and "1 without a valid NHS number" in p.stdout
    want = (b'\xef\xbb\xbfpractice,pseudonym,note\r\n'
            b'A81001,' + pseudonym(k, "9990000018").encode() + b',"a, quoted"\r\n'
            b'A81002\r\n'
            b'A81003,' + pseudonym(k, "9990000026").encode() + b',"say ""hi"""\r\n')
    assert out.read_bytes() == want
    bad = d / "bad_header.csv"
    bad.write_bytes(b'"prac\ntice",nhs_number\nA81001,9990000018\n')
    p = run("pseudonymise", "--key-file", key, "--input", bad, "--output", d / "bad_ps.csv")
    assert p.returncode == 1 and "line break" in p.stderr and not (d / "bad_ps.csv").exists()


def test_a_key_others_can_read_or_of_the_wrong_size_is_refused_and_nothing_written(area):
    d, pop, key = area
    out = d / "ps.csv"
    key.chmod(0o644)
    proc = run("pseudonymise", "--key-file", key, "--input", pop, "--output", out)
    assert proc.returncode != 0 and "chmod 600" in proc.stderr and not out.exists()
    short = d / "short.key"
    short.write_bytes(b"x" * 8)
    short.chmod(0o600)
    proc = run("pseudonymise", "--key-file", short, "--input", pop, "--output", out)
    assert proc.returncode != 0 and "too few" in proc.stderr and not out.exists()
    assert "xxxxxxxx" not in proc.stderr


def test_a_pseudonymised_file_scores_exactly_as_the_original(area, source):
    d, pop, key = area
    ps = d / "ps.csv"
    run("pseudonymise", "--key-file", key, "--input", pop, "--output", ps, "--quiet", check=True)
    run("score", "--model", source / MODEL, "--input", pop, "--output", d / "list0.csv",
        "--quiet", check=True)
    run("score", "--model", source / MODEL, "--input", ps, "--output", d / "list.csv",
        "--id-kind", "pseudonym", "--rejects", d / "rej.csv", "--quiet", check=True)
    k = key.read_bytes()
    want = {pseudonym(k, r["nhs_number"]): {c: v for c, v in r.items() if c != "nhs_number"}
            for r in rows(d / "list0.csv")}
    got = rows(d / "list.csv")
    assert list(got[0].keys())[0] == "pseudonym" and len(got) == len(want)
    for r in got:
        mine = {c: v for c, v in r.items() if c != "pseudonym"}
        # risks, tiers and ranks are the same; within equal risks the order
        # follows the identifier, so ranks may differ between equal risks only
        w = want[r["pseudonym"]]
        assert (mine["risk"], mine["practice"]) == (w["risk"], w["practice"])
    assert sorted(r["tier"] for r in got) == sorted(w["tier"] for w in want.values())
    assert (d / "rej.csv").read_text().startswith("line,pseudonym,practice,status,reason\n")
    manifest = json.loads((d / "list.csv.manifest.json").read_text())
    assert manifest["options"]["id_kind"] == "pseudonym"


def test_evaluate_fit_and_calibrate_read_pseudonymised_files_as_the_originals(area, source):
    """--id-kind pseudonym reaches every command that reads a population:
    the same patients give the same figures, fit and recalibrated models."""
    d, pop, key = area
    ps = d / "ps.csv"
    run("pseudonymise", "--key-file", key, "--input", pop, "--output", ps, "--quiet", check=True)
    outcome = "emergency_admission_next_12m"
    for name, f, extra in (("orig", pop, []), ("ps", ps, ["--id-kind", "pseudonym"])):
        run("evaluate", "--model", source / MODEL, "--input", f, "--outcome", outcome,
            "--by", "practice", "--output-csv", d / f"ev_{name}.csv", *extra, check=True)
        run("fit", "--input", f, "--outcome", outcome, "--features", "age,n_ltc,female",
            "--output", d / f"fit_{name}.json", "--population", "p", "--fitted-date",
            "2026-01-01", *extra, check=True)
        run("calibrate", "--model", source / MODEL, "--input", f, "--outcome", outcome,
            "--method", "intercept", "--output", d / f"cal_{name}.json", "--population-name", "p",
            "--date", "2026-01-01", *extra, check=True)
    for stem in ("ev_{}.csv", "fit_{}.json", "cal_{}.json"):
        assert (d / stem.format("ps")).read_bytes() == (d / stem.format("orig")).read_bytes(), stem
    p = run("evaluate", "--model", source / MODEL, "--input", ps, "--outcome", outcome)
    assert p.returncode == 1   # read as NHS numbers, every pseudonym is rejected
    p = run("fit", "--input", ps, "--outcome", outcome, "--features", "age", "--output",
            d / "x.json", "--id-kind", "token")
    assert p.returncode == 2 and "--id-kind must be nhs or pseudonym" in p.stderr


def test_bad_and_repeated_pseudonyms_are_rejected_by_line(area, source):
    d, pop, key = area
    ps = d / "ps.csv"
    run("pseudonymise", "--key-file", key, "--input", pop, "--output", ps, "--quiet", check=True)
    lines = ps.read_text().splitlines()
    first = lines[1].split(",")[0]
    lines[2] = "short," + lines[2].split(",", 1)[1]            # too short
    lines[3] = "has space in it 123," + lines[3].split(",", 1)[1]
    lines[4] = first + "," + lines[4].split(",", 1)[1]          # a repeat of line 2
    ps.write_text("\n".join(lines) + "\n")
    run("score", "--model", source / MODEL, "--input", ps, "--output", d / "list.csv",
        "--id-kind", "pseudonym", "--rejects", d / "rej.csv", "--quiet", check=True)
    rej = rows(d / "rej.csv")
    by_line = {int(r["line"]): r for r in rej}
    assert by_line[3]["status"] == "invalid pseudonym" and "is not a pseudonym" in by_line[3]["reason"]
    assert by_line[4]["status"] == "invalid pseudonym"
    assert by_line[5]["status"] == "duplicate identifier"
    assert "pseudonym " + first + " is already on line 2" in by_line[5]["reason"]
    # an NHS-number run of the same file rejects every row, and names the kind
    proc = run("score", "--model", source / MODEL, "--input", ps, "--output", d / "x.csv",
               "--id-column", "pseudonym")
    assert proc.returncode != 0 and "invalid NHS number" in proc.stderr
    proc = run("score", "--model", source / MODEL, "--input", ps, "--output", d / "x.csv",
               "--id-kind", "nhs-ish")
    assert proc.returncode == 2 and "--id-kind must be nhs or pseudonym" in proc.stderr
    proc = run("score", "--model", source / MODEL, "--input", ps, "--output", d / "x.csv",
               "--id-kind", "pseudonym", "--fhir", d / "f.json")
    assert proc.returncode != 0 and "FHIR" in proc.stderr and not (d / "x.csv").exists()


def test_equal_risks_are_ranked_by_pseudonym_in_byte_order(area, source):
    """Every row alike but the pseudonym: the ranks follow the pseudonyms'
    byte order (Python's sort of the bytes is the peer), including
    pseudonyms that share their first 8 or more characters, differ only
    in length or in case, and a block of them long enough for the sort's
    slow path."""
    d, pop, key = area
    ps = d / "ps.csv"
    run("pseudonymise", "--key-file", key, "--input", pop, "--output", ps, "--quiet", check=True)
    lines = ps.read_text().splitlines()
    header, body = lines[0], lines[1].split(",", 1)[1]
    names = ["AAAAAAAA" + "x" * k for k in range(8, 40)]          # one shared prefix, 32 of them
    names += ["AAAAAAAAa" + s for s in ("bcdefghij", "BCDEFGHIJ", "b-cdefghi", "b_cdefghi")]
    names += ["zzzzzzzzzzzzzzzz", "0000000000000000", "ZZZZZZZZZZZZZZZZ", "AAAAAAAAAAAAAAAA"]
    names += [f"p{i:015d}" for i in range(300, 0, -7)]
    text = header + "\n" + "\n".join(f"{n},{body}" for n in names) + "\n"
    ps.write_text(text)
    run("score", "--model", source / MODEL, "--input", ps, "--output", d / "list.csv",
        "--id-kind", "pseudonym", "--quiet", check=True)
    got = rows(d / "list.csv")
    assert len({r["risk"] for r in got}) == 1
    assert [r["pseudonym"] for r in got] == sorted(names, key=lambda s: s.encode())
    assert [int(r["rank_in_practice"]) for r in got] == list(range(1, len(names) + 1))
