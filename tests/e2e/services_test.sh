#!/usr/bin/env bash
# services_test: Services on a 3-node cluster (issue 4 acceptance), driven by
# the real kubectl, busybox wget in pods and curl from the host (this test's
# network namespace, which reaches the node IPs but not the ClusterIPs):
#  - seeds 000 and 004: `create service clusterip`, `run --expose`, `expose
#    deployment`, `get endpoints -o yaml`, `describe svc`, wget of a ClusterIP
#    from a pod, the ClusterIP unreachable from the host, the NodePort through
#    every node (also one without a matching pod), `netkube service --url`, a
#    LoadBalancer's EXTERNAL-IP answering from the host;
#  - a service without endpoints refuses connections at once;
#  - 900 requests spread over 3 endpoints; ClientIP affinity;
#  - scale 3 -> 0 -> 3 under requests; a rolling update under load through a
#    NodePort loses no request;
#  - bad input: taken and out-of-range nodePorts (422), a targetPort name no
#    pod defines, a flushed proxy table healed by the resync;
#  - hairpin: a pod reaching itself through its own service.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"

C=sv$$
C=${C:0:12}
cluster_up "$C" --nodes 3

read_nodes
log "nodes: $(for n in "${NODES[@]}"; do printf '%s=%s ' "$n" "${NODE_IP[$n]}"; done)"

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
cluster_ip() { kubectl get svc "$@" -o jsonpath='{.spec.clusterIP}'; }
# ep_ips SVC [-n NS]: the ready addresses of a service's Endpoints.
ep_ips() { kubectl get endpoints "$@" -o jsonpath='{.subsets[*].addresses[*].ip}' 2>/dev/null; }
ep_count_is() { local want=$1; shift; [[ $(wc -w <<<"$(ep_ips "$@")") -eq $want ]]; }
# in_client CMD: a shell command in the long-lived busybox client pod.
in_client() { kubectl exec client -- sh -c "$1"; }
# host_get URL: curl from the host; prints the body, fails on any error.
host_get() { curl -sS --max-time 5 "$1"; }

# A long-lived client pod on a worker for requests from inside the cluster.
kubectl run client --image=busybox --restart=Never --overrides="$(on_node "$C-worker")" -- sleep 3600 >/dev/null
wait_ready client || die "client pod not Ready"

# --- seed 000: three ways to make a service ------------------------------------------------------
for ns in seed-create seed-run seed-expose; do kubectl create namespace "$ns" >/dev/null; done

expect_ok "kubectl create service clusterip echoserver --tcp=80:8080" \
  kubectl -n seed-create create service clusterip echoserver --tcp=80:8080
kubectl -n seed-create create deployment echoserver --image=k8s.gcr.io/echoserver:1.10 >/dev/null
expect_ok "kubectl run echoserver --expose" \
  kubectl -n seed-run run echoserver --image=k8s.gcr.io/echoserver:1.10 --restart=Never --port=8080 --expose
expect_contains "run --expose created the service" "$OUT" "service/echoserver created"
kubectl -n seed-expose create deployment echoserver --image=k8s.gcr.io/echoserver:1.10 --replicas=3 >/dev/null
expect_ok "kubectl expose deployment echoserver --port=80 --target-port=8080" \
  kubectl -n seed-expose expose deployment echoserver --port=80 --target-port=8080

for ns in seed-create seed-run; do
  wait_for "$ns endpoints" 300 ep_count_is 1 echoserver -n "$ns" || fail "$ns/echoserver has an endpoint"
done
wait_for "seed-expose endpoints" 300 ep_count_is 3 echoserver -n seed-expose || fail "seed-expose/echoserver has 3 endpoints"

run kubectl -n seed-run get endpoints echoserver -o yaml
expect_match "get endpoints -o yaml: address ip" "$OUT" $'subsets:\n- addresses:\n  - ip: 10\\.244\\.[0-9]+\\.[0-9]+'
expect_contains "get endpoints -o yaml: nodeName" "$OUT" "nodeName: $C-worker"
expect_match "get endpoints -o yaml: targetRef kind Pod" "$OUT" $'targetRef:\n      kind: Pod\n      name: echoserver\n      namespace: seed-run'
expect_match "get endpoints -o yaml: port 8080" "$OUT" $'ports:\n  - port: 8080\n    protocol: TCP'
run kubectl -n seed-expose describe svc echoserver
expect_match "describe svc shows the endpoints" "$OUT" 'Endpoints: +10\.244\.[0-9.]+:8080,10\.244\.[0-9.]+:8080,10\.244\.[0-9.]+:8080'

