/*
 * test_report.c — the writers (text report, CSV, regions CSV, histogram
 * CSV, JSON) and the result accessors, on a scenario and a result built
 * by hand with distributions whose quantiles are known exactly: every
 * histogram holds equal counts in consecutive bins, so it is a uniform
 * distribution and its q-quantile is lo + q * (hi - lo).
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fmt.h"
#include "scenario.h"
#include "result.h"
#include "testutil.h"

#define DRAWS 10000
#define N_REGIONS 25
#define WINS_A 9321
#define REGISTERED 48700000.0
#define QUOTED_NAME "Saint \"X\", Y"
/* Names that need CSV quoting for one reason each (RFC 4180): a comma, a
 * quote, a line feed, a carriage return. */
#define COMMA_NAME "Corse, Haute-Corse"
#define QUOTE_NAME "Le \"Quartier\""
#define LF_NAME "Line\nbreak"
#define CR_NAME "Carriage\rreturn"

typedef struct {
    runoff_scenario *s;
    runoff_result *r;
} fixture;

/* count copies of each bin centre of [from, to) in bins of width w. */
static ro_hist *uniform_hist(double lo, double hi, size_t nbins, double from, double to,
                             unsigned per_bin)
{
    ro_hist *h = ro_hist_alloc(lo, hi, nbins, true);
    assert_non_null(h);
    double w = (hi - lo) / (double)nbins;
    for (double x = from + w / 2; x < to; x += w)
        for (unsigned k = 0; k < per_bin; k++)
            ro_hist_add(h, x);
    return h;
}

static double region_centre(size_t i) { return 0.40 + 0.01 * (double)i; }

static void build_scenario(runoff_scenario *s)
{
    snprintf(s->source, sizeof s->source, "test.yaml");
    s->doc_hash = 0xc0ffee42;
    snprintf(s->name, sizeof s->name, "Test run-off");
    s->election_date = 19106; /* 2022-04-24 */
    snprintf(s->finalist[0].id, RO_ID_MAX, "alice");
    snprintf(s->finalist[0].name, RO_NAME_MAX, "Alice Martin");
    snprintf(s->finalist[1].id, RO_ID_MAX, "bob");
    snprintf(s->finalist[1].name, RO_NAME_MAX, "Bob Durand");
    s->registered = REGISTERED;
    s->n_polls = 3;
    s->polls = calloc(3, sizeof *s->polls);
    const char *pollsters[3] = {"Ipsos", "Elabe", "Ifop"};
    for (int i = 0; i < 3; i++) {
        snprintf(s->polls[i].pollster, RO_NAME_MAX, "%s", pollsters[i]);
        s->polls[i].start = 19101 + i;
        s->polls[i].end = 19103 + i;
        s->polls[i].sample = 1500 + 100 * i;
        s->polls[i].share_a = 56 - i;
        s->polls[i].share_b = 44 + i;
        s->polls[i].two_way_a = (56.0 - i) / 100;
    }
    s->n_regions = N_REGIONS;
    s->regions = calloc(N_REGIONS, sizeof *s->regions);
    s->actual.region_share_a = calloc(N_REGIONS, sizeof(double));
    for (size_t i = 0; i < N_REGIONS; i++) {
        snprintf(s->regions[i].code, RO_ID_MAX, "R%02zu", i + 1);
        snprintf(s->regions[i].name, RO_NAME_MAX, "Region %zu", i + 1);
        s->regions[i].registered = 1000000 + 1000 * (double)i;
        /* actual at the 80th percentile of the region's forecast */
        s->actual.region_share_a[i] = region_centre(i) + 0.03;
    }
    snprintf(s->regions[6].name, RO_NAME_MAX, QUOTED_NAME);
    snprintf(s->regions[7].name, RO_NAME_MAX, COMMA_NAME);
    snprintf(s->regions[8].name, RO_NAME_MAX, QUOTE_NAME);
    snprintf(s->regions[9].name, RO_NAME_MAX, LF_NAME);
    snprintf(s->regions[10].name, RO_NAME_MAX, CR_NAME);
    s->actual.region_share_a[2] = NAN;
    s->actual.has_share = true;
    s->actual.share_a = 0.5855;
    s->actual.has_turnout = true;
    s->actual.turnout = 0.72;
}

static void build_average(ro_poll_average *a)
{
    a->mean = 0.558;
    a->sd = 0.0045;
    a->n_eff = 4000;
    a->n_used = 2;
    a->reference_date = 19106;
    a->n_polls = 3;
    a->polls = calloc(3, sizeof *a->polls);
    for (int i = 0; i < 2; i++) {
        a->polls[i].used = true;
        a->polls[i].weight = i == 0 ? 0.6 : 0.4;
        a->polls[i].house = 0.004 * (i + 1);
        a->polls[i].n_eff = 1500;
    }
    a->polls[2].excluded_why = "superseded rolling release";
    a->n_house = 1;
    a->house = calloc(1, sizeof *a->house);
    snprintf(a->house[0].pollster, RO_NAME_MAX, "Ipsos");
    a->house[0].effect = 0.004;
}

/*
 * A's share: uniform on [0.50, 0.60] (quantile q = 0.50 + 0.1 q);
 * turnout: uniform on [0.70, 0.75]; margin: uniform on [0, 0.1] of the
 * registered; region i: uniform on its centre +- 0.05, P(A) = 0.04 i;
 * regions carried: 10..20 with equal frequency.
 */
