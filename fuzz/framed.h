/* The model-file targets read their input in one of two ways, chosen by
 * its first byte: even, the rest is the file as it is; odd, the rest is
 * the JSON header, a NUL, then the tensor data, and the target writes the
 * 8-byte header length itself.  Mutations of the second kind change the
 * header's text without breaking its length, so they reach the model
 * description behind it (gf_st_parse checks the length first). */
#ifndef GF_FUZZ_FRAMED_H
#define GF_FUZZ_FRAMED_H

/* The file's bytes (malloc'd; the caller frees *file) and length. */
static void framed_file(const uint8_t *data, size_t size, uint8_t **file, size_t *len)
{
    const uint8_t *rest = data + 1;
    size_t n = size - 1;
    if (!(data[0] & 1)) {
        *file = malloc(n + 1);
        if (!*file) abort();
        if (n) memcpy(*file, rest, n);
        *len = n;
        return;
    }
    const uint8_t *nul = memchr(rest, 0, n);
    size_t header = nul ? (size_t)(nul - rest) : n, tail = nul ? n - header - 1 : 0;
    *len = 8 + header + tail;
    *file = malloc(*len);
    if (!*file) abort();
    for (int i = 0; i < 8; i++) (*file)[i] = (uint8_t)((uint64_t)header >> (8 * i));
    if (header) memcpy(*file + 8, rest, header);
    if (tail) memcpy(*file + 8 + header, nul + 1, tail);
}

#endif
