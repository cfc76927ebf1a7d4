/* Internal to the reports (cli/report_*.c): R's rules for turning numbers
 * into text, so grafo's summaries read exactly as R 4.2 prints them.
 * Numbers to text are in report_format.c, the Call: line's breaking in
 * report_deparse.c, the printed tables and the JSON builders in
 * report_util.c, and the pieces the model reports share in report_ols.c.
 *
 * Each function reproduces one R function's behaviour, named in its
 * comment; "digits" always means significant digits as R's `digits`
 * argument does.  A NaN prints as R's NaN (R's NA does not exist here).
 * Widths count characters (UTF-8 code points), as R does for the Latin and
 * most other scripts; East Asian wide characters count as one.  The output
 * width is R's default, 80 columns. */
#ifndef GF_CLI_REPORT_FMT_H
#define GF_CLI_REPORT_FMT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One formatted number.  R's formats never need more than about 30
 * characters for the digits used here (fixed notation is chosen only when
 * it is no wider than scientific); longer text is cut, never overflowed. */
#define RF_CELL 64
typedef char rf_cell[RF_CELL];

/* The page width R wraps printed vectors and matrices at (options(width)). */
#define RF_WIDTH 80

/* ------------------------------------ numbers to text (report_format.c) -- */

/* R's round(x, digits) (R >= 4.0.0's algorithm; a fractional `digits`
 * is rounded to a whole number, as R does) and signif(x, digits). */
double rf_round(double x, double digits);
double rf_signif(double x, int digits);

/* formatReal's common format for n numbers at `digits` significant
 * digits: field width w, d digits after the point (or in the mantissa),
 * e != 0 for scientific notation (its value: exponent digits - 1). */
typedef struct rf_real {
    int w, d, e;
} rf_real;
rf_real rf_format_info(const double *x, size_t n, int digits);

/* One number in format f, right-justified to width f.w (EncodeReal0):
 * "%*.*f", or "%#*.*e" in scientific notation; NaN, Inf and -Inf as R
 * spells them.  Returns out. */
char *rf_encode(double x, rf_real f, rf_cell out);

/* format(x, digits = digits): the n numbers in their common format, each
 * padded to the common width. */
void rf_format(const double *x, size_t n, int digits, rf_cell *out);

/* Like format(x, digits = digits) for one number, as cat() and paste()
 * show it with digits = 7. */
char *rf_num(double x, int digits, rf_cell out);

/* formatC(x, digits = digits): C's "%*.*g" in a field of digits + 1
 * (formatC's default width), NaN/Inf as R spells them. */
char *rf_formatc(double x, int digits, rf_cell out);

/* format(x) of whole numbers, as R formats an integer vector: common width,
 * right-justified.  Values are rounded to the nearest integer. */
void rf_format_int(const double *x, size_t n, rf_cell *out);

/* format.pval(pv, digits = digits) with eps = .Machine$double.eps: fixed
 * or scientific notation chosen by the size of each p-value, and "<2e-16"
 * (or "< 2.2e-16", by R's width rule) for those below eps.  Entries are
 * not padded to a common width. */
void rf_format_pval(const double *pv, size_t n, int digits, rf_cell *out);

/* zapsmall(x, digits): round every entry to the decimals that keep
 * `digits` significant digits of the largest |x|.  In place. */
void rf_zapsmall(double *x, size_t n, int digits);

/* The numeric columns of an r x c matrix (column j at x[i * c + j]) each in
 * its own format(digits = digits), as R prints a matrix or a data frame.
 * zero_dot: an exact zero prints as "." where its units digit would be, as
 * the Matrix package prints sparse coefficients (glmnet's coef()). */
void rf_format_columns(const double *x, size_t r, size_t c, int digits, int zero_dot,
                       rf_cell *out);

/* ------------------------------------ the Call: line (report_deparse.c) -- */

/* R's deparse() line breaking (width.cutoff = 60) of a one-line call such
 * as "glm(formula = y ~ a + b, family = binomial, data = d.csv)": a line
 * ends after an argument's ", " or a binary operator's " op " once it is
 * longer than 60 characters, and what follows is indented by four spaces.
 * Text already holding a newline, or that is not a call, comes back as it
 * is.  Returns a malloc'd string, or NULL when out of memory. */
char *rf_deparse_call(const char *call);

