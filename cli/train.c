/* grafo train: a network of dense layers, new (--layers), continued from a
 * saved model (--model) or resumed from a checkpoint (--resume), trained by
 * the library's trainer with the optimiser, schedule and regularisers of
 * the command line (train_opts.c), reporting and saving after every epoch
 * (train_epoch.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "train.h"

/* Settings are doubles: seeds up to 2^53 are recorded exactly, which a
 * resumed run needs to draw the same hold-out. */
#define MAX_RECORDED_SEED ((uint64_t)1 << 53)

/* ---------------------------------------------------------------- data -- */

/* The rows idx[0..n) of t as a float dataset for the network. */
static gf_dataset *dataset_of(const table *t, const size_t *idx, size_t n, int classes)
{
    float *x = malloc((n ? n : 1) * t->p * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
    gf_dataset *ds = NULL;
    if (x && y) {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < t->p; j++) x[i * t->p + j] = (float)t->x[idx[i] * t->p + j];
            y[i] = t->label ? (float)t->label[idx[i]] : (float)t->y[idx[i]];
        }
        ds = gf_dataset_new(n, t->p, x, 1, y, classes);
    }
    free(x);
    free(y);
    return ds;
}

/* ------------------------------------------------------------- outputs -- */

/* Whether two paths name one file (or, for files not made yet, are the
 * same text once resolved). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    return strcmp(a, b) == 0;
}

/* Every output checked before any work, so a network is never trained
 * only to be lost: writable, not an input, not another output.  The
 * checkpoint may be the file --resume reads: the run then goes on
 * updating it. */
static int check_outputs(const train_opts *o, train_run *run, char *save_to, size_t size)
{
    struct {
        const char *opt, *path;
        char *to;
        size_t size;
    } out[] = {
        {"--save", o->save, save_to, size},
        {"--checkpoint", o->checkpoint, run->checkpoint_to, sizeof run->checkpoint_to},
        {"--history", o->history, run->history_to, sizeof run->history_to},
        {"--plot", o->plot, run->plot_to, sizeof run->plot_to},
    };
    const size_t n = sizeof out / sizeof out[0];
    for (size_t i = 0; i < n; i++) {
        if (!out[i].path) continue;
        int rc = output_check("train", out[i].opt, out[i].path, false, out[i].to, out[i].size);
        if (rc == EXIT_OK) rc = output_not_input("train", out[i].opt, out[i].path, &o->data, o->model);
        if (rc != EXIT_OK) return rc;
        if (o->resume && i != 1 && same_file(out[i].path, o->resume)) {
            fprintf(stderr, "grafo train: %s %s is the --resume file; writing it would destroy "
                    "the checkpoint (choose another name)\n", out[i].opt, out[i].path);
            return EXIT_USAGE;
        }
        for (size_t j = 0; j < i; j++)
            if (out[j].path && same_file(out[j].to, out[i].to)) {
                fprintf(stderr, "grafo train: %s and %s are both %s; give each its own file\n",
                        out[j].opt, out[i].opt, out[i].path);
                return EXIT_USAGE;
            }
    }
    return EXIT_OK;
}

/* ------------------------------------------------------------ networks -- */

/* What to train, before any data are read: a checkpoint's network and
 * trainer (--resume), a saved network (--model), or the architecture of
 * --layers with the regulariser flags. */
