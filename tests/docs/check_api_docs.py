#!/usr/bin/env python3
"""Every public function is documented in the API reference: runs Doxygen
(the real tool, with docs/api/Doxyfile as `make docs` does) and checks its
XML output for each function the shared library exports. Each must have
a description, a @since and a thread-safety paragraph (a getter's
description is its return value, as in libgit2, so @return is not
demanded). Doxygen's own documentation errors (a @param naming no
parameter, a bad command) fail the check too.

usage: check_api_docs.py DOXYGEN DOXYFILE OUTPUT_DIR LIBRISTRA_SO
"""
import pathlib
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    return {p[2].split("@")[0] for p in (l.split() for l in out.splitlines())
            if len(p) >= 3 and p[2].startswith("ristra_")}


def text_of(node):
    return "".join(node.itertext()).strip() if node is not None else ""


def functions(xml_dir):
    found = {}
    for f in sorted(xml_dir.glob("*_8h.xml")):
        for m in ET.parse(f).getroot().iter("memberdef"):
            if m.get("kind") == "function":
                found[m.findtext("name")] = (f.name, m)
    return found


def problems(name, member):
    doc = text_of(member.find("briefdescription")) + text_of(member.find("detaileddescription"))
    if not doc:
        return ["not documented"]
    detail = member.find("detaileddescription")
    sects = {s.get("kind"): text_of(s) for s in detail.iter("simplesect")}
    titles = [text_of(p.find("title")) for p in detail.iter("parasection")] + \
             [text_of(t) for t in detail.iter("title")]
    out = []
    if "since" not in sects:
        out.append("no @since")
    if not any("Thread safety" in t for t in titles):
        out.append("no @thread_safety")
    return out


def main():
    doxygen, doxyfile, out_dir, lib = sys.argv[1:5]
    out = pathlib.Path(out_dir)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    subprocess.run([doxygen, doxyfile], check=True)
    warnings = (out / "warnings.txt").read_text()
    bad = 0
    for line in warnings.splitlines():
        if re.search(r"warning: (argument '.*' of command @param is not found|"
                     r"Found unknown command|unable to resolve reference)", line):
            print(line)
            bad += 1
    docs = functions(out / "xml")
    public = exported(lib)
    for name in sorted(public):
        if name not in docs:
            print(f"{name}: exported but not in the API reference")
            bad += 1
            continue
        for p in problems(name, docs[name][1]):
            print(f"{name} ({docs[name][0].replace('_8h.xml', '.h')}): {p}")
            bad += 1
    if bad:
        print(f"{bad} problem(s) in the API reference of {len(public)} functions")
        return 1
    print(f"all {len(public)} public functions documented (description, @since, "
          f"thread safety); HTML in {out / 'html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
