/* Transforms: scalers against scikit-learn's StandardScaler and
 * MinMaxScaler (fixture from scripts/fixtures/scalers.py), applied to new
 * data; extreme columns; one-hot targets; plain and stratified splits (sizes,
 * disjointness, coverage, determinism, class proportions); and every bad
 * input, each with its status and a message naming the place. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grafo/transform.h"

#include "fixtures/scalers_sklearn.h"

#define HAS(text) (strstr(gf_errmsg(), (text)) != NULL)

/* ---- scaling names --------------------------------------------------- */

static void test_names(void)
{
    const char *names[] = {"none", "standard", "minmax"};
    for (int s = 0; s < GF_SCALE_COUNT; s++) {
        CHECK(strcmp(gf_scaling_name((gf_scaling)s), names[s]) == 0, "%s", gf_scaling_name(s));
        gf_scaling back = GF_SCALE_COUNT;
        CHECK(gf_scaling_parse(names[s], &back) == GF_OK && back == (gf_scaling)s, "%s", names[s]);
    }
    CHECK(strcmp(gf_scaling_name(GF_SCALE_COUNT), "unknown") == 0, "out of range");
    gf_scaling k = GF_SCALE_MINMAX;
    CHECK(gf_scaling_parse("zscore", &k) == GF_ERR_ARG, "zscore parsed");
    CHECK(HAS("'zscore'") && HAS("standard") && HAS("minmax"), "%s", gf_errmsg());
    CHECK(k == GF_SCALE_MINMAX, "a failed parse changed *out");
    CHECK(gf_scaling_parse("Standard", &k) == GF_ERR_ARG, "names are lower case");
    CHECK(gf_scaling_parse(NULL, &k) == GF_ERR_ARG, "NULL text");
    CHECK(gf_scaling_parse("none", NULL) == GF_ERR_ARG, "NULL out");
}

/* ---- against scikit-learn -------------------------------------------- */

/* Scaled values are only as good as the shift they subtract: column 1 sits
 * at 1e8, where one ulp of the mean (1.5e-8) is 1.4e-6 of a scaled unit.
 * So compare within a few ulps of the shift, divided by the scale. */
static double scaled_tol(double shift, double scale)
{
    double ulp = nextafter(fabs(shift), INFINITY) - fabs(shift);
    return fmax(1e-13, 4 * ulp / scale);
}

static void compare_fit(const gf_scaler *s, const double *shift, const double *scale,
                        const double *want_x, const double *want_new, const char *what)
{
    size_t n = (size_t)SC_N, p = (size_t)SC_P, m = (size_t)SC_M;
    CHECK(s->p == p, "%s: p %zu", what, s->p);
    for (size_t j = 0; j < p; j++) {
        CHECK(fabs(s->shift[j] - shift[j]) <= 1e-14 * fmax(1, fabs(shift[j])),
              "%s: shift[%zu] %.17g vs %.17g", what, j, s->shift[j], shift[j]);
        CHECK_REL(s->scale[j], scale[j], 1e-12);
    }
    double *x = malloc(n * p * sizeof *x), *nw = malloc(m * p * sizeof *nw);
    memcpy(x, sc_x, n * p * sizeof *x);
    memcpy(nw, sc_new, m * p * sizeof *nw);
    CHECK(gf_scaler_apply(s, x, n, p) == GF_OK, "%s: %s", what, gf_errmsg());
    CHECK(gf_scaler_apply(s, nw, m, p) == GF_OK, "%s: %s", what, gf_errmsg());
    for (size_t i = 0; i < n * p; i++) {
        double tol = scaled_tol(shift[i % p], scale[i % p]);
        CHECK(fabs(x[i] - want_x[i]) <= tol, "%s: x[%zu] %.17g vs %.17g (tol %g)", what, i, x[i],
              want_x[i], tol);
    }
    for (size_t i = 0; i < m * p; i++) {
        double tol = scaled_tol(shift[i % p], scale[i % p]);
        CHECK(fabs(nw[i] - want_new[i]) <= tol, "%s: new[%zu] %.17g vs %.17g (tol %g)", what, i,
              nw[i], want_new[i], tol);
    }
    free(x);
    free(nw);
}

