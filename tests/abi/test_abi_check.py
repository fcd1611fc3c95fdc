#!/usr/bin/env python3
"""abi_check.py itself: on small libraries built here it accepts a struct
grown at its end and an added function or enum value, and refuses a
retyped or moved member, a removed function and a changed signature."""
import os
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
CHECK = HERE / "abi_check.py"

BASE = """typedef enum e { E0 = 0, E1 = 1 } e;
typedef struct opts { int version; int a; double b; } opts;
int f(opts *o);
int g(e k);
"""
BODY = "int f(opts *o) { return o->a; }\nint g(e k) { return (int)k; }\n"

CASES = {  # name: (header, extra source, compatible?)
    "grown at the end": (BASE.replace("double b; }", "double b; int c; }"), "", True),
    "function and enum value added": (
        BASE.replace("E1 = 1 }", "E1 = 1, E2 = 2 }") + "int h(void);\n",
        "int h(void) { return 0; }\n", True),
    "member retyped": (BASE.replace("int a;", "long a;"), "", False),
    "member inserted in the middle": (BASE.replace("int a;", "int z; int a;"), "", False),
    "parameter added": (BASE.replace("int f(opts *o);", "int f(opts *o, int z);"),
                        None, False),
    "function removed": (BASE.replace("int g(e k);\n", ""), "", False),
    "enum value renumbered": (BASE.replace("E1 = 1", "E1 = 5"), "", False),
}


def build(tmp, name, header, extra):
    d = tmp / name.replace(" ", "_")
    (d / "include").mkdir(parents=True)
    (d / "include" / "t.h").write_text(header)
    body = BODY
    if extra is None:   # the changed signature
        body = body.replace("int f(opts *o) {", "int f(opts *o, int z) { (void)z;")
        extra = ""
    if "removed" in name:
        body = body.split("\n")[0] + "\n"
    (d / "t.c").write_text('#include "include/t.h"\n' + body + extra)
    lib = d / "libt.so"
    subprocess.run(["cc", "-g", "-shared", "-fPIC", d / "t.c", "-o", lib], check=True)
    return lib, d / "include"


def main():
    failures = []
    with tempfile.TemporaryDirectory() as t:
        tmp = pathlib.Path(t)
        lib, inc = build(tmp, "base", BASE, "")
        baseline = tmp / "base.abi"
        subprocess.run([sys.executable, CHECK, "--update", lib, inc, baseline], check=True,
                       capture_output=True)
        for name, (header, extra, ok) in CASES.items():
            lib2, inc2 = build(tmp, name, header, extra)
            proc = subprocess.run([sys.executable, CHECK, lib2, inc2, baseline],
                                  capture_output=True, text=True)
            if (proc.returncode == 0) != ok:
                failures.append(f"{name}: exit {proc.returncode}, expected "
                                f"{'success' if ok else 'failure'}\n{proc.stdout}{proc.stderr}")
    for f in failures:
        print(f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
