/* grafo/graph.h — the static computation graph and its engine.
 *
 * A graph is built node by node through the functions below.  A node may
 * only refer to nodes that already exist, so creation order is a
 * topological order: forward runs the nodes front to back and backward back
 * to front (seed 000, Algorithms 5.3 and 5.4; seed 004, Algorithms 6.1-6.4).
 * A node used by several others is computed once and its gradient is the sum
 * of what each consumer sends back.
 *
 *     gf_graph *g = gf_graph_new();
 *     gf_node x = gf_input(g, "x", 1, (int64_t[]){784});       // (B, 784)
 *     gf_node y = gf_input(g, "y", 1, (int64_t[]){1});         // (B, 1) labels
 *     gf_node w = gf_param(g, "w", 2, (int64_t[]){784, 10});
 *     gf_node b = gf_param(g, "b", 1, (int64_t[]){10});
 *     gf_node loss = gf_softmax_xent(g, gf_add(g, gf_matmul(g, x, w), b), y);
 *     if (gf_graph_compile(g) != GF_OK) puts(gf_errmsg());
 *     gf_workspace *ws = gf_workspace_new(g, 64);
 *     ... fill gf_value(ws, x) and gf_value(ws, y), then
 *     gf_forward(ws, loss); gf_backward(ws, loss);
 *
 * Shapes.  Inputs have a batch dimension whose size is chosen at run time
 * (gf_set_batch); every other size is fixed when the node is built, and a
 * mismatch is reported then, naming the op and both shapes.  Nodes computed
 * from batched nodes are batched; parameters and constants are not.
 *
 * Errors while building are sticky: a failing builder returns GF_NONE and
 * records the message, later builders given GF_NONE return GF_NONE, and
 * gf_graph_compile() reports the first failure.  So a network can be written
 * straight through and checked once.
 *
 * Memory.  gf_graph_compile() allocates the parameters in one contiguous
 * block; a workspace allocates every activation and gradient buffer once,
 * sized for its largest batch, and reuses them: forward and backward
 * allocate nothing.  The graph holds the trained parameters; activations and
 * gradients live in workspaces, so several threads may run forward on one
 * graph at once, each with its own workspace, in evaluation mode (training
 * mode updates batch norm's running statistics in the graph). */
#ifndef GRAFO_GRAPH_H
#define GRAFO_GRAPH_H

#include "grafo/base.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GF_MAX_DIMS 4 /* dimensions per example, not counting the batch */
#define GF_NONE (-1)  /* the node a failed builder returns */

typedef struct gf_graph gf_graph;
typedef struct gf_workspace gf_workspace;
typedef int32_t gf_node; /* a node's index in its graph */

/* Every operation.  Each has a shape rule, a forward, a backward and a naive
 * double-precision reference forward (used by gf_check_grad). */
