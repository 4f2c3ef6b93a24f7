/*
 * test_polls.c — the polling average (docs/model.md §1), on small cases
 * whose results are worked out by hand in the comments.
 */
#include "testutil.h"

#include <string.h>

#include "error.h"
#include "polls.h"
#include "scenario_fixture.h"

#define T0 FIX_ELECTION_DATE
#define EPS 1e-12

static ro_poll_average average_ok(const runoff_scenario *s)
{
    ro_poll_average avg;
    runoff_error err = {0};
    assert_int_equal(ro_polls_average(s, &avg, &err), RUNOFF_OK);
    assert_int_equal(err.status, RUNOFF_OK);
    return avg;
}

/* The recency rule polls and transfer surveys share: ln 0.5 per
 * half-life of age, kept on the log scale so that nothing underflows:
 * 3 days at a half-life of 0.001 days is -3000 ln 2 (0.5^3000 is 0 in
 * double precision). Age runs from the fieldwork midpoint: T0-4..T0-2 is
 * 3 days old at T0, T0-3..T0-2 is 2.5. */
static void test_recency_rule(void **state)
{
    (void)state;
    assert_close(ro_polls_log_recency(7, 7), log(0.5), EPS);
    assert_close(ro_polls_log_recency(0, 7), 0, 0);
    assert_close(ro_polls_log_recency(3, 0.001), -3000 * log(2), 1e-9);
    assert_close(ro_polls_age(T0, T0 - 4, T0 - 2), 3, 0);
    assert_close(ro_polls_age(T0, T0 - 3, T0 - 2), 2.5, 0);
}

/* One poll, n = 1000, 52-48, design effect 1: weight 1, mean 0.52,
 * sd = sqrt(0.52 * 0.48 / 1000), n_eff = 1000. */
static void test_single_poll(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    fix_add_poll(s, "P", T0 - 2, T0, 1000, 52, 48, false);
    ro_poll_average avg = average_ok(s);
    assert_int_equal(avg.n_used, 1);
    assert_int_equal(avg.reference_date, T0);
    assert_close(avg.polls[0].weight, 1, EPS);
    assert_close(avg.polls[0].age_days, 1, EPS);
    assert_close(avg.mean, 0.52, EPS);
    assert_close(avg.sd, sqrt(0.52 * 0.48 / 1000), EPS);
    assert_close(avg.n_eff, 1000, 1e-9);
    ro_poll_average_clear(&avg);
    ro_poll_average_clear(&avg); /* cleared twice: harmless */
    ro_poll_average_clear(NULL);
    fix_free(s);
}

/* Same day, samples 1000 and 3000, house effects off: weights 1/4, 3/4;
 * mean = 0.52/4 + 0.48*3/4 = 0.49; sd^2 = m(1-m)(1/16/1000 + 9/16/3000)
 * = m(1-m)/4000, so n_eff = 4000 (the pooled sample). Shares 26-24 are
 * normalised to the two-way 0.52. */
