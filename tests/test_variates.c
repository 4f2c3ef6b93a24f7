/*
 * test_variates.c — the inline ziggurat normal and Marsaglia-Tsang gamma
 * (engine/variates.c) against their exact distributions; and the fast exp
 * the regional draws use (ro_exp) against the exponential's identity.
 *
 * Tolerances. With n independent draws, a sample mean is within
 * 4 sd/sqrt(n) of the true mean except with probability 6e-5; the sample
 * variance's standard error is sqrt((mu4 - sigma^4)/n), with
 * mu4 = 3 for N(0,1) and mu4 - sigma^4 = 2a^2 + 6a for Gamma(a, 1)
 * (central moments: var a, mu4 = 3a^2 + 6a). Shape is checked by
 * Pearson's chi-square over bins of equal probability under the exact CDF
 * (GSL's gsl_cdf_ugaussian_P / gsl_cdf_gamma_Pinv): the statistic is
 * chi2(bins - 1) under the null and the test fails above its 1 - 1e-6
 * quantile, so a correct sampler fails once in a million seeds, while a
 * layer of the ziggurat off by 1 % of its mass (~0.01 % of draws) moves
 * the statistic by far more than that at n = 4e6. The seeds are fixed,
 * so each test is deterministic.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "model.h"
#include "stream.h"
#include "testutil.h"
#include "variates.h"

#define N_NORMAL 4000000
#define N_GAMMA 1000000
#define BINS 200

static double chisq_limit(int bins) { return gsl_cdf_chisq_Qinv(1e-6, bins - 1); }

/* Pearson statistic for counts against equal expected counts. */
static double pearson(const long *count, int bins, long n)
{
    const double e = (double)n / bins;
    double x2 = 0;
    for (int b = 0; b < bins; b++)
        x2 += (count[b] - e) * (count[b] - e) / e;
    return x2;
}

/* A stream seeded with (seed, 0, 0) and an output buffer of n doubles. */
static gsl_rng *stream_and_buffer(uint64_t seed, size_t n, double **x)
{
    gsl_rng *r = ro_stream_alloc();
    *x = malloc(n * sizeof **x);
    assert_non_null(r);
    assert_non_null(*x);
    ro_stream_seed(r, seed, 0, 0);
    return r;
}

static double *normals(uint64_t seed, size_t n)
{
    ro_ziggurat z;
    ro_ziggurat_init(&z);
    double *x;
    gsl_rng *r = stream_and_buffer(seed, n, &x);
    /* in batches of 107, as the model draws them */
    for (size_t k = 0; k < n; k += 107)
        ro_rv_normals(&z, r, x + k, n - k < 107 ? n - k : 107);
    ro_stream_free(r);
    return x;
}

/* The table: layer i (1..127) spans [x[i+1], x[i]] below f(x[i+1]) and
 * above f(x[i]), f(x) = exp(-x^2/2); each has area v = x[i] (f(x[i+1]) -
 * f(x[i])), and the base (x[0] f(x[1]), with x[0] = v / f(r)) has area v
 * too, so every layer is picked with probability 1/128. */
static void test_ziggurat_layers_have_equal_area(void **state)
{
    (void)state;
    ro_ziggurat z;
    ro_ziggurat_init(&z);
    const double v = z.x[0] * exp(-0.5 * z.x[1] * z.x[1]);
    assert_close(v, 9.91256303526217e-3, 1e-15);
    for (int i = 1; i < RO_ZIG_LAYERS - 1; i++) {
        assert_true(z.x[i + 1] < z.x[i]);
        double area = z.x[i] * (exp(-0.5 * z.x[i + 1] * z.x[i + 1]) - exp(-0.5 * z.x[i] * z.x[i]));
        assert_close(area / v, 1.0, 1e-9);
    }
    /* the top layer ends at the mode: its area is x[127] (1 - f(x[127])) */
    double top = z.x[127] * (1 - exp(-0.5 * z.x[127] * z.x[127]));
    assert_close(top / v, 1.0, 1e-6);
    /* and the whole ziggurat (128 v) covers the half-normal's area
     * sqrt(pi/2) plus the parts of the layers above the curve */
    assert_true(RO_ZIG_LAYERS * v > 1.2533141373155003 /* sqrt(pi/2) */);
}

static void test_normal_moments(void **state)
{
    (void)state;
    double *x = normals(11, N_NORMAL);
    double sum = 0, sq = 0;
    for (size_t k = 0; k < N_NORMAL; k++)
        sum += x[k];
    const double mean = sum / N_NORMAL;
    for (size_t k = 0; k < N_NORMAL; k++)
        sq += (x[k] - mean) * (x[k] - mean);
    const double var = sq / (N_NORMAL - 1);
    assert_close(mean, 0.0, 4 / sqrt(N_NORMAL));
    assert_close(var, 1.0, 4 * sqrt(2.0 / N_NORMAL));
    free(x);
}

