/* Architectures as text: "512:relu:bn:dropout=0.5,10:softmax" parsed into
 * a gf_arch.  The grammar is in grafo/nn.h; blanks are allowed around
 * every token.  UNITS is a decimal integer in [1, GF_ARCH_MAX_UNITS]; NAME
 * is an activation (gf_activation_name's names, or "linear" for identity).
 * The last layer's NAME picks the loss instead: softmax, sigmoid or
 * identity/linear; the output layer itself is linear, as the losses take
 * logits.  The spec usually comes from a command line, so errors quote it,
 * name the layer and the column, and say what was expected. */
#include "grafo/nn.h"
#include "core/error.h"

#include <math.h>
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

/* Everything the parser learns about an element before it knows whether
 * it is the last. */
typedef struct raw_layer {
    bool input;           /* the leading "input:..." element */
    int units;
    name_kind kind;
    gf_activation act;
    const char *name;     /* in the spec, for messages */
    size_t name_len;
    int pieces;           /* after '=', 0 if not given */
    const char *pieces_at;
    bool bn;
    float dropout, smooth, noise, weight_noise;
    const char *bn_at, *dropout_at, *smooth_at, *noise_at, *weight_noise_at; /* where given */
} raw_layer;

static bool is_word_char(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

/* A number after "key=", up to ',', ':', a blank or the end, into *out:
 * finite and in [lo, hi) (hi_open) or [lo, hi]. */
static gf_status read_value(const char *spec, const char **pp, int layer, const char *key,
                            double lo, double hi, bool hi_open, float *out)
{
    const char *p = skip_blanks(*pp), *start = p;
    while (*p && *p != ',' && *p != ':' && !is_blank(*p)) p++;
    char text[40], shown[40];
    size_t len = (size_t)(p - start);
    token_text(start, len, shown, sizeof shown);
    if (len == 0 || len >= sizeof text)
        return parse_fail(spec, start, layer, "%s= needs a number%s%s%s", key,
                          len ? ", not '" : "", len ? shown : "", len ? "'" : "");
    memcpy(text, start, len);
    text[len] = '\0';
    char *end;
    double v = strtod(text, &end);
    if (*end || !isfinite(v))
        return parse_fail(spec, start, layer, "%s= needs a number, not '%s'", key, shown);
    /* The range holds for the float kept, not only for the text: 0.99999999999
     * is below 1 but rounds to 1.0f, a dropout that drops everything. */
    if (v < lo || (hi_open ? v >= hi : v > hi))
        return parse_fail(spec, start, layer, "%s=%s is outside [%g, %g%s", key, shown, lo, hi,
                          hi_open ? ")" : "]");
    float f = (float)v;
    if (f < lo || (hi_open ? f >= hi : f > hi))
        return parse_fail(spec, start, layer, "%s=%s is outside [%g, %g%s as a float (%.9g)",
                          key, shown, lo, hi, hi_open ? ")" : "]", (double)f);
    *out = f;
    *pp = skip_blanks(p);
    return GF_OK;
}

/* The options after the name: (':' KEY ['=' VALUE])*.  Which keys are
 * allowed where is checked once the last layer is known. */
static gf_status parse_options(const char *spec, const char **pp, int layer, raw_layer *out)
{
    const char *p = *pp;
    while (*p == ':') {
        p = skip_blanks(p + 1);
        const char *key = p;
        while (is_word_char(*p)) p++;
        size_t len = (size_t)(p - key);
        char shown[40], found[8];
        token_text(key, len, shown, sizeof shown);
        const char *after = skip_blanks(p);
        bool has_value = *after == '=';
        float *slot = NULL;
        const char **seen = NULL;
        double hi = 1.0;
        bool hi_open = true;
        if (len == 0)
            return parse_fail(spec, key, layer, "expected an option after ':' (bn, dropout=P%s), "
                              "found %s", out->input ? ", noise=SD, weight_noise=SD" : "",
                              found_text(key, found, sizeof found));
        if (len == 2 && memcmp(key, "bn", 2) == 0 && !out->input) {
            if (out->bn_at) return parse_fail(spec, key, layer, "bn is given twice");
            if (has_value) return parse_fail(spec, after, layer, "bn takes no value");
            out->bn = true;
            out->bn_at = key;
            p = after;
            continue;
        }
        if (len == 7 && memcmp(key, "dropout", 7) == 0) slot = &out->dropout, seen = &out->dropout_at;
        else if (len == 6 && memcmp(key, "smooth", 6) == 0 && !out->input)
            slot = &out->smooth, seen = &out->smooth_at;
        else if (len == 5 && memcmp(key, "noise", 5) == 0 && out->input)
            slot = &out->noise, seen = &out->noise_at, hi = 1e3, hi_open = false;
        else if (len == 12 && memcmp(key, "weight_noise", 12) == 0 && out->input)
            slot = &out->weight_noise, seen = &out->weight_noise_at, hi = 1e3, hi_open = false;
        else
            return parse_fail(spec, key, layer, "unknown option '%s' (%s)", shown,
                              out->input ? "the input takes dropout=P, noise=SD and weight_noise=SD"
                                         : "a layer takes bn and dropout=P; a softmax output "
                                           "smooth=EPS");
        if (*seen)
            return parse_fail(spec, key, layer, "%s is given twice", shown);
        if (!has_value) return parse_fail(spec, after, layer, "%s needs '=' and a value", shown);
        p = after + 1;
        *seen = key;
        gf_status st = read_value(spec, &p, layer, shown, 0.0, hi, hi_open, slot);
        if (st) return st;
    }
    *pp = p;
    return GF_OK;
}

/* The leading "input" element, if there is one: only options. */
static bool at_input(const char *p)
{
    p = skip_blanks(p);
    return strncmp(p, "input", 5) == 0 && *skip_blanks(p + 5) == ':';
}

/* One layer at *pp: UNITS ':' NAME ['=' PIECES] options, blanks around
 * each; leaves *pp after it and its trailing blanks. */
static gf_status parse_layer(const char *spec, const char **pp, int layer, raw_layer *out)
{
    char found[8];
    *out = (raw_layer){0};
    const char *p = skip_blanks(*pp);
    if (layer == 1 && at_input(p)) {
        out->input = true;
        p = skip_blanks(skip_blanks(p) + 5);
        const char *opts = p;
        gf_status st = parse_options(spec, &p, layer, out);
        if (st) return st;
        if (p == opts) return parse_fail(spec, p, layer, "expected ':' and options after 'input'");
        *pp = p;
        return GF_OK;
    }
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
    while (*p && *p != ',' && *p != ':' && *p != '=' && !is_blank(*p)) p++;
    if (p == name)
        return parse_fail(spec, p, layer, "expected an activation after ':', found %s",
                          found_text(p, found, sizeof found));
    out->units = (int)units;
    out->name = name;
    out->name_len = (size_t)(p - name);
    out->kind = read_name(name, out->name_len, &out->act);
    p = skip_blanks(p);
    if (*p == '=') {
        p = skip_blanks(p + 1);
        out->pieces_at = p;
        long k = 0;
        const char *d = p;
        for (; *p >= '0' && *p <= '9'; p++)
            if (k <= 64) k = 10 * k + (*p - '0');
        if (p == d) return parse_fail(spec, p, layer, "expected the number of pieces after '=', "
                                      "found %s", found_text(p, found, sizeof found));
        if (k < 2 || k > 64) return parse_fail(spec, d, layer, "maxout takes 2 to 64 pieces");
        out->pieces = (int)k;
        p = skip_blanks(p);
    }
    gf_status st = parse_options(spec, &p, layer, out);
    if (st) return st;
    *pp = p;
    return GF_OK;
}

#define HIDDEN_CHOICES "identity, linear, sigmoid, tanh, relu, leaky_relu, elu, softplus, " \
    "hardtanh, abs, prelu, maxout, rbf, step or sign"
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
    if (l->pieces_at)
        return parse_fail(spec, l->pieces_at - 1, layer, "only maxout takes a number of pieces");
    if (l->bn_at || l->dropout_at)
        return parse_fail(spec, l->bn_at ? l->bn_at : l->dropout_at, layer, "the output layer "
                          "takes no %s; put it on the hidden layers", l->bn_at ? "bn" : "dropout");
    if (l->smooth_at && *loss != GF_LOSS_SOFTMAX_XENT)
        return parse_fail(spec, l->smooth_at, layer, "label smoothing needs a softmax output");
    return GF_OK;
}

