/* Tests for formulas, terms and design matrices: R's model.matrix column
 * names (exactly) and values (to 1e-12) and the response for many formulas
 * on mtcars and on a frame with character columns; the canonical formula
 * and its round trip through gf_terms_from_vars; new data whose factors
 * list their levels in another order; and every error: syntax (with the
 * position), unknown columns, functions of factors, unseen levels, type
 * mismatches, a missing response, missing values refused or omitted,
 * non-finite transforms, and hostile formulas. */
#include "grafo/formula.h"
#include "data/frame_internal.h"
#include "check.h"
#include "fixtures/model_matrix.h"

#include <stdlib.h>
#include <string.h>

/* ---- frames ---------------------------------------------------------------- */

static gf_frame *mtcars_frame(int factors)
{
    gf_frame *f = gf_frame_new(MM_MT_ROWS);
    for (size_t j = 0; j < MM_MT_COLS; j++)
        gf_frame_add_numeric(f, mm_mt_names[j], mm_mt_data + j * (size_t)MM_MT_ROWS);
    if (factors) {
        gf_frame_as_factor(f, (size_t)gf_frame_find(f, "cyl"), GF_LEVELS_SORTED);
        gf_frame_as_factor(f, (size_t)gf_frame_find(f, "gear"), GF_LEVELS_SORTED);
        gf_frame_as_factor(f, (size_t)gf_frame_find(f, "am"), GF_LEVELS_SORTED);
    }
    return f;
}

/* Codes into `levels` recoded for the same levels listed in the order
 * perm[0..k) (new level q is old level perm[q]). */
static void add_factor_permuted(gf_frame *f, const char *name, const int32_t *codes,
                                const char *const *levels, size_t k, const size_t *perm)
{
    const char *lv[8];
    int32_t inv[8], c[MM_CH_ROWS];
    for (size_t q = 0; q < k; q++) {
        lv[q] = levels[perm[q]];
        inv[perm[q]] = (int32_t)q;
    }
    for (size_t i = 0; i < MM_CH_ROWS; i++) c[i] = codes[i] < 0 ? -1 : inv[codes[i]];
    CHECK(gf_frame_add_factor(f, name, c, lv, k) == GF_OK, "%s", gf_errmsg());
}

/* The made-up frame; `shuffled` lists every factor's levels in another
 * order (as a reader keeping the order of appearance would). */
static gf_frame *chars_frame(int shuffled)
{
    static const size_t id[3] = {0, 1, 2}, rev[3] = {2, 1, 0}, rot[3] = {1, 2, 0}, swap[2] = {1, 0};
    gf_frame *f = gf_frame_new(MM_CH_ROWS);
    gf_frame_add_numeric(f, "y", mm_ch_y);
    add_factor_permuted(f, "f1", mm_ch_f1_codes, mm_ch_f1_levels, 3, shuffled ? rev : id);
    add_factor_permuted(f, "f2", mm_ch_f2_codes, mm_ch_f2_levels, 3, shuffled ? rot : id);
    gf_frame_add_numeric(f, "x", mm_ch_x);
    gf_frame_add_numeric(f, "z val", mm_ch_z);
    add_factor_permuted(f, "cls", mm_ch_cls_codes, mm_ch_cls_levels, 2, shuffled ? swap : id);
    return f;
}

/* ---- helpers ----------------------------------------------------------------- */

static gf_design *design(const gf_terms *t, const gf_frame *f, int need_response, int na_omit)
{
    gf_design_opts o = GF_DESIGN_OPTS_DEFAULT;
    o.need_response = need_response;
    o.na_omit = na_omit;
    gf_design *d = NULL;
    gf_status s = gf_design_new(t, f, &o, &d);
    CHECK(s == GF_OK, "design of '%s': %s", gf_terms_formula(t), gf_errmsg());
    return d;
}

/* Two designs hold the same bits. */
static int same_design(const gf_design *a, const gf_design *b)
{
    if (!a || !b || a->n != b->n || a->p != b->p || a->intercept != b->intercept) return 0;
    size_t cells = a->n * a->p;
    if (cells && memcmp(a->x, b->x, cells * sizeof *a->x)) return 0;
    for (size_t j = 0; j < a->p; j++)
        if (strcmp(a->names[j], b->names[j])) return 0;
    if (!a->y != !b->y || (a->y && memcmp(a->y, b->y, a->n * sizeof *a->y))) return 0;
    if (!a->label != !b->label || (a->label && memcmp(a->label, b->label, a->n * sizeof *a->label)))
        return 0;
    if (a->nclasses != b->nclasses) return 0;
    for (size_t k = 0; k < a->nclasses; k++)
        if (strcmp(a->classes[k], b->classes[k])) return 0;
    return memcmp(a->row, b->row, a->n * sizeof *a->row) == 0;
}

/* Terms restored from t's canonical formula and variables. */
static gf_terms *restore(const gf_terms *t)
{
    size_t n = gf_terms_nvars(t);
    gf_var_info *v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = gf_terms_var(t, i);
    gf_terms *r = NULL;
    gf_status s = gf_terms_from_vars(gf_terms_formula(t), v, n, &r);
    CHECK(s == GF_OK, "restoring '%s': %s", gf_terms_formula(t), gf_errmsg());
    free(v);
    return r;
}

/* gf_terms_new fails with a message holding every one of the strings. */
static void expect_terms_error(const char *formula, const gf_frame *f, const char *a,
                               const char *b)
{
    gf_terms *t = (gf_terms *)1;
    gf_status s = gf_terms_new(formula, f, &t);
    CHECK(s == GF_ERR_ARG, "'%s' gave status %d", formula, (int)s);
    CHECK(t == NULL, "'%s' left an output", formula);
    const char *m = gf_errmsg();
    CHECK(strstr(m, a) != NULL, "'%s': message '%s' lacks '%s'", formula, m, a);
    CHECK(!b || strstr(m, b) != NULL, "'%s': message '%s' lacks '%s'", formula, m, b);
    if (getenv("GRAFO_TEST_VERBOSE")) fprintf(stderr, "  %s\n", m);
}

