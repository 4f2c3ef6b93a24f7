/*
 * test_trend.c — the dynamic poll model (engine/trend.c, docs/model.md §1b).
 *
 * Analytic cases first (one poll; a flat campaign; drift after the last
 * poll), then simulated campaigns with a known truth: a random walk, house
 * effects and sampling plus non-sampling noise, drawn with GSL's mt19937
 * under fixed seeds. The model must recover the truth and its 90 % bands
 * must cover it at the nominal rate; each tolerance states its false-alarm
 * rate under a correct model.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "trend.h"

#define DAY0 20000 /* any date: the model only uses differences */

static ro_trend_settings settings(int32_t election, double daily_sd, double poll_sd)
{
    return (ro_trend_settings){.election_date = election, .estimate_house = true,
                               .house_sd = 0.05, .daily_sd = daily_sd, .poll_sd = poll_sd};
}

/* One poll of n on the election day, one pollster: the posterior of x_E is
 * the prior N(y, 100) updated by one observation of variance
 * R = 1/(n p(1-p)) + tau^2, so mean = y exactly and var = 1/(1/100 + 1/R).
 * Moving the poll h days earlier adds the walk's h sigma^2. */
static void test_one_poll_is_analytic(void **state)
{
    (void)state;
    const double p = 0.54, n = 1000, tau = 0.01, sigma = 0.02;
    for (int h = 0; h <= 5; h += 5) {
        ro_trend_poll poll = {.start = DAY0 - h, .end = DAY0 - h, .share = p, .n_eff = n};
        ro_trend_settings set = settings(DAY0, sigma, tau);
        ro_trend t;
        runoff_error err = {0};
        assert_int_equal(ro_trend_fit(&poll, 1, 1, &set, &t, &err), RUNOFF_OK);
        const double R = 1 / (n * p * (1 - p)) + tau * tau;
        const double var = 1 / (1 / RO_TREND_DIFFUSE_VAR + 1 / R) + h * sigma * sigma;
        assert_int_equal(t.n_days, (size_t)h + 1);
        assert_int_equal(t.election_day, (size_t)h);
        assert_true(fabs(t.mean[h] - ro_logit(p)) < 1e-12);
        assert_true(fabs(t.sd[h] * t.sd[h] - var) < 1e-12 * var + 1e-15);
        assert_true(fabs(t.weight[0] - (var - h * sigma * sigma) / R) < 1e-9);
        assert_true(fabs(t.adjusted[0] - p) < 1e-12);
        ro_trend_clear(&t);
    }
}

/* A campaign longer than RO_TREND_MAX_STATES days: the walk takes steps of
 * `step` days, a poll belongs to the first state at or after its days, and
 * one poll 599 days out is still analytic: 600 days, step 3, 200 states at
 * days 2, 5, ..., 599; the poll (day 0) sits in the state of day 2, so the
 * election-day variance is the poll's posterior variance plus 597 days of
 * drift (the 2 days before the state are the discretisation's error). */
static void test_long_campaign_takes_longer_steps(void **state)
{
    (void)state;
    const double p = 0.54, n = 1000, tau = 0.01, sigma = 0.02;
    const int h = 599;
    ro_trend_poll poll = {.start = DAY0 - h, .end = DAY0 - h, .share = p, .n_eff = n};
    ro_trend_settings set = settings(DAY0, sigma, tau);
    ro_trend t;
    runoff_error err = {0};
    assert_int_equal(ro_trend_fit(&poll, 1, 1, &set, &t, &err), RUNOFF_OK);
    assert_int_equal(t.n_days, (size_t)h + 1);
    const double R = 1 / (n * p * (1 - p)) + tau * tau;
    const double v0 = 1 / (1 / RO_TREND_DIFFUSE_VAR + 1 / R);
    assert_true(fabs(t.mean[h] - ro_logit(p)) < 1e-12);
    assert_true(fabs(t.sd[h] * t.sd[h] - (v0 + 597 * sigma * sigma)) < 1e-9);
    /* days share their state's values: days 0..2 are one state */
    assert_true(t.sd[0] == t.sd[2] && t.sd[2] != t.sd[3]);
    assert_true(fabs(t.sd[2] * t.sd[2] - v0) < 1e-12);
    ro_trend_clear(&t);
}

/* Every poll showing the same share: every residual is 0, so the latent
 * series is that share's logit on every day, house effects are 0, and the
 * sd grows after the last poll by the walk's drift. */
