/* grafo/formula.h — R-style model formulas and the design matrices they
 * make from a frame, as R's model.matrix makes them.
 *
 *     y ~ x1 + x2        two terms and an intercept
 *     y ~ .              every column but y
 *     y ~ . - x3         ... except x3
 *     y ~ x - 1          no intercept (also "+ 0", "0 +")
 *     y ~ x1:x2          an interaction (products of the columns)
 *     y ~ x1*x2          x1 + x2 + x1:x2
 *     y ~ a/b            a + a:b (nesting)
 *     y ~ (a + b + c)^2  every term of order up to 2
 *     y ~ I(x^2)         arithmetic in I(): + - * / ^, numbers, parentheses
 *     log(y) ~ log(x)    log, exp, sqrt and abs of a numeric variable
 *     y ~ factor(cyl)    a numeric column taken as a factor
 *     y ~ `my var`       a column whose name is not an R name
 *
 * Terms are ordered as R orders them: by degree, then by first appearance.
 * A factor with k levels becomes k - 1 columns of indicators against its
 * first level (treatment contrasts) when the term without it is in the
 * model, and k indicator columns otherwise: R's rule, so the columns and
 * their names ("cyl6", "wt:cyl6", "factor(cyl)8") are model.matrix's.
 *
 * A formula is first resolved against data (gf_terms_new): '.' expands to
 * the frame's columns, each variable's type and a factor's levels are
 * recorded.  The resolved terms then make the same design columns from any
 * frame with those variables (new data at prediction time), mapping factor
 * levels by name; a level never seen in training is an error. */
#ifndef GRAFO_FORMULA_H
#define GRAFO_FORMULA_H

#include "grafo/base.h"
#include "grafo/frame.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gf_terms gf_terms;

/* What a variable is: its name as written in the formula ("wt", "I(x^2)",
 * "factor(cyl)"), its type, and a factor's levels in order. */
typedef struct gf_var_info {
    const char *name;
    gf_col_type type;
    size_t nlevels;
    const char *const *levels;  /* nlevels strings, NULL for numeric */
} gf_var_info;

/* Parse `formula` and resolve it against `data`'s columns.  Errors
 * (GF_ERR_ARG) give the formula, the position and what was expected
 * ("formula 'y ~ x +': position 7: expected a term after '+', found the end
 * of the formula"), or name an unknown column, or a function applied to a
 * factor.  The response may be absent ("~ x1 + x2").
 *
 * '.' stands for every column the response does not read.  A variable's
 * type and a factor's levels come from data: a factor column keeps all its
 * levels (as model.matrix does), factor(x) takes the values that occur.  A
 * factor on the right needs at least 2 levels; a constant ("log(2)") and a
 * response that is also a term ("y ~ x + y") are refused.  Limits against
 * hostile input: 64 KiB of text, 64 levels of nesting (parentheses, calls,
 * signs, powers), 2^14 distinct terms, 2^20 design columns.
 * On success *out is owned by the caller (gf_terms_free); on failure it is
 * NULL.  The terms keep no pointer into `formula` or `data`.  Also
 * GF_ERR_ARG for a NULL argument, GF_ERR_NOMEM. */
gf_status gf_terms_new(const char *formula, const gf_frame *data, gf_terms **out);
/* The same resolved against a list of variables instead of a frame: how a
 * model file restores its terms.  `vars` must describe every variable the
 * formula uses (the response included), named as gf_terms_var names them
 * (R's spelling: "I(x^2)", "`my var`"); others are ignored, a name listed
 * twice, a factor without levels or with a repeated level is refused, and
 * so is '.'.  Variables inside an interaction follow the list's order, so
 * gf_terms_var's list restores them exactly.  Copies what it keeps. */
gf_status gf_terms_from_vars(const char *formula, const gf_var_info *vars, size_t nvars,
                             gf_terms **out);
void gf_terms_free(gf_terms *t); /* NULL is fine */

/* The formula with '.' expanded and terms in R's order, e.g.
 * "mpg ~ cyl + wt + cyl:wt" (borrowed); " - 1" ends it without an
 * intercept, "y ~ 1" and "y ~ 0" have no terms.  gf_terms_from_vars on it
 * and gf_terms_var's list gives back the same terms (and bit-identical
 * designs: numbers in a formula keep the 15 significant digits R writes). */
const char *gf_terms_formula(const gf_terms *t);
const char *gf_terms_response(const gf_terms *t); /* NULL when there is none */
int gf_terms_intercept(const gf_terms *t); /* 1 or 0 */
/* The variables used, the response first if there is one (its strings
 * borrowed, valid while t lives); an all-zero gf_var_info for i out of
 * range. */
size_t gf_terms_nvars(const gf_terms *t);
gf_var_info gf_terms_var(const gf_terms *t, size_t i);
/* The design's columns, intercept excluded: how many and their names
 * (borrowed; NULL for j out of range).  These accessors give 0 or NULL for
 * t NULL. */
size_t gf_terms_ncols(const gf_terms *t);
const char *gf_terms_colname(const gf_terms *t, size_t j);

/* A design matrix and its response. */
typedef struct gf_design {
    size_t n, p;         /* rows; columns, intercept excluded */
    double *x;           /* n x p, row-major */
    char **names;        /* p column names */
    int intercept;       /* whether the formula keeps the intercept */
    double *y;           /* n responses for a numeric response, else NULL */
    int32_t *label;      /* n level codes for a factor response, else NULL */
    size_t nclasses;     /* a factor response's levels ... */
    char **classes;      /* ... and their names; 0 and NULL otherwise */
    size_t *row;         /* n: the frame row (from 0) each design row came from */
    size_t omitted;      /* rows dropped for missing values (na_omit) */
} gf_design;

typedef struct gf_design_opts {
    int na_omit;         /* 1: drop rows with a missing value in a variable
                            the formula uses (R's na.omit); 0: refuse them,
                            naming the line and column.  Default 0. */
    int need_response;   /* 1: the formula must have a response and data
                            its column (so "~ x" needs 0); 0: fill y/label
                            only if both are there (predicting);
                            a missing response value is then kept, as
                            NaN in y or -1 in label, and neither drops nor
                            refuses its row.  Default 1. */
} gf_design_opts;
#define GF_DESIGN_OPTS_DEFAULT ((gf_design_opts){ .na_omit = 0, .need_response = 1 })

/* Build the design matrix of `t` from `data` (o NULL: the defaults).
 * Columns are found by name, factor levels mapped by name, so new data may
 * order either differently.  A column missing from data, a type that
 * differs from the one the terms were resolved with, a factor level the
 * terms do not know, or a missing value (without na_omit) is GF_ERR_ARG; a
 * transform that gives a non-finite value (log of 0) is GF_ERR_NUMERIC;
 * the messages name data's source, the line (or row) and the column.  No
 * rows left (none in data, or all omitted) is GF_ERR_ARG too, as are NULL
 * arguments and a design of more than GF_DENSE_MAX_VALUES (2^28) values,
 * rows times columns, refused before it is allocated; also GF_ERR_NOMEM.  On success *out is the caller's
 * (gf_design_free); on failure it is NULL. */
gf_status gf_design_new(const gf_terms *t, const gf_frame *data, const gf_design_opts *o,
                        gf_design **out);
void gf_design_free(gf_design *d); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
