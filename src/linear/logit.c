/* Logistic regression by Newton's method, done as R's glm.fit does it:
 * iteratively reweighted least squares (IRLS), each step a QR solve.
 *
 * For the logit link the Newton step from coefficients b is the weighted
 * least-squares fit of the "working response"
 *     z_i = eta_i + (y_i - mu_i) / mu_eta_i,      eta = X b,  mu = 1 / (1 + e^-eta),
 * with weights w_i = mu_eta_i^2 / var_i, where mu_eta = dmu/deta and
 * var = mu (1 - mu) (both equal mu (1 - mu) here).
 *
 * Each step solves the weighted least squares by a Cholesky factorisation
 * of X'WX (one dsyrk, several times cheaper than a QR of the n x k
 * weighted design) when that is safe, and by QR otherwise.  X'WX squares
 * the condition number, so Cholesky is used only while every pivot keeps
 * at least CHOL_MIN_PIVOT of its column's length (the same quantity as
 * R's rank test on the QR's diagonal, since X'WX = R'R): the solution then
 * loses at most ~1e-8 relative, and Newton's iteration corrects even that,
 * as the gradient X'(y - mu) is computed directly.  A design that fails
 * the test goes through QR, which applies R's own rank check and names
 * collinear columns.
 *
 * Following glm.fit step by step (the start mu = (y + 1/2) / 2, the clamps
 * of R's C link functions, the convergence test |dev - dev_old| /
 * (|dev| + 0.1) < tol, the covariance from the last step's QR) makes our
 * iterates R's iterates, so results agree to rounding, not merely to the
 * tolerance.
 *
 * Separation.  When a hyperplane splits the classes the likelihood has no
 * maximum: coefficients run off to infinity.  Two checks:
 * - complete separation: if some iterate's linear predictor already puts
 *   every row strictly on its own class's side, that iterate *is* a
 *   separating hyperplane, so no maximum exists (a proof, not a guess);
 * - quasi-complete separation (a hyperplane with rows on it): the rows on
 *   the strict side are fitted ever better while the others settle, so the
 *   deviance "converges" but the coefficients do not.  After convergence we
 *   take one more (unapplied) Newton step: at a true maximum it moves the
 *   linear predictor by a negligible amount (Newton converges
 *   quadratically); on a runaway direction it moves it by about 1 for the
 *   separated rows (Newton on an exponential tail), every step, forever.
 * Either way the fit fails with GF_ERR_FIT: the estimates and standard
 * errors would be artefacts of the iteration count.  R itself only warns. */
#include "linear/common.h"
#include "linear/dist.h"
#include "linear/qr.h"

#include "core/error.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WHO "gf_logit_fit"

/* R's logit link clamps the linear predictor at +-30 (src/library/stats/
 * src/family.c) so that mu stays inside (0, 1) and dmu/deta above 0. */
#define ETA_CLAMP 30.0

/* A Newton step that still moves some row's log-odds by more than this
 * after the deviance has converged is a coefficient running away, not a
 * maximum being approached (there the next step is ~1e-8 or smaller). */
#define RUNAWAY_STEP 0.1

/* The least pivot, relative to its column's length, for which a Cholesky
 * step is trusted (see the top of the file). */
#define CHOL_MIN_PIVOT 1e-4

/* R's bound for "fitted probabilities numerically 0 or 1". */
#define MU_EPS (10 * DBL_EPSILON)

static double linkinv(double eta)
{
    double t = eta < -ETA_CLAMP ? DBL_EPSILON : eta > ETA_CLAMP ? 1 / DBL_EPSILON : exp(eta);
    return t / (1 + t);
}

static double mu_eta(double eta)
{
    if (eta < -ETA_CLAMP || eta > ETA_CLAMP) return DBL_EPSILON;
    double e = exp(eta), o = 1 + e;
    return e / (o * o);
}

/* The binomial deviance residual for y in {0, 1}: -2 log P(y). */
static double dev_resid(int y, double mu)
{
    return -2 * log(y ? mu : 1 - mu);
}

