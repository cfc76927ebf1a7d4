/* Tests for the libsvm reader: a file with comments, blank lines, tabs and
 * CRLF read into the exact compressed rows; the n_features option; the
 * dense copy; every malformed line, each checked for its status and for a
 * message that names the file, the line, the column and the pair; files,
 * gzipped and missing; every prefix of a valid text and random byte flips,
 * which must each give a matrix or a clean error. */
#include "grafo/frame.h"
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static gf_sparse *parse_with(const char *text, const gf_libsvm_opts *o)
{
    gf_sparse *m = NULL;
    gf_status s = gf_libsvm_parse(text, strlen(text), "t.svm", o, &m);
    CHECK(s == GF_OK, "parsing %s: %s", text, gf_errmsg());
    CHECK((s == GF_OK) == (m != NULL), "a matrix exactly on success");
    return m;
}

/* Parse expecting status `want` and a message holding every string of the
 * NULL-terminated list. */
static void expect_error_n(const char *text, size_t len, const gf_libsvm_opts *o, gf_status want,
                           ...)
{
    gf_sparse *m = (gf_sparse *)1;
    gf_status s = gf_libsvm_parse(text, len, "t.svm", o, &m);
    CHECK(s == want, "status %d (%s), expected %d, for %.60s", (int)s, gf_errmsg(), (int)want,
          text ? text : "(null)");
    CHECK(m == NULL, "no matrix on failure");
    if (s == GF_OK) gf_sparse_free(m);
    va_list ap;
    va_start(ap, want);
    for (const char *part; (part = va_arg(ap, const char *));)
        CHECK(strstr(gf_errmsg(), part) != NULL, "message '%s' lacks '%s'", gf_errmsg(), part);
    va_end(ap);
    if (getenv("GRAFO_TEST_VERBOSE")) fprintf(stderr, "  expected error: %s\n", gf_errmsg());
}

#define expect_error(text, o, want, ...) \
    expect_error_n(text, strlen(text), o, want, __VA_ARGS__, (const char *)NULL)

static const char *good = "# a comment line\n"
                          "+1 3:0.5 10:-1.25\n"
                          "\n"
                          "-1\t1:2\t2:1e-3 # a trailing comment\r\n"
                          "   \n"
                          "0.5\n"
                          "2 10:7 # 11:8 is commented out\n";

static void test_good(void)
{
    gf_sparse *m = parse_with(good, NULL);
    if (!m) return;
    CHECK(m->rows == 4 && m->cols == 10 && m->nnz == 5, "%zu x %zu, %zu values", m->rows, m->cols,
          m->nnz);
    size_t row_start[] = {0, 2, 4, 4, 5};
    int32_t col[] = {2, 9, 0, 1, 9};
    double val[] = {0.5, -1.25, 2, 1e-3, 7}, y[] = {1, -1, 0.5, 2};
    for (size_t i = 0; i <= 4; i++) CHECK(m->row_start[i] == row_start[i], "row_start[%zu]", i);
    for (size_t k = 0; k < 5; k++)
        CHECK(m->col[k] == col[k] && m->val[k] == val[k], "value %zu: %d:%g", k, (int)m->col[k],
              m->val[k]);
    for (size_t i = 0; i < 4; i++) CHECK(m->y[i] == y[i], "y[%zu] = %g", i, m->y[i]);

    double x[40];
    for (size_t i = 0; i < 40; i++) x[i] = 99;
    CHECK(gf_sparse_to_dense(m, x) == GF_OK, "%s", gf_errmsg());
    double sum = 0;
    for (size_t i = 0; i < 40; i++) sum += x[i];
    CHECK(x[0 * 10 + 2] == 0.5 && x[0 * 10 + 9] == -1.25 && x[1 * 10 + 0] == 2 &&
              x[1 * 10 + 1] == 1e-3 && x[3 * 10 + 9] == 7,
          "dense values");
    CHECK_NEAR(sum, 0.5 - 1.25 + 2 + 1e-3 + 7, 1e-15); /* every other entry 0 */
    gf_sparse_free(m);
    gf_sparse_free(NULL);

    /* n_features fixes the width, beyond the largest index */
    gf_libsvm_opts o = GF_LIBSVM_OPTS_DEFAULT;
    o.n_features = 12;
    m = parse_with(good, &o);
    if (m) {
        CHECK(m->cols == 12 && m->nnz == 5, "%zu columns", m->cols);
        gf_sparse_free(m);
    }
    /* the largest index there is; a row with no pairs; a byte-order mark */
    m = parse_with("\xEF\xBB\xBF" "3 2147483647:1\n-4\n", NULL);
    if (m) {
        CHECK(m->cols == 2147483647u && m->col[0] == 2147483646 && m->rows == 2, "largest index");
        CHECK(m->y[0] == 3 && m->y[1] == -4, "labels");
        gf_sparse_free(m);
    }
    /* the last line needs no line end; spaces may run long */
    m = parse_with("1    1:1      2:2", NULL);
    if (m) {
        CHECK(m->rows == 1 && m->nnz == 2 && m->val[1] == 2, "no final line end");
        gf_sparse_free(m);
    }
}

