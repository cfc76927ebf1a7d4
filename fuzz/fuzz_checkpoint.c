/* Checkpoints (gf_checkpoint_parse): one that loads trains one more epoch
 * on a few rows of made-up data, so a hostile state (counters, moments,
 * history, options) meets the code that uses it. */
#include "fuzz.h"
#include "framed.h"

enum { ROWS = 6 };

static void train_one_epoch(gf_pipeline *p, gf_trainer *t)
{
    const gf_arch *a = gf_pipeline_arch(p);
    size_t cols = gf_pipeline_nfeatures(p);
    int epoch = gf_trainer_epoch(t);
    if (!a || cols > 64 || epoch >= 1000) return;
    int outputs = a->layers[a->n - 1].units;
    int classes = a->loss == GF_LOSS_SOFTMAX_XENT ? outputs : 0;
    size_t ycols = a->loss == GF_LOSS_MSE ? (size_t)outputs : 1;
    if (ycols > 64) return;
    float x[ROWS * 64], y[ROWS * 64];
    for (size_t i = 0; i < ROWS * cols; i++) x[i] = (float)((i * 7) % 5) - 2;
    for (size_t i = 0; i < ROWS * ycols; i++) y[i] = classes ? (float)(i % (size_t)classes) : (float)(i % 2);
    gf_dataset *train = gf_dataset_new(ROWS, cols, x, ycols, y, classes);
    if (!train) return;
    if (gf_trainer_set_epochs(t, epoch + 1) == GF_OK) {
        gf_dataset *valid = gf_trainer_opts(t)->patience > 0 ? train : NULL;
        gf_status s = gf_trainer_fit(t, train, valid);
        if (s != GF_OK) FUZZ_FAILED_WITH_MESSAGE();
    }
    gf_dataset_free(train);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start();
    if (size < 1) return 0;
    uint8_t *file;
    size_t len;
    framed_file(data, size, &file, &len);
    gf_pipeline *p = NULL;
    gf_trainer *t = NULL;
    gf_status s = gf_checkpoint_parse(file, len, "fuzz.ckpt", &p, &t);
    free(file);
    if (s != GF_OK) {
        FUZZ_CHECK(p == NULL && t == NULL);
        FUZZ_FAILED_WITH_MESSAGE();
        return 0;
    }
    train_one_epoch(p, t);
    gf_trainer_free(t);
    gf_pipeline_free(p);
    return 0;
}
