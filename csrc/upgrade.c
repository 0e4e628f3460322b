/* upgrade.c: a user's database follows the module. The curated rows (built
 * from the data/ TSV files and embedded in the module) and the rows a user imported
 * live in one file; meta.curated_id names the curated data the file holds
 * (tools/mkdb writes it: a hash of the schema and the input files). When
 * a file's schema version is older than the module's, or it holds curated
 * data that is not the module's, opening it upgrades it in ONE transaction:
 *   - the module's image is attached (read in place, never copied);
 *   - each of the image's tables that the file lacks is created, and each
 *     whose CREATE statement differs is rebuilt from the image's statement
 *     (the columns both have are copied; the file's own triggers and
 *     indexes on it are made again, its views keep naming it), so a
 *     schema change to a table needs no hand-written step;
 *   - the imported rows are kept and the curated rows replaced by the
 *     module's: a row is imported when its source names a dataset the file
 *     records as imported (datasets.kind not 'curated') of a kind that
 *     writes the table (or of no import kind: rows added by hand); a
 *     curated row of a
 *     dataset the user imported is not brought back (the import replaced
 *     it); an imported row wins a key conflict, except a code or a
 *     modifier the module curates (imports name unknown codes with family
 *     'other' and add unknown modifiers; a curated one comes in even when
 *     its source names an imported edition), which keeps the descriptor
 *     or end date an import gave it when the module has none;
 *     a table without a text source column is curated (replaced whole)
 *     when the image has rows in it, import-only (kept whole) otherwise;
 *     NCCI PTP rows (ptp_edit, whose source is an id into ptp_text) are
 *     sorted the same way by their source's text;
 *   - the image's views, triggers and indexes are made anew, meta takes
 *     the image's schema_version, radcode_version and curated_id, and the
 *     search index is rebuilt.
 * Any failure rolls everything back: the file is as it was. A file without
 * curated data (made by hand from data/schema.sql) only has its schema
 * migrated (and its search index rebuilt). A read-only file is upgraded in a private in-memory copy,
 * opened query-only. */
#define _POSIX_C_SOURCE 200809L
#include "upgrade.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "embed.h"
#include "ptp_pack.h"

#define IMAGE "rc_curated"

typedef struct {
  sqlite3 *conn;
  int curated;          /* the file holds curated data */
  char *err;
  size_t errlen;
} up_job;

/* How a table's rows are sorted into curated and imported. */
typedef enum { T_ROWS, T_CURATED, T_IMPORTED, T_PTP_TEXT, T_PTP, T_PTP_PACK, T_DATASETS, T_VIRTUAL } up_kind;

static int exec(up_job *j, const char *sql)
{
  char *msg = NULL;
  if (sqlite3_exec(j->conn, sql, NULL, NULL, &msg) == SQLITE_OK) return 1;
  snprintf(j->err, j->errlen, "%s", msg ? msg : sqlite3_errmsg(j->conn));
  sqlite3_free(msg);
  return 0;
}

/* Records SQLite's message for the call that just failed. */
static int failed(up_job *j)
{
  snprintf(j->err, j->errlen, "%s", sqlite3_errmsg(j->conn));
  return 0;
}

/* exec of a sqlite3_mprintf format (%w quotes an identifier). */
static int execf(up_job *j, const char *fmt, ...)
{
  va_list ap;
  char *sql;
  int ok;
  va_start(ap, fmt);
  sql = sqlite3_vmprintf(fmt, ap);
  va_end(ap);
  if (sql == NULL) {
    snprintf(j->err, j->errlen, "out of memory");
    return 0;
  }
  ok = exec(j, sql);
  sqlite3_free(sql);
  return ok;
}

/* The first column of the first row of sql (?1 = a), a sqlite3_malloc'd
 * copy, or NULL when there is none (or on error). */
static char *value_of(sqlite3 *conn, const char *sql, const char *a)
{
  sqlite3_stmt *st = NULL;
  char *out = NULL;
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK) {
    if (a != NULL) sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
      out = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  return out;
}

static int truth_of(sqlite3 *conn, const char *sql, const char *a)
{
  char *v = value_of(conn, sql, a);
  int yes = v != NULL && strcmp(v, "0") != 0;
  sqlite3_free(v);
  return yes;
}

