/* Allocation failure: three runs through the library, each made once to
 * count its allocations N and then N more times with allocation n
 * failing, for every n (tests/alloc_fail.h).  Each failure must come back
 * as GF_ERR_NOMEM with a message saying "out of memory", free every block
 * the run had allocated, and leave no temporary or half-written file; a
 * run that recovers (a failure the library may shrug off, such as syncing
 * a directory after a save, or a fit's warning) must give the very
 * results of the run that did not fail.
 *
 * The linear run reads a CSV, resolves formulas with an interaction, a
 * factor and a factor response, builds designs, fits OLS and logistic
 * regression, saves, loads and predicts.  The network run reads libsvm
 * data, scales and splits it, parses an architecture with batch norm,
 * dropout and label smoothing, trains two epochs with validation and early
 * stopping, writes the history, saves a checkpoint, loads it, trains one
 * more epoch, saves, loads and predicts; then reads an IDX file, plain and
 * gzipped.  The solvers run fits softmax, one-vs-rest SVMs and
 * perceptrons, a ridge path, the elastic net by cross-validation and
 * gradient descent, reads numbers too long to convert in place, and loads
 * IDX images with labels as a dataset.
 *
 * One thread, so OpenMP and OpenBLAS allocate nothing grafo's wrappers
 * would see or miss.  Not injected: allocations inside zlib, LAPACKE and
 * the C library (their own calls are not wrapped), and inside jansson's
 * parser, which cannot survive them (src/io/json_text.h).  fsync is a
 * no-op here: what a crash leaves on disk is not what this test checks,
 * and on a real disk the thousands of saves would take most of its time.
 *
 * ALLOC_FAIL_RUN=linear|network|solvers, ALLOC_FAIL_AT=n and
 * ALLOC_FAIL_TRACE=1 narrow a run down to debug it. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "alloc_fail.h"
#include "check.h"
#include "core/error.h"
#include "grafo.h"

int __wrap_fsync(int fd);
int __wrap_fsync(int fd)
{
    (void)fd;
    return 0;
}

static char dir[] = "/tmp/grafo-test-alloc-XXXXXX";
static char mtcars[4096], iris[4096], svm_path[4096], idx_path[4096], idx_gz_path[4096],
    labels_path[4096];

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* tests/data/<name>, found from this source file's own path. */
static void data_path(char *buf, size_t size, const char *name)
{
    const char *me = __FILE__, *slash = strrchr(me, '/');
    int len = slash ? (int)(slash - me) : 1;
    snprintf(buf, size, "%.*s/data/%s", len, slash ? me : ".", name);
}

/* What a run computes, kept in place so that keeping it allocates nothing. */
typedef struct result {
    double v[2048];
    size_t n;
} result;

static void keep(result *r, const double *v, size_t n)
{
    for (size_t i = 0; i < n && r->n < sizeof r->v / sizeof r->v[0]; i++) r->v[r->n++] = v[i];
}

static gf_status test_nomem(void)
{
    return gf__fail(GF_ERR_NOMEM, "out of memory in the test's own code");
}

/* ---------------------------------------------------------------- linear -- */

static const char *const LINEAR_FILES[] = { "ols.safetensors", "logit.safetensors", NULL };

/* Save p, load it back and predict on f, keeping the values or scores. */
static gf_status round_trip(const gf_pipeline *p, const char *name, const gf_frame *f, result *r)
{
    char path[4200];
    path_in(path, sizeof path, name);
    gf_pipeline *back = NULL;
    gf_prediction *pr = NULL;
    gf_status s = gf_pipeline_save(p, path);
    if (!s) s = gf_pipeline_load(path, &back);
    if (!s) s = gf_pipeline_predict(back, f, 0, &pr);
    if (!s) keep(r, pr->value ? pr->value : pr->score, pr->value ? pr->n : pr->n * pr->k);
    gf_prediction_free(pr);
    gf_pipeline_free(back);
    return s;
}