/* A hidden layer's rules: a known activation other than softmax, pieces
 * only for maxout, no label smoothing. */
static gf_status check_hidden(const char *spec, const raw_layer *l, int layer)
{
    char tok[40];
    const char *text = token_text(l->name, l->name_len, tok, sizeof tok);
    if (l->kind == NAME_SOFTMAX)
        return parse_fail(spec, l->name, layer, "softmax can only be the output (last) layer; "
                          "hidden layers take %s", HIDDEN_CHOICES);
    if (l->kind == NAME_UNKNOWN)
        return parse_fail(spec, l->name, layer, "unknown activation '%s' (choose %s)", text,
                          HIDDEN_CHOICES);
    if (l->pieces_at && l->act != GF_ACT_MAXOUT)
        return parse_fail(spec, l->pieces_at - 1, layer, "only maxout takes a number of pieces, "
                          "not %s", text);
    if (l->smooth_at)
        return parse_fail(spec, l->smooth_at, layer, "smooth= belongs on a softmax output layer");
    if (l->bn && l->act == GF_ACT_RBF)
        return parse_fail(spec, l->bn_at, layer, "radial-basis units take no bn");
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
    raw_layer raw[GF_ARCH_MAX_LAYERS + 1]; /* the input element does not count as a layer */
    const char *p = spec;
    int n = 0, layers_seen = 0;
    for (;;) {
        if (layers_seen == GF_ARCH_MAX_LAYERS)
            return parse_fail(spec, skip_blanks(p), n + 1, "more than %d layers",
                              GF_ARCH_MAX_LAYERS);
        gf_status st = parse_layer(spec, &p, n + 1, &raw[n]);
        if (st) return st;
        layers_seen += !raw[n].input;
        n++;
        if (*p == '\0') break;
        if (*p != ',') {
            char found[8];
            return parse_fail(spec, p, n, "expected ',' or the end after the layer, found %s",
                              found_text(p, found, sizeof found));
        }
        p++;
        if (!*skip_blanks(p))
            return parse_fail(spec, p - 1, n + 1, "the spec ends with a comma; remove it "
                              "or add a layer");
    }
    int first = raw[0].input ? 1 : 0;
    if (n == first) return parse_fail(spec, p, n, "the input needs layers after it");
    for (int i = first; i < n - 1; i++) {
        gf_status st = check_hidden(spec, &raw[i], i + 1);
        if (st) return st;
    }
    gf_loss loss = GF_LOSS_MSE;
    gf_status st = output_loss(spec, &raw[n - 1], n, &loss);
    if (st) return st;

    size_t count = (size_t)(n - first);
    gf_layer_spec *layers = gf__malloc(count * sizeof *layers, "an architecture's layers");
    if (!layers) return GF_ERR_NOMEM;
    for (int i = first; i < n; i++) {
        const raw_layer *r = &raw[i];
        bool hidden = i < n - 1;
        layers[i - first] = (gf_layer_spec){
            .units = r->units, .act = hidden ? r->act : GF_ACT_IDENTITY,
            .pieces = hidden && r->act == GF_ACT_MAXOUT ? (r->pieces ? r->pieces : 2) : 0,
            .batch_norm = r->bn, .dropout = r->dropout};
    }
    *out = (gf_arch){.n = count, .layers = layers, .loss = loss,
                     .label_smoothing = raw[n - 1].smooth};
    if (first) {
        out->input_dropout = raw[0].dropout;
        out->input_noise = raw[0].noise;
        out->weight_noise = raw[0].weight_noise;
    }
    return GF_OK;
}

void gf_arch_free(gf_arch *a)
{
    if (!a) return;
    free(a->layers);
    *a = (gf_arch){0};
}
