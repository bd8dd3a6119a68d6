# imperative_test.sh: the imperative kubectl commands of the seed transcripts
# (create service/deployment/configmap/secret/namespace/serviceaccount/token,
# expose, run --expose, label, annotate, scale, patch, rollout).
source "$(dirname "$0")/lib.sh"
start_server

in_service_cidr() { [[ $1 =~ ^10\.(9[6-9]|10[0-9]|11[01])\.[0-9]+\.[0-9]+$ ]]; }
jp() { kubectl get "$@" 2>&1; }

# --- kubectl create service clusterip echoserver --tcp=80:8080 -----------------------
kubectl create namespace chapter5 >/dev/null
expect_ok "create service clusterip" kubectl create service clusterip echoserver --tcp=80:8080 -n chapter5
expect_eq "create service clusterip: message" "service/echoserver created" "$OUT"
expect_eq "create service clusterip: spec" "ClusterIP|80-8080|80|8080|TCP|echoserver" \
  "$(jp svc echoserver -n chapter5 -o jsonpath='{.spec.type}|{.spec.ports[0].name}|{.spec.ports[0].port}|{.spec.ports[0].targetPort}|{.spec.ports[0].protocol}|{.spec.selector.app}')"
expect_eq "create service clusterip: label app=echoserver" "echoserver" \
  "$(jp svc echoserver -n chapter5 -o jsonpath='{.metadata.labels.app}')"
ip=$(jp svc echoserver -n chapter5 -o jsonpath='{.spec.clusterIP}')
if in_service_cidr "$ip"; then pass "ClusterIP $ip is in 10.96.0.0/12"; else fail "ClusterIP in 10.96.0.0/12" "got: $ip"; fi
expect_eq "clusterIPs mirrors clusterIP" "$ip" "$(jp svc echoserver -n chapter5 -o jsonpath='{.spec.clusterIPs[0]}')"
expect_eq "service defaults" "SingleStack|IPv4|None|Cluster" \
  "$(jp svc echoserver -n chapter5 -o jsonpath='{.spec.ipFamilyPolicy}|{.spec.ipFamilies[0]}|{.spec.sessionAffinity}|{.spec.internalTrafficPolicy}')"
expect_fail "create service again: AlreadyExists" 'services "echoserver" already exists' \
  kubectl create service clusterip echoserver --tcp=80:8080 -n chapter5
expect_ok "create service nodeport" kubectl create service nodeport np --tcp=80:8080 -n chapter5
expect_match "nodeport allocated" "$(jp svc np -n chapter5 -o jsonpath='{.spec.ports[0].nodePort}')" '^3[0-2][0-9]{3}$'
expect_ok "create service clusterip --clusterip=None" kubectl create service clusterip headless --clusterip=None -n chapter5
expect_eq "headless service" "None" "$(jp svc headless -n chapter5 -o jsonpath='{.spec.clusterIP}')"

# --- create deployment && expose --------------------------------------------------------
expect_ok "create deployment" kubectl create deployment echoserver --image=k8s.gcr.io/echoserver:1.10
expect_eq "create deployment: message" "deployment.apps/echoserver created" "$OUT"
expect_ok "expose deployment" kubectl expose deployment echoserver --port=80 --target-port=8080
expect_eq "expose deployment: message" "service/echoserver exposed" "$OUT"
expect_eq "exposed service spec" "ClusterIP|80|8080|TCP|echoserver" \
  "$(jp svc echoserver -o jsonpath='{.spec.type}|{.spec.ports[0].port}|{.spec.ports[0].targetPort}|{.spec.ports[0].protocol}|{.spec.selector.app}')"
in_service_cidr "$(jp svc echoserver -o jsonpath='{.spec.clusterIP}')" && pass "exposed ClusterIP in range" || fail "exposed ClusterIP in range"

# --- kubectl run --expose ------------------------------------------------------------------
expect_ok "run --expose" kubectl run echoserver2 --image=k8s.gcr.io/echoserver:1.10 --restart=Never --port=8080 --expose
expect_eq "run --expose: messages" "service/echoserver2 created
pod/echoserver2 created" "$OUT"
expect_eq "run --expose: service" "8080|8080|echoserver2" \
  "$(jp svc echoserver2 -o jsonpath='{.spec.ports[0].port}|{.spec.ports[0].targetPort}|{.spec.selector.run}')"
