/* The IDX reader (the format MNIST and Fashion-MNIST ship in).
 *
 * Layout: two zero bytes, an element-type byte, a dimension-count byte, then
 * one big-endian uint32 per dimension, then the elements, big-endian, in
 * row-major order.  Files are read through zlib, whose gzread passes plain
 * files through unchanged, so `x.idx` and `x.idx.gz` take the same path.
 *
 * The file is treated as hostile: every count is checked before it is
 * trusted, and memory grows with the bytes actually read, so a 30-byte file
 * that claims a terabyte of data fails as truncated instead of asking for a
 * terabyte up front. */
#include "grafo/data.h"
#include "core/error.h"
#include "data/readfile.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* Elements converted per read: large enough to amortise gzread calls, small
 * enough that the raw buffer (at most 8 bytes an element) stays modest. */
#define CHUNK_ELEMS ((size_t)1 << 16)
/* The float buffer starts at this many elements (or the whole file, if
 * smaller) and doubles as data arrives. */
#define INITIAL_ELEMS ((size_t)1 << 20)

typedef struct idx_type {
    int code;
    size_t size; /* bytes per element in the file */
    const char *name;
} idx_type;

static const idx_type idx_types[] = {
    {0x08, 1, "u8"},  {0x09, 1, "i8"},  {0x0B, 2, "i16"},
    {0x0C, 4, "i32"}, {0x0D, 4, "f32"}, {0x0E, 8, "f64"},
};

static const idx_type *find_type(int code)
{
    for (size_t i = 0; i < sizeof idx_types / sizeof idx_types[0]; i++)
        if (idx_types[i].code == code) return &idx_types[i];
    return NULL;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Two's-complement to signed, spelled out: converting an out-of-range
 * unsigned value to a signed type is implementation-defined in C. */
static double twos(uint32_t u, int bits)
{
    double half = (double)((uint64_t)1 << (bits - 1));
    return u >= half ? (double)u - 2 * half : (double)u;
}

/* ---- reading through zlib ------------------------------------------- */

/* Read up to `want` bytes; *got says how many came before end of file.  A
 * short count is not an error here (the caller knows what was expected),
 * but a damaged stream is.  gzread reports a truncated gzip stream as a
 * short read, not -1, so the error state is checked on every short read. */
static gf_status read_bytes(gzFile gz, const char *path, void *buf, size_t want, size_t *got)
{
    unsigned char *p = buf;
    *got = 0;
    while (*got < want) {
        size_t left = want - *got;
        unsigned n = left > (1u << 30) ? (1u << 30) : (unsigned)left;
        int r = gzread(gz, p + *got, n);
        if (r < 0) return gf__gz_fail(gz, path, errno);
        if (r == 0) break;
        *got += (size_t)r;
    }
    if (*got < want) {
        int errnum = Z_OK;
        gzerror(gz, &errnum);
        if (errnum != Z_OK) return gf__gz_fail(gz, path, errno);
    }
    return GF_OK;
}

/* After the declared data, the file must end, and a gzip stream must end
 * cleanly: reading one more byte is what makes zlib check the trailer's CRC
 * and length. */
static gf_status expect_eof(gzFile gz, const char *path, size_t data_bytes)
{
    unsigned char extra;
    size_t got;
    gf_status s = read_bytes(gz, path, &extra, 1, &got);
    if (s) return s;
    if (got)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: trailing data after the %zu bytes of elements the header "
                        "declares",
                        path, data_bytes);
    return GF_OK;
}

/* ---- header ---------------------------------------------------------- */

