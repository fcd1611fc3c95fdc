from conftest import run


def test_inspect_lists_kind_metadata_and_features(source):
    p = run("inspect", source / "models/example_logistic.json", check=True)
    assert "kind:      logistic" in p.stdout
    assert "NOT FOR CLINICAL USE" in p.stdout
    assert "features:  7" in p.stdout
    assert "imd_decile" in p.stdout and "missing=impute(5)" in p.stdout


def test_inspect_of_a_malformed_model_names_the_place_and_fails(source):
    bad = source / "tests/fixtures/models/bad/range_reversed.json"
    p = run("inspect", bad)
    assert p.returncode == 1
    assert "$.features[0].valid_range" in p.stderr
    assert p.stdout == ""


def test_unknown_options_and_commands_are_usage_errors():
    assert run("inspect", "--bogus", "x").returncode == 2
    p = run("no-such-command")
    assert p.returncode == 2 and "unknown command" in p.stderr


def test_help_and_version():
    p = run("help", check=True)
    assert "inspect" in p.stdout
    p = run("version", check=True)
    assert p.stdout.startswith("ristra ")
    p = run("inspect", "--help", check=True)
    assert p.stdout.startswith("usage: ristra inspect")
