/* Element-wise arithmetic with broadcasting of the right operand, scaling,
 * and reductions to a scalar.
 *
 * Broadcasting: b holds nb elements that repeat every nb elements of a
 * (nb == n when the shapes are equal), so b's gradient sums a's over the
 * repeats: db[j] = sum over r of (dY ...)[r nb + j]. */
#include "kernels/kernels.h"
#include "ops/ops.h"

gf_status gf__add_forward(const gf_opctx *c)
{
    const float *a = c->in[0].v, *b = c->in[1].v;
    float *y = c->out.v;
    size_t n = c->out.n, nb = c->in[1].n;
    if (nb == n) {
        GF_PARALLEL_FOR_N
        for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
    } else {
        for (size_t r = 0; r < n; r += nb)
            for (size_t j = 0; j < nb; j++) y[r + j] = a[r + j] + b[j];
    }
    return GF_OK;
}

/* Shared by add (sign +1) and sub (sign -1). */
static void add_sub_backward(const gf_opctx *c, float sign)
{
    const float *dy = c->out.d;
    size_t n = c->out.n, nb = c->in[1].n;
    if (c->in[0].d) GF_STORE_GRAD(c->accumulate[0], c->in[0].d, dy[i]);
    if (c->in[1].d) {
        float *db = c->in[1].d;
        bool acc = c->accumulate[1];
        if (sign > 0) {
            gf__colsum(n / nb, nb, dy, NULL, acc, db);
        } else {
            /* db = -colsum(dy): sum first, then negate what this op added. */
            for (size_t j = 0; j < nb; j++) {
                double s = 0;
                for (size_t r = 0; r < n; r += nb) s += dy[r + j];
                GF_GRAD_PUT(acc, db[j], (float)-s);
            }
        }
    }
}

void gf__add_backward(const gf_opctx *c) { add_sub_backward(c, 1.0f); }

gf_status gf__sub_forward(const gf_opctx *c)
{
    const float *a = c->in[0].v, *b = c->in[1].v;
    float *y = c->out.v;
    size_t n = c->out.n, nb = c->in[1].n;
    for (size_t r = 0; r < n; r += nb)
        for (size_t j = 0; j < nb; j++) y[r + j] = a[r + j] - b[j];
    return GF_OK;
}

void gf__sub_backward(const gf_opctx *c) { add_sub_backward(c, -1.0f); }

gf_status gf__mul_forward(const gf_opctx *c)
{
    const float *a = c->in[0].v, *b = c->in[1].v;
    float *y = c->out.v;
    size_t n = c->out.n, nb = c->in[1].n;
    for (size_t r = 0; r < n; r += nb)
        for (size_t j = 0; j < nb; j++) y[r + j] = a[r + j] * b[j];
    return GF_OK;
}

void gf__mul_backward(const gf_opctx *c)
{
    const float *a = c->in[0].v, *b = c->in[1].v, *dy = c->out.d;
    size_t n = c->out.n, nb = c->in[1].n;
    if (c->in[0].d) {
        float *da = c->in[0].d;
        bool acc = c->accumulate[0];
        for (size_t r = 0; r < n; r += nb)
            for (size_t j = 0; j < nb; j++) GF_GRAD_PUT(acc, da[r + j], dy[r + j] * b[j]);
    }
    if (c->in[1].d) gf__colsum(n / nb, nb, dy, a, c->accumulate[1], c->in[1].d);
}

gf_status gf__scale_forward(const gf_opctx *c)
{
    const float *a = c->in[0].v;
    float *y = c->out.v, s = c->node->p.scale.s;
    size_t n = c->out.n;
    GF_PARALLEL_FOR_N
    for (size_t i = 0; i < n; i++) y[i] = s * a[i];
    return GF_OK;
}

void gf__scale_backward(const gf_opctx *c)
{
    const float *dy = c->out.d;
    float s = c->node->p.scale.s;
    size_t n = c->out.n;
    GF_STORE_GRAD(c->accumulate[0], c->in[0].d, s * dy[i]);
}

gf_status gf__sum_forward(const gf_opctx *c)
{
    c->out.v[0] = (float)gf__sum(c->in[0].n, c->in[0].v);
    return GF_OK;
}

gf_status gf__mean_forward(const gf_opctx *c)
{
    c->out.v[0] = (float)(gf__sum(c->in[0].n, c->in[0].v) / (double)c->in[0].n);
    return GF_OK;
}

/* Every element receives the same share: dy for sum, dy / n for mean. */
static void fill_backward(const gf_opctx *c, float share)
{
    size_t n = c->in[0].n;
    GF_STORE_GRAD(c->accumulate[0], c->in[0].d, share);
}

void gf__sum_backward(const gf_opctx *c) { fill_backward(c, c->out.d[0]); }
void gf__mean_backward(const gf_opctx *c) { fill_backward(c, c->out.d[0] / (float)c->in[0].n); }

/* Reference forwards, in double. */
#define REF_BROADCAST(name, expr)                                          \
    gf_status gf__##name##_reference(const gf_refctx *c)                   \
    {                                                                      \
        size_t n = c->out.n, nb = c->in[1].n;                              \
        for (size_t i = 0; i < n; i++) {                                   \
            double a = c->in[0].v[i], b = c->in[1].v[i % nb];              \
            c->out.v[i] = (expr);                                          \
        }                                                                  \
        return GF_OK;                                                      \
    }
REF_BROADCAST(add, a + b)
REF_BROADCAST(sub, a - b)
REF_BROADCAST(mul, a * b)

gf_status gf__scale_reference(const gf_refctx *c)
{
    for (size_t i = 0; i < c->out.n; i++) c->out.v[i] = c->node->p.scale.s * c->in[0].v[i];
    return GF_OK;
}

gf_status gf__sum_reference(const gf_refctx *c)
{
    double s = 0;
    for (size_t i = 0; i < c->in[0].n; i++) s += c->in[0].v[i];
    c->out.v[0] = s;
    return GF_OK;
}

gf_status gf__mean_reference(const gf_refctx *c)
{
    gf__sum_reference(c);
    c->out.v[0] /= (double)c->in[0].n;
    return GF_OK;
}
