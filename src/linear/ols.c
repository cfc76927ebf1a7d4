/* Ordinary least squares with the statistics of R's summary(lm) and
 * confint(), and the sums of squares of seed 000.
 *
 * The fit is one QR factorisation of the design X (n x kk, kk = p plus one
 * for the intercept):  coef = R^-1 Q'y,  vcov = sigma^2 (R'R)^-1,
 * sigma^2 = SSE / (n - kk).  From there, as R computes them:
 *     t_j = coef_j / se_j,            p_j = P(|T_{n-kk}| > |t_j|)
 *     R^2 = SSM / (SSM + SSE),        adj R^2 = 1 - (1 - R^2)(n - i) / (n - kk)
 *     F   = (SSM / (kk - i)) / sigma^2 on (kk - i, n - kk) degrees of freedom
 * where i is 1 with an intercept and 0 without.  Without an intercept the
 * reference model is y = 0, so SST and SSM are taken about 0, not the mean
 * (R does the same), and SSM + SSE = SST holds either way. */
#include "grafo/linear.h"

#include "core/error.h"
#include "linear/common.h"
#include "linear/dist.h"
#include "linear/qr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WHO "gf_ols_fit"

void gf_ols_free(gf_ols *m)
{
    if (!m) return;
    gf__names_free(m->names, m->k);
    free(m->coef);  /* one block holds every per-coefficient array */
    free((char *)m->warning);
    free(m);
}

/* The result with its arrays carved out of one zeroed block:
 * coef, se, t, p_value, ci_low, ci_high (k each), then vcov (k x k). */
static gf_ols *ols_new(const gf_xy *d, int intercept, double level)
{
    size_t k = d->p + 1;
    gf_ols *m = gf__calloc(1, sizeof *m, "the OLS result");
    if (!m) return NULL;
    m->n = d->n;
    m->k = k;
    m->intercept = intercept;
    m->level = level;
    m->names = gf__coef_names(d);
    double *block = gf__calloc(6 * k + k * k, sizeof *block, "the OLS coefficients");
    if (!m->names || !block) {
        free(block);
        gf_ols_free(m);
        return NULL;
    }
    m->coef = block;
    m->se = block + k;
    m->t = block + 2 * k;
    m->p_value = block + 3 * k;
    m->ci_low = block + 4 * k;
    m->ci_high = block + 5 * k;
    m->vcov = block + 6 * k;
    return m;
}

/* Sums of squares from y and the residuals (fitted = y - resid), with R's
 * "essentially perfect fit" warning, which guards the statistics that divide
 * by sigma. */
static void ols_sums(gf_ols *m, const double *y, const double *resid, char **warning)
{
    size_t n = m->n;
    double ybar = 0;
    if (m->intercept) {
        for (size_t i = 0; i < n; i++) ybar += y[i];
        ybar /= (double)n;
    }
    double sse = 0, sst = 0, ssm = 0, sae = 0, fsum = 0, fsq = 0;
    for (size_t i = 0; i < n; i++) {
        double r = resid[i], f = y[i] - r;
        sse += r * r;
        sae += fabs(r);
        sst += (y[i] - ybar) * (y[i] - ybar);
        ssm += (f - ybar) * (f - ybar);
        fsum += f;
        fsq += f * f;
    }
    m->sse = sse;
    m->sst = sst;
    m->ssm = ssm;
    m->rmse = sqrt(sse / (double)n);
    m->mae = sae / (double)n;

    /* R's test: the residual variance against the size of the fitted values
     * (their mean squared plus their variance). */
    double fmean = fsum / (double)n;
    double fvar = n > 1 ? (fsq - fsum * fmean) / (double)(n - 1) : 0;
    double resvar = sse / m->df_resid;
    if (resvar < (fmean * fmean + fvar) * 1e-30)
        gf__warn(warning, "essentially perfect fit: the residuals are zero to rounding, so "
                 "standard errors, t values and the F test are unreliable");
}

/* The coefficient table, the intervals and the overall F test from the
 * fitted coefficients (kk of them, the design's order) and (X'X)^-1. */
