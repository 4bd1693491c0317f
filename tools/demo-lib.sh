# Shared by tools/run-demo.sh and tools/run-demo-november.sh (sourced, not run). The caller sets
# esep, esepd (binaries), election, demo (work directory), socket, and optionally reader_key (the
# reader's --pkcs11-* flags). Provides wait_for_sheets and start_daemon; `daemon` and `centre`
# hold the pids killed on exit.
demo_name=$(basename "$0" .sh)

wait_for_sheets() {  # wait until esepd has read N sheets in all
  for _ in $(seq 1 600); do
    local read
    read=$("$esep" poll status --socket "$socket" 2>/dev/null | sed -n 's/^sheets read: \([0-9]*\).*/\1/p')
    [ "${read:-0}" -ge "$1" ] && return 0
    sleep 0.1
  done
  echo "$demo_name: esepd did not read $1 sheets in time" >&2
  return 1
}

start_daemon() {  # start_daemon DECK [esepd flags...]
  local deck=$1 setup=()
  shift
  # The first start sets the reader up (its key and an empty store); later ones never do.
  [ -e "$demo/store/esep.db" ] || setup=(--new-reader)
  "$esepd" --election "$election" --precinct 1001 --data-dir "$demo/store" --socket "$socket" \
    --sim "$demo/$deck" --calibration "$demo/calibration.pb" ${reader_key[@]+"${reader_key[@]}"} \
    "${setup[@]}" "$@" >>"$demo/esepd.log" 2>&1 &
  daemon=$!
  for _ in $(seq 1 100); do
    "$esep" poll status --socket "$socket" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$demo_name: esepd did not start; see $demo/esepd.log" >&2
  cat "$demo/esepd.log" >&2
  return 1
}
trap '[ -n "${daemon:-}" ] && kill "$daemon" 2>/dev/null; [ -n "${centre:-}" ] && kill "$centre" 2>/dev/null; true' EXIT
