# conflict_test.sh: optimistic concurrency (replace of a stale object) and
# watches (kubectl get -w / --watch-only, raw watch from a resourceVersion).
source "$(dirname "$0")/lib.sh"
start_server

# --- replace with a stale resourceVersion ------------------------------------------------
kubectl create configmap x --from-literal=v=1 >/dev/null
kubectl get cm x -o yaml >"$E2E_DIR/old.yaml"
old_rv=$(kubectl get cm x -o jsonpath='{.metadata.resourceVersion}')
expect_ok "change the object" kubectl patch cm x -p '{"data":{"v":"2"}}'
new_rv=$(kubectl get cm x -o jsonpath='{.metadata.resourceVersion}')
if [[ $new_rv != "$old_rv" ]]; then pass "the change moved the resourceVersion"; else fail "the change moved the resourceVersion" "still $old_rv"; fi
sed -i 's/^  v: "1"$/  v: "3"/' "$E2E_DIR/old.yaml"
expect_fail "replace of the stale object: Conflict" \
  'Error from server (Conflict): error when replacing' kubectl replace -f "$E2E_DIR/old.yaml"
expect_contains "replace of the stale object: message" "$ERR" \
  'Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply your changes to the latest version and try again'
expect_eq "the stale replace stored nothing" "2|$new_rv" "$(kubectl get cm x -o jsonpath='{.data.v}|{.metadata.resourceVersion}')"

r=$(kcurl /api/v1/namespaces/default/configmaps/x -X PUT -H 'Content-Type: application/json' \
      -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"$old_rv\"},\"data\":{\"v\":\"4\"}}")
expect_eq "PUT with a stale resourceVersion: 409 Conflict" "409 Conflict" "$(http_status "$r") $(http_body "$r" | jq -r .reason)"
r=$(kcurl /api/v1/namespaces/default/configmaps/x -X PUT -H 'Content-Type: application/json' \
      -d "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"$new_rv\"},\"data\":{\"v\":\"4\"}}")
expect_eq "PUT with the current resourceVersion: 200" "200 4" "$(http_status "$r") $(http_body "$r" | jq -r .data.v)"
r=$(kcurl /api/v1/namespaces/default/configmaps/x -X PUT -H 'Content-Type: application/json' \
      -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"y"},"data":{"v":"4"}}')
expect_eq "PUT with a name that differs from the URL: 400" "400 BadRequest" "$(http_status "$r") $(http_body "$r" | jq -r .reason)"
r=$(kcurl /api/v1/namespaces/default/configmaps/x -X DELETE -H 'Content-Type: application/json' \
      -d "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{\"resourceVersion\":\"$old_rv\"}}")
expect_eq "DELETE with a stale precondition: 409" "409 Conflict" "$(http_status "$r") $(http_body "$r" | jq -r .reason)"

# Without a resourceVersion, replace is unconditional.
sed -i '/^  resourceVersion:/d' "$E2E_DIR/old.yaml"
expect_ok "replace without resourceVersion" kubectl replace -f "$E2E_DIR/old.yaml"
expect_eq "replace: message" "configmap/x replaced" "$OUT"
expect_eq "replace stored the new data" "3" "$(kubectl get cm x -o jsonpath='{.data.v}')"
expect_fail "create of an existing name: AlreadyExists" \
  'Error from server (AlreadyExists): error when creating' kubectl create -f "$E2E_DIR/old.yaml"
expect_contains "AlreadyExists message" "$ERR" 'configmaps "x" already exists'

# --- kubectl get -w ------------------------------------------------------------------------
has_line() { grep -q -- "$2" "$1" 2>/dev/null; }

# -w: first the current list, then every change.
timeout 40 kubectl get cm -w >"$E2E_DIR/w.out" 2>"$E2E_DIR/w.err" &
w_pid=$!; track_pid $w_pid
wait_for "the watch's initial list" 100 has_line "$E2E_DIR/w.out" '^x ' || fail "kubectl get -w printed the list" "$(cat "$E2E_DIR/w.out" "$E2E_DIR/w.err")"
kubectl create configmap watched --from-literal=a=1 >/dev/null
kubectl patch cm watched -p '{"data":{"b":"2"}}' >/dev/null
if wait_for "-w to print the patched object" 100 has_line "$E2E_DIR/w.out" '^watched  *2 '; then
  pass "kubectl get -w prints a later change"
else
  fail "kubectl get -w prints a later change" "output: $(cat "$E2E_DIR/w.out")" "stderr: $(cat "$E2E_DIR/w.err")"
fi
expect_eq "kubectl get -w header printed once" "1" "$(grep -c '^NAME ' "$E2E_DIR/w.out")"
kill $w_pid 2>/dev/null; wait $w_pid 2>/dev/null

