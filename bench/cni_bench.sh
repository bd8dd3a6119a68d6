#!/usr/bin/env bash
# bench/cni_bench.sh [PODS]: CNI ADD and DEL latency per pod on one node, for
# netkube-cni (bridge mode, netlink in-process) and for Debian's reference
# bridge + host-local plugins (/usr/lib/cni), measured the same way in one run.
#
# Each plugin is executed as a CNI runtime does (CNI_* environment, the
# derived configuration on stdin) from a shell already inside the node's
# network namespace; the time per call is the wall clock around the plugin
# process, so both sides pay the same fork/exec cost (printed as "exec
# baseline"). Pods are added one after another to a node that already holds
# the earlier pods, so later ADDs see more bridge ports, as on a real node.
#
# Runs inside scripts/in-netns; every namespace it creates is deleted on exit
# or failure. Env: BUILD (build dir, default build). Output: stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ "${NETKUBE_IN_NETNS:-}" != "1" ]]; then
  exec "$ROOT/scripts/in-netns" bash "${BASH_SOURCE[0]}" "$@"
fi
PODS=${1:-100}
BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
CNI_BIN="$BUILD/netkube-cni"
REF=/usr/lib/cni
for bin in "$CNI_BIN" "$REF/bridge" "$REF/host-local"; do
  [[ -x "$bin" ]] || { echo "cni_bench: $bin is missing (build netkube-cni; install containernetworking-plugins)" >&2; exit 1; }
done

PFX="nkb$$-"
STATE=$(mktemp -d /tmp/nk-cni-bench-XXXXXX)
cleanup() {
  local ns
  for ns in $(ls /run/netns 2>/dev/null | grep "^$PFX" || true); do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$STATE"
}
trap cleanup EXIT

# run_flavor NAME PLUGIN_DIR TYPE CONFIG: prints "NAME add_mean add_p50 add_p99 del_mean" (ms)
run_flavor() {
  local name=$1 dir=$2 type=$3 conf=$4 i
  ip netns add "${PFX}node"
  ip -n "${PFX}node" link set lo up
  for ((i = 0; i < PODS; i++)); do ip netns add "${PFX}$name-$i"; done
  nsenter --net="/run/netns/${PFX}node" bash -s "$name" "$dir" "$type" "$conf" "$PODS" "$PFX" "$STATE" <<'INNER'
set -euo pipefail
name=$1 dir=$2 type=$3 conf=$4 pods=$5 pfx=$6 state=$7
us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
: > "$state/$name.add"; : > "$state/$name.del"
for ((i = 0; i < pods; i++)); do
  t0=$(us)
  NETKUBE_CNI_TIMING=1 CNI_COMMAND=ADD CNI_CONTAINERID="c$i" CNI_NETNS="/run/netns/$pfx$name-$i" CNI_IFNAME=eth0 \
    CNI_PATH="$dir" "$dir/$type" <<<"$conf" > "$state/out" 2>> "$state/$name.inside" ||
    { echo "ADD $i failed: $(cat "$state/out")" >&2; exit 1; }
  t1=$(us); echo $((t1 - t0)) >> "$state/$name.add"
done
for ((i = 0; i < pods; i++)); do
  t0=$(us)
  CNI_COMMAND=DEL CNI_CONTAINERID="c$i" CNI_NETNS="/run/netns/$pfx$name-$i" CNI_IFNAME=eth0 CNI_PATH="$dir" \
    "$dir/$type" <<<"$conf" > "$state/out" || { echo "DEL $i failed: $(cat "$state/out")" >&2; exit 1; }
  t1=$(us); echo $((t1 - t0)) >> "$state/$name.del"
done
INNER
  for ((i = 0; i < PODS; i++)); do ip netns del "${PFX}$name-$i"; done
  ip netns del "${PFX}node"
  local add del inside
  add=$(sort -n "$STATE/$name.add" | awk '{a[NR]=$1; s+=$1} END {printf "%.2f %.2f %.2f", s/NR/1000, a[int((NR+1)/2)]/1000, a[int(NR*0.99+0.5)]/1000}')
  del=$(awk '{s+=$1} END {printf "%.2f", s/NR/1000}' "$STATE/$name.del")
  inside=$(awk '$1 == "netkube-cni-timing-us" {s+=$2; n++} END {if (n) printf "%.2f", s/n/1000; else print "-"}' \
    "$STATE/$name.inside")
  echo "$name $add $del $inside"
}

# The exec baseline: the same shell loop around /bin/true.
base=$(bash -c 'for ((i = 0; i < 200; i++)); do t0=${EPOCHREALTIME/./}; CNI_COMMAND=ADD /bin/true <<<"{}"; t1=${EPOCHREALTIME/./}; echo $((t1 - t0)); done' |
  awk '{s+=$1} END {printf "%.2f", s/NR/1000}')

NK_CONF='{"cniVersion":"1.0.0","name":"bench","type":"netkube-cni","bridge":"cni0","mtu":1500,"hairpinMode":true,"ipam":{"subnet":"10.244.0.0/16","dataDir":"'"$STATE"'/nk"}}'
REF_CONF='{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"cni0","isGateway":true,"hairpinMode":true,"mtu":1500,"ipam":{"type":"host-local","subnet":"10.244.0.0/16","dataDir":"'"$STATE"'/ref","routes":[{"dst":"0.0.0.0/0"}]}}'

nk=$(run_flavor netkube "$(dirname "$CNI_BIN")" netkube-cni "$NK_CONF")
ref=$(run_flavor reference "$REF" bridge "$REF_CONF")

read -r _ nk_mean nk_p50 nk_p99 nk_del nk_inside <<<"$nk"
read -r _ ref_mean ref_p50 ref_p99 ref_del _ <<<"$ref"
echo "CNI ADD/DEL latency per pod, $PODS pods on one node (ms; exec baseline ${base} ms included in every number)"
printf "%-28s %8s %8s %8s %8s\n" plugin "ADD mean" "ADD p50" "ADD p99" "DEL mean"
printf "%-28s %8s %8s %8s %8s\n" "netkube-cni" "$nk_mean" "$nk_p50" "$nk_p99" "$nk_del"
printf "%-28s %8s %8s %8s %8s\n" "bridge+host-local (Debian)" "$ref_mean" "$ref_p50" "$ref_p99" "$ref_del"
awk -v a="$nk_mean" -v b="$ref_mean" -v c="$nk_del" -v d="$ref_del" \
  'BEGIN {printf "ratio reference/netkube-cni: ADD %.1fx, DEL %.1fx (goal: netkube-cni ADD <= 2 ms)\n", b/a, d/c}'
echo "netkube-cni ADD inside the plugin (no process start-up): ${nk_inside} ms mean"
echo "machine load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (numbers above scale with it)"
