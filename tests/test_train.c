/* Training: bit-identical results for a seed and thread count, the 1/t
 * learning-rate schedule step by step, online SGD, non-finite losses, and
 * option errors. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grafo.h"

#define HAS(text) (strstr(gf_errmsg(), (text)) != NULL)

/* Synthetic 4-class data: a class is the argmax of a fixed projection. */
static gf_dataset *blobs(size_t rows, size_t cols, uint64_t seed)
{
    gf_rng r;
    gf_rng_seed(&r, seed);
    float *x = malloc(rows * cols * sizeof *x), *y = malloc(rows * sizeof *y);
    for (size_t i = 0; i < rows; i++) {
        double best = -1e9;
        for (size_t j = 0; j < cols; j++) x[i * cols + j] = (float)gf_rng_normal(&r);
        for (int c = 0; c < 4; c++) {
            double s = 0;
            for (size_t j = c; j < cols; j += 4) s += x[i * cols + j];
            if (s > best) best = s, y[i] = (float)c;
        }
    }
    gf_dataset *ds = gf_dataset_new(rows, cols, x, 1, y, 4);
    free(x);
    free(y);
    return ds;
}

/* Big enough that the element-wise loops and OpenBLAS both use threads. */
static gf_model *train_once(const gf_dataset *ds, uint64_t seed, int threads, double *acc)
{
    gf_set_threads(threads);
    gf_model *m = gf_model_new((int)gf_dataset_cols(ds));
    gf_node h = gf_dense(m, gf_model_input(m), 384, GF_ACT_RELU);
    gf_node z = gf_dense(m, h, 4, GF_ACT_IDENTITY);
    gf_model_set_loss(m, z, GF_LOSS_SOFTMAX_XENT);
    CHECK(gf_model_compile(m, 128, seed) == GF_OK, "%s", gf_errmsg());
    gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
    o.epochs = 5;
    o.batch_size = 128;
    o.optim.lr = 0.1f;
    o.optim.schedule = GF_SCHEDULE_INVERSE, o.optim.decay = 1e-3f;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_OK, "%s", gf_errmsg());
    gf_model_evaluate(m, ds, NULL, acc);
    return m;
}

static bool same_bits(gf_model *a, gf_model *b)
{
    gf_graph *ga = gf_model_graph(a), *gb = gf_model_graph(b);
    return gf_param_count(ga) == gf_param_count(gb) &&
           memcmp(gf_params(ga), gf_params(gb), gf_param_count(ga) * sizeof(float)) == 0;
}

static void test_determinism(void)
{
    gf_dataset *ds = blobs(1000, 96, 5);
    for (int threads = 1; threads <= 2; threads++) {
        double acc1, acc2, acc3;
        gf_model *a = train_once(ds, 11, threads, &acc1);
        gf_model *b = train_once(ds, 11, threads, &acc2);
        gf_model *c = train_once(ds, 12, threads, &acc3);
        CHECK(same_bits(a, b), "seed 11, %d thread(s): two runs differ", threads);
        CHECK(!same_bits(a, c), "seeds 11 and 12 gave the same weights");
        CHECK(acc1 > 0.6, "the network learned too little: accuracy %.3f (chance is 0.25)", acc1);
        gf_model_free(a);
        gf_model_free(b);
        gf_model_free(c);
    }
    gf_dataset_free(ds);
    gf_set_threads(2);
}

/* One weight, loss (w x - 0)^2 with x = 1: each online step multiplies w by
 * (1 - 2 lr_t) with lr_t = lr / (1 + k t), so after T steps
 * w = w0 prod_t (1 - 2 lr / (1 + k t)). */
static void test_schedule(void)
{
    float lr = 0.05f, k = 0.3f;
    gf_model *m = gf_model_new(1);
    gf_node w = gf_model_param(m, "w", 1, 1, GF_INIT_ZEROS);
    gf_node z = gf_matmul(gf_model_graph(m), gf_model_input(m), w);
    CHECK(gf_model_set_loss(m, z, GF_LOSS_MSE) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_model_compile(m, 1, 1) == GF_OK, "%s", gf_errmsg());
    gf_param_value(gf_model_graph(m), w)[0] = 1.0f;
    float x = 1, y = 0;
    gf_dataset *ds = gf_dataset_new(1, 1, &x, 1, &y, 0);
    gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
    o.epochs = 20; /* one example, batch 1: one step per epoch */
    o.batch_size = 1;
    o.optim.lr = lr;
    o.optim.schedule = GF_SCHEDULE_INVERSE, o.optim.decay = k;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_OK, "%s", gf_errmsg());
    double want = 1;
    for (int t = 0; t < 20; t++) want *= 1 - 2 * (double)lr / (1 + (double)k * t);
    CHECK_NEAR(gf_param_value(gf_model_graph(m), w)[0], want, 1e-5);
    /* Without decay the rate stays fixed: w = (1 - 2 lr)^T. */
    gf_param_value(gf_model_graph(m), w)[0] = 1.0f;
    o.optim.schedule = GF_SCHEDULE_INVERSE, o.optim.decay = 0;
    gf_model_fit(m, ds, NULL, &o);
    CHECK_NEAR(gf_param_value(gf_model_graph(m), w)[0], pow(1 - 2 * (double)lr, 20), 1e-5);
    gf_dataset_free(ds);
    gf_model_free(m);
}

