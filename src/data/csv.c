/* The CSV reader: RFC 4180 text with a header line into a gf_frame.
 *
 * One pass over the text.  A lexer hands over one record at a time (its
 * cells unquoted into a reusable buffer, each with the line and offset where
 * it starts); each record is checked against the header and its cells go
 * into per-column accumulators.  A column's type is decided by its first
 * non-missing cell, in file order: a number makes it numeric and every later
 * cell must then be a number too; anything else makes it a factor, whose
 * levels go into a hash table in order of appearance and are sorted at the
 * end if asked.  Nothing is allocated from a count the file claims: memory
 * grows with what has been read.
 *
 * Conventions follow R's read.csv where the header leaves a choice: blank
 * lines are skipped; text cells are kept as written (spaces included);
 * numbers may have spaces around them; a cell is missing when, without its
 * surrounding spaces, it is empty or "NA" (quoted or not). */
#include "grafo/frame.h"
#include "core/error.h"
#include "data/frame_internal.h"
#include "data/readfile.h"
#include "data/textnum.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- growing arrays ---------------------------------------------------- */

/* Make room for `need` elements of `size` bytes in the array that `pp`
 * points to (a pointer to any object pointer; capacity *cap), doubling,
 * with the byte count checked for overflow.  The pointer is read and
 * written with memcpy, so the one function serves every element type
 * without breaking the aliasing rules. */
static gf_status grow(void *pp, size_t *cap, size_t need, size_t size, const char *what)
{
    if (need <= *cap) return GF_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2) return gf__fail(GF_ERR_NOMEM, "too much data for %s", what);
        c *= 2;
    }
    if (c > SIZE_MAX / size) return gf__fail(GF_ERR_NOMEM, "too much data for %s", what);
    void *p;
    memcpy(&p, pp, sizeof p);
    void *q = realloc(p, c * size);
    if (!q) return gf__fail(GF_ERR_NOMEM, "out of memory allocating %zu bytes for %s", c * size, what);
    memcpy(pp, &q, sizeof q);
    *cap = c;
    return GF_OK;
}

/* ---- the lexer ---------------------------------------------------------- */

typedef struct cell {
    size_t text, len;        /* its content: buf + text, len bytes, then '\0' */
    size_t at;               /* the offset of its first byte in the input */
    size_t line, line_start; /* its line, and the offset where that line starts */
} cell;

typedef struct lexer {
    const char *s;
    size_t n, pos;
    const char *source;
    char delim;
    size_t line, line_start; /* at pos */
    /* the current record */
    cell *cell;
    size_t ncell, cap_cell;
    char *buf;
    size_t nbuf, cap_buf;
    size_t rec_line; /* the line the record starts on */
    size_t limit;    /* cells kept per record; later ones are only counted */
    int counting;    /* the current cell is past the limit: put() drops it */
} lexer;

/* The length of a line break at s[p]: 2 for CRLF, 1 for LF or a lone CR
 * (old Mac files), 0 if there is none. */
static size_t line_break(const lexer *L, size_t p)
{
    if (p >= L->n) return 0;
    if (L->s[p] == '\n') return 1;
    if (L->s[p] == '\r') return p + 1 < L->n && L->s[p + 1] == '\n' ? 2 : 1;
    return 0;
}

static void pass_break(lexer *L, size_t p, size_t len)
{
    L->line++;
    L->line_start = p + len;
}

static size_t column_of(const lexer *L, size_t line_start, size_t at)
{
    return gf__column(L->s, line_start, at);
}

static gf_status put(lexer *L, const char *p, size_t len)
{
    if (!len || L->counting) return GF_OK;
    gf_status s = grow(&L->buf, &L->cap_buf, L->nbuf + len, 1, "a CSV record");
    if (s) return s;
    memcpy(L->buf + L->nbuf, p, len);
    L->nbuf += len;
    return GF_OK;
}

