/*
 * test_cli.c — end-to-end tests of the runoff program.
 *
 * Each test runs the real binary through tests/cli_harness.h and checks
 * exit status, output and files. Scenarios live in
 * tests/data/ (synthetic, made-up numbers); the tests run from the
 * source tree.
 */
#include "cli_harness.h"

#define NATIONAL "tests/data/cli/national.yaml"
#define REGIONAL "tests/data/cli/regional.yaml"

static void test_help_and_version(void **state)
{
    (void)state;
    run_result r = RUN("--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "usage: runoff");
    assert_contains(r.out, "run");
    assert_contains(r.out, "check");
    run_free(&r);
    r = RUN("run", "--help");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "--threads");
    assert_contains(r.out, "--set");
    assert_contains(r.out, "--trend-csv");
    run_free(&r);
    r = RUN("--version");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "runoff " RUNOFF_VERSION);
    run_free(&r);
}

static void test_bad_usage_exits_2(void **state)
{
    (void)state;
    run_result r = RUN("frobnicate");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "unknown command 'frobnicate'");
    run_free(&r);
    r = RUN("run", NATIONAL, "--threads", "zero");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--threads expects a whole number");
    run_free(&r);
    r = RUN("run", NATIONAL, "--bogus");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "unknown option '--bogus'");
    run_free(&r);
    r = RUN("run");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "needs a scenario file");
    run_free(&r);
    r = RUN("run", "tests/data/cli/does-not-exist.yaml");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "does-not-exist.yaml");
    run_free(&r);
}

static void test_run_national_prints_forecast(void **state)
{
    (void)state;
    run_result r = RUN("run", NATIONAL, "--quiet");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Synthetic run-off");
    assert_contains(r.out, "Alice North");
    assert_contains(r.out, "Bob South");
    assert_string_equal(r.err, "");
    run_free(&r);
}

/* --brief: the headline block alone, the same as the report's first lines. */
static void test_run_brief_prints_headline_only(void **state)
{
    (void)state;
    run_result full = RUN("run", NATIONAL, "--quiet", "--draws", "2000");
    run_result brief = RUN("run", NATIONAL, "--quiet", "--draws", "2000", "--brief");
    assert_int_equal(brief.status, 0);
    assert_contains(brief.out, "Most likely winner");
    assert_contains(brief.out, "Chance of winning");
    assert_null(strstr(brief.out, "Scenario "));
    assert_true(strncmp(full.out, brief.out, strlen(brief.out)) == 0);
    run_free(&full);
    run_free(&brief);
}

/* The same scenario and seed give the same bytes whatever the number of
 * threads: stdout, CSV, histogram CSV and JSON compared with cmp. */
static void compare_thread_counts(const char *scenario, const char *draws)
{
    const char *names[2][4] = {{"t1.out", "t1.csv", "t1.hist", "t1.json"},
                               {"t2.out", "t2.csv", "t2.hist", "t2.json"}};
    const char *threads[2] = {"1", "2"};
    for (int k = 0; k < 2; k++) {
        char csv[512], hist[512], json[512];
        snprintf(csv, sizeof csv, "--csv=%s", path_in_tmp(names[k][1]));
        snprintf(hist, sizeof hist, "--histogram-csv=%s", path_in_tmp(names[k][2]));
        snprintf(json, sizeof json, "--json=%s", path_in_tmp(names[k][3]));
        run_result r = run_ex(NULL, path_in_tmp(names[k][0]), 0,
                              (const char *const[]){"run", scenario, "-q", "--draws", draws,
                                                    "--threads", threads[k], csv, hist, json,
                                                    NULL});
        assert_int_equal(r.status, 0);
        run_free(&r);
    }
    for (int f = 0; f < 4; f++) {
        size_t n1 = 0, n2 = 0;
        char *a = slurp(path_in_tmp(names[0][f]), &n1);
        char *b = slurp(path_in_tmp(names[1][f]), &n2);
        assert_non_null(a);
        assert_non_null(b);
        assert_true(n1 > 0);
        if (n1 != n2 || memcmp(a, b, n1) != 0) {
            print_error("%s differs between --threads 1 and --threads 2\n", names[0][f]);
            fail();
        }
        free(a);
        free(b);
    }
}

static void test_threads_give_identical_bytes(void **state)
{
    (void)state;
    compare_thread_counts(NATIONAL, "50000");
    compare_thread_counts(REGIONAL, "30000");
}

static void test_regions_csv_has_a_row_per_region(void **state)
{
    (void)state;
    char opt[512];
    snprintf(opt, sizeof opt, "--regions-csv=%s", path_in_tmp("regions.csv"));
    run_result r = RUN("run", REGIONAL, "-q", opt);
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *csv = slurp(path_in_tmp("regions.csv"), NULL);
    assert_non_null(csv);
    int lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 3);
    assert_contains(csv, "R1");
    assert_contains(csv, "Region three");
    free(csv);
}

/* `runoff run SCEN -q --draws DRAWS OPTION=FILE`, FILE being NAME in the
 * test directory; the run must succeed. Returns FILE's contents, which
 * the caller frees. */
static char *run_writing(const char *scen, const char *draws, const char *option,
                         const char *name)
{
    const char *path = path_in_tmp(name);
    char opt[600];
    snprintf(opt, sizeof opt, "%s=%s", option, path);
    run_result r = RUN("run", scen, "-q", "--draws", draws, opt);
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *text = slurp(path, NULL);
    assert_non_null(text);
    return text;
}

/* The fields of one CSV record starting at *p (RFC 4180: a field in
 * double quotes may hold commas, doubled quotes and line breaks); moves
 * *p past the record's newline. Returns the field count. */
static int csv_fields(const char **p)
{
    int n = 1;
    bool quoted = false;
    for (; **p && (quoted || **p != '\n'); (*p)++) {
        if (**p == '"')
            quoted = !quoted; /* a doubled quote toggles twice */
        else if (**p == ',' && !quoted)
            n++;
    }
    if (**p == '\n')
        (*p)++;
    return n;
}

/* A region name with a comma is quoted in the regions CSV, so every
 * record has the header's number of fields (read here by RFC 4180, not by
 * the writer's own rule). */
static void test_regions_csv_quotes_a_comma(void **state)
{
    (void)state;
    size_t n = 0;
    char *text = slurp(REGIONAL, &n);
    assert_non_null(text);
    const char *name = "\"Region one\"", *with_comma = "\"One, North\"";
    char *at = strstr(text, name);
    assert_non_null(at);
    assert_int_equal(strlen(name), strlen(with_comma));
    memcpy(at, with_comma, strlen(with_comma));
    const char *scen = write_to_tmp("comma.yaml", text, n);
    char *csv = run_writing(scen, "2000", "--regions-csv", "comma.csv");
    assert_contains(csv, ",\"One, North\",");
    const char *p = csv;
    const int header = csv_fields(&p);
    int records = 0;
    while (*p) {
        assert_int_equal(csv_fields(&p), header);
        records++;
    }
    assert_int_equal(records, 3);
    free(csv);
    free(text);
}

