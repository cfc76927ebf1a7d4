/* Loading checkpoints (their layout: checkpoint_save.c).  The file is
 * treated as hostile: every field is checked for its type and range, every
 * length against the network, before anything is restored; errors name the
 * file and the field. */
#include <float.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "grafo/io.h"
#include "io/json_text.h"
#include "io/pipeline.h"


/* Limits on what a file may ask for: the command line's own, and a batch
 * whose activations (values and gradients) fit in 1 GiB of floats. */
#define MAX_EPOCHS 1000000
#define MAX_BATCH (1 << 20)
#define TRAIN_BUDGET ((size_t)1 << 28)

/* ------------------------------------------------------------ loading -- */

typedef struct reader {
    const char *path;
    gf_status s;        /* the first error; later reads do nothing */
} reader;

__attribute__((format(printf, 3, 4)))
static void field_fail(reader *r, const char *field, const char *fmt, ...)
{
    if (r->s) return;
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    r->s = gf__fail(GF_ERR_FORMAT, "%s: not a valid checkpoint: field '%s' %s", r->path, field,
                    why);
}

static const char *json_type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "JSON of another type";
}

/* The member `key` of object o, named `field` in messages; NULL (and an
 * error) if missing. */
static json_t *member(reader *r, json_t *o, const char *key, const char *field)
{
    json_t *v = json_object_get(o, key);
    if (!v) field_fail(r, field, "is missing");
    return v;
}

static json_t *object_at(reader *r, json_t *o, const char *key, const char *field)
{
    json_t *v = member(r, o, key, field);
    if (v && !json_is_object(v)) field_fail(r, field, "is %s, not an object", json_type_name(v));
    return json_is_object(v) ? v : NULL;
}

static long int_at(reader *r, json_t *o, const char *key, const char *field, long lo, long hi)
{
    json_t *v = member(r, o, key, field);
    if (!v) return lo;
    if (!json_is_integer(v)) {
        field_fail(r, field, "is %s, not a whole number", json_type_name(v));
        return lo;
    }
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi) {
        field_fail(r, field, "is %lld, outside %ld..%ld", (long long)x, lo, hi);
        return lo;
    }
    return (long)x;
}

/* A number, or null for NaN when nullable. */
static double number_at(reader *r, json_t *o, const char *key, const char *field, bool nullable)
{
    json_t *v = member(r, o, key, field);
    if (!v) return NAN;
    if (json_is_null(v) && nullable) return NAN;
    if (!json_is_number(v)) {
        field_fail(r, field, "is %s, not a number%s", json_type_name(v),
                   nullable ? " or null" : "");
        return NAN;
    }
    return json_number_value(v);
}

/* A float option: a number a float holds exactly enough (finite, within
 * float range); its range is gf_optim_check's to judge. */
static float float_at(reader *r, json_t *o, const char *key, const char *field)
{
    double v = number_at(r, o, key, field, false);
    if (r->s) return 0;
    if (!(fabs(v) <= FLT_MAX)) {
        field_fail(r, field, "is %g, beyond a float", v);
        return 0;
    }
    return (float)v;
}

/* An unsigned 64-bit integer written as decimal digits. */
static uint64_t u64_of(reader *r, json_t *v, const char *field)
{
    const char *t = json_string_value(v);
    if (!t) {
        field_fail(r, field, "is %s, not a string of decimal digits",
                   v ? json_type_name(v) : "missing");
        return 0;
    }
    uint64_t x = 0;
    size_t len = strlen(t);
    bool ok = len >= 1 && len <= 20;
    for (size_t i = 0; ok && i < len; i++) {
        unsigned d = (unsigned)(t[i] - '0');
        ok = d <= 9 && x <= (UINT64_MAX - d) / 10;
        x = x * 10 + d;
    }
    if (!ok) field_fail(r, field, "is not a number from 0 to 2^64 - 1 in decimal digits");
    return ok ? x : 0;
}

static uint64_t u64_at(reader *r, json_t *o, const char *key, const char *field)
{
    json_t *v = member(r, o, key, field);
    return v ? u64_of(r, v, field) : 0;
}

/* A name one of the parsers takes. */
static void name_at(reader *r, json_t *o, const char *key, const char *field,
                    gf_status (*parse)(const char *, int *), int *out)
{
    json_t *v = member(r, o, key, field);
    if (!v) return;
    const char *t = json_string_value(v);
    if (!t) {
        field_fail(r, field, "is %s, not a name", json_type_name(v));
    } else if (parse(t, out) != GF_OK) {
        field_fail(r, field, "is not a known name (%s)", gf_errmsg());
    }
}

