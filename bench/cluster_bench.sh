#!/usr/bin/env bash
# bench/cluster_bench.sh: whole-cluster benchmarks of issue 3, each number
# printed beside its goal and its anchor (published numbers of kind, k3d,
# minikube, k3s; Kubernetes' pod start-up SLO), with ratios.
#
#   1. `netkube up` wall time until it returns (nodes Ready, system pods
#      Running): --nodes 3, --nodes 1, --nodes 3 --cni none; RUNS runs each,
#      every run followed by `netkube down` (timed too).
#   2. Pod create -> Running with an IP (bench/cluster/podbench.cc): PODS pods
#      of registry.k8s.io/pause:3.9 from CLIENTS clients on a NODES-node
#      cluster (the pods tolerate the control plane's NoSchedule taint, so all
#      nodes take pods), then their deletion. Server and agent CPU per pod and
#      memory holding the pods are sampled.
#   3. Memory of a 3-node cluster with 30 idle pods (10 pause, 10 echoserver,
#      10 agnhost netexec): RSS and PSS (/proc/PID/smaps_rollup) of every
#      process whose executable is netkube or netkube-image, per kind.
#   4. bench/cni_bench.sh (CNI ADD per pod, netkube-cni vs Debian's plugins).
#   5. (BENCH_CLUSTER_STRETCH=1) 10,000 pods over 100 nodes.
#
# Everything runs inside scripts/in-netns; clusters live in a scratch
# NETKUBE_STATE_DIR with a scratch KUBECONFIG and are removed with
# `netkube down` after each step and on failure or interrupt.
#
# Env: BUILD (build dir, default build), BENCH_CLUSTER_QUICK=1 (1 up run per
#      shape, 200 pods, 30 CNI pods: the slow parts skipped),
#      BENCH_UP_RUNS (5), BENCH_PODS (1000), BENCH_POD_CLIENTS (8),
#      BENCH_POD_NODES (10), BENCH_CNI_PODS (100), BENCH_CLUSTER_STRETCH=1
#      (also step 5), BENCH_STRETCH_PODS (10000), BENCH_STRETCH_NODES (100),
#      BENCH_STRETCH_DEADLINE (60: seconds after the creates to count Running),
#      BENCH_CLUSTER_STEPS (which of 1-5 to run, default "1 2 3 4"; 5 is added
#      by BENCH_CLUSTER_STRETCH=1), BENCH_PERF=1 (profile the server and one
#      agent with perf during step 2 and print their top symbols),
#      BENCH_KEEP_TMP=1 (keep the scratch dir: logs, perf data).
# Output: stdout and bench/results/cluster.txt (cluster-quick.txt when quick,
# cluster-partial.txt when only some steps ran).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ "${NETKUBE_IN_NETNS:-}" != "1" ]]; then
  exec "$ROOT/scripts/in-netns" bash "${BASH_SOURCE[0]}" "$@"
fi

BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
NETKUBE="$BUILD/netkube"
PODBENCH="$BUILD/bench/netkube-podbench"
for bin in "$NETKUBE" "$BUILD/netkube-cni" "$BUILD/netkube-image" "$PODBENCH"; do
  if [[ ! -x "$bin" ]]; then
    echo "cluster_bench: $bin is missing; build netkube netkube-cni netkube-image netkube-podbench" >&2
    exit 1
  fi
done
QUICK=${BENCH_CLUSTER_QUICK:-0}
if [[ "$QUICK" == "1" ]]; then
  RUNS=${BENCH_UP_RUNS:-1} PODS=${BENCH_PODS:-200} CNI_PODS=${BENCH_CNI_PODS:-30}
  OUT_NAME=cluster-quick.txt
else
  RUNS=${BENCH_UP_RUNS:-5} PODS=${BENCH_PODS:-1000} CNI_PODS=${BENCH_CNI_PODS:-100}
  OUT_NAME=cluster.txt
