/* Interning for the term algebra (terms_internal.h): strings to indices
 * (formula_ast.h), and sets of variables to term ids.  Terms are interned
 * in one store, so a list is a vector of ids and "already there" is a
 * stamp per id. */
#include "data/terms_internal.h"
#include "core/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Limits against formulas that would expand into more than any model can
 * use: distinct terms, and steps taken while expanding (each product of
 * two terms, and each term a '+' or '-' goes through, is a step). */
#define MAX_TERMS ((size_t)1 << 14)
#define MAX_STEPS ((size_t)1 << 19)

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

static size_t hash_set(const size_t *v, size_t n)
{
    uint64_t h = 1469598103934665603u ^ n;
    for (size_t i = 0; i < n; i++) h = (h ^ v[i]) * 1099511628211u;
    return (size_t)(h ^ (h >> 29));
}

static size_t store_slot(const term_store *s, const size_t *v, size_t n)
{
    size_t i = hash_set(v, n) & (s->tcap - 1);
    for (; s->table[i]; i = (i + 1) & (s->tcap - 1)) {
        size_t id = s->table[i] - 1;
        if (s->len[id] == n && (n == 0 || memcmp(s->var + s->off[id], v, n * sizeof *v) == 0))
            break;
    }
    return i;
}

/* Every bit of x moves every bit of the hash (MurmurHash3's finaliser):
 * the sets of a formula with many variables differ only in high bits,
 * which a plain multiplicative hash leaves out of the low bits a table
 * uses, so lookups collided into long probes (found by fuzzing). */
static size_t hash64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdu;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53u;
    x ^= x >> 33;
    return (size_t)x;
}

/* Narrow terms by their 64-bit set: where m is, or the empty slot where it
 * would go. */
static size_t mask_slot(const term_store *s, uint64_t m)
{
    size_t i = hash64(m) & (s->tcap - 1);
    while (s->mtable[i] && s->mask[s->mtable[i] - 1] != m) i = (i + 1) & (s->tcap - 1);
    return i;
}

/* Whether the sorted set v[0..n) has only variables below 64, and if so
 * its bits. */
static int narrow_mask(const size_t *v, size_t n, uint64_t *mask)
{
    *mask = 0;
    if (n && v[n - 1] >= 64) return 0;
    for (size_t i = 0; i < n; i++) *mask |= (uint64_t)1 << v[i];
    return 1;
}

static int is_narrow(const term_store *s, size_t id)
{
    return s->len[id] == 0 || s->var[s->off[id] + s->len[id] - 1] < 64;
}

/* Two zeroed tables of n slots, both or neither. */
static gf_status new_tables(size_t n, size_t **a, size_t **b)
{
    *a = gf__calloc(n, sizeof **a, "a formula's terms");
    *b = *a ? gf__calloc(n, sizeof **b, "a formula's terms") : NULL;
    if (*b) return GF_OK;
    free(*a);
    return GF_ERR_NOMEM;
}

static gf_status too_many_terms(void)
{
    return gf__fail(GF_ERR_ARG, "it expands to more than %zu distinct terms", MAX_TERMS);
}

static gf_status store_grow(term_store *s)
{
    if (s->n == s->cap) {
        if (s->cap >= MAX_TERMS) return too_many_terms();
        size_t cap = s->cap ? 2 * s->cap : 64;
        size_t *off = realloc(s->off, cap * sizeof *off);
        if (off) s->off = off;
        size_t *len = off ? realloc(s->len, cap * sizeof *len) : NULL;
        if (len) s->len = len;
        unsigned *stamp = len ? realloc(s->stamp, cap * sizeof *stamp) : NULL;
        if (stamp) s->stamp = stamp;
        uint64_t *mask = stamp ? realloc(s->mask, cap * sizeof *mask) : NULL;
        if (!mask) return gf__fail(GF_ERR_NOMEM, "out of memory expanding a formula's terms");
        s->mask = mask;
        s->cap = cap;
    }
    if (2 * (s->n + 1) > s->tcap) {
        size_t tcap = s->tcap ? 2 * s->tcap : 128, *table, *mtable;
        if (new_tables(tcap, &table, &mtable)) return GF_ERR_NOMEM;
        free(s->table), free(s->mtable);
        s->table = table;
        s->mtable = mtable;
        s->tcap = tcap;
        for (size_t id = 0; id < s->n; id++) {
            if (is_narrow(s, id)) s->mtable[mask_slot(s, s->mask[id])] = id + 1;
            else s->table[store_slot(s, s->var + s->off[id], s->len[id])] = id + 1;
        }
    }
    return GF_OK;
}

