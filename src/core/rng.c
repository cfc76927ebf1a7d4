/* xoshiro256** (Blackman & Vigna): small state, fast, and good enough for
 * shuffling and weight initialisation.  Seeded through splitmix64 so that
 * nearby seeds give unrelated streams. */
#include "core/rng.h"

#include <math.h>

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void gf_rng_seed(gf_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

uint64_t gf_rng_u64(gf_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gf_rng_uniform(gf_rng *r) { return (double)(gf_rng_u64(r) >> 11) * 0x1.0p-53; }

uint64_t gf_rng_below(gf_rng *r, uint64_t n)
{
    /* Reject the top sliver of the 64-bit range that would bias the modulo. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = gf_rng_u64(r);
    while (x >= limit);
    return x % n;
}

void gf__rng_normal_pair(gf_rng *r, double *a, double *b)
{
    double u, v, s;
    do {
        u = 2.0 * gf_rng_uniform(r) - 1.0;
        v = 2.0 * gf_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sqrt(-2.0 * log(s) / s);
    *a = u * f;
    *b = v * f;
}

double gf_rng_normal(gf_rng *r)
{
    /* The polar method yields two normals; using one keeps the state simple
     * (no cached spare to save in checkpoints). */
    double a, b;
    gf__rng_normal_pair(r, &a, &b);
    return a;
}

void gf_rng_shuffle(gf_rng *r, int32_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gf_rng_below(r, i);
        int32_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
