/* The training-mode regularisers and what they rest on: buffers in the
 * parameter block, training mode, dropout, Gaussian noise, batch
 * normalisation, label smoothing and the search for the first non-finite
 * node.  Gradients against finite differences of the double reference
 * (gf_check_grad, in the mode under test); dropout and noise against their
 * distributions on large tensors; batch norm against a computation in
 * double and against PyTorch's BatchNorm1d (tests/fixtures/batchnorm_torch.h);
 * label smoothing against the formula computed here in double. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures/batchnorm_torch.h"
#include "grafo.h"

#define GRAD_TOL 1e-3

/* Count the library's allocations: the test links with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc. */
static long allocations;
void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n) { allocations++; return __real_malloc(n); }
void *__wrap_calloc(size_t a, size_t b) { allocations++; return __real_calloc(a, b); }
void *__wrap_realloc(void *p, size_t n) { allocations++; return __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t a, size_t n) { allocations++; return __real_aligned_alloc(a, n); }

static gf_rng fill_rng;

static void fill(float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) v[i] = lo + (hi - lo) * (float)gf_rng_uniform(&fill_rng);
}

#define HAS(text) (strstr(gf_errmsg(), text) != NULL)

/* ---- gradient checks, in the mode each op is used in ---- */

/* Fill inputs and parameters with values in [-2, 2]; the label input "t"
 * gets class indices below `classes`.  Buffers are left to the caller. */
static void fill_leaves(gf_graph *g, gf_workspace *ws, int classes)
{
    for (gf_node n = 0; n < gf_graph_nodes(g); n++) {
        size_t size = gf_node_size(g, n);
        if (gf_node_op(g, n) == GF_OP_INPUT) size *= (size_t)gf_batch(ws);
        else if (gf_node_op(g, n) != GF_OP_PARAM) continue;
        float *v = gf_value(ws, n);
        fill(v, size, -2.0f, 2.0f);
        if (strcmp(gf_node_name(g, n), "t") == 0)
            for (size_t i = 0; i < size; i++) v[i] = (float)gf_rng_below(&fill_rng, (uint64_t)classes);
    }
}

static double run_check(gf_graph *g, gf_node loss, int batch, int training, const char *what,
                        int classes, void (*prepare)(gf_graph *, gf_workspace *))
{
    double worst = -1;
    CHECK(gf_graph_compile(g) == GF_OK, "%s: %s", what, gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, batch);
    if (!ws) {
        CHECK(0, "%s: workspace: %s", what, gf_errmsg());
        return worst;
    }
    gf_rng drop;
    gf_rng_seed(&drop, 99);
    CHECK(gf_set_training(ws, training, training ? &drop : NULL) == GF_OK, "%s", gf_errmsg());
    fill_leaves(g, ws, classes);
    if (prepare) prepare(g, ws);
    gf_node where = GF_NONE;
    size_t at = 0;
    gf_status s = gf_check_grad(ws, loss, &worst, &where, &at);
    CHECK(s == GF_OK, "%s: check_grad: %s", what, gf_errmsg());
    CHECK(worst >= 0 && worst <= GRAD_TOL, "%s: worst relative error %.3g at %s[%zu]", what,
          worst, gf_node_name(g, where), at);
    printf("  %-42s worst relative error %.2e\n", what, worst);
    gf_workspace_free(ws);
    return worst;
}

/* loss = sum(tanh(op(x W)) * R), R an input shaped like op's output, so
 * the loss is not linear in what the op returns. */
typedef gf_node (*regulariser)(gf_graph *, gf_node h, gf_node state);

static gf_node through(gf_graph *g, int k, int d, regulariser op, gf_node state)
{
    gf_node x = gf_input(g, "x", 1, (int64_t[]){k});
    gf_node h = gf_matmul(g, x, gf_param(g, "W", 2, (int64_t[]){k, d}));
    gf_node r = gf_input(g, "R", 1, (int64_t[]){d});
    return gf_sum(g, gf_mul(g, gf_tanh(g, op(g, h, state)), r));
}

static gf_node dropout_op(gf_graph *g, gf_node h, gf_node s) { (void)s; return gf_dropout(g, h, 0.4f); }
static gf_node noise_op(gf_graph *g, gf_node h, gf_node s) { (void)s; return gf_noise(g, h, 0.5f); }
static gf_node bn_op(gf_graph *g, gf_node h, gf_node s) { return gf_batchnorm(g, h, s, 0.1f, 1e-3f); }

/* Running statistics far from the batch's, so evaluation mode is told
 * apart from training mode. */