static void build_result(runoff_result *r)
{
    r->draws = DRAWS;
    r->seed = 18446744073709551557u; /* above 2^53: must not go through a double */
    r->threads = 4;
    r->wins[0] = WINS_A;
    r->wins[1] = DRAWS - WINS_A;
    r->share_a = uniform_hist(0, 1, 1000, 0.50, 0.60, 100);
    r->has_turnout = true;
    r->turnout = uniform_hist(0, 1, 1000, 0.70, 0.75, 200);
    r->has_votes = true;
    r->registered = REGISTERED;
    r->margin = uniform_hist(-1, 1, 2000, 0.0, 0.1, 200);
    r->n_regions = N_REGIONS;
    r->regions_a = ro_hist_alloc(-0.5, N_REGIONS + 0.5, N_REGIONS + 1, false);
    assert_non_null(r->regions_a);
    for (unsigned d = 0; d < DRAWS; d++)
        ro_hist_add(r->regions_a, 10 + d % 11);
    r->region_share = calloc(N_REGIONS, sizeof *r->region_share);
    r->region_wins_a = calloc(N_REGIONS, sizeof *r->region_wins_a);
    for (size_t i = 0; i < N_REGIONS; i++) {
        double c = region_centre(i);
        r->region_share[i] = uniform_hist(0, 1, 100, c - 0.05, c + 0.05 - 1e-9, 1000);
        r->region_wins_a[i] = 400 * i;
    }
    build_average(&r->avg);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->s = calloc(1, sizeof *f->s);
    f->r = calloc(1, sizeof *f->r);
    build_scenario(f->s);
    build_result(f->r);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    runoff_result_free(f->r);
    free(f->s->polls);
    free(f->s->regions);
    free(f->s->actual.region_share_a);
    free(f->s);
    free(f);
    return 0;
}

typedef int (*writer_fn)(FILE *, const runoff_scenario *, const runoff_result *);

/* The writer's whole output as a NUL-terminated string (caller frees). */
static char *capture(writer_fn w, const fixture *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    assert_int_equal(w(mem, f->s, f->r), 0);
    assert_int_equal(fclose(mem), 0);
    return buf;
}

static void assert_contains(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL) {
        print_error("missing \"%s\" in:\n%s\n", needle, text);
        fail();
    }
}

/* ---- a small RFC 4180 reader ---- */

#define MAX_FIELDS 24

/* Splits one record starting at *p into fields (unquoted, in place in a
 * copy); returns the number of fields and advances *p past the newline. */
static int csv_record(const char **p, char fields[MAX_FIELDS][256])
{
    int n = 0;
    const char *c = *p;
    for (;;) {
        assert_true(n < MAX_FIELDS);
        size_t k = 0;
        if (*c == '"') {
            for (c++;; c++) {
                assert_true(*c != '\0');
                if (*c == '"' && c[1] == '"')
                    fields[n][k++] = *c++;
                else if (*c == '"')
                    break;
                else
                    fields[n][k++] = *c;
            }
            c++;
        } else {
            while (*c != ',' && *c != '\n' && *c != '\0')
                fields[n][k++] = *c++;
        }
        fields[n++][k] = '\0';
        if (*c == ',') {
            c++;
            continue;
        }
        assert_int_equal(*c, '\n'); /* every record ends with a newline */
        *p = c + 1;
        return n;
    }
}

/* The value of a (statistic, subject) row, asserting the row exists. */
static double csv_stat(const char *csv, const char *statistic, const char *subject,
                       const char *unit)
{
    char fields[MAX_FIELDS][256];
    const char *p = csv;
    csv_record(&p, fields);
    while (*p) {
        csv_record(&p, fields);
        if (strcmp(fields[0], statistic) == 0 && strcmp(fields[1], subject) == 0) {
            assert_string_equal(fields[3], unit);
            return strtod(fields[2], NULL);
        }
    }
    print_error("no row %s,%s\n", statistic, subject);
    fail();
    return NAN;
}

/* ---- provenance: the last four columns of every CSV row ---- */

#define PROVENANCE_HEADER "runoff_version,scenario_hash,seed,draws"

static void assert_provenance(char fields[][256])
{
    assert_string_equal(fields[0], RUNOFF_VERSION);
    assert_string_equal(fields[1], "fnv1a64:00000000c0ffee42"); /* the fixture's doc_hash */
    assert_string_equal(fields[2], "18446744073709551557");
    assert_string_equal(fields[3], "10000");
}

/* ---- text report ---- */

static void test_report_headline_numbers(void **state)
{
    fixture *f = *state;
    char *text = capture(runoff_write_report, f);
    assert_contains(text, "Test run-off (test.yaml)");
    assert_contains(text, "2022-04-24");
    assert_contains(text, "18446744073709551557");
    assert_contains(text, "Draws          10000");
    /* The thread count is not reported: output must not depend on it. */
    assert_null(strstr(text, "Threads"));
    /* 93.21 % +/- 100 * sqrt(0.9321 * 0.0679 / 10000) = 0.2515 */
    assert_contains(text, "Alice Martin                  93.21 % +/- 0.25");
    assert_contains(text, "Bob Durand                     6.79 % +/- 0.25");
    assert_null(strstr(text, "ties"));
    free(text);
}

