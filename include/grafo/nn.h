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
#include "grafo/optim.h"

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
    GF_INIT_ONES,
    GF_INIT_COUNT
} gf_init;

/* Fill w[0..n) for a weight with the given fans, drawing n numbers from
 * rng (none for zeros and ones).  GF_ERR_ARG for an unknown kind, w or rng NULL (rng
 * even for zeros), or a fan of 0 (allowed for zeros and ones). */
gf_status gf_init_fill(float *w, size_t n, size_t fan_in, size_t fan_out, gf_init kind, gf_rng *rng);
const char *gf_init_name(gf_init kind); /* "he_normal", ...; "unknown" out of range */

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
    /* seed 004's generalisations of the rectifier and other units */
    GF_ACT_ABS,        /* |z|: absolute-value rectification */
    GF_ACT_PRELU,      /* max(0, z) + a min(0, z), one learned a per unit
                          (parameter prelu<i>.alpha, starting at 0.25) */
    GF_ACT_MAXOUT,     /* the layer computes units x pieces values and keeps
                          the largest of each group of pieces */
    GF_ACT_RBF,        /* radial basis: exp(-gamma_j ||x - W_{:,j}||^2), the
                          layer's W holding centres (never penalised),
                          gamma_j learned through rbf<i>.gamma, starting
                          at 1 / (2 inputs) and not constrained: a large
                          learning rate can make it negative */
    GF_ACT_STEP,       /* the perceptron's step and sign: forward only, */
    GF_ACT_SIGN,       /* training through them fails */
    GF_ACT_COUNT
} gf_activation;

/* "relu", "leaky_relu", ...; "unknown" out of range.  Static storage. */
const char *gf_activation_name(gf_activation a);
/* Parse one of gf_activation_name's names, exactly (lower case; "linear"
 * is gf_arch_parse's synonym, not one of them); GF_ERR_ARG naming the
 * choices if unknown or NULL, *out then untouched. */
gf_status gf_activation_parse(const char *text, gf_activation *out);
/* Apply an element-wise activation as a graph op (leaky ReLU with alpha
 * 0.01, ELU with 1; abs, step, sign).  Identity adds no node and returns x.
 * PReLU, maxout and RBF need parameters or change the layer's width, so
 * they are layer options (gf_dense_layer), and here give GF_NONE and a
 * sticky GF_ERR_ARG, as an unknown activation does. */
gf_node gf_activate(gf_graph *g, gf_node x, gf_activation a);

/* ---- Losses ---- */
typedef enum gf_loss {
    GF_LOSS_MSE,          /* regression; targets shaped like the output */
    GF_LOSS_BCE_LOGITS,   /* binary; targets in [0, 1] (0/1 labels), one
                             output per target */
    GF_LOSS_SOFTMAX_XENT, /* multi-class; one class index per row */
    GF_LOSS_HINGE,        /* binary; targets -1/+1 */
    GF_LOSS_COUNT
} gf_loss;

/* ---- Models ---- */
typedef struct gf_model gf_model;

/* A model whose input is a batch of `inputs` features: an input node named
 * "input" of shape (B, inputs).  NULL on failure (GF_ERR_ARG for inputs < 1,
 * GF_ERR_NOMEM).  gf_model_free() frees the graph, the workspace and all. */
gf_model *gf_model_new(int inputs);
void gf_model_free(gf_model *m); /* NULL is fine */

/* Borrowed: the model's graph, to build on with the graph API until
 * gf_model_compile.  NULL for m NULL. */
gf_graph *gf_model_graph(gf_model *m);
/* The model's nodes; GF_NONE for m NULL, and output and loss are GF_NONE
 * until gf_model_set_loss. */
gf_node gf_model_input(const gf_model *m);
gf_node gf_model_output(const gf_model *m);
gf_node gf_model_loss(const gf_model *m);

/* A (rows, cols) parameter initialised by `init` when the model is compiled
 * (fan_in = rows, fan_out = cols).  rows = 0 makes a vector of shape (cols),
 * as a bias, with fan_in 1: gf_model_param(m, "b", 0, 10, GF_INIT_ZEROS).
 * The name must be new to the graph (gf_dense takes W1, b1, W2, ...).
 * GF_NONE on failure, with a sticky error as the graph builders: GF_ERR_ARG
 * for an unknown init or a repeated name, GF_ERR_SHAPE for rows < 0 or
 * cols < 1, GF_ERR_NOMEM. */
