/* grafo train's options: the help, the table, and their reading.  Values
 * are read after the whole command line, since --optimizer decides the
 * defaults the other flags change (gf_optim_defaults) and which of them
 * apply at all. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

static void train_usage(FILE *f)
{
    fprintf(f,
            "usage: grafo train (--layers SPEC | --model FILE | --resume FILE) [options]\n"
            "Train a network of dense layers by minibatch gradient descent; --save keeps it\n"
            "for 'grafo predict' and 'grafo eval'.\n"
            "\n" DATA_HELP
            "network:\n"
            "  --layers SPEC     the layers after the inputs, UNITS:ACTIVATION joined by\n"
            "                    commas, e.g. 512:relu,10:softmax.  Hidden activations:\n"
            "                    identity, sigmoid, tanh, relu, leaky_relu, elu, softplus,\n"
            "                    hardtanh, abs, prelu, maxout (maxout=K: K pieces [2]), rbf,\n"
            "                    step, sign (the last two cannot be trained through).  A\n"
            "                    hidden layer may add :bn (batch norm) and :dropout=P.\n"
            "                    The last layer chooses the loss: softmax (classes,\n"
            "                    cross-entropy; :smooth=EPS smooths the labels), sigmoid (two\n"
            "                    classes, binary cross-entropy) or identity (regression,\n"
            "                    mean squared error).  A first element\n"
            "                    input:dropout=P:noise=SD:weight_noise=SD perturbs the inputs\n"
            "                    and weights in training.  Example:\n"
            "                    input:dropout=0.2,256:relu:bn:dropout=0.5,10:softmax\n"
            "  --model FILE      start from a saved network's weights instead (its layers,\n"
            "                    scaling and classes; a new optimiser)\n"
            "  --resume FILE     continue a run from its --checkpoint FILE: the layers,\n"
            "                    options, scaling, hold-out and state come from it, so the\n"
            "                    run goes on bit for bit (with the same --threads); give the\n"
            "                    same data, and --epochs to train further than it was going to\n"
            "regularisation (for a new network; the spec's own options win):\n"
            "  --dropout P       dropout after every hidden layer, P in [0, 1) [0]\n"
            "  --batch-norm      batch norm in every hidden layer (but rbf) [off]\n"
            "  --input-dropout P dropout on the inputs, P in [0, 1) [0]\n"
            "  --input-noise SD  Gaussian noise added to the inputs in training [0]\n"
            "  --weight-noise SD Gaussian noise added to every weight in training [0]\n"
            "  --label-smoothing EPS  softmax targets 1 - EPS and EPS / (k - 1) [0]\n"
            "  --weight-decay X  L2 penalty on the weights (never biases); adamw: decoupled\n"
            "                    decay [0; adamw 0.01]\n"
            "  --l1 X            L1 penalty on the weights [0]\n"
            "optimiser:\n"
            "  --optimizer NAME  sgd, adam, adamw, rmsprop or adagrad [sgd]\n"
            "  --lr X            learning rate [sgd 0.1; adam, adamw 0.001; rmsprop,\n"
            "                    adagrad 0.01]\n"
            "  --momentum X      sgd, rmsprop: momentum in [0, 1) [0]\n"
            "  --nesterov        sgd: Nesterov momentum (needs --momentum) [off]\n"
            "  --beta1 X         adam, adamw: first moment's decay in [0, 1) [0.9]\n"
            "  --beta2 X         adam, adamw: second moment's decay in [0, 1) [0.999]\n"
            "  --rho X           rmsprop: the squares' decay in [0, 1) [0.99]\n"
            "  --eps X           adam, adamw, rmsprop, adagrad: added to the denominator\n"
            "                    [1e-8; adagrad 1e-10]\n"
            "  --clip-norm X     scale each gradient down to this global norm; 0 is off [0]\n"
            "learning-rate schedule (epochs e from 0, steps t from 0):\n"
            "  --schedule NAME   constant; step: lr gamma^floor(e / step-epochs);\n"
            "                    exponential: lr gamma^e; inverse: lr / (1 + decay t);\n"
            "                    cosine: from lr down to lr-min over period epochs\n"
            "                    [constant, or inverse with --decay]\n"
            "  --gamma X         step, exponential: factor in (0, 1] [0.1]\n"
            "  --step-epochs N   step: epochs between decays [10]\n"
            "  --decay X         inverse: lr / (1 + X t) at step t [0]\n"
            "  --period N        cosine: epochs to reach --lr-min [--epochs]\n"
            "  --lr-min X        cosine: the last learning rate, in [0, lr] [0]\n"
            "training:\n"
            "  --epochs N        passes over the training rows [10]\n"
            "  --batch N         minibatch size; 1 is online SGD [64]\n"
            "  --valid F         hold out this fraction of the rows (stratified for classes)\n"
            "                    and report its loss and accuracy each epoch; '*' marks the\n"
            "                    best epoch so far [0]\n"
            "  --patience N      early stopping: stop after N epochs without a better\n"
            "                    validation loss, and keep the best epoch's weights; needs\n"
            "                    --valid [0: off]\n"
            "  --min-delta X     early stopping: how much lower a loss must be to count as\n"
            "                    better [0]\n"
            "  --scale KIND      none, standard or minmax, fitted on the training rows\n"
            "                    [standard]\n"
            "  --seed N          initial weights, shuffling, dropout, noise and the\n"
            "                    hold-out [1]\n"
            "output:\n"
            "  --save FILE       write the trained network (safetensors)\n"
            "  --checkpoint FILE after every epoch, write the network and the training\n"
            "                    state (optimiser moments, counters, random state), for\n"
            "                    --resume; written atomically, never half a file\n"
            "  --history FILE    after every epoch, the history as CSV: epoch, loss,\n"
            "                    train_accuracy, valid_loss, valid_accuracy, learning_rate,\n"
            "                    grad_norm, seconds\n"
            "  --plot FILE       after every epoch, the history drawn as SVG (loss and\n"
            "                    accuracy per epoch, training against validation)\n"
            "  --json            print the per-epoch history as JSON at the end\n"
            "  --quiet           no progress bar or per-epoch lines\n"
            "  --threads N       threads; 0 = one per core [0]\n"
            "  --help            this text\n");
}

enum {
    OPT_LAYERS = 1, OPT_MODEL, OPT_RESUME, OPT_EPOCHS, OPT_BATCH, OPT_OPTIMIZER, OPT_LR,
    OPT_MOMENTUM, OPT_NESTEROV, OPT_BETA1, OPT_BETA2, OPT_RHO, OPT_EPS, OPT_WEIGHT_DECAY,
    OPT_L1, OPT_CLIP_NORM, OPT_SCHEDULE, OPT_GAMMA, OPT_STEP_EPOCHS, OPT_DECAY, OPT_PERIOD,
    OPT_LR_MIN, OPT_DROPOUT, OPT_BATCH_NORM, OPT_INPUT_DROPOUT, OPT_INPUT_NOISE,
    OPT_WEIGHT_NOISE, OPT_LABEL_SMOOTHING, OPT_VALID, OPT_PATIENCE, OPT_MIN_DELTA, OPT_SCALE,
    OPT_SEED, OPT_SAVE, OPT_CHECKPOINT, OPT_HISTORY, OPT_PLOT, OPT_JSON, OPT_QUIET,
    OPT_THREADS, OPT_HELP
};

static const struct option longs[] = {
    DATA_LONG_OPTIONS,
    {"layers", required_argument, NULL, OPT_LAYERS},
    {"model", required_argument, NULL, OPT_MODEL},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"epochs", required_argument, NULL, OPT_EPOCHS},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"optimizer", required_argument, NULL, OPT_OPTIMIZER},
    {"lr", required_argument, NULL, OPT_LR},
    {"momentum", required_argument, NULL, OPT_MOMENTUM},
    {"nesterov", no_argument, NULL, OPT_NESTEROV},
    {"beta1", required_argument, NULL, OPT_BETA1},
    {"beta2", required_argument, NULL, OPT_BETA2},
    {"rho", required_argument, NULL, OPT_RHO},
    {"eps", required_argument, NULL, OPT_EPS},
    {"weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY},
    {"l1", required_argument, NULL, OPT_L1},
    {"clip-norm", required_argument, NULL, OPT_CLIP_NORM},
    {"schedule", required_argument, NULL, OPT_SCHEDULE},
    {"gamma", required_argument, NULL, OPT_GAMMA},
    {"step-epochs", required_argument, NULL, OPT_STEP_EPOCHS},
    {"decay", required_argument, NULL, OPT_DECAY},
    {"period", required_argument, NULL, OPT_PERIOD},
    {"lr-min", required_argument, NULL, OPT_LR_MIN},
    {"dropout", required_argument, NULL, OPT_DROPOUT},
    {"batch-norm", no_argument, NULL, OPT_BATCH_NORM},
    {"input-dropout", required_argument, NULL, OPT_INPUT_DROPOUT},
    {"input-noise", required_argument, NULL, OPT_INPUT_NOISE},
    {"weight-noise", required_argument, NULL, OPT_WEIGHT_NOISE},
    {"label-smoothing", required_argument, NULL, OPT_LABEL_SMOOTHING},
    {"valid", required_argument, NULL, OPT_VALID},
    {"patience", required_argument, NULL, OPT_PATIENCE},
    {"min-delta", required_argument, NULL, OPT_MIN_DELTA},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"save", required_argument, NULL, OPT_SAVE},
    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
    {"history", required_argument, NULL, OPT_HISTORY},
    {"plot", required_argument, NULL, OPT_PLOT},
    {"json", no_argument, NULL, OPT_JSON},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const char *const cmd = "train";

/* Flags that only some optimisers or schedules read: given to another,
 * they would do nothing, which is a mistake worth a message. */
