/*
 * cli_run.c — `runoff run SCENARIO [options]`.
 *
 * Loads the scenario (with --set overrides), simulates, then writes the
 * text report (or JSON) on stdout and any requested files. Every output
 * file goes through cli_out, so it appears under its final name only when
 * complete; a failure or an interruption removes the temporary files.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    "      --json[=FILE]       JSON summary to FILE, or instead of the text\n"
    "                          report on stdout when FILE is omitted\n"
    "  -q, --quiet             no progress line\n"
    "      --progress          progress line even when stderr is not a terminal\n"
    "  -h, --help              this help\n"
    "\n"
    "FILE may be - for stdout. Files are written atomically (temporary file,\n"
    "then rename). Numbers in CSV/JSON use a dot and full precision.\n";

enum { OPT_CSV = 256, OPT_HIST, OPT_REGIONS, OPT_DRAWS_CSV, OPT_JSON, OPT_PROGRESS };

static const struct option run_options[] = {
    {"threads", required_argument, NULL, 't'},
    {"draws", required_argument, NULL, 'n'},
    {"seed", required_argument, NULL, 's'},
    {"set", required_argument, NULL, 'S'},
    {"csv", required_argument, NULL, OPT_CSV},
    {"histogram-csv", required_argument, NULL, OPT_HIST},
    {"regions-csv", required_argument, NULL, OPT_REGIONS},
    {"draws-csv", required_argument, NULL, OPT_DRAWS_CSV},
    {"json", optional_argument, NULL, OPT_JSON},
    {"quiet", no_argument, NULL, 'q'},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    const char *csv, *hist, *regions, *draws_csv, *json;
    bool json_stdout, quiet, force_progress;
    runoff_sim_options sim;
    cli_list sets;
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

static int parse_args(int argc, char **argv, run_args *a, const char **scenario)
{
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":t:n:s:S:qh", run_options, NULL)) != -1) {
        switch (c) {
        case 'S':
            if (!cli_list_push(&a->sets, optarg)) {
                cli_errorf("out of memory");
                return CLI_FAIL;
            }
            break;
        case OPT_CSV: a->csv = optarg; break;
        case OPT_HIST: a->hist = optarg; break;
        case OPT_REGIONS: a->regions = optarg; break;
        case OPT_DRAWS_CSV: a->draws_csv = optarg; break;
        case OPT_JSON:
            if (optarg == NULL)
                a->json_stdout = true;
            else
                a->json = optarg;
            break;
        case 'q': a->quiet = true; break;
        case OPT_PROGRESS: a->force_progress = true; break;
        case 'h':
            fputs(run_help, stdout);
            return -1;
        default: {
            int st = cli_sim_option(c, optarg, &a->sim);
            if (st != CLI_OK)
                return st < 0 ? cli_bad_option("run", c, argv) : st;
        }
        }
    }
    if (cli_one_scenario("run", argc, argv, scenario) != CLI_OK)
        return CLI_USAGE;
    return CLI_OK;
}

int cli_run(int argc, char **argv)
{
    run_args a = {0};
    const char *path = NULL;
    int status = parse_args(argc, argv, &a, &path);
    if (status != CLI_OK) {
        cli_list_free(&a.sets);
        return status < 0 ? (fflush(stdout) == 0 ? CLI_OK : CLI_FAIL) : status;
    }
    runoff_scenario *s = cli_load(path, &a.sets, &status, NULL);
    cli_list_free(&a.sets);
    if (s == NULL)
        return status;

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
        a.sim.on_draw = on_draw;
        a.sim.on_draw_ctx = &sink;
    }

    cli_progress prog;
    cli_progress_init(&prog, !a.quiet && (a.force_progress || isatty(STDERR_FILENO)), "simulating");
    a.sim.progress = cli_progress_cb;
    a.sim.progress_ctx = &prog;
    runoff_error err = {0};
    r = runoff_simulate(s, &a.sim, &err);
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
