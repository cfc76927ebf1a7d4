/* Metrics against scikit-learn's values (tests/fixtures/metrics_sklearn.h,
 * made by scripts/fixtures/metrics.py), hand-checked edge cases, bad input. */
#include "grafo/metrics.h"

#include "check.h"
#include "fixtures/metrics_sklearn.h"

#include <stdlib.h>
#include <string.h>

static void test_regression_matches_sklearn(void)
{
    size_t n = (size_t)REG_N;
    double v;
    CHECK(gf_metric_mse(reg_y, reg_yhat, n, &v) == GF_OK, "mse: %s", gf_errmsg());
    CHECK_REL(v, REG_MSE, 1e-12);
    CHECK(gf_metric_rmse(reg_y, reg_yhat, n, &v) == GF_OK, "rmse: %s", gf_errmsg());
    CHECK_REL(v, REG_RMSE, 1e-12);
    CHECK(gf_metric_mae(reg_y, reg_yhat, n, &v) == GF_OK, "mae: %s", gf_errmsg());
    CHECK_REL(v, REG_MAE, 1e-12);
    CHECK(gf_metric_r2(reg_y, reg_yhat, n, &v) == GF_OK, "r2: %s", gf_errmsg());
    CHECK_REL(v, REG_R2, 1e-12);
}

static void test_regression_by_hand(void)
{
    /* Errors 1, -2, 0, 3: MSE 14/4, MAE 6/4; y's mean is 2.5, SST 5. */
    const double y[] = { 1, 2, 3, 4 }, yhat[] = { 0, 4, 3, 1 };
    double v;
    gf_metric_mse(y, yhat, 4, &v);
    CHECK_NEAR(v, 3.5, 1e-15);
    gf_metric_mae(y, yhat, 4, &v);
    CHECK_NEAR(v, 1.5, 1e-15);
    gf_metric_r2(y, yhat, 4, &v);
    CHECK_NEAR(v, 1.0 - 14.0 / 5.0, 1e-15);
    gf_metric_r2(y, y, 4, &v);
    CHECK_NEAR(v, 1.0, 0);
}

static void test_classification_matches_sklearn(void)
{
    size_t n = (size_t)CLS_N, k = (size_t)CLS_K;
    double v;
    CHECK(gf_metric_accuracy(cls_y, cls_pred, n, &v) == GF_OK, "accuracy: %s", gf_errmsg());
    CHECK_REL(v, CLS_ACCURACY, 1e-15);

    int64_t counts[16];
    CHECK(gf_metric_confusion(cls_y, cls_pred, n, k, counts) == GF_OK, "confusion: %s",
          gf_errmsg());
    for (size_t i = 0; i < k * k; i++)
        CHECK(counts[i] == cls_confusion[i], "confusion[%zu] = %lld, sklearn %d", i,
              (long long)counts[i], (int)cls_confusion[i]);

    gf_class_report *r = NULL;
    CHECK(gf_class_report_new(cls_y, cls_pred, n, k, &r) == GF_OK, "report: %s", gf_errmsg());
    if (!r) return;
    for (size_t c = 0; c < k; c++) {
        CHECK_REL(r->precision[c], cls_precision[c], 1e-14);
        CHECK_REL(r->recall[c], cls_recall[c], 1e-14);
        CHECK_REL(r->f1[c], cls_f1[c], 1e-14);
        CHECK(r->support[c] == cls_support[c], "support[%zu]", c);
    }
    CHECK_REL(r->accuracy, CLS_ACCURACY, 1e-14);
    CHECK_REL(r->macro_precision, CLS_MACRO_PRECISION, 1e-14);
    CHECK_REL(r->macro_recall, CLS_MACRO_RECALL, 1e-14);
    CHECK_REL(r->macro_f1, CLS_MACRO_F1, 1e-14);
    CHECK_REL(r->weighted_precision, CLS_WEIGHTED_PRECISION, 1e-14);
    CHECK_REL(r->weighted_recall, CLS_WEIGHTED_RECALL, 1e-14);
    CHECK_REL(r->weighted_f1, CLS_WEIGHTED_F1, 1e-14);
    CHECK_REL(r->micro_f1, CLS_MICRO_F1, 1e-14);
    gf_class_report_free(r);

    /* Row 7 is a certain mistake: the clipping is what keeps this finite. */
    CHECK(gf_metric_log_loss(cls_y, cls_proba, n, k, &v) == GF_OK, "log loss: %s",
          gf_errmsg());
    CHECK_REL(v, CLS_LOG_LOSS, 1e-12);
}