static gf_status fit_ols(const gf_frame *f, result *r)
{
    gf_terms *t = NULL;
    gf_design *d = NULL;
    gf_ols *m = NULL;
    gf_pipeline *p = NULL;
    gf_status s = gf_terms_new("mpg ~ wt * hp + factor(cyl)", f, &t);
    if (!s) s = gf_design_new(t, f, NULL, &d);
    if (!s) {
        gf_xy xy = { .x = d->x, .n = d->n, .p = d->p, .y = d->y,
                     .names = (const char *const *)d->names };
        s = gf_ols_fit(&xy, NULL, &m);
    }
    if (!s && !(p = gf_pipeline_new(GF_KIND_OLS))) s = GF_ERR_NOMEM;
    if (!s) s = gf_pipeline_set_terms(p, t);
    if (!s) s = gf_pipeline_set_coef(p, m->coef, 1, m->k);
    if (!s) s = round_trip(p, "ols.safetensors", f, r);
    gf_pipeline_free(p);
    gf_ols_free(m);
    gf_design_free(d);
    gf_terms_free(t);
    return s;
}

static gf_status fit_logit(const gf_frame *f, result *r)
{
    gf_terms *t = NULL;
    gf_design *d = NULL;
    gf_logit *m = NULL;
    gf_pipeline *p = NULL;
    gf_status s = gf_terms_new("am ~ hp + wt", f, &t);
    if (!s) s = gf_design_new(t, f, NULL, &d);
    if (!s) {
        gf_xy xy = { .x = d->x, .n = d->n, .p = d->p, .label = d->label,
                     .names = (const char *const *)d->names };
        s = gf_logit_fit(&xy, NULL, &m);
    }
    if (!s && !(p = gf_pipeline_new(GF_KIND_LOGISTIC))) s = GF_ERR_NOMEM;
    if (!s) s = gf_pipeline_set_terms(p, t);
    if (!s) s = gf_pipeline_set_classes(p, (const char *const *)d->classes, d->nclasses);
    if (!s) s = gf_pipeline_set_coef(p, m->coef, 1, m->k);
    if (!s) s = gf_pipeline_set_setting(p, "threshold", 0.5);
    if (!s) s = round_trip(p, "logit.safetensors", f, r);
    gf_pipeline_free(p);
    gf_logit_free(m);
    gf_design_free(d);
    gf_terms_free(t);
    return s;
}

static gf_status run_linear(result *r)
{
    gf_frame *f = NULL;
    gf_status s = gf_csv_read(mtcars, NULL, &f);
    if (!s) s = gf_frame_as_factor(f, (size_t)gf_frame_find(f, "am"), GF_LEVELS_SORTED);
    if (!s) s = fit_ols(f, r);
    if (!s) s = fit_logit(f, r);
    gf_frame_free(f);
    return s;
}

/* --------------------------------------------------------------- solvers -- */

static const char *const NO_FILES[] = { NULL };

/* Softmax, and one-vs-rest linear SVMs and perceptrons, on iris's
 * standardised measurements, a frame read with rows left out by index. */
