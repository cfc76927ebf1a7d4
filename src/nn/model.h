/* Internal: the model's parts, shared by building (model.c) and training
 * (fit.c). */
#ifndef GF_NN_MODEL_H
#define GF_NN_MODEL_H

#include "grafo/nn.h"

typedef struct gf_param_init {
    gf_node node;
    gf_init init;
    size_t fan_in, fan_out;
} gf_param_init;

struct gf_model {
    gf_graph *g;
    gf_node input, target, output, loss;
    int inputs;
    gf_loss loss_kind;
    gf_param_init *inits; /* how each parameter starts, applied at compile */
    int n_inits, cap_inits;
    int n_dense;          /* layers so far, for naming W1, b1, W2, ... */
    gf_workspace *ws;     /* after compile */
    gf_rng rng;           /* initialisation, then shuffling */
};

#endif
