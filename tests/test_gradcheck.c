/* Every differentiable op, and a network with two hidden layers, against
 * central finite differences of the double-precision reference forward
 * (gf_check_grad), on random shapes including batch 1.  Any relative error
 * above 1e-3 fails; an all-zero numerical gradient fails too. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grafo.h"

#define TOL 1e-3

static gf_rng rng;

static int rand_int(int lo, int hi) { return lo + (int)gf_rng_below(&rng, (uint64_t)(hi - lo + 1)); }
static float rand_float(float lo, float hi) { return lo + (hi - lo) * (float)gf_rng_uniform(&rng); }

static void fill(float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) v[i] = rand_float(lo, hi);
}

/* Fill every input/constant of the workspace's graph with values in range,
 * and every parameter too. */
static void fill_leaves(gf_graph *g, gf_workspace *ws, float lo, float hi)
{
    int batch = gf_batch(ws);
    for (gf_node n = 0; n < gf_graph_nodes(g); n++) {
        gf_op op = gf_node_op(g, n);
        size_t size = gf_node_size(g, n);
        if (op == GF_OP_INPUT) fill(gf_value(ws, n), size * (size_t)batch, lo, hi);
        if (op == GF_OP_CONST || op == GF_OP_PARAM) fill(gf_value(ws, n), size, lo, hi);
    }
}

static void run_check(gf_graph *g, gf_node loss, int batch, const char *what,
                      void (*targets)(gf_graph *, gf_workspace *), float lo, float hi)
{
    gf_status s = gf_graph_compile(g);
    CHECK(s == GF_OK, "%s: compile: %s", what, gf_errmsg());
    if (s != GF_OK) return;
    gf_workspace *ws = gf_workspace_new(g, batch + 3);
    CHECK(ws != NULL, "%s: workspace: %s", what, gf_errmsg());
    if (!ws) return;
    gf_set_batch(ws, batch);
    fill_leaves(g, ws, lo, hi);
    if (targets) targets(g, ws);
    double worst = -1;
    gf_node where = GF_NONE;
    size_t at = 0;
    s = gf_check_grad(ws, loss, &worst, &where, &at);
    CHECK(s == GF_OK, "%s: check_grad: %s", what, gf_errmsg());
    CHECK(worst >= 0 && worst <= TOL, "%s (batch %d): worst relative error %.3g at %s[%zu]", what,
          batch, worst, gf_node_name(g, where), at);
    gf_workspace_free(ws);
}

/* Unary ops: loss = sum(op(h) * R), where h = x W is batched and depends on
 * a parameter, and also op(P) applied straight to a parameter. */
typedef gf_node (*unary_fn)(gf_graph *, gf_node);
static gf_node leaky(gf_graph *g, gf_node a) { return gf_leaky_relu(g, a, 0.1f); }
static gf_node elu(gf_graph *g, gf_node a) { return gf_elu(g, a, 0.7f); }
static gf_node scale(gf_graph *g, gf_node a) { return gf_scale(g, a, -1.7f); }
static gf_node sum(gf_graph *g, gf_node a) { return gf_sum(g, a); }
static gf_node mean(gf_graph *g, gf_node a) { return gf_mean(g, a); }

static void check_unary(const char *name, unary_fn op)
{
    for (int trial = 0; trial < 3; trial++) {
        int batch = trial == 0 ? 1 : rand_int(2, 6), k = rand_int(1, 5), d = rand_int(1, 6);
        char what[64];
        snprintf(what, sizeof what, "%s via matmul", name);
        gf_graph *g = gf_graph_new();
        gf_node x = gf_input(g, "x", 1, (int64_t[]){k});
        gf_node w = gf_param(g, "W", 2, (int64_t[]){k, d});
        gf_node y = op(g, gf_matmul(g, x, w));
        int64_t dims[GF_MAX_DIMS + 1];
        int nd = gf_node_shape(g, y, dims);
        gf_node loss = y;
        if (nd > 0) {
            gf_node r = gf_const(g, "R", 1, (int64_t[]){d});
            loss = gf_sum(g, gf_mul(g, y, r));
        }
        run_check(g, loss, batch, what, NULL, -2.0f, 2.0f);
        gf_graph_free(g);

        snprintf(what, sizeof what, "%s on a parameter", name);
        g = gf_graph_new();
        gf_node p = gf_param(g, "P", 2, (int64_t[]){rand_int(1, 4), d});
        y = op(g, p);
        nd = gf_node_shape(g, y, dims);
        loss = y;
        if (nd > 0) {
            gf_node r = gf_const(g, "R", 2, dims);
            loss = gf_sum(g, gf_mul(g, y, r));
        }
        run_check(g, loss, batch, what, NULL, -2.0f, 2.0f);
        gf_graph_free(g);
    }
}

