/* One-vs-rest: a K-class classifier from any binary model.  Model c is
 * fitted on "class c" (label 1) against every other class (label 0); a row's
 * scores are the K models' scores and its class is their argmax (gf_argmax).
 * The built-in binary models score with their linear predictor, so the
 * scores of different classes are on comparable, unsaturated scales (the
 * log-odds for logistic regression, not probabilities that round to 1). */
#include "grafo/linear.h"

#include "core/error.h"
#include "linear/common.h"

#include <stdlib.h>

#define WHO "gf_ovr_fit"

struct gf_ovr {
    gf_binary_model bm;   /* a copy; bm.opts is not used after fitting */
    size_t classes;
    void **models;        /* classes models, each freed with bm.free */
    char *warning;        /* the models' warnings, by class, or NULL */
};

/* ------------------------------------------------ built-in binary models -- */

static gf_status logit_fit(const void *opts, const gf_xy *d, void **model)
{
    gf_logit_opts o = opts ? *(const gf_logit_opts *)opts : GF_LOGIT_OPTS_DEFAULT;
    gf_logit *m = NULL;
    gf_status s = gf_logit_fit(d, &o, &m);
    *model = m;
    return s;
}

/* The log-odds b + w . x */
static gf_status logit_score(const void *model, const double *x, size_t n, double *score)
{
    const gf_logit *m = model;
    return gf_linear_predict(m->coef, m->k - 1, x, n, score);
}

static void logit_free(void *model) { gf_logit_free(model); }

static const double *logit_coef(const void *model, size_t *k)
{
    *k = ((const gf_logit *)model)->k;
    return ((const gf_logit *)model)->coef;
}

static const char *logit_warning(const void *model)
{
    return ((const gf_logit *)model)->warning;
}

gf_binary_model gf_binary_logit(const gf_logit_opts *opts)
{
    return (gf_binary_model){ .name = "logistic regression", .fit = logit_fit,
                              .score = logit_score, .free = logit_free,
                              .warning = logit_warning, .coef = logit_coef,
                              .opts = opts };
}

static gf_status perceptron_fit(const void *opts, const gf_xy *d, void **model)
{
    gf_linclf *m = NULL;
    gf_status s = gf_perceptron_fit(d, opts, &m);
    *model = m;
    return s;
}

static gf_status linsvm_fit(const void *opts, const gf_xy *d, void **model)
{
    gf_linclf *m = NULL;
    gf_status s = gf_linsvm_fit(d, opts, &m);
    *model = m;
    return s;
}

static gf_status linclf_score(const void *model, const double *x, size_t n, double *score)
{
    return gf_linclf_decision(model, x, n, score);
}

static void linclf_free(void *model) { gf_linclf_free(model); }

static const double *linclf_coef(const void *model, size_t *k)
{
    *k = ((const gf_linclf *)model)->k;
    return ((const gf_linclf *)model)->coef;
}

static const char *linclf_warning(const void *model)
{
    return ((const gf_linclf *)model)->warning;
}

gf_binary_model gf_binary_perceptron(const gf_perceptron_opts *opts)
{
    return (gf_binary_model){ .name = "perceptron", .fit = perceptron_fit,
                              .score = linclf_score, .free = linclf_free,
                              .warning = linclf_warning, .coef = linclf_coef,
                              .opts = opts };
}

gf_binary_model gf_binary_linsvm(const gf_linsvm_opts *opts)
{
    return (gf_binary_model){ .name = "linear SVM", .fit = linsvm_fit,
                              .score = linclf_score, .free = linclf_free,
                              .warning = linclf_warning, .coef = linclf_coef,
                              .opts = opts };
}

/* ----------------------------------------------------------- one-vs-rest -- */

void gf_ovr_free(gf_ovr *m)
{
    if (!m) return;
    if (m->models)
        for (size_t c = 0; c < m->classes; c++)
            if (m->models[c]) m->bm.free(m->models[c]);
    free(m->models);
    free(m->warning);
    free(m);
}

size_t gf_ovr_classes(const gf_ovr *m) { return m ? m->classes : 0; }

const char *gf_ovr_warning(const gf_ovr *m) { return m ? m->warning : NULL; }

