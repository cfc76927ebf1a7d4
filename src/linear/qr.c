/* Least squares through a Householder QR factorisation, with R's rank check.
 *
 * A = QR with Q orthogonal (kept as Householder reflectors below the
 * diagonal of a, with their scalars in tau) and R upper triangular.  Then
 *     coef = R^-1 (Q'y)[0..k),   resid = Q [0; (Q'y)[k..n)],
 *     (A'A)^-1 = (R'R)^-1 = R^-1 R^-T,
 * so nothing ever forms or inverts A'A, whose condition number is the
 * square of A's.
 *
 * The rank check: after the Householder steps on columns 0..j-1, |R_jj| is
 * the length of the part of column j that the earlier columns cannot
 * reach.  When it is below tol times the column's own length (1e-7 in
 * R's lm), column j is, to working precision, a combination of
 * the earlier ones; the coefficients c of that combination solve the
 * leading triangular system R[0..j,0..j) c = R[0..j, j].
 *
 * Ownership: gf__qr_factor always stores a in q (success or failure), so the
 * caller frees the design by calling gf__qr_free(q) on every path, never
 * free(a) itself. */
#include "linear/qr.h"

#include "core/error.h"

#include <cblas.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* R's tolerance for lm(): a column is dropped when its remaining length is
 * below this fraction of its original length. */
#define GF__QR_RANK_TOL 1e-7
/* Columns per panel of the blocked factorisation (timed best at 16-32). */
#define GF__QR_BLOCK 32

/* Appends to a fixed-size message; text that does not fit is cut off. */
typedef struct msgbuf {
    char s[1024];
    size_t len;
} msgbuf;

static void msg_add(msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_add(msgbuf *m, const char *fmt, ...)
{
    if (m->len >= sizeof m->s - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(m->s + m->len, sizeof m->s - m->len, fmt, ap);
    va_end(ap);
    if (w > 0) m->len += (size_t)w;
    if (m->len > sizeof m->s - 1) m->len = sizeof m->s - 1;
}

static const char *col_name(char *const *names, size_t j, char buf[32])
{
    if (names && names[j]) return names[j];
    snprintf(buf, 32, "column %zu", j + 1);
    return buf;
}

static int is_intercept(char *const *names, size_t j)
{
    return names && names[j] && strcmp(names[j], "(Intercept)") == 0;
}

/* A coefficient as a person would write it: 2 rather than 2.0000000001. */
static double tidy(double c)
{
    double r = nearbyint(c);
    return fabs(c - r) <= 1e-6 * fmax(1.0, fabs(c)) ? r : c;
}

/* The message for column j that lies in the span of columns 0..j-1; c holds
 * the j coefficients of the combination (c may be NULL when j == 0). */
static gf_status collinear_fail(char *const *names, size_t j, const double *c)
{
    char b1[32], b2[32];
    const char *name = col_name(names, j, b1);
    double cmax = 0;
    size_t terms = 0, only = 0;
    for (size_t i = 0; i < j; i++) cmax = fmax(cmax, fabs(c[i]));
    /* Coefficients below this are rounding noise, not part of the relation. */
    double keep = 1e-6 * cmax;
    for (size_t i = 0; i < j; i++)
        if (cmax > 0 && fabs(c[i]) > keep) terms++, only = i;

    if (terms == 0)
        return gf__fail(GF_ERR_FIT, "%s is zero in every row, so its coefficient is not "
                        "determined", name);
    if (terms == 1 && is_intercept(names, only))
        return gf__fail(GF_ERR_FIT, "%s is constant (%.6g in every row), so it is "
                        "collinear with the intercept", name, tidy(c[only]));

    msgbuf m = { .len = 0 };
    msg_add(&m, "%s = ", name);
    int first = 1;
    for (size_t i = 0; i < j; i++) {
        if (!(fabs(c[i]) > keep)) continue;
        double v = tidy(c[i]);
        double a = fabs(v);
        const char *sign = v < 0 ? (first ? "-" : " - ") : (first ? "" : " + ");
        if (is_intercept(names, i))
            msg_add(&m, "%s%.6g", sign, a);
        else if (a == 1)
            msg_add(&m, "%s%s", sign, col_name(names, i, b2));
        else
            msg_add(&m, "%s%.6g*%s", sign, a, col_name(names, i, b2));
        first = 0;
    }
    return gf__fail(GF_ERR_FIT, "column %s is collinear with earlier columns: %s; "
                    "drop one of them", name, m.s);
}

/* Column j failed the rank check: find its combination of the earlier
 * columns from R's leading block, then fail with a message naming them. */
static gf_status diagnose(const gf__qr *q, size_t j, char *const *names)
{
    if (j == 0) return collinear_fail(names, 0, NULL);
    double *c = gf__malloc(j * sizeof *c, "the collinearity diagnosis");
    if (!c) return GF_ERR_NOMEM;
    for (size_t i = 0; i < j; i++) c[i] = q->a[j * q->n + i];
    /* The leading j x j block passed the check, so it is nonsingular. */
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)j, q->a,
                (int)q->n, c, 1);
    gf_status s = collinear_fail(names, j, c);
    free(c);
    return s;
}

