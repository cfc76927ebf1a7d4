/* Reading examples for the subcommands: CSV with a formula, libsvm or IDX,
 * into one table of design columns and a response. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int fail(const char *cmd, int code)
{
    fprintf(stderr, "grafo %s: %s\n", cmd, gf_errmsg());
    return code;
}

int data_code(gf_status s)
{
    return s == GF_ERR_NOMEM ? EXIT_FIT : EXIT_DATA;
}

void print_json(json_t *j)
{
    if (!j) return;
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    fputc('\n', stdout);
    json_decref(j);
}

bool data_option(const char *cmd, int code, const char *arg, data_opts *o, bool *bad)
{
    switch (code - DATA_OPT_FIRST) {
    case 0: o->csv = arg; return true;
    case 1: o->formula = arg; return true;
    case 2: o->libsvm = arg; return true;
    case 3: o->images = arg; return true;
    case 4: o->labels = arg; return true;
    case 5:
        if (strcmp(arg, ",") == 0 || strcmp(arg, ";") == 0) o->delimiter = arg[0];
        else if (strcmp(arg, "tab") == 0 || strcmp(arg, "\t") == 0) o->delimiter = '\t';
        else {
            fprintf(stderr, "grafo %s: --delimiter: '%s' is not ',', ';' or 'tab'\n", cmd, arg);
            *bad = true;
        }
        return true;
    case 6:
        if (strcmp(arg, "fail") == 0 || strcmp(arg, "omit") == 0) o->na_omit = arg[0] == 'o';
        else {
            fprintf(stderr, "grafo %s: --na: '%s' is not 'fail' or 'omit'\n", cmd, arg);
            *bad = true;
        }
        return true;
    case 7:
        if (o->nfactors == sizeof o->factors / sizeof o->factors[0]) {
            fprintf(stderr, "grafo %s: --factor: at most %zu columns\n", cmd, o->nfactors);
            *bad = true;
        } else {
            o->factors[o->nfactors++] = arg;
        }
        return true;
    case 8:
        if (strcmp(arg, "sorted") == 0) o->levels = GF_LEVELS_SORTED;
        else if (strcmp(arg, "appearance") == 0) o->levels = GF_LEVELS_APPEARANCE;
        else {
            fprintf(stderr, "grafo %s: --levels: '%s' is not 'sorted' or 'appearance'\n", cmd,
                    arg);
            *bad = true;
        }
        return true;
    default:
        return false;
    }
}

void table_free(table *t)
{
    if (!t) return;
    free(t->x);
    for (size_t j = 0; t->names && j < t->p; j++) free(t->names[j]);
    free(t->names);
    free(t->y);
    free(t->label);
    for (size_t c = 0; t->classes && c < t->nclasses; c++) free(t->classes[c]);
    free(t->classes);
    gf_frame_free(t->frame);
    gf_terms_free(t->terms);
    free(t->row);
    memset(t, 0, sizeof *t);
}

/* Exactly one source of data must be given. */
static int check_sources(const char *cmd, const data_opts *o, bool need_formula)
{
    int sources = (o->csv != NULL) + (o->libsvm != NULL) + (o->images || o->labels);
    if (sources != 1) {
        fprintf(stderr, "grafo %s: give the data as one of --data FILE.csv, --libsvm FILE, or "
                "--images FILE --labels FILE (see --help)\n", cmd);
        return EXIT_USAGE;
    }
    if (o->csv && need_formula && !o->formula) {
        fprintf(stderr, "grafo %s: --data needs --formula, e.g. --formula \"y ~ .\"\n", cmd);
        return EXIT_USAGE;
    }
    if (!o->csv && o->formula) {
        fprintf(stderr, "grafo %s: --formula applies to --data (CSV) only\n", cmd);
        return EXIT_USAGE;
    }
    if ((o->images != NULL) != (o->labels != NULL)) {
        fprintf(stderr, "grafo %s: --images and --labels go together\n", cmd);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char **generic_names(size_t p)
{
    char **names = calloc(p ? p : 1, sizeof *names);
    for (size_t j = 0; names && j < p; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "x%zu", j + 1);
        if (!(names[j] = strdup(buf))) return NULL; /* leak on OOM at exit is harmless */
    }
    return names;
}

/* Classes from a numeric response: its distinct values, sorted, named as
 * R's factor() names them. */
static int classes_from_values(const char *cmd, table *t)
{
    double *v = malloc((t->n ? t->n : 1) * sizeof *v);
    t->label = malloc((t->n ? t->n : 1) * sizeof *t->label);
    if (!v || !t->label) {
        free(v);
        fprintf(stderr, "grafo %s: out of memory\n", cmd);
        return EXIT_FIT;
    }
    memcpy(v, t->y, t->n * sizeof *v);
    qsort(v, t->n, sizeof *v, cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (k == 0 || v[i] != v[k - 1]) v[k++] = v[i];
    t->classes = calloc(k ? k : 1, sizeof *t->classes);
    for (size_t c = 0; t->classes && c < k; c++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.15g", v[c]);
        t->classes[c] = strdup(buf);
    }
    t->nclasses = k;
    for (size_t i = 0; i < t->n; i++) {
        size_t lo = 0, hi = k;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (v[mid] <= t->y[i]) lo = mid;
            else hi = mid;
        }
        t->label[i] = (int32_t)lo;
    }
    free(v);
    free(t->y);
    t->y = NULL;
    return EXIT_OK;
}

static int load_libsvm(const char *cmd, const data_opts *o, size_t nfeatures, table *t)
{
    gf_libsvm_opts lo = GF_LIBSVM_OPTS_DEFAULT;
    lo.n_features = nfeatures;
    gf_sparse *s = NULL;
    gf_status st = gf_libsvm_read(o->libsvm, &lo, &s);
    if (st != GF_OK) return fail(cmd, data_code(st));
    t->n = s->rows;
    t->p = s->cols;
    if (t->p == 0 || t->n == 0) {
        gf_sparse_free(s);
        fprintf(stderr, "grafo %s: %s: no examples or no features\n", cmd, o->libsvm);
        return EXIT_DATA;
    }
    if (t->n > SIZE_MAX / sizeof(double) / t->p ||
        !(t->x = malloc(t->n * t->p * sizeof *t->x)) || !(t->y = malloc(t->n * sizeof *t->y))) {
        gf_sparse_free(s);
        fprintf(stderr, "grafo %s: %s: %zu x %zu is too large to hold densely\n", cmd, o->libsvm,
                t->n, t->p);
        return EXIT_DATA;
    }
    gf_sparse_to_dense(s, t->x);
    memcpy(t->y, s->y, t->n * sizeof *t->y);
    gf_sparse_free(s);
    t->names = generic_names(t->p);
    t->intercept = true;
    snprintf(t->source, sizeof t->source, "%s", o->libsvm);
    return EXIT_OK;
}

static int load_idx(const char *cmd, const data_opts *o, table *t)
{
    gf_dataset *ds = gf_dataset_load_idx(o->images, o->labels, 1 << 16);
    if (!ds) return fail(cmd, EXIT_DATA);
    t->n = gf_dataset_rows(ds);
    t->p = gf_dataset_cols(ds);
    t->x = malloc(t->n * t->p * sizeof *t->x);
    t->y = malloc(t->n * sizeof *t->y);
    if (!t->x || !t->y) {
        gf_dataset_free(ds);
        fprintf(stderr, "grafo %s: out of memory\n", cmd);
        return EXIT_FIT;
    }
    const float *x = gf_dataset_x(ds), *y = gf_dataset_y(ds);
    for (size_t i = 0; i < t->n * t->p; i++) t->x[i] = x[i];
    for (size_t i = 0; i < t->n; i++) t->y[i] = y[i];
    gf_dataset_free(ds);
    t->names = generic_names(t->p);
    t->intercept = true;
    snprintf(t->source, sizeof t->source, "%s", o->images);
    return EXIT_OK;
}

static gf_status read_csv(const data_opts *o, gf_frame **f)
{
    gf_csv_opts co = GF_CSV_OPTS_DEFAULT;
    co.delimiter = o->delimiter;
    co.na = GF_NA_KEEP; /* the design decides, on the formula's columns only */
    co.levels = o->levels;
    co.factors = o->factors;
    co.n_factors = o->nfactors;
    return gf_csv_read(o->csv, &co, f);
}

/* A numeric response column becomes a factor when classes are wanted. */
static gf_status response_as_factor(gf_frame *f, const gf_terms *t)
{
    const char *r = gf_terms_response(t);
    long j = r ? gf_frame_find(f, r) : -1;
    if (j < 0 || gf_frame_type(f, (size_t)j) == GF_COL_FACTOR) return GF_OK;
    return gf_frame_as_factor(f, (size_t)j, GF_LEVELS_SORTED);
}

/* The design of terms on t->frame, moved into the table. */
static int take_design(const char *cmd, const data_opts *o, bool need_response, table *t)
{
    gf_design_opts dopts = GF_DESIGN_OPTS_DEFAULT;
    dopts.na_omit = o->na_omit;
    dopts.need_response = need_response;
    gf_design *d = NULL;
    gf_status s = gf_design_new(t->terms, t->frame, &dopts, &d);
    if (s != GF_OK) return fail(cmd, data_code(s));
    t->n = d->n;
    t->p = d->p;
    t->x = d->x;
    t->names = d->names;
    t->y = d->y;
    t->label = d->label;
    t->classes = d->classes;
    t->nclasses = d->nclasses;
    t->intercept = d->intercept;
    t->row = d->row;
    t->omitted = d->omitted;
    d->x = NULL, d->names = NULL, d->y = NULL, d->label = NULL, d->classes = NULL;
    d->row = NULL;
    d->p = 0, d->nclasses = 0;
    gf_design_free(d);
    if (t->n == 0) {
        fprintf(stderr, "grafo %s: %s: no rows left%s\n", cmd, o->csv,
                t->omitted ? " after dropping those with missing values" : "");
        return EXIT_DATA;
    }
    return EXIT_OK;
}

int table_load(const char *cmd, const data_opts *o, bool classes, table *t)
{
    memset(t, 0, sizeof *t);
    int rc = check_sources(cmd, o, true);
    if (rc != EXIT_OK) return rc;
    if (o->libsvm) rc = load_libsvm(cmd, o, 0, t);
    else if (o->images) rc = load_idx(cmd, o, t);
    if (!o->csv) {
        if (rc == EXIT_OK && classes) rc = classes_from_values(cmd, t);
        return rc;
    }
    snprintf(t->source, sizeof t->source, "%s", o->csv);
    gf_status s = read_csv(o, &t->frame);
    if (s != GF_OK) return fail(cmd, data_code(s));
    s = gf_terms_new(o->formula, t->frame, &t->terms);
    if (s != GF_OK) return fail(cmd, s == GF_ERR_NOMEM ? EXIT_FIT : EXIT_USAGE);
    if (!gf_terms_response(t->terms)) {
        fprintf(stderr, "grafo %s: the formula '%s' has no response (write 'y ~ ...')\n", cmd,
                o->formula);
        return EXIT_USAGE;
    }
    if (classes) {
        /* Resolve again once the response is a factor, so the terms record
         * its levels: the class names. */
        if ((s = response_as_factor(t->frame, t->terms)) == GF_OK) {
            gf_terms_free(t->terms);
            t->terms = NULL;
            s = gf_terms_new(o->formula, t->frame, &t->terms);
        }
        if (s != GF_OK) return fail(cmd, data_code(s));
    }
    rc = take_design(cmd, o, true, t);
    if (rc == EXIT_OK && !classes && !t->y) {
        fprintf(stderr, "grafo %s: the response '%s' is categorical; this model needs a number "
                "(use logistic or softmax for classes)\n", cmd, gf_terms_response(t->terms));
        return EXIT_DATA;
    }
    return rc;
}

/* Map a numeric response onto the model's class names, as the training
 * data's were named. */
static int labels_from_names(const char *cmd, gf_pipeline *p, table *t)
{
    size_t k = gf_pipeline_nclasses(p);
    t->label = malloc((t->n ? t->n : 1) * sizeof *t->label);
    if (!t->label) return EXIT_FIT;
    for (size_t i = 0; i < t->n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.15g", t->y[i]);
        size_t c = 0;
        while (c < k && strcmp(buf, gf_pipeline_class(p, c)) != 0) c++;
        if (c == k) {
            fprintf(stderr, "grafo %s: %s: example %zu has class %s, which the model does not "
                    "know\n", cmd, t->source, i + 1, buf);
            return EXIT_DATA;
        }
        t->label[i] = (int32_t)c;
    }
    free(t->y);
    t->y = NULL;
    return EXIT_OK;
}

int table_load_for(const char *cmd, const data_opts *o, gf_pipeline *p, bool want_response,
                   table *t)
{
    memset(t, 0, sizeof *t);
    const gf_terms *terms = gf_pipeline_terms(p);
    int rc = check_sources(cmd, o, false);
    if (rc != EXIT_OK) return rc;
    if (o->formula) {
        fprintf(stderr, "grafo %s: the model brings its own formula; drop --formula\n", cmd);
        return EXIT_USAGE;
    }
    if (terms && !o->csv) {
        fprintf(stderr, "grafo %s: this model was fitted on CSV data with the formula '%s'; "
                "give it --data FILE.csv\n", cmd, gf_terms_formula(terms));
        return EXIT_DATA;
    }
    if (!terms && o->csv) {
        fprintf(stderr, "grafo %s: this model takes %zu plain features (libsvm or IDX data), "
                "not a CSV file\n", cmd, gf_pipeline_nfeatures(p));
        return EXIT_DATA;
    }
    bool classes = gf_pipeline_nclasses(p) > 0;
    if (!terms) {
        rc = o->libsvm ? load_libsvm(cmd, o, gf_pipeline_nfeatures(p), t) : load_idx(cmd, o, t);
        if (rc == EXIT_OK && t->p != gf_pipeline_nfeatures(p)) {
            fprintf(stderr, "grafo %s: %s has %zu features; the model takes %zu\n", cmd,
                    t->source, t->p, gf_pipeline_nfeatures(p));
            return EXIT_DATA;
        }
        if (rc == EXIT_OK && classes) rc = labels_from_names(cmd, p, t);
        return rc;
    }
    snprintf(t->source, sizeof t->source, "%s", o->csv);
    gf_status s = read_csv(o, &t->frame);
    if (s != GF_OK) return fail(cmd, data_code(s));
    const char *response = gf_terms_response(terms);
    bool has_response = response && gf_frame_find(t->frame, response) >= 0;
    if (want_response && !has_response) {
        fprintf(stderr, "grafo %s: %s has no column '%s' (the response) to compare with\n", cmd,
                o->csv, response ? response : "(none)");
        return EXIT_DATA;
    }
    if (has_response && classes && (s = response_as_factor(t->frame, terms)) != GF_OK)
        return fail(cmd, data_code(s));
    /* Copy the terms so the table owns what it frees. */
    size_t nv = gf_terms_nvars(terms);
    gf_var_info *vars = malloc((nv ? nv : 1) * sizeof *vars);
    if (!vars) return EXIT_FIT;
    for (size_t i = 0; i < nv; i++) vars[i] = gf_terms_var(terms, i);
    s = gf_terms_from_vars(gf_terms_formula(terms), vars, nv, &t->terms);
    free(vars);
    if (s != GF_OK) return fail(cmd, EXIT_MODEL);
    return take_design(cmd, o, has_response, t);
}
