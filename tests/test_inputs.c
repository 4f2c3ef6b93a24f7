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

#include <math.h>

#include "allocfail.h"
#include "scenario.h"

#define REGIONAL "tests/data/cli/regional.yaml"
#define POLLS_YAML "tests/data/inputs/polls.yaml"
#define POLLS_CSV "tests/data/inputs/polls-csv.yaml"
#define NEWCOMER "tests/data/inputs/newcomer"

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


/* Remove every ",fnv1a64:<16 hex digits>" from text, in place: the
 * provenance column scenario_hash fingerprints the scenario's document,
 * which differs between two ways of writing the same election. */
static char *without_hash(char *text)
{
    char *w = text;
    for (const char *r = text; *r;) {
        if (strncmp(r, ",fnv1a64:", 9) == 0) {
            r += 9;
            while ((*r >= '0' && *r <= '9') || (*r >= 'a' && *r <= 'f'))
                r++;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    return text;
}

/* The same polls in YAML and in a CSV table (also as a spreadsheet saves
 * it: byte-order mark, CRLF, every field quoted, columns reordered) give
 * the same bytes, and so does an override of a poll by its id. */
static void test_csv_polls_give_the_yaml_results(void **state)
{
    (void)state;
    run_result y = RUN("run", POLLS_YAML, "-q", "--csv", "-");
    run_result c = RUN("run", POLLS_CSV, "-q", "--csv", "-");
    run_result e = RUN("run", POLLS_CSV, "-q", "--csv", "-", "--set", "polls.file=polls-excel.csv");
    assert_int_equal(y.status, 0);
    assert_int_equal(c.status, 0);
    assert_int_equal(e.status, 0);
    assert_string_equal(without_hash(y.out), without_hash(c.out));
    assert_string_equal(y.out, without_hash(e.out));
    run_free(&c);
    run_free(&e);
    /* the report, but for the line naming the scenario's file */
    run_result yr = RUN("run", POLLS_YAML), cr = RUN("run", POLLS_CSV);
    char *ys_line = strstr(yr.out, "\nScenario "), *cs_line = strstr(cr.out, "\nScenario ");
    assert_non_null(ys_line);
    assert_non_null(cs_line);
    *ys_line = *cs_line = '\0';
    assert_string_equal(yr.out, cr.out);
    assert_string_equal(strchr(ys_line + 1, '\n'), strchr(cs_line + 1, '\n'));
    run_free(&yr);
    run_free(&cr);
    run_result ys = RUN("run", POLLS_YAML, "-q", "--csv", "-", "--set", "polls.g1.sample=3000");
    run_result cs = RUN("run", POLLS_CSV, "-q", "--csv", "-", "--set", "polls.g1.sample=3000");
    assert_int_equal(ys.status, 0);
    assert_int_equal(cs.status, 0);
    assert_string_equal(without_hash(ys.out), without_hash(cs.out));
    assert_true(strcmp(ys.out, y.out) != 0);
    run_free(&y);
    run_free(&ys);
    run_free(&cs);
    run_result r = RUN("check", POLLS_CSV, "--set", "polls.g3.sample=5");
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "runoff: --set:1:7: unknown poll id 'g3', expected the id of a poll "
                               "in tests/data/inputs/polls.csv (or the key 'file') (did you mean "
                               "'g1'?)\n");
    run_free(&r);
    r = RUN("check", POLLS_CSV, "--set", "polls.g1.start=2030-05-01");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--set:1:10: unknown key 'start' in a poll override, expected one of: "
                           "pollster, sample, shares, undecided, population, rolling");
    run_free(&r);
    r = RUN("check", POLLS_CSV, "--set", "polls.g1.sample=0");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--set:1:17: 'sample' is 0, expected a number in 1..1000000000");
    run_free(&r);
}

/* A poll without a sample takes the median of those given (1100 of 800,
 * 1100 and 1200), or 1000 when none gives one; check and the report say
 * so, and the median counts only the polls that aggregation.exclude
 * keeps. */
