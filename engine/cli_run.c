/*
 * cli_run.c — `runoff run SCENARIO [options]`.
 *
 * Loads the scenario (with --set overrides), simulates, then writes the
 * text report (or JSON) on stdout and any requested files. Every output
 * file goes through cli_out, so it appears under its final name only when
 * complete; a failure or an interruption removes the temporary files.
 *
 * With --shard I/N it runs only its share of the draws and writes a
 * partial file instead (cli_shard.c); `runoff merge` (cli_merge.c) turns
 * the parts into this command's outputs through the same cli_run_sink.
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
    "      --json[=FILE]       JSON summary to FILE, or instead of the text\n"
    "                          report on stdout when FILE is omitted\n"
    "      --html FILE         the report page: one self-contained HTML file\n"
    "                          (headline, charts, the map when the scenario\n"
    "                          names one under map:, every region)\n"
    "      --brief             print only the headline (winner, chance, share)\n"
    "      --shard I/N         run only shard I of N (1 <= I <= N) of the draws and\n"
    "                          write a partial file to --out for 'runoff merge',\n"
    "                          which writes the outputs of the whole run\n"
    "  -o, --out FILE          the shard's partial file (with --shard)\n"
    "  -q, --quiet             no progress line\n"
    "      --progress          progress line even when stderr is not a terminal\n"
    "      --strict            refuse a scenario (exit 2) that has a warning\n"
    "  -h, --help              this help\n"
    "\n"
    "FILE may be - for standard output, instead of the report (one output at\n"
    "most). A regular file (or a link to one: its target) is replaced\n"
    "atomically (temporary file in its directory, then rename); a device or\n"
    "FIFO is written to. An output that is the scenario or another output is\n"
    "refused before simulating. Numbers in CSV/JSON use a dot and full\n"
    "precision.\n";

enum { OPT_DRAWS_CSV = CLI_RUN_OPT_END, OPT_SHARD };

static const struct option run_options[] = {
    CLI_RUN_OUTPUT_OPTIONS,
    {"draws-csv", required_argument, NULL, OPT_DRAWS_CSV},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"out", required_argument, NULL, 'o'},
    CLI_SIM_OPTIONS,
    CLI_COMMON_OPTIONS,
};

typedef struct {
    cli_run_paths paths;
    const char *out;
    uint64_t shard_index, shard_count; /* --shard I/N: I - 1, N; N = 0 without */
    cli_common common;
} run_args;

typedef struct {
    FILE *fp;
    const runoff_scenario *s;
    int failed;
    int write_errno; /* why, when failed */
} draws_sink;

static void put_num(FILE *fp, double x)
{
    if (isnan(x))
        return;
    fprintf(fp, "%.17g", x);
}

static int on_draw(void *ctx, const runoff_draw *draw)
{
    draws_sink *d = ctx;
    FILE *fp = d->fp;
    fprintf(fp, "%llu,", (unsigned long long)draw->index);
    const double cols[] = {draw->share_a, draw->turnout, draw->blank_null, draw->votes_a,
                           draw->votes_b};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        put_num(fp, cols[i]);
        fputc(',', fp);
    }
    int w = draw->winner;
    fputs(w == 0 ? runoff_scenario_finalist_id(d->s, 0) : w == 1 ? runoff_scenario_finalist_id(d->s, 1) : "tie", fp);
    fputc(',', fp);
    put_num(fp, draw->regions_a);
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
    case OPT_SHARD:
        return cli_parse_shard("--shard", arg, &a->shard_index, &a->shard_count) ? CLI_OK
                                                                                 : CLI_USAGE;
    case 'o': a->out = arg; break;
    case OPT_DRAWS_CSV: a->paths.draws_csv = arg; break;
    default: return cli_run_output_option(&a->paths, c, arg);
    }
    return CLI_OK;
}

int cli_run_output_option(cli_run_paths *p, int c, const char *arg)
{
    switch (c) {
    case CLI_RUN_OPT_CSV: p->csv = arg; break;
    case CLI_RUN_OPT_HIST: p->hist = arg; break;
    case CLI_RUN_OPT_REGIONS: p->regions = arg; break;
    case CLI_RUN_OPT_TREND: p->trend = arg; break;
    case CLI_RUN_OPT_HTML: p->html = arg; break;
    case CLI_RUN_OPT_BRIEF: p->brief = true; break;
    case CLI_RUN_OPT_JSON:
        if (arg == NULL)
            p->json_stdout = true;
        else
            p->json = arg;
        break;
    default: return -1;
    }
    return CLI_OK;
}

/* Resolve every output before the first draw: names that cannot work,
 * two outputs on standard output, and outputs that are an input or each
 * other are refused. k->report says whether the report (text, or JSON
 * for a bare --json) goes to standard output: not when an output is "-". */
