/* Resolving a parsed formula into terms, as R's terms.formula and
 * model.matrix do.
 *
 * A term is a set of variables.  The right-hand side evaluates, left to
 * right, to a list of distinct terms (R's EncodeVars):
 *
 *   a + b    the terms of a, then those of b not already there
 *   a - b    the terms of a that are not terms of b
 *   a:b      the union of each term of a with each term of b (a's outer)
 *   a*b      a + b + a:b
 *   a/b      a + (all of a's variables together):b
 *   a^k      a:a:...:a, k times (each step joins a with the result)
 *   .        every column the response does not use, in the frame's order
 *   1, 0     add or remove the intercept (reversed on the right of '-')
 *
 * The terms are then ordered by their number of variables, keeping the
 * order of appearance among equals, and the variables inside a term by
 * their first appearance in the formula.  Each factor in a term is then
 * coded by contrasts or indicators and the design columns named
 * (term_coding.c).  The variables are interned and given their types and
 * levels in term_vars.c; the terms are interned in a store of sets
 * (term_store.c), so a list is a vector of ids. */
#include "data/terms_internal.h"
#include "data/frame_internal.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- evaluating the right-hand side ------------------------------------- */

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* to = from, leaving from empty. */
static void ids_move(term_ids *to, term_ids *from)
{
    free(to->id);
    *to = *from;
    memset(from, 0, sizeof *from);
}

/* The formula's text quoted for a message about position `pos`. */
gf_status gf__terms_fail_at(const terms_ctx *c, size_t pos, const char *fmt, ...)
{
    char quoted[256], msg[640];
    gf__fx_quote_formula(c->f->text, pos, quoted, sizeof quoted);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pos) return gf__fail(GF_ERR_ARG, "formula '%s': position %zu: %s", quoted, pos, msg);
    return gf__fail(GF_ERR_ARG, "formula '%s': %s", quoted, msg);
}

static gf_status single_term(terms_ctx *c, size_t var, term_ids *out)
{
    size_t id = 0;
    gf_status s = gf__store_intern(&c->st, &var, 1, &id);
    return s ? s : gf__ids_push(out, id);
}

/* '.': every frame column the response does not read. */
static gf_status expand_dot(terms_ctx *c, const fx_node *e, term_ids *out)
{
    if (!c->data)
        return gf__terms_fail_at(c, e->pos, "'.' needs data to stand for; restoring terms from a "
                                 "list of variables takes the formula with '.' expanded");
    for (size_t j = 0; j < gf_frame_cols(c->data); j++) {
        const char *col = gf_frame_name(c->data, j);
        int in_response = 0;
        if (c->has_response)
            for (size_t k = 0; k < c->v[0].ncolumns; k++)
                if (strcmp(c->v[0].columns[k], col) == 0) in_response = 1;
        if (in_response) continue;
        size_t vi;
        gf_status s = gf__var_intern(c, NULL, col, e->pos, &vi);
        if (!s) s = single_term(c, vi, out);
        if (s) return s;
    }
    return GF_OK;
}

static gf_status eval(terms_ctx *c, const fx_node *e, term_ids *out);

/* R's a ^ k: r = a, then k - 1 times r = a:r.  Once a step gives back the
 * same list, every later one would too. */
static gf_status power(terms_ctx *c, const fx_node *e, term_ids *out)
{
    term_ids base = {0}, r = {0};
    gf_status s = eval(c, e->kid[0], &base);
    for (size_t i = 0; i < base.n && !s; i++) s = gf__ids_push(&r, base.id[i]);
    for (unsigned long k = 1; k < e->power && !s; k++) {
        term_ids next = {0};
        s = gf__store_interact(&c->st, &base, &r, &next);
        int same = !s && next.n == r.n && (!r.n || memcmp(next.id, r.id, r.n * sizeof *r.id) == 0);
        if (!s) ids_move(&r, &next);
        free(next.id);
        if (same) break;
    }
    free(base.id);
    if (!s) ids_move(out, &r);
    free(r.id);
    return s;
}

/* a/b: a, then every variable of a together with each term of b. */
static gf_status nest(terms_ctx *c, const term_ids *a, const term_ids *b, term_ids *out)
{
    term_store *st = &c->st;
    size_t nall = 0, m = 0, id;
    for (size_t i = 0; i < a->n; i++) nall += st->len[a->id[i]];
    size_t *all = gf__malloc((nall ? nall : 1) * sizeof *all, "a formula's terms");
    if (!all) return GF_ERR_NOMEM;
    for (size_t i = 0; i < a->n; i++)
        for (size_t q = 0; q < st->len[a->id[i]]; q++) all[m++] = st->var[st->off[a->id[i]] + q];
    qsort(all, m, sizeof *all, cmp_size);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (!u || all[u - 1] != all[i]) all[u++] = all[i];
    term_ids whole = {0}, inner = {0};
    gf_status s = gf__store_intern(st, all, u, &id);
    if (!s) s = gf__ids_push(&whole, id);
    if (!s) s = gf__store_interact(st, &whole, b, &inner);
    if (!s) s = gf__store_join(st, a, &inner, out);
    free(all);
    free(whole.id);
    free(inner.id);
    return s;
}

