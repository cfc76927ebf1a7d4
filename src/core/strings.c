/* Small questions about lists of strings. */
#include "core/strings.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static int cmp_string_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

gf_status gf__find_repeat(const char *const *s, size_t n, const char **dup)
{
    *dup = NULL;
    if (n < 2) return GF_OK;
    const char **sorted = gf__malloc(n * sizeof *sorted, "checking names are distinct");
    if (!sorted) return GF_ERR_NOMEM;
    memcpy(sorted, s, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_string_ptr);
    for (size_t i = 1; i < n && !*dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0) *dup = sorted[i];
    free(sorted);
    return GF_OK;
}
