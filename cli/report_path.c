/* Coefficient lists, penalised paths and their cross-validation, and
 * softmax regression: laid out as glmnet's print methods and coef()'s
 * sparse-matrix print show them, and as JSON. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_fmt.h"

/* print.cv.glmnet's digits: max(3, getOption("digits") - 3). */
#define CV_DIGITS 4
/* print.glmnet goes through print.anova: max(getOption("digits") - 2, 3). */
#define PATH_DIGITS 5
/* print() of a matrix: getOption("digits"). */
#define PRINT_DIGITS 7

/* An r x c matrix as print.anova formats a table: each column zapsmall'd
 * and then formatted on its own. */
static void anova_cells(double *x, size_t r, size_t c, int digits, rf_cell *cells)
{
    double col[2048];
    for (size_t j = 0; j < c; j++) {
        double *v = r <= 2048 ? col : malloc(r * sizeof *v);
        if (!v) {
            for (size_t i = 0; i < r; i++) rf_num(x[i * c + j], digits, cells[i * c + j]);
            continue;
        }
        for (size_t i = 0; i < r; i++) v[i] = x[i * c + j];
        rf_zapsmall(v, r, digits);
        rf_real f = rf_format_info(v, r, digits);
        for (size_t i = 0; i < r; i++) rf_encode(v[i], f, cells[i * c + j]);
        if (v != col) free(v);
    }
}

int report_coef(FILE *out, const char *title, char *const *names, const double *coef, size_t k)
{
    if (!out || (!coef && k)) return -1;
    char **nm = rf_names(names, 0, k);
    rf_cell *cells = malloc((k ? k : 1) * sizeof *cells);
    if (!nm || !cells) {
        free(nm), free(cells);
        return -1;
    }
    static char *const head[1] = { "Estimate" };
    fprintf(out, "\n%s\n", title ? title : "Coefficients:");
    rf_format_columns(coef, k, 1, PRINT_DIGITS, 1, cells);
    int rc = rf_print_matrix(out, nm, head, (const rf_cell *)cells, k, 1);
    free(nm), free(cells);
    return rc || ferror(out) ? -1 : 0;
}

static const char *measure_name(const gf_path *p)
{
    return p->family == GF_BINOMIAL ? "Binomial Deviance" : "Mean-Squared Error";
}

int report_cv(FILE *out, const gf_cv *cv, bool use_1se)
{
    if (!out || !cv || !cv->path) return -1;
    const gf_path *p = cv->path;
    size_t at[2] = { cv->index_min, cv->index_1se };
    if (at[0] >= p->nlambda || at[1] >= p->nlambda) return -1;
    /* print.cv.glmnet's table, R's 1-based index included. */
    double tab[10];
    for (int r = 0; r < 2; r++) {
        size_t l = at[r];
        double row[5] = { p->lambda[l], (double)l + 1, cv->cvm[l], cv->cvsd[l], (double)p->df[l] };
        memcpy(tab + r * 5, row, sizeof row);
    }
    rf_cell cells[10];
    anova_cells(tab, 2, 5, CV_DIGITS, cells);
    static char *const rows[2] = { "min", "1se" };
    static char *const cols[5] = { "Lambda", "Index", "Measure", "SE", "Nonzero" };
    fprintf(out, "\nMeasure: %s \n\n", measure_name(p));
    int rc = rf_print_matrix(out, rows, cols, (const rf_cell *)cells, 2, 5);

    /* The coefficients at both, as coef(fit, s = c(lambda.min, lambda.1se)). */
    size_t k = p->k;
    double *both = malloc((k ? k : 1) * 2 * sizeof *both);
    rf_cell *cc = malloc((k ? k : 1) * 2 * sizeof *cc);
    char **nm = rf_names(p->names, 0, k);
    if (!both || !cc || !nm) {
        free(both), free(cc), free(nm);
        return -1;
    }
    for (size_t j = 0; j < k; j++) {
        both[j * 2] = p->coef[at[0] * k + j];
        both[j * 2 + 1] = p->coef[at[1] * k + j];
    }
    static char *const heads[2] = { "lambda.min", "lambda.1se" };
    fputs("\nCoefficients:\n", out);
    rf_format_columns(both, k, 2, PRINT_DIGITS, 1, cc);
    rc |= rf_print_matrix(out, nm, heads, (const rf_cell *)cc, k, 2);
    rf_cell lam;
    fprintf(out, "\nThe model keeps %s = %s.\n", use_1se ? "lambda.1se" : "lambda.min",
            rf_num(use_1se ? cv->lambda_1se : cv->lambda_min, PRINT_DIGITS, lam));
    free(both), free(cc), free(nm);
    return rc || ferror(out) ? -1 : 0;
}

