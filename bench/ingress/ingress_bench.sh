#!/usr/bin/env bash
# bench/ingress/ingress_bench.sh: the ingress benchmarks of issue 11, netkube
# and its anchors in one run, same backend, same cores, each number beside its
# goal, with ratios:
#   1. HTTP/1.1 keep-alive through a reverse proxy: wrk --latency, 64
#      connections (two runs per proxy in the order A B C C B A, mean shown),
#      then 1 and 512; req/s, p50, p99 and CPU time per request of the proxy.
#      Proxies: `netkube ingress` (standalone, fed by `netkube server`),
#      Debian's nginx as the equivalent reverse proxy (upstream keepalive 320,
#      the X-Forwarded-* headers ingress-nginx sets, access log) and HAProxy
#      (http-reuse always, the same headers, access log).
#      Goal: netkube >= 1.2x nginx req/s at 64 connections, p99 <= nginx's.
#   2. HTTPS: TLS 1.3 keep-alive (wrk, 64 connections); new TLS connections
#      per second (wrk with Connection: close: one handshake per request);
#      HTTP/2 with h2load (64 connections, 10 streams each) where the proxy
#      negotiates h2 (else n/a).
#   3. Route programming: with BENCH_INGRESS_BULK (1,000) Ingresses present,
#      an Ingress POSTed -> its host answers 200 through the proxy, p50/p99
#      over BENCH_INGRESS_PROGRAMMING (50) creations; goal p99 <= 100 ms.
#   4. Memory: RSS of `netkube ingress` holding 1,000 Ingresses (2,000 hosts),
#      10,000 endpoints and 500 TLS certificates; goal <= 64 MB.
#
# Everything runs inside scripts/in-netns (only loopback; 10.99.0.1/32 is
# added to lo for the backend, as the API refuses loopback endpoints). One
# backend for all: Debian's nginx answering a 100-byte body on
# 10.99.0.1:18080. Ports on 127.0.0.1: netkube server 16443; netkube ingress
# 18081 (http) / 18444 (https) / 18254 (status); nginx 18082 / 18445; HAProxy
# 18083 / 18446; the second netkube ingress (steps 3-4) 18091 / 18454 / 18264.
# The three proxies run with the same number of worker threads/processes
# (BENCH_INGRESS_THREADS, 2), unpinned, sharing the machine's cores with wrk
# and the backend. TLS: one EC P-256 certificate for all three.
# Every process started here is killed by PID on exit (trap); the scratch
# directory is removed (BENCH_KEEP_TMP=1 keeps it).
#
# Env: BUILD (default build; needs netkube), BENCH_INGRESS_SECONDS (10: each
#      wrk/h2load run), BENCH_INGRESS_THREADS (2), BENCH_INGRESS_BULK (1000),
#      BENCH_INGRESS_ENDPOINTS (10 per Service), BENCH_INGRESS_TLS (500),
#      BENCH_INGRESS_PROGRAMMING (50), BENCH_INGRESS_PROXIES ("netkube nginx haproxy").
# Output: stdout and bench/results/ingress.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ "${NETKUBE_IN_NETNS:-}" != "1" ]]; then
  exec "$ROOT/scripts/in-netns" bash "${BASH_SOURCE[0]}" "$@"
fi
BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
NETKUBE="$BUILD/netkube"
SECS=${BENCH_INGRESS_SECONDS:-10}
THREADS=${BENCH_INGRESS_THREADS:-2}
BULK=${BENCH_INGRESS_BULK:-1000}
EPS=${BENCH_INGRESS_ENDPOINTS:-10}
TLS_N=${BENCH_INGRESS_TLS:-500}
PROG_N=${BENCH_INGRESS_PROGRAMMING:-50}
PROXIES=${BENCH_INGRESS_PROXIES:-netkube nginx haproxy}
LOADER="$ROOT/bench/ingress/ingress_loader.py"
for tool in wrk h2load nginx haproxy openssl kubectl python3; do
  command -v "$tool" >/dev/null || { echo "ingress_bench: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

source "$ROOT/bench/report_lib.sh"  # say, field, ratio, verdict, goal_row, load_note, stop, bench_cleanup, start_api_server
TMP=$(mktemp -d "${TMPDIR:-/tmp}/netkube-ingress-bench.XXXXXX")
chmod 755 "$TMP"
PIDS=()
trap "bench_cleanup ingress_bench" EXIT
trap 'exit 130' INT TERM

# A private copy of the binary: a rebuild of $BUILD/netkube during the run (the
# machine is shared) must not change what steps 3-4 run.
if [[ -x "$NETKUBE" ]]; then
  NETKUBE_BUILT=$(date -u -r "$NETKUBE" '+%Y-%m-%d %H:%M UTC')
  cp "$NETKUBE" "$TMP/netkube"
  NETKUBE="$TMP/netkube"
fi
REPORT="$TMP/report.txt"
: >"$TMP/raw.txt"
rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null; }
hwm_mb() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null; }
# cpu_ticks PID: utime+stime of PID and its children processes (nginx's workers), in clock ticks.
cpu_ticks() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
HZ=$(getconf CLK_TCK)
# backend_accepts: connections the backend has accepted so far (nginx stub_status).
backend_accepts() { curl -s --max-time 2 "http://10.99.0.1:18080/__backend_status" | awk 'NR == 3 {print $1}'; }
now_s() { date +%s.%N; }