/* The headline's words and its median's standard error agree with the
 * report's own tables. The odds in words are the win probability rounded
 * to the nearest tenth (87.73 % here: about 9 in 10, where truncating
 * would say 8; checked, so the case keeps testing the rounding). With the
 * polling error made normal the share is normal (docs/model.md §2: the
 * average's normal plus a normal error, the bounded map inactive this far
 * from 0 and 1), so its quantile density at the median is
 * sqrt(2 pi) sigma, sigma from the 50 % interval (IQR / 1.349), and the
 * median's standard error is that times sqrt(0.25 / n). The report estimates the density by a difference
 * of quantiles 0.02 apart, whose Monte Carlo error at 20 000 draws is about
 * 5 %: tolerance 20 % (4 of those), against a factor 2 for a difference
 * divided by its half-width. */
static void test_headline_agrees_with_the_tables(void **state)
{
    (void)state;
    const double n = 20000;
    run_result r = RUN("run", NATIONAL, "--draws", "20000", "--set",
                       "polling_error.distribution=normal");
    assert_int_equal(r.status, 0);
    double p, p_se, median, median_se, lo, hi;
    long tenths;
    const char *at = strstr(r.out, "Chance of winning");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "Chance of winning %lf %% +/- %lf (about %ld in 10)", &p, &p_se,
                            &tenths), 3);
    assert_true(p < 95 && p / 10 - floor(p / 10) >= 0.5); /* rounding and truncating differ */
    assert_int_equal(tenths, lround(p / 10));
    at = strstr(r.out, "Winner's share");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "Winner's share median %lf %% +/- %lf", &median, &median_se), 2);
    at = strstr(r.out, "of valid votes (");
    at = at ? strstr(at, "50 % interval") : NULL;
    assert_non_null(at);
    assert_int_equal(sscanf(at, "50 %% interval %lf .. %lf", &lo, &hi), 2);
    const double sigma = (hi - lo) / 1.3490, se = sqrt(2 * acos(-1.0)) * sigma * sqrt(0.25 / n);
    assert_close(median_se, se, 0.2 * se);
    run_free(&r);
}

/* With two regions a majority is both: the report's P(A carries a
 * majority of regions) is the share of draws with regions_a = 2 in the
 * draws CSV of the same run (one region each is no majority). Printed to
 * 0.1 %: tolerance 0.05 points. */
static void test_majority_of_an_even_count_is_strict(void **state)
{
    (void)state;
    static const char text[] =
        "election: {name: two, date: 2030-05-05, finalists: [{id: a, name: A}, {id: b, name: B}]}\n"
        "blend: {mode: transfers}\n"
        "simulation: {draws: 4000, seed: 3}\n"
        "first_round:\n  options: [{id: a}, {id: b}, {id: x}]\n  regions:\n"
        "    - {code: r1, registered: 1000, votes: {a: 400, b: 350, x: 250}}\n"
        "    - {code: r2, registered: 1000, votes: {a: 350, b: 400, x: 250}}\n"
        "transfers:\n  rows:\n"
        "    - {option: a, shares: {a: 100, b: 0, none: 0}}\n"
        "    - {option: b, shares: {a: 0, b: 100, none: 0}}\n"
        "    - {option: x, shares: {a: 40, b: 40, none: 20}, concentration: 10}\n"
        "regional_error: {sd: 0.2}\n";
    const char *scen = write_to_tmp("two.yaml", text, sizeof text - 1);
    const char *draws = path_in_tmp("two-draws.csv");
    run_result r = RUN("run", scen, "--draws-csv", draws);
    assert_int_equal(r.status, 0);
    double reported;
    const char *at = strstr(r.out, "P(A carries a majority of regions)");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "P(A carries a majority of regions) %lf", &reported), 1);
    char *csv = slurp(draws, NULL);
    assert_non_null(csv);
    long n = 0, both = 0, one = 0;
    for (const char *line = strchr(csv, '\n'); line != NULL && line[1]; line = strchr(line + 1, '\n')) {
        const char *last = line + 1 + strcspn(line + 1, "\n");
        while (last > line && last[-1] != ',')
            last--;
        long k = strtol(last, NULL, 10);
        n++;
        both += k == 2;
        one += k == 1;
    }
    assert_int_equal(n, 4000);
    assert_true(one > 0); /* the case has even splits to count wrongly */
    assert_close(reported, 100.0 * (double)both / (double)n, 0.05 + 1e-9);
    free(csv);
    run_free(&r);
}

/* The number after `key` in text, after the first `after`. */
static double json_number_after(const char *text, const char *after, const char *key)
{
    const char *at = strstr(text, after);
    at = at ? strstr(at, key) : NULL;
    if (at == NULL)
        fail_msg("no %s after %s", key, after);
    return strtod(at + strlen(key), NULL);
}

/* The exponential polling average (docs/model.md §1) worked from its
 * formulas here, against the JSON summary's polling_average of the same
 * polls: weights by recency from the fieldwork's midpoint and sample (R's
 * poll ends on the reference date, so it counts), house effects shrunk by
 * 2 polls and centred over the 3 pollsters, and
 * sd^2 = sum w^2 mean(1 - mean) / n_eff. Shares near 2/3, so mean(1 - mean)
 * is not 1/4. Deterministic and written with full precision: tolerance
 * 1e-12. */