gf_status gf__qr_factor(double *a, size_t n, size_t k, char *const *names, double tol,
                        gf__qr *q)
{
    if (!q) return gf__fail(GF_ERR_ARG, "QR: no result struct");
    *q = (gf__qr){ .n = n, .k = k, .a = a, .tau = NULL };
    if (!a) return gf__fail(GF_ERR_ARG, "QR: no matrix");
    if (k == 0 || n < k)
        return gf__fail(GF_ERR_SHAPE, "QR: a %zu x %zu matrix has fewer rows than columns",
                        n, k);
    if (n > INT_MAX)
        return gf__fail(GF_ERR_SHAPE, "QR: %zu rows are more than LAPACK can index", n);

    /* The original column lengths, before the factorisation overwrites them. */
    double *norm = gf__malloc(k * sizeof *norm, "column norms");
    q->tau = gf__malloc(k * sizeof *q->tau, "the QR factorisation");
    if (!norm || !q->tau) {
        free(norm);
        return GF_ERR_NOMEM;
    }
    for (size_t j = 0; j < k; j++) norm[j] = cblas_dnrm2((int)n, a + j * n, 1);

    /* dgeqrt gives the same reflectors as dgeqrf (R above the diagonal, V
     * below) but factors each panel recursively with level-3 BLAS; on tall,
     * narrow designs (200,000 x 100) it took 0.3-0.45 s where dgeqrf took
     * 0.5-0.75 s.  Its block reflector T has the Householder scalars on its
     * diagonal, all that applying Q needs. */
    size_t nb = k < GF__QR_BLOCK ? k : GF__QR_BLOCK;
    double *t = gf__malloc(nb * k * sizeof *t, "the QR block reflectors");
    if (!t) {
        free(norm);
        return GF_ERR_NOMEM;
    }
    lapack_int info = LAPACKE_dgeqrt(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)k,
                                     (lapack_int)nb, a, (lapack_int)n, t, (lapack_int)nb);
    if (info != 0) {
        free(norm);
        free(t);
        return gf__fail(info < 0 ? GF_ERR_ARG : GF_ERR_NOMEM,
                        "QR: LAPACK dgeqrt failed (info %d)", (int)info);
    }
    /* T is nb x k: block b's nb x nb triangle sits in columns b*nb onwards,
     * so tau_j is T(j mod nb, j). */
    for (size_t j = 0; j < k; j++) q->tau[j] = t[j * nb + j % nb];
    free(t);
    gf_status s = GF_OK;
    for (size_t j = 0; j < k; j++) {
        double rjj = fabs(a[j * n + j]);
        if (norm[j] == 0 || rjj < tol * norm[j]) {
            s = diagnose(q, j, names);
            break;
        }
    }
    free(norm);
    return s;
}