fi
CLIENTS=${BENCH_POD_CLIENTS:-8}
STEPS=" ${BENCH_CLUSTER_STEPS:-1 2 3 4} "
[[ "${BENCH_CLUSTER_STRETCH:-0}" == "1" ]] && STEPS+="5 "
[[ "$STEPS" == " 1 2 3 4 " || "$STEPS" == " 1 2 3 4 5 " ]] || OUT_NAME=cluster-partial.txt
step() { [[ "$STEPS" == *" $1 "* ]]; }
POD_NODES=${BENCH_POD_NODES:-10}
PAUSE=registry.k8s.io/pause:3.9

TMP=$(mktemp -d "${TMPDIR:-/tmp}/netkube-cluster-bench.XXXXXX")
export NETKUBE_STATE_DIR="$TMP/state" KUBECONFIG="$TMP/kubeconfig"
CLUSTER=nkbench
UP=0
down() {
  [[ "$UP" == "1" ]] || return 0
  UP=0
  "$NETKUBE" down --name "$CLUSTER" >>"$TMP/down.log" 2>&1 || echo "cluster_bench: netkube down failed (see $TMP/down.log)" >&2
}
cleanup() {
  local rc=$?
  down
  if [[ $rc -ne 0 || "${BENCH_KEEP_TMP:-0}" == "1" ]]; then
    echo "cluster_bench: exit $rc; logs and perf data kept in $TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

REPORT="$TMP/report.txt"
source "$ROOT/bench/report_lib.sh"  # say, field, ratio, verdict
# row LABEL VALUE UNIT GOAL OP [ANCHOR_TEXT]: value, goal, value/goal, anchor.
row() {
  local label=$1 value=$2 unit=$3 goal=$4 op=$5 anchor=${6:-}
  local goal_txt="-" ratio_txt=""
  if [[ -n "$goal" ]]; then
    goal_txt="$([[ $op == le ]] && echo "<=" || echo ">=")$goal $unit"
    ratio_txt="x$(ratio "$value" "$goal") of goal, $(verdict "$value" "$goal" "$op")"
  fi
  printf '  %-46s %10s %-5s goal %-12s %-24s %s\n' "$label" "${value:-n/a}" "$unit" "$goal_txt" "$ratio_txt" \
    "$anchor" | tee -a "$REPORT"
}
now() { echo "${EPOCHREALTIME}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# stats V...: "min median max" of the values.
stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {
  m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.3f %.3f %.3f", v[1], m, v[NR] }'; }

up() {
  UP=1
  "$NETKUBE" up --name "$CLUSTER" "$@" >>"$TMP/up.log" 2>&1 || {
    echo "cluster_bench: netkube up $* failed:" >&2
    tail -20 "$TMP/up.log" >&2
    return 1
  }
}

# procs: "KIND PROCESSES RSS_KB PSS_KB CPU_S" per kind of this cluster's
# netkube and netkube-image processes, then "total ..." (see
# bench/cluster/procs.h: only processes in this script's or the cluster's
# network namespaces count, so other clusters on the machine are left out).
procs() { "$PODBENCH" procs --cluster "$CLUSTER"; }
# pid_of CHILD: the PID the supervisor recorded for server or a node's agent.
pid_of() { awk '{print $1}' "$NETKUBE_STATE_DIR/clusters/$CLUSTER/run/$1.pid" 2>/dev/null; }
cpu_of() { awk -v k="$2" '$1 == k {print $5}' <<<"$1"; }

# perf_start / perf_stop: with BENCH_PERF=1, profile the server and the first
# worker's agent (the perf processes are killed by PID in perf_stop).
PERF_PIDS=()
perf_start() {
  [[ "${BENCH_PERF:-0}" == "1" ]] && command -v perf >/dev/null || return 0
  local pid name
  for name in server "$CLUSTER-worker"; do
    pid=$(pid_of "$name")
    [[ -n "$pid" ]] || continue
    perf record -F 499 --call-graph "${BENCH_PERF_CALLGRAPH:-fp}" -p "$pid" -o "$TMP/perf-$name.data" >/dev/null 2>&1 &
    PERF_PIDS+=("$!:$name")
  done
  sleep 0.5
}
perf_stop() {
  local entry pid name
  for entry in "${PERF_PIDS[@]}"; do
    pid=${entry%%:*} name=${entry#*:}
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    perf report -i "$TMP/perf-$name.data" --no-children --sort dso,symbol -g none --stdio 2>/dev/null |
      grep -v '^#' | grep '%' | head -16 | cut -c1-150 >"$TMP/perf-$name.txt" || true
  done
  PERF_PIDS=()
}

say "netkube cluster benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
say "  commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), build $(basename "$BUILD")$([[ $QUICK == 1 ]] && echo ', QUICK mode')"
say "  machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, kernel $(uname -r)"
say "  load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other builds share these cores: expect run-to-run spread)"
say "  anchors are PUBLISHED numbers from other machines (not measured here): kind 33 s, k3d 19.9 s, minikube 50.8 s"
say "  to a ready cluster; k3s server with a workload ~1.6 GB; Kubernetes pod start-up SLO p99 <= 5 s"
say ""

# --- 1. netkube up -------------------------------------------------------------
if step 1; then
say "1. netkube up until it returns (nodes Ready, system pods Running), $RUNS runs each, each followed by netkube down"
declare -A UP_MED
for shape in "3" "1" "3 none"; do
  read -r nodes cni <<<"$shape"
  args=(--nodes "$nodes")
  label="--nodes $nodes"
  if [[ -n "${cni:-}" ]]; then
    args+=(--cni "$cni")
    label+=" --cni $cni"
  fi
  ups=() downs=()
  for ((r = 0; r < RUNS; r++)); do
    t0=$(now)
    up "${args[@]}"
    t1=$(now)
    UP=1
    down
    t2=$(now)
    ups+=("$(elapsed "$t0" "$t1")")
    downs+=("$(elapsed "$t1" "$t2")")
  done
  read -r mn md mx <<<"$(stats "${ups[@]}")"
  read -r dmn dmd dmx <<<"$(stats "${downs[@]}")"
  UP_MED[$label]=$md
  anchors="kind x$(ratio 33 "$md"), k3d x$(ratio 19.9 "$md"), minikube x$(ratio 50.8 "$md") faster"
  row "up $label: median (min $mn, max $mx)" "$md" "s" 1 le "$anchors"
  say "    runs (s): ${ups[*]}; down: median $dmd s (min $dmn, max $dmx)"
done
load_note
say ""
fi

# --- 2. pod start-up -------------------------------------------------------------
CREATE="" DELETE=""
if step 2; then
say "2. $PODS pods ($PAUSE, one container) from $CLIENTS clients on a $POD_NODES-node cluster;"
say "   latency = create response -> first watch event with phase Running and a podIP (netkube-podbench)"
up --nodes "$POD_NODES"
CPU0=$(procs)
perf_start
"$PODBENCH" --kubeconfig "$KUBECONFIG" --ns podbench --count "$PODS" --clients "$CLIENTS" --image "$PAUSE" \
  --hold 5 --deadline 180 >"$TMP/pods.out" 2>"$TMP/pods.err" &
PB=$!
for _ in $(seq 2000); do
  grep -q 'phase=create' "$TMP/pods.out" 2>/dev/null && break
  kill -0 "$PB" 2>/dev/null || break
  sleep 0.1
done
CPU1=$(procs)
MEM_PODS=$CPU1
perf_stop
wait "$PB" || echo "cluster_bench: netkube-podbench exited with $?" >&2
CREATE=$(grep '^RESULT phase=create' "$TMP/pods.out" || true)
DELETE=$(grep '^RESULT phase=delete' "$TMP/pods.out" || true)
sed 's/^/    podbench: /' "$TMP/pods.err" | tee -a "$REPORT" >&2
cpu_per_pod() { awk -v a="$(cpu_of "$CPU0" "$1")" -v b="$(cpu_of "$CPU1" "$1")" -v n="$PODS" \
  'BEGIN { printf "%.2f", (b - a) * 1000 / n }'; }
row "pods Running with an IP" "$(field "$CREATE" running)" "" "$PODS" ge
row "create -> Running p50" "$(field "$CREATE" run_p50_ms)" "ms" "" le
row "create -> Running p90" "$(field "$CREATE" run_p90_ms)" "ms" "" le
row "create -> Running p99" "$(field "$CREATE" run_p99_ms)" "ms" 100 le \
  "SLO p99 <=5000 ms: x$(ratio "$(field "$CREATE" run_p99_ms)" 5000)"
row "create -> Running max" "$(field "$CREATE" run_max_ms)" "ms" "" le
row "throughput, first create sent -> last Running" "$(field "$CREATE" rate)" "/s" 200 ge
say "    breakdown p50/p99 (ms): create call $(field "$CREATE" call_p50_ms)/$(field "$CREATE" call_p99_ms), response -> bound (scheduler)" \
  "$(field "$CREATE" bound_p50_ms)/$(field "$CREATE" bound_p99_ms), bound -> Running (agent)" \
  "$(field "$CREATE" bound_run_p50_ms)/$(field "$CREATE" bound_run_p99_ms)"
say "    creates answered at $(field "$CREATE" create_rate)/s; all Running $(field "$CREATE" wall_s) s after the first create;" \
  "$(field "$CREATE" nodes) nodes took $(field "$CREATE" per_node_min)-$(field "$CREATE" per_node_max) pods each;" \
  "create errors $(field "$CREATE" errors); events before the create's response: $(field "$CREATE" early)"
say "    CPU per pod while creating (ms): server $(cpu_per_pod server), agents together $(cpu_per_pod agent)," \
  "supervisor $(cpu_per_pod supervisor)"
mem_of() { awk -v k="$2" -v c="$3" '$1 == k {printf "%.1f", $c / 1024}' <<<"$1"; }
say "    memory holding the pods: server RSS $(mem_of "$MEM_PODS" server 3) MB, agents RSS $(mem_of "$MEM_PODS" agent 3) MB" \
  "together, all $(awk '$1 == "total" {print $2}' <<<"$MEM_PODS") netkube processes RSS $(mem_of "$MEM_PODS" total 3) MB, PSS $(mem_of "$MEM_PODS" total 4) MB"
row "delete -> gone p50" "$(field "$DELETE" gone_p50_ms)" "ms" "" le
row "delete -> gone p99" "$(field "$DELETE" gone_p99_ms)" "ms" "" le
row "delete throughput, first delete -> last gone" "$(field "$DELETE" rate)" "/s" "" ge
say "    deleted $(field "$DELETE" gone)/$PODS in $(field "$DELETE" wall_s) s, delete errors $(field "$DELETE" errors)"
load_note
for f in "$TMP"/perf-*.txt; do
  [[ -s "$f" ]] || continue
  say "    perf: $(basename "$f" .txt) while the pods were created (self time, top symbols)"
  sed 's/^/      /' "$f" | tee -a "$REPORT"
done
down
say ""
fi

# --- 3. memory ---------------------------------------------------------------------
if step 3; then
say "3. memory: 3-node cluster, 30 idle pods (10 pause, 10 echoserver, 10 agnhost netexec), all netkube processes"
up --nodes 3
for spec in "pause $PAUSE" "echo k8s.gcr.io/echoserver:1.10" \
  "netexec registry.k8s.io/e2e-test-images/agnhost:2.39 netexec,--http-port=8080"; do
  read -r prefix image pargs <<<"$spec"
  R=$("$PODBENCH" --kubeconfig "$KUBECONFIG" --ns idle --count 10 --clients 4 --prefix "$prefix" --image "$image" \
    --args "${pargs:-}" --delete 0 --deadline 60 2>>"$TMP/mem.err" | grep '^RESULT' || true)
  [[ "$(field "$R" running)" == "10" ]] || echo "cluster_bench: only $(field "$R" running)/10 $prefix pods Running" >&2
done
sleep 5 # idle
IDLE0=$(procs)
sleep 10
MEM=$(procs)
IDLE_PODS=$(kubectl get pods -A --no-headers 2>/dev/null | awk '$4 == "Running"' | wc -l)
say "   $IDLE_PODS pods Running (30 + the netkube-cni DaemonSet's 3); kind, processes, RSS, PSS (MB)"
awk '{printf "    %-22s %3d  RSS %7.1f  PSS %7.1f\n", $1, $2, $3/1024, $4/1024}' <<<"$MEM" | tee -a "$REPORT"
TOTAL_RSS=$(awk '$1 == "total" {printf "%.1f", $3/1024}' <<<"$MEM")
TOTAL_PSS=$(awk '$1 == "total" {printf "%.1f", $4/1024}' <<<"$MEM")
row "sum of RSS, all netkube processes" "$TOTAL_RSS" "MB" 100 le "k3s ~1600 MB published: x$(ratio 1600 "$TOTAL_RSS") smaller"
row "sum of PSS, all netkube processes" "$TOTAL_PSS" "MB" 100 le "k3s ~1600 MB published: x$(ratio 1600 "$TOTAL_PSS") smaller"
say "    (RSS counts the shared netkube text once per process; PSS splits shared pages among their users)"
say "    idle CPU over 10 s: $(awk 'NR == FNR { c[$1] = $5; next } { d = $5 - c[$1]; if (d < 0) d = 0
  printf "%s%s %.1f%%", sep, $1, d * 10; sep = ", " }' <(echo "$IDLE0") <(echo "$MEM")) of one core"
load_note
down
say ""
fi

# --- 4. CNI ADD -------------------------------------------------------------------
if step 4; then
say "4. bench/cni_bench.sh $CNI_PODS (CNI ADD/DEL per pod on one node)"
BUILD="$BUILD" bash "$ROOT/bench/cni_bench.sh" "$CNI_PODS" 2>&1 | sed 's/^/    /' | tee -a "$REPORT"
say ""
fi

# --- 5. stretch ---------------------------------------------------------------------
if step 5; then
  SPODS=${BENCH_STRETCH_PODS:-10000}
  SNODES=${BENCH_STRETCH_NODES:-100}
  say "5. stretch: $SPODS pods over $SNODES nodes, goal all Running within 60 s"
  t0=$(now)
  up --nodes "$SNODES" --wait 600
  t1=$(now)
  say "    netkube up --nodes $SNODES: $(elapsed "$t0" "$t1") s"
  # Counted at the goal's 60 s (BENCH_STRETCH_DEADLINE); no timed deletion:
  # netkube down removes what was created.
  SR=$("$PODBENCH" --kubeconfig "$KUBECONFIG" --ns stretch --count "$SPODS" --clients "$CLIENTS" --image "$PAUSE" \
    --delete 0 --deadline "${BENCH_STRETCH_DEADLINE:-60}" 2>"$TMP/stretch.err" | grep '^RESULT' || true)
  sed 's/^/    podbench: /' "$TMP/stretch.err" | tee -a "$REPORT" >&2
  SC=$(grep 'phase=create' <<<"$SR" || true)
  row "pods Running with an IP" "$(field "$SC" running)" "" "$SPODS" ge
  row "first create -> last Running" "$(field "$SC" wall_s)" "s" 60 le
  row "throughput" "$(field "$SC" rate)" "/s" "" ge
  row "create -> Running p50" "$(field "$SC" run_p50_ms)" "ms" "" le
  row "create -> Running p99" "$(field "$SC" run_p99_ms)" "ms" "" le "SLO p99 <=5000 ms: x$(ratio "$(field "$SC" run_p99_ms)" 5000)"
  say "    creates answered at $(field "$SC" create_rate)/s (errors $(field "$SC" errors)); $(field "$SC" nodes) nodes took" \
    "$(field "$SC" per_node_min)-$(field "$SC" per_node_max) pods each; counted ${BENCH_STRETCH_DEADLINE:-60} s after the creates returned"
  say "    breakdown p50 (ms): response -> bound (scheduler) $(field "$SC" bound_p50_ms), bound -> Running (agent) $(field "$SC" bound_run_p50_ms);" \
    "latencies are over the pods that ran"
  load_note
  say "    raw: $SR"
  t0=$(now)
  down
  say "    netkube down of the $SNODES-node cluster: $(elapsed "$t0" "$(now)") s"
  say ""
fi

[[ -n "$CREATE" ]] && say "raw: $CREATE"
[[ -n "$DELETE" ]] && say "raw: $DELETE"
mkdir -p "$ROOT/bench/results"
cp "$REPORT" "$ROOT/bench/results/$OUT_NAME"
echo "(written to bench/results/$OUT_NAME)"
