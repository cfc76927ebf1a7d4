/* R's rules for turning numbers into text (report_fmt.h): round and
 * signif, formatReal's choice of a common fixed or scientific format,
 * formatC, format.pval, zapsmall, and the per-column formats of a printed
 * matrix.  Written from R 4.2's documented behaviour and checked against
 * its output (tests/test_report.c), so every number grafo prints reads
 * exactly as R's. */
#include "report_fmt.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* libRmath defines many short macros; it is included here only. */
#define MATHLIB_STANDALONE
#include <Rmath.h>

/* R's round(x, digits) since R 4.0.0: of the two neighbours of x with
 * `digits` decimals, floor(x 10^d) / 10^d and ceil(x 10^d) / 10^d, the one
 * nearer to x, the even one on a tie; x itself when it has no digits to
 * lose.  libRmath's own fround computes 10^-d as (1/10)^d instead of R's
 * 1/10^d, so round(123456, -2) would come out as 123499.99999999997. */
static double pow10_int(int n)
{
    double p = 1, x = 10;
    for (int m = n < 0 ? -n : n; m; m >>= 1, x *= x)
        if (m & 1) p *= x;
    return n < 0 ? 1 / p : p;
}

double rf_round(double x, double digits)
{
    if (isnan(x) || isnan(digits)) return x + digits;
    if (!isfinite(x) || digits > DBL_MAX_10_EXP + DBL_DIG || x == 0) return x;
    if (digits < -DBL_MAX_10_EXP) return 0;
    if (digits == 0) return nearbyint(x);
    int dig = (int)floor(digits + 0.5);
    double sgn = x < 0 ? -1 : 1;
    x = fabs(x);
    if (M_LOG10_2 * (0.5 + logb(x)) + dig > DBL_DIG) return sgn * x;
    double pow10, p10 = 1, x10;
    if (dig <= DBL_MAX_10_EXP) {
        pow10 = pow10_int(dig);
        x10 = x * pow10;
    } else { /* |x| near 1e-308: scale in two steps so 10^dig cannot overflow */
        p10 = pow10_int(dig - DBL_MAX_10_EXP);
        pow10 = pow10_int(DBL_MAX_10_EXP);
        x10 = (x * pow10) * p10;
    }
    double i10 = floor(x10), xd = i10 / pow10 / p10, xu = ceil(x10) / pow10 / p10;
    double du = xu - x, dd = x - xd;
    return sgn * ((du < dd || (fmod(i10, 2.) == 1 && du == dd)) ? xu : xd);
}

/* signif() through libRmath's fprec, which is R's: it only ever raises 10
 * to non-negative powers, where the two agree. */
double rf_signif(double x, int digits) { return fprec(x, (double)digits); }

/* ------------------------------------------------------- formatReal -- */

/* Powers of ten exact in long double's 64-bit mantissa (up to 1e27). */
#define KP_MAX 27
static long double pow10l_exact(int k)
{
    long double p = 1;
    for (int i = 0; i < k; i++) p *= 10;
    return p;
}

/* What `digits` significant digits of x look like: the sign, the decimal
 * exponent kpower, the significant digits left once trailing zeros are
 * dropped (nsig), and whether rounding to those digits makes x a power of
 * ten wider in fixed notation than it really is (9996 at 3 digits is 1e+04
 * in scientific notation but 9996 in fixed).  The scaling is done in long
 * double with exact powers of ten, as R does, so that ties round the same
 * way. */
static void scientific(double x, int digits, int *neg, int *kpower, int *nsig, bool *widens)
{
    *widens = false;
    if (x == 0.0) {
        *kpower = 0;
        *nsig = 1;
        *neg = 0;
        return;
    }
    *neg = x < 0;
    double r = fabs(x);
    if (digits >= DBL_DIG + 1) {
        /* Beyond double's precision: let the C library round. */
        char buf[64];
        snprintf(buf, sizeof buf, "%#.*e", digits - 1, r);
        const char *e = strchr(buf, 'e');
        *kpower = e ? (int)strtol(e + 1, NULL, 10) : 0;
        int i = digits;
        while (i >= 2 && buf[i] == '0') i--;
        *nsig = i;
        return;
    }
    int kp = (int)floor(log10(r)) - digits + 1;
    long double r_prec = r;
    if (abs(kp) <= KP_MAX) {
        if (kp > 0) r_prec /= pow10l_exact(kp);
        else if (kp < 0) r_prec *= pow10l_exact(-kp);
    } else {
        r_prec /= powl(10.0L, (long double)kp);
    }
    if (r_prec < pow10l_exact(digits - 1)) {
        r_prec *= 10.0L;
        kp--;
    }
    double alpha = (double)nearbyintl(r_prec);
    *nsig = digits;
    for (int j = 1; j <= digits; j++) {
        alpha /= 10.0;
        if (alpha == floor(alpha)) (*nsig)--;
        else break;
    }
    if (*nsig == 0 && digits > 0) {
        *nsig = 1;
        kp += 1;
    }
    *kpower = kp + digits - 1;
    int rgt = digits - *kpower;
    rgt = rgt < 0 ? 0 : rgt > KP_MAX ? KP_MAX : rgt;
    double fuzz = 0.5 / (double)pow10l_exact(rgt);
    *widens = *kpower > 0 && *kpower <= KP_MAX && r < pow10l_exact(*kpower) - fuzz;
}

