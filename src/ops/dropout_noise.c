/* The random regularisers of seed 004, active only in training mode; at
 * evaluation both pass their input through.
 *   dropout  y = x m,  m = 1 / (1 - p) with probability 1 - p, else 0
 *            (inverted, so evaluation needs no rescaling); dx = dy m
 *   noise    y = x + e,  e ~ N(0, sigma^2) drawn anew at each forward;
 *            dx = dy
 * The training forward keeps m or e in the node's aux buffer, one float per
 * element: the backward and the double reference forward reuse them, so
 * gradient checks differentiate the very function the float pass computed.
 * Draws are made in element order on one thread, so the same generator
 * state gives the same mask and noise whatever the thread count. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "kernels/kernels.h"
#include "ops/ops.h"

/* Output like the input, and one aux float per element. */
gf_status gf__shape_same_aux(const gf_graph *g, gf_nodeinfo *n)
{
    gf_status s = gf__shape_same(g, n);
    size_t size = gf__shape_size(&n->shape);
    if (n->shape.batched) n->aux_row = size;
    else n->aux_fixed = size;
    return s;
}

static gf_node bad_constant(gf_graph *g, gf_op op, const char *what, float v, const char *range)
{
    gf__fail(GF_ERR_ARG, "%s: %s is %g; it must be %s", gf_op_name(op), what, v, range);
    return gf__build_fail(g, GF_ERR_ARG);
}

gf_node gf_dropout(gf_graph *g, gf_node a, float p)
{
    if (!gf__inputs_ok(g, GF_OP_DROPOUT, 1, &a)) return GF_NONE;
    if (!(p >= 0.0f && p < 1.0f)) return bad_constant(g, GF_OP_DROPOUT, "p", p, "in [0, 1)");
    gf_op_params prm = {.dropout = {.p = p}};
    return gf__add_node(g, GF_OP_DROPOUT, 1, &a, prm);
}

gf_node gf_noise(gf_graph *g, gf_node a, float sigma)
{
    if (!gf__inputs_ok(g, GF_OP_NOISE, 1, &a)) return GF_NONE;
    if (!(sigma >= 0.0f && isfinite(sigma)))
        return bad_constant(g, GF_OP_NOISE, "sigma", sigma, "finite and >= 0");
    gf_op_params prm = {.noise = {.sigma = sigma}};
    return gf__add_node(g, GF_OP_NOISE, 1, &a, prm);
}

/* ---- dropout ---- */

/* Each 64-bit draw decides two elements, one per 32-bit half: an element
 * is dropped when its half is below t = round(p 2^32), which happens with
 * probability t / 2^32, within 2^-33 of p (finer than a float p near 1
 * can be told apart).  xoshiro256**'s scrambler makes every bit of the
 * output equally good, the low half included. */
static void draw_mask(gf_rng *rng, float p, float *mask, size_t n)
{
    float kept = 1.0f / (1.0f - p);
    uint64_t t = (uint64_t)llround((double)p * 4294967296.0); /* < 2^32: p < 1 */
    if (t == 0) { /* p = 0 keeps everything and draws nothing */
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        return;
    }
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        uint64_t r = gf_rng_u64(rng);
        mask[i] = (r & 0xffffffffu) >= t ? kept : 0.0f;
        mask[i + 1] = (r >> 32) >= t ? kept : 0.0f;
    }
    if (i < n) mask[i] = (gf_rng_u64(rng) & 0xffffffffu) >= t ? kept : 0.0f;
}

gf_status gf__dropout_forward(const gf_opctx *c)
{
    const float *x = c->in[0].v;
    float *y = c->out.v;
    size_t n = c->out.n;
    if (!c->training) {
        memcpy(y, x, n * sizeof *y);
        return GF_OK;
    }
    const float *mask = c->aux;
    draw_mask(c->rng, c->node->p.dropout.p, c->aux, n);
    GF_PARALLEL_FOR_N
    for (size_t i = 0; i < n; i++) y[i] = x[i] * mask[i];
    return GF_OK;
}

void gf__dropout_backward(const gf_opctx *c)
{
    const float *dy = c->out.d, *mask = c->aux;
    size_t n = c->out.n;
    if (c->training) GF_STORE_GRAD(c->accumulate[0], c->in[0].d, dy[i] * mask[i]);
    else GF_STORE_GRAD(c->accumulate[0], c->in[0].d, dy[i]);
}

gf_status gf__dropout_reference(const gf_refctx *c)
{
    for (size_t i = 0; i < c->out.n; i++)
        c->out.v[i] = c->training ? c->in[0].v[i] * c->aux[i] : c->in[0].v[i];
    return GF_OK;
}

/* ---- Gaussian noise ---- */

/* sigma times standard normals, by Marsaglia's polar method keeping both
 * normals of each accepted pair (they are independent), so a pair costs
 * about 2.55 64-bit draws, one log and one square root.  Exact: the
 * uniforms have 53 bits, as gf_rng_normal's. */
static void draw_normals(gf_rng *rng, double sigma, float *e, size_t n)
{
    if (sigma == 0) { /* draws nothing: the noise is exactly zero */
        memset(e, 0, n * sizeof *e);
        return;
    }
    for (size_t i = 0; i < n; i += 2) {
        double a, b;
        gf__rng_normal_pair(rng, &a, &b);
        e[i] = (float)(sigma * a);
        if (i + 1 < n) e[i + 1] = (float)(sigma * b);
    }
}

gf_status gf__noise_forward(const gf_opctx *c)
{
    const float *x = c->in[0].v;
    float *y = c->out.v;
    size_t n = c->out.n;
    if (!c->training) {
        memcpy(y, x, n * sizeof *y);
        return GF_OK;
    }
    const float *e = c->aux;
    draw_normals(c->rng, c->node->p.noise.sigma, c->aux, n);
    GF_PARALLEL_FOR_N
    for (size_t i = 0; i < n; i++) y[i] = x[i] + e[i];
    return GF_OK;
}

void gf__noise_backward(const gf_opctx *c)
{
    const float *dy = c->out.d;
    size_t n = c->out.n;
    GF_STORE_GRAD(c->accumulate[0], c->in[0].d, dy[i]);
}

gf_status gf__noise_reference(const gf_refctx *c)
{
    for (size_t i = 0; i < c->out.n; i++)
        c->out.v[i] = c->training ? c->in[0].v[i] + c->aux[i] : c->in[0].v[i];
    return GF_OK;
}
