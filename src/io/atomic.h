/* Internal: writing a file so that a crash never leaves half of it, shared
 * by every writer in the io layer (safetensors, history files). */
#ifndef GF_IO_ATOMIC_H
#define GF_IO_ATOMIC_H

#include <stdbool.h>
#include <stdio.h>

#include "grafo/base.h"

/* Writes the whole content to f.  Returns false if writing failed, with
 * errno saying why (stdio sets it); the caller then gives up the file. */
typedef bool (*gf__write_fn)(FILE *f, void *user);

/* Write path atomically: `fill` writes a temporary file beside path (the
 * same directory, so the rename stays within one file system), which is
 * flushed, given the mode a new file would get (0666 less the umask) or
 * the replaced file's own, fsynced, and renamed over path; the directory
 * is then synced.  Only a regular file is replaced; a symbolic link is
 * followed and the file it names replaced (the link stays).
 * GF_ERR_ARG for path NULL or empty, or a path that exists and is not a
 * regular file (a directory, device or pipe); GF_ERR_NOMEM; GF_ERR_IO
 * "PATH: cannot save: STEP failed: REASON" if a step fails, the temporary
 * file then removed and an existing file at path left as it was. */
gf_status gf__atomic_write(const char *path, gf__write_fn fill, void *user);

#endif
