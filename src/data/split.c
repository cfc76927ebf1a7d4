/* Seeded training / validation / test splits, plain or stratified.
 *
 * Plain: shuffle 0..n-1 and cut it into N_test = floor(test n) and
 * N_valid = floor(valid n) rows, the training set taking the rest.
 *
 * Stratified: the sets have the same sizes N_s, and class c (m_c rows)
 * should give set s its proportional share e_cs = m_c N_s / n rows, which
 * is seldom a whole number.  Every class gives floor(e_cs) or ceil(e_cs),
 * while each class still gives out exactly its m_c rows and each set still
 * gets exactly N_s: a "controlled rounding" of the class-by-set table.  One
 * always exists (the table of exact shares lies in a transportation
 * polytope whose vertices are integral), and with three sets it is found by
 * a max-flow over a handful of nodes, whatever the number of classes (see
 * round_up_classes).  Each class's rows are shuffled on their own and cut,
 * then each set is shuffled again so its classes are mixed.
 *
 * Memory grows with n only: the classes are found by sorting the labels,
 * never by an array indexed by class, so a huge class count costs nothing. */
#include "grafo/transform.h"
#include "core/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void gf_split_free(gf_split *s)
{
    if (!s) return;
    free(s->train); /* one block holds all three sets */
    free(s);
}

