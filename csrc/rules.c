/* rules.c: the rule set behind rc:check. On first sight of a code, one
 * query (a UNION ALL over the rule tables) loads all the dated rows that
 * concern it, sorted by kind, and its PTP edits come from its pack; they
 * are cached in a code map for the life of the handle, so checking a claim
 * is pure computation once its codes have been seen (rc:check_all loads a
 * list's codes first, in code order: rc_rules_prefetch). Small tables that
 * are not about one code (modifiers, code groups, diagnosis support, the
 * codes the few-code tables name) are loaded whole when the rule set is
 * made. A day's PTP edits are found by a walk (rc_rules_ptp_walk). */
#include "rules.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codemap.h"
#include "code.h"
#include "date.h"
#include "db.h"
#include "findings.h"
#include "hint.h"
#include "pool.h"
#include "ptp.h"
#include "ptp_pack.h"

typedef struct group_row { const char *group, *label; char from[8], to[8]; long start, end; } group_row;
typedef struct dx_row { char from[8], to[8]; const char *family, *payer, *note; long start, end; } dx_row;

#define TEXT_IDS 4096   /* ptp_text ids cached; a file has about ten */

struct rc_rules {
  sqlite3_stmt *load, *load_ptp, *load_ptp_text, *load_listed;
  sqlite3_stmt *load_common;     /* load without the tables that name few codes */
  const char **few_codes;        /* the codes those tables name, sorted, interned */
  int nfew_codes;
  sqlite3_stmt *load_pack;       /* NULL when the file has no ptp_pack table */
  uint32_t *pack_shapes;         /* a pack's shapes as indexes into pairs: grown once, reused */
  uint64_t pack_shapes_cap;
  const char **text_by_id;        /* by ptp_text id, interned; made on first use */
  rc_ptp_texts pairs;            /* the shapes (dates, texts...) the PTP rows index */
  rc_ptp *ptp_scratch;           /* a code's PTP rows while they load: grown once, reused */
  int ptp_scratch_cap;
  int batching;                  /* loads share one read transaction ... */
  int reading;                   /* ... which is open */
  rc_codemap *codes;
  rc_pool *pool;
  rc_modifier *modifiers;
  int nmodifiers;
  int *bypass;                   /* the NCCI modifiers that may bypass an edit, as indexes (name order) */
  int nbypass;
  group_row *groups;
  int ngroups;
  dx_row *dx;
  int ndx;
  const char **dx_families;
  int nfamilies;
  rc_rule *places;               /* the place-of-service code set: other = pos, a = facility, text = name */
  int nplaces;
  rc_rule *setting_mods;         /* modifiers a claim type does not carry: other = modifier */
  int nsetting_mods;
  rc_rule *payer_codes;          /* extra = code, payer = its payer, other = what others expect */
  int npayer_codes;
  int has_articles;              /* coverage articles list some code (rc_rules_has_articles) */
  const char **article_starts;   /* distinct lcd_article.effective, sorted (rc_rules_article_epoch) */
  const char **article_ends;     /* ... and distinct lcd_article.ended */
  int nstarts, nends;
  rc_rule *revenue;              /* revenue_codes: other = family, extra = revenue prefix, text = label */
  int nrevenue;
  rc_rule *pctc_meanings;        /* pctc_meanings: other = pctc, extra = component */
  int npctc_meanings;
  rc_rule *status_meanings;      /* status_meanings: setting, other = status, a = recognized, text = meaning */
  int nstatus_meanings;
  rc_rule *datasets;             /* loaded datasets with coverage (rc_rules_datasets) */
  int ndatasets;
  int versions[RC_RULE_KINDS + 1];   /* datasets of each kind: choosing by date needs two */
};

/* Whole tables in the rule row layout (read_rule's columns). */
static const char sql_places[] =
  "SELECT 0, valid_from, valid_to, '*', pos, facility, 0, 0, '*', '', name, source, 0, '' FROM places ORDER BY pos";
static const char sql_setting_mods[] =
  "SELECT 0, valid_from, valid_to, setting, modifier, 0, 0, 0, '*', '', reason, source, 0, '' FROM setting_modifiers";
static const char sql_datasets[] =
  "SELECT CASE kind WHEN 'ncci-ptp' THEN 1 WHEN 'mue' THEN 2 ELSE 16 END, valid_from, valid_to,"
  " coalesce(setting, '*'), name, 0, 0, 0, '*', coalesce(version, ''), kind, name, 0, '' FROM datasets"
  " WHERE id IN (SELECT max(id) FROM datasets WHERE name IS NOT NULL AND valid_from IS NOT NULL"
  " AND valid_to IS NOT NULL GROUP BY name) ORDER BY valid_to, valid_from, id";
static const char sql_payer_codes[] =
  "SELECT 0, valid_from, valid_to, '*', instead, 0, 0, 0, payer, code, reason, source, 0, '' FROM payer_codes ORDER BY code";

/* What a PC/TC indicator means (other = pctc, extra = component) and
 * what a payment status means (setting, other = status, a = recognized,
 * text = meaning), for add_meaning. */
static const char sql_pctc_meanings[] =
  "SELECT 0, NULL, NULL, '*', pctc, 0, 0, 0, '*', component, '', source, 0, '' FROM pctc_meanings";
static const char sql_status_meanings[] =
  "SELECT 0, NULL, NULL, setting, status, recognized, 0, 0, '*', '', meaning, source, 0, '' FROM status_meanings";

static const char sql_revenue[] =
  "SELECT 0, valid_from, valid_to, 'hospital', family, 0, 0, 0, '*', revenue_prefix, label, source"
  " FROM revenue_codes ORDER BY family, valid_from";

/* Every rule table about the code; the tables that name only a few codes
 * (rows of kinds 6 to 10) are asked only for those codes (sql_few_codes):
 * asking them about every code cost each new code five index searches.
 * The meanings of PC/TC indicators and payment statuses (small tables,
 * read whole: sql_pctc_meanings, sql_status_meanings) are set in C by
 * add_meaning, which saves each new code four index searches of a join. */
#define SQL_COMMON_RULES \
  "SELECT 0, effective, terminated, '*', family, addon, 0, 0, '*', system, summary, source, 0, ''" \
  " FROM codes WHERE code = ?1" \
  " UNION ALL SELECT 2, valid_from, valid_to, setting, '', value, mai, 0, '*', ''," \
  " coalesce(rationale, ''), source, 0, '' FROM mue WHERE code = ?1" \
  " UNION ALL SELECT 3, valid_from, valid_to, '*', pctc, 0, 0, 0, '*', 'none', coalesce(global, '')," \
  " source, 0, '' FROM indicators WHERE code = ?1" \
  " UNION ALL SELECT 4, valid_from, valid_to, setting, status, 1, 0, 0, '*', '', '', source, 0, ''" \
  " FROM payment_status WHERE code = ?1" \
  " UNION ALL SELECT 5, valid_from, valid_to, '*', coalesce(primary_code, ''), type, 0, 0, '*', ''," \
  " '', source, 0, '' FROM aoc WHERE addon = ?1"
