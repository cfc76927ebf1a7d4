/* Least squares by gradient descent: seed 000's point that the iterative
 * route and the exact one meet.  Full-batch GD, online SGD (with a decaying
 * step) and minibatch SGD all reach gf_ols_fit's QR solution to 1e-6
 * relative on standardised data; plus the update rule checked by hand,
 * determinism, stopping, divergence and bad input. */
#include "grafo/linear.h"

#include "check.h"

#include <stdlib.h>
#include <string.h>

/* The tolerance between the two routes. */
#define TOL_ROUTES 1e-6

enum { N = 200, P = 5 };

/* A fixed generated problem: correlated columns (a shared factor), each then
 * standardised to mean 0 and population sd 1, and
 * y = 3 + x . beta + noise(sd 0.5). */
static double X[N * P], Y[N];

static void make_problem(void)
{
    gf_rng r;
    gf_rng_seed(&r, 42);
    const double beta[P] = { 1.5, -2, 0.7, 1.0, -0.4 };
    for (size_t i = 0; i < N; i++) {
        double z = gf_rng_normal(&r);
        for (size_t j = 0; j < P; j++) X[i * P + j] = 0.5 * z + gf_rng_normal(&r);
    }
    for (size_t j = 0; j < P; j++) {
        double m = 0, s = 0;
        for (size_t i = 0; i < N; i++) m += X[i * P + j];
        m /= N;
        for (size_t i = 0; i < N; i++) s += (X[i * P + j] - m) * (X[i * P + j] - m);
        s = sqrt(s / N);
        for (size_t i = 0; i < N; i++) X[i * P + j] = (X[i * P + j] - m) / s;
    }
    for (size_t i = 0; i < N; i++) {
        Y[i] = 3 + 0.5 * gf_rng_normal(&r);
        for (size_t j = 0; j < P; j++) Y[i] += beta[j] * X[i * P + j];
    }
}

static const gf_xy data = { .x = X, .n = N, .p = P, .y = Y };

/* The largest relative difference of gd's coefficients from QR's. */
static double rel_diff(const gf_gd_result *g, const gf_ols *o)
{
    double worst = 0;
    for (size_t j = 0; j < P + 1; j++) {
        if (o->coef[j] == 0 && g->coef[j] == 0) continue;
        worst = fmax(worst, fabs(g->coef[j] - o->coef[j]) / fabs(o->coef[j]));
    }
    return worst;
}

static gf_ols *exact_fit(int intercept)
{
    gf_ols_opts oo = GF_OLS_OPTS_DEFAULT;
    oo.intercept = intercept;
    gf_ols *o = NULL;
    CHECK(gf_ols_fit(&data, &oo, &o) == GF_OK && o, "gf_ols_fit: %s", gf_errmsg());
    return o;
}

/* Run gd with o and compare it with the exact fit; returns the difference
 * (or INFINITY when the fit fails). */
static double meets_exact(const char *what, const gf_gd_opts *o, const gf_ols *exact,
                          int must_converge)
{
    gf_gd_result *g = NULL;
    gf_status s = gf_linreg_gd(&data, o, &g);
    CHECK(s == GF_OK && g, "%s: %s", what, gf_errmsg());
    if (!g || !exact) return INFINITY;
    double rel = rel_diff(g, exact);
    printf("%-44s epochs %6d  converged %d  largest relative difference from QR %.3g\n",
           what, g->epochs, g->converged, rel);
    CHECK(g->k == P + 1, "%s: k", what);
    if (must_converge) {
        CHECK(rel <= TOL_ROUTES, "%s: %.3g from the QR solution", what, rel);
        CHECK(g->converged && g->warning == NULL && g->epochs < o->max_epochs,
              "%s: converged %d after %d epochs, warning %s", what, g->converged, g->epochs,
              g->warning ? g->warning : "(none)");
        /* At the least-squares solution the MSE is SSE / n. */
        CHECK_REL(g->mse, exact->sse / N, 1e-10);
    }
    gf_gd_result_free(g);
    return rel;
}

