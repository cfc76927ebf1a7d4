/* Architectures as text: good specs and what they parse to, every way a
 * spec can be wrong (status, message quoting the spec, layer and column),
 * the canonical form and its round trip, hand-made architectures, and a
 * model built from "8:tanh,3:softmax": its parameters' names and shapes,
 * a linear output, and training to 100% on separable data. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grafo.h"

#define HAS(text) (strstr(gf_errmsg(), (text)) != NULL)

/* ---- good specs --------------------------------------------------------- */

static void test_good(void)
{
    gf_arch a = {0};
    CHECK(gf_arch_parse("512:relu,10:softmax", &a) == GF_OK, "%s", gf_errmsg());
    CHECK(a.n == 2 && a.layers[0].units == 512 && a.layers[0].act == GF_ACT_RELU &&
              a.layers[1].units == 10 && a.layers[1].act == GF_ACT_IDENTITY &&
              a.loss == GF_LOSS_SOFTMAX_XENT,
          "512:relu,10:softmax parsed wrong");
    gf_arch_free(&a);
    CHECK(a.n == 0 && a.layers == NULL, "gf_arch_free leaves a zeroed arch");

    /* Blanks around every token; a sigmoid output means binary
     * cross-entropy and stays linear itself. */
    CHECK(gf_arch_parse("  64 : tanh ,\t32:relu , 1: sigmoid \n", &a) == GF_OK, "%s", gf_errmsg());
    CHECK(a.n == 3 && a.layers[0].units == 64 && a.layers[0].act == GF_ACT_TANH &&
              a.layers[1].units == 32 && a.layers[1].act == GF_ACT_RELU &&
              a.layers[2].units == 1 && a.layers[2].act == GF_ACT_IDENTITY &&
              a.loss == GF_LOSS_BCE_LOGITS,
          "blank-separated spec parsed wrong");
    gf_arch_free(&a);

    /* Identity or linear output: mean squared error; one layer is fine;
     * "linear" is identity on a hidden layer too; leading zeros are
     * decimal, not octal. */
    const char *mse[] = {"3:identity", "3:linear", "010:linear,3:identity"};
    for (int i = 0; i < 3; i++) {
        CHECK(gf_arch_parse(mse[i], &a) == GF_OK && a.loss == GF_LOSS_MSE &&
                  a.layers[a.n - 1].units == 3 && a.layers[a.n - 1].act == GF_ACT_IDENTITY,
              "%s: %s", mse[i], gf_errmsg());
        if (a.n == 2) CHECK(a.layers[0].units == 10 && a.layers[0].act == GF_ACT_IDENTITY, "010");
        gf_arch_free(&a);
    }

    /* Every activation on a hidden layer. */
    for (int act = 0; act < GF_ACT_COUNT; act++) {
        char spec[64];
        snprintf(spec, sizeof spec, "7:%s,2:softmax", gf_activation_name((gf_activation)act));
        CHECK(gf_arch_parse(spec, &a) == GF_OK && a.layers[0].act == (gf_activation)act, "%s: %s",
              spec, gf_errmsg());
        gf_arch_free(&a);
    }

    /* The limits themselves are allowed. */
    char spec[64 * 8 + 16] = "";
    for (int i = 0; i < GF_ARCH_MAX_LAYERS - 1; i++) strcat(spec, "3:relu,");
    strcat(spec, "2:softmax");
    CHECK(gf_arch_parse(spec, &a) == GF_OK && a.n == GF_ARCH_MAX_LAYERS, "64 layers: %s",
          gf_errmsg());
    gf_arch_free(&a);
    CHECK(gf_arch_parse("1048576:relu,2:softmax", &a) == GF_OK && a.layers[0].units == 1 << 20,
          "%s", gf_errmsg());
    gf_arch_free(&a);
    gf_arch_free(NULL);
}

/* ---- bad specs -------------------------------------------------------- */

