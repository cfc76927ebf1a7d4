/* Ordinary least squares against R's lm, summary.lm and confint
 * (tests/fixtures/lm_*.h, made by scripts/fixtures/lm.R), seed 000's
 * identities, the collinearity diagnosis, and bad input. */
#include "grafo/linear.h"

#include "check.h"
#include "fixtures/lm_cars.h"
#include "fixtures/lm_gen.h"
#include "fixtures/lm_mtcars.h"
#include "fixtures/lm_noint.h"
#include "fixtures/lm_usarrests.h"

#include <stdlib.h>
#include <string.h>

/* The tolerance against R. */
#define TOL_R 1e-6

/* One lm fit from a fixture: the data and what R reported.  The arrays of
 * per-coefficient values hold only the fitted coefficients (no intercept
 * entry for a fit through the origin). */
typedef struct lm_case {
    const char *name;
    size_t n, p;
    int intercept;
    double level;
    const char *const *names;
    const double *x, *y, *coef, *se, *t, *pval, *ci_low, *ci_high, *vcov, *fitted;
    double sigma, df, r2, adj_r2, f, f_df1, f_df2, f_p, sse, sst, ssm, rmse, mae;
} lm_case;

#define LM_CASE(tag, TAG)                                                                 \
    { #tag, (size_t)TAG##_N, (size_t)TAG##_P, TAG##_INTERCEPT, TAG##_LEVEL, tag##_names,  \
      tag##_x, tag##_y, tag##_coef, tag##_se, tag##_t, tag##_pval, tag##_ci_low,          \
      tag##_ci_high, tag##_vcov, tag##_fitted, TAG##_SIGMA, TAG##_DF, TAG##_R2,           \
      TAG##_ADJ_R2, TAG##_F, TAG##_F_DF1, TAG##_F_DF2, TAG##_F_P, TAG##_SSE, TAG##_SST,   \
      TAG##_SSM, TAG##_RMSE, TAG##_MAE }

static const lm_case cases[] = {
    LM_CASE(usarrests, USARRESTS), LM_CASE(cars, CARS), LM_CASE(mtcars, MTCARS),
    LM_CASE(noint, NOINT), LM_CASE(gen, GEN),
};

/* The largest relative difference from R seen over all cases, reported at
 * the end so the margin under TOL_R is visible. */
static double worst_rel;
static char worst_what[96];

/* got against R's want, relative to |want|; where R's value is tiny next
 * to the quantity's natural size `scale`, absolutely against scale. */
static void near_r(double got, double want, double scale, const char *what,
                   const char *tag, size_t j)
{
    double den = fabs(want) > 1e-9 * scale ? fabs(want) : scale;
    double rel = fabs(got - want) / den;
    if (!(rel <= worst_rel)) {
        worst_rel = rel;
        snprintf(worst_what, sizeof worst_what, "%s: %s[%zu]", tag, what, j);
    }
    CHECK(rel <= TOL_R, "%s: %s[%zu] is %.17g, R gives %.17g (relative %.3g)", tag, what,
          j, got, want, rel);
}

static gf_xy case_data(const lm_case *c)
{
    return (gf_xy){ .x = c->x, .n = c->n, .p = c->p, .y = c->y, .names = c->names };
}

static void test_matches_r(const lm_case *c)
{
    gf_xy d = case_data(c);
    gf_ols_opts o = GF_OLS_OPTS_DEFAULT;
    o.intercept = c->intercept;
    o.level = c->level;
    gf_ols *m = NULL;
    gf_status s = gf_ols_fit(&d, &o, &m);
    CHECK(s == GF_OK && m, "%s: %s", c->name, gf_errmsg());
    if (!m) return;

    size_t k = c->p + 1, off = c->intercept ? 0 : 1, kk = k - off;
    CHECK(m->n == c->n && m->k == k && m->intercept == c->intercept, "%s: sizes", c->name);
    CHECK(m->warning == NULL, "%s: unexpected warning %s", c->name, m->warning);
    CHECK(strcmp(m->names[0], "(Intercept)") == 0, "%s: first name %s", c->name,
          m->names[0]);
    for (size_t j = 0; j < c->p; j++)
        CHECK(strcmp(m->names[j + 1], c->names[j]) == 0, "%s: name %zu is %s", c->name,
              j + 1, m->names[j + 1]);

    for (size_t a = 0; a < kk; a++) {
        size_t j = a + off;
        near_r(m->coef[j], c->coef[a], c->se[a], "coef", c->name, j);
        near_r(m->se[j], c->se[a], 1, "se", c->name, j);
        near_r(m->t[j], c->t[a], 1, "t", c->name, j);
        near_r(m->p_value[j], c->pval[a], 1e-300, "p_value", c->name, j);
        near_r(m->ci_low[j], c->ci_low[a], c->se[a], "ci_low", c->name, j);
        near_r(m->ci_high[j], c->ci_high[a], c->se[a], "ci_high", c->name, j);
        for (size_t b = 0; b < kk; b++)
            near_r(m->vcov[j * k + b + off], c->vcov[a * kk + b], c->se[a] * c->se[b],
                   "vcov", c->name, a * kk + b);
    }
    if (!c->intercept) {
        /* The unfitted intercept is 0 with no test, as the header promises. */
        CHECK(m->coef[0] == 0 && m->se[0] == 0 && isnan(m->t[0]) && isnan(m->p_value[0]) &&
                  m->ci_low[0] == 0 && m->ci_high[0] == 0,
              "%s: intercept entries should be 0 (t and p NaN)", c->name);
        for (size_t j = 0; j < k; j++)
            CHECK(m->vcov[j] == 0 && m->vcov[j * k] == 0, "%s: vcov row/column 0", c->name);
    }
    CHECK(m->level == c->level, "%s: level", c->name);
    near_r(m->sigma, c->sigma, 1, "sigma", c->name, 0);
    CHECK(m->df_resid == c->df, "%s: df %g, R gives %g", c->name, m->df_resid, c->df);
    near_r(m->r2, c->r2, 1, "r2", c->name, 0);
    near_r(m->adj_r2, c->adj_r2, 1, "adj_r2", c->name, 0);
    near_r(m->f, c->f, 1, "F", c->name, 0);
    CHECK(m->f_df1 == c->f_df1 && m->f_df2 == c->f_df2, "%s: F on %g and %g df, R: %g, %g",
          c->name, m->f_df1, m->f_df2, c->f_df1, c->f_df2);
    near_r(m->f_p, c->f_p, 1e-300, "F p-value", c->name, 0);
    near_r(m->sse, c->sse, 1, "SSE", c->name, 0);
    near_r(m->sst, c->sst, 1, "SST", c->name, 0);
    near_r(m->ssm, c->ssm, 1, "SSM", c->name, 0);
    near_r(m->rmse, c->rmse, 1, "RMSE", c->name, 0);
    near_r(m->mae, c->mae, 1, "MAE", c->name, 0);

    /* Seed 000: the model and residual sums of squares make up the total. */
    CHECK_REL(m->ssm + m->sse, m->sst, 1e-10);

    /* gf_linear_predict gives R's fitted values, and (seed 000, after
     * equation 6) R^2 is the squared correlation of y and yhat. */
    double *yhat = malloc(c->n * sizeof *yhat);
    CHECK(gf_linear_predict(m->coef, c->p, c->x, c->n, yhat) == GF_OK, "%s: predict: %s",
          c->name, gf_errmsg());
    double sy = 0, sf = 0;
    for (size_t i = 0; i < c->n; i++) {
        near_r(yhat[i], c->fitted[i], fabs(c->sigma), "fitted", c->name, i);
        sy += c->y[i];
        sf += yhat[i];
    }
    if (c->intercept) {
        double my = sy / (double)c->n, mf = sf / (double)c->n, syy = 0, sff = 0, syf = 0;
        for (size_t i = 0; i < c->n; i++) {
            syy += (c->y[i] - my) * (c->y[i] - my);
            sff += (yhat[i] - mf) * (yhat[i] - mf);
            syf += (c->y[i] - my) * (yhat[i] - mf);
        }
        CHECK_REL(m->r2, syf * syf / (syy * sff), 1e-10);
    }
    free(yhat);
    gf_ols_free(m);
}

/* Seed 000, equations 4 and 5: the slope is Sxy / Sxx and the line passes
 * through the means. */
static void test_simple_closed_form(void)
{
    size_t n = (size_t)CARS_N;
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (size_t i = 0; i < n; i++) mx += cars_x[i], my += cars_y[i];
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxy += (cars_x[i] - mx) * (cars_y[i] - my);
        sxx += (cars_x[i] - mx) * (cars_x[i] - mx);
    }
    double b1 = sxy / sxx, b0 = my - b1 * mx;
    gf_xy d = { .x = cars_x, .n = n, .p = 1, .y = cars_y };
    gf_ols *m = NULL;
    CHECK(gf_ols_fit(&d, NULL, &m) == GF_OK, "cars with default options: %s", gf_errmsg());
    if (!m) return;
    CHECK_REL(m->coef[1], b1, 1e-12);
    CHECK_REL(m->coef[0], b0, 1e-12);
    CHECK(strcmp(m->names[1], "x1") == 0, "default name %s", m->names[1]);
    CHECK(m->level == 0.95, "default level %g", m->level);
    gf_ols_free(m);
}