static void test_exponential_average_is_the_documented_one(void **state)
{
    (void)state;
    enum { N = 4, J = 3 };
    static const struct {
        int pollster, start, end; /* days of May 2030 */
        double sample, share_a;   /* percent */
    } poll[N] = {{0, 1, 9, 900, 66}, {1, 10, 12, 1500, 70}, {2, 5, 20, 600, 62}, {0, 14, 16, 1100, 68}};
    static const char *const name[J] = {"P", "Q", "R"};
    const int t0 = 20;
    const double half_life = 7, shrinkage = 2;
    char text[2048];
    size_t len = (size_t)snprintf(text, sizeof text,
                                  "election: {name: polls, date: 2030-05-%02d, finalists: [{id: a, "
                                  "name: A}, {id: b, name: B}]}\n"
                                  "aggregation: {method: exponential, half_life_days: %g, "
                                  "design_effect: 1, house_effects: {mode: estimate, shrinkage: %g}}\n"
                                  "polls:\n",
                                  t0, half_life, shrinkage);
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "  - {pollster: %s, start: 2030-05-%02d, end: 2030-05-%02d, sample: %g, "
                                "shares: {a: %g, b: %g}}\n",
                                name[poll[i].pollster], poll[i].start, poll[i].end, poll[i].sample,
                                poll[i].share_a, 100 - poll[i].share_a);
    assert_true(len < sizeof text);
    double w[N], total = 0, p0 = 0, raw[J] = {0}, m[J] = {0}, centre = 0, mean = 0, var = 0;
    for (int i = 0; i < N; i++) {
        const double age = t0 - 0.5 * (poll[i].start + poll[i].end);
        total += w[i] = pow(0.5, age / half_life) * poll[i].sample;
        m[poll[i].pollster]++;
    }
    for (int i = 0; i < N; i++)
        p0 += (w[i] /= total) * poll[i].share_a / 100;
    for (int i = 0; i < N; i++)
        raw[poll[i].pollster] += (poll[i].share_a / 100 - p0) / (m[poll[i].pollster] + shrinkage);
    for (int j = 0; j < J; j++)
        centre += raw[j] / J;
    for (int i = 0; i < N; i++)
        mean += w[i] * (poll[i].share_a / 100 - (raw[poll[i].pollster] - centre));
    for (int i = 0; i < N; i++)
        var += w[i] * w[i] * mean * (1 - mean) / poll[i].sample;
    const char *scen = write_to_tmp("polls.yaml", text, len);
    char *out = run_writing(scen, "100", "--json", "polls.json");
    assert_close(json_number_after(out, "\"polling_average\"", "\"mean\": "), mean, 1e-12);
    assert_close(json_number_after(out, "\"polling_average\"", "\"sd\": "), sqrt(var), 1e-12);
    free(out);
}

/* The histogram CSV's density is a density: summed over the bins times
 * their widths it is 1, every draw being in some bin (rounding only, over
 * a few thousand terms: tolerance 1e-9). */
static void test_histogram_csv_density_integrates_to_one(void **state)
{
    (void)state;
    char *csv = run_writing(NATIONAL, "5000", "--histogram-csv", "hist.csv");
    const char *line = strchr(csv, '\n');
    assert_non_null(line);
    double integral = 0;
    long rows = 0, count = 0;
    for (line++; *line; rows++) {
        char *end;
        const double lower = strtod(line, &end), upper = strtod(end + 1, &end);
        count += strtol(end + 1, &end, 10);
        integral += strtod(end + 1, &end) * (upper - lower);
        line = strchr(end, '\n');
        assert_non_null(line);
        line++;
    }
    assert_true(rows > 10);
    assert_int_equal(count, 5000);
    assert_close(integral, 1, 1e-9);
    free(csv);
}

/* The back-test's list of central intervals holding the actual share
 * agrees with the share's intervals the same report prints: a level is
 * listed exactly when its interval holds the actual. 49 % for A is inside
 * the 90 and 95 % intervals and outside the 50 and 80 % ones (checked:
 * the case must tell a level from its neighbour), 0.35 points or more
 * from every printed bound, which are rounded to 0.005. */
static void test_backtest_intervals_agree_with_the_report(void **state)
{
    (void)state;
    run_result r = RUN("run", NATIONAL, "--set", "actual.shares.north=49", "--set",
                       "actual.shares.south=51");
    assert_int_equal(r.status, 0);
    const char *share = strstr(r.out, "of valid votes (");
    const char *bt = strstr(r.out, "Back-test against the actual result");
    assert_true(share != NULL && bt != NULL);
    double actual;
    const char *at = strstr(bt, "share: actual ");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "share: actual %lf", &actual), 1);
    at = strstr(bt, "inside the central intervals: ");
    assert_non_null(at);
    const size_t listed_len = strcspn(at, "\n");
    static const int levels[] = {50, 80, 90, 95};
    int inside = 0;
    for (size_t k = 0; k < sizeof levels / sizeof levels[0]; k++) {
        char label[32];
        double lo, hi;
        snprintf(label, sizeof label, "%d %% interval", levels[k]);
        const char *line = strstr(share, label);
        assert_non_null(line);
        assert_int_equal(sscanf(line + strlen(label), "%lf .. %lf", &lo, &hi), 2);
        snprintf(label, sizeof label, " %d %%", levels[k]);
        const char *found = strstr(at, label);
        const bool listed = found != NULL && (size_t)(found - at) < listed_len;
        assert_int_equal(listed, lo <= actual && actual <= hi);
        inside += listed;
    }
    assert_true(inside > 0 && inside < 4);
    run_free(&r);
}

/* `check` shows each option's row as docs/scenario.md resolves it: a
 * partial row {a: 40} with concentration 50 splits the 60 % it does not
 * place equally (30 / 30) and keeps 0.4 of its concentration (20); a
 * survey without a sample counts as the section's concentration + 1
 * respondents, times the fraction it places: {a: 30, b: 50} is worth
 * (49 + 1) 0.8 = 40 respondents, a row of concentration 39. */
static void test_check_shows_resolved_rows(void **state)
{
    (void)state;
    static const char text[] =
        "election: {name: rows, date: 2030-05-05, finalists: [{id: a, name: A}, {id: b, name: B}]}\n"
        "blend: {mode: transfers}\n"
        "first_round:\n  options: [{id: a}, {id: b}, {id: x}, {id: y}]\n  regions:\n"
        "    - {code: r1, registered: 1000, votes: {a: 400, b: 350, x: 150, y: 100}}\n"
        "transfers:\n  concentration: 49\n  rows:\n"
        "    - {option: a, shares: {a: 100, b: 0, none: 0}}\n"
        "    - {option: b, shares: {a: 0, b: 100, none: 0}}\n"
        "    - {option: x, shares: {a: 40}, concentration: 50}\n"
        "  surveys:\n"
        "    - {pollster: s, start: 2030-05-01, end: 2030-05-02, option: y, "
        "shares: {a: 30, b: 50}}\n";
    const char *scen = write_to_tmp("rows.yaml", text, sizeof text - 1);
    run_result r = RUN("check", scen);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "  x                  40.0%   30.0%   30.0%  20 ");
    assert_contains(r.out, "  y                  30.0%   50.0%   20.0%  39 ");
    run_free(&r);
}

