/*
 * test_model.c — one simulated election (docs/model.md §2-§6).
 *
 * Statistics are tested as statistics: fixed seeds, and tolerances of 4
 * Monte Carlo standard errors, each derived next to its test. Exact
 * properties (anchoring, determinism, the share map) are tested exactly.
 *
 * False alarms. An estimate within 4 of its standard errors of the truth
 * fails a correct model with probability 2 (1 - Phi(4)) = 6.3e-5, the
 * two-sided normal tail: every estimate below is a mean over 2e4 or more
 * independent draws of a variable with finite fourth (for the variances,
 * eighth) moment, so the normal approximation holds far into that tail. A
 * test of k such checks fails with probability at most k times 6.3e-5
 * (stated next to each). The seeds are fixed, so each outcome is
 * deterministic; the rate is what a new seed (or a new draw order) risks.
 */
#include "testutil.h"

#include <string.h>

#include <gsl/gsl_cdf.h>

#include "error.h"
#include "model.h"
#include "model_vec.h"
#include "scenario_fixture.h"

#define T0 FIX_ELECTION_DATE

static ro_model *model_ok(const runoff_scenario *s)
{
    runoff_error err = {0};
    ro_model *m = ro_model_alloc(s, &err);
    if (m == NULL)
        print_error("ro_model_alloc: %s\n", err.message);
    assert_non_null(m);
    return m;
}

/* A national-only scenario: one poll of n at two-way share p, no house
 * effect (a single pollster's estimated effect is 0), design effect 1. */
static runoff_scenario *one_poll(double p, double n)
{
    runoff_scenario *s = fix_scenario();
    fix_add_poll(s, "P", T0 - 2, T0 - 1, n, 100 * p, 100 * (1 - p), false);
    return s;
}

/* A first round of K options in R regions with varied leanings; rows go
 * from mostly-A to mostly-B, the last option is an abstention row. */
static runoff_scenario *regional(size_t R, size_t K, double c)
{
    runoff_scenario *s = one_poll(0.55, 2000);
    double *votes = malloc(K * R * sizeof *votes), *means = malloc(3 * K * sizeof *means);
    for (size_t o = 0; o < K; o++) {
        for (size_t r = 0; r < R; r++)
            votes[o * R + r] = 500 + (double)((o * 7919 + r * 104729) % 20000);
        double a = 0.05 + 0.9 * (double)o / (double)(K > 2 ? K - 2 : 1);
        means[3 * o] = 0.8 * a;
        means[3 * o + 1] = 0.8 * (1 - a);
        means[3 * o + 2] = 0.2;
    }
    means[3 * (K - 1)] = means[3 * (K - 1) + 1] = 0;
    means[3 * (K - 1) + 2] = 1;
    fix_first_round(s, K, R, votes, means, c);
    s->options[K - 1].kind = RO_OPT_ABSTENTION;
    free(votes);
    free(means);
    return s;
}

static void add_groups(runoff_scenario *s, size_t n_groups, double sd)
{
    s->regional_error.n_groups = n_groups;
    s->regional_error.groups = calloc(n_groups, sizeof *s->regional_error.groups);
    for (size_t g = 0; g < n_groups; g++)
        s->regional_error.groups[g].sd = sd;
    for (size_t r = 0; r < s->n_regions; r++)
        s->regions[r].group = (int)(r % (n_groups + 1)) - 1;
}

/* The anchoring's small steps move the shares by a third-order Taylor
 * series instead of evaluating them (docs/model.md §6): for every
 * |eps| <= 1e-4 it allows, each moved share must equal a fresh evaluation
 * a k e^eps / (b + a k e^eps) to rounding (remainder <= eps^4/12 s = 8e-18 s;
 * the evaluation's 1 - (1 - s) is exact to 2^-53 absolute, not relative),
 * over shares from 1e-9 to 1 - 1e-9, and S, S', S'' must follow. */
static void test_anchor_shift_matches_evaluation(void **state)
{
    (void)state;
    enum { N = 64 };
    double a[N], b[N], v[N], s[N], s2[N];
    for (int r = 0; r < N; r++) {
        a[r] = exp(-20.0 + 40.0 * r / (N - 1)); /* odds e^-20 .. e^20 */
        b[r] = 1 + r % 7;
        v[r] = 10.0 + r;
    }
    const double k = 0.8, epss[] = {1e-4, -1e-4, 3e-7, -2.5e-9};
    for (size_t i = 0; i < sizeof epss / sizeof *epss; i++) {
        double sp, cu, sp2, cu2, worst = 0; /* absolute */
        ro_model_vec_anchor_eval(a, b, v, s, N, k, 1.0 / 1000, &sp, &cu);
        const double S = ro_model_vec_anchor_shift(s, v, N, epss[i], 1.0 / 1000, &sp, &cu);
        const double S2 = ro_model_vec_anchor_eval(a, b, v, s2, N, k * exp(epss[i]), 1.0 / 1000,
                                                   &sp2, &cu2);
        for (int r = 0; r < N; r++) {
            const double err = fabs(s[r] - s2[r]);
            worst = err > worst ? err : worst;
        }
        assert_true(worst < 4 * 2.2e-16);
        assert_true(fabs(S - S2) < 1e-15 && fabs(sp - sp2) < 1e-15 && fabs(cu - cu2) < 1e-15);
    }
}

/* ----------------------------------------------------- share map (h) */

/* ro_exp replaces libm's exp for the regional deviations: it must agree
 * with it to 2e-15 relative (its polynomial's bound is 1.17e-15, model_vec.c;
 * with rounding 1.41e-15 was the worst seen, about 6 units in the last
 * place) everywhere a deviation can be, densely where they are (|x| <= 5),
 * and clamp rather than overflow beyond. */
