/* The IDX targets' shared check of gf_idx_read's contract. */
#ifndef GF_FUZZ_IDX_CHECK_H
#define GF_FUZZ_IDX_CHECK_H

#include <math.h>

static void idx_check(const char *path)
{
    gf_idx idx;
    gf_status s = gf_idx_read(path, &idx);
    if (s != GF_OK) {
        FUZZ_CHECK(idx.data == NULL && idx.count == 0 && idx.ndim == 0);
        FUZZ_FAILED_WITH_MESSAGE();
        return;
    }
    FUZZ_CHECK(idx.ndim >= 1 && idx.ndim <= GF_IDX_MAX_DIMS);
    size_t count = 1;
    for (int i = 0; i < idx.ndim; i++) count *= idx.dims[i];
    FUZZ_CHECK(count == idx.count);
    for (size_t i = 0; i < idx.count; i++) FUZZ_CHECK(isfinite(idx.data[i]));
    gf_idx_free(&idx);
}

#endif
