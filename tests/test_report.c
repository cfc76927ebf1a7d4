/* The reports of `grafo fit` against R's own printed output
 * (tests/fixtures/summary_*.txt and report_data.h, made by
 * scripts/fixtures/summary_print.R): summary(lm) and summary(glm) of fits
 * grafo makes itself, glmnet's prints of a path and its cross-validation,
 * coef()'s sparse print, a matrix wide enough to wrap, and the number
 * formatting under them (format, format.pval, formatC, signif, round,
 * quantile, deparse) on hundreds of values.  Then the JSON versions parse
 * back with the fits' numbers, NaN as null. */
#include "report.h"
#include "report_fmt.h"

#include "check.h"
#include "fixtures/report_data.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers -- */

/* A fixture text file, found next to this source file. */
static char *read_fixture(const char *name)
{
    char path[4096];
    const char *src = __FILE__, *slash = strrchr(src, '/');
    int dir = slash ? (int)(slash - src) : 1;
    snprintf(path, sizeof path, "%.*s/fixtures/%s", dir, slash ? src : ".", name);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, got, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* got == want, or a report of the first differing line. */
static void check_text(const char *what, const char *got, const char *want)
{
    if (!got || !want) {
        CHECK(got && want, "%s: missing text", what);
        return;
    }
    if (strcmp(got, want) == 0) return;
    size_t line = 1;
    const char *g = got, *w = want, *gl = got, *wl = want;
    while (*g && *g == *w) {
        if (*g == '\n') {
            line++;
            gl = g + 1;
            wl = w + 1;
        }
        g++, w++;
    }
    int gn = (int)strcspn(gl, "\n"), wn = (int)strcspn(wl, "\n");
    CHECK(0, "%s differs from R at line %zu, column %d:\n  grafo: \"%.*s\"\n  R:     \"%.*s\"\n"
          "--- grafo printed:\n%s--- R printed:\n%s---", what, line, (int)(g - gl) + 1, gn, gl,
          wn, wl, got, want);
}

/* What fn prints, captured. */
#define CAPTURE(text, call)                                                \
    do {                                                                   \
        size_t len_ = 0;                                                   \
        FILE *out = open_memstream(&(text), &len_);                        \
        int rc_ = (call);                                                  \
        CHECK(rc_ == 0, "%s returned %d", #call, rc_);                     \
        fclose(out);                                                       \
    } while (0)

/* -------------------------------------------- R's number formatting -- */

static void test_format(void)
{
    size_t at = 0;
    int bad = 0;
    for (size_t c = 0; c < FMT_CASES; c++) {
        size_t n = (size_t)fmt_len[c];
        rf_cell cells[8];
        rf_format(fmt_x + at, n, fmt_digits[c], cells);
        char got[8 * RF_CELL + 8] = "";
        for (size_t i = 0; i < n; i++) {
            if (i) strcat(got, "|");
            strcat(got, cells[i]);
        }
        if (strcmp(got, fmt_want[c]) != 0 && bad++ < 10)
            CHECK(0, "format(c(%.17g%s), digits = %d): \"%s\", R \"%s\"", fmt_x[at],
                  n > 1 ? ", ..." : "", fmt_digits[c], got, fmt_want[c]);
        at += n;
    }
    CHECK(bad == 0, "%d of %d format() cases differ from R", bad, FMT_CASES);
}

static void test_format_pval(void)
{
    size_t at = 0;
    for (size_t c = 0; c < PV_CASES; c++) {
        size_t n = (size_t)pv_len[c];
        rf_cell cells[8];
        rf_format_pval(pv_x + at, n, pv_digits[c], cells);
        char got[8 * RF_CELL + 8] = "";
        for (size_t i = 0; i < n; i++) {
            if (i) strcat(got, "|");
            strcat(got, cells[i]);
        }
        CHECK(strcmp(got, pv_want[c]) == 0, "format.pval(c(%.17g%s), digits = %d): \"%s\", R \"%s\"",
              pv_x[at], n > 1 ? ", ..." : "", pv_digits[c], got, pv_want[c]);
        at += n;
    }
    /* NaN is R's NA to format.pval. */
    double nan = NAN;
    rf_cell c;
    rf_format_pval(&nan, 1, 4, &c);
    CHECK(strcmp(c, "NA") == 0, "format.pval(NaN) is \"%s\"", c);
}

static void test_round_signif_formatc(void)
{
    for (size_t i = 0; i < SX_N; i++) {
        rf_cell c;
        rf_formatc(sx[i], 4, c);
        CHECK(strcmp(c, sx_formatc[i]) == 0, "formatC(%.17g, digits = 4): \"%s\", R \"%s\"", sx[i],
              c, sx_formatc[i]);
        CHECK(rf_signif(sx[i], 4) == sx_signif4[i], "signif(%.17g, 4): %.17g, R %.17g", sx[i],
              rf_signif(sx[i], 4), sx_signif4[i]);
        CHECK(rf_round(sx[i], 3) == sx_round3[i], "round(%.17g, 3): %.17g, R %.17g", sx[i],
              rf_round(sx[i], 3), sx_round3[i]);
        CHECK(rf_round(sx[i], -2) == sx_round_neg[i], "round(%.17g, -2): %.17g, R %.17g", sx[i],
              rf_round(sx[i], -2), sx_round_neg[i]);
    }
    rf_cell c;
    CHECK(strcmp(rf_formatc(NAN, 4, c), "  NaN") == 0, "formatC(NaN) is \"%s\"", c);
    CHECK(strcmp(rf_num(-INFINITY, 7, c), "-Inf") == 0, "format(-Inf) is \"%s\"", c);
    CHECK(strcmp(rf_num(-0.0, 7, c), "0") == 0, "format(-0) is \"%s\"", c);
    double ints[3] = { 247, 245, 1000 };
    rf_cell ic[3];
    rf_format_int(ints, 3, ic);
    CHECK(strcmp(ic[0], " 247") == 0 && strcmp(ic[2], "1000") == 0, "integers: \"%s\" \"%s\"",
          ic[0], ic[2]);
}

static void test_quantiles(void)
{
    size_t at = 0;
    for (size_t c = 0; c < QX_CASES; c++) {
        size_t n = (size_t)qx_len[c];
        double q[5];
        CHECK(rf_quantiles(qx_x + at, n, q) == 0, "quantiles of case %zu", c);
        rf_zapsmall(q, 5, 5);
        for (int j = 0; j < 5; j++)
            CHECK(q[j] == qx_want[c * 5 + j], "case %zu: quantile %d is %.17g, R %.17g", c, j,
                  q[j], qx_want[c * 5 + j]);
        at += n;
    }
    double q[5];
    CHECK(rf_quantiles(qx_x, 0, q) == -1, "no values, no quantiles");
}

static void test_deparse(void)
{
    for (size_t c = 0; c < CALL_CASES; c++) {
        char *got = rf_deparse_call(call_flat[c]);
        CHECK(got && strcmp(got, call_want[c]) == 0, "deparse:\n%s\nR:\n%s", got ? got : "(null)",
              call_want[c]);
        free(got);
    }
    /* What is not a one-line call comes back as it is. */
    static const char *const asis[] = { "", "lm(", "lm(a, b", "no call here", "f(x))(",
                                        "line one\nline two", "(a + b)", "f(\"unterminated)" };
    for (size_t i = 0; i < sizeof asis / sizeof asis[0]; i++) {
        char *got = rf_deparse_call(asis[i]);
        CHECK(got && strcmp(got, asis[i]) == 0, "\"%s\" came back as \"%s\"", asis[i],
              got ? got : "(null)");
        free(got);
    }
    char *none = rf_deparse_call(NULL);
    CHECK(none && *none == '\0', "NULL call");
    free(none);
    /* A formula of 5000 terms breaks into lines of about 60 characters,
     * without deep recursion. */
    size_t cap = 5000 * 8 + 64;
    char *big = malloc(cap);
    strcpy(big, "lm(formula = y ~ x0");
    for (int i = 1; i < 5000; i++) snprintf(big + strlen(big), cap - strlen(big), " + x%d", i);
    strcat(big, ", data = d)");
    char *got = rf_deparse_call(big);
    CHECK(got != NULL, "long formula");
    size_t longest = 0, cur = 0, lines = 1;
    for (const char *p = got ? got : ""; *p; p++) {
        if (*p == '\n') {
            lines++;
            cur = 0;
        } else if (++cur > longest) {
            longest = cur;
        }
    }
    CHECK(longest <= 70 && lines > 400, "long formula: %zu lines, longest %zu", lines, longest);
    free(got);
    free(big);
}

/* --------------------------------------------------- R's summaries -- */

typedef struct fit_case {
    const char *tag;
    size_t n, p;
    int intercept;
    const char *const *names;
    const double *x, *y;
    const int32_t *label;
    const char *call;
} fit_case;

#define LM_CASE(tag, TAG)                                                                    \
    { #tag, TAG##_N, TAG##_P, TAG##_INTERCEPT, tag##_names, tag##_x, tag##_y, NULL, tag##_call }
#define GLM_CASE(tag, TAG)                                                                   \
    { #tag, TAG##_N, TAG##_P, TAG##_INTERCEPT, tag##_names, tag##_x, NULL, tag##_label,       \
      tag##_call }

static void test_lm(const fit_case *c)
{
    gf_xy d = { .x = c->x, .n = c->n, .p = c->p, .y = c->y, .names = c->names };
    gf_ols_opts o = GF_OLS_OPTS_DEFAULT;
    o.intercept = c->intercept;
    gf_ols *m = NULL;
    CHECK(gf_ols_fit(&d, &o, &m) == GF_OK, "%s: %s", c->tag, gf_errmsg());
    if (!m) return;
    double *res = malloc(c->n * sizeof *res);
    gf_linear_predict(m->coef, c->p, c->x, c->n, res);
    for (size_t i = 0; i < c->n; i++) res[i] = c->y[i] - res[i];
    char *text = NULL, name[64];
    CAPTURE(text, report_ols(out, m, c->call, res, c->n));
    snprintf(name, sizeof name, "summary_%s.txt", c->tag);
    char *want = read_fixture(name);
    check_text(name, text, want);
    free(text);
    free(want);

    /* JSON: every number as the fit has it, the intercept entry only when
     * there is one. */
    json_t *j = json_ols(m, c->call, res, c->n);
    CHECK(j != NULL, "%s: json_ols", c->tag);
    char *dumped = json_dumps(j, JSON_REAL_PRECISION(17));
    json_decref(j);
    json_error_t err;
    json_t *back = json_loads(dumped ? dumped : "", 0, &err);
    CHECK(back != NULL, "%s: JSON does not parse: %s", c->tag, err.text);
    free(dumped);
    if (back) {
        size_t off = c->intercept ? 0 : 1;
        json_t *coefs = json_object_get(back, "coefficients");
        CHECK(json_array_size(coefs) == m->k - off, "%s: %zu coefficients", c->tag,
              json_array_size(coefs));
        for (size_t i = 0; i < json_array_size(coefs); i++) {
            json_t *e = json_array_get(coefs, i);
            CHECK(strcmp(json_string_value(json_object_get(e, "name")), m->names[i + off]) == 0,
                  "%s: name %zu", c->tag, i);
            CHECK(json_real_value(json_object_get(e, "estimate")) == m->coef[i + off] &&
                      json_real_value(json_object_get(e, "std_error")) == m->se[i + off] &&
                      json_real_value(json_object_get(e, "t_value")) == m->t[i + off] &&
                      json_real_value(json_object_get(e, "p_value")) == m->p_value[i + off] &&
                      json_real_value(json_object_get(e, "ci_high")) == m->ci_high[i + off],
                  "%s: coefficient %zu", c->tag, i);
        }
        CHECK(json_real_value(json_object_get(back, "sigma")) == m->sigma, "%s: sigma", c->tag);
        CHECK(json_real_value(json_object_get(back, "r_squared")) == m->r2, "%s: r2", c->tag);
        json_t *f = json_object_get(back, "f_statistic");
        CHECK(json_real_value(json_object_get(f, "p_value")) == m->f_p, "%s: F p", c->tag);
        json_t *vc = json_object_get(back, "vcov");
        CHECK(json_array_size(vc) == m->k - off &&
                  json_real_value(json_array_get(json_array_get(vc, 0), 0)) ==
                      m->vcov[off * m->k + off],
              "%s: vcov", c->tag);
        double q[5];
        rf_quantiles(res, c->n, q);
        json_t *r = json_object_get(back, "residuals");
        CHECK(json_real_value(json_object_get(r, "median")) == q[2] &&
                  json_real_value(json_object_get(r, "max")) == q[4],
              "%s: residual quantiles", c->tag);
        CHECK(json_is_null(json_object_get(back, "warning")), "%s: warning", c->tag);
        json_decref(back);
    }
    free(res);
    gf_ols_free(m);
}

static void test_glm(const fit_case *c)
{
    gf_xy d = { .x = c->x, .n = c->n, .p = c->p, .label = c->label, .names = c->names };
    gf_logit_opts o = GF_LOGIT_OPTS_DEFAULT;
    o.intercept = c->intercept;
    gf_logit *m = NULL;
    CHECK(gf_logit_fit(&d, &o, &m) == GF_OK, "%s: %s", c->tag, gf_errmsg());
    if (!m) return;
    /* Deviance residuals: sign(y - p) sqrt(-2 log-likelihood of the row). */
    double *res = malloc(c->n * sizeof *res);
    gf_logit_predict_proba(m, c->x, c->n, res);
    for (size_t i = 0; i < c->n; i++) {
        double y = c->label[i], p = res[i];
        res[i] = (y > p ? 1 : -1) * sqrt(-2 * (y ? log(p) : log1p(-p)));
    }
    char *text = NULL, name[64];
    CAPTURE(text, report_logit(out, m, c->call, res, c->n));
    snprintf(name, sizeof name, "summary_%s.txt", c->tag);
    char *want = read_fixture(name);
    check_text(name, text, want);
    free(text);
    free(want);

    json_t *j = json_logit(m, c->call, res, c->n);
    char *dumped = j ? json_dumps(j, JSON_REAL_PRECISION(17)) : NULL;
    json_decref(j);
    json_t *back = json_loads(dumped ? dumped : "", 0, NULL);
    CHECK(back != NULL, "%s: JSON does not parse", c->tag);
    free(dumped);
    if (back) {
        json_t *e = json_array_get(json_object_get(back, "coefficients"), 1);
        CHECK(json_real_value(json_object_get(e, "z_value")) == m->z[1] &&
                  json_real_value(json_object_get(e, "p_value")) == m->p_value[1],
              "%s: coefficient 1", c->tag);
        CHECK(json_real_value(json_object_get(back, "aic")) == m->aic &&
                  json_real_value(json_object_get(back, "deviance")) == m->deviance &&
                  json_integer_value(json_object_get(back, "iterations")) == m->iterations,
              "%s: aic, deviance, iterations", c->tag);
        CHECK(strcmp(json_string_value(json_object_get(back, "call")), c->call) == 0,
              "%s: call", c->tag);
        json_decref(back);
    }
    free(res);
    gf_logit_free(m);
}

/* ------------------------------- paths, cross-validation, softmax -- */

/* The made-up path of the fixture, as the library would hand it over. */
static gf_path fixture_path(void)
{
    static double lambda[PATH_NLAMBDA], coef[PATH_NLAMBDA * PATH_K], dev[PATH_NLAMBDA];
    static int df[PATH_NLAMBDA];
    memcpy(lambda, path_lambda, sizeof lambda);
    memcpy(coef, path_coef, sizeof coef);
    memcpy(dev, path_dev, sizeof dev);
    for (size_t l = 0; l < PATH_NLAMBDA; l++) df[l] = path_df[l];
    return (gf_path){ .family = GF_GAUSSIAN, .alpha = 1, .nlambda = PATH_NLAMBDA, .k = PATH_K,
                      .names = (char **)path_names, .lambda = lambda, .coef = coef,
                      .dev_ratio = dev, .df = df };
}

static void test_path_prints(void)
{
    gf_path path = fixture_path();
    double cvm[PATH_NLAMBDA], cvsd[PATH_NLAMBDA];
    memcpy(cvm, path_cvm, sizeof cvm);
    memcpy(cvsd, path_cvsd, sizeof cvsd);
    gf_cv cv = { .path = &path, .cvm = cvm, .cvsd = cvsd, .index_min = PATH_IMIN,
                 .index_1se = PATH_I1SE, .lambda_min = path_lambda[PATH_IMIN],
                 .lambda_1se = path_lambda[PATH_I1SE] };
    char *text = NULL, *want;

    CAPTURE(text, report_cv(out, &cv, false));
    want = read_fixture("summary_cv.txt");
    check_text("summary_cv.txt", text, want);
    free(text), free(want);

    CAPTURE(text, report_path(out, &path, "glmnet(x = x, y = y)"));
    want = read_fixture("summary_path.txt");
    check_text("summary_path.txt", text, want);
    free(text), free(want);

    CAPTURE(text, report_coef(out, "lasso, lambda = 0.9645", path.names,
                              path.coef + PATH_I1SE * PATH_K, PATH_K));
    want = read_fixture("summary_coef.txt");
    check_text("summary_coef.txt", text, want);
    free(text), free(want);

    /* The kept lambda, and made-up names when there are none. */
    CAPTURE(text, report_cv(out, &cv, true));
    CHECK(text && strstr(text, "The model keeps lambda.1se = 0.2641682.\n"), "1se: %s", text);
    free(text);
    CAPTURE(text, report_coef(out, NULL, NULL, path.coef + 8 * PATH_K, PATH_K));
    CHECK(text && strstr(text, "\nx3          -0.00203\n") && strstr(text, "(Intercept) 35.30000"),
          "made-up names:\n%s", text);
    free(text);

    /* JSON of the cross-validation and the path. */
    json_t *j = json_cv(&cv, true);
    char *dumped = j ? json_dumps(j, JSON_REAL_PRECISION(17)) : NULL;
    json_decref(j);
    json_t *back = json_loads(dumped ? dumped : "", 0, NULL);
    free(dumped);
    CHECK(back != NULL, "json_cv does not parse");
    if (back) {
        CHECK(json_integer_value(json_object_get(back, "index_min")) == PATH_IMIN + 1,
              "index_min is 1-based");
        CHECK(strcmp(json_string_value(json_object_get(back, "kept")), "lambda.1se") == 0, "kept");
        json_t *pt = json_array_get(json_object_get(back, "path"), 2);
        CHECK(json_real_value(json_object_get(pt, "cvm")) == path_cvm[2] &&
                  json_integer_value(json_object_get(pt, "nonzero")) == path_df[2],
              "path point 2");
        json_t *c3 = json_array_get(json_object_get(back, "coefficients"), 3);
        CHECK(json_real_value(json_object_get(c3, "lambda_min")) == path_coef[PATH_IMIN * 4 + 3] &&
                  json_real_value(json_object_get(c3, "lambda_1se")) == 0,
              "coefficients at both lambdas");
        json_decref(back);
    }
    j = json_path(&path);
    json_t *last = json_array_get(json_object_get(j, "path"), PATH_NLAMBDA - 1);
    CHECK(json_real_value(json_array_get(json_object_get(last, "coefficients"), 3)) ==
              path_coef[(PATH_NLAMBDA - 1) * PATH_K + 3],
          "json_path coefficients");
    json_decref(j);
}

static void test_softmax(void)
{
    double coef[SOFTMAX_K * PATH_K];
    memcpy(coef, softmax_coef, sizeof coef);
    gf_mlogit m = { .classes = SOFTMAX_K, .k = PATH_K, .coef = coef, .iterations = 57,
                    .loss = SOFTMAX_LOSS };
    char *text = NULL;
    CAPTURE(text, report_softmax(out, &m, (char **)softmax_classes, (char **)path_names));
    char *want = read_fixture("summary_softmax.txt");
    check_text("summary_softmax.txt", text, want);
    free(text), free(want);

    json_t *j = json_softmax(&m, NULL, NULL);
    json_t *c8 = json_array_get(json_object_get(j, "coefficients"), 8);
    CHECK(strcmp(json_string_value(json_object_get(c8, "class")), "8") == 0, "class name");
    json_t *w = json_array_get(json_object_get(c8, "coefficients"), 2);
    CHECK(strcmp(json_string_value(json_object_get(w, "name")), "x2") == 0 &&
              json_real_value(json_object_get(w, "estimate")) == softmax_coef[8 * PATH_K + 2],
          "class 8, weight 2");
    json_decref(j);
}

/* NaN and infinities become null; names that are not UTF-8 keep their
 * ASCII. */
static void test_json_special(void)
{
    double coef[4] = { 1.5, NAN, INFINITY, -INFINITY };
    char latin1[] = "caf\xe9";
    char *names[4] = { "(Intercept)", "a", latin1, "c" };
    json_t *j = json_coef("t\"itle", names, coef, 4);
    char *dumped = j ? json_dumps(j, 0) : NULL;
    json_decref(j);
    CHECK(dumped && !strstr(dumped, "NaN") && !strstr(dumped, "nan") && !strstr(dumped, "inf"),
          "%s", dumped);
    json_t *back = json_loads(dumped ? dumped : "", 0, NULL);
    CHECK(back != NULL, "json_coef does not parse: %s", dumped);
    free(dumped);
    if (!back) return;
    json_t *a = json_object_get(back, "coefficients");
    CHECK(json_real_value(json_object_get(json_array_get(a, 0), "estimate")) == 1.5, "1.5");
    for (size_t i = 1; i < 4; i++)
        CHECK(json_is_null(json_object_get(json_array_get(a, i), "estimate")),
              "coefficient %zu is not null", i);
    CHECK(strcmp(json_string_value(json_object_get(json_array_get(a, 2), "name")), "caf?") == 0,
          "Latin-1 name");
    CHECK(strcmp(json_string_value(json_object_get(back, "title")), "t\"itle") == 0, "title");
    json_decref(back);

    /* A fit with NaN statistics (a perfect fit leaves t undefined). */
    char *nm[2] = { "(Intercept)", "x" };
    double c2[2] = { 1, 2 }, se[2] = { 0, 0 }, t[2] = { NAN, NAN }, p[2] = { NAN, NAN };
    double lo[2] = { 1, 2 }, hi[2] = { 1, 2 }, vc[4] = { 0, 0, 0, 0 };
    gf_ols fit = { .n = 5, .k = 2, .intercept = 1, .names = nm, .coef = c2, .se = se, .t = t,
                   .p_value = p, .level = 0.95, .ci_low = lo, .ci_high = hi, .vcov = vc,
                   .sigma = 0, .df_resid = 3, .r2 = 1, .adj_r2 = 1, .f = INFINITY, .f_df1 = 1,
                   .f_df2 = 3, .f_p = 0 };
    j = json_ols(&fit, "lm(y ~ x)", NULL, 0);
    CHECK(j && json_is_null(json_object_get(json_object_get(j, "f_statistic"), "value")),
          "F = Inf is null");
    CHECK(j && json_is_null(json_object_get(json_array_get(json_object_get(j, "coefficients"), 1),
                                            "t_value")),
          "t = NaN is null");
    CHECK(j && json_is_null(json_object_get(j, "residuals")), "no residuals");
    json_decref(j);
    /* And the text: NaN where R prints NaN. */
    double res[5] = { 0, 0, 0, 0, 0 };
    char *text = NULL;
    CAPTURE(text, report_ols(out, &fit, "lm(y ~ x)", res, 5));
    CHECK(text && strstr(text, "(Intercept)        1          0     NaN      NaN\n"), "%s", text);
    free(text);
}

/* printCoefmat alone, against R: a row name so long that every column is
 * a block of its own, and a table with an undefined statistic. */
static void test_coefmat(const char *tag, const char *const *names, const double *m, size_t k)
{
    static char *const heads[4] = { "Estimate", "Std. Error", "t value", "Pr(>|t|)" };
    double col[4][8];
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < 4; j++) col[j][i] = m[i * 4 + j];
    char *text = NULL, file[64];
    CAPTURE(text, rf_print_coefmat(out, (char **)names, col[0], col[1], col[2], col[3], k, heads,
                                   4));
    snprintf(file, sizeof file, "summary_coefmat_%s.txt", tag);
    char *want = read_fixture(file);
    check_text(file, text, want);
    free(text), free(want);
}

int main(void)
{
    test_format();
    test_format_pval();
    test_round_signif_formatc();
    test_quantiles();
    test_deparse();
    static const fit_case lm_cases[] = {
        LM_CASE(lm_usarrests, LM_USARRESTS), LM_CASE(lm_mtcars, LM_MTCARS),
        LM_CASE(lm_noint, LM_NOINT),         LM_CASE(lm_all, LM_ALL),
        LM_CASE(lm_short, LM_SHORT),
    };
    for (size_t i = 0; i < sizeof lm_cases / sizeof lm_cases[0]; i++) test_lm(&lm_cases[i]);
    static const fit_case glm_cases[] = {
        GLM_CASE(glm_mtcars, GLM_MTCARS),
        GLM_CASE(glm_infert, GLM_INFERT),
        GLM_CASE(glm_small, GLM_SMALL),
        GLM_CASE(glm_tiny, GLM_TINY),
    };
    for (size_t i = 0; i < sizeof glm_cases / sizeof glm_cases[0]; i++) test_glm(&glm_cases[i]);
    test_path_prints();
    test_softmax();
    test_json_special();
    test_coefmat("wide", coefmat_wide_names, coefmat_wide, COEFMAT_WIDE_K);
    test_coefmat("zeros", coefmat_zeros_names, coefmat_zeros, COEFMAT_ZEROS_K);
    return check_report("test_report");
}
