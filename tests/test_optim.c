/* Optimisers and schedules (grafo/optim.h): every optimiser's trajectory
 * against PyTorch 1.13's torch.optim (fixtures made by
 * scripts/fixtures/optim_torch.py), the schedules against hand-computed
 * values and PyTorch's schedulers, roles (frozen slices, unpenalised
 * biases), the state buffers and resuming from them, thread counts, and
 * bad input. */
#include "grafo/optim.h"

#include "check.h"
#include "fixtures/optim_torch.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#define STEPS ((int)OPTIM_TORCH_STEPS)
#define NTORCH ((int)OPTIM_TORCH_PARAMS)

/* grafo's block for the fixtures' 3-4-2 network: PyTorch's parameters W1
 * (12), b1 (4), W2 (8), b2 (2), with a frozen slice (a batch norm's running
 * statistics, say) between the layers, so runs of all three roles alternate. */
enum { NW1 = 12, NB1 = 4, NFROZEN = 4, NW2 = 8, NB2 = 2 };
enum { FROZEN_AT = NW1 + NB1, W2_AT = FROZEN_AT + NFROZEN, NBLOCK = W2_AT + NW2 + NB2 };
_Static_assert(NW1 + NB1 + NW2 + NB2 == NTORCH, "the fixture's network changed");

/* `copies` copies of the network side by side, tensor by tensor: W1 of
 * every copy, then b1 of every copy, and so on, so each run is `copies`
 * times longer (one copy is the network itself).  Element k of tensor t
 * (0 W1, 1 b1, 2 frozen, 3 W2, 4 b2) of copy c: */
static const size_t tensor_size[5] = { NW1, NB1, NFROZEN, NW2, NB2 };

static size_t slot(size_t copies, int t, size_t c, size_t k)
{
    size_t base = 0;
    for (int u = 0; u < t; u++) base += tensor_size[u] * copies;
    return base + c * tensor_size[t] + k;
}

/* Where PyTorch's parameter j of copy c sits. */
static size_t param_slot(size_t copies, size_t c, int j)
{
    static const int tensor_of[4] = { 0, 1, 3, 4 };
    size_t k = (size_t)j;
    for (int p = 0; p < 4; p++) {
        size_t size = tensor_size[tensor_of[p]];
        if (k < size) return slot(copies, tensor_of[p], c, k);
        k -= size;
    }
    return (size_t)-1;
}

/* Trajectories agree to a few float roundings, not bit for bit: PyTorch's
 * CPU kernels fuse the multiply-adds of add(alpha=) and addcmul into FMAs
 * (measured with this build of torch), while grafo, compiled as ISO C,
 * rounds each product.  That is half an ulp per operation, a few per step,
 * carried from step to step through w and the moments.  The largest
 * difference, printed for each case, is 3 ulp of max(|w|, 1/8) (2.5e-7
 * relative); parameters near zero keep the absolute error of the larger
 * numbers they were computed from, hence the floor.  1e-6 relative to
 * max(|w|, 1/8) allows 8-16 such ulps; a wrong formula, a missed penalty
 * or an off-by-one step count moves the parameters by 1e-4 or more. */
#define TRAJ_TOL 1e-6
#define TRAJ_FLOOR 0.125

static void fill_opts(gf_optim_opts *o, const optim_torch_case *c)
{
    gf_optim_kind kind;
    CHECK(gf_optim_parse(c->kind, &kind) == GF_OK, "kind %s", c->kind);
    *o = gf_optim_defaults(kind);
    o->lr = c->lr;
    o->momentum = c->momentum;
    o->nesterov = c->nesterov;
    o->beta1 = c->beta1;
    o->beta2 = c->beta2;
    o->rho = c->rho;
    o->eps = c->eps;
    o->weight_decay = c->weight_decay;
    o->l1 = c->l1;
    o->clip_norm = c->clip_norm;
}

/* An optimiser over `copies` copies of the network, W1 and W2 weights. */
static gf_optimizer *network_optimizer(const gf_optim_opts *o, size_t copies)
{
    gf_optimizer *opt = gf_optimizer_new(o, NBLOCK * copies);
    CHECK(opt != NULL, "%s", gf_errmsg());
    if (!opt) return NULL;
    gf_status s = gf_optimizer_mark(opt, slot(copies, 0, 0, 0), NW1 * copies, GF_PARAM_WEIGHT);
    if (s == GF_OK)
        s = gf_optimizer_mark(opt, slot(copies, 2, 0, 0), NFROZEN * copies, GF_PARAM_FROZEN);
    if (s == GF_OK)
        s = gf_optimizer_mark(opt, slot(copies, 3, 0, 0), NW2 * copies, GF_PARAM_WEIGHT);
    CHECK(s == GF_OK, "%s", gf_errmsg());
    return opt;
}

/* The frozen slice's values and the gradient it is given, which must never
 * reach it: large enough that any leak shows. */
static float frozen_value(int k) { return 1.0f + (float)k; }
static float frozen_grad(int k) { return 10.0f - (float)k; }

/* Runs one fixture case on `copies` copies of the network and compares
 * every parameter after every step; returns the largest relative
 * difference seen. */