static void test_missing_samples_take_the_median(void **state)
{
    (void)state;
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(POLLS_CSV, NULL, 0, &err);
    assert_non_null(s);
    assert_int_equal(s->n_polls, 5);
    assert_true(s->polls[2].sample_default && s->polls[4].sample_default);
    assert_false(s->polls[0].sample_default);
    assert_true(s->polls[2].sample == 1100 && s->polls[4].sample == 1100);
    assert_true(s->default_sample == 1100 && s->n_default_sample == 2 && s->n_sample_given == 3);
    assert_string_equal(s->polls[1].id, "b1");
    assert_true(s->polls[1].has_undecided && s->polls[1].undecided == 2);
    assert_string_equal(s->polls[4].id, "");
    runoff_scenario_free(s);
    run_result r = RUN("check", POLLS_CSV);
    assert_contains(r.out, "              read from tests/data/inputs/polls.csv\n"
                           "              2 polls give no sample size and count as 1100 (the "
                           "median of the 3 that do)\n");
    run_free(&r);
    r = RUN("run", POLLS_YAML);
    assert_contains(r.out, "  2 polls give no sample size and count as 1100 (the median of the "
                           "3 that do)\n");
    run_free(&r);
    r = RUN("check", "tests/data/inputs/exclude.yaml");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "polls         2, fieldwork 2030-05-01 .. 2030-05-10 (2 likely)\n"
                           "              read from tests/data/inputs/polls.csv\n"
                           "              3 more excluded by aggregation.exclude\n"
                           "              1 poll gives no sample size and counts as 1100 (the "
                           "sample of the only poll that gives one)\n");
    run_free(&r);
    r = RUN("check", "tests/data/inputs/no-sample.yaml");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "1 poll gives no sample size and counts as 1000 (none gives one: the "
                           "default)\n");
    run_free(&r);
}

static int load_csv_scenario(void *ctx, runoff_error *err)
{
    (void)ctx;
    const char *sets[] = {"polls.g1.sample=900"};
    runoff_scenario *s = runoff_scenario_load(POLLS_CSV, sets, 1, err);
    runoff_scenario_free(s);
    return s != NULL;
}

/* Reading a poll table fails cleanly at every allocation. */
static void test_csv_polls_survive_every_allocation_failure(void **state)
{
    (void)state;
    assert_true(alloc_failure_loop(load_csv_scenario, NULL) > 20);
}

#define WARNINGS "tests/data/inputs/warnings.yaml"
#define W_SCALE "tests/data/inputs/warnings.yaml:17:24: warning: polling_error.scale is 0.03, " \
    "which looks like a fraction: it is read as 0.03 points (write 3 for 3 points)"
#define W_TURNOUT "tests/data/inputs/warnings.yaml:18:17: warning: turnout.mean is 0.72, which " \
    "looks like a fraction: it is read as 0.72 % (write 72 for 72 %)"
#define W_ACTUAL "tests/data/inputs/warnings.yaml:19:51: warning: actual.turnout is 0.7, which " \
    "looks like a fraction: it is read as 0.7 % (write 70 for 70 %)"
#define W_WEIGHT "tests/data/inputs/warnings.yaml:15:5: warning: the poll of Omega, " \
    "2030-05-05..2030-05-06, carries 74.1 % of the polling average's weight, more than a " \
    "third: the forecast rests on it (sample 9000)"

/* Warnings are values: the library lists them with their positions, in
 * the order the loader met them, then the weights'. */
static void test_warnings_are_a_list(void **state)
{
    (void)state;
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(WARNINGS, NULL, 0, &err);
    assert_non_null(s);
    runoff_warnings *w = runoff_warnings_alloc(s, &err);
    assert_non_null(w);
    assert_int_equal(runoff_warnings_count(w), 4);
    const char *want[] = {W_SCALE, W_TURNOUT, W_ACTUAL, W_WEIGHT};
    char buf[1200];
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(runoff_warning_format(runoff_warnings_get(w, i), buf, sizeof buf),
                            want[i]);
    assert_int_equal(runoff_warnings_get(w, 1)->line, 18);
    assert_int_equal(runoff_warnings_get(w, 1)->column, 17);
    runoff_warnings_free(w);
    runoff_warnings_free(NULL);
    runoff_scenario_free(s);
    /* an override's warning points into the --set text */
    const char *sets[] = {"turnout.mean=0.5", "polling_error.scale=3", "actual.turnout=70",
                          "polls.4.sample=1000"};
    s = runoff_scenario_load(WARNINGS, sets, 4, &err);
    assert_non_null(s);
    w = runoff_warnings_alloc(s, &err);
    assert_int_equal(runoff_warnings_count(w), 1);
    assert_string_equal(runoff_warning_format(runoff_warnings_get(w, 0), buf, sizeof buf),
                        "--set:1:14: warning: turnout.mean is 0.5, which looks like a fraction: "
                        "it is read as 0.5 % (write 50 for 50 %)");
    runoff_warnings_free(w);
    runoff_scenario_free(s);
}

