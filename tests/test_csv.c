/* Tests for gf_frame and the CSV reader: R's own files (USArrests, mtcars,
 * iris as write.csv writes them) against R's values; every kind of good
 * input (quoting, delimiters, line ends, byte-order mark, missing values
 * under the three policies, level orders, numbers with spaces); every kind
 * of bad input, each checked for its status and for a message that names
 * the file, the line and the column; every prefix of a valid text and
 * random byte flips, which must each give a frame or a clean error. */
#include "grafo/frame.h"
#include "check.h"

#include <locale.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* ---- helpers -------------------------------------------------------------- */

static gf_frame *parse_with(const char *text, const gf_csv_opts *o)
{
    gf_frame *f = NULL;
    gf_status s = gf_csv_parse(text, strlen(text), "t.csv", o, &f);
    CHECK(s == GF_OK, "parsing %s: %s", text, gf_errmsg());
    CHECK((s == GF_OK) == (f != NULL), "a frame exactly on success");
    return f;
}

static gf_frame *parse(const char *text) { return parse_with(text, NULL); }

/* Parse `len` bytes expecting status `want` and a message holding each of
 * the NULL-terminated list of strings. */
static void expect_error_n(const char *text, size_t len, const gf_csv_opts *o, gf_status want, ...)
{
    gf_frame *f = (gf_frame *)1;
    gf_status s = gf_csv_parse(text, len, "t.csv", o, &f);
    CHECK(s == want, "status %d (%s), expected %d, for %.60s", (int)s, gf_errmsg(), (int)want,
          text ? text : "(null)");
    CHECK(f == NULL, "no frame on failure");
    if (s == GF_OK) gf_frame_free(f);
    va_list ap;
    va_start(ap, want);
    for (const char *part; (part = va_arg(ap, const char *));)
        CHECK(strstr(gf_errmsg(), part) != NULL, "message '%s' lacks '%s'", gf_errmsg(), part);
    va_end(ap);
    if (getenv("GRAFO_TEST_VERBOSE")) fprintf(stderr, "  expected error: %s\n", gf_errmsg());
}

#define expect_error(text, o, want, ...) \
    expect_error_n(text, strlen(text), o, want, __VA_ARGS__, (const char *)NULL)

static double num(const gf_frame *f, const char *col, size_t i)
{
    long j = gf_frame_find(f, col);
    CHECK(j >= 0 && gf_frame_type(f, (size_t)j) == GF_COL_NUMERIC, "numeric column %s", col);
    if (j < 0 || gf_frame_type(f, (size_t)j) != GF_COL_NUMERIC) return NAN;
    return gf_frame_numeric(f, (size_t)j)[i];
}

/* The level of row i of factor `col`, or "<NA>" for a missing cell. */
static const char *level(const gf_frame *f, const char *col, size_t i)
{
    long j = gf_frame_find(f, col);
    CHECK(j >= 0 && gf_frame_type(f, (size_t)j) == GF_COL_FACTOR, "factor column %s", col);
    if (j < 0 || gf_frame_type(f, (size_t)j) != GF_COL_FACTOR) return "";
    int32_t c = gf_frame_codes(f, (size_t)j)[i];
    return c < 0 ? "<NA>" : gf_frame_level(f, (size_t)j, (size_t)c);
}

/* Check factor `col`'s levels, in order, against a NULL-terminated list. */
static void check_levels(const gf_frame *f, const char *col, ...)
{
    long j = gf_frame_find(f, col);
    CHECK(j >= 0 && gf_frame_type(f, (size_t)j) == GF_COL_FACTOR, "factor column %s", col);
    if (j < 0) return;
    va_list ap;
    va_start(ap, col);
    size_t k = 0;
    for (const char *want; (want = va_arg(ap, const char *)); k++) {
        const char *got = gf_frame_level(f, (size_t)j, k);
        CHECK(got && strcmp(got, want) == 0, "%s level %zu is '%s', expected '%s'", col, k,
              got ? got : "(none)", want);
    }
    va_end(ap);
    CHECK(gf_frame_nlevels(f, (size_t)j) == k, "%s has %zu levels, expected %zu", col,
          gf_frame_nlevels(f, (size_t)j), k);
}

/* tests/data/<name>, found from this source file's own path. */
static const char *data_path(char *buf, size_t size, const char *name)
{
    const char *me = __FILE__, *slash = strrchr(me, '/');
    int dir = slash ? (int)(slash - me) : 1;
    snprintf(buf, size, "%.*s/data/%s", dir, slash ? me : ".", name);
    return buf;
}

/* ---- R's files ------------------------------------------------------------- */

