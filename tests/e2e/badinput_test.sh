# badinput_test.sh: bad requests get a clear 4xx, store nothing, and leave the
# server serving.
source "$(dirname "$0")/lib.sh"
start_server

CM=/api/v1/namespaces/default/configmaps
SVC=/api/v1/namespaces/default/services
T=$E2E_DIR

# post PATH FILE [CONTENT-TYPE]: POSTs FILE as the admin; sets STATUS, BODY and REASON.
post() {
  local r
  r=$(kcurl "$1" -X POST -H "Content-Type: ${3:-application/json}" --data-binary "@$2")
  STATUS=$(http_status "$r")
  BODY=$(http_body "$r")
  REASON=$(jq -r '.reason // empty' <<<"$BODY" 2>/dev/null)
}
# expect_status NAME CODE REASON: checks the last post, which must answer with a
# Status object of that code and reason.
expect_status() {
  local kind code
  kind=$(jq -r '.kind // empty' <<<"$BODY" 2>/dev/null)
  code=$(jq -r '.code // empty' <<<"$BODY" 2>/dev/null)
  expect_eq "$1" "$2 Status $2 $3" "$STATUS $kind $code $REASON"
}
names() { kubectl get "$@" -o jsonpath='{.items[*].metadata.name}' 2>&1; }
cms_before=$(names cm)
svcs_before=$(names svc)

# --- malformed bodies -------------------------------------------------------------------------
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad"' >"$T/bad.json"
expect_fail "kubectl create --raw with malformed JSON" "Error from server (BadRequest)" \
  kubectl create --raw "$CM" -f "$T/bad.json"
post "$CM" "$T/bad.json"
expect_status "malformed JSON: 400" 400 BadRequest
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad"}} trailing' >"$T/trailing.json"
post "$CM" "$T/trailing.json"
expect_status "JSON with trailing garbage: 400" 400 BadRequest
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad"},"data":{"k":7}}' >"$T/type.json"
post "$CM" "$T/type.json"
expect_eq "JSON with a wrongly typed field: 400" "400" "$STATUS"
printf '{"metadata":{"name":"a"},"dblev=v;1\x9e;=m"}}' >"$T/utf8.json"
post "$CM" "$T/utf8.json"
expect_status "malformed JSON with invalid UTF-8: 400" 400 BadRequest
printf 'metadata:\n  name: a\nd\x9e: 1\n' >"$T/utf8.yaml"
post "$CM" "$T/utf8.yaml" application/yaml
expect_eq "YAML with an invalid UTF-8 key: 4xx" "4" "${STATUS:0:1}"
# Seed 001's literal TLS Secret: its data is not base64, as kube-apiserver says.
cat >"$T/seed001-secret.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata:
  name: testsecret-tls
  namespace: default
data:
  tls.crt: base64 encoded cert
  tls.key: base64 encoded key
type: kubernetes.io/tls
YAML
expect_fail "seed 001's Secret with non-base64 data is refused" \
  'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 6' \
  kubectl apply -f "$T/seed001-secret.yaml"
expect_fail "  ... and not stored" "NotFound" kubectl get secret testsecret-tls
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bin"},"binaryData":{"b":"a==="}}' >"$T/binary.json"
post "$CM" "$T/binary.json"
expect_status "ConfigMap binaryData that is not base64: 400" 400 BadRequest
# A pod without an image: only the real error (imagePullPolicy is defaulted first).
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: noimage}\nspec:\n  containers: [{name: c}]\n' >"$T/noimage.yaml"
expect_fail "a pod without an image: image Required" 'spec.containers[0].image: Required value' \
  kubectl create -f "$T/noimage.yaml"