/* Read a quoted cell whose opening quote is at s[q]; on return L->pos is
 * just past the closing quote. */
static gf_status quoted_cell(lexer *L, size_t q)
{
    size_t open_line = L->line, open_col = column_of(L, L->line_start, q);
    size_t p = q + 1;
    for (;;) {
        size_t run = p;
        while (run < L->n && L->s[run] != '"' && L->s[run] != '\n' && L->s[run] != '\r') run++;
        gf_status s = put(L, L->s + p, run - p);
        if (s) return s;
        p = run;
        if (p >= L->n)
            return gf__fail(GF_ERR_FORMAT,
                            "%s:%zu:%zu: unterminated quote: the quoted cell that opens here is "
                            "still open at the end of the file",
                            L->source, open_line, open_col);
        if (L->s[p] == '"') {
            if (p + 1 < L->n && L->s[p + 1] == '"') { /* "" is one quote */
                if ((s = put(L, "\"", 1))) return s;
                p += 2;
                continue;
            }
            L->pos = p + 1;
            return GF_OK;
        }
        size_t br = line_break(L, p); /* a line break inside the quotes is content */
        if ((s = put(L, L->s + p, br))) return s;
        pass_break(L, p, br);
        p += br;
    }
}

/* Read one cell starting at L->pos into the record. */
static gf_status next_cell(lexer *L)
{
    /* Past the limit (a ragged row with too many cells) a cell is lexed and
     * counted but not kept, so a hostile line of a million delimiters costs
     * no memory. */
    gf_status s = GF_OK;
    cell here = {.text = L->nbuf, .at = L->pos, .line = L->line, .line_start = L->line_start};
    L->counting = L->ncell >= L->limit;
    /* spaces before an opening quote are dropped, as R does */
    size_t q = L->pos;
    while (q < L->n && gf__is_blank(L->s[q]) && L->s[q] != L->delim) q++;
    if (q < L->n && L->s[q] == '"') {
        if ((s = quoted_cell(L, q))) return s;
        size_t p = L->pos;
        while (p < L->n && gf__is_blank(L->s[p]) && L->s[p] != L->delim) p++;
        if (p < L->n && L->s[p] != L->delim && !line_break(L, p)) {
            char found[64];
            return gf__fail(GF_ERR_FORMAT,
                            "%s:%zu:%zu: expected a delimiter or the end of the line after a "
                            "closing quote, found '%s'; a quote inside a quoted cell is written "
                            "twice (\"\")",
                            L->source, L->line, column_of(L, L->line_start, p),
                            gf__quote_text(L->s + p, 1, found, sizeof found));
        }
        L->pos = p;
    } else {
        size_t p = L->pos;
        while (p < L->n && L->s[p] != L->delim && L->s[p] != '\n' && L->s[p] != '\r') {
            if (L->s[p] == '"') {
                char found[64];
                return gf__fail(GF_ERR_FORMAT,
                                "%s:%zu:%zu: a quote inside an unquoted cell (the cell so far: "
                                "'%s'); quote the whole cell and write each quote in it twice",
                                L->source, L->line, column_of(L, L->line_start, p),
                                gf__quote_text(L->s + L->pos, p - L->pos, found, sizeof found));
            }
            p++;
        }
        if ((s = put(L, L->s + L->pos, p - L->pos))) return s;
        L->pos = p;
    }
    L->ncell++;
    if (L->counting) return GF_OK;
    if ((s = grow(&L->buf, &L->cap_buf, L->nbuf + 1, 1, "a CSV record"))) return s;
    if ((s = grow(&L->cell, &L->cap_cell, L->ncell, sizeof *L->cell, "a CSV record"))) return s;
    here.len = L->nbuf - here.text;
    L->buf[L->nbuf++] = '\0';
    L->cell[L->ncell - 1] = here;
    return GF_OK;
}

/* Read the next record; *got is 0 at the end of the input.  Blank lines
 * are skipped. */
