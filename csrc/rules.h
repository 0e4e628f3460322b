/* rules.h: the compiled rule set that rc:check reads. Everything radcode
 * knows about a code is loaded from SQLite on first sight, as one array of
 * dated rule rows sorted by kind, and cached for the life of the handle. */
#ifndef RC_RULES_H
#define RC_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

typedef enum {
  RC_RULE_CODE,        /* other = family, a = addon, extra = system, text = summary */
  RC_RULE_PTP,         /* this code is column 1; other = column 2, a = modifier indicator (-1: removed by an overlay) */
  RC_RULE_MUE,         /* a = value, b = MAI */
  RC_RULE_PCTC,        /* other = indicator, extra = component */
  RC_RULE_PAYMENT,     /* other = status, a = recognized */
  RC_RULE_AOC,         /* this code is the add-on; other = primary ("" none), a = type */
  RC_RULE_REQUIRED,    /* other = modifier, extra = kind: required (must carry) or not_allowed */
  RC_RULE_REPLACEMENT, /* other = replacement code, payer */
  RC_RULE_COMPANION,   /* other = partner code or family:<f>, extra = modifier condition */
  RC_RULE_FREQUENCY,   /* other = period, a = max, b = fractions, c = leftover, d = minimum,
                        * extra = severity, alt = the code a too-short course bills instead */
  RC_RULE_FRACTION,    /* the code's units are delivered fractions */
  /* kinds only payer overlays add (overlay.c); c = severity */
  RC_RULE_DAYS,        /* a = max units, b = days: at most a units in any b days */
  RC_RULE_WINDOW,      /* other = anchor code, a = days before it, b = days after it */
  RC_RULE_PRIOR_AUTH,  /* the code needs claim.authorization */
  RC_RULE_COVERAGE,    /* other = first diagnosis, extra = last (accepted range) */
  RC_RULE_MAPPING,     /* the payer does not take the code; other = a code to bill instead */
  RC_RULE_KINDS
} rc_rule_kind;

typedef enum { RC_SET_ANY, RC_SET_PRACTITIONER, RC_SET_HOSPITAL, RC_SET_DME } rc_setting;

typedef struct rc_rule {
  long from, to;                 /* day numbers, inclusive */
  const char *other;             /* interned, like the texts below */
  const char *payer, *extra, *text, *source;   /* interned; "" when empty */
  const char *alt;               /* a second code, where a kind needs one; "" when empty */
  int a, b, c, d;
  unsigned char kind, setting;
  unsigned char layer;           /* 0 national; overlays 1 (root) .. n (the payer's own) */
} rc_rule;

/* A PTP edit with the code as column 1, in the compact form the national
 * files need (millions of rows, 8 bytes each; ptp.c). */
typedef struct rc_ptp rc_ptp;    /* a compact PTP row: ptp.h */

struct rc_ptp_texts;

typedef struct rc_code_rules {
  char code[8];
  int known;                     /* the codes table has it */
  rc_rule *rows;                 /* every kind but PTP */
  int first[RC_RULE_KINDS + 1];  /* rows of kind k: [first[k], first[k + 1]) */
  rc_ptp *ptp;                   /* sorted by column 2 key, then start, then layer */
  int nptp;
  uint64_t *ptp_filter;          /* which column 2 codes ptp may hold (rc_ptp_filter); NULL: any */
  unsigned ptp_filter_shift;
  struct rc_ptp_texts *texts;    /* the rule set's row shapes, which the rows index */
  const struct rc_rules *set;    /* the rule set (its datasets choose among versions) */
  void *memo;                    /* the checker's cached answers about the code (edits_dx.c); freed with it */
  int in_articles;               /* some coverage article lists the code (any date or contractor) */
} rc_code_rules;

typedef struct rc_rules rc_rules;

rc_rules *rc_rules_new(sqlite3 *conn, char *err, size_t errlen);
void rc_rules_free(rc_rules *rules);
const rc_code_rules *rc_rules_code(rc_rules *rules, const char *code, char *err, size_t errlen);
#define RC_PREFETCH_CODE 8        /* a code and its terminator, zero padded */
void rc_rules_prefetch(rc_rules *rules, char (*codes)[RC_PREFETCH_CODE], int n);
/* Cache hints (hint.h) for a claim's codes, in three rounds over its
 * lines: where a code's rules are cached, then its rules, then their rows. */
