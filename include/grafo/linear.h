/* grafo/linear.h — linear models in double precision: least squares with the
 * statistics of R's summary(lm), gradient descent, ridge, lasso and elastic
 * net with cross-validation, logistic and softmax regression, one-vs-rest,
 * the perceptron and a linear SVM.
 *
 * Conventions shared by every model here:
 * - Data come as a gf_xy: n rows of p features, row-major doubles, and either
 *   a response y (regression) or class labels 0..K-1 (classification).  The
 *   intercept is never a column of x; the options say whether to fit one.
 *   The gf_xy and its arrays are only read during the call; results copy
 *   what they keep (the names).
 * - Coefficient vectors have k = p + 1 entries: the intercept first (0 when
 *   no intercept is fitted), then one per column of x, in order.
 * - A fit returns a gf_status and hands its result through an out pointer
 *   that the caller frees with the matching _free (NULL is fine); on
 *   failure *out is NULL.  Options given as NULL mean the defaults.
 *   Results are plain structs: read their fields, do not change them.
 * - Bad input is refused with a message naming the row (from 1), column or
 *   option: GF_ERR_SHAPE for no columns or fewer rows than the model needs
 *   (each fit below says how many); GF_ERR_ARG for a NULL array, a
 *   non-finite value, a value beyond +-1e100 (whose square would
 *   overflow), a label out of range and an option out of range (a negative
 *   or NaN λ or learning rate).
 *   Data that do not determine the model (collinear or constant columns,
 *   perfectly separable classes, a Newton or L-BFGS iteration that does
 *   not converge) give GF_ERR_FIT; a diverging iteration gives
 *   GF_ERR_NUMERIC.  Gradient descent and the perceptron that run out of
 *   epochs keep their last iterate, and the linear SVM its average, with a
 *   `warning`; coordinate descent that runs out of passes ends the path at
 *   the last lambda it fitted, with a warning (GF_ERR_FIT at the first).
 *   Problems that do not stop a fit are reported in the result's `warning`
 *   (NULL when there is none; owned by the result), never printed. */
#ifndef GRAFO_LINEAR_H
#define GRAFO_LINEAR_H

#include "grafo/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- data -- */

typedef struct gf_xy {
    const double *x;            /* n x p, row-major: x[i * p + j] */
    size_t n, p;
    const double *y;            /* n responses (regression), or NULL */
    const int32_t *label;       /* n class labels in [0, K) (classifiers), or NULL */
    const char *const *names;   /* p column names, or NULL for x1, x2, ...
                                   (a NULL entry is named the same way) */
} gf_xy;

/* ------------------------------------------------ ordinary least squares -- */

typedef struct gf_ols_opts {
    int intercept;   /* fit an intercept (default 1; any non-zero is 1) */
    double level;    /* confidence level of the intervals, in (0, 1)
                        (default 0.95) */
} gf_ols_opts;
#define GF_OLS_OPTS_DEFAULT ((gf_ols_opts){ .intercept = 1, .level = 0.95 })

/* What summary(lm(...)) reports, plus the seeds' sums of squares. */
typedef struct gf_ols {
    size_t n, k;          /* observations; coefficients (p + 1) */
    int intercept;
    char **names;         /* k names; "(Intercept)" first */
    double *coef, *se, *t, *p_value;   /* k each; without an intercept entry 0
                                          has coef, se and the interval 0,
                                          t and p NaN */
    double level, *ci_low, *ci_high;   /* t-based intervals at `level` */
    double *vcov;         /* k x k, row-major, covariance of coef
                             (sigma^2 (X'X)^-1); row and column 0 are 0
                             without an intercept */
    double sigma;         /* residual standard error */
    double df_resid;      /* n - rank */
    double r2, adj_r2;
    double f, f_df1, f_df2, f_p;  /* F statistic against the intercept-only
                                     model (the zero model without intercept) */
    double sse, sst, ssm; /* seed 000: residual, total and model sums of squares
                             (sst, ssm about the mean; about 0 without intercept,
                             as R does) */
    double rmse, mae;     /* on the training data */
    const char *warning;  /* R's "essentially perfect fit", or NULL */
} gf_ols;

/* Least squares through a QR factorisation (LAPACKE), never an explicit
 * inverse.  A rank-deficient design gives GF_ERR_FIT and a message naming
 * the columns that are collinear (a constant column is collinear with the
 * intercept, a zero column with nothing).  n must exceed the number of
 * fitted coefficients, p + intercept (GF_ERR_SHAPE); y is required. */
