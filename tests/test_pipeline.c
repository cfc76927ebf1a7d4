/* Pipelines and model files: every kind saves, loads and predicts
 * bit-identically; a truncated, tampered, newer or foreign file is refused
 * with a clear message and nothing crashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"
#include "grafo.h"

static char dir[] = "/tmp/grafo-test-pipeline-XXXXXX";

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* 60 rows: y = 1 + 2 x1 - x2 + (f == b) - 2 (f == c) + noise; cls from y. */
static gf_frame *make_frame(size_t n, uint64_t seed)
{
    gf_rng r;
    gf_rng_seed(&r, seed);
    double *y = malloc(n * sizeof *y), *x1 = malloc(n * sizeof *x1), *x2 = malloc(n * sizeof *x2);
    int32_t *f = malloc(n * sizeof *f), *cls = malloc(n * sizeof *cls), *two = malloc(n * sizeof *two);
    for (size_t i = 0; i < n; i++) {
        x1[i] = gf_rng_normal(&r);
        x2[i] = 3 + gf_rng_normal(&r);
        f[i] = (int32_t)(i % 3);
        y[i] = 1 + 2 * x1[i] - x2[i] + (f[i] == 1) - 2 * (f[i] == 2) + 0.3 * gf_rng_normal(&r);
        cls[i] = y[i] < -2.5 ? 0 : y[i] < -1 ? 1 : 2;
        two[i] = x1[i] + 0.5 * gf_rng_normal(&r) > 0;
    }
    gf_frame *fr = gf_frame_new(n);
    CHECK(fr && gf_frame_add_numeric(fr, "y", y) == GF_OK, "%s", gf_errmsg());
    gf_frame_add_numeric(fr, "x1", x1);
    gf_frame_add_numeric(fr, "x2", x2);
    gf_frame_add_factor(fr, "f", f, (const char *[]){ "a", "b", "c" }, 3);
    gf_frame_add_factor(fr, "cls", cls, (const char *[]){ "low", "mid", "high" }, 3);
    gf_frame_add_factor(fr, "yes", two, (const char *[]){ "no", "yes" }, 2);
    free(y), free(x1), free(x2), free(f), free(cls), free(two);
    return fr;
}

/* The design for `formula` on fr. */
static gf_design *design_of(const gf_frame *fr, const char *formula, gf_terms **terms)
{
    gf_design *d = NULL;
    gf_design_opts o = GF_DESIGN_OPTS_DEFAULT;
    CHECK(gf_terms_new(formula, fr, terms) == GF_OK, "%s: %s", formula, gf_errmsg());
    if (*terms) CHECK(gf_design_new(*terms, fr, &o, &d) == GF_OK, "%s: %s", formula, gf_errmsg());
    return d;
}

/* Save p, load it back, and demand bit-identical predictions on fr. */
static unsigned char *slurp(const char *path, size_t *len);

/* gf_pipeline_parse on a saved file's bytes predicts bit for bit as the
 * model loaded from the file; its messages name the given source. */
static void check_parse(const char *path, const gf_frame *fr, const gf_prediction *want,
                        const char *name)
{
    size_t len = 0;
    unsigned char *bytes = slurp(path, &len);
    gf_pipeline *r = NULL;
    CHECK(bytes && gf_pipeline_parse(bytes, len, "in memory", &r) == GF_OK, "%s: %s", name,
          gf_errmsg());
    gf_prediction *c = NULL;
    if (r) CHECK(gf_pipeline_predict(r, fr, 0, &c) == GF_OK, "%s: %s", name, gf_errmsg());
    if (c && want) {
        CHECK(c->n == want->n && c->k == want->k, "%s: parsed shapes", name);
        if (want->value)
            CHECK(memcmp(c->value, want->value, c->n * sizeof *c->value) == 0,
                  "%s: parsed predictions differ", name);
        if (want->score)
            CHECK(memcmp(c->score, want->score, c->n * c->k * sizeof *c->score) == 0,
                  "%s: parsed scores differ", name);
    }
    gf_prediction_free(c);
    gf_pipeline_free(r);
    CHECK(bytes && gf_pipeline_parse(bytes, len - 1, "in memory", &r) != GF_OK && !r &&
          strstr(gf_errmsg(), "in memory"), "%s: a cut copy parsed, or its message '%s' does "
          "not name the source", name, gf_errmsg());
    free(bytes);
}

