/* The trainer: minibatch training (seed 000, Algorithms 2.1 and 2.2) with
 * an optimiser, a validation pass per epoch, early stopping, a history,
 * and every piece of state a run changes kept here, so that a run saved
 * after an epoch and resumed continues bit for bit. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "graph/internal.h"
#include "nn/model.h"

struct gf_trainer {
    gf_model *m;           /* borrowed */
    gf_fit_opts o;
    gf_optimizer *opt;
    gf_trainer_state st;
    float *best;           /* the best epoch's parameters; early stopping only */
    gf_epoch_report *history;
    size_t cap_history;
    int32_t *order;        /* the epoch's row order */
    size_t order_rows;
    float *buffers;        /* running statistics before the step, to undo a
                              diverged forward that updated them */
    bool batchnorm;        /* the model normalises by batch statistics */
};

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : NAN; }

/* Does the model normalise by batch statistics?  A batch of one row
 * then carries no information: it normalises to zero. */
static bool has_batchnorm(const gf_model *m)
{
    for (gf_node i = 0; i < gf_graph_nodes(m->g); i++)
        if (gf_node_op(m->g, i) == GF_OP_BATCHNORM) return true;
    return false;
}

static gf_status check_opts(const gf_model *m, const gf_fit_opts *o)
{
    if (!o) return gf__fail(GF_ERR_ARG, "fit: options are NULL");
    if (o->epochs < 1) return gf__fail(GF_ERR_ARG, "fit: epochs is %d; it must be at least 1", o->epochs);
    if (o->batch_size < 1 || o->batch_size > gf_max_batch(m->ws))
        return gf__fail(GF_ERR_ARG, "fit: batch size %d is outside 1..%d (the compiled largest batch)",
                        o->batch_size, gf_max_batch(m->ws));
    if (o->patience < 0) return gf__fail(GF_ERR_ARG, "fit: patience %d is negative", o->patience);
    if (!(o->min_delta >= 0 && isfinite(o->min_delta)))
        return gf__fail(GF_ERR_ARG, "fit: min_delta %g must be a finite number >= 0", o->min_delta);
    if (o->batch_size == 1 && has_batchnorm(m))
        return gf__fail(GF_ERR_ARG, "fit: batch size 1 with batch norm: a batch of one row "
                        "normalises to zero and trains nothing below it; use batches of 2 or "
                        "more");
    gf_status s = gf_optim_check(&o->optim);
    if (s != GF_OK) gf__errctx("fit");
    return s;
}

/* Tell the optimiser which slices are weights (penalised) and which are
 * buffers (never changed); the rest are biases. */
static gf_status mark_roles(gf_trainer *t)
{
    const gf_model *m = t->m;
    for (int i = 0; i < m->n_inits; i++) {
        const gf_param_init *pi = &m->inits[i];
        if (pi->role == GF_PARAM_BIAS) continue;
        gf_status s = gf_optimizer_mark(t->opt, gf_param_offset(m->g, pi->node),
                                        gf_node_size(m->g, pi->node), pi->role);
        if (s != GF_OK) return s;
    }
    return GF_OK;
}

/* gf_trainer_new with its status, which gf_model_fit returns. */
static gf_status trainer_create(gf_model *m, const gf_fit_opts *o, gf_trainer **out)
{
    *out = NULL;
    gf_status s = gf__check_ready(m, "trainer");
    if (s == GF_OK) s = check_opts(m, o);
    if (s != GF_OK) return s;
    gf_trainer *t = gf__calloc(1, sizeof *t, "trainer");
    if (!t) return GF_ERR_NOMEM;
    t->m = m;
    t->o = *o;
    t->st.rng = m->rng;
    t->st.best_loss = INFINITY;
    t->batchnorm = has_batchnorm(m);
    size_t n = gf_param_count(m->g);
    t->opt = gf_optimizer_new(&o->optim, n);
    s = t->opt ? GF_OK : GF_ERR_NOMEM; /* the options were checked above */
    if (s == GF_OK && !(t->buffers = gf__malloc(n * sizeof(float), "trainer"))) s = GF_ERR_NOMEM;
    if (s == GF_OK && o->patience > 0 && !(t->best = gf__malloc(n * sizeof(float), "the best weights")))
        s = GF_ERR_NOMEM;
    if (s == GF_OK) s = mark_roles(t);
    if (s != GF_OK) {
        gf_trainer_free(t);
        return s;
    }
    *out = t;
    return GF_OK;
}

gf_trainer *gf_trainer_new(gf_model *m, const gf_fit_opts *o)
{
    gf_trainer *t;
    trainer_create(m, o, &t);
    return t;
}

