/* grafo/optim.h — optimisers and learning-rate schedules over a flat block
 * of parameters, as the training loop uses them and as a caller driving its
 * own loop can (PyTorch's torch.optim, in C).
 *
 *     gf_optim_opts o = gf_optim_defaults(GF_OPTIM_ADAM);
 *     o.weight_decay = 1e-4f;
 *     gf_optimizer *opt = gf_optimizer_new(&o, gf_param_count(g));
 *     gf_optimizer_mark(opt, offset_of_W, size_of_W, GF_PARAM_WEIGHT);
 *     ... each step: gf_forward, gf_backward, then
 *     gf_optimizer_step(opt, gf_params(g), gf_param_grads(ws), gf_schedule_lr(&o, epoch, step));
 *
 * Every update follows PyTorch's formulas exactly (torch.optim in 1.13),
 * so a trajectory matches PyTorch's to float rounding:
 *   SGD        b = mu b + g (b = g at the first step); Nesterov g = g + mu b,
 *              else g = b when mu > 0; w -= lr g
 *   Adam       m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *              w -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 *   AdamW      w -= lr wd w first (decoupled decay), then Adam without L2
 *   RMSProp    v = rho v + (1-rho) g^2; with momentum mu:
 *              b = mu b + g / (sqrt(v) + eps), w -= lr b; else w -= lr g / (sqrt(v) + eps)
 *   Adagrad    s += g^2; w -= lr g / (sqrt(s) + eps)
 * L2 (weight_decay, except under AdamW) adds wd w to the gradient and L1
 * adds l1 sign(w), on weights only: parameters marked GF_PARAM_WEIGHT.
 * Biases and the like are never penalised; frozen parameters (batch-norm
 * running statistics) are never changed.  Clipping by global norm scales
 * the whole gradient by clip / (norm + 1e-6) when its 2-norm over the
 * trainable parameters exceeds clip, before the penalties are added, as
 * torch.nn.utils.clip_grad_norm_ followed by the optimiser does. */
#ifndef GRAFO_OPTIM_H
#define GRAFO_OPTIM_H

#include "grafo/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gf_optim_kind {
    GF_OPTIM_SGD,     /* with momentum and Nesterov momentum as options */
    GF_OPTIM_ADAM,
    GF_OPTIM_ADAMW,
    GF_OPTIM_RMSPROP,
    GF_OPTIM_ADAGRAD,
    GF_OPTIM_COUNT
} gf_optim_kind;

/* The learning rate by epoch (e counts from 0) or, for inverse time, by
 * step (t counts from 0 over the whole run), as PyTorch's schedulers
 * stepped once per epoch:
 *   constant     lr
 *   step         lr gamma^floor(e / step_epochs)
 *   exponential  lr gamma^e
 *   inverse      lr / (1 + decay t)            (the seeds' 1/t decay)
 *   cosine       lr_min + (lr - lr_min) (1 + cos(pi min(e, period) / period)) / 2 */
typedef enum gf_schedule_kind {
    GF_SCHEDULE_CONSTANT,
    GF_SCHEDULE_STEP,
    GF_SCHEDULE_EXPONENTIAL,
    GF_SCHEDULE_INVERSE,
    GF_SCHEDULE_COSINE,
    GF_SCHEDULE_COUNT
} gf_schedule_kind;

typedef struct gf_optim_opts {
    gf_optim_kind kind;
    float lr;            /* > 0 */
    float momentum;      /* SGD and RMSProp, in [0, 1) */
    int nesterov;        /* SGD; needs momentum > 0 */
    float beta1, beta2;  /* Adam, AdamW; in [0, 1) */
    float rho;           /* RMSProp's smoothing (PyTorch's alpha), in [0, 1) */
    float eps;           /* > 0: Adam, AdamW, RMSProp, Adagrad */
    float weight_decay;  /* >= 0: L2 on weights; AdamW: decoupled decay */
    float l1;            /* >= 0: L1 on weights */
    float clip_norm;     /* > 0 clips the gradient's global norm; 0 off */
    gf_schedule_kind schedule;
    float gamma;         /* step, exponential: factor in (0, 1] */
    int step_epochs;     /* step: epochs between decays, >= 1 */
    float decay;         /* inverse: >= 0 */
    int period;          /* cosine: epochs to reach lr_min, >= 1 */
    float lr_min;        /* cosine: in [0, lr] */
} gf_optim_opts;

/* PyTorch's defaults for `kind`: lr 0.1 (SGD: grafo's default since the
 * first issue) or 1e-3 (Adam, AdamW; AdamW alone also has weight_decay
 * 1e-2, its PyTorch default), 1e-2 (RMSProp, Adagrad); momentum 0; betas
 * 0.9, 0.999; rho 0.99; eps 1e-8 (Adagrad 1e-10); no L1, no clipping; a
 * constant schedule with gamma 0.1, step_epochs 10, decay 0, period 10,
 * lr_min 0.  An unknown kind gives SGD's. */
