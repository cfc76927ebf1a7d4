/* How good predictions are: seed 000's regression errors and the usual
 * classification scores, defined as scikit-learn defines them. */
#include "grafo/metrics.h"

#include "core/error.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static gf_status check_real(const double *y, const double *yhat, size_t n, double *out,
                            const char *who)
{
    if (!y || !yhat || !out) return gf__fail(GF_ERR_ARG, "%s: a NULL argument", who);
    if (n == 0) return gf__fail(GF_ERR_SHAPE, "%s: no rows", who);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return gf__fail(GF_ERR_ARG, "%s: y has a non-finite value (%g) at row %zu", who,
                            y[i], i + 1);
        if (!isfinite(yhat[i]))
            return gf__fail(GF_ERR_ARG, "%s: the prediction at row %zu is not finite (%g)",
                            who, i + 1, yhat[i]);
    }
    return GF_OK;
}

gf_status gf_metric_mse(const double *y, const double *yhat, size_t n, double *out)
{
    gf_status s = check_real(y, yhat, n, out, "mse");
    if (s) return s;
    double sse = 0;
    for (size_t i = 0; i < n; i++) sse += (y[i] - yhat[i]) * (y[i] - yhat[i]);
    *out = sse / (double)n;
    return GF_OK;
}

gf_status gf_metric_rmse(const double *y, const double *yhat, size_t n, double *out)
{
    gf_status s = gf_metric_mse(y, yhat, n, out);
    if (s) return s;
    *out = sqrt(*out);
    return GF_OK;
}

gf_status gf_metric_mae(const double *y, const double *yhat, size_t n, double *out)
{
    gf_status s = check_real(y, yhat, n, out, "mae");
    if (s) return s;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += fabs(y[i] - yhat[i]);
    *out = sum / (double)n;
    return GF_OK;
}

gf_status gf_metric_r2(const double *y, const double *yhat, size_t n, double *out)
{
    gf_status s = check_real(y, yhat, n, out, "r2");
    if (s) return s;
    double mean = 0, sse = 0, sst = 0;
    for (size_t i = 0; i < n; i++) mean += y[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sse += (y[i] - yhat[i]) * (y[i] - yhat[i]);
        sst += (y[i] - mean) * (y[i] - mean);
    }
    if (sst == 0)
        return gf__fail(GF_ERR_NUMERIC, "r2: y is constant, so R^2 is undefined");
    *out = 1.0 - sse / sst;
    return GF_OK;
}

/* Both label arrays present, non-empty and in [0, classes) (classes 0: any
 * label >= 0). */
static gf_status check_labels(const int32_t *y, const int32_t *pred, size_t n, size_t classes,
                              const char *who)
{
    if (!y || !pred) return gf__fail(GF_ERR_ARG, "%s: a NULL argument", who);
    if (n == 0) return gf__fail(GF_ERR_SHAPE, "%s: no rows", who);
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || (classes && (size_t)y[i] >= classes))
            return gf__fail(GF_ERR_ARG, "%s: true label %d at row %zu is outside [0, %zu)",
                            who, (int)y[i], i + 1, classes);
        if (pred[i] < 0 || (classes && (size_t)pred[i] >= classes))
            return gf__fail(GF_ERR_ARG, "%s: predicted label %d at row %zu is outside "
                            "[0, %zu)", who, (int)pred[i], i + 1, classes);
    }
    return GF_OK;
}

gf_status gf_metric_accuracy(const int32_t *y, const int32_t *pred, size_t n, double *out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "accuracy: a NULL argument");
    gf_status s = check_labels(y, pred, n, 0, "accuracy");
    if (s) return s;
    size_t right = 0;
    for (size_t i = 0; i < n; i++) right += y[i] == pred[i];
    *out = (double)right / (double)n;
    return GF_OK;
}

gf_status gf_metric_confusion(const int32_t *y, const int32_t *pred, size_t n, size_t classes,
                              int64_t *counts)
{
    if (!counts) return gf__fail(GF_ERR_ARG, "confusion: a NULL argument");
    if (classes == 0) return gf__fail(GF_ERR_ARG, "confusion: 0 classes");
    if (classes > SIZE_MAX / classes)
        return gf__fail(GF_ERR_ARG, "confusion: %zu classes are too many", classes);
    gf_status s = check_labels(y, pred, n, classes, "confusion");
    if (s) return s;
    for (size_t c = 0; c < classes * classes; c++) counts[c] = 0;
    for (size_t i = 0; i < n; i++) counts[(size_t)y[i] * classes + (size_t)pred[i]]++;
    return GF_OK;
}

