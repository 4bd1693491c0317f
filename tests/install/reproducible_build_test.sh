#!/usr/bin/env bash
# The build is reproducible: the sources of BUILD_DIR's build, copied to another directory and
# built there from nothing, give byte-identical esep, esepd and esep-tabulator. This is what an
# auditor does to check that a reader runs the published sources (compare `esepd --version`'s
# executable SHA-256 with the rebuilt one).
# The rebuild keeps the first build's layout (its build directory's place relative to the sources)
# and its compiler launcher; it happens in a new directory under ESEP_REBUILD_ROOT (default /tmp;
# with ccache and a base_dir, give one under that base_dir).
# usage: reproducible_build_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
work=$(mktemp -d "${ESEP_REBUILD_ROOT:-/tmp}/esep-rebuild.XXXXXX")
trap 'rm -rf "$work"' EXIT
programs=(esep esepd esep-tabulator)

# The same files the first build saw (tracked and new, not ignored), in another directory.
sources=$work/elsewhere/sources
relative_build=$(realpath --relative-to="$src" "$build")
rebuild=$(realpath -m "$sources/$relative_build")
mkdir -p "$sources"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do
    if [ -e "$f" ]; then cp --parents -t "$sources" "$f"; fi
  done)
# Without .git the copy is a source archive: it is told its commit, as a packager's build is.
commit=$("$build/tools/esepd" --version | sed -n 's/^source commit //p')
cached() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
echo "rebuilding commit $commit ($(cached CMAKE_BUILD_TYPE)) in $rebuild"
ESEP_SOURCE_COMMIT=$commit cmake -S "$sources" -B "$rebuild" -G Ninja \
  -DCMAKE_BUILD_TYPE="$(cached CMAKE_BUILD_TYPE)" -DESEP_BENCH=OFF \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$(cached CMAKE_CXX_COMPILER_LAUNCHER)" \
  -DCMAKE_C_COMPILER_LAUNCHER="$(cached CMAKE_C_COMPILER_LAUNCHER)" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; exit 1; }
ESEP_SOURCE_COMMIT=$commit cmake --build "$rebuild" --parallel "$(nproc)" \
  --target "${programs[@]}" >"$work/build.log" 2>&1 || { tail -50 "$work/build.log" >&2; exit 1; }

status=0
for p in "${programs[@]}"; do
  a=$build/tools/$p
  b=$rebuild/tools/$p
  if cmp -s "$a" "$b"; then
    echo "$p: identical, SHA-256 $(sha256sum "$a" | cut -d' ' -f1)"
  else
    echo "FAIL: $p differs between $build and the rebuild:" >&2
    cmp "$a" "$b" | head -n 3 >&2 || true
    status=1
  fi
done
exit $status
