/* findings.h: what rc:check reports, gathered in C and handed to Lua. */
#ifndef RC_FINDINGS_H
#define RC_FINDINGS_H

#include <stddef.h>
#include <lua.h>

typedef enum {
  RC_EDIT_PTP, RC_EDIT_MUE, RC_EDIT_ADDON, RC_EDIT_FREQUENCY, RC_EDIT_MODIFIER,
  RC_EDIT_VALIDITY, RC_EDIT_SETTING, RC_EDIT_COMPANION, RC_EDIT_NECESSITY,
  RC_EDIT_INPUT, RC_EDIT_OVERLAY, RC_EDIT_COVERAGE
} rc_edit;

typedef enum { RC_DENY, RC_REVIEW, RC_WARN, RC_INFO } rc_severity;

typedef struct rc_finding {
  int line, other, seq;          /* lines are 1-based; 0 = the whole claim */
  unsigned char edit, severity;
  char code[16];
  char rule[96];
  char modifier[4];              /* the modifier that bypassed an edit, if any */
  const char *source;            /* dataset or rule source; never NULL */
  char message[256];
  char fix[256];
  char overlay[32];              /* the payer overlay that produced or changed it */
  char overlay_rule[48];         /* ... and its rule */
  char reason[160];              /* why an overlay suppressed or downgraded it */
  unsigned char was;             /* severity + 1 before an overlay changed it; 0 unchanged */
  unsigned char suppressed;      /* an overlay suppressed it (now info) */
} rc_finding;

#define RC_INLINE_FINDINGS 8     /* findings kept in the rc_findings itself */
#define RC_MAX_FINDINGS 10000    /* listed per claim; the rest are counted in one more */

typedef struct rc_findings {
  lua_State *L;
  int anchor;                    /* stack slot of the userdata holding items */
  rc_finding *items;
  int count, capacity;
  long dropped;                  /* findings past RC_MAX_FINDINGS, not listed */
  unsigned char dropped_worst;   /* ... and the most severe of them */
  unsigned char texts;           /* the findings get their texts (rule, message, fix); 0 when the
                                    caller only counts them (rc:check_all without an overlay):
                                    the edits then write no text, and the texts stay empty */
  rc_finding spare;              /* what rc_findings_add hands out past the limit */
  rc_finding inline_items[RC_INLINE_FINDINGS];   /* the usual few: on the C stack, no allocation */
} rc_findings;

void rc_findings_init(rc_findings *f, lua_State *L);
rc_finding *rc_findings_add(rc_findings *f, int line, rc_edit edit, rc_severity severity,
                            const char *code, const char *source);
int rc_findings_denied(const rc_findings *f);
void rc_findings_push(rc_findings *f);
/* A check that pushes no result is done with its findings: their storage
 * is left for the next check (rc_findings_push does this itself). */
void rc_findings_done(rc_findings *f);
const char *rc_edit_name(rc_edit edit);

/* Texts of findings made without snprintf (its format parsing was an
 * eighth of a warm check): rc_cat writes the strings up to a NULL into out,
 * as snprintf("%s%s...") would (cut to size - 1 bytes, always terminated);
 * rc_cat_n appends at most n bytes of s to what out holds; rc_itoa is a
 * number's decimal text in buf. */
void rc_cat(char *out, size_t size, ...);
void rc_cat_n(char *out, size_t size, const char *s, size_t n);
const char *rc_itoa(long v, char buf[24]);
const char *rc_severity_name(rc_severity severity);

#endif
