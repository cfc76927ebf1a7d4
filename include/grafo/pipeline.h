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
 * GF_MODEL_FORMAT_VERSION, a kind it does not know or on which the
 * metadata and the description disagree, a tensor the model does not use,
 * and any tensor or description that does not agree with the rest. */
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

#define GF_MODEL_FORMAT_VERSION 2

typedef enum gf_kind {
    GF_KIND_OLS,
    GF_KIND_RIDGE,
    GF_KIND_LASSO,
    GF_KIND_ENET,
    GF_KIND_LOGISTIC,   /* binary: one coef row; scores are (1 - P, P) with
                           P the second class's probability */
    GF_KIND_SOFTMAX,    /* one coef row per class */
    GF_KIND_PERCEPTRON, /* binary (one coef row, scores (-f, f)), or
                           one-vs-rest (one row per class) for more */
    GF_KIND_LINSVM,     /* as the perceptron */
    GF_KIND_NETWORK,
    GF_KIND_COUNT
} gf_kind;

const char *gf_kind_name(gf_kind k); /* "ols", ..., "network"; "unknown" out of range */
/* One of gf_kind_name's names, exactly, into *out; GF_ERR_ARG naming the
 * choices if unknown or NULL (*out then untouched). */
gf_status gf_kind_parse(const char *text, gf_kind *out);
/* Whether a kind predicts classes: logistic, softmax, perceptron, linsvm
 * and network.  A network trained by mean squared error is a regression
 * nonetheless, which only its pipeline knows: gf_pipeline_nclasses is
 * then 0. */
int gf_kind_is_classifier(gf_kind k);

typedef struct gf_pipeline gf_pipeline;

/* An empty pipeline of this kind, to fill with the setters below.  NULL on
 * failure (GF_ERR_ARG for an unknown kind, GF_ERR_NOMEM).  Free with
 * gf_pipeline_free(), which frees everything the setters gave it.
 *
 * The setters copy what they are given (except the network, which is
 * taken), replace what was set before, and return GF_ERR_ARG for p NULL.
 * They check each part alone; how the parts agree with each other and the
 * kind (sizes, class counts) is checked when saving and predicting. */
gf_pipeline *gf_pipeline_new(gf_kind kind);
void gf_pipeline_free(gf_pipeline *p); /* NULL is fine */

/* Inputs: either the terms of a formula (copied through gf_terms_from_vars,
 * whose errors it returns; the inputs are then the design's columns) ... */
gf_status gf_pipeline_set_terms(gf_pipeline *p, const gf_terms *t);
/* ... or nfeatures >= 1 features taken as they are (libsvm and IDX data);
 * this drops any terms. */
gf_status gf_pipeline_set_inputs(gf_pipeline *p, size_t nfeatures);
/* The scaling applied to the design columns (copied through
 * gf_scaler_new, whose errors it returns); none if never set.  Its p must
 * equal the inputs. */
gf_status gf_pipeline_set_scaler(gf_pipeline *p, const gf_scaler *s);
/* The class names, in label order: k >= 2 distinct names, none NULL
 * (GF_ERR_ARG).  With terms whose response is a factor, they must be its
 * levels, in order (checked when saving and predicting).
 * Logistic takes 2; softmax one per coef row; perceptron and linsvm 2 with
 * one coef row, else one per row; a network one per softmax output, 2 for
 * a sigmoid output, none for mean squared error. */
gf_status gf_pipeline_set_classes(gf_pipeline *p, const char *const *classes, size_t k);
/* A linear model's coefficients: `rows` >= 1 rows of k = p + 1 values,
 * intercept first (GF_ERR_ARG if rows is 0 or k < 2, GF_ERR_NUMERIC for a
 * non-finite value).  One row for regression and binary classifiers; one
 * per class for softmax and one-vs-rest. */
