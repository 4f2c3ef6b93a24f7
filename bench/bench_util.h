/*
 * bench_util.h — what the bench programs share: a monotonic wall clock and
 * loading a scenario or exiting with the loader's message.
 */
#ifndef RO_BENCH_UTIL_H
#define RO_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "runoff.h"

/* Seconds on the monotonic clock. */
static inline double bench_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The scenario at path, or exit(2) after printing "PROG: message". */
static inline runoff_scenario *bench_load(const char *prog, const char *path)
{
    runoff_error err = {0};
    runoff_scenario *s = runoff_scenario_load(path, NULL, 0, &err);
    if (s == NULL) {
        char buf[2048];
        fprintf(stderr, "%s: %s\n", prog, runoff_error_format(&err, buf, sizeof buf));
        exit(2);
    }
    return s;
}

#endif /* RO_BENCH_UTIL_H */
