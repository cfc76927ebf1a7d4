"""summarise.py: turn the lines bench_mnist and bench_mnist.py print into
run.sh's table.

    /usr/bin/python3 bench/summarise.py RAW_FILE

Each input line reads "TOOL batch=B threads=T run=R seconds=S loss=L";
run=0 is a warm-up epoch and is left out.  Anything else is ignored.
"""

import statistics
import sys

# Multiply-adds of one epoch, two flops each, per sample:
#   forward               x W1 (784x512) and h W2 (512x10)
#   weight gradients      x^T dH1 and h^T dZ, the same sizes again
#   input gradient        dZ W2^T for the hidden layer only: the data's own
#                         gradient (dH1 W1^T) is never computed
# Element-wise work (bias, ReLU, softmax, SGD update) is not counted.
SAMPLES = 60000
FORWARD = 2 * (784 * 512 + 512 * 10)
WEIGHT_GRADS = 2 * (784 * 512 + 512 * 10)
INPUT_GRAD = 2 * 512 * 10
FLOPS = SAMPLES * (FORWARD + WEIGHT_GRADS + INPUT_GRAD)
FORMULA = ("60000 x [2(784*512 + 512*10) forward + 2(784*512 + 512*10) weight grads"
           " + 2*512*10 hidden-layer input grad]")


def parse(path):
    """{(batch, threads): {tool: [seconds, ...]}} over the timed epochs."""
    times = {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) < 5 or words[0] not in ("grafo", "torch"):
                continue
            fields = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            if fields.get("run") == "0":
                continue
            key = (int(fields["batch"]), int(fields["threads"]))
            times.setdefault(key, {}).setdefault(words[0], []).append(float(fields["seconds"]))
    return times


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1].strip())
    times = parse(sys.argv[1])
    print(f"one epoch = {FLOPS / 1e9:.2f} GFLOP: {FORMULA}")
    print("ratio = torch seconds / grafo seconds: above 1 means grafo is faster")
    print()
    head = (f"{'batch':>5} {'thr':>3} | {'grafo min':>9} {'median':>7} | "
            f"{'torch min':>9} {'median':>7} | {'ratio min':>9} {'median':>7} | "
            f"{'grafo GFLOP/s':>13} {'torch GFLOP/s':>13}")
    print(head)
    print("-" * len(head))
    for (batch, threads), by_tool in sorted(times.items()):
        g, t = by_tool.get("grafo", []), by_tool.get("torch", [])
        if not g or not t:
            print(f"{batch:>5} {threads:>3} | missing results for {'grafo' if not g else 'torch'}")
            continue
        gmin, gmed = min(g), statistics.median(g)
        tmin, tmed = min(t), statistics.median(t)
        print(f"{batch:>5} {threads:>3} | {gmin:>9.3f} {gmed:>7.3f} | {tmin:>9.3f} {tmed:>7.3f} | "
              f"{tmin / gmin:>9.2f} {tmed / gmed:>7.2f} | "
              f"{FLOPS / gmin / 1e9:>13.1f} {FLOPS / tmin / 1e9:>13.1f}")
    print()
    print("GFLOP/s are from the minimum seconds.  Raw seconds per timed epoch:")
    for (batch, threads), by_tool in sorted(times.items()):
        for tool in ("grafo", "torch"):
            runs = " ".join(f"{s:.3f}" for s in by_tool.get(tool, []))
            print(f"  batch {batch:>3} threads {threads} {tool}: {runs}")


if __name__ == "__main__":
    main()
