/*
 * test_cli_calibrate.c — end-to-end tests of `runoff calibrate` on the
 * real 2012 regional scenario (scenarios/regional/, generated from data/):
 * the fragment it writes is a regional_error section the 2012 scenario
 * accepts in place of its own; outputs are refused when they are an input;
 * scenarios it cannot use are refused with exit 2 and the reason. And on
 * small made-up elections, two results of docs/model.md §5 in closed form:
 * one sd is the pooled sd (the restricted likelihood), and a drawn row
 * confined to a group is that group's sd (the rows' Dirichlet covariance).
 */
#include "cli_harness.h"
#include "past_fixture.h"

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

/* The value after `key` in a fragment written by calibrate (4 decimals). */
static double fragment_value(const char *frag, const char *key)
{
    const char *at = strstr(frag, key);
    if (at == NULL)
        fail_msg("no \"%s\" in the fragment:\n%s", key, frag);
    return strtod(at + strlen(key), NULL);
}

/* The restricted ML estimate of the value written after `key`, from the
 * comment line just above it ("...; restricted ML estimate X (...)"): the
 * fragment writes the posterior mean, the estimate in the comment. */
static double fragment_estimate(const char *frag, const char *key)
{
    static const char tag[] = "restricted ML estimate ";
    const char *at = strstr(frag, key), *est = NULL;
    if (at == NULL)
        fail_msg("no \"%s\" in the fragment:\n%s", key, frag);
    for (const char *p = strstr(frag, tag); p != NULL && p < at; p = strstr(p + 1, tag))
        est = p;
    if (est == NULL)
        fail_msg("no estimate before \"%s\" in the fragment:\n%s", key, frag);
    return strtod(est + strlen(tag), NULL);
}

/* The fragment replaces the scenario's regional_error (the rest of the
 * scenario unchanged) and the result loads: `check` prints the values the
 * fragment wrote. */
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
    assert_null(strstr(frag, "# Rough")); /* 107 départements inform every sd */
    assert_non_null(strstr(frag, "each value is its posterior mean"));
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
    char expect[160];
    snprintf(expect, sizeof expect, "regional      sd %g, transfer sd %g, local lean %g (sd %g)",
             fragment_value(frag, "\n  sd: "), fragment_value(frag, "\n  transfer_sd: "),
             fragment_value(frag, "\n  local_lean: "), fragment_value(frag, "\n  local_lean_sd: "));
    assert_contains(r.out, expect);
    assert_true(fragment_value(frag, "\n  local_lean_sd: ") > 0);
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

/* A failed write exits 1 and says why, as the other commands do
 * (docs/scenario.md, "Files the program writes"): /dev/full fails every write with
 * ENOSPC, as the fragment's file, as standard output and as the residuals'
 * file. */
static void test_write_failures_exit_1(void **state)
{
    (void)state;
    char want[256];
    snprintf(want, sizeof want, "runoff: /dev/full: write failed: %s", strerror(ENOSPC));
    run_result r = RUN("calibrate", S2012, "-o", "/dev/full");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, want);
    run_free(&r);
    r = RUN("calibrate", S2012, "--residuals-csv", "/dev/full", "-o", path_in_tmp("fit.yaml"));
    assert_int_equal(r.status, 1);
    assert_contains(r.err, want);
    run_free(&r);
    snprintf(want, sizeof want, "runoff: error writing standard output: %s", strerror(ENOSPC));
    r = run_ex(NULL, "/dev/full", 0, (const char *const[]){"calibrate", S2012, NULL});
    assert_int_equal(r.status, 1);
    assert_contains(r.err, want);
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

/* `runoff calibrate` on two past elections of layout L, region r of
 * election e giving a share_a[e * n_regions + r] percent, written as
 * TAG-0.yaml and TAG-1.yaml; returns the fragment, which the caller
 * frees (the residuals are left in TAG-residuals.csv). */
static char *calibrate_two(const past_layout *L, const double *share_a, const char *tag)
{
    char name[64];
    const char *paths[2];
    for (int e = 0; e < 2; e++) {
        char *text = past_text(L, share_a + e * L->n_regions);
        snprintf(name, sizeof name, "%s-%d.yaml", tag, e);
        paths[e] = write_to_tmp(name, text, strlen(text));
        free(text);
    }
    snprintf(name, sizeof name, "%s-fit.yaml", tag);
    const char *out = path_in_tmp(name);
    snprintf(name, sizeof name, "%s-residuals.csv", tag);
    run_result r = RUN("calibrate", paths[0], paths[1], "-o", out, "--residuals-csv",
                       path_in_tmp(name));
    if (r.status != 0)
        fail_msg("calibrate exited %d: %s", r.status, r.err);
    run_free(&r);
    char *frag = slurp(out, NULL);
    assert_non_null(frag);
    return frag;
}

