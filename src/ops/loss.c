/* Losses: scalars averaged over every element (mse, bce_logits, hinge) or
 * over the rows (softmax_xent), as PyTorch's default 'mean' reduction.
 * Targets are checked at forward, since they arrive with the data.
 * Sums run in double on one thread: the order is fixed, so the loss is
 * bit-identical from run to run, and these tensors are small. */
#include <math.h>

#include "core/error.h"
#include "ops/ops.h"

/* ---- mean squared error: L = mean (p - t)^2, dp = 2 (p - t) / N ---- */

gf_status gf__mse_forward(const gf_opctx *c)
{
    const float *p = c->in[0].v, *t = c->in[1].v;
    double s = 0;
    for (size_t i = 0; i < c->in[0].n; i++) {
        double e = (double)p[i] - t[i];
        s += e * e;
    }
    c->out.v[0] = (float)(s / (double)c->in[0].n);
    return GF_OK;
}

void gf__mse_backward(const gf_opctx *c)
{
    const float *p = c->in[0].v, *t = c->in[1].v;
    size_t n = c->in[0].n;
    float k = 2.0f * c->out.d[0] / (float)n;
    for (size_t i = 0; i < n; i++) {
        float g = k * (p[i] - t[i]);
        if (c->in[0].d) GF_GRAD_PUT(c->accumulate[0], c->in[0].d[i], g);
        if (c->in[1].d) GF_GRAD_PUT(c->accumulate[1], c->in[1].d[i], -g);
    }
}

gf_status gf__mse_reference(const gf_refctx *c)
{
    double s = 0;
    for (size_t i = 0; i < c->in[0].n; i++) {
        double e = c->in[0].v[i] - c->in[1].v[i];
        s += e * e;
    }
    c->out.v[0] = s / (double)c->in[0].n;
    return GF_OK;
}

/* ---- binary cross-entropy from logits ----
 * -t log s(z) - (1 - t) log(1 - s(z)) = max(z, 0) - z t + log(1 + e^-|z|),
 * which never takes the log of 0.  dz = (s(z) - t) / N, dt = -z / N. */

static gf_status check_probability(const float *t, size_t n, const char *op)
{
    for (size_t i = 0; i < n; i++)
        if (!(t[i] >= 0.0f && t[i] <= 1.0f))
            return gf__fail(GF_ERR_ARG, "%s: target %g at element %zu is not a probability in "
                            "[0, 1]", op, t[i], i);
    return GF_OK;
}

gf_status gf__bce_logits_forward(const gf_opctx *c)
{
    const float *z = c->in[0].v, *t = c->in[1].v;
    size_t n = c->in[0].n;
    gf_status s = check_probability(t, n, "bce_logits");
    if (s != GF_OK) return s;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += fmaxf(z[i], 0.0f) - z[i] * t[i] + log1pf(expf(-fabsf(z[i])));
    c->out.v[0] = (float)(sum / (double)n);
    return GF_OK;
}

void gf__bce_logits_backward(const gf_opctx *c)
{
    const float *z = c->in[0].v, *t = c->in[1].v;
    size_t n = c->in[0].n;
    float k = c->out.d[0] / (float)n;
    for (size_t i = 0; i < n; i++) {
        if (c->in[0].d) GF_GRAD_PUT(c->accumulate[0], c->in[0].d[i], k * (gf__sigmoidf(z[i]) - t[i]));
        if (c->in[1].d) GF_GRAD_PUT(c->accumulate[1], c->in[1].d[i], -k * z[i]);
    }
}

gf_status gf__bce_logits_reference(const gf_refctx *c)
{
    double sum = 0;
    for (size_t i = 0; i < c->in[0].n; i++) {
        double z = c->in[0].v[i], t = c->in[1].v[i];
        sum += fmax(z, 0.0) - z * t + log1p(exp(-fabs(z)));
    }
    c->out.v[0] = sum / (double)c->in[0].n;
    return GF_OK;
}

/* ---- softmax cross-entropy from logits, integer labels ----
 * Against targets q: L = mean over rows of -sum_j q_j log softmax(z)_j
 * = log sum_j e^z_j - sum_j q_j z_j (q sums to 1);
 * dz = (softmax(z) - q) / rows.  Without smoothing q is onehot(label);
 * with label smoothing eps (seed 004) q is 1 - eps at the label and
 * eps / (k - 1) elsewhere.  eps = 0 takes the unsmoothed arithmetic, so it
 * gives the same bits as no smoothing at all. */

gf_node gf_softmax_xent_smooth(gf_graph *g, gf_node z, gf_node y, float eps)
{
    gf_node in[2] = {z, y};
    if (!gf__inputs_ok(g, GF_OP_SOFTMAX_XENT, 2, in)) return GF_NONE;
    if (!(eps >= 0.0f && eps < 1.0f)) {
        gf__fail(GF_ERR_ARG, "softmax_xent: label smoothing eps is %g; it must be in [0, 1)", eps);
        return gf__build_fail(g, GF_ERR_ARG);
    }
    gf_op_params p = {.xent = {.eps = eps}};
    return gf__add_node(g, GF_OP_SOFTMAX_XENT, 2, in, p);
}

