/* sandbox.h: a separate Lua state for overlay code, with only safe
 * libraries, a memory ceiling, an instruction budget that library calls and
 * allocations are charged to, and a CPU-time and wall-time backstop. */
#ifndef RC_SANDBOX_H
#define RC_SANDBOX_H

#include <stddef.h>
#include <lua.h>

#define RC_SANDBOX_MEMORY (16u * 1024u * 1024u)   /* bytes, per overlay */
#define RC_SANDBOX_BUDGET 1000000L               /* VM instructions, per claim */
#define RC_SANDBOX_SECONDS_PER_MILLION 10.0      /* CPU seconds a budget of 1e6 may take */

typedef enum { RC_SB_OK, RC_SB_ERROR, RC_SB_BUDGET, RC_SB_MEMORY, RC_SB_TIME } rc_sandbox_status;

typedef struct rc_sandbox rc_sandbox;

rc_sandbox *rc_sandbox_new(size_t memory, long budget);
void rc_sandbox_free(rc_sandbox *sb);
lua_State *rc_sandbox_state(rc_sandbox *sb);
void rc_sandbox_restart(rc_sandbox *sb);
rc_sandbox_status rc_sandbox_run(rc_sandbox *sb, lua_CFunction fn, void *ud, char *err, size_t errlen);
size_t rc_sandbox_memory(const rc_sandbox *sb);
long rc_sandbox_budget(const rc_sandbox *sb);
void *rc_sandbox_current(lua_State *S);
void rc_sandbox_charge(lua_State *S, double instructions);
long rc_sandbox_left(lua_State *S);
void rc_sandbox_costs(lua_State *S);   /* sandbox_cost.c */

#endif
