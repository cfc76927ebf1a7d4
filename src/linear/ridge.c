/* Ridge regression solved exactly: glmnet's penalised objective with
 * alpha = 0,
 *     RSS / (2n) + lambda / 2 * |beta|_2^2          (intercept unpenalised).
 *
 * The intercept drops out by centring: with the columns of X and y centred
 * (and, with standardize, the columns divided by their population standard
 * deviations, so the penalty falls on the standardised coefficients, as in
 * glmnet), the design Z gives the penalised normal equations
 *     (Z'Z + n lambda I) b = Z'y,
 * and then beta_j = b_j / scale_j, intercept = ybar - sum_j beta_j xbar_j.
 *
 * One lambda: a Cholesky solve of those equations (dposv), after scaling
 * them symmetrically to a unit diagonal so that columns in very different
 * units do not spoil the factorisation.  A grid: one thin SVD Z = U S V'
 * (dgesdd), after which every lambda costs only
 *     b(lambda) = V diag(s_i / (s_i^2 + n lambda)) U'y,
 *     RSS(lambda) = |y|^2 - |U'y|^2 + sum_i (n lambda / (s_i^2 + n lambda))^2 (U'y)_i^2.
 * lambda = 0 is ordinary least squares: the design must then have full rank,
 * which R's QR check decides (naming the collinear columns), and the single
 * lambda = 0 is solved by that QR rather than by normal equations.
 *
 * The seeds' scaling.  Seed 001 writes ridge as J = RSS + lambda'/2 |theta|^2.
 * Dividing J by 2n does not move its minimum and gives
 *     RSS / (2n) + (lambda' / (4n)) |theta|^2 = RSS / (2n) + (lambda / 2) |theta|^2
 * with lambda = lambda' / (2n) (and standardize = 0, since the seed penalises
 * the coefficients as they are).  scikit-learn's Ridge(alpha = a), which
 * minimises RSS + a |beta|^2, is lambda = a / n.  glmnet(alpha = 0) scales y
 * to unit variance inside, which turns its ridge penalty lambda_g into
 * lambda = lambda_g / sd(y) here (sd with divisor n); tests/test_ridge.c checks
 * all three against numbers. */
#include "grafo/linear.h"

#include "core/error.h"
#include "linear/common.h"
#include "linear/qr.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHO "gf_ridge_path"

/* The centred, scaled design of the columns that can take part. */
typedef struct ridge_design {
    size_t n, q;      /* rows; columns kept */
    size_t *col;      /* q: the column of x each column of z comes from */
    double *z;        /* n x q, column-major */
    double *yc;       /* n: y minus its mean (with an intercept) */
    double *center, *scale;   /* p each */
    double ybar, tss; /* tss: the null model's RSS, about ybar (or 0) */
} ridge_design;

static void design_free(ridge_design *g)
{
    free(g->col);
    free(g->z);
    free(g->yc);
    free(g->center);
    free(g->scale);
}

/* Centre and scale x; a column that is constant (with an intercept) or all
 * zero (without) carries no information, so it is left out, gets
 * coefficient 0, and a warning says so. */
