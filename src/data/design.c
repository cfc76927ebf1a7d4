/* The design matrix of resolved terms on a frame, as R's model.matrix
 * makes it (without the intercept's column of ones), and the response.
 *
 * Each term owns a block of columns: the product, over its variables, of
 * one column per numeric variable and k - 1 (contrasts) or k (indicators)
 * columns per factor, the first variable varying fastest.  In a row, at
 * most one column of a block is non-zero: the one the factors' levels pick,
 * holding the product of the numeric variables (a factor at its reference
 * level under contrasts zeroes the whole block).  So a row is filled in
 * time proportional to the terms, not to the columns. */
#include "data/formula_ast.h"
#include "data/frame_internal.h"
#include "core/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a variable's values come from in this frame. */
typedef struct source {
    size_t *col;        /* frame column of each of the variable's columns */
    int present;        /* all its columns are in the frame */
    int32_t *map;       /* factor from a factor column: frame level -> terms' level (-1 unseen) */
    size_t nmap;
    int from_numeric;   /* factor(x) of a numeric column: levels spelled per row */
} source;

typedef struct build {
    const gf_terms *t;
    const gf_frame *f;
    source *src;        /* per variable */
    double *val;        /* per variable: this row's numeric value ... */
    int32_t *code;      /* ... or level */
    double *args;       /* an expression's column values, by slot */
    int response;       /* 1: fill the response from this frame */
    int optional;       /* ... which may have missing values (predicting) */
} build;

/* "data.csv: line 7", "line 7", "row 3", with the row's name if it has one. */
static const char *where(const gf_frame *f, size_t i, char *buf, size_t size)
{
    const char *src = gf_frame_source(f), *rn = gf_frame_row_name(f, i);
    size_t line = gf_frame_line(f, i);
    char at[64], name[96] = "";
    if (line) snprintf(at, sizeof at, "line %zu", line);
    else snprintf(at, sizeof at, "row %zu", i + 1);
    if (rn) snprintf(name, sizeof name, " (row '%.60s')", rn);
    snprintf(buf, size, "%s%s%s%s", src && *src ? src : "", src && *src ? ": " : "", at, name);
    return buf;
}

/* The frame's name for messages about a whole column. */
static const char *frame_name(const gf_frame *f)
{
    const char *s = gf_frame_source(f);
    return s && *s ? s : "the data";
}

static double eval(const fx_node *e, const double *args)
{
    double v;
    switch (e->kind) {
    case FX_NUM:
        return e->num;
    case FX_NAME:
        return args[e->slot];
    case FX_NEG:
        return -eval(e->kid[0], args);
    case FX_POS:
    case FX_PAREN:
        return eval(e->kid[0], args);
    case FX_SUM:
        v = eval(e->kid[0], args);
        for (size_t i = 1; i < e->nkids; i++)
            v = e->op[i] == '+' ? v + eval(e->kid[i], args) : v - eval(e->kid[i], args);
        return v;
    case FX_PROD:
        v = eval(e->kid[0], args);
        for (size_t i = 1; i < e->nkids; i++)
            v = e->op[i] == '*' ? v * eval(e->kid[i], args) : v / eval(e->kid[i], args);
        return v;
    case FX_POW:
        return pow(eval(e->kid[0], args), eval(e->kid[1], args));
    case FX_CALL:
        v = eval(e->kid[0], args);
        switch (e->fn) {
        case FN_LOG: return log(v);
        case FN_EXP: return exp(v);
        case FN_SQRT: return sqrt(v);
        case FN_ABS: return fabs(v);
        default: return v; /* I() */
        }
    default:
        return NAN;
    }
}

/* ---- matching the frame's columns to the terms' variables --------------- */

static void free_sources(source *src, size_t n)
{
    for (size_t i = 0; src && i < n; i++) free(src[i].col), free(src[i].map);
    free(src);
}

/* A list of a factor's levels for messages: "a, b, c" or "a, b, ... (30)". */
static void list_levels(const gf__var *v, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < v->nlevels && o + 1 < size; k++) {
        if (o > 120) {
            snprintf(buf + o, size - o, ", ... (%zu levels)", v->nlevels);
            return;
        }
        int w = snprintf(buf + o, size - o, "%s'%.40s'", k ? ", " : "", v->levels[k]);
        if (w < 0) return;
        o += (size_t)w;
    }
}

