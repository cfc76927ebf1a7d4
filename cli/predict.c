/* grafo predict and grafo eval: use a saved model on new data. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"

typedef struct use_opts {
    data_opts data;
    const char *model, *output;
    bool json;
    long threads;
    const char *given[ARG_CODES]; /* each option's value as given, "" for a flag */
} use_opts;

static void use_usage(FILE *f, const char *cmd)
{
    bool eval = strcmp(cmd, "eval") == 0;
    fprintf(f,
            "usage: grafo %s --model FILE [data] [options]\n"
            "%s\n"
            "\n" DATA_HELP
            "  (a CSV file needs the columns of the model's formula%s; the model brings\n"
            "  its formula, scaling and factor levels)\n"
            "options:\n"
            "  --model FILE      a model saved by grafo fit or grafo train --save\n"
            "%s"
            "  --json            print JSON\n"
            "  --threads N       threads; 0 = one per core [0]\n"
            "  --help            this text\n",
            cmd,
            eval ? "Measure a saved model on data with known answers: RMSE, MAE and R-squared,\n"
                   "or accuracy, log-loss, the confusion matrix and per-class precision,\n"
                   "recall and F1."
                 : "Predict with a saved model: one CSV line per row, with the predicted\n"
                   "value, or the class and each class's probability (or score).",
            eval ? ", the response included" : "",
            eval ? "" : "  --output FILE     write the predictions there (atomically) instead of\n"
                        "                    to standard output\n");
}

enum { OPT_MODEL = 1, OPT_OUTPUT, OPT_JSON, OPT_THREADS, OPT_HELP };

static int parse(const char *cmd, int argc, char **argv, use_opts *o)
{
    static const struct option longs[] = {
        DATA_LONG_OPTIONS,
        {"model", required_argument, NULL, OPT_MODEL},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"json", no_argument, NULL, OPT_JSON},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    /* eval writes no file: without --output, "--o" is no abbreviation. */
    const struct option *opts = longs;
    struct option eval_longs[sizeof longs / sizeof longs[0]];
    if (strcmp(cmd, "predict") != 0) {
        size_t n = 0;
        for (const struct option *l = longs; l->name; l++)
            if (l->val != OPT_OUTPUT) eval_longs[n++] = *l;
        eval_longs[n] = (struct option){ NULL, 0, NULL, 0 };
        opts = eval_longs;
    }
    bool bad = false;
    int c;
    arg_start();
    while (!bad && (c = arg_next(cmd, argc, argv, opts, OPT_HELP, DATA_OPT_FACTOR, o->given)) != -1) {
        const char *a = optarg;
        if (c == 0) {
            bad = true;
            break;
        }
        if (data_option(cmd, c, a, &o->data, &bad)) continue;
        switch (c) {
        case OPT_MODEL: o->model = a; break;
        case OPT_OUTPUT: o->output = a; break;
        case OPT_JSON: o->json = true; break;
        case OPT_THREADS: bad = !arg_int(cmd, "--threads", a, 0, 1024, &o->threads); break;
        case OPT_HELP: use_usage(stdout, cmd); return EXIT_OK;
        default:
            fprintf(stderr, "grafo %s: unknown option '%s'\n", cmd, argv[optind - 1]);
            bad = true;
        }
    }
    if (!bad && optind < argc) {
        fprintf(stderr, "grafo %s: unexpected argument '%s'\n", cmd, argv[optind]);
        bad = true;
    }
    if (!bad && !o->model) {
        fprintf(stderr, "grafo %s: --model FILE is required\n", cmd);
        bad = true;
    }
    return bad ? EXIT_USAGE : -1;
}

/* Load the model and the data, and predict. */
static int run(const char *cmd, const use_opts *o, bool want_response, gf_pipeline **p, table *t,
               gf_prediction **pr)
{
    memset(t, 0, sizeof *t);
    if (gf_pipeline_load(o->model, p) != GF_OK) return fail(cmd, EXIT_MODEL);
    if (!want_response && gf_pipeline_terms(*p)) {
        /* CSV data: the pipeline makes the design, without the response, so
         * whatever the response column holds (or its absence) is no matter. */
        int rc = frame_load_for(cmd, &o->data, *p, t);
        if (rc != EXIT_OK) return rc;
        if (gf_pipeline_predict(*p, t->frame, o->data.na_omit, pr) != GF_OK)
            return fail(cmd, EXIT_DATA);
        t->n = (*pr)->n;
        if (!(t->row = malloc((t->n ? t->n : 1) * sizeof *t->row))) {
            fprintf(stderr, "grafo %s: out of memory\n", cmd);
            return EXIT_FIT;
        }
        memcpy(t->row, (*pr)->row, t->n * sizeof *t->row);
        return EXIT_OK;
    }
    int rc = table_load_for(cmd, &o->data, *p, want_response, t);
    if (rc != EXIT_OK) return rc;
    if (gf_pipeline_predict_x(*p, t->x, t->n, t->p, pr) != GF_OK) return fail(cmd, EXIT_DATA);
    return EXIT_OK;
}

