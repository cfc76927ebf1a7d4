/* Model files: a pipeline as safetensors.  The tensors are the parameters;
 * __metadata__ says what they are, with a JSON description under "model":
 *
 *   {"kind": "lasso",
 *    "formula": "mpg ~ cyl + wt", "variables": [{"name": "mpg", "type":
 *    "numeric"}, {"name": "cyl", "type": "factor", "levels": ["4", "6"]}, ...],
 *    "columns": ["cyl6", "wt"],          (or "features": 784 without a formula)
 *    "scaling": "standard", "classes": [...], "settings": {"lambda": 0.5},
 *    "network": {"layers": "512:relu,10:softmax", "parameters": ["W1", ...]}}
 *
 * Loading trusts nothing: the description is checked against the tensors,
 * and the tensors against the description, before a pipeline is returned.
 *
 * A file records the oldest format version that reads it: 1 for linear
 * models and plain networks, 2 for networks with the options of the
 * grammar's second version (batch norm, dropout, noise, label smoothing,
 * the seed-004 units) and for checkpoints (io/checkpoint.c), whose extra
 * tensors a version-1 reader would refuse. */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strings.h"
#include "data/formula_ast.h"
#include "grafo/io.h"
#include "io/json_text.h"
#include "io/pipeline.h"
#include "nn/model.h"

#define MAGIC "grafo"
/* The largest batch a loaded network predicts at once. */
#define PREDICT_BATCH 256
/* Activations of a loaded network stay within this many floats (64 MiB):
 * a very wide network is compiled for fewer rows than PREDICT_BATCH.  Its
 * weights are bounded by the file itself, which holds them. */
#define ACTIVATION_BUDGET ((size_t)1 << 24)
/* Floats of activations per unit and row, an upper bound: a dense layer's
 * product, bias, batch norm's steps, the unit and dropout, each with its
 * gradient, and the loss's. */
#define FLOATS_PER_UNIT 16
/* Floats per input and row: the input, its noise and dropout, gradients. */
#define FLOATS_PER_INPUT 6
/* Settings are a few numbers for people reading the file (λ, α, ...). */
#define MAX_SETTINGS 1000

/* -------------------------------------------------------------- saving -- */