/* The local lean's context is relative to the nation (docs/model.md §5),
 * seen in the regions CSV: finalists a 200, b 250 nationally; r2 (a 100,
 * b 100) has c_2 = logit(1/2) - logit(200/450) = log 1.25, and r3, where a
 * has no vote, c_3 = 0. x's split in each region is read back from its
 * share, A/B = (a_r + 80 s) / (b_r + 80 (1 - s)), and the two differ by
 * lean (c_2 - c_3) in logit; the centring shift is common to both. The
 * regional sd is 0 and the rows fixed, so every draw is the same and the
 * median is exact to the histogram's bin (its 5 and 95 % quantiles are
 * 0.0009 apart): 5e-4 in a share, at most 0.011 in the difference of
 * logits; tolerance 0.02. Context log(va / vb) without the nation's
 * would move the difference by lean log 1.25, 0.11. */
static void test_lean_context_is_relative_to_the_nation(void **state)
{
    (void)state;
    static const char text[] =
        "election: {name: lean, date: 2030-05-05, finalists: [{id: a, name: A}, {id: b, name: B}]}\n"
        "blend: {mode: transfers}\n"
        "first_round:\n  options: [{id: a}, {id: b}, {id: x}]\n  regions:\n"
        "    - {code: r1, registered: 500, votes: {a: 100, b: 100, x: 300}}\n"
        "    - {code: r2, registered: 300, votes: {a: 100, b: 100, x: 100}}\n"
        "    - {code: r3, registered: 150, votes: {a: 0, b: 50, x: 100}}\n"
        "transfers:\n  concentration: .inf\n  rows:\n"
        "    - {option: a, shares: {a: 100, b: 0, none: 0}}\n"
        "    - {option: b, shares: {a: 0, b: 100, none: 0}}\n"
        "    - {option: x, shares: {a: 40, b: 40, none: 20}}\n"
        "regional_error: {local_lean: 0.5}\n";
    const char *scen = write_to_tmp("lean.yaml", text, sizeof text - 1);
    char *csv = run_writing(scen, "1000", "--regions-csv", "lean.csv");
    double share[3];
    for (int r = 0; r < 3; r++) {
        char code[8];
        snprintf(code, sizeof code, "\nr%d,", r + 1);
        const char *at = strstr(csv, code);
        assert_non_null(at);
        for (int comma = 0; comma < 6; comma++)
            at = strchr(at + 1, ',');
        share[r] = strtod(at + 1, NULL); /* share_quantile_0.5 */
    }
    const double e2 = share[1] / (1 - share[1]), e3 = share[2] / (1 - share[2]);
    const double s2 = (180 * e2 - 100) / (80 * (1 + e2)), s3 = 130 * e3 / (80 * (1 + e3));
    const double c2 = log(100.0 / 100) - log(200.0 / 250), c3 = 0;
    assert_close(log(s2 / (1 - s2)) - log(s3 / (1 - s3)), 0.5 * (c2 - c3), 0.02);
    free(csv);
}

/* With two pollsters the dynamic model estimates their house effects
 * (docs/model.md §1b: only a single pollster has none), restricted to
 * sum_j m_j h_j = 0 on the logit scale: P (3 polls, about 57 %) above, Q
 * (2 polls, about 52.5 %) below, and the effects the JSON reports on the
 * share scale, e_j = expit(mu + h_j) - expit(mu), balance the same way up
 * to second order (relative |h (1 - 2 p)| / 2, below 1 % here): tolerance
 * 5 % of sum_j m_j |e_j|. */
static void test_two_pollsters_have_house_effects(void **state)
{
    (void)state;
    static const char text[] =
        "election: {name: two, date: 2030-05-20, finalists: [{id: a, name: A}, {id: b, name: B}]}\n"
        "polls:\n"
        "  - {pollster: P, start: 2030-05-01, end: 2030-05-03, sample: 1000, shares: {a: 57, b: 43}}\n"
        "  - {pollster: Q, start: 2030-05-04, end: 2030-05-06, sample: 1000, shares: {a: 52, b: 48}}\n"
        "  - {pollster: P, start: 2030-05-08, end: 2030-05-10, sample: 1000, shares: {a: 58, b: 42}}\n"
        "  - {pollster: Q, start: 2030-05-11, end: 2030-05-13, sample: 1000, shares: {a: 53, b: 47}}\n"
        "  - {pollster: P, start: 2030-05-15, end: 2030-05-17, sample: 1000, shares: {a: 57, b: 43}}\n";
    const char *scen = write_to_tmp("two-pollsters.yaml", text, sizeof text - 1);
    char *json = run_writing(scen, "100", "--json", "two-pollsters.json");
    const double e_p = json_number_after(json, "{\"pollster\": \"P\", \"n_polls\": 3", "\"effect\": "),
                 e_q = json_number_after(json, "{\"pollster\": \"Q\", \"n_polls\": 2", "\"effect\": ");
    assert_true(e_p > 0 && e_q < 0);
    assert_close(3 * e_p + 2 * e_q, 0, 0.05 * (3 * e_p - 2 * e_q));
    free(json);
}

/* The dynamic model's estimated poll sd (tau, docs/model.md §1b) is the
 * polls' own scatter beyond sampling: one pollster (no house effect), ten
 * daily polls scattered by about 3.5 points around a level the fixed daily
 * sd of 0.005 keeps nearly constant, so the moment estimate
 * sqrt(var(logit y) - mean 1/(n p (1 - p))) measures the same tau. The
 * posterior mean and the moment estimate differ by the prior and the
 * walk's small drift (0.137 against 0.140 here): a factor 1.5 either way,
 * against the daily sd (0.005) reported in its place. */
static void test_poll_sd_is_the_polls_scatter(void **state)
{
    (void)state;
    static const double share[] = {52, 60, 55, 50, 58, 54, 61, 51, 57, 53};
    const int n_polls = (int)(sizeof share / sizeof share[0]);
    const double sample = 1000;
    char text[2048];
    size_t len = (size_t)snprintf(text, sizeof text,
                                  "election: {name: scatter, date: 2030-05-20, finalists: [{id: a, "
                                  "name: A}, {id: b, name: B}]}\n"
                                  "aggregation: {daily_sd: 0.005}\npolls:\n");
    double mean = 0, var = 0, sampling = 0;
    for (int i = 0; i < n_polls; i++) {
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "  - {pollster: P, start: 2030-05-%02d, end: 2030-05-%02d, sample: "
                                "%g, shares: {a: %g, b: %g}}\n",
                                5 + i, 5 + i, sample, share[i], 100 - share[i]);
        const double p = share[i] / 100;
        mean += log(p / (1 - p)) / n_polls;
        sampling += 1 / (sample * p * (1 - p)) / n_polls;
    }
    assert_true(len < sizeof text);
    for (int i = 0; i < n_polls; i++) {
        const double p = share[i] / 100, d = log(p / (1 - p)) - mean;
        var += d * d / (n_polls - 1);
    }
    const double moment = sqrt(var - sampling);
    const char *scen = write_to_tmp("scatter.yaml", text, len);
    char *json = run_writing(scen, "100", "--json", "scatter.json");
    const double tau = json_number_after(json, "\"polling_average\"", "\"poll_sd\": ");
    if (!(tau > moment / 1.5 && tau < moment * 1.5))
        fail_msg("poll sd %g, the polls' scatter beyond sampling %g", tau, moment);
    free(json);
}

