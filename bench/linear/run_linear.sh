#!/bin/sh
# The linear-model benchmark, grafo against R, glmnet and scikit-learn on the
# same machine in one run: one command that installs what is missing, builds
# grafo, writes the data once, times every case and prints each tool's
# seconds, the ratios to grafo and how far each peer's answer is from
# grafo's.
#
#     bench/linear/run_linear.sh          # ROUNDS=3 RUNS=1 THREADS=2
#     CASES="ols logit" ROUNDS=5 bench/linear/run_linear.sh
#     WAIT_POLICY=ACTIVE bench/linear/run_linear.sh   # OMP_WAIT_POLICY [PASSIVE]
#     BUILD=build-mine bench/linear/run_linear.sh     # build directory [build]
#
# The cases (see bench_linear.c, bench_linear.py and bench_linear.R):
#     ols        OLS, 200000 x 100, with summary(lm)'s statistics
#     path       the lasso path on the same 100 lambdas for everyone
#     path_auto  the lasso path with grafo's and glmnet's defaults
#     cv         10-fold cross-validated lasso, the same folds for both
#     logit      logistic regression, 100000 x 50, with Wald statistics
#
# For each case the programs run ROUNDS times each, the order rotating every
# round so that none always meets a warmer or cooler machine; every process
# reads the data (untimed), fits once to warm up and then RUNS timed fits.
# Keep the machine otherwise idle meanwhile: a full run takes about five
# minutes on 2 cores.
set -eu
cd "$(dirname "$0")/../.."

rounds=${ROUNDS:-3}
runs=${RUNS:-1}
threads=${THREADS:-2}
cases=${CASES:-ols path path_auto cv logit}
build=${BUILD:-build}
python=/usr/bin/python3 # Debian's interpreter: the one that sees python3-sklearn

# Installing and building report on stderr: stdout is the benchmark's report.
bench/setup.sh >&2
scripts/build.sh "$build" >&2
bin=$build/bench/bench_linear
if [ ! -x "$bin" ]; then
    echo "run_linear.sh: $bin was not built; bench/CMakeLists.txt should build it" >&2
    exit 1
fi

# The data: a few hundred MB, written once into the build tree (not git).
data=$build/bench/linear-data
if [ ! -f "$data/meta.txt" ] || [ bench/linear/gen_data.py -nt "$data/meta.txt" ]; then
    echo "run_linear.sh: writing the data into $data..." >&2
    "$python" bench/linear/gen_data.py "$data"
fi
out=$build/bench/linear-out
raw=$build/bench/linear-raw.txt
mkdir -p "$out"
rm -f "$out"/*.txt
: >"$raw"

# Every program gets the same threads.  OpenBLAS here is built on OpenMP, so
# OMP_NUM_THREADS governs it in R (which has no other knob); grafo and
# scikit-learn also set it themselves (gf_set_threads, threadpoolctl).
# PASSIVE puts waiting OpenMP threads to sleep at once, which keeps the
# timings steady when anything else wants the CPUs (see bench/run.sh).
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
export OMP_WAIT_POLICY="${WAIT_POLICY:-PASSIVE}"
unset GOTO_NUM_THREADS MKL_NUM_THREADS

r_info=$(Rscript -e 'cat(R.version.string, "| glmnet", format(packageVersion("glmnet")),
                       "| BLAS", sessionInfo()$BLAS, "| LAPACK", sessionInfo()$LAPACK)')
py_info=$("$python" -c '
import numpy, sklearn, threadpoolctl
blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
where = blas[0]["filepath"] + " (" + blas[0]["threading_layer"] + ")" if blas else "unknown"
print("scikit-learn", sklearn.__version__, "| NumPy", numpy.__version__, "| BLAS", where)')
grafo_blas=$(ldd "$bin" | sed -n 's/.*libopenblas[^ ]* => \([^ ]*\).*/\1/p' | head -n 1)
echo "grafo vs R, glmnet and scikit-learn: linear models in double precision"
echo "  grafo: OpenBLAS $(pkg-config --modversion openblas), $grafo_blas"
echo "  R:     $r_info"
echo "         (lm and glm factor with LINPACK's dqrdc2, level-1 BLAS; glmnet is single-threaded Fortran)"
echo "  Python: $py_info"
echo "threads $threads for every program (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS), OMP_WAIT_POLICY=$OMP_WAIT_POLICY;"
echo "$rounds rounds x $runs timed fits (after a warm-up fit, except cv) per program and case;" \
     "$(nproc) CPUs: $(uptime | sed 's/.*load/load/')"

failed="" # cases grafo failed on: its later rounds are not run

run_one() { # tool case
    case $1 in
    grafo)
        case " $failed " in *" $2 "*) return 0 ;; esac
        rc=0
        "$bin" --case "$2" --data "$data" --threads "$threads" --runs "$runs" --out "$out" \
            >>"$raw" || rc=$?
        if [ "$rc" -ne 0 ]; then
            failed="$failed $2"
            echo "grafo case=$2 failed: exit $rc, see run_linear.sh's messages" >>"$raw"
            echo "run_linear.sh: grafo FAILED on $2 (exit $rc); its timings are left out" >&2
        fi
        ;;
    R) Rscript bench/linear/bench_linear.R --case "$2" --data "$data" --threads "$threads" \
           --runs "$runs" --out "$out" >>"$raw" ;;
    sklearn) "$python" bench/linear/bench_linear.py --case "$2" --data "$data" \
                 --threads "$threads" --runs "$runs" --out "$out" >>"$raw" ;;
    esac
}

for c in $cases; do
    case $c in
    ols | path | logit) tools="grafo R sklearn" ;;
    path_auto | cv) tools="grafo R" ;; # glmnet only: scikit-learn has no early-stopping path,
                                       # and the issue compares CV with cv.glmnet
    *) echo "run_linear.sh: unknown case '$c'" >&2; exit 2 ;;
    esac
    r=1
    while [ "$r" -le "$rounds" ]; do
        echo "  $c, round $r of $rounds..." >&2
        # Rotate the order by one each round: every tool goes first in turn.
        set -- $tools
        i=1
        while [ "$i" -lt "$r" ]; do
            first=$1
            shift
            set -- "$@" "$first"
            i=$((i + 1))
        done
        for tool in "$@"; do run_one "$tool" "$c"; done
        r=$((r + 1))
    done
done

echo
"$python" bench/linear/summarise_linear.py "$raw" "$out"
echo
echo "Every fit's line, warm-ups (run=0) included, is in $raw; each tool's last numbers in $out/."
