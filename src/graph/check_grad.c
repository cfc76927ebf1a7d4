/* Gradient check: the float engine's backward against central differences
 * of the double-precision reference forward.  Running the reference in
 * double makes the numerical side exact to ~1e-10, so the comparison judges
 * the analytic gradient, not float rounding in the difference quotient.
 * In training mode the reference differentiates the same function as the
 * float pass: dropout and noise reuse the draws that pass left in aux, and
 * batch norm uses the batch's statistics (recomputed in double). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "graph/workspace.h"

typedef struct refstate {
    const gf_workspace *ws;
    gf_node loss;
    double **val; /* (n_nodes) double buffers, batch resolved */
} refstate;

static void rview(const refstate *r, gf_node id, gf_rview *v)
{
    gf_tview t;
    gf__view(r->ws, id, &t);
    v->ndim = t.ndim;
    memcpy(v->dim, t.dim, sizeof v->dim);
    v->n = t.n;
    v->v = r->val[id];
}

static gf_status ref_forward(const refstate *r, double *loss_out)
{
    const gf_graph *g = r->ws->g;
    for (gf_node i = 0; i <= r->loss; i++) {
        const gf_nodeinfo *n = &g->nodes[i];
        if (n->n_in == 0) continue;
        gf_refctx c;
        memset(&c, 0, sizeof c);
        c.node = n;
        c.aux = r->ws->aux[i];
        c.training = r->ws->forward_training;
        for (int k = 0; k < n->n_in; k++) rview(r, n->in[k], &c.in[k]);
        rview(r, i, &c.out);
        gf_status s = gf__ops[n->op].reference(&c);
        if (s != GF_OK) return s;
    }
    *loss_out = r->val[r->loss][0];
    return GF_OK;
}

static void free_state(refstate *r, int n)
{
    if (r->val)
        for (int i = 0; i < n; i++) free(r->val[i]);
    free(r->val);
}

gf_status gf_check_grad(gf_workspace *ws, gf_node loss, double *worst, gf_node *where_node,
                        size_t *where_index)
{
    if (!ws || !worst) return gf__fail(GF_ERR_ARG, "check_grad: workspace or result is NULL");
    gf_status s = gf_forward(ws, loss);
    if (s == GF_OK) s = gf_backward(ws, loss);
    if (s != GF_OK) return s;

    const gf_graph *g = ws->g;
    refstate r = {.ws = ws, .loss = loss};
    r.val = gf__calloc((size_t)g->n_nodes, sizeof *r.val, "gradient check");
    if (!r.val) return GF_ERR_NOMEM;
    for (gf_node i = 0; i <= loss; i++) {
        gf_tview t;
        gf__view(ws, i, &t);
        r.val[i] = gf__calloc(t.n, sizeof(double), "gradient check");
        if (!r.val[i]) {
            free_state(&r, g->n_nodes);
            return GF_ERR_NOMEM;
        }
        if (g->nodes[i].n_in == 0)
            for (size_t k = 0; k < t.n; k++) r.val[i][k] = t.v[k];
    }

    *worst = 0;
    double grad_norm = 0;
    for (gf_node p = 0; p <= loss && s == GF_OK; p++) {
        const gf_nodeinfo *n = &g->nodes[p];
        if (n->op != GF_OP_PARAM) continue; /* buffers are state, not trained */
        const float *analytic = ws->grad[p];
        double *x = r.val[p];
        /* First pass: numerical gradient; its largest entry sets the floor
         * below which an element is too small to judge relatively. */
        double *num = gf__calloc(n->size, sizeof(double), "gradient check");
        if (!num) {
            s = GF_ERR_NOMEM;
            break;
        }
        double biggest = 0;
        for (size_t k = 0; k < n->size && s == GF_OK; k++) {
            double saved = x[k], h = 1e-5 * fmax(1.0, fabs(saved)), up = 0, down = 0;
            x[k] = saved + h;
            s = ref_forward(&r, &up);
            x[k] = saved - h;
            if (s == GF_OK) s = ref_forward(&r, &down);
            x[k] = saved;
            num[k] = (up - down) / (2 * h);
            biggest = fmax(biggest, fabs(num[k]));
            grad_norm += num[k] * num[k];
        }
        double floor = 1e-3 * biggest + 1e-6;
        for (size_t k = 0; k < n->size && s == GF_OK; k++) {
            double a = analytic[k];
            double err = fabs(a - num[k]) / fmax(fmax(fabs(a), fabs(num[k])), floor);
            if (!(err <= *worst)) { /* also catches NaN */
                *worst = isnan(err) ? INFINITY : err;
                if (where_node) *where_node = p;
                if (where_index) *where_index = k;
            }
        }
        free(num);
    }
    free_state(&r, g->n_nodes);
    if (s != GF_OK) return s;
    if (!(grad_norm > 0))
        return gf__fail(GF_ERR_NUMERIC, "check_grad: the numerical gradient is zero everywhere, "
                        "so the check proves nothing; use other inputs");
    return GF_OK;
}
