/* Lasso and elastic net against glmnet 4.1 (tests/fixtures/glmnet_*.h, made
 * by scripts/fixtures/glmnet.R): gaussian and binomial paths, with and
 * without standardisation and intercept, the caller's lambda grid, more
 * columns than rows, cv.glmnet with fixed folds; the optimality (KKT)
 * conditions of the objective itself; predictions; bad input. */
#include "grafo/linear.h"

#include "check.h"
#include "fixtures/enet_sklearn.h"
#include "fixtures/glmnet_iris.h"
#include "fixtures/glmnet_logit.h"
#include "fixtures/glmnet_mtcars.h"
#include "fixtures/glmnet_wide.h"

#include <stdlib.h>
#include <string.h>

/* The bar: coefficients within 1e-4 of glmnet's at the same lambda.
 * A coefficient is compared relative to the largest coefficient (in
 * absolute value) of its lambda, so one that is just entering the model
 * (1e-9, say) is not held to a relative precision nobody can have. */
#define COEF_TOL 1e-4

static double worst_coef, worst_cv, worst_sklearn; /* largest differences seen, reported */

static void check_path_tol(const char *what, const gf_path *m, const double *lambda,
                           const double *coef, const double *dev, const int32_t *df,
                           size_t nl, size_t k, double coef_tol)
{
    CHECK(m->nlambda == nl, "%s: %zu lambdas, glmnet %zu", what, m->nlambda, nl);
    CHECK(m->k == k, "%s: k = %zu, expected %zu", what, m->k, k);
    size_t L = m->nlambda < nl ? m->nlambda : nl;
    for (size_t l = 0; l < L; l++) {
        CHECK_REL(m->lambda[l], lambda[l], 1e-12);
        double big = 0;
        for (size_t j = 1; j < k; j++) big = fmax(big, fabs(coef[l * k + j]));
        for (size_t j = 0; j < k; j++) {
            double a = m->coef[l * k + j], b = coef[l * k + j];
            double scale = fmax(fmax(fabs(b), big), 1e-8);
            double rel = scale > 0 ? fabs(a - b) / scale : fabs(a - b);
            if (coef_tol == COEF_TOL && rel > worst_coef) worst_coef = rel;
            CHECK(rel <= coef_tol, "%s: lambda %zu (%g), coefficient %zu: %.10g, glmnet "
                  "%.10g", what, l, lambda[l], j, a, b);
        }
        CHECK(fabs(m->dev_ratio[l] - dev[l]) <= 1e-6, "%s: dev ratio at lambda %zu: %.10g, "
              "glmnet %.10g", what, l, m->dev_ratio[l], dev[l]);
        CHECK(m->df[l] == df[l], "%s: df at lambda %zu: %d, glmnet %d", what, l, m->df[l],
              (int)df[l]);
    }
}

static void check_path(const char *what, const gf_path *m, const double *lambda,
                       const double *coef, const double *dev, const int32_t *df, size_t nl,
                       size_t k)
{
    check_path_tol(what, m, lambda, coef, dev, df, nl, k, COEF_TOL);
}

/* RSS/(2n) + lambda (alpha |b|_1 + (1 - alpha)/2 |b|^2), b on the raw scale. */
static double objective(const gf_xy *d, const double *coef, double lambda, double alpha)
{
    double rss = 0, l1 = 0, l2 = 0;
    for (size_t i = 0; i < d->n; i++) {
        double e = d->y[i] - coef[0];
        for (size_t j = 0; j < d->p; j++) e -= coef[1 + j] * d->x[i * d->p + j];
        rss += e * e;
    }
    for (size_t j = 0; j < d->p; j++) l1 += fabs(coef[1 + j]), l2 += coef[1 + j] * coef[1 + j];
    return rss / (2.0 * (double)d->n) + lambda * (alpha * l1 + (1 - alpha) / 2 * l2);
}

static gf_xy mtcars(void)
{
    return (gf_xy){ .x = mtcars_x, .n = MTCARS_N, .p = MTCARS_P, .y = mtcars_y,
                    .names = mtcars_names };
}

/* Tight convergence, like the reference's thresh. */
static gf_enet_opts tight(double alpha)
{
    gf_enet_opts o = GF_ENET_OPTS_DEFAULT;
    o.alpha = alpha;
    o.tol = 1e-14;
    return o;
}

