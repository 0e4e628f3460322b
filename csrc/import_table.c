/* import_table.c: the loop shared by the delimited-file importers. Lines
 * before the header (CMS copyright preambles) are passed over; the header is
 * the first record that names every required column, matched loosely
 * (case, blanks and line ends inside quoted names do not matter). Each later
 * record becomes a row for the kind's handler; blank records are ignored,
 * short or broken ones (a line too long or holding a zero byte, too) are
 * rejected with their line number. */
#include "import_table.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "csv.h"
#include "reader.h"

#define NORM_LEN 96

typedef struct table_file {
  rc_import_job *job;
  const rc_table_spec *spec;
  void *state;
  rc_csv csv;
  int map[RC_TABLE_MAX_COLUMNS];     /* field of each column, -1 absent */
  int needed;                        /* fields a row must have */
  int found;                         /* the header has been seen */
} table_file;

/* Lower case, blank runs (line ends too) as one space, no outer blanks. */
static void normalize(const char *s, char out[NORM_LEN])
{
  size_t n = 0;
  int space = 0;
  if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF) s += 3;
  for (; *s && n < NORM_LEN - 2; s++) {
    if (isspace((unsigned char)*s)) { space = n > 0; continue; }
    if (space) out[n++] = ' ';
    space = 0;
    out[n++] = (char)tolower((unsigned char)*s);
  }
  out[n] = '\0';
}

static int matches(const char *header, const char *const *names)
{
  int i;
  for (i = 0; names[i] != NULL; i++) {
    if (names[i][0] == '~' ? strstr(header, names[i] + 1) != NULL : strcmp(header, names[i]) == 0)
      return 1;
  }
  return 0;
}

/* Maps the columns to the current record's fields; 1 if it is the header. */
static int match_header(table_file *t)
{
  char norm[RC_CSV_MAX_FIELDS][NORM_LEN];
  int taken[RC_CSV_MAX_FIELDS] = {0};
  int i, j;
  for (j = 0; j < t->csv.n; j++) normalize(t->csv.field[j], norm[j]);
  t->needed = 0;
  for (i = 0; i < t->spec->ncolumns; i++) {
    t->map[i] = -1;
    for (j = 0; j < t->csv.n && t->map[i] < 0; j++)
      if (!taken[j] && norm[j][0] && matches(norm[j], t->spec->columns[i].names)) t->map[i] = j;
    if (t->map[i] >= 0) taken[t->map[i]] = 1;
    else if (t->spec->columns[i].required) return 0;
    if (t->spec->columns[i].required && t->map[i] + 1 > t->needed) t->needed = t->map[i] + 1;
  }
  return 1;
}

static int is_blank_record(const rc_csv *c)
{
  int j;
  for (j = 0; j < c->n; j++)
    if (c->field[j][strspn(c->field[j], " \t\r\n")] != '\0') return 0;
  return 1;
}

static void map_in_order(table_file *t)
{
  int i;
  for (i = 0; i < t->spec->ncolumns; i++) t->map[i] = i;
  t->needed = 1;
}

/* Takes the header, or in positional mode decides whether the first record
 * is a header line (its first field is not a code) or already data. */
static int take_header(table_file *t, int *is_data)
{
  const int *present = t->map;
  int flags[RC_TABLE_MAX_COLUMNS], i;
  char code[6];
  *is_data = 0;
  if (t->spec->positional) {
    map_in_order(t);
    *is_data = rc_import_code(rc_import_trim(t->csv.field[0]), code, NULL);
  } else if (!match_header(t)) {
    return 1;
  }
  t->found = 1;
  t->csv.sniff = 0;
  for (i = 0; i < t->spec->ncolumns; i++) flags[i] = present[i] >= 0;
  return t->spec->header == NULL || t->spec->header(t->job, t->state, flags);
}

