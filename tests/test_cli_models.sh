#!/bin/bash
# grafo fit / train / predict / eval from the shell: R's numbers on R's
# datasets, models that save, load and predict, and every bad input of
# issue 4 with its documented exit code and no partial output file.
# usage: test_cli_models.sh GRAFO DATA_DIR
set -u
grafo=$1
data=$2
. "$(dirname "$0")/cli_expect.sh"

# no_file PATH: a failed command must not leave PATH behind.
no_file() {
    if [ -e "$1" ]; then
        echo "FAILED: $1 exists after a failed command"
        failures=$((failures + 1))
    fi
}

# ------------------------------------------------------------- help, usage --
for sub in "fit" "train" "predict" "eval"; do
    expect 0 "usage: grafo $sub" $sub --help
done
expect 0 "grafo 0" --version
expect 2 "unknown model 'lm'" fit lm --data "$data/USArrests.csv" --formula "Rape ~ ."
expect 2 "unknown option '--bogus'" fit ols --bogus
expect 2 "needs a value" fit ols --data
expect 2 "exactly one of --lambda X and --cv K" fit lasso --data "$data/mtcars.csv" --formula "mpg ~ ."
expect 2 "--formula" fit ols --data "$data/USArrests.csv"
expect 2 "lambda: -1 is outside" fit lasso --data "$data/mtcars.csv" --formula "mpg ~ ." --lambda -1

# ------------------------------------------------------------------ fit ols --
# seed 000's example, against summary(lm(Rape ~ Assault + Murder, USArrests)).
expect 0 "Assault      0.06716    0.02044   3.286 0.001927 \*\*" \
    fit ols --data "$data/USArrests.csv" --formula "Rape ~ Assault + Murder" --save "$tmp/ols.st"
expect 0 "Multiple R-squared:  0.4451" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Assault + Murder"
expect 0 "F-statistic: 18.85 on 2 and 47 DF,  p-value: 9.755e-07" \
    fit ols --data "$data/USArrests.csv" --formula "Rape ~ Assault + Murder"
expect 0 '"r_squared": 0.4450' fit ols --data "$data/USArrests.csv" --formula "Rape ~ Assault + Murder" --json
# Predictions carry R's row names; a JSON array too.
expect 0 "^Alabama,26.5959755" predict --model "$tmp/ols.st" --data "$data/USArrests.csv"
expect 0 '"row": "Alaska"' predict --model "$tmp/ols.st" --data "$data/USArrests.csv" --json
expect 0 "R-squared  0.445" eval --model "$tmp/ols.st" --data "$data/USArrests.csv"
"$grafo" predict --model "$tmp/ols.st" --data "$data/USArrests.csv" --output "$tmp/pred.csv"
if [ "$(wc -l <"$tmp/pred.csv")" -ne 51 ]; then
    echo "FAILED: --output wrote $(wc -l <"$tmp/pred.csv") lines, want 51"
    failures=$((failures + 1))
fi

# ---------------------------------------------------- penalised, classes --
# glmnet(x, mtcars$mpg, lambda = 0.5): wt -2.673381, hp -0.01411517.
expect 0 "wt *-2.673" fit lasso --data "$data/mtcars.csv" --formula "mpg ~ ." --lambda 0.5
expect 0 "1se" fit lasso --data "$data/mtcars.csv" --formula "mpg ~ ." --cv 10 --save "$tmp/lasso.st"
expect 0 "RMSE" eval --model "$tmp/lasso.st" --data "$data/mtcars.csv"
expect 0 "(Intercept)" fit ridge --data "$data/mtcars.csv" --formula "mpg ~ wt + hp" --lambda 1
expect 0 "(Intercept)" fit enet --data "$data/mtcars.csv" --formula "mpg ~ ." --alpha 0.5 --cv 5
# glm(am ~ wt + hp, binomial, mtcars): wt -8.0834752 (se 3.06867511).
expect 0 "wt  *-8.08348 *3.06868" fit logistic --data "$data/mtcars.csv" --formula "am ~ wt + hp" \
    --save "$tmp/logit.st"