static double run_case(const optim_torch_case *c, size_t copies, double *worst_ulps)
{
    gf_optim_opts o;
    fill_opts(&o, c);
    gf_optimizer *opt = network_optimizer(&o, copies);
    size_t n = NBLOCK * copies;
    float *w = malloc(n * sizeof *w), *g = malloc(n * sizeof *g);
    double worst = 0;
    if (!opt || !w || !g) goto done;
    for (size_t b = 0; b < copies; b++) {
        for (int j = 0; j < NTORCH; j++) w[param_slot(copies, b, j)] = (float)optim_torch_init[j];
        for (int k = 0; k < NFROZEN; k++) w[slot(copies, 2, b, k)] = frozen_value(k);
    }
    for (int t = 0; t < STEPS; t++) {
        const double *gt = c->grads + (size_t)t * NTORCH, *wt = c->params + (size_t)t * NTORCH;
        for (size_t b = 0; b < copies; b++) {
            for (int j = 0; j < NTORCH; j++) g[param_slot(copies, b, j)] = (float)gt[j];
            for (int k = 0; k < NFROZEN; k++) g[slot(copies, 2, b, k)] = frozen_grad(k);
        }
        double norm = -1;
        gf_status s = gf_optimizer_step(opt, w, g, o.lr, &norm);
        CHECK(s == GF_OK, "%s step %d: %s", c->name, t, gf_errmsg());
        CHECK(gf_optimizer_steps(opt) == (uint64_t)t + 1, "%s: steps", c->name);
        /* The norm over the trainable elements only, in double (the frozen
         * slice's gradient, 10 9 8 7, would dominate it). */
        CHECK_REL(norm, c->norms[t] * sqrt((double)copies), 1e-12);
        double coef = c->clip_norm > 0 ? c->clip_norm / (norm + 1e-6) : 1.0;
        for (size_t b = 0; b < copies; b++) {
            for (int j = 0; j < NTORCH; j++) {
                size_t i = param_slot(copies, b, j);
                double want = wt[j], diff = fabs(w[i] - want) / fmax(fabs(want), TRAJ_FLOOR);
                worst = fmax(worst, diff);
                float scale = fmaxf(fabsf((float)want), TRAJ_FLOOR);
                float ulp = nextafterf(scale, INFINITY) - scale;
                *worst_ulps = fmax(*worst_ulps, fabs(w[i] - want) / ulp);
                CHECK(diff <= TRAJ_TOL, "%s step %d copy %zu param %d: %.9g vs torch %.9g", c->name,
                      t, b, j, w[i], want);
                /* Clipping scaled g in place, before the penalties. */
                float scaled = coef < 1.0 ? (float)gt[j] * (float)coef : (float)gt[j];
                CHECK(g[i] == scaled, "%s step %d param %d: gradient %.9g, clipped %.9g",
                      c->name, t, j, g[i], scaled);
            }
            for (int k = 0; k < NFROZEN; k++) {
                CHECK(w[slot(copies, 2, b, k)] == frozen_value(k), "%s: frozen %d moved", c->name,
                      k);
                CHECK(g[slot(copies, 2, b, k)] == frozen_grad(k), "%s: frozen gradient %d clipped",
                      c->name, k);
            }
        }
    }
done:
    gf_optimizer_free(opt);
    free(w);
    free(g);
    return worst;
}

static void test_against_torch(void)
{
    size_t ncases = sizeof optim_torch_cases / sizeof optim_torch_cases[0];
    for (size_t i = 0; i < ncases; i++) {
        const optim_torch_case *c = &optim_torch_cases[i];
        double ulps = 0, worst = run_case(c, 1, &ulps);
        printf("  %-16s largest difference from torch %.2g relative, %.1f ulp\n", c->name, worst,
               ulps);
        /* 3001 copies: runs long enough to be split into blocks and over
         * threads, with tails.  The norm is then sqrt(3001) times larger, so
         * clipping would differ: those cases run once. */
        if (c->clip_norm == 0) run_case(c, 3001, &ulps);
    }
}

/* ---- roles ---------------------------------------------------------------- */

/* With a zero gradient, only the penalties move anything: the weights move,
 * the biases and the frozen slice stay exactly where they were. */
