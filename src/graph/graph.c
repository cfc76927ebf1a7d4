/* Building a graph: nodes, sticky errors, shape text, compile. */
#include "graph/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

gf_graph *gf_graph_new(void)
{
    gf_graph *g = gf__calloc(1, sizeof *g, "graph");
    return g;
}

void gf_graph_free(gf_graph *g)
{
    if (!g) return;
    for (int i = 0; i < g->n_nodes; i++) free(g->nodes[i].name);
    free(g->nodes);
    free(g->params);
    free(g);
}

/* Remember the first build error so compile can report it even if later
 * calls overwrote the thread's message. */
gf_node gf__build_fail(gf_graph *g, gf_status s)
{
    if (g->error == GF_OK) {
        g->error = s;
        snprintf(g->error_msg, sizeof g->error_msg, "%s", gf_errmsg());
    }
    return GF_NONE;
}

const gf_nodeinfo *gf__node(const gf_graph *g, gf_node n) { return &g->nodes[n]; }

bool gf__inputs_ok(gf_graph *g, gf_op op, int n_in, const gf_node *in)
{
    if (!g) {
        gf__fail(GF_ERR_ARG, "%s: graph is NULL", gf_op_name(op));
        return false;
    }
    if (g->compiled) {
        gf__fail(GF_ERR_STATE, "%s: graph is already compiled; build every node first",
                 gf_op_name(op));
        gf__build_fail(g, GF_ERR_STATE);
        return false;
    }
    for (int i = 0; i < n_in; i++) {
        if (in[i] == GF_NONE) return false; /* an earlier failure, already recorded */
        if (in[i] < 0 || in[i] >= g->n_nodes) {
            gf__fail(GF_ERR_ARG, "%s: input %d is node %d, which does not exist (graph has %d)",
                     gf_op_name(op), i + 1, (int)in[i], g->n_nodes);
            gf__build_fail(g, GF_ERR_ARG);
            return false;
        }
    }
    return true;
}

gf_node gf__add_node(gf_graph *g, gf_op op, int n_in, const gf_node *in, gf_op_params p)
{
    if (!gf__inputs_ok(g, op, n_in, in)) return GF_NONE;
    if (g->n_nodes == g->cap_nodes) {
        int cap = g->cap_nodes ? 2 * g->cap_nodes : 16;
        gf_nodeinfo *nodes = realloc(g->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes) {
            gf__fail(GF_ERR_NOMEM, "out of memory adding a %s node", gf_op_name(op));
            return gf__build_fail(g, GF_ERR_NOMEM);
        }
        g->nodes = nodes;
        g->cap_nodes = cap;
    }
    gf_nodeinfo *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->p = p;
    n->n_in = n_in;
    for (int i = 0; i < n_in; i++) {
        n->in[i] = in[i];
        n->needs_grad |= g->nodes[in[i]].needs_grad;
    }
    gf_status s = gf__ops[op].shape(g, n);
    if (s != GF_OK) return gf__build_fail(g, s);
    n->size = gf__shape_size(&n->shape);
    return g->n_nodes++;
}

/* Inputs, constants and parameters: the leaves, whose shape is given. */
static gf_node add_leaf(gf_graph *g, gf_op op, const char *name, int ndim, const int64_t *dims)
{
    if (!gf__inputs_ok(g, op, 0, NULL)) return GF_NONE;
    const char *label = name ? name : "";
    if (ndim < 0 || ndim > GF_MAX_DIMS) {
        gf__fail(GF_ERR_SHAPE, "%s '%s': %d dimensions (at most %d allowed)", gf_op_name(op),
                 label, ndim, GF_MAX_DIMS);
        return gf__build_fail(g, GF_ERR_SHAPE);
    }
    if (ndim > 0 && !dims) {
        gf__fail(GF_ERR_ARG, "%s '%s': dims is NULL", gf_op_name(op), label);
        return gf__build_fail(g, GF_ERR_ARG);
    }
    size_t total = 1;
    for (int i = 0; i < ndim; i++) {
        /* Cap every tensor at 2^31 elements so sizes fit BLAS's int. */
        if (dims[i] <= 0 || (size_t)dims[i] > ((size_t)1 << 31) / total) {
            gf__fail(GF_ERR_SHAPE, "%s '%s': dimension %d is %lld (must be positive and the "
                     "tensor under 2^31 elements)", gf_op_name(op), label, i + 1,
                     (long long)dims[i]);
            return gf__build_fail(g, GF_ERR_SHAPE);
        }
        total *= (size_t)dims[i];
    }
    if (name && gf_graph_find(g, name) != GF_NONE) {
        gf__fail(GF_ERR_ARG, "%s: the name '%s' is already used", gf_op_name(op), name);
        return gf__build_fail(g, GF_ERR_ARG);
    }
    char *copy = NULL;
    if (name && !(copy = gf__strdup(name, "a node's name"))) return gf__build_fail(g, GF_ERR_NOMEM);
    gf_op_params none = {0};
    gf_node id = gf__add_node(g, op, 0, NULL, none);
    if (id == GF_NONE) {
        free(copy);
        return GF_NONE;
    }
    gf_nodeinfo *n = &g->nodes[id];
    n->name = copy;
    n->shape.ndim = ndim;
    n->shape.batched = (op == GF_OP_INPUT);
    for (int i = 0; i < ndim; i++) n->shape.dim[i] = dims[i];
    n->size = total;
    n->needs_grad = (op == GF_OP_PARAM);
    return id;
}