static int network_source(const train_opts *o, gf_arch *arch, gf_pipeline **pipe,
                          gf_trainer **trainer)
{
    if (o->resume) {
        if (gf_checkpoint_load(o->resume, pipe, trainer) != GF_OK) return fail("train", EXIT_MODEL);
        if (!o->layers) return EXIT_OK;
        /* --layers with --resume must say what the checkpoint holds. */
        gf_arch given = { 0 };
        char a[8192], b[8192];
        if (gf_arch_parse(o->layers, &given) != GF_OK) return fail("train", EXIT_USAGE);
        bool same = gf_arch_format(&given, a, sizeof a) == GF_OK &&
                    gf_arch_format(gf_pipeline_arch(*pipe), b, sizeof b) == GF_OK &&
                    strcmp(a, b) == 0;
        gf_arch_free(&given);
        if (!same) {
            fprintf(stderr, "grafo train: --layers %s differs from the checkpoint's layers %s "
                    "(%s)\n", a, b, o->resume);
            return EXIT_USAGE;
        }
        return EXIT_OK;
    }
    if (o->model) {
        if (gf_pipeline_load(o->model, pipe) != GF_OK) return fail("train", EXIT_MODEL);
        if (gf_pipeline_kind(*pipe) != GF_KIND_NETWORK) {
            fprintf(stderr, "grafo train: %s holds a %s model, not a network\n", o->model,
                    gf_kind_name(gf_pipeline_kind(*pipe)));
            return EXIT_MODEL;
        }
        return EXIT_OK;
    }
    if (gf_arch_parse(o->layers, arch) != GF_OK) return fail("train", EXIT_USAGE);
    return apply_arch_flags(o, arch);
}

/* The recorded settings a resumed run needs: the seed and the hold-out. */
static int resumed_settings(const train_opts *o, const gf_pipeline *p, uint64_t *seed,
                            double *valid)
{
    double s = gf_pipeline_setting(p, "seed"), v = gf_pipeline_setting(p, "valid");
    if (!(s >= 0 && s <= (double)MAX_RECORDED_SEED && s == floor(s)) || !(v >= 0 && v <= 0.9)) {
        fprintf(stderr, "grafo train: %s records no seed and hold-out fraction as 'grafo train "
                "--checkpoint' does (settings 'seed' and 'valid'), so its data cannot be split "
                "as before\n", o->resume);
        return EXIT_MODEL;
    }
    *seed = (uint64_t)s;
    *valid = v;
    return EXIT_OK;
}

/* A new network for `inputs` features that fits the data's classes,
 * compiled and initialised. */
static int network_new(const gf_arch *arch, const table *t, uint64_t seed, long batch,
                       gf_model **m)
{
    int outs = arch->layers[arch->n - 1].units;
    if (arch->loss == GF_LOSS_SOFTMAX_XENT && (size_t)outs != t->nclasses) {
        fprintf(stderr, "grafo train: the output layer has %d units, the data have %zu "
                "classes\n", outs, t->nclasses);
        return EXIT_USAGE;
    }
    if (arch->loss == GF_LOSS_BCE_LOGITS && t->nclasses != 2) {
        fprintf(stderr, "grafo train: a sigmoid output takes two classes; the data have %zu "
                "(use softmax)\n", t->nclasses);
        return EXIT_USAGE;
    }
    *m = gf_model_from_arch((int)t->p, arch);
    if (!*m) return fail("train", EXIT_USAGE);
    if (gf_model_compile(*m, (int)batch, seed) != GF_OK) return fail("train", EXIT_FIT);
    return EXIT_OK;
}

/* The pipeline around a new network (taken, even on failure). */
static int pipeline_new(const table *t, const gf_scaler *scaler, int nclass, gf_model *m,
                        const gf_arch *arch, gf_pipeline **out)
{
    gf_pipeline *p = gf_pipeline_new(GF_KIND_NETWORK);
    gf_status s = p ? (t->terms ? gf_pipeline_set_terms(p, t->terms)
                                : gf_pipeline_set_inputs(p, t->p))
                    : GF_ERR_NOMEM;
    if (s == GF_OK && scaler) s = gf_pipeline_set_scaler(p, scaler);
    if (s == GF_OK && nclass)
        s = gf_pipeline_set_classes(p, (const char *const *)t->classes, t->nclasses);
    if (s == GF_OK) s = gf_pipeline_set_network(p, m, arch);
    else gf_model_free(m);
    if (s != GF_OK) {
        gf_pipeline_free(p);
        return fail("train", EXIT_FIT);
    }
    *out = p;
    return EXIT_OK;
}

/* The scaling: the saved one, or fitted on the training rows only; then
 * applied to every row. */