static void test_flat_campaign_is_flat(void **state)
{
    (void)state;
    ro_trend_poll polls[6];
    for (int i = 0; i < 6; i++)
        polls[i] = (ro_trend_poll){.start = DAY0 + 2 * i, .end = DAY0 + 2 * i + 1,
                                   .share = 0.47, .n_eff = 800, .pollster = (size_t)(i % 3)};
    ro_trend_settings set = settings(DAY0 + 20, NAN, NAN);
    ro_trend t;
    runoff_error err = {0};
    assert_int_equal(ro_trend_fit(polls, 6, 3, &set, &t, &err), RUNOFF_OK);
    assert_int_equal(t.n_days, 21);
    for (size_t d = 0; d < t.n_days; d++)
        assert_true(fabs(t.mean[d] - ro_logit(0.47)) < 1e-9);
    for (size_t j = 0; j < 3; j++)
        assert_true(fabs(t.house[j]) < 1e-9);
    for (size_t d = 12; d < t.n_days; d++) /* after the last poll (day 11) */
        assert_true(t.sd[d] > t.sd[d - 1]);
    /* beyond the data, variance grows by exactly sigma^2 a day */
    const double step = t.sd[20] * t.sd[20] - t.sd[19] * t.sd[19];
    assert_true(fabs(step - t.daily_sd * t.daily_sd) < 1e-9);
    assert_true(t.daily_sd >= RO_TREND_DAILY_SD_MIN && t.daily_sd <= RO_TREND_DAILY_SD_MAX);
    ro_trend_clear(&t);
}

/* The weights of the election-day estimate: the posterior mean is linear
 * in the observations, mean_E = ybar + sum_i w_i (y_i - ybar) exactly, with
 * y_i the polls' logits. Checked on an uneven campaign of two pollsters. */
static void test_weights_reproduce_the_estimate(void **state)
{
    (void)state;
    ro_trend_poll polls[4] = {
        {.start = DAY0, .end = DAY0 + 2, .share = 0.52, .n_eff = 1000, .pollster = 0},
        {.start = DAY0 + 3, .end = DAY0 + 3, .share = 0.55, .n_eff = 700, .pollster = 1},
        {.start = DAY0 + 5, .end = DAY0 + 6, .share = 0.53, .n_eff = 1200, .pollster = 0},
        {.start = DAY0 + 7, .end = DAY0 + 8, .share = 0.56, .n_eff = 900, .pollster = 1},
    };
    ro_trend_settings set = settings(DAY0 + 10, 0.02, 0.01);
    ro_trend t;
    runoff_error err = {0};
    assert_int_equal(ro_trend_fit(polls, 4, 2, &set, &t, &err), RUNOFF_OK);
    double ybar = 0, est = 0;
    for (size_t i = 0; i < 4; i++)
        ybar += ro_logit(polls[i].share) / 4;
    for (size_t i = 0; i < 4; i++)
        est += t.weight[i] * (ro_logit(polls[i].share) - ybar);
    assert_true(fabs(t.mean[10] - (ybar + est)) < 1e-12);
    /* the later polls of each pollster weigh more than its earlier ones */
    assert_true(t.weight[2] > t.weight[0] && t.weight[3] > t.weight[1]);
    ro_trend_clear(&t);
}

/* Population effects: likely voters are the reference. One likely-voter
 * pollster at 55 % and one registered-voter pollster at 51 % on the same
 * days, house effects off: the whole gap d = logit(.51) - logit(.55) is
 * the registered effect (its vague prior, sd 0.2, shrinks it by under
 * 10 % against six polls of 1000), and the level follows the likely-voter
 * polls. Without a likely-voter poll no effect is estimated (it would be
 * the level itself). */
