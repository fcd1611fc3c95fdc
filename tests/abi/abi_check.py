#!/usr/bin/env python3
"""The ABI gate: the built libristra against the committed ABI of its major
version (tests/abi/libristra.so.<major>.abi, written by abidw from
Debian's abigail-tools), compared with abidiff.

Within a major version the ABI may only grow (include/ristra/version.h):

  * functions may be added, never removed or changed;
  * enum values may be added (abidiff itself counts an added enumerator as
    harmless), never renumbered or removed;
  * a public struct may grow at its end (a new version of a versioned
    struct, include/ristra/common.h), and nothing else may change in it:
    no member removed, retyped or moved, no member inserted before the end.

abidiff's exit status has bit 8 (ABIDIFF_ABI_INCOMPATIBLE_CHANGE) for
removed or incompatibly changed functions: that fails at once. Bit 4
(ABIDIFF_ABI_CHANGE) covers every other sub-type change, compatible or not;
for it this script reads abidiff's leaf report and accepts a changed type
only when its whole report is "type size grew" and "data members inserted
at or past the old end". Anything else fails, with abidiff's words.

usage: abi_check.py LIBRISTRA_SO INCLUDE_DIR BASELINE_ABI          (check)
       abi_check.py --update LIBRISTRA_SO INCLUDE_DIR BASELINE_ABI (rewrite the baseline)

The library must be built with debug information (CMake does, see
RISTRA_ABI_DEBUGINFO); abidw reads the types from it.
"""
import os
import re
import subprocess
import sys
import tempfile

ABIDIFF_ERROR, ABIDIFF_USAGE_ERROR, ABIDIFF_ABI_CHANGE, ABIDIFF_ABI_INCOMPATIBLE_CHANGE = 1, 2, 4, 8


def abidw(lib, include_dir, out):
    """The library's ABI as abixml: public types only, no paths or line
    numbers, so that the file does not depend on where it was built."""
    subprocess.run(["abidw", "--headers-dir", include_dir, "--drop-private-types",
                    "--no-show-locs", "--no-corpus-path", "--no-comp-dir-path",
                    "--type-id-style", "hash", "--out-file", out, lib], check=True)


SIZE = re.compile(r"type size changed from (\d+) to (\d+) \(in bits\)$")
INSERTIONS = re.compile(r"\d+ data member insertions?:$")
MEMBER_AT = re.compile(r"'.*', at offset (\d+) \(in bits\)")
IMPACT = re.compile(r"(one impacted interface|\d+ impacted interfaces):$")
SUMMARY = re.compile(r"Removed/Changed/Added (functions|variables) summary: (\d+) Removed, "
                     r"(\d+) Changed")


def changed_declarations(report):
    """Functions and variables removed, or changed themselves (a parameter
    added, a return type changed), as opposed to through a leaf type."""
    return sum(int(m.group(2)) + int(m.group(3)) for m in SUMMARY.finditer(report))


def type_blocks(report):
    """{header line: [its lines]} for each changed leaf type of the report."""
    blocks, current = {}, None
    for line in report.splitlines():
        if re.match(r"^'[^']*' changed:$", line):
            current = blocks.setdefault(line, [])
        elif current is not None and line.startswith("  "):
            current.append(line.strip())
        elif line.strip():
            current = None
    return blocks


def grown_at_end(lines):
    """True when a changed type's report says only: it grew, and members
    were inserted at or past its old size."""
    old = new = None
    in_impact = False
    for line in lines:
        if in_impact:
            continue   # the functions that use the type: listed, not a change
        m = SIZE.match(line)
        if m and old is None:
            old, new = int(m.group(1)), int(m.group(2))
            continue
        if INSERTIONS.match(line):
            continue
        m = MEMBER_AT.match(line)
        if m and old is not None and int(m.group(1)) >= old:
            continue
        if IMPACT.match(line):
            in_impact = True
            continue
        return False
    return old is not None and new > old


def check(lib, include_dir, baseline):
    with tempfile.TemporaryDirectory() as tmp:
        built = os.path.join(tmp, "built.abi")
        abidw(lib, include_dir, built)
        proc = subprocess.run(["abidiff", "--no-added-syms", "--leaf-changes-only",
                               "--impacted-interfaces", baseline, built],
                              capture_output=True, text=True)
    report = proc.stdout + proc.stderr
    rc = proc.returncode
    if rc & (ABIDIFF_ERROR | ABIDIFF_USAGE_ERROR):
        print(report)
        sys.exit(f"abidiff could not compare {baseline} with {lib} (exit {rc})")
    if rc & ABIDIFF_ABI_INCOMPATIBLE_CHANGE:
        print(report)
        sys.exit(f"INCOMPATIBLE ABI change against {baseline}: a function was removed or "
                 "changed. Within a major version the ABI only grows; see README "
                 "'Changing the ABI'.")
    if rc & ABIDIFF_ABI_CHANGE and changed_declarations(report):
        print(report)
        sys.exit(f"INCOMPATIBLE ABI change against {baseline}: a function or variable was "
                 "removed or its declaration changed. See README 'Changing the ABI'.")
    if rc & ABIDIFF_ABI_CHANGE:
        blocks = type_blocks(report)
        bad = [name for name, lines in blocks.items() if not grown_at_end(lines)]
        if bad or not blocks:
            print(report)
            sys.exit("ABI change that is not a struct growing at its end: " +
                     (", ".join(bad) if bad else "(see abidiff's report)") +
                     ". See README 'Changing the ABI'.")
        print("ABI grew compatibly (structs grown at their end):")
        for name in blocks:
            print("  " + name)
    print(f"ABI of {lib} is compatible with {baseline}")


def main(argv):
    update = argv[:1] == ["--update"]
    args = argv[1:] if update else argv
    if len(args) != 3:
        sys.exit(__doc__)
    lib, include_dir, baseline = args
    if update:
        abidw(lib, include_dir, baseline)
        print(f"wrote {baseline} from {lib}")
    else:
        check(lib, include_dir, baseline)


if __name__ == "__main__":
    main(sys.argv[1:])
