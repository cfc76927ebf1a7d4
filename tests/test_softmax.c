/* Softmax regression against scikit-learn's multinomial LogisticRegression
 * (fixtures made by scripts/fixtures/softmax.py), the gradient against
 * central differences, separable classes, argmax and bad input. */
#include "grafo/linear.h"
#include "linear/mlogit.h"

#include "check.h"
#include "fixtures/softmax_gen5.h"
#include "fixtures/softmax_iris.h"
#include "fixtures/softmax_iris_noint.h"

#include <stdlib.h>
#include <string.h>


/* The bar on the coefficients. */
#define TOL 1e-4

typedef struct ref {
    const char *tag;
    size_t n, p, classes;
    int intercept;
    double lambda, loss;
    const double *x;
    const int32_t *label;
    const double *coef, *intercepts, *coef_lbfgs, *intercepts_lbfgs, *proba;
    const int32_t *pred;
} ref;

#define REF(tag, TAG)                                                                    \
    ((ref){ #tag, (size_t)TAG##_N, (size_t)TAG##_P, (size_t)TAG##_K, (int)TAG##_INTERCEPT, \
            TAG##_LAMBDA, TAG##_LOSS, tag##_x, tag##_label, tag##_coef, tag##_intercept,   \
            tag##_coef_lbfgs, tag##_intercept_lbfgs, tag##_proba, tag##_pred })

static gf_xy ref_data(const ref *r)
{
    return (gf_xy){ .x = r->x, .n = r->n, .p = r->p, .label = r->label };
}

static void test_matches_sklearn(const ref *r)
{
    gf_xy d = ref_data(r);
    gf_mlogit_opts o = GF_MLOGIT_OPTS_DEFAULT;
    o.lambda = r->lambda;
    o.intercept = r->intercept;
    gf_mlogit *m = NULL;
    CHECK(gf_mlogit_fit(&d, &o, &m) == GF_OK, "%s: %s", r->tag, gf_errmsg());
    if (!m) return;
    size_t K = r->classes, k = r->p + 1;
    CHECK(m->classes == K && m->k == k, "%s: %zu classes, k %zu", r->tag, m->classes, m->k);
    CHECK(m->iterations > 0, "%s: %d iterations", r->tag, m->iterations);
    CHECK(m->warning == NULL, "%s: unexpected warning %s", r->tag, m->warning);

    double worst = 0, worst_lbfgs = 0;
    for (size_t c = 0; c < K; c++)
        for (size_t j = 0; j < k; j++) {
            double got = m->coef[c * k + j];
            double want = j ? r->coef[c * r->p + j - 1] : r->intercepts[c];
            double lb = j ? r->coef_lbfgs[c * r->p + j - 1] : r->intercepts_lbfgs[c];
            if (!r->intercept && j == 0) {
                CHECK(got == 0, "%s: intercept %zu is %g without an intercept", r->tag, c, got);
                continue;
            }
            CHECK_REL(got, want, TOL);
            worst = fmax(worst, fabs(got - want) / fabs(want));
            worst_lbfgs = fmax(worst_lbfgs, fabs(got - lb) / fabs(lb));
        }
    /* scikit-learn's lbfgs stops on a relative decrease in the loss, 1e-3
     * to 3e-3 away from the minimum (see scripts/fixtures/softmax.py); this
     * only shows that it is the same model. */
    CHECK(worst_lbfgs < 1e-2, "%s: %.3g from sklearn's lbfgs", r->tag, worst_lbfgs);
    printf("%s: largest relative difference from sklearn newton-cg %.2e, from lbfgs %.2e\n",
           r->tag, worst, worst_lbfgs);
    CHECK_REL(m->loss, r->loss, 1e-9);

    double *proba = malloc(r->n * K * sizeof *proba);
    int32_t *cls = malloc(r->n * sizeof *cls);
    CHECK(gf_mlogit_predict_proba(m, r->x, r->n, proba) == GF_OK, "%s: predict: %s", r->tag,
          gf_errmsg());
    CHECK(gf_argmax(proba, r->n, K, cls) == GF_OK, "%s: argmax: %s", r->tag, gf_errmsg());
    for (size_t i = 0; i < r->n; i++) {
        double sum = 0;
        for (size_t c = 0; c < K; c++) {
            CHECK_NEAR(proba[i * K + c], r->proba[i * K + c], 1e-5);
            sum += proba[i * K + c];
        }
        CHECK_NEAR(sum, 1.0, 1e-14);
        CHECK(cls[i] == r->pred[i], "%s: row %zu predicted %d, sklearn %d", r->tag, i + 1,
              (int)cls[i], (int)r->pred[i]);
    }
    free(proba);
    free(cls);
    gf_mlogit_free(m);
}

/* The analytic gradient against central differences at a random point. */
static void test_gradient(const ref *r, double lambda, int intercept)
{
    gf_xy d = ref_data(r);
    size_t K = r->classes, k = r->p + 1, m = K * k;
    double *w = malloc(m * sizeof *w), *g = malloc(m * sizeof *g), *g0 = malloc(m * sizeof *g0);
    gf_rng rng;
    gf_rng_seed(&rng, 7);
    for (size_t i = 0; i < m; i++) w[i] = 0.3 * gf_rng_normal(&rng);
    if (!intercept)
        for (size_t c = 0; c < K; c++) w[c * k] = 0;
    double f = gf__mlogit_objective(&d, K, lambda, intercept, w, g);
    CHECK(isfinite(f) && f > 0, "%s: objective %g", r->tag, f);

    const double h = 1e-5;
    double norm = 0, err = 0;
    for (size_t i = 0; i < m; i++) {
        if (!intercept && i % k == 0) {
            CHECK(g[i] == 0, "%s: intercept gradient %g without an intercept", r->tag, g[i]);
            continue;
        }
        double keep = w[i];
        w[i] = keep + h;
        double fp = gf__mlogit_objective(&d, K, lambda, intercept, w, g0);
        w[i] = keep - h;
        double fm = gf__mlogit_objective(&d, K, lambda, intercept, w, g0);
        w[i] = keep;
        double fd = (fp - fm) / (2 * h);
        CHECK_NEAR(g[i], fd, 1e-7);
        err = fmax(err, fabs(g[i] - fd));
        norm = fmax(norm, fabs(g[i]));
    }
    /* A zero gradient would agree with anything flat. */
    CHECK(norm > 1e-2, "%s: gradient suspiciously small (%g)", r->tag, norm);
    printf("%s (lambda %g): gradient vs central differences, max error %.2e (max |g| %.2f)\n",
           r->tag, lambda, err, norm);
    free(w);
    free(g);
    free(g0);
}

/* Three clouds far apart: with lambda = 0 there is no minimum. */
static void test_separable(void)
{
    double x[30 * 2];
    int32_t y[30];
    gf_rng rng;
    gf_rng_seed(&rng, 3);
    for (size_t i = 0; i < 30; i++) {
        y[i] = (int32_t)(i % 3);
        x[2 * i] = 10.0 * (double)y[i] + gf_rng_normal(&rng);
        x[2 * i + 1] = gf_rng_normal(&rng);
    }
    gf_xy d = { .x = x, .n = 30, .p = 2, .label = y };
    gf_mlogit *m = NULL;
    gf_status s = gf_mlogit_fit(&d, NULL, &m);
    CHECK(s == GF_ERR_FIT && m == NULL, "separable, lambda 0: status %d", s);
    CHECK(strstr(gf_errmsg(), "separable") && strstr(gf_errmsg(), "lambda"), "message: %s",
          gf_errmsg());
    /* A penalty makes the minimum exist. */
    gf_mlogit_opts o = GF_MLOGIT_OPTS_DEFAULT;
    o.lambda = 1e-2;
    CHECK(gf_mlogit_fit(&d, &o, &m) == GF_OK, "separable, lambda 0.01: %s", gf_errmsg());
    if (m) {
        /* The penalty's choice among equivalent weights: they sum to 0
         * over classes, and so do the (unpenalised) intercepts. */
        for (size_t j = 0; j < 3; j++) {
            double sum = 0;
            for (size_t c = 0; c < 3; c++) sum += m->coef[c * 3 + j];
            CHECK_NEAR(sum, 0, 1e-8);
        }
    }
    gf_mlogit_free(m);
}

/* iris is not separable (two species overlap): lambda = 0 has a minimum. */
static void test_unpenalised(void)
{
    const ref r = REF(iris, IRIS);
    gf_xy d = ref_data(&r);
    gf_mlogit *m = NULL;
    gf_mlogit_opts o = GF_MLOGIT_OPTS_DEFAULT;
    o.max_iter = 20000;
    gf_status s = gf_mlogit_fit(&d, &o, &m);
    CHECK(s == GF_OK, "iris, lambda 0: %s", gf_errmsg());
    if (!m) return;
    /* At the minimum the gradient vanishes. */
    double g[15];
    double f = gf__mlogit_objective(&d, 3, 0, 1, m->coef, g);
    CHECK_REL(f, m->loss, 1e-12);
    for (size_t i = 0; i < 15; i++) CHECK(fabs(g[i]) < 1e-6, "gradient %zu is %g", i, g[i]);
    gf_mlogit_free(m);
}

static void test_argmax(void)
{
    const double s[] = { 1, 3, 3, /* tie: the lower index */
                         -INFINITY, -1, -2, 5, 5, 5, 0, 0, 1 };
    int32_t cls[4];
    CHECK(gf_argmax(s, 4, 3, cls) == GF_OK, "argmax: %s", gf_errmsg());
    CHECK(cls[0] == 1 && cls[1] == 1 && cls[2] == 0 && cls[3] == 2, "argmax %d %d %d %d",
          (int)cls[0], (int)cls[1], (int)cls[2], (int)cls[3]);
    const double nan_s[] = { 0, NAN };
    CHECK(gf_argmax(nan_s, 1, 2, cls) == GF_ERR_ARG && strstr(gf_errmsg(), "NaN"),
          "NaN score: %s", gf_errmsg());
    CHECK(gf_argmax(s, 1, 0, cls) == GF_ERR_ARG, "0 classes");
    CHECK(gf_argmax(NULL, 1, 3, cls) == GF_ERR_ARG, "NULL scores");
}

static void test_bad_input(void)
{
    const ref r = REF(iris, IRIS);
    gf_xy d = ref_data(&r);
    gf_mlogit *m = NULL;
    gf_mlogit_opts o = GF_MLOGIT_OPTS_DEFAULT;
    const double bad_lambda[] = { -1, NAN, INFINITY };
    for (size_t i = 0; i < 3; i++) {
        o.lambda = bad_lambda[i];
        CHECK(gf_mlogit_fit(&d, &o, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "lambda"),
              "lambda %g: %s", bad_lambda[i], gf_errmsg());
    }
    o = GF_MLOGIT_OPTS_DEFAULT;
    o.tol = 0;
    CHECK(gf_mlogit_fit(&d, &o, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "tol"), "tol 0");
    o = GF_MLOGIT_OPTS_DEFAULT;
    o.max_iter = 0;
    CHECK(gf_mlogit_fit(&d, &o, &m) == GF_ERR_ARG, "max_iter 0");
    o = GF_MLOGIT_OPTS_DEFAULT;
    o.lambda = 1e-3;
    o.max_iter = 3;
    CHECK(gf_mlogit_fit(&d, &o, &m) == GF_ERR_FIT && strstr(gf_errmsg(), "converge"),
          "3 iterations: %s", gf_errmsg());

    double x[(size_t)IRIS_N * (size_t)IRIS_P];
    memcpy(x, r.x, sizeof x);
    x[10 * 4 + 2] = NAN;
    gf_xy bad = d;
    bad.x = x;
    CHECK(gf_mlogit_fit(&bad, NULL, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "row 11"),
          "NaN in x: %s", gf_errmsg());

    int32_t y[(size_t)IRIS_N];
    memcpy(y, r.label, sizeof y);
    bad = d;
    bad.label = y;
    y[7] = -1;
    CHECK(gf_mlogit_fit(&bad, NULL, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "row 8"),
          "label -1: %s", gf_errmsg());
    /* Classes 0 and 2 but no 1: class 1's intercept would run to -inf. */
    for (size_t i = 0; i < r.n; i++) y[i] = r.label[i] == 1 ? 2 : r.label[i];
    CHECK(gf_mlogit_fit(&bad, NULL, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "class 1"),
          "missing class: %s", gf_errmsg());
    for (size_t i = 0; i < r.n; i++) y[i] = 0;
    CHECK(gf_mlogit_fit(&bad, NULL, &m) == GF_ERR_ARG && strstr(gf_errmsg(), "two classes"),
          "one class: %s", gf_errmsg());
    CHECK(gf_mlogit_fit(NULL, NULL, &m) == GF_ERR_ARG, "no data");
    CHECK(m == NULL, "a failed fit leaves *out NULL");

    o = GF_MLOGIT_OPTS_DEFAULT;
    o.lambda = r.lambda;
    CHECK(gf_mlogit_fit(&d, &o, &m) == GF_OK, "iris: %s", gf_errmsg());
    double p[6], xs[8] = { 5, 3, 1, 0.2, 5, NAN, 1, 0.2 };
    CHECK(gf_mlogit_predict_proba(m, xs, 2, p) == GF_ERR_ARG && strstr(gf_errmsg(), "row 2"),
          "NaN in predict: %s", gf_errmsg());
    /* Far outside the data the scores are huge: still probabilities. */
    double far[4] = { 1e8, -1e8, 1e8, -1e8 };
    CHECK(gf_mlogit_predict_proba(m, far, 1, p) == GF_OK, "far row");
    CHECK(fabs(p[0] + p[1] + p[2] - 1) < 1e-15 && !isnan(p[0] + p[1] + p[2]), "far row: %g %g %g",
          p[0], p[1], p[2]);
    gf_mlogit_free(m);
    gf_mlogit_free(NULL);
}

int main(void)
{
    const ref refs[] = { REF(iris, IRIS), REF(iris_noint, IRIS_NOINT), REF(gen5, GEN5) };
    for (size_t i = 0; i < 3; i++) test_matches_sklearn(&refs[i]);
    test_gradient(&refs[0], refs[0].lambda, 1);
    test_gradient(&refs[1], 0.5, 0);
    test_gradient(&refs[2], 0, 1);
    test_separable();
    test_unpenalised();
    test_argmax();
    test_bad_input();
    return check_report("test_softmax");
}
