/* db.h: the SQLite side of radcode, free of Lua: opening the embedded image
 * or a user's file, checking the file and its schema version, a cache of
 * prepared statements owned by the connection, the search index, snapshots
 * and error messages that say what the system said. */
#ifndef RC_DB_H
#define RC_DB_H

#include <stddef.h>
#include <sqlite3.h>

#define RC_SCHEMA_VERSION "9"

/* One slot per cached statement; the SQL text lives beside its user. */
typedef enum {
  RC_SQL_CODE, RC_SQL_INDICATORS, RC_SQL_PAYMENT, RC_SQL_MUE,
  RC_SQL_REPLACEMENTS, RC_SQL_RELATED, RC_SQL_REQUIRED,
  RC_SQL_SYNONYM, RC_SQL_SEARCH, RC_SQL_SEARCH_DATED, RC_SQL_SEARCH_RESULT,
  RC_SQL_CLASSIFY_FACTS, RC_SQL_CLASSIFY_SERVICES, RC_SQL_CLASSIFY_RULES,
  RC_SQL_DATASETS, RC_SQL_DATA_VERSION,
  RC_SQL_LOOKUP_PFS, RC_SQL_LOOKUP_OPPS, RC_SQL_LOOKUP_MUES, RC_SQL_LOOKUP_AOC,
  RC_SQL_LCD_ARTICLES, RC_SQL_LCD_COVERED,   /* edits_dx.c's coverage articles */
  RC_SQL_EXPLAIN, RC_SQL_EXPLAIN_LAST = RC_SQL_EXPLAIN + 23,   /* explain.c's queries */
  RC_SQL_COUNT
} rc_sql_slot;

typedef struct rc_db {
  sqlite3 *conn;                     /* NULL when closed */
  sqlite3_stmt *stmt[RC_SQL_COUNT];
} rc_db;

int rc_db_open_file(rc_db *d, const char *path, char *err, size_t errlen);
int rc_db_open_image(rc_db *d, const unsigned char *image, size_t size,
                     char *err, size_t errlen);
void rc_db_close(rc_db *d);
sqlite3_stmt *rc_db_statement(rc_db *d, rc_sql_slot slot, const char *sql);
int rc_db_refresh_search(sqlite3 *conn);
int rc_db_save(rc_db *d, const char *path, char *err, size_t errlen);
const char *rc_db_errmsg(sqlite3 *conn, char *buf, size_t len);
const char *rc_db_damage_hint(sqlite3 *conn);

#endif
