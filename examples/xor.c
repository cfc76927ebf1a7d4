/* The seeds' XOR workshop (seed 001): 3 inputs, a hidden layer of 4 sigmoid
 * units and 1 sigmoid output, trained by gradient descent on the whole
 * truth table.  The network is written with the graph API, op by op, as the
 * workshop writes it with NumPy; the sigmoid output and binary cross-entropy
 * are fused into bce_logits, the stable form of the same loss.
 *
 * usage: xor [seed]   prints the loss, the predictions and the accuracy;
 * exits 0 only if every row of the table is classified correctly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "grafo.h"

/* The workshop's table: the third input is a constant 1, a bias by hand. */
static const float X[8][3] = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1},
                              {0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};
static const float Y[8] = {0, 1, 1, 0, 0, 1, 1, 0};

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    gf_model *m = gf_model_new(3);
    gf_graph *g = gf_model_graph(m);

    /* a1 = sigmoid(x W1 + b1);  z2 = a1 W2 + b2;  y_hat = sigmoid(z2) */
    gf_node w1 = gf_model_param(m, "W1", 3, 4, GF_INIT_XAVIER_NORMAL);
    gf_node b1 = gf_model_param(m, "b1", 0, 4, GF_INIT_ZEROS);
    gf_node w2 = gf_model_param(m, "W2", 4, 1, GF_INIT_XAVIER_NORMAL);
    gf_node b2 = gf_model_param(m, "b2", 0, 1, GF_INIT_ZEROS);
    gf_node a1 = gf_sigmoid(g, gf_add(g, gf_matmul(g, gf_model_input(m), w1), b1));
    gf_node z2 = gf_add(g, gf_matmul(g, a1, w2), b2);

    gf_status s = gf_model_set_loss(m, z2, GF_LOSS_BCE_LOGITS);
    if (s == GF_OK) s = gf_model_compile(m, 8, seed);
    gf_dataset *data = gf_dataset_new(8, 3, &X[0][0], 1, Y, 0);
    if (s == GF_OK && !data) s = GF_ERR_ARG;
    if (s == GF_OK) {
        gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
        o.epochs = 3000; /* full-batch gradient descent: one step per epoch */
        o.batch_size = 8;
        o.optim.lr = 2.0f;
        s = gf_model_fit(m, data, NULL, &o);
    }
    double loss = NAN, acc = NAN;
    float z[8];
    if (s == GF_OK) s = gf_model_evaluate(m, data, &loss, &acc);
    if (s == GF_OK) s = gf_model_predict(m, &X[0][0], 4, z);
    if (s != GF_OK) {
        fprintf(stderr, "xor: %s\n", gf_errmsg());
        gf_dataset_free(data);
        gf_model_free(m);
        return 1;
    }
    printf("loss %.5f\n", loss);
    for (int i = 0; i < 4; i++)
        printf("%g xor %g -> %.4f (want %g)\n", X[i][0], X[i][1], 1.0 / (1.0 + exp(-z[i])), Y[i]);
    printf("accuracy %.0f%%\n", 100 * acc);
    gf_dataset_free(data);
    gf_model_free(m);
    return acc == 1.0 ? 0 : 1;
}