static gf_status fit_classes(result *r)
{
    gf_frame *f = NULL, *some = NULL;
    gf_terms *t = NULL;
    gf_design *d = NULL;
    gf_scaler *sc = NULL;
    gf_mlogit *soft = NULL;
    gf_ovr *svm = NULL, *per = NULL;
    double *x = NULL, *score = NULL;
    gf_csv_opts co = GF_CSV_OPTS_DEFAULT;
    co.levels = GF_LEVELS_APPEARANCE;
    gf_status s = gf_csv_read(iris, &co, &f);
    size_t rows[60];
    for (size_t i = 0; i < 60; i++) rows[i] = (i * 7) % 150;
    if (!s && !(some = gf_frame_take(f, rows, 60))) s = GF_ERR_NOMEM;
    if (!s) s = gf_terms_new("Species ~ .", some, &t);
    if (!s) s = gf_design_new(t, some, NULL, &d);
    if (!s && (!(x = malloc(d->n * d->p * sizeof *x)) ||
               !(score = malloc(d->n * d->nclasses * sizeof *score))))
        s = test_nomem();
    if (!s) s = gf_scaler_fit(GF_SCALE_MINMAX, d->x, d->n, d->p, &sc);
    if (!s) memcpy(x, d->x, d->n * d->p * sizeof *x), s = gf_scaler_apply(sc, x, d->n, d->p);
    gf_xy xy = { .x = x, .n = d ? d->n : 0, .p = d ? d->p : 0, .label = d ? d->label : NULL };
    gf_mlogit_opts mo = GF_MLOGIT_OPTS_DEFAULT;
    mo.lambda = 0.01;
    mo.max_iter = 30;
    if (!s) s = gf_mlogit_fit(&xy, &mo, &soft);
    if (!s) s = gf_mlogit_predict_proba(soft, x, xy.n, score);
    if (!s) keep(r, score, xy.n * d->nclasses);
    gf_linsvm_opts so = GF_LINSVM_OPTS_DEFAULT;
    so.epochs = 3;
    gf_binary_model bm = gf_binary_linsvm(&so);
    if (!s) s = gf_ovr_fit(&xy, &bm, &svm);
    if (!s) s = gf_ovr_scores(svm, x, xy.n, score);
    if (!s) keep(r, score, xy.n * d->nclasses);
    gf_perceptron_opts po = GF_PERCEPTRON_OPTS_DEFAULT;
    po.max_epochs = 3;
    bm = gf_binary_perceptron(&po);
    if (!s) s = gf_ovr_fit(&xy, &bm, &per);
    if (!s) s = gf_ovr_scores(per, x, xy.n, score);
    if (!s) keep(r, score, xy.n * d->nclasses);
    gf_ovr_free(per);
    gf_ovr_free(svm);
    gf_mlogit_free(soft);
    gf_scaler_free(sc);
    free(score);
    free(x);
    gf_design_free(d);
    gf_terms_free(t);
    gf_frame_free(some);
    gf_frame_free(f);
    return s;
}

/* Ridge, the elastic net by cross-validation, and gradient descent, on
 * mtcars with 'cyl' read as a factor; the path's predictions kept. */
static gf_status fit_paths(result *r)
{
    gf_frame *f = NULL;
    gf_terms *t = NULL;
    gf_design *d = NULL;
    gf_path *ridge = NULL;
    gf_cv *cv = NULL;
    gf_gd_result *gd = NULL;
    double *yhat = NULL;
    gf_csv_opts co = GF_CSV_OPTS_DEFAULT;
    co.factors = (const char *[]){ "cyl" };
    co.n_factors = 1;
    gf_status s = gf_csv_read(mtcars, &co, &f);
    if (!s) s = gf_terms_new("log(mpg) ~ cyl + wt + I(hp/100) + qsec", f, &t);
    if (!s) s = gf_design_new(t, f, NULL, &d);
    if (!s && !(yhat = malloc(d->n * sizeof *yhat))) s = test_nomem();
    gf_xy xy = { .x = d ? d->x : NULL, .n = d ? d->n : 0, .p = d ? d->p : 0,
                 .y = d ? d->y : NULL, .names = d ? (const char *const *)d->names : NULL };
    const double lambda[] = { 1, 0.1, 0.01 };
    if (!s) s = gf_ridge_path(&xy, lambda, 3, 1, 1, &ridge);
    if (!s) s = gf_path_predict(ridge, 1, xy.x, xy.n, yhat);
    if (!s) keep(r, yhat, xy.n);
    gf_enet_opts eo = GF_ENET_OPTS_DEFAULT;
    eo.alpha = 0.5;
    eo.nlambda = 6;
    gf_cv_opts cvo = GF_CV_OPTS_DEFAULT;
    cvo.nfolds = 3;
    if (!s) s = gf_enet_cv(&xy, &eo, &cvo, &cv);
    if (!s) keep(r, cv->cvm, cv->path->nlambda);
    gf_gd_opts go = GF_GD_OPTS_DEFAULT;
    go.batch = 8;
    go.max_epochs = 5;
    go.lr = 0.01;
    if (!s) s = gf_linreg_gd(&xy, &go, &gd);
    if (!s) keep(r, gd->coef, gd->k);
    gf_gd_result_free(gd);
    gf_cv_free(cv);
    gf_path_free(ridge);
    free(yhat);
    gf_design_free(d);
    gf_terms_free(t);
    gf_frame_free(f);
    return s;
}

