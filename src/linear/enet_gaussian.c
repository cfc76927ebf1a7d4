/* Lasso and elastic net, gaussian family: cyclic coordinate descent over a
 * decreasing path of lambdas with warm starts, in glmnet's "covariance"
 * form.
 *
 * On the standardised problem (z_j = (x_j - c_j) / s_j, y~ = (y - ym) / ys)
 * the update of coordinate k needs only g_k = mean(z_k r), r the current
 * residual.  Instead of keeping r (n numbers, O(n) per update), we keep g
 * itself: when b_k moves by d, every g_j moves by -d * mean(z_j z_k), a
 * column of the Gram matrix.  Each update is then O(p) whatever n is, which
 * is what makes n >> p fast; the data are read once, to form the Gram
 * matrix (or, for many columns, only the columns of features that enter).
 *
 * Two screens keep the work on the few features that matter:
 * - the sequential strong rule (Tibshirani et al., 2012) leaves out feature
 *   j at lambda while |g_j| < alpha (2 lambda - lambda_prev); a KKT check
 *   once the others have converged brings back any it wrongly left out;
 * - active-set iterations: after a pass over the screened features, passes
 *   over the nonzero ones only, until they converge, then one more full
 *   pass to confirm. */
#include "linear/enet.h"

#include "core/error.h"
#include "linear/common.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

/* The standardised problem. */
typedef struct gprob {
    size_t n, p;
    unsigned char *ju; /* p: 1 if column j varies (a constant one stays at 0) */
    double *c, *s;     /* p: column centres and scales */
    double ym, ys;     /* y's centre (0 without intercept) and scale */
    double *xv;        /* p: mean of z_j^2 (1 when standardised with an intercept) */
    double *g0;        /* p: mean of z_j y~, the gradient at b = 0 */
    double *gram;      /* p x p: mean of z_j z_k; or NULL, and then... */
    double *z;         /* n x p column-major z, for Gram columns on demand */
} gprob;

static void gprob_free(gprob *pr)
{
    free(pr->ju);
    free(pr->c);
    free(pr->s);
    free(pr->xv);
    free(pr->g0);
    free(pr->gram);
    free(pr->z);
}

static gf_status gprob_alloc(gprob *pr, size_t n, size_t p)
{
    memset(pr, 0, sizeof *pr);
    pr->n = n;
    pr->p = p;
    pr->ju = gf__calloc(p, 1, "column flags");
    pr->c = gf__calloc(p, sizeof *pr->c, "column centres");
    pr->s = gf__calloc(p, sizeof *pr->s, "column scales");
    pr->xv = gf__calloc(p, sizeof *pr->xv, "column variances");
    pr->g0 = gf__calloc(p, sizeof *pr->g0, "correlations");
    if (pr->ju && pr->c && pr->s && pr->xv && pr->g0) return GF_OK;
    gprob_free(pr);
    return GF_ERR_NOMEM;
}

