/* Logistic regression as R 4.2's print(summary(glm(..., family =
 * binomial))) shows it, and as JSON. */
#include "report.h"

#include <math.h>
#include <stdlib.h>

#include "report_fmt.h"

/* summary.glm prints with digits = max(3, getOption("digits") - 3). */
#define GLM_DIGITS 4

int report_logit(FILE *out, const gf_logit *fit, const char *call,
                 const double *deviance_residuals, size_t n)
{
    if (!out || !fit) return -1;
    int rc = report_call_block(out, call);
    fputs("Deviance Residuals: \n", out);
    if (fit->df_resid > 5) rc |= report_residual_quantiles(out, deviance_residuals, n, 2);
    else rc |= report_residuals_all(out, deviance_residuals, n, 1, 2);

    static char *const heads[4] = { "Estimate", "Std. Error", "z value", "Pr(>|z|)" };
    rc |= rf_print_coef_block(out, fit->names, fit->intercept, fit->k, fit->coef, fit->se,
                              fit->z, fit->p_value, heads, GLM_DIGITS);

    /* The two deviances share one format (digits 5), as do their degrees
     * of freedom (R's integers). */
    double dev[2] = { fit->null_deviance, fit->deviance }, df[2] = { fit->df_null, fit->df_resid };
    rf_cell devs[2], dfs[2], aic;
    rf_format(dev, 2, GLM_DIGITS + 1, devs);
    rf_format_int(df, 2, dfs);
    fprintf(out,
            "\n(Dispersion parameter for binomial family taken to be 1)\n\n"
            "    Null deviance: %s  on %s  degrees of freedom\n"
            "Residual deviance: %s  on %s  degrees of freedom\n"
            "AIC: %s\n\n"
            "Number of Fisher Scoring iterations: %d\n\n",
            devs[0], dfs[0], devs[1], dfs[1], rf_num(fit->aic, GLM_DIGITS + 1, aic),
            fit->iterations);
    return rc || ferror(out) ? -1 : 0;
}

json_t *json_logit(const gf_logit *fit, const char *call, const double *deviance_residuals,
                   size_t n)
{
    if (!fit) return NULL;
    size_t off = fit->intercept ? 0 : 1;
    json_t *o = json_object();
    bool ok = rf_jset(o, "model", json_string("logistic")) &&
              rf_jset(o, "call", rf_json_str(call)) &&
              rf_jset(o, "n", json_integer((json_int_t)fit->n)) &&
              rf_jset(o, "intercept", json_boolean(fit->intercept)) &&
              rf_jset(o, "coefficients",
                      report_json_coefs(fit->names, fit->coef, fit->se, fit->z, "z_value",
                                        fit->p_value, fit->ci_low, fit->ci_high, off, fit->k)) &&
              rf_jset(o, "level", rf_json_num(fit->level)) &&
              rf_jset(o, "deviance_residuals", rf_json_quantiles(deviance_residuals, n)) &&
              rf_jset(o, "dispersion", json_integer(1)) &&
              rf_jset(o, "null_deviance", rf_json_num(fit->null_deviance)) &&
              rf_jset(o, "df_null", rf_json_num(fit->df_null)) &&
              rf_jset(o, "deviance", rf_json_num(fit->deviance)) &&
              rf_jset(o, "df_residual", rf_json_num(fit->df_resid)) &&
              rf_jset(o, "aic", rf_json_num(fit->aic)) &&
              rf_jset(o, "iterations", json_integer(fit->iterations)) &&
              rf_jset(o, "vcov", report_json_vcov(fit->vcov, off, fit->k)) &&
              rf_jset(o, "warning", rf_json_str(fit->warning));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}
