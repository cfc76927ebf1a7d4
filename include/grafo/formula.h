/* grafo/formula.h — R-style model formulas and the design matrices they
 * make from a frame, as R's model.matrix makes them.
 *
 *     y ~ x1 + x2        two terms and an intercept
 *     y ~ .              every column but y
 *     y ~ . - x3         ... except x3
 *     y ~ x - 1          no intercept (also "+ 0", "0 +")
 *     y ~ x1:x2          an interaction (products of the columns)
 *     y ~ x1*x2          x1 + x2 + x1:x2
 *     y ~ (a + b + c)^2  every term of order up to 2
 *     y ~ I(x^2)         arithmetic in I(): + - * / ^, numbers, parentheses
 *     log(y) ~ log(x)    log, exp, sqrt and abs of a numeric variable
 *     y ~ factor(cyl)    a numeric column taken as a factor
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
 * ("formula 'y ~ x +': position 7: expected a term after '+'"), or name an
 * unknown column, or a function applied to a factor.  The response may be
 * absent ("~ x1 + x2"). */
gf_status gf_terms_new(const char *formula, const gf_frame *data, gf_terms **out);
/* The same resolved against a list of variables instead of a frame: how a
 * model file restores its terms.  `vars` must describe every variable the
 * formula uses (the response included); '.' is refused. */
gf_status gf_terms_from_vars(const char *formula, const gf_var_info *vars, size_t nvars,
                             gf_terms **out);
void gf_terms_free(gf_terms *t); /* NULL is fine */

/* The formula with '.' expanded and terms in R's order, e.g.
 * "mpg ~ cyl + wt + cyl:wt" (borrowed).  gf_terms_from_vars on it and
 * gf_terms_var's list gives back the same terms. */
const char *gf_terms_formula(const gf_terms *t);
const char *gf_terms_response(const gf_terms *t); /* NULL when there is none */
int gf_terms_intercept(const gf_terms *t);
/* The variables used, the response first if there is one (borrowed,
 * valid while t lives). */
size_t gf_terms_nvars(const gf_terms *t);
gf_var_info gf_terms_var(const gf_terms *t, size_t i);
/* The design's columns, intercept excluded: how many and their names. */
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
    size_t *row;         /* n: the frame row each design row came from */
    size_t omitted;      /* rows dropped for missing values (na_omit) */
} gf_design;

typedef struct gf_design_opts {
    int na_omit;         /* 1: drop rows with a missing value in a variable
                            the formula uses (R's na.omit); 0: refuse them,
                            naming the line and column.  Default 0. */
    int need_response;   /* 1: the response column must be present;
                            0: fill y/label only if it is (predicting);
                            a missing response value is then kept, as
                            NaN in y or -1 in label, and neither drops nor
                            refuses its row.  Default 1. */
} gf_design_opts;
#define GF_DESIGN_OPTS_DEFAULT ((gf_design_opts){ .na_omit = 0, .need_response = 1 })

/* Build the design matrix of `t` from `data`.  A variable missing from
 * data, a type that differs from the one the terms were resolved with, a
 * factor level the terms do not know, or a transform that gives a
 * non-finite value (log of 0) is an error naming the column and line. */
gf_status gf_design_new(const gf_terms *t, const gf_frame *data, const gf_design_opts *o,
                        gf_design **out);
void gf_design_free(gf_design *d); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
