/* gf_frame: a table of named numeric and factor columns, as R's data.frame.
 *
 * Each column owns its data: doubles for a numeric column, int32 codes and
 * level strings for a factor.  The frame also remembers where its rows came
 * from (source name, line numbers, row names) so that later stages (the
 * formula's design matrix, a prediction) can point at the line of a bad
 * row. */
#include "data/frame_internal.h"
#include "core/error.h"
#include "core/strings.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct frame_col {
    char *name;
    gf_col_type type;
    double *num;    /* rows values (numeric), else NULL */
    int32_t *codes; /* rows codes (factor), else NULL */
    char **levels;  /* nlevels strings (factor) */
    size_t nlevels;
} frame_col;

struct gf_frame {
    size_t rows, cols, cap;
    frame_col *col; /* cols columns, room for cap */
    char *source;   /* "" when built in memory */
    size_t *line;   /* rows 1-based line numbers, or NULL */
    char **row_name; /* rows names, or NULL */
    size_t omitted;
};

static char *dup_string(const char *s, const char *what)
{
    size_t n = strlen(s) + 1;
    char *d = gf__malloc(n, what);
    if (d) memcpy(d, s, n);
    return d;
}

void gf__free_strings(char **s, size_t n)
{
    if (!s) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

static void free_col(frame_col *c)
{
    free(c->name);
    free(c->num);
    free(c->codes);
    gf__free_strings(c->levels, c->nlevels);
}

gf_frame *gf_frame_new(size_t rows)
{
    /* so that no column's rows x 8 bytes can overflow */
    if (rows > SIZE_MAX / sizeof(double)) {
        gf__fail(GF_ERR_ARG, "frame: %zu rows are more than any column can hold", rows);
        return NULL;
    }
    gf_frame *f = gf__calloc(1, sizeof *f, "a frame");
    if (!f) return NULL;
    f->rows = rows;
    f->source = dup_string("", "a frame's source name");
    if (!f->source) {
        free(f);
        return NULL;
    }
    return f;
}

void gf_frame_free(gf_frame *f)
{
    if (!f) return;
    for (size_t j = 0; j < f->cols; j++) free_col(&f->col[j]);
    free(f->col);
    free(f->source);
    free(f->line);
    gf__free_strings(f->row_name, f->row_name ? f->rows : 0);
    free(f);
}

/* ---- adding columns ----------------------------------------------------- */

/* The checks every new column passes: a frame, a unique non-empty name. */
static gf_status check_name(const gf_frame *f, const char *name)
{
    if (!f) return gf__fail(GF_ERR_ARG, "adding a column: the frame is NULL");
    if (!name || !*name) return gf__fail(GF_ERR_ARG, "adding a column: the name is empty");
    if (gf_frame_find(f, name) >= 0)
        return gf__fail(GF_ERR_ARG, "adding column '%s': the frame already has a column of that name",
                        name);
    return GF_OK;
}

static gf_status check_numeric(const gf_frame *f, const char *name, const double *values)
{
    if (f->rows && !values)
        return gf__fail(GF_ERR_ARG, "adding column '%s': the values are NULL", name);
    for (size_t i = 0; i < f->rows; i++)
        if (isinf(values[i]))
            return gf__fail(GF_ERR_NUMERIC, "adding column '%s': row %zu is infinite (%g)", name,
                            i + 1, values[i]);
    return GF_OK;
}

static gf_status check_factor(const gf_frame *f, const char *name, const int32_t *codes,
                              const char *const *levels, size_t nlevels)
{
    if (f->rows && !codes)
        return gf__fail(GF_ERR_ARG, "adding column '%s': the codes are NULL", name);
    if (nlevels && !levels)
        return gf__fail(GF_ERR_ARG, "adding column '%s': the levels are NULL", name);
    if (nlevels > INT32_MAX)
        return gf__fail(GF_ERR_ARG, "adding column '%s': %zu levels is more than a code can hold",
                        name, nlevels);
    for (size_t i = 0; i < f->rows; i++)
        if (codes[i] < -1 || (codes[i] >= 0 && (size_t)codes[i] >= nlevels))
            return gf__fail(GF_ERR_ARG,
                            "adding column '%s': row %zu has code %d, expected -1 (missing) or "
                            "0 to %zu",
                            name, i + 1, (int)codes[i], nlevels ? nlevels - 1 : 0);
    for (size_t k = 0; k < nlevels; k++)
        if (!levels[k])
            return gf__fail(GF_ERR_ARG, "adding column '%s': level %zu is NULL", name, k + 1);
    const char *dup;
    gf_status s = gf__find_repeat(levels, nlevels, &dup);
    if (s == GF_OK && dup)
        s = gf__fail(GF_ERR_ARG, "adding column '%s': level '%s' appears twice", name, dup);
    return s;
}

/* The checks of an adopted column: a frame and a non-empty name.  Its
 * uniqueness is the caller's promise (a reader's checked header, another
 * frame's columns): searching every name for every column made reading a
 * CSV of n columns take n^2 / 2 comparisons, minutes for a header of a
 * few megabytes. */
static gf_status check_adopted_name(const gf_frame *f, const char *name)
{
    if (!f) return gf__fail(GF_ERR_ARG, "adding a column: the frame is NULL");
    if (!name || !*name) return gf__fail(GF_ERR_ARG, "adding a column: the name is empty");
    return GF_OK;
}

/* A new slot at the end of f's columns, zeroed, with its name copied; the
 * caller fills it in and then counts it (f->cols++). */
static frame_col *new_col(gf_frame *f, const char *name)
{
    if (f->cols == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 8;
        if (cap > SIZE_MAX / sizeof *f->col) {
            gf__fail(GF_ERR_NOMEM, "too many columns in a frame");
            return NULL;
        }
        frame_col *c = realloc(f->col, cap * sizeof *c);
        if (!c) {
            gf__fail(GF_ERR_NOMEM, "out of memory adding column '%s'", name);
            return NULL;
        }
        f->col = c;
        f->cap = cap;
    }
    frame_col *c = &f->col[f->cols];
    memset(c, 0, sizeof *c);
    c->name = dup_string(name, "a column name");
    return c->name ? c : NULL;
}

gf_status gf__frame_adopt_numeric(gf_frame *f, const char *name, double *values)
{
    gf_status s = check_adopted_name(f, name);
    if (s == GF_OK) s = check_numeric(f, name, values);
    frame_col *c = s == GF_OK ? new_col(f, name) : NULL;
    if (!c) {
        free(values);
        return s != GF_OK ? s : GF_ERR_NOMEM;
    }
    c->type = GF_COL_NUMERIC;
    c->num = values;
    f->cols++;
    return GF_OK;
}

gf_status gf__frame_adopt_factor(gf_frame *f, const char *name, int32_t *codes, char **levels,
                                 size_t nlevels)
{
    gf_status s = check_adopted_name(f, name);
    if (s == GF_OK) s = check_factor(f, name, codes, (const char *const *)levels, nlevels);
    frame_col *c = s == GF_OK ? new_col(f, name) : NULL;
    if (!c) {
        free(codes);
        gf__free_strings(levels, nlevels);
        return s != GF_OK ? s : GF_ERR_NOMEM;
    }
    c->type = GF_COL_FACTOR;
    c->codes = codes;
    c->levels = levels;
    c->nlevels = nlevels;
    f->cols++;
    return GF_OK;
}

gf_status gf_frame_add_numeric(gf_frame *f, const char *name, const double *values)
{
    gf_status s = check_name(f, name);
    if (s == GF_OK) s = check_numeric(f, name, values);
    if (s != GF_OK) return s;
    double *copy = gf__malloc(f->rows * sizeof *copy, "a numeric column");
    if (!copy) return GF_ERR_NOMEM;
    if (f->rows) memcpy(copy, values, f->rows * sizeof *copy);
    return gf__frame_adopt_numeric(f, name, copy);
}

/* A copy of n strings; NULL (after recording why) on failure. */
static char **copy_strings(const char *const *src, size_t n)
{
    char **d = gf__calloc(n, sizeof *d, "a list of strings");
    if (!d) return NULL;
    for (size_t k = 0; k < n; k++)
        if (!(d[k] = dup_string(src[k], "a string"))) {
            gf__free_strings(d, n);
            return NULL;
        }
    return d;
}

gf_status gf_frame_add_factor(gf_frame *f, const char *name, const int32_t *codes,
                              const char *const *levels, size_t nlevels)
{
    gf_status s = check_name(f, name);
    if (s == GF_OK) s = check_factor(f, name, codes, levels, nlevels);
    if (s != GF_OK) return s;
    int32_t *c = gf__malloc(f->rows * sizeof *c, "a factor's codes");
    char **lv = c ? copy_strings(levels, nlevels) : NULL;
    if (!lv) {
        free(c);
        return GF_ERR_NOMEM;
    }
    if (f->rows) memcpy(c, codes, f->rows * sizeof *c);
    return gf__frame_adopt_factor(f, name, c, lv, nlevels);
}

/* ---- bookkeeping -------------------------------------------------------- */

gf_status gf__frame_set_source(gf_frame *f, const char *source, size_t *lines)
{
    char *s = dup_string(source ? source : "", "a frame's source name");
    if (!s) {
        free(lines);
        return GF_ERR_NOMEM;
    }
    free(f->source);
    f->source = s;
    if (lines) {
        free(f->line);
        f->line = lines;
    }
    return GF_OK;
}

void gf__frame_adopt_row_names(gf_frame *f, char **names)
{
    gf__free_strings(f->row_name, f->row_name ? f->rows : 0);
    f->row_name = names;
}

void gf__frame_set_omitted(gf_frame *f, size_t omitted) { f->omitted = omitted; }

/* ---- accessors ---------------------------------------------------------- */

size_t gf_frame_rows(const gf_frame *f) { return f ? f->rows : 0; }
size_t gf_frame_cols(const gf_frame *f) { return f ? f->cols : 0; }

const char *gf_frame_name(const gf_frame *f, size_t j)
{
    return f && j < f->cols ? f->col[j].name : NULL;
}

long gf_frame_find(const gf_frame *f, const char *name)
{
    if (!f || !name) return -1;
    for (size_t j = 0; j < f->cols; j++)
        if (strcmp(f->col[j].name, name) == 0) return (long)j;
    return -1;
}

gf_col_type gf_frame_type(const gf_frame *f, size_t j)
{
    return f && j < f->cols ? f->col[j].type : GF_COL_NUMERIC;
}

const double *gf_frame_numeric(const gf_frame *f, size_t j)
{
    return f && j < f->cols ? f->col[j].num : NULL;
}

const int32_t *gf_frame_codes(const gf_frame *f, size_t j)
{
    return f && j < f->cols ? f->col[j].codes : NULL;
}

size_t gf_frame_nlevels(const gf_frame *f, size_t j)
{
    return f && j < f->cols ? f->col[j].nlevels : 0;
}

const char *gf_frame_level(const gf_frame *f, size_t j, size_t k)
{
    return f && j < f->cols && k < f->col[j].nlevels ? f->col[j].levels[k] : NULL;
}

const char *gf_frame_source(const gf_frame *f) { return f ? f->source : ""; }

size_t gf_frame_line(const gf_frame *f, size_t i)
{
    return f && f->line && i < f->rows ? f->line[i] : 0;
}

const char *gf_frame_row_name(const gf_frame *f, size_t i)
{
    return f && f->row_name && i < f->rows ? f->row_name[i] : NULL;
}

size_t gf_frame_omitted(const gf_frame *f) { return f ? f->omitted : 0; }

/* ---- numbers as factor levels ------------------------------------------- */

/* R's as.character(x) for a double (R 4.2): 15 significant digits, with
 * trailing zeros dropped, in fixed notation unless scientific is narrower
 * (R's default scipen = 0), so 100000 is "1e+05" and 123456 is "123456".
 * The digits come from printf's %e and the text is laid out by hand, so a
 * caller's LC_NUMERIC cannot turn the point into a comma. */
void gf__format_number(double v, char *buf, size_t size)
{
    if (!size) return;
    if (isnan(v)) {
        snprintf(buf, size, "NA");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v > 0 ? "Inf" : "-Inf");
        return;
    }
    if (v == 0) v = 0; /* -0 prints as "0" in R */
    char e[48];
    snprintf(e, sizeof e, "%.14e", v); /* [-]d.dddddddddddddde[+-]XX */
    char digits[16];
    int n = 0, nsig = 1;
    const char *q = e;
    for (; *q && *q != 'e' && *q != 'E'; q++)
        if (*q >= '0' && *q <= '9' && n < 15) {
            digits[n++] = *q;
            if (*q != '0') nsig = n;
        }
    int exp10 = *q ? atoi(q + 1) : 0;
    int exp_digits = abs(exp10) >= 100 ? 3 : 2;
    int sci_width = (nsig > 1 ? nsig + 1 : 1) + 2 + exp_digits;
    int decimals = nsig - 1 - exp10 > 0 ? nsig - 1 - exp10 : 0;
    int fixed_width = (exp10 >= 0 ? exp10 + 1 : 1) + (decimals ? decimals + 1 : 0);
    char out[48];
    int o = 0;
    if (v < 0) out[o++] = '-';
    if (fixed_width <= sci_width) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++) out[o++] = i < nsig ? digits[i] : '0';
            if (decimals) out[o++] = '.';
            for (int i = exp10 + 1; i < nsig; i++) out[o++] = digits[i];
        } else {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -exp10 - 1; i++) out[o++] = '0';
            for (int i = 0; i < nsig; i++) out[o++] = digits[i];
        }
        out[o] = '\0';
    } else {
        out[o++] = digits[0];
        if (nsig > 1) out[o++] = '.';
        for (int i = 1; i < nsig; i++) out[o++] = digits[i];
        snprintf(out + o, sizeof out - (size_t)o, "e%c%0*d", exp10 < 0 ? '-' : '+', exp_digits,
                 abs(exp10));
    }
    snprintf(buf, size, "%s", out);
}