static void test_draws_csv_has_a_row_per_draw(void **state)
{
    (void)state;
    char opt[512];
    snprintf(opt, sizeof opt, "--draws-csv=%s", path_in_tmp("draws.csv"));
    run_result r = RUN("run", NATIONAL, "-q", "--draws", "1234", opt);
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *csv = slurp(path_in_tmp("draws.csv"), NULL);
    assert_non_null(csv);
    int lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 1234);
    assert_true(strncmp(csv, "draw,share_a,", 13) == 0);
    free(csv);
}

/* ---- --trend-csv ---- */

#define TREND_HEADER                                                                    \
    "kind,date,pollster,estimate,sd,q05,q25,q50,q75,q95,raw,adjusted,runoff_version,"    \
    "scenario_hash,seed,draws\n"
#define TREND_FIELDS 16

/* Splits one line (no quoting in these fixtures) at commas into f, in
 * place; returns the number of fields and advances *p past the newline. */
static int split_line(char **p, char *f[TREND_FIELDS + 1])
{
    char *line = *p, *nl = strchr(line, '\n');
    assert_non_null(nl);
    *nl = '\0';
    *p = nl + 1;
    int n = 0;
    f[n++] = line;
    for (char *q = line; *q != '\0'; q++)
        if (*q == ',') {
            *q = '\0';
            if (n <= TREND_FIELDS)
                f[n] = q + 1;
            n++;
        }
    return n;
}

static double field_num(const char *text)
{
    char *end;
    double v = strtod(text, &end);
    assert_true(*text != '\0' && *end == '\0');
    return v;
}

/* The fixture's dynamic fit: a row per day from the first fieldwork day
 * (2030-05-01) to the election (2030-05-12), a row per used poll (Gamma's
 * first rolling release is superseded), ordered bands, q50 = estimate,
 * and an sd that grows every day after the last poll's fieldwork. The
 * posterior of a day is normal on the logit scale, N(mu, s^2), with
 * estimate = expit(mu) and sd = s m (1 - m) (docs/model.md §1b), so its
 * quantiles are expit(mu + z_q s), s = sd / (m (1 - m)), m = estimate:
 * worked from the row's own estimate and sd, exact up to rounding (1e-9
 * points; the CSV prints every digit). */
static void test_trend_csv(void **state)
{
    (void)state;
    char opt[512];
    snprintf(opt, sizeof opt, "--trend-csv=%s", path_in_tmp("trend.csv"));
    run_result r = RUN("run", NATIONAL, "-q", "--draws", "2000", opt);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    run_free(&r);
    char *csv = slurp(path_in_tmp("trend.csv"), NULL);
    assert_non_null(csv);
    assert_true(strncmp(csv, TREND_HEADER, strlen(TREND_HEADER)) == 0);
    char *p = csv + strlen(TREND_HEADER), *f[TREND_FIELDS + 1];
    const char *days[] = {"2030-05-01", "2030-05-02", "2030-05-03", "2030-05-04",
                          "2030-05-05", "2030-05-06", "2030-05-07", "2030-05-08",
                          "2030-05-09", "2030-05-10", "2030-05-11", "2030-05-12"};
    const size_t n_days = sizeof days / sizeof days[0], last_poll_end = 9; /* 2030-05-10 */
    double prev_sd = 0;
    for (size_t d = 0; d < n_days; d++) {
        assert_int_equal(split_line(&p, f), TREND_FIELDS);
        assert_string_equal(f[0], "trend");
        assert_string_equal(f[1], days[d]);
        assert_string_equal(f[2], "");
        assert_string_equal(f[10], "");
        assert_string_equal(f[11], "");
        double est = field_num(f[3]), sd = field_num(f[4]);
        double q[5];
        for (int k = 0; k < 5; k++)
            q[k] = field_num(f[5 + k]);
        assert_true(est > 45 && est < 60);
        assert_true(sd > 0 && sd < 5);
        for (int k = 0; k < 4; k++)
            assert_true(q[k] < q[k + 1]);
        assert_string_equal(f[7], f[3]); /* q50 = estimate, to print precision */
        const double m = est / 100, mu = log(m / (1 - m)), s = sd / 100 / (m * (1 - m));
        const double z[5] = {-1.6448536269514722, -0.6744897501960817, 0, 0.6744897501960817,
                             1.6448536269514722};
        for (int k = 0; k < 5; k++)
            assert_true(fabs(q[k] - 100 / (1 + exp(-(mu + z[k] * s)))) < 1e-9);
        if (d > last_poll_end)
            assert_true(sd >= prev_sd);
        prev_sd = sd;
    }
    const struct {
        const char *date, *pollster;
        double raw;
    } polls[] = {{"2030-05-02", "Alpha", 53}, {"2030-05-05", "Beta", 51.5},
                 {"2030-05-09", "Gamma", 54}};
    for (size_t k = 0; k < sizeof polls / sizeof polls[0]; k++) {
        assert_int_equal(split_line(&p, f), TREND_FIELDS);
        assert_string_equal(f[0], "poll");
        assert_string_equal(f[1], polls[k].date);
        assert_string_equal(f[2], polls[k].pollster);
        for (int c = 3; c <= 9; c++)
            assert_string_equal(f[c], "");
        assert_true(fabs(field_num(f[10]) - polls[k].raw) < 1e-9);
        double adj = field_num(f[11]);
        assert_true(adj > 45 && adj < 60);
    }
    assert_string_equal(p, "");
    free(csv);
}

/* The exponential average has no trend: exit 2 before simulating, a
 * message naming the setting, and no file (nor temporary) left. */
static void test_trend_csv_refuses_exponential(void **state)
{
    (void)state;
    char opt[512];
    snprintf(opt, sizeof opt, "--trend-csv=%s", path_in_tmp("no-trend.csv"));
    run_result r = RUN("run", NATIONAL, "-q", "--set", "aggregation.method=exponential", opt);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--trend-csv needs aggregation.method: dynamic");
    assert_string_equal(r.out, "");
    assert_false(exists(path_in_tmp("no-trend.csv")));
    assert_int_equal(count_tmp_leftovers(), 0);
    run_free(&r);
}