int report_path(FILE *out, const gf_path *path, const char *call)
{
    if (!out || !path) return -1;
    size_t n = path->nlambda;
    if (call) {
        /* cat() joins deparse's lines with a space. */
        char *text = rf_deparse_call(call);
        if (!text) return -1;
        for (char *c = text; *c; c++)
            if (*c == '\n') *c = ' ';
        fprintf(out, "\nCall:  %s \n\n", text);
        free(text);
    } else {
        fputc('\n', out);
    }
    double *tab = malloc((n ? n : 1) * 3 * sizeof *tab);
    rf_cell *cells = malloc((n ? n : 1) * 3 * sizeof *cells);
    char **rows = malloc((n ? n : 1) * (sizeof(char *) + sizeof(rf_cell)));
    if (!tab || !cells || !rows) {
        free(tab), free(cells), free(rows);
        return -1;
    }
    rf_cell *rowbuf = (rf_cell *)(rows + n);
    for (size_t l = 0; l < n; l++) {
        tab[l * 3] = path->df[l];
        tab[l * 3 + 1] = rf_round(path->dev_ratio[l] * 100, 2);
        tab[l * 3 + 2] = rf_signif(path->lambda[l], 4);
        snprintf(rowbuf[l], RF_CELL, "%zu", l + 1);
        rows[l] = rowbuf[l];
    }
    /* Df is not zapped (print.anova leaves columns named *Df alone), but
     * whole numbers format the same either way. */
    anova_cells(tab, n, 3, PATH_DIGITS, cells);
    static char *const cols[3] = { "Df", "%Dev", "Lambda" };
    int rc = rf_print_matrix(out, rows, cols, (const rf_cell *)cells, n, 3);
    free(tab), free(cells), free(rows);
    return rc || ferror(out) ? -1 : 0;
}

