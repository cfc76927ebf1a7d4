#!/bin/sh
# Install what the benchmark needs on top of grafo's own dependencies:
# Debian's PyTorch and NumPy, for bench_mnist.py.  Run as root on Debian 12;
# it installs only what is missing.
set -eu
exec "$(dirname "$0")/../scripts/setup.sh" python3-torch python3-numpy
