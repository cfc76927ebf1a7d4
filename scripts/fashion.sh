#!/bin/sh
# Issue 5's two Fashion-MNIST targets through the command, as a user runs
# them: train on the 60,000 training images, then measure the saved model
# on the 10,000 test images with 'grafo eval'.
#
#   1. 784-512-10, ReLU, dropout 0.3, Adam (lr 1e-3, cosine over 30 epochs),
#      batch 128: at least 89.5% test accuracy;
#   2. 784-512-256-10, ReLU, batch norm and dropout 0.3 in each hidden
#      layer, the same optimiser: at least 90%.
#
# About 1 and 1.5 minutes of training on 2 cores.  Usage: scripts/fashion.sh [1|2]
# (both by default).  Models and histories go to build/fashion/.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
scripts/build.sh build >&2
data=/usr/share/datasets/fashion-mnist
out=build/fashion
mkdir -p "$out"
export OMP_WAIT_POLICY=PASSIVE

run() { # name layers
    name=$1
    layers=$2
    echo "== $name: --layers $layers"
    start=$(date +%s)
    build/grafo train --images "$data/train-images-idx3-ubyte.gz" \
        --labels "$data/train-labels-idx1-ubyte.gz" --layers "$layers" \
        --optimizer adam --lr 1e-3 --schedule cosine --epochs 30 --batch 128 --seed 1 \
        --save "$out/$name.safetensors" --history "$out/$name.csv" --plot "$out/$name.svg" \
        --quiet
    echo "trained in $(( $(date +%s) - start )) s"
    build/grafo eval --model "$out/$name.safetensors" --images "$data/t10k-images-idx3-ubyte.gz" \
        --labels "$data/t10k-labels-idx1-ubyte.gz" | grep -i -m1 accuracy
}

which=${1:-all}
if [ "$which" = all ] || [ "$which" = 1 ]; then
    run dropout "512:relu:dropout=0.3,10:softmax"
fi
if [ "$which" = all ] || [ "$which" = 2 ]; then
    run batchnorm "512:relu:bn:dropout=0.3,256:relu:bn:dropout=0.3,10:softmax"
fi
