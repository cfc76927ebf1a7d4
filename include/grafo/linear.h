/* grafo/linear.h — linear models in double precision: least squares with the
 * statistics of R's summary(lm), gradient descent, ridge, lasso and elastic
 * net with cross-validation, logistic and softmax regression, one-vs-rest,
 * the perceptron and a linear SVM.
 *
 * Conventions shared by every model here:
 * - Data come as a gf_xy: n rows of p features, row-major doubles, and either
 *   a response y (regression) or class labels 0..K-1 (classification).  The
 *   intercept is never a column of x; the options say whether to fit one.
 * - Coefficient vectors have k = p + 1 entries: the intercept first (0 when
 *   no intercept is fitted), then one per column of x, in order.
 * - A fit returns a gf_status and hands its result through an out pointer
 *   that the caller frees with the matching _free (NULL is fine).  Results
 *   are plain structs: read their fields, do not change them.
 * - Bad input (a non-finite value, fewer rows than coefficients, a negative
 *   or NaN λ or learning rate, a label out of range) is refused with
 *   GF_ERR_ARG or GF_ERR_SHAPE and a message naming the row, column or
 *   option; so are values beyond +-1e100, whose squares would overflow.
 *   Data that do not determine the model (collinear or constant columns,
 *   perfectly separable classes, a Newton iteration that does not
 *   converge) give GF_ERR_FIT.  The iterative fitters (gradient descent,
 *   coordinate descent, SGD) that run out of iterations keep their last
 *   iterate and say so in `warning`.
 *   Problems that do not stop a fit are reported in the result's `warning`
 *   (NULL when there is none), never printed. */
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
    const char *const *names;   /* p column names, or NULL for x1, x2, ... */
} gf_xy;

/* ------------------------------------------------ ordinary least squares -- */

typedef struct gf_ols_opts {
    int intercept;   /* fit an intercept (default 1) */
    double level;    /* confidence level of the intervals (default 0.95) */
} gf_ols_opts;
#define GF_OLS_OPTS_DEFAULT ((gf_ols_opts){ .intercept = 1, .level = 0.95 })

/* What summary(lm(...)) reports, plus the seeds' sums of squares. */
typedef struct gf_ols {
    size_t n, k;          /* observations; coefficients (p + 1) */
    int intercept;
    char **names;         /* k names; "(Intercept)" first */
    double *coef, *se, *t, *p_value;   /* k each; without an intercept entry 0
                                          has coef and se 0, t and p NaN */
    double level, *ci_low, *ci_high;   /* t-based intervals at `level` */
    double *vcov;         /* k x k covariance of coef (sigma^2 (X'X)^-1) */
    double sigma;         /* residual standard error */
    double df_resid;      /* n - rank */
    double r2, adj_r2;
    double f, f_df1, f_df2, f_p;  /* F statistic against the intercept-only
                                     model (the zero model without intercept) */
    double sse, sst, ssm; /* seed 000: residual, total and model sums of squares
                             (sst, ssm about the mean; about 0 without intercept,
                             as R does) */
    double rmse, mae;     /* on the training data */
    const char *warning;
} gf_ols;

/* Least squares through a QR factorisation (LAPACKE), never an explicit
 * inverse.  A rank-deficient design gives GF_ERR_FIT and a message naming
 * the columns that are collinear (a constant column is collinear with the
 * intercept).  n must exceed the number of coefficients. */
gf_status gf_ols_fit(const gf_xy *d, const gf_ols_opts *o, gf_ols **out);
void gf_ols_free(gf_ols *m);

/* yhat[i] = coef . (1, x_i) for n rows of x (n x p, row-major). */
gf_status gf_linear_predict(const double *coef, size_t p, const double *x, size_t n,
                            double *yhat);

/* ------------------------------------ least squares by gradient descent -- */

/* batch = 0: full-batch gradient descent; 1: online SGD (seed 000,
 * Algorithm 2.1); b > 1: minibatches of b rows.  The loss is the MSE of
 * seed 000 and the step lr_t = lr / (1 + lr_decay * t), t counting updates. */
