/*
 * test_backtest.c — PIT, CRPS, Brier and coverage against closed forms.
 */
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>

#include "backtest.h"
#include "testutil.h"

#define N_DRAWS 1000000
#define MU 0.52
#define SD 0.03

/* Fills h with N(MU, SD) draws under a fixed seed; returns them too. */
static double *fill_normal(ro_hist *h, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, seed);
    double *x = malloc(N_DRAWS * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < N_DRAWS; i++) {
        x[i] = MU + gsl_ran_gaussian_ziggurat(rng, SD);
        ro_hist_add(h, x[i]);
    }
    gsl_rng_free(rng);
    return x;
}

/* CRPS of N(mu, s) at y (Gneiting & Raftery 2007). */
static double crps_normal(double mu, double s, double y)
{
    double z = (y - mu) / s;
    return s * (z * (2 * gsl_cdf_ugaussian_P(z) - 1) + 2 * gsl_ran_ugaussian_pdf(z) -
                1 / sqrt(M_PI));
}

/* CRPS of the empirical distribution of sorted x at y, in its energy
 * form mean|x - y| - (1 / 2n^2) sum_ij |x_i - x_j|: a different route to
 * the same number than integrating the CDF. */
static double crps_empirical(const double *x, size_t n, double y)
{
    long double abs_dev = 0, pair = 0;
    for (size_t i = 0; i < n; i++) {
        abs_dev += fabsl((long double)x[i] - y);
        /* sum_{i<j} (x_j - x_i) = sum_j x_j (2j - n + 1) over sorted x */
        pair += (long double)x[i] * (2.0L * (long double)i - (long double)n + 1);
    }
    return (double)(abs_dev / n - pair / ((long double)n * n));
}

static const double actuals[] = {0.52, 0.55, 0.46, 0.60, 0.40};

/*
 * Against the closed form for N(MU, SD). Tolerance:
 *  - Monte Carlo: the estimate is a V-statistic with influence function
 *    h(x) = |x - y| - E|x - X'|, which is 2-Lipschitz, so by the Gaussian
 *    Poincare inequality Var h(X) <= 4 SD^2 and se <= 2 SD / sqrt(n)
 *    (6e-5 here); we allow 4 se;
 *  - its diagonal bias, E|X - X'| / (2n) = SD / (sqrt(pi) n), negligible;
 *  - binning: the histogram CDF and the empirical CDF agree at bin edges
 *    and differ inside a bin by at most its mass, so the integrands
 *    (F - H)^2 differ by at most 2 |F_h - F_n| and the integrals by at
 *    most 2 w.
 */
static void test_crps_matches_normal_closed_form(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 20000, false);
    assert_non_null(h);
    double *x = fill_normal(h, 21);
    double tol = 4 * 2 * SD / sqrt(N_DRAWS) + SD / (sqrt(M_PI) * N_DRAWS) +
                 2 * ro_hist_bin_width(h);
    for (size_t i = 0; i < sizeof actuals / sizeof actuals[0]; i++)
        assert_close(ro_backtest_crps(h, actuals[i]), crps_normal(MU, SD, actuals[i]), tol);
    ro_hist_free(h);
    free(x);
}

/* Same draws, exact empirical CRPS: only the binning bound 2w remains, so
 * a fine histogram (w = 1e-5) pins the per-bin integration. */
static void test_crps_matches_empirical_within_binning(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0.3, 0.8, 50000, false);
    assert_non_null(h);
    double *x = fill_normal(h, 22);
    gsl_sort(x, 1, N_DRAWS);
    double tol = 2 * ro_hist_bin_width(h) + 1e-12;
    for (size_t i = 0; i < sizeof actuals / sizeof actuals[0]; i++)
        assert_close(ro_backtest_crps(h, actuals[i]), crps_empirical(x, N_DRAWS, actuals[i]), tol);
    ro_hist_free(h);
    free(x);
}

/* One uniform bin on [0, 1]: CRPS(y) = y^3/3 + (1-y)^3/3 inside, and
 * outside the range the tail adds its length (integrand exactly 1). */