typedef enum gf_op {
    GF_OP_INPUT,        /* data fed by the caller, batched */
    GF_OP_CONST,        /* data fed by the caller, no batch dimension */
    GF_OP_PARAM,        /* trainable, no batch dimension */
    GF_OP_MATMUL,       /* (m,k) x (k,n) -> (m,n); m may be the batch, the
                           right operand may not be batched */
    GF_OP_ADD,          /* a + b; only b broadcasts: unbatched and equal to
                           a's trailing dims (a bias row, a scalar) */
    GF_OP_SUB,          /* a - b; same broadcasting */
    GF_OP_MUL,          /* a * b element-wise; same broadcasting */
    GF_OP_SCALE,        /* s * a for a constant s */
    GF_OP_SUM,          /* sum of all elements -> scalar */
    GF_OP_MEAN,         /* mean of all elements -> scalar */
    GF_OP_SIGMOID,      /* 1 / (1 + e^-x) */
    GF_OP_TANH,         /* tanh x */
    GF_OP_RELU,         /* max(0, x) */
    GF_OP_LEAKY_RELU,   /* x if x > 0 else alpha x */
    GF_OP_ELU,          /* x if x > 0 else alpha (e^x - 1) */
    GF_OP_SOFTPLUS,     /* log(1 + e^x) */
    GF_OP_HARDTANH,     /* clamp(x, -1, 1) */
    GF_OP_IDENTITY,     /* x */
    GF_OP_SOFTMAX,      /* e^x_i / sum_j e^x_j along the last dimension */
    GF_OP_LOG_SOFTMAX,  /* x_i - log sum_j e^x_j along the last dimension */
    GF_OP_MSE,          /* mean over all elements of (p - t)^2 */
    GF_OP_BCE_LOGITS,   /* mean of -t log s(z) - (1-t) log(1 - s(z)), t in [0,1] */
    GF_OP_SOFTMAX_XENT, /* mean over rows of -log softmax(z)[label] */
    GF_OP_HINGE,        /* mean of max(0, 1 - t z), t in {-1, +1} */
    GF_OP_BUFFER,       /* state kept with the parameters but not trained
                           (batch norm's running statistics), no batch dim */
    GF_OP_ABS,          /* |x|, absolute-value rectification (seed 004) */
    GF_OP_EXP,          /* e^x */
    GF_OP_PRELU,        /* max(0, x) + alpha min(0, x), alpha a parameter that
                           broadcasts as add's b (one per feature, or scalar) */
    GF_OP_MAXOUT,       /* (.., n k) -> (.., n): max over groups of k
                           consecutive features (seed 004) */
    GF_OP_SQDIST,       /* x (m, d), c (d, n) -> (m, n): ||x_i - c_{:,j}||^2,
                           the radial-basis unit's distance */
    GF_OP_STEP,         /* 1 if x > 0, 0 if x < 0, 1/2 at 0 (the notes'
                           Heaviside step); forward only */
    GF_OP_SIGN,         /* +1 if x > 0, -1 if x < 0, 0 at 0 (the notes'
                           signum); forward only */
    GF_OP_DROPOUT,      /* training: x m / (1 - p), m ~ Bernoulli(1 - p);
                           evaluation: x */
    GF_OP_NOISE,        /* training: x + N(0, sigma^2); evaluation: x */
    GF_OP_BATCHNORM,    /* (x - mean) / sqrt(var + eps) per feature: the
                           batch's statistics in training, the running ones
                           at evaluation */
    GF_OP_COUNT
} gf_op;

/* Building.  An empty graph, NULL on out of memory; gf_graph_free() frees
 * it with its parameters. */
gf_graph *gf_graph_new(void);
void gf_graph_free(gf_graph *g); /* NULL is fine */

/* Leaves.  Names are copied; they label parameters and error messages, and
 * a name must not be used twice in a graph (GF_ERR_ARG); NULL leaves the
 * node unnamed.  dims lists the sizes of one example (inputs) or of the
 * whole tensor (constants, parameters): ndim in 0..GF_MAX_DIMS (0 is a
 * scalar, and dims may then be NULL), every size positive and the tensor
 * under 2^31 elements, so sizes fit BLAS's int (else GF_ERR_SHAPE).
 *
 * Every builder returns the new node's index, or GF_NONE with the error
 * recorded (sticky, as above): GF_ERR_SHAPE for shapes that do not fit (naming the
 * op and both shapes), GF_ERR_ARG for an input node that does not exist or
 * a non-finite constant (s, alpha), GF_ERR_STATE once the graph is
 * compiled, GF_ERR_NOMEM.  g NULL gives GF_NONE and GF_ERR_ARG. */
gf_node gf_input(gf_graph *g, const char *name, int ndim, const int64_t *dims);
gf_node gf_const(gf_graph *g, const char *name, int ndim, const int64_t *dims);
gf_node gf_param(gf_graph *g, const char *name, int ndim, const int64_t *dims);

gf_node gf_matmul(gf_graph *g, gf_node a, gf_node b);
gf_node gf_add(gf_graph *g, gf_node a, gf_node b);
gf_node gf_sub(gf_graph *g, gf_node a, gf_node b);
gf_node gf_mul(gf_graph *g, gf_node a, gf_node b);
gf_node gf_scale(gf_graph *g, gf_node a, float s);
gf_node gf_sum(gf_graph *g, gf_node a);  /* an unbatched scalar */
gf_node gf_mean(gf_graph *g, gf_node a); /* an unbatched scalar */

