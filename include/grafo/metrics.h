/* grafo/metrics.h — how good a model's predictions are.
 *
 * Every function checks its input and returns a gf_status; results come
 * through out pointers, left alone on failure (but a report's *out is set
 * to NULL).  The errors: GF_ERR_ARG for a NULL pointer, a non-finite value
 * or a label out of range (naming the row, from 1), GF_ERR_SHAPE for
 * n = 0.  Regression metrics follow seed 000; classification metrics
 * follow scikit-learn's definitions, so their values compare directly. */
#ifndef GRAFO_METRICS_H
#define GRAFO_METRICS_H

#include "grafo/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- regression -- */

/* Mean squared error, its square root, and mean absolute error of n
 * predictions yhat against y. */
gf_status gf_metric_mse(const double *y, const double *yhat, size_t n, double *out);
gf_status gf_metric_rmse(const double *y, const double *yhat, size_t n, double *out);
gf_status gf_metric_mae(const double *y, const double *yhat, size_t n, double *out);
/* 1 - SSE / SST, SST about y's mean; a constant y (SST = 0) has no R^2 and
 * gives GF_ERR_NUMERIC. */
gf_status gf_metric_r2(const double *y, const double *yhat, size_t n, double *out);

/* ------------------------------------------------------ classification -- */

/* The fraction of the n rows where pred equals y; labels must be >= 0 (no
 * upper bound). */
gf_status gf_metric_accuracy(const int32_t *y, const int32_t *pred, size_t n, double *out);

/* counts[t * classes + c] = rows of true class t predicted as c, into the
 * caller's classes x classes array (every entry written).  Labels must lie
 * in [0, classes); classes >= 1. */
gf_status gf_metric_confusion(const int32_t *y, const int32_t *pred, size_t n, size_t classes,
                       int64_t *counts);

/* Per class: precision, recall, F1 and support (rows of that class).  A
 * class never predicted has precision 0, one never present recall 0, and
 * F1 = 2 tp / (predicted + present) is 0 when both are (as scikit-learn
 * with zero_division=0).  Labels must lie in [0, classes); classes >= 1.
 * *out is the caller's, to free with gf_class_report_free (NULL is fine);
 * NULL on failure (also GF_ERR_NOMEM). */
typedef struct gf_class_report {
    size_t classes;
    double *precision, *recall, *f1;  /* per class */
    int64_t *support;
    double accuracy;
    double macro_precision, macro_recall, macro_f1;          /* unweighted means */
    double weighted_precision, weighted_recall, weighted_f1; /* by support */
    double micro_f1;                                         /* = accuracy */
} gf_class_report;
gf_status gf_class_report_new(const int32_t *y, const int32_t *pred, size_t n,
                              size_t classes, gf_class_report **out);
void gf_class_report_free(gf_class_report *r);

/* Mean negative log-likelihood of the true classes; proba is n x classes
 * (classes >= 2), row-major, each row a distribution: every value in
 * [0, 1] and the row summing to 1 within 1e-6, else GF_ERR_ARG.  As in
 * scikit-learn 1.2, probabilities are clipped to [eps, 1 - eps] with eps
 * the machine epsilon (2.2e-16) and each row renormalised, so a confident
 * mistake costs about 36, not infinity. */
gf_status gf_metric_log_loss(const int32_t *y, const double *proba, size_t n, size_t classes,
                      double *out);

#ifdef __cplusplus
}
#endif
#endif
