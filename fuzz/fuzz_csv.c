/* CSV: the first byte picks the options (delimiter, missing values, level
 * order, a column declared a factor), the rest is the file. */
#include "fuzz.h"

#include <math.h>

/* Every cell of a parsed frame is readable and consistent. */
static void check_frame(const gf_frame *f)
{
    size_t rows = gf_frame_rows(f), cols = gf_frame_cols(f);
    FUZZ_CHECK(rows > 0 || cols > 0);
    for (size_t j = 0; j < cols; j++) {
        FUZZ_CHECK(gf_frame_name(f, j) != NULL);
        FUZZ_CHECK(gf_frame_find(f, gf_frame_name(f, j)) == (long)j);
        if (gf_frame_type(f, j) == GF_COL_NUMERIC) {
            const double *v = gf_frame_numeric(f, j);
            for (size_t i = 0; i < rows; i++) FUZZ_CHECK(isfinite(v[i]) || isnan(v[i]));
            continue;
        }
        const int32_t *c = gf_frame_codes(f, j);
        size_t k = gf_frame_nlevels(f, j);
        for (size_t l = 0; l < k; l++) FUZZ_CHECK(gf_frame_level(f, j, l) != NULL);
        for (size_t i = 0; i < rows; i++) FUZZ_CHECK(c[i] >= -1 && c[i] < (int32_t)k);
    }
    for (size_t i = 0; i < rows; i++) FUZZ_CHECK(gf_frame_line(f, i) >= 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start();
    if (size < 1) return 0;
    static const char delimiters[] = { 0, ',', ';', '\t' };
    static const char *const factor[] = { "x" };
    unsigned mode = data[0];
    gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
    o.delimiter = delimiters[mode & 3];
    o.na = (mode >> 2 & 3) == 1 ? GF_NA_OMIT : (mode >> 2 & 3) == 2 ? GF_NA_KEEP : GF_NA_FAIL;
    o.levels = mode >> 4 & 1 ? GF_LEVELS_APPEARANCE : GF_LEVELS_SORTED;
    if (mode >> 5 & 1) {
        o.factors = factor;
        o.n_factors = 1;
    }
    gf_frame *f = NULL;
    gf_status s = gf_csv_parse((const char *)data + 1, size - 1, "fuzz.csv", &o, &f);
    if (s != GF_OK) {
        FUZZ_CHECK(f == NULL);
        FUZZ_FAILED_WITH_MESSAGE();
        return 0;
    }
    check_frame(f);
    gf_frame_free(f);
    return 0;
}
