/* The CSV reader: RFC 4180 text with a header line into a gf_frame.
 *
 * One pass over the text.  The lexer (csv_lex.c) hands over one record at
 * a time (its cells unquoted into a reusable buffer, each with the line and
 * offset where it starts); each record is checked against the header and
 * its cells go into per-column accumulators.  A column's type is decided by
 * its first non-missing cell, in file order: a number makes it numeric and
 * every later cell must then be a number too; anything else makes it a
 * factor, whose levels go into a hash table in order of appearance and are
 * sorted at the end if asked.  Nothing is allocated from a count the file claims: memory
 * grows with what has been read.
 *
 * Conventions follow R's read.csv where the header leaves a choice: blank
 * lines are skipped; text cells are kept as written (spaces included);
 * numbers may have spaces around them; a cell is missing when, without its
 * surrounding spaces, it is empty or "NA" (quoted or not). */
#include "grafo/frame.h"
#include "core/error.h"
#include "data/csv_lex.h"
#include "data/frame_internal.h"
#include "data/readfile.h"
#include "data/textnum.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    gf_status st = gf__csv_grow(&t->name, &t->cap, t->n + 1, sizeof *t->name, "a factor's levels");
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
    csv_lexer L;
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
    csv_lexer *L = &R->L;
    const csv_cell *c = L->cell;
    size_t first = R->has_row_names;
    if (R->ncol > 1) {
        name_at *sorted = gf__malloc(R->ncol * sizeof *sorted, "checking the header's names");
        if (!sorted) return GF_ERR_NOMEM;
        for (size_t j = 0; j < R->ncol; j++) sorted[j] = (name_at){R->col[j].name, j + first};
        qsort(sorted, R->ncol, sizeof *sorted, cmp_name_at);
        gf_status s = GF_OK;
        for (size_t k = 1; k < R->ncol; k++)
            if (strcmp(sorted[k - 1].name, sorted[k].name) == 0) {
                const csv_cell *d = &c[sorted[k].field];
                s = gf__fail(GF_ERR_FORMAT,
                             "%s:%zu:%zu: the header names two columns '%s' (columns %zu and %zu); "
                             "names must be unique",
                             L->source, d->line, gf__csv_cell_column(L, d), sorted[k].name,
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
    csv_lexer *L = &R->L;
    int got;
    gf_status s = gf__csv_next_record(L, &got);
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
        const csv_cell *c = &L->cell[j];
        if (strspn(L->buf + c->text, " \t") == c->len)
            return gf__fail(GF_ERR_FORMAT,
                            "%s:%zu:%zu: column %zu of the header has an empty name (only the "
                            "first column may be unnamed: it then holds row names)",
                            L->source, c->line, gf__csv_cell_column(L, c), j + 1);
    }
    R->ncol = R->nfield - (size_t)R->has_row_names;
    R->col = gf__calloc(R->ncol, sizeof *R->col, "the CSV's columns");
    R->value = gf__calloc(R->ncol, sizeof *R->value, "a CSV record");
    if (!R->col || !R->value) return GF_ERR_NOMEM;
    for (size_t j = 0; j < R->ncol; j++) {
        const csv_cell *c = &L->cell[j + (size_t)R->has_row_names];
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
    const csv_cell *c = &R->L.cell[field];
    return gf__csv_cell_column(&R->L, c);
}

/* Decide and check the type of each cell of the current record and note
 * its number; *missing says whether the record has a missing cell. */
static gf_status check_record(reader *R, int *missing)
{
    csv_lexer *L = &R->L;
    *missing = 0;
    for (size_t j = 0; j < R->ncol; j++) {
        size_t field = j + (size_t)R->has_row_names;
        const csv_cell *c = &L->cell[field];
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
        if (kind == GF__NUM_NOMEM)
            return gf__fail(GF_ERR_NOMEM, "%s:%zu:%zu: out of memory reading a number",
                            L->source, c->line, cell_col(R, field));
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
 * one capacity, doubled when full, but never past the rows the rest of
 * the text can hold.  Every record but the last takes at least nfield
 * bytes (its delimiters and a line break), so a header of a million
 * columns over one short row costs one row of doubles a column, not the
 * 64 a fixed first capacity would ask for (230 bytes of memory for each
 * 3 bytes of such a file). */
static gf_status room_for_row(reader *R)
{
    size_t need = R->rows + 1;
    if (need > R->cap_rows) {
        size_t cap = R->cap_rows ? R->cap_rows : 64;
        while (cap < need) cap *= 2;
        size_t more = (R->L.n - R->L.pos) / R->nfield + 1; /* rows after this one, at most */
        if (cap - need > more) cap = need + more;
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
    gf_status s = gf__csv_grow(&R->line, &R->cap_line, need, sizeof *R->line,
                       "the CSV's line numbers");
    if (s == GF_OK && R->has_row_names)
        s = gf__csv_grow(&R->row_name, &R->cap_row_name, need, sizeof *R->row_name,
                 "the CSV's row names");
    return s;
}

/* Append the current record as a kept row. */
static gf_status keep_record(reader *R)
{
    csv_lexer *L = &R->L;
    gf_status s = room_for_row(R);
    if (s) return s;
    for (size_t j = 0; j < R->ncol; j++) {
        column *col = &R->col[j];
        const csv_cell *c = &L->cell[j + (size_t)R->has_row_names];
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
        const csv_cell *c = &L->cell[0];
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
    csv_lexer *L = &R->L;
    size_t records = 0;
    for (;;) {
        int got, missing;
        gf_status s = gf__csv_next_record(L, &got);
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
 * gf_frame_as_factor order and spell the levels as R's factor() does.
 * 1 if they do, 0 if not, -1 (GF_ERR_NOMEM recorded) if a long one could
 * not be read. */
static int all_levels_numbers(const levels *t, double *num)
{
    if (!t->n) return 0;
    for (size_t k = 0; k < t->n; k++) {
        gf__num kind = gf__parse_number(t->name[k], strlen(t->name[k]), &num[k]);
        if (kind == GF__NUM_NOMEM) {
            gf__fail(GF_ERR_NOMEM, "out of memory reading the level '%.40s...'", t->name[k]);
            return -1;
        }
        if (kind != GF__NUM_OK) return 0;
    }
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
    int numbers = all_levels_numbers(t, num);
    if (numbers < 0) {
        free(num);
        gf__errctx("%s: column '%s'", R->L.source, col->name);
        return GF_ERR_NOMEM;
    }
    if (numbers) {
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
    gf__csv_lex_free(&R->L);
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
    gf__csv_lex_begin(&R.L, text, len, source, o->delimiter);

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
