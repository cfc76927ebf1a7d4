/* Matrix products through OpenBLAS's CBLAS interface. */
#include <cblas.h>

#include "kernels/kernels.h"

void gf__gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float *a,
              const float *b, bool accumulate, float *c)
{
    /* Leading dimensions follow from row-major storage of A and B as they
     * are stored, i.e. before the transposes are applied. */
    int lda = trans_a ? m : k;
    int ldb = trans_b ? k : n;
    /* BLAS ignores C's old contents when beta is 0, even if they are NaN. */
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
                accumulate ? 1.0f : 0.0f, c, n);
}
