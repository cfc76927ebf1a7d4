/* Optimiser options: PyTorch's defaults, their checking, the names of
 * optimisers and schedules, and the learning rate a schedule gives. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "grafo/optim.h"

static const char *const optim_names[] = {
    [GF_OPTIM_SGD] = "sgd",         [GF_OPTIM_ADAM] = "adam",
    [GF_OPTIM_ADAMW] = "adamw",     [GF_OPTIM_RMSPROP] = "rmsprop",
    [GF_OPTIM_ADAGRAD] = "adagrad",
};
_Static_assert(sizeof optim_names / sizeof optim_names[0] == GF_OPTIM_COUNT,
               "an optimiser has no name");

static const char *const schedule_names[] = {
    [GF_SCHEDULE_CONSTANT] = "constant",       [GF_SCHEDULE_STEP] = "step",
    [GF_SCHEDULE_EXPONENTIAL] = "exponential", [GF_SCHEDULE_INVERSE] = "inverse",
    [GF_SCHEDULE_COSINE] = "cosine",
};
_Static_assert(sizeof schedule_names / sizeof schedule_names[0] == GF_SCHEDULE_COUNT,
               "a schedule has no name");

gf_optim_opts gf_optim_defaults(gf_optim_kind kind)
{
    if ((unsigned)kind >= GF_OPTIM_COUNT) kind = GF_OPTIM_SGD;
    gf_optim_opts o = {
        .kind = kind, .lr = 0.1f, .momentum = 0.0f, .nesterov = 0,
        .beta1 = 0.9f, .beta2 = 0.999f, .rho = 0.99f, .eps = 1e-8f,
        .weight_decay = 0.0f, .l1 = 0.0f, .clip_norm = 0.0f,
        .schedule = GF_SCHEDULE_CONSTANT, .gamma = 0.1f, .step_epochs = 10,
        .decay = 0.0f, .period = 10, .lr_min = 0.0f,
    };
    if (kind == GF_OPTIM_ADAM || kind == GF_OPTIM_ADAMW) o.lr = 1e-3f;
    if (kind == GF_OPTIM_ADAMW) o.weight_decay = 1e-2f;
    if (kind == GF_OPTIM_RMSPROP || kind == GF_OPTIM_ADAGRAD) o.lr = 1e-2f;
    if (kind == GF_OPTIM_ADAGRAD) o.eps = 1e-10f;
    return o;
}

/* One option against its range, written as the condition that holds, so
 * that a NaN, which fails every comparison, is never in range. */
