/* Atomic file writing: a temporary file beside the target, written,
 * flushed to disk and renamed over it.  A rename within one file system
 * replaces the name in one step, so a reader (or a crash) sees the old
 * file or the new one, never a mixture. */
#include "io/atomic.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The mode a new file would get (0666 less the umask), or the target's
 * own if it exists, since mkstemp creates the temporary file as 0600.  The
 * umask is read from /proc: setting it to read it back would race with
 * other threads creating files. */
static mode_t target_mode(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0) return sb.st_mode & 07777;
    unsigned mask = 022;
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "Umask: %o", &mask) == 1) break;
        fclose(f);
    }
    return 0666 & ~(mode_t)mask;
}

/* "<dir>/.<base>.XXXXXX": a hidden name beside the target, so the rename
 * stays within one file system. */
static char *temp_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0, len = strlen(path);
    char *t = gf__malloc(len + 9, "a temporary file name");
    if (!t) return NULL;
    memcpy(t, path, dirlen);
    snprintf(t + dirlen, len + 9 - dirlen, ".%s.XXXXXX", path + dirlen);
    return t;
}

/* Write the whole file through fd (the temporary file) and close it.  On
 * failure *step says what failed and errno why. */
static bool write_temp(int fd, mode_t mode, gf__write_fn fill, void *user, const char **step)
{
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
        *step = "opening the temporary file";
        return false;
    }
    bool ok = false;
    errno = 0;
    if (!fill(f, user) || fflush(f) != 0 || ferror(f)) {
        if (errno == 0) errno = EIO; /* a writer that failed without saying why */
        *step = "writing the temporary file";
    } else if (fchmod(fileno(f), mode) != 0) {
        *step = "setting the temporary file's mode";
    } else if (fsync(fileno(f)) != 0) {
        *step = "flushing the temporary file to disk";
    } else {
        ok = true;
    }
    int e = errno;
    if (fclose(f) != 0 && ok) {
        e = errno;
        *step = "closing the temporary file";
        ok = false;
    }
    errno = e;
    return ok;
}

/* After the rename, make it durable by syncing the directory.  The file is
 * complete and in place already, so a failure here fails nothing. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) + 1 : 1;
    char *dir = malloc(len + 1); /* not gf__malloc: the save has not failed if this does */
    if (!dir) return;
    memcpy(dir, slash ? path : ".", len);
    dir[len] = '\0';
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(dir);
}

/* The file a save replaces.  Only a regular file may be replaced: renaming
 * over a device, a pipe or a directory would destroy it, and renaming over a
 * symbolic link would replace the link instead of the file it names, so a
 * link is followed to its file.  *real is a new string to free. */
static gf_status save_target(const char *path, char **real)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return gf__fail(GF_ERR_IO, "%s: cannot save: %s", path, strerror(errno));
        *real = gf__strdup(path, "a file name"); /* a new file */
    } else if (!S_ISREG(sb.st_mode)) {
        return gf__fail(GF_ERR_ARG, "%s: cannot save: it exists and is not a regular file "
                        "(saving would replace it)", path);
    } else {
        /* Into a buffer, not realpath(path, NULL): the copy is then grafo's own. */
        char buf[PATH_MAX];
        if (!realpath(path, buf))
            return gf__fail(GF_ERR_IO, "%s: cannot save: resolving its path: %s", path,
                            strerror(errno));
        *real = gf__strdup(buf, "a file name");
    }
    return *real ? GF_OK : gf__fail(GF_ERR_NOMEM, "%s: cannot save: out of memory", path);
}

gf_status gf__atomic_write(const char *path, gf__write_fn fill, void *user)
{
    if (!path || !*path || !fill)
        return gf__fail(GF_ERR_ARG, "saving a file: no path or no writer");
    char *real = NULL;
    gf_status s = save_target(path, &real);
    if (s) return s;
    char *tmp = temp_template(real);
    if (!tmp) {
        free(real);
        return GF_ERR_NOMEM;
    }
    mode_t mode = target_mode(real);
    const char *step = "creating a temporary file in its directory";
    int fd = mkstemp(tmp);
    bool ok = fd >= 0;
    if (ok) {
        ok = write_temp(fd, mode, fill, user, &step);
        if (ok && rename(tmp, real) != 0) {
            step = "renaming the temporary file over it";
            ok = false;
        }
        if (!ok) {
            int e = errno;
            unlink(tmp);
            errno = e;
        }
    }
    /* Messages name the path the caller gave, not the resolved one. */
    if (!ok) s = gf__fail(GF_ERR_IO, "%s: cannot save: %s failed: %s", path, step,
                          strerror(errno));
    else sync_dir(real);
    free(tmp);
    free(real);
    return s;
}