/* The CLI prints them on stderr for run, check, sweep and backtest, and
 * --strict refuses the scenario (exit 2) before anything runs. */
static void test_warnings_on_stderr_and_strict(void **state)
{
    (void)state;
    const char *all = "runoff: " W_SCALE "\nrunoff: " W_TURNOUT "\nrunoff: " W_ACTUAL
                      "\nrunoff: " W_WEIGHT "\n";
    run_result r = RUN("check", WARNINGS);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, all);
    run_free(&r);
    r = RUN("run", WARNINGS, "-q", "--draws", "1000");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, all);
    run_free(&r);
    r = RUN("backtest", WARNINGS, "-q", "--draws", "1000");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, all);
    run_free(&r);
    r = RUN("sweep", WARNINGS, "-q", "--draws", "1000", "--vary", "simulation.seed=1,2",
            "--out", path_in_tmp("w.csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, all);
    run_free(&r);
    char strict[1400];
    snprintf(strict, sizeof strict, "%srunoff: --strict: 4 warnings, refusing the scenario\n", all);
    const char *cmds[] = {"check", "run", "backtest"};
    for (size_t i = 0; i < 3; i++) {
        r = RUN(cmds[i], WARNINGS, "--strict");
        assert_int_equal(r.status, 2);
        assert_string_equal(r.err, strict);
        assert_string_equal(r.out, "");
        run_free(&r);
    }
    r = RUN("sweep", WARNINGS, "--strict", "--vary", "simulation.seed=1,2", "--out",
            path_in_tmp("w2.csv"));
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, strict);
    assert_false(exists(path_in_tmp("w2.csv")));
    run_free(&r);
    /* without warnings, --strict changes nothing */
    r = RUN("check", POLLS_YAML, "--strict");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    run_free(&r);
    /* polls typed as fractions; every transfer row from the default */
    r = RUN("check", "tests/data/inputs/no-sample.yaml", "--set", "polls.0.shares.north=0.53",
            "--set", "polls.0.shares.south=0.47");
    assert_int_equal(r.status, 0);
    assert_contains(r.err, "runoff: tests/data/inputs/no-sample.yaml:9:5: warning: every poll's "
                           "shares add up to at most 1 (here 0.53 and 0.47), which looks like "
                           "fractions: shares are percentages, 0..100\n");
    run_free(&r);
    r = RUN("check", "tests/data/inputs/default-rows.yaml");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "runoff: tests/data/inputs/default-rows.yaml:19:12: warning: "
                               "every first-round option's transfer row comes from "
                               "transfers.default: all 3 options' voters split the same way "
                               "(give rows or surveys)\n");
    run_free(&r);
}

/* A national first round (turnout and shares, no regions) runs the
 * transfer model on one electorate: the national results are the bytes of
 * the same first round given as one region in votes, and nothing in the
 * report, the CSV or check speaks of regions. */
