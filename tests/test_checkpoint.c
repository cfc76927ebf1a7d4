/* Checkpoints: every field of a trainer saved mid-run comes back exactly
 * (options, counters, generator, moments, best weights, history), and the
 * loaded trainer continues to the very bits of the one never saved; the
 * file is also a model file; every truncation is refused, every byte flip
 * is refused or loads something sound, and hostile fields are named in
 * the message.  Model format 1 files still load. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "grafo.h"

static char dir[] = "/tmp/grafo-test-checkpoint-XXXXXX";

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

#define ROWS 90
#define FEATURES 4
#define CLASSES 3

/* Three classes around three centres, from a seeded generator. */
static gf_dataset *make_data(uint64_t seed)
{
    static const float centre[CLASSES][FEATURES] = {
        { 1, 0, 0, 1 }, { -1, 1, 0, 0 }, { 0, -1, 1, -1 } };
    float x[ROWS * FEATURES], y[ROWS];
    gf_rng r;
    gf_rng_seed(&r, seed);
    for (int i = 0; i < ROWS; i++) {
        int c = i % CLASSES;
        y[i] = (float)c;
        for (int j = 0; j < FEATURES; j++)
            x[i * FEATURES + j] = centre[c][j] + 0.7f * (float)gf_rng_normal(&r);
    }
    gf_dataset *ds = gf_dataset_new(ROWS, FEATURES, x, 1, y, CLASSES);
    CHECK(ds != NULL, "%s", gf_errmsg());
    return ds;
}

/* Every regulariser and unit a checkpoint must carry: input dropout and
 * noise, weight noise, batch norm, dropout, maxout, PReLU, label smoothing. */
static const char *const SPEC =
    "input:dropout=0.1:noise=0.05:weight_noise=0.01,12:relu:bn:dropout=0.2,6:maxout=3,"
    "5:prelu:bn,3:softmax:smooth=0.1";

static gf_pipeline *make_pipeline(const char *spec, uint64_t seed)
{
    gf_arch a = { 0 };
    CHECK(gf_arch_parse(spec, &a) == GF_OK, "%s", gf_errmsg());
    gf_model *m = gf_model_from_arch(FEATURES, &a);
    CHECK(m && gf_model_compile(m, 16, seed) == GF_OK, "%s", gf_errmsg());
    gf_pipeline *p = gf_pipeline_new(GF_KIND_NETWORK);
    gf_pipeline_set_inputs(p, FEATURES);
    gf_pipeline_set_classes(p, (const char *[]){ "a", "b", "c" }, CLASSES);
    CHECK(gf_pipeline_set_network(p, m, &a) == GF_OK, "%s", gf_errmsg());
    gf_pipeline_set_setting(p, "seed", (double)seed);
    gf_arch_free(&a);
    return p;
}

/* Adam with every option away from its default, a cosine schedule and
 * early stopping with a patience no run here reaches. */
static gf_fit_opts fit_opts(void)
{
    gf_fit_opts f = GF_FIT_OPTS_DEFAULT;
    f.epochs = 6;
    f.batch_size = 16;
    f.optim = gf_optim_defaults(GF_OPTIM_ADAM);
    f.optim.lr = 0.01f;
    f.optim.beta1 = 0.85f;
    f.optim.beta2 = 0.995f;
    f.optim.eps = 1e-7f;
    f.optim.weight_decay = 1e-3f;
    f.optim.l1 = 1e-4f;
    f.optim.clip_norm = 5;
    f.optim.schedule = GF_SCHEDULE_COSINE;
    f.optim.period = 5;
    f.optim.lr_min = 1e-3f;
    f.patience = 50;
    f.min_delta = 1e-6;
    return f;
}

static int stop_at_3(const gf_epoch_report *r, void *user)
{
    (void)user;
    return r->epoch >= 3;
}

static bool same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* Reports alike: every field, or (timed_from < n) all but the timings from
 * report timed_from on, which two runs measure apart. */
