/*
 * test_cli_sweep.c — end-to-end tests of `runoff sweep`: grid order,
 * equality with `runoff run`, thread-count invariance, common random
 * numbers, interruption and --resume, and bad specs.
 */
#include "cli_harness.h"

#define NATIONAL "tests/data/cli/national.yaml"
#define REGIONAL "tests/data/cli/regional.yaml"
#define SWEEP "tests/data/cli/sweep.yaml"
/* The "# ..." lines at the top of a partial file for a sweep with one
 * --vary and no --set: title, version, scenario, seed, draws, vary, zip. */
#define SETTINGS_LINES 7

/* The lines of a file, split in place; returns the count. */
static int split_lines(char *text, char **lines, int max)
{
    int n = 0;
    for (char *p = text; *p && n < max; n++) {
        lines[n] = p;
        char *nl = strchr(p, '\n');
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return n;
}

/* Field k (0-based) of a CSV line without quoted commas, copied to buf. */
static const char *field(const char *line, int k, char *buf, size_t size)
{
    for (int i = 0; i < k && line; i++) {
        line = strchr(line, ',');
        if (line)
            line++;
    }
    assert_non_null(line);
    size_t n = strcspn(line, ",");
    snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), line);
    return buf;
}

/* Column index of name in a header line. */
static int column(const char *header, const char *name)
{
    char buf[128];
    for (int k = 0; k < 64; k++)
        if (strcmp(field(header, k, buf, sizeof buf), name) == 0)
            return k;
    fail_msg("no column %s", name);
    return -1;
}

static run_result sweep(const char *out_name, const char *const *extra)
{
    const char *args[40] = {"sweep"};
    int n = 1;
    for (; extra[n - 1] != NULL; n++)
        args[n] = extra[n - 1];
    args[n++] = "-q";
    args[n++] = "--out";
    args[n++] = path_in_tmp(out_name);
    args[n] = NULL;
    return run_ex(NULL, NULL, 0, args);
}

static void test_grid_order_and_files(void **state)
{
    (void)state;
    run_result r = sweep("grid.csv", (const char *const[]){NATIONAL, "--draws", "2000", "--vary",
                                                           "polling_error.scale=0:2:1", "--vary",
                                                           "turnout.mean=60,70", NULL});
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *csv = slurp(path_in_tmp("grid.csv"), NULL), *lines[16] = {0};
    assert_non_null(csv);
    int n = split_lines(csv, lines, 16);
    assert_int_equal(n, 1 + 3 * 2);
    assert_true(strncmp(lines[0], "polling_error.scale,turnout.mean,subject,draws,seed,", 51) ==
                0);
    /* first axis slowest */
    const char *keys[6] = {"0,60,", "0,70,", "1,60,", "1,70,", "2,60,", "2,70,"};
    for (int i = 0; i < 6; i++)
        assert_true(strncmp(lines[1 + i], keys[i], strlen(keys[i])) == 0);
    free(csv);
    char partial[600];
    snprintf(partial, sizeof partial, "%s.partial", path_in_tmp("grid.csv"));
    assert_false(exists(partial));
}

/* A sweep row is the same computation as `runoff run` with the same --set
 * values and seed: compare the printed numbers as text. */