gf_node gf_sigmoid(gf_graph *g, gf_node a);
gf_node gf_tanh(gf_graph *g, gf_node a);
gf_node gf_relu(gf_graph *g, gf_node a);
gf_node gf_leaky_relu(gf_graph *g, gf_node a, float alpha); /* the seeds use 0.01 */
gf_node gf_elu(gf_graph *g, gf_node a, float alpha);        /* usually 1 */
gf_node gf_softplus(gf_graph *g, gf_node a);
gf_node gf_hardtanh(gf_graph *g, gf_node a);
gf_node gf_identity(gf_graph *g, gf_node a);
/* Along the last dimension, which a scalar lacks (GF_ERR_SHAPE). */
gf_node gf_softmax(gf_graph *g, gf_node a);
gf_node gf_log_softmax(gf_graph *g, gf_node a);

/* Losses: unbatched scalars, the mean over every element (mse, bce_logits,
 * hinge) or over the rows (softmax_xent), as PyTorch's 'mean' reduction.
 * Targets have the prediction's shape, except softmax_xent's: logits are a
 * matrix (rows, classes >= 2) and labels hold one class index per row,
 * (B) or (B, 1) for batched logits, (rows) or (rows, 1) for unbatched
 * ones, and may not depend on a parameter.
 * Target values arrive with the data, so gf_forward checks them
 * (GF_ERR_ARG naming the element or row and the value): bce_logits's in
 * [0, 1], hinge's -1 or +1, softmax_xent's integers in [0, classes) stored
 * as floats.  mse's targets are not checked. */
gf_node gf_mse(gf_graph *g, gf_node pred, gf_node target);
gf_node gf_bce_logits(gf_graph *g, gf_node logits, gf_node target);
gf_node gf_softmax_xent(gf_graph *g, gf_node logits, gf_node labels);
gf_node gf_hinge(gf_graph *g, gf_node scores, gf_node target);
/* Softmax cross-entropy against smoothed targets q (seed 004): 1 - eps for
 * the label and eps / (k - 1) for each of the k - 1 other classes, eps in
 * [0, 1) (else GF_ERR_ARG).  The loss is the mean over rows of
 * -sum_j q_j log softmax(z)_j, its gradient (softmax(z) - q) / rows; eps = 0
 * gives gf_softmax_xent's numbers bit for bit.  This is not PyTorch's
 * label_smoothing e, which gives every class e / k on top of (1 - e) at the
 * label: PyTorch's e equals eps = e (k - 1) / k here. */
gf_node gf_softmax_xent_smooth(gf_graph *g, gf_node logits, gf_node labels, float eps);

/* ---- Units of seed 004 ----
 * abs, exp, prelu, maxout and sqdist are differentiable (checked against
 * finite differences); at kinks they follow PyTorch: abs'(0) = 0, prelu's
 * x gradient is alpha dy for x <= 0 and alpha's gradient sums min(0, x) dy,
 * and maxout's gradient goes to the largest element of each group, the
 * first one on ties.
 * prelu's alpha broadcasts as add's right operand: one per feature (a
 * parameter shaped like x's trailing dimensions) or a scalar, usually a
 * parameter, so it is learned (seed 004's parametric ReLU; alpha = -1 is
 * |x| and alpha = 0.01 leaky ReLU).
 * maxout(a, k) takes the maximum over groups of k consecutive features of
 * the last dimension, (.., n k) -> (.., n): k < 2 gives GF_ERR_ARG, a last
 * dimension not divisible by k (or a scalar) GF_ERR_SHAPE.
 * sqdist(x, c) takes x (m, d), batched or not, and centres c (d, n) without
 * a batch dimension (GF_ERR_SHAPE otherwise, and if the d's differ) and
 * gives (m, n) squared Euclidean distances between the rows of x and the
 * columns of c: exp of a negative multiple of it is the radial-basis unit.
 * It is computed as ||x||^2 + ||c||^2 - 2 x c, clamped at 0, so values near
 * 0 carry float cancellation error (about 1e-7 of the norms).
 * step and sign are the perceptron's, with the values at 0 of the notes'
 * table of activations (seed 001): step(0) = 1/2, sign(0) = 0; NaN stays
 * NaN.  They have no gradient and are for prediction: gf_backward (and so
 * gf_check_grad) fails with GF_ERR_STATE, naming the node, its op and the
 * loss, when a gradient from the loss would have to cross one to reach a
 * parameter; it fails before writing any gradient, so every gradient keeps
 * its previous value.  step or sign applied to nodes that need no gradient
 * (the data) is fine. */