typedef struct gf_gd_opts {
    int intercept;       /* default 1 */
    size_t batch;        /* default 0 (full batch) */
    double lr;           /* default 0.1 */
    double lr_decay;     /* default 0 */
    int max_epochs;      /* default 10000 */
    double tol;          /* stop when the largest coefficient change over an
                            epoch is below tol (relative); default 1e-10 */
    int shuffle;         /* reshuffle rows every epoch (default 1) */
    uint64_t seed;       /* initial weights (zero) take no randomness; the
                            order of rows does; default 1 */
} gf_gd_opts;
#define GF_GD_OPTS_DEFAULT ((gf_gd_opts){ .intercept = 1, .batch = 0, .lr = 0.1, \
    .lr_decay = 0, .max_epochs = 10000, .tol = 1e-10, .shuffle = 1, .seed = 1 })

typedef struct gf_gd_result {
    double *coef;        /* k = p + 1 */
    size_t k;
    int epochs;          /* epochs run */
    int converged;       /* tol was reached before max_epochs */
    double mse;          /* training MSE at the end */
    const char *warning;
} gf_gd_result;

/* A diverging run (non-finite loss) stops with GF_ERR_NUMERIC naming the
 * epoch; lower the learning rate or standardise the data. */
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
    double alpha;              /* default 1 (lasso) */
    size_t nlambda;            /* length of the automatic path, default 100 */
    double lambda_min_ratio;   /* default 0: glmnet's 1e-4 if n >= p, else 1e-2 */
    const double *lambda;      /* a decreasing grid of nlambda values to use
                                  instead of the automatic one, or NULL */
    int standardize;           /* default 1 */
    int intercept;             /* default 1 */
    double tol;                /* coordinate descent stops when no coefficient
                                  moves the objective by more than tol times
                                  the null deviance (glmnet's thresh); 1e-7 */
    int max_passes;            /* over all coordinates, whole path; 100000 */
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
    const char *warning;
} gf_path;

/* Coordinate descent over the path, with warm starts and glmnet's strong
 * rule screening of inactive features.  Like glmnet, the path may stop early
 * when the deviance explained stops changing; nlambda then says how many
 * points were fitted.  A constant column gets coefficient 0 and a warning.
 * The automatic grid is glmnet's: lambda_max (the least lambda at which
 * every coefficient is 0, with alpha taken as at least 1e-3) down to
 * lambda_max * lambda_min_ratio, log-spaced.  Gaussian elastic net (0 <
 * alpha < 1) is scikit-learn's ElasticNet exactly; glmnet's agrees only when
 * y's standard deviation is 1, since glmnet divides its ridge term by it. */
gf_status gf_enet_path(const gf_xy *d, const gf_enet_opts *o, gf_path **out);
void gf_path_free(gf_path *m);

/* Ridge (alpha = 0) exactly: one lambda by a Cholesky solve of the
 * penalised normal equations, a whole grid through one SVD of the centred
 * (and, with standardize, scaled) design.  lambda has nlambda values
 * (any order, each >= 0); the result keeps that order. */
gf_status gf_ridge_path(const gf_xy *d, const double *lambda, size_t nlambda,
                        int standardize, int intercept, gf_path **out);

/* The linear predictor (gaussian: the response; binomial: the log-odds) of
 * the l-th model of the path for n rows of x. */
gf_status gf_path_predict(const gf_path *m, size_t l, const double *x, size_t n,
                          double *out);

/* --------------------------------------------------- cross-validation -- */

typedef struct gf_cv_opts {
    int nfolds;               /* default 10 */
    uint64_t seed;            /* fold assignment; default 1 */
    const int32_t *foldid;    /* n fold numbers in [0, nfolds) to use instead,
                                 or NULL (so results can match cv.glmnet's) */
} gf_cv_opts;
#define GF_CV_OPTS_DEFAULT ((gf_cv_opts){ .nfolds = 10, .seed = 1, .foldid = NULL })

