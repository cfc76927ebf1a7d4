/* One thread count for grafo's OpenMP loops and OpenBLAS's GEMMs, so the
 * two never oversubscribe the cores between them. */
#include "grafo/base.h"

#include <cblas.h>
#include <omp.h>

void gf_set_threads(int n)
{
    if (n <= 0) n = omp_get_num_procs();
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
}

int gf_get_threads(void) { return omp_get_max_threads(); }
