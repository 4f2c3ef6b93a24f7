/*
 * test_sim.c — the simulation driver (sim.c) seen from the public API:
 * reproducibility across thread counts, streaming summaries against GSL's
 * batch statistics on the same draws, draws against the documented laws
 * (the turnout's Beta, the Student-t error's variance, an exact tie), and
 * every allocation failure of the driver, the model and the writers.
 *
 * Scenarios are the loader's test files (tests/data/good/) and the default
 * scenario, loaded through runoff_scenario_load like the CLI does. The
 * result's accumulators are read through engine/sim.h so that "identical"
 * means every bin of every histogram, not only what a writer prints.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "allocfail.h"
#include "model.h"
#include "runoff.h"
#include "sim.h"
#include "summary.h"
#include "testutil.h"

#define NATIONAL "tests/data/good/national.yaml"
#define REGIONS "tests/data/good/regions.yaml"
#define DEFAULT_SCENARIO "scenarios/fr-2022-runoff.yaml"

static runoff_scenario *load(const char *path, const char *const *sets, size_t n_sets)
{
    ro_alloc_fail_after(-1); /* in case a failed test left the hook armed */
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(path, sets, n_sets, &err);
    if (s == NULL) {
        char buf[2048];
        print_error("%s\n", runoff_error_format(&err, buf, sizeof buf));
        fail();
    }
    return s;
}

static runoff_result *simulate(const runoff_scenario *s, const runoff_sim_options *opt)
{
    runoff_error err = {0};
    runoff_result *r = runoff_simulate(s, opt, &err);
    if (r == NULL) {
        print_error("runoff_simulate: %s\n", err.message);
        fail();
    }
    return r;
}

