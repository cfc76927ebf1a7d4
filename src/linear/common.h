/* Internal: what every linear model shares — checking a gf_xy, coefficient
 * names, column statistics, warnings. */
#ifndef GF_LINEAR_COMMON_H
#define GF_LINEAR_COMMON_H

#include "grafo/linear.h"

#include <stdbool.h>

/* What a model needs from its data. */
enum {
    GF__NEED_Y = 1,          /* a finite response y */
    GF__NEED_LABEL = 2,      /* labels in [0, classes) */
    GF__NEED_BINARY = 4,     /* labels 0 or 1 */
};

/* The largest magnitude accepted in x and y: squares and their sums over
 * many rows must stay finite in double precision (1e100 squared is 1e200,
 * far from overflow for any n that fits in memory). */
#define GF__MAX_ABS 1e100

/* Check d for the model `who`: non-NULL arrays, p > 0, n >= min_rows, every
 * x (and y) finite and within +-GF__MAX_ABS, labels in range.  `classes` bounds the labels when
 * GF__NEED_LABEL is set (0: no upper bound).  Errors name the row and
 * column (1-based, as a person counts). */
gf_status gf__xy_check(const gf_xy *d, unsigned need, size_t min_rows, size_t classes,
                       const char *who);

/* Binary labels (after gf__xy_check) must include both classes: with one,
 * there is no boundary to learn. */
gf_status gf__check_both_classes(const gf_xy *d, const char *who);

/* 1 + the largest label, after gf__xy_check. */
size_t gf__label_count(const gf_xy *d);

/* v must be finite and >= 0 (or > 0 when strict). */
gf_status gf__check_rate(double v, int strict, const char *what, const char *who);

/* k = p + 1 names: "(Intercept)", then d->names[j] or "x<j+1>".  NULL
 * (with GF_ERR_NOMEM recorded) if out of memory.  Free with gf__names_free. */
char **gf__coef_names(const gf_xy *d);
void gf__names_free(char **names, size_t k);
/* The name of column j of x (0-based), for messages; never NULL. */
const char *gf__col_name(const gf_xy *d, size_t j, char buf[32]);

/* True if every value of column j equals the first exactly, as glmnet
 * decides: a column's computed sd is not reliable for this, since rounding
 * leaves a constant column's sd a few ulps above 0. */
bool gf__col_is_constant(const gf_xy *d, size_t j);

/* Column means and population standard deviations (divisor n) of x. */
void gf__col_stats(const gf_xy *d, double *mean, double *sd);

/* x transposed into a new column-major n x (p + intercept) array, with a
 * leading column of ones when intercept is set.  NULL on out of memory. */
double *gf__design_colmajor(const gf_xy *d, int intercept);

/* Append a warning to *w (a malloc'd string, or NULL), "; "-separated.
 * Out of memory loses the warning, not the fit. */
void gf__warn(char **w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
