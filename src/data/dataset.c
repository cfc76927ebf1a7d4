/* Datasets: features and targets as two row-major float matrices, checked
 * once when they are built so that nothing downstream has to re-check them. */
#include "data/dataset.h"
#include "core/error.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gf_dataset {
    size_t rows, cols, y_cols;
    int classes; /* 0: regression; else y_cols == 1 and y in [0, classes) */
    float *x;    /* (rows, cols) */
    float *y;    /* (rows, y_cols) */
};

/* The IDX element-type codes this file cares about (see gf_idx). */
#define IDX_F32 0x0D
#define IDX_F64 0x0E
#define IDX_U8 0x08

/* ---- checks ----------------------------------------------------------- */

static gf_status check_shape(size_t rows, size_t cols, const float *x, size_t y_cols,
                             const float *y)
{
    if (rows == 0) return gf__fail(GF_ERR_ARG, "rows is 0; a dataset needs at least one row");
    if (cols == 0) return gf__fail(GF_ERR_ARG, "cols is 0; a dataset needs at least one feature");
    if (y_cols == 0) return gf__fail(GF_ERR_ARG, "y_cols is 0; a dataset needs a target");
    if (!x) return gf__fail(GF_ERR_ARG, "the feature matrix x is NULL");
    if (!y) return gf__fail(GF_ERR_ARG, "the target matrix y is NULL");
    size_t limit = SIZE_MAX / sizeof(float);
    if (cols > limit / rows || y_cols > limit / rows)
        return gf__fail(GF_ERR_ARG, "%zu rows of %zu features and %zu targets is too large",
                        rows, cols, y_cols);
    return GF_OK;
}

/* `what` is "feature" or "target", so the message says which matrix. */
static gf_status check_finite(const float *v, size_t rows, size_t cols, const char *what)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            float f = v[r * cols + c];
            if (!isfinite(f))
                return gf__fail(GF_ERR_NUMERIC,
                                "%s at row %zu, column %zu is %s; every value must be finite",
                                what, r, c, isnan(f) ? "NaN" : "infinite");
        }
    return GF_OK;
}

static gf_status check_classes(const float *y, size_t rows, size_t y_cols, int classes)
{
    if (classes == 0) return GF_OK;
    if (classes < 2)
        return gf__fail(GF_ERR_ARG,
                        "classes is %d; use 0 for regression or the number of classes "
                        "(at least 2)",
                        classes);
    if (y_cols != 1)
        return gf__fail(GF_ERR_ARG,
                        "y_cols is %zu; a classification dataset has one target column "
                        "holding the class index",
                        y_cols);
    for (size_t r = 0; r < rows; r++)
        if (y[r] != floorf(y[r]) || y[r] < 0 || y[r] >= (float)classes)
            return gf__fail(GF_ERR_ARG,
                            "target at row %zu is %g; a class must be an integer in [0, %d)",
                            r, (double)y[r], classes);
    return GF_OK;
}

static gf_status check_all(size_t rows, size_t cols, const float *x, size_t y_cols,
                           const float *y, int classes)
{
    gf_status s = check_shape(rows, cols, x, y_cols, y);
    if (!s) s = check_finite(x, rows, cols, "feature");
    if (!s) s = check_finite(y, rows, y_cols, "target");
    if (!s) s = check_classes(y, rows, y_cols, classes);
    return s;
}

/* ---- construction ----------------------------------------------------- */

/* Wrap checked buffers; takes x and y, freeing them if it fails. */
static gf_dataset *wrap(size_t rows, size_t cols, float *x, size_t y_cols, float *y,
                        int classes)
{
    gf_dataset *ds = gf__malloc(sizeof *ds, "a dataset");
    if (!ds) {
        free(x);
        free(y);
        return NULL;
    }
    *ds = (gf_dataset){.rows = rows, .cols = cols, .y_cols = y_cols, .classes = classes,
                       .x = x, .y = y};
    return ds;
}

static float *copy_floats(const float *src, size_t n, const char *what)
{
    float *p = gf__malloc(n * sizeof *p, what);
    if (p) memcpy(p, src, n * sizeof *p);
    return p;
}

gf_dataset *gf__dataset_adopt(size_t rows, size_t cols, float *x, size_t y_cols, float *y,
                              int classes)
{
    if (check_all(rows, cols, x, y_cols, y, classes)) {
        free(x);
        free(y);
        return NULL;
    }
    return wrap(rows, cols, x, y_cols, y, classes);
}

gf_dataset *gf_dataset_new(size_t rows, size_t cols, const float *x, size_t y_cols,
                           const float *y, int classes)
{
    /* Check before copying, so bad input costs no allocation. */
    if (check_all(rows, cols, x, y_cols, y, classes)) {
        gf__errctx("gf_dataset_new");
        return NULL;
    }
    float *xc = copy_floats(x, rows * cols, "dataset features");
    float *yc = xc ? copy_floats(y, rows * y_cols, "dataset targets") : NULL;
    if (!yc) {
        free(xc);
        return NULL;
    }
    return wrap(rows, cols, xc, y_cols, yc, classes);
}

gf_dataset *gf_dataset_slice(const gf_dataset *ds, size_t start, size_t count)
{
    if (!ds) {
        gf__fail(GF_ERR_ARG, "gf_dataset_slice: the dataset is NULL");
        return NULL;
    }
    /* Written as count > rows - start so that a huge start + count cannot
     * wrap around and pass. */
    if (count == 0 || start > ds->rows || count > ds->rows - start) {
        gf__fail(GF_ERR_ARG,
                 "gf_dataset_slice: rows [%zu, %zu + %zu) are not a non-empty range "
                 "within the dataset's %zu rows",
                 start, start, count, ds->rows);
        return NULL;
    }
    float *x = copy_floats(ds->x + start * ds->cols, count * ds->cols, "dataset features");
    float *y = x ? copy_floats(ds->y + start * ds->y_cols, count * ds->y_cols,
                               "dataset targets")
                 : NULL;
    if (!y) {
        free(x);
        return NULL;
    }
    return wrap(count, ds->cols, x, ds->y_cols, y, ds->classes);
}