/* With C = sd^2 I, the restricted likelihood of docs/model.md §5 is, per
 * election of n regions, (n - 1) log sd^2 + S_e / sd^2 + log n (S_e the
 * sum of squared residuals about the election's mean), so the fitted sd
 * is the pooled sd with one degree of freedom spent on each election's
 * mean: sd^2 = sum S_e / sum (n_e - 1). Maximum likelihood proper (no
 * log 1'C^-1 1 term) would divide by sum n_e instead (0.1436 here, for
 * 0.1658). The case makes C = sd^2 I: every row is fixed (no C_dir), there
 * is no group, x, y and z are not the finalists (no lean), and x and y
 * split all to one finalist, so h_r = 0 except in r3, which has z's 40/40
 * voters; r3's share is chosen near its election's mean residual, so the
 * likelihood rises with transfer_sd from 0 (its slope in transfer_sd^2
 * there is (1/2) sum h_r [(1 - 1/n)/sd^2 - (d_r - mean)^2/sd^4] > 0) and
 * transfer_sd stays at its bound, where it adds at most e^-24 h_r to C.
 * Tolerance: the 4 decimals written (5e-5) and the optimiser's 1e-6 in
 * log sd. */
static void test_one_sd_is_the_pooled_sd(void **state)
{
    (void)state;
    static const char *const option[] = {"x", "y", "z"};
    static const double votes[3][4] = {{300, 200, 250, 100}, {200, 250, 150, 300}, {0, 0, 0, 200}};
    static const double row_pct[3][2] = {{70, 0}, {0, 80}, {40, 40}};
    static const double conc[3] = {INFINITY, INFINITY, INFINITY};
    static const double share_a[2][4] = {{52.0, 41.0, 58.5, 30.3}, {47.5, 44.0, 61.0, 30.6}};
    const past_layout L = {4, 3, option, &votes[0][0], row_pct, conc, NULL};
    char *frag = calibrate_two(&L, &share_a[0][0], "pooled");
    double S = 0, d[2][4], mean[2] = {0}; /* residuals d_r about each election's mean */
    for (int e = 0; e < 2; e++) {
        for (int r = 0; r < 4; r++) {
            double A, B, y = share_a[e][r] / 100;
            past_expected_votes(&L, r, &A, &B);
            d[e][r] = log(y / (1 - y)) - log(A / B);
            mean[e] += d[e][r] / 4;
        }
        for (int r = 0; r < 4; r++)
            S += (d[e][r] - mean[e]) * (d[e][r] - mean[e]);
    }
    assert_contains(frag, "restricted ML estimate 0.0000 (at its lower bound 0)\n  transfer_sd: ");
    /* eight residuals say almost nothing of transfer_sd: its posterior is
     * wide and far from Gaussian in log sd, and the fragment says so */
    assert_contains(frag, "\n# Rough: the data barely inform some sd");
    assert_close(fragment_estimate(frag, "\n  sd: "), sqrt(S / (2 * (4 - 1))), 6e-5);
    free(frag);
    /* The residuals (--residuals-csv, docs/outputs.md): with C = sd^2 I the
     * swing is the plain mean, each residual is d_r minus its election's
     * mean (to 1e-9: the CSV prints full precision), and its sd is
     * sd sqrt(1 - 1/n) (C_rr - 1/1'C^-1 1); the fitted sd agrees with the
     * pooled one to the optimiser's tolerance (1e-6 relative), so 1e-4. */
    char *csv = slurp(path_in_tmp("pooled-residuals.csv"), NULL);
    assert_non_null(csv);
    const char *line = strchr(csv, '\n');
    for (int e = 0; e < 2; e++) {
        for (int r = 0; r < 4; r++, line = strchr(line + 1, '\n')) {
            double res, sd;
            const char *p = line + 1;
            for (int comma = 0; comma < 6; comma++)
                p = strchr(p, ',') + 1;
            assert_int_equal(sscanf(p, "%lf,%lf", &res, &sd), 2);
            assert_close(res, d[e][r] - mean[e], 1e-9);
            assert_close(sd, sqrt(S / (2 * (4 - 1))) * sqrt(1 - 1.0 / 4), 1e-4 * sd);
        }
    }
    free(csv);
}

