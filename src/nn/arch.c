/* Architectures as text: "512:relu,10:softmax" parsed into a gf_arch,
 * printed back in canonical form, and built into a model of dense layers.
 *
 * Grammar (blanks allowed around every token):
 *
 *     spec  := layer (',' layer)*
 *     layer := UNITS ':' NAME
 *
 * UNITS is a decimal integer in [1, GF_ARCH_MAX_UNITS]; NAME is an
 * activation (gf_activation_name's names, or "linear" for identity).  The
 * last layer's NAME picks the loss instead: softmax, sigmoid or
 * identity/linear; the output layer itself is linear, as the losses take
 * logits.  The spec usually comes from a command line, so errors quote it,
 * name the layer and the column, and say what was expected. */
#include "grafo/nn.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- messages ---------------------------------------------------------- */

/* Quoted specs are cut to this many characters. */
#define QUOTE_MAX 60

/* The spec as it will appear in a message: at most QUOTE_MAX characters,
 * non-printable bytes as '?', "..." if cut. */
static void quote_spec(const char *spec, char *buf, size_t size)
{
    size_t i = 0, j = 0;
    for (; spec[i] && i < QUOTE_MAX && j + 1 < size; i++, j++)
        buf[j] = spec[i] >= 0x20 && spec[i] < 0x7f ? spec[i] : '?';
    buf[j] = '\0';
    if (spec[i] && j + 3 < size) strcpy(buf + j, "...");
}

/* Fail with `architecture "SPEC": layer L (column C): WHAT`. */
__attribute__((format(printf, 4, 5)))
static gf_status parse_fail(const char *spec, const char *at, int layer, const char *fmt, ...)
{
    char quoted[QUOTE_MAX + 4], what[512];
    quote_spec(spec, quoted, sizeof quoted);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return gf__fail(GF_ERR_ARG, "architecture \"%s\": layer %d (column %zu): %s", quoted, layer,
                    (size_t)(at - spec) + 1, what);
}

/* A token, made printable and short, for quoting inside a message. */
static const char *token_text(const char *tok, size_t len, char *buf, size_t size)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < size; i++, j++)
        buf[j] = tok[i] >= 0x20 && tok[i] < 0x7f ? tok[i] : '?';
    buf[j] = '\0';
    if (j < len && j >= 3) strcpy(buf + j - 3, "...");
    return buf;
}

/* What was found at p, for "expected X, found Y". */
static const char *found_text(const char *p, char *buf, size_t size)
{
    if (!*p) return "the end";
    if (*p < 0x20 || *p >= 0x7f) return "an unprintable character";
    snprintf(buf, size, "'%c'", *p);
    return buf;
}

/* ---- names ------------------------------------------------------------- */

/* What a layer's name says: an activation, or one of the output-only
 * names (which, for a hidden layer, only "linear" is not). */
typedef enum name_kind { NAME_ACT, NAME_SOFTMAX, NAME_UNKNOWN } name_kind;

