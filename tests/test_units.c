/* The units of seed 004: abs, exp, PReLU, maxout and the radial-basis
 * distance against central differences (gf_check_grad) with inputs away
 * from kinks and ties; forward values against numbers worked by hand or
 * computed directly; step and sign at -1, 0, +1 and the error backward
 * gives through them; shape errors; and small networks with PReLU and
 * maxout layers that learn with plain gradient steps. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grafo.h"

#define TOL 1e-4 /* worst relative error gf_check_grad may report */
#define HAS(text) (strstr(gf_errmsg(), (text)) != NULL)

static gf_rng rng;

static float uniform(float lo, float hi) { return lo + (hi - lo) * (float)gf_rng_uniform(&rng); }

static void fill(float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) v[i] = uniform(lo, hi);
}

/* Magnitudes in [lo, hi] with random signs: at least lo away from 0. */
static void fill_away_from_zero(float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) v[i] = (gf_rng_below(&rng, 2) ? 1 : -1) * uniform(lo, hi);
}

/* Groups of k whose elements are at least 0.2 apart: a shuffled ladder
 * 0, 0.3, 0.6, ... jittered by at most 0.05, shifted per group. */
static void fill_groups(float *v, size_t n, int k)
{
    int32_t order[16];
    for (size_t g = 0; g < n / (size_t)k; g++) {
        for (int t = 0; t < k; t++) order[t] = t;
        gf_rng_shuffle(&rng, order, (size_t)k);
        float shift = uniform(-1, 1);
        for (int t = 0; t < k; t++)
            v[g * (size_t)k + (size_t)t] = shift + 0.3f * (float)order[t] + uniform(-0.05f, 0.05f);
    }
}

static double worst_seen; /* the largest error over every check, for the log */

/* Compile, make a workspace at `batch`, let `setup` fill the leaves, and
 * compare backward with central differences. */
static void check_grad(gf_graph *g, gf_node loss, int batch, const char *what,
                       void (*setup)(gf_graph *, gf_workspace *, void *), void *ctx)
{
    gf_status s = gf_graph_compile(g);
    CHECK(s == GF_OK, "%s: compile: %s", what, gf_errmsg());
    if (s != GF_OK) return;
    gf_workspace *ws = gf_workspace_new(g, batch);
    setup(g, ws, ctx);
    double worst = -1;
    gf_node where = GF_NONE;
    size_t at = 0;
    s = gf_check_grad(ws, loss, &worst, &where, &at);
    CHECK(s == GF_OK, "%s: check_grad: %s", what, gf_errmsg());
    CHECK(worst >= 0 && worst <= TOL, "%s (batch %d): worst relative error %.3g at %s[%zu]", what,
          batch, worst, gf_node_name(g, where), at);
    printf("  %-34s batch %d: worst relative error %.2e\n", what, batch, worst);
    if (worst > worst_seen) worst_seen = worst;
    gf_workspace_free(ws);
}

/* The leaves by name: "x" data and "b" a small shift, both kept so that
 * x + b stays away from the op's kink; "P" a parameter used directly;
 * "R", "R2" weights of the sum; anything else (alpha, W, C) in [-1, 1]. */
typedef struct leaves {
    int kind; /* 0: away from zero, 1: maxout groups of k, 2: anywhere */
    int k;
} leaves;

static void fill_leaves(gf_graph *g, gf_workspace *ws, void *ctx)
{
    const leaves *l = ctx;
    for (gf_node n = 0; n < gf_graph_nodes(g); n++) {
        gf_op op = gf_node_op(g, n);
        if (op != GF_OP_INPUT && op != GF_OP_CONST && op != GF_OP_PARAM) continue;
        size_t size = gf_node_size(g, n) * (op == GF_OP_INPUT ? (size_t)gf_batch(ws) : 1);
        const char *name = gf_node_name(g, n);
        float *v = gf_value(ws, n);
        if (strcmp(name, "x") == 0 || strcmp(name, "P") == 0) {
            if (l->kind == 0) fill_away_from_zero(v, size, 0.3f, 1.5f);
            else if (l->kind == 1) fill_groups(v, size, l->k);
            else fill(v, size, -1.5f, 1.5f);
        } else if (strcmp(name, "b") == 0) {
            fill(v, size, -0.05f, 0.05f);
        } else if (strncmp(name, "alpha", 5) == 0) {
            fill(v, size, -0.5f, 0.5f);
        } else {
            fill(v, size, -1, 1);
        }
    }
}

