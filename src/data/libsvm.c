/* The libsvm (SVMlight) sparse text format into compressed rows.
 *
 *     # a comment
 *     +1 3:0.5 10:-1.25
 *     -1 1:2 # the rest of a line after '#' is a comment too
 *
 * One pass over the text, line by line: the label, then index:value pairs
 * separated by spaces or tabs.  Indices are 1-based in the file and 0-based
 * in the matrix.  Memory grows with what has been read (amortised
 * doubling), never from a count the file claims, so the largest index says
 * nothing about the allocation until gf_sparse_to_dense, whose caller
 * allocates the dense matrix after gf_sparse_dense_count has checked its
 * size against the caps in grafo/frame.h. */
#include "grafo/frame.h"
#include "core/error.h"
#include "data/readfile.h"
#include "data/textnum.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct builder {
    const char *s;
    size_t n;
    const char *source;
    size_t max_index;  /* the largest index seen, 1-based */
    size_t n_features; /* 0 or the fixed column count */
    size_t rows, cap_rows, nnz, cap_nnz;
    size_t *row_start; /* cap_rows + 1 */
    double *y;         /* cap_rows */
    int32_t *col;      /* cap_nnz */
    double *val;       /* cap_nnz */
} builder;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* ---- storage ------------------------------------------------------------ */

/* Double `*cap` until it holds `need`, checking that an array of cap + 1
 * elements of `widest` bytes stays addressable. */
static gf_status next_cap(size_t *cap, size_t need, size_t widest, const char *what)
{
    size_t c = *cap ? *cap : 256;
    while (c < need) {
        if (c > SIZE_MAX / 2) return gf__fail(GF_ERR_NOMEM, "too many %s", what);
        c *= 2;
    }
    if (c >= SIZE_MAX / widest - 1) return gf__fail(GF_ERR_NOMEM, "too many %s", what);
    *cap = c;
    return GF_OK;
}

static gf_status room_for_row(builder *b)
{
    if (b->rows < b->cap_rows) return GF_OK;
    size_t cap = b->cap_rows;
    gf_status s = next_cap(&cap, b->rows + 1, sizeof(double), "rows");
    if (s) return s;
    size_t *rs = realloc(b->row_start, (cap + 1) * sizeof *rs);
    if (rs) b->row_start = rs;
    double *y = rs ? realloc(b->y, cap * sizeof *y) : NULL;
    if (y) b->y = y;
    if (!rs || !y) return gf__fail(GF_ERR_NOMEM, "%s: out of memory for %zu rows", b->source, cap);
    b->cap_rows = cap;
    return GF_OK;
}

static gf_status room_for_value(builder *b)
{
    if (b->nnz < b->cap_nnz) return GF_OK;
    size_t cap = b->cap_nnz;
    gf_status s = next_cap(&cap, b->nnz + 1, sizeof(double), "stored values");
    if (s) return s;
    int32_t *col = realloc(b->col, cap * sizeof *col);
    if (col) b->col = col;
    double *val = col ? realloc(b->val, cap * sizeof *val) : NULL;
    if (val) b->val = val;
    if (!col || !val)
        return gf__fail(GF_ERR_NOMEM, "%s: out of memory for %zu stored values", b->source, cap);
    b->cap_nnz = cap;
    return GF_OK;
}

/* ---- one line ----------------------------------------------------------- */

typedef struct line_at {
    size_t number, start; /* 1-based line number, offset of its first byte */
} line_at;

static size_t col_of(const builder *b, line_at ln, size_t at)
{
    return gf__column(b->s, ln.start, at);
}

/* A pair idx:value at s[a..z) (the z-th byte is a space or the line's end),
 * the k-th pair of its line; prev is the line's last index (0 if none). */
