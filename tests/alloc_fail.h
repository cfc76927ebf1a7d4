/* Failing the n-th allocation on purpose, and counting the blocks alive.
 * A test that includes this links with
 *     -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,
 *     --wrap=free,--wrap=strdup,--wrap=strndup
 * so every call the test and grafo's static library make to those goes
 * through the wrappers below (the shared libraries' own calls do not:
 * OpenBLAS, libgomp, zlib and the C library keep theirs).  Jansson is sent
 * through them with alloc_fail_route_jansson().  strdup and strndup are
 * wrapped so that a copy made by them is counted like any block (grafo
 * copies through gf__strdup, but the count must not depend on it).
 *
 * Allocations inside json_loadb (link with --wrap=json_loadb too) are
 * tracked as live blocks but neither counted nor failed: jansson's parser
 * is not safe when malloc fails (it can write past a buffer; see
 * src/io/json_text.h).
 *
 *     alloc_fail_arm(n);   // fail the n-th allocation from now (0: none)
 *     ... run ...
 *     alloc_fail_disarm(); // fail none from now, keeping what was counted
 *     alloc_fail_calls     // allocations asked for since arming
 *     alloc_fail_live      // blocks allocated and not yet freed
 *
 * The blocks alive are kept in a table of their addresses, so that freeing
 * a block the wrappers never saw (one the C library made for itself) does
 * not lower the count and hide a leak.
 *
 * One thread only: the counters are plain statics. */
#ifndef GF_TESTS_ALLOC_FAIL_H
#define GF_TESTS_ALLOC_FAIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static long alloc_fail_calls;    /* allocations asked for since arming */
static long alloc_fail_at;       /* the one to fail, counted from 1; 0 for none */
static long alloc_fail_live;     /* blocks alive */
static int alloc_fail_injected;  /* whether alloc_fail_at was reached */
static int alloc_fail_from_json; /* the failed one was jansson's */
static int alloc_fail_in_json;   /* inside jansson's hooks: its calls are tagged */
static int alloc_fail_spared;    /* inside json_loadb: nothing fails or is counted */

void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* ---- the blocks alive: a set of addresses (open addressing) ---- */

#define ALLOC_FAIL_SLOTS ((size_t)1 << 20)
static void **alloc_fail_table;

static size_t alloc_fail_slot(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p; /* a murmur finaliser: addresses share low bits */
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdu;
    x ^= x >> 33;
    return (size_t)x & (ALLOC_FAIL_SLOTS - 1);
}

static void alloc_fail_track(void *p)
{
    if (!p) return;
    if (!alloc_fail_table) alloc_fail_table = __real_calloc(ALLOC_FAIL_SLOTS, sizeof(void *));
    if (!alloc_fail_table || (size_t)alloc_fail_live >= ALLOC_FAIL_SLOTS / 2) abort();
    size_t i = alloc_fail_slot(p);
    while (alloc_fail_table[i]) i = (i + 1) & (ALLOC_FAIL_SLOTS - 1);
    alloc_fail_table[i] = p;
    alloc_fail_live++;
}

/* Forget p if it was tracked, closing the gap so later probes still find
 * their blocks. */
static void alloc_fail_untrack(void *p)
{
    if (!p || !alloc_fail_table) return;
    size_t mask = ALLOC_FAIL_SLOTS - 1, i = alloc_fail_slot(p);
    while (alloc_fail_table[i] && alloc_fail_table[i] != p) i = (i + 1) & mask;
    if (!alloc_fail_table[i]) return; /* not made through the wrappers */
    alloc_fail_live--;
    for (size_t j = (i + 1) & mask; alloc_fail_table[j]; j = (j + 1) & mask) {
        size_t home = alloc_fail_slot(alloc_fail_table[j]);
        int stays = i < j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays) continue;
        alloc_fail_table[i] = alloc_fail_table[j];
        i = j;
    }
    alloc_fail_table[i] = NULL;
}

static void alloc_fail_arm(long n)
{
    alloc_fail_calls = 0;
    alloc_fail_at = n;
    alloc_fail_injected = 0;
    alloc_fail_from_json = 0;
}

static void alloc_fail_disarm(void) { alloc_fail_at = 0; }

/* Whether this allocation is the one to fail. */
static int alloc_fail_now(void)
{
    if (alloc_fail_spared) return 0;
    if (++alloc_fail_calls != alloc_fail_at) return 0;
    alloc_fail_injected = 1;
    alloc_fail_from_json = alloc_fail_in_json;
    return 1;
}

void *__wrap_malloc(size_t n)
{
    if (alloc_fail_now()) return NULL;
    void *p = __real_malloc(n);
    alloc_fail_track(p);
    return p;
}

void *__wrap_calloc(size_t a, size_t b)
{
    if (alloc_fail_now()) return NULL;
    void *p = __real_calloc(a, b);
    alloc_fail_track(p);
    return p;
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
    if (alloc_fail_now()) return NULL;
    void *p = __real_aligned_alloc(a, n);
    alloc_fail_track(p);
    return p;
}

/* A failed realloc leaves the block alive; realloc(NULL, n) is a malloc;
 * realloc(p, 0) frees p in glibc. */
void *__wrap_realloc(void *p, size_t n)
{
    if (p && n == 0) {
        alloc_fail_untrack(p);
        return __real_realloc(p, 0);
    }
    if (alloc_fail_now()) return NULL;
    void *q = __real_realloc(p, n);
    if (q) {
        alloc_fail_untrack(p);
        alloc_fail_track(q);
    }
    return q;
}

void __wrap_free(void *p)
{
    alloc_fail_untrack(p);
    __real_free(p);
}

char *__wrap_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *t = __wrap_malloc(len + 1);
    if (t) {
        memcpy(t, s, len);
        t[len] = '\0';
    }
    return t;
}

char *__wrap_strdup(const char *s) { return __wrap_strndup(s, (size_t)-1); }

static void *alloc_fail_json_malloc(size_t n)
{
    alloc_fail_in_json = 1;
    void *p = __wrap_malloc(n);
    alloc_fail_in_json = 0;
    return p;
}

json_t *__real_json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error);
json_t *__wrap_json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error);
json_t *__wrap_json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error)
{
    alloc_fail_spared++;
    json_t *j = __real_json_loadb(buffer, buflen, flags, error);
    alloc_fail_spared--;
    return j;
}

/* Jansson allocates through the wrappers from now on (before any JSON
 * value exists: a value must be freed by the allocator that made it). */
static void alloc_fail_route_jansson(void)
{
    json_set_alloc_funcs(alloc_fail_json_malloc, __wrap_free);
}

#endif