static void compare_reports(const gf_epoch_report *a, const gf_epoch_report *b, size_t n,
                            size_t timed_from)
{
    for (size_t i = 0; i < n; i++) {
        CHECK(a[i].epoch == b[i].epoch && a[i].best == b[i].best, "history %zu: epoch, best", i);
        const double x[] = { a[i].loss, a[i].train_accuracy, a[i].valid_loss,
                             a[i].valid_accuracy, a[i].seconds, a[i].samples_per_second,
                             a[i].learning_rate, a[i].grad_norm };
        const double y[] = { b[i].loss, b[i].train_accuracy, b[i].valid_loss,
                             b[i].valid_accuracy, b[i].seconds, b[i].samples_per_second,
                             b[i].learning_rate, b[i].grad_norm };
        for (int k = 0; k < 8; k++)
            CHECK((i >= timed_from && (k == 4 || k == 5)) || same_double(x[k], y[k]), "history %zu field %d: %.17g vs %.17g", i, k, x[k],
                  y[k]);
    }
}

static void compare_opts(const gf_fit_opts *a, const gf_fit_opts *b)
{
    CHECK(a->epochs == b->epochs && a->batch_size == b->batch_size && a->shuffle == b->shuffle &&
              a->patience == b->patience && a->min_delta == b->min_delta,
          "fit options");
    const gf_optim_opts *x = &a->optim, *y = &b->optim;
    CHECK(x->kind == y->kind && x->schedule == y->schedule && x->nesterov == y->nesterov &&
              x->step_epochs == y->step_epochs && x->period == y->period,
          "optimiser kinds and counts");
    const float fx[] = { x->lr, x->momentum, x->beta1, x->beta2, x->rho, x->eps,
                         x->weight_decay, x->l1, x->clip_norm, x->gamma, x->decay, x->lr_min };
    const float fy[] = { y->lr, y->momentum, y->beta1, y->beta2, y->rho, y->eps,
                         y->weight_decay, y->l1, y->clip_norm, y->gamma, y->decay, y->lr_min };
    for (int k = 0; k < 12; k++)
        CHECK(fx[k] == fy[k], "optimiser field %d: %.9g vs %.9g", k, fx[k], fy[k]);
}

/* Every part of two trainers of equal networks; the epochs from timed_from
 * on were timed apart. */
static void compare_trainers(gf_trainer *a, gf_trainer *b, gf_graph *ga, gf_graph *gb,
                             size_t timed_from)
{
    compare_opts(gf_trainer_opts(a), gf_trainer_opts(b));
    gf_trainer_state sa, sb;
    gf_trainer_get_state(a, &sa);
    gf_trainer_get_state(b, &sb);
    CHECK(sa.epoch == sb.epoch && sa.step == sb.step && sa.best_epoch == sb.best_epoch &&
              sa.best_loss == sb.best_loss && sa.bad_epochs == sb.bad_epochs &&
              sa.stopped == sb.stopped,
          "counters: epoch %d/%d step %llu/%llu best %d/%d", sa.epoch, sb.epoch,
          (unsigned long long)sa.step, (unsigned long long)sb.step, sa.best_epoch, sb.best_epoch);
    CHECK(memcmp(sa.rng.s, sb.rng.s, sizeof sa.rng.s) == 0, "the generator's words");
    gf_optimizer *oa = gf_trainer_optimizer(a), *ob = gf_trainer_optimizer(b);
    CHECK(gf_optimizer_steps(oa) == gf_optimizer_steps(ob), "optimiser steps");
    size_t n = gf_param_count(ga);
    CHECK(n == gf_param_count(gb), "parameter counts");
    CHECK(gf_optimizer_states(oa) == gf_optimizer_states(ob) && gf_optimizer_states(oa) == 2,
          "Adam has two moments: %d, %d", gf_optimizer_states(oa), gf_optimizer_states(ob));
    for (int i = 0; i < gf_optimizer_states(oa); i++) {
        const char *na, *nb;
        float *va = gf_optimizer_state(oa, i, &na), *vb = gf_optimizer_state(ob, i, &nb);
        CHECK(strcmp(na, nb) == 0 && memcmp(va, vb, n * sizeof *va) == 0, "moment %s", na);
    }
    CHECK(gf_trainer_best(a) && gf_trainer_best(b) &&
              memcmp(gf_trainer_best(a), gf_trainer_best(b), n * sizeof(float)) == 0,
          "best weights");
    CHECK(memcmp(gf_params(ga), gf_params(gb), n * sizeof(float)) == 0, "weights");
    size_t ha = 0, hb = 0;
    const gf_epoch_report *ra = gf_trainer_history(a, &ha), *rb = gf_trainer_history(b, &hb);
    CHECK(ha == hb && ha == (size_t)sa.epoch, "history lengths %zu, %zu", ha, hb);
    if (ha == hb) compare_reports(ra, rb, ha, timed_from);
}

