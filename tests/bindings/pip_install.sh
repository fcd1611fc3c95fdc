#!/bin/sh
# `pip install bindings/python` works offline into a fresh virtual
# environment (Debian's pip refuses to install into the system Python, PEP
# 668), and the installed package finds libristra through RISTRA_LIBRARY and
# through the system loader, and scores.
#
# usage: pip_install.sh PYTHON SOURCE_DIR BUILD_DIR LIBRISTRA
set -eu
python=$1 source=$2 build=$3 library=$4
work=$build/python-install
rm -rf "$work"
mkdir -p "$work"
# setuptools writes build/ and ristra.egg-info/ beside the sources: use a copy.
cp -R "$source/bindings/python" "$work/src"
"$python" -m venv --system-site-packages "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --no-build-isolation --no-index "$work/src"

check='
import sys, numpy as np, ristra
assert ristra.__file__.startswith(sys.prefix), ristra.__file__
model = ristra.Model.load(sys.argv[1])
risk = model.predict(np.array([[70, 1, 3, 2, 1, 0, 0]], dtype=float))
assert 0 < risk[0] < 1, risk
print("installed ristra", ristra.__version__, "scores with", ristra.library_path())
'
cd "$work"
unset PYTHONPATH
RISTRA_LIBRARY=$library "$work/venv/bin/python" -c "$check" "$source/models/example_logistic.json"
env -u RISTRA_LIBRARY LD_LIBRARY_PATH="$(dirname "$library")" \
    "$work/venv/bin/python" -c "$check" "$source/models/example_logistic.json"
