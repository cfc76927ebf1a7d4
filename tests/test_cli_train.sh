#!/bin/bash
# grafo train's options of issue 5 from the shell: every bad value refused
# with exit 2 and a message naming the flag; history, plot and checkpoint
# files written; a run stopped after epoch 2 and resumed saves the very
# bytes of a run never stopped (one and two threads); a truncated or
# foreign checkpoint, or one that does not fit the data or --layers, is
# refused; no checkpoint is ever left half-written.
# usage: test_cli_train.sh GRAFO DATA_DIR
set -u
grafo=$1
data=$2
. "$(dirname "$0")/cli_expect.sh"

iris=(--data "$data/iris.csv" --formula "Species ~ .")
irisdata=(--data "$data/iris.csv") # a saved network brings its formula
net=(--layers 8:relu,3:softmax)

# no_file PATH: a failed command must not leave PATH behind.
no_file() {
    if [ -e "$1" ]; then
        echo "FAILED: $1 exists after a failed command"
        failures=$((failures + 1))
    fi
}

# no_temp: no temporary file of an atomic write is left in $tmp.
no_temp() {
    local left
    left=$(find "$tmp" -maxdepth 2 -name '.*.??????' | head -3)
    if [ -n "$left" ]; then
        echo "FAILED: temporary files left behind: $left"
        failures=$((failures + 1))
    fi
}

# has PATTERN: the last expect's output must match PATTERN too.
has() {
    if ! grep -q -- "$1" "$tmp/out"; then
        echo "FAILED: the output should match '$1':"
        sed 's/^/    /' "$tmp/out" | head -20
        failures=$((failures + 1))
    fi
}

check() { # check CONDITION-COMMAND... MESSAGE: the command must succeed
    local msg=${*: -1}
    if ! "${@:1:$#-1}"; then
        echo "FAILED: $msg"
        failures=$((failures + 1))
    fi
}

# ---------------------------------------------------------------- help --
for flag in "--optimizer NAME" "--lr X" "--momentum X" "--nesterov" "--beta1 X" "--beta2 X" \
    "--rho X" "--eps X" "--weight-decay X" "--l1 X" "--clip-norm X" "--schedule NAME" \
    "--gamma X" "--step-epochs N" "--decay X" "--period N" "--lr-min X" "--dropout P" \
    "--batch-norm" "--input-dropout P" "--input-noise SD" "--weight-noise SD" \
    "--label-smoothing EPS" "--valid F" "--patience N" "--min-delta X" "--checkpoint FILE" \
    "--resume FILE" "--history FILE" "--plot FILE"; do
    expect 0 "^  $flag " train --help
done
expect 0 "adam, adamw 0.001" train --help