static void test_mtcars_paths(void)
{
    gf_xy d = mtcars();
    gf_enet_opts o = tight(1);
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_OK, "lasso: %s", gf_errmsg());
    if (m) {
        check_path("mtcars lasso", m, mtcars_lasso_lambda, mtcars_lasso_coef, mtcars_lasso_dev,
                   mtcars_lasso_df, MTCARS_LASSO_NLAMBDA, MTCARS_P + 1);
        CHECK(strcmp(m->names[0], "(Intercept)") == 0 && strcmp(m->names[6], "qsec") == 0,
              "names %s %s", m->names[0], m->names[6]);
        CHECK(m->warning == NULL, "warning: %s", m->warning);
        CHECK(m->family == GF_GAUSSIAN && m->alpha == 1, "family and alpha kept");
    }
    gf_path_free(m);

    /* glmnet's gaussian elastic net is the documented objective only when
     * y's sd is 1 (see scripts/fixtures/glmnet.R), so these use such a y. */
    gf_xy du = d;
    du.y = mtcars_yunit;
    o = tight(0.5);
    m = NULL;
    CHECK(gf_enet_path(&du, &o, &m) == GF_OK, "enet: %s", gf_errmsg());
    if (m)
        check_path("mtcars alpha 0.5", m, mtcars_enet_lambda, mtcars_enet_coef,
                   mtcars_enet_dev, mtcars_enet_df, MTCARS_ENET_NLAMBDA, MTCARS_P + 1);
    gf_path_free(m);

    /* Neither standardisation nor intercept.  Raw mtcars columns (disp in
     * hundreds, am in {0, 1}) make the last lambdas ill-conditioned: an
     * objective difference of 1e-10 moves coefficients by 2e-4, and glmnet
     * itself is not converged that far (converging harder lowers our
     * objective below glmnet's).  So: coefficients to 1e-3 here, and our
     * objective never above glmnet's by more than 1e-11 relative. */
    o = tight(1);
    o.standardize = 0;
    o.intercept = 0;
    m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_OK, "raw: %s", gf_errmsg());
    if (m) {
        check_path_tol("mtcars raw", m, mtcars_raw_lambda, mtcars_raw_coef, mtcars_raw_dev,
                       mtcars_raw_df, MTCARS_RAW_NLAMBDA, MTCARS_P + 1, 1e-3);
        for (size_t l = 0; l < m->nlambda && l < MTCARS_RAW_NLAMBDA; l++) {
            double ours = objective(&d, m->coef + l * m->k, m->lambda[l], 1);
            double ref = objective(&d, mtcars_raw_coef + l * m->k, m->lambda[l], 1);
            CHECK(ours <= ref * (1 + 1e-11), "raw objective at lambda %zu: %.15g, glmnet's "
                  "%.15g", l, ours, ref);
        }
    }
    gf_path_free(m);

    /* The caller's grid: fitted in full, no early stop. */
    o = tight(0.3);
    o.lambda = mtcars_grid;
    o.nlambda = sizeof mtcars_grid / sizeof *mtcars_grid;
    m = NULL;
    CHECK(gf_enet_path(&du, &o, &m) == GF_OK, "grid: %s", gf_errmsg());
    if (m)
        check_path("mtcars grid", m, mtcars_grid_lambda, mtcars_grid_coef, mtcars_grid_dev,
                   mtcars_grid_df, MTCARS_GRID_NLAMBDA, MTCARS_P + 1);
    gf_path_free(m);
}

/* scikit-learn's ElasticNet minimises the documented objective on the raw
 * scale; so must we, with standardize = 0, whatever y's sd. */
static void test_sklearn(void)
{
    gf_xy d = { .x = diab_x, .n = (size_t)DIAB_N, .p = (size_t)DIAB_P, .y = diab_y };
    gf_enet_opts o = tight(DIAB_ALPHA);
    o.standardize = 0;
    o.lambda = diab_lambda;
    o.nlambda = sizeof diab_lambda / sizeof *diab_lambda;
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_OK, "diabetes: %s", gf_errmsg());
    if (!m) return;
    size_t k = m->k;
    CHECK(m->nlambda == o.nlambda, "%zu lambdas", m->nlambda);
    for (size_t l = 0; l < m->nlambda; l++) {
        double big = 0;
        for (size_t j = 1; j < k; j++) big = fmax(big, fabs(diab_coef[l * k + j]));
        for (size_t j = 0; j < k; j++) {
            double a = m->coef[l * k + j], b = diab_coef[l * k + j];
            double rel = fabs(a - b) / fmax(fabs(b), big);
            worst_sklearn = fmax(worst_sklearn, rel);
            CHECK(rel <= COEF_TOL, "diabetes: lambda %g, coefficient %zu: %.10g, sklearn "
                  "%.10g", diab_lambda[l], j, a, b);
        }
    }
    gf_path_free(m);
}

