/* Optimisers over a flat block of parameters: the update rules of
 * grafo/optim.h, each a plain loop over a contiguous run of elements
 * (two loops per block where a square root sits between them).
 *
 * Marking cuts the block into runs of equal role, so a step walks a short
 * list of runs, skips the frozen ones and gives the others their penalties
 * as loop constants (zero for biases): no element tests its role.  The
 * updates are element-wise, so their results do not depend on the number
 * of threads; the one reduction, the gradient's norm, adds fixed-size
 * chunks in a fixed order.
 *
 * Each rule is written in PyTorch's order of operations (torch.optim 1.13,
 * single-tensor path), with its Python-double scalars rounded to float
 * where they meet a tensor, so trajectories agree to a rounding or two per
 * step: PyTorch's kernels fuse some multiply-adds, ISO C does not. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "grafo/optim.h"
#include "kernels/kernels.h"

#if defined(__SSE__)
#include <immintrin.h>
#endif

#define MAX_STATES 2

/* Elements [first, first + count), all of one role. */
typedef struct run {
    size_t first, count;
    gf_param_role role;
} run;

struct gf_optimizer {
    gf_optim_opts o;
    size_t n;
    uint64_t steps;
    run *runs;                /* nruns: the maximal runs of equal role, in order */
    size_t nruns;
    int nstates;
    const char *state_names[MAX_STATES];
    float *states[MAX_STATES]; /* each n floats, carved from states[0] */
};

/* ---- the update rules -------------------------------------------------- */

/* One step's coefficients, rounded to float as PyTorch rounds them. */
typedef struct rule {
    float lr, mu, b1, c1, b2, c2, root_bc2, step_size, rho, c_rho, eps;
    bool nesterov;
} rule;

/* One run's arrays, from its first element, and its penalties: wd (L2),
 * l1, and shrink, AdamW's decoupled decay factor; 0, 0, 1 for biases. */
typedef struct segment {
    size_t n;
    float *w;
    const float *g;
    float *s0, *s1; /* the state buffers, in gf_optimizer_state's order */
    float wd, l1, shrink;
} segment;

/* The gradient a rule sees: PyTorch's grad + l1 sign(w) (added by the
 * caller) + wd w (the optimiser's weight_decay), in that order. */
static inline float penalised(float g, float w, float wd, float l1)
{
    float sign = (float)(w > 0.0f) - (float)(w < 0.0f);
    return g + l1 * sign + wd * w;
}

/* b = mu b + d (b starts at zero, so the first step gives b = d as
 * PyTorch's clone does); Nesterov d + mu b, else b; w -= lr d. */
static void update_sgd(const rule *k, const segment *s)
{
    size_t n = s->n;
    float *restrict w = s->w, *restrict b = s->s0;
    const float *restrict g = s->g;
    const float lr = k->lr, mu = k->mu, wd = s->wd, l1 = s->l1;
    if (mu == 0.0f && wd == 0.0f && l1 == 0.0f) {
        GF_PARALLEL_FOR_N
        for (size_t i = 0; i < n; i++) w[i] -= lr * g[i];
    } else if (mu == 0.0f) {
        GF_PARALLEL_FOR_N
        for (size_t i = 0; i < n; i++) w[i] -= lr * penalised(g[i], w[i], wd, l1);
    } else if (!k->nesterov) {
        GF_PARALLEL_FOR_N
        for (size_t i = 0; i < n; i++) {
            b[i] = b[i] * mu + penalised(g[i], w[i], wd, l1);
            w[i] -= lr * b[i];
        }
    } else {
        GF_PARALLEL_FOR_N
        for (size_t i = 0; i < n; i++) {
            float d = penalised(g[i], w[i], wd, l1);
            b[i] = b[i] * mu + d;
            w[i] -= lr * (d + mu * b[i]);
        }
    }
}

