#!/usr/bin/env bash
# dns_test: cluster DNS on a 3-node cluster (issue 5 acceptance), driven by the
# real kubectl, dig, busybox nslookup and wget, and glibc's getent in pods:
#  - `netkube up` deploys coredns (2 replicas) and kube-dns 10.96.0.10 as
#    kubeadm does;
#  - seed 000: wget of a service by its short name from its namespace, by
#    NAME.NAMESPACE from another, and of a pod by its a-b-c-d.NS.pod name;
#  - dig answers for every record type of the DNS specification (A, SRV,
#    PTR, headless services, hostname records, ExternalName CNAME, SOA/NS,
#    dns-version TXT), NXDOMAIN vs NODATA with the SOA, case, TCP;
#  - pods' resolv.conf per dnsPolicy;
#  - a new Service resolves at once, a deleted one stops resolving;
#  - editing the coredns ConfigMap (forward target, stub zone, rewrite,
#    pods disabled, a broken Corefile that keeps the last good one) takes
#    effect without restarting pods;
#  - deleting a coredns pod: lookups keep working, the Deployment replaces it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"

C=dn$$
C=${C:0:12}
cluster_up "$C" --nodes 3

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
cluster_ip() { kubectl get svc "$@" -o jsonpath='{.spec.clusterIP}'; }
# in_pod POD CMD: a shell command in a long-lived pod of the default namespace.
in_pod() { kubectl exec "$1" -- sh -c "$2"; }
# qdig ARGS: dig from the client pod, short output.
qdig() { in_pod client "dig +short +time=2 +tries=2 $*"; }
# dig_status ARGS: the status word of a full dig answer.
dig_status() { in_pod client "dig +time=2 +tries=2 $*" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }

# --- the deployment -----------------------------------------------------------------------------
run kubectl -n kube-system get deploy coredns
expect_match "coredns Deployment is 2/2 ready" "$OUT" 'coredns +2/2 +2 +2'
run kubectl -n kube-system get svc kube-dns
expect_match "kube-dns Service at 10.96.0.10 with 53/UDP,53/TCP,9153/TCP" "$OUT" \
  'kube-dns +ClusterIP +10\.96\.0\.10 +<none> +53/UDP,53/TCP,9153/TCP'
run kubectl -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}'
expect_contains "the coredns ConfigMap holds kubeadm's Corefile" "$OUT" "kubernetes cluster.local in-addr.arpa ip6.arpa"
mapfile -t DNS_PODS < <(kubectl -n kube-system get pods -l k8s-app=kube-dns -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
expect_eq "two coredns pods" 2 "${#DNS_PODS[@]}"

# --- workloads ----------------------------------------------------------------------------------
kubectl create namespace chapter5 >/dev/null
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: echoserver, namespace: chapter5}
spec:
  replicas: 2
  selector: {matchLabels: {app: echoserver}}
  template:
    metadata: {labels: {app: echoserver}}
    spec:
      containers:
      - {name: echoserver, image: k8s.gcr.io/echoserver:1.10, ports: [{containerPort: 8080, name: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: echoserver-clusterip, namespace: chapter5}
spec:
  selector: {app: echoserver}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-headless, namespace: chapter5}
spec:
  clusterIP: None
  selector: {app: echoserver}
  ports: [{name: http, port: 8080, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: chapter5}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: chapter5, labels: {app: web}}
spec:
  hostname: web-0
  subdomain: web
  containers:
  - {name: echoserver, image: k8s.gcr.io/echoserver:1.10}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: chapter5}
spec:
  type: ExternalName
  externalName: echoserver-clusterip.chapter5.svc.cluster.local
EOF
kubectl run client --image=busybox --restart=Never --overrides="$(on_node "$C-worker")" -- sleep 3600 >/dev/null
kubectl -n chapter5 run glibc --image=debian --restart=Never -- sleep 3600 >/dev/null
kubectl -n chapter5 rollout status deploy/echoserver --timeout=120s >/dev/null || die "echoserver not rolled out"
wait_ready client || die "client pod not Ready"
kubectl -n chapter5 wait --for=condition=Ready --timeout=60s pod/web-0 pod/glibc >/dev/null || die "web-0/glibc not Ready"
CIP=$(cluster_ip echoserver-clusterip -n chapter5)
mapfile -t ECHO_IPS < <(kubectl -n chapter5 get pods -l app=echoserver -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}' | sort)
WEB_IP=$(kubectl -n chapter5 get pod web-0 -o jsonpath='{.status.podIP}')
log "echoserver-clusterip $CIP, echoserver pods ${ECHO_IPS[*]}, web-0 $WEB_IP"

