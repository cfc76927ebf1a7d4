/* Multinomial (softmax) logistic regression by L-BFGS (liblbfgs).
 *
 * With scores z_ic = b_c + w_c . x_i for K classes, the model says
 * P(class c | x_i) = softmax(z_i)_c, and the fit minimises
 *     f(W) = 1/n sum_i [ logsumexp(z_i) - z_i,y_i ] + lambda/2 sum_c |w_c|^2,
 * the intercepts b_c unpenalised.  Its gradient is
 *     df/dw_c = 1/n sum_i (p_ic - [y_i = c]) x_i + lambda w_c,
 *     df/db_c = 1/n sum_i (p_ic - [y_i = c]),
 * two matrix products per evaluation (CBLAS dgemm).
 *
 * Conditioning.  On raw features (iris's run from 0.1 to 7.9) the Hessian
 * is so badly conditioned that L-BFGS loses its line search to rounding
 * a few 1e-6 (relative) short of the minimum.  So the solver works on centred
 * columns scaled to unit variance, as glmnet does: with x~ = (x - mean) / sd
 * the same model is w~_cj = w_cj sd_j, b~_c = b_c + w_c . mean, and the
 * penalty lambda/2 sum (w~_cj / sd_j)^2 keeps the objective (and so the
 * minimiser) exactly the original one.  Without an intercept the columns
 * are only scaled, since nothing could absorb the shift.
 *
 * The parameterisation is over-complete (K score vectors where K - 1 would
 * do), as scikit-learn's multinomial: adding one vector to every class
 * leaves the probabilities unchanged.  The penalty picks the member whose
 * weights sum to zero over classes; the unpenalised intercepts are only
 * fixed up to a common constant, so the result is reported with intercepts
 * (and, for lambda = 0, weights) centred over classes.  Starting from zero,
 * every gradient already sums to zero over classes, so L-BFGS never leaves
 * that centred set and the centring only removes rounding.
 *
 * With lambda = 0 and classes that some W separates, f has no minimum (it
 * tends to 0 as W grows); any iterate that puts every row strictly on its
 * own class is proof of that, and the fit fails with GF_ERR_FIT. */
#include "linear/common.h"
#include "linear/mlogit.h"

#include "core/error.h"

#include <cblas.h>
#include <lbfgs.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WHO "gf_mlogit_fit"

/* About sqrt(DBL_EPSILON): the smallest relative gradient norm that a line
 * search on function values can be expected to confirm. */
#define ROUNDING_FLOOR 1e-8

/* The data and scratch space of one objective. */
typedef struct problem {
    const double *x;        /* n x p, row-major: the caller's, or its standardised copy */
    const int32_t *y;       /* n labels */
    size_t n, p, classes, k;
    double lambda;
    const double *pen;      /* p penalty weights (1 / scale^2), or NULL for 1 */
    int intercept;
    double *z;              /* n x K scores, then residuals p - onehot */
    int separated;          /* some evaluated point separated the classes */
    int iterations;         /* L-BFGS iterations so far */
} problem;

/* f and its gradient at theta (K x k, row-major: intercept then weights). */
static double objective(problem *pb, const double *theta, double *g)
{
    size_t n = pb->n, p = pb->p, K = pb->classes, k = pb->k;
    double *z = pb->z;
    /* z = X W' (the weights start at column 1 of each row of theta). */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)K, (int)p, 1.0, pb->x,
                (int)p, theta + 1, (int)k, 0.0, z, (int)K);

    double loss = 0;
    int all_right = 1;
    for (size_t i = 0; i < n; i++) {
        double *zi = z + i * K;
        double top = -INFINITY;
        for (size_t c = 0; c < K; c++) {
            zi[c] += theta[c * k];
            top = fmax(top, zi[c]);
        }
        size_t yi = (size_t)pb->y[i];
        for (size_t c = 0; c < K; c++)
            if (c != yi && !(zi[yi] > zi[c])) all_right = 0;
        /* log-sum-exp shifted by the largest score, so exp cannot overflow. */
        double sum = 0;
        for (size_t c = 0; c < K; c++) sum += exp(zi[c] - top);
        double lse = top + log(sum);
        loss += lse - zi[yi];
        for (size_t c = 0; c < K; c++) zi[c] = exp(zi[c] - lse);
        zi[yi] -= 1;
    }
    if (all_right) pb->separated = 1;

    double inv_n = 1.0 / (double)n;
    /* Weight gradient: (P - Y)' X / n into the weight columns of g. */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)p, (int)n, inv_n, z,
                (int)K, pb->x, (int)p, 0.0, g + 1, (int)k);
    double pen = 0;
    for (size_t c = 0; c < K; c++) {
        double gb = 0;
        if (pb->intercept)
            for (size_t i = 0; i < n; i++) gb += z[i * K + c];
        g[c * k] = gb * inv_n;
        for (size_t j = 1; j < k; j++) {
            double w = theta[c * k + j], r = pb->pen ? pb->pen[j - 1] : 1.0;
            pen += r * w * w;
            g[c * k + j] += pb->lambda * r * w;
        }
    }
    return loss * inv_n + pb->lambda / 2 * pen;
}

