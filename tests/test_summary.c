/*
 * test_summary.c — ro_hist against GSL's batch statistics on the same
 * draws, exactness and order-independence of merging, and edge cases.
 */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "error.h"
#include "summary.h"
#include "testutil.h"

#define N_DRAWS 200000
#define NBINS 20000

/* N(0.52, 0.03) draws under a fixed seed, the shape of a run-off share. */
static double *normal_draws(size_t n, unsigned long seed, double mu, double sd)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, seed);
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++)
        x[i] = mu + gsl_ran_gaussian_ziggurat(rng, sd);
    gsl_rng_free(rng);
    return x;
}

static ro_hist *hist_of(const double *x, size_t from, size_t to, bool moments)
{
    ro_hist *h = ro_hist_alloc(0, 1, NBINS, moments);
    assert_non_null(h);
    for (size_t i = from; i < to; i++)
        ro_hist_add(h, x[i]);
    return h;
}

/* Each value is rounded to 2^-40 of the range (error <= 2^-41 ~ 4.5e-13),
 * so the exact-sum mean and sd differ from GSL's by that plus GSL's own
 * double rounding over 2e5 terms (~1e-14 relative): 1e-11 is ample. */
static void test_mean_sd_match_gsl_batch(void **state)
{
    (void)state;
    double *x = normal_draws(N_DRAWS, 11, 0.52, 0.03);
    ro_hist *h = hist_of(x, 0, N_DRAWS, true);
    assert_int_equal(ro_hist_count(h), N_DRAWS);
    assert_close(ro_hist_mean(h), gsl_stats_mean(x, 1, N_DRAWS), 1e-11);
    assert_close(ro_hist_sd(h), gsl_stats_sd(x, 1, N_DRAWS), 1e-11);
    assert_close(ro_hist_variance(h), gsl_stats_variance(x, 1, N_DRAWS), 1e-12);
    assert_true(ro_hist_min(h) == gsl_stats_min(x, 1, N_DRAWS));
    assert_true(ro_hist_max(h) == gsl_stats_max(x, 1, N_DRAWS));
    ro_hist_free(h);
    free(x);
}

/* A tiny spread far from lo: the centred variance must not cancel away.
 * sd 1e-6 at 0.9; quantisation 2^-41 per value gives ~1e-12 error. */
static void test_variance_small_spread_far_from_lo(void **state)
{
    (void)state;
    double *x = normal_draws(N_DRAWS, 12, 0.9, 1e-6);
    ro_hist *h = hist_of(x, 0, N_DRAWS, true);
    assert_close(ro_hist_sd(h), gsl_stats_sd(x, 1, N_DRAWS), 1e-11);
    assert_close(ro_hist_mean(h), gsl_stats_mean(x, 1, N_DRAWS), 1e-12);
    ro_hist_free(h);
    free(x);
}

/*
 * GSL's quantile interpolates the sorted values at rank k = q(n-1); ours
 * inverts the binned CDF at mass q*n. The two ranks differ by less than
 * one value, so the two answers lie in the same or adjacent bins and
 * differ by at most w * (1 + 1/c), c the count of our answer's bin.
 */
static void test_quantiles_within_one_bin_of_gsl(void **state)
{
    (void)state;
    double *x = normal_draws(N_DRAWS, 13, 0.52, 0.03);
    ro_hist *h = hist_of(x, 0, N_DRAWS, true);
    gsl_sort(x, 1, N_DRAWS);
    const double qs[] = {0.001, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.999};
    double w = ro_hist_bin_width(h);
    for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++) {
        double ours = ro_hist_quantile(h, qs[j]);
        size_t bin = (size_t)(ours / w);
        uint64_t c = ro_hist_bin_count(h, bin);
        if (c == 0 && bin > 0) /* exactly on an upper edge */
            c = ro_hist_bin_count(h, bin - 1);
        assert_true(c > 0);
        assert_close(ours, gsl_stats_quantile_from_sorted_data(x, 1, N_DRAWS, qs[j]),
                     w * (1 + 1.0 / (double)c));
    }
    ro_hist_free(h);
    free(x);
}