say "netkube ingress benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
say "  commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), build $(basename "$BUILD")" \
  "($(awk -F= '/^CMAKE_BUILD_TYPE/ {print $2}' "$BUILD/CMakeCache.txt" 2>/dev/null || echo '?')), netkube binary built ${NETKUBE_BUILT:-?}"
DIRTY=$(git -C "$ROOT" status --porcelain -- src cmake CMakeLists.txt 2>/dev/null | awk '{print $2}' | tr '\n' ' ')
[[ -n "$DIRTY" ]] && say "  NOTE: the build includes uncommitted changes of other work in progress: $DIRTY"
say "  machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r)"
say "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other builds share these cores: expect run-to-run spread)"
say "  anchors in the same run, same backend, same cores: $(nginx -v 2>&1 | sed 's/.*: //'), $(haproxy -v | head -1 | cut -d' ' -f1-3);"
say "  load: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), h2load $(h2load --version 2>&1 | head -1 | awk '{print $NF}'), $(openssl version | cut -d' ' -f1-2)"
say ""

# --- backend, certificate ---------------------------------------------------------------------
ip addr add 10.99.0.1/32 dev lo
BACKEND=10.99.0.1:18080
mkdir -p "$TMP/backend" "$TMP/tls"
BODY=$(printf 'x%.0s' $(seq 99))
cat >"$TMP/backend/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process on;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 100000;
  keepalive_timeout 120s;
  client_body_temp_path $TMP/backend;
  proxy_temp_path $TMP/backend;
  fastcgi_temp_path $TMP/backend;
  uwsgi_temp_path $TMP/backend;
  scgi_temp_path $TMP/backend;
  server {
    listen $BACKEND reuseport backlog=4096;
    location / { default_type text/plain; return 200 "$BODY\n"; }
    location = /__backend_status { stub_status; }
  }
}
EOF
nginx -c "$TMP/backend/nginx.conf" -p "$TMP/backend" 2>"$TMP/backend/stderr" &
BACKEND_PID=$!
PIDS+=("$BACKEND_PID")
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=bench.local" \
  -addext "subjectAltName=DNS:bench.local" -keyout "$TMP/tls/bench.key" -out "$TMP/tls/bench.crt" 2>/dev/null
cat "$TMP/tls/bench.crt" "$TMP/tls/bench.key" >"$TMP/tls/bench.pem"
for _ in $(seq 50); do curl -s -o /dev/null "http://$BACKEND/" && break; sleep 0.1; done
curl -sf -o /dev/null "http://$BACKEND/" || { echo "ingress_bench: the backend does not answer" >&2; cat "$TMP/backend/stderr" >&2; exit 1; }

# --- the API server and netkube ingress -----------------------------------------------------------
HAVE_NETKUBE=0
if [[ " $PROXIES " == *" netkube "* ]]; then
  if [[ -x "$NETKUBE" ]] && "$NETKUBE" ingress --help >/dev/null 2>&1; then
    HAVE_NETKUBE=1
  else
    say "  NOTE: $NETKUBE has no working \`ingress\` subcommand yet: netkube's rows are n/a (anchors only)."
  fi
