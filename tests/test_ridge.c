/* Ridge regression against references computed by other routes: R's QR on
 * the augmented system (tests/fixtures/ridge_mtcars.h, ridge_wide.h, made by
 * scripts/fixtures/ridge.R), glmnet's alpha = 0 fit, seed 001's own J, and
 * scikit-learn's Ridge (ridge_diabetes.h, made by scripts/fixtures/ridge.py).
 * Also: the one-lambda Cholesky and the SVD grid agree, lambda = 0 is least
 * squares, constant columns, and bad input. */
#include "grafo/linear.h"

#include "check.h"
#include "fixtures/ridge_diabetes.h"
#include "fixtures/ridge_mtcars.h"
#include "fixtures/ridge_wide.h"

#include <stdlib.h>
#include <string.h>

/* The tolerance the brief sets against R and scikit-learn. */
#define TOL_REF 1e-8
/* glmnet is an iterative solver; fitted with thresh = 1e-20 it lands within
 * about 1e-8 of the exact minimiser. */
#define TOL_GLMNET 1e-6

static double worst_rel;
static char worst_what[96];

/* got against want relative to |want|, or to `scale` when want is tiny
 * next to it. */
static void near_ref(double got, double want, double scale, double tol, const char *what,
                     size_t l, size_t j)
{
    double den = fabs(want) > 1e-6 * scale ? fabs(want) : scale;
    double rel = fabs(got - want) / den;
    if (tol == TOL_REF && !(rel <= worst_rel)) {
        worst_rel = rel;
        snprintf(worst_what, sizeof worst_what, "%s [lambda %zu, coefficient %zu]", what, l,
                 j);
    }
    CHECK(rel <= tol, "%s, lambda %zu, coefficient %zu: %.17g, reference %.17g "
          "(relative %.3g)", what, l, j, got, want, rel);
}

static double max_abs(const double *v, size_t k)
{
    double m = 0;
    for (size_t j = 0; j < k; j++) m = fmax(m, fabs(v[j]));
    return m;
}

/* Compare nl rows of k coefficients. */
static void near_rows(const double *got, const double *want, size_t nl, size_t k,
                      double tol, const char *what)
{
    for (size_t l = 0; l < nl; l++)
        for (size_t j = 0; j < k; j++)
            near_ref(got[l * k + j], want[l * k + j], max_abs(want + l * k, k), tol, what, l,
                     j);
}

static gf_path *ridge_or_null(const gf_xy *d, const double *lambda, size_t nl, int std,
                              int icpt, const char *what)
{
    gf_path *m = NULL;
    gf_status s = gf_ridge_path(d, lambda, nl, std, icpt, &m);
    CHECK(s == GF_OK && m, "%s: %s", what, gf_errmsg());
    return m;
}

typedef struct grid_case {
    const char *name;
    size_t n, p, nl;
    const char *const *names;
    const double *x, *y, *lambda;
    const double *coef[2][2], *dev[2][2];   /* [standardize][intercept] */
} grid_case;

