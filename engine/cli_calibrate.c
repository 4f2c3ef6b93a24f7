/*
 * cli_calibrate.c — `runoff calibrate SCENARIO... [options]`.
 *
 * Loads every past election given (each with a first round, transfers,
 * region groups and actual.regions), fits the regional error on them
 * together (runoff_calibrate) and writes the regional_error section it
 * found as a YAML fragment, to stdout or atomically to --out FILE, for a
 * scenario generator to include (scripts/gen_regional.py, gen_fr2022.py).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_out.h"

static const char calibrate_help[] =
    "usage: runoff calibrate SCENARIO... [options]\n"
    "\n"
    "Fit the regional error (regional_error.sd, transfer_sd, local_lean and one\n"
    "sd shared by every region group) on past elections, integrating over the\n"
    "parameters' uncertainty (uniform priors), and write it as a YAML fragment:\n"
    "a complete regional_error section with the groups of the first SCENARIO,\n"
    "each value its posterior mean, local_lean_sd the lean's posterior sd, and\n"
    "the posterior sds and restricted ML estimates in comments. Each\n"
    "SCENARIO needs first_round, transfers and actual.regions, and all must\n"
    "declare the same region groups; their own sds are ignored. See\n"
    "docs/model.md (regional deviations).\n"
    "\n"
    "options:\n"
    "  -o, --out FILE          write the fragment to FILE (atomically) instead\n"
    "                          of stdout\n"
    "      --residuals-csv FILE  what the fit leaves unexplained: one row per\n"
    "                          region and election, actual against expected\n"
    "                          share (docs/outputs.md)\n"
    "  -S, --set KEY=VALUE     override a value in every scenario (repeatable)\n"
    "  -q, --quiet             accepted for symmetry (nothing long runs)\n"
    "      --progress          accepted for symmetry\n"
    "      --strict            refuse a scenario (exit 2) that has a warning\n"
    "  -h, --help              this help\n"
    "\n"
    "FILE may be - for stdout. It is written atomically (temporary file, then\n"
    "rename), and refused if it is one of the SCENARIO files.\n";

enum { OPT_RESIDUALS = CLI_OPT_FIRST };

static const struct option calibrate_options[] = {
    {"out", required_argument, NULL, 'o'},
    {"residuals-csv", required_argument, NULL, OPT_RESIDUALS},
    CLI_COMMON_OPTIONS,
};

typedef struct {
    const char *out, *residuals;
    cli_common common;
} calibrate_args;

static int calibrate_option(void *ctx, int c, const char *arg)
{
    calibrate_args *a = ctx;
    if (c == 'o')
        a->out = arg;
    else if (c == OPT_RESIDUALS)
        a->residuals = arg;
    else
        return -1;
    return CLI_OK;
}

/* --residuals-csv, refused when it is a scenario, the fragment's file, or
 * standard output while the fragment goes there. */
static int resolve_residuals(cli_out *res, const char *path, const cli_out *out, char **files,
                             size_t n_files)
{
    if (path == NULL)
        return CLI_OK;
    int st = cli_out_resolve_against(res, "--residuals-csv", path, files, n_files,
                                     out->kind == CLI_OUT_STDOUT ? "the fragment" : NULL);
    if (st == CLI_OK && out->kind != CLI_OUT_STDOUT) {
        const cli_file pair[2] = {cli_out_file(out), cli_out_file(res)};
        st = cli_files_check(pair, 2);
    }
    return st;
}

/* A writer's result (0, or -1 with errno set), a failure reported as the
 * other commands report one: what was written and the system's reason. */
static bool write_checked(int rc, const char *path)
{
    if (rc == 0)
        return true;
    const char *why = strerror(errno != 0 ? errno : EIO);
    if (strcmp(path, "-") == 0)
        cli_errorf("error writing standard output: %s", why);
    else
        cli_errorf("%s: write failed: %s", path, why);
    return false;
}

/* Every file loaded into items[0..*n) (calloc'd; the caller frees them);
 * CLI_OK, or the first failure's exit status after every file was tried,
 * so one run reports every bad scenario. */
static int load_all(char **files, size_t n_files, const cli_common *common,
                    runoff_scenario ***items, size_t *n)
{
    if ((*items = calloc(n_files, sizeof **items)) == NULL) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    int status = CLI_OK;
    for (size_t i = 0; i < n_files; i++) {
        int st = CLI_OK;
        runoff_scenario *s = cli_load(files[i], common, &st, NULL);
        if (s == NULL)
            status = status == CLI_OK ? st : status;
        else
            (*items)[(*n)++] = s;
    }
    return status;
}

/* The residuals (when asked for), then the fragment, each committed whole. */
static int write_outputs(const calibrate_args *a, cli_out *out, cli_out *res,
                         const runoff_calibration *cal, runoff_scenario **items, char **files,
                         size_t n)
{
    if (a->residuals != NULL &&
        (!cli_out_open(res) ||
         !write_checked(runoff_write_calibration_residuals(res->fp, cal,
                                                           (const runoff_scenario *const *)items,
                                                           (const char *const *)files, n),
                        a->residuals) ||
         !cli_out_commit(res)))
        return CLI_FAIL;
    if (!cli_out_open(out) ||
        !write_checked(runoff_write_calibration(out->fp, cal, (const char *const *)files, n),
                       a->out != NULL ? a->out : "-") ||
        !cli_out_commit(out))
        return CLI_FAIL;
    return CLI_OK;
}

int cli_calibrate(int argc, char **argv)
{
    calibrate_args a = {0};
    runoff_scenario **items = NULL;
    runoff_calibration *cal = NULL;
    cli_out out = {0}, res = {0};
    size_t n = 0;
    int status = cli_parse_options("calibrate", calibrate_help, argc, argv, ":o:S:qh",
                                   calibrate_options, &a.common, calibrate_option, &a);
    if (status == CLI_OK && optind >= argc) {
        cli_errorf("calibrate needs scenario files (see 'runoff calibrate --help')");
        status = CLI_USAGE;
    }
    if (status != CLI_OK)
        goto done;
    char **files = argv + optind;
    size_t n_files = (size_t)(argc - optind);
    /* the outputs are resolved, and refused if one is a scenario, before
     * anything is read or fitted */
    if ((status = cli_out_resolve_against(&out, "--out", a.out != NULL ? a.out : "-", files,
                                          n_files, NULL)) != CLI_OK ||
        (status = resolve_residuals(&res, a.residuals, &out, files, n_files)) != CLI_OK ||
        (status = load_all(files, n_files, &a.common, &items, &n)) != CLI_OK)
        goto done;
    runoff_error err = {0};
    if ((cal = runoff_calibrate((const runoff_scenario *const *)items, n, &err)) == NULL)
        status = cli_report_error(&err);
    else
        status = write_outputs(&a, &out, &res, cal, items, files, n);
done:
    cli_out_abort(&res);
    cli_out_abort(&out);
    runoff_calibration_free(cal);
    for (size_t i = 0; i < n; i++)
        runoff_scenario_free(items[i]);
    free(items);
    cli_common_free(&a.common);
    return cli_exit_status(status);
}
