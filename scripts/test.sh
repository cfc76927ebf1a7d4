#!/bin/sh
# Every test: install what is missing, build, and run the whole suite.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
ctest --test-dir build --output-on-failure -j2
