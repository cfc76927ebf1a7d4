/* Internal: small questions about lists of strings. */
#ifndef GF_CORE_STRINGS_H
#define GF_CORE_STRINGS_H

#include "grafo/base.h"

/* Whether s[0..n) (none NULL) holds a string twice: *dup is one of the
 * repeated strings, or NULL if all are distinct.  Sorts a copy of the
 * pointers, so n log n rather than n^2; GF_ERR_NOMEM if it cannot. */
gf_status gf__find_repeat(const char *const *s, size_t n, const char **dup);

#endif
