"""gen_data.py: write the linear-model benchmark's data, once, as raw files
that grafo (fread), NumPy (fromfile) and R (readBin) all read byte for byte.

    /usr/bin/python3 bench/linear/gen_data.py OUT_DIR

Everything comes from one fixed seed, so every machine gets the same bytes.
OUT_DIR receives

    meta.txt      "name value" lines: reg_n reg_p clf_n clf_p nfolds seed
    reg_x.f64     regression design, reg_n x reg_p, row-major float64 (LE)
    reg_y.f64     its response, reg_n float64
    reg_fold.i32  a fold number 0..nfolds-1 per row, int32 (LE), so grafo's
                  and cv.glmnet's cross-validation use the same folds
    reg_lambda.f64  the 100 lambdas of glmnet's automatic lasso grid for
                  these data (lambda_max down to 1e-4 lambda_max, evenly on
                  the log scale), float64: every peer fits this same grid
    clf_x.f64     classification design, clf_n x clf_p, row-major float64
    clf_y.f64     its labels, 0.0 or 1.0

It is a build product (a few hundred MB): keep it out of git.
"""

import os
import sys

import numpy as np

SEED = 20240601
REG_N, REG_P = 200_000, 100
CLF_N, CLF_P = 100_000, 50
NFOLDS = 10


def design(rng, n, p):
    """Columns sharing one common factor (pairwise correlation about 0.2, so
    the lasso has to choose between them), each with its own mean and
    scale, so that standardising inside the solver matters."""
    common = rng.standard_normal((n, 1))
    x = 0.5 * common + rng.standard_normal((n, p))
    scale = np.exp(rng.uniform(-1.0, 1.0, p))
    centre = rng.uniform(-2.0, 2.0, p)
    return x * scale + centre, scale


def regression(rng):
    """y = 3 + X beta + noise, with 30 of the 100 coefficients non-zero.
    Their sizes (in units of each column's spread) fall off geometrically,
    so features keep entering all along the lasso path instead of all at
    once; the noise leaves R^2 near 0.8, well short of glmnet's 0.999
    stopping point."""
    x, scale = design(rng, REG_N, REG_P)
    beta = np.zeros(REG_P)
    active = rng.choice(REG_P, 30, replace=False)
    size = 2.0 * 0.85 ** np.arange(30)
    beta[active] = rng.choice([-1.0, 1.0], 30) * size / scale[active]
    signal = x @ beta
    noise = rng.standard_normal(REG_N) * 0.5 * signal.std()
    y = 3.0 + signal + noise
    fold = rng.permutation(np.arange(REG_N) % NFOLDS).astype("<i4")
    return x, y, fold


def lasso_grid(x, y, count=100, ratio=1e-4):
    """glmnet's default lasso grid: lambda_max is the smallest lambda at
    which every coefficient is zero, |x_j . (y - mean y)| / n largest over
    the columns standardised with their population standard deviation, as
    glmnet standardises."""
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    lambda_max = np.abs(xs.T @ (y - y.mean())).max() / len(y)
    return lambda_max * ratio ** (np.arange(count) / (count - 1))


def classification(rng):
    """Labels drawn from a logistic model with 25 of 50 coefficients
    non-zero and a linear predictor of standard deviation about 2: the
    classes overlap (never separable), and Newton's method needs a handful
    of iterations."""
    x, scale = design(rng, CLF_N, CLF_P)
    beta = np.zeros(CLF_P)
    active = rng.choice(CLF_P, 25, replace=False)
    beta[active] = rng.normal(0.0, 1.0, 25) / scale[active]
    eta = x @ beta
    eta = -0.5 + 2.0 * (eta - eta.mean()) / eta.std()
    y = (rng.uniform(size=CLF_N) < 1.0 / (1.0 + np.exp(-eta))).astype(np.float64)
    return x, y


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1].strip())
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    x, y, fold = regression(rng)
    x.astype("<f8").tofile(os.path.join(out, "reg_x.f64"))
    y.astype("<f8").tofile(os.path.join(out, "reg_y.f64"))
    fold.tofile(os.path.join(out, "reg_fold.i32"))
    lasso_grid(x, y).astype("<f8").tofile(os.path.join(out, "reg_lambda.f64"))
    x, y = classification(rng)
    x.astype("<f8").tofile(os.path.join(out, "clf_x.f64"))
    y.astype("<f8").tofile(os.path.join(out, "clf_y.f64"))
    # meta.txt last: its presence says the data are complete.
    with open(os.path.join(out, "meta.txt"), "w") as f:
        for name, value in (("reg_n", REG_N), ("reg_p", REG_P), ("clf_n", CLF_N),
                            ("clf_p", CLF_P), ("nfolds", NFOLDS), ("seed", SEED)):
            f.write(f"{name} {value}\n")


if __name__ == "__main__":
    main()