static void test_bad(void)
{
    /* indices */
    expect_error("1 1:1\n1 0:1\n", NULL, GF_ERR_FORMAT, "t.svm:2:3:", "pair 1", "'0:1'", "index 0");
    expect_error("1 2:1 2:3\n", NULL, GF_ERR_FORMAT, "t.svm:1:7:", "pair 2", "'2:3'", "repeats");
    expect_error("1 1:1 3:1 2:3\n", NULL, GF_ERR_FORMAT, "t.svm:1:11:", "pair 3", "'2:3'",
                 "below");
    expect_error("1 2147483648:1\n", NULL, GF_ERR_FORMAT, "t.svm:1:3:", "'2147483648:1'",
                 "2147483647");
    expect_error("1 99999999999999999999999:1\n", NULL, GF_ERR_FORMAT, "t.svm:1:3:", "2147483647");
    expect_error("1 -1:2\n", NULL, GF_ERR_FORMAT, "t.svm:1:3:", "'-1:2'", "index");
    expect_error("1 +1:2\n", NULL, GF_ERR_FORMAT, "t.svm:1:3:", "'+1:2'");
    expect_error("1 a:2\n", NULL, GF_ERR_FORMAT, "t.svm:1:3:", "'a:2'");
    expect_error("1 :2\n", NULL, GF_ERR_FORMAT, "t.svm:1:3:", "':2'");
    expect_error("1 qid:3 1:2\n", NULL, GF_ERR_FORMAT, "t.svm:1:3:", "'qid:3'");
    gf_libsvm_opts o = GF_LIBSVM_OPTS_DEFAULT;
    o.n_features = 5;
    expect_error("1 1:1\n\n-1 5:1 6:2\n", &o, GF_ERR_FORMAT, "t.svm:3:8:", "'6:2'", "5 features");
    o.n_features = (size_t)1 << 31;
    expect_error("1 1:1\n", &o, GF_ERR_ARG, "n_features");
    /* values */
    expect_error("1 1:x\n", NULL, GF_ERR_FORMAT, "t.svm:1:5:", "'1:x'", "number");
    expect_error("1 1:\n", NULL, GF_ERR_FORMAT, "t.svm:1:5:", "'1:'");
    expect_error("1 1:2:3\n", NULL, GF_ERR_FORMAT, "t.svm:1:5:", "'1:2:3'");
    expect_error("1 1:0x10\n", NULL, GF_ERR_FORMAT, "t.svm:1:5:", "'1:0x10'");
    expect_error("1 1:1 2\n", NULL, GF_ERR_FORMAT, "t.svm:1:7:", "pair 2", "'2'", "':'");
    expect_error("1 1 :2\n", NULL, GF_ERR_FORMAT, "t.svm:1:3:", "'1'");
    const char *nonfinite[] = {"inf", "-Inf", "NaN", "1e999", "infinity"};
    for (size_t k = 0; k < sizeof nonfinite / sizeof *nonfinite; k++) {
        char text[64], pair[32];
        snprintf(text, sizeof text, "1 1:1\n2 3:%s\n", nonfinite[k]);
        snprintf(pair, sizeof pair, "'3:%s'", nonfinite[k]);
        expect_error(text, NULL, GF_ERR_NUMERIC, "t.svm:2:5:", pair, "finite");
        snprintf(text, sizeof text, "1 1:1\n%s 3:1\n", nonfinite[k]);
        expect_error(text, NULL, GF_ERR_NUMERIC, "t.svm:2:1:", nonfinite[k], "label");
    }
    /* labels */
    expect_error("yes 1:1\n", NULL, GF_ERR_FORMAT, "t.svm:1:1:", "'yes'", "label");
    expect_error("1 1:1\n  1:2 3:4\n", NULL, GF_ERR_FORMAT, "t.svm:2:3:", "'1:2'", "label");
    expect_error("1,2 1:1\n", NULL, GF_ERR_FORMAT, "t.svm:1:1:", "'1,2'");
    /* nothing, or not text */
    expect_error("", NULL, GF_ERR_FORMAT, "t.svm", "no examples");
    expect_error("# just a comment\n\n  \n", NULL, GF_ERR_FORMAT, "t.svm", "no examples");
    expect_error_n("1 1:1\n1 2:\0\n", 11, NULL, GF_ERR_FORMAT, "t.svm:2:5:", "NUL",
                   "not a text file", (const char *)NULL);
    CHECK(gf_libsvm_parse("1 1:1\n", 6, "t.svm", NULL, NULL) == GF_ERR_ARG, "out NULL");
    expect_error_n(NULL, 0, NULL, GF_ERR_FORMAT, "t.svm", "no examples", (const char *)NULL);
    expect_error_n(NULL, 3, NULL, GF_ERR_ARG, "t.svm", "NULL", (const char *)NULL);
}

