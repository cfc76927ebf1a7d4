/* The variables of a formula (terms_internal.h): each interned once under
 * the name R writes for it, with the frame columns it reads, then its type
 * and levels found in the frame or in the list of variables given when
 * restoring terms. */
#include "data/terms_internal.h"
#include "data/frame_internal.h"
#include "core/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- interning variables ------------------------------------------------ */

/* The columns an expression reads, each once, with FX_NAME slots set. */
static gf_status collect_columns(gf__var *v, gf__fx_names *seen, fx_node *e)
{
    if (e->kind == FX_NAME) {
        size_t before = seen->n;
        gf_status s = gf__fx_names_add(seen, e->name, &e->slot);
        if (s || seen->n == before) return s;
        char **cols = realloc(v->columns, seen->n * sizeof *cols);
        if (!cols) return gf__fail(GF_ERR_NOMEM, "out of memory resolving a formula");
        v->columns = cols;
        v->columns[v->ncolumns] = gf__strdup(e->name, "a column name");
        if (!v->columns[v->ncolumns])
            return gf__fail(GF_ERR_NOMEM, "out of memory resolving a formula");
        v->ncolumns++;
        return GF_OK;
    }
    for (size_t i = 0; i < e->nkids; i++) {
        gf_status s = collect_columns(v, seen, e->kid[i]);
        if (s) return s;
    }
    return GF_OK;
}

void gf__var_clear(gf__var *v)
{
    free(v->name);
    gf__free_strings(v->columns, v->ncolumns);
    gf__free_strings(v->levels, v->nlevels);
    free(v->by_name);
    memset(v, 0, sizeof *v);
}

/* Intern the variable spelled by `e` (FX_NAME or FX_CALL), or, with e
 * NULL, the frame column `column` that '.' stands for. */
gf_status gf__var_intern(terms_ctx *c, fx_node *e, const char *column, size_t pos,
                         size_t *index)
{
    char *name = e ? gf__fx_deparse(e) : gf__fx_quote_name(column);
    if (!name) return GF_ERR_NOMEM;
    long found = gf__fx_names_find(&c->vnames, name);
    if (found >= 0) {
        free(name);
        *index = (size_t)found;
        return GF_OK;
    }
    if (c->nv == c->vcap) {
        size_t cap = c->vcap ? 2 * c->vcap : 16;
        gf__var *v = realloc(c->v, cap * sizeof *v);
        if (!v) {
            free(name);
            return gf__fail(GF_ERR_NOMEM, "out of memory resolving a formula");
        }
        c->v = v;
        c->vcap = cap;
    }
    gf__var *v = &c->v[c->nv];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->pos = pos;
    v->expr = e;
    gf_status s = GF_OK;
    if (!e || e->kind == FX_NAME || e->fn == FN_FACTOR) {
        v->kind = !e || e->kind == FX_NAME ? GF__VAR_COLUMN : GF__VAR_FACTOR;
        v->columns = gf__malloc(sizeof *v->columns, "a variable's column");
        const char *col = !e ? column : e->kind == FX_NAME ? e->name : e->kid[0]->name;
        if (v->columns && !(v->columns[0] = gf__strdup(col, "a column name")))
            s = gf__fail(GF_ERR_NOMEM, "out of memory resolving a formula");
        else if (!v->columns)
            s = GF_ERR_NOMEM;
        else
            v->ncolumns = 1;
    } else {
        gf__fx_names seen = {0};
        v->kind = GF__VAR_EXPR;
        s = collect_columns(v, &seen, e);
        gf__fx_names_free(&seen);
        /* R too refuses a constant: its length is not the data's */
        if (!s && v->ncolumns == 0)
            s = gf__terms_fail_at(c, pos, "'%s' reads no column: a constant is not a variable",
                                  v->name);
    }
    if (!s) s = gf__fx_names_add(&c->vnames, v->name, index);
    if (s) {
        gf__var_clear(v);
        return s;
    }
    c->nv++;
    return GF_OK;
}

/* ---- the variables' types and levels ------------------------------------ */

/* A short list of the frame's columns for "unknown column" messages. */
static void list_columns(const gf_frame *f, char *buf, size_t size)
{
    size_t o = 0, n = gf_frame_cols(f);
    buf[0] = '\0';
    for (size_t j = 0; j < n && o + 1 < size; j++) {
        int w = snprintf(buf + o, size - o, "%s%s", j ? ", " : "", gf_frame_name(f, j));
        if (w < 0) break;
        o += (size_t)w;
        if (o > 160 && j + 1 < n) {
            snprintf(buf + (o < size ? o : size - 1), size - (o < size ? o : size - 1),
                     ", ... (%zu in all)", n);
            break;
        }
    }
}