for ns in seed-create seed-run seed-expose; do
  cip=$(cluster_ip echoserver -n "$ns")
  port=$(kubectl -n "$ns" get svc echoserver -o jsonpath='{.spec.ports[0].port}')  # run --expose: 8080
  run in_client "wget -qO- -T 5 http://$cip:$port/$ns"
  expect_contains "pod -> $ns ClusterIP $cip:$port" "$OUT" "Hostname: echoserver"
done
CIP=$(cluster_ip echoserver -n seed-expose)
run timeout 60 kubectl run tmp --image=busybox --restart=Never -it --rm -- wget "$CIP:80" --timeout=5 --tries=1
expect_contains "kubectl run tmp -it --rm -- wget CLUSTER-IP:80 (seed 000)" "$OUT" "saved"
log "kubectl run tmp -- wget $CIP:80 said: $(grep -E 'Connecting|saved' <<<"$OUT" | tr '\n' ' ')"

start=$(date +%s%N)
run curl -sS --max-time 5 "http://$CIP:80/"
took=$(ms_since "$start")
log "host -> ClusterIP $CIP: exit $RC after $took ms ($ERR)"
[[ $RC -ne 0 ]] && pass "the ClusterIP does not answer from the host" ||
  fail "the ClusterIP does not answer from the host" "curl got: $(head -c 200 <<<"$OUT")"
[[ $RC -ne 28 ]] && pass "host -> ClusterIP fails without hanging ($took ms, curl exit $RC)" ||
  fail "host -> ClusterIP fails without hanging" "curl timed out after $took ms"

# --- seed 004: NodePort on every node, LoadBalancer ---------------------------------------------
expect_ok "kubectl apply -f service-nodeport-definition.yml" kubectl apply -f "$E2E_TESTDATA/service-nodeport-definition.yml"
kubectl apply -f "$E2E_TESTDATA/services-myapp-deployment.yaml" >/dev/null || die "myapp deployment"
wait_for "myapp endpoint" 300 ep_count_is 1 myapp-service || fail "myapp-service has an endpoint"
expect_eq "nodePort 30008" 30008 "$(kubectl get svc myapp-service -o jsonpath='{.spec.ports[0].nodePort}')"
MYAPP_NODE=$(kubectl get pods -l app=myapp -o jsonpath='{.items[0].spec.nodeName}')
log "the one myapp pod runs on $MYAPP_NODE"
for n in "${NODES[@]}"; do
  what="the pod's node"
  [[ $n != "$MYAPP_NODE" ]] && what="no matching pod here"
  run host_get "http://${NODE_IP[$n]}:30008/"
  expect_contains "host -> NodePort ${NODE_IP[$n]}:30008 ($n, $what)" "$OUT" "Welcome to nginx!"
done
run "$NETKUBE" service myapp-service --name "$C" --url
expect_match "netkube service myapp-service --url" "$OUT" '^http://172\.[0-9.]+:30008'
url=$(head -1 <<<"$OUT")
run host_get "$url"
expect_contains "the URL of netkube service answers ($url)" "$OUT" "Welcome to nginx!"
run "$NETKUBE" ip --name "$C"
expect_eq "netkube ip is the control plane's IP" "${NODE_IP[$C-control-plane]}" "$OUT"