static void expect_design_error(const gf_terms *t, const gf_frame *f, int na_omit, gf_status want,
                                const char *a, const char *b, const char *c)
{
    gf_design_opts o = GF_DESIGN_OPTS_DEFAULT;
    o.na_omit = na_omit;
    gf_design *d = (gf_design *)1;
    gf_status s = gf_design_new(t, f, &o, &d);
    CHECK(s == want, "design of '%s' gave status %d, expected %d", gf_terms_formula(t), (int)s,
          (int)want);
    CHECK(d == NULL, "a failed design left an output");
    const char *m = gf_errmsg();
    CHECK(strstr(m, a) != NULL, "message '%s' lacks '%s'", m, a);
    CHECK(!b || strstr(m, b) != NULL, "message '%s' lacks '%s'", m, b);
    CHECK(!c || strstr(m, c) != NULL, "message '%s' lacks '%s'", m, c);
    if (getenv("GRAFO_TEST_VERBOSE")) fprintf(stderr, "  %s\n", m);
}

/* ---- R's designs ----------------------------------------------------------------- */

static void check_case(const mm_case *c, const gf_frame *f)
{
    gf_terms *t = NULL;
    if (gf_terms_new(c->formula, f, &t) != GF_OK) {
        CHECK(0, "'%s': %s", c->formula, gf_errmsg());
        return;
    }
    CHECK(strcmp(gf_terms_formula(t), c->canonical) == 0, "'%s' became '%s', R says '%s'",
          c->formula, gf_terms_formula(t), c->canonical);
    CHECK(gf_terms_intercept(t) == c->intercept, "'%s': intercept", c->formula);
    CHECK(gf_terms_ncols(t) == c->p, "'%s': %zu columns, R has %zu", c->formula,
          gf_terms_ncols(t), c->p);
    int response = c->y || c->label;
    CHECK(!gf_terms_response(t) == !response, "'%s': response", c->formula);

    gf_design *d = design(t, f, response, 0);
    if (d && d->n == c->n && d->p == c->p) {
        for (size_t j = 0; j < c->p; j++) {
            CHECK(strcmp(d->names[j], c->names[j]) == 0, "'%s': column %zu is '%s', R's is '%s'",
                  c->formula, j + 1, d->names[j], c->names[j]);
            CHECK(strcmp(gf_terms_colname(t, j), c->names[j]) == 0, "'%s': terms' column %zu",
                  c->formula, j + 1);
        }
        size_t bad = 0;
        for (size_t k = 0; k < c->n * c->p; k++)
            if (!(fabs(d->x[k] - c->x[k]) <= 1e-12 * fmax(1, fabs(c->x[k])))) bad++;
        CHECK(bad == 0, "'%s': %zu values differ from R's", c->formula, bad);
        CHECK(d->intercept == c->intercept, "'%s': design intercept", c->formula);
        for (size_t i = 0; i < c->n; i++) CHECK(d->row[i] == i, "'%s': row %zu", c->formula, i);
        if (c->y) {
            CHECK(d->y && !d->label, "'%s': a numeric response", c->formula);
            for (size_t i = 0; d->y && i < c->n; i++) CHECK_NEAR(d->y[i], c->y[i], 1e-12);
        }
        if (c->label) {
            CHECK(d->label && !d->y && d->nclasses == c->nclasses, "'%s': a factor response",
                  c->formula);
            for (size_t i = 0; d->label && i < c->n; i++)
                CHECK(d->label[i] == c->label[i], "'%s': label %zu", c->formula, i);
            for (size_t k = 0; k < d->nclasses && k < c->nclasses; k++)
                CHECK(strcmp(d->classes[k], c->classes[k]) == 0, "'%s': class %zu", c->formula, k);
        }
        if (!response) CHECK(!d->y && !d->label, "'%s': no response expected", c->formula);
    } else {
        CHECK(0, "'%s': design is %zu x %zu, R's is %zu x %zu", c->formula, d ? d->n : 0,
              d ? d->p : 0, c->n, c->p);
    }

    /* the canonical formula and the variables restore the same terms */
    gf_terms *r = restore(t);
    if (r) {
        CHECK(strcmp(gf_terms_formula(r), gf_terms_formula(t)) == 0, "'%s' restored as '%s'",
              gf_terms_formula(t), gf_terms_formula(r));
        CHECK(gf_terms_nvars(r) == gf_terms_nvars(t), "'%s': restored variables", c->formula);
        gf_design *e = design(r, f, response, 0);
        CHECK(same_design(d, e), "'%s': the restored terms make another design", c->formula);
        gf_design_free(e);
    }
    gf_terms_free(r);
    gf_design_free(d);
    gf_terms_free(t);
}

static void test_r_cases(void)
{
    gf_frame *mt = mtcars_frame(0), *mf = mtcars_frame(1), *ch = chars_frame(0);
    for (size_t i = 0; i < sizeof mm_cases / sizeof mm_cases[0]; i++) {
        const mm_case *c = &mm_cases[i];
        check_case(c, c->data == MM_MTCARS ? mt : c->data == MM_MTCARS_FACTORS ? mf : ch);
    }
    /* A term taken out and added again goes to the end; adding one that is
     * there changes nothing (R 4.2's attr(terms(f), "term.labels")). */
    static const char *const readded[][2] = {
        { "mpg ~ wt + hp - wt + wt", "mpg ~ hp + wt" },
        { "mpg ~ wt + hp + qsec - hp + hp + wt", "mpg ~ wt + qsec + hp" },
        { "mpg ~ wt*hp - wt:hp + hp:wt - hp", "mpg ~ wt + wt:hp" },
    };
    for (size_t i = 0; i < sizeof readded / sizeof readded[0]; i++) {
        gf_terms *t = NULL;
        CHECK(gf_terms_new(readded[i][0], mt, &t) == GF_OK &&
                  !strcmp(gf_terms_formula(t), readded[i][1]),
              "'%s' became '%s', R says '%s'", readded[i][0], t ? gf_terms_formula(t) : gf_errmsg(),
              readded[i][1]);
        gf_terms_free(t);
    }
    gf_frame_free(mt), gf_frame_free(mf), gf_frame_free(ch);
}

/* The variables' types and levels, and the design of new data whose
 * factors list their levels in another order: the same matrix. */