static json_t *strings_json(char *const *s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(s[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *variables_json(const gf_terms *t)
{
    json_t *vars = json_array();
    for (size_t i = 0; vars && i < gf_terms_nvars(t); i++) {
        gf_var_info v = gf_terms_var(t, i);
        json_t *o = json_pack("{s:s, s:s}", "name", v.name, "type",
                              v.type == GF_COL_FACTOR ? "factor" : "numeric");
        int bad_levels = o && v.type == GF_COL_FACTOR &&
                         json_object_set_new(o, "levels", strings_json((char *const *)v.levels,
                                                                       v.nlevels)) != 0;
        if (!o || bad_levels || json_array_append_new(vars, o) != 0) {
            json_decref(bad_levels ? o : NULL);
            json_decref(vars);
            return NULL;
        }
    }
    return vars;
}

static json_t *columns_json(const gf_terms *t)
{
    json_t *a = json_array();
    for (size_t j = 0; a && j < gf_terms_ncols(t); j++)
        if (json_array_append_new(a, json_string(gf_terms_colname(t, j))) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* The parameter and buffer nodes of a network (batch norm's running
 * statistics are part of the trained model), in creation order. */
size_t gf__network_params(const gf_graph *g, gf_node *out, size_t cap)
{
    size_t n = 0;
    for (gf_node i = 0; i < gf_graph_nodes(g); i++)
        if (gf_node_op(g, i) == GF_OP_PARAM || gf_node_op(g, i) == GF_OP_BUFFER) {
            if (n < cap) out[n] = i;
            n++;
        }
    return n;
}

/* Version 1 knew these hidden units and no layer options. */
static bool arch_is_v1(const gf_arch *a)
{
    if (a->input_dropout > 0 || a->input_noise > 0 || a->weight_noise > 0 ||
        a->label_smoothing > 0)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const gf_layer_spec *l = &a->layers[i];
        if (l->batch_norm || l->dropout > 0 || l->pieces || l->act > GF_ACT_HARDTANH)
            return false;
    }
    return true;
}

int gf__pipeline_version(const gf_pipeline *p)
{
    return p->net && !arch_is_v1(&p->arch) ? 2 : 1;
}

size_t gf__network_row_floats(const gf_arch *a, size_t inputs)
{
    /* At most 2^30 * 6 + 64 * 16 * 2^20 * 64: no overflow in 64 bits. */
    size_t per_row = FLOATS_PER_INPUT * inputs;
    for (size_t i = 0; i < a->n; i++) {
        const gf_layer_spec *l = &a->layers[i];
        size_t width = (size_t)l->units * (l->act == GF_ACT_MAXOUT ? (size_t)l->pieces : 1);
        per_row += FLOATS_PER_UNIT * width;
    }
    return per_row;
}

static json_t *description_json(const gf_pipeline *p)
{
    json_t *d = json_pack("{s:s}", "kind", gf_kind_name(p->kind));
    if (!d) return NULL;
    int bad = 0;
    if (p->terms) {
        bad |= json_object_set_new(d, "formula", json_string(gf_terms_formula(p->terms)));
        bad |= json_object_set_new(d, "variables", variables_json(p->terms));
        bad |= json_object_set_new(d, "columns", columns_json(p->terms));
    } else {
        bad |= json_object_set_new(d, "features", json_integer((json_int_t)p->nfeatures));
    }
    bad |= json_object_set_new(d, "scaling",
                               json_string(gf_scaling_name(p->scaler ? p->scaler->kind
                                                                     : GF_SCALE_NONE)));
    if (p->nclasses) bad |= json_object_set_new(d, "classes", strings_json(p->classes, p->nclasses));
    json_t *settings = json_object();
    for (size_t i = 0; settings && i < p->nsettings; i++) {
        double v = p->setting_values[i];
        bad |= json_object_set_new(settings, p->setting_keys[i],
                                   isfinite(v) ? json_real(v) : json_null());
    }
    bad |= json_object_set_new(d, "settings", settings);
    if (p->net) {
        char layers[8192];
        gf_node params[GF__MAX_PARAMS];
        const gf_graph *g = gf_model_graph(p->net);
        size_t np = gf__network_params(g, params, GF__MAX_PARAMS);
        json_t *names = json_array();
        for (size_t i = 0; names && i < np && i < GF__MAX_PARAMS; i++)
            bad |= json_array_append_new(names, json_string(gf_node_name(g, params[i])));
        if (np > GF__MAX_PARAMS || gf_arch_format(&p->arch, layers, sizeof layers) != GF_OK) bad = 1;
        else
            bad |= json_object_set_new(d, "network",
                                       json_pack("{s:s, s:o}", "layers", layers, "parameters",
                                                 names));
    }
    if (bad) {
        json_decref(d);
        return NULL;
    }
    return d;
}

static gf_status add_tensors(const gf_pipeline *p, gf_st *st)
{
    gf_status s = GF_OK;
    if (p->coef)
        s = gf_st_add(st, "coef", GF_DTYPE_F64, 2,
                      (int64_t[]){ (int64_t)p->coef_rows, (int64_t)p->coef_k }, p->coef);
    if (s == GF_OK && p->scaler) {
        int64_t dim = (int64_t)p->scaler->p;
        s = gf_st_add(st, "scale.shift", GF_DTYPE_F64, 1, &dim, p->scaler->shift);
        if (s == GF_OK) s = gf_st_add(st, "scale.scale", GF_DTYPE_F64, 1, &dim, p->scaler->scale);
    }
    if (s == GF_OK && p->net) {
        gf_graph *g = gf_model_graph(p->net);
        gf_node params[GF__MAX_PARAMS];
        size_t np = gf__network_params(g, params, GF__MAX_PARAMS);
        for (size_t i = 0; s == GF_OK && i < np; i++) {
            int64_t dims[GF_MAX_DIMS + 1];
            int nd = gf_node_shape(g, params[i], dims);
            s = gf_st_add(st, gf_node_name(g, params[i]), GF_DTYPE_F32, nd, dims,
                          gf_param_value(g, params[i]));
        }
    }
    return s;
}

/* The description is JSON, whose text is UTF-8: a name or level in another
 * encoding (Latin-1 from a spreadsheet) cannot be saved.  Say which one. */
static gf_status check_text(const gf_pipeline *p, const char *path)
{
    const char *what = NULL, *text = NULL, *of = "";
    for (size_t i = 0; p->terms && !what && i < gf_terms_nvars(p->terms); i++) {
        gf_var_info v = gf_terms_var(p->terms, i);
        if (gf__utf8_error(v.name)) what = "the variable", text = v.name;
        for (size_t k = 0; !what && k < v.nlevels; k++)
            if (gf__utf8_error(v.levels[k])) what = "the level", text = v.levels[k], of = v.name;
    }
    for (size_t c = 0; !what && c < p->nclasses; c++)
        if (gf__utf8_error(p->classes[c])) what = "the class", text = p->classes[c];
    for (size_t i = 0; !what && i < p->nsettings; i++)
        if (gf__utf8_error(p->setting_keys[i])) what = "the setting", text = p->setting_keys[i];
    if (!what) return GF_OK;
    char shown[256];
    size_t n = 0;
    for (const unsigned char *u = (const unsigned char *)text; *u && n + 5 < sizeof shown; u++)
        n += (size_t)snprintf(shown + n, sizeof shown - n,
                              *u < 0x80 && *u >= 0x20 ? "%c" : "\\x%02x", *u);
    return gf__fail(GF_ERR_ARG, "saving %s: %s '%s'%s%s%s is not UTF-8 text (byte 0x%02x), which "
                    "a model file's JSON needs; convert the data to UTF-8 (iconv -f latin1 -t "
                    "utf-8)", path, what, shown, *of ? " of '" : "", of, *of ? "'" : "",
                    (unsigned char)*gf__utf8_error(text));
}

gf_status gf__pipeline_to_st(const gf_pipeline *p, const char *path, int version, gf_st **out)
{
    *out = NULL;
    gf_status s = gf__pipeline_check(p);
    if (s == GF_OK) s = check_text(p, path);
    if (s != GF_OK) return s;
    json_t *d = description_json(p);
    char *text = d ? gf__json_text(d, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17),
                                   "a model's description")
                   : NULL;
    json_decref(d);
    if (!text) return gf__fail(GF_ERR_NOMEM, "saving %s: out of memory describing the model", path);
    char v[32];
    snprintf(v, sizeof v, "%d", version);
    gf_st *st = gf_st_new();
    s = st ? GF_OK : GF_ERR_NOMEM;
    if (s == GF_OK) s = gf_st_set_meta(st, "format", MAGIC);
    if (s == GF_OK) s = gf_st_set_meta(st, "format_version", v);
    if (s == GF_OK) s = gf_st_set_meta(st, "grafo_version", GF_VERSION_STRING);
    if (s == GF_OK) s = gf_st_set_meta(st, "kind", gf_kind_name(p->kind));
    if (s == GF_OK) s = gf_st_set_meta(st, "model", text);
    if (s == GF_OK) s = add_tensors(p, st);
    free(text);
    if (s != GF_OK) {
        gf_st_free(st);
        return s;
    }
    *out = st;
    return GF_OK;
}

gf_status gf_pipeline_save(const gf_pipeline *p, const char *path)
{
    if (!p || !path) return gf__fail(GF_ERR_ARG, "saving a model: no model or no path");
    gf_st *st = NULL;
    gf_status s = gf__pipeline_to_st(p, path, gf__pipeline_version(p), &st);
    if (s == GF_OK) s = gf_st_save(st, path);
    gf_st_free(st);
    return s;
}

/* ------------------------------------------------------------- loading -- */

typedef struct loader {
    const char *path;
    const gf_st *st;
    json_t *d;            /* the description */
    size_t tensors_used;  /* every tensor in the file must be accounted for */
} loader;

static gf_status bad(const loader *l, const char *what)
{
    return gf__fail(GF_ERR_FORMAT, "%s: not a valid grafo model: %s", l->path, what);
}

/* A JSON array of strings, copied into *out (n entries). */
static gf_status read_strings(const loader *l, json_t *a, const char *what, char ***out,
                              size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!json_is_array(a)) return gf__fail(GF_ERR_FORMAT, "%s: %s is not a list", l->path, what);
    size_t m = json_array_size(a);
    char **s = gf__calloc(m ? m : 1, sizeof *s, what);
    if (!s) return GF_ERR_NOMEM;
    for (size_t i = 0; i < m; i++) {
        const char *v = json_string_value(json_array_get(a, i));
        if (!v || !(s[i] = gf__strdup(v, what))) {
            for (size_t j = 0; j < i; j++) free(s[j]);
            free(s);
            return v ? gf__fail(GF_ERR_NOMEM, "%s: out of memory", l->path)
                     : gf__fail(GF_ERR_FORMAT, "%s: %s entry %zu is not a string", l->path,
                                what, i);
        }
    }
    *out = s;
    *n = m;
    return GF_OK;
}

static void free_strs(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) free(s[i]);
    free(s);
}

static gf_status load_terms(loader *l, gf_pipeline *p)
{
    const char *formula = json_string_value(json_object_get(l->d, "formula"));
    json_t *vars = json_object_get(l->d, "variables");
    if (!formula || !json_is_array(vars)) return bad(l, "the formula or its variables are missing");
    size_t nv = json_array_size(vars);
    gf_var_info *info = gf__calloc(nv ? nv : 1, sizeof *info, "variables");
    char ***levels = gf__calloc(nv ? nv : 1, sizeof *levels, "levels");
    size_t *nlevels = gf__calloc(nv ? nv : 1, sizeof *nlevels, "levels");
    gf_status s = info && levels && nlevels ? GF_OK : GF_ERR_NOMEM;
    for (size_t i = 0; s == GF_OK && i < nv; i++) {
        json_t *v = json_array_get(vars, i);
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *type = json_string_value(json_object_get(v, "type"));
        if (!name || !type) {
            s = bad(l, "a variable has no name or type");
        } else if (strcmp(type, "numeric") == 0) {
            info[i] = (gf_var_info){ .name = name, .type = GF_COL_NUMERIC };
        } else if (strcmp(type, "factor") == 0) {
            s = read_strings(l, json_object_get(v, "levels"), "a factor's levels", &levels[i],
                             &nlevels[i]);
            info[i] = (gf_var_info){ .name = name, .type = GF_COL_FACTOR, .nlevels = nlevels[i],
                                     .levels = (const char *const *)levels[i] };
        } else {
            s = gf__fail(GF_ERR_FORMAT, "%s: variable '%s' has unknown type '%s'", l->path, name,
                         type);
        }
    }
    /* The columns the terms make must be the ones the model was fitted on.
     * The file's list comes first: its length and bytes bound the terms'
     * columns and names before they are made, as factors of many levels
     * would otherwise make millions of names from a formula of a few bytes. */
    char **cols = NULL;
    size_t ncols = 0, name_bytes = 0;
    if (s == GF_OK) s = read_strings(l, json_object_get(l->d, "columns"), "columns", &cols, &ncols);
    for (size_t j = 0; s == GF_OK && j < ncols; j++) name_bytes += strlen(cols[j]) + 1;
    gf_terms *t = NULL;
    if (s == GF_OK) {
        s = gf__terms_from_vars_within(formula, info, nv, ncols, name_bytes, &t);
        if (s == GF_ERR_FORMAT) { /* more columns than listed */
            gf__errctx("%s", l->path);
        } else if (s != GF_OK && s != GF_ERR_NOMEM) {
            gf__errctx("%s: the stored formula does not resolve", l->path);
            s = GF_ERR_FORMAT;
        }
    }
    for (size_t i = 0; levels && i < nv; i++) free_strs(levels[i], nlevels ? nlevels[i] : 0);
    free(levels);
    free(nlevels);
    free(info);
    if (s != GF_OK) {
        free_strs(cols, ncols);
        return s;
    }
    if (ncols != gf_terms_ncols(t))
        s = gf__fail(GF_ERR_FORMAT, "%s: the formula makes %zu columns, the file lists %zu",
                     l->path, gf_terms_ncols(t), ncols);
    for (size_t j = 0; s == GF_OK && j < ncols; j++)
        if (strcmp(cols[j], gf_terms_colname(t, j)) != 0)
            s = gf__fail(GF_ERR_FORMAT, "%s: column %zu is '%s' in the file but '%s' from the "
                         "formula", l->path, j + 1, cols[j], gf_terms_colname(t, j));
    free_strs(cols, ncols);
    if (s != GF_OK) {
        gf_terms_free(t);
        return s;
    }
    p->terms = t;
    p->nfeatures = gf_terms_ncols(t);
    return GF_OK;
}

static gf_status load_inputs(loader *l, gf_pipeline *p)
{
    if (json_object_get(l->d, "formula")) return load_terms(l, p);
    json_t *f = json_object_get(l->d, "features");
    if (!json_is_integer(f) || json_integer_value(f) < 1 || json_integer_value(f) > (1 << 30))
        return bad(l, "neither a formula nor a feature count in 1..2^30");
    p->nfeatures = (size_t)json_integer_value(f);
    return GF_OK;
}

/* Read a tensor the description says must be there, with this shape. */
static gf_status take_tensor(loader *l, const char *name, gf_dtype dt, int nd,
                             const int64_t *dims, void *dst)
{
    gf_status s = gf_st_read_tensor(l->st, name, dt, nd, dims, dst);
    if (s == GF_OK) l->tensors_used++;
    return s;
}

/* "F64 [3, 4]" into buf. */
static void shape_text(char *buf, size_t size, gf_dtype dt, int nd, const int64_t *dims)
{
    int at = snprintf(buf, size, "%s [", gf_dtype_name(dt));
    for (int i = 0; i < nd && at > 0 && (size_t)at < size; i++)
        at += snprintf(buf + at, size - (size_t)at, "%s%lld", i ? ", " : "", (long long)dims[i]);
    if (at > 0 && (size_t)at < size) snprintf(buf + at, size - (size_t)at, "]");
}

/* Whether the file holds tensor `name` with this dtype and shape, checked
 * before anything of that size is allocated: sizes in the description
 * (feature and class counts, layer widths) are then bounded by the tensors,
 * whose bytes the file really holds. */
static gf_status expect_tensor(const loader *l, const char *what, const char *name, gf_dtype dt,
                               int nd, const int64_t *dims)
{
    const gf_st_tensor *t = gf_st_find(l->st, name);
    int same = t && t->dtype == dt && t->ndim == nd;
    for (int i = 0; same && i < nd; i++) same = t->shape[i] == dims[i];
    if (same) return GF_OK;
    char want[128], found[128] = "nothing";
    shape_text(want, sizeof want, dt, nd, dims);
    if (t) shape_text(found, sizeof found, t->dtype, t->ndim, t->shape);
    return gf__fail(GF_ERR_FORMAT, "%s: %s needs tensor '%s' as %s; the file has %s", l->path,
                    what, name, want, found);
}

static gf_status load_scaler(loader *l, gf_pipeline *p)
{
    const char *name = json_string_value(json_object_get(l->d, "scaling"));
    gf_scaling kind;
    if (!name || gf_scaling_parse(name, &kind) != GF_OK) return bad(l, "unknown scaling");
    if (kind == GF_SCALE_NONE) return GF_OK;
    size_t n = p->nfeatures;
    int64_t dim = (int64_t)n;
    const char *what = "the scaling of the inputs";
    gf_status s = expect_tensor(l, what, "scale.shift", GF_DTYPE_F64, 1, &dim);
    if (s == GF_OK) s = expect_tensor(l, what, "scale.scale", GF_DTYPE_F64, 1, &dim);
    if (s != GF_OK) return s;
    double *shift = gf__malloc(n * sizeof *shift, "scaling"), *scale = NULL;
    s = shift && (scale = gf__malloc(n * sizeof *scale, "scaling")) ? GF_OK : GF_ERR_NOMEM;
    if (s == GF_OK) s = take_tensor(l, "scale.shift", GF_DTYPE_F64, 1, &dim, shift);
    if (s == GF_OK) s = take_tensor(l, "scale.scale", GF_DTYPE_F64, 1, &dim, scale);
    for (size_t j = 0; s == GF_OK && j < n; j++)
        if (!isfinite(shift[j]))
            s = gf__fail(GF_ERR_FORMAT, "%s: scale.shift[%zu] is %g", l->path, j, shift[j]);
    if (s == GF_OK && (s = gf_scaler_new(kind, n, shift, scale, &p->scaler)) != GF_OK) {
        gf__errctx(s == GF_ERR_NOMEM ? "%s" : "%s: bad scaling", l->path);
        if (s != GF_ERR_NOMEM) s = GF_ERR_FORMAT;
    }
    free(shift);
    free(scale);
    return s;
}

static gf_status load_settings(loader *l, gf_pipeline *p)
{
    json_t *o = json_object_get(l->d, "settings"), *v;
    const char *key;
    if (!o) return GF_OK;
    if (!json_is_object(o)) return bad(l, "settings are not an object");
    if (json_object_size(o) > MAX_SETTINGS)
        return gf__fail(GF_ERR_FORMAT, "%s: %zu settings; a model records at most %d", l->path,
                        json_object_size(o), MAX_SETTINGS);
    json_object_foreach(o, key, v) {
        if (!json_is_number(v) && !json_is_null(v))
            return gf__fail(GF_ERR_FORMAT, "%s: setting '%s' is not a number", l->path, key);
        gf_status s = gf_pipeline_set_setting(p, key, json_is_null(v) ? NAN : json_number_value(v));
        if (s != GF_OK) return s;
    }
    return GF_OK;
}

static gf_status load_coef(loader *l, gf_pipeline *p)
{
    size_t rows = 1, k = p->nfeatures + 1;
    if (p->kind == GF_KIND_SOFTMAX || ((p->kind == GF_KIND_PERCEPTRON ||
                                        p->kind == GF_KIND_LINSVM) && p->nclasses > 2))
        rows = p->nclasses;
    if (rows == 0) return bad(l, "a classifier without classes");
    int64_t dims[2] = { (int64_t)rows, (int64_t)k };
    char what[64];
    snprintf(what, sizeof what, "a %s model of %zu inputs", gf_kind_name(p->kind), p->nfeatures);
    gf_status s = expect_tensor(l, what, "coef", GF_DTYPE_F64, 2, dims);
    if (s != GF_OK) return s;
    double *coef = gf__malloc(rows * k * sizeof *coef, "coefficients");
    if (!coef) return GF_ERR_NOMEM;
    s = take_tensor(l, "coef", GF_DTYPE_F64, 2, dims, coef);
    if (s == GF_OK) s = gf_pipeline_set_coef(p, coef, rows, k);
    if (s == GF_ERR_NUMERIC) {
        gf__errctx("%s", l->path);
        s = GF_ERR_FORMAT;
    }
    free(coef);
    return s;
}

/* Each layer's weights W<i> (inputs x width: units, or units x pieces
 * for maxout) must be in the file before the network is built, so the
 * widths in "layers" cost no more than the file holds; the other
 * parameters (biases, batch norm's, PReLU's, RBF's) are no larger than
 * their layer's weights and are checked against the built network. */
static gf_status check_weight_tensors(const loader *l, const gf_arch *arch, size_t inputs)
{
    size_t in = inputs;
    for (size_t i = 0; i < arch->n; i++) {
        const gf_layer_spec *ly = &arch->layers[i];
        int64_t units = ly->units;
        const int64_t weights[2] = { (int64_t)in,
                                     units * (ly->act == GF_ACT_MAXOUT ? ly->pieces : 1) };
        char what[96], name[32];
        snprintf(what, sizeof what, "layer %zu (%lld units on %zu inputs)", i + 1,
                 (long long)units, in);
        snprintf(name, sizeof name, "W%zu", i + 1);
        gf_status s = expect_tensor(l, what, name, GF_DTYPE_F32, 2, weights);
        if (s != GF_OK) return s;
        in = (size_t)units;
    }
    return GF_OK;
}

/* The most rows a network is compiled for: PREDICT_BATCH, or fewer so that
 * the activations of a batch stay within ACTIVATION_BUDGET floats. */
static int network_batch(const gf_arch *arch, size_t inputs)
{
    size_t rows = ACTIVATION_BUDGET / gf__network_row_floats(arch, inputs);
    return rows < 1 ? 1 : rows > PREDICT_BATCH ? PREDICT_BATCH : (int)rows;
}

/* A parameter's values as loaded: finite, and batch norm's running
 * variances (row 1 of bn<i>.running) not negative, since predictions
 * divide by their square roots. */
static gf_status check_values(const loader *l, const gf_graph *g, gf_node n, const float *w)
{
    const char *name = gf_node_name(g, n);
    size_t size = gf_node_size(g, n);
    for (size_t j = 0; j < size; j++)
        if (!isfinite(w[j]))
            return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s' element %zu is %g", l->path, name,
                            j, w[j]);
    const char *dot = strrchr(name, '.');
    if (dot && strcmp(dot, ".running") == 0)
        for (size_t j = size / 2; j < size; j++)
            if (w[j] < 0)
                return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s' holds a negative running "
                                "variance (%g, element %zu)", l->path, name, w[j], j);
    return GF_OK;
}

