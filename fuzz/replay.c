/* Runs saved inputs through a fuzz target without libFuzzer, so the normal
 * suite (and its sanitizer build) replays the seed corpus and every input
 * that once crashed.  Arguments are files or directories of files. */
#include "fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

static long replayed;

/* The file's `size` bytes in a buffer of exactly that size, so a harness
 * that reads past its input is caught here as libFuzzer would catch it. */
static int replay_file(const char *path, size_t size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(size ? size : 1);
    int bad = !f || !buf || fread(buf, 1, size, f) != size;
    if (f) fclose(f);
    if (bad) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, size);
    free(buf);
    replayed++;
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such file or directory: %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) return replay_file(path, (size_t)st.st_size);
    struct dirent **names;
    int n = scandir(path, &names, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s\n", path);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char child[4096];
        if (names[i]->d_name[0] != '.' &&
            snprintf(child, sizeof child, "%s/%s", path, names[i]->d_name) < (int)sizeof child)
            rc |= replay(child);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++) rc |= replay(argv[i]);
    printf("replayed %ld inputs\n", replayed);
    return rc || replayed == 0;
}
