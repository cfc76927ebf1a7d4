/* Pipelines: a trained model with everything it needs to go from raw data
 * to predictions (terms, scaling, parameters, class names), and the
 * predictions themselves.  Saving and loading live in pipeline_file.c. */
#include "io/pipeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strings.h"
#include "grafo/linear.h"
#include "ops/ops.h" /* gf__sigmoid */

static const char *const kind_names[] = {
    [GF_KIND_OLS] = "ols",           [GF_KIND_RIDGE] = "ridge",
    [GF_KIND_LASSO] = "lasso",       [GF_KIND_ENET] = "enet",
    [GF_KIND_LOGISTIC] = "logistic", [GF_KIND_SOFTMAX] = "softmax",
    [GF_KIND_PERCEPTRON] = "perceptron", [GF_KIND_LINSVM] = "linsvm",
    [GF_KIND_NETWORK] = "network",
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == GF_KIND_COUNT, "a kind has no name");

const char *gf_kind_name(gf_kind k)
{
    return (unsigned)k < GF_KIND_COUNT ? kind_names[k] : "unknown";
}

gf_status gf_kind_parse(const char *text, gf_kind *out)
{
    for (int k = 0; k < GF_KIND_COUNT; k++)
        if (text && strcmp(text, kind_names[k]) == 0) {
            *out = (gf_kind)k;
            return GF_OK;
        }
    return gf__fail(GF_ERR_ARG, "unknown model kind '%s' (choose ols, ridge, lasso, enet, "
                    "logistic, softmax, perceptron, linsvm or network)", text ? text : "(null)");
}

int gf_kind_is_classifier(gf_kind k)
{
    return k == GF_KIND_LOGISTIC || k == GF_KIND_SOFTMAX || k == GF_KIND_PERCEPTRON ||
           k == GF_KIND_LINSVM || k == GF_KIND_NETWORK;
}

/* A network predicts classes unless it is trained by mean squared error. */
int gf__pipeline_classifies(const gf_pipeline *p)
{
    if (p->kind == GF_KIND_NETWORK) return p->net && p->arch.loss != GF_LOSS_MSE;
    return gf_kind_is_classifier(p->kind);
}

gf_pipeline *gf_pipeline_new(gf_kind kind)
{
    if ((unsigned)kind >= GF_KIND_COUNT) {
        gf__fail(GF_ERR_ARG, "pipeline: unknown kind %d", (int)kind);
        return NULL;
    }
    gf_pipeline *p = gf__calloc(1, sizeof *p, "pipeline");
    if (p) p->kind = kind;
    return p;
}

