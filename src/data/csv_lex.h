/* Internal to the CSV reader (csv.c): the lexer that cuts RFC 4180 text
 * into records of cells, and the growing arrays both use.
 *
 * A record is one line, or more when a quoted cell holds line breaks.
 * Cells are separated by the delimiter; a quoted cell may hold the
 * delimiter, line breaks and quotes written twice (""), and spaces before
 * its opening quote or after its closing one are dropped, as R does.  A
 * quote inside an unquoted cell, or anything but the delimiter or the end
 * of the line after a closing quote, is an error naming the line and
 * column.  Line breaks are LF, CRLF or a lone CR; blank lines are skipped.
 * A UTF-8 byte order mark at the start is skipped. */
#ifndef GF_DATA_CSV_LEX_H
#define GF_DATA_CSV_LEX_H

#include "grafo/base.h"

#include <stddef.h>

/* One cell of the current record, unquoted into the lexer's buffer. */
typedef struct csv_cell {
    size_t text, len;        /* its content: buf + text, len bytes, then '\0' */
    size_t at;               /* the offset of its first byte in the input */
    size_t line, line_start; /* its line, and the offset where that line starts */
} csv_cell;

/* The lexer's position in the text and the record it last read.  The text
 * is borrowed (it must outlive the lexer); cell and buf are owned and
 * reused from record to record. */
typedef struct csv_lexer {
    const char *s;
    size_t n, pos;
    const char *source;
    char delim;
    size_t line, line_start; /* at pos */
    /* the current record */
    csv_cell *cell;
    size_t ncell, cap_cell;
    char *buf;
    size_t nbuf, cap_buf;
    size_t rec_line; /* the line the record starts on */
    size_t limit;    /* cells kept per record; later ones are only counted */
    int counting;    /* the current cell is past the limit: put() drops it */
} csv_lexer;

/* Start lexing text[0..len) (it need not end in a NUL), named
 * `source` in messages (borrowed), on line 1, past a byte order mark.
 * delim is ',', ';' or '\t', or 0 to take whichever of the three occurs
 * most often outside quotes on the header line (',' on a tie or when none
 * does).  Every cell is kept until the caller lowers L->limit. */
void gf__csv_lex_begin(csv_lexer *L, const char *text, size_t len, const char *source,
                       char delim);

/* Read the next record into L->cell[0..L->ncell) (at most L->limit of
 * them kept; L->ncell counts them all) and L->rec_line; *got is 0 at the
 * end of the input.  Blank lines are skipped.  Errors: GF_ERR_FORMAT for a
 * misplaced or unterminated quote, with the line and column;
 * GF_ERR_NOMEM. */
gf_status gf__csv_next_record(csv_lexer *L, int *got);

/* The column (in characters, from 1) where cell c starts, for messages. */
size_t gf__csv_cell_column(const csv_lexer *L, const csv_cell *c);

/* Free the lexer's buffers (not the text). */
void gf__csv_lex_free(csv_lexer *L);

/* Make room for `need` elements of `size` bytes in the array that `pp`
 * points to (a pointer to any object pointer; capacity *cap), doubling,
 * with the byte count checked for overflow.  `what` names the array in
 * the GF_ERR_NOMEM message. */
gf_status gf__csv_grow(void *pp, size_t *cap, size_t need, size_t size, const char *what);

#endif
