/* Batch normalisation without scale and shift (the nn layer applies gamma
 * and beta through mul and add nodes): per feature j of a (B, F) batch,
 *   y = (x - mu_j) s_j,  s_j = 1 / sqrt(var_j + eps)
 * Training: mu and var are the batch's mean and biased variance, and the
 * running statistics r (a (2, F) buffer: mean row 0, variance row 1)
 * follow PyTorch's BatchNorm1d, r = (1 - m) r + m batch with the variance
 * unbiased, var B / (B - 1).  The gradient goes through the batch
 * statistics too:
 *   dx = s (dy - mean_b(dy) - y mean_b(dy y))
 * A batch of one row gives x - mu = 0, so y = 0 and dx = 0; its variance
 * has no unbiased estimate, so the running statistics stay as they are.
 * Evaluation: mu and var are the running ones, a fixed affine map with
 * dx = s dy.
 * The forward keeps mu and s in aux (2F floats) for the backward.  Sums over
 * the batch run in double, in row order, over blocks of consecutive
 * features: each thread owns whole columns, so the result does not depend
 * on the thread count, and each row's block is read contiguously. */
#include <math.h>

#include "core/error.h"
#include "kernels/kernels.h"
#include "ops/ops.h"

#define BLOCK 64 /* features summed together: contiguous reads of each row */

/* x (B, F) batched; running a buffer (2, F); aux mu and s. */
gf_status gf__shape_batchnorm(const gf_graph *g, gf_nodeinfo *n)
{
    const gf_nodeinfo *xn = gf__node(g, n->in[0]), *rn = gf__node(g, n->in[1]);
    const gf_shape *x = &xn->shape, *r = &rn->shape;
    char a[GF_SHAPE_STR_MAX], b[GF_SHAPE_STR_MAX];
    gf__shape_str(x, a, sizeof a);
    gf__shape_str(r, b, sizeof b);
    if (!x->batched || x->ndim != 1)
        return gf__fail(GF_ERR_SHAPE, "batchnorm: shapes %s and %s: x must be a batch of "
                        "feature rows, (B, features)", a, b);
    if (rn->op != GF_OP_BUFFER)
        return gf__fail(GF_ERR_ARG, "batchnorm: the running statistics are node %d, a %s; "
                        "they must be a buffer (gf_buffer), which training updates",
                        (int)n->in[1], gf_op_name(rn->op));
    if (r->batched || r->ndim != 2 || r->dim[0] != 2 || r->dim[1] != x->dim[0])
        return gf__fail(GF_ERR_SHAPE, "batchnorm: shapes %s and %s: the running statistics "
                        "must be (2, %lld), the mean and the variance of each feature", a, b,
                        (long long)x->dim[0]);
    n->shape = *x;
    n->aux_fixed = 2 * (size_t)x->dim[0];
    return GF_OK;
}

gf_node gf_batchnorm(gf_graph *g, gf_node x, gf_node running, float momentum, float eps)
{
    gf_node in[2] = {x, running};
    if (!gf__inputs_ok(g, GF_OP_BATCHNORM, 2, in)) return GF_NONE;
    if (!(momentum > 0.0f && momentum <= 1.0f)) {
        gf__fail(GF_ERR_ARG, "batchnorm: momentum is %g; it must be in (0, 1]", momentum);
        return gf__build_fail(g, GF_ERR_ARG);
    }
    if (!(eps > 0.0f && isfinite(eps))) {
        gf__fail(GF_ERR_ARG, "batchnorm: eps is %g; it must be finite and > 0", eps);
        return gf__build_fail(g, GF_ERR_ARG);
    }
    gf_op_params p = {.batchnorm = {.momentum = momentum, .eps = eps}};
    return gf__add_node(g, GF_OP_BATCHNORM, 2, in, p);
}

/* The batch's mean and biased variance of features [j0, j1), in double. */
static void block_stats(const float *x, size_t rows, size_t cols, size_t j0, size_t j1,
                        double *mu, double *var)
{
    size_t w = j1 - j0;
    for (size_t j = 0; j < w; j++) mu[j] = var[j] = 0;
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < w; j++) mu[j] += x[r * cols + j0 + j];
    for (size_t j = 0; j < w; j++) mu[j] /= (double)rows;
    /* Two passes: the sum of squared deviations, not E[x^2] - mu^2, which
     * cancels badly when the mean is large against the spread. */
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < w; j++) {
            double d = x[r * cols + j0 + j] - mu[j];
            var[j] += d * d;
        }
    for (size_t j = 0; j < w; j++) var[j] /= (double)rows;
}

