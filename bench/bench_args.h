/* What the benchmark drivers share to read their command lines. */
#ifndef GF_BENCH_ARGS_H
#define GF_BENCH_ARGS_H

#include <stdio.h>
#include <stdlib.h>

/* Option `name` of program `prog` must be a whole number in lo..hi; 0 (with
 * a message) if text is not one. */
static inline int bench_parse_int(const char *prog, const char *name, const char *text,
                                  int lo, int hi, int *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "%s: %s wants a whole number in %d..%d, not '%s'\n", prog, name, lo,
                hi, text);
        return 0;
    }
    *out = (int)v;
    return 1;
}

#endif
