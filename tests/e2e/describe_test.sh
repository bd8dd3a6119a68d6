# describe_test.sh: kubectl describe of pods, services, deployments,
# replicasets, namespaces, configmaps, secrets, ingresses, network policies,
# with the events the controllers record; kubectl get events / kubectl events.
source "$(dirname "$0")/lib.sh"
start_server

kubectl apply -f "$E2E_TESTDATA/app.yaml" >/dev/null
kubectl run solo --image=busybox --restart=Never -n shop --labels=app=solo >/dev/null

# field TEXT LABEL: the value after "LABEL:" on its line (blanks squeezed).
field() { grep -m1 "^$2:" <<<"$1" | sed "s/^$2:[[:space:]]*//; s/[[:space:]]*\$//"; }
has_event() { kubectl describe "$@" 2>/dev/null | grep -q "$EVENT_RE"; }

# --- pod -----------------------------------------------------------------------------------
EVENT_RE='Warning  *FailedScheduling .*default-scheduler'
wait_for "FailedScheduling on solo" 100 has_event pod solo -n shop
expect_ok "describe pod" kubectl describe pod solo -n shop
d=$OUT
expect_eq "pod Name" "solo" "$(field "$d" Name)"
expect_eq "pod Namespace" "shop" "$(field "$d" Namespace)"
expect_eq "pod Node" "<none>" "$(field "$d" Node)"
expect_eq "pod Status" "Pending" "$(field "$d" Status)"
expect_eq "pod Labels" "app=solo" "$(field "$d" Labels)"
expect_eq "pod Service Account" "default" "$(field "$d" 'Service Account')"
expect_eq "pod QoS Class" "BestEffort" "$(field "$d" 'QoS Class')"
expect_contains "pod container and image" "$d" $'Containers:\n  solo:\n    Image:        busybox'
expect_match "pod condition PodScheduled False" "$d" $'Conditions:\n  Type +Status\n  PodScheduled +False'
expect_contains "pod default tolerations" "$d" "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s"
expect_match "pod events header" "$d" $'Events:\n  Type +Reason +Age +From +Message'
expect_match "pod FailedScheduling event" "$d" 'Warning +FailedScheduling +[0-9]+s +default-scheduler +no nodes available to schedule pods'
expect_eq "pod PodScheduled condition reason" "False Unschedulable" \
  "$(kubectl get pod solo -n shop -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].status} {.status.conditions[?(@.type=="PodScheduled")].reason}')"

# --- deployment and replicaset --------------------------------------------------------------------
EVENT_RE='Normal  *ScalingReplicaSet .*deployment-controller'
wait_for "ScalingReplicaSet on web" 100 has_event deployment web -n shop
expect_ok "describe deployment" kubectl describe deployment web -n shop
d=$OUT
rs=$(kubectl get rs -n shop -l app=web -o jsonpath='{.items[0].metadata.name}')
expect_eq "deployment Selector" "app=web" "$(field "$d" Selector)"
expect_eq "deployment Replicas" "2 desired | 2 updated | 2 total | 0 available | 2 unavailable" "$(field "$d" Replicas)"
expect_eq "deployment StrategyType" "RollingUpdate" "$(field "$d" StrategyType)"
expect_eq "deployment RollingUpdateStrategy" "25% max unavailable, 25% max surge" "$(field "$d" RollingUpdateStrategy)"
expect_eq "deployment revision annotation" "deployment.kubernetes.io/revision: 1" "$(field "$d" Annotations)"
expect_eq "deployment NewReplicaSet" "$rs (2/2 replicas created)" "$(field "$d" NewReplicaSet)"
expect_match "deployment Available False" "$d" 'Available +False +MinimumReplicasUnavailable'
expect_match "deployment Progressing True" "$d" 'Progressing +True +(ReplicaSetUpdated|NewReplicaSetCreated|NewReplicaSetAvailable)'
expect_match "deployment ScalingReplicaSet event" "$d" \
  "Normal +ScalingReplicaSet +[0-9]+s +deployment-controller +Scaled up replica set $rs (from 0 )?to 2"

EVENT_RE='Normal  *SuccessfulCreate .*replicaset-controller'
wait_for "SuccessfulCreate on $rs" 100 has_event rs "$rs" -n shop
expect_ok "describe replicaset" kubectl describe rs "$rs" -n shop
d=$OUT
expect_eq "replicaset Controlled By" "Deployment/web" "$(field "$d" 'Controlled By')"
expect_eq "replicaset Replicas" "2 current / 2 desired" "$(field "$d" Replicas)"
expect_eq "replicaset Pods Status" "0 Running / 2 Waiting / 0 Succeeded / 0 Failed" "$(field "$d" 'Pods Status')"
expect_eq "replicaset SuccessfulCreate events" "2" \
  "$(grep -cE "Normal +SuccessfulCreate +[0-9]+s +replicaset-controller +Created pod: $rs-[a-z0-9]{5}\$" <<<"$d")"

