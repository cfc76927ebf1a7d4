/* Internal: building datasets from buffers a reader already owns. */
#ifndef GF_DATA_DATASET_H
#define GF_DATA_DATASET_H

#include "grafo/data.h"

/* Like gf_dataset_new, with the same checks, but takes x (rows x cols) and
 * y (rows x y_cols), both from malloc, instead of copying them: readers
 * that fill their own buffers hand them over without a second copy.  x and
 * y are consumed whatever happens: owned by the dataset on success, freed
 * on failure. */
gf_dataset *gf__dataset_adopt(size_t rows, size_t cols, float *x, size_t y_cols, float *y,
                              int classes);

#endif
