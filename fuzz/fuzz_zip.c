/* fuzz_zip.c: the zip reader (zip.c) under the line reader (reader.c), as
 * the lcd-articles import reads the MCD export's zip. The input is the
 * zip file: it must open or be refused with a message; then every member
 * is read line by line to its end or to a read error with a message.
 * Lines are NUL-terminated and no longer than the member can hold. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "reader.h"
#include "zip.h"

static int memfd(char path[64])
{
  static int fd = -1;
  if (fd < 0 && (fd = memfd_create("fuzz_zip", 0)) < 0) abort();
  snprintf(path, 64, "/proc/self/fd/%d", fd);
  return fd;
}

/* Reads one member to its end; a failure must say why. */
static void read_member(rc_zip *z, int i)
{
  char err[256] = "", *line;
  size_t len, total = 0;
  int got;
  rc_reader *r = rc_zip_reader(z, i, err, sizeof err);
  if (r == NULL) {
    if (err[0] == '\0') abort();
    return;
  }
  while ((got = rc_reader_line(r, &line, &len)) > 0) {
    if (line[len] != '\0') abort();
    total += len + 1;
  }
  if (got < 0 && rc_reader_error(r)[0] == '\0') abort();
  rc_reader_close(r);
  (void)total;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  char path[64], err[256] = "";
  int fd = memfd(path), i;
  rc_zip *z;
  if (ftruncate(fd, 0) != 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)) abort();
  if ((z = rc_zip_open(path, err, sizeof err)) == NULL) {
    if (err[0] == '\0') abort();
    return 0;
  }
  for (i = 0; i < rc_zip_count(z); i++) {
    if (rc_zip_name(z, i) == NULL) abort();
    if (rc_zip_find(z, "article.csv") < -2) abort();
    read_member(z, i);
  }
  rc_zip_close(z);
  return 0;
}