/* loss = sum(op(x + b) R) + sum(op(P) R2): op on a batched node whose
 * gradient reaches the parameter b, and on a parameter directly. */
typedef gf_node (*unary_fn)(gf_graph *, gf_node, void *);

static void check_unary(const char *name, unary_fn op, void *op_ctx, leaves l, int width)
{
    int batches[] = {1, 4};
    for (int t = 0; t < 2; t++) {
        gf_graph *g = gf_graph_new();
        gf_node x = gf_input(g, "x", 1, (int64_t[]){width});
        gf_node b = gf_param(g, "b", 1, (int64_t[]){width});
        gf_node p = gf_param(g, "P", 2, (int64_t[]){3, width});
        gf_node y1 = op(g, gf_add(g, x, b), op_ctx), y2 = op(g, p, op_ctx);
        int64_t d1[GF_MAX_DIMS + 1], d2[GF_MAX_DIMS + 1];
        int n1 = gf_node_shape(g, y1, d1), n2 = gf_node_shape(g, y2, d2);
        gf_node r1 = gf_const(g, "R", n1 - 1, d1 + 1), r2 = gf_const(g, "R2", n2, d2);
        gf_node loss = gf_add(g, gf_sum(g, gf_mul(g, y1, r1)), gf_sum(g, gf_mul(g, y2, r2)));
        check_grad(g, loss, batches[t], name, fill_leaves, &l);
        gf_graph_free(g);
    }
}

static gf_node abs_op(gf_graph *g, gf_node a, void *c) { (void)c; return gf_abs(g, a); }
static gf_node exp_op(gf_graph *g, gf_node a, void *c) { (void)c; return gf_exp(g, a); }
static gf_node maxout_op(gf_graph *g, gf_node a, void *c) { return gf_maxout(g, a, *(int *)c); }

/* alpha per feature (a new parameter each call) or one scalar. */
static gf_node prelu_per_feature(gf_graph *g, gf_node a, void *c)
{
    (void)c;
    int64_t d[GF_MAX_DIMS + 1];
    int nd = gf_node_shape(g, a, d);
    char name[16];
    snprintf(name, sizeof name, "alpha%d", gf_graph_nodes(g));
    return gf_prelu(g, a, gf_param(g, name, 1, &d[nd - 1]));
}

static gf_node prelu_scalar(gf_graph *g, gf_node a, void *c)
{
    (void)c;
    char name[16];
    snprintf(name, sizeof name, "alpha%d", gf_graph_nodes(g));
    return gf_prelu(g, a, gf_param(g, name, 0, NULL));
}

static void test_gradients(void)
{
    printf("gradient checks:\n");
    check_unary("abs", abs_op, NULL, (leaves){0, 0}, 5);
    check_unary("exp", exp_op, NULL, (leaves){2, 0}, 5);
    check_unary("prelu, alpha per feature", prelu_per_feature, NULL, (leaves){0, 0}, 4);
    check_unary("prelu, scalar alpha", prelu_scalar, NULL, (leaves){0, 0}, 4);
    int k2 = 2, k3 = 3;
    check_unary("maxout k=2", maxout_op, &k2, (leaves){1, 2}, 6);
    check_unary("maxout k=3", maxout_op, &k3, (leaves){1, 3}, 9);

    /* sqdist: a batched x = x_in W against parameter centres C, and the
     * radial-basis unit exp(-||x - c||^2 / 2) built on it. */
    for (int rbf = 0; rbf < 2; rbf++)
        for (int batch = 1; batch <= 5; batch += 4) {
            gf_graph *g = gf_graph_new();
            gf_node x = gf_input(g, "x_in", 1, (int64_t[]){3});
            gf_node w = gf_param(g, "W", 2, (int64_t[]){3, 4});
            gf_node c = gf_param(g, "C", 2, (int64_t[]){4, 6});
            gf_node d = gf_sqdist(g, gf_matmul(g, x, w), c);
            if (rbf) d = gf_exp(g, gf_scale(g, d, -0.5f));
            gf_node loss = gf_sum(g, gf_mul(g, d, gf_const(g, "R", 1, (int64_t[]){6})));
            check_grad(g, loss, batch, rbf ? "rbf exp(-sqdist/2)" : "sqdist, batched x",
                       fill_leaves, &(leaves){2, 0});
            gf_graph_free(g);
        }
    /* Unbatched x, and the same node on both sides: the two gradient
     * slots then share one buffer and must add up. */
    for (int same = 0; same < 2; same++) {
        gf_graph *g = gf_graph_new();
        gf_node p = gf_param(g, "P", 2, (int64_t[]){4, 4});
        gf_node c = same ? p : gf_param(g, "C", 2, (int64_t[]){4, 3});
        int64_t cols = same ? 4 : 3;
        gf_node d = gf_sqdist(g, p, c);
        gf_node loss = gf_sum(g, gf_mul(g, d, gf_const(g, "R", 2, (int64_t[]){4, cols})));
        check_grad(g, loss, 1, same ? "sqdist(P, P)" : "sqdist, unbatched x", fill_leaves,
                   &(leaves){2, 0});
        gf_graph_free(g);
    }
    printf("worst relative error over all checks: %.2e\n", worst_seen);
}