static void ols_stats(gf_ols *m, const double *beta, const double *xtxi)
{
    size_t k = m->k, off = m->intercept ? 0 : 1, kk = k - off;
    double df = m->df_resid;
    double s2 = m->sse / df;
    m->sigma = sqrt(s2);

    /* confint.lm: coef +- qt(1 - (1 - level) / 2, df) * se. */
    double q = gf__t_quantile(0.5 + m->level / 2, df);
    for (size_t a = 0; a < kk; a++) {
        size_t j = a + off;
        m->coef[j] = beta[a];
        for (size_t b = 0; b < kk; b++) m->vcov[j * k + b + off] = s2 * xtxi[a * kk + b];
        m->se[j] = sqrt(m->vcov[j * k + j]);
        m->t[j] = m->coef[j] / m->se[j];
        m->p_value[j] = gf__t_two_sided(m->t[j], df);
        m->ci_low[j] = m->coef[j] - q * m->se[j];
        m->ci_high[j] = m->coef[j] + q * m->se[j];
    }

    /* Without an intercept entry 0 is the fixed 0, not an estimate: it has
     * no test, so t and p are NaN rather than 0, which would read as
     * "significant". */
    if (!m->intercept) m->t[0] = m->p_value[0] = NAN;

    double icpt = m->intercept ? 1 : 0;
    m->r2 = m->ssm / (m->ssm + m->sse);
    m->adj_r2 = 1 - (1 - m->r2) * (((double)m->n - icpt) / df);
    m->f_df1 = (double)kk - icpt;
    m->f_df2 = df;
    m->f = (m->ssm / m->f_df1) / s2;
    m->f_p = gf__f_upper(m->f, m->f_df1, m->f_df2);
}

gf_status gf_ols_fit(const gf_xy *d, const gf_ols_opts *o, gf_ols **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, WHO ": out is NULL");
    *out = NULL;
    gf_ols_opts opts = o ? *o : GF_OLS_OPTS_DEFAULT;
    int intercept = opts.intercept != 0;
    if (!(opts.level > 0 && opts.level < 1))
        return gf__fail(GF_ERR_ARG, WHO ": level is %g; a confidence level must lie "
                        "strictly between 0 and 1 (e.g. 0.95)", opts.level);
    gf_status s = gf__xy_check(d, GF__NEED_Y, 1, 0, WHO);
    if (s) return s;
    size_t kk = d->p + (size_t)intercept;
    if (d->n <= kk)
        return gf__fail(GF_ERR_SHAPE, WHO ": %zu rows for %zu coefficients (%zu columns%s): "
                        "least squares needs more rows than coefficients to estimate the "
                        "error variance", d->n, kk, d->p, intercept ? " and the intercept" : "");

    gf_ols *m = ols_new(d, intercept, opts.level);
    double *a = gf__design_colmajor(d, intercept);
    /* beta (kk), (X'X)^-1 (kk x kk), residuals (n). */
    double *work = gf__malloc((kk + kk * kk + d->n) * sizeof *work, "the OLS workspace");
    gf__qr q = { 0 };
    char *warning = NULL;
    if (!m || !a || !work) {
        free(a);
        s = GF_ERR_NOMEM;
        goto fail;
    }
    double *beta = work, *xtxi = work + kk, *resid = work + kk + kk * kk;
    m->df_resid = (double)(d->n - kk);

    /* Column j of the design is coefficient j, or j + 1 without intercept. */
    s = gf__qr_factor(a, d->n, kk, m->names + (intercept ? 0 : 1), GF__QR_TOL_LM,
                      &q);
    if (!s) s = gf__qr_solve(&q, d->y, beta, resid);
    if (!s) s = gf__qr_inverse_gram(&q, xtxi);
    gf__qr_free(&q);
    if (s) {
        gf__errctx(WHO);
        goto fail;
    }
    ols_sums(m, d->y, resid, &warning);
    ols_stats(m, beta, xtxi);
    m->warning = warning;
    free(work);
    *out = m;
    return GF_OK;

fail:
    free(work);
    free(warning);
    gf_ols_free(m);
    return s;
}
