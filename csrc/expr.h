/* expr.h: a tiny expression language for classification rules, free of Lua
 * and of malloc. Integers, booleans, "strings", names of facts, has(name),
 * given(name), comparisons, + - * / %, and / or / not, parentheses. See data/README.md. */
#ifndef RC_EXPR_H
#define RC_EXPR_H

#include <stddef.h>

typedef enum { RC_V_NIL, RC_V_INT, RC_V_BOOL, RC_V_STR } rc_vtype;

typedef struct rc_value {
  rc_vtype type;
  long long i;          /* RC_V_INT, RC_V_BOOL (0 or 1) */
  const char *s;        /* RC_V_STR, NUL-terminated, owned by the caller */
} rc_value;

/* Resolves a fact by name and fills *out when it has a value: returns 2
 * when the facts give it, 1 when it has a value they did not give (a
 * default, or the context), 0 when the fact is absent. */
typedef int (*rc_expr_lookup)(void *ud, const char *name, size_t len, rc_value *out);

typedef enum { RC_EXPR_OK, RC_EXPR_MISSING, RC_EXPR_ERROR } rc_expr_status;

/* Evaluates src. On RC_EXPR_MISSING, err holds the missing fact's name; on
 * RC_EXPR_ERROR, a message about the expression. */
rc_expr_status rc_expr_eval(const char *src, rc_expr_lookup fn, void *ud,
                            rc_value *out, char *err, size_t errlen);

#endif