/* Fit x (n x p) against mtcars' mpg and expect GF_ERR_FIT with a message
 * holding `expect`. */
static void expect_collinear(const double *x, size_t p, const char *const *names,
                             int intercept, const char *expect)
{
    gf_xy d = { .x = x, .n = (size_t)MTCARS_N, .p = p, .y = mtcars_y, .names = names };
    gf_ols_opts o = GF_OLS_OPTS_DEFAULT;
    o.intercept = intercept;
    gf_ols *m = (gf_ols *)1;
    gf_status s = gf_ols_fit(&d, &o, &m);
    CHECK(s == GF_ERR_FIT, "expected a fit error for \"%s\", got %d", expect, (int)s);
    CHECK(m == NULL, "out must be NULL after a failure");
    CHECK(strstr(gf_errmsg(), expect) != NULL, "message \"%s\" lacks \"%s\"", gf_errmsg(),
          expect);
    gf_ols_free(m == (gf_ols *)1 ? NULL : m);
}

/* mtcars' wt (column 0) and hp (column 1), with a third column made by f. */
static double *wt_hp_plus(double (*f)(double wt, double hp))
{
    size_t n = (size_t)MTCARS_N;
    double *x = malloc(n * 3 * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        double wt = mtcars_x[i * 4 + 0], hp = mtcars_x[i * 4 + 1];
        x[i * 3 + 0] = wt;
        x[i * 3 + 1] = hp;
        x[i * 3 + 2] = f(wt, hp);
    }
    return x;
}
static double dup_wt(double wt, double hp) { (void)hp; return wt; }
static double combo(double wt, double hp) { return 2 * wt - hp; }
static double shifted(double wt, double hp) { (void)hp; return 1.5 + 0.25 * wt; }
static double constant(double wt, double hp) { (void)wt, (void)hp; return 4; }
static double zero(double wt, double hp) { (void)wt, (void)hp; return 0; }
/* wt^2 is outside the span of 1, wt and hp: R's |R_jj| / |z| is 3.8e-6 for
 * the first (kept) and 3.8e-9 for the second (dropped). */
