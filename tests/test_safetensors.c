/* Tests for safetensors files (grafo/io.h): round trips of every dtype,
 * a scalar and an empty tensor; metadata; the exact bytes of a small file;
 * atomic saving (a failed save leaves the old file and no temporary file);
 * every way a file can be hostile, each checked for a clean failure and a
 * message naming the source and the tensor; and every byte of a valid file
 * flipped.  `test_safetensors --write PATH` writes the reference file that
 * test_safetensors_numpy.sh reads with NumPy. */
#include "grafo/io.h"

#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the temporary directory ---------------------------------------------- */

static char tmpdir[] = "/tmp/grafo_test_st_XXXXXX";
#define PATH_LEN 512

static const char *tpath(char *p, const char *name)
{
    snprintf(p, PATH_LEN, "%s/%s", tmpdir, name);
    return p;
}

/* Remove tmpdir and what is in it, one level of subdirectories deep. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char p[PATH_LEN];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (unlink(p) != 0) remove_tree(p);
    }
    closedir(d);
    rmdir(dir);
}

/* The names in tmpdir (hidden ones too), sorted and joined by spaces. */
static const char *listing(void)
{
    static char out[1024];
    char names[32][256];
    int n = 0;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && n < 32)
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    if (d) closedir(d);
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n && used < sizeof out; i++)
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%s", i ? " " : "", names[i]);
    return out;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void spit(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f) return;
    fwrite(bytes, 1, len, f);
    fclose(f);
}

/* gf_st_load from a pipe that a child process fills with bytes[0..n),
 * and then, if `endless`, with those bytes again and again until the
 * reader closes it (as /dev/zero or `yes` would). */
static gf_status load_piped(const unsigned char *bytes, size_t n, int endless, gf_st **out)
{
    int fds[2];
    if (pipe(fds) != 0) return GF_ERR_IO;
    pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        signal(SIGPIPE, SIG_IGN);
        do {
            for (size_t done = 0; done < n;) {
                ssize_t w = write(fds[1], bytes + done, n - done);
                if (w <= 0) _exit(endless && errno == EPIPE ? 0 : 1);
                done += (size_t)w;
            }
        } while (endless);
        _exit(0);
    }
    close(fds[1]);
    char fd_path[64];
    snprintf(fd_path, sizeof fd_path, "/dev/fd/%d", fds[0]);
    gf_status s = child > 0 ? gf_st_load(fd_path, out) : GF_ERR_IO;
    close(fds[0]);
    int status = 1;
    CHECK(child > 0 && waitpid(child, &status, 0) == child && status == 0,
          "the pipe's writer failed");
    return s;
}

/* ---- the reference set ---------------------------------------------------- */

/* Element i of every tensor of the reference file, by dtype; the NumPy
 * script computes the same values. */
static double ref_float(size_t i) { return (double)i * 0.5 - 3; }
static int32_t ref_i32(size_t i) { return ((int32_t)i - 3) * 1000003; }
static int64_t ref_i64(size_t i) { return ((int64_t)i - 2) * 3000000007LL; }
static uint8_t ref_u8(size_t i) { return (uint8_t)((i * 37) % 256); }

/* Fill n elements of a dtype with the reference values. */
static void ref_fill(gf_dtype t, size_t n, void *dst)
{
    for (size_t i = 0; i < n; i++) {
        switch (t) {
        case GF_DTYPE_F32: ((float *)dst)[i] = (float)ref_float(i); break;
        case GF_DTYPE_F64: ((double *)dst)[i] = ref_float(i); break;
        case GF_DTYPE_I32: ((int32_t *)dst)[i] = ref_i32(i); break;
        case GF_DTYPE_I64: ((int64_t *)dst)[i] = ref_i64(i); break;
        case GF_DTYPE_U8: ((uint8_t *)dst)[i] = ref_u8(i); break;
        default: break;
        }
    }
}

typedef struct ref_tensor {
    const char *name;
    gf_dtype dtype;
    int ndim;
    int64_t shape[3];
    size_t count;
} ref_tensor;

/* The U8 tensor comes early so the wider ones after it are unaligned. */
static const ref_tensor ref_tensors[] = {
    {"weights.f32", GF_DTYPE_F32, 2, {2, 3}, 6},
    {"bytes.u8", GF_DTYPE_U8, 1, {7}, 7},
    {"values.f64", GF_DTYPE_F64, 1, {5}, 5},
    {"counts.i32", GF_DTYPE_I32, 2, {3, 1}, 3},
    {"big.i64", GF_DTYPE_I64, 3, {2, 1, 2}, 4},
    {"scalar.f64", GF_DTYPE_F64, 0, {0}, 1},
    {"empty.f32", GF_DTYPE_F32, 2, {0, 3}, 0},
};
#define N_REF (sizeof ref_tensors / sizeof ref_tensors[0])

static const char *const ref_meta[][2] = {
    {"format", "grafo"},
    {"kind", "reference"},
    {"note", "caf\xC3\xA9 \xE2\x9C\x93 \"quoted\" back\\slash"},
};
#define N_META (sizeof ref_meta / sizeof ref_meta[0])

static gf_st *make_reference(void)
{
    gf_st *st = gf_st_new();
    unsigned char buf[256];
    for (size_t i = 0; i < N_REF; i++) {
        const ref_tensor *r = &ref_tensors[i];
        ref_fill(r->dtype, r->count, buf);
        gf_status s = gf_st_add(st, r->name, r->dtype, r->ndim, r->shape, buf);
        CHECK(s == GF_OK, "adding %s: %s", r->name, gf_errmsg());
    }
    for (size_t i = 0; i < N_META; i++)
        CHECK(gf_st_set_meta(st, ref_meta[i][0], ref_meta[i][1]) == GF_OK, "%s", gf_errmsg());
    return st;
}