/* Hands one data record to the kind's row handler. */
static rc_row_result data_row(table_file *t)
{
  char empty[1] = "", *f[RC_TABLE_MAX_COLUMNS];
  int i, any = 0, m;
  long line = t->csv.line;
  if (t->csv.unterminated)
    return rc_import_reject(t->job, line, "a quoted field is not closed before the end of the file");
  if (t->csv.n < t->needed)
    return rc_import_reject(t->job, line, "expected at least %d fields, found %d", t->needed, t->csv.n);
  for (i = 0; i < t->spec->ncolumns; i++) {
    m = t->map[i];
    f[i] = (m >= 0 && m < t->csv.n) ? rc_import_trim(t->csv.field[m]) : empty;
    any |= t->spec->columns[i].required && f[i][0] != '\0';
  }
  if (!any) return RC_ROW_SKIPPED;
  return t->spec->row(t->job, t->state, f, line);
}

/* One record: the header search, then rows. Returns 0 on a fatal error. */
static int record(table_file *t)
{
  rc_row_result r;
  int is_data = 0;
  if (t->csv.bad != NULL) {
    rc_import_count(t->job, rc_import_reject(t->job, t->csv.line, "%s", t->csv.bad));
    return 1;
  }
  if (is_blank_record(&t->csv)) return 1;
  if (!t->found && (!take_header(t, &is_data) || !is_data)) return t->job->err[0] == '\0';
  r = data_row(t);
  if (r == RC_ROW_FATAL) return 0;
  rc_import_count(t->job, r);
  return 1;
}

/* "'a', 'b'": the first names of the required columns, for a message. */
static const char *required_names(const rc_table_spec *spec, char *out, size_t cap)
{
  size_t n = 0;
  int i;
  out[0] = '\0';
  for (i = 0; i < spec->ncolumns && n < cap; i++)
    if (spec->columns[i].required)
      n += (size_t)snprintf(out + n, cap - n, "%s'%s'", n ? ", " : "", spec->columns[i].names[0]);
  return out;
}

static int read_records(table_file *t, const char *path)
{
  char names[200];
  int got;
  while ((got = rc_csv_next(&t->csv)) > 0)
    if (!record(t)) return 0;
  if (got < 0)
    return rc_import_fail(t->job, "%s: line %ld: %s", path, rc_reader_lineno(t->csv.reader) + 1,
                          rc_reader_error(t->csv.reader));
  if (!t->found)
    return rc_import_fail(t->job, "%s: no header line naming the columns %s", path,
                          required_names(t->spec, names, sizeof names));
  return t->spec->end_file == NULL || t->spec->end_file(t->job, t->state);
}

/* Loads the records of an open reader (named name in messages); the
 * caller closes it. 0 on a fatal error. */
int rc_table_import_reader(rc_import_job *job, const rc_table_spec *spec, void *state, rc_reader *r,
                           const char *name)
{
  table_file t;
  int ok;
  memset(&t, 0, sizeof t);
  t.job = job;
  t.spec = spec;
  t.state = state;
  job->path = name;
  rc_csv_init(&t.csv, r, spec->delim ? spec->delim : ',');
  t.csv.sniff = spec->delim == 0;
  ok = read_records(&t, name);
  rc_csv_free(&t.csv);
  return ok;
}

static int load_file(rc_import_job *job, const rc_table_spec *spec, void *state, const char *path)
{
  rc_reader *r;
  int ok;
  job->path = path;
  if ((r = rc_reader_open(path, job->err, sizeof job->err)) == NULL) return 0;
  ok = rc_table_import_reader(job, spec, state, r, path);
  rc_reader_close(r);
  return ok;
}

/* Loads every file of the job with the kind's spec. 0 on a fatal error. */
int rc_table_import(rc_import_job *job, const rc_table_spec *spec, void *state)
{
  int i;
  for (i = 0; i < job->npaths; i++)
    if (!load_file(job, spec, state, job->paths[i])) return 0;
  return 1;
}
