/*
 * test_transfers.c — transfer rows (docs/scenario.md, "transfers"): the
 * recency-weighted survey average, the order rows are picked in (row,
 * surveys, default) and adjust applied after it.
 *
 * Every expected value is worked out by hand in the comment above its
 * test from the YAML text, never copied from the loader's output.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "scenario.h"

#define EPS 1e-12

/* Election on 2030-06-16; options a, b, c (abstention) and d; one region.
 * 18 lines: "transfers:" is line 19. */
#define BASE                                          \
    "election:\n"                                     \
    "  name: T\n"                                     \
    "  date: 2030-06-16\n"                            \
    "  finalists:\n"                                  \
    "    - {id: a, name: A}\n"                        \
    "    - {id: b, name: B}\n"                        \
    "polls:\n"                                        \
    "  - {pollster: P, start: 2030-06-01, end: 2030-06-02, sample: 100, shares: {a: 52, b: 48}}\n" \
    "first_round:\n"                                  \
    "  options:\n"                                    \
    "    - {id: a}\n"                                 \
    "    - {id: b}\n"                                 \
    "    - {id: c, kind: abstention}\n"               \
    "    - {id: d}\n"                                 \
    "  regions:\n"                                    \
    "    - code: R1\n"                                \
    "      registered: 100\n"                         \
    "      votes: {a: 40, b: 30, c: 20, d: 10}\n"
#define TRANSFERS_LINE 19

/* Two surveys of option d, election date 2030-06-16:
 * OLD fieldwork 06-09..06-11, midpoint 06-10, age 6 days;
 * NEW fieldwork 06-13..06-15, midpoint 06-14, age 2 days. */
#define OLD "    - {pollster: X, start: 2030-06-09, end: 2030-06-11, option: d, " \
            "shares: {a: 20, b: 40, none: 40}}\n"
#define NEW "    - {pollster: Y, start: 2030-06-13, end: 2030-06-15, option: d, " \
            "shares: {a: 60, b: 20, none: 20}}\n"
#define DEFAULT "  default: {shares: {a: 10, b: 10, none: 80}, concentration: 20}\n"

static runoff_scenario *load(const char *transfers, runoff_error *err)
{
    static char text[4096];
    snprintf(text, sizeof text, "%stransfers:\n%s", BASE, transfers);
    ro_error_clear(err);
    return runoff_scenario_load_buffer("t.yaml", text, strlen(text), NULL, 0, err);
}