/* Working storage for one fit; every pointer is owned here. */
typedef struct irls {
    size_t n, k;
    int intercept;
    const int32_t *y;
    double *x;        /* n x k column-major design (with the ones column) */
    double *eta, *mu; /* n each */
    double *w, *rhs;  /* sqrt weights and weighted working response */
    double *coef, *coef_old;
    double *wx;       /* n x k: diag(w) X, the weighted design of the last step */
    double *chol;     /* k x k: the Cholesky factor of X'WX of the last step */
    double *len2;     /* k: squared lengths of the weighted columns */
    int used_qr;      /* the last step went through qr rather than chol */
    gf__qr qr;        /* of the weighted design, when a step needed QR */
    double rank_tol;  /* glm's: min(1e-7, tol / 1000) */
    char *const *names;
} irls;

static void irls_free(irls *s)
{
    free(s->x);
    free(s->eta);
    free(s->mu);
    free(s->w);
    free(s->rhs);
    free(s->coef);
    free(s->coef_old);
    free(s->wx);
    free(s->chol);
    free(s->len2);
    gf__qr_free(&s->qr);
}

/* eta = X coef, mu = linkinv(eta); returns the deviance. */
static double predict_dev(irls *s, const double *coef)
{
    size_t n = s->n, k = s->k;
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)k, 1.0, s->x, (int)n, coef, 1, 0.0,
                s->eta, 1);
    double dev = 0;
    for (size_t i = 0; i < n; i++) {
        s->mu[i] = linkinv(s->eta[i]);
        dev += dev_resid(s->y[i], s->mu[i]);
    }
    return dev;
}

/* Cholesky of X'WX from the weighted design in s->wx into s->chol; 0 when
 * a pivot falls below CHOL_MIN_PIVOT of its column's length (or the
 * factorisation fails), so the caller falls back to QR. */
static int chol_factor(irls *s)
{
    size_t n = s->n, k = s->k;
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)k, (int)n, 1.0, s->wx, (int)n,
                0.0, s->chol, (int)k);
    /* The diagonal of X'WX holds the squared column lengths. */
    for (size_t j = 0; j < k; j++) s->len2[j] = s->chol[j * k + j];
    if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', (lapack_int)k, s->chol, (lapack_int)k))
        return 0;
    for (size_t j = 0; j < k; j++) {
        double r = s->chol[j * k + j];
        if (!(s->len2[j] > 0) || !(r * r >= CHOL_MIN_PIVOT * CHOL_MIN_PIVOT * s->len2[j]))
            return 0;
    }
    return 1;
}

/* One IRLS step from the current eta and mu: weight the design, factor it
 * (Cholesky of X'WX, or QR when that is not safe) and solve for the new
 * coefficients. */
static gf_status irls_step(irls *s, double *coef)
{
    size_t n = s->n, k = s->k;
    for (size_t i = 0; i < n; i++) {
        double d = mu_eta(s->eta[i]), var = s->mu[i] * (1 - s->mu[i]);
        double z = s->eta[i] + (s->y[i] - s->mu[i]) / d;
        s->w[i] = sqrt(d * d / var);
        s->rhs[i] = z * s->w[i];
    }
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < n; i++) s->wx[j * n + i] = s->x[j * n + i] * s->w[i];

    if (chol_factor(s)) {
        s->used_qr = 0;
        cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)k, 1.0, s->wx, (int)n, s->rhs, 1,
                    0.0, coef, 1);
        LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', (lapack_int)k, 1, s->chol, (lapack_int)k,
                            coef, (lapack_int)k);
        return GF_OK;
    }
    s->used_qr = 1;
    gf__qr_free(&s->qr);
    double *a = gf__malloc(n * k * sizeof *a, "the weighted design");
    if (!a) return GF_ERR_NOMEM;
    memcpy(a, s->wx, n * k * sizeof *a);
    gf_status st = gf__qr_factor(a, n, k, s->names, s->rank_tol, &s->qr);
    if (st) return st;
    return gf__qr_solve(&s->qr, s->rhs, coef, NULL);
}

/* 1 when eta puts every row strictly on its own class's side. */
static int separates(const irls *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->y[i] ? !(s->eta[i] > 0) : !(s->eta[i] < 0)) return 0;
    return 1;
}

/* The largest change of any row's log-odds that one more Newton step from
 * the converged coefficients would make.  It reuses the last step's
 * factorisation (weights one iterate old, which at a true maximum differ
 * negligibly): the step is d = (X'WX)^-1 X'(y - mu), the Newton (Fisher
 * scoring) direction; by QR it solves min |diag(w) X d - (y - mu) / w|,
 * w being the square roots of the weights. */
