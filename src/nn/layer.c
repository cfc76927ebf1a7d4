/* A dense layer with its options: weight noise, batch norm, the unit
 * (element-wise, PReLU, maxout or radial basis) and dropout, in that order
 * (Ioffe & Szegedy 2015 place batch norm before the nonlinearity). */
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "graph/internal.h"
#include "nn/model.h"

/* PyTorch's BatchNorm1d defaults. */
#define BN_MOMENTUM 0.1f
#define BN_EPS 1e-5f
/* He et al. (2015) start PReLU's slope at 0.25. */
#define PRELU_ALPHA 0.25f

static gf_node layer_fail(gf_model *m, gf_status s, int layer, const char *what, double value)
{
    gf__fail(s, "dense layer %d: %s (%g)", layer, what, value);
    return gf__build_fail(m->g, s);
}

static gf_status check_opts(gf_model *m, int layer, int units, const gf_layer_opts *o)
{
    const char *bad = NULL;
    double value = 0;
    if (units < 1) {
        gf__fail(GF_ERR_ARG, "dense layer %d: %d units; a layer needs at least one", layer, units);
        gf__build_fail(m->g, GF_ERR_ARG);
        return GF_ERR_ARG;
    }
    if ((unsigned)o->act >= GF_ACT_COUNT) bad = "unknown activation", value = o->act;
    else if (o->act == GF_ACT_MAXOUT && (o->pieces < 2 || o->pieces > 64))
        bad = "maxout takes 2 to 64 pieces per unit", value = o->pieces;
    else if (!(o->dropout >= 0 && o->dropout < 1)) bad = "dropout must be in [0, 1)", value = o->dropout;
    else if (!(o->weight_noise >= 0 && isfinite(o->weight_noise)))
        bad = "weight noise must be a finite sd >= 0", value = o->weight_noise;
    else if (o->act == GF_ACT_RBF && o->batch_norm)
        bad = "radial-basis units take no batch norm (their output is already in (0, 1])", value = 1;
    if (!bad) return GF_OK;
    layer_fail(m, GF_ERR_ARG, layer, bad, value);
    return GF_ERR_ARG;
}

/* name<i> or prefix<i>.suffix into buf. */
static const char *pname(char *buf, size_t size, const char *prefix, int i, const char *suffix)
{
    snprintf(buf, size, "%s%d%s%s", prefix, i, suffix ? "." : "", suffix ? suffix : "");
    return buf;
}

/* A vector of `n` parameters, or a buffer, that starts at a constant. */
static gf_node constant_param(gf_model *m, const char *name, int n, float value)
{
    return gf__model_track(m, gf_param(m->g, name, 1, (int64_t[]){n}),
                           (gf_param_init){.fill = GF_FILL_CONST, .value = value,
                                           .role = GF_PARAM_BIAS});
}

/* z -> (z - mean) / sd, then scale and shift, learned per feature. */
static gf_node batch_norm(gf_model *m, gf_node z, int width, int i)
{
    char name[64];
    gf_node running = gf__model_track(
        m, gf_buffer(m->g, pname(name, sizeof name, "bn", i, "running"), 2, (int64_t[]){2, width}),
        (gf_param_init){.fill = GF_FILL_RUNNING, .role = GF_PARAM_FROZEN});
    gf_node scale = constant_param(m, pname(name, sizeof name, "bn", i, "scale"), width, 1.0f);
    gf_node shift = constant_param(m, pname(name, sizeof name, "bn", i, "shift"), width, 0.0f);
    gf_node zn = gf_batchnorm(m->g, z, running, BN_MOMENTUM, BN_EPS);
    return gf_add(m->g, gf_mul(m->g, zn, scale), shift);
}

/* Seed 004's radial-basis unit: exp(-gamma_j ||x - W_{:,j}||^2), W's
 * columns the centres. */