expect_not_contains "  ... and no imagePullPolicy error beside it" "$ERR" "imagePullPolicy"
printf '"just a string"' >"$T/string.json"
post "$CM" "$T/string.json"
expect_status "JSON that is not an object: 400" 400 BadRequest
head -c 200000 /dev/zero | tr '\0' '[' >"$T/deep.json"
post "$CM" "$T/deep.json"
expect_status "deeply nested JSON: 400" 400 BadRequest
server_alive "serving after deeply nested JSON"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [bad\n  namespace: "x\n' >"$T/bad.yaml"
expect_fail "kubectl create --raw with malformed YAML" "Error from server (BadRequest)" \
  kubectl create --raw "$CM" -f "$T/bad.yaml"
post "$CM" "$T/bad.yaml" application/yaml
expect_status "malformed YAML (application/yaml): 400" 400 BadRequest
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good-yaml\ndata:\n  k: v\n' >"$T/good.yaml"
post "$CM" "$T/good.yaml" application/yaml
expect_eq "well-formed YAML (application/yaml): 201" "201 good-yaml" "$STATUS $(jq -r .metadata.name <<<"$BODY")"
kubectl delete cm good-yaml >/dev/null

printf 'k8s\000\012\377\377\377' >"$T/bad1.pb"                  # truncated length
post "$CM" "$T/bad1.pb" application/vnd.kubernetes.protobuf
expect_status "protobuf with a truncated field: 400" 400 BadRequest
printf 'not protobuf at all' >"$T/bad2.pb"                    # no magic
post "$CM" "$T/bad2.pb" application/vnd.kubernetes.protobuf
expect_status "protobuf without the k8s magic: 400" 400 BadRequest
# a valid envelope (TypeMeta v1/ConfigMap) whose raw object is garbage
printf 'k8s\000\012\015\012\002v1\022\011ConfigMap\022\004\012\377\001\001' >"$T/bad3.pb"
post "$CM" "$T/bad3.pb" application/vnd.kubernetes.protobuf
expect_status "protobuf envelope with a garbage object: 400" 400 BadRequest
printf 'k8s\000\012\016\012\002v1\022\006Secret\022\000' >"$T/bad4.pb"  # kind Secret to configmaps
post "$CM" "$T/bad4.pb" application/vnd.kubernetes.protobuf
expect_eq "protobuf of the wrong kind: 400" "400" "$STATUS"
printf '{}' >"$T/empty.json"
post "$CM" "$T/empty.json" text/plain
expect_status "unsupported content type: 415" 415 UnsupportedMediaType
server_alive "serving after malformed bodies"

# --- wrong kind, version, name, namespace --------------------------------------------------------
printf 'apiVersion: v9\nkind: ConfigMap\nmetadata:\n  name: v9\n' >"$T/v9.yaml"
expect_fail "kubectl create of apiVersion v9" 'no matches for kind "ConfigMap" in version "v9"' kubectl create -f "$T/v9.yaml"
printf '{"apiVersion":"v9","kind":"ConfigMap","metadata":{"name":"v9"}}' >"$T/v9.json"
post "$CM" "$T/v9.json"
expect_status "POST of apiVersion v9: 400" 400 BadRequest
printf '{"apiVersion":"v1","kind":"Frobnicator","metadata":{"name":"v9"}}' >"$T/kind.json"
post "$CM" "$T/kind.json"
expect_status "POST of an unknown kind: 400" 400 BadRequest
printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"v9"}}' >"$T/secret.json"
post "$CM" "$T/secret.json"
expect_status "POST of a Secret to configmaps: 400" 400 BadRequest
post /api/v9/namespaces/default/configmaps "$T/v9.json"
expect_eq "POST to /api/v9: 404" "404" "$STATUS"

