/*
 * cli_run.c — `runoff run SCENARIO [options]`.
 *
 * Loads the scenario (with --set overrides), simulates, then writes the
 * text report (or JSON) on stdout and any requested files. Every output
 * file goes through cli_out, so it appears under its final name only when
 * complete; a failure or an interruption removes the temporary files.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char run_help[] =
    "usage: runoff run SCENARIO [options]\n"
    "\n"
    "Simulate the run-off described by SCENARIO (a YAML file, or - for stdin)\n"
    "and print the forecast on stdout.\n"
    "\n"
    "options:\n"
    "  -t, --threads N         worker threads (default: online cores)\n"
    "  -n, --draws N           number of draws (default: simulation.draws)\n"
    "  -s, --seed N            random seed (default: simulation.seed)\n"
    "  -S, --set KEY=VALUE     override a scenario value, e.g.\n"
    "                          --set polling_error.scale=3 (repeatable)\n"
    "      --csv FILE          summary statistics, tidy CSV (one row per statistic)\n"
    "      --histogram-csv FILE  histogram of the first finalist's share\n"
    "      --regions-csv FILE  per-region table (scenarios with regions)\n"
    "      --draws-csv FILE    one row per draw (runs on one thread)\n"
    "      --trend-csv FILE    the dynamic poll model's daily trend of the first\n"
    "                          finalist's two-way share (estimate, 50 % and 90 %\n"
    "                          bands) and the polls, raw and house-adjusted\n"
    "                          (aggregation.method: dynamic only)\n"
    "      --json[=FILE]       JSON summary to FILE, or instead of the text\n"
    "                          report on stdout when FILE is omitted\n"
    "  -q, --quiet             no progress line\n"
    "      --progress          progress line even when stderr is not a terminal\n"
    "  -h, --help              this help\n"
    "\n"
    "FILE may be - for stdout. Files are written atomically (temporary file,\n"
    "then rename). Numbers in CSV/JSON use a dot and full precision.\n";

enum { OPT_CSV = CLI_OPT_FIRST, OPT_HIST, OPT_REGIONS, OPT_DRAWS_CSV, OPT_TREND, OPT_JSON };

static const struct option run_options[] = {
    {"csv", required_argument, NULL, OPT_CSV},
    {"histogram-csv", required_argument, NULL, OPT_HIST},
    {"regions-csv", required_argument, NULL, OPT_REGIONS},
    {"draws-csv", required_argument, NULL, OPT_DRAWS_CSV},
    {"trend-csv", required_argument, NULL, OPT_TREND},
    {"json", optional_argument, NULL, OPT_JSON},
    CLI_SIM_OPTIONS,
    CLI_COMMON_OPTIONS,
};

typedef struct {
    const char *csv, *hist, *regions, *draws_csv, *trend, *json;
    bool json_stdout;
    cli_common common;
} run_args;

/* Output kinds written after the simulation, as data. */
typedef int (*writer_fn)(FILE *, const runoff_scenario *, const runoff_result *);

typedef struct {
    FILE *fp;
    const runoff_scenario *s;
    int failed;
} draws_sink;

static void put_num(FILE *fp, double x)
{
    if (isnan(x))
        return;
    fprintf(fp, "%.17g", x);
}

static int on_draw(void *ctx, uint64_t index, const double *national, const double *regional)
{
    (void)regional;
    draws_sink *d = ctx;
    FILE *fp = d->fp;
    fprintf(fp, "%llu,", (unsigned long long)index);
    for (int i = 0; i < 5; i++) {
        put_num(fp, national[i]);
        fputc(',', fp);
    }
    int w = (int)national[5];
    fputs(w == 0 ? runoff_scenario_finalist_id(d->s, 0) : w == 1 ? runoff_scenario_finalist_id(d->s, 1) : "tie", fp);
    fputc(',', fp);
    put_num(fp, national[6]);
    if (fputc('\n', fp) == EOF)
        d->failed = 1;
    return d->failed;
}