static void test_variables_and_new_data(void)
{
    gf_frame *mt = mtcars_frame(0), *ch = chars_frame(0), *shuffled = chars_frame(1);
    gf_terms *t = NULL;
    CHECK(gf_terms_new("mpg ~ factor(cyl)*wt", mt, &t) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_terms_nvars(t) == 3, "three variables");
    gf_var_info v = gf_terms_var(t, 1);
    CHECK(strcmp(gf_terms_var(t, 0).name, "mpg") == 0 && gf_terms_var(t, 0).type == GF_COL_NUMERIC,
          "the response first");
    CHECK(strcmp(v.name, "factor(cyl)") == 0 && v.type == GF_COL_FACTOR && v.nlevels == 3 &&
              !strcmp(v.levels[0], "4") && !strcmp(v.levels[1], "6") && !strcmp(v.levels[2], "8"),
          "factor(cyl)'s levels");
    CHECK(strcmp(gf_terms_response(t), "mpg") == 0, "the response's name");
    CHECK(gf_terms_var(t, 3).name == NULL, "past the last variable");

    /* new data: only 8-cylinder cars, cyl read as a factor listing 8, 6, 4 */
    size_t rows[5] = {4, 6, 11, 12, 13};
    gf_frame *sub = gf_frame_take(mt, rows, 5);
    gf_design *full = design(t, mt, 1, 0), *d = design(t, sub, 1, 0);
    for (size_t i = 0; d && full && i < 5; i++)
        for (size_t j = 0; j < d->p; j++)
            CHECK(d->x[i * d->p + j] == full->x[rows[i] * full->p + j], "subset row %zu col %zu", i, j);
    int32_t codes[5];
    const char *lv[3] = {"8", "6", "4"};
    const double *cyl = gf_frame_numeric(sub, (size_t)gf_frame_find(sub, "cyl"));
    for (size_t i = 0; i < 5; i++) codes[i] = cyl[i] == 8 ? 0 : cyl[i] == 6 ? 1 : 2;
    gf_frame *sub2 = gf_frame_new(5);
    gf_frame_add_factor(sub2, "cyl", codes, lv, 3);
    gf_frame_add_numeric(sub2, "wt", gf_frame_numeric(sub, (size_t)gf_frame_find(sub, "wt")));
    gf_frame_add_numeric(sub2, "mpg", gf_frame_numeric(sub, (size_t)gf_frame_find(sub, "mpg")));
    gf_design *d2 = design(t, sub2, 1, 0);
    CHECK(same_design(d, d2), "factor(cyl) from a factor column with levels 8, 6, 4");
    gf_design_free(d), gf_design_free(d2), gf_design_free(full);
    gf_frame_free(sub), gf_frame_free(sub2);
    gf_terms_free(t);

    static const char *const formulas[] = {"y ~ f1*f2", "cls ~ x + `z val` + f1", "y ~ f1:f2 - 1",
                                           "y ~ f2:x + f1:f2", "y ~ ."};
    for (size_t k = 0; k < sizeof formulas / sizeof formulas[0]; k++) {
        t = NULL;
        CHECK(gf_terms_new(formulas[k], ch, &t) == GF_OK, "%s", gf_errmsg());
        gf_design *a = design(t, ch, 1, 0), *b = design(t, shuffled, 1, 0);
        CHECK(same_design(a, b), "'%s': levels in another order change the design", formulas[k]);
        gf_design_free(a), gf_design_free(b);
        /* terms built on the shuffled frame keep its level order instead */
        gf_terms *u = NULL;
        CHECK(gf_terms_new(formulas[k], shuffled, &u) == GF_OK, "%s", gf_errmsg());
        CHECK(strcmp(gf_terms_formula(u), gf_terms_formula(t)) == 0, "same formula");
        gf_terms_free(u);
        gf_terms_free(t);
    }

    /* predicting: no response in the data, or one with missing values */
    t = NULL;
    CHECK(gf_terms_new("cls ~ x + f1", ch, &t) == GF_OK, "%s", gf_errmsg());
    gf_frame *nocls = gf_frame_new(MM_CH_ROWS);
    gf_frame_add_numeric(nocls, "x", mm_ch_x);
    add_factor_permuted(nocls, "f1", mm_ch_f1_codes, mm_ch_f1_levels, 3, (size_t[]){0, 1, 2});
    d = design(t, nocls, 0, 0);
    CHECK(d && !d->y && !d->label && d->nclasses == 0 && d->n == MM_CH_ROWS, "no response");
    gf_design_free(d);
    expect_design_error(t, nocls, 0, GF_ERR_ARG, "has no column 'cls'", "response", NULL);
    int32_t cls[MM_CH_ROWS];
    memcpy(cls, mm_ch_cls_codes, sizeof cls);
    cls[3] = -1;
    gf_frame_add_factor(nocls, "cls", cls, mm_ch_cls_levels, 2);
    d = design(t, nocls, 0, 0);
    CHECK(d && d->label && d->n == MM_CH_ROWS && d->label[3] == -1 && d->label[4] == cls[4],
          "a missing response is kept as -1 when predicting");
    gf_design_free(d);
    expect_design_error(t, nocls, 0, GF_ERR_ARG, "row 4", "column 'cls'", "missing");
    gf_frame_free(nocls);
    gf_terms_free(t);

    /* odd column names write back in backquotes and read back the same */
    gf_frame *odd = gf_frame_new(4);
    gf_frame_add_numeric(odd, "y", (double[]){1, 2, 3, 5});
    gf_frame_add_numeric(odd, ".", (double[]){2, 3, 5, 7});
    gf_frame_add_numeric(odd, "a:b", (double[]){1, 0, 1, 2});
    gf_frame_add_numeric(odd, "TRUE", (double[]){0, 1, 1, 3});
    gf_frame_add_numeric(odd, "b`q\\", (double[]){4, 1, 0, 2});
    t = NULL;
    CHECK(gf_terms_new("y ~ . + I(`.` * 0.12345678901234567)", odd, &t) == GF_OK, "%s", gf_errmsg());
    CHECK(t && strcmp(gf_terms_formula(t), "y ~ `.` + `a:b` + `TRUE` + `b\\`q\\\\` + "
                      "I(`.` * 0.123456789012346)") == 0, "odd names: %s", gf_terms_formula(t));
    gf_terms *back = t ? restore(t) : NULL;
    gf_design *d1 = back ? design(t, odd, 1, 0) : NULL, *d3 = back ? design(back, odd, 1, 0) : NULL;
    CHECK(same_design(d1, d3), "odd names and a long number read back to the same design");
    CHECK(d1 && strcmp(d1->names[3], "`b\\`q\\\\`") == 0, "a quoted name");
    gf_design_free(d1), gf_design_free(d3);
    gf_terms_free(back), gf_terms_free(t);
    gf_frame_free(odd);

    gf_frame_free(mt), gf_frame_free(ch), gf_frame_free(shuffled);
}