/* Images and labels in IDX files as a dataset, and a slice of it. */
static gf_status load_images(result *r)
{
    gf_dataset *ds = gf_dataset_load_idx(idx_gz_path, labels_path, 3), *part = NULL;
    gf_status s = ds ? GF_OK : GF_ERR_NOMEM;
    if (!s && !(part = gf_dataset_slice(ds, 1, 3))) s = GF_ERR_NOMEM;
    for (size_t i = 0; !s && i < 3 * gf_dataset_cols(part); i++)
        keep(r, &(double){ gf_dataset_x(part)[i] }, 1);
    gf_dataset_free(part);
    gf_dataset_free(ds);
    return s;
}

/* Numbers of 128 characters or more, which the readers copy to convert:
 * in a numeric CSV column, as the levels of a declared factor, and as a
 * libsvm label and value. */
static gf_status long_numbers(result *r)
{
    char zeros[140], csv[1024], svm[512];
    memset(zeros, '0', sizeof zeros - 1);
    zeros[sizeof zeros - 1] = '\0';
    snprintf(csv, sizeof csv, "a,f\n0.%s1,1.%s\n2,2\n0.%s3,1.%s\n", zeros, zeros, zeros,
             zeros);
    snprintf(svm, sizeof svm, "1.%s 1:0.%s5 2:3\n0 2:1\n", zeros, zeros);
    gf_frame *f = NULL;
    gf_sparse *sp = NULL;
    gf_csv_opts co = GF_CSV_OPTS_DEFAULT;
    co.factors = (const char *[]){ "f" };
    co.n_factors = 1;
    gf_status s = gf_csv_parse(csv, strlen(csv), "long.csv", &co, &f);
    const double *a = s ? NULL : gf_frame_numeric(f, 0), none[3] = { -1, -1, -1 };
    if (!s) keep(r, a ? a : none, 3); /* a column of text would be no numbers */
    if (!s) keep(r, &(double){ (double)gf_frame_nlevels(f, 1) }, 1);
    if (!s) s = gf_libsvm_parse(svm, strlen(svm), "long.svm", NULL, &sp);
    if (!s) keep(r, sp->val, sp->nnz), keep(r, sp->y, sp->rows);
    gf_sparse_free(sp);
    gf_frame_free(f);
    return s;
}

static gf_status run_solvers(result *r)
{
    gf_status s = long_numbers(r);
    if (!s) s = fit_classes(r);
    if (!s) s = fit_paths(r);
    if (!s) s = load_images(r);
    return s;
}

/* --------------------------------------------------------------- network -- */

#define NET_ROWS 48
#define NET_FEATURES 4
#define NET_CLASSES 3

static const char *const NETWORK_FILES[] = { "history.csv", "history.svg", "run.ckpt",
                                             "net.safetensors", NULL };

/* Rows of the dense matrix as floats (x) and their labels (y). */
static gf_dataset *dataset_of(const double *x, const double *y, const size_t *rows, size_t n)
{
    float *fx = malloc(n * NET_FEATURES * sizeof *fx), *fy = malloc(n * sizeof *fy);
    gf_dataset *ds = NULL;
    if (!fx || !fy) test_nomem();
    else {
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < NET_FEATURES; j++)
                fx[i * NET_FEATURES + j] = (float)x[rows[i] * NET_FEATURES + j];
            fy[i] = (float)y[rows[i]];
        }
        ds = gf_dataset_new(n, NET_FEATURES, fx, 1, fy, NET_CLASSES);
    }
    free(fx);
    free(fy);
    return ds;
}