static gf_status match_var(build *b, size_t vi, const gf__fx_names *cols)
{
    const gf__var *v = &b->t->vars[vi];
    source *s = &b->src[vi];
    const gf_frame *f = b->f;
    int is_response = b->t->has_response && vi == 0;
    s->col = gf__malloc(v->ncolumns * sizeof *s->col, "a variable's columns");
    if (!s->col) return GF_ERR_NOMEM;
    s->present = 1;
    for (size_t k = 0; k < v->ncolumns; k++) {
        long j = gf__fx_names_find(cols, v->columns[k]);
        if (j < 0) {
            if (is_response && !b->response) {
                s->present = 0;
                return GF_OK;
            }
            return gf__fail(GF_ERR_ARG, "%s has no column '%s', which the formula's %s%s'%s' "
                            "needs", frame_name(f), v->columns[k], is_response ? "response " : "",
                            is_response ? "" : "variable ", v->name);
        }
        s->col[k] = (size_t)j;
        gf_col_type type = gf_frame_type(f, (size_t)j);
        if (v->kind == GF__VAR_EXPR && type != GF_COL_NUMERIC)
            return gf__fail(GF_ERR_ARG, "%s: column '%s' is a factor, but '%s' needs numbers",
                            frame_name(f), v->columns[k], v->name);
        if (v->kind == GF__VAR_COLUMN && type != v->type)
            return gf__fail(GF_ERR_ARG, "%s: column '%s' is %s, but the terms were built with it "
                            "%s%s", frame_name(f), v->columns[k],
                            type == GF_COL_FACTOR ? "a factor" : "numeric",
                            v->type == GF_COL_FACTOR ? "a factor" : "numeric",
                            v->type == GF_COL_FACTOR ? " (declare it a factor when reading the data)"
                                                     : "");
    }
    if (v->type != GF_COL_FACTOR) return GF_OK;
    size_t j = s->col[0];
    if (gf_frame_type(f, j) == GF_COL_NUMERIC) {
        s->from_numeric = 1;
        return GF_OK;
    }
    /* map the frame's levels onto the terms' by name */
    s->nmap = gf_frame_nlevels(f, j);
    s->map = gf__malloc((s->nmap ? s->nmap : 1) * sizeof *s->map, "a factor's level map");
    if (!s->map) return GF_ERR_NOMEM;
    for (size_t k = 0; k < s->nmap; k++) s->map[k] = (int32_t)gf__var_level(v, gf_frame_level(f, j, k));
    return GF_OK;
}

/* ---- one row ------------------------------------------------------------ */

/* Is any column of variable vi missing in row i?  *col gets the first. */
static int missing(const build *b, size_t vi, size_t i, size_t *col)
{
    const source *s = &b->src[vi];
    for (size_t k = 0; k < b->t->vars[vi].ncolumns; k++) {
        size_t j = s->col[k];
        int na = gf_frame_type(b->f, j) == GF_COL_NUMERIC ? isnan(gf_frame_numeric(b->f, j)[i])
                                                          : gf_frame_codes(b->f, j)[i] < 0;
        if (na) {
            *col = j;
            return 1;
        }
    }
    return 0;
}

static gf_status unseen_level(const build *b, size_t vi, size_t i, const char *level)
{
    const gf__var *v = &b->t->vars[vi];
    char at[256], known[200];
    list_levels(v, known, sizeof known);
    return gf__fail(GF_ERR_ARG, "%s, column '%s': level '%.60s' of %s'%s' was not seen when the "
                    "terms were built (known levels: %s)",
                    where(b->f, i, at, sizeof at), v->columns[0], level,
                    b->t->has_response && vi == 0 ? "the response " : "", v->name, known);
}

/* Variable vi's value (or level) in row i. */
static gf_status value(build *b, size_t vi, size_t i)
{
    const gf__var *v = &b->t->vars[vi];
    const source *s = &b->src[vi];
    const gf_frame *f = b->f;
    if (v->type == GF_COL_FACTOR) {
        long k;
        char text[40];
        const char *level;
        if (s->from_numeric) {
            gf__format_number(gf_frame_numeric(f, s->col[0])[i], text, sizeof text);
            level = text;
            k = gf__var_level(v, text);
        } else {
            int32_t c = gf_frame_codes(f, s->col[0])[i];
            level = gf_frame_level(f, s->col[0], (size_t)c);
            k = s->map[c];
        }
        if (k < 0) return unseen_level(b, vi, i, level);
        b->code[vi] = (int32_t)k;
        return GF_OK;
    }
    if (v->kind == GF__VAR_COLUMN) {
        b->val[vi] = gf_frame_numeric(f, s->col[0])[i];
        return GF_OK;
    }
    for (size_t k = 0; k < v->ncolumns; k++) b->args[k] = gf_frame_numeric(f, s->col[k])[i];
    double x = eval(v->expr, b->args);
    if (!isfinite(x)) {
        char at[256], inputs[160] = "";
        size_t o = 0;
        for (size_t k = 0; k < v->ncolumns && k < 3 && o < sizeof inputs; k++) {
            int w = snprintf(inputs + o, sizeof inputs - o, "%s%.40s = %.17g", k ? ", " : "",
                             v->columns[k], b->args[k]);
            if (w < 0) break;
            o += (size_t)w;
        }
        return gf__fail(GF_ERR_NUMERIC, "%s: %s is %s (%s), not a finite number",
                        where(f, i, at, sizeof at), v->name,
                        isnan(x) ? "NaN" : x > 0 ? "Inf" : "-Inf", inputs);
    }
    b->val[vi] = x;
    return GF_OK;
}