static void test_usarrests(void)
{
    char path[1024];
    gf_frame *f = NULL;
    gf_status s = gf_csv_read(data_path(path, sizeof path, "USArrests.csv"), NULL, &f);
    CHECK(s == GF_OK, "%s: %s", path, gf_errmsg());
    if (!f) return;
    CHECK(gf_frame_rows(f) == 50, "%zu rows", gf_frame_rows(f));
    CHECK(gf_frame_cols(f) == 4, "%zu columns", gf_frame_cols(f));
    const char *names[] = {"Murder", "Assault", "UrbanPop", "Rape"};
    for (size_t j = 0; j < 4; j++) {
        CHECK(strcmp(gf_frame_name(f, j), names[j]) == 0, "column %zu is %s", j, gf_frame_name(f, j));
        CHECK(gf_frame_type(f, j) == GF_COL_NUMERIC, "column %zu numeric", j);
    }
    /* R: USArrests["Alabama", ] = 13.2 236 58 21.2; "Wyoming" = 6.8 161 60 15.6 */
    CHECK(strcmp(gf_frame_row_name(f, 0), "Alabama") == 0, "%s", gf_frame_row_name(f, 0));
    CHECK(strcmp(gf_frame_row_name(f, 49), "Wyoming") == 0, "%s", gf_frame_row_name(f, 49));
    CHECK(num(f, "Murder", 0) == 13.2, "%g", num(f, "Murder", 0));
    CHECK(num(f, "Assault", 0) == 236, "%g", num(f, "Assault", 0));
    CHECK(num(f, "UrbanPop", 0) == 58, "%g", num(f, "UrbanPop", 0));
    CHECK(num(f, "Rape", 0) == 21.2, "%g", num(f, "Rape", 0));
    CHECK(num(f, "Murder", 49) == 6.8, "%g", num(f, "Murder", 49));
    CHECK(num(f, "Rape", 49) == 15.6, "%g", num(f, "Rape", 49));
    CHECK(gf_frame_line(f, 0) == 2 && gf_frame_line(f, 49) == 51, "lines %zu %zu",
          gf_frame_line(f, 0), gf_frame_line(f, 49));
    CHECK(strcmp(gf_frame_source(f), path) == 0, "source %s", gf_frame_source(f));
    CHECK(gf_frame_omitted(f) == 0, "nothing omitted");
    double sum = 0;
    for (size_t i = 0; i < 50; i++) sum += num(f, "Murder", i);
    CHECK_NEAR(sum / 50, 7.788, 1e-12); /* mean(USArrests$Murder) */
    gf_frame_free(f);
}

static void test_mtcars(void)
{
    char path[1024];
    const char *factors[] = {"cyl", "gear"};
    gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
    o.factors = factors;
    o.n_factors = 2;
    gf_frame *f = NULL;
    gf_status s = gf_csv_read(data_path(path, sizeof path, "mtcars.csv"), &o, &f);
    CHECK(s == GF_OK, "%s: %s", path, gf_errmsg());
    if (!f) return;
    CHECK(gf_frame_rows(f) == 32 && gf_frame_cols(f) == 11, "%zu x %zu", gf_frame_rows(f),
          gf_frame_cols(f));
    CHECK(strcmp(gf_frame_row_name(f, 0), "Mazda RX4") == 0, "%s", gf_frame_row_name(f, 0));
    CHECK(strcmp(gf_frame_row_name(f, 31), "Volvo 142E") == 0, "%s", gf_frame_row_name(f, 31));
    CHECK(num(f, "mpg", 0) == 21 && num(f, "wt", 0) == 2.62 && num(f, "mpg", 31) == 21.4,
          "mpg, wt");
    /* factor(mtcars$cyl): levels 4 6 8; factor(mtcars$gear): 3 4 5 */
    check_levels(f, "cyl", "4", "6", "8", (const char *)NULL);
    check_levels(f, "gear", "3", "4", "5", (const char *)NULL);
    CHECK(strcmp(level(f, "cyl", 0), "6") == 0 && strcmp(level(f, "cyl", 31), "4") == 0, "cyl");
    CHECK(gf_frame_type(f, (size_t)gf_frame_find(f, "carb")) == GF_COL_NUMERIC, "carb numeric");
    gf_frame_free(f);

    /* in order of appearance: 6 first (Mazda RX4), then 4 (Datsun 710), 8 */
    o.levels = GF_LEVELS_APPEARANCE;
    s = gf_csv_read(path, &o, &f);
    CHECK(s == GF_OK, "%s", gf_errmsg());
    if (!f) return;
    check_levels(f, "cyl", "6", "4", "8", (const char *)NULL);
    CHECK(strcmp(level(f, "cyl", 31), "4") == 0, "cyl");
    gf_frame_free(f);
}

static void test_iris(void)
{
    char path[1024];
    gf_frame *f = NULL;
    gf_status s = gf_csv_read(data_path(path, sizeof path, "iris.csv"), NULL, &f);
    CHECK(s == GF_OK, "%s: %s", path, gf_errmsg());
    if (!f) return;
    CHECK(gf_frame_rows(f) == 150 && gf_frame_cols(f) == 5, "%zu x %zu", gf_frame_rows(f),
          gf_frame_cols(f));
    CHECK(gf_frame_row_name(f, 0) == NULL, "no row names");
    check_levels(f, "Species", "setosa", "versicolor", "virginica", (const char *)NULL);
    CHECK(strcmp(level(f, "Species", 0), "setosa") == 0, "row 1");
    CHECK(strcmp(level(f, "Species", 149), "virginica") == 0, "row 150");
    CHECK(num(f, "Sepal.Length", 149) == 5.9 && num(f, "Petal.Width", 0) == 0.2, "values");
    gf_frame_free(f);
}

/* ---- good input ------------------------------------------------------------ */

