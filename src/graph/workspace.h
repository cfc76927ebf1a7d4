/* Internal: a workspace's layout, shared by the engine and gradient check. */
#ifndef GF_GRAPH_WORKSPACE_H
#define GF_GRAPH_WORKSPACE_H

#include "graph/internal.h"

struct gf_workspace {
    const gf_graph *g;
    int max_batch, batch;
    float *arena;       /* every non-parameter value and gradient buffer */
    float *param_grads; /* (g->n_params), laid out like g->params */
    float **value;      /* (n_nodes) per node; parameters point into g->params */
    float **grad;       /* (n_nodes) per node; NULL where no gradient flows */
    unsigned char *written; /* (n_nodes) backward: gradient holds a contribution */
    float **aux;        /* (n_nodes) per node, in the arena; NULL where none */
    bool training;      /* gf_set_training */
    bool forward_training; /* the mode the last gf_forward ran in */
    gf_rng *rng;        /* borrowed; set while training */
};

/* gf_workspace_new with its status: GF_ERR_ARG past
 * GF_WORKSPACE_MAX_FLOATS tells a batch too large from GF_ERR_NOMEM. */
gf_status gf__workspace_make(const gf_graph *g, int max_batch, gf_workspace **out);

/* Fill a view of node n for the current batch. */
void gf__view(const gf_workspace *ws, gf_node n, gf_tview *v);

#endif