/* Every writer's output, concatenated, in memory. */
static char *write_all(const runoff_scenario *s, const runoff_result *r, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(runoff_write_report(f, s, r), 0);
    assert_int_equal(runoff_write_csv(f, s, r), 0);
    assert_int_equal(runoff_write_histogram_csv(f, s, r), 0);
    assert_int_equal(runoff_write_regions_csv(f, s, r), 0);
    assert_int_equal(runoff_write_json(f, s, r), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void assert_same_bits(double a, double b, const char *what)
{
    if (memcmp(&a, &b, sizeof a) != 0) {
        print_error("%s: %.17g vs %.17g\n", what, a, b);
        fail();
    }
}

/* Two histograms hold the same accumulators: shape, every bin count and
 * every derived moment, bit for bit. Both NULL is equal. */
static void assert_same_hist(const ro_hist *a, const ro_hist *b, const char *what)
{
    if (a == NULL || b == NULL) {
        assert_true(a == NULL && b == NULL);
        return;
    }
    assert_int_equal(ro_hist_nbins(a), ro_hist_nbins(b));
    assert_same_bits(ro_hist_lo(a), ro_hist_lo(b), what);
    assert_same_bits(ro_hist_hi(a), ro_hist_hi(b), what);
    assert_int_equal(ro_hist_count(a), ro_hist_count(b));
    for (size_t i = 0; i < ro_hist_nbins(a); i++)
        if (ro_hist_bin_count(a, i) != ro_hist_bin_count(b, i)) {
            print_error("%s: bin %zu holds %llu vs %llu\n", what, i,
                        (unsigned long long)ro_hist_bin_count(a, i),
                        (unsigned long long)ro_hist_bin_count(b, i));
            fail();
        }
    assert_same_bits(ro_hist_mean(a), ro_hist_mean(b), what);
    assert_same_bits(ro_hist_variance(a), ro_hist_variance(b), what);
    assert_same_bits(ro_hist_min(a), ro_hist_min(b), what);
    assert_same_bits(ro_hist_max(a), ro_hist_max(b), what);
}

/* Every accumulator of two results, then every writer's bytes. The thread
 * count and the poll-average copy are not accumulators and are skipped
 * (the writers print neither the thread count nor anything that could
 * differ in the average: both come from the same scenario). */
static void assert_same_result(const runoff_scenario *s, const runoff_result *a,
                               const runoff_result *b)
{
    assert_int_equal(a->draws, b->draws);
    assert_int_equal(a->seed, b->seed);
    assert_int_equal(a->wins[0], b->wins[0]);
    assert_int_equal(a->wins[1], b->wins[1]);
    assert_int_equal(a->ties, b->ties);
    assert_int_equal(a->has_turnout, b->has_turnout);
    assert_int_equal(a->has_votes, b->has_votes);
    assert_same_bits(a->registered, b->registered, "registered");
    assert_int_equal(a->n_regions, b->n_regions);
    assert_same_hist(a->share_a, b->share_a, "share_a");
    assert_same_hist(a->turnout, b->turnout, "turnout");
    assert_same_hist(a->blank_null, b->blank_null, "blank_null");
    assert_same_hist(a->margin, b->margin, "margin");
    assert_same_hist(a->regions_a, b->regions_a, "regions_a");
    for (size_t i = 0; i < a->n_regions; i++) {
        assert_same_hist(a->region_share[i], b->region_share[i], "region_share");
        assert_int_equal(a->region_wins_a[i], b->region_wins_a[i]);
    }
    /* The public accessors, as a program without sim.h sees the result. */
    assert_int_equal(runoff_result_draws(a), runoff_result_draws(b));
    for (int f = 0; f < 2; f++)
        assert_same_bits(runoff_result_win_probability(a, f),
                         runoff_result_win_probability(b, f), "win probability");
    for (double q = 0.0; q <= 1.0; q += 0.125)
        assert_same_bits(runoff_result_share_quantile(a, q), runoff_result_share_quantile(b, q),
                         "share quantile");

    size_t len_a, len_b;
    char *out_a = write_all(s, a, &len_a), *out_b = write_all(s, b, &len_b);
    assert_int_equal(len_a, len_b);
    assert_memory_equal(out_a, out_b, len_a);
    free(out_a);
    free(out_b);
}

/* ------------------------------------------------ threads and blocks */

/* Run s with each thread count in threads[] and compare every result with
 * the first. Sizes are chosen so there are several blocks per thread and
 * a last, partial block. */
static void check_thread_counts(const runoff_scenario *s, uint64_t draws,
                                const unsigned *threads, size_t n)
{
    runoff_sim_options opt = {.threads = threads[0], .draws = draws};
    runoff_result *ref = simulate(s, &opt);
    assert_int_equal(runoff_result_draws(ref), draws);
    for (size_t k = 1; k < n; k++) {
        opt.threads = threads[k];
        runoff_result *r = simulate(s, &opt);
        assert_same_result(s, ref, r);
        runoff_result_free(r);
    }
    runoff_result_free(ref);
}

static void test_one_and_two_threads_give_identical_results_regional(void **state)
{
    (void)state;
    /* block_size 500 in the file: 5300 draws are 10 full blocks and one of
     * 300, handed out to the threads in whatever order they ask. */
    runoff_scenario *s = load(REGIONS, NULL, 0);
    static const unsigned threads[] = {1, 2, 3, 8};
    check_thread_counts(s, 5300, threads, 4);
    runoff_scenario_free(s);
}

static void test_one_and_two_threads_give_identical_results_national(void **state)
{
    (void)state;
    static const char *const sets[] = {"simulation.block_size=1000",
                                       "polling_error.distribution=student_t",
                                       "polling_error.df=4", "election.registered=1000000",
                                       "turnout.mean=70", "turnout.sd=3"};
    runoff_scenario *s = load(NATIONAL, sets, 6);
    static const unsigned threads[] = {1, 2};
    check_thread_counts(s, 20500, threads, 2);
    runoff_scenario_free(s);
}

static void test_one_and_two_threads_give_identical_results_default_scenario(void **state)
{
    (void)state;
    static const char *const sets[] = {"simulation.block_size=1500"};
    runoff_scenario *s = load(DEFAULT_SCENARIO, sets, 1);
    static const unsigned threads[] = {1, 2};
    check_thread_counts(s, 12000, threads, 2);
    runoff_scenario_free(s);
}

/* ------------------------------------------------- draws vs summaries */

typedef struct {
    size_t n, cap, n_regions;
    uint64_t next_index;
    int out_of_order;
    double *share, *turnout, *blank_null, *margin, *winner;
    double *region;               /* [n_regions][cap], region-major */
    double registered;
} draw_log;

static int log_draw(void *ctx, const runoff_draw *draw)
{
    draw_log *d = ctx;
    if (draw->index != d->next_index++ || d->n == d->cap)
        d->out_of_order = 1;
    if (d->out_of_order)
        return 0;
    d->share[d->n] = draw->share_a;
    d->turnout[d->n] = draw->turnout;
    d->blank_null[d->n] = draw->blank_null;
    d->margin[d->n] = (draw->votes_a - draw->votes_b) / d->registered;
    d->winner[d->n] = draw->winner;
    if (draw->n_regions != d->n_regions)
        d->out_of_order = 1;
    for (size_t i = 0; i < d->n_regions && i < draw->n_regions; i++)
        d->region[i * d->cap + d->n] = draw->region_share_a[i];
    d->n++;
    return 0;
}

static void draw_log_alloc(draw_log *d, size_t cap, size_t n_regions, double registered)
{
    *d = (draw_log){.cap = cap, .n_regions = n_regions, .registered = registered};
    d->share = calloc(cap, sizeof(double));
    d->turnout = calloc(cap, sizeof(double));
    d->blank_null = calloc(cap, sizeof(double));
    d->margin = calloc(cap, sizeof(double));
    d->winner = calloc(cap, sizeof(double));
    d->region = calloc(cap * (n_regions ? n_regions : 1), sizeof(double));
    assert_true(d->share && d->turnout && d->blank_null && d->margin && d->winner &&
                d->region);
}

static void draw_log_free(draw_log *d)
{
    free(d->share);
    free(d->turnout);
    free(d->blank_null);
    free(d->margin);
    free(d->winner);
    free(d->region);
}

/* ------------------------------------- draws against the documented laws */

/* n draws of s on the per-draw path, logged into d (freed by the caller). */
static void log_draws(const runoff_scenario *s, size_t n, draw_log *d)
{
    draw_log_alloc(d, n, s->n_regions, 1);
    runoff_sim_options opt = {.threads = 1, .draws = n, .on_draw = log_draw, .on_draw_ctx = d};
    runoff_result_free(simulate(s, &opt));
    assert_false(d->out_of_order);
    assert_int_equal(d->n, n);
}

/* The sample variance of x[0..n) and its standard error, from the sample's
 * own fourth central moment: se^2 = (m4 - var^2) / n. */
static double variance_and_se(const double *x, size_t n, double *se)
{
    const double mean = gsl_stats_mean(x, 1, n), var = gsl_stats_variance_m(x, 1, n, mean);
    double m4 = 0;
    for (size_t i = 0; i < n; i++)
        m4 += pow(x[i] - mean, 4) / (double)n;
    *se = sqrt((m4 - var * var) / (double)n);
    return var;
}

/* docs/model.md §3: a national-only turnout is Beta with the scenario's
 * mean and sd (kappa = m(1 - m)/s^2 - 1). At (60 %, 15 points), 200 000
 * draws: the mean within 4 standard errors (s/sqrt(n)), the variance
 * within 4 of its own (from the fourth moment): a false alarm about 6e-5
 * per check, seed fixed. Dropping the -1 leaves the variance 8.6 % low
 * (about 30 standard errors), a doubled sd quadruples it. Checked here on
 * the public per-draw path; test_model checks the model's sampler. */
static void test_turnout_draws_have_the_scenario_moments(void **state)
{
    (void)state;
    static const char *const sets[] = {"turnout.mean=60", "turnout.sd=15"};
    runoff_scenario *s = load(NATIONAL, sets, 2);
    const size_t n = 200000;
    draw_log d;
    log_draws(s, n, &d);
    double se;
    const double var = variance_and_se(d.turnout, n, &se);
    assert_close(gsl_stats_mean(d.turnout, 1, n), 0.60, 4 * 0.15 / sqrt((double)n));
    assert_close(var, 0.15 * 0.15, 4 * se);
    draw_log_free(&d);
    runoff_scenario_free(s);
}

/* docs/model.md §2: the systematic error is scale D with Var D = 1 for
 * the normal and for the Student-t alike, so the share's variance (the
 * polling average's sd^2 plus scale^2) is the same under both. scale 5
 * points, df 10, 400 000 draws each (the bounded map never bites: the
 * share stays within 0.02 of 0 and 1 except beyond 9 sds). Tolerance: 4
 * standard errors of the difference, each variance's from its fourth
 * moment (a false alarm about 6e-5; the same seed makes the two samples
 * positively correlated, which only narrows the true spread). A t drawn
 * with X ~ chi^2(2 df), or read as Z sqrt((df - 2)/(X/2)), has Var D of
 * 0.44 or 2. Checked on the public path; test_model checks the sampler. */
static void test_student_t_error_has_the_normal_variance(void **state)
{
    (void)state;
    static const char *const normal[] = {"polling_error.scale=5",
                                         "polling_error.distribution=normal"};
    static const char *const student[] = {"polling_error.scale=5",
                                          "polling_error.distribution=student_t",
                                          "polling_error.df=10"};
    const size_t n = 400000;
    double var[2], se[2];
    for (int k = 0; k < 2; k++) {
        runoff_scenario *s = k ? load(NATIONAL, student, 3) : load(NATIONAL, normal, 2);
        draw_log d;
        log_draws(s, n, &d);
        var[k] = variance_and_se(d.share, n, &se[k]);
        draw_log_free(&d);
        runoff_scenario_free(s);
    }
    assert_close(var[1], var[0], 4 * sqrt(se[0] * se[0] + se[1] * se[1]));
}

/* A share of exactly one half has no winner (runoff_draw.winner = -1),
 * in every draw and in the result: finalists' own voters only, in equal
 * numbers, rows fixed and no regional error, so every region and the
 * nation split exactly 1/2 (blend: transfers, no swing). */
static void test_exact_tie_has_no_winner_end_to_end(void **state)
{
    (void)state;
    static const char text[] =
        "election: {name: tie, date: 2030-05-05, finalists: [{id: a, name: A}, {id: b, name: B}]}\n"
        "blend: {mode: transfers}\n"
        "first_round:\n  options: [{id: a}, {id: b}]\n  regions:\n"
        "    - {code: r1, registered: 200, votes: {a: 100, b: 100}}\n"
        "    - {code: r2, registered: 600, votes: {a: 300, b: 300}}\n"
        "transfers:\n  rows:\n"
        "    - {option: a, shares: {a: 100, b: 0, none: 0}}\n"
        "    - {option: b, shares: {a: 0, b: 100, none: 0}}\n";
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load_buffer("tie.yaml", text, sizeof text - 1, NULL, 0, &err);
    if (s == NULL)
        fail_msg("%s", err.message);
    draw_log d;
    log_draws(s, 100, &d);
    for (size_t i = 0; i < d.n; i++) {
        assert_true(d.share[i] == 0.5);
        assert_true(d.winner[i] == -1);
    }
    draw_log_free(&d);
    runoff_sim_options opt = {.threads = 1, .draws = 100};
    runoff_result *r = simulate(s, &opt);
    assert_true(runoff_result_tie_probability(r) == 1);
    assert_true(runoff_result_win_probability(r, 0) == 0 && runoff_result_win_probability(r, 1) == 0);
    runoff_result_free(r);
    runoff_scenario_free(s);
}

/* RFC 8259 §7: a JSON string holds no raw byte below 0x20. A scenario
 * name with every such byte but NUL and the newline (which the writer's
 * own layout uses between members), through a simulation and the JSON
 * writer: none is left raw, and the last, 0x1F, is written \u001f. */
static void test_json_has_no_raw_control_bytes(void **state)
{
    (void)state;
    runoff_scenario *s = load(NATIONAL, NULL, 0);
    size_t n = 0;
    for (int c = 1; c < 0x20; c++)
        if (c != '\n')
            s->name[n++] = (char)c;
    s->name[n] = '\0';
    runoff_sim_options opt = {.threads = 1, .draws = 100};
    runoff_result *r = simulate(s, &opt);
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    assert_non_null(f);
    assert_int_equal(runoff_write_json(f, s, r), 0);
    assert_int_equal(fclose(f), 0);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)json[i] < 0x20 && json[i] != '\n')
            fail_msg("raw byte 0x%02x at offset %zu of the JSON", (unsigned char)json[i], i);
    assert_non_null(strstr(json, "\\u001f"));
    free(json);
    runoff_result_free(r);
    runoff_scenario_free(s);
}

