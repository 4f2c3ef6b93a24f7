/*
 * test_cli_calibrate.c — end-to-end tests of `runoff calibrate` on the
 * real 2012 regional scenario (scenarios/regional/, generated from data/):
 * the fragment it writes is a regional_error section the 2012 scenario
 * accepts in place of its own; outputs are refused when they are an input;
 * scenarios it cannot use are refused with exit 2 and the reason.
 */
#include "cli_harness.h"

#define S2012 "scenarios/regional/fr-2012-regions.yaml"
#define NATIONAL "scenarios/backtest/fr-2012-eve.yaml"

static void test_help(void **state)
{
    (void)state;
    run_result r = RUN("--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "  calibrate ");
    run_free(&r);
    r = RUN("calibrate", "--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "usage: runoff calibrate SCENARIO...");
    assert_contains(r.out, "--out FILE");
    run_free(&r);
    r = RUN("calibrate");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "calibrate needs scenario files");
    run_free(&r);
}

/* The fragment replaces the scenario's regional_error (the rest of the
 * scenario unchanged) and the result loads: `check` prints the fitted
 * transfer sd and lean. */
static void test_fragment_replaces_section(void **state)
{
    (void)state;
    const char *out = path_in_tmp("fit.yaml");
    run_result r = RUN("calibrate", S2012, "-o", out);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    run_free(&r);
    size_t flen, slen;
    char *frag = slurp(out, &flen), *scen = slurp(S2012, &slen);
    assert_non_null(strstr(frag, "\nregional_error:\n"));
    assert_non_null(strstr(frag, "  local_lean: "));
    assert_non_null(strstr(frag, "  groups:\n    - {name: \"corsica\""));
    /* the scenario with its regional_error section replaced by the fragment */
    char *start = strstr(scen, "\nregional_error:\n");
    assert_non_null(start);
    char *end = strstr(start, "\nblend:");
    assert_non_null(end);
    const char *joined_path = path_in_tmp("joined.yaml");
    FILE *f = fopen(joined_path, "w");
    assert_non_null(f);
    fprintf(f, "%.*s\n%s%s", (int)(start - scen), scen, frag, end);
    fclose(f);
    r = RUN("check", joined_path);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "regional      sd 0, transfer sd ");
    assert_contains(r.out, "local lean 0.8");
    run_free(&r);
    free(frag);
    free(scen);
}

static void test_refusals(void **state)
{
    (void)state;
    const char *copy = copy_to_tmp(S2012, "s.yaml");
    size_t before_len, after_len;
    char *before = slurp(copy, &before_len);
    run_result r = RUN("calibrate", copy, "--out", copy);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "is the same file as scenario");
    run_free(&r);
    char *after = slurp(copy, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
    r = RUN("calibrate", NATIONAL);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, NATIONAL ": cannot calibrate on a scenario without first_round");
    run_free(&r);
    r = RUN("calibrate", S2012, "-o", "");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "empty file name");
    run_free(&r);
}

/* --residuals-csv: the documented header (docs/outputs.md; test_outputs.sh
 * checks it column by column too), one row per département of 2012, each
 * residual the difference of the logits of the two shares it prints;
 * refused on standard output beside the fragment, and when it is the
 * fragment's file, with nothing written. */
static void test_residuals_csv(void **state)
{
    (void)state;
    const char *out = path_in_tmp("res.csv");
    run_result r = RUN("calibrate", S2012, "--residuals-csv", out);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "\nregional_error:\n");
    run_free(&r);
    size_t len;
    char *csv = slurp(out, &len);
    assert_non_null(strstr(csv, "election,code,name,group,actual_share,expected_share,residual,sd,z,"
                                "runoff_version,scenario_hash\n"));
    size_t rows = 0;
    for (char *line = strchr(csv, '\n'); line != NULL && line[1]; line = strchr(line + 1, '\n')) {
        double y, e, d;
        const char *p = line + 1;
        for (int comma = 0; comma < 4; comma++)
            p = strchr(p, ',') + 1;
        assert_int_equal(sscanf(p, "%lf,%lf,%lf", &y, &e, &d), 3);
        assert_true(fabs(log(y / (1 - y)) - log(e / (1 - e)) - d) < 1e-9);
        rows++;
    }
    assert_int_equal(rows, 107);
    free(csv);
    r = RUN("calibrate", S2012, "--residuals-csv", "-");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--residuals-csv");
    assert_string_equal(r.out, "");
    run_free(&r);
    const char *same = path_in_tmp("same.out");
    r = RUN("calibrate", S2012, "-o", same, "--residuals-csv", same);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "same file");
    run_free(&r);
    assert_int_equal(access(same, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_fragment_replaces_section),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_residuals_csv),
    };
    return cmocka_run_group_tests(tests, cli_setup, cli_teardown);
}