gf_status gf_pipeline_set_coef(gf_pipeline *p, const double *coef, size_t rows, size_t k);
/* A network (taken: the pipeline frees it, even on failure) and its
 * architecture (copied; the one m was built from, which is not checked
 * here but is when loading).  GF_ERR_STATE if m is not compiled,
 * GF_ERR_ARG for NULLs, an empty architecture, or a mean-squared-error
 * network with other than one output.  Its inputs must equal the
 * pipeline's. */
gf_status gf_pipeline_set_network(gf_pipeline *p, gf_model *m, const gf_arch *arch);
/* A setting to record (λ, α, the threshold, ...), for people reading the
 * file; a key (non-empty, else GF_ERR_ARG) set twice keeps the last value.
 * A non-finite value is saved as null and reads back as NaN, "never set".
 * "threshold" is also used: logistic regression predicts the second class
 * when P >= threshold (default 0.5; the value is not range-checked). */
gf_status gf_pipeline_set_setting(gf_pipeline *p, const char *key, double value);

/* Reading a pipeline.  Borrowed pointers live as long as p (until the
 * matching setter replaces the part).  p NULL gives GF_KIND_COUNT, NULL
 * or 0. */
gf_kind gf_pipeline_kind(const gf_pipeline *p);
const gf_terms *gf_pipeline_terms(const gf_pipeline *p); /* NULL without a formula */
size_t gf_pipeline_nfeatures(const gf_pipeline *p);      /* design columns */
size_t gf_pipeline_nclasses(const gf_pipeline *p);       /* 0 for regression */
const char *gf_pipeline_class(const gf_pipeline *p, size_t c); /* NULL out of range */
const gf_scaler *gf_pipeline_scaler(const gf_pipeline *p); /* NULL if none */
/* The coefficients (NULL if none) and their rows and k (0 if none); rows
 * and k may be NULL. */
const double *gf_pipeline_coef(const gf_pipeline *p, size_t *rows, size_t *k);
gf_model *gf_pipeline_network(gf_pipeline *p);           /* NULL if not a network; p owns it */
const gf_arch *gf_pipeline_arch(const gf_pipeline *p);   /* NULL if not a network */
/* A recorded setting, or NaN if it was never set (or key is NULL). */
double gf_pipeline_setting(const gf_pipeline *p, const char *key);

/* Save atomically (see grafo/io.h).  Every part the kind needs must be set
 * and agree: GF_ERR_STATE for a missing part (inputs, coefficients, class
 * names, network), GF_ERR_SHAPE for sizes that disagree; GF_ERR_ARG for
 * NULLs or for text (a level, a class name) that is not UTF-8, which JSON
 * cannot hold; GF_ERR_NOMEM; gf_st_save's errors. */
gf_status gf_pipeline_save(const gf_pipeline *p, const char *path);
/* Load and check a model file into *out (the caller frees it with
 * gf_pipeline_free; NULL on failure).  GF_ERR_ARG for NULLs, gf_st_load's
 * errors, GF_ERR_FORMAT for a file that breaks the rules above (the
 * message names the file and what is wrong; more than 1000 settings are
 * refused).  A network comes back compiled for batches of up to 256 rows,
 * or fewer for a very wide one (its activations are kept under 64 MiB);
 * gf_pipeline_predict splits larger inputs into such batches. */
gf_status gf_pipeline_load(const char *path, gf_pipeline **out);
/* The same on a model file's bytes in memory (bytes may be NULL when len
 * is 0); `source` names them in messages (NULL: "model data"). */
gf_status gf_pipeline_parse(const void *bytes, size_t len, const char *source,
                            gf_pipeline **out);

/* Predictions for n rows, the caller's to free with gf_prediction_free(). */
typedef struct gf_prediction {
    size_t n;
    double *value;    /* regression: n predictions; NULL for classifiers */
    size_t k;         /* classifiers: classes (score columns); 0 otherwise */
    double *score;    /* n x k: probabilities (logistic, softmax, networks with
                         softmax or sigmoid) or decision values (perceptron,
                         linear SVM; (-f, f) for a binary one); NULL for
                         regression */
    int32_t *label;   /* n predicted class indices: the largest score, but
                         for logistic P >= threshold and for a binary
                         perceptron or SVM f >= 0; NULL for regression */
    size_t *row;      /* n: the frame row (from 0) of each prediction; i for
                         gf_pipeline_predict_x */
} gf_prediction;