/* Binary element-wise ops, with equal shapes and with broadcasting; both
 * operands are parameters (through a matmul for the batched one). */
typedef gf_node (*binary_fn)(gf_graph *, gf_node, gf_node);

static void check_binary(const char *name, binary_fn op)
{
    for (int trial = 0; trial < 3; trial++) {
        int batch = trial == 0 ? 1 : rand_int(2, 5), k = rand_int(1, 4), d = rand_int(1, 5);
        char what[64];
        for (int bcast = 0; bcast < 2; bcast++) {
            snprintf(what, sizeof what, "%s (%s)", name, bcast ? "broadcast" : "same shape");
            gf_graph *g = gf_graph_new();
            gf_node x = gf_input(g, "x", 1, (int64_t[]){k});
            gf_node a = gf_matmul(g, x, gf_param(g, "Wa", 2, (int64_t[]){k, d}));
            gf_node b = bcast ? gf_param(g, "b", 1, (int64_t[]){d})
                              : gf_matmul(g, x, gf_param(g, "Wb", 2, (int64_t[]){k, d}));
            gf_node r = gf_const(g, "R", 1, (int64_t[]){d});
            gf_node loss = gf_sum(g, gf_mul(g, op(g, a, b), r));
            run_check(g, loss, batch, what, NULL, -2.0f, 2.0f);
            gf_graph_free(g);
        }
    }
}

/* matmul with both operands parameters, unbatched and batched (the left
 * one then a product itself, so its gradient dA = dY B^T is exercised). */
static void check_matmul(void)
{
    for (int trial = 0; trial < 3; trial++) {
        int batch = trial == 0 ? 1 : rand_int(2, 5), m = rand_int(1, 4), k = rand_int(1, 5),
            n = rand_int(1, 4);
        gf_graph *g = gf_graph_new();
        gf_node a = gf_param(g, "A", 2, (int64_t[]){m, k});
        gf_node b = gf_param(g, "B", 2, (int64_t[]){k, n});
        gf_node r = gf_const(g, "R", 2, (int64_t[]){m, n});
        run_check(g, gf_sum(g, gf_mul(g, gf_matmul(g, a, b), r)), batch, "matmul", NULL, -2.0f, 2.0f);
        gf_graph_free(g);

        g = gf_graph_new();
        gf_node x = gf_input(g, "x", 1, (int64_t[]){m});
        gf_node h = gf_matmul(g, x, gf_param(g, "A", 2, (int64_t[]){m, k}));
        gf_node y = gf_matmul(g, h, gf_param(g, "B", 2, (int64_t[]){k, n}));
        r = gf_const(g, "R", 1, (int64_t[]){n});
        run_check(g, gf_sum(g, gf_mul(g, y, r)), batch, "matmul, batched chain", NULL, -2.0f, 2.0f);
        gf_graph_free(g);
    }
}

/* Losses get targets of the right kind after the random fill. */
static gf_node target_node(gf_graph *g) { return gf_graph_find(g, "t"); }

static void prob_targets(gf_graph *g, gf_workspace *ws)
{
    gf_node t = target_node(g);
    fill(gf_value(ws, t), gf_node_size(g, t) * (size_t)gf_batch(ws), 0.0f, 1.0f);
}

static void sign_targets(gf_graph *g, gf_workspace *ws)
{
    gf_node t = target_node(g);
    float *v = gf_value(ws, t);
    for (size_t i = 0; i < gf_node_size(g, t) * (size_t)gf_batch(ws); i++)
        v[i] = gf_rng_below(&rng, 2) ? 1.0f : -1.0f;
}

static int n_classes;
static void label_targets(gf_graph *g, gf_workspace *ws)
{
    gf_node t = target_node(g);
    float *v = gf_value(ws, t);
    for (int i = 0; i < gf_batch(ws); i++) v[i] = (float)gf_rng_below(&rng, (uint64_t)n_classes);
}

