/*
 * date.c — YYYY-MM-DD text ↔ days since 1970-01-01.
 *
 * Owns the calendar and nothing else. The conversions are Howard Hinnant's
 * days_from_civil / civil_from_days: exact integer arithmetic over 400-year
 * eras, no time zones and no libc time functions (whose range and locale
 * vary), so a date reads and prints the same on every platform.
 */
#include "date.h"

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool ro_date_parse(const char *text, int32_t *days)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (text[i] == '\0' || (dash ? text[i] != '-' : (text[i] < '0' || text[i] > '9')))
            return false;
    }
    if (text[10] != '\0')
        return false;
    int y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    int m = (text[5] - '0') * 10 + (text[6] - '0');
    int d = (text[8] - '0') * 10 + (text[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    if (d > month_days[m - 1] + (m == 2 && is_leap(y)))
        return false;
    *days = (int32_t)days_from_civil(y, m, d);
    return true;
}

void ro_date_format(int32_t days, char buf[11])
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    y += m <= 2;
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    int yy = (int)y;
    int digits[8] = {yy / 1000, yy / 100 % 10, yy / 10 % 10, yy % 10,
                     m / 10,    m % 10,        d / 10,       d % 10};
    const int at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    for (int i = 0; i < 8; i++)
        buf[at[i]] = (char)('0' + digits[i]);
    buf[4] = buf[7] = '-';
    buf[10] = '\0';
}