gf_optim_opts gf_optim_defaults(gf_optim_kind kind);

/* gf_optim_defaults(GF_OPTIM_SGD) as an initialiser, for option structs
 * that hold a gf_optim_opts (gf_fit_opts). */
#define GF_OPTIM_OPTS_DEFAULT                                                                  \
    {.kind = GF_OPTIM_SGD, .lr = 0.1f, .momentum = 0.0f, .nesterov = 0, .beta1 = 0.9f,         \
     .beta2 = 0.999f, .rho = 0.99f, .eps = 1e-8f, .weight_decay = 0.0f, .l1 = 0.0f,            \
     .clip_norm = 0.0f, .schedule = GF_SCHEDULE_CONSTANT, .gamma = 0.1f, .step_epochs = 10,   \
     .decay = 0.0f, .period = 10, .lr_min = 0.0f}

/* Every field in its range, with a message naming the field, its value and
 * the range (GF_ERR_ARG); also GF_ERR_ARG for o NULL.  Every field is
 * checked whatever the kind, so defaults always pass; nesterov must be 0
 * or 1, and 1 only for SGD with momentum > 0. */
gf_status gf_optim_check(const gf_optim_opts *o);

/* Names, for the command line and model files: "sgd", "adam", "adamw",
 * "rmsprop", "adagrad"; "constant", "step", "exponential", "inverse",
 * "cosine".  "unknown" out of range.  The parsers take exactly these names
 * and give GF_ERR_ARG naming the choices otherwise (*out untouched). */
const char *gf_optim_name(gf_optim_kind k);
gf_status gf_optim_parse(const char *text, gf_optim_kind *out);
const char *gf_schedule_name(gf_schedule_kind k);
gf_status gf_schedule_parse(const char *text, gf_schedule_kind *out);

/* The learning rate for epoch `epoch` (from 0; negative counts as 0) and
 * step `step` (from 0).  NaN for o NULL or a schedule out of range. */
float gf_schedule_lr(const gf_optim_opts *o, int epoch, uint64_t step);

/* What a slice of the parameter block is, for penalties and freezing. */
typedef enum gf_param_role {
    GF_PARAM_BIAS,   /* trained, not penalised (the default for every element) */
    GF_PARAM_WEIGHT, /* trained and penalised by L1/L2/decoupled decay */
    GF_PARAM_FROZEN, /* never changed (running statistics) */
    GF_PARAM_ROLE_COUNT
} gf_param_role;

typedef struct gf_optimizer gf_optimizer;

/* An optimiser for n parameters, moments zeroed, step count 0; its options
 * are copied.  NULL on failure: gf_optim_check's errors, GF_ERR_ARG for
 * n = 0, GF_ERR_NOMEM. */
gf_optimizer *gf_optimizer_new(const gf_optim_opts *o, size_t n);
void gf_optimizer_free(gf_optimizer *opt); /* NULL is fine */
const gf_optim_opts *gf_optimizer_opts(const gf_optimizer *opt);

/* Give elements [first, first + count) a role.  GF_ERR_ARG for a range
 * outside the block or an unknown role. */
gf_status gf_optimizer_mark(gf_optimizer *opt, size_t first, size_t count, gf_param_role role);

/* One update of w[0..n) from the gradient g[0..n) at learning rate lr.
 * g is clipped in place when clip_norm is set.  *grad_norm (may be NULL)
 * receives the gradient's global norm before clipping.  The step checks g
 * itself, so a caller need not check it first (it can look for the culprit
 * after a failure): a non-finite g or lr gives GF_ERR_NUMERIC and changes
 * nothing (w, g, the moments, the step count).  Frozen elements' gradients
 * are never read.  lr = 0 (where a schedule may end) moves no weight
 * but advances the moments and the step count, as PyTorch does.
 * GF_ERR_ARG for NULL pointers or lr < 0.  Allocates nothing. */
gf_status gf_optimizer_step(gf_optimizer *opt, float *w, float *g, float lr, double *grad_norm);

/* Steps taken so far (Adam's t). */
uint64_t gf_optimizer_steps(const gf_optimizer *opt);

/* The optimiser's state, for checkpoints: its moment buffers, each n
 * floats, named, in this order, "momentum" (SGD with momentum), "m" and
 * "v" (Adam, AdamW), "square_avg" then, with momentum, "momentum"
 * (RMSProp), "sum" (Adagrad); plain SGD has none.  gf_optimizer_state
 * gives buffer i (0 <= i < gf_optimizer_states) writable, with its name
 * (name may be NULL), or NULL out of range.  Restore by writing the
 * buffers and gf_optimizer_set_steps. */
int gf_optimizer_states(const gf_optimizer *opt);
float *gf_optimizer_state(gf_optimizer *opt, int i, const char **name);
void gf_optimizer_set_steps(gf_optimizer *opt, uint64_t steps);

#ifdef __cplusplus
}
#endif
#endif