static void running_stats(gf_graph *g, gf_workspace *ws)
{
    (void)ws;
    gf_node run = gf_graph_find(g, "running");
    size_t f = gf_node_size(g, run) / 2;
    float *v = gf_param_value(g, run);
    for (size_t j = 0; j < f; j++) {
        v[j] = 0.3f * (float)j - 0.5f;
        v[f + j] = 0.5f + 0.25f * (float)j;
    }
}

static void test_gradients(void)
{
    printf("gradient checks (relative error, tolerance %g):\n", GRAD_TOL);
    gf_graph *g = gf_graph_new();
    run_check(g, through(g, 4, 5, dropout_op, GF_NONE), 6, 1, "dropout p=0.4, training", 0, NULL);
    gf_graph_free(g);

    g = gf_graph_new();
    run_check(g, through(g, 4, 5, noise_op, GF_NONE), 6, 1, "noise sigma=0.5 on x W, training", 0, NULL);
    gf_graph_free(g);

    /* Weight noise: the perturbed weights feed the product. */
    g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){3});
    gf_node w = gf_noise(g, gf_param(g, "W", 2, (int64_t[]){3, 4}), 0.3f);
    gf_node r = gf_input(g, "R", 1, (int64_t[]){4});
    gf_node loss = gf_sum(g, gf_mul(g, gf_tanh(g, gf_matmul(g, x, w)), r));
    run_check(g, loss, 5, 1, "noise sigma=0.3 on the weights, training", 0, NULL);
    gf_graph_free(g);

    /* 70 features: more than one block of the batch sums. */
    int feats[] = {5, 70};
    for (int i = 0; i < 2; i++)
        for (int training = 1; training >= 0; training--) {
            char what[64];
            snprintf(what, sizeof what, "batchnorm F=%d, %s", feats[i],
                     training ? "training" : "evaluation");
            g = gf_graph_new();
            gf_node run = gf_buffer(g, "running", 2, (int64_t[]){2, feats[i]});
            run_check(g, through(g, 3, feats[i], bn_op, run), 7, training, what, 0, running_stats);
            gf_graph_free(g);
        }

    float epss[] = {0.1f, 0.0f, 0.6f};
    for (int i = 0; i < 3; i++) {
        char what[64];
        snprintf(what, sizeof what, "softmax_xent_smooth eps=%g", epss[i]);
        g = gf_graph_new();
        x = gf_input(g, "x", 1, (int64_t[]){3});
        gf_node z = gf_matmul(g, x, gf_param(g, "W", 2, (int64_t[]){3, 4}));
        gf_node t = gf_input(g, "t", 1, (int64_t[]){1});
        run_check(g, gf_softmax_xent_smooth(g, z, t, epss[i]), 6, 0, what, 4, NULL);
        gf_graph_free(g);
    }
}

/* ---- dropout ---- */

#define BIG 65536 /* features per row of the statistical checks */
#define BIG_ROWS 4

static void test_dropout(void)
{
    const float p = 0.3f;
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){BIG});
    gf_node y = gf_dropout(g, x, p);
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, BIG_ROWS);
    size_t n = (size_t)BIG * BIG_ROWS;
    float *xv = gf_value(ws, x), *yv = gf_value(ws, y);
    fill(xv, n, 0.5f, 1.5f);
    gf_rng rng;
    gf_rng_seed(&rng, 1);

    /* Evaluation (the default): the input, bit for bit. */
    CHECK(gf_training(ws) == 0, "a workspace starts in evaluation mode");
    CHECK(gf_forward(ws, y) == GF_OK, "%s", gf_errmsg());
    CHECK(memcmp(xv, yv, n * sizeof *xv) == 0, "dropout at evaluation is the identity");

    /* Training: about 1 - p kept, each kept value x / (1 - p). */
    CHECK(gf_set_training(ws, 1, &rng) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_forward(ws, y) == GF_OK, "%s", gf_errmsg());
    size_t kept = 0, wrong = 0;
    double scale = 1.0 / (1.0 - p);
    for (size_t i = 0; i < n; i++) {
        if (yv[i] == 0.0f) continue;
        kept++;
        if (fabs(yv[i] - xv[i] * scale) > 1e-6 * xv[i] * scale) wrong++;
    }
    double frac = (double)kept / (double)n, sd = sqrt(p * (1.0 - p) / (double)n);
    printf("dropout p=%g: kept %.5f of %zu (expected %.5f, sd %.5f)\n", p, frac, n, 1 - p, sd);
    CHECK(fabs(frac - (1.0 - p)) < 5 * sd, "kept %.5f, expected %.5f +- %.5f", frac, 1 - p, 5 * sd);
    CHECK(wrong == 0, "%zu kept values are not x / (1 - p)", wrong);

    /* Same seed, same mask, whatever the thread count; another seed differs. */
    float *first = malloc(n * sizeof *first);
    memcpy(first, yv, n * sizeof *first);
    gf_set_threads(1);
    gf_rng_seed(&rng, 1);
    gf_forward(ws, y);
    CHECK(memcmp(first, yv, n * sizeof *first) == 0, "seed 1 on one thread gives another mask");
    gf_set_threads(4);
    gf_rng_seed(&rng, 1);
    gf_forward(ws, y);
    CHECK(memcmp(first, yv, n * sizeof *first) == 0, "seed 1 on four threads gives another mask");
    gf_set_threads(2);
    gf_forward(ws, y); /* the generator has moved on: a new mask */
    CHECK(memcmp(first, yv, n * sizeof *first) != 0, "two steps drew the same mask");
    free(first);

    /* p = 0 keeps everything, unscaled. */
    gf_workspace_free(ws);
    gf_graph_free(g);
    g = gf_graph_new();
    x = gf_input(g, "x", 1, (int64_t[]){100});
    y = gf_dropout(g, x, 0.0f);
    gf_graph_compile(g);
    ws = gf_workspace_new(g, 1);
    fill(gf_value(ws, x), 100, -1.0f, 1.0f);
    gf_set_training(ws, 1, &rng);
    gf_forward(ws, y);
    CHECK(memcmp(gf_value(ws, x), gf_value(ws, y), 100 * sizeof(float)) == 0, "p = 0 changed x");
    gf_workspace_free(ws);
    gf_graph_free(g);
}

