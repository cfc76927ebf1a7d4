/* Architectures: checked, printed back in canonical form (which
 * gf_arch_parse reads back to the same gf_arch), and built into a model of
 * dense layers. */
#include "grafo/nn.h"
#include "core/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- checking, printing and building ----------------------------------- */

/* The output layer's name for each loss a spec can choose; NULL if none. */
static const char *loss_name(gf_loss loss)
{
    switch (loss) {
    case GF_LOSS_SOFTMAX_XENT: return "softmax";
    case GF_LOSS_BCE_LOGITS: return "sigmoid";
    case GF_LOSS_MSE: return "identity";
    default: return NULL;
    }
}

/* An architecture made by hand (or read from a file) obeys the same rules
 * as a parsed one. */
static gf_status check_arch(const gf_arch *a, const char *who)
{
    if (!a) return gf__fail(GF_ERR_ARG, "%s: the architecture is NULL", who);
    if (a->n < 1 || a->n > GF_ARCH_MAX_LAYERS)
        return gf__fail(GF_ERR_ARG, "%s: %zu layers; an architecture has 1 to %d", who, a->n,
                        GF_ARCH_MAX_LAYERS);
    if (!a->layers) return gf__fail(GF_ERR_ARG, "%s: the layers are NULL", who);
    if (!loss_name(a->loss))
        return gf__fail(GF_ERR_ARG, "%s: loss %d cannot be written as an architecture (it "
                        "takes softmax, sigmoid or identity outputs)", who, (int)a->loss);
    for (size_t i = 0; i < a->n; i++) {
        const gf_layer_spec *l = &a->layers[i];
        if (l->units < 1 || l->units > GF_ARCH_MAX_UNITS)
            return gf__fail(GF_ERR_ARG, "%s: layer %zu has %d units; a layer has 1 to %d", who,
                            i + 1, l->units, GF_ARCH_MAX_UNITS);
        if ((unsigned)l->act >= GF_ACT_COUNT)
            return gf__fail(GF_ERR_ARG, "%s: layer %zu has unknown activation %d", who, i + 1,
                            (int)l->act);
        if (l->act == GF_ACT_MAXOUT ? l->pieces < 2 || l->pieces > 64 : l->pieces != 0)
            return gf__fail(GF_ERR_ARG, "%s: layer %zu has %d pieces; maxout takes 2 to 64, "
                            "other units 0", who, i + 1, l->pieces);
        if (!(l->dropout >= 0 && l->dropout < 1) || (l->batch_norm != 0 && l->batch_norm != 1))
            return gf__fail(GF_ERR_ARG, "%s: layer %zu has dropout %g (in [0, 1)) or batch norm "
                            "%d (0 or 1)", who, i + 1, l->dropout, l->batch_norm);
        if (l->batch_norm && l->act == GF_ACT_RBF)
            return gf__fail(GF_ERR_ARG, "%s: layer %zu: radial-basis units take no batch norm",
                            who, i + 1);
    }
    if (!(a->input_dropout >= 0 && a->input_dropout < 1) ||
        !(a->input_noise >= 0 && a->input_noise <= 1e3) ||
        !(a->weight_noise >= 0 && a->weight_noise <= 1e3) ||
        !(a->label_smoothing >= 0 && a->label_smoothing < 1))
        return gf__fail(GF_ERR_ARG, "%s: input dropout %g (in [0, 1)), input noise %g, weight "
                        "noise %g (in [0, 1000]) or label smoothing %g (in [0, 1)) out of range",
                        who, a->input_dropout, a->input_noise, a->weight_noise, a->label_smoothing);
    if (a->label_smoothing > 0 && a->loss != GF_LOSS_SOFTMAX_XENT)
        return gf__fail(GF_ERR_ARG, "%s: label smoothing needs a softmax output", who);
    const gf_layer_spec *o = &a->layers[a->n - 1];
    if (o->act != GF_ACT_IDENTITY)
        return gf__fail(GF_ERR_ARG, "%s: the output layer (%zu) has activation %s; it must be "
                        "identity, as the loss works from logits", who, a->n,
                        gf_activation_name(o->act));
    if (a->loss == GF_LOSS_SOFTMAX_XENT && o->units < 2)
        return gf__fail(GF_ERR_ARG, "%s: a softmax output needs at least 2 units, not %d", who,
                        o->units);
    if (a->loss == GF_LOSS_BCE_LOGITS && o->units != 1)
        return gf__fail(GF_ERR_ARG, "%s: a sigmoid output takes exactly 1 unit, not %d", who,
                        o->units);
    if (o->batch_norm || o->dropout > 0)
        return gf__fail(GF_ERR_ARG, "%s: the output layer takes no batch norm or dropout", who);
    return GF_OK;
}

/* Text appended to a buffer that remembers how much it would need. */
typedef struct text {
    char *buf;
    size_t size, used;
} text;

__attribute__((format(printf, 2, 3)))
static void put(text *t, const char *fmt, ...)
{
    char piece[96];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    if (t->used + (size_t)len < t->size) memcpy(t->buf + t->used, piece, (size_t)len + 1);
    t->used += (size_t)len;
}

/* The fewest significant digits that read back as the same float (0.2,
 * not 0.200000003); nine always do. */
