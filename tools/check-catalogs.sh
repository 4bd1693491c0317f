#!/usr/bin/env bash
# Checks that the catalogs of one gettext domain are complete: every message the sources listed in
# po/DOMAIN/POTFILES mark for translation has a translation in every po/DOMAIN/*.po, none fuzzy,
# none missing. With --update, first merges new messages into the .po files (untranslated, so the
# check then names them) and rewrites po/DOMAIN/DOMAIN.pot.
#   tools/check-catalogs.sh [--update] DOMAIN
# Paths in POTFILES are relative to the repository root; ESEP_PO_ROOT (default po) holds the domains.
set -euo pipefail
cd "$(dirname "$0")/.."
update=0
if [ "${1:-}" = --update ]; then update=1; shift; fi
domain="${1:?usage: tools/check-catalogs.sh [--update] DOMAIN}"
dir="${ESEP_PO_ROOT:-po}/$domain"
[ -f "$dir/POTFILES" ] || { echo "check-catalogs: $dir/POTFILES is missing" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

mapfile -t sources < <(grep -v '^\s*\(#\|$\)' "$dir/POTFILES")
cpp=() js=()
for f in "${sources[@]}"; do
  [ -f "$f" ] || { echo "check-catalogs: $dir/POTFILES names $f, which does not exist" >&2; exit 1; }
  case "$f" in
    *.js | *.mjs) js+=("$f") ;;
    *) cpp+=("$f") ;;
  esac
done
common=(--from-code=UTF-8 --omit-header --sort-by-file --no-wrap --package-name="$domain")
: >"$tmp/cpp.pot"
: >"$tmp/js.pot"
if ((${#cpp[@]})); then
  xgettext "${common[@]}" --language=C++ --keyword --keyword=Get:2 --keyword=Plural:2,3 \
    --keyword=N_ -o "$tmp/cpp.pot" "${cpp[@]}"
fi
if ((${#js[@]})); then
  xgettext "${common[@]}" --language=JavaScript --keyword --keyword=t --keyword=N_ \
    -o "$tmp/js.pot" "${js[@]}"
fi
msgcat --use-first --no-wrap --sort-by-file -o "$tmp/all.pot" "$tmp/cpp.pot" "$tmp/js.pot" 2>/dev/null ||
  cat "$tmp/cpp.pot" "$tmp/js.pot" >"$tmp/all.pot"
messages=$(grep -c '^msgid ' "$tmp/all.pot" || true)

if ((update)); then
  cp "$tmp/all.pot" "$dir/$domain.pot"
  for po in "$dir"/*.po; do
    msgmerge --quiet --update --backup=none --no-fuzzy-matching --no-wrap "$po" "$dir/$domain.pot"
  done
fi

# The msgids of a catalog on stdin, one per line as "msgid ..." (a msgid written over several
# lines, e.g. one with a newline, joined), without the header's empty one.
msgids() {
  awk '/^msgid /  { id = substr($0, 7); open = 1; next }
       open && /^"/ { id = id $0; next }
       open       { sub(/^""/, "", id); gsub(/""/, "", id); if (id != "") print "msgid " id; open = 0 }'
}

status=0
for po in "$dir"/*.po; do
  lang="$(basename "$po" .po)"
  # The catalog as the sources need it: a message it lacks comes out untranslated.
  msgmerge --quiet --no-fuzzy-matching --no-wrap -o "$tmp/$lang.po" "$po" "$tmp/all.pot"
  msgfmt --check -o /dev/null "$po" || { echo "check-catalogs: $po is malformed" >&2; status=1; }
  missing="$(msgattrib --untranslated --no-obsolete --no-wrap "$tmp/$lang.po" | msgids)"
  fuzzy="$(msgattrib --only-fuzzy --no-obsolete --no-wrap "$tmp/$lang.po" | msgids)"
  if [ -n "$missing" ]; then
    echo "check-catalogs: $po ($lang) has no translation for:" >&2
    sed 's/^msgid /  /' <<<"$missing" >&2
    status=1
  fi
  if [ -n "$fuzzy" ]; then
    echo "check-catalogs: $po ($lang) has fuzzy (unchecked) translations for:" >&2
    sed 's/^msgid /  /' <<<"$fuzzy" >&2
    status=1
  fi
done
if ((status == 0)); then
  echo "check-catalogs: $domain: $messages messages, every one translated into $(ls "$dir"/*.po | wc -l) languages"
fi
exit "$status"