typedef struct value_at {
    double v;
    size_t first; /* the first row holding v */
} value_at;

static int cmp_value(const void *a, const void *b)
{
    double x = ((const value_at *)a)->v, y = ((const value_at *)b)->v;
    return (x > y) - (x < y);
}

static int cmp_first(const void *a, const void *b)
{
    size_t x = ((const value_at *)a)->first, y = ((const value_at *)b)->first;
    return (x > y) - (x < y);
}

/* The distinct non-missing values of x[0..n), sorted, merging values whose
 * 15-digit spellings agree (R's factor() matches on as.character); each
 * keeps the first row where its spelling appears.  *out from malloc. */
static gf_status distinct_values(const double *x, size_t n, value_at **out, size_t *count)
{
    value_at *u = gf__malloc(n * sizeof *u, "a factor's distinct values");
    if (!u) return GF_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) u[m++] = (value_at){x[i] == 0 ? 0 : x[i], i};
    /* qsort is not stable; ties in value are broken by `first` below. */
    qsort(u, m, sizeof *u, cmp_value);
    size_t k = 0;
    char prev[40] = "", cur[40];
    for (size_t i = 0; i < m; i++) {
        gf__format_number(u[i].v, cur, sizeof cur);
        if (k > 0 && strcmp(prev, cur) == 0) {
            if (u[i].first < u[k - 1].first) u[k - 1].first = u[i].first;
            continue;
        }
        u[k++] = u[i];
        memcpy(prev, cur, sizeof prev);
    }
    *out = u;
    *count = k;
    return GF_OK;
}

