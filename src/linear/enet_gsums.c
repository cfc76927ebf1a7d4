/* Sufficient statistics of the gaussian lasso: for each set of rows, the
 * sums that determine its standardised Gram matrix and correlations with y.
 * One pass over the data gives them for every cross-validation fold at once;
 * a fold's training set is then "all rows minus the fold", in O(p^2). */
#include "linear/enet.h"

#include "core/error.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Rows are centred into a block of this many at a time, then folded into
 * the sums by one BLAS call (dsyrk), so the data are read once and the
 * block stays in cache. */
#define BLOCK_ROWS 1024

/* Without folds the rows are cut into this many chunks at most, summed on
 * separate threads and added up in chunk order; with folds, the folds are
 * the chunks.  A fixed count keeps the bits independent of the thread
 * count; the p x p sums per chunk are why p must stay moderate for it. */
#define MAX_CHUNKS 4
#define CHUNKS_MAX_P 1000

static void gmom_free(gf__gmom *m)
{
    free(m->G);
    free(m->S);
    free(m->Sut);
    free(m->lo);
    free(m->hi);
    memset(m, 0, sizeof *m);
}

static gf_status gmom_alloc(gf__gmom *m, size_t p)
{
    memset(m, 0, sizeof *m);
    m->G = gf__calloc(p * p, sizeof *m->G, "the Gram matrix");
    m->S = gf__calloc(p, sizeof *m->S, "column sums");
    m->Sut = gf__calloc(p, sizeof *m->Sut, "column sums");
    m->lo = gf__malloc(p * sizeof *m->lo, "column minima");
    m->hi = gf__malloc(p * sizeof *m->hi, "column maxima");
    if (!m->G || !m->S || !m->Sut || !m->lo || !m->hi) {
        gmom_free(m);
        return GF_ERR_NOMEM;
    }
    for (size_t j = 0; j < p; j++) m->lo[j] = INFINITY, m->hi[j] = -INFINITY;
    m->ylo = INFINITY;
    m->yhi = -INFINITY;
    return GF_OK;
}

/* Fold nr rows of d into m: rows[0..nr), or first, first + 1, ... when rows
 * is NULL; buf holds BLOCK_ROWS x p, tb BLOCK_ROWS. */
static void gmom_add_rows(gf__gmom *m, const gf_xy *d, const double *shift, double yshift,
                          const size_t *rows, size_t first, size_t nr, double *buf,
                          double *tb)
{
    size_t p = d->p;
    for (size_t b0 = 0; b0 < nr; b0 += BLOCK_ROWS) {
        size_t nb = nr - b0 < BLOCK_ROWS ? nr - b0 : BLOCK_ROWS;
        for (size_t r = 0; r < nb; r++) {
            size_t i = rows ? rows[b0 + r] : first + b0 + r;
            const double *x = d->x + i * p;
            double *u = buf + r * p;
            for (size_t j = 0; j < p; j++) {
                u[j] = x[j] - shift[j];
                m->S[j] += u[j];
                if (x[j] < m->lo[j]) m->lo[j] = x[j];
                if (x[j] > m->hi[j]) m->hi[j] = x[j];
            }
            double y = d->y[i];
            tb[r] = y - yshift;
            m->St += tb[r];
            m->Stt += tb[r] * tb[r];
            if (y < m->ylo) m->ylo = y;
            if (y > m->yhi) m->yhi = y;
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)p, (int)nb, 1.0, buf, (int)p,
                    1.0, m->G, (int)p);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)nb, (int)p, 1.0, buf, (int)p, tb, 1, 1.0,
                    m->Sut, 1);
    }
    m->n += nr;
}

/* One set of rows to sum: rows[0..count), or first .. first + count - 1. */
typedef struct chunk {
    gf__gmom *m;
    const size_t *rows;
    size_t first, count;
} chunk;

/* Sum every chunk, in parallel: each thread uses its own block buffers and
 * BLAS runs single-threaded inside (OpenBLAS does so in a parallel region),
 * so the chunks never share memory they write. */
static gf_status gmom_add_chunks(const gf_xy *d, const double *shift, double yshift,
                                 const chunk *c, size_t nchunks)
{
    size_t p = d->p, per = BLOCK_ROWS * (p + 1);
    int threads = gf_get_threads();
    if ((size_t)threads > nchunks) threads = (int)nchunks;
    if (threads < 1) threads = 1;
    double *bufs = gf__malloc((size_t)threads * per * sizeof *bufs, "blocks of rows");
    if (!bufs) return GF_ERR_NOMEM;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t t = 0; t < nchunks; t++) {
        double *buf = bufs + (size_t)omp_get_thread_num() * per;
        gmom_add_rows(c[t].m, d, shift, yshift, c[t].rows, c[t].first, c[t].count, buf,
                      buf + BLOCK_ROWS * p);
    }
    free(bufs);
    return GF_OK;
}

