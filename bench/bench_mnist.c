/* bench_mnist: time one-epoch training of a network on Fashion-MNIST's
 * 60000 training images, softmax cross-entropy, as bench/bench_mnist.py
 * does in PyTorch with the same options.  bench/run.sh runs both and
 * compares them.  By default the MNIST workshop network (784-512 ReLU-10,
 * minibatch SGD lr 0.1); --layers takes any architecture gf_arch_parse
 * reads, and --optimizer sgd or adam:
 *
 *     bench_mnist --batch 64 --threads 2 --runs 3
 *     bench_mnist --optimizer adam --layers 512:relu:bn,256:relu:bn,10:softmax
 *
 * One warm-up epoch (caches, page faults, thread pools) is followed by
 * `runs` timed epochs.  Each epoch prints one line on stdout,
 *
 *     grafo optim=adam lr=0.001 layers=512:relu,10:softmax batch=64 threads=2 run=1 seconds=1.234567 loss=0.5123
 *
 * with run=0 for the warm-up, so run.sh can parse them and drop it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grafo.h"

#include "bench_args.h"
#define parse_int(name, text, lo, hi, out) \
    bench_parse_int("bench_mnist", name, text, lo, hi, out)

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"

typedef struct bench_opts {
    const char *data;
    const char *layers; /* gf_arch_parse's spec */
    gf_optim_kind optim;
    float lr;           /* 0: the optimiser's default (SGD 0.1, Adam 1e-3) */
    int batch, threads, runs;
} bench_opts;

/* What the epoch callback needs to print its line. */
typedef struct bench_state {
    const bench_opts *o;
    int epoch; /* 0 is the warm-up */
} bench_state;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_mnist [--optimizer sgd|adam] [--lr X] [--layers SPEC] [--batch N]\n"
            "                   [--threads N] [--runs N] [--data DIR]\n"
            "  --optimizer K sgd (plain) or adam (betas 0.9, 0.999, eps 1e-8, no decay) [sgd]\n"
            "  --lr X        learning rate [sgd 0.1, adam 0.001]\n"
            "  --layers SPEC architecture after the 784 inputs [512:relu,10:softmax]\n"
            "  --batch N     minibatch size [64]\n"
            "  --threads N   threads for grafo and OpenBLAS [1]\n"
            "  --runs N      timed epochs after one warm-up epoch [3]\n"
            "  --data DIR    Fashion-MNIST IDX files [%s]\n",
            DEFAULT_DATA);
}

/* The optimisers bench_mnist.py has too; 0 and a message otherwise. */
static int parse_optim(const char *text, gf_optim_kind *out)
{
    if (strcmp(text, "sgd") == 0) *out = GF_OPTIM_SGD;
    else if (strcmp(text, "adam") == 0) *out = GF_OPTIM_ADAM;
    else {
        fprintf(stderr, "bench_mnist: --optimizer takes sgd or adam, not '%s'\n", text);
        return 0;
    }
    return 1;
}

static int parse_lr(const char *text, float *out)
{
    char *end;
    float v = strtof(text, &end);
    if (*text == '\0' || *end != '\0' || !(v > 0 && v < 1e3f)) {
        fprintf(stderr, "bench_mnist: --lr wants a number in (0, 1000), not '%s'\n", text);
        return 0;
    }
    *out = v;
    return 1;
}

/* 0 on success, 1 after --help, 2 on a usage error. */
static int parse(int argc, char **argv, bench_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bench_mnist: '%s' needs a value or is unknown\n", a);
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        int ok = 1;
        if (strcmp(a, "--batch") == 0) ok = parse_int(a, v, 1, 60000, &o->batch);
        else if (strcmp(a, "--threads") == 0) ok = parse_int(a, v, 1, 1024, &o->threads);
        else if (strcmp(a, "--runs") == 0) ok = parse_int(a, v, 1, 1000, &o->runs);
        else if (strcmp(a, "--data") == 0) o->data = v;
        else if (strcmp(a, "--layers") == 0) o->layers = v;
        else if (strcmp(a, "--optimizer") == 0) ok = parse_optim(v, &o->optim);
        else if (strcmp(a, "--lr") == 0) ok = parse_lr(v, &o->lr);
        else {
            fprintf(stderr, "bench_mnist: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (!ok) return 2;
    }
    return 0;
}

/* The report's seconds cover the epoch's training steps only (shuffle,
 * gather, forward, backward, update), which is what bench_mnist.py times
 * too; there is no test set to evaluate. */
static int print_epoch(const gf_epoch_report *r, void *user)
{
    bench_state *st = user;
    const bench_opts *o = st->o;
    printf("grafo optim=%s lr=%g layers=%s batch=%d threads=%d run=%d seconds=%.6f loss=%.4f\n",
           gf_optim_name(o->optim), (double)r->learning_rate, o->layers, o->batch, o->threads,
           st->epoch, r->seconds, r->loss);
    fflush(stdout); /* run.sh reads the lines as they come */
    st->epoch++;
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts o = {.data = DEFAULT_DATA, .layers = "512:relu,10:softmax", .optim = GF_OPTIM_SGD,
                    .lr = 0, .batch = 64, .threads = 1, .runs = 3};
    int rc = parse(argc, argv, &o);
    if (rc) return rc == 1 ? 0 : rc;
    gf_set_threads(o.threads);

    char images[4096], labels[4096];
    snprintf(images, sizeof images, "%s/train-images-idx3-ubyte.gz", o.data);
    snprintf(labels, sizeof labels, "%s/train-labels-idx1-ubyte.gz", o.data);
    gf_dataset *train = gf_dataset_load_idx(images, labels, 10);
    if (!train) {
        fprintf(stderr, "bench_mnist: %s\n", gf_errmsg());
        return 1;
    }
    /* As `grafo mnist` does, and as bench_mnist.py does with NumPy: one
     * mean and standard deviation for every pixel. */
    double mean, sd;
    gf_status s = gf_dataset_feature_stats(train, &mean, &sd);
    if (s == GF_OK) s = gf_dataset_standardize(train, mean, sd);

    gf_arch arch;
    gf_model *m = NULL;
    if (s == GF_OK) s = gf_arch_parse(o.layers, &arch);
    if (s == GF_OK) {
        m = gf_model_from_arch(784, &arch);
        if (!m) s = GF_ERR_ARG; /* gf_errmsg says why */
        gf_arch_free(&arch);
    }
    /* Buffers sized for exactly the benchmarked batch, as a user training
     * with that batch would compile. */
    if (s == GF_OK) s = gf_model_compile(m, o.batch, 1);
    if (s == GF_OK) {
        bench_state st = {.o = &o, .epoch = 0};
        gf_fit_opts f = GF_FIT_OPTS_DEFAULT;
        /* One call for warm-up and timed epochs alike: each epoch
         * reshuffles, exactly as in a real training run. */
        f.epochs = 1 + o.runs;
        f.batch_size = o.batch;
        /* PyTorch's defaults for the kind, which bench_mnist.py uses
         * too; weight decay is set to 0 in both, as torch.optim.Adam's
         * default is. */
        f.optim = gf_optim_defaults(o.optim);
        f.optim.weight_decay = 0.0f;
        if (o.lr > 0) f.optim.lr = o.lr;
        f.shuffle = 1;
        f.on_epoch = print_epoch;
        f.user = &st;
        s = gf_model_fit(m, train, NULL, &f);
    }
    if (s != GF_OK) fprintf(stderr, "bench_mnist: %s\n", gf_errmsg());
    gf_model_free(m);
    gf_dataset_free(train);
    return s == GF_OK ? 0 : 1;
}
