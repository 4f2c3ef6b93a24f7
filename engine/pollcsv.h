/*
 * pollcsv.h — a table of polls in CSV (polls: {file: polls.csv}) read into
 * a document of the YAML poll form, internal to the loader.
 *
 * The table's first row names the columns (docs/scenario.md, "Polls from a
 * CSV file"): id, pollster, start, end, sample, one column per finalist id,
 * undecided, population, rolling, in any order; pollster, start, end and
 * both finalist columns are required. Each further row becomes one mapping
 * of the list under the root's key "polls", with the keys of a YAML poll
 * (the finalist columns under "shares"), every cell a plain scalar at the
 * cell's line and column (1-based, counted in characters, after a UTF-8
 * byte-order mark; a quoted field's position is its opening quote). An
 * empty cell of an optional column is left out, as an absent key; an empty
 * cell of a required column stays, an empty value, so that the loader
 * refuses it at the cell. The loader then reads the list with the same
 * readers as YAML polls, so a value is accepted or refused, with the same
 * message, whichever form it came in.
 *
 * The table itself is refused, at the offending cell, for: an unknown,
 * repeated or missing column, a row with more or fewer fields than the
 * header, a stray quote, an unterminated quoted field, a NUL byte, invalid
 * UTF-8, more than 100,000 rows or more than 64 MiB, and a path that is not
 * a regular file (a FIFO could block the load). Lines end in LF, CRLF
 * or CR; blank lines are skipped; spaces are kept (" 52" is not a number).
 */
#ifndef RO_POLLCSV_H
#define RO_POLLCSV_H

#include <stddef.h>

#include "runoff.h"

/* Reads the file at path (its display name in errors, also the returned
 * document's name). finalists: the two finalist ids, the share columns.
 * Returns a document whose root maps "polls" to the list, or NULL with err
 * set (RUNOFF_EINPUT for the table and a file that cannot be read,
 * RUNOFF_ENOMEM). Free with runoff_doc_free. */
runoff_doc *ro_pollcsv_read(const char *path, const char *const finalists[2],
                            runoff_error *err);

/* The same from len bytes in memory, named name. */
runoff_doc *ro_pollcsv_parse(const char *name, const char *buf, size_t len,
                             const char *const finalists[2], runoff_error *err);

#endif /* RO_POLLCSV_H */