#define KIND(k) (1u << (k))
static const struct {
    int code;
    unsigned kinds;
    const char *which;
} optim_only[] = {
    {OPT_MOMENTUM, KIND(GF_OPTIM_SGD) | KIND(GF_OPTIM_RMSPROP), "sgd and rmsprop"},
    {OPT_NESTEROV, KIND(GF_OPTIM_SGD), "sgd"},
    {OPT_BETA1, KIND(GF_OPTIM_ADAM) | KIND(GF_OPTIM_ADAMW), "adam and adamw"},
    {OPT_BETA2, KIND(GF_OPTIM_ADAM) | KIND(GF_OPTIM_ADAMW), "adam and adamw"},
    {OPT_RHO, KIND(GF_OPTIM_RMSPROP), "rmsprop"},
    {OPT_EPS, ~KIND(GF_OPTIM_SGD), "adam, adamw, rmsprop and adagrad"},
}, schedule_only[] = {
    {OPT_GAMMA, KIND(GF_SCHEDULE_STEP) | KIND(GF_SCHEDULE_EXPONENTIAL), "step and exponential"},
    {OPT_STEP_EPOCHS, KIND(GF_SCHEDULE_STEP), "step"},
    {OPT_DECAY, KIND(GF_SCHEDULE_INVERSE), "inverse"},
    {OPT_PERIOD, KIND(GF_SCHEDULE_COSINE), "cosine"},
    {OPT_LR_MIN, KIND(GF_SCHEDULE_COSINE), "cosine"},
};