# --- resolv.conf ----------------------------------------------------------------------------------
run in_pod client "cat /etc/resolv.conf"
expect_contains "ClusterFirst resolv.conf: nameserver 10.96.0.10" "$OUT" "nameserver 10.96.0.10"
expect_contains "ClusterFirst resolv.conf: search list" "$OUT" "search default.svc.cluster.local svc.cluster.local cluster.local"
expect_contains "ClusterFirst resolv.conf: ndots:5" "$OUT" "options ndots:5"
run kubectl -n kube-system exec "${DNS_PODS[0]}" -- cat /etc/resolv.conf
expect_not_contains "coredns pods (dnsPolicy Default) use the node's resolv.conf" "$OUT" "10.96.0.10"

# --- seed 000 -------------------------------------------------------------------------------------
run timeout 60 kubectl run tmp -n chapter5 --image=busybox --restart=Never -it --rm -- wget echoserver-clusterip:80 --timeout=5 --tries=1
expect_contains "seed 000: wget echoserver-clusterip:80 from its namespace" "$OUT" "saved"
expect_contains "seed 000: wget connects to the ClusterIP" "$OUT" "Connecting to echoserver-clusterip:80 ($CIP:80)"
run timeout 60 kubectl run tmp --image=busybox --restart=Never -it --rm -- wget echoserver-clusterip.chapter5:80 --timeout=5 --tries=1
expect_contains "seed 000: wget echoserver-clusterip.chapter5:80 from another namespace" "$OUT" "saved"
POD_NAME=${ECHO_IPS[0]//./-}.chapter5.pod
run timeout 60 kubectl run tmp --image=busybox --restart=Never -it --rm -- wget "$POD_NAME:8080" --timeout=5 --tries=1
expect_contains "seed 000: wget $POD_NAME:8080 (pods insecure)" "$OUT" "saved"
run timeout 60 kubectl run tmp --image=busybox --restart=Never -it --rm -- wget "${ECHO_IPS[0]//./-}:8080" --timeout=5 --tries=1
expect_contains "seed 000: not working without chapter5.pod" "$OUT" "bad address"

# --- dig: the records of the specification ---------------------------------------------------------
run qdig echoserver-clusterip.chapter5.svc.cluster.local
expect_eq "A of a ClusterIP service" "$CIP" "$OUT"
run qdig ECHOSERVER-ClusterIP.Chapter5.SVC.cluster.LOCAL
expect_eq "names compare case-insensitively" "$CIP" "$OUT"
run qdig +tcp echoserver-clusterip.chapter5.svc.cluster.local
expect_eq "A over TCP" "$CIP" "$OUT"
run qdig kubernetes.default.svc.cluster.local
expect_eq "kubernetes.default is 10.96.0.1" "10.96.0.1" "$OUT"
run qdig SRV _http._tcp.echoserver-clusterip.chapter5.svc.cluster.local
expect_eq "SRV of a named port" "0 100 80 echoserver-clusterip.chapter5.svc.cluster.local." "$OUT"
run qdig -x "$CIP"
expect_eq "PTR of the ClusterIP" "echoserver-clusterip.chapter5.svc.cluster.local." "$OUT"
run qdig echo-headless.chapter5.svc.cluster.local
expect_eq "headless service: one A per ready endpoint" "$(printf '%s\n' "${ECHO_IPS[@]}")" "$(sort <<<"$OUT")"
run qdig SRV _http._tcp.echo-headless.chapter5.svc.cluster.local
expect_match "headless SRV: one per endpoint with its own target" "$OUT" \
  '^0 50 8080 [0-9a-z-]+\.echo-headless\.chapter5\.svc\.cluster\.local\.'$'\n''0 50 8080 '
run qdig web-0.web.chapter5.svc.cluster.local
expect_eq "hostname/subdomain record web-0.web.chapter5.svc" "$WEB_IP" "$OUT"
run qdig -x "$WEB_IP"
expect_eq "PTR of an endpoint with a hostname" "web-0.web.chapter5.svc.cluster.local." "$OUT"
run qdig ext.chapter5.svc.cluster.local
expect_eq "ExternalName: CNAME then the target's A" \
  "$(printf 'echoserver-clusterip.chapter5.svc.cluster.local.\n%s' "$CIP")" "$OUT"
run qdig "$POD_NAME.cluster.local"
expect_eq "pod A record a-b-c-d.chapter5.pod.cluster.local" "${ECHO_IPS[0]}" "$OUT"
run qdig SOA cluster.local
expect_match "SOA of the zone" "$OUT" '^ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. [0-9]+ 7200 1800 86400 30$'
run qdig NS cluster.local
expect_eq "NS of the zone" "ns.dns.cluster.local." "$OUT"
run qdig TXT dns-version.cluster.local
expect_eq "dns-version TXT" '"1.1.0"' "$OUT"
run dig_status nope.chapter5.svc.cluster.local
expect_eq "a missing service: NXDOMAIN" "NXDOMAIN" "$OUT"
run in_pod client "dig +time=2 +tries=2 nope.chapter5.svc.cluster.local"
expect_match "NXDOMAIN carries the zone's SOA in the authority section" "$OUT" \
  $'AUTHORITY SECTION:\ncluster\\.local\\.\t+[0-9]+\tIN\tSOA\tns\\.dns\\.cluster\\.local\\.'
run dig_status AAAA echoserver-clusterip.chapter5.svc.cluster.local
expect_eq "AAAA of an IPv4 service: NODATA (NOERROR, no answer)" "NOERROR" "$OUT"
run qdig AAAA echoserver-clusterip.chapter5.svc.cluster.local
expect_eq "AAAA of an IPv4 service: no answer" "" "$OUT"
run dig_status chapter5.svc.cluster.local
expect_eq "a namespace is an empty non-terminal: NOERROR" "NOERROR" "$OUT"
run dig_status nonamespace.svc.cluster.local
expect_eq "a namespace that does not exist: NXDOMAIN" "NXDOMAIN" "$OUT"

# --- busybox nslookup and glibc ---------------------------------------------------------------------
run in_pod client "nslookup echoserver-clusterip.chapter5.svc.cluster.local"
expect_contains "busybox nslookup of the FQDN" "$OUT" "Address: $CIP"
run in_pod client "nslookup kubernetes"
expect_contains "busybox nslookup of a short name (search list)" "$OUT" $'Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1'
run kubectl -n chapter5 exec glibc -- getent hosts echoserver-clusterip
expect_match "glibc getent hosts, short name" "$OUT" "^$CIP +echoserver-clusterip\\.chapter5\\.svc\\.cluster\\.local"
run kubectl -n chapter5 exec glibc -- getent hosts echoserver-clusterip.chapter5.svc.cluster.local
expect_match "glibc getent hosts, fully qualified (three NXDOMAINs first)" "$OUT" "^$CIP "
run kubectl -n chapter5 exec glibc -- getent hosts kubernetes.default
expect_match "glibc getent hosts kubernetes.default" "$OUT" "^10\\.96\\.0\\.1 "
run kubectl -n chapter5 exec glibc -- getent hosts nope-nope
expect_eq "glibc: an unknown name fails" "" "$OUT"

# --- a new Service resolves at once; a deleted one stops --------------------------------------------
kubectl -n chapter5 create service clusterip fresh --tcp=80:8080 >/dev/null
FRESH=$(cluster_ip fresh -n chapter5)
run qdig fresh.chapter5.svc.cluster.local
expect_eq "a Service created now resolves" "$FRESH" "$OUT"
kubectl -n chapter5 delete service fresh >/dev/null
run dig_status fresh.chapter5.svc.cluster.local
expect_eq "a deleted Service stops resolving (no stale cache)" "NXDOMAIN" "$OUT"

# --- the coredns ConfigMap ----------------------------------------------------------------------------
# An upstream for example.org inside the cluster: netkube dns with the hosts plugin.
kubectl apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata: {name: upstream}
data:
  Corefile: |
    example.org:53 {
        hosts {
            10.1.2.3 www.example.org
        }
    }
---
apiVersion: v1
kind: Pod
metadata: {name: upstream}
spec:
  containers:
  - name: dns
    image: registry.k8s.io/coredns/coredns:v1.11.1
    args: ["-conf", "/etc/coredns/Corefile"]
    volumeMounts: [{name: conf, mountPath: /etc/coredns}]
  volumes: [{name: conf, configMap: {name: upstream}}]
EOF
wait_pod_phase upstream Running 300 || die "upstream pod not Running"
UP_IP=$(pod_ip upstream)
run in_pod client "dig +short +time=2 +tries=2 @$UP_IP www.example.org"
expect_eq "the test upstream answers" "10.1.2.3" "$OUT"

COREFILE=$(kubectl -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}')
# set_corefile TEXT: replaces the Corefile in the coredns ConfigMap.
set_corefile() {
  kubectl -n kube-system create configmap coredns --from-literal=Corefile="$1" --dry-run=client -o yaml |
    kubectl apply -f - >/dev/null 2>&1
}
# Each coredns pod reloads on its own: checks ask both directly.
mapfile -t DNS_IPS < <(kubectl -n kube-system get pods -l k8s-app=kube-dns -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}')
# answers_everywhere NAME WANT: every coredns pod answers NAME with WANT.
answers_everywhere() {
  local ip
  for ip in "${DNS_IPS[@]}"; do
    [[ "$(kubectl exec client -- dig +short +time=1 +tries=1 "@$ip" "$1" 2>/dev/null)" == "$2" ]] || return 1
  done
}
# wait_answer DESC NAME WANT: polls until both coredns pods answer NAME with WANT (60 s); logs the time.
wait_answer() {
  local desc=$1 name=$2 want=$3 t0
  t0=$(date +%s%N)
  if wait_for "$desc" 150 answers_everywhere "$name" "$want"; then
    pass "$desc"
    log "$desc: took $(ms_since "$t0") ms"
  else
    fail "$desc" "dig $name never answered $want; last: $(qdig "$name")"
  fi
}

# A stub domain: example.org goes to the upstream.
set_corefile "$COREFILE
example.org:53 {
    errors
    cache 30
    forward . $UP_IP
}"
wait_answer "stub domain (a server block for example.org) takes effect" www.example.org 10.1.2.3
# A rewrite.
set_corefile "${COREFILE/    ready/    ready
    rewrite name exact echo.example.com echoserver-clusterip.chapter5.svc.cluster.local}"