gf_status gf_ols_fit(const gf_xy *d, const gf_ols_opts *o, gf_ols **out);
void gf_ols_free(gf_ols *m);

/* yhat[i] = coef . (1, x_i) for n rows of x (n x p, row-major); coef has
 * p + 1 entries.  GF_ERR_ARG for a NULL array (x and yhat may be NULL when
 * n is 0) or a non-finite x. */
gf_status gf_linear_predict(const double *coef, size_t p, const double *x, size_t n,
                            double *yhat);

/* ------------------------------------ least squares by gradient descent -- */

/* batch = 0: full-batch gradient descent; 1: online SGD (seed 000,
 * Algorithm 2.1); b > 1: minibatches of b rows (b >= n is one batch of
 * every row, in shuffled order).  The loss is the MSE of seed 000 and the
 * step lr_t = lr / (1 + lr_decay * t), t counting updates from 0.  The
 * weights start at zero. */
typedef struct gf_gd_opts {
    int intercept;       /* default 1 */
    size_t batch;        /* default 0 (full batch) */
    double lr;           /* > 0; default 0.1 */
    double lr_decay;     /* >= 0; default 0 */
    int max_epochs;      /* >= 1; default 10000 */
    double tol;          /* >= 0: stop after the epoch in which no coefficient
                            moved by more than tol times the largest
                            |coefficient|; default 1e-10 */
    int shuffle;         /* SGD (batch > 0): reshuffle rows every epoch
                            (default 1); 0 keeps the data's order */
    uint64_t seed;       /* the shuffles' generator (the only randomness);
                            default 1 */
} gf_gd_opts;
#define GF_GD_OPTS_DEFAULT ((gf_gd_opts){ .intercept = 1, .batch = 0, .lr = 0.1, \
    .lr_decay = 0, .max_epochs = 10000, .tol = 1e-10, .shuffle = 1, .seed = 1 })

typedef struct gf_gd_result {
    double *coef;        /* k = p + 1 */
    size_t k;
    int epochs;          /* epochs run */
    int converged;       /* tol was reached within max_epochs */
    double mse;          /* training MSE at the end */
    const char *warning; /* no convergence, or NULL */
} gf_gd_result;

/* A diverging run (non-finite loss) stops with GF_ERR_NUMERIC naming the
 * epoch, and returns nothing; lower the learning rate or standardise the
 * data.  Also refused: fewer rows than p + intercept or more than 2^31 - 1
 * rows or columns (GF_ERR_SHAPE), and a column that is zero, or constant
 * beside an intercept (GF_ERR_FIT, as gf_ols_fit: gradient descent would
 * "converge" to an arbitrary split). */
gf_status gf_linreg_gd(const gf_xy *d, const gf_gd_opts *o, gf_gd_result **out);
void gf_gd_result_free(gf_gd_result *r);

/* ----------------------------------------- ridge, lasso and elastic net -- */

/* Every penalised regression here minimises glmnet's and scikit-learn's
 * objective
 *     RSS / (2n) + lambda * (alpha * |beta|_1 + (1 - alpha) / 2 * |beta|_2^2)
 * over the coefficients beta (never the intercept).  alpha = 1 is the lasso,
 * alpha = 0 ridge.  With `standardize`, the columns are scaled to unit
 * (population) variance inside the solver and the coefficients returned on
 * the original scale, as glmnet does.  The seeds' J = RSS + lambda' * pen
 * corresponds to lambda = lambda' / (2n); docs/linear.md has the details. */

typedef enum gf_family {
    GF_GAUSSIAN,   /* least squares, y real */
    GF_BINOMIAL,   /* logistic: labels 0/1; RSS/(2n) becomes the mean negative
                      log-likelihood */
} gf_family;

