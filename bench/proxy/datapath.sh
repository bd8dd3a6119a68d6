#!/usr/bin/env bash
# bench/proxy/datapath.sh: the service data path on a real cluster (issue 4).
#
#   1. iperf3 throughput pod -> ClusterIP -> pod divided by pod -> pod direct,
#      same client and server pods (goal >= 0.97): a 2-node cluster
#      (`netkube up --name bp<PID> --nodes 2`), an `iperf3 -s` pod on the
#      worker behind a Service, client pods on the control plane (cross-node
#      pair) and on the worker (same-node pair) running `iperf3 -c` through
#      kubectl exec, RUNS runs of SECONDS each, direct and ClusterIP
#      alternating; the ratio of the medians and the median of the per-run
#      ratios are printed.
#   2. (BENCH_PROGRAM=0 skips) programming latency: COUNT times, a Service
#      without a selector (fixed ClusterIP) is POSTed after its EndpointSlice
#      (pointing at an echoserver pod); a poller pod on each node connects
#      to that ClusterIP every ~1 ms; latency = Service POST sent -> the
#      first connection accepted, per node (same clock: one machine); the
#      next Service is written once every poller has seen the last one. One
#      round per entry of BENCH_PROGRAM_BACKGROUND ("0 10000": background
#      services, each with a 3-endpoint slice, POSTed before the round).
#
# Everything runs in scripts/in-netns; the cluster lives in a scratch
# NETKUBE_STATE_DIR with a scratch KUBECONFIG and `netkube down` removes it
# on exit, also on failure.
# Env: BUILD (default build), BENCH_IPERF_RUNS (5), BENCH_IPERF_SECONDS (5),
#      BENCH_PROGRAM (1), BENCH_PROGRAM_COUNT (30), BENCH_PROGRAM_BACKGROUND
#      ("0 10000", ascending), BENCH_KEEP_TMP=1 (keep logs).
# Output: "RESULT ..." lines and a readable summary on stdout.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ "${NETKUBE_IN_NETNS:-}" != "1" ]]; then
  exec "$ROOT/scripts/in-netns" bash "${BASH_SOURCE[0]}" "$@"
fi
BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
NETKUBE="$BUILD/netkube"
for bin in "$NETKUBE" "$BUILD/netkube-cni" "$BUILD/netkube-image"; do
  [[ -x "$bin" ]] || { echo "datapath: $bin is missing; build netkube netkube-cni netkube-image" >&2; exit 1; }