static gf_status next_record(lexer *L, int *got)
{
    L->ncell = 0;
    L->nbuf = 0;
    size_t br;
    while ((br = line_break(L, L->pos))) {
        pass_break(L, L->pos, br);
        L->pos += br;
    }
    *got = L->pos < L->n;
    if (!*got) return GF_OK;
    L->rec_line = L->line;
    for (;;) {
        gf_status s = next_cell(L);
        if (s) return s;
        if (L->pos < L->n && L->s[L->pos] == L->delim) {
            L->pos++;
            continue;
        }
        if ((br = line_break(L, L->pos))) {
            pass_break(L, L->pos, br);
            L->pos += br;
        }
        return GF_OK;
    }
}

/* The delimiter of the header line: whichever of ',', ';' and tab occurs
 * most often outside quotes (',' on a tie or when none does). */
static char detect_delimiter(const char *s, size_t n, size_t p)
{
    size_t comma = 0, semi = 0, tab = 0;
    int quoted = 0;
    while (p < n && (s[p] == '\n' || s[p] == '\r')) p++; /* blank lines before the header */
    for (; p < n; p++) {
        char c = s[p];
        if (c == '"') quoted = !quoted;
        else if (quoted) continue;
        else if (c == '\n' || c == '\r') break;
        else if (c == ',') comma++;
        else if (c == ';') semi++;
        else if (c == '\t') tab++;
    }
    if (semi > comma && semi >= tab) return ';';
    if (tab > comma && tab > semi) return '\t';
    return ',';
}

/* ---- factor levels: a hash table in order of appearance ----------------- */