static void test_population_effects_use_likely_voters_as_reference(void **state)
{
    (void)state;
    ro_trend_poll polls[6];
    for (int i = 0; i < 6; i++)
        polls[i] = (ro_trend_poll){.start = DAY0 + i / 2, .end = DAY0 + i / 2,
                                   .share = i % 2 ? 0.51 : 0.55, .n_eff = 1000,
                                   .pollster = (size_t)(i % 2),
                                   .population = i % 2 ? RO_POP_REGISTERED : RO_POP_LIKELY};
    ro_trend_settings set = settings(DAY0 + 3, 0.02, 0.01);
    set.estimate_house = false;
    ro_trend t;
    runoff_error err = {0};
    assert_int_equal(ro_trend_fit(polls, 6, 2, &set, &t, &err), RUNOFF_OK);
    const double d = ro_logit(0.51) - ro_logit(0.55);
    assert_true(t.population_used[RO_POP_REGISTERED]);
    assert_false(t.population_used[RO_POP_LIKELY] || t.population_used[RO_POP_ADULTS]);
    assert_true(t.population[RO_POP_REGISTERED] < 0.9 * d); /* d < 0 */
    assert_true(t.population[RO_POP_REGISTERED] > d);
    assert_true(fabs(t.mean[2] - ro_logit(0.55)) < 0.1 * fabs(d));
    ro_trend_clear(&t);
    for (int i = 0; i < 6; i++)
        polls[i].population = RO_POP_REGISTERED;
    assert_int_equal(ro_trend_fit(polls, 6, 2, &set, &t, &err), RUNOFF_OK);
    assert_false(t.population_used[RO_POP_REGISTERED]);
    /* midway between the two on the logit scale, exactly: each day holds
     * one poll of each, with equal variances (v uses the common pbar) */
    assert_true(fabs(t.mean[2] - (ro_logit(0.55) + ro_logit(0.51)) / 2) < 1e-12);
    ro_trend_clear(&t);
}

/* Two pollsters are enough to estimate house effects (G = 1): pollster 0
 * reads logit 0.1 + 0.06 and pollster 1 logit 0.1 - 0.06, one poll each a
 * day for 10 days, n_eff 1e5. Worked by hand: the effects sum to zero
 * (equal poll counts), h_0 = -h_1 = h, and the prior N(0, 0.05^2) on each,
 * conditioned on that, gives h ~ N(0, V), V = 0.05^2 / 2. Each day's two
 * polls y = x_d + h + e and x_d - h + e' (equal variances R = v + tau^2,
 * v = 1 / (n pbar (1 - pbar)), pbar the mean share, tau = 0.005) inform h
 * only through their difference 2h + e - e', whatever the walk x does, so
 * the ten days give h's estimate 0.06 with variance D = R / 20 (about
 * 0.0018^2), and the posterior is the normal one: mean 0.06 V / (V + D)
 * (shrunk by 0.26 %), sd sqrt(V D / (V + D)). By the symmetry the trend
 * reads 0.1 every day. No randomness: exact up to rounding (1e-12). */
static void test_two_pollsters_get_house_effects(void **state)
{
    (void)state;
    ro_trend_poll polls[20];
    for (int i = 0; i < 20; i++)
        polls[i] = (ro_trend_poll){.start = DAY0 + i / 2, .end = DAY0 + i / 2,
                                   .share = ro_expit(0.1 + (i % 2 ? -0.06 : 0.06)),
                                   .n_eff = 1e5, .pollster = (size_t)(i % 2)};
    ro_trend_settings set = settings(DAY0 + 10, 0.001, 0.005);
    set.house_sd = 0.05;
    ro_trend t;
    runoff_error err = {0};
    assert_int_equal(ro_trend_fit(polls, 20, 2, &set, &t, &err), RUNOFF_OK);
    const double pbar = (ro_expit(0.16) + ro_expit(0.04)) / 2;
    const double R = 1 / (1e5 * pbar * (1 - pbar)) + 0.005 * 0.005;
    const double V = 0.05 * 0.05 / 2, D = R / 20;
    assert_true(fabs(t.house[0] - 0.06 * V / (V + D)) < 1e-12);
    assert_true(fabs(t.house[0] + t.house[1]) < 1e-12);
    assert_true(fabs(t.house_sd[0] - sqrt(V * D / (V + D))) < 1e-12);
    assert_true(fabs(t.mean[t.election_day] - 0.1) < 1e-12);
    ro_trend_clear(&t);
}

/* ------------------------------------------------ simulated campaigns */

typedef struct {
    double truth[64];      /* latent logit share by day */
    double house[6];       /* true house effects, sum over polls 0 */
    ro_trend_poll polls[128];
    size_t n;
} campaign;

enum { C_DAYS = 40, C_POLLSTERS = 6, C_ELECTION = 45 };

