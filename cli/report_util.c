/* R's rules for printing numbers (report_fmt.h): formatReal's choice of a
 * common fixed or scientific format, format.pval, zapsmall, quantile type
 * 7, print.default of named vectors and character matrices,
 * printCoefmat, and deparse's line breaking.  Written from R 4.2's
 * documented behaviour and checked against its output
 * (tests/test_report.c), so every summary grafo prints lines up with R's
 * character for character. */
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

/* ------------------------------------------- zapsmall and quantiles -- */

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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int rf_quantiles(const double *x, size_t n, double q[5])
{
    if (n == 0) return -1;
    double *s = malloc(n * sizeof *s);
    if (!s) return -1;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    static const double probs[5] = { 0, 0.25, 0.5, 0.75, 1 };
    for (int j = 0; j < 5; j++) {
        /* R: index = 1 + (n - 1) * p, interpolating between x[lo] and
         * x[hi] only when they differ. */
        double index = 1 + (double)(n - 1) * probs[j];
        double lo = floor(index), hi = ceil(index);
        double qs = s[(size_t)lo - 1], xh = s[(size_t)hi - 1];
        if (index > lo && xh != qs) {
            double h = index - lo;
            qs = (1 - h) * qs + h * xh;
        }
        q[j] = qs;
    }
    free(s);
    return 0;
}

/* ------------------------------------------------------------ print -- */

size_t rf_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if ((*p & 0xC0) != 0x80) w++;
    return w;
}

/* s right- or left-justified in a field of w characters. */
static void put_padded(FILE *out, const char *s, size_t w, bool right)
{
    size_t l = rf_width(s);
    if (right)
        for (size_t i = l; i < w; i++) fputc(' ', out);
    fputs(s, out);
    if (!right)
        for (size_t i = l; i < w; i++) fputc(' ', out);
}

static void put_spaces(FILE *out, size_t n)
{
    for (size_t i = 0; i < n; i++) fputc(' ', out);
}

int rf_print_named(FILE *out, char *const *names, const double *x, size_t n, int digits,
                   int gap)
{
    rf_cell *cells = malloc((n ? n : 1) * sizeof *cells);
    if (!cells) return -1;
    rf_format(x, n, digits, cells);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = rf_width(cells[i]);
        if (l > w) w = l;
        l = rf_width(names[i]);
        if (l > w) w = l;
    }
    size_t per_line = RF_WIDTH / (w + (size_t)gap);
    if (per_line == 0) per_line = 1;
    for (size_t start = 0; start < n; start += per_line) {
        size_t end = start + per_line < n ? start + per_line : n;
        if (start) fputc('\n', out);
        for (size_t i = start; i < end; i++) {
            put_padded(out, names[i], w, true);
            put_spaces(out, (size_t)gap);
        }
        fputc('\n', out);
        for (size_t i = start; i < end; i++) {
            put_padded(out, cells[i], w, true);
            put_spaces(out, (size_t)gap);
        }
    }
    fputc('\n', out);
    free(cells);
    return 0;
}

int rf_print_matrix(FILE *out, char *const *rownames, char *const *colnames,
                    const rf_cell *cells, size_t r, size_t c)
{
    const size_t gap = 1;
    size_t *w = malloc((c ? c : 1) * sizeof *w);
    if (!w) return -1;
    size_t rlabw = 0;
    for (size_t i = 0; i < r; i++) {
        size_t l = rf_width(rownames[i]);
        if (l > rlabw) rlabw = l;
    }
    for (size_t j = 0; j < c; j++) {
        w[j] = rf_width(colnames[j]);
        for (size_t i = 0; i < r; i++) {
            size_t l = rf_width(cells[i * c + j]);
            if (l > w[j]) w[j] = l;
        }
    }
    /* Blocks of columns: at least one, more while the line stays under
     * the width. */
    for (size_t jmin = 0, jmax; jmin < c; jmin = jmax) {
        size_t width = rlabw + w[jmin] + gap;
        for (jmax = jmin + 1; jmax < c && width + w[jmax] + gap < RF_WIDTH; jmax++)
            width += w[jmax] + gap;
        put_spaces(out, rlabw);
        for (size_t j = jmin; j < jmax; j++) {
            put_spaces(out, gap);
            put_padded(out, colnames[j], w[j], true);
        }
        for (size_t i = 0; i < r; i++) {
            fputc('\n', out);
            put_padded(out, rownames[i], rlabw, false);
            for (size_t j = jmin; j < jmax; j++) {
                put_spaces(out, gap);
                put_padded(out, cells[i * c + j], w[j], true);
            }
        }
        fputc('\n', out);
    }
    free(w);
    return 0;
}