static double nearly(double wt, double hp) { (void)hp; return wt + 1e-5 * wt * wt; }
static double too_nearly(double wt, double hp) { (void)hp; return wt + 1e-8 * wt * wt; }

static void test_rank_deficient(void)
{
    const char *const names[] = { "wt", "hp", "z" };
    double *x;

    x = wt_hp_plus(dup_wt);
    expect_collinear(x, 3, names, 1, "column z is collinear with earlier columns: z = wt");
    expect_collinear(x, 3, names, 0, "z = wt");
    free(x);

    x = wt_hp_plus(combo);
    expect_collinear(x, 3, names, 1, "z = 2*wt - hp");
    /* Without names, columns are x1, x2, ... as a person counts. */
    expect_collinear(x, 3, NULL, 1, "x3 = 2*x1 - x2");
    free(x);

    x = wt_hp_plus(shifted);
    expect_collinear(x, 3, names, 1, "z = 1.5 + 0.25*wt");
    free(x);

    x = wt_hp_plus(constant);
    expect_collinear(x, 3, names, 1,
                     "z is constant (4 in every row), so it is collinear with the intercept");
    free(x);

    x = wt_hp_plus(too_nearly);
    expect_collinear(x, 3, names, 1, "z = wt;");
    free(x);

    x = wt_hp_plus(zero);
    expect_collinear(x, 3, names, 1, "z is zero in every row");
    expect_collinear(x, 3, names, 0, "z is zero in every row");
    free(x);

    /* Without an intercept a constant column is an ordinary regressor, and
     * a column close to (but not in) the span of the others is fitted, as R
     * fits it: the tolerance is 1e-7, not a looser guess. */
    gf_ols_opts o = GF_OLS_OPTS_DEFAULT;
    gf_ols *m = NULL;
    x = wt_hp_plus(constant);
    o.intercept = 0;
    gf_xy d = { .x = x, .n = (size_t)MTCARS_N, .p = 3, .y = mtcars_y, .names = names };
    CHECK(gf_ols_fit(&d, &o, &m) == GF_OK, "constant column without intercept: %s",
          gf_errmsg());
    gf_ols_free(m);
    free(x);
    x = wt_hp_plus(nearly);
    d.x = x;
    m = NULL;
    CHECK(gf_ols_fit(&d, NULL, &m) == GF_OK, "nearly collinear column: %s", gf_errmsg());
    gf_ols_free(m);
    free(x);
}