expect_eq "run --expose: pod" "Never|8080|echoserver2|Pending" \
  "$(jp pod echoserver2 -o jsonpath='{.spec.restartPolicy}|{.spec.containers[0].ports[0].containerPort}|{.metadata.labels.run}|{.status.phase}')"

# --- endpoints ---------------------------------------------------------------------------
if wait_for "endpoints echoserver" 25 kubectl get endpoints echoserver; then
  run kubectl get endpoints echoserver -o yaml
  expect_contains "endpoints yaml: kind" "$OUT" "kind: Endpoints"
  expect_contains "endpoints yaml: name" "$OUT" "  name: echoserver"
  expect_contains "endpoints yaml: labels from the service" "$OUT" $'  labels:\n    app: echoserver'
  expect_contains "endpoints yaml: namespace" "$OUT" "  namespace: default"
  expect_match "endpoints yaml: uid" "$OUT" 'uid: [0-9a-f-]{36}'
  expect_not_contains "endpoints yaml: no addresses without ready pods" "$OUT" "- ip:"
  run kubectl get endpoints echoserver
  expect_eq "get endpoints header" "NAME ENDPOINTS AGE" "$(head -n 1 <<<"$OUT" | tr -s ' ')"
  expect_match "get endpoints row" "$(tail -n 1 <<<"$OUT" | tr -s ' ')" '^echoserver <none> [0-9]+s$'
else
  fail "the endpoints controller created endpoints/echoserver" "command: kubectl get endpoints echoserver" "$(kubectl get endpoints echoserver 2>&1)"
fi
if wait_for "endpointslice of echoserver" 25 bash -c "kubectl get endpointslices -l kubernetes.io/service-name=echoserver -o name | grep -q ."; then
  pass "an EndpointSlice labelled kubernetes.io/service-name=echoserver exists"
else
  fail "an EndpointSlice labelled kubernetes.io/service-name=echoserver exists" "got: $(kubectl get endpointslices 2>&1)"
fi

# --- configmap, secret, namespace, serviceaccount ----------------------------------------------
printf 'line1\nline2\n' >"$E2E_DIR/app.properties"
expect_ok "create configmap" kubectl create configmap settings --from-literal=color=blue --from-file="$E2E_DIR/app.properties"
expect_eq "create configmap: message" "configmap/settings created" "$OUT"
expect_eq "configmap data" '"blue|line1\nline2\n"' "$(jp cm settings -o json | jq '.data.color + "|" + .data["app.properties"]')"
expect_ok "create secret generic" kubectl create secret generic creds --from-literal=user=admin --from-literal=pass=hunter2
expect_eq "create secret: message" "secret/creds created" "$OUT"
expect_eq "secret data" "Opaque|admin|hunter2" \
  "$(jp secret creds -o jsonpath='{.type}|{.data.user}|{.data.pass}' | { IFS='|' read -r t u p; echo "$t|$(base64 -d <<<"$u")|$(base64 -d <<<"$p")"; })"
expect_ok "create secret tls-less docker-registry" kubectl create secret docker-registry regcred --docker-server=r.example --docker-username=u --docker-password=p
expect_eq "docker-registry secret type" "kubernetes.io/dockerconfigjson" "$(jp secret regcred -o jsonpath='{.type}')"
expect_ok "create namespace" kubectl create namespace team-a
expect_eq "create namespace: message" "namespace/team-a created" "$OUT"
expect_eq "new namespace is Active" "Active" "$(jp ns team-a -o jsonpath='{.status.phase}')"
expect_eq "namespace gets the kubernetes.io/metadata.name label" "team-a" \
  "$(jp ns team-a -o jsonpath='{.metadata.labels.kubernetes\.io/metadata\.name}')"
expect_ok "create serviceaccount" kubectl create serviceaccount robot -n team-a
expect_eq "create serviceaccount: message" "serviceaccount/robot created" "$OUT"
if wait_for "serviceaccount default in team-a" 50 kubectl get sa default -n team-a; then
  pass "a new namespace gets a default serviceaccount"
