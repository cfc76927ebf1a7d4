/* grafo mnist: the seeds' MNIST workshop (seed 001): 784 inputs, one hidden
 * layer of 512 units, 10 outputs with softmax, trained by minibatch SGD. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "grafo.h"

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"

typedef struct mnist_opts {
    const char *data;
    long epochs, batch, hidden, threads, limit;
    double lr, decay;
    uint64_t seed;
    gf_activation act;
    bool test, standardize;
} mnist_opts;

static void mnist_usage(FILE *f)
{
    fprintf(f,
            "usage: grafo mnist [options]\n"
            "  --data DIR        IDX files (train-images-idx3-ubyte[.gz], ...) [%s]\n"
            "  --epochs N        passes over the training set [10]\n"
            "  --batch N         minibatch size; 1 is online SGD [64]\n"
            "  --lr X            learning rate [0.1]\n"
            "  --decay X         1/t decay: lr / (1 + X t) at step t [0.001]\n"
            "  --hidden N        hidden units [512]\n"
            "  --activation A    hidden activation: relu, tanh, sigmoid, ... [relu]\n"
            "  --seed N          fixes initialisation and shuffling [1]\n"
            "  --threads N       threads for grafo and OpenBLAS; 0 = one per core [0]\n"
            "  --limit N         train on the first N examples only [all]\n"
            "  --no-test         skip the test set evaluation\n"
            "  --raw             keep pixels in [0, 1] instead of standardising them with\n"
            "                    the training set's mean and standard deviation\n",
            DEFAULT_DATA);
}

enum { OPT_DATA = 1, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_DECAY, OPT_HIDDEN, OPT_ACT, OPT_SEED,
       OPT_THREADS, OPT_LIMIT, OPT_NO_TEST, OPT_RAW, OPT_HELP };

static int parse(int argc, char **argv, mnist_opts *o)
{
    static const struct option longs[] = {
        {"data", required_argument, NULL, OPT_DATA},
        {"epochs", required_argument, NULL, OPT_EPOCHS},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"lr", required_argument, NULL, OPT_LR},
        {"decay", required_argument, NULL, OPT_DECAY},
        {"hidden", required_argument, NULL, OPT_HIDDEN},
        {"activation", required_argument, NULL, OPT_ACT},
        {"seed", required_argument, NULL, OPT_SEED},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"no-test", no_argument, NULL, OPT_NO_TEST},
        {"raw", no_argument, NULL, OPT_RAW},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *given[ARG_CODES] = { 0 };
    bool ok = true;
    int c;
    arg_start();
    while (ok && (c = arg_next("mnist", argc, argv, longs, OPT_HELP, -1, given)) != -1) {
        if (c == 0) return 2;
        const char *a = optarg, *opt = arg_name(longs, c);
        switch (c) {
        case OPT_DATA: o->data = a; break;
        case OPT_EPOCHS: ok = arg_int("mnist", opt, a, 1, 100000, &o->epochs); break;
        case OPT_BATCH: ok = arg_int("mnist", opt, a, 1, 60000, &o->batch); break;
        case OPT_HIDDEN: ok = arg_int("mnist", opt, a, 1, 1 << 16, &o->hidden); break;
        case OPT_THREADS: ok = arg_int("mnist", opt, a, 0, 1024, &o->threads); break;
        case OPT_LIMIT: ok = arg_int("mnist", opt, a, 1, 1L << 30, &o->limit); break;
        case OPT_LR: ok = arg_float("mnist", opt, a, 1e-12, 1e3, &o->lr); break;
        case OPT_DECAY: ok = arg_float("mnist", opt, a, 0, 1e6, &o->decay); break;
        case OPT_SEED: ok = arg_u64("mnist", opt, a, &o->seed); break;
        case OPT_ACT:
            if (gf_activation_parse(a, &o->act) != GF_OK) {
                fprintf(stderr, "grafo mnist: --activation: %s\n", gf_errmsg());
                ok = false;
            }
            break;
        case OPT_NO_TEST: o->test = false; break;
        case OPT_RAW: o->standardize = false; break;
        case OPT_HELP: mnist_usage(stdout); return 0;
        default:
            fprintf(stderr, "grafo mnist: unknown option '%s'\n", argv[optind - 1]);
            mnist_usage(stderr);
            ok = false;
        }
    }
    if (ok && optind < argc) {
        fprintf(stderr, "grafo mnist: unexpected argument '%s'\n", argv[optind]);
        ok = false;
    }
    return ok ? -1 : 2; /* -1: go on */
}