expect_fail "invalid name Foo_Bar" 'is invalid' kubectl create configmap Foo_Bar
expect_contains "invalid name: field and reason" "$ERR" \
  'ConfigMap "Foo_Bar" is invalid: metadata.name: Invalid value: "Foo_Bar": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters'
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Foo_Bar"}}' >"$T/name.json"
post "$CM" "$T/name.json"
expect_status "invalid name: 422" 422 Invalid
expect_eq "invalid name: cause field" "metadata.name FieldValueInvalid" "$(jq -r '.details.causes[0] | "\(.field) \(.reason)"' <<<"$BODY")"
long=$(printf 'a%.0s' {1..254})
expect_fail "name of 254 characters" "must be no more than 253 characters" kubectl create configmap "$long"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}' >"$T/noname.json"
post "$CM" "$T/noname.json"
expect_status "no name: 422" 422 Invalid
expect_contains "no name: message" "$BODY" "name or generateName is required"
printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ns","namespace":"kube-system"}}' >"$T/ns.json"
post "$CM" "$T/ns.json"
expect_status "namespace in the body differs from the URL: 400" 400 BadRequest
expect_contains "namespace mismatch: message" "$BODY" "does not match the namespace"

# --- services: ports --------------------------------------------------------------------------------
svc() {  # svc NAME PORT [NODEPORT]
  local type=ClusterIP np=""
  if [[ -n ${3:-} ]]; then type=NodePort; np=",\"nodePort\":$3"; fi
  printf '{"apiVersion":"v1","kind":"Service","metadata":{"name":"%s"},"spec":{"type":"%s","selector":{"app":"x"},"ports":[{"port":%s,"targetPort":8080%s}]}}' \
    "$1" "$type" "$2" "$np" >"$T/svc.json"
}
svc big 70000
post "$SVC" "$T/svc.json"
expect_status "service port 70000: 422" 422 Invalid
expect_contains "service port 70000: field path" "$(jq -r .message <<<"$BODY")" \
  'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'
expect_eq "service port 70000: cause" "spec.ports[0].port" "$(jq -r '.details.causes[0].field' <<<"$BODY")"
kubectl create -f "$T/svc.json" >/dev/null 2>"$T/err" ; 
expect_contains "kubectl create of port 70000" "$(cat "$T/err")" 'The Service "big" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'
svc np1 80 30080
post "$SVC" "$T/svc.json"
expect_eq "service with nodePort 30080: 201" "201" "$STATUS"
svc np2 80 30080
post "$SVC" "$T/svc.json"
expect_status "taken nodePort: 422" 422 Invalid
expect_contains "taken nodePort: message" "$(jq -r .message <<<"$BODY")" \
  'spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
svc np3 80 40000
post "$SVC" "$T/svc.json"
expect_status "out-of-range nodePort: 422" 422 Invalid
expect_contains "out-of-range nodePort: message" "$(jq -r .message <<<"$BODY")" \
  'spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767'
printf '{"apiVersion":"v1","kind":"Service","metadata":{"name":"ip"},"spec":{"clusterIP":"10.96.0.1","ports":[{"port":80}]}}' >"$T/ip.json"
post "$SVC" "$T/ip.json"
expect_status "taken clusterIP: 422" 422 Invalid
expect_contains "taken clusterIP: message" "$(jq -r .message <<<"$BODY")" 'provided IP is already allocated'
printf '{"apiVersion":"v1","kind":"Service","metadata":{"name":"ip"},"spec":{"clusterIP":"192.168.1.1","ports":[{"port":80}]}}' >"$T/ip.json"
post "$SVC" "$T/ip.json"
expect_status "clusterIP outside the service CIDR: 422" 422 Invalid
expect_contains "clusterIP outside the range: message" "$(jq -r .message <<<"$BODY")" 'the provided IP (192.168.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12'
kubectl delete svc np1 >/dev/null
svc np4 80 30080
post "$SVC" "$T/svc.json"
expect_eq "a deleted service's nodePort is free again" "201" "$STATUS"
kubectl delete svc np4 >/dev/null

# --- unknown fields --------------------------------------------------------------------------------
cat >"$T/unknown.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: strict
spec:
  replicas: 0
  selector:
    matchLabels: {app: strict}
  template:
    metadata:
      labels: {app: strict}
    spec:
      containers:
      - name: c
        image: busybox
        imagePullPolicyy: Always
EOF
expect_fail "apply with an unknown field (strict)" \
  'unknown field "spec.template.spec.containers[0].imagePullPolicyy"' kubectl apply -f "$T/unknown.yaml"
