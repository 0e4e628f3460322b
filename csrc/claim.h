/* claim.h: a claim read from a Lua table into C, checked for bad input. */
#ifndef RC_CLAIM_H
#define RC_CLAIM_H

#include <stdint.h>
#include <lua.h>
#include "findings.h"
#include "rules.h"

#define RC_MAX_MODIFIERS 8      /* kept per line; more than four is a finding */
#define RC_MAX_LINE_DX 12
#define RC_MAX_DIAGNOSES 25
#define RC_INLINE_LINES 32      /* lines kept in the rc_claim itself (on the C stack) */
#define RC_DEFAULT_MAX_LINES 450  /* the CMS outpatient claim limit */

typedef struct rc_line {
  int index;                    /* 1-based position in claim.lines */
  int usable;                   /* code, date and units are good: edits may use it */
  char code[8];
  uint64_t key;                 /* rc_code_key(code) */
  uint32_t ptp_key;             /* rc_ptp_key(key): the code as PTP rows key column 2 */
  long day;
  char date[11];
  long units;
  char revenue[5];              /* the UB-04 revenue code of an institutional line, "" when none */
  int nmods;
  long mods_given;              /* modifiers the line listed; only the first RC_MAX_MODIFIERS are kept */
  char mods[RC_MAX_MODIFIERS][4];
  int ndx;
  int dx[RC_MAX_LINE_DX];       /* 1-based pointers into claim diagnoses */
  const rc_code_rules *rules;   /* set by the checker */
  long history_course;          /* units of the code earlier in the course (history) */
  long history_week;            /* ... in the same week */
  int history_partner;          /* a companion partner of the line is in the course history that day */
} rc_line;

typedef struct rc_claim {
  char id[64], patient[64], course[128], payer[32];
  char authorization[64];       /* a prior authorisation number, "" when none */
  char contractor[32];          /* the Medicare contractor (MAC) number or MCD id, "" when none */
  char state[8];                /* the two-letter state of service, upper case, "" when none */
  int setting;                  /* the claim type: practitioner (professional) or hospital (institutional) */
  char pos[3];                  /* claim.pos, two digits; "" when absent or malformed */
  int ndiag;
  char diag[RC_MAX_DIAGNOSES][8];  /* upper case, without the dot */
  int nlines;
  rc_line *lines;               /* inline_lines, or a userdata on the Lua stack for a longer claim */
  rc_line inline_lines[RC_INLINE_LINES];   /* the usual claim's lines: no allocation */
} rc_claim;

void rc_claim_read(lua_State *L, int idx, rc_claim *claim, rc_findings *f, int max_lines);
int rc_line_has_modifier(const rc_line *line, const char *modifier);
/* A diagnosis (ICD-10-CM) and a modifier as claim.c keeps them; 0 when
 * malformed (out then holds no value). */
int rc_claim_normalize_dx(const char *s, size_t len, char out[8]);
int rc_claim_normalize_modifier(const char *s, size_t len, char out[4]);
/* claim.setting's claim type (RC_SET_PRACTITIONER or RC_SET_HOSPITAL), -1
 * for any other name; is claim.pos a place of service (two digits)? */
int rc_claim_type(const char *setting);
int rc_claim_pos_valid(const char *pos);

#endif