/* More columns than rows (and than the Gram cache's limit, so the columns
 * of the Gram matrix are computed as features enter). */
static void test_wide(void)
{
    gf_xy d = { .x = wide_x, .n = WIDE_N, .p = WIDE_P, .y = wide_y };
    gf_enet_opts o = tight(1);
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_OK, "wide: %s", gf_errmsg());
    if (m)
        check_path("wide lasso", m, wide_lasso_lambda, wide_lasso_coef, wide_lasso_dev,
                   wide_lasso_df, WIDE_LASSO_NLAMBDA, WIDE_P + 1);
    gf_path_free(m);
}

static void labels_of(const double *y, size_t n, int32_t *label)
{
    for (size_t i = 0; i < n; i++) label[i] = (int32_t)y[i];
}

static void test_binomial(void)
{
    int32_t lab[LOGIT_N];
    labels_of(iris_y, IRIS_N, lab);
    gf_xy d = { .x = iris_x, .n = IRIS_N, .p = IRIS_P, .label = lab };
    gf_enet_opts o = tight(1);
    o.family = GF_BINOMIAL;
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_OK, "iris: %s", gf_errmsg());
    if (m)
        check_path("iris binomial lasso", m, iris_lasso_lambda, iris_lasso_coef,
                   iris_lasso_dev, iris_lasso_df, IRIS_LASSO_NLAMBDA, IRIS_P + 1);
    gf_path_free(m);

    labels_of(logit_y, LOGIT_N, lab);
    d = (gf_xy){ .x = logit_x, .n = LOGIT_N, .p = LOGIT_P, .label = lab };
    o = tight(0.5);
    o.family = GF_BINOMIAL;
    m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_OK, "logit: %s", gf_errmsg());
    if (m)
        check_path("generated binomial alpha 0.5", m, logit_enet_lambda, logit_enet_coef,
                   logit_enet_dev, logit_enet_df, LOGIT_ENET_NLAMBDA, LOGIT_P + 1);
    gf_path_free(m);
}

static void check_cv(const char *what, const gf_cv *c, const double *lambda, const double *cvm,
                     const double *cvsd, size_t nl, double lmin, double l1se, size_t imin,
                     size_t i1se)
{
    CHECK(c->path->nlambda == nl, "%s: %zu lambdas, cv.glmnet %zu", what, c->path->nlambda,
          nl);
    size_t L = c->path->nlambda < nl ? c->path->nlambda : nl;
    for (size_t l = 0; l < L; l++) {
        CHECK_REL(c->path->lambda[l], lambda[l], 1e-12);
        double e1 = fabs(c->cvm[l] - cvm[l]) / cvm[l], e2 = fabs(c->cvsd[l] - cvsd[l]) / cvsd[l];
        worst_cv = fmax(worst_cv, fmax(e1, e2));
        CHECK(e1 <= 1e-4, "%s: cvm[%zu] = %.10g, cv.glmnet %.10g", what, l, c->cvm[l], cvm[l]);
        CHECK(e2 <= 1e-4, "%s: cvsd[%zu] = %.10g, cv.glmnet %.10g", what, l, c->cvsd[l],
              cvsd[l]);
    }
    CHECK(c->index_min == imin, "%s: index_min %zu, cv.glmnet %zu", what, c->index_min, imin);
    CHECK(c->index_1se == i1se, "%s: index_1se %zu, cv.glmnet %zu", what, c->index_1se, i1se);
    CHECK_REL(c->lambda_min, lmin, 1e-12);
    CHECK_REL(c->lambda_1se, l1se, 1e-12);
}