static int resolve_outputs(cli_run_sink *k, const char *what, const char *const *inputs,
                           size_t n_inputs)
{
    cli_run_output *outs = k->outs;
    const size_t n = CLI_RUN_OUTPUTS;
    bool json_stdout = k->json_stdout;
    cli_file *files = calloc(n_inputs + n + 1, sizeof *files);
    if (files == NULL) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    size_t n_files = 0, n_stdout = json_stdout ? 1 : 0;
    const char *on_stdout = json_stdout ? "--json" : NULL;
    int st = CLI_OK;
    for (size_t i = 0; i < n_inputs; i++) {
        files[n_files].what = what;
        files[n_files].path = inputs[i];
        files[n_files].output = false;
        cli_file_id_of_input(inputs[i], &files[n_files++].id);
    }
    for (size_t i = 0; i < n && st == CLI_OK; i++) {
        if (outs[i].path == NULL)
            continue;
        if ((st = cli_out_resolve(&outs[i].out, outs[i].option, outs[i].path)) != CLI_OK)
            break;
        if (outs[i].out.kind == CLI_OUT_STDOUT) {
            if (n_stdout++ > 0) {
                cli_errorf("%s - and %s both write to standard output, expected one at most",
                           outs[i].option, on_stdout);
                st = CLI_USAGE;
                break;
            }
            on_stdout = outs[i].option;
        }
        files[n_files++] = cli_out_file(&outs[i].out);
    }
    k->report = on_stdout == NULL || json_stdout;
    if (st == CLI_OK && k->report) {
        files[n_files] =
            (cli_file){.what = "standard output (the report)", .path = "", .output = true};
        cli_file_id_of_stdout(&files[n_files++].id);
    }
    if (st == CLI_OK)
        st = cli_files_check(files, n_files);
    free(files);
    return st;
}

/* Each output's option and writer (NULL: written otherwise, see cli.h). */
static const struct {
    const char *option;
    int (*fn)(FILE *, const runoff_scenario *, const runoff_result *);
} run_outputs[] = {
    [CLI_RUN_DRAWS] = {"--draws-csv", NULL},
    [CLI_RUN_CSV] = {"--csv", runoff_write_csv},
    [CLI_RUN_HIST] = {"--histogram-csv", runoff_write_histogram_csv},
    [CLI_RUN_REGIONS] = {"--regions-csv", runoff_write_regions_csv},
    [CLI_RUN_TREND] = {"--trend-csv", runoff_write_trend_csv},
    [CLI_RUN_JSON] = {"--json", runoff_write_json},
    [CLI_RUN_HTML] = {"--html", NULL},
};
_Static_assert(sizeof run_outputs / sizeof *run_outputs == CLI_RUN_OUTPUTS, "every output named");

int cli_run_sink_open(cli_run_sink *k, const cli_run_paths *p, const char *what,
                      const char *const *inputs, size_t n_inputs)
{
    const char *paths[CLI_RUN_OUTPUTS] = {
        [CLI_RUN_DRAWS] = p->draws_csv, [CLI_RUN_CSV] = p->csv,   [CLI_RUN_HIST] = p->hist,
        [CLI_RUN_REGIONS] = p->regions, [CLI_RUN_TREND] = p->trend, [CLI_RUN_JSON] = p->json,
        [CLI_RUN_HTML] = p->html};
    *k = (cli_run_sink){
        .json_stdout = p->json_stdout,
        .brief = p->brief,
        .report = true,
    };
    for (size_t i = 0; i < CLI_RUN_OUTPUTS; i++)
        k->outs[i] = (cli_run_output){run_outputs[i].option, paths[i], run_outputs[i].fn, {0}};
    int status = resolve_outputs(k, what, inputs, n_inputs);
    if (status != CLI_OK)
        return status;
    for (size_t i = 0; i < CLI_RUN_OUTPUTS; i++)
        if (k->outs[i].path != NULL && !cli_out_open(&k->outs[i].out))
            return CLI_FAIL;
    return CLI_OK;
}

int cli_run_sink_map(cli_run_sink *k, const runoff_scenario *s, const char *scenario_path)
{
    if (k->outs[CLI_RUN_HTML].path == NULL || !runoff_scenario_has_map(s))
        return CLI_OK;
    runoff_error err = {0};
    if ((k->map = runoff_map_load(s, scenario_path, &err)) == NULL)
        return cli_report_error(&err);
    return CLI_OK;
}

int cli_run_sink_write(cli_run_sink *k, const runoff_scenario *s, const runoff_result *r)
{
    for (size_t i = 0; i < CLI_RUN_OUTPUTS; i++) {
        cli_run_output *o = &k->outs[i];
        if (o->path == NULL)
            continue;
        int werr = i == CLI_RUN_HTML ? runoff_write_html(o->out.fp, s, r, k->map)
                   : o->fn != NULL   ? o->fn(o->out.fp, s, r)
                                     : 0;
        if (werr != 0) {
            cli_errorf("%s: write failed: %s", o->path, strerror(errno));
            return CLI_FAIL;
        }
        if (!cli_out_commit(&o->out))
            return CLI_FAIL;
    }
    if (k->report) {
        int werr = k->json_stdout ? runoff_write_json(stdout, s, r)
                   : k->brief     ? runoff_write_headline(stdout, s, r)
                                  : runoff_write_report(stdout, s, r);
        if (werr != 0 || fflush(stdout) != 0 || ferror(stdout)) {
            cli_errorf("error writing standard output");
            return CLI_FAIL;
        }
    }
    return CLI_OK;
}

