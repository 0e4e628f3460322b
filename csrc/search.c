/* search.c: rc:search(text [, {limit =, date =}]) finds codes by words.
 * The text is cut into words (letters and digits), filler words such as
 * "with" or "of" are dropped, and each word matches as a
 * prefix ("7740" finds 77401, 77402, 77407; "compens" finds compensation)
 * or through its synonym ("imrt" also finds "intensity modulated"). SQLite
 * FTS5 gathers candidates over code, summary, descriptor and keywords; each
 * is scored as the number of query words it matches (a word only negated,
 * as in "without compensation", does not count), one more when a word is
 * the code or its prefix, plus its BM25 relevance squashed into 0..1: codes
 * matching more words always come first. A query that names a family
 * (a word, or a word of its synonym, is the family's name: "igrt" means
 * "image guidance", family guidance) gives that family's codes valid on
 * the date (today by default) one more, so they come first. Every known
 * code is searched: curated ones, and those an imported file named (HCPCS
 * Level II codes by their descriptor words, any code by a prefix). With
 * a date, only codes valid on that date are returned. */
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "code.h"
#include "handle.h"
#include "opts.h"

#define MAX_TERMS 16
#define MAX_WORD 32
#define MAX_EXPANSION 96
#define MAX_CANDIDATES 500

typedef struct term {
  char word[MAX_WORD + 1];
  char expansion[MAX_EXPANSION + 1];   /* "" when the word has no synonym */
} term;

typedef struct candidate {
  char code[RC_CODE_LEN + 1];
  double score;
} candidate;

static const char sql_synonym[] = "SELECT expansion FROM synonyms WHERE term = ?1";

#define SEARCH_SELECT \
  "SELECT c.code, lower(c.code || ' ' || c.summary || ' ' ||" \
  " coalesce(c.descriptor, '') || ' ' || coalesce(c.keywords, '')) AS text," \
  " bm25(code_search, 10.0, 3.0, 1.0, 4.0) AS rank, lower(c.code)," \
  " lower(c.family), c.effective, c.terminated" \
  " FROM code_search JOIN codes c ON c.code = code_search.code" \
  " WHERE code_search MATCH ?1"

static const char sql_search[] = SEARCH_SELECT " ORDER BY rank LIMIT 500";
static const char sql_search_dated[] = SEARCH_SELECT
  " AND c.effective <= ?2 AND (c.terminated IS NULL OR c.terminated >= ?2)"
  " ORDER BY rank LIMIT 500";

static const char sql_result[] =
  "SELECT summary, family, effective, terminated FROM codes WHERE code = ?1";