# ----------------------------------------------------------- bad values --
bad() { # bad PATTERN FLAGS...: exit 2 with the message, and nothing trained
    expect 2 "$1" train "${iris[@]}" "${@:2}"
    lacks "epoch 1"
}
lacks() {
    if grep -q -- "$1" "$tmp/out"; then
        echo "FAILED: the output should not match '$1':"
        sed 's/^/    /' "$tmp/out" | head -10
        failures=$((failures + 1))
    fi
}
bad "--optimizer: .*'adamm'.*sgd.*adam" "${net[@]}" --optimizer adamm
bad "--schedule: .*'linear'.*cosine" "${net[@]}" --schedule linear
bad "--lr: -1 is outside (0, inf)" "${net[@]}" --lr -1
bad "--lr: 0 is outside (0, inf)" "${net[@]}" --lr 0
bad "--lr: 'fast' is not a finite number" "${net[@]}" --lr fast
bad "--dropout: 1 is outside \[0, 1)" "${net[@]}" --dropout 1
bad "--dropout: -0.1 is outside \[0, 1)" "${net[@]}" --dropout -0.1
# below 1 as typed, 1.0 as the float kept
bad "--dropout: 0.99999999999 is 1 as a float, outside \[0, 1)" "${net[@]}" --dropout 0.99999999999
bad "--beta1: 0.99999999999 is 1 as a float" "${net[@]}" --optimizer adam --beta1 0.99999999999
bad "--momentum: 1 is outside \[0, 1)" "${net[@]}" --momentum 1
bad "--nesterov needs --momentum" "${net[@]}" --nesterov
bad "--beta1 applies to --optimizer adam and adamw, not sgd" "${net[@]}" --beta1 0.8
bad "--beta2: 1.5 is outside \[0, 1)" "${net[@]}" --optimizer adam --beta2 1.5
bad "--rho applies to --optimizer rmsprop, not adam" "${net[@]}" --optimizer adam --rho 0.9
bad "--momentum applies to --optimizer sgd and rmsprop, not adagrad" "${net[@]}" --optimizer adagrad --momentum 0.9
bad "--eps: 0 is outside (0, inf)" "${net[@]}" --optimizer rmsprop --eps 0
bad "--eps applies to --optimizer adam, adamw, rmsprop and adagrad, not sgd" "${net[@]}" --eps 1e-6
bad "--weight-decay: -1 is outside \[0, inf)" "${net[@]}" --weight-decay -1
bad "--l1: -0.5 is outside \[0, inf)" "${net[@]}" --l1 -0.5
bad "--clip-norm: -1 is outside \[0, inf)" "${net[@]}" --clip-norm -1
bad "--gamma: 0 is outside (0, 1\]" "${net[@]}" --schedule step --gamma 0
bad "--gamma applies to --schedule step and exponential, not constant" "${net[@]}" --gamma 0.5
bad "--step-epochs: 0 is outside 1..1000000" "${net[@]}" --schedule step --step-epochs 0
bad "--decay: -1 is outside \[0, inf)" "${net[@]}" --decay -1
bad "--decay applies to --schedule inverse, not cosine" "${net[@]}" --schedule cosine --decay 0.1
bad "--period: 0 is outside 1..1000000" "${net[@]}" --schedule cosine --period 0
bad "--lr-min 1 is above the learning rate 0.1" "${net[@]}" --schedule cosine --lr-min 1
bad "--input-dropout: 1 is outside \[0, 1)" "${net[@]}" --input-dropout 1
bad "--input-noise: -1 is outside \[0, 1000\]" "${net[@]}" --input-noise -1
bad "--weight-noise: -1 is outside \[0, 1000\]" "${net[@]}" --weight-noise -1
bad "--label-smoothing: 1 is outside \[0, 1)" "${net[@]}" --label-smoothing 1
bad "--input-dropout 0.1 and --layers (which sets it to 0.2) disagree" \
    --layers input:dropout=0.2,8:relu,3:softmax --input-dropout 0.1
bad "--patience judges the validation loss: it needs --valid F" "${net[@]}" --patience 3
bad "--patience: -1 is outside 0..1000000" "${net[@]}" --patience -1 --valid 0.2
bad "--min-delta: -1 is outside \[0, inf)" "${net[@]}" --min-delta -1 --valid 0.2
bad "--epochs: 0 is outside 1..1000000" "${net[@]}" --epochs 0
bad "give --layers SPEC (a new network), --model FILE (a saved one) or --resume FILE" --epochs 2
bad "'--weight' is ambiguous: it could be --weight-decay, --weight-noise" "${net[@]}" --weight 1
bad "--save and --checkpoint are both $tmp/same.st" "${net[@]}" --save "$tmp/same.st" --checkpoint "$tmp/same.st"
printf 'y,x\n0,1\n1,2\n0,3\n1,4\n0,5\n1,6\n' >"$tmp/two.csv"
expect 2 "--label-smoothing needs a softmax output layer" \
    train --data "$tmp/two.csv" --formula "y ~ x" --layers 4:tanh,1:sigmoid --label-smoothing 0.1
# Outputs that cannot be written: exit 5 before any training, no file.
expect 5 "--checkpoint $tmp/nodir/c.st: the directory $tmp/nodir does not exist" \
    train "${iris[@]}" "${net[@]}" --checkpoint "$tmp/nodir/c.st"
lacks "epoch 1"
expect 5 "--history $tmp/nodir/h.csv" train "${iris[@]}" "${net[@]}" --history "$tmp/nodir/h.csv"
mkdir "$tmp/adir"
expect 5 "--plot $tmp/adir: is a directory" train "${iris[@]}" "${net[@]}" --plot "$tmp/adir"
no_file "$tmp/nodir"

# ---------------------------------------------- a run with every output --
expect 0 "epoch 10 .*lr 0.01 " train "${iris[@]}" --layers 8:relu,3:softmax --optimizer adam \
    --lr 0.01 --batch-norm --dropout 0.1 --valid 0.2 --patience 20 --epochs 10 --batch 16 --seed 4 \
    --history "$tmp/h.csv" --plot "$tmp/h.svg" --checkpoint "$tmp/c.st" --save "$tmp/m.st"