void rc_rules_code_hint(const rc_rules *rules, const char *code);
void rc_rules_hint(const rc_code_rules *cr);
void rc_rules_hint_rows(const rc_code_rules *cr);
void rc_rules_batch_begin(rc_rules *rules);
void rc_rules_batch_end(rc_rules *rules);
void rc_rules_batch_read(rc_rules *rules);
int rc_rules_has_articles(const rc_rules *rules);
long rc_rules_article_epoch(const rc_rules *rules, const char *date);
const char *rc_rules_intern(rc_rules *rules, const char *s);
const rc_rule *rc_rules_of(const rc_code_rules *cr, rc_rule_kind kind, int *count);
const rc_rule *rc_rules_in_force(const rc_code_rules *cr, rc_rule_kind kind, long day, int setting);
const rc_rule *rc_rules_ptp(const rc_code_rules *cr, const char *column2, long day, int setting, rc_rule *out);

#define RC_STALE_MAX 32          /* versions of a kind told apart by date */

/* A code's PTP edits (the code as column 1) asked about column 2 codes in
 * ascending order (a day's lines, sorted by code): each answer starts
 * where the last one ended, and the versions that do not answer for the
 * day are named once. Asking about a lower code than the last still
 * answers right (the walk starts over). */
typedef struct rc_ptp_walk {
  const rc_code_rules *cr;
  long day;
  int setting;
  int at;                        /* rows before it are below the last code asked about */
  uint32_t last;                 /* that code's packed key (rc_ptp_key) */
  int nstale;
  const char *stale[RC_STALE_MAX];
} rc_ptp_walk;

void rc_rules_ptp_walk(rc_ptp_walk *w, const rc_code_rules *cr, long day, int setting);
const rc_rule *rc_rules_ptp_next(rc_ptp_walk *w, uint32_t column2, rc_rule *out);
int rc_rule_applies(const rc_rule *r, long day, int setting);
int rc_rule_payer_matches(const rc_rule *r, const char *payer);
const char *rc_rules_family(const rc_code_rules *cr);
int rc_rules_any(const rc_code_rules *cr);
rc_code_rules *rc_rules_merge(const rc_code_rules *national, const rc_rule *extra, int nextra);
void rc_rules_free_code(void *cr);

typedef struct rc_modifier {     /* a row of table modifiers */
  char modifier[4];
  int bypass;                    /* NCCI-associated: may bypass an indicator-1 edit */
  const char *kind, *applies_to, *meaning;   /* interned */
  long terminated;               /* last valid day; LONG_MAX in force */
} rc_modifier;

const rc_modifier *rc_rules_modifier(const rc_rules *rules, const char *modifier);
int rc_rules_in_group(const rc_rules *rules, const char *group, const char *code, long day);
const char *rc_rules_group_label(const rc_rules *rules, const char *group);
int rc_modifier_fits(const rc_rules *rules, const rc_modifier *m, const char *code, long day);
int rc_rules_bypass_list(const rc_rules *rules, const char *code, long day, char *out, size_t size,
                         const rc_modifier **first);
int rc_rules_dx_required(const rc_rules *rules, const char *family);
const char *rc_rules_dx_support(const rc_rules *rules, const char *dx, const char *family,
                                const char *payer, long day);
const rc_rule *rc_rules_place(const rc_rules *rules, const char *pos);
const rc_rule *rc_rules_setting_modifiers(const rc_rules *rules, int *count);
const rc_rule *rc_rules_payer_codes(const rc_rules *rules, const char *code, int *count);
const rc_rule *rc_rules_revenue(const rc_rules *rules, const char *family, long day);
const char *rc_setting_name(int setting);

/* The datasets loaded with the dates of service they cover (table datasets),
 * as rule rows: kind RC_RULE_PTP (NCCI PTP), RC_RULE_MUE, or RC_RULE_KINDS
 * (any other kind); other = name (what its rows carry as source), extra =
 * version, text = kind name, from/to = coverage, setting. */
const rc_rule *rc_rules_datasets(const rc_rules *rules, int *count);
const rc_rule *rc_rules_dataset_for(const rc_rules *rules, int kind, int setting, long day);
const rc_rule *rc_rules_dataset_named(const rc_rules *rules, const char *name);
int rc_setting_of(const char *name);

#endif
