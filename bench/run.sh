#!/bin/sh
# The network benchmark, grafo against PyTorch: one command that installs
# what is missing, builds grafo, trains the same networks for one epoch of
# Fashion-MNIST in both, and prints for each case seconds per epoch, their
# ratio, both training losses and the GFLOP/s.
#
#     bench/run.sh            # every case, ROUNDS=3 RUNS=3, about 30 minutes
#     CASES="adam bn" ROUNDS=5 bench/run.sh
#     WAIT_POLICY=ACTIVE bench/run.sh   # OMP_WAIT_POLICY for both [PASSIVE]
#
# The cases (CASES, default all four, in this order):
#     sgd      784-512 ReLU-10, plain SGD lr 0.1 (the MNIST workshop network)
#     adam     784-512 ReLU-10, Adam lr 1e-3, betas 0.9/0.999, eps 1e-8
#     bn       784-512-256-10, Linear -> BatchNorm1d -> ReLU per hidden layer, Adam
#     dropout  784-512 ReLU-10 with dropout 0.2 after the ReLU, Adam
#
# For every case, batch size (64, 256) and thread count (1, 2), the two
# programs run ROUNDS times each, alternating which goes first so neither
# always meets a warmer or cooler machine; every process trains one warm-up
# epoch and then RUNS timed ones.  Keep the machine otherwise idle.
set -eu
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
runs=${RUNS:-3}
cases=${CASES:-sgd adam bn dropout}
python=/usr/bin/python3 # Debian's interpreter: the one that sees python3-torch

# Installing and building report on stderr: stdout is the benchmark's report.
bench/setup.sh >&2
scripts/build.sh build >&2
bin=build/bench/bench_mnist
if [ ! -x "$bin" ]; then
    echo "run.sh: $bin was not built; the top-level CMakeLists.txt needs add_subdirectory(bench)" >&2
    exit 1
fi

# OpenMP threads spin-wait between parallel regions by default, and with 2
# threads PyTorch is then 2-3x slower here as soon as anything else wants
# the CPUs.  PASSIVE puts waiting threads to sleep at once, which is robust;
# both programs get the same setting so the comparison is even.  On a
# perfectly idle machine ACTIVE (spin forever) can be faster for both, since
# every parallel region then starts without a wake-up: WAIT_POLICY=ACTIVE
# bench/run.sh measures that instead.
export OMP_WAIT_POLICY="${WAIT_POLICY:-PASSIVE}"
# Each process sets its thread count itself (gf_set_threads,
# torch.set_num_threads) and OMP_NUM_THREADS per run below; these would
# otherwise cap OpenBLAS behind the programs' backs.
unset OPENBLAS_NUM_THREADS GOTO_NUM_THREADS MKL_NUM_THREADS

# The options both programs get for a case.
case_args() {
    case $1 in
    sgd) echo "--optimizer sgd --lr 0.1 --layers 512:relu,10:softmax" ;;
    adam) echo "--optimizer adam --lr 0.001 --layers 512:relu,10:softmax" ;;
    bn) echo "--optimizer adam --lr 0.001 --layers 512:relu:bn,256:relu:bn,10:softmax" ;;
    dropout) echo "--optimizer adam --lr 0.001 --layers 512:relu:dropout=0.2,10:softmax" ;;
    *)
        echo "run.sh: unknown case '$1' in CASES (choose among sgd adam bn dropout)" >&2
        return 1
        ;;
    esac
}
for c in $cases; do case_args "$c" >/dev/null; done

raw=build/bench/mnist-raw.txt
: >"$raw"
echo "grafo vs PyTorch $($python -c 'import torch; print(torch.__version__)'), one epoch of" \
     "Fashion-MNIST (60000 images), softmax cross-entropy; cases: $cases"
echo "OMP_WAIT_POLICY=$OMP_WAIT_POLICY for both; $rounds rounds x $runs timed epochs" \
     "(after a warm-up epoch) per program and setting; $(nproc) CPUs: $(uptime | sed 's/.*load/load/')"

run_one() { # tool case batch threads
    # shellcheck disable=SC2046 # case_args's words are separate options
    case $1 in
    grafo) OMP_NUM_THREADS=$4 "$bin" $(case_args "$2") --batch "$3" --threads "$4" --runs "$runs" ;;
    torch) OMP_NUM_THREADS=$4 "$python" bench/bench_mnist.py $(case_args "$2") --batch "$3" \
               --threads "$4" --runs "$runs" ;;
    esac >>"$raw"
}

for c in $cases; do
    for batch in 64 256; do
        for threads in 1 2; do
            echo "  $c: batch $batch, $threads thread(s)..." >&2
            r=1
            while [ "$r" -le "$rounds" ]; do
                if [ $((r % 2)) -eq 1 ]; then
                    run_one grafo "$c" "$batch" "$threads"
                    run_one torch "$c" "$batch" "$threads"
                else
                    run_one torch "$c" "$batch" "$threads"
                    run_one grafo "$c" "$batch" "$threads"
                fi
                r=$((r + 1))
            done
        done
    done
done

echo
"$python" bench/summarise.py "$raw"
echo
echo "Every epoch's line, warm-ups (run=0) included, is in $raw."