/* Everything in st is the reference set, in its order. */
static void check_reference(const gf_st *st, const char *what)
{
    CHECK(gf_st_count(st) == N_REF, "%s: %zu tensors", what, gf_st_count(st));
    for (size_t i = 0; i < N_REF && i < gf_st_count(st); i++) {
        const ref_tensor *r = &ref_tensors[i];
        const gf_st_tensor *t = gf_st_at(st, i);
        CHECK(strcmp(t->name, r->name) == 0, "%s: tensor %zu is %s", what, i, t->name);
        CHECK(gf_st_find(st, r->name) == t, "%s: find %s", what, r->name);
        CHECK(t->dtype == r->dtype && t->ndim == r->ndim && t->count == r->count,
              "%s: %s has dtype %d, %d dims, %zu elements", what, r->name, (int)t->dtype,
              t->ndim, t->count);
        for (int d = 0; d < r->ndim; d++)
            CHECK(t->shape[d] == r->shape[d], "%s: %s dim %d", what, r->name, d);
        unsigned char want[256], got[256];
        ref_fill(r->dtype, r->count, want);
        memset(got, 0xAB, sizeof got);
        gf_status s = gf_st_read_tensor(st, r->name, r->dtype, r->ndim, r->shape, got);
        CHECK(s == GF_OK, "%s: reading %s: %s", what, r->name, gf_errmsg());
        size_t bytes = r->count * gf_dtype_size(r->dtype);
        CHECK(memcmp(got, want, bytes) == 0, "%s: %s's values differ", what, r->name);
        CHECK(got[bytes] == 0xAB, "%s: reading %s wrote past its end", what, r->name);
        CHECK(bytes == 0 || memcmp(t->data, want, bytes) == 0, "%s: %s's data", what,
              r->name);
    }
    CHECK(gf_st_meta_count(st) == N_META, "%s: %zu metadata", what, gf_st_meta_count(st));
    for (size_t i = 0; i < N_META; i++) {
        const char *v = gf_st_meta(st, ref_meta[i][0]);
        CHECK(v && strcmp(v, ref_meta[i][1]) == 0, "%s: metadata %s is %s", what,
              ref_meta[i][0], v ? v : "(absent)");
        const char *k = gf_st_meta_key(st, i);
        CHECK(k && strcmp(k, ref_meta[i][0]) == 0, "%s: metadata key %zu", what, i);
    }
    CHECK(gf_st_meta(st, "absent") == NULL, "%s", what);
    CHECK(gf_st_meta_key(st, N_META) == NULL, "%s", what);
    CHECK(gf_st_at(st, N_REF) == NULL, "%s", what);
    CHECK(gf_st_find(st, "absent") == NULL, "%s", what);
}

static void test_round_trip(void)
{
    char p[PATH_LEN];
    gf_st *st = make_reference();
    check_reference(st, "built");
    CHECK(gf_st_save(st, tpath(p, "ref.safetensors")) == GF_OK, "%s", gf_errmsg());
    gf_st_free(st);

    gf_st *back = NULL;
    CHECK(gf_st_load(p, &back) == GF_OK, "%s", gf_errmsg());
    if (back) check_reference(back, "loaded");

    /* Saved again, the file is the same byte for byte. */
    char p2[PATH_LEN];
    CHECK(gf_st_save(back, tpath(p2, "ref2.safetensors")) == GF_OK, "%s", gf_errmsg());
    size_t n1 = 0, n2 = 0;
    unsigned char *a = slurp(p, &n1), *b = slurp(p2, &n2);
    CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0, "a re-saved file differs");
    /* And parsed from memory, it is the same set. */
    gf_st *mem = NULL;
    CHECK(gf_st_parse(a, n1, "mem", &mem) == GF_OK, "%s", gf_errmsg());
    if (mem) check_reference(mem, "parsed");
    /* From a pipe, which has no size to read ahead of. */
    gf_st *piped = NULL;
    CHECK(load_piped(a, n1, 0, &piped) == GF_OK, "from a pipe: %s", gf_errmsg());
    if (piped) check_reference(piped, "piped");
    gf_st_free(piped);
    free(a);
    free(b);
    gf_st_free(mem);
    gf_st_free(back);
    unlink(p2);
    unlink(p);

    /* An empty set is a file too: "{}" padded to 8 bytes. */
    gf_st *none = gf_st_new();
    CHECK(gf_st_save(none, tpath(p, "none.safetensors")) == GF_OK, "%s", gf_errmsg());
    gf_st_free(none);
    a = slurp(p, &n1);
    CHECK(a && n1 == 16 && memcmp(a, "\x08\0\0\0\0\0\0\0{}      ", 16) == 0,
          "the empty file is %zu bytes", n1);
    free(a);
    CHECK(gf_st_load(p, &none) == GF_OK && gf_st_count(none) == 0 &&
              gf_st_meta_count(none) == 0, "%s", gf_errmsg());
    gf_st_free(none);
    unlink(p);
}

/* ---- the exact bytes ------------------------------------------------------ */

static void test_layout(void)
{
    gf_st *st = gf_st_new();
    const float x[2] = {1.0f, -2.0f};
    const uint8_t y[3] = {1, 2, 3};
    CHECK(gf_st_set_meta(st, "a", "old") == GF_OK, "%s", gf_errmsg());
    CHECK(gf_st_add(st, "x", GF_DTYPE_F32, 1, (int64_t[]){2}, x) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_st_add(st, "y", GF_DTYPE_U8, 1, (int64_t[]){3}, y) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_st_set_meta(st, "a", "b") == GF_OK, "%s", gf_errmsg()); /* the last one counts */
    CHECK(gf_st_meta_count(st) == 1, "%zu", gf_st_meta_count(st));
    char p[PATH_LEN];
    CHECK(gf_st_save(st, tpath(p, "layout.safetensors")) == GF_OK, "%s", gf_errmsg());
    gf_st_free(st);

    /* 132 bytes of JSON, padded with 4 spaces to 136 = 0x88. */
    static const char expected[] =
        "\x88\0\0\0\0\0\0\0"
        "{\"__metadata__\":{\"a\":\"b\"},"
        "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"y\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[8,11]}}    "
        "\x00\x00\x80\x3F" "\x00\x00\x00\xC0" /* 1.0f, -2.0f */
        "\x01\x02\x03";
    size_t n = 0;
    unsigned char *got = slurp(p, &n);
    CHECK(got && n == sizeof expected - 1, "the file has %zu bytes, expected %zu", n,
          sizeof expected - 1);
    for (size_t i = 0; got && i < n && i < sizeof expected - 1; i++)
        if (got[i] != (unsigned char)expected[i]) {
            CHECK(0, "byte %zu is 0x%02X, expected 0x%02X", i, got[i],
                  (unsigned char)expected[i]);
            break;
        }
    free(got);
    unlink(p);
}

