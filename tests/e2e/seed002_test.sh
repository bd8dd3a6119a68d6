#!/usr/bin/env bash
# seed002_test: the lab of seed 002 on a routed 2-node cluster made with
# --cni none: nodes stay NotReady (kubelet's reason) and pods Pending until
# `kubectl apply -f manifests/netkube-cni.yaml` installs the network plugin;
# then the nodes turn Ready, the pods run, and
# `kubectl exec testclient -- curl <pod IP>` returns the nginx page from a
# pod on the other node (routed mode: no encapsulation, no NAT).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"

C=sd$$
C=${C:0:12}
cluster_up "$C" --nodes 2 --cni none --network routed

ready=$(kubectl get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status} {end}')
expect_eq "nodes NotReady without a network plugin" "False False " "$ready"
run kubectl get nodes
expect_contains "get nodes says NotReady" "$OUT" "NotReady"
msg=$(kubectl get node "$C-worker" -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}')
expect_contains "kubelet's reason" "$msg" "cni plugin not initialized"
expect_eq "no CNI configuration on the node" "" \
  "$(ls "$NETKUBE_STATE_DIR/clusters/$C/nodes/$C-worker/etc/cni/net.d" 2>/dev/null)"
# As the lab does on a kind node (`docker exec -it kind-worker ls /etc/cni/net.d`).
run "$NETKUBE" node exec worker --name "$C" -- ls /etc/cni/net.d
expect_eq "netkube node exec worker -- ls /etc/cni/net.d: empty before the plugin" "0 " "$RC $OUT"

kubectl run cyberdyne-frontend --image=nginx --overrides="$(on_node "$C-worker")" >/dev/null
kubectl run testclient --image=curlimages/curl --overrides="$(on_node "$C-control-plane")" \
  --command -- sleep 3600 >/dev/null
sleep 1
expect_eq "pods Pending" "Pending Pending " \
  "$(kubectl get pods -o jsonpath='{range .items[*]}{.status.phase} {end}')"

expect_ok "kubectl apply -f manifests/netkube-cni.yaml" kubectl apply -f "$NETKUBE_SRC/manifests/netkube-cni.yaml"
wait_for "nodes Ready" 300 bash -c \
  "[[ \$(kubectl get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status} {end}') == 'True True ' ]]"
expect_eq "nodes Ready after the plugin" "True True " \
  "$(kubectl get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status} {end}')"
wait_ready cyberdyne-frontend testclient || fail "pods Ready" "$(kubectl get pods -o wide)"
run kubectl get pods --all-namespaces
expect_contains "netkube-cni pods listed" "$OUT" "netkube-cni-"
expect_contains "CNI config installed on the node" \
  "$(ls "$NETKUBE_STATE_DIR/clusters/$C/nodes/$C-worker/etc/cni/net.d")" "netkube"
run "$NETKUBE" node exec worker --name "$C" -- ls /etc/cni/net.d
expect_eq "netkube node exec worker -- ls /etc/cni/net.d: the plugin's conflist" "10-netkube.conflist" "$OUT"
run "$NETKUBE" node exec "$C-worker" --name "$C" -- sh -c 'ip -4 -o addr show cni0 | grep -c 10.244.1.1/24'
expect_eq "  ... inside the node's network namespace (its cni0)" "1" "$OUT"
[[ ! -e /etc/cni/net.d/10-netkube.conflist ]] && pass "  ... without touching the machine's /etc/cni" ||
  fail "node exec leaves the machine's /etc/cni alone" "/etc/cni/net.d/10-netkube.conflist exists on the machine"

FRONT=$(pod_ip cyberdyne-frontend)
expect_match "frontend IP in the worker's podCIDR" "$FRONT" '^10\.244\.1\.'
run kubectl exec testclient -- curl -s "$FRONT"
expect_contains "kubectl exec testclient -- curl <pod IP>" "$OUT" "Welcome to nginx!"
run ip netns exec "$C-worker" ip route
expect_contains "routed mode: the other node's podCIDR via its node IP" "$OUT" "10.244.0.0/24 via 172.18.0.2 dev eth0"
expect_not_contains "routed mode: no vxlan device" "$(ip netns exec "$C-worker" ip -o link)" "flannel.1"

expect_ok "netkube down" "$NETKUBE" down --name "$C"
expect_eq "nothing left after down" "" "$(cluster_leftovers "$C")"
finish
