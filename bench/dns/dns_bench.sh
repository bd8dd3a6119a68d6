#!/usr/bin/env bash
# bench/dns/dns_bench.sh: the cluster DNS benchmarks of issue 5, netkube and
# its anchors in one run on the same records and query mix, each number beside
# its goal, with ratios:
#   1. queries/second of the query mix glibc sends from pods (bench/dns/
#      dns_loader.cc: search path under ndots:5, A and AAAA per try, NXDOMAIN
#      pairs, NODATA for AAAA, misses) with dnsperf, against `netkube dns`
#      (the kubernetes plugin watching `netkube server`), Knot DNS and NSD
#      (zone files written by the loader from the same Services and
#      EndpointSlices), each with one server thread and with two.
#      Goals: netkube / Knot >= 1.0; QPS per thread >= 170,000 (10x CoreDNS's
#      published ~17k QPS per vCPU). Then p50/p99 latency at a fixed rate
#      (dnsperf -Q RATE -v prints each query's latency).
#   2. memory: RSS of `netkube dns` holding SERVICES Services and their
#      EndpointSlices (pods insecure), and with `pods verified` and one Pod per
#      endpoint; goal <= 64 MB; anchor CoreDNS's published sizing (about
#      54 MB + 1 MB per 1,000 pods and services).
#   3. programming latency (bench/dns/dns_programming.py): a Service POSTed
#      to the API -> `netkube dns` (kubeadm's `cache 30` in front of the
#      kubernetes plugin, the name's NXDOMAIN cached just before) answers it;
#      DELETE -> NXDOMAIN; with the SERVICES background Services; goal p99
#      <= 100 ms both ways. No anchor runs here: CoreDNS's cache would hold
#      the NXDOMAIN for up to its SOA minimum (the plugin's ttl, 5 s default).
#
# Everything runs inside scripts/in-netns (only loopback). Servers listen on
# 127.0.0.1, one port each: `netkube server` 16443, Knot 5301, NSD 5302,
# netkube dns 5303 (5304 for the verified run). CPU pinning (2 cores): a
# server with one thread runs on CPU 0, with two on CPUs 0-1; dnsperf always on
# CPU 1 (with two server threads it shares CPU 1 with the server).
# Every process started here is killed by PID on exit (trap), and the scratch
# directory is removed (BENCH_KEEP_TMP=1 keeps it).
#
# Env: BUILD (default build-bench; needs netkube and dns_loader),
#      BENCH_DNS_SERVICES (10000), BENCH_DNS_ENDPOINTS (5), BENCH_DNS_HEADLESS (20 %),
#      BENCH_DNS_PODS (1: also the `pods verified` memory run with one Pod per endpoint),
#      BENCH_DNS_SECONDS (5: each throughput run; 2 per server and thread count), BENCH_DNS_LATENCY_QPS (10000),
#      BENCH_DNS_LATENCY_SECONDS (5), BENCH_DNS_CLIENTS (dnsperf -c, 8),
#      BENCH_DNS_OUTSTANDING (dnsperf -q, 256),
#      BENCH_DNS_SERVERS ("knot nsd netkube": which servers run),
#      BENCH_DNS_PROGRAMMING (200: Services created and deleted in step 3; 0 skips it).
# Output: stdout and bench/results/dns.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ "${NETKUBE_IN_NETNS:-}" != "1" ]]; then
  exec "$ROOT/scripts/in-netns" bash "${BASH_SOURCE[0]}" "$@"