/* ---- atomic saving -------------------------------------------------------- */

static gf_st *one_tensor(size_t n, uint8_t value)
{
    gf_st *st = gf_st_new();
    uint8_t *buf = malloc(n);
    memset(buf, value, n);
    CHECK(gf_st_add(st, "w", GF_DTYPE_U8, 1, (int64_t[]){(int64_t)n}, buf) == GF_OK, "%s",
          gf_errmsg());
    free(buf);
    return st;
}

/* A stream longer than the first read buffer (64 KiB) grows it. */
static void test_big_pipe(void)
{
    char p[PATH_LEN];
    gf_st *big = one_tensor(300000, 9);
    CHECK(gf_st_save(big, tpath(p, "big.safetensors")) == GF_OK, "%s", gf_errmsg());
    size_t n = 0;
    unsigned char *bytes = slurp(p, &n);
    gf_st *piped = NULL;
    CHECK(bytes && load_piped(bytes, n, 0, &piped) == GF_OK, "from a pipe: %s", gf_errmsg());
    const gf_st_tensor *t = piped ? gf_st_find(piped, "w") : NULL;
    CHECK(n > 300000 && t && t->count == 300000 && ((const uint8_t *)t->data)[299999] == 9,
          "a 300 kB tensor from a pipe");
    gf_st_free(piped);
    gf_st_free(big);
    free(bytes);
    unlink(p);

    /* An endless stream whose first bytes cannot be a header length is
     * refused at once, not read to the 8 GiB a stream may have. */
    static const unsigned char zero[8], yes[9] = "y\ny\ny\ny\n";
    piped = NULL;
    CHECK(load_piped(zero, 8, 1, &piped) == GF_ERR_FORMAT && !piped &&
              strstr(gf_errmsg(), "header is empty"),
          "endless zeros: %s", gf_errmsg());
    CHECK(load_piped(yes, 8, 1, &piped) == GF_ERR_FORMAT && !piped &&
              strstr(gf_errmsg(), "over the cap"),
          "endless 'y': %s", gf_errmsg());
}

static void test_atomic(void)
{
    char p[PATH_LEN], q[PATH_LEN];
    CHECK(listing()[0] == '\0', "the directory starts empty: %s", listing());

    /* Into a directory that does not exist: a clean I/O error. */
    gf_st *small = one_tensor(4, 7);
    tpath(p, "missing/m.safetensors");
    gf_status s = gf_st_save(small, p);
    CHECK(s == GF_ERR_IO, "status %d", (int)s);
    CHECK(strstr(gf_errmsg(), p) && strstr(gf_errmsg(), strerror(ENOENT)), "message: %s",
          gf_errmsg());
    CHECK(listing()[0] == '\0', "left behind: %s", listing());

    /* A good save; then a save that fails while writing (the file-size
     * limit makes write fail with EFBIG) leaves it exactly as it was. */
    tpath(p, "m.safetensors");
    umask(022);
    CHECK(gf_st_save(small, p) == GF_OK, "%s", gf_errmsg());
    size_t n0 = 0;
    unsigned char *before = slurp(p, &n0);
    struct stat sb;
    CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0644, "mode %o",
          (unsigned)(sb.st_mode & 0777));

    gf_st *big = one_tensor(100000, 9);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0, "setrlimit: %s", strerror(errno));
    s = gf_st_save(big, p);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
    CHECK(s == GF_ERR_IO, "status %d", (int)s);
    CHECK(strstr(gf_errmsg(), p) && strstr(gf_errmsg(), strerror(EFBIG)), "message: %s",
          gf_errmsg());
    size_t n1 = 0;
    unsigned char *after = slurp(p, &n1);
    CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0,
          "a failed save changed the file");
    free(after);
    CHECK(strcmp(listing(), "m.safetensors") == 0, "the directory holds: %s", listing());

    /* A file's own mode is kept when it is replaced. */
    chmod(p, 0600);
    CHECK(gf_st_save(big, p) == GF_OK, "%s", gf_errmsg());
    CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0600 && sb.st_size > 100000,
          "mode %o, size %lld", (unsigned)(sb.st_mode & 0777), (long long)sb.st_size);
    CHECK(strcmp(listing(), "m.safetensors") == 0, "the directory holds: %s", listing());

    /* A directory in the way is refused before anything is written. */
    tpath(q, "adir");
    mkdir(q, 0755);
    char inner[PATH_LEN + 8];
    snprintf(inner, sizeof inner, "%s/keep", q);
    spit(inner, "x", 1);
    s = gf_st_save(small, q);
    CHECK(s == GF_ERR_ARG && strstr(gf_errmsg(), q) && strstr(gf_errmsg(), "not a regular file"),
          "status %d: %s", (int)s, gf_errmsg());
    CHECK(strcmp(listing(), "adir m.safetensors") == 0, "the directory holds: %s",
          listing());
    unlink(inner);
    rmdir(q);

    /* Without a directory in the path, the file goes in the current one. */
    char cwd[PATH_LEN];
    CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    CHECK(chdir(tmpdir) == 0, "chdir");
    CHECK(gf_st_save(small, "here.safetensors") == GF_OK, "%s", gf_errmsg());
    CHECK(chdir(cwd) == 0, "chdir back");
    CHECK(strcmp(listing(), "here.safetensors m.safetensors") == 0, "the directory holds: %s",
          listing());
    unlink(tpath(q, "here.safetensors"));

    /* A symbolic link is followed: the file it names is replaced, the link stays. */
    char link_path[PATH_LEN];
    tpath(link_path, "link.safetensors");
    CHECK(symlink(p, link_path) == 0, "symlink: %s", strerror(errno));
    CHECK(gf_st_save(small, link_path) == GF_OK, "%s", gf_errmsg());
    CHECK(lstat(link_path, &sb) == 0 && S_ISLNK(sb.st_mode), "the link was replaced");
    gf_st *back = NULL;
    CHECK(gf_st_load(p, &back) == GF_OK && gf_st_count(back) == gf_st_count(small),
          "the linked file holds the new save: %s", gf_errmsg());
    gf_st_free(back);
    unlink(link_path);
    /* A pipe is not a file to replace. */
    tpath(q, "fifo");
    CHECK(mkfifo(q, 0600) == 0, "mkfifo: %s", strerror(errno));
    s = gf_st_save(small, q);
    CHECK(s == GF_ERR_ARG && strstr(gf_errmsg(), "not a regular file"), "fifo: %d %s", (int)s,
          gf_errmsg());
    unlink(q);

    free(before);
    gf_st_free(small);
    gf_st_free(big);
    unlink(p);
}

