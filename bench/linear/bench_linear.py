"""bench_linear.py: time scikit-learn on the linear-model benchmark's cases,
as bench_linear.c times grafo and bench_linear.R times R and glmnet.

    /usr/bin/python3 bench/linear/bench_linear.py --case ols --data DIR \\
        --threads 2 --runs 1 --out OUT_DIR

Run it with Debian's /usr/bin/python3, the interpreter that sees
python3-sklearn.  DIR holds what gen_data.py wrote.  The cases:

    ols     LinearRegression().fit(X, y)
    path    lasso_path on the 100 lambdas of reg_lambda.f64.  lasso_path
            neither standardises nor fits an intercept, so it is given X
            standardised (population standard deviation, as glmnet) and y
            centred, and its coefficients are mapped back to the original
            scale: then it solves exactly glmnet's problem.  Two timings:
            "sklearn" standardises beforehand, untimed; "sklearn+scale"
            times the standardisation too, which glmnet and grafo do inside
            their fits.
    logit   LogisticRegression(penalty=None), unpenalised like glm, with
            max_iter 10000 and tol 1e-10, by two solvers.  "sklearn" is
            solver="lbfgs", the default; on these data (columns with
            offsets and unequal scales) it stops after about 80 iterations
            with a gradient far from zero and coefficients about 3e-2
            (relative) from glm's, without any warning, however small tol
            is.  "sklearn-newton" is solver="newton-cholesky" (new in
            scikit-learn 1.2), Newton's method as glm's IRLS, which agrees
            with glm to 1e-10: the honest comparison, as it reaches the
            same answer.

There is no cross-validation case: the issue compares grafo's with
cv.glmnet only.

Each process fits once to warm up, then --runs timed fits; only the fit is
timed, not reading the data.  Each fit prints a line

    sklearn case=ols threads=2 run=1 seconds=1.234567

(run=0 is the warm-up), and the last fit's coefficients go to
OUT_DIR/<case>.<tool>.txt, one "key value value ..." line per quantity, for
summarise_linear.py to compare with grafo's.
"""

import argparse
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits
from sklearn.linear_model import LinearRegression, LogisticRegression, lasso_path


def read_meta(data):
    with open(os.path.join(data, "meta.txt")) as f:
        return {k: int(v) for k, v in (line.split() for line in f if line.strip())}


def read_matrix(data, prefix, n, p):
    x = np.fromfile(os.path.join(data, f"{prefix}_x.f64"), dtype="<f8")
    y = np.fromfile(os.path.join(data, f"{prefix}_y.f64"), dtype="<f8")
    if x.size != n * p or y.size != n:
        raise SystemExit(f"bench_linear.py: {data}/{prefix}_*.f64 do not hold {n} x {p} values")
    return x.reshape(n, p), y


def write_result(path, rows):
    """rows: (key, sequence of numbers); a 2-d array gives one line per row."""
    with open(path, "w") as f:
        for key, values in rows:
            values = np.atleast_2d(np.asarray(values, dtype=np.float64))
            for row in values:
                f.write(key + " " + " ".join(f"{v:.17g}" for v in row) + "\n")


def case_ols(data, meta):
    x, y = read_matrix(data, "reg", meta["reg_n"], meta["reg_p"])

    def fit():
        m = LinearRegression().fit(x, y)
        return [("coef", np.concatenate(([m.intercept_], m.coef_)))]

    return [("sklearn", fit)]


def case_path(data, meta):
    x, y = read_matrix(data, "reg", meta["reg_n"], meta["reg_p"])
    grid = np.fromfile(os.path.join(data, "reg_lambda.f64"), dtype="<f8")

    def standardise():
        # Fortran order, as the coordinate-descent solver wants its columns.
        mean, sd = x.mean(axis=0), x.std(axis=0)
        xs = np.asfortranarray((x - mean) / sd)
        ymean = y.mean()
        return xs, y - ymean, mean, sd, ymean

    def solve(xs, yc, mean, sd, ymean):
        _, coef, _ = lasso_path(xs, yc, alphas=grid)
        beta = (coef / sd[:, None]).T          # nlambda x p, original scale
        intercept = ymean - beta @ mean
        return [("lambda", grid), ("path", np.column_stack((intercept, beta)))]

    prepared = standardise()
    return [("sklearn", lambda: solve(*prepared)),
            ("sklearn+scale", lambda: solve(*standardise()))]


def case_logit(data, meta):
    x, y = read_matrix(data, "clf", meta["clf_n"], meta["clf_p"])

    def fit(solver):
        m = LogisticRegression(penalty=None, solver=solver, max_iter=10000, tol=1e-10).fit(x, y)
        return [("coef", np.concatenate((m.intercept_, m.coef_[0]))), ("iterations", m.n_iter_)]

    return [("sklearn-newton", lambda: fit("newton-cholesky")),
            ("sklearn", lambda: fit("lbfgs"))]


CASES = {"ols": case_ols, "path": case_path, "logit": case_logit}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--case", required=True, choices=sorted(CASES))
    p.add_argument("--data", required=True, help="the directory gen_data.py wrote")
    p.add_argument("--threads", type=int, default=2, help="OpenBLAS and OpenMP threads [2]")
    p.add_argument("--runs", type=int, default=1, help="timed fits after a warm-up [1]")
    p.add_argument("--out", required=True, help="directory for the coefficient files")
    a = p.parse_args()

    # threadpoolctl caps OpenBLAS and OpenMP as gf_set_threads does for grafo
    # (OMP_NUM_THREADS alone would too, since Debian's OpenBLAS is built on
    # OpenMP; this makes --threads true whatever the environment says).
    threadpool_limits(limits=a.threads)
    for tool, fit in CASES[a.case](a.data, read_meta(a.data)):
        for run in range(1 + a.runs):
            start = time.perf_counter()
            result = fit()
            seconds = time.perf_counter() - start
            print(f"{tool} case={a.case} threads={a.threads} run={run} seconds={seconds:.6f}",
                  flush=True)
        write_result(os.path.join(a.out, f"{a.case}.{tool}.txt"), result)


if __name__ == "__main__":
    main()