static void expect_fail(const gf_xy *d, const gf_ols_opts *o, gf_status want,
                        const char *expect)
{
    gf_ols *m = (gf_ols *)1;
    gf_status s = gf_ols_fit(d, o, &m);
    CHECK(s == want, "expected status %d for \"%s\", got %d (%s)", (int)want, expect, (int)s,
          gf_errmsg());
    CHECK(m == NULL, "out must be NULL after a failure (\"%s\")", expect);
    CHECK(strstr(gf_errmsg(), expect) != NULL, "message \"%s\" lacks \"%s\"", gf_errmsg(),
          expect);
    if (s == GF_OK) gf_ols_free(m);
}

static void test_bad_input(void)
{
    size_t n = (size_t)USARRESTS_N, p = (size_t)USARRESTS_P;
    gf_xy d = { .x = usarrests_x, .n = n, .p = p, .y = usarrests_y };
    gf_ols_opts o = GF_OLS_OPTS_DEFAULT;

    /* Rows: n must exceed the coefficients (3 with the intercept). */
    d.n = 3;
    expect_fail(&d, &o, GF_ERR_SHAPE, "3 rows for 3 coefficients");
    d.n = 2;
    expect_fail(&d, &o, GF_ERR_SHAPE, "more rows than coefficients");
    d.n = 4;
    gf_ols *m = NULL;
    CHECK(gf_ols_fit(&d, &o, &m) == GF_OK && m->df_resid == 1, "4 rows, 1 df: %s",
          gf_errmsg());
    gf_ols_free(m);
    o.intercept = 0;
    d.n = 2;
    expect_fail(&d, &o, GF_ERR_SHAPE, "2 rows for 2 coefficients");
    o.intercept = 1;
    d.n = n;

    /* Non-finite values, named by row and column. */
    double *x = malloc(n * p * sizeof *x), *y = malloc(n * sizeof *y);
    memcpy(x, usarrests_x, n * p * sizeof *x);
    memcpy(y, usarrests_y, n * sizeof *y);
    d.x = x;
    d.y = y;
    x[6 * p + 1] = NAN;
    expect_fail(&d, &o, GF_ERR_ARG, "row 7, column 2");
    x[6 * p + 1] = -INFINITY;
    expect_fail(&d, &o, GF_ERR_ARG, "row 7, column 2");
    x[6 * p + 1] = usarrests_x[6 * p + 1];
    y[12] = INFINITY;
    expect_fail(&d, &o, GF_ERR_ARG, "y has a non-finite value (inf) at row 13");
    y[12] = NAN;
    expect_fail(&d, &o, GF_ERR_ARG, "at row 13");
    free(x);
    free(y);
    d.x = usarrests_x;
    d.y = usarrests_y;

    /* NULL pointers. */
    expect_fail(NULL, &o, GF_ERR_ARG, "no data");
    d.y = NULL;
    expect_fail(&d, &o, GF_ERR_ARG, "y is NULL");
    d.y = usarrests_y;
    d.x = NULL;
    expect_fail(&d, &o, GF_ERR_ARG, "x is NULL");
    d.x = usarrests_x;
    CHECK(gf_ols_fit(&d, &o, NULL) == GF_ERR_ARG, "NULL out");
    d.p = 0;
    expect_fail(&d, &o, GF_ERR_SHAPE, "no columns");
    d.p = p;

    /* The confidence level must be a probability strictly inside (0, 1). */
    const double bad_levels[] = { 0, 1, -0.5, 1.5, NAN, INFINITY };
    for (size_t i = 0; i < sizeof bad_levels / sizeof *bad_levels; i++) {
        o.level = bad_levels[i];
        expect_fail(&d, &o, GF_ERR_ARG, "level is");
    }
    gf_ols_free(NULL);
}