static gf_status load_network(loader *l, gf_pipeline *p)
{
    json_t *net = json_object_get(l->d, "network");
    const char *spec = json_string_value(json_object_get(net, "layers"));
    json_t *names = json_object_get(net, "parameters");
    if (!spec || !json_is_array(names)) return bad(l, "a network without layers or parameters");
    gf_arch arch = { 0 };
    gf_status s = gf_arch_parse(spec, &arch);
    if (s != GF_OK) {
        gf__errctx(s == GF_ERR_NOMEM ? "%s" : "%s: bad network layers", l->path);
        return s == GF_ERR_NOMEM ? s : GF_ERR_FORMAT;
    }
    s = p->nfeatures <= (1u << 30) ? check_weight_tensors(l, &arch, p->nfeatures)
                                   : bad(l, "more than 2^30 inputs");
    /* weights in the file can still make more parameters and buffers
     * (batch norm's, PReLU's) than any network may have */
    if (s == GF_OK && gf__arch_check_params((int)p->nfeatures, &arch) != GF_OK) {
        gf__errctx("%s: bad network layers", l->path);
        s = GF_ERR_FORMAT;
    }
    gf_model *m = NULL;
    if (s == GF_OK) {
        /* The parser has checked the layers, the parameters are within
         * the cap and there are 1 to 2^30 inputs: no network is NULL only
         * for want of memory. */
        m = gf_model_from_arch((int)p->nfeatures, &arch);
        s = m ? gf_model_compile(m, network_batch(&arch, p->nfeatures), 0) : GF_ERR_NOMEM;
        if (s != GF_OK) {
            gf__errctx(s == GF_ERR_NOMEM ? "%s: building the network"
                                         : "%s: the network cannot be built", l->path);
            if (s != GF_ERR_NOMEM) s = GF_ERR_FORMAT;
        }
    }
    gf_graph *g = m ? gf_model_graph(m) : NULL;
    gf_node params[GF__MAX_PARAMS];
    size_t np = g ? gf__network_params(g, params, GF__MAX_PARAMS) : 0;
    if (s == GF_OK && (np > GF__MAX_PARAMS || np != json_array_size(names)))
        s = gf__fail(GF_ERR_FORMAT, "%s: the layers make %zu parameters, the file lists %zu",
                     l->path, np, json_array_size(names));
    for (size_t i = 0; s == GF_OK && i < np; i++) {
        const char *name = json_string_value(json_array_get(names, i));
        if (!name || strcmp(name, gf_node_name(g, params[i])) != 0) {
            s = gf__fail(GF_ERR_FORMAT, "%s: parameter %zu is '%s' in the file but '%s' in the "
                         "layers", l->path, i + 1, name ? name : "(not a string)",
                         gf_node_name(g, params[i]));
            break;
        }
        int64_t dims[GF_MAX_DIMS + 1];
        int nd = gf_node_shape(g, params[i], dims);
        float *w = gf_param_value(g, params[i]);
        s = take_tensor(l, name, GF_DTYPE_F32, nd, dims, w);
        if (s == GF_OK) s = check_values(l, g, params[i], w);
    }
    if (s == GF_OK) {
        s = gf_pipeline_set_network(p, m, &arch); /* takes m, even on failure */
        m = NULL;
    }
    gf_model_free(m);
    gf_arch_free(&arch);
    return s;
}

