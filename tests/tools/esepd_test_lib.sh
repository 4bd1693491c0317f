# Shared by the shell tests that run esepd over a simulated reader (sourced, not run).
# The caller sets: esep, esepd (binaries), election (definition), work (scratch directory).
# Provides: fail, render_presidential_deck, calibrate_reader, start (esepd over a deck), poll,
# sheets_read, close_and_finalize, logic_and_accuracy_test; `daemon` holds esepd's pid and is
# killed on exit.
socket=$work/esepd.sock
trap 'if [ -n "${daemon:-}" ]; then kill -9 "$daemon" 2>/dev/null || true; fi; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; tail -30 "$work/esepd.log" >&2 2>/dev/null || true; exit 1; }

# One test ballot in $work/test and LIVE presidential ballots in $work/live, votes in rotation.
render_presidential_deck() {  # render_presidential_deck LIVE
  mkdir -p "$work/test" "$work/live"
  "$esep" render --election "$election" --style president --precinct 1001 --test --mark japarov \
    --out "$work/test/01.png" >/dev/null
  local i who
  for i in $(seq 1 "$1"); do
    case $((i % 3)) in 0) who=japarov ;; 1) who=madumarov ;; 2) who=tolbaev ;; esac
    "$esep" render --election "$election" --style president --precinct 1001 --mark "$who" \
      --mark-style cross --seed "$i" --out "$work/live/$(printf '%02d' "$i").png" >/dev/null
  done
}

# The simulated reader's calibration profile, as a technician makes it before election day.
calibrate_reader() {
  "$esep" render --calibration-sheet --out "$work/calibration-sheet.png" >/dev/null
  "$esep" calibrate "$work/calibration-sheet.png" --serial-number SIM-0001 \
    --out "$work/calibration.pb" >/dev/null
}

start() {  # start DECK [esepd flags...]
  local deck=$1 setup=()
  shift
  # The first start sets the reader up (its key and an empty store); later ones never do.
  [ -e "$work/store/esep.db" ] || setup=(--new-reader)
  "$esepd" --election "$election" --precinct 1001 --data-dir "$work/store" --socket "$socket" \
    --sim "$work/$deck" --calibration "$work/calibration.pb" "${setup[@]}" "$@" >>"$work/esepd.log" 2>&1 &
  daemon=$!
  # A socket file may be left by a killed daemon: wait for an answer, not for the file.
  for _ in $(seq 1 200); do "$esep" poll status --socket "$socket" >/dev/null 2>&1 && return 0; sleep 0.05; done
  fail "esepd did not start"
}
poll() { "$esep" poll "$@" --socket "$socket"; }
sheets_read() { poll status | sed -n 's/^sheets read: \([0-9]*\).*/\1/p'; }

# The end of the three-voter presidential day: once SHEETS sheets are read, close the polls, enter
# the commission's lines ($work/lines.json) and make the protocol final ($work/protocol.signed.pb).
close_and_finalize() {  # close_and_finalize SHEETS
  for _ in $(seq 1 400); do [ "$(sheets_read)" -ge "$1" ] && break; sleep 0.05; done
  poll close --yes >/dev/null
  cat >"$work/lines.json" <<'JSON'
{"voters_on_list": 2150, "ballots_received": 120, "ballots_issued_in_room": 3,
 "ballots_issued_outside": 0, "ballots_cancelled": 117, "ballots_in_mobile_boxes": 0}
JSON
  poll lines --file "$work/lines.json" >/dev/null
  poll finalize --yes --out "$work/protocol.signed.pb" >/dev/null || fail "finalize: $(poll draft)"
}

# The logic-and-accuracy test over the deck "test" (one ballot), then esepd stopped.
logic_and_accuracy_test() {
  start test
  poll start-test >/dev/null
  for _ in $(seq 1 200); do [ "$(sheets_read)" -ge 1 ] && break; sleep 0.05; done
  poll finish-test >/dev/null
  kill "$daemon"; wait "$daemon" || true
  daemon=
}
