# endpoints_test.sh: the Endpoints, EndpointSlice and mirroring controllers
# seen through kubectl. No node agent runs yet, so the test registers a Node
# object and sets pod status (Running, Ready, podIP) itself through
# pods/status, as a kubelet would.
source "$(dirname "$0")/lib.sh"
start_server

jp() { kubectl get "$@" 2>&1; }
# set_pod_status POD IP READY: what a kubelet reports for a running pod.
set_pod_status() {
  local now
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  kubectl patch pod "$1" --subresource=status --type=merge -p \
    "{\"status\":{\"phase\":\"Running\",\"podIP\":\"$2\",\"podIPs\":[{\"ip\":\"$2\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"$3\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null
}
eq_cmd() { [[ "$("${@:2}" 2>/dev/null)" == "$1" ]]; }
count_names() { kubectl get "$@" -o name | grep -c .; }
not_cmd() { ! "$@"; }

kubectl apply -f - >/dev/null <<YAML || die "cannot create the node"
apiVersion: v1
kind: Node
metadata:
  name: kind-worker
  labels:
    topology.kubernetes.io/zone: zone-a
YAML
kubectl patch node kind-worker --subresource=status --type=merge -p \
  '{"status":{"conditions":[{"type":"Ready","status":"True"}],"capacity":{"cpu":"8","memory":"16Gi","pods":"110"},"allocatable":{"cpu":"8","memory":"16Gi","pods":"110"}}}' \
  >/dev/null || die "cannot make the node Ready"
# Heartbeats, as a node agent sends them, so the node lifecycle controller keeps
# the node Ready however long the test takes: the node's Lease, renewed every 5 s.
renew_lease() {
  while true; do
    kubectl apply -f - >/dev/null 2>&1 <<YAML
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata:
  name: kind-worker
  namespace: kube-node-lease
spec:
  holderIdentity: kind-worker
  leaseDurationSeconds: 40
  renewTime: "$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)"
YAML
    sleep 5
  done
}
renew_lease &
track_pid $!

# --- deployment + expose: Endpoints of the seed's shape -----------------------------------------
kubectl create deployment echoserver --image=k8s.gcr.io/echoserver:1.10 --replicas=2 >/dev/null || die "create deployment"
kubectl expose deployment echoserver --port=80 --target-port=8080 >/dev/null || die "expose"
wait_for "two scheduled pods" 150 eq_cmd "kind-worker kind-worker" \
  kubectl get pods -l app=echoserver -o jsonpath='{.items[*].spec.nodeName}' || die "pods not scheduled"