static void test_sklearn(void)
{
    size_t n = (size_t)SC_N, p = (size_t)SC_P;
    gf_scaler *s = NULL;
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, sc_x, n, p, &s) == GF_OK, "%s", gf_errmsg());
    if (s) {
        CHECK(s->kind == GF_SCALE_STANDARD, "kind %d", s->kind);
        compare_fit(s, sc_std_mean, sc_std_scale, sc_std_x, sc_std_new, "standard");
        /* The constant column (2) is centred exactly, with scale exactly 1. */
        CHECK(s->shift[2] == 4.25 && s->scale[2] == 1.0, "constant: %g %g", s->shift[2],
              s->scale[2]);
    }
    gf_scaler_free(s);

    s = NULL;
    CHECK(gf_scaler_fit(GF_SCALE_MINMAX, sc_x, n, p, &s) == GF_OK, "%s", gf_errmsg());
    if (s) {
        CHECK(s->kind == GF_SCALE_MINMAX, "kind %d", s->kind);
        compare_fit(s, sc_mm_min, sc_mm_range, sc_mm_x, sc_mm_new, "minmax");
        CHECK(s->shift[2] == 4.25 && s->scale[2] == 1.0, "constant: %g %g", s->shift[2],
              s->scale[2]);
        /* The training data land in [0, 1], hitting both ends. */
        double *x = malloc(n * p * sizeof *x);
        memcpy(x, sc_x, n * p * sizeof *x);
        gf_scaler_apply(s, x, n, p);
        for (size_t j = 0; j < p; j++) {
            double lo = INFINITY, hi = -INFINITY;
            for (size_t i = 0; i < n; i++) lo = fmin(lo, x[i * p + j]), hi = fmax(hi, x[i * p + j]);
            CHECK(lo == 0 && hi == (j == 2 ? 0 : 1), "column %zu spans [%g, %g]", j, lo, hi);
        }
        free(x);
    }
    gf_scaler_free(s);

    /* "none" fits shift 0 and scale 1 and leaves data bit for bit. */
    s = NULL;
    CHECK(gf_scaler_fit(GF_SCALE_NONE, sc_x, n, p, &s) == GF_OK, "%s", gf_errmsg());
    if (s) {
        for (size_t j = 0; j < p; j++)
            CHECK(s->shift[j] == 0 && s->scale[j] == 1, "none: column %zu", j);
        double *x = malloc(n * p * sizeof *x);
        memcpy(x, sc_x, n * p * sizeof *x);
        CHECK(gf_scaler_apply(s, x, n, p) == GF_OK, "%s", gf_errmsg());
        CHECK(memcmp(x, sc_x, n * p * sizeof *x) == 0, "none changed the data");
        free(x);
    }
    gf_scaler_free(s);
}

/* ---- extreme columns --------------------------------------------------- */

