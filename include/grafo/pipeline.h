/* grafo/pipeline.h — a trained model as a whole, from raw data to
 * predictions: the formula's terms (or a plain count of input features),
 * the scaling fitted on the training data, the model's parameters and the
 * class labels.  This is what a model file holds.
 *
 *     gf_pipeline *p = NULL;
 *     if (gf_pipeline_load("model.safetensors", &p) != GF_OK) puts(gf_errmsg());
 *     gf_prediction *pr = NULL;
 *     gf_pipeline_predict(p, frame, 0, &pr);
 *
 * A model file is safetensors (grafo/io.h).  Its __metadata__ holds
 * "format": "grafo", "format_version", "grafo_version", "kind", and
 * "model": a JSON document describing the rest (formula, variables and
 * factor levels, design columns, scaling, classes, settings such as λ, and
 * a network's architecture).  The tensors are the parameters: "coef" (F64,
 * rows x k, intercept first in each row), "scale.shift" and "scale.scale"
 * (F64, p), and a network's weights (F32, named as in its graph: W1, b1,
 * ...).  A loader refuses a file whose format_version is newer than
 * GF_MODEL_FORMAT_VERSION, a kind other than the caller expects, and any
 * tensor or description that does not agree with the rest. */
#ifndef GRAFO_PIPELINE_H
#define GRAFO_PIPELINE_H

#include "grafo/base.h"
#include "grafo/formula.h"
#include "grafo/frame.h"
#include "grafo/nn.h"
#include "grafo/transform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GF_MODEL_FORMAT_VERSION 1

typedef enum gf_kind {
    GF_KIND_OLS,
    GF_KIND_RIDGE,
    GF_KIND_LASSO,
    GF_KIND_ENET,
    GF_KIND_LOGISTIC,   /* binary; scores are P(second class) */
    GF_KIND_SOFTMAX,
    GF_KIND_PERCEPTRON, /* binary, or one-vs-rest for more classes */
    GF_KIND_LINSVM,     /* binary, or one-vs-rest for more classes */
    GF_KIND_NETWORK,
    GF_KIND_COUNT
} gf_kind;

const char *gf_kind_name(gf_kind k); /* "ols", ..., "network" */
gf_status gf_kind_parse(const char *text, gf_kind *out);
/* Whether a kind predicts classes (everything but ols, ridge, lasso, enet,
 * and a network with a mean-squared-error loss). */
int gf_kind_is_classifier(gf_kind k);

typedef struct gf_pipeline gf_pipeline;

/* An empty pipeline of this kind, to fill with the setters below.  NULL on
 * failure.  Free with gf_pipeline_free(). */
gf_pipeline *gf_pipeline_new(gf_kind kind);
void gf_pipeline_free(gf_pipeline *p); /* NULL is fine */

/* Inputs: either the terms of a formula (copied) ... */
gf_status gf_pipeline_set_terms(gf_pipeline *p, const gf_terms *t);
/* ... or `p` features taken as they are (libsvm and IDX data). */
gf_status gf_pipeline_set_inputs(gf_pipeline *p, size_t nfeatures);
/* The scaling applied to the design columns (copied); none if never set. */
gf_status gf_pipeline_set_scaler(gf_pipeline *p, const gf_scaler *s);
/* The class names, in label order (copied). */
gf_status gf_pipeline_set_classes(gf_pipeline *p, const char *const *classes, size_t k);
/* A linear model's coefficients (copied): `rows` rows of k = p + 1 values,
 * intercept first.  One row for regression and binary classifiers; one per
 * class for softmax and one-vs-rest. */
gf_status gf_pipeline_set_coef(gf_pipeline *p, const double *coef, size_t rows, size_t k);
/* A network (taken: the pipeline frees it, even on failure) and its
 * architecture; the model must be compiled. */
gf_status gf_pipeline_set_network(gf_pipeline *p, gf_model *m, const gf_arch *arch);
/* A setting to record (λ, α, the threshold, ...), for people reading the
 * file; a key set twice keeps the last value.  "threshold" is also used:
 * logistic regression predicts the second class when P >= threshold
 * (default 0.5). */
gf_status gf_pipeline_set_setting(gf_pipeline *p, const char *key, double value);

/* Reading a pipeline.  Borrowed pointers live as long as p. */
gf_kind gf_pipeline_kind(const gf_pipeline *p);
const gf_terms *gf_pipeline_terms(const gf_pipeline *p); /* NULL without a formula */
size_t gf_pipeline_nfeatures(const gf_pipeline *p);      /* design columns */
size_t gf_pipeline_nclasses(const gf_pipeline *p);       /* 0 for regression */
const char *gf_pipeline_class(const gf_pipeline *p, size_t c);
const gf_scaler *gf_pipeline_scaler(const gf_pipeline *p); /* NULL if none */
const double *gf_pipeline_coef(const gf_pipeline *p, size_t *rows, size_t *k);
gf_model *gf_pipeline_network(gf_pipeline *p);           /* NULL if not a network */
const gf_arch *gf_pipeline_arch(const gf_pipeline *p);   /* NULL if not a network */
/* A recorded setting, or NaN if it was never set. */
double gf_pipeline_setting(const gf_pipeline *p, const char *key);

/* Save atomically (see grafo/io.h).  Every part the kind needs must be set. */
gf_status gf_pipeline_save(const gf_pipeline *p, const char *path);
/* Load and check a model file; *out is NULL on failure. */
gf_status gf_pipeline_load(const char *path, gf_pipeline **out);

/* Predictions for n rows. */
typedef struct gf_prediction {
    size_t n;
    double *value;    /* regression: n predictions; NULL for classifiers */
    size_t k;         /* classifiers: classes (score columns); 0 otherwise */
    double *score;    /* n x k: probabilities (logistic, softmax, networks with
                         softmax or sigmoid) or decision values (perceptron,
                         linear SVM); NULL for regression */
    int32_t *label;   /* n predicted class indices; NULL for regression */
    size_t *row;      /* n: the frame row of each prediction */
} gf_prediction;

/* Predict from a frame with the variables of the pipeline's terms (the
 * response is not needed).  Rows with a missing value are dropped when
 * na_omit is set and refused otherwise. */
gf_status gf_pipeline_predict(gf_pipeline *p, const gf_frame *data, int na_omit,
                              gf_prediction **out);
/* Predict from design columns already made (n x ncols, row-major, before
 * scaling); ncols must equal gf_pipeline_nfeatures(). */
gf_status gf_pipeline_predict_x(gf_pipeline *p, const double *x, size_t n, size_t ncols,
                                gf_prediction **out);
void gf_prediction_free(gf_prediction *pr); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
