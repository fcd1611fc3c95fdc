#!/bin/sh
# Installs the ristra R package the way a user would, against this build:
# stages the build with `cmake --install` so that pkg-config finds its
# ristra.pc, then runs R CMD INSTALL (configure, compile, test-load) into
# <build>/R-library. The package is built from a copy of bindings/R so the
# source tree stays clean.
#
# usage: r_install.sh CMAKE SOURCE_DIR BUILD_DIR
set -eu
cmake=$1 source=$2 build=$3
stage=$build/R-stage
rm -rf "$stage" "$build/R-library" "$build/R-src"
"$cmake" --install "$build" --prefix "$stage" > "$build/R-stage.log"
pc=$(find "$stage" -name ristra.pc)
mkdir -p "$build/R-library" "$build/R-src"
cp -R "$source/bindings/R" "$build/R-src/ristra"
PKG_CONFIG_PATH=$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
    R CMD INSTALL --no-multiarch -l "$build/R-library" "$build/R-src/ristra"
