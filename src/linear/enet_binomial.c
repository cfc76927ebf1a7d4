/* Lasso and elastic net, binomial family (penalised logistic regression),
 * glmnet's way: an outer Newton (IRLS) loop replaces the mean negative
 * log-likelihood by its quadratic approximation at the current fit,
 *     1/2 sum_i v_i (t_i - eta_i)^2,   v_i = q_i (1 - q_i) / n,
 * t the working response, and an inner weighted coordinate descent
 * minimises that plus the penalty.  Both loops stop when no coefficient
 * moves the objective by more than tol times the null deviance.
 *
 * The inner loop keeps the weighted residual r_i = v_i (t_i - eta_i), so
 * a coordinate's gradient is one dot product with its column of the
 * standardised design z; the strong rule and active-set passes screen
 * features as in the gaussian solver. */
#include "linear/enet.h"

#include "core/error.h"
#include "linear/common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX
/* glmnet's pmin: probabilities are kept in [PMIN, 1 - PMIN] in the
 * deviance, and a linear predictor beyond +-log(1/PMIN - 1) counts as a
 * certain 1 or 0 (weight 0), so coefficients cannot run away. */
#define PMIN 1e-9

typedef struct bfit {
    size_t n, p;
    const gf__enet_cfg *cfg;
    const unsigned char *ju;
    const double *z;       /* n x p column-major standardised design */
    const double *y;       /* n labels as 0.0 / 1.0 */
    double b0, *b, *bs;    /* intercept and p coefficients; bs: before the WLS */
    double bs0;
    double *eta, *q, *v, *r; /* n each */
    double xmz;            /* sum of v */
    double *xv;            /* p: sum of v z_j^2, for the strong set */
    double *ga;            /* p: |gradient| of the mean negative log-likelihood */
    unsigned char *strong;
    size_t *ia, nin, *mm;  /* active set, as in the gaussian solver */
    double l1, l2, thr, dlx;
    long passes;
} bfit;

/* Mean negative log-likelihood of the current q, probabilities clamped. */
static double mean_nll(const bfit *f)
{
    double s = 0;
    for (size_t i = 0; i < f->n; i++) {
        double qi = fmin(fmax(f->q[i], PMIN), 1 - PMIN);
        s -= f->y[i] > 0 ? log(qi) : log(1 - qi);
    }
    return s / (double)f->n;
}

/* The quadratic approximation at the current coefficients: eta, q, v, r.
 * GF_ERR_NUMERIC if the linear predictor is not finite. */
static gf_status irls_weights(bfit *f)
{
    size_t n = f->n;
    double w = 1.0 / (double)n, fmx = log(1.0 / PMIN - 1.0);
    for (size_t i = 0; i < n; i++) f->eta[i] = f->b0;
    for (size_t l = 0; l < f->nin; l++) {
        size_t k = f->ia[l];
        const double *zk = f->z + k * n, bk = f->b[k];
        if (bk != 0)
            for (size_t i = 0; i < n; i++) f->eta[i] += bk * zk[i];
    }
    f->xmz = 0;
    for (size_t i = 0; i < n; i++) {
        double e = f->eta[i];
        if (!isfinite(e)) return GF_ERR_NUMERIC;
        double qi = e < -fmx ? 0.0 : e > fmx ? 1.0 : 1.0 / (1.0 + exp(-e));
        f->q[i] = qi;
        f->v[i] = w * qi * (1 - qi);
        f->r[i] = w * (f->y[i] - qi);
        f->xmz += f->v[i];
    }
    return GF_OK;
}


/* sum_i a_i b_i (c_i, if c is not NULL) over n, in four interleaved
 * partial sums: without -ffast-math the compiler may not reorder a sum, so
 * a single accumulator would serialise on the adder's latency. */
static double dot(const double *a, const double *b, const double *c, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    if (c) {
        for (; i + 4 <= n; i += 4) {
            s0 += a[i] * b[i] * c[i];
            s1 += a[i + 1] * b[i + 1] * c[i + 1];
            s2 += a[i + 2] * b[i + 2] * c[i + 2];
            s3 += a[i + 3] * b[i + 3] * c[i + 3];
        }
        for (; i < n; i++) s0 += a[i] * b[i] * c[i];
    } else {
        for (; i + 4 <= n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) s0 += a[i] * b[i];
    }
    return (s0 + s1) + (s2 + s3);
}

/* |gradient| of the features outside the strong set: all the KKT check and
 * the next strong rule need. */
static void abs_gradient(bfit *f)
{
    for (size_t j = 0; j < f->p; j++)
        f->ga[j] = f->ju[j] && !f->strong[j] ? fabs(dot(f->z + j * f->n, f->r, NULL, f->n)) : 0;
}