/* ---- errors ----------------------------------------------------------------------- */

static void test_syntax_errors(void)
{
    gf_frame *mt = mtcars_frame(0);
    static const struct {
        const char *formula, *a, *b;
    } bad[] = {
        {"mpg ~ wt +", "position 10: expected a term after '+', found the end", "'mpg ~ wt +'"},
        {"mpg ~ (wt + hp", "position 7: expected ')' to close the '('", NULL},
        {"mpg ~ wt )", "position 10: expected an operator or the end of the formula after 'wt'",
         "found ')'"},
        {"mpg wt", "position 5: expected '~' after 'mpg', found 'wt'", "one variable"},
        {"~", "position 1: expected a term after '~'", NULL},
        {"", "position 1: the formula is empty", NULL},
        {"   ", "position 1: the formula is empty", NULL},
        {"mpg ~ wt $ hp", "position 10: unexpected character '$'", NULL},
        {"mpg ~ wt + 2", "position 12: the number '2' is not a term", "I()"},
        {"mpg ~ poly(wt, 2)", "position 7: unknown function 'poly'", NULL},
        {"mpg ~ I(wt ^ )", "position 14: expected a number, a column name or '(' after '^'",
         "found ')'"},
        {"mpg ~ (wt + hp)^0", "position 17: expected a whole number of at least 1", NULL},
        {"mpg ~ (wt + hp)^1.5", "position 17: expected a whole number", NULL},
        {"mpg ~ factor(cyl + 1)", "position 18: expected ')' to close the 'factor('", "found '+'"},
        {"mpg ~ log(wt, 2)", "position 13: expected ')' to close the 'log('", "found ','"},
        {"mpg ~ `wt", "position 7: the backquoted name starting here is never closed", NULL},
        {"mpg ~ ``", "position 7: a backquoted name is empty", NULL},
        {"mpg ~ 1e+", "position 10: expected the digits of an exponent", NULL},
        {"mpg ~ 1e999", "position 7: the number '1e999' is too large", NULL},
        {"mpg ~ I(.)", "position 9: '.' stands for columns only as a term", NULL},
        {"mpg ~ wt ~ hp", "position 10: expected an operator", "found '~'"},
        {"mpg ~ wt + \x01", "position 12: unexpected control character (byte 0x01)", NULL},
        {"mpg ~ I(factor(cyl))", "position 9: factor() makes a factor", NULL},
        {"mpg ~ wt * * hp", "position 12: expected a term after '*'", "found '*'"},
        {"mpg + 1 ~ wt", "position 5: expected '~' after 'mpg', found '+'", NULL},
        {". ~ wt", "position 1: expected a response", NULL},
        {"mpg ~ wt %in% hp", "position 10: unexpected character '%'", "not supported"},
        {"mpg ~ wt:", "position 9: expected a term after ':'", NULL},
        {"mpg ~ I(wt) + I()", "position 17: expected a number, a column name or '(' after '('",
         NULL},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        expect_terms_error(bad[k].formula, mt, bad[k].a, bad[k].b);
    gf_frame_free(mt);
}

static void test_resolution_errors(void)
{
    gf_frame *mt = mtcars_frame(0), *ch = chars_frame(0), *mf = mtcars_frame(1);
    expect_terms_error("mpg ~ wt + nope", mt, "position 12: unknown column 'nope'",
                       "the data's columns are: mpg, cyl");
    expect_terms_error("nope ~ wt", mt, "position 1: unknown column 'nope'", NULL);
    expect_terms_error("mpg ~ log(nope + 1)", mt, "position 11: unknown column 'nope'", NULL);
    expect_terms_error("mpg ~ wt - nope", mt, "position 12: unknown column 'nope'", NULL);
    expect_terms_error("y ~ log(f1)", ch, "position 9: column 'f1' is a factor", "log(f1)");
    expect_terms_error("y ~ x + I(x * f2^2)", ch, "position 15: column 'f2' is a factor",
                       "I(x * f2^2)");
    expect_terms_error("log(f1) ~ x", ch, "position 5: column 'f1' is a factor", NULL);
    expect_terms_error("mpg ~ wt + mpg", mt, "position 12: the response 'mpg' is also a term",
                       NULL);
    expect_terms_error("mpg ~ wt + log(2)", mt, "position 12: 'log(2)' reads no column", NULL);
    expect_terms_error("I(1) ~ wt", mt, "position 1: 'I(1)' reads no column", NULL);
    expect_terms_error("mpg ~ wt", NULL, "the data frame is NULL", NULL);
    expect_terms_error(NULL, mt, "the formula is NULL", NULL);

    /* a factor with a single level cannot be in a model */
    int32_t one[MM_CH_ROWS] = {0};
    const char *only[1] = {"a"};
    gf_frame *f = gf_frame_new(MM_CH_ROWS);
    gf_frame_add_numeric(f, "y", mm_ch_y);
    gf_frame_add_factor(f, "g", one, only, 1);
    expect_terms_error("y ~ g", f, "position 5: factor 'g' has 1 level", "at least 2");
    expect_terms_error("y ~ factor(y > 0)", f, "position 14: unexpected character '>'", NULL);
    gf_frame_free(f);

    /* restoring from variables */
    gf_terms *t = NULL;
    gf_var_info vars[2] = {{.name = "mpg", .type = GF_COL_NUMERIC},
                           {.name = "wt", .type = GF_COL_NUMERIC}};
    CHECK(gf_terms_from_vars("mpg ~ wt", vars, 2, &t) == GF_OK, "%s", gf_errmsg());
    CHECK(t && gf_terms_ncols(t) == 1, "mpg ~ wt from variables");
    gf_terms_free(t);
    t = (gf_terms *)1;
    CHECK(gf_terms_from_vars("mpg ~ .", vars, 2, &t) == GF_ERR_ARG && !t, "'.' refused");
    CHECK(strstr(gf_errmsg(), "position 7: '.' needs data"), "%s", gf_errmsg());
    CHECK(gf_terms_from_vars("mpg ~ wt + hp", vars, 2, &t) == GF_ERR_ARG, "undescribed");
    CHECK(strstr(gf_errmsg(), "position 12: variable 'hp' is not among the 2 variables"), "%s",
          gf_errmsg());
    CHECK(gf_terms_from_vars("mpg ~ log(wt)", vars, 2, &t) == GF_ERR_ARG, "undescribed log");
    gf_var_info twice[2] = {vars[0], vars[0]};
    CHECK(gf_terms_from_vars("mpg ~ 1", twice, 2, &t) == GF_ERR_ARG &&
              strstr(gf_errmsg(), "listed twice"), "%s", gf_errmsg());
    const char *lv[2] = {"a", "a"};
    gf_var_info dup[2] = {vars[0], {.name = "g", .type = GF_COL_FACTOR, .nlevels = 2, .levels = lv}};
    CHECK(gf_terms_from_vars("mpg ~ g", dup, 2, &t) == GF_ERR_ARG &&
              strstr(gf_errmsg(), "level 'a' twice"), "%s", gf_errmsg());
    gf_var_info numf[2] = {vars[0], {.name = "factor(cyl)", .type = GF_COL_NUMERIC}};
    CHECK(gf_terms_from_vars("mpg ~ factor(cyl)", numf, 2, &t) == GF_ERR_ARG &&
              strstr(gf_errmsg(), "factor() makes a factor"), "%s", gf_errmsg());
    gf_var_info nolv[2] = {vars[0], {.name = "g", .type = GF_COL_FACTOR, .nlevels = 2}};
    CHECK(gf_terms_from_vars("mpg ~ g", nolv, 2, &t) == GF_ERR_ARG, "levels NULL");

    /* design from data that do not fit the terms */
    t = NULL;
    CHECK(gf_terms_new("y ~ f1*x", ch, &t) == GF_OK, "%s", gf_errmsg());
    gf_frame *g = gf_frame_new(MM_CH_ROWS);
    gf_frame_add_numeric(g, "y", mm_ch_y);
    gf_frame_add_numeric(g, "f1", mm_ch_x);
    gf_frame_add_numeric(g, "x", mm_ch_x);
    expect_design_error(t, g, 0, GF_ERR_ARG, "column 'f1' is numeric", "built with it a factor",
                        NULL);
    gf_frame_free(g);
    g = gf_frame_new(MM_CH_ROWS);
    gf_frame_add_numeric(g, "y", mm_ch_y);
    add_factor_permuted(g, "f1", mm_ch_f1_codes, mm_ch_f1_levels, 3, (size_t[]){0, 1, 2});
    add_factor_permuted(g, "x", mm_ch_f2_codes, mm_ch_f2_levels, 3, (size_t[]){0, 1, 2});
    expect_design_error(t, g, 0, GF_ERR_ARG, "column 'x' is a factor", "built with it numeric",
                        NULL);
    gf_frame_free(g);
    g = gf_frame_new(MM_CH_ROWS);
    gf_frame_add_numeric(g, "y", mm_ch_y);
    gf_frame_add_numeric(g, "x", mm_ch_x);
    expect_design_error(t, g, 0, GF_ERR_ARG, "no column 'f1'", "variable 'f1'", NULL);
    gf_frame_free(g);
    /* an unseen level, at a line of a named source */
    g = gf_frame_new(MM_CH_ROWS);
    gf_frame_add_numeric(g, "y", mm_ch_y);
    int32_t c[MM_CH_ROWS];
    memcpy(c, mm_ch_f1_codes, sizeof c);
    c[6] = 3;
    const char *lv4[4] = {mm_ch_f1_levels[0], mm_ch_f1_levels[1], mm_ch_f1_levels[2], "zz"};
    gf_frame_add_factor(g, "f1", c, lv4, 4);
    gf_frame_add_numeric(g, "x", mm_ch_x);
    size_t *lines = malloc(MM_CH_ROWS * sizeof *lines);
    for (size_t i = 0; i < MM_CH_ROWS; i++) lines[i] = 2 * i + 3;
    gf__frame_set_source(g, "new.csv", lines);
    expect_design_error(t, g, 0, GF_ERR_ARG, "new.csv: line 15, column 'f1': level 'zz'",
                        "known levels: 'C', 'a', 'b'", NULL);
    gf_frame_free(g);
    gf_terms_free(t);

    /* factor(cyl) meets a value it never saw */
    t = NULL;
    CHECK(gf_terms_new("mpg ~ factor(cyl)", mt, &t) == GF_OK, "%s", gf_errmsg());
    gf_frame *five = gf_frame_new(2);
    gf_frame_add_numeric(five, "mpg", (double[]){20, 21});
    gf_frame_add_numeric(five, "cyl", (double[]){4, 5});
    expect_design_error(t, five, 0, GF_ERR_ARG, "row 2, column 'cyl': level '5'",
                        "known levels: '4', '6', '8'", NULL);
    gf_frame_free(five);
    gf_terms_free(t);

    /* a formula without a response cannot make a design that needs one */
    t = NULL;
    CHECK(gf_terms_new("~ wt", mt, &t) == GF_OK, "%s", gf_errmsg());
    expect_design_error(t, mt, 0, GF_ERR_ARG, "a response is needed", "'~ wt'", NULL);
    gf_terms_free(t);
    gf_frame_free(mt), gf_frame_free(ch), gf_frame_free(mf);
}

/* Missing values: refused with source, line and column, or omitted. */
static void test_missing(void)
{
    static const char csv[] =
        "mpg,wt,g\n"
        "21,2.62,a\n"
        "22.8,2.32,b\n"
        "21.4,NA,a\n"
        "18.7,3.44,c\n"
        "18.1,3.46,\n"
        "14.3,3.57,b\n";
    gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
    o.na = GF_NA_KEEP;
    gf_frame *f = NULL;
    if (gf_csv_parse(csv, strlen(csv), "cars.csv", &o, &f) != GF_OK) {
        CHECK(0, "reading the CSV: %s", gf_errmsg());
        return;
    }
    gf_terms *t = NULL;
    CHECK(gf_terms_new("log(mpg) ~ log(wt) + g", f, &t) == GF_OK, "%s", gf_errmsg());
    expect_design_error(t, f, 0, GF_ERR_ARG, "cars.csv: line 4, column 'wt'", "missing value (NA)",
                        "na_omit");
    gf_design *d = design(t, f, 1, 1);
    CHECK(d && d->n == 4 && d->omitted == 2 && d->p == 3, "two rows omitted");
    static const size_t kept[4] = {0, 1, 3, 5};
    static const double mpg[6] = {21, 22.8, 21.4, 18.7, 18.1, 14.3},
                        wt[6] = {2.62, 2.32, NAN, 3.44, 3.46, 3.57};
    for (size_t i = 0; d && i < 4; i++) {
        CHECK(d->row[i] == kept[i], "row %zu came from %zu", i, d->row[i]);
        CHECK_NEAR(d->y[i], log(mpg[kept[i]]), 1e-15);
        CHECK_NEAR(d->x[i * 3], log(wt[kept[i]]), 1e-15);
        CHECK(d->x[i * 3 + 1] == (i == 1 || i == 3), "gb at row %zu", i);
        CHECK(d->x[i * 3 + 2] == (i == 2), "gc at row %zu", i);
    }
    gf_design_free(d);
    gf_terms_free(t);

    /* every row missing */
    t = NULL;
    gf_frame *g = gf_frame_new(2);
    gf_frame_add_numeric(g, "y", (double[]){1, 2});
    gf_frame_add_numeric(g, "x", (double[]){NAN, NAN});
    CHECK(gf_terms_new("y ~ x", g, &t) == GF_OK, "%s", gf_errmsg());
    expect_design_error(t, g, 1, GF_ERR_ARG, "every one of its 2 rows has a missing value", NULL,
                        NULL);
    gf_terms_free(t);
    gf_frame_free(g);

    /* non-finite transforms name the line */
    static const char neg[] = "y,x\n1,2\n2,-1\n3,0\n";
    gf_frame *h = NULL;
    CHECK(gf_csv_parse(neg, strlen(neg), "neg.csv", &o, &h) == GF_OK, "%s", gf_errmsg());
    t = NULL;
    CHECK(gf_terms_new("y ~ log(x)", h, &t) == GF_OK, "%s", gf_errmsg());
    expect_design_error(t, h, 0, GF_ERR_NUMERIC, "neg.csv: line 3: log(x) is NaN", "x = -1", NULL);
    expect_design_error(t, h, 1, GF_ERR_NUMERIC, "neg.csv: line 3: log(x) is NaN", NULL, NULL);
    gf_terms_free(t);
    t = NULL;
    CHECK(gf_terms_new("y ~ I(1/(x + 1)) + sqrt(abs(x))", h, &t) == GF_OK, "%s", gf_errmsg());
    expect_design_error(t, h, 0, GF_ERR_NUMERIC, "line 3: I(1/(x + 1)) is Inf", NULL, NULL);
    gf_terms_free(t);
    t = NULL;
    CHECK(gf_terms_new("log(x + 1) ~ y", h, &t) == GF_OK, "%s", gf_errmsg());
    expect_design_error(t, h, 0, GF_ERR_NUMERIC, "line 3: log(x + 1) is -Inf", NULL, NULL);
    gf_terms_free(t);
    gf_frame_free(h);
    gf_frame_free(f);
}

/* Hostile formulas: nesting, length, expansion; none may crash. */
static void test_hostile(void)
{
    gf_frame *mt = mtcars_frame(0);
    size_t n = 200000;
    char *s = malloc(n + 64);

    /* 64 levels of parentheses are fine, 65 are not */
    for (int depth = 64; depth <= 65; depth++) {
        size_t o = (size_t)sprintf(s, "mpg ~ ");
        for (int i = 0; i < depth; i++) s[o++] = '(';
        o += (size_t)sprintf(s + o, "wt");
        for (int i = 0; i < depth; i++) s[o++] = ')';
        s[o] = '\0';
        gf_terms *t = NULL;
        gf_status st = gf_terms_new(s, mt, &t);
        if (depth == 64) CHECK(st == GF_OK && gf_terms_ncols(t) == 1, "64 levels: %s", gf_errmsg());
        else expect_terms_error(s, mt, "position 71: the formula nests deeper than 64 levels", NULL);
        gf_terms_free(t);
    }
    /* signs, exponents and calls count as nesting too */
    size_t o = (size_t)sprintf(s, "mpg ~ I(");
    for (int i = 0; i < 100; i++) s[o++] = '-';
    sprintf(s + o, "wt)");
    expect_terms_error(s, mt, "nests deeper than 64 levels", NULL);
    o = (size_t)sprintf(s, "mpg ~ I(wt");
    for (int i = 0; i < 100; i++) o += (size_t)sprintf(s + o, "^wt");
    sprintf(s + o, ")");
    expect_terms_error(s, mt, "nests deeper than 64 levels", NULL);
    o = (size_t)sprintf(s, "mpg ~ ");
    for (int i = 0; i < 100; i++) o += (size_t)sprintf(s + o, "log(");
    sprintf(s + o, "wt");
    expect_terms_error(s, mt, "nests deeper than 64 levels", NULL);

    /* a long flat sum is a loop, not a recursion: fine up to the length cap */
    o = (size_t)sprintf(s, "mpg ~ wt");
    while (o < 65000) o += (size_t)sprintf(s + o, " + I(wt + hp)");
    gf_terms *t = NULL;
    CHECK(gf_terms_new(s, mt, &t) == GF_OK && gf_terms_ncols(t) == 2, "a long sum: %s", gf_errmsg());
    gf_terms_free(t);
    o = (size_t)sprintf(s, "mpg ~ I(wt");
    while (o < 65000) o += (size_t)sprintf(s + o, " + wt * 2");
    sprintf(s + o, ")");
    t = NULL;
    CHECK(gf_terms_new(s, mt, &t) == GF_OK && gf_terms_ncols(t) == 1, "a long I(): %s", gf_errmsg());
    gf_design *d = t ? design(t, mt, 1, 0) : NULL;
    gf_design_free(d);
    gf_terms_free(t);
    memset(s, ' ', n);
    memcpy(s, "mpg ~ wt", 8);
    s[n] = '\0';
    expect_terms_error(s, mt, "longer than 65536 bytes", NULL);

    /* expansions beyond any model */
    gf_frame *wide = gf_frame_new(3);
    char name[16];
    for (int j = 0; j < 24; j++) {
        snprintf(name, sizeof name, "v%d", j);
        gf_frame_add_numeric(wide, name, (double[]){1, 2, 3});
    }
    expect_terms_error("v0 ~ .^24", wide, "formula 'v0 ~ .^24': ", "more than 16384 distinct terms");
    expect_terms_error("v0 ~ (v1+v2+v3+v4+v5+v6+v7+v8+v9+v10+v11+v12+v13+v14+v15+v16+v17+v18+v19+"
                       "v20)^1000000000", wide, "more than 16384 distinct terms", NULL);
    t = NULL;
    CHECK(gf_terms_new("v0 ~ (v1 + v2 + v3)^1000000000", wide, &t) == GF_OK &&
              gf_terms_ncols(t) == 7, "a huge power of three variables: %s", gf_errmsg());
    gf_terms_free(t);
    /* every interaction of 12 variables, 4095 terms, is within the caps */
    t = NULL;
    CHECK(gf_terms_new("v0 ~ (v1+v2+v3+v4+v5+v6+v7+v8+v9+v10+v11+v12)^12", wide, &t) == GF_OK &&
              gf_terms_ncols(t) == 4095, "12 variables' interactions: %s", gf_errmsg());
    gf_terms_free(t);
    /* products repeating the same terms cost work without new terms
     * (found by fuzzing: this took 0.4 s before the products were capped
     * at 2^19) */
    expect_terms_error("v0 ~ (v1+v2+v3+v4+v5+v6+v7+v8+v9+v10+v11+v12+v13)^13 : (v1+v2+v3+v4+v5)^5",
                       wide, "more than 524288 steps", NULL);
    /* a '+' costs what it adds, not the sum so far: 16383 terms and then
     * 2000 more parts stay well within the steps */
    size_t cap = 64 + 2000 * 8;
    char *sum = malloc(cap);
    snprintf(sum, cap, "v0 ~ v1*v2*v3*v4*v5*v6*v7*v8*v9*v10*v11*v12*v13*v14");
    for (int k = 0; k < 1000; k++) strcat(sum, " + v15 - v15");
    strcat(sum, " + v15");
    t = NULL;
    CHECK(gf_terms_new(sum, wide, &t) == GF_OK && gf_terms_ncols(t) == 16384 &&
              !strcmp(gf_terms_colname(t, 14), "v15"),
          "a product of 14 and then 2000 parts: %s", gf_errmsg());
    gf_terms_free(t);
    free(sum);
    gf_frame_free(wide);

    free(s);
    gf_frame_free(mt);
}

/* A formula either resolves (and then makes a design, or fails cleanly) or
 * fails with GF_ERR_ARG and a message that quotes it. */
static void try_formula(const char *formula, const gf_frame *f)
{
    gf_terms *t = NULL;
    gf_status s = gf_terms_new(formula, f, &t);
    if (s != GF_OK) {
        CHECK(s == GF_ERR_ARG && !t, "'%s': status %d", formula, (int)s);
        CHECK(strstr(gf_errmsg(), "formula") != NULL, "'%s': message '%s'", formula, gf_errmsg());
        return;
    }
    gf_design_opts o = GF_DESIGN_OPTS_DEFAULT;
    o.need_response = 0;
    gf_design *d = NULL;
    s = gf_design_new(t, f, &o, &d);
    CHECK(s == GF_OK || s == GF_ERR_ARG || s == GF_ERR_NUMERIC, "'%s': design status %d", formula,
          (int)s);
    CHECK(s != GF_OK || (d && d->p == gf_terms_ncols(t)), "'%s': design", formula);
    gf_design_free(d);
    gf_terms_free(t);
}

/* Every prefix of some formulas, and random edits of them. */
static void test_fuzz(void)
{
    gf_frame *ch = chars_frame(0);
    static const char *const seeds[] = {
        "log(y) ~ (f1 + f2 + x)^2 - f1:f2 + I((x + 1)^-2 * `z val`/3) + sqrt(abs(x - 2))",
        "cls ~ f1*x/f2 + factor(f2):exp(x/10) - 1 + 0 + . - `z val`",
        "~ -1 + (f1:(f2 + x))^3 + I(-x^2^0.5) + log(1e-3 + x)",
    };
    static const char alphabet[] = "~+-*/^:()., `Ixfylogexpsqrtabsfactor1020e.\x01\xc3\xa9";
    char buf[256];
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        size_t n = strlen(seeds[k]);
        try_formula(seeds[k], ch);
        for (size_t len = 0; len < n; len++) {
            memcpy(buf, seeds[k], len);
            buf[len] = '\0';
            try_formula(buf, ch);
        }
    }
    gf_rng r;
    gf_rng_seed(&r, 20241123);
    for (int trial = 0; trial < 3000; trial++) {
        const char *seed = seeds[gf_rng_below(&r, sizeof seeds / sizeof seeds[0])];
        size_t n = strlen(seed);
        memcpy(buf, seed, n + 1);
        for (int edits = 1 + (int)gf_rng_below(&r, 4); edits > 0; edits--) {
            size_t at = gf_rng_below(&r, n);
            char c = alphabet[gf_rng_below(&r, sizeof alphabet - 1)];
            switch (gf_rng_below(&r, 3)) {
            case 0: buf[at] = c; break;                                    /* replace */
            case 1: memmove(buf + at, buf + at + 1, n - at), n--; break;   /* delete */
            default:                                                       /* insert */
                if (n + 2 < sizeof buf) memmove(buf + at + 1, buf + at, n - at + 1), buf[at] = c, n++;
            }
            if (n == 0) break;
        }
        try_formula(buf, ch);
    }
    gf_frame_free(ch);
}

