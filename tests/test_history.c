/* Training history files: the CSV reads back to the very doubles written,
 * NaN as an empty field; the SVG is well-formed XML with one polyline
 * point per finite value, round ticks, the best epoch marked and no NaN or
 * infinity in its text; a path that cannot be written gives GF_ERR_IO
 * naming it and leaves no file behind. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "grafo.h"

static char dir[] = "/tmp/grafo-test-history-XXXXXX";

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* The whole file as a string (the caller frees it), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

/* Files in the test directory (to see that nothing was left behind). */
static int files_in_dir(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

/* Ten epochs of a classifier with validation: loss falls, then the
 * validation loss rises after epoch 6, the best. */
static void classifier_history(gf_epoch_report *r, size_t n)
{
    double best = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double e = (double)i + 1;
        r[i] = (gf_epoch_report){
            .epoch = (int)i + 1, .loss = 0.62 / e + 0.311 * (1 - 1 / e) / 1.0,
            .train_accuracy = 0.7 + 0.02 * e, .valid_loss = 0.5 / e + 0.04 * fabs(e - 6) / 3,
            .valid_accuracy = 0.65 + 0.025 * e, .seconds = 0.125 * e,
            .samples_per_second = 1000 / e, .learning_rate = 0.1 / (1 + 0.01 * e),
            .grad_norm = 1 / 3.0 * e,
        };
        r[i].best = r[i].valid_loss < best;
        if (r[i].best) best = r[i].valid_loss;
    }
}

/* ----------------------------------------------------------------- CSV -- */

/* Split a line at commas, in place; empty fields kept. */
static size_t split_fields(char *line, char **out, size_t cap)
{
    size_t n = 0;
    for (char *p = line;;) {
        if (n < cap) out[n] = p;
        n++;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

/* A field must read back to v exactly: empty for NaN, else strtod's
 * whole text. */
static void check_field(const char *field, double v, size_t row, size_t col)
{
    if (isnan(v)) {
        CHECK(*field == '\0', "row %zu column %zu: '%s' for NaN", row, col, field);
        return;
    }
    char *end;
    double got = strtod(field, &end);
    CHECK(*field && *end == '\0' && got == v, "row %zu column %zu: '%s' reads %.17g, wrote %.17g",
          row, col, field, got, v);
}

static void test_csv(void)
{
    enum { N = 10 };
    gf_epoch_report r[N];
    classifier_history(r, N);
    r[2].valid_loss = NAN; /* a gap, and values that need all 17 digits */
    r[3].loss = 1e-300;
    r[4].grad_norm = 5e-324;
    r[5].seconds = 1.7976931348623157e308;
    char path[512];
    path_in(path, sizeof path, "h.csv");
    CHECK(gf_history_write_csv(path, r, N) == GF_OK, "%s", gf_errmsg());
    char *text = slurp(path);
    CHECK(text != NULL, "no %s", path);
    if (!text) return;
    const char *header =
        "epoch,loss,train_accuracy,valid_loss,valid_accuracy,learning_rate,grad_norm,seconds\n";
    CHECK(strncmp(text, header, strlen(header)) == 0, "header: %.100s", text);
    size_t rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(text + strlen(header), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save), rows++) {
        char *f[16];
        size_t nf = split_fields(line, f, 16);
        CHECK(nf == 8, "row %zu has %zu fields", rows, nf);
        if (nf != 8 || rows >= N) continue;
        const gf_epoch_report *e = &r[rows];
        CHECK(atoi(f[0]) == e->epoch, "row %zu: epoch '%s'", rows, f[0]);
        const double want[] = { e->loss, e->train_accuracy, e->valid_loss, e->valid_accuracy,
                                e->learning_rate, e->grad_norm, e->seconds };
        for (size_t j = 0; j < 7; j++) check_field(f[j + 1], want[j], rows, j + 1);
    }
    CHECK(rows == N, "%zu rows, want %d", rows, N);
    free(text);

    /* The shortest digits that read back: 0.1 is "0.1", not 0.10000000000000001. */
    gf_epoch_report one = { .epoch = 1, .loss = 0.5, .train_accuracy = 0.25, .valid_loss = NAN,
                            .valid_accuracy = NAN, .learning_rate = 0.1, .grad_norm = 2,
                            .seconds = 1.0 / 3 };
    CHECK(gf_history_write_csv(path, &one, 1) == GF_OK, "%s", gf_errmsg());
    text = slurp(path);
    CHECK(text && strstr(text, "\n1,0.5,0.25,,,0.1,2,0.3333333333333333\n"), "one row: %s",
          text ? text : "(none)");
    free(text);
    CHECK(unlink(path) == 0, "%s", path);
}

/* ----------------------------------------------------------------- SVG -- */

static bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* A strict reading of the subset of XML the writer uses: a prolog, then
 * elements with quoted attributes, text without '<', entities of the five
 * predefined kinds only, every tag closed in order, one root.  Returns
 * NULL if well-formed, else what is wrong. */
static const char *xml_error(const char *s)
{
    static char why[160];
    const char *stack[64];
    int depth = 0, roots = 0;
    const char *prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    if (strncmp(s, prolog, strlen(prolog)) != 0) return "no XML declaration";
    s += strlen(prolog);
    while (*s) {
        if (*s == '&') {
            static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
            size_t k = 0;
            while (k < 5 && strncmp(s, ents[k], strlen(ents[k])) != 0) k++;
            if (k == 5) return "a bare '&'";
            s += strlen(ents[k]);
            continue;
        }
        if (*s == '>') return "a bare '>' in text";
        if (*s != '<') {
            if (depth == 0 && *s != '\n' && *s != ' ') return "text outside the root";
            s++;
            continue;
        }
        s++;
        bool closing = *s == '/';
        if (closing) s++;
        const char *name = s;
        while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) s++;
        size_t len = (size_t)(s - name);
        if (len == 0) return "a tag without a name";
        if (closing) {
            if (depth == 0 || strncmp(stack[depth - 1], name, len) != 0 ||
                (stack[depth - 1][len] >= 'a' && stack[depth - 1][len] <= 'z')) {
                snprintf(why, sizeof why, "</%.*s> closes %s", (int)len, name,
                         depth ? "another element" : "nothing");
                return why;
            }
            depth--;
            if (*s++ != '>') return "junk in a closing tag";
            continue;
        }
        /* Attributes: name="value", the value without '<' or a bare '&'. */
        for (;;) {
            while (*s == ' ') s++;
            if (*s == '>' || (s[0] == '/' && s[1] == '>')) break;
            const char *an = s;
            while (is_letter(*s) || (*s >= '0' && *s <= '9') || *s == '-' || *s == ':')
                s++;
            if (s == an || *s++ != '=' || *s++ != '"') return "a malformed attribute";
            while (*s && *s != '"') {
                if (*s == '<') return "'<' in an attribute";
                if (*s == '&' && strncmp(s, "&amp;", 5) && strncmp(s, "&lt;", 4) &&
                    strncmp(s, "&gt;", 4) && strncmp(s, "&quot;", 6) && strncmp(s, "&apos;", 6))
                    return "a bare '&' in an attribute";
                s++;
            }
            if (*s++ != '"') return "an unterminated attribute";
        }
        if (depth == 0) roots++;
        if (*s == '/') {
            s += 2; /* empty element */
            continue;
        }
        s++;
        if (depth == 64) return "too deep";
        stack[depth++] = name;
    }
    if (depth) return "unclosed elements at the end";
    if (roots != 1) return "not exactly one root element";
    return NULL;
}

