/*
 * error.c — error records and the allocation wrappers.
 *
 * The allocation wrappers exist so that tests can make the N-th allocation
 * fail (Lua's test allocator does the same) and check that every
 * constructor cleans up and reports RUNOFF_ENOMEM instead of crashing.
 * The countdown is process state used only by tests; the engine never
 * sets it, so it is not hidden state the engine depends on.
 */
#include "error.h"
#include "text.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

runoff_status ro_error_set(runoff_error *err, runoff_status status, const char *file,
                           int line, int column, const char *fmt, ...)
{
    if (err == NULL || err->status != RUNOFF_OK)
        return status;
    err->status = status;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    /* A file name or a value quoted in the message can hold anything. */
    ro_text_make_inert(err->file, sizeof err->file);
    ro_text_make_inert(err->message, sizeof err->message);
    return status;
}

void ro_error_prefix(runoff_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    char prefix[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    const size_t cap = sizeof err->message;
    size_t p = w < 0 ? 0 : (size_t)w < cap ? (size_t)w : cap - 1;
    size_t len = strlen(err->message);
    if (p + len >= cap) { /* keep the message whole, cut the prefix */
        len = len < cap - 1 ? len : cap - 1;
        p = cap - 1 - len;
    }
    memmove(err->message + p, err->message, len);
    err->message[p + len] = '\0';
    memcpy(err->message, prefix, p);
}

void ro_error_clear(runoff_error *err)
{
    if (err != NULL)
        memset(err, 0, sizeof *err);
}

const char *runoff_error_format(const runoff_error *err, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    if (err == NULL) {
        snprintf(buf, size, "unknown error");
    } else if (err->file[0] != '\0' && err->line > 0) {
        snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line,
                 err->column > 0 ? err->column : 1, err->message);
    } else if (err->file[0] != '\0') {
        snprintf(buf, size, "%s: %s", err->file, err->message);
    } else {
        snprintf(buf, size, "%s", err->message);
    }
    return buf;
}

static _Atomic long alloc_countdown = -1;

void ro_alloc_fail_after(long n) { atomic_store(&alloc_countdown, n); }

static int alloc_should_fail(void)
{
    long n = atomic_load(&alloc_countdown);
    while (n >= 0) {
        if (n == 0)
            return 1;
        if (atomic_compare_exchange_weak(&alloc_countdown, &n, n - 1))
            return 0;
    }
    return 0;
}

void *ro_malloc(size_t size)
{
    return alloc_should_fail() ? NULL : malloc(size ? size : 1);
}

void *ro_calloc(size_t n, size_t size)
{
    return alloc_should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *ro_realloc(void *p, size_t size)
{
    return alloc_should_fail() ? NULL : realloc(p, size ? size : 1);
}

char *ro_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ro_malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}