static void test_row_equals_run(void **state)
{
    (void)state;
    run_result r = sweep("eq.csv", (const char *const[]){REGIONAL, "--draws", "3000", "--vary",
                                                         "regional_error.sd=0.02,0.2", NULL});
    assert_int_equal(r.status, 0);
    run_free(&r);
    char csv_opt[600];
    snprintf(csv_opt, sizeof csv_opt, "--csv=%s", path_in_tmp("run.csv"));
    r = RUN("run", REGIONAL, "-q", "--draws", "3000", "--set", "regional_error.sd=0.2", csv_opt);
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *sw = slurp(path_in_tmp("eq.csv"), NULL), *st = slurp(path_in_tmp("run.csv"), NULL);
    char *lines[8] = {0}, buf[64], want[128];
    assert_int_equal(split_lines(sw, lines, 8), 3);
    const struct {
        const char *col, *stat;
    } pairs[] = {{"win_probability", "win_probability,north,"},
                 {"share_quantile_0.5", "share_quantile_0.5,north,"},
                 {"share_quantile_0.05", "share_quantile_0.05,north,"},
                 {"turnout_quantile_0.5", "turnout_quantile_0.5,national,"},
                 {"regions_carried_quantile_0.5", "regions_carried_quantile_0.5,north,"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        field(lines[2], column(lines[0], pairs[i].col), buf, sizeof buf);
        snprintf(want, sizeof want, "\n%s%s,", pairs[i].stat, buf);
        assert_contains(st, want);
    }
    free(sw);
    free(st);
}

static void test_sweep_bytes_do_not_depend_on_threads(void **state)
{
    (void)state;
    const char *names[2] = {"th1.csv", "th2.csv"}, *threads[2] = {"1", "2"};
    for (int k = 0; k < 2; k++) {
        run_result r = sweep(names[k], (const char *const[]){REGIONAL, "--draws", "5000",
                                                             "--threads", threads[k], "--vary",
                                                             "transfers.adjust.west.north=20:60:20",
                                                             NULL});
        assert_int_equal(r.status, 0);
        run_free(&r);
    }
    size_t n1 = 0, n2 = 0;
    char *a = slurp(path_in_tmp(names[0]), &n1), *b = slurp(path_in_tmp(names[1]), &n2);
    assert_true(n1 > 0 && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
}

/* Common random numbers: every point reuses the draws' streams, so with
 * the dynamic model's sds given (not re-estimated at each point, which
 * would move every weight) and no house effects each draw's latent share
 * moves up with
 * the poll's share (y = mean + sd Z + e, sd varying by < 1 % across the
 * grid) and P(A wins) can only rise: it must be non-decreasing point to
 * point with no Monte Carlo tolerance at all. With independent seeds the
 * same curve would wobble by about 2 standard errors between points. */
static void test_common_random_numbers_make_monotone_curves(void **state)
{
    (void)state;
    run_result r = sweep("crn.csv", (const char *const[]){NATIONAL, "--draws", "4000", "--set",
                                               "aggregation.house_effects.mode=none", "--set",
                                               "aggregation.daily_sd=0.02", "--set",
                                               "aggregation.poll_sd=0.01", "--vary",
                                               "polls.0.shares.north=46:54:0.5", NULL});
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *csv = slurp(path_in_tmp("crn.csv"), NULL), *lines[32] = {0}, buf[64];
    int n = split_lines(csv, lines, 32);
    assert_int_equal(n, 1 + 17);
    int cp = column(lines[0], "win_probability"), cm = column(lines[0], "share_quantile_0.5");
    double prev_p = -1, prev_m = -1;
    for (int i = 1; i < n; i++) {
        double p = strtod(field(lines[i], cp, buf, sizeof buf), NULL);
        double m = strtod(field(lines[i], cm, buf, sizeof buf), NULL);
        assert_true(p >= prev_p);
        assert_true(m > prev_m);
        prev_p = p;
        prev_m = m;
    }
    free(csv);
}

/* The scenario's sweep: section gives the grid (2 x 3 points here). */
static void test_sweep_section(void **state)
{
    (void)state;
    run_result r = sweep("section.csv", (const char *const[]){SWEEP, NULL});
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *csv = slurp(path_in_tmp("section.csv"), NULL), *lines[16] = {0};
    assert_int_equal(split_lines(csv, lines, 16), 1 + 6);
    assert_true(strncmp(lines[0], "polling_error.scale,polls.0.sample,", 35) == 0);
    assert_true(strncmp(lines[6], "3,2000,", 7) == 0);
    free(csv);
}

/* SIGINT mid-sweep: status 1, no file under the final name, finished rows
 * kept in FILE.partial (plus a torn line we add, as a crash mid-write
 * would leave); --resume completes it to the same bytes as an
 * uninterrupted sweep. */
static void test_interrupt_and_resume(void **state)
{
    (void)state;
    const char *vary = "polling_error.scale=0:5:0.25";
    run_result r = sweep("full.csv", (const char *const[]){REGIONAL, "--draws", "20000",
                                                           "--threads", "2", "--vary", vary, NULL});
    assert_int_equal(r.status, 0);
    run_free(&r);

    const char *args[] = {"sweep", REGIONAL, "-q", "--draws", "20000", "--threads", "2",
                          "--vary", vary, "--out", path_in_tmp("cut.csv"), NULL};
    char partial[600];
    snprintf(partial, sizeof partial, "%s.partial", path_in_tmp("cut.csv"));
    cli_kill_file = partial; /* interrupt once the settings, header and two rows are there */
    cli_kill_lines = SETTINGS_LINES + 3;
    r = run_ex(NULL, NULL, 0, args);
    cli_kill_file = NULL;
    assert_int_equal(r.status, 128 + SIGINT);
    assert_contains(r.err, "interrupted after");
    assert_contains(r.err, "--resume");
    run_free(&r);
    assert_false(exists(path_in_tmp("cut.csv")));
    assert_true(exists(partial));
    FILE *f = fopen(partial, "a");
    fputs("1.75,north,20000,7,0.9", f); /* torn row, no newline */
    fclose(f);

    const char *resume[] = {"sweep", REGIONAL, "-q", "--draws", "20000", "--threads", "1",
                            "--vary", vary, "--out", path_in_tmp("cut.csv"), "--resume", NULL};
    r = run_ex(NULL, NULL, 0, resume);
    assert_int_equal(r.status, 0);
    run_free(&r);
    size_t n1 = 0, n2 = 0;
    char *a = slurp(path_in_tmp("full.csv"), &n1), *b = slurp(path_in_tmp("cut.csv"), &n2);
    assert_true(n1 > 0 && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    assert_false(exists(partial));
}

static void test_resume_refuses_another_sweep(void **state)
{
    (void)state;
    FILE *f = fopen(path_in_tmp("other.csv.partial"), "w");
    fputs("some.key,subject\n", f);
    fclose(f);
    run_result r = sweep("other.csv", (const char *const[]){NATIONAL, "--resume", "--vary",
                                                            "polling_error.scale=1,2", NULL});
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "has no sweep settings");
    run_free(&r);
    r = sweep("nothing.csv", (const char *const[]){NATIONAL, "--resume", "--vary",
                                                   "polling_error.scale=1,2", NULL});
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "cannot resume");
    run_free(&r);
}

/* FILE.partial of an interrupted sweep of scen: settings, header and one
 * row. Returns its contents (to check later refusals leave it alone). */
static char *interrupted_partial(const char *scen, const char *out)
{
    const char *args[] = {"sweep", scen, "-q", "--draws", "20000", "--threads", "1",
                          "--vary", "polling_error.scale=0:5:0.25", "--out", out, NULL};
    char partial[600];
    snprintf(partial, sizeof partial, "%s.partial", out);
    cli_kill_file = partial;
    cli_kill_lines = SETTINGS_LINES + 2;
    run_result r = run_ex(NULL, NULL, 0, args);
    cli_kill_file = NULL;
    assert_int_equal(r.status, 128 + SIGINT);
    run_free(&r);
    char *text = slurp(partial, NULL);
    assert_non_null(text);
    return text;
}

/* --resume with any setting that determines the rows changed is refused,
 * naming it, and the partial file is left as it was; with the same
 * settings it completes. */
static void test_resume_checks_every_setting(void **state)
{
    (void)state;
    const char *scen = copy_to_tmp(REGIONAL, "resume.yaml");
    const char *out = path_in_tmp("resume.csv");
    char partial[600];
    snprintf(partial, sizeof partial, "%s.partial", out);
    char *before = interrupted_partial(scen, out);
    const struct {
        const char *extra[4], *message;
    } cases[] = {
        {{"--seed", "7"}, "this sweep has --seed 7"},
        {{"--draws", "20001"}, "written with --draws 20000, this sweep has --draws 20001"},
        {{"--set", "turnout.mean=60"}, "this sweep has --set turnout.mean=60"},
        {{"--vary", "turnout.mean=60,70"}, "this sweep has --vary turnout.mean=60,70"},
        {{"--zip", "--vary", "turnout.mean=30:70:2"}, "--vary turnout.mean=30:70:2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *args[20] = {"sweep", scen, "-q", "--threads", "1", "--vary",
                                "polling_error.scale=0:5:0.25", "--out", out, "--resume"};
        int n = 10;
        if (strcmp(cases[i].extra[0], "--draws") != 0) {
            args[n++] = "--draws";
            args[n++] = "20000";
        }
        for (int k = 0; k < 4 && cases[i].extra[k] != NULL; k++)
            args[n++] = cases[i].extra[k];
        run_result r = run_ex(NULL, NULL, 0, args);
        assert_int_equal(r.status, 2);
        assert_contains(r.err, "cannot resume");
        assert_contains(r.err, cases[i].message);
        run_free(&r);
        char *now = slurp(partial, NULL);
        assert_string_equal(now, before);
        free(now);
    }
    /* the scenario itself changed: one value, in the file */
    char *text = slurp(REGIONAL, NULL), *at = strstr(text, "concentration: 50");
    assert_non_null(at);
    at[strlen("concentration: 5")] = '1';
    FILE *f = fopen(scen, "w");
    fputs(text, f);
    fclose(f);
    const char *again[] = {"sweep", scen, "-q", "--draws", "20000", "--threads", "1", "--vary",
                           "polling_error.scale=0:5:0.25", "--out", out, "--resume", NULL};
    run_result r = run_ex(NULL, NULL, 0, again);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "the scenario file has changed");
    run_free(&r);
    /* a comment is not a change: restored, with one, it completes */
    at[strlen("concentration: 5")] = '0';
    f = fopen(scen, "w");
    fputs(text, f);
    fputs("# a comment added after the interruption\n", f);
    fclose(f);
    free(text);
    r = run_ex(NULL, NULL, 0, again);
    assert_int_equal(r.status, 0);
    run_free(&r);
    assert_int_equal(count_lines(out), 1 + 21);
    assert_false(exists(partial));
    free(before);
}

