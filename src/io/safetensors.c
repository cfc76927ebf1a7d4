/* safetensors files: an 8-byte little-endian header length N, N bytes of
 * JSON header, then the tensors' bytes (https://huggingface.co/docs/safetensors).
 *
 * Reading trusts nothing.  The rules are the reference reader's (the Rust
 * `safetensors` crate): the header length must fit in the file and under
 * the cap; the JSON must parse (here also without duplicate keys) to an
 * object; "__metadata__" maps strings to strings; every other entry is a
 * tensor {"dtype", "shape", "data_offsets": [begin, end]} whose shape's byte
 * count, computed with overflow checks, equals end - begin; and the
 * tensors, sorted by their offsets, cover the data from its first byte to
 * the file's last without gaps or overlap.
 *
 * Unknown extra fields in a tensor entry are ignored, as the reference
 * reader does (its TensorInfo is a serde struct without
 * deny_unknown_fields), so files from newer writers still open.  A missing
 * field is an error, as there.
 *
 * A loaded set keeps the whole file in one buffer and its tensors point
 * into it, wherever their bytes fall: the format promises no alignment, so
 * data are copied out with memcpy (gf_st_read_tensor).
 *
 * Writing mirrors the reference writer: compact JSON, "__metadata__" first
 * when there is any, the header padded with spaces to a multiple of 8
 * bytes, the tensors back to back from offset 0 (here in the order added,
 * which is also their order in the header).  The file is written beside
 * the target under a temporary name, flushed to disk and renamed over it
 * (io/atomic.c). */
#include "grafo/io.h"
#include "core/error.h"
#include "core/strings.h"
#include "io/atomic.h"
#include "io/json_text.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The format stores every number little-endian; so does every machine
 * grafo targets, and bytes are copied as they are. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "safetensors.c assumes a little-endian host");

#define LEN_BYTES 8         /* the header length field */
#define META_KEY "__metadata__"
/* A pipe or device has no size to check against.  The largest checkpoint
 * (GF_ARCH_MAX_PARAMS floats of weights, of two moments and of the best
 * weights: 4 GiB, and a header) fits in this twice. */
#define MAX_STREAM_BYTES ((size_t)1 << 33)
#define SHOW_MAX 64         /* characters of a name or dtype shown in messages */

/* ---- dtypes ------------------------------------------------------------ */

static const struct {
    const char *name;
    size_t size;
} dtypes[] = {
    [GF_DTYPE_F32] = {"F32", 4}, [GF_DTYPE_F64] = {"F64", 8}, [GF_DTYPE_I32] = {"I32", 4},
    [GF_DTYPE_I64] = {"I64", 8}, [GF_DTYPE_U8] = {"U8", 1},
};
_Static_assert(sizeof dtypes / sizeof dtypes[0] == GF_DTYPE_COUNT, "a dtype has no entry");

/* The format's other dtypes: valid in a file, but grafo has no use for
 * them, so they are refused as unsupported rather than unknown. */
static const char *const other_dtypes[] = {
    "BOOL", "F4", "F6_E2M3", "F6_E3M2", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
    "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "U32", "C64", "U64",
};

const char *gf_dtype_name(gf_dtype t)
{
    return (unsigned)t < GF_DTYPE_COUNT ? dtypes[t].name : "?";
}

size_t gf_dtype_size(gf_dtype t)
{
    return (unsigned)t < GF_DTYPE_COUNT ? dtypes[t].size : 0;
}

/* ---- the set ----------------------------------------------------------- */

typedef struct st_entry {
    gf_st_tensor t; /* t.name is `name`; t.data is `own`, or points into the file */
    char *name;
    void *own; /* the data of a tensor added by gf_st_add; NULL when loaded */
    size_t begin, end, order; /* while loading: data_offsets, place in the header */
} st_entry;

typedef struct st_meta {
    char *key, *value;
} st_meta;

struct gf_st {
    st_entry *tensors; /* in file order */
    size_t n, cap;
    st_meta *meta; /* in the order first set (or read) */
    size_t nmeta, metacap;
    unsigned char *file; /* the whole file, when loaded; tensors point into it */
    char *source;        /* the path or source name, for messages; NULL if built */
};

gf_st *gf_st_new(void)
{
    return gf__calloc(1, sizeof(gf_st), "a safetensors set");
}