static const char sql_code_rules[] = SQL_COMMON_RULES
  " UNION ALL SELECT 6, valid_from, valid_to, setting, modifier, 0, 0, 0, '*', kind, reason, source, 0, ''"
  " FROM required_modifiers WHERE code = ?1"
  " UNION ALL SELECT 7, valid_from, valid_to, setting, replacement, 0, 0, 0, payer, '', reason,"
  " source, 0, '' FROM replacements WHERE code = ?1"
  " UNION ALL SELECT 8, valid_from, valid_to, setting, partner, 0, 0, 0, '*', coalesce(modifier, ''),"
  " reason, source, 0, '' FROM companions WHERE code = ?1"
  " UNION ALL SELECT 9, valid_from, valid_to, setting, period, max_units, coalesce(fractions, 0),"
  " coalesce(leftover, 0), payer, severity, reason, source, coalesce(minimum, 0), coalesce(instead, '')"
  " FROM frequency_limits WHERE code = ?1"
  " UNION ALL SELECT 10, '2015-01-01', NULL, '*', '', 0, 0, 0, '*', '', '', source, 0, ''"
  " FROM fraction_codes WHERE code = ?1";   /* sorted in C: a sorter costs SQLite a large allocation */
static const char sql_common_rules[] = SQL_COMMON_RULES;
static const char sql_few_codes[] =
  "SELECT code FROM required_modifiers UNION SELECT code FROM replacements UNION SELECT code FROM companions"
  " UNION SELECT code FROM frequency_limits UNION SELECT code FROM fraction_codes ORDER BY 1";

/* PTP rows in primary key order (column 2, setting, start): no sort. The
 * setting is 1 or 2 (practitioner, hospital), the dates day numbers, the
 * texts ptp_text ids. */
static const char sql_code_ptp[] =
  "SELECT valid_from, valid_to, setting, col2, modifier, rationale, source"
  " FROM ptp_edit WHERE col1 = ?1";

static const char sql_ptp_text[] = "SELECT text FROM ptp_text WHERE id = ?1";

/* The same rows in one blob (ptp_pack.h), when the code has a pack. */
static const char sql_code_pack[] = "SELECT rows FROM ptp_pack WHERE col1 = ?1";

/* Does any coverage article list the code? Asked once with the code's
 * rules: the necessity edit's article queries (a window, two sorts) are
 * then skipped for the codes no article lists. */
static const char sql_code_listed[] = "SELECT EXISTS (SELECT 1 FROM lcd_article_code WHERE code = ?1)";

static const char *const setting_names[] = {"*", "practitioner", "hospital", "dme", NULL};

const char *rc_setting_name(int setting)
{
  return setting >= 0 && setting <= RC_SET_DME ? setting_names[setting] : "?";
}

int rc_setting_of(const char *name)
{
  int i;
  for (i = 0; setting_names[i] != NULL; i++)
    if (strcmp(name, setting_names[i]) == 0) return i;
  return -1;
}

static long day_of(sqlite3_stmt *st, int col, long missing)
{
  long day;
  const char *s = (const char *)sqlite3_column_text(st, col);
  if (s == NULL || rc_date_parse(s, strlen(s), &day) != RC_DATE_OK) return missing;
  return day;
}

static const char *text_of(rc_rules *rules, sqlite3_stmt *st, int col)
{
  const char *s = (const char *)sqlite3_column_text(st, col);
  return rc_pool_intern(rules->pool, s ? s : "");
}

/* Fills one rule row from the current result row; 0 when out of memory. */
static int read_rule(rc_rules *rules, sqlite3_stmt *st, rc_rule *r)
{
  const char *setting = (const char *)sqlite3_column_text(st, 3);
  int s = setting ? rc_setting_of(setting) : 0;
  r->kind = (unsigned char)sqlite3_column_int(st, 0);
  r->from = day_of(st, 1, LONG_MIN);
  r->to = day_of(st, 2, LONG_MAX);
  r->setting = (unsigned char)(s < 0 ? RC_SET_ANY : s);
  r->layer = 0;
  r->other = text_of(rules, st, 4);
  r->a = sqlite3_column_int(st, 5);
  r->b = sqlite3_column_int(st, 6);
  r->c = sqlite3_column_int(st, 7);
  r->payer = text_of(rules, st, 8);
  r->extra = text_of(rules, st, 9);
  r->text = text_of(rules, st, 10);
  r->source = text_of(rules, st, 11);
  if (sqlite3_column_count(st) > 13) {   /* d and alt: the row layouts that have them */
    r->d = sqlite3_column_int(st, 12);
    r->alt = text_of(rules, st, 13);
  } else {
    r->d = 0;
    r->alt = "";
  }
  return r->other && r->payer && r->extra && r->text && r->source && r->alt;
}

void rc_rules_free_code(void *p)
{
  rc_code_rules *cr = p;
  free(cr->rows);
  free(cr->ptp);
  free(cr->ptp_filter);
  free(cr->memo);
  free(cr);
}

/* Row order within a code: kind, then other (PTP rows are searched by
 * column 2), then start; layers last. */
static int row_order(const rc_rule *x, const rc_rule *y)
{
  int cmp;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  if ((cmp = strcmp(x->other, y->other)) != 0) return cmp;
  if (x->from != y->from) return x->from < y->from ? -1 : 1;
  return (int)x->layer - (int)y->layer;
}

static int by_row_order(const void *a, const void *b)
{
  return row_order(a, b);
}

static void index_kinds(rc_code_rules *cr, int nrows)
{
  int k, i = 0;
  for (k = 0; k <= RC_RULE_KINDS; k++) {
    while (i < nrows && cr->rows[i].kind < k) i++;
    cr->first[k] = i;
  }
  cr->first[RC_RULE_KINDS] = nrows;
  cr->known = cr->first[RC_RULE_CODE + 1] > cr->first[RC_RULE_CODE];
}

static int append_row(rc_code_rules *cr, const rc_rule *r, int *n, int *cap)
{
  if (*n == *cap) {
    int bigger = *cap ? *cap * 2 : 16;
    rc_rule *rows = realloc(cr->rows, (size_t)bigger * sizeof *rows);
    if (rows == NULL) return 0;
    cr->rows = rows;
    *cap = bigger;
  }
  cr->rows[(*n)++] = *r;
  return 1;
}

/* The text of a ptp_text id (NULL: none, ""), interned; NULL when out of
 * memory. Ids below TEXT_IDS are cached. */
static const char *text_of_id(rc_rules *rules, sqlite3_int64 id)
{
  const char *text = NULL;
  int cached = id > 0 && id < TEXT_IDS;
  if (cached && rules->text_by_id == NULL && (rules->text_by_id = calloc(TEXT_IDS, sizeof (const char *))) == NULL)
    return NULL;
  if (cached && rules->text_by_id[id] != NULL) return rules->text_by_id[id];
  sqlite3_bind_int64(rules->load_ptp_text, 1, id);
  if (sqlite3_step(rules->load_ptp_text) == SQLITE_ROW) text = (const char *)sqlite3_column_text(rules->load_ptp_text, 0);
  text = rc_pool_intern(rules->pool, text ? text : "");
  sqlite3_reset(rules->load_ptp_text);
  if (cached) rules->text_by_id[id] = text;
  return text;
}

