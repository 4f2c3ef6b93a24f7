/*
 * test_result.c — the public accessors of a result (result.c) agree with
 * the writers: every number a program reads is the one the CSV, the regions
 * CSV and the JSON print, and the JSON in memory is runoff_write_json's
 * bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runoff.h"
#include "testutil.h"

#define REGIONS "tests/data/good/regions.yaml"
#define NATIONAL "tests/data/good/national.yaml"

typedef struct {
    runoff_scenario *s;
    runoff_result *r;
} fixture;

static int setup_path(void **state, const char *path)
{
    fixture *f = calloc(1, sizeof *f);
    runoff_error err = {0};
    f->s = runoff_scenario_load(path, NULL, 0, &err);
    runoff_sim_options opt = {.threads = 2, .draws = 20000};
    f->r = f->s != NULL ? runoff_simulate(f->s, &opt, &err) : NULL;
    *state = f;
    return f->r != NULL ? 0 : -1;
}

static int setup_regions(void **state) { return setup_path(state, REGIONS); }
static int setup_national(void **state) { return setup_path(state, NATIONAL); }

static int teardown(void **state)
{
    fixture *f = *state;
    runoff_result_free(f->r);
    runoff_scenario_free(f->s);
    free(f);
    return 0;
}

/* The statistic (name, subject) as the statistics callback reports it. */
typedef struct {
    const char *name, *subject;
    double value;
    int found;
} wanted;

static void find_stat(void *ctx, const char *name, const char *subject, double value,
                      const char *unit)
{
    (void)unit;
    wanted *w = ctx;
    if (strcmp(name, w->name) == 0 && strcmp(subject, w->subject) == 0) {
        w->value = value;
        w->found++;
    }
}

static double stat(const fixture *f, const char *name, const char *subject)
{
    wanted w = {name, subject, NAN, 0};
    runoff_result_statistics(f->s, f->r, find_stat, &w);
    assert_int_equal(w.found, 1);
    return w.value;
}

static void test_headline_accessors_equal_the_statistics(void **state)
{
    fixture *f = *state;
    const char *a = runoff_scenario_finalist_id(f->s, 0), *b = runoff_scenario_finalist_id(f->s, 1);
    assert_int_equal(runoff_result_draws(f->r), 20000);
    assert_true(runoff_result_win_probability(f->r, 0) == stat(f, "win_probability", a));
    assert_true(runoff_result_win_probability(f->r, 1) == stat(f, "win_probability", b));
    assert_true(runoff_result_win_probability_se(f->r, 0) == stat(f, "win_probability_se", a));
    assert_true(runoff_result_share_mean(f->r) == stat(f, "share_mean", a));
    assert_true(runoff_result_share_sd(f->r) == stat(f, "share_sd", a));
    assert_true(runoff_result_share_quantile(f->r, 0.05) == stat(f, "share_quantile_0.05", a));
    double lo, hi;
    runoff_result_share_interval(f->r, 0.9, &lo, &hi);
    assert_true(lo == stat(f, "share_quantile_0.05", a));
    assert_true(hi == stat(f, "share_quantile_0.95", a));
    assert_true(runoff_result_turnout_quantile(f->r, 0.5) ==
                stat(f, "turnout_quantile_0.5", "national"));
    assert_true(runoff_result_turnout_mean(f->r) == stat(f, "turnout_mean", "national"));
    /* Both scenarios' shares are continuous (a poll error in every draw),
     * so an exact 0.5, a tie, has a chance of order 2^-53 a draw: over
     * 20 000 draws, ~1e-12. */
    double tie = runoff_result_tie_probability(f->r);
    assert_true(tie == 0);
    assert_close(runoff_result_win_probability(f->r, 0) + runoff_result_win_probability(f->r, 1) +
                     tie, 1.0, 1e-12);
}

static void test_out_of_range_is_nan(void **state)
{
    fixture *f = *state;
    assert_true(isnan(runoff_result_share_quantile(f->r, 1.5)));
    assert_true(isnan(runoff_result_win_probability(f->r, 2)));
    assert_true(isnan(runoff_result_share_quantile(NULL, 0.5)));
    assert_true(isnan(runoff_result_win_probability_se(NULL, 0)));
    assert_int_equal(runoff_result_n_regions(NULL), 0);
}

/* The regions CSV's row of region i, split at commas (no quoted field in
 * the test scenario). */
static void regions_csv_row(const fixture *f, size_t i, char *fields[16], char *buf, size_t size)
{
    FILE *m = fmemopen(buf, size, "w");
    assert_non_null(m);
    assert_int_equal(runoff_write_regions_csv(m, f->s, f->r), 0);
    fclose(m);
    char *line = buf;
    for (size_t k = 0; k <= i; k++)
        line = strchr(line, '\n') + 1;
    *strchr(line, '\n') = '\0';
    size_t n = 0;
    for (char *p = strtok(line, ","); p != NULL && n < 16; p = strtok(NULL, ","))
        fields[n++] = p;
}

static void test_region_accessor_equals_the_regions_csv(void **state)
{
    fixture *f = *state;
    size_t n = runoff_result_n_regions(f->r);
    assert_true(n >= 2);
    static char buf[1 << 16];
    char *fields[16] = {0};
    regions_csv_row(f, 1, fields, buf, sizeof buf);
    runoff_region_stats st;
    assert_int_equal(runoff_result_region(f->s, f->r, 1, &st), RUNOFF_OK);
    assert_string_equal(st.code, fields[0]);
    /* code,name,registered,subject,win_probability,win_probability_se,
     * share_quantile_0.5,... (docs/outputs.md) */
    assert_string_equal(fields[3], runoff_scenario_finalist_id(f->s, 0));
    assert_true(st.win_probability_a == strtod(fields[4], NULL));
    assert_true(st.win_probability_se == strtod(fields[5], NULL));
    assert_true(st.median == strtod(fields[6], NULL));
    assert_int_equal(runoff_result_region(f->s, f->r, n, &st), RUNOFF_EINPUT);
}

static void test_json_string_is_the_json_writer(void **state)
{
    fixture *f = *state;
    char *file_text = NULL;
    size_t file_len = 0;
    FILE *m = open_memstream(&file_text, &file_len);
    assert_int_equal(runoff_write_json(m, f->s, f->r), 0);
    fclose(m);
    size_t len = 0;
    char *text = runoff_json_string(f->s, f->r, &len);
    assert_non_null(text);
    assert_int_equal(len, file_len);
    assert_int_equal(strlen(text), len);
    assert_memory_equal(text, file_text, len);
    runoff_string_free(text);
    free(file_text);
    runoff_string_free(NULL);
}

static void test_version_is_the_header(void **state)
{
    (void)state;
    assert_string_equal(runoff_version(), RUNOFF_VERSION);
}

int main(void)
{
    const struct CMUnitTest regions[] = {
        cmocka_unit_test(test_headline_accessors_equal_the_statistics),
        cmocka_unit_test(test_out_of_range_is_nan),
        cmocka_unit_test(test_region_accessor_equals_the_regions_csv),
        cmocka_unit_test(test_json_string_is_the_json_writer),
        cmocka_unit_test(test_version_is_the_header),
    };
    const struct CMUnitTest national[] = {
        cmocka_unit_test(test_out_of_range_is_nan),
        cmocka_unit_test(test_json_string_is_the_json_writer),
    };
    return cmocka_run_group_tests_name("result, regions", regions, setup_regions, teardown) |
           cmocka_run_group_tests_name("result, national", national, setup_national, teardown);
}