static void test_extremes(void)
{
    /* Column 0: magnitudes where squares overflow a double, mean 1e300 and
     * population sd 2e300.  Column 1: subnormals 0 and 2^-1072, mean and sd
     * 2^-1073, scaled up and back exactly.  Column 2: 1 and 1 + eps, a spread inside the two-pass
     * rounding bound, so (like scikit-learn) constant: scale 1. */
    double x[] = {3e300, 0, 1.0, -1e300, 0x1p-1072, 1.0 + DBL_EPSILON};
    gf_scaler *s = NULL;
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, x, 2, 3, &s) == GF_OK, "%s", gf_errmsg());
    if (s) {
        CHECK_REL(s->shift[0], 1e300, 1e-15);
        CHECK_REL(s->scale[0], 2e300, 1e-15);
        CHECK(s->shift[1] == 0x1p-1073 && s->scale[1] == 0x1p-1073, "subnormal: %a %a",
              s->shift[1], s->scale[1]);
        CHECK(s->scale[2] == 1.0, "near-constant column scale %.17g", s->scale[2]);
        CHECK_NEAR(s->shift[2], 1.0, 1e-15);
        double y[] = {3e300, 0, 1.0, -1e300, 0x1p-1072, 1.0 + DBL_EPSILON};
        CHECK(gf_scaler_apply(s, y, 2, 3) == GF_OK, "%s", gf_errmsg());
        CHECK_NEAR(y[0], 1.0, 1e-15);
        CHECK_NEAR(y[3], -1.0, 1e-15);
        CHECK(y[1] == -1.0 && y[4] == 1.0, "subnormal scaled %g %g", y[1], y[4]);
    }
    gf_scaler_free(s);

    /* Min-max over a range beyond the largest double is refused. */
    double wide[] = {0, DBL_MAX, 1, -DBL_MAX};
    s = (gf_scaler *)1;
    CHECK(gf_scaler_fit(GF_SCALE_MINMAX, wide, 2, 2, &s) == GF_ERR_NUMERIC, "wide range");
    CHECK(HAS("column 2") && HAS("range"), "%s", gf_errmsg());
    CHECK(s == NULL, "*out not NULL after a failure");
    /* Standardising the same column is fine: mean 0, sd DBL_MAX. */
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, wide, 2, 2, &s) == GF_OK, "%s", gf_errmsg());
    if (s) CHECK(s->shift[1] == 0 && s->scale[1] == DBL_MAX, "%g %g", s->shift[1], s->scale[1]);
    gf_scaler_free(s);

    /* Applying, the difference x - shift may overflow when the result does
     * not: (DBL_MAX - (-DBL_MAX)) / 4. */
    gf_scaler *q = NULL;
    CHECK(gf_scaler_new(GF_SCALE_STANDARD, 1, (double[]){-DBL_MAX}, (double[]){4}, &q) == GF_OK,
          "%s", gf_errmsg());
    double v = DBL_MAX;
    CHECK(q && gf_scaler_apply(q, &v, 1, 1) == GF_OK, "%s", gf_errmsg());
    CHECK_REL(v, DBL_MAX / 2, 1e-15);
    gf_scaler_free(q);
}

/* ---- gf_scaler_new ------------------------------------------------------- */