/* ------------------------------------------------------ printCoefmat -- */

/* sQuote() in a UTF-8 locale: R's legend uses the typographic quotes. */
#define SIGNIF_LEGEND \
    "0 \xe2\x80\x98***\xe2\x80\x99 0.001 \xe2\x80\x98**\xe2\x80\x99 0.01 " \
    "\xe2\x80\x98*\xe2\x80\x99 0.05 \xe2\x80\x98.\xe2\x80\x99 0.1 \xe2\x80\x98 \xe2\x80\x99 1"

/* symnum's classes: [0, 0.001], (0.001, 0.01], (0.01, 0.05], (0.05, 0.1],
 * (0.1, 1]. */
static const char *stars(double p)
{
    if (isnan(p)) return "";
    return p <= 0.001 ? "***" : p <= 0.01 ? "**" : p <= 0.05 ? "*" : p <= 0.1 ? "." : " ";
}

/* printCoefmat's check that a value and its text agree on being zero; text
 * that is not a number (nothing was formatted) is left alone, as R's NA. */
static bool zero_mismatch(double v, const char *text)
{
    char *end;
    double shown = strtod(text, &end);
    return end != text && (v == 0) != (shown == 0);
}

int rf_print_coefmat(FILE *out, char *const *rownames, const double *est, const double *se,
                     const double *stat, const double *p, size_t k, char *const colnames[4],
                     int digits)
{
    const int dig_tst = digits - 1 < 1 ? 1 : digits - 1 > 5 ? 5 : digits - 1;
    size_t nc = 5;
    rf_cell *cells = calloc((k ? k : 1) * nc, sizeof *cells);
    double *cs = calloc((k ? k : 1) * 2, sizeof *cs);
    rf_cell *tmp = malloc((k ? k : 1) * 2 * sizeof *tmp);
    if (!cells || !cs || !tmp) {
        free(cells);
        free(cs);
        free(tmp);
        return -1;
    }

    /* Estimates and standard errors: rounded to the decimals that give the
     * smallest nonzero |value| `digits` significant digits, then formatted
     * together. */
    double amin = INFINITY;
    bool any_finite = false;
    for (size_t i = 0; i < 2 * k; i++) {
        double v = i < k ? est[i] : se[i - k];
        if (isfinite(v)) {
            any_finite = true;
            if (v != 0 && fabs(v) < amin) amin = fabs(v);
        }
    }
    if (any_finite) {
        int digmin = 1 + (isfinite(amin) ? (int)floor(log10(amin)) : 0);
        int rd = digits - digmin > 1 ? digits - digmin : 1;
        for (size_t i = 0; i < k; i++) {
            cs[i] = rf_round(est[i], rd);
            cs[k + i] = rf_round(se[i], rd);
        }
        rf_format(cs, 2 * k, digits, tmp);
        for (size_t i = 0; i < k; i++) {
            memcpy(cells[i * nc + 0], tmp[i], RF_CELL);
            memcpy(cells[i * nc + 1], tmp[k + i], RF_CELL);
        }
    }
    /* The statistic: dig_tst decimals, formatted together. */
    for (size_t i = 0; i < k; i++) cs[i] = rf_round(stat[i], dig_tst);
    rf_format(cs, k, digits, tmp);
    for (size_t i = 0; i < k; i++) memcpy(cells[i * nc + 2], tmp[i], RF_CELL);

    /* A nonzero value whose rounding printed as zero (or the reverse) is
     * shown with digits - 1 significant digits instead. */
    size_t m = 0;
    for (size_t i = 0; i < 2 * k; i++) {
        size_t row = i % k, col = i / k;
        double v = col ? se[row] : est[row];
        if (!isnan(v) && zero_mismatch(v, cells[row * nc + col])) cs[m++] = v;
    }
    if (m) {
        rf_real f = rf_format_info(cs, m, digits - 1 > 1 ? digits - 1 : 1);
        for (size_t i = 0; i < 2 * k; i++) {
            size_t row = i % k, col = i / k;
            double v = col ? se[row] : est[row];
            if (!isnan(v) && zero_mismatch(v, cells[row * nc + col]))
                rf_encode(v, f, cells[row * nc + col]);
        }
    }
    for (size_t i = 0; i < k; i++) {
        if (isnan(est[i])) snprintf(cells[i * nc + 0], RF_CELL, "NaN");
        if (isnan(se[i])) snprintf(cells[i * nc + 1], RF_CELL, "NaN");
        if (isnan(stat[i])) snprintf(cells[i * nc + 2], RF_CELL, "NaN");
    }

    /* p-values, and stars when any is below 0.1. */
    m = 0;
    bool show_stars = false;
    for (size_t i = 0; i < k; i++)
        if (!isnan(p[i])) {
            cs[m++] = p[i];
            if (p[i] < 0.1) show_stars = true;
        }
    rf_format_pval(cs, m, dig_tst, tmp);
    /* format() pads the stars to their common width, text to the left. */
    int sw = 0;
    for (size_t i = 0; i < k; i++)
        if ((int)strlen(stars(p[i])) > sw) sw = (int)strlen(stars(p[i]));
    for (size_t i = 0, j = 0; i < k; i++) {
        if (isnan(p[i])) snprintf(cells[i * nc + 3], RF_CELL, "NaN");
        else memcpy(cells[i * nc + 3], tmp[j++], RF_CELL);
        snprintf(cells[i * nc + 4], RF_CELL, "%-*s", sw, stars(p[i]));
    }

    char *heads[5] = { colnames[0], colnames[1], colnames[2], colnames[3], "" };
    if (show_stars) {
        if (rf_print_matrix(out, rownames, heads, (const rf_cell *)cells, k, nc) != 0) {
            free(cells);
            free(cs);
            free(tmp);
            return -1;
        }
        fputs("---\nSignif. codes:  " SIGNIF_LEGEND "\n", out);
    } else {
        /* Without the stars column: copy the four columns. */
        rf_cell *four = malloc((k ? k : 1) * 4 * sizeof *four);
        if (!four) {
            free(cells), free(cs), free(tmp);
            return -1;
        }
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < 4; j++) memcpy(four[i * 4 + j], cells[i * nc + j], RF_CELL);
        int rc = rf_print_matrix(out, rownames, heads, (const rf_cell *)four, k, 4);
        free(four);
        if (rc != 0) {
            free(cells);
            free(cs);
            free(tmp);
            return -1;
        }
    }
    free(cells), free(cs), free(tmp);
    return 0;
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

