/* grafo: the command line over the library. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: grafo <command> [options]\n"
            "\n"
            "commands:\n"
            "  fit KIND  fit a linear model: ols, ridge, lasso, enet, logistic, softmax,\n"
            "            perceptron, linsvm\n"
            "  train     train a network of dense layers (--layers 512:relu,10:softmax)\n"
            "  predict   predict with a saved model\n"
            "  eval      measure a saved model on data with known answers\n"
            "  mnist     train the seeds' 784-512-10 network on (Fashion-)MNIST\n"
            "  version   print the version (also --version)\n"
            "  help      print this text\n"
            "\n"
            "'grafo <command> --help' describes a command's options.  Exit codes: 0 done,\n"
            "1 the fit or training failed, 2 bad usage, 3 bad input data, 4 bad model file,\n"
            "5 an output could not be written.\n");
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "fit") == 0) return cmd_fit(argc - 1, argv + 1);
    if (strcmp(cmd, "train") == 0) return cmd_train(argc - 1, argv + 1);
    if (strcmp(cmd, "predict") == 0) return cmd_predict(argc - 1, argv + 1);
    if (strcmp(cmd, "eval") == 0) return cmd_eval(argc - 1, argv + 1);
    if (strcmp(cmd, "mnist") == 0) return cmd_mnist(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("grafo %s (model format %d)\n", GF_VERSION_STRING, GF_MODEL_FORMAT_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "grafo: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    int rc = run(argc, argv);
    /* Results go to standard output: a write that failed there (a full
     * disk, a closed pipe) is a failed command, not a success. */
    errno = 0;
    bool flushed = fflush(stdout) == 0;
    if ((!flushed || ferror(stdout)) && rc == EXIT_OK) {
        fprintf(stderr, "grafo%s%s: standard output: %s\n", argc > 1 ? " " : "",
                argc > 1 ? argv[1] : "", !flushed && errno ? strerror(errno) : "a write failed");
        rc = EXIT_OUTPUT;
    }
    return rc;
}