/* Factor interactions multiply levels: three factors of 64 levels make
 * 64^3 = 262,144 columns of a:b:c, so 1,025 rows would ask for 2 GiB of
 * doubles.  The design is refused, naming the source, the formula, the
 * size and the cap, before it is allocated. */
static void test_design_cap(void)
{
    gf_frame *probe = gf_frame_new(1);
    const char *lv[64];
    char names[64][8];
    for (int k = 0; k < 64; k++) snprintf(names[k], sizeof names[k], "L%d", k), lv[k] = names[k];
    for (const char *c = "abc"; *c; c++) {
        char nm[2] = {*c, 0};
        gf_frame_add_factor(probe, nm, (int32_t[]){0}, lv, 64);
    }
    gf_frame_add_numeric(probe, "y", (double[]){1});
    gf_terms *t = NULL;
    CHECK(gf_terms_new("y ~ a:b:c", probe, &t) == GF_OK, "%s", gf_errmsg());
    size_t p = gf_terms_ncols(t);
    CHECK(p >= 262144, "%zu columns", p);
    size_t n = GF_DENSE_MAX_VALUES / (p ? p : 1) + 1;
    gf_frame *f = gf_frame_new(n);
    int32_t *codes = malloc(n * sizeof *codes);
    double *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) y[i] = (double)i;
    for (int j = 0; j < 3; j++) {
        char nm[2] = {"abc"[j], 0};
        for (size_t i = 0; i < n; i++) codes[i] = (int32_t)((i >> (6 * j)) % 64);
        gf_frame_add_factor(f, nm, codes, lv, 64);
    }
    gf_frame_add_numeric(f, "y", y);
    gf__frame_set_source(f, "wide.csv", NULL);
    gf_design *d = NULL;
    gf_status s = t ? gf_design_new(t, f, NULL, &d) : GF_ERR_STATE;
    char want[160];
    snprintf(want, sizeof want, "would have %zu rows x %zu columns, more than the 268435456 values", n,
             p);
    CHECK(s == GF_ERR_ARG && d == NULL, "status %d: %s", (int)s, gf_errmsg());
    CHECK(strstr(gf_errmsg(), "wide.csv: the design of formula 'y ~ a:b:c'") &&
              strstr(gf_errmsg(), want), "%s", gf_errmsg());
    gf_design_free(d);
    gf_terms_free(t);
    gf_frame_free(f);
    gf_frame_free(probe);
    free(codes);
    free(y);
}