static gf_status next_step_size(irls *s, double *size)
{
    size_t n = s->n, k = s->k;
    double *d = gf__malloc(k * sizeof *d, "the probe step");
    if (!d) return GF_ERR_NOMEM;
    gf_status st = GF_OK;
    if (s->used_qr) {
        for (size_t i = 0; i < n; i++) s->rhs[i] = (s->y[i] - s->mu[i]) / s->w[i];
        st = gf__qr_solve(&s->qr, s->rhs, d, NULL);
    } else {
        for (size_t i = 0; i < n; i++) s->rhs[i] = s->y[i] - s->mu[i];
        cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)k, 1.0, s->x, (int)n, s->rhs, 1,
                    0.0, d, 1);
        LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', (lapack_int)k, 1, s->chol, (lapack_int)k,
                            d, (lapack_int)k);
    }
    double big = 0;
    if (!st) {
        /* X d into rhs, which is free again. */
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)k, 1.0, s->x, (int)n, d, 1, 0.0,
                    s->rhs, 1);
        for (size_t i = 0; i < n; i++) big = fmax(big, fabs(s->rhs[i]));
    }
    free(d);
    *size = big;
    return st;
}

static gf_status separable_fail(const char *kind)
{
    return gf__fail(GF_ERR_FIT, WHO ": fitted probabilities numerically 0 or 1 occurred: "
                    "the classes are %s separable by the columns, so the maximum-likelihood "
                    "coefficients do not exist (they grow without bound); drop or merge the "
                    "separating columns, or use a penalised fit (gf_enet_path with family "
                    "GF_BINOMIAL)", kind);
}

static gf_status check_opts(const gf_logit_opts *o)
{
    if (o->max_iter < 1)
        return gf__fail(GF_ERR_ARG, WHO ": max_iter is %d; it must be at least 1", o->max_iter);
    gf_status s = gf__check_rate(o->tol, 1, "tol", WHO);
    if (s) return s;
    if (!(o->level > 0 && o->level < 1))
        return gf__fail(GF_ERR_ARG, WHO ": level is %g; it must lie in (0, 1)", o->level);
    return GF_OK;
}

/* Runs IRLS to convergence in s; on success s->coef, s->mu and s->qr
 * describe the fit and *iter and *dev its iterations and deviance. */
static gf_status irls_run(irls *s, const gf_logit_opts *o, int *iter, double *dev)
{
    size_t n = s->n, k = s->k;
    /* glm's start: mu = (y + 1/2) / 2, i.e. 1/4 or 3/4. */
    double dev_old = 0;
    for (size_t i = 0; i < n; i++) {
        s->mu[i] = (s->y[i] + 0.5) / 2;
        s->eta[i] = log(s->mu[i] / (1 - s->mu[i]));
        dev_old += dev_resid(s->y[i], s->mu[i]);
    }
    int have_old = 0;
    for (int it = 1; it <= o->max_iter; it++) {
        gf_status st = irls_step(s, s->coef);
        if (st) {
            gf__errctx(WHO); /* the QR's message names columns, not the model */
            return st;
        }
        double d = predict_dev(s, s->coef);
        /* glm's step halving, which for the logit link only a non-finite
         * coefficient can trigger. */
        for (int h = 0; !isfinite(d); h++) {
            if (!have_old || h >= o->max_iter)
                return gf__fail(GF_ERR_NUMERIC, WHO ": the deviance is not finite at "
                                "iteration %d and step halving did not recover", it);
            for (size_t j = 0; j < k; j++) s->coef[j] = (s->coef[j] + s->coef_old[j]) / 2;
            d = predict_dev(s, s->coef);
        }
        if (separates(s)) return separable_fail("completely");
        if (fabs(d - dev_old) / (fabs(d) + 0.1) < o->tol) {
            *iter = it;
            *dev = d;
            return GF_OK;
        }
        dev_old = d;
        memcpy(s->coef_old, s->coef, k * sizeof *s->coef);
        have_old = 1;
    }
    return gf__fail(GF_ERR_FIT, WHO ": IRLS did not converge in %d iterations (relative "
                    "change in deviance still above tol %g); the classes may be nearly "
                    "separable, or raise max_iter", o->max_iter, o->tol);
}

