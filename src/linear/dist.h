/* Internal: the distributions behind p-values and intervals, from R's own
 * standalone maths library (libRmath), so the numbers are R's. */
#ifndef GF_LINEAR_DIST_H
#define GF_LINEAR_DIST_H

/* P(|T| > |t|) for Student's t with df degrees of freedom. */
double gf__t_two_sided(double t, double df);
/* The q-quantile of Student's t. */
double gf__t_quantile(double q, double df);
/* P(F > f) for Fisher's F with (df1, df2) degrees of freedom. */
double gf__f_upper(double f, double df1, double df2);
/* P(|Z| > |z|) for a standard normal Z. */
double gf__z_two_sided(double z);
/* The q-quantile of the standard normal. */
double gf__z_quantile(double q);

#endif
