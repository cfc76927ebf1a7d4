"""bench_mnist.py: time one-epoch training of the MNIST workshop network in
PyTorch, exactly as bench_mnist.c does in grafo: 784-512 ReLU-10, softmax
cross-entropy, minibatch SGD with lr 0.1 on Fashion-MNIST's 60000 training
images, reshuffled every epoch.

    /usr/bin/python3 bench/bench_mnist.py --batch 64 --threads 2 --runs 3

Run it with Debian's /usr/bin/python3: that is the interpreter that sees
Debian's python3-torch.  With more than one thread, set
OMP_WAIT_POLICY=PASSIVE in the environment (bench/run.sh does): under the
default policy PyTorch's OpenMP threads spin between operations, and as soon
as anything else wants the CPUs that makes it 2-3 times slower here.

One warm-up epoch is followed by --runs timed epochs; each prints a line

    torch batch=64 threads=2 run=1 seconds=1.234567 loss=0.5123

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


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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

    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

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
        print(f"torch batch={a.batch} threads={a.threads} run={run} "
              f"seconds={seconds:.6f} loss={loss_sum.item() / rows:.4f}", flush=True)


if __name__ == "__main__":
    main()
