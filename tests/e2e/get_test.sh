# get_test.sh: kubectl get (output formats, columns, selectors, chunking),
# api-resources and explain.
source "$(dirname "$0")/lib.sh"
start_server

# header CMD...: the first line of CMD's output with runs of blanks squeezed.
header() { "$@" 2>/dev/null | head -n 1 | tr -s ' '; }
squeeze() { tr -s ' ' <<<"$1"; }

kubectl create deployment web --image=k8s.gcr.io/echoserver:1.10 --replicas=2 --port=8080 >/dev/null
kubectl expose deployment web --port=80 --target-port=8080 >/dev/null
kubectl run solo --image=busybox --restart=Never --labels=app=solo >/dev/null
for i in 1 2 3 4 5; do
  kubectl create configmap "cm$i" --from-literal=k=v >/dev/null
done
kubectl label cm cm1 cm2 cm3 cm4 cm5 group=test >/dev/null
kubectl label cm cm1 cm5 env=a >/dev/null
kubectl label cm cm2 env=b >/dev/null
kubectl label cm cm3 env=c >/dev/null

pod_count() { [[ $(kubectl get pods -l app=web -o name | grep -c .) -eq "$1" ]]; }
wait_for "2 web pods" 100 pod_count 2 || fail "the deployment made 2 pods"

# --- table columns ---------------------------------------------------------------
expect_eq "pods header" "NAME READY STATUS RESTARTS AGE" "$(header kubectl get pods)"
expect_eq "pods wide header" "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES" \
  "$(header kubectl get pods -o wide)"
run kubectl get pod solo --no-headers
expect_match "unscheduled pod row" "$(squeeze "$OUT")" '^solo 0/1 Pending 0 [0-9]+s$'
run kubectl get pod solo -o wide --no-headers
expect_match "unscheduled pod wide row" "$(squeeze "$OUT")" '^solo 0/1 Pending 0 [0-9]+s <none> <none> <none> <none>$'
expect_eq "services header" "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE" "$(header kubectl get svc)"
expect_eq "services wide header" "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR" "$(header kubectl get svc -o wide)"
run kubectl get svc web -o wide --no-headers
expect_match "service wide row" "$(squeeze "$OUT")" '^web ClusterIP 10\.[0-9.]+ <none> 80/TCP [0-9]+s app=web$'
run kubectl get svc kubernetes --no-headers
expect_match "kubernetes service row" "$(squeeze "$OUT")" '^kubernetes ClusterIP 10\.96\.0\.1 <none> 443/TCP [0-9]+[sm]$'
expect_eq "deployments header" "NAME READY UP-TO-DATE AVAILABLE AGE" "$(header kubectl get deploy)"
expect_eq "deployments wide header" "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR" \
  "$(header kubectl get deploy -o wide)"
run kubectl get deploy web -o wide --no-headers
expect_match "deployment wide row" "$(squeeze "$OUT")" '^web 0/2 2 0 [0-9]+s echoserver k8s.gcr.io/echoserver:1.10 app=web$'
expect_eq "replicasets header" "NAME DESIRED CURRENT READY AGE" "$(header kubectl get rs)"
run kubectl get rs --no-headers
expect_match "replicaset row" "$(squeeze "$OUT")" '^web-[a-z0-9]+ 2 2 0 [0-9]+s$'
expect_eq "configmaps header" "NAME DATA AGE" "$(header kubectl get cm)"
expect_eq "namespaces header" "NAME STATUS AGE" "$(header kubectl get ns)"
expect_eq "serviceaccounts header" "NAME SECRETS AGE" "$(header kubectl get sa)"
expect_eq "--show-labels header" "NAME DATA AGE LABELS" "$(header kubectl get cm cm1 --show-labels)"
expect_eq "-L env header" "NAME DATA AGE ENV" "$(header kubectl get cm cm1 -L env)"
run kubectl get cm cm1 -L env --no-headers
expect_match "-L env row" "$(squeeze "$OUT")" '^cm1 1 [0-9]+s a$'