/* The file as bytes (the caller frees them). */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*len ? *len : 1);
    if (b && fread(b, 1, *len, f) != *len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static void spill(const char *path, const unsigned char *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b, 1, len, f) == len, "writing %s", path);
    if (f) fclose(f);
}

/* ----------------------------------------------------------- round trip -- */

static void test_round_trip(void)
{
    gf_dataset *train = make_data(1), *valid = make_data(2);
    gf_pipeline *p = make_pipeline(SPEC, 11);
    gf_model *m = gf_pipeline_network(p);
    gf_fit_opts f = fit_opts();
    f.on_epoch = stop_at_3;
    gf_trainer *t = gf_trainer_new(m, &f);
    CHECK(t && gf_trainer_fit(t, train, valid) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_trainer_epoch(t) == 3, "stopped after epoch %d", gf_trainer_epoch(t));

    char path[512];
    path_in(path, sizeof path, "ckpt.safetensors");
    CHECK(gf_checkpoint_save(p, t, path) == GF_OK, "%s", gf_errmsg());
    gf_pipeline *p2 = NULL;
    gf_trainer *t2 = NULL;
    CHECK(gf_checkpoint_load(path, &p2, &t2) == GF_OK, "%s", gf_errmsg());
    if (!p2 || !t2) return;
    gf_model *m2 = gf_pipeline_network(p2);
    compare_trainers(t, t2, gf_model_graph(m), gf_model_graph(m2), SIZE_MAX);
    char a[1024], b[1024];
    CHECK(gf_arch_format(gf_pipeline_arch(p), a, sizeof a) == GF_OK &&
              gf_arch_format(gf_pipeline_arch(p2), b, sizeof b) == GF_OK && strcmp(a, b) == 0,
          "architecture %s vs %s", a, b);
    CHECK(gf_pipeline_nclasses(p2) == 3 && strcmp(gf_pipeline_class(p2, 2), "c") == 0, "classes");
    CHECK(gf_pipeline_setting(p2, "seed") == 11, "settings");
    CHECK(gf_trainer_opts(t2)->on_epoch == NULL, "a loaded trainer has no callbacks");

    /* Both go on to epoch 6: the same bits. */
    gf_trainer_set_callbacks(t, NULL, NULL, NULL);
    CHECK(gf_trainer_fit(t, train, valid) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_trainer_fit(t2, train, valid) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_trainer_epoch(t2) == 6, "the loaded trainer reached epoch %d", gf_trainer_epoch(t2));
    compare_trainers(t, t2, gf_model_graph(m), gf_model_graph(m2), 3);

    /* A checkpoint is a model file: it loads and predicts as the network. */
    gf_pipeline *asmodel = NULL;
    CHECK(gf_pipeline_load(path, &asmodel) == GF_OK, "%s", gf_errmsg());
    gf_prediction *pa = NULL, *pb = NULL;
    double x[2 * FEATURES] = { 1, 0, 0, 1, 0, -1, 1, -1 };
    gf_pipeline *back = NULL;
    gf_trainer *tb = NULL;
    CHECK(gf_checkpoint_load(path, &back, &tb) == GF_OK, "%s", gf_errmsg());
    if (asmodel && back) {
        CHECK(gf_pipeline_predict_x(asmodel, x, 2, FEATURES, &pa) == GF_OK, "%s", gf_errmsg());
        CHECK(gf_pipeline_predict_x(back, x, 2, FEATURES, &pb) == GF_OK, "%s", gf_errmsg());
        CHECK(pa && pb && memcmp(pa->score, pb->score, 2 * CLASSES * sizeof(double)) == 0,
              "the checkpoint as a model predicts as the checkpoint's network");
    }
    gf_prediction_free(pa);
    gf_prediction_free(pb);

    /* The same bytes parsed from memory give the same trainer and network. */
    size_t len = 0;
    unsigned char *bytes = slurp(path, &len);
    gf_pipeline *pm = NULL;
    gf_trainer *tm = NULL;
    CHECK(bytes && gf_checkpoint_parse(bytes, len, "in memory", &pm, &tm) == GF_OK, "%s",
          gf_errmsg());
    if (tm && tb)
        compare_trainers(tb, tm, gf_model_graph(gf_pipeline_network(back)),
                         gf_model_graph(gf_pipeline_network(pm)), 0);
    gf_trainer_free(tm);
    gf_pipeline_free(pm);
    CHECK(bytes && gf_checkpoint_parse(bytes, len / 2, "in memory", &pm, &tm) != GF_OK && !pm &&
          !tm && strstr(gf_errmsg(), "in memory"), "half a checkpoint parsed, or its message "
          "'%s' does not name the source", gf_errmsg());
    free(bytes);
    gf_trainer_free(tb);
    gf_pipeline_free(back);
    gf_pipeline_free(asmodel);

    /* An extended run: --epochs 8 after a finished 6. */
    CHECK(gf_trainer_set_epochs(t2, 8) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_trainer_fit(t2, train, valid) == GF_OK && gf_trainer_epoch(t2) == 8, "%s",
          gf_errmsg());

    gf_trainer_free(t2);
    gf_pipeline_free(p2);
    gf_trainer_free(t);
    gf_pipeline_free(p);
    gf_dataset_free(train);
    gf_dataset_free(valid);
}