static int scale_rows(const train_opts *o, const gf_pipeline *from, const gf_split *split,
                      table *t, gf_scaler **scaler)
{
    gf_status s = GF_OK;
    const gf_scaler *saved = from ? gf_pipeline_scaler(from) : NULL;
    if (saved) {
        s = gf_scaler_new(saved->kind, t->p, saved->shift, saved->scale, scaler);
    } else if (!from && o->scale != GF_SCALE_NONE) {
        double *xt = malloc(split->n_train * t->p * sizeof *xt);
        for (size_t i = 0; xt && i < split->n_train; i++)
            memcpy(xt + i * t->p, t->x + split->train[i] * t->p, t->p * sizeof *xt);
        s = xt ? gf_scaler_fit(o->scale, xt, split->n_train, t->p, scaler) : GF_ERR_NOMEM;
        free(xt);
    }
    if (s == GF_OK && *scaler) s = gf_scaler_apply(*scaler, t->x, t->n, t->p);
    return s == GF_OK ? EXIT_OK : fail("train", EXIT_DATA);
}

/* A trainer for a new or saved network: the command line's options, the
 * batch never larger than the training rows. */
static int trainer_new(const train_opts *o, gf_pipeline *pipe, size_t rows, gf_trainer **out)
{
    gf_fit_opts f = GF_FIT_OPTS_DEFAULT;
    f.epochs = (int)o->epochs;
    long batch = o->batch < (long)rows ? o->batch : (long)rows;
    f.batch_size = (int)(batch < 1 ? 1 : batch);
    f.optim = o->optim;
    f.patience = (int)o->patience;
    f.min_delta = o->min_delta;
    gf_model *m = gf_pipeline_network(pipe);
    /* A saved network comes compiled for prediction's batches. */
    if (o->model && gf_model_set_max_batch(m, f.batch_size) != GF_OK) return fail("train", EXIT_FIT);
    *out = gf_trainer_new(m, &f);
    return *out ? EXIT_OK : fail("train", EXIT_FIT);
}

/* --epochs with --resume: train on to it (never back). */
static int extend_epochs(const train_opts *o, gf_trainer *t)
{
    if (!o->epochs_given) return EXIT_OK;
    if (o->epochs < gf_trainer_epoch(t)) {
        fprintf(stderr, "grafo train: %s has %d epochs done; --epochs %ld would undo some\n",
                o->resume, gf_trainer_epoch(t), o->epochs);
        return EXIT_USAGE;
    }
    return gf_trainer_set_epochs(t, (int)o->epochs) == GF_OK ? EXIT_OK : fail("train", EXIT_USAGE);
}

/* "grafo train: 4 inputs, 16:relu,3:softmax; 131 parameters; 120
 * training rows, 30 validation rows", then the optimiser's line. */
static void print_header(const train_opts *o, const table *t, gf_pipeline *pipe,
                         const gf_split *split, gf_trainer *tr)
{
    char spec[8192] = "?";
    gf_arch_format(gf_pipeline_arch(pipe), spec, sizeof spec);
    fprintf(stderr, "grafo train: %zu inputs, %s; %zu parameters; %zu training rows", t->p, spec,
            gf_param_count(gf_model_graph(gf_pipeline_network(pipe))), split->n_train);
    if (split->n_valid) fprintf(stderr, ", %zu validation rows", split->n_valid);
    const gf_fit_opts *f = gf_trainer_opts(tr);
    fprintf(stderr, "\ngrafo train: %s, lr %g, %s schedule, batch %d", gf_optim_name(f->optim.kind),
            f->optim.lr, gf_schedule_name(f->optim.schedule), f->batch_size);
    if (f->patience) fprintf(stderr, ", early stopping after %d epochs", f->patience);
    if (o->resume)
        fprintf(stderr, "; resuming %s after epoch %d of %d\n", o->resume, gf_trainer_epoch(tr),
                f->epochs);
    else
        fprintf(stderr, ", %d epochs\n", f->epochs);
}