static gf_pipeline *round_trip(gf_pipeline *p, const gf_frame *fr, const char *name)
{
    char path[512];
    path_in(path, sizeof path, name);
    CHECK(gf_pipeline_save(p, path) == GF_OK, "%s: %s", name, gf_errmsg());
    gf_pipeline *q = NULL;
    CHECK(gf_pipeline_load(path, &q) == GF_OK, "%s: %s", name, gf_errmsg());
    if (!q) return NULL;
    CHECK(gf_pipeline_kind(q) == gf_pipeline_kind(p), "%s: kind", name);
    gf_prediction *a = NULL, *b = NULL;
    CHECK(gf_pipeline_predict(p, fr, 0, &a) == GF_OK, "%s: %s", name, gf_errmsg());
    CHECK(gf_pipeline_predict(q, fr, 0, &b) == GF_OK, "%s: %s", name, gf_errmsg());
    if (a && b) {
        CHECK(a->n == b->n && a->k == b->k, "%s: shapes", name);
        if (a->value)
            CHECK(memcmp(a->value, b->value, a->n * sizeof *a->value) == 0,
                  "%s: predictions differ after loading", name);
        if (a->score) {
            CHECK(memcmp(a->score, b->score, a->n * a->k * sizeof *a->score) == 0,
                  "%s: scores differ after loading", name);
            CHECK(memcmp(a->label, b->label, a->n * sizeof *a->label) == 0,
                  "%s: classes differ after loading", name);
        }
    }
    check_parse(path, fr, b, name);
    gf_prediction_free(a);
    gf_prediction_free(b);
    return q;
}

static void test_linear_kinds(const gf_frame *fr)
{
    gf_terms *t = NULL;
    gf_design *d = design_of(fr, "y ~ x1 + x2 + f", &t);
    if (!d) return;
    gf_xy xy = { .x = d->x, .n = d->n, .p = d->p, .y = d->y };

    /* OLS on standardised columns: the prediction must match the fit's own. */
    gf_scaler *sc = NULL;
    double *xs = malloc(d->n * d->p * sizeof *xs);
    memcpy(xs, d->x, d->n * d->p * sizeof *xs);
    CHECK(gf_scaler_fit(GF_SCALE_STANDARD, xs, d->n, d->p, &sc) == GF_OK, "%s", gf_errmsg());
    gf_scaler_apply(sc, xs, d->n, d->p);
    gf_xy xys = xy;
    xys.x = xs;
    gf_ols *ols = NULL;
    CHECK(gf_ols_fit(&xys, NULL, &ols) == GF_OK, "%s", gf_errmsg());
    gf_pipeline *p = gf_pipeline_new(GF_KIND_OLS);
    CHECK(gf_pipeline_set_terms(p, t) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_pipeline_set_scaler(p, sc) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_pipeline_set_coef(p, ols->coef, 1, ols->k) == GF_OK, "%s", gf_errmsg());
    gf_prediction *pr = NULL;
    double *fitted = malloc(d->n * sizeof *fitted);
    gf_linear_predict(ols->coef, d->p, xs, d->n, fitted);
    CHECK(gf_pipeline_predict(p, fr, 0, &pr) == GF_OK, "%s", gf_errmsg());
    double worst = 0;
    for (size_t i = 0; pr && i < d->n; i++) worst = fmax(worst, fabs(pr->value[i] - fitted[i]));
    CHECK(worst < 1e-12, "pipeline OLS differs from the fit by %g", worst);
    gf_prediction_free(pr);
    gf_pipeline *q = round_trip(p, fr, "ols.safetensors");
    CHECK(q && gf_pipeline_scaler(q) && gf_pipeline_scaler(q)->kind == GF_SCALE_STANDARD,
          "scaling kept");
    CHECK(q && strcmp(gf_terms_formula(gf_pipeline_terms(q)), gf_terms_formula(t)) == 0,
          "formula kept");
    gf_pipeline_free(q);
    gf_pipeline_free(p);

    /* Softmax on the three classes of cls, with a setting. */
    gf_terms *tc = NULL;
    gf_design *dc = design_of(fr, "cls ~ x1 + x2", &tc);
    if (dc) {
        gf_xy xc = { .x = dc->x, .n = dc->n, .p = dc->p, .label = dc->label };
        gf_mlogit_opts mo = GF_MLOGIT_OPTS_DEFAULT;
        mo.lambda = 0.01;
        gf_mlogit *m = NULL;
        CHECK(gf_mlogit_fit(&xc, &mo, &m) == GF_OK, "%s", gf_errmsg());
        p = gf_pipeline_new(GF_KIND_SOFTMAX);
        gf_pipeline_set_terms(p, tc);
        gf_pipeline_set_classes(p, (const char *const *)dc->classes, dc->nclasses);
        gf_pipeline_set_coef(p, m->coef, m->classes, m->k);
        gf_pipeline_set_setting(p, "lambda", 0.01);
        double *proba = malloc(dc->n * 3 * sizeof *proba);
        gf_mlogit_predict_proba(m, dc->x, dc->n, proba);
        CHECK(gf_pipeline_predict(p, fr, 0, &pr) == GF_OK, "%s", gf_errmsg());
        worst = 0;
        for (size_t i = 0; pr && i < dc->n * 3; i++) worst = fmax(worst, fabs(pr->score[i] - proba[i]));
        CHECK(worst < 1e-12, "pipeline softmax differs from the fit by %g", worst);
        gf_prediction_free(pr);
        q = round_trip(p, fr, "softmax.safetensors");
        CHECK(q && gf_pipeline_setting(q, "lambda") == 0.01, "setting kept");
        CHECK(q && gf_pipeline_nclasses(q) == 3 && strcmp(gf_pipeline_class(q, 2), "high") == 0,
              "classes kept");
        gf_pipeline_free(q);
        gf_pipeline_free(p);

        /* The perceptron one-vs-rest: three rows of coefficients. */
        gf_perceptron_opts po = GF_PERCEPTRON_OPTS_DEFAULT;
        gf_binary_model bm = gf_binary_perceptron(&po);
        gf_ovr *ovr = NULL;
        CHECK(gf_ovr_fit(&xc, &bm, &ovr) == GF_OK, "%s", gf_errmsg());
        double coef[3 * 3];
        for (size_t c = 0; ovr && c < 3; c++) {
            size_t k = 0;
            memcpy(coef + 3 * c, gf_ovr_coef(ovr, c, &k), 3 * sizeof *coef);
        }
        p = gf_pipeline_new(GF_KIND_PERCEPTRON);
        gf_pipeline_set_terms(p, tc);
        gf_pipeline_set_classes(p, (const char *const *)dc->classes, 3);
        gf_pipeline_set_coef(p, coef, 3, 3);
        gf_pipeline_free(round_trip(p, fr, "perceptron.safetensors"));
        gf_pipeline_free(p);
        gf_ovr_free(ovr);
        free(proba);
        gf_mlogit_free(m);
    }
    gf_design_free(dc);
    gf_terms_free(tc);
    free(fitted);
    free(xs);
    gf_scaler_free(sc);
    gf_ols_free(ols);
    gf_design_free(d);
    gf_terms_free(t);
}

