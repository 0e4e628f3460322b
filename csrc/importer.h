/* importer.h: what the importers of CMS/AMA files share, free of Lua: the
 * job (options, counts, rejects), and helpers for codes, dates, rejects and
 * statements. import.c runs a job in one transaction; each kind's file
 * (import_ncci.c, import_mue.c, ...) loads rows into its tables. */
#ifndef RC_IMPORTER_H
#define RC_IMPORTER_H

#include <stddef.h>
#include <sqlite3.h>
#include "date.h"

#define RC_IMPORT_MAX_FILES 32
#define RC_IMPORT_MAX_REJECTS 100
#define RC_IMPORT_REASON_LEN 160
#define RC_IMPORT_NAME_LEN 200
#define RC_IMPORT_EDITION_LEN 96

typedef struct rc_import_reject {
  const char *file;                  /* the path as given */
  long line;
  char reason[RC_IMPORT_REASON_LEN];
} rc_import_rejection;

typedef struct rc_import_job {
  sqlite3 *conn;
  const char *kind;
  const char *paths[RC_IMPORT_MAX_FILES];
  int npaths;
  const char *path;                  /* the file being read */
  const char *setting;               /* opts.setting, or NULL */
  char from[RC_DATE_LEN + 1];        /* opts.from, default 2015-01-01 */
  char to[RC_DATE_LEN + 1];          /* opts.to, "" when open-ended */
  char edition[RC_IMPORT_EDITION_LEN];  /* opts.version (or edition), else from the file name */
  char cover_from[RC_DATE_LEN + 1];  /* the dates of service the data covers ("" unknown): */
  char cover_to[RC_DATE_LEN + 1];    /* opts.from/to, else editions.tsv, else the edition */
  char name[RC_IMPORT_NAME_LEN];     /* the dataset name rows carry as source */
  int allow_empty;                   /* opts.allow_empty: keeping no rows is no failure */
  long read, kept, rejected, skipped;
  int codes_changed;
  int nrejects;
  rc_import_rejection rejects[RC_IMPORT_MAX_REJECTS];
  char err[512];                     /* why the import failed */
} rc_import_job;

/* What a row handler did with one row (DEFERRED: counted later). */
typedef enum {
  RC_ROW_KEPT, RC_ROW_SKIPPED, RC_ROW_REJECTED, RC_ROW_FATAL, RC_ROW_DEFERRED
} rc_row_result;

/* One kind of import: load every file of the job. Returns 0 on a failure
 * that must roll the import back (job->err says why). */
typedef int (*rc_import_fn)(rc_import_job *job);

int rc_import_ncci(rc_import_job *job);
int rc_import_mue(rc_import_job *job);
int rc_import_aoc(rc_import_job *job);
int rc_import_hcpcs(rc_import_job *job);
int rc_import_rvu(rc_import_job *job);
int rc_import_opps(rc_import_job *job);
int rc_import_cpt(rc_import_job *job);
int rc_import_lcd(rc_import_job *job);

/* import_common.c */
rc_row_result rc_import_reject(rc_import_job *job, long line, const char *fmt, ...);
int rc_import_fail(rc_import_job *job, const char *fmt, ...);
int rc_import_db_fail(rc_import_job *job, const char *what);
char *rc_import_trim(char *s);
int rc_import_code(const char *s, char out[6], const char **system);
int rc_import_date8(const char *s, char iso[RC_DATE_LEN + 1]);
int rc_import_day8(const char *s, long *day);
void rc_import_day_before(const char iso[RC_DATE_LEN + 1], char out[RC_DATE_LEN + 1]);
int rc_import_prepare(rc_import_job *job, const char *sql, sqlite3_stmt **st);
int rc_import_exec(rc_import_job *job, const char *sql, const char *setting);
rc_row_result rc_import_step(rc_import_job *job, sqlite3_stmt *st, long line);
void rc_import_bind_text(sqlite3_stmt *st, int i, const char *s);
void rc_import_bind_range(rc_import_job *job, sqlite3_stmt *st, int from, int to);
void rc_import_count(rc_import_job *job, rc_row_result r);
void rc_import_edition(const char *path, char *out, size_t cap);
int rc_import_coverage(const char *edition, char from[RC_DATE_LEN + 1], char to[RC_DATE_LEN + 1]);
int rc_import_name_codes(rc_import_job *job, const char *select);
int rc_import_name_list(rc_import_job *job, const char *codes, size_t n);

#endif
