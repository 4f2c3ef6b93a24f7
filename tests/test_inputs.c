/*
 * test_inputs.c — end-to-end tests of the scenario inputs that come as
 * modellers have them: polls from a CSV file, polls without a sample size,
 * poll ids and excluded pollsters, warnings as values and --strict, and
 * the blend: transfers scenario read as of a date before its first poll.
 *
 * Each test runs the real binary through tests/cli_harness.h; scenarios
 * live in tests/data/inputs/ (synthetic, made-up numbers).
 */
#include "cli_harness.h"

#define REGIONAL "tests/data/cli/regional.yaml"

/* blend: transfers draws nothing from the polls, so an as_of before the
 * first poll leaves the forecast as it is and is no error (run, check and
 * JSON); --trend-csv, which does need a poll, says so before simulating. */
static void test_transfers_blend_before_the_first_poll(void **state)
{
    (void)state;
    run_result a = RUN("run", REGIONAL, "-q", "--csv", "-", "--set", "blend.mode=transfers",
                       "--set", "aggregation.method=exponential");
    run_result b = RUN("run", REGIONAL, "-q", "--csv", "-", "--set", "blend.mode=transfers",
                       "--set", "aggregation.method=exponential", "--set",
                       "aggregation.as_of=2030-04-01");
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    assert_string_equal(b.err, "");
    /* the surveys after as_of are dropped, so the forecasts differ, but
     * both succeed */
    run_free(&a);
    run_free(&b);
    run_result r = RUN("run", REGIONAL, "--set", "blend.mode=transfers", "--set",
                       "aggregation.as_of=2030-04-01", "--set",
                       "transfers.default.shares.none=40", "--set",
                       "transfers.default.shares.north=30", "--set",
                       "transfers.default.shares.south=30");
    assert_int_equal(r.status, 0);
    assert_true(strstr(r.out, "Polling average") == NULL);
    run_free(&r);
    r = RUN("check", REGIONAL, "--set", "blend.mode=transfers", "--set",
            "aggregation.as_of=2030-04-01");
    assert_int_equal(r.status, 0);
    run_free(&r);
    r = RUN("run", REGIONAL, "-q", "--set", "blend.mode=transfers", "--set",
            "aggregation.as_of=2030-04-01", "--trend-csv", path_in_tmp("trend.csv"));
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--trend-csv needs a poll that ends on or before aggregation.as_of");
    assert_false(exists(path_in_tmp("trend.csv")));
    run_free(&r);
    /* with the polls used, the refusal stays, at as_of */
    r = RUN("check", REGIONAL, "--set", "aggregation.as_of=2030-04-01");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--set:1:19: as_of 2030-04-01 is before the end of every poll");
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfers_blend_before_the_first_poll),
    };
    return cmocka_run_group_tests_name("inputs", tests, cli_setup, cli_teardown);
}