typedef struct levels {
    char **name;   /* n level strings, in order of first appearance */
    size_t n, cap;
    size_t *slot;  /* nslot entries: 0 empty, else index + 1 */
    size_t nslot;
} levels;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static gf_status rehash(levels *t)
{
    size_t nslot = t->nslot ? 2 * t->nslot : 64;
    size_t *slot = gf__calloc(nslot, sizeof *slot, "a factor's level table");
    if (!slot) return GF_ERR_NOMEM;
    for (size_t k = 0; k < t->n; k++) {
        size_t h = (size_t)hash_bytes(t->name[k], strlen(t->name[k])) & (nslot - 1);
        while (slot[h]) h = (h + 1) & (nslot - 1);
        slot[h] = k + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->nslot = nslot;
    return GF_OK;
}

/* The code of level s[0..n), added if new. */
static gf_status level_code(levels *t, const char *s, size_t n, size_t *code)
{
    if (2 * (t->n + 1) > t->nslot) {
        gf_status st = rehash(t);
        if (st) return st;
    }
    size_t h = (size_t)hash_bytes(s, n) & (t->nslot - 1);
    for (; t->slot[h]; h = (h + 1) & (t->nslot - 1)) {
        const char *name = t->name[t->slot[h] - 1];
        if (strncmp(name, s, n) == 0 && name[n] == '\0') {
            *code = t->slot[h] - 1;
            return GF_OK;
        }
    }
    if (t->n >= INT32_MAX) return gf__fail(GF_ERR_FORMAT, "more than %d levels", INT32_MAX);
    gf_status st = grow(&t->name, &t->cap, t->n + 1, sizeof *t->name, "a factor's levels");
    if (st) return st;
    char *copy = gf__malloc(n + 1, "a factor level");
    if (!copy) return GF_ERR_NOMEM;
    memcpy(copy, s, n);
    copy[n] = '\0';
    t->name[t->n] = copy;
    t->slot[h] = ++t->n;
    *code = t->n - 1;
    return GF_OK;
}

static void levels_free(levels *t)
{
    gf__free_strings(t->name, t->n);
    free(t->slot);
}

/* ---- columns ------------------------------------------------------------ */

typedef enum col_kind { KIND_UNDECIDED, KIND_NUMERIC, KIND_TEXT } col_kind;

typedef struct column {
    char *name;
    col_kind kind;
    int declared;      /* named in the factors option */
    size_t first_line; /* the line of the value that made it numeric */
    double *v;         /* one per kept row: the value, or the level code; NaN if missing */
    levels lv;
} column;

typedef struct reader {
    lexer L;
    const gf_csv_opts *o;
    size_t nfield;      /* fields per record, from the header */
    int has_row_names;  /* field 0 holds row names */
    column *col;        /* the data columns: fields minus the row names */
    size_t ncol;
    size_t header_line;
    size_t rows, cap_rows; /* kept rows; every column's v has room for cap_rows */
    size_t *line;          /* rows line numbers, room for cap_line */
    char **row_name;       /* rows names (room for cap_row_name), or NULL */
    size_t cap_line, cap_row_name;
    size_t omitted, first_omitted_line;
    double *value;         /* ncol: the current record's numbers */
} reader;

static int is_missing(const char *s, size_t n)
{
    size_t a = 0, b = n;
    while (a < b && gf__is_blank(s[a])) a++;
    while (b > a && gf__is_blank(s[b - 1])) b--;
    return b == a || (b - a == 2 && s[a] == 'N' && s[a + 1] == 'A');
}

static void trim(char *s)
{
    size_t a = 0, n = strlen(s);
    while (a < n && gf__is_blank(s[a])) a++;
    while (n > a && gf__is_blank(s[n - 1])) n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

typedef struct name_at {
    const char *name;
    size_t field;
} name_at;

static int cmp_name_at(const void *a, const void *b)
{
    const name_at *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->field > y->field) - (x->field < y->field);
}

/* Check the header's names: none repeated, and every name in the factors
 * option present. */
static gf_status check_header(reader *R)
{
    lexer *L = &R->L;
    const cell *c = L->cell;
    size_t first = R->has_row_names;
    if (R->ncol > 1) {
        name_at *sorted = gf__malloc(R->ncol * sizeof *sorted, "checking the header's names");
        if (!sorted) return GF_ERR_NOMEM;
        for (size_t j = 0; j < R->ncol; j++) sorted[j] = (name_at){R->col[j].name, j + first};
        qsort(sorted, R->ncol, sizeof *sorted, cmp_name_at);
        gf_status s = GF_OK;
        for (size_t k = 1; k < R->ncol; k++)
            if (strcmp(sorted[k - 1].name, sorted[k].name) == 0) {
                const cell *d = &c[sorted[k].field];
                s = gf__fail(GF_ERR_FORMAT,
                             "%s:%zu:%zu: the header names two columns '%s' (columns %zu and %zu); "
                             "names must be unique",
                             L->source, d->line, column_of(L, d->line_start, d->at), sorted[k].name,
                             sorted[k - 1].field + 1, sorted[k].field + 1);
                break;
            }
        free(sorted);
        if (s) return s;
    }
    for (size_t k = 0; k < R->o->n_factors; k++) {
        const char *want = R->o->factors ? R->o->factors[k] : NULL;
        if (!want)
            return gf__fail(GF_ERR_ARG, "%s: factor name %zu of %zu is NULL", L->source, k + 1,
                            R->o->n_factors);
        size_t j = 0;
        while (j < R->ncol && strcmp(R->col[j].name, want)) j++;
        if (j == R->ncol)
            return gf__fail(GF_ERR_ARG,
                            "%s: '%s' is to be read as a factor, but the header (line %zu) has no "
                            "column of that name",
                            L->source, want, R->header_line);
        R->col[j].declared = 1;
        R->col[j].kind = KIND_TEXT;
    }
    return GF_OK;
}

static gf_status read_header(reader *R)
{
    lexer *L = &R->L;
    int got;
    gf_status s = next_record(L, &got);
    if (s) return s;
    if (!got)
        return gf__fail(GF_ERR_FORMAT, "%s: the file is empty (expected a header line naming the columns)",
                        L->source);
    R->header_line = L->rec_line;
    R->nfield = L->ncell;
    /* R's write.csv leaves the row names' header cell empty */
    const char *first = L->buf + L->cell[0].text;
    R->has_row_names = L->ncell > 1 && strspn(first, " \t") == L->cell[0].len;
    /* empty names first, before a column is allocated for each */
    for (size_t j = (size_t)R->has_row_names; j < R->nfield; j++) {
        const cell *c = &L->cell[j];
        if (strspn(L->buf + c->text, " \t") == c->len)
            return gf__fail(GF_ERR_FORMAT,
                            "%s:%zu:%zu: column %zu of the header has an empty name (only the "
                            "first column may be unnamed: it then holds row names)",
                            L->source, c->line, column_of(L, c->line_start, c->at), j + 1);
    }
    R->ncol = R->nfield - (size_t)R->has_row_names;
    R->col = gf__calloc(R->ncol, sizeof *R->col, "the CSV's columns");
    R->value = gf__calloc(R->ncol, sizeof *R->value, "a CSV record");
    if (!R->col || !R->value) return GF_ERR_NOMEM;
    for (size_t j = 0; j < R->ncol; j++) {
        const cell *c = &L->cell[j + (size_t)R->has_row_names];
        if (!(R->col[j].name = gf__malloc(c->len + 1, "a column name"))) return GF_ERR_NOMEM;
        memcpy(R->col[j].name, L->buf + c->text, c->len + 1);
        trim(R->col[j].name);
    }
    L->limit = R->nfield; /* a longer row is ragged: its extra cells are only counted */
    return check_header(R);
}

/* Where cell j of the current record is, for messages. */
static size_t cell_col(const reader *R, size_t field)
{
    const cell *c = &R->L.cell[field];
    return column_of(&R->L, c->line_start, c->at);
}

/* Decide and check the type of each cell of the current record and note
 * its number; *missing says whether the record has a missing cell. */
static gf_status check_record(reader *R, int *missing)
{
    lexer *L = &R->L;
    *missing = 0;
    for (size_t j = 0; j < R->ncol; j++) {
        size_t field = j + (size_t)R->has_row_names;
        const cell *c = &L->cell[field];
        const char *text = L->buf + c->text;
        column *col = &R->col[j];
        R->value[j] = NAN;
        if (is_missing(text, c->len)) {
            if (R->o->na == GF_NA_FAIL)
                return gf__fail(GF_ERR_FORMAT,
                                "%s:%zu:%zu: column %zu ('%s') has a missing value (%s); the NA "
                                "policy refuses them: omit such rows or keep them as missing",
                                L->source, c->line, cell_col(R, field), field + 1, col->name,
                                strstr(text, "NA") ? "NA" : "an empty cell");
            *missing = 1;
            continue;
        }
        if (col->kind == KIND_TEXT) continue;
        double v;
        gf__num kind = gf__parse_number(text, c->len, &v);
        if (kind == GF__NUM_OK) {
            if (col->kind == KIND_UNDECIDED) {
                col->kind = KIND_NUMERIC;
                col->first_line = c->line;
            }
            R->value[j] = v;
            continue;
        }
        char found[64];
        gf__quote_text(text, c->len, found, sizeof found);
        if (kind == GF__NUM_NONFINITE || kind == GF__NUM_RANGE)
            return gf__fail(GF_ERR_NUMERIC,
                            "%s:%zu:%zu: column %zu ('%s'): expected a finite number, found '%s'%s; "
                            "grafo refuses infinite and NaN values (to read the column as "
                            "categories, declare '%s' a factor)",
                            L->source, c->line, cell_col(R, field), field + 1, col->name, found,
                            kind == GF__NUM_RANGE ? ", too large for a double" : "", col->name);
        if (col->kind == KIND_UNDECIDED) {
            col->kind = KIND_TEXT;
            continue;
        }
        return gf__fail(GF_ERR_FORMAT,
                        "%s:%zu:%zu: column %zu ('%s') holds numbers (its first value, on line %zu, "
                        "is one) but this cell is '%s'; if '%s' is categorical, declare it a factor "
                        "(the factors option)",
                        L->source, c->line, cell_col(R, field), field + 1, col->name,
                        col->first_line, found, col->name);
    }
    return GF_OK;
}

/* Room for one more kept row in every per-row array: the columns share
 * one capacity, doubled when full. */
static gf_status room_for_row(reader *R)
{
    size_t need = R->rows + 1;
    if (need > R->cap_rows) {
        size_t cap = R->cap_rows ? R->cap_rows : 64;
        while (cap < need) cap *= 2;
        if (cap > SIZE_MAX / sizeof(double))
            return gf__fail(GF_ERR_NOMEM, "%s: too many rows", R->L.source);
        for (size_t j = 0; j < R->ncol; j++) {
            double *v = realloc(R->col[j].v, cap * sizeof *v);
            if (!v)
                return gf__fail(GF_ERR_NOMEM, "%s: out of memory for %zu rows", R->L.source, cap);
            R->col[j].v = v;
        }
        R->cap_rows = cap;
    }
    gf_status s = grow(&R->line, &R->cap_line, need, sizeof *R->line,
                       "the CSV's line numbers");
    if (s == GF_OK && R->has_row_names)
        s = grow(&R->row_name, &R->cap_row_name, need, sizeof *R->row_name,
                 "the CSV's row names");
    return s;
}

/* Append the current record as a kept row. */
static gf_status keep_record(reader *R)
{
    lexer *L = &R->L;
    gf_status s = room_for_row(R);
    if (s) return s;
    for (size_t j = 0; j < R->ncol; j++) {
        column *col = &R->col[j];
        const cell *c = &L->cell[j + (size_t)R->has_row_names];
        double v = R->value[j];
        if (col->kind == KIND_TEXT && !is_missing(L->buf + c->text, c->len)) {
            size_t code = 0;
            if ((s = level_code(&col->lv, L->buf + c->text, c->len, &code))) return s;
            v = (double)code;
        }
        col->v[R->rows] = v;
    }
    /* the row name last: once it is allocated, the row is counted, so
     * reader_free finds it whatever happens next */
    if (R->has_row_names) {
        const cell *c = &L->cell[0];
        char *name = gf__malloc(c->len + 1, "a row name");
        if (!name) return GF_ERR_NOMEM;
        memcpy(name, L->buf + c->text, c->len + 1);
        R->row_name[R->rows] = name;
    }
    R->line[R->rows++] = L->rec_line;
    return GF_OK;
}

static gf_status read_rows(reader *R)
{
    lexer *L = &R->L;
    size_t records = 0;
    for (;;) {
        int got, missing;
        gf_status s = next_record(L, &got);
        if (s) return s;
        if (!got) break;
        records++;
        if (L->ncell != R->nfield)
            return gf__fail(GF_ERR_FORMAT,
                            "%s:%zu: expected %zu fields, found %zu (the header on line %zu has %zu)",
                            L->source, L->rec_line, R->nfield, L->ncell, R->header_line, R->nfield);
        if ((s = check_record(R, &missing))) return s;
        if (missing && R->o->na == GF_NA_OMIT) {
            if (!R->omitted++) R->first_omitted_line = L->rec_line;
            continue;
        }
        if ((s = keep_record(R))) return s;
    }
    if (!records)
        return gf__fail(GF_ERR_FORMAT, "%s: the header (line %zu) is followed by no rows of data",
                        L->source, R->header_line);
    if (!R->rows)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: every one of the %zu rows has a missing value (the first on line %zu), "
                        "so none is left once they are omitted",
                        L->source, records, R->first_omitted_line);
    return GF_OK;
}