static void test_quoting(void)
{
    /* doubled quotes, a delimiter and a line break inside quotes, CRLF */
    gf_frame *f = parse("id,text,x\r\n"
                        "1,\"say \"\"hi\"\"\",0.5\r\n"
                        "2,\"a,b\",1.5\r\n"
                        "3,\"two\r\nlines\",2.5\r\n"
                        "4,plain,3.5\r\n");
    if (!f) return;
    CHECK(gf_frame_rows(f) == 4, "%zu rows", gf_frame_rows(f));
    CHECK(strcmp(level(f, "text", 0), "say \"hi\"") == 0, "%s", level(f, "text", 0));
    CHECK(strcmp(level(f, "text", 1), "a,b") == 0, "%s", level(f, "text", 1));
    CHECK(strcmp(level(f, "text", 2), "two\r\nlines") == 0, "%s", level(f, "text", 2));
    /* a row spanning lines starts on its first; the next row is a line later */
    CHECK(gf_frame_line(f, 2) == 4 && gf_frame_line(f, 3) == 6, "lines %zu %zu",
          gf_frame_line(f, 2), gf_frame_line(f, 3));
    CHECK(num(f, "x", 3) == 3.5 && num(f, "id", 2) == 3, "numbers");
    gf_frame_free(f);

    /* a quoted number is a number, a quoted header name is a name; spaces
     * around a quoted cell are dropped; a last line without a line end */
    f = parse("\"a\", \"b\"\n\"1.5\", \"x\" \n2,y");
    if (!f) return;
    CHECK(gf_frame_find(f, "a") == 0 && gf_frame_find(f, "b") == 1, "names");
    CHECK(num(f, "a", 0) == 1.5 && num(f, "a", 1) == 2, "quoted numbers");
    CHECK(strcmp(level(f, "b", 0), "x") == 0 && strcmp(level(f, "b", 1), "y") == 0, "quoted text");
    gf_frame_free(f);

    /* an empty quoted cell is missing, like an empty one */
    gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
    o.na = GF_NA_KEEP;
    f = parse_with("a,b\n1,\"\"\n2,\n3,z\n", &o);
    if (!f) return;
    CHECK(strcmp(level(f, "b", 0), "<NA>") == 0 && strcmp(level(f, "b", 1), "<NA>") == 0, "empty");
    gf_frame_free(f);
}

static void test_delimiters(void)
{
    /* semicolons (with decimal commas left as text), tabs, detected */
    gf_frame *f = parse("a;b;c\n1;2,5;x\n3;4,5;y\n");
    if (!f) return;
    CHECK(gf_frame_cols(f) == 3, "%zu columns", gf_frame_cols(f));
    CHECK(num(f, "a", 1) == 3, "a");
    CHECK(gf_frame_type(f, 1) == GF_COL_FACTOR, "2,5 is text, not a number");
    gf_frame_free(f);

    f = parse("a\tb\n1.5\t\"x\ty\"\n");
    if (!f) return;
    CHECK(gf_frame_cols(f) == 2 && num(f, "a", 0) == 1.5, "tab");
    CHECK(strcmp(level(f, "b", 0), "x\ty") == 0, "quoted tab");
    gf_frame_free(f);

    /* the majority outside quotes wins: the commas are inside quotes */
    f = parse("\"a,b,c\";d\n1;2\n");
    if (!f) return;
    CHECK(gf_frame_cols(f) == 2 && gf_frame_find(f, "a,b,c") == 0, "quoted commas ignored");
    gf_frame_free(f);

    /* an explicit delimiter overrides detection: one column named "a,b" */
    gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
    o.delimiter = ';';
    f = parse_with("a,b\nx,1\n", &o);
    if (!f) return;
    CHECK(gf_frame_cols(f) == 1 && gf_frame_find(f, "a,b") == 0, "explicit ;");
    gf_frame_free(f);

    /* one column, no delimiter at all; commas in later lines do not count */
    f = parse("y\n1\n2\n");
    if (!f) return;
    CHECK(gf_frame_cols(f) == 1 && num(f, "y", 1) == 2, "single column");
    gf_frame_free(f);
}

static void test_line_ends_bom_blank_lines(void)
{
    /* a UTF-8 byte-order mark; LF, CRLF and lone CR; blank lines skipped
     * (their lines still counted) */
    gf_frame *f = parse("\xEF\xBB\xBF" "a,b\n\n1,2\r\n\r\n3,4\r5,6\n\n");
    if (!f) return;
    CHECK(gf_frame_find(f, "a") == 0, "the mark is not part of the first name");
    CHECK(gf_frame_rows(f) == 3, "%zu rows", gf_frame_rows(f));
    CHECK(num(f, "b", 2) == 6, "b");
    CHECK(gf_frame_line(f, 0) == 3 && gf_frame_line(f, 1) == 5 && gf_frame_line(f, 2) == 6,
          "lines %zu %zu %zu", gf_frame_line(f, 0), gf_frame_line(f, 1), gf_frame_line(f, 2));
    gf_frame_free(f);
}

