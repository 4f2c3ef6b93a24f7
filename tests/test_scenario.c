/*
 * test_scenario.c — the scenario loader: good files load to the values the
 * schema says, every refusal names its problem and position (in the file or
 * in a --set assignment), dates are strict, allocation failure is clean.
 *
 * Expected values below are worked out by hand from the YAML text and the
 * rules in docs/scenario.md, never copied from the loader's output.
 */
#include "testutil.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "doc.h"
#include "error.h"
#include "scenario.h"

/* Shared fragments; line numbers matter to the cases below. */
#define ELECTION                 \
    "election:\n"                /* 1 */ \
    "  name: T\n"                /* 2 */ \
    "  date: 2030-06-16\n"       /* 3 */ \
    "  finalists:\n"             /* 4 */ \
    "    - {id: a, name: A}\n"   /* 5 */ \
    "    - {id: b, name: B}\n"   /* 6 */
#define POLLS                    \
    "polls:\n"                   /* 7 */ \
    "  - pollster: P\n"          /* 8 */ \
    "    start: 2030-06-01\n"    /* 9 */ \
    "    end: 2030-06-02\n"      /* 10 */ \
    "    sample: 100\n"          /* 11 */ \
    "    shares: {a: 52, b: 48}\n" /* 12 */
#define FIRST_ROUND                        \
    "first_round:\n"                       /* 13 */ \
    "  options:\n"                         /* 14 */ \
    "    - {id: a}\n"                      /* 15 */ \
    "    - {id: b}\n"                      /* 16 */ \
    "    - {id: c, kind: abstention}\n"    /* 17 */ \
    "  regions:\n"                         /* 18 */ \
    "    - code: R1\n"                     /* 19 */ \
    "      registered: 100\n"              /* 20 */ \
    "      votes: {a: 40, b: 30, c: 30}\n" /* 21 */ \
    "    - code: R2\n"                     /* 22 */ \
    "      registered: 200\n"              /* 23 */ \
    "      votes: {a: 50, b: 100, c: 50}\n" /* 24 */
#define TRANSFERS \
    "transfers:\n"                                  /* 25 */ \
    "  default: {shares: {a: 30, b: 30, none: 40}}\n" /* 26 */
#define NATIONAL ELECTION POLLS
#define REGIONAL ELECTION POLLS FIRST_ROUND TRANSFERS

static runoff_scenario *load_text(const char *text, const char *const *sets, size_t n_sets,
                                  runoff_error *err)
{
    ro_error_clear(err);
    return runoff_scenario_load_buffer("t.yaml", text, strlen(text), sets, n_sets, err);
}

/* ------------------------------------------------------------------ dates */

static void test_date_parse_known_days(void **state)
{
    (void)state;
    int32_t d;
    assert_true(ro_date_parse("1970-01-01", &d));
    assert_int_equal(d, 0);
    /* 52 years of 365 days plus 13 leap days (1972..2020) = 18993. */
    assert_true(ro_date_parse("2022-01-01", &d));
    assert_int_equal(d, 18993);
    assert_true(ro_date_parse("2022-04-24", &d)); /* + 31 + 28 + 31 + 23 */
    assert_int_equal(d, 19106);
    assert_true(ro_date_parse("1969-12-31", &d));
    assert_int_equal(d, -1);
}

static void test_date_parse_leap_years(void **state)
{
    (void)state;
    int32_t a, b;
    assert_true(ro_date_parse("2000-02-29", &a)); /* divisible by 400 */
    assert_true(ro_date_parse("2000-03-01", &b));
    assert_int_equal(b - a, 1);
    assert_true(ro_date_parse("2024-02-29", &a));
    assert_false(ro_date_parse("1900-02-29", &a)); /* divisible by 100 only */
    assert_false(ro_date_parse("2023-02-29", &a));
    assert_false(ro_date_parse("2022-02-30", &a));
    assert_false(ro_date_parse("2022-04-31", &a));
}

static void test_date_parse_refuses_other_shapes(void **state)
{
    (void)state;
    const char *bad[] = {"2022-4-24", "2022-04-24x", "2022/04/24", " 2022-04-24", "2022-13-01",
                         "2022-00-10", "2022-01-00", "0000-01-01", "", "20220424", "2022-04-2"};
    int32_t d;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (ro_date_parse(bad[i], &d)) {
            print_error("'%s' accepted\n", bad[i]);
            fail();
        }
}

static void test_date_format_round_trips(void **state)
{
    (void)state;
    char buf[11];
    ro_date_format(19106, buf);
    assert_string_equal(buf, "2022-04-24");
    ro_date_format(-1, buf);
    assert_string_equal(buf, "1969-12-31");
    int32_t lo, hi, back;
    assert_true(ro_date_parse("1890-01-01", &lo));
    assert_true(ro_date_parse("2110-12-31", &hi));
    for (int32_t d = lo; d <= hi; d++) {
        ro_date_format(d, buf);
        assert_true(ro_date_parse(buf, &back));
        assert_int_equal(back, d);
    }
}

/* --------------------------------------------------------------- defaults */

static void test_defaults_match_the_documented_values(void **state)
{
    (void)state;
    runoff_scenario *s = ro_scenario_alloc_defaults();
    assert_non_null(s);
    assert_close(s->aggregation.half_life_days, 7, 0);
    assert_int_equal(s->aggregation.rolling, RO_ROLLING_LATEST);
    assert_int_equal(s->aggregation.house, RO_HOUSE_ESTIMATE);
    assert_close(s->aggregation.house_shrinkage, 2, 0);
    assert_close(s->aggregation.design_effect, 1, 0);
    assert_false(s->aggregation.has_as_of);
    assert_int_equal(s->polling_error.dist, RO_ERRDIST_NORMAL);
    assert_close(s->polling_error.df, 5, 0);
    assert_close(s->polling_error.scale, 0.03, 0);
    assert_int_equal(s->aggregation.method, RO_AGG_DYNAMIC);
    assert_true(isnan(s->aggregation.daily_sd));
    assert_true(isnan(s->aggregation.poll_sd));
    assert_close(s->aggregation.house_sd, 0.05, 0);
    assert_close(s->aggregation.max_sample, 2000, 0);
    assert_false(s->turnout.given);
    assert_int_equal(s->simulation.draws, 100000);
    assert_int_equal(s->simulation.seed, 1);
    assert_int_equal(s->simulation.block_size, 10000);
    assert_int_equal(s->blend.mode, RO_BLEND_POLLS);
    assert_close(s->blend.weight, 0.5, 0);
    assert_close(s->blank_null.mean, 0.15, 0);
    assert_close(s->blank_null.concentration, 100, 0);
    assert_int_equal(s->n_options, 0);
    runoff_scenario_free(s);
    runoff_scenario_free(NULL);
}

/* ------------------------------------------------------------- good files */