static void test_cv(void)
{
    gf_xy d = mtcars();
    gf_enet_opts o = tight(1);
    gf_cv_opts cv = GF_CV_OPTS_DEFAULT;
    cv.nfolds = MTCARS_CV_NFOLDS;
    cv.foldid = mtcars_cv_foldid;
    gf_cv *c = NULL;
    CHECK(gf_enet_cv(&d, &o, &cv, &c) == GF_OK, "cv: %s", gf_errmsg());
    if (c)
        check_cv("mtcars cv", c, mtcars_cv_lambda, mtcars_cv_cvm, mtcars_cv_cvsd,
                 MTCARS_CV_NLAMBDA, MTCARS_CV_LAMBDA_MIN, MTCARS_CV_LAMBDA_1SE,
                 MTCARS_CV_INDEX_MIN, MTCARS_CV_INDEX_1SE);
    gf_cv_free(c);

    /* Two rows a fold: every row is its own group, as in cv.glmnet. */
    cv.nfolds = MTCARS_CV16_NFOLDS;
    cv.foldid = mtcars_cv16_foldid;
    c = NULL;
    CHECK(gf_enet_cv(&d, &o, &cv, &c) == GF_OK, "cv16: %s", gf_errmsg());
    if (c)
        check_cv("mtcars cv 16 folds", c, mtcars_cv16_lambda, mtcars_cv16_cvm,
                 mtcars_cv16_cvsd, MTCARS_CV16_NLAMBDA, MTCARS_CV16_LAMBDA_MIN,
                 MTCARS_CV16_LAMBDA_1SE, MTCARS_CV16_INDEX_MIN, MTCARS_CV16_INDEX_1SE);
    gf_cv_free(c);

    int32_t lab[LOGIT_N];
    labels_of(logit_y, LOGIT_N, lab);
    gf_xy b = { .x = logit_x, .n = LOGIT_N, .p = LOGIT_P, .label = lab };
    o.family = GF_BINOMIAL;
    cv.nfolds = LOGIT_CV_NFOLDS;
    cv.foldid = logit_cv_foldid;
    c = NULL;
    CHECK(gf_enet_cv(&b, &o, &cv, &c) == GF_OK, "binomial cv: %s", gf_errmsg());
    if (c)
        check_cv("binomial cv", c, logit_cv_lambda, logit_cv_cvm, logit_cv_cvsd,
                 LOGIT_CV_NLAMBDA, LOGIT_CV_LAMBDA_MIN, LOGIT_CV_LAMBDA_1SE,
                 LOGIT_CV_INDEX_MIN, LOGIT_CV_INDEX_1SE);
    gf_cv_free(c);
}

/* Folds from the seed: the same seed gives the same folds and numbers, and
 * the two choices of lambda obey their rules. */
static void test_cv_seeded(void)
{
    gf_xy d = mtcars();
    gf_enet_opts o = tight(1);
    gf_cv_opts cv = GF_CV_OPTS_DEFAULT;
    cv.nfolds = 4;
    cv.seed = 42;
    gf_cv *a = NULL, *b = NULL;
    CHECK(gf_enet_cv(&d, &o, &cv, &a) == GF_OK, "seeded: %s", gf_errmsg());
    CHECK(gf_enet_cv(&d, &o, &cv, &b) == GF_OK, "seeded again: %s", gf_errmsg());
    if (a && b) {
        CHECK(a->path->nlambda == b->path->nlambda, "same path");
        for (size_t l = 0; l < a->path->nlambda; l++)
            CHECK(a->cvm[l] == b->cvm[l] && a->cvsd[l] == b->cvsd[l], "same cvm at %zu", l);
        CHECK(a->index_min <= a->index_1se || a->cvm[a->index_1se] <= a->cvm[a->index_min] +
              a->cvsd[a->index_min], "1se rule");
        CHECK(a->index_1se <= a->index_min, "lambda_1se %g >= lambda_min %g", a->lambda_1se,
              a->lambda_min);
        for (size_t l = 0; l < a->path->nlambda; l++)
            CHECK(a->cvm[l] >= a->cvm[a->index_min], "cvm[%zu] below the minimum", l);
    }
    gf_cv_free(a);
    gf_cv_free(b);
}

/* The objective itself, apart from glmnet: at each lambda of an
 * unstandardised fit, x_j' r / n = lambda (alpha sign(b_j) + (1 - alpha) b_j)
 * for a nonzero b_j and |x_j' r / n| <= lambda alpha for a zero one, r the
 * residual.  (So the seeds' J = RSS + lambda' |b|_1 has its minimum at
 * lambda = lambda' / (2n).) */
