/* Internal: a whole text file in memory, plain or gzipped, for the readers
 * that parse text (CSV, libsvm). */
#ifndef GF_DATA_READFILE_H
#define GF_DATA_READFILE_H

#include "grafo/base.h"

#include <stddef.h>
#include <zlib.h>

/* The largest file (after decompression) the text readers accept: 1 GiB.
 * A table that large belongs in a binary format; the cap also stops a small
 * gzip bomb from filling memory. */
#define GF_READFILE_MAX ((size_t)1 << 30)

/* Read all of `path` into *data (from malloc, with a '\0' after the last
 * byte so it can be scanned as a string; the caller frees it) and its
 * length, not counting that '\0', into *len.  gzip content is recognised and
 * decompressed (zlib's gzread passes plain files through).  Errors:
 * GF_ERR_IO when the file cannot be opened or read (the message names the
 * path and the system's reason), GF_ERR_FORMAT for a damaged or truncated
 * gzip stream or a file above GF_READFILE_MAX, GF_ERR_NOMEM. */
gf_status gf__read_file(const char *path, char **data, size_t *len);

/* The status and message for the error state of a stream opened on
 * `path`, given the errno saved right after the failing call:
 * GF_ERR_IO for a failed read, GF_ERR_NOMEM, or GF_ERR_FORMAT for a
 * damaged or cut-off gzip stream. */
gf_status gf__gz_fail(gzFile gz, const char *path, int saved_errno);

#endif
