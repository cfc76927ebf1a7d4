/* Internal: building frames from buffers a reader already owns, and the
 * bookkeeping a reader adds (source name, line numbers, row names). */
#ifndef GF_DATA_FRAME_INTERNAL_H
#define GF_DATA_FRAME_INTERNAL_H

#include "grafo/frame.h"

/* Append a numeric column, taking `values` (f's rows doubles, from malloc)
 * instead of copying it.  Checks as gf_frame_add_numeric, except that the
 * caller guarantees the name is not already a column's (checking it here
 * would cost a search of every name for each column added).  values is
 * consumed whatever happens: owned by f on success, freed on failure. */
gf_status gf__frame_adopt_numeric(gf_frame *f, const char *name, double *values);

/* Append a factor column, taking `codes` (f's rows int32, from malloc) and
 * `levels` (nlevels strings, each from malloc, in an array from malloc).
 * Checks as gf_frame_add_factor, the name's uniqueness excepted as above.
 * All of it is consumed whatever happens. */
gf_status gf__frame_adopt_factor(gf_frame *f, const char *name, int32_t *codes, char **levels,
                                 size_t nlevels);

/* Record where the rows came from: the source's name (copied), and
 * optionally `lines` (f's rows line numbers, from malloc, taken).  On
 * failure lines is freed. */
gf_status gf__frame_set_source(gf_frame *f, const char *source, size_t *lines);

/* Take `names` (f's rows strings from malloc, in an array from malloc) as
 * the row names; consumed whatever happens. */
void gf__frame_adopt_row_names(gf_frame *f, char **names);

void gf__frame_set_omitted(gf_frame *f, size_t omitted);

/* Free an array of n strings and the array (NULL is fine). */
void gf__free_strings(char **s, size_t n);

/* R's as.character() of a double (15 significant digits, fixed or
 * scientific notation, whichever is narrower, fixed on a tie) into buf of
 * `size` bytes (32 is always enough).  -0 is written "0". */
void gf__format_number(double v, char *buf, size_t size);

#endif
