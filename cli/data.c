/* Reading examples for the subcommands: CSV with a formula, libsvm or IDX,
 * into one table of design columns and a response. */
#include "cli.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fail(const char *cmd, int code)
{
    const char *msg = gf_errmsg();
    fprintf(stderr, "grafo %s: %s\n", cmd, msg);
    /* The library names its own options; say which flag of the command is meant. */
    if (strstr(msg, "na_omit"))
        fprintf(stderr, "grafo %s: (--na omit drops rows with missing values)\n", cmd);
    if (strstr(msg, "the factors option"))
        fprintf(stderr, "grafo %s: (--factor NAME reads a column as categorical)\n", cmd);
    return code;
}

int output_check(const char *cmd, const char *opt, const char *path, bool stream_ok,
                 char *target, size_t size)
{
    if (!path[0]) {
        fprintf(stderr, "grafo %s: %s needs a file name, not ''\n", cmd, opt);
        return EXIT_USAGE;
    }
    /* Through symbolic links to the file itself: the rename that saves
     * atomically would otherwise replace the link (or /dev/stdout). */
    char *real = realpath(path, NULL);
    snprintf(target, size, "%s", real ? real : path);
    free(real);
    struct stat st;
    if (stat(target, &st) == 0 || stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            fprintf(stderr, "grafo %s: %s %s: is a directory; give a file name\n", cmd, opt,
                    path);
            return EXIT_OUTPUT;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(target, size, "%s", path);
            if (stream_ok) return EXIT_OK;
            fprintf(stderr, "grafo %s: %s %s: not a regular file (a device or a pipe); a model "
                    "file must be a file\n", cmd, opt, path);
            return EXIT_OUTPUT;
        }
    }
    char *copy = strdup(target);
    if (!copy) return EXIT_OUTPUT;
    const char *dir = dirname(copy);
    int rc = EXIT_OK;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "grafo %s: %s %s: the directory %s does not exist\n", cmd, opt, path,
                dir);
        rc = EXIT_OUTPUT;
    } else if (access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "grafo %s: %s %s: cannot create files in %s: %s\n", cmd, opt, path, dir,
                strerror(errno));
        rc = EXIT_OUTPUT;
    }
    free(copy);
    return rc;
}

int output_not_input(const char *cmd, const char *opt, const char *path, const data_opts *o,
                     const char *model)
{
    struct stat out;
    if (stat(path, &out) != 0 || !S_ISREG(out.st_mode)) return EXIT_OK; /* a new file */
    const char *inputs[] = { o->csv, o->libsvm, o->images, o->labels, model };
    const char *names[] = { "--data", "--libsvm", "--images", "--labels", "--model" };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        struct stat in;
        if (inputs[i] && stat(inputs[i], &in) == 0 && in.st_dev == out.st_dev &&
            in.st_ino == out.st_ino) {
            fprintf(stderr, "grafo %s: %s %s is the %s file; writing it would destroy what is "
                    "read (choose another name)\n", cmd, opt, path, names[i]);
            return EXIT_USAGE;
        }
    }
    return EXIT_OK;
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
        o->na_given = true;
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
        o->levels_given = true;
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
static int check_sources(const char *cmd, const data_opts *o, bool need_formula,
                         bool need_labels)
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
    if (o->labels && !o->images) {
        fprintf(stderr, "grafo %s: --labels needs --images\n", cmd);
        return EXIT_USAGE;
    }
    if (o->images && !o->labels && need_labels) {
        fprintf(stderr, "grafo %s: --images needs --labels here (the answers to %s)\n", cmd,
                need_formula ? "learn from" : "compare with");
        return EXIT_USAGE;
    }
    const char *csv_only = o->delimiter ? "--delimiter" : o->na_given ? "--na"
                         : o->nfactors ? "--factor" : o->levels_given ? "--levels" : NULL;
    if (!o->csv && csv_only) {
        fprintf(stderr, "grafo %s: %s applies to --data (CSV) only\n", cmd, csv_only);
        return EXIT_USAGE;
    }
    const char *names[] = { o->csv, o->libsvm, o->images, o->labels };
    const char *opts[] = { "--data", "--libsvm", "--images", "--labels" };
    for (size_t i = 0; i < 4; i++)
        if (names[i] && !names[i][0]) {
            fprintf(stderr, "grafo %s: %s needs a file name, not ''\n", cmd, opts[i]);
            return EXIT_USAGE;
        }
    return EXIT_OK;
}

/* x1, x2, ... for data whose columns have no names. */
static int name_columns(const char *cmd, table *t)
{
    t->names = calloc(t->p ? t->p : 1, sizeof *t->names);
    size_t j = 0;
    for (; t->names && j < t->p; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "x%zu", j + 1);
        if (!(t->names[j] = strdup(buf))) break;
    }
    if (t->names && j == t->p) return EXIT_OK;
    fprintf(stderr, "grafo %s: out of memory naming %zu columns\n", cmd, t->p);
    return EXIT_FIT; /* the caller's table_free frees what was named */
}