/* A walk with daily sd sigma from logit 0.1; 6 pollsters with house
 * effects N(0, 0.05^2), centred so that the poll-weighted mean is 0 (the
 * model's constraint, so the truth is the thing it estimates); about 2.5
 * polls a day of 1-3 fieldwork days, n = 600..1500, with sampling noise
 * and a non-sampling sd tau. The election is 5 days after the last day. */
static void simulate(gsl_rng *rng, double sigma, double tau, campaign *c)
{
    memset(c, 0, sizeof *c);
    c->truth[0] = 0.1;
    for (int d = 1; d <= C_ELECTION; d++)
        c->truth[d] = c->truth[d - 1] + gsl_ran_gaussian(rng, sigma);
    size_t m[C_POLLSTERS] = {0};
    for (int d = 0; d < C_DAYS && c->n < 100; d++) {
        int k = (int)gsl_ran_poisson(rng, 2.5);
        for (int q = 0; q < k && c->n < 100; q++) {
            ro_trend_poll *p = &c->polls[c->n++];
            int len = 1 + (int)gsl_rng_uniform_int(rng, 3);
            p->start = DAY0 + (d - len + 1 < 0 ? 0 : d - len + 1);
            p->end = DAY0 + d;
            p->pollster = gsl_rng_uniform_int(rng, C_POLLSTERS);
            p->n_eff = 600 + 900 * gsl_rng_uniform(rng);
            m[p->pollster]++;
        }
    }
    double h[C_POLLSTERS], total = 0, centre = 0;
    for (int j = 0; j < C_POLLSTERS; j++) {
        h[j] = gsl_ran_gaussian(rng, 0.05);
        centre += (double)m[j] * h[j];
        total += (double)m[j];
    }
    for (int j = 0; j < C_POLLSTERS; j++)
        c->house[j] = h[j] - centre / total;
    for (size_t i = 0; i < c->n; i++) {
        ro_trend_poll *p = &c->polls[i];
        double x = 0;
        for (int32_t d = p->start; d <= p->end; d++)
            x += c->truth[d - DAY0];
        x = x / (double)(p->end - p->start + 1) + c->house[p->pollster] +
            gsl_ran_gaussian(rng, tau);
        const double share = ro_expit(x);
        p->share = gsl_ran_binomial(rng, share, (unsigned)p->n_eff) / floor(p->n_eff);
    }
}

/* Keep only pollsters that polled, renumbered (the model wants each index
 * used); returns the count and maps house truths. */
static size_t compact(campaign *c, double *house_out)
{
    size_t map[C_POLLSTERS], J = 0;
    bool seen[C_POLLSTERS] = {false};
    for (size_t i = 0; i < c->n; i++)
        seen[c->polls[i].pollster] = true;
    for (size_t j = 0; j < C_POLLSTERS; j++)
        if (seen[j]) {
            house_out[J] = c->house[j];
            map[j] = J++;
        }
    for (size_t i = 0; i < c->n; i++)
        c->polls[i].pollster = map[c->polls[i].pollster];
    return J;
}

/* Simulate a campaign and fit it with both sds estimated; returns the
 * number of pollsters (their true house effects in house[]). */
static size_t fit_simulated(gsl_rng *rng, double sigma, double tau, campaign *c, double *house,
                            ro_trend *t)
{
    simulate(rng, sigma, tau, c);
    const size_t J = compact(c, house);
    ro_trend_settings set = settings(DAY0 + C_ELECTION, NAN, NAN);
    runoff_error err = {0};
    assert_int_equal(ro_trend_fit(c->polls, c->n, J, &set, t, &err), RUNOFF_OK);
    return J;
}

/* Whether the 90 % band of day d (index into t) holds the truth x. */
static int covers(const ro_trend *t, size_t d, double x)
{
    return fabs(t->mean[d] - x) < 1.6448536269514722 * t->sd[d];
}

/* The index in t of simulated day 20, mid-campaign. */
static size_t mid_day(const ro_trend *t) { return 20 - (size_t)(t->first_day - DAY0); }