static void test_biases_not_penalised(void)
{
    for (int k = 0; k < GF_OPTIM_COUNT; k++) {
        gf_optim_opts o = gf_optim_defaults((gf_optim_kind)k);
        o.lr = 0.01f;
        o.weight_decay = 0.5f;
        o.l1 = 0.25f;
        o.momentum = k == GF_OPTIM_SGD || k == GF_OPTIM_RMSPROP ? 0.9f : 0.0f;
        gf_optimizer *opt = network_optimizer(&o, 1);
        float w[NBLOCK], g[NBLOCK] = {0}, w0[NBLOCK];
        for (int i = 0; i < NBLOCK; i++) w[i] = w0[i] = (i % 2 ? 0.5f : -0.75f) * (1 + i / 8.0f);
        CHECK(opt && gf_optimizer_step(opt, w, g, o.lr, NULL) == GF_OK, "%s", gf_errmsg());
        for (int i = 0; i < NBLOCK; i++) {
            bool weight = i < NW1 || (i >= W2_AT && i < W2_AT + NW2);
            if (!weight) {
                CHECK(w[i] == w0[i], "%s: bias or frozen %d moved %.9g -> %.9g",
                      gf_optim_name(o.kind), i, w0[i], w[i]);
                continue;
            }
            CHECK(fabsf(w[i]) < fabsf(w0[i]), "%s: weight %d not shrunk: %.9g -> %.9g",
                  gf_optim_name(o.kind), i, w0[i], w[i]);
            float sign = w0[i] > 0 ? 1.0f : -1.0f;
            if (k == GF_OPTIM_SGD) { /* b = d, w -= lr b, d = 0 + l1 sign(w) + wd w */
                float d = 0.0f + o.l1 * sign + o.weight_decay * w0[i];
                CHECK(w[i] == w0[i] - o.lr * d, "sgd: weight %d %.9g, want %.9g", i, w[i],
                      w0[i] - o.lr * d);
            }
        }
        gf_optimizer_free(opt);
    }
    /* AdamW without L1: the decoupled decay alone, w (1 - lr wd), exactly. */
    gf_optim_opts o = gf_optim_defaults(GF_OPTIM_ADAMW);
    o.lr = 0.1f;
    o.weight_decay = 0.5f;
    gf_optimizer *opt = network_optimizer(&o, 1);
    float w[NBLOCK], g[NBLOCK] = {0};
    for (int i = 0; i < NBLOCK; i++) w[i] = 1.0f + (float)i;
    CHECK(opt && gf_optimizer_step(opt, w, g, o.lr, NULL) == GF_OK, "%s", gf_errmsg());
    float shrink = (float)(1.0 - 0.1f * (double)0.5f);
    CHECK(w[0] == 1.0f * shrink && w[W2_AT] == (1.0f + W2_AT) * shrink, "adamw: %.9g %.9g", w[0],
          w[W2_AT]);
    CHECK(w[NW1] == 1.0f + NW1 && w[FROZEN_AT] == 1.0f + FROZEN_AT, "adamw: bias or frozen moved");
    gf_optimizer_free(opt);
}

/* A frozen element keeps its value whatever its gradient, NaN included
 * (running statistics have no gradient to check). */
static void test_frozen_nan_ignored(void)
{
    gf_optim_opts o = gf_optim_defaults(GF_OPTIM_ADAM);
    o.clip_norm = 1.0f;
    gf_optimizer *opt = network_optimizer(&o, 1);
    float w[NBLOCK], g[NBLOCK];
    for (int i = 0; i < NBLOCK; i++) w[i] = g[i] = 0.25f;
    g[FROZEN_AT + 1] = NAN;
    CHECK(opt && gf_optimizer_step(opt, w, g, o.lr, NULL) == GF_OK, "%s", gf_errmsg());
    CHECK(w[FROZEN_AT + 1] == 0.25f && isnan(g[FROZEN_AT + 1]), "frozen element touched");
    gf_optimizer_free(opt);
}

/* ---- state buffers and resuming ----------------------------------------- */

typedef struct config {
    const char *label;
    gf_optim_kind kind;
    float momentum;
    int nesterov;
    int states;
    const char *names[2];
} config;

static const config configs[] = {
    { "sgd", GF_OPTIM_SGD, 0, 0, 0, { NULL, NULL } },
    { "sgd momentum", GF_OPTIM_SGD, 0.9f, 0, 1, { "momentum", NULL } },
    { "sgd nesterov", GF_OPTIM_SGD, 0.9f, 1, 1, { "momentum", NULL } },
    { "adam", GF_OPTIM_ADAM, 0, 0, 2, { "m", "v" } },
    { "adamw", GF_OPTIM_ADAMW, 0, 0, 2, { "m", "v" } },
    { "rmsprop", GF_OPTIM_RMSPROP, 0, 0, 1, { "square_avg", NULL } },
    { "rmsprop momentum", GF_OPTIM_RMSPROP, 0.9f, 0, 2, { "square_avg", "momentum" } },
    { "adagrad", GF_OPTIM_ADAGRAD, 0, 0, 1, { "sum", NULL } },
};
#define NCONFIGS (sizeof configs / sizeof configs[0])

static gf_optim_opts config_opts(const config *c)
{
    gf_optim_opts o = gf_optim_defaults(c->kind);
    o.momentum = c->momentum;
    o.nesterov = c->nesterov;
    o.weight_decay = 1e-2f;
    o.l1 = 1e-3f;
    o.clip_norm = 2.0f;
    return o;
}

/* The gradient of sum (w - 1)^2 / 2 + (w - 1)^4 / 4, computed from w so a
 * trajectory depends on every step before it. */
static void quartic_grad(const float *w, float *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float e = w[i] - 1.0f + 0.01f * (float)(i % 7);
        g[i] = e + e * e * e;
    }
}

static void run_steps(gf_optimizer *opt, float *w, float *g, size_t n, int steps, float lr)
{
    for (int t = 0; t < steps; t++) {
        quartic_grad(w, g, n);
        CHECK(gf_optimizer_step(opt, w, g, lr, NULL) == GF_OK, "%s", gf_errmsg());
    }
}