/* ---- building the wrong way ----------------------------------------------- */

static void expect_arg(gf_status s, const char *needle, int line)
{
    if (s != GF_ERR_ARG || !strstr(gf_errmsg(), needle)) {
        check_failures++;
        fprintf(stderr, "%s:%d: expected an argument error with '%s', got %d: %s\n", __FILE__,
                line, needle, (int)s, gf_errmsg());
    }
}
#define EXPECT_ARG(call, needle) expect_arg((call), (needle), __LINE__)

static void test_add_errors(void)
{
    gf_st *st = gf_st_new();
    double v[2] = {1, 2};
    int64_t two[1] = {2};
    CHECK(gf_st_add(st, "v", GF_DTYPE_F64, 1, two, v) == GF_OK, "%s", gf_errmsg());
    EXPECT_ARG(gf_st_add(st, "v", GF_DTYPE_F64, 1, two, v), "already a tensor 'v'");
    EXPECT_ARG(gf_st_add(st, "", GF_DTYPE_F64, 1, two, v), "empty");
    EXPECT_ARG(gf_st_add(st, "__metadata__", GF_DTYPE_F64, 1, two, v), "reserved");
    EXPECT_ARG(gf_st_add(st, "bad\xFF", GF_DTYPE_F64, 1, two, v), "UTF-8");
    EXPECT_ARG(gf_st_add(st, "w", GF_DTYPE_COUNT, 1, two, v), "unknown dtype");
    EXPECT_ARG(gf_st_add(st, "w", GF_DTYPE_F64, GF_ST_MAX_DIMS + 1, two, v), "9 dimensions");
    EXPECT_ARG(gf_st_add(st, "w", GF_DTYPE_F64, -1, two, v), "-1 dimensions");
    EXPECT_ARG(gf_st_add(st, "w", GF_DTYPE_F64, 1, NULL, v), "shape is NULL");
    EXPECT_ARG(gf_st_add(st, "w", GF_DTYPE_F64, 1, (int64_t[]){-2}, v), "dimension 1 is -2");
    EXPECT_ARG(gf_st_add(st, "w", GF_DTYPE_F64, 1, two, NULL), "data is NULL");
    EXPECT_ARG(gf_st_add(st, "w", GF_DTYPE_F64, 2, (int64_t[]){INT64_MAX, 3}, v), "overflows");
    EXPECT_ARG(gf_st_add(st, "w", GF_DTYPE_F64, 1, (int64_t[]){INT64_MAX / 2}, v),
               "overflows");
    EXPECT_ARG(gf_st_set_meta(st, "k", "\xC3"), "UTF-8");
    EXPECT_ARG(gf_st_set_meta(st, NULL, "v"), "NULL");
    EXPECT_ARG(gf_st_add(NULL, "w", GF_DTYPE_F64, 1, two, v), "NULL");
    /* An empty tensor needs no data. */
    CHECK(gf_st_add(st, "e", GF_DTYPE_I32, 1, (int64_t[]){0}, NULL) == GF_OK, "%s",
          gf_errmsg());
    CHECK(gf_st_count(st) == 2, "%zu tensors", gf_st_count(st));
    gf_st_free(st);
    gf_st_free(NULL);
    CHECK(gf_st_count(NULL) == 0 && gf_st_find(NULL, "v") == NULL, "NULL set");
    CHECK(strcmp(gf_dtype_name(GF_DTYPE_I64), "I64") == 0 && gf_dtype_size(GF_DTYPE_I64) == 8 &&
              gf_dtype_size(GF_DTYPE_U8) == 1 && gf_dtype_size(GF_DTYPE_COUNT) == 0,
          "dtype table");
}

/* ---- gf_st_read_tensor ---------------------------------------------------- */