start=$(date +%s%N)
kubectl expose deployment myapp --name=myapp-lb --type=LoadBalancer --port=80 >/dev/null || die "expose LoadBalancer"
lb_ip() { kubectl get svc myapp-lb -o jsonpath='{.status.loadBalancer.ingress[0].ip}'; }
wait_for "EXTERNAL-IP" 50 bash -c "[[ -n \$(kubectl get svc myapp-lb -o jsonpath='{.status.loadBalancer.ingress[0].ip}') ]]"
took=$(ms_since "$start")
LB=$(lb_ip)
log "LoadBalancer EXTERNAL-IP $LB after $took ms (goal: within a second)"
expect_match "LoadBalancer EXTERNAL-IP from the pool" "$LB" '^172\.[0-9]+\.255\.(2[0-4][0-9]|250)$'
run kubectl get svc myapp-lb
expect_match "kubectl get svc shows the EXTERNAL-IP" "$OUT" "myapp-lb +LoadBalancer +10\\.[0-9.]+ +$LB +80:3[0-9]+/TCP"
wait_for "LB answers" 50 host_get "http://$LB/"
run host_get "http://$LB/"
expect_contains "host -> http://EXTERNAL-IP/ ($LB)" "$OUT" "Welcome to nginx!"
run "$NETKUBE" service myapp-lb --name "$C" --url
expect_contains "netkube service --url lists the LoadBalancer address" "$OUT" "http://$LB"

# --- no endpoints: refused at once --------------------------------------------------------------
kubectl create service nodeport nothing --tcp=80:8080 >/dev/null || die "create nothing"
NOTHING_CIP=$(cluster_ip nothing)
NOTHING_NP=$(kubectl get svc nothing -o jsonpath='{.spec.ports[0].nodePort}')
sleep 0.5  # the Endpoints controller runs; nothing can appear in them
expect_eq "selector matching nothing: no endpoints" "" "$(kubectl get endpoints nothing -o jsonpath='{.subsets}')"
run in_client "time wget -qO- -T 5 http://$NOTHING_CIP/ 2>&1"
refused_pod=$(grep -E '^real' <<<"$OUT$ERR" | head -1)
log "pod -> ClusterIP without endpoints: $(tr '\n' ' ' <<<"$OUT $ERR")"
expect_contains "pod -> ClusterIP without endpoints: connection refused" "$OUT$ERR" "Connection refused"
expect_not_contains "pod -> ClusterIP without endpoints: no timeout" "$OUT$ERR" "timed out"
run curl -sS --max-time 5 -o /dev/null -w '%{time_total}' "http://${NODE_IP[$C-worker2]}:$NOTHING_NP/"
refused_host=$OUT
log "host -> NodePort without endpoints: exit $RC in ${refused_host} s ($ERR); pod -> ClusterIP: $refused_pod"
# curl says "Couldn't connect to server" (exit 7) for a reset connection attempt.
expect_eq "host -> NodePort without endpoints: connection refused (curl exit 7)" 7 "$RC"
expect_match "refused at once, not a 5 s timeout (${refused_host} s)" "$refused_host" '^[0-4]\.[0-9]+$'

# --- 900 requests over 3 endpoints; ClientIP affinity ----------------------------------------------
start=$(date +%s%N)
run in_client "for i in \$(seq 900); do wget -qO- -T 5 http://$CIP/; done | grep Hostname | sort | uniq -c"
log "900 requests in $(ms_since "$start") ms:"$'\n'"$OUT"
split_ok=1 total=0 n=0
while read -r count _ host; do
  [[ -n "$count" ]] || continue
  n=$((n + 1)); total=$((total + count))
  pct=$((count * 100 / 900))
  log "  $host: $count ($pct%)"
  ((count >= 225 && count <= 378)) || split_ok=0
done <<<"$OUT"
expect_eq "900 requests answered" 900 "$total"
expect_eq "3 endpoints served" 3 "$n"
expect_eq "each endpoint got 25%-42%" 1 "$split_ok"

kubectl -n seed-expose patch svc echoserver -p '{"spec":{"sessionAffinity":"ClientIP"}}' >/dev/null || fail "patch sessionAffinity"
wait_for "affinity rules on the client's node" 50 bash -c \
  "ip netns exec $C-worker nft list table ip netkube-proxy | grep -q 'affinity-seed-expose/echoserver'"
run in_client "for i in \$(seq 30); do wget -qO- -T 5 http://$CIP/; done | grep Hostname | sort | uniq -c"
log "30 requests with ClientIP affinity: $(tr '\n' ' ' <<<"$OUT")"
expect_match "ClientIP affinity: 30 requests, one endpoint" "$OUT" '^ *30 Hostname: echoserver-[a-z0-9-]+$'
kubectl -n seed-expose patch svc echoserver -p '{"spec":{"sessionAffinity":"None"}}' >/dev/null

