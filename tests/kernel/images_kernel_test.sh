#!/usr/bin/env bash
# The built-in image programs on loopback, inside a private network namespace
# (run through scripts/in-netns by CTest): echoserver, agnhost (netexec,
# serve-hostname, connect), nginx, busybox, wget, pause and cni-install, each
# started as `netkube image PROGRAM`, checked with curl, and killed by PID.
# NETKUBE_BIN overrides the netkube binary (default: beside $NETKUBE_CNI).
set -uo pipefail

if [[ "${NETKUBE_IN_NETNS:-}" != "1" ]]; then
  echo "run me through scripts/in-netns" >&2
  exit 2
fi
NK="${NETKUBE_BIN:-$(dirname "${NETKUBE_CNI:-./build/netkube-cni}")/netkube}"
if [[ ! -x "$NK" ]]; then
  echo "netkube binary not found at $NK" >&2
  exit 1
fi

WORK=$(mktemp -d /tmp/images_kernel_test.XXXXXX)
PIDS=()
# The busybox program's applet directory is a machine-wide cache; remove it
# afterwards only if this test made it.
BUSYBOX_CACHE=/run/netkube-busybox
[[ -e $BUSYBOX_CACHE ]] && BUSYBOX_CACHE=""
OVERRIDES_BEFORE=$(ls -d /run/netkube-busybox/override-* 2>/dev/null)
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do rm -rf "/tmp/netkube-nginx-$p"; done
  if [[ -n $BUSYBOX_CACHE ]]; then rm -rf "$BUSYBOX_CACHE"; fi
  for d in /run/netkube-busybox/override-*; do
    [[ -d $d ]] && ! grep -qxF -- "$d" <<<"$OVERRIDES_BEFORE" && rm -rf "$d"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
check() {  # check NAME COMMAND... : the command must succeed
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $name" >&2
  fi
}
contains() { grep -qF -- "$2" <<<"$1"; }
wait_port() {  # wait_port PORT: until something listens (no timing assertion: bounded retries)
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.05
  done
  return 1
}
HOST=$(hostname)

# echoserver
PORT=18080 "$NK" image echoserver >"$WORK/echo.out" 2>"$WORK/echo.err" &
PIDS+=($!)
check "echoserver listens" wait_port 18080
out=$(curl -s -H 'X-Test: yes' 'http://127.0.0.1:18080/some/path?a=1')
check "echoserver hostname" contains "$out" "Hostname: $HOST"
check "echoserver no pod info" contains "$out" "-no pod information available-"
check "echoserver client_address" contains "$out" "client_address=127.0.0.1"
check "echoserver real path" contains "$out" "real path=/some/path"
check "echoserver query" contains "$out" "query=a=1"
check "echoserver request_uri" contains "$out" "request_uri=http://127.0.0.1:18080/some/path?a=1"
check "echoserver header" contains "$out" "x-test=yes"
check "echoserver no body" contains "$out" "-no body in request-"
out=$(curl -s --data-binary 'the body' http://127.0.0.1:18080/)
check "echoserver body" contains "$out" $'Request Body:\nthe body'
conns=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects}\n' http://127.0.0.1:18080/a http://127.0.0.1:18080/b | tr '\n' ' ')
check "echoserver keep-alive" [ "$conns" = "1 0 " ]
check "echoserver access log" grep -q '"GET /some/path?a=1 HTTP/1.1" 200' "$WORK/echo.out"

# agnhost netexec
"$NK" image agnhost netexec --http-port=18090 --udp-port=18091 2>"$WORK/netexec.err" &
NETEXEC=$!
PIDS+=($NETEXEC)
check "netexec listens" wait_port 18090
check "netexec hostname" [ "$(curl -s http://127.0.0.1:18090/hostname)" = "$HOST" ]
check "netexec clientip" contains "$(curl -s http://127.0.0.1:18090/clientip)" "127.0.0.1:"
check "netexec echo" [ "$(curl -s 'http://127.0.0.1:18090/echo?msg=hello%20there')" = "hello there" ]
check "netexec shell" [ "$(curl -s 'http://127.0.0.1:18090/shell?cmd=echo%20hi')" = '{"output":"hi\n"}' ]
check "netexec healthz" [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18090/healthz)" = 200 ]