static gf_status read_header(gzFile gz, const char *path, gf_idx *out, const idx_type **type)
{
    unsigned char magic[4], dims[4 * GF_IDX_MAX_DIMS];
    size_t got;
    gf_status s = read_bytes(gz, path, magic, 4, &got);
    if (s) return s;
    if (got < 4)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: truncated header: the file has %zu bytes, an IDX header "
                        "needs at least 8",
                        path, got);
    if (magic[0] != 0 || magic[1] != 0)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: bad magic number 0x%08X (expected 0x0000TTNN: two zero "
                        "bytes, an element type TT, a dimension count NN); is this an "
                        "IDX file?",
                        path, (unsigned)be32(magic));
    *type = find_type(magic[2]);
    if (!*type)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: unknown element type 0x%02X in the magic number (expected "
                        "0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32 or 0x0E f64)",
                        path, magic[2]);
    int ndim = magic[3];
    if (ndim < 1 || ndim > GF_IDX_MAX_DIMS)
        return gf__fail(GF_ERR_FORMAT, "%s: dimension count %d is not in 1..%d", path, ndim,
                        GF_IDX_MAX_DIMS);

    size_t want = 4 * (size_t)ndim;
    s = read_bytes(gz, path, dims, want, &got);
    if (s) return s;
    if (got < want)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: truncated header: expected %zu bytes of dimensions, found %zu",
                        path, want, got);

    out->elem_type = magic[2];
    out->ndim = ndim;
    for (int d = 0; d < ndim; d++) {
        uint32_t v = be32(dims + 4 * d);
        if (v == 0)
            return gf__fail(GF_ERR_FORMAT, "%s: dimension %d (of %d, counting from 0) is zero",
                            path, d, ndim);
        out->dims[d] = v;
    }
    return GF_OK;
}

/* The element count and the byte sizes it implies, checked for overflow
 * before anything is allocated from them. */
static gf_status check_sizes(const char *path, gf_idx *out, size_t elem_size)
{
    size_t count = 1;
    for (int d = 0; d < out->ndim; d++) {
        if (count > SIZE_MAX / out->dims[d])
            return gf__fail(GF_ERR_FORMAT,
                            "%s: dimensions too large: their product overflows a size_t",
                            path);
        count *= out->dims[d];
    }
    if (count > GF_IDX_MAX_ELEMS) {
        char dims[GF_IDX_MAX_DIMS * 12 + 1];
        size_t o = 0;
        for (int d = 0; d < out->ndim && o < sizeof dims - 1; d++) {
            int w = snprintf(dims + o, sizeof dims - o, "%s%zu", d ? " x " : "", out->dims[d]);
            o = w < 0 ? sizeof dims - 1 : o + (size_t)w;
        }
        return gf__fail(GF_ERR_FORMAT,
                        "%s: the header's dimensions %s make %zu elements, more than the %zu "
                        "(4 GiB as floats) an IDX file may hold",
                        path, dims, count, GF_IDX_MAX_ELEMS);
    }
    size_t widest = elem_size > sizeof(float) ? elem_size : sizeof(float);
    if (count > SIZE_MAX / widest)
        return gf__fail(GF_ERR_FORMAT, "%s: %zu elements is too many to hold in memory", path,
                        count);
    out->count = count;
    return GF_OK;
}

/* ---- elements --------------------------------------------------------- */

static gf_status non_finite(const char *path, size_t index, double v)
{
    if (isnan(v))
        return gf__fail(GF_ERR_NUMERIC, "%s: element %zu is NaN; values must be finite", path,
                        index);
    if (isinf(v))
        return gf__fail(GF_ERR_NUMERIC, "%s: element %zu is %sinfinite; values must be finite",
                        path, index, v < 0 ? "-" : "+");
    return gf__fail(GF_ERR_NUMERIC,
                    "%s: element %zu is %g, outside the float range; values must be finite "
                    "as floats",
                    path, index, v);
}

/* Decode n big-endian elements of `code` from raw into dst.  `first` is the
 * index of raw's first element in the file, for error messages. */