static void test_numbers(void)
{
    gf_frame *f = parse("x\n 1.5 \n1.\n.5\n-2e-3\n+3\n1E2\n007\n\t4\t\n");
    if (!f) return;
    double want[] = {1.5, 1, 0.5, -2e-3, 3, 100, 7, 4};
    CHECK(gf_frame_rows(f) == 8, "%zu rows", gf_frame_rows(f));
    for (size_t i = 0; i < 8 && i < gf_frame_rows(f); i++)
        CHECK(num(f, "x", i) == want[i], "row %zu: %g, expected %g", i, num(f, "x", i), want[i]);
    gf_frame_free(f);

    /* not numbers: hex, a bare exponent, a sign alone, a decimal comma: text */
    const char *texts[] = {"0x1A", "1e", "-", "1,5", "1.2.3", "e5", "1e+", "1 2"};
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        char csv[64];
        snprintf(csv, sizeof csv, "x;n\n\"%s\";1\n", texts[k]);
        f = parse(csv);
        if (!f) continue;
        CHECK(gf_frame_type(f, 0) == GF_COL_FACTOR, "'%s' is text", texts[k]);
        CHECK(strcmp(level(f, "x", 0), texts[k]) == 0, "'%s' kept as written", texts[k]);
        gf_frame_free(f);
    }

    /* a decimal comma in the caller's locale changes nothing */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        f = parse("x\n1.25\n");
        if (f) CHECK(num(f, "x", 0) == 1.25, "%g under a comma locale", num(f, "x", 0));
        gf_frame_free(f);
        setlocale(LC_NUMERIC, "C");
    }
}

static void test_missing(void)
{
    const char *text = "a,b,c\n1,x,2\nNA,y,3\n4,,5\n6, NA ,7\n8,\"NA\",9\n10,z,\n";
    /* refuse: the first missing cell, by line, column and name */
    expect_error(text, NULL, GF_ERR_FORMAT, "t.csv:3:1:", "column 1 ('a')", "missing", "NA");
    expect_error("a,b\n1,2\n3,\n", NULL, GF_ERR_FORMAT, "t.csv:3:3:", "'b'", "empty cell");

    /* omit: rows 3 to 7 each have one */
    gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
    o.na = GF_NA_OMIT;
    gf_frame *f = parse_with(text, &o);
    if (f) {
        CHECK(gf_frame_rows(f) == 1 && gf_frame_omitted(f) == 5, "%zu rows, %zu omitted",
              gf_frame_rows(f), gf_frame_omitted(f));
        CHECK(num(f, "c", 0) == 2 && gf_frame_line(f, 0) == 2, "the kept row");
        /* levels come from the kept rows only */
        check_levels(f, "b", "x", (const char *)NULL);
        gf_frame_free(f);
    }
    expect_error("a,b\n1,NA\nNA,2\n", &o, GF_ERR_FORMAT, "t.csv", "every one of the 2 rows",
                 "line 2");

    /* keep: NaN and code -1 */
    o.na = GF_NA_KEEP;
    f = parse_with(text, &o);
    if (f) {
        CHECK(gf_frame_rows(f) == 6 && gf_frame_omitted(f) == 0, "%zu rows", gf_frame_rows(f));
        CHECK(isnan(num(f, "a", 1)) && num(f, "a", 2) == 4 && isnan(num(f, "c", 5)), "NaN");
        CHECK(strcmp(level(f, "b", 2), "<NA>") == 0 && strcmp(level(f, "b", 3), "<NA>") == 0 &&
                  strcmp(level(f, "b", 4), "<NA>") == 0,
              "missing codes");
        check_levels(f, "b", "x", "y", "z", (const char *)NULL);
        gf_frame_free(f);
    }

    /* a column with no value at all is numeric and all missing */
    f = parse_with("a,b\n1,NA\n2,\n", &o);
    if (f) {
        CHECK(gf_frame_type(f, 1) == GF_COL_NUMERIC && isnan(num(f, "b", 0)), "all missing");
        gf_frame_free(f);
    }
    /* the first non-missing cell decides the type, after missing ones */
    f = parse_with("a,b\n1,NA\n2,x\n3,5\n", &o);
    if (f) {
        check_levels(f, "b", "5", "x", (const char *)NULL);
        gf_frame_free(f);
    }
}