static gf_status eval_sum(terms_ctx *c, const fx_node *e, term_ids *out)
{
    term_acc acc = {0};
    gf_status s = GF_OK;
    for (size_t i = 0; i < e->nkids && !s; i++) {
        term_ids part = {0};
        int minus = e->op[i] == '-';
        if (minus) c->parity = !c->parity;
        s = eval(c, e->kid[i], &part);
        if (minus) c->parity = !c->parity;
        if (!s) s = minus ? gf__acc_remove(&c->st, &acc, &part) : gf__acc_add(&c->st, &acc, &part);
        free(part.id);
    }
    if (!s) s = gf__acc_finish(&acc, out);
    gf__acc_free(&acc);
    return s;
}

/* kid[0] op kid[1] op ...: ':' products, '*' crossings, '/' nestings. */
static gf_status eval_product(terms_ctx *c, const fx_node *e, term_ids *out)
{
    term_ids acc = {0};
    gf_status s = eval(c, e->kid[0], &acc);
    for (size_t i = 1; i < e->nkids && !s; i++) {
        term_ids right = {0}, next = {0}, inter = {0}, both = {0};
        s = eval(c, e->kid[i], &right);
        if (!s && e->kind == FF_COLON) s = gf__store_interact(&c->st, &acc, &right, &next);
        else if (!s && e->op[i] == '/') s = nest(c, &acc, &right, &next);
        else if (!s) {
            s = gf__store_interact(&c->st, &acc, &right, &inter);
            if (!s) s = gf__store_join(&c->st, &acc, &right, &both);
            if (!s) s = gf__store_join(&c->st, &both, &inter, &next);
        }
        if (!s) ids_move(&acc, &next);
        free(right.id), free(next.id), free(inter.id), free(both.id);
    }
    if (!s) ids_move(out, &acc);
    free(acc.id);
    return s;
}

static gf_status eval(terms_ctx *c, const fx_node *e, term_ids *out)
{
    size_t vi;
    gf_status s;
    switch (e->kind) {
    case FF_VAR:
        s = gf__var_intern(c, e->kid[0], NULL, e->pos, &vi);
        if (!s && c->has_response && vi == 0 && !c->response_pos) c->response_pos = e->pos;
        return s ? s : single_term(c, vi, out);
    case FF_DOT:
        return expand_dot(c, e, out);
    case FF_ONE:
        /* 1 adds the intercept, 0 removes it; reversed when subtracted */
        c->intercept = (e->num == 1) == (c->parity == 1);
        return GF_OK;
    case FF_PAREN:
        return eval(c, e->kid[0], out);
    case FF_SUM:
        return eval_sum(c, e, out);
    case FF_COLON:
    case FF_PROD:
        return eval_product(c, e, out);
    case FF_POW:
        return power(c, e, out);
    default:
        return gf__fail(GF_ERR_ARG, "formula: internal error: an expression node as a term");
    }
}

/* ---- ordering and the canonical formula --------------------------------- */

typedef struct sort_item {
    size_t order, seq, id;
} sort_item;