static void check_losses(void)
{
    for (int trial = 0; trial < 3; trial++) {
        int batch = trial == 0 ? 1 : rand_int(2, 6), k = rand_int(1, 4), d = rand_int(2, 6);
        struct {
            const char *name;
            binary_fn op;
            void (*targets)(gf_graph *, gf_workspace *);
        } losses[] = {
            {"mse", gf_mse, NULL},
            {"bce_logits", gf_bce_logits, prob_targets},
            {"hinge", gf_hinge, sign_targets},
            {"softmax_xent", gf_softmax_xent, label_targets},
        };
        for (size_t i = 0; i < sizeof losses / sizeof losses[0]; i++) {
            gf_graph *g = gf_graph_new();
            gf_node x = gf_input(g, "x", 1, (int64_t[]){k});
            gf_node z = gf_matmul(g, x, gf_param(g, "W", 2, (int64_t[]){k, d}));
            bool xent = losses[i].op == gf_softmax_xent;
            gf_node t = gf_input(g, "t", 1, (int64_t[]){xent ? 1 : d});
            n_classes = d;
            run_check(g, losses[i].op(g, z, t), batch, losses[i].name, losses[i].targets, -2.0f, 2.0f);
            gf_graph_free(g);
        }
        /* mse against a target that is itself a parameter: both sides. */
        gf_graph *g = gf_graph_new();
        gf_node p = gf_param(g, "p", 2, (int64_t[]){3, d});
        gf_node q = gf_param(g, "q", 2, (int64_t[]){3, d});
        run_check(g, gf_mse(g, p, q), batch, "mse, both sides", NULL, -2.0f, 2.0f);
        gf_graph_free(g);
    }
}

/* The seeds' network with two hidden layers, softmax output. */
static void check_network(void)
{
    int batches[] = {1, 7};
    for (int i = 0; i < 2; i++) {
        gf_model *m = gf_model_new(5);
        gf_node h1 = gf_dense(m, gf_model_input(m), 6, GF_ACT_TANH);
        gf_node h2 = gf_dense(m, h1, 4, GF_ACT_SIGMOID);
        gf_node z = gf_dense(m, h2, 3, GF_ACT_IDENTITY);
        CHECK(gf_model_set_loss(m, z, GF_LOSS_SOFTMAX_XENT) == GF_OK, "%s", gf_errmsg());
        CHECK(gf_model_compile(m, 8, 7) == GF_OK, "%s", gf_errmsg());
        gf_graph *g = gf_model_graph(m);
        gf_workspace *ws = gf_workspace_new(g, 8);
        gf_set_batch(ws, batches[i]);
        fill(gf_value(ws, gf_model_input(m)), 5 * (size_t)batches[i], -1.0f, 1.0f);
        float *y = gf_value(ws, gf_graph_find(g, "target"));
        for (int r = 0; r < batches[i]; r++) y[r] = (float)gf_rng_below(&rng, 3);
        double worst = -1;
        gf_node where = GF_NONE;
        size_t at = 0;
        CHECK(gf_check_grad(ws, gf_model_loss(m), &worst, &where, &at) == GF_OK, "%s", gf_errmsg());
        CHECK(worst >= 0 && worst <= TOL, "two-hidden-layer network (batch %d): worst %.3g at %s[%zu]",
              batches[i], worst, gf_node_name(g, where), at);
        gf_workspace_free(ws);
        gf_model_free(m);
    }
}

/* A check that could pass on nothing must not: ReLU of large negative
 * values has a zero gradient everywhere. */
static void check_vacuous_rejected(void)
{
    gf_graph *g = gf_graph_new();
    gf_node p = gf_param(g, "P", 1, (int64_t[]){4});
    gf_node loss = gf_sum(g, gf_relu(g, p));
    CHECK(gf_graph_compile(g) == GF_OK, "%s", gf_errmsg());
    gf_workspace *ws = gf_workspace_new(g, 1);
    float *v = gf_value(ws, p);
    for (int i = 0; i < 4; i++) v[i] = -5.0f;
    double worst = -1;
    CHECK(gf_check_grad(ws, loss, &worst, NULL, NULL) == GF_ERR_NUMERIC,
          "an all-zero gradient was accepted");
    CHECK(strstr(gf_errmsg(), "zero everywhere") != NULL, "message: %s", gf_errmsg());
    gf_workspace_free(ws);
    gf_graph_free(g);
}

int main(void)
{
    gf_rng_seed(&rng, 2024);
    gf_set_threads(2);
    check_unary("sigmoid", gf_sigmoid);
    check_unary("tanh", gf_tanh);
    check_unary("relu", gf_relu);
    check_unary("leaky_relu", leaky);
    check_unary("elu", elu);
    check_unary("softplus", gf_softplus);
    check_unary("hardtanh", gf_hardtanh);
    check_unary("identity", gf_identity);
    check_unary("softmax", gf_softmax);
    check_unary("log_softmax", gf_log_softmax);
    check_unary("scale", scale);
    check_unary("sum", sum);
    check_unary("mean", mean);
    check_binary("add", gf_add);
    check_binary("sub", gf_sub);
    check_binary("mul", gf_mul);
    check_matmul();
    check_losses();
    check_network();
    check_vacuous_rejected();
    return check_report("test_gradcheck");
}