/* Run y = op(input) on a single example and compare with want. */
static void expect_forward(const char *what, gf_graph *g, gf_node in, gf_node y, const float *x,
                           const double *want, double tol)
{
    CHECK(gf_graph_compile(g) == GF_OK, "%s: %s", what, gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, 1);
    if (!ws) return;
    memcpy(gf_value(ws, in), x, gf_node_size(g, in) * sizeof(float));
    CHECK(gf_forward(ws, y) == GF_OK, "%s: %s", what, gf_errmsg());
    for (size_t i = 0; i < gf_node_size(g, y); i++) {
        double got = gf_value(ws, y)[i];
        CHECK(fabs(got - want[i]) <= tol, "%s[%zu] = %.9g, want %.9g", what, i, got, want[i]);
    }
    gf_workspace_free(ws);
}

static void test_forward_values(void)
{
    float x[] = {-2, -0.5f, 0, 1.5f};
    /* abs, exp */
    gf_graph *g = gf_graph_new();
    gf_node in = gf_input(g, "x", 1, (int64_t[]){4});
    expect_forward("abs", g, in, gf_abs(g, in), x, (double[]){2, 0.5, 0, 1.5}, 0);
    gf_graph_free(g);
    g = gf_graph_new();
    in = gf_input(g, "x", 1, (int64_t[]){4});
    expect_forward("exp", g, in, gf_exp(g, in), x,
                   (double[]){0.1353352832366127, 0.6065306597126334, 1, 4.4816890703380645}, 1e-6);
    gf_graph_free(g);

    /* PReLU with alpha 0.25 as a scalar, and per feature. */
    g = gf_graph_new();
    in = gf_input(g, "x", 1, (int64_t[]){4});
    gf_node a = gf_param(g, "alpha", 0, NULL);
    gf_node y = gf_prelu(g, in, a);
    gf_graph_compile(g);
    gf_param_value(g, a)[0] = 0.25f;
    expect_forward("prelu alpha 0.25", g, in, y, x, (double[]){-0.5, -0.125, 0, 1.5}, 0);
    gf_graph_free(g);
    g = gf_graph_new();
    in = gf_input(g, "x", 1, (int64_t[]){4});
    a = gf_param(g, "alpha", 1, (int64_t[]){4});
    y = gf_prelu(g, in, a);
    gf_graph_compile(g);
    memcpy(gf_param_value(g, a), (float[]){0.25f, -1, 3, 7}, sizeof(float[4]));
    expect_forward("prelu alpha per feature", g, in, y, x, (double[]){-0.5, 0.5, 0, 1.5}, 0);
    gf_graph_free(g);

    /* maxout k = 3 over (2, 6): each row's two groups. */
    float groups[] = {1, 5, 2, -1, -3, -2, /* row 2: */ 0, 0, -4, 7, 9, 8};
    g = gf_graph_new();
    in = gf_const(g, "x", 2, (int64_t[]){2, 6});
    expect_forward("maxout k=3", g, in, gf_maxout(g, in, 3), groups, (double[]){5, -1, 0, 9}, 0);
    gf_graph_free(g);

    /* step and sign at -1, 0, +1, with the notes' values at 0. */
    float pm[] = {-1, 0, 1};
    g = gf_graph_new();
    in = gf_input(g, "x", 1, (int64_t[]){3});
    expect_forward("step", g, in, gf_step(g, in), pm, (double[]){0, 0.5, 1}, 0);
    gf_graph_free(g);
    g = gf_graph_new();
    in = gf_input(g, "x", 1, (int64_t[]){3});
    expect_forward("sign", g, in, gf_sign(g, in), pm, (double[]){-1, 0, 1}, 0);
    gf_graph_free(g);
}

