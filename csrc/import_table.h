/* import_table.h: loading delimited files (CSV or tab-separated) whose
 * columns are found by their header names, after any preamble. */
#ifndef RC_IMPORT_TABLE_H
#define RC_IMPORT_TABLE_H

#include "importer.h"
#include "reader.h"

#define RC_TABLE_MAX_COLUMNS 12

/* A column the importer reads. names are lower-case header names with runs
 * of blanks as one space; a name that starts with '~' matches any header
 * that contains the rest. The first column spec claims its field first. */
typedef struct rc_table_column {
  const char *const *names;
  int required;
} rc_table_column;

/* A row handler gets the columns' trimmed texts in spec order ("" for an
 * absent optional column) and the row's first line number. */
typedef rc_row_result (*rc_table_row_fn)(rc_import_job *job, void *state, char **f, long line);

typedef struct rc_table_spec {
  const rc_table_column *columns;
  int ncolumns;
  char delim;             /* ',' or '\t'; 0: tab when the header has tabs */
  int positional;         /* no header needed: the columns in order */
  rc_table_row_fn row;
  int (*header)(rc_import_job *job, void *state, const int *present);
  int (*end_file)(rc_import_job *job, void *state);
} rc_table_spec;

int rc_table_import(rc_import_job *job, const rc_table_spec *spec, void *state);
/* The same for one open reader (a zip member), named name in messages. */
int rc_table_import_reader(rc_import_job *job, const rc_table_spec *spec, void *state, rc_reader *r,
                           const char *name);

#endif
