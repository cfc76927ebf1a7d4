/* Strict number parsing: the whole text must be a number in range. */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

bool arg_int(const char *cmd, const char *opt, const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno) {
        fprintf(stderr, "grafo %s: %s: '%s' is not a whole number\n", cmd, opt, text);
        return false;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "grafo %s: %s: %ld is outside %ld..%ld\n", cmd, opt, v, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

bool arg_u64(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end || errno || text[0] == '-') {
        fprintf(stderr, "grafo %s: %s: '%s' is not a non-negative whole number\n", cmd, opt, text);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

bool arg_float(const char *cmd, const char *opt, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !isfinite(v)) {
        fprintf(stderr, "grafo %s: %s: '%s' is not a finite number\n", cmd, opt, text);
        return false;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "grafo %s: %s: %g is outside [%g, %g]\n", cmd, opt, v, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

const char *arg_value(const char *cmd, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "grafo %s: %s needs a value\n", cmd, argv[*i]);
        return NULL;
    }
    return argv[++*i];
}
