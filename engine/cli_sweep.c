/*
 * cli_sweep.c — `runoff sweep SCENARIO --vary KEY=SPEC ... --out FILE`.
 *
 * Every point of the grid is validated before the first draw, so a bad
 * value at the end of a range fails in a second, not after an hour. Rows
 * are appended to FILE.partial and flushed as points finish, in grid
 * order; FILE.partial is renamed to FILE only when every row is there, so
 * the final name never holds an incomplete sweep, and an interrupted sweep
 * keeps its finished rows for --resume.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char sweep_help[] =
    "usage: runoff sweep SCENARIO --vary KEY=SPEC [--vary KEY=SPEC ...] --out FILE [options]\n"
    "\n"
    "Simulate every point of a grid of scenario variants and write one CSV row\n"
    "per point, in grid order. SPEC is a range start:stop:step (stop included),\n"
    "a date range 2022-04-11:2022-04-23:1d, or a list a,b,c. KEY is any value\n"
    "--set accepts. Several --vary make the cartesian product (first slowest);\n"
    "--zip pairs them instead. A `sweep:` section in the scenario adds axes.\n"
    "All points use the same seed and random streams (common random numbers).\n"
    "\n"
    "options:\n"
    "  -V, --vary KEY=SPEC     an axis of the grid (repeatable)\n"
    "      --zip               pair the axes' values instead of the product\n"
    "  -o, --out FILE          the CSV (required); rows go to FILE.partial,\n"
    "                          renamed to FILE when the sweep is complete\n"
    "      --resume            continue an interrupted sweep from FILE.partial\n"
    "  -t, --threads N         worker threads (default: online cores); with more\n"
    "                          points than threads, points run in parallel\n"
    "  -n, --draws N           draws per point (default: simulation.draws)\n"
    "  -s, --seed N            random seed (default: simulation.seed)\n"
    "  -S, --set KEY=VALUE     override a scenario value for every point\n"
    "  -q, --quiet             no progress line\n"
    "      --progress          progress line even when stderr is not a terminal\n"
    "  -h, --help              this help\n";

enum { OPT_ZIP = CLI_OPT_FIRST, OPT_RESUME };

static const struct option sweep_options[] = {
    {"vary", required_argument, NULL, 'V'},
    {"zip", no_argument, NULL, OPT_ZIP},
    {"out", required_argument, NULL, 'o'},
    {"resume", no_argument, NULL, OPT_RESUME},
    CLI_SIM_OPTIONS,
    CLI_COMMON_OPTIONS,
};

typedef struct {
    cli_list varies;
    const char *out;
    bool zip, resume;
    cli_common common;
} sweep_args;

static int sweep_option(void *ctx, int c, const char *arg)
{
    sweep_args *a = ctx;
    switch (c) {
    case 'V':
        if (!cli_list_push(&a->varies, arg)) {
            cli_errorf("out of memory");
            return CLI_FAIL;
        }
        break;
    case OPT_ZIP: a->zip = true; break;
    case 'o': a->out = arg; break;
    case OPT_RESUME: a->resume = true; break;
    default: return -1;
    }
    return CLI_OK;
}

static int parse_args(int argc, char **argv, sweep_args *a, const char **scenario)
{
    int st = cli_parse_options("sweep", sweep_help, argc, argv, ":V:o:t:n:s:S:qh", sweep_options,
                               &a->common, sweep_option, a);
    if (st != CLI_OK)
        return st;
    if (cli_one_scenario("sweep", argc, argv, scenario) != CLI_OK)
        return CLI_USAGE;
    if (a->out == NULL) {
        cli_errorf("sweep needs --out FILE (see 'runoff sweep --help')");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* The document (file + --set) and the grid (sweep: section + --vary);
 * every point validated. */
static int build(const char *path, const sweep_args *a, runoff_doc **doc_out,
                 runoff_sweep **sw_out)
{
    runoff_error err = {0};
    runoff_doc *doc = runoff_doc_parse_file(path, &err);
    runoff_sweep *sw = runoff_sweep_alloc();
    runoff_scenario *s = NULL;
    if (doc == NULL || sw == NULL)
        goto fail;
    for (size_t i = 0; i < a->common.sets.n; i++)
        if (runoff_doc_set(doc, a->common.sets.items[i], &err) != RUNOFF_OK)
            goto fail;
    if ((s = runoff_scenario_from_doc(doc, &err)) == NULL)
        goto fail;
    runoff_scenario_free(s);
    if (runoff_sweep_add_from_doc(sw, doc, &err) != RUNOFF_OK)
        goto fail;
    for (size_t i = 0; i < a->varies.n; i++)
        if (runoff_sweep_add(sw, a->varies.items[i], &err) != RUNOFF_OK)
            goto fail;
    runoff_sweep_set_zip(sw, a->zip);
    if (runoff_sweep_finish(sw, &err) != RUNOFF_OK)
        goto fail;
    for (size_t i = 0; i < runoff_sweep_n_points(sw); i++) {
        if ((s = runoff_sweep_scenario(sw, doc, i, &err)) == NULL)
            goto fail;
        runoff_scenario_free(s);
    }
    *doc_out = doc;
    *sw_out = sw;
    return CLI_OK;
fail:
    runoff_sweep_free(sw);
    runoff_doc_free(doc);
    if (err.status == RUNOFF_OK) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    return cli_report_error(&err);
}

/* The header (point == SIZE_MAX) or one point's key columns, exactly as
 * the writers print them, for comparison with a file being resumed. */
