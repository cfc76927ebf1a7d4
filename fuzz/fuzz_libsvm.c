/* The libsvm format: the first byte picks n_features (0: from the file),
 * the rest is the file.  A parsed matrix is checked and, when small,
 * expanded to dense as the command does. */
#include "fuzz.h"

#include <math.h>

static void check_sparse(const gf_sparse *s)
{
    FUZZ_CHECK(s->rows > 0 && s->row_start[0] == 0 && s->row_start[s->rows] == s->nnz);
    for (size_t i = 0; i < s->rows; i++) {
        FUZZ_CHECK(isfinite(s->y[i]));
        FUZZ_CHECK(s->row_start[i] <= s->row_start[i + 1]);
        for (size_t k = s->row_start[i]; k < s->row_start[i + 1]; k++) {
            FUZZ_CHECK(s->col[k] >= 0 && (size_t)s->col[k] < s->cols);
            FUZZ_CHECK(k == s->row_start[i] || s->col[k] > s->col[k - 1]);
            FUZZ_CHECK(isfinite(s->val[k]));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start();
    if (size < 1) return 0;
    gf_libsvm_opts o = GF_LIBSVM_OPTS_DEFAULT;
    o.n_features = data[0] < 128 ? 0 : data[0] - 127u;
    gf_sparse *m = NULL;
    gf_status s = gf_libsvm_parse((const char *)data + 1, size - 1, "fuzz.svm", &o, &m);
    if (s != GF_OK) {
        FUZZ_CHECK(m == NULL);
        FUZZ_FAILED_WITH_MESSAGE();
        return 0;
    }
    check_sparse(m);
    if (o.n_features) FUZZ_CHECK(m->cols == o.n_features);
    if (m->cols <= 4096 && m->rows <= 4096) {
        double *x = malloc(m->rows * m->cols * sizeof *x + 1);
        if (!x) abort();
        FUZZ_CHECK(gf_sparse_to_dense(m, x) == GF_OK);
        for (size_t i = 0; i < m->rows; i++)
            for (size_t k = m->row_start[i]; k < m->row_start[i + 1]; k++)
                FUZZ_CHECK(x[i * m->cols + (size_t)m->col[k]] == m->val[k]);
        free(x);
    }
    gf_sparse_free(m);
    return 0;
}
