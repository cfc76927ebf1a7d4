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
 * their first appearance in the formula.  Each factor in a term is coded by
 * contrasts if the term without it is contained in an earlier term (the
 * empty term always counts), by indicators otherwise; without an intercept
 * the first factor of the first term that has one takes indicators (R's
 * TermCode and modelmatrix).  Terms are interned in one store, so a list is
 * a vector of ids and "already there" is a stamp per id. */
#include "data/formula_ast.h"
#include "data/frame_internal.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Limits against formulas that would expand into more than any model can
 * use: distinct terms, unions computed while expanding, design columns and
 * the bytes of their names. */
#define MAX_TERMS ((size_t)1 << 17)
#define MAX_UNIONS ((size_t)1 << 25)
#define MAX_COLS ((size_t)1 << 20)
#define MAX_NAME_BYTES ((size_t)1 << 28)

/* ---- strings to indices ------------------------------------------------- */

static size_t hash_string(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)(h ^ (h >> 29));
}

static size_t names_slot(const gf__fx_names *m, const char *key)
{
    size_t i = hash_string(key) & (m->cap - 1);
    while (m->table[i] && strcmp(m->key[m->table[i] - 1], key) != 0) i = (i + 1) & (m->cap - 1);
    return i;
}

long gf__fx_names_find(const gf__fx_names *m, const char *key)
{
    if (!m->cap) return -1;
    size_t i = names_slot(m, key);
    return m->table[i] ? (long)(m->table[i] - 1) : -1;
}

static gf_status names_grow(gf__fx_names *m)
{
    size_t cap = m->cap ? 2 * m->cap : 16;
    if (cap > SIZE_MAX / 2 / sizeof(size_t))
        return gf__fail(GF_ERR_NOMEM, "too many names to index");
    size_t *table = gf__calloc(cap, sizeof *table, "an index of names");
    const char **key = table ? realloc(m->key, cap / 2 * sizeof *key) : NULL;
    if (!key) {
        free(table);
        return table ? gf__fail(GF_ERR_NOMEM, "out of memory indexing names") : GF_ERR_NOMEM;
    }
    m->key = key;
    free(m->table);
    m->table = table;
    m->cap = cap;
    for (size_t k = 0; k < m->n; k++) m->table[names_slot(m, m->key[k])] = k + 1;
    return GF_OK;
}

gf_status gf__fx_names_add(gf__fx_names *m, const char *key, size_t *index)
{
    long found = gf__fx_names_find(m, key);
    if (found >= 0) {
        *index = (size_t)found;
        return GF_OK;
    }
    if (m->n + 1 > m->cap / 2) { /* keys hold cap / 2 entries: load <= 1/2 */
        gf_status s = names_grow(m);
        if (s) return s;
    }
    m->key[m->n] = key;
    m->table[names_slot(m, key)] = m->n + 1;
    *index = m->n++;
    return GF_OK;
}

void gf__fx_names_free(gf__fx_names *m)
{
    free(m->key);
    free(m->table);
    memset(m, 0, sizeof *m);
}

/* ---- the store of terms ------------------------------------------------- */

/* Every distinct term met while expanding, each a sorted set of variable
 * indices (in order of appearance), kept once and named by its id. */
typedef struct store {
    size_t n, cap;      /* terms */
    size_t *off, *len;  /* term i is var[off[i] .. off[i] + len[i]) */
    unsigned *stamp;    /* per term: the list that last marked it */
    size_t *var;
    size_t nvar, vcap;
    size_t *table;      /* tcap slots: id + 1, or 0 */
    size_t tcap;
    unsigned now;       /* the current stamp */
    size_t unions;      /* unions computed so far, against MAX_UNIONS */
} store;

typedef struct ids {
    size_t n, cap;
    size_t *id;
} ids;

static size_t hash_set(const size_t *v, size_t n)
{
    uint64_t h = 1469598103934665603u ^ n;
    for (size_t i = 0; i < n; i++) h = (h ^ v[i]) * 1099511628211u;
    return (size_t)(h ^ (h >> 29));
}

static size_t store_slot(const store *s, const size_t *v, size_t n)
{
    size_t i = hash_set(v, n) & (s->tcap - 1);
    for (; s->table[i]; i = (i + 1) & (s->tcap - 1)) {
        size_t id = s->table[i] - 1;
        if (s->len[id] == n && (n == 0 || memcmp(s->var + s->off[id], v, n * sizeof *v) == 0))
            break;
    }
    return i;
}

