/* json.h: JSON text <-> Lua values for radcode (claims in, reports out).
**
** rc_json_register sets three fields on the table at the top of the stack:
**   json_encode(v [, pretty]) -> string     raises "json: ..." if v cannot
**                                            be represented in JSON
**   json_decode(s) -> value | nil, msg       strict RFC 8259; msg is
**                                            "json: <what> at line L, column C"
**   json_null                                light userdata (NULL) standing
**                                            for JSON null, in arrays and
**                                            objects alike
*/
#ifndef RC_JSON_H
#define RC_JSON_H

#include <lua.h>

void rc_json_register(lua_State *L);

#endif