/* A response the columns fit exactly: R warns that the summary may be
 * unreliable, and so do we, in the result, not on stderr. */
static void test_perfect_fit_warns(void)
{
    size_t n = (size_t)MTCARS_N;
    double *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) y[i] = 1 + 2 * mtcars_x[i * 4] - 0.5 * mtcars_x[i * 4 + 1];
    gf_xy d = { .x = mtcars_x, .n = n, .p = 4, .y = y };
    gf_ols *m = NULL;
    CHECK(gf_ols_fit(&d, NULL, &m) == GF_OK, "perfect fit: %s", gf_errmsg());
    if (m) {
        CHECK(m->warning && strstr(m->warning, "essentially perfect fit"), "warning: %s",
              m->warning ? m->warning : "(none)");
        CHECK_NEAR(m->coef[1], 2, 1e-9);
        CHECK_NEAR(m->coef[2], -0.5, 1e-9);
        CHECK_NEAR(m->r2, 1, 1e-12);
    }
    gf_ols_free(m);
    free(y);
}

static void test_predict(void)
{
    /* yhat = 1 + 2 x1 - 3 x2 by hand. */
    const double coef[] = { 1, 2, -3 }, x[] = { 0, 0, 1, 1, 2, -1 };
    double yhat[3];
    CHECK(gf_linear_predict(coef, 2, x, 3, yhat) == GF_OK, "predict: %s", gf_errmsg());
    CHECK(yhat[0] == 1 && yhat[1] == 0 && yhat[2] == 8, "predict gives %g %g %g", yhat[0],
          yhat[1], yhat[2]);
    CHECK(gf_linear_predict(NULL, 2, x, 3, yhat) == GF_ERR_ARG, "NULL coef");
    CHECK(gf_linear_predict(coef, 2, NULL, 3, yhat) == GF_ERR_ARG, "NULL x");
    CHECK(gf_linear_predict(coef, 2, x, 3, NULL) == GF_ERR_ARG, "NULL yhat");
    const double xbad[] = { 0, 0, 1, NAN };
    CHECK(gf_linear_predict(coef, 2, xbad, 2, yhat) == GF_ERR_ARG, "NaN in x");
    CHECK(strstr(gf_errmsg(), "row 2, column 2") != NULL, "message: %s", gf_errmsg());
}

/* A response whose squares overflow is refused, not summarised as NaN. */
static void test_huge_values(void)
{
    const double x[] = { 1, 2, 3, 4, 5 }, y[] = { 1e160, 3e160, 2e160, 5e160, 4e160 };
    gf_xy d = { .x = x, .n = 5, .p = 1, .y = y };
    gf_ols *m = NULL;
    CHECK(gf_ols_fit(&d, NULL, &m) == GF_ERR_ARG && m == NULL &&
              strstr(gf_errmsg(), "y is 1e+160 at row 1"),
          "y of 1e160: %s", gf_errmsg());
}

int main(void)
{
    test_huge_values();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) test_matches_r(&cases[i]);
    printf("largest relative difference from R: %.3g (%s)\n", worst_rel, worst_what);
    test_simple_closed_form();
    test_rank_deficient();
    test_bad_input();
    test_perfect_fit_warns();
    test_predict();
    return check_report("test_ols");
}