static void free_strings(char **s, size_t n)
{
    if (!s) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

void gf_pipeline_free(gf_pipeline *p)
{
    if (!p) return;
    gf_terms_free(p->terms);
    gf_scaler_free(p->scaler);
    free_strings(p->classes, p->nclasses);
    free(p->coef);
    gf_model_free(p->net);
    gf_arch_free(&p->arch);
    free_strings(p->setting_keys, p->nsettings);
    free(p->setting_values);
    free(p);
}

/* ------------------------------------------------------------- setters -- */

gf_status gf_pipeline_set_terms(gf_pipeline *p, const gf_terms *t)
{
    if (!p || !t) return gf__fail(GF_ERR_ARG, "pipeline: no pipeline or no terms");
    size_t nv = gf_terms_nvars(t);
    gf_var_info *vars = gf__calloc(nv ? nv : 1, sizeof *vars, "pipeline variables");
    if (!vars) return GF_ERR_NOMEM;
    for (size_t i = 0; i < nv; i++) vars[i] = gf_terms_var(t, i);
    gf_terms *copy = NULL;
    gf_status s = gf_terms_from_vars(gf_terms_formula(t), vars, nv, &copy);
    free(vars);
    if (s != GF_OK) return s;
    gf_terms_free(p->terms);
    p->terms = copy;
    p->nfeatures = gf_terms_ncols(copy);
    return GF_OK;
}

gf_status gf_pipeline_set_inputs(gf_pipeline *p, size_t nfeatures)
{
    if (!p || nfeatures == 0) return gf__fail(GF_ERR_ARG, "pipeline: no pipeline or 0 features");
    gf_terms_free(p->terms);
    p->terms = NULL;
    p->nfeatures = nfeatures;
    return GF_OK;
}

gf_status gf_pipeline_set_scaler(gf_pipeline *p, const gf_scaler *sc)
{
    if (!p || !sc) return gf__fail(GF_ERR_ARG, "pipeline: no pipeline or no scaler");
    gf_scaler *copy = NULL;
    gf_status s = gf_scaler_new(sc->kind, sc->p, sc->shift, sc->scale, &copy);
    if (s != GF_OK) return s;
    gf_scaler_free(p->scaler);
    p->scaler = copy;
    return GF_OK;
}

gf_status gf__pipeline_distinct_classes(char *const *names, size_t k)
{
    const char *dup;
    gf_status s = gf__find_repeat((const char *const *)names, k, &dup);
    if (s == GF_OK && dup) s = gf__fail(GF_ERR_ARG, "the class name '%s' comes twice", dup);
    return s;
}

gf_status gf_pipeline_set_classes(gf_pipeline *p, const char *const *classes, size_t k)
{
    if (!p || !classes || k < 2)
        return gf__fail(GF_ERR_ARG, "pipeline: classes need at least two names (got %zu)", k);
    char **copy = gf__calloc(k, sizeof *copy, "class names");
    if (!copy) return GF_ERR_NOMEM;
    for (size_t c = 0; c < k; c++) {
        if (!classes[c] || !(copy[c] = gf__strdup(classes[c], "a class name"))) {
            free_strings(copy, k);
            return gf__fail(classes[c] ? GF_ERR_NOMEM : GF_ERR_ARG,
                            "pipeline: class name %zu %s", c,
                            classes[c] ? "could not be copied: out of memory" : "is NULL");
        }
    }
    gf_status s = gf__pipeline_distinct_classes(copy, k);
    if (s != GF_OK) {
        free_strings(copy, k);
        if (s == GF_ERR_ARG) gf__errctx("pipeline");
        return s;
    }
    free_strings(p->classes, p->nclasses);
    p->classes = copy;
    p->nclasses = k;
    return GF_OK;
}

gf_status gf_pipeline_set_coef(gf_pipeline *p, const double *coef, size_t rows, size_t k)
{
    if (!p || !coef || rows == 0 || k < 2 || rows > SIZE_MAX / sizeof(double) / k)
        return gf__fail(GF_ERR_ARG, "pipeline: coefficients need rows >= 1 and k >= 2");
    for (size_t i = 0; i < rows * k; i++)
        if (!isfinite(coef[i]))
            return gf__fail(GF_ERR_NUMERIC, "pipeline: coefficient %zu (row %zu, entry %zu) is %g",
                            i + 1, i / k + 1, i % k + 1, coef[i]);
    double *copy = gf__malloc(rows * k * sizeof *copy, "coefficients");
    if (!copy) return GF_ERR_NOMEM;
    memcpy(copy, coef, rows * k * sizeof *copy);
    free(p->coef);
    p->coef = copy;
    p->coef_rows = rows;
    p->coef_k = k;
    return GF_OK;
}

gf_status gf_pipeline_set_network(gf_pipeline *p, gf_model *m, const gf_arch *arch)
{
    gf_status s = GF_OK;
    gf_layer_spec *layers = NULL;
    if (!p || !m || !arch || arch->n == 0 || !arch->layers) {
        s = gf__fail(GF_ERR_ARG, "pipeline: no pipeline, network or architecture");
    } else if (!gf_model_graph(m) || gf_param_count(gf_model_graph(m)) == 0 ||
               !gf_params(gf_model_graph(m))) {
        s = gf__fail(GF_ERR_STATE, "pipeline: the network is not compiled");
    } else if (arch->loss == GF_LOSS_MSE && arch->layers[arch->n - 1].units != 1) {
        s = gf__fail(GF_ERR_ARG, "pipeline: a regression network must have one output "
                     "(it has %d)", arch->layers[arch->n - 1].units);
    } else if (!(layers = gf__malloc(arch->n * sizeof *layers, "architecture"))) {
        s = GF_ERR_NOMEM;
    }
    if (s != GF_OK) {
        gf_model_free(m);
        return s;
    }
    memcpy(layers, arch->layers, arch->n * sizeof *layers);
    gf_model_free(p->net);
    gf_arch_free(&p->arch);
    p->net = m;
    p->arch = *arch; /* the regularisers too, so the saved spec rebuilds the same graph */
    p->arch.layers = layers;
    return GF_OK;
}

gf_status gf_pipeline_set_setting(gf_pipeline *p, const char *key, double value)
{
    if (!p || !key || !*key) return gf__fail(GF_ERR_ARG, "pipeline: a setting needs a key");
    /* The threshold decides predictions, so it must make both classes possible. */
    if (strcmp(key, "threshold") == 0 && !(value > 0 && value < 1))
        return gf__fail(GF_ERR_ARG, "pipeline: threshold %g is not strictly between 0 and 1",
                        value);
    for (size_t i = 0; i < p->nsettings; i++)
        if (strcmp(p->setting_keys[i], key) == 0) {
            p->setting_values[i] = value;
            return GF_OK;
        }
    char **keys = realloc(p->setting_keys, (p->nsettings + 1) * sizeof *keys);
    if (!keys) return gf__fail(GF_ERR_NOMEM, "pipeline: out of memory for setting '%s'", key);
    p->setting_keys = keys;
    double *values = realloc(p->setting_values, (p->nsettings + 1) * sizeof *values);
    if (!values) return gf__fail(GF_ERR_NOMEM, "pipeline: out of memory for setting '%s'", key);
    p->setting_values = values;
    if (!(keys[p->nsettings] = gf__strdup(key, "a setting's name")))
        return gf__fail(GF_ERR_NOMEM, "pipeline: out of memory for setting '%s'", key);
    values[p->nsettings++] = value;
    return GF_OK;
}

/* ------------------------------------------------------------- getters -- */

gf_kind gf_pipeline_kind(const gf_pipeline *p) { return p ? p->kind : GF_KIND_COUNT; }
const gf_terms *gf_pipeline_terms(const gf_pipeline *p) { return p ? p->terms : NULL; }
size_t gf_pipeline_nfeatures(const gf_pipeline *p) { return p ? p->nfeatures : 0; }
size_t gf_pipeline_nclasses(const gf_pipeline *p) { return p ? p->nclasses : 0; }
const gf_scaler *gf_pipeline_scaler(const gf_pipeline *p) { return p ? p->scaler : NULL; }
gf_model *gf_pipeline_network(gf_pipeline *p) { return p ? p->net : NULL; }
const gf_arch *gf_pipeline_arch(const gf_pipeline *p) { return p && p->net ? &p->arch : NULL; }

const char *gf_pipeline_class(const gf_pipeline *p, size_t c)
{
    return p && c < p->nclasses ? p->classes[c] : NULL;
}

const double *gf_pipeline_coef(const gf_pipeline *p, size_t *rows, size_t *k)
{
    if (rows) *rows = p ? p->coef_rows : 0;
    if (k) *k = p ? p->coef_k : 0;
    return p ? p->coef : NULL;
}

double gf_pipeline_setting(const gf_pipeline *p, const char *key)
{
    for (size_t i = 0; p && key && i < p->nsettings; i++)
        if (strcmp(p->setting_keys[i], key) == 0) return p->setting_values[i];
    return NAN;
}

/* ------------------------------------------------------------ checking -- */

/* A classifier fitted on a formula is named after its response's levels:
 * the class names must be those levels in their order, or labels read from
 * new data by level would be compared with the wrong classes. */
gf_status gf__pipeline_check_response(const gf_pipeline *p)
{
    const char *kind = gf_kind_name(p->kind);
    if (!p->terms || !p->nclasses || !gf_terms_response(p->terms)) return GF_OK;
    gf_var_info r = gf_terms_var(p->terms, 0);
    if (r.type != GF_COL_FACTOR)
        return gf__fail(GF_ERR_STATE, "%s model: it has %zu classes but its response '%s' is "
                        "numeric", kind, p->nclasses, r.name);
    if (r.nlevels != p->nclasses)
        return gf__fail(GF_ERR_SHAPE, "%s model: %zu class names, but the response '%s' has %zu "
                        "levels", kind, p->nclasses, r.name, r.nlevels);
    for (size_t c = 0; c < p->nclasses; c++)
        if (strcmp(p->classes[c], r.levels[c]) != 0)
            return gf__fail(GF_ERR_STATE, "%s model: class %zu is '%s', but level %zu of the "
                            "response '%s' is '%s'", kind, c + 1, p->classes[c], c + 1, r.name,
                            r.levels[c]);
    return GF_OK;
}

/* Whether the parts agree with each other and with the kind: what saving
 * and predicting rely on, and what loading checks a file against. */
gf_status gf__pipeline_check(const gf_pipeline *p)
{
    const char *kind = gf_kind_name(p->kind);
    if (p->nfeatures == 0)
        return gf__fail(GF_ERR_STATE, "%s model: no inputs (set terms or a feature count)", kind);
    gf_status rs = gf__pipeline_check_response(p);
    if (rs != GF_OK) return rs;
    if (p->scaler && p->scaler->p != p->nfeatures)
        return gf__fail(GF_ERR_SHAPE, "%s model: the scaling has %zu columns, the inputs %zu",
                        kind, p->scaler->p, p->nfeatures);
    /* Linear kinds: whether they classify (a perceptron without classes is
     * not a regression) and the coefficient rows they need. */
    size_t want_rows = 1;
    bool classifier = true;
    switch (p->kind) {
    case GF_KIND_OLS: case GF_KIND_RIDGE: case GF_KIND_LASSO: case GF_KIND_ENET:
        classifier = false;
        break;
    case GF_KIND_LOGISTIC:
        break;
    case GF_KIND_SOFTMAX:
        want_rows = p->nclasses;
        break;
    case GF_KIND_PERCEPTRON: case GF_KIND_LINSVM:
        want_rows = p->nclasses > 2 ? p->nclasses : 1;
        break;
    case GF_KIND_NETWORK: {
        if (!p->net) return gf__fail(GF_ERR_STATE, "network model: no network");
        int outputs = p->arch.layers[p->arch.n - 1].units;
        size_t want_classes = 0;
        if (p->arch.loss == GF_LOSS_SOFTMAX_XENT) want_classes = (size_t)outputs;
        else if (p->arch.loss == GF_LOSS_BCE_LOGITS) want_classes = 2;
        if (p->nclasses != want_classes)
            return gf__fail(GF_ERR_SHAPE, "network model: %zu class names for %zu classes",
                            p->nclasses, want_classes);
        if (gf_node_size(gf_model_graph(p->net), gf_model_input(p->net)) != p->nfeatures)
            return gf__fail(GF_ERR_SHAPE, "network model: the network takes %zu inputs, the "
                            "data give %zu", gf_node_size(gf_model_graph(p->net),
                                                          gf_model_input(p->net)), p->nfeatures);
        return GF_OK;
    }
    case GF_KIND_COUNT:
        return gf__fail(GF_ERR_ARG, "pipeline: unknown kind");
    }
    if (classifier && (p->nclasses < 2 || (p->kind == GF_KIND_LOGISTIC && p->nclasses != 2)))
        return gf__fail(GF_ERR_STATE, "%s model: %zu class names (needs %s)", kind, p->nclasses,
                        p->kind == GF_KIND_LOGISTIC ? "2" : "at least 2");
    if (!classifier && p->nclasses)
        return gf__fail(GF_ERR_STATE, "%s model: a regression model has no classes", kind);
    if (!p->coef) return gf__fail(GF_ERR_STATE, "%s model: no coefficients", kind);
    if (p->coef_rows != want_rows || p->coef_k != p->nfeatures + 1)
        return gf__fail(GF_ERR_SHAPE, "%s model: coefficients are %zu x %zu, expected %zu x %zu",
                        kind, p->coef_rows, p->coef_k, want_rows, p->nfeatures + 1);
    return GF_OK;
}

/* ---------------------------------------------------------- predicting -- */

void gf_prediction_free(gf_prediction *pr)
{
    if (!pr) return;
    free(pr->value);
    free(pr->score);
    free(pr->label);
    free(pr->row);
    free(pr);
}

static gf_prediction *prediction_new(size_t n, size_t classes)
{
    size_t m = n ? n : 1;
    if (classes > SIZE_MAX / sizeof(double) / m) {
        gf__fail(GF_ERR_SHAPE, "prediction: %zu x %zu scores are too many", n, classes);
        return NULL;
    }
    gf_prediction *pr = gf__calloc(1, sizeof *pr, "prediction");
    if (!pr) return NULL;
    pr->n = n;
    pr->k = classes;
    int ok = (pr->row = gf__calloc(m, sizeof *pr->row, "prediction rows")) != NULL;
    if (ok && classes == 0)
        ok = (pr->value = gf__calloc(m, sizeof *pr->value, "predictions")) != NULL;
    if (ok && classes)
        ok = (pr->label = gf__calloc(m, sizeof *pr->label, "predicted classes")) != NULL &&
             (pr->score = gf__calloc(m * classes, sizeof *pr->score, "class scores")) != NULL;
    if (!ok) {
        gf_prediction_free(pr);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) pr->row[i] = i;
    return pr;
}

/* Row-wise linear scores: score[i * rows + r] = coef_r . (1, x_i). */
static void linear_scores(const gf_pipeline *p, const double *x, size_t n, double *score)
{
    size_t rows = p->coef_rows, k = p->coef_k;
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < rows; r++) {
            const double *c = p->coef + r * k;
            double s = c[0];
            for (size_t j = 1; j < k; j++) s += c[j] * x[i * (k - 1) + j - 1];
            score[i * rows + r] = s;
        }
}