fi
KC=""
if [[ $HAVE_NETKUBE == 1 ]]; then
  mkdir -p "$TMP/creds"
  start_api_server ingress_bench
  kc() { kubectl --kubeconfig "$KC" config view --raw --minify -o jsonpath="$1"; }
  kc '{.clusters[0].cluster.server}' >"$TMP/creds/server.txt"
  kc '{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$TMP/creds/ca.crt"
  kc '{.users[0].user.client-certificate-data}' | base64 -d >"$TMP/creds/client.crt"
  kc '{.users[0].user.client-key-data}' | base64 -d >"$TMP/creds/client.key"
  kubectl --kubeconfig "$KC" apply -f - >/dev/null <<'EOF'
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations:
    ingressclass.kubernetes.io/is-default-class: "true"
spec:
  controller: k8s.io/ingress-nginx
EOF
  # Client keep-alive requests per connection as high for all three (nginx
  # keepalive_requests, HAProxy: no limit), so h2load's connections live.
  kubectl --kubeconfig "$KC" create configmap ingress-bench --from-literal=keep-alive-requests=100000 >/dev/null
  kubectl --kubeconfig "$KC" create secret tls bench-tls --cert="$TMP/tls/bench.crt" --key="$TMP/tls/bench.key" >/dev/null
  python3 "$LOADER" backend "$TMP/creds" default 10.99.0.1 18080
  # The throughput route: a rule without host (any Host, as the anchors), / -> backend.
  python3 "$LOADER" ingress "$TMP/creds" default main ""
fi

# start_netkube HTTP HTTPS STATUS LOG: `netkube ingress` in the background, its access
# log (stdout) to LOG, its own log to LOG.err; sets STARTED_PID. No status
# writes (no Service to publish here).
start_netkube() {
  "$NETKUBE" ingress --kubeconfig "$KC" --http-port "$1" --https-port "$2" --healthz-port "$3" \
    --threads "$THREADS" --default-ssl-certificate default/bench-tls --configmap default/ingress-bench \
    --update-status=false >"$4" 2>"$TMP/netkube-$1.err" &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}
# wait_http URL PID SECONDS [CURL ARGS]: until URL answers 200; prints the seconds it took.
wait_http() {
  local url=$1 pid=$2 limit=$3 start
  shift 3
  start=$(now_s)
  while :; do
    if [[ "$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" 2>/dev/null)" == 200 ]]; then
      awk -v s="$start" -v e="$(now_s)" 'BEGIN {printf "%.2f", e - s}'
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    awk -v s="$start" -v e="$(now_s)" -v l="$limit" 'BEGIN {exit !(e - s > l)}' && return 1
    sleep 0.05
  done
}

# --- nginx and HAProxy as the equivalent reverse proxies -----------------------------------------------
mkdir -p "$TMP/nginx" "$TMP/haproxy"
# nginx: what ingress-nginx generates for one Ingress, reduced to the data path:
# upstream keepalive 320, HTTP/1.1 upstream, the X-Forwarded-* headers and
# X-Request-ID, the upstreaminfo access log (to /dev/null), TLS 1.2/1.3 with a session cache, h2.
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes $THREADS;
daemon off;
master_process on;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; multi_accept on; }
http {
  log_format upstreaminfo '\$remote_addr - \$remote_user [\$time_local] "\$request" \$status \$body_bytes_sent '
                          '"\$http_referer" "\$http_user_agent" \$request_length \$request_time [backend] [] '
                          '\$upstream_addr \$upstream_response_length \$upstream_response_time \$upstream_status \$request_id';
  access_log /dev/null upstreaminfo;
  keepalive_timeout 75s;
  keepalive_requests 100000;
  client_body_temp_path $TMP/nginx;
  proxy_temp_path $TMP/nginx;
  fastcgi_temp_path $TMP/nginx;
  uwsgi_temp_path $TMP/nginx;
  scgi_temp_path $TMP/nginx;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:SSL:10m;
  ssl_session_timeout 10m;
  ssl_certificate $TMP/tls/bench.crt;
  ssl_certificate_key $TMP/tls/bench.key;
  upstream backend {
    server $BACKEND max_fails=0;
    keepalive 320;
    keepalive_requests 10000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:18082 reuseport backlog=4096;
    listen 127.0.0.1:18445 ssl http2 reuseport backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Request-ID \$request_id;
      proxy_set_header X-Real-IP \$remote_addr;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Forwarded-Port \$server_port;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Scheme \$scheme;
      proxy_connect_timeout 5s;
      proxy_read_timeout 60s;
      proxy_send_timeout 60s;
      proxy_buffering on;
    }
  }
}
EOF
# HAProxy: the same headers and log, server-side connection reuse (http-reuse always).
cat >"$TMP/haproxy/haproxy.cfg" <<EOF
global
  nbthread $THREADS
  maxconn 8000
  log stdout format raw local0
  ssl-default-bind-options ssl-min-ver TLSv1.2
  tune.ssl.cachesize 20000
