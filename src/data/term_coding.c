/* Coding a formula's terms and naming their design columns, as R's
 * TermCode and modelmatrix do (terms_internal.h).
 *
 * Each factor in a term is coded by contrasts if the term without it is
 * contained in an earlier term (the empty term always counts), by
 * indicators otherwise; without an intercept the first factor of the first
 * term that has one takes indicators. */
#include "data/terms_internal.h"
#include "core/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Limits against formulas that would expand into more than any model can
 * use: design columns and the bytes of their names. */
#define MAX_COLS ((size_t)1 << 20)
#define MAX_NAME_BYTES ((size_t)1 << 28)

/* Is a[0..na) (sorted) contained in b[0..nb) (sorted)? */
static int subset(const size_t *a, size_t na, const size_t *b, size_t nb)
{
    size_t j = 0;
    for (size_t i = 0; i < na; i++) {
        while (j < nb && b[j] < a[i]) j++;
        if (j == nb || b[j] != a[i]) return 0;
        j++;
    }
    return 1;
}

/* Subset tests allowed while coding, against formulas built to be slow. */
#define MAX_SUBSET_TESTS ((size_t)1 << 26)

/* Whether the sorted set buf[0..m), whose bits are `bits` if the formula
 * has at most 64 variables (mask non-NULL), is contained in term e. */
static int in_term(const gf_terms *t, size_t e, const uint64_t *mask, uint64_t bits,
                   const size_t *buf, size_t m)
{
    if (mask) return (bits & ~mask[e]) == 0;
    return t->terms[e].order >= m && subset(buf, m, t->terms[e].var, t->terms[e].order);
}

/* R's TermCode: factor `pick` of term ti is coded by contrasts (1) if the
 * term without it is empty or contained in an earlier term, else by
 * indicators (2).  first[v] is the first term holding variable v: a term
 * holding all of the rest comes no earlier than the latest of those.
 * mask[e], if not NULL, is term e's variables as bits. */
static int term_code(const gf_terms *t, size_t ti, size_t pick, const size_t *first,
                     const uint64_t *mask, size_t *buf, size_t *tests)
{
    const gf__term *term = &t->terms[ti];
    size_t m = 0, from = 0;
    uint64_t bits = 0;
    for (size_t q = 0; q < term->order; q++)
        if (q != pick) {
            buf[m++] = term->var[q];
            if (mask) bits |= (uint64_t)1 << term->var[q];
            if (first[term->var[q]] > from) from = first[term->var[q]];
        }
    if (m == 0) return 1;
    if (m == 1) return first[buf[0]] < ti ? 1 : 2;
    for (size_t e = from; e < ti; e++) {
        if (++*tests > MAX_SUBSET_TESTS) return -1;
        if (in_term(t, e, mask, bits, buf, m)) return 1;
    }
    return 2;
}

gf_status gf__terms_code(gf_terms *t)
{
    size_t maxorder = 0, tests = 0;
    for (size_t ti = 0; ti < t->nterms; ti++)
        if (t->terms[ti].order > maxorder) maxorder = t->terms[ti].order;
    size_t *buf = gf__malloc((maxorder ? maxorder : 1) * sizeof *buf, "coding a formula's terms");
    size_t *first = buf ? gf__malloc((t->nvars ? t->nvars : 1) * sizeof *first, "coding terms")
                        : NULL;
    if (!first) {
        free(buf);
        return GF_ERR_NOMEM;
    }
    /* with at most 64 variables (nearly always) a subset test is on bits */
    uint64_t *mask = t->nvars <= 64 ? gf__calloc(t->nterms ? t->nterms : 1, sizeof *mask,
                                                 "coding terms")
                                    : NULL;
    if (t->nvars <= 64 && !mask) {
        free(buf), free(first);
        return GF_ERR_NOMEM;
    }
    for (size_t ti = 0; mask && ti < t->nterms; ti++)
        for (size_t q = 0; q < t->terms[ti].order; q++)
            mask[ti] |= (uint64_t)1 << t->terms[ti].var[q];
    for (size_t v = 0; v < t->nvars; v++) first[v] = SIZE_MAX;
    for (size_t ti = t->nterms; ti-- > 0;)
        for (size_t q = 0; q < t->terms[ti].order; q++) first[t->terms[ti].var[q]] = ti;
    int code = 0;
    for (size_t ti = 0; ti < t->nterms && code >= 0; ti++) {
        gf__term *term = &t->terms[ti];
        for (size_t q = 0; q < term->order && code >= 0; q++) {
            code = t->vars[term->var[q]].type == GF_COL_FACTOR
                       ? term_code(t, ti, q, first, mask, buf, &tests)
                       : 0;
            term->coding[q] = code;
        }
    }
    free(buf), free(first), free(mask);
    if (code < 0)
        return gf__fail(GF_ERR_ARG, "formula '%s': its interactions of factors are too many to "
                        "code (more than %zu comparisons of terms)", t->formula, MAX_SUBSET_TESTS);
    /* No intercept: the first factor met takes all its levels (modelmatrix). */
    for (size_t ti = 0; !t->intercept && ti < t->nterms; ti++) {
        gf__term *term = &t->terms[ti];
        size_t q = 0;
        while (q < term->order && term->coding[q] == 0) q++;
        if (q < term->order) {
            term->coding[q] = 2;
            break;
        }
    }
    return GF_OK;
}

