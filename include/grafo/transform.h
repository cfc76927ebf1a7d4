/* grafo/transform.h — what is fitted on the training data and applied
 * unchanged to new data: feature scaling; and the seeded ways to divide
 * data into training, validation and test sets. */
#ifndef GRAFO_TRANSFORM_H
#define GRAFO_TRANSFORM_H

#include "grafo/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ scaling -- */

typedef enum gf_scaling {
    GF_SCALE_NONE,     /* x */
    GF_SCALE_STANDARD, /* (x - mean) / sd, sd with divisor n (scikit-learn's
                          StandardScaler); a constant column gets sd 1 */
    GF_SCALE_MINMAX,   /* (x - min) / (max - min), into [0, 1] on the
                          training data; a constant column gets range 1 */
    GF_SCALE_COUNT
} gf_scaling;

const char *gf_scaling_name(gf_scaling s); /* "none", "standard", "minmax" */
gf_status gf_scaling_parse(const char *text, gf_scaling *out);

/* A fitted scaling: x'[j] = (x[j] - shift[j]) / scale[j]. */
typedef struct gf_scaler {
    gf_scaling kind;
    size_t p;
    double *shift, *scale;  /* p each; scale[j] > 0 and finite */
} gf_scaler;

/* Fit on x (n x p, row-major, finite).  n must be at least 1. */
gf_status gf_scaler_fit(gf_scaling kind, const double *x, size_t n, size_t p, gf_scaler **out);
/* A scaler with the given shifts and scales (copied), as a model file
 * stores them; refuses a non-positive or non-finite scale. */
gf_status gf_scaler_new(gf_scaling kind, size_t p, const double *shift, const double *scale,
                        gf_scaler **out);
/* Scale x (n x p) in place. */
gf_status gf_scaler_apply(const gf_scaler *s, double *x, size_t n, size_t p);
void gf_scaler_free(gf_scaler *s); /* NULL is fine */

/* ------------------------------------------------------------ targets -- */

/* out (n x k, row-major) gets 1 at (i, label[i]) and 0 elsewhere; a label
 * outside [0, k) is an error naming the row. */
gf_status gf_one_hot(const int32_t *label, size_t n, size_t k, float *out);

/* ------------------------------------------------------------- splits -- */

/* Row indices for training, validation and test sets: a random permutation
 * drawn from `seed`, then cut at the fractions (rounded down for validation
 * and test; training gets the rest).  Stratified (label not NULL): each
 * class is shuffled and cut on its own, so every set keeps the class
 * proportions (to within one row per class). */
typedef struct gf_split {
    size_t n_train, n_valid, n_test;
    size_t *train, *valid, *test;  /* row indices, in shuffled order */
} gf_split;

typedef struct gf_split_opts {
    double valid;           /* fraction for validation, in [0, 1); default 0 */
    double test;            /* fraction for test, in [0, 1); default 0.2 */
    uint64_t seed;          /* default 1 */
    const int32_t *label;   /* n class labels in [0, nclasses) to stratify by, or NULL */
    size_t nclasses;
} gf_split_opts;
#define GF_SPLIT_OPTS_DEFAULT ((gf_split_opts){ .valid = 0, .test = 0.2, .seed = 1, \
    .label = NULL, .nclasses = 0 })

/* valid + test must be below 1, and the training set must not be empty. */
gf_status gf_split_new(size_t n, const gf_split_opts *o, gf_split **out);
void gf_split_free(gf_split *s); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
