/* Cross-validation of the lasso / elastic-net path, as cv.glmnet (4.1)
 * does it: fit the path on all the data; fit each fold's complement with
 * the same options (its own automatic lambda grid, or the caller's grid);
 * predict the held-out rows at the full fit's lambdas, interpolating each
 * fold's coefficients linearly in lambda (glmnet's lambda.interp); average
 * the held-out errors fold by fold.
 *
 * For the gaussian family with a cached Gram matrix, one pass over the
 * data gives every fold's sums, and each fold's fit needs only "all minus
 * the fold", never a copy of the rows. */
#include "linear/enet.h"

#include "core/error.h"
#include "linear/common.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* cv.lognet keeps held-out probabilities in [1e-5, 1 - 1e-5]. */
#define CV_PMIN 1e-5

void gf_cv_free(gf_cv *c)
{
    if (!c) return;
    gf_path_free(c->path);
    free(c->cvm);
    free(c->cvsd);
    free(c);
}

/* Coefficients of path f at lambda s, interpolated linearly between the
 * two lambdas of the path around s (the end points beyond them). */
static void interp_coef(const gf_path *f, double s, double *coef)
{
    size_t k = f->k, last = f->nlambda - 1;
    const double *L = f->lambda;
    size_t i = 0;
    double frac = 1;
    if (f->nlambda > 1 && s < L[0]) {
        if (s <= L[last]) {
            i = last;
        } else {
            while (!(L[i] >= s && s > L[i + 1])) i++;
            frac = (s - L[i + 1]) / (L[i] - L[i + 1]);
        }
    }
    const double *a = f->coef + i * k, *b = frac < 1 ? a + k : a;
    for (size_t j = 0; j < k; j++) coef[j] = frac * a[j] + (1 - frac) * b[j];
}

/* The rows of d listed in rows[0..nr) as a new gf_xy (x, y, labels copied). */
static gf_status subset(const gf_xy *d, const size_t *rows, size_t nr, gf_xy *sub,
                        double **xbuf, double **ybuf, int32_t **lbuf)
{
    size_t p = d->p;
    *xbuf = gf__malloc(nr * p * sizeof **xbuf, "a training set");
    *ybuf = d->y ? gf__malloc(nr * sizeof **ybuf, "a training response") : NULL;
    *lbuf = d->label ? gf__malloc(nr * sizeof **lbuf, "training labels") : NULL;
    if (!*xbuf || (d->y && !*ybuf) || (d->label && !*lbuf)) return GF_ERR_NOMEM;
    for (size_t r = 0; r < nr; r++) {
        memcpy(*xbuf + r * p, d->x + rows[r] * p, p * sizeof **xbuf);
        if (d->y) (*ybuf)[r] = d->y[rows[r]];
        if (d->label) (*lbuf)[r] = d->label[rows[r]];
    }
    *sub = (gf_xy){ .x = *xbuf, .n = nr, .p = p, .y = *ybuf, .label = *lbuf,
                    .names = d->names };
    return GF_OK;
}

/* The path fitted without fold f (whose rows are rows[start[f]..start[f+1])). */
static gf_status fold_path(const gf_xy *d, const gf_enet_opts *o, const gf__gsums *sums,
                           const size_t *order, const size_t *start, size_t nfolds, size_t f,
                           gf_path **out)
{
    size_t nt = d->n - (start[f + 1] - start[f]);
    gf__enet_cfg cfg;
    /* The default lambda_min_ratio depends on the training set's size. */
    gf_status st = gf__enet_cfg_make(o, nt, d->p, &cfg, "gf_enet_cv");
    if (st) return st;
    if (sums) return gf__enet_gaussian_sums(sums, f, &cfg, NULL, out);

    size_t *rows = gf__malloc(nt * sizeof *rows, "a training set");
    if (!rows) return GF_ERR_NOMEM;
    size_t r = 0;
    for (size_t g = 0; g < nfolds; g++)
        if (g != f)
            for (size_t q = start[g]; q < start[g + 1]; q++) rows[r++] = order[q];
    gf_xy sub;
    double *xb = NULL, *yb = NULL;
    int32_t *lb = NULL;
    st = subset(d, rows, nt, &sub, &xb, &yb, &lb);
    if (!st) st = gf__enet_fit(&sub, &cfg, out);
    free(rows);
    free(xb);
    free(yb);
    free(lb);
    return st;
}

/* Held-out errors of fold f at each of the full path's L lambdas: their sum
 * per lambda into fsum[l], and each row's into obs (n x L) if not NULL. */