static gf_status parse_pair(builder *b, line_at ln, size_t a, size_t z, size_t k, size_t *prev)
{
    const char *s = b->s;
    char pair[64];
    gf__quote_text(s + a, z - a, pair, sizeof pair);
    size_t colon = a;
    while (colon < z && s[colon] != ':') colon++;
    if (colon == z)
        return gf__fail(GF_ERR_FORMAT,
                        "%s:%zu:%zu: pair %zu is '%s': expected index:value (a ':' between them)",
                        b->source, ln.number, col_of(b, ln, a), k, pair);
    /* the index: decimal digits only, 1 to 2^31 - 1 */
    uint64_t idx = 0;
    size_t p = a;
    while (p < colon && s[p] >= '0' && s[p] <= '9' && idx <= INT32_MAX) idx = idx * 10 + (uint64_t)(s[p++] - '0');
    if (p == a || (p < colon && (s[p] < '0' || s[p] > '9')))
        return gf__fail(GF_ERR_FORMAT,
                        "%s:%zu:%zu: pair %zu is '%s': expected a positive whole number before the "
                        "':', as the feature's index",
                        b->source, ln.number, col_of(b, ln, a), k, pair);
    if (p < colon || idx > INT32_MAX)
        return gf__fail(GF_ERR_FORMAT,
                        "%s:%zu:%zu: pair %zu is '%s': the index is larger than 2147483647 (2^31 - 1)",
                        b->source, ln.number, col_of(b, ln, a), k, pair);
    if (idx == 0)
        return gf__fail(GF_ERR_FORMAT,
                        "%s:%zu:%zu: pair %zu is '%s': index 0, but indices count from 1",
                        b->source, ln.number, col_of(b, ln, a), k, pair);
    if (idx <= *prev)
        return gf__fail(GF_ERR_FORMAT,
                        "%s:%zu:%zu: pair %zu is '%s': index %llu %s; indices must increase along "
                        "a line",
                        b->source, ln.number, col_of(b, ln, a), k, pair, (unsigned long long)idx,
                        idx == *prev ? "repeats the one before it" : "is below the one before it");
    if (b->n_features && idx > b->n_features)
        return gf__fail(GF_ERR_FORMAT,
                        "%s:%zu:%zu: pair %zu is '%s': index %llu is above the %zu features "
                        "expected",
                        b->source, ln.number, col_of(b, ln, a), k, pair, (unsigned long long)idx,
                        b->n_features);
    double v;
    gf__num kind = gf__parse_number(s + colon + 1, z - colon - 1, &v);
    if (kind == GF__NUM_NOMEM)
        return gf__fail(GF_ERR_NOMEM, "%s:%zu:%zu: out of memory reading a value", b->source,
                        ln.number, col_of(b, ln, colon + 1));
    if (kind == GF__NUM_NONFINITE || kind == GF__NUM_RANGE)
        return gf__fail(GF_ERR_NUMERIC,
                        "%s:%zu:%zu: pair %zu is '%s': expected a finite value after the ':'%s",
                        b->source, ln.number, col_of(b, ln, colon + 1), k, pair,
                        kind == GF__NUM_RANGE ? " (this one is too large for a double)" : "");
    if (kind != GF__NUM_OK || colon + 1 == z)
        return gf__fail(GF_ERR_FORMAT,
                        "%s:%zu:%zu: pair %zu is '%s': expected a number after the ':'",
                        b->source, ln.number, col_of(b, ln, colon + 1), k, pair);
    gf_status st = room_for_value(b);
    if (st) return st;
    b->col[b->nnz] = (int32_t)(idx - 1);
    b->val[b->nnz++] = v;
    *prev = idx;
    if (idx > b->max_index) b->max_index = idx;
    return GF_OK;
}

