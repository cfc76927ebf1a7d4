/* grafo/base.h — what every part of grafo shares: status codes, error
 * messages, threads and the random generator.
 *
 * Errors: a fallible call returns a gf_status (GF_OK is 0) or NULL, and
 * gf_errmsg() then describes what went wrong and where.  The library never
 * prints, never exits and never aborts on bad input. */
#ifndef GRAFO_BASE_H
#define GRAFO_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GF_VERSION_MAJOR 0
#define GF_VERSION_MINOR 1
#define GF_VERSION_PATCH 0
#define GF_VERSION_STRING "0.1.0"

typedef enum gf_status {
    GF_OK = 0,
    GF_ERR_ARG,       /* a bad argument: unknown option, out-of-range value */
    GF_ERR_SHAPE,     /* shapes that do not fit together */
    GF_ERR_IO,        /* a file could not be opened, read or written */
    GF_ERR_FORMAT,    /* a file's content is malformed */
    GF_ERR_NOMEM,     /* an allocation failed */
    GF_ERR_NUMERIC,   /* a non-finite value where a finite one is needed */
    GF_ERR_STATE,     /* a call made at the wrong time (e.g. before compile) */
    GF_ERR_FIT,       /* the data do not determine the model: collinear columns,
                         separable classes, no convergence */
    GF_STATUS_COUNT
} gf_status;

/* The message of the last error on this thread, never NULL ("" if none
 * yet).  Borrowed: a thread-local buffer, so the pointer stays valid, but
 * the next failing grafo call on this thread overwrites the text.  A
 * successful call does not clear it: read it only after a call failed.
 * Messages longer than 1023 bytes are cut. */
const char *gf_errmsg(void);

/* A short name for a status ("shape error", ...); "unknown status" for a
 * value outside the enum.  Static storage, never NULL. */
const char *gf_status_name(gf_status s);

/* Threads used by grafo's own loops (OpenMP) and by OpenBLAS together, so
 * the two never oversubscribe the cores.  n <= 0 means one per core.
 * OpenBLAS's count is process-wide, but OpenMP's is the calling thread's
 * setting: call it from the thread that runs grafo, before the work, and
 * not while another thread is inside grafo.  gf_get_threads() returns the
 * calling thread's OpenMP count (omp_get_max_threads). */
void gf_set_threads(int n);
int gf_get_threads(void);

/* A random generator owned by the caller (xoshiro256**, seeded through
 * splitmix64).  Every random choice in grafo draws from one of these, so the
 * same seed and thread count give the same bits.  The struct is public so it
 * can live on the stack and be saved in a checkpoint; treat it as opaque. */
typedef struct gf_rng {
    uint64_t s[4];
} gf_rng;

/* These never fail and do not check their arguments (they sit in inner
 * loops): r must not be NULL.  Each call advances *r. */

/* Any seed, 0 included, gives a usable state: splitmix64 spreads it over
 * the 256 bits, so nearby seeds give unrelated streams. */
void gf_rng_seed(gf_rng *r, uint64_t seed);
/* 64 random bits. */
uint64_t gf_rng_u64(gf_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double gf_rng_uniform(gf_rng *r);
/* Uniform integer in [0, n), without modulo bias (draws are rejected and
 * redrawn, so the number of draws used varies); n must be > 0, as n = 0
 * divides by zero. */
uint64_t gf_rng_below(gf_rng *r, uint64_t n);
/* Standard normal (mean 0, variance 1), by the Marsaglia polar method: two
 * uniforms per attempt, one of the pair of normals kept, so no spare is
 * cached in the state. */
double gf_rng_normal(gf_rng *r);
/* Fisher–Yates shuffle of idx[0..n) in place: every permutation equally
 * likely.  idx may be NULL when n is 0. */
void gf_rng_shuffle(gf_rng *r, int32_t *idx, size_t n);

#ifdef __cplusplus
}
#endif
#endif
