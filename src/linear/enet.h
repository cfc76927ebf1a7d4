/* Internal: what the lasso and elastic-net files share (enet.c, the
 * gaussian and binomial solvers, cv.c, path.c).
 *
 * Every solver works on a standardised problem, as glmnet does: column j of
 * x becomes z_j = (x_j - c_j) / s_j, with c_j the column's mean (0 without
 * an intercept) and s_j its population standard deviation (1 without
 * standardisation).  The solvers return coefficients on the original
 * scale, in a gf_path. */
#ifndef GF_LINEAR_ENET_H
#define GF_LINEAR_ENET_H

#include "grafo/linear.h"

/* glmnet's path constants (glmnet.control()): the smallest lambda ratio
 * (eps), the fewest lambdas fitted before the path may stop (mnlam), the
 * change in deviance explained below which it stops (fdev), and the
 * deviance explained above which it stops (devmax). */
#define GF__ENET_EPS 1e-6
#define GF__ENET_MNLAM 5
#define GF__ENET_FDEV 1e-5
#define GF__ENET_DEVMAX 0.999

/* The options once checked, with defaults resolved. */
typedef struct gf__enet_cfg {
    gf_family family;
    double alpha;
    size_t nlambda;          /* points wanted (the length of `lambda` if given) */
    double lambda_min_ratio; /* > 0 */
    const double *lambda;    /* the caller's grid (original scale), or NULL */
    int standardize, intercept;
    double tol;
    long max_passes;
} gf__enet_cfg;

/* Check the options o (NULL: defaults) against data with n rows and p
 * columns and fill cfg.  Errors name the option and its value. */
gf_status gf__enet_cfg_make(const gf_enet_opts *o, size_t n, size_t p, gf__enet_cfg *cfg,
                            const char *who);

/* The checks every entry point makes: the data for the family (0/1 labels
 * or a finite y, at least 2 rows), then the options into cfg.  o NULL
 * means the defaults. */
gf_status gf__enet_setup(const gf_xy *d, const gf_enet_opts *o, gf__enet_cfg *cfg,
                         const char *who);

/* A path with room for cap lambdas and k = p + 1 coefficients; names are
 * taken from d when d is not NULL.  NULL on out of memory. */
gf_path *gf__path_alloc(const gf__enet_cfg *cfg, size_t cap, size_t p, const gf_xy *d);

/* One lambda of the path: glmnet's rule.  The automatic grid starts at
 * lambda_max (the smallest lambda that keeps every coefficient at 0, from
 * the gradient at the null model) and shrinks by a constant factor to
 * lambda_max * lambda_min_ratio; the caller's grid is used as given. */
typedef struct gf__lambda_seq {
    const gf__enet_cfg *cfg;
    double scale;        /* the caller's lambdas are divided by this */
    double lmax, factor; /* automatic grid */
    double cur;          /* the lambda of the point being fitted */
} gf__lambda_seq;

/* lmax_grad: max |gradient| over the penalised columns at the null model. */
void gf__lambda_seq_init(gf__lambda_seq *s, const gf__enet_cfg *cfg, double lmax_grad,
                         double scale);
/* The m-th lambda (m = 0, 1, ... in order), in the solver's units. */
double gf__lambda_seq_next(gf__lambda_seq *s, size_t m);

/* Glmnet's early stop of an automatic path after point m (0-based) with
 * deviance explained dev and the previous dev0; `relative` selects the
 * gaussian test (change relative to dev) over the binomial one (absolute). */
int gf__path_should_stop(const gf__enet_cfg *cfg, size_t m, double dev, double dev0,
                         int relative);

/* Column centres c and scales s (see above) of the rows of d, and which
 * columns vary (ju[j] = 0 for a constant column, whose c = 0, s = 1). */
void gf__enet_center_scale(const gf_xy *d, const gf__enet_cfg *cfg, double *c, double *s,
                           unsigned char *ju);

/* The standardised design z (n x p, column-major); a constant column is 0. */
double *gf__enet_zmatrix(const gf_xy *d, const double *c, const double *s,
                         const unsigned char *ju);

/* One warning per constant column, naming it. */
void gf__enet_warn_constant(const gf_xy *d, const unsigned char *ju, char **warn);

/* Soft-thresholded coordinate update of elastic net:
 * argmin_b  xv/2 b^2 - u b + l1 |b| + l2/2 b^2. */
static inline double gf__enet_soft(double u, double l1, double l2, double xv)
{
    double v = (u < 0 ? -u : u) - l1;
    if (v <= 0) return 0.0;
    return (u < 0 ? -v : v) / (xv + l2);
}

/* The path on the rows of d (already checked), by the family's solver. */
gf_status gf__enet_fit(const gf_xy *d, const gf__enet_cfg *cfg, gf_path **out);
/* The solvers themselves; the gaussian one here works column by column
 * (for many columns), gf__enet_gaussian_sums below from the Gram matrix. */
gf_status gf__enet_gaussian(const gf_xy *d, const gf__enet_cfg *cfg, gf_path **out);
gf_status gf__enet_binomial(const gf_xy *d, const gf__enet_cfg *cfg, gf_path **out);

/* ---- gaussian sufficient statistics, for fitting many row subsets ---- */

/* Sums over one set of rows of u = x - shift and t = y - yshift, where the
 * shifts are the means over all the data, so that the sums stay well
 * conditioned when a column's mean is large against its spread. */
typedef struct gf__gmom {
    size_t n;
    double *G;          /* p x p, row-major: sum of u u' (upper triangle) */
    double *S, *Sut;    /* p: sum of u, sum of u t */
    double St, Stt;     /* sum of t, sum of t^2 */
    double *lo, *hi;    /* p: each column's minimum and maximum */
    double ylo, yhi;    /* y's minimum and maximum */
} gf__gmom;

typedef struct gf__gsums {
    size_t p, nsets;
    double *shift, yshift;   /* p column means over all rows; y's mean */
    gf__gmom *set;           /* nsets folds (NULL without folds) */
    gf__gmom all;            /* every row */
} gf__gsums;

/* The number of columns up to which the gaussian solver caches the whole
 * Gram matrix (glmnet's "covariance" mode); above it, columns of the Gram
 * matrix are computed only for features that enter the model. */
#define GF__GRAM_MAX_P 500

/* Sums of each fold's rows (fold[i] in [0, nfolds)) and of all rows; with
 * fold NULL, only of all rows. */
gf_status gf__gsums_compute(const gf_xy *d, const int32_t *fold, size_t nfolds,
                            gf__gsums *s);
void gf__gsums_free(gf__gsums *s);

/* The gaussian path of every row but those of fold leave_out (SIZE_MAX:
 * every row), from the sums alone.  Names come from d (may be NULL). */
gf_status gf__enet_gaussian_sums(const gf__gsums *s, size_t leave_out,
                                 const gf__enet_cfg *cfg, const gf_xy *d, gf_path **out);

#endif
