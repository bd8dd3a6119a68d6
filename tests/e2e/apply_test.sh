# apply_test.sh: kubectl apply / diff / delete of a multi-document manifest.
source "$(dirname "$0")/lib.sh"
start_server

V1=$E2E_TESTDATA/app.yaml
V2=$E2E_TESTDATA/app-v2.yaml
KINDS=(namespace/shop deployment.apps/web service/web configmap/web-config
       secret/web-secret ingress.networking.k8s.io/web networkpolicy.networking.k8s.io/web-allow-http)

# --- create ---------------------------------------------------------------------
expect_ok "apply creates" kubectl apply -f "$V1"
for k in "${KINDS[@]}"; do
  expect_contains "apply: $k created" "$OUT" "$k created"
done
expect_eq "apply prints one line per object" "${#KINDS[@]}" "$(grep -c . <<<"$OUT")"

run kubectl get deploy,svc,cm,secret,ing,netpol -n shop -o name
for n in deployment.apps/web service/web configmap/web-config secret/web-secret \
         ingress.networking.k8s.io/web networkpolicy.networking.k8s.io/web-allow-http; do
  expect_contains "object $n exists" "$OUT" "$n"
done
run kubectl get svc web -n shop -o jsonpath='{.spec.type} {.spec.ports[0].nodePort}'
expect_match "service is a NodePort in 30000-32767" "$OUT" '^NodePort 3[0-2][0-9]{3}$'
run kubectl get secret web-secret -n shop -o jsonpath='{.data.password}'
expect_eq "secret stringData stored as base64 data" "czNjcmV0" "$OUT"
run kubectl get deploy web -n shop -o jsonpath='{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}'
expect_contains "last-applied-configuration annotation recorded" "$OUT" '"replicas":2'

# --- apply again: nothing changes ------------------------------------------------
run kubectl get deploy web -n shop -o jsonpath='{.metadata.resourceVersion} {.metadata.generation}'
before=$OUT
expect_ok "re-apply succeeds" kubectl apply -f "$V1"
# A Secret written with stringData is stored as data, so kubectl re-sends
# stringData and prints "configured" on every apply, exactly as on a real
# cluster (kubernetes/kubernetes#87736); everything else is unchanged.
for k in "${KINDS[@]}"; do
  if [[ $k == secret/web-secret ]]; then
    expect_contains "re-apply: $k configured (stringData)" "$OUT" "$k configured"
  else
    expect_contains "re-apply: $k unchanged" "$OUT" "$k unchanged"
  fi
done
expect_eq "re-apply: every other line unchanged" "" "$(grep -v -e ' unchanged$' -e '^secret/web-secret configured$' <<<"$OUT")"
run kubectl get deploy web -n shop -o jsonpath='{.metadata.generation}'
expect_eq "re-apply does not bump the generation" "${before#* }" "$OUT"

# --- diff before the change --------------------------------------------------------
run kubectl diff -f "$V1"
expect_eq "diff of the applied manifest: exit 0" "0" "$RC"
expect_eq "diff of the applied manifest: no output" "" "$OUT"
[[ $RC -le 1 ]] || log "diff stderr: $ERR"

run kubectl diff -f "$V2"
expect_eq "diff of the changed manifest: exit 1" "1" "$RC"
[[ $RC -le 1 ]] || log "diff stderr: $ERR"
expect_match "diff shows the replicas change" "$OUT" $'\n-  replicas: 2\n\\+  replicas: 3'
expect_contains "diff shows the new label" "$OUT" "+    tier: frontend"
expect_contains "diff shows the new container port" "$OUT" "+        - containerPort: 8443"
expect_not_contains "diff leaves the service alone" "$OUT" "kind: Service"
run kubectl get deploy web -n shop -o jsonpath='{.spec.replicas}'
expect_eq "diff (server dry-run) changed nothing" "2" "$OUT"

# --- apply the change ------------------------------------------------------------------
expect_ok "apply the changed manifest" kubectl apply -f "$V2"
expect_contains "changed: deployment configured" "$OUT" "deployment.apps/web configured"
for k in namespace/shop service/web configmap/web-config \
         ingress.networking.k8s.io/web networkpolicy.networking.k8s.io/web-allow-http; do
  expect_contains "changed: $k unchanged" "$OUT" "$k unchanged"
done
run kubectl get deploy web -n shop -o jsonpath='{.spec.replicas}|{.metadata.labels.tier}|{.spec.template.spec.containers[0].ports[*].containerPort}'
expect_eq "the change is visible" "3|frontend|8080 8443" "$OUT"
run kubectl get deploy web -n shop -o jsonpath='{.metadata.generation}'
expect_eq "the change bumped the generation" "$((${before#* } + 1))" "$OUT"

run kubectl diff -f "$V2"
expect_eq "diff after applying: exit 0" "0" "$RC"
expect_eq "diff after applying: no output" "" "$OUT"
[[ $RC -le 1 ]] || log "diff stderr: $ERR"

expect_ok "re-apply of the changed manifest" kubectl apply -f "$V2"
expect_eq "re-apply of the changed manifest: every other line unchanged" "" \
  "$(grep -v -e ' unchanged$' -e '^secret/web-secret configured$' <<<"$OUT")"

# Removing a field from the manifest removes it from the object (three-way merge).
sed 's/^    tier: frontend$//' "$V2" >"$E2E_DIR/v3.yaml"
expect_ok "apply without the label" kubectl apply -f "$E2E_DIR/v3.yaml"
run kubectl get deploy web -n shop -o jsonpath='{.metadata.labels}'
expect_eq "label removed by apply" '{"app":"web"}' "$OUT"

# --- delete -------------------------------------------------------------------------------
expect_ok "delete -f" kubectl delete -f "$V2" --ignore-not-found --timeout=40s
expect_contains "delete: namespace deleted" "$OUT" 'namespace "shop" deleted'
run kubectl get ns shop
expect_fail "namespace shop is gone" 'namespaces "shop" not found' kubectl get ns shop
run kubectl get deploy,svc,cm,secret,ing,netpol,rs,pods -n shop -o name
expect_eq "nothing is left in shop" "" "$OUT"
expect_ok "create shop again after its deletion" kubectl create ns shop

finish