static gf_status too_many_terms(void)
{
    return gf__fail(GF_ERR_ARG, "it expands to more than %zu distinct terms", MAX_TERMS);
}

static gf_status store_grow(store *s)
{
    if (s->n == s->cap) {
        if (s->cap >= MAX_TERMS) return too_many_terms();
        size_t cap = s->cap ? 2 * s->cap : 64;
        size_t *off = realloc(s->off, cap * sizeof *off);
        if (off) s->off = off;
        size_t *len = off ? realloc(s->len, cap * sizeof *len) : NULL;
        if (len) s->len = len;
        unsigned *stamp = len ? realloc(s->stamp, cap * sizeof *stamp) : NULL;
        if (!stamp) return gf__fail(GF_ERR_NOMEM, "out of memory expanding a formula's terms");
        s->stamp = stamp;
        s->cap = cap;
    }
    if (2 * (s->n + 1) > s->tcap) {
        size_t tcap = s->tcap ? 2 * s->tcap : 128;
        size_t *table = gf__calloc(tcap, sizeof *table, "a formula's terms");
        if (!table) return GF_ERR_NOMEM;
        free(s->table);
        s->table = table;
        s->tcap = tcap;
        for (size_t id = 0; id < s->n; id++)
            s->table[store_slot(s, s->var + s->off[id], s->len[id])] = id + 1;
    }
    return GF_OK;
}

/* The id of the set v[0..n) (sorted), adding it if new. */
static gf_status store_intern(store *s, const size_t *v, size_t n, size_t *id)
{
    if (s->tcap) {
        size_t i = store_slot(s, v, n);
        if (s->table[i]) {
            *id = s->table[i] - 1;
            return GF_OK;
        }
    }
    gf_status st = store_grow(s);
    if (st) return st;
    if (n > s->vcap - s->nvar) {
        size_t vcap = s->vcap ? s->vcap : 256;
        while (vcap - s->nvar < n) {
            if (vcap > SIZE_MAX / 4 / sizeof(size_t)) return too_many_terms();
            vcap *= 2;
        }
        size_t *var = realloc(s->var, vcap * sizeof *var);
        if (!var) return gf__fail(GF_ERR_NOMEM, "out of memory expanding a formula's terms");
        s->var = var;
        s->vcap = vcap;
    }
    if (n) memcpy(s->var + s->nvar, v, n * sizeof *v);
    s->off[s->n] = s->nvar;
    s->len[s->n] = n;
    s->stamp[s->n] = 0;
    s->nvar += n;
    s->table[store_slot(s, v, n)] = s->n + 1;
    *id = s->n++;
    return GF_OK;
}

static void store_free(store *s)
{
    free(s->off), free(s->len), free(s->stamp), free(s->var), free(s->table);
}

/* A fresh stamp: marks from earlier lists no longer count. */
static unsigned new_stamp(store *s)
{
    if (++s->now == 0) {
        memset(s->stamp, 0, s->n * sizeof *s->stamp);
        s->now = 1;
    }
    return s->now;
}

static gf_status ids_push(ids *l, size_t id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        size_t *v = realloc(l->id, cap * sizeof *v);
        if (!v) return gf__fail(GF_ERR_NOMEM, "out of memory expanding a formula's terms");
        l->id = v;
        l->cap = cap;
    }
    l->id[l->n++] = id;
    return GF_OK;
}

/* Append id to `out` unless this stamp has marked it already. */
static gf_status add_once(store *s, ids *out, size_t id, unsigned stamp)
{
    if (s->stamp[id] == stamp) return GF_OK;
    s->stamp[id] = stamp;
    return ids_push(out, id);
}