static void test_routes_meet(void)
{
    gf_ols *exact = exact_fit(1), *exact0 = exact_fit(0);

    /* Full-batch GD with the defaults converges linearly. */
    gf_gd_opts o = GF_GD_OPTS_DEFAULT;
    meets_exact("batch GD, defaults", &o, exact, 1);

    /* Online SGD (Algorithm 2.1), rows reshuffled every epoch, step
     * 0.02 / (1 + 0.01 t): the decay lets the per-row jitter die out, like
     * 1/t with reshuffled rows.  The stopping rule is the default one. */
    o = GF_GD_OPTS_DEFAULT;
    o.batch = 1;
    o.lr = 0.02;
    o.lr_decay = 0.01;
    o.max_epochs = 100000;
    meets_exact("online SGD, decaying step", &o, exact, 1);

    /* Minibatches of 10 rows (Algorithm 2.2). */
    o.batch = 10;
    o.lr = 0.2;
    o.lr_decay = 0.1;
    meets_exact("minibatch SGD (10 rows), decaying step", &o, exact, 1);

    /* Without the decay, online SGD keeps jittering around the solution, by
     * more the larger the step: near it, but not at it. */
    o.batch = 1;
    o.lr = 0.005;
    o.lr_decay = 0;
    o.tol = 0;
    o.max_epochs = 2000;
    double rel = meets_exact("online SGD, constant step", &o, exact, 0);
    CHECK(rel > 1e-4 && rel < 0.2, "constant step: %.3g from QR", rel);

    /* Through the origin: the intercept stays 0, as in gf_ols_fit. */
    o = GF_GD_OPTS_DEFAULT;
    o.intercept = 0;
    meets_exact("batch GD, no intercept", &o, exact0, 1);

    gf_ols_free(exact);
    gf_ols_free(exact0);
}

/* The update rule by hand on three rows, x = (1, 2, 4), y = (1, 3, 2),
 * starting from zero with lr = 0.1:
 *   batch:  r = -y, so b = 0.1 * 2/3 * 6 = 0.4, w = 0.1 * 2/3 * 15 = 1.0;
 *   online, rows in order: after row 1, r = -1: b = 0.2, w = 0.2;
 *     row 2: r = 0.2 + 0.4 - 3 = -2.4: b = 0.68, w = 0.2 + 0.96 = 1.16;
 *     row 3: r = 0.68 + 4.64 - 2 = 3.32: b = 0.016, w = 1.16 - 2.656 = -1.496.
 *   With lr_decay = 1 the three steps are 0.1, 0.05, 0.1/3. */
static void test_update_by_hand(void)
{
    const double x[] = { 1, 2, 4 }, y[] = { 1, 3, 2 };
    gf_xy d = { .x = x, .n = 3, .p = 1, .y = y };
    gf_gd_opts o = GF_GD_OPTS_DEFAULT;
    o.max_epochs = 1;
    gf_gd_result *g = NULL;
    CHECK(gf_linreg_gd(&d, &o, &g) == GF_OK && g, "batch: %s", gf_errmsg());
    if (g) {
        CHECK_NEAR(g->coef[0], 0.4, 1e-15);
        CHECK_NEAR(g->coef[1], 1.0, 1e-15);
        CHECK(g->epochs == 1 && !g->converged && g->warning, "one epoch, not converged");
        /* mse at the end: residuals 1.4 - 1, 2.4 - 3, 4.4 - 2. */
        CHECK_NEAR(g->mse, (0.16 + 0.36 + 5.76) / 3, 1e-14);
    }
    gf_gd_result_free(g);

    o.batch = 1;
    o.shuffle = 0;
    CHECK(gf_linreg_gd(&d, &o, &g) == GF_OK && g, "online: %s", gf_errmsg());
    if (g) {
        CHECK_NEAR(g->coef[0], 0.016, 1e-14);
        CHECK_NEAR(g->coef[1], -1.496, 1e-14);
    }
    gf_gd_result_free(g);

    /* Decay: row 1 at 0.1 gives b = w = 0.2; row 2 at 0.05: r = -2.4,
     * b = 0.44, w = 0.68; row 3 at 0.1/3: r = 0.44 + 2.72 - 2 = 1.16,
     * b = 0.44 - 0.2*1.16/3, w = 0.68 - 0.8*1.16/3. */
    o.lr_decay = 1;
    CHECK(gf_linreg_gd(&d, &o, &g) == GF_OK && g, "decay: %s", gf_errmsg());
    if (g) {
        CHECK_NEAR(g->coef[0], 0.44 - 0.2 * 1.16 / 3, 1e-14);
        CHECK_NEAR(g->coef[1], 0.68 - 0.8 * 1.16 / 3, 1e-14);
    }
    gf_gd_result_free(g);

    /* Without an intercept b stays 0: row 1: r = -1, w = 0.2; row 2:
     * r = 0.4 - 3 = -2.6, w = 0.2 + 1.04 = 1.24; row 3: r = 4.96 - 2 = 2.96,
     * w = 1.24 - 2.368 = -1.128. */
    o.lr_decay = 0;
    o.intercept = 0;
    CHECK(gf_linreg_gd(&d, &o, &g) == GF_OK && g, "online, no intercept: %s", gf_errmsg());
    if (g) {
        CHECK(g->coef[0] == 0, "intercept %g", g->coef[0]);
        CHECK_NEAR(g->coef[1], -1.128, 1e-14);
    }
    gf_gd_result_free(g);
    o.intercept = 1;

    /* A minibatch of 2 then 1: rows 1-2 at once: r = (-1, -3),
     * b = 0.1 * (2/2) * 4 = 0.4, w = 0.1 * (1 + 6) = 0.7; then row 3:
     * r = 0.4 + 2.8 - 2 = 1.2, b = 0.4 - 0.24, w = 0.7 - 0.96. */
    o.lr_decay = 0;
    o.batch = 2;
    CHECK(gf_linreg_gd(&d, &o, &g) == GF_OK && g, "minibatch: %s", gf_errmsg());
    if (g) {
        CHECK_NEAR(g->coef[0], 0.16, 1e-14);
        CHECK_NEAR(g->coef[1], -0.26, 1e-14);
    }
    gf_gd_result_free(g);

    /* The same without an intercept: w = 0.7, then r = 2.8 - 2 = 0.8,
     * w = 0.7 - 0.64. */
    o.intercept = 0;
    CHECK(gf_linreg_gd(&d, &o, &g) == GF_OK && g, "minibatch, no intercept: %s",
          gf_errmsg());
    if (g) {
        CHECK(g->coef[0] == 0, "intercept %g", g->coef[0]);
        CHECK_NEAR(g->coef[1], 0.06, 1e-14);
    }
    gf_gd_result_free(g);
}

