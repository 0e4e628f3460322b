/* fuzz_import.c: one importer's line parser over a whole file, built once
 * per kind (-DFUZZ_KIND=ncci|mue|mue_rows|aoc|hcpcs|rvu|opps|cpt). The input
 * is written to a memfd and read through the importer's own entry
 * (rc_import_<kind>, as rc:import runs it) into a writable in-memory copy
 * of the embedded default database, inside a transaction that is rolled
 * back after each input, so every input starts from the same data. An
 * import may fail (job->err says why) but must not crash, leak or write
 * past a buffer; counts must add up. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sqlite3.h>
#include "embed.h"
#include "importer.h"

#if defined(FUZZ_KIND_ncci)
#define LOAD rc_import_ncci
#define KIND "ncci-ptp"
#define SETTING "practitioner"
#elif defined(FUZZ_KIND_mue)
#define LOAD rc_import_mue
#define KIND "mue"
#define SETTING "hospital"
#elif defined(FUZZ_KIND_mue_rows)
#define LOAD rc_import_mue
#define KIND "mue"
#define SETTING NULL
#elif defined(FUZZ_KIND_aoc)
#define LOAD rc_import_aoc
#define KIND "aoc"
#define SETTING NULL
#elif defined(FUZZ_KIND_hcpcs)
#define LOAD rc_import_hcpcs
#define KIND "hcpcs"
#define SETTING NULL
#elif defined(FUZZ_KIND_rvu)
#define LOAD rc_import_rvu
#define KIND "rvu"
#define SETTING NULL
#elif defined(FUZZ_KIND_opps)
#define LOAD rc_import_opps
#define KIND "opps"
#define SETTING NULL
#elif defined(FUZZ_KIND_cpt)
#define LOAD rc_import_cpt
#define KIND "cpt-descriptors"
#define SETTING NULL
#else
#error "define FUZZ_KIND_<kind>"
#endif

typedef struct fixture {
  sqlite3 *conn;
  int fd;
  char path[64];
} fixture;

/* A writable in-memory copy of the embedded database, and the memfd. */
static fixture *get_fixture(void)
{
  static fixture fx;
  size_t size;
  const unsigned char *image;
  unsigned char *copy;
  if (fx.conn != NULL) return &fx;
  image = rc_default_image(&size);
  copy = sqlite3_malloc64(size);
  if (copy == NULL) abort();
  memcpy(copy, image, size);
  if (sqlite3_open(":memory:", &fx.conn) != SQLITE_OK ||
      sqlite3_deserialize(fx.conn, "main", copy, (sqlite3_int64)size, (sqlite3_int64)size,
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK)
    abort();
  fx.fd = memfd_create("fuzz_import", 0);
  if (fx.fd < 0) abort();
  snprintf(fx.path, sizeof fx.path, "/proc/self/fd/%d", fx.fd);
  return &fx;
}

static void put_file(fixture *fx, const unsigned char *data, size_t size)
{
  if (ftruncate(fx->fd, 0) != 0 || (size && pwrite(fx->fd, data, size, 0) != (ssize_t)size)) abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  fixture *fx = get_fixture();
  rc_import_job *job = calloc(1, sizeof *job);
  int ok;
  if (job == NULL) return 0;
  put_file(fx, data, size);
  job->conn = fx->conn;
  job->kind = KIND;
  job->paths[0] = fx->path;
  job->npaths = 1;
  job->setting = SETTING;
  strcpy(job->from, "2015-01-01");
  strcpy(job->edition, "fuzz");
  strcpy(job->name, "fuzz " KIND);
  if (sqlite3_exec(fx->conn, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) abort();
  ok = LOAD(job);
  if (sqlite3_exec(fx->conn, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK) abort();
  if (!ok && job->err[0] == '\0') {
    fprintf(stderr, "fuzz_import: %s failed without a message\n", KIND);
    abort();
  }
  if (job->nrejects > RC_IMPORT_MAX_REJECTS || job->kept < 0 || job->rejected < 0 ||
      (ok && job->kept + job->rejected + job->skipped > job->read + 1 && job->read > 0)) {
    fprintf(stderr, "fuzz_import: %s counts read %ld kept %ld rejected %ld skipped %ld\n",
            KIND, job->read, job->kept, job->rejected, job->skipped);
    abort();
  }
  free(job);
  return 0;
}
