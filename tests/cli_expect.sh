# Sourced by the shell tests of the grafo command.  Needs $grafo; sets up
# $tmp (removed on exit) and $failures, and gives:
#   expect CODE PATTERN ARGS...  run grafo ARGS; its exit code must be CODE
#                                and its stdout+stderr must match PATTERN
#   finish NAME                  report and exit 1 if any check failed
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() {
    local code=$1 pattern=$2
    shift 2
    "$grafo" "$@" >"$tmp/out" 2>&1
    local got=$?
    if [ "$got" -ne "$code" ] || ! grep -q -- "$pattern" "$tmp/out"; then
        echo "FAILED: grafo $* exited $got (want $code), output should match '$pattern':"
        sed 's/^/    /' "$tmp/out" | head -30
        failures=$((failures + 1))
    fi
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$1: $failures check(s) failed"
        exit 1
    fi
    echo "$1: all checks passed"
}
