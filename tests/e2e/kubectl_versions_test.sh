# kubectl_versions_test.sh: the core flows with the oldest and newest kubectl on
# this machine (1.27 reads only the protobuf OpenAPI v2; 1.33 sends protobuf
# bodies from its typed generators), called directly rather than through the
# /usr/bin/kubectl dispatcher.
source "$(dirname "$0")/lib.sh"
start_server

SDK=/usr/lib/google-cloud-sdk/bin
for v in 1.27 1.33; do
  KUBECTL=$SDK/kubectl.$v
  if [[ ! -x $KUBECTL ]]; then
    fail "kubectl $v is installed" "$KUBECTL missing"
    continue
  fi
  ns=v${v/./-}
  manifest=$E2E_DIR/app-$ns.yaml
  sed "s/namespace: shop/namespace: $ns/; s/name: shop$/name: $ns/" "$E2E_TESTDATA/app.yaml" >"$manifest"

  expect_ok "$v: apply -f creates" kubectl apply -f "$manifest"
  expect_contains "$v: deployment created" "$OUT" "deployment.apps/web created"
  expect_ok "$v: apply -f again" kubectl apply -f "$manifest"
  expect_contains "$v: deployment unchanged" "$OUT" "deployment.apps/web unchanged"
  expect_ok "$v: get all" kubectl get all -n "$ns"
  expect_contains "$v: get all lists the service" "$OUT" "service/web"
  expect_ok "$v: get pods -o wide" kubectl get pods -n "$ns" -o wide
  expect_match "$v: wide pod columns" "$(head -n1 <<<"$OUT" | tr -s ' ')" \
    '^NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES$'
  expect_ok "$v: create service clusterip" kubectl create service clusterip echoserver -n "$ns" --tcp=80:8080
  run kubectl get svc echoserver -n "$ns" -o jsonpath='{.spec.ports[0].port}/{.spec.ports[0].targetPort}/{.spec.selector.app}'
  expect_eq "$v: service ports and selector" "80/8080/echoserver" "$OUT"
  expect_ok "$v: create deployment" kubectl create deployment echo -n "$ns" --image=k8s.gcr.io/echoserver:1.10
  expect_ok "$v: expose deployment" kubectl expose deployment echo -n "$ns" --port=80 --target-port=8080
  expect_ok "$v: scale" kubectl scale deployment echo -n "$ns" --replicas=3
  run kubectl get deploy echo -n "$ns" -o jsonpath='{.spec.replicas}'
  expect_eq "$v: scaled" "3" "$OUT"
  expect_ok "$v: explain" kubectl explain pods.spec.containers.ports
  expect_contains "$v: explain names the field" "$OUT" "containerPort"
  expect_ok "$v: describe deployment" kubectl describe deployment web -n "$ns"
  expect_contains "$v: describe shows the strategy" "$OUT" "RollingUpdate"
  kubectl get cm web-config -n "$ns" -o yaml >"$E2E_DIR/stale-$ns.yaml"
  kubectl label cm web-config -n "$ns" touched=yes >/dev/null
  expect_fail "$v: replace with a stale object conflicts" "the object has been modified" \
    kubectl replace -f "$E2E_DIR/stale-$ns.yaml"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: %s\ndta:\n  a: b\n' "$ns" \
    >"$E2E_DIR/bad-$ns.yaml"
  expect_fail "$v: apply refuses an unknown field" 'unknown field "dta"' kubectl apply -f "$E2E_DIR/bad-$ns.yaml"
  expect_ok "$v: delete -f" kubectl delete -f "$manifest" --ignore-not-found
done
finish