/* The binned CDF agrees with the empirical one at every bin edge and
 * differs inside a bin by at most that bin's mass. */
static void test_cdf_matches_empirical_within_bin_mass(void **state)
{
    (void)state;
    double *x = normal_draws(N_DRAWS, 14, 0.52, 0.03);
    ro_hist *h = hist_of(x, 0, N_DRAWS, false);
    gsl_sort(x, 1, N_DRAWS);
    double w = ro_hist_bin_width(h);
    for (double t = 0.40; t < 0.64; t += 0.0123) {
        size_t below = 0;
        while (below < N_DRAWS && x[below] <= t)
            below++;
        uint64_t c = ro_hist_bin_count(h, (size_t)(t / w));
        assert_close(ro_hist_cdf(h, t), (double)below / N_DRAWS, (double)c / N_DRAWS + 1e-15);
    }
    ro_hist_free(h);
    free(x);
}

static void test_cdf_inverts_quantile(void **state)
{
    (void)state;
    double *x = normal_draws(N_DRAWS, 15, 0.52, 0.03);
    ro_hist *h = hist_of(x, 0, N_DRAWS, false);
    for (double q = 0.01; q < 1; q += 0.01)
        assert_close(ro_hist_cdf(h, ro_hist_quantile(h, q)), q, 1e-12);
    ro_hist_free(h);
    free(x);
}

/* Every accessor, as bits, so "equal" means byte-identical output. */
static void assert_same_bits(const ro_hist *a, const ro_hist *b)
{
    assert_int_equal(ro_hist_count(a), ro_hist_count(b));
    for (size_t i = 0; i < ro_hist_nbins(a); i++)
        assert_int_equal(ro_hist_bin_count(a, i), ro_hist_bin_count(b, i));
    double va[8] = {ro_hist_mean(a), ro_hist_variance(a), ro_hist_min(a), ro_hist_max(a),
                    ro_hist_quantile(a, 0.05), ro_hist_quantile(a, 0.5),
                    ro_hist_quantile(a, 0.95), ro_hist_cdf(a, 0.5)};
    double vb[8] = {ro_hist_mean(b), ro_hist_variance(b), ro_hist_min(b), ro_hist_max(b),
                    ro_hist_quantile(b, 0.05), ro_hist_quantile(b, 0.5),
                    ro_hist_quantile(b, 0.95), ro_hist_cdf(b, 0.5)};
    assert_memory_equal(va, vb, sizeof va);
}

static void test_merge_halves_equals_one_pass(void **state)
{
    (void)state;
    double *x = normal_draws(N_DRAWS, 16, 0.52, 0.03);
    ro_hist *all = hist_of(x, 0, N_DRAWS, true);
    ro_hist *first = hist_of(x, 0, N_DRAWS / 2, true);
    ro_hist *second = hist_of(x, N_DRAWS / 2, N_DRAWS, true);
    assert_int_equal(ro_hist_merge(first, second), 0);
    assert_same_bits(first, all);
    ro_hist_free(all);
    ro_hist_free(first);
    ro_hist_free(second);
    free(x);
}

/* Three uneven parts merged in two different orders into empty
 * accumulators, as threads finishing in any order would be. */
static void test_merge_order_does_not_change_bits(void **state)
{
    (void)state;
    double *x = normal_draws(N_DRAWS, 17, 0.52, 0.03);
    ro_hist *p[3] = {hist_of(x, 0, 1234, true), hist_of(x, 1234, 150000, true),
                     hist_of(x, 150000, N_DRAWS, true)};
    ro_hist *fwd = ro_hist_alloc(0, 1, NBINS, true);
    ro_hist *rev = ro_hist_alloc(0, 1, NBINS, true);
    assert_non_null(fwd);
    assert_non_null(rev);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ro_hist_merge(fwd, p[i]), 0);
        assert_int_equal(ro_hist_merge(rev, p[2 - i]), 0);
    }
    assert_same_bits(fwd, rev);
    for (int i = 0; i < 3; i++)
        ro_hist_free(p[i]);
    ro_hist_free(fwd);
    ro_hist_free(rev);
    free(x);
}