static void test_levels(void)
{
    const char *text = "g,n\nb,1\nB,2\na,3\n10,4\n9,5\nb,6\n\xC3\xA9,7\n";
    /* sorted: byte order (R's C locale): "10" < "9" < "B" < "a" < "b" < "é" */
    gf_frame *f = parse(text);
    if (f) {
        check_levels(f, "g", "10", "9", "B", "a", "b", "\xC3\xA9", (const char *)NULL);
        CHECK(strcmp(level(f, "g", 0), "b") == 0 && strcmp(level(f, "g", 5), "b") == 0, "codes");
        gf_frame_free(f);
    }
    gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
    o.levels = GF_LEVELS_APPEARANCE;
    f = parse_with(text, &o);
    if (f) {
        check_levels(f, "g", "b", "B", "a", "10", "9", "\xC3\xA9", (const char *)NULL);
        CHECK(strcmp(level(f, "g", 3), "10") == 0 && strcmp(level(f, "g", 5), "b") == 0, "codes");
        gf_frame_free(f);
    }

    /* numbers declared a factor: by value, spelled as R's as.character */
    const char *factors[] = {"n"};
    o = GF_CSV_OPTS_DEFAULT;
    o.factors = factors;
    o.n_factors = 1;
    f = parse_with("n,y\n10,1\n2,2\n2.0,3\n100000,4\n0.5,5\n", &o);
    if (f) {
        check_levels(f, "n", "0.5", "2", "10", "1e+05", (const char *)NULL);
        CHECK(strcmp(level(f, "n", 2), "2") == 0, "2.0 is level 2");
        gf_frame_free(f);
    }
    o.levels = GF_LEVELS_APPEARANCE;
    f = parse_with("n,y\n10,1\n2,2\n2.0,3\n100000,4\n0.5,5\n", &o);
    if (f) {
        check_levels(f, "n", "10", "2", "1e+05", "0.5", (const char *)NULL);
        gf_frame_free(f);
    }
    /* a declared factor that is not all numbers keeps its text, byte order */
    o.levels = GF_LEVELS_SORTED;
    f = parse_with("n,y\n10,1\n9,2\nx,3\n", &o);
    if (f) {
        check_levels(f, "n", "10", "9", "x", (const char *)NULL);
        gf_frame_free(f);
    }
    /* text keeps its spaces; a factor column may hold "Inf" as a level */
    f = parse("g,y\nInf x,1\n x,2\nInf,3\n");
    if (f) {
        check_levels(f, "g", " x", "Inf", "Inf x", (const char *)NULL);
        gf_frame_free(f);
    }
}

static void test_row_names(void)
{
    gf_frame *f = parse("\"\",\"v\",\"w\"\n\"r1\",1,a\n\"r 2\",2,b\n\"r,3\",3,a\n");
    if (!f) return;
    CHECK(gf_frame_cols(f) == 2 && gf_frame_find(f, "v") == 0, "the names column is not data");
    CHECK(strcmp(gf_frame_row_name(f, 1), "r 2") == 0 && strcmp(gf_frame_row_name(f, 2), "r,3") == 0,
          "row names");
    CHECK(gf_frame_row_name(f, 3) == NULL, "past the end");

    /* take: rows in any order, repeats allowed; names, lines, levels kept */
    size_t idx[] = {2, 0, 2};
    gf_frame *t = gf_frame_take(f, idx, 3);
    CHECK(t != NULL, "%s", gf_errmsg());
    if (t) {
        CHECK(gf_frame_rows(t) == 3 && gf_frame_cols(t) == 2, "shape");
        CHECK(num(t, "v", 0) == 3 && num(t, "v", 1) == 1 && num(t, "v", 2) == 3, "values");
        CHECK(strcmp(gf_frame_row_name(t, 0), "r,3") == 0, "row name");
        CHECK(gf_frame_line(t, 1) == 2 && gf_frame_line(t, 0) == 4, "lines");
        CHECK(strcmp(gf_frame_source(t), "t.csv") == 0, "source");
        CHECK(gf_frame_nlevels(t, 1) == 2 && strcmp(level(t, "w", 1), "a") == 0, "levels");
        gf_frame_free(t);
    }
    size_t bad[] = {0, 3};
    CHECK(gf_frame_take(f, bad, 2) == NULL && strstr(gf_errmsg(), "index 3"), "%s", gf_errmsg());
    t = gf_frame_take(f, NULL, 0);
    CHECK(t && gf_frame_rows(t) == 0 && gf_frame_cols(t) == 2, "no rows");
    gf_frame_free(t);
    gf_frame_free(f);
}

/* ---- bad input ------------------------------------------------------------- */

