/* Internal: JSON text from and to jansson's values, with allocation
 * failures reported as GF_ERR_NOMEM.
 *
 * Jansson (2.14, and its master as of 2025) is not safe when malloc fails.
 * json_dumps drops an object key whose text cannot be appended (dump.c
 * ignores dump_string's result for keys) and returns text that is not the
 * value; gf__json_text does not grow a buffer, so it cannot.  The parser
 * drops a byte of a token whose buffer cannot grow (load.c's lex_save
 * ignores strbuffer_append_byte's result): a dropped digit reads as
 * another number, and a dropped closing quote sends the string decoder
 * past the end of its buffer.  Nothing outside jansson can prevent that;
 * tests/test_alloc_fail.c therefore fails no allocation inside
 * json_loadb. */
#ifndef GF_IO_JSON_TEXT_H
#define GF_IO_JSON_TEXT_H

#include <jansson.h>

#include "grafo/base.h"

/* j as text (flags as json_dumps's), NUL-terminated, malloc'd for the
 * caller to free; NULL with GF_ERR_NOMEM naming `what`.  Written by
 * json_dumpb into a buffer of the size it measures first. */
char *gf__json_text(const json_t *j, size_t flags, const char *what);

/* Parse text[0..len) (flags as json_loadb's) into *out, the caller's to
 * json_decref.  GF_ERR_FORMAT with *err filled (and no message recorded:
 * the caller words it) for text that is not JSON; GF_ERR_NOMEM naming
 * `what` when jansson ran out of memory. */
gf_status gf__json_parse(const char *text, size_t len, size_t flags, const char *what,
                         json_t **out, json_error_t *err);

#endif