static void test_fast_exp_matches_libm(void **state)
{
    (void)state;
    double worst = 0;
    for (double x = -700; x <= 700; x += 0.0137) {
        double rel = fabs(ro_exp(x) - exp(x)) / exp(x);
        worst = rel > worst ? rel : worst;
    }
    for (double x = -5; x <= 5; x += 1e-5) {
        double rel = fabs(ro_exp(x) - exp(x)) / exp(x);
        worst = rel > worst ? rel : worst;
    }
    assert_true(worst < 2e-15);
    assert_true(ro_exp(0.0) == 1.0);
    assert_true(isfinite(ro_exp(1e6)) && ro_exp(1e6) > 0);
    assert_true(ro_exp(-1e6) > 0);
}

static void test_share_bound_properties(void **state)
{
    (void)state;
    assert_true(ro_share_bound(0.5) == 0.5);
    for (double y = 0.02; y <= 0.98; y += 0.01)
        assert_true(ro_share_bound(y) == y);
    /* C1 at the joins: one-sided difference quotients on both sides are
     * 1 up to the curvature of the tail (f'' = 1/0.02 = 50, error <= 50h/2)
     * plus rounding (~1e-16/h) */
    const double h = 1e-8, tol = 25 * h + 1e-7;
    for (int side = 0; side < 2; side++) {
        double y0 = side ? 0.98 : 0.02;
        assert_true(ro_share_bound(y0) == y0);
        assert_close((ro_share_bound(y0 + h) - ro_share_bound(y0)) / h, 1, tol);
        assert_close((ro_share_bound(y0) - ro_share_bound(y0 - h)) / h, 1, tol);
    }
    /* monotone, symmetric about 1/2, inside (0,1) */
    double prev = -1;
    for (double y = -0.5; y <= 1.5; y += 1e-3) {
        double f = ro_share_bound(y);
        assert_true(f > prev);
        assert_true(f > 0 && f < 1);
        assert_close(ro_share_bound(1 - y), 1 - f, 1e-15);
        prev = f;
    }
    assert_close(ro_share_bound(0), 0.02 * exp(-1), 1e-17);
    assert_true(ro_share_bound(-50) >= 0 && ro_share_bound(50) <= 1);
}

/* ------------------------------------------------ national part (a, b) */

/* With scale 0 the share is p = bound(y), y = mean + sd Z, sd =
 * sqrt(p0(1-p0)/n). The map keeps 1/2 fixed and is increasing, so
 * P(A wins) = P(y > 1/2) = P(Z > (1/2 - p0)/sd) = Phi((p0 - 1/2)/sd).
 * The win fraction over N draws has MC standard error sqrt(P(1-P)/N); 4 SE,
 * a false alarm of 6.3e-5 per call (N P(1-P) >= 3e4: the binomial is
 * normal that far out). */
static void check_win_probability(double p, double n)
{
    const int N = 200000;
    runoff_scenario *s = one_poll(p, n);
    ro_model *m = model_ok(s);
    ro_workspace *w = ro_workspace_alloc(m);
    assert_non_null(w);
    long wins = 0;
    ro_draw d;
    for (int i = 0; i < N; i++) {
        ro_model_draw(m, w, 2022, (uint64_t)i, &d);
        wins += d.winner == 0;
        assert_true(d.winner == (d.share_a > 0.5 ? 0 : 1));
    }
    double P = gsl_cdf_ugaussian_P((p - 0.5) / sqrt(p * (1 - p) / n));
    assert_close((double)wins / N, P, 4 * sqrt(P * (1 - P) / N));
    ro_workspace_free(w);
    ro_model_free(m);
    fix_free(s);
}

static void test_win_probability_close_race(void **state)
{
    (void)state;
    check_win_probability(0.51, 1000); /* P ~ 0.74 */
    check_win_probability(0.49, 2000); /* P ~ 0.19 */
    /* two checks: false alarm <= 1.3e-4 */
}

static void test_win_probability_lopsided(void **state)
{
    (void)state;
    check_win_probability(0.82, 1000); /* z ~ 26: P = 1 to double precision */
    /* the SE is 0, so is the tolerance: one loss in 2e5 draws fails it, and
     * a correct model loses a draw with probability Phi(-26) ~ 1e-149 */
}

/* share - mean = sd Z1 + scale D, Var = sd^2 + scale^2 (sd ~ 5e-7 here,
 * the map is the identity: |D| would need to exceed 16). The sample
 * variance s^2 has SE sigma^2 sqrt((kurt - 1)/N): kurt = 3 for the normal,
 * 3 + 6/(df - 4) for t(df) (scaling does not change it). 4 SE on each,
 * two checks: a false alarm <= 1.3e-4 per call (t(10) has a finite eighth
 * moment, so the sample variance is asymptotically normal too). */
static void check_systematic_sd(ro_error_dist dist, double df, double kurt)
{
    const int N = 200000;
    const double scale = 0.03;
    runoff_scenario *s = one_poll(0.5, 1e12);
    s->polling_error.dist = dist;
    s->polling_error.df = df;
    s->polling_error.scale = scale;
    ro_model *m = model_ok(s);
    ro_workspace *w = ro_workspace_alloc(m);
    const double mean = ro_model_poll_average(m)->mean, sd = ro_model_poll_average(m)->sd;
    double sum = 0, sumsq = 0;
    ro_draw d;
    for (int i = 0; i < N; i++) {
        ro_model_draw(m, w, 7, (uint64_t)i, &d);
        sum += d.share_a - mean;
        sumsq += (d.share_a - mean) * (d.share_a - mean);
    }
    double var = sd * sd + scale * scale;
    double svar = sumsq / N - (sum / N) * (sum / N);
    assert_close(sum / N, 0, 4 * sqrt(var / N));
    assert_close(svar, var, 4 * var * sqrt((kurt - 1) / N));
    ro_workspace_free(w);
    ro_model_free(m);
    fix_free(s);
}

