/* JSON text in and out, allocation failures reported as such (see
 * io/json_text.h). */
#include "io/json_text.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

char *gf__json_text(const json_t *j, size_t flags, const char *what)
{
    /* 0 is a failure (of the loop check's own allocation, say): a JSON
     * text is never empty. */
    size_t n = j ? json_dumpb(j, NULL, 0, flags) : 0;
    char *text = n ? gf__malloc(n + 1, what) : NULL;
    if (!n) gf__fail(GF_ERR_NOMEM, "out of memory writing %s", what);
    if (!text) return NULL;
    if (json_dumpb(j, text, n, flags) != n) {
        free(text);
        gf__fail(GF_ERR_NOMEM, "out of memory writing %s", what);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

gf_status gf__json_parse(const char *text, size_t len, size_t flags, const char *what,
                         json_t **out, json_error_t *err)
{
    /* Zeroed: jansson leaves the error's code unset when it sets no message. */
    memset(err, 0, sizeof *err);
    *out = json_loadb(text, len, flags, err);
    if (*out) return GF_OK;
    /* jansson reports some allocation failures as such and others with no
     * message at all; a syntax error always has one. */
    if (json_error_code(err) == json_error_out_of_memory || !err->text[0])
        return gf__fail(GF_ERR_NOMEM, "out of memory reading %s", what);
    return GF_ERR_FORMAT;
}