expect 0 "accuracy" eval --model "$tmp/logit.st" --data "$data/mtcars.csv"
expect 2 "strictly between 0 and 1" fit logistic --data "$data/mtcars.csv" --formula "am ~ wt" --threshold 1
expect 3 "takes two" fit logistic --data "$data/iris.csv" --formula "Species ~ ."
expect 0 "versicolor" fit softmax --data "$data/iris.csv" --formula "Species ~ ." --lambda 0.01 \
    --save "$tmp/softmax.st"
expect 0 "accuracy  0.9[6-9]" eval --model "$tmp/softmax.st" --data "$data/iris.csv"
expect 0 "prob_virginica" predict --model "$tmp/softmax.st" --data "$data/iris.csv"
# A fit its solver refuses exits 3 with the solver's message (softmax once
# went on with no model and crashed).
printf 'y,x\na,1e300\nb,-1e300\na,1e300\nb,2e300\n' >"$tmp/huge.csv"
for kind in logistic softmax perceptron linsvm; do
    expect 3 "rescale the column" fit "$kind" --data "$tmp/huge.csv" --formula "y ~ x"
done
printf 'y,x\n1,1e300\n2,-1e300\n3,1e300\n4,2e300\n' >"$tmp/huge_y.csv"
expect 3 "rescale the column" fit ols --data "$tmp/huge_y.csv" --formula "y ~ x"
expect 3 "rescale the column" fit lasso --data "$tmp/huge_y.csv" --formula "y ~ x" --lambda 1
expect 0 "one-vs-rest" fit perceptron --data "$data/iris.csv" --formula "Species ~ ." --scale standard
expect 0 "score" fit linsvm --data "$data/mtcars.csv" --formula "am ~ wt + hp" --scale standard \
    --save "$tmp/svm.st"
expect 0 "score_1" predict --model "$tmp/svm.st" --data "$data/mtcars.csv"
# Factors in formulas: dummy columns named as R names them.
expect 0 "factor(cyl)8" fit ols --data "$data/mtcars.csv" --formula "mpg ~ factor(cyl) * wt"

# -------------------------------------------------------------------- train --
expect 0 "epoch 40" train --data "$data/iris.csv" --formula "Species ~ ." --layers 8:tanh,3:softmax \
    --epochs 40 --batch 8 --lr 0.1 --valid 0.2 --save "$tmp/net.st"
expect 0 "accuracy  0.9" eval --model "$tmp/net.st" --data "$data/iris.csv"
expect 0 '"valid_accuracy"' train --data "$data/iris.csv" --formula "Species ~ ." \
    --layers 8:tanh,3:softmax --epochs 3 --valid 0.2 --json --quiet
expect 0 "epoch 5" train --model "$tmp/net.st" --data "$data/iris.csv" --epochs 5 --save "$tmp/net2.st"
expect 0 "R-squared" eval --model "$(
    "$grafo" train --data "$data/mtcars.csv" --formula "mpg ~ wt + hp" --layers 4:relu,1:identity \
        --epochs 20 --batch 4 --lr 0.05 --quiet --save "$tmp/reg.st" >/dev/null 2>&1; echo "$tmp/reg.st")" \
    --data "$data/mtcars.csv"

# IDX data: train on images and labels; predict from the images alone.
printf '\0\0\x08\x03\0\0\0\x06\0\0\0\x02\0\0\0\x02' >"$tmp/img.idx"
printf '\x00\xff\x10\x20\xff\x00\x30\x40\x00\xf0\x11\x22\xf0\x00\x33\x44\x05\xfa\x12\x21\xfa\x05\x31\x41' >>"$tmp/img.idx"
printf '\0\0\x08\x01\0\0\0\x06\x00\x01\x00\x01\x00\x01' >"$tmp/lab.idx"
expect 0 "epoch 3" train --images "$tmp/img.idx" --labels "$tmp/lab.idx" --layers 4:tanh,2:softmax \
    --epochs 3 --batch 2 --save "$tmp/idx.st"
"$grafo" predict --model "$tmp/idx.st" --images "$tmp/img.idx" >"$tmp/idx1.csv" 2>&1
"$grafo" predict --model "$tmp/idx.st" --images "$tmp/img.idx" --labels "$tmp/lab.idx" >"$tmp/idx2.csv" 2>&1
if ! cmp -s "$tmp/idx1.csv" "$tmp/idx2.csv" || [ "$(wc -l <"$tmp/idx1.csv")" -ne 7 ]; then
    echo "FAILED: predicting from images alone differs from images with labels"
    failures=$((failures + 1))
