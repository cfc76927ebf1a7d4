/* For readers that take a path (IDX through zlib's gzopen): the bytes go
 * into an in-memory file, named by its /proc/self/fd path, so each input
 * costs a write rather than a disk file. */
#ifndef GF_FUZZ_MEMFILE_H
#define GF_FUZZ_MEMFILE_H

#include <sys/mman.h>
#include <unistd.h>

static const char *memfile(const void *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("grafo-fuzz", 0);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) abort();
    return path;
}

#endif
