/* grafo/frame.h — tables read from text: data frames (CSV) and sparse
 * matrices (the libsvm format).
 *
 * A gf_frame is a table of named columns, each numeric (doubles) or a factor
 * (categorical: one int32 code per row indexing a list of level strings), as
 * R's data.frame.  Readers treat their input as hostile: every error names
 * the file, the line and the column, what was expected and what was found,
 * and nothing is returned on failure.
 *
 *     gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
 *     gf_frame *f = NULL;
 *     if (gf_csv_read("USArrests.csv", &o, &f) != GF_OK) puts(gf_errmsg());
 *
 * Files may be gzipped; the readers recognise that from the content. */
#ifndef GRAFO_FRAME_H
#define GRAFO_FRAME_H

#include "grafo/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- frames -- */

typedef struct gf_frame gf_frame;

typedef enum gf_col_type {
    GF_COL_NUMERIC, /* doubles; NaN marks a missing cell (GF_NA_KEEP only) */
    GF_COL_FACTOR,  /* int32 codes into the levels; -1 marks a missing cell */
} gf_col_type;

/* What a reader does with a missing cell ("NA" or empty). */
typedef enum gf_na_policy {
    GF_NA_FAIL, /* refuse the file, naming the line and column of the first one */
    GF_NA_OMIT, /* drop every row that has one (gf_frame_omitted counts them) */
    GF_NA_KEEP, /* keep them as NaN or code -1; gf_design_new then decides */
} gf_na_policy;

/* The order of a factor's levels. */
typedef enum gf_level_order {
    GF_LEVELS_SORTED,     /* as R's factor(): numbers by value when every level
                             is a number, otherwise strings in byte order
                             (R's C locale) */
    GF_LEVELS_APPEARANCE, /* in order of first appearance (pandas, Keras) */
} gf_level_order;

/* An empty frame of `rows` rows (0 is fine), to fill with the gf_frame_add_
 * calls (for data already in memory).  NULL on out of memory, or when a
 * column of that many doubles could not be addressed.  Free with
 * gf_frame_free(). */
gf_frame *gf_frame_new(size_t rows);
void gf_frame_free(gf_frame *f); /* NULL is fine */

/* Append a column (name, values, codes and levels copied): values and codes
 * hold gf_frame_rows(f) entries (NULL only for a frame of 0 rows).  Names
 * must be unique and non-empty.  Numeric values may be NaN (missing) but
 * not infinite (GF_ERR_NUMERIC); codes must be -1 (missing) or in
 * [0, nlevels); levels must be non-NULL and distinct, at most INT32_MAX of
 * them.  Anything else is GF_ERR_ARG, naming the column (and the row, from
 * 1); GF_ERR_NOMEM.  On failure the frame is unchanged. */
gf_status gf_frame_add_numeric(gf_frame *f, const char *name, const double *values);
gf_status gf_frame_add_factor(gf_frame *f, const char *name, const int32_t *codes,
                              const char *const *levels, size_t nlevels);

/* Accessors.  Pointers are borrowed and live as long as f (until
 * gf_frame_as_factor changes that column).  A NULL frame or an index out
 * of range gives 0, NULL or -1; nothing here records an error. */
size_t gf_frame_rows(const gf_frame *f);
size_t gf_frame_cols(const gf_frame *f);
/* Column j's name; the index of a name, or -1 if absent. */
const char *gf_frame_name(const gf_frame *f, size_t j);
long gf_frame_find(const gf_frame *f, const char *name);
/* Column j's type; GF_COL_NUMERIC also for j out of range, so check j. */
gf_col_type gf_frame_type(const gf_frame *f, size_t j);
/* Column data: the values of a numeric column (NULL for a factor), the
 * codes of a factor (NULL for a numeric column), gf_frame_rows(f) each. */
const double *gf_frame_numeric(const gf_frame *f, size_t j);
const int32_t *gf_frame_codes(const gf_frame *f, size_t j);
size_t gf_frame_nlevels(const gf_frame *f, size_t j); /* 0 for numeric columns */
const char *gf_frame_level(const gf_frame *f, size_t j, size_t k); /* level k, from 0 */