/* ---- Gaussian noise ---- */

static void test_noise(void)
{
    const float sigma = 0.5f;
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){BIG});
    gf_node y = gf_noise(g, x, sigma);
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, BIG_ROWS);
    size_t n = (size_t)BIG * BIG_ROWS;
    float *xv = gf_value(ws, x), *yv = gf_value(ws, y);
    for (size_t i = 0; i < n; i++) xv[i] = 3.0f;
    gf_forward(ws, y);
    CHECK(memcmp(xv, yv, n * sizeof *xv) == 0, "noise at evaluation is the identity");

    gf_rng rng;
    gf_rng_seed(&rng, 2);
    gf_set_training(ws, 1, &rng);
    gf_forward(ws, y);
    double sum = 0, sq = 0, fourth = 0;
    size_t within = 0;
    for (size_t i = 0; i < n; i++) {
        double e = (double)yv[i] - 3.0;
        sum += e;
        sq += e * e;
        fourth += e * e * e * e;
        within += fabs(e) < sigma;
    }
    double mean = sum / (double)n, sd = sqrt(sq / (double)n - mean * mean);
    double kurt = fourth / (double)n / (sd * sd * sd * sd), in1 = (double)within / (double)n;
    printf("noise sigma=%g: mean %.5f (sd of it %.5f), sd %.5f (sd of it %.5f), "
           "within 1 sigma %.4f (normal 0.6827), kurtosis %.3f (normal 3)\n",
           sigma, mean, sigma / sqrt((double)n), sd, sigma / sqrt(2.0 * (double)n), in1, kurt);
    CHECK(fabs(mean) < 5 * sigma / sqrt((double)n), "mean %g", mean);
    CHECK(fabs(sd - sigma) < 5 * sigma / sqrt(2.0 * (double)n), "sd %g, expected %g", sd, sigma);
    CHECK(fabs(in1 - 0.682689) < 5 * sqrt(0.68 * 0.32 / (double)n), "within 1 sigma %g", in1);
    CHECK(fabs(kurt - 3.0) < 5 * sqrt(24.0 / (double)n), "kurtosis %g", kurt);

    /* Same seed, same draws on 1 and 4 threads. */
    float *first = malloc(n * sizeof *first);
    memcpy(first, yv, n * sizeof *first);
    gf_set_threads(1);
    gf_rng_seed(&rng, 2);
    gf_forward(ws, y);
    CHECK(memcmp(first, yv, n * sizeof *first) == 0, "seed 2 on one thread gives other noise");
    gf_set_threads(4);
    gf_rng_seed(&rng, 2);
    gf_forward(ws, y);
    CHECK(memcmp(first, yv, n * sizeof *first) == 0, "seed 2 on four threads gives other noise");
    gf_set_threads(2);
    free(first);
    gf_workspace_free(ws);
    gf_graph_free(g);
}

/* ---- batch normalisation ---- */

/* Training output against the batch statistics computed here in double, on
 * a batch big enough for several threads (each owning blocks of features),
 * and the same bits on one thread and four. */