/* Layer options and the input element. */
static void test_options(void)
{
    gf_arch a = {0};
    const char *spec = " input : dropout=0.2 :noise=0.1:weight_noise=0.01 , 256:relu:bn:dropout=0.5,"
                       "128 : maxout = 3, 64:prelu:bn, 32:rbf, 10:softmax:smooth=0.1";
    CHECK(gf_arch_parse(spec, &a) == GF_OK, "%s", gf_errmsg());
    CHECK(a.n == 5 && a.input_dropout == 0.2f && a.input_noise == 0.1f && a.weight_noise == 0.01f &&
              a.label_smoothing == 0.1f, "input options or smoothing parsed wrong");
    CHECK(a.layers[0].units == 256 && a.layers[0].act == GF_ACT_RELU && a.layers[0].batch_norm == 1 &&
              a.layers[0].dropout == 0.5f && a.layers[0].pieces == 0, "layer 1 parsed wrong");
    CHECK(a.layers[1].act == GF_ACT_MAXOUT && a.layers[1].pieces == 3 && !a.layers[1].batch_norm,
          "maxout=3 parsed wrong");
    CHECK(a.layers[2].act == GF_ACT_PRELU && a.layers[2].batch_norm && a.layers[3].act == GF_ACT_RBF,
          "prelu:bn or rbf parsed wrong");
    char buf[256];
    CHECK(gf_arch_format(&a, buf, sizeof buf) == GF_OK, "%s", gf_errmsg());
    CHECK(strcmp(buf, "input:dropout=0.2:noise=0.1:weight_noise=0.01,"
                      "256:relu:bn:dropout=0.5,128:maxout=3,64:prelu:bn,32:rbf,10:softmax:smooth=0.1") == 0,
          "canonical form: %s", buf);
    gf_arch b = {0};
    CHECK(gf_arch_parse(buf, &b) == GF_OK, "%s", gf_errmsg());
    CHECK(b.n == a.n && memcmp(b.layers, a.layers, a.n * sizeof *a.layers) == 0 &&
              b.input_dropout == a.input_dropout && b.weight_noise == a.weight_noise &&
              b.label_smoothing == a.label_smoothing, "the canonical form reads back differently");
    gf_arch_free(&b);
    /* Maxout's pieces default to 2. */
    gf_arch_free(&a);
    CHECK(gf_arch_parse("6:maxout,2:softmax", &a) == GF_OK && a.layers[0].pieces == 2, "%s", gf_errmsg());
    /* The model has the parameters the options imply. */
    gf_model *m = gf_model_from_arch(5, &a);
    CHECK(m && gf_graph_find(gf_model_graph(m), "W1") != GF_NONE, "%s", gf_errmsg());
    int64_t d[GF_MAX_DIMS + 1];
    CHECK(m && gf_node_shape(gf_model_graph(m), gf_graph_find(gf_model_graph(m), "W1"), d) == 2 &&
              d[1] == 12, "maxout's W has units x pieces columns");
    gf_model_free(m);
    gf_arch_free(&a);
    CHECK(gf_arch_parse("4:relu:bn,2:softmax", &a) == GF_OK, "%s", gf_errmsg());
    m = gf_model_from_arch(5, &a);
    gf_graph *g = m ? gf_model_graph(m) : NULL;
    CHECK(g && gf_node_op(g, gf_graph_find(g, "bn1.running")) == GF_OP_BUFFER &&
              gf_graph_find(g, "bn1.scale") != GF_NONE && gf_graph_find(g, "bn1.shift") != GF_NONE,
          "batch norm's parameters and buffer are missing");
    gf_model_free(m);
    gf_arch_free(&a);
    /* A hand-made arch with out-of-range options is refused. */
    gf_layer_spec l[2] = {{.units = 4, .act = GF_ACT_RELU, .dropout = 1.5f}, {.units = 2}};
    gf_arch bad = {.n = 2, .layers = l, .loss = GF_LOSS_SOFTMAX_XENT};
    CHECK(gf_arch_format(&bad, buf, sizeof buf) == GF_ERR_ARG && HAS("dropout 1.5"), "%s", gf_errmsg());
    l[0].dropout = 0;
    bad.label_smoothing = 0.1f;
    bad.loss = GF_LOSS_MSE;
    CHECK(gf_model_from_arch(5, &bad) == NULL && HAS("softmax"), "%s", gf_errmsg());
}

