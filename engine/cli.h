/*
 * cli.h — shared pieces of the runoff command-line program.
 *
 * The CLI is a client of include/runoff.h only. Each subcommand lives in
 * cli_<name>.c and is listed in the command table in cli.c. Conventions:
 * results on stdout, diagnostics on stderr as "runoff: message", exit
 * status 0 ok, 1 runtime failure, 2 bad usage or input.
 */
#ifndef RO_CLI_H
#define RO_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runoff.h"
#include "cli_out.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Set by a terminating signal (INT, TERM, HUP, QUIT) while a simulation
 * runs; the progress callback polls it and stops the run cleanly, and
 * main() then ends the program as the signal would (status 128+n). */
extern volatile sig_atomic_t cli_interrupted;

void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a library error as "runoff: file:line:col: message"; returns the
 * exit status it maps to. */
int cli_report_error(const runoff_error *err);

/* Strict number parsing for option values; on failure print why and return
 * false. */
bool cli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Growable list of --set assignments (borrowed argv strings). */
typedef struct {
    const char **items;
    size_t n, cap;
} cli_list;
bool cli_list_push(cli_list *l, const char *s);
void cli_list_free(cli_list *l);

/* Progress line on stderr, only when it is a terminal (or forced). From
 * cli_progress_init to cli_progress_done a signal stops the run through
 * the callback; outside, it ends the program at once. */
typedef struct {
    bool enabled;
    double start;
    double last;
    const char *what;
    uint64_t per_unit;  /* progress counts per unit shown (1: draws) */
    const char *unit;   /* "draws", "points" */
} cli_progress;
void cli_progress_init(cli_progress *p, bool enabled, const char *what);
int cli_progress_cb(void *ctx, uint64_t done, uint64_t total); /* non-zero = stop */
void cli_progress_done(cli_progress *p);

/* Shared option handling, so every command treats the same option the
 * same way. A command's option table lists its own rows, then
 * CLI_SIM_OPTIONS if it simulates, then CLI_COMMON_OPTIONS (which ends the
 * table); its own long-only options are numbered from CLI_OPT_FIRST. */
enum { CLI_OPT_PROGRESS = 256, CLI_OPT_FIRST };

#define CLI_SIM_OPTIONS                                                                   \
    {"threads", required_argument, NULL, 't'}, {"draws", required_argument, NULL, 'n'}, \
        {"seed", required_argument, NULL, 's'}
#define CLI_COMMON_OPTIONS                                                                \
    {"set", required_argument, NULL, 'S'}, {"quiet", no_argument, NULL, 'q'},           \
        {"progress", no_argument, NULL, CLI_OPT_PROGRESS},                              \
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}

/* What the shared options set. */
typedef struct {
    runoff_sim_options sim;    /* -t, -n, -s */
    cli_list sets;             /* -S KEY=VALUE, in order */
    bool quiet, force_progress;/* -q, --progress */
} cli_common;

/* A command's own options: returns CLI_OK if it took c, an exit status
 * after printing why the value is bad, or -1 if c is not its option. */
typedef int (*cli_option_fn)(void *ctx, int c, const char *arg);

/* getopt_long over argv with the command's shortopts (starting with ':')
 * and table. The shared options go into *common, the others to own (may
 * be NULL). Returns CLI_OK with optind at the first positional argument;
 * -1 after printing help on stdout for -h (see cli_exit_status); or an
 * exit status after printing what is wrong. The caller frees common's
 * list (cli_common_free) in every case. */
int cli_parse_options(const char *cmd, const char *help, int argc, char **argv,
                      const char *shortopts, const struct option *longopts, cli_common *common,
                      cli_option_fn own, void *ctx);
void cli_common_free(cli_common *common);
/* The status to exit with: status, except -1 (help was printed), which
 * becomes CLI_OK if stdout could be flushed, else CLI_FAIL. */
int cli_exit_status(int status);
/* Start p (on stderr when it is a terminal, or forced, unless quiet) and
 * make common->sim report to it. */
void cli_common_progress(cli_common *common, cli_progress *p, const char *what);

/*  - cli_sim_option: -t/--threads, -n/--draws, -s/--seed into sim; returns
 *    CLI_OK if it took c, CLI_USAGE after printing why a value is bad, or
 *    -1 if c is not one of them;
 *  - cli_bad_option: the message for getopt's ':' (missing value) or '?'
 *    (unknown option); returns CLI_USAGE;
 *  - cli_one_scenario: exactly one positional argument left, the scenario;
 *    CLI_OK or CLI_USAGE after printing why. */
int cli_sim_option(int c, const char *arg, runoff_sim_options *sim);
int cli_bad_option(const char *cmd, int c, char **argv);
int cli_one_scenario(const char *cmd, int argc, char **argv, const char **scenario);

/* Load a scenario with overrides, printing any error. With doc_out, the
 * parsed document (overrides applied) is kept there for the caller to free
 * (only when the scenario loaded). */
runoff_scenario *cli_load(const char *path, const cli_list *sets, int *status,
                          runoff_doc **doc_out);

int cli_run(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_backtest(int argc, char **argv);
int cli_calibrate(int argc, char **argv);
int cli_sensitivity(int argc, char **argv);

#endif /* RO_CLI_H */
