/* The units of seed 004: absolute-value rectification, exp, PReLU, maxout,
 * the radial-basis distance, and the perceptron's step and sign.
 *
 * Gradients at kinks follow PyTorch: abs'(0) = 0; PReLU sends x's gradient
 * through alpha when x <= 0, and alpha's only from x < 0 (min(0, x) = 0 at
 * 0); maxout's goes to the first largest element of each group.  step and
 * sign have no backward at all: gf_backward refuses to cross them. */
#include <math.h>

#include "kernels/kernels.h"
#include "ops/ops.h"

/* Sizes fit an int: leaves are capped at 2^31 elements when built. */
static int cols_of(const gf_tview *t) { return (int)gf__tview_cols(t); }
static int rows_of(const gf_tview *t) { return (int)gf__tview_rows(t); }

/* Forward and double reference of an element-wise unit y = f(x). */
#define ELEMENTWISE(name, value, reference)                                   \
    gf_status gf__##name##_forward(const gf_opctx *c)                         \
    {                                                                          \
        const float *in = c->in[0].v;                                          \
        float *out = c->out.v;                                                 \
        size_t n = c->out.n;                                                   \
        GF_PARALLEL_FOR_N                                                      \
        for (size_t i = 0; i < n; i++) {                                       \
            float x = in[i];                                                   \
            out[i] = (value);                                                  \
        }                                                                      \
        return GF_OK;                                                          \
    }                                                                          \
    gf_status gf__##name##_reference(const gf_refctx *c)                      \
    {                                                                          \
        for (size_t i = 0; i < c->out.n; i++) {                                \
            double x = c->in[0].v[i];                                          \
            c->out.v[i] = (reference);                                         \
        }                                                                      \
        return GF_OK;                                                          \
    }

ELEMENTWISE(abs, fabsf(x), fabs(x))
ELEMENTWISE(exp, expf(x), exp(x))
/* The notes' perceptron units (seed 001's table of activations): the
 * Heaviside step is 1/2 at 0 and the signum 0 at 0.  Written so that NaN
 * falls through as itself, so divergence is still found where it started. */
ELEMENTWISE(step, x > 0 ? 1.0f : x < 0 ? 0.0f : x == 0 ? 0.5f : x,
            x > 0 ? 1.0 : x < 0 ? 0.0 : x == 0 ? 0.5 : x)
ELEMENTWISE(sign, x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x,
            x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x)

void gf__abs_backward(const gf_opctx *c)
{
    const float *in = c->in[0].v, *dy = c->out.d;
    size_t n = c->out.n;
    GF_STORE_GRAD(c->accumulate[0], c->in[0].d, in[i] > 0 ? dy[i] : in[i] < 0 ? -dy[i] : 0.0f);
}

/* (e^x)' = e^x, which is the output. */
void gf__exp_backward(const gf_opctx *c)
{
    const float *out = c->out.v, *dy = c->out.d;
    size_t n = c->out.n;
    GF_STORE_GRAD(c->accumulate[0], c->in[0].d, dy[i] * out[i]);
}

/* PReLU y = max(0, x) + alpha min(0, x).  alpha holds nb elements that
 * repeat every nb elements of x, as add's right operand, so
 *   dx = x > 0 ? dy : alpha dy       dalpha[j] = sum over repeats of min(0, x) dy. */
gf_status gf__prelu_forward(const gf_opctx *c)
{
    const float *x = c->in[0].v, *alpha = c->in[1].v;
    float *y = c->out.v;
    size_t n = c->out.n, nb = c->in[1].n;
    for (size_t r = 0; r < n; r += nb)
        for (size_t j = 0; j < nb; j++) {
            float v = x[r + j];
            y[r + j] = v > 0 ? v : alpha[j] * v;
        }
    return GF_OK;
}

void gf__prelu_backward(const gf_opctx *c)
{
    const float *x = c->in[0].v, *alpha = c->in[1].v, *dy = c->out.d;
    size_t n = c->out.n, nb = c->in[1].n;
    if (c->in[0].d) {
        float *dx = c->in[0].d;
        bool acc = c->accumulate[0];
        for (size_t r = 0; r < n; r += nb)
            for (size_t j = 0; j < nb; j++)
                GF_GRAD_PUT(acc, dx[r + j], x[r + j] > 0 ? dy[r + j] : alpha[j] * dy[r + j]);
    }
    if (c->in[1].d) {
        float *dalpha = c->in[1].d;
        bool acc = c->accumulate[1];
        /* A scalar alpha sums over every element: add in double. */
        for (size_t j = 0; j < nb; j++) {
            double s = 0;
            for (size_t r = 0; r < n; r += nb)
                if (x[r + j] < 0) s += (double)x[r + j] * dy[r + j];
            GF_GRAD_PUT(acc, dalpha[j], (float)s);
        }
    }
}

gf_status gf__prelu_reference(const gf_refctx *c)
{
    size_t n = c->out.n, nb = c->in[1].n;
    for (size_t i = 0; i < n; i++) {
        double x = c->in[0].v[i], alpha = c->in[1].v[i % nb];
        c->out.v[i] = x > 0 ? x : alpha * x;
    }
    return GF_OK;
}

/* Maxout: output element o is the largest of input elements o k .. o k + k - 1,
 * since the groups are consecutive along the last dimension and the output
 * keeps the other dimensions.  The gradient goes to that element only. */

/* The first largest element of a group of k, as PyTorch's max picks on
 * ties; a NaN wins, as in PyTorch, so divergence shows in the output. */
static inline int group_argmax(const float *v, int k)
{
    int best = 0;
    for (int t = 1; t < k && !isnan(v[best]); t++)
        if (v[t] > v[best] || isnan(v[t])) best = t;
    return best;
}

