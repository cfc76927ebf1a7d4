/* What every fuzz target shares.  A target is one function,
 * LLVMFuzzerTestOneInput, that hands its bytes to one of grafo's parsers
 * and checks the contract every parser keeps: it returns GF_OK and a
 * consistent result, or an error with a message and no result.  Breaking
 * the contract aborts, so libFuzzer records the input as a crash, as it
 * does for any sanitizer report.
 *
 * The same source is linked with libFuzzer (GRAFO_FUZZ builds, clang) or
 * with replay.c, which runs saved inputs through it in the normal suite. */
#ifndef GF_FUZZ_H
#define GF_FUZZ_H

#include <grafo.h>

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                    \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: the parser broke its contract: %s\n", __FILE__,         \
                    __LINE__, #cond);                                                       \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

/* A failed call must say why. */
#define FUZZ_FAILED_WITH_MESSAGE() FUZZ_CHECK(gf_errmsg() && gf_errmsg()[0] != '\0')

/* The bytes as a C string (a NUL inside ends it early, as it would for a
 * command-line argument); the caller frees it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Every target starts with this: one thread (more would only add noise),
 * and no message left from the previous input, since a successful call
 * keeps the last error's text and FUZZ_FAILED_WITH_MESSAGE would read it. */
static inline void fuzz_start(void)
{
    static int done;
    if (!done) gf_set_threads(1);
    done = 1;
    gf__fail(GF_OK, "%s", "");
}

#endif