run kubectl get ns --no-headers -o custom-columns=N:.metadata.name,S:.status.phase
expect_eq "kubectl get ns" "default Active
kube-node-lease Active
kube-public Active
kube-system Active" "$(squeeze "$OUT")"

# --- get all ------------------------------------------------------------------------
expect_ok "get all" kubectl get all
for want in "NAME READY STATUS RESTARTS AGE" "pod/solo 0/1 Pending" "pod/web-" \
            "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE" "service/kubernetes ClusterIP 10.96.0.1" \
            "service/web ClusterIP" "NAME READY UP-TO-DATE AVAILABLE AGE" "deployment.apps/web 0/2 2 0" \
            "NAME DESIRED CURRENT READY AGE" "replicaset.apps/web-"; do
  expect_contains "get all shows '$want'" "$(squeeze "$OUT")" "$want"
done
expect_ok "get all -A" kubectl get all -A
expect_contains "get all -A has a NAMESPACE column" "$(squeeze "$OUT")" "NAMESPACE NAME READY STATUS"

# --- output formats -----------------------------------------------------------------
run kubectl get svc web -o jsonpath='{.spec.clusterIP}'
ip=$OUT
expect_match "jsonpath clusterIP" "$ip" '^10\.(9[6-9]|10[0-9]|11[01])\.[0-9]+\.[0-9]+$'
run kubectl get svc web -o custom-columns=NAME:.metadata.name,IP:.spec.clusterIP
expect_eq "custom-columns" "NAME IP
web $ip" "$(squeeze "$OUT")"
run kubectl get svc web -o name
expect_eq "-o name" "service/web" "$OUT"
run kubectl get svc,deploy -o name
expect_eq "-o name of two kinds" "service/kubernetes
service/web
deployment.apps/web" "$OUT"
run kubectl get svc web -o json
expect_eq "-o json" "Service web $ip 8080" "$(jq -r '"\(.kind) \(.metadata.name) \(.spec.clusterIP) \(.spec.ports[0].targetPort)"' <<<"$OUT")"
run kubectl get pods -o json
expect_eq "-o json of a list" "List 3" "$(jq -r '"\(.kind) \(.items | length)"' <<<"$OUT")"
run kubectl get svc web -o yaml
expect_contains "-o yaml kind" "$OUT" "kind: Service"
expect_contains "-o yaml clusterIP" "$OUT" "clusterIP: $ip"
expect_contains "-o yaml selector" "$OUT" $'selector:\n    app: web'
run kubectl get pods --sort-by=.metadata.name -o name
expect_eq "--sort-by puts solo first" "pod/solo" "$(head -n 1 <<<"$OUT")"
run kubectl get pods --sort-by=.metadata.creationTimestamp -o name
expect_eq "--sort-by=.metadata.creationTimestamp" "3" "$(grep -c . <<<"$OUT")"
expect_fail "get of a missing pod" 'pods "nope" not found' kubectl get pod nope