static gf_status fold_errors(const gf_xy *d, const gf_path *full, const gf_path *fp,
                             const size_t *rows, size_t nr, double *fsum, double *obs)
{
    size_t p = d->p, k = p + 1, L = full->nlambda;
    double *B = gf__malloc(L * k * sizeof *B, "interpolated coefficients");
    double *X = gf__malloc(nr * p * sizeof *X, "held-out rows");
    double *P = gf__malloc(nr * L * sizeof *P, "held-out predictions");
    if (!B || !X || !P) {
        free(B), free(X), free(P);
        return GF_ERR_NOMEM;
    }
    for (size_t l = 0; l < L; l++) interp_coef(fp, full->lambda[l], B + l * k);
    for (size_t r = 0; r < nr; r++) {
        memcpy(X + r * p, d->x + rows[r] * p, p * sizeof *X);
        for (size_t l = 0; l < L; l++) P[r * L + l] = B[l * k];
    }
    /* P += X B', the slopes being columns 1..p of B. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)L, (int)p, 1.0, X,
                (int)p, B + 1, (int)k, 1.0, P, (int)L);
    for (size_t l = 0; l < L; l++) fsum[l] = 0;
    for (size_t r = 0; r < nr; r++) {
        size_t i = rows[r];
        for (size_t l = 0; l < L; l++) {
            double e, eta = P[r * L + l];
            if (full->family == GF_GAUSSIAN) {
                e = (d->y[i] - eta) * (d->y[i] - eta);
            } else {
                double q = 1 / (1 + exp(-eta));
                q = fmin(fmax(q, CV_PMIN), 1 - CV_PMIN);
                e = -2 * (d->label[i] ? log(q) : log(1 - q));
            }
            fsum[l] += e;
            if (obs) obs[i * L + l] = e;
        }
    }
    free(B), free(X), free(P);
    return GF_OK;
}

static gf_status check_folds(const gf_xy *d, const gf_cv_opts *cv, const char *who)
{
    if (cv->nfolds < 3)
        return gf__fail(GF_ERR_ARG, "%s: nfolds is %d; cross-validation needs at least 3 "
                        "folds (10 is usual)", who, cv->nfolds);
    if ((size_t)cv->nfolds > d->n)
        return gf__fail(GF_ERR_ARG, "%s: nfolds is %d, more than the %zu rows", who,
                        cv->nfolds, d->n);
    if (!cv->foldid) return GF_OK;
    for (size_t i = 0; i < d->n; i++)
        if (cv->foldid[i] < 0 || cv->foldid[i] >= cv->nfolds)
            return gf__fail(GF_ERR_ARG, "%s: foldid is %d at row %zu; folds are numbered "
                            "from 0 to nfolds - 1 = %d", who, (int)cv->foldid[i], i + 1,
                            cv->nfolds - 1);
    return GF_OK;
}

/* cv.glmnet's choice: the largest lambda of least error, and the largest
 * whose error is within one standard error of that least one. */
static void choose(gf_cv *c)
{
    size_t L = c->path->nlambda, imin = 0;
    for (size_t l = 1; l < L; l++)
        if (c->cvm[l] < c->cvm[imin]) imin = l;
    double bound = c->cvm[imin] + c->cvsd[imin];
    size_t i1 = 0;
    while (i1 < imin && !(c->cvm[i1] <= bound)) i1++;
    c->index_min = imin;
    c->index_1se = i1;
    c->lambda_min = c->path->lambda[imin];
    c->lambda_1se = c->path->lambda[i1];
}

gf_status gf_enet_cv(const gf_xy *d, const gf_enet_opts *o, const gf_cv_opts *cv,
                     gf_cv **out)
{
    const char *who = "gf_enet_cv";
    if (!out) return gf__fail(GF_ERR_ARG, "%s: out is NULL", who);
    *out = NULL;
    gf_enet_opts odef = GF_ENET_OPTS_DEFAULT;
    gf_cv_opts cdef = GF_CV_OPTS_DEFAULT;
    if (!o) o = &odef;
    if (!cv) cv = &cdef;
    gf__enet_cfg cfg;
    gf_status st = gf__enet_setup(d, o, &cfg, who);
    if (st) return st;
    st = check_folds(d, cv, who);
    if (st) return st;

    size_t n = d->n, nf = (size_t)cv->nfolds;
    int32_t *fold = gf__malloc(n * sizeof *fold, "fold numbers");
    size_t *order = gf__malloc(n * sizeof *order, "row order");
    size_t *start = gf__calloc(nf + 1, sizeof *start, "fold starts");
    gf_cv *c = gf__calloc(1, sizeof *c, "a cross-validation");
    gf__gsums sums, *sp = NULL;
    double *fsum = NULL, *cvraw = NULL, *obs = NULL;
    gf_path *fp = NULL;
    st = GF_ERR_NOMEM;
    if (!fold || !order || !start || !c) goto done;

    if (cv->foldid) {
        memcpy(fold, cv->foldid, n * sizeof *fold);
    } else {
        /* cv.glmnet's sample(rep(1:nfolds, length = n)): balanced folds in
         * a random order, here from the caller's seed. */
        gf_rng rng;
        gf_rng_seed(&rng, cv->seed);
        for (size_t i = 0; i < n; i++) fold[i] = (int32_t)(i % nf);
        gf_rng_shuffle(&rng, fold, n);
    }
    for (size_t i = 0; i < n; i++) start[fold[i] + 1]++;
    for (size_t f = 0; f < nf; f++) {
        size_t nt = n - start[f + 1];
        if (start[f + 1] == 0 || nt < 2) {
            st = gf__fail(GF_ERR_ARG, "%s: fold %zu has %zu rows, which leaves %zu to fit "
                          "on; every fold needs a row, and its complement two", who, f,
                          start[f + 1], nt);
            goto done;
        }
    }
    for (size_t f = 0; f < nf; f++) start[f + 1] += start[f];
    for (size_t i = 0; i < n; i++) order[start[fold[i]]++] = i;
    for (size_t f = nf; f > 0; f--) start[f] = start[f - 1];
    start[0] = 0;

    /* The fit on all the data. */
    if (cfg.family == GF_GAUSSIAN && d->p <= GF__GRAM_MAX_P) {
        st = gf__gsums_compute(d, fold, nf, &sums);
        if (st) goto done;
        sp = &sums;
        st = gf__enet_gaussian_sums(sp, SIZE_MAX, &cfg, d, &c->path);
    } else {
        st = gf__enet_fit(d, &cfg, &c->path);
    }
    if (st) goto done;

    size_t L = c->path->nlambda;
    /* cv.glmnet averages by fold ("grouped") unless folds have fewer than 3
     * rows on average; then it treats every row as its own group. */
    int grouped = (double)n / (double)nf >= 3;
    st = GF_ERR_NOMEM;
    fsum = gf__malloc(L * sizeof *fsum, "fold errors");
    cvraw = gf__malloc(nf * L * sizeof *cvraw, "fold errors");
    obs = grouped ? NULL : gf__malloc(n * L * sizeof *obs, "held-out errors");
    c->cvm = gf__calloc(L, sizeof *c->cvm, "cross-validated errors");
    c->cvsd = gf__calloc(L, sizeof *c->cvsd, "their standard errors");
    if (!fsum || !cvraw || (!grouped && !obs) || !c->cvm || !c->cvsd) goto done;

    for (size_t f = 0; f < nf; f++) {
        st = fold_path(d, o, sp, order, start, nf, f, &fp);
        if (st) {
            gf__errctx("%s: fitting without fold %zu", who, f);
            goto done;
        }
        size_t nr = start[f + 1] - start[f];
        st = fold_errors(d, c->path, fp, order + start[f], nr, fsum, obs);
        gf_path_free(fp);
        fp = NULL;
        if (st) goto done;
        for (size_t l = 0; l < L; l++) cvraw[f * L + l] = fsum[l] / (double)nr;
    }

    for (size_t l = 0; l < L; l++) {
        double m = 0, v = 0;
        if (grouped) {
            /* Fold means weighted by fold size; the spread of the fold means
             * about cvm, over nfolds - 1. */
            for (size_t f = 0; f < nf; f++) m += (double)(start[f + 1] - start[f]) * cvraw[f * L + l];
            m /= (double)n;
            for (size_t f = 0; f < nf; f++) {
                double e = cvraw[f * L + l] - m;
                v += (double)(start[f + 1] - start[f]) * e * e;
            }
            v = v / (double)n / (double)(nf - 1);
        } else {
            for (size_t i = 0; i < n; i++) m += obs[i * L + l];
            m /= (double)n;
            for (size_t i = 0; i < n; i++) v += (obs[i * L + l] - m) * (obs[i * L + l] - m);
            v = v / (double)n / (double)(n - 1);
        }
        c->cvm[l] = m;
        c->cvsd[l] = sqrt(v);
        if (!isfinite(c->cvm[l]) || !isfinite(c->cvsd[l])) {
            st = gf__fail(GF_ERR_NUMERIC, "%s: the cross-validated error at lambda %g is not "
                          "finite (%g +- %g)", who, c->path->lambda[l], c->cvm[l], c->cvsd[l]);
            goto done;
        }
    }
    choose(c);
    st = GF_OK;
done:
    if (sp) gf__gsums_free(sp);
    free(fold);
    free(order);
    free(start);
    free(fsum);
    free(cvraw);
    free(obs);
    if (st) gf_cv_free(c);
    else *out = c;
    return st;
}
