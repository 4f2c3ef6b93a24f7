/*
 * cli_run.c — `runoff run SCENARIO [options]`.
 *
 * Loads the scenario (with --set overrides), simulates, then writes the
 * text report (or JSON) on stdout and any requested files. Every output
 * file goes through cli_out, so it appears under its final name only when
 * complete; a failure or an interruption removes the temporary files.
 */
#include <errno.h>
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
    "      --html FILE         the report page: one self-contained HTML file\n"
    "                          (headline, charts, the map when the scenario\n"
    "                          names one under map:, every region)\n"
    "      --json[=FILE]       JSON summary to FILE, or instead of the text\n"
    "                          report on stdout when FILE is omitted\n"
    "      --brief             print only the headline (winner, chance, share)\n"
    "  -q, --quiet             no progress line\n"
    "      --progress          progress line even when stderr is not a terminal\n"
    "  -h, --help              this help\n"
    "\n"
    "FILE may be - for standard output, instead of the report (one output at\n"
    "most). A regular file (or a link to one: its target) is replaced\n"
    "atomically (temporary file in its directory, then rename); a device or\n"
    "FIFO is written to. An output that is the scenario or another output is\n"
    "refused before simulating. Numbers in CSV/JSON use a dot and full\n"
    "precision.\n";

enum { OPT_CSV = CLI_OPT_FIRST, OPT_HIST, OPT_REGIONS, OPT_DRAWS_CSV, OPT_TREND, OPT_JSON, OPT_BRIEF, OPT_HTML };

static const struct option run_options[] = {
    {"csv", required_argument, NULL, OPT_CSV},
    {"histogram-csv", required_argument, NULL, OPT_HIST},
    {"regions-csv", required_argument, NULL, OPT_REGIONS},
    {"draws-csv", required_argument, NULL, OPT_DRAWS_CSV},
    {"trend-csv", required_argument, NULL, OPT_TREND},
    {"json", optional_argument, NULL, OPT_JSON},
    {"brief", no_argument, NULL, OPT_BRIEF},
    {"html", required_argument, NULL, OPT_HTML},
    CLI_SIM_OPTIONS,
    CLI_COMMON_OPTIONS,
};

typedef struct {
    const char *csv, *hist, *regions, *draws_csv, *trend, *json, *html;
    bool json_stdout, brief;
    cli_common common;
} run_args;

/* Output kinds written after the simulation, as data. */
typedef int (*writer_fn)(FILE *, const runoff_scenario *, const runoff_result *);

typedef struct {
    FILE *fp;
    const runoff_scenario *s;
    int failed;
    int write_errno; /* why, when failed */
} draws_sink;