static const char *ptp_text(rc_rules *rules, sqlite3_stmt *st, int col)
{
  if (sqlite3_column_type(st, col) == SQLITE_NULL) return "";
  return text_of_id(rules, sqlite3_column_int64(st, col));
}

/* Reads the current PTP result row; 0 when out of memory. */
static int read_ptp(rc_rules *rules, sqlite3_stmt *st, rc_rule *r)
{
  int setting = sqlite3_column_int(st, 2);
  memset(r, 0, sizeof *r);
  r->kind = RC_RULE_PTP;
  r->from = sqlite3_column_type(st, 0) == SQLITE_NULL ? LONG_MIN : (long)sqlite3_column_int64(st, 0);
  r->to = sqlite3_column_type(st, 1) == SQLITE_NULL ? LONG_MAX : (long)sqlite3_column_int64(st, 1);
  r->setting = (unsigned char)(setting == 1 ? RC_SET_PRACTITIONER : setting == 2 ? RC_SET_HOSPITAL : RC_SET_ANY);
  r->other = (const char *)sqlite3_column_text(st, 3);
  if (r->other == NULL) r->other = "";
  r->a = sqlite3_column_int(st, 4);
  r->text = ptp_text(rules, st, 5);
  r->source = ptp_text(rules, st, 6);
  return r->text && r->source;
}

/* A pack's shape as read_ptp would have read its row (column 2 aside):
 * its index in the rule set's shapes in *index; 0 when out of memory. */
static int pack_shape(rc_rules *rules, const rc_pack_shape *s, uint32_t *index)
{
  rc_rule r;
  int setting = (int)s->setting;
  memset(&r, 0, sizeof r);
  r.kind = RC_RULE_PTP;
  r.from = (s->flags & RC_PACK_FROM_NULL) ? LONG_MIN : (long)s->from;
  r.to = (s->flags & RC_PACK_TO_NULL) ? LONG_MAX : (long)s->to;
  r.setting = (unsigned char)(setting == 1 ? RC_SET_PRACTITIONER : setting == 2 ? RC_SET_HOSPITAL : RC_SET_ANY);
  r.other = "";
  r.a = (int)s->modifier;
  r.text = (s->flags & RC_PACK_RATIONALE_NULL) ? "" : text_of_id(rules, s->rationale);
  r.source = (s->flags & RC_PACK_SOURCE_NULL) ? "" : text_of_id(rules, s->source);
  return r.text && r.source && rc_ptp_shape_index(&r, &rules->pairs, index);
}

/* The pack's shapes into rules->pack_shapes; 1 done, 0 out of memory, -2
 * a malformed pack. */
static int pack_shapes(rc_rules *rules, rc_pack_reader *rd)
{
  uint64_t i;
  rc_pack_shape s;
  if (rd->shapes > rules->pack_shapes_cap) {
    uint32_t *grown = realloc(rules->pack_shapes, (size_t)rd->shapes * sizeof *grown);
    if (grown == NULL) return 0;
    rules->pack_shapes = grown;
    rules->pack_shapes_cap = rd->shapes;
  }
  for (i = 0; i < rd->shapes; i++) {
    if (!rc_pack_next_shape(rd, &s)) return -2;
    if (!pack_shape(rules, &s, &rules->pack_shapes[i])) return 0;
  }
  return 1;
}

/* The pack's rows into the scratch list (*n of them); 1 done, 0 out of
 * memory, -2 a malformed pack. */
static int pack_rows(rc_rules *rules, rc_pack_reader *rd, int *n)
{
  uint64_t shape;
  int ok = pack_shapes(rules, rd);
  if (ok == 1 && (!rc_pack_rows(rd) || rd->rows > INT_MAX)) ok = -2;
  while (ok == 1 && rd->rows_left > 0)
    ok = !rc_pack_next_row(rd, &shape) ? -2
         : rc_ptp_append_shaped(&rules->ptp_scratch, n, &rules->ptp_scratch_cap, rd->col2,
                                rules->pack_shapes[shape]);
  return ok == 1 && !rc_pack_end(rd) ? -2 : ok;
}

/* The code's PTP edits from its pack into the scratch list; 1 done, 0 out
 * of memory, -1 a database error, -2 no pack (or one that cannot be read:
 * the rows are read from ptp_edit instead). */
static int load_pack(rc_rules *rules, const char *code, int *n)
{
  sqlite3_stmt *st = rules->load_pack;
  rc_pack_reader rd;
  int rc, ok = -2;
  *n = 0;
  if (st == NULL) return -2;
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && rc_pack_begin(&rd, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0)))
    ok = pack_rows(rules, &rd, n);
  else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    ok = -1;
  sqlite3_reset(st);
  return ok;
}

/* The code's PTP edits (as column 1) into its compact list, gathered in
 * the scratch list and copied once at their exact size; 1 done, 0 out of
 * memory, -1 a database error. */
static int load_ptp(rc_rules *rules, rc_code_rules *cr, const char *code)
{
  int rc, n = 0, ok = load_pack(rules, code, &n);
  rc_rule r;
  if (ok == -2) {
    ok = 1;
    n = 0;
    sqlite3_reset(rules->load_ptp);
    sqlite3_bind_text(rules->load_ptp, 1, code, -1, SQLITE_STATIC);
    while (ok && (rc = sqlite3_step(rules->load_ptp)) == SQLITE_ROW)
      ok = read_ptp(rules, rules->load_ptp, &r) &&
           rc_ptp_append(&rules->ptp_scratch, &n, &rules->ptp_scratch_cap, &r, &rules->pairs);
    if (ok && rc != SQLITE_DONE) ok = -1;
    sqlite3_reset(rules->load_ptp);
  }
  if (ok == 1) {
    cr->ptp = rc_ptp_copy(rules->ptp_scratch, n, &ok);
    cr->nptp = ok ? n : 0;
    cr->ptp_filter = rc_ptp_filter(cr->ptp, cr->nptp, &cr->ptp_filter_shift);
    cr->texts = &rules->pairs;
  }
  return ok;
}

/* Whether coverage articles list the code (when any are loaded); 1 done,
 * -1 a database error. */
static int load_listed(rc_rules *rules, rc_code_rules *cr, const char *code)
{
  int rc;
  if (!rules->has_articles) return 1;
  sqlite3_reset(rules->load_listed);
  sqlite3_bind_text(rules->load_listed, 1, code, -1, SQLITE_STATIC);
  rc = sqlite3_step(rules->load_listed);
  cr->in_articles = rc == SQLITE_ROW && sqlite3_column_int(rules->load_listed, 0) != 0;
  sqlite3_reset(rules->load_listed);
  return rc == SQLITE_ROW ? 1 : -1;
}