static void test_logistic(const gf_frame *fr)
{
    gf_terms *t = NULL;
    gf_design *d = design_of(fr, "yes ~ x1 + f", &t);
    if (!d) return;
    gf_xy xy = { .x = d->x, .n = d->n, .p = d->p, .label = d->label };
    gf_logit *m = NULL;
    CHECK(gf_logit_fit(&xy, NULL, &m) == GF_OK, "%s", gf_errmsg());
    gf_pipeline *p = gf_pipeline_new(GF_KIND_LOGISTIC);
    gf_pipeline_set_terms(p, t);
    gf_pipeline_set_classes(p, (const char *const *)d->classes, 2);
    gf_pipeline_set_coef(p, m->coef, 1, m->k);
    CHECK(gf_pipeline_set_setting(p, "threshold", 1.0) == GF_ERR_ARG &&
          gf_pipeline_set_setting(p, "threshold", 0.0) == GF_ERR_ARG &&
          gf_pipeline_set_setting(p, "threshold", NAN) == GF_ERR_ARG,
          "a threshold that leaves one class unpredictable was accepted");
    gf_pipeline_set_setting(p, "threshold", 0.7);
    gf_prediction *pr = NULL;
    double *prob = malloc(d->n * sizeof *prob);
    gf_logit_predict_proba(m, d->x, d->n, prob);
    CHECK(gf_pipeline_predict(p, fr, 0, &pr) == GF_OK, "%s", gf_errmsg());
    size_t wrong = 0;
    for (size_t i = 0; pr && i < d->n; i++)
        wrong += fabs(pr->score[2 * i + 1] - prob[i]) > 1e-12 || pr->label[i] != (prob[i] >= 0.7);
    CHECK(wrong == 0, "logistic pipeline: %zu rows differ from the fit at threshold 0.7", wrong);
    gf_prediction_free(pr);
    gf_pipeline_free(round_trip(p, fr, "logistic.safetensors"));
    gf_pipeline_free(p);
    free(prob);
    gf_logit_free(m);
    gf_design_free(d);
    gf_terms_free(t);
}

/* A network on plain features: trained, saved, loaded, identical. */
static gf_pipeline *network_pipeline(const gf_frame *fr, const char *spec, const char *formula,
                                     gf_terms **t, gf_design **d)
{
    *d = design_of(fr, formula, t);
    if (!*d) return NULL;
    gf_arch a = { 0 };
    CHECK(gf_arch_parse(spec, &a) == GF_OK, "%s", gf_errmsg());
    gf_model *m = gf_model_from_arch((int)(*d)->p, &a);
    CHECK(m && gf_model_compile(m, 16, 3) == GF_OK, "%s", gf_errmsg());
    size_t n = (*d)->n, p = (*d)->p;
    float *x = malloc(n * p * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n * p; i++) x[i] = (float)(*d)->x[i];
    for (size_t i = 0; i < n; i++) y[i] = (*d)->label ? (float)(*d)->label[i] : (float)(*d)->y[i];
    gf_dataset *ds = gf_dataset_new(n, p, x, 1, y, (*d)->label ? (int)(*d)->nclasses : 0);
    gf_fit_opts fo = GF_FIT_OPTS_DEFAULT;
    fo.epochs = 5;
    fo.batch_size = 16;
    fo.optim.lr = 0.05f;
    CHECK(ds && gf_model_fit(m, ds, NULL, &fo) == GF_OK, "%s", gf_errmsg());
    gf_pipeline *pl = gf_pipeline_new(GF_KIND_NETWORK);
    gf_pipeline_set_terms(pl, *t);
    if ((*d)->label) gf_pipeline_set_classes(pl, (const char *const *)(*d)->classes, (*d)->nclasses);
    CHECK(gf_pipeline_set_network(pl, m, &a) == GF_OK, "%s", gf_errmsg());
    gf_arch_free(&a);
    gf_dataset_free(ds);
    free(x);
    free(y);
    return pl;
}