/* --------------------------------------------------------- deparse -- */

/* The text being built: lines of at most about 60 characters. */
typedef struct deparser {
    char *buf;
    size_t len, cap;
    size_t line;       /* characters on the current line */
    int indent;
    bool startline;
    bool oom;
} deparser;

static void dp_raw(deparser *d, const char *s, size_t n)
{
    if (d->oom) return;
    if (d->len + n + 1 > d->cap) {
        size_t cap = (d->cap ? d->cap * 2 : 128) + n;
        char *b = realloc(d->buf, cap);
        if (!b) {
            d->oom = true;
            return;
        }
        d->buf = b;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, s, n);
    d->len += n;
    d->buf[d->len] = '\0';
}

/* Text on the current line, indented if it starts one (four spaces per
 * level up to four levels, two beyond, as deparse does). */
static void dp_put(deparser *d, const char *s, size_t n)
{
    if (d->startline) {
        d->startline = false;
        for (int i = 1; i <= d->indent; i++) {
            dp_raw(d, i <= 4 ? "    " : "  ", i <= 4 ? 4 : 2);
            d->line += i <= 4 ? 4 : 2;
        }
    }
    dp_raw(d, s, n);
    d->line += n; /* bytes, as deparse counts them */
}

static void dp_newline(deparser *d)
{
    dp_raw(d, "\n", 1);
    d->line = 0;
    d->startline = true;
}

/* deparse's linebreak(): past the cutoff, end the line; the first break
 * of a construct indents what follows one level more. */
static void dp_break(deparser *d, bool *broke)
{
    if (d->line > 60) {
        if (!*broke) {
            *broke = true;
            d->indent++;
        }
        dp_newline(d);
    }
}

/* Where the bracket or quote at s[i] ends (the index of its closer), or n. */
static size_t skip_group(const char *s, size_t i, size_t n)
{
    char open = s[i];
    if (open == '"' || open == '\'' || open == '`') {
        for (i++; i < n; i++) {
            if (s[i] == '\\') i++;
            else if (s[i] == open) return i;
        }
        return n;
    }
    char close = open == '(' ? ')' : open == '[' ? ']' : '}';
    int depth = 0;
    for (; i < n; i++) {
        if (s[i] == '"' || s[i] == '\'' || s[i] == '`') {
            i = skip_group(s, i, n);
            if (i >= n) return n;
        } else if (s[i] == open) depth++;
        else if (s[i] == close && --depth == 0) return i;
    }
    return n;
}

