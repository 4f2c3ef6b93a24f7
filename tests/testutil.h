/*
 * testutil.h — helpers shared by the cmocka tests.
 *
 * cmocka 1.1.5 has no floating-point asserts, so assert_close() prints both
 * values and the tolerance before failing.
 */
#ifndef RO_TESTUTIL_H
#define RO_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#define assert_close(actual, expected, tol)                                          \
    do {                                                                             \
        double ro_a_ = (double)(actual), ro_e_ = (double)(expected),                 \
               ro_t_ = (double)(tol);                                                \
        if (!(fabs(ro_a_ - ro_e_) <= ro_t_)) {                                       \
            print_error("%s = %.17g, expected %.17g within %.3g (off by %.3g)\n",    \
                        #actual, ro_a_, ro_e_, ro_t_, fabs(ro_a_ - ro_e_));          \
            fail();                                                                  \
        }                                                                            \
    } while (0)

#endif /* RO_TESTUTIL_H */
