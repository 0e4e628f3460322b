/* edits_dx.c: medical necessity. With coverage articles loaded (rc:import
 * "lcd-articles"), a line whose code an article lists (for the claim's
 * contractor or state when the claim names one) is checked against the
 * covered diagnoses of those articles: a match is an info finding naming the
 * article, no match a review naming it. Otherwise, lines whose family needs
 * a supporting diagnosis (delivery, planning, management, ...:
 * data/dx_required.tsv) get a review finding when none of their diagnoses
 * (the line's pointers, or every claim diagnosis when the line points at
 * none) is a neoplasm or a benign indication the data accepts for that
 * family and payer. */
#include "check.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NECESSITY_SOURCE "Social Security Act §1862(a)(1)(A) (reasonable and necessary); ICD-10-CM 2024"
#define ARTICLE_SOURCE "CMS Medicare Coverage Database, coverage articles (imported)"

/* ?1 code, ?2 date, ?3 contractor, ?4 state, ?5 diagnosis ('' for any) */
#define ARTICLE_WHERE \
  " FROM lcd_article_code c JOIN lcd_article a ON a.article_id = c.article_id WHERE c.code = ?1" \
  " AND (a.effective IS NULL OR a.effective <= ?2) AND (a.ended IS NULL OR a.ended >= ?2)" \
  " AND ((?3 = '' AND ?4 = '') OR EXISTS (SELECT 1 FROM lcd_article_contractor k WHERE k.article_id = a.article_id" \
  " AND ((?3 <> '' AND (k.number = ?3 OR k.contractor_id = ?3)) OR (?4 <> '' AND k.state = ?4))))"

/* The first article (in article_id order) and how many list the code. Rows
 * come in article_id order from lcd_article_code's key, so grouping and
 * ordering by c.article_id need no temporary b-tree (a window function and
 * two sorts made three per query: most of the cold pass's article cost). */
static const char sql_articles[] =
  "SELECT first, (SELECT title FROM lcd_article WHERE article_id = first), n"
  " FROM (SELECT min(article_id) AS first, count(*) AS n FROM (SELECT c.article_id" ARTICLE_WHERE
  " GROUP BY c.article_id)) WHERE n > 0";
static const char sql_covered[] =
  "SELECT a.article_id, a.title" ARTICLE_WHERE
  " AND EXISTS (SELECT 1 FROM lcd_article_dx d WHERE d.article_id = a.article_id AND d.covered = 1 AND d.dx = ?5)"
  " ORDER BY c.article_id LIMIT 1";

typedef struct article {
  const char *id, *title;      /* the memo's interned texts, or the buffers below */
  long count;                  /* articles that list the code */
  char id_buf[24], title_buf[120];   /* a query's answer that is not kept */
} article;

static const char *line_dx(const rc_check *c, const rc_line *line, int i)
{
  return c->claim->diag[line->ndx ? line->dx[i] - 1 : i];
}

static int line_ndx(const rc_check *c, const rc_line *line)
{
  return line->ndx ? line->ndx : c->claim->ndiag;
}

/* The first article the query finds for the line (and diagnosis); 0 if none
 * or the database fails (the generic edit then stands). */