static void test_states(void)
{
    for (size_t c = 0; c < NCONFIGS; c++) {
        gf_optim_opts o = config_opts(&configs[c]);
        gf_optimizer *opt = network_optimizer(&o, 1);
        if (!opt) continue;
        CHECK(gf_optimizer_states(opt) == configs[c].states, "%s: %d states, want %d",
              configs[c].label, gf_optimizer_states(opt), configs[c].states);
        for (int i = 0; i < configs[c].states; i++) {
            const char *name = NULL;
            float *s = gf_optimizer_state(opt, i, &name);
            CHECK(s && name && strcmp(name, configs[c].names[i]) == 0, "%s: state %d is %s",
                  configs[c].label, i, name ? name : "(none)");
            for (int j = 0; s && j < NBLOCK; j++) CHECK(s[j] == 0.0f, "moments start at zero");
        }
        const char *name = "untouched";
        CHECK(gf_optimizer_state(opt, configs[c].states, &name) == NULL &&
              !strcmp(name, "untouched"), "%s: a state past the last", configs[c].label);
        CHECK(gf_optimizer_state(opt, -1, NULL) == NULL, "state -1");
        gf_optimizer_free(opt);
    }
    CHECK(gf_optimizer_states(NULL) == 0 && gf_optimizer_state(NULL, 0, NULL) == NULL,
          "NULL optimiser");

    /* Adam's moments after one step, g = 0.5 on every trainable element:
     * m = (1 - b1) g, v = (1 - b2) g^2. */
    gf_optim_opts o = gf_optim_defaults(GF_OPTIM_ADAM);
    gf_optimizer *opt = network_optimizer(&o, 1);
    float w[NBLOCK] = {0}, g[NBLOCK];
    for (int i = 0; i < NBLOCK; i++) g[i] = 0.5f;
    CHECK(opt && gf_optimizer_step(opt, w, g, o.lr, NULL) == GF_OK, "%s", gf_errmsg());
    float *m = gf_optimizer_state(opt, 0, NULL), *v = gf_optimizer_state(opt, 1, NULL);
    if (m && v) {
        CHECK(m[0] == (float)(1.0 - 0.9f) * 0.5f && v[NW1] == (float)(1.0 - 0.999f) * 0.5f * 0.5f,
              "adam moments %.9g %.9g", m[0], v[NW1]);
        CHECK(m[FROZEN_AT] == 0 && v[FROZEN_AT] == 0, "a frozen element has moments");
        /* The first step moves every trainable w by lr: m / sqrt(v) = 1. */
        CHECK_REL(w[0], -o.lr, 1e-6);
        CHECK(w[FROZEN_AT] == 0, "frozen moved");
    }
    gf_optimizer_free(opt);
}

/* Ten steps in one go, against five steps, then the state buffers and the
 * step count copied into a fresh optimiser and five more: the same bits. */
static void test_resume(void)
{
    enum { RESUME_STEPS = 10 };
    for (size_t c = 0; c < NCONFIGS; c++) {
        gf_optim_opts o = config_opts(&configs[c]);
        o.lr = configs[c].kind == GF_OPTIM_SGD ? 0.05f : 0.02f;
        float wa[NBLOCK], wb[NBLOCK], g[NBLOCK];
        for (int i = 0; i < NBLOCK; i++) wa[i] = wb[i] = 0.3f * (float)(i % 5) - 0.4f;
        gf_optimizer *a = network_optimizer(&o, 1), *b = network_optimizer(&o, 1),
                     *r = network_optimizer(&o, 1), *blank = network_optimizer(&o, 1);
        if (!a || !b || !r || !blank) continue;
        run_steps(a, wa, g, NBLOCK, RESUME_STEPS, o.lr);
        run_steps(b, wb, g, NBLOCK, RESUME_STEPS / 2, o.lr);
        float wblank[NBLOCK];
        memcpy(wblank, wb, sizeof wb);
        for (int i = 0; i < gf_optimizer_states(b); i++)
            memcpy(gf_optimizer_state(r, i, NULL), gf_optimizer_state(b, i, NULL),
                   NBLOCK * sizeof(float));
        gf_optimizer_set_steps(r, gf_optimizer_steps(b));
        CHECK(gf_optimizer_steps(r) == RESUME_STEPS / 2, "set_steps");
        run_steps(r, wb, g, NBLOCK, RESUME_STEPS - RESUME_STEPS / 2, o.lr);
        CHECK(memcmp(wa, wb, sizeof wa) == 0, "%s: resumed run differs (%.9g vs %.9g)",
              configs[c].label, wb[0], wa[0]);
        CHECK(gf_optimizer_steps(r) == RESUME_STEPS, "%s: steps", configs[c].label);
        /* Without its moments (or, for Adam, its step count) a fresh
         * optimiser goes elsewhere, so the comparison above can fail. */
        run_steps(blank, wblank, g, NBLOCK, RESUME_STEPS - RESUME_STEPS / 2, o.lr);
        if (configs[c].states > 0)
            CHECK(memcmp(wa, wblank, sizeof wa) != 0, "%s: moments make no difference",
                  configs[c].label);
        gf_optimizer_free(a);
        gf_optimizer_free(b);
        gf_optimizer_free(r);
        gf_optimizer_free(blank);
    }
    /* Adam's step count alone: restored moments with t = 0 differ. */
    gf_optim_opts o = gf_optim_defaults(GF_OPTIM_ADAM);
    float wa[NBLOCK], wb[NBLOCK], g[NBLOCK];
    for (int i = 0; i < NBLOCK; i++) wa[i] = wb[i] = 0.1f * (float)i;
    gf_optimizer *a = network_optimizer(&o, 1), *b = network_optimizer(&o, 1);
    if (a && b) {
        run_steps(a, wa, g, NBLOCK, 3, o.lr);
        run_steps(b, wb, g, NBLOCK, 3, o.lr);
        gf_optimizer_set_steps(b, 0);
        run_steps(a, wa, g, NBLOCK, 1, o.lr);
        run_steps(b, wb, g, NBLOCK, 1, o.lr);
        CHECK(memcmp(wa, wb, sizeof wa) != 0, "adam ignores its step count");
    }
    gf_optimizer_free(a);
    gf_optimizer_free(b);
}