/* Square roots do not vectorise as sqrtf: it may set errno (for x < 0,
 * which never happens here), a side effect GCC keeps out of vector loops,
 * and the library is built without -fno-math-errno.  So the rules below
 * work in blocks: one loop updates the moments and copies them to a
 * scratch row, root() takes its square roots with the vector instruction,
 * a second loop updates w.  IEEE square roots are correctly rounded, so
 * every branch of root() gives the same bits. */
#define BLOCK 1024 /* elements per block: the scratch row stays in L1 */

static void root(float *x, size_t n)
{
    size_t i = 0;
#if defined(__AVX__)
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_sqrt_ps(_mm256_loadu_ps(x + i)));
#elif defined(__SSE__)
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(x + i, _mm_sqrt_ps(_mm_loadu_ps(x + i)));
#endif
    for (; i < n; i++) x[i] = sqrtf(x[i]);
}

/* Elements [lo, lo + n) of a segment, n <= BLOCK, with a scratch row. */
typedef void block_fn(const rule *k, const segment *s, size_t lo, size_t n, float *r);

/* Blocks are independent, so threads take them in any order. */
static void by_blocks(block_fn *f, const rule *k, const segment *s)
{
    size_t n = s->n, blocks = (n + BLOCK - 1) / BLOCK;
#pragma omp parallel for schedule(static) if (n >= GF_PAR_MIN)
    for (size_t b = 0; b < blocks; b++) {
        float r[BLOCK];
        size_t lo = b * BLOCK;
        f(k, s, lo, n - lo < BLOCK ? n - lo : BLOCK, r);
    }
}

/* Adam and AdamW: m, v the moments, w -= step_size m / (sqrt(v) / root_bc2
 * + eps) with step_size = lr / (1 - b1^t), root_bc2 = sqrt(1 - b2^t). */
static void adam_block(const rule *k, const segment *s, size_t lo, size_t n, float *restrict r)
{
    float *restrict w = s->w + lo, *restrict m = s->s0 + lo, *restrict v = s->s1 + lo;
    const float *restrict g = s->g + lo;
    const float b1 = k->b1, c1 = k->c1, b2 = k->b2, c2 = k->c2, root_bc2 = k->root_bc2;
    const float step_size = k->step_size, eps = k->eps, wd = s->wd, l1 = s->l1,
                shrink = s->shrink;
    for (size_t i = 0; i < n; i++) {
        float d = penalised(g[i], w[i], wd, l1);
        m[i] = m[i] * b1 + c1 * d;
        v[i] = v[i] * b2 + c2 * d * d;
        r[i] = v[i];
    }
    root(r, n);
    for (size_t i = 0; i < n; i++)
        w[i] = w[i] * shrink - step_size * m[i] / (r[i] / root_bc2 + eps);
}

/* v = rho v + (1 - rho) d^2; with momentum b = mu b + d / (sqrt(v) + eps),
 * w -= lr b; without, w -= lr d / (sqrt(v) + eps).  d is computed twice,
 * the same both times, rather than stored. */
static void rmsprop_block(const rule *k, const segment *s, size_t lo, size_t n, float *restrict r)
{
    float *restrict w = s->w + lo, *restrict v = s->s0 + lo;
    const float *restrict g = s->g + lo;
    const float lr = k->lr, mu = k->mu, rho = k->rho, c_rho = k->c_rho, eps = k->eps,
                wd = s->wd, l1 = s->l1;
    for (size_t i = 0; i < n; i++) {
        float d = penalised(g[i], w[i], wd, l1);
        v[i] = v[i] * rho + c_rho * d * d;
        r[i] = v[i];
    }
    root(r, n);
    if (mu == 0.0f) {
        for (size_t i = 0; i < n; i++) w[i] -= lr * penalised(g[i], w[i], wd, l1) / (r[i] + eps);
    } else {
        float *restrict b = s->s1 + lo;
        for (size_t i = 0; i < n; i++) {
            b[i] = b[i] * mu + penalised(g[i], w[i], wd, l1) / (r[i] + eps);
            w[i] -= lr * b[i];
        }
    }
}