/* a + b and a * b, stopping at SIZE_MAX. */
static size_t sat_add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }
static size_t sat_mul(size_t a, size_t b) { return b && a > SIZE_MAX / b ? SIZE_MAX : a * b; }

/* The exact bytes of a term's n column names, NULs included: each column
 * spells every variable's name and, for a factor, one of its coded levels
 * (each of the k levels in n / k of the columns), joined by ':'. */
static size_t term_name_bytes(const gf_terms *t, const gf__term *term, size_t n)
{
    size_t bytes = sat_mul(n, term->order); /* the ':'s and the NUL */
    for (size_t q = 0; q < term->order; q++) {
        const gf__var *v = &t->vars[term->var[q]];
        bytes = sat_add(bytes, sat_mul(n, strlen(v->name)));
        if (!term->coding[q]) continue;
        size_t first = term->coding[q] == 1, k = v->nlevels - first, levels = 0;
        for (size_t l = first; l < v->nlevels; l++) levels = sat_add(levels, strlen(v->levels[l]));
        bytes = sat_add(bytes, sat_mul(k ? n / k : 0, levels));
    }
    return bytes;
}

/* Each term's columns and their names: the first variable varies fastest,
 * a factor contributes its name followed by the level. */
gf_status gf__terms_name_columns(gf_terms *t)
{
    size_t total = 0, bytes = 0, exact = 0;
    for (size_t ti = 0; ti < t->nterms; ti++) {
        gf__term *term = &t->terms[ti];
        size_t n = 1, len = 0;
        for (size_t q = 0; q < term->order; q++) {
            const gf__var *v = &t->vars[term->var[q]];
            size_t k = term->coding[q] == 1 ? v->nlevels - 1 : term->coding[q] == 2 ? v->nlevels : 1;
            size_t longest = 0;
            for (size_t l = 0; term->coding[q] && l < v->nlevels; l++)
                if (strlen(v->levels[l]) > longest) longest = strlen(v->levels[l]);
            len += strlen(v->name) + longest + 1;
            if (k && n > MAX_COLS / k) n = MAX_COLS + 1;
            else n *= k;
        }
        if (n > MAX_COLS || total + n > MAX_COLS)
            return gf__fail(GF_ERR_ARG, "formula '%s': the design would have more than %zu "
                            "columns", t->formula, MAX_COLS);
        if (len && n > MAX_NAME_BYTES / len) bytes = MAX_NAME_BYTES + 1;
        else bytes += n * len;
        if (bytes > MAX_NAME_BYTES)
            return gf__fail(GF_ERR_ARG, "formula '%s': the design's column names would take "
                            "more than %zu bytes", t->formula, MAX_NAME_BYTES);
        term->col0 = total;
        term->ncols = n;
        total += n;
        exact = sat_add(exact, term_name_bytes(t, term, n));
    }
    if (total > t->max_cols || exact > t->max_name_bytes)
        return gf__fail(GF_ERR_FORMAT, "formula '%s': the design would have %zu columns whose "
                        "names take %zu bytes; the model file lists %zu columns of %zu bytes",
                        t->formula, total, exact, t->max_cols, t->max_name_bytes);
    t->ncols = total;
    t->colnames = gf__calloc(total, sizeof *t->colnames, "the design's column names");
    size_t maxorder = 1;
    for (size_t ti = 0; ti < t->nterms; ti++)
        if (t->terms[ti].order > maxorder) maxorder = t->terms[ti].order;
    size_t *digits = t->colnames ? gf__malloc(maxorder * sizeof *digits, "naming columns") : NULL;
    if (!digits) return GF_ERR_NOMEM;
    for (size_t ti = 0; ti < t->nterms; ti++) {
        const gf__term *term = &t->terms[ti];
        for (size_t col = 0; col < term->ncols; col++) {
            size_t rest = col, len = 0;
            for (size_t q = 0; q < term->order; q++) {
                const gf__var *v = &t->vars[term->var[q]];
                size_t k = term->coding[q] == 1 ? v->nlevels - 1 : term->coding[q] == 2 ? v->nlevels : 1;
                digits[q] = rest % k;
                rest /= k;
                len += strlen(v->name) + 1;
                if (term->coding[q])
                    len += strlen(v->levels[digits[q] + (term->coding[q] == 1)]);
            }
            char *name = gf__malloc(len + 1, "a column name");
            if (!name) {
                free(digits);
                return GF_ERR_NOMEM;
            }
            size_t o = 0;
            for (size_t q = 0; q < term->order; q++) {
                const gf__var *v = &t->vars[term->var[q]];
                if (q) name[o++] = ':';
                size_t n = strlen(v->name);
                memcpy(name + o, v->name, n);
                o += n;
                if (term->coding[q]) {
                    const char *lv = v->levels[digits[q] + (term->coding[q] == 1)];
                    n = strlen(lv);
                    memcpy(name + o, lv, n);
                    o += n;
                }
            }
            name[o] = '\0';
            t->colnames[term->col0 + col] = name;
        }
    }
    free(digits);
    return GF_OK;
}