/* ---- the image, attached beside the file ---- */

static int attach_image(sqlite3 *conn, char *err, size_t errlen)
{
  size_t size;
  const unsigned char *image = rc_default_image(&size);
  if (image == NULL || size == 0) {
    snprintf(err, errlen, "this build has no embedded data to upgrade from");
    return 0;
  }
  if (sqlite3_exec(conn, "ATTACH ':memory:' AS " IMAGE, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_deserialize(conn, IMAGE, (unsigned char *)image, (sqlite3_int64)size, (sqlite3_int64)size,
                          SQLITE_DESERIALIZE_READONLY) != SQLITE_OK) {
    snprintf(err, errlen, "cannot attach the embedded data: %s", sqlite3_errmsg(conn));
    sqlite3_exec(conn, "DETACH " IMAGE, NULL, NULL, NULL);
    return 0;
  }
  return 1;
}

static void detach_image(sqlite3 *conn)
{
  sqlite3_exec(conn, "DETACH " IMAGE, NULL, NULL, NULL);
}

/* Does the file hold curated data (a stamp, or the curated datasets every
 * radcode release recorded)? */
static int holds_curated(sqlite3 *conn)
{
  return truth_of(conn, "SELECT 1 FROM main.meta WHERE key = 'curated_id'", NULL) ||
         truth_of(conn, "SELECT 1 FROM main.datasets WHERE kind = 'curated'", NULL);
}

static int same_stamp(sqlite3 *conn)
{
  return truth_of(conn, "SELECT (SELECT value FROM main.meta WHERE key = 'curated_id')"
                        " IS (SELECT value FROM " IMAGE ".meta WHERE key = 'curated_id')", NULL);
}

/* ---- tables ---- */

static up_kind kind_of(up_job *j, const char *name, const char *sql)
{
  char *rows, *any;
  int curated;
  if (strncmp(sql, "CREATE VIRTUAL", 14) == 0) return T_VIRTUAL;
  if (strcmp(name, "datasets") == 0) return T_DATASETS;
  if (strcmp(name, "ptp_edit") == 0) return T_PTP;
  if (strcmp(name, "ptp_text") == 0) return T_PTP_TEXT;
  if (strcmp(name, "ptp_pack") == 0) return T_PTP_PACK;
  if (truth_of(j->conn, "SELECT 1 FROM pragma_table_info(?1, '" IMAGE "')"
                        " WHERE name = 'source' AND upper(type) = 'TEXT'", name))
    return T_ROWS;
  /* no source column: curated when the image has rows in it */
  rows = sqlite3_mprintf("SELECT 1 FROM " IMAGE ".\"%w\" LIMIT 1", name);
  any = rows ? value_of(j->conn, rows, NULL) : NULL;
  curated = any != NULL;
  sqlite3_free(rows);
  sqlite3_free(any);
  return curated ? T_CURATED : T_IMPORTED;
}

/* The quoted columns both the image's table and the file's table `other`
 * have but `skip`, comma-separated (sqlite3_malloc'd; NULL when none). */
static char *common_columns(sqlite3 *conn, const char *name, const char *other, const char *skip)
{
  sqlite3_stmt *st = NULL;
  char *out = NULL;
  const char *sql =
    "SELECT group_concat('\"' || replace(c.name, '\"', '\"\"') || '\"', ', ')"
    " FROM pragma_table_info(?1, '" IMAGE "') c"
    " WHERE c.name IN (SELECT name FROM pragma_table_info(?2, 'main')) AND c.name IS NOT ?3";
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, other, -1, SQLITE_STATIC);
    if (skip != NULL) sqlite3_bind_text(st, 3, skip, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
      out = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  return out;
}

/* The names of the datasets whose rows in the table are imported ones
 * (sqlite3_malloc'd, NULL when out of memory): the datasets of an import
 * kind that writes the table (temp.rc_writes), and those of any other kind
 * (rows a user added by hand, say). A curated row that cites an edition the
 * user imported into another table stays curated (the HCPCS edition's
 * frequency limits, the PTP edition's gaps, the editions themselves). */
static char *imported_in(const char *table)
{
  return sqlite3_mprintf("(SELECT i.name FROM temp.rc_imported i WHERE i.kind NOT IN (SELECT kind FROM temp.rc_writes)"
                         " OR i.kind IN (SELECT kind FROM temp.rc_writes WHERE tbl = %Q))", table);
}

/* Which of the old table's rows a rebuild keeps (the rest are curated rows
 * that the data step brings in anew); sqlite3_malloc'd, NULL when out of
 * memory. */
static char *kept_rows(const up_job *j, const char *name, up_kind k)
{
  char *set, *out;
  if (!j->curated || (k != T_ROWS && k != T_CURATED)) return sqlite3_mprintf("%s", "");
  if (k == T_CURATED) return sqlite3_mprintf("%s", " WHERE 0");
  set = imported_in(name);
  out = set ? sqlite3_mprintf(" WHERE source IN %s", set) : NULL;
  sqlite3_free(set);
  return out;
}

/* The file's own triggers and indexes on a table (a user's; the image's
 * were dropped first) go with the old table: they are read before and made
 * again after the rebuild, each as far as the new table allows. */
static int keep_own_objects(up_job *j, const char *name)
{
  char *sql = sqlite3_mprintf("CREATE TEMP TABLE rc_own AS SELECT sql FROM main.sqlite_schema"
                              " WHERE tbl_name = %Q AND type IN ('trigger', 'index') AND sql IS NOT NULL"
                              " ORDER BY rowid", name);
  int ok = sql != NULL && exec(j, sql);
  sqlite3_free(sql);
  return ok;
}

static int make_own_objects(up_job *j)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(j->conn, "SELECT sql FROM temp.rc_own ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
    return failed(j);
  while (sqlite3_step(st) == SQLITE_ROW)
    sqlite3_exec(j->conn, (const char *)sqlite3_column_text(st, 0), NULL, NULL, NULL);   /* best effort */
  sqlite3_finalize(st);
  return exec(j, "DROP TABLE temp.rc_own");
}

/* Rebuilds the file's table from the image's CREATE statement. The rename
 * runs with legacy_alter_table on (see upgrade()): views and triggers
 * that name the table keep its name, which the new table takes. */
static int rebuild(up_job *j, const char *name, const char *sql, up_kind k)
{
  char *cols, *keep;
  int ok;
  if (!keep_own_objects(j, name) || !execf(j, "ALTER TABLE main.\"%w\" RENAME TO \"rc_old_%w\"", name, name) ||
      !exec(j, sql))
    return 0;
  {
    char *old = sqlite3_mprintf("rc_old_%s", name);
    cols = old ? common_columns(j->conn, name, old, NULL) : NULL;
    sqlite3_free(old);
  }
  keep = kept_rows(j, name, k);
  ok = keep != NULL && (cols == NULL ||
       execf(j, "INSERT INTO main.\"%w\" (%s) SELECT %s FROM main.\"rc_old_%w\"%s", name, cols, cols, name, keep));
  if (keep == NULL) snprintf(j->err, j->errlen, "out of memory");
  sqlite3_free(cols);
  sqlite3_free(keep);
  return ok && execf(j, "DROP TABLE main.\"rc_old_%w\"", name) && make_own_objects(j);
}

/* The file's table takes the image's form. */
static int follow_schema(up_job *j, const char *name, const char *sql, up_kind k)
{
  char *have = value_of(j->conn, "SELECT sql FROM main.sqlite_schema WHERE type = 'table' AND name = ?1", name);
  int ok = 1;
  if (have == NULL) ok = exec(j, sql);
  else if (strcmp(have, sql) != 0 && k == T_VIRTUAL)
    ok = execf(j, "DROP TABLE main.\"%w\"", name) && exec(j, sql);
  else if (strcmp(have, sql) != 0)
    ok = rebuild(j, name, sql, k);
  sqlite3_free(have);
  return ok;
}

/* Tables whose imports only add keys the curated data lacks (unknown codes
 * as family 'other', new HCPCS modifiers) and otherwise add one fact to a
 * curated row (a descriptor, a modifier's end date): every row of the
 * image comes in, whatever its source names (a curated row may cite an
 * edition the user imported: the PTP file's codes, the HCPCS modifiers),
 * and the fact an import gave stays where the image gives none. */
typedef struct { const char *table, *key, *fact; } up_keyed;

static const up_keyed keyed[] = {{"codes", "code", "descriptor"}, {"modifiers", "modifier", "terminated"}};

static const up_keyed *keyed_of(const char *name)
{
  size_t i;
  for (i = 0; i < sizeof keyed / sizeof keyed[0]; i++)
    if (strcmp(keyed[i].table, name) == 0) return &keyed[i];
  return NULL;
}

/* The facts are read before any table is touched: a rebuild (a schema
 * change) keeps only the imported rows. */
static int facts_before(up_job *j)
{
  size_t i;
  for (i = 0; i < sizeof keyed / sizeof keyed[0]; i++)
    if (!execf(j, "CREATE TEMP TABLE \"rc_facts_%w\" AS SELECT \"%w\" AS k, \"%w\" AS v FROM main.\"%w\""
                  " WHERE \"%w\" IS NOT NULL", keyed[i].table, keyed[i].key, keyed[i].fact, keyed[i].table,
               keyed[i].fact))
      return 0;
  return 1;
}

static int facts_drop(up_job *j)
{
  size_t i;
  for (i = 0; i < sizeof keyed / sizeof keyed[0]; i++)
    if (!execf(j, "DROP TABLE temp.\"rc_facts_%w\"", keyed[i].table)) return 0;
  return 1;
}

static int keyed_after(up_job *j, const up_keyed *kd)
{
  return execf(j, "UPDATE main.\"%w\" SET \"%w\" = (SELECT f.v FROM temp.\"rc_facts_%w\" f WHERE f.k = \"%w\".\"%w\")"
                  " WHERE \"%w\" IS NULL AND \"%w\" IN (SELECT k FROM temp.\"rc_facts_%w\")",
               kd->table, kd->fact, kd->table, kd->table, kd->key, kd->fact, kd->key, kd->table);
}

static int follow_rows(up_job *j, const char *name, const char *cols)
{
  const up_keyed *kd = keyed_of(name);
  char *set = imported_in(name);
  int ok = set != NULL &&
         (kd == NULL || execf(j, "DELETE FROM main.\"%w\" WHERE \"%w\" IN (SELECT \"%w\" FROM " IMAGE ".\"%w\")",
                              name, kd->key, kd->key, name)) &&
         execf(j, "DELETE FROM main.\"%w\" WHERE source NOT IN %s", name, set) &&
         execf(j, "INSERT OR IGNORE INTO main.\"%w\" (%s) SELECT %s FROM " IMAGE ".\"%w\" WHERE %s%s",
               name, cols, cols, name, kd ? "1" : "source NOT IN ", kd ? "" : set) &&
         (kd == NULL || keyed_after(j, kd));
  if (set == NULL) snprintf(j->err, j->errlen, "out of memory");
  sqlite3_free(set);
  return ok;
}

static int follow_ptp(up_job *j)
{
  return exec(j,
    "DELETE FROM main.ptp_edit WHERE source NOT IN"
    " (SELECT id FROM main.ptp_text WHERE text IN (SELECT i.name FROM temp.rc_imported i"
    "  WHERE i.kind NOT IN (SELECT kind FROM temp.rc_writes) OR i.kind = 'ncci-ptp'));"
    "INSERT OR IGNORE INTO main.ptp_text (text) SELECT text FROM " IMAGE ".ptp_text;"
    "INSERT OR IGNORE INTO main.ptp_edit (col1, col2, setting, valid_from, source, valid_to, modifier, rationale)"
    " SELECT e.col1, e.col2, e.setting, e.valid_from, (SELECT id FROM main.ptp_text WHERE text = s.text),"
    " e.valid_to, e.modifier, (SELECT id FROM main.ptp_text WHERE text = r.text)"
    " FROM " IMAGE ".ptp_edit e JOIN " IMAGE ".ptp_text s ON s.id = e.source"
    " LEFT JOIN " IMAGE ".ptp_text r ON r.id = e.rationale"
    " WHERE s.text NOT IN (SELECT i.name FROM temp.rc_imported i"
    "  WHERE i.kind NOT IN (SELECT kind FROM temp.rc_writes) OR i.kind = 'ncci-ptp')");
}

static int follow_datasets(up_job *j, const char *cols)
{
  return exec(j, "DELETE FROM main.datasets WHERE kind = 'curated' OR source = 'curated data (data/*.tsv)'") &&
         execf(j, "INSERT INTO main.datasets (%s) SELECT %s FROM " IMAGE ".datasets"
                  " WHERE coalesce(name, edition) IS NULL"
                  " OR coalesce(name, edition) NOT IN (SELECT name FROM temp.rc_imported)", cols, cols);
}

/* The file's rows of a table take the module's curated rows. */
static int follow_data(up_job *j, const char *name, up_kind k)
{
  char *cols;
  int ok = 1;
  if (!j->curated || k == T_VIRTUAL || k == T_IMPORTED || k == T_PTP_TEXT) return 1;
  if (k == T_PTP) return follow_ptp(j);
  if (k == T_PTP_PACK) return exec(j, "DELETE FROM main.ptp_pack");   /* packed anew at the end */
  cols = common_columns(j->conn, name, name, k == T_DATASETS ? "id" : NULL);   /* ids: the file's */
  if (cols == NULL) return 1;
  if (k == T_DATASETS) {
    ok = follow_datasets(j, cols);
  } else if (k == T_CURATED) {
    ok = execf(j, "DELETE FROM main.\"%w\"", name) &&
         execf(j, "INSERT INTO main.\"%w\" (%s) SELECT %s FROM " IMAGE ".\"%w\"", name, cols, cols, name);
  } else {
    ok = follow_rows(j, name, cols);
  }
  sqlite3_free(cols);
  return ok;
}

/* The image's tables (not its virtual tables' shadow tables), in order. */
static const char sql_tables[] =
  "CREATE TEMP TABLE rc_tables AS SELECT s.name AS name, s.sql AS sql FROM " IMAGE ".sqlite_schema s"
  " WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND s.name <> 'meta'"
  " AND NOT EXISTS (SELECT 1 FROM " IMAGE ".sqlite_schema v WHERE v.sql LIKE 'CREATE VIRTUAL%'"
  "  AND s.name LIKE v.name || '\\_%' ESCAPE '\\')"
  " ORDER BY s.rowid";

static int follow_table(up_job *j, sqlite3_int64 i)
{
  char key[32], *name, *sql;
  up_kind k;
  int ok;
  snprintf(key, sizeof key, "%lld", (long long)i);
  name = value_of(j->conn, "SELECT name FROM temp.rc_tables WHERE rowid = ?1", key);
  sql = value_of(j->conn, "SELECT sql FROM temp.rc_tables WHERE rowid = ?1", key);
  if (name == NULL || sql == NULL) {
    sqlite3_free(name);
    sqlite3_free(sql);
    return 1;
  }
  k = kind_of(j, name, sql);
  ok = follow_schema(j, name, sql, k) && follow_data(j, name, k);
  if (!ok) {
    size_t n = strlen(j->err);
    snprintf(j->err + n, j->errlen - n, " (table %s)", name);
  }
  sqlite3_free(name);
  sqlite3_free(sql);
  return ok;
}

static int follow_tables(up_job *j)
{
  char *count;
  long long i, n;
  if (!exec(j, sql_tables)) return 0;
  count = value_of(j->conn, "SELECT max(rowid) FROM temp.rc_tables", NULL);
  n = count ? atoll(count) : 0;
  sqlite3_free(count);
  for (i = 1; i <= n; i++)
    if (!follow_table(j, i)) return 0;
  return exec(j, "DROP TABLE temp.rc_tables");
}

/* The image's views, triggers and indexes: dropped from the file first
 * (a rebuild renames tables), made anew last. */
static const char sql_objects[] =
  "CREATE TEMP TABLE rc_objects AS SELECT type, name, sql FROM " IMAGE ".sqlite_schema"
  " WHERE type IN ('view', 'trigger', 'index') AND sql IS NOT NULL ORDER BY rowid";

static int drop_objects(up_job *j)
{
  sqlite3_stmt *st = NULL;
  char *drops = NULL;
  int ok;
  if (!exec(j, sql_objects)) return 0;
  ok = sqlite3_prepare_v2(j->conn,
         "SELECT group_concat('DROP ' || upper(type) || ' IF EXISTS main.\"' || replace(name, '\"', '\"\"') || '\"', ';')"
         " FROM temp.rc_objects", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
  if (ok && sqlite3_column_type(st, 0) != SQLITE_NULL)
    drops = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (!ok) return failed(j);
  ok = drops == NULL || exec(j, drops);
  sqlite3_free(drops);
  return ok;
}

static int make_objects(up_job *j)
{
  char *count, key[32], *sql;
  long long i, n;
  int ok = 1;
  count = value_of(j->conn, "SELECT max(rowid) FROM temp.rc_objects", NULL);
  n = count ? atoll(count) : 0;
  sqlite3_free(count);
  for (i = 1; ok && i <= n; i++) {
    snprintf(key, sizeof key, "%lld", i);
    sql = value_of(j->conn, "SELECT sql FROM temp.rc_objects WHERE rowid = ?1", key);
    ok = sql == NULL || exec(j, sql);
    sqlite3_free(sql);
  }
  return ok && exec(j, "DROP TABLE temp.rc_objects");
}

/* The datasets the user imported, by the name their rows cite, and the
 * tables each import kind writes (import*.c; every kind names codes, for
 * the unknown codes it names). */
static const char sql_imported[] =
  "CREATE TEMP TABLE rc_imported (name TEXT NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (name, kind));"
  "INSERT OR IGNORE INTO temp.rc_imported SELECT coalesce(name, edition), kind FROM main.datasets"
  " WHERE kind <> 'curated' AND source <> 'curated data (data/*.tsv)' AND coalesce(name, edition) IS NOT NULL;"
  "CREATE TEMP TABLE rc_writes (tbl TEXT NOT NULL, kind TEXT NOT NULL);"
  "INSERT INTO temp.rc_writes VALUES ('ptp_edit', 'ncci-ptp'), ('mue', 'mue'), ('aoc', 'aoc'),"
  " ('modifiers', 'hcpcs'), ('indicators', 'rvu'), ('payment_status', 'rvu'), ('payment_status', 'opps'),"
  " ('lcd_article', 'lcd-articles'), ('codes', 'ncci-ptp'), ('codes', 'mue'), ('codes', 'aoc'), ('codes', 'hcpcs'),"
  " ('codes', 'rvu'), ('codes', 'opps'), ('codes', 'cpt-descriptors'), ('codes', 'lcd-articles')";

static int follow_meta(up_job *j)
{
  return exec(j, j->curated
    ? "INSERT OR REPLACE INTO main.meta (key, value) SELECT key, value FROM " IMAGE ".meta"
    : "INSERT OR REPLACE INTO main.meta (key, value) SELECT key, value FROM " IMAGE ".meta"
      " WHERE key = 'schema_version'");
}

static int upgrade_all(up_job *j)
{
  return (!j->curated || (exec(j, sql_imported) && facts_before(j))) && drop_objects(j) &&
         follow_tables(j) && make_objects(j) && follow_meta(j) &&
         (!j->curated || (exec(j, "DROP TABLE temp.rc_imported; DROP TABLE temp.rc_writes") && facts_drop(j))) &&
         (rc_db_refresh_search(j->conn) == SQLITE_OK || failed(j)) &&   /* a remade index is empty */
         (rc_ptp_pack_build(j->conn) == SQLITE_OK || failed(j));
}

/* Is the file at this radcode's schema version and (when it holds curated
 * data) the image's curated data? */
static int is_current(sqlite3 *conn, int curated)
{
  return truth_of(conn, "SELECT value = ?1 FROM main.meta WHERE key = 'schema_version'", RC_SCHEMA_VERSION) &&
         (!curated || same_stamp(conn));
}

/* Upgrades the file open on conn in one transaction (the image attached).
 * Returns 1, or 0 with everything rolled back and *code SQLite's error. */
static int upgrade(sqlite3 *conn, int curated, int *code, char *err, size_t errlen)
{
  up_job j = {conn, curated, err, errlen};
  int ok;
  *code = SQLITE_OK;
  /* BEGIN IMMEDIATE would lock the (read-only) image too: a first write
   * takes the file's write lock at once instead */
  if (!exec(&j, "BEGIN; UPDATE main.meta SET value = value WHERE 0")) {
    *code = sqlite3_errcode(conn);
    return 0;
  }
  /* a rename then neither rewrites nor checks the views and triggers (a
   * user's view of a rebuilt table would name the dropped old one) */
  sqlite3_exec(conn, "PRAGMA legacy_alter_table = ON", NULL, NULL, NULL);
  ok = is_current(conn, curated) || upgrade_all(&j);   /* another process may have just done it */
  if (!ok) *code = sqlite3_extended_errcode(conn);
  ok = ok && exec(&j, "COMMIT");
  if (!ok) {
    if (*code == SQLITE_OK) *code = sqlite3_errcode(conn);
    sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
  }
  sqlite3_exec(conn, "PRAGMA legacy_alter_table = OFF", NULL, NULL, NULL);
  return ok;
}

/* Replaces *conn with a private in-memory copy of its database. */
static int copy_to_memory(sqlite3 **conn, char *err, size_t errlen)
{
  sqlite3 *mem = NULL;
  sqlite3_backup *b;
  int rc = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK) {
    b = sqlite3_backup_init(mem, "main", *conn, "main");
    rc = b == NULL ? sqlite3_errcode(mem) : sqlite3_backup_step(b, -1);
    if (b != NULL && sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_DONE) rc = sqlite3_errcode(mem);
  }
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "cannot copy the read-only database into memory to upgrade it: %s",
             mem ? sqlite3_errmsg(mem) : "out of memory");
    sqlite3_close(mem);
    return 0;
  }
  sqlite3_close(*conn);
  *conn = mem;
  return 1;
}