static void test_batchnorm_double(void)
{
    const int rows = 256, f = 130;
    const double eps = 1e-5;
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){f});
    gf_node run = gf_buffer(g, "running", 2, (int64_t[]){2, f});
    gf_node y = gf_batchnorm(g, x, run, 0.1f, (float)eps);
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, rows);
    float *xv = gf_value(ws, x), *yv = gf_value(ws, y);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < f; j++) xv[r * f + j] = 100.0f + (float)j + (float)(1 + j % 7) *
                                                    (float)(gf_rng_uniform(&fill_rng) - 0.5);
    gf_rng rng;
    gf_rng_seed(&rng, 3);
    gf_set_training(ws, 1, &rng);
    gf_set_threads(4);
    CHECK(gf_forward(ws, y) == GF_OK, "%s", gf_errmsg());
    double worst = 0;
    for (int j = 0; j < f; j++) {
        double mu = 0, var = 0;
        for (int r = 0; r < rows; r++) mu += xv[r * f + j];
        mu /= rows;
        for (int r = 0; r < rows; r++) var += (xv[r * f + j] - mu) * (xv[r * f + j] - mu);
        var /= rows;
        for (int r = 0; r < rows; r++)
            worst = fmax(worst, fabs(yv[r * f + j] - (xv[r * f + j] - mu) / sqrt(var + eps)));
    }
    printf("batchnorm (%d x %d, mean 100): largest error against double %.2e\n", rows, f, worst);
    CHECK(worst < 1e-4, "batchnorm output off by %g", worst);
    float *four = malloc((size_t)rows * f * sizeof *four);
    memcpy(four, yv, (size_t)rows * f * sizeof *four);
    gf_set_threads(1);
    gf_forward(ws, y);
    CHECK(memcmp(four, yv, (size_t)rows * f * sizeof *four) == 0, "1 and 4 threads differ");
    gf_set_threads(2);
    free(four);
    gf_workspace_free(ws);
    gf_graph_free(g);
}

/* y, dL/dx and the running statistics, step by step, against PyTorch's
 * BatchNorm1d(5, momentum=0.1, eps=1e-5, affine=False); then evaluation. */
static void test_batchnorm_torch(void)
{
    gf_graph *g = gf_graph_new();
    gf_node xin = gf_input(g, "x", 1, (int64_t[]){BN_FEATURES});
    /* A zero shift that is a parameter, so that x has a gradient. */
    gf_node h = gf_add(g, xin, gf_param(g, "shift", 1, (int64_t[]){BN_FEATURES}));
    gf_node run = gf_buffer(g, "running", 2, (int64_t[]){2, BN_FEATURES});
    gf_node y = gf_batchnorm(g, h, run, BN_MOMENTUM, BN_EPS);
    gf_node r = gf_input(g, "R", 1, (int64_t[]){BN_FEATURES});
    gf_node loss = gf_sum(g, gf_mul(g, y, r));
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, 8);
    float *running = gf_param_value(g, run);
    for (int j = 0; j < BN_FEATURES; j++) running[BN_FEATURES + j] = 1.0f; /* torch's start */
    gf_rng rng;
    gf_rng_seed(&rng, 4);
    gf_set_training(ws, 1, &rng);
    double worst_y = 0, worst_dx = 0, worst_run = 0;
    for (int step = 0; step < BN_STEPS; step++) {
        int rows = bn_rows[step];
        size_t at = (size_t)bn_start[step] * BN_FEATURES, n = (size_t)rows * BN_FEATURES;
        gf_set_batch(ws, rows);
        for (size_t i = 0; i < n; i++) {
            gf_value(ws, xin)[i] = (float)bn_x[at + i];
            gf_value(ws, r)[i] = (float)bn_r[at + i];
        }
        CHECK(gf_forward(ws, loss) == GF_OK && gf_backward(ws, loss) == GF_OK, "%s", gf_errmsg());
        for (size_t i = 0; i < n; i++) {
            worst_y = fmax(worst_y, fabs(gf_value(ws, y)[i] - bn_y[at + i]));
            worst_dx = fmax(worst_dx, fabs(gf_grad(ws, h)[i] - bn_dx[at + i]) /
                                          fmax(1.0, fabs(bn_dx[at + i])));
        }
        for (int j = 0; j < BN_FEATURES; j++) {
            worst_run = fmax(worst_run, fabs(running[j] - bn_running_mean[step * BN_FEATURES + j]) /
                                            fmax(1.0, fabs(bn_running_mean[step * BN_FEATURES + j])));
            worst_run = fmax(worst_run, fabs(running[BN_FEATURES + j] -
                                             bn_running_var[step * BN_FEATURES + j]) /
                                            fmax(1.0, bn_running_var[step * BN_FEATURES + j]));
        }
    }
    gf_set_training(ws, 0, NULL);
    size_t n = (size_t)bn_rows[BN_STEPS - 1] * BN_FEATURES;
    for (size_t i = 0; i < n; i++) gf_value(ws, xin)[i] = (float)bn_x_eval[i];
    CHECK(gf_forward(ws, y) == GF_OK, "%s", gf_errmsg());
    double worst_eval = 0;
    for (size_t i = 0; i < n; i++) worst_eval = fmax(worst_eval, fabs(gf_value(ws, y)[i] - bn_y_eval[i]));
    printf("batchnorm against torch over %d steps: y %.2e, dx %.2e, running %.2e, "
           "evaluation y %.2e\n", BN_STEPS, worst_y, worst_dx, worst_run, worst_eval);
    CHECK(worst_y < 1e-5, "y off by %g", worst_y);
    CHECK(worst_dx < 1e-5, "dx off by %g (relative)", worst_dx);
    CHECK(worst_run < 1e-6, "running statistics off by %g (relative)", worst_run);
    CHECK(worst_eval < 1e-5, "evaluation y off by %g", worst_eval);

    /* A training batch of one row: zero out, zero gradient, running
     * statistics unchanged. */
    float before[2 * BN_FEATURES];
    memcpy(before, running, sizeof before);
    gf_set_training(ws, 1, &rng);
    gf_set_batch(ws, 1);
    for (int j = 0; j < BN_FEATURES; j++) {
        gf_value(ws, xin)[j] = (float)(j * j) - 3.0f;
        gf_value(ws, r)[j] = 1.0f + (float)j;
    }
    CHECK(gf_forward(ws, loss) == GF_OK && gf_backward(ws, loss) == GF_OK, "%s", gf_errmsg());
    int nonzero = 0;
    for (int j = 0; j < BN_FEATURES; j++)
        nonzero += gf_value(ws, y)[j] != 0.0f || gf_grad(ws, h)[j] != 0.0f;
    CHECK(nonzero == 0, "batch of one: %d outputs or gradients are not zero", nonzero);
    CHECK(memcmp(before, running, sizeof before) == 0, "batch of one moved the running statistics");
    gf_workspace_free(ws);
    gf_graph_free(g);
}