static int cmp_items(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* "y ~ a + b + a:b", "y ~ a - 1", "~ 1", "y ~ 0". */
static gf_status write_formula(gf_terms *t)
{
    size_t len = 16;
    for (size_t i = 0; i < t->nvars; i++) len += strlen(t->vars[i].name);
    for (size_t ti = 0; ti < t->nterms; ti++) {
        len += 3;
        for (size_t q = 0; q < t->terms[ti].order; q++)
            len += strlen(t->vars[t->terms[ti].var[q]].name) + 1;
    }
    char *s = gf__malloc(len, "a formula's text");
    if (!s) return GF_ERR_NOMEM;
    size_t o = 0;
    if (t->has_response) o += (size_t)sprintf(s + o, "%s ", t->vars[0].name);
    o += (size_t)sprintf(s + o, "~ ");
    if (!t->nterms) o += (size_t)sprintf(s + o, "%s", t->intercept ? "1" : "0");
    for (size_t ti = 0; ti < t->nterms; ti++) {
        if (ti) o += (size_t)sprintf(s + o, " + ");
        for (size_t q = 0; q < t->terms[ti].order; q++)
            o += (size_t)sprintf(s + o, "%s%s", q ? ":" : "", t->vars[t->terms[ti].var[q]].name);
    }
    if (t->nterms && !t->intercept) o += (size_t)sprintf(s + o, " - 1");
    t->formula = s;
    return GF_OK;
}

/* From the evaluated list: keep the variables that are used, in their
 * final order (response first, then by appearance, or by the given list's
 * order when restoring), renumber and sort the terms. */
static gf_status finish(terms_ctx *c, const term_ids *list, gf_terms *t)
{
    term_store *st = &c->st;
    size_t nv = c->nv;
    unsigned char *used = gf__calloc(nv ? nv : 1, 1, "a formula's variables");
    size_t *newidx = used ? gf__malloc((nv ? nv : 1) * sizeof *newidx, "a formula's variables") : NULL;
    size_t nitems = list->n > nv ? list->n : nv;
    sort_item *items = newidx ? gf__malloc((nitems ? nitems : 1) * sizeof *items, "sorting terms")
                              : NULL;
    gf_status s = items ? GF_OK : GF_ERR_NOMEM;
    if (!s && c->has_response) used[0] = 1;
    for (size_t i = 0; i < list->n && !s; i++)
        for (size_t q = 0; q < st->len[list->id[i]]; q++) used[st->var[st->off[list->id[i]] + q]] = 1;
    /* resolve every variable: the used ones fully, the rest (only in
     * removed terms) just checked to exist */
    for (size_t i = 0; i < nv && !s; i++)
        s = c->data ? gf__var_resolve_from_frame(c, &c->v[i], used[i])
                    : gf__var_resolve_from_info(c, &c->v[i], used[i]);
    for (size_t i = 0; i < nv && !s; i++) {
        gf__var *v = &c->v[i];
        if (!used[i] || v->type != GF_COL_FACTOR) continue;
        int is_response = c->has_response && i == 0;
        if (!is_response && v->nlevels < 2)
            s = gf__terms_fail_at(c, v->pos, "factor '%s' has %zu level%s; a factor in a model "
                                  "needs at least 2", v->name, v->nlevels,
                                  v->nlevels == 1 ? "" : "s");
        else if (is_response && v->nlevels < 1)
            s = gf__terms_fail_at(c, v->pos, "the response '%s' is a factor without levels",
                                  v->name);
        if (!s) s = gf__var_index_levels(c, v);
    }
    if (s) goto done;

    /* the final order of the used variables: the response, then by
     * appearance, or by the position in the given list when restoring */
    size_t m = 0;
    for (size_t i = 0; i < nv; i++) {
        if (!used[i]) continue;
        size_t r = c->info ? 1 + (size_t)gf__fx_names_find(&c->info_names, c->v[i].name) : i;
        items[m++] = (sort_item){c->has_response && i == 0 ? 0 : r, i, i};
    }
    qsort(items, m, sizeof *items, cmp_items);
    t->vars = gf__calloc(m ? m : 1, sizeof *t->vars, "a formula's variables");
    if (!t->vars) {
        s = GF_ERR_NOMEM;
        goto done;
    }
    for (size_t k = 0; k < m; k++) {
        size_t i = items[k].id;
        newidx[i] = k;
        t->vars[k] = c->v[i];
        memset(&c->v[i], 0, sizeof c->v[i]); /* moved */
    }
    t->nvars = m;

    /* the terms, renumbered and sorted */
    for (size_t i = 0; i < list->n; i++)
        items[i] = (sort_item){st->len[list->id[i]], i, list->id[i]};
    qsort(items, list->n, sizeof *items, cmp_items);
    t->terms = gf__calloc(list->n ? list->n : 1, sizeof *t->terms, "a formula's terms");
    if (!t->terms) {
        s = GF_ERR_NOMEM;
        goto done;
    }
    t->nterms = list->n;
    for (size_t i = 0; i < list->n && !s; i++) {
        gf__term *term = &t->terms[i];
        size_t id = items[i].id;
        term->order = st->len[id];
        term->var = gf__malloc((term->order ? term->order : 1) * sizeof *term->var, "a term");
        term->coding = gf__calloc(term->order ? term->order : 1, sizeof *term->coding, "a term");
        if (!term->var || !term->coding) {
            s = GF_ERR_NOMEM;
            break;
        }
        for (size_t q = 0; q < term->order; q++) term->var[q] = newidx[st->var[st->off[id] + q]];
        qsort(term->var, term->order, sizeof *term->var, cmp_size);
    }
    if (!s) s = write_formula(t);
    if (!s) s = gf__terms_code(t);
    if (!s) s = gf__terms_name_columns(t);
done:
    free(used), free(newidx), free(items);
    return s;
}

/* ---- building terms ----------------------------------------------------- */

static void free_ctx(terms_ctx *c)
{
    for (size_t i = 0; i < c->nv; i++) gf__var_clear(&c->v[i]);
    free(c->v);
    gf__fx_names_free(&c->vnames);
    gf__fx_names_free(&c->info_names);
    gf__fx_names_free(&c->frame_cols);
    gf__store_free(&c->st);
}

static gf_status build(const char *formula, const gf_frame *data, const gf_var_info *info,
                       size_t ninfo, size_t max_cols, size_t max_name_bytes, gf_terms **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "terms: the output pointer is NULL");
    *out = NULL;
    fx_formula *f;
    gf_status s = gf__fx_parse(formula, &f);
    if (s) return s;
    terms_ctx c = {.f = f, .data = data, .info = info, .ninfo = ninfo, .intercept = 1, .parity = 1};
    gf_terms *t = gf__calloc(1, sizeof *t, "a formula's terms");
    term_ids list = {0};
    if (!t) s = GF_ERR_NOMEM;
    if (!s && !data) s = gf__var_check_info(&c);
    for (size_t j = 0; !s && data && j < gf_frame_cols(data); j++) {
        size_t at;
        s = gf__fx_names_add(&c.frame_cols, gf_frame_name(data, j), &at);
    }
    if (!s && f->lhs) {
        size_t vi;
        c.has_response = 1;
        s = gf__var_intern(&c, f->lhs, NULL, f->lhs->pos, &vi);
    }
    if (!s) {
        s = eval(&c, f->rhs, &list);
        /* the term store's limits do not know the formula: say which */
        if (s && s != GF_ERR_NOMEM && strncmp(gf_errmsg(), "formula '", 9) != 0) {
            char quoted[256];
            gf__fx_quote_formula(f->text, 0, quoted, sizeof quoted);
            gf__errctx("formula '%s'", quoted);
        }
    }
    for (size_t i = 0; i < list.n && !s && c.has_response; i++)
        if (c.st.len[list.id[i]] == 1 && c.st.var[c.st.off[list.id[i]]] == 0)
            s = gf__terms_fail_at(&c, c.response_pos,
                                  "the response '%s' is also a term on the right-hand side",
                                  c.v[0].name);
    if (!s) {
        t->parsed = f;
        t->max_cols = max_cols;
        t->max_name_bytes = max_name_bytes;
        t->has_response = c.has_response;
        t->intercept = c.intercept;
        s = finish(&c, &list, t);
    } else {
        gf__fx_free(f);
    }
    free(list.id);
    free_ctx(&c);
    if (s) {
        gf_terms_free(t);
        return s;
    }
    *out = t;
    return GF_OK;
}

