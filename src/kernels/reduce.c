/* Reductions with a fixed order of additions. */
#include <string.h>

#include "kernels/kernels.h"

/* Chunks are a fixed size, so the partial sums, and the order in which they
 * are combined, do not depend on how many threads run them. */
#define SUM_CHUNK 8192

bool gf__all_finite(size_t n, const float *x)
{
    unsigned bad = 0;
#pragma omp parallel for simd schedule(static) reduction(| : bad) if (n >= GF_PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], sizeof u);
        bad |= (u & 0x7f800000u) == 0x7f800000u; /* exponent all ones: inf or NaN */
    }
    return !bad;
}

/* One chunk in double with eight running sums, so the additions do not
 * wait on each other; the lanes are combined in a fixed order.  `term` is
 * what is summed: x, or x squared. */
#define CHUNK_SUM(name, term)                                               \
    static double name(const float *x, size_t n)                              \
    {                                                                         \
        double lane[8] = {0};                                                 \
        size_t i = 0;                                                         \
        for (; i + 8 <= n; i += 8)                                            \
            for (int j = 0; j < 8; j++) lane[j] += term(x[i + j]);            \
        double s = 0;                                                         \
        for (; i < n; i++) s += term(x[i]);                                   \
        for (int j = 0; j < 8; j++) s += lane[j];                             \
        return s;                                                             \
    }
#define PLAIN(v) ((double)(v))
#define SQUARED(v) ((double)(v) * (double)(v))
CHUNK_SUM(sum_chunk, PLAIN)
CHUNK_SUM(squares_chunk, SQUARED)

/* Fixed-size chunks summed in parallel, their partial sums added in order;
 * the chunk function is inlined into each caller. */
static inline double chunked(size_t n, const float *x, double (*chunk)(const float *, size_t))
{
    size_t chunks = (n + SUM_CHUNK - 1) / SUM_CHUNK;
    if (chunks <= 1) return chunk(x, n);
    double total = 0;
    /* Partial sums of 64 chunks at a time keep the scratch on the stack. */
    for (size_t c0 = 0; c0 < chunks; c0 += 64) {
        double part[64];
        size_t cn = chunks - c0 < 64 ? chunks - c0 : 64;
#pragma omp parallel for schedule(static) if (n >= GF_PAR_MIN)
        for (size_t c = 0; c < cn; c++) {
            size_t lo = (c0 + c) * SUM_CHUNK, hi = lo + SUM_CHUNK < n ? lo + SUM_CHUNK : n;
            part[c] = chunk(x + lo, hi - lo);
        }
        for (size_t c = 0; c < cn; c++) total += part[c];
    }
    return total;
}

double gf__sum(size_t n, const float *x) { return chunked(n, x, sum_chunk); }
double gf__sum_squares(size_t n, const float *x) { return chunked(n, x, squares_chunk); }

void gf__colsum(size_t rows, size_t cols, const float *x, const float *w, bool accumulate,
                float *out)
{
    /* Columns are independent, so threads split them; each column still sums
     * its rows in order. */
#pragma omp parallel for schedule(static) if (rows * cols >= GF_PAR_MIN && cols >= 64)
    for (size_t j0 = 0; j0 < cols; j0 += 64) {
        size_t j1 = j0 + 64 < cols ? j0 + 64 : cols;
        float acc[64];
        for (size_t j = j0; j < j1; j++) acc[j - j0] = accumulate ? out[j] : 0.0f;
        for (size_t r = 0; r < rows; r++) {
            const float *xr = x + r * cols;
            if (w) {
                const float *wr = w + r * cols;
                for (size_t j = j0; j < j1; j++) acc[j - j0] += xr[j] * wr[j];
            } else {
                for (size_t j = j0; j < j1; j++) acc[j - j0] += xr[j];
            }
        }
        for (size_t j = j0; j < j1; j++) out[j] = acc[j - j0];
    }
}