/* Row i's name: the frame's row name (whole, however long), else its
 * 1-based row number written into buf. */
static const char *row_label(const table *t, size_t i, char *buf, size_t size)
{
    size_t r = t->row ? t->row[i] : i;
    const char *name = t->frame ? gf_frame_row_name(t->frame, r) : NULL;
    if (name) return name;
    snprintf(buf, size, "%zu", r + 1);
    return buf;
}

/* A JSON string of s, whose bytes that are not UTF-8 (a Latin-1 row name)
 * become U+FFFD: json_string() gives NULL for them, which dropped the row. */
static json_t *json_text(const char *s)
{
    json_t *j = json_string(s);
    if (j) return j;
    size_t len = strlen(s);
    char *fixed = malloc(3 * len + 1), *at = fixed;
    if (!fixed) return NULL;
    for (const unsigned char *u = (const unsigned char *)s; *u;) {
        size_t n = *u < 0x80 ? 1 : *u >= 0xf0 ? 4 : *u >= 0xe0 ? 3 : *u >= 0xc2 ? 2 : 0;
        for (size_t k = 1; k < n; k++)
            if ((u[k] & 0xc0) != 0x80) n = 0;
        /* One sequence at a time: json_stringn judges what the table cannot
         * (overlong forms, surrogates, code points past U+10FFFF). */
        json_t *one = n ? json_stringn((const char *)u, n) : NULL;
        if (one) {
            memcpy(at, u, n);
            at += n;
            u += n;
            json_decref(one);
        } else {
            memcpy(at, "\xef\xbf\xbd", 3);
            at += 3;
            u++;
        }
    }
    *at = '\0';
    j = json_string(fixed);
    free(fixed);
    return j;
}

/* A CSV cell: quoted when it holds a delimiter, quote or line break. */
static void csv_cell(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void write_csv(FILE *f, gf_pipeline *p, const table *t, const gf_prediction *pr)
{
    gf_kind kind = gf_pipeline_kind(p);
    bool scores = kind == GF_KIND_PERCEPTRON || kind == GF_KIND_LINSVM;
    fputs("row,", f);
    if (!pr->label) {
        fputs("prediction\n", f);
    } else {
        fputs("class", f);
        for (size_t c = 0; c < pr->k; c++) {
            char head[512];
            snprintf(head, sizeof head, "%s%s", scores ? "score_" : "prob_",
                     gf_pipeline_class(p, c));
            fputc(',', f);
            csv_cell(f, head);
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < pr->n; i++) {
        char num[32];
        csv_cell(f, row_label(t, i, num, sizeof num));
        if (!pr->label) {
            fprintf(f, ",%.17g\n", pr->value[i]);
            continue;
        }
        fputc(',', f);
        csv_cell(f, gf_pipeline_class(p, (size_t)pr->label[i]));
        for (size_t c = 0; c < pr->k; c++) fprintf(f, ",%.17g", pr->score[i * pr->k + c]);
        fputc('\n', f);
    }
}

static json_t *predictions_json(gf_pipeline *p, const table *t, const gf_prediction *pr)
{
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < pr->n; i++) {
        char num[32];
        json_t *r = json_pack("{s:o}", "row", json_text(row_label(t, i, num, sizeof num)));
        if (!pr->label) {
            json_object_set_new(r, "prediction", json_real(pr->value[i]));
        } else {
            json_object_set_new(r, "class", json_string(gf_pipeline_class(p, (size_t)pr->label[i])));
            json_t *s = json_object();
            for (size_t c = 0; c < pr->k; c++)
                json_object_set_new(s, gf_pipeline_class(p, c), json_real(pr->score[i * pr->k + c]));
            json_object_set_new(r, "scores", s);
        }
        json_array_append_new(rows, r);
    }
    return rows;
}

/* Write text to something that is not a file (a terminal, a pipe,
 * /dev/stdout): as it is, since there is nothing to rename over. */
static int write_stream(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");
    bool ok = f && fwrite(text, 1, len, f) == len;
    if (f) ok = fclose(f) == 0 && ok;
    if (ok) return EXIT_OK;
    fprintf(stderr, "grafo predict: --output %s: cannot write: %s\n", path, strerror(errno));
    return EXIT_OUTPUT;
}

/* Write text to path through a temporary file and a rename, so a failure
 * never leaves a partial file. */
static int write_atomically(const char *path, const char *text, size_t len)
{
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return write_stream(path, text, len); /* a rename would replace the device */
    /* mkstemp makes the file private (0600): give it the mode a new file
     * would have (0666 less the umask), or the one of the file it replaces. */
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = exists ? st.st_mode & 07777 : 0666 & ~mask;
    char *dir_copy = strdup(path), tmp[4096];
    if (!dir_copy) return EXIT_OUTPUT;
    snprintf(tmp, sizeof tmp, "%s/.grafo-XXXXXX", dirname(dir_copy));
    free(dir_copy);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "grafo predict: %s: cannot create a file there: %s\n", path,
                strerror(errno));
        return EXIT_OUTPUT;
    }
    FILE *f = fdopen(fd, "w");
    bool ok = f && fchmod(fd, mode) == 0 && fwrite(text, 1, len, f) == len && fflush(f) == 0 &&
              fsync(fd) == 0;
    if (f) ok = fclose(f) == 0 && ok;
    else close(fd);
    if (ok && rename(tmp, path) == 0) return EXIT_OK;
    fprintf(stderr, "grafo predict: %s: cannot write: %s\n", path, strerror(errno));
    unlink(tmp);
    return EXIT_OUTPUT;
}