typedef struct named_level {
    const char *name;
    size_t k;
} named_level;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named_level *)a)->name, ((const named_level *)b)->name);
}

/* Index the levels by name; a repeated name is an error. */
gf_status gf__var_index_levels(const terms_ctx *c, gf__var *v)
{
    named_level *tmp = gf__malloc(v->nlevels * sizeof *tmp, "a factor's level index");
    v->by_name = tmp ? gf__malloc(v->nlevels * sizeof *v->by_name, "a factor's level index") : NULL;
    if (!v->by_name) {
        free(tmp);
        return GF_ERR_NOMEM;
    }
    for (size_t k = 0; k < v->nlevels; k++) tmp[k] = (named_level){v->levels[k], k};
    qsort(tmp, v->nlevels, sizeof *tmp, cmp_named);
    gf_status s = GF_OK;
    for (size_t k = 0; k < v->nlevels; k++) {
        v->by_name[k] = tmp[k].k;
        if (k && !s && strcmp(tmp[k - 1].name, tmp[k].name) == 0)
            s = gf__terms_fail_at(c, v->pos, "variable '%s' has the level '%s' twice", v->name,
                                  tmp[k].name);
    }
    free(tmp);
    return s;
}

long gf__var_level(const gf__var *v, const char *name)
{
    size_t lo = 0, hi = v->nlevels;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(v->levels[v->by_name[mid]], name);
        if (d == 0) return (long)v->by_name[mid];
        if (d < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

static gf_status copy_levels(gf__var *v, const char *const *levels, size_t n)
{
    v->levels = gf__calloc(n, sizeof *v->levels, "a factor's levels");
    if (!v->levels) return GF_ERR_NOMEM;
    v->nlevels = n;
    for (size_t k = 0; k < n; k++)
        if (!(v->levels[k] = gf__strdup(levels[k], "a factor level")))
            return gf__fail(GF_ERR_NOMEM, "out of memory copying a factor's levels");
    return GF_OK;
}

/* The position of the first FX_NAME reading `column` in e, for messages. */
static size_t name_pos(const fx_node *e, const char *column)
{
    if (!e) return 0;
    if (e->kind == FX_NAME) return strcmp(e->name, column) == 0 ? e->pos : 0;
    for (size_t i = 0; i < e->nkids; i++) {
        size_t p = name_pos(e->kid[i], column);
        if (p) return p;
    }
    return 0;
}

/* factor(column) of a frame column: a numeric column's distinct values, as
 * R's factor() spells them, or a factor's levels that occur, in order. */
static gf_status factor_levels(gf__var *v, const gf_frame *f, size_t j)
{
    size_t n = gf_frame_rows(f);
    if (gf_frame_type(f, j) == GF_COL_FACTOR) {
        size_t k = gf_frame_nlevels(f, j);
        const int32_t *code = gf_frame_codes(f, j);
        unsigned char *used = gf__calloc(k, 1, "a factor's levels");
        if (!used) return GF_ERR_NOMEM;
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (code[i] >= 0 && !used[code[i]]) used[code[i]] = 1, m++;
        const char **lv = gf__malloc(m * sizeof *lv, "a factor's levels");
        if (!lv) {
            free(used);
            return GF_ERR_NOMEM;
        }
        for (size_t q = 0, o = 0; q < k; q++)
            if (used[q]) lv[o++] = gf_frame_level(f, j, q);
        gf_status s = copy_levels(v, lv, m);
        free(lv);
        free(used);
        return s;
    }
    /* numeric: gf_frame_as_factor on a one-column copy spells the levels */
    gf_frame *tmp = gf_frame_new(n);
    gf_status s = tmp ? gf_frame_add_numeric(tmp, "x", gf_frame_numeric(f, j)) : GF_ERR_NOMEM;
    if (!s) s = gf_frame_as_factor(tmp, 0, GF_LEVELS_SORTED);
    if (!s) {
        size_t k = gf_frame_nlevels(tmp, 0);
        const char **lv = gf__malloc(k * sizeof *lv, "a factor's levels");
        if (!lv) s = GF_ERR_NOMEM;
        for (size_t q = 0; q < k && lv; q++) lv[q] = gf_frame_level(tmp, 0, q);
        if (lv) s = copy_levels(v, lv, k);
        free(lv);
    }
    gf_frame_free(tmp);
    return s;
}

/* Check that v's columns exist (and, if `full`, record its type and
 * levels) from the frame. */
gf_status gf__var_resolve_from_frame(terms_ctx *c, gf__var *v, int full)
{
    const gf_frame *f = c->data;
    for (size_t k = 0; k < v->ncolumns; k++) {
        long j = gf__fx_names_find(&c->frame_cols, v->columns[k]);
        size_t pos = v->kind == GF__VAR_EXPR ? name_pos(v->expr, v->columns[k]) : v->pos;
        if (j < 0) {
            char cols[256];
            list_columns(f, cols, sizeof cols);
            return gf__terms_fail_at(c, pos, "unknown column '%s' (the data's columns are: %s)",
                                     v->columns[k], cols);
        }
        if (v->kind == GF__VAR_EXPR && gf_frame_type(f, (size_t)j) == GF_COL_FACTOR)
            return gf__terms_fail_at(c, pos, "column '%s' is a factor, but %s needs numbers (a "
                                     "function or arithmetic of a factor has no meaning)",
                                     v->columns[k], v->name);
    }
    if (!full) return GF_OK;
    size_t j = (size_t)gf__fx_names_find(&c->frame_cols, v->columns[0]);
    if (v->kind == GF__VAR_EXPR) {
        v->type = GF_COL_NUMERIC;
        return GF_OK;
    }
    v->type = v->kind == GF__VAR_FACTOR ? GF_COL_FACTOR : gf_frame_type(f, j);
    if (v->type == GF_COL_NUMERIC) return GF_OK;
    if (v->kind == GF__VAR_FACTOR) return factor_levels(v, f, j);
    size_t k = gf_frame_nlevels(f, j);
    const char **lv = gf__malloc(k * sizeof *lv, "a factor's levels");
    if (!lv) return GF_ERR_NOMEM;
    for (size_t q = 0; q < k; q++) lv[q] = gf_frame_level(f, j, q);
    gf_status s = copy_levels(v, lv, k);
    free(lv);
    return s;
}

gf_status gf__var_resolve_from_info(terms_ctx *c, gf__var *v, int full)
{
    long i = gf__fx_names_find(&c->info_names, v->name);
    if (i < 0)
        return gf__terms_fail_at(c, v->pos, "variable '%s' is not among the %zu variables given",
                                 v->name, c->ninfo);
    if (!full) return GF_OK;
    const gf_var_info *in = &c->info[i];
    if (v->kind == GF__VAR_FACTOR && in->type != GF_COL_FACTOR)
        return gf__terms_fail_at(c, v->pos, "variable '%s' is described as numeric, but factor() "
                                 "makes a factor", v->name);
    if (v->kind == GF__VAR_EXPR && in->type != GF_COL_NUMERIC)
        return gf__terms_fail_at(c, v->pos, "variable '%s' is described as a factor, but it is "
                                 "arithmetic on numbers", v->name);
    v->type = in->type;
    return in->type == GF_COL_FACTOR ? copy_levels(v, in->levels, in->nlevels) : GF_OK;
}

/* The variable list given to gf_terms_from_vars, checked and indexed. */
gf_status gf__var_check_info(terms_ctx *c)
{
    if (c->ninfo && !c->info) return gf__fail(GF_ERR_ARG, "restoring terms: the variables are NULL");
    for (size_t i = 0; i < c->ninfo; i++) {
        const gf_var_info *in = &c->info[i];
        if (!in->name || !*in->name || strlen(in->name) > GF__FORMULA_MAX_LEN)
            return gf__fail(GF_ERR_ARG, "restoring terms: variable %zu has no name, or one longer "
                            "than %zu bytes", i + 1, GF__FORMULA_MAX_LEN);
        if (in->type != GF_COL_NUMERIC && in->type != GF_COL_FACTOR)
            return gf__fail(GF_ERR_ARG, "restoring terms: variable '%s' has an unknown type (%d)",
                            in->name, (int)in->type);
        if (in->type == GF_COL_NUMERIC && in->nlevels)
            return gf__fail(GF_ERR_ARG, "restoring terms: variable '%s' is numeric but has %zu "
                            "levels", in->name, in->nlevels);
        if (in->type == GF_COL_FACTOR && (!in->nlevels || !in->levels || in->nlevels > INT32_MAX))
            return gf__fail(GF_ERR_ARG, "restoring terms: factor '%s' has %zu levels (expected "
                            "1 to %d, and their names)", in->name, in->nlevels, INT32_MAX);
        for (size_t k = 0; in->type == GF_COL_FACTOR && k < in->nlevels; k++)
            if (!in->levels[k])
                return gf__fail(GF_ERR_ARG, "restoring terms: level %zu of factor '%s' is NULL",
                                k + 1, in->name);
        size_t before = c->info_names.n, at;
        gf_status s = gf__fx_names_add(&c->info_names, in->name, &at);
        if (s) return s;
        if (c->info_names.n == before)
            return gf__fail(GF_ERR_ARG, "restoring terms: variable '%s' is listed twice", in->name);
    }
    return GF_OK;
}