static const double quantile_levels[] = {0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975};
#define N_LEVELS (sizeof quantile_levels / sizeof quantile_levels[0])

/* The streaming histogram h against GSL's batch statistics of the same n
 * values x (sorted in place).
 * Mean and sd: the histogram sums values in 2^-40 fixed point, so each
 * value is off by at most 2^-41 ~ 4.5e-13 and the mean by as much; the
 * sample variance (S2 - S1^2/n)/(n-1) inherits ~1e-12 from S2 and the sd
 * sqrt(var) ~1e-12 / (2 sd) ~ 1e-10 for an sd of 0.005 and more: 1e-10
 * covers it, and a real bug (a lost draw, a mis-merged block) moves the
 * mean by ~1e-5 or more. Min and max are kept as the values themselves
 * (test_summary.c) through threads and merges, so they equal the batch's
 * exactly (a min read off the bins, a bin edge, would be up to a bin
 * width off). Quantiles: the histogram interpolates inside the bin
 * holding the q-th value, GSL between neighbouring order statistics
 * that are ~1e-6 apart here, so both lie in or at the edge of one bin:
 * one bin width. */
static void assert_hist_matches_gsl(const ro_hist *h, double *x, size_t n, bool moments,
                                    const char *what)
{
    assert_non_null(h);
    assert_int_equal(ro_hist_count(h), n);
    gsl_sort(x, 1, n);
    if (moments) {
        assert_close(ro_hist_mean(h), gsl_stats_mean(x, 1, n), 1e-10);
        assert_close(ro_hist_sd(h), gsl_stats_sd(x, 1, n), 1e-10);
        assert_close(ro_hist_min(h), x[0], 0);
        assert_close(ro_hist_max(h), x[n - 1], 0);
    }
    for (size_t k = 0; k < N_LEVELS; k++) {
        double q = quantile_levels[k];
        double expected = gsl_stats_quantile_from_sorted_data(x, 1, n, q);
        double got = ro_hist_quantile(h, q);
        if (!(fabs(got - expected) <= ro_hist_bin_width(h))) {
            print_error("%s: quantile %g is %.10g, GSL %.10g (bin width %g)\n", what, q, got,
                        expected, ro_hist_bin_width(h));
            fail();
        }
    }
}