gf_node gf_model_param(gf_model *m, const char *name, int rows, int cols, gf_init init);

/* A fully connected layer, act(x W + b), W (in, units) and b (units), where
 * in is x's last dimension and x is (B, in) or a matrix.  The parameters
 * are named W<i> and b<i>, i counting the model's dense layers from 1.  W
 * is He-normal under relu, leaky_relu and elu (which zero, or nearly, half
 * their inputs) and Glorot-uniform otherwise; b starts at zero.  Returns
 * the activation's node; GF_NONE (sticky) for x GF_NONE, a node that does
 * not exist (GF_ERR_ARG), a scalar x (GF_ERR_SHAPE), units < 1 (GF_ERR_ARG)
 * or any builder's error. */
gf_node gf_dense(gf_model *m, gf_node x, int units, gf_activation act);

/* A layer with options, in this order (Ioffe & Szegedy's placement of
 * batch norm, dropout after the unit):
 *     z = x W + b  ->  batch norm (scale, shift)  ->  activation  ->  dropout
 * with weight noise added to W in training.  Maxout's W has units x pieces
 * columns; RBF's W holds the centres (no b, no batch norm).  Parameters
 * are named W<i>, b<i>, bn<i>.scale, bn<i>.shift, bn<i>.running (a buffer:
 * running mean and variance), prelu<i>.alpha, rbf<i>.gamma. */
typedef struct gf_layer_opts {
    gf_activation act;
    int pieces;          /* maxout: pieces per unit, >= 2 (default 2) */
    int batch_norm;      /* 1: normalise z by batch statistics (default 0) */
    float dropout;       /* in [0, 1): drop rate after the unit (default 0) */
    float weight_noise;  /* >= 0: sd of the noise on W in training (default 0) */
} gf_layer_opts;

#define GF_LAYER_OPTS_DEFAULT {.act = GF_ACT_IDENTITY, .pieces = 2, .batch_norm = 0, .dropout = 0.0f, .weight_noise = 0.0f}

/* As gf_dense, with options; o NULL means GF_LAYER_OPTS_DEFAULT. Bad
 * options give GF_NONE and a sticky GF_ERR_ARG naming the layer. */
gf_node gf_dense_layer(gf_model *m, gf_node x, int units, const gf_layer_opts *o);

/* Label smoothing for a softmax cross-entropy loss (seed 004: 1 - eps for
 * the label, eps / (k - 1) for the others), eps in [0, 1); call before
 * gf_model_set_loss (GF_ERR_STATE after).  Default 0. */
gf_status gf_model_set_label_smoothing(gf_model *m, float eps);

/* Choose the output node and the loss, once (GF_ERR_STATE the second time).
 * Adds the target input "target": shaped like one example of the output
 * (mse, bce_logits, hinge; the output must be batched) or one class index
 * per row, (B, 1) (softmax_xent).  output GF_NONE returns the graph's first
 * build error; GF_ERR_ARG for m NULL, an unknown loss or node; the loss
 * builder's GF_ERR_SHAPE if the output does not fit the loss. */
gf_status gf_model_set_loss(gf_model *m, gf_node output, gf_loss loss);

/* Compile the graph (no node can be added after), allocate buffers for
 * batches of up to max_batch rows, and initialise the parameters in
 * creation order from a generator seeded with `seed`.  The same generator
 * then shuffles the training data, so one seed fixes every random choice.
 * Calling it again allocates new buffers and re-initialises every
 * parameter (what was trained is lost).  Errors: GF_ERR_ARG for m NULL,
 * max_batch < 1 or batches whose buffers pass GF_WORKSPACE_MAX_FLOATS,
 * the graph's first build error, GF_ERR_STATE without a loss,
 * GF_ERR_NOMEM. */
gf_status gf_model_compile(gf_model *m, int max_batch, uint64_t seed);

/* Reallocate the model's buffers for batches of up to max_batch rows,
 * keeping the parameters (e.g. a loaded model, compiled for prediction, to
 * be trained with larger batches).  GF_ERR_STATE before compile,
 * GF_ERR_ARG for max_batch < 1 or beyond GF_WORKSPACE_MAX_FLOATS,
 * GF_ERR_NOMEM (the old buffers are then kept). */
gf_status gf_model_set_max_batch(gf_model *m, int max_batch);