/* The problem of every row but fold `leave` (NONE: every row), from sums. */
static gf_status gprob_from_sums(const gf__gsums *su, size_t leave, const gf__enet_cfg *cfg,
                                 gprob *pr, const char *who)
{
    size_t p = su->p;
    const gf__gmom *A = &su->all, *F = leave == NONE ? NULL : &su->set[leave];
    size_t n = A->n - (F ? F->n : 0);
    if (gprob_alloc(pr, n, p)) return GF_ERR_NOMEM;
    double *d = gf__malloc(2 * p * sizeof *d, "column offsets");
    pr->gram = gf__malloc(p * p * sizeof *pr->gram, "the Gram matrix");
    if (!d || !pr->gram) {
        free(d);
        gprob_free(pr);
        return GF_ERR_NOMEM;
    }
    double *e = d + p, nn = (double)n;

    /* Training-set minimum and maximum: over the other folds. */
    double ylo = A->ylo, yhi = A->yhi;
    if (F) {
        ylo = INFINITY, yhi = -INFINITY;
        for (size_t f = 0; f < su->nsets; f++)
            if (f != leave) ylo = fmin(ylo, su->set[f].ylo), yhi = fmax(yhi, su->set[f].yhi);
    }
    for (size_t j = 0; j < p; j++) {
        double lo = A->lo[j], hi = A->hi[j];
        if (F) {
            lo = INFINITY, hi = -INFINITY;
            for (size_t f = 0; f < su->nsets; f++)
                if (f != leave) lo = fmin(lo, su->set[f].lo[j]), hi = fmax(hi, su->set[f].hi[j]);
        }
        /* d_j: the training mean minus the shift, small by construction. */
        d[j] = (A->S[j] - (F ? F->S[j] : 0)) / nn;
        double mu = su->shift[j] + d[j];
        double gjj = A->G[j * p + j] - (F ? F->G[j * p + j] : 0);
        double var = fmax(gjj / nn - d[j] * d[j], 0);
        pr->ju[j] = lo < hi && var > 0;
        pr->c[j] = cfg->intercept ? mu : 0;
        pr->s[j] = cfg->standardize ? sqrt(var) : 1;
        e[j] = mu - pr->c[j];
        if (!pr->ju[j]) pr->c[j] = 0, pr->s[j] = 1, e[j] = 0;
    }
    double ty = (A->St - (F ? F->St : 0)) / nn;
    double ymean = su->yshift + ty;
    double vy = fmax((A->Stt - (F ? F->Stt : 0)) / nn - ty * ty, 0);
    pr->ym = cfg->intercept ? ymean : 0;
    double ey = ymean - pr->ym;
    pr->ys = sqrt(vy + ey * ey);
    if ((cfg->intercept && !(ylo < yhi)) || !(pr->ys > 0)) {
        free(d);
        gprob_free(pr);
        return gf__fail(GF_ERR_FIT, "%s: y is constant (%g): there is nothing to fit", who,
                        ylo);
    }

    /* mean((x_j - c_j)(x_k - c_k)) = cov_jk + e_j e_k, scaled by s_j s_k. */
    for (size_t j = 0; j < p; j++) {
        for (size_t k = j; k < p; k++) {
            double v = 0;
            if (pr->ju[j] && pr->ju[k]) {
                double gjk = A->G[j * p + k] - (F ? F->G[j * p + k] : 0);
                v = (gjk / nn - d[j] * d[k] + e[j] * e[k]) / (pr->s[j] * pr->s[k]);
            }
            pr->gram[j * p + k] = pr->gram[k * p + j] = v;
        }
        pr->xv[j] = pr->ju[j] ? pr->gram[j * p + j] : 1;
        double sut = A->Sut[j] - (F ? F->Sut[j] : 0);
        pr->g0[j] = pr->ju[j] ? (sut / nn - d[j] * ty + e[j] * ey) / (pr->s[j] * pr->ys) : 0;
    }
    free(d);
    return GF_OK;
}