# --- selectors ----------------------------------------------------------------------
run kubectl get pods -l app=web -o name
expect_eq "-l app=web" "2" "$(grep -c '^pod/web-' <<<"$OUT")"
expect_not_contains "-l app=web excludes solo" "$OUT" "solo"
run kubectl get cm -l 'env in (a,b)' -o name
expect_eq "-l 'env in (a,b)'" "configmap/cm1
configmap/cm2
configmap/cm5" "$OUT"
run kubectl get cm -l 'group=test,!env' -o name
expect_eq "-l 'group=test,!env'" "configmap/cm4" "$OUT"
run kubectl get cm -l 'group=test,env notin (a)' -o name
expect_eq "-l 'env notin (a)'" "configmap/cm2
configmap/cm3
configmap/cm4" "$OUT"
run kubectl get cm -l 'env!=a,env' -o name
expect_eq "-l 'env!=a,env'" "configmap/cm2
configmap/cm3" "$OUT"
run kubectl get cm --field-selector metadata.name=cm3 -o name
expect_eq "--field-selector metadata.name=cm3" "configmap/cm3" "$OUT"
run kubectl get cm --field-selector metadata.name!=cm3 -l group=test -o name
expect_eq "--field-selector metadata.name!=cm3" "4" "$(grep -c . <<<"$OUT")"
run kubectl get pods --field-selector status.phase=Pending -o name
expect_eq "--field-selector status.phase=Pending" "3" "$(grep -c . <<<"$OUT")"
run kubectl get pods --field-selector status.phase=Running
expect_eq "--field-selector status.phase=Running: none" "" "$OUT"
expect_contains "--field-selector status.phase=Running: message" "$ERR" "No resources found in default namespace."
run kubectl get pods --field-selector spec.nodeName= -o name
expect_eq "--field-selector spec.nodeName= (unscheduled)" "3" "$(grep -c . <<<"$OUT")"
run kubectl get pods -A --field-selector metadata.namespace=default,status.phase=Pending -l app=solo -o name
expect_eq "field and label selectors together" "pod/solo" "$OUT"

expect_fail "broken label selector" "unable to parse requirement" kubectl get cm -l 'env in (a'
expect_fail "broken label selector (bad key)" "Error from server (BadRequest)" kubectl get cm -l 'a b=c'
expect_fail "unsupported field selector" 'field label not supported: spec.foo' kubectl get pods --field-selector spec.foo=x
expect_fail "broken field selector" "Error from server (BadRequest)" kubectl get cm --field-selector 'metadata.name'

# --- chunking -------------------------------------------------------------------------
run kubectl get cm -l group=test --chunk-size=2 -o name -v=6
expect_eq "--chunk-size=2 lists all 5" "configmap/cm1
configmap/cm2
configmap/cm3
configmap/cm4
configmap/cm5" "$OUT"
expect_eq "--chunk-size=2 made 3 requests" "3" "$(grep -c 'configmaps?.*limit=2' <<<"$ERR")"
expect_eq "--chunk-size=2 used continue tokens" "2" "$(grep -c 'continue=' <<<"$ERR")"
run kubectl get cm -l group=test --chunk-size=2 --no-headers
expect_eq "--chunk-size=2 table has 5 rows" "5" "$(grep -c '^cm' <<<"$OUT")"
page=$(kcurl '/api/v1/namespaces/default/configmaps?limit=2')
n=$(kubectl get cm -o name | grep -c .)
expect_eq "limit=2 page: remainingItemCount" "200 2 $((n - 2))" \
  "$(http_status "$page") $(http_body "$page" | jq -r '"\(.items|length) \(.metadata.remainingItemCount)"')"
# With a selector the server cannot know the remaining count and leaves it out.
page=$(kcurl '/api/v1/namespaces/default/configmaps?labelSelector=group%3Dtest&limit=2')
body=$(http_body "$page")
expect_eq "limit=2 page with a selector" "200 2 null" "$(http_status "$page") $(jq -r '"\(.items|length) \(.metadata.remainingItemCount)"' <<<"$body")"
cont=$(jq -r '.metadata.continue' <<<"$body")
page=$(kcurl "/api/v1/namespaces/default/configmaps?labelSelector=group%3Dtest&limit=2&continue=$cont")
expect_eq "second page" "cm3 cm4" "$(http_body "$page" | jq -r '[.items[].metadata.name]|join(" ")')"
page=$(kcurl '/api/v1/namespaces/default/configmaps?limit=2&continue=garbage')
expect_eq "a garbage continue token is 400" "400" "$(http_status "$page")"

