/* Models: a graph with an input, an output, a loss and initialisers. */
#include "nn/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "graph/internal.h"
#include "graph/workspace.h"

static const char *const activation_names[] = {
    [GF_ACT_IDENTITY] = "identity", [GF_ACT_SIGMOID] = "sigmoid",
    [GF_ACT_TANH] = "tanh",         [GF_ACT_RELU] = "relu",
    [GF_ACT_LEAKY_RELU] = "leaky_relu", [GF_ACT_ELU] = "elu",
    [GF_ACT_SOFTPLUS] = "softplus", [GF_ACT_HARDTANH] = "hardtanh",
    [GF_ACT_ABS] = "abs",           [GF_ACT_PRELU] = "prelu",
    [GF_ACT_MAXOUT] = "maxout",     [GF_ACT_RBF] = "rbf",
    [GF_ACT_STEP] = "step",         [GF_ACT_SIGN] = "sign",
};
_Static_assert(sizeof activation_names / sizeof activation_names[0] == GF_ACT_COUNT,
               "an activation has no name");

const char *gf_activation_name(gf_activation a)
{
    return (unsigned)a < GF_ACT_COUNT ? activation_names[a] : "unknown";
}

gf_status gf_activation_parse(const char *text, gf_activation *out)
{
    for (int a = 0; a < GF_ACT_COUNT; a++)
        if (text && strcmp(text, activation_names[a]) == 0) {
            *out = (gf_activation)a;
            return GF_OK;
        }
    return gf__fail(GF_ERR_ARG, "unknown activation '%s' (choose identity, sigmoid, tanh, relu, "
                    "leaky_relu, elu, softplus, hardtanh, abs, prelu, maxout, rbf, step or sign)",
                    text ? text : "(null)");
}

gf_node gf_activate(gf_graph *g, gf_node x, gf_activation a)
{
    switch (a) {
    case GF_ACT_IDENTITY: return x;
    case GF_ACT_SIGMOID: return gf_sigmoid(g, x);
    case GF_ACT_TANH: return gf_tanh(g, x);
    case GF_ACT_RELU: return gf_relu(g, x);
    case GF_ACT_LEAKY_RELU: return gf_leaky_relu(g, x, 0.01f);
    case GF_ACT_ELU: return gf_elu(g, x, 1.0f);
    case GF_ACT_SOFTPLUS: return gf_softplus(g, x);
    case GF_ACT_HARDTANH: return gf_hardtanh(g, x);
    case GF_ACT_ABS: return gf_abs(g, x);
    case GF_ACT_STEP: return gf_step(g, x);
    case GF_ACT_SIGN: return gf_sign(g, x);
    case GF_ACT_PRELU:
    case GF_ACT_MAXOUT:
    case GF_ACT_RBF:
        gf__fail(GF_ERR_ARG, "activation: %s has parameters or changes the layer's width; use "
                 "it as a layer option (gf_dense_layer)", gf_activation_name(a));
        return g ? gf__build_fail(g, GF_ERR_ARG) : GF_NONE;
    case GF_ACT_COUNT: break;
    }
    gf__fail(GF_ERR_ARG, "activation: unknown activation %d", (int)a);
    return g ? gf__build_fail(g, GF_ERR_ARG) : GF_NONE;
}

gf_model *gf_model_new(int inputs)
{
    if (inputs < 1) {
        gf__fail(GF_ERR_ARG, "model: %d inputs; a model needs at least one", inputs);
        return NULL;
    }
    gf_model *m = gf__calloc(1, sizeof *m, "model");
    if (!m) return NULL;
    m->g = gf_graph_new();
    if (!m->g) {
        free(m);
        return NULL;
    }
    m->inputs = inputs;
    m->input = gf_input(m->g, "input", 1, (int64_t[]){inputs});
    m->target = m->output = m->loss = GF_NONE;
    gf_rng_seed(&m->rng, 0);
    return m;
}

void gf_model_free(gf_model *m)
{
    if (!m) return;
    gf_workspace_free(m->ws);
    gf_graph_free(m->g);
    free(m->inits);
    free(m);
}