/* Fixed notation wins whenever it is no wider than scientific notation
 * (R's scipen = 0). */
rf_real rf_format_info(const double *x, size_t n, int digits)
{
    bool nan = false, posinf = false, neginf = false;
    int neg = 0, mnl = INT32_MAX, mxl = INT32_MIN, rgt = INT32_MIN, mxsl = INT32_MIN,
        mxns = INT32_MIN;
    if (digits < 1) digits = 1;
    if (digits > 22) digits = 22;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) {
            if (isnan(x[i])) nan = true;
            else if (x[i] > 0) posinf = true;
            else neginf = true;
            continue;
        }
        int neg_i, kpower, nsig;
        bool widens;
        scientific(x[i], digits, &neg_i, &kpower, &nsig, &widens);
        int left = kpower + 1;
        if (widens) left--;
        int sleft = neg_i + (left <= 0 ? 1 : left);
        int right = nsig - left;
        if (neg_i) neg = 1;
        if (right > rgt) rgt = right;
        if (left > mxl) mxl = left;
        if (left < mnl) mnl = left;
        if (sleft > mxsl) mxsl = sleft;
        if (nsig > mxns) mxns = nsig;
    }
    rf_real f = { 0, 0, 0 };
    if (mxl < 0) mxsl = 1 + neg;
    if (rgt < 0) rgt = 0;
    int wf = mxsl + rgt + (rgt != 0);
    f.e = (mxl > 100 || mnl <= -99) ? 2 : 1;
    if (mxns != INT32_MIN) {
        f.d = mxns - 1;
        f.w = neg + (f.d > 0) + f.d + 4 + f.e;
        if (wf <= f.w) {
            f.e = 0;
            f.d = rgt;
            f.w = wf;
        }
    } else {
        f.e = 0;
    }
    if (nan && f.w < 3) f.w = 3;
    if (posinf && f.w < 3) f.w = 3;
    if (neginf && f.w < 4) f.w = 4;
    return f;
}

char *rf_encode(double x, rf_real f, rf_cell out)
{
    int w = f.w < RF_CELL - 1 ? f.w : RF_CELL - 1;
    if (x == 0.0) x = 0.0; /* no "-0" */
    if (isnan(x)) snprintf(out, RF_CELL, "%*s", w, "NaN");
    else if (isinf(x)) snprintf(out, RF_CELL, "%*s", w, x > 0 ? "Inf" : "-Inf");
    else if (f.e) snprintf(out, RF_CELL, f.d ? "%#*.*e" : "%*.*e", w, f.d, x);
    else snprintf(out, RF_CELL, "%*.*f", w, f.d, x);
    return out;
}

void rf_format(const double *x, size_t n, int digits, rf_cell *out)
{
    rf_real f = rf_format_info(x, n, digits);
    for (size_t i = 0; i < n; i++) rf_encode(x[i], f, out[i]);
}

char *rf_num(double x, int digits, rf_cell out)
{
    return rf_encode(x, rf_format_info(&x, 1, digits), out);
}

/* formatC's default width is digits + 1, so 0.87 at 4 digits is " 0.87". */
char *rf_formatc(double x, int digits, rf_cell out)
{
    int w = digits + 1;
    if (isnan(x)) snprintf(out, RF_CELL, "%*s", w, "NaN");
    else if (isinf(x)) snprintf(out, RF_CELL, "%*s", w, x > 0 ? "Inf" : "-Inf");
    else snprintf(out, RF_CELL, "%*.*g", w, digits, x);
    return out;
}

void rf_format_int(const double *x, size_t n, rf_cell *out)
{
    int w = 1;
    for (size_t i = 0; i < n; i++) {
        rf_cell t;
        int l = snprintf(t, RF_CELL, "%.0f", isfinite(x[i]) ? nearbyint(x[i]) : 0.0);
        if (!isfinite(x[i])) l = isnan(x[i]) ? 2 : x[i] > 0 ? 3 : 4; /* NA, Inf, -Inf */
        if (l > w) w = l;
    }
    if (w > RF_CELL - 1) w = RF_CELL - 1;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(x[i])) snprintf(out[i], RF_CELL, "%*.0f", w, nearbyint(x[i]));
        else snprintf(out[i], RF_CELL, "%*s", w, isnan(x[i]) ? "NA" : x[i] > 0 ? "Inf" : "-Inf");
    }
}

/* ------------------------------------------------------- format.pval -- */