/* ---- label smoothing ---- */

static void test_label_smoothing(void)
{
    enum { ROWS = 3, K = 4 };
    const float z0[ROWS * K] = {1.5f, -0.5f, 0.25f, 2.0f, -1.0f, 0.0f, 3.0f, 0.5f,
                                0.1f, 0.2f, 0.3f, -4.0f};
    const float labels[ROWS] = {3, 0, 2};
    const double eps = 0.1;
    gf_graph *g = gf_graph_new();
    gf_node zin = gf_input(g, "z", 1, (int64_t[]){K});
    gf_node z = gf_add(g, zin, gf_param(g, "shift", 1, (int64_t[]){K})); /* so z has a gradient */
    gf_node t = gf_input(g, "t", 1, (int64_t[]){1});
    gf_node smooth = gf_softmax_xent_smooth(g, z, t, (float)eps);
    gf_node plain = gf_softmax_xent(g, z, t);
    gf_node zero = gf_softmax_xent_smooth(g, z, t, 0.0f);
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, ROWS);
    memcpy(gf_value(ws, zin), z0, sizeof z0);
    memcpy(gf_value(ws, t), labels, sizeof labels);

    /* q: 1 - eps at the label, eps / (k - 1) elsewhere. */
    double loss = 0, grad[ROWS * K];
    for (int r = 0; r < ROWS; r++) {
        double m = -INFINITY, s = 0;
        for (int j = 0; j < K; j++) m = fmax(m, z0[r * K + j]);
        for (int j = 0; j < K; j++) s += exp(z0[r * K + j] - m);
        for (int j = 0; j < K; j++) {
            double logp = z0[r * K + j] - m - log(s);
            double q = j == (int)labels[r] ? 1 - eps : eps / (K - 1);
            loss -= q * logp / ROWS;
            grad[r * K + j] = (exp(logp) - q) / ROWS;
        }
    }
    CHECK(gf_forward(ws, zero) == GF_OK && gf_backward(ws, smooth) == GF_OK, "%s", gf_errmsg());
    double worst = 0;
    for (int i = 0; i < ROWS * K; i++) worst = fmax(worst, fabs(gf_grad(ws, z)[i] - grad[i]));
    printf("label smoothing eps=0.1: loss %.7f (double %.7f), largest gradient error %.2e\n",
           gf_value(ws, smooth)[0], loss, worst);
    CHECK_NEAR(gf_value(ws, smooth)[0], loss, 1e-6);
    CHECK(worst < 1e-7, "gradient off by %g", worst);

    /* eps = 0 is softmax_xent, bit for bit: the two builders give the same
     * numbers, and those are the ones softmax_xent computed before it
     * learnt smoothing (its arithmetic, copied here), so no existing
     * training changes by a bit. */
    float g_plain[ROWS * K], g_zero[ROWS * K], g_before[ROWS * K];
    gf_backward(ws, plain);
    memcpy(g_plain, gf_grad(ws, z), sizeof g_plain);
    gf_backward(ws, zero);
    memcpy(g_zero, gf_grad(ws, z), sizeof g_zero);
    CHECK(memcmp(gf_value(ws, plain), gf_value(ws, zero), sizeof(float)) == 0,
          "eps = 0 loss %.9g, softmax_xent %.9g", gf_value(ws, zero)[0], gf_value(ws, plain)[0]);
    CHECK(memcmp(g_plain, g_zero, sizeof g_plain) == 0, "eps = 0 gradient differs from softmax_xent's");
    double sum = 0;
    for (int r = 0; r < ROWS; r++) {
        const float *zr = z0 + r * K;
        int label = (int)labels[r];
        float m = zr[0];
        for (int j = 1; j < K; j++) m = fmaxf(m, zr[j]);
        double e = 0;
        for (int j = 0; j < K; j++) e += expf(zr[j] - m);
        sum += m + log(e) - zr[label];
        float inv = (float)(1.0 / e), k = 1.0f / (float)ROWS;
        for (int j = 0; j < K; j++)
            g_before[r * K + j] = k * (expf(zr[j] - m) * inv - (j == label ? 1.0f : 0.0f));
    }
    float loss_before = (float)(sum / (double)ROWS);
    CHECK(memcmp(&loss_before, gf_value(ws, zero), sizeof loss_before) == 0,
          "eps = 0 loss %.9g, softmax_xent's arithmetic %.9g", gf_value(ws, zero)[0], loss_before);
    CHECK(memcmp(g_before, g_zero, sizeof g_zero) == 0, "eps = 0 gradient is not softmax_xent's");
    CHECK(gf_value(ws, smooth)[0] > gf_value(ws, plain)[0], "smoothing should cost these confident logits");
    gf_workspace_free(ws);
    gf_graph_free(g);
}

