/* The command line's option parsing: strict, with messages that name the
 * option and the text that was wrong. */
#ifndef GF_CLI_ARGS_H
#define GF_CLI_ARGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

/* Each returns false after printing "grafo CMD: --opt: why" to stderr. */
bool arg_int(const char *cmd, const char *opt, const char *text, long lo, long hi, long *out);
bool arg_u64(const char *cmd, const char *opt, const char *text, uint64_t *out);
bool arg_float(const char *cmd, const char *opt, const char *text, double lo, double hi, double *out);
/* A finite number in an interval whose ends may be open (lo_open: lo
 * itself is refused) and hi may be INFINITY: "--dropout: 1 is outside
 * [0, 1)". */
bool arg_range(const char *cmd, const char *opt, const char *text, double lo, bool lo_open,
               double hi, bool hi_open, double *out);
/* The same for a value kept as a float, whose rounding must stay in the
 * interval too: "--dropout 0.99999999999" is below 1 but 1.0f as a float. */
bool arg_range_float(const char *cmd, const char *opt, const char *text, double lo, bool lo_open,
                     double hi, bool hi_open, float *out);

/* The value after an option, or NULL (with a message) if there is none. */
const char *arg_value(const char *cmd, int argc, char **argv, int *i);

/* Option codes (getopt_long's val) are below ARG_CODES, so a table of
 * what was given can be indexed by them. */
#define ARG_CODES 1024

/* "--name" of the option whose code is `code` in longs (a static buffer:
 * use it before the next call), or "?". */
const char *arg_name(const struct option *longs, int code);

/* Record option `code` as given, with its value (NULL for a flag) in
 * given[code]; an option that takes a value may be given once: false after
 * "grafo CMD: --data is given twice ('a.csv', then 'b.csv')", since the
 * second would silently win.  Flags may repeat. */
bool arg_once(const char *cmd, const struct option *longs, int code, const char *value,
              const char **given);

/* What getopt_long's '?' or ':' means, to stderr: an unknown option, one
 * abbreviated so that it names several ("--l could be --lambda, --level,
 * --lr"), a flag given a value ("--json=yes"), or an option without its
 * value. */
void arg_complain(const char *cmd, const struct option *longs, int c, char **argv);

/* Start reading a subcommand's options (getopt_long's state and silence). */
void arg_start(void);
/* The next option, after the checks every subcommand makes: arg_complain's
 * cases are reported, -h becomes help_code, and arg_once refuses a value
 * given twice (except for the code `repeatable`, e.g. --factor).  Returns
 * the option's code (its value in optarg), -1 after the last one, or 0
 * after printing why the options are wrong; option codes must not be 0. */
int arg_next(const char *cmd, int argc, char **argv, const struct option *longs, int help_code,
             int repeatable, const char **given);

#endif
