/* What the reports share (report_fmt.h): print.default of named vectors and
 * character matrices, printCoefmat, quantile type 7, the JSON builders and
 * coefficient names.  Numbers are turned into text by report_format.c; the
 * printed layout follows R 4.2's and is checked against its output
 * (tests/test_report.c), so every summary grafo prints lines up with R's
 * character for character. */
#include "report_fmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

int rf_print_coef_block(FILE *out, char *const *names, int intercept, size_t k,
                        const double *est, const double *se, const double *stat,
                        const double *p, char *const colnames[4], int digits)
{
    /* Without an intercept, entry 0 is a placeholder R never shows. */
    size_t off = intercept ? 0 : 1, shown = k > off ? k - off : 0;
    if (shown == 0) {
        fputs("\nNo Coefficients\n", out);
        return 0;
    }
    char **rows = rf_names(names, off, shown);
    fputs("\nCoefficients:\n", out);
    int rc = rows ? rf_print_coefmat(out, rows, est + off, se + off, stat + off, p + off, shown,
                                     colnames, digits)
                  : -1;
    free(rows);
    return rc;
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

/* -------------------------------------------------------- quantiles -- */

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
