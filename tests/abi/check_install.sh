#!/bin/sh
# `cmake --install` gives a usable package: headers, libristra.so.2,
# libristra.a and a ristra.pc that pkg-config resolves wherever the tree
# lands. Builds examples/score_logistic.c against the staged install with
# pkg-config alone (shared and static) and runs both.
#
# usage: check_install.sh CMAKE CC SOURCE_DIR BUILD_DIR
set -eu
cmake=$1 cc=$2 source=$3 build=$4
stage=$build/install-check
rm -rf "$stage"
"$cmake" --install "$build" --prefix "$stage" > /dev/null
pcdir=$(dirname "$(find "$stage" -name ristra.pc)")
export PKG_CONFIG_PATH="$pcdir"
for f in include/ristra/ristra.h; do test -f "$stage/$f" || { echo "missing $f"; exit 1; }; done
libdir=$(pkg-config --variable=libdir ristra)
test -f "$libdir/libristra.so.2" && test -f "$libdir/libristra.a" || { echo "libraries missing in $libdir"; exit 1; }
"$cc" -o "$stage/shared" "$source/examples/score_logistic.c" $(pkg-config --cflags --libs ristra) -Wl,-rpath,"$libdir"
"$cc" -o "$stage/static" "$source/examples/score_logistic.c" $(pkg-config --cflags ristra) \
    "$libdir/libristra.a" $(pkg-config --libs --static ristra | sed 's/-lristra//')
for exe in shared static; do
    "$stage/$exe" "$source/models/example_logistic.json" > "$stage/$exe.out"
    grep -q "not scored: missing required value" "$stage/$exe.out" || { echo "$exe example output wrong"; cat "$stage/$exe.out"; exit 1; }
done
ldd "$stage/shared" | grep -q "$libdir/libristra.so.2" || { echo "shared example does not use the staged library"; exit 1; }
echo "installed package builds and runs examples (shared and static)"