fi
BUILD=${BUILD:-build-bench}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
NETKUBE="$BUILD/netkube"
LOADER="$BUILD/bench/dns/dns_loader"
SERVICES=${BENCH_DNS_SERVICES:-10000}
ENDPOINTS=${BENCH_DNS_ENDPOINTS:-5}
HEADLESS=${BENCH_DNS_HEADLESS:-20}
PODS=${BENCH_DNS_PODS:-1}
SECONDS_RUN=${BENCH_DNS_SECONDS:-5}
LAT_QPS=${BENCH_DNS_LATENCY_QPS:-10000}
LAT_SECONDS=${BENCH_DNS_LATENCY_SECONDS:-5}
CLIENTS=${BENCH_DNS_CLIENTS:-8}
OUTSTANDING=${BENCH_DNS_OUTSTANDING:-256}
SERVERS=${BENCH_DNS_SERVERS:-knot nsd netkube}
for tool in dnsperf dig knotd nsd taskset; do
  command -v "$tool" >/dev/null || { echo "dns_bench: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
[[ -x "$LOADER" ]] || { echo "dns_bench: $LOADER is missing; build dns_loader" >&2; exit 1; }

source "$ROOT/bench/report_lib.sh"  # say, field, ratio, verdict, goal_row, load_note, stop, bench_cleanup, start_api_server
TMP=$(mktemp -d "${TMPDIR:-/tmp}/netkube-dns-bench.XXXXXX")
PIDS=()
trap "bench_cleanup dns_bench" EXIT
trap 'exit 130' INT TERM

REPORT="$TMP/report.txt"
: >"$TMP/raw.txt"
rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null; }
hwm_mb() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null; }
# tree_rss_mb PID: RSS of PID and its children (NSD forks its servers).
tree_rss_mb() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do total=$(awk -v t="$total" '/^VmRSS/ {t += $2 / 1024} END {print t}' "/proc/$p/status" 2>/dev/null || echo "$total"); done
  printf '%.1f' "$total"
}

say "netkube cluster DNS benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
say "  commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), build $(basename "$BUILD")" \
  "($(awk -F= '/^CMAKE_BUILD_TYPE/ {print $2}' "$BUILD/CMakeCache.txt" 2>/dev/null || echo '?'))"
DIRTY=$(git -C "$ROOT" status --porcelain -- src cmake CMakeLists.txt 2>/dev/null | awk '{print $2}' | tr '\n' ' ')
[[ -n "$DIRTY" ]] && say "  NOTE: the build includes uncommitted changes of other work in progress: $DIRTY"
say "  machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r)"
say "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other builds share these cores: expect run-to-run spread)"
say "  anchors measured in the same run on the same records and queries: $(knotd -V 2>&1 | head -1), $(nsd -v 2>&1 | head -1);"
say "  load: $(dnsperf -h 2>&1 | grep -m1 Version | sed 's/Version/dnsperf/')"
say ""

# --- the data ---------------------------------------------------------------------
DATA="$TMP/data"
mkdir -p "$DATA"
HAVE_NETKUBE=0
if [[ " $SERVERS " == *" netkube "* ]]; then
  if [[ -x "$NETKUBE" ]] && "$NETKUBE" dns -version >/dev/null 2>&1; then
    HAVE_NETKUBE=1
  else
    say "  NOTE: $NETKUBE has no working \`dns\` subcommand yet: netkube's rows are n/a (anchors only)."
  fi
fi
KUBECONFIG_ARG=()
SERVER_PID=""
if [[ $HAVE_NETKUBE == 1 ]]; then
  start_api_server dns_bench
  KUBECONFIG_ARG=(--kubeconfig "$KC")
else
  PODS=0
fi
"$LOADER" --out "$DATA" "${KUBECONFIG_ARG[@]}" --services "$SERVICES" --endpoints "$ENDPOINTS" \
  --headless-percent "$HEADLESS" --pods "$PODS" >"$TMP/loader.txt" 2>"$TMP/loader.err" ||
  { cat "$TMP/loader.txt" "$TMP/loader.err" >&2; exit 1; }
LOAD=$(grep 'step=load' "$TMP/loader.txt")
ZONE=$(grep 'step=zone' "$TMP/loader.txt")
say "data (bench/dns/dns_loader.cc): $(field "$LOAD" services) Services in $(field "$LOAD" namespaces) namespaces," \
  "$HEADLESS% headless, $(field "$LOAD" endpoints) endpoints in $(field "$LOAD" slices) EndpointSlices" \
  "($ENDPOINTS ready each, one not-ready on every 10th), $(field "$LOAD" pods) Pods"
