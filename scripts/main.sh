#!/bin/sh
# The main job: install what is missing, build, and train the seeds' MNIST
# network (784-512-10) on Fashion-MNIST.  Options go to 'grafo mnist'.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
exec build/grafo mnist "$@"