void gf_st_free(gf_st *st)
{
    if (!st) return;
    for (size_t i = 0; i < st->n; i++) {
        free(st->tensors[i].name);
        free(st->tensors[i].own);
    }
    for (size_t i = 0; i < st->nmeta; i++) {
        free(st->meta[i].key);
        free(st->meta[i].value);
    }
    free(st->tensors);
    free(st->meta);
    free(st->file);
    free(st->source);
    free(st);
}

static char *dup_str(const char *s, const char *what)
{
    size_t n = strlen(s) + 1;
    char *d = gf__malloc(n, what);
    if (d) memcpy(d, s, n);
    return d;
}

/* Make room for one more element in a growing array. */
static bool grow(void **arr, size_t *cap, size_t n, size_t elem, const char *what)
{
    if (n < *cap) return true;
    size_t c = *cap ? 2 * *cap : 8;
    if (c > SIZE_MAX / elem) {
        gf__fail(GF_ERR_NOMEM, "too many %s", what);
        return false;
    }
    void *p = realloc(*arr, c * elem);
    if (!p) {
        gf__fail(GF_ERR_NOMEM, "out of memory growing the list of %s to %zu", what, c);
        return false;
    }
    *arr = p;
    *cap = c;
    return true;
}

size_t gf_st_count(const gf_st *st) { return st ? st->n : 0; }

const gf_st_tensor *gf_st_at(const gf_st *st, size_t i)
{
    return st && i < st->n ? &st->tensors[i].t : NULL;
}

const gf_st_tensor *gf_st_find(const gf_st *st, const char *name)
{
    if (!st || !name) return NULL;
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->tensors[i].name, name) == 0) return &st->tensors[i].t;
    return NULL;
}

static st_meta *find_meta(const gf_st *st, const char *key)
{
    for (size_t i = 0; i < st->nmeta; i++)
        if (strcmp(st->meta[i].key, key) == 0) return &st->meta[i];
    return NULL;
}

const char *gf_st_meta(const gf_st *st, const char *key)
{
    if (!st || !key) return NULL;
    st_meta *m = find_meta(st, key);
    return m ? m->value : NULL;
}

size_t gf_st_meta_count(const gf_st *st) { return st ? st->nmeta : 0; }

const char *gf_st_meta_key(const gf_st *st, size_t i)
{
    return st && i < st->nmeta ? st->meta[i].key : NULL;
}

/* ---- messages ---------------------------------------------------------- */

/* A name from a file, fit for a message: control and non-ASCII bytes as
 * \xNN, cut at SHOW_MAX characters, so a hostile name cannot garble or
 * flood the message. */
typedef struct shown {
    char s[4 * SHOW_MAX + 8];
} shown;

static shown show(const char *name)
{
    shown out;
    size_t o = 0, i = 0;
    for (; name[i] && i < SHOW_MAX; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c >= 0x20 && c < 0x7f)
            out.s[o++] = (char)c;
        else
            o += (size_t)snprintf(out.s + o, sizeof out.s - o, "\\x%02X", c);
    }
    if (name[i]) o += (size_t)snprintf(out.s + o, sizeof out.s - o, "...");
    out.s[o] = '\0';
    return out;
}

/* "F32 [2, 3]" for messages; a scalar is "F32 []". */
typedef struct shape_text {
    char s[GF_ST_MAX_DIMS * 22 + 16];
} shape_text;

static shape_text describe(gf_dtype dtype, int ndim, const int64_t *shape)
{
    shape_text out;
    size_t o = (size_t)snprintf(out.s, sizeof out.s, "%s [", gf_dtype_name(dtype));
    for (int d = 0; d < ndim && d < GF_ST_MAX_DIMS; d++)
        o += (size_t)snprintf(out.s + o, sizeof out.s - o, "%s%lld", d ? ", " : "",
                              (long long)shape[d]);
    snprintf(out.s + o, sizeof out.s - o, "]");
    return out;
}

/* ---- sizes ------------------------------------------------------------- */

/* The element count and byte count of a shape, or false if either
 * overflows.  The product is taken left to right and every step checked,
 * as the reference does, so a file it refuses is refused here too. */
static bool shape_bytes(gf_dtype dtype, int ndim, const int64_t *shape, size_t *count,
                        size_t *bytes)
{
    size_t c = 1;
    for (int d = 0; d < ndim; d++) {
        uint64_t dim = (uint64_t)shape[d];
        if (dim != 0 && c > SIZE_MAX / dim) return false;
        c *= (size_t)dim;
    }
    size_t size = gf_dtype_size(dtype);
    if (c > SIZE_MAX / size) return false;
    *count = c;
    *bytes = c * size;
    return true;
}