/* Without --resume, an existing partial file is never overwritten: the
 * finished rows of an interrupted sweep are worth keeping. */
static void test_existing_partial_is_not_overwritten(void **state)
{
    (void)state;
    const char *partial = path_in_tmp("kept.csv.partial");
    FILE *f = fopen(partial, "w");
    fputs("rows worth keeping\n", f);
    fclose(f);
    run_result r = sweep("kept.csv", (const char *const[]){NATIONAL, "--draws", "2000", "--vary",
                                                           "polling_error.scale=1,2", NULL});
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--resume");
    assert_contains(r.err, "delete it");
    run_free(&r);
    char *text = slurp(partial, NULL);
    assert_string_equal(text, "rows worth keeping\n");
    free(text);
    assert_false(exists(path_in_tmp("kept.csv")));
    /* an empty one cannot be resumed, and says so */
    f = fopen(path_in_tmp("empty.csv.partial"), "w");
    fclose(f);
    r = sweep("empty.csv", (const char *const[]){NATIONAL, "--resume", "--vary",
                                                 "polling_error.scale=1,2", NULL});
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "is empty");
    run_free(&r);
}

/* Two sweeps into the same --out: the second stops at once (the partial
 * file is locked), with or without --resume, and leaves the first's rows
 * alone. */