static char *render(const runoff_sweep *sw, size_t point)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL)
        return NULL;
    int rc = point == SIZE_MAX ? runoff_write_sweep_header(m, sw)
                               : runoff_write_sweep_keys(m, sw, point);
    if (fclose(m) != 0 || rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Check FILE.partial against the grid; returns the number of complete,
 * matching rows and leaves fp positioned after them (a torn last line is
 * cut off), or -1 after printing why. */
static long resume_rows(FILE *fp, const char *partial, const runoff_sweep *sw)
{
    char *header = render(sw, SIZE_MAX);
    char *line = NULL;
    size_t cap = 0;
    long rows = -1, good_end = 0;
    ssize_t n;
    if (header == NULL) {
        cli_errorf("out of memory");
        return -1;
    }
    if ((n = getline(&line, &cap, fp)) < 0 || strcmp(line, header) != 0) {
        cli_errorf("%s: its header does not match this sweep; cannot resume", partial);
        goto done;
    }
    good_end = (long)n;
    rows = 0;
    while ((n = getline(&line, &cap, fp)) > 0 && line[n - 1] == '\n') {
        if ((size_t)rows >= runoff_sweep_n_points(sw)) {
            cli_errorf("%s: has more rows than the sweep has points; cannot resume", partial);
            rows = -1;
            goto done;
        }
        char *keys = render(sw, (size_t)rows);
        bool match = keys != NULL && strncmp(line, keys, strlen(keys)) == 0;
        free(keys);
        if (!match) {
            cli_errorf("%s:%ld: row does not match point %ld of this sweep; cannot resume",
                       partial, rows + 2, rows + 1);
            rows = -1;
            goto done;
        }
        rows++;
        good_end += (long)n;
    }
    if (fflush(fp) != 0 || ftruncate(fileno(fp), good_end) != 0 ||
        fseek(fp, good_end, SEEK_SET) != 0) {
        cli_errorf("%s: %s", partial, strerror(errno));
        rows = -1;
    }
done:
    free(line);
    free(header);
    return rows;
}

/* Where rows go: each is flushed and synced as it arrives, so an
 * interruption at any moment leaves whole rows in FILE.partial. */
typedef struct {
    FILE *fp;
    const runoff_sweep *sw;
    int write_errno; /* 0, or why a row could not be written */
} sweep_rows;

static int write_row(void *ctx, size_t point, const runoff_scenario *s, const runoff_result *r)
{
    sweep_rows *out = ctx;
    if (runoff_write_sweep_row(out->fp, out->sw, point, s, r) != 0 || fflush(out->fp) != 0 ||
        fsync(fileno(out->fp)) != 0) {
        out->write_errno = errno;
        return -1;
    }
    return 0;
}

int cli_sweep(int argc, char **argv)
{
    sweep_args a = {0};
    const char *path = NULL;
    int status = parse_args(argc, argv, &a, &path);
    runoff_doc *doc = NULL;
    runoff_sweep *sw = NULL;
    FILE *fp = NULL;
    char *partial = NULL;
    if (status != CLI_OK)
        goto done;
    if ((status = build(path, &a, &doc, &sw)) != CLI_OK)
        goto done;
    status = CLI_FAIL;
    size_t n_points = runoff_sweep_n_points(sw);
    size_t plen = strlen(a.out) + sizeof ".partial";
    if ((partial = malloc(plen)) == NULL) {
        cli_errorf("out of memory");
        goto done;
    }
    snprintf(partial, plen, "%s.partial", a.out);
    long first = 0;
    if (a.resume) {
        if ((fp = fopen(partial, "r+")) == NULL) {
            cli_errorf("%s: cannot resume: %s", partial, strerror(errno));
            status = errno == ENOENT ? CLI_USAGE : CLI_FAIL;
            goto done;
        }
        if ((first = resume_rows(fp, partial, sw)) < 0) {
            status = CLI_USAGE;
            goto done;
        }
    } else {
        if ((fp = fopen(partial, "w")) == NULL) {
            cli_errorf("%s: cannot create: %s", partial, strerror(errno));
            goto done;
        }
        if (runoff_write_sweep_header(fp, sw) != 0) {
            cli_errorf("%s: write failed: %s", partial, strerror(errno));
            goto done;
        }
    }

    cli_progress bar;
    cli_common_progress(&a.common, &bar, "sweeping");
    bar.per_unit = RUNOFF_SWEEP_PROGRESS_UNIT;
    bar.unit = "points";
    sweep_rows rows_out = {.fp = fp, .sw = sw};
    runoff_error err = {0};
    size_t rows = 0;
    runoff_status st = runoff_sweep_run(sw, doc, (size_t)first, &a.common.sim, write_row, &rows_out,
                                        &rows, &err);
    cli_progress_done(&bar);
    if (rows_out.write_errno != 0) {
        cli_errorf("%s: write failed: %s", partial, strerror(rows_out.write_errno));
        goto done;
    }
    if (st != RUNOFF_OK) {
        status = cli_report_error(&err);
        if (cli_interrupted)
            cli_errorf("interrupted after %zu of %zu points; the finished rows are in %s: "
                       "run again with --resume to complete it",
                       (size_t)first + rows, n_points, partial);
        goto done;
    }
    FILE *f = fp;
    fp = NULL;
    if (fclose(f) != 0) {
        cli_errorf("%s: write failed: %s", partial, strerror(errno));
        goto done;
    }
    if (rename(partial, a.out) != 0) {
        cli_errorf("%s: cannot rename into place: %s", a.out, strerror(errno));
        goto done;
    }
    status = CLI_OK;
done:
    if (fp != NULL)
        fclose(fp);
    free(partial);
    runoff_sweep_free(sw);
    runoff_doc_free(doc);
    cli_list_free(&a.varies);
    cli_common_free(&a.common);
    return cli_exit_status(status);
}