static void test_kkt(void)
{
    gf_xy d = mtcars();
    gf_enet_opts o = tight(0.7);
    o.standardize = 0;
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_OK, "kkt fit: %s", gf_errmsg());
    if (!m) return;
    size_t n = d.n, p = d.p, k = p + 1;
    double r[MTCARS_N];
    for (size_t l = 1; l < m->nlambda; l += 7) {
        const double *b = m->coef + l * k;
        double lam = m->lambda[l], scale = 0;
        CHECK(gf_path_predict(m, l, d.x, n, r) == GF_OK, "predict: %s", gf_errmsg());
        for (size_t i = 0; i < n; i++) r[i] = d.y[i] - r[i], scale += d.y[i] * d.y[i];
        double sumr = 0;
        for (size_t i = 0; i < n; i++) sumr += r[i];
        CHECK(fabs(sumr / n) < 1e-8, "intercept's condition at lambda %zu: %g", l, sumr / n);
        for (size_t j = 0; j < p; j++) {
            double gj = 0, xx = 0;
            for (size_t i = 0; i < n; i++) gj += d.x[i * p + j] * r[i], xx += d.x[i * p + j] * d.x[i * p + j];
            gj /= (double)n;
            double bj = b[1 + j], tol = 1e-5 * sqrt(xx / n * scale / n);
            if (bj != 0) {
                double want = lam * (o.alpha * (bj > 0 ? 1 : -1) + (1 - o.alpha) * bj);
                CHECK(fabs(gj - want) <= tol, "KKT at lambda %zu, column %zu: %g vs %g", l, j,
                      gj, want);
            } else {
                CHECK(fabs(gj) <= lam * o.alpha + tol, "KKT at lambda %zu, zero column %zu: "
                      "|%g| > %g", l, j, gj, lam * o.alpha);
            }
        }
    }
    gf_path_free(m);
}

static void test_predict(void)
{
    gf_xy d = mtcars();
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, NULL, &m) == GF_OK, "default opts: %s", gf_errmsg());
    if (!m) return;
    double out[MTCARS_N];
    size_t l = m->nlambda / 2, k = m->k;
    CHECK(gf_path_predict(m, l, d.x, d.n, out) == GF_OK, "predict: %s", gf_errmsg());
    for (size_t i = 0; i < d.n; i++) {
        double s = m->coef[l * k];
        for (size_t j = 0; j < d.p; j++) s += m->coef[l * k + 1 + j] * d.x[i * d.p + j];
        CHECK_NEAR(out[i], s, 1e-12);
    }
    /* The first point of the automatic path is the intercept alone. */
    CHECK(gf_path_predict(m, 0, d.x, 1, out) == GF_OK, "predict 0");
    CHECK_NEAR(out[0], 20.090625, 1e-12);
    CHECK(m->df[0] == 0, "df at lambda_max: %d", m->df[0]);
    CHECK(gf_path_predict(m, m->nlambda, d.x, 1, out) == GF_ERR_ARG, "l out of range");
    CHECK(strstr(gf_errmsg(), "model") != NULL, "message: %s", gf_errmsg());
    double bad[MTCARS_P] = { 0 };
    bad[3] = NAN;
    CHECK(gf_path_predict(m, 0, bad, 1, out) == GF_ERR_ARG, "NaN row");
    CHECK(strstr(gf_errmsg(), "column 4") != NULL, "message: %s", gf_errmsg());
    gf_path_free(m);
    gf_path_free(NULL);
    gf_cv_free(NULL);
}

/* A constant column gets coefficient 0 and a warning naming it. */
static void test_constant_column(void)
{
    double x[MTCARS_N * MTCARS_P];
    memcpy(x, mtcars_x, sizeof x);
    for (size_t i = 0; i < MTCARS_N; i++) x[i * MTCARS_P + 2] = 7.5; /* hp */
    gf_xy d = mtcars();
    d.x = x;
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, NULL, &m) == GF_OK, "constant column: %s", gf_errmsg());
    if (!m) return;
    for (size_t l = 0; l < m->nlambda; l++) CHECK(m->coef[l * m->k + 3] == 0, "hp at %zu", l);
    CHECK(m->warning && strstr(m->warning, "column 3 (hp) is constant"), "warning: %s",
          m->warning ? m->warning : "(none)");
    CHECK(m->df[m->nlambda - 1] > 0, "other columns still enter");
    gf_path_free(m);

    int32_t lab[LOGIT_N];
    labels_of(logit_y, LOGIT_N, lab);
    double xb[LOGIT_N * LOGIT_P];
    memcpy(xb, logit_x, sizeof xb);
    for (size_t i = 0; i < LOGIT_N; i++) xb[i * LOGIT_P] = -1;
    gf_xy b = { .x = xb, .n = LOGIT_N, .p = LOGIT_P, .label = lab };
    gf_enet_opts o = GF_ENET_OPTS_DEFAULT;
    o.family = GF_BINOMIAL;
    m = NULL;
    CHECK(gf_enet_path(&b, &o, &m) == GF_OK, "binomial constant column: %s", gf_errmsg());
    if (m) {
        CHECK(m->warning && strstr(m->warning, "column 1 (x1) is constant"), "warning: %s",
              m->warning ? m->warning : "(none)");
        for (size_t l = 0; l < m->nlambda; l++) CHECK(m->coef[l * m->k + 1] == 0, "x1");
    }
    gf_path_free(m);
}