/* The problem of the rows of d, keeping the standardised design itself. */
static gf_status gprob_from_data(const gf_xy *d, const gf__enet_cfg *cfg, gprob *pr,
                                 const char *who)
{
    size_t n = d->n, p = d->p;
    if (gprob_alloc(pr, n, p)) return GF_ERR_NOMEM;
    gf__enet_center_scale(d, cfg, pr->c, pr->s, pr->ju);
    double *r = gf__malloc(n * sizeof *r, "the centred response");
    pr->z = gf__enet_zmatrix(d, pr->c, pr->s, pr->ju);
    if (!r || !pr->z) {
        free(r);
        gprob_free(pr);
        return GF_ERR_NOMEM;
    }
    int varies = 0;
    double ym = 0;
    for (size_t i = 0; i < n; i++) ym += d->y[i], varies |= d->y[i] != d->y[0];
    pr->ym = cfg->intercept ? ym / (double)n : 0;
    double ss = 0;
    for (size_t i = 0; i < n; i++) r[i] = d->y[i] - pr->ym, ss += r[i] * r[i];
    pr->ys = sqrt(ss / (double)n);
    if ((cfg->intercept && !varies) || !(pr->ys > 0)) {
        free(r);
        gprob_free(pr);
        return gf__fail(GF_ERR_FIT, "%s: y is constant (%g): there is nothing to fit", who,
                        d->y[0]);
    }
    cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)p, 1.0 / ((double)n * pr->ys), pr->z,
                (int)n, r, 1, 0.0, pr->g0, 1);
    for (size_t j = 0; j < p; j++) {
        const double *zj = pr->z + j * n;
        pr->xv[j] = pr->ju[j] ? cblas_ddot((int)n, zj, 1, zj, 1) / (double)n : 1;
    }
    free(r);
    return GF_OK;
}

/* ------------------------------------------------- coordinate descent -- */

typedef struct cd {
    const gprob *pr;
    double *b;             /* p standardised coefficients */
    double *g;             /* p: mean(z_j r) / ys, r the current residual */
    double *da;            /* p: active coefficients before the active passes */
    double **col;          /* p Gram columns, each filled when j first enters */
    unsigned char *strong; /* p: j passed the strong rule (it stays in) */
    size_t *ia, nin;       /* the features that have been nonzero, by entry */
    size_t *mm;            /* p: j's place in ia, or NONE */
    double l1, l2;         /* the L1 and L2 weights in the solver's units */
    double rsq;            /* fraction of y's variance explained */
    double dlx;            /* largest objective change in the current pass */
    long passes, max_passes;
} cd;

static int gram_col(cd *s, size_t k)
{
    const gprob *pr = s->pr;
    size_t n = pr->n, p = pr->p;
    if (s->col[k]) return 1;
    if (pr->gram) {
        s->col[k] = pr->gram + k * p;
        return 1;
    }
    double *c = gf__malloc(p * sizeof *c, "a column of the Gram matrix");
    if (!c) return 0;
    cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)p, 1.0 / (double)n, pr->z, (int)n,
                pr->z + k * n, 1, 0.0, c, 1);
    s->col[k] = c;
    return 1;
}

/* Minimise over b_k alone.  The gradients of the active features are always
 * kept current; the others' too unless active_only (they are brought up to
 * date after the active passes, in catch_up). */
static gf_status update(cd *s, size_t k, int active_only)
{
    double gk = s->g[k], ak = s->b[k], xv = s->pr->xv[k];
    double nk = gf__enet_soft(gk + ak * xv, s->l1, s->l2, xv);
    if (nk == ak) return GF_OK;
    if (s->mm[k] == NONE) {
        if (!gram_col(s, k)) return GF_ERR_NOMEM;
        s->mm[k] = s->nin;
        s->ia[s->nin++] = k;
    }
    double del = nk - ak;
    s->b[k] = nk;
    /* RSS/n changes by -2 del g_k + del^2 xv_k; y~ has unit mean square. */
    s->rsq += del * (2 * gk - del * xv);
    if (xv * del * del > s->dlx) s->dlx = xv * del * del;
    const double *ck = s->col[k];
    if (active_only) {
        for (size_t l = 0; l < s->nin; l++) s->g[s->ia[l]] -= ck[s->ia[l]] * del;
    } else {
        size_t p = s->pr->p;
        for (size_t j = 0; j < p; j++) s->g[j] -= ck[j] * del;
    }
    return GF_OK;
}

static gf_status pass(cd *s, int active_only)
{
    if (++s->passes > s->max_passes) return GF_ERR_FIT;
    s->dlx = 0;
    gf_status st = GF_OK;
    if (active_only) {
        for (size_t l = 0; l < s->nin && !st; l++) st = update(s, s->ia[l], 1);
    } else {
        for (size_t j = 0; j < s->pr->p && !st; j++)
            if (s->strong[j]) st = update(s, j, 0);
    }
    return st;
}

