#!/bin/sh
# find_package(ristra MAJOR.0 REQUIRED) works against an installed prefix:
# an integrator's CMake project (tests/install/consumer) builds
# examples/score_logistic.c with ristra::ristra and runs it, from the
# prefix where it was installed and again after the prefix has been moved.
# A request for the next major version is refused.
#
# usage: cmake_package.sh CMAKE SOURCE_DIR BUILD_DIR MAJOR
set -eu
cmake=$1 source=$2 build=$3 major=$4
work=$build/install-tests/cmake-package
rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$work/prefix" > /dev/null

consume() { # consume PREFIX VERSION BUILDDIR
    "$cmake" -S "$source/tests/install/consumer" -B "$3" -DCMAKE_PREFIX_PATH="$1" \
        -DRISTRA_WANT="$2" -DRISTRA_EXAMPLE="$source/examples/score_logistic.c" > "$3.log" 2>&1
}
consume "$work/prefix" "$major.0" "$work/consumer" || { cat "$work/consumer.log"; exit 1; }
"$cmake" --build "$work/consumer" > "$work/consumer-build.log" 2>&1 || { cat "$work/consumer-build.log"; exit 1; }
"$work/consumer/score_logistic" "$source/models/example_logistic.json" > "$work/out.txt"
grep -q "not scored: missing required value" "$work/out.txt" || { echo "example output wrong:"; cat "$work/out.txt"; exit 1; }
grep -q "ristra_DIR:PATH=$work/prefix/" "$work/consumer/CMakeCache.txt" || { echo "found another ristra"; exit 1; }

# The package is relocatable: move the prefix and configure afresh.
mv "$work/prefix" "$work/moved"
consume "$work/moved" "$major.0" "$work/consumer-moved" || { cat "$work/consumer-moved.log"; exit 1; }
"$cmake" --build "$work/consumer-moved" > /dev/null

if consume "$work/moved" "$((major + 1)).0" "$work/consumer-next"; then
    echo "find_package(ristra $((major + 1)).0) accepted version $major"; exit 1
fi
grep -q "not accepted" "$work/consumer-next.log" || { cat "$work/consumer-next.log"; exit 1; }
echo "find_package(ristra $major.0 REQUIRED) builds and runs examples/score_logistic.c"