gf_graph *gf_model_graph(gf_model *m) { return m ? m->g : NULL; }
gf_node gf_model_input(const gf_model *m) { return m ? m->input : GF_NONE; }
gf_node gf_model_output(const gf_model *m) { return m ? m->output : GF_NONE; }
gf_node gf_model_loss(const gf_model *m) { return m ? m->loss : GF_NONE; }

gf_node gf__model_track(gf_model *m, gf_node p, gf_param_init how)
{
    if (p == GF_NONE) return GF_NONE;
    if (m->n_inits == m->cap_inits) {
        int cap = m->cap_inits ? 2 * m->cap_inits : 8;
        gf_param_init *grown = realloc(m->inits, (size_t)cap * sizeof *grown);
        if (!grown) {
            gf__fail(GF_ERR_NOMEM, "param '%s': out of memory", gf_node_name(m->g, p));
            return gf__build_fail(m->g, GF_ERR_NOMEM);
        }
        m->inits = grown;
        m->cap_inits = cap;
    }
    how.node = p;
    m->inits[m->n_inits++] = how;
    return p;
}

gf_node gf_model_param(gf_model *m, const char *name, int rows, int cols, gf_init init)
{
    if (!m) return GF_NONE;
    if ((unsigned)init >= GF_INIT_COUNT) {
        gf__fail(GF_ERR_ARG, "param '%s': unknown initialiser %d", name ? name : "", (int)init);
        return gf__build_fail(m->g, GF_ERR_ARG);
    }
    if (rows < 0) {
        gf__fail(GF_ERR_SHAPE, "param '%s': %d rows", name ? name : "", rows);
        return gf__build_fail(m->g, GF_ERR_SHAPE);
    }
    gf_node p = rows == 0 ? gf_param(m->g, name, 1, (int64_t[]){cols})
                          : gf_param(m->g, name, 2, (int64_t[]){rows, cols});
    /* Matrices are weights, penalised by L1 and L2; vectors (biases,
     * scales) are not. */
    return gf__model_track(m, p, (gf_param_init){
        .fill = GF_FILL_INIT, .init = init, .fan_in = rows ? (size_t)rows : 1,
        .fan_out = (size_t)cols, .role = rows ? GF_PARAM_WEIGHT : GF_PARAM_BIAS});
}

gf_node gf_dense(gf_model *m, gf_node x, int units, gf_activation act)
{
    gf_layer_opts o = GF_LAYER_OPTS_DEFAULT;
    o.act = act;
    return gf_dense_layer(m, x, units, &o);
}

/* The graph's first build error, with its message, for calls that find a
 * GF_NONE where a node should be. */
static gf_status build_error(const gf_model *m, const char *what)
{
    if (m->g->error != GF_OK) return gf__fail(m->g->error, "%s", m->g->error_msg);
    return gf__fail(GF_ERR_ARG, "%s: the node is GF_NONE", what);
}

gf_status gf_model_set_loss(gf_model *m, gf_node output, gf_loss loss)
{
    if (!m) return gf__fail(GF_ERR_ARG, "set_loss: model is NULL");
    if (m->loss != GF_NONE) return gf__fail(GF_ERR_STATE, "set_loss: the model already has a loss");
    if (output == GF_NONE) return build_error(m, "set_loss: output");
    int64_t dims[GF_MAX_DIMS + 1];
    int nd = gf_node_shape(m->g, output, dims);
    if (nd < 0) return gf__fail(GF_ERR_ARG, "set_loss: node %d does not exist", (int)output);
    if ((unsigned)loss >= GF_LOSS_COUNT) return gf__fail(GF_ERR_ARG, "set_loss: unknown loss %d", (int)loss);
    /* Check what the loss builders would refuse before adding the target
     * input, so that a failed call leaves the graph as it was. */
    if (!gf_node_batched(m->g, output))
        return gf__fail(GF_ERR_SHAPE, "set_loss: the output (node %d, %s) has no batch "
                        "dimension; a model's output is computed from its input", (int)output,
                        gf_op_name(gf_node_op(m->g, output)));
    if (loss == GF_LOSS_SOFTMAX_XENT && (nd != 2 || dims[1] < 2))
        return gf__fail(GF_ERR_SHAPE, "set_loss: softmax cross-entropy needs a (batch, classes) "
                        "output with at least 2 classes; node %d has %d dimensions%s", (int)output,
                        nd, nd == 2 ? " and 1 class" : "");
    gf_node y;
    switch (loss) {
    case GF_LOSS_MSE:
    case GF_LOSS_BCE_LOGITS:
    case GF_LOSS_HINGE:
        /* Targets shaped like one example's output. */
        y = gf_input(m->g, "target", nd - 1, dims + 1);
        m->loss = loss == GF_LOSS_MSE ? gf_mse(m->g, output, y)
                : loss == GF_LOSS_HINGE ? gf_hinge(m->g, output, y)
                                        : gf_bce_logits(m->g, output, y);
        break;
    case GF_LOSS_SOFTMAX_XENT:
        y = gf_input(m->g, "target", 1, (int64_t[]){1});
        m->loss = m->label_smoothing > 0 ? gf_softmax_xent_smooth(m->g, output, y, m->label_smoothing)
                                         : gf_softmax_xent(m->g, output, y);
        break;
    default:
        return gf__fail(GF_ERR_ARG, "set_loss: unknown loss %d", (int)loss);
    }
    m->target = y;
    m->output = output;
    m->loss_kind = loss;
    return m->loss == GF_NONE ? build_error(m, "set_loss: loss") : GF_OK;
}