/* What a finished run says: early stopping, the best epoch. */
static void print_end(gf_trainer *tr)
{
    gf_trainer_state st;
    gf_trainer_get_state(tr, &st);
    const gf_fit_opts *f = gf_trainer_opts(tr);
    if (st.stopped)
        fprintf(stderr, "grafo train: early stopping after epoch %d: no better validation loss "
                "for %d epochs; the weights are epoch %d's\n", st.epoch, f->patience,
                st.best_epoch);
    else if (f->patience && st.best_epoch)
        fprintf(stderr, "grafo train: the weights are epoch %d's, the best validation loss\n",
                st.best_epoch);
}

/* What the file records of the run; seed, valid and rows are what a
 * resumed run needs to hold out the same rows. */
static void record_settings(gf_pipeline *p, gf_trainer *tr, uint64_t seed, double valid,
                            size_t rows)
{
    const gf_fit_opts *f = gf_trainer_opts(tr);
    gf_pipeline_set_setting(p, "epochs", f->epochs);
    gf_pipeline_set_setting(p, "lr", f->optim.lr);
    gf_pipeline_set_setting(p, "batch", f->batch_size);
    gf_pipeline_set_setting(p, "seed", (double)seed);
    gf_pipeline_set_setting(p, "valid", valid);
    gf_pipeline_set_setting(p, "rows", (double)rows);
}

/* A resumed run must see the rows it was trained on: other data would
 * train on silently, but not as the run it continues. */
static int same_rows(const train_opts *o, const gf_pipeline *p, const table *t)
{
    double rows = gf_pipeline_setting(p, "rows");
    if (isnan(rows) || rows == (double)t->n) return EXIT_OK;
    fprintf(stderr, "grafo train: %s was trained on data of %.0f rows; %s has %zu (resume with "
            "the same data)\n", o->resume, rows, t->source, t->n);
    return EXIT_DATA;
}

static json_t *result_json(gf_trainer *tr)
{
    size_t n = 0;
    const gf_epoch_report *h = gf_trainer_history(tr, &n);
    double seconds = 0;
    for (size_t i = 0; i < n; i++) seconds += h[i].seconds;
    gf_trainer_state st;
    gf_trainer_get_state(tr, &st);
    json_t *j = json_pack("{s:o, s:f, s:i}", "history", train_history_json(h, n), "seconds",
                          seconds, "epochs", st.epoch);
    if (j && st.best_epoch) json_object_set_new(j, "best_epoch", json_integer(st.best_epoch));
    if (j) json_object_set_new(j, "stopped_early", json_boolean(st.stopped));
    return j;
}

