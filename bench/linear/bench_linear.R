# bench_linear.R: time R and glmnet on the linear-model benchmark's cases,
# as bench_linear.c times grafo and bench_linear.py times scikit-learn.
#
#     Rscript bench/linear/bench_linear.R --case ols --data DIR \
#         --threads 2 --runs 1 --out OUT_DIR
#
# DIR holds what gen_data.py wrote.  Each case times one or two ways of
# doing it in R, each under its own tool name:
#
#     ols        "summary(lm)"  summary(lm(y ~ X)): the coefficients with their
#                               standard errors, t and p values, R^2 and F,
#                               which is what gf_ols_fit computes, so this is
#                               the headline comparison;
#                "lm.fit"       lm.fit(X1, y) on a ready-made cbind(1, X): the
#                               bare QR solve, no statistics.
#     path       "glmnet"       glmnet(X, y, lambda = the 100 values of
#                               reg_lambda.f64): the whole lasso path.
#     path_auto  "glmnet"       glmnet(X, y) with its defaults, which end the
#                               path early once the deviance explained stops
#                               changing.
#     cv         "cv.glmnet"    cv.glmnet(X, y, foldid = reg_fold.i32 + 1),
#                               10 folds shared with grafo.
#     logit      "summary(glm)" summary(glm(y ~ X, family = binomial)): Wald
#                               statistics, as gf_logit_fit; the headline;
#                "glm.fit"      glm.fit(X1, y, family = binomial()).
#
# R's threads cannot be set from inside R without extra packages: its BLAS
# (sessionInfo()$BLAS; Debian's OpenBLAS built on OpenMP here) follows
# OMP_NUM_THREADS, which run_linear.sh sets; --threads is only echoed.  lm
# and glm factor with LINPACK's dqrdc2, which uses level-1 BLAS only;
# glmnet is single-threaded Fortran.
#
# Each way fits once to warm up (except cv, whose eleven fits warm
# themselves), then --runs timed fits; reading the data is not timed.  Each
# fit prints "TOOL case=CASE threads=T run=R seconds=S" (run=0 the warm-up),
# and the last fit's numbers go to OUT_DIR/<case>.<tool>.txt as
# "key value value ..." lines.

suppressPackageStartupMessages(library(glmnet))

args <- commandArgs(trailingOnly = TRUE)
opt <- list(case = NA, data = NA, threads = "2", runs = "1", out = NA)
i <- 1
while (i <= length(args)) {
    key <- sub("^--", "", args[i])
    if (!(key %in% names(opt)) || i == length(args))
        stop("bench_linear.R: unknown option or missing value: ", args[i])
    opt[[key]] <- args[i + 1]
    i <- i + 2
}
if (anyNA(unlist(opt))) stop("bench_linear.R: --case, --data and --out are required")
runs <- as.integer(opt$runs)

meta <- read.table(file.path(opt$data, "meta.txt"), col.names = c("name", "value"))
meta <- setNames(meta$value, meta$name)

read_f64 <- function(name, count) {
    v <- readBin(file.path(opt$data, name), "double", count, size = 8, endian = "little")
    if (length(v) != count) stop("bench_linear.R: ", name, " holds fewer than ", count, " values")
    v
}
# The files are row-major; R's matrices are column-major.
read_xy <- function(prefix) {
    n <- meta[[paste0(prefix, "_n")]]
    p <- meta[[paste0(prefix, "_p")]]
    list(x = matrix(read_f64(paste0(prefix, "_x.f64"), n * p), n, p, byrow = TRUE),
         y = read_f64(paste0(prefix, "_y.f64"), n))
}

write_result <- function(tool, rows) {
    path <- file.path(opt$out, paste0(opt$case, ".", tool, ".txt"))
    lines <- character(0)
    for (key in names(rows)) {
        m <- rows[[key]]
        if (is.null(dim(m))) m <- matrix(m, nrow = 1)
        lines <- c(lines, paste(key, apply(m, 1, function(r) paste(sprintf("%.17g", r),
                                                                  collapse = " "))))
    }
    writeLines(lines, path)
}

# Warm up (unless warm is FALSE), time `runs` fits, print a line for each;
# fit() returns the named list of rows to write.
time_fits <- function(tool, fit, warm = TRUE) {
    for (run in (if (warm) 0 else 1):runs) {
        gc()  # collect the previous fit's garbage outside the timing
        start <- proc.time()[["elapsed"]]
        result <- fit()
        seconds <- proc.time()[["elapsed"]] - start
        cat(sprintf("%s case=%s threads=%s run=%d seconds=%.6f\n", tool, opt$case,
                    opt$threads, run, seconds))
        flush(stdout())
    }
    write_result(tool, result)
}

path_rows <- function(f) {
    b <- as.matrix(coef(f))  # (p + 1) x nlambda, intercept first
    list(lambda = f$lambda, path = t(b))
}

switch(opt$case,
ols = {
    d <- read_xy("reg")
    X <- d$x
    y <- d$y
    time_fits("summary(lm)", function() {
        s <- summary(lm(y ~ X))
        list(coef = s$coefficients[, 1], se = s$coefficients[, 2])
    })
    X1 <- cbind(1, X)
    time_fits("lm.fit", function() list(coef = lm.fit(X1, y)$coefficients))
},
path = {
    d <- read_xy("reg")
    grid <- read_f64("reg_lambda.f64", 100)
    time_fits("glmnet", function() path_rows(glmnet(d$x, d$y, lambda = grid)))
},
path_auto = {
    d <- read_xy("reg")
    time_fits("glmnet", function() path_rows(glmnet(d$x, d$y)))
},
cv = {
    d <- read_xy("reg")
    fold <- readBin(file.path(opt$data, "reg_fold.i32"), "integer", length(d$y), size = 4,
                    endian = "little")
    time_fits("cv.glmnet", function() {
        cv <- cv.glmnet(d$x, d$y, foldid = fold + 1)
        c(path_rows(cv$glmnet.fit), list(cvm = cv$cvm, cvsd = cv$cvsd,
                                        lambda_min = cv$lambda.min, lambda_1se = cv$lambda.1se))
    }, warm = FALSE)
},
logit = {
    d <- read_xy("clf")
    X <- d$x
    y <- d$y
    time_fits("summary(glm)", function() {
        s <- summary(glm(y ~ X, family = binomial))
        list(coef = s$coefficients[, 1], se = s$coefficients[, 2], iterations = s$iter)
    })
    X1 <- cbind(1, X)
    time_fits("glm.fit", function() {
        f <- glm.fit(X1, y, family = binomial())
        list(coef = f$coefficients, iterations = f$iter)
    })
},
stop("bench_linear.R: unknown case ", opt$case))
