#!/usr/bin/env bash
# Writes the man page of one Esep program from its own --help and --version (help2man), so the
# manual and the program never disagree. For a program made of subcommands every subcommand's
# --help becomes a section. OUT is gzip-compressed (OUT ends in .gz), without a time stamp.
# usage: make-man.sh PROGRAM_PATH SECTION DESCRIPTION OUT
set -euo pipefail
program=$1 section=$2 description=$3 out=$4
name=$(basename "$program")
# The page's date is the source commit's, so the same sources give the same page.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$(dirname "$0")" log -1 --format=%ct 2>/dev/null || echo 0)
fi
export SOURCE_DATE_EPOCH
include=$(mktemp)
trap 'rm -f "$include"' EXIT
commands=$("$program" help 2>/dev/null | sed -n 's/^  \([a-z][a-z0-9-]*\)  .*/\1/p' || true)
if [ -n "$commands" ]; then
  {
    echo "[COMMANDS]"
    for c in $commands; do
      echo ".SS $c"
      echo ".nf"
      "$program" "$c" --help 2>&1 | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./'
      echo ".fi"
    done
  } >"$include"
fi
cat >>"$include" <<TEXT
[SEE ALSO]
esep(1), esepd(8), esep-tabulator(8); the documentation in /usr/share/doc/esep-tools/.
TEXT
version=$("$program" --version | head -n 1)
help2man --no-info --no-discard-stderr --section="$section" --name="$description" \
  --version-string="${version##* }" --include="$include" --output="$out.tmp" "$program"
gzip -9 -n -c "$out.tmp" >"$out"
rm -f "$out.tmp"
