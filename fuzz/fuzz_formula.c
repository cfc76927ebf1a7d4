/* R-style formulas: the input is the formula, resolved against a small
 * frame of numbers and factors, and when it resolves, the design matrix
 * is built from the frame. */
#include "fuzz.h"

#include <math.h>

static const char frame_csv[] =
    "y,x1,x2,z,f,g,x\n"
    "1.5,1,0.5,2,a,u,3\n"
    "2.0,2,-1,4,b,v,1\n"
    "0.5,3,2.5,0.5,c,u,2\n"
    "3.0,4,NA,8,a,v,3\n"
    "2.5,5,1,1,b,u,1\n"
    "4.0,6,0,16,c,v,2\n";

static const gf_frame *frame(void)
{
    static gf_frame *f;
    if (!f) {
        gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
        o.na = GF_NA_KEEP;
        static const char *const factors[] = { "x" };
        o.factors = factors;
        o.n_factors = 1;
        if (gf_csv_parse(frame_csv, sizeof frame_csv - 1, "frame.csv", &o, &f) != GF_OK) abort();
    }
    return f;
}

static void check_design(const gf_terms *t, const gf_design *d)
{
    FUZZ_CHECK(d->p == gf_terms_ncols(t));
    FUZZ_CHECK(d->n >= 1 && d->n <= gf_frame_rows(frame()));
    for (size_t j = 0; j < d->p; j++) FUZZ_CHECK(d->names[j] && !strcmp(d->names[j], gf_terms_colname(t, j)));
    for (size_t i = 0; i < d->n; i++) {
        FUZZ_CHECK(d->row[i] < gf_frame_rows(frame()));
        for (size_t j = 0; j < d->p; j++) FUZZ_CHECK(isfinite(d->x[i * d->p + j]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start();
    char *formula = fuzz_string(data, size);
    gf_terms *t = NULL;
    gf_status s = gf_terms_new(formula, frame(), &t);
    if (s != GF_OK) {
        FUZZ_CHECK(t == NULL);
        FUZZ_FAILED_WITH_MESSAGE();
        free(formula);
        return 0;
    }
    FUZZ_CHECK(gf_terms_formula(t) != NULL);
    for (size_t j = 0; j < gf_terms_ncols(t); j++) FUZZ_CHECK(gf_terms_colname(t, j) != NULL);
    gf_design_opts o = GF_DESIGN_OPTS_DEFAULT;
    o.na_omit = 1;
    o.need_response = 0;
    gf_design *d = NULL;
    s = gf_design_new(t, frame(), &o, &d);
    if (s == GF_OK) {
        check_design(t, d);
        gf_design_free(d);
    } else {
        FUZZ_CHECK(d == NULL);
        FUZZ_FAILED_WITH_MESSAGE();
    }
    gf_terms_free(t);
    free(formula);
    return 0;
}
