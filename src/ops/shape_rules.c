/* Shape rules: every one names the op and the shapes it was given. */
#include <stdio.h>

#include "core/error.h"
#include "ops/ops.h"

static gf_status mismatch(const gf_graph *g, const gf_nodeinfo *n, const char *why)
{
    char a[GF_SHAPE_STR_MAX], b[GF_SHAPE_STR_MAX] = "";
    gf__shape_str(&gf__node(g, n->in[0])->shape, a, sizeof a);
    if (n->n_in > 1) gf__shape_str(&gf__node(g, n->in[1])->shape, b, sizeof b);
    if (n->n_in > 1)
        return gf__fail(GF_ERR_SHAPE, "%s: shapes %s and %s: %s", gf_op_name(n->op), a, b, why);
    return gf__fail(GF_ERR_SHAPE, "%s: shape %s: %s", gf_op_name(n->op), a, why);
}

gf_status gf__shape_same(const gf_graph *g, gf_nodeinfo *n)
{
    n->shape = gf__node(g, n->in[0])->shape;
    return GF_OK;
}

gf_status gf__shape_scalar(const gf_graph *g, gf_nodeinfo *n)
{
    (void)g;
    n->shape.ndim = 0;
    n->shape.batched = false;
    return GF_OK;
}

/* a (op) b: equal shapes, or b without a batch dimension matching a's
 * trailing dimensions (a bias row added to every example, a scalar). */
gf_status gf__shape_broadcast(const gf_graph *g, gf_nodeinfo *n)
{
    const gf_shape *a = &gf__node(g, n->in[0])->shape, *b = &gf__node(g, n->in[1])->shape;
    n->shape = *a;
    if (gf__shape_equal(a, b)) return GF_OK;
    if (b->batched)
        return mismatch(g, n, "they differ, and the right operand has a batch dimension so "
                              "it cannot be broadcast");
    if (b->ndim > a->ndim)
        return mismatch(g, n, "the right operand has more dimensions than the left; only "
                              "the right one is broadcast");
    for (int i = 0; i < b->ndim; i++)
        if (b->dim[b->ndim - 1 - i] != a->dim[a->ndim - 1 - i])
            return mismatch(g, n, "the right operand must equal the left's trailing "
                                  "dimensions to be broadcast");
    return GF_OK;
}

gf_status gf__shape_matmul(const gf_graph *g, gf_nodeinfo *n)
{
    const gf_shape *a = &gf__node(g, n->in[0])->shape, *b = &gf__node(g, n->in[1])->shape;
    if (gf__shape_rank(a) != 2 || gf__shape_rank(b) != 2)
        return mismatch(g, n, "both operands must be matrices");
    if (b->batched)
        return mismatch(g, n, "the right operand may not have a batch dimension");
    int64_t k = a->dim[a->ndim - 1];
    if (k != b->dim[0]) return mismatch(g, n, "the inner dimensions differ");
    n->shape = *a;
    n->shape.dim[n->shape.ndim - 1] = b->dim[1];
    return GF_OK;
}

/* softmax, log_softmax: along the last dimension, which must exist. */
gf_status gf__shape_rowwise(const gf_graph *g, gf_nodeinfo *n)
{
    const gf_shape *a = &gf__node(g, n->in[0])->shape;
    if (a->ndim < 1) return mismatch(g, n, "needs a last dimension to normalise over");
    n->shape = *a;
    return GF_OK;
}

gf_status gf__shape_loss_pair(const gf_graph *g, gf_nodeinfo *n)
{
    const gf_shape *a = &gf__node(g, n->in[0])->shape, *b = &gf__node(g, n->in[1])->shape;
    if (!gf__shape_equal(a, b))
        return mismatch(g, n, "the prediction and the target must have the same shape");
    return gf__shape_scalar(g, n);
}

/* Logits (rows, classes); labels one per row, (rows) or (rows, 1). */
gf_status gf__shape_xent(const gf_graph *g, gf_nodeinfo *n)
{
    const gf_shape *z = &gf__node(g, n->in[0])->shape, *y = &gf__node(g, n->in[1])->shape;
    if (gf__shape_rank(z) != 2) return mismatch(g, n, "logits must be (rows, classes)");
    if (z->dim[z->ndim - 1] < 2) return mismatch(g, n, "logits need at least two classes");
    bool rows_match = y->batched == z->batched &&
        (z->batched ? (y->ndim == 0 || (y->ndim == 1 && y->dim[0] == 1))
                    : ((y->ndim == 1 && y->dim[0] == z->dim[0]) ||
                       (y->ndim == 2 && y->dim[0] == z->dim[0] && y->dim[1] == 1)));
    if (!rows_match) return mismatch(g, n, "labels must hold one class index per row of logits");
    if (gf__node(g, n->in[1])->needs_grad)
        return mismatch(g, n, "labels are class indices and may not depend on parameters");
    return gf__shape_scalar(g, n);
}

/* maxout: the last dimension splits into groups of k features. */
gf_status gf__shape_maxout(const gf_graph *g, gf_nodeinfo *n)
{
    const gf_shape *a = &gf__node(g, n->in[0])->shape;
    int k = n->p.maxout.k;
    if (a->ndim < 1) return mismatch(g, n, "needs a last dimension to split into groups");
    int64_t width = a->dim[a->ndim - 1];
    if (width % k != 0) {
        char why[128];
        snprintf(why, sizeof why, "the last dimension, %lld, is not divisible by k = %d",
                 (long long)width, k);
        return mismatch(g, n, why);
    }
    n->shape = *a;
    n->shape.dim[n->shape.ndim - 1] = width / k;
    return GF_OK;
}

/* sqdist: rows of x (m, d) against columns of c (d, n), as matmul's
 * operands, c without a batch dimension since it holds the centres. */
gf_status gf__shape_sqdist(const gf_graph *g, gf_nodeinfo *n)
{
    const gf_shape *x = &gf__node(g, n->in[0])->shape, *c = &gf__node(g, n->in[1])->shape;
    if (gf__shape_rank(x) != 2 || gf__shape_rank(c) != 2)
        return mismatch(g, n, "x must be a matrix (rows, d) and the centres a matrix (d, n)");
    if (c->batched)
        return mismatch(g, n, "the centres may not have a batch dimension");
    if (x->dim[x->ndim - 1] != c->dim[0])
        return mismatch(g, n, "x's columns and the centres' rows (the dimension d) differ");
    n->shape = *x;
    n->shape.dim[n->shape.ndim - 1] = c->dim[1];
    return GF_OK;
}