static void test_merge_shape_mismatch_fails(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 100, true);
    ro_hist *others[4] = {ro_hist_alloc(0, 1, 101, true), ro_hist_alloc(-1, 1, 100, true),
                          ro_hist_alloc(0, 2, 100, true), ro_hist_alloc(0, 1, 100, false)};
    ro_hist_add(h, 0.25);
    for (int i = 0; i < 4; i++) {
        assert_non_null(others[i]);
        ro_hist_add(others[i], 0.5);
        assert_int_equal(ro_hist_merge(h, others[i]), -1);
        ro_hist_free(others[i]);
    }
    assert_int_equal(ro_hist_count(h), 1); /* untouched by the failed merges */
    assert_true(ro_hist_mean(h) == 0.25);
    ro_hist_free(h);
}

/* h's saved text, read back into an empty histogram of the same shape. */
static char *saved(const ro_hist *h, size_t *len)
{
    char *text = NULL;
    FILE *m = open_memstream(&text, len);
    assert_non_null(m);
    assert_int_equal(ro_hist_save(m, h), 0);
    fclose(m);
    return text;
}

/* What another process would do with a part: parts saved as text and
 * loaded back into one accumulator give the bits of one pass, moments,
 * min, max and under/overflow included. */
static void test_saved_parts_load_to_one_pass(void **state)
{
    (void)state;
    double *x = normal_draws(N_DRAWS, 18, 0.52, 0.03);
    x[7] = -0.5; /* an underflow and an overflow, so every field is non-zero */
    x[8] = 1.5;
    ro_hist *all = hist_of(x, 0, N_DRAWS, true);
    ro_hist *into = ro_hist_alloc(0, 1, NBINS, true);
    assert_non_null(into);
    const size_t cut[] = {0, 5, 99999, N_DRAWS};
    for (int k = 2; k >= 0; k--) {
        ro_hist *part = hist_of(x, cut[k], cut[k + 1], true);
        size_t len;
        char *text = saved(part, &len);
        FILE *m = fmemopen(text, len, "r");
        assert_int_equal(ro_hist_load_add(m, into), 0);
        fclose(m);
        free(text);
        ro_hist_free(part);
    }
    assert_same_bits(into, all);
    ro_hist_free(all);
    ro_hist_free(into);
    free(x);
}

/* A line of another shape, a damaged count and a cut line are refused,
 * and leave the histogram as it was. */
static void test_load_refuses_foreign_or_damaged_text(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 100, true), *other = ro_hist_alloc(0, 1, 101, true);
    assert_non_null(h);
    assert_non_null(other);
    ro_hist_add(h, 0.25);
    ro_hist_add(other, 0.5);
    ro_hist_add(other, 0.75);
    size_t len;
    char *text = saved(other, &len);
    FILE *m = fmemopen(text, len, "r");
    assert_int_equal(ro_hist_load_add(m, h), -1);
    fclose(m);
    free(text);

    ro_hist *same = ro_hist_alloc(0, 1, 100, true);
    ro_hist_add(same, 0.5);
    ro_hist_add(same, 0.75);
    text = saved(same, &len);
    char *last = strrchr(text, ':'); /* "75:1" becomes "75:2": 3 counts for n = 2 */
    last[1] = '2';
    m = fmemopen(text, len, "r");
    assert_int_equal(ro_hist_load_add(m, h), -1);
    fclose(m);
    last[1] = '1';
    m = fmemopen(text, len - 6, "r");
    assert_int_equal(ro_hist_load_add(m, h), -1);
    fclose(m);
    free(text);

    assert_int_equal(ro_hist_count(h), 1);
    assert_true(ro_hist_mean(h) == 0.25);
    ro_hist_free(h);
    ro_hist_free(other);
    ro_hist_free(same);
}

