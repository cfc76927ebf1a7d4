/* Internal: numeric loops over contiguous float arrays.  No allocation.
 * Every reduction adds in an order fixed by the sizes alone, never by the
 * thread schedule, so results are bit-identical from run to run. */
#ifndef GF_KERNELS_H
#define GF_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Below this many elements a loop runs on one thread: forking costs more
 * than it saves. */
#define GF_PAR_MIN 32768

/* Put before an element-wise loop whose length is in a variable named n:
 * splits it over the threads when it is long enough to pay for them. */
#define GF_PARALLEL_FOR_N _Pragma("omp parallel for simd schedule(static) if (n >= GF_PAR_MIN)")

/* C = alpha op(A) op(B) + (accumulate ? C : 0), row-major, op = transpose
 * when the flag is set.  Shapes: op(A) is m x k, op(B) is k x n. */
void gf__gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
              const float *b, bool accumulate, float *c);

/* dst[i] (=|+=) expr for i in [0, n), the loop's length in a variable named
 * n and expr written with i.  Deciding between overwrite and accumulate
 * outside the loop keeps each loop branch-free, so it vectorises. */
#define GF_STORE_GRAD(accumulate, dst, expr)                                  \
    do {                                                                      \
        float *restrict grad_out_ = (dst); /* loaded once: no aliasing */     \
        if (accumulate) {                                                     \
            GF_PARALLEL_FOR_N                                                 \
            for (size_t i = 0; i < n; i++) grad_out_[i] += (expr);            \
        } else {                                                              \
            GF_PARALLEL_FOR_N                                                 \
            for (size_t i = 0; i < n; i++) grad_out_[i] = (expr);             \
        }                                                                     \
    } while (0)

/* True if every x[0..n) is finite.  Tests the exponent bits, an integer
 * reduction the compiler can vectorise, unlike a float sum. */
bool gf__all_finite(size_t n, const float *x);

/* Sum of x[0..n), and of its squares, in double, in an order that does
 * not depend on the number of threads. */
double gf__sum(size_t n, const float *x);
double gf__sum_squares(size_t n, const float *x);

/* out[j] (=|+=) sum over r of x[r*cols + j] * (w ? w[r*cols + j] : 1). */
void gf__colsum(size_t rows, size_t cols, const float *x, const float *w, bool accumulate,
                float *out);

#endif