static void test_concurrent_sweeps_on_one_file(void **state)
{
    (void)state;
    const char *out = path_in_tmp("busy.csv");
    char partial[600], err_path[600];
    snprintf(partial, sizeof partial, "%s.partial", out);
    snprintf(err_path, sizeof err_path, "%s/first.err", tmpdir);
    const char *first[] = {bin(), "sweep", REGIONAL, "-q", "--draws", "200000", "--threads", "1",
                           "--vary", "polling_error.scale=0:5:0.1", "--out", out, NULL};
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(e, 2);
        execv(first[0], (char *const *)first);
        _exit(127);
    }
    const struct timespec tick = {0, 2000000L};
    for (int i = 0; i < 5000 && count_lines(partial) < SETTINGS_LINES + 1; i++)
        nanosleep(&tick, NULL);
    for (int resume = 0; resume < 2; resume++) {
        const char *second[] = {"sweep", REGIONAL, "-q", "--draws", "200000", "--threads", "1",
                                "--vary", "polling_error.scale=0:5:0.1", "--out", out,
                                resume ? "--resume" : NULL, NULL};
        run_result r = run_ex(NULL, NULL, 0, second);
        assert_int_equal(r.status, 2);
        assert_contains(r.err, "another sweep is writing it");
        run_free(&r);
    }
    kill(pid, SIGINT);
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
    /* the first sweep's rows are whole and resumable */
    const char *resume[] = {"sweep", REGIONAL, "-q", "--draws", "200000", "--threads", "2",
                            "--vary", "polling_error.scale=0:5:0.1", "--out", out, "--resume",
                            NULL};
    run_result r = run_ex(NULL, NULL, 0, resume);
    assert_int_equal(r.status, 0);
    run_free(&r);
    assert_int_equal(count_lines(out), 1 + 51);
}

