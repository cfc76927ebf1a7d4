# Sourced by the tests that read grafo's files with NumPy: sets $py to
# Debian's Python (the one that sees python3-numpy), skips the test (exit 77)
# when it or NumPy is missing, and makes a scratch directory $dir that is
# removed on exit.  Set $scratch to a name for the directory first.
py=/usr/bin/python3
if [ ! -x "$py" ]; then
    echo "skipped: $py is not installed"
    exit 77
fi
if ! "$py" -c 'import numpy' 2>/dev/null; then
    echo "skipped: NumPy is not installed for $py (apt-get install python3-numpy)"
    exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/grafo_$scratch.XXXXXX")
trap 'rm -rf "$dir"' EXIT