/* Maxout's gradient on ties goes to the first largest element, as
 * PyTorch's max: groups [2, 2, 1] and [0, 4, 4] with weights 1 and 2. */
static void test_maxout_ties(void)
{
    gf_graph *g = gf_graph_new();
    gf_node p = gf_param(g, "P", 1, (int64_t[]){6});
    gf_node r = gf_const(g, "R", 1, (int64_t[]){2});
    gf_node loss = gf_sum(g, gf_mul(g, gf_maxout(g, p, 3), r));
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, 1);
    memcpy(gf_value(ws, p), (float[]){2, 2, 1, 0, 4, 4}, sizeof(float[6]));
    memcpy(gf_value(ws, r), (float[]){1, 2}, sizeof(float[2]));
    CHECK(gf_forward(ws, loss) == GF_OK && gf_backward(ws, loss) == GF_OK, "%s", gf_errmsg());
    const float want[] = {1, 0, 0, 0, 2, 0};
    for (int i = 0; i < 6; i++) CHECK(gf_grad(ws, p)[i] == want[i], "dP[%d] = %g", i, gf_grad(ws, p)[i]);
    CHECK(gf_value(ws, loss)[0] == 2 + 2 * 4, "loss %g", gf_value(ws, loss)[0]);
    gf_workspace_free(ws);
    gf_graph_free(g);
}

/* sqdist against the direct sum of squared differences, in double, for a
 * batch of 5 against 4 centres in 7 dimensions; a row equal to a centre
 * is exactly 0, never negative, despite the expansion's cancellation. */
static void test_sqdist_values(void)
{
    enum { B = 5, D = 7, N = 4 };
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){D});
    gf_node c = gf_param(g, "C", 2, (int64_t[]){D, N});
    gf_node y = gf_sqdist(g, x, c);
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    int64_t dims[GF_MAX_DIMS + 1];
    CHECK(gf_node_shape(g, y, dims) == 2 && dims[0] == -1 && dims[1] == N, "shape");
    gf_workspace *ws = gf_workspace_new(g, B);
    float *xv = gf_value(ws, x), *cv = gf_param_value(g, c);
    fill(xv, B * D, -3, 3);
    fill(cv, D * N, -3, 3);
    for (int p = 0; p < D; p++) xv[2 * D + p] = cv[p * N + 1] = 100.0f + (float)p / 3; /* row 2 = centre 1 */
    CHECK(gf_forward(ws, y) == GF_OK, "%s", gf_errmsg());
    double worst = 0;
    for (int i = 0; i < B; i++)
        for (int j = 0; j < N; j++) {
            double want = 0, scale = 0;
            for (int p = 0; p < D; p++) {
                double diff = (double)xv[i * D + p] - cv[p * N + j];
                want += diff * diff;
                scale += (double)xv[i * D + p] * xv[i * D + p] + (double)cv[p * N + j] * cv[p * N + j];
            }
            double got = gf_value(ws, y)[i * N + j];
            CHECK(got >= 0, "sqdist[%d][%d] = %g is negative", i, j, got);
            worst = fmax(worst, fabs(got - want) / scale);
        }
    /* Float cancellation: the error is relative to the norms added. */
    CHECK(worst < 1e-6, "sqdist: worst error %.3g of the norms", worst);
    CHECK(gf_value(ws, y)[2 * N + 1] <= 1e-6 * 7e4, "identical row and centre: %g",
          gf_value(ws, y)[2 * N + 1]);
    printf("sqdist vs direct: worst error %.2e of ||x||^2 + ||c||^2; x = c gives %g\n", worst,
           gf_value(ws, y)[2 * N + 1]);
    gf_workspace_free(ws);
    gf_graph_free(g);
}

/* Backward through step or sign fails before touching a gradient, naming
 * the node; step on the data, or sign only predicting, is fine. */