static int query_article(rc_check *c, rc_sql_slot slot, const char *sql, const rc_line *line, const char *dx,
                         article *out)
{
  sqlite3_stmt *st;
  int found = 0;
  rc_rules_batch_read(c->rules);   /* the check's read transaction (check.c) */
  st = rc_db_statement(c->db, slot, sql);
  if (st == NULL) return 0;
  sqlite3_bind_text(st, 1, line->code, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, line->date, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->claim->contractor, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, c->claim->state, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count(st) >= 5) sqlite3_bind_text(st, 5, dx, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    found = 1;
    snprintf(out->id_buf, sizeof out->id_buf, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(out->title_buf, sizeof out->title_buf, "%s", (const char *)sqlite3_column_text(st, 1));
    out->id = out->id_buf;
    out->title = out->title_buf;
    out->count = sqlite3_column_count(st) > 2 ? (long)sqlite3_column_int64(st, 2) : 1;
  }
  sqlite3_reset(st);
  return found;
}

/* The answers of the article queries, kept with the code's cached rules
 * (dropped with them when the data changes), by the rest of their input:
 * the query, the span of article dates that holds the date
 * (rc_rules_article_epoch), contractor, state and diagnosis. A file's
 * lines repeat a few of each per code, and each query reads hundreds of
 * rows. A code keeps at most MEMO_MAX answers (then the oldest goes). */
#define MEMO_KEY 64
#define MEMO_MAX 16

typedef struct memo_entry {
  char key[MEMO_KEY];
  int found;
  const char *id, *title;      /* interned in the rule set */
  long count;
} memo_entry;

typedef struct code_memo {
  int n, cap, next;            /* entries, room, the one replaced next when full */
  memo_entry e[];
} code_memo;

/* Appends s and a separator at key[n]; the new length, or -1 when it
 * does not fit. */
static int append(char *key, int n, const char *s)
{
  size_t len = strlen(s);
  if (n < 0 || (size_t)n + len + 1 >= MEMO_KEY) return -1;
  memcpy(key + n, s, len);
  key[n + (int)len] = '|';
  return n + (int)len + 1;
}

/* The key "slot|epoch|contractor|state|dx|"; its length, or -1 when too
 * long (the query is then asked directly). Built by hand: snprintf cost
 * more than the rest of the lookup. */
static int memo_key(char *key, int slot, long epoch, const char *contractor, const char *state, const char *dx)
{
  char head[32];
  int n = 0;
  unsigned long e = (unsigned long)epoch;
  head[n++] = (char)('0' + slot % 10);
  head[n++] = '|';
  do head[n++] = (char)('0' + e % 10); while ((e /= 10) > 0 && n < 30);
  head[n] = '\0';
  n = append(key, 0, head);
  n = append(key, n, contractor);
  n = append(key, n, state);
  n = append(key, n, dx);
  if (n >= 0) key[n] = '\0';
  return n;
}

/* A free entry of the code's memo (grown, or the oldest reused); NULL
 * when out of memory. The memo is a cache hung on the code's rules, which
 * are otherwise read-only to the checker. */
static memo_entry *memo_slot(const rc_code_rules *cr)
{
  code_memo **slot = (code_memo **)&((rc_code_rules *)cr)->memo, *m = *slot;
  if (m == NULL || (m->n == m->cap && m->cap < MEMO_MAX)) {
    int cap = m == NULL ? 2 : m->cap * 2;
    code_memo *grown = realloc(m, sizeof *m + (size_t)cap * sizeof m->e[0]);
    if (grown == NULL) return NULL;
    if (m == NULL) grown->n = grown->next = 0;
    grown->cap = cap;
    *slot = m = grown;
  }
  if (m->n < m->cap) return &m->e[m->n++];
  m->next = (m->next + 1) % m->cap;
  return &m->e[m->next];
}

static int find_article(rc_check *c, rc_sql_slot slot, const char *sql, const rc_line *line, const char *dx,
                        article *out)
{
  const code_memo *m = line->rules->memo;
  memo_entry *e;
  char key[MEMO_KEY];
  int i, found, n = memo_key(key, (int)slot, rc_rules_article_epoch(c->rules, line->date), c->claim->contractor,
                             c->claim->state, dx);
  for (i = 0; n >= 0 && m != NULL && i < m->n; i++) {
    if (strcmp(m->e[i].key, key) != 0) continue;
    out->id = m->e[i].id;
    out->title = m->e[i].title;
    out->count = m->e[i].count;
    return m->e[i].found;
  }
  found = query_article(c, slot, sql, line, dx, out);
  if (n < 0 || (e = memo_slot(line->rules)) == NULL) return found;
  e->key[0] = '\0';
  e->id = found ? rc_rules_intern(c->rules, out->id) : "";
  e->title = found ? rc_rules_intern(c->rules, out->title) : "";
  if (e->id == NULL || e->title == NULL) return found;   /* out of memory: not kept */
  e->found = found;
  e->count = found ? out->count : 0;
  memcpy(e->key, key, (size_t)n + 1);
  return found;
}

/* Checks the line against the articles that list its code; 0 when none do. */
static int by_articles(rc_check *c, const rc_line *line)
{
  article listed, hit;
  rc_finding *x;
  int i, n = line_ndx(c, line);
  if (!rc_rules_has_articles(c->rules) || !line->rules->in_articles ||
      !find_article(c, RC_SQL_LCD_ARTICLES, sql_articles, line, "", &listed))
    return 0;
  for (i = 0; i < n; i++) {
    const char *dx = line_dx(c, line, i);
    if (dx[0] && find_article(c, RC_SQL_LCD_COVERED, sql_covered, line, dx, &hit)) {
      x = rc_findings_add(c->f, line->index, RC_EDIT_NECESSITY, RC_INFO, line->code, ARTICLE_SOURCE);
      if (!c->f->texts) return 1;
      rc_cat(x->rule, sizeof x->rule, "necessity article A", hit.id, (const char *)NULL);
      rc_cat(x->message, sizeof x->message, "diagnosis ", dx, " of ", line->code, " is covered by article A", hit.id, " (",
             (const char *)NULL);
      rc_cat_n(x->message, sizeof x->message, hit.title, (size_t)rc_utf8_cut(hit.title, 100));
      rc_cat_n(x->message, sizeof x->message, ")", 1);
      return 1;
    }
  }
  x = rc_findings_add(c->f, line->index, RC_EDIT_NECESSITY, RC_REVIEW, line->code, ARTICLE_SOURCE);
  if (!c->f->texts) return 1;
  rc_cat(x->rule, sizeof x->rule, "necessity article A", listed.id, (const char *)NULL);
  rc_cat(x->message, sizeof x->message, "no diagnosis of ", line->code, " is among the covered diagnoses of article A",
         listed.id, " (", (const char *)NULL);
  rc_cat_n(x->message, sizeof x->message, listed.title, (size_t)rc_utf8_cut(listed.title, 100));
  rc_cat_n(x->message, sizeof x->message, listed.count > 1 ? ") or the other articles that list it" : ")", 64);
  rc_cat(x->fix, sizeof x->fix, "point the line at a diagnosis the article covers (radcode explain ", line->code,
         " lists them), or document why the service is reasonable and necessary", (const char *)NULL);
  return 1;
}

static const char *supported(rc_check *c, const rc_line *line, const char *family)
{
  int i, n = line_ndx(c, line);
  for (i = 0; i < n; i++) {
    const char *dx = line_dx(c, line, i);
    const char *note = dx[0] ? rc_rules_dx_support(c->rules, dx, family, c->payer, line->day) : NULL;
    if (note) return note;
  }
  return NULL;
}

void rc_edits_necessity(rc_check *c)
{
  int i;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *line = &c->claim->lines[i];
    const char *family;
    rc_finding *x;
    if (!line->usable || by_articles(c, line) || !line->rules->known) continue;
    family = rc_rules_family(line->rules);
    if (!rc_rules_dx_required(c->rules, family) || supported(c, line, family)) continue;
    x = rc_findings_add(c->f, line->index, RC_EDIT_NECESSITY, RC_REVIEW, line->code, NECESSITY_SOURCE);
    if (!c->f->texts) continue;
    snprintf(x->rule, sizeof x->rule, "necessity %s", family);
    if (line->ndx == 0 && c->claim->ndiag == 0)
      snprintf(x->message, sizeof x->message, "%s (%s) has no diagnosis; it needs one that supports radiation therapy",
               line->code, family);
    else
      snprintf(x->message, sizeof x->message, "no diagnosis of %s (%s) supports radiation therapy for this service",
               line->code, family);
    snprintf(x->fix, sizeof x->fix, "point the line at the condition treated: a neoplasm (C00-D49) or a benign indication the payer accepts");
  }
}