static gf_status parse_optim_kind(const char *t, int *out)
{
    gf_optim_kind k;
    gf_status s = gf_optim_parse(t, &k);
    if (s == GF_OK) *out = (int)k;
    return s;
}

static gf_status parse_schedule(const char *t, int *out)
{
    gf_schedule_kind k;
    gf_status s = gf_schedule_parse(t, &k);
    if (s == GF_OK) *out = (int)k;
    return s;
}

static void read_optim(reader *r, json_t *o, gf_optim_opts *out)
{
    int kind = 0, schedule = 0;
    name_at(r, o, "kind", "fit.optim.kind", parse_optim_kind, &kind);
    name_at(r, o, "schedule", "fit.optim.schedule", parse_schedule, &schedule);
    out->kind = (gf_optim_kind)kind;
    out->schedule = (gf_schedule_kind)schedule;
    out->lr = float_at(r, o, "lr", "fit.optim.lr");
    out->momentum = float_at(r, o, "momentum", "fit.optim.momentum");
    out->nesterov = (int)int_at(r, o, "nesterov", "fit.optim.nesterov", 0, 1);
    out->beta1 = float_at(r, o, "beta1", "fit.optim.beta1");
    out->beta2 = float_at(r, o, "beta2", "fit.optim.beta2");
    out->rho = float_at(r, o, "rho", "fit.optim.rho");
    out->eps = float_at(r, o, "eps", "fit.optim.eps");
    out->weight_decay = float_at(r, o, "weight_decay", "fit.optim.weight_decay");
    out->l1 = float_at(r, o, "l1", "fit.optim.l1");
    out->clip_norm = float_at(r, o, "clip_norm", "fit.optim.clip_norm");
    out->gamma = float_at(r, o, "gamma", "fit.optim.gamma");
    out->step_epochs = (int)int_at(r, o, "step_epochs", "fit.optim.step_epochs", 1, INT_MAX);
    out->decay = float_at(r, o, "decay", "fit.optim.decay");
    out->period = (int)int_at(r, o, "period", "fit.optim.period", 1, INT_MAX);
    out->lr_min = float_at(r, o, "lr_min", "fit.optim.lr_min");
    if (!r->s && gf_optim_check(out) != GF_OK) field_fail(r, "fit.optim", "is out of range: %s",
                                                          gf_errmsg());
}

static void read_fit(reader *r, json_t *o, gf_fit_opts *out)
{
    out->epochs = (int)int_at(r, o, "epochs", "fit.epochs", 1, MAX_EPOCHS);
    out->batch_size = (int)int_at(r, o, "batch_size", "fit.batch_size", 1, MAX_BATCH);
    out->shuffle = (int)int_at(r, o, "shuffle", "fit.shuffle", 0, 1);
    out->patience = (int)int_at(r, o, "patience", "fit.patience", 0, MAX_EPOCHS);
    out->min_delta = number_at(r, o, "min_delta", "fit.min_delta", false);
    if (!r->s && !(out->min_delta >= 0 && isfinite(out->min_delta)))
        field_fail(r, "fit.min_delta", "is %g; it must be a finite number >= 0", out->min_delta);
    json_t *optim = object_at(r, o, "optim", "fit.optim");
    if (optim) read_optim(r, optim, &out->optim);
}

static void read_state(reader *r, json_t *o, int epochs, gf_trainer_state *out,
                       uint64_t *optimizer_steps)
{
    out->epoch = (int)int_at(r, o, "epoch", "state.epoch", 0, epochs);
    out->step = u64_at(r, o, "step", "state.step");
    *optimizer_steps = u64_at(r, o, "optimizer_steps", "state.optimizer_steps");
    json_t *rng = member(r, o, "rng", "state.rng");
    if (rng && (!json_is_array(rng) || json_array_size(rng) != 4))
        field_fail(r, "state.rng", "is not a list of 4 words");
    bool zero = true;
    for (size_t i = 0; !r->s && i < 4; i++) {
        char field[32];
        snprintf(field, sizeof field, "state.rng[%zu]", i);
        out->rng.s[i] = u64_of(r, json_array_get(rng, i), field);
        zero = zero && out->rng.s[i] == 0;
    }
    if (!r->s && zero) field_fail(r, "state.rng", "is all zeros, which no generator reaches");
    out->best_epoch = (int)int_at(r, o, "best_epoch", "state.best_epoch", 0, out->epoch);
    double best = number_at(r, o, "best_loss", "state.best_loss", true);
    out->best_loss = isnan(best) ? INFINITY : best;
    if (!r->s && (out->best_epoch > 0) != isfinite(out->best_loss))
        field_fail(r, "state.best_loss", "disagrees with best_epoch %d", out->best_epoch);
    out->bad_epochs = (int)int_at(r, o, "bad_epochs", "state.bad_epochs", 0, out->epoch);
    out->stopped = (int)int_at(r, o, "stopped", "state.stopped", 0, 1);
}