static lbfgsfloatval_t evaluate(void *inst, const lbfgsfloatval_t *x, lbfgsfloatval_t *g,
                                const int n, const lbfgsfloatval_t step)
{
    (void)n;
    (void)step;
    return objective(inst, x, g);
}

/* Stops L-BFGS once lambda = 0 is known to have no minimum. */
static int progress(void *inst, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g,
                    const lbfgsfloatval_t fx, const lbfgsfloatval_t xnorm,
                    const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step, int n, int k,
                    int ls)
{
    (void)x, (void)g, (void)fx, (void)xnorm, (void)gnorm, (void)step, (void)n, (void)ls;
    problem *pb = inst;
    pb->iterations = k;
    return pb->lambda == 0 && pb->separated;
}

double gf__mlogit_objective(const gf_xy *d, size_t classes, double lambda, int intercept,
                            const double *coef, double *grad)
{
    problem pb = { .x = d->x, .y = d->label, .n = d->n, .p = d->p, .classes = classes,
                   .k = d->p + 1, .lambda = lambda, .intercept = intercept };
    pb.z = gf__malloc(d->n * classes * sizeof *pb.z, "softmax scores");
    if (!pb.z) return NAN;
    double f = objective(&pb, coef, grad);
    free(pb.z);
    return f;
}

/* Shift each column of theta (intercepts; weights too when unpenalised) so
 * that it sums to zero over classes: the same probabilities, the
 * representative the penalty would choose. */
static void centre(double *theta, size_t K, size_t k, int weights_too)
{
    for (size_t j = 0; j < (weights_too ? k : 1); j++) {
        double m = 0;
        for (size_t c = 0; c < K; c++) m += theta[c * k + j];
        m /= (double)K;
        for (size_t c = 0; c < K; c++) theta[c * k + j] -= m;
    }
}

static gf_status check_opts(const gf_mlogit_opts *o)
{
    gf_status s = gf__check_rate(o->lambda, 0, "lambda", WHO);
    if (s) return s;
    s = gf__check_rate(o->tol, 1, "tol", WHO);
    if (s) return s;
    if (o->max_iter < 1)
        return gf__fail(GF_ERR_ARG, WHO ": max_iter is %d; it must be at least 1", o->max_iter);
    return GF_OK;
}

/* Every class from 0 to K-1 needs a row, or its intercept runs to -inf. */
static gf_status check_classes(const gf_xy *d, size_t K)
{
    if (K < 2)
        return gf__fail(GF_ERR_ARG, WHO ": every label is 0; softmax regression needs at "
                        "least two classes");
    size_t *count = gf__calloc(K, sizeof *count, "class counts");
    if (!count) return GF_ERR_NOMEM;
    for (size_t i = 0; i < d->n; i++) count[d->label[i]]++;
    gf_status s = GF_OK;
    for (size_t c = 0; c < K && !s; c++)
        if (!count[c])
            s = gf__fail(GF_ERR_ARG, WHO ": class %zu has no rows (labels run from 0 to %zu); "
                         "renumber the classes so that each one occurs", c, K - 1);
    free(count);
    return s;
}

void gf_mlogit_free(gf_mlogit *m)
{
    if (!m) return;
    free(m->coef);
    free((char *)m->warning);
    free(m);
}

