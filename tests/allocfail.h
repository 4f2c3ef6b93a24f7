/*
 * allocfail.h — drive a function through every allocation failure.
 *
 * alloc_failure_loop() runs attempt() with the allocation hook
 * (ro_alloc_fail_after, engine/error.h) set to fail the n-th allocation,
 * for n = 0, 1, 2, ... until an attempt succeeds. Every failed attempt
 * must report RUNOFF_ENOMEM; whatever it allocated before failing must
 * have been freed (the sanitizer stage of `make test` runs these tests
 * with LeakSanitizer, which fails the program on any leak). Returns the
 * number of failed attempts, i.e. how many allocations success needed.
 */
#ifndef RO_ALLOCFAIL_H
#define RO_ALLOCFAIL_H

#include "error.h"
#include "testutil.h"

/* One attempt: returns non-zero on success (having released what it
 * made) and fills *err on failure. It may disarm the hook
 * (ro_alloc_fail_after(-1)) once the call under test has returned, to
 * check the result with code that allocates. */
typedef int (*alloc_attempt_fn)(void *ctx, runoff_error *err);

#define ALLOC_FAILURE_MAX_STEPS 1000000L

static inline long alloc_failure_loop(alloc_attempt_fn attempt, void *ctx)
{
    for (long n = 0; n < ALLOC_FAILURE_MAX_STEPS; n++) {
        runoff_error err = {0};
        ro_alloc_fail_after(n);
        int ok = attempt(ctx, &err);
        ro_alloc_fail_after(-1);
        if (ok)
            return n;
        if (err.status != RUNOFF_ENOMEM) {
            print_error("allocation %ld failed: status %d, '%s', expected RUNOFF_ENOMEM\n", n,
                        (int)err.status, err.message);
            fail();
        }
    }
    print_error("no success after %ld allocation failures\n", ALLOC_FAILURE_MAX_STEPS);
    fail();
    return -1;
}

#endif /* RO_ALLOCFAIL_H */
