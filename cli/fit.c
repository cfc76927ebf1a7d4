/* grafo fit KIND: fit a linear model on a table, print it as R would, and
 * save it as a model file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "report.h"

typedef struct fit_opts {
    gf_kind kind;
    data_opts data;
    double lambda, alpha, level, threshold, lr;
    long cv, epochs, max_iter, threads;
    bool use_1se;
    uint64_t seed;
    gf_scaling scale;
    const char *save;
    bool json;
    const char *given[ARG_CODES]; /* each option's value as given, "" for a flag */
} fit_opts;

static void fit_usage(FILE *f)
{
    fprintf(f,
            "usage: grafo fit KIND [options]\n"
            "Fit a linear model and print it; --save keeps it for 'grafo predict'.\n"
            "KIND: ols, ridge, lasso, enet (regression); logistic, softmax, perceptron,\n"
            "      linsvm (classes; perceptron and linsvm fit one-vs-rest beyond two)\n"
            "\n" DATA_HELP
            "model options:\n"
            "  --lambda X        penalty of ridge, lasso, enet (glmnet's scale), softmax (L2)\n"
            "                    and linsvm [ridge/lasso/enet: required unless --cv;\n"
            "                    softmax 0; linsvm 1e-4]\n"
            "  --alpha A         enet's mix: 1 is the lasso, 0 ridge [0.5]\n"
            "  --cv K            choose lambda by K-fold cross-validation (as cv.glmnet)\n"
            "  --choose min|1se  the lambda --cv keeps: least error, or the largest within\n"
            "                    one standard error of it [1se, as glmnet's coef()]\n"
            "  --level L         confidence level of ols and logistic intervals [0.95]\n"
            "  --threshold T     logistic: predict the second class when P >= T [0.5]\n"
            "  --lr X            perceptron learning rate [1]\n"
            "  --epochs N        perceptron and linsvm passes [1000, 100]\n"
            "  --max-iter N      softmax L-BFGS iterations [1000]\n"
            "  --scale KIND      none, standard or minmax, fitted on these data [none]\n"
            "  --seed N          folds, row order [1]\n"
            "common:\n"
            "  --save FILE       write the model (safetensors) for grafo predict / eval\n"
            "  --json            print the result as JSON\n"
            "  --threads N       threads; 0 = one per core [0]\n"
            "  --help            this text\n");
}

enum { OPT_LAMBDA = 1, OPT_ALPHA, OPT_CV, OPT_CHOOSE, OPT_LEVEL, OPT_THRESHOLD, OPT_LR,
       OPT_EPOCHS, OPT_MAXITER, OPT_SCALE, OPT_SEED, OPT_SAVE, OPT_JSON, OPT_THREADS, OPT_HELP };

/* The model options and the kinds that use them: any other kind would
 * ignore the value, so giving it is a mistake worth a message. */
static const struct {
    int code;
    unsigned kinds; /* bits 1 << gf_kind */
    const char *which;
} applies[] = {
    { OPT_LAMBDA, 1u << GF_KIND_RIDGE | 1u << GF_KIND_LASSO | 1u << GF_KIND_ENET |
                  1u << GF_KIND_SOFTMAX | 1u << GF_KIND_LINSVM,
      "ridge, lasso, enet, softmax and linsvm" },
    { OPT_ALPHA, 1u << GF_KIND_ENET, "enet" },
    { OPT_CHOOSE, 1u << GF_KIND_RIDGE | 1u << GF_KIND_LASSO | 1u << GF_KIND_ENET,
      "ridge, lasso and enet with --cv" },
    { OPT_LEVEL, 1u << GF_KIND_OLS | 1u << GF_KIND_LOGISTIC, "ols and logistic" },
    { OPT_THRESHOLD, 1u << GF_KIND_LOGISTIC, "logistic" },
    { OPT_LR, 1u << GF_KIND_PERCEPTRON, "perceptron" },
    { OPT_EPOCHS, 1u << GF_KIND_PERCEPTRON | 1u << GF_KIND_LINSVM, "perceptron and linsvm" },
    { OPT_MAXITER, 1u << GF_KIND_SOFTMAX, "softmax" },
};