static void test_bad_input(void)
{
    /* a non-number in a numeric column: line, column, name, text, hint */
    expect_error("a,b\n1,2\n3,4\n5, 6x\n", NULL, GF_ERR_FORMAT, "t.csv:4:3:", "column 2 ('b')",
                 "' 6x'", "line 2", "factor");
    expect_error("a,b\n1,2\n3,0x1A\n", NULL, GF_ERR_FORMAT, "t.csv:3:3:", "'0x1A'");
    /* non-finite numbers, by any spelling */
    const char *nonfinite[] = {"Inf", "-inf", "NaN", "Infinity", "nan", "1e999", "-1e400"};
    for (size_t k = 0; k < sizeof nonfinite / sizeof *nonfinite; k++) {
        char csv[64];
        snprintf(csv, sizeof csv, "a,b\n1,2\n3,%s\n", nonfinite[k]);
        expect_error(csv, NULL, GF_ERR_NUMERIC, "t.csv:3:3:", "'b'", nonfinite[k], "finite");
        snprintf(csv, sizeof csv, "a,b\n1,%s\n", nonfinite[k]);
        expect_error(csv, NULL, GF_ERR_NUMERIC, "t.csv:2:3:", nonfinite[k]);
    }
    /* ragged rows */
    expect_error("a,b,c\n1,2,3\n4,5\n", NULL, GF_ERR_FORMAT, "t.csv:3: expected 3 fields, found 2");
    expect_error("a,b\n1,2\n4,5,6\n", NULL, GF_ERR_FORMAT, "t.csv:3: expected 2 fields, found 3");
    expect_error("a,b\n1,\"2\n\"\n4,5,6\n", NULL, GF_ERR_FORMAT, "t.csv:4: expected 2 fields");
    /* a hostile row of many delimiters is counted, not stored */
    size_t wide = 100000;
    char *many = malloc(wide + 16);
    if (many) {
        memcpy(many, "a,b\n1,2\n", 8);
        memset(many + 8, ',', wide);
        strcpy(many + 8 + wide, "\n");
        expect_error(many, NULL, GF_ERR_FORMAT, "t.csv:3: expected 2 fields, found 100001");
        free(many);
    }
    /* the header */
    expect_error("a,b,a\n1,2,3\n", NULL, GF_ERR_FORMAT, "t.csv:1:5:", "'a'", "columns 1 and 3");
    expect_error("a,,b\n1,2,3\n", NULL, GF_ERR_FORMAT, "t.csv:1:3:", "column 2", "empty name");
    expect_error("a, \n1,2\n", NULL, GF_ERR_FORMAT, "t.csv:1:3:", "empty name");
    expect_error("\"\"\n1\n", NULL, GF_ERR_FORMAT, "t.csv:1:1:", "empty name");
    /* nothing to read */
    expect_error("", NULL, GF_ERR_FORMAT, "t.csv", "empty");
    expect_error("\n\r\n\n", NULL, GF_ERR_FORMAT, "t.csv", "empty");
    expect_error("\xEF\xBB\xBF", NULL, GF_ERR_FORMAT, "t.csv", "empty");
    expect_error("a,b\n", NULL, GF_ERR_FORMAT, "t.csv", "header (line 1)", "no rows");
    expect_error("a,b\n\n\n", NULL, GF_ERR_FORMAT, "no rows");
    /* not text */
    expect_error_n("a,b\n1,2\n3,\0\n", 11, NULL, GF_ERR_FORMAT, "t.csv:3:3:", "NUL",
                   "not a text file", (const char *)NULL);
    expect_error_n("PK\x03\x04\0\0", 6, NULL, GF_ERR_FORMAT, "t.csv:1:5:", "not a text file",
                   (const char *)NULL); /* a zip file */
    /* quotes */
    expect_error("a,b\n1,\"open\n2,3\n", NULL, GF_ERR_FORMAT, "t.csv:2:3:", "unterminated");
    expect_error("a,b\n1,ab\"c\n", NULL, GF_ERR_FORMAT, "t.csv:2:5:", "quote inside an unquoted",
                 "'ab'");
    expect_error("a,b\n1,\"ab\"c\n", NULL, GF_ERR_FORMAT, "t.csv:2:7:", "closing quote", "'c'");
    expect_error("a,b\n1,\"ab\" \"c\"\n", NULL, GF_ERR_FORMAT, "t.csv:2:8:", "closing quote");
    /* a long or odd cell is quoted short and printable in the message */
    expect_error("a\n1\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", NULL,
                 GF_ERR_FORMAT, "t.csv:3:1:", "xxx...'");
    expect_error("a\n1\n\"x\x01y\"\n", NULL, GF_ERR_FORMAT, "'x\\x01y'");
    /* columns are counted in characters, not bytes */
    expect_error("a,b\n\xC3\xA9\xC3\xA9,1\n1,x\n", NULL, GF_ERR_FORMAT, "t.csv:3:3:", "'x'");
    expect_error("\xC3\xA9,b\n1,2\n3,\"\xC3\xA9\"x\n", NULL, GF_ERR_FORMAT, "t.csv:3:6:");
    /* options */
    const char *factors[] = {"nope"};
    gf_csv_opts o = GF_CSV_OPTS_DEFAULT;
    o.factors = factors;
    o.n_factors = 1;
    expect_error("a,b\n1,2\n", &o, GF_ERR_ARG, "'nope'", "no column");
    o = GF_CSV_OPTS_DEFAULT;
    o.delimiter = '|';
    expect_error("a|b\n1|2\n", &o, GF_ERR_ARG, "delimiter");
    o = GF_CSV_OPTS_DEFAULT;
    o.na = (gf_na_policy)7;
    expect_error("a\n1\n", &o, GF_ERR_ARG, "NA policy");
    CHECK(gf_csv_parse("a\n1\n", 4, "t.csv", NULL, NULL) == GF_ERR_ARG, "out NULL");
    expect_error_n(NULL, 0, NULL, GF_ERR_FORMAT, "t.csv", "empty", (const char *)NULL);
    expect_error_n(NULL, 3, NULL, GF_ERR_ARG, "t.csv", "NULL", (const char *)NULL);
}