static void test_zero_division(void)
{
    /* Class 2 is never predicted and class 1 never occurs: their precision
     * and recall are 0 (zero_division=0), not NaN. */
    const int32_t y[] = { 0, 0, 2, 2 }, pred[] = { 0, 1, 0, 0 };
    gf_class_report *r = NULL;
    CHECK(gf_class_report_new(y, pred, 4, 3, &r) == GF_OK, "%s", gf_errmsg());
    if (!r) return;
    CHECK_NEAR(r->precision[0], 1.0 / 3.0, 1e-15);
    CHECK_NEAR(r->recall[0], 0.5, 0);
    CHECK_NEAR(r->f1[0], 0.4, 1e-15);
    CHECK(r->precision[1] == 0 && r->recall[1] == 0 && r->f1[1] == 0, "class 1");
    CHECK(r->precision[2] == 0 && r->recall[2] == 0 && r->f1[2] == 0, "class 2");
    CHECK_NEAR(r->accuracy, 0.25, 0);
    gf_class_report_free(r);
}

static void expect_error(gf_status s, gf_status want, const char *needle, const char *what)
{
    CHECK(s == want, "%s: status %d, want %d", what, (int)s, (int)want);
    CHECK(strstr(gf_errmsg(), needle) != NULL, "%s: message \"%s\" lacks \"%s\"", what,
          gf_errmsg(), needle);
}

static void test_bad_input(void)
{
    const double y[] = { 1, 2, 3 }, nan_hat[] = { 1, NAN, 3 }, flat[] = { 2, 2, 2 };
    double v = -1;
    expect_error(gf_metric_mse(y, nan_hat, 3, &v), GF_ERR_ARG, "row 2", "mse NaN");
    expect_error(gf_metric_mae(y, y, 0, &v), GF_ERR_SHAPE, "no rows", "mae empty");
    expect_error(gf_metric_r2(flat, y, 3, &v), GF_ERR_NUMERIC, "constant", "r2 constant");
    expect_error(gf_metric_rmse(NULL, y, 3, &v), GF_ERR_ARG, "NULL", "rmse NULL");
    CHECK(v == -1, "a failed metric wrote its output");

    const int32_t good[] = { 0, 1, 2 }, bad[] = { 0, 5, 1 }, neg[] = { 0, -1, 1 };
    int64_t counts[9];
    expect_error(gf_metric_confusion(good, bad, 3, 3, counts), GF_ERR_ARG,
                 "predicted label 5 at row 2", "confusion range");
    expect_error(gf_metric_accuracy(neg, good, 3, &v), GF_ERR_ARG, "true label -1 at row 2",
                 "accuracy negative");
    gf_class_report *r = (gf_class_report *)&v;
    expect_error(gf_class_report_new(good, good, 3, 2, &r), GF_ERR_ARG, "row 3",
                 "report range");
    CHECK(r == NULL, "a failed report left a pointer");

    const double unnormal[] = { 0.5, 0.6, 0.2, 0.8 }, negative[] = { -0.1, 1.1, 0.2, 0.8 };
    const int32_t two[] = { 0, 1 };
    expect_error(gf_metric_log_loss(two, unnormal, 2, 2, &v), GF_ERR_ARG, "row 1 sum",
                 "log loss sum");
    expect_error(gf_metric_log_loss(two, negative, 2, 2, &v), GF_ERR_ARG, "row 1, class 0",
                 "log loss negative");
    expect_error(gf_metric_log_loss(two, negative, 2, 1, &v), GF_ERR_ARG, "2 or more",
                 "log loss one class");
}

int main(void)
{
    test_regression_matches_sklearn();
    test_regression_by_hand();
    test_classification_matches_sklearn();
    test_zero_division();
    test_bad_input();
    return check_report("test_metrics");
}
