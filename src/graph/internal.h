/* Internal: the graph's data structures, shared by the engine and the ops. */
#ifndef GF_GRAPH_INTERNAL_H
#define GF_GRAPH_INTERNAL_H

#include <stdbool.h>

#include "core/error.h"
#include "grafo/graph.h"
#include "tensor/tensor.h"

#define GF_MAX_INPUTS 2

/* Typed parameters, one struct per op that has any. */
typedef struct gf_scale_params { float s; } gf_scale_params;
typedef struct gf_alpha_params { float alpha; } gf_alpha_params; /* leaky ReLU, ELU */
typedef struct gf_maxout_params { int k; } gf_maxout_params; /* features per group, >= 2 */
typedef struct gf_xent_params { float eps; } gf_xent_params; /* label smoothing, 0 = none */
typedef struct gf_dropout_params { float p; } gf_dropout_params;
typedef struct gf_noise_params { float sigma; } gf_noise_params;
typedef struct gf_batchnorm_params { float momentum, eps; } gf_batchnorm_params;

typedef union gf_op_params {
    gf_scale_params scale;
    gf_alpha_params alpha;
    gf_maxout_params maxout;
    gf_xent_params xent;
    gf_dropout_params dropout;
    gf_noise_params noise;
    gf_batchnorm_params batchnorm;
} gf_op_params;

typedef struct gf_nodeinfo {
    gf_op op;
    gf_op_params p;
    int n_in;
    gf_node in[GF_MAX_INPUTS];
    gf_shape shape;
    size_t size;         /* elements per example (whole tensor if unbatched) */
    char *name;          /* owned; NULL if unnamed */
    bool needs_grad;     /* a parameter flows into this node */
    size_t param_offset; /* parameters and buffers: where the values start in the block */
    /* Auxiliary floats the op keeps between its forward and backward (a
     * dropout mask, noise draws, batch statistics): aux_row per row of the
     * batch (batched nodes only) plus aux_fixed, set by the shape rule and
     * allocated with the workspace. */
    size_t aux_row, aux_fixed;
} gf_nodeinfo;

struct gf_graph {
    gf_nodeinfo *nodes;
    int n_nodes, cap_nodes;
    bool compiled;
    gf_status error;      /* first build error (sticky), GF_OK if none */
    char error_msg[GF__ERRMSG_MAX]; /* its message: kept in place, since copying
                                       it could fail and lose it */
    float *params;        /* (n_params) all parameter values, after compile */
    size_t n_params;
};

typedef struct gf_opctx {
    const gf_nodeinfo *node;
    gf_tview in[GF_MAX_INPUTS];
    gf_tview out;
    /* Backward: accumulate[i] says in[i].d already holds another consumer's
     * contribution, so add to it; otherwise overwrite it. */
    bool accumulate[GF_MAX_INPUTS];
    float *aux;    /* the node's auxiliary floats; NULL if it has none */
    /* Forward: the workspace's mode; backward: the mode of the forward
     * whose values it differentiates. */
    bool training;
    gf_rng *rng;   /* the caller's generator in training, else NULL */
} gf_opctx;

/* The reference forward reproduces the float forward's function: the same
 * mode, and the random draws the float forward left in aux. */
typedef struct gf_refctx {
    const gf_nodeinfo *node;
    gf_rview in[GF_MAX_INPUTS];
    gf_rview out;
    const float *aux;
    bool training;
} gf_refctx;

/* One entry of the op table. */
typedef struct gf_opdef {
    const char *name;
    int n_in;
    /* Set n->shape from the inputs' shapes, or fail naming op and shapes. */
    gf_status (*shape)(const gf_graph *g, gf_nodeinfo *n);
    gf_status (*forward)(const gf_opctx *c);
    void (*backward)(const gf_opctx *c);
    gf_status (*reference)(const gf_refctx *c);
} gf_opdef;

extern const gf_opdef gf__ops[GF_OP_COUNT];

/* Families of ops define their entries; op_table.c gathers them. */
#define GF_OPDEF(op_name, nin, shape_fn, fwd, bwd, ref) \
    { .name = op_name, .n_in = nin, .shape = shape_fn, .forward = fwd, .backward = bwd, .reference = ref }

/* Adding a node: the builders in ops/ call this after validating inputs. */
gf_node gf__add_node(gf_graph *g, gf_op op, int n_in, const gf_node *in, gf_op_params p);
/* Check that a builder's inputs exist; sticky-error aware. */
bool gf__inputs_ok(gf_graph *g, gf_op op, int n_in, const gf_node *in);
/* Record a build error on the graph (sticky) and return GF_NONE; the
 * thread's message must already be set. */
gf_node gf__build_fail(gf_graph *g, gf_status s);
const gf_nodeinfo *gf__node(const gf_graph *g, gf_node n);
/* Parameters and buffers: nodes whose values live in the graph's block. */
static inline bool gf__in_param_block(const gf_nodeinfo *n)
{
    return n->op == GF_OP_PARAM || n->op == GF_OP_BUFFER;
}

/* Shape rules shared by several ops. */
gf_status gf__shape_same(const gf_graph *g, gf_nodeinfo *n);          /* unary: out = in */
gf_status gf__shape_broadcast(const gf_graph *g, gf_nodeinfo *n);     /* a (op) b */
gf_status gf__shape_scalar(const gf_graph *g, gf_nodeinfo *n);        /* reduce to scalar */
gf_status gf__shape_loss_pair(const gf_graph *g, gf_nodeinfo *n);     /* pred, target */

/* Store a gradient contribution: overwrite or accumulate. */
#define GF_GRAD_PUT(acc, dst, val) \
    do { if (acc) (dst) += (val); else (dst) = (val); } while (0)

#endif