# --- scale 3 -> 0 -> 3 under requests --------------------------------------------------------------
# The client loops until /tmp/stop exists, one line per request: the
# answering pod, "refused" or "timeout".
in_client "rm -f /tmp/stop; while [ ! -e /tmp/stop ]; do
  r=\$(wget -qO- -T 3 http://$CIP/ 2>&1); case \"\$r\" in
  *Hostname:*) echo \"ok \$(echo \"\$r\" | grep Hostname)\";; *refused*) echo refused;; *timed\\ out*) echo timeout;; *) echo \"other \$r\";; esac
  cut -d' ' -f1 /proc/uptime
  sleep 0.05; done" >"$E2E_DIR/scale.log" 2>&1 &
track_pid $!
sleep 1
kubectl -n seed-expose scale deployment echoserver --replicas=0 >/dev/null
wait_for "no endpoints" 300 ep_count_is 0 echoserver -n seed-expose
wait_for "pods gone" 300 bash -c "[[ -z \$(kubectl -n seed-expose get pods -o name) ]]"
at_zero=$(wc -l <"$E2E_DIR/scale.log")
gone_uptime=$(cut -d' ' -f1 /proc/uptime)
sleep 2
run in_client "time wget -qO- -T 5 http://$CIP/ 2>&1"
log "at 0 replicas: $(tr '\n' ' ' <<<"$OUT $ERR")"
expect_contains "at 0 replicas: connection refused" "$OUT$ERR" "Connection refused"
kubectl -n seed-expose scale deployment echoserver --replicas=3 >/dev/null
wait_for "3 endpoints again" 300 ep_count_is 3 echoserver -n seed-expose || fail "3 endpoints after scaling back"
back=$(wc -l <"$E2E_DIR/scale.log")
sleep 2
in_client "touch /tmp/stop"
sleep 0.5
log "pods gone at uptime $gone_uptime; the client's log around it: $(sed -n "$((at_zero - 3)),$((at_zero + 4))p" "$E2E_DIR/scale.log" | tr '\n' ' ')"
sed -i '/^[0-9]*\.[0-9]*$/d' "$E2E_DIR/scale.log"  # the uptime lines (same clock as the host's)
at_zero=$((at_zero / 2)) back=$((back / 2))
zero_part=$(sed -n "$((at_zero + 1)),${back}p" "$E2E_DIR/scale.log")
after_part=$(sed -n "$((back + 1)),\$p" "$E2E_DIR/scale.log")
log "scale log: $(cut -d' ' -f1 "$E2E_DIR/scale.log" | sort | uniq -c | tr '\n' ' ') (at zero: $(cut -d' ' -f1 <<<"$zero_part" | sort | uniq -c | tr '\n' ' '))"
expect_contains "requests at 0 replicas were refused" "$zero_part" "refused"
expect_not_contains "no request hung (timeout) during the scale" "$(cat "$E2E_DIR/scale.log")" "timeout"
expect_not_contains "no unexpected answer during the scale" "$(cat "$E2E_DIR/scale.log")" "other"
expect_contains "served again after scaling back" "$after_part" "ok Hostname: echoserver"
expect_not_contains "nothing refused once Ready again" "$after_part" "refused"

# --- rolling update under load through a NodePort --------------------------------------------------
kubectl apply -f "$E2E_TESTDATA/services-rolling.yaml" >/dev/null || die "apply services-rolling.yaml"
kubectl rollout status deployment/web --timeout=120s >/dev/null || fail "web rolled out"
wait_for "web endpoints" 300 ep_count_is 3 web
LOAD_URL="http://${NODE_IP[$C-worker]}:30080/"
(
  while [[ ! -e "$E2E_DIR/stop-load" ]]; do
    if out=$(curl -sS --max-time 3 "$LOAD_URL" 2>&1); then
      echo "ok $(grep -o 'Hostname: .*' <<<"$out")"
    else
      echo "error $(date +%T.%N) $out"
    fi
  done >"$E2E_DIR/load.log"
) &
LOAD_PID=$!
track_pid $LOAD_PID
sleep 1
kubectl rollout restart deployment/web >/dev/null
kubectl rollout status deployment/web --timeout=120s >/dev/null || fail "web rolled out again"
sleep 3  # old pods finish their preStop sleep and exit
touch "$E2E_DIR/stop-load"
wait "$LOAD_PID"
ok=$(grep -c '^ok' "$E2E_DIR/load.log")
errors=$(grep -c '^error' "$E2E_DIR/load.log")
hosts=$(grep -o 'web-[a-z0-9-]*' "$E2E_DIR/load.log" | sort -u | wc -l)
log "rolling update through $LOAD_URL: $ok answered, $errors errors, $hosts distinct pods"
grep '^error' "$E2E_DIR/load.log" | head -5 >&2
expect_eq "rolling update loses no request ($ok answered)" 0 "$errors"
[[ $hosts -ge 6 ]] && pass "old and new pods answered ($hosts pods)" || fail "old and new pods answered" "$hosts pods"