/* What --resume takes from the checkpoint: the flags that would change
 * the run it continues. */
static const int from_checkpoint[] = {
    OPT_MODEL, OPT_BATCH, OPT_OPTIMIZER, OPT_LR, OPT_MOMENTUM, OPT_NESTEROV, OPT_BETA1,
    OPT_BETA2, OPT_RHO, OPT_EPS, OPT_WEIGHT_DECAY, OPT_L1, OPT_CLIP_NORM, OPT_SCHEDULE,
    OPT_GAMMA, OPT_STEP_EPOCHS, OPT_DECAY, OPT_PERIOD, OPT_LR_MIN, OPT_DROPOUT, OPT_BATCH_NORM,
    OPT_INPUT_DROPOUT, OPT_INPUT_NOISE, OPT_WEIGHT_NOISE, OPT_LABEL_SMOOTHING, OPT_VALID,
    OPT_PATIENCE, OPT_MIN_DELTA, OPT_SCALE, OPT_SEED,
};
/* What --model takes from the saved network: its layers. */
static const int from_model[] = {
    OPT_SCALE, OPT_DROPOUT, OPT_BATCH_NORM, OPT_INPUT_DROPOUT, OPT_INPUT_NOISE,
    OPT_WEIGHT_NOISE, OPT_LABEL_SMOOTHING,
};

