#!/usr/bin/env bash
# cluster_test: `netkube up / down / status / ip / kubeconfig` end to end.
# Two clusters side by side, validation errors before anything is created,
# nodes Ready with their podCIDRs, the host reaching the control-plane node's
# API address, `down` leaving nothing behind, and `down` cleaning up an `up`
# that was killed half-way.
#
# State and kubeconfig go to scratch paths ($E2E_DIR). Named network
# namespaces (/run/netns) are machine-wide, so the cluster names carry this
# test's PID; the EXIT trap runs `netkube down` for both.
source "$(dirname "$0")/lib.sh"

export NETKUBE_STATE_DIR=$E2E_DIR/state
export KUBECONFIG=$E2E_DIR/kubeconfig
A=ca$$
B=cb$$
A=${A:0:12}
B=${B:0:12}

down_all() {
  "$NETKUBE" down --name "$A" >/dev/null 2>&1
  "$NETKUBE" down --name "$B" >/dev/null 2>&1
}
trap 'down_all; e2e_cleanup' EXIT

# leftovers NAME: what of cluster NAME still exists (netns, links, processes,
# kubeconfig entries, files); empty when nothing.
leftovers() {
  local name=$1 out=""
  out+=$(ip netns list | awk '{print $1}' | grep -E "^$name-" | sed 's/^/netns /')
  out+=$(ip -o link show | awk -F': ' '{print $2}' | grep -E "^nk-$name(@|$)" | sed 's/^/link /')
  out+=$(pgrep -af "$NETKUBE_STATE_DIR/clusters/$name" | sed 's/^/process /')
  if [[ -f "$KUBECONFIG" ]] && grep -q "netkube-$name" "$KUBECONFIG"; then out+="kubeconfig entry netkube-$name"; fi
  [[ -e "$NETKUBE_STATE_DIR/clusters/$name" ]] && out+="dir $NETKUBE_STATE_DIR/clusters/$name"
  printf '%s' "$out"
}

jp() { kubectl "$@" 2>/dev/null; }

# --- validation: clear errors, nothing created ------------------------------
expect_fail "up: pod CIDR without prefix" 'invalid --pod-cidr "10.244.0.0"' "$NETKUBE" up --name "$A" --pod-cidr 10.244.0.0
expect_fail "up: host bits set" 'did you mean 10.244.0.0/16' "$NETKUBE" up --name "$A" --pod-cidr 10.244.1.0/16
expect_fail "up: overlapping ranges" 'overlaps --service-cidr' "$NETKUBE" up --name "$A" --pod-cidr 10.96.0.0/16
expect_fail "up: node range overlaps pods" 'overlaps --pod-cidr' "$NETKUBE" up --name "$A" --node-cidr 10.244.0.0/24
expect_fail "up: bad name" 'invalid cluster name "Bad_Name"' "$NETKUBE" up --name Bad_Name
expect_fail "up: name too long" 'at most 12 characters' "$NETKUBE" up --name abcdefghijklmn
expect_fail "up: bad network" 'invalid --network "geneve"' "$NETKUBE" up --name "$A" --network geneve
expect_fail "up: bad cni" 'invalid --cni "calico"' "$NETKUBE" up --name "$A" --cni calico
expect_fail "up: too many nodes" 'do not fit in --pod-cidr' "$NETKUBE" up --name "$A" --nodes 3 --pod-cidr 10.244.0.0/23
expect_fail "up: --nodes 0 is refused" 'invalid --nodes 0' "$NETKUBE" up --name "$A" --nodes 0
expect_fail "up: --nodes -1 is refused" 'invalid --nodes -1' "$NETKUBE" up --name "$A" --nodes -1
cat >"$E2E_DIR/bad.yaml" <<YAML
name: $A
nodes:
- role: control-plane
- role: worker
  taints: ["gpu=true:Sometimes"]
YAML
expect_fail "up: config taint" 'invalid taint "gpu=true:Sometimes"' "$NETKUBE" up --config "$E2E_DIR/bad.yaml"
echo "nmae: x" >"$E2E_DIR/typo.yaml"
expect_fail "up: config unknown field" 'unknown field "nmae"' "$NETKUBE" up --config "$E2E_DIR/typo.yaml"
if id nobody >/dev/null 2>&1 && setpriv --reuid nobody --regid nogroup --clear-groups true 2>/dev/null; then
  expect_fail "up: not root" 'must run as root' \
    env NETKUBE_STATE_DIR="$E2E_DIR/nobody" setpriv --reuid nobody --regid nogroup --clear-groups "$NETKUBE" up --name "$A"