/* ---- from columns to the frame ------------------------------------------ */

static const gf_csv_opts *opts_or_default(const gf_csv_opts *o, gf_csv_opts *def)
{
    *def = GF_CSV_OPTS_DEFAULT;
    return o ? o : def;
}

/* A factor whose levels all read as numbers: hand over the numbers and let
 * gf_frame_as_factor order and spell the levels as R's factor() does. */
static int all_levels_numbers(const levels *t, double *num)
{
    if (!t->n) return 0;
    for (size_t k = 0; k < t->n; k++)
        if (gf__parse_number(t->name[k], strlen(t->name[k]), &num[k]) != GF__NUM_OK) return 0;
    return 1;
}

typedef struct level_at {
    const char *name;
    size_t k; /* its index in order of appearance */
} level_at;

/* Byte order: strcmp compares unsigned chars, as R's C locale sorts. */
static int cmp_level(const void *a, const void *b)
{
    return strcmp(((const level_at *)a)->name, ((const level_at *)b)->name);
}

static gf_status add_text_column(reader *R, gf_frame *f, column *col)
{
    levels *t = &col->lv;
    size_t rows = R->rows;
    double *num = gf__malloc(t->n * sizeof *num, "a factor's levels");
    if (!num) return GF_ERR_NOMEM;
    if (all_levels_numbers(t, num)) {
        for (size_t i = 0; i < rows; i++)
            if (!isnan(col->v[i])) col->v[i] = num[(size_t)col->v[i]];
        free(num);
        double *v = col->v;
        col->v = NULL;
        gf_status s = gf__frame_adopt_numeric(f, col->name, v);
        if (s) return s;
        return gf_frame_as_factor(f, gf_frame_cols(f) - 1, R->o->levels);
    }
    free(num);
    /* order[q]: the level in position q; rank[k]: the position of level k */
    level_at *order = gf__malloc(t->n * sizeof *order, "a factor's levels");
    size_t *rank = order ? gf__malloc(t->n * sizeof *rank, "a factor's levels") : NULL;
    int32_t *codes = rank ? gf__malloc(rows * sizeof *codes, "a factor's codes") : NULL;
    char **names = codes ? gf__malloc(t->n * sizeof *names, "a factor's levels") : NULL;
    if (!names) {
        free(order), free(rank), free(codes);
        return GF_ERR_NOMEM;
    }
    for (size_t k = 0; k < t->n; k++) order[k] = (level_at){t->name[k], k};
    if (R->o->levels == GF_LEVELS_SORTED) qsort(order, t->n, sizeof *order, cmp_level);
    for (size_t q = 0; q < t->n; q++) {
        rank[order[q].k] = q;
        names[q] = t->name[order[q].k];
    }
    for (size_t i = 0; i < rows; i++)
        codes[i] = isnan(col->v[i]) ? -1 : (int32_t)rank[(size_t)col->v[i]];
    size_t n = t->n;
    free(t->name); /* the strings move to `names` */
    t->name = NULL;
    t->n = 0;
    free(order);
    free(rank);
    return gf__frame_adopt_factor(f, col->name, codes, names, n);
}

