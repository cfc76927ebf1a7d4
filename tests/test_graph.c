/* The graph engine: shapes and their errors, sticky build errors, the
 * seeds' shared subexpression, forward values against known numbers and
 * against the double reference, variable batches, and no allocation in a
 * training step. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grafo.h"

#include "alloc_count.h"

#define HAS(text) (strstr(gf_errmsg(), (text)) != NULL)

static void test_shape_errors(void)
{
    gf_graph *g = gf_graph_new();
    gf_node x = gf_input(g, "x", 1, (int64_t[]){3});
    gf_node w = gf_param(g, "w", 2, (int64_t[]){4, 2});
    gf_node bad = gf_matmul(g, x, w);
    CHECK(bad == GF_NONE, "matmul (B,3) x (4,2) was accepted");
    CHECK(HAS("matmul") && HAS("(B, 3)") && HAS("(4, 2)") && HAS("inner"), "message: %s", gf_errmsg());
    /* Sticky: later builders on the failed node fail quietly, and compile
     * reports the first error even after other calls changed the message. */
    CHECK(gf_relu(g, bad) == GF_NONE, "relu of a failed node");
    gf_node v = gf_param(g, "v", 1, (int64_t[]){5});
    CHECK(gf_add(g, x, v) == GF_NONE && HAS("add") && HAS("(5)") && HAS("trailing"), "message: %s",
          gf_errmsg());
    CHECK(gf_graph_compile(g) == GF_ERR_SHAPE && HAS("matmul"), "compile: %s", gf_errmsg());
    gf_graph_free(g);

    g = gf_graph_new();
    x = gf_input(g, "x", 1, (int64_t[]){3});
    gf_node y = gf_input(g, "y", 1, (int64_t[]){2});
    CHECK(gf_mse(g, x, y) == GF_NONE && HAS("mse") && HAS("(B, 3)") && HAS("(B, 2)"), "%s", gf_errmsg());
    gf_graph_free(g);

    g = gf_graph_new();
    x = gf_input(g, "x", 1, (int64_t[]){3});
    CHECK(gf_add(g, gf_param(g, "b", 1, (int64_t[]){3}), x) == GF_NONE && HAS("batch"),
          "a batched right operand broadcast: %s", gf_errmsg());
    gf_graph_free(g);

    g = gf_graph_new();
    x = gf_input(g, "x", 1, (int64_t[]){3});
    CHECK(gf_softmax_xent(g, x, gf_input(g, "y", 1, (int64_t[]){2})) == GF_NONE && HAS("label"),
          "labels (B,2): %s", gf_errmsg());
    CHECK(gf_relu(g, 99) == GF_NONE && HAS("does not exist"), "%s", gf_errmsg());
    CHECK(gf_input(g, "z", 1, (int64_t[]){0}) == GF_NONE && HAS("dimension 1 is 0"), "%s", gf_errmsg());
    CHECK(gf_input(g, "x", 1, (int64_t[]){2}) == GF_NONE && HAS("already used"), "%s", gf_errmsg());
    CHECK(gf_scale(g, x, NAN) == GF_NONE && HAS("finite"), "%s", gf_errmsg());
    gf_graph_free(g);

    /* Nothing may be added after compile, and workspaces need a compiled graph. */
    g = gf_graph_new();
    x = gf_input(g, "x", 1, (int64_t[]){3});
    CHECK(gf_workspace_new(g, 4) == NULL && HAS("compiled"), "%s", gf_errmsg());
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_relu(g, x) == GF_NONE && HAS("already compiled"), "%s", gf_errmsg());
    gf_graph_free(g);
}

/* (a b + 1)(a b + 2) from seed 000: a b is computed once, and its gradient
 * sums both consumers: d/da = b (2ab + 3), d/db = a (2ab + 3). */