gf_status gf__maxout_forward(const gf_opctx *c)
{
    const float *x = c->in[0].v;
    float *y = c->out.v;
    int k = c->node->p.maxout.k;
    size_t n = c->out.n;
    GF_PARALLEL_FOR_N
    for (size_t o = 0; o < n; o++) {
        const float *group = x + o * (size_t)k;
        y[o] = group[group_argmax(group, k)];
    }
    return GF_OK;
}

void gf__maxout_backward(const gf_opctx *c)
{
    const float *x = c->in[0].v, *dy = c->out.d;
    float *dx = c->in[0].d;
    int k = c->node->p.maxout.k;
    size_t n = c->out.n;
    bool acc = c->accumulate[0];
    GF_PARALLEL_FOR_N
    for (size_t o = 0; o < n; o++) {
        size_t first = o * (size_t)k;
        int best = group_argmax(x + first, k);
        if (acc) {
            dx[first + (size_t)best] += dy[o];
        } else {
            for (int t = 0; t < k; t++) dx[first + (size_t)t] = t == best ? dy[o] : 0.0f;
        }
    }
}

gf_status gf__maxout_reference(const gf_refctx *c)
{
    size_t k = (size_t)c->node->p.maxout.k;
    for (size_t o = 0; o < c->out.n; o++) {
        const double *group = c->in[0].v + o * k;
        double best = group[0];
        for (size_t t = 1; t < k; t++) best = fmax(best, group[t]);
        c->out.v[o] = best;
    }
    return GF_OK;
}

/* Squared distances Y[i][j] = ||x_i - c_j||^2 between the rows of X (m, d)
 * and the columns of C (d, n), the radial-basis unit's argument.  Expanded
 * as ||x_i||^2 + ||c_j||^2 - 2 x_i . c_j, the cross terms are one GEMM; the
 * subtraction cancels when x_i is near c_j and may then dip below zero, so
 * the result is clamped at 0.  The gradients use the difference itself:
 *   dX = 2 (diag(rowsum dY) X - dY C^T)     dC = 2 (C diag(colsum dY) - X^T dY). */
gf_status gf__sqdist_forward(const gf_opctx *c)
{
    const float *x = c->in[0].v, *cen = c->in[1].v;
    float *y = c->out.v;
    int m = rows_of(&c->in[0]), d = cols_of(&c->in[0]), nc = cols_of(&c->in[1]);
    /* Row 0 of Y first holds ||c_j||^2 (summed down C's rows, which are
     * contiguous), then every row i gets it plus ||x_i||^2, row 0 last. */
    for (int j = 0; j < nc; j++) y[j] = 0;
    for (int p = 0; p < d; p++)
        for (int j = 0; j < nc; j++) y[j] += cen[(size_t)p * nc + j] * cen[(size_t)p * nc + j];
    for (int i = m - 1; i >= 0; i--) {
        const float *xi = x + (size_t)i * d;
        float norm = 0;
        for (int p = 0; p < d; p++) norm += xi[p] * xi[p];
        float *yi = y + (size_t)i * nc;
        for (int j = 0; j < nc; j++) yi[j] = y[j] + norm;
    }
    gf__gemm(false, false, m, nc, d, -2.0f, x, cen, true, y);
    size_t n = c->out.n;
    /* Written as a comparison, not fmaxf, so a NaN stays a NaN. */
    GF_PARALLEL_FOR_N
    for (size_t i = 0; i < n; i++) y[i] = y[i] < 0 ? 0.0f : y[i];
    return GF_OK;
}

void gf__sqdist_backward(const gf_opctx *c)
{
    const float *x = c->in[0].v, *cen = c->in[1].v, *dy = c->out.d;
    int m = rows_of(&c->in[0]), d = cols_of(&c->in[0]), nc = cols_of(&c->in[1]);
    /* Each slot is finished before the next starts, so sqdist(p, p) works:
     * the engine then tells slot 1 to accumulate onto slot 0's result. */
    if (c->in[0].d) {
        float *dx = c->in[0].d;
        gf__gemm(false, true, m, d, nc, -2.0f, dy, cen, c->accumulate[0], dx);
        for (int i = 0; i < m; i++) {
            const float *dyi = dy + (size_t)i * nc;
            double rowsum = 0;
            for (int j = 0; j < nc; j++) rowsum += dyi[j];
            float twice = (float)(2 * rowsum);
            for (int p = 0; p < d; p++) dx[(size_t)i * d + p] += twice * x[(size_t)i * d + p];
        }
    }
    if (c->in[1].d) {
        float *dc = c->in[1].d;
        gf__gemm(true, false, d, nc, m, -2.0f, x, dy, c->accumulate[1], dc);
        for (int j = 0; j < nc; j++) {
            double colsum = 0;
            for (int i = 0; i < m; i++) colsum += dy[(size_t)i * nc + j];
            float twice = (float)(2 * colsum);
            for (int p = 0; p < d; p++) dc[(size_t)p * nc + j] += twice * cen[(size_t)p * nc + j];
        }
    }
}

/* Directly as the sum of squared differences, which cannot go negative. */
gf_status gf__sqdist_reference(const gf_refctx *c)
{
    size_t d = (size_t)c->in[0].dim[c->in[0].ndim - 1], nc = (size_t)c->in[1].dim[1];
    size_t m = c->in[0].n / d;
    const double *x = c->in[0].v, *cen = c->in[1].v;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < nc; j++) {
            double s = 0;
            for (size_t p = 0; p < d; p++) {
                double diff = x[i * d + p] - cen[p * nc + j];
                s += diff * diff;
            }
            c->out.v[i * nc + j] = s;
        }
    return GF_OK;
}