fi
expect 2 "needs --labels" eval --model "$tmp/idx.st" --images "$tmp/img.idx"
expect 2 "needs --labels" train --images "$tmp/img.idx" --layers 4:tanh,2:softmax

# ---------------------------------------------------------------- bad input --
printf 'a,b,y\n1,2,3\n4,5\n6,7,8\n' >"$tmp/ragged.csv"
expect 3 "ragged.csv:3: expected 3 fields, found 2" fit ols --data "$tmp/ragged.csv" --formula "y ~ a + b"
printf 'a,b,y\n1,2,3\n4,five,6\n7,8,9\n' >"$tmp/text.csv"
expect 3 "--factor NAME reads a column" fit ols --data "$tmp/text.csv" --formula "y ~ a + b"
expect 3 "text.csv:3:3: .*'five'" fit ols --data "$tmp/text.csv" --formula "y ~ a + b"
expect 2 "Bogus" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Bogus"
expect 2 "position" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Assault +"
: >"$tmp/empty.csv"
expect 3 "empty.csv" fit ols --data "$tmp/empty.csv" --formula "y ~ x"
printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x01\x00\x00\xff\xff\x00' >"$tmp/binary.csv"
printf 'GRAFO\0\0\x01\x02\x03binary' >"$tmp/nul.csv"
expect 3 "nul.csv" fit ols --data "$tmp/nul.csv" --formula "y ~ x"
expect 3 "binary.csv" fit ols --data "$tmp/binary.csv" --formula "y ~ x"
expect 3 "none.csv: .*No such file" fit ols --data "$tmp/none.csv" --formula "y ~ x"
printf 'Murder,Assault,UrbanPop,Rape\n1,NA,3,4\n2,3,4,5\n3,5,4,2\n4,4,1,1\n5,2,2,7\n6,1,,3\n' >"$tmp/na.csv"
expect 3 "(--na omit drops rows" fit ols --data "$tmp/na.csv" --formula "Rape ~ Assault + Murder"
expect 3 "na.csv: line 2, column 'Assault': missing" fit ols --data "$tmp/na.csv" --formula "Rape ~ Assault + Murder"
expect 0 "Residual standard error" fit ols --data "$tmp/na.csv" --formula "Rape ~ Assault + Murder" --na omit

# Model files: truncated, tampered, missing, of another kind, newer.
size=$(stat -c %s "$tmp/ols.st")
head -c $((size - 7)) "$tmp/ols.st" >"$tmp/cut.st"
expect 4 "cut.st" predict --model "$tmp/cut.st" --data "$data/USArrests.csv" --output "$tmp/p1.csv"
no_file "$tmp/p1.csv"
head -c 8 "$tmp/ols.st" >"$tmp/tampered.st"
printf '{"coef": {"dtype": "F64", "shape": [1, 9], "data_offsets": [0, 24]}}' >>"$tmp/tampered.st"
expect 4 "tampered.st" predict --model "$tmp/tampered.st" --data "$data/USArrests.csv"
sed 's/"format_version":"1"/"format_version":"9"/' "$tmp/ols.st" >"$tmp/newer.st"
expect 4 "reads format 2 and older" predict --model "$tmp/newer.st" --data "$data/USArrests.csv"
expect 4 "missing.st" eval --model "$tmp/missing.st" --data "$data/USArrests.csv"
expect 4 "not a network" train --model "$tmp/ols.st" --data "$data/USArrests.csv"
expect 3 "Assault" predict --model "$tmp/ols.st" --data "$data/iris.csv"
expect 3 "libsvm or IDX\|CSV" predict --model "$tmp/ols.st" --libsvm "$tmp/none.svm"

# --layers that do not parse, before any data are read.
expect 2 "sofmax" train --data "$data/iris.csv" --formula "Species ~ ." --layers 8:relu,3:sofmax
expect 2 "layer" train --data "$data/iris.csv" --formula "Species ~ ." --layers 8:relu,,3:softmax
expect 2 "units" train --data "$data/iris.csv" --formula "Species ~ ." --layers 8:tanh,10:softmax