# --- api-resources and explain ---------------------------------------------------------
expect_ok "api-resources" kubectl api-resources
res=$(squeeze "$OUT")
for want in "pods po v1 true Pod" "services svc v1 true Service" "deployments deploy apps/v1 true Deployment" \
            "replicasets rs apps/v1 true ReplicaSet" "daemonsets ds apps/v1 true DaemonSet" \
            "namespaces ns v1 false Namespace" "nodes no v1 false Node" "configmaps cm v1 true ConfigMap" \
            "endpoints ep v1 true Endpoints" "serviceaccounts sa v1 true ServiceAccount" \
            "ingresses ing networking.k8s.io/v1 true Ingress" "networkpolicies netpol networking.k8s.io/v1 true NetworkPolicy" \
            "endpointslices discovery.k8s.io/v1 true EndpointSlice" "leases coordination.k8s.io/v1 true Lease" \
            "ingressclasses networking.k8s.io/v1 false IngressClass" "events ev v1 true Event"; do
  expect_contains "api-resources lists '$want'" "$res" "$want"
done
run kubectl api-resources --api-group=apps -o name
expect_eq "api-resources --api-group=apps" "daemonsets.apps
deployments.apps
replicasets.apps" "$OUT"
run kubectl api-resources --namespaced=false -o name
expect_contains "api-resources --namespaced=false" "$OUT" "namespaces"
expect_not_contains "api-resources --namespaced=false excludes pods" "$OUT" "pods"
run kubectl api-resources -o wide
expect_contains "api-resources -o wide shows verbs" "$(squeeze "$OUT")" "create,delete,deletecollection,get,list,patch,update,watch"
expect_ok "get by short name" kubectl get po,svc,deploy,rs,cm,ep,sa,ing,netpol,ds,ns,no -o name
expect_ok "api-versions" kubectl api-versions
for gv in v1 apps/v1 discovery.k8s.io/v1 networking.k8s.io/v1 coordination.k8s.io/v1; do
  expect_contains "api-versions lists $gv" "$OUT" "$gv"
done

expect_ok "explain pods.spec.containers" kubectl explain pods.spec.containers
expect_match "explain: kind" "$OUT" 'KIND: +Pod'
expect_match "explain: version" "$OUT" 'VERSION: +v1'
expect_contains "explain: field" "$OUT" "FIELD: containers <[]Container>"
expect_contains "explain: description" "$OUT" "DESCRIPTION:"
expect_match "explain: image field" "$OUT" $'\n  image\t<string>'
expect_match "explain: ports field" "$OUT" $'\n  ports\t<\\[\\]ContainerPort>'
expect_match "explain: name is required" "$OUT" $'\n  name\t<string> -required-'
expect_ok "explain deploy.spec.replicas" kubectl explain deploy.spec.replicas
expect_contains "explain deploy.spec.replicas" "$OUT" "FIELD: replicas <integer>"
expect_fail "explain of a missing field" 'field "nope" does not exist' kubectl explain pods.spec.nope
# The networking fields a learner reads carry descriptions of netkube's own (issue 13, item 8).
expect_ok "explain ingress...pathType" kubectl explain ingress.spec.rules.http.paths.pathType
expect_match "  ... says how Prefix matches" "$OUT" 'element[[:space:]]+by[[:space:]]+element'
expect_ok "explain service.spec.externalTrafficPolicy" kubectl explain service.spec.externalTrafficPolicy
expect_match "  ... says what Local keeps" "$OUT" 'keeping[[:space:]]+the[[:space:]]+client'
expect_ok "explain networkpolicy.spec.podSelector" kubectl explain networkpolicy.spec.podSelector
expect_contains "  ... says a selected pod is isolated" "$OUT" "isolated"
for v in 1.27 1.29; do
  k=/usr/lib/google-cloud-sdk/bin/kubectl.$v
  [[ -x $k ]] || continue
  run "$k" explain pods.spec.containers
  expect_match "explain with kubectl $v" "$OUT" $'FIELD: +containers <\\[\\]Container>'
  run "$k" get pods -o wide
  expect_eq "pods wide header with kubectl $v" "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES" \
    "$(head -n 1 <<<"$OUT" | tr -s ' ')"
done

server_alive "server still serving"
finish