static void test_nan_is_ignored(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 10, true);
    ro_hist_add(h, 0.3);
    ro_hist_add(h, NAN);
    ro_hist_add(h, 0.5);
    assert_int_equal(ro_hist_count(h), 2);
    assert_close(ro_hist_mean(h), 0.4, 1e-12);
    assert_true(ro_hist_min(h) == 0.3);
    ro_hist_free(h);
}

/* Out-of-range values count, sit at lo / hi for quantiles and the CDF,
 * and are clamped for the moments; min and max keep the real values. */
static void test_under_and_overflow_are_counted(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 10, true);
    ro_hist_add(h, -0.5);
    ro_hist_add(h, 2.0);
    ro_hist_add(h, 0.55);
    ro_hist_add(h, 1.0); /* hi itself: last bin, not overflow */
    assert_int_equal(ro_hist_count(h), 4);
    assert_int_equal(ro_hist_bin_count(h, 5), 1);
    assert_int_equal(ro_hist_bin_count(h, 9), 1);
    assert_close(ro_hist_cdf(h, 0.0), 0.25, 1e-15);  /* the underflow mass */
    assert_close(ro_hist_cdf(h, 0.999), 0.5 + 0.25 * 0.99, 1e-12);
    assert_close(ro_hist_cdf(h, 1.0), 1.0, 0);
    assert_true(ro_hist_quantile(h, 0.1) == 0.0);
    assert_true(ro_hist_quantile(h, 0.95) == 1.0);
    assert_true(ro_hist_min(h) == -0.5);
    assert_true(ro_hist_max(h) == 2.0);
    assert_close(ro_hist_mean(h), (0 + 1 + 0.55 + 1) / 4.0, 1e-12);
    ro_hist_free(h);
}

static void test_quantile_interpolates_inside_a_bin(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 10, 10, false);
    for (int i = 0; i < 4; i++)
        ro_hist_add(h, 3.5); /* bin [3,4) */
    assert_close(ro_hist_quantile(h, 0.0), 3.0, 1e-15);
    assert_close(ro_hist_quantile(h, 0.25), 3.25, 1e-15);
    assert_close(ro_hist_quantile(h, 1.0), 4.0, 1e-15);
    assert_close(ro_hist_cdf(h, 3.75), 0.75, 1e-15);
    assert_close(ro_hist_cdf(h, 2.0), 0.0, 0);
    ro_hist_free(h);
}

static void test_empty_and_momentless(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(0, 1, 10, false);
    assert_true(isnan(ro_hist_mean(h)));
    assert_true(isnan(ro_hist_quantile(h, 0.5)));
    assert_true(isnan(ro_hist_cdf(h, 0.5)));
    assert_true(isnan(ro_hist_min(h)));
    ro_hist_add(h, 0.5);
    ro_hist_add(h, 0.7);
    assert_true(isnan(ro_hist_mean(h)));    /* no moments kept */
    assert_true(isnan(ro_hist_variance(h)));
    assert_false(isnan(ro_hist_quantile(h, 0.5)));
    ro_hist_reset(h);
    assert_int_equal(ro_hist_count(h), 0);
    assert_int_equal(ro_hist_bin_count(h, 5), 0);
    ro_hist_free(h);

    h = ro_hist_alloc(0, 1, 10, true);
    ro_hist_add(h, 0.5);
    assert_true(isnan(ro_hist_variance(h))); /* needs two values */
    ro_hist_free(h);
}

static void test_alloc_rejects_bad_shapes_and_failure(void **state)
{
    (void)state;
    assert_null(ro_hist_alloc(0, 1, 0, true));
    assert_null(ro_hist_alloc(1, 1, 10, true));
    assert_null(ro_hist_alloc(2, 1, 10, true));
    assert_null(ro_hist_alloc(NAN, 1, 10, true));
    assert_null(ro_hist_alloc(0, INFINITY, 10, true));
    assert_null(ro_hist_alloc(0, 1, SIZE_MAX / 4, true));
    ro_alloc_fail_after(0);
    assert_null(ro_hist_alloc(0, 1, 10, true));
    ro_alloc_fail_after(-1);
    ro_hist *h = ro_hist_alloc(0, 1, 10, true);
    assert_non_null(h);
    assert_true(ro_hist_lo(h) == 0 && ro_hist_hi(h) == 1 && ro_hist_nbins(h) == 10);
    assert_close(ro_hist_bin_width(h), 0.1, 1e-17);
    ro_hist_free(h);
    ro_hist_free(NULL);
}

