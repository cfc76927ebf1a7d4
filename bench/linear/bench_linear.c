/* bench_linear: time grafo's linear models on the benchmark's data, as
 * bench_linear.py times scikit-learn and bench_linear.R times R and glmnet.
 * run_linear.sh runs all three and summarise_linear.py compares them.
 *
 *     bench_linear --case ols --data DIR --threads 2 --runs 1 --out OUT_DIR
 *
 * DIR holds what gen_data.py wrote (raw little-endian float64 and int32
 * files and meta.txt).  The cases:
 *
 *     ols        gf_ols_fit: coefficients with summary(lm)'s statistics
 *     path       gf_enet_path, lasso, on the 100 lambdas of reg_lambda.f64
 *     path_auto  gf_enet_path with its defaults (automatic grid, early stop)
 *     cv         gf_enet_cv, 10 folds given by reg_fold.i32
 *     logit      gf_logit_fit: Newton/IRLS with Wald statistics
 *
 * Each case fits once to warm up (caches, page faults, thread pools; cv
 * excepted, whose eleven fits warm themselves), then `runs` timed fits.
 * Only the fit is timed, not reading the data.  Each fit prints
 *
 *     grafo case=ols threads=2 run=1 seconds=1.234567
 *
 * with run=0 for the warm-up, and the last fit's numbers go to
 * OUT_DIR/<case>.grafo.txt as "key value value ..." lines (coef, se, lambda,
 * path, cvm, ...) for summarise_linear.py to compare with the peers'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grafo.h"

#include "../bench_args.h"
#define parse_int(name, text, lo, hi, out) \
    bench_parse_int("bench_linear", name, text, lo, hi, out)

typedef struct bench_opts {
    const char *cas, *data, *out;
    int threads, runs;
} bench_opts;

/* The data of one problem, as gen_data.py wrote it. */
typedef struct problem {
    size_t n, p;
    double *x;          /* n x p, row-major */
    double *y;          /* n */
    int32_t *label;     /* n, 0/1 (classification) or NULL */
    int32_t *fold;      /* n, 0..nfolds-1 (regression) or NULL */
    double *lambda;     /* the shared lasso grid, or NULL */
    size_t nlambda;
    int nfolds;
} problem;

/* Where a case writes its numbers: OUT_DIR/<case>.grafo.txt. */
typedef struct result_file {
    FILE *f;
} result_file;

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_linear --case CASE --data DIR --out DIR [--threads N] [--runs N]\n"
               "  --case CASE   ols, path, path_auto, cv or logit\n"
               "  --data DIR    the files gen_data.py wrote\n"
               "  --out DIR     where the last fit's numbers go (CASE.grafo.txt)\n"
               "  --threads N   threads for grafo and OpenBLAS [2]\n"
               "  --runs N      timed fits after one warm-up [1]\n");
}

/* 0 on success, 1 after --help, 2 on a usage error. */
static int parse(int argc, char **argv, bench_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bench_linear: '%s' needs a value or is unknown\n", a);
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        int ok = 1;
        if (strcmp(a, "--case") == 0) o->cas = v;
        else if (strcmp(a, "--data") == 0) o->data = v;
        else if (strcmp(a, "--out") == 0) o->out = v;
        else if (strcmp(a, "--threads") == 0) ok = parse_int(a, v, 1, 1024, &o->threads);
        else if (strcmp(a, "--runs") == 0) ok = parse_int(a, v, 1, 1000, &o->runs);
        else {
            fprintf(stderr, "bench_linear: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (!ok) return 2;
    }
    if (!o->cas || !o->data || !o->out) {
        fprintf(stderr, "bench_linear: --case, --data and --out are required\n");
        usage(stderr);
        return 2;
    }
    return 0;
}

/* ---------------------------------------------------------- reading -- */

/* The value of `name` in DIR/meta.txt, or -1 (with a message). */
static long meta_value(const char *dir, const char *name)
{
    char path[4096], key[64];
    long value;
    snprintf(path, sizeof path, "%s/meta.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_linear: cannot open %s (run gen_data.py first)\n", path);
        return -1;
    }
    while (fscanf(f, "%63s %ld", key, &value) == 2) {
        if (strcmp(key, name) == 0) {
            fclose(f);
            return value;
        }
    }
    fclose(f);
    fprintf(stderr, "bench_linear: %s has no '%s'\n", path, name);
    return -1;
}

/* DIR/name read whole into a new buffer of count items of size bytes; the
 * files are little-endian, as is every machine this runs on. */