static void test_networks(const gf_frame *fr)
{
    const char *specs[][2] = { { "8:tanh,3:softmax", "cls ~ x1 + x2 + f" },
                               { "6:relu,1:sigmoid", "yes ~ x1 + x2" },
                               { "5:elu,1:identity", "y ~ ." } };
    for (size_t s = 0; s < 3; s++) {
        gf_terms *t = NULL;
        gf_design *d = NULL;
        gf_pipeline *p = network_pipeline(fr, specs[s][0], specs[s][1], &t, &d);
        char name[64];
        snprintf(name, sizeof name, "net%zu.safetensors", s);
        if (p) gf_pipeline_free(round_trip(p, fr, name));
        gf_pipeline_free(p);
        gf_design_free(d);
        gf_terms_free(t);
    }
}

static void expect_refused(const char *path, const char *want, const char *what);

/* Predicting never reads the response: new data may lack it, hold a level
 * the model never saw, a missing value, or a value its transform refuses. */
static void test_response_ignored(void)
{
    gf_frame *fit = gf_frame_new(6);
    gf_frame_add_numeric(fit, "y", (double[]){ 1, 2, 3, 4, 5, 6 });
    gf_frame_add_numeric(fit, "x", (double[]){ 1, 2, 3, 4, 5, 7 });
    gf_terms *t = NULL;
    CHECK(gf_terms_new("log(y) ~ x", fit, &t) == GF_OK, "%s", gf_errmsg());
    gf_pipeline *p = gf_pipeline_new(GF_KIND_OLS);
    gf_pipeline_set_terms(p, t);
    gf_pipeline_set_coef(p, (double[]){ 0.5, 2 }, 1, 2);
    gf_frame *fresh = gf_frame_new(3);
    gf_frame_add_numeric(fresh, "y", (double[]){ 0, -1, NAN });
    gf_frame_add_numeric(fresh, "x", (double[]){ 1, 2, 3 });
    gf_prediction *pr = NULL;
    CHECK(gf_pipeline_predict(p, fresh, 0, &pr) == GF_OK, "log(y) of 0, -1 and NaN: %s",
          gf_errmsg());
    CHECK(pr && pr->n == 3 && pr->value[0] == 2.5 && pr->value[2] == 6.5, "predictions of x");
    gf_prediction_free(pr);
    gf_pipeline_free(p);
    gf_terms_free(t);
    gf_frame_free(fit);
    gf_frame_free(fresh);

    char path[512];
    path_in(path, sizeof path, "softmax.safetensors");
    p = NULL;
    CHECK(gf_pipeline_load(path, &p) == GF_OK, "%s", gf_errmsg());
    fresh = gf_frame_new(2);
    gf_frame_add_numeric(fresh, "x1", (double[]){ 0.5, -1 });
    gf_frame_add_numeric(fresh, "x2", (double[]){ 3, 2 });
    gf_frame_add_factor(fresh, "cls", (int32_t[]){ 0, 0 }, (const char *[]){ "unheard-of" }, 1);
    pr = NULL;
    CHECK(p && gf_pipeline_predict(p, fresh, 0, &pr) == GF_OK,
          "a response level the model never saw: %s", gf_errmsg());
    CHECK(pr && pr->n == 2 && pr->k == 3, "two rows of three classes");
    gf_prediction_free(pr);
    gf_pipeline_free(p);
    gf_frame_free(fresh);
}

/* ------------------------------------------------- sizes from the file -- */

/* The peak resident memory so far, in MiB. */
static double peak_mib(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0;
}

/* A network file for 4 plain features whose description is written by
 * hand: `layers` and `params` (a JSON list) may disagree with the tensors,
 * which are always those of 8:tanh,3:softmax. */
static void write_network_file(const char *path, const char *layers, const char *params,
                               const char *classes)
{
    static float w1[4 * 8], b1[8], w2[8 * 3], b2[3];
    size_t len = strlen(layers) + strlen(params) + strlen(classes) + 256;
    char *desc = malloc(len);
    snprintf(desc, len, "{\"kind\":\"network\",\"features\":4,\"scaling\":\"none\",\"classes\":%s,"
             "\"settings\":{},\"network\":{\"layers\":\"%s\",\"parameters\":%s}}",
             classes, layers, params);
    gf_st *st = gf_st_new();
    gf_st_set_meta(st, "format", "grafo");
    gf_st_set_meta(st, "format_version", "1");
    gf_st_set_meta(st, "kind", "network");
    gf_st_set_meta(st, "model", desc);
    gf_st_add(st, "W1", GF_DTYPE_F32, 2, (int64_t[]){ 4, 8 }, w1);
    gf_st_add(st, "b1", GF_DTYPE_F32, 1, (int64_t[]){ 8 }, b1);
    gf_st_add(st, "W2", GF_DTYPE_F32, 2, (int64_t[]){ 8, 3 }, w2);
    gf_st_add(st, "b2", GF_DTYPE_F32, 1, (int64_t[]){ 3 }, b2);
    CHECK(gf_st_save(st, path) == GF_OK, "%s", gf_errmsg());
    gf_st_free(st);
    free(desc);
}