/* Parse s[start..end) (a line without its line break and comment). */
static gf_status parse_line(builder *b, line_at ln, size_t end)
{
    const char *s = b->s;
    size_t p = ln.start;
    while (p < end && is_space(s[p])) p++;
    if (p == end) return GF_OK; /* blank */
    size_t a = p;
    while (p < end && !is_space(s[p])) p++;
    double label;
    char found[64];
    gf__num kind = gf__parse_number(s + a, p - a, &label);
    if (kind == GF__NUM_NOMEM)
        return gf__fail(GF_ERR_NOMEM, "%s:%zu:%zu: out of memory reading the label", b->source,
                        ln.number, col_of(b, ln, a));
    if (kind != GF__NUM_OK) {
        gf__quote_text(s + a, p - a, found, sizeof found);
        if (memchr(s + a, ':', p - a))
            return gf__fail(GF_ERR_FORMAT,
                            "%s:%zu:%zu: expected a label before the first pair, found the pair '%s'",
                            b->source, ln.number, col_of(b, ln, a), found);
        return gf__fail(kind == GF__NUM_NOT ? GF_ERR_FORMAT : GF_ERR_NUMERIC,
                        "%s:%zu:%zu: expected a finite number as the label, found '%s'", b->source,
                        ln.number, col_of(b, ln, a), found);
    }
    gf_status st = room_for_row(b);
    if (st) return st;
    b->row_start[b->rows] = b->nnz;
    b->y[b->rows] = label;
    size_t prev = 0, k = 0;
    for (;;) {
        while (p < end && is_space(s[p])) p++;
        if (p == end) break;
        a = p;
        while (p < end && !is_space(s[p])) p++;
        if ((st = parse_pair(b, ln, a, p, ++k, &prev))) return st;
    }
    b->rows++;
    b->row_start[b->rows] = b->nnz;
    return GF_OK;
}

static void builder_free(builder *b)
{
    free(b->row_start);
    free(b->y);
    free(b->col);
    free(b->val);
}

/* ---- entry points ------------------------------------------------------- */

gf_status gf_libsvm_parse(const char *text, size_t len, const char *source,
                          const gf_libsvm_opts *o, gf_sparse **out)
{
    if (!source) source = "<text>";
    if (!out) return gf__fail(GF_ERR_ARG, "%s: no place for the matrix (out is NULL)", source);
    *out = NULL;
    if (!text && len) return gf__fail(GF_ERR_ARG, "%s: the text is NULL", source);
    if (!text) text = ""; /* no text at all reads as an empty file */
    gf_libsvm_opts def = GF_LIBSVM_OPTS_DEFAULT;
    if (!o) o = &def;
    if (o->n_features > INT32_MAX)
        return gf__fail(GF_ERR_ARG, "%s: n_features %zu is above the largest index, 2147483647",
                        source, o->n_features);
    builder b = {.s = text, .n = len, .source = source, .n_features = o->n_features};
    gf__c_locale loc;
    if (!gf__c_locale_begin(&loc))
        return gf__fail(GF_ERR_NOMEM, "%s: out of memory making the C locale for numbers", source);
    gf_status s = GF_OK;
    line_at ln = {1, 0};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) ln.start = 3;
    while (s == GF_OK && ln.start < len) {
        const char *nl = memchr(text + ln.start, '\n', len - ln.start);
        size_t eol = nl ? (size_t)(nl - text) : len;
        const char *nul = memchr(text + ln.start, '\0', eol - ln.start);
        if (nul) {
            s = gf__fail(GF_ERR_FORMAT, "%s:%zu:%zu: a NUL byte: this is not a text file (expected libsvm text)",
                         source, ln.number, col_of(&b, ln, (size_t)(nul - text)));
            break;
        }
        const char *hash = memchr(text + ln.start, '#', eol - ln.start);
        s = parse_line(&b, ln, hash ? (size_t)(hash - text) : eol);
        ln = (line_at){ln.number + 1, eol + 1};
    }
    gf__c_locale_end(&loc);
    if (s == GF_OK && b.rows == 0)
        s = gf__fail(GF_ERR_FORMAT, "%s: no examples (the file is empty, or only comments and blank lines)",
                     source);
    gf_sparse *m = s == GF_OK ? gf__calloc(1, sizeof *m, "a sparse matrix") : NULL;
    if (!m) {
        builder_free(&b);
        return s ? s : GF_ERR_NOMEM;
    }
    m->rows = b.rows;
    m->cols = o->n_features ? o->n_features : b.max_index;
    m->nnz = b.nnz;
    m->row_start = b.row_start;
    m->y = b.y;
    m->col = b.col;
    m->val = b.val;
    *out = m;
    return GF_OK;
}

