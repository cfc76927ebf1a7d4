/* Forward and backward passes: the seeds' Algorithms 5.3 and 5.4. */
#include <string.h>

#include "core/error.h"
#include "graph/workspace.h"

static gf_status check_node(const gf_workspace *ws, gf_node n, const char *what)
{
    if (!ws) return gf__fail(GF_ERR_ARG, "%s: workspace is NULL", what);
    if (n < 0 || n >= ws->g->n_nodes)
        return gf__fail(GF_ERR_ARG, "%s: node %d does not exist (graph has %d)", what, (int)n,
                        ws->g->n_nodes);
    return GF_OK;
}

static void make_ctx(const gf_workspace *ws, gf_node id, gf_opctx *c)
{
    const gf_nodeinfo *n = &ws->g->nodes[id];
    memset(c, 0, sizeof *c);
    c->node = n;
    for (int i = 0; i < n->n_in; i++) gf__view(ws, n->in[i], &c->in[i]);
    gf__view(ws, id, &c->out);
    c->aux = ws->aux[id];
    c->training = ws->forward_training;
    c->rng = ws->forward_training ? ws->rng : NULL;
}

/* v(i) <- f_i(v(a_1), ..., v(a_m)) for i = 1..upto, in creation order. */
gf_status gf_forward(gf_workspace *ws, gf_node upto)
{
    gf_status s = check_node(ws, upto, "forward");
    if (s != GF_OK) return s;
    ws->forward_training = ws->training; /* backward differentiates this mode */
    for (gf_node i = 0; i <= upto; i++) {
        const gf_nodeinfo *n = &ws->g->nodes[i];
        if (n->n_in == 0) continue; /* leaves hold what the caller put there */
        gf_opctx c;
        make_ctx(ws, i, &c);
        s = gf__ops[n->op].forward(&c);
        if (s != GF_OK) {
            gf__errctx("forward, node %d (%s)", (int)i, gf_op_name(n->op));
            return s;
        }
    }
    return GF_OK;
}

/* Ops without a backward (step, sign) cannot pass a gradient on.  Walk the
 * nodes a gradient from the loss would reach, as gf_backward does, and
 * fail on the first such op found before any gradient is written, so a
 * failed backward leaves every gradient as the last good one left it.
 * Only nodes that need a gradient are reached, so step applied to the
 * data alone is no obstacle. */
static gf_status check_differentiable(gf_workspace *ws, gf_node loss)
{
    const gf_graph *g = ws->g;
    unsigned char *reached = ws->written; /* scratch: gf_backward resets it */
    memset(reached, 0, (size_t)g->n_nodes);
    reached[loss] = 1;
    for (gf_node i = loss; i >= 0; i--) {
        const gf_nodeinfo *n = &g->nodes[i];
        if (!reached[i] || n->n_in == 0) continue;
        if (!gf__ops[n->op].backward) {
            const char *name = n->name ? n->name : "";
            return gf__fail(GF_ERR_STATE, "backward: node %d (%s)%s%s%s lies between the loss "
                            "(node %d) and a parameter, but step and sign have no gradient: "
                            "they are for prediction (e.g. the perceptron's output), not for "
                            "training; train through a smooth unit (sigmoid, tanh) and apply "
                            "%s only to predict", (int)i, gf_op_name(n->op), *name ? " '" : "",
                            name, *name ? "'" : "", (int)loss, gf_op_name(n->op));
        }
        for (int k = 0; k < n->n_in; k++)
            if (g->nodes[n->in[k]].needs_grad) reached[n->in[k]] = 1;
    }
    return GF_OK;
}

/* d(N) <- 1; then for i = N-1 down to 1, d(i) <- sum over consumers j of
 * d(j) df_j/di.  Each op adds its share into its inputs' gradients; the
 * first consumer reached (the last one created) overwrites instead, so no
 * pass is spent zeroing gradients. */
gf_status gf_backward(gf_workspace *ws, gf_node loss)
{
    gf_status s = check_node(ws, loss, "backward");
    if (s != GF_OK) return s;
    const gf_graph *g = ws->g;
    const gf_nodeinfo *ln = &g->nodes[loss];
    if (ln->shape.batched || ln->size != 1) {
        char buf[GF_SHAPE_STR_MAX];
        return gf__fail(GF_ERR_SHAPE, "backward: node %d (%s) has shape %s; backward starts "
                        "from a scalar such as a loss", (int)loss, gf_op_name(ln->op),
                        gf__shape_str(&ln->shape, buf, sizeof buf));
    }
    if (!ln->needs_grad)
        return gf__fail(GF_ERR_STATE, "backward: node %d (%s) does not depend on any parameter",
                        (int)loss, gf_op_name(ln->op));
    s = check_differentiable(ws, loss);
    if (s != GF_OK) return s;

    memset(ws->written, 0, (size_t)g->n_nodes);
    ws->grad[loss][0] = 1.0f;
    ws->written[loss] = 1;
    for (gf_node i = loss; i >= 0; i--) {
        const gf_nodeinfo *n = &g->nodes[i];
        if (!ws->written[i] || n->n_in == 0) continue; /* no gradient reaches it, or a leaf */
        gf_opctx c;
        make_ctx(ws, i, &c);
        bool any = false;
        for (int k = 0; k < n->n_in; k++) {
            gf_node j = n->in[k];
            if (!g->nodes[j].needs_grad) {
                c.in[k].d = NULL; /* e.g. the data: its gradient is never needed */
                continue;
            }
            /* Sequential on purpose: if both slots are the same node, the
             * op fills slot 0 first and slot 1 must then accumulate. */
            c.accumulate[k] = ws->written[j];
            ws->written[j] = 1;
            any = true;
        }
        if (any) gf__ops[n->op].backward(&c);
    }
    /* Parameters the loss does not reach get a zero gradient, not last
     * step's leftovers. */
    for (gf_node i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == GF_OP_PARAM && !ws->written[i])
            memset(ws->grad[i], 0, g->nodes[i].size * sizeof(float));
    return GF_OK;
}
