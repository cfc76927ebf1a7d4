/* Feature scaling fitted on training data, and one-hot targets.
 *
 * Standardisation follows scikit-learn's StandardScaler: the shift is the
 * column mean and the scale the population standard deviation (divisor n).
 * The moments are computed by the corrected two-pass algorithm (Chan, Golub
 * & LeVeque, "Algorithms for computing the sample variance", 1983):
 *
 *     mean0 = sum(x) / n,  d_i = x_i - mean0,
 *     mean  = mean0 + sum(d) / n,
 *     var   = (sum(d^2) - sum(d)^2 / n) / n,
 *
 * where the sum(d) terms remove most of the rounding error of mean0.  So
 * that no sum can overflow, whatever finite values a column holds, each
 * column is first multiplied by a power of two that brings its largest
 * magnitude into [1, 2); a power of two changes no digit of a double, so
 * this costs nothing in accuracy and is undone exactly at the end.
 *
 * Min-max scaling maps the training minimum to 0 and the maximum to 1. */
#include "grafo/transform.h"
#include "core/error.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const scaling_names[] = {
    [GF_SCALE_NONE] = "none",
    [GF_SCALE_STANDARD] = "standard",
    [GF_SCALE_MINMAX] = "minmax",
};
_Static_assert(sizeof scaling_names / sizeof scaling_names[0] == GF_SCALE_COUNT,
               "a scaling has no name");

const char *gf_scaling_name(gf_scaling s)
{
    return (unsigned)s < GF_SCALE_COUNT ? scaling_names[s] : "unknown";
}

gf_status gf_scaling_parse(const char *text, gf_scaling *out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "scaling: out is NULL");
    for (int s = 0; s < GF_SCALE_COUNT; s++)
        if (text && strcmp(text, scaling_names[s]) == 0) {
            *out = (gf_scaling)s;
            return GF_OK;
        }
    return gf__fail(GF_ERR_ARG, "unknown scaling '%.64s' (choose none, standard or minmax)",
                    text ? text : "(null)");
}

/* ---- the scaler object ------------------------------------------------- */

void gf_scaler_free(gf_scaler *s)
{
    if (!s) return;
    free(s->shift);
    free(s->scale);
    free(s);
}

/* An uninitialised scaler for p columns, or NULL with the message set. */
static gf_scaler *scaler_alloc(gf_scaling kind, size_t p)
{
    if (p > SIZE_MAX / sizeof(double)) {
        gf__fail(GF_ERR_ARG, "scaler: %zu columns do not fit in memory", p);
        return NULL;
    }
    gf_scaler *s = gf__calloc(1, sizeof *s, "a scaler");
    if (!s) return NULL;
    s->kind = kind;
    s->p = p;
    s->shift = gf__malloc(p * sizeof(double), "a scaler's shifts");
    s->scale = s->shift ? gf__malloc(p * sizeof(double), "a scaler's scales") : NULL;
    if (!s->scale) {
        gf_scaler_free(s);
        return NULL;
    }
    return s;
}

/* The checks every entry point shares: a known kind and at least one column. */
static gf_status check_kind_p(const char *who, gf_scaling kind, size_t p)
{
    if ((unsigned)kind >= GF_SCALE_COUNT)
        return gf__fail(GF_ERR_ARG, "%s: unknown scaling %d (choose GF_SCALE_NONE, "
                        "GF_SCALE_STANDARD or GF_SCALE_MINMAX)", who, (int)kind);
    if (p == 0) return gf__fail(GF_ERR_SHAPE, "%s: the data have no columns (p is 0)", who);
    return GF_OK;
}

/* The first non-finite value of x (n x p), named by its place. */
static gf_status check_finite(const char *who, const double *x, size_t n, size_t p)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            if (!isfinite(x[i * p + j]))
                return gf__fail(GF_ERR_NUMERIC, "%s: x at row %zu, column %zu (x[%zu] counting "
                                "from 0) is %g; every value must be finite", who, i + 1, j + 1,
                                i * p + j, x[i * p + j]);
    return GF_OK;
}

gf_status gf_scaler_new(gf_scaling kind, size_t p, const double *shift, const double *scale,
                        gf_scaler **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "scaler_new: out is NULL");
    *out = NULL;
    gf_status st = check_kind_p("scaler_new", kind, p);
    if (st) return st;
    if (!shift || !scale) return gf__fail(GF_ERR_ARG, "scaler_new: shift or scale is NULL");
    for (size_t j = 0; j < p; j++) {
        if (!isfinite(shift[j]))
            return gf__fail(GF_ERR_NUMERIC, "scaler_new: the shift of column %zu is %g; it "
                            "must be finite", j + 1, shift[j]);
        if (!(scale[j] > 0) || !isfinite(scale[j]))
            return gf__fail(GF_ERR_ARG, "scaler_new: the scale of column %zu is %g; it must "
                            "be positive and finite", j + 1, scale[j]);
        if (kind == GF_SCALE_NONE && (shift[j] != 0 || scale[j] != 1))
            return gf__fail(GF_ERR_ARG, "scaler_new: column %zu has shift %g and scale %g, "
                            "but a 'none' scaling has shift 0 and scale 1", j + 1, shift[j],
                            scale[j]);
    }
    gf_scaler *s = scaler_alloc(kind, p);
    if (!s) return GF_ERR_NOMEM;
    memcpy(s->shift, shift, p * sizeof(double));
    memcpy(s->scale, scale, p * sizeof(double));
    *out = s;
    return GF_OK;
}