fi
ip netns add "$A-world"
expect_fail "up: netns in use" "network namespace \"$A-world\" already exists" "$NETKUBE" up --name "$A"
ip netns del "$A-world"
expect_eq "validation created nothing" "" "$(leftovers "$A")"

# --- a two-node cluster ------------------------------------------------------
expect_ok "up --nodes 2" "$NETKUBE" up --name "$A" --nodes 2 --wait 120
[[ $RC -eq 0 ]] || { log "up said: $ERR"; for f in "$NETKUBE_STATE_DIR/clusters/$A"/*.log; do log "== $f"; tail -n 15 "$f" >&2; done; }
expect_contains "up prints progress" "$ERR" "Preparing nodes"
expect_contains "up says how to use kubectl" "$OUT" "kubectl cluster-info --context netkube-$A"
expect_eq "current context" "netkube-$A" "$(kubectl config current-context 2>&1)"
expect_eq "node names" "$A-control-plane $A-worker" \
  "$(jp get nodes -o jsonpath='{.items[*].metadata.name}')"
expect_eq "nodes Ready" "True True" \
  "$(jp get nodes -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}')"
expect_eq "control-plane podCIDR" "10.244.0.0/24" "$(jp get node "$A-control-plane" -o jsonpath='{.spec.podCIDR}')"
expect_eq "worker podCIDR" "10.244.1.0/24" "$(jp get node "$A-worker" -o jsonpath='{.spec.podCIDR}')"
expect_eq "worker InternalIP" "172.18.0.3" \
  "$(jp get node "$A-worker" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')"
expect_contains "control-plane taint" "$(jp get node "$A-control-plane" -o jsonpath='{.spec.taints[*].key}')" \
  "node-role.kubernetes.io/control-plane"
expect_eq "worker has no control-plane taint" "" \
  "$(jp get node "$A-worker" -o jsonpath='{.spec.taints[*].key}' | grep -o control-plane)"
expect_contains "control-plane role label" "$(jp get node "$A-control-plane" --show-labels)" \
  "node-role.kubernetes.io/control-plane="
netns=$(ip netns list | awk '{print $1}' | sort | tr '\n' ' ')
expect_contains "netns: world" "$netns" "$A-world "
expect_contains "netns: control plane" "$netns" "$A-control-plane "
expect_contains "netns: worker" "$netns" "$A-worker "
expect_eq "node eth0 address" "172.18.0.3/16" \
  "$(ip -n "$A-worker" -o -4 addr show dev eth0 | awk '{print $4}')"
expect_contains "node default route" "$(ip -n "$A-worker" route show default)" "via 172.18.0.1"
expect_ok "host reaches 172.18.0.2:6443" kubectl --server https://172.18.0.2:6443 get --raw /version
expect_ok "worker reaches the API at 172.18.0.2:6443" \
  ip netns exec "$A-worker" curl -sS --max-time 10 -k -o /dev/null https://172.18.0.2:6443/version
expect_eq "netkube ip" "172.18.0.2" "$("$NETKUBE" ip --name "$A" 2>&1)"
expect_contains "netkube kubeconfig" "$("$NETKUBE" kubeconfig --name "$A" 2>&1)" "https://127.0.0.1:6443"
expect_match "netkube status: running" "$("$NETKUBE" status 2>&1)" "$A +2 +running +https://127.0.0.1:6443"
expect_fail "up: name in use" "already exists" "$NETKUBE" up --name "$A"

# The supervisor restarts a killed agent.
agent_pid=$(awk '{print $1}' "$NETKUBE_STATE_DIR/clusters/$A/run/$A-worker.pid" 2>/dev/null)
if [[ -n "$agent_pid" ]]; then
  kill -9 "$agent_pid"
  restarted() { local p; p=$(awk '{print $1}' "$NETKUBE_STATE_DIR/clusters/$A/run/$A-worker.pid"); [[ "$p" != "$agent_pid" ]] && kill -0 "$p"; }
  if wait_for "the agent to be restarted" 100 restarted; then pass "agent restarted"; else fail "agent restarted"; fi
else
  fail "agent pid file" "no $NETKUBE_STATE_DIR/clusters/$A/run/$A-worker.pid"
fi

# A pod: its sandbox namespace is the cluster's too, and goes with `down`.
kubectl run sleeper --image=busybox --restart=Never -- sleep 3600 >/dev/null 2>&1
expect_ok "a pod runs" kubectl wait --for=condition=Ready pod/sleeper --timeout=60s
expect_match "pod IP from the worker's podCIDR" "$(jp get pod sleeper -o jsonpath='{.status.podIP}')" '^10\.244\.1\.'
expect_match "pod netns exists" "$(ip netns list | awk '{print $1}' | tr '\n' ' ')" "$A-worker-[0-9a-f]{8} "

# --- a second cluster beside it ----------------------------------------------
expect_ok "second cluster" "$NETKUBE" up --name "$B" --cni none --wait 120
expect_contains "second cluster picks the next node network" "$ERR" "using 172.19.0.0/16"
expect_eq "second cluster ip" "172.19.0.2" "$("$NETKUBE" ip --name "$B" 2>&1)"
expect_eq "second cluster context" "netkube-$B" "$(kubectl config current-context 2>&1)"
expect_eq "second cluster node" "$B-control-plane" "$(jp get nodes -o jsonpath='{.items[*].metadata.name}')"
expect_eq "second cluster podCIDR" "10.244.0.0/24" "$(jp get node "$B-control-plane" -o jsonpath='{.spec.podCIDR}')"
expect_eq "first cluster still answers" "$A-control-plane $A-worker" \
  "$(jp --context "netkube-$A" get nodes -o jsonpath='{.items[*].metadata.name}')"
status=$("$NETKUBE" status 2>&1)
expect_match "status lists both" "$status" "$A .*running.*"$'\n'"$B .*running"
# Without --name: the cluster of kubectl's current context (minikube's current profile).
expect_eq "netkube ip without --name: the current context's cluster" "172.19.0.2" "$("$NETKUBE" ip 2>/dev/null)"
kubectl config use-context "netkube-$A" >/dev/null
expect_eq "  ... follows kubectl config use-context" "172.18.0.2" "$("$NETKUBE" ip 2>/dev/null)"
kubectl config use-context "netkube-$B" >/dev/null

# --- down --------------------------------------------------------------------
expect_ok "down first" "$NETKUBE" down --name "$A"
expect_eq "down left nothing of the first" "" "$(leftovers "$A")"
expect_eq "second cluster untouched" "$B-control-plane" \
  "$(jp --context "netkube-$B" get nodes -o jsonpath='{.items[*].metadata.name}')"
expect_ok "down is idempotent" "$NETKUBE" down --name "$A"

# --- an interrupted up is cleaned by down -----------------------------------------
"$NETKUBE" up --name "$A" --nodes 3 --wait 120 >/dev/null 2>&1 &
up_pid=$!
track_pid "$up_pid"
made() { ip netns list | grep -q "^$A-worker"; }
wait_for "up to create namespaces" 300 made
kill -9 "$up_pid" 2>/dev/null
wait "$up_pid" 2>/dev/null
expect_ok "down after a killed up" "$NETKUBE" down --name "$A"
expect_eq "nothing left after a killed up" "" "$(leftovers "$A")"

# A supervisor killed with -9 leaves its server and agent running: down finds them.
sup_pid=$(awk '{print $1}' "$NETKUBE_STATE_DIR/clusters/$B/supervisor.pid" 2>/dev/null)
[[ -n "$sup_pid" ]] && kill -9 "$sup_pid"
expect_match "status: stopped" "$("$NETKUBE" status 2>&1)" "$B +1 +stopped"
expect_ok "down second" "$NETKUBE" down --name "$B"
expect_eq "down left nothing of the second" "" "$(leftovers "$B")"
expect_eq "no nk- links left" "" "$(ip -o link show | awk -F': ' '{print $2}' | grep -E '^nk-')"
expect_eq "kubeconfig current-context cleared" "" "$(kubectl config current-context 2>/dev/null)"
finish
