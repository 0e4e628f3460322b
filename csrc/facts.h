/* facts.h: the facts of a treatment, read from a Lua table and checked
 * against the classify_facts table (names, types, ranges, choices,
 * defaults). Wrong types and unknown names raise; bad values give a message.
 * The whole set lives in a Lua userdata, so a raise leaks nothing. */
#ifndef RC_FACTS_H
#define RC_FACTS_H

#include <lua.h>
#include "date.h"
#include "db.h"
#include "expr.h"

#define RC_FACTS_MAX 64
#define RC_FACT_NAME 32
#define RC_FACT_TEXT 160
#define RC_PAYER_LEN 64

typedef enum { RC_FACT_INTEGER, RC_FACT_BOOLEAN, RC_FACT_CHOICE, RC_FACT_DATES } rc_fact_type;

typedef struct rc_fact {
  char name[RC_FACT_NAME];
  rc_fact_type type;
  int has_min, has_max;
  long long min, max;
  char choices[RC_FACT_TEXT];     /* "a|b|c" for a choice */
  char count_of[RC_FACT_NAME];    /* an integer that counts a dates fact */
  char default_text[RC_FACT_NAME];
  int has_default, given;
  rc_value def, value;            /* value.i is the count for dates */
} rc_fact;

typedef struct rc_facts {
  int count;
  rc_fact fact[RC_FACTS_MAX];
  const char *service, *setting;  /* anchored in the facts table / static */
  char date[RC_DATE_LEN + 1];
  char payer[RC_PAYER_LEN];
  char level[RC_FACT_NAME];       /* decided by a rule, visible as `level` */
  int has_level;
} rc_facts;

/* Reads the facts table at idx into a new userdata pushed on the stack.
 * Returns 1, or 0 with a message on top of the stack (a bad value or a
 * database error). Raises on a wrong type or an unknown fact name. */
int rc_facts_read(lua_State *L, rc_db *db, int idx, rc_facts **out);

/* Pushes the list of classify_facts rows { name, type, min, max, choices,
 * count_of, default, meaning } (absent when NULL), in name order. Returns 1,
 * or 0 with a message pushed (a database error). */
int rc_facts_list(lua_State *L, rc_db *db);

/* The expression lookup over a fact set (ud is the rc_facts). */
int rc_facts_lookup(void *ud, const char *name, size_t len, rc_value *out);

#endif