static void test_forward_only(void)
{
    for (int use_sign = 0; use_sign < 2; use_sign++) {
        const char *op = use_sign ? "sign" : "step";
        gf_graph *g = gf_graph_new();
        gf_node x = gf_input(g, "x", 1, (int64_t[]){3});
        gf_node w = gf_param(g, "W", 2, (int64_t[]){3, 1});
        gf_node h = gf_matmul(g, x, w);
        gf_node out = use_sign ? gf_sign(g, h) : gf_step(g, h);
        /* v's gradient comes before the step's in backward order, so a
         * late check would already have written it. */
        gf_node v = gf_param(g, "v", 1, (int64_t[]){1});
        gf_node loss = gf_mse(g, gf_mul(g, out, v), gf_input(g, "t", 1, (int64_t[]){1}));
        CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
        gf_workspace *ws = gf_workspace_new(g, 4);
        fill(gf_value(ws, x), 12, -1, 1);
        fill(gf_param_value(g, w), 3, -1, 1);
        gf_param_value(g, v)[0] = 2;
        for (size_t i = 0; i < gf_param_count(g); i++) gf_param_grads(ws)[i] = 7;
        CHECK(gf_forward(ws, loss) == GF_OK, "%s", gf_errmsg());
        gf_status s = gf_backward(ws, loss);
        char node[32];
        snprintf(node, sizeof node, "node %d (%s)", (int)out, op);
        CHECK(s == GF_ERR_STATE, "%s: backward gave %d", op, (int)s);
        CHECK(HAS(node) && HAS("step and sign have no gradient") && HAS("prediction") &&
                  HAS("perceptron"),
              "%s: message: %s", op, gf_errmsg());
        for (size_t i = 0; i < gf_param_count(g); i++)
            CHECK(gf_param_grads(ws)[i] == 7, "%s: gradient %zu written: %g", op, i,
                  gf_param_grads(ws)[i]);
        double worst;
        s = gf_check_grad(ws, loss, &worst, NULL, NULL);
        CHECK(s == GF_ERR_STATE && HAS(node), "%s: check_grad gave %d: %s", op, (int)s, gf_errmsg());
        gf_workspace_free(ws);
        gf_graph_free(g);
    }

    /* step(x) W + b trained with mse, and sign(x W + b) as the perceptron's
     * prediction next to it: backward reaches neither forward-only node
     * with a gradient, and the gradients are right. */
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){3});
    gf_node w = gf_param(g, "W", 2, (int64_t[]){3, 2});
    gf_node b = gf_param(g, "b", 1, (int64_t[]){2});
    gf_node z = gf_add(g, gf_matmul(g, gf_step(g, x), w), b);
    gf_node predict = gf_sign(g, z);
    gf_node loss = gf_mse(g, z, gf_input(g, "t", 1, (int64_t[]){2}));
    CHECK(predict != GF_NONE && loss > predict, "built");
    check_grad(g, loss, 4, "step on the data, sign aside", fill_leaves, &(leaves){2, 0});
    gf_graph_free(g);
}

static void test_shape_errors(void)
{
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){5});
    CHECK(gf_maxout(g, x, 2) == GF_NONE, "maxout of width 5 with k = 2 accepted");
    CHECK(HAS("maxout") && HAS("(B, 5)") && HAS("not divisible by k = 2"), "%s", gf_errmsg());
    CHECK(gf_graph_compile(g) == GF_ERR_SHAPE, "compile after a shape error");
    gf_graph_free(g);

    g = gf_graph_new();
    x = gf_input(g, "x", 1, (int64_t[]){6});
    CHECK(gf_maxout(g, x, 1) == GF_NONE && HAS("maxout") && HAS("k is 1"), "%s", gf_errmsg());
    CHECK(gf_maxout(g, x, 3) != GF_NONE, "a good maxout after a bad one is still built");
    CHECK(gf_graph_compile(g) == GF_ERR_ARG && HAS("k is 1"), "sticky: %s", gf_errmsg());
    gf_graph_free(g);

    g = gf_graph_new();
    CHECK(gf_maxout(g, gf_param(g, "s", 0, NULL), 2) == GF_NONE && HAS("last dimension"), "%s",
          gf_errmsg());
    gf_graph_free(g);

    g = gf_graph_new();
    x = gf_input(g, "x", 1, (int64_t[]){3});
    CHECK(gf_sqdist(g, x, gf_param(g, "C", 2, (int64_t[]){4, 2})) == GF_NONE, "d 3 vs 4 accepted");
    CHECK(HAS("sqdist") && HAS("(B, 3)") && HAS("(4, 2)") && HAS("differ"), "%s", gf_errmsg());
    CHECK(gf_sqdist(g, x, gf_input(g, "c", 1, (int64_t[]){3})) == GF_NONE &&
              HAS("batch dimension"), "batched centres: %s", gf_errmsg());
    CHECK(gf_sqdist(g, x, gf_param(g, "v", 1, (int64_t[]){3})) == GF_NONE && HAS("matrix"),
          "vector centres: %s", gf_errmsg());
    CHECK(gf_prelu(g, x, gf_param(g, "a", 1, (int64_t[]){4})) == GF_NONE && HAS("prelu") &&
              HAS("(4)") && HAS("trailing"), "prelu alpha (4) on (B, 3): %s", gf_errmsg());
    gf_graph_free(g);
}

