/* Internal: softmax regression's objective, shared with its test. */
#ifndef GF_LINEAR_MLOGIT_H
#define GF_LINEAR_MLOGIT_H

#include "grafo/linear.h"

/* The objective (mean cross-entropy + lambda/2 |W|^2, intercepts
 * unpenalised) at coef, with its gradient in grad; both are laid out as
 * gf_mlogit's coef (K x (p + 1)).  tests/test_softmax.c checks the
 * gradient against finite differences through it. */
double gf__mlogit_objective(const gf_xy *d, size_t classes, double lambda, int intercept,
                            const double *coef, double *grad);

#endif