/* ---- building ---------------------------------------------------------- */

/* Whether s is valid UTF-8, which JSON strings must be (by jansson's own
 * rules, so the writer cannot fail on it later). */
static bool is_utf8(const char *s) { return gf__utf8_error(s) == NULL; }

gf_status gf_st_add(gf_st *st, const char *name, gf_dtype dtype, int ndim, const int64_t *shape,
                    const void *data)
{
    if (!st || !name) return gf__fail(GF_ERR_ARG, "gf_st_add: st and name must not be NULL");
    if (!*name) return gf__fail(GF_ERR_ARG, "gf_st_add: a tensor name must not be empty");
    shown nm = show(name);
    if (strcmp(name, META_KEY) == 0)
        return gf__fail(GF_ERR_ARG, "gf_st_add: '%s' is reserved for metadata", META_KEY);
    if (!is_utf8(name))
        return gf__fail(GF_ERR_ARG, "gf_st_add: tensor name '%s' is not valid UTF-8", nm.s);
    if (gf_st_find(st, name))
        return gf__fail(GF_ERR_ARG, "gf_st_add: there is already a tensor '%s'", nm.s);
    if ((unsigned)dtype >= GF_DTYPE_COUNT)
        return gf__fail(GF_ERR_ARG, "gf_st_add: tensor '%s': unknown dtype %d", nm.s,
                        (int)dtype);
    if (ndim < 0 || ndim > GF_ST_MAX_DIMS)
        return gf__fail(GF_ERR_ARG, "gf_st_add: tensor '%s': %d dimensions (0 to %d allowed)",
                        nm.s, ndim, GF_ST_MAX_DIMS);
    if (ndim > 0 && !shape)
        return gf__fail(GF_ERR_ARG, "gf_st_add: tensor '%s': shape is NULL", nm.s);
    for (int d = 0; d < ndim; d++)
        if (shape[d] < 0)
            return gf__fail(GF_ERR_ARG, "gf_st_add: tensor '%s': dimension %d is %lld",
                            nm.s, d + 1, (long long)shape[d]);
    size_t count, bytes;
    if (!shape_bytes(dtype, ndim, shape, &count, &bytes))
        return gf__fail(GF_ERR_ARG, "gf_st_add: tensor '%s': the size of %s overflows",
                        nm.s, describe(dtype, ndim, shape).s);
    if (bytes && !data)
        return gf__fail(GF_ERR_ARG, "gf_st_add: tensor '%s': data is NULL", nm.s);

    if (!grow((void **)&st->tensors, &st->cap, st->n, sizeof *st->tensors, "tensors"))
        return GF_ERR_NOMEM;
    st_entry e = {0};
    e.name = dup_str(name, "a tensor name");
    e.own = gf__malloc(bytes, "a tensor's data");
    if (!e.name || !e.own) {
        free(e.name);
        free(e.own);
        return GF_ERR_NOMEM;
    }
    if (bytes) memcpy(e.own, data, bytes);
    e.t.name = e.name;
    e.t.dtype = dtype;
    e.t.ndim = ndim;
    for (int d = 0; d < ndim; d++) e.t.shape[d] = shape[d];
    e.t.count = count;
    e.t.data = e.own;
    st->tensors[st->n++] = e;
    return GF_OK;
}

/* Append a metadata pair, taking ownership of key and value. */
static gf_status push_meta(gf_st *st, char *key, char *value)
{
    if (!grow((void **)&st->meta, &st->metacap, st->nmeta, sizeof *st->meta, "metadata")) {
        free(key);
        free(value);
        return GF_ERR_NOMEM;
    }
    st->meta[st->nmeta++] = (st_meta){key, value};
    return GF_OK;
}

gf_status gf_st_set_meta(gf_st *st, const char *key, const char *value)
{
    if (!st || !key || !value)
        return gf__fail(GF_ERR_ARG, "gf_st_set_meta: st, key and value must not be NULL");
    if (!is_utf8(key))
        return gf__fail(GF_ERR_ARG, "gf_st_set_meta: key '%s' is not valid UTF-8",
                        show(key).s);
    if (!is_utf8(value))
        return gf__fail(GF_ERR_ARG, "gf_st_set_meta: the value of '%s' is not valid UTF-8",
                        show(key).s);
    char *v = dup_str(value, "a metadata value");
    if (!v) return GF_ERR_NOMEM;
    st_meta *m = find_meta(st, key);
    if (m) {
        free(m->value);
        m->value = v;
        return GF_OK;
    }
    char *k = dup_str(key, "a metadata key");
    if (!k) {
        free(v);
        return GF_ERR_NOMEM;
    }
    return push_meta(st, k, v);
}

