/* grafo/data.h — datasets and the readers that fill them.
 *
 * A gf_dataset holds `rows` examples: a row-major float matrix of features
 * (rows x cols) and a row-major float matrix of targets (rows x y_cols).
 * For classification y_cols is 1 and each target is a class index in
 * [0, classes); for regression `classes` is 0.  Every value is finite: the
 * constructors reject NaN and infinity, naming the row and column. */
#ifndef GRAFO_DATA_H
#define GRAFO_DATA_H

#include "grafo/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_dataset gf_dataset;

/* A copy of x (rows x cols) and y (rows x y_cols) as a new dataset.  If
 * classes > 0, y_cols must be 1 and every y must be an integer in
 * [0, classes).  Returns NULL on bad input (see gf_errmsg()).  Caller frees
 * with gf_dataset_free(). */
gf_dataset *gf_dataset_new(size_t rows, size_t cols, const float *x, size_t y_cols,
                           const float *y, int classes);

/* Load an image file and a label file in IDX format (as MNIST and
 * Fashion-MNIST ship them), gzipped or not.  The images' first dimension is
 * the example; the others are flattened into features.  Unsigned-byte
 * images are scaled to [0, 1]; other element types are kept as they are.
 * Labels must be a one-dimensional IDX of integers in [0, classes), as many
 * as there are images.  Errors name the file and what is wrong with it. */
gf_dataset *gf_dataset_load_idx(const char *images_path, const char *labels_path,
                                int classes);

/* A new dataset with rows [start, start + count) of ds (copied). */
gf_dataset *gf_dataset_slice(const gf_dataset *ds, size_t start, size_t count);

void gf_dataset_free(gf_dataset *ds); /* NULL is fine */

size_t gf_dataset_rows(const gf_dataset *ds);
size_t gf_dataset_cols(const gf_dataset *ds);
size_t gf_dataset_y_cols(const gf_dataset *ds);
int gf_dataset_classes(const gf_dataset *ds); /* 0 for regression */
/* Borrowed pointers, valid while ds lives. */
const float *gf_dataset_x(const gf_dataset *ds); /* (rows, cols) */
const float *gf_dataset_y(const gf_dataset *ds); /* (rows, y_cols) */

/* The mean and standard deviation of all features together (as a
 * normalisation of images uses one value for every pixel). */
gf_status gf_dataset_feature_stats(const gf_dataset *ds, double *mean, double *sd);
/* x <- (x - mean) / sd for every feature; sd must be positive.  Use the
 * training set's statistics for the test set too. */
gf_status gf_dataset_standardize(gf_dataset *ds, double mean, double sd);

/* One IDX file read into floats.  dims[0..ndim) are the dimensions; data
 * holds their product, converted from the file's element type. */
#define GF_IDX_MAX_DIMS 8
typedef struct gf_idx {
    int elem_type;               /* the IDX type code: 0x08 u8 ... 0x0E f64 */
    int ndim;
    size_t dims[GF_IDX_MAX_DIMS];
    size_t count;                /* product of dims */
    float *data;                 /* owned; free with gf_idx_free() */
} gf_idx;

/* Read an IDX file, gzipped or not.  Checks the magic number, the element
 * type, that the dimensions are positive and match the file size exactly,
 * and that floating-point elements are finite.  On failure *out is left
 * empty and the message names the file and the problem. */
gf_status gf_idx_read(const char *path, gf_idx *out);
void gf_idx_free(gf_idx *idx);

#ifdef __cplusplus
}
#endif
#endif
