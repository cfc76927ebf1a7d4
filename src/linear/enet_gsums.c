/* Sufficient statistics of the gaussian lasso: for each set of rows, the
 * sums that determine its standardised Gram matrix and correlations with y.
 * One pass over the data gives them for every cross-validation fold at once;
 * a fold's training set is then "all rows minus the fold", in O(p^2). */
#include "linear/enet.h"

#include "core/error.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rows are centred into a block of this many at a time, then folded into
 * the sums by one BLAS call (dsyrk), so the data are read once and the
 * block stays in cache. */
#define BLOCK_ROWS 1024

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

/* Fold the rows rows[0..nr) of d into m; buf holds BLOCK_ROWS x p. */
static void gmom_add_rows(gf__gmom *m, const gf_xy *d, const double *shift, double yshift,
                          const size_t *rows, size_t nr, double *buf, double *tb)
{
    size_t p = d->p;
    for (size_t b0 = 0; b0 < nr; b0 += BLOCK_ROWS) {
        size_t nb = nr - b0 < BLOCK_ROWS ? nr - b0 : BLOCK_ROWS;
        for (size_t r = 0; r < nb; r++) {
            size_t i = rows ? rows[b0 + r] : b0 + r;
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
    double *buf = NULL, *tb = NULL;
    size_t *order = NULL, *start = NULL;
    gf_status st = GF_ERR_NOMEM;

    s->shift = gf__calloc(p, sizeof *s->shift, "column means");
    buf = gf__malloc(BLOCK_ROWS * p * sizeof *buf, "a block of rows");
    tb = gf__malloc(BLOCK_ROWS * sizeof *tb, "a block of responses");
    if (!s->shift || !buf || !tb || gmom_alloc(&s->all, p)) goto done;

    for (size_t i = 0; i < n; i++) {
        const double *x = d->x + i * p;
        for (size_t j = 0; j < p; j++) s->shift[j] += x[j];
        s->yshift += d->y[i];
    }
    for (size_t j = 0; j < p; j++) s->shift[j] /= (double)n;
    s->yshift /= (double)n;

    if (!fold) {
        gmom_add_rows(&s->all, d, s->shift, s->yshift, NULL, n, buf, tb);
        st = GF_OK;
        goto done;
    }

    /* Group the rows by fold (a counting sort), then sum fold by fold. */
    s->set = gf__calloc(nfolds, sizeof *s->set, "fold sums");
    order = gf__malloc(n * sizeof *order, "row order");
    start = gf__calloc(nfolds + 1, sizeof *start, "fold starts");
    if (!s->set || !order || !start) goto done;
    s->nsets = nfolds;
    for (size_t f = 0; f < nfolds; f++)
        if (gmom_alloc(&s->set[f], p)) goto done;
    for (size_t i = 0; i < n; i++) start[fold[i] + 1]++;
    for (size_t f = 0; f < nfolds; f++) start[f + 1] += start[f];
    for (size_t i = 0; i < n; i++) order[start[fold[i]]++] = i;
    for (size_t f = nfolds; f > 0; f--) start[f] = start[f - 1];
    start[0] = 0;
    for (size_t f = 0; f < nfolds; f++) {
        gmom_add_rows(&s->set[f], d, s->shift, s->yshift, order + start[f],
                      start[f + 1] - start[f], buf, tb);
        gmom_accumulate(&s->all, &s->set[f], p);
    }
    st = GF_OK;
done:
    free(buf);
    free(tb);
    free(order);
    free(start);
    if (st) gf__gsums_free(s);
    return st;
}