static void test_scaler_new(void)
{
    double shift[] = {1, -2}, scale[] = {2, 0.5};
    gf_scaler *s = NULL;
    CHECK(gf_scaler_new(GF_SCALE_STANDARD, 2, shift, scale, &s) == GF_OK, "%s", gf_errmsg());
    if (s) {
        shift[0] = 99, scale[0] = 99; /* the scaler keeps copies */
        CHECK(s->shift[0] == 1 && s->scale[0] == 2 && s->shift[1] == -2 && s->scale[1] == 0.5,
              "copied values");
        double x[] = {5, 0, -1, -2};
        CHECK(gf_scaler_apply(s, x, 2, 2) == GF_OK, "%s", gf_errmsg());
        CHECK(x[0] == 2 && x[1] == 4 && x[2] == -1 && x[3] == 0, "%g %g %g %g", x[0], x[1], x[2],
              x[3]);
    }
    gf_scaler_free(s);
    gf_scaler_free(NULL);

    double ok_shift[] = {0, 0}, one[] = {1, 1};
    struct {
        double scale1;
        double shift1;
        gf_status want;
        const char *msg;
    } bad[] = {
        {0, 0, GF_ERR_ARG, "scale of column 2 is 0"},
        {-1, 0, GF_ERR_ARG, "scale of column 2 is -1"},
        {NAN, 0, GF_ERR_ARG, "scale of column 2 is nan"},
        {INFINITY, 0, GF_ERR_ARG, "scale of column 2 is inf"},
        {1, NAN, GF_ERR_NUMERIC, "shift of column 2 is nan"},
        {1, -INFINITY, GF_ERR_NUMERIC, "shift of column 2 is -inf"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = (gf_scaler *)1;
        gf_status st = gf_scaler_new(GF_SCALE_MINMAX, 2, (double[]){0, bad[i].shift1},
                                     (double[]){1, bad[i].scale1}, &s);
        CHECK(st == bad[i].want && HAS(bad[i].msg) && s == NULL, "case %zu: %d %s", i, st,
              gf_errmsg());
    }
    CHECK(gf_scaler_new(GF_SCALE_COUNT, 2, ok_shift, one, &s) == GF_ERR_ARG && HAS("unknown"),
          "%s", gf_errmsg());
    CHECK(gf_scaler_new((gf_scaling)-1, 2, ok_shift, one, &s) == GF_ERR_ARG, "kind -1");
    CHECK(gf_scaler_new(GF_SCALE_STANDARD, 0, ok_shift, one, &s) == GF_ERR_SHAPE && HAS("no columns"),
          "%s", gf_errmsg());
    CHECK(gf_scaler_new(GF_SCALE_STANDARD, 2, NULL, one, &s) == GF_ERR_ARG, "NULL shift");
    CHECK(gf_scaler_new(GF_SCALE_STANDARD, 2, ok_shift, NULL, &s) == GF_ERR_ARG, "NULL scale");
    CHECK(gf_scaler_new(GF_SCALE_STANDARD, 2, ok_shift, one, NULL) == GF_ERR_ARG, "NULL out");
    /* "none" means shift 0 and scale 1; anything else is a contradiction. */
    CHECK(gf_scaler_new(GF_SCALE_NONE, 2, ok_shift, one, &s) == GF_OK, "%s", gf_errmsg());
    gf_scaler_free(s);
    CHECK(gf_scaler_new(GF_SCALE_NONE, 2, (double[]){0, 3}, one, &s) == GF_ERR_ARG &&
              HAS("column 2") && HAS("'none'"),
          "%s", gf_errmsg());
}

/* ---- bad input to fit and apply ----------------------------------------- */

static void test_scaler_errors(void)
{
    double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}; /* 3 x 3 */
    gf_scaler *s = (gf_scaler *)1;
    double bad[9];
    const double nonfinite[] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++) {
        memcpy(bad, x, sizeof x);
        bad[2 * 3 + 1] = nonfinite[k]; /* row 3, column 2 */
        for (int kind = 0; kind < GF_SCALE_COUNT; kind++) {
            s = (gf_scaler *)1;
            CHECK(gf_scaler_fit((gf_scaling)kind, bad, 3, 3, &s) == GF_ERR_NUMERIC, "%d", k);
            CHECK(HAS("row 3, column 2") && s == NULL, "%s", gf_errmsg());
        }
    }
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, x, 0, 3, &s) == GF_ERR_SHAPE && HAS("n is 0"), "%s",
          gf_errmsg());
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, x, 3, 0, &s) == GF_ERR_SHAPE && HAS("p is 0"), "%s",
          gf_errmsg());
    CHECK(gf_scaler_fit(GF_SCALE_COUNT, x, 3, 3, &s) == GF_ERR_ARG && HAS("unknown scaling 3"),
          "%s", gf_errmsg());
    CHECK(gf_scaler_fit((gf_scaling)-7, x, 3, 3, &s) == GF_ERR_ARG && HAS("-7"), "%s",
          gf_errmsg());
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, NULL, 3, 3, &s) == GF_ERR_ARG, "NULL x");
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, x, 3, 3, NULL) == GF_ERR_ARG, "NULL out");
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, x, SIZE_MAX / 4, 3, &s) == GF_ERR_SHAPE &&
              HAS("do not fit"),
          "%s", gf_errmsg());
    /* One row: every column is constant. */
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, x, 1, 3, &s) == GF_OK, "%s", gf_errmsg());
    if (s) CHECK(s->shift[1] == 2 && s->scale[1] == 1, "one row: %g %g", s->shift[1], s->scale[1]);

    /* Applying: the shape must match, values must be finite and stay so,
     * and a refused call leaves the data untouched. */
    double y[6] = {1, 2, 3, 4, 5, 6};
    CHECK(gf_scaler_apply(s, y, 3, 2) == GF_ERR_SHAPE && HAS("2 columns") && HAS("fitted on 3"),
          "%s", gf_errmsg());
    double z[] = {1, 2, 3, 4, NAN, 6};
    CHECK(gf_scaler_apply(s, z, 2, 3) == GF_ERR_NUMERIC && HAS("row 2, column 2"), "%s",
          gf_errmsg());
    CHECK(z[0] == 1 && z[5] == 6, "a refused apply wrote into x");
    CHECK(gf_scaler_apply(s, NULL, 0, 3) == GF_OK, "no rows is nothing to do: %s", gf_errmsg());
    CHECK(gf_scaler_apply(s, NULL, 2, 3) == GF_ERR_ARG, "NULL x");
    CHECK(gf_scaler_apply(NULL, y, 2, 3) == GF_ERR_ARG, "NULL scaler");
    /* A scaler filled by hand is checked like one from gf_scaler_new. */
    double hs[] = {0, 0, 0}, hk[] = {1, 0, 1};
    gf_scaler hand = {.kind = GF_SCALE_STANDARD, .p = 3, .shift = hs, .scale = hk};
    CHECK(gf_scaler_apply(&hand, y, 2, 3) == GF_ERR_ARG && HAS("column 2") && y[0] == 1, "%s",
          gf_errmsg());
    hand.kind = GF_SCALE_COUNT;
    hk[1] = 1;
    CHECK(gf_scaler_apply(&hand, y, 2, 3) == GF_ERR_ARG && HAS("kind 3"), "%s", gf_errmsg());
    hand.kind = GF_SCALE_MINMAX;
    CHECK(gf_scaler_apply(&hand, y, 2, 3) == GF_OK && y[5] == 6, "%s", gf_errmsg());
    gf_scaler_free(s);

    gf_scaler *tiny = NULL;
    CHECK(gf_scaler_new(GF_SCALE_STANDARD, 2, (double[]){0, 0}, (double[]){1, 1e-300}, &tiny) ==
              GF_OK,
          "%s", gf_errmsg());
    double w[] = {1, 1, 2, 1e10};
    CHECK(gf_scaler_apply(tiny, w, 2, 2) == GF_ERR_NUMERIC && HAS("row 2, column 2"), "%s",
          gf_errmsg());
    CHECK(w[0] == 1 && w[1] == 1 && w[2] == 2, "a refused apply wrote into x");
    gf_scaler_free(tiny);
}