/* ---- threads ---------------------------------------------------------------- */

/* Updates are element-wise and the norm adds fixed chunks in a fixed order,
 * so one thread and two give the same bits, on a block long enough to be
 * split (and not a multiple of the vector width or the block size). */
static void test_threads(void)
{
    enum { N = 100003 };
    float *w1 = malloc(N * sizeof *w1), *w2 = malloc(N * sizeof *w2), *g = malloc(N * sizeof *g);
    if (!w1 || !w2 || !g) return;
    for (size_t c = 0; c < NCONFIGS; c++) {
        gf_optim_opts o = config_opts(&configs[c]);
        o.lr = 0.01f;
        o.clip_norm = 100.0f; /* the gradient's norm is in the thousands: clipped */
        double norm[2];
        float *w[2] = { w1, w2 };
        for (int t = 0; t < 2; t++) {
            gf_set_threads(t + 1);
            gf_optimizer *opt = gf_optimizer_new(&o, N);
            CHECK(opt && gf_optimizer_mark(opt, 10, N - 1000, GF_PARAM_WEIGHT) == GF_OK, "%s",
                  gf_errmsg());
            for (size_t i = 0; i < N; i++) w[t][i] = (float)((double)(i % 1000) / 500.0 - 1.0);
            for (int s = 0; opt && s < 3; s++) {
                quartic_grad(w[t], g, N);
                CHECK(gf_optimizer_step(opt, w[t], g, o.lr, &norm[t]) == GF_OK, "%s", gf_errmsg());
            }
            gf_optimizer_free(opt);
        }
        CHECK(memcmp(w1, w2, N * sizeof *w1) == 0 && norm[0] == norm[1],
              "%s: 1 and 2 threads differ (norms %.17g, %.17g)", configs[c].label, norm[0],
              norm[1]);
    }
    gf_set_threads(2);
    free(w1);
    free(w2);
    free(g);
}

/* ---- schedules ------------------------------------------------------------ */

static void test_schedules(void)
{
    gf_optim_opts o = gf_optim_defaults(GF_OPTIM_SGD);
    o.lr = 0.1f;
    o.gamma = 0.5f;
    o.step_epochs = 3;
    o.decay = 0.01f;
    o.period = 10;
    o.lr_min = 0.001f;
    CHECK(gf_optim_check(&o) == GF_OK, "%s", gf_errmsg());

    o.schedule = GF_SCHEDULE_CONSTANT;
    CHECK(gf_schedule_lr(&o, 0, 0) == o.lr && gf_schedule_lr(&o, 50, 12345) == o.lr, "constant");

    /* By hand: lr 0.5^floor(e / 3); 0.1 0.9^e; 0.1 / (1 + 0.01 t);
     * 0.001 + 0.099 (1 + cos(pi e / 10)) / 2, flat at 0.001 after e = 10. */
    o.schedule = GF_SCHEDULE_STEP;
    CHECK_REL(gf_schedule_lr(&o, 2, 0), 0.1, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 3, 0), 0.05, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 8, 0), 0.025, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 9, 999), 0.0125, 1e-6);
    o.schedule = GF_SCHEDULE_EXPONENTIAL;
    o.gamma = 0.9f;
    CHECK_REL(gf_schedule_lr(&o, 0, 0), 0.1, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 2, 0), 0.081, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 10, 0), 0.034867844, 1e-6);
    o.schedule = GF_SCHEDULE_INVERSE;
    CHECK_REL(gf_schedule_lr(&o, 7, 0), 0.1, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 0, 100), 0.05, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 0, 300), 0.025, 1e-6);
    o.schedule = GF_SCHEDULE_COSINE;
    CHECK_REL(gf_schedule_lr(&o, 0, 0), 0.1, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 5, 0), 0.0505, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 10, 0), 0.001, 1e-6);
    CHECK_REL(gf_schedule_lr(&o, 15, 0), 0.001, 1e-6);
    CHECK(isnan(gf_schedule_lr(NULL, 0, 0)), "NULL options");

    /* PyTorch's StepLR, ExponentialLR and CosineAnnealingLR. */
    struct {
        gf_schedule_kind kind;
        float gamma;
        const double *lr;
        int epochs;
    } torch[] = {
        { GF_SCHEDULE_STEP, 0.5f, optim_torch_lr_step, 13 },
        { GF_SCHEDULE_EXPONENTIAL, 0.9f, optim_torch_lr_exponential, 13 },
        { GF_SCHEDULE_COSINE, 0.1f, optim_torch_lr_cosine, 11 },
    };
    _Static_assert(sizeof optim_torch_lr_step / sizeof(double) == 13, "epochs");
    _Static_assert(sizeof optim_torch_lr_cosine / sizeof(double) == 11, "epochs");
    for (size_t k = 0; k < sizeof torch / sizeof torch[0]; k++) {
        o.schedule = torch[k].kind;
        o.gamma = torch[k].gamma;
        for (int e = 0; e < torch[k].epochs; e++)
            CHECK(fabs(gf_schedule_lr(&o, e, 0) - torch[k].lr[e]) <= 1e-7 * torch[k].lr[e],
                  "%s epoch %d: %.9g vs torch %.9g", gf_schedule_name(o.schedule), e,
                  gf_schedule_lr(&o, e, 0), torch[k].lr[e]);
    }
}