else
  fail "a new namespace gets a default serviceaccount" "command: kubectl get sa default -n team-a" "got: $(kubectl get sa default -n team-a 2>&1)"
fi
expect_fail "create in a missing namespace" 'namespaces "nope" not found' kubectl create configmap x -n nope

# --- label and annotate -------------------------------------------------------------------------
expect_ok "label" kubectl label cm settings tier=backend
expect_eq "label: message" "configmap/settings labeled" "$OUT"
expect_eq "label set" "backend" "$(jp cm settings -o jsonpath='{.metadata.labels.tier}')"
expect_fail "label without --overwrite" "'tier' already has a value (backend), and --overwrite is false" \
  kubectl label cm settings tier=frontend
expect_ok "label --overwrite" kubectl label cm settings tier=frontend --overwrite
expect_eq "label overwritten" "frontend" "$(jp cm settings -o jsonpath='{.metadata.labels.tier}')"
expect_ok "label removal" kubectl label cm settings tier-
expect_eq "label removal: message" "configmap/settings unlabeled" "$OUT"
expect_eq "label removed" "" "$(jp cm settings -o jsonpath='{.metadata.labels}')"
expect_not_contains "no empty labels map is left (omitempty)" "$(jp cm settings -o yaml)" "labels: {}"
expect_ok "annotate" kubectl annotate cm settings owner=alice
expect_match "annotate: message" "$OUT" '^configmap/settings annotated?$'  # kubectl 1.27 says "annotate"
expect_fail "annotate without --overwrite" "--overwrite is false" kubectl annotate cm settings owner=bob
expect_ok "annotate --overwrite" kubectl annotate cm settings owner=bob --overwrite
expect_eq "annotation overwritten" "bob" "$(jp cm settings -o jsonpath='{.metadata.annotations.owner}')"
expect_ok "annotation removal" kubectl annotate cm settings owner-
expect_eq "annotation removed" "" "$(jp cm settings -o jsonpath='{.metadata.annotations.owner}')"
expect_ok "label several objects by selector" kubectl label pods -l run=echoserver2 extra=yes
expect_eq "label by selector" "yes" "$(jp pod echoserver2 -o jsonpath='{.metadata.labels.extra}')"

# --- patch -----------------------------------------------------------------------------------------
expect_ok "patch (strategic)" kubectl patch cm settings -p '{"data":{"size":"L"}}'
expect_eq "patch: message" "configmap/settings patched" "$OUT"
expect_ok "patch --type=merge" kubectl patch cm settings --type=merge -p '{"data":{"color":null}}'
expect_ok "patch --type=json" kubectl patch cm settings --type=json -p '[{"op":"replace","path":"/data/size","value":"XL"}]'
expect_eq "patched data" "|XL" "$(jp cm settings -o jsonpath='{.data.color}|{.data.size}')"
expect_ok "patch with no change" kubectl patch cm settings -p '{"data":{"size":"XL"}}'
expect_eq "patch with no change: message" "configmap/settings patched (no change)" "$OUT"
expect_fail "json patch test op fails" "" kubectl patch cm settings --type=json -p '[{"op":"test","path":"/data/size","value":"S"}]'

# --- scale ------------------------------------------------------------------------------------------
expect_ok "scale" kubectl scale deployment echoserver --replicas=3
expect_eq "scale: message" "deployment.apps/echoserver scaled" "$OUT"
rs_replicas() { [[ $(kubectl get rs -l app=echoserver -o jsonpath='{.items[*].spec.replicas}') == "$1" ]]; }
pods_count() { [[ $(kubectl get pods -l app=echoserver -o name | grep -c .) -eq "$1" ]]; }
wait_for "the replicaset to have 3 replicas" 100 rs_replicas 3
expect_eq "the deployment's replicaset has 3 replicas" "3" "$(jp rs -l app=echoserver -o jsonpath='{.items[*].spec.replicas}')"
wait_for "3 pods" 100 pods_count 3
run kubectl get pods -l app=echoserver -o jsonpath='{range .items[*]}{.status.phase}{" "}{end}'
expect_eq "3 pods exist, Pending" "Pending Pending Pending " "$OUT"
expect_eq "pods are owned by the replicaset" "ReplicaSet ReplicaSet ReplicaSet" \
  "$(jp pods -l app=echoserver -o jsonpath='{.items[*].metadata.ownerReferences[0].kind}')"