done
command -v iperf3 >/dev/null || { echo "datapath: iperf3 is not installed" >&2; exit 1; }
RUNS=${BENCH_IPERF_RUNS:-5}
SECS=${BENCH_IPERF_SECONDS:-5}
COUNT=${BENCH_PROGRAM_COUNT:-30}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/netkube-proxy-bench.XXXXXX")
export NETKUBE_STATE_DIR="$TMP/state" KUBECONFIG="$TMP/kubeconfig"
C=bp$$
C=${C:0:12}
cleanup() {
  local rc=$?
  "$NETKUBE" down --name "$C" >>"$TMP/down.log" 2>&1 || echo "datapath: netkube down failed" >&2
  if [[ $rc -ne 0 || "${BENCH_KEEP_TMP:-0}" == "1" ]]; then echo "datapath: exit $rc; logs in $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# An image the catalog does not know runs its command from the machine.
IMG=netkube.local/bench-tools:1
on_node() { printf '{"spec":{"nodeName":"%s"}}' "$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END { m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.4f", m }'; }
pct() { # pct P V...: nearest-rank percentile
  local p=$1; shift
  printf '%s\n' "$@" | sort -g | awk -v p="$p" '{v[NR]=$1} END { r = int(p * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR; printf "%.1f", v[r] }'
}

"$NETKUBE" up --name "$C" --nodes 2 >"$TMP/up.log" 2>&1 || { tail -20 "$TMP/up.log" >&2; exit 1; }
CP=$C-control-plane W=$C-worker
kubectl run srv --image=$IMG --labels=app=srv --restart=Never --overrides="$(on_node "$W")" --command -- iperf3 -s >/dev/null
kubectl run cli-remote --image=$IMG --restart=Never --overrides="$(on_node "$CP")" --command -- sleep 36000 >/dev/null
kubectl run cli-local --image=$IMG --restart=Never --overrides="$(on_node "$W")" --command -- sleep 36000 >/dev/null
kubectl expose pod srv --port=5201 --cluster-ip=10.96.100.100 >/dev/null
kubectl wait --for=condition=Ready --timeout=60s pod/srv pod/cli-remote pod/cli-local >/dev/null
POD_IP=$(kubectl get pod srv -o jsonpath='{.status.podIP}')
CIP=$(kubectl get svc srv -o jsonpath='{.spec.clusterIP}')
for _ in $(seq 100); do  # the service's endpoint is programmed
  kubectl exec cli-remote -- python3 -c "import socket; socket.create_connection(('$CIP', 5201), 1).close()" 2>/dev/null && break
  sleep 0.1
done
sleep 1  # let iperf3 -s forget the probe
echo "1. iperf3 pod -> pod vs pod -> ClusterIP -> pod: server pod srv $POD_IP on $W, Service $CIP:5201; $RUNS runs x $SECS s each, alternating"

# bps CLIENT TARGET: iperf3 received bits/s of one run.
bps() {
  local out
  for attempt in 1 2 3; do  # iperf3 -s serves one test at a time: retry if still busy
    out=$(kubectl exec "$1" -- iperf3 -c "$2" -t "$SECS" -J 2>/dev/null || true)
    python3 -c 'import json,sys; print("%.0f" % json.loads(sys.stdin.read())["end"]["sum_received"]["bits_per_second"])' \
      <<<"$out" 2>/dev/null && return 0
    sleep 1
  done
  echo "datapath: iperf3 -c $2 from $1 failed: $(head -c 300 <<<"$out")" >&2
  return 1
}
for pair in remote local; do
  client=cli-$pair
  d=() c=() r=()
  for ((i = 0; i < RUNS; i++)); do
    d+=("$(bps "$client" "$POD_IP")")
    c+=("$(bps "$client" "$CIP")")
    r+=("$(awk -v a="${c[-1]}" -v b="${d[-1]}" 'BEGIN { printf "%.4f", a / b }')")
  done
  dm=$(median "${d[@]}") cm=$(median "${c[@]}") rm=$(median "${r[@]}")
  label=$([[ $pair == remote ]] && echo "cross-node ($CP -> $W)" || echo "same-node ($W -> $W)")
  echo "RESULT step=iperf pair=$pair direct_gbps=$(awk -v x="$dm" 'BEGIN{printf "%.2f", x/1e9}') clusterip_gbps=$(awk -v x="$cm" 'BEGIN{printf "%.2f", x/1e9}') ratio_of_medians=$(awk -v a="$cm" -v b="$dm" 'BEGIN{printf "%.3f", a/b}') median_ratio=$rm"
  echo "    $label runs (Gbit/s) direct: $(for x in "${d[@]}"; do awk -v x="$x" 'BEGIN{printf "%.2f ", x/1e9}'; done)ClusterIP: $(for x in "${c[@]}"; do awk -v x="$x" 'BEGIN{printf "%.2f ", x/1e9}'; done)ratios: ${r[*]}"
done

[[ "${BENCH_PROGRAM:-1}" == "1" ]] || exit 0
# --- 2. programming latency ---------------------------------------------------------
read -r -a BG <<<"${BENCH_PROGRAM_BACKGROUND:-0 10000}"
TOTAL=$((COUNT * ${#BG[@]}))
kubectl run echo --image=k8s.gcr.io/echoserver:1.10 --restart=Never --overrides="$(on_node "$W")" >/dev/null
POLLER=$(python3 "$ROOT/bench/proxy/program_latency.py" --poller)
PREFIX=10.96.250
for n in "$CP" "$W"; do
  kubectl run "poll-${n##*-}" --image=$IMG --restart=Never --overrides="$(on_node "$n")" --command -- \
    python3 -c "$POLLER" "$PREFIX" 8080 "$TOTAL" >/dev/null
done
POLLS=(poll-plane poll-worker)
kubectl wait --for=condition=Ready --timeout=60s pod/echo "${POLLS[@]/#/pod/}" >/dev/null
ECHO_IP=$(kubectl get pod echo -o jsonpath='{.status.podIP}')
for p in "${POLLS[@]}"; do
  for _ in $(seq 100); do kubectl logs "$p" 2>/dev/null | grep -q READY && break; sleep 0.1; done
done
K="$TMP/kc"
mkdir -p "$K"
kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}' >"$K/server.txt"
kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$K/ca.crt"
kubectl config view --raw --minify -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d >"$K/client.crt"
kubectl config view --raw --minify -o jsonpath='{.users[0].user.client-key-data}' | base64 -d >"$K/client.key"
echo "2. programming latency: $COUNT x (EndpointSlice -> $ECHO_IP:8080, then a selector-less Service with ClusterIP $PREFIX.N)"
echo "   per round; Service POST sent -> its ClusterIP first accepts a connection from a poller pod on each node"
# reachable_from POD IP PORT: seconds until IP:PORT accepts a connection from POD.
reachable_from() {
  kubectl exec "$1" -- python3 -c "
import socket, time
t0 = time.time()
while True:
    s = socket.socket(); s.settimeout(0.01); ok = s.connect_ex(('$2', $3)) == 0; s.close()
    if ok or time.time() - t0 > 120: break
    time.sleep(0.001)
print('%.2f' % (time.time() - t0) if ok else 'never (120 s)')"
}
# metrics NODE: "sync_sum sync_count prog_sum prog_count delta full noop" of
# the node's proxy (/metrics on NODE_IP:10249).
metrics() {
  local ip
  ip=$(kubectl get node "$1" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')
  curl -s --max-time 5 "http://$ip:10249/metrics" | awk '
    /^netkube_proxy_sync_duration_seconds_sum/ {a=$2} /^netkube_proxy_sync_duration_seconds_count/ {b=$2}
    /^netkube_proxy_network_programming_duration_seconds_sum/ {c=$2} /^netkube_proxy_network_programming_duration_seconds_count/ {d=$2}
    /mode="delta"/ {e=$2} /mode="full"/ {f=$2} /mode="noop"/ {g=$2}
    END {print a+0, b+0, c+0, d+0, e+0, f+0, g+0}'
}
# metrics_note NODE BEFORE AFTER: what the node's proxy says about the round.
metrics_note() {
  read -r a0 b0 c0 d0 e0 f0 g0 <<<"$2"
  read -r a1 b1 c1 d1 e1 f1 g1 <<<"$3"
  awk -v n="$1" -v sa=$((b1 - b0)) -v ss="$(awk -v x="$a0" -v y="$a1" 'BEGIN{print y-x}')" \
    -v pa=$((d1 - d0)) -v ps="$(awk -v x="$c0" -v y="$c1" 'BEGIN{print y-x}')" \
    -v de=$((e1 - e0)) -v fu=$((f1 - f0)) -v no=$((g1 - g0)) 'BEGIN {
    printf "    %s proxy /metrics over the round: %d syncs (delta %d, full %d, noop %d), mean sync %.1f ms, mean change seen -> live %.1f ms\n",
      n, sa, de, fu, no, sa ? ss * 1000 / sa : 0, pa ? ps * 1000 / pa : 0 }'
}
first=0
for bg in "${BG[@]}"; do
  if [[ "$bg" -gt 0 ]]; then
    python3 "$ROOT/bench/proxy/program_latency.py" --bulk "$K" default "$bg" | sed 's/^/    /'
    # A sentinel service created after the bulk: once it answers on a node,
    # that node's proxy has programmed the bulk too.
    SENT=10.96.249.$((first / COUNT + 1))
    kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: sentinel-$bg}
spec: {clusterIP: $SENT, ports: [{port: 8080, protocol: TCP}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: sentinel-$bg, labels: {kubernetes.io/service-name: sentinel-$bg}}
addressType: IPv4
endpoints: [{addresses: ["$ECHO_IP"]}]
ports: [{name: "", protocol: TCP, port: 8080}]
YAML
    for p in "${POLLS[@]}"; do
      echo "    a service created after the $bg answers from the ${p#poll-} pod $(reachable_from "$p" "$SENT" 8080) s later"
    done
    sleep 2
  fi
  M0_CP=$(metrics "$CP") M0_W=$(metrics "$W")
  python3 "$ROOT/bench/proxy/program_latency.py" "$K" default "$ECHO_IP" 8080 "$PREFIX" "$COUNT" "$first" "$(IFS=,; echo "${POLLS[*]}")" >>"$TMP/writes.txt"
  M1_CP=$(metrics "$CP") M1_W=$(metrics "$W")
  sleep 2
  for p in "${POLLS[@]}"; do
    kubectl logs "$p" >"$TMP/$p.txt"
    mapfile -t lat < <(awk -v lo="$first" -v hi="$((first + COUNT))" 'NR == FNR { if ($1 == "WRITE") t0[$2] = $3; next }
      $1 == "UP" && ($2 in t0) && $2 >= lo && $2 < hi { printf "%.3f\n", ($3 - t0[$2]) * 1000 }' "$TMP/writes.txt" "$TMP/$p.txt")
    if [[ ${#lat[@]} -eq 0 ]]; then echo "datapath: $p saw no service come up" >&2; continue; fi
    echo "RESULT step=program background=$bg node=${p#poll-} n=${#lat[@]} p50_ms=$(pct 0.5 "${lat[@]}") p90_ms=$(pct 0.9 "${lat[@]}") p99_ms=$(pct 0.99 "${lat[@]}") max_ms=$(pct 1 "${lat[@]}")"
  done
  mapfile -t call < <(awk -v lo="$first" '$1 == "WRITE" && $2 >= lo { printf "%.3f\n", ($4 - $3) * 1000 }' "$TMP/writes.txt")
  echo "    Service POST round trip: p50 $(pct 0.5 "${call[@]}") ms, p99 $(pct 0.99 "${call[@]}") ms"
  metrics_note plane "$M0_CP" "$M1_CP"
  metrics_note worker "$M0_W" "$M1_W"
  first=$((first + COUNT))
done