/* 200 bins of equal normal probability: the inner layers, the wedges and
 * the tail beyond r = 3.44 all carry weight. */
static void test_normal_distribution_chi_square(void **state)
{
    (void)state;
    double *x = normals(12, N_NORMAL);
    long count[BINS] = {0};
    for (size_t k = 0; k < N_NORMAL; k++) {
        int b = (int)(gsl_cdf_ugaussian_P(x[k]) * BINS);
        count[b < BINS ? b : BINS - 1]++;
    }
    double x2 = pearson(count, BINS, N_NORMAL);
    if (!(x2 < chisq_limit(BINS)))
        print_error("chi-square %.1f, limit %.1f\n", x2, chisq_limit(BINS));
    assert_true(x2 < chisq_limit(BINS));
    free(x);
}

/* The tail path: P(|Z| > r) = 2 (1 - Phi(r)) ~ 5.8e-4, a binomial count
 * within 4 of its standard errors; and the tail is symmetric. */
static void test_normal_tail_frequency(void **state)
{
    (void)state;
    double *x = normals(13, N_NORMAL);
    const double r = 3.442619855899, p = 2 * gsl_cdf_ugaussian_Q(r);
    long above = 0, below = 0;
    for (size_t k = 0; k < N_NORMAL; k++) {
        above += x[k] > r;
        below += x[k] < -r;
    }
    const double n = N_NORMAL, se = sqrt(n * p * (1 - p));
    assert_close((double)(above + below), n * p, 4 * se);
    /* above - below: mean 0, variance n p (each draw is +1, -1 or 0) */
    assert_close((double)(above - below), 0.0, 4 * sqrt(n * p));
    free(x);
}

static void gamma_check(double a, uint64_t seed)
{
    ro_ziggurat z;
    ro_ziggurat_init(&z);
    ro_gamma_shape g[64];
    for (int k = 0; k < 64; k++)
        ro_gamma_shape_init(&g[k], a);
    double *x;
    gsl_rng *r = stream_and_buffer(seed, N_GAMMA, &x);
    for (size_t k = 0; k < N_GAMMA; k += 64)
        ro_rv_gammas(&z, r, g, x + k, N_GAMMA - k < 64 ? N_GAMMA - k : 64);
    double sum = 0, sq = 0;
    long count[BINS] = {0};
    for (size_t k = 0; k < N_GAMMA; k++) {
        assert_true(x[k] >= 0);
        sum += x[k];
        int b = (int)(gsl_cdf_gamma_P(x[k], a, 1) * BINS);
        count[b < BINS ? b : BINS - 1]++;
    }
    const double mean = sum / N_GAMMA;
    for (size_t k = 0; k < N_GAMMA; k++)
        sq += (x[k] - mean) * (x[k] - mean);
    const double var = sq / (N_GAMMA - 1);
    assert_close(mean, a, 4 * sqrt(a / N_GAMMA));
    assert_close(var, a, 4 * sqrt((2 * a * a + 6 * a) / N_GAMMA));
    const double x2 = pearson(count, BINS, N_GAMMA);
    if (!(x2 < chisq_limit(BINS)))
        print_error("shape %g: chi-square %.1f, limit %.1f\n", a, x2, chisq_limit(BINS));
    assert_true(x2 < chisq_limit(BINS));
    ro_stream_free(r);
    free(x);
}

/* Shapes as the 2022 transfer rows produce them (concentration 60 times
 * shares from 1 % to 98 %), plus the boundary 1 and a very small one. */
static void test_gamma_shape_below_one(void **state)
{
    (void)state;
    gamma_check(0.6, 21);
    gamma_check(0.05, 22);
}

static void test_gamma_shape_one_and_above(void **state)
{
    (void)state;
    gamma_check(1.0, 23);
    gamma_check(3.0, 24);
    gamma_check(58.8, 25);
}

/* The samplers read and write the stream's own state: a batch of n then
 * one of m gives the same numbers as one batch of n + m, and a GSL call
 * after a batch continues the same stream rather than restarting it. */
static void test_batches_continue_the_stream(void **state)
{
    (void)state;
    ro_ziggurat z;
    ro_ziggurat_init(&z);
    gsl_rng *r = ro_stream_alloc();
    assert_non_null(r);
    double one[300], two[300];
    ro_stream_seed(r, 5, 6, 7);
    ro_rv_normals(&z, r, one, 300);
    const unsigned long after_one = gsl_rng_get(r);
    ro_stream_seed(r, 5, 6, 7);
    ro_rv_normals(&z, r, two, 100);
    ro_rv_normals(&z, r, two + 100, 200);
    assert_memory_equal(one, two, sizeof one);
    assert_int_equal(gsl_rng_get(r), after_one);
    ro_stream_seed(r, 5, 6, 7);
    const unsigned long first = gsl_rng_get(r);
    assert_true(first != after_one);
    ro_stream_free(r);
}

