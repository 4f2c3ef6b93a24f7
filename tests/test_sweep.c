/*
 * test_sweep.c — sweeps (sweep.c): grids of scenario variants.
 *
 * The allocation-failure tests (test_sweep_alloc_failure_*) drive every
 * sweep function through each of its allocations failing in turn
 * (tests/allocfail.h): each failure must be reported as RUNOFF_ENOMEM and
 * free what was built (the sanitizer stage checks for leaks), and the
 * attempt that succeeds must give the same grid as a run without
 * failures.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "allocfail.h"
#include "runoff.h"
#include "testutil.h"

#define REGIONS "tests/data/good/regions.yaml"

/* The axes used below: 5 numbers x 4 dates x 3 list values = 60 points. */
static const char *const varies[] = {
    "polling_error.scale=0:2:0.5",
    "aggregation.as_of=2030-06-09:2030-06-12:1d",
    "blend.weight=0,0.5,1",
};
#define N_VARIES (sizeof varies / sizeof varies[0])
#define N_POINTS 60

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (cap - *len < 4096) {
            cap = cap ? 2 * cap : 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t k = fread(buf + *len, 1, cap - *len - 1, f);
        if (k == 0)
            break;
        *len += k;
    }
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

/* regions.yaml with a `sweep:` section appended. */
static runoff_doc *regions_doc_with_sweep(void)
{
    ro_alloc_fail_after(-1);
    size_t len;
    char *text = slurp(REGIONS, &len);
    static const char sweep[] = "sweep:\n"
                                "  zip: true\n"
                                "  vary:\n"
                                "    polling_error.scale: 1:3:1\n"
                                "    blend.weight: 0.1,0.2,0.3\n";
    text = realloc(text, len + sizeof sweep);
    assert_non_null(text);
    memcpy(text + len, sweep, sizeof sweep);
    runoff_error err = {0};
    runoff_doc *doc = runoff_doc_parse_buffer("regions+sweep.yaml", text, strlen(text), &err);
    free(text);
    if (doc == NULL) {
        print_error("%s\n", err.message);
        fail();
    }
    return doc;
}

static runoff_sweep *build_sweep(runoff_error *err)
{
    runoff_sweep *sw = runoff_sweep_alloc();
    if (sw == NULL) {
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    for (size_t k = 0; k < N_VARIES; k++)
        if (runoff_sweep_add(sw, varies[k], err) != RUNOFF_OK)
            goto fail;
    if (runoff_sweep_finish(sw, err) != RUNOFF_OK)
        goto fail;
    return sw;
fail:
    runoff_sweep_free(sw);
    return NULL;
}

/* The grid's CSV header and every point's key columns, in memory. */
static char *sweep_keys_text(const runoff_sweep *sw)
{
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(runoff_write_sweep_header(f, sw), 0);
    for (size_t i = 0; i < runoff_sweep_n_points(sw); i++) {
        assert_int_equal(runoff_write_sweep_keys(f, sw, i), 0);
        assert_int_equal(fputc('\n', f), '\n');
    }
    assert_int_equal(fclose(f), 0);
    return buf;
}

typedef struct {
    const char *expected_keys; /* from a build without failures */
} add_case;

static int attempt_add_finish(void *ctx, runoff_error *err)
{
    add_case *c = ctx;
    runoff_sweep *sw = build_sweep(err);
    ro_alloc_fail_after(-1);
    if (sw == NULL)
        return 0;
    assert_int_equal(runoff_sweep_n_axes(sw), N_VARIES);
    assert_int_equal(runoff_sweep_n_points(sw), N_POINTS);
    char *keys = sweep_keys_text(sw);
    assert_string_equal(keys, c->expected_keys);
    free(keys);
    runoff_sweep_free(sw);
    return 1;
}

static void test_sweep_alloc_failure_add_and_finish(void **state)
{
    (void)state;
    ro_alloc_fail_after(-1);
    runoff_error err = {0};
    runoff_sweep *sw = build_sweep(&err);
    assert_non_null(sw);
    char *expected = sweep_keys_text(sw);
    runoff_sweep_free(sw);
    add_case c = {expected};
    assert_true(alloc_failure_loop(attempt_add_finish, &c) > 0);
    free(expected);
}

static int attempt_add_from_doc(void *ctx, runoff_error *err)
{
    const runoff_doc *doc = ctx;
    runoff_sweep *sw = runoff_sweep_alloc();
    if (sw == NULL) {
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "out of memory");
        return 0;
    }
    runoff_status st = runoff_sweep_add_from_doc(sw, doc, err);
    if (st == RUNOFF_OK)
        st = runoff_sweep_add(sw, "polling_error.df=3,4,5", err);
    if (st == RUNOFF_OK)
        st = runoff_sweep_finish(sw, err);
    ro_alloc_fail_after(-1);
    if (st == RUNOFF_OK) {
        /* zip: three axes of three values each pair up into 3 points. */
        assert_int_equal(runoff_sweep_n_axes(sw), 3);
        assert_int_equal(runoff_sweep_n_points(sw), 3);
    }
    runoff_sweep_free(sw);
    return st == RUNOFF_OK;
}