expect_eq "deployment status replicas" "3" "$(jp deploy echoserver -o jsonpath='{.status.replicas}')"
expect_ok "scale --current-replicas" kubectl scale deployment echoserver --current-replicas=3 --replicas=3
expect_fail "scale --current-replicas mismatch" "" kubectl scale deployment echoserver --current-replicas=5 --replicas=4

# --- rollout -----------------------------------------------------------------------------------------
run kubectl rollout status deployment/echoserver --timeout=2s
expect_eq "rollout status without nodes: does not finish" "1" "$RC"
expect_contains "rollout status: waiting message" "$OUT" 'Waiting for deployment "echoserver" rollout to finish: 0 of 3 updated replicas are available...'
expect_contains "rollout status: timeout" "$ERR" "timed out waiting for the condition"

expect_eq "revision 1" "1" "$(jp deploy echoserver -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')"
expect_ok "rollout restart" kubectl rollout restart deployment/echoserver
expect_eq "rollout restart: message" "deployment.apps/echoserver restarted" "$OUT"
expect_match "restartedAt annotation" "$(jp deploy echoserver -o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')" '^20[0-9]{2}-'
revision_is() { [[ $(kubectl get deploy echoserver -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}') == "$1" ]]; }
wait_for "revision 2" 100 revision_is 2
expect_eq "revision 2 after restart" "2" "$(jp deploy echoserver -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')"
expect_eq "two replicasets" "2" "$(jp rs -l app=echoserver -o name | grep -c .)"
expect_eq "replicaset revisions" "1 2" \
  "$(jp rs -l app=echoserver -o jsonpath='{range .items[*]}{.metadata.annotations.deployment\.kubernetes\.io/revision}{"\n"}{end}' | sort | xargs)"
run kubectl rollout history deployment/echoserver
expect_contains "rollout history title" "$OUT" "deployment.apps/echoserver"
expect_eq "rollout history revisions" "1 2" "$(awk '$1 ~ /^[0-9]+$/ {print $1}' <<<"$OUT" | xargs)"
run kubectl rollout history deployment/echoserver --revision=2
expect_contains "rollout history --revision=2" "$OUT" "kubectl.kubernetes.io/restartedAt"

expect_ok "rollout undo" kubectl rollout undo deployment/echoserver
expect_eq "rollout undo: message" "deployment.apps/echoserver rolled back" "$OUT"
wait_for "revision 3" 100 revision_is 3
expect_eq "revision 3 after undo" "3" "$(jp deploy echoserver -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')"
expect_eq "undo removed restartedAt from the template" "" \
  "$(jp deploy echoserver -o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')"
history_is() { [[ $(kubectl rollout history deployment/echoserver | awk '$1 ~ /^[0-9]+$/ {print $1}' | xargs) == "$1" ]]; }
wait_for "history 2 3" 50 history_is "2 3"
expect_eq "rollout history after undo" "2 3" "$(kubectl rollout history deployment/echoserver | awk '$1 ~ /^[0-9]+$/ {print $1}' | xargs)"

expect_ok "set image" kubectl set image deployment/echoserver echoserver=k8s.gcr.io/echoserver:1.11
expect_eq "set image: message" "deployment.apps/echoserver image updated" "$OUT"
wait_for "revision 4" 100 revision_is 4
expect_eq "revision 4 after set image" "4" "$(jp deploy echoserver -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')"
expect_ok "rollout undo --to-revision=2" kubectl rollout undo deployment/echoserver --to-revision=2
wait_for "revision 5" 100 revision_is 5
expect_eq "undo --to-revision=2 restores the restart annotation" "1.10" \
  "$(jp deploy echoserver -o jsonpath='{.spec.template.spec.containers[0].image}' | sed 's/.*://')"
expect_ok "rollout pause" kubectl rollout pause deployment/echoserver
expect_eq "paused" "true" "$(jp deploy echoserver -o jsonpath='{.spec.paused}')"
expect_ok "rollout resume" kubectl rollout resume deployment/echoserver
expect_eq "resumed" "" "$(jp deploy echoserver -o jsonpath='{.spec.paused}')"

# --- the other seed transcripts ------------------------------------------------------------------------
expect_ok "create -f pod.yaml (multi-container)" kubectl create -f "$E2E_TESTDATA/multi-container-pod.yaml"
expect_eq "create -f pod.yaml: message" "pod/multi-container created" "$OUT"
run kubectl get pod multi-container --no-headers
expect_match "multi-container pod row" "$(tr -s ' ' <<<"$OUT")" '^multi-container 0/2 Pending 0 [0-9]+s$'
# An unscheduled pod has no log location: kube-apiserver answers an empty stream.
expect_ok "logs of an unscheduled pod's container" kubectl logs multi-container -c sidecar
expect_eq "logs of an unscheduled pod: empty" "" "$OUT"
expect_fail "logs of a missing container" "container nope is not valid for pod multi-container" kubectl logs multi-container -c nope
expect_ok "create -f service-definition.yml (NodePort 30008)" kubectl create -f "$E2E_TESTDATA/service-nodeport-definition.yml"
expect_eq "create service: message" "service/myapp-service created" "$OUT"
run kubectl get service myapp-service --no-headers
expect_match "get service shows port:nodePort" "$(tr -s ' ' <<<"$OUT")" '^myapp-service NodePort 10\.[0-9.]+ <none> 80:30008/TCP [0-9]+s$'
expect_ok "get nodes (none yet)" kubectl get nodes
expect_contains "get nodes: no resources" "$ERR" "No resources found"
expect_ok "get pods --all-namespaces" kubectl get pods --all-namespaces
expect_eq "get pods --all-namespaces header" "NAMESPACE NAME READY STATUS RESTARTS AGE" "$(head -n 1 <<<"$OUT" | tr -s ' ')"

# --- token ---------------------------------------------------------------------------------------------
wait_for "serviceaccount default" 50 kubectl get sa default
expect_ok "create token default" kubectl create token default
token=$OUT
expect_match "token is a JWT" "$token" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
payload=$(cut -d. -f2 <<<"$token" | tr '_-' '/+')
while (( ${#payload} % 4 )); do payload+="="; done
claims=$(base64 -d <<<"$payload" 2>/dev/null)
expect_eq "token subject" "system:serviceaccount:default:default" "$(jq -r .sub <<<"$claims")"
expect_ok "create token --duration" kubectl create token robot -n team-a --duration=10m
payload=$(cut -d. -f2 <<<"$OUT" | tr '_-' '/+')
while (( ${#payload} % 4 )); do payload+="="; done
claims=$(base64 -d <<<"$payload" 2>/dev/null)
expect_eq "token --duration=10m lifetime" "600" "$(jq -r '.exp - .iat' <<<"$claims")"
r=$(curl -sS --max-time 20 --cacert "$CA_CRT" -H "Authorization: Bearer $token" -o /dev/null -w '%{http_code}' "$SERVER_URL/api/v1/namespaces/default/pods")
if [[ $r != 401 ]]; then pass "the token authenticates (HTTP $r)"; else fail "the token authenticates" "got HTTP 401"; fi
# Change one character inside the signature (not the last, whose low bits are padding).
c=${token:${#token}-20:1}; [[ $c == A ]] && c=B || c=A
bad_token=${token:0:${#token}-20}$c${token:${#token}-19}
r=$(curl -sS --max-time 20 --cacert "$CA_CRT" -H "Authorization: Bearer $bad_token" -o /dev/null -w '%{http_code}' "$SERVER_URL/api/v1/namespaces/default/pods")
expect_eq "a tampered token is 401" "401" "$r"
expect_fail "token for a missing serviceaccount" 'serviceaccounts "ghost" not found' kubectl create token ghost

# --- delete ---------------------------------------------------------------------------------------------
expect_ok "delete deployment" kubectl delete deployment echoserver
expect_eq "delete: message" 'deployment.apps "echoserver" deleted' "$OUT"
gone() { [[ -z $(kubectl get rs,pods -l app=echoserver -o name) ]]; }
if wait_for "replicasets and pods collected" 150 gone; then pass "garbage collector removes the replicasets and pods"
else fail "garbage collector removes the replicasets and pods" "left: $(kubectl get rs,pods -l app=echoserver -o name 2>&1)"; fi

server_alive "server still serving"
finish
