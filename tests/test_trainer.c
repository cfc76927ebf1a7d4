/* The trainer: a run stopped after an epoch and resumed from its saved
 * state gives the bits of a run never stopped; early stopping hands back
 * the best epoch's weights; divergence names the epoch, the step and the
 * node; batch norm evaluates a row alike in any batch; the regularised
 * layers and the new units train. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grafo.h"

#define HAS(text) (strstr(gf_errmsg(), (text)) != NULL)

/* Three classes in 6 features: the class is the argmax of sums over
 * feature pairs, with label noise so validation loss rises when a big
 * network overfits. */
static gf_dataset *blobs(size_t rows, uint64_t seed, double flip)
{
    enum { COLS = 6 };
    gf_rng r;
    gf_rng_seed(&r, seed);
    float *x = malloc(rows * COLS * sizeof *x), *y = malloc(rows * sizeof *y);
    for (size_t i = 0; i < rows; i++) {
        double best = -1e9;
        for (size_t j = 0; j < COLS; j++) x[i * COLS + j] = (float)gf_rng_normal(&r);
        for (int c = 0; c < 3; c++) {
            double s = x[i * COLS + 2 * c] + x[i * COLS + 2 * c + 1];
            if (s > best) best = s, y[i] = (float)c;
        }
        if (gf_rng_uniform(&r) < flip) y[i] = (float)gf_rng_below(&r, 3);
    }
    gf_dataset *ds = gf_dataset_new(rows, COLS, x, 1, y, 3);
    free(x);
    free(y);
    return ds;
}

static gf_model *build(const char *spec, uint64_t seed)
{
    gf_arch a;
    CHECK(gf_arch_parse(spec, &a) == GF_OK, "%s", gf_errmsg());
    gf_model *m = gf_model_from_arch(6, &a);
    CHECK(m != NULL, "%s: %s", spec, gf_errmsg());
    gf_arch_free(&a);
    if (m) CHECK(gf_model_compile(m, 32, seed) == GF_OK, "%s", gf_errmsg());
    return m;
}

static gf_fit_opts adam_opts(int epochs)
{
    gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
    o.optim = gf_optim_defaults(GF_OPTIM_ADAM);
    o.optim.weight_decay = 1e-4f;
    o.optim.clip_norm = 5.0f;
    o.optim.schedule = GF_SCHEDULE_COSINE;
    o.optim.period = 6;
    o.epochs = epochs;
    o.batch_size = 32;
    return o;
}

static int stop_at_2(const gf_epoch_report *r, void *user)
{
    (void)user;
    return r->epoch == 2;
}

static void count_rows(const gf_progress *p, void *user)
{
    *(size_t *)user = p->done;
}

static bool same_params(gf_model *a, gf_model *b)
{
    gf_graph *ga = gf_model_graph(a), *gb = gf_model_graph(b);
    return gf_param_count(ga) == gf_param_count(gb) &&
           memcmp(gf_params(ga), gf_params(gb), gf_param_count(ga) * sizeof(float)) == 0;
}

/* Everything a checkpoint holds, kept in memory. */
typedef struct saved {
    float *params, *moments[4], *best;
    int n_moments;
    uint64_t steps;
    gf_trainer_state state;
    gf_epoch_report history[16];
    size_t n_history;
} saved;

static void save(gf_model *m, gf_trainer *t, saved *s)
{
    size_t n = gf_param_count(gf_model_graph(m));
    s->params = malloc(n * sizeof(float));
    memcpy(s->params, gf_params(gf_model_graph(m)), n * sizeof(float));
    gf_optimizer *opt = gf_trainer_optimizer(t);
    s->n_moments = gf_optimizer_states(opt);
    for (int i = 0; i < s->n_moments; i++) {
        s->moments[i] = malloc(n * sizeof(float));
        memcpy(s->moments[i], gf_optimizer_state(opt, i, NULL), n * sizeof(float));
    }
    s->steps = gf_optimizer_steps(opt);
    s->best = NULL;
    if (gf_trainer_best(t)) {
        s->best = malloc(n * sizeof(float));
        memcpy(s->best, gf_trainer_best(t), n * sizeof(float));
    }
    gf_trainer_get_state(t, &s->state);
    const gf_epoch_report *h = gf_trainer_history(t, &s->n_history);
    memcpy(s->history, h, s->n_history * sizeof *h);
}