/* A number flag, if given, into *v: in [lo, hi], or (lo, hi] with lo_open. */
static bool number(const char **given, int code, double lo, bool lo_open, double hi,
                   bool hi_open, double *v)
{
    return !given[code] || arg_range(cmd, arg_name(longs, code), given[code], lo, lo_open, hi,
                                     hi_open, v);
}

static bool whole(const char **given, int code, long lo, long hi, long *v)
{
    return !given[code] || arg_int(cmd, arg_name(longs, code), given[code], lo, hi, v);
}

/* A float field of the optimiser's options. */
static bool optim_number(const char **given, int code, double lo, bool lo_open, double hi,
                         bool hi_open, float *field)
{
    return !given[code] || arg_range_float(cmd, arg_name(longs, code), given[code], lo, lo_open,
                                           hi, hi_open, field);
}

/* A value the architecture will keep as a float. */
static bool float_number(const char **given, int code, double lo, bool lo_open, double hi,
                         bool hi_open, double *v)
{
    float f;
    if (!given[code]) return true;
    if (!arg_range_float(cmd, arg_name(longs, code), given[code], lo, lo_open, hi, hi_open, &f))
        return false;
    *v = f;
    return true;
}

/* The optimiser and its schedule from the flags, on the kind's defaults. */
static bool read_optim(const char **given, gf_optim_opts *out)
{
    gf_optim_kind kind = GF_OPTIM_SGD;
    if (given[OPT_OPTIMIZER] && gf_optim_parse(given[OPT_OPTIMIZER], &kind) != GF_OK) {
        fprintf(stderr, "grafo train: --optimizer: %s\n", gf_errmsg());
        return false;
    }
    gf_optim_opts o = gf_optim_defaults(kind);
    if (given[OPT_SCHEDULE] && gf_schedule_parse(given[OPT_SCHEDULE], &o.schedule) != GF_OK) {
        fprintf(stderr, "grafo train: --schedule: %s\n", gf_errmsg());
        return false;
    }
    if (!given[OPT_SCHEDULE] && given[OPT_DECAY]) o.schedule = GF_SCHEDULE_INVERSE;
    for (size_t i = 0; i < sizeof optim_only / sizeof optim_only[0]; i++)
        if (given[optim_only[i].code] && !(optim_only[i].kinds & KIND(kind))) {
            fprintf(stderr, "grafo train: %s applies to --optimizer %s, not %s\n",
                    arg_name(longs, optim_only[i].code), optim_only[i].which,
                    gf_optim_name(kind));
            return false;
        }
    for (size_t i = 0; i < sizeof schedule_only / sizeof schedule_only[0]; i++)
        if (given[schedule_only[i].code] && !(schedule_only[i].kinds & KIND(o.schedule))) {
            fprintf(stderr, "grafo train: %s applies to --schedule %s, not %s\n",
                    arg_name(longs, schedule_only[i].code), schedule_only[i].which,
                    gf_schedule_name(o.schedule));
            return false;
        }
    long step_epochs = o.step_epochs, period = o.period;
    bool ok = optim_number(given, OPT_LR, 0, true, INFINITY, false, &o.lr) &&
              optim_number(given, OPT_MOMENTUM, 0, false, 1, true, &o.momentum) &&
              optim_number(given, OPT_BETA1, 0, false, 1, true, &o.beta1) &&
              optim_number(given, OPT_BETA2, 0, false, 1, true, &o.beta2) &&
              optim_number(given, OPT_RHO, 0, false, 1, true, &o.rho) &&
              optim_number(given, OPT_EPS, 0, true, INFINITY, false, &o.eps) &&
              optim_number(given, OPT_WEIGHT_DECAY, 0, false, INFINITY, false, &o.weight_decay) &&
              optim_number(given, OPT_L1, 0, false, INFINITY, false, &o.l1) &&
              optim_number(given, OPT_CLIP_NORM, 0, false, INFINITY, false, &o.clip_norm) &&
              optim_number(given, OPT_GAMMA, 0, true, 1, false, &o.gamma) &&
              optim_number(given, OPT_DECAY, 0, false, INFINITY, false, &o.decay) &&
              optim_number(given, OPT_LR_MIN, 0, false, INFINITY, false, &o.lr_min) &&
              whole(given, OPT_STEP_EPOCHS, 1, 1000000, &step_epochs) &&
              whole(given, OPT_PERIOD, 1, 1000000, &period);
    if (!ok) return false;
    o.step_epochs = (int)step_epochs;
    o.period = (int)period;
    o.nesterov = given[OPT_NESTEROV] != NULL;
    if (o.nesterov && !(o.momentum > 0)) {
        fprintf(stderr, "grafo train: --nesterov needs --momentum above 0\n");
        return false;
    }
    if (o.lr_min > o.lr) {
        fprintf(stderr, "grafo train: --lr-min %g is above the learning rate %g\n", o.lr_min,
                o.lr);
        return false;
    }
    /* The library's own check, for whatever the flags above let through
     * (a float that rounds out of range). */
    if (gf_optim_check(&o) != GF_OK) {
        fprintf(stderr, "grafo train: %s\n", gf_errmsg());
        return false;
    }
    *out = o;
    return true;
}