static void test_dense_checks(void)
{
    size_t row_start[] = {0, 1, 2};
    int32_t col[] = {0, 5};
    double val[] = {1, 2}, y[] = {0, 1}, x[6];
    gf_sparse bad = {.rows = 2, .cols = 3, .nnz = 2, .row_start = row_start, .col = col,
                     .val = val, .y = y};
    CHECK(gf_sparse_to_dense(&bad, x) == GF_ERR_ARG && strstr(gf_errmsg(), "row 2"), "%s",
          gf_errmsg());
    col[1] = 2;
    row_start[2] = 3;
    CHECK(gf_sparse_to_dense(&bad, x) == GF_ERR_ARG, "offsets past nnz");
    row_start[2] = 2;
    CHECK(gf_sparse_to_dense(&bad, x) == GF_OK && x[5] == 2 && x[0] == 1 && x[3] == 0, "fixed");
    bad.cols = SIZE_MAX / 4;
    CHECK(gf_sparse_to_dense(&bad, x) == GF_ERR_ARG && strstr(gf_errmsg(), "columns"), "%s",
          gf_errmsg());
    CHECK(x[5] == 2 && x[0] == 1, "x untouched by a refused copy");
    CHECK(gf_sparse_to_dense(NULL, x) == GF_ERR_ARG, "NULL");
}

/* A 15-byte file whose one index is 2000000000 would make a dense copy of
 * 16 GB; rows of two bytes each under an index of 2^20 would make 8 MiB
 * a row.  The caps refuse both before the caller allocates anything, and
 * admit a copy right at the cap. */
static void test_dense_limits(void)
{
    gf_sparse *m = parse_with("1 2000000000:1\n", NULL);
    size_t values = 77;
    if (m) {
        CHECK(m->rows == 1 && m->cols == 2000000000u, "%zu x %zu", m->rows, m->cols);
        CHECK(gf_sparse_dense_count(m, &values) == GF_ERR_ARG && values == 0, "%zu values: %s",
              values, gf_errmsg());
        CHECK(strstr(gf_errmsg(), "2000000000 columns") && strstr(gf_errmsg(), "1048576"), "%s",
              gf_errmsg());
        double x = 5;
        CHECK(gf_sparse_to_dense(m, &x) == GF_ERR_ARG && x == 5, "the copy refused too");
    }
    gf_sparse_free(m);
    /* 2^20 columns: allowed alone, and for up to 2^28 / 2^20 = 256 rows */
    size_t rows = 257;
    char *text = malloc(rows * 2 + 32), *p = text;
    for (size_t i = 0; i + 1 < rows; i++) p += sprintf(p, "1\n");
    sprintf(p, "1 1048576:1\n");
    m = parse_with(text, NULL);
    if (m) {
        CHECK(m->rows == 257 && m->cols == GF_SPARSE_DENSE_MAX_COLS, "%zu x %zu", m->rows, m->cols);
        CHECK(gf_sparse_dense_count(m, &values) == GF_ERR_ARG && values == 0, "%zu", values);
        CHECK(strstr(gf_errmsg(), "257 rows x 1048576 columns") && strstr(gf_errmsg(), "268435456"),
              "%s", gf_errmsg());
        m->rows = 256; /* the last row is then the cap's last */
        m->nnz = m->row_start[256];
        CHECK(gf_sparse_dense_count(m, &values) == GF_OK && values == GF_DENSE_MAX_VALUES,
              "%zu: %s", values, gf_errmsg());
        m->rows = 257;
    }
    gf_sparse_free(m);
    free(text);
    /* one index past the column cap, even on a single row */
    m = parse_with("1 1048577:1\n", NULL);
    CHECK(m && gf_sparse_dense_count(m, &values) == GF_ERR_ARG, "2^20 + 1 columns refused");
    gf_sparse_free(m);
    CHECK(gf_sparse_dense_count(NULL, &values) == GF_ERR_ARG, "NULL matrix");
}