/* s += d^2; w -= lr d / (sqrt(s) + eps). */
static void adagrad_block(const rule *k, const segment *s, size_t lo, size_t n, float *restrict r)
{
    float *restrict w = s->w + lo, *restrict sum = s->s0 + lo;
    const float *restrict g = s->g + lo;
    const float lr = k->lr, eps = k->eps, wd = s->wd, l1 = s->l1;
    for (size_t i = 0; i < n; i++) {
        float d = penalised(g[i], w[i], wd, l1);
        sum[i] += d * d;
        r[i] = sum[i];
    }
    root(r, n);
    for (size_t i = 0; i < n; i++) w[i] -= lr * penalised(g[i], w[i], wd, l1) / (r[i] + eps);
}

static void update_adam(const rule *k, const segment *s) { by_blocks(adam_block, k, s); }
static void update_rmsprop(const rule *k, const segment *s) { by_blocks(rmsprop_block, k, s); }
static void update_adagrad(const rule *k, const segment *s) { by_blocks(adagrad_block, k, s); }

typedef void update_fn(const rule *k, const segment *s);
static update_fn *const updates[] = {
    [GF_OPTIM_SGD] = update_sgd,         [GF_OPTIM_ADAM] = update_adam,
    [GF_OPTIM_ADAMW] = update_adam,      [GF_OPTIM_RMSPROP] = update_rmsprop,
    [GF_OPTIM_ADAGRAD] = update_adagrad,
};
_Static_assert(sizeof updates / sizeof updates[0] == GF_OPTIM_COUNT, "an optimiser has no update");

/* ---- the optimiser object ---------------------------------------------- */

/* The buffers each rule keeps, in the order gf_optimizer_state gives them. */
static int state_names(const gf_optim_opts *o, const char *names[MAX_STATES])
{
    switch (o->kind) {
    case GF_OPTIM_SGD:
        names[0] = "momentum";
        return o->momentum > 0.0f;
    case GF_OPTIM_ADAM:
    case GF_OPTIM_ADAMW:
        names[0] = "m";
        names[1] = "v";
        return 2;
    case GF_OPTIM_RMSPROP:
        names[0] = "square_avg";
        names[1] = "momentum";
        return o->momentum > 0.0f ? 2 : 1;
    case GF_OPTIM_ADAGRAD:
        names[0] = "sum";
        return 1;
    case GF_OPTIM_COUNT: break;
    }
    return 0;
}

gf_optimizer *gf_optimizer_new(const gf_optim_opts *o, size_t n)
{
    if (gf_optim_check(o) != GF_OK) return NULL;
    if (n == 0) {
        gf__fail(GF_ERR_ARG, "optimizer: no parameters (n is 0)");
        return NULL;
    }
    gf_optimizer *opt = gf__calloc(1, sizeof *opt, "the optimizer");
    if (!opt) return NULL;
    opt->o = *o;
    opt->n = n;
    opt->nstates = state_names(o, opt->state_names);
    opt->runs = gf__malloc(sizeof *opt->runs, "the runs of parameters");
    if (opt->nstates > 0 && n <= SIZE_MAX / sizeof(float) / (size_t)opt->nstates)
        opt->states[0] = gf__calloc(n * (size_t)opt->nstates, sizeof(float), "the moments");
    else if (opt->nstates > 0)
        gf__fail(GF_ERR_NOMEM, "optimizer: %zu parameters are too many for the moments", n);
    if (!opt->runs || (opt->nstates > 0 && !opt->states[0])) {
        gf_optimizer_free(opt);
        return NULL;
    }
    for (int i = 1; i < opt->nstates; i++) opt->states[i] = opt->states[0] + (size_t)i * n;
    opt->runs[0] = (run){ .first = 0, .count = n, .role = GF_PARAM_BIAS };
    opt->nruns = 1;
    return opt;
}

