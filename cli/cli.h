/* What the grafo subcommands share: exit codes, the data options and the
 * table of examples they all read.  The command is a thin layer over the
 * library; this is the glue, not the modelling. */
#ifndef GF_CLI_CLI_H
#define GF_CLI_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "grafo.h"

/* Exit codes, documented in the README. */
enum {
    EXIT_OK = 0,
    EXIT_FIT = 1,    /* the model could not be fitted or trained */
    EXIT_USAGE = 2,  /* unknown command or option, bad value, bad formula or --layers */
    EXIT_DATA = 3,   /* input data missing, unreadable, malformed, or not what the model needs */
    EXIT_MODEL = 4,  /* model file missing, corrupt, newer, or of another kind */
    EXIT_OUTPUT = 5, /* an output file could not be written */
};

/* Where the examples come from: a CSV file and a formula, a libsvm file, or
 * a pair of IDX files. */
typedef struct data_opts {
    const char *csv, *formula, *libsvm, *images, *labels;
    char delimiter;
    bool na_omit, na_given, levels_given; /* --na and --levels were given */
    gf_level_order levels;
    const char *factors[64];
    size_t nfactors;
} data_opts;

/* The long options every data-reading subcommand takes; their codes start
 * at DATA_OPT_FIRST, and data_option() handles them.  --factor is the one
 * option that may be given more than once. */
enum { DATA_OPT_FIRST = 1000, DATA_OPT_FACTOR = DATA_OPT_FIRST + 7 };
#define DATA_LONG_OPTIONS                                        \
    {"data", required_argument, NULL, DATA_OPT_FIRST + 0},       \
    {"formula", required_argument, NULL, DATA_OPT_FIRST + 1},    \
    {"libsvm", required_argument, NULL, DATA_OPT_FIRST + 2},     \
    {"images", required_argument, NULL, DATA_OPT_FIRST + 3},     \
    {"labels", required_argument, NULL, DATA_OPT_FIRST + 4},     \
    {"delimiter", required_argument, NULL, DATA_OPT_FIRST + 5},  \
    {"na", required_argument, NULL, DATA_OPT_FIRST + 6},         \
    {"factor", required_argument, NULL, DATA_OPT_FIRST + 7},     \
    {"levels", required_argument, NULL, DATA_OPT_FIRST + 8}
#define DATA_HELP                                                                          \
    "data (one of):\n"                                                                     \
    "  --data FILE.csv --formula F   a CSV file with a header, and an R formula on its\n"  \
    "                                columns: \"y ~ x1 + x2\", \"y ~ .\", \"y ~ a*b - 1\"\n"  \
    "  --libsvm FILE                 the libsvm sparse format (label idx:value ...)\n"     \
    "  --images FILE --labels FILE   IDX files, as MNIST ships them (pixels / 255);\n"     \
    "                                predict takes --images alone\n"                     \
    "CSV options:\n"                                                                       \
    "  --delimiter C                 ',', ';' or 'tab' [detected from the header]\n"       \
    "  --na fail|omit                missing cells (NA or empty): refuse, or drop the\n"   \
    "                                rows (only the formula's columns count) [fail]\n"     \
    "  --factor NAME                 read column NAME as categorical (repeatable)\n"       \
    "  --levels sorted|appearance    factor level order [sorted, as R]\n"

/* Handle a data option: true if `code` was one (false with a message on
 * stderr, and *bad set, if its value was wrong). */
bool data_option(const char *cmd, int code, const char *arg, data_opts *o, bool *bad);

/* Examples ready for a model: the design matrix and the response. */
typedef struct table {
    size_t n, p;
    double *x;          /* n x p, row-major */
    char **names;       /* p column names */
    double *y;          /* numeric response, or NULL */
    int32_t *label;     /* class of each row, or NULL */
    char **classes;     /* nclasses names */
    size_t nclasses;
    bool intercept;     /* the formula keeps it (always without a formula) */
    gf_frame *frame;    /* CSV data, or NULL */
    gf_terms *terms;    /* the formula, or NULL */
    size_t *row;        /* the frame row of each example, or NULL */
    size_t omitted;     /* rows dropped for missing values */
    char source[1024];  /* for messages and the "Call:" line */
} table;

/* Read the training examples.  classes: the response is a class (a numeric
 * one becomes a factor, as R's factor(y)).  Returns EXIT_OK or an exit code
 * after printing "grafo CMD: why" to stderr. */
int table_load(const char *cmd, const data_opts *o, bool classes, table *t);
/* Read examples for an existing model: the same columns (its terms, or its
 * feature count), the response only if present.  want_response: fail if
 * the data have none (eval). */
int table_load_for(const char *cmd, const data_opts *o, gf_pipeline *p, bool want_response,
                   table *t);
/* For predicting from CSV data with a model's formula: only t->frame and
 * t->source, read with the model's factors (gf_pipeline_predict makes the
 * design, without the response). */
int frame_load_for(const char *cmd, const data_opts *o, gf_pipeline *p, table *t);
void table_free(table *t);

/* Whether an output file can be made at path, checked before any work:
 * a non-empty name (else EXIT_USAGE), not a directory, in a directory that
 * exists and takes new files; with stream_ok, a device or pipe is fine
 * (written as it is), else it is refused, since the atomic rename would
 * replace it.  target (size bytes) gets what to write to: path with its
 * symbolic links resolved, so the rename replaces the file and not the
 * link.  Returns EXIT_OK, or an exit code after "grafo CMD: OPT PATH: why"
 * on stderr. */
int output_check(const char *cmd, const char *opt, const char *path, bool stream_ok,
                 char *target, size_t size);

/* EXIT_USAGE, after a message, if path is one of the input files (the
 * data, or `model` if not NULL), which writing would overwrite. */
int output_not_input(const char *cmd, const char *opt, const char *path, const data_opts *o,
                     const char *model);

/* Print "grafo CMD: <gf_errmsg()>" and return code. */
int fail(const char *cmd, int code);
/* The exit code for a library status met while reading data. */
int data_code(gf_status s);

/* JSON to stdout, with a final newline; frees j. */
void print_json(json_t *j);

/* Subcommands. */
int cmd_fit(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_mnist(int argc, char **argv);

#endif