/* A pipeline around a new network, trained two epochs with early stopping
 * and saved as a checkpoint, its history written beside it. */
static gf_status first_epochs(const gf_scaler *sc, const gf_dataset *train,
                              const gf_dataset *valid)
{
    gf_arch a = { 0 };
    gf_pipeline *p = NULL;
    gf_trainer *t = NULL;
    gf_status s = gf_arch_parse("input:dropout=0.1,6:relu:bn:dropout=0.2,3:softmax:smooth=0.1", &a);
    gf_model *m = NULL;
    if (!s && !(m = gf_model_from_arch(NET_FEATURES, &a))) s = GF_ERR_NOMEM;
    if (!s) s = gf_model_compile(m, 8, 7);
    if (!s && !(p = gf_pipeline_new(GF_KIND_NETWORK))) s = GF_ERR_NOMEM;
    if (!s) s = gf_pipeline_set_inputs(p, NET_FEATURES);
    if (!s) s = gf_pipeline_set_scaler(p, sc);
    if (!s) s = gf_pipeline_set_classes(p, (const char *[]){ "a", "b", "c" }, NET_CLASSES);
    if (!s) {
        s = gf_pipeline_set_network(p, m, &a);
        m = NULL; /* taken */
    }
    gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
    o.epochs = 2;
    o.batch_size = 8;
    o.optim = gf_optim_defaults(GF_OPTIM_ADAM);
    o.optim.lr = 0.01f;
    o.patience = 1;
    if (!s && !(t = gf_trainer_new(gf_pipeline_network(p), &o))) s = GF_ERR_NOMEM;
    if (!s) s = gf_trainer_fit(t, train, valid);
    size_t nh = 0;
    const gf_epoch_report *h = s ? NULL : gf_trainer_history(t, &nh);
    char path[4200];
    if (!s) path_in(path, sizeof path, "history.csv"), s = gf_history_write_csv(path, h, nh);
    if (!s) path_in(path, sizeof path, "history.svg"), s = gf_history_write_svg(path, h, nh, "run");
    if (!s) path_in(path, sizeof path, "run.ckpt"), s = gf_checkpoint_save(p, t, path);
    gf_trainer_free(t);
    gf_pipeline_free(p);
    gf_model_free(m);
    gf_arch_free(&a);
    return s;
}

/* The checkpoint resumed for one more epoch, saved as a model file, loaded
 * and asked for every row's class scores from the raw features x. */
static gf_status resume(const double *x, const gf_dataset *train, const gf_dataset *valid,
                        result *r)
{
    char path[4200];
    gf_pipeline *p = NULL, *back = NULL;
    gf_trainer *t = NULL;
    gf_prediction *pr = NULL;
    path_in(path, sizeof path, "run.ckpt");
    gf_status s = gf_checkpoint_load(path, &p, &t);
    if (!s) s = gf_trainer_set_epochs(t, 3);
    if (!s) s = gf_trainer_fit(t, train, valid);
    path_in(path, sizeof path, "net.safetensors");
    if (!s) s = gf_pipeline_save(p, path);
    if (!s) s = gf_pipeline_load(path, &back);
    if (!s) s = gf_pipeline_predict_x(back, x, NET_ROWS, NET_FEATURES, &pr);
    if (!s) keep(r, pr->score, pr->n * pr->k);
    gf_prediction_free(pr);
    gf_pipeline_free(back);
    gf_trainer_free(t);
    gf_pipeline_free(p);
    return s;
}