/* Plain SGD has no moments; without early stopping there are no best
 * weights; a finished, early-stopped run comes back finished. */
static void test_sgd_and_stopped(void)
{
    gf_dataset *train = make_data(3), *valid = make_data(4);
    gf_pipeline *p = make_pipeline("8:tanh,3:softmax", 5);
    gf_fit_opts f = GF_FIT_OPTS_DEFAULT;
    f.epochs = 2;
    f.batch_size = 10;
    gf_trainer *t = gf_trainer_new(gf_pipeline_network(p), &f);
    CHECK(t && gf_trainer_fit(t, train, NULL) == GF_OK, "%s", gf_errmsg());
    char path[512];
    path_in(path, sizeof path, "sgd.safetensors");
    CHECK(gf_checkpoint_save(p, t, path) == GF_OK, "%s", gf_errmsg());
    gf_st *st = NULL;
    CHECK(gf_st_load(path, &st) == GF_OK, "%s", gf_errmsg());
    CHECK(st && gf_st_count(st) == 4, "plain SGD adds no tensors: %zu", gf_st_count(st));
    CHECK(st && strcmp(gf_st_meta(st, "format_version"), "2") == 0, "a checkpoint is format 2");
    gf_st_free(st);
    gf_pipeline *p2 = NULL;
    gf_trainer *t2 = NULL;
    CHECK(gf_checkpoint_load(path, &p2, &t2) == GF_OK, "%s", gf_errmsg());
    CHECK(t2 && gf_trainer_best(t2) == NULL && gf_trainer_epoch(t2) == 2, "sgd: epoch, no best");
    CHECK(t2 && gf_model_graph(gf_pipeline_network(p2)) &&
              memcmp(gf_params(gf_model_graph(gf_pipeline_network(p))),
                     gf_params(gf_model_graph(gf_pipeline_network(p2))),
                     gf_param_count(gf_model_graph(gf_pipeline_network(p))) * sizeof(float)) == 0,
          "sgd: weights");
    gf_trainer_free(t2);
    gf_pipeline_free(p2);
    gf_trainer_free(t);

    /* Early stopping that ends the run: patience 1 with a learning rate
     * that overshoots, so a validation loss soon fails to fall. */
    f.epochs = 40;
    f.patience = 1;
    f.optim.lr = 3;
    t = gf_trainer_new(gf_pipeline_network(p), &f);
    CHECK(t && gf_trainer_fit(t, train, valid) == GF_OK, "%s", gf_errmsg());
    CHECK(t && gf_trainer_stopped(t), "early stopping ended the run at epoch %d",
          gf_trainer_epoch(t));
    CHECK(gf_checkpoint_save(p, t, path) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_checkpoint_load(path, &p2, &t2) == GF_OK, "%s", gf_errmsg());
    CHECK(t2 && gf_trainer_stopped(t2) && gf_trainer_epoch(t2) == gf_trainer_epoch(t),
          "the loaded trainer is stopped too");
    gf_trainer_free(t2);
    gf_pipeline_free(p2);
    gf_trainer_free(t);
    gf_pipeline_free(p);
    gf_dataset_free(train);
    gf_dataset_free(valid);
}