/* R's binary operators printed with a space on each side, by precedence
 * (all left-associative); 0 when s[i..] is not " op ". */
static int binary_op(const char *s, size_t i, size_t n, size_t *oplen)
{
    static const struct {
        const char *op;
        int prec;
    } ops[] = {
        { "~", 1 },  { "||", 2 }, { "|", 2 },  { "&&", 3 }, { "&", 3 },  { "==", 4 },
        { "!=", 4 }, { "<=", 4 }, { ">=", 4 }, { "<", 4 },  { ">", 4 },  { "+", 5 },
        { "-", 5 },  { "*", 6 },  { "/", 6 },
    };
    if (s[i] != ' ' || i == 0) return 0;
    if (s[i + 1] == '%') { /* %in%, %%, %/% and the like */
        size_t j = i + 2;
        while (j < n && s[j] != '%' && s[j] != ' ') j++;
        if (j + 1 < n && s[j] == '%' && s[j + 1] == ' ') {
            *oplen = j + 2 - i;
            return 7;
        }
        return 0;
    }
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t l = strlen(ops[k].op);
        if (i + l + 1 < n && strncmp(s + i + 1, ops[k].op, l) == 0 && s[i + 1 + l] == ' ') {
            *oplen = l + 2;
            return ops[k].prec;
        }
    }
    return 0;
}


/* An expression's operands and operators at bracket depth 0; an operator
 * token keeps its spaces (" + "), as deparse prints it. */
typedef struct tok {
    const char *s;
    size_t n;
    int prec; /* 0 for an operand */
} tok;

/* The expression tree: leaves are operand tokens, inner nodes operators. */
typedef struct node {
    size_t tok;
    size_t left, right; /* children of an operator */
} node;

/* Split v into operands and operators; false if an operand is empty. */
static bool tokenize(const char *v, size_t n, tok *t, size_t *nt)
{
    size_t start = 0, m = 0;
    for (size_t i = 0; i < n;) {
        char c = v[i];
        if (c == '(' || c == '[' || c == '{' || c == '"' || c == '\'' || c == '`') {
            i = skip_group(v, i, n);
            if (i >= n) return false;
            i++;
            continue;
        }
        size_t oplen = 0;
        int prec = binary_op(v, i, n, &oplen);
        if (prec) {
            if (i == start) return false;
            t[m++] = (tok){ v + start, i - start, 0 };
            t[m++] = (tok){ v + i, oplen, prec };
            i += oplen;
            start = i;
        } else {
            i++;
        }
    }
    if (start >= n) return false;
    t[m++] = (tok){ v + start, n - start, 0 };
    *nt = m;
    return true;
}

/* Precedence climbing; every operator is left-associative.  Recursion
 * goes one level deeper only for a tighter operator, so its depth is at
 * most the number of precedence levels. */
static size_t parse_expr(const tok *t, size_t nt, size_t *at, int min_prec, node *nodes,
                         size_t *nn)
{
    size_t left = (*nn)++;
    nodes[left] = (node){ (*at)++, 0, 0 };
    while (*at < nt && t[*at].prec >= min_prec) {
        size_t op = (*at)++;
        size_t right = parse_expr(t, nt, at, t[op].prec + 1, nodes, nn);
        size_t id = (*nn)++;
        nodes[id] = (node){ op, left, right };
        left = id;
    }
    return left;
}

/* deparse of a binary call: the left operand, " op ", a possible line
 * break (indenting the right operand one level), the right operand.  The
 * left spine of a chain a + b + c is walked iteratively (spine[] has room
 * for every node), so a long formula cannot exhaust the stack. */
static void dp_node(deparser *d, const tok *t, const node *nodes, size_t id, size_t *spine)
{
    size_t depth = 0;
    while (t[nodes[id].tok].prec) {
        spine[depth++] = id;
        id = nodes[id].left;
    }
    dp_put(d, t[nodes[id].tok].s, t[nodes[id].tok].n);
    while (depth--) {
        const node *op = &nodes[spine[depth]];
        bool broke = false;
        dp_put(d, t[op->tok].s, t[op->tok].n);
        dp_break(d, &broke);
        dp_node(d, t, nodes, op->right, spine + depth + 1);
        if (broke) d->indent--;
    }
}

/* One argument's value: as an expression if it splits into one, else as
 * it is. */