/* The headline opens the report, before the scenario's details. The
 * uniform share on [50, 60] % has density 10 per unit, so the median's
 * Monte Carlo error is sqrt(0.25 / 10000) / 10 = 0.0005 (0.05 points). */
static void test_report_opens_with_headline(void **state)
{
    fixture *f = *state;
    char *text = capture(runoff_write_report, f);
    assert_contains(text, "Test run-off, 2022-04-24\n"
                          "  Most likely winner   Alice Martin\n"
                          "  Chance of winning    93.21 % +/- 0.25 (about 9 in 10)\n"
                          "  Winner's share       median 55.00 % +/- 0.05 of valid votes\n"
                          "  90 % interval        50.50 .. 59.50 %\n"
                          "  (+/-: Monte Carlo standard error; 10000 draws, "
                          "seed 18446744073709551557)\n\nScenario ");
    assert_true(strncmp(text, "Test run-off, 2022-04-24\n", 25) == 0);
    free(text);
    /* The brief report is that block alone. */
    text = capture(runoff_write_headline, f);
    assert_true(strncmp(text, "Test run-off, 2022-04-24\n", 25) == 0);
    assert_null(strstr(text, "Scenario "));
    assert_contains(text, "seed 18446744073709551557)\n");
    free(text);
}

/* The winner is the more likely finalist, and the share is theirs. */
static void test_report_headline_for_b(void **state)
{
    fixture *f = *state;
    f->r->wins[0] = 2000;
    f->r->wins[1] = DRAWS - 2000;
    ro_fmt_headline h;
    ro_fmt_headline_of(f->r, &h);
    assert_int_equal(h.winner, 1);
    assert_close(h.probability, 0.8, 1e-15);
    assert_close(h.median, 0.45, 1e-9);
    assert_close(h.q05, 1 - 0.595, 1e-9);
    assert_close(h.q95, 1 - 0.505, 1e-9);
    char *text = capture(runoff_write_headline, f);
    assert_contains(text, "Most likely winner   Bob Durand\n");
    assert_contains(text, "80.00 % +/- 0.4 (about 8 in 10)");
    free(text);
}

static void test_odds_in_words(void **state)
{
    (void)state;
    char buf[96];
    bool loser;
    ro_fmt_odds(0.5, 1000, buf, sizeof buf, &loser);
    assert_string_equal(buf, "about 5 in 10");
    assert_false(loser);
    ro_fmt_odds(0.949, 1000, buf, sizeof buf, &loser);
    assert_string_equal(buf, "about 9 in 10");
    ro_fmt_odds(0.972, 1000, buf, sizeof buf, &loser);
    assert_string_equal(buf, "about 1 in 36");
    assert_true(loser);
    ro_fmt_odds(1.0, 1000, buf, sizeof buf, &loser);
    assert_string_equal(buf, "none of 1000 simulated elections");
    assert_true(loser);
}

/* "about N in 10" rounds 10 p to the nearest integer (clamped to 1..9):
 * 0.68 is "about 7", not the truncated 6; 0.64 is "about 6". */
static void test_odds_in_words_round_to_nearest(void **state)
{
    (void)state;
    char buf[96];
    bool loser;
    ro_fmt_odds(0.68, 1000, buf, sizeof buf, &loser);
    assert_string_equal(buf, "about 7 in 10");
    ro_fmt_odds(0.64, 1000, buf, sizeof buf, &loser);
    assert_string_equal(buf, "about 6 in 10");
    ro_fmt_odds(0.17, 1000, buf, sizeof buf, &loser);
    assert_string_equal(buf, "about 2 in 10");
    ro_fmt_odds(0.02, 1000, buf, sizeof buf, &loser);
    assert_string_equal(buf, "about 1 in 10");
    assert_false(loser);
}

/* A majority of the regions is more than half of them: with 4 regions a
 * 2-2 split is not one. Draws carrying 1, 2, 2, 3, 4 regions: 2 of 5. */
static void test_regions_majority_excludes_even_split(void **state)
{
    (void)state;
    ro_hist *h = ro_hist_alloc(-0.5, 4.5, 5, true);
    assert_non_null(h);
    const double won[] = {1, 2, 2, 3, 4};
    for (size_t i = 0; i < sizeof won / sizeof *won; i++)
        ro_hist_add(h, won[i]);
    assert_close(ro_fmt_regions_majority(h, 4), 0.4, 1e-15);
    assert_close(ro_fmt_regions_majority(h, 3), 0.8, 1e-15); /* 2 of 3 is one */
    ro_hist_free(h);
}

static void test_report_share_intervals(void **state)
{
    fixture *f = *state;
    char *text = capture(runoff_write_report, f);
    assert_contains(text, "mean 55.00 %, median 55.00 %");
    assert_contains(text, "50 % interval   52.50 ..  57.50 %");
    assert_contains(text, "80 % interval   51.00 ..  59.00 %");
    assert_contains(text, "90 % interval   50.50 ..  59.50 %");
    assert_contains(text, "95 % interval   50.25 ..  59.75 %");
    assert_contains(text, "90 % interval   70.25 ..  74.75 %"); /* turnout */
    /* margin: median 0.05 * registered, 90 %: 0.005 .. 0.095 of it */
    assert_contains(text, "Margin in votes, Alice Martin minus Bob Durand\n"
                          "  median +2435000, 90 % interval +243500 .. +4626500\n");
    free(text);
}