static int cannot_write(int code)
{
  code &= 0xff;
  return code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM || code == SQLITE_AUTH;
}

/* A read-only file (or one whose journal cannot be written): the module's
 * curated rows in effect over a private copy; the file stays as it is. */
static int upgrade_in_memory(sqlite3 **conn, int curated, const char *path, char *err, size_t errlen)
{
  char why[512];
  int code;
  detach_image(*conn);
  if (!copy_to_memory(conn, err, errlen) || !attach_image(*conn, err, errlen)) return 0;
  if (!upgrade(*conn, curated, &code, why, sizeof why)) {
    snprintf(err, errlen, "%s: cannot bring the database up to this radcode's data: %s", path, why);
    return 0;
  }
  detach_image(*conn);
  sqlite3_exec(*conn, "PRAGMA query_only = ON", NULL, NULL, NULL);
  return 1;
}

/* Called once the file's schema version is known to be one radcode reads
 * or migrates (RC_SCHEMA_OLDEST up to RC_SCHEMA_VERSION): upgrades it when
 * its schema is older or its curated data is not the module's. *conn may
 * be replaced by an in-memory copy (a read-only file). Returns 1, or 0
 * with the reason (the file unchanged). */
int rc_upgrade_follow(sqlite3 **conn, const char *path, long version, char *err, size_t errlen)
{
  char why[512];
  int curated, code, ok;
  if (!attach_image(*conn, err, errlen)) return 0;
  curated = holds_curated(*conn);
  if (version == atol(RC_SCHEMA_VERSION) && is_current(*conn, curated)) {
    detach_image(*conn);
    return 1;
  }
  if (sqlite3_db_readonly(*conn, "main") == 1) return upgrade_in_memory(conn, curated, path, err, errlen);
  ok = upgrade(*conn, curated, &code, why, sizeof why);
  if (!ok && cannot_write(code)) return upgrade_in_memory(conn, curated, path, err, errlen);
  detach_image(*conn);
  if (!ok)
    snprintf(err, errlen, "%s: cannot bring the database up to this radcode's data (schema %ld to %s): %s;"
             " the file is unchanged: remove the cause and open it again, or read it with the radcode"
             " that wrote it", path, version, RC_SCHEMA_VERSION, why);
  return ok;
}