/* How many elements of this tag and class the SVG has, and the points of
 * the k-th such polyline (npoints, their y in ys). */
static int count_class(const char *svg, const char *tag, const char *cls)
{
    char pat[96];
    snprintf(pat, sizeof pat, "<%s class=\"%s\"", tag, cls);
    int n = 0;
    for (const char *p = svg; (p = strstr(p, pat)); p++) n++;
    return n;
}

/* The points of the k-th polyline of class cls: how many, and their
 * coordinates (up to cap). */
static int polyline_points(const char *svg, const char *cls, int k, double *xs, double *ys,
                           int cap)
{
    char pat[96];
    snprintf(pat, sizeof pat, "<polyline class=\"%s\"", cls);
    const char *p = svg;
    for (int i = 0; p && i <= k; i++) p = strstr(i ? p + 1 : p, pat);
    if (!p) return -1;
    p = strstr(p, "points=\"");
    if (!p) return -1;
    p += 8;
    int n = 0;
    while (*p && *p != '"') {
        char *end;
        double x = strtod(p, &end);
        if (end == p || *end != ',') return -1;
        double y = strtod(end + 1, &end);
        if (n < cap) xs[n] = x, ys[n] = y;
        n++;
        p = end;
        while (*p == ' ') p++;
    }
    return n;
}

/* No word "nan", "inf" or "infinity" anywhere, in any case (as printf
 * writes them; "dominant-baseline" does not count). */
static bool has_nonfinite_text(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (p > s && is_letter(p[-1])) continue;
        size_t n = strncasecmp(p, "nan", 3) == 0        ? 3
                   : strncasecmp(p, "infinity", 8) == 0 ? 8
                   : strncasecmp(p, "inf", 3) == 0      ? 3
                                                        : 0;
        if (n && !is_letter(p[n])) return true;
    }
    return false;
}

