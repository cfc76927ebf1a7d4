/* Model files (gf_pipeline_parse): a file that loads predicts for two rows
 * of its inputs. */
#include "fuzz.h"
#include "framed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start();
    if (size < 1) return 0;
    uint8_t *file;
    size_t len;
    framed_file(data, size, &file, &len);
    gf_pipeline *p = NULL;
    gf_status s = gf_pipeline_parse(file, len, "fuzz.safetensors", &p);
    free(file);
    if (s != GF_OK) {
        FUZZ_CHECK(p == NULL);
        FUZZ_FAILED_WITH_MESSAGE();
        return 0;
    }
    size_t cols = gf_pipeline_nfeatures(p);
    if (cols <= 4096) {
        double *x = calloc(2 * cols + 1, sizeof *x);
        if (!x) abort();
        for (size_t j = 0; j < cols; j++) x[cols + j] = 1;
        gf_prediction *pr = NULL;
        s = gf_pipeline_predict_x(p, x, 2, cols, &pr);
        if (s == GF_OK) {
            FUZZ_CHECK(pr->n == 2);
            FUZZ_CHECK(pr->k == gf_pipeline_nclasses(p) || (pr->k == 2 && gf_pipeline_nclasses(p) == 0) ||
                       pr->value != NULL);
            if (pr->label)
                for (size_t i = 0; i < 2; i++) FUZZ_CHECK(pr->label[i] >= 0 && (size_t)pr->label[i] < pr->k);
            gf_prediction_free(pr);
        } else {
            FUZZ_CHECK(pr == NULL);
            FUZZ_FAILED_WITH_MESSAGE();
        }
        free(x);
    }
    gf_pipeline_free(p);
    return 0;
}