/* The history, one entry per epoch completed; *out (epochs entries) the
 * caller frees. */
static void read_history(reader *r, json_t *a, int epochs, gf_epoch_report **out)
{
    *out = NULL;
    if (!json_is_array(a)) {
        field_fail(r, "history", "is %s, not a list", a ? json_type_name(a) : "missing");
        return;
    }
    if (json_array_size(a) != (size_t)epochs) {
        field_fail(r, "history", "has %zu entries for %d epochs", json_array_size(a), epochs);
        return;
    }
    gf_epoch_report *h = gf__calloc((size_t)epochs, sizeof *h, "the history");
    if (!h) {
        r->s = GF_ERR_NOMEM;
        return;
    }
    for (int i = 0; !r->s && i < epochs; i++) {
        json_t *e = json_array_get(a, (size_t)i);
        char f[10][48];
        const char *keys[] = { "epoch", "loss", "train_accuracy", "valid_loss",
                               "valid_accuracy", "seconds", "samples_per_second",
                               "learning_rate", "grad_norm", "best" };
        for (int k = 0; k < 10; k++) snprintf(f[k], sizeof f[k], "history[%d].%s", i, keys[k]);
        if (!json_is_object(e)) {
            char entry[32];
            snprintf(entry, sizeof entry, "history[%d]", i);
            field_fail(r, entry, "is %s, not an object", json_type_name(e));
            break;
        }
        gf_epoch_report *x = &h[i];
        x->epoch = (int)int_at(r, e, "epoch", f[0], i + 1, i + 1);
        x->loss = number_at(r, e, "loss", f[1], true);
        x->train_accuracy = number_at(r, e, "train_accuracy", f[2], true);
        x->valid_loss = number_at(r, e, "valid_loss", f[3], true);
        x->valid_accuracy = number_at(r, e, "valid_accuracy", f[4], true);
        x->seconds = number_at(r, e, "seconds", f[5], true);
        x->samples_per_second = number_at(r, e, "samples_per_second", f[6], true);
        x->learning_rate = number_at(r, e, "learning_rate", f[7], true);
        x->grad_norm = number_at(r, e, "grad_norm", f[8], true);
        x->best = (int)int_at(r, e, "best", f[9], 0, 1);
    }
    if (r->s) free(h);
    else *out = h;
}

/* Tensor `name` of st into dst (shape nd, dims), its values finite and,
 * if nonneg, not negative (sums of squares). */
static gf_status read_values(const gf_st *st, const char *path, const char *name, int nd,
                             const int64_t *dims, float *dst, size_t n, bool nonneg)
{
    gf_status s = gf_st_read_tensor(st, name, GF_DTYPE_F32, nd, dims, dst);
    if (s != GF_OK) return s;
    for (size_t j = 0; j < n; j++)
        if (!isfinite(dst[j]) || (nonneg && dst[j] < 0))
            return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s' element %zu is %g%s", path, name, j,
                            dst[j], nonneg && isfinite(dst[j]) ? ", a negative sum of squares"
                                                               : "");
    return GF_OK;
}

/* Whether a checkpoint tensor is one this trainer reads: a moment of its
 * optimiser, or, with want_best, the best value of a parameter. */
static bool expected_tensor(const char *name, gf_trainer *t, const gf_graph *g, bool want_best)
{
    gf_optimizer *opt = gf_trainer_optimizer(t);
    size_t lo = strlen(GF__CKPT_OPTIM), lb = strlen(GF__CKPT_BEST);
    for (int i = 0; !strncmp(name, GF__CKPT_OPTIM, lo) && i < gf_optimizer_states(opt); i++) {
        const char *what = NULL;
        gf_optimizer_state(opt, i, &what);
        if (!strcmp(name + lo, what)) return true;
    }
    if (!want_best || strncmp(name, GF__CKPT_BEST, lb) != 0) return false;
    gf_node n = gf_graph_find(g, name + lb);
    return n != GF_NONE && gf_param_offset(g, n) != (size_t)-1;
}

