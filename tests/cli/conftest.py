"""Shared fixtures for the command-line tests: the built `ristra` tool and
the source tree, both passed in by ctest."""
import os
import pathlib
import subprocess

import pytest

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
CLI = os.environ.get("RISTRA_CLI", str(SOURCE / "build" / "bindings" / "cli" / "ristra"))


def run(*args, check=False, **kw):
    """Runs `ristra ARGS`; returns the CompletedProcess (text mode)."""
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"ristra {' '.join(map(str, args))} failed:\n{proc.stderr}")
    return proc


@pytest.fixture
def source():
    return SOURCE