typedef struct gf_cv {
    gf_path *path;            /* the fit on all the data; owned */
    double *cvm, *cvsd;       /* per lambda: mean held-out error (MSE, or
                                 binomial deviance) and its standard error */
    size_t index_min, index_1se;
    double lambda_min;        /* the lambda of least cvm */
    double lambda_1se;        /* the largest lambda within one standard error */
} gf_cv;

/* cv.glmnet's procedure (glmnet 4.1): the path on all the data; each
 * fold's complement fitted with the same options (its own automatic grid,
 * or the caller's), its coefficients interpolated linearly in lambda at
 * the full path's lambdas; held-out errors averaged per fold, weighted by
 * fold size, cvsd the spread of the fold means / sqrt(nfolds - 1).  With
 * fewer than 3 rows per fold on average every row counts as its own fold
 * (as cv.glmnet's grouped = FALSE).  nfolds >= 3. */
gf_status gf_enet_cv(const gf_xy *d, const gf_enet_opts *o, const gf_cv_opts *cv,
                     gf_cv **out);
void gf_cv_free(gf_cv *c);

/* -------------------------------------------------- logistic regression -- */

typedef struct gf_logit_opts {
    int intercept;     /* default 1 */
    int max_iter;      /* Newton/IRLS iterations, default 25 (as glm) */
    double tol;        /* relative change in deviance, default 1e-8 (as glm) */
    double level;      /* Wald confidence intervals, default 0.95 */
} gf_logit_opts;
#define GF_LOGIT_OPTS_DEFAULT ((gf_logit_opts){ .intercept = 1, .max_iter = 25, \
    .tol = 1e-8, .level = 0.95 })

/* What summary(glm(..., family = binomial)) reports.  Labels are 0/1. */
typedef struct gf_logit {
    size_t n, k;
    int intercept;
    char **names;
    double *coef, *se, *z, *p_value;   /* Wald statistics */
    double level, *ci_low, *ci_high;   /* Wald intervals */
    double *vcov;                      /* k x k */
    double deviance, null_deviance, aic;
    double df_resid, df_null;
    int iterations;
    const char *warning;
} gf_logit;

/* Newton's method as iteratively reweighted least squares, as R's glm.fit:
 * each step a Cholesky solve of X'WX while it is well conditioned, a QR
 * solve (with R's rank check) when it is not.  Perfectly separable data give GF_ERR_FIT naming the problem (R
 * warns that fitted probabilities of 0 or 1 occurred); collinear columns
 * give GF_ERR_FIT as for gf_ols_fit. */
gf_status gf_logit_fit(const gf_xy *d, const gf_logit_opts *o, gf_logit **out);
void gf_logit_free(gf_logit *m);

/* P(y = 1 | x) for n rows; a class is 1 when that probability is >= threshold
 * (0.5 by the seeds' rule; the caller may choose another in (0, 1)). */
gf_status gf_logit_predict_proba(const gf_logit *m, const double *x, size_t n, double *p);
gf_status gf_threshold(const double *p, size_t n, double threshold, int32_t *cls);

/* ------------------------- softmax (multinomial logistic) regression -- */

/* Multinomial logistic regression over K classes, minimising
 *     mean cross-entropy + lambda / 2 * |W|_2^2     (intercepts unpenalised),
 * by L-BFGS.  scikit-learn's LogisticRegression(C) is lambda = 1 / (n C). */
typedef struct gf_mlogit_opts {
    double lambda;     /* default 0 */
    int intercept;     /* default 1 */
    int max_iter;      /* default 1000 */
    double tol;        /* gradient norm, relative; default 1e-10 */
} gf_mlogit_opts;
#define GF_MLOGIT_OPTS_DEFAULT ((gf_mlogit_opts){ .lambda = 0, .intercept = 1, \
    .max_iter = 1000, .tol = 1e-10 })

typedef struct gf_mlogit {
    size_t classes, k;    /* K; k = p + 1 */
    double *coef;         /* K x k, row-major: class c's intercept, then weights */
    int iterations;
    double loss;          /* the objective at the solution */
    const char *warning;
} gf_mlogit;