void cli_run_sink_abort(cli_run_sink *k)
{
    for (size_t i = 0; i < CLI_RUN_OUTPUTS; i++)
        cli_out_abort(&k->outs[i].out);
    runoff_map_free(k->map);
    k->map = NULL;
}

/* The scenario, refused (CLI_USAGE) when --trend-csv cannot be written
 * for it; NULL with *status after printing why. */
static runoff_scenario *load_for_run(const char *path, run_args *a, int *status)
{
    runoff_scenario *s = cli_load(path, &a->common, status, NULL);
    const char *why = s != NULL && a->paths.trend != NULL ? runoff_trend_csv_refusal(s) : NULL;
    if (why != NULL) {
        cli_errorf("--trend-csv %s", why);
        runoff_scenario_free(s);
        *status = CLI_USAGE;
        return NULL;
    }
    return s;
}

/* Every output resolved and opened, and the page's map read, before
 * simulating, so that a bad path fails in milliseconds, not after the run.
 * Only rank 0 writes (cli_mpi.c); every rank learns whether it can. */
static int open_outputs(cli_run_sink *outs, const cli_run_paths *paths, const runoff_scenario *s,
                        const char *path, bool writer)
{
    int status = writer ? cli_run_sink_open(outs, paths, "scenario", &path, 1) : CLI_OK;
    if (status == CLI_OK && writer)
        status = cli_run_sink_map(outs, s, path);
    return cli_mpi_agree(status);
}

/* --draws-csv: its header now, then one row per draw from on_draw. */
static void start_draws_csv(draws_sink *sink, FILE *fp, runoff_sim_options *sim)
{
    sink->fp = fp;
    fprintf(fp, "draw,share_a,turnout,blank_null,votes_a,votes_b,winner,regions_a\n");
    sim->on_draw = on_draw;
    sim->on_draw_ctx = sink;
}

/* The simulation, with rank 0's progress line, into *r; CLI_OK, or an
 * exit status after printing why (*r NULL on rank 0). The other ranks
 * simulate their share for rank 0 and report only their own failure. */
static int simulate(const runoff_scenario *s, run_args *a, bool writer, const draws_sink *sink,
                    runoff_result **r)
{
    cli_progress prog;
    a->common.quiet = a->common.quiet || !writer;
    cli_common_progress(&a->common, &prog, "simulating");
    runoff_error err = {0};
    *r = cli_mpi_simulate(s, &a->common.sim, a->paths.draws_csv == NULL, &err);
    cli_progress_done(&prog);
    if (!writer)
        return *r == NULL && err.status != RUNOFF_OK ? cli_report_error(&err) : CLI_OK;
    if (*r != NULL)
        return CLI_OK;
    int status = CLI_FAIL;
    if (sink->failed && !cli_interrupted)
        cli_errorf("%s: write failed: %s", a->paths.draws_csv, strerror(sink->write_errno));
    else
        status = cli_report_error(&err);
    if (cli_interrupted)
        cli_errorf("interrupted: no output file was written");
    return status;
}

/* Open the outputs, simulate s, write them. */
static int run_scenario(const char *path, run_args *a, const runoff_scenario *s)
{
    cli_run_sink outs = {0};
    runoff_result *r = NULL;
    const bool writer = cli_mpi_rank() == 0;
    int status = open_outputs(&outs, &a->paths, s, path, writer);
    if (status == CLI_OK) {
        draws_sink sink = {.s = s};
        if (a->paths.draws_csv != NULL && writer)
            start_draws_csv(&sink, outs.outs[CLI_RUN_DRAWS].out.fp, &a->common.sim);
        status = simulate(s, a, writer, &sink, &r);
        if (status == CLI_OK && writer)
            status = cli_run_sink_write(&outs, s, r);
    }
    cli_run_sink_abort(&outs);
    runoff_result_free(r);
    return status;
}

int cli_run(int argc, char **argv)
{
    run_args a = {0};
    const char *path = NULL;
    int status = cli_parse_options("run", run_help, argc, argv, ":t:n:s:S:o:qh", run_options,
                                   &a.common, run_option, &a);
    if (status == CLI_OK)
        status = cli_one_scenario("run", argc, argv, &path);
    if (status == CLI_OK && (a.shard_count > 0 || a.out != NULL)) {
        status = cli_run_shard(path, &a.paths, a.out, a.shard_index, a.shard_count, &a.common);
        cli_common_free(&a.common);
        return cli_exit_status(status);
    }
    runoff_scenario *s = status == CLI_OK ? load_for_run(path, &a, &status) : NULL;
    cli_common_free(&a.common);
    if (s == NULL)
        return cli_exit_status(status);
    status = run_scenario(path, &a, s);
    runoff_scenario_free(s);
    return status;
}
