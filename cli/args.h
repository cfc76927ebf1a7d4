/* The command line's option parsing: strict, with messages that name the
 * option and the text that was wrong. */
#ifndef GF_CLI_ARGS_H
#define GF_CLI_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Each returns false after printing "grafo CMD: --opt: why" to stderr. */
bool arg_int(const char *cmd, const char *opt, const char *text, long lo, long hi, long *out);
bool arg_u64(const char *cmd, const char *opt, const char *text, uint64_t *out);
bool arg_float(const char *cmd, const char *opt, const char *text, double lo, double hi, double *out);

/* The value after an option, or NULL (with a message) if there is none. */
const char *arg_value(const char *cmd, int argc, char **argv, int *i);

#endif