gf_status gf_terms_new(const char *formula, const gf_frame *data, gf_terms **out)
{
    if (!data) {
        if (out) *out = NULL;
        return gf__fail(GF_ERR_ARG, "terms: the data frame is NULL");
    }
    return build(formula, data, NULL, 0, SIZE_MAX, SIZE_MAX, out);
}

gf_status gf_terms_from_vars(const char *formula, const gf_var_info *vars, size_t nvars,
                             gf_terms **out)
{
    return build(formula, NULL, vars, nvars, SIZE_MAX, SIZE_MAX, out);
}

gf_status gf__terms_from_vars_within(const char *formula, const gf_var_info *vars, size_t nvars,
                                     size_t max_cols, size_t max_name_bytes, gf_terms **out)
{
    return build(formula, NULL, vars, nvars, max_cols, max_name_bytes, out);
}

void gf_terms_free(gf_terms *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->nvars; i++) gf__var_clear(&t->vars[i]);
    free(t->vars);
    for (size_t i = 0; i < t->nterms; i++) free(t->terms[i].var), free(t->terms[i].coding);
    free(t->terms);
    gf__free_strings(t->colnames, t->colnames ? t->ncols : 0);
    free(t->formula);
    gf__fx_free(t->parsed);
    free(t);
}

/* ---- accessors ---------------------------------------------------------- */

const char *gf_terms_formula(const gf_terms *t) { return t ? t->formula : NULL; }

const char *gf_terms_response(const gf_terms *t)
{
    return t && t->has_response ? t->vars[0].name : NULL;
}

int gf_terms_intercept(const gf_terms *t) { return t ? t->intercept : 0; }
size_t gf_terms_nvars(const gf_terms *t) { return t ? t->nvars : 0; }

gf_var_info gf_terms_var(const gf_terms *t, size_t i)
{
    if (!t || i >= t->nvars) return (gf_var_info){0};
    const gf__var *v = &t->vars[i];
    return (gf_var_info){.name = v->name, .type = v->type, .nlevels = v->nlevels,
                         .levels = (const char *const *)v->levels};
}

size_t gf_terms_ncols(const gf_terms *t) { return t ? t->ncols : 0; }

const char *gf_terms_colname(const gf_terms *t, size_t j)
{
    return t && j < t->ncols ? t->colnames[j] : NULL;
}