/* ---- writing ----------------------------------------------------------- */

/* Put *val under key in obj and clear *val: jansson takes the value even
 * when it fails to insert it, so the caller must not free it either way. */
static bool hand_over(json_t *obj, const char *key, json_t **val)
{
    json_t *v = *val;
    *val = NULL;
    return json_object_set_new(obj, key, v) == 0;
}

/* The header JSON, compact, with "__metadata__" first and the tensors in
 * order; jansson keeps an object's keys in insertion order.  *out is a
 * malloc'd string. */
static gf_status header_json(const gf_st *st, const char *path, char **out)
{
    *out = NULL;
    json_t *root = json_object();
    bool ok = root != NULL;
    if (ok && st->nmeta) {
        json_t *meta = json_object();
        ok = meta && json_object_set_new(root, META_KEY, meta) == 0;
        for (size_t i = 0; ok && i < st->nmeta; i++)
            ok = json_object_set_new(meta, st->meta[i].key,
                                     json_string(st->meta[i].value)) == 0;
    }
    size_t offset = 0;
    for (size_t i = 0; ok && i < st->n; i++) {
        const gf_st_tensor *t = &st->tensors[i].t;
        size_t bytes = t->count * gf_dtype_size(t->dtype); /* checked by gf_st_add */
        if (bytes > (size_t)INT64_MAX - offset) {
            json_decref(root);
            return gf__fail(GF_ERR_ARG, "%s: the tensors' total size overflows", path);
        }
        json_t *entry = json_object(), *shape = json_array(), *offs = json_array();
        ok = entry && shape && offs;
        for (int d = 0; ok && d < t->ndim; d++)
            ok = json_array_append_new(shape, json_integer(t->shape[d])) == 0;
        ok = ok && json_array_append_new(offs, json_integer((json_int_t)offset)) == 0 &&
             json_array_append_new(offs, json_integer((json_int_t)(offset + bytes))) == 0 &&
             json_object_set_new(entry, "dtype", json_string(gf_dtype_name(t->dtype))) == 0 &&
             hand_over(entry, "shape", &shape) && hand_over(entry, "data_offsets", &offs) &&
             hand_over(root, t->name, &entry);
        json_decref(shape); /* whatever was not handed over (NULL if it was) */
        json_decref(offs);
        json_decref(entry);
        offset += bytes;
    }
    if (ok) *out = gf__json_text(root, JSON_COMPACT, "the header");
    json_decref(root);
    if (!*out) return gf__fail(GF_ERR_NOMEM, "%s: out of memory building the header", path);
    return GF_OK;
}

typedef struct st_writing {
    const gf_st *st;
    const char *header;
    size_t hlen, padded;
} st_writing;

/* The file's bytes, for gf__atomic_write. */
static bool write_all(FILE *f, void *user)
{
    const st_writing *w = user;
    unsigned char len[LEN_BYTES];
    uint64_t n = w->padded;
    memcpy(len, &n, sizeof len); /* little-endian host */
    static const char spaces[] = "       "; /* the most padding needed: 7 */
    size_t pad = w->padded - w->hlen;
    bool ok = fwrite(len, 1, sizeof len, f) == sizeof len &&
              fwrite(w->header, 1, w->hlen, f) == w->hlen && fwrite(spaces, 1, pad, f) == pad;
    for (size_t i = 0; ok && i < w->st->n; i++) {
        const gf_st_tensor *t = &w->st->tensors[i].t;
        size_t bytes = t->count * gf_dtype_size(t->dtype);
        ok = fwrite(t->data, 1, bytes, f) == bytes;
    }
    return ok;
}

gf_status gf_st_save(const gf_st *st, const char *path)
{
    if (!st || !path || !*path)
        return gf__fail(GF_ERR_ARG, "gf_st_save: st and path must be given");
    char *header;
    gf_status s = header_json(st, path, &header);
    if (s) return s;
    size_t hlen = strlen(header), padded = (hlen + LEN_BYTES - 1) / LEN_BYTES * LEN_BYTES;
    if (padded > GF_ST_MAX_HEADER) {
        free(header);
        return gf__fail(GF_ERR_ARG, "%s: the header would take %zu bytes, over the cap of %u",
                        path, padded, GF_ST_MAX_HEADER);
    }
    st_writing w = { st, header, hlen, padded };
    s = gf__atomic_write(path, write_all, &w);
    free(header);
    return s;
}

