/* Lasso and elastic net over a path of lambdas (glmnet's approach): the
 * options, the lambda grid, glmnet's early stop, standardisation, and the
 * entry point that hands the work to the gaussian or binomial solver.
 *
 * The objective is glmnet's and scikit-learn's,
 *     RSS / (2n) + lambda * (alpha * |b|_1 + (1 - alpha) / 2 * |b|_2^2),
 * with the mean negative log-likelihood in place of RSS / (2n) for the
 * binomial family.  Seed 001 writes the lasso as J = RSS + lambda' |b|_1
 * and ridge as J = RSS + lambda' / 2 |b|_2^2; dividing J by 2n (which does
 * not move the minimum) gives this objective with lambda = lambda' / (2n)
 * in both cases (alpha = 1 and alpha = 0 respectively). */
#include "linear/enet.h"

#include "core/error.h"
#include "linear/common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

gf_status gf__enet_cfg_make(const gf_enet_opts *o, size_t n, size_t p, gf__enet_cfg *c,
                            const char *who)
{
    if (o->family != GF_GAUSSIAN && o->family != GF_BINOMIAL)
        return gf__fail(GF_ERR_ARG, "%s: family is %d; it must be GF_GAUSSIAN or "
                        "GF_BINOMIAL", who, (int)o->family);
    if (!isfinite(o->alpha) || o->alpha < 0 || o->alpha > 1)
        return gf__fail(GF_ERR_ARG, "%s: alpha is %g; it must be in [0, 1] (1 is the "
                        "lasso, 0 ridge)", who, o->alpha);
    if (o->nlambda == 0)
        return gf__fail(GF_ERR_ARG, "%s: nlambda is 0; the path needs at least one lambda",
                        who);
    if (o->lambda) {
        for (size_t l = 0; l < o->nlambda; l++) {
            char what[48];
            snprintf(what, sizeof what, "lambda[%zu]", l);
            gf_status st = gf__check_rate(o->lambda[l], 0, what, who);
            if (st) return st;
            if (l > 0 && o->lambda[l] > o->lambda[l - 1])
                return gf__fail(GF_ERR_ARG, "%s: the lambdas must decrease, but lambda[%zu] "
                                "= %g follows lambda[%zu] = %g", who, l, o->lambda[l], l - 1,
                                o->lambda[l - 1]);
        }
    }
    double ratio = o->lambda_min_ratio;
    if (ratio == 0) {
        ratio = n < p ? 1e-2 : 1e-4; /* glmnet's lambda.min.ratio */
    } else if (!isfinite(ratio) || ratio <= 0 || ratio >= 1) {
        return gf__fail(GF_ERR_ARG, "%s: lambda_min_ratio is %g; it must be in (0, 1), or 0 "
                        "for glmnet's default", who, ratio);
    }
    gf_status st = gf__check_rate(o->tol, 1, "tol", who);
    if (st) return st;
    if (o->max_passes <= 0)
        return gf__fail(GF_ERR_ARG, "%s: max_passes is %d; it must be positive", who,
                        o->max_passes);
    *c = (gf__enet_cfg){ .family = o->family, .alpha = o->alpha, .nlambda = o->nlambda,
                         .lambda_min_ratio = ratio, .lambda = o->lambda,
                         .standardize = o->standardize != 0, .intercept = o->intercept != 0,
                         .tol = o->tol, .max_passes = o->max_passes };
    return GF_OK;
}

/* ------------------------------------------------------ the lambda grid -- */

void gf__lambda_seq_init(gf__lambda_seq *s, const gf__enet_cfg *cfg, double lmax_grad,
                         double scale)
{
    s->cfg = cfg;
    s->scale = scale;
    /* With alpha near 0 the lasso's lambda_max would be infinite; glmnet
     * caps the divisor at 1e-3, and so do we, for the same grid. */
    s->lmax = lmax_grad / fmax(cfg->alpha, 1e-3);
    double ratio = fmax(GF__ENET_EPS, cfg->lambda_min_ratio);
    s->factor = cfg->nlambda > 1 ? pow(ratio, 1.0 / (double)(cfg->nlambda - 1)) : 1.0;
    s->cur = s->lmax;
}

double gf__lambda_seq_next(gf__lambda_seq *s, size_t m)
{
    if (s->cfg->lambda) return s->cur = s->cfg->lambda[m] / s->scale;
    /* glmnet multiplies by the factor step by step; so do we, so that the
     * grids agree to the last bit or two. */
    if (m == 0) return s->cur = s->lmax;
    return s->cur = s->cur * s->factor;
}