/* ---- names, defaults, bad input ------------------------------------------ */

static void test_names(void)
{
    for (int k = 0; k < GF_OPTIM_COUNT; k++) {
        gf_optim_kind back = GF_OPTIM_COUNT;
        CHECK(gf_optim_parse(gf_optim_name((gf_optim_kind)k), &back) == GF_OK &&
              back == (gf_optim_kind)k, "optimiser %d", k);
    }
    for (int k = 0; k < GF_SCHEDULE_COUNT; k++) {
        gf_schedule_kind back = GF_SCHEDULE_COUNT;
        CHECK(gf_schedule_parse(gf_schedule_name((gf_schedule_kind)k), &back) == GF_OK &&
              back == (gf_schedule_kind)k, "schedule %d", k);
    }
    CHECK(!strcmp(gf_optim_name(GF_OPTIM_ADAMW), "adamw") &&
          !strcmp(gf_schedule_name(GF_SCHEDULE_INVERSE), "inverse"), "names");
    CHECK(!strcmp(gf_optim_name(GF_OPTIM_COUNT), "unknown") &&
          !strcmp(gf_optim_name((gf_optim_kind)-1), "unknown") &&
          !strcmp(gf_schedule_name(GF_SCHEDULE_COUNT), "unknown"), "unknown names");

    gf_optim_kind k = GF_OPTIM_RMSPROP;
    CHECK(gf_optim_parse("Adam", &k) == GF_ERR_ARG && k == GF_OPTIM_RMSPROP, "case matters");
    CHECK(strstr(gf_errmsg(), "'Adam'") &&
          strstr(gf_errmsg(), "sgd, adam, adamw, rmsprop or adagrad"), "message: %s", gf_errmsg());
    CHECK(gf_optim_parse("", &k) == GF_ERR_ARG && gf_optim_parse(NULL, &k) == GF_ERR_ARG &&
          gf_optim_parse("sgd ", &k) == GF_ERR_ARG && gf_optim_parse("sgd", NULL) == GF_ERR_ARG,
          "bad optimiser names");
    gf_schedule_kind s = GF_SCHEDULE_COSINE;
    CHECK(gf_schedule_parse("linear", &s) == GF_ERR_ARG && s == GF_SCHEDULE_COSINE, "schedule");
    CHECK(strstr(gf_errmsg(), "'linear'") &&
          strstr(gf_errmsg(), "constant, step, exponential, inverse or cosine"), "message: %s",
          gf_errmsg());
}

static void test_defaults(void)
{
    struct { gf_optim_kind kind; float lr, wd, eps; } want[] = {
        { GF_OPTIM_SGD, 0.1f, 0, 1e-8f },       { GF_OPTIM_ADAM, 1e-3f, 0, 1e-8f },
        { GF_OPTIM_ADAMW, 1e-3f, 1e-2f, 1e-8f }, { GF_OPTIM_RMSPROP, 1e-2f, 0, 1e-8f },
        { GF_OPTIM_ADAGRAD, 1e-2f, 0, 1e-10f },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        gf_optim_opts o = gf_optim_defaults(want[i].kind);
        CHECK(o.kind == want[i].kind && o.lr == want[i].lr && o.weight_decay == want[i].wd &&
              o.eps == want[i].eps, "%s defaults", gf_optim_name(want[i].kind));
        CHECK(o.momentum == 0 && !o.nesterov && o.beta1 == 0.9f && o.beta2 == 0.999f &&
              o.rho == 0.99f && o.l1 == 0 && o.clip_norm == 0 &&
              o.schedule == GF_SCHEDULE_CONSTANT && o.gamma == 0.1f && o.step_epochs == 10 &&
              o.decay == 0 && o.period == 10 && o.lr_min == 0, "%s shared defaults",
              gf_optim_name(want[i].kind));
        CHECK(gf_optim_check(&o) == GF_OK, "%s defaults: %s", gf_optim_name(o.kind), gf_errmsg());
    }
    CHECK(gf_optim_defaults((gf_optim_kind)42).kind == GF_OPTIM_SGD, "unknown kind gives sgd's");
}

