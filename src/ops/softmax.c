/* softmax and log_softmax along the last dimension, row by row, through
 * log-sum-exp with the row's maximum subtracted, so no exponent overflows.
 *   softmax:      y = e^(x - m) / s,  s = sum e^(x - m)
 *                 dx = y (dy - sum(dy y))
 *   log_softmax:  y = x - m - log s
 *                 dx = dy - e^y sum(dy) */
#include <math.h>

#include "kernels/kernels.h"
#include "ops/ops.h"

static void row_softmax(const float *x, float *y, size_t cols, bool take_log)
{
    float m = x[0];
    for (size_t j = 1; j < cols; j++) m = fmaxf(m, x[j]);
    double s = 0;
    for (size_t j = 0; j < cols; j++) s += expf(x[j] - m);
    if (take_log) {
        float lse = m + (float)log(s);
        for (size_t j = 0; j < cols; j++) y[j] = x[j] - lse;
    } else {
        float inv = (float)(1.0 / s);
        for (size_t j = 0; j < cols; j++) y[j] = expf(x[j] - m) * inv;
    }
}

static void forward_rows(const gf_opctx *c, bool take_log)
{
    size_t cols = gf__tview_cols(&c->out), rows = gf__tview_rows(&c->out);
    const float *x = c->in[0].v;
    float *y = c->out.v;
#pragma omp parallel for schedule(static) if (c->out.n >= GF_PAR_MIN)
    for (size_t r = 0; r < rows; r++) row_softmax(x + r * cols, y + r * cols, cols, take_log);
}

gf_status gf__softmax_forward(const gf_opctx *c)
{
    forward_rows(c, false);
    return GF_OK;
}

gf_status gf__log_softmax_forward(const gf_opctx *c)
{
    forward_rows(c, true);
    return GF_OK;
}

static void backward_rows(const gf_opctx *c, bool took_log)
{
    size_t cols = gf__tview_cols(&c->out), rows = gf__tview_rows(&c->out);
    const float *y = c->out.v, *dy = c->out.d;
    float *dx = c->in[0].d;
    bool acc = c->accumulate[0];
#pragma omp parallel for schedule(static) if (c->out.n >= GF_PAR_MIN)
    for (size_t r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *dyr = dy + r * cols;
        float *dxr = dx + r * cols;
        double dot = 0;
        for (size_t j = 0; j < cols; j++) dot += took_log ? dyr[j] : dyr[j] * yr[j];
        for (size_t j = 0; j < cols; j++) {
            float g = took_log ? dyr[j] - expf(yr[j]) * (float)dot : yr[j] * (dyr[j] - (float)dot);
            GF_GRAD_PUT(acc, dxr[j], g);
        }
    }
}

void gf__softmax_backward(const gf_opctx *c) { backward_rows(c, false); }
void gf__log_softmax_backward(const gf_opctx *c) { backward_rows(c, true); }

static void reference_rows(const gf_refctx *c, bool take_log)
{
    size_t cols = (size_t)c->out.dim[c->out.ndim - 1];
    for (size_t r = 0; r < c->out.n / cols; r++) {
        const double *x = c->in[0].v + r * cols;
        double *y = c->out.v + r * cols, m = x[0], s = 0;
        for (size_t j = 1; j < cols; j++) m = fmax(m, x[j]);
        for (size_t j = 0; j < cols; j++) s += exp(x[j] - m);
        for (size_t j = 0; j < cols; j++)
            y[j] = take_log ? x[j] - m - log(s) : exp(x[j] - m) / s;
    }
}

gf_status gf__softmax_reference(const gf_refctx *c)
{
    reference_rows(c, false);
    return GF_OK;
}

gf_status gf__log_softmax_reference(const gf_refctx *c)
{
    reference_rows(c, true);
    return GF_OK;
}