static void restore(gf_model *m, gf_trainer *t, const saved *s)
{
    size_t n = gf_param_count(gf_model_graph(m));
    memcpy(gf_params(gf_model_graph(m)), s->params, n * sizeof(float));
    gf_optimizer *opt = gf_trainer_optimizer(t);
    CHECK(gf_optimizer_states(opt) == s->n_moments, "moment buffers differ");
    for (int i = 0; i < s->n_moments; i++)
        memcpy(gf_optimizer_state(opt, i, NULL), s->moments[i], n * sizeof(float));
    gf_optimizer_set_steps(opt, s->steps);
    if (s->best) memcpy(gf_trainer_best(t), s->best, n * sizeof(float));
    CHECK(gf_trainer_restore(t, &s->state, s->history, s->n_history) == GF_OK, "%s", gf_errmsg());
}

static void drop(saved *s)
{
    free(s->params);
    free(s->best);
    for (int i = 0; i < s->n_moments; i++) free(s->moments[i]);
}

/* Stop after epoch 2 of 6, carry the state over to a fresh model and
 * trainer, finish: the weights must equal an uninterrupted run's, bit for
 * bit, with dropout, noise, batch norm, Adam, clipping and a schedule all
 * drawing on or changing the saved state. */
static void test_resume_bit_identical(int threads)
{
    gf_set_threads(threads);
    const char *spec = "input:noise=0.05,32:relu:bn:dropout=0.3,16:prelu:bn,3:softmax:smooth=0.1";
    gf_dataset *train = blobs(300, 1, 0.0), *valid = blobs(100, 2, 0.0);
    gf_fit_opts o = adam_opts(6);
    o.patience = 10;

    gf_model *whole = build(spec, 7);
    CHECK(gf_model_fit(whole, train, valid, &o) == GF_OK, "%s", gf_errmsg());

    gf_model *first = build(spec, 7);
    gf_trainer *t1 = gf_trainer_new(first, &o);
    gf_trainer_set_callbacks(t1, stop_at_2, NULL, NULL);
    CHECK(gf_trainer_fit(t1, train, valid) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_trainer_epoch(t1) == 2, "stopped after %d epochs", gf_trainer_epoch(t1));
    saved s;
    save(first, t1, &s);
    gf_trainer_free(t1);
    gf_model_free(first);

    /* A different seed: whatever it initialises is overwritten. */
    gf_model *second = build(spec, 99);
    gf_trainer *t2 = gf_trainer_new(second, &o);
    restore(second, t2, &s);
    CHECK(gf_trainer_fit(t2, train, valid) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_trainer_epoch(t2) == 6, "resumed run ended at epoch %d", gf_trainer_epoch(t2));
    CHECK(same_params(whole, second), "threads %d: resumed weights differ from an uninterrupted run",
          threads);
    size_t n;
    const gf_epoch_report *h = gf_trainer_history(t2, &n);
    CHECK(n == 6 && h[0].epoch == 1 && h[5].epoch == 6, "history has %zu rows", n);
    drop(&s);
    gf_trainer_free(t2);
    gf_model_free(second);
    gf_model_free(whole);
    gf_dataset_free(train);
    gf_dataset_free(valid);
}

typedef struct watch {
    float *params;   /* the weights after the best epoch */
    size_t n;
    gf_model *m;
    int best_epoch, epochs;
} watch;

static int remember_best(const gf_epoch_report *r, void *user)
{
    watch *w = user;
    w->epochs = r->epoch;
    if (r->best) {
        w->best_epoch = r->epoch;
        memcpy(w->params, gf_params(gf_model_graph(w->m)), w->n * sizeof(float));
    }
    return 0;
}

/* A wide network on noisy labels overfits: validation loss turns up,
 * patience runs out before the last epoch, and the weights handed back
 * are the best epoch's, not the last one's. */
