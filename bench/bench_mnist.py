"""bench_mnist.py: time one-epoch training of a network in PyTorch, exactly
as bench_mnist.c does in grafo with the same options: softmax cross-entropy
on Fashion-MNIST's 60000 training images, reshuffled every epoch.  By
default the MNIST workshop network, 784-512 ReLU-10 with minibatch SGD lr
0.1; --layers takes grafo's architecture text (the subset the benchmark
uses: UNITS:ACT[:bn][:dropout=P] hidden layers, a UNITS:softmax output) and
--optimizer sgd or adam.

    /usr/bin/python3 bench/bench_mnist.py --batch 64 --threads 2 --runs 3
    /usr/bin/python3 bench/bench_mnist.py --optimizer adam --layers 512:relu:bn,256:relu:bn,10:softmax

The network is built as grafo builds it (nn.h, gf_dense_layer): each hidden
layer is Linear (with bias), then BatchNorm1d (momentum 0.1, eps 1e-5, the
defaults and grafo's), then the activation, then Dropout; weights start
He-normal under ReLU and Glorot-uniform otherwise, biases at zero, as in
grafo, so both start from equally good (not identical) points.

Run it with Debian's /usr/bin/python3: that is the interpreter that sees
Debian's python3-torch.  With more than one thread, set
OMP_WAIT_POLICY=PASSIVE in the environment (bench/run.sh does): under the
default policy PyTorch's OpenMP threads spin between operations, and as soon
as anything else wants the CPUs that makes it 2-3 times slower here.

One warm-up epoch is followed by --runs timed epochs; each prints a line

    torch optim=adam lr=0.001 layers=512:relu,10:softmax batch=64 threads=2 run=1 seconds=1.234567 loss=0.5123

with run=0 for the warm-up.  Only the training loop is timed (shuffle,
gather, forward, backward, update), as in bench_mnist.c.
"""

import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    """An IDX file of unsigned bytes (as (Fashion-)MNIST ships) as an array."""
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        sys.exit(f"bench_mnist.py: {path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir):
    """Standardised images (60000, 784) float32 and labels (60000,) int64,
    prepared as grafo prepares them: pixels scaled to [0, 1], then one mean
    and standard deviation for every pixel."""
    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
    x = images.reshape(len(images), -1).astype(np.float64) / 255.0
    x = ((x - x.mean()) / x.std()).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU,
               "identity": nn.Identity}


def build(spec, inputs):
    """The nn.Sequential for grafo's architecture text `spec`."""
    layers = [part.strip().split(":") for part in spec.split(",")]
    *hidden, output = layers
    if len(output) != 2 or output[1] != "softmax":
        sys.exit(f"bench_mnist.py: the last layer of '{spec}' must be UNITS:softmax")
    modules, width = [], inputs
    for words in hidden:
        units, act, options = int(words[0]), words[1], words[2:]
        if act not in ACTIVATIONS:
            sys.exit(f"bench_mnist.py: activation '{act}' of '{spec}' is not one of "
                     f"{', '.join(ACTIVATIONS)}")
        linear = nn.Linear(width, units)
        if act in ("relu", "elu"):
            nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        else:
            nn.init.xavier_uniform_(linear.weight)
        nn.init.zeros_(linear.bias)
        modules.append(linear)
        dropout = 0.0
        batch_norm = False
        for option in options:
            if option == "bn":
                batch_norm = True
            elif option.startswith("dropout="):
                dropout = float(option[len("dropout="):])
            else:
                sys.exit(f"bench_mnist.py: unknown layer option '{option}' in '{spec}'")
        if batch_norm:
            modules.append(nn.BatchNorm1d(units, eps=1e-5, momentum=0.1))
        modules.append(ACTIVATIONS[act]())
        if dropout > 0:
            modules.append(nn.Dropout(dropout))
        width = units
    linear = nn.Linear(width, int(output[0]))
    nn.init.xavier_uniform_(linear.weight)
    nn.init.zeros_(linear.bias)
    modules.append(linear)
    return nn.Sequential(*modules)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd",
                   help="plain SGD, or Adam with betas 0.9, 0.999, eps 1e-8, no decay [sgd]")
    p.add_argument("--lr", type=float, help="learning rate [sgd 0.1, adam 0.001]")
    p.add_argument("--layers", default="512:relu,10:softmax",
                   help="grafo's architecture text [512:relu,10:softmax]")
    p.add_argument("--batch", type=int, default=64, help="minibatch size [64]")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads [1]")
    p.add_argument("--runs", type=int, default=3, help="timed epochs after a warm-up [3]")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                   help="Fashion-MNIST IDX files")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x, y = load(a.data)
    rows = len(x)

    model = build(a.layers, x.shape[1])
    model.train()  # batch statistics and dropout, as grafo's training
    loss_fn = nn.CrossEntropyLoss()
    if a.optimizer == "sgd":
        lr = 0.1 if a.lr is None else a.lr
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    else:
        lr = 1e-3 if a.lr is None else a.lr
        opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8,
                               weight_decay=0)

    for run in range(1 + a.runs):
        start = time.perf_counter()
        # A fresh order every epoch, and plain slicing instead of a
        # DataLoader, whose worker and collation machinery would only
        # slow PyTorch down on data already in memory.
        order = torch.randperm(rows)
        loss_sum = torch.zeros(())
        for first in range(0, rows, a.batch):
            idx = order[first:first + a.batch]
            xb, yb = x[idx], y[idx]
            loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            # Summed as a tensor: no Python float conversion per step.
            loss_sum += loss.detach() * len(idx)
        seconds = time.perf_counter() - start
        print(f"torch optim={a.optimizer} lr={lr:g} layers={a.layers} batch={a.batch} "
              f"threads={a.threads} run={run} "
              f"seconds={seconds:.6f} loss={loss_sum.item() / rows:.4f}", flush=True)


if __name__ == "__main__":
    main()