mapfile -t PODS < <(kubectl get pods -l app=echoserver -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort)
[[ ${#PODS[@]} -eq 2 ]] || die "expected two pods, got ${#PODS[@]}"

wait_for "empty Endpoints" 100 kubectl get endpoints echoserver
run kubectl get endpoints echoserver -o yaml
expect_not_contains "no ready pods: no subsets" "$OUT" "subsets"
expect_match "trigger time annotation" "$OUT" 'endpoints.kubernetes.io/last-change-trigger-time: "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"'

set_pod_status "${PODS[0]}" 10.244.0.5 True
set_pod_status "${PODS[1]}" 10.244.0.6 True
wait_for "two addresses" 100 eq_cmd "10.244.0.5 10.244.0.6" \
  kubectl get endpoints echoserver -o jsonpath='{.subsets[0].addresses[*].ip}'
expect_eq "endpoints addresses" "10.244.0.5 10.244.0.6" "$(jp endpoints echoserver -o jsonpath='{.subsets[0].addresses[*].ip}')"
uid0=$(jp pod "${PODS[0]}" -o jsonpath='{.metadata.uid}')
expect_eq "address 0: nodeName and targetRef" "kind-worker|Pod|${PODS[0]}|default|$uid0" \
  "$(jp endpoints echoserver -o jsonpath='{.subsets[0].addresses[0].nodeName}|{.subsets[0].addresses[0].targetRef.kind}|{.subsets[0].addresses[0].targetRef.name}|{.subsets[0].addresses[0].targetRef.namespace}|{.subsets[0].addresses[0].targetRef.uid}')"
expect_eq "endpoints ports (no name)" '[{"port":8080,"protocol":"TCP"}]' "$(jp endpoints echoserver -o jsonpath='{.subsets[0].ports}')"
expect_eq "endpoints labels copied from the service" "echoserver" "$(jp endpoints echoserver -o jsonpath='{.metadata.labels.app}')"
run kubectl get endpoints echoserver -o yaml
expect_contains "yaml: address shape" "$OUT" $'subsets:\n- addresses:\n  - ip: 10.244.0.5\n    nodeName: kind-worker\n    targetRef:\n      kind: Pod'
expect_contains "yaml: ports shape" "$OUT" $'  ports:\n  - port: 8080\n    protocol: TCP'
run kubectl get endpoints echoserver
expect_match "get endpoints" "$(tr -s ' ' <<<"$OUT")" 'echoserver 10.244.0.5:8080,10.244.0.6:8080 '
run kubectl describe svc echoserver
expect_match "describe svc Endpoints" "$OUT" 'Endpoints: +10.244.0.5:8080,10.244.0.6:8080'

# --- EndpointSlices ---------------------------------------------------------------------------------
sel=kubernetes.io/service-name=echoserver
wait_for "slice with two endpoints" 100 eq_cmd "10.244.0.5 10.244.0.6" \
  kubectl get endpointslices -l $sel -o jsonpath='{.items[*].endpoints[*].addresses[0]}'
run kubectl get endpointslices -l $sel -o name
expect_eq "one slice" "1" "$(grep -c . <<<"$OUT")"
expect_match "slice name echoserver-xxxxx" "$OUT" '^endpointslice.discovery.k8s.io/echoserver-[a-z0-9]{5}$'
expect_eq "slice meta" "IPv4|endpointslice-controller.k8s.io|Service|echoserver|true" \
  "$(jp endpointslices -l $sel -o jsonpath='{.items[0].addressType}|{.items[0].metadata.labels.endpointslice\.kubernetes\.io/managed-by}|{.items[0].metadata.ownerReferences[0].kind}|{.items[0].metadata.ownerReferences[0].name}|{.items[0].metadata.ownerReferences[0].controller}')"
expect_eq "slice ports" '[{"name":"","port":8080,"protocol":"TCP"}]' "$(jp endpointslices -l $sel -o jsonpath='{.items[0].ports}')"
expect_eq "slice endpoint conditions, node, zone" "true true false kind-worker zone-a" \
  "$(jp endpointslices -l $sel -o jsonpath='{.items[0].endpoints[0].conditions.ready} {.items[0].endpoints[0].conditions.serving} {.items[0].endpoints[0].conditions.terminating} {.items[0].endpoints[0].nodeName} {.items[0].endpoints[0].zone}')"
run kubectl get endpointslices -l $sel
expect_match "get endpointslices" "$(tr -s ' ' <<<"$OUT")" 'echoserver-[a-z0-9]{5} IPv4 8080 10.244.0.5,10.244.0.6 '

# --- a pod turns not ready ------------------------------------------------------------------------
set_pod_status "${PODS[1]}" 10.244.0.6 False
wait_for "not ready address" 100 eq_cmd "10.244.0.6" \
  kubectl get endpoints echoserver -o jsonpath='{.subsets[0].notReadyAddresses[*].ip}'
expect_eq "ready/not ready split" "10.244.0.5|10.244.0.6" \
  "$(jp endpoints echoserver -o jsonpath='{.subsets[0].addresses[*].ip}|{.subsets[0].notReadyAddresses[*].ip}')"
wait_for "slice ready=false" 100 eq_cmd "false" kubectl get endpointslices -l $sel \
  -o jsonpath='{.items[0].endpoints[?(@.addresses[0]=="10.244.0.6")].conditions.ready}'
expect_eq "slice: not ready endpoint" "false" \
  "$(jp endpointslices -l $sel -o jsonpath='{.items[0].endpoints[?(@.addresses[0]=="10.244.0.6")].conditions.ready}')"
set_pod_status "${PODS[1]}" 10.244.0.6 True

# --- a terminating pod (graceful deletion, no kubelet to finish it) ---------------------------------
kubectl delete pod "${PODS[0]}" --wait=false >/dev/null 2>&1
if [[ -n "$(jp pod "${PODS[0]}" -o jsonpath='{.metadata.deletionTimestamp}')" ]]; then
  wait_for "terminating pod leaves Endpoints" 100 eq_cmd "10.244.0.6" \
    kubectl get endpoints echoserver -o jsonpath='{.subsets[*].addresses[*].ip}'
  expect_eq "terminating pod not in Endpoints" "10.244.0.6" "$(jp endpoints echoserver -o jsonpath='{.subsets[*].addresses[*].ip}')"
  wait_for "slice terminating=true" 100 eq_cmd "false true true" kubectl get endpointslices -l $sel \
    -o jsonpath='{.items[0].endpoints[?(@.addresses[0]=="10.244.0.5")].conditions.ready} {.items[0].endpoints[?(@.addresses[0]=="10.244.0.5")].conditions.serving} {.items[0].endpoints[?(@.addresses[0]=="10.244.0.5")].conditions.terminating}'
  expect_eq "slice keeps the terminating endpoint (ready serving terminating)" "false true true" \
    "$(jp endpointslices -l $sel -o jsonpath='{.items[0].endpoints[?(@.addresses[0]=="10.244.0.5")].conditions.ready} {.items[0].endpoints[?(@.addresses[0]=="10.244.0.5")].conditions.serving} {.items[0].endpoints[?(@.addresses[0]=="10.244.0.5")].conditions.terminating}')"
fi

# --- deleting a pod removes it ----------------------------------------------------------------------
kubectl delete pod "${PODS[0]}" --grace-period=0 --force >/dev/null 2>&1
wait_for "deleted pod gone from Endpoints" 100 eq_cmd "10.244.0.6" \
  kubectl get endpoints echoserver -o jsonpath='{.subsets[*].addresses[*].ip}'
expect_eq "Endpoints after pod deletion" "10.244.0.6" "$(jp endpoints echoserver -o jsonpath='{.subsets[*].addresses[*].ip}')"
wait_for "deleted pod gone from the slice" 100 eq_cmd "10.244.0.6" \
  kubectl get endpointslices -l $sel -o jsonpath='{.items[*].endpoints[*].addresses[0]}'
expect_eq "slice after pod deletion" "10.244.0.6" "$(jp endpointslices -l $sel -o jsonpath='{.items[*].endpoints[*].addresses[0]}')"

# --- a selector that matches nothing ------------------------------------------------------------------
kubectl create service clusterip lonely --tcp=80:8080 >/dev/null
wait_for "Endpoints of lonely" 100 kubectl get endpoints lonely
run kubectl get endpoints lonely -o yaml
expect_not_contains "lonely: metadata only" "$OUT" "subsets"
run kubectl get endpoints lonely
expect_match "lonely: <none>" "$(tr -s ' ' <<<"$OUT")" 'lonely <none> '
wait_for "placeholder slice" 100 eq_cmd "1" count_names endpointslices -l kubernetes.io/service-name=lonely
expect_eq "one placeholder slice" "1" "$(jp endpointslices -l kubernetes.io/service-name=lonely -o name | grep -c .)"

# --- mirroring: a Service without selector and user-written Endpoints ----------------------------------
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata:
  name: external-db
spec:
  ports:
  - port: 5432
---
apiVersion: v1
kind: Endpoints
metadata:
  name: external-db
subsets:
- addresses:
  - ip: 192.168.10.20
  ports:
  - port: 5432
YAML
wait_for "mirrored slice" 100 eq_cmd "192.168.10.20" \
  kubectl get endpointslices -l kubernetes.io/service-name=external-db -o jsonpath='{.items[*].endpoints[*].addresses[0]}'
expect_eq "mirrored slice" "endpointslicemirroring-controller.k8s.io|192.168.10.20|5432|Endpoints" \
  "$(jp endpointslices -l kubernetes.io/service-name=external-db -o jsonpath='{.items[0].metadata.labels.endpointslice\.kubernetes\.io/managed-by}|{.items[0].endpoints[0].addresses[0]}|{.items[0].ports[0].port}|{.items[0].metadata.ownerReferences[0].kind}')"
expect_eq "user Endpoints kept" "192.168.10.20" "$(jp endpoints external-db -o jsonpath='{.subsets[0].addresses[0].ip}')"

# --- deleting the service removes its Endpoints and slices -----------------------------------------------
kubectl delete svc echoserver >/dev/null
wait_for "Endpoints gone" 100 not_cmd kubectl get endpoints echoserver
expect_fail "Endpoints deleted with the service" 'endpoints "echoserver" not found' kubectl get endpoints echoserver
wait_for "slices gone" 150 eq_cmd "" kubectl get endpointslices -l $sel -o name
expect_eq "slices garbage-collected" "" "$(jp endpointslices -l $sel -o name)"

server_alive "server still serving"
finish