# Outputs that cannot be written: a clear error, exit 5, no file.
expect 5 "nowhere" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Murder" --save "$tmp/nowhere/m.st"
expect 5 "nowhere" predict --model "$tmp/ols.st" --data "$data/USArrests.csv" --output "$tmp/nowhere/p.csv"
no_file "$tmp/nowhere"

# ------------------------------------------------------------- red team --
# lacks PATTERN: the last expect's output must not match PATTERN.
lacks() {
    if grep -q -- "$1" "$tmp/out"; then
        echo "FAILED: the output should not match '$1':"
        sed 's/^/    /' "$tmp/out" | head -20
        failures=$((failures + 1))
    fi
}

# Options: a value given twice, an option the kind ignores, abbreviations
# that name several options, a flag given a value, CSV options on other
# data, empty file names: each refused, naming the option.
expect 2 "--data is given twice ('$data/USArrests.csv', then '$data/iris.csv')" \
    fit ols --data "$data/USArrests.csv" --data "$data/iris.csv" --formula "Rape ~ Murder"
expect 2 "--epochs is given twice" mnist --epochs 1 --epochs 2
expect 2 "--lambda does not apply to ols" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Murder" --lambda 1
expect 2 "--alpha does not apply to lasso" fit lasso --data "$data/mtcars.csv" --formula "mpg ~ ." --lambda 1 --alpha 0.3
expect 2 "--threshold does not apply to softmax" fit softmax --data "$data/iris.csv" --formula "Species ~ ." --threshold 0.3
expect 2 "--choose picks the lambda of --cv" fit lasso --data "$data/mtcars.csv" --formula "mpg ~ ." --lambda 1 --choose min
expect 2 "'--l' is ambiguous: it could be .*--lambda, --level, --lr" \
    fit lasso --data "$data/mtcars.csv" --formula "mpg ~ ." --l 0.5
expect 2 "--json takes no value (found '--json=yes')" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Murder" --json=yes
expect 2 "--data needs a value" fit ols --dat
expect 0 '"r_squared": 0.3176' fit ols --dat="$data/USArrests.csv" --form="Rape ~ Murder" --js
expect 0 "usage: grafo fit" fit ols -h
printf '1 1:0.5 2:1.5\n0 1:1.0 3:2\n1 1:1 2:0.3\n0 1:2 2:2 3:1\n1 1:0.1 3:0.2\n0 2:2 3:3\n1 1:2 2:1 3:0.5\n0 1:0.5 2:0.5 3:0.5\n' >"$tmp/a.svm"
expect 2 "--na applies to --data (CSV) only" fit ols --libsvm "$tmp/a.svm" --na omit
expect 2 "--libsvm needs a file name, not ''" fit ols --libsvm ""
expect 2 "--save needs a file name, not ''" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Murder" --save ""
expect 2 "--scale applies to a new network" train --model "$tmp/net.st" --data "$data/iris.csv" --scale none

# Folds and classes that the data cannot give, said with the file.
printf 'y,x\n1,2\n2,3.5\n3,3\n4,6\n5,3\n' >"$tmp/five.csv"
expect 2 "--cv 10: $tmp/five.csv has 5 rows, fewer than the folds" \
    fit lasso --data "$tmp/five.csv" --formula "y ~ x" --cv 10
printf 'y,x\n5,1\n5,2\n5,3\n5,4\n' >"$tmp/const.csv"
expect 3 "const.csv: the response 'y' has 1 class (5)" fit logistic --data "$tmp/const.csv" --formula "y ~ x"
# Labels that print alike are one class, as CSV data make them: two
# classes both named 0.1 could not be told apart when read back.
printf '0.1 1:1\n0.10000000000000003 1:2\n0.1 1:3\n0.10000000000000003 1:4\n' >"$tmp/close.svm"
expect 3 "has 1 class (0.1)" fit softmax --libsvm "$tmp/close.svm"
# One large index in a tiny file: refused before 16 GB of dense values are asked for.
printf '1 2000000000:1\n' >"$tmp/wide.svm"
expect 3 "wide.svm: sparse to dense: 2000000000 columns .* more than the 1048576" fit ols --libsvm "$tmp/wide.svm"