static void test_files(void)
{
    char dir[] = "/tmp/grafo_test_libsvm_XXXXXX", path[256];
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp failed");
        return;
    }
    snprintf(path, sizeof path, "%s/a.svm.gz", dir);
    gzFile gz = gzopen(path, "wb");
    CHECK(gz && gzwrite(gz, good, (unsigned)strlen(good)) == (int)strlen(good), "gzwrite");
    if (gz) gzclose(gz);
    gf_sparse *m = NULL;
    CHECK(gf_libsvm_read(path, NULL, &m) == GF_OK, "%s", gf_errmsg());
    if (m) {
        CHECK(m->rows == 4 && m->nnz == 5 && m->val[4] == 7, "gzipped");
        gf_sparse_free(m);
    }
    unlink(path);
    snprintf(path, sizeof path, "%s/bad.svm", dir);
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs("1 1:1\n# ok\n1 2:1 1:1\n", fp);
        fclose(fp);
    }
    CHECK(gf_libsvm_read(path, NULL, &m) == GF_ERR_FORMAT && m == NULL, "bad file");
    char want[300];
    snprintf(want, sizeof want, "%s:3:7:", path);
    CHECK(strstr(gf_errmsg(), want) && strstr(gf_errmsg(), "'1:1'"), "%s", gf_errmsg());
    unlink(path);
    snprintf(path, sizeof path, "%s/missing.svm", dir);
    CHECK(gf_libsvm_read(path, NULL, &m) == GF_ERR_IO && m == NULL, "missing");
    CHECK(strstr(gf_errmsg(), path) && strstr(gf_errmsg(), "No such file"), "%s", gf_errmsg());
    rmdir(dir);
}

/* Parse and check the result is a well-formed matrix or a clean error. */
static void parse_anything(const char *text, size_t len, const gf_libsvm_opts *o)
{
    gf_sparse *m = (gf_sparse *)1;
    gf_status s = gf_libsvm_parse(text, len, "t.svm", o, &m);
    if (s != GF_OK) {
        CHECK(m == NULL && s < GF_STATUS_COUNT, "clean failure");
        CHECK(strncmp(gf_errmsg(), "t.svm", 5) == 0, "message names the source: %s", gf_errmsg());
        return;
    }
    CHECK(m && m->rows > 0 && m->row_start[0] == 0 && m->row_start[m->rows] == m->nnz, "shape");
    for (size_t i = 0; m && i < m->rows; i++) {
        CHECK(isfinite(m->y[i]), "finite label");
        for (size_t k = m->row_start[i]; k < m->row_start[i + 1]; k++) {
            CHECK(m->col[k] >= 0 && (size_t)m->col[k] < m->cols && isfinite(m->val[k]), "entry");
            if (k > m->row_start[i]) CHECK(m->col[k] > m->col[k - 1], "increasing");
        }
    }
    gf_sparse_free(m);
}

static void test_prefixes_and_flips(void)
{
    size_t len = strlen(good);
    gf_libsvm_opts o = GF_LIBSVM_OPTS_DEFAULT;
    o.n_features = 10;
    for (size_t n = 0; n <= len; n++) {
        char *cut = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
        memcpy(cut, good, n);
        parse_anything(cut, n, NULL);
        parse_anything(cut, n, &o);
        free(cut);
    }
    gf_rng rng;
    gf_rng_seed(&rng, 11);
    const char bytes[] = {':', ' ', '\t', '\n', '\r', '#', '0', '9', '-', '.', 'e', '\0', (char)0xFF, 'x'};
    for (int trial = 0; trial < 3000; trial++) {
        char *copy = malloc(len);
        memcpy(copy, good, len);
        int flips = 1 + (int)gf_rng_below(&rng, 3);
        for (int k = 0; k < flips; k++)
            copy[gf_rng_below(&rng, len)] = bytes[gf_rng_below(&rng, sizeof bytes)];
        parse_anything(copy, len, trial % 2 ? &o : NULL);
        free(copy);
    }
}

int main(void)
{
    test_good();
    test_bad();
    test_dense_checks();
    test_dense_limits();
    test_files();
    test_prefixes_and_flips();
    return check_report("test_libsvm");
}
