/* Layer specs (--layers): what parses formats to a canonical spec that
 * parses back to the same architecture, and a small one builds a model. */
#include "fuzz.h"

static int same_arch(const gf_arch *a, const gf_arch *b)
{
    if (a->n != b->n || a->loss != b->loss || a->input_dropout != b->input_dropout ||
        a->input_noise != b->input_noise || a->weight_noise != b->weight_noise ||
        a->label_smoothing != b->label_smoothing)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const gf_layer_spec *x = &a->layers[i], *y = &b->layers[i];
        if (x->units != y->units || x->act != y->act || x->pieces != y->pieces ||
            x->batch_norm != y->batch_norm || x->dropout != y->dropout)
            return 0;
    }
    return 1;
}

/* Weights a model of this architecture would hold, or more than `cap`. */
static size_t weights(const gf_arch *a, size_t inputs, size_t cap)
{
    size_t total = 0, in = inputs;
    for (size_t i = 0; i < a->n; i++) {
        size_t out = (size_t)a->layers[i].units * (a->layers[i].pieces ? a->layers[i].pieces : 1);
        total += in * out + out;
        if (total > cap) return cap + 1;
        in = (size_t)a->layers[i].units;
    }
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start();
    char *spec = fuzz_string(data, size);
    gf_arch a, b;
    gf_status s = gf_arch_parse(spec, &a);
    free(spec);
    if (s != GF_OK) {
        FUZZ_CHECK(a.n == 0 && a.layers == NULL);
        FUZZ_FAILED_WITH_MESSAGE();
        return 0;
    }
    char canon[8192];
    s = gf_arch_format(&a, canon, sizeof canon);
    FUZZ_CHECK(s == GF_OK || s == GF_ERR_ARG); /* GF_ERR_ARG: longer than canon */
    if (s == GF_OK) {
        FUZZ_CHECK(gf_arch_parse(canon, &b) == GF_OK);
        FUZZ_CHECK(same_arch(&a, &b));
        gf_arch_free(&b);
    }
    if (weights(&a, 5, 1 << 16) <= 1 << 16) {
        gf_model *m = gf_model_from_arch(5, &a);
        FUZZ_CHECK(m != NULL);
        gf_model_free(m);
    }
    gf_arch_free(&a);
    return 0;
}
