/*
 * test_geo.c — the map outlines (geo.c), the scenario's map: and geo_code
 * keys, and the report page's map (html_map.c) on a three-region scenario
 * whose outline file has one region missing and one feature extra.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "geo.h"
#include "scenario.h"
#include "testutil.h"

/* R1: a square with a square hole; G2: two triangles (region R2's
 * geo_code in the scenarios below); X9: in no region. */
static const char good_geojson[] =
    "{\"type\": \"FeatureCollection\", \"features\": [\n"
    " {\"type\": \"Feature\", \"properties\": {\"code\": \"R1\", \"nom\": \"One\"},\n"
    "  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[0,40],[2,40],[2,42],[0,42],[0,40]],"
    " [[0.5,40.5],[1,40.5],[1,41],[0.5,40.5]]]}},\n"
    " {\"type\": \"Feature\", \"properties\": {\"code\": \"G2\"},\n"
    "  \"geometry\": {\"type\": \"MultiPolygon\", \"coordinates\": [[[[2,40],[3,40],[2,41],[2,40]]],"
    " [[[3,41],[4,41],[4,42],[3,41]]]]}},\n"
    " {\"type\": \"Feature\", \"properties\": {\"code\": \"X9\"},\n"
    "  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[1,43],[2,43],[2,44],[1,43]]]}}\n"
    "]}\n";

static runoff_map *parse(const char *text, runoff_error *err)
{
    memset(err, 0, sizeof *err);
    return ro_geo_parse("m.geojson", text, strlen(text), "code", err);
}

static void test_parse_reads_rings_and_boxes(void **state)
{
    (void)state;
    runoff_error err;
    runoff_map *m = parse(good_geojson, &err);
    assert_non_null(m);
    assert_int_equal(runoff_map_count(m), 3);
    const ro_geo_feature *one = ro_geo_find(m, "R1"), *two = ro_geo_find(m, "G2");
    assert_string_equal(one->name, "One");
    assert_string_equal(two->name, "G2"); /* no name: the code */
    assert_int_equal(one->n_rings, 2);
    assert_int_equal(one->ring[1], 5);
    assert_int_equal(one->ring[2], 9);
    assert_int_equal(two->n_rings, 2);
    assert_close(two->lon0, 2, 0);
    assert_close(two->lon1, 4, 0);
    assert_close(two->lat0, 40, 0);
    assert_close(two->lat1, 42, 0);
    assert_null(ro_geo_find(m, "R3"));
    runoff_map_free(m);
    runoff_map_free(NULL);
}

typedef struct {
    const char *what, *text, *message;
    int line, column;
} bad_case;