/* The index in u[0..k) (sorted by value, merged by spelling) of v. */
static size_t find_value(const value_at *u, size_t k, double v)
{
    /* the last entry whose value is <= v: merged spellings map to the
     * first value of their group, which is <= every other in it */
    size_t lo = 0, hi = k;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (u[mid].v <= v) lo = mid;
        else hi = mid;
    }
    return lo;
}

gf_status gf_frame_as_factor(gf_frame *f, size_t j, gf_level_order order)
{
    if (!f || j >= f->cols)
        return gf__fail(GF_ERR_ARG, "converting column %zu to a factor: the frame has %zu columns",
                        j + 1, f ? f->cols : 0);
    frame_col *c = &f->col[j];
    if (c->type == GF_COL_FACTOR) return GF_OK;
    value_at *u;
    size_t k;
    gf_status s = distinct_values(c->num, f->rows, &u, &k);
    if (s != GF_OK) return s;
    int32_t *codes = gf__malloc(f->rows * sizeof *codes, "a factor's codes");
    size_t *rank = codes ? gf__malloc(k * sizeof *rank, "a factor's level order") : NULL;
    char **levels = rank ? gf__calloc(k, sizeof *levels, "a factor's levels") : NULL;
    if (!levels) {
        free(u);
        free(codes);
        free(rank);
        return GF_ERR_NOMEM;
    }
    for (size_t i = 0; i < f->rows; i++)
        codes[i] = isnan(c->num[i]) ? -1 : (int32_t)find_value(u, k, c->num[i]);
    /* rank[sorted index] = level index in the requested order */
    for (size_t q = 0; q < k; q++) rank[q] = q;
    if (order == GF_LEVELS_APPEARANCE) {
        value_at *by_first = gf__malloc(k * sizeof *by_first, "a factor's level order");
        if (!by_first) {
            free(u), free(codes), free(rank), free(levels);
            return GF_ERR_NOMEM;
        }
        for (size_t q = 0; q < k; q++) by_first[q] = (value_at){(double)q, u[q].first};
        qsort(by_first, k, sizeof *by_first, cmp_first);
        for (size_t q = 0; q < k; q++) rank[(size_t)by_first[q].v] = q;
        free(by_first);
    }
    for (size_t q = 0; q < k && s == GF_OK; q++) {
        char text[40];
        gf__format_number(u[q].v, text, sizeof text);
        if (!(levels[rank[q]] = dup_string(text, "a factor level"))) s = GF_ERR_NOMEM;
    }
    for (size_t i = 0; i < f->rows; i++)
        if (codes[i] >= 0) codes[i] = (int32_t)rank[codes[i]];
    free(u);
    free(rank);
    if (s != GF_OK) {
        free(codes);
        gf__free_strings(levels, k);
        return s;
    }
    free(c->num);
    c->num = NULL;
    c->type = GF_COL_FACTOR;
    c->codes = codes;
    c->levels = levels;
    c->nlevels = k;
    return GF_OK;
}

