/*
 * date.h — calendar dates as day counts, for the loader, the aggregation
 * and the writers.
 *
 * A date is an int32_t count of days since 1970-01-01 in the proleptic
 * Gregorian calendar, so that ages and differences are plain subtraction.
 */
#ifndef RO_DATE_H
#define RO_DATE_H

#include <stdbool.h>
#include <stdint.h>

/* Strict YYYY-MM-DD, real dates only (no 2022-02-30, no trailing text):
 * true and *days set, or false and *days untouched. */
bool ro_date_parse(const char *text, int32_t *days);

/* days → "YYYY-MM-DD" in buf (always NUL-terminated); years outside
 * 0..9999 are clamped so the text keeps its fixed width. */
void ro_date_format(int32_t days, char buf[11]);

#endif /* RO_DATE_H */
