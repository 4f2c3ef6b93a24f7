/*
 * test_shard.c — shards of a run put back together (shard.c): the shards'
 * results merged, in memory or through their saved text, are the whole
 * run's, byte for byte in every writer; shards cover the blocks exactly
 * once; a result of another scenario, seed or a damaged text is refused.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runoff.h"
#include "testutil.h"

#define NATIONAL "tests/data/good/national.yaml"
#define REGIONS "tests/data/good/regions.yaml"

static runoff_scenario *load(const char *path)
{
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(path, NULL, 0, &err);
    assert_non_null(s);
    return s;
}

static runoff_result *simulate(const runoff_scenario *s, uint64_t draws, uint64_t index,
                               uint64_t count, unsigned threads)
{
    runoff_error err = {0};
    runoff_sim_options opt = {.threads = threads, .draws = draws, .has_seed = 1, .seed = 11,
                              .shard_index = index, .shard_count = count};
    runoff_result *r = runoff_simulate(s, &opt, &err);
    assert_non_null(r);
    return r;
}

/* Every writer's bytes of (s, r), concatenated. */
static char *all_outputs(const runoff_scenario *s, const runoff_result *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    assert_int_equal(runoff_write_report(m, s, r), 0);
    assert_int_equal(runoff_write_json(m, s, r), 0);
    assert_int_equal(runoff_write_csv(m, s, r), 0);
    assert_int_equal(runoff_write_histogram_csv(m, s, r), 0);
    assert_int_equal(runoff_write_regions_csv(m, s, r), 0);
    fclose(m);
    return text;
}

static void test_shard_bounds_cover_once(void **state)
{
    (void)state;
    const uint64_t ns[] = {0, 1, 7, 10, 1000003};
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
        for (uint64_t count = 1; count <= 9; count++) {
            assert_int_equal(runoff_shard_begin(ns[k], 0, count), 0);
            assert_int_equal(runoff_shard_begin(ns[k], count, count), ns[k]);
            for (uint64_t i = 0; i < count; i++) {
                uint64_t a = runoff_shard_begin(ns[k], i, count),
                         b = runoff_shard_begin(ns[k], i + 1, count);
                assert_true(a <= b && b - a <= ns[k] / count + 1);
            }
        }
    assert_int_equal(runoff_shard_begin(UINT64_MAX, 1, 2), UINT64_MAX / 2);
}

static void check_shards_equal_whole(const char *path, uint64_t draws, uint64_t count,
                                     bool through_text)
{
    runoff_scenario *s = load(path);
    runoff_result *whole = simulate(s, draws, 0, 0, 2);
    runoff_error err = {0};
    runoff_result *merged = runoff_result_alloc(s, 11, &err);
    assert_non_null(merged);
    /* shards merged in reverse order: the order does not matter */
    for (uint64_t i = count; i-- > 0;) {
        runoff_result *part = simulate(s, draws, i, count, 1 + (unsigned)(i % 3));
        if (through_text) {
            char *text = NULL;
            size_t len = 0;
            FILE *m = open_memstream(&text, &len);
            assert_int_equal(runoff_result_save(m, part), 0);
            fclose(m);
            m = fmemopen(text, len, "r");
            assert_int_equal(runoff_result_load_add(merged, m, &err), RUNOFF_OK);
            fclose(m);
            free(text);
        } else {
            assert_int_equal(runoff_result_merge(merged, part, &err), RUNOFF_OK);
        }
        runoff_result_free(part);
    }
    assert_int_equal(runoff_result_draws(merged), draws);
    char *a = all_outputs(s, whole), *b = all_outputs(s, merged);
    assert_string_equal(a, b);
    free(a);
    free(b);
    runoff_result_free(whole);
    runoff_result_free(merged);
    runoff_scenario_free(s);
}

static void test_national_shards_merge_to_the_run(void **state)
{
    (void)state;
    check_shards_equal_whole(NATIONAL, 45000, 4, false);
    /* 5 blocks of 10000 draws in 7 shards: two are empty */
    check_shards_equal_whole(NATIONAL, 45000, 7, true);
}

static void test_regional_shards_merge_to_the_run(void **state)
{
    (void)state;
    check_shards_equal_whole(REGIONS, 35000, 3, false);
    check_shards_equal_whole(REGIONS, 35000, 5, true);
    check_shards_equal_whole(REGIONS, 25000, 6, true);
}

static void test_shard_out_of_range_is_refused(void **state)
{
    (void)state;
    runoff_scenario *s = load(NATIONAL);
    runoff_error err = {0};
    runoff_sim_options opt = {.draws = 100, .shard_index = 3, .shard_count = 3};
    assert_null(runoff_simulate(s, &opt, &err));
    assert_int_equal(err.status, RUNOFF_EINPUT);
    runoff_scenario_free(s);
}

static void test_foreign_results_are_refused(void **state)
{
    (void)state;
    runoff_scenario *n = load(NATIONAL), *g = load(REGIONS);
    runoff_result *rn = simulate(n, 1000, 0, 0, 1), *rg = simulate(g, 1000, 0, 0, 1);
    runoff_error err = {0};
    runoff_result *into = runoff_result_alloc(n, 11, &err);
    assert_int_equal(runoff_result_merge(into, rg, &err), RUNOFF_EINPUT);
    runoff_result *other_seed = runoff_result_alloc(n, 12, &err);
    assert_int_equal(runoff_result_merge(other_seed, rn, &err), RUNOFF_EINPUT);

    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    assert_int_equal(runoff_result_save(m, rg), 0);
    fclose(m);
    m = fmemopen(text, len, "r");
    assert_int_equal(runoff_result_load_add(into, m, &err), RUNOFF_EINPUT);
    fclose(m);
    free(text);

    /* a damaged count: the histogram's counts no longer add up */
    m = open_memstream(&text, &len);
    assert_int_equal(runoff_result_save(m, rn), 0);
    fclose(m);
    char *colon = strchr(strstr(text, "\nhist "), ':');
    colon[1] = colon[1] == '9' ? '8' : (char)(colon[1] + 1);
    runoff_result_free(into);
    into = runoff_result_alloc(n, 11, &err);
    m = fmemopen(text, len, "r");
    assert_int_equal(runoff_result_load_add(into, m, &err), RUNOFF_EINPUT);
    fclose(m);
    /* truncated */
    m = fmemopen(text, len / 2, "r");
    runoff_result_free(into);
    into = runoff_result_alloc(n, 11, &err);
    assert_int_equal(runoff_result_load_add(into, m, &err), RUNOFF_EINPUT);
    fclose(m);
    free(text);

    runoff_result_free(into);
    runoff_result_free(other_seed);
    runoff_result_free(rn);
    runoff_result_free(rg);
    runoff_scenario_free(n);
    runoff_scenario_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_bounds_cover_once),
        cmocka_unit_test(test_national_shards_merge_to_the_run),
        cmocka_unit_test(test_regional_shards_merge_to_the_run),
        cmocka_unit_test(test_shard_out_of_range_is_refused),
        cmocka_unit_test(test_foreign_results_are_refused),
    };
    return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
