/* Reading a whole file, plain or gzipped, through zlib: gzopen recognises
 * the gzip magic bytes and otherwise reads the file as it is, so `x.csv` and
 * `x.csv.gz` (or a gzipped file named x.csv) take the same path.
 *
 * Memory grows with the bytes actually read, doubling, so the cost is
 * linear and nothing is allocated from a size the file claims. */
#include "data/readfile.h"
#include "core/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* The first buffer; doubled as data arrives. */
#define INITIAL_BYTES ((size_t)1 << 16)

/* zlib's messages start with the path it was opened with; ours do too. */
static const char *strip_path(const char *msg, const char *path)
{
    size_t n = strlen(path);
    if (strncmp(msg, path, n) == 0 && strncmp(msg + n, ": ", 2) == 0) return msg + n + 2;
    return msg;
}

gf_status gf__gz_fail(gzFile gz, const char *path, int saved_errno)
{
    int errnum = Z_OK;
    const char *msg = gzerror(gz, &errnum);
    if (errnum == Z_ERRNO)
        return gf__fail(GF_ERR_IO, "%s: cannot read: %s", path,
                        strerror(saved_errno ? saved_errno : EIO));
    if (errnum == Z_MEM_ERROR)
        return gf__fail(GF_ERR_NOMEM, "%s: out of memory while decompressing", path);
    /* Z_BUF_ERROR ("unexpected end of file") is a cut-off .gz; Z_DATA_ERROR
     * is a damaged stream or a failed CRC. */
    return gf__fail(GF_ERR_FORMAT, "%s: corrupt or truncated gzip data: %s", path,
                    strip_path(msg, path));
}

gf_status gf__read_file(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (!path) return gf__fail(GF_ERR_ARG, "reading a file: the path is NULL");
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        if (errno)
            return gf__fail(GF_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return gf__fail(GF_ERR_NOMEM, "%s: out of memory opening the file", path);
    }
    size_t cap = INITIAL_BYTES, n = 0;
    char *buf = gf__malloc(cap + 1, "a file's contents");
    gf_status s = buf ? GF_OK : GF_ERR_NOMEM;
    while (s == GF_OK) {
        if (n == cap) {
            /* the buffer stops one byte past the cap: filling it proves
             * the file too large without reading (or holding) the rest */
            if (cap > GF_READFILE_MAX) {
                s = gf__fail(GF_ERR_FORMAT, "%s: larger than the %zu MiB a text file may have",
                             path, GF_READFILE_MAX >> 20);
                break;
            }
            size_t bigger = cap > GF_READFILE_MAX / 2 ? GF_READFILE_MAX + 1 : 2 * cap;
            char *b = realloc(buf, bigger + 1);
            if (!b) {
                s = gf__fail(GF_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, bigger);
                break;
            }
            buf = b;
            cap = bigger;
        }
        size_t want = cap - n;
        unsigned ask = want > (1u << 30) ? (1u << 30) : (unsigned)want;
        errno = 0;
        int r = gzread(gz, buf + n, ask);
        if (r < 0) {
            s = gf__gz_fail(gz, path, errno);
            break;
        }
        if (r == 0) {
            /* a truncated gzip stream ends in a short read, not -1 */
            int errnum = Z_OK;
            gzerror(gz, &errnum);
            if (errnum != Z_OK) s = gf__gz_fail(gz, path, errno);
            break;
        }
        n += (size_t)r;
    }
    gzclose_r(gz);
    if (s != GF_OK) {
        free(buf);
        return s;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return GF_OK;
}