void gf_trainer_free(gf_trainer *t)
{
    if (!t) return;
    gf_optimizer_free(t->opt);
    free(t->best);
    free(t->history);
    free(t->order);
    free(t->buffers);
    free(t);
}

void gf_trainer_set_callbacks(gf_trainer *t, gf_epoch_fn on_epoch, gf_progress_fn on_progress,
                              void *user)
{
    if (!t) return;
    t->o.on_epoch = on_epoch;
    t->o.on_progress = on_progress;
    t->o.user = user;
}

gf_status gf_trainer_set_epochs(gf_trainer *t, int epochs)
{
    if (!t) return gf__fail(GF_ERR_ARG, "trainer: NULL");
    if (epochs < 1) return gf__fail(GF_ERR_ARG, "trainer: epochs is %d; it must be at least 1", epochs);
    t->o.epochs = epochs;
    return GF_OK;
}

gf_model *gf_trainer_model(const gf_trainer *t) { return t ? t->m : NULL; }
const gf_fit_opts *gf_trainer_opts(const gf_trainer *t) { return t ? &t->o : NULL; }
gf_optimizer *gf_trainer_optimizer(gf_trainer *t) { return t ? t->opt : NULL; }
int gf_trainer_epoch(const gf_trainer *t) { return t ? t->st.epoch : 0; }
int gf_trainer_stopped(const gf_trainer *t) { return t ? t->st.stopped : 0; }
float *gf_trainer_best(gf_trainer *t) { return t ? t->best : NULL; }

const gf_epoch_report *gf_trainer_history(const gf_trainer *t, size_t *n)
{
    if (n) *n = t ? (size_t)t->st.epoch : 0;
    return t ? t->history : NULL;
}

void gf_trainer_get_state(const gf_trainer *t, gf_trainer_state *out)
{
    if (t && out) *out = t->st;
}

static gf_status reserve_history(gf_trainer *t, size_t n)
{
    if (n <= t->cap_history) return GF_OK;
    size_t cap = t->cap_history ? 2 * t->cap_history : 16;
    if (cap < n) cap = n;
    gf_epoch_report *h = realloc(t->history, cap * sizeof *h);
    if (!h) return gf__fail(GF_ERR_NOMEM, "trainer: out of memory for the history");
    t->history = h;
    t->cap_history = cap;
    return GF_OK;
}

gf_status gf_trainer_restore(gf_trainer *t, const gf_trainer_state *s,
                             const gf_epoch_report *history, size_t n)
{
    if (!t || !s || (n && !history)) return gf__fail(GF_ERR_ARG, "trainer restore: NULL argument");
    if (s->epoch < 0 || s->epoch > t->o.epochs)
        return gf__fail(GF_ERR_ARG, "trainer restore: epoch %d is outside 0..%d", s->epoch, t->o.epochs);
    if (n != (size_t)s->epoch)
        return gf__fail(GF_ERR_ARG, "trainer restore: %zu history rows for %d epochs", n, s->epoch);
    if (s->best_epoch < 0 || s->best_epoch > s->epoch || s->bad_epochs < 0 || s->bad_epochs > s->epoch)
        return gf__fail(GF_ERR_ARG, "trainer restore: best epoch %d or epochs since it %d do not fit "
                        "%d epochs", s->best_epoch, s->bad_epochs, s->epoch);
    if (reserve_history(t, n) != GF_OK) return GF_ERR_NOMEM;
    if (n) memcpy(t->history, history, n * sizeof *history);
    t->st = *s;
    return GF_OK;
}

/* Where a non-finite loss or gradient came from, for the message. */
static void describe_first_bad(const gf_model *m, char *buf, size_t size)
{
    int in_grad = 0;
    gf_node bad = gf_first_nonfinite(m->ws, m->loss, 1, &in_grad);
    if (bad == GF_NONE) {
        snprintf(buf, size, "no single node holds it");
        return;
    }
    /* Ops are unnamed; the parameters they read (W2, bn1.scale) say which
     * layer it is. */
    const gf_nodeinfo *n = gf__node(m->g, bad);
    char inputs[96] = "";
    size_t used = 0;
    for (int i = 0; i < n->n_in && used < sizeof inputs; i++) {
        const char *name = gf_node_name(m->g, n->in[i]);
        if (*name)
            used += (size_t)snprintf(inputs + used, sizeof inputs - used, "%s'%s'",
                                     used ? " and " : " of ", name);
    }
    const char *name = gf_node_name(m->g, bad);
    snprintf(buf, size, "the first non-finite %s is at node %d (%s%s%s%s%s)",
             in_grad ? "gradient, in backward order," : "value", (int)bad,
             gf_op_name(n->op), *name ? " '" : "", name, *name ? "'" : "", inputs);
}