/* format() of the entries of pv picked by `pick`, jointly, into out. */
static void format_subset(const double *pv, const bool *pick, size_t n, int digits,
                          double *buf, rf_cell *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (pick[i]) buf[m++] = pv[i];
    if (!m) return;
    rf_real f = rf_format_info(buf, m, digits);
    for (size_t i = 0; i < n; i++)
        if (pick[i]) rf_encode(pv[i], f, out[i]);
}

void rf_format_pval(const double *pv, size_t n, int digits, rf_cell *out)
{
    /* Three small groups: NaN, below eps, and the rest split into fixed and
     * scientific candidates.  Stack buffers for the usual handful of
     * coefficients, the heap beyond. */
    enum { SMALL = 64 };
    bool fix_s[SMALL] = { false }, sci_s[SMALL] = { false };
    double buf_s[SMALL];
    bool *fix = n <= SMALL ? fix_s : malloc(n * sizeof *fix);
    bool *sci = n <= SMALL ? sci_s : malloc(n * sizeof *sci);
    double *buf = n <= SMALL ? buf_s : malloc(n * sizeof *buf);
    if (!fix || !sci || !buf) {
        for (size_t i = 0; i < n; i++) snprintf(out[i], RF_CELL, "%.*g", digits, pv[i]);
        goto done;
    }
    bool any_is0 = false, any_other = false;
    for (size_t i = 0; i < n; i++) {
        fix[i] = sci[i] = false;
        if (isnan(pv[i])) continue;
        if (pv[i] < DBL_EPSILON) {
            any_is0 = true;
            continue;
        }
        any_other = true;
        double expo = floor(log10(pv[i] > 0 ? pv[i] : 1e-50));
        if (expo >= -3 || (expo == -4 && digits > 1)) fix[i] = true;
        else sci[i] = true;
    }
    format_subset(pv, fix, n, digits, buf, out);
    format_subset(pv, sci, n, digits, buf, out);
    if (any_is0) {
        int d = digits - 2 > 1 ? digits - 2 : 1;
        const char *sep;
        if (any_other) {
            size_t nc = 0;
            for (size_t i = 0; i < n; i++)
                if (fix[i] || sci[i]) {
                    size_t l = strlen(out[i]);
                    if (l > nc) nc = l;
                }
            if (d > 1 && (size_t)d + 6 > nc) d = nc > 8 ? (int)nc - 7 : 1;
            sep = d == 1 && nc <= 6 ? "" : " ";
        } else {
            sep = d == 1 ? "" : " ";
        }
        rf_cell eps;
        rf_num(DBL_EPSILON, d, eps);
        for (size_t i = 0; i < n; i++)
            if (!isnan(pv[i]) && pv[i] < DBL_EPSILON) snprintf(out[i], RF_CELL, "<%s%.32s", sep, eps);
    }
    for (size_t i = 0; i < n; i++)
        if (isnan(pv[i])) snprintf(out[i], RF_CELL, "NA");
done:
    if (fix != fix_s) free(fix);
    if (sci != sci_s) free(sci);
    if (buf != buf_s) free(buf);
}

/* --------------------------------------------------------- zapsmall -- */

void rf_zapsmall(double *x, size_t n, int digits)
{
    double mx = 0;
    bool any = false;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) {
            any = true;
            if (fabs(x[i]) > mx) mx = fabs(x[i]);
        }
    if (!any) return;
    /* R 4.2 subtracts log10(mx) itself, not its ceiling; round() then
     * takes the nearest whole number of digits. */
    double d = digits;
    if (mx > 0 && isfinite(mx)) d = fmax(0, digits - log10(mx));
    for (size_t i = 0; i < n; i++) x[i] = rf_round(x[i], d);
}

/* -------------------------------------------------- numeric columns -- */

void rf_format_columns(const double *x, size_t r, size_t c, int digits, int zero_dot,
                       rf_cell *out)
{
    size_t nonzero = 0;
    for (size_t i = 0; i < r * c; i++) nonzero += x[i] != 0;
    for (size_t j = 0; j < c; j++) {
        /* One column at a time: copy it out of the row-major matrix. */
        double col_s[64];
        double *col = r <= 64 ? col_s : malloc(r * sizeof *col);
        if (!col) {
            for (size_t i = 0; i < r; i++) rf_num(x[i * c + j], digits, out[i * c + j]);
            continue;
        }
        for (size_t i = 0; i < r; i++) col[i] = x[i * c + j];
        rf_real f = rf_format_info(col, r, digits);
        for (size_t i = 0; i < r; i++) rf_encode(col[i], f, out[i * c + j]);
        if (zero_dot && nonzero < r * c) {
            /* The dot stands where a zero's units digit would. */
            int pad = nonzero == 0 ? 0 : f.e == 0 ? f.d + (f.d > 0) : f.d + f.e + 4;
            if (pad > RF_CELL - 2) pad = RF_CELL - 2;
            for (size_t i = 0; i < r; i++)
                if (col[i] == 0) snprintf(out[i * c + j], RF_CELL, "%-*s", pad + 1, ".");
        }
        if (col != col_s) free(col);
    }
}