static void test_national_first_round(void **state)
{
    (void)state;
    run_result n = RUN("run", "tests/data/inputs/national-first-round.yaml", "-q", "--csv", "-");
    run_result o = RUN("run", "tests/data/inputs/one-region.yaml", "-q", "--csv", "-");
    assert_int_equal(n.status, 0);
    assert_int_equal(o.status, 0);
    assert_true(strstr(n.out, "region") == NULL);
    /* the one-region run's rows, less its region summaries */
    char *kept = malloc(strlen(o.out) + 1), *w = kept;
    for (const char *line = o.out; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        if (strncmp(line, "regions_", 8) != 0) {
            memcpy(w, line, len);
            w += len;
        }
        line += len;
    }
    *w = '\0';
    assert_string_equal(without_hash(n.out), without_hash(kept));
    free(kept);
    run_free(&n);
    run_free(&o);
    run_result r = RUN("run", "tests/data/inputs/national-first-round.yaml");
    assert_int_equal(r.status, 0);
    assert_true(strstr(r.out, "egion") == NULL);
    assert_contains(r.out, "Blank and null ballots (% of voters)");
    run_free(&r);
    r = RUN("check", "tests/data/inputs/national-first-round.yaml");
    assert_int_equal(r.status, 0);
    assert_true(strstr(r.out, "egion") == NULL);
    assert_contains(r.out, "first round   5 options, national, 1000000 registered\n");
    run_free(&r);
    r = RUN("backtest", "tests/data/inputs/national-first-round.yaml", "-q");
    assert_int_equal(r.status, 0);
    assert_true(strstr(r.out, "egion") == NULL);
    run_free(&r);
}

/* The first round as counts and as turnout and shares load the same
 * votes: the shares form is exact arithmetic on the published figures. */
static void test_first_round_shares_make_the_votes(void **state)
{
    (void)state;
    runoff_error err = {0};
    runoff_scenario *n = runoff_scenario_load("tests/data/inputs/national-first-round.yaml",
                                              NULL, 0, &err);
    runoff_scenario *o = runoff_scenario_load("tests/data/inputs/one-region.yaml", NULL, 0, &err);
    assert_non_null(n);
    assert_non_null(o);
    assert_true(n->first_round_national && !o->first_round_national);
    assert_int_equal(n->n_regions, 1);
    assert_int_equal(ro_scenario_reported_regions(n), 0);
    for (size_t k = 0; k < n->n_options; k++)
        assert_true(fabs(n->votes[k] - o->votes[k]) < 1e-6);
    assert_true(n->registered == 1000000);
    runoff_scenario_free(n);
    runoff_scenario_free(o);
}

/* A first round of three candidates for the transfer tests, then the
 * transfers section given by each case. */
#define TR_BASE                                                                   \
    "election:\n  name: t\n  date: 2030-05-12\n  finalists:\n"                      \
    "    - {id: a, name: A}\n    - {id: b, name: B}\n"                             \
    "first_round:\n  options: [{id: a}, {id: b}, {id: c}]\n"                       \
    "  national: {registered: 1000, votes: {a: 400, b: 350, c: 250}}\n"            \
    "blend: {mode: transfers}\n"

static runoff_scenario *load_transfers(const char *transfers, runoff_error *err)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", TR_BASE, transfers);
    return runoff_scenario_load_buffer("t.yaml", text, strlen(text), NULL, 0, err);
}

/* Partial rows, worked by hand: the shares given stay, the voters not
 * placed are split equally between the columns not given, and the
 * concentration is multiplied by the fraction of voters placed. */
static void test_partial_transfer_rows(void **state)
{
    (void)state;
    runoff_error err = {0};
    runoff_scenario *s = load_transfers(
        "transfers:\n  concentration: 50\n  rows:\n"
        "    - {option: a, shares: {a: 90, b: 2, none: 8}}\n"
        "    - {option: b, shares: {a: 40, none: 40}}\n"
        "    - {option: c, shares: {a: 35}}\n",
        &err);
    assert_non_null(s);
    const ro_transfer *t = s->transfers;
    assert_true(fabs(t[0].mean[0] - 0.90) < 1e-15 && t[0].concentration == 50);
    assert_true(fabs(t[1].mean[0] - 0.4) < 1e-15 && fabs(t[1].mean[1] - 0.2) < 1e-15 &&
                fabs(t[1].mean[2] - 0.4) < 1e-15);
    assert_true(fabs(t[1].concentration - 40) < 1e-12);
    assert_true(fabs(t[2].mean[0] - 0.35) < 1e-15 && fabs(t[2].mean[1] - 0.325) < 1e-15 &&
                fabs(t[2].mean[2] - 0.325) < 1e-15);
    assert_true(fabs(t[2].concentration - 17.5) < 1e-12);
    runoff_scenario_free(s);
}

