/* IDX through gzip: the input after its first byte is compressed, so the
 * mutations reach the IDX reader behind zlib; the first byte cuts the
 * compressed stream short (0: whole) or flips one of its bytes, to reach
 * the truncated- and corrupt-stream paths. */
#include "fuzz.h"
#include "idx_check.h"
#include "memfile.h"

#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_start();
    if (size < 1) return 0;
    unsigned mode = data[0];
    z_stream z = { 0 };
    /* 15 + 16: a gzip wrapper, as gzip(1) writes */
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    size_t cap = deflateBound(&z, size - 1);
    unsigned char *gz = malloc(cap);
    if (!gz) abort();
    z.next_in = (unsigned char *)data + 1;
    z.avail_in = (uInt)(size - 1);
    z.next_out = gz;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) abort();
    size_t n = z.total_out;
    deflateEnd(&z);
    if (mode >= 128 && n > 0)
        n -= 1 + (mode - 128u) % n; /* cut short */
    else if (mode >= 64 && n > 0)
        gz[(mode - 64u) * 7 % n] ^= 0x5A; /* one damaged byte */
    idx_check(memfile(gz, n));
    free(gz);
    return 0;
}