# --- bad input -------------------------------------------------------------------------------------
np_svc() {  # np_svc NAME NODEPORT
  printf 'apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\nspec:\n  type: NodePort\n  selector:\n    app: myapp\n  ports:\n  - port: 80\n    nodePort: %s\n' "$1" "$2"
}
expect_fail "a taken nodePort is refused" "provided port is already allocated" \
  bash -c "$(declare -f np_svc); np_svc dup 30008 | kubectl create -f -"
run bash -c "$(declare -f np_svc); np_svc dup 30008 | kubectl create -f - -v=6"
expect_contains "a taken nodePort: 422" "$ERR" "422"
run bash -c "$(declare -f np_svc); np_svc far 99999 | kubectl create -f - -v=6"
expect_contains "nodePort 99999: 422" "$ERR" "422"
expect_fail "nodePort 99999 is refused" "provided port is not in the valid range" \
  bash -c "$(declare -f np_svc); np_svc far 99999 | kubectl create -f -"
expect_fail "no dup service stored" "not found" kubectl get svc dup

mapfile -t AGENTS_BEFORE < <(pgrep -f "agent --node .*$NETKUBE_STATE_DIR" | sort)
kubectl apply -f - >/dev/null <<'YAML' || fail "create named-port service"
apiVersion: v1
kind: Service
metadata:
  name: named
  namespace: seed-expose
spec:
  selector:
    app: echoserver
  ports:
  - name: web
    port: 80
    targetPort: http-alt
YAML
sleep 1
expect_eq "targetPort name no pod defines: no addresses" "" \
  "$(kubectl -n seed-expose get endpoints named -o jsonpath='{.subsets[*].addresses[*].ip}')"
expect_eq "targetPort name no pod defines: no slice endpoints with that port" "" \
  "$(kubectl -n seed-expose get endpointslices -l kubernetes.io/service-name=named -o jsonpath='{.items[*].ports[?(@.port)].port}')"
run in_client "wget -qO- -T 5 http://$(cluster_ip named -n seed-expose)/ 2>&1"
expect_contains "named port without endpoints: refused" "$OUT$ERR" "Connection refused"
run in_client "wget -qO- -T 5 http://$CIP/"
expect_contains "other services still served" "$OUT" "Hostname: echoserver"
mapfile -t AGENTS_AFTER < <(pgrep -f "agent --node .*$NETKUBE_STATE_DIR" | sort)
expect_eq "no agent restarted" "${AGENTS_BEFORE[*]}" "${AGENTS_AFTER[*]}"

W=$C-worker
WIP=${NODE_IP[$W]}
heals() { ip netns exec "$W" curl -s --max-time 3 "http://$WIP:10249/metrics" | awk '$1=="netkube_proxy_heals_total"{print $2}'; }
heals_before=$(heals)
expect_ok "nft flush table ip netkube-proxy on $W" ip netns exec "$W" nft flush table ip netkube-proxy
start=$(date +%s%N)
run curl -sS --max-time 3 "http://$WIP:30008/"
log "right after the flush, host -> $WIP:30008: exit $RC ($ERR)"
wait_for "the table healed" 150 host_get "http://$WIP:30008/"
took=$(ms_since "$start")
run host_get "http://$WIP:30008/"
expect_contains "NodePort on $W answers again after the flush (${took} ms)" "$OUT" "Welcome to nginx!"
heals_after=$(heals)
log "netkube_proxy_heals_total on $W: ${heals_before:-?} -> ${heals_after:-?}; healed after $took ms"
expect_match "netkube_proxy_heals_total >= 1 on $W's :10249/metrics" "${heals_after:-0}" '^[1-9][0-9]*$'