/* ---- buffers ---- */

static void test_buffers(void)
{
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){4});
    gf_node a = gf_param(g, "a", 2, (int64_t[]){4, 3});
    CHECK(gf_param_offset(g, a) == (size_t)-1, "offset before compile");
    gf_node run = gf_buffer(g, "running", 2, (int64_t[]){2, 3});
    gf_node h = gf_batchnorm(g, gf_matmul(g, x, a), run, 0.5f, 1e-5f);
    gf_node b = gf_param(g, "b", 1, (int64_t[]){3});
    gf_node r = gf_input(g, "R", 1, (int64_t[]){3});
    gf_node loss = gf_sum(g, gf_mul(g, gf_tanh(g, gf_add(g, h, b)), r));
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_node_op(g, run) == GF_OP_BUFFER && strcmp(gf_op_name(GF_OP_BUFFER), "buffer") == 0 &&
          !gf_node_batched(g, run), "a buffer node");
    /* Creation order: a (12), running (6), b (3). */
    CHECK(gf_param_count(g) == 21, "count %zu", gf_param_count(g));
    CHECK(gf_param_offset(g, a) == 0 && gf_param_offset(g, run) == 12 && gf_param_offset(g, b) == 18,
          "offsets %zu %zu %zu", gf_param_offset(g, a), gf_param_offset(g, run), gf_param_offset(g, b));
    CHECK(gf_param_value(g, run) == gf_params(g) + 12, "buffer value in the block");
    CHECK(gf_param_offset(g, x) == (size_t)-1 && gf_param_offset(g, h) == (size_t)-1 &&
          gf_param_offset(g, 99) == (size_t)-1 && gf_param_offset(NULL, a) == (size_t)-1,
          "offset of nodes outside the block");
    CHECK(gf_param_value(g, x) == NULL, "an input has no parameter value");

    long before = allocations;
    gf_workspace *ws = gf_workspace_new(g, 5);
    CHECK(allocations > before, "the allocation counter saw nothing; is the wrap linked?");
    CHECK(gf_value(ws, run) == gf_param_value(g, run), "the workspace sees the block");
    CHECK(gf_grad(ws, run) == NULL, "a buffer has no gradient buffer");
    float *pv = gf_params(g);
    fill(pv, 21, -1.0f, 1.0f);
    for (int j = 0; j < 3; j++) pv[12 + 3 + j] = 1.0f + (float)j; /* variances */
    fill(gf_value(ws, x), 20, -1.0f, 1.0f);
    fill(gf_value(ws, r), 15, -1.0f, 1.0f);
    gf_rng rng;
    gf_rng_seed(&rng, 5);
    gf_set_training(ws, 1, &rng);
    float run0[6];
    memcpy(run0, pv + 12, sizeof run0);
    before = allocations;
    for (int step = 0; step < 3; step++) {
        CHECK(gf_forward(ws, loss) == GF_OK && gf_backward(ws, loss) == GF_OK, "%s", gf_errmsg());
    }
    CHECK(allocations == before, "training steps allocated %ld times", allocations - before);
    CHECK(memcmp(run0, pv + 12, sizeof run0) != 0, "training did not update the running statistics");
    const float *pg = gf_param_grads(ws);
    int nonzero = 0, a_nonzero = 0;
    for (int i = 12; i < 18; i++) nonzero += pg[i] != 0.0f;
    for (int i = 0; i < 12; i++) a_nonzero += pg[i] != 0.0f;
    CHECK(nonzero == 0 && a_nonzero > 0, "buffer gradient slice has %d non-zeros (a has %d)",
          nonzero, a_nonzero);

    /* The gradient check skips the buffer, and in evaluation mode leaves
     * it alone. */
    gf_set_training(ws, 0, NULL);
    memcpy(run0, pv + 12, sizeof run0);
    double worst = -1;
    gf_node where = GF_NONE;
    CHECK(gf_check_grad(ws, loss, &worst, &where, NULL) == GF_OK, "%s", gf_errmsg());
    CHECK(worst < GRAD_TOL && where != run, "worst %g at node %d", worst, (int)where);
    CHECK(memcmp(run0, pv + 12, sizeof run0) == 0, "evaluation changed the running statistics");
    gf_workspace_free(ws);
    gf_graph_free(g);
}

