/* The CSV lexer (csv_lex.h): RFC 4180 text cut into records of cells.
 *
 * Quoted cells may hold the delimiter, line breaks and doubled quotes; a
 * quote anywhere else is an error that says where.  Line breaks are LF,
 * CRLF or a lone CR.  Each cell is unquoted into one reusable buffer, so a
 * record costs memory in proportion to its own length, and cells past the
 * record's limit are only counted. */
#include "data/csv_lex.h"
#include "core/error.h"
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
gf_status gf__csv_grow(void *pp, size_t *cap, size_t need, size_t size, const char *what)
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

/* ---- records and cells -------------------------------------------------- */

/* The length of a line break at s[p]: 2 for CRLF, 1 for LF or a lone CR
 * (old Mac files), 0 if there is none. */
static size_t line_break(const csv_lexer *L, size_t p)
{
    if (p >= L->n) return 0;
    if (L->s[p] == '\n') return 1;
    if (L->s[p] == '\r') return p + 1 < L->n && L->s[p + 1] == '\n' ? 2 : 1;
    return 0;
}

static void pass_break(csv_lexer *L, size_t p, size_t len)
{
    L->line++;
    L->line_start = p + len;
}

static size_t column_of(const csv_lexer *L, size_t line_start, size_t at)
{
    return gf__column(L->s, line_start, at);
}

static gf_status put(csv_lexer *L, const char *p, size_t len)
{
    if (!len || L->counting) return GF_OK;
    gf_status s = gf__csv_grow(&L->buf, &L->cap_buf, L->nbuf + len, 1, "a CSV record");
    if (s) return s;
    memcpy(L->buf + L->nbuf, p, len);
    L->nbuf += len;
    return GF_OK;
}

/* Read a quoted cell whose opening quote is at s[q]; on return L->pos is
 * just past the closing quote. */
static gf_status quoted_cell(csv_lexer *L, size_t q)
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
static gf_status next_cell(csv_lexer *L)
{
    /* Past the limit (a ragged row with too many cells) a cell is lexed and
     * counted but not kept, so a hostile line of a million delimiters costs
     * no memory. */
    gf_status s = GF_OK;
    csv_cell here = {.text = L->nbuf, .at = L->pos, .line = L->line, .line_start = L->line_start};
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
    if ((s = gf__csv_grow(&L->buf, &L->cap_buf, L->nbuf + 1, 1, "a CSV record"))) return s;
    if ((s = gf__csv_grow(&L->cell, &L->cap_cell, L->ncell, sizeof *L->cell, "a CSV record")))
        return s;
    here.len = L->nbuf - here.text;
    L->buf[L->nbuf++] = '\0';
    L->cell[L->ncell - 1] = here;
    return GF_OK;
}

/* Read the next record; *got is 0 at the end of the input.  Blank lines
 * are skipped. */
gf_status gf__csv_next_record(csv_lexer *L, int *got)
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

void gf__csv_lex_begin(csv_lexer *L, const char *text, size_t len, const char *source,
                       char delim)
{
    *L = (csv_lexer){.s = text, .n = len, .source = source, .line = 1, .limit = SIZE_MAX};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) L->pos = L->line_start = 3;
    L->delim = delim ? delim : detect_delimiter(text, len, L->pos);
}

size_t gf__csv_cell_column(const csv_lexer *L, const csv_cell *c)
{
    return column_of(L, c->line_start, c->at);
}

void gf__csv_lex_free(csv_lexer *L)
{
    free(L->cell);
    free(L->buf);
}