static gf_status read_idx(const char *path, result *r)
{
    gf_idx idx;
    gf_status s = gf_idx_read(path, &idx);
    for (size_t i = 0; !s && i < idx.count; i++) keep(r, &(double){ idx.data[i] }, 1);
    gf_idx_free(&idx);
    return s;
}

static gf_status run_network(result *r)
{
    gf_sparse *sp = NULL;
    gf_scaler *sc = NULL;
    gf_split *split = NULL;
    gf_dataset *train = NULL, *valid = NULL;
    double *raw = NULL, *x = NULL;
    int32_t *label = NULL;
    gf_status s = gf_libsvm_read(svm_path, NULL, &sp);
    if (!s && (sp->rows != NET_ROWS || sp->cols != NET_FEATURES))
        s = gf__fail(GF_ERR_FORMAT, "%zu x %zu data", sp->rows, sp->cols);
    if (!s) {
        raw = malloc(NET_ROWS * NET_FEATURES * sizeof *raw);
        x = malloc(NET_ROWS * NET_FEATURES * sizeof *x);
        label = malloc(NET_ROWS * sizeof *label);
        if (!raw || !x || !label) s = test_nomem();
    }
    if (!s) s = gf_sparse_to_dense(sp, raw);
    if (!s) {
        memcpy(x, raw, NET_ROWS * NET_FEATURES * sizeof *x);
        for (size_t i = 0; i < NET_ROWS; i++) label[i] = (int32_t)sp->y[i];
        s = gf_scaler_fit(GF_SCALE_STANDARD, x, NET_ROWS, NET_FEATURES, &sc);
    }
    if (!s) s = gf_scaler_apply(sc, x, NET_ROWS, NET_FEATURES);
    if (!s) {
        gf_split_opts so = GF_SPLIT_OPTS_DEFAULT;
        so.valid = 0.25;
        so.test = 0;
        so.label = label;
        so.nclasses = NET_CLASSES;
        s = gf_split_new(NET_ROWS, &so, &split);
    }
    if (!s && !(train = dataset_of(x, sp->y, split->train, split->n_train))) s = GF_ERR_NOMEM;
    if (!s && !(valid = dataset_of(x, sp->y, split->valid, split->n_valid))) s = GF_ERR_NOMEM;
    if (!s) s = first_epochs(sc, train, valid);
    if (!s) s = resume(raw, train, valid, r);
    if (!s) s = read_idx(idx_path, r);
    if (!s) s = read_idx(idx_gz_path, r);
    gf_dataset_free(valid);
    gf_dataset_free(train);
    gf_split_free(split);
    gf_scaler_free(sc);
    free(label);
    free(x);
    free(raw);
    gf_sparse_free(sp);
    return s;
}

/* ----------------------------------------------------------------- files -- */

/* The bytes of a file (the caller frees them); NULL if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1))) {
            *len = fread(b, 1, (size_t)n, f);
            b[*len] = '\0';
        }
    }
    fclose(f);
    return b;
}

static size_t count_lines(const char *b, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += b[i] == '\n';
    return n;
}

static void clear_dir(void)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            path_in(path, sizeof path, e->d_name);
            unlink(path);
        }
    closedir(d);
}

/* The reference run's files, to compare the others' with. */
typedef struct ref_file {
    char *bytes;
    size_t len;
} ref_file;

static int is_model(const char *name) { return strstr(name, ".safetensors") != NULL; }

/* Every file in the directory is one the run writes (no temporary file
 * left behind), and each is whole: a model file byte for byte the
 * reference's, a checkpoint loads, a history has the reference's lines
 * (their timings differ) and ends as it does. */
