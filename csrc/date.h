/* date.h: ISO calendar dates (YYYY-MM-DD) as day numbers. */
#ifndef RC_DATE_H
#define RC_DATE_H

#include <stddef.h>

#define RC_DATE_LEN 10          /* "YYYY-MM-DD" */
#define RC_FIRST_DOS "2015-01-01" /* the earliest date of service radcode covers */

typedef enum { RC_DATE_OK, RC_DATE_MALFORMED, RC_DATE_IMPOSSIBLE } rc_date_result;

rc_date_result rc_date_parse(const char *s, size_t len, long *day);
void rc_date_format(long day, char out[RC_DATE_LEN + 1]);
long rc_date_today(void);

#endif
