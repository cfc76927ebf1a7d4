/* Small questions about strings and lists of them. */
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

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0. */
static size_t utf8_char(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (n == 0 || s[0] > 0xf4) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) return 0;
    if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))) return 0;
    return n;
}

const char *gf__utf8_error(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        size_t n = utf8_char(u);
        if (!n) return (const char *)u;
        u += n;
    }
    return NULL;
}
