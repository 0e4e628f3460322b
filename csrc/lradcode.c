/* lradcode.c: luaopen_radcode_core, which only assembles the pieces: the
 * open function, the claim readers (x12_claims, x12_batches, fhir_claims), the handle's methods (exposed as core.Handle so the Lua
 * layer can add its own; every C method runs guarded, see handle.c), the
 * JSON codec and the version strings. */
#include <lua.h>
#include <lauxlib.h>

#include "check.h"
#include "classify.h"
#include "clock.h"
#include "db.h"
#include "explain.h"
#include "fhir.h"
#include "handle.h"
#include "import.h"
#include "json.h"
#include "lookup.h"
#include "overlay.h"
#include "search.h"
#include "upgrade.h"
#include "x12.h"

#ifndef RC_VERSION
#error "RC_VERSION must be defined by the build (see Makefile)"
#endif

static const luaL_Reg functions[] = {
  {"open", rc_handle_open},
  {"clock", rc_clock},
  {"x12_claims", rc_x12_claims},
  {"x12_batches", rc_x12_batches},
  {"fhir_claims", rc_fhir_claims},
  {"upgrade", rc_upgrade_lua},
  {NULL, NULL}
};

int luaopen_radcode_core(lua_State *L)
{
  luaL_newlib(L, functions);
  rc_handle_metatable(L);
  luaL_setfuncs(L, rc_lookup_methods, 0);
  luaL_setfuncs(L, rc_search_methods, 0);
  luaL_setfuncs(L, rc_classify_methods, 0);
  luaL_setfuncs(L, rc_import_methods, 0);
  luaL_setfuncs(L, rc_check_methods, 0);
  luaL_setfuncs(L, rc_batch_methods, 0);
  luaL_setfuncs(L, rc_overlay_methods, 0);
  luaL_setfuncs(L, rc_explain_methods, 0);
  rc_handle_guard(L, -1);
  lua_setfield(L, -2, "Handle");
  rc_json_register(L);
  lua_pushliteral(L, RC_VERSION);
  lua_setfield(L, -2, "version");
  lua_pushliteral(L, RC_SCHEMA_VERSION);
  lua_setfield(L, -2, "schema_version");
  return 1;
}
