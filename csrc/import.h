/* import.h: rc:import(kind, path, opts) and rc:datasets(). */
#ifndef RC_IMPORT_H
#define RC_IMPORT_H

#include <lauxlib.h>

extern const luaL_Reg rc_import_methods[];

#endif