static name_kind read_name(const char *tok, size_t len, gf_activation *act)
{
    if (len == 7 && memcmp(tok, "softmax", 7) == 0) return NAME_SOFTMAX;
    if (len == 6 && memcmp(tok, "linear", 6) == 0) {
        *act = GF_ACT_IDENTITY;
        return NAME_ACT;
    }
    for (int a = 0; a < GF_ACT_COUNT; a++) {
        const char *name = gf_activation_name((gf_activation)a);
        if (strlen(name) == len && memcmp(tok, name, len) == 0) {
            *act = (gf_activation)a;
            return NAME_ACT;
        }
    }
    return NAME_UNKNOWN;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static const char *skip_blanks(const char *p)
{
    while (is_blank(*p)) p++;
    return p;
}

/* ---- parsing ----------------------------------------------------------- */

/* Everything the parser learns about a layer before it knows whether the
 * layer is the last. */
typedef struct raw_layer {
    int units;
    name_kind kind;
    gf_activation act;
    const char *name; /* in the spec, for messages */
    size_t name_len;
} raw_layer;

/* One layer at *pp: UNITS ':' NAME, blanks around each; leaves *pp after
 * the name and its trailing blanks. */
static gf_status parse_layer(const char *spec, const char **pp, int layer, raw_layer *out)
{
    char found[8];
    const char *p = skip_blanks(*pp);
    if (*p == ',' || *p == '\0')
        return parse_fail(spec, p, layer, "%s", *p == ',' ? "the layer is empty"
                          : "the layer is empty (a trailing comma?)");
    if (*p < '0' || *p > '9')
        return parse_fail(spec, p, layer, "expected the number of units, found %s",
                          found_text(p, found, sizeof found));
    const char *digits = p;
    long units = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        if (units <= GF_ARCH_MAX_UNITS) units = 10 * units + (*p - '0'); /* stops before overflow */
    const char *digits_end = p;
    p = skip_blanks(p);
    if (*p != ':')
        return parse_fail(spec, p, layer, "expected ':' and an activation after the units "
                          "(UNITS:ACTIVATION, as in 64:relu), found %s",
                          found_text(p, found, sizeof found));
    if (units > GF_ARCH_MAX_UNITS) {
        char num[24];
        return parse_fail(spec, digits, layer, "%s units is more than the limit of %d",
                          token_text(digits, (size_t)(digits_end - digits), num, sizeof num),
                          GF_ARCH_MAX_UNITS);
    }
    if (units == 0) return parse_fail(spec, digits, layer, "0 units; a layer needs at least one");
    p = skip_blanks(p + 1);
    const char *name = p;
    while (*p && *p != ',' && *p != ':' && !is_blank(*p)) p++;
    if (p == name)
        return parse_fail(spec, p, layer, "expected an activation after ':', found %s",
                          found_text(p, found, sizeof found));
    out->units = (int)units;
    out->name = name;
    out->name_len = (size_t)(p - name);
    out->kind = read_name(name, out->name_len, &out->act);
    *pp = skip_blanks(p);
    return GF_OK;
}

#define HIDDEN_CHOICES "identity, linear, sigmoid, tanh, relu, leaky_relu, elu, softplus or hardtanh"
#define OUTPUT_CHOICES "softmax, sigmoid, identity or linear"

/* The loss the last layer's name chooses, with its rules on units. */
static gf_status output_loss(const char *spec, const raw_layer *l, int layer, gf_loss *loss)
{
    char tok[40];
    const char *text = token_text(l->name, l->name_len, tok, sizeof tok);
    if (l->kind == NAME_SOFTMAX) {
        if (l->units < 2)
            return parse_fail(spec, l->name, layer, "softmax needs at least 2 units (one per "
                              "class), not %d; for two classes with one output use sigmoid",
                              l->units);
        *loss = GF_LOSS_SOFTMAX_XENT;
    } else if (l->kind == NAME_ACT && l->act == GF_ACT_SIGMOID) {
        if (l->units != 1)
            return parse_fail(spec, l->name, layer, "a sigmoid output takes exactly 1 unit "
                              "(binary cross-entropy on 0/1 targets), not %d; for %d classes "
                              "use softmax", l->units, l->units);
        *loss = GF_LOSS_BCE_LOGITS;
    } else if (l->kind == NAME_ACT && l->act == GF_ACT_IDENTITY) {
        *loss = GF_LOSS_MSE;
    } else if (l->kind == NAME_ACT) {
        return parse_fail(spec, l->name, layer, "'%s' cannot be the output layer, which "
                          "chooses the loss: use %s", text, OUTPUT_CHOICES);
    } else {
        return parse_fail(spec, l->name, layer, "unknown activation '%s' for the output "
                          "layer (choose %s)", text, OUTPUT_CHOICES);
    }
    return GF_OK;
}

gf_status gf_arch_parse(const char *spec, gf_arch *out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "architecture: out is NULL");
    *out = (gf_arch){0};
    if (!spec) return gf__fail(GF_ERR_ARG, "architecture: the spec is NULL");
    if (!*skip_blanks(spec)) {
        char quoted[QUOTE_MAX + 4];
        quote_spec(spec, quoted, sizeof quoted);
        return gf__fail(GF_ERR_ARG, "architecture \"%s\" is empty: give the layers as "
                        "UNITS:ACTIVATION separated by commas, e.g. 512:relu,10:softmax", quoted);
    }
    raw_layer raw[GF_ARCH_MAX_LAYERS];
    const char *p = spec;
    int n = 0;
    for (;;) {
        if (n == GF_ARCH_MAX_LAYERS)
            return parse_fail(spec, skip_blanks(p), n + 1, "more than %d layers",
                              GF_ARCH_MAX_LAYERS);
        gf_status st = parse_layer(spec, &p, n + 1, &raw[n]);
        if (st) return st;
        n++;
        if (*p == '\0') break;
        if (*p != ',') {
            char found[8];
            return parse_fail(spec, p, n, "expected ',' or the end after the activation, "
                              "found %s", found_text(p, found, sizeof found));
        }
        p++;
        if (!*skip_blanks(p))
            return parse_fail(spec, p - 1, n + 1, "the spec ends with a comma; remove it "
                              "or add a layer");
    }
    /* Hidden layers: any activation; softmax and unknown names refused. */
    for (int i = 0; i < n - 1; i++) {
        char tok[40];
        const char *text = token_text(raw[i].name, raw[i].name_len, tok, sizeof tok);
        if (raw[i].kind == NAME_SOFTMAX)
            return parse_fail(spec, raw[i].name, i + 1, "softmax can only be the output "
                              "(last) layer; hidden layers take %s", HIDDEN_CHOICES);
        if (raw[i].kind == NAME_UNKNOWN)
            return parse_fail(spec, raw[i].name, i + 1, "unknown activation '%s' (choose %s)",
                              text, HIDDEN_CHOICES);
    }
    gf_loss loss = GF_LOSS_MSE;
    gf_status st = output_loss(spec, &raw[n - 1], n, &loss);
    if (st) return st;

    gf_layer_spec *layers = gf__malloc((size_t)n * sizeof *layers, "an architecture's layers");
    if (!layers) return GF_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        layers[i] = (gf_layer_spec){.units = raw[i].units,
                                    .act = i < n - 1 ? raw[i].act : GF_ACT_IDENTITY};
    *out = (gf_arch){.n = (size_t)n, .layers = layers, .loss = loss};
    return GF_OK;
}