static runoff_scenario *load_ok(const char *transfers)
{
    runoff_error err;
    runoff_scenario *s = load(transfers, &err);
    if (s == NULL)
        print_error("%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
    assert_non_null(s);
    return s;
}

static void assert_row(const ro_transfer *t, double a, double b, double none)
{
    assert_close(t->mean[RO_TO_A], a, EPS);
    assert_close(t->mean[RO_TO_B], b, EPS);
    assert_close(t->mean[RO_TO_NONE], none, EPS);
}

/* Half-life 2 days: OLD weighs 0.5^(6/2) = 1/8, NEW 0.5^(2/2) = 1/2, so
 * relative to NEW (weight 1) OLD weighs 1/4. A = (0.2/4 + 0.6) / 1.25 =
 * 0.52, B = (0.4/4 + 0.2) / 1.25 = 0.24, none = (0.4/4 + 0.2) / 1.25 =
 * 0.24. The same whichever survey is listed first (listing OLD first
 * makes NEW rescale the sums). */
static void test_two_surveys_hand_weights(void **state)
{
    (void)state;
    const char *orders[] = {"  half_life_days: 2\n  surveys:\n" OLD NEW DEFAULT,
                            "  half_life_days: 2\n  surveys:\n" NEW OLD DEFAULT};
    for (int i = 0; i < 2; i++) {
        runoff_scenario *s = load_ok(orders[i]);
        assert_row(&s->transfers[3], 0.52, 0.24, 0.24);
        /* The section's concentration (default 100), at the first survey
         * listed (after "half_life_days:" and "surveys:"). */
        assert_close(s->transfers[3].concentration, 100, 0);
        assert_int_equal(s->transfers[3].pos.line, TRANSFERS_LINE + 3);
        runoff_scenario_free(s);
    }
}

/* Half-life 0.0001 days: 0.5^(age/h) is 0.5^20000 and 0.5^60000, both 0
 * in double precision, which used to leave no weight at all and hand d
 * the default row. Relative to NEW, OLD weighs 0.5^40000 = 0: the
 * average is NEW's row exactly, 0.6 / 0.2 / 0.2, not the default's
 * 0.1 / 0.1 / 0.8. A lone survey 2 days old averages to itself too. */
static void test_tiny_half_life_keeps_the_surveys(void **state)
{
    (void)state;
    runoff_scenario *s = load_ok("  half_life_days: 0.0001\n  surveys:\n" OLD NEW DEFAULT);
    assert_row(&s->transfers[3], 0.6, 0.2, 0.2);
    assert_close(s->transfers[3].concentration, 100, 0);
    assert_row(&s->transfers[0], 0.1, 0.1, 0.8); /* no survey of a: the default */
    runoff_scenario_free(s);

    s = load_ok("  half_life_days: 0.0001\n  surveys:\n" OLD DEFAULT);
    assert_row(&s->transfers[3], 0.2, 0.4, 0.4);
    runoff_scenario_free(s);
}

/* Equal ages weigh the same however small the half-life: two surveys of
 * the same fieldwork average to (0.2 + 0.6) / 2 = 0.4, (0.4 + 0.2) / 2 =
 * 0.3, (0.4 + 0.2) / 2 = 0.3. */
static void test_equal_ages_weigh_the_same(void **state)
{
    (void)state;
    runoff_scenario *s = load_ok(
        "  half_life_days: 0.0001\n  surveys:\n" OLD
        "    - {pollster: Z, start: 2030-06-09, end: 2030-06-11, option: d, "
        "shares: {a: 60, b: 20, none: 20}}\n" DEFAULT);
    assert_row(&s->transfers[3], 0.4, 0.3, 0.3);
    runoff_scenario_free(s);
}

/* as_of 2030-06-12: NEW (ends 06-15) is not yet known and OLD is then 2
 * days old; d's row is OLD's alone, 0.2 / 0.4 / 0.4. */
static void test_surveys_after_as_of_are_ignored(void **state)
{
    (void)state;
    runoff_error err;
    ro_error_clear(&err);
    static char text[4096];
    snprintf(text, sizeof text, "%saggregation: {as_of: 2030-06-12}\ntransfers:\n%s", BASE,
             "  surveys:\n" NEW OLD DEFAULT);
    runoff_scenario *s = runoff_scenario_load_buffer("t.yaml", text, strlen(text), NULL, 0, &err);
    assert_non_null(s);
    assert_row(&s->transfers[3], 0.2, 0.4, 0.4);
    runoff_scenario_free(s);

    /* With NEW the only survey of d, d falls back to the default row. */
    snprintf(text, sizeof text, "%saggregation: {as_of: 2030-06-12}\ntransfers:\n%s", BASE,
             "  surveys:\n" NEW DEFAULT);
    s = runoff_scenario_load_buffer("t.yaml", text, strlen(text), NULL, 0, &err);
    assert_non_null(s);
    assert_row(&s->transfers[3], 0.1, 0.1, 0.8);
    assert_close(s->transfers[3].concentration, 20, 0);
    runoff_scenario_free(s);
}

/* The row of an option is its explicit row (a: 95 / 3 / 2, its own
 * concentration 50), else its survey average (d: NEW alone, the section's
 * concentration 30), else the default (b and c: 10 / 10 / 80 with the
 * default's concentration 20). An explicit row wins over surveys of the
 * same option. Shares within 0.5 of 100 are divided by their sum. */
static void test_row_then_surveys_then_default(void **state)
{
    (void)state;
    runoff_scenario *s = load_ok("  concentration: 30\n"
                                 "  rows:\n"
                                 "    - {option: a, shares: {a: 95, b: 3, none: 2}, "
                                 "concentration: 50}\n"
                                 "    - {option: b, shares: {a: 10, b: 80, none: 10.4}}\n"
                                 "  surveys:\n" NEW
                                 "    - {pollster: Y, start: 2030-06-13, end: 2030-06-15, "
                                 "option: a, shares: {a: 1, b: 1, none: 98}}\n" DEFAULT);
    assert_row(&s->transfers[0], 0.95, 0.03, 0.02);
    assert_close(s->transfers[0].concentration, 50, 0);
    /* b's explicit row sums to 100.4: each share divided by 100.4; a row
     * without its own concentration takes the section's. */
    assert_row(&s->transfers[1], 10 / 100.4, 80 / 100.4, 10.4 / 100.4);
    assert_close(s->transfers[1].concentration, 30, 0);
    assert_row(&s->transfers[2], 0.1, 0.1, 0.8);
    assert_close(s->transfers[2].concentration, 20, 0);
    assert_row(&s->transfers[3], 0.6, 0.2, 0.2);
    assert_close(s->transfers[3].concentration, 30, 0);
    runoff_scenario_free(s);
}

/* No row, no survey and no default for an option: an error at the
 * option's item in first_round.options (c is on line 13, column 7). */
static void test_no_row_is_an_error_at_the_option(void **state)
{
    (void)state;
    runoff_error err;
    runoff_scenario *s = load("  rows:\n"
                              "    - {option: a, shares: {a: 90, b: 5, none: 5}}\n"
                              "    - {option: b, shares: {a: 5, b: 90, none: 5}}\n"
                              "  surveys:\n" NEW,
                              &err);
    assert_null(s);
    assert_int_equal(err.status, RUNOFF_EINPUT);
    assert_int_equal(err.line, 13);
    assert_int_equal(err.column, 7);
    assert_string_equal(err.message,
                        "no transfer row for option 'c' (give a row, a survey or a default)");
}

/* adjust applies to the resolved row, here d's survey average 0.52 / 0.24
 * / 0.24 (half-life 2, as above): a set to 70 leaves 30 for b and none,
 * split in their old proportion 0.24 : 0.24, so 0.15 each. */
static void test_adjust_applies_after_the_average(void **state)
{
    (void)state;
    runoff_scenario *s =
        load_ok("  half_life_days: 2\n  surveys:\n" OLD NEW DEFAULT "  adjust: {d: {a: 70}}\n");
    assert_row(&s->transfers[3], 0.7, 0.15, 0.15);
    runoff_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_surveys_hand_weights),
        cmocka_unit_test(test_tiny_half_life_keeps_the_surveys),
        cmocka_unit_test(test_equal_ages_weigh_the_same),
        cmocka_unit_test(test_surveys_after_as_of_are_ignored),
        cmocka_unit_test(test_row_then_surveys_then_default),
        cmocka_unit_test(test_no_row_is_an_error_at_the_option),
        cmocka_unit_test(test_adjust_applies_after_the_average),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