static void test_report_polls_table(void **state)
{
    fixture *f = *state;
    char *text = capture(runoff_write_report, f);
    assert_contains(text, "Polling average (reference date 2022-04-24)");
    assert_contains(text, "Alice Martin's two-way share 55.80 % (sd 0.45 points)\n"
                          "  n_eff 4000, 2 of 3 polls used\n");
    assert_contains(text, "  Ipsos                2022-04-19..2022-04-21    1500   56.00 %  60.0 %   +0.40\n");
    assert_contains(text, "excluded: Ifop 2022-04-21..2022-04-23 (superseded rolling release)");
    free(text);

    ro_poll_average_clear(&f->r->avg); /* no polls: no table */
    text = capture(runoff_write_report, f);
    assert_null(strstr(text, "Polling average"));
    assert_null(strstr(text, "pollster"));
    free(text);
}

static void test_report_regions_top_and_bottom(void **state)
{
    fixture *f = *state;
    char *text = capture(runoff_write_report, f);
    /* regions carried: 10..20 uniformly; majority = 13..20, 8 of 11 values */
    assert_contains(text, "carried by Alice Martin: median 15, 90 % interval 10 .. 20\n"
                          "  P(Alice Martin carries a majority of regions) 72.7 %\n");
    assert_contains(text, "  R25    Region 25                    96.0 %  64.00 %  59.50 ..  68.50 %");
    assert_contains(text, "  R01    Region 1                      0.0 %  40.00 %");
    assert_contains(text, "R16 "); /* 10th from the top */
    assert_contains(text, "R10 "); /* 10th from the bottom */
    assert_contains(text, "... 5 more ...");
    for (int i = 11; i <= 15; i++) { /* the middle is left out */
        char code[24];
        snprintf(code, sizeof code, "R%02d ", i);
        assert_null(strstr(text, code));
    }
    /* top first: R25 precedes R24 precedes R01 */
    assert_true(strstr(text, "R25") < strstr(text, "R24"));
    assert_true(strstr(text, "R24") < strstr(text, "R01"));
    free(text);
}

static void test_report_histogram_rows(void **state)
{
    fixture *f = *state;
    char *text = capture(runoff_write_report, f);
    const char *start = strstr(text, "Distribution of Alice Martin's share");
    assert_non_null(start);
    int rows = 0, longest = 0, full = 0;
    for (const char *line = strchr(start, '\n') + 1; *line == ' '; line = strchr(line, '\n') + 1) {
        int len = (int)(strchr(line, '\n') - line);
        longest = len > longest ? len : longest;
        assert_non_null(memmem(line, (size_t)len, " |", 2));
        full += memmem(line, (size_t)len, "##################################################", 50) != NULL;
        rows++;
    }
    assert_int_equal(rows, 40);
    assert_true(longest <= 80);
    assert_true(full >= 1); /* the tallest row spans the full bar */
    assert_contains(start, "  50.01- 50.26 % |"); /* 0.1 % quantile: 0.5001 */
    free(text);
}

static void test_report_backtest_section(void **state)
{
    fixture *f = *state;
    char *text = capture(runoff_write_report, f);
    /* A's forecast is uniform on [0.50, 0.60]: the actual 0.5855 has PIT
     * 0.855 and lies in the 80/90/95 % intervals, not the 50 % one. */
    assert_contains(text, "Alice Martin's share: actual 58.55 %, PIT 0.855");
    assert_contains(text, "inside the central intervals: 80 %, 90 %, 95 %\n");
    /* Brier: (1 - 0.9321)^2 = 0.00461 */
    assert_contains(text, "Brier score of the winner call: 0.0046 (Alice Martin won)");
    /* turnout uniform on [0.70, 0.75]: 0.72 has PIT 0.4 */
    assert_contains(text, "turnout: actual 72.00 %, PIT 0.400");
    /* each region's actual sits at its 80th percentile: PIT 0.8, outside
     * the 50 % interval (+-0.025), inside the 90 % one (+-0.045) */
    /* (the PITs sit on the 0.8 boundary of the tenths: some fall just
     * below it in the histogram's arithmetic, so only the others are
     * checked) */
    assert_contains(text, "regions, as simulated (24 with an actual share):\n"
                          "    mean PIT 0.800 (0.5 if calibrated); by tenths: "
                          "0 0 0 0 0 0 0 ");
    assert_contains(text, " 0\n    in their central 50/80/90/95 % intervals: 0.0 / ");
    assert_contains(text, " / 100.0 / 100.0 %\n");
    /* the fixture has no conditional run: no second block */
    assert_null(strstr(text, "national share held"));
    free(text);

    free(f->s->actual.region_share_a);
    memset(&f->s->actual, 0, sizeof f->s->actual);
    text = capture(runoff_write_report, f);
    assert_null(strstr(text, "Back-test"));
    free(text);
}

/* With names of ordinary length, every line fits a terminal. */
static void test_report_lines_fit_80_columns(void **state)
{
    fixture *f = *state;
    char *text = capture(runoff_write_report, f);
    for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
        int len = (int)(strchr(line, '\n') - line);
        if (len > 80) {
            print_error("%d columns: %.*s\n", len, len, line);
            fail();
        }
    }
    free(text);
}