void gf_class_report_free(gf_class_report *r)
{
    if (!r) return;
    free(r->precision);
    free(r->recall);
    free(r->f1);
    free(r->support);
    free(r);
}

/* a / b, or 0 when b is 0 (scikit-learn's zero_division=0). */
static double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

gf_status gf_class_report_new(const int32_t *y, const int32_t *pred, size_t n, size_t classes,
                              gf_class_report **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "class report: a NULL argument");
    *out = NULL;
    if (classes == 0) return gf__fail(GF_ERR_ARG, "class report: 0 classes");
    if (classes > SIZE_MAX / classes / sizeof(int64_t))
        return gf__fail(GF_ERR_ARG, "class report: %zu classes are too many", classes);
    gf_status s = check_labels(y, pred, n, classes, "class report");
    if (s) return s;

    gf_class_report *r = gf__calloc(1, sizeof *r, "a class report");
    int64_t *counts = gf__malloc(classes * classes * sizeof *counts, "a confusion matrix");
    if (r) {
        r->classes = classes;
        r->precision = gf__calloc(classes, sizeof(double), "precision");
        r->recall = gf__calloc(classes, sizeof(double), "recall");
        r->f1 = gf__calloc(classes, sizeof(double), "F1");
        r->support = gf__calloc(classes, sizeof(int64_t), "support");
    }
    if (!r || !counts || !r->precision || !r->recall || !r->f1 || !r->support) {
        free(counts);
        gf_class_report_free(r);
        return GF_ERR_NOMEM;
    }
    gf_metric_confusion(y, pred, n, classes, counts);

    size_t right = 0;
    for (size_t c = 0; c < classes; c++) {
        int64_t tp = counts[c * classes + c], predicted = 0, actual = 0;
        for (size_t o = 0; o < classes; o++) {
            predicted += counts[o * classes + c];
            actual += counts[c * classes + o];
        }
        right += (size_t)tp;
        r->support[c] = actual;
        r->precision[c] = ratio((double)tp, (double)predicted);
        r->recall[c] = ratio((double)tp, (double)actual);
        r->f1[c] = ratio(2.0 * (double)tp, (double)(predicted + actual));
        r->macro_precision += r->precision[c] / (double)classes;
        r->macro_recall += r->recall[c] / (double)classes;
        r->macro_f1 += r->f1[c] / (double)classes;
        r->weighted_precision += r->precision[c] * (double)actual / (double)n;
        r->weighted_recall += r->recall[c] * (double)actual / (double)n;
        r->weighted_f1 += r->f1[c] * (double)actual / (double)n;
    }
    r->accuracy = r->micro_f1 = (double)right / (double)n;
    free(counts);
    *out = r;
    return GF_OK;
}

gf_status gf_metric_log_loss(const int32_t *y, const double *proba, size_t n, size_t classes,
                             double *out)
{
    if (!y || !proba || !out) return gf__fail(GF_ERR_ARG, "log loss: a NULL argument");
    if (n == 0) return gf__fail(GF_ERR_SHAPE, "log loss: no rows");
    if (classes < 2) return gf__fail(GF_ERR_ARG, "log loss: %zu classes; it needs 2 or more",
                                     classes);
    const double eps = DBL_EPSILON;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || (size_t)y[i] >= classes)
            return gf__fail(GF_ERR_ARG, "log loss: true label %d at row %zu is outside "
                            "[0, %zu)", (int)y[i], i + 1, classes);
        const double *row = proba + i * classes;
        double total = 0;
        for (size_t c = 0; c < classes; c++) {
            if (!isfinite(row[c]) || row[c] < 0 || row[c] > 1)
                return gf__fail(GF_ERR_ARG, "log loss: probability %g at row %zu, class %zu "
                                "is not in [0, 1]", row[c], i + 1, c);
            total += row[c];
        }
        if (fabs(total - 1.0) > 1e-6)
            return gf__fail(GF_ERR_ARG, "log loss: the probabilities of row %zu sum to %.9g, "
                            "not 1", i + 1, total);
        /* Clip every probability, then renormalise the row, as scikit-learn
         * does, so the results agree even for a confident mistake. */
        double clipped_total = 0;
        for (size_t c = 0; c < classes; c++) clipped_total += fmin(fmax(row[c], eps), 1.0 - eps);
        double p = fmin(fmax(row[y[i]], eps), 1.0 - eps) / clipped_total;
        sum -= log(p);
    }
    *out = sum / (double)n;
    return GF_OK;
}