static bool options_apply(const fit_opts *o, const struct option *longs)
{
    for (size_t i = 0; i < sizeof applies / sizeof applies[0]; i++)
        if (o->given[applies[i].code] && !(applies[i].kinds & 1u << o->kind)) {
            fprintf(stderr, "grafo fit %s: %s does not apply to %s (it is for %s)\n",
                    gf_kind_name(o->kind), arg_name(longs, applies[i].code),
                    gf_kind_name(o->kind), applies[i].which);
            return false;
        }
    if (o->given[OPT_CHOOSE] && !o->cv) {
        fprintf(stderr, "grafo fit %s: --choose picks the lambda of --cv; without --cv there "
                "is one lambda\n", gf_kind_name(o->kind));
        return false;
    }
    return true;
}

static int parse(int argc, char **argv, fit_opts *o)
{
    static const struct option longs[] = {
        DATA_LONG_OPTIONS,
        {"lambda", required_argument, NULL, OPT_LAMBDA},
        {"alpha", required_argument, NULL, OPT_ALPHA},
        {"cv", required_argument, NULL, OPT_CV},
        {"choose", required_argument, NULL, OPT_CHOOSE},
        {"level", required_argument, NULL, OPT_LEVEL},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"lr", required_argument, NULL, OPT_LR},
        {"epochs", required_argument, NULL, OPT_EPOCHS},
        {"max-iter", required_argument, NULL, OPT_MAXITER},
        {"scale", required_argument, NULL, OPT_SCALE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"save", required_argument, NULL, OPT_SAVE},
        {"json", no_argument, NULL, OPT_JSON},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "fit";
    bool bad = false;
    int c;
    arg_start();
    while (!bad && (c = arg_next(cmd, argc, argv, longs, OPT_HELP, DATA_OPT_FACTOR, o->given)) != -1) {
        const char *a = optarg;
        if (c == 0) {
            bad = true;
            break;
        }
        if (data_option(cmd, c, a, &o->data, &bad)) continue;
        switch (c) {
        case OPT_LAMBDA: bad = !arg_float(cmd, "--lambda", a, 0, 1e100, &o->lambda); break;
        case OPT_ALPHA: bad = !arg_float(cmd, "--alpha", a, 0, 1, &o->alpha); break;
        case OPT_CV: bad = !arg_int(cmd, "--cv", a, 3, 1000, &o->cv); break;
        case OPT_CHOOSE:
            if (strcmp(a, "min") == 0 || strcmp(a, "1se") == 0) o->use_1se = a[0] == '1';
            else {
                fprintf(stderr, "grafo fit: --choose: '%s' is not 'min' or '1se'\n", a);
                bad = true;
            }
            break;
        case OPT_LEVEL: bad = !arg_float(cmd, "--level", a, 1e-6, 1 - 1e-12, &o->level); break;
        case OPT_THRESHOLD:
            bad = !arg_float(cmd, "--threshold", a, 0, 1, &o->threshold);
            if (!bad && (o->threshold <= 0 || o->threshold >= 1)) {
                fprintf(stderr, "grafo fit: --threshold: %g must be strictly between 0 and 1, "
                        "or one class is never predicted\n", o->threshold);
                bad = true;
            }
            break;
        case OPT_LR: bad = !arg_float(cmd, "--lr", a, 1e-12, 1e6, &o->lr); break;
        case OPT_EPOCHS: bad = !arg_int(cmd, "--epochs", a, 1, 10000000, &o->epochs); break;
        case OPT_MAXITER: bad = !arg_int(cmd, "--max-iter", a, 1, 10000000, &o->max_iter); break;
        case OPT_SCALE:
            if (gf_scaling_parse(a, &o->scale) != GF_OK) {
                fprintf(stderr, "grafo fit: --scale: %s\n", gf_errmsg());
                bad = true;
            }
            break;
        case OPT_SEED: bad = !arg_u64(cmd, "--seed", a, &o->seed); break;
        case OPT_SAVE: o->save = a; break;
        case OPT_JSON: o->json = true; break;
        case OPT_THREADS: bad = !arg_int(cmd, "--threads", a, 0, 1024, &o->threads); break;
        case OPT_HELP: fit_usage(stdout); return EXIT_OK;
        default:
            fprintf(stderr, "grafo fit: unknown option '%s'\n", argv[optind - 1]);
            bad = true;
        }
    }
    if (!bad && optind < argc) {
        fprintf(stderr, "grafo fit: unexpected argument '%s'\n", argv[optind]);
        bad = true;
    }
    bool penalised = o->kind == GF_KIND_RIDGE || o->kind == GF_KIND_LASSO || o->kind == GF_KIND_ENET;
    if (!bad && penalised && isnan(o->lambda) == (o->cv == 0)) {
        fprintf(stderr, "grafo fit %s: give exactly one of --lambda X and --cv K\n",
                gf_kind_name(o->kind));
        bad = true;
    }
    if (!bad && !penalised && o->cv) {
        fprintf(stderr, "grafo fit %s: --cv chooses the penalty of ridge, lasso or enet\n",
                gf_kind_name(o->kind));
        bad = true;
    }
    if (!bad) bad = !options_apply(o, longs);
    return bad ? EXIT_USAGE : -1;
}

