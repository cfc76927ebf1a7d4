/* grafo/io.h — safetensors files: named tensors and string metadata.
 *
 * The format (https://huggingface.co/docs/safetensors): an 8-byte
 * little-endian length N, N bytes of JSON header, then the tensors' raw
 * little-endian bytes.  The header maps each tensor's name to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the bytes
 * after the header) and may hold "__metadata__", a map of strings.  Files
 * written here open in PyTorch's and NumPy's readers as they are.
 *
 * Writing is atomic: a temporary file in the same directory, flushed, then
 * renamed over the target, so a crash never leaves half a file.  Reading
 * checks everything before trusting it: the header length against the file,
 * the JSON (duplicate keys refused), every dtype, shape and offset, that the
 * shape's byte count equals the offsets' span, and that the tensors cover
 * the data exactly without overlap.  Errors name the file and the tensor. */
#ifndef GRAFO_IO_H
#define GRAFO_IO_H

#include "grafo/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gf_dtype {
    GF_DTYPE_F32, /* "F32" */
    GF_DTYPE_F64, /* "F64" */
    GF_DTYPE_I32, /* "I32" */
    GF_DTYPE_I64, /* "I64" */
    GF_DTYPE_U8,  /* "U8" */
    GF_DTYPE_COUNT
} gf_dtype;

/* The dtype's name in files ("F32", ...); "?" for a value out of range.
 * Static: never freed. */
const char *gf_dtype_name(gf_dtype t);
/* Bytes per element (4, 8, 4, 8, 1); 0 for a value out of range. */
size_t gf_dtype_size(gf_dtype t);

#define GF_ST_MAX_DIMS 8
/* Header lengths above this are refused (the reference reader's cap). */
#define GF_ST_MAX_HEADER 100000000u

typedef struct gf_st gf_st; /* a set of tensors and metadata in memory */

/* A tensor as stored.  `data` is borrowed and may be unaligned: copy it out
 * with gf_st_read_tensor or memcpy. */
typedef struct gf_st_tensor {
    const char *name;
    gf_dtype dtype;
    int ndim;
    int64_t shape[GF_ST_MAX_DIMS];
    size_t count;        /* product of the shape */
    const void *data;    /* count * gf_dtype_size(dtype) bytes */
} gf_st_tensor;

gf_st *gf_st_new(void); /* empty; NULL (GF_ERR_NOMEM recorded) on failure */
void gf_st_free(gf_st *st); /* frees every tensor, name and string; NULL is fine */

/* Add a tensor (name and count * gf_dtype_size(dtype) bytes of data copied;
 * ndim 0 is a scalar of one element; data may be NULL when a dimension is
 * 0).  Names must be unique, non-empty, valid UTF-8 and not "__metadata__";
 * ndim is 0..GF_ST_MAX_DIMS, dimensions are >= 0 and their byte count must
 * not overflow; dtype is one of the enum.  Otherwise GF_ERR_ARG (also for
 * st or name NULL), and the set is unchanged; GF_ERR_NOMEM likewise. */
gf_status gf_st_add(gf_st *st, const char *name, gf_dtype dtype, int ndim, const int64_t *shape,
                    const void *data);
/* Set a metadata string (both copied; a key set twice keeps the last value
 * and its first place).  Both must be non-NULL valid UTF-8, else
 * GF_ERR_ARG; GF_ERR_NOMEM. */
gf_status gf_st_set_meta(gf_st *st, const char *key, const char *value);

/* Write atomically to path; tensors are laid out in the order added, from
 * offset 0, after a compact header ("__metadata__" first, if any, padded
 * with spaces to a multiple of 8 bytes, as the reference writer does).  A
 * new file gets mode 0666 less the umask; a replaced one keeps its mode.
 * Only a regular file is replaced; a symbolic link is followed and the file
 * it names replaced (the link stays).
 * GF_ERR_ARG for st or path NULL, an empty path, a path that exists and is
 * not a regular file (a directory, device or pipe), or a header above
 * GF_ST_MAX_HEADER; GF_ERR_NOMEM; GF_ERR_IO naming the path, the step and
 * the system's error if writing fails; the temporary file is then removed
 * and an existing file at path is left as it was. */
gf_status gf_st_save(const gf_st *st, const char *path);
/* Read and validate a file; *out (caller frees with gf_st_free) is NULL on
 * failure: GF_ERR_ARG for path or out NULL, GF_ERR_IO if it cannot be
 * read, GF_ERR_NOMEM, GF_ERR_FORMAT naming the file, the tensor and the
 * problem if it breaks any rule above (a header over GF_ST_MAX_HEADER
 * included).  Tensors of the
 * format's other dtypes (BF16, F16, ...) are refused as unsupported.
 * Unknown fields in a tensor's entry are ignored, as the reference reader
 * ignores them; an empty tensor name is refused.  Tensors are listed in
 * file order: by their data offsets, empty tensors sharing an offset in
 * header order. */
gf_status gf_st_load(const char *path, gf_st **out);
/* The same on bytes in memory (copied: the set does not borrow them; bytes
 * may be NULL when len is 0); `source` names them in messages (NULL:
 * "safetensors data"). */
gf_status gf_st_parse(const void *bytes, size_t len, const char *source, gf_st **out);

/* Lookups.  Every pointer returned is borrowed from st and lives until
 * gf_st_free, except that gf_st_add may move gf_st_tensor records (look
 * them up again after it) and setting a key again frees its old value.
 * Out-of-range indices and NULL give NULL or 0. */
size_t gf_st_count(const gf_st *st);
const gf_st_tensor *gf_st_at(const gf_st *st, size_t i);        /* in file order */
const gf_st_tensor *gf_st_find(const gf_st *st, const char *name); /* NULL if absent */
const char *gf_st_meta(const gf_st *st, const char *key);        /* NULL if absent */
size_t gf_st_meta_count(const gf_st *st);
const char *gf_st_meta_key(const gf_st *st, size_t i); /* in file (or set) order */

/* Copy tensor `name` into dst, after checking that it exists with this
 * dtype and shape; otherwise GF_ERR_FORMAT naming the file, the tensor, and
 * what was expected and found ("m.safetensors: tensor 'coef': expected
 * F64 [1, 3], found F32 [3]").  dst holds the product of shape elements
 * (any alignment; NULL only for an empty tensor).  GF_ERR_ARG for a NULL
 * st, name or (non-empty) dst, or an ndim outside 0..GF_ST_MAX_DIMS, or
 * shape NULL with ndim > 0; an absent tensor is GF_ERR_FORMAT. */
gf_status gf_st_read_tensor(const gf_st *st, const char *name, gf_dtype dtype, int ndim,
                            const int64_t *shape, void *dst);

#ifdef __cplusplus
}
#endif
#endif
