/* Internal: the functions each family of ops contributes to the op table. */
#ifndef GF_OPS_H
#define GF_OPS_H

#include "graph/internal.h"

#define GF_DECLARE_OP(name)                                 \
    gf_status gf__##name##_forward(const gf_opctx *c);      \
    void gf__##name##_backward(const gf_opctx *c);          \
    gf_status gf__##name##_reference(const gf_refctx *c)

gf_status gf__shape_leaf(const gf_graph *g, gf_nodeinfo *n);
gf_status gf__shape_matmul(const gf_graph *g, gf_nodeinfo *n);
gf_status gf__shape_rowwise(const gf_graph *g, gf_nodeinfo *n);
gf_status gf__shape_xent(const gf_graph *g, gf_nodeinfo *n);
gf_status gf__shape_same_aux(const gf_graph *g, gf_nodeinfo *n);  /* dropout_noise.c */
gf_status gf__shape_batchnorm(const gf_graph *g, gf_nodeinfo *n); /* batchnorm.c */

/* linalg.c */
GF_DECLARE_OP(matmul);
/* arith.c */
GF_DECLARE_OP(add);
GF_DECLARE_OP(sub);
GF_DECLARE_OP(mul);
GF_DECLARE_OP(scale);
GF_DECLARE_OP(sum);
GF_DECLARE_OP(mean);
/* activation.c */
GF_DECLARE_OP(sigmoid);
GF_DECLARE_OP(tanh);
GF_DECLARE_OP(relu);
GF_DECLARE_OP(leaky_relu);
GF_DECLARE_OP(elu);
GF_DECLARE_OP(softplus);
GF_DECLARE_OP(hardtanh);
GF_DECLARE_OP(identity);
/* softmax.c */
GF_DECLARE_OP(softmax);
GF_DECLARE_OP(log_softmax);
/* loss.c */
GF_DECLARE_OP(mse);
GF_DECLARE_OP(bce_logits);
GF_DECLARE_OP(softmax_xent);
GF_DECLARE_OP(hinge);
/* units.c, with the shape rules of maxout and sqdist in shape_rules.c.
 * step and sign are forward only: their table entries have no backward. */
GF_DECLARE_OP(abs);
GF_DECLARE_OP(exp);
GF_DECLARE_OP(prelu);
GF_DECLARE_OP(maxout);
GF_DECLARE_OP(sqdist);
gf_status gf__step_forward(const gf_opctx *c);
gf_status gf__step_reference(const gf_refctx *c);
gf_status gf__sign_forward(const gf_opctx *c);
gf_status gf__sign_reference(const gf_refctx *c);
gf_status gf__shape_maxout(const gf_graph *g, gf_nodeinfo *n);
gf_status gf__shape_sqdist(const gf_graph *g, gf_nodeinfo *n);
/* dropout_noise.c */
GF_DECLARE_OP(dropout);
GF_DECLARE_OP(noise);
/* batchnorm.c */
GF_DECLARE_OP(batchnorm);

/* Numerically stable scalar pieces shared by activations and losses. */
static inline float gf__sigmoidf(float x)
{
    /* Only ever exponentiate a non-positive number, so nothing overflows. */
    if (x >= 0) return 1.0f / (1.0f + __builtin_expf(-x));
    float e = __builtin_expf(x);
    return e / (1.0f + e);
}

static inline double gf__sigmoid(double x)
{
    if (x >= 0) return 1.0 / (1.0 + __builtin_exp(-x));
    double e = __builtin_exp(x);
    return e / (1.0 + e);
}

#endif
