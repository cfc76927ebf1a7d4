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

/* The scaling's name: "none", "standard", "minmax"; "unknown" out of
 * range.  Static storage, never NULL. */
const char *gf_scaling_name(gf_scaling s);
/* The scaling named `text` (exactly, lower case) into *out; GF_ERR_ARG
 * naming the choices if unknown or NULL, leaving *out alone (GF_ERR_ARG
 * too for out NULL). */
gf_status gf_scaling_parse(const char *text, gf_scaling *out);

/* A fitted scaling: x'[j] = (x[j] - shift[j]) / scale[j].  Owned by the
 * caller once returned; free with gf_scaler_free() (never free the arrays
 * on their own).  "none" has shift 0 and scale 1. */
typedef struct gf_scaler {
    gf_scaling kind;
    size_t p;
    double *shift, *scale;  /* p each; scale[j] > 0 and finite */
} gf_scaler;

/* Fit on x (n x p, row-major) into *out (a new scaler; NULL on failure).
 * Mean and variance by the corrected two-pass algorithm, on each column
 * rescaled by a power of two so nothing overflows, whatever finite values
 * it holds.  A standard-scaled column whose variance is within that
 * algorithm's rounding bound (scikit-learn's test for a constant feature)
 * gets scale 1 too.  A constant column's shift is its value (standard) or
 * minimum (min-max), so it scales to 0.  Errors: GF_ERR_ARG for an unknown
 * kind or a NULL pointer; GF_ERR_SHAPE for n = 0, p = 0 or n x p beyond
 * memory; GF_ERR_NUMERIC for a non-finite value (naming its row and
 * column, from 1) or, for min-max, a column whose range exceeds the
 * largest double; GF_ERR_NOMEM.  The caller frees *out with
 * gf_scaler_free(). */
gf_status gf_scaler_fit(gf_scaling kind, const double *x, size_t n, size_t p, gf_scaler **out);
/* A scaler with the given shifts and scales (copied), as a model file
 * stores them, into *out (NULL on failure).  Refuses an unknown kind
 * (GF_ERR_ARG), p = 0 (GF_ERR_SHAPE), shift or scale NULL (GF_ERR_ARG), a
 * non-finite shift (GF_ERR_NUMERIC), a non-positive or non-finite scale,
 * and for "none" any shift other than 0 or scale other than 1
 * (GF_ERR_ARG), naming the column; GF_ERR_NOMEM. */
gf_status gf_scaler_new(gf_scaling kind, size_t p, const double *shift, const double *scale,
                        gf_scaler **out);
/* Scale x (n x p, row-major) in place with a fitted scaler; n = 0 does
 * nothing, and "none" only checks x.  Errors, which leave x untouched:
 * GF_ERR_ARG for s NULL, x NULL with n > 0, or a scaler with an unknown
 * kind or a bad shift or scale (one filled by hand); GF_ERR_SHAPE if p is
 * not the scaler's or n x p is beyond memory; GF_ERR_NUMERIC for a
 * non-finite value or a result beyond the largest double, naming the row
 * and column (from 1). */
gf_status gf_scaler_apply(const gf_scaler *s, double *x, size_t n, size_t p);
void gf_scaler_free(gf_scaler *s); /* NULL is fine */

/* ------------------------------------------------------------ targets -- */

/* out (n x k, row-major, the caller's) gets 1 at (i, label[i]) and 0
 * elsewhere.  A label outside [0, k) is GF_ERR_ARG naming the row (from 1)
 * and leaves out untouched; k = 0 and label or out NULL (with n > 0) are
 * GF_ERR_ARG, n x k beyond memory GF_ERR_SHAPE; n = 0 does nothing. */
gf_status gf_one_hot(const int32_t *label, size_t n, size_t k, float *out);

/* ------------------------------------------------------------- splits -- */

/* Row indices for training, validation and test sets: a random permutation
 * drawn from `seed`, then cut at the fractions (rounded down for validation
 * and test; training gets the rest).  Stratified (label not NULL): the sets
 * have the same sizes, each class is shuffled and cut on its own, and every
 * set keeps the class proportions to within one row per class: a class of
 * m rows gives a set of N rows floor or ceil of m N / n, every row going to
 * exactly one set.  Each set is in shuffled order, classes mixed.  The
 * three arrays share one block owned by the split (gf_split_free frees
 * it); an empty set's pointer is not NULL but must not be read. */
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

/* A new split of rows 0..n-1 into *out (NULL on failure); o NULL means
 * GF_SPLIT_OPTS_DEFAULT; nclasses is ignored without labels.  Errors
 * (GF_ERR_ARG): a fraction outside [0, 1) or NaN, valid + test >= 1, n = 0
 * or beyond memory, an empty training set, labels with nclasses 0, and a
 * label outside [0, nclasses), naming its row (from 1); also GF_ERR_ARG
 * for out NULL, and GF_ERR_NOMEM.  The caller frees *out with
 * gf_split_free(). */
gf_status gf_split_new(size_t n, const gf_split_opts *o, gf_split **out);
void gf_split_free(gf_split *s); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
