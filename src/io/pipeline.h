/* Internal: a pipeline's parts, shared by building and predicting
 * (pipeline.c) and by the model file (pipeline_file.c). */
#ifndef GF_IO_PIPELINE_H
#define GF_IO_PIPELINE_H

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

#endif