/* A softmax model whose description claims 2^30 features and 1000
 * classes, with a scaling of 4 columns (unless scaling is "none") and
 * 1000 x 5 coefficients. */
static void write_big_softmax(const char *path, const char *scaling)
{
    static double coef[1000 * 5];
    char desc[8192];
    int at = snprintf(desc, sizeof desc, "{\"kind\":\"softmax\",\"features\":1073741824,"
                      "\"scaling\":\"%s\",\"settings\":{},\"classes\":[", scaling);
    for (int c = 0; c < 1000; c++)
        at += snprintf(desc + at, sizeof desc - (size_t)at, "%s\"%d\"", c ? "," : "", c);
    snprintf(desc + at, sizeof desc - (size_t)at, "]}");
    gf_st *st = gf_st_new();
    gf_st_set_meta(st, "format", "grafo");
    gf_st_set_meta(st, "format_version", "1");
    gf_st_set_meta(st, "kind", "softmax");
    gf_st_set_meta(st, "model", desc);
    if (strcmp(scaling, "none") != 0) {
        gf_st_add(st, "scale.shift", GF_DTYPE_F64, 1, (int64_t[]){ 4 }, (double[]){ 0, 0, 0, 0 });
        gf_st_add(st, "scale.scale", GF_DTYPE_F64, 1, (int64_t[]){ 4 }, (double[]){ 1, 1, 1, 1 });
    }
    gf_st_add(st, "coef", GF_DTYPE_F64, 2, (int64_t[]){ 1000, 5 }, coef);
    CHECK(gf_st_save(st, path) == GF_OK, "%s", gf_errmsg());
    gf_st_free(st);
}

/* A stored formula of a few bytes over two factors of 1024 levels (100
 * characters each): 'y ~ a:b' makes about a million columns whose names
 * take 200 MiB, from a file of 200 KB.  The file lists one column, so the
 * terms are refused as soon as their columns are counted, before any name
 * is made. */
static void test_terms_from_file(void)
{
    char path[512];
    path_in(path, sizeof path, "terms.safetensors");
    size_t levels = 1024, size = 2 * levels * 110 + 1024;
    char *desc = malloc(size);
    int at = snprintf(desc, size, "{\"kind\":\"ols\",\"formula\":\"y ~ a:b\",\"variables\":["
                      "{\"name\":\"y\",\"type\":\"numeric\"}");
    for (int v = 0; v < 2; v++) {
        at += snprintf(desc + at, size - (size_t)at, ",{\"name\":\"%c\",\"type\":\"factor\","
                       "\"levels\":[", "ab"[v]);
        for (size_t k = 0; k < levels; k++)
            at += snprintf(desc + at, size - (size_t)at, "%s\"%0100zu\"", k ? "," : "", k);
        at += snprintf(desc + at, size - (size_t)at, "]}");
    }
    snprintf(desc + at, size - (size_t)at, "],\"columns\":[\"x\"],\"scaling\":\"none\","
             "\"settings\":{}}");
    gf_st *st = gf_st_new();
    gf_st_set_meta(st, "format", "grafo");
    gf_st_set_meta(st, "format_version", "1");
    gf_st_set_meta(st, "kind", "ols");
    gf_st_set_meta(st, "model", desc);
    gf_st_add(st, "coef", GF_DTYPE_F64, 2, (int64_t[]){ 1, 2 }, (double[]){ 1, 2 });
    CHECK(gf_st_save(st, path) == GF_OK, "%s", gf_errmsg());
    gf_st_free(st);
    free(desc);
    double before = peak_mib();
    expect_refused(path, "terms.safetensors: formula 'y ~ a:b': the design would have", "a:b");
    CHECK(strstr(gf_errmsg(), "the model file lists 1 columns of 2 bytes"), "%s", gf_errmsg());
    CHECK(peak_mib() - before < 64, "a:b of 1024 levels each took %.0f MiB", peak_mib() - before);
}

/* A file of a few kilobytes must not make the loader allocate more than its
 * tensors justify: layer sizes, feature and class counts in the description
 * are checked against the tensors before anything is allocated or built,
 * and a network is compiled for fewer rows when it is very wide.  Runs
 * first, while the process's peak memory is still small. */