# --- hairpin -------------------------------------------------------------------------------------
kubectl apply -f "$E2E_TESTDATA/services-hairpin.yaml" >/dev/null || die "apply services-hairpin.yaml"
wait_ready lonely || fail "lonely Ready"
wait_for "lonely endpoint" 100 ep_count_is 1 lonely
run kubectl exec lonely -c client -- wget -qO- -T 5 "http://$(cluster_ip lonely)/hairpin"
expect_contains "hairpin: a pod reaches itself through its own ClusterIP" "$OUT" "Hostname: lonely"

# --- UDP: a conntrack entry to a gone endpoint does not outlive it ----------------------------------
# One client keeps sending from one source port (one conntrack entry); when
# the only endpoint is replaced, the next datagrams must reach the new one.
udp_pod() {  # udp_pod NAME
  kubectl run "$1" --image=registry.k8s.io/e2e-test-images/agnhost:2.39 --restart=Never --labels=app=udpsvc \
    --overrides="$(on_node "$C-worker2")" -- netexec --http-port=8080 --udp-port=8081 >/dev/null
}
udp_pod udp-a
kubectl create service clusterip udpsvc --tcp=8081:8081 --dry-run=client -o json |
  sed 's/"protocol": "TCP"/"protocol": "UDP"/' | kubectl apply -f - >/dev/null || fail "create udpsvc"
wait_ready udp-a || fail "udp-a Ready"
wait_for "udpsvc endpoint" 100 ep_count_is 1 udpsvc
UCIP=$(cluster_ip udpsvc)
# (busybox nc here has no -u: a python client keeps one socket bound to one port.)
kubectl apply -f - >/dev/null <<YAML || fail "create uclient"
apiVersion: v1
kind: Pod
metadata:
  name: uclient
spec:
  nodeName: $C-worker
  restartPolicy: Never
  containers:
  - name: c
    image: python:3-slim
    command:
    - python3
    - -u
    - -c
    - |
      import socket, time
      s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      s.bind(("0.0.0.0", 40000)); s.settimeout(0.5)
      while True:
          s.sendto(b"hostname", ("$UCIP", 8081))
          try: print(time.strftime("%T"), s.recv(100).decode(), flush=True)
          except socket.timeout: print(time.strftime("%T"), "none", flush=True)
          time.sleep(0.2)
YAML
udp_log() { kubectl logs uclient 2>/dev/null; }
wait_for "udp-a answers" 100 bash -c "kubectl logs uclient | grep -q ' udp-a\$'"
kubectl delete pod udp-a --grace-period=0 --force >/dev/null 2>&1
udp_pod udp-b
wait_ready udp-b || fail "udp-b Ready"
wait_for "udpsvc endpoint udp-b" 100 bash -c "[[ \$(kubectl get endpoints udpsvc -o jsonpath='{.subsets[*].addresses[*].targetRef.name}') == udp-b ]]"
wait_for "udp-b answers the old client port" 50 bash -c "kubectl logs uclient | grep -q ' udp-b\$'"
UDP_LOG=$(udp_log)
kubectl delete pod uclient --grace-period=0 --force >/dev/null 2>&1
log "UDP client (one source port), answers in order: $(awk '{print $2}' <<<"$UDP_LOG" | uniq -c | tr '\n' ' ')"
expect_contains "UDP: udp-a answered first" "$UDP_LOG" " udp-a"
expect_contains "UDP: after udp-a went away, the same client flow reaches udp-b" "$UDP_LOG" " udp-b"
ct_deleted=$(ip netns exec "$W" curl -s --max-time 3 "http://$WIP:10249/metrics" | awk '$1=="netkube_proxy_conntrack_deleted_total"{print $2}')
log "netkube_proxy_conntrack_deleted_total on $W (the client's node): ${ct_deleted:-?}"
expect_match "the client's node deleted the stale UDP conntrack entry" "${ct_deleted:-0}" '^[1-9][0-9]*$'

finish