/* Fill design row x[0..p) from the variables' values of this row. */
static void fill_row(const gf_terms *t, const build *b, double *x)
{
    memset(x, 0, t->ncols * sizeof *x);
    for (size_t ti = 0; ti < t->nterms; ti++) {
        const gf__term *term = &t->terms[ti];
        double prod = 1;
        size_t at = 0, stride = 1;
        int zero = 0;
        for (size_t q = 0; q < term->order; q++) {
            size_t vi = term->var[q];
            if (term->coding[q] == 0) {
                prod *= b->val[vi];
                continue;
            }
            size_t k = t->vars[vi].nlevels, level = (size_t)b->code[vi];
            if (term->coding[q] == 1) {
                if (level == 0) zero = 1; /* the reference level */
                else at += (level - 1) * stride;
                stride *= k - 1;
            } else {
                at += level * stride;
                stride *= k;
            }
        }
        if (!zero) x[term->col0 + at] = prod;
    }
}

/* ---- the design --------------------------------------------------------- */

void gf_design_free(gf_design *d)
{
    if (!d) return;
    free(d->x);
    gf__free_strings(d->names, d->names ? d->p : 0);
    free(d->y);
    free(d->label);
    gf__free_strings(d->classes, d->classes ? d->nclasses : 0);
    free(d->row);
    free(d);
}

static gf_status alloc_design(const gf_terms *t, const build *b, size_t n, gf_design **out)
{
    size_t p = t->ncols;
    /* Factor interactions multiply levels: a few hundred rows of a:b:c can
     * make a million columns.  The cap (which also rules out overflow,
     * n x p being compared by division) keeps a small file from asking for
     * gigabytes. */
    if (p && n > GF_DENSE_MAX_VALUES / p)
        return gf__fail(GF_ERR_ARG,
                        "%s: the design of formula '%s' would have %zu rows x %zu columns, more "
                        "than the %zu values (%zu MiB of doubles) a design matrix may have",
                        frame_name(b->f), t->formula, n, p, GF_DENSE_MAX_VALUES,
                        GF_DENSE_MAX_VALUES * sizeof(double) >> 20);
    gf_design *d = gf__calloc(1, sizeof *d, "a design matrix");
    if (!d) return GF_ERR_NOMEM;
    *out = d;
    d->p = p;
    d->intercept = t->intercept;
    if (!(d->x = gf__malloc(n * p * sizeof *d->x, "a design matrix"))) return GF_ERR_NOMEM;
    if (!(d->row = gf__malloc(n * sizeof *d->row, "a design's row numbers"))) return GF_ERR_NOMEM;
    if (!(d->names = gf__calloc(p, sizeof *d->names, "a design's column names"))) return GF_ERR_NOMEM;
    for (size_t j = 0; j < p; j++)
        if (!(d->names[j] = gf__strdup(t->colnames[j], "a column name")))
            return gf__fail(GF_ERR_NOMEM, "out of memory copying column names");
    if (!b->response) return GF_OK;
    const gf__var *r = &t->vars[0];
    if (r->type == GF_COL_NUMERIC)
        return (d->y = gf__malloc(n * sizeof *d->y, "a response")) ? GF_OK : GF_ERR_NOMEM;
    if (!(d->label = gf__malloc(n * sizeof *d->label, "class labels"))) return GF_ERR_NOMEM;
    if (!(d->classes = gf__calloc(r->nlevels, sizeof *d->classes, "class names"))) return GF_ERR_NOMEM;
    d->nclasses = r->nlevels;
    for (size_t k = 0; k < r->nlevels; k++)
        if (!(d->classes[k] = gf__strdup(r->levels[k], "a class name")))
            return gf__fail(GF_ERR_NOMEM, "out of memory copying class names");
    return GF_OK;
}

/* Rows of the frame into the design: missing values first (dropped or
 * refused), then each variable's value, then the row. */
