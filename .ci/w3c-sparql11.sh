#!/usr/bin/env bash
# The W3C SPARQL 1.1 test suite ships in rdflib's source distribution on PyPI, not in this
# repository: fetch it for the rdflib version of the venv, once, into .cache/, and print the
# export line that tells the tests where it is (eval "$(.ci/w3c-sparql11.sh)").
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(.venv/bin/python -c "import rdflib; print(rdflib.__version__)")
dest=".cache/w3c-sparql11-$version"
if [ ! -d "$dest" ]; then
    tmp=$(mktemp -d)
    .venv/bin/pip download --quiet --no-binary :all: --no-deps "rdflib==$version" -d "$tmp" >&2
    tar -xzf "$tmp/rdflib-$version.tar.gz" -C "$tmp" "rdflib-$version/test/data/suites/w3c/sparql11"
    mkdir -p .cache
    mv "$tmp/rdflib-$version/test/data/suites/w3c/sparql11" "$dest"
    rm -rf "$tmp"
fi
echo "export KZBY_KG_W3C_SPARQL11=$PWD/$dest"