static void test_bad(void)
{
    static const struct {
        const char *spec;
        const char *want[3]; /* substrings of the message */
    } bad[] = {
        {"", {"architecture \"\"", "is empty", "512:relu,10:softmax"}},
        {"  \t ", {"is empty", NULL}},
        {",10:softmax", {"layer 1 (column 1)", "empty"}},
        {"512:relu,,10:softmax", {"\"512:relu,,10:softmax\"", "layer 2 (column 10)", "empty"}},
        {"512:relu, ,10:softmax", {"layer 2 (column 11)", "empty"}},
        {"512:relu,10:softmax,", {"layer 3", "ends with a comma"}},
        {"512:relu,10:softmax , ", {"layer 3", "ends with a comma"}},
        {"512relu,10:softmax", {"layer 1 (column 4)", "expected ':'", "found 'r'"}},
        {"512,10:softmax", {"layer 1 (column 4)", "expected ':'", "found ','"}},
        {"512", {"layer 1 (column 4)", "expected ':'", "found the end"}},
        {"512:,10:softmax", {"layer 1 (column 5)", "expected an activation", "found ','"}},
        {"512:relu,10:", {"layer 2", "expected an activation", "found the end"}},
        {"relu:512,10:softmax", {"layer 1 (column 1)", "expected the number of units", "'r'"}},
        {"512:relu,10:sofmax", {"layer 2 (column 13)", "unknown activation 'sofmax'", "softmax"}},
        {"512:swish,10:softmax", {"layer 1 (column 5)", "unknown activation 'swish'", "leaky_relu"}},
        {"512:ReLU,10:softmax", {"layer 1", "unknown activation 'ReLU'"}},
        {"10:softmax,512:relu,3:softmax", {"layer 1 (column 4)", "softmax can only be the output"}},
        {"0:relu,2:softmax", {"layer 1 (column 1)", "0 units"}},
        {"4:relu,00:softmax", {"layer 2", "0 units"}},
        {"-5:relu,2:softmax", {"layer 1", "expected the number of units", "found '-'"}},
        {"+5:relu,2:softmax", {"layer 1", "found '+'"}},
        {"5.5:relu,2:softmax", {"layer 1 (column 2)", "expected ':'", "found '.'"}},
        {"0x10:relu,2:softmax", {"layer 1", "expected ':'", "found 'x'"}},
        {"4:relu,1048577:softmax", {"layer 2 (column 8)", "1048577 units", "limit of 1048576"}},
        {"99999999999999999999999999:relu,2:softmax", {"layer 1", "more than the limit"}},
        {"18446744073709551617:relu,2:softmax", {"layer 1", "more than the limit"}},
        {"4:relu,1:softmax", {"layer 2", "softmax needs at least 2 units", "use sigmoid"}},
        {"4:relu,3:sigmoid", {"layer 2", "exactly 1 unit", "not 3"}},
        {"4:relu,3:relu", {"layer 2", "'relu' cannot be the output", "softmax, sigmoid, identity"}},
        {"4:relu,3:gelu", {"layer 2", "unknown activation 'gelu' for the output"}},
        {"4:relu 3:softmax", {"layer 1 (column 8)", "expected ',' or the end", "found '3'"}},
        {"4:relu:3,2:softmax", {"layer 1 (column 8)", "expected an option", "found '3'"}},
        {"4:re\001lu,2:softmax", {"\"4:re?lu,2:softmax\"", "unknown activation 're?lu'", "layer 1"}},
        {"4:relu,\0012:softmax", {"layer 2 (column 8)", "found an unprintable character"}},
        {"4:relu;2:softmax", {"layer 1 (column 10)", "unknown option 'softmax'"}},
        /* Options. */
        {"4:relu:bn:bn,2:softmax", {"layer 1 (column 11)", "bn is given twice"}},
        {"4:relu:dropout=0.1:dropout=0.2,2:softmax", {"layer 1", "dropout is given twice"}},
        {"4:relu:dropout=1,2:softmax", {"layer 1 (column 16)", "dropout=1 is outside [0, 1)"}},
        {"4:relu:dropout=-0.5,2:softmax", {"layer 1", "outside [0, 1)"}},
        /* below 1 as written, 1.0f as kept (found by fuzzing) */
        {"4:relu:dropout=0.99999999999940,2:softmax", {"layer 1 (column 16)",
                                                      "outside [0, 1) as a float (1)"}},
        {"input:dropout=0.99999998,2:softmax", {"as a float (1)"}},
        {"4:relu:dropout,2:softmax", {"layer 1", "dropout needs '=' and a value"}},
        {"4:relu:dropout=abc,2:softmax", {"layer 1", "needs a number, not 'abc'"}},
        {"4:relu:dropout=nan,2:softmax", {"layer 1", "needs a number, not 'nan'"}},
        {"4:relu:dropout=,2:softmax", {"layer 1", "dropout= needs a number"}},
        {"4:relu:bn=1,2:softmax", {"layer 1", "bn takes no value"}},
        {"4:relu:drop=0.5,2:softmax", {"layer 1", "unknown option 'drop'", "dropout=P"}},
        {"4:relu=3,2:softmax", {"layer 1 (column 7)", "only maxout takes a number of pieces"}},
        {"4:maxout=1,2:softmax", {"layer 1", "2 to 64 pieces"}},
        {"4:maxout=,2:softmax", {"layer 1", "expected the number of pieces"}},
        {"4:relu,2:softmax:bn", {"layer 2", "output layer takes no bn"}},
        {"4:relu,2:softmax:dropout=0.1", {"layer 2", "output layer takes no dropout"}},
        {"4:relu:smooth=0.1,2:softmax", {"layer 1", "smooth= belongs on a softmax output"}},
        {"4:relu,1:sigmoid:smooth=0.1", {"layer 2", "label smoothing needs a softmax output"}},
        {"4:rbf:bn,2:softmax", {"layer 1", "radial-basis units take no bn"}},
        {"input:bn,4:relu,2:softmax", {"layer 1 (column 7)", "unknown option 'bn'", "noise=SD"}},
        {"input:noise=-1,4:relu,2:softmax", {"layer 1", "noise=-1 is outside [0, 1000]"}},
        {"input:dropout=0.1", {"the input needs layers after it"}},
        {"input:,4:relu,2:softmax", {"layer 1 (column 7)", "expected an option"}},
        {"4:relu,input:dropout=0.1,2:softmax", {"layer 2", "expected the number of units"}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gf_arch a = {.n = 99};
        gf_status st = gf_arch_parse(bad[i].spec, &a);
        CHECK(st == GF_ERR_ARG, "'%s' parsed (status %d)", bad[i].spec, st);
        CHECK(a.n == 0 && a.layers == NULL, "'%s': *out not left empty", bad[i].spec);
        for (int k = 0; k < 3 && bad[i].want[k]; k++)
            CHECK(HAS(bad[i].want[k]), "'%s': message lacks \"%s\": %s", bad[i].spec,
                  bad[i].want[k], gf_errmsg());
        gf_arch_free(&a);
    }

    /* 65 layers. */
    char spec[66 * 8] = "";
    for (int i = 0; i < GF_ARCH_MAX_LAYERS; i++) strcat(spec, "3:relu,");
    strcat(spec, "2:softmax");
    gf_arch a = {0};
    CHECK(gf_arch_parse(spec, &a) == GF_ERR_ARG && HAS("layer 65") && HAS("more than 64 layers"),
          "%s", gf_errmsg());
    /* A long spec is quoted cut short, and the message still says where. */
    CHECK(HAS(",3:re...\": layer 65") && strlen(gf_errmsg()) < 300, "%s", gf_errmsg());

    char huge[5000];
    memset(huge, '9', sizeof huge - 1);
    strcpy(huge + sizeof huge - 8, ":relu");
    CHECK(gf_arch_parse(huge, &a) == GF_ERR_ARG && HAS("layer 1") && HAS("more than the limit"),
          "%s", gf_errmsg());
    CHECK(strlen(gf_errmsg()) < 400, "a 5000-digit number made a %zu-byte message",
          strlen(gf_errmsg()));

    CHECK(gf_arch_parse(NULL, &a) == GF_ERR_ARG && HAS("NULL"), "%s", gf_errmsg());
    CHECK(gf_arch_parse("2:softmax", NULL) == GF_ERR_ARG, "NULL out");
}

/* ---- canonical form ------------------------------------------------------ */

static void test_format(void)
{
    static const struct {
        const char *spec, *canonical;
    } cases[] = {
        {"512:relu,10:softmax", "512:relu,10:softmax"},
        {"  64 : tanh ,32:leaky_relu , 1: sigmoid ", "64:tanh,32:leaky_relu,1:sigmoid"},
        {"8:linear,0005:linear", "8:identity,5:identity"},
        {"3:elu,4:softplus,5:hardtanh,6:sigmoid,2:softmax",
         "3:elu,4:softplus,5:hardtanh,6:sigmoid,2:softmax"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gf_arch a = {0}, b = {0};
        char buf[128], again[128];
        CHECK(gf_arch_parse(cases[i].spec, &a) == GF_OK, "%s", gf_errmsg());
        CHECK(gf_arch_format(&a, buf, sizeof buf) == GF_OK, "%s", gf_errmsg());
        CHECK(strcmp(buf, cases[i].canonical) == 0, "'%s' formats as '%s'", cases[i].spec, buf);
        /* Round trip: the canonical form parses to the same architecture. */
        CHECK(gf_arch_parse(buf, &b) == GF_OK && b.n == a.n && b.loss == a.loss &&
                  memcmp(b.layers, a.layers, a.n * sizeof *a.layers) == 0,
              "'%s' does not parse back to the same", buf);
        CHECK(gf_arch_format(&b, again, sizeof again) == GF_OK && strcmp(again, buf) == 0,
              "'%s' then '%s'", buf, again);
        /* The buffer: exactly strlen + 1 fits, one byte less does not. */
        size_t len = strlen(buf);
        char *tight = malloc(len + 1);
        CHECK(gf_arch_format(&a, tight, len + 1) == GF_OK && strcmp(tight, buf) == 0, "tight");
        tight[0] = 'x';
        CHECK(gf_arch_format(&a, tight, len) == GF_ERR_ARG && tight[0] == '\0', "one byte short");
        char needs[32];
        snprintf(needs, sizeof needs, "needs %zu bytes", len + 1);
        CHECK(HAS(needs), "%s", gf_errmsg());
        free(tight);
        gf_arch_free(&a);
        gf_arch_free(&b);
    }

    /* Hand-made architectures obey the parser's rules. */
    gf_layer_spec l[2] = {{.units = 4, .act = GF_ACT_RELU}, {.units = 3, .act = GF_ACT_IDENTITY}};
    gf_arch a = {.n = 2, .layers = l, .loss = GF_LOSS_SOFTMAX_XENT};
    char buf[64];
    CHECK(gf_arch_format(&a, buf, sizeof buf) == GF_OK && strcmp(buf, "4:relu,3:softmax") == 0,
          "%s", buf);
    a.loss = GF_LOSS_HINGE;
    CHECK(gf_arch_format(&a, buf, sizeof buf) == GF_ERR_ARG && HAS("loss 3"), "%s", gf_errmsg());
    a.loss = GF_LOSS_BCE_LOGITS;
    CHECK(gf_arch_format(&a, buf, sizeof buf) == GF_ERR_ARG && HAS("exactly 1 unit"), "%s",
          gf_errmsg());
    a.loss = GF_LOSS_SOFTMAX_XENT;
    l[1].act = GF_ACT_TANH;
    CHECK(gf_arch_format(&a, buf, sizeof buf) == GF_ERR_ARG && HAS("activation tanh"), "%s",
          gf_errmsg());
    l[1].act = GF_ACT_IDENTITY;
    l[0].units = 0;
    CHECK(gf_arch_format(&a, buf, sizeof buf) == GF_ERR_ARG && HAS("layer 1 has 0 units"), "%s",
          gf_errmsg());
    l[0].units = 4;
    l[0].act = GF_ACT_COUNT;
    CHECK(gf_arch_format(&a, buf, sizeof buf) == GF_ERR_ARG && HAS("unknown activation"), "%s",
          gf_errmsg());
    l[0].act = GF_ACT_RELU;
    a.n = 0;
    CHECK(gf_arch_format(&a, buf, sizeof buf) == GF_ERR_ARG && HAS("0 layers"), "%s",
          gf_errmsg());
    a.n = 2;
    CHECK(gf_arch_format(NULL, buf, sizeof buf) == GF_ERR_ARG, "NULL arch");
    CHECK(gf_arch_format(&a, NULL, 10) == GF_ERR_ARG, "NULL buffer");
    CHECK(gf_arch_format(&a, buf, 0) == GF_ERR_ARG, "empty buffer");
    CHECK(gf_model_from_arch(4, NULL) == NULL, "NULL arch built a model");
    a.loss = GF_LOSS_HINGE;
    CHECK(gf_model_from_arch(4, &a) == NULL && HAS("loss 3"), "%s", gf_errmsg());
    a.loss = GF_LOSS_SOFTMAX_XENT;
    CHECK(gf_model_from_arch(0, &a) == NULL && HAS("0 inputs"), "%s", gf_errmsg());
}

/* ---- a model from text --------------------------------------------------- */

static void check_param(gf_graph *g, const char *name, int nd, int64_t d0, int64_t d1)
{
    gf_node p = gf_graph_find(g, name);
    CHECK(p != GF_NONE && gf_node_op(g, p) == GF_OP_PARAM, "no parameter %s", name);
    if (p == GF_NONE) return;
    int64_t dims[GF_MAX_DIMS + 1];
    int got = gf_node_shape(g, p, dims);
    CHECK(got == nd && dims[0] == d0 && (nd < 2 || dims[1] == d1),
          "%s: %d dims (%lld, %lld), want %d (%lld, %lld)", name, got, (long long)dims[0],
          got > 1 ? (long long)dims[1] : 0LL, nd, (long long)d0, (long long)d1);
}

/* Three well-separated clusters in 4-D, 20 rows each. */
static gf_dataset *clusters(void)
{
    enum { ROWS = 60, COLS = 4 };
    static const float centre[3][COLS] = {{3, 0, 0, 1}, {-3, 2, 0, -1}, {0, -3, 3, 0}};
    float x[ROWS * COLS], y[ROWS];
    gf_rng r;
    gf_rng_seed(&r, 17);
    for (int i = 0; i < ROWS; i++) {
        int c = i % 3;
        y[i] = (float)c;
        for (int j = 0; j < COLS; j++)
            x[i * COLS + j] = centre[c][j] + (float)(0.5 * gf_rng_normal(&r));
    }
    return gf_dataset_new(ROWS, COLS, x, 1, y, 3);
}

static void test_model(void)
{
    gf_arch a = {0};
    CHECK(gf_arch_parse("8:tanh,3:softmax", &a) == GF_OK, "%s", gf_errmsg());
    gf_model *m = gf_model_from_arch(4, &a);
    CHECK(m != NULL, "%s", gf_errmsg());
    if (!m) {
        gf_arch_free(&a);
        return;
    }
    gf_graph *g = gf_model_graph(m);
    check_param(g, "W1", 2, 4, 8);
    check_param(g, "b1", 1, 8, 0);
    check_param(g, "W2", 2, 8, 3);
    check_param(g, "b2", 1, 3, 0);
    CHECK(gf_graph_find(g, "W3") == GF_NONE, "a third layer");
    /* The output is the logits (x W2 + b2), not a softmax. */
    CHECK(gf_node_op(g, gf_model_output(m)) == GF_OP_ADD, "output op %s",
          gf_op_name(gf_node_op(g, gf_model_output(m))));
    CHECK(gf_node_op(g, gf_model_loss(m)) == GF_OP_SOFTMAX_XENT, "loss op %s",
          gf_op_name(gf_node_op(g, gf_model_loss(m))));
    CHECK(gf_model_compile(m, 16, 5) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_param_count(g) == 4 * 8 + 8 + 8 * 3 + 3, "%zu parameters", gf_param_count(g));

    gf_dataset *ds = clusters();
    double loss0 = NAN, acc = NAN, loss = NAN;
    gf_model_evaluate(m, ds, &loss0, NULL);
    gf_fit_opts o = GF_FIT_OPTS_DEFAULT;
    o.epochs = 60;
    o.batch_size = 16;
    o.optim.lr = 0.1f;
    CHECK(gf_model_fit(m, ds, NULL, &o) == GF_OK, "%s", gf_errmsg());
    CHECK(gf_model_evaluate(m, ds, &loss, &acc) == GF_OK, "%s", gf_errmsg());
    CHECK(acc == 1.0, "accuracy %.3f on separable clusters", acc);
    CHECK(loss < 0.1 && loss < loss0 / 5, "loss %g (from %g)", loss, loss0);
    /* Predictions are logits: some negative, rows not summing to 1. */
    float z[3];
    CHECK(gf_model_predict(m, gf_dataset_x(ds), 1, z) == GF_OK, "%s", gf_errmsg());
    CHECK(fminf(z[0], fminf(z[1], z[2])) < 0 && fabsf(z[0] + z[1] + z[2] - 1) > 1e-3,
          "logits %g %g %g", z[0], z[1], z[2]);
    gf_dataset_free(ds);
    gf_model_free(m);
    gf_arch_free(&a);

    /* A sigmoid output: one unit and binary cross-entropy; identity: MSE. */
    const struct {
        const char *spec;
        gf_op loss;
    } heads[] = {{"5:relu,4:elu,1:sigmoid", GF_OP_BCE_LOGITS}, {"2:identity", GF_OP_MSE}};
    for (int i = 0; i < 2; i++) {
        CHECK(gf_arch_parse(heads[i].spec, &a) == GF_OK, "%s", gf_errmsg());
        m = gf_model_from_arch(6, &a);
        CHECK(m != NULL, "%s: %s", heads[i].spec, gf_errmsg());
        if (m) {
            g = gf_model_graph(m);
            CHECK(gf_node_op(g, gf_model_loss(m)) == heads[i].loss, "%s: loss %s", heads[i].spec,
                  gf_op_name(gf_node_op(g, gf_model_loss(m))));
            CHECK(gf_model_compile(m, 8, 1) == GF_OK, "%s", gf_errmsg());
            size_t want = i == 0 ? 6 * 5 + 5 + 5 * 4 + 4 + 4 * 1 + 1 : 6 * 2 + 2;
            CHECK(gf_param_count(g) == want, "%s: %zu parameters", heads[i].spec,
                  gf_param_count(g));
        }
        gf_model_free(m);
        gf_arch_free(&a);
    }
}

/* The parameter cap: counted before anything is built, exactly at the
 * cap allowed, one input more refused, maxout's pieces counted. */
static void test_param_cap(void)
{
    gf_arch a;
    CHECK(gf_arch_parse("1048576:relu,2:softmax", &a) == GF_OK, "%s", gf_errmsg());
    gf_model *m = gf_model_from_arch(2048, &a);
    CHECK(m == NULL, "2^31 weights from a 22-byte spec were built");
    CHECK(HAS("268435456") && HAS("layer 1 alone: 2048 inputs x 1048576 outputs makes 2148532224"),
          "%s", gf_errmsg());
    gf_model_free(m);
    gf_arch_free(&a);
    /* one linear layer of 2^20 units: (255 + 1) x 2^20 = 2^28 exactly */
    CHECK(gf_arch_parse("1048576:linear", &a) == GF_OK, "%s", gf_errmsg());
    m = gf_model_from_arch(255, &a);
    CHECK(m != NULL, "a network of exactly 2^28 parameters refused: %s", gf_errmsg());
    size_t held = 0;
    for (gf_node i = 0; m && i < gf_graph_nodes(gf_model_graph(m)); i++)
        if (gf_node_op(gf_model_graph(m), i) == GF_OP_PARAM)
            held += gf_node_size(gf_model_graph(m), i);
    CHECK(held == GF_ARCH_MAX_PARAMS, "%zu parameters", held);
    gf_model_free(m);
    m = gf_model_from_arch(256, &a);
    CHECK(m == NULL && HAS("on 256 inputs") && HAS("makes 269484032"), "%s", gf_errmsg());
    gf_model_free(m);
    gf_arch_free(&a);
    /* maxout: 1024 units of 64 pieces are 65536 outputs of 4096 inputs each */
    CHECK(gf_arch_parse("1024:maxout=64,2:softmax", &a) == GF_OK, "%s", gf_errmsg());
    m = gf_model_from_arch(4096, &a);
    CHECK(m == NULL && HAS("4096 inputs x 65536 outputs"), "%s", gf_errmsg());
    gf_model_free(m);
    m = gf_model_from_arch(64, &a);
    CHECK(m != NULL, "a maxout network of 4 million parameters refused: %s", gf_errmsg());
    gf_model_free(m);
    gf_arch_free(&a);
}

/* A batch size is typed by users: times a network's widths it is refused
 * past the workspace cap, before anything is allocated or zeroed.  784
 * inputs and 1024 units in batches of 2^20 would want about 30 billion
 * floats; 1000 rows take 21 million. */
static void test_batch_cap(void)
{
    gf_arch a;
    CHECK(gf_arch_parse("1024:relu,10:softmax", &a) == GF_OK, "%s", gf_errmsg());
    gf_model *m = gf_model_from_arch(784, &a);
    gf_status s = m ? gf_model_compile(m, 1 << 20, 1) : GF_ERR_STATE;
    CHECK(s == GF_ERR_ARG, "status %d: %s", (int)s, gf_errmsg());
    CHECK(HAS("batches of 1048576 rows need more than the 1073741824 floats (4096 MiB)"), "%s",
          gf_errmsg());
    s = m ? gf_model_compile(m, 1000, 1) : GF_ERR_STATE;
    CHECK(s == GF_OK, "batches of 1000: %s", gf_errmsg());
    s = m ? gf_model_set_max_batch(m, 1 << 20) : GF_ERR_STATE;
    CHECK(s == GF_ERR_ARG && HAS("use smaller batches"), "set_max_batch: %s", gf_errmsg());
    gf_model_free(m);
    gf_arch_free(&a);
}

int main(void)
{
    test_good();
    test_bad();
    test_options();
    test_format();
    test_model();
    test_param_cap();
    test_batch_cap();
    return check_report("test_arch");
}