void gf_optimizer_free(gf_optimizer *opt)
{
    if (!opt) return;
    free(opt->runs);
    free(opt->states[0]);
    free(opt);
}

const gf_optim_opts *gf_optimizer_opts(const gf_optimizer *opt) { return opt ? &opt->o : NULL; }

/* Appends [first, first + count) with `role` to runs[0..*k), merged into
 * the last run when that has the same role. */
static void append_run(run *runs, size_t *k, size_t first, size_t count, gf_param_role role)
{
    if (*k > 0 && runs[*k - 1].role == role)
        runs[*k - 1].count += count;
    else
        runs[(*k)++] = (run){ .first = first, .count = count, .role = role };
}

gf_status gf_optimizer_mark(gf_optimizer *opt, size_t first, size_t count, gf_param_role role)
{
    if (!opt) return gf__fail(GF_ERR_ARG, "optimizer mark: the optimizer is NULL");
    if ((unsigned)role >= GF_PARAM_ROLE_COUNT)
        return gf__fail(GF_ERR_ARG, "optimizer mark: unknown role %d", (int)role);
    if (first > opt->n || count > opt->n - first)
        return gf__fail(GF_ERR_ARG, "optimizer mark: elements %zu + %zu are outside the block of "
                        "%zu parameters", first, count, opt->n);
    if (count == 0) return GF_OK;
    /* The runs before the range, cut at its start; the range; the runs
     * after it, cut at its end: at most two more runs than before. */
    run *runs = gf__malloc((opt->nruns + 2) * sizeof *runs, "the runs of parameters");
    if (!runs) return GF_ERR_NOMEM;
    size_t k = 0, last = first + count;
    for (size_t r = 0; r < opt->nruns && opt->runs[r].first < first; r++) {
        const run *u = &opt->runs[r];
        size_t end = u->first + u->count < first ? u->first + u->count : first;
        append_run(runs, &k, u->first, end - u->first, u->role);
    }
    append_run(runs, &k, first, count, role);
    for (size_t r = 0; r < opt->nruns; r++) {
        const run *u = &opt->runs[r];
        size_t start = u->first > last ? u->first : last, end = u->first + u->count;
        if (end > start) append_run(runs, &k, start, end - start, u->role);
    }
    free(opt->runs);
    opt->runs = runs;
    opt->nruns = k;
    return GF_OK;
}

/* The first non-finite gradient of a trainable element, for the message. */
static size_t first_non_finite(const gf_optimizer *opt, const float *g)
{
    for (size_t r = 0; r < opt->nruns; r++) {
        const run *u = &opt->runs[r];
        if (u->role == GF_PARAM_FROZEN) continue;
        for (size_t i = u->first; i < u->first + u->count; i++)
            if (!isfinite(g[i])) return i;
    }
    return opt->n;
}

/* The trainable gradient's squared norm, or only whether it is finite
 * (returned as 0 or INFINITY) when the norm itself is not needed. */
static double trainable_squares(const gf_optimizer *opt, const float *g, bool need_norm)
{
    double total = 0;
    for (size_t r = 0; r < opt->nruns; r++) {
        const run *u = &opt->runs[r];
        if (u->role == GF_PARAM_FROZEN) continue;
        if (need_norm)
            total += gf__sum_squares(u->count, g + u->first);
        else if (!gf__all_finite(u->count, g + u->first))
            return INFINITY;
    }
    return total;
}

static rule rule_for(const gf_optim_opts *o, float lr, uint64_t step)
{
    double t = (double)step; /* PyTorch counts from 1 */
    return (rule){
        .lr = lr, .mu = o->momentum, .nesterov = o->nesterov != 0,
        .b1 = o->beta1, .c1 = (float)(1.0 - o->beta1),
        .b2 = o->beta2, .c2 = (float)(1.0 - o->beta2),
        .root_bc2 = (float)sqrt(1.0 - pow(o->beta2, t)),
        .step_size = (float)((double)lr / (1.0 - pow(o->beta1, t))),
        .rho = o->rho, .c_rho = (float)(1.0 - o->rho), .eps = o->eps,
    };
}