/* ------------------------------------------------------------- hostile -- */

/* A copy of a checkpoint with its "checkpoint" metadata edited: the first
 * occurrence of `from` replaced by `to` (or a tensor removed, or one
 * added). */
static void rewrite(const char *src, const char *dst, const char *from, const char *to,
                    const char *drop, const char *add)
{
    gf_st *in = NULL;
    CHECK(gf_st_load(src, &in) == GF_OK, "%s", gf_errmsg());
    if (!in) return;
    gf_st *out = gf_st_new();
    for (size_t i = 0; i < gf_st_meta_count(in); i++) {
        const char *k = gf_st_meta_key(in, i), *v = gf_st_meta(in, k);
        char *edited = NULL;
        const char *at = from && strcmp(k, "checkpoint") == 0 ? strstr(v, from) : NULL;
        CHECK(!from || strcmp(k, "checkpoint") != 0 || at, "'%s' is not in the checkpoint", from);
        if (at) {
            size_t pre = (size_t)(at - v);
            edited = malloc(strlen(v) + strlen(to) + 1);
            memcpy(edited, v, pre);
            strcpy(edited + pre, to);
            strcat(edited, at + strlen(from));
        }
        gf_st_set_meta(out, k, edited ? edited : v);
        free(edited);
    }
    for (size_t i = 0; i < gf_st_count(in); i++) {
        const gf_st_tensor *t = gf_st_at(in, i);
        if (drop && strcmp(t->name, drop) == 0) continue;
        size_t bytes = t->count * gf_dtype_size(t->dtype);
        void *copy = malloc(bytes ? bytes : 1);
        memcpy(copy, t->data, bytes);
        gf_st_add(out, t->name, t->dtype, t->ndim, t->shape, copy);
        free(copy);
    }
    if (add) gf_st_add(out, add, GF_DTYPE_F32, 1, (int64_t[]){ 2 }, (float[]){ 1, 2 });
    CHECK(gf_st_save(out, dst) == GF_OK, "%s", gf_errmsg());
    gf_st_free(in);
    gf_st_free(out);
}

static void expect_refused(const char *path, const char *want, const char *what)
{
    gf_pipeline *p = NULL;
    gf_trainer *t = NULL;
    gf_status s = gf_checkpoint_load(path, &p, &t);
    CHECK(s == GF_ERR_FORMAT && !p && !t, "%s: status %d (%s)", what, (int)s, gf_errmsg());
    CHECK(strstr(gf_errmsg(), want) && strstr(gf_errmsg(), path), "%s: message '%s' lacks '%s'",
          what, gf_errmsg(), want);
}

