#!/bin/sh
# Install what grafo needs from Debian's packages, and only what is missing.
# Run as root on Debian 12.  Extra package names may be passed as arguments
# (bench/setup.sh adds PyTorch this way).
set -eu
packages="gcc make cmake pkgconf libopenblas-openmp-dev liblapacke-dev zlib1g-dev
r-mathlib liblbfgs-dev libjansson-dev python3-numpy
dataset-fashion-mnist $*"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