/* ---- one-hot --------------------------------------------------------- */

static void test_one_hot(void)
{
    int32_t label[] = {2, 0, 1, 2};
    float out[12];
    CHECK(gf_one_hot(label, 4, 3, out) == GF_OK, "%s", gf_errmsg());
    const float want[12] = {0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    CHECK(memcmp(out, want, sizeof want) == 0, "one-hot rows");

    for (int k = 0; k < 12; k++) out[k] = 7;
    int32_t bad[] = {0, 1, 3, 0};
    CHECK(gf_one_hot(bad, 4, 3, out) == GF_ERR_ARG && HAS("row 3") && HAS("is 3"), "%s",
          gf_errmsg());
    CHECK(out[0] == 7 && out[11] == 7, "a refused one-hot wrote into out");
    bad[2] = -1;
    CHECK(gf_one_hot(bad, 4, 3, out) == GF_ERR_ARG && HAS("row 3") && HAS("is -1"), "%s",
          gf_errmsg());
    CHECK(gf_one_hot(label, 4, 0, out) == GF_ERR_ARG && HAS("k is 0"), "%s", gf_errmsg());
    CHECK(gf_one_hot(NULL, 4, 3, out) == GF_ERR_ARG, "NULL label");
    CHECK(gf_one_hot(label, 4, 3, NULL) == GF_ERR_ARG, "NULL out");
    CHECK(gf_one_hot(label, SIZE_MAX / 2, 3, out) == GF_ERR_SHAPE, "n k overflows");
    CHECK(gf_one_hot(NULL, 0, 3, NULL) == GF_OK, "no rows");
}

/* ---- splits ----------------------------------------------------------- */

/* Every row in exactly one set, and each set's indices in range. */
static bool covers(const gf_split *s, size_t n)
{
    if (s->n_train + s->n_valid + s->n_test != n) return false;
    char *seen = calloc(n, 1);
    bool ok = true;
    const size_t *sets[] = {s->train, s->valid, s->test};
    size_t sizes[] = {s->n_train, s->n_valid, s->n_test};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizes[k]; i++) {
            size_t r = sets[k][i];
            if (r >= n || seen[r]) ok = false;
            else seen[r] = 1;
        }
    free(seen);
    return ok;
}