static void test_read_tensor(void)
{
    gf_st *st = gf_st_new();
    float c[3] = {1, 2, 3};
    CHECK(gf_st_add(st, "coef", GF_DTYPE_F32, 1, (int64_t[]){3}, c) == GF_OK, "%s",
          gf_errmsg());
    char p[PATH_LEN];
    CHECK(gf_st_save(st, tpath(p, "model.safetensors")) == GF_OK, "%s", gf_errmsg());
    size_t n = 0;
    unsigned char *bytes = slurp(p, &n);
    gf_st *m = NULL;
    CHECK(gf_st_parse(bytes, n, "model.safetensors", &m) == GF_OK, "%s", gf_errmsg());
    free(bytes);
    unlink(p);
    double d[3];
    gf_status s = gf_st_read_tensor(m, "coef", GF_DTYPE_F64, 2, (int64_t[]){1, 3}, d);
    CHECK(s == GF_ERR_FORMAT, "status %d", (int)s);
    CHECK(strcmp(gf_errmsg(),
                 "model.safetensors: tensor 'coef': expected F64 [1, 3], found F32 [3]") == 0,
          "message: %s", gf_errmsg());
    s = gf_st_read_tensor(m, "coef", GF_DTYPE_F32, 1, (int64_t[]){4}, d);
    CHECK(s == GF_ERR_FORMAT && strstr(gf_errmsg(), "expected F32 [4], found F32 [3]"),
          "message: %s", gf_errmsg());
    s = gf_st_read_tensor(m, "coef", GF_DTYPE_F32, 0, NULL, d);
    CHECK(s == GF_ERR_FORMAT && strstr(gf_errmsg(), "expected F32 [], found F32 [3]"),
          "message: %s", gf_errmsg());
    s = gf_st_read_tensor(m, "bias", GF_DTYPE_F32, 1, (int64_t[]){3}, d);
    CHECK(s == GF_ERR_FORMAT &&
              strstr(gf_errmsg(), "model.safetensors: no tensor 'bias' (expected F32 [3])"),
          "message: %s", gf_errmsg());
    float f[3] = {0};
    CHECK(gf_st_read_tensor(m, "coef", GF_DTYPE_F32, 1, (int64_t[]){3}, f) == GF_OK &&
              f[0] == 1 && f[1] == 2 && f[2] == 3,
          "%s", gf_errmsg());
    /* On a set built in memory, messages have no file to name. */
    s = gf_st_read_tensor(st, "coef", GF_DTYPE_I32, 1, (int64_t[]){3}, d);
    CHECK(s == GF_ERR_FORMAT && strstr(gf_errmsg(), "tensor 'coef': expected I32 [3]"),
          "message: %s", gf_errmsg());
    gf_st_free(m);
    gf_st_free(st);
}

/* ---- hostile files --------------------------------------------------------- */

typedef struct bytes {
    unsigned char b[4096];
    size_t n;
} bytes;

/* A file from a header of n bytes (used as it is, no padding) and data. */
static bytes file_n(const char *header, uint64_t n, const void *data, size_t ndata)
{
    bytes f;
    memcpy(f.b, &n, 8);
    memcpy(f.b + 8, header, n);
    if (ndata) memcpy(f.b + 8 + n, data, ndata);
    f.n = 8 + n + ndata;
    return f;
}

static bytes file_of(const char *header, const void *data, size_t ndata)
{
    return file_n(header, strlen(header), data, ndata);
}

static int parses(const bytes *f)
{
    gf_st *st = NULL;
    gf_status s = gf_st_parse(f->b, f->n, "hostile.safetensors", &st);
    gf_st_free(st);
    return s == GF_OK;
}

/* The file must be refused with GF_ERR_FORMAT and a message naming the
 * source and containing each of the given pieces. */
static void expect_refused(const bytes *f, int line, const char *a, const char *b)
{
    gf_st *st = (gf_st *)1;
    gf_status s = gf_st_parse(f->b, f->n, "hostile.safetensors", &st);
    const char *m = gf_errmsg();
    if (s != GF_ERR_FORMAT || st != NULL || !strstr(m, "hostile.safetensors") ||
        (a && !strstr(m, a)) || (b && !strstr(m, b))) {
        check_failures++;
        fprintf(stderr,
                "%s:%d: expected a format error with '%s' and '%s', got status %d: %s\n",
                __FILE__, line, a ? a : "", b ? b : "", (int)s, m);
    }
    if (s == GF_OK) gf_st_free(st);
}
#define REFUSED(header, data, ndata, a, b)                          \
    do {                                                            \
        bytes f_ = file_of((header), (data), (ndata));              \
        expect_refused(&f_, __LINE__, (a), (b));                    \
    } while (0)
#define ACCEPTED(header, data, ndata)                               \
    do {                                                            \
        bytes f_ = file_of((header), (data), (ndata));              \
        CHECK(parses(&f_), "refused: %s", gf_errmsg());             \
    } while (0)

static const unsigned char zeros[64];

static void test_hostile_lengths(void)
{
    bytes f;
    /* Too short for the length field. */
    f.n = 5;
    memset(f.b, 0, 5);
    expect_refused(&f, __LINE__, "5 bytes are too few", NULL);
    /* A length past the file, past the cap, and the largest there is. */
    f = file_of("{}", NULL, 0);
    f.b[0] = 11;
    expect_refused(&f, __LINE__, "header length 11 is more than the 2 bytes", NULL);
    uint64_t n = GF_ST_MAX_HEADER + 1ull;
    memcpy(f.b, &n, 8);
    expect_refused(&f, __LINE__, "header length 100000001 is over the cap", NULL);
    memset(f.b, 0xFF, 8);
    expect_refused(&f, __LINE__, "header length 18446744073709551615 is over the cap", NULL);
    /* An empty header, one that does not open an object. */
    f = file_of("", NULL, 0);
    expect_refused(&f, __LINE__, "header is empty", NULL);
    REFUSED("[1, 2]", NULL, 0, "does not start with '{'", "0x5B");
    REFUSED(" {}", NULL, 0, "does not start with '{'", "0x20");
    /* Padding after the JSON is fine, other trailing bytes are not. */
    ACCEPTED("{}      ", NULL, 0);
    ACCEPTED("{}\n\t\r ", NULL, 0);
    REFUSED("{}x", NULL, 0, "not valid JSON", "column");
    REFUSED("{} {}", NULL, 0, "not valid JSON", NULL);
    f = file_n("{}\0\0", 4, NULL, 0);
    expect_refused(&f, __LINE__, "not valid JSON", NULL);
    f = file_n("{\"a\0\":1}", 8, NULL, 0);
    expect_refused(&f, __LINE__, "not valid JSON", NULL);
    /* Data after the header that no tensor claims. */
    REFUSED("{}", zeros, 3, "bytes 0 to 3 of the data belong to no tensor", NULL);
}

static void test_hostile_json(void)
{
    REFUSED("{abc", NULL, 0, "not valid JSON", "header line 1, column");
    REFUSED("{\"x\":\n  {\"dtype\": F32}}", NULL, 0, "not valid JSON", "header line 2");
    REFUSED("{", NULL, 0, "not valid JSON", NULL);
    REFUSED("{\"a\":1,\"a\":1}", NULL, 0, "not valid JSON", "duplicate");
    REFUSED("{\"\xFF\":1}", NULL, 0, "not valid JSON", NULL); /* not UTF-8 */
    REFUSED("{\"a\\u0000b\":1}", NULL, 0, "not valid JSON", NULL);
    /* Deep nesting stops at the parser's depth limit, not the stack's end. */
    static char deep[3000];
    size_t o = 0;
    o += (size_t)sprintf(deep, "{\"__metadata__\":");
    for (int i = 0; i < 1200; i++) deep[o++] = '[';
    for (int i = 0; i < 1200; i++) deep[o++] = ']';
    deep[o++] = '}';
    deep[o] = '\0';
    bytes f = file_of(deep, NULL, 0);
    expect_refused(&f, __LINE__, NULL, NULL);
    static char deeper[9000];
    o = (size_t)sprintf(deeper, "{\"__metadata__\":");
    for (int i = 0; i < 4000; i++) deeper[o++] = '[';
    deeper[o++] = '}';
    deeper[o] = '\0';
    f = file_of(deeper, NULL, 0);
    expect_refused(&f, __LINE__, "not valid JSON", NULL);

    /* Metadata: an object of strings. */
    ACCEPTED("{\"__metadata__\":{}}", NULL, 0);
    ACCEPTED("{\"__metadata__\":{\"\":\"\"}}", NULL, 0);
    REFUSED("{\"__metadata__\":\"x\"}", NULL, 0, "\"__metadata__\" is a string, not an object",
            NULL);
    REFUSED("{\"__metadata__\":null}", NULL, 0, "is null, not an object", NULL);
    REFUSED("{\"__metadata__\":{\"k\":1}}", NULL, 0, "metadata 'k' is an integer, not a string",
            NULL);
    REFUSED("{\"__metadata__\":{\"a\":\"b\",\"k\":{}}}", NULL, 0,
            "metadata 'k' is an object", NULL);
    REFUSED("{\"__metadata__\":{\"k\":null}}", NULL, 0, "metadata 'k' is null", NULL);
    REFUSED("{\"__metadata__\":{\"a\":\"b\",\"a\":\"c\"}}", NULL, 0, "duplicate", NULL);
}

#define T(name, body) "{\"" name "\":{" body "}}"
#define X(body) T("x", body)

static void test_hostile_tensors(void)
{
    /* The entry itself. */
    REFUSED("{\"x\":[]}", NULL, 0, "tensor 'x' is an array, not an object", NULL);
    REFUSED("{\"x\":3}", NULL, 0, "tensor 'x' is an integer", NULL);
    REFUSED(T("", "\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]"), NULL, 0,
            "empty name", NULL);
    REFUSED(X("\"shape\":[1],\"data_offsets\":[0,1]"), zeros, 1, "tensor 'x' has no \"dtype\"",
            NULL);
    REFUSED(X("\"dtype\":\"U8\",\"data_offsets\":[0,1]"), zeros, 1,
            "tensor 'x' has no \"shape\"", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[1]"), zeros, 1, "tensor 'x' has no \"data_offsets\"",
            NULL);
    /* Unknown fields are ignored, as the reference reader ignores them. */
    ACCEPTED(X("\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"extra\":[1,{}]"),
             zeros, 1);

    /* dtypes. */
    REFUSED(X("\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]"), zeros, 4,
            "unknown dtype 'F33' in tensor 'x'", NULL);
    REFUSED(X("\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]"), zeros, 4,
            "unknown dtype 'f32' in tensor 'x'", NULL);
    REFUSED(X("\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]"), zeros, 2,
            "unsupported dtype BF16 in tensor 'x'", NULL);
    REFUSED(X("\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[0,1]"), zeros, 1,
            "unsupported dtype BOOL in tensor 'x'", NULL);
    REFUSED(X("\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]"), zeros, 4,
            "\"dtype\" is an integer, not a string", NULL);
    REFUSED(X("\"dtype\":\"\\u0001\",\"shape\":[1],\"data_offsets\":[0,4]"), zeros, 4,
            "unknown dtype '\\x01'", NULL);

    /* Shapes. */
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]"), NULL, 0,
            "tensor 'x': dimension 1 of the shape is -1, not a non-negative integer", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[2,2.0],\"data_offsets\":[0,4]"), zeros, 4,
            "dimension 2 of the shape is the real number 2, not", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]"), zeros, 1,
            "dimension 1 of the shape is the real number 1.5", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[\"2\"],\"data_offsets\":[0,2]"), zeros, 2,
            "dimension 1 of the shape is a string", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[null],\"data_offsets\":[0,0]"), NULL, 0,
            "dimension 1 of the shape is null", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[1e3],\"data_offsets\":[0,1000]"), NULL, 0,
            "dimension 1 of the shape is the real number 1000", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":2,\"data_offsets\":[0,2]"), zeros, 2,
            "\"shape\" is an integer, not an array", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]"), zeros,
            1, "tensor 'x': the shape has 9 dimensions, more than the 8", NULL);
    ACCEPTED(X("\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]"), zeros, 1);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[99999999999999999999],\"data_offsets\":[0,1]"), zeros,
            1, "not valid JSON", NULL); /* beyond the parser's integers */
    /* Products that overflow, in elements and in bytes. */
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,2],\"data_offsets\":[0,0]"),
            NULL, 0, "tensor 'x': the size of U8 [4294967296, 4294967296, 2] overflows", NULL);
    REFUSED(X("\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]"), NULL,
            0, "the size of F64 [2305843009213693952] overflows", NULL);
    REFUSED(X("\"dtype\":\"I32\",\"shape\":[9223372036854775807,9223372036854775807],"
              "\"data_offsets\":[0,0]"),
            NULL, 0, "overflows", NULL);
    /* A zero dimension makes an empty tensor, whatever the others are. */
    ACCEPTED(X("\"dtype\":\"F64\",\"shape\":[0,9223372036854775807],\"data_offsets\":[0,0]"),
             NULL, 0);

    /* Offsets. */
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,3]"), zeros, 3,
            "tensor 'x': U8 [2] takes 2 bytes, but data_offsets [0, 3] span 3", NULL);
    REFUSED(X("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]"), zeros, 4,
            "F32 [2] takes 8 bytes", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,9]"), zeros, 2,
            "tensor 'x': data_offsets [0, 9] run past the end of the data (2 bytes)", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[18446744073709551615,0]"), NULL,
            0, "not valid JSON", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,0]"), zeros, 2,
            "tensor 'x': data_offsets [2, 0] are reversed", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[-1,1]"), zeros, 2,
            "the begin offset is -1, not a non-negative integer", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2.0]"), zeros, 2,
            "the end offset is the real number 2, not", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0]"), zeros, 2,
            "\"data_offsets\" has 1 entries, not 2", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2,4]"), zeros, 2,
            "\"data_offsets\" has 3 entries, not 2", NULL);
    REFUSED(X("\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":{}"), zeros, 2,
            "\"data_offsets\" is an object, not an array", NULL);

    /* How the tensors cover the data. */
#define U8(name, n, b, e) "\"" name "\":{\"dtype\":\"U8\",\"shape\":[" #n "],\"data_offsets\":[" #b "," #e "]}"
    REFUSED("{" U8("a", 2, 1, 3) "}", zeros, 3,
            "bytes 0 to 1 of the data belong to no tensor (a gap before tensor 'a'", NULL);
    REFUSED("{" U8("a", 2, 0, 2) "," U8("b", 2, 3, 5) "}", zeros, 5,
            "bytes 2 to 3 of the data belong to no tensor (a gap before tensor 'b'", NULL);
    REFUSED("{" U8("a", 2, 0, 2) "," U8("b", 2, 1, 3) "}", zeros, 3,
            "tensor 'b' (data_offsets [1, 3]) overlaps tensor 'a', which ends at 2", NULL);
    REFUSED("{" U8("a", 2, 0, 2) "," U8("b", 2, 0, 2) "}", zeros, 2,
            "tensor 'b' (data_offsets [0, 2]) overlaps tensor 'a'", NULL);
    REFUSED("{" U8("a", 4, 0, 4) "," U8("b", 0, 2, 2) "}", zeros, 4,
            "tensor 'b' (data_offsets [2, 2]) overlaps tensor 'a', which ends at 4", NULL);
    REFUSED("{" U8("a", 2, 0, 2) "}", zeros, 4,
            "bytes 2 to 4 of the data belong to no tensor (after the last", NULL);
    /* Out of order in the header is fine: the file order is the data's. */
    {
        bytes f = file_of("{" U8("b", 1, 2, 3) "," U8("e", 0, 2, 2) "," U8("a", 2, 0, 2) ","
                          U8("z", 0, 3, 3) "," U8("e2", 0, 2, 2) "}",
                          "\x01\x02\x03", 3);
        gf_st *st = NULL;
        CHECK(gf_st_parse(f.b, f.n, "order", &st) == GF_OK, "%s", gf_errmsg());
        const char *want[] = {"a", "e", "e2", "b", "z"};
        for (size_t i = 0; st && i < 5; i++)
            CHECK(strcmp(gf_st_at(st, i)->name, want[i]) == 0, "tensor %zu is %s", i,
                  gf_st_at(st, i)->name);
        uint8_t v[2];
        CHECK(st && gf_st_read_tensor(st, "a", GF_DTYPE_U8, 1, (int64_t[]){2}, v) == GF_OK &&
                  v[0] == 1 && v[1] == 2,
              "a");
        CHECK(st && gf_st_read_tensor(st, "b", GF_DTYPE_U8, 1, (int64_t[]){1}, v) == GF_OK &&
                  v[0] == 3,
              "b");
        gf_st_free(st);
    }
    /* A hostile name is shown escaped and cut short. */
    {
        char h[600], name[300];
        memset(name, 'n', sizeof name - 1);
        name[sizeof name - 1] = '\0';
        snprintf(h, sizeof h,
                 "{\"\\u001b%s\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,2]}}",
                 name);
        REFUSED(h, zeros, 2, "tensor '\\x1Bnnn", "nnn...': U8 [1] takes 1 bytes");
    }
    /* Unaligned tensors are copied out whole. */
    {
        double v = -1.25, got = 0;
        unsigned char data[9] = {7};
        memcpy(data + 1, &v, 8);
        bytes f = file_of("{" U8("pad", 1, 0, 1) ","
                          "\"v\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[1,9]}}",
                          data, 9);
        gf_st *st = NULL;
        CHECK(gf_st_parse(f.b, f.n, "unaligned", &st) == GF_OK, "%s", gf_errmsg());
        CHECK(st && gf_st_read_tensor(st, "v", GF_DTYPE_F64, 0, NULL, &got) == GF_OK &&
                  got == -1.25,
              "%s", gf_errmsg());
        gf_st_free(st);
    }
#undef U8
}

/* Every prefix of a valid file is refused. */
static void test_truncated(void)
{
    char p[PATH_LEN];
    gf_st *st = make_reference();
    CHECK(gf_st_save(st, tpath(p, "t.safetensors")) == GF_OK, "%s", gf_errmsg());
    gf_st_free(st);
    size_t n = 0;
    unsigned char *full = slurp(p, &n);
    for (size_t k = 0; full && k < n; k++) {
        unsigned char *cut = malloc(k ? k : 1); /* exactly k bytes, for ASan */
        memcpy(cut, full, k);
        gf_st *t = (gf_st *)1;
        gf_status s = gf_st_parse(cut, k, "cut", &t);
        CHECK(s == GF_ERR_FORMAT && t == NULL && strncmp(gf_errmsg(), "cut: ", 5) == 0,
              "a prefix of %zu bytes of %zu: status %d, %s", k, n, (int)s, gf_errmsg());
        free(cut);
    }
    /* The same through a file, for the last few lengths. */
    for (size_t k = n > 20 ? n - 20 : 0; full && k < n; k++) {
        spit(p, full, k);
        gf_st *t = NULL;
        gf_status s = gf_st_load(p, &t);
        CHECK(s == GF_ERR_FORMAT && t == NULL && strstr(gf_errmsg(), p), "%zu bytes: %s", k,
              gf_errmsg());
    }
    free(full);
    unlink(p);
    gf_st *t = (gf_st *)1;
    gf_status s = gf_st_load(p, &t);
    CHECK(s == GF_ERR_IO && t == NULL && strstr(gf_errmsg(), p) &&
              strstr(gf_errmsg(), strerror(ENOENT)),
          "%s", gf_errmsg());
    s = gf_st_load(tmpdir, &t);
    CHECK(s == GF_ERR_IO && strstr(gf_errmsg(), strerror(EISDIR)), "%s", gf_errmsg());
}

/* A loaded set that is consistent with itself: shapes and counts agree,
 * the tensors tile the data, and each reads back as its own bytes. */
static void check_consistent(const gf_st *st, size_t datalen, size_t pos, int mask)
{
    size_t total = 0;
    const unsigned char *prev_end = NULL;
    for (size_t i = 0; i < gf_st_count(st); i++) {
        const gf_st_tensor *t = gf_st_at(st, i);
        size_t count = 1;
        for (int d = 0; d < t->ndim; d++) count *= (size_t)t->shape[d];
        size_t bytes = count * gf_dtype_size(t->dtype);
        CHECK(t->ndim >= 0 && t->ndim <= GF_ST_MAX_DIMS && count == t->count &&
                  (unsigned)t->dtype < GF_DTYPE_COUNT && gf_st_find(st, t->name) == t,
              "flip at %zu (0x%02X): tensor %zu", pos, mask, i);
        CHECK(!prev_end || (const unsigned char *)t->data == prev_end,
              "flip at %zu (0x%02X): tensor %zu does not follow the one before", pos, mask, i);
        prev_end = (const unsigned char *)t->data + bytes;
        total += bytes;
        unsigned char out[512];
        if (bytes <= sizeof out) {
            gf_status s = gf_st_read_tensor(st, t->name, t->dtype, t->ndim, t->shape, out);
            CHECK(s == GF_OK && memcmp(out, t->data, bytes) == 0,
                  "flip at %zu (0x%02X): reading %s: %s", pos, mask, t->name, gf_errmsg());
        }
    }
    CHECK(total == datalen, "flip at %zu (0x%02X): tensors cover %zu of %zu bytes", pos, mask,
          total, datalen);
    for (size_t i = 0; i < gf_st_meta_count(st); i++)
        CHECK(gf_st_meta(st, gf_st_meta_key(st, i)) != NULL, "flip at %zu: metadata", pos);
}

static void test_flipped(void)
{
    gf_st *st = gf_st_new();
    float w[3] = {0.5f, -1, 2};
    uint8_t u[2] = {9, 8};
    CHECK(gf_st_add(st, "w", GF_DTYPE_F32, 2, (int64_t[]){1, 3}, w) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_st_add(st, "u", GF_DTYPE_U8, 1, (int64_t[]){2}, u) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_st_set_meta(st, "k", "v1") == GF_OK, "%s", gf_errmsg());
    char p[PATH_LEN];
    CHECK(gf_st_save(st, tpath(p, "flip.safetensors")) == GF_OK, "%s", gf_errmsg());
    gf_st_free(st);
    size_t n = 0;
    unsigned char *orig = slurp(p, &n);
    unlink(p);
    int loaded = 0, refused = 0;
    static const int masks[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF};
    for (size_t pos = 0; orig && pos < n; pos++)
        for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
            unsigned char *b = malloc(n);
            memcpy(b, orig, n);
            b[pos] ^= (unsigned char)masks[m];
            gf_st *t = (gf_st *)1;
            gf_status s = gf_st_parse(b, n, "flipped", &t);
            if (s == GF_OK) {
                loaded++;
                uint64_t hl;
                memcpy(&hl, b, 8);
                check_consistent(t, n - 8 - (size_t)hl, pos, masks[m]);
                gf_st_free(t);
            } else {
                refused++;
                CHECK(t == NULL && strncmp(gf_errmsg(), "flipped: ", 9) == 0 &&
                          strlen(gf_errmsg()) > 20,
                      "flip at %zu: status %d, %s", pos, (int)s, gf_errmsg());
            }
            free(b);
        }
    /* Flips in the data and the metadata's value load; most others do not. */
    CHECK(loaded >= 9 * 14 && refused > 9 * 60, "%d loaded, %d refused", loaded, refused);
    free(orig);
}

/* ---- main ----------------------------------------------------------------- */

static int write_reference(const char *path)
{
    gf_st *st = make_reference();
    gf_status s = gf_st_save(st, path);
    gf_st_free(st);
    if (s) {
        fprintf(stderr, "test_safetensors: %s\n", gf_errmsg());
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) return write_reference(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: test_safetensors [--write PATH]\n");
        return 2;
    }
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip();
    test_layout();
    test_big_pipe();
    test_atomic();
    test_add_errors();
    test_read_tensor();
    test_hostile_lengths();
    test_hostile_json();
    test_hostile_tensors();
    test_truncated();
    test_flipped();
    CHECK(listing()[0] == '\0', "left in the directory: %s", listing());
    remove_tree(tmpdir);
    return check_report("test_safetensors");
}