static gf_status fill(build *b, const gf_design_opts *o, gf_design *d)
{
    const gf_terms *t = b->t;
    size_t n = gf_frame_rows(b->f), r = 0;
    size_t first = t->has_response ? 1 : 0; /* the response is checked apart */
    for (size_t i = 0; i < n; i++) {
        size_t col = 0;
        int drop = 0;
        for (size_t vi = b->response && !b->optional ? 0 : first; vi < t->nvars && !drop; vi++) {
            if (!missing(b, vi, i, &col)) continue;
            if (!o->na_omit) {
                char at[256];
                return gf__fail(GF_ERR_ARG, "%s, column '%s': missing value (NA) in a variable "
                                "the formula uses; drop such rows with na_omit",
                                where(b->f, i, at, sizeof at), gf_frame_name(b->f, col));
            }
            drop = 1;
        }
        if (drop) {
            d->omitted++;
            continue;
        }
        for (size_t vi = first; vi < t->nvars; vi++) {
            gf_status s = value(b, vi, i);
            if (s) return s;
        }
        if (b->response && b->optional && missing(b, 0, i, &col)) {
            if (d->y) d->y[r] = NAN;
            else d->label[r] = -1;
        } else if (b->response) {
            gf_status s = value(b, 0, i);
            if (s) return s;
            if (d->y) d->y[r] = b->val[0];
            else d->label[r] = b->code[0];
        }
        fill_row(t, b, d->x + r * t->ncols);
        d->row[r++] = i;
    }
    d->n = r;
    if (r == 0) {
        if (n == 0) return gf__fail(GF_ERR_ARG, "%s has no rows", frame_name(b->f));
        return gf__fail(GF_ERR_ARG, "%s: every one of its %zu rows has a missing value in a "
                        "variable the formula uses", frame_name(b->f), n);
    }
    return GF_OK;
}

gf_status gf_design_new(const gf_terms *t, const gf_frame *data, const gf_design_opts *o,
                        gf_design **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "design: the output pointer is NULL");
    *out = NULL;
    if (!t || !data) return gf__fail(GF_ERR_ARG, "design: the %s is NULL", t ? "data frame" : "terms");
    gf_design_opts opts = o ? *o : GF_DESIGN_OPTS_DEFAULT;
    build b = {.t = t, .f = data};
    gf__fx_names cols = {0};
    gf_status s = GF_OK;
    size_t maxcols = 1;
    for (size_t vi = 0; vi < t->nvars; vi++)
        if (t->vars[vi].ncolumns > maxcols) maxcols = t->vars[vi].ncolumns;
    size_t nv = t->nvars ? t->nvars : 1;
    b.src = gf__calloc(nv, sizeof *b.src, "a design's variables");
    b.val = b.src ? gf__calloc(nv, sizeof *b.val, "a design's variables") : NULL;
    b.code = b.val ? gf__calloc(nv, sizeof *b.code, "a design's variables") : NULL;
    b.args = b.code ? gf__calloc(maxcols, sizeof *b.args, "a design's variables") : NULL;
    if (!b.args) s = GF_ERR_NOMEM;
    for (size_t j = 0; j < gf_frame_cols(data) && !s; j++) {
        size_t at;
        s = gf__fx_names_add(&cols, gf_frame_name(data, j), &at);
    }
    /* the response: wanted if required, else used when the frame has it */
    b.response = t->has_response && opts.need_response;
    if (t->has_response && !opts.need_response && !s) {
        s = match_var(&b, 0, &cols);
        b.response = !s && b.src[0].present;
        b.optional = 1;
        if (!s && b.response) {
            free(b.src[0].col), free(b.src[0].map);
            memset(&b.src[0], 0, sizeof b.src[0]);
        }
    }
    if (!s && opts.need_response && !t->has_response)
        s = gf__fail(GF_ERR_ARG, "design: a response is needed, but the formula '%s' has none",
                     t->formula);
    for (size_t vi = 0; vi < t->nvars && !s; vi++)
        if (vi || b.response || !t->has_response) s = match_var(&b, vi, &cols);
    gf_design *d = NULL;
    if (!s) s = alloc_design(t, &b, gf_frame_rows(data), &d);
    if (!s) s = fill(&b, &opts, d);
    if (!s && d->n < gf_frame_rows(data)) {
        /* give back what dropped rows took */
        size_t cells = d->n * d->p;
        double *x = realloc(d->x, (cells ? cells : 1) * sizeof *x);
        if (x) d->x = x;
    }
    gf__fx_names_free(&cols);
    free_sources(b.src, nv);
    free(b.val), free(b.code), free(b.args);
    if (s) {
        gf_design_free(d);
        return s;
    }
    *out = d;
    return GF_OK;
}