static void test_weights_proportional_to_sample(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    s->aggregation.house = RO_HOUSE_NONE;
    fix_add_poll(s, "P", T0, T0, 1000, 26, 24, false);
    fix_add_poll(s, "Q", T0, T0, 3000, 48, 52, false);
    ro_poll_average avg = average_ok(s);
    assert_close(avg.polls[0].weight, 0.25, EPS);
    assert_close(avg.polls[1].weight, 0.75, EPS);
    assert_close(avg.mean, 0.49, EPS);
    assert_close(avg.n_eff, 4000, 1e-8);
    assert_close(avg.sd, sqrt(0.49 * 0.51 / 4000), EPS);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* Half-life 7: a poll whose fieldwork midpoint is 7 days old has recency
 * 1/2, one 14 days old 1/4; equal samples, so weights 4/7, 2/7, 1/7. */
static void test_half_life_halves_weight(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    s->aggregation.house = RO_HOUSE_NONE;
    fix_add_poll(s, "P", T0, T0, 1000, 50, 50, false);
    fix_add_poll(s, "Q", T0 - 8, T0 - 6, 1000, 50, 50, false);
    fix_add_poll(s, "R", T0 - 14, T0 - 14, 1000, 50, 50, false);
    ro_poll_average avg = average_ok(s);
    assert_close(avg.polls[1].age_days, 7, EPS);
    assert_close(avg.polls[1].recency, 0.5, EPS);
    assert_close(avg.polls[2].recency, 0.25, EPS);
    assert_close(avg.polls[0].weight, 4.0 / 7, EPS);
    assert_close(avg.polls[1].weight, 2.0 / 7, EPS);
    assert_close(avg.polls[2].weight, 1.0 / 7, EPS);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* Polls 2000 and 2001 half-lives old: 0.5^2000 underflows, yet the
 * relative weights must still be 2/3 and 1/3. */
static void test_very_old_polls_keep_relative_weights(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    s->aggregation.half_life_days = 1;
    s->aggregation.house = RO_HOUSE_NONE;
    fix_add_poll(s, "P", T0 - 2000, T0 - 2000, 1000, 60, 40, false);
    fix_add_poll(s, "Q", T0 - 2001, T0 - 2001, 1000, 30, 70, false);
    ro_poll_average avg = average_ok(s);
    assert_close(avg.polls[0].weight, 2.0 / 3, EPS);
    assert_close(avg.polls[1].weight, 1.0 / 3, EPS);
    assert_close(avg.mean, 0.6 * 2 / 3 + 0.3 / 3, EPS);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* as_of = T0 - 10: the poll ending at T0 is excluded, ages are counted
 * from as_of (the remaining poll, midpoint T0 - 10 - 7, is 7 days old). */
static void test_as_of_excludes_later_polls(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    s->aggregation.has_as_of = true;
    s->aggregation.as_of = T0 - 10;
    fix_add_poll(s, "P", T0 - 1, T0, 1000, 60, 40, false);
    fix_add_poll(s, "Q", T0 - 18, T0 - 16, 1000, 45, 55, false);
    fix_add_poll(s, "Q", T0 - 12, T0 - 10, 1000, 45, 55, false); /* ends on as_of: kept */
    ro_poll_average avg = average_ok(s);
    assert_int_equal(avg.reference_date, T0 - 10);
    assert_false(avg.polls[0].used);
    assert_string_equal(avg.polls[0].excluded_why, "after as_of");
    assert_close(avg.polls[0].weight, 0, 0);
    assert_true(avg.polls[2].used);
    assert_null(avg.polls[2].excluded_why);
    assert_close(avg.polls[1].age_days, 7, EPS);
    assert_int_equal(avg.n_used, 2);
    assert_int_equal(avg.n_house, 1);
    assert_close(avg.mean, 0.45, EPS);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

static void test_no_usable_poll_is_an_input_error(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    s->aggregation.has_as_of = true;
    s->aggregation.as_of = 19083; /* 2022-04-01 */
    fix_add_poll(s, "P", 19090, 19091, 1000, 60, 40, false);
    fix_add_poll(s, "Q", 19084, 19100, 1000, 45, 55, true);
    ro_poll_average avg;
    runoff_error err = {0};
    assert_int_equal(ro_polls_average(s, &avg, &err), RUNOFF_EINPUT);
    assert_int_equal(err.status, RUNOFF_EINPUT);
    assert_string_equal(err.message,
                        "no poll left to average (all 2 polls end after as_of 2022-04-01)");
    assert_null(avg.polls);
    assert_null(avg.house);
    fix_free(s);
}

/* Rolling releases of R: the one with the latest end wins; among equal
 * ends the later start; among identical windows the later in the file.
 * Non-rolling polls of the same pollster are never superseded, and a
 * release after as_of supersedes nothing. */
static void test_rolling_latest_keeps_one_release(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    s->aggregation.has_as_of = true;
    s->aggregation.as_of = T0 - 1;
    fix_add_poll(s, "R", T0 - 6, T0 - 4, 1000, 50, 50, true); /* 0: older end */
    fix_add_poll(s, "R", T0 - 4, T0 - 2, 1000, 50, 50, true); /* 1: later start */
    fix_add_poll(s, "R", T0 - 5, T0 - 2, 1000, 50, 50, true); /* 2: same end, earlier start */
    fix_add_poll(s, "R", T0 - 1, T0, 1000, 50, 50, true);     /* 3: after as_of */
    fix_add_poll(s, "R", T0 - 9, T0 - 8, 1000, 50, 50, false);/* 4: not rolling */
    fix_add_poll(s, "S", T0 - 9, T0 - 8, 1000, 50, 50, true); /* 5: other pollster */
    fix_add_poll(s, "S", T0 - 9, T0 - 8, 1000, 50, 50, true); /* 6: identical, later in file */
    ro_poll_average avg = average_ok(s);
    const bool used[] = {false, true, false, false, true, false, true};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(avg.polls[i].used, used[i]);
    assert_string_equal(avg.polls[0].excluded_why, "superseded rolling release");
    assert_string_equal(avg.polls[2].excluded_why, "superseded rolling release");
    assert_string_equal(avg.polls[3].excluded_why, "after as_of");
    assert_int_equal(avg.n_used, 3);
    ro_poll_average_clear(&avg);

    s->aggregation.rolling = RO_ROLLING_ALL;
    avg = average_ok(s);
    assert_int_equal(avg.n_used, 6);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* Three same-day polls of equal size (weights 1/3): P at 0.52 and 0.54,
 * Q at 0.47, so p0 = 0.51. With shrinkage 1:
 *   raw_P = ((0.52 - 0.51) + (0.54 - 0.51)) / (2 + 1) = 0.04/3
 *   raw_Q = (0.47 - 0.51) / (1 + 1) = -0.02
 * centred on their mean (0.04/3 - 0.02)/2 = -1/300:
 *   h_P = 0.04/3 + 1/300 = 1/60,  h_Q = -0.02 + 1/300 = -1/60
 * mean = p0 - (2 h_P + h_Q)/3 = 0.51 - 1/180. */
static runoff_scenario *house_case(ro_house_mode mode)
{
    runoff_scenario *s = fix_scenario();
    s->aggregation.house = mode;
    s->aggregation.house_shrinkage = 1;
    fix_add_poll(s, "P", T0, T0, 1000, 52, 48, false);
    fix_add_poll(s, "Q", T0, T0, 1000, 47, 53, false);
    fix_add_poll(s, "P", T0, T0, 1000, 54, 46, false);
    return s;
}

static void test_house_effects_estimate(void **state)
{
    (void)state;
    runoff_scenario *s = house_case(RO_HOUSE_ESTIMATE);
    ro_poll_average avg = average_ok(s);
    assert_int_equal(avg.n_house, 2);
    assert_string_equal(avg.house[0].pollster, "P");
    assert_int_equal(avg.house[0].n_polls, 2);
    assert_close(avg.house[0].effect, 1.0 / 60, EPS);
    assert_string_equal(avg.house[1].pollster, "Q");
    assert_int_equal(avg.house[1].n_polls, 1);
    assert_close(avg.house[1].effect, -1.0 / 60, EPS);
    assert_close(avg.polls[1].house, -1.0 / 60, EPS);
    assert_close(avg.polls[1].adjusted, 0.47 + 1.0 / 60, EPS);
    assert_close(avg.mean, 0.51 - 1.0 / 180, EPS);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* shrinkage 0, one pollster: its effect is its mean deviation from p0,
 * i.e. 0, and centring keeps it 0. */
static void test_house_effects_single_pollster_is_zero(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    s->aggregation.house_shrinkage = 0;
    fix_add_poll(s, "P", T0, T0, 1000, 52, 48, false);
    fix_add_poll(s, "P", T0 - 3, T0 - 3, 500, 56, 44, false);
    ro_poll_average avg = average_ok(s);
    assert_close(avg.house[0].effect, 0, EPS);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* fixed: P's given 0.02 (not centred), Q unlisted -> 0;
 * mean = 0.51 - 2 * 0.02 / 3. */
static void test_house_effects_fixed(void **state)
{
    (void)state;
    runoff_scenario *s = house_case(RO_HOUSE_FIXED);
    s->aggregation.house_fixed = calloc(1, sizeof *s->aggregation.house_fixed);
    s->aggregation.n_house_fixed = 1;
    strcpy(s->aggregation.house_fixed[0].pollster, "P");
    s->aggregation.house_fixed[0].effect = 0.02;
    ro_poll_average avg = average_ok(s);
    assert_close(avg.house[0].effect, 0.02, EPS);
    assert_close(avg.house[1].effect, 0, 0);
    assert_close(avg.polls[2].adjusted, 0.52, EPS);
    assert_close(avg.mean, 0.51 - 0.04 / 3, EPS);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

static void test_house_effects_none(void **state)
{
    (void)state;
    runoff_scenario *s = house_case(RO_HOUSE_NONE);
    ro_poll_average avg = average_ok(s);
    for (size_t j = 0; j < avg.n_house; j++)
        assert_close(avg.house[j].effect, 0, 0);
    assert_close(avg.mean, 0.51, EPS);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* Design effect d divides every sample: n_eff = n/d, sd scales by
 * sqrt(d); the mean does not move. */
static void test_design_effect_scales_sd(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    fix_add_poll(s, "P", T0, T0, 1000, 50, 50, false);
    fix_add_poll(s, "Q", T0 - 3, T0, 600, 55, 45, false);
    ro_poll_average a1 = average_ok(s);
    s->aggregation.design_effect = 2.5;
    ro_poll_average a2 = average_ok(s);
    assert_close(a2.mean, a1.mean, EPS);
    assert_close(a2.sd, a1.sd * sqrt(2.5), EPS);
    assert_close(a2.n_eff, a1.n_eff / 2.5, 1e-9);
    assert_close(a2.polls[1].n_eff, 240, EPS);
    ro_poll_average_clear(&a1);
    ro_poll_average_clear(&a2);
    fix_free(s);
}

static void test_alloc_failure(void **state)
{
    (void)state;
    runoff_scenario *s = fix_scenario();
    fix_add_poll(s, "P", T0, T0, 1000, 50, 50, false);
    for (long k = 0; k < 2; k++) {
        ro_poll_average avg;
        runoff_error err = {0};
        ro_alloc_fail_after(k);
        runoff_status st = ro_polls_average(s, &avg, &err);
        ro_alloc_fail_after(-1);
        assert_int_equal(st, RUNOFF_ENOMEM);
        assert_int_equal(err.status, RUNOFF_ENOMEM);
        assert_null(avg.polls);
    }
    fix_free(s);
}

/* ------------------------------------------------- method: dynamic (§1b) */

/* The dynamic method with its variances given, so each case is a plain
 * linear solve (engine/trend.c; tests/test_trend.c checks the solve). */
static runoff_scenario *dynamic_scenario(void)
{
    runoff_scenario *s = fix_scenario();
    s->aggregation.method = RO_AGG_DYNAMIC;
    s->aggregation.daily_sd = 0.02;
    s->aggregation.poll_sd = 0.01;
    s->aggregation.house_sd = 0.05;
    s->aggregation.max_sample = 2000;
    return s;
}

/* Rolling releases of R: [-9,-7], [-8,-6], [-7,-5], [-5,-3], [-4,-2],
 * [-2,0] (days from T0). Going back from the latest, [-2,0], the boundary
 * is its start, -2: [-4,-2] ends on -2, not before it: dropped; [-5,-3] is
 * the latest release ending before -2: kept, boundary -5; [-7,-5] ends on
 * -5: dropped; [-8,-6] ends before -5: kept, boundary -8; [-9,-7] ends on
 * -7, not before -8: dropped. Kept: [-8,-6], [-5,-3], [-2,0], and the
 * non-rolling poll of Q. With rolling: all every release is kept. */
static void test_dynamic_rolling_keeps_a_non_overlapping_chain(void **state)
{
    (void)state;
    runoff_scenario *s = dynamic_scenario();
    const int span[6][2] = {{-9, -7}, {-8, -6}, {-7, -5}, {-5, -3}, {-4, -2}, {-2, 0}};
    for (int k = 0; k < 6; k++)
        fix_add_poll(s, "R", T0 + span[k][0], T0 + span[k][1], 1000, 52, 48, true);
    fix_add_poll(s, "Q", T0 - 4, T0 - 3, 1000, 53, 47, false);
    ro_poll_average avg = average_ok(s);
    const bool kept[7] = {false, true, false, true, false, true, true};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(avg.polls[i].used, kept[i]);
        if (!kept[i])
            assert_string_equal(avg.polls[i].excluded_why, "overlaps a later release");
    }
    assert_int_equal(avg.n_used, 4);
    assert_int_equal(avg.n_trend, 4);
    ro_poll_average_clear(&avg);
    s->aggregation.rolling = RO_ROLLING_ALL;
    avg = average_ok(s);
    assert_int_equal(avg.n_used, 7);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* The sample cap: a 13 742-person poll counts as max_sample (2000), and
 * the design effect divides after the cap: n_eff = 2000 / 1.5. Two polls
 * of the same day and share: the model weighs each in proportion to
 * 1 / (v_i + tau^2), v_i = 1 / (n_eff p(1-p)), and the mean is their share. */
static void test_dynamic_caps_the_sample(void **state)
{
    (void)state;
    runoff_scenario *s = dynamic_scenario();
    s->aggregation.design_effect = 1.5;
    s->aggregation.house = RO_HOUSE_NONE;
    fix_add_poll(s, "P", T0, T0, 13742, 55, 45, false);
    fix_add_poll(s, "Q", T0, T0, 1000, 55, 45, false);
    ro_poll_average avg = average_ok(s);
    assert_close(avg.polls[0].n_eff, 2000 / 1.5, EPS);
    assert_close(avg.polls[1].n_eff, 1000 / 1.5, EPS);
    const double pq = 0.55 * 0.45, t2 = 0.01 * 0.01;
    const double r0 = 1 / (2000 / 1.5 * pq) + t2, r1 = 1 / (1000 / 1.5 * pq) + t2;
    assert_close(avg.polls[0].weight / avg.polls[1].weight, r1 / r0, 1e-9);
    assert_close(avg.mean, 0.55, 1e-12);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* Fixed house effects are removed from the share before the model sees
 * it: P's 56 with +2 points and Q's 52 with -2 points both say 54, so the
 * average is 54 % exactly and each poll's adjusted share is 54 %. */
static void test_dynamic_fixed_house_effects(void **state)
{
    (void)state;
    runoff_scenario *s = dynamic_scenario();
    s->aggregation.house = RO_HOUSE_FIXED;
    s->aggregation.house_fixed = calloc(2, sizeof *s->aggregation.house_fixed);
    assert_non_null(s->aggregation.house_fixed);
    s->aggregation.n_house_fixed = 2;
    s->aggregation.house_fixed[0] = (ro_house_value){.pollster = "P", .effect = 0.02};
    s->aggregation.house_fixed[1] = (ro_house_value){.pollster = "Q", .effect = -0.02};
    fix_add_poll(s, "P", T0 - 3, T0 - 2, 1000, 56, 44, false);
    fix_add_poll(s, "Q", T0 - 1, T0, 1200, 52, 48, false);
    ro_poll_average avg = average_ok(s);
    assert_close(avg.mean, 0.54, 1e-12);
    assert_close(avg.polls[0].adjusted, 0.54, 1e-12);
    assert_close(avg.polls[1].adjusted, 0.54, 1e-12);
    assert_close(avg.polls[0].house, 0.02, 1e-12);
    ro_poll_average_clear(&avg);
    fix_free(s);
}

/* Every allocation of the dynamic path fails cleanly: the k-th fails for
 * k = 0, 1, ... until one is past the last (then the average succeeds). */
static void test_dynamic_alloc_failure(void **state)
{
    (void)state;
    runoff_scenario *s = dynamic_scenario();
    fix_add_poll(s, "P", T0 - 3, T0 - 1, 1000, 50, 50, true);
    fix_add_poll(s, "Q", T0 - 2, T0, 1000, 52, 48, false);
    for (long k = 0;; k++) {
        ro_poll_average avg;
        runoff_error err = {0};
        ro_alloc_fail_after(k);
        runoff_status st = ro_polls_average(s, &avg, &err);
        ro_alloc_fail_after(-1);
        if (st == RUNOFF_OK) {
            assert_true(k > 4); /* polls, house, chain flags, trend inputs, ... */
            ro_poll_average_clear(&avg);
            break;
        }
        assert_int_equal(st, RUNOFF_ENOMEM);
        assert_null(avg.polls);
    }
    fix_free(s);
}

/* The rolling rules as first written, one comparison per pair of polls:
 * the reference the sorted selection must match on every input.
 * Exponential: a rolling release is dropped when a later release of its
 * pollster exists. Dynamic: from each pollster's latest release, keep the
 * latest release ending before the start of the last one kept. */
static bool ref_later(const ro_poll *a, size_t i, const ro_poll *b, size_t j)
{
    if (b->end != a->end)
        return b->end > a->end;
    if (b->start != a->start)
        return b->start > a->start;
    return j > i;
}

static void ref_select(const runoff_scenario *s, bool dynamic, bool *used)
{
    const ro_poll *p = s->polls;
    const size_t n = s->n_polls;
    bool chain[64] = {false};
    for (size_t i = 0; i < n; i++)
        used[i] = p[i].end <= T0;
    for (size_t i = 0; i < n; i++) {
        if (!used[i] || !p[i].rolling)
            continue;
        bool latest = true;
        for (size_t j = 0; j < n; j++)
            if (j != i && used[j] && p[j].rolling && strcmp(p[j].pollster, p[i].pollster) == 0 &&
                ref_later(&p[i], i, &p[j], j))
                latest = false;
        if (!latest || !dynamic)
            continue;
        chain[i] = true;
        for (int32_t boundary = p[i].start;;) {
            size_t best = n;
            for (size_t j = 0; j < n; j++)
                if (used[j] && p[j].rolling && p[j].end < boundary &&
                    strcmp(p[j].pollster, p[i].pollster) == 0 &&
                    (best == n || ref_later(&p[best], best, &p[j], j)))
                    best = j;
            if (best == n)
                break;
            chain[best] = true;
            boundary = p[best].start;
        }
    }
    bool keep[64];
    for (size_t i = 0; i < n; i++) {
        keep[i] = used[i];
        if (!used[i] || !p[i].rolling)
            continue;
        if (dynamic) {
            keep[i] = chain[i];
        } else {
            for (size_t j = 0; j < n; j++)
                if (j != i && used[j] && p[j].rolling &&
                    strcmp(p[j].pollster, p[i].pollster) == 0 && ref_later(&p[i], i, &p[j], j))
                    keep[i] = false;
        }
    }
    memcpy(used, keep, n * sizeof *used);
}

/* 2,000 random campaigns of up to 40 polls from 3 pollsters, rolling or
 * not, with ties in end and start dates: the O(n log n) selection keeps
 * exactly the polls the pairwise rule keeps, for both methods, and lists
 * pollsters in order of first appearance among the used polls. */
static void test_rolling_selection_matches_the_pairwise_rule(void **state)
{
    (void)state;
    static const char *const names[] = {"P", "Q", "R"};
    uint64_t x = 12345;
    for (int trial = 0; trial < 2000; trial++) {
        bool dynamic = trial % 2 == 1;
        runoff_scenario *s = fix_scenario();
        s->aggregation.method = dynamic ? RO_AGG_DYNAMIC : RO_AGG_EXPONENTIAL;
        s->aggregation.house = RO_HOUSE_NONE;
        x = x * 6364136223846793005u + 1442695040888963407u;
        size_t n = 1 + (size_t)(x >> 33) % 40;
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            int32_t end = T0 - (int32_t)((x >> 33) % 12) + 1; /* some after T0 */
            int32_t start = end - (int32_t)((x >> 45) % 5);
            bool rolling = (x >> 50) % 4 != 0;
            fix_add_poll(s, names[(x >> 55) % 3], start, end, 1000, 50, 50, rolling);
        }
        bool want[64];
        ref_select(s, dynamic, want);
        size_t n_want = 0;
        for (size_t i = 0; i < n; i++)
            n_want += want[i];
        if (n_want == 0) {
            fix_free(s);
            continue;
        }
        ro_poll_average avg = average_ok(s);
        size_t seen = 0;
        for (size_t i = 0; i < n; i++) {
            if (avg.polls[i].used != want[i]) {
                print_error("trial %d poll %zu: used %d, expected %d\n", trial, i,
                            avg.polls[i].used, want[i]);
                fail();
            }
            if (!want[i])
                continue;
            size_t j = 0;
            while (j < seen && strcmp(avg.house[j].pollster, s->polls[i].pollster) != 0)
                j++;
            assert_true(j < avg.n_house);
            assert_string_equal(avg.house[j].pollster, s->polls[i].pollster);
            seen += j == seen;
        }
        assert_int_equal(seen, avg.n_house);
        ro_poll_average_clear(&avg);
        fix_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recency_rule),
        cmocka_unit_test(test_single_poll),
        cmocka_unit_test(test_weights_proportional_to_sample),
        cmocka_unit_test(test_half_life_halves_weight),
        cmocka_unit_test(test_very_old_polls_keep_relative_weights),
        cmocka_unit_test(test_as_of_excludes_later_polls),
        cmocka_unit_test(test_no_usable_poll_is_an_input_error),
        cmocka_unit_test(test_rolling_latest_keeps_one_release),
        cmocka_unit_test(test_rolling_selection_matches_the_pairwise_rule),
        cmocka_unit_test(test_house_effects_estimate),
        cmocka_unit_test(test_house_effects_single_pollster_is_zero),
        cmocka_unit_test(test_house_effects_fixed),
        cmocka_unit_test(test_house_effects_none),
        cmocka_unit_test(test_design_effect_scales_sd),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_dynamic_rolling_keeps_a_non_overlapping_chain),
        cmocka_unit_test(test_dynamic_caps_the_sample),
        cmocka_unit_test(test_dynamic_fixed_house_effects),
        cmocka_unit_test(test_dynamic_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