const double *gf_ovr_coef(const gf_ovr *m, size_t c, size_t *k)
{
    if (!m || !k || c >= m->classes) {
        gf__fail(GF_ERR_ARG, "gf_ovr_coef: no model or class %zu out of range", c);
        return NULL;
    }
    if (!m->bm.coef) {
        gf__fail(GF_ERR_STATE, "gf_ovr_coef: the %s models have no coefficients to give",
                 m->bm.name ? m->bm.name : "binary");
        return NULL;
    }
    return m->bm.coef(m->models[c], k);
}

/* Every class 0..K-1 must have rows: a class without any would leave its
 * model nothing to learn (and logistic regression would call it separable). */
static gf_status check_classes(const gf_xy *d, size_t classes)
{
    size_t *count = gf__calloc(classes, sizeof *count, "the class counts");
    if (!count) return GF_ERR_NOMEM;
    for (size_t i = 0; i < d->n; i++) count[d->label[i]]++;
    gf_status s = GF_OK;
    for (size_t c = 0; c < classes && !s; c++)
        if (count[c] == 0)
            s = gf__fail(GF_ERR_ARG, WHO ": class %zu has no rows, yet labels go up to %zu: "
                         "labels must number the classes 0, 1, ..., K-1 with none missing",
                         c, classes - 1);
    free(count);
    return s;
}

gf_status gf_ovr_fit(const gf_xy *d, const gf_binary_model *bm, gf_ovr **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, WHO ": out is NULL");
    *out = NULL;
    if (!bm)
        return gf__fail(GF_ERR_ARG, WHO ": the binary model bm is NULL");
    if (!bm->fit || !bm->score || !bm->free)
        return gf__fail(GF_ERR_ARG, WHO ": the binary model %s has no %s function",
                        bm->name ? bm->name : "bm",
                        !bm->fit ? "fit" : !bm->score ? "score" : "free");
    gf_status s = gf__xy_check(d, GF__NEED_LABEL, 1, 0, WHO);
    if (s) return s;
    size_t classes = gf__label_count(d);
    if (classes < 2)
        return gf__fail(GF_ERR_ARG, WHO ": every label is 0: one-vs-rest needs at least "
                        "2 classes");
    s = check_classes(d, classes);
    if (s) return s;

    gf_ovr *m = gf__calloc(1, sizeof *m, "the one-vs-rest model");
    if (m) m->models = gf__calloc(classes, sizeof *m->models, "the one-vs-rest models");
    int32_t *binary = gf__malloc(d->n * sizeof *binary, "the one-vs-rest labels");
    if (!m || !m->models || !binary) {
        free(binary);
        gf_ovr_free(m);
        return GF_ERR_NOMEM;
    }
    m->bm = *bm;
    m->bm.opts = NULL;   /* borrowed for the fit only: never read afterwards */
    m->classes = classes;

    gf_xy one = *d;
    one.label = binary;
    for (size_t c = 0; c < classes && !s; c++) {
        for (size_t i = 0; i < d->n; i++) binary[i] = (size_t)d->label[i] == c;
        s = bm->fit(bm->opts, &one, &m->models[c]);
        if (s)
            gf__errctx(WHO ": class %zu against the rest (%s)", c,
                       bm->name ? bm->name : "binary model");
        else if (!m->models[c])
            s = gf__fail(GF_ERR_ARG, WHO ": the binary model %s returned no model for "
                         "class %zu", bm->name ? bm->name : "", c);
        else if (bm->warning && bm->warning(m->models[c]))
            gf__warn(&m->warning, "class %zu: %s", c, bm->warning(m->models[c]));
    }
    free(binary);
    if (s) {
        gf_ovr_free(m);
        return s;
    }
    *out = m;
    return GF_OK;
}

gf_status gf_ovr_scores(const gf_ovr *m, const double *x, size_t n, double *scores)
{
    if (!m) return gf__fail(GF_ERR_ARG, "gf_ovr_scores: no model (m is NULL)");
    if (n == 0) return GF_OK;
    if (!x || !scores) return gf__fail(GF_ERR_ARG, "gf_ovr_scores: x or scores is NULL");
    size_t k = m->classes;
    double *col = gf__malloc(n * sizeof *col, "one class's scores");
    if (!col) return GF_ERR_NOMEM;
    gf_status s = GF_OK;
    for (size_t c = 0; c < k && !s; c++) {
        s = m->bm.score(m->models[c], x, n, col);
        if (s) {
            gf__errctx("gf_ovr_scores: class %zu", c);
            break;
        }
        for (size_t i = 0; i < n; i++) scores[i * k + c] = col[i];
    }
    free(col);
    return s;
}