/* A survey's sample n (over the design effect) sets its row's
 * concentration to n - 1; a survey without one counts as the section's
 * concentration + 1 respondents, a partial one as that times the fraction
 * placed, and the row takes the recency-weighted mean, minus 1. */
static void test_survey_sample_sets_the_concentration(void **state)
{
    (void)state;
    runoff_error err = {0};
    const char *surveys =
        "transfers:\n  concentration: 50\n  surveys:\n"
        "    - {pollster: P, start: 2030-05-01, end: 2030-05-02, option: a, sample: 900,"
        " shares: {a: 90, b: 2, none: 8}}\n"
        "    - {pollster: P, start: 2030-05-01, end: 2030-05-02, option: b, sample: 900,"
        " shares: {a: 10, b: 80, none: 10}}\n"
        "    - {pollster: Q, start: 2030-05-01, end: 2030-05-02, option: b,"
        " shares: {a: 20, b: 70, none: 10}}\n"
        "    - {pollster: Q, start: 2030-05-01, end: 2030-05-02, option: c,"
        " shares: {a: 40}}\n%s";
    char text[1024];
    snprintf(text, sizeof text, surveys, "");
    runoff_scenario *s = load_transfers(text, &err);
    assert_non_null(s);
    assert_true(fabs(s->transfers[0].concentration - 899) < 1e-9);
    /* same dates, equal weights: (900 + 51) / 2 - 1 */
    assert_true(fabs(s->transfers[1].concentration - 474.5) < 1e-9);
    assert_true(fabs(s->transfers[1].mean[0] - 0.15) < 1e-12);
    /* 51 x 0.4 - 1 */
    assert_true(fabs(s->transfers[2].concentration - 19.4) < 1e-9);
    runoff_scenario_free(s);
    snprintf(text, sizeof text, surveys, "aggregation: {design_effect: 1.5}\n");
    s = load_transfers(text, &err);
    assert_non_null(s);
    assert_true(fabs(s->transfers[0].concentration - 599) < 1e-9);
    runoff_scenario_free(s);
}

/* The walk-through in docs/scenario.md runs as written: its CSV and YAML
 * are these files, word for word. */
static void test_newcomer_walk_through(void **state)
{
    (void)state;
    size_t n;
    char *doc = slurp("docs/scenario.md", &n), *csv = slurp(NEWCOMER "/polls.csv", &n),
         *yaml = slurp(NEWCOMER "/scenario.yaml", &n);
    assert_non_null(doc);
    assert_contains(doc, csv);
    /* the YAML of steps 2 and 3, less the file's two comment lines */
    const char *body = strstr(yaml, "election:");
    const char *fr = strstr(body, "first_round:");
    assert_non_null(fr);
    char *head = strndup(body, (size_t)(fr - body));
    assert_contains(doc, head);
    assert_contains(doc, fr);
    free(head);
    free(doc);
    free(csv);
    free(yaml);
    run_result r = RUN("check", NEWCOMER "/scenario.yaml", "--strict");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    run_free(&r);
    r = RUN("sweep", NEWCOMER "/scenario.yaml", "-q", "--draws", "2000", "--set",
            "polls.pan-1.sample=1500", "--vary", "transfers.adjust.others.bravo=20:60:5", "--out",
            path_in_tmp("newcomer.csv"));
    assert_int_equal(r.status, 0);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transfers_blend_before_the_first_poll),
        cmocka_unit_test(test_csv_polls_give_the_yaml_results),
        cmocka_unit_test(test_missing_samples_take_the_median),
        cmocka_unit_test(test_csv_polls_survive_every_allocation_failure),
        cmocka_unit_test(test_warnings_are_a_list),
        cmocka_unit_test(test_warnings_on_stderr_and_strict),
        cmocka_unit_test(test_national_first_round),
        cmocka_unit_test(test_first_round_shares_make_the_votes),
        cmocka_unit_test(test_partial_transfer_rows),
        cmocka_unit_test(test_survey_sample_sets_the_concentration),
        cmocka_unit_test(test_newcomer_walk_through),
    };
    return cmocka_run_group_tests_name("inputs", tests, cli_setup, cli_teardown);
}
