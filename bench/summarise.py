"""summarise.py: turn the lines bench_mnist and bench_mnist.py print into
run.sh's tables, one per case (optimiser, learning rate and architecture).

    /usr/bin/python3 bench/summarise.py RAW_FILE

Each input line reads "TOOL optim=O lr=R layers=SPEC batch=B threads=T
run=N seconds=S loss=L"; run=0 is a warm-up epoch, left out of the timings
but kept for the losses.  Anything else is ignored.
"""

import statistics
import sys

SAMPLES = 60000
INPUTS = 784


def widths(spec):
    """Layer widths from the input to the output, e.g. [784, 512, 10]."""
    return [INPUTS] + [int(part.split(":")[0]) for part in spec.split(",")]


def flops(spec):
    """Multiply-adds of one epoch, two flops each: per sample and layer, the
    forward product x W and the weight gradient x^T dZ, and the input
    gradient dZ W^T of every layer but the first (the data's own gradient
    is never computed).  Element-wise work (bias, batch norm, ReLU,
    dropout, softmax, the optimiser's update) is not counted."""
    w = widths(spec)
    products = [w[i] * w[i + 1] for i in range(len(w) - 1)]
    return SAMPLES * 2 * (2 * sum(products) + sum(products[1:]))


def parse(path):
    """{case: {(batch, threads): {tool: {run: [(seconds, loss), ...]}}}}, the
    cases (optim, lr, layers) in the order they first appear."""
    cases = {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) < 5 or words[0] not in ("grafo", "torch"):
                continue
            fields = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            case = (fields.get("optim", "sgd"), fields.get("lr", "0.1"),
                    fields.get("layers", "512:relu,10:softmax"))
            key = (int(fields["batch"]), int(fields["threads"]))
            runs = cases.setdefault(case, {}).setdefault(key, {}).setdefault(words[0], {})
            runs.setdefault(int(fields["run"]), []).append(
                (float(fields["seconds"]), float(fields["loss"])))
    return cases


def timed(runs):
    """Seconds of every timed epoch (run >= 1)."""
    return [s for run, results in runs.items() if run >= 1 for s, _ in results]


def loss_at(runs, run):
    """Median loss of epoch `run` over the rounds; NaN if none."""
    losses = [loss for _, loss in runs.get(run, [])]
    return statistics.median(losses) if losses else float("nan")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1].strip())
    cases = parse(sys.argv[1])
    print("ratio = torch seconds / grafo seconds: above 1 means grafo is faster.")
    print("loss = mean training loss of the epoch (median over rounds), for epoch 1 (the")
    print("warm-up, from fresh weights) and the last timed epoch: close values say both")
    print("did the same work.  GFLOP/s are from the minimum seconds.")
    slower = []
    for (optim, lr, layers), by_setting in cases.items():
        gflop = flops(layers) / 1e9
        print()
        print(f"{optim} lr {lr}, {layers} ({'-'.join(map(str, widths(layers)))}): "
              f"{gflop:.1f} GFLOP per epoch")
        head = (f"{'batch':>5} {'thr':>3} | {'grafo min':>9} {'median':>7} | "
                f"{'torch min':>9} {'median':>7} | {'ratio min':>9} {'median':>7} | "
                f"{'loss 1 grafo':>12} {'torch':>6} | {'last grafo':>10} {'torch':>6} | "
                f"{'GFLOP/s grafo':>13} {'torch':>6}")
        print(head)
        print("-" * len(head))
        for (batch, threads), by_tool in sorted(by_setting.items()):
            gr, tr = by_tool.get("grafo", {}), by_tool.get("torch", {})
            g, t = timed(gr), timed(tr)
            if not g or not t:
                print(f"{batch:>5} {threads:>3} | missing results for "
                      f"{'grafo' if not g else 'torch'}")
                continue
            gmin, gmed = min(g), statistics.median(g)
            tmin, tmed = min(t), statistics.median(t)
            last = max(max(gr), max(tr))
            print(f"{batch:>5} {threads:>3} | {gmin:>9.3f} {gmed:>7.3f} | "
                  f"{tmin:>9.3f} {tmed:>7.3f} | {tmin / gmin:>9.2f} {tmed / gmed:>7.2f} | "
                  f"{loss_at(gr, 0):>12.4f} {loss_at(tr, 0):>6.4f} | "
                  f"{loss_at(gr, last):>10.4f} {loss_at(tr, last):>6.4f} | "
                  f"{gflop / gmin:>13.1f} {gflop / tmin:>6.1f}")
            if tmed / gmed < 1:
                slower.append(f"{optim} {layers} batch {batch} threads {threads} "
                              f"({tmed / gmed:.2f})")
    print()
    if slower:
        print("grafo is slower (median ratio below 1) in: " + "; ".join(slower))
    else:
        print("grafo is not slower than PyTorch in any case (every median ratio >= 1).")
    print()
    print("Raw seconds per timed epoch:")
    for (optim, lr, layers), by_setting in cases.items():
        for (batch, threads), by_tool in sorted(by_setting.items()):
            for tool in ("grafo", "torch"):
                runs = " ".join(f"{s:.3f}" for s in timed(by_tool.get(tool, {})))
                print(f"  {optim} {layers} batch {batch:>3} threads {threads} {tool}: {runs}")


if __name__ == "__main__":
    main()