static void test_set_overrides_and_errors(void **state)
{
    (void)state;
    run_result a = RUN("run", NATIONAL, "-q", "--json", "--seed", "5");
    run_result b = RUN("run", NATIONAL, "-q", "--json", "--seed", "5", "--set",
                       "polling_error.scale=8");
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    /* A much larger systematic error must change the forecast. */
    assert_true(strcmp(a.out, b.out) != 0);
    run_free(&a);
    run_free(&b);
    run_result r = RUN("run", NATIONAL, "--set", "polling_error.scale=abc");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--set:1:");
    run_free(&r);
    r = RUN("check", NATIONAL, "--set", "no_such_section.x=1");
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "no_such_section");
    run_free(&r);
}

static void test_scenario_from_stdin(void **state)
{
    (void)state;
    run_result a = run_ex(NATIONAL, NULL, 0, (const char *const[]){"run", "-", "-q", NULL});
    run_result b = RUN("run", NATIONAL, "-q");
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    run_free(&a);
    run_free(&b);
}

static void test_check_good_and_bad(void **state)
{
    (void)state;
    run_result r = RUN("check", NATIONAL);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Synthetic run-off");
    assert_contains(r.out, "Gamma");
    run_free(&r);
    FILE *f = fopen(path_in_tmp("bad.yaml"), "w");
    fputs("election:\n  name: x\n  date: 2030-02-30\n", f);
    fclose(f);
    r = RUN("check", path_in_tmp("bad.yaml"));
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "bad.yaml:3:");
    run_free(&r);
}

/* check validates a sweep: section's specs too, not only `runoff sweep`. */
static void test_check_validates_sweep_section(void **state)
{
    (void)state;
    run_result r = RUN("check", "tests/data/cli/sweep.yaml");
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "Sweep: 6 points over 2 axes");
    run_free(&r);
    FILE *f = fopen(path_in_tmp("badsweep.yaml"), "w");
    char *base = slurp(NATIONAL, NULL);
    fprintf(f, "%ssweep:\n  vary:\n    polling_error.scale: 1:10:0\n", base);
    fclose(f);
    free(base);
    r = RUN("check", path_in_tmp("badsweep.yaml"));
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "badsweep.yaml:34:");
    assert_contains(r.err, "step '0' must be positive");
    run_free(&r);
}

static void test_full_disk_fails_cleanly(void **state)
{
    (void)state;
    run_result r = RUN("run", NATIONAL, "-q", "--csv", "/dev/full");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "/dev/full");
    run_free(&r);
    r = run_ex(NULL, "/dev/full", 0, (const char *const[]){"run", NATIONAL, "-q", NULL});
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "error writing standard output");
    run_free(&r);
}

static void test_unwritable_directory_fails_before_running(void **state)
{
    (void)state;
    run_result r = RUN("run", NATIONAL, "-q", "--csv", "/nonexistent-dir/out.csv");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "/nonexistent-dir/out.csv: cannot create");
    run_free(&r);
}

static bool same_bytes(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    bool same = x != NULL && y != NULL && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

/* Every output option aimed at the scenario (directly, through a symbolic
 * link, or as standard input's file) is refused before simulating, naming
 * both, and the scenario is left as it was. */
static void test_output_that_is_the_scenario_is_refused(void **state)
{
    (void)state;
    const char *options[] = {"--csv", "--histogram-csv", "--regions-csv",
                             "--draws-csv", "--trend-csv", "--json"};
    const char *scen = copy_to_tmp(NATIONAL, "scen.yaml");
    assert_int_equal(symlink("scen.yaml", path_in_tmp("scen-link.yaml")), 0);
    const char *targets[] = {scen, path_in_tmp("scen-link.yaml")};
    for (size_t t = 0; t < 2; t++)
        for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
            char opt[600];
            snprintf(opt, sizeof opt, "%s=%s", options[i], targets[t]);
            run_result r = RUN("run", scen, "-q", "--draws", "100000000", opt);
            assert_int_equal(r.status, 2);
            assert_contains(r.err, "is the same file as scenario");
            assert_contains(r.err, targets[t]);
            run_free(&r);
            assert_true(same_bytes(scen, NATIONAL));
        }
    char opt[600];
    snprintf(opt, sizeof opt, "--csv=%s", scen);
    run_result r = run_ex(scen, NULL, 0, (const char *const[]){"run", "-", "-q", opt, NULL});
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "is the same file as scenario -");
    run_free(&r);
    assert_true(same_bytes(scen, NATIONAL));
    /* the report on standard output, appended to the scenario */
    int fd = open(scen, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(devnull, 2);
        execl(bin(), bin(), "run", scen, "-q", (char *)NULL);
        _exit(127);
    }
    close(fd);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_true(same_bytes(scen, NATIONAL));
    assert_int_equal(count_tmp_leftovers(), 0);
}

/* Two outputs aimed at one file, under any of its names, or two writers
 * on standard output: refused before simulating, naming both; nothing
 * written. */
static void test_outputs_that_are_the_same_file_are_refused(void **state)
{
    (void)state;
    char csv[600], json[600], hist[600], csv_link[600];
    snprintf(csv, sizeof csv, "--csv=%s", path_in_tmp("same.csv"));
    snprintf(json, sizeof json, "--json=%s", path_in_tmp("same.csv"));
    snprintf(hist, sizeof hist, "--histogram-csv=%s/./same.csv", tmpdir);
    snprintf(csv_link, sizeof csv_link, "--csv=%s", path_in_tmp("same-link.csv"));
    assert_int_equal(symlink("same.csv", path_in_tmp("same-link.csv")), 0);
    const char *const cases[][3] = {
        {csv, json, "--csv"},
        {csv, hist, "--histogram-csv"},
        {csv_link, json, "--json"},
        {"--csv=-", "--json", "standard output"},
        {"--csv=-", "--draws-csv=-", "standard output"},
        {"--csv=/dev/stdout", "--draws=100000000", "standard output (the report)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        run_result r = RUN("run", NATIONAL, "-q", "--draws", "100000000", cases[i][0],
                           cases[i][1]);
        assert_int_equal(r.status, 2);
        assert_contains(r.err, cases[i][2]);
        assert_string_equal(r.out, "");
        run_free(&r);
        assert_false(exists(path_in_tmp("same.csv")));
    }
    /* the null device may be shared */
    run_result r = run_ex(NULL, "/dev/null", 0,
                          (const char *const[]){"run", NATIONAL, "-q", "--draws", "1000",
                                                "--csv=/dev/null", "--json=/dev/null", NULL});
    assert_int_equal(r.status, 0);
    run_free(&r);
    assert_int_equal(count_tmp_leftovers(), 0);
}