/* The Wald table and the summary statistics of a converged fit. */
static gf_status fill_result(irls *s, const gf_logit_opts *o, gf_logit *m, double dev)
{
    size_t n = s->n, k = s->k, off = s->intercept ? 0 : 1, K = k + off;
    double *cov = gf__malloc(k * k * sizeof *cov, "the covariance");
    if (!cov) return GF_ERR_NOMEM;
    gf_status st = GF_OK;
    if (s->used_qr) {
        st = gf__qr_inverse_gram(&s->qr, cov);
    } else {
        /* (X'WX)^-1 from its Cholesky factor, mirrored to both triangles. */
        memcpy(cov, s->chol, k * k * sizeof *cov);
        if (LAPACKE_dpotri_work(LAPACK_COL_MAJOR, 'U', (lapack_int)k, cov, (lapack_int)k))
            st = gf__fail(GF_ERR_FIT, WHO ": X'WX is singular at the solution");
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < j; i++) cov[i * k + j] = cov[j * k + i];
    }
    if (st) {
        free(cov);
        return st;
    }
    /* Without an intercept the fitted k coefficients go to entries 1..K-1;
     * entry 0 is the fixed intercept 0, with no variance and no test. */
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) m->vcov[(a + off) * K + b + off] = cov[a * k + b];
    free(cov);

    double q = gf__z_quantile(1 - (1 - o->level) / 2);
    for (size_t j = 0; j < K; j++) {
        if (j < off) {
            m->z[j] = m->p_value[j] = NAN;
            continue;
        }
        double c = s->coef[j - off], se = sqrt(m->vcov[j * K + j]);
        m->coef[j] = c;
        m->se[j] = se;
        m->z[j] = c / se;
        m->p_value[j] = gf__z_two_sided(m->z[j]);
        m->ci_low[j] = c - q * se;
        m->ci_high[j] = c + q * se;
    }

    /* The null model: the mean response with an intercept, mu = 1/2 without. */
    double ybar = 0.5;
    if (s->intercept) {
        ybar = 0;
        for (size_t i = 0; i < n; i++) ybar += s->y[i];
        ybar /= (double)n;
    }
    double null_dev = 0;
    for (size_t i = 0; i < n; i++) null_dev += dev_resid(s->y[i], ybar);

    m->deviance = dev;
    m->null_deviance = null_dev;
    /* For 0/1 responses -2 log L is the deviance itself. */
    m->aic = dev + 2.0 * (double)k;
    m->df_resid = (double)(n - k);
    m->df_null = (double)(n - (s->intercept ? 1 : 0));
    return GF_OK;
}

void gf_logit_free(gf_logit *m)
{
    if (!m) return;
    gf__names_free(m->names, m->k);
    free(m->coef);
    free(m->se);
    free(m->z);
    free(m->p_value);
    free(m->ci_low);
    free(m->ci_high);
    free(m->vcov);
    free((char *)m->warning);
    free(m);
}

static gf_logit *logit_alloc(const gf_xy *d, int intercept, double level)
{
    size_t K = d->p + 1;
    gf_logit *m = gf__calloc(1, sizeof *m, "the logistic fit");
    if (!m) return NULL;
    m->n = d->n;
    m->k = K;
    m->intercept = intercept;
    m->level = level;
    m->names = gf__coef_names(d);
    m->coef = gf__calloc(K, sizeof *m->coef, "coefficients");
    m->se = gf__calloc(K, sizeof *m->se, "standard errors");
    m->z = gf__calloc(K, sizeof *m->z, "z values");
    m->p_value = gf__calloc(K, sizeof *m->p_value, "p-values");
    m->ci_low = gf__calloc(K, sizeof *m->ci_low, "intervals");
    m->ci_high = gf__calloc(K, sizeof *m->ci_high, "intervals");
    m->vcov = gf__calloc(K * K, sizeof *m->vcov, "the covariance");
    if (!m->names || !m->coef || !m->se || !m->z || !m->p_value || !m->ci_low ||
        !m->ci_high || !m->vcov) {
        gf_logit_free(m);
        return NULL;
    }
    return m;
}

