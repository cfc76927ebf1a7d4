/* Strict number parsing: the whole text must be a number in range. */
#include "args.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool arg_int(const char *cmd, const char *opt, const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno) {
        fprintf(stderr, "grafo %s: %s: '%s' is not a whole number\n", cmd, opt, text);
        return false;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "grafo %s: %s: %ld is outside %ld..%ld\n", cmd, opt, v, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

bool arg_u64(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end || errno || text[0] == '-') {
        fprintf(stderr, "grafo %s: %s: '%s' is not a non-negative whole number\n", cmd, opt, text);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

bool arg_float(const char *cmd, const char *opt, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !isfinite(v)) {
        fprintf(stderr, "grafo %s: %s: '%s' is not a finite number\n", cmd, opt, text);
        return false;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "grafo %s: %s: %g is outside [%g, %g]\n", cmd, opt, v, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

/* v, or its float when that is what is kept, within the interval. */
static bool in_range(double v, double lo, bool lo_open, double hi, bool hi_open)
{
    return !((lo_open ? v <= lo : v < lo) || (hi_open ? v >= hi : v > hi));
}

bool arg_range(const char *cmd, const char *opt, const char *text, double lo, bool lo_open,
               double hi, bool hi_open, double *out)
{
    double v;
    if (!arg_float(cmd, opt, text, -HUGE_VAL, HUGE_VAL, &v)) return false;
    if (!in_range(v, lo, lo_open, hi, hi_open)) {
        fprintf(stderr, "grafo %s: %s: %g is outside %c%g, ", cmd, opt, v, lo_open ? '(' : '[',
                lo);
        if (isinf(hi)) fprintf(stderr, "inf)\n");
        else fprintf(stderr, "%g%c\n", hi, hi_open ? ')' : ']');
        return false;
    }
    *out = v;
    return true;
}

bool arg_range_float(const char *cmd, const char *opt, const char *text, double lo, bool lo_open,
                     double hi, bool hi_open, float *out)
{
    double v;
    if (!arg_range(cmd, opt, text, lo, lo_open, hi, hi_open, &v)) return false;
    /* beyond a float's range is infinite, said without converting */
    float f = fabs(v) > FLT_MAX ? (float)copysign(INFINITY, v) : (float)v;
    if (!isfinite(f) || !in_range(f, lo, lo_open, hi, hi_open)) {
        fprintf(stderr, "grafo %s: %s: %s is %.9g as a float, outside %c%g, ", cmd, opt, text,
                (double)f, lo_open ? '(' : '[', lo);
        if (isinf(hi)) fprintf(stderr, "inf)\n");
        else fprintf(stderr, "%g%c\n", hi, hi_open ? ')' : ']');
        return false;
    }
    *out = f;
    return true;
}

const char *arg_value(const char *cmd, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "grafo %s: %s needs a value\n", cmd, argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

const char *arg_name(const struct option *longs, int code)
{
    static char buf[64];
    for (const struct option *o = longs; o->name; o++)
        if (o->val == code) {
            snprintf(buf, sizeof buf, "--%s", o->name);
            return buf;
        }
    return "?";
}

/* "" marks a flag as given, since it has no value to keep. */
static const char flag_given[] = "";

bool arg_once(const char *cmd, const struct option *longs, int code, const char *value,
              const char **given)
{
    if (code < 0 || code >= ARG_CODES) return true;
    if (given[code] && value) {
        fprintf(stderr, "grafo %s: %s is given twice ('%s', then '%s'); give it once\n", cmd,
                arg_name(longs, code), given[code], value);
        return false;
    }
    given[code] = value ? value : flag_given;
    return true;
}

void arg_complain(const char *cmd, const struct option *longs, int c, char **argv)
{
    const char *text = argv[optind - 1];
    if (c == ':') {
        fprintf(stderr, "grafo %s: %s needs a value\n", cmd,
                optopt > 0 && optopt < 256 && strncmp(text, "--", 2) != 0
                    ? (char[]){ '-', (char)optopt, 0 } : arg_name(longs, optopt));
        return;
    }
    if (strncmp(text, "--", 2) != 0) {
        /* A short option: getopt may still be inside its cluster ("-dx"). */
        fprintf(stderr, "grafo %s: unknown option '-%c' (options are long: --name)\n", cmd,
                optopt > ' ' && optopt < 127 ? optopt : '?');
        return;
    }
    const char *name = text + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct option *match = NULL;
    size_t matches = 0;
    for (const struct option *o = longs; o->name; o++) {
        if (strncmp(o->name, name, len) != 0) continue;
        if (strlen(o->name) == len) { /* an exact name wins over prefixes */
            match = o;
            matches = 1;
            break;
        }
        match = o;
        matches++;
    }
    if (matches == 1 && eq && match->has_arg == no_argument) {
        fprintf(stderr, "grafo %s: --%s takes no value (found '%s')\n", cmd, match->name, text);
    } else if (matches > 1) {
        fprintf(stderr, "grafo %s: '--%.*s' is ambiguous: it could be", cmd, (int)len, name);
        const char *sep = " ";
        for (const struct option *o = longs; o->name; o++)
            if (strncmp(o->name, name, len) == 0) {
                fprintf(stderr, "%s--%s", sep, o->name);
                sep = ", ";
            }
        fprintf(stderr, "\n");
    } else {
        fprintf(stderr, "grafo %s: unknown option '%.*s'\n", cmd, (int)(len + 2), text);
    }
}

void arg_start(void)
{
    opterr = 0; /* arg_complain says what is wrong, better than getopt does */
    optind = 1;
}

int arg_next(const char *cmd, int argc, char **argv, const struct option *longs, int help_code,
             int repeatable, const char **given)
{
    int c = getopt_long(argc, argv, ":h", longs, NULL);
    if (c == -1) return -1;
    if (c == '?' || c == ':') {
        arg_complain(cmd, longs, c, argv);
        return 0;
    }
    if (c == 'h') c = help_code;
    if (c != repeatable && !arg_once(cmd, longs, c, optarg, given)) return 0;
    return c;
}