static void test_systematic_error_normal_sd(void **state)
{
    (void)state;
    check_systematic_sd(RO_ERRDIST_NORMAL, 5, 3);
}

static void test_systematic_error_student_t_sd(void **state)
{
    (void)state;
    check_systematic_sd(RO_ERRDIST_STUDENT_T, 10, 3 + 6.0 / (10 - 4));
}

/* Beta turnout: mean m, sd t over N draws, SE of the mean t/sqrt(N), 4 SE
 * (false alarm 6.3e-5); sd 0 gives exactly m; no turnout section gives
 * NAN, and no votes. */
static void test_national_turnout_and_votes(void **state)
{
    (void)state;
    const int N = 100000;
    runoff_scenario *s = one_poll(0.55, 1000);
    s->registered = 1e6;
    s->turnout = (ro_turnout){.given = true, .mean = 0.72, .sd = 0.03};
    ro_model *m = model_ok(s);
    assert_true(ro_model_has_turnout(m));
    assert_int_equal(ro_model_n_regions(m), 0);
    ro_workspace *w = ro_workspace_alloc(m);
    double sum = 0;
    ro_draw d;
    for (int i = 0; i < N; i++) {
        ro_model_draw(m, w, 3, (uint64_t)i, &d);
        sum += d.turnout;
        assert_close(d.votes_a, 1e6 * d.turnout * d.share_a, 1e-6);
        assert_close(d.votes_a + d.votes_b, 1e6 * d.turnout, 1e-6);
        assert_close(d.margin, d.turnout * (2 * d.share_a - 1), 1e-12);
        assert_null(d.region_share_a);
        assert_int_equal(d.regions_a, 0);
        assert_true(isnan(d.blank_null));
    }
    assert_close(sum / N, 0.72, 4 * 0.03 / sqrt(N));
    ro_workspace_free(w);
    ro_model_free(m);

    /* sd 0, and an sd whose square underflows (the Beta's concentration
     * would be infinite and its draws NaN): a point mass at the mean */
    const double tiny[] = {0, 1e-170};
    for (int k = 0; k < 2; k++) {
        s->turnout.sd = tiny[k];
        m = model_ok(s);
        w = ro_workspace_alloc(m);
        ro_model_draw(m, w, 3, 0, &d);
        assert_true(d.turnout == 0.72);
        ro_workspace_free(w);
        ro_model_free(m);
    }

    s->turnout.given = false;
    m = model_ok(s);
    assert_false(ro_model_has_turnout(m));
    w = ro_workspace_alloc(m);
    ro_model_draw(m, w, 3, 0, &d);
    assert_true(isnan(d.turnout) && isnan(d.votes_a) && isnan(d.margin));
    ro_workspace_free(w);
    ro_model_free(m);
    fix_free(s);
}

/* ------------------------------------------------ turnout spread (Beta) */

/*
 * The turnout draw is Beta(a, b) with the scenario's mean m and sd t, so
 * the draws' variance must be t^2 exactly. Kurtosis of Beta(a, b), with
 * k = a + b: mu4/var^2 = 3 + 6[(a-b)^2 (k+1) - ab(k+2)] / [ab(k+2)(k+3)].
 * Over n independent draws the sample mean has standard error t/sqrt(n),
 * the sample variance t^2 sqrt((kurt-1)/n) and the sample sd (delta
 * method) t sqrt((kurt-1)/(4n)). Every tolerance below is 4 of these
 * SE: a correct model fails a check with probability 6e-5 (the two-sided
 * normal tail), and the seeds are fixed, so each test is deterministic.
 */
static double beta_kurtosis(double m, double t)
{
    double k = m * (1 - m) / (t * t) - 1, a = m * k, b = (1 - m) * k;
    return 3 + 6 * ((a - b) * (a - b) * (k + 1) - a * b * (k + 2)) / (a * b * (k + 2) * (k + 3));
}

/* Sample mean and variance of the turnout over n national draws. */
static void national_turnout_moments(double m, double t, int n, double *mean, double *var)
{
    runoff_scenario *s = one_poll(0.55, 1000);
    s->turnout = (ro_turnout){.given = true, .mean = m, .sd = t};
    ro_model *model = model_ok(s);
    ro_workspace *w = ro_workspace_alloc(model);
    double sum = 0, sumsq = 0; /* of turnout - m, for accuracy */
    ro_draw d;
    for (int i = 0; i < n; i++) {
        ro_model_draw(model, w, 11, (uint64_t)i, &d);
        sum += d.turnout - m;
        sumsq += (d.turnout - m) * (d.turnout - m);
    }
    *mean = m + sum / n;
    *var = sumsq / n - (sum / n) * (sum / n);
    ro_workspace_free(w);
    ro_model_free(model);
    fix_free(s);
}

/* The spread of the turnout at a realistic scenario (72 % +- 3 points):
 * the sd of 100 000 draws is within 4 SE (0.9 % of t) of the scenario's
 * sd, so a doubled sd, or a variance read as an sd, is hundreds of SE off.
 * One check: false alarm 6.3e-5. */
static void test_turnout_spread(void **state)
{
    (void)state;
    const int n = 100000;
    const double m = 0.72, t = 0.03;
    double mean, var;
    national_turnout_moments(m, t, n, &mean, &var);
    assert_close(sqrt(var), t, 4 * t * sqrt((beta_kurtosis(m, t) - 1) / (4.0 * n)));
}

/* The Beta's parameters from the two moments, where the -1 in
 * a + b = m(1-m)/t^2 - 1 matters: with a + b small, dropping it leaves
 * the variance t^2 / (1 + t^2/(m(1-m))), 8.6 % low at (0.6, 0.15) and
 * 2.7 % low at (0.9, 0.05), against 4 SE of 1.1 % and 1.5 % at n = 200 000
 * (kurtosis 2.6 and 3.9). Two checks a call, two calls: a false alarm
 * <= 2.5e-4 for the test. */