static gf_status convert(const char *path, int code, const unsigned char *raw, size_t n,
                         float *dst, size_t first)
{
    for (size_t i = 0; i < n; i++) {
        switch (code) {
        case 0x08: dst[i] = (float)raw[i]; break;
        case 0x09: dst[i] = (float)twos(raw[i], 8); break;
        case 0x0B: dst[i] = (float)twos((uint32_t)raw[2 * i] << 8 | raw[2 * i + 1], 16); break;
        case 0x0C: dst[i] = (float)twos(be32(raw + 4 * i), 32); break;
        case 0x0D: {
            uint32_t bits = be32(raw + 4 * i);
            float f;
            memcpy(&f, &bits, sizeof f);
            if (!isfinite(f)) return non_finite(path, first + i, f);
            dst[i] = f;
            break;
        }
        case 0x0E: {
            uint64_t bits = be64(raw + 8 * i);
            double d;
            memcpy(&d, &bits, sizeof d);
            /* A finite double can still overflow float; that is no more
             * usable than an infinity, so it is rejected the same way. */
            if (!isfinite(d) || !isfinite((float)d)) return non_finite(path, first + i, d);
            dst[i] = (float)d;
            break;
        }
        default: /* find_type admitted only the codes above */
            return gf__fail(GF_ERR_STATE, "%s: internal error: element type 0x%02X", path, code);
        }
    }
    return GF_OK;
}

/* Make room for `need` floats, growing geometrically up to the total. */
static gf_status reserve(const char *path, float **data, size_t *cap, size_t need, size_t total)
{
    if (need <= *cap) return GF_OK;
    size_t c = *cap ? *cap : (total < INITIAL_ELEMS ? total : INITIAL_ELEMS);
    while (c < need) c = c > total / 2 ? total : 2 * c;
    float *p = realloc(*data, c * sizeof *p);
    if (!p)
        return gf__fail(GF_ERR_NOMEM, "%s: out of memory allocating %zu floats", path, c);
    *data = p;
    *cap = c;
    return GF_OK;
}

static gf_status read_elements(gzFile gz, const char *path, gf_idx *out, const idx_type *type)
{
    size_t total = out->count, done = 0, cap = 0;
    size_t chunk = total < CHUNK_ELEMS ? total : CHUNK_ELEMS;
    unsigned char *raw = gf__malloc(chunk * type->size, "an IDX read buffer");
    if (!raw) return GF_ERR_NOMEM;
    gf_status s = GF_OK;
    while (!s && done < total) {
        size_t n = total - done < chunk ? total - done : chunk, got;
        s = read_bytes(gz, path, raw, n * type->size, &got);
        if (!s && got < n * type->size)
            s = gf__fail(GF_ERR_FORMAT,
                         "%s: truncated data: expected %zu bytes of elements (%zu %s), "
                         "found %zu",
                         path, total * type->size, total, type->name,
                         done * type->size + got);
        if (!s) s = reserve(path, &out->data, &cap, done + n, total);
        if (!s) s = convert(path, type->code, raw, n, out->data + done, done);
        done += n;
    }
    free(raw);
    if (!s) s = expect_eof(gz, path, total * type->size);
    return s;
}

/* ---- public ----------------------------------------------------------- */

gf_status gf_idx_read(const char *path, gf_idx *out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "gf_idx_read: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path) return gf__fail(GF_ERR_ARG, "gf_idx_read: path is NULL");

    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        /* gzopen leaves errno at 0 when its own allocation failed. */
        if (errno == 0) return gf__fail(GF_ERR_NOMEM, "%s: out of memory opening", path);
        return gf__fail(GF_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    /* A large buffer saves read calls on big files (MNIST's are tens of
     * MB); a small file keeps zlib's default rather than 384 KiB of
     * buffers it would not fill. */
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size > (1 << 20)) gzbuffer(gz, 1u << 17);

    const idx_type *type = NULL;
    gf_status s = read_header(gz, path, out, &type);
    if (!s) s = check_sizes(path, out, type->size);
    if (!s) s = read_elements(gz, path, out, type);
    /* Only reading: a failing close cannot lose data, and every byte we use
     * has already been checked. */
    gzclose(gz);
    if (s) gf_idx_free(out);
    return s;
}

void gf_idx_free(gf_idx *idx)
{
    if (!idx) return;
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}