static void test_sweep_alloc_failure_add_from_doc(void **state)
{
    (void)state;
    runoff_doc *doc = regions_doc_with_sweep();
    assert_true(alloc_failure_loop(attempt_add_from_doc, doc) > 0);
    runoff_doc_free(doc);
}

typedef struct {
    const runoff_sweep *sw;
    runoff_doc *base; /* points are applied to it in place */
    size_t point;
    char *expected; /* the point's scenario, described, from a run without failures */
} point_case;

static char *describe(const runoff_scenario *s)
{
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(runoff_scenario_describe(s, f), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static int attempt_point(void *ctx, runoff_error *err)
{
    point_case *c = ctx;
    runoff_scenario *s = runoff_sweep_scenario(c->sw, c->base, c->point, err);
    ro_alloc_fail_after(-1);
    if (s == NULL)
        return 0;
    char *text = describe(s);
    assert_string_equal(text, c->expected);
    free(text);
    runoff_scenario_free(s);
    return 1;
}

static void test_sweep_alloc_failure_scenario(void **state)
{
    (void)state;
    runoff_doc *base = regions_doc_with_sweep();
    runoff_error err = {0};
    runoff_sweep *sw = build_sweep(&err);
    assert_non_null(sw);
    /* The first point, and the last, whose values differ from the base in
     * every axis. */
    const size_t points[] = {0, N_POINTS - 1};
    for (size_t k = 0; k < 2; k++) {
        runoff_scenario *s = runoff_sweep_scenario(sw, base, points[k], &err);
        assert_non_null(s);
        point_case c = {sw, base, points[k], describe(s)};
        runoff_scenario_free(s);
        assert_true(alloc_failure_loop(attempt_point, &c) > 0);
        free(c.expected);
    }
    runoff_sweep_free(sw);
    runoff_doc_free(base);
}

typedef struct {
    const runoff_sweep *sw;
    const runoff_scenario *s;
    const runoff_result *r;
} row_case;

/* The sweep CSV writers allocate nothing today; if one ever does, a
 * failure must still be an error return, never a crash or a short row. */
static int attempt_sweep_rows(void *ctx, runoff_error *err)
{
    row_case *c = ctx;
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    int rc = runoff_write_sweep_header(f, c->sw);
    rc |= runoff_write_sweep_keys(f, c->sw, 1);
    rc |= runoff_write_sweep_row(f, c->sw, N_POINTS - 1, c->s, c->r);
    fclose(f);
    if (rc != 0)
        ro_error_set(err, RUNOFF_ENOMEM, NULL, 0, 0, "a sweep writer failed");
    return rc == 0;
}

static void test_sweep_alloc_failure_writers(void **state)
{
    (void)state;
    runoff_doc *base = regions_doc_with_sweep();
    runoff_error err = {0};
    runoff_sweep *sw = build_sweep(&err);
    assert_non_null(sw);
    runoff_scenario *s = runoff_sweep_scenario(sw, base, N_POINTS - 1, &err);
    assert_non_null(s);
    runoff_sim_options opt = {.threads = 1, .draws = 500};
    runoff_result *r = runoff_simulate(s, &opt, &err);
    assert_non_null(r);
    row_case c = {sw, s, r};
    assert_true(alloc_failure_loop(attempt_sweep_rows, &c) >= 0);
    runoff_result_free(r);
    runoff_scenario_free(s);
    runoff_sweep_free(sw);
    runoff_doc_free(base);
}

/* Found by fuzz_set (fuzz/regressions/fuzz_set/sweep-date-step-beyond-int32):
 * a date step wider than int32 was truncated to a negative step and the
 * loop overflowed. A step longer than the range gives the start alone; a
 * step that divides it gives both ends. */
static void test_sweep_date_step_beyond_int32(void **state)
{
    (void)state;
    ro_alloc_fail_after(-1);
    static const struct {
        const char *vary, *keys;
    } cases[] = {
        {"aggregation.as_of=2029-06-09:2030-06-14:6666666666d",
         "aggregation.as_of,\n2029-06-09,\n"},
        {"aggregation.as_of=2030-06-09:2030-06-14:2147483647d",
         "aggregation.as_of,\n2030-06-09,\n"},
        {"aggregation.as_of=2030-06-09:2030-06-14:5d",
         "aggregation.as_of,\n2030-06-09,\n2030-06-14,\n"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        runoff_error err = {0};
        runoff_sweep *sw = runoff_sweep_alloc();
        assert_non_null(sw);
        assert_int_equal(runoff_sweep_add(sw, cases[k].vary, &err), RUNOFF_OK);
        assert_int_equal(runoff_sweep_finish(sw, &err), RUNOFF_OK);
        char *keys = sweep_keys_text(sw);
        /* The header ends with the fixed columns: keep the key column only. */
        char *cut = strstr(keys, "subject");
        assert_non_null(cut);
        memmove(cut, strchr(cut, '\n'), strlen(strchr(cut, '\n')) + 1);
        assert_string_equal(keys, cases[k].keys);
        free(keys);
        runoff_sweep_free(sw);
    }
}

/* ------------------------------------------------------ runoff_sweep_run */

#define RUN_DRAWS 300

/* Rows as runoff_sweep_run hands them over, in one memory stream; optionally
 * failing at row fail_at (an index into the calls) or cancelling through
 * progress after cancel_after calls. */
typedef struct {
    const runoff_sweep *sw;
    FILE *f;
    char *text;
    size_t len, calls, last_point;
    long fail_at;
    long progress_calls, cancel_after;
    bool in_order;
} row_sink;

static void sink_open(row_sink *k, const runoff_sweep *sw)
{
    *k = (row_sink){.sw = sw, .fail_at = -1, .cancel_after = -1, .in_order = true};
    k->f = open_memstream(&k->text, &k->len);
    assert_non_null(k->f);
}

static char *sink_close(row_sink *k)
{
    assert_int_equal(fclose(k->f), 0);
    return k->text;
}

static int sink_row(void *ctx, size_t point, const runoff_scenario *s, const runoff_result *r)
{
    row_sink *k = ctx;
    if (k->calls > 0 && point != k->last_point + 1)
        k->in_order = false;
    k->last_point = point;
    if ((long)k->calls++ == k->fail_at)
        return -1;
    return runoff_write_sweep_row(k->f, k->sw, point, s, r);
}

static int sink_progress(void *ctx, uint64_t done, uint64_t total)
{
    row_sink *k = ctx;
    assert_true(done <= total);
    return k->cancel_after >= 0 && ++k->progress_calls > k->cancel_after;
}

/* All 60 points from `first`, with this many threads; returns the rows. */
static char *run_rows(runoff_doc *doc, const runoff_sweep *sw, size_t first, unsigned threads,
                      size_t *rows)
{
    row_sink k;
    sink_open(&k, sw);
    runoff_sim_options opt = {.threads = threads, .draws = RUN_DRAWS};
    runoff_error err = {0};
    assert_int_equal(runoff_sweep_run(sw, doc, first, &opt, sink_row, &k, rows, &err), RUNOFF_OK);
    assert_true(k.in_order);
    assert_int_equal(k.calls, *rows);
    return sink_close(&k);
}

/* The grid of build_sweep on regions.yaml + sweep section, and its rows
 * from point `first` on one thread (the reference). */
typedef struct {
    runoff_doc *doc;
    runoff_sweep *sw;
    char *rows;
    size_t n_rows;
} run_fixture;

static void fixture_open(run_fixture *f, size_t first)
{
    ro_alloc_fail_after(-1);
    f->doc = regions_doc_with_sweep();
    runoff_error err = {0};
    f->sw = build_sweep(&err);
    assert_non_null(f->sw);
    f->rows = run_rows(f->doc, f->sw, first, 1, &f->n_rows);
    assert_int_equal(f->n_rows, N_POINTS - first);
}

static void fixture_close(run_fixture *f)
{
    free(f->rows);
    runoff_sweep_free(f->sw);
    runoff_doc_free(f->doc);
}

/* The rows, in grid order, are the same bytes whatever the thread count
 * (points run concurrently from 2 threads on), and each is the row of
 * the point's scenario simulated on its own. A run from point 40 gives
 * the last 20 rows (--resume). */
static void test_sweep_run_rows_independent_of_threads(void **state)
{
    (void)state;
    run_fixture fx;
    fixture_open(&fx, 0);
    runoff_doc *doc = fx.doc;
    const runoff_sweep *sw = fx.sw;
    const char *one = fx.rows;
    runoff_error err = {0};
    size_t rows;

    row_sink k;
    sink_open(&k, sw);
    runoff_sim_options opt = {.threads = 1, .draws = RUN_DRAWS};
    for (size_t i = 0; i < N_POINTS; i++) {
        runoff_scenario *s = runoff_sweep_scenario(sw, doc, i, &err);
        assert_non_null(s);
        runoff_result *r = runoff_simulate(s, &opt, &err);
        assert_non_null(r);
        assert_int_equal(sink_row(&k, i, s, r), 0);
        runoff_result_free(r);
        runoff_scenario_free(s);
    }
    char *alone = sink_close(&k);
    assert_string_equal(one, alone);
    free(alone);

    const unsigned threads[] = {2, 3, 8, 64};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        char *many = run_rows(doc, sw, 0, threads[t], &rows);
        assert_int_equal(rows, N_POINTS);
        assert_string_equal(many, one);
        free(many);
    }
    char *tail = run_rows(doc, sw, 40, 2, &rows);
    assert_int_equal(rows, N_POINTS - 40);
    const char *p = one;
    for (int line = 0; line < 40; line++)
        p = strchr(p, '\n') + 1;
    assert_string_equal(tail, p);
    free(tail);
    fixture_close(&fx);
}

/* A row that cannot be written stops the run at once: RUNOFF_ERUNTIME,
 * and no row after it is handed over. A cancel from progress stops it
 * with "interrupted", the rows handed over being a prefix of the grid. */
static void test_sweep_run_stops_on_row_failure_and_cancel(void **state)
{
    (void)state;
    run_fixture fx;
    fixture_open(&fx, 0);
    runoff_doc *doc = fx.doc;
    const runoff_sweep *sw = fx.sw;
    const char *full = fx.rows;
    runoff_error err = {0};
    size_t rows;
    for (unsigned threads = 1; threads <= 3; threads++) {
        row_sink k;
        sink_open(&k, sw);
        k.fail_at = 7;
        runoff_sim_options opt = {.threads = threads, .draws = RUN_DRAWS};
        assert_int_equal(runoff_sweep_run(sw, doc, 0, &opt, sink_row, &k, &rows, &err),
                         RUNOFF_ERUNTIME);
        assert_int_equal(rows, 7);
        assert_int_equal(k.calls, 8);
        assert_string_equal(err.message, "the row could not be written");
        free(sink_close(&k));

        sink_open(&k, sw);
        k.cancel_after = 10;
        opt.progress = sink_progress;
        opt.progress_ctx = &k;
        err = (runoff_error){0};
        assert_int_equal(runoff_sweep_run(sw, doc, 0, &opt, sink_row, &k, &rows, &err),
                         RUNOFF_ERUNTIME);
        assert_string_equal(err.message, "interrupted");
        assert_true(k.in_order);
        assert_true(rows < N_POINTS);
        char *part = sink_close(&k);
        assert_int_equal(strncmp(part, full, strlen(part)), 0);
        free(part);
    }
    fixture_close(&fx);
}

/* A point that fails (here: a value validation refuses, as a library
 * caller could pass) ends the run as the serial loop would, whatever the
 * thread count: the points before it are all written, none after it, and
 * the error is that of the lowest failing point, not of whichever failed
 * first in time. */
static void test_sweep_run_failing_point_keeps_the_rows_before_it(void **state)
{
    (void)state;
    ro_alloc_fail_after(-1);
    runoff_doc *doc = regions_doc_with_sweep();
    runoff_error err = {0};
    runoff_sweep *sw = runoff_sweep_alloc();
    assert_non_null(sw);
    assert_int_equal(runoff_sweep_add(sw, "polling_error.scale=1,2,3,4,5,6,7,-1,2,-2,3", &err),
                     RUNOFF_OK);
    assert_int_equal(runoff_sweep_finish(sw, &err), RUNOFF_OK);
    char *expected = NULL;
    /* Points long enough (~0.25 s each) to be running when point 7 fails:
     * a point is cancelled only at its driver's 100 ms progress ticks. */
    const unsigned thread_counts[] = {1, 2, 8};
    for (size_t t = 0; t < 3; t++) {
        const unsigned threads = thread_counts[t];
        row_sink k;
        sink_open(&k, sw);
        runoff_sim_options opt = {.threads = threads, .draws = 300000};
        size_t rows = 99;
        err = (runoff_error){0};
        assert_int_equal(runoff_sweep_run(sw, doc, 0, &opt, sink_row, &k, &rows, &err),
                         RUNOFF_EINPUT);
        assert_int_equal(rows, 7);
        assert_true(k.in_order);
        assert_string_equal(err.message, "sweep point 8 of 11: polling_error.scale=-1: "
                                         "'scale' is -1, expected 0..100");
        char *text = sink_close(&k);
        if (expected == NULL)
            expected = text;
        else {
            assert_string_equal(text, expected);
            free(text);
        }
    }
    free(expected);
    runoff_sweep_free(sw);
    runoff_doc_free(doc);
}

typedef struct {
    runoff_doc *doc;
    const runoff_sweep *sw;
    const char *expected;
} run_case;

static int attempt_run(void *ctx, runoff_error *err)
{
    run_case *c = ctx;
    row_sink k;
    sink_open(&k, c->sw);
    runoff_sim_options opt = {.threads = 2, .draws = RUN_DRAWS};
    size_t rows;
    runoff_status st = runoff_sweep_run(c->sw, c->doc, N_POINTS - 3, &opt, sink_row, &k, &rows, err);
    ro_alloc_fail_after(-1);
    char *text = sink_close(&k);
    if (st == RUNOFF_OK)
        assert_string_equal(text, c->expected);
    else
        assert_int_equal(strncmp(text, c->expected, strlen(text)), 0);
    free(text);
    return st == RUNOFF_OK;
}

/* Every allocation of a run of the last three points on two threads,
 * failing in turn: RUNOFF_ENOMEM, nothing leaked, the rows handed over
 * before the failure are the right ones. */
static void test_sweep_alloc_failure_run(void **state)
{
    (void)state;
    run_fixture fx;
    fixture_open(&fx, N_POINTS - 3);
    run_case c = {fx.doc, fx.sw, fx.rows};
    assert_true(alloc_failure_loop(attempt_run, &c) > 0);
    fixture_close(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_alloc_failure_add_and_finish),
        cmocka_unit_test(test_sweep_alloc_failure_add_from_doc),
        cmocka_unit_test(test_sweep_alloc_failure_scenario),
        cmocka_unit_test(test_sweep_alloc_failure_writers),
        cmocka_unit_test(test_sweep_date_step_beyond_int32),
        cmocka_unit_test(test_sweep_run_rows_independent_of_threads),
        cmocka_unit_test(test_sweep_run_stops_on_row_failure_and_cancel),
        cmocka_unit_test(test_sweep_run_failing_point_keeps_the_rows_before_it),
        cmocka_unit_test(test_sweep_alloc_failure_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
