/* check.h: rc:check and rc:pair, and the context the edit passes share. */
#ifndef RC_CHECK_H
#define RC_CHECK_H

#include <lauxlib.h>
#include "claim.h"
#include "db.h"
#include "findings.h"
#include "rules.h"

#define RC_MEDICARE "medicare"   /* the payer whose fee-schedule statuses the data holds */

typedef struct rc_day_entry {   /* a usable line, for sorting by day */
  long day;
  uint64_t key;                  /* the line's code key */
  int pos;                       /* 0-based position in claim.lines */
} rc_day_entry;

typedef struct rc_hist_entry {  /* a line of the course's history (course_history.c) */
  char code[8];
  uint64_t key;                  /* the code's key */
  long day, units;
  long cum;                      /* units of this entry and those before it, by code and day */
  const rc_code_rules *rules;    /* the code's rules, or NULL */
} rc_hist_entry;

#define RC_UNVERIFIED_SHOWN 6        /* lines named in the one "could not verify" finding */

typedef struct rc_check {
  rc_rules *rules;
  rc_db *db;                     /* the handle's database (coverage articles) */
  struct rc_overlay *overlay;    /* the payer's overlay, or NULL: national rules only */
  int claim_idx;                 /* stack slot of the claim table */
  rc_hist_entry *hist;           /* the course's recorded lines, by code and day */
  int nhist;
  rc_claim *claim;
  rc_findings *f;
  const char *payer;             /* "" when the claim names none */
  int setting;
  rc_day_entry *by_day;          /* usable lines, by day, code, position */
  int nby_day;
  long history_fractions;        /* fractions delivered earlier in the course */
  int history_read;              /* the course's history was consulted */
  const rc_rule *place;          /* claim.pos in the CMS code set, or NULL */
  int facility;                  /* a professional claim at a facility place of service */
  int unverified[RC_UNVERIFIED_SHOWN];   /* lines whose companion the facility's claim carries */
  int nunverified;
  rc_day_entry inline_by_day[RC_INLINE_LINES + 1];   /* by_day of the usual claim: no allocation */
} rc_check;

extern const luaL_Reg rc_check_methods[];
extern const luaL_Reg rc_batch_methods[];

struct rc_handle;
int rc_check_run(lua_State *L, struct rc_handle *h, int idx, const char *payer_opt, int max_lines, int counts_only,
                 rc_check *c, rc_findings *f, rc_claim *claim, char payer[32], char *err, size_t errlen);
int rc_check_run_json(lua_State *L, struct rc_handle *h, const char *json, size_t len, const char *payer_opt,
                      int max_lines, rc_check *c, rc_findings *f, rc_claim *claim, char payer[32], char *err,
                      size_t errlen);

void rc_edits_line(rc_check *c);
void rc_edits_day(rc_check *c);
void rc_companions_unverified(rc_check *c);
void rc_edits_setting(rc_check *c);
void rc_edits_revenue(rc_check *c);
int rc_facility_flags(const rc_check *c, const rc_line *line);
int rc_companion_partner(const char *partner, const char *code, const rc_code_rules *cr);
void rc_edits_course(rc_check *c);
void rc_edits_necessity(rc_check *c);
void rc_edits_payer(rc_check *c);
void rc_overlay_rules(rc_check *c);
void rc_edits_coverage(rc_check *c);
void rc_coverage_push_data(const rc_check *c);
long rc_week_of(long day);
void rc_replacement_list(const rc_check *c, const rc_line *line, char *out, size_t size);

#endif
