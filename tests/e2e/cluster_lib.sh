# tests/e2e/cluster_lib.sh: sourced (after lib.sh) by the tests that run
# whole clusters with `netkube up`.
#
# cluster_up NAME [UP ARGS...]: brings a cluster up with state and kubeconfig
# in the test's scratch directory; the EXIT trap takes it down again (and the
# test checks that nothing is left). Cluster names carry the test's PID
# because named network namespaces are machine-wide.
# cluster_leftovers NAME: what of the cluster still exists (empty = nothing).
# tick_of LINE: the number of a "tick N" line, 0 otherwise.
# pod_ip POD, pod_node POD, wait_pod_phase POD PHASE [TRIES],
# wait_ready POD... (kubectl wait, 60 s).

export NETKUBE_STATE_DIR=$E2E_DIR/state
export KUBECONFIG=$E2E_DIR/kubeconfig
E2E_CLUSTERS=()

cluster_down_all() {
  local c
  for c in "${E2E_CLUSTERS[@]}"; do "$NETKUBE" down --name "$c" >/dev/null 2>&1; done
}
trap 'cluster_down_all; e2e_cleanup' EXIT

cluster_up() {
  local name=$1
  shift
  E2E_CLUSTERS+=("$name")
  if ! "$NETKUBE" up --name "$name" "$@" >"$E2E_DIR/up-$name.log" 2>&1; then
    cat "$E2E_DIR/up-$name.log" >&2
    die "netkube up --name $name $* failed"
  fi
  log "cluster $name up: $(grep -o 'is up ([0-9.]* s)' "$E2E_DIR/up-$name.log")"
}

cluster_leftovers() {
  local name=$1 out=""
  out+=$(ip netns list | awk '{print $1}' | grep -E "^$name-" | sed 's/^/netns /')
  out+=$(ip -o link show | awk -F': ' '{print $2}' | grep -E "^nk-$name(@|$)" | sed 's/^/link /')
  out+=$(pgrep -af "$NETKUBE_STATE_DIR/clusters/$name/" | sed 's/^/process /')
  if [[ -f "$KUBECONFIG" ]] && grep -q "netkube-$name" "$KUBECONFIG"; then out+="kubeconfig entry netkube-$name"; fi
  printf '%s' "$out"
}

tick_of() { [[ "$1" =~ ^tick\ ([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}" || echo 0; }
pod_ip() { kubectl get pod "$1" -o jsonpath='{.status.podIP}'; }
pod_node() { kubectl get pod "$1" -o jsonpath='{.spec.nodeName}'; }
pod_phase() { [[ "$(kubectl get pod "$1" -o jsonpath='{.status.phase}' 2>/dev/null)" == "$2" ]]; }
wait_pod_phase() { wait_for "pod $1 $2" "${3:-300}" pod_phase "$1" "$2"; }
wait_ready() { kubectl wait --for=condition=Ready --timeout=60s "${@/#/pod/}" >/dev/null; }

# read_nodes: NODES (names, in the API's order) and NODE_IP[name] (InternalIP).
read_nodes() {
  mapfile -t NODES < <(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
  declare -gA NODE_IP
  local n
  for n in "${NODES[@]}"; do
    NODE_IP[$n]=$(kubectl get node "$n" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')
  done
}
# on_node NODE: kubectl run --overrides that pins a pod to NODE.
on_node() { printf '{"spec":{"nodeName":"%s"}}' "$1"; }

# A pod on NODE fetches URL once with busybox wget; prints what it got.
# fetch_from NODE NAME URL
fetch_from() {
  kubectl run "$2" --image=busybox --restart=Never --overrides="$(on_node "$1")" -- wget -qO- "$3" >/dev/null
  wait_for "pod $2 done" 300 bash -c "[[ \$(kubectl get pod $2 -o jsonpath='{.status.phase}') =~ Succeeded|Failed ]]"
  kubectl logs "$2"
}