/* The inactive features' gradients, after the active passes moved the
 * active coefficients by b - da. */
static void catch_up(cd *s)
{
    size_t p = s->pr->p;
    for (size_t l = 0; l < s->nin; l++) {
        double del = s->b[s->ia[l]] - s->da[l];
        if (del == 0) continue;
        const double *ck = s->col[s->ia[l]];
        for (size_t j = 0; j < p; j++)
            if (s->mm[j] == NONE) s->g[j] -= ck[j] * del;
    }
}

/* The solution at lambda, warm-started from the current one.  GF_ERR_FIT
 * (with no message) when max_passes runs out. */
static gf_status fit_point(cd *s, const gf__enet_cfg *cfg, double lambda, double prev)
{
    const gprob *pr = s->pr;
    size_t p = pr->p;
    double thr = cfg->tol; /* y~ has unit mean square: the null deviance is 1 */
    double tlam = cfg->alpha * (2 * lambda - prev);
    for (size_t j = 0; j < p; j++)
        if (pr->ju[j] && !s->strong[j] && fabs(s->g[j]) > tlam) s->strong[j] = 1;
    for (;;) {
        gf_status st = pass(s, 0);
        if (st) return st;
        if (s->dlx < thr) {
            /* KKT: a screened-out feature with |g_j| > lambda alpha would
             * move away from 0; bring it in and go again. */
            int added = 0;
            for (size_t j = 0; j < p; j++)
                if (pr->ju[j] && !s->strong[j] && fabs(s->g[j]) > s->l1)
                    s->strong[j] = 1, added = 1;
            if (!added) return GF_OK;
            continue;
        }
        for (size_t l = 0; l < s->nin; l++) s->da[l] = s->b[s->ia[l]];
        do {
            st = pass(s, 1);
            if (st) return st;
        } while (s->dlx >= thr);
        catch_up(s);
    }
}

/* Coefficients on the original scale into row m of the path. */
static void record(const cd *s, const gf__enet_cfg *cfg, gf_path *path, size_t m,
                   double lambda)
{
    const gprob *pr = s->pr;
    size_t p = pr->p;
    double *coef = path->coef + m * path->k, a0 = pr->ym;
    int df = 0;
    for (size_t j = 0; j < p; j++) {
        double beta = pr->ju[j] ? pr->ys * s->b[j] / pr->s[j] : 0;
        coef[1 + j] = beta;
        a0 -= beta * pr->c[j];
        df += beta != 0;
    }
    coef[0] = cfg->intercept ? a0 : 0;
    path->lambda[m] = cfg->lambda ? cfg->lambda[m] : lambda * pr->ys;
    path->dev_ratio[m] = s->rsq;
    path->df[m] = df;
    path->nlambda = m + 1;
}