/* Restore the optimiser's moments and the best weights from the file's
 * tensors, and demand that the file holds no checkpoint tensor besides. */
static gf_status read_state_tensors(const gf_st *st, const char *path, gf_trainer *t,
                                    gf_graph *g, bool want_best)
{
    size_t n = gf_param_count(g);
    int64_t dim = (int64_t)n;
    gf_optimizer *opt = gf_trainer_optimizer(t);
    gf_status s = GF_OK;
    char name[96];
    for (int i = 0; s == GF_OK && i < gf_optimizer_states(opt); i++) {
        const char *what = NULL;
        float *v = gf_optimizer_state(opt, i, &what);
        snprintf(name, sizeof name, "%s%s", GF__CKPT_OPTIM, what);
        bool squares = !strcmp(what, "v") || !strcmp(what, "square_avg") || !strcmp(what, "sum");
        s = read_values(st, path, name, 1, &dim, v, n, squares);
    }
    float *best = gf_trainer_best(t);
    if (s == GF_OK && want_best) {
        gf_node params[GF__MAX_PARAMS];
        size_t np = gf__network_params(g, params, GF__MAX_PARAMS);
        for (size_t i = 0; s == GF_OK && i < np && i < GF__MAX_PARAMS; i++) {
            int64_t dims[GF_MAX_DIMS + 1];
            int nd = gf_node_shape(g, params[i], dims);
            snprintf(name, sizeof name, "%s%s", GF__CKPT_BEST, gf_node_name(g, params[i]));
            s = read_values(st, path, name, nd, dims, best + gf_param_offset(g, params[i]),
                            gf_node_size(g, params[i]), false);
        }
    }
    if (s != GF_OK) {
        if (s != GF_ERR_NOMEM) gf__errctx("%s: the checkpoint's trainer state", path);
        return s == GF_ERR_NOMEM ? s : GF_ERR_FORMAT;
    }
    /* Every expected tensor was found; one more is one the trainer would
     * not read.  (Names are unique in a safetensors file.) */
    for (size_t i = 0; i < gf_st_count(st); i++) {
        const char *tn = gf_st_at(st, i)->name;
        if (gf__checkpoint_tensor(tn) && !expected_tensor(tn, t, g, want_best))
            return gf__fail(GF_ERR_FORMAT, "%s: the checkpoint holds tensor '%.64s', which its "
                            "%s optimiser%s does not use", path, tn,
                            gf_optim_name(gf_optimizer_opts(opt)->kind),
                            want_best ? " and early stopping"
                            : gf_trainer_opts(t)->patience ? " before a best epoch"
                                                           : " without early stopping");
    }
    return GF_OK;
}