static gf_status design_build(const gf_xy *d, int standardize, int intercept,
                              ridge_design *g, char **warning)
{
    size_t n = d->n, p = d->p;
    memset(g, 0, sizeof *g);
    g->n = n;
    g->center = gf__malloc(p * sizeof *g->center, "column means");
    g->scale = gf__malloc(p * sizeof *g->scale, "column scales");
    g->col = gf__malloc(p * sizeof *g->col, "the kept columns");
    g->yc = gf__malloc(n * sizeof *g->yc, "the centred response");
    if (!g->center || !g->scale || !g->col || !g->yc) return GF_ERR_NOMEM;

    double *sd = g->scale;
    gf__col_stats(d, g->center, sd);
    char buf[32];
    for (size_t j = 0; j < p; j++) {
        double s = sd[j];
        int constant = gf__col_is_constant(d, j);
        int dead;
        if (intercept) {
            dead = constant;
        } else {
            dead = constant && d->x[j] == 0;
            g->center[j] = 0;
        }
        if (dead) {
            gf__warn(warning, "column %zu (%s) is constant%s: its coefficient is 0", j + 1,
                     gf__col_name(d, j, buf), intercept ? "" : " zero");
            continue;
        }
        /* Without an intercept a constant nonzero column is a fine
         * regressor, but it has no spread to standardise by. */
        g->scale[j] = standardize && !constant ? s : 1.0;
        g->col[g->q++] = j;
    }

    g->ybar = 0;
    if (intercept) {
        for (size_t i = 0; i < n; i++) g->ybar += d->y[i];
        g->ybar /= (double)n;
    }
    g->tss = 0;
    for (size_t i = 0; i < n; i++) {
        g->yc[i] = d->y[i] - g->ybar;
        g->tss += g->yc[i] * g->yc[i];
    }

    size_t q = g->q ? g->q : 1;
    g->z = gf__malloc(n * q * sizeof *g->z, "the centred design");
    if (!g->z) return GF_ERR_NOMEM;
    for (size_t a = 0; a < g->q; a++) {
        size_t j = g->col[a];
        double m = g->center[j], s = g->scale[j];
        double *zc = g->z + a * n;
        for (size_t i = 0; i < n; i++) zc[i] = (d->x[i * p + j] - m) / s;
    }
    return GF_OK;
}

/* lambda = 0 is least squares: refuse a rank-deficient design with R's QR
 * check, whose message names the collinear columns.  With qr_coef non-NULL
 * the least-squares solution (q values) is returned too. */
static gf_status rank_check(const gf_xy *d, const ridge_design *g, double *qr_coef)
{
    size_t n = g->n, q = g->q;
    if (q == 0) return GF_OK;
    char **names = gf__malloc(q * sizeof *names, "column names");
    double *a = gf__malloc(n * q * sizeof *a, "a copy of the design");
    if (!names || !a) {
        free(names);
        free(a);
        return GF_ERR_NOMEM;
    }
    char (*buf)[32] = gf__malloc(q * sizeof *buf, "column names");
    if (!buf) {
        free(names);
        free(a);
        return GF_ERR_NOMEM;
    }
    for (size_t c = 0; c < q; c++) names[c] = (char *)gf__col_name(d, g->col[c], buf[c]);
    memcpy(a, g->z, n * q * sizeof *a);
    gf__qr qr;
    gf_status s = gf__qr_factor(a, n, q, names, GF__QR_TOL_LM, &qr);   /* qr owns a from here */
    if (s == GF_OK && qr_coef) s = gf__qr_solve(&qr, g->yc, qr_coef, NULL);
    if (s == GF_ERR_FIT)
        gf__errctx("%s: lambda = 0 is least squares, which needs columns that are not "
                   "collinear (a lambda > 0 has a unique solution)", WHO);
    gf__qr_free(&qr);
    free(names);
    free(buf);
    return s;
}

/* b (q) for one lambda from the penalised normal equations
 * (Z'Z/n + lambda I) b = Z'y / n, scaled to a unit diagonal first:
 * with D = diag(A_jj)^-1/2, solve (D A D) u = D rhs, then b = D u. */
