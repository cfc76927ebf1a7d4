/* Internal: recording errors for gf_errmsg(). */
#ifndef GF_CORE_ERROR_H
#define GF_CORE_ERROR_H

#include "grafo/base.h"

/* The longest message gf_errmsg() holds, NUL included; longer ones are cut. */
#define GF__ERRMSG_MAX 1024

/* Record a message for gf_errmsg() and return s, so a failing path reads
 * `return gf__fail(GF_ERR_ARG, "batch size %d is not positive", n);`. */
gf_status gf__fail(gf_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the current message with more context ("reading x.idx: ..."). */
void gf__errctx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* malloc/calloc that record GF_ERR_NOMEM with what was being allocated. */
void *gf__malloc(size_t n, const char *what);
void *gf__calloc(size_t count, size_t size, const char *what);
/* Copies of s (of at most its first n bytes), NUL-terminated, as malloc'd
 * memory the caller frees; NULL with GF_ERR_NOMEM naming `what`.  The
 * library copies strings through these, never the C library's strdup or
 * realpath(p, NULL), so every block it frees came from malloc through
 * grafo's own calls (which an allocation-failure test can count). */
char *gf__strdup(const char *s, const char *what);
char *gf__strndup(const char *s, size_t n, const char *what);

#endif