/* Fisher–Yates over size_t, drawing as gf_rng_shuffle does. */
static void shuffle(gf_rng *r, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gf_rng_below(r, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* floor(f n) for f in [0, 1), never above n even when f n rounds up. */
static size_t share_floor(double f, size_t n)
{
    double v = floor(f * (double)n);
    return v >= (double)n ? n : (size_t)v;
}

static gf_status check_opts(size_t n, const gf_split_opts *o)
{
    if (!(o->valid >= 0 && o->valid < 1)) /* written so NaN fails too */
        return gf__fail(GF_ERR_ARG, "split: the validation fraction is %g; it must be in [0, 1)",
                        o->valid);
    if (!(o->test >= 0 && o->test < 1))
        return gf__fail(GF_ERR_ARG, "split: the test fraction is %g; it must be in [0, 1)",
                        o->test);
    if (!(o->valid + o->test < 1))
        return gf__fail(GF_ERR_ARG, "split: the validation and test fractions (%g + %g) add up "
                        "to 1 or more, leaving nothing to train on", o->valid, o->test);
    if (n == 0) return gf__fail(GF_ERR_ARG, "split: no rows (n is 0) to split");
    if (n > SIZE_MAX / (2 * sizeof(size_t)))
        return gf__fail(GF_ERR_ARG, "split: %zu rows do not fit in memory", n);
    if (o->label) {
        if (o->nclasses == 0)
            return gf__fail(GF_ERR_ARG, "split: labels to stratify by, but nclasses is 0");
        for (size_t i = 0; i < n; i++)
            if (o->label[i] < 0 || (uint64_t)o->label[i] >= (uint64_t)o->nclasses)
                return gf__fail(GF_ERR_ARG, "split: the label at row %zu (label[%zu]) is %d; a "
                                "label must be a class in [0, %zu)", i + 1, i,
                                (int)o->label[i], o->nclasses);
    }
    return GF_OK;
}

/* ---- stratified ------------------------------------------------------- */

enum { TRAIN, VALID, TEST, NSETS };

typedef struct keyed {
    int32_t label;
    size_t row;
} keyed;

static int by_label_then_row(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->label != y->label) return x->label < y->label ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* One class: its rows are order[start .. start + size). */
typedef struct group {
    size_t start, size;
    size_t take[NSETS];  /* rows it gives each set */
    unsigned up;         /* bit s: e_cs is not whole, so it may round up */
    size_t extra;        /* rows still to round up: size - sum floor(e_cs) */
} group;

/* q = a b / n and *r = a b mod n, exactly, for a, b <= n < 2^63, without
 * a 128-bit type: schoolbook binary multiplication kept reduced mod n. */
static size_t muldiv(size_t a, size_t b, size_t n, size_t *r)
{
    size_t q = 0, rem = 0;
    for (int bit = 63; bit >= 0; bit--) {
        q <<= 1, rem <<= 1; /* rem < n < 2^63: no overflow */
        if (rem >= n) rem -= n, q++;
        if ((uint64_t)b >> bit & 1) {
            rem += a;
            while (rem >= n) rem -= n, q++;
        }
    }
    *r = rem;
    return q;
}

/* Classes that round up differ only in how many rows they still owe (1 or
 * 2: the fractional parts of a class's three shares add up to a whole
 * number below 3) and which sets they may round up in.  Three fractions
 * summing to 2 are all positive, so there are five kinds. */
enum { KIND_TV, KIND_TT, KIND_VT, KIND_ANY1, KIND_ANY2, NKINDS };
static const unsigned kind_sets[NKINDS] = {
    1u << TRAIN | 1u << VALID, 1u << TRAIN | 1u << TEST, 1u << VALID | 1u << TEST, 7u, 7u};

static int kind_of(const group *g)
{
    if (g->extra == 2) return KIND_ANY2;
    switch (g->up) {
    case 1u << TRAIN | 1u << VALID: return KIND_TV;
    case 1u << TRAIN | 1u << TEST: return KIND_TT;
    case 1u << VALID | 1u << TEST: return KIND_VT;
    default: return KIND_ANY1;
    }
}

/* Decide which classes round up in which set: a max-flow (Edmonds–Karp)
 * from a source through the five kinds (supplying count x rows owed) to the
 * three sets (each taking what its size still lacks), a kind passing at
 * most `count` rows to any one set, since a class rounds up at most once
 * per set.  The network has ten nodes, so this costs nothing; the flow
 * from each kind to each set is then dealt out to that kind's classes. */
enum { SRC = 0, KIND0 = 1, SET0 = KIND0 + NKINDS, SNK = SET0 + NSETS, NNODES };

static gf_status round_up_classes(group *g, size_t k, const size_t lack[NSETS])
{
    size_t cap[NNODES][NNODES] = {{0}}, count[NKINDS] = {0}, owed = 0, sent = 0;
    for (size_t c = 0; c < k; c++)
        if (g[c].extra) count[kind_of(&g[c])]++, owed += g[c].extra;
    for (int t = 0; t < NKINDS; t++) {
        cap[SRC][KIND0 + t] = count[t] * (t == KIND_ANY2 ? 2 : 1);
        for (int s = 0; s < NSETS; s++)
            if (kind_sets[t] >> s & 1) cap[KIND0 + t][SET0 + s] = count[t];
    }
    for (int s = 0; s < NSETS; s++) cap[SET0 + s][SNK] = lack[s];
    size_t res[NNODES][NNODES];
    memcpy(res, cap, sizeof res);
    for (;;) {
        int prev[NNODES], queue[NNODES], head = 0, tail = 0;
        for (int v = 0; v < NNODES; v++) prev[v] = -1;
        prev[SRC] = SRC;
        queue[tail++] = SRC;
        while (head < tail && prev[SNK] < 0) {
            int u = queue[head++];
            for (int v = 0; v < NNODES; v++)
                if (prev[v] < 0 && res[u][v] > 0) prev[v] = u, queue[tail++] = v;
        }
        if (prev[SNK] < 0) break;
        size_t push = SIZE_MAX;
        for (int v = SNK; v != SRC; v = prev[v])
            if (res[prev[v]][v] < push) push = res[prev[v]][v];
        for (int v = SNK; v != SRC; v = prev[v]) res[prev[v]][v] -= push, res[v][prev[v]] += push;
        sent += push;
    }
    if (sent != owed) /* impossible by the integrality argument above */
        return gf__fail(GF_ERR_STATE, "split: internal error: stratifying found %zu of %zu "
                        "rows to round", sent, owed);
    /* flow[t][s] rows of kind t round up in set s. */
    size_t flow[NKINDS][NSETS];
    for (int t = 0; t < NKINDS; t++)
        for (int s = 0; s < NSETS; s++)
            flow[t][s] = cap[KIND0 + t][SET0 + s] - res[KIND0 + t][SET0 + s];
    /* A class owing two rows rounds up in every set but one; count how
     * many classes skip each set. */
    for (int s = 0; s < NSETS; s++) flow[KIND_ANY2][s] = count[KIND_ANY2] - flow[KIND_ANY2][s];
    for (size_t c = 0; c < k; c++) {
        if (!g[c].extra) continue;
        int t = kind_of(&g[c]), s = 0;
        while (s < NSETS && !((kind_sets[t] >> s & 1) && flow[t][s] > 0)) s++;
        flow[t][s]--; /* s < NSETS: the flows of kind t add up to its count */
        if (t == KIND_ANY2) {
            for (int o = 0; o < NSETS; o++) g[c].take[o] += o != s;
        } else {
            g[c].take[s]++;
        }
    }
    return GF_OK;
}

/* Stratify: group the rows by class, shuffle each class, share the sets'
 * sizes out, and lay the rows out into dst as train | valid | test. */
static gf_status stratify(size_t n, const int32_t *label, gf_rng *rng, const size_t sizes[NSETS],
                          size_t *dst)
{
    keyed *kv = gf__malloc(n * sizeof *kv, "a stratified split's labels");
    if (!kv) return GF_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) kv[i] = (keyed){label[i], i};
    qsort(kv, n, sizeof *kv, by_label_then_row);
    size_t k = 1;
    for (size_t i = 1; i < n; i++) k += kv[i].label != kv[i - 1].label;
    group *g = gf__calloc(k, sizeof *g, "a stratified split's classes");
    size_t *order = g ? gf__malloc(n * sizeof *order, "a stratified split's order") : NULL;
    if (!order) {
        free(g);
        free(kv);
        return GF_ERR_NOMEM;
    }
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && kv[i].label != kv[i - 1].label) g[++c].start = i;
        g[c].size++;
        order[i] = kv[i].row;
    }
    free(kv);
    for (c = 0; c < k; c++) shuffle(rng, order + g[c].start, g[c].size);

    /* Floors of the exact shares, in integers so the fractions are exact. */
    size_t lack[NSETS];
    memcpy(lack, sizes, sizeof lack);
    for (c = 0; c < k; c++) {
        size_t given = 0;
        for (int s = 0; s < NSETS; s++) {
            size_t rem;
            g[c].take[s] = muldiv(g[c].size, sizes[s], n, &rem);
            g[c].up |= (rem > 0) << s;
            given += g[c].take[s];
            lack[s] -= g[c].take[s];
        }
        g[c].extra = g[c].size - given;
    }
    gf_status st = round_up_classes(g, k, lack);
    if (st == GF_OK) {
        /* Each class's shuffled run goes test | valid | train. */
        size_t *out[NSETS] = {dst, dst + sizes[TRAIN], dst + sizes[TRAIN] + sizes[VALID]};
        for (c = 0; c < k; c++) {
            const size_t *rows = order + g[c].start;
            for (int s = NSETS - 1; s >= 0; s--) {
                memcpy(out[s], rows, g[c].take[s] * sizeof *rows);
                out[s] += g[c].take[s];
                rows += g[c].take[s];
            }
        }
        /* Mix the classes within each set. */
        shuffle(rng, dst, sizes[TRAIN]);
        shuffle(rng, dst + sizes[TRAIN], sizes[VALID]);
        shuffle(rng, dst + sizes[TRAIN] + sizes[VALID], sizes[TEST]);
    }
    free(order);
    free(g);
    return st;
}