/* The same seed gives the same bits; another seed another row order. */
static void test_determinism(void)
{
    gf_gd_opts o = GF_GD_OPTS_DEFAULT;
    o.batch = 1;
    o.lr = 0.02;
    o.max_epochs = 5;
    gf_gd_result *a = NULL, *b = NULL, *c = NULL;
    gf_linreg_gd(&data, &o, &a);
    gf_linreg_gd(&data, &o, &b);
    o.seed = 2;
    gf_linreg_gd(&data, &o, &c);
    CHECK(a && b && c, "fits: %s", gf_errmsg());
    if (a && b && c) {
        CHECK(memcmp(a->coef, b->coef, (P + 1) * sizeof *a->coef) == 0, "same seed differs");
        CHECK(memcmp(a->coef, c->coef, (P + 1) * sizeof *a->coef) != 0,
              "another seed gives the same coefficients");
    }
    gf_gd_result_free(a);
    gf_gd_result_free(b);
    gf_gd_result_free(c);
}

static void test_bad_input(void)
{
    gf_gd_result *g = (gf_gd_result *)&g;   /* must be set to NULL on error */
    gf_gd_opts o = GF_GD_OPTS_DEFAULT;

    o.lr = -0.1;
    CHECK(gf_linreg_gd(&data, &o, &g) == GF_ERR_ARG && g == NULL, "negative lr");
    CHECK(strstr(gf_errmsg(), "learning rate") && strstr(gf_errmsg(), "-0.1"), "message: %s",
          gf_errmsg());
    o.lr = NAN;
    CHECK(gf_linreg_gd(&data, &o, &g) == GF_ERR_ARG, "NaN lr");
    CHECK(strstr(gf_errmsg(), "lr") && strstr(gf_errmsg(), "nan"), "message: %s", gf_errmsg());
    o.lr = 0;
    CHECK(gf_linreg_gd(&data, &o, &g) == GF_ERR_ARG, "zero lr");
    o = GF_GD_OPTS_DEFAULT;
    o.lr_decay = -1;
    CHECK(gf_linreg_gd(&data, &o, &g) == GF_ERR_ARG && strstr(gf_errmsg(), "lr_decay"),
          "negative decay: %s", gf_errmsg());
    o = GF_GD_OPTS_DEFAULT;
    o.tol = NAN;
    CHECK(gf_linreg_gd(&data, &o, &g) == GF_ERR_ARG && strstr(gf_errmsg(), "tol"),
          "NaN tol: %s", gf_errmsg());
    o = GF_GD_OPTS_DEFAULT;
    o.max_epochs = 0;
    CHECK(gf_linreg_gd(&data, &o, &g) == GF_ERR_ARG && strstr(gf_errmsg(), "max_epochs"),
          "no epochs: %s", gf_errmsg());
    CHECK(gf_linreg_gd(&data, NULL, NULL) == GF_ERR_ARG, "NULL out");

    /* A non-finite value, named by row and column. */
    double x[N * P], y[N];
    memcpy(x, X, sizeof x);
    memcpy(y, Y, sizeof y);
    x[7 * P + 3] = INFINITY;
    gf_xy bad = data;
    bad.x = x;
    CHECK(gf_linreg_gd(&bad, NULL, &g) == GF_ERR_ARG && g == NULL, "inf in x");
    CHECK(strstr(gf_errmsg(), "row 8") && strstr(gf_errmsg(), "column 4"), "message: %s",
          gf_errmsg());
    bad.x = X;
    bad.y = y;
    y[11] = NAN;
    CHECK(gf_linreg_gd(&bad, NULL, &g) == GF_ERR_ARG && strstr(gf_errmsg(), "row 12"),
          "NaN in y: %s", gf_errmsg());

    /* Fewer rows than coefficients. */
    gf_xy few = { .x = X, .n = P, .p = P, .y = Y };
    CHECK(gf_linreg_gd(&few, NULL, &g) == GF_ERR_SHAPE, "5 rows for 6 coefficients");

    /* Too large a step diverges: the loss overflows and the epoch is named. */
    o = GF_GD_OPTS_DEFAULT;
    o.lr = 5;
    CHECK(gf_linreg_gd(&data, &o, &g) == GF_ERR_NUMERIC && g == NULL, "divergence");
    CHECK(strstr(gf_errmsg(), "epoch") && strstr(gf_errmsg(), "non-finite"), "message: %s",
          gf_errmsg());
    o.batch = 1;
    o.lr = 50;
    CHECK(gf_linreg_gd(&data, &o, &g) == GF_ERR_NUMERIC && strstr(gf_errmsg(), "epoch"),
          "SGD divergence: %s", gf_errmsg());
}

