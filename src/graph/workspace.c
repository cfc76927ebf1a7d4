/* Workspaces: one arena for every activation and gradient, carved once. */
#include "graph/workspace.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* 16 floats = 64 bytes: every buffer starts on a cache line, which keeps
 * vector loads aligned and threads off each other's lines. */
static size_t round_up16(size_t n) { return (n + 15) & ~(size_t)15; }

static size_t rows_of(const gf_nodeinfo *n, int batch) { return n->shape.batched ? (size_t)batch : 1; }

static size_t aux_floats(const gf_nodeinfo *n, int batch)
{
    return (n->shape.batched ? (size_t)batch * n->aux_row : 0) + n->aux_fixed;
}

gf_workspace *gf_workspace_new(const gf_graph *g, int max_batch)
{
    gf_workspace *ws = NULL;
    gf__workspace_make(g, max_batch, &ws);
    return ws;
}

gf_status gf__workspace_make(const gf_graph *g, int max_batch, gf_workspace **out)
{
    *out = NULL;
    if (!g || !g->compiled)
        return gf__fail(GF_ERR_STATE, "workspace: the graph must be compiled first");
    if (max_batch < 1)
        return gf__fail(GF_ERR_ARG, "workspace: largest batch %d is not positive", max_batch);
    gf_status s = GF_ERR_NOMEM;
    gf_workspace *ws = gf__calloc(1, sizeof *ws, "workspace");
    if (!ws) return s;
    ws->g = g;
    ws->max_batch = ws->batch = max_batch;
    size_t nn = (size_t)g->n_nodes;
    ws->value = gf__calloc(nn, sizeof *ws->value, "workspace");
    ws->grad = gf__calloc(nn, sizeof *ws->grad, "workspace");
    ws->written = gf__calloc(nn, 1, "workspace");
    ws->aux = gf__calloc(nn, sizeof *ws->aux, "workspace");
    ws->param_grads = gf__calloc(g->n_params, sizeof(float), "parameter gradients");
    if (!ws->value || !ws->grad || !ws->written || !ws->aux || !ws->param_grads) goto fail;

    /* First pass sizes the arena, second carves it; checked for overflow
     * since max_batch times a node's size can be large, and against the cap
     * after every node, so the sum stays far from overflowing. */
    size_t total = 0;
    for (size_t i = 0; i < nn; i++) {
        const gf_nodeinfo *n = &g->nodes[i];
        size_t rows = rows_of(n, max_batch);
        size_t limit = SIZE_MAX / sizeof(float) / 8 / rows;
        if (n->size > limit || n->aux_row > limit || n->aux_fixed > limit) {
            s = gf__fail(GF_ERR_ARG, "workspace: batches of %d rows: node %zu needs more than the %zu "
                     "floats a workspace may have", max_batch, i, GF_WORKSPACE_MAX_FLOATS);
            goto fail;
        }
        total += round_up16(aux_floats(n, max_batch));
        if (!gf__in_param_block(n)) {
            size_t one = round_up16(rows * n->size);
            total += n->needs_grad ? 2 * one : one;
        }
        if (total > GF_WORKSPACE_MAX_FLOATS) {
            s = gf__fail(GF_ERR_ARG, "workspace: batches of %d rows need more than the %zu floats "
                     "(%zu MiB) a workspace may have (nodes 0 to %zu alone take %zu); use "
                     "smaller batches", max_batch, GF_WORKSPACE_MAX_FLOATS,
                     GF_WORKSPACE_MAX_FLOATS * sizeof(float) >> 20, i, total);
            goto fail;
        }
    }
    ws->arena = aligned_alloc(64, (total ? total : 16) * sizeof(float));
    if (!ws->arena) {
        gf__fail(GF_ERR_NOMEM, "workspace: out of memory allocating %zu floats for batch %d",
                 total, max_batch);
        goto fail;
    }
    /* Zero once so that reading an input nobody filled gives zeros, not
     * whatever the allocator left. */
    memset(ws->arena, 0, (total ? total : 16) * sizeof(float));
    float *at = ws->arena;
    for (size_t i = 0; i < nn; i++) {
        const gf_nodeinfo *n = &g->nodes[i];
        size_t aux = round_up16(aux_floats(n, max_batch));
        if (aux) {
            ws->aux[i] = at;
            at += aux;
        }
        if (gf__in_param_block(n)) {
            /* A buffer's gradient slice exists in param_grads but stays
             * zero: it has no gradient buffer, so backward never writes it. */
            ws->value[i] = g->params + n->param_offset;
            if (n->op == GF_OP_PARAM) ws->grad[i] = ws->param_grads + n->param_offset;
            continue;
        }
        size_t one = round_up16(rows_of(n, max_batch) * n->size);
        ws->value[i] = at;
        at += one;
        if (n->needs_grad) {
            ws->grad[i] = at;
            at += one;
        }
    }
    *out = ws;
    return GF_OK;
fail:
    gf_workspace_free(ws);
    return s;
}

void gf_workspace_free(gf_workspace *ws)
{
    if (!ws) return;
    free(ws->arena);
    free(ws->param_grads);
    free(ws->value);
    free(ws->grad);
    free(ws->written);
    free(ws->aux);
    free(ws);
}

const gf_graph *gf_workspace_graph(const gf_workspace *ws) { return ws ? ws->g : NULL; }

gf_status gf_set_batch(gf_workspace *ws, int batch)
{
    if (!ws) return gf__fail(GF_ERR_ARG, "set_batch: workspace is NULL");
    if (batch < 1 || batch > ws->max_batch)
        return gf__fail(GF_ERR_ARG, "set_batch: batch %d is outside 1..%d (the workspace's largest)",
                        batch, ws->max_batch);
    ws->batch = batch;
    return GF_OK;
}

int gf_batch(const gf_workspace *ws) { return ws ? ws->batch : 0; }
int gf_max_batch(const gf_workspace *ws) { return ws ? ws->max_batch : 0; }

gf_status gf_set_training(gf_workspace *ws, int on, gf_rng *rng)
{
    if (!ws) return gf__fail(GF_ERR_ARG, "set_training: workspace is NULL");
    if (on && !rng)
        return gf__fail(GF_ERR_ARG, "set_training: training mode needs a random generator "
                        "for dropout and noise, and rng is NULL");
    ws->training = on != 0;
    ws->rng = on ? rng : NULL; /* not kept past training: the caller may free it */
    return GF_OK;
}

int gf_training(const gf_workspace *ws) { return ws ? ws->training : 0; }

static bool valid(const gf_workspace *ws, gf_node n) { return ws && n >= 0 && n < ws->g->n_nodes; }

float *gf_value(gf_workspace *ws, gf_node n) { return valid(ws, n) ? ws->value[n] : NULL; }

float *gf_grad(gf_workspace *ws, gf_node n) { return valid(ws, n) ? ws->grad[n] : NULL; }

float *gf_param_grads(gf_workspace *ws) { return ws ? ws->param_grads : NULL; }

void gf__view(const gf_workspace *ws, gf_node id, gf_tview *v)
{
    const gf_nodeinfo *n = &ws->g->nodes[id];
    int k = 0;
    if (n->shape.batched) v->dim[k++] = ws->batch;
    for (int i = 0; i < n->shape.ndim; i++) v->dim[k++] = n->shape.dim[i];
    v->ndim = k;
    v->n = rows_of(n, ws->batch) * n->size;
    v->v = ws->value[id];
    v->d = ws->grad[id];
}