has "valid loss [0-9.]*  valid accuracy [0-9.]*  lr 0.01  [0-9.]* s  \*$"
has "adam, lr 0.01, constant schedule, batch 16, early stopping after 20 epochs, 10 epochs"
has "8:relu:bn:dropout=0.1,3:softmax"
check [ "$(head -1 "$tmp/h.csv")" = "epoch,loss,train_accuracy,valid_loss,valid_accuracy,learning_rate,grad_norm,seconds" ] \
    "the history's header: $(head -1 "$tmp/h.csv")"
check [ "$(wc -l <"$tmp/h.csv")" -eq 11 ] "the history has $(wc -l <"$tmp/h.csv") lines, want 11"
check grep -q '^10,[0-9.e-]*,[0-9.e-]*,[0-9.e-]*,[0-9.e-]*,0.009999999776482582,' "$tmp/h.csv" \
    "the history's last row: $(tail -1 "$tmp/h.csv")"
check grep -q '<polyline class="valid"' "$tmp/h.svg" "the plot has a validation line"
check grep -q '</svg>' "$tmp/h.svg" "the plot is complete"
if command -v xmllint >/dev/null; then
    check xmllint --noout "$tmp/h.svg" "the plot is well-formed XML"
fi
expect 0 "accuracy  0\.[7-9]" eval --model "$tmp/m.st" --data "$data/iris.csv"
# A checkpoint is a model file too.
expect 0 "prob_virginica" predict --model "$tmp/c.st" --data "$data/iris.csv"
expect 0 '"learning_rate": 0.0010000000474974513' train "${iris[@]}" "${net[@]}" --optimizer adam \
    --valid 0.2 --epochs 2 --json --quiet
has '"grad_norm"'
has '"best": true'
has '"stopped_early": false'
no_temp

# A saved network continues with any batch (it was compiled for 256 rows).
awk 'BEGIN { srand(3); print "y,a,b"; for (i = 0; i < 600; i++) { a = rand(); b = rand(); print (a > b) "," a "," b } }' >"$tmp/600.csv"
"$grafo" train --data "$tmp/600.csv" --formula "y ~ a + b" --layers 4:tanh,2:softmax --epochs 1 \
    --save "$tmp/600.st" 2>/dev/null
expect 0 "batch 512" train --model "$tmp/600.st" --data "$tmp/600.csv" --epochs 1 --batch 512
expect 2 "--batch-norm applies to a new network; the layers and scaling come from $tmp/m.st" \
    train --model "$tmp/m.st" "${irisdata[@]}" --batch-norm

# ------------------------------------------------------ checkpoint, resume --
# Adam, batch norm and dropout; epochs 1-4 at once, or 1-2 then 3-4.
run_flags=(--layers 8:relu,3:softmax --optimizer adam --batch-norm --dropout 0.2 --valid 0.2
    --batch 16 --seed 9 --quiet)
for threads in 1 2; do
    "$grafo" train "${iris[@]}" "${run_flags[@]}" --epochs 4 --threads $threads --save "$tmp/full.st" \
        2>"$tmp/out" || { echo "FAILED: the full run"; cat "$tmp/out"; failures=$((failures + 1)); }
    "$grafo" train "${iris[@]}" "${run_flags[@]}" --epochs 2 --threads $threads \
        --checkpoint "$tmp/half.st" 2>"$tmp/out" ||
        { echo "FAILED: the first half"; cat "$tmp/out"; failures=$((failures + 1)); }
    expect 0 "resuming $tmp/half.st after epoch 2 of 4" train "${irisdata[@]}" --resume "$tmp/half.st" \
        --epochs 4 --threads $threads --save "$tmp/resumed.st" --history "$tmp/rh.csv"
    check cmp -s "$tmp/full.st" "$tmp/resumed.st" \
        "threads $threads: the resumed run saved other bytes than the run never stopped"
    check [ "$(wc -l <"$tmp/rh.csv")" -eq 5 ] "the resumed history holds all 4 epochs"
done
# Resuming into the same checkpoint file keeps it going.
cp "$tmp/half.st" "$tmp/again.st"
expect 0 "epoch 3" train "${irisdata[@]}" --resume "$tmp/again.st" --epochs 3 --checkpoint "$tmp/again.st"
expect 0 "after epoch 3 of 4" train "${irisdata[@]}" --resume "$tmp/again.st" --epochs 4