static void test_report_ties_line(void **state)
{
    fixture *f = *state;
    f->r->ties = 50;
    f->r->wins[1] -= 50;
    char *text = capture(runoff_write_report, f);
    assert_contains(text, "  ties                           0.50 %\n");
    free(text);
}

/* ---- CSV ---- */

static void test_csv_rows_have_four_fields_and_round_trip(void **state)
{
    fixture *f = *state;
    char *csv = capture(runoff_write_csv, f);
    assert_true(strncmp(csv, "statistic,subject,value,unit," PROVENANCE_HEADER "\n",
                        strlen("statistic,subject,value,unit," PROVENANCE_HEADER "\n")) == 0);
    char fields[MAX_FIELDS][256];
    const char *p = csv;
    csv_record(&p, fields);
    int rows = 0;
    while (*p) {
        assert_int_equal(csv_record(&p, fields), 8);
        assert_provenance(fields + 4);
        char *end, again[64];
        double v = strtod(fields[2], &end);
        assert_true(*end == '\0' && end != fields[2]);
        assert_true(isfinite(v));
        /* the text is the shortest of %.15g, %.16g, %.17g that reads back */
        int digits = 15;
        for (; digits < 17; digits++) {
            snprintf(again, sizeof again, "%.*g", digits, v);
            if (strtod(again, NULL) == v)
                break;
        }
        snprintf(again, sizeof again, "%.*g", digits, v);
        assert_string_equal(again, fields[2]);
        rows++;
    }
    assert_true(rows > 50);
    free(csv);
}

static void test_shortest_numbers_round_trip(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(ro_fmt_shortest(0.975154, buf, sizeof buf), "0.975154");
    assert_string_equal(ro_fmt_shortest(0.1 + 0.2, buf, sizeof buf), "0.30000000000000004");
    assert_string_equal(ro_fmt_shortest(1.0 / 3, buf, sizeof buf), "0.3333333333333333");
    assert_string_equal(ro_fmt_shortest(48752339, buf, sizeof buf), "48752339");
    assert_string_equal(ro_fmt_shortest(NAN, buf, sizeof buf), "nan");
    /* every double of a sweep over magnitudes reads back exactly */
    for (double x = 1e-300; x < 1e300; x *= 7.3) {
        assert_true(strtod(ro_fmt_shortest(x, buf, sizeof buf), NULL) == x);
        assert_true(strtod(ro_fmt_shortest(-x / 3, buf, sizeof buf), NULL) == -x / 3);
    }
}

static void test_csv_values(void **state)
{
    fixture *f = *state;
    char *csv = capture(runoff_write_csv, f);
    assert_true(csv_stat(csv, "win_probability", "alice", "probability") == WINS_A / (double)DRAWS);
    assert_true(csv_stat(csv, "draws", "national", "count") == DRAWS);
    assert_close(csv_stat(csv, "win_probability_se", "bob", "probability"),
                 sqrt(0.9321 * 0.0679 / DRAWS), 1e-15);
    assert_close(csv_stat(csv, "share_mean", "alice", "fraction"), 0.55, 1e-12);
    assert_close(csv_stat(csv, "share_mean", "bob", "fraction"), 0.45, 1e-12);
    assert_close(csv_stat(csv, "share_quantile_0.05", "alice", "fraction"), 0.505, 1e-12);
    assert_close(csv_stat(csv, "share_quantile_0.05", "bob", "fraction"), 0.405, 1e-12);
    assert_close(csv_stat(csv, "turnout_quantile_0.5", "national", "fraction"), 0.725, 1e-12);
    assert_close(csv_stat(csv, "margin_votes_quantile_0.5", "alice", "votes"),
                 0.05 * REGISTERED, 1e-6);
    assert_close(csv_stat(csv, "pit", "alice", "probability"), 0.855, 1e-12);
    assert_close(csv_stat(csv, "pit", "bob", "probability"), 0.145, 1e-12);
    /* uniform on [a, a + L]: CRPS = L/3 (u^3 + (1-u)^3), u the PIT */
    assert_close(csv_stat(csv, "crps", "alice", "score"),
                 0.1 / 3 * (pow(0.855, 3) + pow(0.145, 3)), 1e-12);
    assert_true(csv_stat(csv, "covered_0.5", "alice", "boolean") == 0);
    assert_true(csv_stat(csv, "covered_0.9", "alice", "boolean") == 1);
    assert_close(csv_stat(csv, "brier", "alice", "score"), 0.0679 * 0.0679, 1e-15);
    assert_true(csv_stat(csv, "regions_with_actual", "alice", "count") == 24);
    assert_true(csv_stat(csv, "regions_covered_0.9", "alice", "fraction") == 1);
    assert_true(csv_stat(csv, "regions_covered_0.5", "alice", "fraction") == 0);
    /* majority = d % 11 in 3..10 (13..20 regions); 10000 = 909 * 11 + 1,
     * so 909 full cycles of 8, and d = 9999 has residue 0. */
    assert_close(csv_stat(csv, "regions_majority_probability", "alice", "probability"),
                 909 * 8 / 10000.0, 1e-15);
    assert_true(csv_stat(csv, "regions_carried_quantile_0.5", "alice", "count") == 15);
    assert_null(strstr(csv, "nan"));
    assert_null(strstr(csv, "inf"));
    free(csv);
}

