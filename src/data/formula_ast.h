/* Internal: the parsed form of an R model formula, shared by the parser
 * (formula_parse.c), the term algebra (terms.c, with term_store.c,
 * term_vars.c and term_coding.c; terms_internal.h) and the design matrix
 * (design.c).
 *
 * A formula parses into two kinds of node.  Formula nodes (FF_*) combine
 * terms: sums, ':' products, '*' crossings, '/' nesting, powers, '.', and
 * the intercept's 0 and 1.  Expression nodes (FX_*) spell one variable: a
 * column name, factor(column), or arithmetic inside I() and the maths
 * functions.  Sums and products are n-ary, so a long "a + b + c + ..." is
 * one node with many children and the tree is never deeper than the
 * formula's nesting, which the parser caps: every walker may recurse. */
#ifndef GF_DATA_FORMULA_AST_H
#define GF_DATA_FORMULA_AST_H

#include "grafo/formula.h"

#include <stddef.h>

/* Limits against hostile formulas. */
#define GF__FORMULA_MAX_LEN ((size_t)64 * 1024) /* bytes of formula text */
#define GF__FORMULA_MAX_DEPTH 64                /* nested parentheses, calls, signs, powers */

typedef enum fx_kind {
    /* expression nodes: the inside of a variable */
    FX_NUM,   /* a number: num */
    FX_NAME,  /* a column: name (unquoted); slot set when resolved */
    FX_NEG,   /* -kid[0] */
    FX_POS,   /* +kid[0] */
    FX_SUM,   /* kid[0] op[1] kid[1] ..., op '+' or '-' */
    FX_PROD,  /* kid[0] op[1] kid[1] ..., op '*' or '/' */
    FX_POW,   /* kid[0] ^ kid[1] */
    FX_PAREN, /* (kid[0]) */
    FX_CALL,  /* fn(kid[0]) */
    /* formula nodes: sets of terms */
    FF_SUM,   /* op[0] kid[0] op[1] kid[1] ...: op '+' or '-'; op[0] is a leading
                 sign or 0 */
    FF_PROD,  /* kid[0] op[1] kid[1] ..., op '*' (crossing) or '/' (nesting) */
    FF_COLON, /* kid[0]:kid[1]:... */
    FF_POW,   /* kid[0] ^ power */
    FF_PAREN, /* (kid[0]) */
    FF_DOT,   /* '.': every column the response does not use */
    FF_ONE,   /* the intercept: 1 adds it, 0 removes it (num) */
    FF_VAR,   /* a variable: kid[0] is an FX_NAME or FX_CALL */
} fx_kind;

typedef enum fx_fn {
    FN_NONE,
    FN_I,      /* I(expr): arithmetic as written */
    FN_LOG,
    FN_EXP,
    FN_SQRT,
    FN_ABS,
    FN_FACTOR, /* factor(column) */
} fx_fn;

typedef struct fx_node {
    fx_kind kind;
    size_t pos;              /* 1-based byte position of the node's first token */
    double num;              /* FX_NUM's value; FF_ONE's 0 or 1 */
    unsigned long power;     /* FF_POW's exponent */
    fx_fn fn;                /* FX_CALL's function */
    char *name;              /* FX_NAME's column name, unquoted */
    size_t slot;             /* FX_NAME: index into its variable's columns */
    size_t nkids, kcap;
    struct fx_node **kid;
    char *op;                /* nkids operators for FX_SUM, FX_PROD, FF_SUM, FF_PROD */
} fx_node;

/* A parsed formula.  Every node lives in `nodes`, freed together. */
typedef struct fx_formula {
    char *text;     /* a copy of the formula as given */
    fx_node *lhs;   /* the response's expression (FX_NAME or FX_CALL), or NULL */
    fx_node *rhs;   /* the right-hand side: a formula node */
    fx_node **nodes;
    size_t nnodes, cap;
} fx_formula;

/* Parse `text`.  GF_ERR_ARG with "formula '...': position N: expected ...,
 * found ..." on a syntax error; *out is then NULL. */
gf_status gf__fx_parse(const char *text, fx_formula **out);
void gf__fx_free(fx_formula *f); /* NULL is fine */

