/*
 * error.h — the one way an engine module reports a failure.
 *
 * Every fallible function takes an optional runoff_error* (NULL allowed)
 * and calls ro_error_set() exactly once on failure, then returns NULL or
 * the status. The first error wins: ro_error_set() does not overwrite an
 * error already recorded in the same record, so a low-level message with a
 * precise position is not replaced by a vaguer one from a caller.
 */
#ifndef RO_ERROR_H
#define RO_ERROR_H

#include "runoff.h"

#if defined(__GNUC__)
#define RO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define RO_PRINTF(f, a)
#endif

/* Record status, position and a printf-style message; returns status so
 * callers can write `return ro_error_set(err, ...)`. file may be NULL. */
runoff_status ro_error_set(runoff_error *err, runoff_status status, const char *file,
                           int line, int column, const char *fmt, ...) RO_PRINTF(6, 7);

/* Put a printf-style prefix before the record's message, in place; when
 * both do not fit, the prefix is cut and the message kept whole. */
void ro_error_prefix(runoff_error *err, const char *fmt, ...) RO_PRINTF(2, 3);

/* Clear a record before reuse. NULL is a no-op. */
void ro_error_clear(runoff_error *err);

/* Allocation hook for tests: when the countdown reaches zero, ro_malloc /
 * ro_calloc / ro_realloc fail (return NULL) once the counter hits 0 and every
 * time after, until reset with a negative value. Default: never fail.
 * Per-process test hook, not used by the engine itself. */
void ro_alloc_fail_after(long n);

void *ro_malloc(size_t size);
void *ro_calloc(size_t n, size_t size);
void *ro_realloc(void *p, size_t size);
char *ro_strdup(const char *s);

#endif /* RO_ERROR_H */