/* -------------------------------------- tables and JSON (report_util.c) -- */

/* quantile(x) (type 7) at 0, 0.25, 0.5, 0.75 and 1.  Returns 0, or -1 when
 * n is 0 or the sorting copy cannot be allocated. */
int rf_quantiles(const double *x, size_t n, double q[5]);

/* The display width of UTF-8 text. */
size_t rf_width(const char *s);

/* print.default(x, digits = digits, print.gap = gap) of a numeric vector
 * with names: rows of right-justified names over their values, as many per
 * line as fit in RF_WIDTH columns.  Returns 0, or -1 when out of memory. */
int rf_print_named(FILE *out, char *const *names, const double *x, size_t n, int digits,
                   int gap);

/* print.default(m, quote = FALSE, right = TRUE) of an r x c character
 * matrix (cells row-major) with row and column names: row names
 * left-justified, each column right-justified to its widest entry or name
 * after one space, and the columns split into blocks that fit RF_WIDTH.
 * Returns 0, or -1 when out of memory. */
int rf_print_matrix(FILE *out, char *const *rownames, char *const *colnames,
                    const rf_cell *cells, size_t r, size_t c);

/* printCoefmat(cbind(est, se, stat, p), digits = digits) as summary.lm and
 * summary.glm print it: estimates and standard errors rounded together,
 * the statistic to digits - 1 decimals, p-values by format.pval, the
 * significance stars and their legend when any p < 0.1.  colnames are the
 * four headings.  Returns 0, or -1 when out of memory. */
int rf_print_coefmat(FILE *out, char *const *rownames, const double *est, const double *se,
                     const double *stat, const double *p, size_t k, char *const colnames[4],
                     int digits);

/* The "Coefficients:" block of summary.lm and summary.glm: the table of
 * the fit's k coefficients (entry 0, the intercept's place, left out when
 * there is none), or "No Coefficients".  stat is t or z.  Returns 0, or -1
 * when out of memory. */
int rf_print_coef_block(FILE *out, char *const *names, int intercept, size_t k,
                        const double *est, const double *se, const double *stat,
                        const double *p, char *const colnames[4], int digits);

/* The name of coefficient j: names[j], or "(Intercept)", "x1", "x2", ...
 * when names is NULL (buf holds the made-up name). */
const char *rf_name(char *const *names, size_t j, rf_cell buf);
/* The names of coefficients from..from+count-1 as one malloc'd block (free
 * it once): an array of count pointers, made-up names stored after it.
 * NULL when out of memory. */
char **rf_names(char *const *names, size_t from, size_t count);

/* A JSON number, or null for NaN and infinities (JSON has neither). */
json_t *rf_json_num(double x);
/* A JSON string; bytes that are not UTF-8 become '?', and NULL is null. */
json_t *rf_json_str(const char *s);
/* {"min", "q1", "median", "q3", "max"} of the n values, or null for none. */
json_t *rf_json_quantiles(const double *x, size_t n);
/* Set o[key] = v, taking v; false (and v released) on failure, so a
 * builder can write ok &= rf_jset(o, "key", value). */
bool rf_jset(json_t *o, const char *key, json_t *v);
/* Append v to array a, taking v; false on failure. */
bool rf_jpush(json_t *a, json_t *v);

/* -------------------------- pieces shared by the reports (report_ols.c) -- */

/* "\nCall:\n<call, deparsed>\n\n". */
int report_call_block(FILE *out, const char *call);
/* The five residual quantiles (zapsmall'd to 5 digits), printed with
 * digits = 4 and the given gap, as summary.lm (gap 1) and summary.glm
 * (gap 2) print them. */
int report_residual_quantiles(FILE *out, const double *res, size_t n, int gap);
/* Every residual, named 1..n (zap: zapsmall them first, as summary.glm). */
int report_residuals_all(FILE *out, const double *res, size_t n, int zap, int gap);
/* JSON coefficient table of entries from..k-1: name, estimate, std_error,
 * stat_name, p_value, ci_low, ci_high. */
json_t *report_json_coefs(char *const *names, const double *coef, const double *se,
                          const double *stat, const char *stat_name, const double *p,
                          const double *lo, const double *hi, size_t from, size_t k);
/* Rows and columns from..k-1 of a k x k matrix, as arrays of arrays. */
json_t *report_json_vcov(const double *vcov, size_t from, size_t k);

#endif
