/*
 * cli_shard.h — the partial files of sharded runs and sweeps, as
 * cli_shard.c and cli_sweep.c write them and cli_merge.c reads them.
 *
 * A part starts with its title line, then "# KEY VALUE" settings lines
 * (every part of one run or sweep has the same ones, except "# shard"),
 * then its data: for a run, "scenario LEN", the scenario's LEN bytes and a
 * newline, then the result (runoff_result_save); for a sweep, the CSV
 * header and the rows of the shard's points.
 */
#ifndef RO_CLI_SHARD_H
#define RO_CLI_SHARD_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"

#define CLI_SHARD_RUN_TITLE "# runoff run shard: put the shards together with runoff merge\n"
#define CLI_SHARD_SWEEP_TITLE "# runoff sweep shard: put the shards together with runoff merge\n"

/* The settings lines every part of one run or sweep shares. */
typedef struct {
    const char *title;
    uint64_t hash;                  /* runoff_doc_hash of the file, before --set */
    const char *source;             /* the scenario's display name; NULL: no line */
    const runoff_sim_options *sim;  /* --seed, --draws */
    const cli_list *sets;
} cli_shard_settings;
void cli_shard_write_settings(FILE *m, const cli_shard_settings *set);

/* text with backslash and the bytes that could break a line written as
 * \xHH, so that every value stays on its line. */
void cli_shard_put_escaped(FILE *m, const char *text);

#endif /* RO_CLI_SHARD_H */
