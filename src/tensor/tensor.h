/* Internal: float32 tensors as the engine and the ops see them: shapes
 * with an optional batch dimension, and views of n-d arrays (up to
 * GF_MAX_DIMS dimensions per example) that own nothing.  Buffers are owned
 * by workspaces (activations, gradients) and graphs (parameters). */
#ifndef GF_TENSOR_H
#define GF_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grafo/graph.h"

/* A shape: the sizes of one example, plus whether a batch dimension comes
 * first.  A scalar has ndim 0. */
typedef struct gf_shape {
    int ndim;
    bool batched;
    int64_t dim[GF_MAX_DIMS];
} gf_shape;

/* A tensor view: the full shape (batch resolved), the values and, where one
 * is wanted, the gradient.  Views own nothing. */
typedef struct gf_tview {
    int ndim;
    int64_t dim[GF_MAX_DIMS + 1];
    size_t n; /* product of dim */
    float *v;
    float *d; /* NULL if no gradient is wanted */
} gf_tview;

/* The same in double precision, for the reference forward. */
typedef struct gf_rview {
    int ndim;
    int64_t dim[GF_MAX_DIMS + 1];
    size_t n;
    double *v;
} gf_rview;

/* A view as a matrix: its last dimension is the columns, everything before
 * it (the batch included) the rows. */
static inline size_t gf__tview_cols(const gf_tview *t) { return (size_t)t->dim[t->ndim - 1]; }
static inline size_t gf__tview_rows(const gf_tview *t) { return t->n / gf__tview_cols(t); }

/* "(B, 784)" style text for messages. */
const char *gf__shape_str(const gf_shape *s, char *buf, size_t len);
#define GF_SHAPE_STR_MAX 96

/* Elements of one example (of the whole tensor if unbatched); 1 for a scalar. */
size_t gf__shape_size(const gf_shape *s);
bool gf__shape_equal(const gf_shape *a, const gf_shape *b);
/* Rank counting the batch dimension. */
int gf__shape_rank(const gf_shape *s);

#endif