/* The IDX file `name` in dir, gzipped or not, whichever exists. */
static void idx_path(char *buf, size_t len, const char *dir, const char *name)
{
    snprintf(buf, len, "%s/%s.gz", dir, name);
    FILE *f = fopen(buf, "rb");
    if (f) {
        fclose(f);
        return;
    }
    snprintf(buf, len, "%s/%s", dir, name);
}

static gf_dataset *load(const char *dir, const char *prefix)
{
    char images[4096], labels[4096], name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    idx_path(images, sizeof images, dir, name);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    idx_path(labels, sizeof labels, dir, name);
    gf_dataset *ds = gf_dataset_load_idx(images, labels, 10);
    if (ds && gf_dataset_cols(ds) != 784) {
        fprintf(stderr, "grafo mnist: %s: %zu values per image; the network takes 28 x 28 = 784\n",
                images, gf_dataset_cols(ds));
        gf_dataset_free(ds);
        return NULL;
    }
    if (!ds) fprintf(stderr, "grafo mnist: %s\n", gf_errmsg());
    return ds;
}

static int report(const gf_epoch_report *r, void *user)
{
    (void)user;
    printf("epoch %3d  loss %.4f  train acc %.4f", r->epoch, r->loss, r->train_accuracy);
    if (!isnan(r->valid_accuracy)) printf("  test loss %.4f  test acc %.4f", r->valid_loss, r->valid_accuracy);
    printf("  %.2f s  %.0f samples/s\n", r->seconds, r->samples_per_second);
    fflush(stdout);
    return 0;
}

int cmd_mnist(int argc, char **argv)
{
    mnist_opts o = {.data = DEFAULT_DATA, .epochs = 10, .batch = 64, .hidden = 512, .threads = 0,
                    .lr = 0.1, .decay = 1e-3, .seed = 1, .act = GF_ACT_RELU, .test = true,
                    .standardize = true};
    int rc = parse(argc, argv, &o);
    if (rc >= 0) return rc;
    gf_set_threads((int)o.threads);

    gf_dataset *train = load(o.data, "train"), *test = NULL;
    if (!train) return 3; /* bad input data, as the README's exit codes say */
    if (o.limit && (size_t)o.limit < gf_dataset_rows(train)) {
        gf_dataset *part = gf_dataset_slice(train, 0, (size_t)o.limit);
        gf_dataset_free(train);
        if (!(train = part)) {
            fprintf(stderr, "grafo mnist: %s\n", gf_errmsg());
            return 1;
        }
    }
    if (o.test && !(test = load(o.data, "t10k"))) {
        gf_dataset_free(train);
        return 3;
    }

    /* Standardised inputs make one learning rate suit every weight better;
     * the test set gets the training set's statistics. */
    double mean = 0, sd = 1;
    if (o.standardize) {
        gf_dataset_feature_stats(train, &mean, &sd);
        gf_dataset_standardize(train, mean, sd);
        if (test) gf_dataset_standardize(test, mean, sd);
    }

    gf_model *m = gf_model_new(784);
    gf_node h = gf_dense(m, gf_model_input(m), (int)o.hidden, o.act);
    gf_node z = gf_dense(m, h, 10, GF_ACT_IDENTITY);
    gf_status s = gf_model_set_loss(m, z, GF_LOSS_SOFTMAX_XENT);
    if (s == GF_OK) s = gf_model_compile(m, (int)o.batch > 1000 ? (int)o.batch : 1000, o.seed);
    if (s == GF_OK) {
        printf("grafo %s: 784-%ld-10 %s/softmax, %zu parameters; SGD lr %g decay %g, batch %ld, "
               "%ld epochs, %d threads, seed %llu; %zu training and %zu test examples\n",
               GF_VERSION_STRING, o.hidden, gf_activation_name(o.act),
               gf_param_count(gf_model_graph(m)), o.lr, o.decay, o.batch, o.epochs,
               gf_get_threads(), (unsigned long long)o.seed, gf_dataset_rows(train),
               test ? gf_dataset_rows(test) : 0);
        gf_fit_opts f = GF_FIT_OPTS_DEFAULT;
        f.epochs = (int)o.epochs;
        f.batch_size = (int)o.batch;
        f.optim.lr = (float)o.lr;
        f.optim.schedule = GF_SCHEDULE_INVERSE;
        f.optim.decay = (float)o.decay;
        f.on_epoch = report;
        s = gf_model_fit(m, train, test, &f);
    }
    if (s != GF_OK) fprintf(stderr, "grafo mnist: %s\n", gf_errmsg());
    gf_model_free(m);
    gf_dataset_free(train);
    gf_dataset_free(test);
    return s == GF_OK ? 0 : 1;
}