/* An expression node as R's deparse() writes it: "I(x^2)", "log(x + 1)",
 * "I(1e+05 * x)", "`my var`".  From malloc; NULL (error recorded) if out
 * of memory. */
char *gf__fx_deparse(const fx_node *e);

/* A column name as R writes it in a formula: as it is when syntactic,
 * otherwise in backquotes with ` and \ escaped.  From malloc. */
char *gf__fx_quote_name(const char *name);

/* The function's name as written ("log"). */
const char *gf__fx_fn_name(fx_fn fn);

/* "formula 'y ~ x + ': " with the formula quoted, shortened around `pos`
 * when long and with control characters shown as '?', into buf. */
void gf__fx_quote_formula(const char *text, size_t pos, char *buf, size_t size);

/* ---- strings to indices ------------------------------------------------- */

/* An index of borrowed strings (which must outlive it): each key maps to
 * the order in which it was added. */
typedef struct gf__fx_names {
    size_t n, cap;       /* keys held; table slots (a power of two, or 0) */
    const char **key;    /* n keys, in the order added */
    size_t *table;       /* cap slots: key index + 1, or 0 when free */
} gf__fx_names;

/* Add `key` unless present; *index is its index either way.  GF_ERR_NOMEM
 * (recorded) if out of memory. */
gf_status gf__fx_names_add(gf__fx_names *m, const char *key, size_t *index);
/* The index of `key`, or -1. */
long gf__fx_names_find(const gf__fx_names *m, const char *key);
void gf__fx_names_free(gf__fx_names *m);

/* ---- resolved terms ----------------------------------------------------- */

typedef enum gf__var_kind {
    GF__VAR_COLUMN, /* a column as it is: numeric or factor */
    GF__VAR_FACTOR, /* factor(column): the column's values as levels */
    GF__VAR_EXPR,   /* arithmetic on numeric columns: numeric */
} gf__var_kind;

typedef struct gf__var {
    char *name;            /* as R writes it: "wt", "I(wt^2)", "`my var`" */
    gf__var_kind kind;
    size_t pos;            /* where the formula first uses it (0 for '.') */
    const fx_node *expr;   /* its expression (FX_NAME or FX_CALL), NULL if from '.' */
    size_t ncolumns;       /* the frame columns it reads ... */
    char **columns;        /* ... by name; FX_NAME nodes index them by slot */
    gf_col_type type;
    size_t nlevels;        /* a factor's levels, in order */
    char **levels;
    size_t *by_name;       /* level indices sorted by name, for lookups */
} gf__var;

typedef struct gf__term {
    size_t order;          /* variables in the term */
    size_t *var;           /* their indices in gf_terms' vars, increasing */
    int *coding;           /* per variable: 1 = treatment contrasts (k - 1
                              columns), 2 = indicators (k columns); numeric 0 */
    size_t ncols, col0;    /* its design columns: col0 .. col0 + ncols */
} gf__term;

struct gf_terms {
    fx_formula *parsed;    /* owns the expression nodes the variables use */
    char *formula;         /* canonical text */
    int has_response, intercept;
    size_t nvars;          /* response first, if any */
    gf__var *vars;
    size_t nterms;         /* in R's order */
    gf__term *terms;
    size_t ncols;
    char **colnames;
    /* What the columns may come to, checked before any name is built:
     * SIZE_MAX, or a model file's list (gf__terms_from_vars_within). */
    size_t max_cols, max_name_bytes;
};

/* gf_terms_from_vars for a model file whose description lists the design's
 * columns: the terms may make at most max_cols columns whose names take at
 * most max_name_bytes bytes (their terminating NULs counted), checked as
 * soon as the counts are known and before any name is allocated, so a
 * stored formula of a few bytes over factors of many levels cannot make a
 * million names that the file's list would refuse afterwards.  GF_ERR_FORMAT
 * past either limit, the message giving both counts; else as
 * gf_terms_from_vars. */
gf_status gf__terms_from_vars_within(const char *formula, const gf_var_info *vars, size_t nvars,
                                     size_t max_cols, size_t max_name_bytes, gf_terms **out);

/* The level of a factor variable named `name`, or -1. */
long gf__var_level(const gf__var *v, const char *name);

#endif