static void test_sizes_from_file(void)
{
    char path[512];
    path_in(path, sizeof path, "sizes.safetensors");
    const char *abc = "[\"a\",\"b\",\"c\"]";

    write_network_file(path, "8:tanh,3:softmax", "[\"W1\",\"b1\",\"W2\",\"b2\"]", abc);
    gf_pipeline *p = NULL;
    CHECK(gf_pipeline_load(path, &p) == GF_OK, "the hand-written network loads: %s", gf_errmsg());
    gf_pipeline_free(p);

    /* 65536 hidden units claimed, 8 stored: 256 rows of activations would
     * be hundreds of megabytes. */
    double before = peak_mib();
    write_network_file(path, "65536:tanh,3:softmax", "[\"W1\",\"b1\",\"W2\",\"b2\"]", abc);
    expect_refused(path, "W1", "a layer wider than its tensor");
    CHECK(strstr(gf_errmsg(), "[4, 65536]") && strstr(gf_errmsg(), "[4, 8]"),
          "the message gives both shapes: %s", gf_errmsg());
    CHECK(peak_mib() - before < 64, "a 1 KB file with a wrong layer size took %.0f MiB",
          peak_mib() - before);

    /* 63 layers of 2^20 units, parameters listed to match. */
    char layers[2048] = "", params[2048] = "[";
    for (int i = 1; i <= 64; i++) {
        char one[64];
        snprintf(one, sizeof one, "%s%s", i > 1 ? "," : "", i < 64 ? "1048576:relu" : "3:softmax");
        strcat(layers, one);
        snprintf(one, sizeof one, "%s\"W%d\",\"b%d\"", i > 1 ? "," : "", i, i);
        strcat(params, one);
    }
    strcat(params, "]");
    before = peak_mib();
    write_network_file(path, layers, params, abc);
    expect_refused(path, "1048576", "64 layers of 2^20 units");
    CHECK(peak_mib() - before < 64, "64 layers of 2^20 units took %.0f MiB", peak_mib() - before);
    write_network_file(path, "8:tanh,3:softmax", "[\"W1\",\"b1\",\"W2\"]", abc);
    expect_refused(path, "parameters", "a parameter list too short");

    /* A real wide network (1 input, 2^18 hidden units; 3 MiB of weights)
     * loads, predicts as saved, and is not compiled for 256 rows (which
     * would take over a gigabyte of activations). */
    gf_arch a = { 0 };
    CHECK(gf_arch_parse("262144:relu,2:softmax", &a) == GF_OK, "%s", gf_errmsg());
    gf_model *m = gf_model_from_arch(1, &a);
    CHECK(m && gf_model_compile(m, 1, 5) == GF_OK, "%s", gf_errmsg());
    gf_pipeline *wide = gf_pipeline_new(GF_KIND_NETWORK);
    gf_pipeline_set_inputs(wide, 1);
    gf_pipeline_set_classes(wide, (const char *[]){ "no", "yes" }, 2);
    CHECK(gf_pipeline_set_network(wide, m, &a) == GF_OK, "%s", gf_errmsg());
    gf_arch_free(&a);
    CHECK(gf_pipeline_save(wide, path) == GF_OK, "%s", gf_errmsg());
    before = peak_mib();
    p = NULL;
    CHECK(gf_pipeline_load(path, &p) == GF_OK, "a wide network: %s", gf_errmsg());
    CHECK(peak_mib() - before < 160, "loading 3 MiB of weights took %.0f MiB", peak_mib() - before);
    double x[40];
    for (int i = 0; i < 40; i++) x[i] = i / 10.0 - 2;
    gf_prediction *pa = NULL, *pb = NULL;
    CHECK(gf_pipeline_predict_x(wide, x, 40, 1, &pa) == GF_OK, "%s", gf_errmsg());
    CHECK(p && gf_pipeline_predict_x(p, x, 40, 1, &pb) == GF_OK, "%s", gf_errmsg());
    CHECK(pa && pb && memcmp(pa->score, pb->score, 80 * sizeof *pa->score) == 0,
          "the wide network predicts differently after loading");
    gf_prediction_free(pa);
    gf_prediction_free(pb);
    gf_pipeline_free(p);
    gf_pipeline_free(wide);

    /* 2^30 features claimed by a scaled model of 4: the scaling's and the
     * coefficients' sizes are checked before they are allocated. */
    double before_big = peak_mib();
    write_big_softmax(path, "standard");
    expect_refused(path, "scale.shift", "2^30 features with a scaling of 4");
    CHECK(peak_mib() - before_big < 64, "2^30 features claimed took %.0f MiB",
          peak_mib() - before_big);
    /* Without the scaling: 1000 classes of 2^30 + 1 coefficients claimed. */
    write_big_softmax(path, "none");
    gf_pipeline *q = NULL;
    CHECK(gf_pipeline_load(path, &q) == GF_ERR_FORMAT && !q, "1000 x 2^30 coefficients claimed: "
          "status is not GF_ERR_FORMAT (%s)", gf_errmsg());
    CHECK(strstr(gf_errmsg(), "coef") && strstr(gf_errmsg(), "[1000, 1073741825]"),
          "the message names the tensor and the shape: %s", gf_errmsg());
    CHECK(peak_mib() - before_big < 64, "1000 x 2^30 coefficients claimed took %.0f MiB",
          peak_mib() - before_big);
    gf_pipeline_free(q);
}

/* --------------------------------------------------------- hostile files -- */

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static void spill(const char *path, const void *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, len, f);
    fclose(f);
}

/* Load path expecting failure with `want` in the message. */
static void expect_refused(const char *path, const char *want, const char *what)
{
    gf_pipeline *p = NULL;
    gf_status s = gf_pipeline_load(path, &p);
    CHECK(s != GF_OK && !p, "%s: loaded", what);
    CHECK(strstr(gf_errmsg(), want) != NULL, "%s: message '%s' lacks '%s'", what, gf_errmsg(),
          want);
    gf_pipeline_free(p);
}