/* The metadata that says what the file is, before anything else is read. */
static gf_status check_header(const loader *l, gf_kind *kind)
{
    const char *magic = gf_st_meta(l->st, "format");
    const char *version = gf_st_meta(l->st, "format_version");
    const char *k = gf_st_meta(l->st, "kind");
    if (!magic || strcmp(magic, MAGIC) != 0)
        return gf__fail(GF_ERR_FORMAT, "%s: a safetensors file, but not a grafo model (its "
                        "metadata has no \"format\": \"grafo\")", l->path);
    /* Digits only: strtol alone would take " 1" and "+1". */
    char *end = NULL;
    long v = version && version[0] >= '0' && version[0] <= '9' ? strtol(version, &end, 10) : 0;
    if (!end || *end || v < 1)
        return bad(l, "no valid format_version");
    if (v > GF_MODEL_FORMAT_VERSION)
        return gf__fail(GF_ERR_FORMAT, "%s: written in model format %ld by grafo %s; this grafo "
                        "(%s) reads format %d and older", l->path, v,
                        gf_st_meta(l->st, "grafo_version") ? gf_st_meta(l->st, "grafo_version")
                                                           : "(unknown)",
                        GF_VERSION_STRING, GF_MODEL_FORMAT_VERSION);
    if (!k || gf_kind_parse(k, kind) != GF_OK) return bad(l, "unknown model kind");
    return GF_OK;
}

