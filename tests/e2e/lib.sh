# tests/e2e/lib.sh: sourced by every end-to-end test.
#
# Sourcing it creates a scratch directory ($E2E_DIR, removed on exit) and
# installs an EXIT trap that stops the server (by PID) and any background job
# registered with track_pid. `start_server [ARGS...]` starts
# `$NETKUBE server` on a free loopback port with the data dir $DATA_DIR, waits
# until it serves, and exports KUBECONFIG. Checks count passes and failures;
# `finish` prints "N passed, M failed" and exits 1 if any check failed.
#
# Environment: NETKUBE (the binary; default <repo>/build/netkube), NETKUBE_SRC
# (the repository; default derived from this file), KUBECTL (default kubectl).
# Tests must run inside a private network namespace (scripts/in-netns).

set -u
set -o pipefail

NETKUBE_SRC=${NETKUBE_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
NETKUBE=${NETKUBE:-$NETKUBE_SRC/build/netkube}
KUBECTL=${KUBECTL:-kubectl}
E2E_TESTDATA=$NETKUBE_SRC/tests/e2e/testdata
E2E_NAME=$(basename "${0%.sh}")

E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/netkube-e2e.XXXXXX")
DATA_DIR=$E2E_DIR/data
mkdir -p "$DATA_DIR"
SERVER_PID=""
SERVER_PORT=""
SERVER_LOG=$E2E_DIR/server.log
E2E_BG_PIDS=()
E2E_PASSED=0
E2E_FAILED=0
E2E_FINISHED=0

kubectl() { command "$KUBECTL" "$@"; }

log() { printf '[%s] %s\n' "$E2E_NAME" "$*" >&2; }

# --- checks -----------------------------------------------------------------

pass() { E2E_PASSED=$((E2E_PASSED + 1)); printf 'PASS %s\n' "$1"; }

fail() {
  E2E_FAILED=$((E2E_FAILED + 1))
  printf 'FAIL %s\n' "$1"
  shift
  local line
  for line in "$@"; do printf '     %s\n' "$line"; done
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
  if [[ "$2" == "$3" ]]; then pass "$1"; else
    fail "$1" "expected: $(printf %q "$2")" "got:      $(printf %q "$3")"
  fi
}

# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
  if [[ "$2" == *"$3"* ]]; then pass "$1"; else
    fail "$1" "expected to contain: $3" "got: $(head -c 3000 <<<"$2")"
  fi
}

# expect_not_contains NAME HAYSTACK NEEDLE
expect_not_contains() {
  if [[ "$2" != *"$3"* ]]; then pass "$1"; else
    fail "$1" "expected not to contain: $3" "got: $(head -c 3000 <<<"$2")"
  fi
}

# expect_match NAME STRING ERE
expect_match() {
  if [[ "$2" =~ $3 ]]; then pass "$1"; else
    fail "$1" "expected to match: $3" "got: $(head -c 3000 <<<"$2")"
  fi
}

# expect_ok NAME CMD...: CMD must succeed. Its stdout is kept in $OUT, its
# stderr in $ERR.
expect_ok() {
  local name=$1; shift
  run "$@"
  if [[ $RC -eq 0 ]]; then pass "$name"; else
    fail "$name" "command: $*" "exit $RC" "stdout: $(head -c 2000 <<<"$OUT")" "stderr: $(head -c 2000 <<<"$ERR")"
  fi
}

# expect_fail NAME TEXT CMD...: CMD must fail and its stderr contain TEXT.
expect_fail() {
  local name=$1 text=$2; shift 2
  run "$@"
  if [[ $RC -eq 0 ]]; then
    fail "$name" "command: $*" "expected failure, exit 0" "stdout: $(head -c 2000 <<<"$OUT")"
  elif [[ "$ERR" != *"$text"* ]]; then
    fail "$name" "command: $*" "exit $RC; stderr expected to contain: $text" "stderr: $(head -c 2000 <<<"$ERR")"
  else
    pass "$name"
  fi
}

# run CMD...: runs CMD and sets OUT (stdout), ERR (stderr) and RC.
run() {
  local errf=$E2E_DIR/.stderr
  OUT=$("$@" 2>"$errf")
  RC=$?
  ERR=$(cat "$errf")
}

# wait_for DESCRIPTION TRIES CMD...: polls CMD every 0.2 s until it succeeds,
# at most TRIES times. Returns 1 (without counting a failure) if it never did.
wait_for() {
  local desc=$1 tries=$2 i; shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "gave up waiting for: $desc"
  return 1
}

finish() {
  E2E_FINISHED=1
  printf '%s: %d passed, %d failed\n' "$E2E_NAME" "$E2E_PASSED" "$E2E_FAILED"
  if [[ $E2E_FAILED -gt 0 ]]; then exit 1; fi
  exit 0
}