/* Rewrite a saved model with one metadata entry changed (or a tensor added). */
static void rewrite(const char *from, const char *to, const char *key, const char *value,
                    int add_tensor)
{
    gf_st *in = NULL;
    CHECK(gf_st_load(from, &in) == GF_OK, "%s", gf_errmsg());
    if (!in) return;
    gf_st *out = gf_st_new();
    for (size_t i = 0; i < gf_st_meta_count(in); i++) {
        const char *k = gf_st_meta_key(in, i);
        if (strcmp(k, key) == 0 && !value) continue; /* value NULL: key left out */
        gf_st_set_meta(out, k, strcmp(k, key) == 0 ? value : gf_st_meta(in, k));
    }
    for (size_t i = 0; i < gf_st_count(in); i++) {
        const gf_st_tensor *t = gf_st_at(in, i);
        size_t bytes = t->count * gf_dtype_size(t->dtype);
        void *copy = malloc(bytes ? bytes : 1);
        memcpy(copy, t->data, bytes);
        gf_st_add(out, t->name, t->dtype, t->ndim, t->shape, copy);
        free(copy);
    }
    if (add_tensor) gf_st_add(out, "stray", GF_DTYPE_F64, 1, (int64_t[]){ 1 }, (double[]){ 1 });
    CHECK(gf_st_save(out, to) == GF_OK, "%s", gf_errmsg());
    gf_st_free(in);
    gf_st_free(out);
}

static void test_hostile(void)
{
    char ols[512], bad[512];
    path_in(ols, sizeof ols, "ols.safetensors");
    path_in(bad, sizeof bad, "bad.safetensors");
    size_t len = 0;
    unsigned char *b = slurp(ols, &len);
    CHECK(b && len > 100, "the saved OLS model is there");
    if (!b) return;

    /* Every truncation is refused. */
    size_t loaded = 0;
    for (size_t cut = 0; cut < len; cut++) {
        spill(bad, b, cut);
        gf_pipeline *p = NULL;
        if (gf_pipeline_load(bad, &p) == GF_OK) loaded++;
        gf_pipeline_free(p);
    }
    CHECK(loaded == 0, "%zu truncated files loaded", loaded);

    /* Every byte flipped: refused, or a model that still agrees with itself. */
    for (size_t i = 0; i < len; i++) {
        b[i] ^= 0x5a;
        spill(bad, b, len);
        gf_pipeline *p = NULL;
        if (gf_pipeline_load(bad, &p) == GF_OK)
            CHECK(gf_pipeline_nfeatures(p) == 4, "byte %zu: a flipped file loaded with %zu "
                  "features", i, gf_pipeline_nfeatures(p));
        gf_pipeline_free(p);
        b[i] ^= 0x5a;
    }

    rewrite(ols, bad, "format_version", "3", 0);
    expect_refused(bad, "reads format 2 and older", "a newer format");
    rewrite(ols, bad, "format", "pytorch", 0);
    expect_refused(bad, "not a grafo model", "a foreign file");
    rewrite(ols, bad, "kind", "logistic", 0);
    expect_refused(bad, "kind", "kind disagreeing with the description");
    rewrite(ols, bad, "model", "{\"kind\": \"ols\", \"formula\": 3}", 0);
    expect_refused(bad, "formula", "a description without a formula");
    rewrite(ols, bad, "model", "[1, 2", 0);
    expect_refused(bad, "not a JSON object", "a description that is not JSON");
    rewrite(ols, bad, "model", NULL, 0);
    expect_refused(bad, "no model description", "no description");
    rewrite(ols, bad, "x", "y", 1);
    expect_refused(bad, "does not use", "a stray tensor");
    /* A description whose columns disagree with the coefficients. */
    gf_st *st = NULL;
    gf_st_load(ols, &st);
    const char *model = st ? gf_st_meta(st, "model") : NULL;
    if (model) {
        char *m2 = strdup(model), *cols = strstr(m2, "\"columns\""), *at = cols ? strstr(cols, "\"x2\"") : NULL;
        CHECK(at != NULL, "the description lists x2: %s", m2);
        if (at) at[2] = '9'; /* "x9" */
        rewrite(ols, bad, "model", m2, 0);
        expect_refused(bad, "x9", "a column renamed");
        free(m2);
    }
    gf_st_free(st);
    rewrite(ols, bad, "format_version", " 1", 0);
    expect_refused(bad, "format_version", "a format version with a blank");
    rewrite(ols, bad, "model", "[1, 2]", 0);
    expect_refused(bad, "not a JSON object (it is JSON of another type)", "a description list");

    /* Class names that disagree with the response's levels, or repeat. */
    char soft[512];
    path_in(soft, sizeof soft, "softmax.safetensors");
    const char *edits[][3] = {
        { "[\"low\",\"high\",\"mid\"]",
          "class 2 is 'high', but level 2 of the response 'cls' is 'mid'",
          "classes in another order than the response's levels" },
        { "[\"low\",\"low\",\"high\"]", "the class name 'low' comes twice", "a class twice" },
        { "[\"low\",\"mid\"]", "2 class names, but the response 'cls' has 3 levels",
          "a class missing" },
    };
    st = NULL;
    gf_st_load(soft, &st);
    model = st ? gf_st_meta(st, "model") : NULL;
    const char *classes = model ? strstr(model, "\"classes\":[\"low\",\"mid\",\"high\"]") : NULL;
    CHECK(classes != NULL, "the softmax description lists its classes: %s", model ? model : "");
    for (size_t e = 0; classes && e < sizeof edits / sizeof edits[0]; e++) {
        size_t head = (size_t)(classes - model) + strlen("\"classes\":");
        const char *tail = strchr(classes, ']') + 1;
        size_t len = strlen(model) + strlen(edits[e][0]) + 1;
        char *m2 = malloc(len);
        snprintf(m2, len, "%.*s%s%s", (int)head, model, edits[e][0], tail);
        rewrite(soft, bad, "model", m2, 0);
        expect_refused(bad, edits[e][1], edits[e][2]);
        free(m2);
    }
    /* More settings than a model records. */
    if (model) {
        size_t len = strlen(model) + 20 * 1001 + 64;
        char *m2 = malloc(len), *at = strstr(model, "\"settings\":{") ;
        CHECK(at != NULL, "the description has settings");
        if (at) {
            at += strlen("\"settings\":{");
            int n = snprintf(m2, len, "%.*s", (int)(at - model), model);
            for (int i = 0; i < 1001; i++) n += snprintf(m2 + n, len - (size_t)n, "\"k%d\":1,", i);
            snprintf(m2 + n, len - (size_t)n, "%s", at);
            rewrite(soft, bad, "model", m2, 0);
            expect_refused(bad, "1002 settings; a model records at most 1000", "1002 settings");
        }
        free(m2);
    }
    gf_st_free(st);
    expect_refused("/nonexistent/model.safetensors", "/nonexistent/model.safetensors",
                   "a missing file");
    free(b);
}

