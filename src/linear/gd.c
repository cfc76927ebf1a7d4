/* Least squares by gradient descent (seed 000): full-batch gradient
 * descent, online SGD (Algorithm 2.1) and minibatch SGD (Algorithm 2.2).
 *
 * The loss is seed 000's MSE over the rows of a (mini)batch B of m rows,
 *     L(w) = 1/m * sum_{i in B} r_i^2,     r_i = b + w . x_i - y_i,
 * whose gradient is exactly
 *     dL/dw = 2/m * sum r_i x_i,           dL/db = 2/m * sum r_i.
 * (Seed 001 writes the update without the 2, from the loss 1/(2m) sum r^2;
 * the 2 only rescales the learning rate.)  Each update is
 *     (b, w) <- (b, w) - lr_t * gradient,  lr_t = lr / (1 + lr_decay * t),
 * with t counting updates from 0.
 *
 * Why the three routes reach the same point.  Full-batch GD on this convex
 * quadratic converges linearly to the least-squares solution whenever
 * lr < 1 / (largest eigenvalue of X'X/n), which standardised columns keep
 * near 1.  SGD with a constant step does not: at the solution each row's own
 * gradient is not zero, so the iterate keeps jittering by about lr.  With a
 * decaying step lr_t ~ c / t and the rows reshuffled every epoch (random
 * reshuffling), the jitter shrinks like 1/t, so SGD too converges to the
 * exact solution; the caller picks lr_decay > 0 for that.
 *
 * Stopping: after each epoch, when the largest change of a coefficient over
 * that epoch is at most tol times the largest coefficient.  A non-finite loss
 * means the steps diverged: the fit stops with GF_ERR_NUMERIC naming the
 * epoch, and hands back nothing. */
#include "grafo/linear.h"

#include "core/error.h"
#include "linear/common.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WHO "gf_linreg_gd"

void gf_gd_result_free(gf_gd_result *r)
{
    if (!r) return;
    free(r->coef);
    free((char *)r->warning);
    free(r);
}

static gf_status check_opts(const gf_gd_opts *o)
{
    gf_status s;
    if ((s = gf__check_rate(o->lr, 1, "the learning rate (lr)", WHO)) != GF_OK) return s;
    if ((s = gf__check_rate(o->lr_decay, 0, "lr_decay", WHO)) != GF_OK) return s;
    if ((s = gf__check_rate(o->tol, 0, "tol", WHO)) != GF_OK) return s;
    if (o->max_epochs <= 0)
        return gf__fail(GF_ERR_ARG, "%s: max_epochs is %d; it must be at least 1", WHO,
                        o->max_epochs);
    return GF_OK;
}

/* The largest |a_j - b_j| and the largest |a_j|, over k entries. */
static void change_of(const double *a, const double *b, size_t k, double *delta,
                      double *scale)
{
    double dm = 0, sm = 0;
    for (size_t j = 0; j < k; j++) {
        dm = fmax(dm, fabs(a[j] - b[j]));
        sm = fmax(sm, fabs(a[j]));
    }
    *delta = dm;
    *scale = sm;
}

/* MSE of coef over all rows; r (n) receives the residuals.  Two BLAS calls:
 * r = X w - y, then the intercept. */
static double full_residuals(const gf_xy *d, const double *coef, double *r)
{
    size_t n = d->n, p = d->p;
    memcpy(r, d->y, n * sizeof *r);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)p, 1.0, d->x, (int)p, coef + 1,
                1, -1.0, r, 1);
    double sse = 0;
    for (size_t i = 0; i < n; i++) {
        r[i] += coef[0];
        sse += r[i] * r[i];
    }
    return sse / (double)n;
}

/* One epoch of full-batch gradient descent: a single update.  *loss is the
 * MSE before the update. */
static void batch_epoch(const gf_xy *d, int intercept, double lr_t, double *coef,
                        double *r, double *loss)
{
    size_t n = d->n, p = d->p;
    *loss = full_residuals(d, coef, r);
    double step = 2.0 * lr_t / (double)n;
    if (intercept) {
        double sr = 0;
        for (size_t i = 0; i < n; i++) sr += r[i];
        coef[0] -= step * sr;
    }
    /* w -= step * X' r */
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)p, -step, d->x, (int)p, r, 1, 1.0,
                coef + 1, 1);
}

/* One epoch of (minibatch) SGD over the rows in the order idx, m rows per
 * update (the last batch may be shorter).  Each batch's gradient is taken at
 * the coefficients before its update, as Algorithm 2.2 does.  *loss is the
 * mean of the per-row losses seen during the epoch; *t counts updates. */
static void sgd_epoch(const gf_xy *d, int intercept, const gf_gd_opts *o, size_t m,
                      const int32_t *idx, double *coef, double *g, uint64_t *t,
                      double *loss)
{
    size_t n = d->n, p = d->p;
    double *restrict w = coef + 1;
    double sse = 0;
    for (size_t start = 0; start < n; start += m) {
        size_t end = start + m < n ? start + m : n;
        double lr_t = o->lr / (1.0 + o->lr_decay * (double)*t);
        (*t)++;
        if (end - start == 1) {
            /* Algorithm 2.1: one row, applied at once. */
            const double *restrict xi = d->x + (size_t)idx[start] * p;
            double r = coef[0] - d->y[idx[start]];
            for (size_t j = 0; j < p; j++) r += w[j] * xi[j];
            sse += r * r;
            double step = 2.0 * lr_t * r;
            if (intercept) coef[0] -= step;
            for (size_t j = 0; j < p; j++) w[j] -= step * xi[j];
            continue;
        }
        double gb = 0;
        memset(g, 0, p * sizeof *g);
        for (size_t a = start; a < end; a++) {
            const double *restrict xi = d->x + (size_t)idx[a] * p;
            double r = coef[0] - d->y[idx[a]];
            for (size_t j = 0; j < p; j++) r += w[j] * xi[j];
            sse += r * r;
            gb += r;
            for (size_t j = 0; j < p; j++) g[j] += r * xi[j];
        }
        double step = 2.0 * lr_t / (double)(end - start);
        if (intercept) coef[0] -= step * gb;
        for (size_t j = 0; j < p; j++) w[j] -= step * g[j];
    }
    *loss = sse / (double)n;
}

