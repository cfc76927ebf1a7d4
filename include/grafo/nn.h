/* grafo/nn.h — networks on top of the graph: initialisers, layers, the
 * model (a compiled graph plus its parameters) and the training loop.
 *
 *     gf_model *m = gf_model_new(784);
 *     gf_node h = gf_dense(m, gf_model_input(m), 512, GF_ACT_RELU);
 *     gf_node z = gf_dense(m, h, 10, GF_ACT_IDENTITY);
 *     gf_model_set_loss(m, z, GF_LOSS_SOFTMAX_XENT);
 *     gf_model_compile(m, 64, 42);        // largest batch, seed
 *     gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
 *     o.epochs = 10;
 *     gf_model_fit(m, train, test, &o);
 */
#ifndef GRAFO_NN_H
#define GRAFO_NN_H

#include "grafo/base.h"
#include "grafo/data.h"
#include "grafo/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Initialisers ----
 * Glorot & Bengio (2010) keep the variance of activations and gradients
 * alike across layers with sigmoid or tanh: Var = 2 / (fan_in + fan_out).
 * He et al. (2015) double it for ReLU, which zeroes half its inputs:
 * Var = 2 / fan_in.  Uniform variants draw from [-a, a] with a = sqrt(3 Var). */
typedef enum gf_init {
    GF_INIT_ZEROS,
    GF_INIT_XAVIER_UNIFORM,
    GF_INIT_XAVIER_NORMAL,
    GF_INIT_HE_UNIFORM,
    GF_INIT_HE_NORMAL,
    GF_INIT_COUNT
} gf_init;

/* Fill w[0..n) for a weight with the given fans. */
gf_status gf_init_fill(float *w, size_t n, size_t fan_in, size_t fan_out, gf_init kind, gf_rng *rng);
const char *gf_init_name(gf_init kind);

/* ---- Activations, as layer options ---- */
typedef enum gf_activation {
    GF_ACT_IDENTITY,
    GF_ACT_SIGMOID,
    GF_ACT_TANH,
    GF_ACT_RELU,
    GF_ACT_LEAKY_RELU, /* alpha 0.01, as in the seeds */
    GF_ACT_ELU,        /* alpha 1 */
    GF_ACT_SOFTPLUS,
    GF_ACT_HARDTANH,
    GF_ACT_COUNT
} gf_activation;

const char *gf_activation_name(gf_activation a);
/* Parse "relu", "tanh", ...; returns GF_ERR_ARG naming the choices if unknown. */
gf_status gf_activation_parse(const char *text, gf_activation *out);
/* Apply an activation as a graph op. */
gf_node gf_activate(gf_graph *g, gf_node x, gf_activation a);

/* ---- Losses ---- */
typedef enum gf_loss {
    GF_LOSS_MSE,          /* regression; targets shaped like the output */
    GF_LOSS_BCE_LOGITS,   /* binary; targets 0/1, one output per target */
    GF_LOSS_SOFTMAX_XENT, /* multi-class; one class index per row */
    GF_LOSS_HINGE,        /* binary; targets -1/+1 */
    GF_LOSS_COUNT
} gf_loss;

/* ---- Models ---- */
typedef struct gf_model gf_model;

/* A model whose input is a batch of `inputs` features.  NULL on failure. */
gf_model *gf_model_new(int inputs);
void gf_model_free(gf_model *m); /* NULL is fine */

/* Borrowed: the model's graph, to build on with the graph API. */
gf_graph *gf_model_graph(gf_model *m);
gf_node gf_model_input(const gf_model *m);
gf_node gf_model_output(const gf_model *m);
gf_node gf_model_loss(const gf_model *m);

/* A (rows, cols) parameter initialised by `init` when the model is compiled
 * (fan_in = rows, fan_out = cols).  rows = 0 makes a vector of shape (cols),
 * as a bias: gf_model_param(m, "b", 0, 10, GF_INIT_ZEROS). */
gf_node gf_model_param(gf_model *m, const char *name, int rows, int cols, gf_init init);

/* A fully connected layer, act(x W + b), W (in, units) and b (units).  W is
 * He-initialised under ReLU-like activations and Glorot-initialised
 * otherwise; b starts at zero. */
gf_node gf_dense(gf_model *m, gf_node x, int units, gf_activation act);

/* Choose the output node and the loss; adds the target input ("target"). */
gf_status gf_model_set_loss(gf_model *m, gf_node output, gf_loss loss);

/* Compile the graph, allocate buffers for batches of up to max_batch rows,
 * and initialise the parameters from a generator seeded with `seed`.  The
 * same generator then shuffles the training data, so one seed fixes every
 * random choice. */
gf_status gf_model_compile(gf_model *m, int max_batch, uint64_t seed);

/* ---- Architectures as text ----
 * "512:relu,10:softmax": comma-separated layers, each UNITS:ACTIVATION.
 * Hidden layers take any gf_activation name.  The last layer's name also
 * chooses the loss: softmax (softmax cross-entropy on class indices, two or
 * more units), sigmoid (binary cross-entropy on 0/1 targets, one unit) or
 * identity / linear (mean squared error).  The output layer itself stays
 * linear, since those losses work from logits. */