# die MESSAGE: a fatal setup error; counts a failure and ends the test.
die() {
  fail "$E2E_NAME: $1"
  if [[ -s "$SERVER_LOG" ]]; then
    log "last lines of the server log:"
    tail -n 30 "$SERVER_LOG" >&2
  fi
  finish
}

# --- the server ---------------------------------------------------------------

# free_port: prints a loopback TCP port nobody listens on.
free_port() {
  local port i
  for ((i = 0; i < 100; i++)); do
    port=$((20000 + RANDOM % 30000))
    if ! ss -Htln "sport = :$port" | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# start_server [EXTRA SERVER ARGS...]: starts the server on $DATA_DIR (a port
# is chosen unless SERVER_PORT is set), waits until /readyz answers through the
# kubeconfig, exports KUBECONFIG and writes the admin credentials for curl.
start_server() {
  [[ -x "$NETKUBE" ]] || die "no netkube binary at $NETKUBE (set NETKUBE)"
  [[ -n "$SERVER_PORT" ]] || SERVER_PORT=$(free_port) || die "no free port"
  rm -f "$DATA_DIR/admin.kubeconfig"
  "$NETKUBE" server --data-dir "$DATA_DIR" --listen "127.0.0.1:$SERVER_PORT" "$@" >>"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited during start-up"
    [[ -s "$DATA_DIR/admin.kubeconfig" ]] && break
    sleep 0.1
  done
  [[ -s "$DATA_DIR/admin.kubeconfig" ]] || die "no admin.kubeconfig after 30 s"
  export KUBECONFIG=$DATA_DIR/admin.kubeconfig
  SERVER_URL=https://127.0.0.1:$SERVER_PORT
  write_admin_credentials
  wait_for "the server to be ready" 150 kubectl get --raw /readyz || die "the server is not ready"
}

# stop_server: SIGTERM, then waits (bounded) for a clean exit. Returns the
# server's exit status (137 if it had to be killed).
stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  local pid=$SERVER_PID i rc
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "the server did not stop on SIGTERM within 15 s; killing it"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  rc=$?
  SERVER_PID=""
  return $rc
}

# kill9_server: kills the server with SIGKILL and reaps it.
kill9_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill -KILL "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}

# server_alive NAME: a check that the server process still runs and answers.
server_alive() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null &&
     kubectl get --raw /readyz >/dev/null 2>&1; then
    pass "$1"
  else
    fail "$1" "the server is not serving any more"
    tail -n 20 "$SERVER_LOG" >&2
  fi
}

# write_admin_credentials: the CA, client certificate and key of the admin
# kubeconfig, as files for curl ($CA_CRT, $ADMIN_CRT, $ADMIN_KEY).
write_admin_credentials() {
  CA_CRT=$E2E_DIR/ca.crt
  ADMIN_CRT=$E2E_DIR/admin.crt
  ADMIN_KEY=$E2E_DIR/admin.key
  kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$CA_CRT"
  kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d >"$ADMIN_CRT"
  kubectl config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d >"$ADMIN_KEY"
}

# kcurl PATH [CURL ARGS...]: curl as the admin. Prints the body; the HTTP
# status is appended on a last line of its own.
kcurl() {
  local path=$1; shift
  curl -sS --max-time 20 --cacert "$CA_CRT" --cert "$ADMIN_CRT" --key "$ADMIN_KEY" \
    -w '\n%{http_code}\n' "$@" "$SERVER_URL$path"
}

# anon_curl PATH [CURL ARGS...]: curl without credentials (still verifying the CA).
anon_curl() {
  local path=$1; shift
  curl -sS --max-time 20 --cacert "$CA_CRT" -w '\n%{http_code}\n' "$@" "$SERVER_URL$path"
}

# http_status TEXT: the last line of a kcurl/anon_curl output.
http_status() { tail -n 1 <<<"$1"; }
# http_body TEXT: everything but the last line.
http_body() { sed '$d' <<<"$1"; }

# track_pid PID: a background job killed on exit.
track_pid() { E2E_BG_PIDS+=("$1"); }

e2e_cleanup() {
  local rc=$? pid
  for pid in "${E2E_BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    local i
    for ((i = 0; i < 100; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [[ $E2E_FINISHED -eq 0 ]]; then
    printf '%s: ended early (exit %d): %d passed, %d failed\n' "$E2E_NAME" "$rc" "$E2E_PASSED" "$((E2E_FAILED + 1))"
    if [[ -s "$SERVER_LOG" ]]; then tail -n 20 "$SERVER_LOG" >&2; fi
    rm -rf "$E2E_DIR"
    exit 1
  fi
  if [[ $E2E_FAILED -gt 0 && -s "$SERVER_LOG" ]]; then
    log "server log (last 40 lines):"
    tail -n 40 "$SERVER_LOG" >&2
  fi
  rm -rf "$E2E_DIR"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM
