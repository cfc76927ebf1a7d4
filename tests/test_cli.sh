#!/bin/bash
# The grafo command: bad input gets a clear message and a non-zero exit;
# a short real run works.  usage: test_cli.sh GRAFO DATA_DIR
set -u
grafo=$1
data=$2
. "$(dirname "$0")/cli_expect.sh"

expect 2 "usage"
expect 2 "unknown command 'bogus'" bogus
expect 0 "grafo 0" version
expect 0 "usage: grafo mnist" mnist --help
expect 2 "unknown option '--bogus'" mnist --bogus
expect 2 "'abc' is not a whole number" mnist --epochs abc
expect 2 "outside 1..100000" mnist --epochs 0
expect 2 "'nan' is not a finite number" mnist --lr nan
expect 2 "outside" mnist --lr -0.1
expect 2 "unknown activation 'swish'" mnist --activation swish
expect 2 "needs a value" mnist --epochs
expect 3 "$tmp/none/train-images-idx3-ubyte" mnist --data "$tmp/none"

# A corrupt file: the training images cut short.
mkdir "$tmp/cut"
cp "$data"/t10k-* "$data"/train-labels-idx1-ubyte.gz "$tmp/cut/"
head -c 100000 "$data/train-images-idx3-ubyte.gz" >"$tmp/cut/train-images-idx3-ubyte.gz"
expect 3 "train-images-idx3-ubyte.gz" mnist --data "$tmp/cut"

# Labels swapped for images: the wrong magic number is named.
mkdir "$tmp/swap"
cp "$data"/t10k-* "$tmp/swap/"
cp "$data/train-labels-idx1-ubyte.gz" "$tmp/swap/train-images-idx3-ubyte.gz"
cp "$data/train-labels-idx1-ubyte.gz" "$tmp/swap/train-labels-idx1-ubyte.gz"
expect 3 "train-images-idx3-ubyte.gz" mnist --data "$tmp/swap"

# A short real run, and one whose learning rate makes the loss blow up.
expect 0 "epoch   1" mnist --data "$data" --limit 3000 --epochs 1 --threads 1
expect 1 "stopped before applying that step" mnist --data "$data" --limit 3000 --epochs 2 --lr 900 --no-test

finish test_cli