typedef struct gf_enet_opts {
    gf_family family;          /* default GF_GAUSSIAN */
    double alpha;              /* in [0, 1]; default 1 (lasso) */
    size_t nlambda;            /* >= 1: length of the automatic path (or of
                                  `lambda`); default 100 */
    double lambda_min_ratio;   /* in (0, 1), or 0 (the default) for glmnet's:
                                  1e-4 if n >= p, else 1e-2 */
    const double *lambda;      /* a non-increasing grid of nlambda values,
                                  each finite and >= 0, to use instead of the
                                  automatic one, or NULL (the default) */
    int standardize;           /* default 1 */
    int intercept;             /* default 1 */
    double tol;                /* > 0: coordinate descent stops when no
                                  coefficient moves the objective by more than
                                  tol times the null deviance (glmnet's
                                  thresh); default 1e-7 */
    int max_passes;            /* >= 1, over all coordinates and the whole
                                  path (glmnet's maxit); default 100000 */
} gf_enet_opts;
#define GF_ENET_OPTS_DEFAULT ((gf_enet_opts){ .family = GF_GAUSSIAN, .alpha = 1, \
    .nlambda = 100, .lambda_min_ratio = 0, .lambda = NULL, .standardize = 1, \
    .intercept = 1, .tol = 1e-7, .max_passes = 100000 })

/* A fitted path: one coefficient vector per lambda. */
typedef struct gf_path {
    gf_family family;
    double alpha;
    size_t nlambda, k;    /* k = p + 1 */
    char **names;         /* k names; "(Intercept)" first */
    double *lambda;       /* nlambda values: decreasing, except that a ridge
                             path keeps the caller's order */
    double *coef;         /* nlambda x k, row-major: coef[l * k + 0] is the intercept */
    double *dev_ratio;    /* fraction of the null deviance explained, per lambda */
    int *df;              /* nonzero coefficients (intercept excluded), per lambda */
    const char *warning;  /* constant columns, an early stop; or NULL */
} gf_path;

/* Coordinate descent over the path, with warm starts and glmnet's strong
 * rule screening of inactive features.  Like glmnet, the path may stop early
 * when the deviance explained stops changing; nlambda then says how many
 * points were fitted.  A constant column gets coefficient 0 and a warning.
 * The automatic grid is glmnet's: lambda_max (the least lambda at which
 * every coefficient is 0, with alpha taken as at least 1e-3) down to
 * lambda_max * lambda_min_ratio, log-spaced.  Gaussian elastic net (0 <
 * alpha < 1) is scikit-learn's ElasticNet exactly; glmnet's agrees only when
 * y's standard deviation is 1, since glmnet divides its ridge term by it.
 * At least 2 rows; y for gaussian, 0/1 labels for binomial.  GF_ERR_FIT
 * for a constant y (gaussian) or a single class (binomial), and when
 * max_passes runs out at the first lambda; a binomial path that reaches
 * fitted probabilities of 0 or 1 stops there with a warning; GF_ERR_NUMERIC
 * if the fit diverges. */
gf_status gf_enet_path(const gf_xy *d, const gf_enet_opts *o, gf_path **out);
void gf_path_free(gf_path *m);

/* Ridge (alpha = 0) exactly: one lambda by a Cholesky solve of the
 * penalised normal equations, a whole grid through one SVD of the centred
 * (and, with standardize, scaled) design.  lambda (not NULL) has
 * nlambda >= 1 values, any order, each finite and >= 0; the result keeps
 * that order, fits every one (no early stop) and has family GF_GAUSSIAN
 * and alpha 0.  standardize and intercept are flags.  Rows: at least
 * 1 + intercept, and p + intercept when a lambda is 0, which is least
 * squares and needs a full-rank design (GF_ERR_FIT naming the collinear
 * columns).  A column that is zero, or constant beside an intercept, gets
 * coefficient 0 and a warning.  At most 2^31 - 1 rows and columns
 * (GF_ERR_SHAPE); GF_ERR_NUMERIC if LAPACK fails. */
gf_status gf_ridge_path(const gf_xy *d, const double *lambda, size_t nlambda,
                        int standardize, int intercept, gf_path **out);

/* The linear predictor (gaussian: the response; binomial: the log-odds) of
 * the l-th model of the path (l < nlambda) for n rows of x (n x (k - 1),
 * row-major), into out (n).  GF_ERR_ARG for a NULL path, l out of range,
 * x or out NULL when n > 0, or a non-finite x. */
gf_status gf_path_predict(const gf_path *m, size_t l, const double *x, size_t n,
                          double *out);

/* --------------------------------------------------- cross-validation -- */

typedef struct gf_cv_opts {
    int nfolds;               /* 3 to n; default 10 */
    uint64_t seed;            /* the balanced random fold assignment; default 1 */
    const int32_t *foldid;    /* n fold numbers in [0, nfolds) to use instead,
                                 or NULL (the default); given, results can
                                 match cv.glmnet's */
} gf_cv_opts;
#define GF_CV_OPTS_DEFAULT ((gf_cv_opts){ .nfolds = 10, .seed = 1, .foldid = NULL })