/* A column whose coefficient the data cannot determine: constant beside an
 * intercept, or zero everywhere.  Gradient descent would still "converge",
 * splitting the intercept between the two at random; gf_ols_fit refuses the
 * same designs. */
static gf_status check_columns(const gf_xy *d, int intercept)
{
    char buf[32];
    for (size_t j = 0; j < d->p; j++) {
        if (!gf__col_is_constant(d, j)) continue;
        double first = d->x[j];
        if (first == 0)
            return gf__fail(GF_ERR_FIT, "%s: column %s is zero in every row, so its "
                            "coefficient is not determined; drop it", WHO,
                            gf__col_name(d, j, buf));
        if (intercept)
            return gf__fail(GF_ERR_FIT, "%s: column %s is constant (%g in every row), so it "
                            "is collinear with the intercept; drop it", WHO,
                            gf__col_name(d, j, buf), first);
    }
    return GF_OK;
}

gf_status gf_linreg_gd(const gf_xy *d, const gf_gd_opts *o, gf_gd_result **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "%s: out is NULL", WHO);
    *out = NULL;
    gf_gd_opts opts = o ? *o : GF_GD_OPTS_DEFAULT;
    gf_status s = check_opts(&opts);
    if (s != GF_OK) return s;
    int intercept = opts.intercept ? 1 : 0;
    if (d && d->p > SIZE_MAX - 1)
        return gf__fail(GF_ERR_SHAPE, "%s: too many columns", WHO);
    s = gf__xy_check(d, GF__NEED_Y, d ? d->p + (size_t)intercept : 1, 0, WHO);
    if (s != GF_OK) return s;
    size_t n = d->n, p = d->p, k = p + 1;
    if (n > INT32_MAX || p > INT32_MAX)
        return gf__fail(GF_ERR_SHAPE, "%s: %zu x %zu is too large for one fit (at most "
                        "2^31 - 1 rows and columns)", WHO, n, p);
    s = check_columns(d, intercept);
    if (s != GF_OK) return s;
    /* A minibatch cannot hold more rows than there are; batch >= n is full
     * batch in a shuffled order, the same updates as batch = 0. */
    size_t m = opts.batch == 0 || opts.batch > n ? n : opts.batch;

    gf_gd_result *res = gf__calloc(1, sizeof *res, "the gradient-descent result");
    double *coef = gf__calloc(k, sizeof *coef, "the coefficients");
    double *prev = gf__malloc(k * sizeof *prev, "the previous coefficients");
    double *r = gf__malloc(n * sizeof *r, "the residuals");       /* n */
    double *g = gf__malloc(p * sizeof *g, "the gradient");        /* p */
    int32_t *idx = gf__malloc(n * sizeof *idx, "the row order");  /* n */
    char *warning = NULL;
    if (!res || !coef || !prev || !r || !g || !idx) {
        s = GF_ERR_NOMEM;
        goto fail;
    }
    res->coef = coef;
    res->k = k;
    for (size_t i = 0; i < n; i++) idx[i] = (int32_t)i;
    gf_rng rng;
    gf_rng_seed(&rng, opts.seed);

    uint64_t t = 0;
    double delta = 0, scale = 0;
    int epoch;
    for (epoch = 1; epoch <= opts.max_epochs; epoch++) {
        memcpy(prev, coef, k * sizeof *prev);
        double loss;
        if (m == n && opts.batch == 0) {
            batch_epoch(d, intercept, opts.lr / (1.0 + opts.lr_decay * (double)t), coef, r,
                        &loss);
            t++;
        } else {
            if (opts.shuffle) gf_rng_shuffle(&rng, idx, n);
            sgd_epoch(d, intercept, &opts, m, idx, coef, g, &t, &loss);
        }
        change_of(coef, prev, k, &delta, &scale);
        if (!isfinite(loss) || !isfinite(scale)) {
            s = gf__fail(GF_ERR_NUMERIC, "%s: the loss became non-finite (%g) in epoch %d "
                         "with learning rate %g: the steps diverge; lower lr or "
                         "standardise the columns", WHO, loss, epoch, opts.lr);
            goto fail;
        }
        if (delta <= opts.tol * scale) {
            res->converged = 1;
            break;
        }
    }
    res->epochs = res->converged ? epoch : opts.max_epochs;
    res->mse = full_residuals(d, coef, r);
    if (!isfinite(res->mse)) {
        s = gf__fail(GF_ERR_NUMERIC, "%s: the final loss is non-finite (%g) after epoch %d; "
                     "lower lr or standardise the columns", WHO, res->mse, res->epochs);
        goto fail;
    }
    if (!res->converged)
        gf__warn(&warning, "no convergence in %d epochs: the largest coefficient change in "
                 "the last epoch was %.3g of the largest coefficient (tol %g)",
                 opts.max_epochs, scale > 0 ? delta / scale : delta, opts.tol);
    res->warning = warning;
    free(prev);
    free(r);
    free(g);
    free(idx);
    *out = res;
    return GF_OK;

fail:
    free(warning);
    if (res) res->coef = NULL;
    free(res);
    free(coef);
    free(prev);
    free(r);
    free(g);
    free(idx);
    return s;
}