/* ---- fitting ----------------------------------------------------------- */

/* The power of two 2^k that brings a column whose largest magnitude is
 * `big` (> 0) into [1, 2); k is clamped so 2^k stays a finite double (a
 * column of subnormals then lands a little below 1, which is fine). */
static int unit_exponent(double big)
{
    int e;
    frexp(big, &e); /* big = f 2^e, f in [0.5, 1) */
    int k = 1 - e;
    return k > DBL_MAX_EXP - 1 ? DBL_MAX_EXP - 1 : k;
}

/* Shift and scale for standardisation, per column, given lo/hi (the
 * column's min and max).  work holds 3p doubles. */
static void fit_standard(gf_scaler *s, const double *x, size_t n, size_t p, const double *lo,
                         const double *hi, double *work)
{
    double *unit = work, *sum = work + p, *sumsq = work + 2 * p;
    for (size_t j = 0; j < p; j++) {
        double big = fmax(fabs(lo[j]), fabs(hi[j]));
        unit[j] = big > 0 ? ldexp(1.0, unit_exponent(big)) : 1.0;
        sum[j] = 0;
    }
    /* Pass 1: the provisional mean of the rescaled column, |x u| < 2. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) sum[j] += x[i * p + j] * unit[j];
    double *mean0 = s->shift;
    for (size_t j = 0; j < p; j++) {
        mean0[j] = sum[j] / (double)n;
        sum[j] = sumsq[j] = 0;
    }
    /* Pass 2: deviations from it, |d| < 4. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) {
            double d = x[i * p + j] * unit[j] - mean0[j];
            sum[j] += d;
            sumsq[j] += d * d;
        }
    const double eps = DBL_EPSILON, dn = (double)n;
    for (size_t j = 0; j < p; j++) {
        if (lo[j] == hi[j]) { /* exactly constant: centre exactly, scale 1 */
            s->shift[j] = lo[j];
            s->scale[j] = 1;
            continue;
        }
        double mean = mean0[j] + sum[j] / dn;
        double var = (sumsq[j] - sum[j] * sum[j] / dn) / dn;
        if (var < 0) var = 0;
        /* A variance within the two-pass algorithm's error bound is
         * indistinguishable from a constant column's (the same test as
         * scikit-learn's _is_constant_feature). */
        double bound = dn * eps * var + (dn * mean * eps) * (dn * mean * eps);
        s->shift[j] = mean / unit[j];
        s->scale[j] = var <= bound ? 1.0 : sqrt(var) / unit[j];
        /* A tiny column's sd can underflow to 0; treat it as constant. */
        if (!(s->scale[j] > 0)) s->scale[j] = 1;
    }
}

gf_status gf_scaler_fit(gf_scaling kind, const double *x, size_t n, size_t p, gf_scaler **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "scaler_fit: out is NULL");
    *out = NULL;
    gf_status st = check_kind_p("scaler_fit", kind, p);
    if (st) return st;
    if (n == 0) return gf__fail(GF_ERR_SHAPE, "scaler_fit: no rows (n is 0); fitting a "
                                "scaling needs at least one");
    if (!x) return gf__fail(GF_ERR_ARG, "scaler_fit: x is NULL");
    if (p > SIZE_MAX / n / sizeof(double))
        return gf__fail(GF_ERR_SHAPE, "scaler_fit: %zu x %zu values do not fit in memory", n, p);
    st = check_finite("scaler_fit", x, n, p);
    if (st) return st;

    gf_scaler *s = scaler_alloc(kind, p);
    if (!s) return GF_ERR_NOMEM;
    if (kind == GF_SCALE_NONE) {
        for (size_t j = 0; j < p; j++) s->shift[j] = 0, s->scale[j] = 1;
        *out = s;
        return GF_OK;
    }
    /* p <= SIZE_MAX / sizeof(double) / n was checked above; 5p may not be. */
    double *work = p <= SIZE_MAX / sizeof(double) / 5
                       ? gf__malloc(5 * p * sizeof(double), "scaler_fit's work space")
                       : NULL;
    if (!work) {
        gf_scaler_free(s);
        return p <= SIZE_MAX / sizeof(double) / 5
                   ? GF_ERR_NOMEM
                   : gf__fail(GF_ERR_SHAPE, "scaler_fit: %zu columns do not fit in memory", p);
    }
    double *lo = work, *hi = work + p;
    for (size_t j = 0; j < p; j++) lo[j] = hi[j] = x[j];
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < p; j++) {
            double v = x[i * p + j];
            if (v < lo[j]) lo[j] = v;
            if (v > hi[j]) hi[j] = v;
        }

    if (kind == GF_SCALE_STANDARD) {
        fit_standard(s, x, n, p, lo, hi, work + 2 * p);
    } else {
        for (size_t j = 0; j < p; j++) {
            double range = hi[j] - lo[j];
            if (!isfinite(range)) {
                st = gf__fail(GF_ERR_NUMERIC, "scaler_fit: column %zu ranges from %g to %g, "
                              "a range beyond the largest double", j + 1, lo[j], hi[j]);
                break;
            }
            s->shift[j] = lo[j];
            s->scale[j] = range > 0 ? range : 1;
        }
    }
    free(work);
    if (st) {
        gf_scaler_free(s);
        return st;
    }
    *out = s;
    return GF_OK;
}