/* ---- reading ----------------------------------------------------------- */

/* The header length, the file's first 8 bytes, must be 1 to the cap. */
static gf_status check_header_length(uint64_t n, const char *src)
{
    if (n > GF_ST_MAX_HEADER)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: the header length %llu is over the cap of %u bytes (is this a "
                        "safetensors file?)",
                        src, (unsigned long long)n, GF_ST_MAX_HEADER);
    if (n == 0) return gf__fail(GF_ERR_FORMAT, "%s: the header is empty (its length is 0)", src);
    return GF_OK;
}

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "a JSON value";
}

/* A non-negative JSON integer, as the reference's usize fields demand. */
static bool get_size(const json_t *j, uint64_t *v)
{
    if (!json_is_integer(j) || json_integer_value(j) < 0) return false;
    *v = (uint64_t)json_integer_value(j);
    return true;
}

/* What a value that should have been a non-negative integer was. */
typedef struct found_text {
    char s[64];
} found_text;

static found_text found(const json_t *j)
{
    found_text out;
    if (json_is_integer(j))
        snprintf(out.s, sizeof out.s, "%lld", (long long)json_integer_value(j));
    else if (json_is_real(j))
        snprintf(out.s, sizeof out.s, "the real number %.17g", json_real_value(j));
    else
        snprintf(out.s, sizeof out.s, "%s", json_kind(j));
    return out;
}

static gf_status parse_dtype(const char *src, const char *name, const json_t *j, gf_dtype *out)
{
    shown nm = show(name);
    if (!j) return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s' has no \"dtype\"", src, nm.s);
    if (!json_is_string(j))
        return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s': \"dtype\" is %s, not a string", src,
                        nm.s, json_kind(j));
    const char *d = json_string_value(j);
    for (int t = 0; t < GF_DTYPE_COUNT; t++)
        if (strcmp(d, dtypes[t].name) == 0) {
            *out = (gf_dtype)t;
            return GF_OK;
        }
    for (size_t i = 0; i < sizeof other_dtypes / sizeof other_dtypes[0]; i++)
        if (strcmp(d, other_dtypes[i]) == 0)
            return gf__fail(GF_ERR_FORMAT,
                            "%s: unsupported dtype %s in tensor '%s' (grafo reads F32, F64, "
                            "I32, I64 and U8)",
                            src, d, nm.s);
    return gf__fail(GF_ERR_FORMAT, "%s: unknown dtype '%s' in tensor '%s'", src, show(d).s,
                    nm.s);
}

static gf_status parse_shape(const char *src, const char *name, const json_t *j,
                             gf_st_tensor *t)
{
    shown nm = show(name);
    if (!j) return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s' has no \"shape\"", src, nm.s);
    if (!json_is_array(j))
        return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s': \"shape\" is %s, not an array", src,
                        nm.s, json_kind(j));
    size_t nd = json_array_size(j);
    if (nd > GF_ST_MAX_DIMS)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: tensor '%s': the shape has %zu dimensions, more than the %d "
                        "grafo reads",
                        src, nm.s, nd, GF_ST_MAX_DIMS);
    for (size_t d = 0; d < nd; d++) {
        const json_t *dim = json_array_get(j, d);
        uint64_t v;
        if (!get_size(dim, &v))
            return gf__fail(GF_ERR_FORMAT,
                            "%s: tensor '%s': dimension %zu of the shape is %s, not a "
                            "non-negative integer",
                            src, nm.s, d + 1, found(dim).s);
        t->shape[d] = (int64_t)v;
    }
    t->ndim = (int)nd;
    return GF_OK;
}