static void check_turnout_moments(double m, double t)
{
    const int n = 200000;
    double mean, var;
    national_turnout_moments(m, t, n, &mean, &var);
    assert_close(mean, m, 4 * t / sqrt(n));
    assert_close(var, t * t, 4 * t * t * sqrt((beta_kurtosis(m, t) - 1) / n));
}

static void test_turnout_beta_from_moments(void **state)
{
    (void)state;
    check_turnout_moments(0.6, 0.15);
    check_turnout_moments(0.9, 0.05);
}

/* ---------------------------------------------------- regional (c-f) */

/* Infinite concentrations, no regional error, blend transfers: delta = 0
 * and every region's share is the matrix product A_r / (A_r + B_r); the
 * blank/null fraction fixed at its mean gives turnout and blank share. */
static void test_fixed_transfers_give_matrix_product(void **state)
{
    (void)state;
    const size_t R = 9, K = 5;
    runoff_scenario *s = regional(R, K, INFINITY);
    s->blend.mode = RO_BLEND_TRANSFERS;
    s->blank_null = (ro_blank_null){.mean = 0.2, .concentration = INFINITY};
    double A[9], B[9], sa = 0, sb = 0, sn = 0, reg = 0;
    uint32_t above = 0;
    for (size_t r = 0; r < R; r++) {
        A[r] = B[r] = 0;
        for (size_t o = 0; o < K; o++) {
            double v = s->votes[o * R + r];
            A[r] += v * s->transfers[o].mean[RO_TO_A];
            B[r] += v * s->transfers[o].mean[RO_TO_B];
            sn += v * s->transfers[o].mean[RO_TO_NONE];
        }
        sa += A[r];
        sb += B[r];
        reg += s->regions[r].registered;
        above += A[r] / (A[r] + B[r]) > 0.5;
    }
    ro_model *m = model_ok(s);
    assert_int_equal(ro_model_n_regions(m), R);
    ro_workspace *w = ro_workspace_alloc(m);
    ro_draw d;
    for (uint64_t i = 0; i < 5; i++) {
        ro_model_draw(m, w, 11, i, &d);
        assert_non_null(d.region_share_a);
        for (size_t r = 0; r < R; r++)
            assert_close(d.region_share_a[r], A[r] / (A[r] + B[r]), 1e-14);
        assert_close(d.share_a, sa / (sa + sb), 1e-14);
        assert_close(d.votes_a, sa, 1e-8 * sa);
        assert_close(d.votes_b, sb, 1e-8 * sb);
        assert_close(d.turnout, (sa + sb + 0.2 * sn) / reg, 1e-14);
        assert_close(d.blank_null, 0.2 * sn / (sa + sb + 0.2 * sn), 1e-14);
        assert_close(d.margin, (sa - sb) / reg, 1e-14);
        assert_int_equal(d.regions_a, above);
    }
    ro_workspace_free(w);
    ro_model_free(m);
    fix_free(s);
}

/* An exact tie is nobody's win: with fixed transfer rows giving A and B
 * the same votes in every region, the share is exactly 0.5 and the draw's
 * winner is -1 (counted as a tie), not A; no region is carried. */
static void test_exact_tie_has_no_winner(void **state)
{
    (void)state;
    const size_t R = 2, K = 2;
    runoff_scenario *s = one_poll(0.55, 2000);
    const double votes[4] = {1000, 3000, 500, 700};
    const double means[6] = {0.4, 0.4, 0.2, 0, 0, 1};
    fix_first_round(s, K, R, votes, means, INFINITY);
    s->options[K - 1].kind = RO_OPT_ABSTENTION;
    s->blend.mode = RO_BLEND_TRANSFERS;
    ro_model *m = model_ok(s);
    ro_workspace *w = ro_workspace_alloc(m);
    ro_draw d;
    for (uint64_t i = 0; i < 3; i++) {
        ro_model_draw(m, w, 5, i, &d);
        assert_true(d.share_a == 0.5);
        assert_int_equal(d.winner, -1);
        assert_int_equal(d.regions_a, 0);
    }
    ro_workspace_free(w);
    ro_model_free(m);
    fix_free(s);
}

/* Dirichlet rows. One option per region, each voting only in its own
 * region; blend transfers, blank/null fixed at b. Region r then reads
 * back row r exactly: s_r = T_A/(T_A+T_B), and the region's turnout
 * 1 - T_N (1 - b). With a single region per option we use one region
 * per scenario: R = 1, K = 1. Row (0.5, 0.3, 0.2), c = 20:
 * E T_j = mean_j, Var T_j = m_j(1-m_j)/(c+1); SE of the mean
 * sqrt(Var/N); SE of the sample variance sqrt((m4 - s^4)/N) with m4 the
 * sample fourth central moment (a plug-in SE: at N = 1e5 its own relative
 * error is about 1 %, so "4 SE" is 3.96 to 4.04 true SE, a false alarm of
 * 5.3e-5 to 7.5e-5). 4 SE each, six checks: a false alarm <= 4.5e-4 for
 * the test. */