/* The text of the tick labels of a panel (its y axis: text-anchor end). */
static bool panel_has_label(const char *svg, const char *panel, const char *label)
{
    char start[64], pat[96];
    snprintf(start, sizeof start, "id=\"%s\"", panel);
    const char *p = strstr(svg, start), *end = p ? strstr(p, "</g>") : NULL;
    snprintf(pat, sizeof pat, "text-anchor=\"end\" dominant-baseline=\"middle\">%s</text>", label);
    const char *hit = p ? strstr(p, pat) : NULL;
    return hit && hit < end;
}

static void test_svg(void)
{
    enum { N = 10 };
    gf_epoch_report r[N];
    classifier_history(r, N);
    char path[512];
    path_in(path, sizeof path, "h.svg");
    CHECK(gf_history_write_svg(path, r, N, "iris <8:tanh> & \"friends\"") == GF_OK, "%s",
          gf_errmsg());
    char *svg = slurp(path);
    CHECK(svg != NULL, "no %s", path);
    if (!svg) return;
    const char *why = xml_error(svg);
    CHECK(why == NULL, "not well-formed: %s", why);
    CHECK(!has_nonfinite_text(svg), "NaN or inf in the SVG");
    CHECK(strstr(svg, "<title>iris &lt;8:tanh&gt; &amp; &quot;friends&quot;</title>"),
          "the title is not escaped");
    CHECK(strstr(svg, "id=\"loss\"") && strstr(svg, "id=\"accuracy\""), "two panels");
    /* Training and validation, loss and accuracy: four lines of N points. */
    CHECK(count_class(svg, "polyline", "train") == 2, "%d training lines",
          count_class(svg, "polyline", "train"));
    CHECK(count_class(svg, "polyline", "valid") == 2, "%d validation lines",
          count_class(svg, "polyline", "valid"));
    double xs[N], ys[N];
    for (int k = 0; k < 2; k++) {
        CHECK(polyline_points(svg, "train", k, xs, ys, N) == N, "train line %d", k);
        CHECK(polyline_points(svg, "valid", k, xs, ys, N) == N, "valid line %d", k);
    }
    /* The loss line: x grows with the epoch, y falls as the loss rises. */
    CHECK(polyline_points(svg, "train", 0, xs, ys, N) == N, "train loss");
    for (int i = 1; i < N; i++) {
        CHECK(xs[i] > xs[i - 1], "x of epoch %d", i + 1);
        CHECK((ys[i] > ys[i - 1]) == (r[i].loss < r[i - 1].loss), "y of epoch %d", i + 1);
    }
    /* Round ticks: losses 0.083 to 0.62 span 0.54, whose round range is 1,
     * ticked every 0.2 from 0 to 0.8; accuracies 0.675 to 0.9 every 0.1. */
    for (const char *l = "0.0\0" "0.2\0" "0.4\0" "0.6\0" "0.8\0"; *l; l += strlen(l) + 1)
        CHECK(panel_has_label(svg, "loss", l), "loss tick %s", l);
    CHECK(!panel_has_label(svg, "loss", "1.0") && !panel_has_label(svg, "loss", "0.1"),
          "loss ticks off the round range");
    for (const char *l = "0.6\0" "0.7\0" "0.8\0" "0.9\0"; *l; l += strlen(l) + 1)
        CHECK(panel_has_label(svg, "accuracy", l), "accuracy tick %s", l);
    CHECK(!panel_has_label(svg, "accuracy", "1.0") && !panel_has_label(svg, "accuracy", "0.5"),
          "accuracy ticks off the round range");
    /* Epoch 6 is the best: a dashed line in each panel and a ring on it. */
    CHECK(count_class(svg, "line", "best") == 2 && count_class(svg, "circle", "best") == 2,
          "best marks: %d lines, %d rings", count_class(svg, "line", "best"),
          count_class(svg, "circle", "best"));
    CHECK(strstr(svg, "best epoch (6)") != NULL, "the legend names the best epoch");
    CHECK(strstr(svg, ">training<") && strstr(svg, ">validation<"), "legend");
    free(svg);

    /* A regression without validation: one panel, one line, no best. */
    for (int i = 0; i < N; i++) {
        r[i].train_accuracy = r[i].valid_accuracy = r[i].valid_loss = NAN;
        r[i].best = 0;
    }
    r[4].loss = NAN; /* a gap splits the line: 4 points, then 5 */
    CHECK(gf_history_write_svg(path, r, N, NULL) == GF_OK, "%s", gf_errmsg());
    svg = slurp(path);
    why = svg ? xml_error(svg) : "no file";
    CHECK(why == NULL, "regression: %s", why);
    if (svg) {
        CHECK(!has_nonfinite_text(svg), "NaN or inf in the regression's SVG");
        CHECK(!strstr(svg, "id=\"accuracy\""), "an accuracy panel without accuracies");
        CHECK(!strstr(svg, ">validation<") && !strstr(svg, "class=\"best\""),
              "validation or best drawn without validation");
        CHECK(count_class(svg, "polyline", "train") == 2 &&
                  polyline_points(svg, "train", 0, xs, ys, N) == 4 &&
                  polyline_points(svg, "train", 1, xs, ys, N) == 5,
              "the gap at epoch 5");
        CHECK(strstr(svg, "<title>Training history</title>"), "default title");
    }
    free(svg);

    /* Hostile values: one epoch, huge and tiny numbers, infinities; still
     * well-formed, finite, with a dot for the single point. */
    gf_epoch_report odd = { .epoch = 3, .loss = 1e308, .train_accuracy = INFINITY,
                            .valid_loss = -1e-310, .valid_accuracy = NAN, .best = 1 };
    CHECK(gf_history_write_svg(path, &odd, 1, "\x01\xff bad \xc3") == GF_OK, "%s", gf_errmsg());
    svg = slurp(path);
    why = svg ? xml_error(svg) : "no file";
    CHECK(why == NULL, "hostile values: %s", why);
    if (svg) {
        CHECK(!has_nonfinite_text(svg), "NaN or inf for hostile values");
        CHECK(count_class(svg, "circle", "train") == 1 && count_class(svg, "circle", "valid") == 1,
              "a single epoch is a dot per series");
        CHECK(strstr(svg, "<title>? bad ?</title>"), "invalid UTF-8 in the title");
    }
    free(svg);
    CHECK(unlink(path) == 0, "%s", path);
}