static void batch_statistics(const gf_opctx *c, size_t rows, size_t cols, float *mu, float *s)
{
    const float *x = c->in[0].v;
    float *run_mu = c->in[1].v, *run_var = c->in[1].v + cols;
    double m = c->node->p.batchnorm.momentum, eps = c->node->p.batchnorm.eps;
#pragma omp parallel for schedule(static) if (rows * cols >= GF_PAR_MIN && cols > BLOCK)
    for (size_t j0 = 0; j0 < cols; j0 += BLOCK) {
        size_t j1 = j0 + BLOCK < cols ? j0 + BLOCK : cols;
        double bmu[BLOCK], bvar[BLOCK];
        block_stats(x, rows, cols, j0, j1, bmu, bvar);
        for (size_t j = j0; j < j1; j++) {
            mu[j] = (float)bmu[j - j0];
            s[j] = (float)(1.0 / sqrt(bvar[j - j0] + eps));
            if (rows > 1) {
                double unbiased = bvar[j - j0] * (double)rows / (double)(rows - 1);
                run_mu[j] = (float)((1.0 - m) * run_mu[j] + m * bmu[j - j0]);
                run_var[j] = (float)((1.0 - m) * run_var[j] + m * unbiased);
            }
        }
    }
}

gf_status gf__batchnorm_forward(const gf_opctx *c)
{
    size_t cols = gf__tview_cols(&c->in[0]), rows = gf__tview_rows(&c->in[0]);
    float *mu = c->aux, *s = c->aux + cols;
    if (c->training) {
        batch_statistics(c, rows, cols, mu, s);
    } else {
        const float *run = c->in[1].v;
        double eps = c->node->p.batchnorm.eps;
        for (size_t j = 0; j < cols; j++) {
            mu[j] = run[j];
            s[j] = (float)(1.0 / sqrt((double)run[cols + j] + eps));
        }
    }
    const float *x = c->in[0].v;
    float *y = c->out.v;
#pragma omp parallel for schedule(static) if (rows * cols >= GF_PAR_MIN)
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++) y[r * cols + j] = (x[r * cols + j] - mu[j]) * s[j];
    return GF_OK;
}

/* Training: per block of features, mean_b(dy) and mean_b(dy y) over the
 * rows, then every row's dx for those features. */
static void backward_training(const gf_opctx *c, size_t rows, size_t cols, const float *s)
{
    const float *y = c->out.v, *dy = c->out.d;
    float *dx = c->in[0].d;
    bool acc = c->accumulate[0];
#pragma omp parallel for schedule(static) if (rows * cols >= GF_PAR_MIN && cols > BLOCK)
    for (size_t j0 = 0; j0 < cols; j0 += BLOCK) {
        size_t j1 = j0 + BLOCK < cols ? j0 + BLOCK : cols, w = j1 - j0;
        double sdy[BLOCK] = {0}, sdyy[BLOCK] = {0};
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < w; j++) {
                size_t k = r * cols + j0 + j;
                sdy[j] += dy[k];
                sdyy[j] += (double)dy[k] * y[k];
            }
        float mdy[BLOCK], mdyy[BLOCK];
        for (size_t j = 0; j < w; j++) {
            mdy[j] = (float)(sdy[j] / (double)rows);
            mdyy[j] = (float)(sdyy[j] / (double)rows);
        }
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < w; j++) {
                size_t k = r * cols + j0 + j;
                GF_GRAD_PUT(acc, dx[k], s[j0 + j] * (dy[k] - mdy[j] - y[k] * mdyy[j]));
            }
    }
}

void gf__batchnorm_backward(const gf_opctx *c)
{
    size_t cols = gf__tview_cols(&c->in[0]), rows = gf__tview_rows(&c->in[0]);
    const float *s = c->aux + cols;
    if (c->training) {
        backward_training(c, rows, cols, s);
        return;
    }
    const float *dy = c->out.d;
    float *dx = c->in[0].d;
    bool acc = c->accumulate[0];
#pragma omp parallel for schedule(static) if (rows * cols >= GF_PAR_MIN)
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++)
            GF_GRAD_PUT(acc, dx[r * cols + j], s[j] * dy[r * cols + j]);
}

/* The same function in double: in training the batch's statistics,
 * recomputed here, and the running ones are left alone (a gradient check
 * runs this many times); at evaluation the running ones. */
gf_status gf__batchnorm_reference(const gf_refctx *c)
{
    size_t cols = (size_t)c->in[0].dim[c->in[0].ndim - 1], rows = c->in[0].n / cols;
    const double *x = c->in[0].v, *run = c->in[1].v;
    double eps = c->node->p.batchnorm.eps;
    for (size_t j = 0; j < cols; j++) {
        double mu = run[j], var = run[cols + j];
        if (c->training) {
            mu = var = 0;
            for (size_t r = 0; r < rows; r++) mu += x[r * cols + j];
            mu /= (double)rows;
            for (size_t r = 0; r < rows; r++) {
                double d = x[r * cols + j] - mu;
                var += d * d;
            }
            var /= (double)rows;
        }
        double s = 1.0 / sqrt(var + eps);
        for (size_t r = 0; r < rows; r++) c->out.v[r * cols + j] = (x[r * cols + j] - mu) * s;
    }
    return GF_OK;
}