static void test_dirichlet_row_moments(void **state)
{
    (void)state;
    const int N = 100000;
    const double c = 20, b = 0.25, mean[3] = {0.5, 0.3, 0.2};
    runoff_scenario *s = one_poll(0.5, 1000);
    double votes[1] = {1000};
    fix_first_round(s, 1, 1, votes, mean, c);
    s->blend.mode = RO_BLEND_TRANSFERS;
    s->blank_null = (ro_blank_null){.mean = b, .concentration = INFINITY};
    ro_model *m = model_ok(s);
    ro_workspace *w = ro_workspace_alloc(m);
    static double t[3][100000];
    ro_draw d;
    for (int i = 0; i < N; i++) {
        ro_model_draw(m, w, 5, (uint64_t)i, &d);
        double tn = (1 - d.turnout) / (1 - b);
        t[RO_TO_NONE][i] = tn;
        t[RO_TO_A][i] = d.share_a * (1 - tn);
        t[RO_TO_B][i] = (1 - d.share_a) * (1 - tn);
    }
    for (int j = 0; j < 3; j++) {
        double mu = 0, m2 = 0, m4 = 0;
        for (int i = 0; i < N; i++)
            mu += t[j][i];
        mu /= N;
        for (int i = 0; i < N; i++) {
            double e = (t[j][i] - mu) * (t[j][i] - mu);
            m2 += e;
            m4 += e * e;
        }
        m2 /= N;
        m4 /= N;
        double var = mean[j] * (1 - mean[j]) / (c + 1);
        assert_close(mu, mean[j], 4 * sqrt(var / N));
        assert_close(m2, var, 4 * sqrt((m4 - m2 * m2) / N));
    }
    ro_workspace_free(w);
    ro_model_free(m);
    fix_free(s);
}

/* The national-only model of the same polls, for comparison: the polls
 * stream is the same, so p is the same draw by draw. */
static runoff_scenario *national_copy(const runoff_scenario *s)
{
    runoff_scenario *n = fix_scenario();
    for (size_t i = 0; i < s->n_polls; i++) {
        const ro_poll *p = &s->polls[i];
        fix_add_poll(n, p->pollster, p->start, p->end, p->sample, p->share_a, p->share_b,
                     p->rolling);
    }
    n->polling_error = s->polling_error;
    n->aggregation.house = s->aggregation.house;
    return n;
}

/* Anchoring (blend: polls) reproduces the national share p to 1e-9, also
 * for targets far from the transfers' own level, with regional and group
 * deviations and random transfers in play. */
static void check_anchoring(runoff_scenario *s, double p)
{
    s->polls[0].share_a = 100 * p;
    s->polls[0].share_b = 100 * (1 - p);
    s->polls[0].two_way_a = p;
    runoff_scenario *n = national_copy(s);
    ro_model *mr = model_ok(s), *mn = model_ok(n);
    ro_workspace *wr = ro_workspace_alloc(mr), *wn = ro_workspace_alloc(mn);
    ro_draw dr, dn;
    for (uint64_t i = 0; i < 2000; i++) {
        ro_model_draw(mr, wr, 99, i, &dr);
        ro_model_draw(mn, wn, 99, i, &dn);
        assert_close(dr.share_a, dn.share_a, 1e-9);
        assert_close(dr.votes_a / (dr.votes_a + dr.votes_b), dn.share_a, 1e-9);
    }
    ro_workspace_free(wr);
    ro_workspace_free(wn);
    ro_model_free(mr);
    ro_model_free(mn);
    fix_free(n);
}

static void test_anchoring_hits_target(void **state)
{
    (void)state;
    runoff_scenario *s = regional(40, 8, 30);
    s->polling_error.scale = 0.02;
    s->regional_error.sd = 0.3;
    add_groups(s, 3, 0.2);
    const double targets[] = {0.05, 0.95, 0.82, 0.18, 0.5};
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++)
        check_anchoring(s, targets[k]);
    fix_free(s);
}

/* A region whose options send nobody to B (u = inf) or nobody to A
 * (u = 0) cannot move; the others still reach the target. */
static void test_anchoring_with_saturated_regions(void **state)
{
    (void)state;
    const double votes[2 * 3] = {100, 0, 300, 0, 200, 100};
    const double means[2 * 3] = {1, 0, 0, 0, 1, 0};
    runoff_scenario *s = one_poll(0.6, 1000);
    fix_first_round(s, 2, 3, votes, means, INFINITY);
    s->regional_error.sd = 0.5;
    check_anchoring(s, 0.6);
    fix_free(s);
}

/* blend: mix -> share = w p + (1-w) q, with q the transfers-only share of
 * the same draw (same transfers and regions streams). */
static void test_mix_blends_polls_and_transfers(void **state)
{
    (void)state;
    runoff_scenario *s = regional(30, 6, 50);
    s->regional_error.sd = 0.2;
    runoff_scenario *n = national_copy(s);
    s->blend = (ro_blend){.mode = RO_BLEND_MIX, .weight = 0.3};
    ro_model *mm = model_ok(s);
    s->blend.mode = RO_BLEND_TRANSFERS;
    ro_model *mt = model_ok(s);
    ro_model *mn = model_ok(n);
    ro_workspace *wm = ro_workspace_alloc(mm), *wt = ro_workspace_alloc(mt),
                 *wn = ro_workspace_alloc(mn);
    ro_draw dm, dt, dn;
    for (uint64_t i = 0; i < 500; i++) {
        ro_model_draw(mm, wm, 4, i, &dm);
        ro_model_draw(mt, wt, 4, i, &dt);
        ro_model_draw(mn, wn, 4, i, &dn);
        assert_close(dm.share_a, 0.3 * dn.share_a + 0.7 * dt.share_a, 1e-9);
        assert_close(dm.turnout, dt.turnout, 1e-15); /* turnout does not depend on the blend */
    }
    ro_workspace_free(wm);
    ro_workspace_free(wt);
    ro_workspace_free(wn);
    ro_model_free(mm);
    ro_model_free(mt);
    ro_model_free(mn);
    fix_free(n);
    fix_free(s);
}

/* One region, blend polls: the regional model's share is the national
 * model's share for every (seed, index). */