static void test_good_national_file(void **state)
{
    (void)state;
    runoff_error err;
    ro_error_clear(&err);
    runoff_scenario *s = runoff_scenario_load("tests/data/good/national.yaml", NULL, 0, &err);
    assert_non_null(s);
    assert_string_equal(s->source, "tests/data/good/national.yaml");
    assert_string_equal(s->name, "Synthetic national run-off");
    int32_t d;
    assert_true(ro_date_parse("2030-06-16", &d));
    assert_int_equal(s->election_date, d);
    assert_string_equal(s->finalist[0].id, "north");
    assert_string_equal(s->finalist[1].name, "Candidate South");
    assert_close(s->registered, 0, 0);
    assert_int_equal(s->n_polls, 2);
    const ro_poll *p = &s->polls[1];
    assert_string_equal(p->pollster, "Beta");
    assert_true(ro_date_parse("2030-06-10", &d));
    assert_int_equal(p->start, d);
    assert_int_equal(p->end, d + 2);
    assert_close(p->sample, 800, 0);
    assert_close(p->share_a, 51.5, 0);
    assert_close(p->share_b, 48.5, 0);
    assert_close(p->two_way_a, 0.515, 1e-15);
    assert_int_equal(p->population, RO_POP_REGISTERED);
    assert_true(p->rolling);
    assert_int_equal(p->pos.line, 14);
    assert_int_equal(p->pos.column, 5);
    assert_int_equal(s->polls[0].population, RO_POP_LIKELY);
    assert_false(s->polls[0].rolling);
    assert_int_equal(s->n_options, 0);
    assert_int_equal(s->n_regions, 0);
    assert_null(s->transfers);
    assert_false(s->actual.has_share);
    runoff_scenario_free(s);
}

static void test_good_regional_file(void **state)
{
    (void)state;
    runoff_error err;
    ro_error_clear(&err);
    runoff_scenario *s = runoff_scenario_load("tests/data/good/regions.yaml", NULL, 0, &err);
    if (s == NULL)
        print_error("%s:%d:%d: %s\n", err.file, err.line, err.column, err.message);
    assert_non_null(s);
    assert_close(s->registered, 3000, 0);
    int32_t d;
    assert_true(ro_date_parse("2030-06-12", &d));
    assert_true(s->aggregation.has_as_of);
    assert_int_equal(s->aggregation.as_of, d);
    assert_close(s->aggregation.half_life_days, 5, 0);
    assert_int_equal(s->aggregation.house, RO_HOUSE_FIXED);
    assert_int_equal(s->aggregation.n_house_fixed, 1);
    assert_string_equal(s->aggregation.house_fixed[0].pollster, "Alpha");
    assert_close(s->aggregation.house_fixed[0].effect, 0.015, 1e-15);
    assert_int_equal(s->polling_error.dist, RO_ERRDIST_STUDENT_T);
    assert_close(s->polling_error.df, 6, 0);
    assert_close(s->polling_error.scale, 0.025, 1e-15);
    assert_int_equal(s->simulation.draws, 2000);
    assert_int_equal(s->simulation.seed, 42);
    assert_int_equal(s->simulation.block_size, 500);

    assert_int_equal(s->n_options, 4);
    assert_string_equal(s->options[3].id, "abst");
    assert_int_equal(s->options[3].kind, RO_OPT_ABSTENTION);
    assert_int_equal(s->options[2].kind, RO_OPT_CANDIDATE);
    assert_int_equal(s->n_regions, 3);
    assert_string_equal(s->regions[1].name, "R2"); /* name defaults to the code */
    assert_close(s->regions[1].registered, 1200, 0);
    /* option-major: votes[o * n_regions + r]; south (1) in R2 (1) is 500. */
    assert_close(s->votes[1 * 3 + 1], 500, 0);
    assert_close(s->votes[3 * 3 + 2], 300, 0);

    /* Explicit rows, normalised from percent. */
    assert_close(s->transfers[0].mean[RO_TO_A], 0.95, 1e-15);
    assert_close(s->transfers[0].mean[RO_TO_NONE], 0.02, 1e-15);
    assert_close(s->transfers[0].concentration, 50, 0);
    assert_true(isinf(s->transfers[1].concentration));
    /* west from surveys, reference as_of 2030-06-12, half-life 4 days:
     * survey 1 (midpoint 06-02, age 10) weight 0.5^2.5, survey 2 (age 6)
     * weight 0.5^1.5 = twice survey 1; survey 3 ends after as_of: ignored.
     * A = (0.40 + 2 * 0.50) / 3, B = (0.30 + 2 * 0.20) / 3, none = 0.30. */
    assert_close(s->transfers[2].mean[RO_TO_A], 1.4 / 3, 1e-12);
    assert_close(s->transfers[2].mean[RO_TO_B], 0.7 / 3, 1e-12);
    assert_close(s->transfers[2].mean[RO_TO_NONE], 0.3, 1e-12);
    assert_close(s->transfers[2].concentration, 50, 0); /* section's, not the default's */
    /* abst has no row and no survey: the default. */
    assert_close(s->transfers[3].mean[RO_TO_NONE], 0.8, 1e-15);
    assert_close(s->transfers[3].concentration, 20, 0);
    for (size_t o = 0; o < 4; o++)
        assert_close(s->transfers[o].mean[0] + s->transfers[o].mean[1] + s->transfers[o].mean[2],
                     1, 1e-12);
    assert_close(s->blank_null.mean, 0.2, 1e-15);
    assert_close(s->blank_null.concentration, 40, 0);

    assert_close(s->regional_error.sd, 0.05, 0);
    assert_int_equal(s->regional_error.n_groups, 1);
    assert_string_equal(s->regional_error.groups[0].name, "coast");
    assert_int_equal(s->regions[0].group, 0);
    assert_int_equal(s->regions[1].group, -1);
    assert_int_equal(s->regions[2].group, 0);
    assert_int_equal(s->blend.mode, RO_BLEND_MIX);
    assert_close(s->blend.weight, 0.25, 0);

    assert_true(s->actual.has_share);
    assert_close(s->actual.share_a, 0.525, 1e-15);
    assert_close(s->actual.turnout, 0.71, 1e-15);
    assert_close(s->actual.blank_null, 0.06, 1e-15);
    assert_true(isnan(s->actual.region_share_a[0]));
    assert_close(s->actual.region_share_a[1], 0.4, 1e-15);
    runoff_scenario_free(s);
}

static void test_transfer_shares_within_tolerance_are_normalised(void **state)
{
    (void)state;
    runoff_error err;
    const char *sets[] = {"transfers.default.shares.none=40.4"};
    runoff_scenario *s = load_text(REGIONAL, sets, 1, &err);
    assert_non_null(s);
    assert_close(s->transfers[0].mean[RO_TO_A], 30 / 100.4, 1e-15);
    assert_close(s->transfers[0].mean[RO_TO_NONE], 40.4 / 100.4, 1e-15);
    runoff_scenario_free(s);
}

