/* p-values and quantiles through libRmath.  Its header defines many short
 * macros, so it is included here and nowhere else. */
#include "linear/dist.h"

#define MATHLIB_STANDALONE
#include <Rmath.h>
#include <math.h>

/* Upper tails are computed directly (lower_tail = 0), never as 1 - P, so a
 * p-value of 1e-30 keeps its digits. */
double gf__t_two_sided(double t, double df) { return 2.0 * pt(fabs(t), df, 0, 0); }
double gf__t_quantile(double q, double df) { return qt(q, df, 1, 0); }
double gf__f_upper(double f, double df1, double df2) { return pf(f, df1, df2, 0, 0); }
double gf__z_two_sided(double z) { return 2.0 * pnorm(fabs(z), 0.0, 1.0, 0, 0); }
double gf__z_quantile(double q) { return qnorm(q, 0.0, 1.0, 1, 0); }