static const char *short_float(float v, char buf[32])
{
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(buf, 32, "%.*g", digits, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    return buf;
}

gf_status gf_arch_format(const gf_arch *a, char *buf, size_t size)
{
    if (!buf || size == 0) return gf__fail(GF_ERR_ARG, "arch_format: no buffer");
    buf[0] = '\0';
    gf_status st = check_arch(a, "arch_format");
    if (st) return st;
    text t = {.buf = buf, .size = size};
    char num[32];
    if (a->input_dropout > 0 || a->input_noise > 0 || a->weight_noise > 0) {
        put(&t, "input");
        if (a->input_dropout > 0) put(&t, ":dropout=%s", short_float(a->input_dropout, num));
        if (a->input_noise > 0) put(&t, ":noise=%s", short_float(a->input_noise, num));
        if (a->weight_noise > 0) put(&t, ":weight_noise=%s", short_float(a->weight_noise, num));
        put(&t, ",");
    }
    for (size_t i = 0; i < a->n; i++) {
        const gf_layer_spec *l = &a->layers[i];
        bool hidden = i + 1 < a->n;
        put(&t, "%s%d:%s", i ? "," : "", l->units, hidden ? gf_activation_name(l->act) : loss_name(a->loss));
        if (l->act == GF_ACT_MAXOUT) put(&t, "=%d", l->pieces);
        if (l->batch_norm) put(&t, ":bn");
        if (l->dropout > 0) put(&t, ":dropout=%s", short_float(l->dropout, num));
    }
    if (a->label_smoothing > 0) put(&t, ":smooth=%s", short_float(a->label_smoothing, num));
    if (t.used >= size) {
        buf[0] = '\0';
        return gf__fail(GF_ERR_ARG, "arch_format: the spec needs %zu bytes, the buffer has %zu",
                        t.used + 1, size);
    }
    return GF_OK;
}

/* The floats the parameters and buffers of a's layers hold on `inputs`
 * features, as gf_dense_layer makes them: W (inputs x width, width =
 * units x pieces for maxout) and b (width; RBF's gamma instead, units),
 * batch norm's scale, shift and two running rows (4 x width), PReLU's
 * slopes (units).  Checked against GF_ARCH_MAX_PARAMS layer by layer, so
 * the sum cannot overflow: every term is below 2^31 x 2^26. */
gf_status gf__arch_check_params(int inputs, const gf_arch *a)
{
    size_t total = 0, in = inputs > 0 ? (size_t)inputs : 0;
    size_t worst = 0, worst_layer = 0, worst_in = 0, worst_width = 0;
    for (size_t i = 0; i < a->n; i++) {
        const gf_layer_spec *l = &a->layers[i];
        size_t units = (size_t)l->units, hidden = i + 1 < a->n;
        size_t width = hidden && l->act == GF_ACT_MAXOUT ? units * (size_t)l->pieces : units;
        size_t layer = in * width + width;
        if (hidden && l->batch_norm) layer += 4 * width;
        if (hidden && l->act == GF_ACT_PRELU) layer += units;
        if (layer > worst) worst = layer, worst_layer = i + 1, worst_in = in, worst_width = width;
        total += layer;
        if (total > GF_ARCH_MAX_PARAMS)
            return gf__fail(GF_ERR_ARG,
                            "model_from_arch: on %d inputs the layers up to %zu hold more than "
                            "the %zu parameters a network may have (layer %zu alone: %zu inputs "
                            "x %zu outputs makes %zu)",
                            inputs, i + 1, GF_ARCH_MAX_PARAMS, worst_layer, worst_in, worst_width,
                            worst);
        in = units;
    }
    return GF_OK;
}

gf_model *gf_model_from_arch(int inputs, const gf_arch *a)
{
    if (check_arch(a, "model_from_arch")) return NULL;
    if (gf__arch_check_params(inputs, a)) return NULL;
    gf_model *m = gf_model_new(inputs);
    if (!m) return NULL;
    gf_graph *g = gf_model_graph(m);
    gf_node h = gf_model_input(m);
    if (a->input_noise > 0) h = gf_noise(g, h, a->input_noise);
    if (a->input_dropout > 0) h = gf_dropout(g, h, a->input_dropout);
    for (size_t i = 0; i < a->n; i++) {
        const gf_layer_spec *l = &a->layers[i];
        bool hidden = i + 1 < a->n;
        gf_layer_opts o = GF_LAYER_OPTS_DEFAULT;
        o.act = hidden ? l->act : GF_ACT_IDENTITY;
        o.pieces = l->act == GF_ACT_MAXOUT ? l->pieces : 2;
        o.batch_norm = l->batch_norm;
        o.dropout = l->dropout;
        o.weight_noise = a->weight_noise;
        h = gf_dense_layer(m, h, l->units, &o);
    }
    /* A failed layer leaves h GF_NONE; set_loss then reports the graph's
     * first error. */
    gf_status s = gf_model_set_label_smoothing(m, a->label_smoothing);
    if (s != GF_OK || gf_model_set_loss(m, h, a->loss) != GF_OK) {
        gf_model_free(m);
        return NULL;
    }
    return m;
}