defaults
  mode http
  log global
  option httplog
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 75s
  maxconn 8000
frontend fe
  bind 127.0.0.1:18083
  bind 127.0.0.1:18446 ssl crt $TMP/tls/bench.pem alpn h2,http/1.1
  unique-id-format %{+X}o\ %ci%cp%fi%fp%Ts%rt%pid
  http-request set-header X-Request-ID %[unique-id]
  http-request set-header X-Real-IP %[src]
  http-request set-header X-Forwarded-For %[src]
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  http-request set-header X-Forwarded-Port %[dst_port]
  http-request set-header X-Forwarded-Proto https if { ssl_fc }
  http-request set-header X-Forwarded-Proto http if !{ ssl_fc }
  http-request set-header X-Forwarded-Scheme https if { ssl_fc }
  http-request set-header X-Forwarded-Scheme http if !{ ssl_fc }
  default_backend be
backend be
  server s1 $BACKEND pool-max-conn 320 pool-purge-delay 60s
EOF

declare -A HTTP_PORT HTTPS_PORT PID_OF
HTTP_PORT=([netkube]=18081 [nginx]=18082 [haproxy]=18083)
HTTPS_PORT=([netkube]=18444 [nginx]=18445 [haproxy]=18446)
UP=()
for kind in $PROXIES; do
  case $kind in
    netkube)
      [[ $HAVE_NETKUBE == 1 ]] || continue
      start_netkube 18081 18444 18254 /dev/null ;;
    nginx)
      nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" 2>"$TMP/nginx/stderr" &
      STARTED_PID=$!
      PIDS+=("$STARTED_PID") ;;
    haproxy)
      haproxy -db -f "$TMP/haproxy/haproxy.cfg" >/dev/null 2>"$TMP/haproxy/stderr" &
      STARTED_PID=$!
      PIDS+=("$STARTED_PID") ;;
    *) echo "ingress_bench: unknown proxy $kind" >&2; exit 1 ;;
  esac
  PID_OF[$kind]=$STARTED_PID
  if t=$(wait_http "http://127.0.0.1:${HTTP_PORT[$kind]}/" "$STARTED_PID" 60); then
    UP+=("$kind")
    echo "RESULT step=start proxy=$kind ready_s=$t" >>"$TMP/raw.txt"
  else
    say "  $kind did not answer on :${HTTP_PORT[$kind]}; its log:"
    { tail -5 "$TMP/$kind"-*.err "$TMP/$kind/stderr" 2>/dev/null || true; } | sed 's/^/      /' | tee -a "$REPORT"
    stop "$STARTED_PID"
  fi
done
# The TLS version each proxy negotiates.
declare -A TLSVER
for kind in "${UP[@]}"; do
  TLSVER[$kind]=$(openssl s_client -connect "127.0.0.1:${HTTPS_PORT[$kind]}" -servername bench.local </dev/null 2>/dev/null |
    grep -o 'New, TLSv[0-9.]*' | head -1 | cut -d' ' -f2)
done

