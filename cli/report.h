/* The reports `grafo fit` prints: each fitted model as text laid out as R
 * prints it, or as a JSON object for --json.
 *
 * Text.  report_ols and report_logit print exactly what R 4.2's
 * print(summary(lm(...))) and print(summary(glm(..., family = binomial)))
 * print, character for character: the Call: line, the residual quantiles,
 * printCoefmat's coefficient table with its significance stars and legend,
 * and the closing statistics, with R's rounding and choice of fixed or
 * scientific notation (digits = 4, R's default width of 80 columns).  The
 * legend's quotes are the UTF-8 ‘ ’ R prints in a UTF-8 locale.
 * report_cv and report_path follow glmnet's print(cv.glmnet) and
 * print(glmnet); coefficient lists follow coef()'s sparse-matrix print,
 * where a coefficient that is exactly zero shows as ".".  Warnings are not
 * part of any text report: the caller prints the fit's `warning`.
 *
 * JSON.  Each json_* function returns a new object (the caller owns it and
 * frees it with json_decref) holding every statistic as a JSON number;
 * NaN and infinities, which JSON cannot hold, become null.  NULL when
 * memory runs out.
 *
 * Names.  names/coef_names arrays hold one name per coefficient,
 * "(Intercept)" first, as the fits' own `names` do; NULL gives
 * "(Intercept)", "x1", "x2", ...  Nothing is freed or kept: every pointer
 * is borrowed for the call only.
 *
 * Each report_* function returns 0, or -1 when memory ran out or writing
 * to `out` failed (what was written by then stays written). */
#ifndef GF_CLI_REPORT_H
#define GF_CLI_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "grafo/linear.h"

/* print(summary(lm(...))) for a least-squares fit.
 * call: the text after "Call:", e.g. "lm(formula = y ~ x, data = d.csv)";
 *   a one-line call is broken into lines of about 60 characters as R's
 *   deparse() does; text with a newline is printed as it is.
 * residuals: the n training residuals y - yhat, for their quantiles (all of
 *   them are printed, named 1..n, when there are at most 5 residual degrees
 *   of freedom, as R does). */
int report_ols(FILE *out, const gf_ols *fit, const char *call, const double *residuals,
               size_t n);

/* print(summary(glm(..., family = binomial))) for a logistic fit, as R 4.2
 * prints it (the "Deviance Residuals:" block that R 4.3 dropped included).
 * deviance_residuals: sign(y - p) * sqrt(-2 * log-likelihood of the row),
 * for the n training rows. */
int report_logit(FILE *out, const gf_logit *fit, const char *call,
                 const double *deviance_residuals, size_t n);

/* One coefficient vector (a penalised fit at one lambda, a perceptron, a
 * linear SVM, one class of one-vs-rest), under a title line:
 *
 *   <title>
 *                  Estimate
 *   (Intercept) 34.61406332
 *   disp         .
 *
 * values in R's format with 7 significant digits; exact zeros as ".". */
int report_coef(FILE *out, const char *title, char *const *names, const double *coef, size_t k);

/* Cross-validation of a penalised path: print(cv.glmnet)'s table ("Measure:"
 * line; lambda, 1-based index, mean error, its standard error and the
 * number of nonzero coefficients at lambda.min and lambda.1se), then the
 * coefficients at both lambdas side by side, then which one the model
 * keeps (use_1se: lambda.1se, else lambda.min). */
int report_cv(FILE *out, const gf_cv *cv, bool use_1se);

/* print(glmnet(...)): one row per lambda of the path with its number of
 * nonzero coefficients, the percentage of deviance explained and lambda.
 * call: as for report_ols, or NULL for no Call: line. */
int report_path(FILE *out, const gf_path *path, const char *call);

/* Softmax regression: a line with the classes, iterations and final loss,
 * then the k x K coefficient matrix, one column per class (split into
 * blocks when wider than 80 columns).  class_names: K names, or NULL for
 * "0", "1", ... */
int report_softmax(FILE *out, const gf_mlogit *m, char *const *class_names,
                   char *const *coef_names);

/* {"model": "ols", "call", "n", "intercept", "df_residual",
 *  "coefficients": [{"name", "estimate", "std_error", "t_value", "p_value",
 *                    "ci_low", "ci_high"}, ...],
 *  "level", "sigma", "r_squared", "adj_r_squared",
 *  "f_statistic": {"value", "df1", "df2", "p_value"} (null without
 *     coefficients beyond the intercept),
 *  "residuals": {"min", "q1", "median", "q3", "max"} (null if n is 0),
 *  "sse", "sst", "ssm", "rmse", "mae", "vcov": k x k rows, "warning"}.
 * Without an intercept, the coefficients and vcov leave it out. */
json_t *json_ols(const gf_ols *fit, const char *call, const double *residuals, size_t n);

/* {"model": "logistic", "call", "n", "intercept", "coefficients": [{"name",
 *  "estimate", "std_error", "z_value", "p_value", "ci_low", "ci_high"}],
 *  "level", "deviance_residuals": {"min", "q1", "median", "q3", "max"},
 *  "dispersion": 1, "null_deviance", "df_null", "deviance", "df_residual",
 *  "aic", "iterations", "vcov", "warning"} */
json_t *json_logit(const gf_logit *fit, const char *call, const double *deviance_residuals,
                   size_t n);

/* {"title", "coefficients": [{"name", "estimate"}, ...]} */
json_t *json_coef(const char *title, char *const *names, const double *coef, size_t k);

/* {"model": "cv", "family": "gaussian"|"binomial", "alpha", "measure",
 *  "lambda_min", "lambda_1se", "index_min", "index_1se" (1-based, as R),
 *  "kept": "lambda.min"|"lambda.1se",
 *  "path": [{"lambda", "cvm", "cvsd", "nonzero", "dev_ratio"}, ...],
 *  "coefficients": [{"name", "lambda_min", "lambda_1se"}, ...]} */
json_t *json_cv(const gf_cv *cv, bool use_1se);

/* {"model": "path", "family", "alpha", "path": [{"lambda", "df",
 *  "dev_ratio", "coefficients": [k numbers]}, ...], "names": [k names]} */
json_t *json_path(const gf_path *path);

/* {"model": "softmax", "classes": [K names], "iterations", "loss",
 *  "coefficients": [{"class", "coefficients": [{"name", "estimate"}]}],
 *  "warning"} */
json_t *json_softmax(const gf_mlogit *m, char *const *class_names, char *const *coef_names);

#endif