/* The fitted model: what gets printed and saved. */
typedef struct fitted {
    double *coef;         /* rows x k */
    size_t rows, k;
    char **names;         /* k names: (Intercept) first */
    char *warning;        /* the fit's warning, copied */
    bool nomem;           /* keep_fit ran out of memory */
    json_t *json;         /* the result, for --json */
} fitted;

static void free_names(char **names, size_t k)
{
    for (size_t j = 0; names && j < k; j++) free(names[j]);
    free(names);
}

static char **coef_names(const table *t)
{
    char **names = calloc(t->p + 1, sizeof *names);
    if (!names) return NULL;
    names[0] = strdup("(Intercept)");
    for (size_t j = 0; names[j] && j < t->p; j++) names[j + 1] = strdup(t->names[j]);
    if (names[t->p]) return names;
    free_names(names, t->p + 1);
    return NULL;
}

/* Copy the fit's coefficients (rows x k) and its warning out of the model
 * about to be freed.  Out of memory sets f->nomem: the library has no
 * message for the command's own allocations. */
static gf_status keep_fit(fitted *f, const double *coef, size_t rows, size_t k,
                          const char *warning)
{
    f->coef = malloc(rows * k * sizeof *f->coef);
    f->warning = warning ? strdup(warning) : NULL;
    if (!f->coef || (warning && !f->warning)) {
        f->nomem = true;
        return GF_ERR_NOMEM;
    }
    memcpy(f->coef, coef, rows * k * sizeof *f->coef);
    f->rows = rows;
    f->k = k;
    return GF_OK;
}

/* "lm(formula = y ~ x, data = file.csv)", as R's Call: line reads. */
static void call_text(char *buf, size_t size, const char *fn, const table *t, const char *extra)
{
    if (t->terms)
        snprintf(buf, size, "%s(formula = %s, %sdata = %s)", fn, gf_terms_formula(t->terms),
                 extra, t->source);
    else
        snprintf(buf, size, "%s(%sdata = %s)", fn, extra, t->source);
}

static gf_status fit_ols(const fit_opts *o, const table *t, const gf_xy *d, fitted *f)
{
    gf_ols_opts oo = GF_OLS_OPTS_DEFAULT;
    oo.intercept = t->intercept;
    if (!isnan(o->level)) oo.level = o->level;
    gf_ols *m = NULL;
    gf_status s = gf_ols_fit(d, &oo, &m);
    double *res = s == GF_OK ? malloc(t->n * sizeof *res) : NULL;
    if (s == GF_OK && !res) s = GF_ERR_NOMEM, f->nomem = true;
    if (s == GF_OK) s = gf_linear_predict(m->coef, t->p, t->x, t->n, res);
    if (s == GF_OK) {
        for (size_t i = 0; i < t->n; i++) res[i] = t->y[i] - res[i];
        char call[2048];
        call_text(call, sizeof call, "lm", t, "");
        if (o->json) f->json = json_ols(m, call, res, t->n);
        else report_ols(stdout, m, call, res, t->n);
        s = keep_fit(f, m->coef, 1, m->k, m->warning);
    }
    free(res);
    gf_ols_free(m);
    return s;
}