wait_answer "rewrite name exact takes effect" echo.example.com "$CIP"
run in_pod client "dig +time=2 +tries=2 echo.example.com"
expect_match "the rewritten answer carries the name asked" "$OUT" $'ANSWER SECTION:\necho\\.example\\.com\\.'
# A forward target.
set_corefile "${COREFILE//forward . \/etc\/resolv.conf/forward . $UP_IP}"
wait_answer "forward . UPSTREAM takes effect" www.example.org 10.1.2.3
# A broken Corefile keeps the last good one serving.
set_corefile "${COREFILE//forward . \/etc\/resolv.conf/forward . $UP_IP}
oops {"
reload_failed() {
  local p
  for p in "${DNS_PODS[@]}"; do
    kubectl -n kube-system logs "$p" | grep -Eq 'Corefile:[0-9]+ - Error during parsing' || return 1
  done
}
wait_for "the reload error" 225 reload_failed && pass "a broken Corefile: the reload error names the line" ||
  fail "a broken Corefile: the reload error names the line" "$(kubectl -n kube-system logs "${DNS_PODS[0]}" | tail -5)"
run qdig www.example.org
expect_eq "a broken Corefile keeps the last good configuration" "10.1.2.3" "$OUT"
# pods disabled.
set_corefile "${COREFILE/pods insecure/pods disabled}"
wait_answer "pods disabled takes effect" "$POD_NAME.cluster.local" ""
run timeout 60 kubectl run tmp --image=busybox --restart=Never -it --rm -- wget "$POD_NAME:8080" --timeout=5 --tries=1
expect_contains "pods disabled: wget of a pod name fails" "$OUT" "bad address"
run kubectl -n kube-system get pods -l k8s-app=kube-dns -o jsonpath='{.items[*].status.containerStatuses[0].restartCount}'
expect_eq "no coredns restarts through the edits" "0 0" "$OUT"
set_corefile "$COREFILE"
wait_answer "back to kubeadm's Corefile" "$POD_NAME.cluster.local" "${ECHO_IPS[0]}"

# --- deleting a coredns pod ---------------------------------------------------------------------------
kubectl exec client -- sh -c 'i=0; f=0; while [ $i -lt 60 ]; do
    dig +short +time=1 +tries=2 echoserver-clusterip.chapter5.svc.cluster.local | grep -q . || f=$((f+1));
    i=$((i+1)); sleep 0.1; done; echo "failures=$f"' >"$E2E_DIR/loop.out" 2>&1 &
LOOP=$!
track_pid $LOOP
sleep 1
kubectl -n kube-system delete pod "${DNS_PODS[0]}" --wait=false >/dev/null
wait "$LOOP"
run cat "$E2E_DIR/loop.out"
expect_eq "lookups keep working while a coredns pod is deleted" "failures=0" "$OUT"
wait_for "coredns back to 2/2" 300 bash -c "kubectl -n kube-system get deploy coredns | grep -Eq 'coredns +2/2'" &&
  pass "the Deployment replaces the deleted coredns pod" || fail "coredns back to 2/2"

finish