# A numeric response as classes: a measurement (most rows a class of their
# own) is refused before one-vs-rest runs over thousands of classes; a
# computed response cannot be classes at all.
awk 'BEGIN { print "y,x"; for (i = 1; i <= 40; i++) printf "%d.5,%d\n", i, i % 7 }' >"$tmp/measure.csv"
expect 3 "the response 'y' has 40 distinct values in 40 rows: a number to regress" \
    fit linsvm --data "$tmp/measure.csv" --formula "y ~ x"
expect 2 "the response 'log(am + 1)' is a number computed from the data" \
    fit logistic --data "$data/mtcars.csv" --formula "log(am + 1) ~ wt"

# A fit that fails names the data as well as the solver's reason.
printf 'y,x\n1,2\n' >"$tmp/one.csv"
expect 3 "grafo fit ols: $tmp/one.csv: .*1 rows for 2 coefficients" fit ols --data "$tmp/one.csv" --formula "y ~ x"
expect 1 "grafo fit lasso: $tmp/const.csv: .*constant" fit lasso --data "$tmp/const.csv" --formula "y ~ x" --lambda 1

# Latin-1 text: a model file (JSON, UTF-8) refuses it by name, with exit 3;
# predictions in JSON keep such a row (its bad bytes as U+FFFD).
printf 'y,x\ncaf\351,1\nthe,2\ncaf\351,1.5\nthe,2.5\ncaf\351,1.2\nthe,2.2\n' >"$tmp/latin.csv"
expect 3 "the level 'caf\\\\xe9' of 'y' is not UTF-8 text" \
    fit softmax --data "$tmp/latin.csv" --formula "y ~ x" --lambda 0.1 --save "$tmp/latin.st"
no_file "$tmp/latin.st"
printf '"",Murder,Assault,UrbanPop,Rape\n"Caf\351",1,2,3,4\n"Ok",2,3,4,5\n' >"$tmp/latinrows.csv"
expect 0 $'"row": "Caf\xef\xbf\xbd"' predict --model "$tmp/ols.st" --data "$tmp/latinrows.csv" --json

# A batch larger than the data: buffers for the rows there are, not for
# 2^20 of them (24 GB for 4096 units).
expect 0 "epoch 1" train --data "$data/iris.csv" --formula "Species ~ ." --layers 4096:relu,3:softmax \
    --batch 1048576 --epochs 1

# Predicting never reads the response: an unseen level, or a value its
# transform refuses, are fine; eval, which compares with it, refuses them.
sed 's/^"Alabama",13.2,236,58,21.2$/"Alabama",13.2,236,58,0/' "$data/USArrests.csv" >"$tmp/zero.csv"
"$grafo" fit ols --data "$data/USArrests.csv" --formula "log(Rape) ~ Murder" --save "$tmp/log.st" >/dev/null 2>&1
expect 0 "^Alabama,3.3146" predict --model "$tmp/log.st" --data "$tmp/zero.csv"
sed 's/,"setosa"$/,"martian"/' "$data/iris.csv" >"$tmp/martian.csv"
expect 0 "^1,setosa" predict --model "$tmp/softmax.st" --data "$tmp/martian.csv"
expect 3 "martian.csv: line 2, column 'Species': level 'martian'" eval --model "$tmp/softmax.st" --data "$tmp/martian.csv"
"$grafo" fit softmax --libsvm "$tmp/a.svm" --lambda 0.1 --save "$tmp/svm.st" >/dev/null 2>&1
printf '7 1:0.5\n' >"$tmp/seven.svm"
expect 0 "^1,1," predict --model "$tmp/svm.st" --libsvm "$tmp/seven.svm"
expect 3 "seven.svm: example 1 has class 7, which the model does not know" eval --model "$tmp/svm.st" --libsvm "$tmp/seven.svm"
# A model fitted with --factor reads that column as a factor again.
"$grafo" fit ols --data "$data/mtcars.csv" --formula "mpg ~ cyl + wt" --factor cyl --save "$tmp/cyl.st" >/dev/null 2>&1
expect 0 "^Mazda RX4,21.3365" predict --model "$tmp/cyl.st" --data "$data/mtcars.csv"
expect 0 "R-squared  0.8374" eval --model "$tmp/cyl.st" --data "$data/mtcars.csv"
expect 2 "drop --factor" predict --model "$tmp/cyl.st" --data "$data/mtcars.csv" --factor cyl

