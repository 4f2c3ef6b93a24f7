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
enum { CLI_OPT_PROGRESS = 256, CLI_OPT_STRICT, CLI_OPT_FIRST };

#define CLI_SIM_OPTIONS                                                                   \
    {"threads", required_argument, NULL, 't'}, {"draws", required_argument, NULL, 'n'}, \
        {"seed", required_argument, NULL, 's'}
#define CLI_COMMON_OPTIONS                                                                \
    {"set", required_argument, NULL, 'S'}, {"quiet", no_argument, NULL, 'q'},           \
        {"progress", no_argument, NULL, CLI_OPT_PROGRESS},                              \
        {"strict", no_argument, NULL, CLI_OPT_STRICT},                                  \
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}

/* What the shared options set. */
typedef struct {
    runoff_sim_options sim;    /* -t, -n, -s */
    cli_list sets;             /* -S KEY=VALUE, in order */
    bool quiet, force_progress;/* -q, --progress */
    bool strict;               /* --strict: warnings refuse the scenario */
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

/* Load a scenario with common's overrides, printing any error and then
 * its warnings (cli_warnings). With doc_out, the parsed document
 * (overrides applied) is kept there for the caller to free (only when the
 * scenario loaded). */
runoff_scenario *cli_load(const char *path, const cli_common *common, int *status,
                          runoff_doc **doc_out);
/* Print s's warnings on stderr ("runoff: file:line:column: warning: ...");
 * CLI_OK, or CLI_USAGE when there is one and strict (after saying that
 * --strict refuses them), or CLI_FAIL when they cannot be computed. */
int cli_warnings(const runoff_scenario *s, bool strict);

/* ---- run's outputs, shared by run and merge (cli_run.c) ---- */

/* The output files of `runoff run` (NULL: not asked for). */
typedef struct {
    const char *csv, *hist, *regions, *draws_csv, *trend, *json, *html;
    bool json_stdout;          /* --json without a file: JSON instead of the report */
    bool brief;                /* --brief: the headline alone instead of the report */
} cli_run_paths;

/* run's output options, for run's and merge's option tables. */
enum { CLI_RUN_OPT_CSV = CLI_OPT_FIRST, CLI_RUN_OPT_HIST, CLI_RUN_OPT_REGIONS, CLI_RUN_OPT_TREND,
       CLI_RUN_OPT_JSON, CLI_RUN_OPT_HTML, CLI_RUN_OPT_BRIEF, CLI_RUN_OPT_END };
#define CLI_RUN_OUTPUT_OPTIONS                                                            \
    {"csv", required_argument, NULL, CLI_RUN_OPT_CSV},                                    \
        {"histogram-csv", required_argument, NULL, CLI_RUN_OPT_HIST},                     \
        {"regions-csv", required_argument, NULL, CLI_RUN_OPT_REGIONS},                    \
        {"trend-csv", required_argument, NULL, CLI_RUN_OPT_TREND},                        \
        {"json", optional_argument, NULL, CLI_RUN_OPT_JSON},                              \
        {"html", required_argument, NULL, CLI_RUN_OPT_HTML},                              \
        {"brief", no_argument, NULL, CLI_RUN_OPT_BRIEF}
/* One of those options into *p: CLI_OK, or -1 if c is not one of them. */
int cli_run_output_option(cli_run_paths *p, int c, const char *arg);

/* The outputs of one run, resolved and opened before anything is computed,
 * written when the result is there. --draws-csv (fn NULL) is written
 * during the run by the caller. */
typedef struct {
    const char *option, *path;
    int (*fn)(FILE *, const runoff_scenario *, const runoff_result *);
    cli_out out;
} cli_run_output;
/* The outputs, in the order they are resolved, opened and written. */
enum {
    CLI_RUN_DRAWS,   /* --draws-csv, written during the run */
    CLI_RUN_CSV,
    CLI_RUN_HIST,
    CLI_RUN_REGIONS,
    CLI_RUN_TREND,
    CLI_RUN_JSON,
    CLI_RUN_HTML,    /* written with the map */
    CLI_RUN_OUTPUTS
};
typedef struct {
    cli_run_output outs[CLI_RUN_OUTPUTS];
    bool json_stdout, brief;
    bool report;               /* the report (or JSON) goes to standard output */
    runoff_map *map;           /* the page's map (cli_run_sink_map), or NULL */
} cli_run_sink;
/* Resolve and open p's outputs, refusing any that is one of the inputs
 * (named `what` in messages) or another output. CLI_OK or an exit status
 * after printing why; release k with cli_run_sink_abort in every case. */
int cli_run_sink_open(cli_run_sink *k, const cli_run_paths *p, const char *what,
                      const char *const *inputs, size_t n_inputs);
/* With --html and a scenario that names a map, read the map now (so a bad
 * outline file fails before the run); scenario_path is where the map's
 * relative file name starts. CLI_OK or an exit status after printing why. */
int cli_run_sink_map(cli_run_sink *k, const runoff_scenario *s, const char *scenario_path);
/* Write r (of s) to every output and commit them, then the report on
 * standard output unless an output took it. CLI_OK or CLI_FAIL. */
int cli_run_sink_write(cli_run_sink *k, const runoff_scenario *s, const runoff_result *r);
void cli_run_sink_abort(cli_run_sink *k);

/* ---- shards (cli_shard.c) ---- */

/* "I/N" with 1 <= I <= N into *index = I - 1 and *count = N; false after
 * printing why. */
bool cli_parse_shard(const char *opt, const char *text, uint64_t *index, uint64_t *count);
/* runoff run SCENARIO --shard I/N --out FILE: the shard's draws into a
 * partial file. Returns an exit status. */
int cli_run_shard(const char *path, const cli_run_paths *paths, const char *out, uint64_t index,
                  uint64_t count, cli_common *common);

/* ---- MPI (cli_mpi.c; one rank unless built with make MPI=1) ---- */

void cli_mpi_init(int *argc, char ***argv);
void cli_mpi_finalize(void);
int cli_mpi_rank(void);
int cli_mpi_size(void);
/* The worst (largest) of every rank's status: all ranks call it together. */
int cli_mpi_agree(int status);
/* runoff_simulate, with the blocks divided among the ranks: rank 0 gets
 * the whole run's result, exactly; the other ranks get NULL (err set only
 * when their own part failed). Without divide (every rank passes the
 * same), rank 0 runs it all (e.g. draws handed to on_draw in order). */
runoff_result *cli_mpi_simulate(const runoff_scenario *s, runoff_sim_options *opt, bool divide,
                                runoff_error *err);
/* Every rank's rows (mine, len; ok false when the rank failed) joined in
 * rank order on rank 0 (malloc'd, *total bytes; *all_ok false when a rank
 * failed or memory ran out); NULL on the other ranks. */
char *cli_mpi_gather_rows(const char *mine, size_t len, bool ok, size_t *total, bool *all_ok);

int cli_run(int argc, char **argv);
int cli_merge(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_backtest(int argc, char **argv);
int cli_calibrate(int argc, char **argv);
int cli_sensitivity(int argc, char **argv);

#endif /* RO_CLI_H */
