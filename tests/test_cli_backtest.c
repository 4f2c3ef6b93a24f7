/*
 * test_cli_backtest.c — end-to-end tests of `runoff backtest`.
 *
 * Fixtures in tests/data/cli/ (synthetic): backtest-one.yaml (as_of, a
 * final week of three polls, two on the last day, one poll after as_of),
 * backtest-two.yaml (no poll in the final week, Student-t error, B won),
 * backtest-none.yaml (no actual result). Their headers state the baselines'
 * polls, worked by hand.
 */
#include "cli_harness.h"

#define ONE "tests/data/cli/backtest-one.yaml"
#define TWO "tests/data/cli/backtest-two.yaml"
#define NONE "tests/data/cli/backtest-none.yaml"

#define MAX_COLS 128

/* Split one CSV line (no quoted fields in these fixtures) in place;
 * returns the number of fields and moves *p past the line. */
static int split_line(char **p, char *fields[MAX_COLS])
{
    int n = 0;
    char *c = *p, *end = strchr(c, '\n');
    assert_non_null(end);
    *end = '\0';
    *p = end + 1;
    for (;;) {
        assert_true(n < MAX_COLS);
        fields[n++] = c;
        char *comma = strchr(c, ',');
        if (comma == NULL)
            return n;
        *comma = '\0';
        c = comma + 1;
    }
}

/* A parsed back-test CSV: the header and up to 4 rows. */
typedef struct {
    char *text;
    char *head[MAX_COLS], *rows[4][MAX_COLS];
    int n_cols, n_rows;
} bt_csv;

static void bt_csv_parse(bt_csv *t, char *text)
{
    assert_non_null(text);
    t->text = text;
    char *p = text;
    t->n_cols = split_line(&p, t->head);
    for (t->n_rows = 0; *p; t->n_rows++) {
        assert_true(t->n_rows < 4);
        assert_int_equal(split_line(&p, t->rows[t->n_rows]), t->n_cols);
    }
}

static const char *bt_field(const bt_csv *t, int row, const char *column)
{
    for (int i = 0; i < t->n_cols; i++)
        if (strcmp(t->head[i], column) == 0)
            return t->rows[row][i];
    print_error("no column %s\n", column);
    fail();
    return NULL;
}