/* Saving is atomic: a failed save leaves the old file as it was. */
static void test_atomic(const gf_frame *fr)
{
    (void)fr;
    gf_pipeline *p = gf_pipeline_new(GF_KIND_OLS);
    gf_pipeline_set_inputs(p, 2);
    gf_pipeline_set_coef(p, (double[]){ 1, 2, 3 }, 1, 3);
    CHECK(gf_pipeline_save(p, "/nonexistent-dir/m.safetensors") != GF_OK, "saved nowhere");
    CHECK(strstr(gf_errmsg(), "/nonexistent-dir") != NULL, "message: %s", gf_errmsg());
    /* Names that are not UTF-8 (Latin-1 data) cannot go into the JSON
     * description: a clear refusal naming the class, not "out of memory". */
    gf_pipeline *latin = gf_pipeline_new(GF_KIND_LOGISTIC);
    gf_pipeline_set_inputs(latin, 2);
    gf_pipeline_set_classes(latin, (const char *[]){ "caf\xe9", "tea" }, 2);
    gf_pipeline_set_coef(latin, (double[]){ 1, 2, 3 }, 1, 3);
    char lpath[512];
    path_in(lpath, sizeof lpath, "latin.safetensors");
    CHECK(gf_pipeline_save(latin, lpath) == GF_ERR_ARG && access(lpath, F_OK) != 0,
          "a Latin-1 class name: %s", gf_errmsg());
    CHECK(strstr(gf_errmsg(), "the class 'caf\\xe9' is not UTF-8 text (byte 0xe9)"),
          "message: %s", gf_errmsg());
    gf_pipeline_free(latin);
    /* An incomplete pipeline is not saved at all. */
    gf_pipeline *e = gf_pipeline_new(GF_KIND_SOFTMAX);
    gf_pipeline_set_inputs(e, 2);
    char path[512];
    path_in(path, sizeof path, "incomplete.safetensors");
    CHECK(gf_pipeline_save(e, path) != GF_OK && access(path, F_OK) != 0,
          "an incomplete model was written");
    gf_pipeline_free(e);
    /* Plain features predict from a matrix; a wrong width is refused. */
    gf_prediction *pr = NULL;
    CHECK(gf_pipeline_predict_x(p, (double[]){ 1, 1 }, 1, 2, &pr) == GF_OK && pr &&
          pr->value[0] == 6, "1 + 2 + 3 = 6");
    gf_prediction_free(pr);
    CHECK(gf_pipeline_predict_x(p, (double[]){ 1, 1, 1 }, 1, 3, &pr) == GF_ERR_SHAPE,
          "a wrong width predicted");
    CHECK(gf_pipeline_predict(p, fr, 0, &pr) == GF_ERR_STATE, "a frame for a formula-less model");
    gf_pipeline_free(p);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_terms_from_file();
    test_sizes_from_file();
    gf_frame *fr = make_frame(60, 7);
    if (fr) {
        test_linear_kinds(fr);
        test_logistic(fr);
        test_networks(fr);
        test_hostile();
        test_response_ignored();
        test_atomic(fr);
    }
    gf_frame_free(fr);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_pipeline");
}