/* XOR of the signs: label 1 when x0 x1 > 0, for 64 random
 * points in the square.  One hidden layer: dense, then PReLU or maxout. */
enum { ROWS = 64 };

static double train(int use_maxout, double *first, int steps)
{
    gf_rng_seed(&rng, 42);
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){2});
    gf_node y = gf_input(g, "y", 1, (int64_t[]){1});
    int pieces = use_maxout ? 3 : 1, width = 8;
    gf_node w1 = gf_param(g, "W1", 2, (int64_t[]){2, width * pieces});
    gf_node b1 = gf_param(g, "b1", 1, (int64_t[]){width * pieces});
    gf_node h = gf_add(g, gf_matmul(g, x, w1), b1);
    gf_node alpha = GF_NONE;
    if (use_maxout) {
        h = gf_maxout(g, h, pieces);
    } else {
        alpha = gf_param(g, "alpha", 1, (int64_t[]){width});
        h = gf_prelu(g, h, alpha);
    }
    gf_node w2 = gf_param(g, "W2", 2, (int64_t[]){width, 2});
    gf_node b2 = gf_param(g, "b2", 1, (int64_t[]){2});
    gf_node loss = gf_softmax_xent(g, gf_add(g, gf_matmul(g, h, w2), b2), y);
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, ROWS);
    float *xv = gf_value(ws, x), *yv = gf_value(ws, y);
    for (int i = 0; i < ROWS; i++) {
        xv[2 * i] = uniform(-1, 1);
        xv[2 * i + 1] = uniform(-1, 1);
        yv[i] = xv[2 * i] * xv[2 * i + 1] > 0;
    }
    float *params = gf_params(g);
    for (size_t i = 0; i < gf_param_count(g); i++) params[i] = 0.7f * (float)gf_rng_normal(&rng);
    if (!use_maxout)
        for (int j = 0; j < width; j++) gf_param_value(g, alpha)[j] = 0.25f;
    const float *grads = gf_param_grads(ws);
    double last = 0;
    for (int step = 0; step < steps; step++) {
        CHECK(gf_forward(ws, loss) == GF_OK && gf_backward(ws, loss) == GF_OK, "%s", gf_errmsg());
        last = gf_value(ws, loss)[0];
        if (step == 0) *first = last;
        for (size_t i = 0; i < gf_param_count(g); i++) params[i] -= 0.2f * grads[i];
    }
    if (!use_maxout) {
        double moved = 0;
        for (int j = 0; j < width; j++) moved = fmax(moved, fabs(gf_param_value(g, alpha)[j] - 0.25));
        CHECK(moved > 1e-3, "prelu's alpha did not learn: moved %g", moved);
    }
    gf_workspace_free(ws);
    gf_graph_free(g);
    return last;
}

static void test_training(void)
{
    for (int use_maxout = 0; use_maxout < 2; use_maxout++) {
        double first = 0, last = train(use_maxout, &first, 1500);
        printf("%s network: loss %.4f -> %.4f after 1500 steps\n", use_maxout ? "maxout" : "prelu",
               first, last);
        CHECK(last < 0.25 * first && last < 0.2, "%s: loss %g -> %g", use_maxout ? "maxout" : "prelu",
              first, last);
    }
}

int main(void)
{
    gf_rng_seed(&rng, 2024);
    test_gradients();
    test_forward_values();
    test_maxout_ties();
    test_sqdist_values();
    test_forward_only();
    test_shape_errors();
    test_training();
    return check_report("test_units");
}