/* Gives a PC/TC row its indicator's component ("none" when the indicator
 * has no meaning row) and a payment status row its status's meaning (none:
 * recognized, no text), as a join on the meaning tables would. Texts are
 * interned, so equal texts are the same pointer. */
static void add_meaning(const rc_rules *rules, rc_rule *r)
{
  int i;
  if (r->kind == RC_RULE_PCTC) {
    for (i = 0; i < rules->npctc_meanings; i++)
      if (rules->pctc_meanings[i].other == r->other) r->extra = rules->pctc_meanings[i].extra;
  } else if (r->kind == RC_RULE_PAYMENT) {
    for (i = 0; i < rules->nstatus_meanings; i++) {
      const rc_rule *m = &rules->status_meanings[i];
      if (m->other != r->other || m->setting != r->setting) continue;
      r->a = m->a;
      r->text = m->text;
    }
  }
}

/* Reads the current result row of st into the code's rows. */
static int take_row(rc_rules *rules, sqlite3_stmt *st, rc_code_rules *cr, int *n, int *cap)
{
  rc_rule r;
  if (!read_rule(rules, st, &r)) return 0;
  add_meaning(rules, &r);
  return append_row(cr, &r, n, cap);
}

static int by_text(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The query of a code's rules: the whole one for a code the tables that
 * name few codes name, the common one otherwise. */
static sqlite3_stmt *rules_query(const rc_rules *rules, const char *code)
{
  int few = rules->nfew_codes > 0 &&
            bsearch(&code, rules->few_codes, (size_t)rules->nfew_codes, sizeof code, by_text) != NULL;
  return few ? rules->load : rules->load_common;
}

/* Gives back what the doubling left unused: rows stay for the life of the
 * handle. */
static void trim(rc_code_rules *cr, int n, int cap)
{
  rc_rule *rows;
  if (n == 0 || n == cap || (rows = realloc(cr->rows, (size_t)n * sizeof *rows)) == NULL) return;
  cr->rows = rows;
}

/* Loads every rule row of a code; NULL (with err) on failure. */
static rc_code_rules *load_code(rc_rules *rules, const char *code, char *err, size_t errlen)
{
  rc_code_rules *cr = calloc(1, sizeof *cr);
  sqlite3_stmt *st = rules_query(rules, code);
  int rc, n = 0, cap = 0, ok = cr != NULL;
  if (ok) snprintf(cr->code, sizeof cr->code, "%s", code);
  if (ok) cr->set = rules;
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) ok = take_row(rules, st, cr, &n, &cap);
  if (ok && rc != SQLITE_DONE) ok = -1;
  if (ok == 1) ok = load_ptp(rules, cr, code);
  if (ok == 1) ok = load_listed(rules, cr, code);
  if (ok == -1) {
    sqlite3 *conn = sqlite3_db_handle(st);
    snprintf(err, errlen, "loading rules for %s: %s%s", code, sqlite3_errmsg(conn), rc_db_damage_hint(conn));
  } else if (ok != 1) {
    snprintf(err, errlen, "out of memory loading rules for %s", code);
  }
  sqlite3_reset(st);
  if (ok != 1) {
    if (cr) rc_rules_free_code(cr);
    return NULL;
  }
  trim(cr, n, cap);
  if (n > 1) qsort(cr->rows, (size_t)n, sizeof cr->rows[0], by_row_order);
  index_kinds(cr, n);
  return cr;
}

/* Between rc_rules_batch_begin and _end (a claim's lines), the codes seen
 * for the first time load in one read transaction instead of two each:
 * every transaction costs SQLite a lock, a stat and a read of the header. */
void rc_rules_batch_begin(rc_rules *rules)
{
  rc_rules_batch_end(rules);   /* one an error left open */
  rules->batching = 1;
}

void rc_rules_batch_end(rc_rules *rules)
{
  if (rules->reading) sqlite3_exec(sqlite3_db_handle(rules->load), "COMMIT", NULL, NULL, NULL);
  rules->batching = rules->reading = 0;
}