/* The dynamic method's keys: numbers as given, `estimate` as NAN. */
static void test_dynamic_keys_load(void **state)
{
    (void)state;
    runoff_error err;
    runoff_scenario *s = load_text(NATIONAL "aggregation:\n  method: exponential\n"
                                            "  daily_sd: 0.03\n  poll_sd: estimate\n"
                                            "  max_sample: 1500\n  house_effects: {sd: 0.1}\n",
                                   NULL, 0, &err);
    assert_non_null(s);
    assert_int_equal(s->aggregation.method, RO_AGG_EXPONENTIAL);
    assert_close(s->aggregation.daily_sd, 0.03, 0);
    assert_true(isnan(s->aggregation.poll_sd));
    assert_close(s->aggregation.max_sample, 1500, 0);
    assert_close(s->aggregation.house_sd, 0.1, 0);
    runoff_scenario_free(s);
    const char *set[] = {"aggregation.daily_sd=estimate", "aggregation.poll_sd=0"};
    s = load_text(NATIONAL "aggregation: {daily_sd: 0.05}\n", set, 2, &err);
    assert_non_null(s);
    assert_int_equal(s->aggregation.method, RO_AGG_DYNAMIC);
    assert_true(isnan(s->aggregation.daily_sd));
    assert_close(s->aggregation.poll_sd, 0, 0);
    runoff_scenario_free(s);
}

/* `check` warns about a zero systematic error where the polls are used,
 * with the position of the scale; not when the default applies, and not
 * when the national level comes from the transfers alone. */
/* The scenario's warnings printed into buf; returns how many. */
static int warnings_into(const runoff_scenario *s, char *buf, size_t size)
{
    FILE *f = fmemopen(buf, size, "w");
    assert_non_null(f);
    int n = runoff_scenario_warnings(s, f);
    fclose(f);
    return n;
}

static void test_zero_polling_error_warns(void **state)
{
    (void)state;
    runoff_error err;
    char buf[512];
    runoff_scenario *s = load_text(NATIONAL "polling_error:\n  scale: 0\n", NULL, 0, &err);
    assert_non_null(s);
    assert_int_equal(warnings_into(s, buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "t.yaml:14:10: warning: polling_error.scale is 0"));
    runoff_scenario_free(s);
    s = load_text(NATIONAL, NULL, 0, &err);
    assert_non_null(s);
    assert_int_equal(runoff_scenario_warnings(s, stderr), 0);
    runoff_scenario_free(s);
    s = load_text(ELECTION FIRST_ROUND TRANSFERS "blend: {mode: transfers}\n"
                                                 "polling_error: {scale: 0}\n"
                                                 "regional_error: {sd: 0}\n",
                  NULL, 0, &err);
    assert_non_null(s);
    /* only the warning that every transfer row is the default */
    assert_int_equal(warnings_into(s, buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "row comes from transfers.default"));
    runoff_scenario_free(s);
}

/* Regions without a regional_error section warn, at first_round.regions;
 * an explicit section (even of zeros) and a national first round do not. */
static void test_regions_without_regional_error_warn(void **state)
{
    (void)state;
    runoff_error err;
    char buf[1024];
    runoff_scenario *s =
        load_text(ELECTION FIRST_ROUND TRANSFERS "blend: {mode: transfers}\n", NULL, 0, &err);
    assert_non_null(s);
    assert_int_equal(warnings_into(s, buf, sizeof buf), 2);
    assert_non_null(strstr(buf, "t.yaml:12:3: warning: 2 regions and no regional_error: each "
                                "region's interval then reflects only the transfer rows' "
                                "uncertainty"));
    runoff_scenario_free(s);
    s = load_text(ELECTION FIRST_ROUND TRANSFERS "blend: {mode: transfers}\n"
                                                 "regional_error: {sd: 0}\n",
                  NULL, 0, &err);
    assert_non_null(s);
    assert_int_equal(warnings_into(s, buf, sizeof buf), 1);
    assert_null(strstr(buf, "regional_error"));
    runoff_scenario_free(s);
}

static void test_polls_optional_when_blend_uses_transfers_only(void **state)
{
    (void)state;
    runoff_error err;
    runoff_scenario *s = load_text(ELECTION FIRST_ROUND TRANSFERS "blend: {mode: transfers}\n",
                                   NULL, 0, &err);
    assert_non_null(s);
    assert_int_equal(s->n_polls, 0);
    assert_int_equal(s->blend.mode, RO_BLEND_TRANSFERS);
    runoff_scenario_free(s);
}

static void test_infinite_concentration_and_student_t(void **state)
{
    (void)state;
    runoff_error err;
    const char *sets[] = {"transfers.concentration=.inf", "transfers.none_blank_null.mean=10",
                          "polling_error.distribution=student_t", "polling_error.df=3.5",
                          "turnout.mean=70", "turnout.sd=2", "simulation.seed=18446744073709551615"};
    runoff_scenario *s = load_text(REGIONAL, sets, 7, &err);
    assert_non_null(s);
    /* The default gives no concentration of its own: it takes the section's. */
    assert_true(isinf(s->transfers[0].concentration));
    assert_close(s->blank_null.mean, 0.1, 1e-15);
    assert_close(s->polling_error.df, 3.5, 0);
    assert_true(s->turnout.given);
    assert_close(s->turnout.mean, 0.7, 1e-15);
    assert_close(s->turnout.sd, 0.02, 1e-15);
    assert_true(s->simulation.seed == UINT64_MAX);
    runoff_scenario_free(s);
}

