#!/usr/bin/env bash
# bridge_test: the same pod networking with Debian's reference CNI plugins
# (`netkube up --cni bridge`: bridge + host-local + portmap, exec'ed by the
# agent exactly as the CNI spec says) on a vxlan 2-node cluster: pod IPs in
# the node's podCIDR, pod -> pod across nodes without NAT, DEL on delete;
# and a node whose agent stops heartbeating goes NotReady, then recovers.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"

C=br$$
C=${C:0:12}
cluster_up "$C" --nodes 2 --cni bridge

conf=$(cat "$NETKUBE_STATE_DIR/clusters/$C/nodes/$C-worker/etc/cni/net.d/"*)
expect_contains "reference bridge plugin configured" "$conf" '"type": "bridge"'
expect_contains "host-local IPAM" "$conf" '"host-local"'

kubectl run echo --image=k8s.gcr.io/echoserver:1.10 --restart=Never --overrides="$(on_node "$C-worker")" >/dev/null
wait_ready echo
ECHO_IP=$(pod_ip echo)
expect_match "pod IP from host-local in the worker's podCIDR" "$ECHO_IP" '^10\.244\.1\.'
out=$(fetch_from "$C-control-plane" client "http://$ECHO_IP:8080/bridge")
expect_contains "cross-node answer" "$out" "Hostname: echo"
expect_contains "server sees the client pod's own IP" "$out" "client_address=$(pod_ip client)"

# An agent that stops heartbeating (SIGSTOP: alive, so not restarted): its
# node goes NotReady (Unknown) after the 40 s grace period and its pods' Ready
# turns false; once it heartbeats again, both recover.
AGENT=$(pgrep -f "agent --node $C-worker .*$NETKUBE_STATE_DIR" | head -1)
[[ -n "$AGENT" ]] || die "no agent for $C-worker"
kill -STOP "$AGENT"
node_ready() { kubectl get node "$C-worker" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'; }
wait_for "node NotReady" 600 bash -c "[[ \$(kubectl get node $C-worker -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}') == Unknown ]]"
expect_eq "silent node turns Unknown" "Unknown" "$(node_ready)"
run kubectl get nodes
expect_match "get nodes shows NotReady" "$OUT" "$C-worker +NotReady"
wait_for "pod not ready" 100 bash -c "[[ \$(kubectl get pod echo -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}') == False ]]"
expect_eq "its pods' Ready turns false" "False" \
  "$(kubectl get pod echo -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')"
expect_contains "unreachable taint" "$(kubectl get node "$C-worker" -o jsonpath='{.spec.taints}')" "node.kubernetes.io/unreachable"
kill -CONT "$AGENT"
wait_for "node Ready again" 300 bash -c "[[ \$(kubectl get node $C-worker -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}') == True ]]"
expect_eq "node Ready again" "True" "$(node_ready)"
wait_for "pod Ready again" 300 bash -c "[[ \$(kubectl get pod echo -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}') == True ]]"
expect_eq "pod Ready again" "True" "$(kubectl get pod echo -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')"

kubectl delete pod echo --wait=true >/dev/null
# Other pods (coredns) may hold leases on the node too: the echo pod's must be gone.
leases=$(ls "$NETKUBE_STATE_DIR/clusters/$C/nodes/$C-worker/var/lib/cni/networks/"*/ 2>/dev/null | grep -cx "$ECHO_IP")
expect_eq "host-local released the address on DEL" 0 "$leases"

expect_ok "netkube down" "$NETKUBE" down --name "$C"
expect_eq "nothing left after down" "" "$(cluster_leftovers "$C")"
finish