static gf_status parse_offsets(const char *src, const char *name, const json_t *j,
                               uint64_t *begin, uint64_t *end)
{
    shown nm = show(name);
    if (!j)
        return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s' has no \"data_offsets\"", src, nm.s);
    if (!json_is_array(j))
        return gf__fail(GF_ERR_FORMAT,
                        "%s: tensor '%s': \"data_offsets\" is %s, not an array [begin, end]",
                        src, nm.s, json_kind(j));
    if (json_array_size(j) != 2)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: tensor '%s': \"data_offsets\" has %zu entries, not 2 (begin, "
                        "end)",
                        src, nm.s, json_array_size(j));
    const json_t *b = json_array_get(j, 0), *e = json_array_get(j, 1);
    if (!get_size(b, begin))
        return gf__fail(GF_ERR_FORMAT,
                        "%s: tensor '%s': the begin offset is %s, not a non-negative integer",
                        src, nm.s, found(b).s);
    if (!get_size(e, end))
        return gf__fail(GF_ERR_FORMAT,
                        "%s: tensor '%s': the end offset is %s, not a non-negative integer",
                        src, nm.s, found(e).s);
    return GF_OK;
}

/* One tensor entry of the header, checked on its own: its place among the
 * others is checked once all are read. */
static gf_status parse_tensor(gf_st *st, const char *name, const json_t *j, size_t datalen,
                              st_entry *e)
{
    const char *src = st->source;
    shown nm = show(name);
    if (!*name) return gf__fail(GF_ERR_FORMAT, "%s: a tensor has an empty name", src);
    if (!json_is_object(j))
        return gf__fail(GF_ERR_FORMAT,
                        "%s: tensor '%s' is %s, not an object {\"dtype\", \"shape\", "
                        "\"data_offsets\"}",
                        src, nm.s, json_kind(j));
    gf_st_tensor *t = &e->t;
    uint64_t begin = 0, end = 0;
    gf_status s = parse_dtype(src, name, json_object_get(j, "dtype"), &t->dtype);
    if (!s) s = parse_shape(src, name, json_object_get(j, "shape"), t);
    if (!s) s = parse_offsets(src, name, json_object_get(j, "data_offsets"), &begin, &end);
    if (s) return s;
    size_t bytes;
    if (!shape_bytes(t->dtype, t->ndim, t->shape, &t->count, &bytes))
        return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s': the size of %s overflows", src, nm.s,
                        describe(t->dtype, t->ndim, t->shape).s);
    if (begin > end)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: tensor '%s': data_offsets [%llu, %llu] are reversed", src, nm.s,
                        (unsigned long long)begin, (unsigned long long)end);
    if (end > datalen)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: tensor '%s': data_offsets [%llu, %llu] run past the end of the "
                        "data (%zu bytes)",
                        src, nm.s, (unsigned long long)begin, (unsigned long long)end, datalen);
    if (end - begin != bytes)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: tensor '%s': %s takes %zu bytes, but data_offsets [%llu, %llu] "
                        "span %llu",
                        src, nm.s, describe(t->dtype, t->ndim, t->shape).s, bytes,
                        (unsigned long long)begin, (unsigned long long)end,
                        (unsigned long long)(end - begin));
    e->name = dup_str(name, "a tensor name");
    if (!e->name) return GF_ERR_NOMEM;
    t->name = e->name;
    e->begin = (size_t)begin;
    e->end = (size_t)end;
    return GF_OK;
}

static gf_status parse_meta(gf_st *st, const json_t *j)
{
    const char *src = st->source;
    if (!json_is_object(j))
        return gf__fail(GF_ERR_FORMAT, "%s: \"%s\" is %s, not an object of strings", src,
                        META_KEY, json_kind(j));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)j, key, v) {
        if (!json_is_string(v))
            return gf__fail(GF_ERR_FORMAT, "%s: metadata '%s' is %s, not a string", src,
                            show(key).s, json_kind(v));
        char *k = dup_str(key, "a metadata key"), *val = dup_str(json_string_value(v),
                                                                   "a metadata value");
        if (!k || !val) {
            free(k);
            free(val);
            return GF_ERR_NOMEM;
        }
        gf_status s = push_meta(st, k, val);
        if (s) return s;
    }
    return GF_OK;
}

/* File order: by data offsets, as the reference sorts them; empty tensors
 * sharing an offset keep their order in the header. */
