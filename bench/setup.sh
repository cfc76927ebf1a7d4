#!/bin/sh
# Install what the benchmarks need on top of grafo's own dependencies:
# Debian's PyTorch and NumPy, for bench_mnist.py; R, glmnet and
# scikit-learn, the peers of bench/linear/.  Run as root on Debian 12; it
# installs only what is missing.
set -eu
exec "$(dirname "$0")/../scripts/setup.sh" python3-torch python3-numpy \
    r-base-core r-cran-glmnet python3-sklearn
