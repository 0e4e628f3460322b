/* history.c: a SQLite store of recorded claims (a file in WAL mode, so
 * checks in other processes read while one records, or an in-memory
 * database when no path is given). rc_history_record adds a claim and its
 * usable lines in one IMMEDIATE transaction and refuses a claim id that is
 * already there; writers in several processes take turns (turn.c, with
 * a PATH-turn file beside the history). rc_history_course visits the lines
 * of a patient's course. */
#define _POSIX_C_SOURCE 200809L
#include "history.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include "date.h"
#include "db.h"
#include "rules.h"
#include "turn.h"

struct rc_history {
  sqlite3 *conn;
  int in_memory;                 /* only this handle can write it */
  long recorded;                 /* claims recorded through this handle */
  sqlite3_stmt *insert_claim, *insert_line, *course;
  rc_turn turn;                  /* taking turns with writers elsewhere */
};

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS claims (id TEXT PRIMARY KEY, patient TEXT, course TEXT,"
  " payer TEXT, setting TEXT, recorded_at TEXT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS lines (claim_id TEXT NOT NULL REFERENCES claims (id),"
  " line INTEGER NOT NULL, code TEXT NOT NULL, dos TEXT NOT NULL, units INTEGER NOT NULL,"
  " modifiers TEXT, PRIMARY KEY (claim_id, line));"
  "CREATE INDEX IF NOT EXISTS claims_by_course ON claims (patient, course);";

static int prepare(rc_history *h)
{
  return sqlite3_prepare_v2(h->conn,
           "INSERT INTO claims VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
           -1, &h->insert_claim, NULL) == SQLITE_OK &&
         sqlite3_prepare_v2(h->conn, "INSERT INTO lines VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
           -1, &h->insert_line, NULL) == SQLITE_OK &&
         sqlite3_prepare_v2(h->conn,
           "SELECT l.code, l.dos, l.units FROM lines l JOIN claims c ON c.id = l.claim_id"
           " WHERE c.patient = ?1 AND c.course = ?2 AND c.id <> ?3", -1, &h->course, NULL) == SQLITE_OK;
}

/* A history file must not be a radcode database (whose tables it would
 * otherwise gain): 0 with err when it is one. */
static int not_a_dataset(rc_history *h, const char *path, char *err, size_t errlen)
{
  sqlite3_stmt *st = NULL;
  int found;
  if (sqlite3_prepare_v2(h->conn, "SELECT 1 FROM sqlite_schema WHERE name = 'meta'", -1, &st, NULL) != SQLITE_OK)
    return 1;   /* the next step says why the file cannot be read */
  found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  if (found)
    snprintf(err, errlen, "cannot open history '%s': it is a radcode database, not a claim history", path);
  return !found;
}

/* Opens the file (or memory), then WAL mode, the tables and statements. */
static int setup(rc_history *h, const char *path, char *err, size_t errlen)
{
  return sqlite3_open_v2(path ? path : ":memory:", &h->conn,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK &&
         sqlite3_busy_handler(h->conn, rc_turn_wait, &h->turn) == SQLITE_OK &&
         (path == NULL || not_a_dataset(h, path, err, errlen)) &&
         (path == NULL || sqlite3_exec(h->conn, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) == SQLITE_OK) &&
         sqlite3_exec(h->conn, schema, NULL, NULL, NULL) == SQLITE_OK && prepare(h);
}

/* Did setup fail only because another process held a lock at a moment
 * when SQLite does not wait (switching to WAL, or a schema read becoming a
 * write while another process writes)? Then it is worth another try. */
static int busy_at_setup(rc_history *h, const char *err)
{
  int code = h->conn ? sqlite3_errcode(h->conn) & 0xff : SQLITE_OK;
  return err[0] == '\0' && (code == SQLITE_BUSY || code == SQLITE_LOCKED);
}

static void close_connection(rc_history *h)
{
  sqlite3_finalize(h->insert_claim);
  sqlite3_finalize(h->insert_line);
  sqlite3_finalize(h->course);
  sqlite3_close(h->conn);
  h->insert_claim = h->insert_line = h->course = NULL;
  h->conn = NULL;
}

/* A history path must be a regular file, or not exist yet (it is then
 * created): SQLite would otherwise open a device such as /dev/null, fail
 * later and leave its -journal beside it. An empty path is refused too
 * (SQLite would open a temporary database, and turn.c make '-turn').
 * 0 with err when it is not. */
static int is_file_or_new(const char *path, char *err, size_t errlen)
{
  struct stat st;
  if (path[0] == '\0') {
    snprintf(err, errlen, "cannot open history '': the path is empty");
    return 0;
  }
  if (stat(path, &st) != 0) {
    if (errno == ENOENT) return 1;
    snprintf(err, errlen, "cannot open history '%s': %s", path, strerror(errno));
    return 0;
  }
  if (S_ISREG(st.st_mode)) return 1;
  snprintf(err, errlen, "cannot open history '%s': %s", path,
           S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
  return 0;
}

/* Opens (creating) the history at path, or an in-memory one for NULL.
 * Several processes may open one file at once: setup is tried again (a
 * fresh connection every SETUP_PAUSE_MS) while it fails for a lock, for
 * at most SETUP_TRIES times. */
#define SETUP_TRIES 500
#define SETUP_PAUSE_MS 10

rc_history *rc_history_open(const char *path, char *err, size_t errlen)
{
  rc_history *h = calloc(1, sizeof *h);
  char msg[256];
  int ok, tries = 0;
  if (h == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  h->turn.fd = -1;
  err[0] = '\0';
  if (path != NULL && !is_file_or_new(path, err, errlen)) {
    free(h);
    return NULL;
  }
  while (!(ok = setup(h, path, err, errlen)) && path != NULL && busy_at_setup(h, err) && ++tries < SETUP_TRIES) {
    close_connection(h);
    sqlite3_sleep(SETUP_PAUSE_MS);
  }
  if (!ok) {
    if (err[0] == '\0')
      snprintf(err, errlen, "cannot open history '%s': %s", path ? path : ":memory:",
               h->conn ? rc_db_errmsg(h->conn, msg, sizeof msg) : "out of memory");
    rc_history_close(h);
    return NULL;
  }
  h->in_memory = path == NULL;
  rc_turn_open(&h->turn, path);
  return h;
}

void rc_history_close(rc_history *h)
{
  if (h == NULL) return;
  close_connection(h);
  rc_turn_close(&h->turn);
  free(h);
}

/* Certainly empty: an in-memory history nothing was recorded in. (A file
 * may be written by other processes, so it is always read.) */
int rc_history_empty(const rc_history *h)
{
  return h->in_memory && h->recorded == 0;
}

const char *rc_history_error(rc_history *h)
{
  return sqlite3_errmsg(h->conn);
}

static int insert_claim(rc_history *h, const rc_claim *claim)
{
  sqlite3_stmt *st = h->insert_claim;
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, claim->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, claim->patient, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, claim->course, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, claim->payer, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, rc_setting_name(claim->setting), -1, SQLITE_STATIC);
  return sqlite3_step(st);
}

static int insert_line(rc_history *h, const rc_claim *claim, const rc_line *line)
{
  sqlite3_stmt *st = h->insert_line;
  char mods[RC_MAX_MODIFIERS * 3 + 1] = "";
  int i;
  for (i = 0; i < line->nmods; i++) {
    if (i) strcat(mods, ",");
    strcat(mods, line->mods[i]);
  }
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, claim->id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, line->index);
  sqlite3_bind_text(st, 3, line->code, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, line->date, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, line->units);
  sqlite3_bind_text(st, 6, mods, -1, SQLITE_STATIC);
  return sqlite3_step(st) == SQLITE_DONE;
}

/* Records a claim and its usable lines. Returns 1, or 0 with err (a claim id
 * already recorded says so). */
int rc_history_record(rc_history *h, const rc_claim *claim, char *err, size_t errlen)
{
  char msg[256];
  int i, rc, ok;
  rc = sqlite3_exec(h->conn, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  rc_turn_got(&h->turn);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "cannot record claim %s: %s", claim->id, rc_db_errmsg(h->conn, msg, sizeof msg));
    return 0;
  }
  rc = insert_claim(h, claim);
  ok = rc == SQLITE_DONE;
  if (rc == SQLITE_CONSTRAINT) snprintf(err, errlen, "claim %s is already recorded", claim->id);
  for (i = 0; ok && i < claim->nlines; i++)
    if (claim->lines[i].usable) ok = insert_line(h, claim, &claim->lines[i]);
  if (!ok && rc != SQLITE_CONSTRAINT)
    snprintf(err, errlen, "cannot record claim %s: %s", claim->id, rc_db_errmsg(h->conn, msg, sizeof msg));
  sqlite3_reset(h->insert_claim);
  sqlite3_reset(h->insert_line);
  if (ok && sqlite3_exec(h->conn, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
    h->recorded++;
    rc_turn_yield(&h->turn);
    return 1;
  }
  if (ok) snprintf(err, errlen, "cannot record claim %s: %s", claim->id, rc_db_errmsg(h->conn, msg, sizeof msg));
  sqlite3_exec(h->conn, "ROLLBACK", NULL, NULL, NULL);
  return 0;
}

/* Visits every recorded line of the course but those of exclude_id.
 * Returns 0 on a database error. */
int rc_history_course(rc_history *h, const char *patient, const char *course,
                      const char *exclude_id, rc_history_visit visit, void *ctx)
{
  sqlite3_stmt *st = h->course;
  int rc;
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, patient, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, course, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, exclude_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    long day;
    const char *dos = (const char *)sqlite3_column_text(st, 1);
    if (dos == NULL || rc_date_parse(dos, strlen(dos), &day) != RC_DATE_OK) continue;
    visit(ctx, (const char *)sqlite3_column_text(st, 0), day, (long)sqlite3_column_int64(st, 2));
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE;
}