static bool same_split(const gf_split *a, const gf_split *b, size_t n)
{
    return a->n_train == b->n_train && a->n_valid == b->n_valid && a->n_test == b->n_test &&
           memcmp(a->train, b->train, n * sizeof(size_t)) == 0; /* one block: all three sets */
}

static void test_split_plain(void)
{
    size_t n = 103;
    gf_split *s = NULL;
    CHECK(gf_split_new(n, NULL, &s) == GF_OK, "%s", gf_errmsg());
    /* Defaults: test 0.2 -> floor(20.6) = 20, no validation. */
    CHECK(s && s->n_test == 20 && s->n_valid == 0 && s->n_train == 83, "default sizes");
    CHECK(s && covers(s, n), "default split does not cover 0..n-1 exactly once");

    gf_split_opts o = GF_SPLIT_OPTS_DEFAULT;
    o.valid = 0.15;
    o.test = 0.25;
    o.seed = 7;
    gf_split *a = NULL, *b = NULL, *c = NULL;
    CHECK(gf_split_new(n, &o, &a) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_split_new(n, &o, &b) == GF_OK, "%s", gf_errmsg());
    o.seed = 8;
    CHECK(gf_split_new(n, &o, &c) == GF_OK, "%s", gf_errmsg());
    CHECK(a && a->n_valid == 15 && a->n_test == 25 && a->n_train == 63, "%zu %zu %zu",
          a->n_train, a->n_valid, a->n_test);
    CHECK(covers(a, n) && covers(c, n), "disjoint and covering");
    CHECK(same_split(a, b, n), "the same seed gave different splits");
    CHECK(!same_split(a, c, n), "seeds 7 and 8 gave the same split");
    /* The rows are shuffled, not handed out in order. */
    size_t in_order = 0;
    for (size_t i = 0; i < a->n_train; i++) in_order += a->train[i] == i;
    CHECK(in_order < 10, "%zu training rows in their original place", in_order);
    gf_split_free(a);
    gf_split_free(b);
    gf_split_free(c);
    gf_split_free(s);
    gf_split_free(NULL);

    /* One row: it trains. Tiny fractions round down to empty sets. */
    o = GF_SPLIT_OPTS_DEFAULT;
    o.valid = 0.4;
    o.test = 0.4;
    CHECK(gf_split_new(1, &o, &s) == GF_OK && s->n_train == 1 && s->train[0] == 0, "one row");
    gf_split_free(s);
    o.valid = 0.999;
    o.test = 0;
    CHECK(gf_split_new(1000, &o, &s) == GF_OK && s->n_train == 1 && s->n_valid == 999, "%s",
          gf_errmsg());
    gf_split_free(s);
}

