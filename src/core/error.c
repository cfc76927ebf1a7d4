/* Thread-local error messages: the library reports, the caller decides. */
#include "core/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char errmsg[GF__ERRMSG_MAX];

const char *gf_errmsg(void) { return errmsg; }

const char *gf_status_name(gf_status s)
{
    static const char *const names[] = {
        [GF_OK] = "ok",
        [GF_ERR_ARG] = "invalid argument",
        [GF_ERR_SHAPE] = "shape error",
        [GF_ERR_IO] = "I/O error",
        [GF_ERR_FORMAT] = "format error",
        [GF_ERR_NOMEM] = "out of memory",
        [GF_ERR_NUMERIC] = "numeric error",
        [GF_ERR_STATE] = "invalid state",
        [GF_ERR_FIT] = "cannot fit",
    };
    _Static_assert(sizeof names / sizeof names[0] == GF_STATUS_COUNT,
                   "a status has no name");
    if ((unsigned)s >= GF_STATUS_COUNT) return "unknown status";
    return names[s];
}

gf_status gf__fail(gf_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return s;
}

void gf__errctx(const char *fmt, ...)
{
    char prefix[GF__ERRMSG_MAX], old[GF__ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, errmsg, sizeof old);
    /* A message too long for the buffer is cut short, which is fine. */
    if (snprintf(errmsg, sizeof errmsg, "%s: %s", prefix, old) < 0) errmsg[0] = '\0';
}

void *gf__malloc(size_t n, const char *what)
{
    void *p = malloc(n ? n : 1);
    if (!p) gf__fail(GF_ERR_NOMEM, "out of memory allocating %zu bytes for %s", n, what);
    return p;
}

void *gf__calloc(size_t count, size_t size, const char *what)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        gf__fail(GF_ERR_NOMEM, "out of memory allocating %zu x %zu bytes for %s",
                 count, size, what);
    return p;
}

char *gf__strndup(const char *s, size_t n, const char *what)
{
    size_t len = strnlen(s, n);
    char *t = gf__malloc(len + 1, what);
    if (!t) return NULL;
    memcpy(t, s, len);
    t[len] = '\0';
    return t;
}

char *gf__strdup(const char *s, const char *what) { return gf__strndup(s, SIZE_MAX, what); }