static void put_num(FILE *fp, double x)
{
    char buf[32];
    if (isnan(x))
        return;
    fputs(runoff_format_number(x, buf, sizeof buf), fp);
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
    if (fputc('\n', fp) == EOF || ferror(fp)) {
        d->failed = 1;
        d->write_errno = errno ? errno : EIO;
    }
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
    case OPT_BRIEF: a->brief = true; break;
    case OPT_HTML: a->html = arg; break;
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

/* Output kinds written after the simulation, as data; --draws-csv
 * (fn NULL) is written during it; the page (html) also takes the map. */
typedef struct {
    const char *option, *path;
    writer_fn fn;
    cli_out out;
    bool html;
} run_output;

/* Resolve every output before the first draw: names that cannot work,
 * two outputs on standard output, and outputs that are the scenario or
 * each other are refused. *report says whether the report (text, or JSON
 * for a bare --json) goes to standard output: not when an output is "-". */
static int resolve_outputs(const char *scenario, run_output *outs, size_t n, bool json_stdout,
                           bool *report)
{
    cli_file files[16];
    size_t n_files = 0, n_stdout = json_stdout ? 1 : 0;
    const char *on_stdout = json_stdout ? "--json" : NULL;
    files[n_files].what = "scenario";
    files[n_files].path = scenario;
    files[n_files].output = false;
    cli_file_id_of_input(scenario, &files[n_files++].id);
    for (size_t i = 0; i < n; i++) {
        if (outs[i].path == NULL)
            continue;
        int st = cli_out_resolve(&outs[i].out, outs[i].option, outs[i].path);
        if (st != CLI_OK)
            return st;
        if (outs[i].out.kind == CLI_OUT_STDOUT) {
            if (n_stdout++ > 0) {
                cli_errorf("%s - and %s both write to standard output, expected one at most",
                           outs[i].option, on_stdout);
                return CLI_USAGE;
            }
            on_stdout = outs[i].option;
        }
        files[n_files++] = cli_out_file(&outs[i].out);
    }
    *report = on_stdout == NULL || json_stdout;
    if (*report) {
        files[n_files] =
            (cli_file){.what = "standard output (the report)", .path = "", .output = true};
        cli_file_id_of_stdout(&files[n_files++].id);
    }
    return cli_files_check(files, n_files);
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

    run_output outs[] = {
        {"--draws-csv", a.draws_csv, NULL, {0}, false},
        {"--csv", a.csv, runoff_write_csv, {0}, false},
        {"--histogram-csv", a.hist, runoff_write_histogram_csv, {0}, false},
        {"--regions-csv", a.regions, runoff_write_regions_csv, {0}, false},
        {"--trend-csv", a.trend, runoff_write_trend_csv, {0}, false},
        {"--json", a.json, runoff_write_json, {0}, false},
        {"--html", a.html, NULL, {0}, true},
    };
    size_t n_outs = sizeof outs / sizeof outs[0];
    runoff_result *r = NULL;
    runoff_map *map = NULL;
    bool report = true;
    /* Every output resolved and opened before simulating, so a bad path
     * fails in milliseconds, not after the run. */
    if ((status = resolve_outputs(path, outs, n_outs, a.json_stdout, &report)) != CLI_OK)
        goto done;
    /* The page's map is read before simulating too. */
    if (a.html != NULL && runoff_scenario_has_map(s)) {
        runoff_error merr = {0};
        if ((map = runoff_map_load(s, path, &merr)) == NULL) {
            status = cli_report_error(&merr);
            goto done;
        }
    }
    status = CLI_FAIL;
    for (size_t i = 0; i < n_outs; i++)
        if (outs[i].path != NULL && !cli_out_open(&outs[i].out))
            goto done;
    draws_sink sink = {.s = s};
    cli_out *draws_out = &outs[0].out;
    if (a.draws_csv != NULL) {
        sink.fp = draws_out->fp;
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
        if (sink.failed && !cli_interrupted)
            cli_errorf("%s: write failed: %s", a.draws_csv, strerror(sink.write_errno));
        else
            status = cli_report_error(&err);
        if (cli_interrupted)
            cli_errorf("interrupted: no output file was written");
        goto done;
    }
    for (size_t i = 0; i < n_outs; i++) {
        if (outs[i].path == NULL)
            continue;
        int werr = outs[i].html  ? runoff_write_html(outs[i].out.fp, s, r, map)
                   : outs[i].fn ? outs[i].fn(outs[i].out.fp, s, r)
                                : 0;
        if (werr != 0) {
            cli_errorf("%s: write failed: %s", outs[i].path, strerror(errno));
            goto done;
        }
        if (!cli_out_commit(&outs[i].out))
            goto done;
    }
    if (report) {
        int werr = a.json_stdout ? runoff_write_json(stdout, s, r)
                   : a.brief     ? runoff_write_headline(stdout, s, r)
                                 : runoff_write_report(stdout, s, r);
        if (werr != 0 || fflush(stdout) != 0 || ferror(stdout)) {
            cli_errorf("error writing standard output");
            goto done;
        }
    }
    status = CLI_OK;
done:
    for (size_t i = 0; i < n_outs; i++)
        cli_out_abort(&outs[i].out);
    runoff_result_free(r);
    runoff_map_free(map);
    runoff_scenario_free(s);
    return status;
}
