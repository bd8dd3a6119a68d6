#!/usr/bin/env bash
# ingress_test: the built-in ingress controller on a 3-node cluster (issue 11
# acceptance), driven by the real kubectl, curl and openssl from the host
# (this test's network namespace, which reaches the node IPs and the
# LoadBalancer IPs):
#  - `netkube up` deploys ingress-nginx as minikube's and kind's add-ons do:
#    `kubectl get pods,svc,deploy -n ingress-nginx` (seed 000) shows the
#    controller Running and its LoadBalancer Service with an EXTERNAL-IP; the
#    IngressClass nginx is the default;
#  - seed 000: the corellian Ingress answers seed 000's
#    `curl --resolve "star-alliance.com:80:$(netkube ip)" -i ...` through
#    hostPort 80 of the control-plane node, the LoadBalancer IP and the
#    controller Service's NodePort on a worker; `kubectl get ingress` shows
#    the ADDRESS; X-Forwarded-* headers reach the backend; the access log and
#    /metrics on 10254;
#  - seed 001: each Ingress example (default backend only; host + paths, the
#    seed's `pathType: exact` refused with a 422 first; name-based virtual
#    hosting; TLS with a kubernetes.io/tls Secret made with openssl and
#    verified with curl --cacert, the seed's secret-name mismatch served the
#    default certificate with a Warning Event), HTTP -> HTTPS 308;
#  - live changes: an Ingress edited 50 times under requests, and a rolling
#    update of a backend with a readiness probe, lose no request;
#  - Ingresses of another class (ingressClassName or the legacy annotation)
#    are never served and get no status.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"

C=ig$$
C=${C:0:12}
cluster_up "$C" --nodes 3

read_nodes
NIP=$("$NETKUBE" ip --name "$C")
WIP=${NODE_IP[$C-worker]}
log "nodes: $(for n in "${NODES[@]}"; do printf '%s=%s ' "$n" "${NODE_IP[$n]}"; done); netkube ip: $NIP"