static void check_files(const char *run, long n, const char *const *names, const ref_file *ref)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL, "%s", dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t k = 0;
        while (names[k] && strcmp(names[k], e->d_name)) k++;
        CHECK(names[k] != NULL, "%s, allocation %ld failing: left '%s' behind", run, n, e->d_name);
        if (!names[k]) continue;
        char path[4200];
        path_in(path, sizeof path, e->d_name);
        size_t len = 0;
        char *b = slurp(path, &len);
        CHECK(b != NULL, "%s: cannot read %s", run, path);
        if (!b) continue;
        if (is_model(e->d_name)) {
            CHECK(len == ref[k].len && memcmp(b, ref[k].bytes, len) == 0,
                  "%s, allocation %ld failing: %s differs from the reference", run, n, e->d_name);
        } else if (strstr(e->d_name, ".ckpt")) {
            gf_pipeline *p = NULL;
            gf_trainer *t = NULL;
            CHECK(gf_checkpoint_load(path, &p, &t) == GF_OK, "%s, allocation %ld failing: %s: %s",
                  run, n, e->d_name, gf_errmsg());
            gf_trainer_free(t);
            gf_pipeline_free(p);
        } else {
            /* A history ends as the reference does: its last line (the
             * SVG's closing tag; a CSV row's timing differs) and newline. */
            size_t tail = strstr(e->d_name, ".svg") ? 8 : 1;
            CHECK(count_lines(b, len) == count_lines(ref[k].bytes, ref[k].len) &&
                      len >= tail && ref[k].len >= tail &&
                      memcmp(b + len - tail, ref[k].bytes + ref[k].len - tail, tail) == 0,
                  "%s, allocation %ld failing: %s is not whole", run, n, e->d_name);
        }
        free(b);
    }
    if (d) closedir(d);
}

/* ----------------------------------------------------------------- sweep -- */

typedef gf_status (*run_fn)(result *r);

static void sweep(const char *name, run_fn run, const char *const *files)
{
    /* ALLOC_FAIL_RUN=name runs only that sweep, ALLOC_FAIL_AT=n only that
     * failure: to debug one. */
    const char *which = getenv("ALLOC_FAIL_RUN"), *only = getenv("ALLOC_FAIL_AT");
    bool trace = getenv("ALLOC_FAIL_TRACE") != NULL; /* print each n and each recovery */
    if (which && strcmp(which, name) != 0) return;
    static result ref, got;
    ref_file refs[8] = { { 0 } };
    clear_dir();
    long live = alloc_fail_live;
    ref.n = 0;
    alloc_fail_arm(0);
    gf_status s = run(&ref);
    long total = alloc_fail_calls;
    CHECK(s == GF_OK, "%s: %s", name, gf_errmsg());
    CHECK(alloc_fail_live == live, "%s leaks %ld blocks", name, alloc_fail_live - live);
    CHECK(ref.n > 0, "%s computed nothing", name);
    for (size_t k = 0; files[k]; k++) {
        char path[4200];
        path_in(path, sizeof path, files[k]);
        refs[k].bytes = slurp(path, &refs[k].len);
        CHECK(refs[k].bytes != NULL, "%s: %s was not written", name, files[k]);
    }
    long first = only ? atol(only) : 1, last = s != GF_OK ? 0 : only ? first : total;
    long reported = 0, recovered = 0;
    for (long n = first; n <= last; n++) {
        clear_dir();
        got.n = 0;
        gf__fail(GF_OK, "%s", "");
        live = alloc_fail_live;
        if (trace) fprintf(stderr, "%s: failing allocation %ld\n", name, n);
        alloc_fail_arm(n);
        s = run(&got);
        alloc_fail_disarm();
        CHECK(alloc_fail_injected, "%s: allocation %ld of %ld never came", name, n, total);
        CHECK(alloc_fail_live == live, "%s, allocation %ld failing%s: %ld blocks leaked (%s)",
              name, n, alloc_fail_from_json ? " (jansson's)" : "", alloc_fail_live - live,
              s ? gf_errmsg() : "the run succeeded");
        if (s == GF_OK) {
            if (trace) fprintf(stderr, "%s: recovered from %ld\n", name, n);
            recovered++;
            CHECK(got.n == ref.n && memcmp(got.v, ref.v, ref.n * sizeof ref.v[0]) == 0,
                  "%s, allocation %ld failing: recovered, but to other results", name, n);
        } else {
            reported++;
            CHECK(s == GF_ERR_NOMEM && strcasestr(gf_errmsg(), "out of memory"),
                  "%s, allocation %ld failing%s: %s (%s)", name, n,
                  alloc_fail_from_json ? " (jansson's)" : "", gf_status_name(s), gf_errmsg());
        }
        check_files(name, n, files, refs);
    }
    printf("%s: %ld allocations; with each failing in turn, %ld runs reported it and %ld "
           "recovered\n", name, total, reported, recovered);
    for (size_t k = 0; files[k]; k++) free(refs[k].bytes);
}