#define GRID_CASE(tag, TAG)                                                            \
    { #tag, (size_t)TAG##_N, (size_t)TAG##_P, (size_t)TAG##_NLAMBDA, tag##_names,     \
      tag##_x, tag##_y, tag##_lambda,                                                  \
      { { tag##_coef_s0_i0, tag##_coef_s0_i1 }, { tag##_coef_s1_i0, tag##_coef_s1_i1 } }, \
      { { tag##_dev_s0_i0, tag##_dev_s0_i1 }, { tag##_dev_s1_i0, tag##_dev_s1_i1 } } }

static const grid_case grids[] = { GRID_CASE(mtcars, MTCARS), GRID_CASE(wide, WIDE) };

/* The SVD grid and, one lambda at a time, the Cholesky solve, against R. */
static void test_grid_matches_r(const grid_case *c)
{
    gf_xy d = { .x = c->x, .n = c->n, .p = c->p, .y = c->y, .names = c->names };
    size_t k = c->p + 1;
    char what[96];
    for (int std = 0; std <= 1; std++)
        for (int icpt = 0; icpt <= 1; icpt++) {
            snprintf(what, sizeof what, "%s, standardize %d, intercept %d, grid", c->name,
                     std, icpt);
            gf_path *m = ridge_or_null(&d, c->lambda, c->nl, std, icpt, what);
            if (!m) continue;
            CHECK(m->family == GF_GAUSSIAN && m->alpha == 0, "%s: family/alpha", what);
            CHECK(m->nlambda == c->nl && m->k == k, "%s: sizes %zu, %zu", what, m->nlambda,
                  m->k);
            CHECK(strcmp(m->names[0], "(Intercept)") == 0, "%s: names[0]", what);
            for (size_t j = 0; j < c->p; j++)
                CHECK(strcmp(m->names[j + 1], c->names[j]) == 0, "%s: name %zu", what, j);
            CHECK(m->warning == NULL, "%s: warning %s", what, m->warning);
            near_rows(m->coef, c->coef[std][icpt], c->nl, k, TOL_REF, what);
            for (size_t l = 0; l < c->nl; l++) {
                CHECK(m->lambda[l] == c->lambda[l], "%s: lambda %zu not kept in order", what,
                      l);
                near_ref(m->dev_ratio[l], c->dev[std][icpt][l], 1, TOL_REF, "dev_ratio", l,
                         0);
                CHECK(m->df[l] == (int)c->p, "%s: df %d", what, m->df[l]);
                if (!icpt) CHECK(m->coef[l * k] == 0, "%s: intercept not 0", what);
            }

            /* Each lambda alone goes through the Cholesky solve (or QR for
             * lambda = 0): it must agree with R and with the SVD grid. */
            for (size_t l = 0; l < c->nl; l++) {
                snprintf(what, sizeof what, "%s, standardize %d, intercept %d, lambda %g "
                         "alone", c->name, std, icpt, c->lambda[l]);
                gf_path *one = ridge_or_null(&d, &c->lambda[l], 1, std, icpt, what);
                if (!one) continue;
                near_rows(one->coef, c->coef[std][icpt] + l * k, 1, k, TOL_REF, what);
                for (size_t j = 0; j < k; j++)
                    CHECK_NEAR(one->coef[j], m->coef[l * k + j],
                               1e-10 * max_abs(m->coef + l * k, k));
                near_ref(one->dev_ratio[0], c->dev[std][icpt][l], 1, TOL_REF, "dev_ratio",
                         l, 0);
                gf_path_free(one);
            }
            gf_path_free(m);
        }
}

static gf_xy mtcars_data(void)
{
    return (gf_xy){ .x = mtcars_x, .n = (size_t)MTCARS_N, .p = (size_t)MTCARS_P,
                    .y = mtcars_y, .names = mtcars_names };
}

/* lambda = 0 is ordinary least squares: the same as gf_ols_fit. */
static void test_zero_is_ols(void)
{
    gf_xy d = mtcars_data();
    size_t k = d.p + 1;
    gf_ols *ols = NULL;
    CHECK(gf_ols_fit(&d, NULL, &ols) == GF_OK, "ols: %s", gf_errmsg());
    const double grid[] = { 1, 0 }, zero = 0;
    gf_path *m = ridge_or_null(&d, grid, 2, 1, 1, "lambda = 0 in a grid");
    gf_path *one = ridge_or_null(&d, &zero, 1, 0, 1, "lambda = 0 alone");
    if (ols && m && one)
        for (size_t j = 0; j < k; j++) {
            near_ref(m->coef[k + j], ols->coef[j], ols->se[j], 1e-9, "SVD at 0 vs OLS", 1, j);
            near_ref(one->coef[j], ols->coef[j], ols->se[j], 1e-9, "QR at 0 vs OLS", 0, j);
        }
    if (ols && m) CHECK_NEAR(m->dev_ratio[1], ols->r2, 1e-12);
    /* A ridge path predicts like any other path: at lambda = 0, OLS's fit. */
    double yhat[64], want[64];
    if (ols && m && d.n <= 64) {
        CHECK(gf_path_predict(m, 1, d.x, d.n, yhat) == GF_OK, "predict: %s", gf_errmsg());
        gf_linear_predict(ols->coef, d.p, d.x, d.n, want);
        for (size_t i = 0; i < d.n; i++) CHECK_NEAR(yhat[i], want[i], 1e-9);
    }
    gf_ols_free(ols);
    gf_path_free(m);
    gf_path_free(one);
}

/* glmnet(alpha = 0) at lambda_g is grafo's ridge at lambda_g / sd(y). */
static void test_glmnet_scaling(void)
{
    gf_xy d = mtcars_data();
    size_t k = d.p + 1;
    double lam[2];
    for (size_t l = 0; l < 2; l++) lam[l] = mtcars_glmnet_lambda[l] / MTCARS_SD_Y;
    gf_path *m = ridge_or_null(&d, lam, 2, 1, 1, "glmnet scaling");
    if (m) near_rows(m->coef, mtcars_glmnet_coef, 2, k, TOL_GLMNET, "vs glmnet");
    gf_path_free(m);
    /* glmnet's lambda taken as it is would be a different penalty. */
    m = ridge_or_null(&d, mtcars_glmnet_lambda, 2, 1, 1, "glmnet's lambda unscaled");
    if (m) {
        double worst = 0;
        for (size_t j = 0; j < 2 * k; j++)
            worst = fmax(worst, fabs(m->coef[j] - mtcars_glmnet_coef[j]) /
                                    fabs(mtcars_glmnet_coef[j]));
        CHECK(worst > 0.1, "glmnet's lambda unscaled is within %.3g of glmnet's ridge", worst);
    }
    gf_path_free(m);
}

/* Seed 001's J = RSS + lambda'/2 |theta|^2 is minimised by lambda =
 * lambda' / (2n) with standardize = 0: the same theta as R's solve of J's
 * normal equations, and J's gradient vanishes there. */
static void test_seed_scaling(void)
{
    gf_xy d = mtcars_data();
    size_t n = d.n, p = d.p, k = p + 1;
    double lam = SEED_LAMBDA_PRIME / (2.0 * (double)n);
    gf_path *m = ridge_or_null(&d, &lam, 1, 0, 1, "seed scaling");
    if (!m) return;
    near_rows(m->coef, seed_theta, 1, k, TOL_REF, "seed 001's theta");

    /* dJ/dtheta_0 = -2 sum r_i, dJ/dtheta_j = -2 sum r_i x_ij + lambda' theta_j,
     * each small next to the size of its terms. */
    double g[16] = { 0 }, size[16] = { 0 };
    for (size_t i = 0; i < n; i++) {
        double r = d.y[i] - m->coef[0];
        for (size_t j = 0; j < p; j++) r -= m->coef[j + 1] * d.x[i * p + j];
        g[0] += -2 * r;
        size[0] += fabs(2 * d.y[i]);
        for (size_t j = 0; j < p; j++) {
            g[j + 1] += -2 * r * d.x[i * p + j];
            size[j + 1] += fabs(2 * d.y[i] * d.x[i * p + j]);
        }
    }
    for (size_t j = 1; j < k; j++) g[j] += SEED_LAMBDA_PRIME * m->coef[j];
    for (size_t j = 0; j < k; j++)
        CHECK(fabs(g[j]) <= 1e-10 * size[j], "dJ/dtheta_%zu = %g (terms of size %g)", j,
              g[j], size[j]);
    /* And a different lambda' would not do: the seed's lambda' itself used as
     * grafo's lambda gives another, much smaller, theta. */
    double wrong = SEED_LAMBDA_PRIME;
    gf_path *w = ridge_or_null(&d, &wrong, 1, 0, 1, "unscaled lambda'");
    if (w) CHECK(fabs(w->coef[1] - seed_theta[1]) > 0.1 * fabs(seed_theta[1]),
                 "lambda' unscaled should not give the seed's theta");
    gf_path_free(w);
    gf_path_free(m);
}

/* scikit-learn's Ridge(alpha = a) is lambda = a / n, standardize = 0. */
static void test_sklearn_scaling(void)
{
    gf_xy d = { .x = diabetes_x, .n = (size_t)DIABETES_N, .p = (size_t)DIABETES_P,
                .y = diabetes_y, .names = diabetes_names };
    size_t nl = (size_t)DIABETES_NALPHA, k = d.p + 1;
    double lam[8];
    for (size_t l = 0; l < nl; l++) lam[l] = diabetes_alpha[l] / (double)d.n;
    gf_path *a = ridge_or_null(&d, lam, nl, 0, 1, "sklearn, intercept");
    gf_path *b = ridge_or_null(&d, lam, nl, 0, 0, "sklearn, no intercept");
    if (a) near_rows(a->coef, diabetes_coef_i1, nl, k, TOL_REF, "vs sklearn, intercept");
    if (b) near_rows(b->coef, diabetes_coef_i0, nl, k, TOL_REF, "vs sklearn, no intercept");
    gf_path_free(a);
    gf_path_free(b);
}

/* A constant column takes no part: coefficient 0, a warning naming it, and
 * the other coefficients as if it were not there. */
static void test_constant_column(void)
{
    size_t n = (size_t)MTCARS_N, p = 3;
    double *x = malloc(n * (p + 1) * sizeof *x), *x3 = malloc(n * p * sizeof *x3);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++) {
            x[i * (p + 1) + j] = mtcars_x[i * (size_t)MTCARS_P + j];
            x3[i * p + j] = mtcars_x[i * (size_t)MTCARS_P + j];
        }
        x[i * (p + 1) + p] = 0.1;   /* not exactly representable: sd is rounding */
    }
    const char *names[] = { "cyl", "disp", "hp", "const" };
    gf_xy d = { .x = x, .n = n, .p = p + 1, .y = mtcars_y, .names = names };
    gf_xy d3 = { .x = x3, .n = n, .p = p, .y = mtcars_y, .names = names };
    const double grid[] = { 0.5, 0.05 };
    for (int std = 0; std <= 1; std++) {
        gf_path *m = ridge_or_null(&d, grid, 2, std, 1, "constant column");
        gf_path *r = ridge_or_null(&d3, grid, 2, std, 1, "without it");
        if (m && r) {
            CHECK(m->warning && strstr(m->warning, "const") && strstr(m->warning, "column 4"),
                  "warning: %s", m->warning ? m->warning : "(none)");
            for (size_t l = 0; l < 2; l++) {
                CHECK(m->coef[l * (p + 2) + p + 1] == 0, "constant column's coefficient");
                CHECK(m->df[l] == (int)p, "df %d", m->df[l]);
                for (size_t j = 0; j <= p; j++)
                    CHECK_NEAR(m->coef[l * (p + 2) + j], r->coef[l * (p + 1) + j], 1e-12);
            }
        }
        gf_path_free(m);
        gf_path_free(r);
    }
    free(x);
    free(x3);
}

/* More penalty, smaller standardised coefficients and a worse fit. */
static void test_shrinkage(void)
{
    gf_xy d = mtcars_data();
    size_t k = d.p + 1;
    const double grid[] = { 0, 0.01, 0.1, 1, 10, 100 };
    gf_path *m = ridge_or_null(&d, grid, 6, 1, 1, "shrinkage");
    if (!m) return;
    double sd[16], mean[16];
    const double *x = d.x;
    for (size_t j = 0; j < d.p; j++) {
        double s = 0, q = 0;
        for (size_t i = 0; i < d.n; i++) s += x[i * d.p + j];
        mean[j] = s / (double)d.n;
        for (size_t i = 0; i < d.n; i++) q += (x[i * d.p + j] - mean[j]) * (x[i * d.p + j] - mean[j]);
        sd[j] = sqrt(q / (double)d.n);
    }
    double prev_norm = INFINITY, prev_dev = 1;
    for (size_t l = 0; l < 6; l++) {
        double norm = 0;
        for (size_t j = 1; j < k; j++) norm += pow(m->coef[l * k + j] * sd[j - 1], 2);
        CHECK(norm < prev_norm, "|beta| at lambda %g is %g, not below %g", grid[l], norm,
              prev_norm);
        CHECK(m->dev_ratio[l] < prev_dev, "dev_ratio at lambda %g", grid[l]);
        prev_norm = norm;
        prev_dev = m->dev_ratio[l];
    }
    /* At lambda = 100 little is left: the standardised |beta|^2 is tiny. */
    CHECK(prev_norm < 0.05, "|beta|^2 at lambda 100 is %g", prev_norm);
    gf_path_free(m);
}

static void test_bad_input(void)
{
    gf_xy d = mtcars_data();
    gf_path *m = (gf_path *)&m;   /* must be set to NULL on error */
    const double neg[] = { 1, -0.5 }, nan[] = { NAN }, inf[] = { INFINITY };

    CHECK(gf_ridge_path(&d, neg, 2, 1, 1, &m) == GF_ERR_ARG && m == NULL,
          "negative lambda");
    CHECK(strstr(gf_errmsg(), "lambda number 2") && strstr(gf_errmsg(), "-0.5"), "message: %s",
          gf_errmsg());
    m = (gf_path *)&m;
    CHECK(gf_ridge_path(&d, nan, 1, 1, 1, &m) == GF_ERR_ARG && m == NULL, "NaN lambda");
    CHECK(strstr(gf_errmsg(), "lambda") && strstr(gf_errmsg(), "nan"), "message: %s",
          gf_errmsg());
    CHECK(gf_ridge_path(&d, inf, 1, 1, 1, &m) == GF_ERR_ARG, "infinite lambda");
    CHECK(gf_ridge_path(&d, NULL, 3, 1, 1, &m) == GF_ERR_ARG, "NULL lambda");
    CHECK(gf_ridge_path(&d, neg, 0, 1, 1, &m) == GF_ERR_ARG, "no lambda");
    CHECK(gf_ridge_path(&d, neg, 1, 1, 1, NULL) == GF_ERR_ARG, "NULL out");
    CHECK(gf_ridge_path(NULL, neg, 1, 1, 1, &m) == GF_ERR_ARG, "NULL data");

    /* A non-finite value, named by row and column. */
    double *x = malloc(d.n * d.p * sizeof *x);
    memcpy(x, d.x, d.n * d.p * sizeof *x);
    x[4 * d.p + 2] = NAN;
    gf_xy bad = d;
    bad.x = x;
    CHECK(gf_ridge_path(&bad, neg, 1, 1, 1, &m) == GF_ERR_ARG, "NaN in x");
    CHECK(strstr(gf_errmsg(), "row 5") && strstr(gf_errmsg(), "column 3"), "message: %s",
          gf_errmsg());

    /* lambda = 0 on collinear columns: least squares is not determined, and
     * the message names the columns; any lambda > 0 is fine. */
    for (size_t i = 0; i < d.n; i++)
        x[i * d.p + 2] = 2 * d.x[i * d.p + 1] - d.x[i * d.p + 4];   /* hp = 2 disp - wt */
    const double zero_grid[] = { 1, 0 };
    CHECK(gf_ridge_path(&bad, zero_grid, 2, 1, 1, &m) == GF_ERR_FIT && m == NULL,
          "collinear at lambda 0");
    CHECK(strstr(gf_errmsg(), "hp") && strstr(gf_errmsg(), "disp") && strstr(gf_errmsg(), "wt"),
          "message: %s", gf_errmsg());
    CHECK(gf_ridge_path(&bad, zero_grid, 1, 1, 1, &m) == GF_OK && m, "collinear at lambda 1: %s",
          gf_errmsg());
    gf_path_free(m);
    free(x);

    /* lambda = 0 with more columns than rows. */
    gf_xy w = { .x = wide_x, .n = (size_t)WIDE_N, .p = (size_t)WIDE_P, .y = wide_y };
    m = NULL;
    CHECK(gf_ridge_path(&w, zero_grid + 1, 1, 1, 1, &m) == GF_ERR_SHAPE && m == NULL,
          "lambda 0 on a wide design");
}

int main(void)
{
    for (size_t c = 0; c < sizeof grids / sizeof *grids; c++) test_grid_matches_r(&grids[c]);
    test_zero_is_ols();
    test_glmnet_scaling();
    test_seed_scaling();
    test_sklearn_scaling();
    printf("largest relative difference from R and scikit-learn: %.3g (%s)\n", worst_rel,
           worst_what);
    test_constant_column();
    test_shrinkage();
    test_bad_input();
    return check_report("test_ridge");
}
