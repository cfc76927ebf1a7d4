/* Internal to resolving formulas into terms: what terms.c (the algebra,
 * the ordering, the gf_terms_* calls), term_store.c (interned terms),
 * term_vars.c (the variables) and term_coding.c (contrasts and column
 * names) share.  The parsed formula and the resolved gf_terms are in
 * formula_ast.h. */
#ifndef GF_DATA_TERMS_INTERNAL_H
#define GF_DATA_TERMS_INTERNAL_H

#include "data/formula_ast.h"

#include <stddef.h>
#include <stdint.h>

/* ---- the store of terms (term_store.c) ---------------------------------- */

/* Every distinct term met while expanding, each a sorted set of variable
 * indices (in order of appearance), kept once and named by its id.  A
 * term over the first 64 variables only (a "narrow" one: nearly every
 * formula has no others) is also a 64-bit set, so the product of two such
 * terms is an OR and a lookup rather than a merge and a hash. */
typedef struct term_store {
    size_t n, cap;      /* terms */
    size_t *off, *len;  /* term i is var[off[i] .. off[i] + len[i]) */
    unsigned *stamp;    /* per term: the list that last marked it */
    uint64_t *mask;     /* per term: its variables as bits if narrow, else 0 */
    size_t *var;
    size_t nvar, vcap;
    size_t *table;      /* tcap slots: id + 1 of a term that is not narrow, or 0 */
    size_t *mtable;     /* tcap slots: id + 1 of a narrow term by its mask, or 0 */
    size_t tcap;
    unsigned now;       /* the current stamp */
    size_t steps;       /* steps taken so far, against MAX_STEPS (term_store.c) */
} term_store;

/* A list of terms: their ids in a store. */
typedef struct term_ids {
    size_t n, cap;
    size_t *id;
} term_ids;

/* The id of the set v[0..n) (sorted), adding it if new.  GF_ERR_ARG past
 * MAX_TERMS distinct terms; GF_ERR_NOMEM. */
gf_status gf__store_intern(term_store *s, const size_t *v, size_t n, size_t *id);
void gf__store_free(term_store *s); /* its arrays, not s */
/* Append id to l; GF_ERR_NOMEM. */
gf_status gf__ids_push(term_ids *l, size_t id);

/* The lists' algebra (a:b, and a then b's new terms), each appending to
 * `out`.  Each fails with GF_ERR_ARG past MAX_STEPS steps (interacting
 * also past MAX_TERMS terms), and with GF_ERR_NOMEM. */
gf_status gf__store_interact(term_store *s, const term_ids *a, const term_ids *b,
                             term_ids *out);
gf_status gf__store_join(term_store *s, const term_ids *a, const term_ids *b, term_ids *out);

/* A sum's terms as its parts are added and taken out, left to right, each
 * part costing its own length (merging lists would cost the sum's length
 * at every '+', quadratic in a long formula such as a model file's).  A
 * zeroed term_acc is empty. */
typedef struct term_acc {
    term_ids list;    /* the terms in order; a taken-out entry is SIZE_MAX */
    size_t *key, *at; /* cap slots: a term id, and 1 + its latest place in list (0: empty) */
    size_t cap, used;
} term_acc;

/* Add part's terms not in the sum, at its end; take part's terms out of
 * it.  GF_ERR_ARG past MAX_STEPS steps; GF_ERR_NOMEM. */
gf_status gf__acc_add(term_store *s, term_acc *a, const term_ids *part);
gf_status gf__acc_remove(term_store *s, term_acc *a, const term_ids *part);
/* Append the sum's terms, in order, to out; GF_ERR_NOMEM. */
gf_status gf__acc_finish(const term_acc *a, term_ids *out);
void gf__acc_free(term_acc *a);

/* ---- resolving (terms.c) ------------------------------------------------ */

/* One resolution: the formula, what it is resolved against, the variables
 * met so far and the store of its terms. */
typedef struct terms_ctx {
    const fx_formula *f;
    const gf_frame *data;      /* resolving against a frame, or ... */
    const gf_var_info *info;   /* ... against a list of variables */
    size_t ninfo;
    gf__fx_names info_names;
    gf__fx_names frame_cols;   /* the frame's column names, indexed */
    gf__var *v;                /* variables in order of appearance */
    size_t nv, vcap;
    gf__fx_names vnames;
    term_store st;
    int intercept, parity;     /* parity 0 on the right of a '-' */
    int has_response;          /* the response is v[0] */
    size_t response_pos;       /* where the right-hand side first names it */
} terms_ctx;

/* GF_ERR_ARG with "formula '...': position N: " and the message (without
 * the position when pos is 0), the formula quoted around pos. */
gf_status gf__terms_fail_at(const terms_ctx *c, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the variables (term_vars.c) ---------------------------------------- */

/* Free what v owns and zero it. */
void gf__var_clear(gf__var *v);

/* Intern the variable spelled by `e` (FX_NAME or FX_CALL), or, with e
 * NULL, the frame column `column` that '.' stands for; *index is its index
 * in c->v.  An expression reading no column is GF_ERR_ARG. */
gf_status gf__var_intern(terms_ctx *c, fx_node *e, const char *column, size_t pos,
                         size_t *index);

/* Index the levels by name; a repeated name is an error. */
gf_status gf__var_index_levels(const terms_ctx *c, gf__var *v);

/* Check that v's columns exist (and, if `full`, record its type and
 * levels) from the frame. */
gf_status gf__var_resolve_from_frame(terms_ctx *c, gf__var *v, int full);
/* The same from the list of variables given to gf_terms_from_vars. */
gf_status gf__var_resolve_from_info(terms_ctx *c, gf__var *v, int full);

/* The variable list given to gf_terms_from_vars, checked and indexed. */
gf_status gf__var_check_info(terms_ctx *c);

/* ---- coding and naming (term_coding.c) ---------------------------------- */

/* Each factor's coding in each term (gf__term's coding), as R's TermCode
 * and modelmatrix.  GF_ERR_ARG when the comparisons of terms would be too
 * many; GF_ERR_NOMEM. */
gf_status gf__terms_code(gf_terms *t);

/* Each term's columns and their names (col0, ncols, colnames).  GF_ERR_ARG
 * past MAX_COLS columns or MAX_NAME_BYTES of names; GF_ERR_NOMEM. */
gf_status gf__terms_name_columns(gf_terms *t);

#endif
