#!/usr/bin/env bash
# pods_test: nodes and pods on real kernel networking (issue 3 acceptance),
# on a 3-node vxlan cluster with netkube-cni:
#  - podCIDRs per node; pod IPs inside their node's podCIDR, unique;
#  - seed 000's multi-container pod: the sidecar reads nginx over localhost;
#  - pod -> pod across nodes without NAT (the server sees the client's IP);
#  - a container that exits restarts with the same pod IP, and its sibling's
#    open localhost connection keeps working;
#  - kubectl logs (-c, --previous, --tail), exec, run -it --rm;
#  - the image's programs are files of the container: kubectl exec of
#    /agnhost connect (tcp/udp, upstream's REFUSED), from a script too;
#  - kill -9 of an agent: running pods keep serving an open connection, the
#    restarted agent reports them Running again;
#  - netkube down leaves nothing behind.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"

C=pd$$
C=${C:0:12}
cluster_up "$C" --nodes 3

# --- nodes ----------------------------------------------------------------
expect_eq "control-plane podCIDR" "10.244.0.0/24" "$(kubectl get nodes "$C-control-plane" -o jsonpath='{.spec.podCIDR}')"
expect_eq "worker podCIDR" "10.244.1.0/24" "$(kubectl get nodes "$C-worker" -o jsonpath='{.spec.podCIDR}')"
expect_eq "worker2 podCIDR" "10.244.2.0/24" "$(kubectl get nodes "$C-worker2" -o jsonpath='{.spec.podCIDR}')"
expect_eq "nodes Ready" "True True True" \
  "$(kubectl get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status} {end}' | sed 's/ $//')"
expect_contains "control-plane taint" "$(kubectl get node "$C-control-plane" -o jsonpath='{.spec.taints}')" \
  'node-role.kubernetes.io/control-plane'

# --- seed 000: the multi-container pod ------------------------------------
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: multi-container
spec:
  containers:
  - image: nginx
    name: app
    ports:
    - containerPort: 80
  - image: curlimages/curl:7.79.1
    name: sidecar
    args:
    - /bin/sh
    - -c
    - 'while true; do curl localhost:80; sleep 5; done;'
YAML
wait_ready multi-container
wait_for "sidecar fetched nginx" 100 bash -c "kubectl logs multi-container -c sidecar | grep -q 'Welcome to nginx!'"
expect_contains "kubectl logs multi-container -c sidecar" "$(kubectl logs multi-container -c sidecar)" "Welcome to nginx!"

# --- pod IPs and pod -> pod across nodes without NAT -----------------------
kubectl run echo --image=k8s.gcr.io/echoserver:1.10 --restart=Never --port=8080 \
  --overrides="$(on_node "$C-worker2")" >/dev/null
kubectl create deployment spread --image=registry.k8s.io/pause:3.9 --replicas=4 >/dev/null
wait_ready echo
wait_for "deployment spread available" 300 bash -c \
  "[[ \$(kubectl get deploy spread -o jsonpath='{.status.availableReplicas}') == 4 ]]"
ips_ok=1
declare -A seen
while read -r name ip node; do
  cidr=$(kubectl get node "$node" -o jsonpath='{.spec.podCIDR}')
  prefix=${cidr%.0/24}
  [[ "$ip" == "$prefix".* ]] || { ips_ok=0; log "$name $ip not in $node's $cidr"; }
  [[ -z "${seen[$ip]:-}" ]] || { ips_ok=0; log "$ip used twice"; }
  seen[$ip]=1
done < <(kubectl get pods -o jsonpath='{range .items[*]}{.metadata.name} {.status.podIP} {.spec.nodeName}{"\n"}{end}')
expect_eq "pod IPs inside their node's podCIDR, unique" 1 "$ips_ok"
wide=$(kubectl get pods -o wide)
expect_contains "get pods -o wide shows IPs" "$wide" "$(pod_ip echo)"

ECHO_IP=$(pod_ip echo)
out=$(fetch_from "$C-worker" client "http://$ECHO_IP:8080/cross-node")
expect_contains "cross-node answer" "$out" "Hostname: echo"
expect_contains "server sees the client pod's own IP" "$out" "client_address=$(pod_ip client)"
out=$(fetch_from "$C-worker2" client2 "http://$ECHO_IP:8080/same-node")
expect_contains "same-node: client IP kept" "$out" "client_address=$(pod_ip client2)"

