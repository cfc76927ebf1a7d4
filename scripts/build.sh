#!/bin/sh
# Configure and build grafo in build/ (or the directory given as $1, with
# any further arguments passed to cmake).
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j2