/* The flags of `codes` that were given: an error naming the first one. */
static bool refuse_given(const char **given, const int *codes, size_t n, const char *why,
                         const char *file)
{
    for (size_t i = 0; i < n; i++)
        if (given[codes[i]]) {
            fprintf(stderr, "grafo train: %s %s %s\n", arg_name(longs, codes[i]), why, file);
            return false;
        }
    return true;
}

/* Which network to train, and the flags that go with each way. */
static bool check_sources(const char **given, const train_opts *o)
{
    int sources = (o->layers != NULL) + (o->model != NULL) + (o->resume != NULL);
    if (o->resume && o->model) {
        fprintf(stderr, "grafo train: give --resume FILE or --model FILE, not both\n");
        return false;
    }
    if (!o->resume && sources != 1) {
        fprintf(stderr, "grafo train: give --layers SPEC (a new network), --model FILE (a saved "
                "one) or --resume FILE (a checkpoint), %s\n", sources ? "not both" : "one of them");
        return false;
    }
    if (o->resume)
        return refuse_given(given, from_checkpoint, sizeof from_checkpoint / sizeof *from_checkpoint,
                            "cannot be changed when resuming: it comes from the checkpoint",
                            o->resume);
    if (o->model)
        return refuse_given(given, from_model, sizeof from_model / sizeof *from_model,
                            "applies to a new network; the layers and scaling come from", o->model);
    return true;
}