# --- restarts keep the pod IP and the sibling's open connection ------------
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: restarter
spec:
  containers:
  - name: ticker
    image: python:3-slim
    command:
    - python3
    - -c
    - |
      import socket, time
      s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      s.bind(("127.0.0.1", 9000)); s.listen(1)
      c, _ = s.accept(); i = 0
      while True:
          i += 1; c.sendall(b"tick %d\n" % i); time.sleep(0.5)
  - name: reader
    image: busybox
    command: ["sh", "-c", "until nc 127.0.0.1 9000; do sleep 0.2; done"]
  - name: crasher
    image: busybox
    command: ["sh", "-c", "echo run; sleep 2; exit 3"]
YAML
wait_for "restarter running" 300 pod_phase restarter Running
IP_BEFORE=$(pod_ip restarter)
wait_for "crasher restarted" 200 bash -c \
  "[[ \$(kubectl get pod restarter -o jsonpath='{.status.containerStatuses[?(@.name==\"crasher\")].restartCount}') -ge 1 ]]"
ticks_before=$(kubectl logs restarter -c reader | tail -1)
sleep 2
ticks_after=$(kubectl logs restarter -c reader | tail -1)
expect_eq "pod IP kept across a container restart" "$IP_BEFORE" "$(pod_ip restarter)"
expect_eq "reader never restarted" 0 \
  "$(kubectl get pod restarter -o jsonpath='{.status.containerStatuses[?(@.name=="reader")].restartCount}')"
expect_match "open localhost connection keeps flowing" "$ticks_before -> $ticks_after" '^tick [0-9]+ -> tick [0-9]+$'
[[ $(tick_of "$ticks_before") -gt 0 && $(tick_of "$ticks_before") -lt $(tick_of "$ticks_after") ]] && pass "ticks advance ($ticks_before -> $ticks_after)" ||
  fail "ticks advance" "$ticks_before -> $ticks_after"
expect_eq "crasher last exit code" 3 \
  "$(kubectl get pod restarter -o jsonpath='{.status.containerStatuses[?(@.name=="crasher")].lastState.terminated.exitCode}')"
expect_eq "kubectl logs --previous" "run" "$(kubectl logs restarter -c crasher --previous)"
expect_eq "kubectl logs --tail" "1" "$(kubectl logs restarter -c reader --tail=1 | wc -l)"

# --- exec and run -it --rm -------------------------------------------------
run kubectl exec multi-container -c sidecar -- curl -s "http://$ECHO_IP:8080/exec"
expect_contains "kubectl exec curl across nodes" "$OUT" "client_address=$(pod_ip multi-container)"
run kubectl exec multi-container -c app -- cat /etc/hostname
expect_eq "exec sees the pod's hostname" "multi-container" "$OUT"
MARK=netkube-e2e-$$
run kubectl exec multi-container -c app -- sh -c "echo x > /etc/$MARK && mkdir -p /var/run/$MARK && cat /etc/$MARK"
expect_eq "a container writes its own files" "x" "$OUT"
[[ ! -e /etc/$MARK && ! -e /run/$MARK ]] && pass "container writes never reach the machine" ||
  fail "container writes never reach the machine" "/etc/$MARK or /run/$MARK exists on the machine"
# The machine's private places are not the container's (issue 13, item 5).
run kubectl exec multi-container -c sidecar -- sh -c 'echo "HOME=$HOME"'
expect_eq "a container's HOME is /root, as a runtime sets it" "HOME=/root" "$OUT"
run kubectl exec multi-container -c app -- sh -c 'ls -A /root | wc -l; ls -A /home | wc -l; wc -c </etc/shadow'
expect_eq "a container's /root and /home are empty, /etc/shadow too" "0 0 0" "$(tr '\n' ' ' <<<"$OUT" | sed 's/ *$//')"
# ... which means something only if the machine's own /root has files (a .bashrc, say).
machine_root=$(ls -A /root | wc -l)
if [[ $machine_root -gt 0 ]]; then pass "  ... while the machine's /root has $machine_root entries"
else echo "note: the machine's /root is empty here, so the empty-/root check shows nothing"; fi
[[ -s /etc/shadow ]] && pass "  ... the machine's /etc/shadow is untouched" || fail "the machine's /etc/shadow is untouched" "it is empty"
run timeout 60 kubectl run tmp --image=busybox --restart=Never -it --rm -- wget "$ECHO_IP:8080" --timeout=5 --tries=1 -O-
expect_contains "run -it --rm prints the echoserver answer" "$OUT" "Hostname: echo"
# An interactive shell under a real pseudo-terminal has job control (issue 13, item 4).
OUT=$( (sleep 4; echo 'echo MARK-$((20+22))'; sleep 1; echo exit; sleep 1) |
  timeout 60 script -qfc "kubectl run ttyshell --image=busybox --restart=Never -it --rm -- sh" /dev/null 2>&1 | tr -d '\r')