/* ---- the entry point ---------------------------------------------------- */

gf_status gf_split_new(size_t n, const gf_split_opts *opts, gf_split **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "split: out is NULL");
    *out = NULL;
    const gf_split_opts o = opts ? *opts : GF_SPLIT_OPTS_DEFAULT;
    gf_status st = check_opts(n, &o);
    if (st) return st;

    /* The sets' sizes; valid + test < 1 leaves at least one training row
     * in exact arithmetic, checked anyway as the products were rounded. */
    size_t sizes[NSETS];
    sizes[VALID] = share_floor(o.valid, n);
    sizes[TEST] = share_floor(o.test, n);
    if (sizes[VALID] + sizes[TEST] >= n)
        return gf__fail(GF_ERR_ARG, "split: with %zu rows, fractions %g (validation) and %g "
                        "(test) leave no row to train on", n, o.valid, o.test);
    sizes[TRAIN] = n - sizes[VALID] - sizes[TEST];

    gf_rng rng;
    gf_rng_seed(&rng, o.seed);
    size_t *rows = gf__malloc(n * sizeof *rows, "a split's rows");
    if (!rows) return GF_ERR_NOMEM;
    if (o.label) {
        st = stratify(n, o.label, &rng, sizes, rows);
        if (st) {
            free(rows);
            return st;
        }
    } else {
        for (size_t i = 0; i < n; i++) rows[i] = i;
        shuffle(&rng, rows, n);
    }
    gf_split *s = gf__calloc(1, sizeof *s, "a split");
    if (!s) {
        free(rows);
        return GF_ERR_NOMEM;
    }
    s->n_train = sizes[TRAIN];
    s->n_valid = sizes[VALID];
    s->n_test = sizes[TEST];
    s->train = rows;
    s->valid = rows + sizes[TRAIN];
    s->test = s->valid + sizes[VALID];
    *out = s;
    return GF_OK;
}