/* '.' over a wide frame stays quick (names are hashed, not searched). */
static void test_wide(void)
{
    size_t cols = 4000, rows = 50;
    gf_frame *f = gf_frame_new(rows);
    double *v = malloc(rows * sizeof *v);
    char name[16];
    for (size_t j = 0; j < cols; j++) {
        for (size_t i = 0; i < rows; i++) v[i] = (double)(i * 7 + j % 13);
        snprintf(name, sizeof name, "c%zu", j);
        gf_frame_add_numeric(f, name, v);
    }
    gf_terms *t = NULL;
    CHECK(gf_terms_new("c0 ~ . - c5", f, &t) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_terms_ncols(t) == cols - 2, "%zu columns", gf_terms_ncols(t));
    gf_design *d = t ? design(t, f, 1, 0) : NULL;
    CHECK(d && d->p == cols - 2 && d->x[3 * d->p + 10] == 3 * 7 + 12 % 13, "wide design");
    gf_terms *r = t ? restore(t) : NULL;
    gf_design *e = r ? design(r, f, 1, 0) : NULL;
    CHECK(same_design(d, e), "wide round trip");
    gf_design_free(d), gf_design_free(e);
    gf_terms_free(t), gf_terms_free(r);

    /* Terms over the first 64 variables are also kept as bit sets; here
     * '.' numbers c1..c3999 as variables 1..3999, so products mix terms
     * below and past 64, and repeat (c70:c1, c3000 from the power). */
    t = NULL;
    CHECK(gf_terms_new("c0 ~ . + c1:c70 + c3000:c1 + c3000:c70:c2 + (c2 + c3000)^2 + c70:c1 + "
                       "(c1 + c2)^2:c1", f, &t) == GF_OK, "%s", gf_errmsg());
    const char *want = " + c3999 + c1:c70 + c1:c3000 + c2:c3000 + c1:c2 + c2:c70:c3000";
    const char *got = t ? gf_terms_formula(t) : "";
    CHECK(strlen(got) > strlen(want) && !strcmp(got + strlen(got) - strlen(want), want) &&
              gf_terms_ncols(t) == 3999 + 5, "past 64 variables: ...%s (%zu columns)",
          got + (strlen(got) > 80 ? strlen(got) - 80 : 0), gf_terms_ncols(t));
    gf_terms_free(t);
    free(v);
    gf_frame_free(f);
}

