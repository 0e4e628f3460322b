#!/bin/sh
# fuzz/valgrind-scan.sh LOGDIR: reads the memcheck logs fuzz/valgrind-lua.sh
# left in LOGDIR (one a Lua process) and fails when any of them reports an
# error, an unsuppressed definite leak or a crash; the logs that do are
# printed. Processes the specs kill on purpose (SIGKILL) leave a log without
# a summary: they are counted, and fail only on an error they logged before
# the kill.
dir=${1:?usage: valgrind-scan.sh LOGDIR}
total=0 bad=0 unfinished=0
# the summary's counts, then memcheck's error kinds (for logs cut short by
# a kill) and crashes
pattern='ERROR SUMMARY: [1-9]|definitely lost: [1-9]'
pattern="$pattern|== (Invalid (read|write|free)|Mismatched free|Conditional jump|Use of uninitialised)"
pattern="$pattern|== (Syscall param|Source and destination overlap|Argument '.*' of function)"
pattern="$pattern|Process terminating with default action of signal (4|6|7|8|11) "
for log in "$dir"/*.log; do
  [ -e "$log" ] || continue
  total=$((total + 1))
  if grep -Eq "$pattern" "$log"; then
    bad=$((bad + 1))
    echo "==== $log"
    cat "$log"
  elif ! grep -q 'ERROR SUMMARY:' "$log"; then
    unfinished=$((unfinished + 1))
  fi
done
echo "valgrind: $total Lua processes checked, $bad with memcheck errors or definite leaks," \
  "$unfinished ended without a summary (killed on purpose)"
if [ "$total" -eq 0 ]; then echo "valgrind: no logs in $dir" >&2; exit 1; fi
[ "$bad" -eq 0 ]