typedef struct gf_cv {
    gf_path *path;            /* the fit on all the data; owned */
    double *cvm, *cvsd;       /* per lambda of path: mean held-out error (MSE,
                                 or binomial deviance -2 log L per row, with
                                 probabilities clipped to [1e-5, 1 - 1e-5] as
                                 cv.glmnet) and its standard error */
    size_t index_min, index_1se; /* into path's lambdas */
    double lambda_min;        /* the largest lambda of least cvm */
    double lambda_1se;        /* the largest lambda whose cvm is within one
                                 cvsd of the least */
} gf_cv;

/* cv.glmnet's procedure (glmnet 4.1): the path on all the data; each
 * fold's complement fitted with the same options (its own automatic grid,
 * or the caller's), its coefficients interpolated linearly in lambda at
 * the full path's lambdas; held-out errors averaged per fold, weighted by
 * fold size, cvsd the spread of the fold means / sqrt(nfolds - 1).  With
 * fewer than 3 rows per fold on average every row counts as its own fold
 * (as cv.glmnet's grouped = FALSE).  GF_ERR_ARG for nfolds outside
 * 3..n, a foldid out of range, or a fold that is empty or leaves fewer
 * than 2 rows to fit on; a fold's fit fails as gf_enet_path does, its
 * message prefixed with the fold; GF_ERR_NUMERIC for a non-finite error. */
gf_status gf_enet_cv(const gf_xy *d, const gf_enet_opts *o, const gf_cv_opts *cv,
                     gf_cv **out);
void gf_cv_free(gf_cv *c);

/* -------------------------------------------------- logistic regression -- */

typedef struct gf_logit_opts {
    int intercept;     /* default 1 */
    int max_iter;      /* >= 1 Newton/IRLS iterations, default 25 (as glm) */
    double tol;        /* > 0: relative change in deviance, default 1e-8 (as
                          glm); the rank test uses min(1e-7, tol / 1000) */
    double level;      /* Wald confidence intervals, in (0, 1); default 0.95 */
} gf_logit_opts;
#define GF_LOGIT_OPTS_DEFAULT ((gf_logit_opts){ .intercept = 1, .max_iter = 25, \
    .tol = 1e-8, .level = 0.95 })

/* What summary(glm(..., family = binomial)) reports.  Labels are 0/1.
 * Without an intercept entry 0 is as in gf_ols. */
typedef struct gf_logit {
    size_t n, k;                       /* k = p + 1 */
    int intercept;
    char **names;                      /* k names; "(Intercept)" first */
    double *coef, *se, *z, *p_value;   /* Wald statistics */
    double level, *ci_low, *ci_high;   /* Wald intervals */
    double *vcov;                      /* k x k, row-major */
    double deviance, null_deviance, aic; /* aic = deviance + 2 (p + intercept) */
    double df_resid, df_null;          /* n - p - intercept; n - intercept */
    int iterations;
    const char *warning;               /* fitted probabilities of 0 or 1, or NULL */
} gf_logit;

/* Newton's method as iteratively reweighted least squares, as R's glm.fit:
 * each step a Cholesky solve of X'WX while it is well conditioned, a QR
 * solve (with R's rank check) when it is not.  Perfectly separable data
 * give GF_ERR_FIT naming the problem (R warns that fitted probabilities of
 * 0 or 1 occurred), and so do a single class, collinear columns (as for
 * gf_ols_fit) and no convergence within max_iter; GF_ERR_NUMERIC if the
 * deviance becomes non-finite.  n must exceed p + intercept. */
gf_status gf_logit_fit(const gf_xy *d, const gf_logit_opts *o, gf_logit **out);
void gf_logit_free(gf_logit *m);

/* P(y = 1 | x) for n rows of x (n x p) into p (n); GF_ERR_ARG as
 * gf_linear_predict.  gf_threshold: cls[i] = 1 when p[i] >= threshold
 * (0.5 by the seeds' rule; the caller may choose another), else 0;
 * GF_ERR_ARG for a threshold outside (0, 1), a p outside [0, 1] or a NULL
 * array when n > 0. */
gf_status gf_logit_predict_proba(const gf_logit *m, const double *x, size_t n, double *p);
gf_status gf_threshold(const double *p, size_t n, double threshold, int32_t *cls);