static void test_one_region_matches_national(void **state)
{
    (void)state;
    runoff_scenario *s = regional(1, 4, 40);
    s->polling_error = (ro_polling_error){.dist = RO_ERRDIST_STUDENT_T, .df = 5, .scale = 0.03};
    s->regional_error.sd = 0.4;
    runoff_scenario *n = national_copy(s);
    ro_model *mr = model_ok(s), *mn = model_ok(n);
    ro_workspace *wr = ro_workspace_alloc(mr), *wn = ro_workspace_alloc(mn);
    ro_draw dr, dn;
    for (uint64_t i = 0; i < 2000; i++) {
        ro_model_draw(mr, wr, 1234, i, &dr);
        ro_model_draw(mn, wn, 1234, i, &dn);
        assert_close(dr.share_a, dn.share_a, 1e-12);
        assert_close(dr.region_share_a[0], dn.share_a, 1e-12);
        assert_int_equal(dr.winner, dn.winner);
    }
    ro_workspace_free(wr);
    ro_workspace_free(wn);
    ro_model_free(mr);
    ro_model_free(mn);
    fix_free(n);
    fix_free(s);
}

/* Common random numbers: changing the regional sd changes the regional
 * shares but not the transfers or blank/null draws (turnout identical),
 * nor the national share (blend polls). */
static void test_components_have_their_own_streams(void **state)
{
    (void)state;
    runoff_scenario *s = regional(12, 5, 30);
    s->regional_error.sd = 0.1;
    ro_model *m1 = model_ok(s);
    s->regional_error.sd = 0.4;
    ro_model *m2 = model_ok(s);
    ro_workspace *w1 = ro_workspace_alloc(m1), *w2 = ro_workspace_alloc(m2);
    ro_draw d1, d2;
    for (uint64_t i = 0; i < 50; i++) {
        ro_model_draw(m1, w1, 8, i, &d1);
        ro_model_draw(m2, w2, 8, i, &d2);
        assert_true(d1.turnout == d2.turnout);
        assert_true(d1.blank_null == d2.blank_null);
        assert_close(d1.share_a, d2.share_a, 1e-12);
        assert_true(d1.region_share_a[3] != d2.region_share_a[3]);
    }
    ro_workspace_free(w1);
    ro_workspace_free(w2);
    ro_model_free(m1);
    ro_model_free(m2);
    fix_free(s);
}

/* ------------------------------------------------------ determinism (g) */

static void test_draws_are_deterministic(void **state)
{
    (void)state;
    const size_t R = 20;
    runoff_scenario *s = regional(R, 6, 30);
    s->regional_error.sd = 0.2;
    add_groups(s, 2, 0.1);
    s->polling_error.scale = 0.02;
    ro_model *m = model_ok(s);
    ro_workspace *w1 = ro_workspace_alloc(m), *w2 = ro_workspace_alloc(m);
    ro_draw a, b;
    double shares[20];
    ro_model_draw(m, w1, 77, 12345, &a);
    memcpy(shares, a.region_share_a, sizeof shares);
    ro_model_draw(m, w1, 77, 12346, &b); /* something else in between */
    assert_true(b.share_a != a.share_a);
    ro_model_draw(m, w2, 77, 12345, &b); /* another workspace */
    assert_true(b.share_a == a.share_a && b.turnout == a.turnout &&
                b.blank_null == a.blank_null && b.votes_a == a.votes_a &&
                b.regions_a == a.regions_a && b.winner == a.winner);
    assert_memory_equal(b.region_share_a, shares, sizeof shares);
    ro_model_draw(m, w1, 78, 12345, &b); /* another seed */
    assert_true(b.share_a != a.share_a);
    ro_workspace_free(w1);
    ro_workspace_free(w2);
    ro_model_free(m);
    fix_free(s);
}

/* The national draws come a block of RO_NATIONAL_BLOCK at a time and are
 * cached: a draw must be the same asked for in order, backwards, alone in
 * a fresh workspace, or after a draw of another seed, whatever the path of
 * the turnout Beta (batched gammas, or GSL for a shape below 1). */
static void test_national_blocks_do_not_depend_on_order(void **state)
{
    (void)state;
    enum { N = 2 * RO_NATIONAL_BLOCK + 100 };
    static double share[N], turnout[N];
    const double sds[2] = {0.03, 0.4}; /* Beta shapes ~164 and 0.28 */
    for (int k = 0; k < 2; k++) {
        runoff_scenario *s = one_poll(0.55, 1000);
        s->polling_error = (ro_polling_error){.dist = RO_ERRDIST_STUDENT_T, .df = 5, .scale = 0.03};
        s->registered = 1e6;
        s->turnout = (ro_turnout){.given = true, .mean = 0.5, .sd = sds[k]};
        ro_model *m = model_ok(s);
        ro_workspace *w = ro_workspace_alloc(m), *fresh = ro_workspace_alloc(m);
        ro_draw d;
        for (int i = 0; i < N; i++) {
            ro_model_draw(m, w, 9, (uint64_t)i, &d);
            share[i] = d.share_a;
            turnout[i] = d.turnout;
            assert_true(d.turnout > 0 && d.turnout < 1);
        }
        for (int i = N - 1; i >= 0; i -= 7) {
            ro_model_draw(m, w, 9, (uint64_t)i, &d);
            assert_true(d.share_a == share[i] && d.turnout == turnout[i]);
            ro_model_draw(m, w, 10, (uint64_t)i, &d); /* another seed in between */
            assert_true(d.share_a != share[i]);
        }
        ro_model_draw(m, fresh, 9, RO_NATIONAL_BLOCK + 17, &d);
        assert_true(d.share_a == share[RO_NATIONAL_BLOCK + 17]);
        assert_true(d.turnout == turnout[RO_NATIONAL_BLOCK + 17]);
        ro_workspace_free(w);
        ro_workspace_free(fresh);
        ro_model_free(m);
        fix_free(s);
    }
}