/* The value of statistic,subject in the tidy CSV; NAN if absent. */
static double csv_stat(const char *csv, const char *statistic, const char *subject)
{
    char key[256];
    snprintf(key, sizeof key, "\n%s,%s,", statistic, subject);
    const char *p = strstr(csv, key);
    return p != NULL ? strtod(p + strlen(key), NULL) : NAN;
}

static void check_summaries_against_gsl(const runoff_scenario *s, uint64_t draws)
{
    size_t n_regions = 0;
    {
        runoff_error err = {0};
        ro_model *m = ro_model_alloc(s, &err);
        assert_non_null(m);
        n_regions = ro_model_n_regions(m);
        ro_model_free(m);
    }
    draw_log d;
    runoff_sim_options opt = {.draws = draws, .on_draw = log_draw, .on_draw_ctx = &d};
    /* registered is only known after the run; log the vote difference and
     * divide afterwards. */
    draw_log_alloc(&d, draws, n_regions, 1.0);
    runoff_result *r = simulate(s, &opt);
    assert_false(d.out_of_order);
    assert_int_equal(d.n, draws);
    assert_int_equal(runoff_result_draws(r), draws);

    uint64_t wins_a = 0, wins_b = 0;
    for (size_t i = 0; i < d.n; i++) {
        wins_a += d.winner[i] == 0;
        wins_b += d.winner[i] == 1;
    }
    assert_int_equal(r->wins[0], wins_a);
    assert_int_equal(r->wins[1], wins_b);

    /* The CSV, parsed back, before the arrays are sorted. */
    size_t len;
    char *csv = NULL;
    FILE *f = open_memstream(&csv, &len);
    assert_non_null(f);
    assert_int_equal(runoff_write_csv(f, s, r), 0);
    assert_int_equal(fclose(f), 0);
    const char *a = runoff_scenario_finalist_id(s, 0);
    double w = ro_hist_bin_width(r->share_a);
    gsl_sort(d.share, 1, d.n);
    assert_close(csv_stat(csv, "share_mean", a), gsl_stats_mean(d.share, 1, d.n), 1e-10);
    assert_close(csv_stat(csv, "share_sd", a), gsl_stats_sd(d.share, 1, d.n), 1e-10);
    for (size_t k = 0; k < N_LEVELS; k++) {
        char name[64];
        snprintf(name, sizeof name, "share_quantile_%g", quantile_levels[k]);
        double expected = gsl_stats_quantile_from_sorted_data(d.share, 1, d.n,
                                                              quantile_levels[k]);
        assert_close(csv_stat(csv, name, a), expected, w);
        assert_close(runoff_result_share_quantile(r, quantile_levels[k]), expected, w);
    }
    free(csv);

    assert_hist_matches_gsl(r->share_a, d.share, d.n, true, "share_a");
    if (r->has_turnout)
        assert_hist_matches_gsl(r->turnout, d.turnout, d.n, true, "turnout");
    if (r->blank_null != NULL)
        assert_hist_matches_gsl(r->blank_null, d.blank_null, d.n, true, "blank_null");
    if (r->margin != NULL) {
        for (size_t i = 0; i < d.n; i++)
            d.margin[i] /= r->registered;
        assert_hist_matches_gsl(r->margin, d.margin, d.n, true, "margin");
    }
    assert_int_equal(r->n_regions, n_regions);
    for (size_t i = 0; i < n_regions; i++) {
        uint64_t carried = 0;
        for (size_t k = 0; k < d.n; k++)
            carried += d.region[i * d.cap + k] > 0.5;
        assert_int_equal(r->region_wins_a[i], carried);
        assert_hist_matches_gsl(r->region_share[i], d.region + i * d.cap, d.n, false,
                                "region share");
    }
    runoff_result_free(r);
    draw_log_free(&d);
}