/* A small checkpoint with every part: Adam's two moments, best weights,
 * batch norm's buffer, 3 epochs of history. */
static void small_checkpoint(const char *path)
{
    gf_dataset *train = make_data(1), *valid = make_data(2);
    gf_pipeline *p = make_pipeline("4:relu:bn:dropout=0.2,3:softmax", 11);
    gf_fit_opts f = fit_opts();
    f.on_epoch = stop_at_3;
    gf_trainer *t = gf_trainer_new(gf_pipeline_network(p), &f);
    CHECK(t && gf_trainer_fit(t, train, valid) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_checkpoint_save(p, t, path) == GF_OK, "%s", gf_errmsg());
    gf_trainer_free(t);
    gf_pipeline_free(p);
    gf_dataset_free(train);
    gf_dataset_free(valid);
}

static void test_hostile(void)
{
    char good[512], bad[512];
    path_in(good, sizeof good, "small.safetensors");
    path_in(bad, sizeof bad, "bad.safetensors");
    small_checkpoint(good);

    rewrite(good, bad, "\"kind\":\"adam\"", "\"kind\":\"adamm\"", NULL, NULL);
    expect_refused(bad, "fit.optim.kind", "an unknown optimiser");
    rewrite(good, bad, "\"schedule\":\"cosine\"", "\"schedule\":\"linear\"", NULL, NULL);
    expect_refused(bad, "fit.optim.schedule", "an unknown schedule");
    rewrite(good, bad, "\"lr\":", "\"lr\":-", NULL, NULL);
    expect_refused(bad, "fit.optim", "a negative learning rate");
    rewrite(good, bad, "\"beta1\":", "\"beta1\":\"x\",\"b\":", NULL, NULL);
    expect_refused(bad, "fit.optim.beta1", "a string for a number");
    rewrite(good, bad, "\"beta2\":", "\"beta2\":1e300,\"b\":", NULL, NULL);
    expect_refused(bad, "fit.optim.beta2", "a number beyond a float");
    rewrite(good, bad, "\"epochs\":6", "\"epochs\":2", NULL, NULL);
    expect_refused(bad, "state.epoch", "more epochs done than to do");
    rewrite(good, bad, "\"epochs\":6", "\"epochs\":1000001", NULL, NULL);
    expect_refused(bad, "fit.epochs", "epochs beyond the limit of a million");
    rewrite(good, bad, "\"batch_size\":16", "\"batch_size\":100000000", NULL, NULL);
    expect_refused(bad, "fit.batch_size", "a batch beyond the limit");
    /* test_round_trip's wider network: a million rows would take 2.5 GB. */
    char wide[512];
    path_in(wide, sizeof wide, "ckpt.safetensors");
    rewrite(wide, bad, "\"batch_size\":16", "\"batch_size\":1000000", NULL, NULL);
    expect_refused(bad, "1 GiB", "a batch that needs too much memory");
    rewrite(good, bad, "\"patience\":50", "\"patience\":-1", NULL, NULL);
    expect_refused(bad, "fit.patience", "a negative patience");
    rewrite(good, bad, "\"min_delta\":", "\"min_delta\":null,\"m\":", NULL, NULL);
    expect_refused(bad, "fit.min_delta", "a null min_delta");
    rewrite(good, bad, "\"step\":\"", "\"step\":\"x", NULL, NULL);
    expect_refused(bad, "state.step", "a step that is not digits");
    rewrite(good, bad, "\"step\":\"", "\"step\":\"99999999999999999999", NULL, NULL);
    expect_refused(bad, "state.step", "a step beyond 64 bits");
    rewrite(good, bad, "\"rng\":[", "\"rng\":[\"0\",\"0\",\"0\",\"0\"],\"r\":[", NULL, NULL);
    expect_refused(bad, "all zeros", "a generator of zeros");
    rewrite(good, bad, "\"rng\":[", "\"rng\":[\"1\",", NULL, NULL);
    expect_refused(bad, "state.rng", "five words");
    rewrite(good, bad, "\"history\":[", "\"history\":[{},", NULL, NULL);
    expect_refused(bad, "history", "a history longer than the epochs");
    rewrite(good, bad, "{\"epoch\":2,", "{\"epoch\":7,", NULL, NULL);
    expect_refused(bad, "history[1].epoch", "a history out of order");
    rewrite(good, bad, "\"version\":1", "\"version\":2", NULL, NULL);
    expect_refused(bad, "version", "a newer checkpoint");
    rewrite(good, bad, NULL, NULL, "optim.v", NULL);
    expect_refused(bad, "optim.v", "a missing moment");
    rewrite(good, bad, NULL, NULL, "best.bn1.running", NULL);
    expect_refused(bad, "best.bn1.running", "missing best weights");
    rewrite(good, bad, NULL, NULL, NULL, "optim.momentum");
    expect_refused(bad, "optim.momentum", "a moment Adam does not have");
    rewrite(good, bad, NULL, NULL, "optim.m", "optim.m");
    expect_refused(bad, "optim.m", "a moment of the wrong size");
    /* A stray tensor is not a checkpoint's, nor the model's. */
    rewrite(good, bad, NULL, NULL, NULL, "stray");
    expect_refused(bad, "does not use", "a stray tensor");

    /* A model file is not a checkpoint. */
    gf_pipeline *p = make_pipeline("8:tanh,3:softmax", 3);
    CHECK(gf_pipeline_save(p, bad) == GF_OK, "%s", gf_errmsg());
    expect_refused(bad, "not a checkpoint", "a model file");
    gf_pipeline_free(p);

    size_t len = 0;
    unsigned char *b = slurp(good, &len);
    CHECK(b && len > 1000 && len < 8000, "the checkpoint is there, small: %zu bytes", len);
    if (!b) return;
    /* Every truncation is refused. */
    size_t loaded = 0;
    for (size_t cut = 0; cut < len; cut++) {
        spill(bad, b, cut);
        gf_pipeline *q = NULL;
        gf_trainer *t = NULL;
        gf_status s = gf_checkpoint_load(bad, &q, &t);
        if (s == GF_OK) loaded++;
        CHECK(s == GF_OK || (!q && !t), "cut at %zu: failure with a result", cut);
        gf_trainer_free(t);
        gf_pipeline_free(q);
    }
    CHECK(loaded == 0, "%zu truncated checkpoints loaded", loaded);

    /* Every byte flipped: refused, or a checkpoint that trains on. */
    gf_dataset *train = make_data(1);
    size_t flipped_ok = 0;
    for (size_t i = 0; i < len; i++) {
        b[i] ^= 0x24;
        spill(bad, b, len);
        gf_pipeline *q = NULL;
        gf_trainer *t = NULL;
        if (gf_checkpoint_load(bad, &q, &t) == GF_OK) {
            flipped_ok++;
            CHECK(gf_pipeline_nfeatures(q) == FEATURES, "byte %zu: %zu features", i,
                  gf_pipeline_nfeatures(q));
            /* One more epoch must not crash (it may diverge: a flipped
             * weight can be huge); every 8th, to keep the test quick. */
            if (flipped_ok % 8 == 1) {
                gf_trainer_set_epochs(t, gf_trainer_epoch(t) + 1);
                gf_trainer_fit(t, train, NULL);
            }
        }
        gf_trainer_free(t);
        gf_pipeline_free(q);
        b[i] ^= 0x24;
    }
    /* Flips in the tensors' data change numbers a loader cannot judge. */
    CHECK(flipped_ok > 0 && flipped_ok < len, "%zu of %zu flips loaded", flipped_ok, len);
    gf_dataset_free(train);
    free(b);
}