gf_node gf_abs(gf_graph *g, gf_node a);
gf_node gf_exp(gf_graph *g, gf_node a);
gf_node gf_prelu(gf_graph *g, gf_node a, gf_node alpha);
gf_node gf_maxout(gf_graph *g, gf_node a, int k);
gf_node gf_sqdist(gf_graph *g, gf_node x, gf_node centres);
gf_node gf_step(gf_graph *g, gf_node a);
gf_node gf_sign(gf_graph *g, gf_node a);

/* ---- Regularisers (seed 004) ----
 * They act only in training mode (gf_set_training); at evaluation dropout
 * and noise pass their input through and batch norm uses running
 * statistics.  Each training forward draws anew, in element order on one
 * thread, from the workspace's generator: the same seed gives the same
 * bits whatever the thread count.  Backward differentiates what the last
 * forward computed (the same mask, the same noise).
 *
 * Dropout is inverted: kept values are scaled by 1 / (1 - p) in training,
 * so evaluation needs no rescaling; p in [0, 1).  Each element is dropped
 * when a 32-bit draw (two per 64-bit number) falls below round(p 2^32), so
 * the drop probability is p to within 2^-33.
 *
 * Noise adds N(0, sigma^2) to every element, sigma >= 0 and finite; on a
 * parameter (an unbatched node) it perturbs the weights at each forward
 * (seed 004's noise on the weights).  The normals come from the polar
 * method, both of each pair used.
 *
 * Batch norm normalises only: (x - mean) / sqrt(var + eps) per feature, no
 * scale or shift (apply those with gf_mul and gf_add).  x must be batched
 * with one dimension per example, (B, F) (else GF_ERR_SHAPE), and running a
 * gf_buffer (GF_ERR_ARG for any other node) of shape (2, F) (else
 * GF_ERR_SHAPE) holding the running mean (row 0) and variance (row 1).
 * Compile zero-fills it: set the variance row to 1, as PyTorch starts.  In
 * training it normalises by the batch's mean and biased variance, with the
 * gradient through those statistics, and updates the running ones as
 * PyTorch's BatchNorm1d does (r = (1 - momentum) r + momentum batch, the
 * variance unbiased: times B / (B - 1)), writing into the graph's block;
 * momentum in (0, 1], eps > 0 and finite (PyTorch's defaults are 0.1 and
 * 1e-5).  A training batch of one row normalises to zero, with zero
 * gradient, and leaves the running statistics unchanged.  At evaluation
 * it is the fixed map (x - running mean) / sqrt(running var + eps).
 *
 * Bad constants (NaN included) give GF_ERR_ARG naming the op and the
 * value.  A buffer (gf_buffer) is a leaf like a parameter, with the same
 * rules for names and dims: state kept with the parameters (see
 * gf_param_value) but never trained: it gets no gradient, and nodes that
 * depend on buffers alone get none either. */
gf_node gf_buffer(gf_graph *g, const char *name, int ndim, const int64_t *dims);
gf_node gf_dropout(gf_graph *g, gf_node a, float p);
gf_node gf_noise(gf_graph *g, gf_node a, float sigma);
gf_node gf_batchnorm(gf_graph *g, gf_node x, gf_node running, float momentum, float eps);

/* Freeze the graph and allocate its parameters and buffers (zero-filled,
 * contiguous, in creation order; set them through gf_param_value, as
 * gf_model_compile does).  Returns the first building error, if any, with its message;
 * else GF_ERR_ARG for g NULL, GF_ERR_STATE for a graph without nodes,
 * GF_ERR_NOMEM.  Compiling again does nothing and returns GF_OK; building
 * after it fails, and that failure then sticks to the graph too. */
gf_status gf_graph_compile(gf_graph *g);