/* A drawn row whose voters are only in the regions of a group, in the
 * same proportion to each region's A and to its B (r4 is r3 doubled),
 * moves those regions together: its C_dir (docs/model.md §5) is one value
 * b on every entry of the group's block, which is exactly a group sd^2 of
 * b. So fitting the same results with the row drawn (concentration 9) and
 * with it fixed must give the same sd and transfer_sd, and group sds with
 * g_fixed^2 = g_drawn^2 + b, b computed here from the documented V_A, V_B,
 * V_AB. The shares are the expected ones plus normal noise (a swing per
 * election, a group shift, a deviation per region), kept because the
 * drawn fit's three sds are inside their bounds (at a bound the two fits
 * need not agree). Tolerance 1.5e-4: each value is written to 4 decimals (5e-5),
 * the optimiser stops within 1e-6 in the log-sds, and d g_fixed / d g_drawn
 * < 1. C_dir over c instead of c + 1 changes b by 0.013 and the cross
 * term's sign by 0.09, which put g_fixed 0.01 and 0.1 off the prediction. */
static void test_drawn_row_is_a_group_shift(void **state)
{
    (void)state;
    static const char *const option[] = {"x", "y", "w"};
    static const double votes[3][5] = {
        {300, 100, 200, 100, 200}, {100, 300, 250, 150, 300}, {0, 0, 0, 200, 400}};
    static const double row_pct[3][2] = {{60, 20}, {10, 50}, {45, 35}};
    static const double drawn[3] = {INFINITY, INFINITY, 9}, fixed[3] = {INFINITY, INFINITY, INFINITY};
    static const int group[5] = {-1, -1, -1, 0, 0};
    static const double share_a[2][5] = {{58.9, 30.5, 52.9, 54.3, 55.4},
                                         {51.5, 30.0, 38.9, 50.6, 60.2}};
    const past_layout with_draw = {5, 3, option, &votes[0][0], row_pct, drawn, group},
                      without = {5, 3, option, &votes[0][0], row_pct, fixed, group};
    /* C_dir[r][s] for r, s in the group, from w's row alone */
    const double ma = row_pct[2][0] / 100, mb = row_pct[2][1] / 100, c = drawn[2];
    const double va = ma * (1 - ma) / (c + 1), vb = mb * (1 - mb) / (c + 1), vab = -ma * mb / (c + 1);
    double A[5], B[5], b = NAN;
    for (int r = 0; r < 5; r++)
        past_expected_votes(&with_draw, r, &A[r], &B[r]);
    for (int r = 3; r < 5; r++)
        for (int s = 3; s < 5; s++) {
            const double cdir = votes[2][r] * votes[2][s] *
                                (va / (A[r] * A[s]) + vb / (B[r] * B[s]) -
                                 vab * (1 / (A[r] * B[s]) + 1 / (B[r] * A[s])));
            if (isnan(b))
                b = cdir;
            assert_close(cdir, b, 1e-15); /* the block is one value */
        }
    char *f_drawn = calibrate_two(&with_draw, &share_a[0][0], "drawn");
    char *f_fixed = calibrate_two(&without, &share_a[0][0], "fixed");
    const double g_drawn = fragment_estimate(f_drawn, "{name: \"g\", sd: "),
                 g_fixed = fragment_estimate(f_fixed, "{name: \"g\", sd: ");
    const double sd = fragment_estimate(f_drawn, "\n  sd: "),
                 k = fragment_estimate(f_drawn, "\n  transfer_sd: ");
    assert_true(sd > 0.01 && k > 0.01 && g_drawn > 0.01); /* inside the bounds */
    assert_close(fragment_estimate(f_fixed, "\n  sd: "), sd, 1.5e-4);
    assert_close(fragment_estimate(f_fixed, "\n  transfer_sd: "), k, 1.5e-4);
    assert_close(g_fixed, sqrt(g_drawn * g_drawn + b), 1.5e-4);
    free(f_drawn);
    free(f_fixed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_fragment_replaces_section),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_write_failures_exit_1),
        cmocka_unit_test(test_residuals_csv),
        cmocka_unit_test(test_one_sd_is_the_pooled_sd),
        cmocka_unit_test(test_drawn_row_is_a_group_shift),
    };
    return cmocka_run_group_tests(tests, cli_setup, cli_teardown);
}