static void test_files(void)
{
    char dir[] = "/tmp/grafo_test_csv_XXXXXX", path[256], gzpath[256];
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp failed");
        return;
    }
    /* a gzipped file is read as its content; the name does not matter */
    snprintf(gzpath, sizeof gzpath, "%s/data.csv", dir);
    const char *text = "a,b\n1,x\n2,y\n";
    gzFile gz = gzopen(gzpath, "wb");
    CHECK(gz && gzwrite(gz, text, (unsigned)strlen(text)) == (int)strlen(text), "gzwrite");
    if (gz) gzclose(gz);
    gf_frame *f = NULL;
    CHECK(gf_csv_read(gzpath, NULL, &f) == GF_OK, "%s", gf_errmsg());
    if (f) {
        CHECK(gf_frame_rows(f) == 2 && num(f, "a", 1) == 2, "gzipped");
        CHECK(strcmp(gf_frame_source(f), gzpath) == 0, "source is the path");
        gf_frame_free(f);
    }
    /* a truncated gzip stream is an error, not a short file */
    FILE *fp = fopen(gzpath, "rb");
    unsigned char bytes[256];
    size_t n = fp ? fread(bytes, 1, sizeof bytes, fp) : 0;
    if (fp) fclose(fp);
    snprintf(path, sizeof path, "%s/cut.csv.gz", dir);
    fp = fopen(path, "wb");
    if (fp) {
        fwrite(bytes, 1, n - 6, fp);
        fclose(fp);
    }
    CHECK(gf_csv_read(path, NULL, &f) == GF_ERR_FORMAT && f == NULL, "truncated gzip");
    CHECK(strstr(gf_errmsg(), path) && strstr(gf_errmsg(), "gzip"), "%s", gf_errmsg());
    unlink(path);
    /* errors while reading name the path and the system's reason */
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    CHECK(gf_csv_read(path, NULL, &f) == GF_ERR_IO && f == NULL, "missing file");
    CHECK(strstr(gf_errmsg(), path) && strstr(gf_errmsg(), "No such file"), "%s", gf_errmsg());
    CHECK(gf_csv_read(dir, NULL, &f) == GF_ERR_IO, "a directory");
    CHECK(strstr(gf_errmsg(), dir) && strstr(gf_errmsg(), "directory"), "%s", gf_errmsg());
    /* a plain file's errors carry its name */
    snprintf(path, sizeof path, "%s/ragged.csv", dir);
    fp = fopen(path, "w");
    if (fp) {
        fputs("a,b\n1,2\n3\n", fp);
        fclose(fp);
    }
    CHECK(gf_csv_read(path, NULL, &f) == GF_ERR_FORMAT, "ragged file");
    char want[300];
    snprintf(want, sizeof want, "%s:3: expected 2 fields, found 1", path);
    CHECK(strstr(gf_errmsg(), want), "%s", gf_errmsg());
    unlink(path);
    unlink(gzpath);
    rmdir(dir);
}

/* ---- frames built in memory ------------------------------------------------ */

static void test_frame_api(void)
{
    gf_frame *f = gf_frame_new(3);
    CHECK(f != NULL, "new");
    if (!f) return;
    double x[] = {1, NAN, 3}, inf[] = {1, INFINITY, 0};
    int32_t codes[] = {1, -1, 0}, bad_codes[] = {0, 2, 0};
    const char *levels[] = {"lo", "hi"}, *dup[] = {"a", "a"};
    CHECK(gf_frame_add_numeric(f, "x", x) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_frame_add_factor(f, "g", codes, levels, 2) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_frame_add_numeric(f, "x", x) == GF_ERR_ARG && strstr(gf_errmsg(), "'x'"), "dup");
    CHECK(gf_frame_add_numeric(f, "", x) == GF_ERR_ARG, "empty name");
    CHECK(gf_frame_add_numeric(f, "i", inf) == GF_ERR_NUMERIC && strstr(gf_errmsg(), "row 2"),
          "%s", gf_errmsg());
    CHECK(gf_frame_add_factor(f, "b", bad_codes, levels, 2) == GF_ERR_ARG &&
              strstr(gf_errmsg(), "row 2"),
          "%s", gf_errmsg());
    CHECK(gf_frame_add_factor(f, "d", codes, dup, 2) == GF_ERR_ARG && strstr(gf_errmsg(), "'a'"),
          "%s", gf_errmsg());
    CHECK(gf_frame_cols(f) == 2 && gf_frame_rows(f) == 3, "shape");
    CHECK(gf_frame_find(f, "g") == 1 && gf_frame_find(f, "zz") == -1, "find");
    CHECK(gf_frame_numeric(f, 1) == NULL && gf_frame_codes(f, 0) == NULL, "typed access");
    CHECK(gf_frame_nlevels(f, 0) == 0 && gf_frame_level(f, 1, 2) == NULL, "levels");
    CHECK(strcmp(gf_frame_source(f), "") == 0 && gf_frame_line(f, 0) == 0 &&
              gf_frame_row_name(f, 0) == NULL,
          "built in memory");
    x[0] = 99; /* the frame holds a copy */
    CHECK(gf_frame_numeric(f, 0)[0] == 1, "copied");
    gf_frame_free(f);
    gf_frame_free(NULL);
    CHECK(gf_frame_new(SIZE_MAX / 4) == NULL && strstr(gf_errmsg(), "rows are more than"),
          "rows x 8 overflows: %s", gf_errmsg());

    /* as_factor: R's factor(x) on doubles */
    double v[] = {3, 0.1 + 0.2, NAN, 100000, -0.0, 3, 123456, 1e-4, 0.3};
    f = gf_frame_new(9);
    if (!f) return;
    CHECK(gf_frame_add_numeric(f, "v", v) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_frame_add_numeric(f, "w", v) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_frame_as_factor(f, 0, GF_LEVELS_SORTED) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_frame_as_factor(f, 1, GF_LEVELS_APPEARANCE) == GF_OK, "%s", gf_errmsg());
    /* 0.1 + 0.2 and 0.3 are one level, as in R (as.character gives "0.3") */
    check_levels(f, "v", "0", "1e-04", "0.3", "3", "1e+05", "123456", (const char *)NULL);
    check_levels(f, "w", "3", "0.3", "1e+05", "0", "123456", "1e-04", (const char *)NULL);
    CHECK(strcmp(level(f, "v", 8), "0.3") == 0 && strcmp(level(f, "v", 2), "<NA>") == 0, "codes");
    CHECK(strcmp(level(f, "w", 5), "3") == 0 && strcmp(level(f, "w", 1), "0.3") == 0, "codes");
    CHECK(gf_frame_as_factor(f, 0, GF_LEVELS_SORTED) == GF_OK, "a factor is left alone");
    CHECK(gf_frame_as_factor(f, 2, GF_LEVELS_SORTED) == GF_ERR_ARG, "no column 3");
    gf_frame_free(f);
}