/* Coverage of the 90 % band (mean ± 1.645 sd) for the election-day truth
 * and for the truth on a mid-campaign day, over 300 simulated campaigns
 * with sigma = 0.02 and tau = 0.01 fixed in the simulation and estimated by
 * the model (integrated over, docs/model.md §1b). Measured over seeds
 * 1..6 and the test's seed: 251..281 of 300 at election day (mean 88.2 %;
 * the plug-in of the mode gave 84.5 %) and 260..275 mid-campaign (89.4 %);
 * with sigma and tau given their true values, 262..278 and 267..275 (90.4 %
 * and 90.5 %). The rest of the election-day shortfall is not the grid (a
 * 1000-point grid gives the same sds to 1 %) but the frequentist coverage
 * at one fixed sigma of a posterior that averages over sigma: campaigns
 * whose walk happened to be calm get a small sigma and a narrow drift,
 * while the next days' drift does not know it. Averaged over the prior of
 * sigma and tau the bands are nominal (the next test). The accepted range
 * 248..288 (82.7 %..96 %) is a 0.2 % false alarm under Binomial(300,
 * 0.882) and a 0.007 % one under the nominal 0.9 (0.016 % for the
 * mid-campaign count's 0.894), so the two counts together fail a correct
 * model at most 0.2 % of seeds; it fails when the drift
 * or the house-effect uncertainty is dropped from the sd (coverage then
 * falls far below 80 %). The seed is fixed (20261201: 267 and 275).
 * The house effects must be recovered: their RMS error over all campaigns
 * below 0.03 (the prior sd is 0.05; with ~17 polls a pollster the
 * posterior sd is about 0.015, so 0.03 is twice what a correct model gives
 * and the check fails only if the estimator is broken). It is a bound on
 * gross failure, not a Monte Carlo tolerance: the measured RMS is 0.0139
 * to 0.0151 over the test's seed and 1..6, and the mean square over 1800
 * effects has a relative SE of about 4 % (chi-square-like, ~1500 degrees
 * of freedom), so 0.03^2 is some 80 SE above it: no false alarm to speak
 * of (< 1e-100). Effects left at 0 give 0.05 and fail it; the posterior
 * sds are tested, calibrated, in the next test (mean z^2 within 4 SE of 1).
 * The seed is fixed: each outcome is deterministic. */
static void test_simulated_campaigns_cover_the_truth(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, getenv("TREND_SEED") ? strtoul(getenv("TREND_SEED"), NULL, 10) : 20261201);
    const int runs = 300;
    int covered_e = 0, covered_mid = 0;
    double house_se = 0, log_ratio = 0;
    size_t n_house = 0;
    for (int r = 0; r < runs; r++) {
        campaign c;
        double house[C_POLLSTERS];
        ro_trend t;
        const size_t J = fit_simulated(rng, 0.02, 0.01, &c, house, &t);
        assert_int_equal(t.n_nodes, 25);
        covered_e += covers(&t, t.election_day, c.truth[C_ELECTION]);
        covered_mid += covers(&t, mid_day(&t), c.truth[20]);
        for (size_t j = 0; j < J; j++, n_house++)
            house_se += (t.house[j] - house[j]) * (t.house[j] - house[j]);
        log_ratio += log(t.daily_sd / 0.02);
        ro_trend_clear(&t);
    }
    gsl_rng_free(rng);
    print_message("election day covered %d/%d, mid-campaign %d/%d, house RMS error %.4f, "
                  "mean log(sigma_hat/sigma) %.3f\n",
                  covered_e, runs, covered_mid, runs, sqrt(house_se / (double)n_house),
                  log_ratio / runs);
    assert_in_range(covered_e, 248, 288);
    assert_in_range(covered_mid, 248, 288);
    assert_true(sqrt(house_se / (double)n_house) < 0.03);
    /* sigma (reported as the root mean square over the grid) is estimated
     * without a large bias: the mean of log(sigma_hat / sigma) over 300
     * campaigns within ±0.25 (a 28 % factor); measured -0.01..+0.04. The
     * 0.25 is an allowance for the bias a posterior RMS has (no closed form
     * to test it against), not a Monte Carlo tolerance: log(sigma_hat /
     * sigma) has an sd of 0.30..0.33 a campaign (same seeds), so the mean's
     * SE is 0.019, and 0.25 is 11 SE beyond the largest measured bias
     * (false alarm ~1e-29); a sigma 1.3 times too large or 0.75 times too
     * small fails it. */
    assert_true(fabs(log_ratio / runs) < 0.25);
}

