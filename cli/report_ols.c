/* Least squares as R's print(summary(lm(...))) shows it, and as JSON. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_fmt.h"

/* summary.lm prints with digits = max(3, getOption("digits") - 3). */
#define LM_DIGITS 4

/* The Call: block, shared with the logistic report. */
int report_call_block(FILE *out, const char *call)
{
    char *text = rf_deparse_call(call);
    if (!text) return -1;
    fprintf(out, "\nCall:\n%s\n\n", text);
    free(text);
    return 0;
}

/* Residuals named 1..n, for the short form R uses when few residual
 * degrees of freedom are left. */
int report_residuals_all(FILE *out, const double *res, size_t n, int zap, int gap)
{
    char **names = malloc((n ? n : 1) * (sizeof(char *) + sizeof(rf_cell)));
    double *x = malloc((n ? n : 1) * sizeof *x);
    if (!names || !x) {
        free(names), free(x);
        return -1;
    }
    rf_cell *bufs = (rf_cell *)(names + n);
    for (size_t i = 0; i < n; i++) {
        snprintf(bufs[i], RF_CELL, "%zu", i + 1);
        names[i] = bufs[i];
        x[i] = res[i];
    }
    if (zap) rf_zapsmall(x, n, LM_DIGITS + 1);
    int rc = rf_print_named(out, names, x, n, LM_DIGITS, gap);
    free(names), free(x);
    return rc;
}

/* The five quantiles, zapped to digits + 1 as summary.lm does. */
int report_residual_quantiles(FILE *out, const double *res, size_t n, int gap)
{
    static char *const names[5] = { "Min", "1Q", "Median", "3Q", "Max" };
    double q[5];
    if (rf_quantiles(res, n, q) != 0) return -1;
    rf_zapsmall(q, 5, LM_DIGITS + 1);
    return rf_print_named(out, names, q, 5, LM_DIGITS, gap);
}

int report_ols(FILE *out, const gf_ols *fit, const char *call, const double *residuals,
               size_t n)
{
    if (!out || !fit) return -1;
    int rc = report_call_block(out, call);
    fputs("Residuals:\n", out);
    if (fit->df_resid > 5) {
        rc |= report_residual_quantiles(out, residuals, n, 1);
    } else if (fit->df_resid > 0) {
        rc |= report_residuals_all(out, residuals, n, 0, 1);
    } else {
        fprintf(out, "ALL %zu residuals are 0: no residual degrees of freedom!\n", n);
    }

    static char *const heads[4] = { "Estimate", "Std. Error", "t value", "Pr(>|t|)" };
    rc |= rf_print_coef_block(out, fit->names, fit->intercept, fit->k, fit->coef, fit->se,
                              fit->t, fit->p_value, heads, LM_DIGITS);

    rf_cell sigma, rdf;
    fprintf(out, "\nResidual standard error: %s on %s degrees of freedom\n",
            rf_num(rf_signif(fit->sigma, LM_DIGITS), 7, sigma), rf_num(fit->df_resid, 7, rdf));
    /* R shows the F test only when there is more than the intercept. */
    if (fit->k > 1) {
        rf_cell r2, adj, f, df1, df2, p;
        rf_format_pval(&fit->f_p, 1, LM_DIGITS, &p);
        fprintf(out,
                "Multiple R-squared:  %s,\tAdjusted R-squared:  %s \n"
                "F-statistic: %s on %s and %s DF,  p-value: %s\n",
                rf_formatc(fit->r2, LM_DIGITS, r2), rf_formatc(fit->adj_r2, LM_DIGITS, adj),
                rf_formatc(fit->f, LM_DIGITS, f), rf_num(fit->f_df1, 7, df1),
                rf_num(fit->f_df2, 7, df2), p);
    }
    fputc('\n', out);
    return rc || ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------ JSON -- */

/* The coefficient table and covariance shared by the OLS and logistic
 * objects: entries from..k-1 of each array. */
json_t *report_json_coefs(char *const *names, const double *coef, const double *se,
                          const double *stat, const char *stat_name, const double *p,
                          const double *lo, const double *hi, size_t from, size_t k)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t j = from; ok && j < k; j++) {
        rf_cell buf;
        json_t *o = json_object();
        ok = rf_jset(o, "name", rf_json_str(rf_name(names, j, buf))) &&
             rf_jset(o, "estimate", rf_json_num(coef[j])) &&
             rf_jset(o, "std_error", rf_json_num(se[j])) &&
             rf_jset(o, stat_name, rf_json_num(stat[j])) &&
             rf_jset(o, "p_value", rf_json_num(p[j])) &&
             rf_jset(o, "ci_low", rf_json_num(lo[j])) &&
             rf_jset(o, "ci_high", rf_json_num(hi[j]));
        if (!rf_jpush(a, o)) ok = false;
    }
    if (!ok) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *report_json_vcov(const double *vcov, size_t from, size_t k)
{
    json_t *rows = json_array();
    bool ok = rows != NULL;
    for (size_t i = from; ok && i < k; i++) {
        json_t *row = json_array();
        for (size_t j = from; row && j < k; j++)
            if (!rf_jpush(row, rf_json_num(vcov[i * k + j]))) {
                json_decref(row);
                row = NULL;
            }
        ok = rf_jpush(rows, row);
    }
    if (!ok) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

json_t *json_ols(const gf_ols *fit, const char *call, const double *residuals, size_t n)
{
    if (!fit) return NULL;
    size_t off = fit->intercept ? 0 : 1;
    json_t *o = json_object();
    bool ok = rf_jset(o, "model", json_string("ols")) && rf_jset(o, "call", rf_json_str(call)) &&
              rf_jset(o, "n", json_integer((json_int_t)fit->n)) &&
              rf_jset(o, "intercept", json_boolean(fit->intercept)) &&
              rf_jset(o, "df_residual", rf_json_num(fit->df_resid)) &&
              rf_jset(o, "coefficients",
                      report_json_coefs(fit->names, fit->coef, fit->se, fit->t, "t_value",
                                        fit->p_value, fit->ci_low, fit->ci_high, off, fit->k)) &&
              rf_jset(o, "level", rf_json_num(fit->level)) &&
              rf_jset(o, "sigma", rf_json_num(fit->sigma)) &&
              rf_jset(o, "r_squared", rf_json_num(fit->r2)) &&
              rf_jset(o, "adj_r_squared", rf_json_num(fit->adj_r2));
    if (ok) {
        json_t *f = json_null();
        if (fit->k > 1) {
            f = json_object();
            ok = rf_jset(f, "value", rf_json_num(fit->f)) &&
                 rf_jset(f, "df1", rf_json_num(fit->f_df1)) &&
                 rf_jset(f, "df2", rf_json_num(fit->f_df2)) &&
                 rf_jset(f, "p_value", rf_json_num(fit->f_p));
        }
        ok = rf_jset(o, "f_statistic", f) && ok;
    }
    ok = ok && rf_jset(o, "residuals", rf_json_quantiles(residuals, n)) &&
         rf_jset(o, "sse", rf_json_num(fit->sse)) && rf_jset(o, "sst", rf_json_num(fit->sst)) &&
         rf_jset(o, "ssm", rf_json_num(fit->ssm)) && rf_jset(o, "rmse", rf_json_num(fit->rmse)) &&
         rf_jset(o, "mae", rf_json_num(fit->mae)) &&
         rf_jset(o, "vcov", report_json_vcov(fit->vcov, off, fit->k)) &&
         rf_jset(o, "warning", rf_json_str(fit->warning));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}