/* ------------------------- softmax (multinomial logistic) regression -- */

/* Multinomial logistic regression over K classes, minimising
 *     mean cross-entropy + lambda / 2 * |W|_2^2     (intercepts unpenalised),
 * by L-BFGS.  scikit-learn's LogisticRegression(C) is lambda = 1 / (n C). */
typedef struct gf_mlogit_opts {
    double lambda;     /* >= 0; default 0 */
    int intercept;     /* default 1 */
    int max_iter;      /* >= 1 L-BFGS iterations; default 1000 */
    double tol;        /* > 0: stop when |gradient| <= tol max(1, |W|), on
                          standardised columns; default 1e-10 */
} gf_mlogit_opts;
#define GF_MLOGIT_OPTS_DEFAULT ((gf_mlogit_opts){ .lambda = 0, .intercept = 1, \
    .max_iter = 1000, .tol = 1e-10 })

typedef struct gf_mlogit {
    size_t classes, k;    /* K; k = p + 1 */
    double *coef;         /* K x k, row-major: class c's intercept, then
                             weights.  Only differences between classes
                             matter, so the intercepts (and, for lambda = 0,
                             the weights) are centred over classes */
    int iterations;
    double loss;          /* the objective at the solution */
    const char *warning;  /* L-BFGS stopped on rounding a little above tol */
} gf_mlogit;

/* Labels in [0, K), K = 1 + the largest label (at least 2), every class
 * with at least one row (else GF_ERR_ARG).  GF_ERR_FIT for separable
 * classes with lambda = 0 (no minimum exists), no convergence within
 * max_iter, or L-BFGS stopping far from the minimum; GF_ERR_SHAPE beyond
 * 2^31 - 1 rows or coefficients. */
gf_status gf_mlogit_fit(const gf_xy *d, const gf_mlogit_opts *o, gf_mlogit **out);
void gf_mlogit_free(gf_mlogit *m);
/* proba is n x K, row-major, each row summing to 1; x is n x p.
 * GF_ERR_ARG for a NULL argument or a non-finite x. */
gf_status gf_mlogit_predict_proba(const gf_mlogit *m, const double *x, size_t n,
                                   double *proba);
/* The class of largest score in each row of scores (n x classes,
 * row-major) into cls (n), the lowest index on a tie.  GF_ERR_ARG for a
 * NULL array when n > 0, classes 0 or beyond 2^31 - 1, or a NaN score. */
gf_status gf_argmax(const double *scores, size_t n, size_t classes, int32_t *cls);

/* -------------------------------- perceptron and linear SVM (seed 000) -- */

/* A linear decision function f(x) = b + w . x; class 1 when f(x) >= 0. */
typedef struct gf_linclf {
    size_t k;             /* p + 1: coef[0] = b, then w */
    double *coef;
    int epochs;           /* epochs run */
    int converged;        /* perceptron: an epoch without mistakes; linear SVM:
                             SGD has settled (see gf_linsvm_fit) */
    const char *warning;  /* when not converged, or NULL */
} gf_linclf;
void gf_linclf_free(gf_linclf *m);
/* f (n) = b + w . x for n rows of x (n x p).  GF_ERR_ARG for an empty or
 * NULL model, x or f NULL when n > 0, or a non-finite x. */
gf_status gf_linclf_decision(const gf_linclf *m, const double *x, size_t n, double *f);

/* Rosenblatt's rule: on a mistake, w += lr * y * x (y in {-1, +1}); rows in
 * a seeded random order each epoch, from zero weights.  Labels 0/1 (0 is the
 * -1 class), both present (else GF_ERR_ARG).  Data that are not linearly
 * separable stop after max_epochs with a warning; weights that overflow
 * give GF_ERR_NUMERIC. */
typedef struct gf_perceptron_opts {
    double lr;          /* > 0; default 1 */
    int max_epochs;     /* >= 1; default 1000 */
    uint64_t seed;      /* the row orders; default 1 */
} gf_perceptron_opts;
#define GF_PERCEPTRON_OPTS_DEFAULT ((gf_perceptron_opts){ .lr = 1, .max_epochs = 1000, \
    .seed = 1 })
gf_status gf_perceptron_fit(const gf_xy *d, const gf_perceptron_opts *o, gf_linclf **out);

