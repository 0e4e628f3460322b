/* fuzz_csv.c: the line reader (plain or gzip, reader.c) and the record
 * splitter (csv.c) the table importers use. The first byte picks the
 * delimiter (',' or tab, or sniff: tab or comma per line); the rest is
 * the file.
 * Every record has at most RC_CSV_MAX_FIELDS fields, each a NUL-terminated
 * string; line numbers only go up. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "csv.h"
#include "reader.h"

static int memfd(char path[64])
{
  static int fd = -1;
  if (fd < 0 && (fd = memfd_create("fuzz_csv", 0)) < 0) abort();
  snprintf(path, 64, "/proc/self/fd/%d", fd);
  return fd;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  static const char delims[] = {',', '\t', 0};
  char path[64], err[256];
  int fd = memfd(path), i, n;
  long last = 0;
  rc_reader *r;
  rc_csv csv;
  if (size < 1) return 0;
  if (ftruncate(fd, 0) != 0 || (size > 1 && pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))) abort();
  if ((r = rc_reader_open(path, err, sizeof err)) == NULL) abort();
  rc_csv_init(&csv, r, delims[data[0] % 3] ? delims[data[0] % 3] : ',');
  csv.sniff = delims[data[0] % 3] == 0;   /* as import_table.c sniffs */
  while ((n = rc_csv_next(&csv)) > 0) {
    if (csv.n > RC_CSV_MAX_FIELDS || csv.line < last) abort();
    last = csv.line;
    for (i = 0; i < csv.n; i++)
      if (csv.field[i] == NULL || strlen(csv.field[i]) > (size_t)1 << 30) abort();
  }
  rc_csv_free(&csv);
  rc_reader_close(r);
  return 0;
}