static void test_parse_refusals_say_why(void **state)
{
    (void)state;
    const bad_case cases[] = {
        {"bad JSON", "{\"type\": \"FeatureCollection\",\n  \"features\": [}", "not valid JSON", 2, 16},
        {"truncated", "{\"type\": \"Feature", "unexpected end of file", 1, 18},
        {"trailing text", "{\"type\": 1} x", "text after the JSON value", 1, 13},
        {"not a collection", "{\"type\": \"Feature\"}", "not a GeoJSON FeatureCollection", 0, 0},
        {"no features", "{\"type\": \"FeatureCollection\", \"features\": []}", "no features", 0, 0},
        {"no code",
         "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": "
         "{\"nom\": \"x\"}, \"geometry\": null}]}",
         "feature 0: no property 'code'", 0, 0},
        {"a line",
         "{\"type\": \"FeatureCollection\", \"features\": [{\"properties\": {\"code\": \"a\"}, "
         "\"geometry\": {\"type\": \"LineString\", \"coordinates\": [[0,0],[1,1]]}}]}",
         "not a Polygon or a MultiPolygon", 0, 0},
        {"a string coordinate",
         "{\"type\": \"FeatureCollection\", \"features\": [{\"properties\": {\"code\": \"a\"}, "
         "\"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,\"1\"],[1,0]]]}}]}",
         "a coordinate is not a number", 0, 0},
        {"two rings' worth of points",
         "{\"type\": \"FeatureCollection\", \"features\": [{\"properties\": {\"code\": \"a\"}, "
         "\"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,1]]]}}]}",
         "at least three positions", 0, 0},
        {"duplicate code",
         "{\"type\": \"FeatureCollection\", \"features\": ["
         "{\"properties\": {\"code\": \"a\"}, \"geometry\": {\"type\": \"Polygon\", "
         "\"coordinates\": [[[0,0],[1,1],[1,0]]]}},"
         "{\"properties\": {\"code\": \"a\"}, \"geometry\": {\"type\": \"Polygon\", "
         "\"coordinates\": [[[0,0],[1,1],[1,0]]]}}]}",
         "features 0 and 1 both have code 'a'", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        runoff_error err;
        runoff_map *m = parse(cases[i].text, &err);
        if (m != NULL || strstr(err.message, cases[i].message) == NULL ||
            err.line != cases[i].line || err.column != cases[i].column) {
            print_error("%s: got %d:%d %s\n", cases[i].what, err.line, err.column, err.message);
            fail();
        }
        assert_int_equal(err.status, RUNOFF_EINPUT);
        assert_string_equal(err.file, "m.geojson");
    }
}

static void test_parse_survives_every_allocation_failure(void **state)
{
    (void)state;
    for (long k = 0;; k++) {
        runoff_error err;
        ro_alloc_fail_after(k);
        runoff_map *m = parse(good_geojson, &err);
        ro_alloc_fail_after(-1);
        if (m != NULL) {
            runoff_map_free(m);
            assert_true(k > 0);
            break;
        }
        assert_int_equal(err.status, RUNOFF_ENOMEM);
    }
}

/* ---- the scenario's keys, the file beside the scenario, the page ---- */

typedef struct {
    char dir[64], scenario[96];
} tmp_files;

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* tests/data/cli/regional.yaml (regions R1 R2 R3) with R2's geo_code G2
 * and map_section, written beside the outline file in a new directory. */
static void make_files(tmp_files *t, const char *map_section)
{
    strcpy(t->dir, "/tmp/test_geo.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->scenario, sizeof t->scenario, "%s/s.yaml", t->dir);
    char *base = read_text("tests/data/cli/regional.yaml");
    char *text = malloc(strlen(base) + 256);
    char *r2 = strstr(base, "{code: \"R2\"");
    assert_non_null(r2);
    snprintf(text, strlen(base) + 256, "%.*s{code: \"R2\", geo_code: \"G2\"%s%s",
             (int)(r2 - base), base, r2 + strlen("{code: \"R2\""), map_section);
    write_text(t->scenario, text);
    free(text);
    free(base);
    char path[128];
    snprintf(path, sizeof path, "%s/m.geojson", t->dir);
    write_text(path, good_geojson);
}

static void remove_files(const tmp_files *t)
{
    char path[128];
    snprintf(path, sizeof path, "%s/m.geojson", t->dir);
    unlink(path);
    unlink(t->scenario);
    rmdir(t->dir);
}

static void test_scenario_keys_and_relative_file(void **state)
{
    (void)state;
    tmp_files t;
    make_files(&t, "map: {file: m.geojson, attribution: \"IGN\"}\n");
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(t.scenario, NULL, 0, &err);
    assert_non_null(s);
    assert_true(runoff_scenario_has_map(s));
    assert_string_equal(s->map.code_property, "code");
    assert_string_equal(s->map.attribution, "IGN");
    assert_string_equal(s->regions[0].geo_code, "R1"); /* the code by default */
    assert_string_equal(s->regions[1].geo_code, "G2");
    runoff_map *m = runoff_map_load(s, t.scenario, &err);
    assert_non_null(m);
    assert_int_equal(runoff_map_count(m), 3);
    runoff_map_free(m);
    /* from another directory, the relative name is not found */
    memset(&err, 0, sizeof err);
    assert_null(runoff_map_load(s, "s.yaml", &err));
    assert_non_null(strstr(err.message, "map file 'm.geojson'"));
    assert_true(err.line > 0);
    runoff_scenario_free(s);
    remove_files(&t);
}

static void test_map_needs_regions_and_a_file(void **state)
{
    (void)state;
    const char *const bad[][2] = {
        {"map: {}\n", "missing key 'file' in map"},
        {"map: {file: \"\"}\n", "'file' is empty"},
        {"map: {file: m.geojson, colour: red}\n", "unknown key 'colour' in map"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tmp_files t;
        make_files(&t, bad[i][0]);
        runoff_error err = {0};
        runoff_scenario *s = runoff_scenario_load(t.scenario, NULL, 0, &err);
        if (s != NULL || strstr(err.message, bad[i][1]) == NULL) {
            print_error("%s: got '%s'\n", bad[i][0], err.message);
            fail();
        }
        remove_files(&t);
    }
    char *national = read_text("tests/data/cli/national.yaml");
    char *text = malloc(strlen(national) + 64);
    sprintf(text, "%smap: {file: m.geojson}\n", national);
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load_buffer("n.yaml", text, strlen(text), NULL, 0, &err);
    assert_null(s);
    assert_non_null(strstr(err.message, "'map' needs 'first_round'"));
    free(text);
    free(national);
}

static void test_page_draws_every_region_once(void **state)
{
    (void)state;
    tmp_files t;
    make_files(&t, "map: {file: m.geojson}\n");
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(t.scenario, NULL, 0, &err);
    assert_non_null(s);
    runoff_map *m = runoff_map_load(s, t.scenario, &err);
    assert_non_null(m);
    runoff_sim_options opt = {.threads = 1, .draws = 2000};
    runoff_result *r = runoff_simulate(s, &opt, &err);
    assert_non_null(r);
    char *page = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&page, &len);
    assert_int_equal(runoff_write_html(f, s, r, m), 0);
    fclose(f);
    /* R1 and R2 (outline G2) are outlines, R3 a box, X9 a grey outline */
    assert_non_null(strstr(page, "data-code=\"R1\" data-region=\"R1\""));
    assert_non_null(strstr(page, "data-code=\"G2\" data-region=\"R2\""));
    assert_non_null(strstr(page, "class=\"box\" data-region=\"R3\""));
    assert_non_null(strstr(page, "data-code=\"X9\" data-region=\"\" data-value=\"nan\" fill=\"#cccccc\""));
    assert_null(strstr(page, "class=\"box\" data-region=\"R2\""));
    assert_null(strstr(page, "http"));
    /* every chart has its text alternative */
    size_t svgs = 0, titles = 0, descs = 0;
    for (const char *p = page; (p = strstr(p, "<svg ")) != NULL; p++)
        svgs++;
    for (const char *p = page; (p = strstr(p, "-title\">")) != NULL; p++)
        titles++;
    for (const char *p = page; (p = strstr(p, "<desc id=")) != NULL; p++)
        descs++;
    assert_true(svgs >= 2);
    assert_int_equal(titles, svgs);
    assert_int_equal(descs, svgs);
    /* without a map: no map section, the table still there */
    free(page);
    f = open_memstream(&page, &len);
    assert_int_equal(runoff_write_html(f, s, r, NULL), 0);
    fclose(f);
    assert_null(strstr(page, "<svg id=\"map\""));
    assert_non_null(strstr(page, "<tr data-code=\"R3\""));
    free(page);
    runoff_result_free(r);
    runoff_map_free(m);
    runoff_scenario_free(s);
    remove_files(&t);
}

static void test_page_write_failure_is_reported(void **state)
{
    (void)state;
    tmp_files t;
    make_files(&t, "map: {file: m.geojson}\n");
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(t.scenario, NULL, 0, &err);
    runoff_map *m = runoff_map_load(s, t.scenario, &err);
    runoff_sim_options opt = {.threads = 1, .draws = 500};
    runoff_result *r = runoff_simulate(s, &opt, &err);
    FILE *full = fopen("/dev/full", "w");
    if (full != NULL) {
        assert_int_not_equal(runoff_write_html(full, s, r, m), 0);
        assert_int_equal(errno, ENOSPC);
        fclose(full);
    }
    runoff_result_free(r);
    runoff_map_free(m);
    runoff_scenario_free(s);
    remove_files(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_reads_rings_and_boxes),
        cmocka_unit_test(test_parse_refusals_say_why),
        cmocka_unit_test(test_parse_survives_every_allocation_failure),
        cmocka_unit_test(test_scenario_keys_and_relative_file),
        cmocka_unit_test(test_map_needs_regions_and_a_file),
        cmocka_unit_test(test_page_draws_every_region_once),
        cmocka_unit_test(test_page_write_failure_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