/* ---- hostile input --------------------------------------------------------- */

/* Parse and check the result is a frame or a clean error. */
static void parse_anything(const char *text, size_t len, const gf_csv_opts *o)
{
    gf_frame *f = (gf_frame *)1;
    gf_status s = gf_csv_parse(text, len, "t.csv", o, &f);
    if (s == GF_OK) {
        CHECK(f != NULL && gf_frame_rows(f) > 0, "a frame with rows");
        gf_frame_free(f);
    } else {
        CHECK(f == NULL && s < GF_STATUS_COUNT, "clean failure");
        CHECK(strncmp(gf_errmsg(), "t.csv", 5) == 0, "message names the source: %s", gf_errmsg());
    }
}

static void test_prefixes_and_flips(void)
{
    const char *text = "\xEF\xBB\xBF\"\",x,g,\"t\"\r\n"
                       "r1,1.5,a,\"q \"\"x\"\"\"\r\n"
                       "r2,NA,b,\"multi\nline\"\r\n"
                       "r3,-2e3,,plain\n"
                       "r4,7,a,\"x,y\"\n";
    size_t len = strlen(text);
    gf_csv_opts keep = GF_CSV_OPTS_DEFAULT;
    keep.na = GF_NA_KEEP;
    gf_frame *whole = parse_with(text, &keep);
    if (whole) {
        CHECK(gf_frame_rows(whole) == 4 && gf_frame_cols(whole) == 3, "the whole text");
        CHECK(strcmp(level(whole, "t", 0), "q \"x\"") == 0, "%s", level(whole, "t", 0));
        gf_frame_free(whole);
    }
    for (size_t n = 0; n <= len; n++) {
        /* a copy of exactly n bytes, so reading past it is caught by ASan */
        char *cut = malloc(n ? n : 1);
        memcpy(cut, text, n);
        parse_anything(cut, n, NULL);
        parse_anything(cut, n, &keep);
        free(cut);
    }
    gf_rng rng;
    gf_rng_seed(&rng, 4);
    const char bytes[] = {'"', ',', ';', '\t', '\n', '\r', 'N', 'A', '1', '.', 'e', '-', ' ',
                          '\0', (char)0xFF, (char)0xC3, 'x'};
    for (int trial = 0; trial < 3000; trial++) {
        char *copy = malloc(len);
        memcpy(copy, text, len);
        int flips = 1 + (int)gf_rng_below(&rng, 3);
        for (int k = 0; k < flips; k++)
            copy[gf_rng_below(&rng, len)] = bytes[gf_rng_below(&rng, sizeof bytes)];
        parse_anything(copy, len, trial % 2 ? &keep : NULL);
        free(copy);
    }
}

/* Memory follows the text: a header of 20,000 columns over one row of
 * data (about 100 KB) keeps one row's worth of doubles a column.  A first
 * capacity of 64 rows a column made it 512 bytes for each 5 of text. */
static void test_wide_one_row(void)
{
    size_t cols = 20000;
    char *text = malloc(cols * 12 + 16), *p = text;
    for (size_t j = 0; j < cols; j++) p += sprintf(p, "%sc%zu", j ? "," : "", j);
    *p++ = '\n';
    for (size_t j = 0; j < cols; j++) p += sprintf(p, "%s%zu", j ? "," : "", j % 10);
    *p++ = '\n';
    gf_frame *f = NULL;
    gf_status s = gf_csv_parse(text, (size_t)(p - text), "wide.csv", NULL, &f);
    CHECK(s == GF_OK && gf_frame_rows(f) == 1 && gf_frame_cols(f) == cols, "%s", gf_errmsg());
    size_t widest = 0;
    for (size_t j = 0; f && j < cols; j++) {
        size_t held = malloc_usable_size((void *)gf_frame_numeric(f, j));
        if (held > widest) widest = held;
    }
    CHECK(f && gf_frame_numeric(f, 7)[0] == 7, "the values");
    CHECK(widest < 8 * sizeof(double), "a column of one row holds %zu bytes", widest);
    gf_frame_free(f);
    free(text);
}

int main(void)
{
    test_usarrests();
    test_mtcars();
    test_iris();
    test_quoting();
    test_delimiters();
    test_line_ends_bom_blank_lines();
    test_numbers();
    test_missing();
    test_levels();
    test_row_names();
    test_bad_input();
    test_files();
    test_frame_api();
    test_prefixes_and_flips();
    test_wide_one_row();
    return check_report("test_csv");
}