# via ADDR URL [CURL ARGS...]: curl URL with its host name resolved to ADDR
# (curl --resolve, so Host and SNI are the URL's). Prints the body and the
# status code on a last line of its own (000 when no answer).
via() {
  local addr=$1 url=$2 hostport host port
  shift 2
  hostport=${url#*://}
  hostport=${hostport%%/*}
  host=${hostport%%:*}
  if [[ $hostport == *:* ]]; then port=${hostport##*:}
  elif [[ $url == https:* ]]; then port=443
  else port=80; fi
  curl -sS --max-time 10 --resolve "$host:$port:$addr" -w '\n%{http_code}\n' "$@" "$url"
}
# hostname_of TEXT: the pod that answered (the echoserver's "Hostname:" line).
hostname_of() { sed -n 's/^Hostname: //p' <<<"$1" | head -1; }
# served_by TEXT SERVICE: the answer is 200 from a pod of Deployment SERVICE
# (pods are named SERVICE-<replicaset hash>-<5 characters>).
served_by() {
  [[ "$(http_status "$1")" == 200 && "$(hostname_of "$1")" =~ ^$2-[a-z0-9]+-[a-z0-9]{5}$ ]]
}
# answers_from ADDR URL SERVICE [CURL ARGS...]: (for wait_for) URL is served by SERVICE.
answers_from() {
  local addr=$1 url=$2 svc=$3 out
  shift 3
  out=$(via "$addr" "$url" "$@" 2>/dev/null)
  served_by "$out" "$svc"
}
# status_is ADDR URL CODE [CURL ARGS...]: (for wait_for) URL answers CODE.
status_is() {
  local addr=$1 url=$2 code=$3 out
  shift 3
  out=$(via "$addr" "$url" "$@" 2>/dev/null)
  [[ "$(http_status "$out")" == "$code" ]]
}
# expect_served NAME ADDR URL SERVICE [CURL ARGS...]
expect_served() {
  local name=$1 addr=$2 url=$3 svc=$4
  shift 4
  run via "$addr" "$url" "$@"
  if served_by "$OUT" "$svc"; then pass "$name"; else
    fail "$name" "curl --resolve ...:$addr $* $url" "expected: 200 from a pod of $svc" \
      "got: status $(http_status "$OUT"), Hostname: $(hostname_of "$OUT")" "stderr: $ERR"
  fi
}
# expect_status NAME ADDR URL CODE [CURL ARGS...]
expect_status() {
  local name=$1 addr=$2 url=$3 code=$4
  shift 4
  run via "$addr" "$url" "$@"
  expect_eq "$name" "$code" "$(http_status "$OUT")"
}
ing_address() { kubectl get ingress "$@" -o jsonpath='{.status.loadBalancer.ingress[*].ip}' 2>/dev/null; }
has_address() { [[ -n "$(ing_address "$@")" ]]; }
ctrl_logs() { kubectl -n ingress-nginx logs deploy/ingress-nginx-controller 2>&1; }

# --- the controller that `netkube up` deployed ---------------------------------------------------
run kubectl get pods,svc,deploy -n ingress-nginx
log "kubectl get pods,svc,deploy -n ingress-nginx:"$'\n'"$OUT"
expect_match "seed 000: the controller pod is Running" "$OUT" 'pod/ingress-nginx-controller-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running'
expect_match "seed 000: the controller Service is a LoadBalancer with an EXTERNAL-IP, ports 80 and 443" "$OUT" \
  'service/ingress-nginx-controller +LoadBalancer +10\.[0-9.]+ +172\.[0-9]+\.[0-9]+\.[0-9]+ +80:3[0-9]{4}/TCP,443:3[0-9]{4}/TCP'
expect_match "seed 000: the controller Deployment is 1/1" "$OUT" 'deployment\.apps/ingress-nginx-controller +1/1 +1 +1'
LB=$(kubectl -n ingress-nginx get svc ingress-nginx-controller -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
HTTP_NP=$(kubectl -n ingress-nginx get svc ingress-nginx-controller -o jsonpath='{.spec.ports[?(@.name=="http")].nodePort}')
HTTPS_NP=$(kubectl -n ingress-nginx get svc ingress-nginx-controller -o jsonpath='{.spec.ports[?(@.name=="https")].nodePort}')
CTRL_POD=$(kubectl -n ingress-nginx get pods -l app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller \
  -o jsonpath='{.items[0].metadata.name}')
CTRL_IP=$(kubectl -n ingress-nginx get pod "$CTRL_POD" -o jsonpath='{.status.podIP}')
log "controller pod $CTRL_POD ($CTRL_IP) on $(kubectl -n ingress-nginx get pod "$CTRL_POD" -o jsonpath='{.spec.nodeName}');" \
  "LB $LB, NodePorts http $HTTP_NP https $HTTPS_NP"
[[ -n "$CTRL_POD" ]] || die "no controller pod with upstream's labels in ingress-nginx"
expect_eq "the controller runs on the control-plane node (hostPort 80/443 there)" "$C-control-plane" \
  "$(kubectl -n ingress-nginx get pod "$CTRL_POD" -o jsonpath='{.spec.nodeName}')"
expect_eq "the controller pod declares hostPort 80 and 443" "80 443" \
  "$(kubectl -n ingress-nginx get pod "$CTRL_POD" -o jsonpath='{.spec.containers[0].ports[*].hostPort}' | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')"
run kubectl get ingressclass nginx -o jsonpath='{.spec.controller} {.metadata.annotations.ingressclass\.kubernetes\.io/is-default-class}'
expect_eq "IngressClass nginx: controller k8s.io/ingress-nginx, the default class" "k8s.io/ingress-nginx true" "$OUT"
for what in serviceaccount/ingress-nginx configmap/ingress-nginx-controller; do
  expect_ok "ingress-nginx has $what" kubectl -n ingress-nginx get "$what"
done

# --- seed 000: the corellian Ingress ----------------------------------------------------------------
kubectl create namespace chapter5 >/dev/null
expect_ok "kubectl apply -f corellian-ingress (seed 000)" kubectl apply -f "$E2E_TESTDATA/ingress-seed000.yaml"
kubectl -n chapter5 rollout status deploy/echoserver --timeout=120s >/dev/null || fail "echoserver rolled out"
URL=http://star-alliance.com/corellian/api
wait_for "star-alliance.com served" 150 answers_from "$NIP" "$URL" echoserver ||
  log "controller log:"$'\n'"$(ctrl_logs | tail -20)"
run curl --max-time 10 --resolve "star-alliance.com:80:$("$NETKUBE" ip --name "$C")" -i http://star-alliance.com/corellian/api
log "seed 000's curl -i said:"$'\n'"$(head -12 <<<"$OUT")"
expect_match "seed 000: curl --resolve star-alliance.com:80:\$(netkube ip) -i .../corellian/api: 200" "$OUT" '^HTTP/1\.1 200 OK'
expect_match "  ... answered by an echoserver pod" "$OUT" $'\nHostname: echoserver-[a-z0-9]+-[a-z0-9]{5}'
expect_contains "  ... the backend saw the path" "$OUT" "real path=/corellian/api"
expect_match "  ... a Server header" "$OUT" $'\n[Ss]erver: [^\r]+'
expect_contains "  ... X-Forwarded-Host: star-alliance.com" "$OUT" "x-forwarded-host=star-alliance.com"
expect_contains "  ... X-Forwarded-Proto: http" "$OUT" "x-forwarded-proto=http"
expect_contains "  ... X-Forwarded-Port: 80" "$OUT" "x-forwarded-port=80"
expect_match "  ... X-Forwarded-For: the client's address" "$OUT" 'x-forwarded-for=[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+'
expect_match "  ... X-Real-IP: the client's address" "$OUT" 'x-real-ip=[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+'
expect_match "  ... X-Request-ID" "$OUT" 'x-request-id=[0-9a-f]{32}'
expect_served "seed 000 Ingress through the LoadBalancer IP $LB" "$LB" "$URL" echoserver
expect_served "seed 000 Ingress through the controller's NodePort $HTTP_NP on $C-worker ($WIP)" "$WIP" \
  "http://star-alliance.com:$HTTP_NP/corellian/api" echoserver
expect_served "seed 000 Ingress through the NodePort on $C-worker2" "${NODE_IP[$C-worker2]}" \
  "http://star-alliance.com:$HTTP_NP/corellian/api" echoserver
expect_served "Prefix /corellian/api matches /corellian/api/v1" "$NIP" "$URL/v1" echoserver
expect_status "Prefix /corellian/api does not match /corellian/apiv1" "$NIP" "http://star-alliance.com/corellian/apiv1" 404
expect_status "Prefix /corellian/api does not match /corellian" "$NIP" "http://star-alliance.com/corellian" 404
expect_served "host names match case-insensitively, the port in Host ignored" "$NIP" "$URL" echoserver \
  -H "Host: STAR-Alliance.COM:80"
expect_status "another host: 404 from the controller's default backend" "$NIP" "http://other.example.com/corellian/api" 404
run curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "http://$NIP/corellian/api"
expect_eq "no Host match (the bare node IP): 404" 404 "$OUT"

wait_for "corellian's ADDRESS" 50 has_address -n chapter5 corellian
expect_eq "the corellian Ingress's status shows the LoadBalancer IP" "$LB" "$(ing_address -n chapter5 corellian)"
run kubectl -n chapter5 get ingress
log "kubectl get ingress -n chapter5:"$'\n'"$OUT"
expect_match "kubectl get ingress shows HOSTS and ADDRESS" "$OUT" \
  "corellian +[^ ]+ +star-alliance\\.com +${LB//./\\.} +80 "

# The access log and the upstream: straight to a pod, not to the ClusterIP.
mapfile -t ECHO_IPS < <(kubectl -n chapter5 get pods -l app=echoserver -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}')
run via "$NIP" "http://star-alliance.com/corellian/api/access-log-$$" -A "e2e-ingress-$$"
logged() { ctrl_logs | grep -q "access-log-$$"; }
wait_for "the access log line" 50 logged
LOGS=$(ctrl_logs)
line=$(grep "access-log-$$" <<<"$LOGS" | tail -1)
log "access log line: $line"
expect_match "kubectl logs deploy/ingress-nginx-controller shows the request (ingress-nginx's format)" "$line" \
  "^172\\.[0-9.]+ - - \\[[^]]+\\] \"GET /corellian/api/access-log-$$ HTTP/1\\.1\" 200 [0-9]+ \"-\" \"e2e-ingress-$$\" [0-9]+ [0-9.]+ \\[chapter5-echoserver-clusterip-80\\] \\[\\] "
upstream=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\[chapter5-echoserver-clusterip-80\]$/) {print $(i + 2); exit}}' <<<"$line")
expect_match "the upstream is an echoserver pod's IP:8080 (no ClusterIP hop)" "$upstream" \
  "^($(IFS='|'; echo "${ECHO_IPS[*]//./\\.}")):8080$"

# /healthz and /metrics on 10254 (the pod IP, from the control-plane node).
run ip netns exec "$C-control-plane" curl -sS --max-time 5 -w '\n%{http_code}\n' "http://$CTRL_IP:10254/healthz"
expect_eq "GET $CTRL_IP:10254/healthz: 200" 200 "$(http_status "$OUT")"
run ip netns exec "$C-control-plane" curl -sS --max-time 5 "http://$CTRL_IP:10254/metrics"
METRICS=$OUT
SERIES=$(grep '^nginx_ingress_controller_requests{' <<<"$METRICS" | grep 'ingress="corellian"')
log "corellian's request series: $SERIES"
expect_match "/metrics has nginx_ingress_controller_requests for the corellian Ingress" "$SERIES" '\} [1-9][0-9]*$'
for label in 'namespace="chapter5"' 'service="echoserver-clusterip"' 'status="200"' 'host="star-alliance.com"'; do
  expect_contains "/metrics: corellian's series has the label $label" "$SERIES" "$label"
done
expect_match "/metrics: request latency histogram" "$METRICS" 'nginx_ingress_controller_request_duration_seconds_bucket\{'

# --- seed 001: the Ingress examples ---------------------------------------------------------------
expect_ok "kubectl apply the Services seed 001 names" kubectl apply -f "$E2E_TESTDATA/ingress-seed001-backends.yaml"
for d in hello-world service-red service-blue; do
  kubectl rollout status "deploy/$d" --timeout=120s >/dev/null || fail "$d rolled out"
done

# 1. A default backend only: every host and path.
expect_ok "seed 001 example 1 (defaultBackend only) applied" kubectl apply -f "$E2E_TESTDATA/ingress-seed001-default.yaml"
wait_for "hello-world as the default backend" 150 answers_from "$NIP" "http://anything.example.org/some/path" hello-world
expect_served "defaultBackend: any host, any path -> hello-world" "$NIP" "http://anything.example.org/some/path" hello-world
run curl -sS --max-time 10 "http://$NIP/"
expect_match "defaultBackend: the bare node IP -> hello-world" "$(hostname_of "$OUT")" '^hello-world-'
expect_served "defaultBackend: over the LoadBalancer IP" "$LB" "http://x.example.org/" hello-world
expect_served "defaultBackend leaves the corellian host's rule alone" "$NIP" "$URL" echoserver
wait_for "minimal-ingress's ADDRESS" 50 has_address minimal-ingress
expect_eq "minimal-ingress's status shows the LoadBalancer IP" "$LB" "$(ing_address minimal-ingress)"

# 2. Host + paths: first as the seed writes it (lower-case exact), then corrected.
expect_fail "seed 001 example 2 as written: pathType exact refused" \
  'Unsupported value: "exact": supported values: "Exact", "ImplementationSpecific", "Prefix"' \
  kubectl apply -f "$E2E_TESTDATA/ingress-seed001-paths.yaml"
expect_contains "  ... the field path in the error" "$ERR" "spec.rules[0].http.paths[1].pathType"
run kubectl apply -f "$E2E_TESTDATA/ingress-seed001-paths.yaml" -v=6
expect_contains "  ... with HTTP status 422" "$ERR" "422 Unprocessable Entity"
expect_served "the refused apply changed nothing (still example 1)" "$NIP" "http://path.example.com/red" hello-world
expect_ok "seed 001 example 2 with pathType Exact applied" \
  bash -c "sed 's/pathType: exact/pathType: Exact/' '$E2E_TESTDATA/ingress-seed001-paths.yaml' | kubectl apply -f -"
wait_for "path.example.com/red -> service-red" 50 answers_from "$NIP" "http://path.example.com/red" service-red
expect_served "path.example.com/red (Prefix) -> service-red" "$NIP" "http://path.example.com/red" service-red
expect_served "path.example.com/red/x (Prefix) -> service-red" "$NIP" "http://path.example.com/red/x" service-red
expect_served "path.example.com/blue (Exact) -> service-blue (port 8081)" "$NIP" "http://path.example.com/blue" service-blue
expect_served "path.example.com/blue/ (Exact, no trailing-slash tolerance) -> the Ingress's defaultBackend" \
  "$NIP" "http://path.example.com/blue/" hello-world
expect_served "path.example.com/BLUE (Exact is case-sensitive) -> the defaultBackend" "$NIP" "http://path.example.com/BLUE" hello-world
expect_served "path.example.com/redder (Prefix is element-wise) -> the defaultBackend" "$NIP" "http://path.example.com/redder" hello-world
expect_served "path.example.com/ (no path rule) -> the defaultBackend" "$NIP" "http://path.example.com/" hello-world
run via "$NIP" "http://path.example.com/blue/"
expect_eq "no redirect on a trailing slash" "" "$(grep -i '^location:' <<<"$OUT")"

# 3. Name-based virtual hosting.
expect_ok "seed 001 example 3 (name-based virtual hosting) applied" kubectl apply -f "$E2E_TESTDATA/ingress-seed001-vhosts.yaml"
wait_for "red.example.com -> service-red" 50 answers_from "$NIP" "http://red.example.com/" service-red
expect_served "red.example.com -> service-red" "$NIP" "http://red.example.com/" service-red
expect_served "blue.example.com -> service-blue" "$NIP" "http://blue.example.com/" service-blue
expect_served "blue.example.com/any/path -> service-blue" "$NIP" "http://blue.example.com/any/path" service-blue
expect_served "red.example.com through the LoadBalancer IP" "$LB" "http://red.example.com/" service-red
expect_status "green.example.com (no rule, no default backend any more): 404" "$NIP" "http://green.example.com/" 404
expect_status "path.example.com (example 2 replaced): 404" "$NIP" "http://path.example.com/red" 404

# 4. TLS. A certificate for tls.example.com made with openssl, stored as the
# seed's Secret testsecret-tls (the seed's YAML, base64 data).
TLS_DIR=$E2E_DIR/tls
mkdir -p "$TLS_DIR"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tls.example.com" \
  -addext "subjectAltName=DNS:tls.example.com" -keyout "$TLS_DIR/tls.key" -out "$TLS_DIR/tls.crt" 2>/dev/null ||
  die "openssl could not make a certificate"
cat >"$TLS_DIR/secret.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: testsecret-tls
  namespace: default
data:
  tls.crt: $(base64 -w0 "$TLS_DIR/tls.crt")
  tls.key: $(base64 -w0 "$TLS_DIR/tls.key")
type: kubernetes.io/tls
EOF
expect_ok "seed 001: the kubernetes.io/tls Secret testsecret-tls created" kubectl apply -f "$TLS_DIR/secret.yaml"
expect_ok "seed 001 example 4 (TLS, secretName secret-tls as written) applied" kubectl apply -f "$E2E_TESTDATA/ingress-seed001-tls.yaml"
TLS_URL=https://tls.example.com/
wait_for "tls.example.com answers over https" 50 answers_from "$NIP" "$TLS_URL" hello-world -k
# served_subject ADDR: the subject of the certificate served for SNI tls.example.com.
served_subject() {
  openssl s_client -connect "$1:443" -servername tls.example.com </dev/null 2>/dev/null |
    openssl x509 -noout -subject 2>/dev/null
}
run served_subject "$NIP"
log "with the name mismatch the server sent: $OUT"
expect_contains "secret-name mismatch: the default (fake) certificate is served" "$OUT" "Kubernetes Ingress Controller Fake Certificate"
run via "$NIP" "$TLS_URL" --cacert "$TLS_DIR/tls.crt"
expect_eq "secret-name mismatch: curl --cacert does not verify it (exit 60)" 60 "$RC"
expect_served "secret-name mismatch: the route still serves (curl -k)" "$NIP" "$TLS_URL" hello-world -k
warn_events() {
  kubectl get events --field-selector involvedObject.kind=Ingress,involvedObject.name=minimal-ingress,type=Warning \
    -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}' 2>/dev/null
}
wait_for "a Warning Event about secret-tls" 50 bash -c "$(declare -f warn_events); warn_events | grep -q secret-tls"
run warn_events
log "Warning Events of minimal-ingress: $OUT"
expect_contains "a Warning Event on the Ingress names the missing Secret default/secret-tls" "$OUT" "secret-tls"
run kubectl describe ingress minimal-ingress
expect_match "kubectl describe ingress shows the Warning" "$OUT" $'Events:.*\n.*Warning +[A-Za-z]+ +[^\n]*secret-tls'
expect_match "kubectl describe ingress shows the TLS entry" "$OUT" 'TLS:[[:space:]]+secret-tls terminates tls\.example\.com'

expect_ok "the seed's Ingress corrected to secretName testsecret-tls" \
  kubectl patch ingress minimal-ingress --type=json -p '[{"op":"replace","path":"/spec/tls/0/secretName","value":"testsecret-tls"}]'
wait_for "the certificate for tls.example.com verifies" 50 answers_from "$NIP" "$TLS_URL" hello-world --cacert "$TLS_DIR/tls.crt"
expect_served "curl --cacert tls.crt --resolve tls.example.com:443:\$(netkube ip) https://tls.example.com/ verifies, 200" \
  "$NIP" "$TLS_URL" hello-world --cacert "$TLS_DIR/tls.crt"
expect_contains "  ... the backend saw X-Forwarded-Proto https" "$OUT" "x-forwarded-proto=https"
expect_served "the certificate verifies through the LoadBalancer IP too" "$LB" "$TLS_URL" hello-world --cacert "$TLS_DIR/tls.crt"
expect_served "and through the https NodePort $HTTPS_NP on $C-worker" "$WIP" "https://tls.example.com:$HTTPS_NP/" hello-world \
  --cacert "$TLS_DIR/tls.crt"
run served_subject "$NIP"
expect_contains "SNI tls.example.com gets the Secret's certificate" "$OUT" "CN = tls.example.com"
run bash -c "openssl s_client -connect '$NIP:443' -servername unknown.example.com </dev/null 2>/dev/null | openssl x509 -noout -subject"
expect_contains "an unknown SNI name gets the default certificate" "$OUT" "Kubernetes Ingress Controller Fake Certificate"
run via "$NIP" "$TLS_URL" --cacert "$TLS_DIR/tls.crt" --tlsv1.3
expect_eq "TLS 1.3 is served" 200 "$(http_status "$OUT")"
run via "$NIP" "$TLS_URL" --cacert "$TLS_DIR/tls.crt" --tlsv1.2 --tls-max 1.2
expect_eq "TLS 1.2 is served" 200 "$(http_status "$OUT")"
run bash -c "openssl s_client -connect '$NIP:443' -servername tls.example.com </dev/null 2>/dev/null | grep -o 'New, TLSv[0-9.]*'"
expect_eq "TLS 1.3 is negotiated by default (openssl s_client)" "New, TLSv1.3" "$OUT"
run via "$NIP" "http://tls.example.com/some/path?q=1" -i
expect_eq "HTTP to a TLS host: 308" 308 "$(http_status "$OUT")"
expect_match "  ... Location: https://tls.example.com/some/path?q=1" "$OUT" $'\n[Ll]ocation: https://tls\\.example\\.com/some/path\\?q=1\r'

run via "$NIP" "$TLS_URL" --cacert "$TLS_DIR/tls.crt" --http2 -o /dev/null -w '%{http_version} %{http_code}\n'
expect_eq "HTTP/2 over TLS (ALPN h2): curl --http2 gets a 200 over HTTP/2" "2 200" "$(head -1 <<<"$OUT")"

# Large bodies stream both ways, over HTTP/2 and HTTP/1.1, once proxy-body-size allows them.
head -c 2400000 /dev/urandom | base64 -w0 >"$TLS_DIR/big.txt"  # 3.2 MB, one line
run via "$NIP" "$TLS_URL" --cacert "$TLS_DIR/tls.crt" --data-binary @"$TLS_DIR/big.txt" -o /dev/null
expect_eq "a 3.2 MB body over the default proxy-body-size (1m): 413" 413 "$(http_status "$OUT")"
expect_ok "proxy-body-size 8m on the Ingress" \
  kubectl annotate ingress minimal-ingress nginx.ingress.kubernetes.io/proxy-body-size=8m --overwrite
sleep 0.5
for proto in --http2 --http1.1; do
  via "$NIP" "$TLS_URL" --cacert "$TLS_DIR/tls.crt" "$proto" --data-binary @"$TLS_DIR/big.txt" \
    -H 'Content-Type: text/plain' >"$TLS_DIR/echo.txt" 2>&1 || true
  expect_ok "a 3.2 MB body goes up and its echo comes back whole ($proto)" grep -qxF -f "$TLS_DIR/big.txt" "$TLS_DIR/echo.txt"
done

# A rotated Secret: the new certificate is served, no restart.
openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/CN=tls.example.com" \
  -addext "subjectAltName=DNS:tls.example.com" -keyout "$TLS_DIR/new.key" -out "$TLS_DIR/new.crt" 2>/dev/null
NEW_FP=$(openssl x509 -in "$TLS_DIR/new.crt" -noout -fingerprint -sha256)
served_fp() {
  openssl s_client -connect "$NIP:443" -servername tls.example.com </dev/null 2>/dev/null |
    openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
expect_ok "the Secret testsecret-tls rotated (kubectl create secret tls --dry-run | kubectl apply)" bash -c \
  "kubectl create secret tls testsecret-tls --cert='$TLS_DIR/new.crt' --key='$TLS_DIR/new.key' --dry-run=client -o yaml | kubectl apply -f -"
fp_is() { [[ "$(served_fp)" == "$1" ]]; }
wait_for "the rotated certificate served" 50 fp_is "$NEW_FP"
expect_eq "the rotated certificate is served without a restart" "$NEW_FP" "$(served_fp)"
expect_served "curl --cacert new.crt verifies it" "$NIP" "$TLS_URL" hello-world --cacert "$TLS_DIR/new.crt"

# --- live changes: an Ingress edited 50 times under requests ----------------------------------------
kubectl create namespace live >/dev/null
expect_ok "live-a, live-b and the Ingress live applied" kubectl apply -f "$E2E_TESTDATA/ingress-live.yaml"
for d in live-a live-b; do kubectl -n live rollout status "deploy/$d" --timeout=120s >/dev/null || fail "$d rolled out"; done
LIVE_URL=http://live.example.com/
wait_for "live.example.com -> live-a" 150 answers_from "$NIP" "$LIVE_URL" live-a
# Client 1: a new connection per request, one line each ("ok POD" or "error ...").
(
  while [[ ! -e "$E2E_DIR/stop-live" ]]; do
    out=$(via "$NIP" "$LIVE_URL" 2>&1)
    code=$(http_status "$out")
    if [[ $code == 200 ]]; then echo "ok $(hostname_of "$out")"; else echo "error $(date +%T.%N) $code $(tail -c 300 <<<"$out" | tr '\n' ' ')"; fi
  done >"$E2E_DIR/live.log"
) &
LIVE_PID=$!
track_pid $LIVE_PID
# Client 2: keep-alive, 20 requests per connection; one status code per request.
(
  args=()
  for i in $(seq 20); do args+=(-o /dev/null -w '%{http_code} %{num_connects}\n' "$LIVE_URL"); done
  while [[ ! -e "$E2E_DIR/stop-live" ]]; do
    curl -s --max-time 20 --resolve "live.example.com:80:$NIP" "${args[@]}" || echo "curl-exit $?"
  done >"$E2E_DIR/live-ka.log"
) &
LIVE_KA_PID=$!
track_pid $LIVE_KA_PID
sleep 1
edit_errors=0
for i in $(seq 50); do
  target=$([[ $((i % 2)) == 1 ]] && echo live-b || echo live-a)
  kubectl -n live patch ingress live --type=json \
    -p "[{\"op\":\"replace\",\"path\":\"/spec/rules/0/http/paths/0/backend/service/name\",\"value\":\"$target\"}]" >/dev/null ||
    edit_errors=$((edit_errors + 1))
  sleep 0.1
done
sleep 1
touch "$E2E_DIR/stop-live"
wait "$LIVE_PID" "$LIVE_KA_PID"
expect_eq "50 edits of the Ingress accepted" 0 "$edit_errors"
expect_eq "the Ingress's generation counts them" 51 "$(kubectl -n live get ingress live -o jsonpath='{.metadata.generation}')"
ok=$(grep -c '^ok' "$E2E_DIR/live.log")
errors=$(grep -vc '^ok' "$E2E_DIR/live.log")
a=$(grep -c '^ok live-a-' "$E2E_DIR/live.log")
b=$(grep -c '^ok live-b-' "$E2E_DIR/live.log")
ka_ok=$(grep -c '^200 ' "$E2E_DIR/live-ka.log")
ka_bad=$(grep -vc '^200 ' "$E2E_DIR/live-ka.log")
ka_new=$(awk '$1 == 200 && $2 > 0' "$E2E_DIR/live-ka.log" | wc -l)
log "during 50 edits: new-connection client $ok ok ($a live-a, $b live-b), $errors failed;" \
  "keep-alive client $ka_ok ok over $ka_new connections, $ka_bad failed"
grep -v '^ok' "$E2E_DIR/live.log" | head -5 >&2
grep -v '^200 ' "$E2E_DIR/live-ka.log" | head -5 >&2
expect_eq "Ingress edited 50 times under requests: 0 failed requests (new connection each)" 0 "$errors"
expect_eq "Ingress edited 50 times under requests: 0 failed requests (keep-alive)" 0 "$ka_bad"
[[ $ok -ge 20 && $ka_ok -ge 20 ]] && pass "both clients got answers during the edits ($ok, $ka_ok)" ||
  fail "both clients got answers during the edits" "$ok and $ka_ok"
[[ $a -gt 0 && $b -gt 0 ]] && pass "both backends answered while the edits went on" ||
  fail "both backends answered while the edits went on" "live-a $a, live-b $b"
expect_served "after the 50th edit: live-a" "$NIP" "$LIVE_URL" live-a

# --- a rolling update behind the Ingress ------------------------------------------------------------
expect_ok "the roll Deployment, Service and Ingress applied" kubectl apply -f "$E2E_TESTDATA/ingress-rolling.yaml"
kubectl -n live rollout status deploy/roll --timeout=120s >/dev/null || fail "roll rolled out"
ROLL_URL=http://roll.example.com/
wait_for "roll.example.com served" 150 answers_from "$NIP" "$ROLL_URL" roll
(
  while [[ ! -e "$E2E_DIR/stop-roll" ]]; do
    out=$(via "$NIP" "$ROLL_URL" 2>&1)
    code=$(http_status "$out")
    if [[ $code == 200 ]]; then echo "ok $(hostname_of "$out")"; else echo "error $(date +%T.%N) $code $(tail -c 300 <<<"$out" | tr '\n' ' ')"; fi
  done >"$E2E_DIR/roll.log"
) &
ROLL_PID=$!
track_pid $ROLL_PID
(
  args=()
  for i in $(seq 20); do args+=(-o /dev/null -w '%{http_code}\n' "$ROLL_URL"); done
  while [[ ! -e "$E2E_DIR/stop-roll" ]]; do
    curl -s --max-time 20 --resolve "roll.example.com:80:$NIP" "${args[@]}" || echo "curl-exit $?"
  done >"$E2E_DIR/roll-ka.log"
) &
ROLL_KA_PID=$!
track_pid $ROLL_KA_PID
sleep 1
kubectl -n live rollout restart deploy/roll >/dev/null
kubectl -n live rollout status deploy/roll --timeout=120s >/dev/null || fail "roll rolled out again"
sleep 3  # the old pods finish their preStop sleep and exit
touch "$E2E_DIR/stop-roll"
wait "$ROLL_PID" "$ROLL_KA_PID"
ok=$(grep -c '^ok' "$E2E_DIR/roll.log")
errors=$(grep -vc '^ok' "$E2E_DIR/roll.log")
pods=$(grep -o 'roll-[a-z0-9-]*' "$E2E_DIR/roll.log" | sort -u | wc -l)
ka_ok=$(grep -c '^200$' "$E2E_DIR/roll-ka.log")
ka_bad=$(grep -vc '^200$' "$E2E_DIR/roll-ka.log")
log "rolling update behind the Ingress: $ok answered by $pods distinct pods, $errors failed; keep-alive $ka_ok ok, $ka_bad failed"
grep -v '^ok' "$E2E_DIR/roll.log" | head -5 >&2
grep -v '^200$' "$E2E_DIR/roll-ka.log" | head -5 >&2
expect_eq "rolling update behind the Ingress: 0 failed requests (new connection each, $ok answered)" 0 "$errors"
expect_eq "rolling update behind the Ingress: 0 failed requests (keep-alive, $ka_ok answered)" 0 "$ka_bad"
[[ $pods -ge 6 ]] && pass "old and new pods answered ($pods pods)" || fail "old and new pods answered" "$pods pods"

# --- Ingresses of another class -----------------------------------------------------------------------
expect_ok "IngressClass other and two Ingresses of it applied" kubectl apply -f "$E2E_TESTDATA/ingress-other-class.yaml"
# A witness of our class created after them: once it is served and has its
# status, the controller has seen the other two as well.
kubectl -n live create ingress witness --class=nginx --rule="witness.example.com/*=live-a:80" >/dev/null ||
  fail "kubectl create ingress witness"
wait_for "witness served" 50 answers_from "$NIP" "http://witness.example.com/" live-a
expect_served "kubectl create ingress --class=nginx: served" "$NIP" "http://witness.example.com/" live-a
wait_for "witness's ADDRESS" 50 has_address -n live witness
expect_eq "witness's status shows the LoadBalancer IP" "$LB" "$(ing_address -n live witness)"
sleep 1
expect_status "ingressClassName other: not served (404)" "$NIP" "http://foreign.example.com/" 404
expect_status "kubernetes.io/ingress.class: other: not served (404)" "$NIP" "http://legacy.example.com/" 404
expect_eq "ingressClassName other: no status written" "" "$(kubectl -n live get ingress foreign -o jsonpath='{.status.loadBalancer.ingress}')"
expect_eq "the legacy annotation's Ingress: no status written" "" "$(kubectl -n live get ingress legacy -o jsonpath='{.status.loadBalancer.ingress}')"
expect_eq "ingressClassName other: no Event from our controller" "" \
  "$(kubectl -n live get events --field-selector involvedObject.kind=Ingress,involvedObject.name=foreign -o name)"
run kubectl -n live get ingress foreign
expect_match "kubectl get ingress foreign: CLASS other, no ADDRESS" "$OUT" 'foreign +other +foreign\.example\.com +80 '

# A second controller for class other, side by side with the first.
expect_ok "a second controller (class other) applied" kubectl apply -f "$E2E_TESTDATA/ingress-second-controller.yaml"
expect_ok "the second controller is Ready" kubectl -n live rollout status deploy/other-controller --timeout=60s
OTHER_NP=$(kubectl -n live get svc other-controller -o jsonpath='{.spec.ports[0].nodePort}')
wait_for "foreign.example.com served by the second controller" 50 \
  answers_from "$WIP" "http://foreign.example.com:$OTHER_NP/" live-a
expect_served "the second controller serves ingressClassName other" "$WIP" "http://foreign.example.com:$OTHER_NP/" live-a
expect_served "... and the legacy annotation's Ingress of class other" "$WIP" "http://legacy.example.com:$OTHER_NP/" live-a
expect_status "... but not the nginx class's witness (404)" "$WIP" "http://witness.example.com:$OTHER_NP/" 404
has_other_address() { [[ $(kubectl -n live get ingress foreign -o jsonpath='{.status.loadBalancer.ingress[0].ip}') == 203.0.113.7 ]]; }
wait_for "foreign's status from the second controller" 50 has_other_address
expect_eq "the second controller writes its own status (--publish-status-address)" 203.0.113.7 \
  "$(kubectl -n live get ingress foreign -o jsonpath='{.status.loadBalancer.ingress[0].ip}')"
expect_eq "... and leaves the nginx class's status alone" "$LB" "$(ing_address -n live witness)"
expect_status "the first controller still does not serve class other" "$NIP" "http://foreign.example.com/" 404

# --- rules merged across Ingresses; a conflict; a missing Service -------------------------------------
kubectl -n live create ingress merge-a --class=nginx --rule="merge.example.com/a*=live-a:80" >/dev/null || fail "create merge-a"
sleep 1.1  # creationTimestamp has a resolution of a second: merge-c must be younger than merge-a
kubectl -n live create ingress merge-b --class=nginx --rule="merge.example.com/b*=live-b:80" >/dev/null || fail "create merge-b"
kubectl -n live create ingress merge-c --class=nginx --rule="merge.example.com/a*=live-b:80" >/dev/null || fail "create merge-c"
wait_for "merge.example.com/b served" 50 answers_from "$NIP" "http://merge.example.com/b" live-b
expect_served "one host's rules merge across Ingresses: /a from merge-a" "$NIP" "http://merge.example.com/a" live-a
expect_served "one host's rules merge across Ingresses: /b from merge-b" "$NIP" "http://merge.example.com/b" live-b
conflict_events() {
  kubectl -n live get events --field-selector involvedObject.name=merge-c,type=Warning -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}'
}
has_conflict_event() { [[ -n "$(conflict_events)" ]]; }
wait_for "merge-c's Warning" 50 has_conflict_event
run conflict_events
log "merge-c's Warning Events: $OUT"
expect_match "the younger Ingress of a conflict gets a Warning Event" "$OUT" '.+'
expect_served "the oldest Ingress keeps the conflicting path" "$NIP" "http://merge.example.com/a" live-a
kubectl -n live delete ingress merge-a >/dev/null
wait_for "merge-c takes /a over" 50 answers_from "$NIP" "http://merge.example.com/a" live-b
expect_served "with merge-a deleted, merge-c serves /a" "$NIP" "http://merge.example.com/a" live-b
kubectl -n live create ingress nowhere --class=nginx --rule="nowhere.example.com/*=no-such-service:80" >/dev/null ||
  fail "create nowhere"
wait_for "nowhere.example.com routed" 50 status_is "$NIP" http://nowhere.example.com/ 503
expect_status "a backend Service that does not exist: 503" "$NIP" "http://nowhere.example.com/" 503
kubectl -n live create service clusterip empty --tcp=80:8080 >/dev/null
kubectl -n live create ingress empty --class=nginx --rule="empty.example.com/*=empty:80" >/dev/null || fail "create empty"
wait_for "empty.example.com routed" 50 status_is "$NIP" http://empty.example.com/ 503
expect_status "a Service without endpoints: 503" "$NIP" "http://empty.example.com/" 503

# The controller still runs the same process and serves everyone.
expect_eq "the controller pod never restarted" 0 \
  "$(kubectl -n ingress-nginx get pod "$CTRL_POD" -o jsonpath='{.status.containerStatuses[0].restartCount}')"
expect_served "the corellian Ingress still answers at the end" "$NIP" "$URL" echoserver
if [[ $E2E_FAILED -gt 0 ]]; then
  log "controller log without the access log (last 40 lines):"
  ctrl_logs | grep -Ev '^[0-9a-f.:]+ - [^ ]+ \[' | tail -40 >&2
fi

# --- down leaves nothing (hostPort rules, the LoadBalancer address, pods) ------------------------------
expect_ok "netkube down" "$NETKUBE" down --name "$C"
expect_eq "nothing left after down" "" "$(cluster_leftovers "$C")"

finish