/* The id of the set v[0..n) (sorted), adding it if new. */
gf_status gf__store_intern(term_store *s, const size_t *v, size_t n, size_t *id)
{
    uint64_t mask;
    int narrow = narrow_mask(v, n, &mask);
    if (s->tcap) {
        size_t found = narrow ? s->mtable[mask_slot(s, mask)] : s->table[store_slot(s, v, n)];
        if (found) {
            *id = found - 1;
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
    s->mask[s->n] = mask;
    if (narrow) s->mtable[mask_slot(s, mask)] = s->n + 1;
    else s->table[store_slot(s, v, n)] = s->n + 1;
    *id = s->n++;
    return GF_OK;
}

void gf__store_free(term_store *s)
{
    free(s->off), free(s->len), free(s->stamp), free(s->mask), free(s->var);
    free(s->table), free(s->mtable);
}

/* A fresh stamp: marks from earlier lists no longer count. */
static unsigned new_stamp(term_store *s)
{
    if (++s->now == 0) {
        memset(s->stamp, 0, s->n * sizeof *s->stamp);
        s->now = 1;
    }
    return s->now;
}

gf_status gf__ids_push(term_ids *l, size_t id)
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
static gf_status add_once(term_store *s, term_ids *out, size_t id, unsigned stamp)
{
    if (s->stamp[id] == stamp) return GF_OK;
    s->stamp[id] = stamp;
    return gf__ids_push(out, id);
}

/* Count n more steps against MAX_STEPS. */
static gf_status take_steps(term_store *s, size_t n)
{
    if (n <= MAX_STEPS - s->steps) {
        s->steps += n;
        return GF_OK;
    }
    return gf__fail(GF_ERR_ARG, "it takes more than %zu steps to expand (products of terms, "
                    "and terms that '+' and '-' go through)", MAX_STEPS);
}

/* The id of the narrow set with bits m: found by them, or interned. */
static gf_status narrow_id(term_store *s, uint64_t m, size_t *id)
{
    size_t slot = mask_slot(s, m);
    if (s->mtable[slot]) {
        *id = s->mtable[slot] - 1;
        return GF_OK;
    }
    size_t v[64], n = 0;
    for (; m; m &= m - 1) v[n++] = (size_t)__builtin_ctzll(m);
    return gf__store_intern(s, v, n, id);
}

/* The union of two terms, interned. */
static gf_status term_union(term_store *s, size_t a, size_t b, size_t **buf, size_t *bufcap,
                            size_t *id)
{
    if (is_narrow(s, a) && is_narrow(s, b)) return narrow_id(s, s->mask[a] | s->mask[b], id);
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
    return gf__store_intern(s, *buf, k, id);
}

static int all_narrow(const term_store *s, const term_ids *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (!is_narrow(s, l->id[i])) return 0;
    return 1;
}

/* out = a:b, each term of a (outer) with each of b. */
gf_status gf__store_interact(term_store *s, const term_ids *a, const term_ids *b, term_ids *out)
{
    /* every product is a step: refuse before computing any */
    gf_status st = take_steps(s, a->n * b->n);
    if (st) return st;
    unsigned stamp = new_stamp(s);
    if (all_narrow(s, a) && all_narrow(s, b)) {
        /* nearly always, and the inner loop of a^k: kept to an OR and a lookup */
        for (size_t i = 0; i < a->n && !st; i++) {
            uint64_t ma = s->mask[a->id[i]];
            for (size_t j = 0; j < b->n && !st; j++) {
                size_t id;
                st = narrow_id(s, ma | s->mask[b->id[j]], &id);
                if (!st) st = add_once(s, out, id, stamp);
            }
        }
        return st;
    }
    size_t *buf = NULL, cap = 0, id;
    for (size_t i = 0; i < a->n && !st; i++)
        for (size_t j = 0; j < b->n && !st; j++) {
            st = term_union(s, a->id[i], b->id[j], &buf, &cap, &id);
            if (!st) st = add_once(s, out, id, stamp);
        }
    free(buf);
    return st;
}

/* out = a followed by the terms of b not in a. */
gf_status gf__store_join(term_store *s, const term_ids *a, const term_ids *b, term_ids *out)
{
    unsigned stamp = new_stamp(s);
    gf_status st = take_steps(s, a->n + b->n);
    for (size_t i = 0; i < a->n && !st; i++) st = add_once(s, out, a->id[i], stamp);
    for (size_t i = 0; i < b->n && !st; i++) st = add_once(s, out, b->id[i], stamp);
    return st;
}

/* ---- a sum's terms, added and removed one part at a time --------------- */

#define REMOVED SIZE_MAX /* a list entry whose term a '-' took out */

/* The slot of term `id`: where it is, or the empty one where it would go. */
static size_t acc_slot(const term_acc *a, size_t id)
{
    size_t i = hash64(id) & (a->cap - 1);
    while (a->at[i] && a->key[i] != id) i = (i + 1) & (a->cap - 1);
    return i;
}

/* Whether the term in slot i is in the sum now (its entry not removed). */
static int acc_has(const term_acc *a, size_t i)
{
    return a->at[i] && a->list.id[a->at[i] - 1] == a->key[i];
}

static gf_status acc_grow(term_acc *a)
{
    size_t cap = a->cap ? 2 * a->cap : 64, *key, *at;
    if (new_tables(cap, &key, &at)) return GF_ERR_NOMEM;
    term_acc bigger = { .list = a->list, .key = key, .at = at, .cap = cap, .used = a->used };
    for (size_t i = 0; i < a->cap; i++)
        if (a->at[i]) {
            size_t j = acc_slot(&bigger, a->key[i]);
            key[j] = a->key[i];
            at[j] = a->at[i];
        }
    free(a->key), free(a->at);
    *a = bigger;
    return GF_OK;
}

gf_status gf__acc_add(term_store *s, term_acc *a, const term_ids *part)
{
    gf_status st = take_steps(s, part->n);
    for (size_t k = 0; k < part->n && !st; k++) {
        size_t id = part->id[k], i = a->cap ? acc_slot(a, id) : 0;
        if (a->cap && acc_has(a, i)) continue;
        if (!a->cap || (!a->at[i] && 2 * (a->used + 1) > a->cap)) {
            if ((st = acc_grow(a))) break;
            i = acc_slot(a, id);
        }
        if ((st = gf__ids_push(&a->list, id))) break;
        if (!a->at[i]) a->used++;
        a->key[i] = id;
        a->at[i] = a->list.n; /* a term taken out and added again goes to the end */
    }
    return st;
}

gf_status gf__acc_remove(term_store *s, term_acc *a, const term_ids *part)
{
    gf_status st = take_steps(s, part->n);
    for (size_t k = 0; k < part->n && !st && a->cap; k++) {
        size_t i = acc_slot(a, part->id[k]);
        if (acc_has(a, i)) a->list.id[a->at[i] - 1] = REMOVED;
    }
    return st;
}

gf_status gf__acc_finish(const term_acc *a, term_ids *out)
{
    gf_status st = GF_OK;
    for (size_t k = 0; k < a->list.n && !st; k++)
        if (a->list.id[k] != REMOVED) st = gf__ids_push(out, a->list.id[k]);
    return st;
}

void gf__acc_free(term_acc *a)
{
    free(a->list.id), free(a->key), free(a->at);
    memset(a, 0, sizeof *a);
}