typedef struct bad_opts {
    const char *field; /* the message must name it */
    void (*spoil)(gf_optim_opts *o);
} bad_opts;

#define SPOIL(name, body) static void name(gf_optim_opts *o) { body; }
SPOIL(neg_lr, o->lr = -0.1f)
SPOIL(zero_lr, o->lr = 0)
SPOIL(nan_lr, o->lr = NAN)
SPOIL(inf_lr, o->lr = INFINITY)
SPOIL(momentum_one, o->momentum = 1.0f)
SPOIL(neg_momentum, o->momentum = -0.5f)
SPOIL(nan_momentum, o->momentum = NAN)
SPOIL(nesterov_alone, o->nesterov = 1)
SPOIL(nesterov_adam, (o->kind = GF_OPTIM_ADAM, o->momentum = 0.9f, o->nesterov = 1))
SPOIL(nesterov_two, (o->momentum = 0.9f, o->nesterov = 2))
SPOIL(unknown_kind, o->kind = GF_OPTIM_COUNT)
SPOIL(negative_kind, o->kind = (gf_optim_kind)-1)
SPOIL(zero_eps, o->eps = 0)
SPOIL(neg_eps, o->eps = -1e-8f)
SPOIL(nan_eps, o->eps = NAN)
SPOIL(beta1_one, o->beta1 = 1.0f)
SPOIL(nan_beta2, o->beta2 = NAN)
SPOIL(rho_one, o->rho = 1.0f)
SPOIL(neg_wd, o->weight_decay = -1e-4f)
SPOIL(nan_wd, o->weight_decay = NAN)
SPOIL(inf_l1, o->l1 = INFINITY)
SPOIL(neg_clip, o->clip_norm = -1)
SPOIL(nan_clip, o->clip_norm = NAN)
SPOIL(unknown_schedule, o->schedule = GF_SCHEDULE_COUNT)
SPOIL(zero_gamma, o->gamma = 0)
SPOIL(big_gamma, o->gamma = 1.5f)
SPOIL(nan_gamma, o->gamma = NAN)
SPOIL(zero_step_epochs, o->step_epochs = 0)
SPOIL(neg_decay, o->decay = -0.1f)
SPOIL(zero_period, o->period = 0)
SPOIL(lr_min_above, o->lr_min = 1.0f)
SPOIL(nan_lr_min, o->lr_min = NAN)

static void test_bad_options(void)
{
    const bad_opts bad[] = {
        { "lr", neg_lr },          { "lr", zero_lr },           { "lr", nan_lr },
        { "lr", inf_lr },          { "momentum", momentum_one }, { "momentum", neg_momentum },
        { "momentum", nan_momentum }, { "nesterov", nesterov_alone }, { "nesterov", nesterov_adam },
        { "nesterov", nesterov_two }, { "kind", unknown_kind },  { "kind", negative_kind },
        { "eps", zero_eps },       { "eps", neg_eps },          { "eps", nan_eps },
        { "beta1", beta1_one },    { "beta2", nan_beta2 },      { "rho", rho_one },
        { "weight_decay", neg_wd }, { "weight_decay", nan_wd },  { "l1", inf_l1 },
        { "clip_norm", neg_clip }, { "clip_norm", nan_clip },   { "schedule", unknown_schedule },
        { "gamma", zero_gamma },   { "gamma", big_gamma },      { "gamma", nan_gamma },
        { "step_epochs", zero_step_epochs }, { "decay", neg_decay }, { "period", zero_period },
        { "lr_min", lr_min_above }, { "lr_min", nan_lr_min },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gf_optim_opts o = gf_optim_defaults(GF_OPTIM_SGD);
        bad[i].spoil(&o);
        CHECK(gf_optim_check(&o) == GF_ERR_ARG, "case %zu (%s) passed", i, bad[i].field);
        CHECK(strstr(gf_errmsg(), bad[i].field) != NULL, "case %zu: message '%s' does not name %s",
              i, gf_errmsg(), bad[i].field);
        CHECK(gf_optimizer_new(&o, 10) == NULL && strstr(gf_errmsg(), bad[i].field),
              "case %zu: gf_optimizer_new accepted it", i);
    }
    CHECK(gf_optim_check(NULL) == GF_ERR_ARG, "NULL options");
    gf_optim_opts o = gf_optim_defaults(GF_OPTIM_SGD);
    o.momentum = 0.9f;
    o.nesterov = 1;
    o.lr_min = o.lr; /* the edges of the ranges are fine */
    o.gamma = 1.0f;
    CHECK(gf_optim_check(&o) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_optimizer_new(&o, 0) == NULL && strstr(gf_errmsg(), "n is 0"), "n = 0: %s",
          gf_errmsg());
}

