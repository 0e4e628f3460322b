/* overlay.h: payer overlays. An overlay is a Lua file a billing team writes;
 * its declarations become rule rows layered over the national ones, and its
 * procedural rules run in the overlay's own sandbox (sandbox.h). */
#ifndef RC_OVERLAY_H
#define RC_OVERLAY_H

#include <lauxlib.h>
#include "codemap.h"
#include "pool.h"
#include "rules.h"
#include "sandbox.h"

#define RC_OVERLAY_NAME_LEN 32
#define RC_OVERLAY_ID_LEN 48

typedef struct rc_ov_row {            /* one declared row, for one code */
  char code[8];
  char id[RC_OVERLAY_ID_LEN];         /* e.g. "windows[1]" or the row's own id */
  const char *section;
  rc_rule r;
} rc_ov_row;

typedef struct rc_ov_proc {           /* one procedural rule */
  char id[RC_OVERLAY_ID_LEN];
  long from, to;
  int ref;                            /* the function, in the sandbox registry */
} rc_ov_proc;

typedef struct rc_overlay {
  struct rc_overlay *next, *parent;
  char name[RC_OVERLAY_NAME_LEN], file[256], description[256];
  int depth;                          /* 1 for an overlay without a parent */
  rc_sandbox *sb;
  rc_pool *pool;
  rc_ov_row *rows;                    /* sorted by code, kind, other, from */
  int nrows, caprows;
  rc_ov_proc *procs;
  int nprocs, capprocs;
  rc_codemap *merged;                 /* code -> the payer's rc_code_rules */
  lua_Integer calls;                  /* procedural rule calls so far (overlay_rules.c) */
} rc_overlay;

typedef struct rc_overlays {
  rc_overlay *head;                   /* in load order */
  size_t memory;
  long budget;
} rc_overlays;

extern const luaL_Reg rc_overlay_methods[];

void rc_overlays_free(rc_overlays *reg);
rc_overlay *rc_overlays_find(const rc_overlays *reg, const char *name);
const rc_code_rules *rc_overlay_code(rc_overlay *ov, rc_rules *rules, const char *code, char *err, size_t errlen);
int rc_overlay_declare(lua_State *S, rc_overlay *ov, const rc_overlays *reg, const char *src, size_t len,
                       char missing[RC_OVERLAY_NAME_LEN]);

#endif
