"""How the binding finds libristra, and that it refuses one of another
major version. Fake libraries are compiled here with the C compiler."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

import ristra
from ristra import _lib
from conftest import EXAMPLE_MODEL, SOURCE

PACKAGE = pathlib.Path(ristra.__file__).resolve().parent


def header_version():
    text = (SOURCE / "include" / "ristra" / "version.h").read_text()
    parts = [re.search(rf"#define RISTRA_VERSION_{p} (\d+)", text).group(1)
             for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


def fake_library(tmp_path, number, text, name="libfake.so"):
    """A shared library exporting only the two version functions."""
    src = tmp_path / "fake.c"
    src.write_text(textwrap.dedent(f"""
        int ristra_version(void) {{ return {number}; }}
        const char *ristra_version_string(void) {{ return "{text}"; }}
    """))
    out = tmp_path / name
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-o", out, src], check=True)
    return out


def python(code, env, cwd):
    """Runs code in a fresh interpreter (so the library is looked up anew)."""
    base = {k: v for k, v in os.environ.items() if k not in ("RISTRA_LIBRARY", "PYTHONPATH")}
    return subprocess.run([sys.executable, "-c", code], env={**base, **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_binding_version_is_the_headers_version():
    assert ristra.__version__ == header_version()


def test_the_loaded_library_is_this_trees():
    assert ristra.library_version() == header_version()
    if os.environ.get("RISTRA_LIBRARY"):
        assert ristra.library_path() == os.environ["RISTRA_LIBRARY"]


def test_a_library_of_another_major_version_is_refused(tmp_path):
    fake = fake_library(tmp_path, 30103, "3.1.3")
    with pytest.raises(ristra.VersionError) as e:
        _lib.load_library(str(fake))
    message = str(e.value)
    assert str(fake) in message and "libristra 3.1.3 (major version 3)" in message
    assert "only with major version 2" in message and "RISTRA_LIBRARY" in message


def test_ristra_library_pointing_at_another_major_fails_on_first_use(tmp_path):
    fake = fake_library(tmp_path, 9999, "0.99.99")
    proc = python(textwrap.dedent(f"""
        import ristra
        try:
            ristra.Model.load({str(EXAMPLE_MODEL)!r})
        except ristra.VersionError as e:
            print("refused:", e)
    """), {"RISTRA_LIBRARY": str(fake), "PYTHONPATH": str(PACKAGE.parent)}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "refused:" in proc.stdout and "0.99.99" in proc.stdout


def test_a_same_major_library_lacking_functions_is_refused(tmp_path):
    fake = fake_library(tmp_path, 20000, "2.0.0")
    with pytest.raises(ristra.FileError, match="lacks ristra_"):
        _lib.load_library(str(fake))


def test_a_library_that_is_not_libristra_is_refused():
    with pytest.raises(ristra.FileError, match="is not libristra"):
        _lib.load_library("libz.so.1")


def test_ristra_library_naming_a_missing_file_fails_naming_it(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "libristra.so.2"
    monkeypatch.setenv("RISTRA_LIBRARY", str(missing))
    with pytest.raises(ristra.FileError, match=re.escape(str(missing))):
        _lib._find_and_load()


def loaded_library_file():
    """The file the loader mapped for libristra in this process."""
    _lib.lib()
    for line in pathlib.Path("/proc/self/maps").read_text().splitlines():
        if _lib.SONAME in line or "libristra.so" in line:
            return pathlib.Path(line.split()[-1])
    raise AssertionError("libristra is not mapped")


def copy_package(dest):
    shutil.copytree(PACKAGE, dest / "ristra", ignore=shutil.ignore_patterns("__pycache__"))


def test_a_source_trees_build_is_found_without_ristra_library(tmp_path):
    tree = tmp_path / "tree"
    (tree / "include" / "ristra").mkdir(parents=True)
    (tree / "include" / "ristra" / "ristra.h").touch()
    (tree / "build").mkdir()
    shutil.copy(loaded_library_file(), tree / "build" / _lib.SONAME)
    copy_package(tree / "bindings" / "python")
    proc = python("import ristra; print(ristra.library_path()); print(ristra.library_version())",
                  {"PYTHONPATH": str(tree / "bindings" / "python")}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(tree / "build" / _lib.SONAME), header_version()]


def test_outside_a_source_tree_the_system_loader_is_used(tmp_path):
    copy_package(tmp_path / "site")
    libdir = loaded_library_file().parent
    proc = python("import ristra; print(ristra.library_path())",
                  {"PYTHONPATH": str(tmp_path / "site"), "LD_LIBRARY_PATH": str(libdir)}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == _lib.SONAME
