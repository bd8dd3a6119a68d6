# durability_test.sh: the SQLite datastore keeps objects and resourceVersions
# across a clean restart (SIGTERM), and every create that got 201 survives a
# kill -9 in the middle of a burst of concurrent creates.
source "$(dirname "$0")/lib.sh"
start_server --datastore sqlite

# snapshot: "kind/name uid resourceVersion" of the user objects, sorted.
snapshot() {
  { kubectl get ns keep -o jsonpath='{.kind}/{.metadata.name} {.metadata.uid} {.metadata.resourceVersion}{"\n"}'
    kubectl get cm,secret,svc,sa,deploy -n keep \
      -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.metadata.uid} {.metadata.resourceVersion}{"\n"}{end}'
  } | sort
}
list_rv() { http_body "$(kcurl /api/v1/configmaps)" | jq -r .metadata.resourceVersion; }

# --- clean restart ----------------------------------------------------------------------------
kubectl create namespace keep >/dev/null
for i in 1 2 3; do kubectl create configmap "cm$i" -n keep --from-literal=i="$i" >/dev/null; done
kubectl patch cm cm2 -n keep -p '{"data":{"i":"two"}}' >/dev/null
kubectl create secret generic s1 -n keep --from-literal=p=q >/dev/null
kubectl create service nodeport np -n keep --tcp=80:8080 --node-port=30123 >/dev/null
kubectl create service clusterip cip -n keep --tcp=80:8080 >/dev/null
kubectl create deployment web -n keep --image=busybox --replicas=2 >/dev/null
kubectl create configmap gone -n keep >/dev/null
kubectl delete configmap gone -n keep >/dev/null
settled() { [[ $(kubectl get deploy web -n keep -o jsonpath='{.status.replicas}/{.status.observedGeneration}') == "2/1" ]]; }
wait_for "the deployment to settle" 100 settled || fail "the deployment settled before the restart"
kubectl wait --for=condition=Available=false deploy/web -n keep --timeout=10s >/dev/null 2>&1
before=$(snapshot)
# The namespace, its 8 objects, and what every namespace gets: the default
# ServiceAccount (counted in the 8) and the kube-root-ca.crt ConfigMap.
expect_eq "the snapshot holds the namespace and 9 objects" "10" "$(grep -c . <<<"$before")"
rv_before=$(list_rv)
ip_before=$(kubectl get svc cip -n keep -o jsonpath='{.spec.clusterIP}')
pods_before=$(kubectl get pods -n keep -o name | sort)
cp "$KUBECONFIG" "$E2E_DIR/old.kubeconfig"

stop_server
expect_eq "SIGTERM: the server exits with status 0" "0" "$?"
start_server --datastore sqlite

expect_eq "objects, uids and resourceVersions survive a restart" "$before" "$(snapshot)"
expect_eq "configmap data survives" "1 two 3" "$(kubectl get cm -n keep -o jsonpath='{.items[*].data.i}')"
expect_eq "deleted objects stay deleted" "" "$(kubectl get cm gone -n keep -o name 2>/dev/null)"
expect_eq "the clusterIP survives" "$ip_before" "$(kubectl get svc cip -n keep -o jsonpath='{.spec.clusterIP}')"
expect_eq "the deployment's pods survive" "$pods_before" "$(kubectl get pods -n keep -o name | sort)"
rv_after=$(list_rv)
if [[ $rv_after -ge $rv_before ]]; then pass "the list resourceVersion does not go back ($rv_before -> $rv_after)"
else fail "the list resourceVersion does not go back" "before $rv_before, after $rv_after"; fi
kubectl create configmap fresh -n keep >/dev/null
rv_fresh=$(kubectl get cm fresh -n keep -o jsonpath='{.metadata.resourceVersion}')
if [[ $rv_fresh -gt $rv_before ]]; then pass "a new object gets a newer resourceVersion ($rv_fresh > $rv_before)"
else fail "a new object gets a newer resourceVersion" "new $rv_fresh, before the restart $rv_before"; fi
expect_fail "the NodePort allocation survives" 'provided port is already allocated' \
  kubectl create service nodeport np2 -n keep --tcp=80:8080 --node-port=30123
run kubectl create service clusterip cip2 -n keep --tcp=80:8080 --dry-run=server -o jsonpath='{.spec.clusterIP}'
if [[ $RC -eq 0 && -n $OUT && $OUT != "$ip_before" && $OUT != 10.96.0.1 ]]; then pass "a new clusterIP differs from the stored ones"
else fail "a new clusterIP differs from the stored ones" "got '$OUT' ($ERR); stored $ip_before"; fi
run kubectl --kubeconfig "$E2E_DIR/old.kubeconfig" get ns keep -o name
expect_eq "the kubeconfig from before the restart still works (same CA and admin)" "namespace/keep" "$OUT"
rv=$(kubectl get cm cm1 -n keep -o jsonpath='{.metadata.resourceVersion}')
r=$(kcurl "/api/v1/namespaces/keep/configmaps?watch=1&resourceVersion=$rv_before&timeoutSeconds=1")
expect_eq "a watch from the pre-restart resourceVersion sees the later create" "ADDED fresh" \
  "$(http_body "$r" | jq -r 'select(.object.metadata.name == "fresh") | "\(.type) \(.object.metadata.name)"')"