expect_contains "kubectl run -it -- sh under a pty runs the typed command" "$OUT" "MARK-42"
expect_not_contains "  ... with job control (no 'can't access tty')" "$OUT" "job control turned off"
wait_for "tmp deleted" 100 bash -c "! kubectl get pod tmp >/dev/null 2>&1"
expect_fail "tmp is gone" 'not found' kubectl get pod tmp

# --- the image's programs are files of the container ---------------------------
# Upstream's NetworkPolicy probes: kubectl exec CLIENT -- /agnhost connect
# IP:PORT --timeout=1s --protocol=tcp|udp, against agnhost serve-hostname.
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: agn-server
spec:
  nodeName: $C-worker
  containers:
  - name: cont-80-tcp
    image: registry.k8s.io/e2e-test-images/agnhost:2.47
    command: [/agnhost]
    args: [serve-hostname, --tcp, --http=false, --port, "80"]
  - name: cont-80-udp
    image: registry.k8s.io/e2e-test-images/agnhost:2.47
    command: [/agnhost]
    args: [serve-hostname, --udp, --http=false, --port, "80"]
---
apiVersion: v1
kind: Pod
metadata:
  name: agn-client
spec:
  nodeName: $C-worker2
  containers:
  - name: cont
    image: registry.k8s.io/e2e-test-images/agnhost:2.47
YAML
wait_ready agn-server agn-client
AGN_IP=$(pod_ip agn-server)
expect_ok "exec /agnhost connect tcp to an open port" \
  kubectl exec agn-client -c cont -- /agnhost connect "$AGN_IP:80" --timeout=1s --protocol=tcp
expect_ok "exec /agnhost connect udp to an open port" \
  kubectl exec agn-client -c cont -- /agnhost connect "$AGN_IP:80" --timeout=1s --protocol=udp
expect_fail "exec /agnhost connect tcp to a closed port: REFUSED" 'REFUSED' \
  kubectl exec agn-client -c cont -- /agnhost connect "$AGN_IP:81" --timeout=1s --protocol=tcp
expect_eq "tcp REFUSED is upstream's bare line" "REFUSED" "$(grep -v '^command terminated' <<<"$ERR")"
expect_fail "exec /agnhost connect udp to a closed port: REFUSED" 'REFUSED: read udp ' \
  kubectl exec agn-client -c cont -- /agnhost connect "$AGN_IP:81" --timeout=1s --protocol=udp
run kubectl exec agn-client -c cont -- sh -c '/agnhost connect "$0:80" --timeout=1s && echo script-ok' "$AGN_IP"
expect_eq "a shell script in the container finds /agnhost" "script-ok" "$OUT"
run kubectl exec echo -- test -x /usr/local/bin/echoserver
expect_eq "echoserver's program path exists in its container" 0 "$RC"
run kubectl -n kube-system exec deploy/coredns -- test -x /coredns
expect_eq "the coredns image has /coredns" 0 "$RC"
run kubectl exec multi-container -c app -- test -e /agnhost
expect_eq "/agnhost only in agnhost containers" 1 "$RC"
[[ ! -e /agnhost && ! -e /usr/local/bin/echoserver ]] && pass "program files never reach the machine" ||
  fail "program files never reach the machine" "/agnhost or /usr/local/bin/echoserver exists on the machine"
kubectl delete pod agn-server agn-client --wait=false >/dev/null

# --- configMap volumes follow their ConfigMap --------------------------------
kubectl create configmap settings --from-literal=color=blue >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: reader-cm
spec:
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    env:
    - name: COLOR
      valueFrom: {configMapKeyRef: {name: settings, key: color}}
    volumeMounts: [{name: cfg, mountPath: /etc/settings}]
  volumes: [{name: cfg, configMap: {name: settings}}]
YAML
wait_ready reader-cm
run kubectl exec reader-cm -- cat /etc/settings/color
expect_eq "configMap volume" "blue" "$OUT"
run kubectl exec reader-cm -- sh -c 'echo $COLOR'
expect_eq "configMapKeyRef env" "blue" "$OUT"
kubectl create configmap settings --from-literal=color=green --dry-run=client -o yaml | kubectl apply -f - >/dev/null 2>&1
wait_for "volume updated" 150 bash -c "[[ \$(kubectl exec reader-cm -- cat /etc/settings/color) == green ]]"
run kubectl exec reader-cm -- cat /etc/settings/color
expect_eq "configMap change reaches the running pod" "green" "$OUT"
run kubectl exec reader-cm -- ls /var/run/secrets/kubernetes.io/serviceaccount
expect_eq "service-account token volume" "ca.crt namespace token" "$(echo $OUT)"