static void start_reading(rc_rules *rules)
{
  sqlite3 *conn = sqlite3_db_handle(rules->load);
  if (!rules->batching || rules->reading || !sqlite3_get_autocommit(conn)) return;
  rules->reading = sqlite3_exec(conn, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

/* Within a batch, opens its read transaction now: the checker's other
 * queries of the rules' database (coverage articles) share it. */
void rc_rules_batch_read(rc_rules *rules)
{
  start_reading(rules);
}

/* The cached rules of a code, loading them on first use. */
const rc_code_rules *rc_rules_code(rc_rules *rules, const char *code, char *err, size_t errlen)
{
  rc_code_rules *cr = rc_codemap_get(rules->codes, code);
  if (cr != NULL) return cr;
  start_reading(rules);
  if ((cr = load_code(rules, code, err, errlen)) == NULL) return NULL;
  if (!rc_codemap_put(rules->codes, code, cr)) {
    rc_rules_free_code(cr);
    snprintf(err, errlen, "out of memory caching rules for %s", code);
    return NULL;
  }
  return cr;
}

void rc_rules_code_hint(const rc_rules *rules, const char *code)
{
  rc_codemap_hint(rules->codes, code);
}

void rc_rules_hint(const rc_code_rules *cr)
{
  size_t at;
  for (at = 0; at < sizeof *cr; at += 64) RC_HINT((const char *)cr + at);
}

#define HINT_LINES 16   /* cache lines hinted of a code's rows and of its PTP filter (1 KiB each) */

/* The code's rule rows (its record, MUE, indicators, ...), its PTP
 * filter (every pair of the claim asks it), where its PTP rows start, and
 * the checker's memo. */
void rc_rules_hint_rows(const rc_code_rules *cr)
{
  size_t words = cr->ptp_filter != NULL ? (size_t)1 << (64 - cr->ptp_filter_shift) : 0, at;
  size_t bytes = cr->rows != NULL ? (size_t)cr->first[RC_RULE_KINDS] * sizeof *cr->rows : 0;
  for (at = 0; at < bytes && at < 64 * HINT_LINES; at += 64) RC_HINT((const char *)cr->rows + at);
  for (at = 0; at < words && at < 8 * HINT_LINES; at += 8) RC_HINT(&cr->ptp_filter[at]);
  if (cr->ptp != NULL) RC_HINT(cr->ptp);
  if (cr->memo != NULL) RC_HINT(cr->memo);
}

#define PREFETCH_AHEAD 16   /* codes whose cache slots are hinted ahead of the one looked up */

/* A code of the prefetch list holds its key while the list is sorted. */
typedef char rc_prefetch_code_is_a_key[RC_PREFETCH_CODE == sizeof(uint64_t) ? 1 : -1];

/* Keys (rc_code_key) stored in place of their codes, in code order. */
static int by_key(const void *a, const void *b)
{
  uint64_t x, y;
  memcpy(&x, a, sizeof x);
  memcpy(&y, b, sizeof y);
  return x < y ? -1 : x > y;
}

/* Loads the rules of the codes not yet cached among codes[0..n) (each a
 * normalized code in RC_PREFETCH_CODE bytes), in code order, in one read
 * transaction: the codes' rows then come from neighbouring pages of each
 * table, where loading them as claims meet them reads a random page of
 * every table for each (SQLite's small page cache keeps few). Sorts codes.
 * A code that cannot be loaded is left for its claim to report. */
void rc_rules_prefetch(rc_rules *rules, char (*codes)[RC_PREFETCH_CODE], int n)
{
  char err[256];
  int i;
  if (n <= 0) return;
  for (i = 0; i < n; i++) {
    uint64_t key = rc_code_key(codes[i]);
    memcpy(codes[i], &key, sizeof key);
  }
  qsort(codes, (size_t)n, sizeof *codes, by_key);
  for (i = 0; i < n; i++) {
    uint64_t key;
    char code[9];
    memcpy(&key, codes[i], sizeof key);
    rc_code_of_key(key, code);
    memcpy(codes[i], code, RC_PREFETCH_CODE);   /* seven bytes at most and the terminator */
  }
  rc_rules_batch_begin(rules);
  for (i = 0; i < n && i < PREFETCH_AHEAD; i++) rc_codemap_hint(rules->codes, codes[i]);
  for (i = 0; i < n; i++) {
    if (i + PREFETCH_AHEAD < n) rc_codemap_hint(rules->codes, codes[i + PREFETCH_AHEAD]);
    if ((i == 0 || strcmp(codes[i], codes[i - 1]) != 0) && rc_codemap_get(rules->codes, codes[i]) == NULL)
      rc_rules_code(rules, codes[i], err, sizeof err);
  }
  rc_rules_batch_end(rules);
}

const rc_rule *rc_rules_of(const rc_code_rules *cr, rc_rule_kind kind, int *count)
{
  *count = cr->first[kind + 1] - cr->first[kind];
  return cr->rows != NULL ? cr->rows + cr->first[kind] : NULL;   /* a code without rows has none */
}

int rc_rule_applies(const rc_rule *r, long day, int setting)
{
  return day >= r->from && day <= r->to &&
         (r->setting == RC_SET_ANY || setting == RC_SET_ANY || r->setting == setting);
}

int rc_rule_payer_matches(const rc_rule *r, const char *payer)
{
  return strcmp(r->payer, "*") == 0 || (payer != NULL && strcmp(r->payer, payer) == 0);
}

/* Does row r take precedence over found? A payer overlay's row beats the
 * national one (a child's beats its parent's), then the later start wins. */
static int beats(const rc_rule *r, const rc_rule *found)
{
  if (found == NULL) return 1;
  if (r->layer != found->layer) return r->layer > found->layer;
  return r->from > found->from;
}

/* The datasets' rows, ordered by the end of their coverage. */
const rc_rule *rc_rules_datasets(const rc_rules *rules, int *count)
{
  *count = rules->ndatasets;
  return rules->datasets;
}

const rc_rule *rc_rules_dataset_named(const rc_rules *rules, const char *name)
{
  int i;
  for (i = 0; i < rules->ndatasets; i++)
    if (strcmp(rules->datasets[i].other, name) == 0) return &rules->datasets[i];
  return NULL;
}

static int fits_setting(const rc_rule *d, int setting)
{
  return d->setting == RC_SET_ANY || setting == RC_SET_ANY || d->setting == setting;
}

/* The dataset of a kind (RC_RULE_PTP, RC_RULE_MUE) that answers for a
 * line of the day in the setting: the one whose coverage holds the day,
 * else the newest; NULL when none of the kind is loaded. */
const rc_rule *rc_rules_dataset_for(const rc_rules *rules, int kind, int setting, long day)
{
  const rc_rule *newest = NULL;
  int i;
  for (i = 0; i < rules->ndatasets; i++) {
    const rc_rule *d = &rules->datasets[i];
    if (d->kind != kind || !fits_setting(d, setting)) continue;
    if (day >= d->from && day <= d->to) return d;
    newest = d;   /* ordered by the end of coverage */
  }
  return newest;
}

/* The names of the datasets of a kind that do not answer for the day in
 * the setting when several versions are loaded; their count. (A dataset
 * of another setting has rows of that setting only: none apply.) */
static int stale_names(const rc_rules *rules, int kind, int setting, long day, const char *out[RC_STALE_MAX])
{
  const rc_rule *current;
  int i, n = 0;
  if (rules == NULL || rules->versions[kind] < 2) return 0;
  current = rc_rules_dataset_for(rules, kind, setting, day);
  for (i = 0; i < rules->ndatasets && n < RC_STALE_MAX; i++) {
    const rc_rule *d = &rules->datasets[i];
    if (d->kind == kind && d != current && fits_setting(d, setting)) out[n++] = d->other;
  }
  return n;
}

static int is_stale(const rc_rule *r, const char *const *stale, int nstale)
{
  int i;
  for (i = 0; i < nstale; i++)
    if (strcmp(r->source, stale[i]) == 0) return 1;
  return 0;
}

/* The row of a kind in force on the day in the setting: the top layer's,
 * last-starting, from the version of its dataset that covers the day. */
const rc_rule *rc_rules_in_force(const rc_code_rules *cr, rc_rule_kind kind, long day, int setting)
{
  int i, n, nstale;
  const rc_rule *rows = rc_rules_of(cr, kind, &n), *found = NULL;
  const char *stale[RC_STALE_MAX];
  nstale = stale_names(cr->set, kind, setting, day, stale);
  for (i = 0; i < n; i++)
    if (rc_rule_applies(&rows[i], day, setting) && beats(&rows[i], found) && !is_stale(&rows[i], stale, nstale))
      found = &rows[i];
  return found;
}

/* The PTP edit (this code as column 1) against column 2 in force on the
 * day in the setting, written to out; NULL when none. */
const rc_rule *rc_rules_ptp(const rc_code_rules *cr, const char *column2, long day, int setting, rc_rule *out)
{
  rc_ptp_walk w;
  rc_rules_ptp_walk(&w, cr, day, setting);
  return rc_rules_ptp_next(&w, rc_ptp_key(rc_code_key(column2)), out);
}

void rc_rules_ptp_walk(rc_ptp_walk *w, const rc_code_rules *cr, long day, int setting)
{
  w->cr = cr;
  w->day = day;
  w->setting = setting;
  w->at = 0;
  w->last = 0;
  w->nstale = stale_names(cr->set, RC_RULE_PTP, setting, day, w->stale);
}

/* The walk's edit against column 2 (a packed key, rc_ptp_key), as
 * rc_rules_ptp answers. */
const rc_rule *rc_rules_ptp_next(rc_ptp_walk *w, uint32_t column2, rc_rule *out)
{
  const rc_code_rules *cr = w->cr;
  if (column2 == RC_PTP_NO_KEY) return NULL;
  if (cr->ptp_filter != NULL && !rc_ptp_may_hold(cr->ptp_filter, cr->ptp_filter_shift, column2))
    return NULL;   /* the rows before w->at stay below any later column 2 */
  if (column2 < w->last) w->at = 0;
  w->last = column2;
  w->at = rc_ptp_seek(cr->ptp, cr->nptp, w->at, column2);
  return rc_ptp_pick(cr->ptp, cr->nptp, w->at, cr->texts, column2, w->day, w->setting, w->stale, w->nstale, out);
}

/* Does radcode hold any rule at all for the code (its record, or national
 * edits imported for it)? */
int rc_rules_any(const rc_code_rules *cr)
{
  return cr->first[RC_RULE_KINDS] > 0 || cr->nptp > 0;
}

const char *rc_rules_family(const rc_code_rules *cr)
{
  return cr->known ? cr->rows[cr->first[RC_RULE_CODE]].other : "";
}


/* A payer's rules of a code: the national rows and an overlay chain's rows
 * (each sorted by row_order), merged into one new set the caller owns (free
 * with rc_rules_free_code); NULL when out of memory. */
rc_code_rules *rc_rules_merge(const rc_code_rules *national, const rc_rule *extra, int nextra)
{
  int n = national->first[RC_RULE_KINDS], i = 0, j = 0, k = 0;
  rc_code_rules *cr = calloc(1, sizeof *cr);
  if (cr == NULL || (cr->rows = malloc((size_t)(n + nextra + 1) * sizeof *cr->rows)) == NULL) {
    free(cr);
    return NULL;
  }
  memcpy(cr->code, national->code, sizeof cr->code);
  cr->in_articles = national->in_articles;
  cr->texts = national->texts;
  cr->set = national->set;
  if (!rc_ptp_merge(national->ptp, national->nptp, extra, nextra, cr->texts, &cr->ptp, &cr->nptp)) {
    rc_rules_free_code(cr);
    return NULL;
  }
  cr->ptp_filter = rc_ptp_filter(cr->ptp, cr->nptp, &cr->ptp_filter_shift);
  while (i < n || j < nextra) {
    if (j < nextra && extra[j].kind == RC_RULE_PTP) j++;
    else if (j >= nextra || (i < n && row_order(&national->rows[i], &extra[j]) <= 0)) cr->rows[k++] = national->rows[i++];
    else cr->rows[k++] = extra[j++];
  }
  index_kinds(cr, k);
  return cr;
}

/* ---- tables that are not about one code, loaded whole ---- */

/* The NCCI-associated modifiers that may bypass a PTP edit (a handful of
 * hundreds): a PTP finding's fix lists them. 0 when out of memory. */
static int index_bypass(rc_rules *rules)
{
  int i;
  if (rules->nmodifiers > 0 && (rules->bypass = malloc((size_t)rules->nmodifiers * sizeof *rules->bypass)) == NULL)
    return 0;
  for (i = 0; i < rules->nmodifiers; i++)
    if (rules->modifiers[i].bypass && strcmp(rules->modifiers[i].kind, "ncci") == 0) rules->bypass[rules->nbypass++] = i;
  return 1;
}

static int load_modifiers(rc_rules *rules, sqlite3 *conn)
{
  sqlite3_stmt *st;
  int n = 0, cap = 0, rc;
  const char *sql = "SELECT modifier, bypass, kind, applies_to, terminated, meaning FROM modifiers ORDER BY modifier";
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) return 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc_modifier *m;
    if (n == cap) {
      rc_modifier *grown = realloc(rules->modifiers, (size_t)(cap = cap ? cap * 2 : 64) * sizeof *grown);
      if (grown == NULL) break;
      rules->modifiers = grown;
    }
    m = &rules->modifiers[n++];
    snprintf(m->modifier, sizeof m->modifier, "%s", (const char *)sqlite3_column_text(st, 0));
    m->bypass = sqlite3_column_int(st, 1);
    m->kind = text_of(rules, st, 2);
    m->applies_to = text_of(rules, st, 3);
    m->terminated = day_of(st, 4, LONG_MAX);
    m->meaning = text_of(rules, st, 5);
  }
  rules->nmodifiers = n;
  sqlite3_finalize(st);
  return rc == SQLITE_DONE && index_bypass(rules);
}

