/* Internal: the model's parts, shared by building (model.c) and training
 * (fit.c). */
#ifndef GF_NN_MODEL_H
#define GF_NN_MODEL_H

#include "grafo/nn.h"

/* How a parameter or buffer starts: drawn by an initialiser, or filled
 * with constants (batch norm's scale, PReLU's alpha), or, for batch norm's
 * running statistics, mean 0 in row 0 and variance 1 in row 1. */
typedef enum gf_fill { GF_FILL_INIT, GF_FILL_CONST, GF_FILL_RUNNING } gf_fill;

typedef struct gf_param_init {
    gf_node node;
    gf_fill fill;
    gf_init init;         /* GF_FILL_INIT */
    float value;          /* GF_FILL_CONST */
    size_t fan_in, fan_out;
    gf_param_role role;   /* for the optimiser: weights are penalised,
                             buffers frozen */
} gf_param_init;

struct gf_model {
    gf_graph *g;
    gf_node input, target, output, loss;
    int inputs;
    gf_loss loss_kind;
    float label_smoothing;
    gf_param_init *inits; /* how each parameter starts, applied at compile */
    int n_inits, cap_inits;
    int n_dense;          /* layers so far, for naming W1, b1, W2, ... */
    gf_workspace *ws;     /* after compile */
    gf_rng rng;           /* initialisation, then shuffling */
};

/* Shared by evaluation (evaluate.c) and training (train.c). */
gf_status gf__check_ready(const gf_model *m, const char *what);
/* Does the dataset fit the model's input and target?  role names it. */
gf_status gf__check_data(const gf_model *m, const gf_dataset *ds, const char *role);
/* Copy rows idx[0..b) (or first..first+b if idx is NULL) into the input
 * and target buffers. */
void gf__gather(gf_model *m, const gf_dataset *ds, const int32_t *idx, size_t first, int b);
/* Add the current batch's correct predictions and judged outputs. */
void gf__count_correct(gf_model *m, int b, size_t *correct, size_t *judged);
/* Rows in the batch starting at first: a full batch or what is left. */
int gf__batch_at(size_t rows, size_t first, int batch);

/* The floats a's parameters and buffers take on `inputs` features, checked
 * against GF_ARCH_MAX_PARAMS (GF_ERR_ARG above it), as gf_model_from_arch
 * checks before building. */
gf_status gf__arch_check_params(int inputs, const gf_arch *a);

/* Record how a node made by the graph API starts and what the optimiser
 * does with it; GF_NONE (sticky error) on failure. */
gf_node gf__model_track(gf_model *m, gf_node p, gf_param_init how);

#endif
