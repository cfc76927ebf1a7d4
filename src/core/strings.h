/* Internal: small questions about strings and lists of them. */
#ifndef GF_CORE_STRINGS_H
#define GF_CORE_STRINGS_H

#include "grafo/base.h"

/* Whether s[0..n) (none NULL) holds a string twice: *dup is one of the
 * repeated strings, or NULL if all are distinct.  Sorts a copy of the
 * pointers, so n log n rather than n^2; GF_ERR_NOMEM if it cannot. */
gf_status gf__find_repeat(const char *const *s, size_t n, const char **dup);

/* NULL if s is valid UTF-8, else where it stops being so: no overlong
 * forms, no surrogates, nothing above U+10FFFF, as JSON text needs.  It
 * allocates nothing, so it cannot mistake a lack of memory for bad text
 * (as asking jansson to make a string of s would). */
const char *gf__utf8_error(const char *s);

#endif
