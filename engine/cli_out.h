/*
 * cli_out.h — where the runoff program writes, decided before the first
 * draw.
 *
 * Every output of a command goes through a cli_out in three steps:
 * cli_out_resolve() (before any simulation: what the path names, whether
 * it can be written), cli_out_open() (before any simulation too, except a
 * sweep's final file), then cli_out_commit() or cli_out_abort(). What a
 * path names decides how it is written:
 *  - "-": standard output;
 *  - anything that is not a regular file (a device, a FIFO, a terminal, or
 *    a link to one): opened and written through, never replaced;
 *  - a regular file, a name still to be created, or a symbolic link to
 *    either: a temporary file in the directory of the link's target, with
 *    the umask's permissions, renamed over the target only when complete,
 *    so the link stays a link and nobody ever sees a half-written file.
 * A directory or an empty name is refused (CLI_USAGE); a directory that
 * cannot be written fails (CLI_FAIL), both before anything is computed.
 *
 * Two outputs of one command, or an output and an input, that are the same
 * file (same device and inode after following links; for a file still to
 * be created, same directory and name) are refused by cli_files_check()
 * with both names. The null device is the one file any number of outputs
 * may share.
 *
 * Temporary files are registered while they exist, so that a signal
 * handler can remove them (cli_out_remove_temps is async-signal-safe).
 */
#ifndef RO_CLI_OUT_H
#define RO_CLI_OUT_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Which file a path names, for same-file checks: the file's device and
 * inode, or, for a file still to be created, its directory's and its name
 * there. known is false when nothing could be found out (e.g. a closed
 * standard output); such a file conflicts with nothing. */
typedef struct {
    bool known;
    bool null_device;
    dev_t dev;
    ino_t ino;
    char name[NAME_MAX + 1]; /* "" when the file exists */
} cli_file_id;

/* An input (path "-": standard input) or standard output. */
bool cli_file_id_of_input(const char *path, cli_file_id *id);
void cli_file_id_of_stdout(cli_file_id *id);

/* One file a command reads or writes, for cli_files_check(). Messages
 * name it as "what path" (e.g. "--csv out.csv", "scenario s.yaml",
 * "standard output" with path ""). */
typedef struct {
    const char *what;
    const char *path;
    bool output;
    cli_file_id id;
} cli_file;

/* CLI_OK, or CLI_USAGE after printing the first output that is an input
 * or another output. */
int cli_files_check(const cli_file *files, size_t n);

typedef enum { CLI_OUT_STDOUT = 1, CLI_OUT_DIRECT, CLI_OUT_ATOMIC } cli_out_kind;

typedef struct {
    const char *option; /* "--csv": for messages (borrowed) */
    const char *path;   /* as given (borrowed) */
    cli_out_kind kind;  /* 0 until resolved */
    char *dest;         /* ATOMIC: the regular file replaced or created */
    cli_file_id id;
    FILE *fp;           /* after cli_out_open */
    char *tmp;          /* ATOMIC, while open: the temporary file */
} cli_out;

/* Decide how path will be written (see the top of this file). Returns
 * CLI_OK, or an exit status after printing why not. o is reset first;
 * release it with cli_out_abort() in every case. */
int cli_out_resolve(cli_out *o, const char *option, const char *path);
/* Resolve the output `option` (path) of a command that reads the scenario
 * files inputs[0..n) and, when stdout_what is not NULL, also writes what it
 * names to standard output; then refuse it (cli_files_check) when it is
 * one of those inputs or standard output itself. CLI_OK or an exit status
 * after printing why; release o with cli_out_abort() in every case. */
int cli_out_resolve_against(cli_out *o, const char *option, const char *path,
                            char *const *inputs, size_t n, const char *stdout_what);

/* A cli_file for cli_files_check() naming a resolved output. */
cli_file cli_out_file(const cli_out *o);
/* Open a resolved output; false after printing why. */
bool cli_out_open(cli_out *o);
/* Flush and close (ATOMIC: sync, then rename over dest); false after
 * printing why (naming the path and the system's reason). */
bool cli_out_commit(cli_out *o);
/* Close, remove the temporary file, free; safe on a zeroed or already
 * committed/aborted cli_out. */
void cli_out_abort(cli_out *o);

/* Remove every registered temporary file; async-signal-safe. Other
 * temporary files (a sweep's partial file before it is linked into place)
 * are registered with cli_temp_track (the string must outlive the
 * registration) and released with cli_temp_forget before being freed. */
void cli_out_remove_temps(void);
void cli_temp_track(char *path);
void cli_temp_forget(const char *path);

/* The permissions open(path, O_CREAT, 0666) would give under the current
 * umask: what a temporary file from mkstemp (0600) is set to. */
mode_t cli_file_mode(void);

#endif /* RO_CLI_OUT_H */