/* A softmax network's probabilities from its logits, in place (stable form). */
static void softmax_rows(double *score, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        double *s = score + i * k, mx = s[0], sum = 0;
        for (size_t c = 1; c < k; c++) mx = fmax(mx, s[c]);
        for (size_t c = 0; c < k; c++) sum += (s[c] = exp(s[c] - mx));
        for (size_t c = 0; c < k; c++) s[c] /= sum;
    }
}

/* Binary scores from one linear predictor per row, into two columns. */
static void binary_columns(double *score, size_t n, int as_probability)
{
    for (size_t i = n; i-- > 0;) {
        double z = score[i];
        score[2 * i] = as_probability ? 1 - gf__sigmoid(z) : -z;
        score[2 * i + 1] = as_probability ? gf__sigmoid(z) : z;
    }
}

static gf_status predict_network(gf_pipeline *p, const double *x, size_t n, gf_prediction *pr)
{
    size_t in = p->nfeatures, outs = (size_t)p->arch.layers[p->arch.n - 1].units;
    if (n == 0) return GF_OK;
    float *xf = gf__malloc(n * in * sizeof *xf, "network inputs");
    float *yf = xf ? gf__malloc(n * outs * sizeof *yf, "network outputs") : NULL;
    if (!yf) {
        free(xf);
        return GF_ERR_NOMEM;
    }
    for (size_t i = 0; i < n * in; i++) xf[i] = (float)x[i];
    gf_status s = gf_model_predict(p->net, xf, n, yf);
    if (s == GF_OK) {
        if (p->arch.loss == GF_LOSS_MSE) {
            for (size_t i = 0; i < n; i++) pr->value[i] = yf[i];
        } else if (p->arch.loss == GF_LOSS_BCE_LOGITS) {
            for (size_t i = 0; i < n; i++) pr->score[i] = yf[i];
            binary_columns(pr->score, n, 1);
        } else {
            for (size_t i = 0; i < n * outs; i++) pr->score[i] = yf[i];
            softmax_rows(pr->score, n, outs);
        }
    }
    free(xf);
    free(yf);
    return s;
}