static void test_mc_se_known_values(void **state)
{
    (void)state;
    assert_close(ro_mc_se(0.5, 100), 0.05, 1e-15);
    assert_close(ro_mc_se(0.9, 10000), 0.003, 1e-15);
    assert_close(ro_mc_se(0.0, 10), 0.0, 0);
    assert_true(isnan(ro_mc_se(0.5, 0)));
}

/* A histogram set must count exactly what one ro_hist per member would
 * (same bins, under/overflow, NAN ignored), count values above its
 * threshold exactly, and merge like the counts it holds; five members, so
 * both the four-at-a-time path and the remainder count, and a number of
 * draws that leaves adds deferred when the counts are read. */
static void test_hist_set_matches_single_histograms(void **state)
{
    (void)state;
    enum { N = 5, DRAWS = 20000, BINS = 100 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    ro_hist_set *a = ro_hist_set_alloc(N, 0.0, 1.0, BINS, 0.5);
    ro_hist_set *b = ro_hist_set_alloc(N, 0.0, 1.0, BINS, 0.5);
    ro_hist *single[N];
    uint64_t above[N] = {0};
    for (int i = 0; i < N; i++)
        single[i] = ro_hist_alloc(0.0, 1.0, BINS, false);
    double x[N];
    for (int d = 0; d < DRAWS; d++) {
        for (int i = 0; i < N; i++) {
            x[i] = 0.5 + 0.2 * (i - 2) + gsl_ran_gaussian(rng, 0.3); /* some outside [0,1] */
            if (d % 97 == i)
                x[i] = NAN; /* ignored */
            ro_hist_add(single[i], x[i]);
            above[i] += x[i] > 0.5;
        }
        ro_hist_set_add(d % 2 ? a : b, x);
    }
    assert_int_equal(ro_hist_set_merge(a, b), 0);
    for (int i = 0; i < N; i++) {
        ro_hist *h = ro_hist_alloc(0.0, 1.0, BINS, false);
        assert_int_equal(ro_hist_set_export(a, (size_t)i, h), 0);
        assert_true(ro_hist_count(h) == ro_hist_count(single[i]));
        for (size_t k = 0; k < BINS; k++)
            assert_true(ro_hist_bin_count(h, k) == ro_hist_bin_count(single[i], k));
        assert_true(ro_hist_quantile(h, 0.5) == ro_hist_quantile(single[i], 0.5));
        assert_true(ro_hist_set_above(a, (size_t)i) == above[i]);
        ro_hist_free(h);
        ro_hist_free(single[i]);
    }
    ro_hist_set *c = ro_hist_set_alloc(N, 0.0, 1.0, BINS, 0.4);
    assert_int_equal(ro_hist_set_merge(a, c), -1); /* another threshold */
    ro_hist_set_free(a);
    ro_hist_set_free(b);
    ro_hist_set_free(c);
    gsl_rng_free(rng);
}

/* h's whole state as text (ro_hist_save), for comparing bits. */
static char *state_of(const ro_hist *h)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(ro_hist_save(f, h), 0);
    fclose(f);
    return buf;
}

/* ro_hist_add_n must leave the very state ro_hist_add leaves, value by
 * value: counts, under/overflow, NAN ignored, min and max (0 and -0 in
 * either order), and the exact moments; over runs that are not multiples
 * of four or of its chunk, on ranges whose width is and is not a power of
 * two, with values at the edges, outside, infinite and NAN. */