/* ----------------------------------------------------------------- setup -- */

/* 48 rows of 4 features around three centres, labels 0, 1, 2; a feature
 * that rounds to 0 is left out, as libsvm files leave zeros out. */
static void write_libsvm(void)
{
    static const double centre[NET_CLASSES][NET_FEATURES] = {
        { 1, 0, 0, 1 }, { -1, 1, 0, 0 }, { 0, -1, 1, -1 } };
    FILE *f = fopen(svm_path, "w");
    CHECK(f != NULL, "%s: %s", svm_path, strerror(errno));
    if (!f) return;
    gf_rng rng;
    gf_rng_seed(&rng, 5);
    for (int i = 0; i < NET_ROWS; i++) {
        int c = i % NET_CLASSES;
        fprintf(f, "%d", c);
        for (int j = 0; j < NET_FEATURES; j++) {
            double v = centre[c][j] + 0.6 * gf_rng_normal(&rng);
            if (v > 0.05 || v < -0.05) fprintf(f, " %d:%.3f", j + 1, v);
        }
        fputc('\n', f);
    }
    fclose(f);
}

/* A 5 x 2 x 2 IDX file of unsigned bytes, plain and gzipped, and 5
 * labels for it. */
static void write_idx(void)
{
    unsigned char b[4 + 3 * 4 + 20] = { 0, 0, 0x08, 3, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 2 };
    for (int i = 0; i < 20; i++) b[16 + i] = (unsigned char)(i * 13);
    FILE *f = fopen(idx_path, "wb");
    CHECK(f && fwrite(b, 1, sizeof b, f) == sizeof b, "%s", idx_path);
    if (f) fclose(f);
    gzFile gz = gzopen(idx_gz_path, "wb");
    CHECK(gz && gzwrite(gz, b, sizeof b) == (int)sizeof b, "%s", idx_gz_path);
    if (gz) gzclose(gz);
    const unsigned char labels[] = { 0, 0, 0x08, 1, 0, 0, 0, 5, 0, 1, 2, 1, 0 };
    f = fopen(labels_path, "wb");
    CHECK(f && fwrite(labels, 1, sizeof labels, f) == sizeof labels, "%s", labels_path);
    if (f) fclose(f);
}

int main(void)
{
    alloc_fail_route_jansson();
    gf_set_threads(1);
    if (!mkdtemp(dir)) {
        perror(dir);
        return 1;
    }
    data_path(mtcars, sizeof mtcars, "mtcars.csv");
    data_path(iris, sizeof iris, "iris.csv");
    snprintf(svm_path, sizeof svm_path, "%s.svm", dir);
    snprintf(idx_path, sizeof idx_path, "%s.idx", dir);
    snprintf(idx_gz_path, sizeof idx_gz_path, "%s.idx.gz", dir);
    snprintf(labels_path, sizeof labels_path, "%s.labels", dir);
    write_libsvm();
    write_idx();

    sweep("linear", run_linear, LINEAR_FILES);
    sweep("network", run_network, NETWORK_FILES);
    sweep("solvers", run_solvers, NO_FILES);

    clear_dir();
    rmdir(dir);
    unlink(svm_path);
    unlink(idx_path);
    unlink(idx_gz_path);
    unlink(labels_path);
    return check_report("test_alloc_fail");
}