/* ---- applying ---------------------------------------------------------- */

/* (v - shift) / scale, or NaN when the true value is beyond a double.
 * When v - shift alone overflows (v and shift huge, of opposite signs), the
 * halved difference still fits and the quotient may too. */
static double scale_one(double v, double shift, double scale)
{
    double r = (v - shift) / scale;
    if (isfinite(r)) return r;
    r = (0.5 * v - 0.5 * shift) / scale * 2;
    return isfinite(r) ? r : NAN;
}

gf_status gf_scaler_apply(const gf_scaler *s, double *x, size_t n, size_t p)
{
    if (!s) return gf__fail(GF_ERR_ARG, "scaler_apply: scaler is NULL");
    /* The struct is public, so it may have been filled by hand. */
    if ((unsigned)s->kind >= GF_SCALE_COUNT || !s->shift || !s->scale)
        return gf__fail(GF_ERR_ARG, "scaler_apply: the scaler is not one gf_scaler_fit or "
                        "gf_scaler_new made (kind %d)", (int)s->kind);
    for (size_t j = 0; j < s->p; j++)
        if (!isfinite(s->shift[j]) || !(s->scale[j] > 0) || !isfinite(s->scale[j]))
            return gf__fail(GF_ERR_ARG, "scaler_apply: column %zu has shift %g and scale %g; "
                            "a scale must be positive and both finite", j + 1, s->shift[j],
                            s->scale[j]);
    if (p != s->p)
        return gf__fail(GF_ERR_SHAPE, "scaler_apply: the data have %zu columns but the scaler "
                        "was fitted on %zu", p, s->p);
    if (n == 0) return GF_OK;
    if (!x) return gf__fail(GF_ERR_ARG, "scaler_apply: x is NULL");
    if (p > SIZE_MAX / n / sizeof(double))
        return gf__fail(GF_ERR_SHAPE, "scaler_apply: %zu x %zu values do not fit in memory",
                        n, p);
    gf_status st = check_finite("scaler_apply", x, n, p);
    if (st) return st;
    if (s->kind == GF_SCALE_NONE) return GF_OK;
    /* Check every result before writing any, so a failure leaves x as it was. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            if (isnan(scale_one(x[i * p + j], s->shift[j], s->scale[j])))
                return gf__fail(GF_ERR_NUMERIC, "scaler_apply: x at row %zu, column %zu is %g; "
                                "scaled by (x - %g) / %g it is beyond the largest double",
                                i + 1, j + 1, x[i * p + j], s->shift[j], s->scale[j]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            x[i * p + j] = scale_one(x[i * p + j], s->shift[j], s->scale[j]);
    return GF_OK;
}

/* ---- one-hot targets --------------------------------------------------- */

gf_status gf_one_hot(const int32_t *label, size_t n, size_t k, float *out)
{
    if (k == 0) return gf__fail(GF_ERR_ARG, "one_hot: no classes (k is 0)");
    if (n == 0) return GF_OK;
    if (!label || !out) return gf__fail(GF_ERR_ARG, "one_hot: label or out is NULL");
    if (k > SIZE_MAX / n / sizeof(float))
        return gf__fail(GF_ERR_SHAPE, "one_hot: %zu rows of %zu classes do not fit in memory",
                        n, k);
    /* Every label first, so a failure writes nothing. */
    for (size_t i = 0; i < n; i++)
        if (label[i] < 0 || (uint64_t)label[i] >= (uint64_t)k)
            return gf__fail(GF_ERR_ARG, "one_hot: the label at row %zu (label[%zu]) is %d; "
                            "a label must be a class in [0, %zu)", i + 1, i, (int)label[i], k);
    memset(out, 0, n * k * sizeof(float));
    for (size_t i = 0; i < n; i++) out[i * k + (size_t)label[i]] = 1.0f;
    return GF_OK;
}
