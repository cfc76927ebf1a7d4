/* grafo train: a network of dense layers, trained by minibatch SGD, with a
 * progress bar on a terminal and one line per epoch otherwise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"

typedef struct train_opts {
    data_opts data;
    const char *layers, *save, *init;
    long epochs, batch, threads;
    double lr, decay, valid;
    uint64_t seed;
    gf_scaling scale;
    bool json, quiet;
    const char *given[ARG_CODES]; /* each option's value as given, "" for a flag */
} train_opts;

static void train_usage(FILE *f)
{
    fprintf(f,
            "usage: grafo train --layers SPEC [options]\n"
            "Train a network of dense layers by minibatch SGD; --save keeps it for\n"
            "'grafo predict' and 'grafo eval'.\n"
            "\n" DATA_HELP
            "network:\n"
            "  --layers SPEC     the layers after the inputs, UNITS:ACTIVATION joined by\n"
            "                    commas, e.g. 512:relu,10:softmax.  Hidden activations:\n"
            "                    identity, sigmoid, tanh, relu, leaky_relu, elu, softplus,\n"
            "                    hardtanh.  The last layer chooses the loss: softmax (classes,\n"
            "                    cross-entropy), sigmoid (two classes, binary cross-entropy)\n"
            "                    or identity (regression, mean squared error)\n"
            "  --model FILE      start from a saved network's weights instead (its layers)\n"
            "training:\n"
            "  --epochs N        passes over the training rows [10]\n"
            "  --batch N         minibatch size; 1 is online SGD [64]\n"
            "  --lr X            learning rate [0.1]\n"
            "  --decay X         1/t decay: lr / (1 + X t) at step t [0]\n"
            "  --valid F         hold out this fraction of the rows (stratified for classes)\n"
            "                    and report its loss and accuracy each epoch [0]\n"
            "  --scale KIND      none, standard or minmax, fitted on the training rows [standard]\n"
            "  --seed N          initial weights, shuffling and the hold-out [1]\n"
            "common:\n"
            "  --save FILE       write the trained network (safetensors)\n"
            "  --json            print the per-epoch history as JSON at the end\n"
            "  --quiet           no progress bar or per-epoch lines\n"
            "  --threads N       threads; 0 = one per core [0]\n"
            "  --help            this text\n");
}

enum { OPT_LAYERS = 1, OPT_MODEL, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_DECAY, OPT_VALID,
       OPT_SCALE, OPT_SEED, OPT_SAVE, OPT_JSON, OPT_QUIET, OPT_THREADS, OPT_HELP };

static int parse(int argc, char **argv, train_opts *o)
{
    static const struct option longs[] = {
        DATA_LONG_OPTIONS,
        {"layers", required_argument, NULL, OPT_LAYERS},
        {"model", required_argument, NULL, OPT_MODEL},
        {"epochs", required_argument, NULL, OPT_EPOCHS},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"lr", required_argument, NULL, OPT_LR},
        {"decay", required_argument, NULL, OPT_DECAY},
        {"valid", required_argument, NULL, OPT_VALID},
        {"scale", required_argument, NULL, OPT_SCALE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"save", required_argument, NULL, OPT_SAVE},
        {"json", no_argument, NULL, OPT_JSON},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "train";
    bool bad = false;
    int c;
    arg_start();
    while (!bad && (c = arg_next(cmd, argc, argv, longs, OPT_HELP, DATA_OPT_FACTOR, o->given)) != -1) {
        const char *a = optarg;
        if (c == 0) {
            bad = true;
            break;
        }
        if (data_option(cmd, c, a, &o->data, &bad)) continue;
        switch (c) {
        case OPT_LAYERS: o->layers = a; break;
        case OPT_MODEL: o->init = a; break;
        case OPT_EPOCHS: bad = !arg_int(cmd, "--epochs", a, 1, 1000000, &o->epochs); break;
        case OPT_BATCH: bad = !arg_int(cmd, "--batch", a, 1, 1 << 20, &o->batch); break;
        case OPT_LR: bad = !arg_float(cmd, "--lr", a, 1e-12, 1e3, &o->lr); break;
        case OPT_DECAY: bad = !arg_float(cmd, "--decay", a, 0, 1e6, &o->decay); break;
        case OPT_VALID: bad = !arg_float(cmd, "--valid", a, 0, 0.9, &o->valid); break;
        case OPT_SCALE:
            if (gf_scaling_parse(a, &o->scale) != GF_OK) {
                fprintf(stderr, "grafo train: --scale: %s\n", gf_errmsg());
                bad = true;
            }
            break;
        case OPT_SEED: bad = !arg_u64(cmd, "--seed", a, &o->seed); break;
        case OPT_SAVE: o->save = a; break;
        case OPT_JSON: o->json = true; break;
        case OPT_QUIET: o->quiet = true; break;
        case OPT_THREADS: bad = !arg_int(cmd, "--threads", a, 0, 1024, &o->threads); break;
        case OPT_HELP: train_usage(stdout); return EXIT_OK;
        default:
            fprintf(stderr, "grafo train: unknown option '%s'\n", argv[optind - 1]);
            bad = true;
        }
    }
    if (!bad && optind < argc) {
        fprintf(stderr, "grafo train: unexpected argument '%s'\n", argv[optind]);
        bad = true;
    }
    if (!bad && (o->layers != NULL) == (o->init != NULL)) {
        fprintf(stderr, "grafo train: give --layers SPEC (a new network) or --model FILE (a "
                "saved one), not %s\n", o->layers ? "both" : "neither");
        bad = true;
    }
    if (!bad && o->init && o->given[OPT_SCALE]) {
        fprintf(stderr, "grafo train: --scale applies to a new network; %s keeps the scaling it "
                "was trained with\n", o->init);
        bad = true;
    }
    return bad ? EXIT_USAGE : -1;
}

