#!/usr/bin/env bash
# tools/check-catalogs.sh passes complete catalogs and fails, naming the message, on a message the
# sources use that a catalog lacks, leaves untranslated or marks fuzzy.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d -p "$repo" .check-catalogs-test.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
rel="${tmp#"$repo"/}"
mkdir -p "$tmp/po/demo"
cat >"$tmp/screen.cc" <<'CC'
std::string a = catalog.Get(language, "Insert your ballot");
std::string b = catalog.Plural(language, "%d sheet", "%d sheets", n);
const char* kReasons[] = {N_("Overvoted")};
CC
cat >"$tmp/page.js" <<'JS'
el.textContent = t('Your ballot was counted');
JS
printf '%s\n' "$rel/screen.cc" "$rel/page.js" >"$tmp/po/demo/POTFILES"
header='msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"
'
for lang in ky ru; do
  cat >"$tmp/po/demo/$lang.po" <<PO
$header
msgid "Insert your ballot"
msgstr "[$lang] Insert"

msgid "%d sheet"
msgid_plural "%d sheets"
msgstr[0] "[$lang] %d sheet"
msgstr[1] "[$lang] %d sheets"

msgid "Overvoted"
msgstr "[$lang] Overvoted"

msgid "Your ballot was counted"
msgstr "[$lang] Counted"
PO
done
check() { ESEP_PO_ROOT="$tmp/po" "$repo/tools/check-catalogs.sh" "$@" demo 2>"$tmp/err"; }
fail() { echo "check_catalogs_test: $*" >&2; cat "$tmp/err" >&2; exit 1; }

check >"$tmp/out" || fail "complete catalogs were refused"
grep -q "4 messages, every one translated into 2 languages" "$tmp/out" || fail "wrong summary: $(cat "$tmp/out")"

echo 'x = t("Reader jammed");' >>"$tmp/page.js"
check && fail "a message the sources use but no catalog has passed"
grep -q "Reader jammed" "$tmp/err" || fail "the missing message is not named"

check --update >/dev/null && fail "an untranslated message passed after --update"
grep -q "Reader jammed" "$tmp/err" || fail "the untranslated message is not named"
for lang in ky ru; do
  grep -q 'msgid "Reader jammed"' "$tmp/po/demo/$lang.po" || fail "--update did not add it to $lang.po"
done
[ -f "$tmp/po/demo/demo.pot" ] || fail "--update wrote no template"

for lang in ky ru; do
  python3 - "$tmp/po/demo/$lang.po" "$lang" <<'PY'
import sys
path, lang = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
text = text.replace('msgid "Reader jammed"\nmsgstr ""', f'msgid "Reader jammed"\nmsgstr "[{lang}] Jammed"')
open(path, "w", encoding="utf-8").write(text)
PY
done
check >/dev/null || fail "translated catalogs were refused"

# A message with a newline is written over several lines; untranslated, it is named too.
echo 'y = t("Relations broken:\n{relations}");' >>"$tmp/page.js"
check --update >/dev/null && fail "an untranslated message with a newline passed"
grep -q 'Relations broken:\\n{relations}' "$tmp/err" || fail "the message with a newline is not named"
for lang in ky ru; do
  printf '\nmsgid "Relations broken:\\n{relations}"\nmsgstr "[%s] Broken:\\n{relations}"\n' \
    "$lang" >>"$tmp/po/demo/$lang.po"
  msguniq --use-first -o "$tmp/po/demo/$lang.po" "$tmp/po/demo/$lang.po"
done
check >/dev/null || fail "the translated message with a newline was refused"

sed -i 's/^msgid "Overvoted"/#, fuzzy\nmsgid "Overvoted"/' "$tmp/po/demo/ru.po"
check && fail "a fuzzy translation passed"
grep -q "fuzzy" "$tmp/err" || fail "the fuzzy translation is not reported"
echo "check_catalogs_test: passed"
