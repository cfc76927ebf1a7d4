/* Shapes: sizes, comparison, and text for error messages. */
#include <stdio.h>

#include "tensor/tensor.h"

size_t gf__shape_size(const gf_shape *s)
{
    size_t n = 1;
    for (int i = 0; i < s->ndim; i++) n *= (size_t)s->dim[i];
    return n;
}

bool gf__shape_equal(const gf_shape *a, const gf_shape *b)
{
    if (a->ndim != b->ndim || a->batched != b->batched) return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->dim[i] != b->dim[i]) return false;
    return true;
}

int gf__shape_rank(const gf_shape *s) { return s->ndim + (s->batched ? 1 : 0); }

const char *gf__shape_str(const gf_shape *s, char *buf, size_t len)
{
    size_t at = 0;
    at += (size_t)snprintf(buf + at, len - at, "(");
    const char *sep = "";
    if (s->batched) {
        at += (size_t)snprintf(buf + at, len - at, "B");
        sep = ", ";
    }
    for (int i = 0; i < s->ndim && at < len; i++) {
        at += (size_t)snprintf(buf + at, len - at, "%s%lld", sep, (long long)s->dim[i]);
        sep = ", ";
    }
    if (at < len) snprintf(buf + at, len - at, ")");
    return buf;
}