# --- load runs ---------------------------------------------------------------------------------------
# to_ms VALUE: wrk's "1.23ms" / "456.00us" / "1.01s" in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
# wrk_run NAME KIND CONNS WRK_THREADS SCHEME [EXTRA WRK ARGS]: one run; appends a RESULT line.
wrk_run() {
  local name=$1 kind=$2 conns=$3 wthreads=$4 scheme=$5 port out c0 c1 a0 a1 rps p50 p99 errors non2xx reqs cpu
  shift 5
  port=$([[ $scheme == https ]] && echo "${HTTPS_PORT[$kind]}" || echo "${HTTP_PORT[$kind]}")
  out="$TMP/wrk-$name-$kind-$(date +%s%N).txt"
  c0=$(cpu_ticks "${PID_OF[$kind]}")
  a0=$(backend_accepts)
  wrk -t "$wthreads" -c "$conns" -d "${SECS}s" --latency "$@" "$scheme://127.0.0.1:$port/" >"$out" 2>&1 || true
  c1=$(cpu_ticks "${PID_OF[$kind]}")
  a1=$(backend_accepts)
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  reqs=$(awk '/requests in/ {print $1}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  errors=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
  cpu=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="${reqs:-0}" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n }')
  echo "RESULT step=$name proxy=$kind conns=$conns rps=${rps:-} p50_ms=$p50 p99_ms=$p99 requests=${reqs:-0}" \
    "socket_errors=${errors:-0} non2xx=${non2xx:-0} cpu_us_per_req=${cpu:-} cpu_s=$(awk -v t=$((c1 - c0)) -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz}')" \
    "backend_conns=$((a1 - a0 - 1))" \
    >>"$TMP/raw.txt"
}
# h2_run KIND: h2load over TLS (ALPN h2), 64 connections x 10 streams.
h2_run() {
  local kind=$1 out c0 c1 rps ok reqs cpu
  out="$TMP/h2load-$kind.txt"
  c0=$(cpu_ticks "${PID_OF[$kind]}")
  h2load -D "$SECS" -c 64 -m 10 -t 2 "https://127.0.0.1:${HTTPS_PORT[$kind]}/" >"$out" 2>&1 || true
  c1=$(cpu_ticks "${PID_OF[$kind]}")
  rps=$(awk '/^finished in/ {for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^req\/s/) {printf "%.0f", $i; exit}}' "$out")
  ok=$(awk '/^requests:/ {for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^succeeded/) {print $i; exit}}' "$out")
  reqs=$(awk '/^requests:/ {print $2}' "$out")
  cpu=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="${ok:-0}" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n }')
  if grep -q 'No protocol negotiated\|h2 is not supported\|ALPN' "$out" && [[ "${ok:-0}" == 0 ]]; then rps=""; fi
  [[ "${ok:-0}" == 0 ]] && rps=""
  mean=$(awk '/^time for request:/ {print $6; exit}' "$out")
  echo "RESULT step=h2 proxy=$kind rps=${rps:-} succeeded=${ok:-0} requests=${reqs:-0} mean_request=${mean:-} cpu_us_per_req=${cpu:-}" >>"$TMP/raw.txt"
}

