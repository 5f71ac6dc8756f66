#!/bin/sh
# Stand-in for sendmail in tests: appends one record per call to the file named by
# FAKE_SENDMAIL_OUT:
#   === sendmail
#   arg: <each argument, one per line>
#   --- stdin
#   <stdin, byte for byte>
#   (a newline)
#   === end
set -eu
out=${FAKE_SENDMAIL_OUT:?FAKE_SENDMAIL_OUT is not set}
{
  printf '=== sendmail\n'
  for arg in "$@"; do
    printf 'arg: %s\n' "$arg"
  done
  printf -- '--- stdin\n'
  cat
  printf '\n=== end\n'
} >>"$out"
