#!/bin/sh
# The test suite under valgrind's memcheck: every C test program, and the
# grafo that the shell tests run, in build-valgrind/.  Any memory error, or
# memory lost for good (definitely or indirectly lost), fails the test that
# showed it (valgrind exits 99); afterwards every valgrind log is checked
# once more, so an error in a grafo run that a shell test expected to fail
# anyway is not missed.  Extra arguments go to ctest (e.g. -R test_csv).
#
# The build has no -march=native and OpenBLAS is told to use its Haswell
# kernels: valgrind cannot run AVX-512 instructions.  Left out of ctest:
# test_main_job (ten epochs of Fashion-MNIST: hours under valgrind), and
# test_report, whose R-exact number formatting computes in long double,
# which valgrind runs at double's precision: it runs apart, and only its
# memory errors count.  Logs: build-valgrind/valgrind/<pid>.log.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
case $root in *[!A-Za-z0-9/._+-]*)
    echo "valgrind.sh: the path $root has characters the test commands cannot quote" >&2
    exit 2
esac
command -v valgrind >/dev/null 2>&1 || scripts/setup.sh valgrind

dir=$root/build-valgrind
logs=$dir/valgrind
mkdir -p "$logs"
rm -f "$logs"/*.log
# Possibly lost and still reachable blocks are not errors: the OpenMP and
# OpenBLAS thread pools keep theirs until the process ends.  No
# suppressions are needed: the third-party libraries (OpenBLAS, libgomp,
# LAPACKE, zlib, jansson, Rmath, liblbfgs) report nothing else.  A child a
# test forks to run a shell command (system("rm -rf ...")) writes no log.
opts="--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
opts="$opts --show-leak-kinds=definite,indirect --num-callers=30 --child-silent-after-fork=yes"
opts="$opts --log-file=$logs/%p.log"

# The shell tests take the grafo to run as an argument: this one runs the
# built grafo under valgrind.
mkdir -p "$dir"
cat >"$dir/valgrind-grafo" <<EOF
#!/bin/sh
exec valgrind $opts "$dir/grafo" "\$@"
EOF
chmod +x "$dir/valgrind-grafo"

scripts/build.sh "$dir" -DGRAFO_NATIVE=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DGRAFO_TEST_LAUNCHER=$(echo "valgrind $opts" | tr ' ' ';')" \
    "-DGRAFO_TEST_CLI=$dir/valgrind-grafo"

export OPENBLAS_CORETYPE=Haswell
start=$(date +%s)
status=0
ctest --test-dir "$dir" --output-on-failure --timeout 7200 -E '^(test_main_job|test_report)$' \
    "$@" || status=$?
if [ $# -eq 0 ]; then
    # shellcheck disable=SC2086
    valgrind $opts "$dir/tests/test_report" >/dev/null 2>&1 || [ $? -ne 99 ] || status=1
fi
seconds=$(($(date +%s) - start))

runs=$(find "$logs" -name '*.log' | wc -l)
bad=$(grep -L 'ERROR SUMMARY: 0 errors' "$logs"/*.log 2>/dev/null || true)
if [ -n "$bad" ]; then
    echo "valgrind.sh: errors (or no summary: a crash) in these logs:"
    for f in $bad; do
        echo "== $f"
        sed -n '/Command:/p;/ERROR SUMMARY/p' "$f"
    done
    status=1
fi
echo "valgrind.sh: $runs programs run under valgrind in ${seconds}s;" \
    "$(echo "$bad" | grep -c .) with errors"
exit $status