gf_status gf_mlogit_fit(const gf_xy *d, const gf_mlogit_opts *o, gf_mlogit **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, WHO ": out is NULL");
    *out = NULL;
    gf_mlogit_opts opts = o ? *o : GF_MLOGIT_OPTS_DEFAULT;
    gf_status st = check_opts(&opts);
    if (st) return st;
    st = gf__xy_check(d, GF__NEED_LABEL, 1, 0, WHO);
    if (st) return st;
    size_t K = gf__label_count(d), k = d->p + 1;
    st = check_classes(d, K);
    if (st) return st;
    if (K * k > (size_t)INT32_MAX || d->n > (size_t)INT32_MAX)
        return gf__fail(GF_ERR_SHAPE, WHO ": %zu rows and %zu x %zu coefficients are more "
                        "than BLAS and L-BFGS can index", d->n, K, k);

    size_t n = d->n, p = d->p;
    problem pb = { .y = d->label, .n = n, .p = p, .classes = K, .k = k,
                   .lambda = opts.lambda, .intercept = opts.intercept ? 1 : 0 };
    gf_mlogit *m = gf__calloc(1, sizeof *m, "the softmax fit");
    lbfgsfloatval_t *theta = lbfgs_malloc((int)(K * k));
    if (!theta) gf__fail(GF_ERR_NOMEM, WHO ": out of memory for the coefficients");
    double *xs = gf__malloc(n * p * sizeof *xs, "the standardised features");
    double *mean = gf__malloc(p * sizeof *mean, "column means");
    double *sd = gf__malloc(p * sizeof *sd, "column scales");
    double *pen = gf__malloc(p * sizeof *pen, "penalty weights");
    pb.z = gf__malloc(n * K * sizeof *pb.z, "softmax scores");
    if (!m || !theta || !xs || !mean || !sd || !pen || !pb.z) {
        st = GF_ERR_NOMEM;
        goto done;
    }
    gf__col_stats(d, mean, sd);
    for (size_t j = 0; j < p; j++) {
        if (!pb.intercept) mean[j] = 0;
        /* A constant column stays as it is (its weight is then ruled by
         * the penalty alone, or by nothing when lambda = 0). */
        if (!(sd[j] > 0)) sd[j] = 1;
        pen[j] = 1 / (sd[j] * sd[j]);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) xs[i * p + j] = (d->x[i * p + j] - mean[j]) / sd[j];
    pb.x = xs;
    pb.pen = pen;
    /* Zero start: every gradient then sums to zero over classes. */
    for (size_t i = 0; i < K * k; i++) theta[i] = 0;

    lbfgs_parameter_t par;
    lbfgs_parameter_init(&par);
    par.epsilon = opts.tol;
    par.max_iterations = opts.max_iter;
    lbfgsfloatval_t fx = 0;
    int ret = lbfgs((int)(K * k), theta, &fx, evaluate, progress, &pb, &par);

    if (pb.lambda == 0 && pb.separated) {
        st = gf__fail(GF_ERR_FIT, WHO ": the classes are linearly separable, so with lambda "
                      "= 0 the cross-entropy has no minimum (it falls towards 0 as the "
                      "weights grow without bound); use lambda > 0");
        goto done;
    }
    if (ret == LBFGSERR_MAXIMUMITERATION) {
        st = gf__fail(GF_ERR_FIT, WHO ": L-BFGS did not converge in %d iterations "
                      "(gradient still above tol %g)%s; raise max_iter or tol", opts.max_iter,
                      opts.tol, pb.lambda == 0 ? ", perhaps because the classes are nearly "
                      "separable and lambda is 0" : "");
        goto done;
    }
    /* How far from the minimum L-BFGS stopped, measured as its own test
     * does: |g| / max(1, |theta|) on the standardised problem.  Its line
     * search compares function values, which cannot see a decrease below
     * ~eps f, i.e. a relative gradient below ~sqrt(eps): a stop on rounding
     * there is the minimum to working precision.  A little above it, the
     * fit stands with a warning; far above it, it is no minimum. */
    double *g = gf__malloc(K * k * sizeof *g, "the gradient");
    if (!g) {
        st = GF_ERR_NOMEM;
        goto done;
    }
    objective(&pb, theta, g);
    double gn = 0, tn = 0;
    for (size_t i = 0; i < K * k; i++) gn += g[i] * g[i], tn += theta[i] * theta[i];
    double rel = sqrt(gn) / fmax(1.0, sqrt(tn));
    free(g);
    if (ret < 0 && rel > fmax(sqrt(opts.tol), ROUNDING_FLOOR)) {
        st = gf__fail(GF_ERR_FIT, WHO ": L-BFGS stopped (liblbfgs code %d) with the relative "
                      "gradient norm %.3g, far above tol %g", ret, rel, opts.tol);
        goto done;
    }
    if (ret < 0 && rel > fmax(opts.tol, ROUNDING_FLOOR)) {
        char *w = NULL;
        gf__warn(&w, "L-BFGS stopped on rounding (liblbfgs code %d) with relative gradient "
                 "norm %.3g, above tol %g", ret, rel, opts.tol);
        m->warning = w;
    }

    /* Back to the original columns: w = w~ / sd, b = b~ - w . mean. */
    m->classes = K;
    m->k = k;
    m->iterations = pb.iterations;
    m->coef = gf__malloc(K * k * sizeof *m->coef, "coefficients");
    if (!m->coef) {
        st = GF_ERR_NOMEM;
        goto done;
    }
    for (size_t c = 0; c < K; c++) {
        double *w = m->coef + c * k, b = theta[c * k];
        for (size_t j = 0; j < p; j++) {
            w[j + 1] = theta[c * k + j + 1] / sd[j];
            b -= w[j + 1] * mean[j];
        }
        w[0] = b;
    }
    centre(m->coef, K, k, pb.lambda == 0);
    pb.x = d->x;
    pb.pen = NULL;
    g = theta;   /* no longer needed: scratch for the gradient */
    m->loss = objective(&pb, m->coef, g);