if [[ $HAVE_NETKUBE == 1 ]]; then
  say "  created through netkube server's API (memory store) in $(field "$LOAD" create_s) s" \
    "($(field "$LOAD" rate) objects/s, 8 clients, errors $(field "$LOAD" errors)); the zone files were written from the objects read back"
else
  say "  generated without an API server (zone files and queries from the generated objects)"
fi
say "  zone files: $(field "$ZONE" records) records ($(field "$ZONE" ptr) PTR) for Knot and NSD"
Q=$(field "$ZONE" queries)
say "  query mix: $(field "$ZONE" lookups) glibc lookups (search NS.svc.cluster.local svc.cluster.local cluster.local," \
  "ndots:5, A+AAAA per try) = $Q queries:"
say "    $(awk -v n="$(field "$ZONE" nxdomain)" -v q="$Q" 'BEGIN{printf "%.0f", 100*n/q}')% NXDOMAIN," \
  "$(awk -v n="$(field "$ZONE" nodata)" -v q="$Q" 'BEGIN{printf "%.0f", 100*n/q}')% NODATA (AAAA of IPv4 names)," \
  "$(awk -v n="$(field "$ZONE" hit)" -v q="$Q" 'BEGIN{printf "%.0f", 100*n/q}')% answered A;" \
  "lookups: 35% svc, 10% headless svc, 20% svc.otherns, 15% svc.ns.svc.cluster.local, 5% ep-N.svc, 15% misses"
say ""

# --- the servers ---------------------------------------------------------------------
PROBE=$(awk '$2 == "A" && $1 ~ /^svc-/ && split($1, p, ".") == 5 {print $1; exit}' "$DATA/queries.txt")

# wait_answer PORT NAME PID SECONDS: until NAME's A query answers NOERROR with data.
wait_answer() {
  local port=$1 name=$2 pid=$3 limit=$4 start
  start=$(date +%s.%N)
  while :; do
    if dig +time=1 +tries=1 +norecurse @127.0.0.1 -p "$port" "$name" A +short 2>/dev/null | grep -q '^[0-9]'; then
      awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.2f", e - s}'
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    awk -v s="$start" -v e="$(date +%s.%N)" -v l="$limit" 'BEGIN {exit !(e - s > l)}' && return 1
    sleep 0.05
  done
}

# answers PORT OUT: each check query's status and answer RRs (TTL left out), sorted.
answers() {
  dig +time=2 +tries=2 +norecurse +noall +comments +question +answer @127.0.0.1 -p "$1" -f "$DATA/check.txt" 2>/dev/null |
    awk '/->>HEADER<<-/ { s = $6; sub(",", "", s); next }
         /^;[^;]/ { q = tolower(substr($1, 2)) " " $3; print q " status " s; next }
         /^[^;]/ && NF >= 5 { r = tolower($1) " " $4; for (i = 5; i <= NF; i++) r = r " " $i; print q " answer " r }' |
    sort -u >"$2"
}