/* ------------------------------------------------------------- errors -- */

static void test_errors(void)
{
    char path[512];
    path_in(path, sizeof path, "no/such/dir/c.safetensors");
    gf_pipeline *p = make_pipeline("8:tanh,3:softmax", 3);
    gf_fit_opts f = GF_FIT_OPTS_DEFAULT;
    f.batch_size = 8;
    gf_trainer *t = gf_trainer_new(gf_pipeline_network(p), &f);
    gf_status s = gf_checkpoint_save(p, t, path);
    CHECK(s == GF_ERR_IO && strstr(gf_errmsg(), path), "unwritable: %d %s", (int)s, gf_errmsg());
    CHECK(access(path, F_OK) != 0, "a failed save left a file");
    path_in(path, sizeof path, "c.safetensors");
    CHECK(gf_checkpoint_save(NULL, t, path) == GF_ERR_ARG, "NULL pipeline");
    CHECK(gf_checkpoint_save(p, NULL, path) == GF_ERR_ARG, "NULL trainer");
    CHECK(gf_checkpoint_save(p, t, NULL) == GF_ERR_ARG, "NULL path");
    gf_pipeline *ols = gf_pipeline_new(GF_KIND_OLS);
    CHECK(gf_checkpoint_save(ols, t, path) == GF_ERR_ARG, "a linear model");
    CHECK(access(path, F_OK) != 0, "a refused save left a file");
    /* A trainer of another network, even one of the same shape. */
    gf_pipeline *twin = make_pipeline("8:tanh,3:softmax", 3);
    CHECK(gf_checkpoint_save(twin, t, path) == GF_ERR_ARG && strstr(gf_errmsg(), "another network"),
          "%s", gf_errmsg());
    CHECK(access(path, F_OK) != 0, "a refused save left a file");
    gf_pipeline_free(twin);
    gf_pipeline *q = (gf_pipeline *)1;
    gf_trainer *tq = (gf_trainer *)1;
    CHECK(gf_checkpoint_load(path, &q, &tq) == GF_ERR_IO && !q && !tq, "a missing file");
    CHECK(gf_checkpoint_load(NULL, &q, &tq) == GF_ERR_ARG, "NULL path");
    gf_pipeline_free(ols);
    gf_trainer_free(t);
    gf_pipeline_free(p);
}

