/* grafo train, in parts: the options (train_opts.c), what happens after
 * each epoch (train_epoch.c) and the run itself (train.c). */
#ifndef GF_CLI_TRAIN_H
#define GF_CLI_TRAIN_H

#include "args.h"
#include "cli.h"

/* The command line, read and checked: every value in range, every flag
 * applicable to the chosen optimiser and schedule. */
typedef struct train_opts {
    data_opts data;
    const char *layers;     /* --layers SPEC as given, or NULL */
    const char *model;      /* --model FILE: continue from a saved network's weights */
    const char *resume;     /* --resume FILE: continue a checkpointed run */
    const char *save, *checkpoint, *history, *plot;
    long epochs, batch, threads, patience;
    bool epochs_given;
    double valid, min_delta;
    uint64_t seed;
    gf_scaling scale;
    gf_optim_opts optim;    /* the optimiser's defaults with the flags applied */
    /* Regularisers that fill the architecture (apply_arch_flags). */
    double dropout, input_dropout, input_noise, weight_noise, label_smoothing;
    bool batch_norm;
    bool json, quiet;
} train_opts;

/* Read argv into *o.  Returns -1 to go on, or an exit code: EXIT_OK after
 * --help, EXIT_USAGE after a message on stderr. */
int train_parse(int argc, char **argv, train_opts *o);

/* The regulariser flags into a parsed --layers architecture: --dropout and
 * --batch-norm for hidden layers that do not set their own, the input and
 * output ones into the gf_arch fields.  Checks the result as a whole.
 * EXIT_OK, or EXIT_USAGE after a message. */
int apply_arch_flags(const train_opts *o, gf_arch *arch);

/* What the run shares with its per-epoch callback. */
typedef struct train_run {
    const train_opts *o;
    gf_pipeline *pipe;        /* the network being trained, for checkpoints */
    gf_trainer *trainer;
    char checkpoint_to[4096], history_to[4096], plot_to[4096]; /* resolved paths */
    const char *title;        /* of the plot */
    bool tty;
    double last_draw;
    int rc;                   /* EXIT_OUTPUT if a per-epoch file failed */
} train_run;

/* The trainer's callbacks: a progress bar on a terminal, and after each
 * epoch its line on stderr and the checkpoint, history and plot files.
 * user is a train_run. */
void train_draw_bar(const gf_progress *g, void *user);
int train_epoch_done(const gf_epoch_report *r, void *user);

/* The history as JSON for --json: one object per epoch with every report
 * field (NaN fields left out). */
json_t *train_history_json(const gf_epoch_report *h, size_t n);

#endif
