/* grafo train's command line: the input's lines are the arguments.  What
 * the parser accepts must be options the library accepts too, and the
 * schedule they choose gives a finite, non-negative learning rate at every
 * epoch and step. */
#include "fuzz.h"
#include "train.h"

#include <math.h>

enum { MAX_ARGS = 64 };

static void check_schedule(const train_opts *o)
{
    static const int epochs[] = { 0, 1, 2, 7, 100, 1000000, 2147483647 };
    static const uint64_t steps[] = { 0, 1, 1000, (uint64_t)1 << 40, UINT64_MAX };
    for (size_t e = 0; e < sizeof epochs / sizeof *epochs; e++)
        for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
            float lr = gf_schedule_lr(&o->optim, epochs[e], steps[s]);
            FUZZ_CHECK(isfinite(lr) && lr >= 0);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start();
    char *text = fuzz_string(data, size);
    char *argv[MAX_ARGS + 2] = { "train" };
    int argc = 1;
    for (char *line = text, *next; line && argc <= MAX_ARGS; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        argv[argc++] = line;
    }
    train_opts o;
    int rc = train_parse(argc, argv, &o);
    if (rc == -1) {
        if (!o.resume) {
            FUZZ_CHECK(gf_optim_check(&o.optim) == GF_OK);
            check_schedule(&o);
        }
        FUZZ_CHECK(o.epochs >= 1 && o.batch >= 1);
        gf_arch a;
        if (o.layers && gf_arch_parse(o.layers, &a) == GF_OK) {
            apply_arch_flags(&o, &a);
            gf_arch_free(&a);
        }
    }
    free(text);
    return 0;
}