gf_status gf_model_set_label_smoothing(gf_model *m, float eps)
{
    if (!m) return gf__fail(GF_ERR_ARG, "label smoothing: model is NULL");
    if (m->loss != GF_NONE)
        return gf__fail(GF_ERR_STATE, "label smoothing: set it before gf_model_set_loss");
    if (!(eps >= 0 && eps < 1))
        return gf__fail(GF_ERR_ARG, "label smoothing %g is outside [0, 1)", eps);
    m->label_smoothing = eps;
    return GF_OK;
}

/* Fill one tracked parameter or buffer as its record says. */
static gf_status fill_param(gf_model *m, const gf_param_init *pi)
{
    float *v = gf_param_value(m->g, pi->node);
    size_t n = gf_node_size(m->g, pi->node);
    switch (pi->fill) {
    case GF_FILL_CONST:
        for (size_t i = 0; i < n; i++) v[i] = pi->value;
        return GF_OK;
    case GF_FILL_RUNNING:
        for (size_t i = 0; i < n; i++) v[i] = i < n / 2 ? 0.0f : 1.0f;
        return GF_OK;
    case GF_FILL_INIT: break;
    }
    return gf_init_fill(v, n, pi->fan_in, pi->fan_out, pi->init, &m->rng);
}

gf_status gf_model_compile(gf_model *m, int max_batch, uint64_t seed)
{
    if (!m) return gf__fail(GF_ERR_ARG, "compile: model is NULL");
    /* Everything that can be wrong is checked before the graph is frozen,
     * so a failed compile leaves a model that can still be built on. */
    if (m->g->error != GF_OK) return build_error(m, "compile");
    if (m->loss == GF_NONE)
        return gf__fail(GF_ERR_STATE, "compile: the model has no loss; call gf_model_set_loss first");
    if (max_batch < 1) return gf__fail(GF_ERR_ARG, "compile: largest batch %d is not positive", max_batch);
    gf_status s = gf_graph_compile(m->g);
    if (s != GF_OK) return s;
    gf_workspace *ws = NULL;
    if ((s = gf__workspace_make(m->g, max_batch, &ws)) != GF_OK) return s;
    gf_workspace_free(m->ws);
    m->ws = ws;
    gf_rng_seed(&m->rng, seed);
    for (int i = 0; i < m->n_inits; i++) {
        s = fill_param(m, &m->inits[i]);
        if (s != GF_OK) return s;
    }
    return GF_OK;
}

gf_status gf_model_set_max_batch(gf_model *m, int max_batch)
{
    if (!m) return gf__fail(GF_ERR_ARG, "set_max_batch: model is NULL");
    if (!m->ws) return gf__fail(GF_ERR_STATE, "set_max_batch: compile the model first");
    if (max_batch < 1) return gf__fail(GF_ERR_ARG, "set_max_batch: largest batch %d is not positive", max_batch);
    gf_workspace *ws = NULL;
    gf_status s = gf__workspace_make(m->g, max_batch, &ws); /* a batch too large, or memory */
    if (s != GF_OK) return s;
    gf_workspace_free(m->ws);
    m->ws = ws;
    return GF_OK;
}