static void test_streaming_summaries_equal_gsl_batch_regional(void **state)
{
    (void)state;
    runoff_scenario *s = load(REGIONS, NULL, 0);
    check_summaries_against_gsl(s, 20000);
    runoff_scenario_free(s);
}

static void test_streaming_summaries_equal_gsl_batch_national_with_turnout(void **state)
{
    (void)state;
    static const char *const sets[] = {"election.registered=1000000", "turnout.mean=70",
                                       "turnout.sd=3"};
    runoff_scenario *s = load(NATIONAL, sets, 3);
    check_summaries_against_gsl(s, 20000);
    runoff_scenario_free(s);
}

/* The per-draw path (one thread, callback in draw order) must not change
 * the summaries: same draws, same accumulators. */
static int ignore_draw(void *ctx, const runoff_draw *draw)
{
    (void)ctx, (void)draw;
    return 0;
}

static void test_on_draw_path_equals_threaded_path(void **state)
{
    (void)state;
    runoff_scenario *s = load(REGIONS, NULL, 0);
    runoff_sim_options opt = {.threads = 2, .draws = 3100};
    runoff_result *threaded = simulate(s, &opt);
    opt.on_draw = ignore_draw;
    runoff_result *inline_run = simulate(s, &opt);
    assert_same_result(s, threaded, inline_run);
    runoff_result_free(threaded);
    runoff_result_free(inline_run);
    runoff_scenario_free(s);
}