# agnhost serve-hostname, and netexec dialing it over HTTP and itself over UDP
"$NK" image agnhost serve-hostname --port 19376 2>/dev/null &
PIDS+=($!)
check "serve-hostname listens" wait_port 19376
check "serve-hostname" [ "$(curl -s http://127.0.0.1:19376/)" = "$HOST" ]
out=$(curl -s 'http://127.0.0.1:18090/dial?request=hostname&protocol=http&host=127.0.0.1&port=19376&tries=2')
check "netexec dial http" [ "$out" = "{\"errors\":null,\"responses\":[\"$HOST\",\"$HOST\"]}" ]
out=$(curl -s 'http://127.0.0.1:18090/dial?request=hostname&protocol=udp&host=127.0.0.1&port=18091&tries=1')
check "netexec dial udp" [ "$out" = "{\"errors\":null,\"responses\":[\"$HOST\"]}" ]
code=$(curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:18090/dial?request=hostname&protocol=http&host=127.0.0.1&port=1')
check "netexec dial failure is 417" [ "$code" = 417 ]

# agnhost connect
check "connect open port" "$NK" image agnhost connect 127.0.0.1:19376
err=$("$NK" image agnhost connect --timeout=5s 127.0.0.1:1 2>&1)
rc=$?
check "connect refused exit 1" [ "$rc" = 1 ]
check "connect refused message (upstream's bare REFUSED line)" [ "$err" = "REFUSED" ]

# wget: netkube's busybox-compatible wget (the busybox/alpine `wget` applet),
# from the busybox program, from busybox's sh, and as `image wget`.
mkdir -p "$WORK/wget"
SMALL_WGET="$(dirname "$NK")/netkube-image"
seed_lines() {  # seed_lines HOSTPORT SIZE: busybox's four lines for a download to index.html
  printf 'Connecting to %s (%s)\nsaving to '\''index.html'\''\nindex.html           100%% |********************************| %5d  0:00:00 ETA\n'\''index.html'\'' saved\n' "$1" "$1" "$2"
}
# The seed: kubectl run tmp --image=busybox -- wget 10.106.223.154:80 --timeout=5 --tries=1
(cd "$WORK/wget" && env -u COLUMNS "$NK" image busybox wget 127.0.0.1:18080 --timeout=5 --tries=1 2>"$WORK/wget/seed.err")
check "wget seed exit 0" [ $? = 0 ]
size=$(stat -c %s "$WORK/wget/index.html" 2>/dev/null || echo 0)
check "wget seed saved index.html" contains "$(cat "$WORK/wget/index.html" 2>/dev/null)" "real path=/"
check "wget seed output" [ "$(cat "$WORK/wget/seed.err")" = "$(seed_lines 127.0.0.1:18080 "$size")" ]
(cd "$WORK/wget" && "$NK" image wget 127.0.0.1:18080 2>"$WORK/wget/exists.err")
check "wget existing file exit 1" [ $? = 1 ]
check "wget existing file message" contains "$(cat "$WORK/wget/exists.err")" "wget: can't open 'index.html': File exists"
out=$("$NK" image wget -qO- http://127.0.0.1:18080/quiet 2>"$WORK/wget/q.err")
check "wget -qO- body" contains "$out" "real path=/quiet"
check "wget -qO- user agent" contains "$out" "user-agent=Wget"
check "wget -qO- silent" [ ! -s "$WORK/wget/q.err" ]
out=$(env -u COLUMNS "$NK" image wget -O - -U netkube-test --header 'X-Wget: yes' http://127.0.0.1:18080/o 2>"$WORK/wget/o.err")
check "wget -O - headers" contains "$out" "x-wget=yes"
check "wget -O - agent" contains "$out" "user-agent=netkube-test"
check "wget -O - messages" contains "$(cat "$WORK/wget/o.err")" $'writing to stdout\n-                    100% |'
check "wget -O - written" contains "$(cat "$WORK/wget/o.err")" "written to stdout"
out=$("$NK" image busybox sh -c 'wget -q -T 3 -O - http://127.0.0.1:18080/from-sh' 2>&1)
check "wget from busybox sh is netkube's" contains "$out" "real path=/from-sh"
out=$("$NK" image busybox sh -c 'busybox wget -q --timeout=3 -O - http://127.0.0.1:18080/busybox-wget' 2>&1)
check "busybox wget from sh is netkube's" contains "$out" "real path=/busybox-wget"
if [[ -x "$SMALL_WGET" ]]; then
  out=$("$SMALL_WGET" image wget -q -O - http://127.0.0.1:18080/small 2>&1)
  check "netkube-image image wget" contains "$out" "real path=/small"
fi
err=$("$NK" image wget -q -O - http://127.0.0.1:1/ 2>&1)
check "wget refused exit 1" [ $? = 1 ]
err=$("$NK" image wget -O - http://127.0.0.1:1/ 2>&1 >/dev/null)
check "wget refused message" [ "$err" = $'Connecting to 127.0.0.1:1 (127.0.0.1:1)\nwget: can\'t connect to remote host (127.0.0.1): Connection refused' ]
err=$("$NK" image wget -q -O - 'http://127.0.0.1:18090/echo?msg=x&code=404' 2>&1)
check "wget 404 exit 1" [ $? = 1 ]
check "wget 404 message" [ "$err" = "wget: server returned error: HTTP/1.1 404 Not Found" ]
out=$("$NK" image wget -q -O - 'http://127.0.0.1:18090/redirect?location=/echo%3Fmsg%3Dredirected' 2>&1)
check "wget follows redirects" [ "$out" = "redirected" ]
err=$("$NK" image wget --spider http://127.0.0.1:18090/healthz 2>&1)
check "wget --spider" contains "$err" "remote file exists"
err=$("$NK" image wget -q -O - http://nosuchhost.invalid/ 2>&1)
check "wget bad address" [ "$err" = "wget: bad address 'nosuchhost.invalid'" ]
err=$("$NK" image wget -O - https-not://x/ 2>&1)
check "wget not an http url" [ "$err" = "wget: not an http or ftp url: https-not://x/" ]
# --timeout: a peer that never answers the SYN (a veth pair inside this
# namespace; the frames to a made-up MAC are dropped by its peer), and one that
# accepts but never answers.
if ip link add nkwget0 type veth peer name nkwget1 2>/dev/null; then
  ip addr add 10.254.0.1/24 dev nkwget0 && ip link set nkwget0 up && ip link set nkwget1 up &&
    ip neigh replace 10.254.0.2 lladdr 02:00:00:00:00:02 dev nkwget0 nud permanent
  err=$("$NK" image wget --timeout=1 --tries=1 http://10.254.0.2:80/ 2>&1)
  check "wget connect timeout exit 1" [ $? = 1 ]
  check "wget connect timeout message" [ "$err" = $'Connecting to 10.254.0.2:80 (10.254.0.2:80)\nwget: download timed out' ]
  ip link del nkwget0
fi
if command -v python3 >/dev/null; then
  python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",18097)); s.listen(8); time.sleep(120)' &
  PIDS+=($!)
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/18097) 2>/dev/null && break; sleep 0.05; done
  err=$("$NK" image wget -q -T 1 -O - http://127.0.0.1:18097/ 2>&1)
  check "wget read timeout exit 1" [ $? = 1 ]
  check "wget read timeout message" [ "$err" = "wget: download timed out" ]
fi

# netexec /exit?code=3 ends the process with code 3
curl -s -o /dev/null 'http://127.0.0.1:18090/exit?code=3'
wait $NETEXEC
check "netexec exit code" [ $? = 3 ]

# busybox applets (Debian's busybox)
if [[ -x /bin/busybox ]]; then
  out=$("$NK" image busybox wget -q -O - http://127.0.0.1:18080/busybox 2>&1)
  check "busybox wget" contains "$out" "real path=/busybox"
  out=$("$NK" image busybox sh -c 'wget -q -O - http://127.0.0.1:18080/from-sh' 2>&1)
  check "busybox sh finds applets" contains "$out" "real path=/from-sh"
else
  echo "SKIP: busybox is not installed (scripts/deps.sh)"
fi

# nginx (Debian's), default page on :80
if [[ -x /usr/sbin/nginx ]]; then
  "$NK" image nginx -g 'daemon off;' >"$WORK/nginx.out" 2>"$WORK/nginx.err" &
  NGINX=$!
  PIDS+=($NGINX)
  check "nginx listens" wait_port 80
  check "nginx page" contains "$(curl -s http://127.0.0.1/)" "Welcome to nginx!"
  check "nginx config per container" [ -f "/tmp/netkube-nginx-$NGINX/nginx.conf" ]
  kill $NGINX
  wait $NGINX
  check "nginx stops on SIGTERM" [ $? = 0 ]
  check "nginx access log on stdout" grep -q '"GET / HTTP/1.1" 200' "$WORK/nginx.out"
else
  echo "SKIP: nginx is not installed (scripts/deps.sh)"
fi

# pause
"$NK" image pause &
PAUSE=$!
PIDS+=($PAUSE)
sleep 0.1
kill -TERM $PAUSE
wait $PAUSE
check "pause exits 0 on SIGTERM" [ $? = 0 ]

# netkube-image, the small binary beside netkube, runs the same programs
SMALL="$(dirname "$NK")/netkube-image"
if [[ -x "$SMALL" ]]; then
  PORT=18082 "$SMALL" image echoserver >/dev/null 2>&1 &
  PIDS+=($!)
  check "netkube-image listens" wait_port 18082
  check "netkube-image echoserver" contains "$(curl -s http://127.0.0.1:18082/)" "Hostname: $HOST"
fi

# cni-install --once
mkdir -p "$WORK/run"
echo 'NETKUBE_SUBNET=10.244.7.0/24' >"$WORK/run/subnet.env"
if [[ -x "${NETKUBE_CNI:-}" ]]; then
  check "cni-install" "$NK" image cni-install --once --conf-dir "$WORK/net.d" --bin-dir "$WORK/bin" \
    --subnet-file "$WORK/run/subnet.env" --plugin-source "$NETKUBE_CNI"
  check "cni-install plugin" cmp -s "$NETKUBE_CNI" "$WORK/bin/netkube-cni"
  check "cni-install conflist" grep -q '10.244.7.0/24' "$WORK/net.d/10-netkube.conflist"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