/* Predict from a frame with the variables of the pipeline's terms (the
 * response is not needed): it builds the design as gf_design_new does and
 * returns its errors (a missing column, an unknown level, ...).  Rows with
 * a missing value are dropped when na_omit is set and refused otherwise.
 * GF_ERR_STATE for a pipeline without terms (use gf_pipeline_predict_x);
 * then as gf_pipeline_predict_x.  p is not const: a network predicts in
 * its model's one workspace, so a pipeline serves one thread at a time. */
gf_status gf_pipeline_predict(gf_pipeline *p, const gf_frame *data, int na_omit,
                              gf_prediction **out);
/* Predict from design columns already made (n x ncols, row-major, before
 * scaling); ncols must equal gf_pipeline_nfeatures() (GF_ERR_SHAPE); n = 0
 * gives an empty prediction.  Errors: GF_ERR_ARG for NULLs (x may be NULL
 * when n is 0), the parts' disagreements as gf_pipeline_save reports
 * them, GF_ERR_NUMERIC for a non-finite x or a value the scaling sends
 * beyond a double, GF_ERR_NOMEM.  *out is NULL on failure. */
gf_status gf_pipeline_predict_x(gf_pipeline *p, const double *x, size_t n, size_t ncols,
                                gf_prediction **out);
void gf_prediction_free(gf_prediction *pr); /* NULL is fine */

/* ---- Checkpoints ----
 * A network pipeline and the state of the trainer training it (grafo/nn.h):
 * the model file's tensors and description, plus the optimiser's moments,
 * the best weights under early stopping, the counters, the random
 * generator, the fit options and the history, so that a run resumed from
 * it continues bit for bit.  Written as gf_pipeline_save writes (a
 * temporary file, fsynced and renamed): never half a checkpoint.  A
 * checkpoint is also a model file: gf_pipeline_load and grafo predict read
 * it as the network it holds. */

/* Save p (a network) and t (training p's network) to path.  GF_ERR_ARG for
 * NULLs, a pipeline that is not a network or a trainer of another model;
 * else gf_pipeline_save's errors. */
gf_status gf_checkpoint_save(const gf_pipeline *p, const gf_trainer *t, const char *path);

/* Load a checkpoint: *p the pipeline, its network ready to train with the
 * saved batch size, and *t a trainer for it with the saved options (no
 * callbacks) and state; free t before p.  On failure both are NULL.
 * Errors as gf_pipeline_load's, GF_ERR_FORMAT (naming the file and what is
 * wrong) for a model file that is not a checkpoint or checkpoint parts
 * that do not fit the network. */
gf_status gf_checkpoint_load(const char *path, gf_pipeline **p, gf_trainer **t);
/* The same on a checkpoint's bytes in memory, as gf_pipeline_parse. */
gf_status gf_checkpoint_parse(const void *bytes, size_t len, const char *source,
                              gf_pipeline **p, gf_trainer **t);

/* ---- Training history ----
 * One row per epoch: epoch, loss, train_accuracy, valid_loss,
 * valid_accuracy, learning_rate, grad_norm, seconds (NaN written as
 * empty), as CSV; or drawn as an SVG a browser opens: loss per epoch
 * (training against validation) and, for classifiers, accuracy per epoch.
 * Written atomically; GF_ERR_ARG for NULLs or n = 0, GF_ERR_IO naming the
 * path and the system's reason. */
gf_status gf_history_write_csv(const char *path, const gf_epoch_report *r, size_t n);
gf_status gf_history_write_svg(const char *path, const gf_epoch_report *r, size_t n,
                               const char *title);

#ifdef __cplusplus
}
#endif
#endif