static void test_crps_uniform_bin_and_tails(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 1, false);
    assert_non_null(h);
    ro_hist_add(h, 0.3);
    assert_close(ro_backtest_crps(h, 0.5), 1.0 / 12, 1e-15);
    assert_close(ro_backtest_crps(h, 0.2), (0.008 + 0.512) / 3, 1e-15);
    assert_close(ro_backtest_crps(h, 2.0), 1.0 / 3 + 1.0, 1e-15);
    assert_close(ro_backtest_crps(h, -1.0), 1.0 + 1.0 / 3, 1e-15);
    ro_hist_free(h);
}

/* Underflow is a point mass at lo: CRPS at y is then exactly y - lo. */
static void test_crps_point_mass_from_underflow(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 10, false);
    assert_non_null(h);
    ro_hist_add(h, -5);
    assert_close(ro_backtest_crps(h, 0.5), 0.5, 1e-15);
    assert_close(ro_backtest_crps(h, 0.0), 0.0, 1e-15);
    ro_hist_add(h, 7); /* half the mass at hi: F = 1/2 on [0, 1) */
    assert_close(ro_backtest_crps(h, 0.5), 0.25 * 1.0, 1e-15);
    ro_hist_free(h);
}

static void test_crps_undefined_cases(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 10, false);
    assert_non_null(h);
    assert_true(isnan(ro_backtest_crps(h, 0.5))); /* empty */
    ro_hist_add(h, 0.5);
    assert_true(isnan(ro_backtest_crps(h, NAN)));
    ro_hist_free(h);
}

/*
 * PIT at the true median is 0.5 and at MU + SD is Phi(1). Tolerance: the
 * empirical CDF has se sqrt(p(1-p)/n) <= 5e-4 (4 se allowed), and the
 * binned CDF differs from it by at most one bin's mass, about
 * pdf(0)/SD * w = 13.3 * 5e-5 = 6.7e-4 (bounded by 1e-3).
 */
static void test_pit_of_median_and_one_sd(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 20000, false);
    assert_non_null(h);
    double *x = fill_normal(h, 23);
    double tol = 4 * 0.5 / sqrt(N_DRAWS) + 1e-3;
    assert_close(ro_backtest_pit(h, MU), 0.5, tol);
    assert_close(ro_backtest_pit(h, MU + SD), gsl_cdf_ugaussian_P(1), tol);
    assert_close(ro_backtest_pit(h, -1), 0, 0);
    assert_close(ro_backtest_pit(h, 2), 1, 0);
    ro_hist_free(h);
    free(x);
}

static void test_brier_simple_values(void **state)
{
    (void)state;
    assert_close(ro_backtest_brier(0.7, true), 0.09, 1e-15);
    assert_close(ro_backtest_brier(0.7, false), 0.49, 1e-15);
    assert_close(ro_backtest_brier(1.0, true), 0.0, 0);
    assert_close(ro_backtest_brier(0.0, true), 1.0, 0);
    assert_close(ro_backtest_brier(0.5, false), 0.25, 0);
}

/* 100 bins with one value each: quantile(p) = p exactly, so the 90 %
 * interval is [0.05, 0.95] and the 50 % interval [0.25, 0.75]. */
static void test_covered_central_intervals(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 100, false);
    assert_non_null(h);
    for (int i = 0; i < 100; i++)
        ro_hist_add(h, (i + 0.5) / 100);
    assert_true(ro_backtest_covered(h, 0.9, 0.5));
    assert_true(ro_backtest_covered(h, 0.9, 0.051));
    assert_false(ro_backtest_covered(h, 0.9, 0.049));
    assert_false(ro_backtest_covered(h, 0.9, 0.97));
    assert_true(ro_backtest_covered(h, 0.5, 0.26));
    assert_false(ro_backtest_covered(h, 0.5, 0.2));
    assert_false(ro_backtest_covered(h, 0.5, 0.76));
    ro_hist_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crps_matches_normal_closed_form),
        cmocka_unit_test(test_crps_matches_empirical_within_binning),
        cmocka_unit_test(test_crps_uniform_bin_and_tails),
        cmocka_unit_test(test_crps_point_mass_from_underflow),
        cmocka_unit_test(test_crps_undefined_cases),
        cmocka_unit_test(test_pit_of_median_and_one_sd),
        cmocka_unit_test(test_brier_simple_values),
        cmocka_unit_test(test_covered_central_intervals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
