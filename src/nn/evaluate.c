/* Running a model over data in batches: the checks, gathering rows,
 * counting correct predictions (shared with training, train.c), and
 * evaluation and prediction, both in evaluation mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "kernels/kernels.h"
#include "nn/model.h"

/* Does the dataset fit the model's input and target? */
gf_status gf__check_data(const gf_model *m, const gf_dataset *ds, const char *role)
{
    if (!ds) return gf__fail(GF_ERR_ARG, "%s data is NULL", role);
    if (gf_dataset_cols(ds) != (size_t)m->inputs)
        return gf__fail(GF_ERR_SHAPE, "%s data has %zu features per row; the model takes %d",
                        role, gf_dataset_cols(ds), m->inputs);
    size_t want = m->loss_kind == GF_LOSS_SOFTMAX_XENT ? 1 : gf_node_size(m->g, m->target);
    if (gf_dataset_y_cols(ds) != want)
        return gf__fail(GF_ERR_SHAPE, "%s data has %zu targets per row; the model's %s loss "
                        "needs %zu", role, gf_dataset_y_cols(ds),
                        gf_op_name(gf_node_op(m->g, m->loss)), want);
    if (m->loss_kind == GF_LOSS_SOFTMAX_XENT) {
        size_t classes = gf_node_size(m->g, m->output);
        if (gf_dataset_classes(ds) < 1)
            return gf__fail(GF_ERR_ARG, "%s data has no classes; softmax cross-entropy needs "
                            "class labels", role);
        if ((size_t)gf_dataset_classes(ds) > classes)
            return gf__fail(GF_ERR_SHAPE, "%s data has %d classes; the model's output has %zu",
                            role, gf_dataset_classes(ds), classes);
    }
    return GF_OK;
}

gf_status gf__check_ready(const gf_model *m, const char *what)
{
    if (!m) return gf__fail(GF_ERR_ARG, "%s: model is NULL", what);
    if (!m->ws) return gf__fail(GF_ERR_STATE, "%s: compile the model first", what);
    return GF_OK;
}

/* Copy rows idx[0..b) (or rows first..first+b if idx is NULL) into the
 * input and target buffers. */
void gf__gather(gf_model *m, const gf_dataset *ds, const int32_t *idx, size_t first, int b)
{
    size_t cols = gf_dataset_cols(ds), ycols = gf_dataset_y_cols(ds);
    const float *x = gf_dataset_x(ds), *y = gf_dataset_y(ds);
    float *xb = gf_value(m->ws, m->input), *yb = gf_value(m->ws, m->target);
    for (int r = 0; r < b; r++) {
        size_t row = idx ? (size_t)idx[r] : first + (size_t)r;
        memcpy(xb + (size_t)r * cols, x + row * cols, cols * sizeof(float));
        memcpy(yb + (size_t)r * ycols, y + row * ycols, ycols * sizeof(float));
    }
}

/* Correct predictions in the current batch, and how many were judged;
 * regression judges none. */
void gf__count_correct(gf_model *m, int b, size_t *correct, size_t *judged)
{
    const float *out = gf_value(m->ws, m->output), *y = gf_value(m->ws, m->target);
    size_t k = gf_node_size(m->g, m->output), hits = 0;
    switch (m->loss_kind) {
    case GF_LOSS_SOFTMAX_XENT:
        for (int r = 0; r < b; r++) {
            const float *z = out + (size_t)r * k;
            size_t best = 0;
            for (size_t j = 1; j < k; j++)
                if (z[j] > z[best]) best = j;
            hits += (float)best == y[r];
        }
        *judged += (size_t)b;
        break;
    case GF_LOSS_BCE_LOGITS:
    case GF_LOSS_HINGE:
        /* A logit or score above 0 predicts the positive class. */
        for (size_t i = 0; i < (size_t)b * k; i++) {
            bool positive = out[i] > 0.0f;
            hits += positive == (m->loss_kind == GF_LOSS_HINGE ? y[i] > 0.0f : y[i] >= 0.5f);
        }
        *judged += (size_t)b * k;
        break;
    default:
        break;
    }
    *correct += hits;
}

/* Rows in the batch starting at `first`: a full batch, or what is left. */
int gf__batch_at(size_t rows, size_t first, int batch)
{
    return (int)(rows - first < (size_t)batch ? rows - first : (size_t)batch);
}

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : NAN; }

gf_status gf_model_evaluate(gf_model *m, const gf_dataset *ds, double *loss, double *accuracy)
{
    gf_status s = gf__check_ready(m, "evaluate");
    if (s == GF_OK) s = gf__check_data(m, ds, "evaluation");
    if (s != GF_OK) return s;
    size_t rows = gf_dataset_rows(ds), correct = 0, judged = 0;
    double total = 0;
    gf_set_training(m->ws, 0, NULL);
    for (size_t first = 0; first < rows; first += (size_t)gf_max_batch(m->ws)) {
        int b = gf__batch_at(rows, first, gf_max_batch(m->ws));
        gf_set_batch(m->ws, b);
        gf__gather(m, ds, NULL, first, b);
        s = gf_forward(m->ws, m->loss);
        if (s != GF_OK) {
            gf__errctx("evaluate, rows %zu..%zu", first, first + (size_t)b - 1);
            return s;
        }
        total += (double)gf_value(m->ws, m->loss)[0] * b; /* the loss is a batch mean */
        gf__count_correct(m, b, &correct, &judged);
    }
    if (loss) *loss = total / (double)rows;
    if (accuracy) *accuracy = ratio(correct, judged);
    return GF_OK;
}

gf_status gf_model_predict(gf_model *m, const float *x, size_t rows, float *out)
{
    gf_status s = gf__check_ready(m, "predict");
    if (s != GF_OK) return s;
    if (!x || !out) return gf__fail(GF_ERR_ARG, "predict: input or output is NULL");
    size_t cols = (size_t)m->inputs, k = gf_node_size(m->g, m->output);
    gf_set_training(m->ws, 0, NULL);
    for (size_t first = 0; first < rows; first += (size_t)gf_max_batch(m->ws)) {
        int b = gf__batch_at(rows, first, gf_max_batch(m->ws));
        gf_set_batch(m->ws, b);
        const float *xb = x + first * cols;
        for (size_t i = 0; i < (size_t)b * cols; i++)
            if (!isfinite(xb[i]))
                return gf__fail(GF_ERR_NUMERIC, "predict: input row %zu, column %zu is %g",
                                first + i / cols, i % cols, xb[i]);
        memcpy(gf_value(m->ws, m->input), xb, (size_t)b * cols * sizeof(float));
        s = gf_forward(m->ws, m->output);
        if (s != GF_OK) return s;
        memcpy(out + first * k, gf_value(m->ws, m->output), (size_t)b * k * sizeof(float));
    }
    return GF_OK;
}