/* --out that is the scenario, or a scenario that is the partial file the
 * sweep would write: refused before the first draw, input untouched. */
static void test_sweep_output_that_is_the_input(void **state)
{
    (void)state;
    const char *scen = copy_to_tmp(NATIONAL, "in.yaml");
    run_result r = RUN("sweep", scen, "-q", "--vary", "polling_error.scale=1,2", "--out", scen);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "is the same file as scenario");
    run_free(&r);
    const char *as_partial = copy_to_tmp(NATIONAL, "x.csv.partial");
    r = RUN("sweep", as_partial, "-q", "--vary", "polling_error.scale=1,2", "--out",
            path_in_tmp("x.csv"));
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "partial file");
    run_free(&r);
    char *a = slurp(as_partial, NULL), *b = slurp(NATIONAL, NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);
    a = slurp(scen, NULL);
    b = slurp(NATIONAL, NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

/* --out a link to a regular file: the target gets the CSV, the link stays;
 * a link to a device: written through, no partial file, and --resume is
 * refused; a directory: refused before the first draw. */
static void test_sweep_links_devices_and_directories(void **state)
{
    (void)state;
    assert_int_equal(symlink("target.csv", path_in_tmp("link.csv")), 0);
    run_result r = sweep("link.csv", (const char *const[]){NATIONAL, "--draws", "2000", "--vary",
                                                           "polling_error.scale=1,2", NULL});
    assert_int_equal(r.status, 0);
    run_free(&r);
    struct stat st;
    assert_int_equal(lstat(path_in_tmp("link.csv"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(count_lines(path_in_tmp("target.csv")), 3);
    assert_false(exists(path_in_tmp("target.csv.partial")));

    assert_int_equal(symlink("/dev/null", path_in_tmp("null.csv")), 0);
    r = sweep("null.csv", (const char *const[]){NATIONAL, "--draws", "2000", "--vary",
                                                "polling_error.scale=1,2", NULL});
    assert_int_equal(r.status, 0);
    run_free(&r);
    assert_int_equal(lstat(path_in_tmp("null.csv"), &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(path_in_tmp("null.csv"), &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_false(exists(path_in_tmp("null.csv.partial")));
    r = sweep("null.csv", (const char *const[]){NATIONAL, "--resume", "--vary",
                                                "polling_error.scale=1,2", NULL});
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--resume needs --out to be a regular file");
    run_free(&r);

    assert_int_equal(mkdir(path_in_tmp("a-dir"), 0755), 0);
    r = sweep("a-dir", (const char *const[]){NATIONAL, "--draws", "1000000", "--vary",
                                             "polling_error.scale=0:3:0.5", NULL});
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "is a directory");
    run_free(&r);
    const char *empty[] = {"sweep", NATIONAL, "-q", "--vary", "polling_error.scale=1,2", "--out",
                           "", NULL};
    r = run_ex(NULL, NULL, 0, empty);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "--out: empty file name");
    run_free(&r);
    assert_int_equal(count_tmp_leftovers(), 0);
}

/* A FIFO as --out gets the rows (a reader sees them) and stays a FIFO. */
static void test_sweep_into_a_fifo(void **state)
{
    (void)state;
    const char *fifo = path_in_tmp("sweep.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char got[600];
    snprintf(got, sizeof got, "%s", path_in_tmp("from-fifo.csv"));
    pid_t reader = fifo_reader(fifo, got);
    run_result r = sweep("sweep.fifo", (const char *const[]){NATIONAL, "--draws", "2000",
                                                             "--vary", "polling_error.scale=1,2",
                                                             NULL});
    if (r.status != 0)
        kill(reader, SIGKILL);
    int st;
    waitpid(reader, &st, 0);
    assert_int_equal(r.status, 0);
    run_free(&r);
    struct stat sb;
    assert_int_equal(lstat(fifo, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    assert_int_equal(count_lines(got), 3);
}

static void test_bad_specs(void **state)
{
    (void)state;
    const struct {
        const char *vary, *message;
    } cases[] = {
        {"polling_error.scale=0:2:0", "runoff: --vary:1:25: step '0' must be positive\n"},
        {"polling_error.scale=0:2:-1", "runoff: --vary:1:25: step '-1' must be positive\n"},
        {"polling_error.scale=2:0:1", "runoff: --vary:1:23: range ends (0) before it starts (2)\n"},
        {"polling_error.scale=0:1000000:1",
         "runoff: --vary:1:21: range '0:1000000:1' has more than 100000 points\n"},
        {"aggregation.as_of=2030-05-01:2030-05-09:0d",
         "runoff: --vary:1:41: date step '0d' must be a positive number of days, e.g. 1d\n"},
        {"polling_error.scale", "runoff: --vary:1:1: 'polling_error.scale' must be KEY=SPEC (a:b:step, "
                                "a,b,c or dates)\n"},
        {"polling_error.scale=1,,2", "runoff: --vary:1:23: empty value in list '1,,2'\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = sweep("bad.csv", (const char *const[]){NATIONAL, "--vary", cases[i].vary,
                                                              NULL});
        assert_int_equal(r.status, 2);
        assert_string_equal(r.err, cases[i].message);
        run_free(&r);
    }
    /* a value that validation refuses, at the end of a range: refused
     * before any simulation, naming the point */
    run_result r = sweep("bad.csv", (const char *const[]){NATIONAL, "--vary",
                                                          "turnout.mean=50:120:10", NULL});
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "sweep point 6 of 8");
    run_free(&r);
    assert_false(exists(path_in_tmp("bad.csv")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_order_and_files),
        cmocka_unit_test(test_row_equals_run),
        cmocka_unit_test(test_sweep_bytes_do_not_depend_on_threads),
        cmocka_unit_test(test_common_random_numbers_make_monotone_curves),
        cmocka_unit_test(test_sweep_section),
        cmocka_unit_test(test_interrupt_and_resume),
        cmocka_unit_test(test_resume_refuses_another_sweep),
        cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_resume_checks_every_setting),
        cmocka_unit_test(test_existing_partial_is_not_overwritten),
        cmocka_unit_test(test_concurrent_sweeps_on_one_file),
        cmocka_unit_test(test_sweep_output_that_is_the_input),
        cmocka_unit_test(test_sweep_links_devices_and_directories),
        cmocka_unit_test(test_sweep_into_a_fifo),
    };
    return cmocka_run_group_tests_name("cli_sweep", tests, cli_setup, cli_teardown);
}