/* Calibration where it is promised: with sigma drawn from its prior
 * (log-normal, median 0.022, log sd 1, within the bounds) and tau from its
 * (log-uniform on the bounds) for each campaign, a correct posterior covers
 * the truth with its 90 % band in 90 % of campaigns, whatever the data.
 * The count of 300 is then Binomial(300, 0.9); the accepted range
 * 253..287 is a 0.09 % false alarm (0.08 % below, 0.01 % above), 0.18 %
 * at most for the two counts (exact binomial sums). Measured
 * over seeds 1..4: 266..278 at election day (the plug-in of the mode:
 * 254..268; the true sigma and tau: 273..276) and 263..273 mid-campaign.
 *
 * The house effects' posterior sds are calibrated the same way: the truths
 * are drawn from the prior (N(0, house_sd^2), centred as the model
 * constrains them), so each z = (estimate - truth) / posterior sd has
 * E z^2 = 1, and so does the mean of z^2 over all campaigns' pollsters.
 * Its standard error comes from the campaigns, which are independent (the
 * pollsters of one campaign are not: their errors sum to zero): the
 * ratio estimate sum S_c / sum J_c of the per-campaign sums S_c of z^2
 * over J_c pollsters has SE sd(S_c - m J_c) / (sqrt(runs) mean J_c), about
 * 0.036. 4 SE: a false alarm of 6.3e-5 under normality; the sum is
 * chi-square-like with some 1500 degrees of freedom, whose skew makes it
 * 6e-5 above and 1e-5 below. Measured over the test's seed and 1..8: mean
 * z^2 0.958..1.059 (average 1.004). It fails when the posterior sd is
 * scaled by 0.9 or 1.15 (z^2 1.23 or 0.76; checked at four seeds), which
 * the check of the point estimates alone (an RMS error below 0.03,
 * previous test) cannot see, and when an effect is not estimated. */
static void test_integrated_bands_are_calibrated_over_the_prior(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, getenv("TREND_SEED") ? strtoul(getenv("TREND_SEED"), NULL, 10) : 20261201);
    enum { runs = 300 };
    int covered_e = 0, covered_mid = 0;
    static double z2_sum[runs];
    size_t z2_n[runs];
    for (int r = 0; r < runs; r++) {
        double sigma, tau;
        do
            sigma = RO_TREND_DAILY_SD_PRIOR *
                    exp(gsl_ran_gaussian(rng, RO_TREND_DAILY_SD_PRIOR_LOGSD));
        while (sigma < RO_TREND_DAILY_SD_MIN || sigma > RO_TREND_DAILY_SD_MAX);
        tau = RO_TREND_POLL_SD_MIN *
              exp(log(RO_TREND_POLL_SD_MAX / RO_TREND_POLL_SD_MIN) * gsl_rng_uniform(rng));
        campaign c;
        double house[C_POLLSTERS];
        ro_trend t;
        const size_t J = fit_simulated(rng, sigma, tau, &c, house, &t);
        covered_e += covers(&t, t.election_day, c.truth[C_ELECTION]);
        covered_mid += covers(&t, mid_day(&t), c.truth[20]);
        z2_sum[r] = 0;
        z2_n[r] = J;
        for (size_t j = 0; j < J; j++) {
            const double z = (t.house[j] - house[j]) / t.house_sd[j];
            z2_sum[r] += z * z;
        }
        ro_trend_clear(&t);
    }
    gsl_rng_free(rng);
    double S = 0, n = 0, dev2 = 0;
    for (int r = 0; r < runs; r++) {
        S += z2_sum[r];
        n += (double)z2_n[r];
    }
    const double mean_z2 = S / n;
    for (int r = 0; r < runs; r++)
        dev2 += (z2_sum[r] - mean_z2 * (double)z2_n[r]) * (z2_sum[r] - mean_z2 * (double)z2_n[r]);
    const double se_z2 = sqrt(dev2 / (runs - 1)) / (sqrt((double)runs) * (n / runs));
    print_message("over the prior: election day covered %d/%d, mid-campaign %d/%d, house effects' "
                  "mean z^2 %.3f (SE %.3f)\n",
                  covered_e, runs, covered_mid, runs, mean_z2, se_z2);
    assert_in_range(covered_e, 253, 287);
    assert_in_range(covered_mid, 253, 287);
    assert_true(fabs(mean_z2 - 1) < 4 * se_z2);
}

/* Integrating over sigma and tau widens the election-day band: five days
 * after the last poll the variance grows with sigma, so the mixture's sd
 * is at least the sd at the mode, on every one of 50 campaigns, with both
 * sds estimated (25 nodes) and with tau given (7 nodes). (On days inside
 * the campaign the smoothed variance is not monotone in sigma and tau, and
 * the mixture can be a few per cent narrower than the mode's.) With both
 * given there is nothing to integrate: one node, and the fit is the
 * plug-in fit bit for bit. */
