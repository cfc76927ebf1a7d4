/* The op table: one entry per gf_op, checked against the enum's count. */
#include <math.h>

#include "core/error.h"
#include "ops/ops.h"

#define ENTRY(op, text, nin, shape, fn) \
    [op] = GF_OPDEF(text, nin, shape, gf__##fn##_forward, gf__##fn##_backward, gf__##fn##_reference)
/* An op without a gradient (step, sign): gf_backward refuses to cross it. */
#define FORWARD_ONLY(op, text, nin, shape, fn) \
    [op] = GF_OPDEF(text, nin, shape, gf__##fn##_forward, NULL, gf__##fn##_reference)
#define LEAF(op, text) [op] = GF_OPDEF(text, 0, gf__shape_leaf, NULL, NULL, NULL)

const gf_opdef gf__ops[GF_OP_COUNT] = {
    LEAF(GF_OP_INPUT, "input"),
    LEAF(GF_OP_CONST, "const"),
    LEAF(GF_OP_PARAM, "param"),
    ENTRY(GF_OP_MATMUL, "matmul", 2, gf__shape_matmul, matmul),
    ENTRY(GF_OP_ADD, "add", 2, gf__shape_broadcast, add),
    ENTRY(GF_OP_SUB, "sub", 2, gf__shape_broadcast, sub),
    ENTRY(GF_OP_MUL, "mul", 2, gf__shape_broadcast, mul),
    ENTRY(GF_OP_SCALE, "scale", 1, gf__shape_same, scale),
    ENTRY(GF_OP_SUM, "sum", 1, gf__shape_scalar, sum),
    ENTRY(GF_OP_MEAN, "mean", 1, gf__shape_scalar, mean),
    ENTRY(GF_OP_SIGMOID, "sigmoid", 1, gf__shape_same, sigmoid),
    ENTRY(GF_OP_TANH, "tanh", 1, gf__shape_same, tanh),
    ENTRY(GF_OP_RELU, "relu", 1, gf__shape_same, relu),
    ENTRY(GF_OP_LEAKY_RELU, "leaky_relu", 1, gf__shape_same, leaky_relu),
    ENTRY(GF_OP_ELU, "elu", 1, gf__shape_same, elu),
    ENTRY(GF_OP_SOFTPLUS, "softplus", 1, gf__shape_same, softplus),
    ENTRY(GF_OP_HARDTANH, "hardtanh", 1, gf__shape_same, hardtanh),
    ENTRY(GF_OP_IDENTITY, "identity", 1, gf__shape_same, identity),
    ENTRY(GF_OP_SOFTMAX, "softmax", 1, gf__shape_rowwise, softmax),
    ENTRY(GF_OP_LOG_SOFTMAX, "log_softmax", 1, gf__shape_rowwise, log_softmax),
    ENTRY(GF_OP_MSE, "mse", 2, gf__shape_loss_pair, mse),
    ENTRY(GF_OP_BCE_LOGITS, "bce_logits", 2, gf__shape_loss_pair, bce_logits),
    ENTRY(GF_OP_SOFTMAX_XENT, "softmax_xent", 2, gf__shape_xent, softmax_xent),
    ENTRY(GF_OP_HINGE, "hinge", 2, gf__shape_loss_pair, hinge),
    ENTRY(GF_OP_ABS, "abs", 1, gf__shape_same, abs),
    ENTRY(GF_OP_EXP, "exp", 1, gf__shape_same, exp),
    ENTRY(GF_OP_PRELU, "prelu", 2, gf__shape_broadcast, prelu),
    ENTRY(GF_OP_MAXOUT, "maxout", 1, gf__shape_maxout, maxout),
    ENTRY(GF_OP_SQDIST, "sqdist", 2, gf__shape_sqdist, sqdist),
    FORWARD_ONLY(GF_OP_STEP, "step", 1, gf__shape_same, step),
    FORWARD_ONLY(GF_OP_SIGN, "sign", 1, gf__shape_same, sign),
    LEAF(GF_OP_BUFFER, "buffer"),
    ENTRY(GF_OP_DROPOUT, "dropout", 1, gf__shape_same_aux, dropout),
    ENTRY(GF_OP_NOISE, "noise", 1, gf__shape_same_aux, noise),
    ENTRY(GF_OP_BATCHNORM, "batchnorm", 2, gf__shape_batchnorm, batchnorm),
};

/* Designated initialisers leave a forgotten op as a zeroed entry; the size
 * is pinned to the count here and a test walks the table for NULL names. */
_Static_assert(sizeof gf__ops / sizeof gf__ops[0] == GF_OP_COUNT, "op table size");

const char *gf_op_name(gf_op op)
{
    if ((unsigned)op >= GF_OP_COUNT || !gf__ops[op].name) return "unknown op";
    return gf__ops[op].name;
}

/* The public builders: each adds one node; shapes are checked by the rule
 * in the table. */
static gf_node unary(gf_graph *g, gf_op op, gf_node a, gf_op_params p)
{
    return gf__add_node(g, op, 1, &a, p);
}

static gf_node binary(gf_graph *g, gf_op op, gf_node a, gf_node b)
{
    gf_node in[2] = {a, b};
    gf_op_params none = {0};
    return gf__add_node(g, op, 2, in, none);
}

static const gf_op_params no_params;

gf_node gf_matmul(gf_graph *g, gf_node a, gf_node b) { return binary(g, GF_OP_MATMUL, a, b); }
gf_node gf_add(gf_graph *g, gf_node a, gf_node b) { return binary(g, GF_OP_ADD, a, b); }
gf_node gf_sub(gf_graph *g, gf_node a, gf_node b) { return binary(g, GF_OP_SUB, a, b); }
gf_node gf_mul(gf_graph *g, gf_node a, gf_node b) { return binary(g, GF_OP_MUL, a, b); }
gf_node gf_mse(gf_graph *g, gf_node p, gf_node t) { return binary(g, GF_OP_MSE, p, t); }
gf_node gf_bce_logits(gf_graph *g, gf_node z, gf_node t) { return binary(g, GF_OP_BCE_LOGITS, z, t); }
gf_node gf_softmax_xent(gf_graph *g, gf_node z, gf_node y) { return binary(g, GF_OP_SOFTMAX_XENT, z, y); }
gf_node gf_hinge(gf_graph *g, gf_node z, gf_node t) { return binary(g, GF_OP_HINGE, z, t); }

/* Op constants are checked like any other input: a NaN here would poison
 * every value downstream without a word. */
static bool finite_param(gf_graph *g, gf_op op, const char *what, float v)
{
    if (isfinite(v)) return true;
    if (g && !g->compiled) {
        gf__fail(GF_ERR_ARG, "%s: %s is %g; it must be a finite number", gf_op_name(op), what, v);
        gf__build_fail(g, GF_ERR_ARG);
    }
    return false;
}

gf_node gf_scale(gf_graph *g, gf_node a, float s)
{
    if (!finite_param(g, GF_OP_SCALE, "the factor", s)) return GF_NONE;
    gf_op_params p = {.scale = {.s = s}};
    return unary(g, GF_OP_SCALE, a, p);
}

gf_node gf_leaky_relu(gf_graph *g, gf_node a, float alpha)
{
    if (!finite_param(g, GF_OP_LEAKY_RELU, "alpha", alpha)) return GF_NONE;
    gf_op_params p = {.alpha = {.alpha = alpha}};
    return unary(g, GF_OP_LEAKY_RELU, a, p);
}

gf_node gf_elu(gf_graph *g, gf_node a, float alpha)
{
    if (!finite_param(g, GF_OP_ELU, "alpha", alpha)) return GF_NONE;
    gf_op_params p = {.alpha = {.alpha = alpha}};
    return unary(g, GF_OP_ELU, a, p);
}

gf_node gf_sum(gf_graph *g, gf_node a) { return unary(g, GF_OP_SUM, a, no_params); }
gf_node gf_mean(gf_graph *g, gf_node a) { return unary(g, GF_OP_MEAN, a, no_params); }
gf_node gf_sigmoid(gf_graph *g, gf_node a) { return unary(g, GF_OP_SIGMOID, a, no_params); }
gf_node gf_tanh(gf_graph *g, gf_node a) { return unary(g, GF_OP_TANH, a, no_params); }
gf_node gf_relu(gf_graph *g, gf_node a) { return unary(g, GF_OP_RELU, a, no_params); }
gf_node gf_softplus(gf_graph *g, gf_node a) { return unary(g, GF_OP_SOFTPLUS, a, no_params); }
gf_node gf_hardtanh(gf_graph *g, gf_node a) { return unary(g, GF_OP_HARDTANH, a, no_params); }
gf_node gf_identity(gf_graph *g, gf_node a) { return unary(g, GF_OP_IDENTITY, a, no_params); }
gf_node gf_softmax(gf_graph *g, gf_node a) { return unary(g, GF_OP_SOFTMAX, a, no_params); }
gf_node gf_log_softmax(gf_graph *g, gf_node a) { return unary(g, GF_OP_LOG_SOFTMAX, a, no_params); }

/* Units of seed 004. */
gf_node gf_abs(gf_graph *g, gf_node a) { return unary(g, GF_OP_ABS, a, no_params); }
gf_node gf_exp(gf_graph *g, gf_node a) { return unary(g, GF_OP_EXP, a, no_params); }
gf_node gf_prelu(gf_graph *g, gf_node a, gf_node alpha) { return binary(g, GF_OP_PRELU, a, alpha); }
gf_node gf_sqdist(gf_graph *g, gf_node x, gf_node c) { return binary(g, GF_OP_SQDIST, x, c); }
gf_node gf_step(gf_graph *g, gf_node a) { return unary(g, GF_OP_STEP, a, no_params); }
gf_node gf_sign(gf_graph *g, gf_node a) { return unary(g, GF_OP_SIGN, a, no_params); }

gf_node gf_maxout(gf_graph *g, gf_node a, int k)
{
    /* A group of one is the identity: surely a mistake, so say so. */
    if (k < 2 && g && !g->compiled) {
        gf__fail(GF_ERR_ARG, "maxout: k is %d; a group needs at least 2 features", k);
        return gf__build_fail(g, GF_ERR_ARG);
    }
    gf_op_params p = {.maxout = {.k = k}};
    return unary(g, GF_OP_MAXOUT, a, p);
}
