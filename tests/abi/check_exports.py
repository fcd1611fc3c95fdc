#!/usr/bin/env python3
"""The shared library exports exactly the functions declared RISTRA_API in
include/ristra/, all named ristra_*, and its SONAME is libristra.so.<major>.

usage: check_exports.py LIBRISTRA_SO INCLUDE_DIR MAJOR
"""
import pathlib
import re
import subprocess
import sys


def declared(include_dir):
    names = set()
    for header in sorted(pathlib.Path(include_dir).glob("*.h")):
        text = re.sub(r"/\*.*?\*/", " ", header.read_text(), flags=re.S)
        text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)  # macro definitions
        for m in re.finditer(r"RISTRA_API\s+[^;(]*?\b(\w+)\s*\(", text):
            names.add(m.group(1))
    return names


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            names.add(parts[2].split("@")[0])
    return names


def soname(lib):
    out = subprocess.run(["objdump", "-p", lib], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"SONAME\s+(\S+)", out)
    return m.group(1) if m else None


def main():
    lib, include_dir, major = sys.argv[1:4]
    want = declared(include_dir)
    have = exported(lib) - {"RISTRA_2"}
    ok = True
    if not want:
        print("no RISTRA_API declarations found in", include_dir)
        ok = False
    for name in sorted(have - want):
        print(f"exported but not declared in a public header: {name}")
        ok = False
    for name in sorted(want - have):
        print(f"declared RISTRA_API but not exported: {name}")
        ok = False
    for name in sorted(want):
        if not name.startswith("ristra_") or name.startswith("ristra__"):
            print(f"public function without the ristra_ prefix: {name}")
            ok = False
    expected = f"libristra.so.{major}"
    if soname(lib) != expected:
        print(f"SONAME is {soname(lib)}, expected {expected}")
        ok = False
    print(f"{len(have)} exported symbols, {len(want)} declared; SONAME {soname(lib)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