static gf_status fit_logistic(const fit_opts *o, const table *t, const gf_xy *d, fitted *f)
{
    gf_logit_opts lo = GF_LOGIT_OPTS_DEFAULT;
    lo.intercept = t->intercept;
    if (!isnan(o->level)) lo.level = o->level;
    gf_logit *m = NULL;
    gf_status s = gf_logit_fit(d, &lo, &m);
    double *p = s == GF_OK ? malloc(t->n * sizeof *p) : NULL;
    if (s == GF_OK && !p) s = GF_ERR_NOMEM, f->nomem = true;
    if (s == GF_OK) s = gf_logit_predict_proba(m, t->x, t->n, p);
    if (s == GF_OK) {
        /* Deviance residuals: sign(y - p) sqrt(-2 log-likelihood of the row). */
        for (size_t i = 0; i < t->n; i++) {
            double yi = t->label[i], li = yi ? log(p[i]) : log1p(-p[i]);
            p[i] = (yi > p[i] ? 1 : -1) * sqrt(-2 * li);
        }
        char call[2048];
        call_text(call, sizeof call, "glm", t, "family = binomial, ");
        if (o->json) f->json = json_logit(m, call, p, t->n);
        else report_logit(stdout, m, call, p, t->n);
        s = keep_fit(f, m->coef, 1, m->k, m->warning);
    }
    free(p);
    gf_logit_free(m);
    return s;
}

/* Ridge, lasso and elastic net, at one λ or chosen by cross-validation. */
static gf_status fit_penalised(const fit_opts *o, const table *t, const gf_xy *d, fitted *f,
                               gf_pipeline *pipe)
{
    gf_enet_opts eo = GF_ENET_OPTS_DEFAULT;
    eo.intercept = t->intercept;
    eo.alpha = o->kind == GF_KIND_RIDGE ? 0 : o->kind == GF_KIND_LASSO ? 1
             : isnan(o->alpha) ? 0.5 : o->alpha;
    gf_status s;
    const double *coef;
    const char *warning;
    double lambda;
    gf_path *path = NULL;
    gf_cv *cv = NULL;
    if (o->cv) {
        gf_cv_opts co = GF_CV_OPTS_DEFAULT;
        co.nfolds = (int)o->cv;
        co.seed = o->seed;
        s = gf_enet_cv(d, &eo, &co, &cv);
        if (s != GF_OK) return s;
        size_t l = o->use_1se ? cv->index_1se : cv->index_min;
        lambda = cv->path->lambda[l];
        coef = cv->path->coef + l * cv->path->k;
        if (o->json) f->json = json_cv(cv, o->use_1se);
        else report_cv(stdout, cv, o->use_1se);
        warning = cv->path->warning;
        s = gf_pipeline_set_setting(pipe, "lambda_min", cv->lambda_min);
        if (s == GF_OK) s = gf_pipeline_set_setting(pipe, "lambda_1se", cv->lambda_1se);
        if (s == GF_OK) s = gf_pipeline_set_setting(pipe, "folds", (double)o->cv);
    } else {
        lambda = o->lambda;
        eo.lambda = &lambda;
        eo.nlambda = 1;
        s = o->kind == GF_KIND_RIDGE ? gf_ridge_path(d, &lambda, 1, 1, t->intercept, &path)
                                     : gf_enet_path(d, &eo, &path);
        if (s != GF_OK) return s;
        coef = path->coef;
        char title[128];
        snprintf(title, sizeof title, "%s, lambda = %g%s", gf_kind_name(o->kind), lambda,
                 o->kind == GF_KIND_ENET ? "" : "");
        if (o->json) f->json = json_coef(title, path->names, coef, path->k);
        else report_coef(stdout, title, path->names, coef, path->k);
        warning = path->warning;
    }
    if (s == GF_OK) s = gf_pipeline_set_setting(pipe, "lambda", lambda);
    if (s == GF_OK) s = gf_pipeline_set_setting(pipe, "alpha", eo.alpha);
    if (s == GF_OK) s = keep_fit(f, coef, 1, t->p + 1, warning);
    gf_path_free(path);
    gf_cv_free(cv);
    return s;
}