/* |count - m_c N_s / n| < 1 for every class and set, checked exactly in
 * integers: |count n - m_c N_s| < n. */
static bool proportional(const gf_split *s, const int32_t *label, size_t n, size_t k)
{
    const size_t *sets[] = {s->train, s->valid, s->test};
    size_t sizes[] = {s->n_train, s->n_valid, s->n_test};
    size_t *m = calloc(k, sizeof *m), *cnt = calloc(k, sizeof *cnt);
    bool ok = true;
    for (size_t i = 0; i < n; i++) m[label[i]]++;
    for (int t = 0; t < 3; t++) {
        memset(cnt, 0, k * sizeof *cnt);
        for (size_t i = 0; i < sizes[t]; i++) cnt[label[sets[t][i]]]++;
        for (size_t c = 0; c < k; c++) {
            double d = (double)cnt[c] * (double)n - (double)m[c] * (double)sizes[t];
            if (fabs(d) >= (double)n) {
                fprintf(stderr, "set %d class %zu: %zu rows, share %g\n", t, c, cnt[c],
                        (double)m[c] * (double)sizes[t] / (double)n);
                ok = false;
            }
        }
    }
    free(m);
    free(cnt);
    return ok;
}

static void test_split_stratified(void)
{
    /* Classes of 50, 30 and 7 rows, interleaved. */
    enum { N = 87 };
    int32_t label[N];
    for (size_t i = 0; i < N; i++) label[i] = i < 45 && i % 3 ? 1 : i < 80 ? 0 : 2;
    size_t m[3] = {0};
    for (size_t i = 0; i < N; i++) m[label[i]]++;
    CHECK(m[0] == 50 && m[1] == 30 && m[2] == 7, "classes %zu %zu %zu", m[0], m[1], m[2]);

    gf_split_opts o = GF_SPLIT_OPTS_DEFAULT;
    o.valid = 0.1;
    o.test = 0.25;
    o.label = label;
    o.nclasses = 3;
    o.seed = 3;
    gf_split *a = NULL, *b = NULL, *c = NULL;
    CHECK(gf_split_new(N, &o, &a) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_split_new(N, &o, &b) == GF_OK, "%s", gf_errmsg());
    o.seed = 4;
    CHECK(gf_split_new(N, &o, &c) == GF_OK, "%s", gf_errmsg());
    if (a && b && c) {
        /* The same sizes as a plain split: floor(8.7) and floor(21.75). */
        CHECK(a->n_valid == 8 && a->n_test == 21 && a->n_train == 58, "%zu %zu %zu", a->n_train,
              a->n_valid, a->n_test);
        CHECK(covers(a, N) && covers(c, N), "disjoint and covering");
        CHECK(proportional(a, label, N, 3) && proportional(c, label, N, 3), "proportions");
        CHECK(same_split(a, b, N), "the same seed gave different splits");
        CHECK(!same_split(a, c, N), "seeds 3 and 4 gave the same split");
        /* Classes are mixed within a set, not laid out one after another. */
        size_t changes = 0;
        for (size_t i = 1; i < a->n_train; i++) changes += label[a->train[i]] != label[a->train[i - 1]];
        CHECK(changes > 10, "the training set changes class only %zu times", changes);
    }
    gf_split_free(a);
    gf_split_free(b);
    gf_split_free(c);

    /* Many random problems, including many tiny classes, unused classes,
     * and huge class numbers: always proportional, covering, sized like a
     * plain split. */
    gf_rng r;
    gf_rng_seed(&r, 99);
    int32_t lab[400];
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + gf_rng_below(&r, 400), k = 1 + gf_rng_below(&r, trial % 3 ? 8 : 200);
        for (size_t i = 0; i < n; i++) lab[i] = (int32_t)gf_rng_below(&r, k);
        o = GF_SPLIT_OPTS_DEFAULT;
        o.valid = gf_rng_uniform(&r) * 0.5;
        o.test = gf_rng_uniform(&r) * 0.49;
        o.seed = (uint64_t)trial;
        o.label = lab;
        o.nclasses = k;
        gf_split *s = NULL;
        CHECK(gf_split_new(n, &o, &s) == GF_OK, "trial %d: %s", trial, gf_errmsg());
        if (!s) continue;
        size_t nv = (size_t)floor(o.valid * (double)n), nt = (size_t)floor(o.test * (double)n);
        CHECK(s->n_valid == nv && s->n_test == nt, "trial %d sizes", trial);
        CHECK(covers(s, n), "trial %d covers", trial);
        CHECK(proportional(s, lab, n, k), "trial %d (n %zu, k %zu, %g, %g)", trial, n, k, o.valid,
              o.test);
        gf_split_free(s);
    }

    /* A class number up to INT32_MAX needs no memory by class. */
    int32_t big[] = {INT32_MAX - 1, 0, INT32_MAX - 1, 0, 5};
    o = GF_SPLIT_OPTS_DEFAULT;
    o.label = big;
    o.nclasses = INT32_MAX;
    o.test = 0.4;
    gf_split *s = NULL;
    CHECK(gf_split_new(5, &o, &s) == GF_OK && s->n_test == 2 && covers(s, 5), "%s", gf_errmsg());
    gf_split_free(s);
}