static void update(bfit *f, size_t k)
{
    size_t n = f->n;
    const double *zk = f->z + k * n;
    /* Not BLAS level 1: this runs thousands of times on one column, and a
     * threaded BLAS call can cost more than the arithmetic. */
    double gk = dot(f->r, zk, NULL, n), ak = f->b[k], xv = f->xv[k];
    double nk = gf__enet_soft(gk + ak * xv, f->l1, f->l2, xv);
    if (nk == ak) return;
    if (f->mm[k] == NONE) {
        f->mm[k] = f->nin;
        f->ia[f->nin++] = k;
    }
    double del = nk - ak;
    f->b[k] = nk;
    if (xv * del * del > f->dlx) f->dlx = xv * del * del;
    for (size_t i = 0; i < n; i++) f->r[i] -= del * f->v[i] * zk[i];
}

static void update_intercept(bfit *f)
{
    if (!f->cfg->intercept) return;
    double s = 0;
    for (size_t i = 0; i < f->n; i++) s += f->r[i];
    double d = s / f->xmz;
    f->b0 += d;
    for (size_t i = 0; i < f->n; i++) f->r[i] -= d * f->v[i];
    if (f->xmz * d * d > f->dlx) f->dlx = f->xmz * d * d;
}

static gf_status pass(bfit *f, int active_only)
{
    if (++f->passes > f->cfg->max_passes) return GF_ERR_FIT;
    f->dlx = 0;
    if (active_only) {
        for (size_t l = 0; l < f->nin; l++) update(f, f->ia[l]);
    } else {
        for (size_t j = 0; j < f->p; j++)
            if (f->strong[j]) update(f, j);
    }
    update_intercept(f);
    return GF_OK;
}

/* Weighted least squares with the penalty, by coordinate descent. */
static gf_status wls(bfit *f)
{
    for (;;) {
        gf_status st = pass(f, 0);
        if (st) return st;
        if (f->dlx < f->thr) return GF_OK;
        do {
            st = pass(f, 1);
            if (st) return st;
        } while (f->dlx >= f->thr);
    }
}

/* The solution at lambda.  GF_ERR_FIT (no message) when max_passes runs
 * out; *degenerate when the weights vanish (probabilities 0 or 1). */
static gf_status fit_point(bfit *f, double lambda, double prev, int *degenerate)
{
    size_t n = f->n, p = f->p;
    double tlam = f->cfg->alpha * (2 * lambda - prev);
    double vmin = (1 + PMIN) * PMIN * (1 - PMIN);
    for (size_t j = 0; j < p; j++)
        if (f->ju[j] && !f->strong[j] && f->ga[j] > tlam) f->strong[j] = 1;
    for (;;) {
        for (size_t j = 0; j < p; j++) {
            if (!f->strong[j]) continue;
            const double *zj = f->z + j * n;
            f->xv[j] = dot(f->v, zj, zj, n);
        }
        f->bs0 = f->b0;
        memcpy(f->bs, f->b, p * sizeof *f->b);
        gf_status st = wls(f);
        if (st) return st;
        st = irls_weights(f);
        if (st) return st;
        if (f->xmz <= vmin) {
            *degenerate = 1;
            return GF_OK;
        }
        double d0 = f->b0 - f->bs0, dmax = f->xmz * d0 * d0;
        for (size_t j = 0; j < p; j++) {
            double d = f->b[j] - f->bs[j];
            if (f->strong[j] && f->xv[j] * d * d > dmax) dmax = f->xv[j] * d * d;
        }
        if (dmax >= f->thr) continue;
        abs_gradient(f);
        int added = 0;
        for (size_t j = 0; j < p; j++)
            if (f->ju[j] && !f->strong[j] && f->ga[j] > f->l1) f->strong[j] = 1, added = 1;
        if (!added) return GF_OK;
    }
}

static void record(const bfit *f, const double *c, const double *s, gf_path *path, size_t m,
                   double lambda, double dev)
{
    double *coef = path->coef + m * path->k, a0 = f->b0;
    int df = 0;
    for (size_t j = 0; j < f->p; j++) {
        double beta = f->ju[j] ? f->b[j] / s[j] : 0;
        coef[1 + j] = beta;
        a0 -= beta * c[j];
        df += beta != 0;
    }
    coef[0] = f->cfg->intercept ? a0 : 0;
    path->lambda[m] = f->cfg->lambda ? f->cfg->lambda[m] : lambda;
    path->dev_ratio[m] = dev;
    path->df[m] = df;
    path->nlambda = m + 1;
}