gf_status gf_pipeline_predict_x(gf_pipeline *p, const double *x, size_t n, size_t ncols,
                                gf_prediction **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "predict: out is NULL");
    *out = NULL;
    if (!p || (!x && n)) return gf__fail(GF_ERR_ARG, "predict: no model or no data");
    gf_status s = gf__pipeline_check(p);
    if (s != GF_OK) return s;
    if (ncols != p->nfeatures)
        return gf__fail(GF_ERR_SHAPE, "predict: the data have %zu columns, the %s model takes %zu",
                        ncols, gf_kind_name(p->kind), p->nfeatures);
    if (n > SIZE_MAX / sizeof(double) / ncols)
        return gf__fail(GF_ERR_SHAPE, "predict: %zu rows of %zu columns are too many", n, ncols);
    for (size_t i = 0; i < n * ncols; i++)
        if (!isfinite(x[i]))
            return gf__fail(GF_ERR_NUMERIC, "predict: row %zu, column %zu is %g", i / ncols + 1,
                            i % ncols + 1, x[i]);

    int classifies = gf__pipeline_classifies(p);
    gf_prediction *pr = prediction_new(n, classifies ? p->nclasses : 0);
    double *xs = pr ? gf__malloc((n ? n : 1) * ncols * sizeof *xs, "scaled inputs") : NULL;
    if (!xs) {
        gf_prediction_free(pr);
        return GF_ERR_NOMEM;
    }
    if (n) memcpy(xs, x, n * ncols * sizeof *xs);
    if (p->scaler && n) s = gf_scaler_apply(p->scaler, xs, n, ncols);

    if (s == GF_OK) switch (p->kind) {
    case GF_KIND_OLS: case GF_KIND_RIDGE: case GF_KIND_LASSO: case GF_KIND_ENET:
        linear_scores(p, xs, n, pr->value);
        break;
    case GF_KIND_LOGISTIC: {
        double threshold = gf_pipeline_setting(p, "threshold");
        if (isnan(threshold)) threshold = 0.5;
        linear_scores(p, xs, n, pr->score);
        binary_columns(pr->score, n, 1);
        for (size_t i = 0; i < n; i++) pr->label[i] = pr->score[2 * i + 1] >= threshold;
        break;
    }
    case GF_KIND_SOFTMAX: {
        gf_mlogit m = { .classes = p->nclasses, .k = p->coef_k, .coef = p->coef };
        s = gf_mlogit_predict_proba(&m, xs, n, pr->score);
        if (s == GF_OK) s = gf_argmax(pr->score, n, pr->k, pr->label);
        break;
    }
    case GF_KIND_PERCEPTRON: case GF_KIND_LINSVM:
        linear_scores(p, xs, n, pr->score);
        if (p->coef_rows == 1) {
            /* Class 1 when f(x) >= 0, as the binary fit decides. */
            binary_columns(pr->score, n, 0);
            for (size_t i = 0; i < n; i++) pr->label[i] = pr->score[2 * i + 1] >= 0;
        } else {
            s = gf_argmax(pr->score, n, pr->k, pr->label);
        }
        break;
    case GF_KIND_NETWORK:
        s = predict_network(p, xs, n, pr);
        if (s == GF_OK && classifies) s = gf_argmax(pr->score, n, pr->k, pr->label);
        break;
    case GF_KIND_COUNT:
        break;
    }
    free(xs);
    if (s != GF_OK) {
        gf_prediction_free(pr);
        return s;
    }
    *out = pr;
    return GF_OK;
}

