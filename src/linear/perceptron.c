/* Rosenblatt's perceptron (seeds 000, 001, 002).
 *
 * The model is f(x) = b + w . x with the step activation: class 1 when
 * f(x) >= 0, else class 0 (which the rule calls y = -1).  Visiting the rows
 * in a fresh random order each epoch, every misclassified row moves the
 * hyperplane towards it:
 *     w += lr * y * x,   b += lr * y.
 * By Novikoff's theorem the number of mistakes is finite when the classes are
 * linearly separable, so an epoch without a mistake ends the fit; otherwise
 * (XOR is the seeds' example) the rule cycles forever and we stop after
 * max_epochs with a warning.  The weights start at zero, so lr only scales
 * them: the decisions, and hence the mistakes, are the same for any lr > 0. */
#include "grafo/linear.h"

#include "core/error.h"
#include "linear/common.h"

#include <math.h>
#include <stdlib.h>

#define WHO "gf_perceptron_fit"

/* One pass over the rows in the order idx; returns the number of mistakes. */
static size_t perceptron_epoch(const gf_xy *d, const int32_t *idx, double lr, double *coef)
{
    size_t p = d->p, mistakes = 0;
    double *w = coef + 1;
    for (size_t r = 0; r < d->n; r++) {
        size_t i = (size_t)idx[r];
        const double *x = d->x + i * p;
        double f = coef[0];
        for (size_t j = 0; j < p; j++) f += w[j] * x[j];
        int predicted = f >= 0;
        if (predicted == d->label[i]) continue;
        double step = d->label[i] ? lr : -lr;
        coef[0] += step;
        for (size_t j = 0; j < p; j++) w[j] += step * x[j];
        mistakes++;
    }
    return mistakes;
}

gf_status gf_perceptron_fit(const gf_xy *d, const gf_perceptron_opts *o, gf_linclf **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, WHO ": out is NULL");
    *out = NULL;
    gf_perceptron_opts opts = o ? *o : GF_PERCEPTRON_OPTS_DEFAULT;
    gf_status s = gf__check_rate(opts.lr, 1, "the learning rate lr", WHO);
    if (s) return s;
    if (opts.max_epochs <= 0)
        return gf__fail(GF_ERR_ARG, WHO ": max_epochs is %d; it must be at least 1",
                        opts.max_epochs);
    s = gf__xy_check(d, GF__NEED_BINARY, 1, 2, WHO);
    if (s) return s;
    s = gf__check_both_classes(d, WHO);
    if (s) return s;
    if (d->n > INT32_MAX)
        return gf__fail(GF_ERR_SHAPE, WHO ": %zu rows are more than the %d this model can "
                        "shuffle", d->n, INT32_MAX);

    gf_linclf *m = gf__calloc(1, sizeof *m, "the perceptron");
    int32_t *idx = gf__malloc(d->n * sizeof *idx, "the perceptron's row order");
    if (m) m->coef = gf__calloc(d->p + 1, sizeof *m->coef, "the perceptron's weights");
    if (!m || !idx || !m->coef) {
        free(idx);
        gf_linclf_free(m);
        return GF_ERR_NOMEM;
    }
    m->k = d->p + 1;
    for (size_t i = 0; i < d->n; i++) idx[i] = (int32_t)i;

    gf_rng rng;
    gf_rng_seed(&rng, opts.seed);
    size_t mistakes = 0;
    for (int e = 1; e <= opts.max_epochs; e++) {
        gf_rng_shuffle(&rng, idx, d->n);
        mistakes = perceptron_epoch(d, idx, opts.lr, m->coef);
        m->epochs = e;
        for (size_t j = 0; j < m->k; j++)
            if (!isfinite(m->coef[j])) {
                free(idx);
                gf_linclf_free(m);
                return gf__fail(GF_ERR_NUMERIC, WHO ": the weights overflowed in epoch %d "
                                "(learning rate %g); lower lr or rescale the data", e,
                                opts.lr);
            }
        if (mistakes == 0) {
            m->converged = 1;
            break;
        }
    }
    if (!m->converged) {
        char *w = NULL;
        gf__warn(&w, "the perceptron did not converge: it still made %zu mistakes in %zu "
                 "rows in its last epoch (max_epochs = %d); the classes may not be "
                 "linearly separable", mistakes, d->n, opts.max_epochs);
        m->warning = w;
    }
    free(idx);
    *out = m;
    return GF_OK;
}