# --- images outside the catalog --------------------------------------------------
kubectl run unknown --image=example.com/team/app:1.2 >/dev/null
wait_for "ErrImagePull" 100 bash -c "[[ \$(kubectl get pod unknown -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}') == ErrImagePull ]]"
expect_eq "unknown image without a command waits with ErrImagePull" "ErrImagePull" \
  "$(kubectl get pod unknown -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}')"
expect_contains "the message says how to fix it" \
  "$(kubectl get pod unknown -o jsonpath='{.status.containerStatuses[0].state.waiting.message}')" "catalog"
kubectl run machine-cmd --image=example.com/tools:1 --restart=Never --command -- /bin/echo from the machine >/dev/null
wait_pod_phase machine-cmd Succeeded
expect_eq "unknown image with a command runs it from the machine" "from the machine" "$(kubectl logs machine-cmd)"

# --- graceful termination with a preStop hook ---------------------------------
mkdir -p "$E2E_DIR/hooks"
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: graceful
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'echo got TERM >> /hooks/log; exit 0' TERM; while true; do sleep 0.2; done"]
    lifecycle:
      preStop:
        exec:
          command: ["sh", "-c", "echo prestop >> /hooks/log"]
    volumeMounts: [{name: hooks, mountPath: /hooks}]
  volumes: [{name: hooks, hostPath: {path: $E2E_DIR/hooks, type: Directory}}]
YAML
wait_ready graceful
kubectl delete pod graceful --wait=true >/dev/null
expect_eq "preStop ran, then SIGTERM" "prestop got TERM" "$(tr '\n' ' ' <"$E2E_DIR/hooks/log" | sed 's/ $//')"
run kubectl get events --field-selector involvedObject.name=graceful -o jsonpath='{.items[*].reason}'
expect_contains "Killing event" "$OUT" "Killing"

# --- port-forward and cp -----------------------------------------------------
PF_PORT=$(free_port)
kubectl port-forward pod/multi-container "$PF_PORT:80" >"$E2E_DIR/pf.log" 2>&1 &
track_pid $!
wait_for "port-forward listening" 100 grep -q "Forwarding from" "$E2E_DIR/pf.log"
run curl -s --max-time 5 "http://127.0.0.1:$PF_PORT/"
expect_contains "kubectl port-forward reaches nginx in the pod" "$OUT" "Welcome to nginx!"
expect_ok "kubectl cp from a container" kubectl cp multi-container:/etc/hostname "$E2E_DIR/hostname.txt" -c app
expect_eq "copied file" "multi-container" "$(cat "$E2E_DIR/hostname.txt" 2>/dev/null)"
echo "hello from the host" >"$E2E_DIR/up.txt"
expect_ok "kubectl cp into a container" kubectl cp "$E2E_DIR/up.txt" multi-container:/tmp/up.txt -c app
run kubectl exec multi-container -c app -- cat /tmp/up.txt
expect_eq "file copied in" "hello from the host" "$OUT"
run timeout 5 kubectl logs -f restarter -c reader
expect_match "kubectl logs -f follows" "$OUT" 'tick [0-9]+'

# --- kill -9 of an agent ---------------------------------------------------
NODE=$(pod_node restarter)
AGENT=$(pgrep -f "agent --node $NODE .*$NETKUBE_STATE_DIR" | head -1)
[[ -n "$AGENT" ]] || die "no agent process for $NODE"
before=$(kubectl logs restarter -c reader | tail -1)
kill -9 "$AGENT"
sleep 2
wait_for "agent restarted" 100 bash -c "pgrep -f 'agent --node $NODE .*$NETKUBE_STATE_DIR' | grep -vqx $AGENT"
sleep 2
after=$(kubectl logs restarter -c reader | tail -1)
[[ $(tick_of "$before") -gt 0 && $(tick_of "$before") -lt $(tick_of "$after") ]] && pass "connection kept through kill -9 of the agent ($before -> $after)" ||
  fail "connection kept through kill -9 of the agent" "$before -> $after"
expect_eq "reader still not restarted" 0 \
  "$(kubectl get pod restarter -o jsonpath='{.status.containerStatuses[?(@.name=="reader")].restartCount}')"
expect_eq "restarted agent reports Running" Running "$(kubectl get pod restarter -o jsonpath='{.status.phase}')"
kubectl run after --image=registry.k8s.io/pause:3.9 --overrides="$(on_node "$NODE")" >/dev/null
wait_ready after && pass "new pod on the node after the agent restart" || fail "new pod on the node after the agent restart"

# --- down leaves nothing ---------------------------------------------------
expect_ok "netkube down" "$NETKUBE" down --name "$C"
expect_eq "nothing left after down" "" "$(cluster_leftovers "$C")"
finish