static void test_bad_calls(void)
{
    gf_optim_opts o = gf_optim_defaults(GF_OPTIM_ADAM);
    o.clip_norm = 1.0f;
    gf_optimizer *opt = network_optimizer(&o, 1);
    if (!opt) return;
    CHECK(gf_optimizer_opts(opt)->clip_norm == 1.0f && gf_optimizer_opts(NULL) == NULL, "opts");

    /* Marks outside the block, by overflow too, and unknown roles. */
    CHECK(gf_optimizer_mark(opt, 25, 6, GF_PARAM_WEIGHT) == GF_ERR_ARG, "past the end");
    CHECK(strstr(gf_errmsg(), "outside"), "%s", gf_errmsg());
    CHECK(gf_optimizer_mark(opt, SIZE_MAX, 2, GF_PARAM_WEIGHT) == GF_ERR_ARG, "wrapping range");
    CHECK(gf_optimizer_mark(opt, 0, 1, GF_PARAM_ROLE_COUNT) == GF_ERR_ARG, "unknown role");
    CHECK(gf_optimizer_mark(NULL, 0, 1, GF_PARAM_WEIGHT) == GF_ERR_ARG, "NULL optimiser");
    CHECK(gf_optimizer_mark(opt, NBLOCK, 0, GF_PARAM_WEIGHT) == GF_OK, "an empty range at the end");

    float w[NBLOCK], g[NBLOCK], w0[NBLOCK];
    for (int i = 0; i < NBLOCK; i++) w[i] = w0[i] = g[i] = 0.5f;
    double norm = 42;
    CHECK(gf_optimizer_step(opt, NULL, g, 0.1f, NULL) == GF_ERR_ARG, "NULL w");
    CHECK(gf_optimizer_step(opt, w, NULL, 0.1f, NULL) == GF_ERR_ARG, "NULL g");
    CHECK(gf_optimizer_step(NULL, w, g, 0.1f, NULL) == GF_ERR_ARG, "NULL optimiser");
    /* lr 0, where a schedule may end: nothing moves, the step counts. */
    uint64_t steps = gf_optimizer_steps(opt);
    CHECK(gf_optimizer_step(opt, w, g, 0.0f, NULL) == GF_OK, "lr 0: %s", gf_errmsg());
    CHECK(memcmp(w, w0, sizeof w) == 0 && gf_optimizer_steps(opt) == steps + 1, "lr 0 moved w");
    gf_optimizer_set_steps(opt, steps);
    /* Back to a fresh optimiser for the checks below: clipping scaled g in
     * place and the step moved the moments. */
    for (int i = 0; i < NBLOCK; i++) g[i] = 0.5f;
    for (int k = 0; k < gf_optimizer_states(opt); k++)
        memset(gf_optimizer_state(opt, k, NULL), 0, NBLOCK * sizeof(float));
    CHECK(gf_optimizer_step(opt, w, g, -0.1f, NULL) == GF_ERR_ARG, "negative lr");
    CHECK(gf_optimizer_step(opt, w, g, NAN, NULL) == GF_ERR_NUMERIC, "NaN lr");
    CHECK(gf_optimizer_step(opt, w, g, INFINITY, NULL) == GF_ERR_NUMERIC, "infinite lr");
    /* A non-finite gradient in a trainable element changes nothing: not w,
     * not the moments, not the step count, not g (no clipping). */
    g[W2_AT + 3] = INFINITY;
    CHECK(gf_optimizer_step(opt, w, g, 0.1f, &norm) == GF_ERR_NUMERIC, "infinite gradient");
    CHECK(strstr(gf_errmsg(), "parameter 23"), "message names the element: %s", gf_errmsg());
    g[W2_AT + 3] = 0.5f;
    g[NW1 + 1] = NAN; /* a bias */
    CHECK(gf_optimizer_step(opt, w, g, 0.1f, NULL) == GF_ERR_NUMERIC, "NaN gradient");
    CHECK(memcmp(w, w0, sizeof w) == 0 && gf_optimizer_steps(opt) == 0 && norm == 42,
          "a failed step changed something");
    for (int i = 0; i < NBLOCK; i++)
        CHECK(i == NW1 + 1 || g[i] == 0.5f, "gradient %d clipped by a failed step", i);
    for (int s = 0; s < gf_optimizer_states(opt); s++)
        for (int i = 0; i < NBLOCK; i++)
            CHECK(gf_optimizer_state(opt, s, NULL)[i] == 0, "moments changed by a failed step");
    gf_optimizer_free(opt);
    gf_optimizer_free(NULL);

    /* Without clipping or a norm to report, the finiteness check is its own. */
    o = gf_optim_defaults(GF_OPTIM_SGD);
    opt = gf_optimizer_new(&o, NBLOCK);
    g[NW1 + 1] = -INFINITY;
    CHECK(opt && gf_optimizer_step(opt, w, g, 0.1f, NULL) == GF_ERR_NUMERIC &&
          memcmp(w, w0, sizeof w) == 0, "sgd stepped with an infinite gradient");
    gf_optimizer_free(opt);
    CHECK(gf_optimizer_steps(NULL) == 0, "steps of NULL");
    gf_optimizer_set_steps(NULL, 3);
}

int main(void)
{
    test_against_torch();
    test_biases_not_penalised();
    test_frozen_nan_ignored();
    test_states();
    test_resume();
    test_threads();
    test_schedules();
    test_names();
    test_defaults();
    test_bad_options();
    test_bad_calls();
    return check_report("test_optim");
}