static void test_integrated_sd_is_at_least_the_plug_in_sd(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    for (int r = 0; r < 50; r++) {
        campaign c;
        double house[C_POLLSTERS];
        simulate(rng, 0.02, 0.01, &c);
        size_t J = compact(&c, house);
        const double poll_sd[3] = {NAN, 0.01, 0.01}, daily_sd[3] = {NAN, NAN, 0.02};
        const size_t nodes[3] = {25, 7, 1};
        for (int k = 0; k < 3; k++) {
            ro_trend_settings set = settings(DAY0 + C_ELECTION, daily_sd[k], poll_sd[k]);
            ro_trend a, b;
            runoff_error err = {0};
            assert_int_equal(ro_trend_fit(c.polls, c.n, J, &set, &a, &err), RUNOFF_OK);
            set.plug_in = true;
            assert_int_equal(ro_trend_fit(c.polls, c.n, J, &set, &b, &err), RUNOFF_OK);
            assert_int_equal(a.n_nodes, nodes[k]);
            assert_int_equal(b.n_nodes, 1);
            const size_t E = a.election_day;
            if (k < 2) {
                assert_true(a.sd[E] >= b.sd[E]);
                assert_true(a.daily_sd_mode == b.daily_sd && a.poll_sd_mode == b.poll_sd);
            } else {
                assert_memory_equal(a.mean, b.mean, a.n_days * sizeof *a.mean);
                assert_memory_equal(a.sd, b.sd, a.n_days * sizeof *a.sd);
                assert_memory_equal(a.weight, b.weight, c.n * sizeof *a.weight);
                assert_memory_equal(a.house_sd, b.house_sd, J * sizeof *a.house_sd);
                assert_true(a.daily_sd == 0.02 && a.poll_sd == 0.01);
            }
            ro_trend_clear(&a);
            ro_trend_clear(&b);
        }
    }
    gsl_rng_free(rng);
}

/* The 25-node grid against brute force: on a fine grid of (log sigma,
 * log tau) over their whole bounds (40 × 25 midpoint cells, each a fit with
 * both given, weighted by its marginal likelihood times the priors), the
 * election-day and mid-campaign means and sds and the root mean square of
 * sigma on 4 simulated campaigns. The worst discrepancy measured is 2.1 %
 * of an sd (the sd at election day on the second campaign, whose posterior
 * is skewed; 1.5 % with a 7 × 7 grid, unchanged with a 120 × 60 brute
 * grid); the tolerance is 3 %. Deterministic: no false alarm. Dropping the
 * spread of the nodes' means from the variance (4.4 %), the correction of
 * the Gauss–Hermite weights by posterior / Gaussian (41 %), the Jacobian
 * of the map to u (11 %) or shrinking the grid's axes (6.6 %) fails it. */