/* A linear SVM: minimises lambda / 2 * |w|^2 + mean hinge loss
 * max(0, 1 - y f(x)) by SGD with the subgradient of seed 000 (Pegasos's step
 * 1 / (lambda t)), the bias unpenalised.  Labels 0/1 (0 is the -1 class).
 * scikit-learn's SVC(kernel="linear", C) is lambda = 1 / (n C).  The model
 * returned averages the iterates of the second half of the epochs; it is
 * `converged` when averaging only the last quarter would change the
 * objective by less than 0.1% (a heuristic: on the tests that meant within
 * about 1% of the optimum), and otherwise the warning says so (also when
 * too few epochs ran to tell).  Both classes must be present (GF_ERR_ARG);
 * a non-finite objective gives GF_ERR_NUMERIC. */
typedef struct gf_linsvm_opts {
    double lambda;      /* > 0; default 1e-4 */
    int epochs;         /* >= 1, all of them run; default 100 */
    uint64_t seed;      /* the row orders; default 1 */
} gf_linsvm_opts;
#define GF_LINSVM_OPTS_DEFAULT ((gf_linsvm_opts){ .lambda = 1e-4, .epochs = 100, .seed = 1 })
gf_status gf_linsvm_fit(const gf_xy *d, const gf_linsvm_opts *o, gf_linclf **out);

/* ------------------------------------------------------- one-vs-rest -- */

/* Any binary model: fit on labels 0/1 and score rows (higher means class 1).
 * fit sets *model to a model `free` accepts, or NULL (on failure it may
 * leave one, which gf_ovr_fit frees); score writes n scores. */
typedef struct gf_binary_model {
    const char *name;     /* for messages; may be NULL */
    gf_status (*fit)(const void *opts, const gf_xy *d, void **model);
    gf_status (*score)(const void *model, const double *x, size_t n, double *score);
    void (*free)(void *model);
    /* The fitted model's warning, or NULL; the function may be NULL. */
    const char *(*warning)(const void *model);
    /* The fitted model's k = p + 1 coefficients (intercept first) when its
     * score is the linear predictor, so they can be saved; may be NULL. */
    const double *(*coef)(const void *model, size_t *k);
    const void *opts;     /* passed to fit; borrowed */
} gf_binary_model;

/* Ready-made binary models; opts may be NULL for the defaults, and is
 * borrowed: it must live until gf_ovr_fit returns.  Each scores a row by
 * its linear predictor b + w . x (for logistic regression the log-odds,
 * which unlike probabilities never round to a tie at 1) and gives its
 * coefficients and warning. */
gf_binary_model gf_binary_logit(const gf_logit_opts *opts);
gf_binary_model gf_binary_perceptron(const gf_perceptron_opts *opts);
gf_binary_model gf_binary_linsvm(const gf_linsvm_opts *opts);

typedef struct gf_ovr gf_ovr;
/* One model per class, class c against the rest; the model keeps a copy of
 * bm (not of *bm.opts, which is only used while fitting).  Labels are
 * 0..K-1 with K >= 2 and every class present (else GF_ERR_ARG), as is a bm
 * without fit, score or free; a failing class's fit is reported with its
 * status, class number and the binary model's own message. */
gf_status gf_ovr_fit(const gf_xy *d, const gf_binary_model *bm, gf_ovr **out);
void gf_ovr_free(gf_ovr *m);
size_t gf_ovr_classes(const gf_ovr *m); /* K; 0 for NULL */
/* The per-class models' warnings, each prefixed "class c: " and joined by
 * "; ", or NULL when none warned (e.g. a perceptron that did not converge).
 * Borrowed: lives as long as m. */
const char *gf_ovr_warning(const gf_ovr *m);
/* scores is n x K, row-major: each class's model's score; the class is
 * their argmax (gf_argmax).  GF_ERR_ARG for a NULL argument when n > 0;
 * a model's score error with its class; GF_ERR_NOMEM. */
gf_status gf_ovr_scores(const gf_ovr *m, const double *x, size_t n, double *scores);
/* Class c's model's coefficients (k = p + 1, intercept first, into *k;
 * borrowed, live as long as m), or NULL with GF_ERR_STATE if its binary
 * model has no coef function, GF_ERR_ARG for m or k NULL or c >= K. */
const double *gf_ovr_coef(const gf_ovr *m, size_t c, size_t *k);

#ifdef __cplusplus
}
#endif
#endif