# --watch-only with watch events, for one label: no initial list.
timeout 40 kubectl get cm -l team=blue --watch-only --output-watch-events -v=6 >"$E2E_DIR/wo.out" 2>"$E2E_DIR/wo.err" &
wo_pid=$!; track_pid $wo_pid
wait_for "the --watch-only list request" 100 has_line "$E2E_DIR/wo.err" 'configmaps?.*200 OK' || fail "--watch-only listed" "$(cat "$E2E_DIR/wo.err")"
kubectl create configmap blue1 --from-literal=a=1 >/dev/null
kubectl label cm blue1 team=blue >/dev/null
kubectl create configmap red1 >/dev/null
kubectl label cm red1 team=red >/dev/null
kubectl delete cm blue1 >/dev/null
if wait_for "--watch-only to print the deletion" 100 has_line "$E2E_DIR/wo.out" '^DELETED  *blue1 '; then
  pass "--watch-only prints the deletion"
else
  fail "--watch-only prints the deletion" "output: $(cat "$E2E_DIR/wo.out")" "stderr: $(tail -n 5 "$E2E_DIR/wo.err")"
fi
run cat "$E2E_DIR/wo.out"
expect_not_contains "--watch-only prints no initial list" "$OUT" " x "
expect_not_contains "--watch-only honours the label selector" "$OUT" "red1"
expect_eq "--watch-only events" "ADDED blue1
DELETED blue1" "$(awk 'NR > 1 {print $1, $2}' <<<"$OUT")"
expect_eq "--watch-only header" "EVENT NAME DATA AGE" "$(head -n 1 <<<"$OUT" | tr -s ' ')"
kill $wo_pid 2>/dev/null; wait $wo_pid 2>/dev/null

# One object, in JSON, across namespaces.
kubectl create namespace other >/dev/null
kubectl create configmap target -n other --from-literal=k=v1 >/dev/null
timeout 40 kubectl get cm target -n other -w -o json --output-watch-events >"$E2E_DIR/wj.out" 2>"$E2E_DIR/wj.err" &
wj_pid=$!; track_pid $wj_pid
got_v1() { jq -r '.object.data.k' "$E2E_DIR/wj.out" 2>/dev/null | grep -q v1; }
wait_for "the JSON watch to print the object" 100 got_v1 || fail "watch by name prints the object first" "$(cat "$E2E_DIR/wj.out" "$E2E_DIR/wj.err")"
kubectl create configmap target --from-literal=k=default >/dev/null
kubectl patch cm target -n other -p '{"data":{"k":"v2"}}' >/dev/null
got_v2() { jq -r 'select(.object.data.k == "v2") | .type' "$E2E_DIR/wj.out" 2>/dev/null | grep -q MODIFIED; }
if wait_for "the JSON watch to see v2" 100 got_v2; then pass "watch by name sees the modification"; else
  fail "watch by name sees the modification" "output: $(cat "$E2E_DIR/wj.out")" "stderr: $(cat "$E2E_DIR/wj.err")"; fi
expect_eq "watch by name sees only its namespace" "" "$(jq -r 'select(.object.data.k == "default") | .type' "$E2E_DIR/wj.out" 2>/dev/null)"
kill $wj_pid 2>/dev/null; wait $wj_pid 2>/dev/null

# --- raw watch from a resourceVersion ---------------------------------------------------------
rv0=$(http_body "$(kcurl /api/v1/namespaces/other/configmaps)" | jq -r .metadata.resourceVersion)
kubectl create configmap r1 -n other >/dev/null
kubectl patch cm r1 -n other -p '{"data":{"a":"b"}}' >/dev/null
kubectl delete cm r1 -n other >/dev/null
r=$(kcurl "/api/v1/namespaces/other/configmaps?watch=1&resourceVersion=$rv0&timeoutSeconds=2")
expect_eq "raw watch from an old resourceVersion replays the changes" "ADDED r1
MODIFIED r1
DELETED r1" "$(http_body "$r" | jq -r '"\(.type) \(.object.metadata.name)"')"
expect_eq "raw watch ends after timeoutSeconds with 200" "200" "$(http_status "$r")"
r=$(kcurl "/api/v1/namespaces/other/configmaps?watch=1&resourceVersion=$rv0&timeoutSeconds=2&fieldSelector=metadata.name%21%3Dr1")
expect_eq "raw watch with a field selector excluding r1" "" "$(http_body "$r")"
r=$(kcurl "/api/v1/namespaces/other/configmaps?watch=1&resourceVersion=$rv0&timeoutSeconds=2&allowWatchBookmarks=true")
expect_eq "bookmarks do not break the stream" "ADDED MODIFIED DELETED" \
  "$(http_body "$r" | jq -r 'select(.type != "BOOKMARK") | .type' | xargs)"

server_alive "server still serving"
finish