# --- kill -9 during a burst of creates ---------------------------------------------------------------
before=$(snapshot)
kubectl create namespace burst >/dev/null
export CA_CRT ADMIN_CRT ADMIN_KEY SERVER_URL
results=$E2E_DIR/results
: >"$results"
# Each create prints "NAME HTTP-CODE"; 000 means no answer.
seq -w 1 1000 | xargs -P 50 -I{} sh -c '
  code=$(curl -s -o /dev/null -w "%{http_code}" --max-time 15 --cacert "$CA_CRT" --cert "$ADMIN_CRT" --key "$ADMIN_KEY" \
    -X POST -H "Content-Type: application/json" \
    -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b{}\"},\"data\":{\"n\":\"{}\"}}" \
    "$SERVER_URL/api/v1/namespaces/burst/configmaps")
  echo "b{} $code"' >>"$results" 2>/dev/null &
burst_pid=$!; track_pid $burst_pid
enough() { [[ $(grep -c ' 201$' "$results") -ge 300 ]]; }
for ((i = 0; i < 600; i++)); do enough && break; kill -0 $burst_pid 2>/dev/null || break; sleep 0.05; done
kill9_server
log "killed the server with SIGKILL after $(grep -c ' 201$' "$results") acknowledged creates"
wait $burst_pid 2>/dev/null
created=$(grep ' 201$' "$results" | cut -d' ' -f1 | sort)
n_created=$(grep -c . <<<"$created")
n_lost=$(grep -vc ' 201$' "$results")
log "burst: $n_created got 201, $n_lost got no 201 (of $(grep -c . "$results") recorded)"
if [[ $n_created -ge 300 ]]; then pass "the burst was under way ($n_created creates acknowledged)"; else
  fail "the burst was under way" "only $n_created creates got 201"; fi
if [[ $n_lost -gt 0 ]]; then pass "the kill interrupted the burst ($n_lost creates unanswered)"; else
  log "the burst finished before the kill; the check below still holds"; fi
other=$(grep -v ' 201$' "$results" | grep -v ' 000$' | head -n 3)
expect_eq "creates before the kill answered 201 or nothing" "" "$other"

start_server --datastore sqlite
stored=$(http_body "$(kcurl /api/v1/namespaces/burst/configmaps)" | jq -r '.items[].metadata.name' | grep -vx kube-root-ca.crt | sort)
missing=$(comm -23 <(echo "$created") <(echo "$stored"))
expect_eq "every create that got 201 survives kill -9" "" "$missing"
n_stored=$(grep -c . <<<"$stored")
log "stored after restart: $n_stored"
if [[ $n_stored -ge $n_created ]]; then pass "stored ($n_stored) >= acknowledged ($n_created)"; else fail "stored >= acknowledged" "$n_stored < $n_created"; fi
expect_eq "stored objects are whole" "" \
  "$(http_body "$(kcurl /api/v1/namespaces/burst/configmaps)" | jq -r '.items[] | select(.metadata.name != "kube-root-ca.crt") | select("b" + .data.n != .metadata.name) | .metadata.name' | head -n 3)"
expect_eq "resourceVersions are unique" "$n_stored" \
  "$(http_body "$(kcurl /api/v1/namespaces/burst/configmaps)" | jq -r '.items[] | select(.metadata.name != "kube-root-ca.crt") | .metadata.resourceVersion' | sort -u | grep -c .)"
expect_eq "objects from before the burst survive" "$before" "$(snapshot)"
max_rv=$(http_body "$(kcurl /api/v1/namespaces/burst/configmaps)" | jq -r '[.items[].metadata.resourceVersion | tonumber] | max')
kubectl create configmap after -n burst >/dev/null
rv_new=$(kubectl get cm after -n burst -o jsonpath='{.metadata.resourceVersion}')
if [[ $rv_new -gt $max_rv ]]; then pass "after kill -9 a new object gets a newer resourceVersion"
else fail "after kill -9 a new object gets a newer resourceVersion" "new $rv_new, max stored $max_rv"; fi
expect_ok "the namespace can be deleted after recovery" kubectl delete namespace burst --timeout=60s
stop_server
expect_eq "SIGTERM after recovery: exit status 0" "0" "$?"
finish