static void test_split_errors(void)
{
    gf_split *s = (gf_split *)1;
    gf_split_opts o = GF_SPLIT_OPTS_DEFAULT;
    struct {
        double valid, test;
        const char *msg;
    } bad[] = {
        {-0.1, 0.2, "validation fraction is -0.1"},
        {1, 0, "validation fraction is 1"},
        {NAN, 0.2, "validation fraction is nan"},
        {0.1, -0.5, "test fraction is -0.5"},
        {0.1, 1.5, "test fraction is 1.5"},
        {0, NAN, "test fraction is nan"},
        {0.1, INFINITY, "test fraction is inf"},
        {0.5, 0.5, "add up to 1 or more"},
        {0.6, 0.7, "add up to 1 or more"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.valid = bad[i].valid;
        o.test = bad[i].test;
        s = (gf_split *)1;
        CHECK(gf_split_new(10, &o, &s) == GF_ERR_ARG && HAS(bad[i].msg) && s == NULL,
              "case %zu: %s", i, gf_errmsg());
    }
    o = GF_SPLIT_OPTS_DEFAULT;
    CHECK(gf_split_new(0, &o, &s) == GF_ERR_ARG && HAS("n is 0"), "%s", gf_errmsg());
    CHECK(gf_split_new(10, &o, NULL) == GF_ERR_ARG, "NULL out");
    CHECK(gf_split_new(SIZE_MAX / 2, &o, &s) == GF_ERR_ARG && HAS("do not fit"), "%s",
          gf_errmsg());
    int32_t label[] = {0, 1, 2, 1, 0};
    o.label = label;
    o.nclasses = 2;
    CHECK(gf_split_new(5, &o, &s) == GF_ERR_ARG && HAS("row 3") && HAS("is 2") &&
              HAS("[0, 2)"),
          "%s", gf_errmsg());
    label[2] = -4;
    CHECK(gf_split_new(5, &o, &s) == GF_ERR_ARG && HAS("row 3") && HAS("is -4"), "%s",
          gf_errmsg());
    o.nclasses = 0;
    label[2] = 0;
    CHECK(gf_split_new(5, &o, &s) == GF_ERR_ARG && HAS("nclasses is 0"), "%s", gf_errmsg());
}

int main(void)
{
    test_names();
    test_sklearn();
    test_extremes();
    test_scaler_new();
    test_scaler_errors();
    test_one_hot();
    test_split_plain();
    test_split_stratified();
    test_split_errors();
    return check_report("test_transform");
}