/* Factors are coded by R's rule whether the formula has at most 64
 * variables (subset tests on bit sets) or more (on sorted lists): the same
 * factor terms get the same columns either way. */
static void test_coding_past_64(void)
{
    size_t rows = 9;
    gf_frame *f = gf_frame_new(rows);
    double v[9];
    char name[16];
    for (size_t j = 0; j <= 66; j++) {
        for (size_t i = 0; i < rows; i++) v[i] = (double)((i * 5 + j) % 7);
        snprintf(name, sizeof name, j ? "n%zu" : "y", j);
        gf_frame_add_numeric(f, name, v);
    }
    const char *levels[] = {"a", "b", "c"};
    gf_frame_add_factor(f, "f1", (const int32_t[]){0, 1, 2, 0, 1, 2, 0, 1, 2}, levels, 3);
    gf_frame_add_factor(f, "f2", (const int32_t[]){0, 0, 1, 1, 2, 2, 0, 1, 2}, levels, 3);
    gf_terms *narrow = NULL, *wide = NULL;
    CHECK(gf_terms_new("y ~ n1 + f1 + f2 + f1:f2 + n1:f2 + n1:f1:f2", f, &narrow) == GF_OK, "%s",
          gf_errmsg());
    CHECK(gf_terms_new("y ~ . + f1:f2 + n1:f2 + n1:f1:f2", f, &wide) == GF_OK &&
              gf_terms_nvars(wide) == 69,
          "%s", gf_errmsg());
    size_t k = 0, nf = 0;
    for (size_t j = 0; narrow && wide && j < gf_terms_ncols(wide); j++) {
        const char *c = gf_terms_colname(wide, j);
        if (!strchr(c, 'f')) continue;
        while (k < gf_terms_ncols(narrow) && !strchr(gf_terms_colname(narrow, k), 'f')) k++;
        CHECK(k < gf_terms_ncols(narrow) && !strcmp(c, gf_terms_colname(narrow, k)),
              "column %zu: %s, with few variables %s", j, c,
              k < gf_terms_ncols(narrow) ? gf_terms_colname(narrow, k) : "(none)");
        k++, nf++;
    }
    /* f1b f1c f2b f2c; f1:f2 by contrasts; n1:f2 by contrasts (n1 came
     * before); in n1:f1:f2, f1 by contrasts (n1:f2 holds the rest) and f2
     * by indicators (no earlier term holds n1 and f1) */
    CHECK(nf == 4 + 4 + 2 + 2 * 3, "%zu columns of factors", nf);
    gf_terms_free(narrow), gf_terms_free(wide);
    gf_frame_free(f);
}

int main(void)
{
    test_r_cases();
    test_variables_and_new_data();
    test_syntax_errors();
    test_resolution_errors();
    test_missing();
    test_hostile();
    test_fuzz();
    test_wide();
    test_coding_past_64();
    test_design_cap();
    gf_design_free(NULL);
    gf_terms_free(NULL);
    return check_report("test_formula");
}