static void test_add_n_matches_one_at_a_time(void **state)
{
    (void)state;
    enum { N = 5003 };
    static const double range[][2] = {{0, 1}, {-1, 1}, {0.1, 0.7}};
    static const size_t runs[] = {1, 3, 4, 7, 1000, 1025, 2100};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    double *x = malloc(N * sizeof *x);
    assert_non_null(x);
    for (size_t c = 0; c < sizeof range / sizeof range[0]; c++) {
        const double lo = range[c][0], hi = range[c][1];
        for (size_t i = 0; i < N; i++) {
            x[i] = lo + (hi - lo) * (gsl_ran_gaussian(rng, 0.4) + 0.5);
            switch (gsl_rng_uniform_int(rng, 40)) {
            case 0: x[i] = NAN; break;
            case 1: x[i] = lo; break;
            case 2: x[i] = hi; break;
            case 3: x[i] = INFINITY; break;
            case 4: x[i] = -INFINITY; break;
            case 5: x[i] = 0.0; break;
            case 6: x[i] = -0.0; break;
            default: break;
            }
        }
        for (int moments = 0; moments < 2; moments++) {
            ro_hist *one = ro_hist_alloc(lo, hi, 997, moments);
            ro_hist *many = ro_hist_alloc(lo, hi, 997, moments);
            assert_non_null(one);
            assert_non_null(many);
            size_t at = 0;
            for (size_t k = 0; at < N; k++) {
                size_t len = runs[k % (sizeof runs / sizeof runs[0])];
                len = len < N - at ? len : N - at;
                for (size_t i = at; i < at + len; i++)
                    ro_hist_add(one, x[i]);
                ro_hist_add_n(many, x + at, len);
                at += len;
                char *a = state_of(one), *b = state_of(many);
                assert_string_equal(a, b);
                free(a);
                free(b);
            }
            ro_hist_free(one);
            ro_hist_free(many);
        }
    }
    /* a run of zeros of both signs: the first one is the minimum and maximum */
    static const double zeros[][8] = {{0.5, -0.0, 0.0, 0.5, 0.5, 0.0, -0.0, 0.5},
                                      {0.5, 0.0, -0.0, 0.5, 0.5, -0.0, 0.0, 0.5}};
    for (int z = 0; z < 2; z++) {
        ro_hist *one = ro_hist_alloc(-1, 1, 10, true), *many = ro_hist_alloc(-1, 1, 10, true);
        for (int i = 0; i < 8; i++)
            ro_hist_add(one, zeros[z][i]);
        ro_hist_add_n(many, zeros[z], 8);
        assert_true(signbit(ro_hist_min(one)) == signbit(ro_hist_min(many)));
        assert_true(signbit(ro_hist_max(one)) == signbit(ro_hist_max(many)));
        assert_true(signbit(ro_hist_min(many)) == (z == 0));
        ro_hist_free(one);
        ro_hist_free(many);
    }
    free(x);
    gsl_rng_free(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_sd_match_gsl_batch),
        cmocka_unit_test(test_variance_small_spread_far_from_lo),
        cmocka_unit_test(test_quantiles_within_one_bin_of_gsl),
        cmocka_unit_test(test_cdf_matches_empirical_within_bin_mass),
        cmocka_unit_test(test_cdf_inverts_quantile),
        cmocka_unit_test(test_merge_halves_equals_one_pass),
        cmocka_unit_test(test_merge_order_does_not_change_bits),
        cmocka_unit_test(test_merge_shape_mismatch_fails),
        cmocka_unit_test(test_saved_parts_load_to_one_pass),
        cmocka_unit_test(test_load_refuses_foreign_or_damaged_text),
        cmocka_unit_test(test_nan_is_ignored),
        cmocka_unit_test(test_under_and_overflow_are_counted),
        cmocka_unit_test(test_quantile_interpolates_inside_a_bin),
        cmocka_unit_test(test_empty_and_momentless),
        cmocka_unit_test(test_alloc_rejects_bad_shapes_and_failure),
        cmocka_unit_test(test_mc_se_known_values),
        cmocka_unit_test(test_hist_set_matches_single_histograms),
        cmocka_unit_test(test_add_n_matches_one_at_a_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