static gf_status solve_cholesky(const ridge_design *g, double lambda, double *b)
{
    size_t n = g->n, q = g->q;
    double *a = gf__malloc(q * q * sizeof *a, "the penalised Gram matrix");  /* q x q */
    double *dg = gf__malloc(q * sizeof *dg, "the diagonal scaling");
    if (!a || !dg) {
        free(a);
        free(dg);
        return GF_ERR_NOMEM;
    }
    double inv_n = 1.0 / (double)n;
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)q, (int)n, inv_n, g->z, (int)n,
                0.0, a, (int)q);
    cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)q, inv_n, g->z, (int)n, g->yc, 1,
                0.0, b, 1);
    for (size_t j = 0; j < q; j++) {
        a[j * q + j] += lambda;
        dg[j] = 1.0 / sqrt(a[j * q + j]);
    }
    for (size_t c = 0; c < q; c++)
        for (size_t r = c; r < q; r++) a[c * q + r] *= dg[r] * dg[c];
    for (size_t j = 0; j < q; j++) b[j] *= dg[j];
    lapack_int info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'L', (lapack_int)q, 1, a,
                                    (lapack_int)q, b, (lapack_int)q);
    for (size_t j = 0; j < q; j++) b[j] *= dg[j];
    free(a);
    free(dg);
    if (info != 0)
        return gf__fail(GF_ERR_NUMERIC, "%s: the Cholesky factorisation of the penalised "
                        "normal equations failed (LAPACK dposv info %d) at lambda %g",
                        WHO, (int)info, lambda);
    return GF_OK;
}

/* The thin SVD of the design, kept for the grid: s (r), vt (r x q,
 * column-major) and uty = U'y (r), r = min(n, q).  Z is destroyed. */
typedef struct ridge_svd {
    size_t r;
    double *s, *vt, *uty;
} ridge_svd;

/* The SVD of a (m x q, column-major, destroyed) into v, with U'y from c (m). */
static gf_status svd_small(double *a, size_t m, size_t q, const double *c, ridge_svd *v)
{
    size_t r = v->r;
    double *u = gf__malloc(m * r * sizeof *u, "left singular vectors");   /* m x r */
    if (!u) return GF_ERR_NOMEM;
    lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)m, (lapack_int)q, a,
                                     (lapack_int)m, v->s, u, (lapack_int)m, v->vt,
                                     (lapack_int)r);
    if (info == 0)
        cblas_dgemv(CblasColMajor, CblasTrans, (int)m, (int)r, 1.0, u, (int)m, c, 1, 0.0,
                    v->uty, 1);
    free(u);
    if (info != 0)
        return gf__fail(info < 0 ? GF_ERR_ARG : GF_ERR_NUMERIC, "%s: the SVD of the "
                        "centred design failed (LAPACK dgesdd info %d)", WHO, (int)info);
    return GF_OK;
}

/* A tall design (n > q) is first reduced by a QR factorisation Z = QR:
 * Z and R share singular values and V, U = Q U_R, so U'y = U_R' (Q'y).  This
 * never forms the n x q matrix U, which would cost as much again as the QR. */
static gf_status svd_of(ridge_design *g, ridge_svd *v)
{
    size_t n = g->n, q = g->q, r = n < q ? n : q;
    memset(v, 0, sizeof *v);
    v->r = r;
    v->s = gf__malloc(r * sizeof *v->s, "singular values");
    v->vt = gf__malloc(r * q * sizeof *v->vt, "right singular vectors");
    v->uty = gf__malloc(r * sizeof *v->uty, "U'y");
    if (!v->s || !v->vt || !v->uty) return GF_ERR_NOMEM;
    if (n <= q) return svd_small(g->z, n, q, g->yc, v);

    double *tau = gf__malloc(q * sizeof *tau, "Householder scalars");
    double *qty = gf__malloc(n * sizeof *qty, "Q'y");
    double *rr = gf__calloc(q * q, sizeof *rr, "the triangular factor");   /* q x q */
    gf_status s = GF_OK;
    if (!tau || !qty || !rr) {
        s = GF_ERR_NOMEM;
        goto done;
    }
    lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)q, g->z,
                                     (lapack_int)n, tau);
    memcpy(qty, g->yc, n * sizeof *qty);
    if (info == 0)
        info = LAPACKE_dormqr(LAPACK_COL_MAJOR, 'L', 'T', (lapack_int)n, 1, (lapack_int)q,
                              g->z, (lapack_int)n, tau, qty, (lapack_int)n);
    if (info != 0) {
        s = gf__fail(GF_ERR_NUMERIC, "%s: the QR factorisation of the centred design "
                     "failed (LAPACK info %d)", WHO, (int)info);
        goto done;
    }
    for (size_t c = 0; c < q; c++)
        for (size_t i = 0; i <= c; i++) rr[c * q + i] = g->z[c * n + i];
    s = svd_small(rr, q, q, qty, v);
