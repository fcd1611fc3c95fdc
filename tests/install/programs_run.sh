#!/bin/sh
# Installed programs run from their prefix with nothing set
# (no LD_LIBRARY_PATH, no ldconfig): bin/ristra finds lib/libristra.so.N
# through its RUNPATH ($ORIGIN/../lib...), also after the prefix moves.
#
# usage: programs_run.sh CMAKE BUILD_DIR
set -eu
cmake=$1 build=$2
work=$build/install-tests/programs
rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" > /dev/null
check() { # check PREFIX
    out=$(env -u LD_LIBRARY_PATH "$1/bin/ristra" --version) || { echo "$1/bin/ristra does not start"; exit 1; }
    echo "$out" | grep -q "^ristra [0-9]" || { echo "unexpected: $out"; exit 1; }
    env -u LD_LIBRARY_PATH ldd "$1/bin/ristra" | grep libristra | grep -q "$1/" ||
        { echo "$1/bin/ristra uses another libristra:"; ldd "$1/bin/ristra" | grep libristra; exit 1; }
}
check "$work/prefix"
mv "$work/prefix" "$work/moved"
check "$work/moved"
echo "installed bin/ristra runs from its prefix (and a moved one)"