static void *read_raw(const char *dir, const char *name, size_t count, size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    void *buf = malloc(count * size);
    FILE *f = fopen(path, "rb");
    size_t got = (buf && f) ? fread(buf, size, count, f) : 0;
    int extra = f ? fgetc(f) != EOF : 0;
    if (f) fclose(f);
    if (got != count || extra) {
        fprintf(stderr, "bench_linear: %s does not hold exactly %zu values of %zu bytes\n", path,
                count, size);
        free(buf);
        return NULL;
    }
    return buf;
}

static void problem_free(problem *pr)
{
    free(pr->x);
    free(pr->y);
    free(pr->label);
    free(pr->fold);
    free(pr->lambda);
}

/* prefix "reg" or "clf"; 0 on success. */
static int problem_load(const char *dir, const char *prefix, problem *pr)
{
    char name[64];
    memset(pr, 0, sizeof *pr);
    snprintf(name, sizeof name, "%s_n", prefix);
    long n = meta_value(dir, name);
    if (n <= 0) return 1;
    snprintf(name, sizeof name, "%s_p", prefix);
    long p = meta_value(dir, name);
    if (p <= 0) return 1;
    pr->n = (size_t)n;
    pr->p = (size_t)p;
    snprintf(name, sizeof name, "%s_x.f64", prefix);
    pr->x = read_raw(dir, name, pr->n * pr->p, sizeof(double));
    if (!pr->x) return 1;
    snprintf(name, sizeof name, "%s_y.f64", prefix);
    pr->y = read_raw(dir, name, pr->n, sizeof(double));
    if (!pr->y) return 1;
    if (strcmp(prefix, "clf") == 0) {
        pr->label = malloc(pr->n * sizeof *pr->label);
        if (!pr->label) return 1;
        for (size_t i = 0; i < pr->n; i++) pr->label[i] = pr->y[i] != 0;
    } else {
        long nfolds = meta_value(dir, "nfolds");
        if (nfolds <= 1) return 1;
        pr->nfolds = (int)nfolds;
        pr->fold = read_raw(dir, "reg_fold.i32", pr->n, sizeof(int32_t));
        pr->nlambda = 100;
        pr->lambda = read_raw(dir, "reg_lambda.f64", pr->nlambda, sizeof(double));
        if (!pr->fold || !pr->lambda) return 1;
    }
    return 0;
}

/* ---------------------------------------------------------- writing -- */

static void put_row(result_file *r, const char *key, const double *v, size_t count)
{
    fputs(key, r->f);
    for (size_t i = 0; i < count; i++) fprintf(r->f, " %.17g", v[i]);
    fputc('\n', r->f);
}

static void put_path(result_file *r, const gf_path *m)
{
    put_row(r, "lambda", m->lambda, m->nlambda);
    for (size_t l = 0; l < m->nlambda; l++) put_row(r, "path", m->coef + l * m->k, m->k);
}

/* ------------------------------------------------------------ cases -- */

/* A case in three steps, so that only the fit is timed: fit, then write
 * the model's numbers (after the last run only), then free it. */
typedef gf_status (*fit_fn)(const problem *pr, void **model);
typedef void (*write_fn)(const void *model, result_file *r);
typedef void (*free_fn)(void *model);

static gf_xy regression_xy(const problem *pr)
{
    return (gf_xy){.x = pr->x, .n = pr->n, .p = pr->p, .y = pr->y};
}

static gf_status fit_ols(const problem *pr, void **model)
{
    gf_xy d = regression_xy(pr);
    gf_ols_opts o = GF_OLS_OPTS_DEFAULT;
    gf_ols *m = NULL;
    gf_status s = gf_ols_fit(&d, &o, &m);
    *model = m;
    return s;
}

static void write_ols(const void *model, result_file *r)
{
    const gf_ols *m = model;
    put_row(r, "coef", m->coef, m->k);
    put_row(r, "se", m->se, m->k);
}

static void free_ols(void *model) { gf_ols_free(model); }

/* The lasso on the shared grid of 100 lambdas, as glmnet and lasso_path get. */
static gf_status fit_path_given(const problem *pr, void **model)
{
    gf_xy d = regression_xy(pr);
    gf_enet_opts o = GF_ENET_OPTS_DEFAULT;
    o.lambda = pr->lambda;
    o.nlambda = pr->nlambda;
    gf_path *m = NULL;
    gf_status s = gf_enet_path(&d, &o, &m);
    *model = m;
    return s;
}