done:
    free(tau);
    free(qty);
    free(rr);
    return s;
}

/* b (q) and the RSS at one lambda, from the SVD. */
static double svd_solve(const ridge_svd *v, size_t n, size_t q, double tss, double lambda,
                        double *b, double *w)
{
    double nl = (double)n * lambda, fit2 = 0, left = 0;
    for (size_t i = 0; i < v->r; i++) {
        double s = v->s[i], den = s * s + nl;
        /* A zero singular value with lambda = 0 cannot pass the rank check;
         * with lambda > 0 its direction simply gets weight 0. */
        w[i] = den > 0 ? s / den * v->uty[i] : 0;
        double shrink = den > 0 ? nl / den : 1;
        fit2 += v->uty[i] * v->uty[i];
        left += shrink * shrink * v->uty[i] * v->uty[i];
    }
    cblas_dgemv(CblasColMajor, CblasTrans, (int)v->r, (int)q, 1.0, v->vt, (int)v->r, w, 1,
                0.0, b, 1);
    /* Rounding can take |y|^2 - |U'y|^2 a hair below 0 on a perfect fit. */
    return fmax(0.0, tss - fit2) + left;
}

/* RSS of the fit (icpt, beta on the original scale), from the data. */
static double rss_direct(const gf_xy *d, const double *beta, double icpt)
{
    size_t n = d->n, p = d->p;
    double rss = 0;
    for (size_t i = 0; i < n; i++) {
        double f = icpt;
        for (size_t j = 0; j < p; j++) f += beta[j] * d->x[i * p + j];
        double r = d->y[i] - f;
        rss += r * r;
    }
    return rss;
}

/* Coefficients on the original scale into row (k = p + 1), from b (q). */
static void unscale(const ridge_design *g, const double *b, size_t p, int intercept,
                    double *row)
{
    memset(row, 0, (p + 1) * sizeof *row);
    for (size_t a = 0; a < g->q; a++) {
        size_t j = g->col[a];
        row[j + 1] = b[a] / g->scale[j];
    }
    if (intercept) {
        double icpt = g->ybar;
        for (size_t j = 0; j < p; j++) icpt -= row[j + 1] * g->center[j];
        row[0] = icpt;
    }
}

static gf_path *path_new(const gf_xy *d, const double *lambda, size_t nlambda)
{
    size_t k = d->p + 1;
    gf_path *m = gf__calloc(1, sizeof *m, "the ridge path");
    if (!m) return NULL;
    m->family = GF_GAUSSIAN;
    m->alpha = 0;
    m->nlambda = nlambda;
    m->k = k;
    m->names = gf__coef_names(d);
    m->lambda = gf__malloc(nlambda * sizeof *m->lambda, "the lambda values");
    m->coef = gf__calloc(nlambda * k, sizeof *m->coef, "the ridge coefficients");
    m->dev_ratio = gf__calloc(nlambda, sizeof *m->dev_ratio, "the deviance ratios");
    m->df = gf__calloc(nlambda, sizeof *m->df, "the degrees of freedom");
    if (!m->names || !m->lambda || !m->coef || !m->dev_ratio || !m->df) {
        gf_path_free(m);
        return NULL;
    }
    memcpy(m->lambda, lambda, nlambda * sizeof *lambda);
    return m;
}

static gf_status check_lambdas(const double *lambda, size_t nlambda, int *any_zero)
{
    if (!lambda || nlambda == 0)
        return gf__fail(GF_ERR_ARG, "%s: no lambda values (lambda is NULL or nlambda is 0)",
                        WHO);
    *any_zero = 0;
    for (size_t l = 0; l < nlambda; l++) {
        char what[64];
        snprintf(what, sizeof what, "lambda number %zu (of %zu)", l + 1, nlambda);
        gf_status s = gf__check_rate(lambda[l], 0, what, WHO);
        if (s != GF_OK) return s;
        if (lambda[l] == 0) *any_zero = 1;
    }
    return GF_OK;
}

