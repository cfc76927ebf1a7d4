/* A fitted lasso / elastic-net / ridge path: allocation, prediction, freeing.
 * gf_ridge_path builds its gf_path field by field with malloc, so
 * gf_path_free frees each field on its own. */
#include "linear/enet.h"

#include "core/error.h"
#include "linear/common.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

void gf_path_free(gf_path *m)
{
    if (!m) return;
    gf__names_free(m->names, m->k);
    free(m->lambda);
    free(m->coef);
    free(m->dev_ratio);
    free(m->df);
    free((char *)m->warning);
    free(m);
}

gf_path *gf__path_alloc(const gf__enet_cfg *cfg, size_t cap, size_t p, const gf_xy *d)
{
    gf_path *m = gf__calloc(1, sizeof *m, "a lasso path");
    if (!m) return NULL;
    m->family = cfg->family;
    m->alpha = cfg->alpha;
    m->k = p + 1;
    m->nlambda = 0;
    m->lambda = gf__calloc(cap, sizeof *m->lambda, "the path's lambdas");
    m->coef = m->lambda ? gf__calloc(cap * m->k, sizeof *m->coef, "the path's coefficients")
                        : NULL;
    m->dev_ratio = m->coef ? gf__calloc(cap, sizeof *m->dev_ratio, "the path's deviances")
                           : NULL;
    m->df = m->dev_ratio ? gf__calloc(cap, sizeof *m->df, "the path's degrees of freedom")
                         : NULL;
    if (m->df && d) m->names = gf__coef_names(d);
    if (!m->df || (d && !m->names)) {
        gf_path_free(m);
        return NULL;
    }
    return m;
}

gf_status gf_path_predict(const gf_path *m, size_t l, const double *x, size_t n, double *out)
{
    if (!m) return gf__fail(GF_ERR_ARG, "gf_path_predict: the path is NULL");
    if (l >= m->nlambda)
        return gf__fail(GF_ERR_ARG, "gf_path_predict: model %zu asked of a path of %zu "
                        "lambdas (they count from 0)", l, m->nlambda);
    if (n == 0) return GF_OK;
    if (!x || !out) return gf__fail(GF_ERR_ARG, "gf_path_predict: x or out is NULL");
    size_t p = m->k - 1;
    for (size_t i = 0; i < n * p; i++)
        if (!isfinite(x[i]))
            return gf__fail(GF_ERR_ARG, "gf_path_predict: x has a non-finite value (%g) at "
                            "row %zu, column %zu", x[i], i / p + 1, i % p + 1);
    const double *b = m->coef + l * m->k;
    for (size_t i = 0; i < n; i++) out[i] = b[0];
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)p, 1.0, x, (int)p, b + 1, 1, 1.0,
                out, 1);
    return GF_OK;
}