/* The path itself, on a prepared bfit. */
static gf_status run_path(bfit *f, const double *c, const double *s, gf_path *path,
                          char **warn, const char *who)
{
    const gf__enet_cfg *cfg = f->cfg;
    size_t n = f->n;
    double ybar = 0;
    for (size_t i = 0; i < n; i++) ybar += f->y[i];
    ybar /= (double)n;
    if (ybar == 0 || ybar == 1)
        return gf__fail(GF_ERR_FIT, "%s: every label is %d: a binomial model needs both "
                        "classes", who, (int)ybar);
    f->b0 = cfg->intercept ? log(ybar / (1 - ybar)) : 0;
    gf_status st = irls_weights(f);
    if (st) return st;
    double null_dev = mean_nll(f);
    f->thr = cfg->tol * null_dev;
    abs_gradient(f);
    double gmax = 0;
    for (size_t j = 0; j < f->p; j++) gmax = fmax(gmax, f->ga[j]);

    gf__lambda_seq seq;
    gf__lambda_seq_init(&seq, cfg, gmax, 1.0);
    double prev = 0, dev_prev = 0;
    for (size_t m = 0; m < cfg->nlambda; m++) {
        double lambda = gf__lambda_seq_next(&seq, m);
        if (m == 0) prev = lambda;
        f->l1 = lambda * cfg->alpha;
        f->l2 = lambda * (1 - cfg->alpha);
        int degenerate = 0;
        if (cfg->lambda || m > 0) st = fit_point(f, lambda, prev, &degenerate);
        if (st == GF_ERR_NUMERIC)
            return gf__fail(GF_ERR_NUMERIC, "%s: the logistic fit diverged (a non-finite "
                            "linear predictor) at lambda %zu (%g)", who, m + 1, lambda);
        if (st == GF_ERR_FIT) {
            if (m == 0)
                return gf__fail(GF_ERR_FIT, "%s: coordinate descent did not converge within "
                                "max_passes = %d passes at the first lambda (%g)", who,
                                (int)cfg->max_passes, lambda);
            gf__warn(warn, "coordinate descent did not converge within max_passes = %ld "
                     "passes at lambda %zu (%g); the path stops at the %zu before it",
                     cfg->max_passes, m + 1, lambda, m);
            return GF_OK;
        }
        if (st) return st;
        double dev = 1 - mean_nll(f) / null_dev;
        record(f, c, s, path, m, lambda, dev);
        if (degenerate) {
            gf__warn(warn, "fitted probabilities are numerically 0 or 1 at lambda %zu (%g): "
                     "the classes are (nearly) separable there, and the path stops", m + 1,
                     lambda);
            return GF_OK;
        }
        if (gf__path_should_stop(cfg, m, dev, dev_prev, 0)) return GF_OK;
        dev_prev = dev;
        prev = lambda;
    }
    return GF_OK;
}

gf_status gf__enet_binomial(const gf_xy *d, const gf__enet_cfg *cfg, gf_path **out)
{
    const char *who = "gf_enet_path";
    size_t n = d->n, p = d->p;
    gf_status st = GF_ERR_NOMEM;
    bfit f = { .n = n, .p = p, .cfg = cfg };
    double *c = gf__malloc(p * sizeof *c, "column centres");
    double *s = gf__malloc(p * sizeof *s, "column scales");
    unsigned char *ju = gf__malloc(p, "column flags");
    double *y = gf__malloc(n * sizeof *y, "the labels");
    double *z = NULL;
    gf_path *path = NULL;
    char *warn = NULL;
    f.b = gf__calloc(p, sizeof *f.b, "coefficients");
    f.bs = gf__calloc(p, sizeof *f.bs, "coefficients");
    f.xv = gf__calloc(p, sizeof *f.xv, "weighted variances");
    f.ga = gf__calloc(p, sizeof *f.ga, "gradients");
    f.strong = gf__calloc(p, 1, "the strong set");
    f.ia = gf__malloc(p * sizeof *f.ia, "the active set");
    f.mm = gf__malloc(p * sizeof *f.mm, "the active set");
    f.eta = gf__malloc(4 * n * sizeof *f.eta, "the IRLS weights");
    if (!c || !s || !ju || !y || !f.b || !f.bs || !f.xv || !f.ga || !f.strong || !f.ia ||
        !f.mm || !f.eta)
        goto done;
    f.q = f.eta + n;
    f.v = f.q + n;
    f.r = f.v + n;
    for (size_t j = 0; j < p; j++) f.mm[j] = NONE;
    for (size_t i = 0; i < n; i++) y[i] = d->label[i] ? 1.0 : 0.0;
    gf__enet_center_scale(d, cfg, c, s, ju);
    z = gf__enet_zmatrix(d, c, s, ju);
    path = gf__path_alloc(cfg, cfg->nlambda, p, d);
    if (!z || !path) goto done;
    f.ju = ju;
    f.z = z;
    f.y = y;
    gf__enet_warn_constant(d, ju, &warn);
    st = run_path(&f, c, s, path, &warn, who);
done:
    if (path) path->warning = warn;
    else free(warn);
    if (st) gf_path_free(path);
    else *out = path;
    free(c);
    free(s);
    free(ju);
    free(y);
    free(z);
    free(f.b);
    free(f.bs);
    free(f.xv);
    free(f.ga);
    free(f.strong);
    free(f.ia);
    free(f.mm);
    free(f.eta);
    return st;
}