/* Reports arrive once per epoch with sane numbers, and a non-zero return
 * stops training. */
static int epochs_seen;
static int stop_after_two(const gf_epoch_report *r, void *user)
{
    (void)user;
    epochs_seen++;
    CHECK(r->epoch == epochs_seen, "epoch %d reported as %d", epochs_seen, r->epoch);
    CHECK(r->loss > 0 && isfinite(r->loss), "loss %g", r->loss);
    CHECK(r->train_accuracy >= 0 && r->train_accuracy <= 1, "accuracy %g", r->train_accuracy);
    CHECK(r->valid_accuracy >= 0 && r->valid_accuracy <= 1, "test accuracy %g", r->valid_accuracy);
    CHECK(r->seconds > 0 && r->samples_per_second > 0, "timing %g s", r->seconds);
    return r->epoch == 2;
}

static void test_reports_and_errors(void)
{
    gf_dataset *ds = blobs(300, 8, 9), *test = blobs(100, 8, 10), *wrong = blobs(50, 7, 1);
    gf_model *m = gf_model_new(8);
    gf_node z = gf_dense(m, gf_dense(m, gf_model_input(m), 16, GF_ACT_TANH), 4, GF_ACT_IDENTITY);
    gf_model_set_loss(m, z, GF_LOSS_SOFTMAX_XENT);
    gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_ERR_STATE && HAS("compile"), "%s", gf_errmsg());
    CHECK(gf_model_compile(m, 32, 1) == GF_OK, "%s", gf_errmsg());
    o.on_epoch = stop_after_two;
    o.batch_size = 32;
    CHECK(gf_model_fit(m, ds, test, &o) == GF_OK, "%s", gf_errmsg());
    CHECK(epochs_seen == 2, "%d epochs ran; the callback asked to stop after 2", epochs_seen);
    o.on_epoch = NULL;
    o.batch_size = 33;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_ERR_ARG && HAS("1..32"), "%s", gf_errmsg());
    o.batch_size = 8;
    o.optim.lr = NAN;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_ERR_ARG && HAS("lr is"), "%s", gf_errmsg());
    o.optim.lr = -1;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_ERR_ARG && HAS("lr is"), "%s", gf_errmsg());
    o.optim.lr = 0.1f;
    o.optim.schedule = GF_SCHEDULE_INVERSE, o.optim.decay = -1;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_ERR_ARG && HAS("decay"), "%s", gf_errmsg());
    o.optim.schedule = GF_SCHEDULE_INVERSE, o.optim.decay = 0;
    o.epochs = 0;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_ERR_ARG && HAS("epochs"), "%s", gf_errmsg());
    o.epochs = 1;
    CHECK(gf_model_fit(m, wrong, NULL, &o) == GF_ERR_SHAPE && HAS("7 features") && HAS("takes 8"),
          "%s", gf_errmsg());

    gf_model_free(m);
    gf_dataset_free(ds);
    gf_dataset_free(test);
    gf_dataset_free(wrong);
}

/* Models for the other losses train too (binary by BCE and by hinge,
 * regression by MSE), and report accuracy only where it means something. */