/* ro_rv_gammas_one gives the numbers ro_rv_gammas gives with n copies of
 * the shape, and leaves the stream at the same place. */
static void test_gammas_of_one_shape(void **state)
{
    (void)state;
    ro_ziggurat z;
    ro_ziggurat_init(&z);
    gsl_rng *r = ro_stream_alloc();
    assert_non_null(r);
    enum { N = 200 };
    const double shapes[2] = {0.3, 7.5};
    for (int k = 0; k < 2; k++) {
        ro_gamma_shape g[N];
        double one[N], many[N];
        for (int i = 0; i < N; i++)
            ro_gamma_shape_init(&g[i], shapes[k]);
        ro_stream_seed(r, 3, 4, 5);
        ro_rv_gammas_one(&z, r, &g[0], one, N);
        const unsigned long after_one = gsl_rng_get(r);
        ro_stream_seed(r, 3, 4, 5);
        ro_rv_gammas(&z, r, g, many, N);
        assert_memory_equal(one, many, sizeof one);
        assert_int_equal(gsl_rng_get(r), after_one);
    }
    ro_stream_free(r);
}

/* The ziggurat as it was written first, the wedge test with both
 * exponentials: the sampler must draw exactly these numbers (its wedge test
 * takes one exponential where the outcome is clear, variates.c). */
static double unit_open_ref(uint64_t b) { return ((double)(b >> 12) + 0.5) * 0x1.0p-52; }
static double unit_signed_ref(uint64_t b)
{
    return ((double)(b >> 11) - 0x1.0p52 + 0.5) * 0x1.0p-52;
}

static double normal_ref(const ro_ziggurat *z, uint64_t s[4])
{
    uint64_t b = ro_xoshiro_next(s);
    unsigned i = b & (RO_ZIG_LAYERS - 1);
    double u = unit_signed_ref(b);
    for (;;) {
        if (fabs(u) < z->ratio[i])
            return u * z->x[i];
        if (i == 0) {
            double x, y;
            do {
                x = log(unit_open_ref(ro_xoshiro_next(s))) / z->x[1];
                y = log(unit_open_ref(ro_xoshiro_next(s)));
            } while (-2 * y < x * x);
            return u < 0 ? x - z->x[1] : z->x[1] - x;
        }
        const double x = u * z->x[i];
        const double f0 = exp(-0.5 * (z->x[i] * z->x[i] - x * x));
        const double f1 = exp(-0.5 * (z->x[i + 1] * z->x[i + 1] - x * x));
        if (f1 + unit_open_ref(ro_xoshiro_next(s)) * (f0 - f1) < 1.0)
            return x;
        b = ro_xoshiro_next(s);
        i = b & (RO_ZIG_LAYERS - 1);
        u = unit_signed_ref(b);
    }
}

static void test_wedge_test_decides_as_two_exponentials(void **state)
{
    (void)state;
    ro_ziggurat z;
    ro_ziggurat_init(&z);
    double *x = normals(21, N_NORMAL); /* ~110 000 wedge tests */
    gsl_rng *r = ro_stream_alloc();
    assert_non_null(r);
    ro_stream_seed(r, 21, 0, 0);
    uint64_t s[4];
    memcpy(s, ro_stream_words(r), sizeof s);
    for (size_t k = 0; k < N_NORMAL; k++) {
        const double want = normal_ref(&z, s);
        assert_memory_equal(&x[k], &want, sizeof want);
    }
    ro_stream_free(r);
    free(x);
}

/* ro_exp (model_vec.c), the exp the regional draws use, checked by the
 * exponential's defining identity rather than against libm (test_model
 * does that): exp(x) exp(-x) = 1. Each factor within a few units in the
 * last place makes the product within about 8 (2^-52 = 2.2e-16 each; 2
 * is seen); tolerance 10. A Taylor series cut two terms short (degree 11
 * instead of 13) leaves r^12/12! of relative error at |r| = ln2/2 in each
 * factor, which add: about 60 units. */
static void test_fast_exp_inverse_identity(void **state)
{
    (void)state;
    double worst = 0;
    for (double x = 0; x <= 40; x += 0.00731) {
        const double rel = fabs(ro_exp(x) * ro_exp(-x) - 1);
        worst = rel > worst ? rel : worst;
    }
    if (!(worst <= 10 * 2.2e-16))
        fail_msg("exp(x) exp(-x) off 1 by %.3g", worst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ziggurat_layers_have_equal_area),
        cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_normal_distribution_chi_square),
        cmocka_unit_test(test_normal_tail_frequency),
        cmocka_unit_test(test_gamma_shape_below_one),
        cmocka_unit_test(test_gamma_shape_one_and_above),
        cmocka_unit_test(test_batches_continue_the_stream),
        cmocka_unit_test(test_gammas_of_one_shape),
        cmocka_unit_test(test_wedge_test_decides_as_two_exponentials),
        cmocka_unit_test(test_fast_exp_inverse_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
