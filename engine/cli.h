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

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runoff.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Set by SIGINT/SIGTERM; long work polls it and stops cleanly. */
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

/* An output file written atomically: a temporary file in the same
 * directory, renamed over the final name only by cli_out_commit(), so an
 * interrupted or failed run never leaves a truncated file that looks
 * complete. Path "-" writes to stdout instead. */
typedef struct {
    FILE *fp;
    char *path;     /* final name */
    char *tmp;      /* temporary name; NULL for stdout */
} cli_out;
bool cli_out_open(cli_out *o, const char *path);
bool cli_out_commit(cli_out *o); /* prints the error itself */
void cli_out_abort(cli_out *o);  /* removes the temporary file; safe twice */

/* Progress line on stderr, only when it is a terminal (or forced). */
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
 * same way:
 *  - cli_sim_option: -t/--threads, -n/--draws, -s/--seed into sim; returns
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

#endif /* RO_CLI_H */