static gf_status diverged(gf_trainer *t, int epoch, size_t batch, float lr, bool in_loss)
{
    gf_model *m = t->m;
    float loss = gf_value(m->ws, m->loss)[0];
    char where[256];
    describe_first_bad(m, where, sizeof where);
    return gf__fail(GF_ERR_NUMERIC, "fit: the %s became %s at epoch %d, step %llu (batch %zu of "
                    "the epoch; learning rate %g): %s.  Training stopped before applying that "
                    "step, so the weights are the last good ones; a smaller learning rate or "
                    "gradient clipping may help",
                    in_loss ? "loss" : "gradient",
                    in_loss ? (isnan(loss) ? "NaN" : "infinite") : "non-finite", epoch,
                    (unsigned long long)t->st.step + 1, batch, lr, where);
}

/* Running statistics change during the forward pass; keep them to undo a
 * diverged step. */
static void keep_buffers(gf_trainer *t, bool restore)
{
    const gf_model *m = t->m;
    float *w = gf_params(m->g);
    for (int i = 0; i < m->n_inits; i++) {
        const gf_param_init *pi = &m->inits[i];
        if (pi->role != GF_PARAM_FROZEN) continue;
        size_t at = gf_param_offset(m->g, pi->node), n = gf_node_size(m->g, pi->node);
        if (restore) memcpy(w + at, t->buffers + at, n * sizeof(float));
        else memcpy(t->buffers + at, w + at, n * sizeof(float));
    }
}

/* One minibatch: forward, backward, checks, update. */
static gf_status train_batch(gf_trainer *t, int epoch, size_t batch, float lr, double *grad_norm)
{
    gf_model *m = t->m;
    keep_buffers(t, false);
    gf_status s = gf_forward(m->ws, m->loss);
    if (s != GF_OK) return s;
    float loss = gf_value(m->ws, m->loss)[0];
    if (!isfinite(loss)) {
        keep_buffers(t, true); /* first, so the report does not blame them */
        return diverged(t, epoch, batch, lr, true);
    }
    s = gf_backward(m->ws, m->loss);
    if (s != GF_OK) return s;
    /* The step reads the gradient anyway, and refuses (changing nothing)
     * if any of it is not finite; only then is the bad node looked for. */
    s = gf_optimizer_step(t->opt, gf_params(m->g), gf_param_grads(m->ws), lr, grad_norm);
    if (s == GF_ERR_NUMERIC) {
        keep_buffers(t, true);
        s = diverged(t, epoch, batch, lr, false);
    }
    return s;
}

/* Shuffle from the identity each epoch, so the order depends on the
 * generator's state alone (what a checkpoint saves), not on past orders. */
static gf_status epoch_order(gf_trainer *t, size_t rows)
{
    if (rows > INT32_MAX)
        return gf__fail(GF_ERR_ARG, "fit: %zu training rows; at most %d are supported", rows, INT32_MAX);
    if (t->order_rows != rows) {
        int32_t *o = realloc(t->order, rows * sizeof *o);
        if (!o) return gf__fail(GF_ERR_NOMEM, "fit: out of memory for the shuffling order");
        t->order = o;
        t->order_rows = rows;
    }
    for (size_t i = 0; i < rows; i++) t->order[i] = (int32_t)i;
    if (t->o.shuffle) gf_rng_shuffle(&t->st.rng, t->order, rows);
    return GF_OK;
}