/* ------------------------------------------------ allocation failures */

typedef struct {
    const runoff_scenario *s;
    runoff_sim_options opt;
    const char *expected;  /* every writer's bytes from a run without failures */
    size_t expected_len;
} sim_case;

/* A run that survives must be the run without failures: a failure must
 * not leave state behind that changes the next run. */
static int attempt_simulate(void *ctx, runoff_error *err)
{
    sim_case *c = ctx;
    runoff_result *r = runoff_simulate(c->s, &c->opt, err);
    ro_alloc_fail_after(-1); /* the checks below allocate */
    if (r == NULL)
        return 0;
    size_t len;
    char *out = write_all(c->s, r, &len);
    assert_int_equal(len, c->expected_len);
    assert_memory_equal(out, c->expected, len);
    free(out);
    runoff_result_free(r);
    return 1;
}

static void check_simulate_failures(const char *path, runoff_sim_options opt)
{
    runoff_scenario *s = load(path, NULL, 0);
    sim_case c = {.s = s, .opt = opt};
    runoff_result *ref = simulate(s, &opt);
    char *expected = write_all(s, ref, &c.expected_len);
    c.expected = expected;
    runoff_result_free(ref);
    assert_true(alloc_failure_loop(attempt_simulate, &c) > 0);
    free(expected);
    runoff_scenario_free(s);
}

