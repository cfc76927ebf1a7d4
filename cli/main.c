/* grafo: the command line over the library. */
#include <stdio.h>
#include <string.h>

#include "grafo.h"

int cmd_mnist(int argc, char **argv);

static void usage(FILE *f)
{
    fprintf(f,
            "usage: grafo <command> [options]\n"
            "\n"
            "commands:\n"
            "  mnist     train the seeds' 784-512-10 network on (Fashion-)MNIST\n"
            "  version   print the version\n"
            "  help      print this text\n"
            "\n"
            "'grafo <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "mnist") == 0) return cmd_mnist(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("grafo %s\n", GF_VERSION_STRING);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "grafo: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