static void test_regions_csv(void **state)
{
    fixture *f = *state;
    char *csv = capture(runoff_write_regions_csv, f);
    char fields[MAX_FIELDS][256];
    const char *p = csv;
    assert_int_equal(csv_record(&p, fields), 17);
    assert_string_equal(fields[0], "code");
    assert_string_equal(fields[3], "subject");
    assert_string_equal(fields[4], "win_probability");
    assert_string_equal(fields[6], "share_quantile_0.5");
    assert_string_equal(fields[12], "pit");
    for (size_t i = 0; i < N_REGIONS; i++) {
        assert_int_equal(csv_record(&p, fields), 17);
        assert_provenance(fields + 13);
        assert_string_equal(fields[0], f->s->regions[i].code);
        assert_string_equal(fields[1], f->s->regions[i].name);
        assert_true(strtod(fields[2], NULL) == f->s->regions[i].registered);
        assert_string_equal(fields[3], "alice");
        assert_true(strtod(fields[4], NULL) == 0.04 * (double)i);
        assert_close(strtod(fields[6], NULL), region_centre(i), 1e-12);
        assert_close(strtod(fields[7], NULL), region_centre(i) - 0.045, 1e-12);
        if (i == 2) { /* no actual: empty fields, not "nan" */
            assert_string_equal(fields[11], "");
            assert_string_equal(fields[12], "");
        } else {
            assert_close(strtod(fields[12], NULL), 0.8, 1e-9);
        }
    }
    assert_int_equal(*p, '\0');
    assert_contains(csv, "R07,\"Saint \"\"X\"\", Y\",");
    assert_contains(csv, "R08,\"Corse, Haute-Corse\",");
    assert_contains(csv, "R09,\"Le \"\"Quartier\"\"\",");
    assert_contains(csv, "R10,\"Line\nbreak\",");
    assert_contains(csv, "R11,\"Carriage\rreturn\",");
    assert_contains(csv, "R12,Region 12,"); /* nothing to quote: bare */
    free(csv);
}

/* runoff_write_trend_csv refuses f's pair with EINVAL and writes nothing. */
static void assert_trend_refused(const fixture *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    errno = 0;
    assert_int_not_equal(runoff_write_trend_csv(mem, f->s, f->r), 0);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(fclose(mem), 0);
    assert_int_equal(len, 0);
    free(buf);
}

/* The hand-built result has an exponential average, so no trend. */
static void test_trend_csv_needs_dynamic(void **state)
{
    fixture *f = *state;
    assert_string_equal(runoff_trend_csv_refusal(f->s), "needs aggregation.method: dynamic");
    assert_trend_refused(f);
    /* the scenario alone says dynamic, the result holds no fit: still refused */
    f->s->aggregation.method = RO_AGG_DYNAMIC;
    assert_null(runoff_trend_csv_refusal(f->s));
    assert_trend_refused(f);
    f->s->n_polls = 0;
    assert_string_equal(runoff_trend_csv_refusal(f->s), "needs polls (the scenario has none)");
    f->s->n_polls = 3;
}

static void test_histogram_csv(void **state)
{
    fixture *f = *state;
    char *csv = capture(runoff_write_histogram_csv, f);
    char fields[MAX_FIELDS][256];
    const char *p = csv;
    csv_record(&p, fields);
    assert_string_equal(fields[0], "lower");
    double first = NAN, last = NAN, area = 0;
    unsigned long long total = 0;
    int rows = 0;
    while (*p) {
        assert_int_equal(csv_record(&p, fields), 8);
        assert_provenance(fields + 4);
        double lo = strtod(fields[0], NULL), hi = strtod(fields[1], NULL);
        if (rows++ == 0)
            first = lo;
        last = hi;
        total += strtoull(fields[2], NULL, 10);
        area += strtod(fields[3], NULL) * (hi - lo);
    }
    assert_int_equal(rows, 100); /* empty leading and trailing bins skipped */
    assert_close(first, 0.50, 1e-12);
    assert_close(last, 0.60, 1e-12);
    assert_int_equal(total, DRAWS);
    assert_close(area, 1.0, 1e-9);
    free(csv);
}

/* ---- JSON ---- */

static const char *json_check_py =
    "import json, sys\n"
    "def no_constants(c): sys.exit('non-finite number ' + c)\n"
    "d = json.load(open(sys.argv[1], encoding='utf-8'), parse_constant=no_constants)\n"
    "print(d['seed'], d['draws'], 'threads' in d, d['scenario']['finalists'][1]['id'],\n"
    "      d['scenario']['election_date'], len(d['regions']), d['regions'][2]['actual_share'],\n"
    "      d['regions'][6]['name'] == 'Saint \"X\", Y', len(d['statistics']),\n"
    "      d['polling_average']['polls'][2]['excluded_why'], d['polling_average']['polls'][0]['weight'])\n"
    "sys.stdout.buffer.write(d['scenario']['name'].encode('utf-8'))\n";

/* Validates the JSON with Python's parser (NaN/Infinity refused) and
 * returns what the check script printed; skips if python3 is missing. */
