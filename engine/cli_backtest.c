/*
 * cli_backtest.c — `runoff backtest SCENARIO... [options]`.
 *
 * Every file is loaded and validated before the first draw, so a typo in
 * the last one fails in milliseconds; files without an actual share are
 * noted and skipped. Then each scenario is simulated as `runoff run` would
 * (same options, same seed, hence the same numbers) and scored by the
 * library against its actual share, next to the two naive baselines. The
 * table goes to stdout as scenarios finish; the CSV goes through cli_out,
 * so it appears under its final name only when every row is in it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char backtest_help[] =
    "usage: runoff backtest SCENARIO... [options]\n"
    "\n"
    "Simulate each SCENARIO that has an actual result (actual.shares) and score\n"
    "the forecast of the first finalist's share against it: median, 50 % and\n"
    "90 % intervals, win probability (with its Monte Carlo error), PIT, CRPS,\n"
    "Brier score, and whether the intervals hold the actual share. Two naive\n"
    "baselines from the same polls are scored alike: the mean of the polls of\n"
    "the final week, and the last poll. A summary over the scenarios follows.\n"
    "Other files are skipped with a line on stderr. See docs/model.md.\n"
    "\n"
    "options:\n"
    "      --csv FILE          one row per scenario (model_*, final_week_* and\n"
    "                          last_poll_* columns); - writes it to stdout\n"
    "                          instead of the table\n"
    "  -t, --threads N         worker threads (default: online cores)\n"
    "  -n, --draws N           draws per scenario (default: its simulation.draws)\n"
    "  -s, --seed N            random seed (default: its simulation.seed)\n"
    "  -S, --set KEY=VALUE     override a value in every scenario (repeatable)\n"
    "  -q, --quiet             no progress line\n"
    "      --progress          progress line even when stderr is not a terminal\n"
    "      --strict            refuse a scenario (exit 2) that has a warning\n"
    "  -h, --help              this help\n"
    "\n"
    "The CSV is written as `runoff run` writes its files: a regular file (or\n"
    "a link's target) atomically, a device or FIFO directly; a --csv that is\n"
    "one of the scenarios is refused before simulating.\n";

enum { OPT_CSV = CLI_OPT_FIRST };

static const struct option backtest_options[] = {
    {"csv", required_argument, NULL, OPT_CSV},
    CLI_SIM_OPTIONS,
    CLI_COMMON_OPTIONS,
};

typedef struct {
    const char *csv;
    cli_common common;
} backtest_args;

static int backtest_option(void *ctx, int c, const char *arg)
{
    backtest_args *a = ctx;
    if (c != OPT_CSV)
        return -1;
    a->csv = arg;
    return CLI_OK;
}

/* The scenarios to back-test, in the order given. */
typedef struct {
    runoff_scenario **items;
    size_t n;
} scenario_list;

static void scenario_list_free(scenario_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        runoff_scenario_free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Load files[0..n): every load error is printed (the status is the first
 * one's), files without actual.shares are noted and left out; CLI_USAGE
 * when none is left. */
static int load_all(char **files, size_t n, const cli_common *common, scenario_list *out)
{
    int status = CLI_OK;
    if ((out->items = calloc(n, sizeof *out->items)) == NULL) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        int st = CLI_OK;
        runoff_scenario *s = cli_load(files[i], common, &st, NULL);
        if (s == NULL) {
            status = status == CLI_OK ? st : status;
        } else if (!runoff_backtest_has_actual(s)) {
            cli_errorf("%s: skipped: no actual.shares", files[i]);
            runoff_scenario_free(s);
        } else {
            out->items[out->n++] = s;
        }
    }
    if (status == CLI_OK && out->n == 0) {
        cli_errorf("no scenario to back-test: none has actual.shares");
        status = CLI_USAGE;
    }
    return status;
}

/* Simulate scenario k of n and score it. */
static int score_one(const runoff_scenario *s, backtest_args *a, size_t k, size_t n,
                     runoff_backtest_row *row)
{
    char what[64];
    snprintf(what, sizeof what, "back-testing %zu/%zu", k + 1, n);
    cli_progress prog;
    cli_common_progress(&a->common, &prog, what);
    runoff_error err = {0};
    runoff_result *r = runoff_simulate(s, &a->common.sim, &err);
    cli_progress_done(&prog);
    runoff_status st = r != NULL ? runoff_backtest_score(s, r, row, &err) : err.status;
    runoff_result_free(r);
    if (st == RUNOFF_OK)
        return CLI_OK;
    int status = cli_report_error(&err);
    if (cli_interrupted)
        cli_errorf("interrupted: no output file was written");
    return status;
}

/* Score every scenario, writing the table (when table) and CSV rows as
 * they come, then the summary. */
static int run_all(const scenario_list *l, backtest_args *a, FILE *csv, bool table)
{
    runoff_backtest_summary sum = {0};
    for (size_t k = 0; k < l->n; k++) {
        runoff_backtest_row row;
        int status = score_one(l->items[k], a, k, l->n, &row);
        if (status != CLI_OK)
            return status;
        runoff_backtest_summary_add(&sum, &row);
        if (table && runoff_write_backtest_row(stdout, l->items[k], &row) != 0) {
            cli_errorf("error writing standard output");
            return CLI_FAIL;
        }
        if (csv != NULL && runoff_write_backtest_csv_row(csv, l->items[k], &row) != 0) {
            cli_errorf("%s: write failed: %s", a->csv, strerror(errno));
            return CLI_FAIL;
        }
    }
    if (table && runoff_write_backtest_summary(stdout, &sum) != 0) {
        cli_errorf("error writing standard output");
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_backtest(int argc, char **argv)
{
    backtest_args a = {0};
    scenario_list list = {0};
    cli_out csv = {0};
    int status = cli_parse_options("backtest", backtest_help, argc, argv, ":t:n:s:S:qh",
                                   backtest_options, &a.common, backtest_option, &a);
    if (status == CLI_OK && optind >= argc) {
        cli_errorf("backtest needs scenario files (see 'runoff backtest --help')");
        status = CLI_USAGE;
    }
    if (status == CLI_OK)
        status = load_all(argv + optind, (size_t)(argc - optind), &a.common, &list);
    if (status != CLI_OK)
        goto done;
    bool table = a.csv == NULL || strcmp(a.csv, "-") != 0;
    if (a.csv != NULL &&
        (status = cli_out_resolve_against(&csv, "--csv", a.csv, argv + optind,
                                          (size_t)(argc - optind),
                                          table ? "standard output (the table)" : NULL)) !=
            CLI_OK)
        goto done;
    status = CLI_FAIL;
    if (a.csv != NULL && !cli_out_open(&csv))
        goto done;
    if (a.csv != NULL && runoff_write_backtest_csv_header(csv.fp) != 0) {
        cli_errorf("%s: write failed: %s", a.csv, strerror(errno));
        goto done;
    }
    if ((status = run_all(&list, &a, csv.fp, table)) != CLI_OK)
        goto done;
    status = CLI_FAIL;
    if (a.csv != NULL && !cli_out_commit(&csv))
        goto done;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_errorf("error writing standard output");
        goto done;
    }
    status = CLI_OK;
done:
    cli_out_abort(&csv);
    scenario_list_free(&list);
    cli_common_free(&a.common);
    return cli_exit_status(status);
}
