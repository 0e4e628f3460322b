/* upgrade.h: a user's database follows the module's curated data and
 * schema (upgrade.c). */
#ifndef RC_UPGRADE_H
#define RC_UPGRADE_H

#include <stddef.h>
#include <sqlite3.h>

/* The oldest schema version a database is migrated from. */
#define RC_SCHEMA_OLDEST 5

struct lua_State;

int rc_upgrade_follow(sqlite3 **conn, const char *path, long version, char *err, size_t errlen);
int rc_upgrade_lua(struct lua_State *L);

#endif
