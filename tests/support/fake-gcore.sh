#!/bin/sh
# Stand-in for gcore in tests. Called like gcore (`[-o] FILE PID`): appends one record per
# call to the file named by FAKE_GCORE_OUT:
#   === gcore
#   arg: <each argument, one per line>
# and prints `core written to FILE` on stdout, as the message of a real gcore would name
# the core file. Exits with FAKE_GCORE_EXIT (default 0).
set -eu
out=${FAKE_GCORE_OUT:?FAKE_GCORE_OUT is not set}
{
  printf '=== gcore\n'
  for arg in "$@"; do
    printf 'arg: %s\n' "$arg"
  done
} >>"$out"
if [ "${1:-}" = "-o" ]; then
  shift
fi
printf 'core written to %s\n' "${1:-}"
exit "${FAKE_GCORE_EXIT:-0}"