# start_knot THREADS, start_nsd THREADS, start_netkube THREADS PORT PODS_MODE:
# start the server in the background and set STARTED_PID (and add it to PIDS).
STARTED_PID=""
start_knot() {
  local dir="$TMP/knot$1"
  mkdir -p "$dir"
  cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir"
    listen: 127.0.0.1@5301
    udp-workers: $1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$dir"
log:
  - target: stderr
    any: warning
control:
    listen: "$dir/knot.sock"
template:
  - id: default
    storage: "$DATA"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
  - domain: cluster.local
  - domain: in-addr.arpa
EOF
  taskset -c "$(cpus "$1")" knotd -c "$dir/knot.conf" >"$dir/knot.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

start_nsd() {
  local dir="$TMP/nsd$1"
  mkdir -p "$dir"
  cat >"$dir/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@5302
    server-count: $1
    reuseport: yes
    username: ""
    chroot: ""
    zonesdir: "$DATA"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    pidfile: "$dir/nsd.pid"
    logfile: "$dir/nsd.log"
    verbosity: 1
    hide-version: yes
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: cluster.local
    zonefile: cluster.local.zone
zone:
    name: in-addr.arpa
    zonefile: in-addr.arpa.zone
EOF
  taskset -c "$(cpus "$1")" nsd -d -c "$dir/nsd.conf" >"$dir/nsd.out" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

start_netkube() {
  local dir="$TMP/netkube$1-$3"
  mkdir -p "$dir"
  cat >"$dir/Corefile" <<EOF
cluster.local:$2 in-addr.arpa:$2 {
    kubernetes cluster.local in-addr.arpa {
        kubeconfig $KC
        pods $3
        ttl 30
    }
}
EOF
  taskset -c "$(cpus "$1")" "$NETKUBE" dns -conf "$dir/Corefile" -threads "$1" -quiet >"$dir/dns.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

cpus() { [[ $1 == 1 ]] && echo 0 || echo 0,1; }

# dnsperf_run PORT OUT: the throughput run.
dnsperf_run() {
  taskset -c 1 dnsperf -s 127.0.0.1 -p "$1" -d "$DATA/queries.txt" -l "$SECONDS_RUN" -c "$CLIENTS" -T 1 \
    -q "$OUTSTANDING" -t 2 >"$2" 2>&1 || true
}
# latency_run PORT OUT: a fixed rate with each query's latency (dnsperf -v).
latency_run() {
  taskset -c 1 dnsperf -s 127.0.0.1 -p "$1" -d "$DATA/queries.txt" -l "$LAT_SECONDS" -c "$CLIENTS" -T 1 \
    -q "$OUTSTANDING" -t 2 -Q "$LAT_QPS" -v 2>/dev/null |
    awk '/^> / {print $NF * 1000000}' | sort -n >"$2.us" || true
  local n
  n=$(wc -l <"$2.us")
  awk -v n="$n" 'function at(p) { i = int(p * n + 0.999999); if (i < 1) i = 1; return v[i] }
                 { v[NR] = $1 } END { if (n == 0) { print "n=0"; exit }
                 printf "n=%d p50_us=%.0f p99_us=%.0f p999_us=%.0f max_us=%.0f\n", n, at(0.5), at(0.99), at(0.999), v[n] }' \
    "$2.us" >"$2"
}
# perf_fields OUT...: over one or more dnsperf outputs: "qps=MEAN runs=Q1,Q2
# lost_pct=.. noerror=.. nxdomain=.. other=.. avg_us=.. resp_bytes=.." (counts summed).
perf_fields() {
  awk 'FNR == 1 {files++}
       /Queries per second/ {q = sprintf("%.0f", $4); qsum += q; runs = runs (runs == "" ? "" : ",") q}
       /Queries sent/ {sent += $3}
       /Queries lost/ {lost += $3}
       /Response codes/ {for (i = 3; i <= NF; i += 3) {c = $i; sub(":", "", c); codes[c] += $(i + 1)}}
       /Average Latency/ {avg += $4 * 1000000}
       /Average packet size/ {resp = $NF}
       END {other = 0; for (c in codes) if (c != "NOERROR" && c != "NXDOMAIN") other += codes[c]
            if (files == 0) files = 1
            printf "qps=%.0f runs=%s lost_pct=%.2f noerror=%d nxdomain=%d other=%d avg_us=%.0f resp_bytes=%s\n",
              qsum / files, runs, sent ? 100 * lost / sent : 0, codes["NOERROR"], codes["NXDOMAIN"], other, avg / files, resp}' "$@"
}

# The servers of one thread count run side by side (idle ones take no CPU);
# dnsperf runs against them in the order A B C C B A, so drift in the
# machine's load hits each alike, and each QPS is the mean of its two runs.
declare -A QPS LAT RSS READY PORT SPID
KINDS=()
for kind in $SERVERS; do
  [[ $kind == netkube && $HAVE_NETKUBE != 1 ]] && continue
  KINDS+=("$kind")
done
for threads in 1 2; do
  up=()
  for kind in "${KINDS[@]}"; do
    case $kind in
      knot) PORT[$kind]=5301; start_knot "$threads" ;;
      nsd) PORT[$kind]=5302; start_nsd "$threads" ;;
      netkube) PORT[$kind]=5303; start_netkube "$threads" 5303 insecure ;;
      *) echo "dns_bench: unknown server $kind" >&2; exit 1 ;;
    esac
    SPID[$kind]=$STARTED_PID
    if t=$(wait_answer "${PORT[$kind]}" "$PROBE" "$STARTED_PID" 120); then
      READY[$kind/$threads]=$t
      answers "${PORT[$kind]}" "$TMP/answers-$kind$threads.txt"
      up+=("$kind")
    else
      say "  $kind ($threads thread(s)): did not answer $PROBE; log:"
      tail -5 "$TMP/$kind$threads"*/*.log 2>/dev/null | sed 's/^/      /' | tee -a "$REPORT"
      stop "$STARTED_PID"
    fi
  done
  order=("${up[@]}")
  for ((i = ${#up[@]} - 1; i >= 0; i--)); do order+=("${up[i]}"); done
  n=0
  for kind in "${order[@]}"; do
    n=$((n + 1))
    dnsperf_run "${PORT[$kind]}" "$TMP/perf-$kind$threads-$n.txt"
  done
  for kind in "${up[@]}"; do
    QPS[$kind/$threads]=$(perf_fields "$TMP/perf-$kind$threads"-*.txt)
    latency_run "${PORT[$kind]}" "$TMP/lat-$kind$threads.txt"
    LAT[$kind/$threads]=$(cat "$TMP/lat-$kind$threads.txt")
    RSS[$kind/$threads]=$([[ $kind == nsd ]] && tree_rss_mb "${SPID[$kind]}" || rss_mb "${SPID[$kind]}")
    echo "RESULT step=qps server=$kind threads=$threads ready_s=${READY[$kind/$threads]} ${QPS[$kind/$threads]}" \
      "${LAT[$kind/$threads]} rss_mb=${RSS[$kind/$threads]}" >>"$TMP/raw.txt"
  done
  for kind in "${up[@]}"; do stop "${SPID[$kind]}"; done
done

# --- the report ----------------------------------------------------------------------
say "1. queries/second, dnsperf -c $CLIENTS -T 1 -q $OUTSTANDING, 2 runs of $SECONDS_RUN s per server in the order A B C C B A (mean shown),"
say "   dnsperf on CPU 1, the server on CPU 0 (0-1 with 2 threads), the query file looped; then latency at a fixed $LAT_QPS QPS for $LAT_SECONDS s (dnsperf -Q $LAT_QPS -v: each query's latency)"
BASE_ANS=""
for kind in knot nsd netkube; do
  [[ -s "$TMP/answers-${kind}1.txt" ]] && { BASE_ANS="$TMP/answers-${kind}1.txt"; BASE_KIND=$kind; break; }
done
for threads in 1 2; do
  for kind in knot nsd netkube; do
    l=${QPS[$kind/$threads]:-}
    [[ -z "$l" ]] && continue
    lat=${LAT[$kind/$threads]}
    say "    $(printf '%-8s %d thread(s): %8s QPS (%s)  lost %5s%%  NOERROR %8s NXDOMAIN %8s other %5s  mean %6s us  resp %3s B | at %s QPS p50 %5s us p99 %6s us p99.9 %6s us  RSS %s MB' \
      "$kind" "$threads" "$(field "$l" qps)" "$(field "$l" runs)" "$(field "$l" lost_pct)" "$(field "$l" noerror)" "$(field "$l" nxdomain)" \
      "$(field "$l" other)" "$(field "$l" avg_us)" "$(field "$l" resp_bytes)" "$LAT_QPS" "$(field "$lat" p50_us)" "$(field "$lat" p99_us)" \
      "$(field "$lat" p999_us)" "${RSS[$kind/$threads]}")"
  done
done
for threads in 1 2; do
  nk=$(field "${QPS[netkube/$threads]:-}" qps)
  knot=$(field "${QPS[knot/$threads]:-}" qps)
  nsd=$(field "${QPS[nsd/$threads]:-}" qps)
  goal_row "netkube / Knot, $threads thread(s)" "$(ratio "$nk" "$knot")" "x" 1.0 ge "netkube ${nk:-n/a} QPS, Knot ${knot:-n/a} QPS"
  goal_row "netkube / NSD, $threads thread(s)" "$(ratio "$nk" "$nsd")" "x" "" ge "NSD ${nsd:-n/a} QPS (reported, no goal)"
  per_thread=$([[ -n "$nk" ]] && awk -v q="$nk" -v t="$threads" 'BEGIN {printf "%.0f", q / t}' || true)
  goal_row "netkube QPS per thread, $threads thread(s)" "$per_thread" "QPS" 170000 ge \
    "x$(ratio "$per_thread" 17000) of CoreDNS's ~17k/vCPU; Knot $(awk -v q="${knot:-0}" -v t="$threads" 'BEGIN {printf "%.0f", q / t}')/thread here"
  goal_row "netkube p99 at $LAT_QPS QPS, $threads thread(s)" "$(field "${LAT[netkube/$threads]:-}" p99_us)" "us" "" le \
    "Knot $(field "${LAT[knot/$threads]:-}" p99_us) us, NSD $(field "${LAT[nsd/$threads]:-}" p99_us) us"
done
say "    with 2 server threads the server shares CPU 1 with dnsperf: the 2-thread numbers show scaling under a shared core,"
say "    not a second core's worth"
if [[ -n "$BASE_ANS" ]]; then
  say "    answers to $(grep -c . "$DATA/check.txt") check queries (rcode + answer RRs, TTLs aside) compared with $BASE_KIND's:"
  for f in "$TMP"/answers-*.txt; do
    name=$(basename "$f" .txt | sed 's/answers-//')
    d=$(diff "$BASE_ANS" "$f" | grep -c '^[<>]' || true)
    say "      $name: $([[ $d == 0 ]] && echo identical || echo "$d differing lines, e.g. $(diff "$BASE_ANS" "$f" | grep '^[<>]' | head -3 | tr '\n' ';')")"
  done
fi
load_note
say ""

# --- memory --------------------------------------------------------------------------
say "2. memory of \`netkube dns\` holding $(field "$LOAD" services) Services and $(field "$LOAD" endpoints) endpoints"
# CoreDNS's published sizing: ~54 MB + 1 MB per 1,000 pods and services.
ANCHOR=$(awk -v s="$SERVICES" -v p="$((SERVICES * ENDPOINTS))" 'BEGIN {printf "%.0f", 54 + (s + p) / 1000}')
if [[ $HAVE_NETKUBE == 1 ]]; then
  nk1=${RSS[netkube/1]:-}
  goal_row "RSS, pods insecure (1 thread, after the runs)" "$nk1" "MB" 64 le \
    "CoreDNS's published sizing: ~$ANCHOR MB here (x$(ratio "$nk1" "$ANCHOR") of it)"
  if [[ $PODS == 1 ]]; then
    start_netkube 1 5304 verified
    pid=$STARTED_PID
    # A pod of the first headless Service: its endpoint ep-0's IP and namespace.
    read -r POD_IP POD_NS < <(awk '$1 ~ /^ep-0\./ && $3 == "A" {split($1, p, "."); print $4, p[3]; exit}' "$DATA/cluster.local.zone")
    POD_NAME="${POD_IP//./-}.$POD_NS.pod.cluster.local"
    if t=$(wait_answer 5304 "$POD_NAME" "$pid" 180); then
      sleep 2
      goal_row "RSS, pods verified ($(field "$LOAD" pods) Pods watched too)" "$(rss_mb "$pid")" "MB" 64 le \
        "ready ${t} s after start (probe $POD_NAME); VmHWM $(hwm_mb "$pid") MB; anchor ~$ANCHOR MB"
      echo "RESULT step=memory pods=verified ready_s=$t rss_mb=$(rss_mb "$pid") hwm_mb=$(hwm_mb "$pid")" >>"$TMP/raw.txt"
    else
      say "    pods verified: $POD_NAME did not answer in 180 s; log:"
      tail -5 "$TMP/netkube1-verified/dns.log" | sed 's/^/      /' | tee -a "$REPORT"
    fi
    stop "$pid"
  fi
  say "    netkube dns was ready ${READY[netkube/1]:-?} s after its start (first answer for $PROBE, after the initial list+watch)"
  [[ -n "$SERVER_PID" ]] && say "    netkube server (API, memory store) RSS holding the objects: $(rss_mb "$SERVER_PID") MB (not counted)"
else
  goal_row "RSS, pods insecure" "" "MB" 64 le "netkube dns is not runnable in this build; CoreDNS's published sizing ~$ANCHOR MB"
fi
say "    anchors' RSS serving the same zones (1 thread): Knot ${RSS[knot/1]:-n/a} MB, NSD ${RSS[nsd/1]:-n/a} MB (all processes)"
load_note
say ""

# --- programming latency ----------------------------------------------------------------
PROGRAMMING=${BENCH_DNS_PROGRAMMING:-200}
if [[ $HAVE_NETKUBE == 1 && $PROGRAMMING -gt 0 ]]; then
  say "3. programming latency: $PROGRAMMING Services created then deleted one by one beside the $(field "$LOAD" services) loaded;"
  say "   write sent to the API -> first DNS answer showing it (127.0.0.1, polled every 0.2 ms, kubeadm's cache 30 in front);"
  say "   in brackets from the API's answer to the write"
  dir="$TMP/netkube-programming"
  mkdir -p "$dir" "$TMP/creds"
  printf 'cluster.local:5305 {\n    cache 30\n    kubernetes cluster.local {\n        kubeconfig %s\n        pods insecure\n        ttl 30\n    }\n}\n' \
    "$KC" >"$dir/Corefile"
  "$NETKUBE" dns -conf "$dir/Corefile" -threads 1 -quiet >"$dir/dns.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  kc() { kubectl --kubeconfig "$KC" config view --raw --minify -o jsonpath="$1"; }
  kc '{.clusters[0].cluster.server}' >"$TMP/creds/server.txt"
  kc '{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$TMP/creds/ca.crt"
  kc '{.users[0].user.client-certificate-data}' | base64 -d >"$TMP/creds/client.crt"
  kc '{.users[0].user.client-key-data}' | base64 -d >"$TMP/creds/client.key"
  if wait_answer 5305 "$PROBE" "$pid" 180 >/dev/null; then
    python3 "$ROOT/bench/dns/dns_programming.py" "$TMP/creds" ns-000 5305 "$PROGRAMMING" >"$TMP/programming.txt"
    pct() { awk -v c="$1" '$1 == "LAT" {print $c}' "$TMP/programming.txt" | sort -n |
      awk -v q="$2" '{v[NR] = $1} END {i = int(NR * q / 100 + 0.999); if (i < 1) i = 1; printf "%.1f", v[i]}'; }
    for what in create:5:3 delete:6:4; do
      IFS=: read -r w c a <<<"$what"
      goal_row "$w: p99" "$(pct "$c" 99)" "ms" 100 le "p50 $(pct "$c" 50) ms, max $(pct "$c" 100) ms (p99 $(pct "$a" 99) ms after the API's answer)"
      echo "RESULT step=programming what=$w p50_ms=$(pct "$c" 50) p99_ms=$(pct "$c" 99) max_ms=$(pct "$c" 100) p99_after_api_ms=$(pct "$a" 99) n=$PROGRAMMING" >>"$TMP/raw.txt"
    done
    if grep -q ERROR "$TMP/programming.txt"; then say "    errors: $(grep -c ERROR "$TMP/programming.txt")"; fi
  else
    say "    netkube dns on 5305 never answered $PROBE"
  fi
  stop "$pid"
  load_note
  say ""
fi
say "raw:"
sed 's/^/  /' "$TMP/raw.txt" | tee -a "$REPORT"
mkdir -p "$ROOT/bench/results"
cp "$REPORT" "$ROOT/bench/results/dns.txt"
echo "(written to bench/results/dns.txt)"