typedef struct gf_layer_spec {
    int units;
    gf_activation act;   /* the output layer's is GF_ACT_IDENTITY */
} gf_layer_spec;

typedef struct gf_arch {
    size_t n;                /* layers, the output layer last */
    gf_layer_spec *layers;   /* owned; free with gf_arch_free() */
    gf_loss loss;
} gf_arch;

#define GF_ARCH_MAX_LAYERS 64
#define GF_ARCH_MAX_UNITS (1 << 20)

/* Parse a spec into *out (the caller frees it with gf_arch_free()); on
 * failure *out is left zeroed.  Units are decimal integers from 1 to
 * GF_ARCH_MAX_UNITS; blanks may surround every token; "linear" is a
 * synonym of "identity"; names are lower case.  At most GF_ARCH_MAX_LAYERS
 * layers.  Errors (GF_ERR_ARG) quote the spec and name the layer, the
 * column (from 1) and what is wrong ("layer 2 (column 13): unknown
 * activation 'sofmax' ... (choose ...)"): an empty spec or layer, a missing
 * ':' or activation, a trailing comma, zero or too many units, too many
 * layers, softmax on a hidden layer, an output name that chooses no loss,
 * softmax with fewer than 2 units, sigmoid with other than 1. */
gf_status gf_arch_parse(const char *spec, gf_arch *out);
void gf_arch_free(gf_arch *a); /* frees the layers and zeroes *a; a zeroed gf_arch or NULL is fine */
/* The spec in canonical form ("512:relu,10:softmax"; an MSE output is
 * written "identity") into buf, NUL-terminated; gf_arch_parse() reads it
 * back to the same gf_arch.  GF_ERR_ARG, with buf set to "", if it does not
 * fit in size bytes (the message says how many it needs) or if `a` breaks
 * the parser's rules (a hand-made gf_arch: units out of range, an output
 * activation other than identity, a loss no spec names such as hinge). */
gf_status gf_arch_format(const gf_arch *a, char *buf, size_t size);
/* A model of dense layers (gf_dense: parameters W1, b1, W2, b2, ...) for
 * `inputs` features, the output layer linear, with the loss set; not yet
 * compiled.  The caller frees it with gf_model_free().  NULL on failure
 * (an arch gf_arch_format would refuse, inputs < 1, out of memory). */
gf_model *gf_model_from_arch(int inputs, const gf_arch *a);

/* ---- Training ---- */
typedef struct gf_epoch_report {
    int epoch;                /* 1-based */
    double loss;              /* mean training loss over the epoch */
    double train_accuracy;    /* on the minibatches as they were trained; NaN for regression */
    double test_loss;         /* NaN without test data */
    double test_accuracy;     /* NaN without test data or for regression */
    double seconds;           /* training time of the epoch, evaluation excluded */
    double samples_per_second;
    double learning_rate;     /* at the end of the epoch */
} gf_epoch_report;

/* Called after every epoch; return non-zero to stop training. */
typedef int (*gf_epoch_fn)(const gf_epoch_report *r, void *user);

/* Where training is within an epoch, for progress bars. */
typedef struct gf_progress {
    int epoch, epochs;        /* 1-based epoch, of epochs */
    size_t done, rows;        /* examples trained so far in this epoch, of rows */
    double loss;              /* mean training loss over those examples */
    double seconds;           /* since the epoch began */
} gf_progress;

/* Called after every minibatch; keep it cheap (throttle any drawing). */
typedef void (*gf_progress_fn)(const gf_progress *p, void *user);

/* Minibatch SGD (seed 000, Algorithm 2.2; batch_size 1 is the online SGD of
 * Algorithm 2.1).  The learning rate at step t (from 0) is
 * lr / (1 + lr_decay t): fixed when lr_decay is 0, the 1/t decay otherwise. */
typedef struct gf_fit_opts {
    int epochs;
    int batch_size;   /* at most the compiled max_batch */
    float lr;
    float lr_decay;
    int shuffle;      /* reshuffle the examples every epoch */
    gf_epoch_fn on_epoch;
    gf_progress_fn on_progress; /* may be NULL */
    void *user;                 /* passed to both callbacks */
} gf_fit_opts;

#define GF_FIT_OPTS_DEFAULT \
    {.epochs = 10, .batch_size = 64, .lr = 0.1f, .lr_decay = 0.0f, .shuffle = 1, .on_epoch = NULL, .on_progress = NULL, \
     .user = NULL}

/* Train on `train`, evaluating on `test` (may be NULL) after each epoch.
 * Stops with GF_ERR_NUMERIC if a loss or gradient is not finite, before
 * applying that step, so the parameters are the last good ones. */
gf_status gf_model_fit(gf_model *m, const gf_dataset *train, const gf_dataset *test,
                       const gf_fit_opts *opts);

/* Mean loss and accuracy (NaN for regression) of the model on ds. */
gf_status gf_model_evaluate(gf_model *m, const gf_dataset *ds, double *loss, double *accuracy);

/* The output node's values for `rows` examples x (rows, inputs), written to
 * out (rows, outputs).  For losses from logits these are the logits. */
gf_status gf_model_predict(gf_model *m, const float *x, size_t rows, float *out);

#ifdef __cplusplus
}
#endif
#endif