/* Inspecting a graph.  Borrowed pointers live as long as the graph.  A
 * NULL graph or a node that does not exist gives 0, "", GF_OP_COUNT,
 * GF_NONE or -1 as each says; nothing here records an error. */
int gf_graph_nodes(const gf_graph *g);
gf_op gf_node_op(const gf_graph *g, gf_node n);        /* GF_OP_COUNT if none */
const char *gf_node_name(const gf_graph *g, gf_node n); /* "" if unnamed */
const char *gf_op_name(gf_op op); /* static; "unknown op" out of range */
/* The node's dimensions into dims; for a batched node dims[0] is the batch,
 * reported as -1.  Returns the number of dimensions (batch included), or
 * -1 (dims untouched) for a node that does not exist. */
int gf_node_shape(const gf_graph *g, gf_node n, int64_t dims[GF_MAX_DIMS + 1]);
int gf_node_batched(const gf_graph *g, gf_node n); /* 1 or 0 */
gf_node gf_graph_find(const gf_graph *g, const char *name); /* GF_NONE if absent */

/* Parameters, after compile: one block of gf_param_count() floats; each
 * parameter node's values are a slice of it (gf_param_value), writable, to
 * initialise or restore trained values.  Buffers (gf_buffer) live in the
 * same block, in creation order with the parameters, so saving the block
 * saves the whole trained state; an optimiser must leave the buffers'
 * slices alone (their gradient is always zero).  Before compile the count
 * is 0 and the pointers NULL; gf_param_value is NULL for a node that is
 * neither a parameter nor a buffer.  gf_param_offset gives where a
 * parameter's or buffer's slice starts in the block, (size_t)-1 for any
 * other node, a node that does not exist, or before compile. */
size_t gf_param_count(const gf_graph *g);
float *gf_params(gf_graph *g);
float *gf_param_value(gf_graph *g, gf_node param);
size_t gf_node_size(const gf_graph *g, gf_node n); /* elements, per example if batched */
size_t gf_param_offset(const gf_graph *g, gf_node n);

/* The most floats a workspace's values and gradients may take: 2^30, 4 GiB.
 * A batch size is typed by users (--batch 1048576), and times the widths
 * of a network it could otherwise ask for far more memory than any machine
 * has, all of it zeroed at once.  The seeds' 784-512-10 network in batches
 * of 1000 takes 13 million. */
#define GF_WORKSPACE_MAX_FLOATS ((size_t)1 << 30)

/* Workspaces: buffers for every node's value and gradient, for batches of up
 * to max_batch rows, all allocated and zeroed here; the batch starts at
 * max_batch.  The graph must be compiled and must outlive its workspaces.
 * NULL on failure: GF_ERR_STATE if g is NULL or not compiled, GF_ERR_ARG
 * for max_batch < 1 or buffers above GF_WORKSPACE_MAX_FLOATS (counted with
 * overflow checks before anything is allocated; the message gives the
 * batch, the floats needed and the cap), GF_ERR_NOMEM.  Caller frees with
 * gf_workspace_free(). */
gf_workspace *gf_workspace_new(const gf_graph *g, int max_batch);
void gf_workspace_free(gf_workspace *ws); /* NULL is fine */
const gf_graph *gf_workspace_graph(const gf_workspace *ws); /* borrowed */
/* The rows of the next forward and backward, 1..max_batch, else GF_ERR_ARG. */
gf_status gf_set_batch(gf_workspace *ws, int batch);
int gf_batch(const gf_workspace *ws);     /* 0 for NULL */
int gf_max_batch(const gf_workspace *ws); /* 0 for NULL */

/* A node's value buffer: batch x gf_node_size() floats, row-major, for a
 * batched node; gf_node_size() floats otherwise.  The caller writes the
 * inputs, and the constants too (each workspace holds its own copy),
 * before forward.  A parameter's or buffer's value is its slice of the
 * graph's block itself: writing it changes what every workspace sees.  NULL for a node
 * that does not exist.  Borrowed: lives as long as the workspace. */
float *gf_value(gf_workspace *ws, gf_node n);
/* A node's gradient buffer, shaped like its value, filled by gf_backward;
 * NULL for nodes no parameter flows into (inputs, constants, buffers). */