static gf_status build_frame(reader *R, gf_frame **out)
{
    gf_frame *f = gf_frame_new(R->rows);
    if (!f) return GF_ERR_NOMEM;
    gf_status s = GF_OK;
    for (size_t j = 0; j < R->ncol && s == GF_OK; j++) {
        column *col = &R->col[j];
        if (col->kind == KIND_TEXT) {
            s = add_text_column(R, f, col);
        } else { /* numeric, or never a value at all: numeric and all missing */
            double *v = col->v;
            col->v = NULL;
            s = gf__frame_adopt_numeric(f, col->name, v);
        }
    }
    if (s == GF_OK) {
        s = gf__frame_set_source(f, R->L.source, R->line);
        R->line = NULL;
    }
    if (s == GF_OK && R->has_row_names) {
        gf__frame_adopt_row_names(f, R->row_name);
        R->row_name = NULL;
    }
    if (s != GF_OK) {
        gf_frame_free(f);
        return s;
    }
    gf__frame_set_omitted(f, R->omitted);
    *out = f;
    return GF_OK;
}

static void reader_free(reader *R)
{
    free(R->L.cell);
    free(R->L.buf);
    for (size_t j = 0; j < R->ncol && R->col; j++) {
        free(R->col[j].name);
        free(R->col[j].v);
        levels_free(&R->col[j].lv);
    }
    free(R->col);
    free(R->value);
    free(R->line);
    gf__free_strings(R->row_name, R->row_name ? R->rows : 0);
}