/* Where the data came from, for messages: the file name ("" if built in
 * memory), the line on which row i starts (1-based; 0 if built in memory)
 * and row i's name (a first column with an empty header, as R's write.csv
 * writes row names; NULL if there are none). */
const char *gf_frame_source(const gf_frame *f);
size_t gf_frame_line(const gf_frame *f, size_t i);
const char *gf_frame_row_name(const gf_frame *f, size_t i);
size_t gf_frame_omitted(const gf_frame *f); /* rows dropped by GF_NA_OMIT */

/* Convert numeric column j into a factor, as R's factor(x): the levels are
 * the distinct values (missing excluded, coded -1) in `order`, written as
 * R's as.character writes them, with up to 15 significant digits, fixed or
 * scientific whichever is narrower ("1", "2.5", "1e+05"); values whose
 * spellings agree are one level.  A factor column is left as it is.
 * GF_ERR_ARG for f NULL or j out of range; GF_ERR_NOMEM (the column is
 * then unchanged). */
gf_status gf_frame_as_factor(gf_frame *f, size_t j, gf_level_order order);

/* A new frame with rows idx[0..n) of f, in that order (repeats allowed);
 * factors keep all their levels; the source, line numbers and row names
 * follow their rows (gf_frame_omitted of the new frame is 0); n = 0 gives
 * a frame of no rows.  NULL on failure: GF_ERR_ARG for f NULL, idx NULL
 * with n > 0, or an index past the rows; GF_ERR_NOMEM.  Free the new frame
 * with gf_frame_free(). */
gf_frame *gf_frame_take(const gf_frame *f, const size_t *idx, size_t n);

/* ---------------------------------------------------------------- CSV -- */

typedef struct gf_csv_opts {
    char delimiter;           /* ',', ';' or '\t'; 0 detects it from the header
                                 line (the one of the three that occurs most
                                 outside quotes).  Default 0. */
    gf_na_policy na;          /* default GF_NA_FAIL */
    gf_level_order levels;    /* default GF_LEVELS_SORTED */
    const char *const *factors; /* n_factors names of columns to read as
                                 factors even though their cells are numbers
                                 (a code like 'cyl'); read during the call
                                 only; NULL (the default) when n_factors is 0 */
    size_t n_factors;         /* default 0 */
} gf_csv_opts;
#define GF_CSV_OPTS_DEFAULT ((gf_csv_opts){ .delimiter = 0, .na = GF_NA_FAIL, \
    .levels = GF_LEVELS_SORTED, .factors = NULL, .n_factors = 0 })

/* Read a CSV file with a header line: RFC 4180 quoting ("" inside quotes is
 * a quote; quoted cells may hold delimiters and line breaks), CRLF or LF
 * line ends, a UTF-8 byte-order mark skipped.  "NA" and empty cells are
 * missing.  A column is numeric when its first non-missing cell is a number;
 * a later cell that is not a number is then an error (naming line, column,
 * and the text found; the message suggests declaring it a factor).  Other
 * columns are factors.  Numbers are decimal with a '.' point; "Inf" and
 * "NaN" are refused as non-finite.  Ragged rows, a header with a repeated or
 * empty name (except a first empty one: row names), an empty file, bytes
 * that are not text (NUL) and an unterminated quote are errors.
 *
 * Details, as R's read.csv where the rules above leave a choice: blank
 * lines are skipped (a lone CR also ends a line); header names lose their
 * surrounding spaces, text cells keep theirs, numbers may have spaces
 * around them; a cell is missing when it is empty or "NA" once its spaces
 * are dropped, quoted or not; spaces around a quoted cell are dropped.  The
 * first non-missing cell decides a column's type even in a row that
 * GF_NA_OMIT then drops, and every row is checked, but the levels of a
 * factor come from the kept rows only.  A factor whose levels are all
 * numbers (a declared one) gets them as gf_frame_as_factor does ("2.0" and
 * "2" are one level, "2").  o NULL means GF_CSV_OPTS_DEFAULT.  The frame
 * (*out) is the caller's, to free with gf_frame_free(); its source is
 * `path`; on failure *out is NULL.  Files above 1 GiB (after
 * decompression) are refused.  Errors: GF_ERR_IO (cannot open or read),
 * GF_ERR_FORMAT (malformed text), GF_ERR_NUMERIC (a non-finite number),
 * GF_ERR_ARG (path or out NULL, bad options, a NULL factor name or one the
 * header lacks), GF_ERR_NOMEM. */
