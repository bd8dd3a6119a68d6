# bench/report_lib.sh: report helpers sourced by the benchmark scripts.
# REQUIRES: $REPORT set to the report file.
#
# say TEXT...: prints a report line and appends it to $REPORT.
say() { echo "$*" | tee -a "$REPORT"; }
# field LINE KEY: the value of KEY=VALUE in a RESULT line ("" if absent).
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
# ratio A B: A/B to 2 decimals ("-" if either is empty or B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
# verdict VALUE GOAL le|ge: "meets", "MISSES" or "n/a" (no value).
verdict() {
  awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN {
    if (v == "") { print "n/a"; exit }
    ok = (op == "le") ? (v + 0 <= g + 0) : (v + 0 >= g + 0); print ok ? "meets" : "MISSES" }'
}
# goal_row LABEL VALUE UNIT GOAL le|ge [NOTE]: one report line with the goal
# and the verdict ("-" and no verdict without a goal).
goal_row() {
  local label=$1 value=$2 unit=$3 goal=$4 op=$5 note=${6:-} goal_txt="-" verdict_txt=""
  if [[ -n "$goal" ]]; then
    goal_txt="$([[ $op == le ]] && echo "<=" || echo ">=")$goal"
    [[ "$value" =~ ^[0-9.]+$ ]] && verdict_txt="$(verdict "$value" "$goal" "$op")" || verdict_txt="n/a"
  fi
  printf '  %-52s %10s %-5s goal %-8s %-7s %s\n' "$label" "${value:-n/a}" "$unit" "$goal_txt" "$verdict_txt" "$note" |
    tee -a "$REPORT"
}
# load_note: the load average, as a report line.
load_note() { say "    load average now: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"; }

# Processes a benchmark started go in PIDS, its scratch directory is TMP.
# stop PID: TERM, up to 5 s, then KILL; only processes the script started.
stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}
# bench_cleanup NAME (the EXIT trap): stops every process in PIDS, removes
# TMP unless BENCH_KEEP_TMP=1.
bench_cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop "$pid"; done
  if [[ "${BENCH_KEEP_TMP:-0}" == 1 ]]; then echo "$1: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
# start_api_server NAME: `$NETKUBE server` on 127.0.0.1:16443 (memory store, no
# controllers) with its data under $TMP/server; waits for /readyz and sets
# SERVER_PID (added to PIDS) and KC (its admin kubeconfig). Exits naming NAME
# when the server dies first.
start_api_server() {
  mkdir -p "$TMP/server"
  "$NETKUBE" server --data-dir "$TMP/server" --listen 127.0.0.1:16443 --datastore memory --no-controllers \
    >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  KC="$TMP/server/admin.kubeconfig"
  for _ in $(seq 300); do
    [[ -s "$KC" ]] && kubectl --kubeconfig "$KC" --request-timeout=2s get --raw /readyz >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$1: netkube server exited:" >&2; tail -20 "$TMP/server.log" >&2; exit 1; }
    sleep 0.1
  done
}
