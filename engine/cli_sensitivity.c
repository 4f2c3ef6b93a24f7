/*
 * cli_sensitivity.c — `runoff sensitivity SCENARIO [options]`: what decides
 * the outcome, as a ranked table on stdout, a CSV and the report page with
 * its tornado chart.
 *
 * The library does the work (runoff_sensitivity_run); this file resolves
 * the outputs before anything is simulated, as `run` does, and writes them.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "cli_out.h"

static const char sensitivity_help[] =
    "usage: runoff sensitivity SCENARIO [options]\n"
    "\n"
    "Move each uncertain input of SCENARIO down and up by a stated amount (every\n"
    "poll's share of the first finalist by 1 point, the systematic polling\n"
    "error by 1 point, turnout by 2 points, each transfer row by 5 points, the\n"
    "regional error's sds by 0.05 and its lean by 0.2), simulate every variant\n"
    "with the baseline's seed and draws (common random numbers), and rank the\n"
    "inputs by their effect on P(first finalist wins) and on the median share,\n"
    "with the Monte Carlo error of each change.\n"
    "\n"
    "options:\n"
    "  -n, --draws N           draws per variant (default: simulation.draws)\n"
    "  -s, --seed N            random seed (default: simulation.seed)\n"
    "  -t, --threads N         accepted for symmetry; variants run on one thread\n"
    "  -S, --set KEY=VALUE     override a scenario value first (repeatable)\n"
    "      --csv FILE          the table as CSV (columns: docs/outputs.md)\n"
    "      --html FILE         the report page of the baseline with the\n"
    "                          sensitivity (tornado) chart\n"
    "  -q, --quiet             no progress line\n"
    "      --progress          progress line even when stderr is not a terminal\n"
    "  -h, --help              this help\n";

enum { OPT_CSV = CLI_OPT_FIRST, OPT_HTML };

static const struct option sensitivity_options[] = {
    {"csv", required_argument, NULL, OPT_CSV},
    {"html", required_argument, NULL, OPT_HTML},
    CLI_SIM_OPTIONS,
    CLI_COMMON_OPTIONS,
};

typedef struct {
    const char *csv, *html;
    cli_common common;
} sensitivity_args;

static int sensitivity_option(void *ctx, int c, const char *arg)
{
    sensitivity_args *a = ctx;
    switch (c) {
    case OPT_CSV: a->csv = arg; break;
    case OPT_HTML: a->html = arg; break;
    default: return -1;
    }
    return CLI_OK;
}

int cli_sensitivity(int argc, char **argv)
{
    sensitivity_args a = {0};
    const char *path = NULL;
    runoff_doc *doc = NULL;
    runoff_sensitivity *sa = NULL;
    runoff_map *map = NULL;
    cli_out csv = {0}, html = {0};
    int status = cli_parse_options("sensitivity", sensitivity_help, argc, argv, ":t:n:s:S:qh",
                                   sensitivity_options, &a.common, sensitivity_option, &a);
    if (status == CLI_OK)
        status = cli_one_scenario("sensitivity", argc, argv, &path);
    runoff_scenario *s =
        status == CLI_OK ? cli_load(path, &a.common, &status, &doc) : NULL;
    if (s == NULL)
        goto done;
    char *inputs[1] = {(char *)path};
    bool to_stdout = (a.csv && strcmp(a.csv, "-") == 0) || (a.html && strcmp(a.html, "-") == 0);
    if ((a.csv && (status = cli_out_resolve_against(&csv, "--csv", a.csv, inputs, 1,
                                                    to_stdout ? NULL : "the table"))) ||
        (a.html && (status = cli_out_resolve_against(&html, "--html", a.html, inputs, 1,
                                                     to_stdout ? NULL : "the table"))))
        goto done;
    runoff_error err = {0};
    if (a.html != NULL && runoff_scenario_has_map(s) &&
        (map = runoff_map_load(s, path, &err)) == NULL) {
        status = cli_report_error(&err);
        goto done;
    }
    a.common.sim.progress = NULL;
    if ((sa = runoff_sensitivity_run(doc, &a.common.sim, &err)) == NULL) {
        status = cli_report_error(&err);
        goto done;
    }
    status = CLI_FAIL;
    if ((a.csv && (!cli_out_open(&csv) || runoff_write_sensitivity_csv(csv.fp, sa) != 0 ||
                   !cli_out_commit(&csv))) ||
        (a.html && (!cli_out_open(&html) || runoff_write_html_sensitivity(html.fp, sa, map) != 0 ||
                    !cli_out_commit(&html)))) {
        if (errno)
            cli_errorf("write failed: %s", strerror(errno));
        goto done;
    }
    if (!to_stdout && (runoff_write_sensitivity(stdout, sa) != 0 || fflush(stdout) != 0)) {
        cli_errorf("error writing standard output");
        goto done;
    }
    status = CLI_OK;
done:
    cli_out_abort(&csv);
    cli_out_abort(&html);
    runoff_sensitivity_free(sa);
    runoff_map_free(map);
    runoff_doc_free(doc);
    runoff_scenario_free(s);
    cli_common_free(&a.common);
    return cli_exit_status(status);
}