/* Separable classes: the lasso keeps the coefficients finite, and the path
 * stops (deviance explained above 0.999, or weights vanishing, with a
 * warning) instead of running away. */
static void test_separable(void)
{
    int32_t lab[LOGIT_N];
    for (size_t i = 0; i < LOGIT_N; i++) lab[i] = logit_x[i * LOGIT_P + 1] > 1;
    gf_xy d = { .x = logit_x, .n = LOGIT_N, .p = LOGIT_P, .label = lab };
    gf_enet_opts o = GF_ENET_OPTS_DEFAULT;
    o.family = GF_BINOMIAL;
    o.lambda_min_ratio = 1e-6; /* far enough down for the fit to saturate */
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_OK, "separable: %s", gf_errmsg());
    if (!m) return;
    size_t last = m->nlambda - 1;
    CHECK(m->nlambda < 100, "the path stops early: %zu lambdas", m->nlambda);
    CHECK(m->dev_ratio[last] > 0.999 || (m->warning && strstr(m->warning, "separable")),
          "dev ratio %g, warning %s", m->dev_ratio[last], m->warning ? m->warning : "(none)");
    for (size_t j = 0; j < m->k; j++) CHECK(isfinite(m->coef[last * m->k + j]), "finite");
    CHECK(m->coef[last * m->k + 2] > 1, "x2 carries the split: %g", m->coef[last * m->k + 2]);
    gf_path_free(m);
}

/* Running out of passes: an error at the first lambda, else a shorter path
 * and a warning that says where it stopped. */
static void test_max_passes(void)
{
    gf_xy d = { .x = wide_x, .n = WIDE_N, .p = WIDE_P, .y = wide_y };
    gf_enet_opts o = tight(1);
    o.max_passes = 60;
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_OK, "max_passes: %s", gf_errmsg());
    if (m) {
        CHECK(m->nlambda > 1 && m->nlambda < WIDE_LASSO_NLAMBDA, "%zu lambdas", m->nlambda);
        CHECK(m->warning && strstr(m->warning, "did not converge within max_passes = 60"),
              "warning: %s", m->warning ? m->warning : "(none)");
    }
    gf_path_free(m);
    double one[] = { 0.01 };
    o.lambda = one;
    o.nlambda = 1;
    o.max_passes = 1;
    m = NULL;
    CHECK(gf_enet_path(&d, &o, &m) == GF_ERR_FIT, "one pass at a small lambda");
    CHECK(strstr(gf_errmsg(), "first lambda") != NULL, "message: %s", gf_errmsg());
    CHECK(m == NULL, "no path");
}

/* Cross-validation with more columns than the Gram cache takes (the folds'
 * rows are then copied and fitted one by one). */
static void test_cv_wide(void)
{
    gf_xy d = { .x = wide_x, .n = WIDE_N, .p = WIDE_P, .y = wide_y };
    gf_cv_opts cv = GF_CV_OPTS_DEFAULT;
    cv.nfolds = 5;
    gf_cv *c = NULL;
    CHECK(gf_enet_cv(&d, NULL, &cv, &c) == GF_OK, "wide cv: %s", gf_errmsg());
    if (!c) return;
    CHECK(c->path->nlambda == WIDE_LASSO_NLAMBDA, "%zu lambdas", c->path->nlambda);
    for (size_t l = 0; l < c->path->nlambda; l++)
        CHECK(isfinite(c->cvm[l]) && c->cvsd[l] > 0, "cvm %g cvsd %g", c->cvm[l], c->cvsd[l]);
    /* Five strong effects among 600 columns and 60 rows: the best held-out
     * error is far below the null model's (about y's variance). */
    CHECK(c->cvm[c->index_min] < c->cvm[0] / 4,
          "cvm at the minimum %g, at lambda_max %g", c->cvm[c->index_min], c->cvm[0]);
    gf_cv_free(c);
}