static void test_shared_subexpression(void)
{
    gf_graph *g = gf_graph_new();
    gf_node a = gf_param(g, "a", 0, NULL), b = gf_param(g, "b", 0, NULL);
    gf_node one = gf_const(g, "one", 0, NULL), two = gf_const(g, "two", 0, NULL);
    gf_node ab = gf_mul(g, a, b);
    gf_node out = gf_mul(g, gf_add(g, ab, one), gf_add(g, ab, two));
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_graph_nodes(g) == 8, "%d nodes: a b must be one node", gf_graph_nodes(g));
    gf_workspace *ws = gf_workspace_new(g, 1);
    gf_value(ws, a)[0] = 1.5f;
    gf_value(ws, b)[0] = -2.0f;
    gf_value(ws, one)[0] = 1.0f;
    gf_value(ws, two)[0] = 2.0f;
    for (int round = 0; round < 2; round++) { /* twice: no stale accumulation */
        CHECK(gf_forward(ws, out) == GF_OK && gf_backward(ws, out) == GF_OK, "%s", gf_errmsg());
        CHECK_NEAR(gf_value(ws, out)[0], (-3.0 + 1) * (-3.0 + 2), 1e-6);
        CHECK_NEAR(gf_grad(ws, a)[0], -2.0 * (2 * -3.0 + 3), 1e-6);
        CHECK_NEAR(gf_grad(ws, b)[0], 1.5 * (2 * -3.0 + 3), 1e-6);
        CHECK_NEAR(gf_grad(ws, ab)[0], 2 * -3.0 + 3, 1e-6);
    }
    /* The same node twice in one op: d(p p)/dp = 2p. */
    gf_graph_free(g);
    gf_workspace_free(ws);
    g = gf_graph_new();
    gf_node p = gf_param(g, "p", 1, (int64_t[]){3});
    gf_node sq = gf_sum(g, gf_mul(g, p, p));
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    ws = gf_workspace_new(g, 1);
    float pv[3] = {1, -2, 0.5f};
    memcpy(gf_value(ws, p), pv, sizeof pv);
    gf_forward(ws, sq);
    gf_backward(ws, sq);
    for (int i = 0; i < 3; i++) CHECK_NEAR(gf_grad(ws, p)[i], 2 * pv[i], 1e-6);
    gf_workspace_free(ws);
    gf_graph_free(g);
}

/* One-node graphs on a parameter: run op on values, compare to expected. */
typedef gf_node (*unary_fn)(gf_graph *, gf_node);
static void expect_unary(const char *name, unary_fn op, int rows, int cols, const float *in,
                         const double *want, double tol)
{
    gf_graph *g = gf_graph_new();
    gf_node p = gf_param(g, "p", 2, (int64_t[]){rows, cols});
    gf_node y = op(g, p);
    CHECK(gf_graph_compile(g) == GF_OK, "%s: %s", name, gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, 1);
    memcpy(gf_value(ws, p), in, sizeof(float) * (size_t)(rows * cols));
    CHECK(gf_forward(ws, y) == GF_OK, "%s: %s", name, gf_errmsg());
    for (int i = 0; i < rows * cols; i++) {
        double got = gf_value(ws, y)[i];
        CHECK(fabs(got - want[i]) <= tol * fmax(1e-30, fabs(want[i])) || (want[i] == 0 && got == 0),
              "%s[%d] = %.9g, want %.9g", name, i, got, want[i]);
    }
    gf_workspace_free(ws);
    gf_graph_free(g);
}

static gf_node leaky(gf_graph *g, gf_node a) { return gf_leaky_relu(g, a, 0.01f); }
static gf_node elu1(gf_graph *g, gf_node a) { return gf_elu(g, a, 1.0f); }

