#!/usr/bin/env bash
# Every `sh` block of the given pages runs, as a reader would run it: in order, in one shell with
# `set -euo pipefail`, in an empty directory, with the built esep and esepd first on PATH and
# `fixtures` naming the repository's fixtures. A block that fails fails the test, naming the page
# and the line where the block starts. Blocks in any other language (`text` synopses, `json`) are
# shown, not run; a fenced block with no language is refused, so that no command is left out by
# accident. Background jobs a page starts (esepd) are killed when the pages are done.
#
# Usage: docs_examples_test.sh TOOLS_DIR SOURCE_DIR PAGE...
set -euo pipefail
tools=$(realpath "$1")
source_dir=$(realpath "$2")
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

script=$work/pages.sh
{
  echo 'set -euo pipefail'
  # Whatever a page leaves running in the background is stopped when the pages end, or fail.
  echo 'trap '"'"'for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done'"'"' EXIT'
} >"$script"
blocks=0
for page in "$@"; do
  page=$(realpath "$page")
  name=${page#"$source_dir"/}
  # Each sh block becomes: a line naming where it comes from, then its lines as they are.
  if ! awk -v name="$name" '
    /^```/ {
      if (inside) { inside = 0; next }
      inside = 1
      language = substr($0, 4)
      if (language == "") { printf "%s:%d: a fenced block needs a language (sh to run it, text to show it)\n", name, FNR > "/dev/stderr"; bad = 1 }
      run = language == "sh"
      if (run) { blocks++; printf "echo \"== %s:%d\"\n", name, FNR + 1 }
      next
    }
    inside && run { print }
    END { if (inside) { printf "%s: a fenced block is not closed\n", name > "/dev/stderr"; bad = 1 }
          print "# blocks " blocks > "/dev/stderr"; exit bad }
  ' "$page" >>"$script" 2>"$work/awk.err"; then
    cat "$work/awk.err" >&2
    exit 1
  fi
  blocks=$((blocks + $(sed -n 's/^# blocks //p' "$work/awk.err")))
done
if [ "$blocks" -eq 0 ]; then
  echo "docs_examples_test: the pages have no sh block to run" >&2
  exit 1
fi

mkdir "$work/day"
cd "$work/day"
set +e
PATH="$tools:$PATH" fixtures="$source_dir/fixtures" bash "$script" >"$work/out.txt" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ]; then
  tail -40 "$work/out.txt"
  block=$(grep '^== ' "$work/out.txt" | tail -1)
  echo "docs_examples_test: a block failed with exit status $status: ${block#== }" >&2
  [ -f esepd.log ] && { echo "--- esepd.log" >&2; tail -20 esepd.log >&2; }
  exit 1
fi
echo "docs_examples_test: $blocks sh blocks of $# pages ran, each exit status 0"