int gf__path_should_stop(const gf__enet_cfg *cfg, size_t m, double dev, double dev0,
                         int relative)
{
    if (cfg->lambda) return 0; /* the caller's grid is fitted in full */
    size_t mnl = cfg->nlambda < GF__ENET_MNLAM ? cfg->nlambda : GF__ENET_MNLAM;
    if (m + 1 < mnl) return 0;
    if (dev > GF__ENET_DEVMAX) return 1;
    if (relative) return dev != 0 && (dev - dev0) / dev < GF__ENET_FDEV;
    return dev - dev0 < GF__ENET_FDEV;
}

/* ------------------------------------------------------ standardisation -- */

void gf__enet_center_scale(const gf_xy *d, const gf__enet_cfg *cfg, double *c, double *s,
                           unsigned char *ju)
{
    size_t p = d->p;
    gf__col_stats(d, c, s);
    for (size_t j = 0; j < p; j++) {
        ju[j] = !gf__col_is_constant(d, j);
        if (!ju[j]) {
            c[j] = 0;
            s[j] = 1;
            continue;
        }
        if (!cfg->intercept) c[j] = 0;
        if (!cfg->standardize) s[j] = 1;
    }
}

double *gf__enet_zmatrix(const gf_xy *d, const double *c, const double *s,
                         const unsigned char *ju)
{
    size_t n = d->n, p = d->p;
    double *z = gf__malloc(n * p * sizeof *z, "the standardised design");
    if (!z) return NULL;
    double *inv = gf__malloc(p * sizeof *inv, "column scales");
    if (!inv) {
        free(z);
        return NULL;
    }
    for (size_t j = 0; j < p; j++) inv[j] = ju[j] ? 1.0 / s[j] : 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *row = d->x + i * p;
        for (size_t j = 0; j < p; j++) z[j * n + i] = (row[j] - c[j]) * inv[j];
    }
    free(inv);
    return z;
}

void gf__enet_warn_constant(const gf_xy *d, const unsigned char *ju, char **warn)
{
    char buf[32];
    for (size_t j = 0; j < d->p; j++)
        if (!ju[j])
            gf__warn(warn, "column %zu (%s) is constant: its coefficient is 0", j + 1,
                     gf__col_name(d, j, buf));
}

/* ------------------------------------------------------------ the entry -- */

/* The last line of defence against a "successful" path of NaNs. */
static gf_status check_finite_path(gf_path **out)
{
    gf_path *m = *out;
    for (size_t q = 0; q < m->nlambda * m->k; q++)
        if (!isfinite(m->coef[q])) {
            gf_status st = gf__fail(GF_ERR_NUMERIC, "the coefficients at lambda %g are not "
                                    "finite; rescale the data",
                                    m->lambda[q / m->k]);
            gf_path_free(m);
            *out = NULL;
            return st;
        }
    return GF_OK;
}

gf_status gf__enet_fit(const gf_xy *d, const gf__enet_cfg *cfg, gf_path **out)
{
    gf_status st;
    if (cfg->family == GF_BINOMIAL) {
        st = gf__enet_binomial(d, cfg, out);
    } else if (d->p > GF__GRAM_MAX_P) {
        st = gf__enet_gaussian(d, cfg, out);
    } else {
        gf__gsums sums;
        st = gf__gsums_compute(d, NULL, 0, &sums);
        if (st) return st;
        st = gf__enet_gaussian_sums(&sums, SIZE_MAX, cfg, d, out);
        gf__gsums_free(&sums);
    }
    return st ? st : check_finite_path(out);
}

gf_status gf__enet_setup(const gf_xy *d, const gf_enet_opts *o, gf__enet_cfg *cfg,
                         const char *who)
{
    gf_enet_opts def = GF_ENET_OPTS_DEFAULT;
    if (!o) o = &def;
    unsigned need = o->family == GF_BINOMIAL ? GF__NEED_BINARY : GF__NEED_Y;
    gf_status st = gf__xy_check(d, need, 2, 0, who);
    if (st) return st;
    return gf__enet_cfg_make(o, d->n, d->p, cfg, who);
}

gf_status gf_enet_path(const gf_xy *d, const gf_enet_opts *o, gf_path **out)
{
    const char *who = "gf_enet_path";
    if (!out) return gf__fail(GF_ERR_ARG, "%s: out is NULL", who);
    *out = NULL;
    gf__enet_cfg cfg;
    gf_status st = gf__enet_setup(d, o, &cfg, who);
    if (st) return st;
    return gf__enet_fit(d, &cfg, out);
}