/* The union of two terms, interned. */
static gf_status term_union(store *s, size_t a, size_t b, size_t **buf, size_t *bufcap,
                            size_t *id)
{
    if (++s->unions > MAX_UNIONS)
        return gf__fail(GF_ERR_ARG, "its interactions are too many to expand "
                        "(more than %zu products of terms)", MAX_UNIONS);
    size_t na = s->len[a], nb = s->len[b];
    if (na + nb > *bufcap) {
        size_t *t = realloc(*buf, (na + nb) * sizeof *t);
        if (!t) return gf__fail(GF_ERR_NOMEM, "out of memory expanding a formula's terms");
        *buf = t;
        *bufcap = na + nb;
    }
    const size_t *x = s->var + s->off[a], *y = s->var + s->off[b];
    size_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        if (j == nb || (i < na && x[i] < y[j])) (*buf)[k++] = x[i++];
        else if (i == na || y[j] < x[i]) (*buf)[k++] = y[j++];
        else (*buf)[k++] = x[i++], j++;
    }
    return store_intern(s, *buf, k, id);
}

/* out = a:b, each term of a (outer) with each of b. */
static gf_status interact(store *s, const ids *a, const ids *b, ids *out)
{
    size_t *buf = NULL, cap = 0, id;
    gf_status st = GF_OK;
    unsigned stamp = new_stamp(s);
    for (size_t i = 0; i < a->n && !st; i++)
        for (size_t j = 0; j < b->n && !st; j++) {
            st = term_union(s, a->id[i], b->id[j], &buf, &cap, &id);
            if (!st) st = add_once(s, out, id, stamp);
        }
    free(buf);
    return st;
}

/* out = a followed by the terms of b not in a. */
static gf_status join(store *s, const ids *a, const ids *b, ids *out)
{
    unsigned stamp = new_stamp(s);
    gf_status st = GF_OK;
    for (size_t i = 0; i < a->n && !st; i++) st = add_once(s, out, a->id[i], stamp);
    for (size_t i = 0; i < b->n && !st; i++) st = add_once(s, out, b->id[i], stamp);
    return st;
}

/* out = the terms of a that are not terms of b. */
static gf_status without(store *s, const ids *a, const ids *b, ids *out)
{
    unsigned stamp = new_stamp(s);
    for (size_t i = 0; i < b->n; i++) s->stamp[b->id[i]] = stamp;
    gf_status st = GF_OK;
    for (size_t i = 0; i < a->n && !st; i++)
        if (s->stamp[a->id[i]] != stamp) st = ids_push(out, a->id[i]);
    return st;
}

/* ---- evaluating the right-hand side ------------------------------------- */

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

typedef struct ctx {
    const fx_formula *f;
    const gf_frame *data;      /* resolving against a frame, or ... */
    const gf_var_info *info;   /* ... against a list of variables */
    size_t ninfo;
    gf__fx_names info_names;
    gf__fx_names frame_cols;   /* the frame's column names, indexed */
    gf__var *v;                /* variables in order of appearance */
    size_t nv, vcap;
    gf__fx_names vnames;
    store st;
    int intercept, parity;     /* parity 0 on the right of a '-' */
    int has_response;          /* the response is v[0] */
    size_t response_pos;       /* where the right-hand side first names it */
} ctx;

/* to = from, leaving from empty. */
static void ids_move(ids *to, ids *from)
{
    free(to->id);
    *to = *from;
    memset(from, 0, sizeof *from);
}

/* The formula's text quoted for a message about position `pos`. */
static gf_status fail_at(const ctx *c, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static gf_status fail_at(const ctx *c, size_t pos, const char *fmt, ...)
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
        v->columns[v->ncolumns] = strdup(e->name);
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

static void var_clear(gf__var *v)
{
    free(v->name);
    gf__free_strings(v->columns, v->ncolumns);
    gf__free_strings(v->levels, v->nlevels);
    free(v->by_name);
    memset(v, 0, sizeof *v);
}

/* Intern the variable spelled by `e` (FX_NAME or FX_CALL), or, with e
 * NULL, the frame column `column` that '.' stands for. */
static gf_status intern_var(ctx *c, fx_node *e, const char *column, size_t pos, size_t *index)
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
        if (v->columns && !(v->columns[0] = strdup(!e ? column : e->kind == FX_NAME ? e->name
                                                                                : e->kid[0]->name)))
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
            s = fail_at(c, pos, "'%s' reads no column: a constant is not a variable", v->name);
    }
    if (!s) s = gf__fx_names_add(&c->vnames, v->name, index);
    if (s) {
        var_clear(v);
        return s;
    }
    c->nv++;
    return GF_OK;
}

static gf_status single_term(ctx *c, size_t var, ids *out)
{
    size_t id = 0;
    gf_status s = store_intern(&c->st, &var, 1, &id);
    return s ? s : ids_push(out, id);
}

