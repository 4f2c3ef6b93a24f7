/*
 * cli_check.c — `runoff check SCENARIO [--set KEY=VALUE ...]`.
 *
 * Validates the scenario exactly as `run` would (same loader, same
 * overrides) and prints what was loaded, including the poll weights, so a
 * user can see what a run would use without simulating.
 */
#include "cli.h"

static const char check_help[] =
    "usage: runoff check SCENARIO [options]\n"
    "\n"
    "Validate SCENARIO (a YAML file, or - for stdin) and print a summary of\n"
    "what was loaded, with the polls used and their weights. Errors are\n"
    "reported as file:line:column: message, with exit status 2.\n"
    "\n"
    "options:\n"
    "  -S, --set KEY=VALUE     override a scenario value (repeatable)\n"
    "      --strict            refuse the scenario (exit 2) if it has a warning\n"
    "  -h, --help              this help\n";

static const struct option check_options[] = {
    {"set", required_argument, NULL, 'S'},
    {"strict", no_argument, NULL, CLI_OPT_STRICT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cli_check(int argc, char **argv)
{
    cli_common common = {0};
    const char *path = NULL;
    int status = cli_parse_options("check", check_help, argc, argv, ":S:h", check_options,
                                   &common, NULL, NULL);
    if (status == CLI_OK)
        status = cli_one_scenario("check", argc, argv, &path);
    if (status != CLI_OK) {
        cli_common_free(&common);
        return cli_exit_status(status);
    }
    runoff_doc *doc = NULL;
    runoff_scenario *s = cli_load(path, &common, &status, &doc);
    cli_common_free(&common);
    if (s == NULL)
        return status;
    runoff_error err = {0};
    runoff_sweep *sw = runoff_sweep_alloc();
    /* A sweep: section is checked too, so a bad spec fails here and not
     * only when someone runs the sweep. */
    if (sw == NULL) {
        cli_errorf("out of memory");
        status = CLI_FAIL;
    } else if (runoff_sweep_add_from_doc(sw, doc, &err) != RUNOFF_OK ||
               (runoff_sweep_n_axes(sw) > 0 && runoff_sweep_finish(sw, &err) != RUNOFF_OK)) {
        status = cli_report_error(&err);
    } else if (runoff_scenario_describe(s, stdout) != 0) {
        status = CLI_FAIL;
    } else if (runoff_write_poll_table(stdout, s, &err) != RUNOFF_OK) {
        status = cli_report_error(&err);
    } else if (runoff_sweep_n_axes(sw) > 0) {
        printf("\nSweep: %zu points over %zu axes (runoff sweep)\n", runoff_sweep_n_points(sw),
               runoff_sweep_n_axes(sw));
    }
    runoff_sweep_free(sw);
    runoff_doc_free(doc);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_errorf("error writing standard output");
        status = CLI_FAIL;
    }
    runoff_scenario_free(s);
    return status;
}