#define REQUIRE(ok, field, range)                                                       \
    do {                                                                                \
        if (!(ok))                                                                      \
            return gf__fail(GF_ERR_ARG, "optimiser options: %s is %g; it must be %s",   \
                            #field, (double)o->field, range);                           \
    } while (0)

static bool unit_interval(float x) { return x >= 0.0f && x < 1.0f; } /* [0, 1) */
static bool non_negative(float x) { return x >= 0.0f && isfinite(x); }

gf_status gf_optim_check(const gf_optim_opts *o)
{
    if (!o) return gf__fail(GF_ERR_ARG, "optimiser options are NULL");
    if ((unsigned)o->kind >= GF_OPTIM_COUNT)
        return gf__fail(GF_ERR_ARG, "optimiser options: kind is %d; it must be one of 0..%d "
                        "(sgd .. adagrad)", (int)o->kind, GF_OPTIM_COUNT - 1);
    if ((unsigned)o->schedule >= GF_SCHEDULE_COUNT)
        return gf__fail(GF_ERR_ARG, "optimiser options: schedule is %d; it must be one of 0..%d "
                        "(constant .. cosine)", (int)o->schedule, GF_SCHEDULE_COUNT - 1);
    if (o->nesterov != 0 && o->nesterov != 1)
        return gf__fail(GF_ERR_ARG, "optimiser options: nesterov is %d; it must be 0 or 1",
                        o->nesterov);
    if (o->nesterov && o->kind != GF_OPTIM_SGD)
        return gf__fail(GF_ERR_ARG, "optimiser options: nesterov is set for %s; it applies to "
                        "sgd only", optim_names[o->kind]);
    /* NaN momentum is reported by its own range check below. */
    if (o->nesterov && o->momentum == 0.0f)
        return gf__fail(GF_ERR_ARG, "optimiser options: nesterov needs momentum > 0 (momentum "
                        "is 0)");
    REQUIRE(o->lr > 0.0f && isfinite(o->lr), lr, "> 0");
    REQUIRE(unit_interval(o->momentum), momentum, "in [0, 1)");
    REQUIRE(unit_interval(o->beta1), beta1, "in [0, 1)");
    REQUIRE(unit_interval(o->beta2), beta2, "in [0, 1)");
    REQUIRE(unit_interval(o->rho), rho, "in [0, 1)");
    REQUIRE(o->eps > 0.0f && isfinite(o->eps), eps, "> 0");
    REQUIRE(non_negative(o->weight_decay), weight_decay, ">= 0");
    REQUIRE(non_negative(o->l1), l1, ">= 0");
    REQUIRE(non_negative(o->clip_norm), clip_norm, ">= 0 (0 is off)");
    REQUIRE(o->gamma > 0.0f && o->gamma <= 1.0f, gamma, "in (0, 1]");
    REQUIRE(o->step_epochs >= 1, step_epochs, ">= 1");
    REQUIRE(non_negative(o->decay), decay, ">= 0");
    REQUIRE(o->period >= 1, period, ">= 1");
    REQUIRE(o->lr_min >= 0.0f && o->lr_min <= o->lr, lr_min, "in [0, lr]");
    return GF_OK;
}

const char *gf_optim_name(gf_optim_kind k)
{
    return (unsigned)k < GF_OPTIM_COUNT ? optim_names[k] : "unknown";
}

const char *gf_schedule_name(gf_schedule_kind k)
{
    return (unsigned)k < GF_SCHEDULE_COUNT ? schedule_names[k] : "unknown";
}

/* The index of text in names[0..count), or an error listing the names,
 * built from the table so a new kind is listed without another edit. */
static gf_status parse_name(const char *text, const char *const *names, int count,
                            const char *what, int *out)
{
    for (int i = 0; i < count; i++)
        if (text && strcmp(text, names[i]) == 0) {
            *out = i;
            return GF_OK;
        }
    char choices[256] = "";
    size_t len = 0;
    for (int i = 0; i < count && len < sizeof choices; i++) {
        const char *sep = i == 0 ? "" : i == count - 1 ? " or " : ", ";
        int w = snprintf(choices + len, sizeof choices - len, "%s%s", sep, names[i]);
        if (w < 0) break;
        len += (size_t)w;
    }
    return gf__fail(GF_ERR_ARG, "unknown %s '%.64s' (choose %s)", what, text ? text : "(null)",
                    choices);
}

gf_status gf_optim_parse(const char *text, gf_optim_kind *out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "optimiser: out is NULL");
    int k = 0;
    gf_status s = parse_name(text, optim_names, GF_OPTIM_COUNT, "optimiser", &k);
    if (s == GF_OK) *out = (gf_optim_kind)k;
    return s;
}

gf_status gf_schedule_parse(const char *text, gf_schedule_kind *out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "schedule: out is NULL");
    int k = 0;
    gf_status s = parse_name(text, schedule_names, GF_SCHEDULE_COUNT, "schedule", &k);
    if (s == GF_OK) *out = (gf_schedule_kind)k;
    return s;
}

/* In double, then rounded once, like PyTorch's schedulers, whose learning
 * rates are Python floats until they meet the float parameters. */
float gf_schedule_lr(const gf_optim_opts *o, int epoch, uint64_t step)
{
    if (!o) return NAN;
    double lr = o->lr, e = epoch > 0 ? epoch : 0;
    switch (o->schedule) {
    case GF_SCHEDULE_CONSTANT: return o->lr;
    case GF_SCHEDULE_STEP:
        if (o->step_epochs < 1) return NAN;
        return (float)(lr * pow(o->gamma, (double)((int)e / o->step_epochs)));
    case GF_SCHEDULE_EXPONENTIAL: return (float)(lr * pow(o->gamma, e));
    case GF_SCHEDULE_INVERSE: return (float)(lr / (1.0 + (double)o->decay * (double)step));
    case GF_SCHEDULE_COSINE: {
        if (o->period < 1) return NAN;
        double pi = acos(-1.0), T = o->period, t = e < T ? e : T;
        return (float)(o->lr_min + (lr - o->lr_min) * (1.0 + cos(pi * t / T)) / 2.0);
    }
    case GF_SCHEDULE_COUNT: break;
    }
    return NAN;
}
