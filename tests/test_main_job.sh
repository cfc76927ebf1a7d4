#!/bin/bash
# The main job as the README runs it: 784-512-10 on Fashion-MNIST must reach
# at least 87.5% test accuracy by its 10th epoch.  usage: test_main_job.sh GRAFO
set -u
out=$("$1" mnist --threads 2)
code=$?
echo "$out"
[ $code -eq 0 ] || { echo "test_main_job: grafo mnist exited $code"; exit 1; }
acc=$(echo "$out" | awk '/^epoch +10 /{for (i = 1; i < NF; i++) if ($i == "test" && $(i+1) == "acc") print $(i+2)}')
[ -n "$acc" ] || { echo "test_main_job: no epoch 10 test accuracy in the output"; exit 1; }
if awk -v a="$acc" 'BEGIN { exit !(a >= 0.875) }'; then
    echo "test_main_job: test accuracy $acc >= 0.875"
else
    echo "test_main_job: FAILED: test accuracy $acc < 0.875 after 10 epochs"
    exit 1
fi