gf_status gf_libsvm_read(const char *path, const gf_libsvm_opts *o, gf_sparse **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "%s: no place for the matrix (out is NULL)", path ? path : "");
    *out = NULL;
    char *text;
    size_t len;
    gf_status s = gf__read_file(path, &text, &len);
    if (s) return s;
    s = gf_libsvm_parse(text, len, path, o, out);
    free(text);
    return s;
}

gf_status gf_sparse_dense_count(const gf_sparse *s, size_t *values)
{
    if (values) *values = 0;
    if (!s || !values) return gf__fail(GF_ERR_ARG, "sparse to dense: the matrix or the count is NULL");
    if (s->cols > GF_SPARSE_DENSE_MAX_COLS)
        return gf__fail(GF_ERR_ARG,
                        "sparse to dense: %zu columns (the largest feature index) is more than "
                        "the %zu a dense matrix may have",
                        s->cols, GF_SPARSE_DENSE_MAX_COLS);
    /* cols <= 2^20, so the division guards the product against overflow */
    if (s->cols && s->rows > GF_DENSE_MAX_VALUES / s->cols)
        return gf__fail(GF_ERR_ARG,
                        "sparse to dense: %zu rows x %zu columns is more than the %zu values "
                        "(%zu MiB of doubles) a dense matrix may have",
                        s->rows, s->cols, GF_DENSE_MAX_VALUES,
                        GF_DENSE_MAX_VALUES * sizeof(double) >> 20);
    *values = s->rows * s->cols;
    return GF_OK;
}

gf_status gf_sparse_to_dense(const gf_sparse *s, double *x)
{
    if (!s || !x) return gf__fail(GF_ERR_ARG, "sparse to dense: the matrix or the output is NULL");
    size_t values;
    gf_status st = gf_sparse_dense_count(s, &values);
    if (st) return st;
    if (!s->rows) return GF_OK;
    if (!s->row_start || (s->nnz && (!s->col || !s->val)))
        return gf__fail(GF_ERR_ARG, "sparse to dense: the matrix has no row offsets or values");
    /* check the structure first, so a bad matrix leaves x untouched */
    if (s->row_start[0] != 0 || s->row_start[s->rows] != s->nnz)
        return gf__fail(GF_ERR_ARG, "sparse to dense: row offsets do not span the %zu values", s->nnz);
    for (size_t i = 0; i < s->rows; i++) {
        if (s->row_start[i] > s->row_start[i + 1] || s->row_start[i + 1] > s->nnz)
            return gf__fail(GF_ERR_ARG, "sparse to dense: row %zu's offsets are out of order", i + 1);
        for (size_t k = s->row_start[i]; k < s->row_start[i + 1]; k++)
            if (s->col[k] < 0 || (size_t)s->col[k] >= s->cols)
                return gf__fail(GF_ERR_ARG, "sparse to dense: row %zu has column %d, outside 0..%zu",
                                i + 1, (int)s->col[k], s->cols ? s->cols - 1 : 0);
    }
    if (values) memset(x, 0, values * sizeof *x);
    for (size_t i = 0; i < s->rows; i++)
        for (size_t k = s->row_start[i]; k < s->row_start[i + 1]; k++)
            x[i * s->cols + (size_t)s->col[k]] = s->val[k];
    return GF_OK;
}

void gf_sparse_free(gf_sparse *s)
{
    if (!s) return;
    free(s->row_start);
    free(s->y);
    free(s->col);
    free(s->val);
    free(s);
}