void gf_arch_free(gf_arch *a)
{
    if (!a) return;
    free(a->layers);
    *a = (gf_arch){0};
}

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
    }
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
    return GF_OK;
}

gf_status gf_arch_format(const gf_arch *a, char *buf, size_t size)
{
    if (!buf || size == 0) return gf__fail(GF_ERR_ARG, "arch_format: no buffer");
    buf[0] = '\0';
    gf_status st = check_arch(a, "arch_format");
    if (st) return st;
    size_t used = 0;
    for (size_t i = 0; i < a->n; i++) {
        const char *name = i + 1 < a->n ? gf_activation_name(a->layers[i].act) : loss_name(a->loss);
        char piece[48];
        int len = snprintf(piece, sizeof piece, "%s%d:%s", i ? "," : "", a->layers[i].units, name);
        used += (size_t)len;
        if (used < size) memcpy(buf + used - (size_t)len, piece, (size_t)len + 1);
    }
    if (used >= size) {
        buf[0] = '\0';
        return gf__fail(GF_ERR_ARG, "arch_format: the spec needs %zu bytes, the buffer has %zu",
                        used + 1, size);
    }
    return GF_OK;
}

gf_model *gf_model_from_arch(int inputs, const gf_arch *a)
{
    if (check_arch(a, "model_from_arch")) return NULL;
    gf_model *m = gf_model_new(inputs);
    if (!m) return NULL;
    gf_node h = gf_model_input(m);
    for (size_t i = 0; i < a->n; i++)
        h = gf_dense(m, h, a->layers[i].units, i + 1 < a->n ? a->layers[i].act : GF_ACT_IDENTITY);
    /* A failed layer leaves h GF_NONE; set_loss then reports the graph's
     * first error. */
    if (gf_model_set_loss(m, h, a->loss) != GF_OK) {
        gf_model_free(m);
        return NULL;
    }
    return m;
}