static void test_forward_values(void)
{
    /* softmax and log_softmax of [1, 2, 3], and of [1000, 0] (no overflow). */
    float row[] = {1, 2, 3, 1000, 0, -1000};
    double sm[] = {0.09003057317038046, 0.24472847105479764, 0.6652409557748219, 1, 0, 0};
    double lsm[] = {-2.4076059644443806, -1.4076059644443806, -0.4076059644443806, 0, -1000, -2000};
    expect_unary("softmax", gf_softmax, 2, 3, row, sm, 1e-6);
    expect_unary("log_softmax", gf_log_softmax, 2, 3, row, lsm, 1e-6);
    /* Activations at points that matter: both sides, the kinks, far tails. */
    float x[] = {-100, -1, 0, 0.5f, 2, 100};
    double sig[] = {3.720075976020836e-44, 0.2689414213699951, 0.5, 0.6224593312018546,
                    0.8807970779778823, 1};
    double tnh[] = {-1, -0.7615941559557649, 0, 0.46211715726000974, 0.9640275800758169, 1};
    double relu[] = {0, 0, 0, 0.5, 2, 100};
    double lrelu[] = {-1, -0.01, 0, 0.5, 2, 100};
    double elu[] = {-1, -0.6321205588285577, 0, 0.5, 2, 100};
    double sp[] = {3.720075976020836e-44, 0.31326168751822286, 0.6931471805599453,
                   0.9740769841801067, 2.1269280110429727, 100};
    double ht[] = {-1, -1, 0, 0.5, 1, 1};
    expect_unary("sigmoid", gf_sigmoid, 1, 6, x, sig, 1e-5); /* e^-100 is a float denormal */
    expect_unary("tanh", gf_tanh, 1, 6, x, tnh, 1e-6);
    expect_unary("relu", gf_relu, 1, 6, x, relu, 0);
    expect_unary("leaky_relu", leaky, 1, 6, x, lrelu, 1e-7);
    expect_unary("elu", elu1, 1, 6, x, elu, 1e-6);
    expect_unary("softplus", gf_softplus, 1, 6, x, sp, 1e-5);
    expect_unary("hardtanh", gf_hardtanh, 1, 6, x, ht, 0);
}

/* Losses at known values, including logits so large a naive form overflows. */
static double loss_of(gf_node (*op)(gf_graph *, gf_node, gf_node), int rows, int cols,
                      const float *z, int tcols, const float *t, gf_status *status)
{
    gf_graph *g = gf_graph_new();
    gf_node zn = gf_input(g, "z", 1, (int64_t[]){cols});
    gf_node tn = gf_input(g, "t", 1, (int64_t[]){tcols});
    gf_node l = op(g, zn, tn);
    gf_graph_compile(g);
    gf_workspace *ws = gf_workspace_new(g, rows);
    memcpy(gf_value(ws, zn), z, sizeof(float) * (size_t)(rows * cols));
    memcpy(gf_value(ws, tn), t, sizeof(float) * (size_t)(rows * tcols));
    *status = gf_forward(ws, l);
    double v = gf_value(ws, l)[0];
    gf_workspace_free(ws);
    gf_graph_free(g);
    return v;
}

static void test_losses(void)
{
    gf_status s;
    float z[] = {2, -1, 0.5f, 1000, 0, -1000};
    float labels[] = {0, 2};
    /* row 0: lse(2,-1,.5) - 2; row 1: 1000 - (-1000) */
    double lse0 = log(exp(2.0) + exp(-1.0) + exp(0.5));
    CHECK_NEAR(loss_of(gf_softmax_xent, 2, 3, z, 1, labels, &s), ((lse0 - 2) + 2000) / 2, 1e-6);
    CHECK(s == GF_OK, "%s", gf_errmsg());
    float bad_label[] = {0, 3};
    loss_of(gf_softmax_xent, 2, 3, z, 1, bad_label, &s);
    CHECK(s == GF_ERR_ARG && HAS("label 3 at row 1") && HAS("[0, 3)"), "%s", gf_errmsg());
    float frac_label[] = {0.5f, 1};
    loss_of(gf_softmax_xent, 2, 3, z, 1, frac_label, &s);
    CHECK(s == GF_ERR_ARG && HAS("label 0.5 at row 0"), "%s", gf_errmsg());

    float logits[] = {100, -100, 0, 3};
    float probs[] = {0, 0, 0.5f, 1};
    double want = (100 + 0 + log(2.0) + log1p(exp(-3.0))) / 4;
    CHECK_NEAR(loss_of(gf_bce_logits, 1, 4, logits, 4, probs, &s), want, 1e-6);
    float not_prob[] = {0, 0, 1.5f, 1};
    loss_of(gf_bce_logits, 1, 4, logits, 4, not_prob, &s);
    CHECK(s == GF_ERR_ARG && HAS("bce_logits") && HAS("1.5"), "%s", gf_errmsg());

    float scores[] = {2, 0.5f, -0.5f};
    float signs[] = {1, 1, 1};
    CHECK_NEAR(loss_of(gf_hinge, 3, 1, scores, 1, signs, &s), (0 + 0.5 + 1.5) / 3, 1e-7);
    float zero_one[] = {1, 0, 1};
    loss_of(gf_hinge, 3, 1, scores, 1, zero_one, &s);
    CHECK(s == GF_ERR_ARG && HAS("hinge") && HAS("-1 or +1"), "%s", gf_errmsg());

    float p[] = {1, 2, 3, 4};
    float t[] = {1, 0, 3, 2};
    CHECK_NEAR(loss_of(gf_mse, 2, 2, p, 2, t, &s), (0 + 4 + 0 + 4) / 4.0, 1e-7);
}

