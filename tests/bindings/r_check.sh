#!/bin/sh
# R CMD build, then R CMD check --no-manual, as on a machine that has only
# the installed library: the library is staged with `cmake --install`
# (found through pkg-config), the check runs in a directory outside the
# source tree with RISTRA_SOURCE_DIR and RISTRA_CLI unset, so the tests
# that need the tree or the tool skip and the rest run from the files
# shipped in the package (inst/extdata). Status must be OK: no ERROR, no
# WARNING, no NOTE. The shipped copies of models and golden vectors must
# be the tree's, byte for byte.
#
# usage: r_check.sh CMAKE SOURCE_DIR BUILD_DIR
set -eu
cmake=$1 source=$2 build=$3
pkg=$source/bindings/R
for f in $(cd "$pkg/inst/extdata" && find . -type f); do
    case $f in
        ./golden/*) orig=$source/tests/$f ;;
        *) orig=$source/models/$f ;;
    esac
    cmp -s "$pkg/inst/extdata/$f" "$orig" || { echo "bindings/R/inst/extdata/$f differs from $orig"; exit 1; }
done
stage=$build/R-check-stage
rm -rf "$stage"
"$cmake" --install "$build" --prefix "$stage" > /dev/null
pcdir=$(dirname "$(find "$stage" -name ristra.pc)")
work=$(mktemp -d "${TMPDIR:-/tmp}/ristra-R-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$pkg" "$work/ristra"
cd "$work"
export PKG_CONFIG_PATH="$pcdir" R_LIBS_USER="$work/lib" _R_CHECK_FORCE_SUGGESTS_=false
unset RISTRA_SOURCE_DIR RISTRA_CLI RISTRA_BUILD_DIR RISTRA_LIBRARY
mkdir lib
R CMD build --no-build-vignettes ristra > build.log 2>&1 || { cat build.log; exit 1; }
tarball=$(ls ristra_*.tar.gz)
status=0
R CMD check --no-manual "$tarball" > check.log 2>&1 || status=$?
cat check.log
if [ "$status" -ne 0 ] || ! grep -q "^Status: OK" check.log; then
    for f in ristra.Rcheck/00install.out ristra.Rcheck/tests/testthat.Rout.fail; do
        test -f "$f" && { echo "---- $f"; tail -n 60 "$f"; }
    done
    exit 1
fi
