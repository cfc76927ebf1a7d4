/* Internal: least squares through a Householder QR factorisation (LAPACKE
 * dgeqrt), with the rank check that R's lm applies.  Shared by OLS and by
 * every IRLS step of logistic regression. */
#ifndef GF_LINEAR_QR_H
#define GF_LINEAR_QR_H

#include "grafo/base.h"

#include <stddef.h>

typedef struct gf__qr {
    size_t n, k;
    double *a;      /* n x k column-major: R above the diagonal, reflectors below */
    double *tau;    /* k Householder scalars */
} gf__qr;

/* lm's rank tolerance; glm uses min(1e-7, epsilon / 1000) with its
 * convergence epsilon, 1e-11 by default. */
#define GF__QR_TOL_LM 1e-7

/* Factor a (n x k, column-major, n >= k); a is overwritten and kept by q
 * (q->a = a; free it with gf__qr_free).  A column j whose diagonal |R_jj|
 * falls below tol times its own norm lies in the span of the columns
 * before it (R's test): the call fails with GF_ERR_FIT and a message
 * that names the column and the combination of earlier columns it equals,
 * e.g. "column x3 is collinear with earlier columns: x3 = 2*x1 - x2".
 * names[j] names column j (k names). */
gf_status gf__qr_factor(double *a, size_t n, size_t k, char *const *names, double tol,
                        gf__qr *q);

/* coef (k) minimising |y - A coef|; y (n) is not changed.  resid (n), if
 * not NULL, receives y - A coef. */
gf_status gf__qr_solve(const gf__qr *q, const double *y, double *coef, double *resid);

/* (A'A)^-1 = R^-1 R^-T into cov (k x k, row-major and symmetric). */
gf_status gf__qr_inverse_gram(const gf__qr *q, double *cov);

void gf__qr_free(gf__qr *q);

#endif
