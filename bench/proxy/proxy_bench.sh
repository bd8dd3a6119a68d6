#!/usr/bin/env bash
# bench/proxy/proxy_bench.sh: the service-proxy data-path benchmarks of issue 4
# in one run, each number beside its goal and its anchor, with ratios:
#   1. iperf3 pod -> ClusterIP -> pod / pod -> pod direct (bench/proxy/datapath.sh)
#      goal >= 0.97; cross-node and same-node pairs.
#   2. TCP connect latency through a ClusterIP with 10,000 services / with 10
#      (bench/proxy/connect_bench.sh, no cluster) goal <= 1.1; also the
#      compile+render and apply times of the tables.
#   3. programming latency: Service POST -> ClusterIP answering on every node,
#      with 0 and 10,000 background services (datapath.sh step 2), goal p99
#      <= 50 ms at 10,000.
# Everything runs inside scripts/in-netns and removes what it created.
# Env: BUILD (default build; needs netkube netkube-cni netkube-image
#      proxy_connect_bench), plus the knobs of datapath.sh / connect_bench.sh.
# Output: stdout and bench/results/proxy.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ "${NETKUBE_IN_NETNS:-}" != "1" ]]; then
  exec "$ROOT/scripts/in-netns" bash "${BASH_SOURCE[0]}" "$@"
fi
export BUILD=${BUILD:-build}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/netkube-proxy-report.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
REPORT="$TMP/report.txt"
source "$ROOT/bench/report_lib.sh"  # say, field, ratio, verdict, goal_row, load_note

say "netkube service proxy data-path benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
say "  commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), build $(basename "$BUILD")"
DIRTY=$(git -C "$ROOT" status --porcelain -- src cmake CMakeLists.txt 2>/dev/null | awk '{print $2}' | tr '\n' ' ')
[[ -n "$DIRTY" ]] && say "  NOTE: the build includes uncommitted changes of other work in progress: $DIRTY"
say "  machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), kernel $(uname -r)"
say "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other builds share these cores: expect run-to-run spread)"
say "  anchors are measured in the same run: pod -> pod direct (throughput), 10 services (connect latency)"
say ""

# --- connect latency (no cluster) ---------------------------------------------------
say "1. TCP connect()+close() latency to a ClusterIP (client in this netns, server in a second netns behind a veth),"
say "   ${BENCH_CONNECTS:-2000} connects per size after ${BENCH_CONNECT_WARMUP:-200} warm-up ones; sizes in order ${BENCH_CONNECT_SERVICES:-10,10000,10,10000,10}"
say "   (bench/proxy/connect_bench.sh: CompileProxyPlan -> RenderProxyTable -> nft::Applier, ${BENCH_CONNECT_EXECUTOR:-nftnl} executor)"
bash "$ROOT/bench/proxy/connect_bench.sh" >"$TMP/connect.txt" 2>&1 || { cat "$TMP/connect.txt" >&2; exit 1; }
DIRECT=$(grep 'step=direct' "$TMP/connect.txt")
# The smallest size is the anchor, the largest the measured table.
LO=$(grep -o 'step=clusterip services=[0-9]*' "$TMP/connect.txt" | cut -d= -f3 | sort -n | head -1)
HI=$(grep -o 'step=clusterip services=[0-9]*' "$TMP/connect.txt" | cut -d= -f3 | sort -n | tail -1)
mapfile -t SMALL < <(grep "step=clusterip services=$LO " "$TMP/connect.txt")
mapfile -t BIGS < <(grep "step=clusterip services=$HI " "$TMP/connect.txt")
BIG=${BIGS[0]}
while read -r l; do
  n=$(field "$l" services)
  say "    $([[ $n == 0 ]] && echo "no table, server address  " || printf '%5s services, ClusterIP     ' "$n")" \
    "p50 $(field "$l" p50_us) us  p90 $(field "$l" p90_us) us  p99 $(field "$l" p99_us) us  mean $(field "$l" mean_us) us  failed $(field "$l" failed)"
