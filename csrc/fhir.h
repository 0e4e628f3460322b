/* fhir.h: FHIR R4 Claim resources (alone or in a Bundle), as decoded by
 * radcode's JSON parser, mapped to radcode's claim tables.
 * core.fhir_claims(doc) -> { claim, ... } | nil, "fhir: <why>". */
#ifndef RC_FHIR_H
#define RC_FHIR_H

#include <lua.h>

int rc_fhir_claims(lua_State *L);

#endif