# What comes from the checkpoint cannot be given again.
for flag in "--lr 0.1" "--optimizer sgd" "--batch 8" "--dropout 0.3" "--batch-norm" "--seed 2" \
    "--valid 0.3" "--scale none" "--patience 2"; do
    # shellcheck disable=SC2086
    expect 2 "${flag%% *} cannot be changed when resuming: it comes from the checkpoint $tmp/half.st" \
        train "${irisdata[@]}" --resume "$tmp/half.st" $flag
done
expect 2 "give --resume FILE or --model FILE, not both" train "${irisdata[@]}" --resume "$tmp/half.st" \
    --model "$tmp/m.st"
expect 0 "epoch 3" train "${irisdata[@]}" --resume "$tmp/half.st" --epochs 3 \
    --layers 8:relu:bn:dropout=0.2,3:softmax
expect 2 "--layers 16:relu,3:softmax differs from the checkpoint's layers 8:relu:bn:dropout=0.2,3:softmax" \
    train "${irisdata[@]}" --resume "$tmp/half.st" --layers 16:relu,3:softmax
expect 2 "has 2 epochs done; --epochs 1 would undo some" train "${irisdata[@]}" --resume "$tmp/half.st" --epochs 1
expect 2 "is the --resume file" train "${irisdata[@]}" --resume "$tmp/half.st" --save "$tmp/half.st"

# Checkpoints that cannot be resumed: truncated, not a checkpoint, of
# other data (features, classes).
size=$(stat -c %s "$tmp/half.st")
for cut in 7 100 $((size / 2)) $((size - 1)); do
    head -c $cut "$tmp/half.st" >"$tmp/cut.st"
    expect 4 "$tmp/cut.st: " train "${irisdata[@]}" --resume "$tmp/cut.st"
    lacks "epoch"
done
expect 4 "$tmp/m.st: a grafo model, not a checkpoint" train "${irisdata[@]}" --resume "$tmp/m.st"
expect 4 "missing.st" train "${irisdata[@]}" --resume "$tmp/missing.st"
printf '\0\0\x08\x03\0\0\0\x06\0\0\0\x02\0\0\0\x02' >"$tmp/img.idx"
printf '\x00\xff\x10\x20\xff\x00\x30\x40\x00\xf0\x11\x22\xf0\x00\x33\x44\x05\xfa\x12\x21\xfa\x05\x31\x41' >>"$tmp/img.idx"
printf '\0\0\x08\x01\0\0\0\x06\x00\x01\x00\x01\x00\x01' >"$tmp/lab.idx"
printf '\0\0\x08\x02\0\0\0\x06\0\0\0\x03' >"$tmp/img3.idx"
printf '\x00\xff\x10\x20\xff\x00\x30\x40\x00\xf0\x11\x22\xf0\x00\x33\x44\x05\xfa' >>"$tmp/img3.idx"
printf '\0\0\x08\x01\0\0\0\x06\x00\x01\x02\x01\x00\x01' >"$tmp/lab3.idx"
"$grafo" train --images "$tmp/img.idx" --labels "$tmp/lab.idx" --layers 4:tanh,2:softmax --epochs 1 \
    --batch 2 --checkpoint "$tmp/idx.st" 2>/dev/null
expect 3 "has 3 features; the model takes 4" train --images "$tmp/img3.idx" --labels "$tmp/lab3.idx" \
    --resume "$tmp/idx.st"
printf '\0\0\x08\x01\0\0\0\x06\x00\x01\x02\x01\x00\x01' >"$tmp/lab3.idx"
expect 3 "class 2, which the model does not know" train --images "$tmp/img.idx" --labels "$tmp/lab3.idx" \
    --resume "$tmp/idx.st"
expect 3 "mtcars.csv has no column 'Species'" train --data "$data/mtcars.csv" --resume "$tmp/half.st"
head -101 "$data/iris.csv" >"$tmp/iris100.csv"
expect 3 "half.st was trained on data of 150 rows; $tmp/iris100.csv has 100" \
    train --data "$tmp/iris100.csv" --resume "$tmp/half.st"

# Never half a checkpoint: a run that diverges at its first step leaves
# the checkpoint it was to replace as it was; no temporary file remains.
cp "$tmp/half.st" "$tmp/keep.st"
expect 1 "stopped before applying that step" train "${iris[@]}" "${net[@]}" --lr 1e30 --epochs 2 \
    --checkpoint "$tmp/keep.st"
check cmp -s "$tmp/half.st" "$tmp/keep.st" "a failed run changed the checkpoint"
no_temp

finish test_cli_train
