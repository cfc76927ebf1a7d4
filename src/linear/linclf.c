/* The result shared by the perceptron and the linear SVM: a linear decision
 * function f(x) = b + w . x, class 1 when f(x) >= 0. */
#include "grafo/linear.h"

#include "core/error.h"

#include <math.h>
#include <stdlib.h>

void gf_linclf_free(gf_linclf *m)
{
    if (!m) return;
    free(m->coef);
    free((char *)m->warning);
    free(m);
}

gf_status gf_linclf_decision(const gf_linclf *m, const double *x, size_t n, double *f)
{
    if (!m || !m->coef || m->k < 2)
        return gf__fail(GF_ERR_ARG, "gf_linclf_decision: no fitted model (m is NULL or empty)");
    if (n && (!x || !f))
        return gf__fail(GF_ERR_ARG, "gf_linclf_decision: x or f is NULL");
    size_t p = m->k - 1;
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * p;
        double s = m->coef[0];
        for (size_t j = 0; j < p; j++) {
            if (!isfinite(row[j]))
                return gf__fail(GF_ERR_ARG, "gf_linclf_decision: x has a non-finite value "
                                "(%g) at row %zu, column %zu", row[j], i + 1, j + 1);
            s += m->coef[j + 1] * row[j];
        }
        f[i] = s;
    }
    return GF_OK;
}
