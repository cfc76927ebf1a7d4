/* grafo/data.h — datasets and the readers that fill them.
 *
 * A gf_dataset holds `rows` examples: a row-major float matrix of features
 * (rows x cols) and a row-major float matrix of targets (rows x y_cols).
 * For classification y_cols is 1 and each target is a class index in
 * [0, classes); for regression `classes` is 0.  Every value is finite: the
 * constructors reject NaN and infinity, naming the row and column (counted
 * from 0).  A dataset has at least one row, feature and target. */
#ifndef GRAFO_DATA_H
#define GRAFO_DATA_H

#include "grafo/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_dataset gf_dataset;

/* A copy of x (rows x cols) and y (rows x y_cols) as a new dataset; the
 * caller keeps x and y.  classes is 0 (regression) or at least 2, and then
 * y_cols must be 1 and every y an integer in [0, classes).  Everything is
 * checked before anything is copied.  NULL on failure, with GF_ERR_ARG for
 * a size of 0, x or y NULL, sizes beyond memory, or bad classes or labels;
 * GF_ERR_NUMERIC for a non-finite value; GF_ERR_NOMEM.  Caller frees with
 * gf_dataset_free(). */
gf_dataset *gf_dataset_new(size_t rows, size_t cols, const float *x, size_t y_cols,
                           const float *y, int classes);

/* Load an image file and a label file in IDX format (as MNIST and
 * Fashion-MNIST ship them), gzipped or not.  The images' first dimension is
 * the example; the others are flattened into features.  Unsigned-byte
 * images are divided by 255, into [0, 1]; other element types are kept as
 * they are.  Labels must be a one-dimensional IDX of an integer type with
 * values in [0, classes), as many as there are images; classes >= 2.
 * NULL on failure, the message naming the file and what is wrong: the
 * errors of gf_idx_read for either file, GF_ERR_ARG for a NULL path or
 * classes < 2, GF_ERR_FORMAT for labels of the wrong shape, type or range,
 * GF_ERR_SHAPE when the counts differ.  Caller frees with gf_dataset_free(). */
gf_dataset *gf_dataset_load_idx(const char *images_path, const char *labels_path,
                                int classes);

/* A new dataset with rows [start, start + count) of ds (copied; classes
 * kept).  NULL with GF_ERR_ARG for ds NULL, count 0 or a range past the
 * rows; GF_ERR_NOMEM.  Caller frees with gf_dataset_free(). */
gf_dataset *gf_dataset_slice(const gf_dataset *ds, size_t start, size_t count);

void gf_dataset_free(gf_dataset *ds); /* NULL is fine */

/* The accessors give 0 or NULL for ds NULL. */
size_t gf_dataset_rows(const gf_dataset *ds);
size_t gf_dataset_cols(const gf_dataset *ds);
size_t gf_dataset_y_cols(const gf_dataset *ds);
int gf_dataset_classes(const gf_dataset *ds); /* 0 for regression */
/* Borrowed pointers, valid while ds lives. */
const float *gf_dataset_x(const gf_dataset *ds); /* (rows, cols) */
const float *gf_dataset_y(const gf_dataset *ds); /* (rows, y_cols) */

/* The mean and standard deviation of all features together (as a
 * normalisation of images uses one value for every pixel), in double by
 * two passes; the population sd (divisor rows x cols), 0 when every
 * feature is the same.  GF_ERR_ARG if an argument is NULL. */
gf_status gf_dataset_feature_stats(const gf_dataset *ds, double *mean, double *sd);
/* x <- (x - mean) / sd for every feature, in place (targets untouched).
 * GF_ERR_ARG for ds NULL, a non-finite mean or sd, or sd <= 0.  Use the
 * training set's statistics for the test set too. */
gf_status gf_dataset_standardize(gf_dataset *ds, double mean, double sd);

/* One IDX file read into floats.  dims[0..ndim) are the dimensions; data
 * holds their product, converted from the file's element type. */
#define GF_IDX_MAX_DIMS 8
/* The most elements an IDX file may hold: 2^30, 4 GiB as floats (EMNIST's
 * largest set has 638 million).  Memory grows only with the bytes read,
 * but gzip packs a gigabyte of zeros into a megabyte, so without a cap a
 * small .gz could still fill memory, as GF_READFILE_MAX stops for text. */
#define GF_IDX_MAX_ELEMS ((size_t)1 << 30)
typedef struct gf_idx {
    int elem_type;               /* the IDX type code: 0x08 u8, 0x09 i8,
                                    0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64 */
    int ndim;
    size_t dims[GF_IDX_MAX_DIMS];
    size_t count;                /* product of dims */
    float *data;                 /* owned; free with gf_idx_free() */
} gf_idx;

/* Read an IDX file, gzipped or not, into *out (the caller frees its data
 * with gf_idx_free).  Checks the magic number, the element type, 1 to
 * GF_IDX_MAX_DIMS dimensions, that they are positive, that their product
 * is at most GF_IDX_MAX_ELEMS (checked with overflow checks before any
 * data are read) and matches the file size exactly (no trailing bytes),
 * and that floating-point elements are
 * finite as floats.  Elements become floats: 32-bit integers beyond 2^24
 * are rounded.  Memory grows with the bytes actually read, so a short file
 * claiming huge dimensions costs nothing.  On failure *out is zeroed and
 * the message names the file and the problem: GF_ERR_ARG (a NULL
 * argument), GF_ERR_IO (cannot open or read), GF_ERR_FORMAT (a bad header,
 * truncated or trailing data, corrupt gzip), GF_ERR_NUMERIC (a non-finite
 * element), GF_ERR_NOMEM. */
gf_status gf_idx_read(const char *path, gf_idx *out);
void gf_idx_free(gf_idx *idx); /* frees data and zeroes *idx; NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
