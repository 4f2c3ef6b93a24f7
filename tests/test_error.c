/*
 * test_error.c — the error record helpers (error.c): ro_error_set keeps
 * the first error, ro_error_prefix puts a prefix before the message and,
 * when both do not fit, keeps the message whole and cuts the prefix.
 */
#include <string.h>

#include "error.h"
#include "testutil.h"

static void test_first_error_wins(void **state)
{
    (void)state;
    runoff_error err = {0};
    assert_int_equal(ro_error_set(&err, RUNOFF_EINPUT, "a.yaml", 3, 4, "first %d", 1),
                     RUNOFF_EINPUT);
    assert_int_equal(ro_error_set(&err, RUNOFF_ENOMEM, NULL, 0, 0, "second"), RUNOFF_ENOMEM);
    assert_int_equal(err.status, RUNOFF_EINPUT);
    assert_string_equal(err.message, "first 1");
    assert_int_equal(err.line, 3);
}

static void test_prefix(void **state)
{
    (void)state;
    runoff_error err = {0};
    ro_error_set(&err, RUNOFF_EINPUT, "a.yaml", 3, 4, "share is 110");
    ro_error_prefix(&err, "sweep point %d of %d: ", 3, 7);
    assert_string_equal(err.message, "sweep point 3 of 7: share is 110");
    assert_string_equal(err.file, "a.yaml"); /* the position is untouched */
    ro_error_prefix(NULL, "ignored %d", 1);
}

static void test_prefix_that_does_not_fit_is_cut(void **state)
{
    (void)state;
    runoff_error err = {0};
    const size_t cap = sizeof err.message;
    char msg[sizeof err.message];
    memset(msg, 'm', cap - 11);
    msg[cap - 11] = '\0';
    ro_error_set(&err, RUNOFF_EINPUT, NULL, 0, 0, "%s", msg);
    ro_error_prefix(&err, "%s", "0123456789ABCDEF");
    assert_int_equal(strlen(err.message), cap - 1);
    assert_int_equal(strncmp(err.message, "0123456789", 10), 0);
    assert_string_equal(err.message + 10, msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_prefix_that_does_not_fit_is_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
