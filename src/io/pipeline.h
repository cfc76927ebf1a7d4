/* Internal: a pipeline's parts, shared by building and predicting
 * (pipeline.c) and by the model file (pipeline_file.c). */
#ifndef GF_IO_PIPELINE_H
#define GF_IO_PIPELINE_H

#include "grafo/io.h"
#include "grafo/pipeline.h"

struct gf_pipeline {
    gf_kind kind;
    gf_terms *terms;        /* NULL when the inputs are plain features */
    size_t nfeatures;       /* design columns, intercept excluded */
    gf_scaler *scaler;      /* NULL: no scaling */
    char **classes;         /* nclasses names, in label order */
    size_t nclasses;
    double *coef;           /* coef_rows x coef_k, intercept first in each row */
    size_t coef_rows, coef_k;
    gf_model *net;          /* a network's model, compiled */
    gf_arch arch;           /* and its architecture */
    char **setting_keys;    /* recorded settings (λ, α, threshold, ...) */
    double *setting_values;
    size_t nsettings;
};

/* Whether the parts agree with each other and the kind (GF_OK), else an
 * error naming what is missing or inconsistent. */
gf_status gf__pipeline_check(const gf_pipeline *p);
/* Whether predictions are classes. */
int gf__pipeline_classifies(const gf_pipeline *p);
/* GF_OK if the k class names are all different, else GF_ERR_ARG naming
 * the one that comes twice (two classes of one name could not be told
 * apart in predictions, nor in data read back by name). */
gf_status gf__pipeline_distinct_classes(char *const *names, size_t k);
/* GF_OK unless the pipeline has classes and a formula whose response
 * disagrees with them: not a factor, or other levels, or in another order
 * (GF_ERR_STATE or GF_ERR_SHAPE naming both). */
gf_status gf__pipeline_check_response(const gf_pipeline *p);


/* ---- the model file (pipeline_file.c), shared with checkpoints ---- */

/* A network's parameters and buffers: at most six per layer (W, b, batch
 * norm's running statistics, scale and shift, PReLU's alpha). */
#define GF__MAX_PARAMS (6 * GF_ARCH_MAX_LAYERS)
/* The nodes of g holding parameters or buffers, in creation order (the
 * order of gf_params' block), up to cap into out; returns how many there
 * are. */
size_t gf__network_params(const gf_graph *g, gf_node *out, size_t cap);
/* An upper bound on the activation floats a network needs per example,
 * values and gradients, to bound the batch a file may ask for. */
size_t gf__network_row_floats(const gf_arch *a, size_t inputs);
/* The oldest model format version that reads p: 1, or 2 for a network
 * using the grammar's second version. */
int gf__pipeline_version(const gf_pipeline *p);
/* p as a model file's tensors and metadata, recording `version` (at least
 * gf__pipeline_version), for gf_pipeline_save and checkpoints, which add
 * their parts before saving.  *out (the caller frees it) is NULL on
 * failure; errors as gf_pipeline_save's before writing. */
gf_status gf__pipeline_to_st(const gf_pipeline *p, const char *path, int version, gf_st **out);
/* The pipeline a loaded model file holds (path names it in messages);
 * errors as gf_pipeline_load's.  When st's metadata has a checkpoint,
 * its tensors (gf__checkpoint_tensor) are left to the checkpoint's
 * loader. */
gf_status gf__pipeline_from_st(const gf_st *st, const char *path, gf_pipeline **out);

/* A checkpoint's parts in a model file: the metadata key of its JSON
 * description, and its tensors, the optimiser's moments ("optim.m") and
 * early stopping's best weights ("best.W1"). */
#define GF__CKPT_META "checkpoint"
/* The checkpoint JSON's own version, and the model format version a
 * checkpoint needs (a version-1 reader would refuse tensors it does not
 * know). */
#define GF__CKPT_VERSION 1
#define GF__CKPT_FORMAT_VERSION 2
#define GF__CKPT_OPTIM "optim."
#define GF__CKPT_BEST "best."
/* 1 if a tensor name is a checkpoint's (either prefix). */
int gf__checkpoint_tensor(const char *name);

#endif
