/*
 * cli_sweep_partial.h — a sweep's partial file (cli_sweep_partial.c), for
 * cli_sweep.c. Its settings lines are also the settings of a sweep's
 * shard parts (cli_shard.h), under the part's own title.
 */
#ifndef RO_CLI_SWEEP_PARTIAL_H
#define RO_CLI_SWEEP_PARTIAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

/* The first line of every partial file; the settings lines follow. */
#define CLI_SWEEP_PARTIAL_TITLE \
    "# runoff sweep partial file: complete it with --resume, or delete it\n"

/* Everything that determines the rows, besides the grid's own columns
 * (checked row by row): the engine's version (implied), the scenario
 * file's fingerprint (which covers its simulation: and sweep: sections),
 * --seed, --draws, every --set and --vary in order, and --zip. Borrowed. */
typedef struct {
    uint64_t scenario_hash;
    const runoff_sim_options *sim;
    const cli_list *sets;
    const cli_list *varies;
    bool zip;
} cli_sweep_settings;

/* The title and the settings lines, as one string the caller frees; NULL
 * if out of memory. */
char *cli_sweep_partial_settings(const cli_sweep_settings *ss);

/* FILE.partial, open and locked (flock, released when fp is closed) for
 * the sweep's lifetime, so that a second sweep on the same file stops at
 * once instead of interleaving rows. The caller sets path (owned: the
 * caller frees it) and closes fp. */
typedef struct {
    char *path;
    FILE *fp;
    long data_start; /* where the CSV starts, after the settings */
    long first;      /* rows already there (resume) */
} cli_sweep_partial;

/* Opens pf->path: creates it with settings and sw's CSV header, or, with
 * resume, reopens it and checks its settings lines against settings and
 * its rows against sw's points, keeping the complete matching rows
 * (pf->first) and cutting off a torn last line. Returns CLI_OK, or an exit
 * status after printing why (an existing file without resume, another
 * sweep holding the lock, a difference). */
int cli_sweep_partial_open(cli_sweep_partial *pf, bool resume, const char *settings,
                           const runoff_sweep *sw);

/* The CSV part of the partial file into the final output (an atomic
 * cli_out), then the partial file removed; false after printing why. */
bool cli_sweep_partial_finish(cli_sweep_partial *pf, cli_out *out);

#endif /* RO_CLI_SWEEP_PARTIAL_H */