/* ---- entry points ------------------------------------------------------- */

static gf_status check_opts(const gf_csv_opts *o, const char *source)
{
    if (o->delimiter != 0 && o->delimiter != ',' && o->delimiter != ';' && o->delimiter != '\t')
        return gf__fail(GF_ERR_ARG, "%s: the delimiter must be ',', ';', tab or 0 (detect), not 0x%02X",
                        source, (unsigned char)o->delimiter);
    if ((unsigned)o->na > GF_NA_KEEP)
        return gf__fail(GF_ERR_ARG, "%s: unknown NA policy %d", source, (int)o->na);
    if ((unsigned)o->levels > GF_LEVELS_APPEARANCE)
        return gf__fail(GF_ERR_ARG, "%s: unknown level order %d", source, (int)o->levels);
    if (o->n_factors && !o->factors)
        return gf__fail(GF_ERR_ARG, "%s: %zu factor names but the list is NULL", source,
                        o->n_factors);
    return GF_OK;
}

/* The first NUL byte, if any: a sign of a binary file, and a byte no C
 * string could carry. */
static gf_status check_text(const char *s, size_t n, const char *source)
{
    const char *z = memchr(s, '\0', n);
    if (!z) return GF_OK;
    size_t line = 1, line_start = 0, at = (size_t)(z - s);
    for (size_t i = 0; i < at; i++)
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n'))) {
            line++;
            line_start = i + 1;
        }
    return gf__fail(GF_ERR_FORMAT,
                    "%s:%zu:%zu: a NUL byte: this is not a text file (expected CSV text)", source,
                    line, gf__column(s, line_start, at));
}