/* ---- Architectures as text ----
 * "512:relu,10:softmax": comma-separated layers, each UNITS:ACTIVATION
 * followed by options, all joined by colons:
 *
 *     spec   := [input ','] layer (',' layer)*
 *     input  := 'input' (':' ('dropout=' P | 'noise=' SD | 'weight_noise=' SD))+
 *     layer  := UNITS ':' ACT ['=' PIECES] (':' ('bn' | 'dropout=' P))*
 *
 * e.g. "input:dropout=0.2,256:relu:bn:dropout=0.5,128:maxout=3,10:softmax".
 * Hidden layers take any gf_activation name; maxout takes its pieces after
 * '=' (default 2).  The optional input element drops or perturbs the
 * inputs and adds noise to every W in training (gf_layer_opts's
 * weight_noise).  The last layer's name also chooses the loss: softmax
 * (softmax cross-entropy on class indices, two or more units; it may take
 * ':smooth=EPS', label smoothing), sigmoid (binary cross-entropy on 0/1
 * targets, one unit) or identity / linear (mean squared error).  The
 * output layer itself stays linear, since those losses work from logits,
 * and takes no bn or dropout. */
typedef struct gf_layer_spec {
    int units;
    gf_activation act;   /* the output layer's is GF_ACT_IDENTITY */
    int pieces;          /* maxout's, else 0 */
    int batch_norm;      /* 0 or 1 */
    float dropout;       /* after the unit, [0, 1) */
} gf_layer_spec;

typedef struct gf_arch {
    size_t n;                /* layers, the output layer last */
    gf_layer_spec *layers;   /* owned; free with gf_arch_free() */
    gf_loss loss;
    float input_dropout;     /* [0, 1) */
    float input_noise;       /* sd >= 0 */
    float weight_noise;      /* sd >= 0 */
    float label_smoothing;   /* softmax only, [0, 1) */
} gf_arch;

#define GF_ARCH_MAX_LAYERS 64
#define GF_ARCH_MAX_UNITS (1 << 20)
/* The most floats a network's parameters and buffers may hold together:
 * 2^28 (1 GiB; training adds gradients and optimiser moments, up to four
 * times more).  A spec of a few bytes such as "1048576:relu,2:softmax" on
 * 2048 inputs would otherwise ask for 2^31 weights (8 GiB) before
 * training starts.  The seeds' 784-512-10 network has 407,050. */
#define GF_ARCH_MAX_PARAMS ((size_t)1 << 28)

/* Parse a spec into *out (the caller frees it with gf_arch_free()); on
 * failure *out is left zeroed.  Units are decimal integers from 1 to
 * GF_ARCH_MAX_UNITS; blanks may surround every token; "linear" is a
 * synonym of "identity"; names are lower case.  At most GF_ARCH_MAX_LAYERS
 * layers.  Errors (GF_ERR_ARG) quote the spec and name the layer, the
 * column (from 1) and what is wrong ("layer 2 (column 13): unknown
 * activation 'sofmax' ... (choose ...)"): an empty spec or layer, a missing
 * ':' or activation, a trailing comma, zero or too many units, too many
 * layers, softmax on a hidden layer, an output name that chooses no loss,
 * softmax with fewer than 2 units, sigmoid with other than 1; also spec or
 * out NULL.  GF_ERR_NOMEM if the layers cannot be allocated. */
gf_status gf_arch_parse(const char *spec, gf_arch *out);
void gf_arch_free(gf_arch *a); /* frees the layers and zeroes *a; a zeroed gf_arch or NULL is fine */
/* The spec in canonical form ("512:relu,10:softmax"; an MSE output is
 * written "identity") into buf, NUL-terminated; gf_arch_parse() reads it
 * back to the same gf_arch.  GF_ERR_ARG for buf NULL or size 0, and, with
 * buf set to "", if it does not fit in size bytes (the message says how many it needs) or if `a` breaks
 * the parser's rules (a hand-made gf_arch: units out of range, an output
 * activation other than identity, a loss no spec names such as hinge). */
gf_status gf_arch_format(const gf_arch *a, char *buf, size_t size);
/* A model of dense layers (gf_dense: parameters W1, b1, W2, b2, ...) for
 * `inputs` features, the output layer linear, with the loss set; not yet
 * compiled.  The caller frees it with gf_model_free().  NULL on failure
 * (an arch gf_arch_format would refuse, inputs < 1, parameters and buffers
 * above GF_ARCH_MAX_PARAMS floats, counted with overflow checks before
 * anything is built, the message naming the count, the largest layer and
 * the cap; out of memory). */