/* Where the formula's '~' is: the first outside backquoted names (in which
 * a backslash escapes the next character), or NULL. */
static const char *formula_tilde(const char *f)
{
    for (int quoted = 0; *f; f++) {
        if (quoted && *f == '\\' && f[1]) f++;
        else if (*f == '`') quoted = !quoted;
        else if (!quoted && *f == '~') return f;
    }
    return NULL;
}

/* The terms without their response ("~ x1 + x2" for "y ~ x1 + x2"), so that
 * predicting never reads it: new data need not have it, and whatever is
 * there (a level never seen, a missing value, log(0)) is none of the
 * predictions' business.  *out is NULL when t has no response. */
static gf_status predictor_terms(const gf_terms *t, gf_terms **out)
{
    *out = NULL;
    if (!gf_terms_response(t)) return GF_OK;
    const char *tilde = formula_tilde(gf_terms_formula(t));
    size_t nv = gf_terms_nvars(t);
    gf_var_info *vars = tilde ? gf__calloc(nv, sizeof *vars, "predictor variables") : NULL;
    if (!vars) return tilde ? GF_ERR_NOMEM : gf__fail(GF_ERR_STATE, "predict: no '~' in '%s'",
                                                      gf_terms_formula(t));
    for (size_t i = 0; i < nv; i++) vars[i] = gf_terms_var(t, i);
    gf_status s = gf_terms_from_vars(tilde, vars, nv, out);
    free(vars);
    if (s != GF_OK) return s;
    /* The design must be the one the model was fitted on, column by column. */
    int same = gf_terms_ncols(*out) == gf_terms_ncols(t) && !gf_terms_response(*out);
    for (size_t j = 0; same && j < gf_terms_ncols(t); j++)
        same = strcmp(gf_terms_colname(*out, j), gf_terms_colname(t, j)) == 0;
    if (!same) {
        gf_terms_free(*out);
        *out = NULL;
        return gf__fail(GF_ERR_STATE, "predict: '%s' without its response makes other columns",
                        gf_terms_formula(t));
    }
    return GF_OK;
}

gf_status gf_pipeline_predict(gf_pipeline *p, const gf_frame *data, int na_omit,
                              gf_prediction **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "predict: out is NULL");
    *out = NULL;
    if (!p || !data) return gf__fail(GF_ERR_ARG, "predict: no model or no data");
    if (!p->terms)
        return gf__fail(GF_ERR_STATE, "predict: this %s model was trained without a formula; "
                        "give it feature columns (gf_pipeline_predict_x)", gf_kind_name(p->kind));
    gf_design_opts o = GF_DESIGN_OPTS_DEFAULT;
    o.na_omit = na_omit;
    o.need_response = 0;
    gf_design *d = NULL;
    gf_terms *rhs = NULL;
    gf_status s = predictor_terms(p->terms, &rhs);
    if (s == GF_OK) s = gf_design_new(rhs ? rhs : p->terms, data, &o, &d);
    gf_terms_free(rhs);
    if (s != GF_OK) return s;
    s = gf_pipeline_predict_x(p, d->x, d->n, d->p, out);
    if (s == GF_OK)
        for (size_t i = 0; i < d->n; i++) (*out)->row[i] = d->row[i];
    gf_design_free(d);
    return s;
}