/* expect a status and a message containing `needle`. */
#define EXPECT(call, status, needle)                                                        \
    do {                                                                                   \
        gf_status st_ = (call);                                                            \
        CHECK(st_ == (status), "%s gave %d (%s)", #call, (int)st_, gf_errmsg());          \
        CHECK(strstr(gf_errmsg(), needle) != NULL, "message \"%s\" lacks \"%s\"",          \
              gf_errmsg(), needle);                                                        \
    } while (0)

static void test_bad_input(void)
{
    gf_xy d = mtcars();
    gf_path *m = NULL;
    gf_cv *c = NULL;
    gf_enet_opts o = GF_ENET_OPTS_DEFAULT;

    o.alpha = 1.5;
    EXPECT(gf_enet_path(&d, &o, &m), GF_ERR_ARG, "alpha is 1.5");
    o.alpha = NAN;
    EXPECT(gf_enet_path(&d, &o, &m), GF_ERR_ARG, "alpha is nan");
    o = (gf_enet_opts)GF_ENET_OPTS_DEFAULT;
    double neg[] = { 1, -0.5 }, nan_[] = { 1, NAN }, up[] = { 1, 2 };
    o.nlambda = 2;
    o.lambda = neg;
    EXPECT(gf_enet_path(&d, &o, &m), GF_ERR_ARG, "lambda[1] is -0.5");
    o.lambda = nan_;
    EXPECT(gf_enet_path(&d, &o, &m), GF_ERR_ARG, "lambda[1] is nan");
    o.lambda = up;
    EXPECT(gf_enet_path(&d, &o, &m), GF_ERR_ARG, "must decrease");
    o = (gf_enet_opts)GF_ENET_OPTS_DEFAULT;
    o.lambda_min_ratio = -1;
    EXPECT(gf_enet_path(&d, &o, &m), GF_ERR_ARG, "lambda_min_ratio is -1");
    o = (gf_enet_opts)GF_ENET_OPTS_DEFAULT;
    o.nlambda = 0;
    EXPECT(gf_enet_path(&d, &o, &m), GF_ERR_ARG, "nlambda is 0");
    o = (gf_enet_opts)GF_ENET_OPTS_DEFAULT;
    o.tol = NAN;
    EXPECT(gf_enet_path(&d, &o, &m), GF_ERR_ARG, "tol is nan");
    o = (gf_enet_opts)GF_ENET_OPTS_DEFAULT;
    o.family = (gf_family)7;
    EXPECT(gf_enet_path(&d, &o, &m), GF_ERR_ARG, "family is 7");
    CHECK(m == NULL, "no path on error");

    double x[MTCARS_N * MTCARS_P];
    memcpy(x, mtcars_x, sizeof x);
    x[5 * MTCARS_P + 1] = INFINITY;
    gf_xy bad = d;
    bad.x = x;
    EXPECT(gf_enet_path(&bad, NULL, &m), GF_ERR_ARG, "row 6, column 2 (disp)");
    EXPECT(gf_enet_cv(&bad, NULL, NULL, &c), GF_ERR_ARG, "row 6, column 2 (disp)");

    double yc[MTCARS_N];
    for (size_t i = 0; i < MTCARS_N; i++) yc[i] = 3;
    bad = d;
    bad.y = yc;
    EXPECT(gf_enet_path(&bad, NULL, &m), GF_ERR_FIT, "y is constant");
    bad.y = NULL;
    EXPECT(gf_enet_path(&bad, NULL, &m), GF_ERR_ARG, "y is NULL");

    int32_t lab[MTCARS_N];
    for (size_t i = 0; i < MTCARS_N; i++) lab[i] = (int32_t)mtcars_x[i * MTCARS_P + 7]; /* am */
    lab[4] = 2;
    gf_xy b = { .x = mtcars_x, .n = MTCARS_N, .p = MTCARS_P, .label = lab };
    o = (gf_enet_opts)GF_ENET_OPTS_DEFAULT;
    o.family = GF_BINOMIAL;
    EXPECT(gf_enet_path(&b, &o, &m), GF_ERR_ARG, "label 2 at row 5");
    for (size_t i = 0; i < MTCARS_N; i++) lab[i] = 1;
    EXPECT(gf_enet_path(&b, &o, &m), GF_ERR_FIT, "every label is 1");

    gf_cv_opts cv = GF_CV_OPTS_DEFAULT;
    cv.nfolds = 2;
    EXPECT(gf_enet_cv(&d, NULL, &cv, &c), GF_ERR_ARG, "nfolds is 2");
    int32_t fold[MTCARS_N];
    for (size_t i = 0; i < MTCARS_N; i++) fold[i] = (int32_t)(i % 4);
    cv.nfolds = 4;
    cv.foldid = fold;
    fold[9] = 4;
    EXPECT(gf_enet_cv(&d, NULL, &cv, &c), GF_ERR_ARG, "foldid is 4 at row 10");
    for (size_t i = 0; i < MTCARS_N; i++) fold[i] = (int32_t)(i % 3);
    EXPECT(gf_enet_cv(&d, NULL, &cv, &c), GF_ERR_ARG, "fold 3 has 0 rows");
    CHECK(c == NULL, "no cv on error");
    EXPECT(gf_enet_path(&d, NULL, NULL), GF_ERR_ARG, "out is NULL");
}

/* Values whose squares overflow are refused up front (the path used to
 * return NaN coefficients "successfully"); a column on a tiny scale is a
 * column like any other: multiplying it by 1e-170 divides its coefficient
 * by the same factor. */
static void test_extreme_scales(void)
{
    enum { N = 60, P = 3 };
    double x[N * P], xs[N * P], y[N], big[N];
    int32_t lab[N];
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < P; j++)
            x[i * P + j] = xs[i * P + j] = sin(1.3 * (double)i + 0.77 * (double)j) + 0.01 * (double)j;
        xs[i * P] *= 1e-170;
        y[i] = x[i * P] + 0.3 * sin(5.0 * (double)i);
        big[i] = 1e160 * y[i];
        lab[i] = y[i] + 0.5 * sin(7.0 * (double)i) > 0;
    }
    gf_xy d = { .x = x, .n = N, .p = P, .y = big };
    gf_path *m = NULL;
    CHECK(gf_enet_path(&d, NULL, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "rescale y"),
          "y of 1e160: %s", gf_errmsg());
    gf_cv *cv = NULL;
    CHECK(gf_enet_cv(&d, NULL, NULL, &cv) == GF_ERR_ARG && cv == NULL, "cv, y of 1e160: %s",
          gf_errmsg());

    gf_enet_opts o = GF_ENET_OPTS_DEFAULT;
    o.family = GF_BINOMIAL;
    gf_path *plain = NULL, *tiny = NULL;
    gf_xy dp = { .x = x, .n = N, .p = P, .label = lab }, dt = dp;
    dt.x = xs;
    CHECK(gf_enet_path(&dp, &o, &plain) == GF_OK, "binomial: %s", gf_errmsg());
    CHECK(gf_enet_path(&dt, &o, &tiny) == GF_OK, "binomial, tiny column: %s", gf_errmsg());
    if (plain && tiny) {
        CHECK(plain->nlambda == tiny->nlambda, "%zu vs %zu lambdas", plain->nlambda,
              tiny->nlambda);
        size_t l = plain->nlambda - 1, k = plain->k;
        CHECK_REL(tiny->coef[l * k + 1] * 1e-170, plain->coef[l * k + 1], 1e-9);
        CHECK_REL(tiny->coef[l * k], plain->coef[l * k], 1e-9);
    }
    gf_path_free(plain);
    gf_path_free(tiny);
}

int main(void)
{
    test_extreme_scales();
    test_mtcars_paths();
    test_wide();
    test_sklearn();
    test_binomial();
    test_cv();
    test_cv_seeded();
    test_kkt();
    test_predict();
    test_constant_column();
    test_separable();
    test_max_passes();
    test_cv_wide();
    test_bad_input();
    printf("largest coefficient difference from glmnet (relative to the lambda's largest "
           "coefficient): %.3g\nfrom scikit-learn: %.3g\nlargest cvm/cvsd relative "
           "difference from cv.glmnet: %.3g\n", worst_coef, worst_sklearn, worst_cv);
    return check_report("test_enet");
}