done < <(grep '^RESULT' "$TMP/connect.txt")
# Each size: the mean of its runs (the sizes alternate, so drift in the
# machine's load hits both).
mean_of() { local k=$1; shift; for l in "$@"; do field "$l" "$k"; done | awk '{s += $1} END {printf "%.1f", s / NR}'; }
small_p50=$(mean_of p50_us "${SMALL[@]}") small_p99=$(mean_of p99_us "${SMALL[@]}")
big_p50=$(mean_of p50_us "${BIGS[@]}") big_p99=$(mean_of p99_us "${BIGS[@]}")
goal_row "connect p50, $HI services / $LO services" "$(ratio "$big_p50" "$small_p50")" "x" 1.1 le \
  "$big_p50 us / $small_p50 us (means of ${#BIGS[@]} and ${#SMALL[@]} runs)"
goal_row "connect p99, $HI services / $LO services" "$(ratio "$big_p99" "$small_p99")" "x" 1.1 le \
  "$big_p99 us / $small_p99 us"
goal_row "connect p50 via ClusterIP ($HI services) / no table" "$(ratio "$big_p50" "$(field "$DIRECT" p50_us)")" "x" "" le \
  "the cost of DNAT + masquerade itself"
say "    $HI-service table (informational): inputs $(field "$BIG" inputs_ms) ms, compile $(field "$BIG" compile_ms) ms," \
  "render $(field "$BIG" render_ms) ms, apply (full, $(field "$BIG" executor)$([[ $(field "$BIG" direct_batch) == 1 ]] && echo ' netlink batch'))" \
  "$(field "$BIG" apply_ms) ms, $(awk -v b="$(field "$BIG" bytes)" 'BEGIN{printf "%.1f", b/1048576}') MB sent, peak RSS $(field "$BIG" peak_rss_mb) MB"
load_note
say ""

# --- cluster: throughput and programming latency ---------------------------------------
say "2. iperf3 throughput on a 2-node cluster (bench/proxy/datapath.sh): client pod -> server pod, direct vs through"
say "   its ClusterIP, ${BENCH_IPERF_RUNS:-5} runs x ${BENCH_IPERF_SECONDS:-5} s each, alternating"
bash "$ROOT/bench/proxy/datapath.sh" >"$TMP/datapath.txt" 2>"$TMP/datapath.err" || { cat "$TMP/datapath.txt" "$TMP/datapath.err" >&2; exit 1; }
for pair in remote local; do
  l=$(grep "step=iperf pair=$pair" "$TMP/datapath.txt" || true)
  name=$([[ $pair == remote ]] && echo cross-node || echo same-node)
  goal_row "$name: ClusterIP / direct (median of per-run ratios)" "$(field "$l" median_ratio)" "x" 0.97 ge \
    "direct $(field "$l" direct_gbps) Gbit/s, ClusterIP $(field "$l" clusterip_gbps) Gbit/s (medians; ratio of medians $(field "$l" ratio_of_medians))"
  grep -A1 "step=iperf pair=$pair" "$TMP/datapath.txt" | tail -1 | tee -a "$REPORT"
done
load_note
say ""
if grep -q 'step=program' "$TMP/datapath.txt"; then
  say "3. programming latency (datapath.sh step 2): ${BENCH_PROGRAM_COUNT:-30} selector-less Services per round, each POSTed after"
  say "   its EndpointSlice; Service POST sent -> the ClusterIP first accepts a connection from a poller pod on the node"
  sed -n '/^2\. programming/,$p' "$TMP/datapath.txt" | grep -v '^2\.\|^   per round' | while read -r l; do
    if [[ "$l" == RESULT* ]]; then
      bg=$(field "$l" background)
      goal_row "$(field "$l" node) node, $bg background services: p99" "$(field "$l" p99_ms)" "ms" \
        "$([[ $bg -ge 10000 ]] && echo 50)" le "p50 $(field "$l" p50_ms) ms, p90 $(field "$l" p90_ms) ms, max $(field "$l" max_ms) ms, n=$(field "$l" n)"
    else
      say "    $l"
    fi
  done
  load_note
fi
say ""
say "raw:"
grep -h '^RESULT' "$TMP/connect.txt" "$TMP/datapath.txt" | sed 's/^/  /' | tee -a "$REPORT"
mkdir -p "$ROOT/bench/results"
cp "$REPORT" "$ROOT/bench/results/proxy.txt"
echo "(written to bench/results/proxy.txt)"