/* Running out of epochs is not an error: the result says so. */
static void test_no_convergence(void)
{
    gf_gd_opts o = GF_GD_OPTS_DEFAULT;
    o.max_epochs = 3;
    gf_gd_result *g = NULL;
    CHECK(gf_linreg_gd(&data, &o, &g) == GF_OK && g, "%s", gf_errmsg());
    if (g)
        CHECK(!g->converged && g->epochs == 3 && g->warning &&
                  strstr(g->warning, "no convergence in 3 epochs"),
              "converged %d, epochs %d, warning %s", g->converged, g->epochs,
              g->warning ? g->warning : "(none)");
    gf_gd_result_free(g);
    gf_gd_result_free(NULL);
}

/* A constant column beside the intercept, or a zero column, leaves its
 * coefficient undetermined: refused, as gf_ols_fit refuses it, rather than
 * "converged" with the intercept split at random. */
static void test_undetermined_columns(void)
{
    double x[8 * 2], y[8];
    for (size_t i = 0; i < 8; i++) {
        x[2 * i] = (double)i;
        x[2 * i + 1] = 1.0;
        y[i] = 1.0 + 2.0 * (double)i;
    }
    gf_xy d = { .x = x, .n = 8, .p = 2, .y = y };
    gf_gd_result *r = NULL;
    CHECK(gf_linreg_gd(&d, NULL, &r) == GF_ERR_FIT && r == NULL &&
              strstr(gf_errmsg(), "x2 is constant (1 in every row)"),
          "constant column: %s", gf_errmsg());
    /* Without an intercept the constant column is the intercept: fine. */
    gf_gd_opts o = GF_GD_OPTS_DEFAULT;
    o.intercept = 0;
    o.lr = 0.01;
    o.max_epochs = 200000;
    CHECK(gf_linreg_gd(&d, &o, &r) == GF_OK, "no intercept: %s", gf_errmsg());
    if (r) {
        CHECK_NEAR(r->coef[1], 2.0, 1e-6);
        CHECK_NEAR(r->coef[2], 1.0, 1e-6);
    }
    gf_gd_result_free(r);
    for (size_t i = 0; i < 8; i++) x[2 * i + 1] = 0.0;
    CHECK(gf_linreg_gd(&d, &o, &r) == GF_ERR_FIT && strstr(gf_errmsg(), "zero in every row"),
          "zero column: %s", gf_errmsg());
}

int main(void)
{
    make_problem();
    test_undetermined_columns();
    test_routes_meet();
    test_update_by_hand();
    test_determinism();
    test_bad_input();
    test_no_convergence();
    return check_report("test_gd");
}
