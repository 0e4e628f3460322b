/* mkdb: builds a radcode database from the schema and curated TSV files.
 *   mkdb OUT.db data/schema.sql data/codes.tsv data/mue.tsv ...
 * Used by the Makefile to make the default dataset that is embedded in the
 * module. Everything is loaded in one transaction; any bad row stops the
 * build with its file and line, and no output file is left behind. Each
 * CMS edition the curated rows cite (data/editions.tsv) is then recorded as
 * a dataset with the dates of service it covers. meta.curated_id names the
 * curated data (a hash of the schema and of every input file), so that a
 * user's database can tell that the module's curated rows changed (upgrade.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "db.h"
#include "ptp_pack.h"
#include "tsv.h"

static char *read_file(const char *path)
{
  FILE *fp = fopen(path, "rb");
  char *text = NULL;
  long size;
  if (fp == NULL) return NULL;
  if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
      (text = malloc((size_t)size + 1)) != NULL) {
    if (fread(text, 1, (size_t)size, fp) != (size_t)size) {
      free(text);
      text = NULL;
    } else {
      text[size] = '\0';
    }
  }
  fclose(fp);
  return text;
}

static int exec(sqlite3 *conn, const char *sql)
{
  char *msg = NULL;
  if (sqlite3_exec(conn, sql, NULL, NULL, &msg) == SQLITE_OK) return 1;
  fprintf(stderr, "mkdb: %s\n", msg ? msg : sqlite3_errmsg(conn));
  sqlite3_free(msg);
  return 0;
}

static int create_schema(sqlite3 *conn, const char *schema_path)
{
  char *schema = read_file(schema_path);
  int ok;
  if (schema == NULL) {
    fprintf(stderr, "mkdb: cannot read %s\n", schema_path);
    return 0;
  }
  ok = exec(conn, schema);
  free(schema);
  return ok;
}

/* FNV-1a 64 over the input files' names and bytes, as 16 hex digits. */
static int curated_id(int count, char **paths, char out[17])
{
  unsigned long long h = 14695981039346656037ULL;
  int i, c;
  for (i = 0; i < count; i++) {
    const char *p;
    FILE *fp = fopen(paths[i], "rb");
    if (fp == NULL) return 0;
    for (p = paths[i]; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    while ((c = fgetc(fp)) != EOF) h = (h ^ (unsigned char)c) * 1099511628211ULL;
    fclose(fp);
  }
  snprintf(out, 17, "%016llx", h);
  return 1;
}

static int record_id(sqlite3 *conn, int count, char **paths)
{
  char id[17], sql[128];
  if (!curated_id(count, paths, id)) {
    fprintf(stderr, "mkdb: cannot read the input files to name the curated data\n");
    return 0;
  }
  snprintf(sql, sizeof sql, "INSERT INTO meta VALUES ('curated_id', '%s')", id);
  return exec(conn, sql);
}

static int record_dataset(sqlite3 *conn, const char *path, long rows, double seconds)
{
  sqlite3_stmt *st;
  int rc;
  const char *sql =
      "INSERT INTO datasets (kind, source, edition, rows_read, rows_kept, rows_rejected,"
      " loaded_at, seconds) VALUES ('curated', ?1, ?2, ?3, ?3, 0,"
      " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?4)";
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) return exec(conn, sql);
  sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, "radcode " RC_VERSION, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, rows);
  sqlite3_bind_double(st, 4, seconds);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}

/* The editions the curated rows cite (a source is the edition's name, or
 * starts with it and "; "), one dataset each, with the rows citing it. */
static const char sql_cited[] =
  "WITH cited(source) AS (SELECT source FROM ptp UNION ALL SELECT source FROM mue"
  " UNION ALL SELECT source FROM indicators UNION ALL SELECT source FROM payment_status"
  " UNION ALL SELECT source FROM aoc UNION ALL SELECT source FROM codes"
  " UNION ALL SELECT source FROM modifiers)"
  " INSERT INTO datasets (kind, source, edition, name, version, setting, valid_from, valid_to, rows_read,"
  " rows_kept, rows_rejected, loaded_at, seconds)"
  " SELECT e.kind, 'curated data (data/*.tsv)', e.name, e.name, e.version, e.setting, e.valid_from,"
  " e.valid_to, count(*), count(*), 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 0"
  " FROM editions e JOIN cited c ON c.source = e.name OR substr(c.source, 1, length(e.name) + 2) = e.name || '; '"
  " GROUP BY e.name ORDER BY e.kind, e.valid_from";

static int load_all(sqlite3 *conn, int count, char **paths)
{
  char err[512];
  long rows;
  int i;
  for (i = 0; i < count; i++) {
    clock_t start = clock();
    if (!rc_tsv_load(conn, paths[i], &rows, err, sizeof err)) {
      fprintf(stderr, "mkdb: %s\n", err);
      return 0;
    }
    if (!record_dataset(conn, paths[i], rows, (double)(clock() - start) / CLOCKS_PER_SEC))
      return 0;
  }
  return 1;
}

/* Packs the curated PTP rows (ptp_pack.h), so a database saved from the
 * image starts with every code packed and an import packs only what it
 * touches. */
static int pack_ptp(sqlite3 *conn)
{
  int rc = rc_ptp_pack_build(conn);
  if (rc != SQLITE_OK) fprintf(stderr, "mkdb: packing the PTP rows: %s\n", sqlite3_errstr(rc));
  return rc == SQLITE_OK;
}

static int build(sqlite3 *conn, int argc, char **argv)
{
  return create_schema(conn, argv[2]) && exec(conn, "BEGIN") &&
         exec(conn, "INSERT INTO meta VALUES ('schema_version', '" RC_SCHEMA_VERSION "'),"
                    " ('radcode_version', '" RC_VERSION "')") &&
         record_id(conn, argc - 2, argv + 2) &&
         load_all(conn, argc - 3, argv + 3) && exec(conn, sql_cited) &&
         rc_db_refresh_search(conn) == SQLITE_OK && pack_ptp(conn) && exec(conn, "COMMIT") &&
         exec(conn, "VACUUM");
}

int main(int argc, char **argv)
{
  sqlite3 *conn = NULL;
  int ok;
  if (argc < 4) {
    fprintf(stderr, "usage: mkdb OUT.db SCHEMA.sql TABLE.tsv...\n");
    return 2;
  }
  remove(argv[1]);
  ok = sqlite3_open(argv[1], &conn) == SQLITE_OK && build(conn, argc, argv);
  if (!ok && conn) fprintf(stderr, "mkdb: %s\n", sqlite3_errmsg(conn));
  sqlite3_close(conn);
  if (!ok) remove(argv[1]);
  return ok ? 0 : 1;
}