if [[ ${#UP[@]} -gt 0 ]]; then
  ORDER=("${UP[@]}")
  for ((i = ${#UP[@]} - 1; i >= 0; i--)); do ORDER+=("${UP[i]}"); done
  # warm-up (upstream pools, page cache), 2 s each
  for kind in "${UP[@]}"; do
    SECS_SAVE=$SECS; SECS=2; wrk_run warmup "$kind" 64 2 http; SECS=$SECS_SAVE
  done
  for kind in "${ORDER[@]}"; do wrk_run http64 "$kind" 64 2 http; done
  for kind in "${UP[@]}"; do wrk_run http1 "$kind" 1 1 http; done
  for kind in "${UP[@]}"; do wrk_run http512 "$kind" 512 2 http; done
  for kind in "${UP[@]}"; do wrk_run https64 "$kind" 64 2 https; done
  for kind in "${UP[@]}"; do wrk_run tlsnew "$kind" 64 2 https -H "Connection: close"; done
  for kind in "${UP[@]}"; do h2_run "$kind"; done
fi
# stat STEP PROXY KEY: the mean of KEY over the RESULT lines of STEP and PROXY.
stat() {
  awk -v s="step=$1" -v p="proxy=$2" -v k="$3" '$2 == s && $3 == p {
      for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k && kv[2] != "") { sum += kv[2]; n++ } } }
    END { if (n > 0) { v = sum / n; if (v >= 100) printf "%.0f", v; else printf "%.2f", v } }' "$TMP/raw.txt"
}
runs_of() { awk -v s="step=$1" -v p="proxy=$2" '$2 == s && $3 == p {for (i = 4; i <= NF; i++) if ($i ~ /^rps=/) {sub("rps=", "", $i); r = r (r == "" ? "" : ",") $i}} END {print r}' "$TMP/raw.txt"; }

say "1. HTTP/1.1 keep-alive through each proxy to one backend (nginx, 100-byte body, 10.99.0.1:18080), wrk --latency, $SECS s runs;"
say "   $THREADS worker threads/processes per proxy, wrk 2 threads (1 for 1 connection), all unpinned on the same $(nproc) cores;"
say "   access log on in all three (ingress-nginx's default; each writes its lines to /dev/null); client keep-alive"
say "   requests per connection 100,000 in all three (ingress-nginx's default 1,000 would end h2load's connections early);"
say "   64 connections: two runs per proxy in the order A B C C B A (mean shown); CPU = the proxy's user+system time per request;"
say "   backend conns = connections the backend accepted during the run (the upstream pool's misses)"
for step in http64 http1 http512; do
  for kind in "${UP[@]}"; do
    say "    $(printf '%-8s %-8s %9s req/s (%s)  p50 %7s ms  p99 %7s ms  CPU %6s us/req  backend conns %6s  errors %s non-2xx %s' \
      "$step" "$kind" "$(stat "$step" "$kind" rps)" "$(runs_of "$step" "$kind")" "$(stat "$step" "$kind" p50_ms)" \
      "$(stat "$step" "$kind" p99_ms)" "$(stat "$step" "$kind" cpu_us_per_req)" "$(stat "$step" "$kind" backend_conns)" \
      "$(stat "$step" "$kind" socket_errors)" "$(stat "$step" "$kind" non2xx)")"
  done
done
nk=$(stat http64 netkube rps); ng=$(stat http64 nginx rps); hp=$(stat http64 haproxy rps)
goal_row "req/s, 64 conns: netkube / nginx" "$(ratio "$nk" "$ng")" "x" 1.2 ge "netkube ${nk:-n/a}, nginx ${ng:-n/a} req/s"
goal_row "req/s, 64 conns: netkube / HAProxy" "$(ratio "$nk" "$hp")" "x" "" ge "HAProxy ${hp:-n/a} req/s (reported, no goal)"
goal_row "p99, 64 conns: netkube / nginx" "$(ratio "$(stat http64 netkube p99_ms)" "$(stat http64 nginx p99_ms)")" "x" 1.0 le \
  "netkube $(stat http64 netkube p99_ms) ms, nginx $(stat http64 nginx p99_ms) ms, HAProxy $(stat http64 haproxy p99_ms) ms"
for step in http1 http512; do
  goal_row "req/s, ${step#http} conn(s): netkube / nginx" "$(ratio "$(stat "$step" netkube rps)" "$(stat "$step" nginx rps)")" "x" "" ge \
    "netkube / HAProxy $(ratio "$(stat "$step" netkube rps)" "$(stat "$step" haproxy rps)")"
done
goal_row "CPU per request, 64 conns: netkube / nginx" "$(ratio "$(stat http64 netkube cpu_us_per_req)" "$(stat http64 nginx cpu_us_per_req)")" "x" "" le \
  "netkube / HAProxy $(ratio "$(stat http64 netkube cpu_us_per_req)" "$(stat http64 haproxy cpu_us_per_req)")"
say "    for scale (issue 11): nginx with wrk -c64 gave about 43k req/s here earlier, the backend alone about 92k"
load_note
say ""

say "2. HTTPS (EC P-256 certificate, the same for all three): TLS keep-alive with 64 connections; new TLS connections/s"
say "   (wrk -H 'Connection: close': a new connection and full handshake per request); HTTP/2 with h2load -c 64 -m 10 -t 2"
say "    negotiated: $(for k in "${UP[@]}"; do printf '%s %s; ' "$k" "${TLSVER[$k]:-?}"; done)"
for kind in "${UP[@]}"; do
  h2=$(stat h2 "$kind" rps)
  say "    $(printf '%-8s TLS keep-alive %9s req/s  p50 %7s ms  p99 %7s ms | new TLS conns %7s /s  p99 %7s ms  errors %s | h2 %9s req/s  mean %s' \
    "$kind" "$(stat https64 "$kind" rps)" "$(stat https64 "$kind" p50_ms)" "$(stat https64 "$kind" p99_ms)" \
    "$(stat tlsnew "$kind" rps)" "$(stat tlsnew "$kind" p99_ms)" "$(stat tlsnew "$kind" socket_errors)" "${h2:-n/a}" \
    "$(awk -v p="proxy=$kind" '$2 == "step=h2" && $3 == p {for (i = 4; i <= NF; i++) if ($i ~ /^mean_request=/) {sub("mean_request=", "", $i); print $i}}' "$TMP/raw.txt")")"
done
goal_row "TLS keep-alive req/s: netkube / nginx" "$(ratio "$(stat https64 netkube rps)" "$(stat https64 nginx rps)")" "x" "" ge \
  "netkube / HAProxy $(ratio "$(stat https64 netkube rps)" "$(stat https64 haproxy rps)")"
goal_row "new TLS connections/s: netkube / nginx" "$(ratio "$(stat tlsnew netkube rps)" "$(stat tlsnew nginx rps)")" "x" "" ge \
  "netkube / HAProxy $(ratio "$(stat tlsnew netkube rps)" "$(stat tlsnew haproxy rps)")"
goal_row "HTTP/2 req/s: netkube / nginx" "$(ratio "$(stat h2 netkube rps)" "$(stat h2 nginx rps)")" "x" "" ge \
  "netkube $(h2nk=$(stat h2 netkube rps); echo "${h2nk:-n/a}"), nginx $(stat h2 nginx rps), HAProxy $(stat h2 haproxy rps)"
load_note
say ""

# The anchors are done: free their CPU and memory for the rest.
for kind in nginx haproxy; do [[ -n "${PID_OF[$kind]:-}" ]] && stop "${PID_OF[$kind]}"; done
[[ -n "${PID_OF[netkube]:-}" ]] && stop "${PID_OF[netkube]}"

# --- route programming and memory with the bulk objects -----------------------------------------------
if [[ $HAVE_NETKUBE == 1 ]]; then
  say "3-4. $BULK Ingresses (2 hosts each), $BULK Services with $EPS endpoints each, $TLS_N kubernetes.io/tls Secrets (EC P-256)"
  # The catch-all route would answer every new host: gone before the bulk.
  kubectl --kubeconfig "$KC" delete ingress main >/dev/null
  t0=$(now_s)
  mkdir -p "$TMP/certs"
  seq 0 $((TLS_N - 1)) | xargs -P "$(nproc)" -I{} openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 30 -subj "/CN=a-{}.bulk.local" -addext "subjectAltName=DNS:a-{}.bulk.local,DNS:b-{}.bulk.local" \
    -keyout "$TMP/certs/{}.key" -out "$TMP/certs/{}.crt" 2>/dev/null
  certs_s=$(awk -v s="$t0" -v e="$(now_s)" 'BEGIN {printf "%.1f", e - s}')
  python3 "$LOADER" bulk "$TMP/creds" default "$BULK" "$EPS" "$TLS_N" "$TMP/certs" >"$TMP/bulk.txt"
  BL=$(grep '^BULK' "$TMP/bulk.txt")
  say "    $TLS_N certificates made with openssl in $certs_s s; $(field "$BL" objects) objects POSTed in $(field "$BL" seconds) s" \
    "(8 connections, errors $(field "$BL" errors))"
  # A fresh controller starts on the loaded cluster (its first table holds everything).
  start_netkube 18091 18454 18264 "$TMP/netkube-bulk.log"
  NKPID=$STARTED_PID
  last=$((BULK - 1))
  # ready: /healthz answers 200 (the first table is published), the last bulk host is
  # routed (its endpoints do not answer: a 5xx) and an unknown host gets 404.
  ready_bulk() {
    local c
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:18264/healthz 2>/dev/null)" == 200 ]] || return 1
    c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 8 -H "Host: b-$last.bulk.local" http://127.0.0.1:18091/ 2>/dev/null)
    [[ $c =~ ^5 ]] || return 1
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "Host: unknown.bulk.local" http://127.0.0.1:18091/ 2>/dev/null)" == 404 ]]
  }
  t0=$(now_s)
  ok=0
  for _ in $(seq 600); do
    kill -0 "$NKPID" 2>/dev/null || break
    if ready_bulk; then ok=1; break; fi
    sleep 0.1
  done
  ready_s=$(awk -v s="$t0" -v e="$(now_s)" 'BEGIN {printf "%.1f", e - s}')
  if [[ $ok == 1 ]]; then
    # sni_own: how many of 10 sampled TLS hosts get their own certificate (CN a-i.bulk.local).
    sni_own() {
      local n=0 i h sub
      for i in $(seq 0 $(((TLS_N + 8) / 10)) $((TLS_N - 1))) $((TLS_N - 1)); do
        h=$([[ $((i % 2)) == 0 ]] && echo a || echo b)-$i.bulk.local
        sub=$(openssl s_client -connect 127.0.0.1:18454 -servername "$h" </dev/null 2>/dev/null |
          openssl x509 -noout -subject 2>/dev/null)
        [[ $sub == *"CN = a-$i.bulk.local"* ]] && n=$((n + 1))
      done
      echo "$n/$(seq 0 $(((TLS_N + 8) / 10)) $((TLS_N - 1)) | wc -l | awk '{print $1 + 1}')"
    }
    sni_ready=$(sni_own)
    say "    netkube ingress ready ${ready_s} s after its start (/healthz 200, b-$last.bulk.local routed: $(curl -s -o /dev/null -w '%{http_code}' \
      --max-time 8 -H "Host: b-$last.bulk.local" http://127.0.0.1:18091/), unknown host 404); sampled TLS hosts served their own certificate: $sni_ready"
    echo "RESULT step=bulk_ready ready_s=$ready_s sni_own=$sni_ready" >>"$TMP/raw.txt"
    python3 "$LOADER" programming "$TMP/creds" default "$PROG_N" 18091 >"$TMP/programming.txt" 2>&1 || true
    pct() { awk -v c="$1" '$1 == "LAT" {print $c}' "$TMP/programming.txt" | sort -n |
      awk -v q="$2" '{v[NR] = $1} END {if (NR == 0) exit; i = int(NR * q / 100 + 0.999); if (i < 1) i = 1; printf "%.1f", v[i]}'; }
    n=$(grep -c '^LAT' "$TMP/programming.txt" || true)
    goal_row "3. programming: Ingress POST -> 200, p99 ($n of $PROG_N)" "$(pct 3 99)" "ms" 100 le \
      "p50 $(pct 3 50) ms, max $(pct 3 100) ms; from the API's answer: p50 $(pct 4 50), p99 $(pct 4 99) ms"
    echo "RESULT step=programming n=$n p50_ms=$(pct 3 50) p99_ms=$(pct 3 99) max_ms=$(pct 3 100) p99_after_api_ms=$(pct 4 99)" >>"$TMP/raw.txt"
    if grep -q '^ERROR' "$TMP/programming.txt"; then
      say "    errors: $(grep -c '^ERROR' "$TMP/programming.txt"), e.g. $(grep -m1 '^ERROR' "$TMP/programming.txt")"
    fi
    sleep 2
    sni_after=$(sni_own)
    [[ $sni_after == "$sni_ready" ]] || say "    sampled TLS hosts served their own certificate after step 3: $sni_after"
    rss=$(rss_mb "$NKPID")
    goal_row "4. memory: RSS of netkube ingress" "$rss" "MB" 64 le \
      "VmHWM $(hwm_mb "$NKPID") MB; $((BULK + PROG_N)) Ingresses, $((2 * BULK + PROG_N)) hosts, $((BULK * EPS + 1)) endpoints, $TLS_N certificates; $THREADS threads"
    echo "RESULT step=memory rss_mb=$rss hwm_mb=$(hwm_mb "$NKPID") ingresses=$((BULK + PROG_N)) endpoints=$((BULK * EPS + 1)) certs=$TLS_N" >>"$TMP/raw.txt"
    say "    netkube server (API, memory store) RSS holding the objects: $(rss_mb "$SERVER_PID") MB (not counted)"
  else
    say "    netkube ingress did not route b-$last.bulk.local within ${ready_s} s; its log:"
    { tail -5 "$TMP/netkube-18091.err" 2>/dev/null || true; } | sed 's/^/      /' | tee -a "$REPORT"
    goal_row "3. programming: Ingress POST -> 200, p99" "" "ms" 100 le "not measured"
    goal_row "4. memory: RSS of netkube ingress" "" "MB" 64 le "not measured"
  fi
  stop "$NKPID"
else
  goal_row "3. programming: Ingress POST -> 200, p99" "" "ms" 100 le "netkube ingress is not runnable in this build"
  goal_row "4. memory: RSS of netkube ingress" "" "MB" 64 le "netkube ingress is not runnable in this build"
fi
load_note
say ""
say "raw:"
sed 's/^/  /' "$TMP/raw.txt" | tee -a "$REPORT"
mkdir -p "$ROOT/bench/results"
cp "$REPORT" "$ROOT/bench/results/ingress.txt"
echo "(written to bench/results/ingress.txt)"
