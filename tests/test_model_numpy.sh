#!/bin/sh
# A grafo model file opens in NumPy as it is and means what its metadata
# says.  $1 (the grafo binary) fits or trains six models on the CSV files
# in $2 and predicts with each; model_numpy.py then reads every file with
# struct, json and NumPy alone (the safetensors specification and
# docs/model-files.md, no grafo code), recomputes the predictions from the
# tensors and compares them with grafo's: relative 1e-5 for float32
# networks, 1e-10 for float64 linear models.  A copy with one weight
# changed must be caught, so the comparison cannot pass vacuously.
# Exit 77 (skipped) without /usr/bin/python3 or NumPy.
set -u
grafo=${1:?usage: test_model_numpy.sh path/to/grafo DATA_DIR}
data=${2:?usage: test_model_numpy.sh path/to/grafo DATA_DIR}
checker=$(dirname "$0")/model_numpy.py
scratch=model_numpy
. "$(dirname "$0")/numpy_env.sh"
failures=0

# run LOG ARGS...: a grafo command that must succeed; its output (in
# $dir/LOG.log) is shown only on failure.  POSIX sh has no local variables,
# so each function's names are its own.
run() {
    run_log=$dir/$1.log
    shift
    if ! "$grafo" "$@" >"$run_log" 2>&1; then
        echo "FAILED: grafo $* exited non-zero:"
        sed 's/^/    /' "$run_log" | head -20
        failures=$((failures + 1))
        return 1
    fi
}

# model NAME DATA ARGS...: fit or train (ARGS, with --save), predict on the
# same data, and have NumPy check the predictions.
model() {
    m=$1
    m_csv=$data/$2
    shift 2
    run "$m-fit" "$@" --data "$m_csv" --save "$dir/$m.st" &&
        run "$m-predict" predict --model "$dir/$m.st" --data "$m_csv" \
            --output "$dir/$m.csv" &&
        if ! "$py" "$checker" "$dir/$m.st" "$m_csv" "$dir/$m.csv"; then
            failures=$((failures + 1))
        fi
}

model net iris.csv train --formula "Species ~ ." --layers 8:tanh,3:softmax --scale standard \
    --epochs 5 --batch 16 --lr 0.1 --seed 7 --quiet
model regnet mtcars.csv train --formula "mpg ~ wt + hp + qsec" --layers 4:relu,1:identity \
    --scale minmax --epochs 5 --batch 8 --lr 0.05 --seed 3 --quiet
model ols USArrests.csv fit ols --formula "Rape ~ Assault + Murder"
model softmax iris.csv fit softmax --formula "Species ~ ." --lambda 0.01 --scale standard
# Two classes: P(second) against the threshold, and a decision value's sign.
model logistic mtcars.csv fit logistic --formula "am ~ wt + hp"
model linsvm mtcars.csv fit linsvm --formula "am ~ wt + hp" --scale standard

# The comparison must notice a wrong weight: the same checks on copies with
# one weight changed (W1[0, 0] of the network, the intercept of the OLS).
for name in net ols; do
    [ -f "$dir/$name.csv" ] || continue
    csv=$data/iris.csv
    [ "$name" = ols ] && csv=$data/USArrests.csv
    "$py" "$checker" --corrupt "$dir/$name.st" "$dir/$name-bad.st"
    if "$py" "$checker" "$dir/$name-bad.st" "$csv" "$dir/$name.csv" >"$dir/$name-bad.log" 2>&1; then
        echo "FAILED: NumPy's check passed $name's model with a corrupted weight:"
        sed 's/^/    /' "$dir/$name-bad.log"
        failures=$((failures + 1))
    elif ! grep -q "disagrees with NumPy" "$dir/$name-bad.log"; then
        echo "FAILED: the check of $name's corrupted model failed for another reason:"
        sed 's/^/    /' "$dir/$name-bad.log"
        failures=$((failures + 1))
    fi
done

if [ "$failures" -ne 0 ]; then
    echo "test_model_numpy: $failures check(s) failed"
    exit 1
fi
echo "test_model_numpy: every model's predictions agree with NumPy's"
