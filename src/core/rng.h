/* Internal: pieces of the generator shared beyond rng.c. */
#ifndef GF_CORE_RNG_H
#define GF_CORE_RNG_H

#include "grafo/base.h"

/* One accepted pair of Marsaglia's polar method: two independent standard
 * normals.  gf_rng_normal keeps the first; the noise op keeps both. */
void gf__rng_normal_pair(gf_rng *r, double *a, double *b);

#endif