static gf_node radial_basis(gf_model *m, gf_node x, gf_node centres, int units, int in, int i)
{
    char name[64];
    /* Standardised inputs lie about sqrt(2 in) from a random centre, so
     * gamma = 1 / (2 in) starts the units away from saturation. */
    gf_node gamma = constant_param(m, pname(name, sizeof name, "rbf", i, "gamma"), units,
                                   0.5f / (float)in);
    gf_node d = gf_sqdist(m->g, x, centres);
    return gf_exp(m->g, gf_scale(m->g, gf_mul(m->g, d, gamma), -1.0f));
}

gf_node gf_dense_layer(gf_model *m, gf_node x, int units, const gf_layer_opts *opts)
{
    if (!m) return GF_NONE;
    if (x == GF_NONE) return GF_NONE; /* an earlier failure, already recorded */
    gf_layer_opts defaults = GF_LAYER_OPTS_DEFAULT;
    const gf_layer_opts *o = opts ? opts : &defaults;
    int layer = m->n_dense + 1;
    int64_t dims[GF_MAX_DIMS + 1];
    int nd = gf_node_shape(m->g, x, dims);
    if (nd < 1) {
        if (nd < 0) gf__fail(GF_ERR_ARG, "dense: input node %d does not exist", (int)x);
        else gf__fail(GF_ERR_SHAPE, "dense: the input is a scalar; it needs features");
        return gf__build_fail(m->g, nd < 0 ? GF_ERR_ARG : GF_ERR_SHAPE);
    }
    if (check_opts(m, layer, units, o) != GF_OK) return GF_NONE;
    m->n_dense = layer;
    int in = (int)dims[nd - 1];
    /* Maxout computes `pieces` candidates per unit. */
    long width = o->act == GF_ACT_MAXOUT ? (long)units * o->pieces : units;
    if (width > (1L << 30)) return layer_fail(m, GF_ERR_ARG, layer, "too many units", (double)width);
    /* ReLU-like units zero (or nearly) half their inputs: He keeps the
     * signal's variance; smooth saturating units prefer Glorot. */
    bool relu_like = o->act == GF_ACT_RELU || o->act == GF_ACT_LEAKY_RELU || o->act == GF_ACT_ELU ||
                     o->act == GF_ACT_PRELU || o->act == GF_ACT_ABS || o->act == GF_ACT_MAXOUT;
    char name[64];
    gf_node w = gf_model_param(m, pname(name, sizeof name, "W", layer, NULL), in, (int)width,
                               relu_like ? GF_INIT_HE_NORMAL : GF_INIT_XAVIER_UNIFORM);
    if (o->weight_noise > 0) w = gf_noise(m->g, w, o->weight_noise);
    if (o->act == GF_ACT_RBF) {
        /* Centres are places in the input space, not weights: L1 and L2
         * would pull them towards the origin.  W is the last tracked node. */
        if (w != GF_NONE) m->inits[m->n_inits - 1].role = GF_PARAM_BIAS;
        gf_node h = radial_basis(m, x, w, units, in, layer);
        return o->dropout > 0 ? gf_dropout(m->g, h, o->dropout) : h;
    }
    gf_node b = gf_model_param(m, pname(name, sizeof name, "b", layer, NULL), 0, (int)width,
                               GF_INIT_ZEROS);
    gf_node z = gf_add(m->g, gf_matmul(m->g, x, w), b);
    if (o->batch_norm) z = batch_norm(m, z, (int)width, layer);
    gf_node h;
    switch (o->act) {
    case GF_ACT_PRELU:
        h = gf_prelu(m->g, z, constant_param(m, pname(name, sizeof name, "prelu", layer, "alpha"),
                                             units, PRELU_ALPHA));
        break;
    case GF_ACT_MAXOUT: h = gf_maxout(m->g, z, o->pieces); break;
    default: h = gf_activate(m->g, z, o->act); break;
    }
    return o->dropout > 0 ? gf_dropout(m->g, h, o->dropout) : h;
}
