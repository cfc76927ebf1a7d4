/* Internal: what the text readers (CSV, libsvm) share: numbers spelled the
 * one way grafo accepts, positions in the text for messages, and cells
 * quoted safely into a message.
 *
 * Numbers: [spaces] [+|-] digits [. [digits]] | . digits, then an optional
 * exponent e|E [+|-] digits, then [spaces].  Nothing else: strtod would also
 * take hex ("0x1A"), "inf", "nan" and, under a caller's locale, a decimal
 * comma instead of the point; the syntax is checked here first and strtod
 * only converts (in the "C" locale, see gf__c_locale_begin). */
#ifndef GF_DATA_TEXTNUM_H
#define GF_DATA_TEXTNUM_H

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum gf__num {
    GF__NUM_OK,        /* a finite number */
    GF__NUM_NOT,       /* not a number: text */
    GF__NUM_NONFINITE, /* spelled as a non-finite number ("Inf", "-inf", "NaN") */
    GF__NUM_RANGE,     /* a number too large for a double ("1e999") */
    GF__NUM_NOMEM,     /* a number of 128 characters or more, which strtod
                          needs copied, and no memory for the copy */
} gf__num;

static inline int gf__is_blank(char c) { return c == ' ' || c == '\t'; }

/* Parse s[0..n) as a number into *out.  The conversion runs in whatever
 * locale the thread has: callers switch to "C" with gf__c_locale_begin. */
static inline gf__num gf__parse_number(const char *s, size_t n, double *out)
{
    size_t a = 0, b = n;
    while (a < b && gf__is_blank(s[a])) a++;
    while (b > a && gf__is_blank(s[b - 1])) b--;
    size_t p = a;
    if (p < b && (s[p] == '+' || s[p] == '-')) p++;
    size_t int_digits = 0, frac_digits = 0;
    while (p < b && s[p] >= '0' && s[p] <= '9') p++, int_digits++;
    if (p < b && s[p] == '.') {
        p++;
        while (p < b && s[p] >= '0' && s[p] <= '9') p++, frac_digits++;
    }
    if (int_digits + frac_digits == 0) {
        /* no digits: perhaps a spelling of infinity or NaN */
        size_t k = a < b && (s[a] == '+' || s[a] == '-') ? a + 1 : a, len = b - k;
        if ((len == 3 && (strncasecmp(s + k, "inf", 3) == 0 || strncasecmp(s + k, "nan", 3) == 0)) ||
            (len == 8 && strncasecmp(s + k, "infinity", 8) == 0))
            return GF__NUM_NONFINITE;
        return GF__NUM_NOT;
    }
    if (p < b && (s[p] == 'e' || s[p] == 'E')) {
        p++;
        if (p < b && (s[p] == '+' || s[p] == '-')) p++;
        size_t exp_digits = 0;
        while (p < b && s[p] >= '0' && s[p] <= '9') p++, exp_digits++;
        if (!exp_digits) return GF__NUM_NOT;
    }
    if (p != b) return GF__NUM_NOT;
    /* strtod needs a terminated string; s[n] may be past the caller's text */
    char small[128], *t = small;
    size_t len = b - a;
    if (len >= sizeof small && !(t = malloc(len + 1))) return GF__NUM_NOMEM;
    memcpy(t, s + a, len);
    t[len] = '\0';
    double v = strtod(t, NULL);
    if (t != small) free(t);
    if (!isfinite(v)) return GF__NUM_RANGE;
    *out = v;
    return GF__NUM_OK;
}

/* Switch this thread to the "C" numeric locale for strtod, returning the
 * locale to restore with gf__c_locale_end; (locale_t)0 if it could not be
 * made (the caller reports it as out of memory). */
typedef struct gf__c_locale {
    locale_t c, old;
} gf__c_locale;

static inline int gf__c_locale_begin(gf__c_locale *l)
{
    l->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!l->c) return 0;
    l->old = uselocale(l->c);
    return 1;
}

static inline void gf__c_locale_end(gf__c_locale *l)
{
    uselocale(l->old);
    freelocale(l->c);
}

/* The 1-based column of text[at] on a line starting at text[line_start],
 * counted in characters: UTF-8 continuation bytes do not start one. */
static inline size_t gf__column(const char *text, size_t line_start, size_t at)
{
    size_t col = 1;
    for (size_t i = line_start; i < at; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80) col++;
    return col;
}

/* Copy s[0..n) into buf (size bytes) for a message: at most about 40
 * characters, with "..." when cut, and control bytes written as \n, \r, \t
 * or \xHH, so a hostile cell cannot flood or garble the message. */
static inline const char *gf__quote_text(const char *s, size_t n, char *buf, size_t size)
{
    size_t o = 0, limit = 40;
    for (size_t i = 0; i < n && o + 8 < size; i++) {
        if (i == limit) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') o += (size_t)snprintf(buf + o, size - o, "\\n");
        else if (c == '\r') o += (size_t)snprintf(buf + o, size - o, "\\r");
        else if (c == '\t') o += (size_t)snprintf(buf + o, size - o, "\\t");
        else if (c < 0x20 || c == 0x7F) o += (size_t)snprintf(buf + o, size - o, "\\x%02X", c);
        else buf[o++] = (char)c;
    }
    buf[o < size ? o : size - 1] = '\0';
    return buf;
}

#endif
