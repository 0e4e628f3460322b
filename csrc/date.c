/* date.c: ISO calendar dates. Parses "YYYY-MM-DD" strictly (real months and
 * days, leap years), turns dates into day numbers (days since 1970-01-01) so
 * they can be compared and counted, formats them back, and gives today's
 * local date. The day arithmetic is the proleptic Gregorian civil calendar. */
#define _POSIX_C_SOURCE 200809L
#include "date.h"

#include <time.h>

static int is_leap(long y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long y, int m)
{
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && is_leap(y)) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a valid civil date (era-based algorithm). */
static long days_from_civil(long y, int m, int d)
{
  long era, yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int read_digits(const char *s, int n, long *out)
{
  long v = 0;
  int i;
  for (i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

/* Parses exactly "YYYY-MM-DD" (years 1900-9999) into a day number. */
rc_date_result rc_date_parse(const char *s, size_t len, long *day)
{
  long y, m, d;
  if (len != RC_DATE_LEN || s[4] != '-' || s[7] != '-') return RC_DATE_MALFORMED;
  if (!read_digits(s, 4, &y) || !read_digits(s + 5, 2, &m) || !read_digits(s + 8, 2, &d))
    return RC_DATE_MALFORMED;
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, (int)m))
    return RC_DATE_IMPOSSIBLE;
  *day = days_from_civil(y, (int)m, (int)d);
  return RC_DATE_OK;
}

void rc_date_format(long day, char out[RC_DATE_LEN + 1])
{
  long z = day + 719468, era, doe, yoe, doy, mp, d, m, y;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
  out[0] = (char)('0' + (y / 1000) % 10);
  out[1] = (char)('0' + (y / 100) % 10);
  out[2] = (char)('0' + (y / 10) % 10);
  out[3] = (char)('0' + y % 10);
  out[4] = '-';
  out[5] = (char)('0' + m / 10);
  out[6] = (char)('0' + m % 10);
  out[7] = '-';
  out[8] = (char)('0' + d / 10);
  out[9] = (char)('0' + d % 10);
  out[10] = '\0';
}

long rc_date_today(void)
{
  time_t now = time(NULL);
  struct tm tm;
  if (localtime_r(&now, &tm) == NULL) return 0;
  return days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1, tm.tm_mday);
}