static gf_status fit_path_auto(const problem *pr, void **model)
{
    gf_xy d = regression_xy(pr);
    gf_enet_opts o = GF_ENET_OPTS_DEFAULT;
    gf_path *m = NULL;
    gf_status s = gf_enet_path(&d, &o, &m);
    *model = m;
    return s;
}

static void write_path(const void *model, result_file *r) { put_path(r, model); }

static void free_path(void *model) { gf_path_free(model); }

/* The folds come from the data, so cv.glmnet gets the same ones. */
static gf_status fit_cv(const problem *pr, void **model)
{
    gf_xy d = regression_xy(pr);
    gf_enet_opts o = GF_ENET_OPTS_DEFAULT;
    gf_cv_opts cv = GF_CV_OPTS_DEFAULT;
    cv.nfolds = pr->nfolds;
    cv.foldid = pr->fold;
    gf_cv *m = NULL;
    gf_status s = gf_enet_cv(&d, &o, &cv, &m);
    *model = m;
    return s;
}

static void write_cv(const void *model, result_file *r)
{
    const gf_cv *c = model;
    put_path(r, c->path);
    put_row(r, "cvm", c->cvm, c->path->nlambda);
    put_row(r, "cvsd", c->cvsd, c->path->nlambda);
    put_row(r, "lambda_min", &c->lambda_min, 1);
    put_row(r, "lambda_1se", &c->lambda_1se, 1);
}

static void free_cv(void *model) { gf_cv_free(model); }

static gf_status fit_logit(const problem *pr, void **model)
{
    gf_xy d = {.x = pr->x, .n = pr->n, .p = pr->p, .label = pr->label};
    gf_logit_opts o = GF_LOGIT_OPTS_DEFAULT;
    gf_logit *m = NULL;
    gf_status s = gf_logit_fit(&d, &o, &m);
    *model = m;
    return s;
}

static void write_logit(const void *model, result_file *r)
{
    const gf_logit *m = model;
    double iterations = m->iterations;
    put_row(r, "coef", m->coef, m->k);
    put_row(r, "se", m->se, m->k);
    put_row(r, "iterations", &iterations, 1);
}

static void free_logit(void *model) { gf_logit_free(model); }

typedef struct bench_case {
    const char *name;
    const char *data;   /* "reg" or "clf" */
    fit_fn fit;
    write_fn write;
    free_fn free;
    int warm;           /* fit once untimed first */
} bench_case;

static const bench_case CASES[] = {
    {"ols", "reg", fit_ols, write_ols, free_ols, 1},
    {"path", "reg", fit_path_given, write_path, free_path, 1},
    {"path_auto", "reg", fit_path_auto, write_path, free_path, 1},
    {"cv", "reg", fit_cv, write_cv, free_cv, 0},
    {"logit", "clf", fit_logit, write_logit, free_logit, 1},
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    bench_opts o = {.threads = 2, .runs = 1};
    int rc = parse(argc, argv, &o);
    if (rc) return rc == 1 ? 0 : rc;

    const bench_case *c = NULL;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
        if (strcmp(CASES[i].name, o.cas) == 0) c = &CASES[i];
    if (!c) {
        fprintf(stderr, "bench_linear: unknown case '%s'\n", o.cas);
        usage(stderr);
        return 2;
    }
    gf_set_threads(o.threads);

    problem pr;
    if (problem_load(o.data, c->data, &pr)) {
        problem_free(&pr);
        return 1;
    }
    gf_status s = GF_OK;
    int write_failed = 0;
    for (int run = c->warm ? 0 : 1; run <= o.runs; run++) {
        void *model = NULL;
        double start = now();
        s = c->fit(&pr, &model);
        double seconds = now() - start;
        if (s != GF_OK) break;
        printf("grafo case=%s threads=%d run=%d seconds=%.6f\n", c->name, o.threads, run,
               seconds);
        fflush(stdout); /* run_linear.sh reads the lines as they come */
        if (run == o.runs) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.grafo.txt", o.out, c->name);
            result_file r = {.f = fopen(path, "w")};
            if (r.f) {
                c->write(model, &r);
                fclose(r.f);
            } else {
                fprintf(stderr, "bench_linear: cannot write %s\n", path);
                write_failed = 1;
            }
        }
        c->free(model);
    }
    if (s != GF_OK) fprintf(stderr, "bench_linear: %s: %s\n", c->name, gf_errmsg());
    problem_free(&pr);
    return s == GF_OK && !write_failed ? 0 : 1;
}