gf_model *gf_model_from_arch(int inputs, const gf_arch *a);

/* ---- Training ---- */
typedef struct gf_epoch_report {
    int epoch;                /* 1-based */
    double loss;              /* mean training loss over the epoch's rows, each
                                 batch's taken before its update (the data's
                                 loss: penalties not included) */
    double train_accuracy;    /* on the minibatches as they were trained (as
                                 gf_model_evaluate counts); NaN for regression */
    double valid_loss;        /* NaN without validation data */
    double valid_accuracy;    /* NaN without validation data or for regression */
    double seconds;           /* training time of the epoch, evaluation excluded */
    double samples_per_second; /* training rows / seconds */
    double learning_rate;     /* of the epoch's last step */
    double grad_norm;         /* global norm of the epoch's last gradient */
    int best;                 /* 1 if the validation loss is the best so far */
} gf_epoch_report;

/* Called after every epoch (after the validation pass); return non-zero to
 * stop training, which the fit then reports as GF_OK. */
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

/* Minibatch training (seed 000, Algorithm 2.2; batch_size 1 is the online
 * SGD of Algorithm 2.1) with the optimiser, schedule, penalties and
 * clipping of `optim` (grafo/optim.h).  Penalties apply to weights (the W
 * of each layer) only.  The last batch of an epoch may be short.  Every
 * epoch reshuffles the rows from the model's generator, then trains, then
 * evaluates on the validation data if any.  Early stopping (patience > 0,
 * which needs validation data) stops after `patience` epochs without the
 * validation loss falling by more than min_delta below its best, and at
 * the end, stopped early or not, restores the weights of the best epoch.
 * Defaults in GF_FIT_OPTS_DEFAULT. */
typedef struct gf_fit_opts {
    int epochs;       /* >= 1; default 10 */
    int batch_size;   /* 1 to the compiled max_batch; default 64 */
    gf_optim_opts optim; /* default GF_OPTIM_OPTS_DEFAULT: SGD, lr 0.1 */
    int shuffle;      /* reshuffle the examples every epoch (default 1); 0
                         keeps the data's order */
    int patience;     /* early stopping; 0 (the default) is off */
    double min_delta; /* >= 0; default 0 */
    gf_epoch_fn on_epoch;       /* may be NULL (the default) */
    gf_progress_fn on_progress; /* may be NULL (the default) */
    void *user;                 /* passed to both callbacks; default NULL */
} gf_fit_opts;

#define GF_FIT_OPTS_DEFAULT \
    {.epochs = 10, .batch_size = 64, .optim = GF_OPTIM_OPTS_DEFAULT, .shuffle = 1, .patience = 0, \
     .min_delta = 0.0, .on_epoch = NULL, .on_progress = NULL, .user = NULL}

/* Train on `train`, validating on `valid` (may be NULL) after each epoch:
 * a gf_trainer made, run and freed.  The data must fit the model: cols
 * equal to its inputs, y_cols to the target's size (1 for softmax_xent,
 * whose dataset needs classes, no more than the outputs).  Stops with
 * GF_ERR_NUMERIC if a loss or gradient is not finite, before applying that
 * step, so the parameters are the last good ones; the message names the
 * epoch, the step and the first node whose value (or gradient) was not
 * finite.  Other errors: GF_ERR_STATE before gf_model_compile, GF_ERR_ARG
 * for a NULL model, train or opts, a bad option (patience without
 * validation data among them), or a target out of range for the loss
 * (found at forward), GF_ERR_SHAPE for data that do not fit, GF_ERR_NOMEM. */
gf_status gf_model_fit(gf_model *m, const gf_dataset *train, const gf_dataset *valid,
                       const gf_fit_opts *opts);

/* ---- The trainer: training that can stop and resume ----
 * A trainer holds everything a run changes besides the model's parameters:
 * the optimiser and its moments, the epoch and step counters, the random
 * generator for shuffling, dropout and noise, the early-stopping state with
 * the best weights, and the history.  Save it with the model after an epoch
 * (a checkpoint, see grafo/io.h), restore it into a new trainer, and
 * gf_trainer_fit continues where it stopped: the same seed and thread count
 * give bit-identical weights to a run never interrupted. */
typedef struct gf_trainer gf_trainer;