expect_fail "nothing stored by the strict apply" 'not found' kubectl get deploy strict
expect_ok "apply --validate=warn accepts it" kubectl apply --validate=warn -f "$T/unknown.yaml"
expect_contains "apply --validate=warn warns about the field" "$ERR" 'unknown field "spec.template.spec.containers[0].imagePullPolicyy"'
kubectl delete deploy strict >/dev/null 2>&1
expect_ok "apply --validate=false accepts it" kubectl apply --validate=false -f "$T/unknown.yaml"
expect_eq "apply --validate=false: created" "deployment.apps/strict created" "$OUT"
expect_eq "the unknown field is dropped" "Always" "$(kubectl get deploy strict -o jsonpath='{.spec.template.spec.containers[0].imagePullPolicy}')"
kubectl delete deploy strict >/dev/null 2>&1
r=$(kcurl "$CM?fieldValidation=Strict" -X POST -H 'Content-Type: application/json' \
      -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1","a":"2"}}')
expect_eq "duplicate JSON field with fieldValidation=Strict: 400" "400" "$(http_status "$r")"
expect_contains "duplicate JSON field: message" "$(http_body "$r")" 'duplicate field'
r=$(kcurl "$CM?fieldValidation=Strict" -X POST -H 'Content-Type: application/yaml' \
      --data-binary $'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dupy\ndata:\n  a: "1"\n  a: "2"\n')
expect_eq "duplicate YAML field with fieldValidation=Strict: 400" "400" "$(http_status "$r")"
r=$(kcurl "$CM?fieldValidation=Warn" -X POST -H 'Content-Type: application/json' -D "$T/headers" \
      -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warned"},"bogus":1}')
expect_eq "fieldValidation=Warn: 201" "201" "$(http_status "$r")"
expect_contains "fieldValidation=Warn: Warning header with escaped quotes" "$(tr -d '\r' <"$T/headers")" 'Warning: 299 - "unknown field \"bogus\""'
kubectl delete cm warned >/dev/null
r=$(kcurl "$CM?fieldValidation=Strict" -X POST -H 'Content-Type: application/json' \
      -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict"},"bogus":1}')
expect_eq "fieldValidation=Strict over HTTP: 400" "400" "$(http_status "$r")"
expect_contains "fieldValidation=Strict: message" "$(http_body "$r")" 'unknown field \"bogus\"'
r=$(kcurl "$CM?fieldValidation=Bogus" -X POST -H 'Content-Type: application/json' \
      -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict"}}')
expect_eq "fieldValidation=Bogus: 422" "422" "$(http_status "$r")"
expect_contains "fieldValidation=Bogus: message" "$(http_body "$r")" 'Unsupported value: \"Bogus\"'
kubectl delete cm strict >/dev/null 2>&1

# --- sizes -----------------------------------------------------------------------------------------
{ printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"k":"'
  head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' 'x'
  printf '"}}'; } >"$T/huge.json"
post "$CM" "$T/huge.json"
expect_eq "a body over 3 MiB: 413" "413" "$STATUS"
server_alive "serving after a 4 MiB body"
{ printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":"'
  head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' 'x'
  printf '"}}'; } >"$T/big.json"
post "$CM" "$T/big.json"
expect_status "configmap data over 1 MiB: 422" 422 Invalid

# --- selectors and unknown resources ---------------------------------------------------------------------
r=$(kcurl "$CM?labelSelector=a%20in%20(b")
expect_eq "broken label selector: 400" "400 BadRequest" "$(http_status "$r") $(http_body "$r" | jq -r .reason)"
r=$(kcurl "$CM?labelSelector=a%3D%3D%3Db")
expect_eq "broken label selector (===): 400" "400" "$(http_status "$r")"
r=$(kcurl "$CM?fieldSelector=metadata.name")
expect_eq "broken field selector: 400" "400 BadRequest" "$(http_status "$r") $(http_body "$r" | jq -r .reason)"
r=$(kcurl "$CM?fieldSelector=spec.nope%3Dx")
expect_eq "unsupported field selector: 400" "400" "$(http_status "$r")"
expect_contains "unsupported field selector: message" "$(http_body "$r")" 'field label not supported: spec.nope'
r=$(kcurl "$CM?limit=abc")
expect_eq "non-numeric limit: 400" "400" "$(http_status "$r")"
r=$(kcurl /api/v1/namespaces/default/frobnicators)
expect_eq "unknown resource: 404" "404 NotFound" "$(http_status "$r") $(http_body "$r" | jq -r .reason)"
r=$(kcurl /apis/nope.example.com/v1)
expect_eq "unknown group: 404" "404" "$(http_status "$r")"
for p in /api/v1/watch /api/v1/watch/ /apis/apps/v1/watch /api/v1/namespaces /api/v1/namespaces/default/pods/x/nope/more; do
  r=$(kcurl "$p")
  expect_eq "odd path $p: answered" "1" "$([[ $(http_status "$r") =~ ^[24] ]] && echo 1)"
done
r=$(kcurl /api/v1/namespaces/default/configmaps/does-not-exist)
expect_eq "missing object: 404 NotFound" "404 NotFound" "$(http_status "$r") $(http_body "$r" | jq -r .reason)"
expect_fail "kubectl get of an unknown resource" 'the server doesn'"'"'t have a resource type "frobnicators"' kubectl get frobnicators
r=$(kcurl "$CM/x" -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{')
expect_eq "malformed merge patch: 4xx" "4" "$(http_status "$r" | cut -c1)"
kubectl create configmap patchme >/dev/null
r=$(kcurl "$CM/patchme" -X PATCH -H 'Content-Type: application/merge-patch+json' -d '{')
expect_eq "malformed merge patch of an existing object: 400" "400" "$(http_status "$r")"
r=$(kcurl "$CM/patchme" -X PATCH -H 'Content-Type: application/json-patch+json' -d '[{"op":"frob","path":"/x"}]')
expect_eq "JSON patch with an unknown op: 4xx" "4" "$(http_status "$r" | cut -c1)"
r=$(kcurl "$CM/patchme" -X PATCH -H 'Content-Type: application/json' -d '{}')
expect_eq "PATCH with application/json: 415" "415" "$(http_status "$r")"
kubectl delete configmap patchme >/dev/null

# --- anonymous requests ---------------------------------------------------------------------------------
r=$(anon_curl /api/v1/namespaces)
expect_eq "anonymous list: 401" "401 Unauthorized" "$(http_status "$r") $(http_body "$r" | jq -r .reason)"
r=$(anon_curl "$CM" -X POST -H 'Content-Type: application/json' -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"anon"}}')
expect_eq "anonymous create: 401" "401" "$(http_status "$r")"
r=$(anon_curl /api/v1/namespaces -H 'Authorization: Bearer not-a-token')
expect_eq "bogus bearer token: 401" "401" "$(http_status "$r")"
for p in /healthz /livez /readyz /version; do
  r=$(anon_curl "$p")
  expect_eq "anonymous $p: 200" "200" "$(http_status "$r")"
done
r=$(anon_curl /version)
expect_match "/version body" "$(http_body "$r")" '"gitVersion": *"v1\.[0-9]+'
r=$(anon_curl /healthz)
expect_eq "/healthz body" "ok" "$(http_body "$r")"

# --- nothing stored ---------------------------------------------------------------------------------
expect_eq "no configmap was stored by a bad request" "$cms_before" "$(names cm)"
expect_eq "no service was stored by a bad request" "$svcs_before" "$(names svc)"
kubectl delete cm strict >/dev/null 2>&1
for n in bad v9 Foo_Bar ns huge big dup dupy anon; do
  if kubectl get cm -A --field-selector "metadata.name=$n" -o name 2>/dev/null | grep -q .; then
    fail "configmap $n was not stored" "found it"
  fi
done
server_alive "server still serving"
finish