static int run_option(void *ctx, int c, const char *arg)
{
    run_args *a = ctx;
    switch (c) {
    case OPT_CSV: a->csv = arg; break;
    case OPT_HIST: a->hist = arg; break;
    case OPT_REGIONS: a->regions = arg; break;
    case OPT_DRAWS_CSV: a->draws_csv = arg; break;
    case OPT_TREND: a->trend = arg; break;
    case OPT_JSON:
        if (arg == NULL)
            a->json_stdout = true;
        else
            a->json = arg;
        break;
    default: return -1;
    }
    return CLI_OK;
}

int cli_run(int argc, char **argv)
{
    run_args a = {0};
    const char *path = NULL;
    int status = cli_parse_options("run", run_help, argc, argv, ":t:n:s:S:qh", run_options,
                                   &a.common, run_option, &a);
    if (status == CLI_OK)
        status = cli_one_scenario("run", argc, argv, &path);
    runoff_scenario *s = status == CLI_OK ? cli_load(path, &a.common.sets, &status, NULL) : NULL;
    cli_common_free(&a.common);
    if (s == NULL)
        return cli_exit_status(status);
    const char *why = a.trend != NULL ? runoff_trend_csv_refusal(s) : NULL;
    if (why != NULL) {
        cli_errorf("--trend-csv %s", why);
        runoff_scenario_free(s);
        return CLI_USAGE;
    }

    /* Open every output before simulating, so a bad path fails in
     * milliseconds, not after the run. */
    struct {
        const char *path;
        writer_fn fn;
        cli_out out;
    } outs[] = {
        {a.csv, runoff_write_csv, {0}},
        {a.hist, runoff_write_histogram_csv, {0}},
        {a.regions, runoff_write_regions_csv, {0}},
        {a.trend, runoff_write_trend_csv, {0}},
        {a.json, runoff_write_json, {0}},
    };
    size_t n_outs = sizeof outs / sizeof outs[0];
    cli_out draws_out = {0};
    runoff_result *r = NULL;
    status = CLI_FAIL;
    for (size_t i = 0; i < n_outs; i++)
        if (outs[i].path != NULL && !cli_out_open(&outs[i].out, outs[i].path))
            goto done;
    draws_sink sink = {.s = s};
    if (a.draws_csv != NULL) {
        if (!cli_out_open(&draws_out, a.draws_csv))
            goto done;
        sink.fp = draws_out.fp;
        fprintf(sink.fp, "draw,share_a,turnout,blank_null,votes_a,votes_b,winner,regions_a\n");
        a.common.sim.on_draw = on_draw;
        a.common.sim.on_draw_ctx = &sink;
    }

    cli_progress prog;
    cli_common_progress(&a.common, &prog, "simulating");
    runoff_error err = {0};
    r = runoff_simulate(s, &a.common.sim, &err);
    cli_progress_done(&prog);
    if (r == NULL) {
        status = cli_report_error(&err);
        if (cli_interrupted)
            cli_errorf("interrupted: no output file was written");
        goto done;
    }
    if (a.draws_csv != NULL && !cli_out_commit(&draws_out))
        goto done;
    for (size_t i = 0; i < n_outs; i++) {
        if (outs[i].path == NULL)
            continue;
        if (outs[i].fn(outs[i].out.fp, s, r) != 0) {
            cli_errorf("%s: write failed", outs[i].path);
            goto done;
        }
        if (!cli_out_commit(&outs[i].out))
            goto done;
    }
    int werr = a.json_stdout ? runoff_write_json(stdout, s, r) : runoff_write_report(stdout, s, r);
    if (werr != 0 || fflush(stdout) != 0 || ferror(stdout)) {
        cli_errorf("error writing standard output");
        goto done;
    }
    status = CLI_OK;
done:
    for (size_t i = 0; i < n_outs; i++)
        cli_out_abort(&outs[i].out);
    cli_out_abort(&draws_out);
    runoff_result_free(r);
    runoff_scenario_free(s);
    return status;
}