static gf_status load_parts(loader *l, gf_pipeline *p)
{
    const char *kind = json_string_value(json_object_get(l->d, "kind"));
    if (!kind || strcmp(kind, gf_kind_name(p->kind)) != 0)
        return bad(l, "the description's kind differs from the metadata's");
    gf_status s = load_inputs(l, p);
    if (s == GF_OK) s = load_scaler(l, p);
    if (s == GF_OK && json_object_get(l->d, "classes"))
        s = read_strings(l, json_object_get(l->d, "classes"), "classes", &p->classes,
                         &p->nclasses);
    if (s == GF_OK && (s = gf__pipeline_distinct_classes(p->classes, p->nclasses)) != GF_OK &&
        s != GF_ERR_NOMEM) {
        gf__errctx("%s: classes", l->path);
        s = GF_ERR_FORMAT;
    }
    if (s == GF_OK && gf__pipeline_check_response(p) != GF_OK) {
        gf__errctx("%s", l->path);
        s = GF_ERR_FORMAT;
    }
    if (s == GF_OK) s = load_settings(l, p);
    if (s == GF_OK) s = p->kind == GF_KIND_NETWORK ? load_network(l, p) : load_coef(l, p);
    /* A checkpoint's own tensors are its loader's to check. */
    size_t theirs = 0;
    for (size_t i = 0; gf_st_meta(l->st, GF__CKPT_META) && i < gf_st_count(l->st); i++)
        theirs += gf__checkpoint_tensor(gf_st_at(l->st, i)->name);
    if (s == GF_OK && l->tensors_used + theirs != gf_st_count(l->st))
        s = gf__fail(GF_ERR_FORMAT, "%s: %zu tensors that the model does not use", l->path,
                     gf_st_count(l->st) - l->tensors_used - theirs);
    if (s == GF_OK && gf__pipeline_check(p) != GF_OK) {
        gf__errctx("%s", l->path);
        s = GF_ERR_FORMAT;
    }
    return s;
}