gf_status gf_csv_parse(const char *text, size_t len, const char *source, const gf_csv_opts *o,
                       gf_frame **out)
{
    gf_csv_opts def;
    if (!source) source = "<text>";
    if (!out) return gf__fail(GF_ERR_ARG, "%s: no place for the frame (out is NULL)", source);
    *out = NULL;
    if (!text && len) return gf__fail(GF_ERR_ARG, "%s: the text is NULL", source);
    if (!text) text = ""; /* no text at all reads as an empty file */
    o = opts_or_default(o, &def);
    gf_status s = check_opts(o, source);
    if (s) return s;
    if ((s = check_text(text, len, source))) return s;

    reader R = {.o = o};
    lexer *L = &R.L;
    *L = (lexer){.s = text, .n = len, .source = source, .line = 1, .limit = SIZE_MAX};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) L->pos = L->line_start = 3;
    L->delim = o->delimiter ? o->delimiter : detect_delimiter(text, len, L->pos);

    gf__c_locale loc;
    if (!gf__c_locale_begin(&loc))
        return gf__fail(GF_ERR_NOMEM, "%s: out of memory making the C locale for numbers", source);
    s = read_header(&R);
    if (s == GF_OK) s = read_rows(&R);
    gf__c_locale_end(&loc);
    if (s == GF_OK) s = build_frame(&R, out);
    reader_free(&R);
    return s;
}

gf_status gf_csv_read(const char *path, const gf_csv_opts *o, gf_frame **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "%s: no place for the frame (out is NULL)", path ? path : "");
    *out = NULL;
    char *text;
    size_t len;
    gf_status s = gf__read_file(path, &text, &len);
    if (s) return s;
    s = gf_csv_parse(text, len, path, o, out);
    free(text);
    return s;
}
