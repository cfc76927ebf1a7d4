/* Element-wise activations.  Each is three formulas: the value y = f(x),
 * the gradient dy f'(x) written with x, the output y, the incoming gradient
 * dy and alpha (whichever is cheapest), and the value in double for the
 * reference forward.  ACTIVATION() turns them into the op's forward,
 * backward and reference:
 *   forward   y[i] = f(x[i])
 *   backward  dx[i] (=|+=) dy[i] f'(x[i])
 * Piecewise gradients are written as a choice between dy and another value
 * (x > 0 ? dy : 0), not as dy times a 0/1 factor: a select vectorises where
 * the product compiled to a branch per element.
 * Derivatives at kinks follow PyTorch: ReLU'(0) = 0, hardtanh'(+-1) = 0. */
#include <math.h>

#include "kernels/kernels.h"
#include "ops/ops.h"

#define ACTIVATION(name, value, gradient, reference)                        \
    GF_ELEMENTWISE(name, value, reference)                                    \
    static inline float name##_gradient(float x, float y, float dy, float alpha) \
    {                                                                         \
        (void)x;                                                              \
        (void)y;                                                              \
        (void)alpha;                                                          \
        return (gradient);                                                    \
    }                                                                         \
    void gf__##name##_backward(const gf_opctx *c)                            \
    {                                                                         \
        const float *in = c->in[0].v, *out = c->out.v, *dy = c->out.d;        \
        float alpha = c->node->p.alpha.alpha;                                 \
        size_t n = c->out.n;                                                  \
        GF_STORE_GRAD(c->accumulate[0], c->in[0].d,                           \
                      name##_gradient(in[i], out[i], dy[i], alpha));          \
    }

/* Softplus log(1 + e^x) as max(x, 0) + log1p(e^-|x|): never overflows. */
static inline float softplusf(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }
static inline double softplus(double x) { return fmax(x, 0.0) + log1p(exp(-fabs(x))); }

ACTIVATION(sigmoid, gf__sigmoidf(x), dy * y * (1.0f - y), gf__sigmoid(x))
ACTIVATION(tanh, tanhf(x), dy * (1.0f - y * y), tanh(x))
ACTIVATION(relu, x > 0 ? x : 0.0f, x > 0 ? dy : 0.0f, x > 0 ? x : 0.0)
ACTIVATION(leaky_relu, x > 0 ? x : alpha * x, x > 0 ? dy : alpha * dy, x > 0 ? x : alpha * x)
/* ELU: for x <= 0, y = alpha (e^x - 1), so f'(x) = alpha e^x = y + alpha. */
ACTIVATION(elu, x > 0 ? x : alpha * expm1f(x), x > 0 ? dy : dy * (y + alpha),
           x > 0 ? x : alpha * expm1(x))
ACTIVATION(softplus, softplusf(x), dy * gf__sigmoidf(x), softplus(x))
ACTIVATION(hardtanh, fminf(fmaxf(x, -1.0f), 1.0f), (x > -1.0f && x < 1.0f) ? dy : 0.0f,
           fmin(fmax(x, -1.0), 1.0))
ACTIVATION(identity, x, dy, x)
/* Seed 004's absolute-value rectification; abs'(0) = 0, as PyTorch. */
ACTIVATION(abs, fabsf(x), x > 0 ? dy : x < 0 ? -dy : 0.0f, fabs(x))
/* (e^x)' = e^x, which is the output. */
ACTIVATION(exp, expf(x), dy * y, exp(x))