static void test_simulate_allocation_failures_threaded_regional(void **state)
{
    (void)state;
    /* Two workers, each allocating its workspace and partial result. */
    check_simulate_failures(REGIONS, (runoff_sim_options){.threads = 2, .draws = 1200});
}

static void test_simulate_allocation_failures_one_thread_national(void **state)
{
    (void)state;
    check_simulate_failures(NATIONAL, (runoff_sim_options){.threads = 1, .draws = 500});
}

static void test_simulate_allocation_failures_on_draw_path(void **state)
{
    (void)state;
    check_simulate_failures(REGIONS,
                            (runoff_sim_options){.draws = 300, .on_draw = ignore_draw});
}

static int attempt_model(void *ctx, runoff_error *err)
{
    ro_model *m = ro_model_alloc(ctx, err);
    if (m == NULL)
        return 0;
    ro_model_free(m);
    return 1;
}

static int attempt_workspace(void *ctx, runoff_error *err)
{
    ro_workspace *w = ro_workspace_alloc(ctx);
    if (w == NULL) {
        /* ro_workspace_alloc has no error record: NULL means no memory. */
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        return 0;
    }
    ro_workspace_free(w);
    return 1;
}

static void test_model_and_workspace_allocation_failures(void **state)
{
    (void)state;
    static const char *const paths[] = {NATIONAL, REGIONS, DEFAULT_SCENARIO};
    for (size_t k = 0; k < 3; k++) {
        runoff_scenario *s = load(paths[k], NULL, 0);
        assert_true(alloc_failure_loop(attempt_model, s) > 0);
        runoff_error err = {0};
        ro_model *m = ro_model_alloc(s, &err);
        assert_non_null(m);
        assert_true(alloc_failure_loop(attempt_workspace, m) > 0);
        ro_model_free(m);
        runoff_scenario_free(s);
    }
}

typedef int (*writer_fn)(FILE *, const runoff_scenario *, const runoff_result *);

