#!/bin/sh
# Build the libFuzzer targets (fuzz/, clang with ASan and UBSan) and run
# each for SECONDS (default 60), two at a time, printing per target the
# executions, the coverage reached and the crashes found.
#
#     scripts/fuzz.sh [SECONDS] [TARGET ...]      e.g. scripts/fuzz.sh 30 csv model
#
# Each target grows its corpus in build-fuzz/corpus/TARGET, starting from
# the seeds in fuzz/corpus/TARGET; a crashing input is saved as
# build-fuzz/crashes/TARGET-crash-*.  Once fixed, copy it to
# fuzz/regress/TARGET/ so the normal suite replays it.  Every run is
# appended to build-fuzz/fuzz-runs.tsv, and the table's "total" column sums
# the executions over all runs kept there.  Exits 1 if anything crashed.
#
# FUZZ_INSTANCE=NAME runs another copy of the targets beside a run already
# going (one per core): it logs to build-fuzz/logs/TARGET-NAME.log and
# grows build-fuzz/corpus/TARGET-NAME, reading the main corpus as well.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"csv libsvm idx idx_gz formula layers train_args model checkpoint"}
jobs=${FUZZ_JOBS:-2}

out=build-fuzz
instance=${FUZZ_INSTANCE:+-$FUZZ_INSTANCE}
# An instance uses the build the run beside it made, rather than relinking
# the binaries that run is executing.
if [ -z "$instance" ] || [ ! -d "$out/fuzz" ]; then
    scripts/setup.sh clang libclang-rt-14-dev libomp-14-dev
    CC=clang scripts/build.sh build-fuzz -DGRAFO_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
mkdir -p "$out/logs" "$out/crashes"
for t in $targets; do
    [ -x "$out/fuzz/fuzz_$t" ] || { echo "fuzz.sh: no target '$t'" >&2; exit 2; }
done

# One target's run: its log is $out/logs/TARGET.log (TARGET-NAME.log for an instance).
run_one() {
    t=$1
    mkdir -p "$out/corpus/$t$instance" "$out/corpus/$t"
    # new inputs go to the first directory; the others are read
    corpora="$out/corpus/$t fuzz/corpus/$t"
    [ -n "$instance" ] && corpora="$out/corpus/$t$instance $corpora"
    dict=""
    [ -f "fuzz/dict/$t.dict" ] && dict="-dict=fuzz/dict/$t.dict"
    # The targets print nothing but a broken contract, on stderr; grafo
    # train's parser prints a message for every refused command line, so
    # its stderr is closed too (libFuzzer and the sanitizers still report).
    mask=1
    [ "$t" = train_args ] && mask=3
    # shellcheck disable=SC2086
    OMP_NUM_THREADS=1 "$out/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=$mask \
        -artifact_prefix="$out/crashes/$t-" $dict $corpora >"$out/logs/$t$instance.log" 2>&1 \
        || true
}
# Targets run $jobs at a time; each runs for the same time, so in batches.
running=0
for t in $targets; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait

crashed=0
printf '%-11s %8s %12s %9s %6s %7s %8s %14s %8s\n' target seconds executions exec/s cov features \
    corpus total crashes
for t in $targets; do
    log="$out/logs/$t$instance.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
    # each crash, leak, timeout or out-of-memory input is saved and named
    # (slow units are saved too, but are not failures)
    crashes=$(grep -cE "Test unit written to .*/$t-(crash|leak|timeout|oom)-" "$log" || true)
    if [ -z "$execs" ]; then
        # killed, or died without its final statistics: the last status line
        execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
        grep -qE '^==[0-9]+==ERROR|ERROR: libFuzzer' "$log" && crashes=$((crashes > 0 ? crashes : 1))
    fi
    if [ "${execs:-0}" -eq 0 ]; then
        # a target that never ran (a bad dictionary, a missing corpus) fails too
        echo "fuzz.sh: $t ran nothing:" >&2
        tail -5 "$log" >&2
        crashed=1
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$seconds" "${execs:-0}" \
        "${cov:-0}" "$crashes" >>"$out/fuzz-runs.tsv"
    total=$(awk -F'\t' -v t="$t" '$2 == t { s += $4 } END { printf "%d", s }' "$out/fuzz-runs.tsv")
    printf '%-11s %8s %12s %9s %6s %7s %8s %14s %8s\n' "$t" "$seconds" "${execs:-0}" "${rate:-0}" \
        "${cov:-?}" "${ft:-?}" "${corp:-?}" "$total" "$crashes"
    if [ "$crashes" -gt 0 ]; then
        crashed=1
        grep -E -A12 '^==[0-9]+==ERROR|runtime error|broke its contract|ERROR: libFuzzer' "$log" \
            | head -30 >&2
        ls "$out/crashes/$t-"* 2>/dev/null >&2 || true
    fi
done
exit $crashed