gf_node gf_input(gf_graph *g, const char *name, int ndim, const int64_t *dims)
{
    return add_leaf(g, GF_OP_INPUT, name, ndim, dims);
}

gf_node gf_const(gf_graph *g, const char *name, int ndim, const int64_t *dims)
{
    return add_leaf(g, GF_OP_CONST, name, ndim, dims);
}

gf_node gf_param(gf_graph *g, const char *name, int ndim, const int64_t *dims)
{
    return add_leaf(g, GF_OP_PARAM, name, ndim, dims);
}

/* A buffer is laid out like a parameter but needs no gradient, so nothing
 * downstream of it alone gets one. */
gf_node gf_buffer(gf_graph *g, const char *name, int ndim, const int64_t *dims)
{
    return add_leaf(g, GF_OP_BUFFER, name, ndim, dims);
}

/* Leaves get their shape from add_leaf; this rule only satisfies the table. */
gf_status gf__shape_leaf(const gf_graph *g, gf_nodeinfo *n)
{
    (void)g;
    (void)n;
    return GF_OK;
}

gf_status gf_graph_compile(gf_graph *g)
{
    if (!g) return gf__fail(GF_ERR_ARG, "compile: graph is NULL");
    if (g->error != GF_OK) return gf__fail(g->error, "%s", g->error_msg);
    if (g->compiled) return GF_OK;
    if (g->n_nodes == 0) return gf__fail(GF_ERR_STATE, "compile: the graph has no nodes");
    size_t total = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        gf_nodeinfo *n = &g->nodes[i];
        if (!gf__in_param_block(n)) continue;
        n->param_offset = total;
        total += n->size;
    }
    g->params = gf__calloc(total, sizeof(float), "parameters");
    if (!g->params) return GF_ERR_NOMEM;
    g->n_params = total;
    g->compiled = true;
    return GF_OK;
}

int gf_graph_nodes(const gf_graph *g) { return g ? g->n_nodes : 0; }

static bool valid(const gf_graph *g, gf_node n) { return g && n >= 0 && n < g->n_nodes; }

gf_op gf_node_op(const gf_graph *g, gf_node n)
{
    return valid(g, n) ? g->nodes[n].op : GF_OP_COUNT;
}

const char *gf_node_name(const gf_graph *g, gf_node n)
{
    return valid(g, n) && g->nodes[n].name ? g->nodes[n].name : "";
}

int gf_node_shape(const gf_graph *g, gf_node n, int64_t dims[GF_MAX_DIMS + 1])
{
    if (!valid(g, n)) return -1;
    const gf_shape *s = &g->nodes[n].shape;
    int k = 0;
    if (s->batched) dims[k++] = -1;
    for (int i = 0; i < s->ndim; i++) dims[k++] = s->dim[i];
    return k;
}

int gf_node_batched(const gf_graph *g, gf_node n)
{
    return valid(g, n) && g->nodes[n].shape.batched;
}

size_t gf_node_size(const gf_graph *g, gf_node n) { return valid(g, n) ? g->nodes[n].size : 0; }

gf_node gf_graph_find(const gf_graph *g, const char *name)
{
    if (!g || !name) return GF_NONE;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].name && strcmp(g->nodes[i].name, name) == 0) return i;
    return GF_NONE;
}

size_t gf_param_count(const gf_graph *g) { return g ? g->n_params : 0; }

float *gf_params(gf_graph *g) { return g ? g->params : NULL; }

float *gf_param_value(gf_graph *g, gf_node n)
{
    if (!valid(g, n) || !g->compiled || !gf__in_param_block(&g->nodes[n])) return NULL;
    return g->params + g->nodes[n].param_offset;
}

size_t gf_param_offset(const gf_graph *g, gf_node n)
{
    if (!valid(g, n) || !g->compiled || !gf__in_param_block(&g->nodes[n])) return (size_t)-1;
    return g->nodes[n].param_offset;
}
