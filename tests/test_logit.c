/* Logistic regression against R's glm(family = binomial) (fixtures made by
 * scripts/fixtures/glm.R), separation, thresholds and bad input. */
#include "grafo/linear.h"

#include "check.h"
#include "fixtures/glm_gen.h"
#include "fixtures/glm_infert.h"
#include "fixtures/glm_mtcars.h"
#include "fixtures/glm_noint.h"

#include <stdlib.h>
#include <string.h>

/* The bar for coefficients, standard errors and p-values. */
#define TOL 1e-6

/* One R fit, as the fixture headers lay it out. */
typedef struct ref {
    const char *tag;
    size_t n, p;
    int intercept;
    double level;
    const char *const *names;
    const double *x;
    const int32_t *label;
    const double *coef, *se, *z, *pval, *ci_low, *ci_high, *vcov, *fitted;
    double deviance, null_deviance, aic, df_resid, df_null;
    int iter;
} ref;

#define REF(tag, TAG)                                                                     \
    ((ref){ #tag, (size_t)TAG##_N, (size_t)TAG##_P, (int)TAG##_INTERCEPT, TAG##_LEVEL,    \
            tag##_names, tag##_x, tag##_label, tag##_coef, tag##_se, tag##_z, tag##_pval, \
            tag##_ci_low, tag##_ci_high, tag##_vcov, tag##_fitted, TAG##_DEVIANCE,        \
            TAG##_NULL_DEVIANCE, TAG##_AIC, TAG##_DF_RESID, TAG##_DF_NULL, (int)TAG##_ITER })

static gf_xy ref_data(const ref *r)
{
    return (gf_xy){ .x = r->x, .n = r->n, .p = r->p, .label = r->label, .names = r->names };
}

static void test_matches_glm(const ref *r)
{
    gf_xy d = ref_data(r);
    gf_logit_opts o = GF_LOGIT_OPTS_DEFAULT;
    o.intercept = r->intercept;
    o.level = r->level;
    gf_logit *m = NULL;
    gf_status s = gf_logit_fit(&d, &o, &m);
    CHECK(s == GF_OK, "%s: %s", r->tag, gf_errmsg());
    if (!m) return;
    size_t k = r->p + 1, off = r->intercept ? 0 : 1, kr = k - off;
    CHECK(m->k == k && m->n == r->n, "%s: k %zu n %zu", r->tag, m->k, m->n);
    CHECK(m->warning == NULL, "%s: unexpected warning %s", r->tag, m->warning);
    /* Same start, same steps, same stopping rule: the same iterate as R. */
    CHECK(m->iterations == r->iter, "%s: %d iterations, R %d", r->tag, m->iterations, r->iter);
    CHECK(strcmp(m->names[0], "(Intercept)") == 0, "%s: name 0 is %s", r->tag, m->names[0]);
    for (size_t j = 0; j < r->p; j++)
        CHECK(strcmp(m->names[j + 1], r->names[j]) == 0, "%s: name %zu", r->tag, j + 1);

    double worst = 0;
    for (size_t j = 0; j < kr; j++) {
        size_t g = j + off;   /* R's j-th coefficient is our entry g */
        CHECK_REL(m->coef[g], r->coef[j], TOL);
        CHECK_REL(m->se[g], r->se[j], TOL);
        CHECK_REL(m->z[g], r->z[j], TOL);
        CHECK_REL(m->p_value[g], r->pval[j], TOL);
        CHECK_REL(m->ci_low[g], r->ci_low[j], TOL);
        CHECK_REL(m->ci_high[g], r->ci_high[j], TOL);
        for (size_t l = 0; l < kr; l++)
            CHECK_REL(m->vcov[g * k + l + off], r->vcov[j * kr + l], TOL);
        worst = fmax(worst, fabs(m->coef[g] - r->coef[j]) / fabs(r->coef[j]));
        worst = fmax(worst, fabs(m->se[g] - r->se[j]) / fabs(r->se[j]));
        worst = fmax(worst, fabs(m->p_value[g] - r->pval[j]) / fabs(r->pval[j]));
    }
    printf("%s: largest relative difference from glm in coef, se, p: %.2e\n", r->tag, worst);
    if (!r->intercept) {
        /* The intercept that was not fitted: 0, no variance, no test. */
        CHECK(m->coef[0] == 0 && m->se[0] == 0 && m->vcov[0] == 0, "%s: intercept entry",
              r->tag);
        CHECK(isnan(m->z[0]) && isnan(m->p_value[0]), "%s: intercept z and p", r->tag);
    }
    CHECK_REL(m->deviance, r->deviance, 1e-10);
    CHECK_REL(m->null_deviance, r->null_deviance, 1e-12);
    CHECK_REL(m->aic, r->aic, 1e-10);
    CHECK(m->df_resid == r->df_resid && m->df_null == r->df_null, "%s: df %g %g", r->tag,
          m->df_resid, m->df_null);
    CHECK(m->level == r->level, "%s: level", r->tag);

    /* Probabilities for the training rows are R's fitted values. */
    double *p = malloc(r->n * sizeof *p);
    CHECK(gf_logit_predict_proba(m, r->x, r->n, p) == GF_OK, "%s: predict: %s", r->tag,
          gf_errmsg());
    for (size_t i = 0; i < r->n; i++) CHECK_REL(p[i], r->fitted[i], 1e-7);
    free(p);
    gf_logit_free(m);
}

/* The threshold is the caller's: classes follow R's fitted values. */
static void test_threshold(void)
{
    const ref r = REF(mtcars, MTCARS);
    size_t n = r.n;
    int32_t cls[MTCARS_N];
    const double ts[] = { 0.5, 0.2, 0.9 };
    size_t ones_prev = 0;
    for (size_t t = 0; t < 3; t++) {
        CHECK(gf_threshold(r.fitted, n, ts[t], cls) == GF_OK, "threshold %g: %s", ts[t],
              gf_errmsg());
        size_t ones = 0;
        for (size_t i = 0; i < n; i++) {
            CHECK(cls[i] == (r.fitted[i] >= ts[t]), "row %zu at threshold %g", i + 1, ts[t]);
            ones += (size_t)cls[i];
        }
        if (t == 1) CHECK(ones > ones_prev, "a lower threshold gives more ones");
        if (t == 2) CHECK(ones < ones_prev, "a higher threshold gives fewer ones");
        ones_prev = t == 0 ? ones : ones_prev;
    }
    /* Equality counts as class 1, as the seeds' rule p >= 0.5. */
    const double half[] = { 0.5, 0.4999999 };
    gf_threshold(half, 2, 0.5, cls);
    CHECK(cls[0] == 1 && cls[1] == 0, "p = 0.5 is class 1");

    const double bad_t[] = { 0, 1, -0.1, 1.5, NAN, INFINITY };
    for (size_t t = 0; t < 6; t++) {
        CHECK(gf_threshold(r.fitted, n, bad_t[t], cls) == GF_ERR_ARG, "threshold %g accepted",
              bad_t[t]);
        CHECK(strstr(gf_errmsg(), "threshold"), "message: %s", gf_errmsg());
    }
    const double bad_p[] = { 0.2, 1.2 }, nan_p[] = { NAN };
    CHECK(gf_threshold(bad_p, 2, 0.5, cls) == GF_ERR_ARG && strstr(gf_errmsg(), "row 2"),
          "p = 1.2 accepted: %s", gf_errmsg());
    CHECK(gf_threshold(nan_p, 1, 0.5, cls) == GF_ERR_ARG, "p = NaN accepted");
}

static gf_status fit1(const double *x, const int32_t *y, size_t n, size_t p, gf_logit **m)
{
    gf_xy d = { .x = x, .n = n, .p = p, .label = y };
    return gf_logit_fit(&d, NULL, m);
}

static void test_separation(void)
{
    gf_logit *m = NULL;
    /* Complete: x < 4.5 is class 0, the rest class 1. */
    const double x1[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    const int32_t y1[] = { 0, 0, 0, 0, 1, 1, 1, 1 };
    gf_status s = fit1(x1, y1, 8, 1, &m);
    CHECK(s == GF_ERR_FIT && m == NULL, "complete separation: status %d", s);
    CHECK(strstr(gf_errmsg(), "numerically 0 or 1") && strstr(gf_errmsg(), "completely"),
          "message: %s", gf_errmsg());

    /* Complete in two columns, neither separating alone. */
    const double x2[] = { 0, 0, 1, 0, 0, 1, 2, 1, 1, 2, 2, 2, -1, 1, 1, -1 };
    const int32_t y2[] = { 0, 0, 0, 1, 1, 1, 0, 0 };
    s = fit1(x2, y2, 8, 2, &m);
    CHECK(s == GF_ERR_FIT && strstr(gf_errmsg(), "separable"), "2-d separation: %d %s", s,
          gf_errmsg());

    /* Quasi-complete: the classes meet only at x = 5, where both occur, and
     * x2 is noise.  R "converges" here with a coefficient of about 20 and a
     * standard error in the thousands, and does not even warn. */
    const double x3[] = { 1, 0.3, 2, -1.2, 3, 0.8, 4, 0.1, 5, -0.5, 5, 0.9, 5, -0.4, 5, 1.4,
                          6, 0.2, 7, -0.9, 8, 1.1, 9, -0.3 };
    const int32_t y3[] = { 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1 };
    s = fit1(x3, y3, 12, 2, &m);
    CHECK(s == GF_ERR_FIT && m == NULL, "quasi-complete separation: status %d", s);
    CHECK(strstr(gf_errmsg(), "quasi-completely"), "message: %s", gf_errmsg());

    /* One row on the wrong side removes the separation: a finite fit. */
    const int32_t y4[] = { 0, 0, 0, 1, 0, 1, 1, 1 };
    s = fit1(x1, y4, 8, 1, &m);
    CHECK(s == GF_OK, "overlapping classes: %s", gf_errmsg());
    if (m) CHECK(m->coef[1] > 0 && isfinite(m->se[1]), "overlapping classes: coef %g",
                 m->coef[1]);
    gf_logit_free(m);

    /* One class only: nothing to separate, and no finite intercept. */
    const int32_t y5[] = { 1, 1, 1, 1, 1, 1, 1, 1 };
    s = fit1(x1, y5, 8, 1, &m);
    CHECK(s == GF_ERR_FIT && strstr(gf_errmsg(), "both classes"), "one class: %d %s", s,
          gf_errmsg());
}

/* Overlapping classes and one far row: its fitted probability is 1 to
 * machine precision, as R warns, but the maximum exists and is kept. */
static void test_extreme_row(void)
{
    double x[21];
    int32_t y[21];
    for (size_t i = 0; i < 20; i++) {
        x[i] = (double)(i + 1);
        y[i] = (int32_t)(i >= 10) ^ (int32_t)(i == 8 || i == 12);
    }
    x[20] = 1000;
    y[20] = 1;
    gf_logit *m = NULL;
    gf_status s = fit1(x, y, 21, 1, &m);
    CHECK(s == GF_OK, "far row: %s", gf_errmsg());
    if (!m) return;
    CHECK(m->warning && strstr(m->warning, "numerically 0 or 1") && strstr(m->warning, "1 of 21 rows"),
          "far row: warning %s", m->warning ? m->warning : "(none)");
    CHECK(m->coef[1] > 0 && m->coef[1] < 2 && m->se[1] > 0 && m->se[1] < 1,
          "far row: slope %g (se %g)", m->coef[1], m->se[1]);
    gf_logit_free(m);
}

static void test_collinear(void)
{
    gf_logit *m = NULL;
    double x[20 * 2];
    int32_t y[20];
    for (size_t i = 0; i < 20; i++) {
        x[2 * i] = (double)i;
        x[2 * i + 1] = 2.0 * (double)i;
        y[i] = (int32_t)((i * 7) % 3 == 0);
    }
    gf_status s = fit1(x, y, 20, 2, &m);
    CHECK(s == GF_ERR_FIT && strstr(gf_errmsg(), "collinear") && strstr(gf_errmsg(), "x2"),
          "collinear columns: %d %s", s, gf_errmsg());
    for (size_t i = 0; i < 20; i++) x[2 * i + 1] = 3.5;
    s = fit1(x, y, 20, 2, &m);
    CHECK(s == GF_ERR_FIT && strstr(gf_errmsg(), "gf_logit_fit: ") &&
              strstr(gf_errmsg(), "x2 is constant"),
          "constant column: %d %s", s, gf_errmsg());
}

/* Nearly collinear columns (x2 = x1 + 1e-7 u): X'WX is too ill-conditioned
 * for the Cholesky steps, so IRLS must take its QR steps and still find the
 * maximum.  The same model written on (x1, u) is well conditioned, and its
 * coefficients map onto ours: b1' = b1 + b2, b2' = 1e-7 b2. */
static void test_near_collinear_takes_qr(void)
{
    enum { N = 400 };
    const double eps = 1e-7;
    double x[N * 2], xu[N * 2];
    int32_t y[N];
    gf_rng rng;
    gf_rng_seed(&rng, 7);
    for (size_t i = 0; i < N; i++) {
        double x1 = gf_rng_normal(&rng), u = gf_rng_normal(&rng);
        double eta = 0.3 + 0.8 * x1 + 0.6 * u;
        y[i] = gf_rng_uniform(&rng) < 1 / (1 + exp(-eta));
        x[2 * i] = xu[2 * i] = x1;
        x[2 * i + 1] = x1 + eps * u;
        xu[2 * i + 1] = u;
    }
    gf_logit *near = NULL, *good = NULL;
    CHECK(fit1(x, y, N, 2, &near) == GF_OK, "near-collinear fit: %s", gf_errmsg());
    CHECK(fit1(xu, y, N, 2, &good) == GF_OK, "reparameterised fit: %s", gf_errmsg());
    if (near && good) {
        CHECK_REL(near->deviance, good->deviance, 1e-10);
        CHECK_REL(near->coef[0], good->coef[0], 1e-6);
        CHECK_REL(near->coef[1] + near->coef[2], good->coef[1], 1e-6);
        CHECK_REL(eps * near->coef[2], good->coef[2], 1e-6);
        CHECK_REL(eps * near->se[2], good->se[2], 1e-6);
    }
    gf_logit_free(near);
    gf_logit_free(good);
}

static void test_bad_input(void)
{
    const ref r = REF(mtcars, MTCARS);
    gf_xy d = ref_data(&r);
    gf_logit *m = NULL;
    gf_logit_opts o = GF_LOGIT_OPTS_DEFAULT;

    /* glm needs 8 iterations here: 2 are not enough, and that is an error. */
    o.max_iter = 2;
    CHECK(gf_logit_fit(&d, &o, &m) == GF_ERR_FIT && strstr(gf_errmsg(), "converge"),
          "no convergence: %s", gf_errmsg());
    o = GF_LOGIT_OPTS_DEFAULT;
    o.max_iter = 0;
    CHECK(gf_logit_fit(&d, &o, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "max_iter"),
          "max_iter 0: %s", gf_errmsg());
    o = GF_LOGIT_OPTS_DEFAULT;
    o.tol = NAN;
    CHECK(gf_logit_fit(&d, &o, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "tol"), "tol NaN");
    o.tol = -1;
    CHECK(gf_logit_fit(&d, &o, &m) == GF_ERR_ARG, "tol -1");
    o = GF_LOGIT_OPTS_DEFAULT;
    o.level = 1;
    CHECK(gf_logit_fit(&d, &o, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "level"), "level 1");

    double x[MTCARS_N * MTCARS_P];
    memcpy(x, r.x, sizeof x);
    x[5 * 2 + 1] = NAN;
    gf_xy bad = d;
    bad.x = x;
    CHECK(gf_logit_fit(&bad, NULL, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "row 6") &&
              strstr(gf_errmsg(), "wt"),
          "NaN in x: %s", gf_errmsg());

    int32_t y[MTCARS_N];
    memcpy(y, r.label, sizeof y);
    y[3] = 2;
    bad = d;
    bad.label = y;
    CHECK(gf_logit_fit(&bad, NULL, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "row 4"),
          "label 2: %s", gf_errmsg());

    bad = d;
    bad.n = 3;   /* three coefficients need more than three rows */
    CHECK(gf_logit_fit(&bad, NULL, &m) == GF_ERR_SHAPE, "3 rows: %s", gf_errmsg());
    bad.label = NULL;
    bad.n = d.n;
    CHECK(gf_logit_fit(&bad, NULL, &m) == GF_ERR_ARG, "no labels");
    CHECK(gf_logit_fit(NULL, NULL, &m) == GF_ERR_ARG, "no data");
    CHECK(gf_logit_fit(&d, NULL, NULL) == GF_ERR_ARG, "no out");
    CHECK(m == NULL, "a failed fit leaves *out NULL");

    /* Prediction refuses what it cannot use. */
    CHECK(gf_logit_fit(&d, NULL, &m) == GF_OK, "mtcars: %s", gf_errmsg());
    double p[2], xs[4] = { 110, 2.62, INFINITY, 3 };
    CHECK(gf_logit_predict_proba(m, xs, 2, p) == GF_ERR_ARG && strstr(gf_errmsg(), "row 2"),
          "infinite x in predict: %s", gf_errmsg());
    CHECK(gf_logit_predict_proba(NULL, xs, 1, p) == GF_ERR_ARG, "NULL model");
    /* Extreme log-odds give 0 and 1, not NaN. */
    double far[4] = { 1e6, 0, -1e6, 0 };
    CHECK(gf_logit_predict_proba(m, far, 2, p) == GF_OK, "far rows");
    CHECK(p[0] == 1.0 && p[1] == 0.0, "far rows: %g %g", p[0], p[1]);
    gf_logit_free(m);
    gf_logit_free(NULL);
}

int main(void)
{
    const ref refs[] = { REF(mtcars, MTCARS), REF(infert, INFERT), REF(gen, GEN),
                         REF(noint, NOINT) };
    for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) test_matches_glm(&refs[i]);
    test_threshold();
    test_separation();
    test_extreme_row();
    test_collinear();
    test_near_collinear_takes_qr();
    test_bad_input();
    return check_report("test_logit");
}