int gf__checkpoint_tensor(const char *name)
{
    return strncmp(name, GF__CKPT_OPTIM, strlen(GF__CKPT_OPTIM)) == 0 ||
           strncmp(name, GF__CKPT_BEST, strlen(GF__CKPT_BEST)) == 0;
}

gf_status gf__pipeline_from_st(const gf_st *st, const char *path, gf_pipeline **out)
{
    *out = NULL;
    gf_status s;
    loader l = { .path = path, .st = st };
    gf_kind kind = GF_KIND_COUNT;
    s = check_header(&l, &kind);
    gf_pipeline *p = NULL;
    if (s == GF_OK) {
        json_error_t err;
        const char *text = gf_st_meta(st, "model");
        if (!text)
            s = bad(&l, "no model description");
        else
            s = gf__json_parse(text, strlen(text), JSON_REJECT_DUPLICATES, "the model description",
                               &l.d, &err);
        if (s == GF_ERR_NOMEM)
            gf__errctx("%s", path);
        else if (s == GF_ERR_FORMAT && text)
            s = gf__fail(GF_ERR_FORMAT, "%s: the model description is not a JSON object (it "
                         "does not parse: %s at character %d)", path, err.text, err.position);
        else if (s == GF_OK && !json_is_object(l.d))
            s = gf__fail(GF_ERR_FORMAT, "%s: the model description is not a JSON object (it is "
                         "JSON of another type)", path);
    }
    if (s == GF_OK) s = (p = gf_pipeline_new(kind)) ? GF_OK : GF_ERR_NOMEM;
    if (s == GF_OK) s = load_parts(&l, p);
    json_decref(l.d);
    if (s != GF_OK) {
        gf_pipeline_free(p);
        return s;
    }
    *out = p;
    return GF_OK;
}

gf_status gf_pipeline_load(const char *path, gf_pipeline **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "loading a model: out is NULL");
    *out = NULL;
    if (!path) return gf__fail(GF_ERR_ARG, "loading a model: no path");
    gf_st *st = NULL;
    gf_status s = gf_st_load(path, &st);
    if (s == GF_OK) s = gf__pipeline_from_st(st, path, out);
    gf_st_free(st);
    return s;
}

gf_status gf_pipeline_parse(const void *bytes, size_t len, const char *source, gf_pipeline **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "parsing a model: out is NULL");
    *out = NULL;
    if (!source) source = "model data";
    gf_st *st = NULL;
    gf_status s = gf_st_parse(bytes, len, source, &st);
    if (s == GF_OK) s = gf__pipeline_from_st(st, source, out);
    gf_st_free(st);
    return s;
}