/* ------------------------------------------------------------- errors -- */

static void test_errors(void)
{
    gf_epoch_report r[2];
    classifier_history(r, 2);
    char path[600], blocker[512];
    path_in(blocker, sizeof blocker, "plain-file");
    FILE *f = fopen(blocker, "w");
    CHECK(f && fputs("x", f) >= 0, "creating %s", blocker);
    if (f) fclose(f);
    /* A directory that is a file: nothing can be created in it. */
    snprintf(path, sizeof path, "%s/h.csv", blocker);
    gf_status s = gf_history_write_csv(path, r, 2);
    CHECK(s == GF_ERR_IO && strstr(gf_errmsg(), path), "csv: %d %s", (int)s, gf_errmsg());
    snprintf(path, sizeof path, "%s/h.svg", blocker);
    s = gf_history_write_svg(path, r, 2, "t");
    CHECK(s == GF_ERR_IO && strstr(gf_errmsg(), path), "svg: %d %s", (int)s, gf_errmsg());
    path_in(path, sizeof path, "missing/h.svg");
    s = gf_history_write_svg(path, r, 2, "t");
    CHECK(s == GF_ERR_IO && strstr(gf_errmsg(), path) && strstr(gf_errmsg(), "No such file"),
          "missing directory: %d %s", (int)s, gf_errmsg());
    CHECK(files_in_dir() == 1, "%d files left in %s", files_in_dir(), dir);
    /* A directory is not replaced. */
    s = gf_history_write_csv(dir, r, 2);
    CHECK(s == GF_ERR_ARG && strstr(gf_errmsg(), "not a regular file"), "dir: %d %s", (int)s,
          gf_errmsg());
    CHECK(gf_history_write_csv(NULL, r, 2) == GF_ERR_ARG, "NULL path");
    CHECK(gf_history_write_csv(blocker, NULL, 2) == GF_ERR_ARG, "NULL reports");
    CHECK(gf_history_write_svg(blocker, r, 0, NULL) == GF_ERR_ARG, "no reports");
    char *text = slurp(blocker);
    CHECK(text && strcmp(text, "x") == 0, "a refused write changed %s", blocker);
    free(text);
    /* Replacing a file keeps its mode and leaves no temporary file. */
    CHECK(chmod(blocker, 0640) == 0, "chmod");
    CHECK(gf_history_write_csv(blocker, r, 2) == GF_OK, "%s", gf_errmsg());
    struct stat sb;
    CHECK(stat(blocker, &sb) == 0 && (sb.st_mode & 0777) == 0640, "mode %o", sb.st_mode & 0777);
    CHECK(files_in_dir() == 1, "%d files after replacing", files_in_dir());
    unlink(blocker);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_csv();
    test_svg();
    test_errors();
    rmdir(dir);
    return check_report("test_history");
}