/* ---- taking rows -------------------------------------------------------- */

gf_frame *gf_frame_take(const gf_frame *f, const size_t *idx, size_t n)
{
    if (!f) {
        gf__fail(GF_ERR_ARG, "taking rows: the frame is NULL");
        return NULL;
    }
    if (n && !idx) {
        gf__fail(GF_ERR_ARG, "taking rows: the row indices are NULL");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (idx[i] >= f->rows) {
            gf__fail(GF_ERR_ARG, "taking rows: index %zu (entry %zu) is past the frame's %zu rows",
                     idx[i], i + 1, f->rows);
            return NULL;
        }
    if (n > SIZE_MAX / sizeof(double)) {
        gf__fail(GF_ERR_NOMEM, "taking rows: %zu rows is too many", n);
        return NULL;
    }
    gf_frame *t = gf_frame_new(n);
    if (!t) return NULL;
    gf_status s = gf__frame_set_source(t, f->source, NULL);
    for (size_t j = 0; j < f->cols && s == GF_OK; j++) {
        const frame_col *c = &f->col[j];
        if (c->type == GF_COL_NUMERIC) {
            double *v = gf__malloc(n * sizeof *v, "a numeric column");
            if (!v) s = GF_ERR_NOMEM;
            else {
                for (size_t i = 0; i < n; i++) v[i] = c->num[idx[i]];
                s = gf__frame_adopt_numeric(t, c->name, v);
            }
        } else {
            int32_t *codes = gf__malloc(n * sizeof *codes, "a factor's codes");
            char **lv = codes ? copy_strings((const char *const *)c->levels, c->nlevels) : NULL;
            if (!lv) {
                free(codes);
                s = GF_ERR_NOMEM;
            } else {
                for (size_t i = 0; i < n; i++) codes[i] = c->codes[idx[i]];
                s = gf__frame_adopt_factor(t, c->name, codes, lv, c->nlevels);
            }
        }
    }
    if (s == GF_OK && f->line) {
        if (!(t->line = gf__malloc(n * sizeof *t->line, "a frame's line numbers"))) s = GF_ERR_NOMEM;
        else
            for (size_t i = 0; i < n; i++) t->line[i] = f->line[idx[i]];
    }
    if (s == GF_OK && f->row_name) {
        if (!(t->row_name = gf__calloc(n, sizeof *t->row_name, "a frame's row names")))
            s = GF_ERR_NOMEM;
        for (size_t i = 0; i < n && s == GF_OK; i++)
            if (!(t->row_name[i] = dup_string(f->row_name[idx[i]], "a row name"))) s = GF_ERR_NOMEM;
    }
    if (s != GF_OK) {
        gf_frame_free(t);
        return NULL;
    }
    return t;
}