/* ---- training mode and bad constants ---- */

static void test_errors(void)
{
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){3});
    gf_node y = gf_dropout(g, x, 0.5f);
    gf_graph_compile(g);
    gf_workspace *ws = gf_workspace_new(g, 2);
    gf_rng rng;
    gf_rng_seed(&rng, 6);
    CHECK(gf_set_training(NULL, 0, NULL) == GF_ERR_ARG && HAS("NULL"), "%s", gf_errmsg());
    CHECK(gf_set_training(ws, 1, NULL) == GF_ERR_ARG && HAS("rng is NULL"), "%s", gf_errmsg());
    CHECK(gf_training(ws) == 0 && gf_training(NULL) == 0, "a refused switch changed the mode");
    CHECK(gf_set_training(ws, 1, &rng) == GF_OK && gf_training(ws) == 1, "%s", gf_errmsg());
    CHECK(gf_set_training(ws, 0, NULL) == GF_OK && gf_training(ws) == 0, "%s", gf_errmsg());
    (void)y;
    gf_workspace_free(ws);
    gf_graph_free(g);

    struct {
        const char *text;
        gf_status status;
    } cases[] = {
        {"dropout: p is 1", GF_ERR_ARG},
        {"dropout: p is -0.1", GF_ERR_ARG},
        {"dropout: p is nan", GF_ERR_ARG},
        {"noise: sigma is -1", GF_ERR_ARG},
        {"noise: sigma is inf", GF_ERR_ARG},
        {"batchnorm: momentum is 0;", GF_ERR_ARG},
        {"batchnorm: momentum is 1.5", GF_ERR_ARG},
        {"batchnorm: eps is 0;", GF_ERR_ARG},
        {"batchnorm: eps is -1", GF_ERR_ARG},
        {"must be a buffer", GF_ERR_ARG},
        {"must be (2, 4)", GF_ERR_SHAPE},
        {"(B, features)", GF_ERR_SHAPE},
        {"label smoothing eps is 1", GF_ERR_ARG},
        {"label smoothing eps is -0.5", GF_ERR_ARG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        g = gf_graph_new();
        x = gf_input(g, "x", 1, (int64_t[]){4});
        gf_node run = gf_buffer(g, "run", 2, (int64_t[]){2, 4});
        gf_node p = gf_param(g, "p", 2, (int64_t[]){2, 4});
        gf_node t = gf_input(g, "t", 1, (int64_t[]){1});
        gf_node n = GF_NONE;
        switch (i) {
        case 0: n = gf_dropout(g, x, 1.0f); break;
        case 1: n = gf_dropout(g, x, -0.1f); break;
        case 2: n = gf_dropout(g, x, NAN); break;
        case 3: n = gf_noise(g, x, -1.0f); break;
        case 4: n = gf_noise(g, x, INFINITY); break;
        case 5: n = gf_batchnorm(g, x, run, 0.0f, 1e-5f); break;
        case 6: n = gf_batchnorm(g, x, run, 1.5f, 1e-5f); break;
        case 7: n = gf_batchnorm(g, x, run, 0.1f, 0.0f); break;
        case 8: n = gf_batchnorm(g, x, run, 0.1f, -1.0f); break;
        case 9: n = gf_batchnorm(g, x, p, 0.1f, 1e-5f); break;
        case 10: n = gf_batchnorm(g, x, gf_buffer(g, "r3", 2, (int64_t[]){2, 3}), 0.1f, 1e-5f); break;
        case 11: n = gf_batchnorm(g, p, run, 0.1f, 1e-5f); break;
        case 12: n = gf_softmax_xent_smooth(g, x, t, 1.0f); break;
        case 13: n = gf_softmax_xent_smooth(g, x, t, -0.5f); break;
        }
        CHECK(n == GF_NONE && HAS(cases[i].text), "case %zu: node %d, message '%s'", i, (int)n,
              gf_errmsg());
        /* Sticky: the graph refuses to compile with the same error. */
        gf_dropout(g, x, 0.5f);
        CHECK(gf_graph_compile(g) == cases[i].status && HAS(cases[i].text), "case %zu: compile: %s",
              i, gf_errmsg());
        gf_graph_free(g);
    }
    CHECK(gf_dropout(NULL, 0, 0.5f) == GF_NONE && HAS("NULL"), "%s", gf_errmsg());
    CHECK(gf_dropout(NULL, 0, 2.0f) == GF_NONE && HAS("NULL"), "a NULL graph is reported first");
}

