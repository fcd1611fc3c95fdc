"""Every `ristra` command of README.md runs as written, in order, from a
directory laid out as the source tree (models/, tests/, build/), making
the files the README tells the reader to make (ccg.csv.gz, then
model.json...). The shell blocks are the README's indented code blocks
whose first word is `ristra` or `build/bindings/cli/ristra`; blocks of
other tools (make, cmake, sudo, pip, R CMD INSTALL, cc) are checked by the
tests named in SKIPPED, not here."""
import os
import pathlib
import re
import subprocess

from conftest import CLI, SOURCE

SKIPPED = {  # first word -> the test that covers those commands
    "make": "the suite itself (make test), install_* tests",
    "cmake": "install_cmake_package, install_programs_run, install_man_pages",
    "sudo": "install_* tests (a staged prefix instead of /usr/local)",
    "cc": "abi_install (pkg-config build)",
    "find_package(ristra": "install_cmake_package",
    "target_link_libraries(my_program": "install_cmake_package",
    "/usr/bin/python3": "python_pip_install",
    "~/ristra-venv/bin/pip": "python_pip_install",
    "export": "python_pip_install",
    "R": "R_install, R_cmd_check",
}


def shell_blocks(text):
    """The indented code blocks outside ``` fences, as lists of lines."""
    blocks, current, fenced, previous_blank = [], [], False, True
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if line.startswith("    ") and (current or previous_blank):
            current.append(line[4:])
        elif current and not line.strip():
            current.append("")
        else:
            if current:
                blocks.append(current)
            current = []
        previous_blank = not line.strip()
    if current:
        blocks.append(current)
    return [[l for l in b if l.strip()] for b in blocks if any(l.strip() for l in b)]


def commands(block):
    """Joins backslash-continued lines; drops trailing comments."""
    out, pending = [], ""
    for line in block:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        out.append(pending + line)
        pending = ""
    return out


def test_every_ristra_command_in_the_readme_runs_as_written(tmp_path):
    blocks = shell_blocks((SOURCE / "README.md").read_text())
    cli = pathlib.Path(CLI)
    (tmp_path / "build" / "bindings" / "cli").mkdir(parents=True)
    (tmp_path / "build" / "bindings" / "cli" / "ristra").symlink_to(cli)
    for d in ("models", "tests", "examples"):
        (tmp_path / d).symlink_to(SOURCE / d)
    env = {**os.environ, "PATH": f"{cli.parent}{os.pathsep}{os.environ['PATH']}"}
    ran, skipped = [], []
    for block in blocks:
        first = block[0].split()[0]
        if first not in ("ristra", "build/bindings/cli/ristra"):
            assert first in SKIPPED or not re.match(r"^[a-z./~]", first), \
                f"a README block this test does not know how to check: {block[0]}"
            skipped.append(block[0])
            continue
        for command in commands(block):
            p = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True,
                               text=True)
            assert p.returncode == 0, f"README command failed ({p.returncode}):\n{command}\n{p.stderr}"
            ran.append(command)
    assert len(ran) >= 7, ran
    made = {p.name for p in tmp_path.iterdir()}
    for name in ("ccg.csv.gz", "ranked.csv.gz", "summary.csv", "model.json", "model-local.json",
                 "calibration.svg", "figures.csv", "model-xgb.json.gz"):
        assert name in made, f"the README's commands did not make {name}"
