#!/usr/bin/env bash
# The Debian packages install and work. cpack makes esep-tools, esep-reader and esep-centre from
# the build tree; dpkg installs them into an empty root with their maintainer scripts (chrootless,
# DPKG_ROOT), and the test checks what a technician relies on: the esep system user, the files in
# their places, the configuration as conffiles, the units accepted by systemd-analyze verify,
# --version of every installed binary matching its own SHA-256, the manual pages, shell
# completion, and that removing a package never removes ballot data.
# usage: package_install_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

(cd "$build" && cpack -G DEB -B "$work/packages" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack could not make the packages"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
debs=()
for p in esep-tools esep-reader esep-centre; do
  deb="$work/packages/${p}_${version}_$(dpkg --print-architecture).deb"
  [ -f "$deb" ] || fail "no package $deb"
  debs+=("$deb")
done

echo "== dependencies"
for deb in "${debs[@]}"; do
  depends=$(dpkg-deb -f "$deb" Depends)
  echo "$(dpkg-deb -f "$deb" Package): $depends"
  [[ $depends == *libc6* ]] || fail "$deb: no shared-library dependencies found"
done
[[ $(dpkg-deb -f "${debs[1]}" Depends) == *"esep-tools (= $version)"* ]] ||
  fail "esep-reader does not depend on the same version of esep-tools"

root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc" "$root/var/log"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg_root=(dpkg --root="$root" --force-script-chrootless --force-depends --force-not-root
  --log="$root/var/log/dpkg.log")
echo "== install into $root"
"${dpkg_root[@]}" -i "${debs[@]}" >"$work/dpkg.log" 2>&1 ||
  { cat "$work/dpkg.log" >&2; fail "dpkg could not install the packages"; }
for p in esep-tools esep-reader esep-centre; do
  status=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' "$p")
  [ "$status" = "install ok installed" ] || fail "$p is '$status'"
done

echo "== the esep system user"
grep -q '^esep:x:[0-9]*:[0-9]*:.*:/var/lib/esep:/usr/sbin/nologin$' "$root/etc/passwd" ||
  fail "postinst made no esep system user: $(cat "$root/etc/passwd" 2>/dev/null)"
grep -q '^esep:' "$root/etc/group" || fail "postinst made no esep group"

echo "== files"
for f in usr/bin/esep usr/bin/esepd usr/bin/esep-tabulator \
  usr/lib/systemd/system/esepd.service usr/lib/systemd/system/esep-centre.service \
  usr/lib/udev/rules.d/70-esep-reader.rules etc/esep/esepd.conf etc/esep/esep-centre.conf \
  usr/share/man/man1/esep.1.gz usr/share/man/man8/esepd.8.gz usr/share/man/man8/esep-tabulator.8.gz \
  usr/share/bash-completion/completions/esep usr/share/doc/esep-tools/esepd.md; do
  [ -f "$root/$f" ] || fail "not installed: /$f"
done
conffiles=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Conffiles}' esep-reader)
[[ $conffiles == *"/etc/esep/esepd.conf"* ]] || fail "esepd.conf is not a conffile"
grep -q 'ATTR{idVendor}=="1209", ATTR{idProduct}=="e5e9".*GROUP="esep"' \
  "$root/usr/lib/udev/rules.d/70-esep-reader.rules" || fail "the udev rule does not give the reader to esep"

echo "== --version of the installed binaries"
for b in esep esepd esep-tabulator; do
  out=$("$root/usr/bin/$b" --version)
  echo "$out" | head -n 1
  [[ $(echo "$out" | head -n 1) == "$b (Esep) $version" ]] || fail "$b --version: $out"
  hash=$(sha256sum "$root/usr/bin/$b" | cut -d' ' -f1)
  [[ $out == *"executable SHA-256 $hash"* ]] || fail "$b reports another SHA-256 than its file's ($hash)"
  [[ $out =~ source\ commit\ [0-9a-f]{40} ]] || fail "$b names no source commit"
done

echo "== units"
if [ -f /usr/lib/systemd/system/sysinit.target ]; then
  # systemd-analyze resolves the units' dependencies in the root: give it systemd's own units.
  cp -rn /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
  for u in esepd.service esep-centre.service; do
    out=$(systemd-analyze verify --root="$root" "/usr/lib/systemd/system/$u" 2>&1) ||
      fail "systemd-analyze verify $u: $out"
    [ -z "$out" ] || fail "systemd-analyze verify $u: $out"
    echo "$u: verified"
  done
else
  fail "systemd's units are not on this machine (tools/deps.sh installs systemd)"
fi
for u in esepd.service esep-centre.service; do
  grep -q '^AssertPathExists=/etc/esep/' "$root/usr/lib/systemd/system/$u" ||
    fail "$u starts without its configuration"
  grep -q '^RestartPreventExitStatus=2 3$' "$root/usr/lib/systemd/system/$u" ||
    fail "$u restarts on a configuration error"
done

echo "== manual pages"
for page in man1/esep.1.gz man8/esepd.8.gz man8/esep-tabulator.8.gz; do
  text=$(MANWIDTH=100 man -l "$root/usr/share/man/$page" 2>"$work/man.err")
  [ ! -s "$work/man.err" ] || fail "$page: $(cat "$work/man.err")"
  [[ $text == *"--help"* ]] || fail "$page has no flags"
done
MANWIDTH=100 man -l "$root/usr/share/man/man1/esep.1.gz" 2>/dev/null | grep -q 'esep poll COMMAND' ||
  fail "esep(1) lacks the poll subcommand's help"

echo "== completion"
complete_words() {
  PATH="$root/usr/bin:$PATH" bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _esep_complete
    printf "%s\n" "${COMPREPLY[@]}"' _ "$root/usr/share/bash-completion/completions/esep" "$@"
}
[[ $(complete_words esep po) == poll ]] || fail "esep po<TAB>: $(complete_words esep po)"
[[ $(complete_words esep poll fin) == *finalize* ]] || fail "esep poll fin<TAB>"
[[ $(complete_words esep poll --so) == --socket ]] || fail "esep poll --so<TAB>"
[[ $(complete_words esepd --new) == --new-reader ]] || fail "esepd --new<TAB>"
[[ $(complete_words esep-tabulator reg | sort | tr '\n' ' ') == "register-reader register-readers " ]] ||
  fail "esep-tabulator reg<TAB>: $(complete_words esep-tabulator reg)"
[[ $(complete_words esep-tabulator register-readers --fi) == --file ]] ||
  fail "esep-tabulator register-readers --fi<TAB>"
echo "completes commands, subcommands and flags"

echo "== removal keeps ballot data"
mkdir -p "$root/var/lib/esep"
echo evidence >"$root/var/lib/esep/esep.db"
"${dpkg_root[@]}" --purge esep-reader >"$work/dpkg.log" 2>&1 ||
  { cat "$work/dpkg.log" >&2; fail "dpkg could not purge esep-reader"; }
[ ! -e "$root/usr/bin/esepd" ] || fail "esepd remains after purge"
[ "$(cat "$root/var/lib/esep/esep.db")" = evidence ] || fail "purge touched the tally store"
echo "PASS"