/* Model format 1 (plain networks, linear models) is still written for
 * what it describes, and read; a network with version-2 options is
 * written as 2; a newer version is refused. */
static void test_versions(void)
{
    char path[512];
    path_in(path, sizeof path, "v.safetensors");
    const char *specs[] = { "8:tanh,3:softmax", "8:relu:bn,3:softmax", "8:abs,3:softmax",
                            "input:noise=0.1,8:relu,3:softmax", "8:relu,3:softmax:smooth=0.1" };
    const char *want[] = { "1", "2", "2", "2", "2" };
    for (int i = 0; i < 5; i++) {
        gf_pipeline *p = make_pipeline(specs[i], 3);
        CHECK(gf_pipeline_save(p, path) == GF_OK, "%s", gf_errmsg());
        gf_st *st = NULL;
        CHECK(gf_st_load(path, &st) == GF_OK, "%s", gf_errmsg());
        CHECK(st && strcmp(gf_st_meta(st, "format_version"), want[i]) == 0,
              "%s: format %s, want %s", specs[i], st ? gf_st_meta(st, "format_version") : "?",
              want[i]);
        gf_st_free(st);
        gf_pipeline *q = NULL;
        CHECK(gf_pipeline_load(path, &q) == GF_OK, "%s: %s", specs[i], gf_errmsg());
        char a[256] = "", b[256] = "";
        if (q) {
            gf_arch_format(gf_pipeline_arch(p), a, sizeof a);
            gf_arch_format(gf_pipeline_arch(q), b, sizeof b);
        }
        CHECK(strcmp(a, b) == 0 && *a, "%s: read back as %s", a, b);
        gf_pipeline_free(q);
        gf_pipeline_free(p);
    }
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    gf_set_threads(1);
    test_round_trip();
    test_sgd_and_stopped();
    test_hostile();
    test_errors();
    test_versions();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_checkpoint");
}