gf_status gf_optimizer_step(gf_optimizer *opt, float *w, float *g, float lr, double *grad_norm)
{
    if (!opt || !w || !g)
        return gf__fail(GF_ERR_ARG, "optimizer step: the %s is NULL",
                        !opt ? "optimizer" : !w ? "parameter block" : "gradient");
    if (!isfinite(lr))
        return gf__fail(GF_ERR_NUMERIC, "optimizer step: the learning rate is %g", lr);
    /* 0 is allowed: a schedule ends there (cosine to lr_min 0, a step decay
     * rounding to 0); the moments and the step count still advance, as in
     * PyTorch. */
    if (lr < 0.0f)
        return gf__fail(GF_ERR_ARG, "optimizer step: the learning rate is %g; it must be >= 0", lr);
    const gf_optim_opts *o = &opt->o;
    double squares = trainable_squares(opt, g, grad_norm || o->clip_norm > 0.0f);
    if (!isfinite(squares)) {
        size_t bad = first_non_finite(opt, g);
        return gf__fail(GF_ERR_NUMERIC, "optimizer step: the gradient of parameter %zu is %g; "
                        "nothing was changed", bad, bad < opt->n ? g[bad] : NAN);
    }
    double norm = sqrt(squares);
    if (grad_norm) *grad_norm = norm;

    /* torch.nn.utils.clip_grad_norm_ scales by min(1, clip / (norm + 1e-6)). */
    double coef = o->clip_norm > 0.0f ? o->clip_norm / (norm + 1e-6) : 1.0;
    if (coef < 1.0) {
        float scale = (float)coef;
        for (size_t r = 0; r < opt->nruns; r++) {
            const run *u = &opt->runs[r];
            if (u->role == GF_PARAM_FROZEN) continue;
            float *restrict gu = g + u->first;
            size_t n = u->count;
            GF_PARALLEL_FOR_N
            for (size_t i = 0; i < n; i++) gu[i] *= scale;
        }
    }

    rule k = rule_for(o, lr, opt->steps + 1);
    /* AdamW's decay multiplies w by 1 - lr wd before the update; the other
     * rules add wd w to the gradient. */
    bool decoupled = o->kind == GF_OPTIM_ADAMW;
    float shrink = decoupled ? (float)(1.0 - (double)lr * o->weight_decay) : 1.0f;
    for (size_t r = 0; r < opt->nruns; r++) {
        const run *u = &opt->runs[r];
        if (u->role == GF_PARAM_FROZEN) continue;
        bool weight = u->role == GF_PARAM_WEIGHT;
        segment s = {
            .n = u->count, .w = w + u->first, .g = g + u->first,
            .s0 = opt->nstates > 0 ? opt->states[0] + u->first : NULL,
            .s1 = opt->nstates > 1 ? opt->states[1] + u->first : NULL,
            .wd = weight && !decoupled ? o->weight_decay : 0.0f,
            .l1 = weight ? o->l1 : 0.0f,
            .shrink = weight ? shrink : 1.0f,
        };
        updates[o->kind](&k, &s);
    }
    opt->steps++;
    return GF_OK;
}

uint64_t gf_optimizer_steps(const gf_optimizer *opt) { return opt ? opt->steps : 0; }

void gf_optimizer_set_steps(gf_optimizer *opt, uint64_t steps)
{
    if (opt) opt->steps = steps;
}

int gf_optimizer_states(const gf_optimizer *opt) { return opt ? opt->nstates : 0; }

float *gf_optimizer_state(gf_optimizer *opt, int i, const char **name)
{
    if (!opt || i < 0 || i >= opt->nstates) return NULL;
    if (name) *name = opt->state_names[i];
    return opt->states[i];
}