int cmd_predict(int argc, char **argv)
{
    use_opts o = { .data.levels = GF_LEVELS_SORTED };
    int rc = parse("predict", argc, argv, &o);
    if (rc >= 0) return rc;
    gf_set_threads((int)o.threads);
    char output_to[4096];
    if (o.output && ((rc = output_check("predict", "--output", o.output, true, output_to,
                                        sizeof output_to)) != EXIT_OK ||
                     (rc = output_not_input("predict", "--output", o.output, &o.data,
                                            o.model)) != EXIT_OK))
        return rc;
    gf_pipeline *p = NULL;
    gf_prediction *pr = NULL;
    table t;
    rc = run("predict", &o, false, &p, &t, &pr);
    if (rc == EXIT_OK) {
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        if (!mem) {
            rc = EXIT_OUTPUT;
        } else {
            if (o.json) {
                json_t *j = predictions_json(p, &t, pr);
                json_dumpf(j, mem, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
                fputc('\n', mem);
                json_decref(j);
            } else {
                write_csv(mem, p, &t, pr);
            }
            fclose(mem);
            if (o.output) rc = write_atomically(output_to, text, len);
            else if (fwrite(text, 1, len, stdout) != len) rc = EXIT_OUTPUT;
        }
        free(text);
    }
    gf_prediction_free(pr);
    gf_pipeline_free(p);
    table_free(&t);
    return rc;
}

/* ---------------------------------------------------------------- eval -- */

static int eval_regression(const use_opts *o, const table *t, const gf_prediction *pr)
{
    double mse = NAN, rmse = NAN, mae = NAN, r2 = NAN;
    gf_status s = gf_metric_mse(t->y, pr->value, t->n, &mse);
    if (s == GF_OK) s = gf_metric_rmse(t->y, pr->value, t->n, &rmse);
    if (s == GF_OK) s = gf_metric_mae(t->y, pr->value, t->n, &mae);
    if (s == GF_OK && gf_metric_r2(t->y, pr->value, t->n, &r2) != GF_OK) r2 = NAN;
    if (s != GF_OK) return fail("eval", EXIT_DATA);
    if (o->json) {
        json_t *j = json_pack("{s:I, s:f, s:f, s:f}", "n", (json_int_t)t->n, "mse", mse, "rmse",
                              rmse, "mae", mae);
        json_object_set_new(j, "r2", isnan(r2) ? json_null() : json_real(r2));
        print_json(j);
    } else {
        printf("rows       %zu\nMSE        %.6g\nRMSE       %.6g\nMAE        %.6g\n"
               "R-squared  %.6g\n", t->n, mse, rmse, mae, r2);
    }
    return EXIT_OK;
}

static int eval_classes(const use_opts *o, gf_pipeline *p, const table *t,
                        const gf_prediction *pr)
{
    size_t k = pr->k;
    gf_kind kind = gf_pipeline_kind(p);
    bool proba = kind != GF_KIND_PERCEPTRON && kind != GF_KIND_LINSVM;
    double logloss = NAN;
    gf_class_report *r = NULL;
    int64_t *conf = calloc(k * k, sizeof *conf);
    gf_status s = conf ? gf_class_report_new(t->label, pr->label, t->n, k, &r) : GF_ERR_NOMEM;
    if (s == GF_OK) s = gf_metric_confusion(t->label, pr->label, t->n, k, conf);
    if (s == GF_OK && proba) s = gf_metric_log_loss(t->label, pr->score, t->n, k, &logloss);
    if (s != GF_OK) {
        free(conf);
        gf_class_report_free(r);
        return fail("eval", EXIT_DATA);
    }
    if (o->json) {
        json_t *j = json_pack("{s:I, s:f}", "n", (json_int_t)t->n, "accuracy", r->accuracy);
        json_object_set_new(j, "log_loss", proba ? json_real(logloss) : json_null());
        json_t *classes = json_array(), *matrix = json_array();
        for (size_t c = 0; c < k; c++) {
            json_array_append_new(classes, json_pack("{s:s, s:f, s:f, s:f, s:I}", "class",
                                                     gf_pipeline_class(p, c), "precision",
                                                     r->precision[c], "recall", r->recall[c],
                                                     "f1", r->f1[c], "support",
                                                     (json_int_t)r->support[c]));
            json_t *row = json_array();
            for (size_t d = 0; d < k; d++)
                json_array_append_new(row, json_integer((json_int_t)conf[c * k + d]));
            json_array_append_new(matrix, row);
        }
        json_object_set_new(j, "classes", classes);
        json_object_set_new(j, "confusion", matrix);
        print_json(j);
    } else {
        printf("rows      %zu\naccuracy  %.6g\n", t->n, r->accuracy);
        if (proba) printf("log-loss  %.6g\n", logloss);
        printf("\nconfusion matrix (rows: true class, columns: predicted)\n%12s", "");
        for (size_t d = 0; d < k; d++) printf(" %10.10s", gf_pipeline_class(p, d));
        printf("\n");
        for (size_t c = 0; c < k; c++) {
            printf("%12.12s", gf_pipeline_class(p, c));
            for (size_t d = 0; d < k; d++) printf(" %10lld", (long long)conf[c * k + d]);
            printf("\n");
        }
        printf("\n%12s  precision     recall         f1    support\n", "class");
        for (size_t c = 0; c < k; c++)
            printf("%12.12s  %9.4f  %9.4f  %9.4f  %9lld\n", gf_pipeline_class(p, c),
                   r->precision[c], r->recall[c], r->f1[c], (long long)r->support[c]);
        printf("%12s  %9.4f  %9.4f  %9.4f  %9zu\n", "macro avg", r->macro_precision,
               r->macro_recall, r->macro_f1, t->n);
        printf("%12s  %9.4f  %9.4f  %9.4f  %9zu\n", "weighted avg", r->weighted_precision,
               r->weighted_recall, r->weighted_f1, t->n);
    }
    free(conf);
    gf_class_report_free(r);
    return EXIT_OK;
}

int cmd_eval(int argc, char **argv)
{
    use_opts o = { .data.levels = GF_LEVELS_SORTED };
    int rc = parse("eval", argc, argv, &o);
    if (rc >= 0) return rc;
    gf_set_threads((int)o.threads);
    gf_pipeline *p = NULL;
    gf_prediction *pr = NULL;
    table t;
    rc = run("eval", &o, true, &p, &t, &pr);
    if (rc == EXIT_OK && !t.y && !t.label) {
        fprintf(stderr, "grafo eval: the data have no response to compare with\n");
        rc = EXIT_DATA;
    }
    if (rc == EXIT_OK) rc = pr->label ? eval_classes(&o, p, &t, pr) : eval_regression(&o, &t, pr);
    gf_prediction_free(pr);
    gf_pipeline_free(p);
    table_free(&t);
    return rc;
}
