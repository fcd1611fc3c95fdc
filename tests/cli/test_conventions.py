"""The conventions a batch operator expects of a command-line tool:
--version and -V, a --help that lists them and ends with the manual page
to read, and a bad option value reported on one line that names the
option and the form it accepts (exit status 2, nothing written)."""
import json
import re

import pytest

from conftest import SOURCE, run

COMMANDS = sorted(p.stem[4:] for p in (SOURCE / "bindings" / "cli").glob("cmd_*.c"))


@pytest.mark.parametrize("flag", ["--version", "-V", "version"])
def test_version_flags_print_the_tool_and_library_versions(flag):
    p = run(flag, check=True)
    assert re.fullmatch(r"ristra \d+\.\d+\.\d+ \(libristra \d+\.\d+\.\d+\)\n", p.stdout)


def test_help_lists_the_version_flags_and_every_command():
    out = run("--help", check=True).stdout
    assert "-V, --version" in out and "-h, --help" in out
    for name in COMMANDS:
        assert re.search(rf"^  {name} ", out, re.M), name


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_help_ends_with_the_man_page_to_read(command):
    out = run(*([command] if command else []), "--help", check=True).stdout
    page = f"ristra-{command}" if command else "ristra"
    assert out.rstrip("\n").splitlines()[-1].startswith(f"The manual: man {page}")


BAD_VALUES = [
    ("synth", ["--patients", "ten", "--output", "x.csv"], "--patients", "whole number"),
    ("synth", ["--patients", "10", "--gzip-level", "12", "--output", "x.csv.gz"], "--gzip-level", "0..9"),
    ("synth", ["--patients", "10", "--seed", "-1", "--output", "x.csv"], "--seed", ">= 0"),
    ("score", ["--model", "m", "--input", "i", "--output", "o", "--threads", "x"], "--threads", "whole number"),
    ("score", ["--model", "m", "--input", "i", "--output", "o", "--threads", "5000"], "--threads", "0..1024"),
    # one limit for every command (RISTRA_MAX_THREADS), in the same words
    ("explain", ["--model", "m", "--input", "i", "--output", "o", "--threads", "1025"], "--threads", "0..1024"),
    ("evaluate", ["--model", "m", "--input", "i", "--outcome", "y", "--threads", "1025"], "--threads", "0..1024"),
    ("calibrate", ["--model", "m", "--input", "i", "--outcome", "y", "--output", "o",
                   "--method", "intercept", "--threads", "1025"], "--threads", "0..1024"),
    ("fit", ["--input", "i", "--outcome", "y", "--features", "a", "--output", "o",
             "--threads", "1025"], "--threads", "0..1024"),
    ("drift", ["--model", "m", "--baseline", "a", "--current", "b", "--threads", "1025"],
     "--threads", "0..1024"),
    ("score", ["--model", "m", "--input", "i", "--output", "o", "--tiers", "0.1,abc"], "--tiers", "number"),
    ("evaluate", ["--model", "m", "--input", "i", "--outcome", "y", "--bins", "0"], "--bins", "1.."),
    ("evaluate", ["--model", "m", "--input", "i", "--outcome", "y", "--level", "2"], "--level", "(0, 1)"),
    ("calibrate", ["--model", "m", "--input", "i", "--outcome", "y", "--method", "magic",
                   "--output", "o"], "--method", "intercept or logistic"),
    ("fit", ["--input", "i", "--outcome", "y", "--features", "a", "--output", "o",
             "--max-iter", "0"], "--max-iter", "1.."),
    ("convert", ["--from", "lightgbm", "a", "b"], "lightgbm", "xgboost"),
]


@pytest.mark.parametrize("command,args,option,form", BAD_VALUES,
                         ids=[f"{c}{a[-2] if len(a) > 1 else ''}" for c, a, _, _ in BAD_VALUES])
def test_a_bad_option_value_is_one_line_naming_the_option_and_the_form(
        command, args, option, form, tmp_path):
    p = run(command, *args, cwd=tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith(f"ristra {command}: ") and option in lines[0] and form in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_option_or_command_is_one_line_too():
    p = run("score", "--modle", "m")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "--modle" in p.stderr
    p = run("scroe")
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "scroe" in p.stderr


def test_text_from_the_command_line_or_a_file_is_echoed_with_control_characters_escaped(
        tmp_path):
    """A terminal escape in an argument, a path or a model's feature text is
    shown as \\x1b, never sent to the terminal (issue 11)."""
    p = run("score", "--model", "m", "--input", "i", "--output", "o", "--threads", "4\x1b[2J")
    assert p.returncode == 2 and "\x1b" not in p.stderr and "4\\x1b[2J" in p.stderr
    p = run("scr\x1b]0;owned\x07oe")
    assert p.returncode == 2 and "\x1b" not in p.stderr and "\\x1b]0;owned\\x07" in p.stderr
    model = tmp_path / "m\x1b[31m.json"
    m = json.loads((SOURCE / "models" / "demo_logistic.json").read_text())
    m["features"][0]["description"] = "age\x1b[5m"
    model.write_text(json.dumps(m))
    out = run("inspect", model, check=True).stdout
    assert "\x1b" not in out and "m\\x1b[31m.json" in out and "age\\x1b[5m" in out