/* Labels in [0, K), K = 1 + the largest label (at least 2). */
gf_status gf_mlogit_fit(const gf_xy *d, const gf_mlogit_opts *o, gf_mlogit **out);
void gf_mlogit_free(gf_mlogit *m);
/* proba is n x K, row-major. */
gf_status gf_mlogit_predict_proba(const gf_mlogit *m, const double *x, size_t n,
                                   double *proba);
/* The most probable class of each row (the lowest index on a tie). */
gf_status gf_argmax(const double *scores, size_t n, size_t classes, int32_t *cls);

/* -------------------------------- perceptron and linear SVM (seed 000) -- */

/* A linear decision function f(x) = b + w . x; class 1 when f(x) >= 0. */
typedef struct gf_linclf {
    size_t k;             /* p + 1: coef[0] = b, then w */
    double *coef;
    int epochs;
    int converged;        /* perceptron: an epoch without mistakes; linear SVM:
                             SGD has settled (see gf_linsvm_fit) */
    const char *warning;
} gf_linclf;
void gf_linclf_free(gf_linclf *m);
gf_status gf_linclf_decision(const gf_linclf *m, const double *x, size_t n, double *f);

/* Rosenblatt's rule: on a mistake, w += lr * y * x (y in {-1, +1}); rows in
 * a seeded random order each epoch.  Labels 0/1 (0 is the -1 class).  Data
 * that are not linearly separable stop after max_epochs with a warning. */
typedef struct gf_perceptron_opts {
    double lr;          /* default 1 */
    int max_epochs;     /* default 1000 */
    uint64_t seed;      /* default 1 */
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
 * about 1% of the optimum), and otherwise the warning says so.  lambda must
 * be > 0 and epochs >= 1. */
typedef struct gf_linsvm_opts {
    double lambda;      /* default 1e-4 */
    int epochs;         /* default 100 */
    uint64_t seed;      /* default 1 */
} gf_linsvm_opts;
#define GF_LINSVM_OPTS_DEFAULT ((gf_linsvm_opts){ .lambda = 1e-4, .epochs = 100, .seed = 1 })
gf_status gf_linsvm_fit(const gf_xy *d, const gf_linsvm_opts *o, gf_linclf **out);

/* ------------------------------------------------------- one-vs-rest -- */

/* Any binary model: fit on labels 0/1 and score rows (higher means class 1). */
typedef struct gf_binary_model {
    const char *name;
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

/* Ready-made binary models; opts may be NULL for the defaults.  Each scores
 * a row by its linear predictor b + w . x (for logistic regression the
 * log-odds, which unlike probabilities never round to a tie at 1). */
gf_binary_model gf_binary_logit(const gf_logit_opts *opts);
gf_binary_model gf_binary_perceptron(const gf_perceptron_opts *opts);
gf_binary_model gf_binary_linsvm(const gf_linsvm_opts *opts);

typedef struct gf_ovr gf_ovr;
/* One model per class, class c against the rest; the model keeps a copy of
 * bm (not of *bm.opts, which is only used while fitting).  Labels are
 * 0..K-1 with K >= 2 and every class present; a failing class's fit is
 * reported with its class number and the binary model's own message. */
gf_status gf_ovr_fit(const gf_xy *d, const gf_binary_model *bm, gf_ovr **out);
void gf_ovr_free(gf_ovr *m);
size_t gf_ovr_classes(const gf_ovr *m);
/* The per-class models' warnings, each prefixed "class c: " and joined by
 * "; ", or NULL when none warned (e.g. a perceptron that did not converge).
 * Borrowed: lives as long as m. */
const char *gf_ovr_warning(const gf_ovr *m);
/* scores is n x K: each class's model's score; the class is their argmax. */
gf_status gf_ovr_scores(const gf_ovr *m, const double *x, size_t n, double *scores);
/* Class c's model's coefficients (k = p + 1, intercept first; borrowed), or
 * NULL with GF_ERR_STATE if its binary model has no coef function. */
const double *gf_ovr_coef(const gf_ovr *m, size_t c, size_t *k);

#ifdef __cplusplus
}
#endif
#endif