void gf_dataset_free(gf_dataset *ds)
{
    if (!ds) return;
    free(ds->x);
    free(ds->y);
    free(ds);
}

/* ---- IDX pairs -------------------------------------------------------- */

/* Labels: one dimension, an integer element type, one per image, each in
 * [0, classes).  The messages name the labels file, since that is what the
 * user has to go and look at. */
static gf_status check_labels(const gf_idx *lab, const char *path, size_t images,
                              const char *images_path, int classes)
{
    if (lab->ndim != 1)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: labels must be one-dimensional, but the file has %d dimensions",
                        path, lab->ndim);
    if (lab->elem_type == IDX_F32 || lab->elem_type == IDX_F64)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: labels must have an integer element type, but the file holds "
                        "floating-point elements (type 0x%02X)",
                        path, lab->elem_type);
    if (lab->count != images)
        return gf__fail(GF_ERR_SHAPE, "%s has %zu labels but %s has %zu images", path,
                        lab->count, images_path, images);
    for (size_t i = 0; i < lab->count; i++)
        if (lab->data[i] < 0 || lab->data[i] >= (float)classes)
            return gf__fail(GF_ERR_FORMAT,
                            "%s: label %zu is %.0f, outside the allowed range [0, %d)", path,
                            i, (double)lab->data[i], classes);
    return GF_OK;
}

gf_dataset *gf_dataset_load_idx(const char *images_path, const char *labels_path, int classes)
{
    if (!images_path || !labels_path) {
        gf__fail(GF_ERR_ARG, "gf_dataset_load_idx: a file path is NULL");
        return NULL;
    }
    if (classes < 2) {
        gf__fail(GF_ERR_ARG, "gf_dataset_load_idx: classes is %d; labels need at least 2",
                 classes);
        return NULL;
    }
    gf_idx img, lab;
    if (gf_idx_read(images_path, &img)) return NULL;
    if (gf_idx_read(labels_path, &lab)) {
        gf_idx_free(&img);
        return NULL;
    }
    size_t rows = img.dims[0], cols = img.count / rows;
    if (check_labels(&lab, labels_path, rows, images_path, classes)) {
        gf_idx_free(&img);
        gf_idx_free(&lab);
        return NULL;
    }
    /* Pixels as stored are 0..255; networks train better on [0, 1].  A
     * division (not a multiply by 1/255) keeps each value correctly rounded. */
    if (img.elem_type == IDX_U8)
        for (size_t i = 0; i < img.count; i++) img.data[i] /= 255.0f;
    /* The dataset takes both buffers, so the IDX structs are not freed. */
    return gf__dataset_adopt(rows, cols, img.data, 1, lab.data, classes);
}

/* ---- accessors -------------------------------------------------------- */

size_t gf_dataset_rows(const gf_dataset *ds) { return ds ? ds->rows : 0; }
size_t gf_dataset_cols(const gf_dataset *ds) { return ds ? ds->cols : 0; }
size_t gf_dataset_y_cols(const gf_dataset *ds) { return ds ? ds->y_cols : 0; }
int gf_dataset_classes(const gf_dataset *ds) { return ds ? ds->classes : 0; }
const float *gf_dataset_x(const gf_dataset *ds) { return ds ? ds->x : NULL; }
const float *gf_dataset_y(const gf_dataset *ds) { return ds ? ds->y : NULL; }

/* ---- preprocessing ---------------------------------------------------- */

gf_status gf_dataset_feature_stats(const gf_dataset *ds, double *mean, double *sd)
{
    if (!ds || !mean || !sd) return gf__fail(GF_ERR_ARG, "feature_stats: NULL argument");
    size_t n = ds->rows * ds->cols;
    /* Two passes: the mean first, then squared deviations from it, which
     * stays accurate where the one-pass formula cancels. */
    double s = 0;
    for (size_t i = 0; i < n; i++) s += ds->x[i];
    double m = s / (double)n, ss = 0;
    for (size_t i = 0; i < n; i++) ss += (ds->x[i] - m) * (ds->x[i] - m);
    *mean = m;
    *sd = sqrt(ss / (double)n);
    return GF_OK;
}

gf_status gf_dataset_standardize(gf_dataset *ds, double mean, double sd)
{
    if (!ds) return gf__fail(GF_ERR_ARG, "standardize: dataset is NULL");
    if (!isfinite(mean) || !isfinite(sd) || !(sd > 0))
        return gf__fail(GF_ERR_ARG, "standardize: mean %g and standard deviation %g must be "
                        "finite, and the deviation positive", mean, sd);
    size_t n = ds->rows * ds->cols;
    /* A tiny deviation can push values past float's range: check every
     * result before changing any, so a refusal leaves the data as it was. */
    for (size_t i = 0; i < n; i++)
        if (!isfinite((float)((ds->x[i] - mean) / sd)))
            return gf__fail(GF_ERR_NUMERIC, "standardize: row %zu, column %zu (%g) becomes "
                            "%g, beyond float's range; the standard deviation %g is too small",
                            i / ds->cols, i % ds->cols, ds->x[i], (ds->x[i] - mean) / sd, sd);
    for (size_t i = 0; i < n; i++) ds->x[i] = (float)((ds->x[i] - mean) / sd);
    return GF_OK;
}