/* The checkpoint's JSON, checked, into a trainer for p's network. */
static gf_status restore_trainer(const gf_st *st, const char *path, gf_pipeline *p,
                                 gf_trainer **out)
{
    *out = NULL;
    const char *text = gf_st_meta(st, GF__CKPT_META);
    json_error_t err;
    json_t *j = NULL;
    if (gf__json_parse(text, strlen(text), JSON_REJECT_DUPLICATES, "the checkpoint's description",
                       &j, &err) == GF_ERR_NOMEM) {
        gf__errctx("%s", path);
        return GF_ERR_NOMEM;
    }
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return gf__fail(GF_ERR_FORMAT, "%s: the checkpoint's description is not a JSON object%s%s",
                        path, j ? "" : ": ", j ? "" : err.text);
    }
    reader r = { .path = path };
    gf_fit_opts fo = GF_FIT_OPTS_DEFAULT;
    gf_trainer_state ts = { 0 };
    uint64_t optimizer_steps = 0;
    gf_epoch_report *history = NULL;
    long version = int_at(&r, j, "version", "version", 1, INT_MAX);
    if (!r.s && version > GF__CKPT_VERSION)
        field_fail(&r, "version", "is %ld; this grafo reads checkpoint version %d", version,
                   GF__CKPT_VERSION);
    json_t *fit = r.s ? NULL : object_at(&r, j, "fit", "fit");
    if (fit) read_fit(&r, fit, &fo);
    json_t *state = r.s ? NULL : object_at(&r, j, "state", "state");
    if (state) read_state(&r, state, fo.epochs, &ts, &optimizer_steps);
    if (!r.s) read_history(&r, json_object_get(j, "history"), ts.epoch, &history);
    json_decref(j);

    gf_model *m = gf_pipeline_network(p);
    const gf_arch *arch = gf_pipeline_arch(p);
    if (!r.s && (size_t)fo.batch_size > TRAIN_BUDGET / gf__network_row_floats(arch, gf_pipeline_nfeatures(p)))
        field_fail(&r, "fit.batch_size", "is %d: batches that large of this network need more "
                   "than 1 GiB", fo.batch_size);
    gf_status s = r.s;
    if (s == GF_OK && (s = gf_model_set_max_batch(m, fo.batch_size)) != GF_OK)
        gf__errctx("%s: preparing the network for batches of %d", path, fo.batch_size);
    gf_trainer *t = NULL;
    if (s == GF_OK && !(t = gf_trainer_new(m, &fo))) {
        /* The options were checked above; what is left is memory, or a
         * rule of the trainer's this reader does not know. */
        s = strstr(gf_errmsg(), "out of memory") ? GF_ERR_NOMEM : GF_ERR_FORMAT;
        gf__errctx("%s: the checkpoint's options", path);
    }
    if (s == GF_OK)
        s = read_state_tensors(st, path, t, gf_model_graph(m), fo.patience > 0 && ts.best_epoch > 0);
    if (s == GF_OK) {
        gf_optimizer_set_steps(gf_trainer_optimizer(t), optimizer_steps);
        s = gf_trainer_restore(t, &ts, history, (size_t)ts.epoch);
        if (s == GF_ERR_ARG) {
            gf__errctx("%s: the checkpoint's state", path);
            s = GF_ERR_FORMAT;
        }
    }
    free(history);
    if (s != GF_OK) {
        gf_trainer_free(t);
        return s;
    }
    *out = t;
    return GF_OK;
}

/* A checkpoint from its tensors; `path` names it in messages. */
static gf_status checkpoint_from_st(const gf_st *st, const char *path, gf_pipeline **p,
                                    gf_trainer **t)
{
    gf_status s = GF_OK;
    if (!gf_st_meta(st, GF__CKPT_META)) {
        const char *kind = gf_st_meta(st, "format");
        s = gf__fail(GF_ERR_FORMAT, "%s: %s, not a checkpoint (its metadata has no \"%s\"; "
                     "write one with --checkpoint)", path,
                     kind && !strcmp(kind, "grafo") ? "a grafo model" : "a safetensors file",
                     GF__CKPT_META);
    }
    gf_pipeline *pl = NULL;
    if (s == GF_OK) s = gf__pipeline_from_st(st, path, &pl);
    if (s == GF_OK && gf_pipeline_kind(pl) != GF_KIND_NETWORK)
        s = gf__fail(GF_ERR_FORMAT, "%s: a checkpoint of a %s model; checkpoints hold networks",
                     path, gf_kind_name(gf_pipeline_kind(pl)));
    gf_trainer *tr = NULL;
    if (s == GF_OK) s = restore_trainer(st, path, pl, &tr);
    if (s != GF_OK) {
        gf_pipeline_free(pl);
        return s;
    }
    *p = pl;
    *t = tr;
    return GF_OK;
}

gf_status gf_checkpoint_load(const char *path, gf_pipeline **p, gf_trainer **t)
{
    if (p) *p = NULL;
    if (t) *t = NULL;
    if (!path || !p || !t) return gf__fail(GF_ERR_ARG, "loading a checkpoint: NULL argument");
    gf_st *st = NULL;
    gf_status s = gf_st_load(path, &st);
    if (s == GF_OK) s = checkpoint_from_st(st, path, p, t);
    gf_st_free(st);
    return s;
}

gf_status gf_checkpoint_parse(const void *bytes, size_t len, const char *source,
                              gf_pipeline **p, gf_trainer **t)
{
    if (p) *p = NULL;
    if (t) *t = NULL;
    if (!p || !t) return gf__fail(GF_ERR_ARG, "parsing a checkpoint: NULL argument");
    if (!source) source = "checkpoint data";
    gf_st *st = NULL;
    gf_status s = gf_st_parse(bytes, len, source, &st);
    if (s == GF_OK) s = checkpoint_from_st(st, source, p, t);
    gf_st_free(st);
    return s;
}