/* ---- the first non-finite node ---- */

static void test_first_nonfinite(void)
{
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){3});
    gf_node w = gf_param(g, "W", 2, (int64_t[]){3, 2});
    gf_node h = gf_matmul(g, x, w);                 /* 2 */
    gf_node s1 = gf_scale(g, h, 1e20f);             /* 3 */
    gf_node s2 = gf_scale(g, s1, 1e20f);            /* 4 */
    gf_node loss = gf_sum(g, s2);                   /* 5 */
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, 2);
    float *xv = gf_value(ws, x), *wv = gf_value(ws, w);
    for (int i = 0; i < 6; i++) wv[i] = 1.0f + (float)i;

    /* Ordinary inputs: h ~ 1, h 1e40 overflows at s2. */
    for (int i = 0; i < 6; i++) xv[i] = 0.5f;
    int in_grad = -1;
    CHECK(gf_forward(ws, loss) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_first_nonfinite(ws, loss, 1, &in_grad) == s2 && in_grad == 0, "value: node %d, %d",
          (int)gf_first_nonfinite(ws, loss, 1, NULL), in_grad);
    CHECK(gf_first_nonfinite(ws, s1, 1, &in_grad) == GF_NONE && in_grad == 0, "up to s1 all finite");

    /* Tiny inputs: every value finite (s2 ~ 1e10), but d loss / d h is
     * 1e40, infinite in float: h is the first bad gradient in backward
     * order, before W (which x's 1e-30 would bring back to 1e10 anyway). */
    for (int i = 0; i < 6; i++) xv[i] = 1e-30f;
    CHECK(gf_forward(ws, loss) == GF_OK && gf_backward(ws, loss) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_first_nonfinite(ws, loss, 0, &in_grad) == GF_NONE && in_grad == 0, "values are finite");
    CHECK(gf_first_nonfinite(ws, loss, 1, &in_grad) == h && in_grad == 1, "gradient: node %d, %d",
          (int)gf_first_nonfinite(ws, loss, 1, NULL), in_grad);

    /* Values come before gradients, and the earliest value wins. */
    gf_value(ws, s1)[1] = NAN;
    gf_value(ws, loss)[0] = INFINITY;
    CHECK(gf_first_nonfinite(ws, loss, 1, &in_grad) == s1 && in_grad == 0, "NaN in s1");
    CHECK(gf_first_nonfinite(NULL, 0, 1, &in_grad) == GF_NONE && in_grad == 0, "NULL workspace");
    CHECK(gf_first_nonfinite(ws, 6, 1, NULL) == GF_NONE, "a node that does not exist");
    gf_workspace_free(ws);
    gf_graph_free(g);
}

int main(void)
{
    gf_set_threads(2);
    gf_rng_seed(&fill_rng, 2024);
    test_gradients();
    test_dropout();
    test_noise();
    test_batchnorm_double();
    test_batchnorm_torch();
    test_label_smoothing();
    test_buffers();
    test_errors();
    test_first_nonfinite();
    return check_report("test_regularise");
}