typedef struct {
    writer_fn write;
    const runoff_scenario *s;
    const runoff_result *r;
} writer_case;

/* A writer fails with errno ENOMEM; translate for the loop. */
static int attempt_writer(void *ctx, runoff_error *err)
{
    writer_case *c = ctx;
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    errno = 0;
    int rc = c->write(f, c->s, c->r);
    int e = errno;
    fclose(f);
    if (rc == 0)
        return 1;
    if (e == ENOMEM)
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
    else
        ro_error_set(err, RUNOFF_ERUNTIME, NULL, 0, 0, "writer failed: %s", strerror(e));
    return 0;
}

static void test_writers_allocation_failures(void **state)
{
    (void)state;
    static const writer_fn writers[] = {runoff_write_report, runoff_write_csv,
                                        runoff_write_histogram_csv, runoff_write_regions_csv,
                                        runoff_write_json};
    runoff_scenario *s = load(DEFAULT_SCENARIO, NULL, 0);
    runoff_sim_options opt = {.threads = 2, .draws = 2000};
    runoff_result *r = simulate(s, &opt);
    for (size_t k = 0; k < sizeof writers / sizeof writers[0]; k++) {
        writer_case c = {writers[k], s, r};
        /* Writers that allocate nothing succeed at once (0 failures). */
        assert_true(alloc_failure_loop(attempt_writer, &c) >= 0);
    }
    /* The report ranks regions in an allocated table: it must fail. */
    writer_case c = {runoff_write_report, s, r};
    assert_true(alloc_failure_loop(attempt_writer, &c) > 0);
    runoff_result_free(r);
    runoff_scenario_free(s);
}

/* A scenario with actual.shares and actual.regions gets the conditional
 * regional pass, unless the caller skips it; skipping changes nothing else
 * (the same national histogram, bin for bin). */
static void test_conditional_pass_can_be_skipped(void **state)
{
    (void)state;
    runoff_scenario *s = load("tests/data/cli/regional.yaml", NULL, 0);
    runoff_sim_options opt = {.threads = 2, .draws = 4000};
    runoff_result *with = simulate(s, &opt);
    opt.skip_conditional = 1;
    runoff_result *without = simulate(s, &opt);
    assert_non_null(with->conditional);
    assert_null(without->conditional);
    for (double q = 0.05; q < 1; q += 0.15)
        assert_true(runoff_result_share_quantile(with, q) ==
                    runoff_result_share_quantile(without, q));
    for (size_t i = 0; i < with->n_regions; i++)
        assert_true(ro_hist_quantile(with->region_share[i], 0.5) ==
                    ro_hist_quantile(without->region_share[i], 0.5));
    runoff_result_free(with);
    runoff_result_free(without);
    runoff_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_and_two_threads_give_identical_results_regional),
        cmocka_unit_test(test_one_and_two_threads_give_identical_results_national),
        cmocka_unit_test(test_one_and_two_threads_give_identical_results_default_scenario),
        cmocka_unit_test(test_streaming_summaries_equal_gsl_batch_regional),
        cmocka_unit_test(test_streaming_summaries_equal_gsl_batch_national_with_turnout),
        cmocka_unit_test(test_on_draw_path_equals_threaded_path),
        cmocka_unit_test(test_turnout_draws_have_the_scenario_moments),
        cmocka_unit_test(test_student_t_error_has_the_normal_variance),
        cmocka_unit_test(test_exact_tie_has_no_winner_end_to_end),
        cmocka_unit_test(test_json_has_no_raw_control_bytes),
        cmocka_unit_test(test_simulate_allocation_failures_threaded_regional),
        cmocka_unit_test(test_simulate_allocation_failures_one_thread_national),
        cmocka_unit_test(test_simulate_allocation_failures_on_draw_path),
        cmocka_unit_test(test_model_and_workspace_allocation_failures),
        cmocka_unit_test(test_writers_allocation_failures),
        cmocka_unit_test(test_conditional_pass_can_be_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