static gf_status fit_softmax(const fit_opts *o, const table *t, const gf_xy *d, fitted *f,
                             gf_pipeline *pipe)
{
    gf_mlogit_opts mo = GF_MLOGIT_OPTS_DEFAULT;
    mo.intercept = t->intercept;
    if (!isnan(o->lambda)) mo.lambda = o->lambda;
    if (o->max_iter) mo.max_iter = (int)o->max_iter;
    gf_mlogit *m = NULL;
    gf_status s = gf_mlogit_fit(d, &mo, &m);
    if (s == GF_OK) s = gf_pipeline_set_setting(pipe, "lambda", mo.lambda);
    if (s != GF_OK) {
        gf_mlogit_free(m);
        return s;
    }
    if (o->json) f->json = json_softmax(m, t->classes, f->names);
    else report_softmax(stdout, m, t->classes, f->names);
    s = keep_fit(f, m->coef, m->classes, m->k, m->warning);
    gf_mlogit_free(m);
    return s;
}

/* The perceptron and the linear SVM: one model for two classes, one per
 * class against the rest beyond. */
static gf_status fit_linclf(const fit_opts *o, const table *t, const gf_xy *d, fitted *f,
                            gf_pipeline *pipe)
{
    gf_perceptron_opts po = GF_PERCEPTRON_OPTS_DEFAULT;
    gf_linsvm_opts so = GF_LINSVM_OPTS_DEFAULT;
    po.seed = so.seed = o->seed;
    if (!isnan(o->lr)) po.lr = o->lr;
    if (o->epochs) po.max_epochs = so.epochs = (int)o->epochs;
    if (!isnan(o->lambda)) so.lambda = o->lambda;
    bool perceptron = o->kind == GF_KIND_PERCEPTRON;
    gf_status s = perceptron ? gf_pipeline_set_setting(pipe, "lr", po.lr)
                             : gf_pipeline_set_setting(pipe, "lambda", so.lambda);
    if (s != GF_OK) return s;
    if (t->nclasses == 2) {
        gf_linclf *m = NULL;
        s = perceptron ? gf_perceptron_fit(d, &po, &m) : gf_linsvm_fit(d, &so, &m);
        if (s == GF_OK) s = keep_fit(f, m->coef, 1, m->k, m->warning);
        gf_linclf_free(m);
    } else {
        gf_binary_model bm = perceptron ? gf_binary_perceptron(&po) : gf_binary_linsvm(&so);
        gf_ovr *m = NULL;
        s = gf_ovr_fit(d, &bm, &m);
        double *coef = s == GF_OK ? calloc(t->nclasses * (t->p + 1), sizeof *coef) : NULL;
        if (s == GF_OK && !coef) s = GF_ERR_NOMEM, f->nomem = true;
        for (size_t c = 0; s == GF_OK && c < t->nclasses; c++) {
            size_t k = 0;
            const double *cc = gf_ovr_coef(m, c, &k);
            if (!cc) s = GF_ERR_STATE;
            else memcpy(coef + c * (t->p + 1), cc, k * sizeof *coef);
        }
        if (s == GF_OK) s = keep_fit(f, coef, t->nclasses, t->p + 1, gf_ovr_warning(m));
        free(coef);
        gf_ovr_free(m);
    }
    if (s != GF_OK) return s;
    for (size_t r = 0; r < f->rows; r++) {
        char title[256];
        if (f->rows == 1)
            snprintf(title, sizeof title, "%s: class %s when the score is >= 0, %s below",
                     gf_kind_name(o->kind), t->classes[1], t->classes[0]);
        else
            snprintf(title, sizeof title, "%s, one-vs-rest: class %s", gf_kind_name(o->kind),
                     t->classes[r]);
        if (o->json) {
            if (!f->json) f->json = json_array();
            json_array_append_new(f->json, json_coef(title, f->names, f->coef + r * f->k, f->k));
        } else {
            report_coef(stdout, title, f->names, f->coef + r * f->k, f->k);
        }
    }
    return GF_OK;
}

