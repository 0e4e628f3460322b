/* csv.c: records of a delimited file, one at a time. A line without a
 * double quote is split in place at the delimiter (the fast path, which the
 * big NCCI files take). A line with quotes is copied field by field: a field
 * that starts with a quote ends at the closing quote, "" inside it stands for
 * one quote, and a line end inside it continues the field on the next line
 * (CMS headers such as "HCPCS/\nCPT Code"). Fields are not trimmed. While
 * sniffing, each line is split at tabs if it has any, else at commas. A
 * record with a line the reader could not give (too long, a zero byte), or
 * a quoted one longer than RC_CSV_MAX_RECORD, comes back as one empty field
 * with the reason in bad. */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

void rc_csv_init(rc_csv *c, rc_reader *r, char delim)
{
  memset(c, 0, sizeof *c);
  c->reader = r;
  c->delim = delim;
}

void rc_csv_free(rc_csv *c)
{
  free(c->buf);
  c->buf = NULL;
}

static void split_plain(rc_csv *c, char *line)
{
  char *p = line;
  c->n = 0;
  c->field[c->n++] = p;
  while ((p = strchr(p, c->delim)) != NULL) {
    *p++ = '\0';
    if (c->n < RC_CSV_MAX_FIELDS) c->field[c->n++] = p;
  }
}

static int put(rc_csv *c, char ch)
{
  if (c->len + 1 >= (size_t)RC_CSV_MAX_RECORD) {
    if (c->bad == NULL) c->bad = "the record is longer than 16 MiB";
    return 1;
  }
  if (c->len == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 1024;
    char *bigger = realloc(c->buf, cap);
    if (bigger == NULL) return 0;
    c->buf = bigger;
    c->cap = cap;
  }
  c->buf[c->len++] = ch;
  return 1;
}

typedef struct quoted {
  size_t start[RC_CSV_MAX_FIELDS];
  int n, in_quotes, at_start;
} quoted;

/* Copies one character of a quoted record; *p may skip a doubled quote. */
static int copy_char(rc_csv *c, quoted *q, const char **p)
{
  char ch = **p;
  if (q->in_quotes) {
    if (ch != '"') return put(c, ch);
    if ((*p)[1] == '"') return (*p)++, put(c, '"');
    q->in_quotes = 0;
    return 1;
  }
  if (ch == c->delim) {
    if (q->n < RC_CSV_MAX_FIELDS) q->start[q->n++] = c->len + 1;
    q->at_start = 1;
    return put(c, '\0');
  }
  if (ch == '"' && q->at_start) q->in_quotes = 1;
  else if (!put(c, ch)) return 0;
  q->at_start = 0;
  return 1;
}

/* A record that cannot be read: one empty field. Returns 1. */
static int empty_record(rc_csv *c)
{
  c->empty[0] = '\0';
  c->field[0] = c->empty;
  c->n = 1;
  return 1;
}

/* Copies a record with quotes, reading more lines while a quote is open.
 * Returns 1, or -1 on a read error or lack of memory. */
static int split_quoted(rc_csv *c, const char *line)
{
  quoted q;
  int i, got;
  size_t len;
  char *next;
  q.n = 1;
  q.start[0] = 0;
  q.in_quotes = 0;
  q.at_start = 1;
  c->len = 0;
  for (;;) {
    for (; *line; line++)
      if (!copy_char(c, &q, &line)) return -1;
    if (!q.in_quotes) break;
    if ((got = rc_reader_line(c->reader, &next, &len)) <= 0) {
      if (got < 0) return -1;
      c->unterminated = 1;
      break;
    }
    if (c->bad == NULL) c->bad = rc_reader_bad(c->reader);
    if (!put(c, '\n')) return -1;
    line = next;
  }
  if (!put(c, '\0')) return -1;
  if (c->bad != NULL) return empty_record(c);
  for (i = 0; i < q.n; i++) c->field[i] = c->buf + q.start[i];
  c->n = q.n;
  return 1;
}

/* The next record: 1, 0 at the end of the file, -1 on a read error. */
int rc_csv_next(rc_csv *c)
{
  char *line;
  size_t len;
  int got = rc_reader_line(c->reader, &line, &len);
  if (got <= 0) return got;
  c->line = rc_reader_lineno(c->reader);
  c->unterminated = 0;
  if ((c->bad = rc_reader_bad(c->reader)) != NULL) return empty_record(c);
  if (c->sniff) c->delim = memchr(line, '\t', len) ? '\t' : ',';
  if (memchr(line, '"', len) == NULL) {
    split_plain(c, line);
    return 1;
  }
  return split_quoted(c, line);
}
