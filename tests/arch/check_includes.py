#!/usr/bin/env python3
"""Checks the #include lines of lib/, bindings/ and include/ against the
module rules of docs/architecture.md. Prints every broken rule and exits 1
when there is one. Usage: check_includes.py SOURCE_DIR"""
import os
import re
import sys

# Which lib/ modules each module may include private headers of (its own
# always). Public headers ("ristra/x.h") are open to every module.
ALLOWED = {
    "common": set(),
    "io": {"common"},
    "schema": {"common"},
    "reader": {"common", "io", "schema"},
    "features": {"common", "schema", "model"},
    "model": {"common", "io", "metrics"},
    "link": {"common", "model"},
    "explain": {"common", "features", "model"},
    "metrics": {"common", "io"},
    "stratify": {"common", "metrics"},
    "fit": {"common", "io", "model"},
    "synth": {"common", "io", "schema"},
    "audit": {"common", "io", "metrics", "stratify"},
    "drift": {"common", "io", "metrics"},
    "fhir": {"common", "io", "stratify"},
    "report": {"common", "io", "metrics", "audit", "stratify"},
    "manifest": {"common", "io", "model"},
    "score": {"common", "io", "schema", "reader", "features", "model", "link", "metrics",
              "stratify", "audit", "fhir", "drift", "manifest", "report"},
}

# The only headers that may include the JSON library: the scorers and the
# gbdt kernel must not depend on it.
JANSSON_HEADERS = {
    "lib/io/json_read_internal.h",
    "lib/io/json_nonstd_internal.h",
    "lib/io/ubjson_internal.h",
    "lib/model/model_json_internal.h",
    "lib/manifest/manifest_internal.h",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def sources(root, top):
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in sorted(filenames):
            if name.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(dirpath, name), root)


def check_file(root, rel, problems):
    text = open(os.path.join(root, rel), encoding="utf-8", errors="replace").read()
    parts = rel.split(os.sep)
    for kind, name in INCLUDE.findall(text):
        if kind == "<" and name == "jansson.h" and rel.endswith(".h") and rel.startswith("lib"):
            if rel not in JANSSON_HEADERS:
                problems.append(f"{rel}: includes <jansson.h>; only {sorted(JANSSON_HEADERS)} may")
        if kind != '"' or name.startswith("ristra/"):
            continue
        target = os.path.normpath(os.path.join(os.path.dirname(rel), name))
        tparts = target.split(os.sep)
        if parts[0] == "include":
            problems.append(f"{rel}: public header includes \"{name}\" (only <ristra/...>)")
        elif parts[0] == "bindings" and tparts[0] == "lib":
            problems.append(f"{rel}: a front end includes the library's private {target}")
        elif parts[0] == "lib" and tparts[0] == "lib" and len(parts) > 2:
            mod, dep = parts[1], tparts[1]
            if dep != mod and dep not in ALLOWED.get(mod, set()):
                problems.append(f"{rel}: lib/{mod} may not include lib/{dep} ({target})")
        elif parts[0] == "lib" and tparts[0] != "lib":
            problems.append(f"{rel}: includes {target}, outside lib/")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = []
    modules = {d for d in os.listdir(os.path.join(root, "lib"))
               if os.path.isdir(os.path.join(root, "lib", d))}
    for m in sorted(modules - set(ALLOWED)):
        problems.append(f"lib/{m}: a module docs/architecture.md does not describe")
    for top in ("lib", "bindings", "include"):
        for rel in sources(root, top):
            check_file(root, rel, problems)
    for p in problems:
        print(p)
    print(f"check_includes: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