/* Batches of 1..max through one workspace give each row the answer it gets
 * alone: the batch really varies, and no row sees another's data. */
static void test_variable_batch(void)
{
    gf_model *m = gf_model_new(4);
    gf_node h = gf_dense(m, gf_model_input(m), 8, GF_ACT_TANH);
    gf_node z = gf_dense(m, h, 3, GF_ACT_IDENTITY);
    CHECK(gf_model_set_loss(m, z, GF_LOSS_SOFTMAX_XENT) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_model_compile(m, 5, 3) == GF_OK, "%s", gf_errmsg());
    float x[5 * 4], all[5 * 3], one[3];
    for (int i = 0; i < 20; i++) x[i] = (float)sin(i);
    CHECK(gf_model_predict(m, x, 5, all) == GF_OK, "%s", gf_errmsg());
    for (int r = 0; r < 5; r++) {
        gf_model_predict(m, x + 4 * r, 1, one);
        for (int j = 0; j < 3; j++) CHECK_NEAR(one[j], all[3 * r + j], 1e-6);
    }
    gf_workspace *ws = gf_workspace_new(gf_model_graph(m), 5);
    CHECK(gf_set_batch(ws, 6) == GF_ERR_ARG && HAS("1..5"), "%s", gf_errmsg());
    CHECK(gf_set_batch(ws, 0) == GF_ERR_ARG, "batch 0 accepted");
    CHECK(gf_backward(ws, z) == GF_ERR_SHAPE && HAS("scalar"), "backward from logits: %s", gf_errmsg());
    gf_workspace_free(ws);
    gf_model_free(m);
}

/* A training step allocates nothing: forward and backward allocate zero
 * times, and fitting 3 epochs allocates exactly as often as fitting 1. */
static void test_no_allocation(void)
{
    gf_model *m = gf_model_new(6);
    gf_node h = gf_dense(m, gf_model_input(m), 16, GF_ACT_RELU);
    gf_node z = gf_dense(m, h, 4, GF_ACT_IDENTITY);
    gf_model_set_loss(m, z, GF_LOSS_SOFTMAX_XENT);
    CHECK(gf_model_compile(m, 32, 1) == GF_OK, "%s", gf_errmsg());
    float x[200 * 6], y[200];
    for (int i = 0; i < 200 * 6; i++) x[i] = (float)cos(i * 0.37);
    for (int i = 0; i < 200; i++) y[i] = (float)(i % 4);
    gf_dataset *ds = gf_dataset_new(200, 6, x, 1, y, 4);

    gf_workspace *ws = gf_workspace_new(gf_model_graph(m), 32);
    long before = allocations;
    for (int i = 0; i < 5; i++) {
        gf_forward(ws, gf_model_loss(m));
        gf_backward(ws, gf_model_loss(m));
    }
    CHECK(allocations == before, "forward/backward allocated %ld times", allocations - before);

    gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
    o.batch_size = 16;
    o.epochs = 1;
    before = allocations;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_OK, "%s", gf_errmsg());
    long one_epoch = allocations - before;
    CHECK(one_epoch > 0, "the allocation counter saw nothing; is the wrap linked?");
    o.epochs = 3;
    before = allocations;
    gf_model_fit(m, ds, NULL, &o);
    CHECK(allocations - before == one_epoch, "3 epochs allocated %ld times, 1 epoch %ld",
          allocations - before, one_epoch);
    gf_workspace_free(ws);
    gf_dataset_free(ds);
    gf_model_free(m);
}

int main(void)
{
    gf_set_threads(2);
    test_shape_errors();
    test_shared_subexpression();
    test_forward_values();
    test_losses();
    test_variable_batch();
    test_no_allocation();
    return check_report("test_graph");
}