/* The numeric labels of libsvm or IDX data as a factor, as R's factor(y)
 * makes one (gf_frame_as_factor): levels sorted by value and spelled as R
 * spells numbers, so labels that print alike are one class. */
static int labels_as_factor(const char *cmd, const table *t, gf_frame **f)
{
    *f = gf_frame_new(t->n);
    if (!*f || gf_frame_add_numeric(*f, "label", t->y) != GF_OK ||
        gf_frame_as_factor(*f, 0, GF_LEVELS_SORTED) != GF_OK)
        return fail(cmd, EXIT_DATA);
    return EXIT_OK;
}

/* Classes from a numeric response: the levels of labels_as_factor. */
static int classes_from_values(const char *cmd, table *t)
{
    gf_frame *f = NULL;
    int rc = labels_as_factor(cmd, t, &f);
    size_t k = rc == EXIT_OK ? gf_frame_nlevels(f, 0) : 0, m = t->n ? t->n : 1;
    if (rc == EXIT_OK) {
        t->label = malloc(m * sizeof *t->label);
        t->classes = calloc(k ? k : 1, sizeof *t->classes);
        if (!t->label || !t->classes) rc = EXIT_FIT;
    }
    for (size_t c = 0; rc == EXIT_OK && c < k; c++)
        if (!(t->classes[c] = strdup(gf_frame_level(f, 0, c)))) rc = EXIT_FIT;
    if (rc == EXIT_OK) {
        t->nclasses = k;
        memcpy(t->label, gf_frame_codes(f, 0), t->n * sizeof *t->label);
        free(t->y);
        t->y = NULL;
    }
    if (rc == EXIT_FIT) fprintf(stderr, "grafo %s: out of memory\n", cmd);
    gf_frame_free(f);
    return rc;
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
    /* The largest index sets the columns: checked against the caps before
     * the dense copy is allocated, so a tiny file cannot ask for gigabytes. */
    size_t values = 0;
    if (gf_sparse_dense_count(s, &values) != GF_OK) {
        gf_sparse_free(s);
        fprintf(stderr, "grafo %s: %s: %s\n", cmd, o->libsvm, gf_errmsg());
        return EXIT_DATA;
    }
    if (!(t->x = malloc(values * sizeof *t->x)) || !(t->y = malloc(t->n * sizeof *t->y))) {
        gf_sparse_free(s);
        fprintf(stderr, "grafo %s: %s: out of memory holding %zu x %zu values densely\n", cmd,
                o->libsvm, t->n, t->p);
        return EXIT_DATA;
    }
    gf_sparse_to_dense(s, t->x);
    memcpy(t->y, s->y, t->n * sizeof *t->y);
    gf_sparse_free(s);
    t->intercept = true;
    snprintf(t->source, sizeof t->source, "%s", o->libsvm);
    return name_columns(cmd, t);
}

/* Images without labels (predicting): one IDX file, its first dimension
 * the examples. */
static int load_idx_images(const char *cmd, const data_opts *o, table *t)
{
    gf_idx idx;
    if (gf_idx_read(o->images, &idx) != GF_OK) return fail(cmd, EXIT_DATA);
    t->n = idx.dims[0];
    t->p = idx.ndim > 1 ? idx.count / idx.dims[0] : 1;
    t->x = malloc((idx.count ? idx.count : 1) * sizeof *t->x);
    if (!t->x) {
        gf_idx_free(&idx);
        fprintf(stderr, "grafo %s: out of memory\n", cmd);
        return EXIT_FIT;
    }
    /* The same float division as gf_dataset_load_idx, so the values match bit
     * for bit whether labels come along or not. */
    bool bytes = idx.elem_type == 0x08;
    for (size_t i = 0; i < idx.count; i++) t->x[i] = bytes ? idx.data[i] / 255.0f : idx.data[i];
    gf_idx_free(&idx);
    t->intercept = true;
    snprintf(t->source, sizeof t->source, "%s", o->images);
    return name_columns(cmd, t);
}

static int load_idx(const char *cmd, const data_opts *o, table *t)
{
    if (!o->labels) return load_idx_images(cmd, o, t);
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
    t->intercept = true;
    snprintf(t->source, sizeof t->source, "%s", o->images);
    return name_columns(cmd, t);
}

static gf_status read_csv_factors(const data_opts *o, const char *const *factors, size_t n,
                                  gf_frame **f)
{
    gf_csv_opts co = GF_CSV_OPTS_DEFAULT;
    co.delimiter = o->delimiter;
    co.na = GF_NA_KEEP; /* the design decides, on the formula's columns only */
    co.levels = o->levels;
    co.factors = factors;
    co.n_factors = n;
    return gf_csv_read(o->csv, &co, f);
}