/* sum_j q_j z_j for one row, in double. */
static double smoothed_target(const float *z, size_t classes, size_t label, double eps)
{
    if (eps == 0) return z[label];
    double others = 0;
    for (size_t j = 0; j < classes; j++)
        if (j != label) others += z[j];
    return (1.0 - eps) * z[label] + eps / (double)(classes - 1) * others;
}

static gf_status label_of(float y, size_t row, size_t classes, size_t *label)
{
    if (!(y >= 0.0f && y < (float)classes) || y != floorf(y))
        return gf__fail(GF_ERR_ARG, "softmax_xent: label %g at row %zu is not a class index in "
                        "[0, %zu)", y, row, classes);
    *label = (size_t)y;
    return GF_OK;
}

gf_status gf__softmax_xent_forward(const gf_opctx *c)
{
    size_t classes = gf__tview_cols(&c->in[0]), rows = gf__tview_rows(&c->in[0]);
    double sum = 0;
    for (size_t r = 0; r < rows; r++) {
        const float *z = c->in[0].v + r * classes;
        size_t label = 0;
        gf_status s = label_of(c->in[1].v[r], r, classes, &label);
        if (s != GF_OK) return s;
        float m = z[0];
        for (size_t j = 1; j < classes; j++) m = fmaxf(m, z[j]);
        double e = 0;
        for (size_t j = 0; j < classes; j++) e += expf(z[j] - m);
        sum += m + log(e) - smoothed_target(z, classes, label, c->node->p.xent.eps);
    }
    c->out.v[0] = (float)(sum / (double)rows);
    return GF_OK;
}

void gf__softmax_xent_backward(const gf_opctx *c)
{
    size_t classes = gf__tview_cols(&c->in[0]), rows = gf__tview_rows(&c->in[0]);
    float k = c->out.d[0] / (float)rows;
    float eps = c->node->p.xent.eps, on = 1.0f - eps, off = eps / (float)(classes - 1);
    bool acc = c->accumulate[0];
    for (size_t r = 0; r < rows; r++) {
        const float *z = c->in[0].v + r * classes;
        float *dz = c->in[0].d + r * classes;
        size_t label = (size_t)c->in[1].v[r]; /* checked by forward */
        float m = z[0];
        for (size_t j = 1; j < classes; j++) m = fmaxf(m, z[j]);
        double e = 0;
        for (size_t j = 0; j < classes; j++) e += expf(z[j] - m);
        float inv = (float)(1.0 / e);
        for (size_t j = 0; j < classes; j++) {
            float p = expf(z[j] - m) * inv;
            GF_GRAD_PUT(acc, dz[j], k * (p - (j == label ? on : off)));
        }
    }
}

gf_status gf__softmax_xent_reference(const gf_refctx *c)
{
    size_t classes = (size_t)c->in[0].dim[c->in[0].ndim - 1], rows = c->in[0].n / classes;
    double sum = 0;
    for (size_t r = 0; r < rows; r++) {
        const double *z = c->in[0].v + r * classes;
        size_t label = 0;
        gf_status s = label_of((float)c->in[1].v[r], r, classes, &label);
        if (s != GF_OK) return s;
        double m = z[0], e = 0, eps = c->node->p.xent.eps, target = 0;
        for (size_t j = 1; j < classes; j++) m = fmax(m, z[j]);
        for (size_t j = 0; j < classes; j++) {
            e += exp(z[j] - m);
            target += (j == label ? 1.0 - eps : eps / (double)(classes - 1)) * z[j];
        }
        sum += m + log(e) - target;
    }
    c->out.v[0] = sum / (double)rows;
    return GF_OK;
}

/* ---- hinge: L = mean max(0, 1 - t z), t in {-1, +1} ----
 * Where the margin is violated dz = -t / N and dt = -z / N, else 0. */

gf_status gf__hinge_forward(const gf_opctx *c)
{
    const float *z = c->in[0].v, *t = c->in[1].v;
    size_t n = c->in[0].n;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] != 1.0f && t[i] != -1.0f)
            return gf__fail(GF_ERR_ARG, "hinge: target %g at element %zu is not -1 or +1", t[i], i);
        sum += fmaxf(0.0f, 1.0f - t[i] * z[i]);
    }
    c->out.v[0] = (float)(sum / (double)n);
    return GF_OK;
}

void gf__hinge_backward(const gf_opctx *c)
{
    const float *z = c->in[0].v, *t = c->in[1].v;
    size_t n = c->in[0].n;
    float k = c->out.d[0] / (float)n;
    for (size_t i = 0; i < n; i++) {
        bool active = 1.0f - t[i] * z[i] > 0.0f;
        if (c->in[0].d) GF_GRAD_PUT(c->accumulate[0], c->in[0].d[i], active ? -k * t[i] : 0.0f);
        if (c->in[1].d) GF_GRAD_PUT(c->accumulate[1], c->in[1].d[i], active ? -k * z[i] : 0.0f);
    }
}

gf_status gf__hinge_reference(const gf_refctx *c)
{
    double sum = 0;
    for (size_t i = 0; i < c->in[0].n; i++)
        sum += fmax(0.0, 1.0 - c->in[1].v[i] * c->in[0].v[i]);
    c->out.v[0] = sum / (double)c->in[0].n;
    return GF_OK;
}
