#!/usr/bin/env bash
# fuzz/run.sh BUILD SECONDS RUNS JOBS TARGET...: runs each libFuzzer target
# (BUILD/fuzz_TARGET) on a working copy of its seed corpus fuzz/corpus/TARGET
# for SECONDS (or RUNS executions when RUNS is not empty), JOBS at a time.
# Fails when any target reports a crash, leak, timeout or sanitizer error
# (its log is shown). Prints each target's executions and finds; new
# corpus entries stay in BUILD/corpus/TARGET, the logs in BUILD/logs.
set -uo pipefail
build=$1 seconds=$2 runs=$3 jobs=$4
shift 4
mkdir -p "$build/logs" "$build/corpus" "$build/artifacts"

# The report in a failed target's log (from the first error line, 50 lines)
# and the saved input.
report() {
  local from
  from=$(grep -n -m1 -E 'ERROR: |runtime error: |^fuzz_[a-z_]+: |ALARM|out-of-memory|deadly signal' "$1" | cut -d: -f1)
  tail -n +"${from:-1}" "$1" | head -50
  grep -E 'Test unit written' "$1" | tail -1
}

one() {
  local t=$1 limit
  if [ -n "$runs" ]; then limit="-runs=$runs"; else limit="-max_total_time=$seconds"; fi
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
  local dict=""
  [ -f "fuzz/dict/$t.dict" ] && dict="-dict=fuzz/dict/$t.dict"
  # A 64 MB quarantine (ASan's default is 256) lets SQLite's page-cache
  # blocks be reused sooner: about twice the executions for the import and
  # lookup targets, still wide enough to catch a use after free.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=64 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$build/fuzz_$t" $limit $dict -timeout=30 -rss_limit_mb=2560 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" \
      "$build/corpus/$t" "fuzz/corpus/$t" > "$build/logs/$t.log" 2>&1
  local rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/logs/$t.log" | tail -1)
  if [ $rc -ne 0 ]; then
    # one write, so parallel jobs do not interleave their reports
    printf 'FAIL fuzz_%s (exit %s, %s executions); from %s:\n%s\n' "$t" "$rc" "${execs:-?}" \
      "$build/logs/$t.log" "$(report "$build/logs/$t.log")"
    return 1
  fi
  printf 'ok   fuzz_%-18s %12s executions\n' "$t" "${execs:-?}"
}
export -f one report
export build seconds runs
if printf '%s\n' "$@" | xargs -P "$jobs" -I{} bash -c 'one "$@"' _ {}; then
  echo "fuzz: all $# targets passed"
else
  echo "fuzz: FAILED; the inputs are in $build/artifacts (fuzz/README.md: reproducing)"
  exit 1
fi