static int load_groups(rc_rules *rules, sqlite3 *conn)
{
  sqlite3_stmt *st;
  int n = 0, cap = 0, rc;
  const char *sql = "SELECT grp, code_from, code_to, valid_from, valid_to, label FROM code_groups";
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) return 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    group_row *g;
    if (n == cap) {
      group_row *grown = realloc(rules->groups, (size_t)(cap = cap ? cap * 2 : 8) * sizeof *grown);
      if (grown == NULL) break;
      rules->groups = grown;
    }
    g = &rules->groups[n++];
    g->group = text_of(rules, st, 0);
    snprintf(g->from, sizeof g->from, "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(g->to, sizeof g->to, "%s", (const char *)sqlite3_column_text(st, 2));
    g->start = day_of(st, 3, LONG_MIN);
    g->end = day_of(st, 4, LONG_MAX);
    g->label = text_of(rules, st, 5);
  }
  rules->ngroups = n;
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

static int load_dx_support(rc_rules *rules, sqlite3 *conn)
{
  sqlite3_stmt *st;
  int n = 0, cap = 0, rc;
  const char *sql = "SELECT dx_from, dx_to, family, payer, valid_from, valid_to, note FROM dx_support";
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) return 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    dx_row *d;
    if (n == cap) {
      dx_row *grown = realloc(rules->dx, (size_t)(cap = cap ? cap * 2 : 32) * sizeof *grown);
      if (grown == NULL) break;
      rules->dx = grown;
    }
    d = &rules->dx[n++];
    snprintf(d->from, sizeof d->from, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(d->to, sizeof d->to, "%s", (const char *)sqlite3_column_text(st, 1));
    d->family = text_of(rules, st, 2);
    d->payer = text_of(rules, st, 3);
    d->start = day_of(st, 4, LONG_MIN);
    d->end = day_of(st, 5, LONG_MAX);
    d->note = text_of(rules, st, 6);
  }
  rules->ndx = n;
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

static int load_dx_required(rc_rules *rules, sqlite3 *conn)
{
  sqlite3_stmt *st;
  int n = 0, rc;
  if (sqlite3_prepare_v2(conn, "SELECT family FROM dx_required", -1, &st, NULL) != SQLITE_OK) return 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char **grown = realloc(rules->dx_families, (size_t)(n + 1) * sizeof *grown);
    if (grown == NULL) break;
    rules->dx_families = grown;
    grown[n++] = text_of(rules, st, 0);
  }
  rules->nfamilies = n;
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

/* A whole table in the rule row layout into *out; 0 on a database error
 * or when out of memory (the rows read so far stay, for rc_rules_free). */
static int load_rows(rc_rules *rules, sqlite3 *conn, const char *sql, rc_rule **out, int *count)
{
  sqlite3_stmt *st;
  int n = 0, cap = 0, rc;
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) return 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap) {
      rc_rule *grown = realloc(*out, (size_t)(cap = cap ? cap * 2 : 32) * sizeof *grown);
      if (grown == NULL) break;
      *out = grown;
    }
    if (!read_rule(rules, st, &(*out)[n])) break;
    n++;
  }
  *count = n;
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