static void test_describe_writes_a_summary(void **state)
{
    (void)state;
    runoff_error err;
    ro_error_clear(&err);
    runoff_scenario *s = runoff_scenario_load("tests/data/good/regions.yaml", NULL, 0, &err);
    assert_non_null(s);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    assert_int_equal(runoff_scenario_describe(s, out), 0);
    fclose(out);
    const char *want[] = {"Synthetic regional run-off", "2030-06-16", "A = Candidate North (north)",
                          "polls         1, fieldwork 2030-06-08 .. 2030-06-09",
                          "as of 2030-06-12", "house effects fixed", "student_t, scale 2.5 points",
                          "2000 draws, seed 42", "4 options, 3 regions, 3000 registered",
                          "west", "46.7%", "blend         mix (poll weight 0.25)",
                          "A 52.50 %"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (strstr(buf, want[i]) == NULL) {
            print_error("missing '%s' in:\n%s\n", want[i], buf);
            fail();
        }
    free(buf);
    runoff_scenario_free(s);
}

/* ------------------------------------------------------------ refusals */

typedef struct {
    const char *name;
    const char *text;
    const char *set;     /* optional override applied before validation */
    const char *file;    /* NULL: "t.yaml" */
    int line, column;
    const char *message; /* substring */
} err_case;

#define LONG_NAME                                                                        \
    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" \
    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" /* 128 bytes */

static const err_case err_cases[] = {
    /* top level */
    {"unknown top key, close", NATIONAL "pols: []\n", NULL, NULL, 13, 1,
     "unknown key 'pols' in the scenario, expected one of: election, polls, aggregation, "
     "polling_error, turnout, simulation, first_round, transfers, regional_error, blend, actual, sweep, map "
     "(did you mean 'polls'?)"},
    {"unknown top key, far", NATIONAL "zzzzzz: 1\n", NULL, NULL, 13, 1,
     "unknown key 'zzzzzz' in the scenario, expected one of: election"},
    {"missing election", POLLS, NULL, NULL, 1, 1, "missing key 'election' in the scenario"},
    {"election is a list", "election: [1]\n", NULL, NULL, 1, 11,
     "'election' is a list, expected a mapping"},
    /* election */
    {"missing name", "election:\n  date: 2030-06-16\n", NULL, NULL, 2, 3,
     "missing key 'name' in election"},
    {"name too long", "election:\n  name: " LONG_NAME "\n", NULL, NULL, 2, 9,
     "'name' is 128 bytes long, expected at most 127"},
    {"name quoted empty", "election:\n  name: ''\n", NULL, NULL, 2, 9,
     "'name' is empty, expected a string"},
    {"name is a mapping", "election:\n  name: {x: 1}\n", NULL, NULL, 2, 9,
     "'name' is a mapping, expected a string"},
    {"unknown election key", "election:\n  nmae: T\n", NULL, NULL, 2, 3,
     "unknown key 'nmae' in election, expected one of: name, date, registered, finalists (did "
     "you mean 'name'?)"},
    {"date does not exist", "election:\n  name: T\n  date: 2030-02-30\n", NULL, NULL, 3, 9,
     "'date' is '2030-02-30', expected a real date YYYY-MM-DD"},
    {"date wrong shape", "election:\n  name: T\n  date: 2030-6-16\n", NULL, NULL, 3, 9,
     "'date' is '2030-6-16', expected a real date YYYY-MM-DD"},
    {"registered negative", "election:\n  name: T\n  date: 2030-06-16\n  registered: -5\n", NULL,
     NULL, 4, 15, "'registered' is -5, expected an integer in 1..1000000000000"},
    {"registered not an integer", "election:\n  name: T\n  date: 2030-06-16\n  registered: 1.5\n",
     NULL, NULL, 4, 15, "'registered' is '1.5', expected an integer in 1..1000000000000"},
    {"registered overflows",
     "election:\n  name: T\n  date: 2030-06-16\n  registered: 99999999999999999999999\n", NULL,
     NULL, 4, 15, "'registered' is 99999999999999999999999, expected an integer"},
    {"missing finalists", "election:\n  name: T\n  date: 2030-06-16\n", NULL, NULL, 2, 3,
     "missing key 'finalists' in election"},
    {"three finalists", ELECTION "    - {id: c, name: C}\n", NULL, NULL, 5, 5,
     "'finalists' has 3 items, expected exactly 2"},
    {"finalist ids equal", "election:\n  name: T\n  date: 2030-06-16\n  finalists:\n"
                           "    - {id: a, name: A}\n    - {id: a, name: B}\n",
     NULL, NULL, 6, 12, "finalist id 'a' is used twice, expected two distinct ids"},
    {"finalist id charset", "election:\n  name: T\n  date: 2030-06-16\n  finalists:\n"
                            "    - {id: Ab, name: A}\n    - {id: b, name: B}\n",
     NULL, NULL, 5, 12, "finalist id 'Ab' has the character 'A', expected only a-z, 0-9, _ and -"},
    {"finalist missing name", "election:\n  name: T\n  date: 2030-06-16\n  finalists:\n"
                              "    - {id: a}\n    - {id: b, name: B}\n",
     NULL, NULL, 5, 7, "missing key 'name' in a finalist"},
    {"finalist not a mapping", "election:\n  name: T\n  date: 2030-06-16\n  finalists:\n"
                               "    - a\n",
     NULL, NULL, 5, 7, "item 0 of 'finalists' is a value, expected a mapping"},
    /* polls */
    {"missing polls", ELECTION, NULL, NULL, 1, 1,
     "missing key 'polls' in the scenario (needed unless blend.mode is transfers)"},
    {"empty polls", ELECTION "polls: []\n", NULL, NULL, 7, 8,
     "'polls' is empty, expected at least one poll"},
    {"polls a mapping without a file", ELECTION "polls: {}\n", NULL, NULL, 7, 8,
     "missing key 'file' in polls"},
    {"poll a value", ELECTION "polls:\n  - 3\n", NULL, NULL, 8, 5,
     "item 0 of 'polls' is a value, expected a mapping"},
    {"poll unknown key", NATIONAL "    sampel: 3\n", NULL, NULL, 13, 5,
     "unknown key 'sampel' in a poll, expected one of: id, pollster, start, end, sample, shares, "
     "undecided, population, rolling (did you mean 'sample'?)"},
    {"poll missing pollster", ELECTION "polls:\n  - start: 2030-06-01\n", NULL, NULL, 8, 5,
     "missing key 'pollster' in a poll"},
    {"share above 100", NATIONAL, "polls.0.shares.a=104", "--set", 1, 18,
     "share for 'a' is 104, expected 0..100"},
    {"share negative in file", ELECTION "polls:\n  - pollster: P\n    start: 2030-06-01\n"
                               "    end: 2030-06-02\n    sample: 100\n    shares: {a: -1, b: 48}\n",
     NULL, NULL, 12, 17, "share for 'a' is -1, expected 0..100"},
    {"unknown finalist in shares", ELECTION "polls:\n  - pollster: P\n    start: 2030-06-01\n"
                                   "    end: 2030-06-02\n    sample: 100\n"
                                   "    shares: {a: 52, c: 48}\n",
     NULL, NULL, 12, 21, "unknown finalist 'c' in shares, expected a and b (did you mean 'a'?)"},
    {"missing share", ELECTION "polls:\n  - pollster: P\n    start: 2030-06-01\n"
                      "    end: 2030-06-02\n    sample: 100\n    shares: {a: 52}\n",
     NULL, NULL, 12, 13, "missing share for 'b'"},
    {"shares zero", ELECTION "polls:\n  - pollster: P\n    start: 2030-06-01\n"
                    "    end: 2030-06-02\n    sample: 100\n    shares: {a: 0, b: 0}\n",
     NULL, NULL, 12, 13, "shares add up to 0, expected a positive total"},
    {"end before start", NATIONAL, "polls.0.start=2030-06-05", NULL, 10, 10,
     "end 2030-06-02 is before start 2030-06-05"},
    {"end after election", NATIONAL, "polls.0.end=2030-06-20", "--set", 1, 13,
     "end 2030-06-20 is after the election date 2030-06-16"},
    {"sample zero", NATIONAL, "polls.0.sample=0", "--set", 1, 16,
     "'sample' is 0, expected a number in 1..1000000000"},
    {"sample quoted", ELECTION "polls:\n  - pollster: P\n    start: 2030-06-01\n"
                      "    end: 2030-06-02\n    sample: '100'\n",
     NULL, NULL, 11, 13, "'sample' is a quoted string, expected a number in 1..1000000000"},
    {"sample nan", NATIONAL, "polls.0.sample=nan", "--set", 1, 16,
     "'sample' is 'nan', expected a number in 1..1000000000"},
    {"sample .nan", NATIONAL, "polls.0.sample=.nan", "--set", 1, 16, "'sample' is '.nan'"},
    {"sample inf not allowed", NATIONAL, "polls.0.sample=.inf", "--set", 1, 16,
     "'sample' is '.inf', expected a number in 1..1000000000"},
    {"sample hex", NATIONAL, "polls.0.sample=0x10", "--set", 1, 16, "'sample' is '0x10'"},
    {"sample trailing junk", NATIONAL, "polls.0.sample=10k", "--set", 1, 16, "'sample' is '10k'"},
    {"sample overflow", NATIONAL, "polls.0.sample=1e999", "--set", 1, 16,
     "'sample' is 1e999, too large, expected a number in 1..1000000000"},
    {"sample empty", NATIONAL, "polls.0.sample=", "--set", 1, 16,
     "'sample' is empty, expected a number in 1..1000000000"},
    {"population", NATIONAL, "polls.0.population=likly", "--set", 1, 20,
     "'population' is 'likly', expected likely, registered or adults (did you mean 'likely'?)"},
    {"rolling", NATIONAL, "polls.0.rolling=yes", "--set", 1, 17,
     "'rolling' is 'yes', expected true or false"},
    /* aggregation */
    {"half life zero", NATIONAL "aggregation:\n  half_life_days: 0\n", NULL, NULL, 14, 19,
     "'half_life_days' is 0, expected a number >= 0.000001 (days)"},
    {"as_of after election", NATIONAL "aggregation:\n  as_of: 2030-06-17\n", NULL, NULL, 14, 10,
     "as_of 2030-06-17 is after the election date 2030-06-16"},
    {"rolling rule", NATIONAL "aggregation:\n  rolling: newest\n", NULL, NULL, 14, 12,
     "'rolling' is 'newest', expected latest or all"},
    {"design effect", NATIONAL "aggregation:\n  design_effect: 0.5\n", NULL, NULL, 14, 18,
     "'design_effect' is 0.5, expected a number in 1..100"},
    {"method", NATIONAL "aggregation:\n  method: kalman\n", NULL, NULL, 14, 11,
     "'method' is 'kalman', expected exponential or dynamic"},
    {"daily sd too large", NATIONAL "aggregation:\n  daily_sd: 0.5\n", NULL, NULL, 14, 13,
     "'daily_sd' is 0.5, expected estimate or a number in 0.002..0.2"},
    {"daily sd misspelt", NATIONAL "aggregation:\n  daily_sd: estimated\n", NULL, NULL, 14, 13,
     "expected estimate or a number in 0.002..0.2"},
    {"poll sd negative", NATIONAL, "aggregation.poll_sd=-0.01", "--set", 1, 21,
     "'poll_sd' is -0.01, expected estimate or a number in 0..0.2"},
    {"sample cap", NATIONAL "aggregation:\n  max_sample: 0\n", NULL, NULL, 14, 15,
     "'max_sample' is 0, expected a number in 1..1e9"},
    {"house sd zero", NATIONAL "aggregation:\n  house_effects: {sd: 0}\n", NULL, NULL, 14, 23,
     "'sd' is 0, expected a number in (0, 1]"},
    {"fixed without values", NATIONAL "aggregation:\n  house_effects:\n    mode: fixed\n", NULL,
     NULL, 15, 5, "missing key 'values' in aggregation.house_effects, needed with mode fixed"},
    {"values without fixed", NATIONAL "aggregation:\n  house_effects:\n    values: {P: 1}\n", NULL,
     NULL, 15, 5, "'values' is only used with mode fixed"},
    {"unknown pollster", NATIONAL "aggregation:\n  house_effects:\n    mode: fixed\n"
                         "    values: {P: 1, Q: 2}\n",
     NULL, NULL, 16, 20,
     "unknown pollster 'Q', expected a pollster that appears in polls (did you mean 'P'?)"},
    {"house effect range", NATIONAL "aggregation:\n  house_effects:\n    mode: fixed\n"
                           "    values: {P: 101}\n",
     NULL, NULL, 16, 17, "house effect for 'P' is 101, expected points in -100..100"},
    {"shrinkage negative", NATIONAL "aggregation:\n  house_effects: {shrinkage: -1}\n", NULL, NULL,
     14, 30, "'shrinkage' is -1, expected a number >= 0"},
    /* polling error, turnout, simulation */
    {"df two", NATIONAL "polling_error: {distribution: student_t, df: 2}\n", NULL, NULL, 13, 46,
     "'df' is 2, expected a number > 2"},
    {"distribution", NATIONAL "polling_error: {distribution: cauchy}\n", NULL, NULL, 13, 31,
     "'distribution' is 'cauchy', expected normal or student_t"},
    {"scale negative", NATIONAL "polling_error: {scale: -1}\n", NULL, NULL, 13, 24,
     "'scale' is -1, expected 0..100"},
    {"turnout mean missing", NATIONAL, "turnout.sd=1", "--set", 1, 1,
     "missing key 'mean' in turnout"},
    {"turnout mean 100", NATIONAL "turnout: {mean: 100}\n", NULL, NULL, 13, 17,
     "'mean' is 100, expected a percentage in (0,100)"},
    {"turnout sd too large", NATIONAL "turnout: {mean: 50, sd: 50}\n", NULL, NULL, 13, 25,
     "'sd' is 50, expected less than 50 for mean 50 (sd^2 < mean(1-mean))"},
    {"draws zero", NATIONAL, "simulation.draws=0", "--set", 1, 18,
     "'draws' is 0, expected an integer in 1..1000000000000"},
    {"draws too many", NATIONAL, "simulation.draws=1000000000001", "--set", 1, 18,
     "'draws' is 1000000000001, expected an integer in 1..1000000000000"},
    {"draws exponent", NATIONAL, "simulation.draws=1e6", "--set", 1, 18,
     "'draws' is '1e6', expected an integer"},
    {"seed negative", NATIONAL, "simulation.seed=-1", "--set", 1, 17,
     "'seed' is -1, expected an integer in 0..18446744073709551615"},
    {"seed overflow", NATIONAL, "simulation.seed=18446744073709551616", "--set", 1, 17,
     "'seed' is 18446744073709551616, expected an integer in 0..18446744073709551615"},
    {"block size", NATIONAL, "simulation.block_size=10000001", "--set", 1, 23,
     "'block_size' is 10000001, expected an integer in 1..10000000"},
    {"unknown simulation key", NATIONAL, "simulation.drawz=5", "--set", 1, 12,
     "unknown key 'drawz' in simulation, expected one of: draws, seed, block_size (did you mean "
     "'draws'?)"},
    {"unknown key via set", NATIONAL, "election.nmae=x", "--set", 1, 10,
     "unknown key 'nmae' in election"},
    /* sections that need a first round */
    {"transfers without first round", NATIONAL "transfers: {}\n", NULL, NULL, 13, 1,
     "'transfers' needs 'first_round', expected no 'transfers' in a national scenario"},
    {"regional_error without first round", NATIONAL "regional_error: {}\n", NULL, NULL, 13, 1,
     "'regional_error' needs 'first_round'"},
    {"blend without first round", NATIONAL "blend: {mode: mix}\n", NULL, NULL, 13, 1,
     "'blend' needs 'first_round'"},
    {"actual regions without first round", NATIONAL "actual:\n  regions: []\n", NULL, NULL, 14, 3,
     "'regions' needs 'first_round', expected no actual.regions"},
    /* first round */
    {"missing transfers", ELECTION POLLS FIRST_ROUND, NULL, NULL, 1, 1,
     "missing key 'transfers' in the scenario"},
    {"option id twice", ELECTION POLLS "first_round:\n  options:\n    - {id: a}\n    - {id: a}\n",
     NULL, NULL, 16, 12, "option id 'a' is used twice (first at line 15)"},
    {"option kind", REGIONAL, "first_round.options.c.kind=abstain", "--set", 1, 28,
     "'kind' is 'abstain', expected candidate, abstention or blank_null"},
    {"options empty", ELECTION POLLS "first_round:\n  options: []\n", NULL, NULL, 14, 12,
     "'options' is empty, expected at least one option"},
    {"regions missing", ELECTION POLLS "first_round:\n  options: [{id: a}]\n", NULL, NULL, 14, 3,
     "missing key 'regions' in first_round"},
    {"unknown option in votes", REGIONAL, "first_round.regions.R1.votes.d=0", "--set", 1, 30,
     "unknown option 'd', expected a first_round option id (did you mean 'a'?)"},
    {"missing votes", ELECTION POLLS "first_round:\n  options: [{id: a}, {id: b}]\n  regions:\n"
                      "    - {code: R1, registered: 10, votes: {a: 10}}\n",
     NULL, NULL, 16, 41, "missing votes for option 'b'"},
    {"votes do not add up", REGIONAL, "first_round.regions.R1.votes.c=32", NULL, 21, 14,
     "votes add up to 102, expected the 100 registered (within 1)"},
    {"votes negative", REGIONAL, "first_round.regions.R2.votes.a=-1", "--set", 1, 32,
     "votes for 'a' is -1, expected a number >= 0"},
    {"region code twice", REGIONAL, "first_round.regions.R2.code=R1", "--set", 1, 29,
     "region code 'R1' is used twice (first at t.yaml:19:13)"},
    {"region registered missing",
     ELECTION POLLS "first_round:\n  options: [{id: a}]\n  regions:\n    - {code: R1}\n", NULL,
     NULL, 16, 7, "missing key 'registered' in a region"},
    {"region registered zero", REGIONAL, "first_round.regions.R1.registered=0", "--set", 1, 35,
     "'registered' is 0, expected an integer in 1..1000000000000"},
    /* transfers */
    {"no transfer row", ELECTION POLLS FIRST_ROUND "transfers:\n  rows:\n"
                        "    - {option: a, shares: {a: 100, b: 0, none: 0}}\n",
     NULL, NULL, 16, 7, "no transfer row for option 'b' (give a row, a survey or a default)"},
    {"transfer shares sum", REGIONAL, "transfers.default.shares.none=41", NULL, 26, 21,
     "transfer shares for 'default' add up to 101.0, expected 100 ± 0.5"},
    {"partial transfer shares over 100", ELECTION POLLS FIRST_ROUND
     "transfers:\n  default: {shares: {a: 60, b: 50}}\n",
     NULL, NULL, 26, 21,
     "partial transfer shares for 'default' add up to 110.0, expected at most 100 ± 0.5"},
    {"partial transfer shares placing nobody", ELECTION POLLS FIRST_ROUND
     "transfers:\n  default: {shares: {a: 0}}\n",
     NULL, NULL, 26, 21, "partial transfer shares for 'default' add up to 0, expected shares"},
    {"transfer shares empty", ELECTION POLLS FIRST_ROUND
     "transfers:\n  default: {shares: {}}\n",
     NULL, NULL, 26, 21, "missing share for 'a'"},
    {"transfer shares unknown key", ELECTION POLLS FIRST_ROUND
     "transfers:\n  default: {shares: {a: 50, b: 50, nope: 0}}\n",
     NULL, NULL, 26, 36, "unknown finalist 'nope' in shares, expected a, b and none (did you mean 'none'?)"},
    {"row unknown option", REGIONAL "  rows:\n    - {option: x, shares: {a: 1, b: 1, none: 98}}\n",
     NULL, NULL, 28, 16, "unknown option 'x', expected a first_round option id"},
    {"row twice", REGIONAL "  rows:\n    - {option: a, shares: {a: 1, b: 1, none: 98}}\n"
                  "    - {option: a, shares: {a: 1, b: 1, none: 98}}\n",
     NULL, NULL, 29, 16, "second row for option 'a' (first at line 28)"},
    {"row sum", REGIONAL "  rows:\n    - {option: b, shares: {a: 1, b: 1, none: 97}}\n", NULL,
     NULL, 28, 27, "transfer shares for 'b' add up to 99.0, expected 100 ± 0.5"},
    {"concentration zero", REGIONAL, "transfers.concentration=0", "--set", 1, 25,
     "'concentration' is 0, expected a number > 0 or .inf"},
    {"concentration inf spelled wrong", REGIONAL, "transfers.concentration=inf", "--set", 1, 25,
     "'concentration' is 'inf', expected a number > 0 or .inf"},
    {"survey after election", REGIONAL "  surveys:\n    - pollster: S\n      start: 2030-06-01\n"
                              "      end: 2030-06-17\n      option: c\n"
                              "      shares: {a: 10, b: 10, none: 80}\n",
     NULL, NULL, 30, 12, "end 2030-06-17 is after the election date 2030-06-16"},
    {"survey unknown option", REGIONAL "  surveys:\n    - pollster: S\n      start: 2030-06-01\n"
                              "      end: 2030-06-02\n      option: cc\n",
     NULL, NULL, 31, 15, "unknown option 'cc', expected a first_round option id (did you mean"},
    {"none_blank_null mean", REGIONAL, "transfers.none_blank_null.mean=0", "--set", 1, 32,
     "'mean' is 0, expected a percentage in (0,100)"},
    {"transfers half life", REGIONAL, "transfers.half_life_days=-2", "--set", 1, 26,
     "'half_life_days' is -2, expected a number >= 0.000001 (days)"},
    /* regional error */
    {"group unknown region", REGIONAL "regional_error:\n  groups:\n"
                             "    - {name: g1, sd: 0.1, regions: [R1, R9]}\n",
     NULL, NULL, 29, 41,
     "unknown region 'R9', expected a first_round region code (did you mean 'R1'?)"},
    {"region in two groups", REGIONAL "regional_error:\n  groups:\n"
                             "    - {name: g1, sd: 0.1, regions: [R1]}\n"
                             "    - {name: g2, sd: 0.1, regions: [R2, R1]}\n",
     NULL, NULL, 30, 41, "region 'R1' is already in group 'g1'"},
    {"group name twice", REGIONAL "regional_error:\n  groups:\n"
                         "    - {name: g1, sd: 0.1, regions: [R1]}\n"
                         "    - {name: g1, sd: 0.1, regions: [R2]}\n",
     NULL, NULL, 30, 14, "group name 'g1' is used twice"},
    {"group sd missing", REGIONAL "regional_error:\n  groups:\n    - {name: g1, regions: [R1]}\n",
     NULL, NULL, 29, 7, "missing key 'sd' in a region group"},
    {"regional sd negative", REGIONAL, "regional_error.sd=-0.1", "--set", 1, 19,
     "'sd' is -0.1, expected a number in 0..100 (logit scale)"},
    /* blend and actual */
    {"blend weight", REGIONAL, "blend.weight=1.5", "--set", 1, 14,
     "'weight' is 1.5, expected a number in 0..1"},
    {"blend mode", REGIONAL, "blend.mode=both", "--set", 1, 12,
     "'mode' is 'both', expected polls, transfers or mix"},
    {"actual unknown finalist", NATIONAL "actual:\n  shares: {a: 50, z: 50}\n", NULL, NULL, 14, 19,
     "unknown finalist 'z' in shares"},
    {"actual turnout", NATIONAL, "actual.turnout=101", "--set", 1, 16,
     "'turnout' is 101, expected 0..100"},
    {"actual region unknown", REGIONAL "actual:\n  regions:\n    - {code: R3, shares: {a: 1, b: 1}}\n",
     NULL, NULL, 29, 14, "unknown region 'R3', expected a first_round region code"},
    {"actual region twice", REGIONAL "actual:\n  regions:\n"
                            "    - {code: R1, shares: {a: 1, b: 1}}\n"
                            "    - {code: R1, shares: {a: 1, b: 1}}\n",
     NULL, NULL, 30, 14, "region 'R1' is listed twice (first at line 29)"},
};

static void test_refusals_name_problem_and_position(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof err_cases / sizeof *err_cases; i++) {
        const err_case *c = &err_cases[i];
        runoff_error err;
        runoff_scenario *s = load_text(c->text, &c->set, c->set ? 1 : 0, &err);
        const char *file = c->file ? c->file : "t.yaml";
        if (s != NULL || err.status != RUNOFF_EINPUT || strcmp(err.file, file) != 0 ||
            err.line != c->line || err.column != c->column ||
            strstr(err.message, c->message) == NULL) {
            print_error("case '%s': got %s:%d:%d: %s (status %d)\n  expected %s:%d:%d: %s\n",
                        c->name, err.file, err.line, err.column, err.message, err.status, file,
                        c->line, c->column, c->message);
            runoff_scenario_free(s);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* Messages are lowercase-first and carry no final period (git style). */
static void test_messages_follow_the_house_style(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof err_cases / sizeof *err_cases; i++) {
        runoff_error err;
        const err_case *c = &err_cases[i];
        runoff_scenario *s = load_text(c->text, &c->set, c->set ? 1 : 0, &err);
        assert_null(s);
        size_t n = strlen(err.message);
        assert_true(n > 0);
        if (err.message[n - 1] == '.' || (err.message[0] >= 'A' && err.message[0] <= 'Z')) {
            print_error("case '%s': '%s'\n", c->name, err.message);
            fail();
        }
    }
}

static void test_too_many_options(void **state)
{
    (void)state;
    size_t cap = 64 * 1024;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = (size_t)snprintf(text, cap, "%s", ELECTION POLLS "first_round:\n  options:\n");
    for (int i = 0; i < 257; i++)
        len += (size_t)snprintf(text + len, cap - len, "    - {id: o%d}\n", i);
    runoff_error err;
    assert_null(load_text(text, NULL, 0, &err));
    assert_string_equal(err.message, "'options' has 257 items, expected at most 256");
    assert_int_equal(err.line, 15);
    assert_int_equal(err.column, 5);
    free(text);
}

/* ---------------------------------------------------- files in tests/data */

/* Each file in tests/data/bad starts with "# error: FILE:LINE:COL: MESSAGE";
 * the end-to-end tests of the CLI reuse the same files and lines. */
static void test_bad_files_report_their_expected_error(void **state)
{
    (void)state;
    DIR *dir = opendir("tests/data/bad");
    assert_non_null(dir);
    struct dirent *e;
    int checked = 0;
    while ((e = readdir(dir)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
            continue;
        char path[512], want[1200], got[1700], next[1200] = "";
        snprintf(path, sizeof path, "tests/data/bad/%s", e->d_name);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        assert_non_null(fgets(want, sizeof want, f));
        if (fgets(next, sizeof next, f) == NULL)
            next[0] = '\0';
        fclose(f);
        want[strcspn(want, "\n")] = '\0';
        assert_true(strncmp(want, "# error: ", 9) == 0);
        /* Cases with their own command line (sweeps, several error lines)
         * are checked end to end by test_catalogue.c only. */
        if (strncmp(next, "# args: ", 8) == 0 || strncmp(next, "# error: ", 9) == 0)
            continue;
        runoff_error err;
        ro_error_clear(&err);
        runoff_scenario *s = runoff_scenario_load(path, NULL, 0, &err);
        runoff_error_format(&err, got, sizeof got);
        if (s != NULL || strcmp(got, want + 9) != 0) {
            print_error("%s:\n  got      %s\n  expected %s\n", path, got, want + 9);
            runoff_scenario_free(s);
            closedir(dir);
            fail();
        }
        checked++;
    }
    closedir(dir);
    assert_true(checked >= 5);
}

static void test_load_applies_sets_in_order(void **state)
{
    (void)state;
    runoff_error err;
    ro_error_clear(&err);
    const char *sets[] = {"simulation.draws=10", "simulation.draws=20", "polls.Alpha.sample=5"};
    /* "Alpha" is not an id: polls are addressed by index only. */
    assert_null(runoff_scenario_load("tests/data/good/national.yaml", sets, 3, &err));
    assert_string_equal(err.message, "no item 'Alpha' in 'polls', expected an index 0..1 or the id, "
                                      "code or option of an item");
    assert_int_equal(err.column, 7);
    sets[2] = "polls.1.sample=5";
    ro_error_clear(&err);
    runoff_scenario *s = runoff_scenario_load("tests/data/good/national.yaml", sets, 3, &err);
    assert_non_null(s);
    assert_int_equal(s->simulation.draws, 20);
    assert_close(s->polls[1].sample, 5, 0);
    runoff_scenario_free(s);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    runoff_error err;
    ro_error_clear(&err);
    assert_null(runoff_scenario_load("tests/data/good/absent.yaml", NULL, 0, &err));
    assert_int_equal(err.status, RUNOFF_EINPUT);
    assert_string_equal(err.file, "tests/data/good/absent.yaml");
    assert_string_equal(err.message, "cannot open: No such file or directory");
}

/* ------------------------------------------------------- enum names */

/* Each enum's name table (scenario.h) against the spellings docs/scenario.md
 * gives, written out here by hand: the table has exactly one name per
 * value, each value's name is the documented one, and the loader reads
 * that name back to that value. A name left out, swapped with another or
 * misspelt fails here. */
typedef struct {
    int value;
    const char *name;
} spelling;

typedef struct {
    const char *const *names;
    int count;
    const spelling *spelt; /* in any order */
    size_t n_spelt;
    const char *file;
    const char *key;       /* --set key that reads the name */
    int (*read)(const runoff_scenario *s);
    const char *needy, *also; /* a name that needs another key, and its --set */
} enum_case;

static const spelling populations[] = {
    {RO_POP_LIKELY, "likely"}, {RO_POP_REGISTERED, "registered"}, {RO_POP_ADULTS, "adults"}};
static const spelling rolling_rules[] = {{RO_ROLLING_LATEST, "latest"}, {RO_ROLLING_ALL, "all"}};
static const spelling house_modes[] = {
    {RO_HOUSE_ESTIMATE, "estimate"}, {RO_HOUSE_NONE, "none"}, {RO_HOUSE_FIXED, "fixed"}};
static const spelling agg_methods[] = {{RO_AGG_EXPONENTIAL, "exponential"},
                                       {RO_AGG_DYNAMIC, "dynamic"}};
static const spelling error_dists[] = {{RO_ERRDIST_NORMAL, "normal"},
                                       {RO_ERRDIST_STUDENT_T, "student_t"}};
static const spelling blend_modes[] = {
    {RO_BLEND_POLLS, "polls"}, {RO_BLEND_TRANSFERS, "transfers"}, {RO_BLEND_MIX, "mix"}};
static const spelling option_kinds[] = {{RO_OPT_CANDIDATE, "candidate"},
                                        {RO_OPT_ABSTENTION, "abstention"},
                                        {RO_OPT_BLANK_NULL, "blank_null"}};
#define SPELT(a) a, sizeof a / sizeof *a

static int read_population(const runoff_scenario *s) { return (int)s->polls[0].population; }
static int read_rolling(const runoff_scenario *s) { return (int)s->aggregation.rolling; }
static int read_house(const runoff_scenario *s) { return (int)s->aggregation.house; }
static int read_method(const runoff_scenario *s) { return (int)s->aggregation.method; }
static int read_dist(const runoff_scenario *s) { return (int)s->polling_error.dist; }
static int read_blend(const runoff_scenario *s) { return (int)s->blend.mode; }
static int read_kind(const runoff_scenario *s) { return (int)s->options[3].kind; }

static void check_enum_case(const enum_case *ec)
{
    assert_int_equal(ec->n_spelt, ec->count);
    assert_null(ec->names[ec->count]);
    for (size_t k = 0; k < ec->n_spelt; k++) {
        const spelling *sp = &ec->spelt[k];
        assert_non_null(ec->names[sp->value]);
        assert_string_equal(ec->names[sp->value], sp->name);
        char set[128];
        snprintf(set, sizeof set, "%s=%s", ec->key, sp->name);
        const char *sets[] = {set, ec->also};
        size_t n_sets = ec->needy && strcmp(sp->name, ec->needy) == 0 ? 2 : 1;
        runoff_error err;
        ro_error_clear(&err);
        runoff_scenario *s = runoff_scenario_load(ec->file, sets, n_sets, &err);
        if (s == NULL)
            print_error("%s: %s\n", set, err.message);
        assert_non_null(s);
        assert_int_equal(ec->read(s), sp->value);
        runoff_scenario_free(s);
    }
}

static void test_enum_names_are_the_documented_ones(void **state)
{
    (void)state;
    const char *nat = "tests/data/good/national.yaml", *reg = "tests/data/good/regions.yaml";
    const enum_case cases[] = {
        {ro_population_names, RO_POP_COUNT, SPELT(populations), nat, "polls.0.population",
         read_population, .needy = NULL},
        {ro_rolling_rule_names, RO_ROLLING_COUNT, SPELT(rolling_rules), nat,
         "aggregation.rolling", read_rolling, .needy = NULL},
        {ro_house_mode_names, RO_HOUSE_COUNT, SPELT(house_modes), nat,
         "aggregation.house_effects.mode", read_house, "fixed",
         "aggregation.house_effects.values.Alpha=1"},
        {ro_agg_method_names, RO_AGG_COUNT, SPELT(agg_methods), nat, "aggregation.method",
         read_method, .needy = NULL},
        {ro_error_dist_names, RO_ERRDIST_COUNT, SPELT(error_dists), nat,
         "polling_error.distribution", read_dist, .needy = NULL},
        {ro_blend_mode_names, RO_BLEND_COUNT, SPELT(blend_modes), reg, "blend.mode", read_blend,
         .needy = NULL},
        {ro_option_kind_names, RO_OPT_COUNT, SPELT(option_kinds), reg,
         "first_round.options.abst.kind", read_kind, .needy = NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        check_enum_case(&cases[c]);
}

/* ------------------------------------------------- allocation failures */

static void test_from_doc_survives_every_allocation_failure(void **state)
{
    (void)state;
    runoff_error err;
    ro_error_clear(&err);
    runoff_doc *doc = runoff_doc_parse_file("tests/data/good/regions.yaml", &err);
    assert_non_null(doc);
    long n;
    for (n = 0;; n++) {
        ro_error_clear(&err);
        ro_alloc_fail_after(n);
        runoff_scenario *s = runoff_scenario_from_doc(doc, &err);
        ro_alloc_fail_after(-1);
        if (s != NULL) {
            runoff_scenario_free(s);
            break;
        }
        assert_int_equal(err.status, RUNOFF_ENOMEM);
        assert_string_equal(err.message, "out of memory");
    }
    assert_true(n > 10); /* the loop did exercise failures */
    runoff_doc_free(doc);
}

static void test_load_survives_every_allocation_failure(void **state)
{
    (void)state;
    const char *sets[] = {"simulation.draws=10", "transfers.rows.north.concentration=3"};
    for (long n = 0;; n++) {
        runoff_error err;
        ro_error_clear(&err);
        ro_alloc_fail_after(n);
        runoff_scenario *s = runoff_scenario_load("tests/data/good/regions.yaml", sets, 2, &err);
        ro_alloc_fail_after(-1);
        if (s != NULL) {
            assert_close(s->transfers[0].concentration, 3, 0);
            runoff_scenario_free(s);
            break;
        }
        assert_int_equal(err.status, RUNOFF_ENOMEM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_parse_known_days),
        cmocka_unit_test(test_date_parse_leap_years),
        cmocka_unit_test(test_date_parse_refuses_other_shapes),
        cmocka_unit_test(test_date_format_round_trips),
        cmocka_unit_test(test_defaults_match_the_documented_values),
        cmocka_unit_test(test_good_national_file),
        cmocka_unit_test(test_good_regional_file),
        cmocka_unit_test(test_transfer_shares_within_tolerance_are_normalised),
        cmocka_unit_test(test_dynamic_keys_load),
        cmocka_unit_test(test_zero_polling_error_warns),
        cmocka_unit_test(test_regions_without_regional_error_warn),
        cmocka_unit_test(test_polls_optional_when_blend_uses_transfers_only),
        cmocka_unit_test(test_infinite_concentration_and_student_t),
        cmocka_unit_test(test_describe_writes_a_summary),
        cmocka_unit_test(test_refusals_name_problem_and_position),
        cmocka_unit_test(test_messages_follow_the_house_style),
        cmocka_unit_test(test_too_many_options),
        cmocka_unit_test(test_bad_files_report_their_expected_error),
        cmocka_unit_test(test_load_applies_sets_in_order),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_enum_names_are_the_documented_ones),
        cmocka_unit_test(test_from_doc_survives_every_allocation_failure),
        cmocka_unit_test(test_load_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