static void test_grid_matches_brute_force_integration(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 11);
    double worst = 0;
    for (int r = 0; r < 4; r++) {
        campaign c;
        double house[C_POLLSTERS];
        ro_trend t;
        runoff_error err = {0};
        const size_t J = fit_simulated(rng, 0.02, 0.01, &c, house, &t);
        const size_t day[2] = {t.election_day, mid_day(&t)};
        const double ls0 = log(RO_TREND_DAILY_SD_MIN), ls1 = log(RO_TREND_DAILY_SD_MAX);
        const double lt0 = log(RO_TREND_POLL_SD_MIN), lt1 = log(RO_TREND_POLL_SD_MAX);
        enum { NS = 40, NT = 25 };
        double lw[NS][NT], m[NS][NT][2], v[NS][NT][2], top = -INFINITY;
        for (int a = 0; a < NS; a++)
            for (int b = 0; b < NT; b++) {
                const double ls = ls0 + (ls1 - ls0) * (a + 0.5) / NS;
                const double lt = lt0 + (lt1 - lt0) * (b + 0.5) / NT;
                ro_trend f;
                ro_trend_settings fixed = settings(DAY0 + C_ELECTION, exp(ls), exp(lt));
                assert_int_equal(ro_trend_fit(c.polls, c.n, J, &fixed, &f, &err), RUNOFF_OK);
                const double z = log(exp(ls) / RO_TREND_DAILY_SD_PRIOR) /
                                 RO_TREND_DAILY_SD_PRIOR_LOGSD;
                lw[a][b] = f.log_lik - 0.5 * z * z;
                top = lw[a][b] > top ? lw[a][b] : top;
                for (int k = 0; k < 2; k++) {
                    m[a][b][k] = f.mean[day[k]];
                    v[a][b][k] = f.sd[day[k]] * f.sd[day[k]];
                }
                ro_trend_clear(&f);
            }
        double W = 0, m1[2] = {0, 0}, m2[2] = {0, 0}, s2 = 0;
        for (int a = 0; a < NS; a++)
            for (int b = 0; b < NT; b++) {
                const double wt = exp(lw[a][b] - top);
                W += wt;
                s2 += wt * exp(2 * (ls0 + (ls1 - ls0) * (a + 0.5) / NS));
                for (int k = 0; k < 2; k++) {
                    m1[k] += wt * m[a][b][k];
                    m2[k] += wt * (v[a][b][k] + m[a][b][k] * m[a][b][k]);
                }
            }
        for (int k = 0; k < 2; k++) {
            const double mean = m1[k] / W, sd = sqrt(m2[k] / W - mean * mean);
            const double dm = fabs(t.mean[day[k]] - mean) / sd, ds = fabs(t.sd[day[k]] / sd - 1);
            worst = fmax(worst, fmax(dm, ds));
        }
        worst = fmax(worst, fabs(t.daily_sd / sqrt(s2 / W) - 1));
        ro_trend_clear(&t);
    }
    gsl_rng_free(rng);
    print_message("grid against brute force: worst discrepancy %.4f\n", worst);
    assert_true(worst < 0.03);
}

/* The grid's Gauss–Hermite rules are the ones GSL computes (weight
 * exp(-x²/2), divided by √(2π) so the weights add up to 1). */
static void test_gauss_hermite_rules_match_gsl(void **state)
{
    (void)state;
    for (size_t n = 5; n <= 7; n += 2) {
        gsl_integration_fixed_workspace *g =
            gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, n, 0, 0.5, 0, 0);
        assert_non_null(g);
        const double *x = gsl_integration_fixed_nodes(g), *w = gsl_integration_fixed_weights(g);
        double total = 0;
        for (size_t i = 0; i < n; i++) {
            double wi;
            const double xi = ro_trend_gauss_hermite(n, i, &wi);
            assert_true(fabs(xi - x[i]) < 1e-13);
            assert_true(fabs(wi - w[i] / sqrt(2 * M_PI)) < 1e-14);
            total += wi;
        }
        assert_true(fabs(total - 1) < 1e-14);
        gsl_integration_fixed_free(g);
    }
    double w;
    assert_true(isnan(ro_trend_gauss_hermite(6, 0, &w)) && isnan(w));
    assert_true(isnan(ro_trend_gauss_hermite(5, 5, &w)));
}

/* A campaign that spans more days than the dense solve takes is refused
 * with a message, not a huge allocation. */
static void test_too_long_a_campaign_is_refused(void **state)
{
    (void)state;
    ro_trend_poll poll = {.start = DAY0, .end = DAY0, .share = 0.5, .n_eff = 1000};
    ro_trend_settings set = settings(DAY0 + RO_TREND_MAX_DAYS, 0.02, 0.01);
    ro_trend t;
    runoff_error err = {0};
    assert_int_equal(ro_trend_fit(&poll, 1, 1, &set, &t, &err), RUNOFF_EINPUT);
    assert_non_null(strstr(err.message, "at most 3000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_poll_is_analytic),
        cmocka_unit_test(test_flat_campaign_is_flat),
        cmocka_unit_test(test_long_campaign_takes_longer_steps),
        cmocka_unit_test(test_weights_reproduce_the_estimate),
        cmocka_unit_test(test_population_effects_use_likely_voters_as_reference),
        cmocka_unit_test(test_two_pollsters_get_house_effects),
        cmocka_unit_test(test_simulated_campaigns_cover_the_truth),
        cmocka_unit_test(test_integrated_bands_are_calibrated_over_the_prior),
        cmocka_unit_test(test_integrated_sd_is_at_least_the_plug_in_sd),
        cmocka_unit_test(test_grid_matches_brute_force_integration),
        cmocka_unit_test(test_gauss_hermite_rules_match_gsl),
        cmocka_unit_test(test_too_long_a_campaign_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