int train_parse(int argc, char **argv, train_opts *o)
{
    *o = (train_opts){ .epochs = 10, .batch = 64, .seed = 1, .scale = GF_SCALE_STANDARD };
    const char *given[ARG_CODES] = { 0 };
    bool bad = false;
    int c;
    arg_start();
    while (!bad && (c = arg_next(cmd, argc, argv, longs, OPT_HELP, DATA_OPT_FACTOR, given)) != -1) {
        if (c == 0) return EXIT_USAGE;
        if (data_option(cmd, c, optarg, &o->data, &bad)) continue;
        if (c == OPT_HELP) {
            train_usage(stdout);
            return EXIT_OK;
        }
        if (c < 1 || c > OPT_HELP) { /* getopt returned something unexpected */
            fprintf(stderr, "grafo train: unknown option '%s'\n", argv[optind - 1]);
            bad = true;
        }
    }
    if (bad) return EXIT_USAGE;
    if (optind < argc) {
        fprintf(stderr, "grafo train: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    o->layers = given[OPT_LAYERS];
    o->model = given[OPT_MODEL];
    o->resume = given[OPT_RESUME];
    o->save = given[OPT_SAVE];
    o->checkpoint = given[OPT_CHECKPOINT];
    o->history = given[OPT_HISTORY];
    o->plot = given[OPT_PLOT];
    o->batch_norm = given[OPT_BATCH_NORM] != NULL;
    o->json = given[OPT_JSON] != NULL;
    o->quiet = given[OPT_QUIET] != NULL;
    o->epochs_given = given[OPT_EPOCHS] != NULL;
    if (!check_sources(given, o)) return EXIT_USAGE;
    bool ok = whole(given, OPT_EPOCHS, 1, 1000000, &o->epochs) &&
              whole(given, OPT_BATCH, 1, 1 << 20, &o->batch) &&
              whole(given, OPT_THREADS, 0, 1024, &o->threads) &&
              whole(given, OPT_PATIENCE, 0, 1000000, &o->patience) &&
              number(given, OPT_VALID, 0, false, 0.9, false, &o->valid) &&
              number(given, OPT_MIN_DELTA, 0, false, INFINITY, false, &o->min_delta) &&
              float_number(given, OPT_DROPOUT, 0, false, 1, true, &o->dropout) &&
              float_number(given, OPT_INPUT_DROPOUT, 0, false, 1, true, &o->input_dropout) &&
              float_number(given, OPT_INPUT_NOISE, 0, false, 1000, false, &o->input_noise) &&
              float_number(given, OPT_WEIGHT_NOISE, 0, false, 1000, false, &o->weight_noise) &&
              float_number(given, OPT_LABEL_SMOOTHING, 0, false, 1, true, &o->label_smoothing) &&
              (!given[OPT_SEED] || arg_u64(cmd, "--seed", given[OPT_SEED], &o->seed));
    if (ok && given[OPT_SCALE] && gf_scaling_parse(given[OPT_SCALE], &o->scale) != GF_OK) {
        fprintf(stderr, "grafo train: --scale: %s\n", gf_errmsg());
        ok = false;
    }
    if (ok && !o->resume) ok = read_optim(given, &o->optim);
    /* A cosine schedule anneals over the whole run unless told otherwise. */
    if (ok && !o->resume && !given[OPT_PERIOD]) o->optim.period = (int)o->epochs;
    if (ok && (given[OPT_PATIENCE] || given[OPT_MIN_DELTA]) && !(o->valid > 0)) {
        fprintf(stderr, "grafo train: %s judges the validation loss: it needs --valid F\n",
                given[OPT_PATIENCE] ? "--patience" : "--min-delta");
        ok = false;
    }
    return ok ? -1 : EXIT_USAGE;
}

/* ---------------------------------------------------------- the layers -- */

/* An input or output option set both in --layers and by its flag. */
static bool set_once(const char *flag, bool given, float in_spec, double value, float *field)
{
    if (!given) return true;
    if (in_spec > 0) {
        fprintf(stderr, "grafo train: %s %g and --layers (which sets it to %g) disagree; give "
                "one\n", flag, value, in_spec);
        return false;
    }
    *field = (float)value;
    return true;
}

int apply_arch_flags(const train_opts *o, gf_arch *arch)
{
    for (size_t i = 0; i + 1 < arch->n; i++) { /* hidden layers */
        gf_layer_spec *l = &arch->layers[i];
        if (l->dropout == 0) l->dropout = (float)o->dropout;
        if (o->batch_norm && l->act != GF_ACT_RBF) l->batch_norm = 1;
    }
    bool ok = set_once("--input-dropout", o->input_dropout > 0, arch->input_dropout,
                       o->input_dropout, &arch->input_dropout) &&
              set_once("--input-noise", o->input_noise > 0, arch->input_noise, o->input_noise,
                       &arch->input_noise) &&
              set_once("--weight-noise", o->weight_noise > 0, arch->weight_noise,
                       o->weight_noise, &arch->weight_noise) &&
              set_once("--label-smoothing", o->label_smoothing > 0, arch->label_smoothing,
                       o->label_smoothing, &arch->label_smoothing);
    if (!ok) return EXIT_USAGE;
    if (arch->label_smoothing > 0 && arch->loss != GF_LOSS_SOFTMAX_XENT) {
        fprintf(stderr, "grafo train: --label-smoothing needs a softmax output layer\n");
        return EXIT_USAGE;
    }
    /* The whole architecture by the library's rules (it prints back only
     * what it would build). */
    char spec[8192];
    if (gf_arch_format(arch, spec, sizeof spec) != GF_OK) return fail(cmd, EXIT_USAGE);
    return EXIT_OK;
}
