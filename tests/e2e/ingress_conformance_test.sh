#!/usr/bin/env bash
# ingress_conformance_test: the scenarios of kubernetes-sigs/
# ingress-controller-conformance (features/default_backend, host_rules,
# path_rules, ingress_class and load_balancing .feature) as netkube's own e2e
# test, against the controller `netkube up` deploys, on a 3-node cluster.
#
# As the suite does: each feature gets a new random namespace (deleted after
# it) with its Ingress and one echo Deployment + Service (port 8080, named
# http) per backend the Ingress names; "The Ingress status shows the IP
# address" is waited for before the requests; requests go to the controller's
# address (here hostPort 80/443 of `netkube ip`) with the scenario's Host and,
# for https, SNI (curl --resolve); a redirect is followed once to the
# controller's address, as the suite's client does. The backends are the
# built-in echoserver (k8s.gcr.io/echoserver:1.10): "served by service X" is
# checked by the answering pod's hostname (X-<replicaset>-<pod>), the request
# as the backend saw it by the echoserver's report (method, real path,
# request_version, headers).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"

C=ic$$
C=${C:0:12}
cluster_up "$C" --nodes 3
NIP=$("$NETKUBE" ip --name "$C")
LB=$(kubectl -n ingress-nginx get svc ingress-nginx-controller -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
log "controller at $NIP (hostPort), LoadBalancer IP $LB"

# --- the suite's steps --------------------------------------------------------------------------------
NS=""
# new_namespace: "Given a new random namespace".
new_namespace() {
  NS=conformance-$(tr -dc 'a-z0-9' </dev/urandom | head -c 8)
  kubectl create namespace "$NS" >/dev/null || die "create namespace $NS"
}
# drop_namespace: the suite deletes the namespace after each feature.
# It waits until the namespace is gone: two features' default backends must
# not meet (the oldest Ingress would keep the default route).
drop_namespace() {
  kubectl delete namespace "$NS" --timeout=120s >/dev/null 2>&1 || fail "namespace $NS deleted within 120 s"
}
# backend NAME [REPLICAS]: an echo Deployment and Service NAME (port 8080, named http).
backend() {
  kubectl -n "$NS" apply -f - >/dev/null <<EOF || die "backend $1"
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1}
spec:
  replicas: ${2:-1}
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      containers:
      - {name: echo, image: k8s.gcr.io/echoserver:1.10, ports: [{containerPort: 8080, name: http}]}
---
apiVersion: v1
kind: Service
metadata: {name: $1}
spec:
  selector: {app: $1}
  ports:
  - {name: http, port: 8080, targetPort: http}
EOF
}
wait_backends() {
  local d
  for d in "$@"; do
    kubectl -n "$NS" rollout status "deploy/$d" --timeout=180s >/dev/null || fail "$NS/$d rolled out"
  done
}
ing_address() { kubectl -n "$NS" get ingress "$1" -o jsonpath='{.status.loadBalancer.ingress[*].ip}{.status.loadBalancer.ingress[*].hostname}' 2>/dev/null; }
has_address() { [[ -n "$(ing_address "$1")" ]]; }
# status_shows_address INGRESS: "Then The Ingress status shows the IP address or FQDN where it is exposed".
status_shows_address() {
  wait_for "$NS/$1's status" 100 has_address "$1"
  expect_eq "$2: the Ingress status shows the address where it is exposed" "$LB" "$(ing_address "$1")"
}