# Outputs: checked before any work; never a directory, a device or pipe
# replaced by a rename, an input overwritten, or a link replaced.
mkdir "$tmp/adir"
expect 5 "--save $tmp/adir: is a directory" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Murder" --save "$tmp/adir"
lacks "Coefficients"
expect 5 "--save $tmp/nodir/m.st: the directory $tmp/nodir does not exist" \
    train --data "$data/iris.csv" --formula "Species ~ ." --layers 3:softmax --save "$tmp/nodir/m.st"
lacks "epoch"
mkfifo "$tmp/fifo"
expect 5 "not a regular file" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Murder" --save "$tmp/fifo"
[ -p "$tmp/fifo" ] || { echo "FAILED: --save replaced a pipe"; failures=$((failures + 1)); }
(timeout 20 cat "$tmp/fifo" >"$tmp/fifo.out") &
reader=$!
"$grafo" predict --model "$tmp/ols.st" --data "$data/USArrests.csv" --output "$tmp/fifo"
got=$?
wait $reader
[ $got -eq 0 ] && [ -p "$tmp/fifo" ] && [ "$(wc -l <"$tmp/fifo.out")" -eq 51 ] ||
    { echo "FAILED: --output to a pipe did not write through it"; failures=$((failures + 1)); }
echo old >"$tmp/target.csv"
ln -s target.csv "$tmp/link.csv"
"$grafo" predict --model "$tmp/ols.st" --data "$data/USArrests.csv" --output "$tmp/link.csv"
[ $? -eq 0 ] && [ -L "$tmp/link.csv" ] && [ "$(wc -l <"$tmp/target.csv")" -eq 51 ] ||
    { echo "FAILED: --output replaced a symbolic link instead of its file"; failures=$((failures + 1)); }
cp "$data/USArrests.csv" "$tmp/in.csv"
expect 2 "--output $tmp/in.csv is the --data file" predict --model "$tmp/ols.st" --data "$tmp/in.csv" --output "$tmp/in.csv"
expect 2 "is the --model file" predict --model "$tmp/ols.st" --data "$tmp/in.csv" --output "$tmp/ols.st"
cmp -s "$tmp/in.csv" "$data/USArrests.csv" || { echo "FAILED: the input was overwritten"; failures=$((failures + 1)); }
# A directory that takes no new files (root writes anywhere: not tested then).
if [ "$(id -u)" -ne 0 ]; then
    mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
    expect 5 "--save $tmp/ro/m.st: cannot create files in $tmp/ro" \
        fit ols --data "$data/USArrests.csv" --formula "Rape ~ Murder" --save "$tmp/ro/m.st"
    lacks "Coefficients"
    expect 5 "cannot create files in" predict --model "$tmp/ols.st" --data "$data/USArrests.csv" --output "$tmp/ro/p.csv"
fi
# A new predictions file gets the usual mode, not mkstemp's 0600.
(umask 022 && "$grafo" predict --model "$tmp/ols.st" --data "$data/USArrests.csv" --output "$tmp/mode.csv")
[ "$(stat -c %a "$tmp/mode.csv")" = 644 ] ||
    { echo "FAILED: --output made a file of mode $(stat -c %a "$tmp/mode.csv"), want 644"; failures=$((failures + 1)); }
# A full standard output is a failure, not a success.
"$grafo" predict --model "$tmp/ols.st" --data "$data/USArrests.csv" >/dev/full 2>"$tmp/out"
got=$?
[ $got -eq 5 ] && grep -q "standard output: No space left on device" "$tmp/out" ||
    { echo "FAILED: predict to a full stdout exited $got: $(cat "$tmp/out")"; failures=$((failures + 1)); }
"$grafo" fit ols --data "$data/USArrests.csv" --formula "Rape ~ Murder" >/dev/full 2>"$tmp/out"
[ $? -eq 5 ] || { echo "FAILED: fit to a full stdout did not exit 5"; failures=$((failures + 1)); }

finish test_cli_models