/* w <- H_j w for the reflector H_j = I - tau_j v v', where v is 1 at row j
 * (implicitly) and a's column j below the diagonal.  One reflector at a
 * time: with a single right-hand side, LAPACK's blocked dormqr spends most
 * of its time rebuilding block reflectors (0.11 s against 0.015 s on a
 * 200,000 x 101 design). */
static void reflect(const gf__qr *q, size_t j, double *w)
{
    size_t n = q->n, m = n - j - 1;
    const double *v = q->a + j * n + j + 1;
    double s = w[j] + (m ? cblas_ddot((int)m, v, 1, w + j + 1, 1) : 0.0);
    s *= q->tau[j];
    w[j] -= s;
    if (m) cblas_daxpy((int)m, -s, v, 1, w + j + 1, 1);
}

gf_status gf__qr_solve(const gf__qr *q, const double *y, double *coef, double *resid)
{
    if (!q || !q->a || !q->tau || !y || !coef)
        return gf__fail(GF_ERR_ARG, "QR solve: a NULL argument");
    size_t n = q->n, k = q->k;
    /* Q'y is formed in resid when the caller wants residuals, so the one
     * n-vector serves both. */
    double *qty = resid ? resid : gf__malloc(n * sizeof *qty, "Q'y");
    if (!qty) return GF_ERR_NOMEM;
    if (qty != y) memcpy(qty, y, n * sizeof *qty);

    gf_status s = GF_OK;
    /* Q' = H_{k-1} ... H_0, so H_0 acts first. */
    for (size_t j = 0; j < k; j++) reflect(q, j, qty);
    memcpy(coef, qty, k * sizeof *coef);
    lapack_int info = LAPACKE_dtrtrs(LAPACK_COL_MAJOR, 'U', 'N', 'N', (lapack_int)k, 1,
                                     q->a, (lapack_int)n, coef, (lapack_int)k);
    if (info != 0)
        s = gf__fail(info > 0 ? GF_ERR_FIT : GF_ERR_ARG, "QR solve: R is singular at "
                     "column %d", (int)info);
    else if (resid) {
        /* The residual is the part of y outside the column space: keep the
         * last n - k entries of Q'y and rotate back with Q = H_0 ... H_{k-1}. */
        memset(resid, 0, k * sizeof *resid);
        for (size_t j = k; j-- > 0;) reflect(q, j, resid);
    }
    if (!resid) free(qty);
    return s;
}

gf_status gf__qr_inverse_gram(const gf__qr *q, double *cov)
{
    if (!q || !q->a || !cov) return gf__fail(GF_ERR_ARG, "QR inverse: a NULL argument");
    size_t n = q->n, k = q->k;
    /* cov serves as the k x k column-major workspace: R's upper triangle,
     * inverted in place (dtrtri), then U U' for U = R^-1 (dlauum). */
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++) cov[j * k + i] = i <= j ? q->a[j * n + i] : 0.0;
    lapack_int info = LAPACKE_dtrtri(LAPACK_COL_MAJOR, 'U', 'N', (lapack_int)k, cov,
                                     (lapack_int)k);
    if (info == 0)
        info = LAPACKE_dlauum(LAPACK_COL_MAJOR, 'U', (lapack_int)k, cov, (lapack_int)k);
    if (info != 0)
        return gf__fail(info > 0 ? GF_ERR_FIT : GF_ERR_ARG, "QR inverse: R is singular "
                        "at column %d", (int)info);
    /* Mirror the upper triangle; a symmetric matrix reads the same in row-
     * and column-major order. */
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < j; i++) cov[i * k + j] = cov[j * k + i];
    return GF_OK;
}

void gf__qr_free(gf__qr *q)
{
    if (!q) return;
    free(q->a);
    free(q->tau);
    q->a = NULL;
    q->tau = NULL;
}