# send METHOD URL [CURL ARGS...]: "When I send a METHOD request to URL", to the
# controller's address with URL's host as Host and SNI. Sets STATUS, HEADERS
# (the response head), BODY; a 3xx is followed once (to the controller again).
send() {
  local method=$1 url=$2 from=$2 hostport host port scheme hops
  shift 2
  for ((hops = 0; hops < 2; hops++)); do
    scheme=${url%%://*}
    hostport=${url#*://}
    hostport=${hostport%%/*}
    host=${hostport%%:*}
    if [[ $hostport == *:* ]]; then port=${hostport##*:}
    elif [[ $scheme == https ]]; then port=443
    else port=80; fi
    local resolve=()
    [[ -n "$host" && ! "$host" =~ ^[0-9.]+$ ]] && resolve=(--resolve "$host:$port:$NIP")
    run curl -sS --max-time 10 -X "$method" -A "Go-http-client/1.1" -D "$E2E_DIR/head" -o "$E2E_DIR/body" \
      -w '%{http_code}' "${resolve[@]}" "$@" "$url"
    STATUS=$OUT
    HEADERS=$(tr -d '\r' <"$E2E_DIR/head" 2>/dev/null)
    BODY=$(cat "$E2E_DIR/body" 2>/dev/null)
    [[ $STATUS =~ ^30[1278]$ ]] || return 0
    url=$(sed -n 's/^[Ll]ocation: //p' <<<"$HEADERS" | head -1)
    log "    $method $from -> $STATUS, following to $url"
    [[ -n "$url" ]] || return 0
  done
}
served_pod() { sed -n 's/^Hostname: //p' <<<"$BODY" | head -1; }
# served_by NAME SERVICE: "the response must be served by the SERVICE service".
served_by() {
  local pod
  pod=$(served_pod)
  [[ "$pod" =~ ^$2-[a-z0-9]+-[a-z0-9]{5}$ ]] && pass "$1: served by the \"$2\" service" ||
    fail "$1: served by the \"$2\" service" "answering pod: ${pod:-none} (status $STATUS)" "stderr: $ERR"
}
status_must_be() { expect_eq "$1: status-code $2" "$2" "$STATUS"; }
# echo_field NAME: a "NAME=value" line of the echoserver's report.
echo_field() { sed -n "s/^[[:space:]]*$1=//p" <<<"$BODY" | head -1; }
request_host_must_be() { expect_eq "$1: the request host must be \"$2\"" "$2" "$(echo_field host)"; }

# --- default_backend.feature ------------------------------------------------------------------------
log "Feature: Default backend"
new_namespace
backend echo-service
kubectl -n "$NS" apply -f - >/dev/null <<'EOF' || fail "default-backend Ingress created"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: default-backend
spec:
  defaultBackend:
    service:
      name: echo-service
      port:
        number: 8080
EOF
wait_backends echo-service
status_shows_address default-backend "default backend"
# Scenario Outline: An Ingress with no rules should send all requests to the default backend.
wait_for "the default backend answers" 100 bash -c "curl -s --max-time 2 http://$NIP/ | grep -q '^Hostname: echo-service-'"
while read -r method host path; do
  [[ $host == "-" ]] && host=""
  [[ $path == "-" ]] && path=""
  name="default backend: $method http://${host:-<address>}/$path"
  if [[ -n "$host" ]]; then send "$method" "http://$host/$path"; else send "$method" "http://$NIP/$path"; fi
  status_must_be "$name" 200
  served_by "$name" echo-service
  expect_match "$name: the response proto must be HTTP/1.1" "$HEADERS" '^HTTP/1\.1 200'
  for h in Content-Length Content-Type Date Server; do  # (names compare case-insensitively)
    expect_match "$name: the response has a $h header" "${HEADERS,,}" $'(^|\n)'"${h,,}"': .'
  done
  expect_eq "$name: the request method must be $method" "$method" "$(echo_field method)"
  expect_eq "$name: the request path must be /$path" "/$path" "$(echo_field 'real path')"
  expect_eq "$name: the request proto must be HTTP/1.1" "1.1" "$(echo_field request_version)"
  expect_eq "$name: the request User-Agent must be Go-http-client/1.1" "Go-http-client/1.1" "$(echo_field user-agent)"
done <<'EOF'
GET my-host -
GET my-host sub-path
POST some-host -
PUT - resource
DELETE some-host resource
PATCH my-host resource
EOF
drop_namespace

# --- host_rules.feature -----------------------------------------------------------------------------
log "Feature: Host rules"
new_namespace
# "Given a self-signed TLS secret named conformance-tls for the foo.bar.com hostname"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=foo.bar.com" -addext "subjectAltName=DNS:foo.bar.com" \
  -keyout "$E2E_DIR/foo.key" -out "$E2E_DIR/foo.crt" 2>/dev/null || die "openssl"
kubectl -n "$NS" create secret tls conformance-tls --cert="$E2E_DIR/foo.crt" --key="$E2E_DIR/foo.key" >/dev/null ||
  fail "create secret tls conformance-tls"
backend wildcard-foo-com
backend foo-bar-com
kubectl -n "$NS" apply -f - >/dev/null <<'EOF' || fail "host-rules Ingress created"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: host-rules
spec:
  tls:
    - hosts:
        - foo.bar.com
      secretName: conformance-tls
  rules:
    - host: "*.foo.com"
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: wildcard-foo-com
                port:
                  number: 8080
    - host: foo.bar.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: foo-bar-com
                port:
                  name: http
EOF
wait_backends wildcard-foo-com foo-bar-com
status_shows_address host-rules "host rules"
wait_for "foo.bar.com answers" 100 bash -c "curl -sk --max-time 2 --resolve foo.bar.com:443:$NIP https://foo.bar.com/ | grep -q '^Hostname: foo-bar-com-'"

name="host rules: TLS request to https://foo.bar.com"
send GET https://foo.bar.com/ --cacert "$E2E_DIR/foo.crt"
expect_eq "$name: the secure connection must verify the foo.bar.com hostname (curl --cacert)" 0 "$RC"
[[ $RC -ne 0 ]] && log "    curl said: $ERR"
status_must_be "$name" 200
served_by "$name" foo-bar-com
request_host_must_be "$name" foo.bar.com
expect_eq "$name: the backend saw X-Forwarded-Proto https" https "$(echo_field x-forwarded-proto)"

name="host rules: http://foo.bar.com"
send GET http://foo.bar.com/ -k
status_must_be "$name" 200
served_by "$name" foo-bar-com
request_host_must_be "$name" foo.bar.com

send GET http://subdomain.bar.com/
status_must_be "host rules: foo.bar.com does not match subdomain.bar.com" 404

name="host rules: wildcard *.foo.com matches bar.foo.com"
send GET http://bar.foo.com/
status_must_be "$name" 200
served_by "$name" wildcard-foo-com
request_host_must_be "$name" bar.foo.com

send GET http://baz.bar.foo.com/
status_must_be "host rules: *.foo.com does not match baz.bar.foo.com (more than one label)" 404
send GET http://foo.com/
status_must_be "host rules: *.foo.com does not match foo.com (no label)" 404
# Beyond the feature file: the wildcard over TLS gets the default certificate
# (the Secret is for foo.bar.com only) and is still routed.
name="host rules: https://bar.foo.com (no certificate of its own)"
send GET https://bar.foo.com/ -k
status_must_be "$name" 200
served_by "$name" wildcard-foo-com
drop_namespace

# --- path_rules.feature -----------------------------------------------------------------------------
log "Feature: Path rules"
new_namespace
for b in foo-exact foo-prefix aaa-slash-bbb-prefix aaa-prefix aaa-slash-bbb-slash-prefix foo-slash-exact; do backend "$b"; done
kubectl -n "$NS" apply -f - >/dev/null <<'EOF' || fail "path-rules Ingress created"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: path-rules
spec:
  rules:
    - host: "exact-path-rules"
      http:
        paths:
          - path: /foo
            pathType: Exact
            backend:
              service:
                name: foo-exact
                port:
                  number: 8080
    - host: "prefix-path-rules"
      http:
        paths:
          - path: /foo
            pathType: Prefix
            backend:
              service:
                name: foo-prefix
                port:
                  number: 8080
          - path: /aaa/bbb
            pathType: Prefix
            backend:
              service:
                name: aaa-slash-bbb-prefix
                port:
                  number: 8080
          - path: /aaa
            pathType: Prefix
            backend:
              service:
                name: aaa-prefix
                port:
                  number: 8080
    - host: "mixed-path-rules"
      http:
        paths:
          - path: /foo
            pathType: Prefix
            backend:
              service:
                name: foo-prefix
                port:
                  number: 8080
          - path: /foo
            pathType: Exact
            backend:
              service:
                name: foo-exact
                port:
                  number: 8080
    - host: "trailing-slash-path-rules"
      http:
        paths:
          - path: /aaa/bbb/
            pathType: Prefix
            backend:
              service:
                name: aaa-slash-bbb-slash-prefix
                port:
                  number: 8080
          - path: /foo/
            pathType: Exact
            backend:
              service:
                name: foo-slash-exact
                port:
                  number: 8080
EOF
wait_backends foo-exact foo-prefix aaa-slash-bbb-prefix aaa-prefix aaa-slash-bbb-slash-prefix foo-slash-exact
status_shows_address path-rules "path rules"
wait_for "exact-path-rules answers" 100 bash -c "curl -s --max-time 2 --resolve exact-path-rules:80:$NIP http://exact-path-rules/foo | grep -q '^Hostname: foo-exact-'"
# URL WANT (a service, or a status code)
while read -r url want why; do
  send GET "$url"
  if [[ $want =~ ^[0-9]+$ ]]; then
    status_must_be "path rules: $url ($why)" "$want"
  else
    status_must_be "path rules: $url ($why)" 200
    served_by "path rules: $url ($why)" "$want"
  fi
done <<'EOF'
http://exact-path-rules/foo foo-exact exact /foo matches /foo
http://exact-path-rules/foo/ 404 exact /foo does not match /foo/
http://exact-path-rules/FOO 404 exact is case sensitive
http://exact-path-rules/bar 404 exact /foo does not match /bar
http://prefix-path-rules/foo foo-prefix prefix /foo matches /foo
http://prefix-path-rules/foo/ foo-prefix prefix /foo matches /foo/
http://prefix-path-rules/FOO 404 prefix is case sensitive
http://prefix-path-rules/aaa/bbb aaa-slash-bbb-prefix the longest prefix /aaa/bbb wins
http://prefix-path-rules/aaa/bbb/ccc aaa-slash-bbb-prefix prefix /aaa/bbb matches its subpath
http://prefix-path-rules/aaa/ccc aaa-prefix prefix /aaa matches /aaa/ccc
http://prefix-path-rules/aaaccc 404 prefix /aaa does not match /aaaccc
http://mixed-path-rules/foo foo-exact Exact is preferred over Prefix
http://mixed-path-rules/foo/bar foo-prefix the Prefix of the same path still serves below it
http://trailing-slash-path-rules/aaa/bbb aaa-slash-bbb-slash-prefix prefix /aaa/bbb/ matches /aaa/bbb
http://trailing-slash-path-rules/aaa/bbb/ aaa-slash-bbb-slash-prefix prefix /aaa/bbb/ matches /aaa/bbb/
http://trailing-slash-path-rules/foo 404 exact /foo/ does not match /foo
http://trailing-slash-path-rules/foo/ foo-slash-exact exact /foo/ matches /foo/
EOF
drop_namespace

# --- ingress_class.feature --------------------------------------------------------------------------
log "Feature: Ingress class"
new_namespace
backend ingress-class-prefix
kubectl -n "$NS" apply -f - >/dev/null <<'EOF' || fail "test-ingress-class Ingress created"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test-ingress-class
spec:
  ingressClassName: some-invalid-class-name
  rules:
    - host: "ingress-class"
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ingress-class-prefix
                port:
                  number: 8080
EOF
# A witness of the default class, created after it: once it has its status,
# the controller has seen the invalid-class Ingress too.
kubectl -n "$NS" create ingress witness --rule="ingress-class-witness/*=ingress-class-prefix:8080" >/dev/null ||
  fail "create witness Ingress"
wait_backends ingress-class-prefix
wait_for "the witness's status" 100 has_address witness || fail "the default-class witness Ingress got its status"
sleep 1
expect_eq "ingress class: an Ingress of an invalid class: the status does not contain an address" "" \
  "$(kubectl -n "$NS" get ingress test-ingress-class -o jsonpath='{.status.loadBalancer.ingress}')"
send GET http://ingress-class/
status_must_be "ingress class: an Ingress of an invalid class does not send traffic to its backend" 404
send GET http://ingress-class-witness/
served_by "ingress class: the witness (no class: the default class nginx) is served" ingress-class-prefix
drop_namespace

# --- load_balancing.feature -------------------------------------------------------------------------
log "Feature: Load Balancing"
new_namespace
backend echo-service
kubectl -n "$NS" apply -f - >/dev/null <<'EOF' || fail "load-balancing Ingress created"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: load-balancing
spec:
  defaultBackend:
    service:
      name: echo-service
      port:
        number: 8080
EOF
wait_backends echo-service
status_shows_address load-balancing "load balancing"
# "Then The backend deployment echo-service for the ingress resource is scaled to 10"
kubectl -n "$NS" scale deploy/echo-service --replicas=10 >/dev/null || fail "scale to 10"
wait_backends echo-service
ready_endpoints() {
  kubectl -n "$NS" get endpointslices -l kubernetes.io/service-name=echo-service \
    -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{"\n"}{end}' | grep -c .
}
wait_for "10 ready endpoints" 150 bash -c "$(declare -f ready_endpoints); NS=$NS; [[ \$(ready_endpoints) == 10 ]]" ||
  fail "echo-service has 10 ready endpoints" "$(ready_endpoints)"
mapfile -t POD_IPS < <(kubectl -n "$NS" get pods -l app=echo-service -o jsonpath='{range .items[*]}{.status.podIP}{"\n"}{end}')
# The controller picks up the new endpoints: wait until every pod has answered once.
all_answer() {
  local seen
  seen=$(for i in $(seq 40); do curl -s --max-time 2 --resolve load-balancing:80:"$NIP" http://load-balancing/; done |
    sed -n 's/^Hostname: //p' | sort -u | wc -l)
  [[ $seen -ge 10 ]]
}
wait_for "all 10 pods reachable through the Ingress" 25 all_answer
# "When I send 100 requests to http://load-balancing": each a new connection, as the suite's client.
: >"$E2E_DIR/lb.txt"
codes=""
for i in $(seq 100); do
  send GET http://load-balancing/
  codes+="$STATUS "
  echo "$STATUS $(served_pod) $(echo_field client_address)" >>"$E2E_DIR/lb.txt"
done
non200=$(awk '$1 != 200' "$E2E_DIR/lb.txt" | wc -l)
pods=$(awk '$1 == 200 {print $2}' "$E2E_DIR/lb.txt" | sort -u | wc -l)
log "100 requests: $(awk '{print $2}' "$E2E_DIR/lb.txt" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')"
expect_eq "load balancing: all the responses status-code must be 200" 0 "$non200"
expect_eq "load balancing: the responses come from 10 different pods" 10 "$pods"
hostnames_ok=1
while read -r _ pod _; do [[ $pod =~ ^echo-service-[a-z0-9]+-[a-z0-9]{5}$ ]] || hostnames_ok=0; done <"$E2E_DIR/lb.txt"
expect_eq "load balancing: every response names an echo-service pod" 1 "$hostnames_ok"
expect_eq "load balancing: 10 pod IPs behind the Service" 10 "${#POD_IPS[@]}"
# Round-robin: no pod gets more than a fair share plus slack (100 over 10: at most 20).
max=$(awk '$1 == 200 {print $2}' "$E2E_DIR/lb.txt" | sort | uniq -c | sort -rn | awk 'NR == 1 {print $1}')
[[ ${max:-100} -le 20 ]] && pass "load balancing: no pod got more than 20 of 100 ($max)" ||
  fail "load balancing: no pod got more than 20 of 100" "max $max"
drop_namespace

# --- down leaves nothing ---------------------------------------------------------------------------
expect_ok "netkube down" "$NETKUBE" down --name "$C"
expect_eq "nothing left after down" "" "$(cluster_leftovers "$C")"
finish