static int by_offsets(const void *a, const void *b)
{
    const st_entry *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* The tensors, sorted, must tile the data: each begins where the one
 * before it ended, the first at 0 and the last ending with the file. */
static gf_status check_coverage(const gf_st *st, size_t datalen)
{
    size_t at = 0;
    for (size_t i = 0; i < st->n; i++) {
        const st_entry *e = &st->tensors[i];
        if (e->begin < at)
            return gf__fail(GF_ERR_FORMAT,
                            "%s: tensor '%s' (data_offsets [%zu, %zu]) overlaps tensor '%s', "
                            "which ends at %zu",
                            st->source, show(e->name).s, e->begin, e->end,
                            show(st->tensors[i - 1].name).s, at);
        if (e->begin > at)
            return gf__fail(GF_ERR_FORMAT,
                            "%s: bytes %zu to %zu of the data belong to no tensor (a gap "
                            "before tensor '%s', which begins at %zu)",
                            st->source, at, e->begin, show(e->name).s, e->begin);
        at = e->end;
    }
    if (at != datalen)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: bytes %zu to %zu of the data belong to no tensor (after the last "
                        "tensor's end)",
                        st->source, at, datalen);
    return GF_OK;
}

/* Parse the header of st->file (len bytes) into st. */
static gf_status parse_file(gf_st *st, size_t len)
{
    const char *src = st->source;
    const unsigned char *buf = st->file;
    if (len < LEN_BYTES)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: %zu bytes are too few for a safetensors file (the header length "
                        "alone takes %d)",
                        src, len, LEN_BYTES);
    uint64_t n;
    memcpy(&n, buf, sizeof n); /* little-endian host */
    gf_status s = check_header_length(n, src);
    if (s) return s;
    if (n > len - LEN_BYTES)
        return gf__fail(GF_ERR_FORMAT,
                        "%s: the header length %llu is more than the %zu bytes after it (is "
                        "the file truncated?)",
                        src, (unsigned long long)n, len - LEN_BYTES);
    const char *header = (const char *)buf + LEN_BYTES;
    if (header[0] != '{')
        return gf__fail(GF_ERR_FORMAT,
                        "%s: the header does not start with '{' (its first byte is 0x%02X)",
                        src, (unsigned)(unsigned char)header[0]);
    size_t datalen = len - LEN_BYTES - (size_t)n;

    json_error_t err;
    json_t *root = NULL;
    s = gf__json_parse(header, (size_t)n, JSON_REJECT_DUPLICATES, "the header", &root,
                                 &err);
    if (s == GF_ERR_NOMEM) gf__errctx("%s", src);
    if (s == GF_ERR_FORMAT)
        gf__fail(GF_ERR_FORMAT, "%s: the header is not valid JSON: %s (header line %d, column %d)",
                 src, err.text, err.line, err.column);
    if (s) return s;
    if (!json_is_object(root))
        s = gf__fail(GF_ERR_FORMAT, "%s: the header is %s, not an object", src,
                     json_kind(root));
    size_t entries = json_is_object(root) ? json_object_size(root) : 0;
    if (!s && entries) {
        st->tensors = gf__calloc(entries, sizeof *st->tensors, "the tensors");
        if (!st->tensors) s = GF_ERR_NOMEM;
        st->cap = entries;
    }
    const char *key;
    json_t *v;
    if (!s) json_object_foreach(root, key, v) {
        if (strcmp(key, META_KEY) == 0) {
            s = parse_meta(st, v);
        } else {
            st_entry *e = &st->tensors[st->n];
            e->order = st->n;
            s = parse_tensor(st, key, v, datalen, e);
            if (!s) st->n++;
            else free(e->name);
        }
        if (s) break;
    }
    json_decref(root);
    if (s) return s;

    if (st->n) qsort(st->tensors, st->n, sizeof *st->tensors, by_offsets);
    s = check_coverage(st, datalen);
    if (s) return s;
    const unsigned char *data = buf + LEN_BYTES + n;
    for (size_t i = 0; i < st->n; i++) st->tensors[i].t.data = data + st->tensors[i].begin;
    return GF_OK;
}

/* Parse a whole file held in `file` (malloc'd; taken over, freed on
 * failure). */
static gf_status parse_owned(unsigned char *file, size_t len, const char *source, gf_st **out)
{
    gf_st *st = gf_st_new();
    if (!st) {
        free(file);
        return GF_ERR_NOMEM;
    }
    st->file = file;
    st->source = dup_str(source, "a source name");
    gf_status s = st->source ? parse_file(st, len) : GF_ERR_NOMEM;
    if (s) {
        gf_st_free(st);
        return s;
    }
    *out = st;
    return GF_OK;
}

gf_status gf_st_parse(const void *bytes, size_t len, const char *source, gf_st **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "gf_st_parse: out must not be NULL");
    *out = NULL;
    if (!source) source = "safetensors data";
    if (!bytes && len)
        return gf__fail(GF_ERR_ARG, "%s: gf_st_parse: bytes is NULL", source);
    unsigned char *copy = gf__malloc(len, "a copy of the safetensors data");
    if (!copy) return GF_ERR_NOMEM;
    if (len) memcpy(copy, bytes, len);
    return parse_owned(copy, len, source, out);
}

