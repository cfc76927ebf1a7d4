/* A tiny test harness: CHECK records a failure with file and line and goes
 * on, so one run reports every problem; main returns check_report(). */
#ifndef GF_TESTS_CHECK_H
#define GF_TESTS_CHECK_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            check_failures++;                                              \
            fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
        }                                                                  \
    } while (0)

/* |a - b| <= tol * max(1, |b|) */
#define CHECK_NEAR(a, b, tol)                                                          \
    CHECK(fabs((double)(a) - (double)(b)) <= (tol) * fmax(1.0, fabs((double)(b))),     \
          "%.10g vs %.10g (tolerance %g)", (double)(a), (double)(b), (double)(tol))

/* |a - b| <= tol * |b|: a purely relative comparison, for values such as
 * p-values of 1e-12 that CHECK_NEAR would let pass whatever they are. */
#define CHECK_REL(a, b, tol)                                                           \
    CHECK(fabs((double)(a) - (double)(b)) <= (tol) * fabs((double)(b)),                 \
          "%.17g vs %.17g (relative tolerance %g)", (double)(a), (double)(b), (double)(tol))

static int check_report(const char *name)
{
    if (check_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif
