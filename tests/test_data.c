/* Tests for the IDX reader and gf_dataset: valid files of every element
 * type, plain and gzipped; every way a file can be wrong, each checked for
 * its status and a message that names the file and the problem; the
 * dataset constructors' checks; and, when it is installed, the real
 * Fashion-MNIST test set. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "grafo/data.h"

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

static int failures;
static int verbose; /* GRAFO_TEST_VERBOSE=1 prints every expected error */

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                               \
        }                                                                             \
    } while (0)

/* ---- temporary files ----------------------------------------------------- */

static char tmpdir[] = "/tmp/grafo_test_data_XXXXXX";

/* Room for tmpdir, a slash and any directory entry's name. */
#define PATH_LEN 512

/* The path of a file in the temporary directory; p holds PATH_LEN chars. */
static const char *tpath(char *p, const char *name)
{
    snprintf(p, PATH_LEN, "%s/%s", tmpdir, name);
    return p;
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (!d) return;
    struct dirent *e;
    char p[PATH_LEN];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(tpath(p, e->d_name));
    closedir(d);
    rmdir(tmpdir);
}

/* ---- building IDX bytes -------------------------------------------------- */

typedef struct buf {
    unsigned char b[4096];
    size_t n;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    if (b->n + n > sizeof b->b) {
        fprintf(stderr, "test buffer overflow\n");
        exit(2);
    }
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put_u8(buf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

static void put_be(buf *b, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) put_u8(b, (unsigned)(v >> (8 * i)) & 0xFF);
}

static void put_f32(buf *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_be(b, u, 4);
}

static void put_f64(buf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    put_be(b, u, 8);
}

static void header(buf *b, int type, int ndim, const uint32_t *dims)
{
    b->n = 0;
    put_u8(b, 0);
    put_u8(b, 0);
    put_u8(b, (unsigned)type);
    put_u8(b, (unsigned)ndim);
    for (int i = 0; i < ndim; i++) put_be(b, dims[i], 4);
}

static void write_bytes(const char *name, const void *p, size_t n, int gz)
{
    char path[PATH_LEN];
    tpath(path, name);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        CHECK(f && gzwrite(f, p, (unsigned)n) == (int)n);
        if (f) CHECK(gzclose(f) == Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        CHECK(f && fwrite(p, 1, n, f) == n);
        if (f) CHECK(fclose(f) == 0);
    }
}

static void write_buf(const char *name, const buf *b, int gz) { write_bytes(name, b->b, b->n, gz); }

/* The raw bytes of a file in the temporary directory; *n is its size. */
static unsigned char *slurp(const char *name, size_t *n)
{
    char path[PATH_LEN];
    FILE *f = fopen(tpath(path, name), "rb");
    static unsigned char data[1 << 16];
    *n = f ? fread(data, 1, sizeof data, f) : 0;
    if (f) fclose(f);
    return data;
}

/* ---- checking errors ----------------------------------------------------- */

/* The message must contain every given piece (a NULL ends the list). */
static int msg_has(const char *msg, va_list ap)
{
    const char *piece;
    while ((piece = va_arg(ap, const char *)))
        if (!strstr(msg, piece)) return 0;
    return 1;
}

static void check_status(int line, const char *what, gf_status got, gf_status want,
                         const char *msg, int pieces_ok)
{
    if (got != want || !pieces_ok) {
        fprintf(stderr, "%s:%d: %s: got status %s, wanted %s; message \"%s\"%s\n", __FILE__,
                line, what, gf_status_name(got), gf_status_name(want), msg,
                pieces_ok ? "" : " lacks an expected piece");
        failures++;
    }
}

/* gf_idx_read(name) must fail with `want`, leave the output empty, and give a
 * message holding the file's path and each following string. */
static void expect_idx_error(int line, const char *name, gf_status want, ...)
{
    char path[PATH_LEN];
    gf_idx out;
    memset(&out, 0xAB, sizeof out); /* garbage, which a failure must clear */
    gf_status s = gf_idx_read(tpath(path, name), &out);
    va_list ap;
    va_start(ap, want);
    int ok = strstr(gf_errmsg(), path) && msg_has(gf_errmsg(), ap);
    va_end(ap);
    if (verbose) printf("  %s\n", gf_errmsg());
    check_status(line, name, s, want, gf_errmsg(), ok);
    if (out.data || out.count || out.ndim || out.elem_type) {
        fprintf(stderr, "%s:%d: %s: output not cleared on failure\n", __FILE__, line, name);
        failures++;
    }
    if (!s) gf_idx_free(&out);
}
#define EXPECT_IDX_ERROR(name, want, ...) expect_idx_error(__LINE__, name, want, __VA_ARGS__, NULL)

/* Calls that return NULL on failure give no status, only a message (see
 * gf_errmsg), so for them the test checks NULL and the message's pieces. */
static void check_null(int line, const char *what, const void *got, va_list ap)
{
    if (verbose) printf("  %s\n", gf_errmsg());
    if (got || !msg_has(gf_errmsg(), ap)) {
        fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, line, what,
                got ? "accepted bad input" : "message lacks an expected piece:");
        if (!got) fprintf(stderr, "  \"%s\"\n", gf_errmsg());
        failures++;
    }
}

/* gf_dataset_load_idx must return NULL with a message holding each given
 * string. */
static void expect_load_error(int line, const char *images, const char *labels, int classes,
                              ...)
{
    char ip[PATH_LEN], lp[PATH_LEN];
    gf_dataset *ds = gf_dataset_load_idx(tpath(ip, images), tpath(lp, labels), classes);
    va_list ap;
    va_start(ap, classes);
    check_null(line, labels, ds, ap);
    va_end(ap);
    gf_dataset_free(ds);
}
#define EXPECT_LOAD_ERROR(im, lab, classes, ...) \
    expect_load_error(__LINE__, im, lab, classes, __VA_ARGS__, NULL)

/* ---- valid files --------------------------------------------------------- */

static const uint32_t img_dims[3] = {4, 2, 3};

/* Four 2x3 u8 "images" covering 0 and 255; gzipped.  Labels plain. */
static void write_mnist_like(void)
{
    buf b;
    header(&b, 0x08, 3, img_dims);
    for (unsigned i = 0; i < 24; i++) put_u8(&b, i == 23 ? 255 : (i * 37) % 256);
    write_buf("images.gz", &b, 1);

    static const uint32_t four[1] = {4};
    header(&b, 0x08, 1, four);
    put_u8(&b, 3), put_u8(&b, 0), put_u8(&b, 9), put_u8(&b, 1);
    write_buf("labels", &b, 0);
}

static float pixel(unsigned i) { return i == 23 ? 255.0f : (float)((i * 37) % 256); }

static void test_valid_u8(void)
{
    char ip[PATH_LEN], lp[PATH_LEN];
    write_mnist_like();

    gf_idx idx;
    CHECK(gf_idx_read(tpath(ip, "images.gz"), &idx) == GF_OK);
    CHECK(idx.elem_type == 0x08 && idx.ndim == 3 && idx.count == 24);
    CHECK(idx.dims[0] == 4 && idx.dims[1] == 2 && idx.dims[2] == 3);
    for (unsigned i = 0; idx.data && i < 24; i++) CHECK(idx.data[i] == pixel(i));
    gf_idx_free(&idx);
    CHECK(idx.data == NULL && idx.count == 0);

    gf_dataset *ds = gf_dataset_load_idx(tpath(ip, "images.gz"), tpath(lp, "labels"), 10);
    CHECK(ds != NULL);
    if (!ds) {
        fprintf(stderr, "  load failed: %s\n", gf_errmsg());
        return;
    }
    CHECK(gf_dataset_rows(ds) == 4 && gf_dataset_cols(ds) == 6);
    CHECK(gf_dataset_y_cols(ds) == 1 && gf_dataset_classes(ds) == 10);
    const float *x = gf_dataset_x(ds), *y = gf_dataset_y(ds);
    for (unsigned i = 0; i < 24; i++) CHECK(x[i] == pixel(i) / 255.0f);
    CHECK(x[23] == 1.0f && x[0] == 0.0f);
    CHECK(y[0] == 3 && y[1] == 0 && y[2] == 9 && y[3] == 1);
    gf_dataset_free(ds);

    /* Labels of a wider integer type are as good as u8. */
    buf b;
    static const uint32_t four[1] = {4};
    header(&b, 0x0C, 1, four);
    for (int i = 0; i < 4; i++) put_be(&b, (uint32_t)i, 4);
    write_buf("labels_i32.gz", &b, 1);
    ds = gf_dataset_load_idx(tpath(ip, "images.gz"), tpath(lp, "labels_i32.gz"), 4);
    CHECK(ds && gf_dataset_y(ds)[3] == 3.0f);
    gf_dataset_free(ds);
}

static void test_valid_f32(void)
{
    static const float v[6] = {-1.5f, 0.0f, 3.25f, 1e-30f, FLT_MAX, -7.0f};
    static const uint32_t dims[2] = {2, 3};
    buf b;
    header(&b, 0x0D, 2, dims);
    for (int i = 0; i < 6; i++) put_f32(&b, v[i]);
    for (int gz = 0; gz < 2; gz++) {
        const char *name = gz ? "f32.gz" : "f32";
        char p[PATH_LEN];
        write_buf(name, &b, gz);
        gf_idx idx;
        CHECK(gf_idx_read(tpath(p, name), &idx) == GF_OK);
        CHECK(idx.elem_type == 0x0D && idx.ndim == 2 && idx.count == 6);
        CHECK(idx.dims[0] == 2 && idx.dims[1] == 3);
        for (int i = 0; idx.data && i < 6; i++) CHECK(memcmp(&idx.data[i], &v[i], 4) == 0);
        gf_idx_free(&idx);
    }
}

/* The signed and double types, including their extremes. */
static void test_other_types(void)
{
    static const uint32_t four[1] = {4};
    char p[PATH_LEN];
    buf b;
    gf_idx idx;

    header(&b, 0x09, 1, four);
    put_u8(&b, 0x80), put_u8(&b, 0xFF), put_u8(&b, 0), put_u8(&b, 0x7F);
    write_buf("i8", &b, 0);
    CHECK(gf_idx_read(tpath(p, "i8"), &idx) == GF_OK);
    CHECK(idx.data && idx.data[0] == -128 && idx.data[1] == -1 && idx.data[2] == 0 &&
          idx.data[3] == 127);
    gf_idx_free(&idx);

    header(&b, 0x0B, 1, four);
    put_be(&b, 0x8000, 2), put_be(&b, 0xFFFE, 2), put_be(&b, 300, 2), put_be(&b, 0x7FFF, 2);
    write_buf("i16", &b, 0);
    CHECK(gf_idx_read(tpath(p, "i16"), &idx) == GF_OK);
    CHECK(idx.data && idx.data[0] == -32768 && idx.data[1] == -2 && idx.data[2] == 300 &&
          idx.data[3] == 32767);
    gf_idx_free(&idx);

    header(&b, 0x0C, 1, four);
    put_be(&b, 0x80000000u, 4), put_be(&b, 0xFFFFFFFBu, 4), put_be(&b, 1u << 24, 4);
    put_be(&b, 123456, 4);
    write_buf("i32.gz", &b, 1);
    CHECK(gf_idx_read(tpath(p, "i32.gz"), &idx) == GF_OK);
    CHECK(idx.data && idx.data[0] == -2147483648.0f && idx.data[1] == -5 &&
          idx.data[2] == 16777216.0f && idx.data[3] == 123456);
    gf_idx_free(&idx);

    static const uint32_t three[1] = {3};
    header(&b, 0x0E, 1, three);
    put_f64(&b, 0.1), put_f64(&b, -2.5), put_f64(&b, 1e30);
    write_buf("f64", &b, 0);
    CHECK(gf_idx_read(tpath(p, "f64"), &idx) == GF_OK);
    CHECK(idx.data && idx.data[0] == 0.1f && idx.data[1] == -2.5f && idx.data[2] == 1e30f);
    gf_idx_free(&idx);
}

/* ---- malformed files ----------------------------------------------------- */

static void test_bad_headers(void)
{
    static const uint32_t d23[2] = {2, 3};
    buf b;

    header(&b, 0x08, 2, d23);
    b.b[0] = 0x01; /* magic 0x01000802 */
    for (int i = 0; i < 6; i++) put_u8(&b, 1);
    write_buf("bad_magic", &b, 0);
    EXPECT_IDX_ERROR("bad_magic", GF_ERR_FORMAT, "bad magic", "0x01000802");

    header(&b, 0x0A, 2, d23);
    write_buf("bad_type.gz", &b, 1);
    EXPECT_IDX_ERROR("bad_type.gz", GF_ERR_FORMAT, "unknown element type", "0x0A");

    header(&b, 0x08, 0, d23);
    write_buf("zero_ndim", &b, 0);
    EXPECT_IDX_ERROR("zero_ndim", GF_ERR_FORMAT, "dimension count 0");

    header(&b, 0x08, 2, d23);
    b.b[3] = 9; /* one more than GF_IDX_MAX_DIMS */
    write_buf("nine_ndim", &b, 0);
    EXPECT_IDX_ERROR("nine_ndim", GF_ERR_FORMAT, "dimension count 9");

    static const uint32_t d30[2] = {3, 0};
    header(&b, 0x08, 2, d30);
    write_buf("zero_dim", &b, 0);
    EXPECT_IDX_ERROR("zero_dim", GF_ERR_FORMAT, "dimension 1 (of 2", "is zero");

    write_bytes("two_bytes", "\0\0", 2, 0);
    EXPECT_IDX_ERROR("two_bytes", GF_ERR_FORMAT, "truncated header");

    write_bytes("empty", "", 0, 0);
    EXPECT_IDX_ERROR("empty", GF_ERR_FORMAT, "truncated header");

    header(&b, 0x08, 2, d23);
    b.n -= 2; /* the second dimension cut short */
    write_buf("short_dims.gz", &b, 1);
    EXPECT_IDX_ERROR("short_dims.gz", GF_ERR_FORMAT, "truncated header", "expected 8", "found 6");

    /* 8 x 2^32-1 elements cannot be counted in 64 bits. */
    static const uint32_t huge[8] = {~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u};
    header(&b, 0x08, 8, huge);
    write_buf("overflow", &b, 0);
    EXPECT_IDX_ERROR("overflow", GF_ERR_FORMAT, "overflow");

    /* 2^48 elements count fine but are past the cap of 2^30; 2^30 exactly
     * is allowed, and the file holding three fails as truncated, not by
     * allocating 4 GiB. */
    static const uint32_t big[3] = {65536, 65536, 65536};
    header(&b, 0x08, 3, big);
    put_u8(&b, 1), put_u8(&b, 2), put_u8(&b, 3);
    write_buf("claims_huge", &b, 0);
    EXPECT_IDX_ERROR("claims_huge", GF_ERR_FORMAT, "dimensions 65536 x 65536 x 65536 make",
                     "281474976710656 elements", "more than the 1073741824");
    static const uint32_t at_cap[3] = {65536, 128, 128};
    header(&b, 0x08, 3, at_cap);
    put_u8(&b, 1), put_u8(&b, 2), put_u8(&b, 3);
    write_buf("claims_cap", &b, 0);
    EXPECT_IDX_ERROR("claims_cap", GF_ERR_FORMAT, "truncated data", "found 3");
    static const uint32_t past_cap[3] = {65537, 128, 128};
    header(&b, 0x08, 3, past_cap);
    write_buf("claims_past_cap.gz", &b, 1);
    EXPECT_IDX_ERROR("claims_past_cap.gz", GF_ERR_FORMAT, "65537 x 128 x 128 make 1073758208 elements", "1073741824");

    EXPECT_IDX_ERROR("no_such_file", GF_ERR_IO, "cannot open");
}

static double peak_mib(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_maxrss / 1024.0;
}

/* A .gz of 4 KB claiming 2^30 bytes of elements and holding 4 MiB of
 * them: memory follows what is read (at most twice the floats read so
 * far), not the claim, which would take 4 GiB as floats.  Runs first,
 * while the peak is small. */
static void test_gz_claims(void)
{
    static const uint32_t dims[2] = {16384, 65536};
    buf b = {0};
    header(&b, 0x08, 2, dims);
    size_t zeros = (size_t)4 << 20;
    unsigned char *data = calloc(b.n + zeros, 1);
    memcpy(data, b.b, b.n);
    write_bytes("zeros.gz", data, b.n + zeros, 1);
    free(data);
    double before = peak_mib();
    EXPECT_IDX_ERROR("zeros.gz", GF_ERR_FORMAT, "truncated data", "expected 1073741824 bytes",
                     "found 4194304");
    double grew = peak_mib() - before;
    if (grew > 48) {
        fprintf(stderr, "%s:%d: reading 4 MiB that claimed 1 GiB took %.0f MiB\n", __FILE__,
                __LINE__, grew);
        failures++;
    }
}

static void test_bad_sizes(void)
{
    static const uint32_t d23[2] = {2, 3};
    buf b;
    for (int gz = 0; gz < 2; gz++) {
        header(&b, 0x08, 2, d23);
        for (int i = 0; i < 4; i++) put_u8(&b, 1);
        write_buf(gz ? "truncated.gz" : "truncated", &b, gz);
        EXPECT_IDX_ERROR(gz ? "truncated.gz" : "truncated", GF_ERR_FORMAT, "truncated data",
                         "expected 6 bytes", "found 4");

        header(&b, 0x0B, 2, d23); /* i16: 12 bytes of data */
        for (int i = 0; i < 11; i++) put_u8(&b, 1);
        write_buf("truncated_i16", &b, gz);
        EXPECT_IDX_ERROR("truncated_i16", GF_ERR_FORMAT, "truncated data", "expected 12 bytes",
                         "found 11");

        header(&b, 0x08, 2, d23);
        for (int i = 0; i < 7; i++) put_u8(&b, 1);
        write_buf(gz ? "trailing.gz" : "trailing", &b, gz);
        EXPECT_IDX_ERROR(gz ? "trailing.gz" : "trailing", GF_ERR_FORMAT, "trailing data");
    }
}

/* A gzip stream cut short, and one whose CRC does not match its data. */
static void test_corrupt_gzip(void)
{
    static const uint32_t d[2] = {40, 50};
    buf b;
    header(&b, 0x08, 2, d);
    uint32_t r = 12345; /* an LCG, so the data does not compress to nothing */
    for (int i = 0; i < 2000; i++) {
        r = r * 1664525u + 1013904223u;
        put_u8(&b, r >> 24);
    }
    write_buf("good.gz", &b, 1);
    char p[PATH_LEN];
    gf_idx idx;
    CHECK(gf_idx_read(tpath(p, "good.gz"), &idx) == GF_OK && idx.count == 2000);
    gf_idx_free(&idx);

    size_t n;
    unsigned char *z = slurp("good.gz", &n);
    CHECK(n > 1000);
    write_bytes("cut.gz", z, n / 2, 0);
    EXPECT_IDX_ERROR("cut.gz", GF_ERR_FORMAT, "gzip");

    /* All the data present, only the 8-byte trailer missing. */
    write_bytes("no_trailer.gz", z, n - 8, 0);
    EXPECT_IDX_ERROR("no_trailer.gz", GF_ERR_FORMAT, "gzip");

    z[n - 8] ^= 0xFF; /* the trailer's first byte is the CRC-32's lowest */
    write_bytes("bad_crc.gz", z, n, 0);
    EXPECT_IDX_ERROR("bad_crc.gz", GF_ERR_FORMAT, "gzip");
}

static void test_non_finite(void)
{
    static const uint32_t five[1] = {5};
    buf b;
    header(&b, 0x0D, 1, five);
    put_f32(&b, 1), put_f32(&b, 2), put_f32(&b, 3), put_f32(&b, NAN), put_f32(&b, 5);
    write_buf("nan_f32.gz", &b, 1);
    EXPECT_IDX_ERROR("nan_f32.gz", GF_ERR_NUMERIC, "element 3", "NaN");

    header(&b, 0x0E, 1, five);
    put_f64(&b, 0), put_f64(&b, -INFINITY), put_f64(&b, 0), put_f64(&b, 0), put_f64(&b, 0);
    write_buf("inf_f64", &b, 0);
    EXPECT_IDX_ERROR("inf_f64", GF_ERR_NUMERIC, "element 1", "infinite");

    /* Finite as a double, infinite as a float. */
    header(&b, 0x0E, 1, five);
    put_f64(&b, 0), put_f64(&b, 0), put_f64(&b, 0), put_f64(&b, 0), put_f64(&b, 1e300);
    write_buf("big_f64", &b, 0);
    EXPECT_IDX_ERROR("big_f64", GF_ERR_NUMERIC, "element 4", "float range");
}

static void test_bad_labels(void)
{
    write_mnist_like();
    static const uint32_t four[1] = {4}, three[1] = {3}, d22[2] = {2, 2};
    buf b;

    header(&b, 0x08, 1, four);
    put_u8(&b, 0), put_u8(&b, 1), put_u8(&b, 10), put_u8(&b, 2);
    write_buf("labels_10", &b, 0);
    EXPECT_LOAD_ERROR("images.gz", "labels_10", 10, "labels_10", "label 2 is 10",
                      "[0, 10)");

    header(&b, 0x09, 1, four); /* i8, so -1 is representable */
    put_u8(&b, 0), put_u8(&b, 0xFF), put_u8(&b, 1), put_u8(&b, 2);
    write_buf("labels_neg.gz", &b, 1);
    EXPECT_LOAD_ERROR("images.gz", "labels_neg.gz", 10, "labels_neg.gz",
                      "label 1 is -1", "range");

    header(&b, 0x08, 1, three);
    put_u8(&b, 0), put_u8(&b, 1), put_u8(&b, 2);
    write_buf("labels_3", &b, 0);
    EXPECT_LOAD_ERROR("images.gz", "labels_3", 10, "labels_3", "images.gz",
                      "3 labels", "4 images");

    header(&b, 0x08, 2, d22);
    for (int i = 0; i < 4; i++) put_u8(&b, 0);
    write_buf("labels_2d", &b, 0);
    EXPECT_LOAD_ERROR("images.gz", "labels_2d", 10, "labels_2d",
                      "one-dimensional");

    header(&b, 0x0D, 1, four);
    for (int i = 0; i < 4; i++) put_f32(&b, 1);
    write_buf("labels_f32", &b, 0);
    EXPECT_LOAD_ERROR("images.gz", "labels_f32", 10, "labels_f32", "integer");

    EXPECT_LOAD_ERROR("images.gz", "labels", 1, "classes is 1");
    EXPECT_LOAD_ERROR("missing_images", "labels", 10, "missing_images", "cannot open");
    EXPECT_LOAD_ERROR("images.gz", "missing_labels", 10, "missing_labels");
    EXPECT_LOAD_ERROR("images.gz", "truncated.gz", 10, "truncated.gz",
                      "truncated data");
}

/* ---- gf_dataset_new and slice --------------------------------------------- */

/* gf_dataset_new must return NULL with a message holding each given string. */
static void expect_new_error(int line, size_t rows, size_t cols, const float *x, size_t y_cols,
                             const float *y, int classes, ...)
{
    gf_dataset *ds = gf_dataset_new(rows, cols, x, y_cols, y, classes);
    va_list ap;
    va_start(ap, classes);
    check_null(line, "gf_dataset_new", ds, ap);
    va_end(ap);
    gf_dataset_free(ds);
}
#define EXPECT_NEW_ERROR(rows, cols, x, y_cols, y, classes, ...) \
    expect_new_error(__LINE__, rows, cols, x, y_cols, y, classes, __VA_ARGS__, NULL)

static void test_new(void)
{
    float x[6] = {1, 2, 3, 4, 5, 6}, y[3] = {0, 2, 1};
    gf_dataset *ds = gf_dataset_new(3, 2, x, 1, y, 3);
    CHECK(ds != NULL);
    x[0] = 99, y[0] = 1; /* the dataset holds a copy */
    CHECK(ds && gf_dataset_x(ds)[0] == 1 && gf_dataset_y(ds)[0] == 0);
    CHECK(gf_dataset_rows(ds) == 3 && gf_dataset_cols(ds) == 2 && gf_dataset_y_cols(ds) == 1);
    CHECK(gf_dataset_classes(ds) == 3 && gf_dataset_x(ds)[5] == 6);
    gf_dataset_free(ds);
    x[0] = 1, y[0] = 0;

    /* A deviation so small that a value leaves float's range is refused,
     * and the data are left as they were. */
    ds = gf_dataset_new(3, 2, x, 1, y, 3);
    CHECK(ds && gf_dataset_standardize(ds, 0.0, 1e-40) == GF_ERR_NUMERIC);
    CHECK(strstr(gf_errmsg(), "row 0, column 0") && strstr(gf_errmsg(), "too small"));
    CHECK(ds && gf_dataset_x(ds)[5] == 6);
    CHECK(ds && gf_dataset_standardize(ds, 1.0, 2.0) == GF_OK && gf_dataset_x(ds)[5] == 2.5f);
    gf_dataset_free(ds);

    float yr[6] = {0.5f, -1, 2, 3, 1e6f, -2.25f}; /* regression, two targets */
    ds = gf_dataset_new(3, 2, x, 2, yr, 0);
    CHECK(ds && gf_dataset_classes(ds) == 0 && gf_dataset_y(ds)[5] == -2.25f);
    gf_dataset_free(ds);

    x[3] = NAN;
    EXPECT_NEW_ERROR(3, 2, x, 1, y, 3, "feature", "row 1", "column 1", "NaN");
    x[3] = 4;
    yr[5] = INFINITY;
    EXPECT_NEW_ERROR(3, 2, x, 2, yr, 0, "target", "row 2", "column 1",
                     "infinite");
    yr[5] = 0;

    EXPECT_NEW_ERROR(3, 2, x, 2, yr, 3, "y_cols");
    y[1] = 1.5f;
    EXPECT_NEW_ERROR(3, 2, x, 1, y, 3, "row 1", "1.5", "[0, 3)");
    y[1] = 3;
    EXPECT_NEW_ERROR(3, 2, x, 1, y, 3, "row 1", "[0, 3)");
    y[1] = -1;
    EXPECT_NEW_ERROR(3, 2, x, 1, y, 3, "row 1", "[0, 3)");
    y[1] = 2;
    EXPECT_NEW_ERROR(3, 2, x, 1, y, -1, "classes");
    EXPECT_NEW_ERROR(3, 2, x, 1, y, 1, "classes");
    EXPECT_NEW_ERROR(0, 2, x, 1, y, 3, "rows");
    EXPECT_NEW_ERROR(3, 0, x, 1, y, 3, "cols");
    EXPECT_NEW_ERROR(3, 2, x, 0, y, 3, "y_cols");
    EXPECT_NEW_ERROR(3, 2, NULL, 1, y, 3, "NULL");
    EXPECT_NEW_ERROR(3, 2, x, 1, NULL, 3, "NULL");
    /* Sizes whose byte count overflows are refused before x is read. */
    EXPECT_NEW_ERROR(SIZE_MAX / 2, 4, x, 1, y, 0, "too large");
}

static void test_slice(void)
{
    float x[10], y[5] = {0, 1, 0, 1, 1};
    for (int i = 0; i < 10; i++) x[i] = (float)i;
    gf_dataset *ds = gf_dataset_new(5, 2, x, 1, y, 2);
    CHECK(ds != NULL);
    if (!ds) return;

    gf_dataset *s = gf_dataset_slice(ds, 1, 3);
    CHECK(s && gf_dataset_rows(s) == 3 && gf_dataset_cols(s) == 2 && gf_dataset_classes(s) == 2);
    if (s) {
        for (int i = 0; i < 6; i++) CHECK(gf_dataset_x(s)[i] == (float)(i + 2));
        CHECK(gf_dataset_y(s)[0] == 1 && gf_dataset_y(s)[1] == 0 && gf_dataset_y(s)[2] == 1);
    }
    gf_dataset_free(s);

    s = gf_dataset_slice(ds, 0, 5);
    CHECK(s && gf_dataset_rows(s) == 5);
    gf_dataset_free(s);
    s = gf_dataset_slice(ds, 4, 1);
    CHECK(s && gf_dataset_rows(s) == 1 && gf_dataset_x(s)[1] == 9);
    gf_dataset_free(s);

    static const size_t bad[][2] = {{4, 2}, {5, 1}, {0, 0}, {2, 0}, {6, 1}, {SIZE_MAX, 2},
                                    {1, SIZE_MAX}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = gf_dataset_slice(ds, bad[i][0], bad[i][1]);
        if (s || !strstr(gf_errmsg(), "range")) {
            fprintf(stderr, "%s:%d: slice(%zu, %zu) of 5 rows: %s\n", __FILE__, __LINE__,
                    bad[i][0], bad[i][1], s ? "accepted" : gf_errmsg());
            failures++;
        }
        gf_dataset_free(s);
    }
    CHECK(gf_dataset_slice(NULL, 0, 1) == NULL);
    gf_dataset_free(ds);

    gf_dataset_free(NULL);
    gf_idx_free(NULL);
    CHECK(gf_dataset_rows(NULL) == 0 && gf_dataset_x(NULL) == NULL);
}

/* ---- real data ------------------------------------------------------------ */

#define FMNIST "/usr/share/datasets/fashion-mnist/"

static void test_fashion_mnist(void)
{
    if (access(FMNIST "t10k-images-idx3-ubyte.gz", R_OK) ||
        access(FMNIST "t10k-labels-idx1-ubyte.gz", R_OK)) {
        printf("skipping Fashion-MNIST: %s not found\n", FMNIST "t10k-*-idx*-ubyte.gz");
        return;
    }
    gf_dataset *ds = gf_dataset_load_idx(FMNIST "t10k-images-idx3-ubyte.gz",
                                         FMNIST "t10k-labels-idx1-ubyte.gz", 10);
    CHECK(ds != NULL);
    if (!ds) {
        fprintf(stderr, "  %s\n", gf_errmsg());
        return;
    }
    CHECK(gf_dataset_rows(ds) == 10000 && gf_dataset_cols(ds) == 784);
    const float *x = gf_dataset_x(ds), *y = gf_dataset_y(ds);
    size_t per_class[10] = {0}, bad_x = 0, bad_y = 0;
    float max = 0;
    for (size_t i = 0; i < 10000 * (size_t)784; i++) {
        if (!(x[i] >= 0 && x[i] <= 1)) bad_x++;
        if (x[i] > max) max = x[i];
    }
    for (size_t i = 0; i < 10000; i++) {
        if (y[i] >= 0 && y[i] < 10 && y[i] == floorf(y[i]))
            per_class[(int)y[i]]++;
        else
            bad_y++;
    }
    CHECK(bad_x == 0 && bad_y == 0 && max == 1.0f);
    for (int c = 0; c < 10; c++) CHECK(per_class[c] == 1000); /* the test set is balanced */
    gf_dataset_free(ds);
    printf("Fashion-MNIST t10k: 10000 x 784 loaded\n");
}

int main(void)
{
    verbose = getenv("GRAFO_TEST_VERBOSE") != NULL;
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    test_gz_claims();
    test_valid_u8();
    test_valid_f32();
    test_other_types();
    test_bad_headers();
    test_bad_sizes();
    test_corrupt_gzip();
    test_non_finite();
    test_bad_labels();
    test_new();
    test_slice();
    test_fashion_mnist();
    remove_tmpdir();

    if (failures) {
        fprintf(stderr, "test_data: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_data: all checks passed\n");
    return 0;
}