/* An empty name or a directory fails before simulating (a billion draws
 * would take minutes), with status 2. */
static void test_bad_output_names_fail_before_simulating(void **state)
{
    (void)state;
    char dir_opt[600];
    snprintf(dir_opt, sizeof dir_opt, "--csv=%s", tmpdir);
    const char *const cases[][2] = {
        {"--csv=", "--csv: empty file name"},
        {"--json=", "--json: empty file name"},
        {"--draws-csv=", "--draws-csv: empty file name"},
        {dir_opt, "is a directory"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        run_result r = RUN("run", NATIONAL, "-q", "--draws", "1000000000", cases[i][0]);
        assert_int_equal(r.status, 2);
        assert_contains(r.err, cases[i][1]);
        run_free(&r);
    }
    char bt_opt[600];
    snprintf(bt_opt, sizeof bt_opt, "--csv=%s", tmpdir);
    run_result r = RUN("backtest", "tests/data/cli/backtest-one.yaml", "-q", "--draws",
                       "1000000000", bt_opt);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "is a directory");
    run_free(&r);
    assert_int_equal(count_tmp_leftovers(), 0);
}

/* A symbolic link to a regular file (or to a name not yet created): the
 * target is replaced, the link stays a link. A link to a device is
 * written through, never replaced. */
