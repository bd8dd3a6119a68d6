#!/usr/bin/env bash
# bench/proxy/connect_bench.sh: TCP connect latency through a ClusterIP with
# 10,000 services installed vs 10 (issue 4, goal ratio <= 1.1), no cluster.
#
# Inside scripts/in-netns: a server namespace bpsrv-PID joined to this one by
# a veth pair (this side 10.250.255.254/24, the server 10.250.255.1-3/24),
# 10.96.0.0/12 routed onto the veth. bench/proxy/proxy_connect_bench then
# programs the netkube-proxy table for N services x 3 endpoints in this
# namespace (the measured service's 3 endpoints are the server's addresses)
# and times connect()+close() to its ClusterIP. The server namespace and the
# veth are removed on exit, also on failure.
#
# Env: BUILD (default build), BENCH_CONNECT_SERVICES ("10,10000,10,10000,10":
#      the sizes, in order), BENCH_CONNECTS (2000), BENCH_CONNECT_WARMUP (200),
#      BENCH_CONNECT_EXECUTOR (nftnl | libnftables).
# Output: the program's RESULT lines on stdout.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ "${NETKUBE_IN_NETNS:-}" != "1" ]]; then
  exec "$ROOT/scripts/in-netns" bash "${BASH_SOURCE[0]}" "$@"
fi
BUILD=${BUILD:-build}
[[ "$BUILD" = /* ]] || BUILD="$ROOT/$BUILD"
BIN="$BUILD/bench/proxy/proxy_connect_bench"
[[ -x "$BIN" ]] || { echo "connect_bench: $BIN is missing; build proxy_connect_bench" >&2; exit 1; }

NS=bpsrv-$$
VETH=bpv$$
cleanup() {
  ip link del "$VETH" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS"
ip link add "$VETH" type veth peer name eth0 netns "$NS"
ip addr add 10.250.255.254/24 dev "$VETH"
ip link set "$VETH" up
ip route add 10.96.0.0/12 dev "$VETH"
ip -n "$NS" link set lo up
ip -n "$NS" link set eth0 up
for i in 1 2 3; do ip -n "$NS" addr add "10.250.255.$i/24" dev eth0; done
ip -n "$NS" route add default via 10.250.255.254
# Let the addresses leave tentative state / neighbours settle.
sleep 0.5

"$BIN" --server-netns "/run/netns/$NS" --server-ips 10.250.255.1,10.250.255.2,10.250.255.3 \
  --services "${BENCH_CONNECT_SERVICES:-10,10000,10,10000,10}" --connects "${BENCH_CONNECTS:-2000}" \
  --warmup "${BENCH_CONNECT_WARMUP:-200}" --executor "${BENCH_CONNECT_EXECUTOR:-nftnl}"