static void test_other_losses(void)
{
    gf_rng r;
    gf_rng_seed(&r, 3);
    enum { N = 400 };
    float x[N * 2], y01[N], ypm[N], yreg[N];
    for (int i = 0; i < N; i++) {
        x[2 * i] = (float)gf_rng_normal(&r);
        x[2 * i + 1] = (float)gf_rng_normal(&r);
        bool pos = x[2 * i] + 0.5f * x[2 * i + 1] > 0.2f;
        y01[i] = pos;
        ypm[i] = pos ? 1.0f : -1.0f;
        yreg[i] = 3 * x[2 * i] - x[2 * i + 1] + 0.5f;
    }
    struct { gf_loss loss; const float *y; double min_acc; } cases[] = {
        {GF_LOSS_BCE_LOGITS, y01, 0.95}, {GF_LOSS_HINGE, ypm, 0.95}, {GF_LOSS_MSE, yreg, -1}};
    for (int c = 0; c < 3; c++) {
        gf_dataset *ds = gf_dataset_new(N, 2, x, 1, cases[c].y, 0);
        gf_model *m = gf_model_new(2);
        gf_node z = gf_dense(m, gf_model_input(m), 1, GF_ACT_IDENTITY);
        CHECK(gf_model_set_loss(m, z, cases[c].loss) == GF_OK, "%s", gf_errmsg());
        CHECK(gf_model_compile(m, 16, 2) == GF_OK, "%s", gf_errmsg());
        gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
        o.epochs = 30;
        o.batch_size = 16;
        CHECK(gf_model_fit(m, ds, NULL, &o) == GF_OK, "%s", gf_errmsg());
        double loss, acc;
        gf_model_evaluate(m, ds, &loss, &acc);
        if (cases[c].min_acc > 0) CHECK(acc >= cases[c].min_acc, "loss %d: accuracy %.3f", c, acc);
        else CHECK(isnan(acc) && loss < 1e-4, "regression: loss %g accuracy %g", loss, acc);
        if (cases[c].loss == GF_LOSS_MSE) {
            /* A learning rate so large that each step multiplies the error:
             * the loss overflows, and training stops with a message before
             * the bad step, leaving the last finite parameters. */
            o.optim.lr = 50;
            gf_status s = gf_model_fit(m, ds, NULL, &o);
            CHECK(s == GF_ERR_NUMERIC && HAS("stopped before applying"), "status %d: %s", s,
                  gf_errmsg());
            gf_graph *g = gf_model_graph(m);
            bool finite = true;
            for (size_t i = 0; i < gf_param_count(g); i++) finite &= isfinite(gf_params(g)[i]) != 0;
            CHECK(finite, "parameters are not finite after a stopped run");
        }
        gf_model_free(m);
        gf_dataset_free(ds);
    }
}

/* Building a model wrongly: each mistake is reported, by the call or at
 * compile, with a message that says what. */
static void test_model_errors(void)
{
    CHECK(gf_model_new(0) == NULL && HAS("at least one"), "%s", gf_errmsg());
    gf_model *m = gf_model_new(3);
    CHECK(gf_model_set_loss(m, GF_NONE, GF_LOSS_MSE) == GF_ERR_ARG && HAS("GF_NONE"), "%s", gf_errmsg());
    gf_node h = gf_dense(m, gf_model_input(m), 0, GF_ACT_RELU);
    CHECK(h == GF_NONE && HAS("0 units"), "%s", gf_errmsg());
    gf_node z = gf_dense(m, h, 2, GF_ACT_IDENTITY); /* quietly GF_NONE after the error */
    CHECK(gf_model_set_loss(m, z, GF_LOSS_MSE) == GF_ERR_ARG && HAS("0 units"), "%s", gf_errmsg());
    CHECK(gf_model_compile(m, 4, 1) == GF_ERR_ARG && HAS("0 units"), "%s", gf_errmsg());
    gf_model_free(m);

    m = gf_model_new(3);
    z = gf_dense(m, gf_model_input(m), 2, GF_ACT_IDENTITY);
    CHECK(gf_model_compile(m, 4, 1) == GF_ERR_STATE && HAS("no loss"), "%s", gf_errmsg());
    gf_model_free(m);
    gf_activation a;
    CHECK(gf_activation_parse("swish", &a) == GF_ERR_ARG && HAS("relu"), "%s", gf_errmsg());
    CHECK(gf_activation_parse("elu", &a) == GF_OK && a == GF_ACT_ELU, "elu parsed as %d", a);
}

/* Standardising: the statistics of known data, the transform, and the
 * checks on its arguments. */
static void test_standardize(void)
{
    float x[] = {1, 2, 3, 4, 5, 6}, y[] = {0, 1, 0};
    gf_dataset *ds = gf_dataset_new(3, 2, x, 1, y, 2);
    double mean = 0, sd = 0;
    CHECK(gf_dataset_feature_stats(ds, &mean, &sd) == GF_OK, "%s", gf_errmsg());
    CHECK_NEAR(mean, 3.5, 1e-12);
    CHECK_NEAR(sd, sqrt(17.5 / 6), 1e-12); /* population deviation */
    CHECK(gf_dataset_standardize(ds, mean, sd) == GF_OK, "%s", gf_errmsg());
    for (int i = 0; i < 6; i++) CHECK_NEAR(gf_dataset_x(ds)[i], (x[i] - 3.5) / sqrt(17.5 / 6), 1e-6);
    CHECK(gf_dataset_standardize(ds, 0, 0) == GF_ERR_ARG && HAS("positive"), "%s", gf_errmsg());
    CHECK(gf_dataset_standardize(ds, NAN, 1) == GF_ERR_ARG && HAS("finite"), "%s", gf_errmsg());
    gf_dataset_free(ds);
}

int main(void)
{
    gf_set_threads(2);
    test_determinism();
    test_schedule();
    test_reports_and_errors();
    test_other_losses();
    test_model_errors();
    test_standardize();
    return check_report("test_train");
}