static gf_status train_epoch(gf_trainer *t, const gf_dataset *train, int epoch, gf_epoch_report *r)
{
    gf_model *m = t->m;
    const gf_fit_opts *o = &t->o;
    size_t rows = gf_dataset_rows(train), correct = 0, judged = 0, batch = 0;
    /* With batch norm a last batch of one row would train nothing: leave
     * that row out of this epoch (a different one each epoch), as
     * PyTorch's drop_last does for the whole last batch. */
    if (rows > 1 && rows % (size_t)o->batch_size == 1 && t->batchnorm) rows--;
    double start = now_seconds(), loss_sum = 0, grad_norm = NAN;
    float lr = o->optim.lr;
    gf_status s = epoch_order(t, rows);
    if (s != GF_OK) return s;
    gf_set_training(m->ws, 1, &t->st.rng);
    for (size_t first = 0; first < rows; first += (size_t)o->batch_size) {
        int b = gf__batch_at(rows, first, o->batch_size);
        lr = gf_schedule_lr(&o->optim, epoch - 1, t->st.step);
        gf_set_batch(m->ws, b);
        gf__gather(m, train, t->order + first, 0, b);
        /* Only the epoch's last norm is reported: spare the other steps
         * that pass over the gradient (clipping computes it anyway). */
        bool last = first + (size_t)b >= rows;
        s = train_batch(t, epoch, ++batch, lr, last ? &grad_norm : NULL);
        if (s != GF_OK) break;
        t->st.step++;
        loss_sum += (double)gf_value(m->ws, m->loss)[0] * b;
        gf__count_correct(m, b, &correct, &judged);
        if (o->on_progress) {
            size_t done = first + (size_t)b;
            gf_progress pr = {.epoch = epoch, .epochs = o->epochs, .done = done, .rows = rows,
                              .loss = loss_sum / (double)done, .seconds = now_seconds() - start};
            o->on_progress(&pr, o->user);
        }
    }
    gf_set_training(m->ws, 0, NULL);
    *r = (gf_epoch_report){
        .epoch = epoch, .loss = loss_sum / (double)rows, .train_accuracy = ratio(correct, judged),
        .valid_loss = NAN, .valid_accuracy = NAN, .seconds = now_seconds() - start,
        .learning_rate = lr, .grad_norm = grad_norm};
    r->samples_per_second = (double)rows / r->seconds;
    return s;
}

/* After the validation pass: is this the best epoch, and has patience run
 * out?  The best weights are copied only when early stopping is on. */
static void judge_epoch(gf_trainer *t, gf_epoch_report *r)
{
    gf_trainer_state *st = &t->st;
    if (isnan(r->valid_loss)) return;
    if (r->valid_loss < st->best_loss - t->o.min_delta) {
        st->best_loss = r->valid_loss;
        st->best_epoch = r->epoch;
        st->bad_epochs = 0;
        r->best = 1;
        if (t->best) memcpy(t->best, gf_params(t->m->g), gf_param_count(t->m->g) * sizeof(float));
    } else {
        st->bad_epochs++;
        if (t->o.patience > 0 && st->bad_epochs >= t->o.patience) st->stopped = 1;
    }
}

gf_status gf_trainer_fit(gf_trainer *t, const gf_dataset *train, const gf_dataset *valid)
{
    if (!t) return gf__fail(GF_ERR_ARG, "fit: trainer is NULL");
    gf_model *m = t->m;
    gf_status s = gf__check_data(m, train, "training");
    if (s == GF_OK && valid) s = gf__check_data(m, valid, "validation");
    if (s == GF_OK && t->o.patience > 0 && !valid)
        s = gf__fail(GF_ERR_ARG, "fit: early stopping (patience %d) needs validation data",
                     t->o.patience);
    if (s == GF_OK && gf_dataset_rows(train) == 0) s = gf__fail(GF_ERR_ARG, "fit: no training rows");
    if (s != GF_OK) return s;

    bool user_stop = false;
    while (s == GF_OK && !user_stop && !t->st.stopped && t->st.epoch < t->o.epochs) {
        int epoch = t->st.epoch + 1;
        gf_epoch_report r;
        s = train_epoch(t, train, epoch, &r);
        if (s == GF_OK && valid) s = gf_model_evaluate(m, valid, &r.valid_loss, &r.valid_accuracy);
        if (s != GF_OK) break;
        s = reserve_history(t, (size_t)epoch);
        if (s != GF_OK) break;
        judge_epoch(t, &r);
        t->history[t->st.epoch] = r;
        t->st.epoch = epoch;
        if (t->o.on_epoch && t->o.on_epoch(&r, t->o.user)) user_stop = true;
    }
    /* The run is over (not merely paused by the caller): early stopping
     * hands back the best epoch's weights. */
    bool over = t->st.stopped || t->st.epoch >= t->o.epochs;
    if (s == GF_OK && over && t->best && t->st.best_epoch > 0)
        memcpy(gf_params(m->g), t->best, gf_param_count(m->g) * sizeof(float));
    return s;
}

gf_status gf_model_fit(gf_model *m, const gf_dataset *train, const gf_dataset *valid,
                       const gf_fit_opts *o)
{
    gf_trainer *t;
    gf_status s = trainer_create(m, o, &t);
    if (s != GF_OK) return s;
    s = gf_trainer_fit(t, train, valid);
    /* The next fit draws on from where this one stopped. */
    m->rng = t->st.rng;
    gf_trainer_free(t);
    return s;
}
