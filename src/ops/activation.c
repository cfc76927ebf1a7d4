/* Element-wise activations.  Each is three formulas: the value y = f(x),
 * the derivative f'(x) written with x, the output y and alpha (whichever is
 * cheapest), and the same value in double for the reference forward.
 * ACTIVATION() turns them into the op's forward, backward and reference:
 *   forward   y[i] = f(x[i])
 *   backward  dx[i] (=|+=) dy[i] f'(x[i])
 * Derivatives at kinks follow PyTorch: ReLU'(0) = 0, hardtanh'(+-1) = 0. */
#include <math.h>

#include "kernels/kernels.h"
#include "ops/ops.h"

#define ACTIVATION(name, value, derivative, reference)                        \
    gf_status gf__##name##_forward(const gf_opctx *c)                        \
    {                                                                         \
        const float *in = c->in[0].v;                                         \
        float *out = c->out.v, alpha = c->node->p.alpha.alpha;                \
        size_t n = c->out.n;                                                  \
        (void)alpha;                                                          \
        GF_PARALLEL_FOR_N                                                     \
        for (size_t i = 0; i < n; i++) {                                      \
            float x = in[i];                                                  \
            out[i] = (value);                                                 \
        }                                                                     \
        return GF_OK;                                                         \
    }                                                                         \
    void gf__##name##_backward(const gf_opctx *c)                            \
    {                                                                         \
        const float *in = c->in[0].v, *out = c->out.v, *dy = c->out.d;        \
        float *dx = c->in[0].d, alpha = c->node->p.alpha.alpha;               \
        bool acc = c->accumulate[0];                                          \
        size_t n = c->out.n;                                                  \
        (void)alpha;                                                          \
        GF_PARALLEL_FOR_N                                                     \
        for (size_t i = 0; i < n; i++) {                                      \
            float x = in[i], y = out[i];                                      \
            (void)x;                                                          \
            (void)y;                                                          \
            GF_GRAD_PUT(acc, dx[i], dy[i] * (derivative));                    \
        }                                                                     \
    }                                                                         \
    gf_status gf__##name##_reference(const gf_refctx *c)                     \
    {                                                                         \
        double alpha = c->node->p.alpha.alpha;                                \
        (void)alpha;                                                          \
        for (size_t i = 0; i < c->out.n; i++) {                               \
            double x = c->in[0].v[i];                                         \
            c->out.v[i] = (reference);                                        \
        }                                                                     \
        return GF_OK;                                                         \
    }

/* Softplus log(1 + e^x) as max(x, 0) + log1p(e^-|x|): never overflows. */
static inline float softplusf(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }
static inline double softplus(double x) { return fmax(x, 0.0) + log1p(exp(-fabs(x))); }

ACTIVATION(sigmoid, gf__sigmoidf(x), y * (1.0f - y), gf__sigmoid(x))
ACTIVATION(tanh, tanhf(x), 1.0f - y * y, tanh(x))
ACTIVATION(relu, x > 0 ? x : 0.0f, x > 0 ? 1.0f : 0.0f, x > 0 ? x : 0.0)
ACTIVATION(leaky_relu, x > 0 ? x : alpha * x, x > 0 ? 1.0f : alpha, x > 0 ? x : alpha * x)
/* ELU: for x <= 0, y = alpha (e^x - 1), so f'(x) = alpha e^x = y + alpha. */
ACTIVATION(elu, x > 0 ? x : alpha * expm1f(x), x > 0 ? 1.0f : y + alpha,
           x > 0 ? x : alpha * expm1(x))
ACTIVATION(softplus, softplusf(x), gf__sigmoidf(x), softplus(x))
ACTIVATION(hardtanh, fminf(fmaxf(x, -1.0f), 1.0f), (x > -1.0f && x < 1.0f) ? 1.0f : 0.0f,
           fmin(fmax(x, -1.0), 1.0))
ACTIVATION(identity, x, 1.0f, x)
