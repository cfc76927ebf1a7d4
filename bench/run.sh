#!/bin/sh
# The MNIST benchmark, grafo against PyTorch: one command that installs what
# is missing, builds grafo, trains the same 784-512-10 network for one epoch
# in both, and prints seconds per epoch, their ratio and grafo's GFLOP/s.
#
#     bench/run.sh            # ROUNDS=3 RUNS=3 by default
#     ROUNDS=5 bench/run.sh
#     WAIT_POLICY=ACTIVE bench/run.sh   # OMP_WAIT_POLICY for both [PASSIVE]
#
# For every batch size (64, 256) and thread count (1, 2), the two programs
# run ROUNDS times each, alternating which goes first so neither always
# meets a warmer or cooler machine; every process trains one warm-up epoch
# and then RUNS timed ones.  Keep the machine otherwise idle meanwhile.
set -eu
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
runs=${RUNS:-3}
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

raw=build/bench/mnist-raw.txt
: >"$raw"
echo "grafo vs PyTorch $($python -c 'import torch; print(torch.__version__)'), one epoch of" \
     "Fashion-MNIST (60000 images), 784-512 ReLU-10, SGD lr 0.1"
echo "OMP_WAIT_POLICY=$OMP_WAIT_POLICY for both; $rounds rounds x $runs timed epochs" \
     "(after a warm-up epoch) per program and setting; $(nproc) CPUs: $(uptime | sed 's/.*load/load/')"

run_one() { # tool batch threads
    case $1 in
    grafo) OMP_NUM_THREADS=$3 "$bin" --batch "$2" --threads "$3" --runs "$runs" ;;
    torch) OMP_NUM_THREADS=$3 "$python" bench/bench_mnist.py --batch "$2" --threads "$3" --runs "$runs" ;;
    esac >>"$raw"
}

for batch in 64 256; do
    for threads in 1 2; do
        echo "  batch $batch, $threads thread(s)..." >&2
        r=1
        while [ "$r" -le "$rounds" ]; do
            if [ $((r % 2)) -eq 1 ]; then
                run_one grafo "$batch" "$threads"
                run_one torch "$batch" "$threads"
            else
                run_one torch "$batch" "$threads"
                run_one grafo "$batch" "$threads"
            fi
            r=$((r + 1))
        done
    done
done

echo
"$python" bench/summarise.py "$raw"
echo
echo "Every epoch's line, warm-ups (run=0) included, is in $raw."