/* m += a (the sets are disjoint, so their sums add up). */
static void gmom_accumulate(gf__gmom *m, const gf__gmom *a, size_t p)
{
    for (size_t q = 0; q < p * p; q++) m->G[q] += a->G[q];
    for (size_t j = 0; j < p; j++) {
        m->S[j] += a->S[j];
        m->Sut[j] += a->Sut[j];
        if (a->lo[j] < m->lo[j]) m->lo[j] = a->lo[j];
        if (a->hi[j] > m->hi[j]) m->hi[j] = a->hi[j];
    }
    m->St += a->St;
    m->Stt += a->Stt;
    if (a->ylo < m->ylo) m->ylo = a->ylo;
    if (a->yhi > m->yhi) m->yhi = a->yhi;
    m->n += a->n;
}

void gf__gsums_free(gf__gsums *s)
{
    if (!s) return;
    for (size_t f = 0; f < s->nsets; f++) gmom_free(&s->set[f]);
    free(s->set);
    gmom_free(&s->all);
    free(s->shift);
    memset(s, 0, sizeof *s);
}

gf_status gf__gsums_compute(const gf_xy *d, const int32_t *fold, size_t nfolds,
                            gf__gsums *s)
{
    size_t n = d->n, p = d->p;
    memset(s, 0, sizeof *s);
    s->p = p;
    size_t *order = NULL, *start = NULL;
    chunk *chunks = NULL;
    gf_status st = GF_ERR_NOMEM;

    s->shift = gf__calloc(p, sizeof *s->shift, "column means");
    if (!s->shift || gmom_alloc(&s->all, p)) goto done;

    for (size_t i = 0; i < n; i++) {
        const double *x = d->x + i * p;
        for (size_t j = 0; j < p; j++) s->shift[j] += x[j];
        s->yshift += d->y[i];
    }
    for (size_t j = 0; j < p; j++) s->shift[j] /= (double)n;
    s->yshift /= (double)n;

    if (!fold) {
        /* Whole chunks of at least a few blocks, or one chunk for wide data. */
        size_t nchunks = p > CHUNKS_MAX_P ? 1 : MAX_CHUNKS;
        while (nchunks > 1 && n / nchunks < 4 * BLOCK_ROWS) nchunks--;
        gf__gmom part[MAX_CHUNKS];
        chunk c[MAX_CHUNKS];
        memset(part, 0, sizeof part);
        size_t at = 0;
        st = GF_OK;
        for (size_t t = 0; t < nchunks && !st; t++) {
            size_t count = n / nchunks + (t < n % nchunks);
            c[t] = (chunk){ .m = &part[t], .rows = NULL, .first = at, .count = count };
            at += count;
            st = gmom_alloc(&part[t], p);
        }
        if (!st) st = gmom_add_chunks(d, s->shift, s->yshift, c, nchunks);
        for (size_t t = 0; t < nchunks; t++) {
            if (!st) gmom_accumulate(&s->all, &part[t], p);
            gmom_free(&part[t]);
        }
        goto done;
    }

    /* Group the rows by fold (a counting sort), then sum the folds. */
    s->set = gf__calloc(nfolds, sizeof *s->set, "fold sums");
    order = gf__malloc(n * sizeof *order, "row order");
    start = gf__calloc(nfolds + 1, sizeof *start, "fold starts");
    chunks = gf__malloc(nfolds * sizeof *chunks, "fold chunks");
    if (!s->set || !order || !start || !chunks) goto done;
    s->nsets = nfolds;
    for (size_t f = 0; f < nfolds; f++)
        if (gmom_alloc(&s->set[f], p)) goto done;
    for (size_t i = 0; i < n; i++) start[fold[i] + 1]++;
    for (size_t f = 0; f < nfolds; f++) start[f + 1] += start[f];
    for (size_t i = 0; i < n; i++) order[start[fold[i]]++] = i;
    for (size_t f = nfolds; f > 0; f--) start[f] = start[f - 1];
    start[0] = 0;
    for (size_t f = 0; f < nfolds; f++)
        chunks[f] = (chunk){ .m = &s->set[f], .rows = order + start[f], .first = 0,
                             .count = start[f + 1] - start[f] };
    st = gmom_add_chunks(d, s->shift, s->yshift, chunks, nfolds);
    if (st) goto done;
    for (size_t f = 0; f < nfolds; f++) gmom_accumulate(&s->all, &s->set[f], p);
    st = GF_OK;
done:
    free(chunks);
    free(order);
    free(start);
    if (st) gf__gsums_free(s);
    return st;
}