/* Fill path row l from b; rss is that fit's residual sum of squares. */
static void fill_row(gf_path *m, const ridge_design *g, size_t l, const double *b,
                     size_t p, int intercept, double rss)
{
    double *row = m->coef + l * m->k;
    unscale(g, b, p, intercept, row);
    int df = 0;
    for (size_t j = 1; j < m->k; j++) df += row[j] != 0;
    m->df[l] = df;
    m->dev_ratio[l] = g->tss > 0 ? 1.0 - rss / g->tss : 0;
}

gf_status gf_ridge_path(const gf_xy *d, const double *lambda, size_t nlambda,
                        int standardize, int intercept, gf_path **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "%s: out is NULL", WHO);
    *out = NULL;
    intercept = intercept ? 1 : 0;
    int any_zero = 0;
    gf_status s = check_lambdas(lambda, nlambda, &any_zero);
    if (s != GF_OK) return s;
    /* A lambda > 0 determines the fit for any n; lambda = 0 (least squares)
     * needs at least as many rows as coefficients. */
    size_t min_rows = 1 + (size_t)intercept;
    if (any_zero && d && d->p + (size_t)intercept > min_rows) min_rows = d->p + (size_t)intercept;
    s = gf__xy_check(d, GF__NEED_Y, min_rows, 0, WHO);
    if (s != GF_OK) return s;
    size_t n = d->n, p = d->p;
    if (n > INT32_MAX || p > INT32_MAX)
        return gf__fail(GF_ERR_SHAPE, "%s: %zu x %zu is too large for one fit (at most "
                        "2^31 - 1 rows and columns)", WHO, n, p);

    char *warning = NULL;
    ridge_design g;
    ridge_svd v = { 0 };
    double *b = NULL, *w = NULL, *beta = NULL;
    gf_path *m = NULL;
    s = design_build(d, standardize, intercept, &g, &warning);
    if (s != GF_OK) goto done;
    size_t q = g.q, qq = q ? q : 1;
    b = gf__malloc(qq * sizeof *b, "the coefficients");
    w = gf__malloc((n < qq ? n : qq) * sizeof *w, "the SVD weights");
    beta = gf__malloc((p + 1) * sizeof *beta, "the coefficients");
    m = path_new(d, lambda, nlambda);
    if (!b || !w || !beta || !m) {
        s = GF_ERR_NOMEM;
        goto done;
    }

    if (any_zero) {
        s = rank_check(d, &g, nlambda == 1 ? b : NULL);
        if (s != GF_OK) goto done;
    }
    if (q == 0) {
        /* Nothing to fit but the intercept. */
        for (size_t l = 0; l < nlambda; l++) fill_row(m, &g, l, b, p, intercept, g.tss);
    } else if (nlambda == 1) {
        if (lambda[0] > 0) s = solve_cholesky(&g, lambda[0], b);
        if (s != GF_OK) goto done;
        unscale(&g, b, p, intercept, beta);
        fill_row(m, &g, 0, b, p, intercept, rss_direct(d, beta + 1, beta[0]));
    } else {
        s = svd_of(&g, &v);
        if (s != GF_OK) goto done;
        for (size_t l = 0; l < nlambda; l++) {
            double rss = svd_solve(&v, n, q, g.tss, lambda[l], b, w);
            fill_row(m, &g, l, b, p, intercept, rss);
        }
    }
    m->warning = warning;
    warning = NULL;
    *out = m;
    m = NULL;

done:
    free(warning);
    gf_path_free(m);
    free(b);
    free(w);
    free(beta);
    free(v.s);
    free(v.vt);
    free(v.uty);
    design_free(&g);
    return s;
}