int report_softmax(FILE *out, const gf_mlogit *m, char *const *class_names,
                   char *const *coef_names)
{
    if (!out || !m) return -1;
    size_t K = m->classes, k = m->k;
    size_t kK = k * K; /* the model's own coefficient count: no overflow */
    double *x = malloc((kK ? kK : 1) * sizeof *x);
    rf_cell *cells = malloc((kK ? kK : 1) * sizeof *cells);
    char **nm = rf_names(coef_names, 0, k);
    char **cls = malloc((K ? K : 1) * (sizeof(char *) + sizeof(rf_cell)));
    if (!x || !cells || !nm || !cls) {
        free(x), free(cells), free(nm), free(cls);
        return -1;
    }
    rf_cell *clsbuf = (rf_cell *)(cls + K);
    for (size_t c = 0; c < K; c++) {
        if (class_names && class_names[c]) {
            cls[c] = class_names[c];
        } else {
            snprintf(clsbuf[c], RF_CELL, "%zu", c);
            cls[c] = clsbuf[c];
        }
        for (size_t j = 0; j < k; j++) x[j * K + c] = m->coef[c * k + j];
    }
    rf_cell loss;
    fprintf(out, "\nSoftmax regression: %zu classes, %d iterations, loss %s\n\nCoefficients:\n",
            K, m->iterations, rf_num(m->loss, PRINT_DIGITS, loss));
    rf_format_columns(x, k, K, PRINT_DIGITS, 0, cells);
    int rc = rf_print_matrix(out, nm, cls, (const rf_cell *)cells, k, K);
    free(x), free(cells), free(nm), free(cls);
    return rc || ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------ JSON -- */

/* [{"name", key: values[j]}, ...] for j < k. */
static json_t *named_values(char *const *names, const double *values, size_t k, const char *key)
{
    json_t *a = json_array();
    bool ok = a != NULL;
    for (size_t j = 0; ok && j < k; j++) {
        rf_cell buf;
        json_t *o = json_object();
        ok = rf_jset(o, "name", rf_json_str(rf_name(names, j, buf))) &&
             rf_jset(o, key, rf_json_num(values[j]));
        ok = rf_jpush(a, o) && ok;
    }
    if (!ok) {
        json_decref(a);
        return NULL;
    }
    return a;
}

json_t *json_coef(const char *title, char *const *names, const double *coef, size_t k)
{
    if (!coef && k) return NULL;
    json_t *o = json_object();
    if (rf_jset(o, "title", rf_json_str(title)) &&
        rf_jset(o, "coefficients", named_values(names, coef, k, "estimate")))
        return o;
    json_decref(o);
    return NULL;
}

static const char *family_name(const gf_path *p)
{
    return p->family == GF_BINOMIAL ? "binomial" : "gaussian";
}

json_t *json_cv(const gf_cv *cv, bool use_1se)
{
    if (!cv || !cv->path) return NULL;
    const gf_path *p = cv->path;
    if (cv->index_min >= p->nlambda || cv->index_1se >= p->nlambda) return NULL;
    json_t *o = json_object();
    bool ok = rf_jset(o, "model", json_string("cv")) &&
              rf_jset(o, "family", json_string(family_name(p))) &&
              rf_jset(o, "alpha", rf_json_num(p->alpha)) &&
              rf_jset(o, "measure", json_string(measure_name(p))) &&
              rf_jset(o, "lambda_min", rf_json_num(cv->lambda_min)) &&
              rf_jset(o, "lambda_1se", rf_json_num(cv->lambda_1se)) &&
              rf_jset(o, "index_min", json_integer((json_int_t)cv->index_min + 1)) &&
              rf_jset(o, "index_1se", json_integer((json_int_t)cv->index_1se + 1)) &&
              rf_jset(o, "kept", json_string(use_1se ? "lambda.1se" : "lambda.min"));
    json_t *path = json_array();
    for (size_t l = 0; ok && l < p->nlambda; l++) {
        json_t *e = json_object();
        ok = rf_jset(e, "lambda", rf_json_num(p->lambda[l])) &&
             rf_jset(e, "cvm", rf_json_num(cv->cvm[l])) &&
             rf_jset(e, "cvsd", rf_json_num(cv->cvsd[l])) &&
             rf_jset(e, "nonzero", json_integer(p->df[l])) &&
             rf_jset(e, "dev_ratio", rf_json_num(p->dev_ratio[l]));
        ok = rf_jpush(path, e) && ok;
    }
    ok = rf_jset(o, "path", path) && ok;
    json_t *coefs = json_array();
    for (size_t j = 0; ok && j < p->k; j++) {
        rf_cell buf;
        json_t *e = json_object();
        ok = rf_jset(e, "name", rf_json_str(rf_name(p->names, j, buf))) &&
             rf_jset(e, "lambda_min", rf_json_num(p->coef[cv->index_min * p->k + j])) &&
             rf_jset(e, "lambda_1se", rf_json_num(p->coef[cv->index_1se * p->k + j]));
        ok = rf_jpush(coefs, e) && ok;
    }
    ok = rf_jset(o, "coefficients", coefs) && ok;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *json_path(const gf_path *path)
{
    if (!path) return NULL;
    json_t *o = json_object();
    bool ok = rf_jset(o, "model", json_string("path")) &&
              rf_jset(o, "family", json_string(family_name(path))) &&
              rf_jset(o, "alpha", rf_json_num(path->alpha));
    json_t *names = json_array();
    for (size_t j = 0; ok && j < path->k; j++) {
        rf_cell buf;
        ok = rf_jpush(names, rf_json_str(rf_name(path->names, j, buf)));
    }
    ok = rf_jset(o, "names", names) && ok;
    json_t *pts = json_array();
    for (size_t l = 0; ok && l < path->nlambda; l++) {
        json_t *e = json_object(), *c = json_array();
        for (size_t j = 0; c && j < path->k; j++)
            if (!rf_jpush(c, rf_json_num(path->coef[l * path->k + j]))) {
                json_decref(c);
                c = NULL;
            }
        ok = rf_jset(e, "lambda", rf_json_num(path->lambda[l])) &&
             rf_jset(e, "df", json_integer(path->df[l])) &&
             rf_jset(e, "dev_ratio", rf_json_num(path->dev_ratio[l]));
        ok = rf_jset(e, "coefficients", c) && ok;
        ok = rf_jpush(pts, e) && ok;
    }
    ok = rf_jset(o, "path", pts) && ok;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *json_softmax(const gf_mlogit *m, char *const *class_names, char *const *coef_names)
{
    if (!m) return NULL;
    json_t *o = json_object();
    json_t *classes = json_array(), *coefs = json_array();
    bool ok = rf_jset(o, "model", json_string("softmax"));
    for (size_t c = 0; c < m->classes; c++) {
        rf_cell buf;
        if (!(class_names && class_names[c])) snprintf(buf, RF_CELL, "%zu", c);
        const char *name = class_names && class_names[c] ? class_names[c] : buf;
        json_t *e = json_object();
        ok = rf_jpush(classes, rf_json_str(name)) && ok;
        ok = rf_jset(e, "class", rf_json_str(name)) &&
             rf_jset(e, "coefficients",
                     named_values(coef_names, m->coef + c * m->k, m->k, "estimate")) &&
             ok;
        ok = rf_jpush(coefs, e) && ok;
    }
    ok = rf_jset(o, "classes", classes) && ok;
    ok = rf_jset(o, "iterations", json_integer(m->iterations)) && ok;
    ok = rf_jset(o, "loss", rf_json_num(m->loss)) && ok;
    ok = rf_jset(o, "coefficients", coefs) && ok;
    ok = rf_jset(o, "warning", rf_json_str(m->warning)) && ok;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}
