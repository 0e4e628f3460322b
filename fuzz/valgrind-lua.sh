#!/bin/sh
# fuzz/valgrind-lua.sh: stands in for lua5.4 during `make valgrind`. The
# Makefile links it as $VALGRIND_DIR/bin/lua5.4 and puts that directory
# first in PATH, so every Lua process of the spec suite runs under
# valgrind's memcheck: busted itself, and each child the specs start
# (bin/radcode via helper.radcode, helper.lua_in, background imports...).
# Shells, sqlite3 and other utilities the specs run stay native and fast.
#
# Each process writes VALGRIND_DIR/logs/<pid>.<time>.log; fuzz/valgrind-scan.sh
# reads them all after the run. Exit codes are left alone (no
# --error-exitcode): the specs judge behaviour, the scan judges memory.
#
# Environment (set by the Makefile): VALGRIND_DIR, VALGRIND_LUA (the real
# interpreter), VALGRIND_SUPP (suppressions), VALGRIND_FLAGS (extra flags,
# for example --track-origins=yes).
: "${VALGRIND_DIR:?}" "${VALGRIND_LUA:?}" "${VALGRIND_SUPP:?}"
# bin/radcode ends with os.exit(code), which leaves the Lua state open, so
# whatever radcode frees only in close and __gc would go unchecked in the
# command-line children. Under valgrind, os.exit closes the state first
# (what a script that simply returns gets anyway).
LUA_INIT_5_4='local exit = os.exit; os.exit = function(code) return exit(code, true) end'
export LUA_INIT_5_4
exec valgrind --tool=memcheck --leak-check=full \
  --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --num-callers=40 --child-silent-after-fork=yes --trace-children=no \
  --suppressions="$VALGRIND_SUPP" ${VALGRIND_FLAGS:-} \
  --log-file="$VALGRIND_DIR/logs/%p.$(date +%s%N).log" \
  "$VALGRIND_LUA" "$@"