/* The datasets with coverage, counted by kind (kinds past RC_RULE_MUE:
 * RC_RULE_KINDS). */
static int load_datasets(rc_rules *rules, sqlite3 *conn)
{
  int i;
  if (!load_rows(rules, conn, sql_datasets, &rules->datasets, &rules->ndatasets)) return 0;
  for (i = 0; i < rules->ndatasets; i++) {
    rc_rule *d = &rules->datasets[i];
    if (d->kind != RC_RULE_PTP && d->kind != RC_RULE_MUE) d->kind = RC_RULE_KINDS;
    rules->versions[d->kind]++;
  }
  return 1;
}

/* Whether any coverage article lists a code: without one the necessity
 * edit never asks for articles. */
static int load_has_articles(rc_rules *rules, sqlite3 *conn)
{
  sqlite3_stmt *st;
  int rc;
  if (sqlite3_prepare_v2(conn, "SELECT EXISTS (SELECT 1 FROM lcd_article_code)", -1, &st, NULL) != SQLITE_OK) return 0;
  rc = sqlite3_step(st);
  rules->has_articles = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW;
}

int rc_rules_has_articles(const rc_rules *rules)
{
  return rules->has_articles;
}

/* The distinct non-null values of a date column of lcd_article, sorted
 * (SQLite's BINARY order, as the article queries compare them), interned. */
static int load_article_dates(rc_rules *rules, sqlite3 *conn, const char *sql, const char ***out, int *count)
{
  sqlite3_stmt *st;
  int rc, n = 0, cap = 0, ok = 1;
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) return 0;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n == cap) {
      const char **grown = realloc((void *)*out, (size_t)(cap = cap ? cap * 2 : 16) * sizeof *grown);
      if (grown == NULL) {
        ok = 0;
        break;
      }
      *out = grown;
    }
    ok = ((*out)[n] = text_of(rules, st, 0)) != NULL;
    n += ok;
  }
  *count = n;
  sqlite3_finalize(st);
  return ok && rc == SQLITE_DONE;
}

/* An article query's answer changes with the date only where some
 * article starts or ends: the dates kept here tell those spans apart. */
static int load_article_epochs(rc_rules *rules, sqlite3 *conn)
{
  if (!rules->has_articles) return 1;
  return load_article_dates(rules, conn, "SELECT DISTINCT effective FROM lcd_article WHERE effective IS NOT NULL"
                            " ORDER BY 1", &rules->article_starts, &rules->nstarts) &&
         load_article_dates(rules, conn, "SELECT DISTINCT ended FROM lcd_article WHERE ended IS NOT NULL"
                            " ORDER BY 1", &rules->article_ends, &rules->nends);
}

/* How many of the sorted values compare below date (or, with or_equal, at
 * most equal to it). */