float *gf_grad(gf_workspace *ws, gf_node n);
/* All parameter gradients, gf_param_count() floats laid out like
 * gf_params(); the parameters' gf_grad buffers are slices of it, and the
 * buffers' slices are zero (allocated so, never written). */
float *gf_param_grads(gf_workspace *ws);

/* Training mode on (on nonzero) or off (0, the default: evaluation), for
 * the forwards that follow; each gf_backward differentiates the mode its
 * forward ran in.  In training, dropout and noise draw from rng, which the
 * caller owns and which must live while training is on (it is forgotten
 * when training is switched off; NULL is allowed only then), and batch norm
 * updates its running statistics.  GF_ERR_ARG, the mode unchanged, for ws
 * NULL or for on with rng NULL. */
gf_status gf_set_training(gf_workspace *ws, int on, gf_rng *rng);
int gf_training(const gf_workspace *ws); /* 0 for NULL */

/* The first node, in creation order up to upto, whose value holds a NaN
 * or an infinity at the current batch, or, if every value is finite and
 * grads is set, the first node in backward order (from upto down) whose
 * gradient, as the last gf_backward wrote it, does (gradients that
 * backward did not reach are not looked at); GF_NONE if none, and for ws
 * NULL or a node that does not exist.  *in_gradient (may be NULL) is set
 * to 1 for a gradient, else 0.  Records no error.  For reporting where
 * training diverged. */
gf_node gf_first_nonfinite(const gf_workspace *ws, gf_node upto, int grads, int *in_gradient);

/* Run every node from 0 to upto in creation order (also those upto does not
 * depend on), at the current batch, allocating nothing.  GF_ERR_ARG for ws
 * NULL or a node that does not exist, and for targets out of range (see
 * the losses), the message prefixed "forward, node N (op)".  Input values
 * are not checked: a non-finite input gives non-finite values.  In
 * training mode (gf_set_training) it draws from the workspace's generator
 * and updates batch norm's running statistics. */
gf_status gf_forward(gf_workspace *ws, gf_node upto);
/* Back-propagate from a scalar node, using the values of the last
 * gf_forward(ws, loss) at the same batch (not checked): fills the gradient
 * of every node between the parameters and the loss, and every parameter
 * gradient (zero for parameters the loss does not depend on).  Gradients
 * are overwritten, not accumulated, so no zeroing is needed between steps.
 * GF_ERR_ARG for ws NULL or a node that does not exist, GF_ERR_SHAPE if
 * loss is not an unbatched scalar, GF_ERR_STATE if no parameter flows into
 * it or if the gradient would have to cross a step or sign node (see the
 * units of seed 004), with no gradient written then. */
gf_status gf_backward(gf_workspace *ws, gf_node loss);

/* Compare the gradient of the scalar `loss` with respect to every parameter
 * created before it, computed by gf_backward in float, with central finite
 * differences of a double-precision reference forward, at the workspace's
 * current inputs and batch.  It runs gf_forward and gf_backward itself
 * (overwriting the workspace's values and gradients) and then two
 * reference forwards per parameter element: meant for small test graphs.
 * Buffers are not parameters and are not checked.  In training mode it
 * checks the function its own forward drew: the reference reuses that
 * forward's dropout masks and noise, and recomputes batch norm's batch
 * statistics without touching the running ones (which that one float
 * forward does update, as any training forward).
 * Relative error per element is |a - n| / max(|a|, |n|, floor) with
 * floor = 1e-3 * (largest |n| of that parameter) + 1e-6, so elements that are
 * tiny against the rest of their parameter are not judged on float noise.
 * *worst (not NULL) receives the largest error, infinity for a NaN;
 * where_node and where_index (each may be NULL) the node and element where
 * it occurred, left untouched if every error is 0.  Errors: GF_ERR_ARG for
 * ws or worst NULL, those of gf_forward and gf_backward, GF_ERR_NOMEM, and
 * GF_ERR_NUMERIC if the numerical gradient is zero everywhere, since such a
 * check proves nothing. */
gf_status gf_check_grad(gf_workspace *ws, gf_node loss, double *worst, gf_node *where_node,
                        size_t *where_index);

#ifdef __cplusplus
}
#endif
#endif