/* ro_model_draw_run gives, as arrays, the bits ro_model_draw gives draw by
 * draw: runs that start anywhere in a block stop at its end, and an array
 * is NULL exactly where every draw's value is NAN; with a random, a fixed
 * and no turnout, with and without a registered count. */
static bool same_or_nan(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void test_draw_runs_match_draws(void **state)
{
    (void)state;
    static const struct { bool given; double sd, registered; } cases[] = {
        {true, 0.03, 1e6}, {true, 0.4, 1e6}, {true, 0, 1e6}, {true, 0.03, 0}, {false, 0, 1e6}};
    static const size_t starts[] = {0, 1, 999, 1000, 1500, 2999}, lens[] = {1, 3, 1000, 5000};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        runoff_scenario *s = one_poll(0.55, 1000);
        s->polling_error = (ro_polling_error){.dist = RO_ERRDIST_STUDENT_T, .df = 5, .scale = 0.03};
        s->registered = cases[c].registered;
        s->turnout = (ro_turnout){.given = cases[c].given, .mean = 0.5, .sd = cases[c].sd};
        ro_model *m = model_ok(s);
        ro_workspace *w = ro_workspace_alloc(m), *one = ro_workspace_alloc(m);
        for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
            const size_t start = starts[k], len = lens[k % (sizeof lens / sizeof lens[0])];
            ro_draw_run run;
            const size_t n = ro_model_draw_run(m, w, 4, start, len, &run);
            const size_t to_end = RO_NATIONAL_BLOCK - start % RO_NATIONAL_BLOCK;
            assert_int_equal(n, len < to_end ? len : to_end);
            uint64_t wins[2] = {0, 0};
            for (size_t j = 0; j < n; j++) {
                ro_draw d;
                ro_model_draw(m, one, 4, start + j, &d);
                if (d.winner >= 0)
                    wins[d.winner]++;
                assert_true(same_or_nan(run.share_a[j], d.share_a));
                assert_true(run.turnout != NULL ? same_or_nan(run.turnout[j], d.turnout)
                                                : isnan(d.turnout));
                assert_true(run.margin != NULL ? same_or_nan(run.margin[j], d.margin)
                                               : isnan(d.margin));
            }
            assert_true(run.wins[0] == wins[0] && run.wins[1] == wins[1]);
        }
        ro_workspace_free(w);
        ro_workspace_free(one);
        ro_model_free(m);
        fix_free(s);
    }
}

/* The national shares four at a time: the bits of the scalar formula,
 * with shares in both tails of the bounded map and between, with and
 * without the systematic term. */
static void test_vector_national_shares_match_scalar(void **state)
{
    (void)state;
    enum { N = 4000 };
    static double p[N], z2[N], want[N];
    for (int with_z2 = 0; with_z2 < 2; with_z2++) {
        const double mean = 0.5, sd = 0.3, scale = with_z2 ? 0.2 : 0;
        for (int j = 0; j < N; j++) {
            p[j] = sin(0.7 * j) * 2.5; /* y spans about -0.5 .. 1.5 */
            z2[j] = cos(1.3 * j);
            double y = mean + sd * p[j];
            if (with_z2)
                y += scale * z2[j];
            want[j] = ro_share_bound(y);
        }
        ro_model_vec_national_share(p, with_z2 ? z2 : NULL, N, mean, sd, scale);
        int tails = 0;
        for (int j = 0; j < N; j++) {
            assert_memory_equal(&p[j], &want[j], sizeof p[j]);
            tails += p[j] < RO_SHARE_LO || p[j] > 1 - RO_SHARE_LO;
        }
        assert_true(tails > N / 10);
    }
}

/* ----------------------------------------------------------- errors */

static void test_alloc_failures_are_reported(void **state)
{
    (void)state;
    runoff_scenario *s = regional(10, 4, 30);
    add_groups(s, 2, 0.1);
    /* a lean and its sd: their arrays, and regional.c's scratch, fail too */
    s->regional_error.local_lean = 0.3;
    s->regional_error.local_lean_sd = 0.1;
    bool succeeded = false;
    for (long k = 0; !succeeded && k < 80; k++) {
        runoff_error err = {0};
        ro_alloc_fail_after(k);
        ro_model *m = ro_model_alloc(s, &err);
        ro_alloc_fail_after(-1);
        if (m == NULL) {
            assert_int_equal(err.status, RUNOFF_ENOMEM);
            continue;
        }
        for (long j = 0; j < 10; j++) {
            ro_alloc_fail_after(j);
            ro_workspace *w = ro_workspace_alloc(m);
            ro_alloc_fail_after(-1);
            if (w != NULL) {
                succeeded = true;
                ro_workspace_free(w);
                break;
            }
        }
        ro_model_free(m);
    }
    assert_true(succeeded);
    ro_model_free(NULL);
    ro_workspace_free(NULL);
    fix_free(s);
}

static void test_no_poll_is_an_input_error(void **state)
{
    (void)state;
    runoff_scenario *s = one_poll(0.5, 1000);
    s->aggregation.has_as_of = true;
    s->aggregation.as_of = T0 - 10;
    runoff_error err = {0};
    assert_null(ro_model_alloc(s, &err));
    assert_int_equal(err.status, RUNOFF_EINPUT);
    fix_free(s);
}

/* A turnout sd no Beta of that mean has (sd^2 >= mean(1-mean)) is an
 * input error, not non-positive shapes handed to gsl_ran_beta, which would
 * never return: the loader refuses it, but a scenario built in code is
 * not loaded. Just below the bound the model is built. */
