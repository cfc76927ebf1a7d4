/* What grafo train does while training: a progress bar on a terminal, and
 * after every epoch a line on stderr and the checkpoint, history and plot
 * files, each written atomically so that a run killed at any moment leaves
 * the last complete ones. */
#include <math.h>
#include <stdlib.h>

#include "train.h"

/* "[#######.....] epoch 3/10  loss 0.4312  12 s left", redrawn in place at
 * most ten times a second. */
void train_draw_bar(const gf_progress *g, void *user)
{
    train_run *run = user;
    if (!run->tty || run->o->quiet) return;
    if (g->done < g->rows && g->seconds - run->last_draw < 0.1) return;
    run->last_draw = g->done < g->rows ? g->seconds : -1;
    double frac = (double)g->done / (double)g->rows;
    double per_epoch = frac > 0 ? g->seconds / frac : 0;
    double left = per_epoch * (1 - frac) + per_epoch * (g->epochs - g->epoch);
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    fprintf(stderr, "\r[%s] epoch %d/%d  loss %.4f  %.0f s left  ", bar, g->epoch, g->epochs,
            g->loss, left);
    fflush(stderr);
}

static void print_epoch(const train_run *run, const gf_epoch_report *r)
{
    if (run->tty) fputs("\r\033[K", stderr);
    fprintf(stderr, "epoch %d  loss %.6f", r->epoch, r->loss);
    if (!isnan(r->train_accuracy)) fprintf(stderr, "  accuracy %.4f", r->train_accuracy);
    if (!isnan(r->valid_loss)) fprintf(stderr, "  valid loss %.6f", r->valid_loss);
    if (!isnan(r->valid_accuracy)) fprintf(stderr, "  valid accuracy %.4f", r->valid_accuracy);
    fprintf(stderr, "  lr %.4g  %.2f s%s\n", r->learning_rate, r->seconds,
            r->best ? "  *" : "");
}

/* The per-epoch files; false after a message if one cannot be written. */
static bool write_files(train_run *run)
{
    size_t n = 0;
    const gf_epoch_report *h = gf_trainer_history(run->trainer, &n);
    const train_opts *o = run->o;
    gf_status s = GF_OK;
    const char *what = NULL;
    if (o->checkpoint && (s = gf_checkpoint_save(run->pipe, run->trainer, run->checkpoint_to)))
        what = "--checkpoint";
    if (!s && o->history && (s = gf_history_write_csv(run->history_to, h, n)))
        what = "--history";
    if (!s && o->plot && (s = gf_history_write_svg(run->plot_to, h, n, run->title)))
        what = "--plot";
    if (!s) return true;
    if (run->tty) fputs("\r\033[K", stderr);
    fprintf(stderr, "grafo train: %s: %s\n", what, gf_errmsg());
    return false;
}

int train_epoch_done(const gf_epoch_report *r, void *user)
{
    train_run *run = user;
    run->last_draw = 0;
    if (!run->o->quiet) print_epoch(run, r);
    if (!write_files(run)) {
        run->rc = EXIT_OUTPUT;
        return 1; /* stop: a run whose checkpoint cannot be kept is not worth going on with */
    }
    return 0;
}

/* A number into o under key, unless it is NaN. */
static void put_number(json_t *o, const char *key, double v)
{
    if (!isnan(v)) json_object_set_new(o, key, json_real(v));
}

json_t *train_history_json(const gf_epoch_report *h, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        const gf_epoch_report *r = &h[i];
        json_t *e = json_pack("{s:i}", "epoch", r->epoch);
        if (!e) continue;
        put_number(e, "loss", r->loss);
        put_number(e, "accuracy", r->train_accuracy);
        put_number(e, "valid_loss", r->valid_loss);
        put_number(e, "valid_accuracy", r->valid_accuracy);
        put_number(e, "learning_rate", r->learning_rate);
        put_number(e, "grad_norm", r->grad_norm);
        put_number(e, "seconds", r->seconds);
        put_number(e, "samples_per_second", r->samples_per_second);
        if (!isnan(r->valid_loss)) json_object_set_new(e, "best", json_boolean(r->best));
        json_array_append_new(a, e);
    }
    return a;
}