static char *python_check(const fixture *f)
{
    if (system("python3 -c 'pass' 2>/dev/null") != 0)
        skip();
    char json_path[] = "/tmp/runoff-test-XXXXXX", py_path[] = "/tmp/runoff-test-XXXXXX";
    int fd = mkstemp(json_path), fd2 = mkstemp(py_path);
    assert_true(fd >= 0 && fd2 >= 0);
    FILE *out = fdopen(fd, "w"), *py = fdopen(fd2, "w");
    assert_int_equal(runoff_write_json(out, f->s, f->r), 0);
    assert_int_equal(fclose(out), 0);
    fputs(json_check_py, py);
    assert_int_equal(fclose(py), 0);
    char cmd[128], *result = calloc(1, 4096);
    snprintf(cmd, sizeof cmd, "python3 %s %s", py_path, json_path);
    FILE *pipe = popen(cmd, "r");
    assert_non_null(pipe);
    size_t n = fread(result, 1, 4095, pipe);
    result[n] = '\0';
    int status = pclose(pipe);
    remove(json_path);
    remove(py_path);
    if (status != 0) {
        print_error("python rejected the JSON: %s\n", result);
        fail();
    }
    return result;
}

static int count_csv_rows(const fixture *f)
{
    char *csv = capture(runoff_write_csv, f);
    int rows = -1; /* header */
    for (const char *c = csv; *c; c++)
        rows += *c == '\n';
    free(csv);
    return rows;
}

static void test_json_is_valid_and_complete(void **state)
{
    fixture *f = *state;
    char *out = python_check(f);
    char expected[256];
    snprintf(expected, sizeof expected,
             "18446744073709551557 10000 False bob 2022-04-24 25 None True %d "
             "superseded rolling release 0.6\nTest run-off",
             count_csv_rows(f));
    assert_string_equal(out, expected);
    free(out);
}

static void test_json_escapes_strings(void **state)
{
    fixture *f = *state;
    const char *name = "Q\"uote \\ back\nnew\ttab \x01 caf\xc3\xa9";
    snprintf(f->s->name, sizeof f->s->name, "%s", name);
    char *out = python_check(f);
    const char *decoded = strchr(out, '\n') + 1;
    assert_string_equal(decoded, name);
    free(out);
}

/* Every C0 control character is escaped (RFC 8259 forbids them raw), up to
 * U+001F, and DEL too (not required, but it is invisible). */
static void test_json_escapes_every_control_character(void **state)
{
    fixture *f = *state;
    snprintf(f->s->name, sizeof f->s->name, "a\x01" "b\x1f" "c\x7f" "d\x20" "e");
    size_t len;
    char *json = runoff_json_string(f->s, f->r, &len);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"a\\u0001b\\u001fc\\u007fd e\""));
    free(json);
}

/* ---- failures and accessors ---- */

static void test_write_failure_is_reported(void **state)
{
    fixture *f = *state;
    writer_fn writers[] = {runoff_write_report, runoff_write_csv, runoff_write_histogram_csv,
                           runoff_write_regions_csv, runoff_write_json};
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        FILE *full = fopen("/dev/full", "w");
        assert_non_null(full);
        errno = 0;
        assert_int_not_equal(writers[i](full, f->s, f->r), 0);
        assert_int_equal(errno, ENOSPC);
        fclose(full);
    }
}

static void test_report_allocation_failure(void **state)
{
    fixture *f = *state;
    FILE *sink = fopen("/dev/null", "w");
    assert_non_null(sink);
    ro_alloc_fail_after(0);
    int rc = runoff_write_report(sink, f->s, f->r);
    int saved = errno;
    ro_alloc_fail_after(-1);
    assert_int_not_equal(rc, 0);
    assert_int_equal(saved, ENOMEM);
    fclose(sink);
}

static void test_mismatched_pair_is_refused(void **state)
{
    fixture *f = *state;
    FILE *sink = fopen("/dev/null", "w");
    f->s->n_regions = 3;
    assert_int_not_equal(runoff_write_regions_csv(sink, f->s, f->r), 0);
    assert_int_not_equal(runoff_write_json(sink, f->s, f->r), 0);
    assert_int_not_equal(runoff_write_report(sink, f->s, f->r), 0);
    f->s->n_regions = N_REGIONS;
    fclose(sink);
}

static void test_result_accessors(void **state)
{
    fixture *f = *state;
    assert_int_equal(runoff_result_draws(f->r), DRAWS);
    assert_true(runoff_result_win_probability(f->r, 0) == WINS_A / (double)DRAWS);
    assert_true(runoff_result_win_probability(f->r, 1) == (DRAWS - WINS_A) / (double)DRAWS);
    assert_true(isnan(runoff_result_win_probability(f->r, 2)));
    assert_close(runoff_result_share_quantile(f->r, 0.5), 0.55, 1e-12);
    assert_close(runoff_result_share_quantile(f->r, 0.9), 0.59, 1e-12);
    assert_int_equal(runoff_result_draws(NULL), 0);
    assert_true(isnan(runoff_result_share_quantile(NULL, 0.5)));
    runoff_result_free(NULL);
}

/* ---- back-test table and CSV ---- */

typedef int (*backtest_writer_fn)(FILE *, const runoff_scenario *, const runoff_backtest_row *);

