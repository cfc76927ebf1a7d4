/* Weight initialisers (Glorot & Bengio 2010; He et al. 2015). */
#include <math.h>
#include <stdbool.h>

#include "core/error.h"
#include "grafo/nn.h"

const char *gf_init_name(gf_init kind)
{
    static const char *const names[] = {
        [GF_INIT_ZEROS] = "zeros",
        [GF_INIT_XAVIER_UNIFORM] = "xavier_uniform",
        [GF_INIT_XAVIER_NORMAL] = "xavier_normal",
        [GF_INIT_HE_UNIFORM] = "he_uniform",
        [GF_INIT_HE_NORMAL] = "he_normal",
        [GF_INIT_ONES] = "ones",
    };
    _Static_assert(sizeof names / sizeof names[0] == GF_INIT_COUNT, "an initialiser has no name");
    return (unsigned)kind < GF_INIT_COUNT ? names[kind] : "unknown";
}

gf_status gf_init_fill(float *w, size_t n, size_t fan_in, size_t fan_out, gf_init kind, gf_rng *rng)
{
    if ((unsigned)kind >= GF_INIT_COUNT) return gf__fail(GF_ERR_ARG, "init: unknown initialiser %d", (int)kind);
    if (!w || !rng) return gf__fail(GF_ERR_ARG, "init: weights or generator is NULL");
    if (kind == GF_INIT_ZEROS || kind == GF_INIT_ONES) {
        for (size_t i = 0; i < n; i++) w[i] = kind == GF_INIT_ONES ? 1.0f : 0.0f;
        return GF_OK;
    }
    if (fan_in == 0 || fan_out == 0)
        return gf__fail(GF_ERR_ARG, "init %s: fan_in %zu and fan_out %zu must be positive",
                        gf_init_name(kind), fan_in, fan_out);
    bool he = kind == GF_INIT_HE_UNIFORM || kind == GF_INIT_HE_NORMAL;
    bool uniform = kind == GF_INIT_XAVIER_UNIFORM || kind == GF_INIT_HE_UNIFORM;
    double var = he ? 2.0 / (double)fan_in : 2.0 / (double)(fan_in + fan_out);
    if (uniform) {
        double a = sqrt(3.0 * var); /* U(-a, a) has variance a^2 / 3 */
        for (size_t i = 0; i < n; i++) w[i] = (float)(a * (2.0 * gf_rng_uniform(rng) - 1.0));
    } else {
        double sd = sqrt(var);
        for (size_t i = 0; i < n; i++) w[i] = (float)(sd * gf_rng_normal(rng));
    }
    return GF_OK;
}
