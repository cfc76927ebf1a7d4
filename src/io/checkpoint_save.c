/* Saving checkpoints: a network's model file (pipeline_file.c) plus the state of
 * the trainer training it, so that a run resumed from one continues bit
 * for bit.  On top of the model file:
 *
 *   tensors   "optim.<name>"  F32 [parameters]: the optimiser's moment
 *                             buffers, by gf_optimizer_state's names
 *             "best.<param>"  F32, the parameter's shape: early stopping's
 *                             best weights, once there is a best epoch
 *   metadata  "checkpoint"    JSON: {"version": 1, "fit": {...}, "state":
 *                             {...}, "history": [...]}
 *
 * "fit" holds every gf_fit_opts field but the callbacks, "optim" inside it
 * every gf_optim_opts field by name (kinds by gf_optim_name and
 * gf_schedule_name).  Floats are written as the doubles they equal, with
 * 17 digits, so they read back exactly; NaN is null, and so is best_loss
 * while there is no best (+inf).  The 64-bit counters and the generator's
 * four words are decimal strings, since JSON numbers lose digits beyond
 * 2^53 in many readers.  The format version is 2. */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "grafo/io.h"
#include "io/json_text.h"
#include "io/pipeline.h"


/* ------------------------------------------------------------- saving -- */

/* A float or double as JSON: null for NaN (and for infinities, which JSON
 * cannot hold; no saved field is ever one but best_loss, handled apart). */
static json_t *number(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *u64_text(uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    return json_string(buf);
}

static json_t *optim_json(const gf_optim_opts *o)
{
    return json_pack("{s:s, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:i, "
                     "s:o, s:i, s:o}",
                     "kind", gf_optim_name(o->kind), "lr", number(o->lr), "momentum",
                     number(o->momentum), "nesterov", o->nesterov, "beta1", number(o->beta1),
                     "beta2", number(o->beta2), "rho", number(o->rho), "eps", number(o->eps),
                     "weight_decay", number(o->weight_decay), "l1", number(o->l1), "clip_norm",
                     number(o->clip_norm), "schedule", gf_schedule_name(o->schedule), "gamma",
                     number(o->gamma), "step_epochs", o->step_epochs, "decay",
                     number(o->decay), "period", o->period, "lr_min", number(o->lr_min));
}

static json_t *fit_json(const gf_fit_opts *o)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:o, s:o}", "epochs", o->epochs, "batch_size",
                     o->batch_size, "shuffle", o->shuffle, "patience", o->patience, "min_delta",
                     number(o->min_delta), "optim", optim_json(&o->optim));
}

static json_t *state_json(const gf_trainer_state *s, uint64_t optimizer_steps)
{
    json_t *rng = json_pack("[o, o, o, o]", u64_text(s->rng.s[0]), u64_text(s->rng.s[1]),
                            u64_text(s->rng.s[2]), u64_text(s->rng.s[3]));
    return json_pack("{s:i, s:o, s:o, s:o, s:i, s:o, s:i, s:i}", "epoch", s->epoch, "step",
                     u64_text(s->step), "optimizer_steps", u64_text(optimizer_steps), "rng", rng,
                     "best_epoch", s->best_epoch, "best_loss", number(s->best_loss),
                     "bad_epochs", s->bad_epochs, "stopped", s->stopped);
}