static void test_impossible_turnout_is_an_input_error(void **state)
{
    (void)state;
    const double bad[][2] = {{0.5, 0.5}, {0.9, 0.3}, {0, 0.1}, {1, 0.1}, {NAN, 0.1}};
    runoff_scenario *s = one_poll(0.55, 1000);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        s->turnout = (ro_turnout){.given = true, .mean = bad[i][0], .sd = bad[i][1]};
        runoff_error err = {0};
        assert_null(ro_model_alloc(s, &err));
        assert_int_equal(err.status, RUNOFF_EINPUT);
        assert_non_null(strstr(err.message, "turnout sd is "));
    }
    s->turnout = (ro_turnout){.given = true, .mean = 0.5, .sd = 0.8};
    runoff_error err = {0};
    assert_null(ro_model_alloc(s, &err));
    assert_non_null(
        strstr(err.message, "turnout sd is 80 %, expected less than 50 % for mean 50 %"));
    s->turnout.sd = 0.4999;
    ro_model_free(model_ok(s));
    fix_free(s);
}

/* blend: transfers needs no polls, and then has no poll average. */
static void test_transfers_only_needs_no_polls(void **state)
{
    (void)state;
    runoff_scenario *s = regional(5, 3, 30);
    s->n_polls = 0;
    s->blend.mode = RO_BLEND_TRANSFERS;
    ro_model *m = model_ok(s);
    assert_null(ro_model_poll_average(m));
    ro_workspace *w = ro_workspace_alloc(m);
    ro_draw d;
    ro_model_draw(m, w, 1, 0, &d);
    assert_true(d.share_a > 0 && d.share_a < 1);
    ro_workspace_free(w);
    ro_model_free(m);
    fix_free(s);
}

/* With a turnout section, every regional draw's turnout is anchored to
 * the turnout draw (exactly, when sd = 0) by scaling valid votes, which
 * must leave A's share and the region shares untouched (same draw index).
 * With sd > 0, the mean and the sd of the turnout over n draws are within
 * 4 standard errors (the Beta's, above "turnout spread") of the configured
 * ones: the anchoring is exact per draw, so the only error is the Beta
 * sampling. Two checks of 4 SE: a false alarm <= 1.3e-4. */
static void test_turnout_anchoring(void **state)
{
    (void)state;
    runoff_scenario *s = regional(20, 5, 30);
    s->regional_error.sd = 0.1;
    ro_model *m0 = model_ok(s);
    s->turnout.given = true;
    s->turnout.mean = 0.6;
    s->turnout.sd = 0;
    ro_model *m1 = model_ok(s);
    ro_workspace *w0 = ro_workspace_alloc(m0), *w1 = ro_workspace_alloc(m1);
    ro_draw d0, d1;
    for (uint64_t i = 0; i < 200; i++) {
        ro_model_draw(m0, w0, 3, i, &d0);
        double shares0[20];
        memcpy(shares0, d0.region_share_a, sizeof shares0);
        ro_model_draw(m1, w1, 3, i, &d1);
        assert_close(d1.turnout, 0.6, 1e-12);
        assert_true(d1.share_a == d0.share_a);
        assert_memory_equal(d1.region_share_a, shares0, sizeof shares0);
        assert_close(d1.votes_a / (d1.votes_a + d1.votes_b), d1.share_a, 1e-12);
    }
    ro_workspace_free(w1);
    ro_model_free(m1);
    s->turnout.sd = 0.02;
    m1 = model_ok(s);
    w1 = ro_workspace_alloc(m1);
    const int n = 20000;
    double sum = 0, sumsq = 0;
    for (int i = 0; i < n; i++) {
        ro_model_draw(m1, w1, 5, (uint64_t)i, &d1);
        sum += d1.turnout - 0.6;
        sumsq += (d1.turnout - 0.6) * (d1.turnout - 0.6);
    }
    assert_close(sum / n, 0, 4 * 0.02 / sqrt(n));
    double sd = sqrt(sumsq / n - (sum / n) * (sum / n));
    assert_close(sd, 0.02, 4 * 0.02 * sqrt((beta_kurtosis(0.6, 0.02) - 1) / (4.0 * n)));
    ro_workspace_free(w0);
    ro_workspace_free(w1);
    ro_model_free(m0);
    ro_model_free(m1);
    fix_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share_bound_properties),
        cmocka_unit_test(test_fast_exp_matches_libm),
        cmocka_unit_test(test_anchor_shift_matches_evaluation),
        cmocka_unit_test(test_win_probability_close_race),
        cmocka_unit_test(test_win_probability_lopsided),
        cmocka_unit_test(test_systematic_error_normal_sd),
        cmocka_unit_test(test_systematic_error_student_t_sd),
        cmocka_unit_test(test_national_turnout_and_votes),
        cmocka_unit_test(test_turnout_spread),
        cmocka_unit_test(test_turnout_beta_from_moments),
        cmocka_unit_test(test_fixed_transfers_give_matrix_product),
        cmocka_unit_test(test_exact_tie_has_no_winner),
        cmocka_unit_test(test_dirichlet_row_moments),
        cmocka_unit_test(test_anchoring_hits_target),
        cmocka_unit_test(test_anchoring_with_saturated_regions),
        cmocka_unit_test(test_mix_blends_polls_and_transfers),
        cmocka_unit_test(test_one_region_matches_national),
        cmocka_unit_test(test_components_have_their_own_streams),
        cmocka_unit_test(test_draws_are_deterministic),
        cmocka_unit_test(test_national_blocks_do_not_depend_on_order),
        cmocka_unit_test(test_draw_runs_match_draws),
        cmocka_unit_test(test_vector_national_shares_match_scalar),
        cmocka_unit_test(test_alloc_failures_are_reported),
        cmocka_unit_test(test_no_poll_is_an_input_error),
        cmocka_unit_test(test_impossible_turnout_is_an_input_error),
        cmocka_unit_test(test_transfers_only_needs_no_polls),
        cmocka_unit_test(test_turnout_anchoring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