done:
    if (theta) lbfgs_free(theta);
    free(xs);
    free(mean);
    free(sd);
    free(pen);
    free(pb.z);
    if (st) {
        gf_mlogit_free(m);
        return st;
    }
    *out = m;
    return GF_OK;
}

gf_status gf_mlogit_predict_proba(const gf_mlogit *m, const double *x, size_t n,
                                  double *proba)
{
    if (!m) return gf__fail(GF_ERR_ARG, "gf_mlogit_predict_proba: model is NULL");
    if ((!x || !proba) && n) return gf__fail(GF_ERR_ARG, "gf_mlogit_predict_proba: a NULL array");
    size_t K = m->classes, k = m->k, p = k - 1;
    for (size_t i = 0; i < n; i++) {
        double *pi = proba + i * K, top = -INFINITY;
        for (size_t c = 0; c < K; c++) {
            const double *w = m->coef + c * k;
            double s = w[0];
            for (size_t j = 0; j < p; j++) {
                double v = x[i * p + j];
                if (!isfinite(v))
                    return gf__fail(GF_ERR_ARG, "gf_mlogit_predict_proba: x has a non-finite "
                                    "value (%g) at row %zu, column %zu", v, i + 1, j + 1);
                s += w[j + 1] * v;
            }
            pi[c] = s;
            top = fmax(top, s);
        }
        double sum = 0;
        for (size_t c = 0; c < K; c++) sum += (pi[c] = exp(pi[c] - top));
        for (size_t c = 0; c < K; c++) pi[c] /= sum;
    }
    return GF_OK;
}

gf_status gf_argmax(const double *scores, size_t n, size_t classes, int32_t *cls)
{
    if ((!scores || !cls) && n) return gf__fail(GF_ERR_ARG, "gf_argmax: a NULL array");
    if (classes == 0 || classes > (size_t)INT32_MAX)
        return gf__fail(GF_ERR_ARG, "gf_argmax: %zu classes", classes);
    for (size_t i = 0; i < n; i++) {
        const double *s = scores + i * classes;
        size_t best = 0;
        for (size_t c = 0; c < classes; c++) {
            if (isnan(s[c]))
                return gf__fail(GF_ERR_ARG, "gf_argmax: the score of row %zu, class %zu is "
                                "NaN", i + 1, c);
            /* Strictly greater: a tie keeps the lower index. */
            if (s[c] > s[best]) best = c;
        }
        cls[i] = (int32_t)best;
    }
    return GF_OK;
}