static void test_early_stopping(void)
{
    gf_set_threads(1);
    gf_dataset *train = blobs(120, 3, 0.3), *valid = blobs(400, 4, 0.3);
    gf_model *m = build("128:relu,128:relu,3:softmax", 5);
    gf_fit_opts o = adam_opts(200);
    o.optim = gf_optim_defaults(GF_OPTIM_ADAM);
    o.optim.lr = 3e-3f;
    o.patience = 5;
    watch w = {.m = m, .n = gf_param_count(gf_model_graph(m))};
    w.params = malloc(w.n * sizeof(float));
    o.on_epoch = remember_best;
    o.user = &w;
    CHECK(gf_model_fit(m, train, valid, &o) == GF_OK, "%s", gf_errmsg());
    CHECK(w.epochs < 200 && w.epochs == w.best_epoch + 5,
          "stopped at epoch %d, best %d, patience 5", w.epochs, w.best_epoch);
    CHECK(memcmp(w.params, gf_params(gf_model_graph(m)), w.n * sizeof(float)) == 0,
          "the weights are not those of the best epoch %d", w.best_epoch);
    double loss;
    gf_model_evaluate(m, valid, &loss, NULL);
    CHECK(loss < 1.0, "validation loss %g at the best epoch", loss);
    /* Patience without validation data is refused. */
    CHECK(gf_model_fit(m, train, NULL, &o) == GF_ERR_ARG && HAS("validation"), "%s", gf_errmsg());
    free(w.params);
    gf_model_free(m);
    gf_dataset_free(train);
    gf_dataset_free(valid);
}

/* A huge learning rate blows up: the message names epoch, step and the
 * node, and the weights are those before the bad step (finite). */
static void test_divergence(void)
{
    gf_set_threads(1);
    gf_dataset *train = blobs(200, 5, 0.0);
    gf_model *m = build("16:relu,3:softmax", 3);
    gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
    o.optim.lr = 1e30f;
    o.batch_size = 16;
    gf_status s = gf_model_fit(m, train, NULL, &o);
    CHECK(s == GF_ERR_NUMERIC, "status %d: %s", (int)s, gf_errmsg());
    CHECK(HAS("epoch 1") && HAS("step ") && HAS("node ") && HAS("of 'W") && HAS("last good"), "%s",
          gf_errmsg());
    gf_graph *g = gf_model_graph(m);
    bool finite = true;
    for (size_t i = 0; i < gf_param_count(g); i++) finite &= isfinite(gf_params(g)[i]) != 0;
    CHECK(finite, "the weights kept are not finite");
    gf_model_free(m);
    gf_dataset_free(train);
}

/* At evaluation batch norm uses running statistics, so a row's output
 * does not depend on the rows beside it; a training batch of one row
 * stays finite. */
static void test_batchnorm_eval_batch_of_one(void)
{
    gf_set_threads(1);
    gf_dataset *train = blobs(256, 6, 0.0);
    gf_model *m = build("24:relu:bn,3:softmax", 11);
    gf_fit_opts o = adam_opts(3);
    CHECK(gf_model_fit(m, train, NULL, &o) == GF_OK, "%s", gf_errmsg());
    const float *x = gf_dataset_x(train);
    float all[20 * 3], one[3];
    CHECK(gf_model_predict(m, x, 20, all) == GF_OK, "%s", gf_errmsg());
    for (int r = 0; r < 20; r++) {
        CHECK(gf_model_predict(m, x + r * 6, 1, one) == GF_OK, "%s", gf_errmsg());
        CHECK(memcmp(one, all + r * 3, sizeof one) == 0, "row %d differs alone and in a batch", r);
    }
    /* Batches of one row would normalise to zero and train nothing: refused. */
    o.batch_size = 1;
    o.epochs = 1;
    CHECK(gf_model_fit(m, train, NULL, &o) == GF_ERR_ARG && HAS("batch norm"), "%s", gf_errmsg());
    /* 257 rows in batches of 32 leave a last batch of one row, which is
     * left out of the epoch: 256 rows are trained. */
    gf_dataset *odd = blobs(257, 12, 0.0);
    o.batch_size = 32;
    size_t trained = 0;
    o.on_progress = count_rows;
    o.user = &trained;
    CHECK(gf_model_fit(m, odd, NULL, &o) == GF_OK, "%s", gf_errmsg());
    CHECK(trained == 256, "%zu rows trained of 257", trained);
    /* A diverging step does not blame the running statistics it updated. */
    o.on_progress = NULL;
    o.optim.lr = 1e30f;
    o.optim.kind = GF_OPTIM_SGD;
    CHECK(gf_model_fit(m, train, NULL, &o) == GF_ERR_NUMERIC && !HAS("buffer"), "%s", gf_errmsg());
    gf_model_free(m);
    gf_dataset_free(odd);
    gf_dataset_free(train);
}