static double bt_number(const bt_csv *t, int row, const char *column)
{
    return strtod(bt_field(t, row, column), NULL);
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void test_help_lists_backtest(void **state)
{
    (void)state;
    run_result r = RUN("--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "  backtest ");
    run_free(&r);
    r = RUN("backtest", "--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "usage: runoff backtest SCENARIO...");
    assert_contains(r.out, "--csv FILE");
    assert_contains(r.out, "--seed N");
    assert_string_equal(r.err, "");
    run_free(&r);
}

/* Two scenarios with an actual result and one without: a block each for
 * the two, a summary, one line on stderr for the third; the CSV has a
 * header and one row per scored scenario. */
static void test_table_csv_and_skipped_file(void **state)
{
    (void)state;
    char opt[512];
    snprintf(opt, sizeof opt, "--csv=%s", path_in_tmp("bt.csv"));
    run_result r = RUN("backtest", ONE, NONE, TWO, "-q", opt);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "runoff: " NONE ": skipped: no actual.shares\n");
    assert_contains(r.out, "Synthetic back-test one (" ONE "), 20000 draws, seed 42\n");
    assert_contains(r.out, "Synthetic back-test two (" TWO "), 5000 draws, seed 3\n");
    assert_int_equal(count_of(r.out, "\n  forecast   median "), 2);
    assert_int_equal(count_of(r.out, "+/-"), 2); /* one model line each */
    assert_int_equal(count_of(r.out, "\n  final week: "), 2);
    assert_int_equal(count_of(r.out, "\n  last poll:  "), 2);
    assert_contains(r.out, "(no poll ended in the week: the latest day's polls)");
    assert_contains(r.out, "Summary over 2 scenarios (CRPS in points)\n");
    assert_null(strstr(r.out, "future"));
    run_free(&r);

    bt_csv t;
    bt_csv_parse(&t, slurp(path_in_tmp("bt.csv"), NULL));
    assert_int_equal(t.n_rows, 2);
    assert_string_equal(t.head[0], "file");
    const char *cols[] = {"model_crps", "final_week_crps", "last_poll_crps", "model_pit",
                          "model_win_probability_se", "final_week_covered_0.5",
                          "last_poll_covered_0.9", "final_week_fallback"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        bt_field(&t, 0, cols[i]);
    assert_string_equal(bt_field(&t, 0, "file"), ONE);
    assert_string_equal(bt_field(&t, 1, "file"), TWO);
    assert_string_equal(bt_field(&t, 0, "reference_date"), "2030-05-10");
    assert_string_equal(bt_field(&t, 1, "subject_won"), "0");
    assert_int_equal(count_tmp_leftovers(), 0);
    free(t.text);
}

/*
 * The baselines of backtest-one.yaml (numbers in tests/test_backtest.c,
 * worked by hand): final week 3 polls, mean 0.54, n 2300; last day 2 polls,
 * mean 0.55, n 1500; the poll after as_of is left out. backtest-two.yaml
 * falls back to its last poll, 0.47, n 1100, with the scenario's t(4).
 */
static void test_baselines_in_csv(void **state)
{
    (void)state;
    run_result r = RUN("backtest", ONE, TWO, "-q", "--csv", "-");
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.out, "Summary")); /* --csv - replaces the table */
    bt_csv t;
    bt_csv_parse(&t, r.out);
    r.out = NULL;
    assert_string_equal(bt_field(&t, 0, "final_week_polls"), "3");
    assert_string_equal(bt_field(&t, 0, "final_week_fallback"), "0");
    assert_close(bt_number(&t, 0, "final_week_share"), 0.54, 1e-15);
    assert_close(bt_number(&t, 0, "final_week_sample"), 2300, 0);
    assert_close(bt_number(&t, 0, "final_week_pit"), 0.09158878618084454, 1e-12);
    assert_close(bt_number(&t, 0, "final_week_crps"), 0.01920435765422345, 1e-12);
    assert_string_equal(bt_field(&t, 0, "final_week_df"), ""); /* normal */
    assert_string_equal(bt_field(&t, 0, "last_poll_polls"), "2");
    assert_close(bt_number(&t, 0, "last_poll_share"), 0.55, 1e-15);
    assert_close(bt_number(&t, 0, "last_poll_sample"), 1500, 0);
    assert_string_equal(bt_field(&t, 1, "final_week_fallback"), "1");
    assert_close(bt_number(&t, 1, "final_week_share"), 0.47, 1e-15);
    assert_close(bt_number(&t, 1, "last_poll_sample"), 1100, 0);
    assert_close(bt_number(&t, 1, "final_week_df"), 4, 0);
    assert_string_equal(bt_field(&t, 1, "final_week_crps"), bt_field(&t, 1, "last_poll_crps"));
    free(t.text);
    run_free(&r);
}

/* The value of a statistic for a subject in `runoff run --json` output. */
static char *json_stat(const char *json, const char *statistic, const char *subject)
{
    char key[256];
    snprintf(key, sizeof key, "{\"statistic\": \"%s\", \"subject\": \"%s\", \"value\": ",
             statistic, subject);
    const char *p = strstr(json, key);
    assert_non_null(p);
    p += strlen(key);
    return strndup(p, strcspn(p, ","));
}

/* The model part of a row is what `runoff run` reports for the same
 * scenario, seed and draws, to the last digit; and, like run, the same
 * bytes for any number of threads. */
static void test_model_equals_run_and_threads_agree(void **state)
{
    (void)state;
    run_result run = RUN("run", ONE, "-q", "--json", "--seed", "9", "--draws", "30000");
    run_result bt1 = RUN("backtest", ONE, "-q", "--csv", "-", "--seed", "9", "--draws", "30000",
                         "--threads", "1");
    run_result bt2 = RUN("backtest", ONE, "-q", "--csv", "-", "--seed", "9", "--draws", "30000",
                         "--threads", "2");
    assert_int_equal(run.status, 0);
    assert_int_equal(bt1.status, 0);
    assert_int_equal(bt2.status, 0);
    assert_string_equal(bt1.out, bt2.out);
    bt_csv t;
    bt_csv_parse(&t, bt1.out);
    bt1.out = NULL;
    char *p = json_stat(run.out, "win_probability", "north");
    char *crps = json_stat(run.out, "crps", "north");
    assert_string_equal(bt_field(&t, 0, "model_win_probability"), p);
    assert_string_equal(bt_field(&t, 0, "model_crps"), crps);
    assert_string_equal(bt_field(&t, 0, "seed"), "9");
    free(p);
    free(crps);
    free(t.text);
    run_free(&run);
    run_free(&bt1);
    run_free(&bt2);
}

/* Every file is loaded before the first draw: a missing one fails the
 * command at once with "file: what is wrong" and status 2, nothing on
 * stdout, no CSV. */
static void test_missing_file_exits_2(void **state)
{
    (void)state;
    char opt[512];
    snprintf(opt, sizeof opt, "--csv=%s", path_in_tmp("never.csv"));
    run_result r = RUN("backtest", ONE, "tests/data/cli/no-such-file.yaml", "-q", opt);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "runoff: tests/data/cli/no-such-file.yaml: cannot open: "
                               "No such file or directory\n");
    assert_string_equal(r.out, "");
    assert_false(exists(path_in_tmp("never.csv")));
    run_free(&r);
}

static void test_bad_usage_exits_2(void **state)
{
    (void)state;
    run_result r = RUN("backtest");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "backtest needs scenario files");
    run_free(&r);
    r = RUN("backtest", NONE);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "runoff: " NONE ": skipped: no actual.shares\n"
                               "runoff: no scenario to back-test: none has actual.shares\n");
    run_free(&r);
    r = RUN("backtest", ONE, "--draws", "0");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--draws expects a whole number");
    run_free(&r);
    r = RUN("backtest", ONE, "--histogram-csv", "x");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "unknown option '--histogram-csv' (see 'runoff backtest --help')");
    run_free(&r);
    r = RUN("backtest", ONE, "--set", "polling_error.scale=abc");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--set:1:");
    run_free(&r);
}

static void test_output_failures_exit_1(void **state)
{
    (void)state;
    run_result r = RUN("backtest", ONE, "-q", "--csv", "/nonexistent-dir/bt.csv");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "/nonexistent-dir/bt.csv: cannot create");
    assert_string_equal(r.out, "");
    run_free(&r);
    r = RUN("backtest", ONE, "-q", "--csv", "/dev/full");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "runoff: /dev/full: write failed: No space left on device");
    run_free(&r);
    r = run_ex(NULL, "/dev/full", 0, (const char *const[]){"backtest", ONE, "-q", NULL});
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "error writing standard output");
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_lists_backtest),
        cmocka_unit_test(test_table_csv_and_skipped_file),
        cmocka_unit_test(test_baselines_in_csv),
        cmocka_unit_test(test_model_equals_run_and_threads_agree),
        cmocka_unit_test(test_missing_file_exits_2),
        cmocka_unit_test(test_bad_usage_exits_2),
        cmocka_unit_test(test_output_failures_exit_1),
    };
    return cmocka_run_group_tests_name("cli_backtest", tests, cli_setup, cli_teardown);
}