static json_t *history_json(const gf_epoch_report *r, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        json_t *e = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i}", "epoch",
                              r[i].epoch, "loss", number(r[i].loss), "train_accuracy",
                              number(r[i].train_accuracy), "valid_loss",
                              number(r[i].valid_loss), "valid_accuracy",
                              number(r[i].valid_accuracy), "seconds", number(r[i].seconds),
                              "samples_per_second", number(r[i].samples_per_second),
                              "learning_rate", number(r[i].learning_rate), "grad_norm",
                              number(r[i].grad_norm), "best", r[i].best);
        if (json_array_append_new(a, e) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The "checkpoint" metadata text (the caller frees it), or NULL. */
static char *checkpoint_text(gf_trainer *t)
{
    gf_trainer_state st;
    gf_trainer_get_state(t, &st);
    size_t n = 0;
    const gf_epoch_report *h = gf_trainer_history(t, &n);
    json_t *j = json_pack("{s:i, s:o, s:o, s:o}", "version", GF__CKPT_VERSION, "fit",
                          fit_json(gf_trainer_opts(t)), "state",
                          state_json(&st, gf_optimizer_steps(gf_trainer_optimizer(t))),
                          "history", history_json(h, n));
    char *text = j ? gf__json_text(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17),
                                   "a checkpoint's description")
                   : NULL;
    json_decref(j);
    return text;
}

/* The optimiser's moments and, once early stopping has a best epoch, the
 * best weights, as tensors. */
static gf_status add_state_tensors(gf_st *st, gf_trainer *t, gf_graph *g)
{
    int64_t n = (int64_t)gf_param_count(g);
    gf_optimizer *opt = gf_trainer_optimizer(t);
    gf_status s = GF_OK;
    char name[96];
    for (int i = 0; s == GF_OK && i < gf_optimizer_states(opt); i++) {
        const char *what = NULL;
        const float *v = gf_optimizer_state(opt, i, &what);
        snprintf(name, sizeof name, "%s%s", GF__CKPT_OPTIM, what);
        s = gf_st_add(st, name, GF_DTYPE_F32, 1, &n, v);
    }
    gf_trainer_state ts;
    gf_trainer_get_state(t, &ts);
    const float *best = gf_trainer_best(t);
    if (!best || ts.best_epoch == 0) return s;
    gf_node params[GF__MAX_PARAMS];
    size_t np = gf__network_params(g, params, GF__MAX_PARAMS);
    for (size_t i = 0; s == GF_OK && i < np && i < GF__MAX_PARAMS; i++) {
        int64_t dims[GF_MAX_DIMS + 1];
        int nd = gf_node_shape(g, params[i], dims);
        snprintf(name, sizeof name, "%s%s", GF__CKPT_BEST, gf_node_name(g, params[i]));
        s = gf_st_add(st, name, GF_DTYPE_F32, nd, dims, best + gf_param_offset(g, params[i]));
    }
    return s;
}

gf_status gf_checkpoint_save(const gf_pipeline *p, const gf_trainer *t, const char *path)
{
    if (!p || !t || !path)
        return gf__fail(GF_ERR_ARG, "saving a checkpoint: no pipeline, trainer or path");
    if (gf_pipeline_kind(p) != GF_KIND_NETWORK || !p->net)
        return gf__fail(GF_ERR_ARG, "saving checkpoint %s: the pipeline holds a %s model, not a "
                        "network", path, gf_kind_name(gf_pipeline_kind(p)));
    /* The trainer is only read; its getters are not const because the
     * same pointers restore it. */
    gf_trainer *tr = (gf_trainer *)t;
    gf_graph *g = gf_model_graph(p->net);
    if (gf_trainer_model(t) != p->net)
        return gf__fail(GF_ERR_ARG, "saving checkpoint %s: the trainer trains another network "
                        "than the pipeline's", path);
    gf_st *st = NULL;
    gf_status s = gf__pipeline_to_st(p, path, GF__CKPT_FORMAT_VERSION, &st);
    char *text = s == GF_OK ? checkpoint_text(tr) : NULL;
    if (s == GF_OK && !text)
        s = gf__fail(GF_ERR_NOMEM, "saving checkpoint %s: out of memory describing the trainer",
                     path);
    if (s == GF_OK) s = gf_st_set_meta(st, GF__CKPT_META, text);
    if (s == GF_OK) s = add_state_tensors(st, tr, g);
    if (s == GF_OK) s = gf_st_save(st, path);
    free(text);
    gf_st_free(st);
    return s;
}