int cmd_train(int argc, char **argv)
{
    train_opts o;
    int rc = train_parse(argc, argv, &o);
    if (rc >= 0) return rc;
    train_run run = { .o = &o, .tty = isatty(2) };
    char save_to[4096];
    if ((rc = check_outputs(&o, &run, save_to, sizeof save_to)) != EXIT_OK) return rc;
    if (o.checkpoint && o.seed > MAX_RECORDED_SEED) {
        fprintf(stderr, "grafo train: --checkpoint records the seed, which must then be at most "
                "2^53 (%llu)\n", (unsigned long long)MAX_RECORDED_SEED);
        return EXIT_USAGE;
    }
    gf_set_threads((int)o.threads);

    gf_arch arch = { 0 };
    gf_pipeline *pipe = NULL;
    gf_trainer *tr = NULL;
    gf_scaler *scaler = NULL;
    gf_split *split = NULL;
    gf_dataset *train = NULL, *valid = NULL;
    table t = { 0 };
    uint64_t seed = o.seed;
    double valid_frac = o.valid;

    /* The network first: a spec or file that is wrong fails before any data are read. */
    rc = network_source(&o, &arch, &pipe, &tr);
    if (rc == EXIT_OK && o.resume) rc = resumed_settings(&o, pipe, &seed, &valid_frac);
    bool classes = pipe ? gf_pipeline_nclasses(pipe) > 0 : arch.loss != GF_LOSS_MSE;
    if (rc == EXIT_OK)
        rc = pipe ? table_load_for("train", &o.data, pipe, true, &t)
                  : table_load("train", &o.data, classes, &t);
    if (rc == EXIT_OK && o.resume) rc = same_rows(&o, pipe, &t);

    /* Hold out a validation set, then scale by the training rows only. */
    if (rc == EXIT_OK) {
        gf_split_opts so = GF_SPLIT_OPTS_DEFAULT;
        so.valid = valid_frac;
        so.test = 0;
        so.seed = seed;
        so.label = t.label;
        so.nclasses = t.nclasses;
        if (gf_split_new(t.n, &so, &split) != GF_OK) rc = fail("train", EXIT_DATA);
    }
    if (rc == EXIT_OK) rc = scale_rows(&o, pipe, split, &t, &scaler);
    int nclass = classes ? (int)t.nclasses : 0;
    if (rc == EXIT_OK) {
        train = dataset_of(&t, split->train, split->n_train, nclass);
        valid = split->n_valid ? dataset_of(&t, split->valid, split->n_valid, nclass) : NULL;
        if (!train || (split->n_valid && !valid)) rc = fail("train", EXIT_DATA);
    }
    if (rc == EXIT_OK && !pipe) {
        gf_model *m = NULL;
        /* Buffers are sized for the largest batch: never more rows than the data. */
        long batch = o.batch < (long)split->n_train ? o.batch : (long)split->n_train;
        rc = network_new(&arch, &t, seed, batch < 1 ? 1 : batch, &m);
        if (rc == EXIT_OK) rc = pipeline_new(&t, scaler, nclass, m, &arch, &pipe);
        else gf_model_free(m);
    }
    if (rc == EXIT_OK && !tr) rc = trainer_new(&o, pipe, split->n_train, &tr);
    if (rc == EXIT_OK && o.resume) rc = extend_epochs(&o, tr);

    gf_status s = GF_OK;
    if (rc == EXIT_OK) {
        record_settings(pipe, tr, seed, valid_frac, t.n);
        run.pipe = pipe;
        run.trainer = tr;
        char spec[8192] = "", title[sizeof spec + sizeof t.source + 8];
        gf_arch_format(gf_pipeline_arch(pipe), spec, sizeof spec);
        snprintf(title, sizeof title, "%s on %s", spec, t.source);
        run.title = title;
        gf_trainer_set_callbacks(tr, train_epoch_done, train_draw_bar, &run);
        print_header(&o, &t, pipe, split, tr);
        if (gf_trainer_stopped(tr))
            fprintf(stderr, "grafo train: early stopping ended this run; nothing to train\n");
        s = gf_trainer_fit(tr, train, valid);
        if (run.tty) fputs("\r\033[K", stderr);
        if (s != GF_OK) {
            fprintf(stderr, "grafo train: training on %s: %s\n", t.source, gf_errmsg());
            rc = EXIT_FIT;
        } else if (run.rc != EXIT_OK) {
            rc = run.rc;
        } else {
            print_end(tr);
        }
        run.title = NULL; /* title goes out of scope */
    }
    if (rc == EXIT_OK && o.save) {
        /* GF_ERR_ARG: a name or level that is not UTF-8, the data's fault. */
        if ((s = gf_pipeline_save(pipe, save_to)) != GF_OK)
            rc = fail("train", s == GF_ERR_ARG ? EXIT_DATA : EXIT_OUTPUT);
        else fprintf(stderr, "grafo train: saved the network to %s\n", o.save);
    }
    if (rc == EXIT_OK && o.json) print_json(result_json(tr));

    gf_trainer_free(tr); /* before the network it trains */
    gf_pipeline_free(pipe);
    gf_arch_free(&arch);
    gf_scaler_free(scaler);
    gf_split_free(split);
    gf_dataset_free(train);
    gf_dataset_free(valid);
    table_free(&t);
    return rc;
}