static gf_status solve(const gprob *pr, const gf__enet_cfg *cfg, gf_path *path, char **warn,
                       const char *who)
{
    size_t p = pr->p;
    gf_status st = GF_ERR_NOMEM;
    cd s = { .pr = pr, .max_passes = cfg->max_passes };
    s.b = gf__calloc(p, sizeof *s.b, "coefficients");
    s.g = gf__malloc(p * sizeof *s.g, "gradients");
    s.da = gf__malloc(p * sizeof *s.da, "coefficient changes");
    s.col = gf__calloc(p, sizeof *s.col, "Gram columns");
    s.strong = gf__calloc(p, 1, "the strong set");
    s.ia = gf__malloc(p * sizeof *s.ia, "the active set");
    s.mm = gf__malloc(p * sizeof *s.mm, "the active set");
    if (!s.b || !s.g || !s.da || !s.col || !s.strong || !s.ia || !s.mm) goto done;
    memcpy(s.g, pr->g0, p * sizeof *s.g);
    double gmax = 0;
    for (size_t j = 0; j < p; j++) {
        s.mm[j] = NONE;
        if (pr->ju[j]) gmax = fmax(gmax, fabs(pr->g0[j]));
    }

    gf__lambda_seq seq;
    gf__lambda_seq_init(&seq, cfg, gmax, pr->ys);
    double prev = 0, rsq_prev = 0;
    st = GF_OK;
    for (size_t m = 0; m < cfg->nlambda; m++) {
        double lambda = gf__lambda_seq_next(&seq, m);
        if (m == 0) prev = lambda;
        /* In units of y / ys the objective RSS/(2n) + lambda (alpha |b|_1 +
         * (1 - alpha)/2 |b|^2), divided by ys^2, has L1 weight alpha
         * lambda / ys and L2 weight (1 - alpha) lambda.  (glmnet puts
         * lambda / ys on both, which changes its elastic net whenever
         * sd(y) != 1; we keep the documented objective, scikit-learn's.) */
        s.l1 = lambda * cfg->alpha;
        s.l2 = lambda * (1 - cfg->alpha) * pr->ys;
        /* The automatic grid starts where every coefficient is 0 (glmnet
         * fits its first point with an infinite lambda). */
        if (cfg->lambda || m > 0) st = fit_point(&s, cfg, lambda, prev);
        if (st == GF_ERR_FIT) {
            st = GF_OK;
            if (m == 0) {
                st = gf__fail(GF_ERR_FIT, "%s: coordinate descent did not converge within "
                              "max_passes = %ld passes at the first lambda (%g)", who,
                              s.max_passes, lambda * pr->ys);
            } else {
                gf__warn(warn, "coordinate descent did not converge within max_passes = %ld "
                         "passes at lambda %zu (%g); the path stops at the %zu before it",
                         s.max_passes, m + 1, lambda * pr->ys, m);
            }
            break;
        }
        if (st) break;
        record(&s, cfg, path, m, lambda);
        if (gf__path_should_stop(cfg, m, s.rsq, rsq_prev, 1)) break;
        rsq_prev = s.rsq;
        prev = lambda;
    }
done:
    if (s.col && !pr->gram)
        for (size_t j = 0; j < p; j++) free(s.col[j]);
    free(s.b);
    free(s.g);
    free(s.da);
    free(s.col);
    free(s.strong);
    free(s.ia);
    free(s.mm);
    return st;
}

/* -------------------------------------------------------- entry points -- */

static gf_status finish(gprob *pr, const gf__enet_cfg *cfg, const gf_xy *d, gf_path **out,
                        const char *who)
{
    gf_path *path = gf__path_alloc(cfg, cfg->nlambda, pr->p, d);
    if (!path) {
        gprob_free(pr);
        return GF_ERR_NOMEM;
    }
    char *warn = NULL;
    if (d) gf__enet_warn_constant(d, pr->ju, &warn);
    gf_status st = solve(pr, cfg, path, &warn, who);
    gprob_free(pr);
    path->warning = warn;
    if (st) {
        gf_path_free(path);
        return st;
    }
    *out = path;
    return GF_OK;
}

gf_status gf__enet_gaussian(const gf_xy *d, const gf__enet_cfg *cfg, gf_path **out)
{
    const char *who = "gf_enet_path";
    gprob pr;
    gf_status st = gprob_from_data(d, cfg, &pr, who);
    if (st) return st;
    return finish(&pr, cfg, d, out, who);
}

gf_status gf__enet_gaussian_sums(const gf__gsums *su, size_t leave_out,
                                 const gf__enet_cfg *cfg, const gf_xy *d, gf_path **out)
{
    const char *who = "gf_enet_path";
    gprob pr;
    gf_status st = gprob_from_sums(su, leave_out, cfg, &pr, who);
    if (st) return st;
    return finish(&pr, cfg, d, out, who);
}