/* '.': every frame column the response does not read. */
static gf_status expand_dot(ctx *c, const fx_node *e, ids *out)
{
    if (!c->data)
        return fail_at(c, e->pos, "'.' needs data to stand for; restoring terms from a list of "
                       "variables takes the formula with '.' expanded");
    for (size_t j = 0; j < gf_frame_cols(c->data); j++) {
        const char *col = gf_frame_name(c->data, j);
        int in_response = 0;
        if (c->has_response)
            for (size_t k = 0; k < c->v[0].ncolumns; k++)
                if (strcmp(c->v[0].columns[k], col) == 0) in_response = 1;
        if (in_response) continue;
        size_t vi;
        gf_status s = intern_var(c, NULL, col, e->pos, &vi);
        if (!s) s = single_term(c, vi, out);
        if (s) return s;
    }
    return GF_OK;
}

static gf_status eval(ctx *c, const fx_node *e, ids *out);

/* R's a ^ k: r = a, then k - 1 times r = a:r.  Once a step gives back the
 * same list, every later one would too. */
static gf_status power(ctx *c, const fx_node *e, ids *out)
{
    ids base = {0}, r = {0};
    gf_status s = eval(c, e->kid[0], &base);
    for (size_t i = 0; i < base.n && !s; i++) s = ids_push(&r, base.id[i]);
    for (unsigned long k = 1; k < e->power && !s; k++) {
        ids next = {0};
        s = interact(&c->st, &base, &r, &next);
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
static gf_status nest(ctx *c, const ids *a, const ids *b, ids *out)
{
    store *st = &c->st;
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
    ids whole = {0}, inner = {0};
    gf_status s = store_intern(st, all, u, &id);
    if (!s) s = ids_push(&whole, id);
    if (!s) s = interact(st, &whole, b, &inner);
    if (!s) s = join(st, a, &inner, out);
    free(all);
    free(whole.id);
    free(inner.id);
    return s;
}

static gf_status eval_sum(ctx *c, const fx_node *e, ids *out)
{
    ids acc = {0};
    gf_status s = GF_OK;
    for (size_t i = 0; i < e->nkids && !s; i++) {
        ids part = {0}, next = {0};
        int minus = e->op[i] == '-';
        if (minus) c->parity = !c->parity;
        s = eval(c, e->kid[i], &part);
        if (minus) c->parity = !c->parity;
        if (!s) s = minus ? without(&c->st, &acc, &part, &next) : join(&c->st, &acc, &part, &next);
        if (!s) ids_move(&acc, &next);
        free(part.id);
        free(next.id);
    }
    if (!s) ids_move(out, &acc);
    free(acc.id);
    return s;
}

/* kid[0] op kid[1] op ...: ':' products, '*' crossings, '/' nestings. */
static gf_status eval_product(ctx *c, const fx_node *e, ids *out)
{
    ids acc = {0};
    gf_status s = eval(c, e->kid[0], &acc);
    for (size_t i = 1; i < e->nkids && !s; i++) {
        ids right = {0}, next = {0}, inter = {0}, both = {0};
        s = eval(c, e->kid[i], &right);
        if (!s && e->kind == FF_COLON) s = interact(&c->st, &acc, &right, &next);
        else if (!s && e->op[i] == '/') s = nest(c, &acc, &right, &next);
        else if (!s) {
            s = interact(&c->st, &acc, &right, &inter);
            if (!s) s = join(&c->st, &acc, &right, &both);
            if (!s) s = join(&c->st, &both, &inter, &next);
        }
        if (!s) ids_move(&acc, &next);
        free(right.id), free(next.id), free(inter.id), free(both.id);
    }
    if (!s) ids_move(out, &acc);
    free(acc.id);
    return s;
}

static gf_status eval(ctx *c, const fx_node *e, ids *out)
{
    size_t vi;
    gf_status s;
    switch (e->kind) {
    case FF_VAR:
        s = intern_var(c, e->kid[0], NULL, e->pos, &vi);
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
static gf_status index_levels(const ctx *c, gf__var *v)
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
            s = fail_at(c, v->pos, "variable '%s' has the level '%s' twice", v->name, tmp[k].name);
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
        if (!(v->levels[k] = strdup(levels[k])))
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
static gf_status resolve_from_frame(ctx *c, gf__var *v, int full)
{
    const gf_frame *f = c->data;
    for (size_t k = 0; k < v->ncolumns; k++) {
        long j = gf__fx_names_find(&c->frame_cols, v->columns[k]);
        size_t pos = v->kind == GF__VAR_EXPR ? name_pos(v->expr, v->columns[k]) : v->pos;
        if (j < 0) {
            char cols[256];
            list_columns(f, cols, sizeof cols);
            return fail_at(c, pos, "unknown column '%s' (the data's columns are: %s)",
                           v->columns[k], cols);
        }
        if (v->kind == GF__VAR_EXPR && gf_frame_type(f, (size_t)j) == GF_COL_FACTOR)
            return fail_at(c, pos, "column '%s' is a factor, but %s needs numbers (a "
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

static gf_status resolve_from_info(ctx *c, gf__var *v, int full)
{
    long i = gf__fx_names_find(&c->info_names, v->name);
    if (i < 0)
        return fail_at(c, v->pos, "variable '%s' is not among the %zu variables given", v->name,
                       c->ninfo);
    if (!full) return GF_OK;
    const gf_var_info *in = &c->info[i];
    if (v->kind == GF__VAR_FACTOR && in->type != GF_COL_FACTOR)
        return fail_at(c, v->pos, "variable '%s' is described as numeric, but factor() makes a "
                       "factor", v->name);
    if (v->kind == GF__VAR_EXPR && in->type != GF_COL_NUMERIC)
        return fail_at(c, v->pos, "variable '%s' is described as a factor, but it is arithmetic "
                       "on numbers", v->name);
    v->type = in->type;
    return in->type == GF_COL_FACTOR ? copy_levels(v, in->levels, in->nlevels) : GF_OK;
}

/* The variable list given to gf_terms_from_vars, checked and indexed. */
static gf_status check_info(ctx *c)
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

/* ---- ordering, coding and naming ---------------------------------------- */

typedef struct sort_item {
    size_t order, seq, id;
} sort_item;

static int cmp_items(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}


/* Is a[0..na) (sorted) contained in b[0..nb) (sorted)? */
static int subset(const size_t *a, size_t na, const size_t *b, size_t nb)
{
    size_t j = 0;
    for (size_t i = 0; i < na; i++) {
        while (j < nb && b[j] < a[i]) j++;
        if (j == nb || b[j] != a[i]) return 0;
        j++;
    }
    return 1;
}

/* Subset tests allowed while coding, against formulas built to be slow. */
#define MAX_SUBSET_TESTS ((size_t)1 << 26)

/* R's TermCode: factor `pick` of term ti is coded by contrasts (1) if the
 * term without it is empty or contained in an earlier term, else by
 * indicators (2).  first[v] is the first term holding variable v: a term
 * holding all of the rest comes no earlier than the latest of those. */
static int term_code(const gf_terms *t, size_t ti, size_t pick, const size_t *first, size_t *buf,
                     size_t *tests)
{
    const gf__term *term = &t->terms[ti];
    size_t m = 0, from = 0;
    for (size_t q = 0; q < term->order; q++)
        if (q != pick) {
            buf[m++] = term->var[q];
            if (first[term->var[q]] > from) from = first[term->var[q]];
        }
    if (m == 0) return 1;
    if (m == 1) return first[buf[0]] < ti ? 1 : 2;
    for (size_t e = from; e < ti; e++) {
        if (++*tests > MAX_SUBSET_TESTS) return -1;
        if (t->terms[e].order >= m && subset(buf, m, t->terms[e].var, t->terms[e].order)) return 1;
    }
    return 2;
}

static gf_status code_terms(gf_terms *t)
{
    size_t maxorder = 0, tests = 0;
    for (size_t ti = 0; ti < t->nterms; ti++)
        if (t->terms[ti].order > maxorder) maxorder = t->terms[ti].order;
    size_t *buf = gf__malloc((maxorder ? maxorder : 1) * sizeof *buf, "coding a formula's terms");
    size_t *first = buf ? gf__malloc((t->nvars ? t->nvars : 1) * sizeof *first, "coding terms")
                        : NULL;
    if (!first) {
        free(buf);
        return GF_ERR_NOMEM;
    }
    for (size_t v = 0; v < t->nvars; v++) first[v] = SIZE_MAX;
    for (size_t ti = t->nterms; ti-- > 0;)
        for (size_t q = 0; q < t->terms[ti].order; q++) first[t->terms[ti].var[q]] = ti;
    int code = 0;
    for (size_t ti = 0; ti < t->nterms && code >= 0; ti++) {
        gf__term *term = &t->terms[ti];
        for (size_t q = 0; q < term->order && code >= 0; q++) {
            code = t->vars[term->var[q]].type == GF_COL_FACTOR
                       ? term_code(t, ti, q, first, buf, &tests)
                       : 0;
            term->coding[q] = code;
        }
    }
    free(buf);
    free(first);
    if (code < 0)
        return gf__fail(GF_ERR_ARG, "formula '%s': its interactions of factors are too many to "
                        "code (more than %zu comparisons of terms)", t->formula, MAX_SUBSET_TESTS);
    /* No intercept: the first factor met takes all its levels (modelmatrix). */
    for (size_t ti = 0; !t->intercept && ti < t->nterms; ti++) {
        gf__term *term = &t->terms[ti];
        size_t q = 0;
        while (q < term->order && term->coding[q] == 0) q++;
        if (q < term->order) {
            term->coding[q] = 2;
            break;
        }
    }
    return GF_OK;
}

/* Each term's columns and their names: the first variable varies fastest,
 * a factor contributes its name followed by the level. */
static gf_status name_columns(gf_terms *t)
{
    size_t total = 0, bytes = 0;
    for (size_t ti = 0; ti < t->nterms; ti++) {
        gf__term *term = &t->terms[ti];
        size_t n = 1, len = 0;
        for (size_t q = 0; q < term->order; q++) {
            const gf__var *v = &t->vars[term->var[q]];
            size_t k = term->coding[q] == 1 ? v->nlevels - 1 : term->coding[q] == 2 ? v->nlevels : 1;
            size_t longest = 0;
            for (size_t l = 0; term->coding[q] && l < v->nlevels; l++)
                if (strlen(v->levels[l]) > longest) longest = strlen(v->levels[l]);
            len += strlen(v->name) + longest + 1;
            if (k && n > MAX_COLS / k) n = MAX_COLS + 1;
            else n *= k;
        }
        if (n > MAX_COLS || total + n > MAX_COLS)
            return gf__fail(GF_ERR_ARG, "formula '%s': the design would have more than %zu "
                            "columns", t->formula, MAX_COLS);
        if (len && n > MAX_NAME_BYTES / len) bytes = MAX_NAME_BYTES + 1;
        else bytes += n * len;
        if (bytes > MAX_NAME_BYTES)
            return gf__fail(GF_ERR_ARG, "formula '%s': the design's column names would take "
                            "more than %zu bytes", t->formula, MAX_NAME_BYTES);
        term->col0 = total;
        term->ncols = n;
        total += n;
    }
    t->ncols = total;
    t->colnames = gf__calloc(total, sizeof *t->colnames, "the design's column names");
    size_t maxorder = 1;
    for (size_t ti = 0; ti < t->nterms; ti++)
        if (t->terms[ti].order > maxorder) maxorder = t->terms[ti].order;
    size_t *digits = t->colnames ? gf__malloc(maxorder * sizeof *digits, "naming columns") : NULL;
    if (!digits) return GF_ERR_NOMEM;
    for (size_t ti = 0; ti < t->nterms; ti++) {
        const gf__term *term = &t->terms[ti];
        for (size_t col = 0; col < term->ncols; col++) {
            size_t rest = col, len = 0;
            for (size_t q = 0; q < term->order; q++) {
                const gf__var *v = &t->vars[term->var[q]];
                size_t k = term->coding[q] == 1 ? v->nlevels - 1 : term->coding[q] == 2 ? v->nlevels : 1;
                digits[q] = rest % k;
                rest /= k;
                len += strlen(v->name) + 1;
                if (term->coding[q])
                    len += strlen(v->levels[digits[q] + (term->coding[q] == 1)]);
            }
            char *name = gf__malloc(len + 1, "a column name");
            if (!name) {
                free(digits);
                return GF_ERR_NOMEM;
            }
            size_t o = 0;
            for (size_t q = 0; q < term->order; q++) {
                const gf__var *v = &t->vars[term->var[q]];
                if (q) name[o++] = ':';
                size_t n = strlen(v->name);
                memcpy(name + o, v->name, n);
                o += n;
                if (term->coding[q]) {
                    const char *lv = v->levels[digits[q] + (term->coding[q] == 1)];
                    n = strlen(lv);
                    memcpy(name + o, lv, n);
                    o += n;
                }
            }
            name[o] = '\0';
            t->colnames[term->col0 + col] = name;
        }
    }
    free(digits);
    return GF_OK;
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
static gf_status finish(ctx *c, const ids *list, gf_terms *t)
{
    store *st = &c->st;
    size_t nv = c->nv;
    unsigned char *used = gf__calloc(nv ? nv : 1, 1, "a formula's variables");
    size_t *newidx = used ? gf__malloc((nv ? nv : 1) * sizeof *newidx, "a formula's variables") : NULL;
    size_t nitems = list->n > nv ? list->n : nv;
    sort_item *items = newidx ? gf__malloc((nitems ? nitems : 1) * sizeof *items, "sorting terms")
                              : NULL;
    gf_status s = items ? GF_OK : GF_ERR_NOMEM;
    if (c->has_response) used[0] = 1;
    for (size_t i = 0; i < list->n && !s; i++)
        for (size_t q = 0; q < st->len[list->id[i]]; q++) used[st->var[st->off[list->id[i]] + q]] = 1;
    /* resolve every variable: the used ones fully, the rest (only in
     * removed terms) just checked to exist */
    for (size_t i = 0; i < nv && !s; i++)
        s = c->data ? resolve_from_frame(c, &c->v[i], used[i]) : resolve_from_info(c, &c->v[i], used[i]);
    for (size_t i = 0; i < nv && !s; i++) {
        gf__var *v = &c->v[i];
        if (!used[i] || v->type != GF_COL_FACTOR) continue;
        int is_response = c->has_response && i == 0;
        if (!is_response && v->nlevels < 2)
            s = fail_at(c, v->pos, "factor '%s' has %zu level%s; a factor in a model needs at "
                        "least 2", v->name, v->nlevels, v->nlevels == 1 ? "" : "s");
        else if (is_response && v->nlevels < 1)
            s = fail_at(c, v->pos, "the response '%s' is a factor without levels", v->name);
        if (!s) s = index_levels(c, v);
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
    if (!s) s = code_terms(t);
    if (!s) s = name_columns(t);
done:
    free(used), free(newidx), free(items);
    return s;
}

/* ---- building terms ----------------------------------------------------- */

static void free_ctx(ctx *c)
{
    for (size_t i = 0; i < c->nv; i++) var_clear(&c->v[i]);
    free(c->v);
    gf__fx_names_free(&c->vnames);
    gf__fx_names_free(&c->info_names);
    gf__fx_names_free(&c->frame_cols);
    store_free(&c->st);
}

static gf_status build(const char *formula, const gf_frame *data, const gf_var_info *info,
                       size_t ninfo, gf_terms **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "terms: the output pointer is NULL");
    *out = NULL;
    fx_formula *f;
    gf_status s = gf__fx_parse(formula, &f);
    if (s) return s;
    ctx c = {.f = f, .data = data, .info = info, .ninfo = ninfo, .intercept = 1, .parity = 1};
    gf_terms *t = gf__calloc(1, sizeof *t, "a formula's terms");
    ids list = {0};
    if (!t) s = GF_ERR_NOMEM;
    if (!s && !data) s = check_info(&c);
    for (size_t j = 0; !s && data && j < gf_frame_cols(data); j++) {
        size_t at;
        s = gf__fx_names_add(&c.frame_cols, gf_frame_name(data, j), &at);
    }
    if (!s && f->lhs) {
        size_t vi;
        c.has_response = 1;
        s = intern_var(&c, f->lhs, NULL, f->lhs->pos, &vi);
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
            s = fail_at(&c, c.response_pos, "the response '%s' is also a term on the right-hand side",
                        c.v[0].name);
    if (!s) {
        t->parsed = f;
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
    return build(formula, data, NULL, 0, out);
}

gf_status gf_terms_from_vars(const char *formula, const gf_var_info *vars, size_t nvars,
                             gf_terms **out)
{
    return build(formula, NULL, vars, nvars, out);
}

void gf_terms_free(gf_terms *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->nvars; i++) var_clear(&t->vars[i]);
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