/* Read all of fd.  The buffer starts at the file's size (plus one byte, to
 * see the end without another pass) and grows only as data arrive. */
static gf_status read_all(int fd, const char *path, unsigned char **out, size_t *len)
{
    struct stat sb;
    size_t cap = 1 << 16, limit = MAX_STREAM_BYTES;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 &&
        (uint64_t)sb.st_size < SIZE_MAX) {
        cap = (size_t)sb.st_size + 1;
        limit = SIZE_MAX; /* a file's size is its own bound */
    }
    unsigned char *buf = gf__malloc(cap, "the file's contents");
    if (!buf) return GF_ERR_NOMEM;
    size_t n = 0;
    for (;;) {
        if (n == cap && n > limit) {
            free(buf);
            return gf__fail(GF_ERR_FORMAT, "%s: a stream (not a regular file) of more than "
                            "%zu GiB is refused", path, limit >> 30);
        }
        if (n == cap) {
            size_t c = cap <= SIZE_MAX / 2 ? 2 * cap : SIZE_MAX;
            if (c > limit) c = limit + 1; /* filling limit + 1 bytes proves it too long */
            unsigned char *p = c > cap ? realloc(buf, c) : NULL;
            if (!p) {
                free(buf);
                return gf__fail(GF_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, c);
            }
            buf = p;
            cap = c;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return gf__fail(GF_ERR_IO, "%s: cannot read: %s", path, strerror(e));
        }
        if (r == 0) break;
        size_t before = n;
        n += (size_t)r;
        /* a stream could go on for ever: stop at once if its first bytes
         * cannot be a header length */
        if (limit != SIZE_MAX && before < LEN_BYTES && n >= LEN_BYTES) {
            uint64_t hlen;
            memcpy(&hlen, buf, sizeof hlen);
            gf_status s = check_header_length(hlen, path);
            if (s) {
                free(buf);
                return s;
            }
        }
    }
    *out = buf;
    *len = n;
    return GF_OK;
}

gf_status gf_st_load(const char *path, gf_st **out)
{
    if (!out) return gf__fail(GF_ERR_ARG, "gf_st_load: out must not be NULL");
    *out = NULL;
    if (!path) return gf__fail(GF_ERR_ARG, "gf_st_load: path must not be NULL");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return gf__fail(GF_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char *buf = NULL;
    size_t len = 0;
    gf_status s = read_all(fd, path, &buf, &len);
    close(fd);
    if (s) return s;
    return parse_owned(buf, len, path, out);
}

/* ---- reading a tensor out ---------------------------------------------- */

gf_status gf_st_read_tensor(const gf_st *st, const char *name, gf_dtype dtype, int ndim,
                            const int64_t *shape, void *dst)
{
    if (!st || !name)
        return gf__fail(GF_ERR_ARG, "gf_st_read_tensor: st and name must not be NULL");
    if (ndim < 0 || ndim > GF_ST_MAX_DIMS || (ndim > 0 && !shape))
        return gf__fail(GF_ERR_ARG, "gf_st_read_tensor: tensor '%s': bad shape (%d dimensions)",
                        show(name).s, ndim);
    const char *src = st->source ? st->source : "tensors in memory";
    const gf_st_tensor *t = gf_st_find(st, name);
    if (!t)
        return gf__fail(GF_ERR_FORMAT, "%s: no tensor '%s' (expected %s)", src, show(name).s,
                        describe(dtype, ndim, shape).s);
    bool same = t->dtype == dtype && t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++) same = t->shape[d] == shape[d];
    if (!same)
        return gf__fail(GF_ERR_FORMAT, "%s: tensor '%s': expected %s, found %s", src,
                        show(name).s, describe(dtype, ndim, shape).s,
                        describe(t->dtype, t->ndim, t->shape).s);
    size_t bytes = t->count * gf_dtype_size(t->dtype);
    if (bytes && !dst)
        return gf__fail(GF_ERR_ARG, "gf_st_read_tensor: tensor '%s': dst is NULL",
                        show(name).s);
    if (bytes) memcpy(dst, t->data, bytes);
    return GF_OK;
}