/* ------------------------------------------------------------ progress -- */

typedef struct progress {
    bool tty, quiet;
    double last_draw;
    json_t *history;
    double seconds;         /* training time so far */
} progress;

/* "[#######.....] epoch 3/10  loss 0.4312  12 s left", redrawn in place at
 * most ten times a second. */
static void draw_bar(const gf_progress *g, void *user)
{
    progress *pg = user;
    if (!pg->tty || pg->quiet) return;
    if (g->done < g->rows && g->seconds - pg->last_draw < 0.1) return;
    pg->last_draw = g->done < g->rows ? g->seconds : -1;
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

static int epoch_done(const gf_epoch_report *r, void *user)
{
    progress *pg = user;
    pg->seconds += r->seconds;
    pg->last_draw = 0;
    if (!pg->quiet) {
        if (pg->tty) fputs("\r\033[K", stderr);
        fprintf(stderr, "epoch %d  loss %.6f", r->epoch, r->loss);
        if (!isnan(r->train_accuracy)) fprintf(stderr, "  accuracy %.4f", r->train_accuracy);
        if (!isnan(r->valid_loss)) fprintf(stderr, "  valid loss %.6f", r->valid_loss);
        if (!isnan(r->valid_accuracy)) fprintf(stderr, "  valid accuracy %.4f", r->valid_accuracy);
        fprintf(stderr, "  %.2f s\n", r->seconds);
    }
    json_t *e = json_pack("{s:i, s:f, s:f}", "epoch", r->epoch, "loss", r->loss, "seconds",
                          r->seconds);
    if (e && !isnan(r->train_accuracy))
        json_object_set_new(e, "accuracy", json_real(r->train_accuracy));
    if (e && !isnan(r->valid_loss)) json_object_set_new(e, "valid_loss", json_real(r->valid_loss));
    if (e && !isnan(r->valid_accuracy))
        json_object_set_new(e, "valid_accuracy", json_real(r->valid_accuracy));
    if (e) json_array_append_new(pg->history, e);
    return 0;
}

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

/* What to train: the architecture from --layers, or a saved network from
 * --model.  Checked before any data are read. */
static int network_source(const train_opts *o, gf_arch *arch, gf_pipeline **from)
{
    if (o->init) {
        if (gf_pipeline_load(o->init, from) != GF_OK) return fail("train", EXIT_MODEL);
        if (gf_pipeline_kind(*from) != GF_KIND_NETWORK) {
            fprintf(stderr, "grafo train: %s holds a %s model, not a network\n", o->init,
                    gf_kind_name(gf_pipeline_kind(*from)));
            return EXIT_MODEL;
        }
        return EXIT_OK;
    }
    return gf_arch_parse(o->layers, arch) == GF_OK ? EXIT_OK : fail("train", EXIT_USAGE);
}

/* A new network for `inputs` features, compiled and initialised. */
static int network_new(const train_opts *o, size_t inputs, long batch, const gf_arch *arch,
                       gf_model **m)
{
    *m = gf_model_from_arch((int)inputs, arch);
    if (!*m) return fail("train", EXIT_USAGE);
    if (gf_model_compile(*m, (int)batch, o->seed) != GF_OK) return fail("train", EXIT_FIT);
    return EXIT_OK;
}

int cmd_train(int argc, char **argv)
{
    train_opts o = { .epochs = 10, .batch = 64, .lr = 0.1, .seed = 1,
                     .scale = GF_SCALE_STANDARD };
    int rc = parse(argc, argv, &o);
    if (rc >= 0) return rc;
    /* Before training, so a network is never trained only to be lost. */
    char save_to[4096];
    if (o.save &&
        ((rc = output_check("train", "--save", o.save, false, save_to, sizeof save_to)) != EXIT_OK ||
         (rc = output_not_input("train", "--save", o.save, &o.data, NULL)) != EXIT_OK))
        return rc;
    gf_set_threads((int)o.threads);

    gf_arch arch = { 0 };
    gf_model *m = NULL;
    gf_pipeline *from = NULL, *pipe = NULL;
    gf_scaler *scaler = NULL;
    gf_split *split = NULL;
    gf_dataset *train = NULL, *valid = NULL;
    progress pg = { .tty = isatty(2), .quiet = o.quiet, .history = json_array() };
    table t = { 0 };

    /* The layers first: a spec that does not parse fails before any data are read. */
    rc = network_source(&o, &arch, &from);
    if (rc == EXIT_OK && from) {
        m = gf_pipeline_network(from);
        arch.loss = gf_pipeline_arch(from)->loss;
    }
    bool classes = from ? gf_pipeline_nclasses(from) > 0 : arch.loss != GF_LOSS_MSE;
    if (rc == EXIT_OK)
        rc = from ? table_load_for("train", &o.data, from, true, &t)
                  : table_load("train", &o.data, classes, &t);
    if (rc == EXIT_OK && !from) {
        int outs = arch.layers[arch.n - 1].units;
        if (arch.loss == GF_LOSS_SOFTMAX_XENT && (size_t)outs != t.nclasses) {
            fprintf(stderr, "grafo train: the output layer has %d units, the data have %zu "
                    "classes\n", outs, t.nclasses);
            rc = EXIT_USAGE;
        } else if (arch.loss == GF_LOSS_BCE_LOGITS && t.nclasses != 2) {
            fprintf(stderr, "grafo train: a sigmoid output takes two classes; the data have "
                    "%zu (use softmax)\n", t.nclasses);
            rc = EXIT_USAGE;
        } else {
            /* Buffers are sized for the largest batch: never more rows than the data. */
            rc = network_new(&o, t.p, o.batch < (long)t.n ? o.batch : (long)t.n, &arch, &m);
        }
    }

    /* Hold out a validation set, then fit the scaling on the training rows only. */
    gf_status s = GF_OK;
    if (rc == EXIT_OK) {
        gf_split_opts so = GF_SPLIT_OPTS_DEFAULT;
        so.valid = o.valid;
        so.test = 0;
        so.seed = o.seed;
        so.label = t.label;
        so.nclasses = t.nclasses;
        s = gf_split_new(t.n, &so, &split);
        if (s != GF_OK) rc = fail("train", EXIT_DATA);
    }
    if (rc == EXIT_OK && from && gf_pipeline_scaler(from)) {
        s = gf_scaler_new(gf_pipeline_scaler(from)->kind, t.p, gf_pipeline_scaler(from)->shift,
                          gf_pipeline_scaler(from)->scale, &scaler);
    } else if (rc == EXIT_OK && !from && o.scale != GF_SCALE_NONE) {
        double *xt = malloc(split->n_train * t.p * sizeof *xt);
        for (size_t i = 0; xt && i < split->n_train; i++)
            memcpy(xt + i * t.p, t.x + split->train[i] * t.p, t.p * sizeof *xt);
        s = xt ? gf_scaler_fit(o.scale, xt, split->n_train, t.p, &scaler) : GF_ERR_NOMEM;
        free(xt);
    }
    if (rc == EXIT_OK && s == GF_OK && scaler) s = gf_scaler_apply(scaler, t.x, t.n, t.p);
    if (rc == EXIT_OK && s != GF_OK) rc = fail("train", EXIT_DATA);
    int nclass = arch.loss == GF_LOSS_MSE ? 0 : (int)t.nclasses;
    if (rc == EXIT_OK) {
        train = dataset_of(&t, split->train, split->n_train, nclass);
        valid = split->n_valid ? dataset_of(&t, split->valid, split->n_valid, nclass) : NULL;
        if (!train || (split->n_valid && !valid)) rc = fail("train", EXIT_DATA);
    }

    if (rc == EXIT_OK) {
        fprintf(stderr, "grafo train: %zu inputs, %s; %zu parameters; %zu training rows%s",
                t.p, from ? o.init : o.layers, gf_param_count(gf_model_graph(m)),
                split->n_train, valid ? ", " : "\n");
        if (valid) fprintf(stderr, "%zu validation rows\n", split->n_valid);
        gf_fit_opts f = GF_FIT_OPTS_DEFAULT;
        f.epochs = (int)o.epochs;
        long batch = o.batch < (long)split->n_train ? o.batch : (long)split->n_train;
        if (batch < 1) batch = 1;
        f.batch_size = (int)batch;
        f.optim.lr = (float)o.lr;
        f.optim.schedule = GF_SCHEDULE_INVERSE;
        f.optim.decay = (float)o.decay;
        f.on_epoch = epoch_done;
        f.on_progress = draw_bar;
        f.user = &pg;
        if (from && batch > 256) {
            fprintf(stderr, "grafo train: --batch is at most 256 when continuing a saved "
                    "network\n");
            rc = EXIT_USAGE;
        } else if ((s = gf_model_fit(m, train, valid, &f)) != GF_OK) {
            if (pg.tty) fputs("\r\033[K", stderr);
            fprintf(stderr, "grafo train: %s: %s\n", t.source, gf_errmsg());
            rc = EXIT_FIT;
        }
    }

    /* The pipeline takes the network (and frees it from here on). */
    if (rc == EXIT_OK && !from) {
        pipe = gf_pipeline_new(GF_KIND_NETWORK);
        s = pipe ? (t.terms ? gf_pipeline_set_terms(pipe, t.terms)
                            : gf_pipeline_set_inputs(pipe, t.p))
                 : GF_ERR_NOMEM;
        if (s == GF_OK && scaler) s = gf_pipeline_set_scaler(pipe, scaler);
        if (s == GF_OK && nclass)
            s = gf_pipeline_set_classes(pipe, (const char *const *)t.classes, t.nclasses);
        if (s == GF_OK) s = gf_pipeline_set_network(pipe, m, &arch);
        else gf_model_free(m);
        m = NULL;
        if (s != GF_OK) rc = fail("train", EXIT_FIT);
    }
    if (rc == EXIT_OK) {
        gf_pipeline *out = from ? from : pipe;
        gf_pipeline_set_setting(out, "epochs", (double)o.epochs);
        gf_pipeline_set_setting(out, "lr", o.lr);
        gf_pipeline_set_setting(out, "batch", (double)o.batch);
        if (o.save) {
            /* GF_ERR_ARG: a name or level that is not UTF-8, the data's fault. */
            if ((s = gf_pipeline_save(out, save_to)) != GF_OK)
                rc = fail("train", s == GF_ERR_ARG ? EXIT_DATA : EXIT_OUTPUT);
            else fprintf(stderr, "grafo train: saved the network to %s\n", o.save);
        }
    }
    if (rc == EXIT_OK && o.json) {
        print_json(json_pack("{s:O, s:f}", "history", pg.history, "seconds", pg.seconds));
    }
    if (!from) gf_model_free(m);
    json_decref(pg.history);
    gf_arch_free(&arch);
    gf_pipeline_free(pipe);
    gf_pipeline_free(from);
    gf_scaler_free(scaler);
    gf_split_free(split);
    gf_dataset_free(train);
    gf_dataset_free(valid);
    table_free(&t);
    return rc;
}