/* A cosine schedule that reaches lr_min = 0 before the last epoch, and a
 * step decay that rounds to 0, train on (moving nothing) to the end. */
static void test_schedule_to_zero(void)
{
    gf_set_threads(1);
    gf_dataset *train = blobs(128, 13, 0.0);
    gf_model *m = build("8:relu,3:softmax", 2);
    gf_fit_opts o = adam_opts(5);
    o.optim.period = 2;
    o.optim.clip_norm = 0;
    CHECK(gf_model_fit(m, train, NULL, &o) == GF_OK, "cosine to 0: %s", gf_errmsg());
    o.optim.schedule = GF_SCHEDULE_STEP;
    o.optim.gamma = 1e-30f;
    o.optim.step_epochs = 1;
    CHECK(gf_model_fit(m, train, NULL, &o) == GF_OK, "step to 0: %s", gf_errmsg());
    gf_model_free(m);
    gf_dataset_free(train);
}

/* Each unit and regulariser trains the toy problem well above chance
 * (1/3), with each optimiser. */
static void test_layers_train(void)
{
    gf_set_threads(1);
    static const char *const specs[] = {
        "32:prelu,3:softmax", "16:maxout=3,3:softmax", "32:abs,3:softmax", "32:rbf,3:softmax",
        "32:relu:bn:dropout=0.2,3:softmax", "input:dropout=0.1:weight_noise=0.01,32:tanh,3:softmax",
    };
    static const gf_optim_kind kinds[] = {GF_OPTIM_SGD, GF_OPTIM_ADAM, GF_OPTIM_ADAMW,
                                          GF_OPTIM_RMSPROP, GF_OPTIM_ADAGRAD};
    gf_dataset *train = blobs(600, 8, 0.0), *valid = blobs(300, 9, 0.0);
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
        for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
            gf_model *m = build(specs[i], 1);
            gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
            o.optim = gf_optim_defaults(kinds[k]);
            /* Rates for a few hundred steps on a toy problem. */
            if (kinds[k] == GF_OPTIM_SGD) o.optim.momentum = 0.9f, o.optim.nesterov = 1, o.optim.lr = 0.05f;
            else o.optim.lr = kinds[k] == GF_OPTIM_ADAGRAD ? 0.05f : 0.01f;
            o.epochs = 20;
            o.batch_size = 32;
            double acc = 0;
            CHECK(gf_model_fit(m, train, NULL, &o) == GF_OK, "%s: %s", specs[i], gf_errmsg());
            gf_model_evaluate(m, valid, NULL, &acc);
            /* Seed 004: radial-basis units saturate and are hard to
             * optimise, so they get a lower bar (chance is 1/3). */
            double bar = strstr(specs[i], "rbf") ? 0.7 : 0.8;
            CHECK(acc > bar, "%s with %s: validation accuracy %.3f", specs[i],
                  gf_optim_name(kinds[k]), acc);
            gf_model_free(m);
        }
    /* step and sign have no gradient: training through them fails. */
    gf_model *m = build("8:step,3:softmax", 1);
    gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
    o.epochs = 1;
    o.batch_size = 32;
    CHECK(gf_model_fit(m, train, NULL, &o) == GF_ERR_STATE && HAS("step"), "%s", gf_errmsg());
    gf_model_free(m);
    gf_dataset_free(train);
    gf_dataset_free(valid);
}

int main(void)
{
    test_resume_bit_identical(1);
    test_resume_bit_identical(2);
    test_early_stopping();
    test_divergence();
    test_batchnorm_eval_batch_of_one();
    test_layers_train();
    test_schedule_to_zero();
    return check_report("test_trainer");
}