static gf_status read_csv(const data_opts *o, gf_frame **f)
{
    return read_csv_factors(o, o->factors, o->nfactors, f);
}

/* The column a formula variable reads as it is: its name, unquoted from
 * R's backquotes, into buf; NULL for a call such as factor(cyl). */
static const char *var_column(const char *name, char *buf, size_t size)
{
    size_t len = strlen(name);
    if (len < 2 || name[0] != '`' || name[len - 1] != '`')
        return strpbrk(name, "()") ? NULL : name;
    size_t n = 0;
    for (size_t i = 1; i + 1 < len && n + 1 < size; i++) {
        if (name[i] == '\\' && i + 2 < len) i++;
        buf[n++] = name[i];
    }
    buf[n] = '\0';
    return buf;
}

/* The CSV file for a model, read as the model's variables need: a column
 * the model took as a factor (--factor cyl when it was fitted) is read as
 * one again, without being told, when its cells are numbers.  Returns an
 * exit code, after a message if it is not EXIT_OK. */
static int read_csv_for(const char *cmd, const data_opts *o, const gf_terms *terms, gf_frame **f)
{
    gf_status s = read_csv(o, f);
    if (s != GF_OK) return fail(cmd, data_code(s));
    size_t nv = gf_terms_nvars(terms), n = 0;
    char **factors = calloc(nv ? nv : 1, sizeof *factors);
    bool nomem = !factors;
    /* The response is left alone: a numeric one became classes by its
     * formatted values (response_as_factor), not by its text. */
    for (size_t i = gf_terms_response(terms) ? 1 : 0; !nomem && i < nv; i++) {
        gf_var_info v = gf_terms_var(terms, i);
        char buf[1024];
        const char *col = v.type == GF_COL_FACTOR ? var_column(v.name, buf, sizeof buf) : NULL;
        long j = col ? gf_frame_find(*f, col) : -1;
        if (j >= 0 && gf_frame_type(*f, (size_t)j) == GF_COL_NUMERIC)
            nomem = !(factors[n++] = strdup(col));
    }
    if (!nomem && n) {
        gf_frame_free(*f);
        *f = NULL;
        s = read_csv_factors(o, (const char *const *)factors, n, f);
    }
    for (size_t i = 0; factors && i < n; i++) free(factors[i]);
    free(factors);
    if (nomem) {
        fprintf(stderr, "grafo %s: out of memory\n", cmd);
        return EXIT_FIT;
    }
    return s == GF_OK ? EXIT_OK : fail(cmd, data_code(s));
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

/* Classes made from a numeric response: when there are many and most rows
 * have a class of their own, the response is a measurement, not a code
 * (and one-vs-rest over 3000 "classes" runs for hours). */
static int classes_plausible(const char *cmd, const table *t)
{
    if (t->nclasses < 20 || 2 * t->nclasses <= t->n) return EXIT_OK;
    fprintf(stderr, "grafo %s: %s: the response%s%s%s has %zu distinct values in %zu rows: a "
            "number to regress, not classes (fit ols, ridge, lasso or enet, or train a network "
            "ending in identity)\n", cmd, t->source, t->terms ? " '" : "",
            t->terms ? gf_terms_response(t->terms) : "", t->terms ? "'" : "", t->nclasses, t->n);
    return EXIT_DATA;
}

int table_load(const char *cmd, const data_opts *o, bool classes, table *t)
{
    memset(t, 0, sizeof *t);
    int rc = check_sources(cmd, o, true, true);
    if (rc != EXIT_OK) return rc;
    if (o->libsvm) rc = load_libsvm(cmd, o, 0, t);
    else if (o->images) rc = load_idx(cmd, o, t);
    if (!o->csv) {
        if (rc == EXIT_OK && classes) rc = classes_from_values(cmd, t);
        if (rc == EXIT_OK && classes) rc = classes_plausible(cmd, t);
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
    long rj = gf_frame_find(t->frame, gf_terms_response(t->terms));
    bool numeric = rj >= 0 && gf_frame_type(t->frame, (size_t)rj) == GF_COL_NUMERIC;
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
    if (rc == EXIT_OK && classes && !t->label) {
        fprintf(stderr, "grafo %s: %s: the response '%s' is a number computed from the data, "
                "which cannot be classes (use a column, or factor(...))\n", cmd, o->csv,
                gf_terms_response(t->terms));
        return EXIT_USAGE;
    }
    if (rc == EXIT_OK && classes && numeric) rc = classes_plausible(cmd, t);
    if (rc == EXIT_OK && !classes && !t->y) {
        fprintf(stderr, "grafo %s: %s: the response '%s' is categorical; this model needs a "
                "number (%s)\n", cmd, o->csv, gf_terms_response(t->terms),
                strcmp(cmd, "train") == 0 ? "for classes, end the layers in softmax or sigmoid"
                                          : "use logistic or softmax for classes");
        return EXIT_DATA;
    }
    return rc;
}

/* Map a numeric response onto the model's class names, as the training
 * data's were named. */
static int labels_from_names(const char *cmd, gf_pipeline *p, table *t)
{
    gf_frame *f = NULL;
    int rc = labels_as_factor(cmd, t, &f);
    if (rc != EXIT_OK) {
        gf_frame_free(f);
        return rc;
    }
    size_t k = gf_pipeline_nclasses(p), nl = gf_frame_nlevels(f, 0);
    const int32_t *code = gf_frame_codes(f, 0);
    int32_t *to_class = malloc((nl ? nl : 1) * sizeof *to_class);
    t->label = malloc((t->n ? t->n : 1) * sizeof *t->label);
    if (!to_class || !t->label) rc = EXIT_FIT;
    for (size_t l = 0; rc == EXIT_OK && l < nl; l++) {
        const char *name = gf_frame_level(f, 0, l);
        size_t c = 0;
        while (c < k && strcmp(name, gf_pipeline_class(p, c)) != 0) c++;
        to_class[l] = (int32_t)c;
        if (c == k) {
            size_t i = 0;
            while (code[i] != (int32_t)l) i++;
            fprintf(stderr, "grafo %s: %s: example %zu has class %s, which the model does not "
                    "know\n", cmd, t->source, i + 1, name);
            rc = EXIT_DATA;
        }
    }
    for (size_t i = 0; rc == EXIT_OK && i < t->n; i++) t->label[i] = to_class[code[i]];
    if (rc == EXIT_OK) {
        free(t->y);
        t->y = NULL;
    }
    free(to_class);
    gf_frame_free(f);
    return rc;
}

/* What every use of a saved model checks first: one source of data, of
 * the kind the model was fitted on, and no option the model decides. */
static int check_for_model(const char *cmd, const data_opts *o, gf_pipeline *p,
                           bool want_response)
{
    const gf_terms *terms = gf_pipeline_terms(p);
    int rc = check_sources(cmd, o, false, want_response);
    if (rc != EXIT_OK) return rc;
    if (o->formula) {
        fprintf(stderr, "grafo %s: the model brings its own formula; drop --formula\n", cmd);
        return EXIT_USAGE;
    }
    if (o->nfactors || o->levels_given) {
        fprintf(stderr, "grafo %s: the model brings its factors and their levels; drop %s\n",
                cmd, o->nfactors ? "--factor" : "--levels");
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
    return EXIT_OK;
}

int frame_load_for(const char *cmd, const data_opts *o, gf_pipeline *p, table *t)
{
    memset(t, 0, sizeof *t);
    int rc = check_for_model(cmd, o, p, false);
    if (rc != EXIT_OK) return rc;
    snprintf(t->source, sizeof t->source, "%s", o->csv);
    return read_csv_for(cmd, o, gf_pipeline_terms(p), &t->frame);
}

int table_load_for(const char *cmd, const data_opts *o, gf_pipeline *p, bool want_response,
                   table *t)
{
    memset(t, 0, sizeof *t);
    const gf_terms *terms = gf_pipeline_terms(p);
    int rc = check_for_model(cmd, o, p, want_response);
    if (rc != EXIT_OK) return rc;
    bool classes = gf_pipeline_nclasses(p) > 0;
    if (!terms) {
        rc = o->libsvm ? load_libsvm(cmd, o, gf_pipeline_nfeatures(p), t) : load_idx(cmd, o, t);
        if (rc == EXIT_OK && t->p != gf_pipeline_nfeatures(p)) {
            fprintf(stderr, "grafo %s: %s has %zu features; the model takes %zu\n", cmd,
                    t->source, t->p, gf_pipeline_nfeatures(p));
            return EXIT_DATA;
        }
        /* The labels only matter to compare with: predicting ignores them. */
        if (rc == EXIT_OK && classes && want_response) rc = labels_from_names(cmd, p, t);
        return rc;
    }
    snprintf(t->source, sizeof t->source, "%s", o->csv);
    rc = read_csv_for(cmd, o, terms, &t->frame);
    if (rc != EXIT_OK) return rc;
    const char *response = gf_terms_response(terms);
    if (want_response && !response) {
        fprintf(stderr, "grafo %s: the model's formula '%s' has no response to compare with\n",
                cmd, gf_terms_formula(terms));
        return EXIT_DATA;
    }
    bool has_response = response && gf_frame_find(t->frame, response) >= 0;
    if (want_response && !has_response) {
        fprintf(stderr, "grafo %s: %s has no column '%s' (the response) to compare with\n", cmd,
                o->csv, response);
        return EXIT_DATA;
    }
    gf_status s;
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