gf_status gf_logit_fit(const gf_xy *d, const gf_logit_opts *o, gf_logit **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, WHO ": out is NULL");
    *out = NULL;
    gf_logit_opts opts = o ? *o : GF_LOGIT_OPTS_DEFAULT;
    gf_status st = check_opts(&opts);
    if (st) return st;
    int icpt = opts.intercept ? 1 : 0;
    size_t k = (d ? d->p : 0) + (size_t)icpt;
    /* More rows than coefficients, as for least squares. */
    st = gf__xy_check(d, GF__NEED_BINARY, k + 1, 0, WHO);
    if (st) return st;

    size_t ones = 0;
    for (size_t i = 0; i < d->n; i++) ones += (size_t)d->label[i];
    if (ones == 0 || ones == d->n)
        return gf__fail(GF_ERR_FIT, WHO ": all %zu labels are %d; logistic regression needs "
                        "rows of both classes", d->n, ones ? 1 : 0);

    gf_logit *m = logit_alloc(d, icpt, opts.level);
    if (!m) return GF_ERR_NOMEM;

    size_t n = d->n;
    irls s = { .n = n, .k = k, .intercept = icpt, .y = d->label,
               .rank_tol = fmin(GF__QR_TOL_LM, opts.tol / 1000),
               .names = icpt ? m->names : m->names + 1 };
    s.x = gf__design_colmajor(d, icpt);
    s.eta = gf__malloc(n * sizeof *s.eta, "the linear predictor");
    s.mu = gf__malloc(n * sizeof *s.mu, "the fitted probabilities");
    s.w = gf__malloc(n * sizeof *s.w, "the IRLS weights");
    s.rhs = gf__malloc(n * sizeof *s.rhs, "the working response");
    s.coef = gf__calloc(k, sizeof *s.coef, "coefficients");
    s.coef_old = gf__calloc(k, sizeof *s.coef_old, "coefficients");
    s.wx = gf__malloc(n * k * sizeof *s.wx, "the weighted design");
    s.chol = gf__malloc(k * k * sizeof *s.chol, "the Cholesky factor");
    s.len2 = gf__malloc(k * sizeof *s.len2, "column lengths");
    if (!s.x || !s.eta || !s.mu || !s.w || !s.rhs || !s.coef || !s.coef_old || !s.wx ||
        !s.chol || !s.len2) {
        st = GF_ERR_NOMEM;
        goto fail;
    }

    int iter = 0;
    double dev = 0, step = 0;
    st = irls_run(&s, &opts, &iter, &dev);
    if (st) goto fail;
    st = next_step_size(&s, &step);
    if (st) goto fail;
    if (step > RUNAWAY_STEP) {
        st = separable_fail("quasi-completely");
        goto fail;
    }
    st = fill_result(&s, &opts, m, dev);
    if (st) goto fail;
    m->iterations = iter;

    /* R's warning, kept as a warning: an extreme but finite fit (a far
     * outlier) is legitimate, separation has already been refused above. */
    size_t extreme = 0;
    for (size_t i = 0; i < n; i++)
        if (s.mu[i] < MU_EPS || s.mu[i] > 1 - MU_EPS) extreme++;
    if (extreme) {
        char *w = NULL;
        gf__warn(&w, "fitted probabilities numerically 0 or 1 occurred (%zu of %zu rows)",
                 extreme, n);
        m->warning = w;
    }
    irls_free(&s);
    *out = m;
    return GF_OK;

fail:
    irls_free(&s);
    gf_logit_free(m);
    return st;
}

gf_status gf_logit_predict_proba(const gf_logit *m, const double *x, size_t n, double *p)
{
    if (!m) return gf__fail(GF_ERR_ARG, "gf_logit_predict_proba: model is NULL");
    gf_status st = gf_linear_predict(m->coef, m->k - 1, x, n, p);
    if (st) return st;
    /* A sigmoid that cannot overflow: exp only of non-positive numbers. */
    for (size_t i = 0; i < n; i++) {
        double e = exp(-fabs(p[i]));
        p[i] = p[i] >= 0 ? 1 / (1 + e) : e / (1 + e);
    }
    return GF_OK;
}

gf_status gf_threshold(const double *p, size_t n, double threshold, int32_t *cls)
{
    if ((!p || !cls) && n) return gf__fail(GF_ERR_ARG, "gf_threshold: a NULL array");
    if (!(threshold > 0 && threshold < 1))
        return gf__fail(GF_ERR_ARG, "gf_threshold: threshold is %g; it must lie in (0, 1)",
                        threshold);
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] >= 0 && p[i] <= 1))
            return gf__fail(GF_ERR_ARG, "gf_threshold: the probability at row %zu is %g, "
                            "outside [0, 1]", i + 1, p[i]);
        cls[i] = p[i] >= threshold;
    }
    return GF_OK;
}