/* Training-set figures, to stderr (the model went to stdout). */
static void training_summary(const fit_opts *o, gf_pipeline *p, const table *t,
                             const double *raw_x)
{
    gf_prediction *pr = NULL;
    if (gf_pipeline_predict_x(p, raw_x, t->n, t->p, &pr) != GF_OK) return;
    if (t->label) {
        double acc = NAN;
        gf_metric_accuracy(t->label, pr->label, t->n, &acc);
        fprintf(stderr, "grafo fit %s: %zu rows, training accuracy %.4f\n", gf_kind_name(o->kind),
                t->n, acc);
    } else {
        double rmse = NAN, r2 = NAN;
        gf_metric_rmse(t->y, pr->value, t->n, &rmse);
        gf_metric_r2(t->y, pr->value, t->n, &r2);
        fprintf(stderr, "grafo fit %s: %zu rows, training RMSE %.6g, R-squared %.6g\n",
                gf_kind_name(o->kind), t->n, rmse, r2);
    }
    gf_prediction_free(pr);
}

int cmd_fit(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fit_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    fit_opts o = { .lambda = NAN, .alpha = NAN, .level = NAN, .threshold = NAN, .lr = NAN,
                   .use_1se = true, .seed = 1, .scale = GF_SCALE_NONE };
    o.data.levels = GF_LEVELS_SORTED;
    if (gf_kind_parse(argv[1], &o.kind) != GF_OK || o.kind == GF_KIND_NETWORK) {
        fprintf(stderr, "grafo fit: unknown model '%s' (choose ols, ridge, lasso, enet, logistic, "
                "softmax, perceptron or linsvm; networks are 'grafo train')\n", argv[1]);
        return EXIT_USAGE;
    }
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc >= 0) return rc;
    /* Before the fit, so a model is never fitted only to be lost. */
    char save_to[4096];
    if (o.save &&
        ((rc = output_check("fit", "--save", o.save, false, save_to, sizeof save_to)) != EXIT_OK ||
         (rc = output_not_input("fit", "--save", o.save, &o.data, NULL)) != EXIT_OK))
        return rc;
    gf_set_threads((int)o.threads);

    bool classes = gf_kind_is_classifier(o.kind);
    table t;
    rc = table_load("fit", &o.data, classes, &t);
    if (rc == EXIT_OK && classes && t.nclasses < 2) {
        fprintf(stderr, "grafo fit %s: %s: the response%s%s%s has %zu class%s%s%s; a classifier "
                "needs two or more\n", gf_kind_name(o.kind), t.source, t.terms ? " '" : "",
                t.terms ? gf_terms_response(t.terms) : "", t.terms ? "'" : "", t.nclasses,
                t.nclasses == 1 ? " (" : "es", t.nclasses == 1 ? t.classes[0] : "",
                t.nclasses == 1 ? ")" : "");
        rc = EXIT_DATA;
    }
    if (rc == EXIT_OK && (size_t)o.cv > t.n) {
        fprintf(stderr, "grafo fit %s: --cv %ld: %s has %zu rows%s, fewer than the folds\n",
                gf_kind_name(o.kind), o.cv, t.source, t.n,
                t.omitted ? " once those with missing values are dropped" : "");
        rc = EXIT_USAGE;
    }
    if (rc == EXIT_OK && o.kind == GF_KIND_LOGISTIC && t.nclasses > 2) {
        fprintf(stderr, "grafo fit logistic: the response has %zu classes; logistic regression "
                "takes two (use softmax, or one-vs-rest with perceptron or linsvm)\n",
                t.nclasses);
        rc = EXIT_DATA;
    }
    gf_scaler *scaler = NULL;
    gf_pipeline *pipe = NULL;
    fitted f = { 0 };
    gf_status s = GF_OK;
    double *raw_x = NULL; /* the unscaled columns, which the pipeline takes */
    if (rc == EXIT_OK && o.scale != GF_SCALE_NONE) {
        s = gf_scaler_fit(o.scale, t.x, t.n, t.p, &scaler);
        if (s == GF_OK && !(raw_x = malloc(t.n * t.p * sizeof *raw_x))) {
            fprintf(stderr, "grafo fit: out of memory copying the data\n");
            rc = EXIT_FIT;
        } else if (s == GF_OK) {
            memcpy(raw_x, t.x, t.n * t.p * sizeof *raw_x);
            s = gf_scaler_apply(scaler, t.x, t.n, t.p);
        }
        if (s != GF_OK) rc = fail("fit", s == GF_ERR_NOMEM ? EXIT_FIT : EXIT_DATA);
    }
    if (rc == EXIT_OK) {
        pipe = gf_pipeline_new(o.kind);
        f.names = coef_names(&t);
        if (!pipe) {
            rc = fail("fit", EXIT_FIT);
        } else if (!f.names) {
            fprintf(stderr, "grafo fit: out of memory naming the coefficients\n");
            rc = EXIT_FIT;
        }
    }
    if (rc == EXIT_OK) {
        gf_xy d = { .x = t.x, .n = t.n, .p = t.p, .y = t.y, .label = t.label,
                    .names = (const char *const *)t.names };
        switch (o.kind) {
        case GF_KIND_OLS: s = fit_ols(&o, &t, &d, &f); break;
        case GF_KIND_RIDGE: case GF_KIND_LASSO: case GF_KIND_ENET:
            s = fit_penalised(&o, &t, &d, &f, pipe);
            break;
        case GF_KIND_LOGISTIC: s = fit_logistic(&o, &t, &d, &f); break;
        case GF_KIND_SOFTMAX: s = fit_softmax(&o, &t, &d, &f, pipe); break;
        default: s = fit_linclf(&o, &t, &d, &f, pipe); break;
        }
        if (s != GF_OK) {
            /* The solver's message says what; the data are where. */
            fprintf(stderr, "grafo fit %s: %s: %s\n", gf_kind_name(o.kind), t.source,
                    f.nomem ? "out of memory" : gf_errmsg());
            rc = s == GF_ERR_NOMEM || s == GF_ERR_FIT || s == GF_ERR_NUMERIC ? EXIT_FIT : EXIT_DATA;
        }
    }
    if (rc == EXIT_OK && f.json) print_json(f.json), f.json = NULL;
    fflush(stdout); /* the report first, then what goes to stderr */
    if (rc == EXIT_OK && f.warning) fprintf(stderr, "grafo fit: warning: %s\n", f.warning);

    /* The pipeline: terms (or a feature count), scaling, classes, coefficients. */
    if (rc == EXIT_OK) {
        s = t.terms ? gf_pipeline_set_terms(pipe, t.terms) : gf_pipeline_set_inputs(pipe, t.p);
        if (s == GF_OK && scaler) s = gf_pipeline_set_scaler(pipe, scaler);
        if (s == GF_OK && classes)
            s = gf_pipeline_set_classes(pipe, (const char *const *)t.classes, t.nclasses);
        if (s == GF_OK) s = gf_pipeline_set_coef(pipe, f.coef, f.rows, f.k);
        if (s == GF_OK && o.kind == GF_KIND_LOGISTIC)
            s = gf_pipeline_set_setting(pipe, "threshold", isnan(o.threshold) ? 0.5 : o.threshold);
        if (s != GF_OK) rc = fail("fit", EXIT_FIT);
    }
    if (rc == EXIT_OK) training_summary(&o, pipe, &t, raw_x ? raw_x : t.x);
    if (rc == EXIT_OK && o.save) {
        /* GF_ERR_ARG: a name or level that is not UTF-8, which is the data's fault. */
        if ((s = gf_pipeline_save(pipe, save_to)) != GF_OK)
            rc = fail("fit", s == GF_ERR_ARG ? EXIT_DATA : EXIT_OUTPUT);
        else fprintf(stderr, "grafo fit: saved the model to %s\n", o.save);
    }
    json_decref(f.json);
    free(raw_x);
    free(f.coef);
    free(f.warning);
    free_names(f.names, t.p + 1);
    gf_pipeline_free(pipe);
    gf_scaler_free(scaler);
    table_free(&t);
    return rc;
}