static void dp_value(deparser *d, const char *v, size_t n)
{
    tok *t = malloc((n + 1) * sizeof *t);
    node *nodes = malloc((n + 1) * sizeof *nodes);
    size_t *spine = malloc((n + 1) * sizeof *spine);
    size_t nt = 0;
    if (t && nodes && spine && tokenize(v, n, t, &nt)) {
        size_t at = 0, nn = 0;
        size_t root = parse_expr(t, nt, &at, 1, nodes, &nn);
        dp_node(d, t, nodes, root, spine);
    } else if (t && nodes && spine) {
        dp_put(d, v, n);
    } else {
        d->oom = true;
    }
    free(t), free(nodes), free(spine);
}

char *rf_deparse_call(const char *call)
{
    if (!call) call = "";
    size_t n = strlen(call);
    const char *paren = strchr(call, '(');
    bool is_call = !strchr(call, '\n') && paren && paren > call && n >= 2 &&
                   call[n - 1] == ')' && skip_group(call, (size_t)(paren - call), n) == n - 1;
    for (const char *c = call; is_call && c < paren; c++)
        if (*c == ' ' || *c == '"' || *c == '[' || *c == '{') is_call = false;
    if (!is_call) {
        char *copy = malloc(n + 1);
        if (copy) memcpy(copy, call, n + 1);
        return copy;
    }
    deparser d = { .startline = true };
    dp_put(&d, call, (size_t)(paren - call) + 1);
    size_t i = (size_t)(paren - call) + 1, end = n - 1;
    bool broke = false;
    while (i < end) {
        /* The argument runs to the next comma at depth 0. */
        size_t j = i;
        while (j < end && call[j] != ',') {
            char c = call[j];
            if (c == '(' || c == '[' || c == '{' || c == '"' || c == '\'' || c == '`')
                j = skip_group(call, j, end);
            j++;
        }
        if (j > end) j = end;
        /* "tag = value": the tag and " = " as they are, then the value. */
        size_t v = i;
        for (size_t k = i; k + 2 < j; k++) {
            char c = call[k];
            if (c == '(' || c == '[' || c == '{' || c == '"' || c == '\'' || c == '`') break;
            if (c == ' ' && call[k + 1] == '=' && call[k + 2] == ' ') {
                dp_put(&d, call + i, k + 3 - i);
                v = k + 3;
                break;
            }
        }
        dp_value(&d, call + v, j - v);
        if (j < end) {
            dp_put(&d, ", ", 2);
            dp_break(&d, &broke);
            j++;
            if (j < end && call[j] == ' ') j++;
        }
        i = j;
    }
    if (broke) d.indent--;
    dp_put(&d, ")", 1);
    if (d.oom || !d.buf) {
        free(d.buf);
        return NULL;
    }
    return d.buf;
}

/* ------------------------------------------------------------ JSON -- */

json_t *rf_json_num(double x) { return isfinite(x) ? json_real(x) : json_null(); }

json_t *rf_json_str(const char *s)
{
    if (!s) return json_null();
    json_t *j = json_string(s);
    if (j) return j;
    /* Not UTF-8 (a Latin-1 column name, say): keep the ASCII. */
    size_t n = strlen(s);
    char *t = malloc(n + 1);
    if (!t) return NULL;
    for (size_t i = 0; i <= n; i++) t[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    j = json_string(t);
    free(t);
    return j;
}

json_t *rf_json_quantiles(const double *x, size_t n)
{
    double q[5];
    if (!x || rf_quantiles(x, n, q) != 0) return json_null();
    json_t *o = json_object();
    bool ok = o != NULL;
    static const char *const keys[5] = { "min", "q1", "median", "q3", "max" };
    for (int i = 0; ok && i < 5; i++) ok = rf_jset(o, keys[i], rf_json_num(q[i]));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

bool rf_jset(json_t *o, const char *key, json_t *v)
{
    if (!o) {
        json_decref(v);
        return false;
    }
    return json_object_set_new(o, key, v) == 0;
}

bool rf_jpush(json_t *a, json_t *v)
{
    if (!a) {
        json_decref(v);
        return false;
    }
    return json_array_append_new(a, v) == 0;
}

const char *rf_name(char *const *names, size_t j, rf_cell buf)
{
    if (names && names[j]) return names[j];
    if (j == 0) snprintf(buf, RF_CELL, "(Intercept)");
    else snprintf(buf, RF_CELL, "x%zu", j);
    return buf;
}

char **rf_names(char *const *names, size_t from, size_t count)
{
    char **list = malloc((count ? count : 1) * (sizeof(char *) + sizeof(rf_cell)));
    if (!list) return NULL;
    rf_cell *bufs = (rf_cell *)(list + count);
    for (size_t j = 0; j < count; j++) list[j] = (char *)rf_name(names, from + j, bufs[j]);
    return list;
}
