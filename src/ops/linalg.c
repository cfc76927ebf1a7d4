/* Matrix product Y = A B, with A (m, k) and B (k, n); m may be the batch.
 *   dA = dY B^T      dB = A^T dY */
#include "kernels/kernels.h"
#include "ops/ops.h"

/* Sizes fit an int: leaves are capped at 2^31 elements when built. */
static int cols_of(const gf_tview *t) { return (int)gf__tview_cols(t); }
static int rows_of(const gf_tview *t) { return (int)gf__tview_rows(t); }

gf_status gf__matmul_forward(const gf_opctx *c)
{
    int m = rows_of(&c->in[0]), k = cols_of(&c->in[0]), n = cols_of(&c->in[1]);
    gf__gemm(false, false, m, n, k, 1.0f, c->in[0].v, c->in[1].v, false, c->out.v);
    return GF_OK;
}

void gf__matmul_backward(const gf_opctx *c)
{
    int m = rows_of(&c->in[0]), k = cols_of(&c->in[0]), n = cols_of(&c->in[1]);
    if (c->in[0].d)
        gf__gemm(false, true, m, k, n, 1.0f, c->out.d, c->in[1].v, c->accumulate[0], c->in[0].d);
    if (c->in[1].d)
        gf__gemm(true, false, k, n, m, 1.0f, c->in[0].v, c->out.d, c->accumulate[1], c->in[1].d);
}

gf_status gf__matmul_reference(const gf_refctx *c)
{
    size_t k = (size_t)c->in[0].dim[c->in[0].ndim - 1], n = (size_t)c->in[1].dim[1];
    size_t m = c->in[0].n / k;
    const double *a = c->in[0].v, *b = c->in[1].v;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
            c->out.v[i * n + j] = s;
        }
    return GF_OK;
}