gf_status gf_csv_read(const char *path, const gf_csv_opts *o, gf_frame **out);
/* The same on text in memory (len bytes, no terminating NUL needed; text
 * may be NULL when len is 0, an empty file); `source` names it in messages
 * and becomes the frame's source ("<text>" if NULL). */
gf_status gf_csv_parse(const char *text, size_t len, const char *source, const gf_csv_opts *o,
                       gf_frame **out);

/* ------------------------------------------------------------- libsvm -- */

/* A sparse matrix in compressed rows, with one label per row.  The readers
 * allocate every array; free it all with gf_sparse_free(). */
typedef struct gf_sparse {
    size_t rows, cols, nnz;
    size_t *row_start; /* rows + 1 offsets into col and val */
    int32_t *col;      /* 0-based column of each stored value, increasing in a row */
    double *val;       /* the stored values (finite) */
    double *y;         /* rows labels (finite) */
} gf_sparse;

typedef struct gf_libsvm_opts {
    size_t n_features; /* 0 (the default): cols is the largest index in the
                          file; otherwise cols = n_features and a larger
                          index is an error */
} gf_libsvm_opts;
#define GF_LIBSVM_OPTS_DEFAULT ((gf_libsvm_opts){ .n_features = 0 })

/* Read the libsvm text format: one example per line, "label idx:value
 * idx:value ...", indices 1-based and strictly increasing; '#' starts a
 * comment; blank lines are skipped.  An index of 0, a repeated or decreasing
 * index, a non-finite value or label, or a malformed pair is an error naming
 * the line and the pair.  Indices above 2^31 - 1 are refused.  Spaces and tabs
 * separate the fields; CRLF is fine; no examples at all is an error.  The
 * matrix is the caller's, to free with gf_sparse_free; on failure *out is
 * NULL.  Files above 1 GiB (after decompression; gzip is recognised) are
 * refused.  o NULL means GF_LIBSVM_OPTS_DEFAULT.  Errors: GF_ERR_IO,
 * GF_ERR_FORMAT, GF_ERR_NUMERIC (a non-finite label or value), GF_ERR_ARG
 * (path or out NULL, n_features above 2^31 - 1), GF_ERR_NOMEM. */
gf_status gf_libsvm_read(const char *path, const gf_libsvm_opts *o, gf_sparse **out);
/* The same on text in memory, as gf_csv_parse. */
gf_status gf_libsvm_parse(const char *text, size_t len, const char *source,
                          const gf_libsvm_opts *o, gf_sparse **out);
/* Limits of the dense copy.  A libsvm file's largest index sets the
 * column count, so a line "1 2000000000:1" of 15 bytes would otherwise
 * ask for 16 GB a row; and each row of the file costs as little as two
 * bytes ("1\n"), so the rows times the columns are capped too.  Both are
 * far above dense data in the format (MNIST: 780 columns, 47 million
 * values); larger or truly sparse data would not fit densely anyway. */
#define GF_SPARSE_DENSE_MAX_COLS ((size_t)1 << 20)  /* 1,048,576 columns */
#define GF_DENSE_MAX_VALUES ((size_t)1 << 28)       /* 268,435,456 doubles: 2 GiB */

/* The number of doubles the dense copy of s takes (rows x cols) into
 * *values, checked before the caller allocates them: GF_ERR_ARG (with *values
 * 0) for s or values NULL, more than GF_SPARSE_DENSE_MAX_COLS columns, or
 * rows x cols above GF_DENSE_MAX_VALUES (which also rules out overflow);
 * the message gives the rows, the columns and the cap. */
gf_status gf_sparse_dense_count(const gf_sparse *s, size_t *values);
/* Fill x (rows x cols, row-major, allocated by the caller) with the dense
 * matrix, zeros included.  GF_ERR_ARG if the size is refused as by
 * gf_sparse_dense_count or the matrix is malformed (offsets out of order,
 * a column >= cols); x is then left untouched. */
gf_status gf_sparse_to_dense(const gf_sparse *s, double *x);
void gf_sparse_free(gf_sparse *s); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