static void test_links_and_devices_as_outputs(void **state)
{
    (void)state;
    FILE *f = fopen(path_in_tmp("real.csv"), "w");
    fputs("old\n", f);
    fclose(f);
    assert_int_equal(symlink("real.csv", path_in_tmp("to-real.csv")), 0);
    assert_int_equal(symlink("later.csv", path_in_tmp("to-later.csv")), 0);
    assert_int_equal(symlink("/dev/null", path_in_tmp("to-null.csv")), 0);
    char a[600], b[600], c[600];
    snprintf(a, sizeof a, "--csv=%s", path_in_tmp("to-real.csv"));
    snprintf(b, sizeof b, "--json=%s", path_in_tmp("to-later.csv"));
    snprintf(c, sizeof c, "--histogram-csv=%s", path_in_tmp("to-null.csv"));
    run_result r = RUN("run", NATIONAL, "-q", "--draws", "1000", a, b, c);
    assert_int_equal(r.status, 0);
    run_free(&r);
    struct stat st;
    const char *links[] = {"to-real.csv", "to-later.csv", "to-null.csv"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(lstat(path_in_tmp(links[i]), &st), 0);
        assert_true(S_ISLNK(st.st_mode));
    }
    char *csv = slurp(path_in_tmp("real.csv"), NULL), *json = slurp(path_in_tmp("later.csv"), NULL);
    assert_non_null(json);
    assert_true(strncmp(csv, "statistic,", 10) == 0);
    assert_true(json[0] == '{');
    free(csv);
    free(json);
    assert_int_equal(stat(path_in_tmp("to-null.csv"), &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(count_tmp_leftovers(), 0);
}

/* A FIFO is written to, not replaced: a reader gets the CSV. */
static void test_fifo_output_is_written_through(void **state)
{
    (void)state;
    const char *fifo = path_in_tmp("fifo.csv");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char got[600];
    snprintf(got, sizeof got, "%s", path_in_tmp("from-fifo.csv"));
    pid_t reader = fifo_reader(fifo, got);
    char opt[600];
    snprintf(opt, sizeof opt, "--csv=%s", fifo);
    run_result r = RUN("run", NATIONAL, "-q", "--draws", "1000", opt);
    int st;
    waitpid(reader, &st, 0);
    assert_int_equal(r.status, 0);
    run_free(&r);
    struct stat sb;
    assert_int_equal(lstat(fifo, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    char *csv = slurp(got, NULL);
    assert_true(csv != NULL && strncmp(csv, "statistic,", 10) == 0);
    free(csv);
}

/* Files get the permissions the umask allows, like any program's output
 * (not mkstemp's 0600). */
static void test_output_modes_follow_the_umask(void **state)
{
    (void)state;
    mode_t old = umask(027);
    char opt[600];
    snprintf(opt, sizeof opt, "--csv=%s", path_in_tmp("mode.csv"));
    run_result r = RUN("run", NATIONAL, "-q", "--draws", "1000", opt);
    umask(old);
    assert_int_equal(r.status, 0);
    run_free(&r);
    struct stat st;
    assert_int_equal(stat(path_in_tmp("mode.csv"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
}

/* A full disk under --draws-csv names the file and the system's reason. */
static void test_draws_csv_on_a_full_disk(void **state)
{
    (void)state;
    run_result r = RUN("run", NATIONAL, "-q", "--draws", "100000", "--draws-csv", "/dev/full");
    assert_int_equal(r.status, 1);
    assert_contains(r.err, "/dev/full: write failed: No space left on device");
    run_free(&r);
}

/* Leading white space in a number is not a number (strtoull skips it). */
static void test_numbers_with_leading_space_are_refused(void **state)
{
    (void)state;
    const char *values[] = {"\t5", "\n5", " 5", "\v5"};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        run_result r = RUN("run", NATIONAL, "-q", "--draws", values[i]);
        assert_int_equal(r.status, 2);
        assert_contains(r.err, "--draws expects a whole number");
        run_free(&r);
    }
}

/* A closed stdout (reader gone) must give a message and status 1, not a
 * silent SIGPIPE death. */
static void test_closed_stdout(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    char err_path[512];
    snprintf(err_path, sizeof err_path, "%s/stderr", tmpdir);
    pid_t pid = fork();
    if (pid == 0) {
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fds[1], 1);
        dup2(e, 2);
        execl(bin(), bin(), "run", NATIONAL, "-q", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    char *err = slurp(err_path, NULL);
    assert_contains(err, "error writing standard output");
    free(err);
}

/* A terminating signal mid-run: status 128+n, a message, and no output
 * file (not even a temporary one, the draws file included). */
static void interrupt_leaves_no_file(int sig)
{
    char opt[512], draws[512];
    snprintf(opt, sizeof opt, "--csv=%s", path_in_tmp("never.csv"));
    snprintf(draws, sizeof draws, "--draws-csv=%s", path_in_tmp("never-draws.csv"));
    cli_signal = sig;
    run_result r = run_ex(NULL, NULL, 600,
                          (const char *const[]){"run", REGIONAL, "-q", "--draws",
                                                "1000000000", opt, draws, NULL});
    cli_signal = SIGINT;
    assert_int_equal(r.status, 128 + sig);
    assert_contains(r.err, "interrupted");
    assert_false(exists(path_in_tmp("never.csv")));
    assert_false(exists(path_in_tmp("never-draws.csv")));
    assert_int_equal(count_tmp_leftovers(), 0);
    run_free(&r);
}

static void test_interrupt_leaves_no_file(void **state)
{
    (void)state;
    interrupt_leaves_no_file(SIGINT);
}

static void test_terminate_leaves_no_file(void **state)
{
    (void)state;
    interrupt_leaves_no_file(SIGTERM);
}

static void test_hangup_leaves_no_file(void **state)
{
    (void)state;
    interrupt_leaves_no_file(SIGHUP);
}

static void test_quit_leaves_no_file(void **state)
{
    (void)state;
    interrupt_leaves_no_file(SIGQUIT);
}

/* A signal while the scenario is still being read (here: standard input
 * that never ends) ends the program at once with 128+n; it must not wait
 * for the input. A child still alive after 5 s is killed and the test
 * fails. */
static void test_signal_while_loading_ends_the_program(void **state)
{
    (void)state;
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t k = 0; k < sizeof sigs / sizeof *sigs; k++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(fds[0], 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            close(fds[1]);
            execl(bin(), bin(), "check", "-", (char *)NULL);
            _exit(127);
        }
        close(fds[0]);
        assert_int_equal(write(fds[1], "election:\n", 10), 10);
        const struct timespec settle = {0, 300000000L}, tick = {0, 10000000L};
        nanosleep(&settle, NULL);
        kill(pid, sigs[k]);
        int st = 0, waited = 0;
        while (waitpid(pid, &st, WNOHANG) == 0 && waited++ < 500)
            nanosleep(&tick, NULL);
        if (waited > 500) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
        }
        close(fds[1]);
        int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        assert_int_equal(status, 128 + sigs[k]);
    }
}

/* The progress line goes to stderr only: absent when stderr is not a
 * terminal (as here) unless --progress forces it, never mixed into the
 * report on stdout, counted in draws for run and points for sweep, and
 * erased at the end. */
static void test_progress_line(void **state)
{
    (void)state;
    run_result quiet = RUN("run", REGIONAL, "--draws", "20000");
    assert_int_equal(quiet.status, 0);
    assert_string_equal(quiet.err, "");
    run_result r = RUN("run", REGIONAL, "--draws", "20000", "--progress");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, quiet.out);
    assert_contains(r.err, "simulating [");
    assert_contains(r.err, "20000/20000 draws");
    assert_true(strlen(r.err) >= 4 && strcmp(r.err + strlen(r.err) - 4, "\r\033[K") == 0);
    run_free(&r);
    run_free(&quiet);
    r = RUN("sweep", REGIONAL, "--draws", "2000", "--vary", "polling_error.scale=1:3:1",
            "--progress", "--out", path_in_tmp("progress.csv"));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    assert_contains(r.err, "sweeping [");
    assert_contains(r.err, "3/3 points");
    run_free(&r);
}

/* A scenario whose file name holds an escape sequence: the report and
 * check print the name with the byte escaped, never the raw ESC that would
 * act on a terminal. */
static void test_file_name_is_printed_inert(void **state)
{
    (void)state;
    const char *path = copy_to_tmp("tests/data/keys/base.yaml", "a\033[2Jb.yaml");
    const char *cmds[][2] = {{"check", NULL}, {"run", "-q"}};
    for (size_t k = 0; k < 2; k++) {
        run_result r = cmds[k][1] ? RUN(cmds[k][0], path, cmds[k][1], "--draws", "200")
                                  : RUN(cmds[k][0], path);
        assert_int_equal(r.status, 0);
        assert_null(strchr(r.out, '\033'));
        assert_contains(r.out, "a\\x1B[2Jb.yaml");
        run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_bad_usage_exits_2),
        cmocka_unit_test(test_run_national_prints_forecast),
        cmocka_unit_test(test_run_brief_prints_headline_only),
        cmocka_unit_test(test_threads_give_identical_bytes),
        cmocka_unit_test(test_regions_csv_has_a_row_per_region),
        cmocka_unit_test(test_regions_csv_quotes_a_comma),
        cmocka_unit_test(test_headline_agrees_with_the_tables),
        cmocka_unit_test(test_majority_of_an_even_count_is_strict),
        cmocka_unit_test(test_exponential_average_is_the_documented_one),
        cmocka_unit_test(test_histogram_csv_density_integrates_to_one),
        cmocka_unit_test(test_backtest_intervals_agree_with_the_report),
        cmocka_unit_test(test_check_shows_resolved_rows),
        cmocka_unit_test(test_lean_context_is_relative_to_the_nation),
        cmocka_unit_test(test_two_pollsters_have_house_effects),
        cmocka_unit_test(test_poll_sd_is_the_polls_scatter),
        cmocka_unit_test(test_draws_csv_has_a_row_per_draw),
        cmocka_unit_test(test_trend_csv),
        cmocka_unit_test(test_trend_csv_refuses_exponential),
        cmocka_unit_test(test_set_overrides_and_errors),
        cmocka_unit_test(test_scenario_from_stdin),
        cmocka_unit_test(test_check_good_and_bad),
        cmocka_unit_test(test_check_validates_sweep_section),
        cmocka_unit_test(test_full_disk_fails_cleanly),
        cmocka_unit_test(test_unwritable_directory_fails_before_running),
        cmocka_unit_test(test_closed_stdout),
        cmocka_unit_test(test_output_that_is_the_scenario_is_refused),
        cmocka_unit_test(test_outputs_that_are_the_same_file_are_refused),
        cmocka_unit_test(test_bad_output_names_fail_before_simulating),
        cmocka_unit_test(test_links_and_devices_as_outputs),
        cmocka_unit_test(test_fifo_output_is_written_through),
        cmocka_unit_test(test_output_modes_follow_the_umask),
        cmocka_unit_test(test_draws_csv_on_a_full_disk),
        cmocka_unit_test(test_numbers_with_leading_space_are_refused),
        cmocka_unit_test(test_interrupt_leaves_no_file),
        cmocka_unit_test(test_terminate_leaves_no_file),
        cmocka_unit_test(test_hangup_leaves_no_file),
        cmocka_unit_test(test_quit_leaves_no_file),
        cmocka_unit_test(test_signal_while_loading_ends_the_program),
        cmocka_unit_test(test_progress_line),
        cmocka_unit_test(test_file_name_is_printed_inert),
    };
    return cmocka_run_group_tests_name("cli", tests, cli_setup, cli_teardown);
}