static int is_alnum(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
  return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Filler words that say nothing about a code; dropped from a query unless
 * the query has nothing else. */
static int is_stop_word(const char *word)
{
  static const char *const stop[] = {"a", "an", "and", "or", "the", "of", "for", "with",
                                     "per", "in", "on", "to", "by", "at", NULL};
  int i;
  for (i = 0; stop[i] != NULL; i++)
    if (strcmp(word, stop[i]) == 0) return 1;
  return 0;
}

/* Drops stop words, keeping the terms as they are if all are stop words. */
static int drop_stop_words(term terms[], int n)
{
  int i, kept = 0;
  for (i = 0; i < n; i++)
    if (!is_stop_word(terms[i].word)) kept++;
  if (kept == 0) return n;
  for (i = 0, kept = 0; i < n; i++)
    if (!is_stop_word(terms[i].word)) terms[kept++] = terms[i];
  return kept;
}

static int seen(const term *terms, int n, const char *word)
{
  int i;
  for (i = 0; i < n; i++)
    if (strcmp(terms[i].word, word) == 0) return 1;
  return 0;
}

/* Cuts text into distinct lower-case words (at most MAX_TERMS). */
static int tokenize(const char *s, size_t len, term terms[MAX_TERMS])
{
  int n = 0;
  size_t i = 0;
  while (i < len && n < MAX_TERMS) {
    size_t w = 0;
    while (i < len && !is_alnum(s[i])) i++;
    while (i < len && is_alnum(s[i])) {
      if (w < MAX_WORD) terms[n].word[w++] = lower(s[i]);
      i++;
    }
    terms[n].word[w] = '\0';
    terms[n].expansion[0] = '\0';
    if (w > 0 && !seen(terms, n, terms[n].word)) n++;
  }
  return n;
}

/* Copies a synonym expansion as plain lower-case words, one space apart. */
static void clean_phrase(const char *src, char dst[MAX_EXPANSION + 1])
{
  size_t n = 0;
  for (; *src != '\0' && n < MAX_EXPANSION; src++) {
    if (is_alnum(*src)) dst[n++] = lower(*src);
    else if (n > 0 && dst[n - 1] != ' ') dst[n++] = ' ';
  }
  while (n > 0 && dst[n - 1] == ' ') n--;
  dst[n] = '\0';
}

static int expand(rc_handle *h, term terms[], int n)
{
  int i;
  for (i = 0; i < n; i++) {
    sqlite3_stmt *st = rc_db_statement(&h->db, RC_SQL_SYNONYM, sql_synonym);
    if (st == NULL) return 0;
    sqlite3_bind_text(st, 1, terms[i].word, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
      clean_phrase((const char *)sqlite3_column_text(st, 0), terms[i].expansion);
    sqlite3_reset(st);
  }
  return 1;
}

/* The FTS5 query: every word as a prefix, or its synonym phrase, OR-ed.
 * Words and phrases hold only letters, digits and spaces, so quoting them
 * is safe. */
static void build_match(const term terms[], int n, char *out, size_t size)
{
  size_t used = 0;
  int i;
  out[0] = '\0';
  for (i = 0; i < n; i++) {
    int w;
    if (terms[i].expansion[0] != '\0')
      w = snprintf(out + used, size - used, "%s(\"%s\"* OR \"%s\")", i ? " OR " : "",
                   terms[i].word, terms[i].expansion);
    else
      w = snprintf(out + used, size - used, "%s\"%s\"*", i ? " OR " : "", terms[i].word);
    if (w < 0 || (size_t)w >= size - used) break;
    used += (size_t)w;
  }
}

/* Is the word at p (inside text) negated: right after "without ", "no "
 * or "not "? ("without compensation" does not match "compensation".) */
static int negated(const char *text, const char *p)
{
  static const char *const negations[] = {"without ", "no ", "not ", NULL};
  int i;
  for (i = 0; negations[i] != NULL; i++) {
    size_t n = strlen(negations[i]);
    if ((size_t)(p - text) >= n && strncmp(p - n, negations[i], n) == 0 &&
        (p - n == text || !is_alnum(p[-(long)n - 1])))
      return 1;
  }
  return 0;
}

/* Does `needle` start a word somewhere in `text`, other than negated? */
static int has_word_prefix(const char *text, const char *needle)
{
  const char *p = text;
  size_t n = strlen(needle);
  if (n == 0) return 0;
  while ((p = strstr(p, needle)) != NULL) {
    if ((p == text || !is_alnum(p[-1])) && !negated(text, p)) return 1;
    p += n;
  }
  return 0;
}

/* Is `word` one of the words of `text` (space-separated)? */
static int has_whole_word(const char *text, const char *word)
{
  size_t n = strlen(word);
  const char *p = text;
  if (n == 0) return 0;
  while ((p = strstr(p, word)) != NULL) {
    if ((p == text || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ')) return 1;
    p += n;
  }
  return 0;
}

/* Does the query name the family (a word or a word of its synonym)? */
static int names_family(const char *family, const term terms[], int n)
{
  int i;
  if (family == NULL || family[0] == '\0' || strcmp(family, "other") == 0) return 0;
  for (i = 0; i < n; i++)
    if (strcmp(terms[i].word, family) == 0 || has_whole_word(terms[i].expansion, family)) return 1;
  return 0;
}

/* Is the code valid on the date (ISO strings)? */
static int valid_on(const char *date, const char *effective, const char *terminated)
{
  return effective != NULL && strcmp(effective, date) <= 0 && (terminated == NULL || strcmp(date, terminated) <= 0);
}

/* Score: the query words the code matches, one more when a word is the
 * code or a prefix of it, one more when the query names its family and it
 * is valid on the date, plus the BM25 relevance squashed into 0..1. */
static double score_of(sqlite3_stmt *st, const char *date, const term terms[], int n)
{
  const char *code = (const char *)sqlite3_column_text(st, 3);
  const char *text = (const char *)sqlite3_column_text(st, 1);
  double rank = sqlite3_column_double(st, 2);
  int i, matched = 0, code_hit = 0, family = 0;
  double relevance = rank < 0 ? -rank : 0;
  for (i = 0; i < n; i++) {
    if (has_word_prefix(text, terms[i].word) || has_word_prefix(text, terms[i].expansion))
      matched++;
    if (strncmp(code, terms[i].word, strlen(terms[i].word)) == 0) code_hit = 1;
  }
  if (names_family((const char *)sqlite3_column_text(st, 4), terms, n) &&
      valid_on(date, (const char *)sqlite3_column_text(st, 5), (const char *)sqlite3_column_text(st, 6)))
    family = 1;
  return matched + code_hit + family + relevance / (1.0 + relevance);
}

static int by_score(const void *a, const void *b)
{
  const candidate *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return strcmp(x->code, y->code);
}

/* Runs the FTS query and scores up to MAX_CANDIDATES rows into `out`. */
static int gather(rc_handle *h, const char *match, const char *date, const char *on,
                  const term terms[], int n, candidate out[], int *count)
{
  sqlite3_stmt *st = date ? rc_db_statement(&h->db, RC_SQL_SEARCH_DATED, sql_search_dated)
                          : rc_db_statement(&h->db, RC_SQL_SEARCH, sql_search);
  int rc;
  if (st == NULL) return 0;
  sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
  if (date) sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
  *count = 0;
  while (*count < MAX_CANDIDATES && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    candidate *c = &out[(*count)++];
    snprintf(c->code, sizeof c->code, "%s", (const char *)sqlite3_column_text(st, 0));
    c->score = score_of(st, on, terms, n);
  }
  sqlite3_reset(st);
  return *count == MAX_CANDIDATES || rc == SQLITE_DONE;
}

static const char *status_on(const char *date, const char *effective, const char *terminated)
{
  if (strcmp(date, effective) < 0) return "not_yet_valid";
  if (terminated != NULL && strcmp(date, terminated) > 0) return "deleted";
  return "active";
}

/* Pushes {code, summary, family, score, status} for one candidate. */
static int push_result(lua_State *L, rc_handle *h, const candidate *c, const char *today)
{
  sqlite3_stmt *st = rc_db_statement(&h->db, RC_SQL_SEARCH_RESULT, sql_result);
  if (st == NULL) return 0;
  sqlite3_bind_text(st, 1, c->code, -1, SQLITE_STATIC);
  if (sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return 0;
  }
  lua_createtable(L, 0, 5);
  lua_pushstring(L, c->code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, (const char *)sqlite3_column_text(st, 0));
  lua_setfield(L, -2, "summary");
  lua_pushstring(L, (const char *)sqlite3_column_text(st, 1));
  lua_setfield(L, -2, "family");
  lua_pushstring(L, status_on(today, (const char *)sqlite3_column_text(st, 2),
                              (const char *)sqlite3_column_text(st, 3)));
  lua_setfield(L, -2, "status");
  lua_pushnumber(L, c->score);
  lua_setfield(L, -2, "score");
  sqlite3_reset(st);
  return 1;
}

static int push_results(lua_State *L, rc_handle *h, candidate *c, int count,
                        lua_Integer limit, const char *date)
{
  int i;
  qsort(c, (size_t)count, sizeof *c, by_score);
  lua_createtable(L, (int)(count < limit ? count : limit), 0);
  for (i = 0; i < count && i < limit; i++) {
    if (!push_result(L, h, &c[i], date)) return 0;
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static int search(lua_State *L)
{
  static const char *const allowed[] = {"limit", "date", NULL};
  rc_handle *h = rc_handle_check(L, 1);
  size_t len;
  const char *text = rc_check_string(L, 2, &len);
  term terms[MAX_TERMS];
  candidate found[MAX_CANDIDATES];
  char match[4096], date[RC_DATE_LEN + 1], shown[RC_SHOWN_LEN];
  int n, count;
  lua_Integer limit;
  rc_opts_check(L, 3, allowed);
  limit = rc_opts_integer(L, 3, "limit", 10, 1, MAX_CANDIDATES);
  if (!rc_opts_date(L, 3, date)) return rc_fail(L);
  n = drop_stop_words(terms, tokenize(text, len, terms));
  if (n == 0) return rc_failf(L, "nothing to search for in '%s'", rc_shorten(text, shown));
  if (!expand(h, terms, n)) return rc_handle_db_error(L, h);
  build_match(terms, n, match, sizeof match);
  if (!gather(h, match, rc_opts_string(L, 3, "date") ? date : NULL, date, terms, n, found, &count))
    return rc_handle_db_error(L, h);
  if (!push_results(L, h, found, count, limit, date)) return rc_handle_db_error(L, h);
  return 1;
}

const luaL_Reg rc_search_methods[] = {
  {"search", search},
  {NULL, NULL}
};