# --- service ----------------------------------------------------------------------------------------
expect_ok "describe service" kubectl describe service web -n shop
d=$OUT
ip=$(kubectl get svc web -n shop -o jsonpath='{.spec.clusterIP}')
np=$(kubectl get svc web -n shop -o jsonpath='{.spec.ports[0].nodePort}')
expect_eq "service Selector" "app=web" "$(field "$d" Selector)"
expect_eq "service Type" "NodePort" "$(field "$d" Type)"
expect_eq "service IP" "$ip" "$(field "$d" IP)"
expect_eq "service IPs" "$ip" "$(field "$d" IPs)"
expect_eq "service IP Family Policy" "SingleStack" "$(field "$d" 'IP Family Policy')"
expect_eq "service Port" "http  80/TCP" "$(field "$d" Port)"
expect_eq "service TargetPort" "8080/TCP" "$(field "$d" TargetPort)"
expect_eq "service NodePort" "http  $np/TCP" "$(field "$d" NodePort)"
expect_eq "service Session Affinity" "None" "$(field "$d" 'Session Affinity')"
expect_eq "service External Traffic Policy" "Cluster" "$(field "$d" 'External Traffic Policy')"
expect_eq "service Events" "<none>" "$(field "$d" Events)"

# --- namespace, configmap, secret, ingress, networkpolicy, serviceaccount -------------------------------
expect_ok "describe namespace" kubectl describe namespace shop
d=$OUT
expect_eq "namespace Status" "Active" "$(field "$d" Status)"
expect_eq "namespace Labels" "kubernetes.io/metadata.name=shop" "$(field "$d" Labels)"
# kubectl prints these only when resourcequotas and limitranges are served.
expect_contains "namespace: no resource quota" "$d" "No resource quota."
expect_contains "namespace: no limit range" "$d" "No LimitRange resource."

expect_ok "describe configmap" kubectl describe configmap web-config -n shop
# (kubectl 1.27 prints no blank line between entries; keys come in Go map order)
expect_contains "configmap data" "$(grep -v '^$' <<<"$OUT")" $'Data\n===='
expect_contains "configmap data: greeting" "$(grep -v '^$' <<<"$OUT")" $'greeting:\n----\nhello'
expect_contains "configmap data: mode" "$(grep -v '^$' <<<"$OUT")" $'mode:\n----\nproduction'
expect_contains "configmap binary data" "$OUT" $'BinaryData\n===='

expect_ok "describe secret" kubectl describe secret web-secret -n shop
expect_eq "secret Type" "Opaque" "$(field "$OUT" Type)"
expect_contains "secret data sizes, not values" "$OUT" $'Data\n====\npassword:  6 bytes'
expect_not_contains "secret value hidden" "$OUT" "s3cret"

expect_ok "describe ingress" kubectl describe ingress web -n shop
expect_match "ingress rule" "$OUT" 'shop\.example\.com *'$'\n'' +/ +web:80 '

expect_ok "describe networkpolicy" kubectl describe networkpolicy web-allow-http -n shop
expect_contains "networkpolicy pod selector" "$OUT" "PodSelector:     app=web"
expect_contains "networkpolicy port" "$OUT" "To Port: 8080/TCP"
expect_contains "networkpolicy policy types" "$OUT" "Policy Types: Ingress"

wait_for "sa default in shop" 50 kubectl get sa default -n shop
expect_ok "describe serviceaccount" kubectl describe serviceaccount default -n shop
expect_eq "serviceaccount Name" "default" "$(field "$OUT" Name)"

expect_ok "describe all pods by label" kubectl describe pods -n shop -l app=web
expect_eq "describe by label covers both pods" "2" "$(grep -c '^Name: ' <<<"$OUT")"
expect_fail "describe of a missing pod" 'pods "nope" not found' kubectl describe pod nope -n shop

# --- events ------------------------------------------------------------------------------------------------
expect_ok "get events" kubectl get events -n shop
expect_eq "events header" "LAST SEEN TYPE REASON OBJECT MESSAGE" "$(head -n 1 <<<"$OUT" | tr -s ' ')"
expect_match "events: FailedScheduling of pod/solo" "$(tr -s ' ' <<<"$OUT")" 'Warning FailedScheduling pod/solo no nodes available to schedule pods'
expect_match "events: ScalingReplicaSet of deployment/web" "$(tr -s ' ' <<<"$OUT")" 'Normal ScalingReplicaSet deployment/web Scaled up replica set'
run kubectl get events -n shop --field-selector involvedObject.kind=Pod,involvedObject.name=solo -o jsonpath='{.items[*].reason}'
expect_match "events field selector on involvedObject" "$OUT" '^FailedScheduling( FailedScheduling)*$'
run kubectl get events -n shop --field-selector reason=ScalingReplicaSet -o jsonpath='{.items[0].source.component}'
expect_eq "events field selector on reason; source component" "deployment-controller" "$OUT"
run kubectl events -n shop --for pod/solo
expect_match "kubectl events --for pod/solo" "$(tr -s ' ' <<<"$OUT")" 'Warning FailedScheduling Pod/solo no nodes available to schedule pods'

server_alive "server still serving"
finish