/* A trainer for m (borrowed: it must outlive the trainer; compiled), with
 * the options copied and the generator copied from the model's.  NULL on
 * failure: GF_ERR_STATE before compile, GF_ERR_ARG for bad options,
 * GF_ERR_NOMEM. */
gf_trainer *gf_trainer_new(gf_model *m, const gf_fit_opts *o);
void gf_trainer_free(gf_trainer *t); /* NULL is fine */

/* Run the epochs after gf_trainer_epoch(t) up to opts.epochs (none if
 * done), as gf_model_fit describes; the same data must be given on every
 * call.  Early stopping's end restores the best weights. */
gf_status gf_trainer_fit(gf_trainer *t, const gf_dataset *train, const gf_dataset *valid);

/* Change the epochs to train to (>= 1), e.g. to extend a resumed run.
 * GF_ERR_ARG otherwise. */
gf_status gf_trainer_set_epochs(gf_trainer *t, int epochs);

/* Replace the callbacks and their user pointer (a loaded trainer has
 * none).  t NULL does nothing. */
void gf_trainer_set_callbacks(gf_trainer *t, gf_epoch_fn on_epoch, gf_progress_fn on_progress,
                              void *user);

/* The model the trainer trains (borrowed). */
gf_model *gf_trainer_model(const gf_trainer *t);

/* The options as copied (borrowed), the optimiser (borrowed, for its
 * state), and the epochs completed. */
const gf_fit_opts *gf_trainer_opts(const gf_trainer *t);
gf_optimizer *gf_trainer_optimizer(gf_trainer *t);
int gf_trainer_epoch(const gf_trainer *t);
/* 1 once early stopping has ended the run. */
int gf_trainer_stopped(const gf_trainer *t);

/* The epochs completed, in order; *n receives how many.  Borrowed, valid
 * until the next gf_trainer_fit or gf_trainer_restore. */
const gf_epoch_report *gf_trainer_history(const gf_trainer *t, size_t *n);

/* Counters and generator, as saved in checkpoints. */
typedef struct gf_trainer_state {
    int epoch;            /* epochs completed */
    uint64_t step;        /* minibatches trained, over every epoch */
    gf_rng rng;           /* shuffling, dropout and noise */
    int best_epoch;       /* early stopping: epoch of the best validation loss, 0 if none */
    double best_loss;     /* its loss, +inf if none */
    int bad_epochs;       /* epochs since it */
    int stopped;          /* early stopping ended the run */
} gf_trainer_state;

void gf_trainer_get_state(const gf_trainer *t, gf_trainer_state *out);
/* Restore counters and history (n reports, copied; may be 0 with history
 * NULL).  The optimiser's moments are restored through
 * gf_trainer_optimizer, the best weights through gf_trainer_best.
 * GF_ERR_ARG for inconsistent values (negative counters, an epoch beyond
 * the options' epochs, a history whose length is not the epoch),
 * GF_ERR_NOMEM. */
gf_status gf_trainer_restore(gf_trainer *t, const gf_trainer_state *s,
                             const gf_epoch_report *history, size_t n);
/* The best epoch's parameters (gf_param_count floats), writable for
 * restoring; NULL when early stopping is off. */
float *gf_trainer_best(gf_trainer *t);

/* Mean loss and accuracy of the model on ds, in batches of max_batch rows,
 * in evaluation mode (no dropout or noise; batch norm's running
 * statistics).
 * Accuracy is the fraction of rows whose largest logit is the label
 * (softmax_xent), or of outputs on the right side of 0 (bce_logits: target
 * >= 0.5; hinge: target > 0); NaN for mse.  loss and accuracy may be NULL.
 * Errors as gf_model_fit's for its data. */
gf_status gf_model_evaluate(gf_model *m, const gf_dataset *ds, double *loss, double *accuracy);

/* The output node's values for `rows` examples x (rows, inputs), written to
 * out (rows, outputs), in batches of max_batch rows; rows = 0 does nothing.
 * For losses from logits these are the logits.  GF_ERR_STATE before
 * compile, GF_ERR_ARG for x or out NULL, GF_ERR_NUMERIC for a non-finite
 * input (naming row and column, from 0); out may then be partly written.
 * Fit, evaluate and predict run in the model's one workspace, so a model
 * serves one thread at a time. */
gf_status gf_model_predict(gf_model *m, const float *x, size_t rows, float *out);

#ifdef __cplusplus
}
#endif
#endif