static long count_below(const char *const *values, int n, const char *date, int or_equal)
{
  int lo = 0, hi = n;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2, cmp = strcmp(values[mid], date);
    if (cmp < 0 || (or_equal && cmp == 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* s kept for the life of the rule set (one copy of each text); NULL when
 * out of memory. */
const char *rc_rules_intern(rc_rules *rules, const char *s)
{
  return rc_pool_intern(rules->pool, s);
}

/* Which span between article start and end dates holds date: every
 * article's "effective <= date AND ended >= date" is the same for two
 * dates of one span, so the article queries' answers are too. */
long rc_rules_article_epoch(const rc_rules *rules, const char *date)
{
  return count_below(rules->article_starts, rules->nstarts, date, 1) +
         count_below(rules->article_ends, rules->nends, date, 0);
}

/* The codes the tables that name few codes name (sql_few_codes: sorted as
 * strcmp sorts, for rules_query's bsearch), interned. */
static int load_few_codes(rc_rules *rules, sqlite3 *conn)
{
  sqlite3_stmt *st;
  int cap = 0, rc;
  if (sqlite3_prepare_v2(conn, sql_few_codes, -1, &st, NULL) != SQLITE_OK) return 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *code;
    if (rules->nfew_codes == cap) {
      const char **grown = realloc(rules->few_codes, (size_t)(cap = cap ? cap * 2 : 64) * sizeof *grown);
      if (grown == NULL) break;
      rules->few_codes = grown;
    }
    if ((code = text_of(rules, st, 0)) == NULL) break;
    rules->few_codes[rules->nfew_codes++] = code;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

static int load_whole_tables(rc_rules *rules, sqlite3 *conn)
{
  return load_few_codes(rules, conn) && load_modifiers(rules, conn) && load_groups(rules, conn) &&
         load_dx_support(rules, conn) && load_dx_required(rules, conn) &&
         load_rows(rules, conn, sql_places, &rules->places, &rules->nplaces) &&
         load_rows(rules, conn, sql_setting_mods, &rules->setting_mods, &rules->nsetting_mods) &&
         load_rows(rules, conn, sql_payer_codes, &rules->payer_codes, &rules->npayer_codes) &&
         load_rows(rules, conn, sql_revenue, &rules->revenue, &rules->nrevenue) &&
         load_rows(rules, conn, sql_pctc_meanings, &rules->pctc_meanings, &rules->npctc_meanings) &&
         load_rows(rules, conn, sql_status_meanings, &rules->status_meanings, &rules->nstatus_meanings) &&
         load_datasets(rules, conn) && load_has_articles(rules, conn) &&
         load_article_epochs(rules, conn);
}

rc_rules *rc_rules_new(sqlite3 *conn, char *err, size_t errlen)
{
  rc_rules *rules = calloc(1, sizeof *rules);
  if (rules == NULL || (rules->codes = rc_codemap_new()) == NULL ||
      (rules->pool = rc_pool_new()) == NULL) {
    snprintf(err, errlen, "out of memory");
    rc_rules_free(rules);
    return NULL;
  }
  if (sqlite3_prepare_v2(conn, sql_code_pack, -1, &rules->load_pack, NULL) != SQLITE_OK) rules->load_pack = NULL;
  if (sqlite3_prepare_v2(conn, sql_code_rules, -1, &rules->load, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(conn, sql_common_rules, -1, &rules->load_common, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(conn, sql_code_ptp, -1, &rules->load_ptp, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(conn, sql_ptp_text, -1, &rules->load_ptp_text, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(conn, sql_code_listed, -1, &rules->load_listed, NULL) != SQLITE_OK ||
      !load_whole_tables(rules, conn)) {
    snprintf(err, errlen, "cannot read the rule tables: %s%s", sqlite3_errmsg(conn), rc_db_damage_hint(conn));
    rc_rules_free(rules);
    return NULL;
  }
  return rules;
}

void rc_rules_free(rc_rules *rules)
{
  if (rules == NULL) return;
  if (rules->load != NULL) rc_rules_batch_end(rules);
  sqlite3_finalize(rules->load);
  sqlite3_finalize(rules->load_common);
  sqlite3_finalize(rules->load_ptp);
  sqlite3_finalize(rules->load_ptp_text);
  sqlite3_finalize(rules->load_listed);
  sqlite3_finalize(rules->load_pack);
  free(rules->pack_shapes);
  free(rules->text_by_id);
  free(rules->ptp_scratch);
  rc_ptp_texts_free(&rules->pairs);
  rc_codemap_free(rules->codes, rc_rules_free_code);
  rc_pool_free(rules->pool);
  free(rules->modifiers);
  free(rules->bypass);
  free(rules->few_codes);
  free(rules->groups);
  free(rules->dx);
  free(rules->dx_families);
  free(rules->places);
  free(rules->setting_mods);
  free(rules->payer_codes);
  free(rules->pctc_meanings);
  free(rules->status_meanings);
  free(rules->revenue);
  free((void *)rules->article_starts);
  free((void *)rules->article_ends);
  free(rules->datasets);
  free(rules);
}

/* The modifier's row, or NULL when radcode does not know it. */
const rc_modifier *rc_rules_modifier(const rc_rules *rules, const char *modifier)
{
  int lo = 0, hi = rules->nmodifiers - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, cmp = strcmp(modifier, rules->modifiers[mid].modifier);
    if (cmp == 0) return &rules->modifiers[mid];
    if (cmp < 0) hi = mid - 1; else lo = mid + 1;
  }
  return NULL;
}

/* Is the code in the group (code_groups) on the day? Ranges compare codes
 * of the same length as text. */
int rc_rules_in_group(const rc_rules *rules, const char *group, const char *code, long day)
{
  int i;
  size_t len = strlen(code);
  for (i = 0; i < rules->ngroups; i++) {
    const group_row *g = &rules->groups[i];
    if (strcmp(g->group, group) == 0 && day >= g->start && day <= g->end && strlen(g->from) == len &&
        strcmp(code, g->from) >= 0 && strcmp(code, g->to) <= 0)
      return 1;
  }
  return 0;
}

/* The name of a group in messages ("E/M"); the group's key when it has no row. */
const char *rc_rules_group_label(const rc_rules *rules, const char *group)
{
  int i;
  for (i = 0; i < rules->ngroups; i++)
    if (strcmp(rules->groups[i].group, group) == 0) return rules->groups[i].label;
  return group;
}

/* Is the modifier for this code (its applies_to: '*', a group, or 'non-'
 * and a group)? */
int rc_modifier_fits(const rc_rules *rules, const rc_modifier *m, const char *code, long day)
{
  const char *to = m->applies_to;
  if (to[0] == '\0' || strcmp(to, "*") == 0) return 1;
  if (strncmp(to, "non-", 4) == 0) return !rc_rules_in_group(rules, to + 4, code, day);
  return rc_rules_in_group(rules, to, code, day);
}

/* "59, XE, XP, XS or XU": the NCCI-associated modifiers that may bypass a
 * PTP edit and fit the code on the day. Returns how many; *first gets the
 * first one's row. */
int rc_rules_bypass_list(const rc_rules *rules, const char *code, long day, char *out, size_t size,
                         const rc_modifier **first)
{
  const rc_modifier *fit[64];
  int i, n = 0;
  out[0] = '\0';
  *first = NULL;
  for (i = 0; i < rules->nbypass && n < 64; i++) {
    const rc_modifier *m = &rules->modifiers[rules->bypass[i]];
    if (day <= m->terminated && rc_modifier_fits(rules, m, code, day)) fit[n++] = m;
  }
  for (i = 0; i < n; i++) {
    rc_cat_n(out, size, i == 0 ? "" : i == n - 1 ? " or " : ", ", 4);
    rc_cat_n(out, size, fit[i]->modifier, sizeof fit[i]->modifier);
  }
  if (n > 0) *first = fit[0];
  return n;
}

int rc_rules_dx_required(const rc_rules *rules, const char *family)
{
  int i;
  for (i = 0; i < rules->nfamilies; i++)
    if (rules->dx_families[i][0] == family[0] && strcmp(rules->dx_families[i], family) == 0) return 1;
  return 0;
}

static int in_range(const char *dx, const char *from, const char *to)
{
  return strncmp(dx, from, strlen(from)) >= 0 && strncmp(dx, to, strlen(to)) <= 0;
}

/* The note of a diagnosis range that supports the family for the payer on
 * the day (dx upper case, without its dot), or NULL. */
const char *rc_rules_dx_support(const rc_rules *rules, const char *dx, const char *family,
                                const char *payer, long day)
{
  int i;
  for (i = 0; i < rules->ndx; i++) {
    const dx_row *d = &rules->dx[i];
    if (day < d->start || day > d->end || !in_range(dx, d->from, d->to)) continue;
    if (strcmp(d->family, "*") != 0 && strcmp(d->family, family) != 0) continue;
    if (strcmp(d->payer, "*") == 0 || (payer && strcmp(d->payer, payer) == 0)) return d->note;
  }
  return NULL;
}

/* The place of service (two digits) in the CMS code set, or NULL. */
const rc_rule *rc_rules_place(const rc_rules *rules, const char *pos)
{
  int i;
  for (i = 0; i < rules->nplaces; i++)
    if (strcmp(rules->places[i].other, pos) == 0) return &rules->places[i];
  return NULL;
}

/* The modifiers claim types do not carry (other = modifier, setting). */
const rc_rule *rc_rules_setting_modifiers(const rc_rules *rules, int *count)
{
  *count = rules->nsetting_mods;
  return rules->setting_mods;
}

/* The rows that make code one payer's own (payer, other = the codes other
 * payers expect); *count of them. */
const rc_rule *rc_rules_payer_codes(const rc_rules *rules, const char *code, int *count)
{
  int lo = 0, hi = rules->npayer_codes, i, n = 0;
  if (hi > 0 && strcmp(rules->payer_codes[0].extra, code) > 0) hi = 0;   /* most codes: before them all */
  while (lo < hi) {   /* the first row not before code (rows are in code order: sql_payer_codes) */
    int mid = lo + (hi - lo) / 2;
    if (strcmp(rules->payer_codes[mid].extra, code) < 0) lo = mid + 1;
    else hi = mid;
  }
  i = lo;
  while (i + n < rules->npayer_codes && strcmp(rules->payer_codes[i + n].extra, code) == 0) n++;
  *count = n;
  return n ? &rules->payer_codes[i] : NULL;
}

/* The revenue_codes row of a code family in force on the day (institutional
 * lines: other = family, extra = revenue prefix, text = label), or NULL. */
const rc_rule *rc_rules_revenue(const rc_rules *rules, const char *family, long day)
{
  int i;
  const rc_rule *found = NULL;
  for (i = 0; family != NULL && i < rules->nrevenue; i++) {
    const rc_rule *r = &rules->revenue[i];
    if (strcmp(r->other, family) == 0 && day >= r->from && day <= r->to) found = r;
  }
  return found;
}