static char *capture_backtest(backtest_writer_fn w, const fixture *f,
                              const runoff_backtest_row *row)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    assert_int_equal(w(mem, f->s, row), 0);
    assert_int_equal(fclose(mem), 0);
    return buf;
}

static int count_char(const char *from, const char *to, char c)
{
    int n = 0;
    for (const char *p = from; p < to; p++)
        n += *p == c;
    return n;
}

/*
 * The model as above (A uniform on [0.50, 0.60], P(A) 0.9321, actual
 * 0.5855 at PIT 0.855); the polls end 2022-04-21..23, all in the final
 * week before 2022-04-24: final week = their mean 0.55 (n 4800), last
 * poll = 0.54 (n 1700), spread by sampling alone (scale 0).
 */
static void test_backtest_table_and_csv(void **state)
{
    fixture *f = *state;
    runoff_backtest_row row;
    assert_int_equal(runoff_backtest_score(f->s, f->r, &row, NULL), RUNOFF_OK);
    char *text = capture_backtest(runoff_write_backtest_row, f, &row);
    assert_contains(text, "Test run-off (test.yaml), 10000 draws, seed 18446744073709551557\n"
                          "  actual 58.55 % (Alice Martin won); polls as of 2022-04-24\n");
    assert_contains(text, "\n  model       55.00 52.5-57.5 50.5-59.5  93.2+/-0.3 0.855 ");
    assert_contains(text, "\n  final week  55.00 ");
    assert_contains(text, "\n  last poll   54.00 ");
    assert_contains(text, "\n  final week: 3 polls (n 4800), normal error, sd 0.72 points\n"
                          "  last poll:  1 poll (n 1700), normal error, sd 1.21 points\n");
    /* every line but the first (the scenario's name and file) fits 80 columns */
    for (const char *line = strchr(text, '\n') + 1; *line; line = strchr(line, '\n') + 1)
        assert_true(strchr(line, '\n') - line <= 80);
    free(text);

    char *csv = capture_backtest(runoff_write_backtest_csv_row, f, &row);
    char *header = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&header, &len);
    assert_int_equal(runoff_write_backtest_csv_header(mem), 0);
    assert_int_equal(fclose(mem), 0);
    assert_true(strncmp(header, "file,scenario,subject,actual_share,subject_won,", 47) == 0);
    assert_contains(header, ",model_crps,");
    assert_contains(header, ",final_week_polls,");
    assert_contains(header, ",last_poll_covered_0.9,regions_n,");
    assert_contains(header, ",regions_conditional_carried_quantile_0.95,runoff_version,scenario_hash\n");
    assert_int_equal(count_char(header, header + len, ','), count_char(csv, csv + strlen(csv), ','));
    assert_true(strncmp(csv, "test.yaml,Test run-off,alice,0.5855,1,2022-04-24,"
                             "10000,18446744073709551557,0.55",
                        79) == 0);
    free(header);
    free(csv);
}

static void test_backtest_summary_and_write_failures(void **state)
{
    fixture *f = *state;
    runoff_backtest_row row;
    assert_int_equal(runoff_backtest_score(f->s, f->r, &row, NULL), RUNOFF_OK);
    runoff_backtest_summary sum = {0};
    runoff_backtest_summary_add(&sum, &row);
    runoff_backtest_summary_add(&sum, &row);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_int_equal(runoff_write_backtest_summary(mem, &sum), 0);
    assert_int_equal(fclose(mem), 0);
    assert_contains(buf, "Summary over 2 scenarios (CRPS in points)\n");
    /* the model's 90 % interval 0.505..0.595 holds 0.5855, the 50 % one does not */
    assert_contains(buf, "\n  model           2 ");
    assert_contains(buf, "        0        2\n");
    free(buf);
    FILE *full = fopen("/dev/full", "w");
    assert_non_null(full);
    assert_int_not_equal(runoff_write_backtest_row(full, f->s, &row), 0);
    assert_int_not_equal(runoff_write_backtest_csv_row(full, f->s, &row), 0);
    assert_int_not_equal(runoff_write_backtest_csv_header(full), 0);
    assert_int_not_equal(runoff_write_backtest_summary(full, &sum), 0);
    fclose(full);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_report_headline_numbers),
        T(test_report_opens_with_headline),
        T(test_report_headline_for_b),
        cmocka_unit_test(test_odds_in_words),
        cmocka_unit_test(test_odds_in_words_round_to_nearest),
        cmocka_unit_test(test_regions_majority_excludes_even_split),
        cmocka_unit_test(test_shortest_numbers_round_trip),
        T(test_report_share_intervals),
        T(test_report_polls_table),
        T(test_report_regions_top_and_bottom),
        T(test_report_histogram_rows),
        T(test_report_backtest_section),
        T(test_report_lines_fit_80_columns),
        T(test_report_ties_line),
        T(test_csv_rows_have_four_fields_and_round_trip),
        T(test_csv_values),
        T(test_regions_csv),
        T(test_trend_csv_needs_dynamic),
        T(test_histogram_csv),
        T(test_json_is_valid_and_complete),
        T(test_json_escapes_strings),
        T(test_json_escapes_every_control_character),
        T(test_write_failure_is_reported),
        T(test_report_allocation_failure),
        T(test_mismatched_pair_is_refused),
        T(test_result_accessors),
        T(test_backtest_table_and_csv),
        T(test_backtest_summary_and_write_failures),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
